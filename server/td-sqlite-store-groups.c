/* td-sqlite-store-groups.c - TdSqliteStore: groups, group messages and
 * read marks (see td-sqlite-store.c for the schema notes).
 *
 * Membership is always read through the group_membership view: for a
 * department group it is the department's enabled users, computed from
 * users on every query, so it follows the directory without any copy to
 * keep in step; for an ad-hoc group it is group_members.
 */
#define G_LOG_DOMAIN "td-store"

#include "td-sqlite-store-private.h"

/* Members of group ?1. */
#define MEMBER_IDS "SELECT user_id FROM group_membership WHERE group_id = ?1"

enum {
  SQL_GROUP_INSERT_DEPARTMENT,
  SQL_GROUP_INSERT_ADHOC,
  SQL_GROUP_GET,
  SQL_GROUP_MEMBERS,
  SQL_GROUP_IS_MEMBER,
  SQL_GROUP_OF_USER,
  SQL_GROUP_LIST,
  SQL_GROUP_RENAME,
  SQL_GROUP_ADD_MEMBER,
  SQL_GROUP_REMOVE_MEMBER,
  SQL_GROUP_COUNT_MEMBERS,
  SQL_GROUP_DELETE,
  SQL_GROUP_DELETE_READS,
  SQL_GROUP_ADHOC_OF_USER,
  SQL_GROUP_FORGET_MEMBER,
  SQL_GROUP_FORGET_PEER_READS,
  SQL_GMSG_FIND,
  SQL_GMSG_BUMP_SEQS,
  SQL_GMSG_SENDER_SEQ,
  SQL_GMSG_INSERT,
  SQL_GMSG_MAILBOX,
  SQL_GMSG_SEQS,
  SQL_GMSG_HISTORY,
  SQL_READ_RAISE,
  SQL_READ_PEER,
  SQL_READ_GROUP,
  N_SQL
};

