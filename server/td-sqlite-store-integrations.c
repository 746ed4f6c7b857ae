/* td-sqlite-store-integrations.c - TdSqliteStore: reminders and
 * announcements, API keys, outgoing webhooks and their persistent
 * delivery queue (see td-sqlite-store.c for the schema notes).
 */
#define G_LOG_DOMAIN "td-store"

#include "td-sqlite-store-private.h"
#include "td-store-sql.h"

#include <string.h>

enum {
  SQL_REM_FIND_KEY,
  SQL_REM_INSERT,
  SQL_REM_ADD_RECIPIENT,
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
    " WHERE api_key_id = ?1 AND sender_id = ?2 AND idempotency_key = ?3",
  [SQL_REM_INSERT] =
    "INSERT INTO reminders (kind, source, title, body, link, category, priority, time,"
    "                       api_key_id, sender_id, idempotency_key)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
  /* Unknown and disabled users are skipped; a repeated id is one row. */
  [SQL_REM_ADD_RECIPIENT] =
    "INSERT INTO reminder_recipients (rid, user_id, updated)"
    " SELECT ?1, id, ?3 FROM users WHERE id = ?2 AND disabled = 0"
    " ON CONFLICT DO NOTHING",
  [SQL_REM_GET] = "SELECT " REMINDER_COLUMNS " FROM reminders r WHERE r.rid = ?1",
  [SQL_REM_RECIPIENTS] =
    "SELECT rr.user_id, u.login, rr.state, rr.until, rr.read, rr.updated"
    "  FROM reminder_recipients rr JOIN users u ON u.id = rr.user_id"
    " WHERE rr.rid = ?1 ORDER BY u.login",
  [SQL_REM_USER_LIST] =
    USER_REMINDER_SELECT
    " WHERE rr.user_id = ?1 AND (rr.state != 'done' OR rr.updated >= ?2)"
    " ORDER BY rr.rid DESC LIMIT ?3",
  [SQL_REM_USER_GET] = USER_REMINDER_SELECT " WHERE rr.rid = ?1 AND rr.user_id = ?2",
  [SQL_REM_STATE] =
    "SELECT state, until, read FROM reminder_recipients WHERE rid = ?1 AND user_id = ?2",
  [SQL_REM_UPDATE] =
    "UPDATE reminder_recipients SET state = ?3, until = ?4, read = ?5, updated = ?6"
    " WHERE rid = ?1 AND user_id = ?2",
  [SQL_REM_LAST] = "SELECT COALESCE (MAX (rid), 0) FROM reminders",
  [SQL_KEY_INSERT] =
    "INSERT INTO api_keys (name, hash, scopes, bot_id, created) VALUES (?1, ?2, ?3, ?4, ?5)",
  [SQL_KEY_CHECK] = API_KEY_SELECT "WHERE k.hash = ?1 AND k.revoked = 0",
  [SQL_KEY_TOUCH] = "UPDATE api_keys SET last_used = ?2 WHERE id = ?1",
  [SQL_KEY_REVOKE] = "UPDATE api_keys SET revoked = 1 WHERE name = ?1 AND revoked = 0",
  [SQL_KEY_LIST] = API_KEY_SELECT "ORDER BY k.name, k.id",
  [SQL_HOOK_INSERT] =
    "INSERT INTO webhooks (name, url, secret, events, bot_id, created)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [SQL_HOOK_DELETE] = "DELETE FROM webhooks WHERE name = ?1",
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
    " SELECT id, ?1, ?3, ?4, ?4 FROM webhooks"
    "  WHERE disabled = 0 AND instr (',' || events || ',', ',' || ?1 || ',') > 0"
    "    AND (?1 != 'message' OR bot_id IS NULL OR bot_id = ?2)"
    "  ORDER BY id",
  [SQL_HOOK_DUE] =
    "SELECT d.id, d.webhook_id, w.url, w.secret, d.event, d.body, d.attempts,"
    "       d.next_attempt, d.created"
    QUEUE_HEADS
    "   AND d.next_attempt <= ?1 ORDER BY d.id LIMIT ?2",
  [SQL_HOOK_NEXT] = "SELECT COALESCE (MIN (d.next_attempt), 0)" QUEUE_HEADS,
  [SQL_HOOK_SUCCEEDED] =
    "UPDATE webhook_deliveries SET delivered = ?2, attempts = attempts + 1,"
    "       last_attempt = ?2, last_error = NULL"
    " WHERE id = ?1 AND delivered = 0",
  [SQL_HOOK_FAILED] =
    "UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt = ?3,"
    "       last_error = ?2, next_attempt = ?4, given_up = (?3 - created > ?5)"
    " WHERE id = ?1 AND delivered = 0",
  [SQL_HOOK_PURGE] =
    "DELETE FROM webhook_deliveries"
    " WHERE created < ?1 AND (delivered != 0 OR given_up != 0)",
};

