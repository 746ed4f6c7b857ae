/* td-local-store.c - the client's SQLite cache (see td-local-store.h).
 *
 * One connection, used from the main thread only: the client writes a
 * row per message, which SQLite does in well under a millisecond, so a
 * worker thread would buy nothing but complexity.  Failures of the cache
 * are logged and otherwise ignored, except for queueing into the
 * outbox, whose failure the caller must know about.
 *
 * Received messages are batched: the first one opens a transaction and
 * an idle callback commits it once the main loop has nothing more urgent
 * to do, so a backlog of thousands costs one fsync per burst instead of
 * one per message.  Other plain writes made meanwhile (unread counts,
 * read marks) join the batch.  The commit runs at a higher priority than
 * the connection's acknowledgement (G_PRIORITY_DEFAULT_IDLE), so the
 * server never hears "ack" for a message that is not on disk yet; code
 * that acknowledges synchronously calls td_local_store_flush() first.
 * Writes that must be durable when they return (the outbox) commit the
 * batch and then run in their own transaction.
 */
#define G_LOG_DOMAIN "td-local-store"

#include <errno.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "td-local-store.h"

/* Before the connection's ack idle (G_PRIORITY_DEFAULT_IDLE), after
 * GTK's relayout and redraw (G_PRIORITY_HIGH_IDLE + 10 / + 20). */
#define COMMIT_PRIORITY (G_PRIORITY_DEFAULT_IDLE - 10)

struct _TdLocalStore
{
  sqlite3 *db;
  char    *path;
  guint    commit_id;   /* idle committing the open batch, 0 if none */
};

static const char schema[] =
  "CREATE TABLE IF NOT EXISTS directory ("
  "  login TEXT PRIMARY KEY, name TEXT NOT NULL, department TEXT NOT NULL,"
  "  title TEXT NOT NULL, position INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS messages ("
  "  peer TEXT NOT NULL, mid INTEGER NOT NULL DEFAULT 0, id TEXT NOT NULL,"
  "  sender TEXT NOT NULL, recipient TEXT NOT NULL, text TEXT NOT NULL,"
  "  time INTEGER NOT NULL, state INTEGER NOT NULL, error TEXT,"
  "  UNIQUE (sender, id));"
  "CREATE INDEX IF NOT EXISTS messages_peer_mid ON messages (peer, mid);"
  "CREATE TABLE IF NOT EXISTS outbox ("
  "  id TEXT PRIMARY KEY, recipient TEXT NOT NULL, text TEXT NOT NULL,"
  "  created INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS unread (peer TEXT PRIMARY KEY, count INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT);"
  "CREATE TABLE IF NOT EXISTS groups ("
  "  address TEXT PRIMARY KEY, kind INTEGER NOT NULL, name TEXT NOT NULL,"
  "  owner TEXT NOT NULL, members TEXT NOT NULL);"
  "CREATE TABLE IF NOT EXISTS read_marks ("
  "  peer TEXT NOT NULL, user TEXT NOT NULL, mid INTEGER NOT NULL, PRIMARY KEY (peer, user));"
  "CREATE TABLE IF NOT EXISTS read_out (peer TEXT PRIMARY KEY, mid INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS reminders ("
  "  rid INTEGER PRIMARY KEY, kind INTEGER NOT NULL, source TEXT NOT NULL, title TEXT NOT NULL,"
  "  body TEXT NOT NULL, link TEXT NOT NULL, category TEXT NOT NULL, priority INTEGER NOT NULL,"
  "  time INTEGER NOT NULL, state INTEGER NOT NULL, until INTEGER NOT NULL, read INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS reminders_alerted (rid INTEGER PRIMARY KEY, until INTEGER NOT NULL);"
  "CREATE TABLE IF NOT EXISTS reminder_out ("
  "  rid INTEGER PRIMARY KEY, action INTEGER NOT NULL, until INTEGER NOT NULL,"
  "  queued INTEGER NOT NULL);";

