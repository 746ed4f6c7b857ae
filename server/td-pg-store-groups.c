/* td-pg-store-groups.c - TdPgStore: groups, group messages and read
 * marks (see td-pg-store.c for the schema and locking notes).
 *
 * Membership is read through the group_membership view, as in
 * TdSqliteStore: a department group's members are the department's
 * enabled users, computed on every query.  A group message locks every
 * member's users row in ascending id order, then raises all the counters,
 * writes the message and every mailbox row in one set-based statement:
 * a department of thousands costs four round trips, not thousands.
 */
#define G_LOG_DOMAIN "td-store"

#include "td-pg-store-private.h"

/* Members of group $1. */
#define MEMBER_IDS "SELECT user_id FROM group_membership WHERE group_id = $1::bigint"

enum {
  SQL_GROUP_INSERT_DEPARTMENT,
  SQL_GROUP_INSERT_ADHOC,
  SQL_GROUP_GET,
  SQL_GROUP_OF_USER,
  SQL_GROUP_LIST,
  SQL_GROUP_RENAME,
  SQL_GROUP_ADD_MEMBERS,
  SQL_GROUP_REMOVE_MEMBERS,
  SQL_GROUP_COUNT_MEMBERS,
  SQL_GROUP_DELETE,
  SQL_GROUP_ADHOC_OF_USER,
  SQL_GROUP_FORGET_USER,
  SQL_ENABLED_USERS,
  SQL_GMSG_LOCK,
  SQL_GMSG_FIND,
  SQL_GMSG_STORE,
  SQL_GMSG_HISTORY,
  SQL_GROUP_EXISTS,
  SQL_READ_RAISE,
  SQL_READ_PEER,
  SQL_READ_GROUP,
  N_SQL
};

