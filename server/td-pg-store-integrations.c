/* td-pg-store-integrations.c - TdPgStore: reminders and announcements,
 * API keys, outgoing webhooks and their persistent delivery queue (same
 * semantics as td-sqlite-store-integrations.c; see td-pg-store.c for the
 * schema notes).
 */
#define G_LOG_DOMAIN "td-store"

#include "td-pg-store-private.h"
#include "td-store-sql.h"

#include <string.h>

enum {
  SQL_REM_FIND_KEY,
  SQL_REM_INSERT,
  SQL_REM_ADD_RECIPIENTS,
  SQL_REM_GET,
  SQL_REM_RECIPIENTS,
  SQL_REM_USER_LIST,
  SQL_REM_USER_GET,
  SQL_REM_STATE,
  SQL_REM_UPDATE,
  SQL_REM_LAST,
  SQL_KEY_INSERT,
  SQL_KEY_CHECK,
  SQL_KEY_TOUCH,
  SQL_KEY_REVOKE,
  SQL_KEY_LIST,
  SQL_HOOK_INSERT,
  SQL_HOOK_DELETE,
  SQL_HOOK_LIST,
  SQL_HOOK_ENQUEUE,
  SQL_HOOK_DUE,
  SQL_HOOK_NEXT,
  SQL_HOOK_SUCCEEDED,
  SQL_HOOK_FAILED,
  SQL_HOOK_PURGE,
  N_SQL
};