static gboolean
exec (TdLocalStore *self, const char *sql, GError **error)
{
  char *message = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", self->path,
                   message ? message : sqlite3_errmsg (self->db));
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

static sqlite3_stmt *
prepare (TdLocalStore *self, const char *sql)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      g_warning ("%s: cannot prepare statement: %s", self->path, sqlite3_errmsg (self->db));
      return NULL;
    }
  return stmt;
}

/* Runs a statement that returns no rows; logs a failure. */
static gboolean
step_done (TdLocalStore *self, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", self->path,
                   sqlite3_errmsg (self->db));
      return FALSE;
    }
  return TRUE;
}

static void
step_logged (TdLocalStore *self, sqlite3_stmt *stmt)
{
  g_autoptr(GError) error = NULL;

  if (stmt != NULL && !step_done (self, stmt, &error))
    g_warning ("%s", error->message);
}

static const char *
column_text (sqlite3_stmt *stmt, int column)
{
  const char *text = (const char *) sqlite3_column_text (stmt, column);

  return text ? text : "";
}

static gboolean
commit_cb (gpointer user_data)
{
  TdLocalStore *self = user_data;

  self->commit_id = 0;
  td_local_store_flush (self);
  return G_SOURCE_REMOVE;
}

/* Opens the batch transaction unless one is open; the idle commits it. */
static void
begin_batch (TdLocalStore *self)
{
  g_autoptr(GError) error = NULL;

  if (!sqlite3_get_autocommit (self->db))
    return;
  if (!exec (self, "BEGIN IMMEDIATE", &error))
    {
      /* The write goes ahead in autocommit: slower, not lost. */
      g_warning ("%s", error->message);
      return;
    }
  if (self->commit_id == 0)
    self->commit_id = g_idle_add_full (COMMIT_PRIORITY, commit_cb, self, NULL);
}

void
td_local_store_flush (TdLocalStore *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (self != NULL);

  g_clear_handle_id (&self->commit_id, g_source_remove);
  if (self->db == NULL || sqlite3_get_autocommit (self->db))
    return;
  if (!exec (self, "COMMIT", &error))
    {
      g_warning ("%s", error->message);
      /* A failed COMMIT may leave the transaction open; later writes
       * must not pile up in it forever. */
      if (!sqlite3_get_autocommit (self->db))
        exec (self, "ROLLBACK", NULL);
    }
}

gboolean
td_local_store_has_pending (TdLocalStore *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->db != NULL && !sqlite3_get_autocommit (self->db);
}

TdLocalStore *
td_local_store_open (const char *path, GError **error)
{
  g_autoptr(TdLocalStore) self = g_new0 (TdLocalStore, 1);
  g_autofree char *dir = g_path_get_dirname (path);

  self->path = g_strdup (path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create %s: %s", dir, g_strerror (saved_errno));
      return NULL;
    }
  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot open %s: %s", path,
                   self->db ? sqlite3_errmsg (self->db) : "out of memory");
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 5000);
  /* FULL: a message in the outbox is the user's only copy. */
  if (!exec (self, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", error) ||
      !exec (self, schema, error))
    return NULL;
  /* Caches made before roles existed: add the column (fails harmlessly
   * when it is there already). */
  exec (self, "ALTER TABLE directory ADD COLUMN role INTEGER NOT NULL DEFAULT 0", NULL);
  return g_steal_pointer (&self);
}

void
td_local_store_free (TdLocalStore *self)
{
  if (self == NULL)
    return;
  td_local_store_flush (self);
  if (self->db != NULL)
    sqlite3_close (self->db);
  g_free (self->path);
  g_free (self);
}

/* ---- directory ---- */