static const char * const sql[N_SQL] = {
  [SQL_GROUP_INSERT_DEPARTMENT] =
    "INSERT INTO groups (kind, name, department_id, created)"
    " VALUES ('department', $2::text, $1::bigint, $3::bigint)",
  [SQL_GROUP_INSERT_ADHOC] =
    "INSERT INTO groups (kind, name, owner_id, created)"
    " VALUES ('group', $1::text, $2::bigint, $3::bigint) RETURNING id",
  /* Logins are [a-z0-9._-]: a comma-joined list is unambiguous. */
  [SQL_GROUP_GET] =
    "SELECT g.kind, g.name, COALESCE (o.login, ''),"
    "       (SELECT string_agg (u.login, ',' ORDER BY u.login) FROM users u"
    "         WHERE u.id IN (SELECT user_id FROM group_membership WHERE group_id = g.id))"
    "  FROM groups g LEFT JOIN users o ON o.id = g.owner_id WHERE g.id = $1::bigint",
  /* Department group first, then by name. */
  [SQL_GROUP_OF_USER] =
    "SELECT g.id FROM groups g"
    " WHERE g.id IN (SELECT group_id FROM group_membership WHERE user_id = $1::bigint)"
    " ORDER BY g.kind = 'group', g.name, g.id",
  [SQL_GROUP_LIST] = "SELECT id FROM groups ORDER BY kind = 'group', name, id",
  [SQL_GROUP_RENAME] = "UPDATE groups SET name = $2::text WHERE id = $1::bigint",
  [SQL_GROUP_ADD_MEMBERS] =
    "INSERT INTO group_members (group_id, user_id)"
    " SELECT $1::bigint, unnest ($2::bigint[]) ON CONFLICT DO NOTHING",
  [SQL_GROUP_REMOVE_MEMBERS] =
    "DELETE FROM group_members WHERE group_id = $1::bigint AND user_id = ANY ($2::bigint[])",
  [SQL_GROUP_COUNT_MEMBERS] = "SELECT COUNT (*) FROM group_members WHERE group_id = $1::bigint",
  /* Its messages stay: they are in the members' mailboxes and name the
   * group by id only.  Read marks on it go. */
  [SQL_GROUP_DELETE] =
    "WITH r AS (DELETE FROM reads WHERE group_id = $1::bigint)"
    " DELETE FROM groups WHERE id = $1::bigint",
  [SQL_GROUP_ADHOC_OF_USER] = "SELECT group_id FROM group_members WHERE user_id = $1::bigint",
  /* Other people's marks on a conversation with the user go too (their
   * own go with the user row, ON DELETE CASCADE). */
  [SQL_GROUP_FORGET_USER] =
    "WITH r AS (DELETE FROM reads WHERE peer_id = $1::bigint)"
    " DELETE FROM group_members WHERE user_id = $1::bigint",
  [SQL_ENABLED_USERS] =
    "SELECT id FROM users WHERE id = ANY ($1::bigint[]) AND disabled = 0",
  /* Every member's row, locked in ascending id order, with the login. */
  [SQL_GMSG_LOCK] =
    "SELECT u.id, u.login FROM users u WHERE u.id IN (" MEMBER_IDS ")"
    " ORDER BY u.id FOR UPDATE OF u",
  [SQL_GMSG_FIND] =
    "SELECT mid, COALESCE (group_id, 0), text, time, sender_seq"
    "  FROM messages WHERE sender_id = $1::bigint AND client_id = $2::text",
  /* $2: the locked member ids. */
  [SQL_GMSG_STORE] =
    "WITH b AS (UPDATE users SET last_seq = last_seq + 1"
    "            WHERE id = ANY ($2::bigint[]) RETURNING id, login, last_seq),"
    " m AS (INSERT INTO messages (sender_id, recipient_id, client_id, text, time, conv_lo,"
    "                             conv_hi, sender_seq, recipient_seq, group_id)"
    "       SELECT $1::bigint, 0, $3::text, $4::text, $5::bigint, 0, $6::bigint, b.last_seq, 0,"
    "              $6::bigint"
    "         FROM b WHERE b.id = $1::bigint"
    "       RETURNING mid),"
    " mb AS (INSERT INTO mailbox (user_id, seq, mid) SELECT b.id, b.last_seq, m.mid FROM b, m)"
    " SELECT m.mid, b.id, b.login, b.last_seq FROM b, m ORDER BY b.login",
  [SQL_GMSG_HISTORY] =
    "SELECT 0, " TD_PG_MESSAGE_COLUMNS
    " WHERE m.conv_lo = 0 AND m.conv_hi = $1::bigint AND m.mid < $2::bigint"
    " ORDER BY m.mid DESC LIMIT $3::bigint",
  [SQL_GROUP_EXISTS] = "SELECT 1 FROM groups WHERE id = $1::bigint",
  [SQL_READ_RAISE] =
    "INSERT INTO reads (user_id, peer_id, group_id, mid)"
    " SELECT $1::bigint, $2::bigint, $3::bigint, $4::bigint"
    "  WHERE EXISTS (SELECT 1 FROM users WHERE id = $1::bigint)"
    " ON CONFLICT (user_id, peer_id, group_id) DO UPDATE SET mid = excluded.mid"
    " WHERE excluded.mid > reads.mid"
    " RETURNING 1",
  /* The other person's mark on the conversation with $1 (none when
   * $1 = $2: one's own mark is not a receipt). */
  [SQL_READ_PEER] =
    "SELECT u.login, r.mid FROM reads r JOIN users u ON u.id = r.user_id"
    " WHERE r.user_id = $2::bigint AND r.peer_id = $1::bigint AND r.group_id = 0 AND r.mid > 0"
    "   AND $1::bigint != $2::bigint",
  /* Current members only: someone who left is no longer a participant. */
  [SQL_READ_GROUP] =
    "SELECT u.login, r.mid FROM reads r JOIN users u ON u.id = r.user_id"
    " WHERE r.group_id = $1::bigint AND r.peer_id = 0 AND r.user_id != $2::bigint AND r.mid > 0"
    "   AND r.user_id IN (" MEMBER_IDS ")"
    " ORDER BY u.login",
};

static PGresult *
exec_id (TdPgStore *self, guint which, gint64 id, const char *op, GError **error)
{
  TdPgParams p = { 0 };

  _td_pg_int (&p, id);
  return _td_pg_store_exec (self, &sql[which], op, &p, error);
}

/* ---- groups ---- */

gboolean
_td_pg_store_add_department_group (TdPgStore  *self,
                                   gint64      department_id,
                                   const char *name,
                                   GError    **error)
{
  g_autoptr(PGresult) res = NULL;
  TdPgParams p = { 0 };

  _td_pg_int (&p, department_id);
  _td_pg_text (&p, name);
  _td_pg_int (&p, _td_pg_now_ms ());
  res = _td_pg_store_exec (self, &sql[SQL_GROUP_INSERT_DEPARTMENT],
                           "create a department group", &p, error);
  return res != NULL;
}