static const char * const sql[N_SQL] = {
  [SQL_REM_FIND_KEY] =
    "SELECT rid FROM reminders"
    " WHERE api_key_id = $1::bigint AND sender_id = $2::bigint AND idempotency_key = $3::text",
  /* ON CONFLICT: the same key posted to two nodes at once; the loser
   * reads the winner's reminder. */
  [SQL_REM_INSERT] =
    "INSERT INTO reminders (kind, source, title, body, link, category, priority, time,"
    "                       api_key_id, sender_id, idempotency_key)"
    " VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::bigint,"
    "         $9::bigint, $10::bigint, $11::text)"
    " ON CONFLICT DO NOTHING RETURNING rid",
  /* Unknown and disabled users are skipped; a repeated id is one row. */
  [SQL_REM_ADD_RECIPIENTS] =
    "INSERT INTO reminder_recipients (rid, user_id, updated)"
    " SELECT $1::bigint, id, $3::bigint FROM users"
    "  WHERE id = ANY ($2::bigint[]) AND disabled = 0"
    " ON CONFLICT DO NOTHING",
  [SQL_REM_GET] = "SELECT " REMINDER_COLUMNS " FROM reminders r WHERE r.rid = $1::bigint",
  [SQL_REM_RECIPIENTS] =
    "SELECT rr.user_id, u.login, rr.state, rr.until, rr.read, rr.updated"
    "  FROM reminder_recipients rr JOIN users u ON u.id = rr.user_id"
    " WHERE rr.rid = $1::bigint ORDER BY u.login",
  [SQL_REM_USER_LIST] =
    USER_REMINDER_SELECT
    " WHERE rr.user_id = $1::bigint AND (rr.state != 'done' OR rr.updated >= $2::bigint)"
    " ORDER BY rr.rid DESC LIMIT $3::bigint",
  [SQL_REM_USER_GET] =
    USER_REMINDER_SELECT " WHERE rr.rid = $1::bigint AND rr.user_id = $2::bigint",
  /* FOR UPDATE: two nodes acting on one reminder apply one after the
   * other, each seeing the other's result. */
  [SQL_REM_STATE] =
    "SELECT state, until, read FROM reminder_recipients"
    " WHERE rid = $1::bigint AND user_id = $2::bigint FOR UPDATE",
  [SQL_REM_UPDATE] =
    "UPDATE reminder_recipients SET state = $3::text, until = $4::bigint, read = $5::integer,"
    "       updated = $6::bigint"
    " WHERE rid = $1::bigint AND user_id = $2::bigint",
  [SQL_REM_LAST] = "SELECT COALESCE (MAX (rid), 0) FROM reminders",
  [SQL_KEY_INSERT] =
    "INSERT INTO api_keys (name, hash, scopes, bot_id, created)"
    " VALUES ($1::text, $2::bytea, $3::text, $4::bigint, $5::bigint)"
    " ON CONFLICT DO NOTHING RETURNING id",
  [SQL_KEY_CHECK] = API_KEY_SELECT "WHERE k.hash = $1::bytea AND k.revoked = 0",
  [SQL_KEY_TOUCH] = "UPDATE api_keys SET last_used = $2::bigint WHERE id = $1::bigint",
  [SQL_KEY_REVOKE] =
    "UPDATE api_keys SET revoked = 1 WHERE name = $1::text AND revoked = 0",
  [SQL_KEY_LIST] = API_KEY_SELECT "ORDER BY k.name, k.id",
  [SQL_HOOK_INSERT] =
    "INSERT INTO webhooks (name, url, secret, events, bot_id, created)"
    " VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint, $6::bigint)"
    " ON CONFLICT DO NOTHING RETURNING id",
  [SQL_HOOK_DELETE] = "DELETE FROM webhooks WHERE name = $1::text",
  [SQL_HOOK_LIST] =
    "SELECT w.id, w.name, w.url, w.secret, w.events, COALESCE (w.bot_id, 0), w.created,"
    "       w.disabled,"
    "       (SELECT COUNT (*) FROM webhook_deliveries d"
    "         WHERE d.webhook_id = w.id AND d.delivered = 0 AND d.given_up = 0),"
    "       (SELECT COUNT (*) FROM webhook_deliveries d"
    "         WHERE d.webhook_id = w.id AND d.delivered != 0),"
    "       (SELECT COALESCE (MAX (d.last_attempt), 0) FROM webhook_deliveries d"
    "         WHERE d.webhook_id = w.id),"
    "       (SELECT d.last_error FROM webhook_deliveries d"
    "         WHERE d.webhook_id = w.id AND d.last_attempt > 0"
    "         ORDER BY d.last_attempt DESC, d.id DESC LIMIT 1)"
    "  FROM webhooks w ORDER BY w.name",
  [SQL_HOOK_ENQUEUE] =
    "INSERT INTO webhook_deliveries (webhook_id, event, body, next_attempt, created)"
    " SELECT id, $1::text, $3::text, $4::bigint, $4::bigint FROM webhooks"
    "  WHERE disabled = 0"
    "    AND strpos (',' || events || ',', ',' || $1::text || ',') > 0"
    "    AND ($1::text != 'message' OR bot_id IS NULL OR bot_id = $2::bigint)"
    "  ORDER BY id",
  [SQL_HOOK_DUE] =
    "SELECT d.id, d.webhook_id, w.url, w.secret, d.event, d.body, d.attempts,"
    "       d.next_attempt, d.created"
    QUEUE_HEADS
    "   AND d.next_attempt <= $1::bigint ORDER BY d.id LIMIT $2::bigint",
  [SQL_HOOK_NEXT] = "SELECT COALESCE (MIN (d.next_attempt), 0)" QUEUE_HEADS,
  [SQL_HOOK_SUCCEEDED] =
    "UPDATE webhook_deliveries SET delivered = $2::bigint, attempts = attempts + 1,"
    "       last_attempt = $2::bigint, last_error = NULL"
    " WHERE id = $1::bigint AND delivered = 0",
  [SQL_HOOK_FAILED] =
    "UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt = $3::bigint,"
    "       last_error = $2::text, next_attempt = $4::bigint,"
    "       given_up = ($3::bigint - created > $5::bigint)::integer"
    " WHERE id = $1::bigint AND delivered = 0",
  [SQL_HOOK_PURGE] =
    "DELETE FROM webhook_deliveries"
    " WHERE created < $1::bigint AND (delivered != 0 OR given_up != 0)",
};

/* Binds @text, or NULL if @text is NULL or empty. */
static void
param_optional (TdPgParams *p, const char *text)
{
  _td_pg_text (p, text != NULL && *text != '\0' ? text : NULL);
}

/* Wraps a protocol validator's error as INVALID naming the field. */
/* A bot id of an API key or webhook must name a user with role "bot". */
static gboolean
check_bot (TdPgStore *self, gint64 bot_id, GError **error)
{
  g_autofree char *role = _td_pg_store_user_role (self, bot_id, error);

  if (role == NULL)
    return FALSE;
  if (g_str_equal (role, "bot"))
    return TRUE;

  g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
               "User %" G_GINT64_FORMAT " is not a bot (role “%s”)", bot_id, role);
  return FALSE;
}

/* ---- reminders ---- */