gboolean
td_local_store_save_directory (TdLocalStore *self, GPtrArray *users, GError **error)
{
  td_local_store_flush (self);
  if (!exec (self, "BEGIN IMMEDIATE; DELETE FROM directory;", error))
    return FALSE;
  for (guint i = 0; i < users->len; i++)
    {
      TdUser *user = users->pdata[i];
      sqlite3_stmt *stmt = prepare (self, "INSERT OR REPLACE INTO directory "
                                          "(login, name, department, title, position, role) "
                                          "VALUES (?, ?, ?, ?, ?, ?)");

      if (stmt == NULL)
        break;
      sqlite3_bind_text (stmt, 1, td_user_get_login (user), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 2, td_user_get_name (user), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, td_user_get_department (user), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, td_user_get_title (user), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 5, i);
      sqlite3_bind_int (stmt, 6, td_user_get_role (user));
      if (!step_done (self, stmt, error))
        {
          exec (self, "ROLLBACK", NULL);
          return FALSE;
        }
    }
  return exec (self, "COMMIT", error);
}

GPtrArray *
td_local_store_load_directory (TdLocalStore *self)
{
  GPtrArray *users = g_ptr_array_new_with_free_func ((GDestroyNotify) td_user_unref);
  sqlite3_stmt *stmt = prepare (self, "SELECT login, name, department, title, role FROM directory "
                                      "ORDER BY position");

  while (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    {
      int role = sqlite3_column_int (stmt, 4);

      if (role < TD_ROLE_USER || role > TD_ROLE_BOT)
        role = TD_ROLE_USER;
      g_ptr_array_add (users, td_user_new_full (column_text (stmt, 0), column_text (stmt, 1),
                                                column_text (stmt, 2), column_text (stmt, 3),
                                                TD_PRESENCE_OFFLINE, role));
    }
  sqlite3_finalize (stmt);
  return users;
}

/* ---- outbox ---- */

gboolean
td_local_store_queue (TdLocalStore *self, TdChatMessage *message, GError **error)
{
  const char *to = td_chat_message_get_to (message);
  sqlite3_stmt *stmt;

  /* The outbox row must be on disk when this returns: no batching. */
  td_local_store_flush (self);
  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;
  stmt = prepare (self, "INSERT INTO outbox (id, recipient, text, created) VALUES (?, ?, ?, ?)");
  sqlite3_bind_text (stmt, 1, td_chat_message_get_id (message), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, to, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, td_chat_message_get_text (message), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, td_chat_message_get_time (message));
  if (!step_done (self, stmt, error))
    {
      exec (self, "ROLLBACK", NULL);
      return FALSE;
    }
  stmt = prepare (self, "INSERT INTO messages (peer, mid, id, sender, recipient, text, time, state) "
                        "VALUES (?, 0, ?, ?, ?, ?, ?, ?)");
  sqlite3_bind_text (stmt, 1, to, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, td_chat_message_get_id (message), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, td_chat_message_get_from (message), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, to, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, td_chat_message_get_text (message), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 6, td_chat_message_get_time (message));
  sqlite3_bind_int (stmt, 7, TD_CHAT_MESSAGE_SENDING);
  if (!step_done (self, stmt, error))
    {
      exec (self, "ROLLBACK", NULL);
      return FALSE;
    }
  return exec (self, "COMMIT", error);
}

GPtrArray *
td_local_store_load_outbox (TdLocalStore *self)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *stmt = prepare (self, "SELECT o.id, m.sender, o.recipient, o.text, o.created "
                                      "FROM outbox o LEFT JOIN messages m ON m.id = o.id AND m.state = ? "
                                      "ORDER BY o.created, o.rowid");

  if (stmt == NULL)
    return messages;
  sqlite3_bind_int (stmt, 1, TD_CHAT_MESSAGE_SENDING);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (messages, td_chat_message_new_outgoing (column_text (stmt, 0),
                                                             column_text (stmt, 1),
                                                             column_text (stmt, 2),
                                                             column_text (stmt, 3),
                                                             sqlite3_column_int64 (stmt, 4)));
  sqlite3_finalize (stmt);
  return messages;
}

static void
delete_from_outbox (TdLocalStore *self, const char *id)
{
  sqlite3_stmt *stmt = prepare (self, "DELETE FROM outbox WHERE id = ?");

  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  step_logged (self, stmt);
}