static TdStmt *
get_stmt (TdSqliteStore *self, guint id, const char *operation, GError **error)
{
  return _td_sqlite_store_prepare (self, &sql[id], operation, error);
}

static gboolean
step (TdSqliteStore *self, TdStmt *stmt, const char *operation, gboolean *out_row,
      GError **error)
{
  return _td_sqlite_store_step (self, stmt, operation, out_row, error);
}

static const char *
column_text (TdStmt *stmt, int column)
{
  return (const char *) sqlite3_column_text (stmt, column);
}

/* Binds @text, or NULL if @text is NULL or empty. */
static void
bind_optional (TdStmt *stmt, int index, const char *text)
{
  if (text != NULL && *text != '\0')
    _td_bind_text (stmt, index, text);
  else
    sqlite3_bind_null (stmt, index);
}

/* Wraps a protocol validator's error as INVALID naming the field. */
/* A bot id of an API key or webhook must name a user with role "bot". */
static gboolean
check_bot (TdSqliteStore *self, gint64 bot_id, GError **error)
{
  g_autofree char *role = _td_sqlite_store_user_role (self, bot_id, error);

  if (role == NULL)
    return FALSE;
  if (g_str_equal (role, "bot"))
    return TRUE;

  g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
               "User %" G_GINT64_FORMAT " is not a bot (role “%s”)", bot_id, role);
  return FALSE;
}

/* Steps a statement whose first row's column 0 is an integer; -1 on error,
 * 0 without a row. */
static gint64
step_int (TdSqliteStore *self, TdStmt *stmt, const char *op, GError **error)
{
  gboolean row = FALSE;

  if (!step (self, stmt, op, &row, error))
    return -1;
  return row ? sqlite3_column_int64 (stmt, 0) : 0;
}

/* ---- reminders ---- */

static TdStoreReminder *
reminder_from_row (TdStmt *stmt)
{
  TdStoreReminder *reminder = g_new0 (TdStoreReminder, 1);

  reminder->rid = sqlite3_column_int64 (stmt, 0);
  reminder->kind = _td_store_parse_kind (column_text (stmt, 1));
  reminder->source = _td_column_dup (stmt, 2);
  reminder->title = _td_column_dup (stmt, 3);
  reminder->body = _td_column_dup (stmt, 4);
  reminder->link = _td_column_dup (stmt, 5);
  reminder->category = _td_column_dup (stmt, 6);
  reminder->priority = _td_store_parse_priority (column_text (stmt, 7));
  reminder->time_ms = sqlite3_column_int64 (stmt, 8);
  reminder->api_key_id = sqlite3_column_int64 (stmt, 9);
  reminder->sender_id = sqlite3_column_int64 (stmt, 10);
  reminder->idempotency_key = _td_column_dup (stmt, 11);
  return reminder;
}

/* A USER_REMINDER_SELECT row. */
static TdReminder *
user_reminder_from_row (TdStmt *stmt)
{
  TdReminderState state = _td_store_parse_state (column_text (stmt, 9));

  return td_reminder_new (sqlite3_column_int64 (stmt, 0),
                          _td_store_parse_kind (column_text (stmt, 1)),
                          column_text (stmt, 2), column_text (stmt, 3),
                          column_text (stmt, 4), column_text (stmt, 5),
                          column_text (stmt, 6),
                          _td_store_parse_priority (column_text (stmt, 7)),
                          sqlite3_column_int64 (stmt, 8),
                          state,
                          state == TD_REMINDER_SNOOZED ? sqlite3_column_int64 (stmt, 10) : 0,
                          sqlite3_column_int (stmt, 11) != 0);
}