static TdStoreReminder *
reminder_from_row (PGresult *res, int row)
{
  TdStoreReminder *reminder = g_new0 (TdStoreReminder, 1);

  reminder->rid = _td_pg_get_int (res, row, 0);
  reminder->kind = _td_store_parse_kind (_td_pg_get_text (res, row, 1));
  reminder->source = _td_pg_dup (res, row, 2);
  reminder->title = _td_pg_dup (res, row, 3);
  reminder->body = _td_pg_dup (res, row, 4);
  reminder->link = _td_pg_dup (res, row, 5);
  reminder->category = _td_pg_dup (res, row, 6);
  reminder->priority = _td_store_parse_priority (_td_pg_get_text (res, row, 7));
  reminder->time_ms = _td_pg_get_int (res, row, 8);
  reminder->api_key_id = _td_pg_get_int (res, row, 9);
  reminder->sender_id = _td_pg_get_int (res, row, 10);
  reminder->idempotency_key = _td_pg_dup (res, row, 11);
  return reminder;
}

/* A USER_REMINDER_SELECT row. */
static TdReminder *
user_reminder_from_row (PGresult *res, int row)
{
  TdReminderState state = _td_store_parse_state (_td_pg_get_text (res, row, 9));

  return td_reminder_new (_td_pg_get_int (res, row, 0),
                          _td_store_parse_kind (_td_pg_get_text (res, row, 1)),
                          _td_pg_get_text (res, row, 2), _td_pg_get_text (res, row, 3),
                          _td_pg_get_text (res, row, 4), _td_pg_get_text (res, row, 5),
                          _td_pg_get_text (res, row, 6),
                          _td_store_parse_priority (_td_pg_get_text (res, row, 7)),
                          _td_pg_get_int (res, row, 8),
                          state,
                          state == TD_REMINDER_SNOOZED ? _td_pg_get_int (res, row, 10) : 0,
                          _td_pg_get_int (res, row, 11) != 0);
}

static PGresult *
exec_id (TdPgStore *self, guint which, gint64 id, const char *op, GError **error)
{
  TdPgParams p = { 0 };

  _td_pg_int (&p, id);
  return _td_pg_store_exec (self, &sql[which], op, &p, error);
}

static TdStoreReminder *
td_pg_store_get_reminder (TdStore *store, gint64 rid, GError **error)
{
  g_autoptr(PGresult) res = exec_id (TD_PG_STORE (store), SQL_REM_GET, rid,
                                     "read a reminder", error);

  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                   "No reminder with id %" G_GINT64_FORMAT, rid);
      return NULL;
    }
  return reminder_from_row (res, 0);
}

/* The rid of the reminder posted earlier with @key, 0 if none, -1 on error. */
static gint64
find_by_key (TdPgStore *self, const TdStoreReminder *reminder, const char *key, GError **error)
{
  TdPgParams p = { 0 };

  _td_pg_int (&p, reminder->api_key_id);
  _td_pg_int (&p, reminder->sender_id);
  _td_pg_text (&p, key);
  return _td_pg_store_query_int (self, &sql[SQL_REM_FIND_KEY], "store a reminder", &p, 0, error);
}