void
td_local_store_mark_sent (TdLocalStore *self, const char *from, const char *id,
                          gint64 mid, gint64 time_ms)
{
  sqlite3_stmt *stmt = prepare (self, "UPDATE messages SET mid = ?, time = ?, state = ?, error = NULL "
                                      "WHERE sender = ? AND id = ?");

  if (stmt != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, mid);
      sqlite3_bind_int64 (stmt, 2, time_ms);
      sqlite3_bind_int (stmt, 3, TD_CHAT_MESSAGE_SENT);
      sqlite3_bind_text (stmt, 4, from, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 5, id, -1, SQLITE_TRANSIENT);
      step_logged (self, stmt);
    }
  delete_from_outbox (self, id);
}

void
td_local_store_mark_failed (TdLocalStore *self, const char *from, const char *id,
                            const char *error)
{
  sqlite3_stmt *stmt = prepare (self, "UPDATE messages SET state = ?, error = ? "
                                      "WHERE sender = ? AND id = ?");

  if (stmt != NULL)
    {
      sqlite3_bind_int (stmt, 1, TD_CHAT_MESSAGE_FAILED);
      sqlite3_bind_text (stmt, 2, error, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, from, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, id, -1, SQLITE_TRANSIENT);
      step_logged (self, stmt);
    }
  delete_from_outbox (self, id);
}

/* ---- messages ---- */

gboolean
td_local_store_add_message (TdLocalStore *self, TdMessage *message, const char *self_login)
{
  const char *from = td_message_get_from (message);
  const char *to = td_message_get_to (message);
  gboolean own = g_strcmp0 (from, self_login) == 0;
  gint64 group_id = 0;
  /* A group message belongs to the group's conversation. */
  const char *peer = own || td_parse_group_address (to, &group_id) ? to : from;
  sqlite3_stmt *stmt = prepare (self, "INSERT OR IGNORE INTO messages "
                                      "(peer, mid, id, sender, recipient, text, time, state) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");

  if (stmt == NULL)
    return FALSE;
  begin_batch (self);
  sqlite3_bind_text (stmt, 1, peer, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, td_message_get_mid (message));
  sqlite3_bind_text (stmt, 3, td_message_get_id (message), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, from, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, to, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, td_message_get_text (message), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 7, td_message_get_time (message));
  sqlite3_bind_int (stmt, 8, own ? TD_CHAT_MESSAGE_SENT : TD_CHAT_MESSAGE_RECEIVED);
  step_logged (self, stmt);
  return sqlite3_changes (self->db) > 0;
}

static TdChatMessage *
message_from_row (sqlite3_stmt *stmt, const char *self_login)
{
  g_autoptr(TdMessage) message = NULL;
  TdChatMessage *chat;
  TdChatMessageState state = sqlite3_column_int (stmt, 6);

  if (state == TD_CHAT_MESSAGE_SENDING || state == TD_CHAT_MESSAGE_FAILED)
    {
      chat = td_chat_message_new_outgoing (column_text (stmt, 1), column_text (stmt, 2),
                                           column_text (stmt, 3), column_text (stmt, 4),
                                           sqlite3_column_int64 (stmt, 5));
      if (state == TD_CHAT_MESSAGE_FAILED)
        td_chat_message_set_failed (chat, column_text (stmt, 7));
      return chat;
    }
  message = td_message_new (sqlite3_column_int64 (stmt, 0), 0, column_text (stmt, 1),
                            column_text (stmt, 2), column_text (stmt, 3), column_text (stmt, 4),
                            sqlite3_column_int64 (stmt, 5));
  return td_chat_message_new_from_proto (message, self_login);
}

static void
collect_messages (TdLocalStore *self, GPtrArray *messages, const char *sql, const char *peer,
                  gint64 before_mid, guint limit, const char *self_login)
{
  sqlite3_stmt *stmt = prepare (self, sql);

  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, peer, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, limit);
  if (before_mid > 0)
    sqlite3_bind_int64 (stmt, 3, before_mid);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (messages, message_from_row (stmt, self_login));
  sqlite3_finalize (stmt);
}