static TdGroup *
load_group (TdPgStore *self, gint64 group_id, GError **error)
{
  g_autoptr(PGresult) res = exec_id (self, SQL_GROUP_GET, group_id, "read a group", error);
  g_auto(GStrv) members = NULL;
  const char *joined;
  TdGroupKind kind;

  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0)
    {
      _td_store_set_unknown_group (error, group_id);
      return NULL;
    }

  kind = g_str_equal (PQgetvalue (res, 0, 0), "department") ? TD_GROUP_DEPARTMENT
                                                             : TD_GROUP_ADHOC;
  joined = _td_pg_get_text (res, 0, 3);
  members = joined != NULL ? g_strsplit (joined, ",", -1) : g_new0 (char *, 1);
  return td_group_new (group_id, kind, PQgetvalue (res, 0, 1), PQgetvalue (res, 0, 2),
                       (const char * const *) members);
}

static GPtrArray *
load_groups (TdPgStore *self, PGresult *ids, GError **error)
{
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) td_group_unref);

  for (int i = 0; i < PQntuples (ids); i++)
    {
      TdGroup *group = load_group (self, _td_pg_get_int (ids, i, 0), error);

      if (group == NULL)
        return NULL;
      g_ptr_array_add (groups, group);
    }
  return g_steal_pointer (&groups);
}

/* Checks that every id names an enabled user, before anything is
 * written: one query for the whole list. */
static gboolean
check_enabled_users (TdPgStore    *self,
                     const gint64 *ids,
                     guint         n_ids,
                     GError      **error)
{
  g_autofree char *array = NULL;
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GHashTable) found = NULL;
  TdPgParams p = { 0 };

  if (n_ids == 0)
    return TRUE;

  array = _td_pg_id_array (ids, n_ids);
  _td_pg_text (&p, array);
  res = _td_pg_store_exec (self, &sql[SQL_ENABLED_USERS], "look up users", &p, error);
  if (res == NULL)
    return FALSE;

  found = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (int i = 0; i < PQntuples (res); i++)
    {
      gint64 *id = g_new (gint64, 1);

      *id = _td_pg_get_int (res, i, 0);
      g_hash_table_add (found, id);
    }

  for (guint i = 0; i < n_ids; i++)
    {
      if (!g_hash_table_contains (found, &ids[i]))
        {
          g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                       "No enabled user with id %" G_GINT64_FORMAT, ids[i]);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
add_members (TdPgStore *self, gint64 group_id, const gint64 *ids, guint n_ids, GError **error)
{
  g_autofree char *array = _td_pg_id_array (ids, n_ids);
  g_autoptr(PGresult) res = NULL;
  TdPgParams p = { 0 };

  if (n_ids == 0)
    return TRUE;
  _td_pg_int (&p, group_id);
  _td_pg_text (&p, array);
  res = _td_pg_store_exec (self, &sql[SQL_GROUP_ADD_MEMBERS], "add group members", &p, error);
  return res != NULL;
}

static TdGroup *
td_pg_store_create_group (TdStore      *store,
                          gint64        owner_id,
                          const char   *name,
                          const gint64 *member_ids,
                          guint         n_members,
                          gint64        time_ms,
                          GError      **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  TdPgParams p = { 0 };
  gint64 group_id;

  g_return_val_if_fail (member_ids != NULL || n_members == 0, NULL);

  if (!_td_store_check_name (name, "group name", FALSE, error) ||
      !check_enabled_users (self, &owner_id, 1, error) ||
      !check_enabled_users (self, member_ids, n_members, error))
    return NULL;

  _td_pg_text (&p, name);
  _td_pg_int (&p, owner_id);
  _td_pg_int (&p, time_ms);
  group_id = _td_pg_store_query_int (self, &sql[SQL_GROUP_INSERT_ADHOC], "create a group", &p,
                                     -1, error);
  if (group_id < 0)
    return NULL;

  if (!add_members (self, group_id, &owner_id, 1, error) ||
      !add_members (self, group_id, member_ids, n_members, error))
    return NULL;

  return load_group (self, group_id, error);
}

static TdGroup *
td_pg_store_get_group (TdStore *store, gint64 group_id, GError **error)
{
  return load_group (TD_PG_STORE (store), group_id, error);
}

static GPtrArray *
td_pg_store_list_user_groups (TdStore *store, gint64 user_id, GError **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  g_autoptr(PGresult) ids = exec_id (self, SQL_GROUP_OF_USER, user_id,
                                     "list a user's groups", error);

  if (ids == NULL)
    return NULL;
  return load_groups (self, ids, error);
}

static GPtrArray *
td_pg_store_list_groups (TdStore *store, GError **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  g_autoptr(PGresult) ids = _td_pg_store_exec (self, &sql[SQL_GROUP_LIST], "list groups",
                                               NULL, error);

  if (ids == NULL)
    return NULL;
  return load_groups (self, ids, error);
}

/* Deletes ad-hoc group @group_id if it has no members left; -1 on error,
 * 1 if deleted, 0 if not. */
static int
delete_if_empty (TdPgStore *self, gint64 group_id, GError **error)
{
  TdPgParams p = { 0 };
  g_autoptr(PGresult) res = NULL;
  gint64 count;

  _td_pg_int (&p, group_id);
  count = _td_pg_store_query_int (self, &sql[SQL_GROUP_COUNT_MEMBERS], "count group members",
                                  &p, 0, error);
  if (count < 0)
    return -1;
  if (count > 0)
    return 0;
  res = exec_id (self, SQL_GROUP_DELETE, group_id, "delete a group", error);
  return res != NULL ? 1 : -1;
}

static TdGroup *
td_pg_store_update_group (TdStore      *store,
                          gint64        group_id,
                          const char   *name,
                          const gint64 *add_ids,
                          guint         n_add,
                          const gint64 *remove_ids,
                          guint         n_remove,
                          GError      **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  const char *op = "update a group";
  g_autoptr(TdGroup) group = NULL;
  int deleted;

  g_return_val_if_fail (add_ids != NULL || n_add == 0, NULL);
  g_return_val_if_fail (remove_ids != NULL || n_remove == 0, NULL);

  group = load_group (self, group_id, error);
  if (group == NULL)
    return NULL;
  if (td_group_get_kind (group) == TD_GROUP_DEPARTMENT)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                   "Group %" G_GINT64_FORMAT " is a department group: its members "
                   "follow the directory and it cannot be changed", group_id);
      return NULL;
    }

  /* Everything is checked before the first write. */
  if ((name != NULL && !_td_store_check_name (name, "group name", FALSE, error)) ||
      !check_enabled_users (self, add_ids, n_add, error))
    return NULL;

  if (name != NULL)
    {
      g_autoptr(PGresult) res = NULL;
      TdPgParams p = { 0 };

      _td_pg_int (&p, group_id);
      _td_pg_text (&p, name);
      res = _td_pg_store_exec (self, &sql[SQL_GROUP_RENAME], op, &p, error);
      if (res == NULL)
        return NULL;
    }

  if (!add_members (self, group_id, add_ids, n_add, error))
    return NULL;

  if (n_remove > 0)
    {
      g_autofree char *array = _td_pg_id_array (remove_ids, n_remove);
      g_autoptr(PGresult) res = NULL;
      TdPgParams p = { 0 };

      _td_pg_int (&p, group_id);
      _td_pg_text (&p, array);
      res = _td_pg_store_exec (self, &sql[SQL_GROUP_REMOVE_MEMBERS], op, &p, error);
      if (res == NULL)
        return NULL;
    }

  deleted = delete_if_empty (self, group_id, error);
  if (deleted != 0)
    return NULL;   /* deleted (no error) or failed (error set) */

  return load_group (self, group_id, error);
}