static const char * const sql[N_SQL] = {
  [SQL_GROUP_INSERT_DEPARTMENT] =
    "INSERT INTO groups (kind, name, department_id, created) VALUES ('department', ?2, ?1, ?3)",
  [SQL_GROUP_INSERT_ADHOC] =
    "INSERT INTO groups (kind, name, owner_id, created) VALUES ('group', ?1, ?2, ?3)",
  [SQL_GROUP_GET] =
    "SELECT g.kind, g.name, COALESCE (o.login, '')"
    "  FROM groups g LEFT JOIN users o ON o.id = g.owner_id WHERE g.id = ?1",
  [SQL_GROUP_MEMBERS] =
    "SELECT u.login FROM users u WHERE u.id IN (" MEMBER_IDS ") ORDER BY u.login",
  [SQL_GROUP_IS_MEMBER] =
    "SELECT EXISTS (SELECT 1 FROM group_membership WHERE group_id = ?1 AND user_id = ?2)",
  /* Department group first, then by name. */
  [SQL_GROUP_OF_USER] =
    "SELECT g.id FROM groups g"
    " WHERE g.id IN (SELECT group_id FROM group_membership WHERE user_id = ?1)"
    " ORDER BY g.kind = 'group', g.name, g.id",
  [SQL_GROUP_LIST] = "SELECT id FROM groups ORDER BY kind = 'group', name, id",
  [SQL_GROUP_RENAME] = "UPDATE groups SET name = ?2 WHERE id = ?1",
  [SQL_GROUP_ADD_MEMBER] =
    "INSERT INTO group_members (group_id, user_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
  [SQL_GROUP_REMOVE_MEMBER] = "DELETE FROM group_members WHERE group_id = ?1 AND user_id = ?2",
  [SQL_GROUP_COUNT_MEMBERS] = "SELECT COUNT (*) FROM group_members WHERE group_id = ?1",
  [SQL_GROUP_DELETE] = "DELETE FROM groups WHERE id = ?1",
  [SQL_GROUP_DELETE_READS] = "DELETE FROM reads WHERE group_id = ?1",
  [SQL_GROUP_ADHOC_OF_USER] = "SELECT group_id FROM group_members WHERE user_id = ?1",
  [SQL_GROUP_FORGET_MEMBER] = "DELETE FROM group_members WHERE user_id = ?1",
  [SQL_GROUP_FORGET_PEER_READS] = "DELETE FROM reads WHERE peer_id = ?1",
  [SQL_GMSG_FIND] =
    "SELECT mid, group_id, text, time, sender_seq"
    "  FROM messages WHERE sender_id = ?1 AND client_id = ?2",
  [SQL_GMSG_BUMP_SEQS] =
    "UPDATE users SET last_seq = last_seq + 1 WHERE id IN (" MEMBER_IDS ")",
  [SQL_GMSG_SENDER_SEQ] = "SELECT last_seq FROM users WHERE id = ?1",
  [SQL_GMSG_INSERT] =
    "INSERT INTO messages (sender_id, recipient_id, client_id, text, time, conv_lo, conv_hi,"
    "                      sender_seq, recipient_seq, group_id)"
    " VALUES (?1, 0, ?3, ?4, ?5, 0, ?2, ?6, 0, ?2)",
  /* Runs right after SQL_GMSG_BUMP_SEQS: last_seq is each member's new seq. */
  [SQL_GMSG_MAILBOX] =
    "INSERT INTO mailbox (user_id, seq, mid)"
    " SELECT id, last_seq, ?2 FROM users WHERE id IN (" MEMBER_IDS ")",
  [SQL_GMSG_SEQS] =
    "SELECT id, login, last_seq FROM users WHERE id IN (" MEMBER_IDS ") ORDER BY login",
  [SQL_GMSG_HISTORY] =
    "SELECT 0, " TD_SQLITE_MESSAGE_COLUMNS
    " WHERE m.conv_lo = 0 AND m.conv_hi = ?1 AND m.mid < ?2 ORDER BY m.mid DESC LIMIT ?3",
  [SQL_READ_RAISE] =
    "INSERT INTO reads (user_id, peer_id, group_id, mid) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (user_id, peer_id, group_id) DO UPDATE SET mid = excluded.mid"
    " WHERE excluded.mid > mid",
  /* The other person's mark on the conversation with ?1 (none when ?1 = ?2:
   * one's own mark is not a receipt). */
  [SQL_READ_PEER] =
    "SELECT u.login, r.mid FROM reads r JOIN users u ON u.id = r.user_id"
    " WHERE r.user_id = ?2 AND r.peer_id = ?1 AND r.group_id = 0 AND r.mid > 0 AND ?1 != ?2",
  /* Current members only: someone who left is no longer a participant. */
  [SQL_READ_GROUP] =
    "SELECT u.login, r.mid FROM reads r JOIN users u ON u.id = r.user_id"
    " WHERE r.group_id = ?1 AND r.peer_id = 0 AND r.user_id != ?2 AND r.mid > 0"
    "   AND r.user_id IN (" MEMBER_IDS ")"
    " ORDER BY u.login",
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

/* Runs a statement whose only parameter ?1 is @id and that returns no
 * rows needed by the caller. */
static gboolean
run_with_id (TdSqliteStore *self, guint id_sql, gint64 id, const char *op, GError **error)
{
  g_autoptr(TdStmt) stmt = get_stmt (self, id_sql, op, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return _td_sqlite_store_run (self, stmt, op, error);
}

/* Runs a one-row, one-integer query with ?1 = @a and ?2 = @b; -1 on error. */
static gint64
query_int (TdSqliteStore *self, guint id_sql, gint64 a, gint64 b, const char *op,
           GError **error)
{
  g_autoptr(TdStmt) stmt = get_stmt (self, id_sql, op, error);
  gboolean row = FALSE;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, a);
  sqlite3_bind_int64 (stmt, 2, b);
  if (!step (self, stmt, op, &row, error))
    return -1;
  return row ? sqlite3_column_int64 (stmt, 0) : 0;
}

/* ---- groups ---- */

gboolean
_td_sqlite_store_add_department_group (TdSqliteStore *self,
                                       gint64         department_id,
                                       const char    *name,
                                       GError       **error)
{
  const char *op = "create a department group";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GROUP_INSERT_DEPARTMENT, op, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, department_id);
  _td_bind_text (stmt, 2, name);
  sqlite3_bind_int64 (stmt, 3, _td_now_ms ());
  return step (self, stmt, op, NULL, error);
}