static TdStoreReminder *
td_sqlite_store_get_reminder (TdStore *store, gint64 rid, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "read a reminder";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_REM_GET, op, error);
  gboolean row = FALSE;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, rid);
  if (!step (self, stmt, op, &row, error))
    return NULL;
  if (!row)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                   "No reminder with id %" G_GINT64_FORMAT, rid);
      return NULL;
    }
  return reminder_from_row (stmt);
}

static TdStoreReminder *
td_sqlite_store_add_reminder (TdStore               *store,
                              const TdStoreReminder *reminder,
                              const gint64          *recipient_ids,
                              guint                  n_recipients,
                              gboolean              *out_duplicate,
                              GError               **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "store a reminder";
  const char *key;
  gint64 time_ms, rid;

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
      g_autoptr(TdStmt) stmt = get_stmt (self, SQL_REM_FIND_KEY, op, error);

      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, reminder->api_key_id);
      sqlite3_bind_int64 (stmt, 2, reminder->sender_id);
      _td_bind_text (stmt, 3, key);
      rid = step_int (self, stmt, op, error);
      if (rid < 0)
        return NULL;
      if (rid > 0)
        {
          _td_stmt_reset (stmt);
          if (out_duplicate != NULL)
            *out_duplicate = TRUE;
          return td_sqlite_store_get_reminder (store, rid, error);
        }
    }

  time_ms = reminder->time_ms > 0 ? reminder->time_ms : _td_now_ms ();

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, SQL_REM_INSERT, op, error);

    if (stmt == NULL)
      return NULL;
    _td_bind_text (stmt, 1, td_reminder_kind_to_string (reminder->kind));
    _td_bind_text (stmt, 2, reminder->source);
    _td_bind_text (stmt, 3, reminder->title);
    _td_bind_text (stmt, 4, reminder->body != NULL ? reminder->body : "");
    _td_bind_text (stmt, 5, reminder->link != NULL ? reminder->link : "");
    _td_bind_text (stmt, 6, reminder->category != NULL ? reminder->category : "");
    _td_bind_text (stmt, 7, td_priority_to_string (reminder->priority));
    sqlite3_bind_int64 (stmt, 8, time_ms);
    sqlite3_bind_int64 (stmt, 9, reminder->api_key_id);
    sqlite3_bind_int64 (stmt, 10, reminder->sender_id);
    bind_optional (stmt, 11, key);
    if (!step (self, stmt, op, NULL, error))
      return NULL;
    rid = _td_sqlite_store_last_rowid (self);
  }

  for (guint i = 0; i < n_recipients; i++)
    {
      g_autoptr(TdStmt) stmt = get_stmt (self, SQL_REM_ADD_RECIPIENT, op, error);

      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, rid);
      sqlite3_bind_int64 (stmt, 2, recipient_ids[i]);
      sqlite3_bind_int64 (stmt, 3, time_ms);
      if (!step (self, stmt, op, NULL, error))
        return NULL;
    }

  return td_sqlite_store_get_reminder (store, rid, error);
}

static GPtrArray *
td_sqlite_store_list_recipients (TdStore *store, gint64 rid, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "list a reminder's recipients";
  g_autoptr(TdStoreReminder) reminder = NULL;
  g_autoptr(TdStmt) stmt = NULL;
  g_autoptr(GPtrArray) recipients =
    g_ptr_array_new_with_free_func ((GDestroyNotify) td_store_recipient_free);
  gboolean row = FALSE;

  /* NOT_FOUND for an unknown reminder rather than an empty list. */
  reminder = td_sqlite_store_get_reminder (store, rid, error);
  if (reminder == NULL)
    return NULL;

  stmt = get_stmt (self, SQL_REM_RECIPIENTS, op, error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, rid);
  while (TRUE)
    {
      TdStoreRecipient *recipient;

      if (!step (self, stmt, op, &row, error))
        return NULL;
      if (!row)
        break;
      recipient = g_new0 (TdStoreRecipient, 1);
      recipient->user_id = sqlite3_column_int64 (stmt, 0);
      recipient->login = _td_column_dup (stmt, 1);
      recipient->state = _td_store_parse_state (column_text (stmt, 2));
      recipient->until_ms = recipient->state == TD_REMINDER_SNOOZED
                            ? sqlite3_column_int64 (stmt, 3) : 0;
      recipient->read = sqlite3_column_int (stmt, 4) != 0;
      recipient->updated_ms = sqlite3_column_int64 (stmt, 5);
      g_ptr_array_add (recipients, recipient);
    }

  return g_steal_pointer (&recipients);
}