gboolean
_td_pg_store_forget_user_groups (TdPgStore *self,
                                 gint64     user_id,
                                 GError   **error)
{
  const char *op = "remove a user from groups";
  g_autoptr(PGresult) ids = exec_id (self, SQL_GROUP_ADHOC_OF_USER, user_id, op, error);
  g_autoptr(PGresult) res = NULL;

  if (ids == NULL)
    return FALSE;
  res = exec_id (self, SQL_GROUP_FORGET_USER, user_id, op, error);
  if (res == NULL)
    return FALSE;

  for (int i = 0; i < PQntuples (ids); i++)
    {
      if (delete_if_empty (self, _td_pg_get_int (ids, i, 0), error) < 0)
        return FALSE;
    }
  return TRUE;
}

/* ---- group messages ---- */

/* Looks for an earlier message with the same (sender, client id). */
static gboolean
find_group_duplicate (TdPgStore              *self,
                      gint64                  sender_id,
                      gint64                  group_id,
                      const char             *client_id,
                      const char             *text,
                      const char             *from,
                      const char             *to,
                      TdStoreGroupSendResult *out,
                      gboolean               *out_found,
                      GError                **error)
{
  g_autoptr(PGresult) res = NULL;
  TdPgParams p = { 0 };

  *out_found = FALSE;
  _td_pg_int (&p, sender_id);
  _td_pg_text (&p, client_id);
  res = _td_pg_store_exec (self, &sql[SQL_GMSG_FIND], "look up a message", &p, error);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    return TRUE;

  /* A 1:1 message (group_id NULL reads as 0) never matches. */
  if (_td_pg_get_int (res, 0, 1) != group_id ||
      g_strcmp0 (_td_pg_get_text (res, 0, 2), text) != 0)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_CONFLICT,
                   "Message id “%s” was already used for another message", client_id);
      return FALSE;
    }

  out->sender_copy = td_message_new (_td_pg_get_int (res, 0, 0), _td_pg_get_int (res, 0, 4),
                                     client_id, from, to, text, _td_pg_get_int (res, 0, 3));
  out->deliveries = g_ptr_array_new_with_free_func ((GDestroyNotify) td_store_delivery_free);
  out->duplicate = TRUE;
  *out_found = TRUE;
  return TRUE;
}