static TdStoreReminder *
td_pg_store_add_reminder (TdStore               *store,
                          const TdStoreReminder *reminder,
                          const gint64          *recipient_ids,
                          guint                  n_recipients,
                          gboolean              *out_duplicate,
                          GError               **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  const char *op = "store a reminder";
  const char *key;
  gint64 time_ms, rid = 0;

  g_return_val_if_fail (reminder != NULL, NULL);
  g_return_val_if_fail (recipient_ids != NULL || n_recipients == 0, NULL);

  if (out_duplicate != NULL)
    *out_duplicate = FALSE;
  if (!_td_store_check_reminder (reminder, error))
    return NULL;

  key = reminder->idempotency_key;
  if (key != NULL && *key == '\0')
    key = NULL;

  if (key != NULL)
    {
      rid = find_by_key (self, reminder, key, error);
      if (rid < 0)
        return NULL;
    }

  time_ms = reminder->time_ms > 0 ? reminder->time_ms : _td_pg_now_ms ();

  if (rid == 0)
    {
      TdPgParams p = { 0 };

      _td_pg_text (&p, td_reminder_kind_to_string (reminder->kind));
      _td_pg_text (&p, reminder->source);
      _td_pg_text (&p, reminder->title);
      _td_pg_text (&p, reminder->body != NULL ? reminder->body : "");
      _td_pg_text (&p, reminder->link != NULL ? reminder->link : "");
      _td_pg_text (&p, reminder->category != NULL ? reminder->category : "");
      _td_pg_text (&p, td_priority_to_string (reminder->priority));
      _td_pg_int (&p, time_ms);
      _td_pg_int (&p, reminder->api_key_id);
      _td_pg_int (&p, reminder->sender_id);
      param_optional (&p, key);
      rid = _td_pg_store_query_int (self, &sql[SQL_REM_INSERT], op, &p, 0, error);
      if (rid < 0)
        return NULL;
      if (rid > 0)
        {
          g_autofree char *array = _td_pg_id_array (recipient_ids, n_recipients);
          g_autoptr(PGresult) res = NULL;
          TdPgParams r = { 0 };

          _td_pg_int (&r, rid);
          _td_pg_text (&r, array);
          _td_pg_int (&r, time_ms);
          res = _td_pg_store_exec (self, &sql[SQL_REM_ADD_RECIPIENTS], op, &r, error);
          if (res == NULL)
            return NULL;
          return td_pg_store_get_reminder (store, rid, error);
        }

      /* The same key was used on another node at the same moment. */
      rid = find_by_key (self, reminder, key != NULL ? key : "", error);
      if (rid <= 0)
        {
          if (rid == 0)
            g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                         "Cannot %s in %s: it conflicted with another one", op,
                         td_pg_store_get_url (self));
          return NULL;
        }
    }

  if (out_duplicate != NULL)
    *out_duplicate = TRUE;
  return td_pg_store_get_reminder (store, rid, error);
}

static GPtrArray *
td_pg_store_list_recipients (TdStore *store, gint64 rid, GError **error)
{
  g_autoptr(TdStoreReminder) reminder = NULL;
  g_autoptr(PGresult) res = NULL;
  GPtrArray *recipients;

  /* NOT_FOUND for an unknown reminder rather than an empty list. */
  reminder = td_pg_store_get_reminder (store, rid, error);
  if (reminder == NULL)
    return NULL;

  res = exec_id (TD_PG_STORE (store), SQL_REM_RECIPIENTS, rid,
                 "list a reminder's recipients", error);
  if (res == NULL)
    return NULL;

  recipients = g_ptr_array_new_with_free_func ((GDestroyNotify) td_store_recipient_free);
  for (int i = 0; i < PQntuples (res); i++)
    {
      TdStoreRecipient *recipient = g_new0 (TdStoreRecipient, 1);

      recipient->user_id = _td_pg_get_int (res, i, 0);
      recipient->login = _td_pg_dup (res, i, 1);
      recipient->state = _td_store_parse_state (_td_pg_get_text (res, i, 2));
      recipient->until_ms = recipient->state == TD_REMINDER_SNOOZED ? _td_pg_get_int (res, i, 3)
                                                                    : 0;
      recipient->read = _td_pg_get_int (res, i, 4) != 0;
      recipient->updated_ms = _td_pg_get_int (res, i, 5);
      g_ptr_array_add (recipients, recipient);
    }
  return recipients;
}

static GPtrArray *
td_pg_store_user_reminders (TdStore *store,
                            gint64   user_id,
                            gint64   since_ms,
                            guint    limit,
                            GError **error)
{
  g_autoptr(PGresult) res = NULL;
  GPtrArray *reminders;
  TdPgParams p = { 0 };

  _td_pg_int (&p, user_id);
  _td_pg_int (&p, since_ms);
  _td_pg_int (&p, limit);
  res = _td_pg_store_exec (TD_PG_STORE (store), &sql[SQL_REM_USER_LIST],
                           "list a user's reminders", &p, error);
  if (res == NULL)
    return NULL;

  reminders = g_ptr_array_new_with_free_func ((GDestroyNotify) td_reminder_unref);
  for (int i = 0; i < PQntuples (res); i++)
    g_ptr_array_add (reminders, user_reminder_from_row (res, i));
  return reminders;
}

static TdReminder *
td_pg_store_get_user_reminder (TdStore *store,
                               gint64   rid,
                               gint64   user_id,
                               GError **error)
{
  g_autoptr(PGresult) res = NULL;
  TdPgParams p = { 0 };

  _td_pg_int (&p, rid);
  _td_pg_int (&p, user_id);
  res = _td_pg_store_exec (TD_PG_STORE (store), &sql[SQL_REM_USER_GET], "read a reminder",
                           &p, error);
  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0)
    {
      _td_store_set_not_recipient (error, rid, user_id);
      return NULL;
    }
  return user_reminder_from_row (res, 0);
}