static TdGroup *
load_group (TdSqliteStore *self, gint64 group_id, GError **error)
{
  const char *op = "read a group";
  g_autofree char *name = NULL;
  g_autofree char *owner = NULL;
  g_autoptr(GPtrArray) members = g_ptr_array_new_with_free_func (g_free);
  TdGroupKind kind;
  gboolean row = FALSE;

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GROUP_GET, op, error);

    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, group_id);
    if (!step (self, stmt, op, &row, error))
      return NULL;
    if (!row)
      {
        _td_store_set_unknown_group (error, group_id);
        return NULL;
      }
    kind = g_str_equal ((const char *) sqlite3_column_text (stmt, 0), "department")
           ? TD_GROUP_DEPARTMENT : TD_GROUP_ADHOC;
    name = _td_column_dup (stmt, 1);
    owner = _td_column_dup (stmt, 2);
  }

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GROUP_MEMBERS, op, error);

    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, group_id);
    while (TRUE)
      {
        if (!step (self, stmt, op, &row, error))
          return NULL;
        if (!row)
          break;
        g_ptr_array_add (members, _td_column_dup (stmt, 0));
      }
  }

  g_ptr_array_add (members, NULL);
  return td_group_new (group_id, kind, name, owner,
                       (const char * const *) members->pdata);
}

/* Collects TdGroup* for the ids a statement (already bound) returns. */
static GPtrArray *
load_groups (TdSqliteStore *self, TdStmt *stmt, const char *op, GError **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) groups = g_ptr_array_new_with_free_func ((GDestroyNotify) td_group_unref);
  gboolean row = FALSE;

  /* Ids first: load_group runs other statements, and SQLite would see
   * this one still active. */
  while (TRUE)
    {
      gint64 id;

      if (!step (self, stmt, op, &row, error))
        return NULL;
      if (!row)
        break;
      id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  _td_stmt_reset (stmt);

  for (guint i = 0; i < ids->len; i++)
    {
      TdGroup *group = load_group (self, g_array_index (ids, gint64, i), error);

      if (group == NULL)
        return NULL;
      g_ptr_array_add (groups, group);
    }

  return g_steal_pointer (&groups);
}

/* Checks that every id names an enabled user, before anything is written. */
static gboolean
check_enabled_users (TdSqliteStore *self,
                     const gint64  *ids,
                     guint          n_ids,
                     GError       **error)
{
  for (guint i = 0; i < n_ids; i++)
    {
      g_autofree char *login = _td_sqlite_store_enabled_login (self, ids[i], error);

      if (login == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_member (TdSqliteStore *self, gint64 group_id, gint64 user_id, GError **error)
{
  const char *op = "add a group member";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GROUP_ADD_MEMBER, op, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  sqlite3_bind_int64 (stmt, 2, user_id);
  return step (self, stmt, op, NULL, error);
}

static TdGroup *
td_sqlite_store_create_group (TdStore      *store,
                              gint64        owner_id,
                              const char   *name,
                              const gint64 *member_ids,
                              guint         n_members,
                              gint64        time_ms,
                              GError      **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "create a group";
  gint64 group_id;

  g_return_val_if_fail (member_ids != NULL || n_members == 0, NULL);

  if (!_td_store_check_name (name, "group name", FALSE, error) ||
      !check_enabled_users (self, &owner_id, 1, error) ||
      !check_enabled_users (self, member_ids, n_members, error))
    return NULL;

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GROUP_INSERT_ADHOC, op, error);

    if (stmt == NULL)
      return NULL;
    _td_bind_text (stmt, 1, name);
    sqlite3_bind_int64 (stmt, 2, owner_id);
    sqlite3_bind_int64 (stmt, 3, time_ms);
    if (!step (self, stmt, op, NULL, error))
      return NULL;
    group_id = _td_sqlite_store_last_rowid (self);
  }

  if (!add_member (self, group_id, owner_id, error))
    return NULL;
  for (guint i = 0; i < n_members; i++)
    {
      if (!add_member (self, group_id, member_ids[i], error))
        return NULL;
    }

  return load_group (self, group_id, error);
}

static TdGroup *
td_sqlite_store_get_group (TdStore *store, gint64 group_id, GError **error)
{
  return load_group (TD_SQLITE_STORE (store), group_id, error);
}

static GPtrArray *
td_sqlite_store_list_user_groups (TdStore *store, gint64 user_id, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "list a user's groups";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GROUP_OF_USER, op, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, user_id);
  return load_groups (self, stmt, op, error);
}