GPtrArray *
td_local_store_load_messages (TdLocalStore *self, const char *peer, const char *self_login,
                              gint64 before_mid, guint limit)
{
  GPtrArray *messages = g_ptr_array_new_with_free_func (g_object_unref);

  /* Newest first, each query walking the (peer, mid) index backwards and
   * stopping at the limit: one "ORDER BY mid = 0 DESC, mid DESC" over the
   * lot made SQLite sort the whole conversation (100,000 rows, ~0.2 s)
   * to open a chat window. */
  if (before_mid > 0)
    collect_messages (self, messages,
                      "SELECT mid, id, sender, recipient, text, time, state, error FROM messages "
                      "WHERE peer = ?1 AND mid > 0 AND mid < ?3 ORDER BY mid DESC LIMIT ?2",
                      peer, before_mid, limit, self_login);
  else
    {
      /* Unsent messages (mid 0) are the newest. */
      collect_messages (self, messages,
                        "SELECT mid, id, sender, recipient, text, time, state, error FROM messages "
                        "WHERE peer = ?1 AND mid = 0 ORDER BY rowid DESC LIMIT ?2",
                        peer, 0, limit, self_login);
      if (messages->len < limit)
        collect_messages (self, messages,
                          "SELECT mid, id, sender, recipient, text, time, state, error FROM messages "
                          "WHERE peer = ?1 AND mid != 0 ORDER BY mid DESC, rowid DESC LIMIT ?2",
                          peer, 0, limit - messages->len, self_login);
    }
  /* Selected newest first; the model is oldest first. */
  for (guint i = 0; i < messages->len / 2; i++)
    {
      gpointer tmp = messages->pdata[i];

      messages->pdata[i] = messages->pdata[messages->len - 1 - i];
      messages->pdata[messages->len - 1 - i] = tmp;
    }
  return messages;
}

void
td_local_store_foreach_latest (TdLocalStore *self,
                               void (*func) (const char *peer, gint64 time_ms,
                                             const char *text, gpointer user_data),
                               gpointer user_data)
{
  /* SQLite takes the bare columns from the row holding the MAX(). */
  sqlite3_stmt *stmt = prepare (self, "SELECT peer, MAX(time), text FROM messages GROUP BY peer");

  while (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    func (column_text (stmt, 0), sqlite3_column_int64 (stmt, 1), column_text (stmt, 2), user_data);
  sqlite3_finalize (stmt);
}

/* ---- unread, settings ---- */

void
td_local_store_set_unread (TdLocalStore *self, const char *peer, guint count)
{
  sqlite3_stmt *stmt = prepare (self, "INSERT OR REPLACE INTO unread (peer, count) VALUES (?, ?)");

  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, peer, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, count);
  step_logged (self, stmt);
}

guint
td_local_store_get_unread (TdLocalStore *self, const char *peer)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT count FROM unread WHERE peer = ?");
  guint count = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, peer, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return count;
}

GHashTable *
td_local_store_load_unread (TdLocalStore *self)
{
  GHashTable *counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3_stmt *stmt = prepare (self, "SELECT peer, count FROM unread WHERE count > 0");

  if (stmt == NULL)
    return counts;
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_insert (counts, g_strdup (column_text (stmt, 0)),
                         GUINT_TO_POINTER ((guint) sqlite3_column_int64 (stmt, 1)));
  sqlite3_finalize (stmt);
  return counts;
}

char *
td_local_store_get (TdLocalStore *self, const char *key)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT value FROM kv WHERE key = ?");
  char *value = NULL;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_type (stmt, 0) != SQLITE_NULL)
    value = g_strdup (column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}

void
td_local_store_set (TdLocalStore *self, const char *key, const char *value)
{
  sqlite3_stmt *stmt = prepare (self, "INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)");

  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
  step_logged (self, stmt);
}

/* ---- groups ---- */