/* Any action also marks the reminder read: whoever acted on it saw it. */
static TdReminder *
td_pg_store_update_reminder (TdStore          *store,
                             gint64            rid,
                             gint64            user_id,
                             TdReminderAction  action,
                             gint64            until_ms,
                             gint64            now_ms,
                             gboolean         *out_changed,
                             GError          **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  const char *op = "update a reminder";
  TdReminderState state, new_state;
  gint64 until, new_until;

  if (out_changed != NULL)
    *out_changed = FALSE;
  if (action == TD_REMINDER_ACTION_SNOOZE && until_ms <= 0)
    {
      g_set_error_literal (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                           "Snoozing a reminder needs the time the snooze ends");
      return NULL;
    }

  {
    g_autoptr(PGresult) res = NULL;
    TdPgParams p = { 0 };

    _td_pg_int (&p, rid);
    _td_pg_int (&p, user_id);
    res = _td_pg_store_exec (self, &sql[SQL_REM_STATE], op, &p, error);
    if (res == NULL)
      return NULL;
    if (PQntuples (res) == 0)
      {
        _td_store_set_not_recipient (error, rid, user_id);
        return NULL;
      }
    state = _td_store_parse_state (_td_pg_get_text (res, 0, 0));
    until = _td_pg_get_int (res, 0, 1);
  }

  switch (action)
    {
    case TD_REMINDER_ACTION_DONE:
      new_state = TD_REMINDER_DONE;
      new_until = 0;
      break;
    case TD_REMINDER_ACTION_SNOOZE:
      new_state = TD_REMINDER_SNOOZED;
      new_until = until_ms;
      break;
    case TD_REMINDER_ACTION_REOPEN:
      new_state = TD_REMINDER_OPEN;
      new_until = 0;
      break;
    case TD_REMINDER_ACTION_READ:
    default:
      new_state = state;
      new_until = until;
      break;
    }

  {
    g_autoptr(PGresult) res = NULL;
    TdPgParams p = { 0 };

    _td_pg_int (&p, rid);
    _td_pg_int (&p, user_id);
    _td_pg_text (&p, td_reminder_state_to_string (new_state));
    _td_pg_int (&p, new_until);
    _td_pg_int (&p, 1);
    _td_pg_int (&p, now_ms);
    res = _td_pg_store_exec (self, &sql[SQL_REM_UPDATE], op, &p, error);
    if (res == NULL)
      return NULL;
  }

  if (out_changed != NULL)
    *out_changed = (new_state != state || new_until != until);
  return td_pg_store_get_user_reminder (store, rid, user_id, error);
}

static gint64
td_pg_store_last_reminder_id (TdStore *store, GError **error)
{
  return _td_pg_store_query_int (TD_PG_STORE (store), &sql[SQL_REM_LAST],
                                 "read the last reminder id", NULL, 0, error);
}

/* ---- API keys ---- */

static const char * const api_scopes[] = { "reminders", "broadcast", "bot", NULL };

static TdStoreApiKey *
api_key_from_row (PGresult *res, int row)
{
  TdStoreApiKey *key = g_new0 (TdStoreApiKey, 1);

  key->id = _td_pg_get_int (res, row, 0);
  key->name = _td_pg_dup (res, row, 1);
  key->scopes = _td_pg_dup (res, row, 2);
  key->bot_id = _td_pg_get_int (res, row, 3);
  key->bot_login = _td_pg_dup (res, row, 4);
  key->created_ms = _td_pg_get_int (res, row, 5);
  key->last_used_ms = _td_pg_get_int (res, row, 6);
  key->revoked = _td_pg_get_int (res, row, 7) != 0;
  return key;
}