static GPtrArray *
td_sqlite_store_list_groups (TdStore *store, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "list groups";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GROUP_LIST, op, error);

  if (stmt == NULL)
    return NULL;
  return load_groups (self, stmt, op, error);
}

static gboolean
delete_group (TdSqliteStore *self, gint64 group_id, GError **error)
{
  const char *op = "delete a group";

  /* Its messages stay: they are in the members' mailboxes and name the
   * group by id only. */
  return run_with_id (self, SQL_GROUP_DELETE_READS, group_id, op, error) &&
         run_with_id (self, SQL_GROUP_DELETE, group_id, op, error);
}

/* Deletes ad-hoc group @group_id if it has no members left; -1 on error,
 * 1 if deleted, 0 if not. */
static int
delete_if_empty (TdSqliteStore *self, gint64 group_id, GError **error)
{
  gint64 count = query_int (self, SQL_GROUP_COUNT_MEMBERS, group_id, 0,
                            "count group members", error);

  if (count < 0)
    return -1;
  if (count > 0)
    return 0;
  return delete_group (self, group_id, error) ? 1 : -1;
}

static TdGroup *
td_sqlite_store_update_group (TdStore      *store,
                              gint64        group_id,
                              const char   *name,
                              const gint64 *add_ids,
                              guint         n_add,
                              const gint64 *remove_ids,
                              guint         n_remove,
                              GError      **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
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
      g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GROUP_RENAME, op, error);

      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, group_id);
      _td_bind_text (stmt, 2, name);
      if (!step (self, stmt, op, NULL, error))
        return NULL;
    }

  for (guint i = 0; i < n_add; i++)
    {
      if (!add_member (self, group_id, add_ids[i], error))
        return NULL;
    }

  for (guint i = 0; i < n_remove; i++)
    {
      g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GROUP_REMOVE_MEMBER, op, error);

      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, group_id);
      sqlite3_bind_int64 (stmt, 2, remove_ids[i]);
      if (!step (self, stmt, op, NULL, error))
        return NULL;
    }

  deleted = delete_if_empty (self, group_id, error);
  if (deleted != 0)
    return NULL;   /* deleted (no error) or failed (error set) */

  return load_group (self, group_id, error);
}

gboolean
_td_sqlite_store_forget_user_groups (TdSqliteStore *self,
                                     gint64         user_id,
                                     GError       **error)
{
  const char *op = "remove a user from groups";
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gboolean row = FALSE;

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GROUP_ADHOC_OF_USER, op, error);

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, user_id);
    while (TRUE)
      {
        gint64 id;

        if (!step (self, stmt, op, &row, error))
          return FALSE;
        if (!row)
          break;
        id = sqlite3_column_int64 (stmt, 0);
        g_array_append_val (ids, id);
      }
  }

  /* Other people's marks on a conversation with the user go too (their
   * own go with the user row, ON DELETE CASCADE). */
  if (!run_with_id (self, SQL_GROUP_FORGET_MEMBER, user_id, op, error) ||
      !run_with_id (self, SQL_GROUP_FORGET_PEER_READS, user_id, op, error))
    return FALSE;

  for (guint i = 0; i < ids->len; i++)
    {
      if (delete_if_empty (self, g_array_index (ids, gint64, i), error) < 0)
        return FALSE;
    }

  return TRUE;
}

/* ---- group messages ---- */

/* Looks for an earlier message with the same (sender, client id); see
 * the 1:1 find_duplicate in td-sqlite-store.c. */
static gboolean
find_group_duplicate (TdSqliteStore          *self,
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
  const char *op = "look up a message";
  g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GMSG_FIND, op, error);
  gboolean row = FALSE;

  *out_found = FALSE;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, sender_id);
  _td_bind_text (stmt, 2, client_id);
  if (!step (self, stmt, op, &row, error))
    return FALSE;
  if (!row)
    return TRUE;

  /* A 1:1 message (group_id NULL reads as 0) never matches. */
  if (sqlite3_column_int64 (stmt, 1) != group_id ||
      g_strcmp0 ((const char *) sqlite3_column_text (stmt, 2), text) != 0)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_CONFLICT,
                   "Message id “%s” was already used for another message", client_id);
      return FALSE;
    }

  out->sender_copy = td_message_new (sqlite3_column_int64 (stmt, 0),
                                     sqlite3_column_int64 (stmt, 4),
                                     client_id, from, to, text,
                                     sqlite3_column_int64 (stmt, 3));
  out->deliveries = g_ptr_array_new_with_free_func ((GDestroyNotify) td_store_delivery_free);
  out->duplicate = TRUE;
  *out_found = TRUE;
  return TRUE;
}