static gboolean
group_exists (TdPgStore *self, gint64 group_id, const char *op, GError **error)
{
  g_autoptr(PGresult) res = exec_id (self, SQL_GROUP_EXISTS, group_id, op, error);

  if (res == NULL)
    return FALSE;
  if (PQntuples (res) == 0)
    {
      _td_store_set_unknown_group (error, group_id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
td_pg_store_add_group_message (TdStore                *store,
                               gint64                  sender_id,
                               gint64                  group_id,
                               const char             *client_id,
                               const char             *text,
                               gint64                  time_ms,
                               TdStoreGroupSendResult *out,
                               GError                **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  const char *op = "store a group message";
  g_autoptr(PGresult) members = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) deliveries = NULL;
  g_autoptr(TdMessage) message = NULL;
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autofree char *id_array = NULL;
  gboolean found = FALSE;
  gboolean is_member = FALSE;

  g_return_val_if_fail (client_id != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  from = _td_pg_store_lookup_login (self, sender_id, error);
  if (from == NULL || !group_exists (self, group_id, op, error))
    return FALSE;
  to = td_group_address (group_id);

  /* Locks before the duplicate check, so that a resend racing its
   * original on another node waits for it and then finds it. */
  if (!_td_pg_store_lock_mailboxes (self, op, error))
    return FALSE;
  members = exec_id (self, SQL_GMSG_LOCK, group_id, op, error);
  if (members == NULL)
    return FALSE;

  /* Before the membership check: a resend after leaving still gets the
   * original back instead of an error. */
  if (!find_group_duplicate (self, sender_id, group_id, client_id, text, from, to,
                             out, &found, error))
    return FALSE;
  if (found)
    return TRUE;

  for (int i = 0; i < PQntuples (members); i++)
    {
      gint64 id = _td_pg_get_int (members, i, 0);

      g_array_append_val (ids, id);
      is_member = is_member || id == sender_id;
    }
  if (!is_member)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                   "User %s is not a member of group %" G_GINT64_FORMAT, from, group_id);
      return FALSE;
    }

  id_array = _td_pg_id_array ((const gint64 *) (gpointer) ids->data, ids->len);
  {
    g_autoptr(PGresult) res = NULL;
    TdPgParams p = { 0 };
    gint64 mid;

    _td_pg_int (&p, sender_id);
    _td_pg_text (&p, id_array);
    _td_pg_text (&p, client_id);
    _td_pg_text (&p, text);
    _td_pg_int (&p, time_ms);
    _td_pg_int (&p, group_id);
    res = _td_pg_store_exec (self, &sql[SQL_GMSG_STORE], op, &p, error);
    if (res == NULL)
      return FALSE;
    g_assert (PQntuples (res) > 0);

    /* Rows: every member (sender included) with the new seq, by login. */
    mid = _td_pg_get_int (res, 0, 0);
    for (int i = 0; i < PQntuples (res) && message == NULL; i++)
      {
        if (_td_pg_get_int (res, i, 1) == sender_id)
          message = td_message_new (mid, _td_pg_get_int (res, i, 3), client_id, from, to,
                                    text, time_ms);
      }
    g_assert (message != NULL);

    deliveries = g_ptr_array_new_with_free_func ((GDestroyNotify) td_store_delivery_free);
    for (int i = 0; i < PQntuples (res); i++)
      {
        TdStoreDelivery *delivery;

        if (_td_pg_get_int (res, i, 1) == sender_id)
          continue;
        delivery = g_new0 (TdStoreDelivery, 1);
        delivery->user_id = _td_pg_get_int (res, i, 1);
        delivery->login = _td_pg_dup (res, i, 2);
        delivery->copy = td_message_with_seq (message, _td_pg_get_int (res, i, 3));
        g_ptr_array_add (deliveries, delivery);
      }
  }

  out->sender_copy = g_steal_pointer (&message);
  out->deliveries = g_steal_pointer (&deliveries);
  out->duplicate = FALSE;
  return TRUE;
}

static GPtrArray *
td_pg_store_group_history (TdStore  *store,
                           gint64    group_id,
                           gint64    before_mid,
                           guint     limit,
                           gboolean *out_more,
                           GError  **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  const char *op = "read group history";
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  TdPgParams p = { 0 };
  gboolean more;

  /* Only for the NOT_FOUND of a group that does not exist (any more). */
  if (!group_exists (self, group_id, op, error))
    return NULL;

  _td_pg_int (&p, group_id);
  _td_pg_int (&p, before_mid > 0 ? before_mid : G_MAXINT64);
  _td_pg_int (&p, (gint64) limit + 1);
  res = _td_pg_store_exec (self, &sql[SQL_GMSG_HISTORY], op, &p, error);
  if (res == NULL)
    return NULL;

  messages = _td_pg_collect_messages (res);
  more = messages->len > limit;
  if (more)
    g_ptr_array_set_size (messages, limit);
  _td_store_messages_reverse (messages);

  if (out_more != NULL)
    *out_more = more;
  return g_steal_pointer (&messages);
}

/* ---- read marks ---- */

static gboolean
td_pg_store_set_read (TdStore *store,
                      gint64   user_id,
                      gint64   peer_user_id,
                      gint64   group_id,
                      gint64   mid,
                      GError **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  g_autoptr(PGresult) res = NULL;
  g_autoptr(GError) local_error = NULL;
  TdPgParams p = { 0 };

  if (!_td_store_check_conversation (peer_user_id, group_id, error))
    return FALSE;
  if (mid <= 0)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                   "Invalid message id %" G_GINT64_FORMAT " for a read mark", mid);
      return FALSE;
    }

  _td_pg_int (&p, user_id);
  _td_pg_int (&p, peer_user_id);
  _td_pg_int (&p, group_id);
  _td_pg_int (&p, mid);
  res = _td_pg_store_exec (self, &sql[SQL_READ_RAISE], "store a read mark", &p, error);
  if (res == NULL)
    return FALSE;
  if (PQntuples (res) > 0)
    return TRUE;

  /* Not raised (a lower or equal mark), or no such user. */
  if (!_td_pg_store_user_exists (self, user_id, &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return FALSE;
}

static GPtrArray *
td_pg_store_get_reads (TdStore *store,
                       gint64   user_id,
                       gint64   peer_user_id,
                       gint64   group_id,
                       GError **error)
{
  TdPgStore *self = TD_PG_STORE (store);
  g_autoptr(PGresult) res = NULL;
  GPtrArray *marks;
  TdPgParams p = { 0 };

  if (!_td_store_check_conversation (peer_user_id, group_id, error))
    return NULL;

  if (group_id > 0)
    {
      _td_pg_int (&p, group_id);
      _td_pg_int (&p, user_id);
      res = _td_pg_store_exec (self, &sql[SQL_READ_GROUP], "read receipts", &p, error);
    }
  else
    {
      _td_pg_int (&p, user_id);
      _td_pg_int (&p, peer_user_id);
      res = _td_pg_store_exec (self, &sql[SQL_READ_PEER], "read receipts", &p, error);
    }
  if (res == NULL)
    return NULL;

  marks = g_ptr_array_new_with_free_func ((GDestroyNotify) td_read_mark_free);
  for (int i = 0; i < PQntuples (res); i++)
    g_ptr_array_add (marks, td_read_mark_new (PQgetvalue (res, i, 0),
                                              _td_pg_get_int (res, i, 1)));
  return marks;
}

void
_td_pg_store_groups_iface_init (TdStoreInterface *iface)
{
  iface->create_group = td_pg_store_create_group;
  iface->get_group = td_pg_store_get_group;
  iface->list_user_groups = td_pg_store_list_user_groups;
  iface->list_groups = td_pg_store_list_groups;
  iface->update_group = td_pg_store_update_group;
  iface->add_group_message = td_pg_store_add_group_message;
  iface->group_history = td_pg_store_group_history;
  iface->set_read = td_pg_store_set_read;
  iface->get_reads = td_pg_store_get_reads;
}