static void
insert_group (TdLocalStore *self, TdGroup *group)
{
  sqlite3_stmt *stmt = prepare (self, "INSERT OR REPLACE INTO groups (address, kind, name, owner, members) "
                                      "VALUES (?, ?, ?, ?, ?)");
  g_autofree char *members = NULL;

  if (stmt == NULL)
    return;
  /* Logins cannot contain a newline. */
  members = g_strjoinv ("\n", (char **) td_group_get_members (group));
  sqlite3_bind_text (stmt, 1, td_group_get_address (group), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, td_group_get_kind (group));
  sqlite3_bind_text (stmt, 3, td_group_get_name (group), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, td_group_get_owner (group), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, members, -1, SQLITE_TRANSIENT);
  step_logged (self, stmt);
}

void
td_local_store_save_groups (TdLocalStore *self, GPtrArray *groups)
{
  g_autoptr(GError) error = NULL;

  td_local_store_flush (self);
  if (!exec (self, "BEGIN IMMEDIATE; DELETE FROM groups;", &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  for (guint i = 0; i < groups->len; i++)
    insert_group (self, groups->pdata[i]);
  if (!exec (self, "COMMIT", &error))
    g_warning ("%s", error->message);
}

void
td_local_store_save_group (TdLocalStore *self, TdGroup *group)
{
  insert_group (self, group);
}

void
td_local_store_delete_group (TdLocalStore *self, const char *address)
{
  sqlite3_stmt *stmt = prepare (self, "DELETE FROM groups WHERE address = ?");

  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, address, -1, SQLITE_TRANSIENT);
  step_logged (self, stmt);
}

GPtrArray *
td_local_store_load_groups (TdLocalStore *self)
{
  GPtrArray *groups = g_ptr_array_new_with_free_func ((GDestroyNotify) td_group_unref);
  sqlite3_stmt *stmt = prepare (self, "SELECT address, kind, name, owner, members FROM groups "
                                      "ORDER BY address");

  while (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *members_text = column_text (stmt, 4);
      g_auto(GStrv) members = *members_text != '\0' ? g_strsplit (members_text, "\n", -1)
                                                     : g_new0 (char *, 1);
      gint64 id = 0;
      int kind = sqlite3_column_int (stmt, 1);

      if (!td_parse_group_address (column_text (stmt, 0), &id))
        continue;
      g_ptr_array_add (groups, td_group_new (id, kind == TD_GROUP_ADHOC ? TD_GROUP_ADHOC : TD_GROUP_DEPARTMENT,
                                             column_text (stmt, 2), column_text (stmt, 3),
                                             (const char * const *) members));
    }
  sqlite3_finalize (stmt);
  return groups;
}

/* ---- read marks ---- */

gint64
td_local_store_get_max_mid (TdLocalStore *self, const char *peer)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT MAX(mid) FROM messages WHERE peer = ? AND mid > 0");
  gint64 mid = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, peer, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    mid = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return mid;
}

guint
td_local_store_count_after (TdLocalStore *self, const char *peer, const char *self_login, gint64 mid)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT COUNT(*) FROM messages "
                                      "WHERE peer = ? AND sender != ? AND mid > ?");
  guint count = 0;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, peer, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, self_login, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, mid);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = (guint) sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return count;
}

void
td_local_store_set_read_mark (TdLocalStore *self, const char *peer, const char *user, gint64 mid)
{
  sqlite3_stmt *stmt = prepare (self, "INSERT INTO read_marks (peer, user, mid) VALUES (?, ?, ?) "
                                      "ON CONFLICT (peer, user) DO UPDATE SET mid = MAX(mid, excluded.mid)");

  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, peer, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, user, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 3, mid);
  step_logged (self, stmt);
}