/* One messages row, then every member's counter is raised and a mailbox
 * row written with two set-based statements, so a department of
 * thousands costs a handful of statements, not thousands.  On failure
 * the caller rolls back (the worker runs each job in a savepoint). */
static gboolean
td_sqlite_store_add_group_message (TdStore                *store,
                                   gint64                  sender_id,
                                   gint64                  group_id,
                                   const char             *client_id,
                                   const char             *text,
                                   gint64                  time_ms,
                                   TdStoreGroupSendResult *out,
                                   GError                **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "store a group message";
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  g_autoptr(TdMessage) message = NULL;
  g_autoptr(GPtrArray) deliveries = NULL;
  gboolean found = FALSE;
  gboolean row = FALSE;
  gint64 is_member, sender_seq = 0, mid;

  g_return_val_if_fail (client_id != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  from = _td_sqlite_store_lookup_login (self, sender_id, error);
  if (from == NULL)
    return FALSE;
  {
    g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GROUP_GET, op, error);

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, group_id);
    if (!step (self, stmt, op, &row, error))
      return FALSE;
    if (!row)
      {
        _td_store_set_unknown_group (error, group_id);
        return FALSE;
      }
  }
  to = td_group_address (group_id);

  /* Before the membership check: a resend after leaving still gets the
   * original back instead of an error. */
  if (!find_group_duplicate (self, sender_id, group_id, client_id, text, from, to,
                             out, &found, error))
    return FALSE;
  if (found)
    return TRUE;

  is_member = query_int (self, SQL_GROUP_IS_MEMBER, group_id, sender_id, op, error);
  if (is_member < 0)
    return FALSE;
  if (is_member == 0)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                   "User %s is not a member of group %" G_GINT64_FORMAT, from, group_id);
      return FALSE;
    }

  if (!run_with_id (self, SQL_GMSG_BUMP_SEQS, group_id, op, error))
    return FALSE;
  sender_seq = query_int (self, SQL_GMSG_SENDER_SEQ, sender_id, 0, op, error);
  if (sender_seq < 0)
    return FALSE;

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GMSG_INSERT, op, error);

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, sender_id);
    sqlite3_bind_int64 (stmt, 2, group_id);
    _td_bind_text (stmt, 3, client_id);
    _td_bind_text (stmt, 4, text);
    sqlite3_bind_int64 (stmt, 5, time_ms);
    sqlite3_bind_int64 (stmt, 6, sender_seq);
    if (!step (self, stmt, op, NULL, error))
      return FALSE;
    mid = _td_sqlite_store_last_rowid (self);
  }

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GMSG_MAILBOX, op, error);

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, group_id);
    sqlite3_bind_int64 (stmt, 2, mid);
    if (!step (self, stmt, op, NULL, error))
      return FALSE;
  }

  message = td_message_new (mid, sender_seq, client_id, from, to, text, time_ms);
  deliveries = g_ptr_array_new_with_free_func ((GDestroyNotify) td_store_delivery_free);
  {
    g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GMSG_SEQS, op, error);

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, group_id);
    while (TRUE)
      {
        TdStoreDelivery *delivery;

        if (!step (self, stmt, op, &row, error))
          return FALSE;
        if (!row)
          break;
        if (sqlite3_column_int64 (stmt, 0) == sender_id)
          continue;
        delivery = g_new0 (TdStoreDelivery, 1);
        delivery->user_id = sqlite3_column_int64 (stmt, 0);
        delivery->login = _td_column_dup (stmt, 1);
        delivery->copy = td_message_with_seq (message, sqlite3_column_int64 (stmt, 2));
        g_ptr_array_add (deliveries, delivery);
      }
  }

  out->sender_copy = g_steal_pointer (&message);
  out->deliveries = g_steal_pointer (&deliveries);
  out->duplicate = FALSE;
  return TRUE;
}