static gint64
td_pg_store_add_api_key (TdStore      *store,
                         const char   *name,
                         const guint8 *hash,
                         gsize         hash_len,
                         const char   *scopes,
                         gint64        bot_id,
                         gint64        time_ms,
                         GError      **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  TdPgParams p = { 0 };
  gboolean bot_scope;
  gint64 id;

  g_return_val_if_fail (hash != NULL && hash_len > 0 && hash_len <= G_MAXINT, 0);

  if (!_td_store_check_object_name (name, "API key", error) ||
      !_td_store_check_list (scopes, api_scopes, "scope", error))
    return 0;

  bot_scope = _td_store_list_contains (scopes, "bot");
  if (bot_scope != (bot_id > 0))
    {
      g_set_error_literal (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                           bot_scope ? "An API key with scope “bot” must name its bot"
                                     : "Only an API key with scope “bot” may name a bot");
      return 0;
    }
  if (bot_id > 0 && !check_bot (self, bot_id, error))
    return 0;

  _td_pg_text (&p, name);
  _td_pg_bytes (&p, hash, hash_len);
  _td_pg_text (&p, scopes);
  if (bot_id > 0)
    _td_pg_int (&p, bot_id);
  else
    _td_pg_text (&p, NULL);
  _td_pg_int (&p, time_ms);
  id = _td_pg_store_query_int (self, &sql[SQL_KEY_INSERT], "store an API key", &p, 0, error);
  if (id == 0)
    g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_EXISTS,
                 "An API key named “%s” already exists", name);
  return MAX (id, 0);
}

static TdStoreApiKey *
td_pg_store_check_api_key (TdStore      *store,
                           const guint8 *hash,
                           gsize         hash_len,
                           gint64        now_ms,
                           GError      **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  const char *op = "check an API key";
  g_autoptr(TdStoreApiKey) key = NULL;

  g_return_val_if_fail (hash != NULL && hash_len > 0 && hash_len <= G_MAXINT, NULL);

  {
    g_autoptr(PGresult) res = NULL;
    TdPgParams p = { 0 };

    _td_pg_bytes (&p, hash, hash_len);
    res = _td_pg_store_exec (self, &sql[SQL_KEY_CHECK], op, &p, error);
    if (res == NULL)
      return NULL;
    if (PQntuples (res) == 0)
      {
        g_set_error_literal (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                             "Unknown or revoked API key");
        return NULL;
      }
    key = api_key_from_row (res, 0);
  }

  if (now_ms - key->last_used_ms >= TD_STORE_LAST_USED_RESOLUTION_MS)
    {
      g_autoptr(PGresult) res = NULL;
      TdPgParams p = { 0 };

      _td_pg_int (&p, key->id);
      _td_pg_int (&p, now_ms);
      res = _td_pg_store_exec (self, &sql[SQL_KEY_TOUCH], op, &p, error);
      if (res == NULL)
        return NULL;
      key->last_used_ms = now_ms;
    }

  return g_steal_pointer (&key);
}

static gboolean
td_pg_store_revoke_api_key (TdStore *store, const char *name, GError **error)
{
  g_autoptr(PGresult) res = NULL;
  TdPgParams p = { 0 };

  g_return_val_if_fail (name != NULL, FALSE);

  _td_pg_text (&p, name);
  res = _td_pg_store_exec (TD_PG_STORE (store), &sql[SQL_KEY_REVOKE], "revoke an API key",
                           &p, error);
  if (res == NULL)
    return FALSE;
  if (_td_pg_changes (res) == 0)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                   "No active API key named “%s”", name);
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
td_pg_store_list_api_keys (TdStore *store, GError **error)
{
  g_autoptr(PGresult) res = _td_pg_store_exec (TD_PG_STORE (store), &sql[SQL_KEY_LIST],
                                               "list API keys", NULL, error);
  GPtrArray *keys;

  if (res == NULL)
    return NULL;
  keys = g_ptr_array_new_with_free_func ((GDestroyNotify) td_store_api_key_free);
  for (int i = 0; i < PQntuples (res); i++)
    g_ptr_array_add (keys, api_key_from_row (res, i));
  return keys;
}

/* ---- webhooks ---- */

static const char * const webhook_events[] = { "message", "reminder", NULL };