static GPtrArray *
td_sqlite_store_user_reminders (TdStore *store,
                                gint64   user_id,
                                gint64   since_ms,
                                guint    limit,
                                GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "list a user's reminders";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_REM_USER_LIST, op, error);
  g_autoptr(GPtrArray) reminders =
    g_ptr_array_new_with_free_func ((GDestroyNotify) td_reminder_unref);
  gboolean row = FALSE;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, user_id);
  sqlite3_bind_int64 (stmt, 2, since_ms);
  sqlite3_bind_int64 (stmt, 3, limit);
  while (TRUE)
    {
      if (!step (self, stmt, op, &row, error))
        return NULL;
      if (!row)
        break;
      g_ptr_array_add (reminders, user_reminder_from_row (stmt));
    }

  return g_steal_pointer (&reminders);
}

static TdReminder *
td_sqlite_store_get_user_reminder (TdStore *store,
                                   gint64   rid,
                                   gint64   user_id,
                                   GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "read a reminder";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_REM_USER_GET, op, error);
  gboolean row = FALSE;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, rid);
  sqlite3_bind_int64 (stmt, 2, user_id);
  if (!step (self, stmt, op, &row, error))
    return NULL;
  if (!row)
    {
      _td_store_set_not_recipient (error, rid, user_id);
      return NULL;
    }
  return user_reminder_from_row (stmt);
}

/* Any action also marks the reminder read: whoever acted on it saw it. */
static TdReminder *
td_sqlite_store_update_reminder (TdStore          *store,
                                 gint64            rid,
                                 gint64            user_id,
                                 TdReminderAction  action,
                                 gint64            until_ms,
                                 gint64            now_ms,
                                 gboolean         *out_changed,
                                 GError          **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
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
    g_autoptr(TdStmt) stmt = get_stmt (self, SQL_REM_STATE, op, error);
    gboolean row = FALSE;

    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, rid);
    sqlite3_bind_int64 (stmt, 2, user_id);
    if (!step (self, stmt, op, &row, error))
      return NULL;
    if (!row)
      {
        _td_store_set_not_recipient (error, rid, user_id);
        return NULL;
      }
    state = _td_store_parse_state (column_text (stmt, 0));
    until = sqlite3_column_int64 (stmt, 1);
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
    g_autoptr(TdStmt) stmt = get_stmt (self, SQL_REM_UPDATE, op, error);

    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, rid);
    sqlite3_bind_int64 (stmt, 2, user_id);
    _td_bind_text (stmt, 3, td_reminder_state_to_string (new_state));
    sqlite3_bind_int64 (stmt, 4, new_until);
    sqlite3_bind_int (stmt, 5, 1);
    sqlite3_bind_int64 (stmt, 6, now_ms);
    if (!step (self, stmt, op, NULL, error))
      return NULL;
  }

  if (out_changed != NULL)
    *out_changed = (new_state != state || new_until != until);
  return td_sqlite_store_get_user_reminder (store, rid, user_id, error);
}

static gint64
td_sqlite_store_last_reminder_id (TdStore *store, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "read the last reminder id";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_REM_LAST, op, error);

  if (stmt == NULL)
    return -1;
  return step_int (self, stmt, op, error);
}

/* ---- API keys ---- */

static const char * const api_scopes[] = { "reminders", "broadcast", "bot", NULL };

static TdStoreApiKey *
api_key_from_row (TdStmt *stmt)
{
  TdStoreApiKey *key = g_new0 (TdStoreApiKey, 1);

  key->id = sqlite3_column_int64 (stmt, 0);
  key->name = _td_column_dup (stmt, 1);
  key->scopes = _td_column_dup (stmt, 2);
  key->bot_id = sqlite3_column_int64 (stmt, 3);
  key->bot_login = _td_column_dup (stmt, 4);
  key->created_ms = sqlite3_column_int64 (stmt, 5);
  key->last_used_ms = sqlite3_column_int64 (stmt, 6);
  key->revoked = sqlite3_column_int (stmt, 7) != 0;
  return key;
}