static GPtrArray *
td_sqlite_store_group_history (TdStore  *store,
                               gint64    group_id,
                               gint64    before_mid,
                               guint     limit,
                               gboolean *out_more,
                               GError  **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "read group history";
  g_autoptr(GPtrArray) messages = NULL;
  gboolean more;

  /* Only for the NOT_FOUND of a group that does not exist (any more). */
  {
    g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GROUP_GET, op, error);
    gboolean row = FALSE;

    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, group_id);
    if (!step (self, stmt, op, &row, error))
      return NULL;
    if (!row)
      {
        _td_store_set_unknown_group (error, group_id);
        return NULL;
      }
  }

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, SQL_GMSG_HISTORY, op, error);

    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, group_id);
    sqlite3_bind_int64 (stmt, 2, before_mid > 0 ? before_mid : G_MAXINT64);
    /* One row more than asked tells whether older messages exist. */
    sqlite3_bind_int64 (stmt, 3, (gint64) limit + 1);
    messages = _td_sqlite_store_collect_messages (self, stmt, op, error);
    if (messages == NULL)
      return NULL;
  }

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
td_sqlite_store_set_read (TdStore *store,
                          gint64   user_id,
                          gint64   peer_user_id,
                          gint64   group_id,
                          gint64   mid,
                          GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "store a read mark";
  g_autoptr(TdStmt) stmt = NULL;
  g_autoptr(GError) local_error = NULL;

  if (!_td_store_check_conversation (peer_user_id, group_id, error))
    return FALSE;
  if (mid <= 0)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                   "Invalid message id %" G_GINT64_FORMAT " for a read mark", mid);
      return FALSE;
    }

  stmt = get_stmt (self, SQL_READ_RAISE, op, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, user_id);
  sqlite3_bind_int64 (stmt, 2, peer_user_id);
  sqlite3_bind_int64 (stmt, 3, group_id);
  sqlite3_bind_int64 (stmt, 4, mid);
  if (!step (self, stmt, op, NULL, &local_error))
    {
      /* The foreign key on user_id is the only NOT_FOUND source here. */
      if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
        _td_store_set_unknown_id (error, user_id);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  /* The upsert's WHERE leaves a lower or equal mark untouched: no change. */
  return _td_sqlite_store_changes (self) > 0;
}

static GPtrArray *
td_sqlite_store_get_reads (TdStore *store,
                           gint64   user_id,
                           gint64   peer_user_id,
                           gint64   group_id,
                           GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "read receipts";
  g_autoptr(TdStmt) stmt = NULL;
  g_autoptr(GPtrArray) marks = g_ptr_array_new_with_free_func ((GDestroyNotify) td_read_mark_free);
  gboolean row = FALSE;

  if (!_td_store_check_conversation (peer_user_id, group_id, error))
    return NULL;

  if (group_id > 0)
    {
      stmt = get_stmt (self, SQL_READ_GROUP, op, error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, group_id);
      sqlite3_bind_int64 (stmt, 2, user_id);
    }
  else
    {
      stmt = get_stmt (self, SQL_READ_PEER, op, error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_int64 (stmt, 1, user_id);
      sqlite3_bind_int64 (stmt, 2, peer_user_id);
    }

  while (TRUE)
    {
      if (!step (self, stmt, op, &row, error))
        return NULL;
      if (!row)
        break;
      g_ptr_array_add (marks, td_read_mark_new ((const char *) sqlite3_column_text (stmt, 0),
                                                sqlite3_column_int64 (stmt, 1)));
    }

  return g_steal_pointer (&marks);
}

void
_td_sqlite_store_groups_iface_init (TdStoreInterface *iface)
{
  iface->create_group = td_sqlite_store_create_group;
  iface->get_group = td_sqlite_store_get_group;
  iface->list_user_groups = td_sqlite_store_list_user_groups;
  iface->list_groups = td_sqlite_store_list_groups;
  iface->update_group = td_sqlite_store_update_group;
  iface->add_group_message = td_sqlite_store_add_group_message;
  iface->group_history = td_sqlite_store_group_history;
  iface->set_read = td_sqlite_store_set_read;
  iface->get_reads = td_sqlite_store_get_reads;
}