static gint64
td_pg_store_add_webhook (TdStore    *store,
                         const char *name,
                         const char *url,
                         const char *secret,
                         const char *events,
                         gint64      bot_id,
                         gint64      time_ms,
                         GError    **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  g_autoptr(GError) local_error = NULL;
  TdPgParams p = { 0 };
  gint64 id;

  if (!_td_store_check_object_name (name, "webhook", error))
    return 0;
  if (url == NULL || *url == '\0')
    {
      g_set_error_literal (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID, "No webhook URL given");
      return 0;
    }
  if (!_td_store_check_field (td_proto_validate_link (url, &local_error), "webhook URL",
                    local_error, error))
    return 0;
  if (secret == NULL || *secret == '\0' || strlen (secret) > 1024)
    {
      g_set_error_literal (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                           "A webhook secret must have 1 to 1024 bytes");
      return 0;
    }
  if (!_td_store_check_list (events, webhook_events, "webhook event", error))
    return 0;
  if (bot_id > 0 && !check_bot (self, bot_id, error))
    return 0;

  _td_pg_text (&p, name);
  _td_pg_text (&p, url);
  _td_pg_text (&p, secret);
  _td_pg_text (&p, events);
  if (bot_id > 0)
    _td_pg_int (&p, bot_id);
  else
    _td_pg_text (&p, NULL);
  _td_pg_int (&p, time_ms);
  id = _td_pg_store_query_int (self, &sql[SQL_HOOK_INSERT], "store a webhook", &p, 0, error);
  if (id == 0)
    g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_EXISTS,
                 "A webhook named “%s” already exists", name);
  return MAX (id, 0);
}

/* Its queued deliveries go with it (ON DELETE CASCADE). */
static gboolean
td_pg_store_delete_webhook (TdStore *store, const char *name, GError **error)
{
  g_autoptr(PGresult) res = NULL;
  TdPgParams p = { 0 };

  g_return_val_if_fail (name != NULL, FALSE);

  _td_pg_text (&p, name);
  res = _td_pg_store_exec (TD_PG_STORE (store), &sql[SQL_HOOK_DELETE], "delete a webhook",
                           &p, error);
  if (res == NULL)
    return FALSE;
  if (_td_pg_changes (res) == 0)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                   "No webhook named “%s”", name);
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
td_pg_store_list_webhooks (TdStore *store, GError **error)
{
  g_autoptr(PGresult) res = _td_pg_store_exec (TD_PG_STORE (store), &sql[SQL_HOOK_LIST],
                                               "list webhooks", NULL, error);
  GPtrArray *hooks;

  if (res == NULL)
    return NULL;
  hooks = g_ptr_array_new_with_free_func ((GDestroyNotify) td_store_webhook_free);
  for (int i = 0; i < PQntuples (res); i++)
    {
      TdStoreWebhook *hook = g_new0 (TdStoreWebhook, 1);

      hook->id = _td_pg_get_int (res, i, 0);
      hook->name = _td_pg_dup (res, i, 1);
      hook->url = _td_pg_dup (res, i, 2);
      hook->secret = _td_pg_dup (res, i, 3);
      hook->events = _td_pg_dup (res, i, 4);
      hook->bot_id = _td_pg_get_int (res, i, 5);
      hook->created_ms = _td_pg_get_int (res, i, 6);
      hook->disabled = _td_pg_get_int (res, i, 7) != 0;
      hook->pending = (guint) _td_pg_get_int (res, i, 8);
      hook->delivered = (guint) _td_pg_get_int (res, i, 9);
      hook->last_attempt_ms = _td_pg_get_int (res, i, 10);
      hook->last_error = _td_pg_dup (res, i, 11);
      g_ptr_array_add (hooks, hook);
    }
  return hooks;
}

static guint
td_pg_store_enqueue_event (TdStore    *store,
                           const char *event,
                           gint64      bot_id,
                           const char *body,
                           gint64      time_ms,
                           GError    **error)
{
  g_autoptr(PGresult) res = NULL;
  TdPgParams p = { 0 };

  g_return_val_if_fail (body != NULL, 0);

  if (event == NULL || !g_strv_contains (webhook_events, event))
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                   "Unknown webhook event “%s”", event != NULL ? event : "");
      return 0;
    }

  _td_pg_text (&p, event);
  _td_pg_int (&p, bot_id);
  _td_pg_text (&p, body);
  _td_pg_int (&p, time_ms);
  res = _td_pg_store_exec (TD_PG_STORE (store), &sql[SQL_HOOK_ENQUEUE],
                           "queue a webhook event", &p, error);
  if (res == NULL)
    return 0;
  return _td_pg_changes (res);
}