static GPtrArray *
load_marks (TdLocalStore *self, const char *sql, const char *peer)
{
  GPtrArray *marks = g_ptr_array_new_with_free_func ((GDestroyNotify) td_read_mark_free);
  sqlite3_stmt *stmt = prepare (self, sql);

  if (stmt == NULL)
    return marks;
  if (peer != NULL)
    sqlite3_bind_text (stmt, 1, peer, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (marks, td_read_mark_new (column_text (stmt, 0), sqlite3_column_int64 (stmt, 1)));
  sqlite3_finalize (stmt);
  return marks;
}

GPtrArray *
td_local_store_load_read_marks (TdLocalStore *self, const char *peer)
{
  return load_marks (self, "SELECT user, mid FROM read_marks WHERE peer = ?", peer);
}

void
td_local_store_queue_read (TdLocalStore *self, const char *peer, gint64 mid)
{
  sqlite3_stmt *stmt = prepare (self, "INSERT INTO read_out (peer, mid) VALUES (?, ?) "
                                      "ON CONFLICT (peer) DO UPDATE SET mid = MAX(mid, excluded.mid)");

  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, peer, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, mid);
  step_logged (self, stmt);
}

GPtrArray *
td_local_store_load_read_queue (TdLocalStore *self)
{
  return load_marks (self, "SELECT peer, mid FROM read_out ORDER BY peer", NULL);
}

void
td_local_store_clear_read (TdLocalStore *self, const char *peer, gint64 mid)
{
  /* Only if nothing higher was queued meanwhile. */
  sqlite3_stmt *stmt = prepare (self, "DELETE FROM read_out WHERE peer = ? AND mid <= ?");

  if (stmt == NULL)
    return;
  sqlite3_bind_text (stmt, 1, peer, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, mid);
  step_logged (self, stmt);
}

/* ---- reminders ---- */