static gint64
td_sqlite_store_add_api_key (TdStore      *store,
                             const char   *name,
                             const guint8 *hash,
                             gsize         hash_len,
                             const char   *scopes,
                             gint64        bot_id,
                             gint64        time_ms,
                             GError      **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "store an API key";
  g_autoptr(TdStmt) stmt = NULL;
  g_autoptr(GError) local_error = NULL;
  gboolean bot_scope;

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

  stmt = get_stmt (self, SQL_KEY_INSERT, op, error);
  if (stmt == NULL)
    return 0;
  _td_bind_text (stmt, 1, name);
  sqlite3_bind_blob (stmt, 2, hash, (int) hash_len, SQLITE_STATIC);
  _td_bind_text (stmt, 3, scopes);
  if (bot_id > 0)
    sqlite3_bind_int64 (stmt, 4, bot_id);
  sqlite3_bind_int64 (stmt, 5, time_ms);
  if (!step (self, stmt, op, NULL, &local_error))
    {
      if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_EXISTS))
        g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_EXISTS,
                     "An API key named “%s” already exists", name);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return 0;
    }

  return _td_sqlite_store_last_rowid (self);
}

static TdStoreApiKey *
td_sqlite_store_check_api_key (TdStore      *store,
                               const guint8 *hash,
                               gsize         hash_len,
                               gint64        now_ms,
                               GError      **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "check an API key";
  g_autoptr(TdStoreApiKey) key = NULL;

  g_return_val_if_fail (hash != NULL && hash_len > 0 && hash_len <= G_MAXINT, NULL);

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, SQL_KEY_CHECK, op, error);
    gboolean row = FALSE;

    if (stmt == NULL)
      return NULL;
    sqlite3_bind_blob (stmt, 1, hash, (int) hash_len, SQLITE_STATIC);
    if (!step (self, stmt, op, &row, error))
      return NULL;
    if (!row)
      {
        g_set_error_literal (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                             "Unknown or revoked API key");
        return NULL;
      }
    key = api_key_from_row (stmt);
  }

  if (now_ms - key->last_used_ms >= TD_STORE_LAST_USED_RESOLUTION_MS)
    {
      g_autoptr(TdStmt) stmt = get_stmt (self, SQL_KEY_TOUCH, op, error);

      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, key->id);
      sqlite3_bind_int64 (stmt, 2, now_ms);
      if (!step (self, stmt, op, NULL, error))
        return NULL;
      key->last_used_ms = now_ms;
    }

  return g_steal_pointer (&key);
}

static gboolean
td_sqlite_store_revoke_api_key (TdStore *store, const char *name, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "revoke an API key";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_KEY_REVOKE, op, error);

  g_return_val_if_fail (name != NULL, FALSE);

  if (stmt == NULL)
    return FALSE;
  _td_bind_text (stmt, 1, name);
  if (!step (self, stmt, op, NULL, error))
    return FALSE;
  if (_td_sqlite_store_changes (self) == 0)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                   "No active API key named “%s”", name);
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
td_sqlite_store_list_api_keys (TdStore *store, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "list API keys";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_KEY_LIST, op, error);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) td_store_api_key_free);
  gboolean row = FALSE;

  if (stmt == NULL)
    return NULL;
  while (TRUE)
    {
      if (!step (self, stmt, op, &row, error))
        return NULL;
      if (!row)
        break;
      g_ptr_array_add (keys, api_key_from_row (stmt));
    }
  return g_steal_pointer (&keys);
}

/* ---- webhooks ---- */

static const char * const webhook_events[] = { "message", "reminder", NULL };

static gint64
td_sqlite_store_add_webhook (TdStore    *store,
                             const char *name,
                             const char *url,
                             const char *secret,
                             const char *events,
                             gint64      bot_id,
                             gint64      time_ms,
                             GError    **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "store a webhook";
  g_autoptr(TdStmt) stmt = NULL;
  g_autoptr(GError) local_error = NULL;

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

  stmt = get_stmt (self, SQL_HOOK_INSERT, op, error);
  if (stmt == NULL)
    return 0;
  _td_bind_text (stmt, 1, name);
  _td_bind_text (stmt, 2, url);
  _td_bind_text (stmt, 3, secret);
  _td_bind_text (stmt, 4, events);
  if (bot_id > 0)
    sqlite3_bind_int64 (stmt, 5, bot_id);
  sqlite3_bind_int64 (stmt, 6, time_ms);
  if (!step (self, stmt, op, NULL, &local_error))
    {
      if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_EXISTS))
        g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_EXISTS,
                     "A webhook named “%s” already exists", name);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return 0;
    }

  return _td_sqlite_store_last_rowid (self);
}