static GPtrArray *
td_pg_store_due_deliveries (TdStore *store,
                            gint64   now_ms,
                            guint    limit,
                            GError **error)
{
  g_autoptr(PGresult) res = NULL;
  GPtrArray *jobs;
  TdPgParams p = { 0 };

  _td_pg_int (&p, now_ms);
  _td_pg_int (&p, limit);
  res = _td_pg_store_exec (TD_PG_STORE (store), &sql[SQL_HOOK_DUE], "read the webhook queue",
                           &p, error);
  if (res == NULL)
    return NULL;

  jobs = g_ptr_array_new_with_free_func ((GDestroyNotify) td_store_delivery_job_free);
  for (int i = 0; i < PQntuples (res); i++)
    {
      TdStoreDeliveryJob *job = g_new0 (TdStoreDeliveryJob, 1);

      job->id = _td_pg_get_int (res, i, 0);
      job->webhook_id = _td_pg_get_int (res, i, 1);
      job->url = _td_pg_dup (res, i, 2);
      job->secret = _td_pg_dup (res, i, 3);
      job->event = _td_pg_dup (res, i, 4);
      job->body = _td_pg_dup (res, i, 5);
      job->attempts = (guint) _td_pg_get_int (res, i, 6);
      job->next_attempt_ms = _td_pg_get_int (res, i, 7);
      job->created_ms = _td_pg_get_int (res, i, 8);
      g_ptr_array_add (jobs, job);
    }
  return jobs;
}

static gint64
td_pg_store_next_delivery_time (TdStore *store, GError **error)
{
  return _td_pg_store_query_int (TD_PG_STORE (store), &sql[SQL_HOOK_NEXT],
                                 "read the webhook queue", NULL, 0, error);
}

static gboolean
purge_deliveries (TdPgStore *self, gint64 now_ms, GError **error)
{
  g_autoptr(PGresult) res = exec_id (self, SQL_HOOK_PURGE, now_ms - TD_STORE_DELIVERY_KEEP_MS,
                                     "purge the webhook queue", error);

  return res != NULL;
}

/* A delivery that no longer exists or was already recorded is not an error. */
static gboolean
td_pg_store_delivery_succeeded (TdStore *store,
                                gint64   delivery_id,
                                gint64   now_ms,
                                GError **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  g_autoptr(PGresult) res = NULL;
  TdPgParams p = { 0 };

  _td_pg_int (&p, delivery_id);
  /* delivered = 0 means "not yet": a clock at 0 must not undo that. */
  _td_pg_int (&p, MAX (now_ms, 1));
  res = _td_pg_store_exec (self, &sql[SQL_HOOK_SUCCEEDED], "record a webhook delivery", &p,
                           error);
  return res != NULL && purge_deliveries (self, now_ms, error);
}

static gboolean
td_pg_store_delivery_failed (TdStore    *store,
                             gint64      delivery_id,
                             const char *error_text,
                             gint64      now_ms,
                             gint64      next_ms,
                             GError    **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  g_autoptr(PGresult) res = NULL;
  TdPgParams p = { 0 };

  _td_pg_int (&p, delivery_id);
  _td_pg_text (&p, error_text != NULL && *error_text != '\0' ? error_text : "failed");
  _td_pg_int (&p, now_ms);
  _td_pg_int (&p, next_ms);
  _td_pg_int (&p, TD_STORE_DELIVERY_GIVE_UP_MS);
  res = _td_pg_store_exec (self, &sql[SQL_HOOK_FAILED], "record a failed webhook delivery",
                           &p, error);
  return res != NULL && purge_deliveries (self, now_ms, error);
}

void
_td_pg_store_integrations_iface_init (TdStoreInterface *iface)
{
  iface->add_reminder = td_pg_store_add_reminder;
  iface->get_reminder = td_pg_store_get_reminder;
  iface->list_recipients = td_pg_store_list_recipients;
  iface->user_reminders = td_pg_store_user_reminders;
  iface->get_user_reminder = td_pg_store_get_user_reminder;
  iface->update_reminder = td_pg_store_update_reminder;
  iface->last_reminder_id = td_pg_store_last_reminder_id;
  iface->add_api_key = td_pg_store_add_api_key;
  iface->check_api_key = td_pg_store_check_api_key;
  iface->revoke_api_key = td_pg_store_revoke_api_key;
  iface->list_api_keys = td_pg_store_list_api_keys;
  iface->add_webhook = td_pg_store_add_webhook;
  iface->delete_webhook = td_pg_store_delete_webhook;
  iface->list_webhooks = td_pg_store_list_webhooks;
  iface->enqueue_event = td_pg_store_enqueue_event;
  iface->due_deliveries = td_pg_store_due_deliveries;
  iface->next_delivery_time = td_pg_store_next_delivery_time;
  iface->delivery_succeeded = td_pg_store_delivery_succeeded;
  iface->delivery_failed = td_pg_store_delivery_failed;
}