static void
insert_reminder (TdLocalStore *self, TdReminder *r)
{
  sqlite3_stmt *stmt = prepare (self, "INSERT OR REPLACE INTO reminders (rid, kind, source, title, body, "
                                      "link, category, priority, time, state, until, read) "
                                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");

  if (stmt == NULL)
    return;
  sqlite3_bind_int64 (stmt, 1, td_reminder_get_rid (r));
  sqlite3_bind_int (stmt, 2, td_reminder_get_kind (r));
  sqlite3_bind_text (stmt, 3, td_reminder_get_source (r), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, td_reminder_get_title (r), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, td_reminder_get_body (r), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, td_reminder_get_link (r), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 7, td_reminder_get_category (r), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 8, td_reminder_get_priority (r));
  sqlite3_bind_int64 (stmt, 9, td_reminder_get_time (r));
  sqlite3_bind_int (stmt, 10, td_reminder_get_state (r));
  sqlite3_bind_int64 (stmt, 11, td_reminder_get_until (r));
  sqlite3_bind_int (stmt, 12, td_reminder_get_read (r));
  step_logged (self, stmt);
}

void
td_local_store_save_reminders (TdLocalStore *self, GPtrArray *reminders)
{
  g_autoptr(GError) error = NULL;

  td_local_store_flush (self);
  if (!exec (self, "BEGIN IMMEDIATE; DELETE FROM reminders;", &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  for (guint i = 0; i < reminders->len; i++)
    insert_reminder (self, reminders->pdata[i]);
  if (!exec (self, "COMMIT", &error))
    g_warning ("%s", error->message);
}

void
td_local_store_save_reminder (TdLocalStore *self, TdReminder *reminder)
{
  insert_reminder (self, reminder);
}

GPtrArray *
td_local_store_load_reminders (TdLocalStore *self)
{
  GPtrArray *reminders = g_ptr_array_new_with_free_func ((GDestroyNotify) td_reminder_unref);
  sqlite3_stmt *stmt = prepare (self, "SELECT rid, kind, source, title, body, link, category, priority, "
                                      "time, state, until, read FROM reminders "
                                      "ORDER BY time DESC, rid DESC");

  while (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    {
      int kind = sqlite3_column_int (stmt, 1);
      int priority = sqlite3_column_int (stmt, 7);
      int state = sqlite3_column_int (stmt, 9);

      g_ptr_array_add (reminders,
                       td_reminder_new (sqlite3_column_int64 (stmt, 0),
                                        kind == TD_REMINDER_KIND_ANNOUNCEMENT ? TD_REMINDER_KIND_ANNOUNCEMENT
                                                                              : TD_REMINDER_KIND_REMINDER,
                                        column_text (stmt, 2), column_text (stmt, 3),
                                        column_text (stmt, 4), column_text (stmt, 5),
                                        column_text (stmt, 6),
                                        priority == TD_PRIORITY_URGENT ? TD_PRIORITY_URGENT : TD_PRIORITY_NORMAL,
                                        sqlite3_column_int64 (stmt, 8),
                                        state >= TD_REMINDER_OPEN && state <= TD_REMINDER_SNOOZED
                                          ? state : TD_REMINDER_OPEN,
                                        sqlite3_column_int64 (stmt, 10),
                                        sqlite3_column_int (stmt, 11) != 0));
    }
  sqlite3_finalize (stmt);
  return reminders;
}

gboolean
td_local_store_get_alerted (TdLocalStore *self, gint64 rid, gint64 *out_until)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT until FROM reminders_alerted WHERE rid = ?");
  gboolean found = FALSE;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rid);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      found = TRUE;
      if (out_until != NULL)
        *out_until = sqlite3_column_int64 (stmt, 0);
    }
  sqlite3_finalize (stmt);
  return found;
}

void
td_local_store_set_alerted (TdLocalStore *self, gint64 rid, gint64 until_ms)
{
  sqlite3_stmt *stmt = prepare (self, "INSERT OR REPLACE INTO reminders_alerted (rid, until) VALUES (?, ?)");

  if (stmt == NULL)
    return;
  sqlite3_bind_int64 (stmt, 1, rid);
  sqlite3_bind_int64 (stmt, 2, until_ms);
  step_logged (self, stmt);
}

void
td_local_store_queue_reminder_update (TdLocalStore *self, gint64 rid, TdReminderAction action,
                                      gint64 until_ms)
{
  sqlite3_stmt *stmt = prepare (self, "INSERT OR REPLACE INTO reminder_out (rid, action, until, queued) "
                                      "VALUES (?, ?, ?, ?)");

  if (stmt == NULL)
    return;
  sqlite3_bind_int64 (stmt, 1, rid);
  sqlite3_bind_int (stmt, 2, action);
  sqlite3_bind_int64 (stmt, 3, until_ms);
  sqlite3_bind_int64 (stmt, 4, g_get_real_time ());
  step_logged (self, stmt);
}

void
td_local_store_foreach_reminder_update (TdLocalStore *self,
                                        void (*func) (gint64 rid, TdReminderAction action,
                                                      gint64 until_ms, gpointer user_data),
                                        gpointer user_data)
{
  sqlite3_stmt *stmt = prepare (self, "SELECT rid, action, until FROM reminder_out ORDER BY queued");
  g_autoptr(GArray) rows = g_array_new (FALSE, FALSE, sizeof (gint64) * 3);

  /* Collected first: @func may change the table. */
  while (stmt != NULL && sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 row[3] = { sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1),
                        sqlite3_column_int64 (stmt, 2) };

      g_array_append_vals (rows, row, 1);
    }
  sqlite3_finalize (stmt);
  for (guint i = 0; i < rows->len; i++)
    {
      gint64 *row = &g_array_index (rows, gint64, i * 3);

      if (row[1] >= TD_REMINDER_ACTION_READ && row[1] <= TD_REMINDER_ACTION_REOPEN)
        func (row[0], (TdReminderAction) row[1], row[2], user_data);
    }
}

void
td_local_store_clear_reminder_update (TdLocalStore *self, gint64 rid)
{
  sqlite3_stmt *stmt = prepare (self, "DELETE FROM reminder_out WHERE rid = ?");

  if (stmt == NULL)
    return;
  sqlite3_bind_int64 (stmt, 1, rid);
  step_logged (self, stmt);
}