/* Its queued deliveries go with it (ON DELETE CASCADE). */
static gboolean
td_sqlite_store_delete_webhook (TdStore *store, const char *name, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "delete a webhook";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_HOOK_DELETE, op, error);

  g_return_val_if_fail (name != NULL, FALSE);

  if (stmt == NULL)
    return FALSE;
  _td_bind_text (stmt, 1, name);
  if (!step (self, stmt, op, NULL, error))
    return FALSE;
  if (_td_sqlite_store_changes (self) == 0)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                   "No webhook named “%s”", name);
      return FALSE;
    }
  return TRUE;
}

static GPtrArray *
td_sqlite_store_list_webhooks (TdStore *store, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "list webhooks";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_HOOK_LIST, op, error);
  g_autoptr(GPtrArray) hooks = g_ptr_array_new_with_free_func ((GDestroyNotify) td_store_webhook_free);
  gboolean row = FALSE;

  if (stmt == NULL)
    return NULL;
  while (TRUE)
    {
      TdStoreWebhook *hook;

      if (!step (self, stmt, op, &row, error))
        return NULL;
      if (!row)
        break;
      hook = g_new0 (TdStoreWebhook, 1);
      hook->id = sqlite3_column_int64 (stmt, 0);
      hook->name = _td_column_dup (stmt, 1);
      hook->url = _td_column_dup (stmt, 2);
      hook->secret = _td_column_dup (stmt, 3);
      hook->events = _td_column_dup (stmt, 4);
      hook->bot_id = sqlite3_column_int64 (stmt, 5);
      hook->created_ms = sqlite3_column_int64 (stmt, 6);
      hook->disabled = sqlite3_column_int (stmt, 7) != 0;
      hook->pending = (guint) sqlite3_column_int64 (stmt, 8);
      hook->delivered = (guint) sqlite3_column_int64 (stmt, 9);
      hook->last_attempt_ms = sqlite3_column_int64 (stmt, 10);
      hook->last_error = _td_column_dup (stmt, 11);
      g_ptr_array_add (hooks, hook);
    }
  return g_steal_pointer (&hooks);
}

static guint
td_sqlite_store_enqueue_event (TdStore    *store,
                               const char *event,
                               gint64      bot_id,
                               const char *body,
                               gint64      time_ms,
                               GError    **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "queue a webhook event";
  g_autoptr(TdStmt) stmt = NULL;

  g_return_val_if_fail (body != NULL, 0);

  if (event == NULL || !g_strv_contains (webhook_events, event))
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                   "Unknown webhook event “%s”", event != NULL ? event : "");
      return 0;
    }

  stmt = get_stmt (self, SQL_HOOK_ENQUEUE, op, error);
  if (stmt == NULL)
    return 0;
  _td_bind_text (stmt, 1, event);
  sqlite3_bind_int64 (stmt, 2, bot_id);
  _td_bind_text (stmt, 3, body);
  sqlite3_bind_int64 (stmt, 4, time_ms);
  if (!step (self, stmt, op, NULL, error))
    return 0;
  return (guint) _td_sqlite_store_changes (self);
}

static GPtrArray *
td_sqlite_store_due_deliveries (TdStore *store,
                                gint64   now_ms,
                                guint    limit,
                                GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "read the webhook queue";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_HOOK_DUE, op, error);
  g_autoptr(GPtrArray) jobs =
    g_ptr_array_new_with_free_func ((GDestroyNotify) td_store_delivery_job_free);
  gboolean row = FALSE;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, now_ms);
  sqlite3_bind_int64 (stmt, 2, limit);
  while (TRUE)
    {
      TdStoreDeliveryJob *job;

      if (!step (self, stmt, op, &row, error))
        return NULL;
      if (!row)
        break;
      job = g_new0 (TdStoreDeliveryJob, 1);
      job->id = sqlite3_column_int64 (stmt, 0);
      job->webhook_id = sqlite3_column_int64 (stmt, 1);
      job->url = _td_column_dup (stmt, 2);
      job->secret = _td_column_dup (stmt, 3);
      job->event = _td_column_dup (stmt, 4);
      job->body = _td_column_dup (stmt, 5);
      job->attempts = (guint) sqlite3_column_int64 (stmt, 6);
      job->next_attempt_ms = sqlite3_column_int64 (stmt, 7);
      job->created_ms = sqlite3_column_int64 (stmt, 8);
      g_ptr_array_add (jobs, job);
    }
  return g_steal_pointer (&jobs);
}

/* Consistent with due_deliveries: only the head of each webhook's queue
 * counts, so a waiting head is never undercut by a later delivery that
 * due_deliveries would not return (which would make the caller spin). */
static gint64
td_sqlite_store_next_delivery_time (TdStore *store, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "read the webhook queue";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_HOOK_NEXT, op, error);

  if (stmt == NULL)
    return -1;
  return step_int (self, stmt, op, error);
}

static gboolean
purge_deliveries (TdSqliteStore *self, gint64 now_ms, GError **error)
{
  const char *op = "purge the webhook queue";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_HOOK_PURGE, op, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now_ms - TD_STORE_DELIVERY_KEEP_MS);
  return step (self, stmt, op, NULL, error);
}

/* A delivery that no longer exists (its webhook was deleted while it was
 * in flight) or that was already recorded is not an error. */
static gboolean
td_sqlite_store_delivery_succeeded (TdStore *store,
                                    gint64   delivery_id,
                                    gint64   now_ms,
                                    GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "record a webhook delivery";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_HOOK_SUCCEEDED, op, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, delivery_id);
  /* delivered = 0 means "not yet": a clock at 0 must not undo that. */
  sqlite3_bind_int64 (stmt, 2, MAX (now_ms, 1));
  if (!step (self, stmt, op, NULL, error))
    return FALSE;
  return purge_deliveries (self, now_ms, error);
}

static gboolean
td_sqlite_store_delivery_failed (TdStore    *store,
                                 gint64      delivery_id,
                                 const char *error_text,
                                 gint64      now_ms,
                                 gint64      next_ms,
                                 GError    **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "record a failed webhook delivery";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_HOOK_FAILED, op, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, delivery_id);
  _td_bind_text (stmt, 2, error_text != NULL && *error_text != '\0' ? error_text : "failed");
  sqlite3_bind_int64 (stmt, 3, now_ms);
  sqlite3_bind_int64 (stmt, 4, next_ms);
  sqlite3_bind_int64 (stmt, 5, TD_STORE_DELIVERY_GIVE_UP_MS);
  if (!step (self, stmt, op, NULL, error))
    return FALSE;
  return purge_deliveries (self, now_ms, error);
}

void
_td_sqlite_store_integrations_iface_init (TdStoreInterface *iface)
{
  iface->add_reminder = td_sqlite_store_add_reminder;
  iface->get_reminder = td_sqlite_store_get_reminder;
  iface->list_recipients = td_sqlite_store_list_recipients;
  iface->user_reminders = td_sqlite_store_user_reminders;
  iface->get_user_reminder = td_sqlite_store_get_user_reminder;
  iface->update_reminder = td_sqlite_store_update_reminder;
  iface->last_reminder_id = td_sqlite_store_last_reminder_id;
  iface->add_api_key = td_sqlite_store_add_api_key;
  iface->check_api_key = td_sqlite_store_check_api_key;
  iface->revoke_api_key = td_sqlite_store_revoke_api_key;
  iface->list_api_keys = td_sqlite_store_list_api_keys;
  iface->add_webhook = td_sqlite_store_add_webhook;
  iface->delete_webhook = td_sqlite_store_delete_webhook;
  iface->list_webhooks = td_sqlite_store_list_webhooks;
  iface->enqueue_event = td_sqlite_store_enqueue_event;
  iface->due_deliveries = td_sqlite_store_due_deliveries;
  iface->next_delivery_time = td_sqlite_store_next_delivery_time;
  iface->delivery_succeeded = td_sqlite_store_delivery_succeeded;
  iface->delivery_failed = td_sqlite_store_delivery_failed;
}
