/* td-sqlite-store.c - TdStore on an embedded SQLite database.
 *
 * Durability: WAL with synchronous=FULL, so a COMMIT that returned has
 * been fsync'ed; the store worker groups many jobs into one COMMIT to keep
 * that affordable.  Statements are prepared once (lazily) and kept for the
 * life of the connection.
 *
 * Schema notes (version 1):
 *  - users.last_seq is the user's mailbox counter; add_message raises it in
 *    the same transaction that writes the mailbox row, so seqs are gap-free
 *    and never reused.
 *  - messages also records sender_seq / recipient_seq, so that a resend
 *    (duplicate client id) finds the original seqs through the
 *    UNIQUE (sender_id, client_id) index instead of scanning a mailbox.
 *  - messages and mailbox carry no foreign keys on purpose: a foreign key
 *    would make every user deletion scan messages (no index on
 *    recipient_id).  delete_user refuses users who have messages instead.
 *  - Departments are created on demand and never removed automatically.
 *
 * Version 2 (groups, read marks, reminders, API keys, webhooks):
 *  - users is rebuilt (SQLite cannot alter a CHECK) so that role may be
 *    'bot'; ids and data are copied, and the migration runs with foreign
 *    keys off so that dropping the old table cascades nothing.
 *  - A department group per department; its members are the department's
 *    enabled users, computed by the group_membership view, never copied.
 *    Ad-hoc groups list their members in group_members.
 *  - A group message is one messages row with group_id set, recipient_id 0,
 *    conv_lo 0 and conv_hi = group_id (history stays on the conversation
 *    index and never meets a 1:1 pair, whose conv_lo is a user id >= 1),
 *    and one mailbox row per member.
 *  - Reminders live outside the mailbox: reminders + reminder_recipients.
 *  - webhook_deliveries is the persistent queue of outgoing webhook POSTs.
 */
#define G_LOG_DOMAIN "td-store"

#include "td-sqlite-store-private.h"
#include "td-store-sql.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <glib/gstdio.h>

#define DB_FILE_NAME     "tidings.db"
#define BUSY_TIMEOUT_MS  5000

/* Each step runs in its own transaction together with the user_version
 * bump.  Append new steps; never edit a released one. */
static const char * const migrations[] = {
  /* 1: initial schema */
  "CREATE TABLE departments ("
  "  id   INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE"
  ");"
  "CREATE TABLE users ("
  "  id            INTEGER PRIMARY KEY,"
  "  login         TEXT NOT NULL UNIQUE,"
  "  name          TEXT NOT NULL,"
  "  department_id INTEGER REFERENCES departments,"
  "  title         TEXT NOT NULL DEFAULT '',"
  "  password_hash TEXT,"
  "  role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),"
  "  disabled      INTEGER NOT NULL DEFAULT 0,"
  "  last_seq      INTEGER NOT NULL DEFAULT 0,"
  "  created       INTEGER NOT NULL"
  ");"
  "CREATE TABLE tokens ("
  "  hash    BLOB PRIMARY KEY,"
  "  user_id INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,"
  "  device  TEXT NOT NULL,"
  "  created INTEGER NOT NULL,"
  "  expires INTEGER NOT NULL"
  ");"
  "CREATE INDEX tokens_user ON tokens (user_id);"
  "CREATE TABLE messages ("
  "  mid           INTEGER PRIMARY KEY,"
  "  sender_id     INTEGER NOT NULL,"
  "  recipient_id  INTEGER NOT NULL,"
  "  client_id     TEXT NOT NULL,"
  "  text          TEXT NOT NULL,"
  "  time          INTEGER NOT NULL,"
  "  conv_lo       INTEGER NOT NULL,"
  "  conv_hi       INTEGER NOT NULL,"
  "  sender_seq    INTEGER NOT NULL,"
  "  recipient_seq INTEGER NOT NULL,"
  "  UNIQUE (sender_id, client_id)"
  ");"
  "CREATE INDEX messages_conversation ON messages (conv_lo, conv_hi, mid);"
  "CREATE TABLE mailbox ("
  "  user_id INTEGER NOT NULL,"
  "  seq     INTEGER NOT NULL,"
  "  mid     INTEGER NOT NULL,"
  "  PRIMARY KEY (user_id, seq)"
  ") WITHOUT ROWID;"
  "CREATE TABLE cursors ("
  "  user_id INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,"
  "  device  TEXT NOT NULL,"
  "  acked   INTEGER NOT NULL,"
  "  PRIMARY KEY (user_id, device)"
  ") WITHOUT ROWID;",
  /* 2: groups, read marks, reminders, API keys, webhooks; role 'bot' */
  "CREATE TABLE users_new ("
  "  id            INTEGER PRIMARY KEY,"
  "  login         TEXT NOT NULL UNIQUE,"
  "  name          TEXT NOT NULL,"
  "  department_id INTEGER REFERENCES departments,"
  "  title         TEXT NOT NULL DEFAULT '',"
  "  password_hash TEXT,"
  "  role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin', 'bot')),"
  "  disabled      INTEGER NOT NULL DEFAULT 0,"
  "  last_seq      INTEGER NOT NULL DEFAULT 0,"
  "  created       INTEGER NOT NULL"
  ");"
  "INSERT INTO users_new (id, login, name, department_id, title, password_hash, role,"
  "                       disabled, last_seq, created)"
  "  SELECT id, login, name, department_id, title, password_hash, role,"
  "         disabled, last_seq, created FROM users;"
  "DROP TABLE users;"
  "ALTER TABLE users_new RENAME TO users;"
  "CREATE INDEX users_department ON users (department_id);"
  "CREATE TABLE groups ("
  "  id            INTEGER PRIMARY KEY,"
  "  kind          TEXT NOT NULL CHECK (kind IN ('department', 'group')),"
  "  name          TEXT NOT NULL,"
  "  department_id INTEGER UNIQUE REFERENCES departments,"
  "  owner_id      INTEGER REFERENCES users ON DELETE SET NULL,"
  "  created       INTEGER NOT NULL,"
  "  CHECK ((kind = 'department') = (department_id IS NOT NULL))"
  ");"
  "CREATE INDEX groups_owner ON groups (owner_id);"
  "INSERT INTO groups (kind, name, department_id, created)"
  "  SELECT 'department', name, id,"
  "         CAST ((julianday ('now') - 2440587.5) * 86400000 AS INTEGER)"
  "    FROM departments ORDER BY id;"
  "CREATE TABLE group_members ("
  "  group_id INTEGER NOT NULL REFERENCES groups ON DELETE CASCADE,"
  "  user_id  INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,"
  "  PRIMARY KEY (group_id, user_id)"
  ") WITHOUT ROWID;"
  "CREATE INDEX group_members_user ON group_members (user_id);"
  "CREATE VIEW group_membership (group_id, user_id) AS"
  "  SELECT g.id, u.id FROM groups g"
  "    JOIN users u ON u.department_id = g.department_id AND u.disabled = 0"
  "   WHERE g.kind = 'department'"
  "  UNION ALL"
  "  SELECT group_id, user_id FROM group_members;"
  "ALTER TABLE messages ADD COLUMN group_id INTEGER;"
  "CREATE TABLE reads ("
  "  user_id  INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,"
  "  peer_id  INTEGER NOT NULL,"
  "  group_id INTEGER NOT NULL,"
  "  mid      INTEGER NOT NULL,"
  "  PRIMARY KEY (user_id, peer_id, group_id)"
  ") WITHOUT ROWID;"
  "CREATE INDEX reads_group ON reads (group_id) WHERE group_id != 0;"
  "CREATE TABLE reminders ("
  "  rid             INTEGER PRIMARY KEY,"
  "  kind            TEXT NOT NULL CHECK (kind IN ('reminder', 'announcement')),"
  "  source          TEXT NOT NULL,"
  "  title           TEXT NOT NULL,"
  "  body            TEXT NOT NULL DEFAULT '',"
  "  link            TEXT NOT NULL DEFAULT '',"
  "  category        TEXT NOT NULL DEFAULT '',"
  "  priority        TEXT NOT NULL CHECK (priority IN ('normal', 'urgent')),"
  "  time            INTEGER NOT NULL,"
  "  api_key_id      INTEGER NOT NULL DEFAULT 0,"
  "  sender_id       INTEGER NOT NULL DEFAULT 0,"
  "  idempotency_key TEXT"
  ");"
  "CREATE UNIQUE INDEX reminders_idempotency ON reminders (api_key_id, sender_id, idempotency_key)"
  "  WHERE idempotency_key IS NOT NULL;"
  "CREATE TABLE reminder_recipients ("
  "  rid     INTEGER NOT NULL REFERENCES reminders ON DELETE CASCADE,"
  "  user_id INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,"
  "  state   TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'snoozed')),"
  "  until   INTEGER NOT NULL DEFAULT 0,"
  "  read    INTEGER NOT NULL DEFAULT 0,"
  "  updated INTEGER NOT NULL,"
  "  PRIMARY KEY (rid, user_id)"
  ") WITHOUT ROWID;"
  /* Covers user_reminders: one user's rows newest first, filtered on
   * state and updated without touching the table. */
  "CREATE INDEX reminder_recipients_user ON reminder_recipients (user_id, rid, state, updated);"
  "CREATE TABLE api_keys ("
  "  id        INTEGER PRIMARY KEY,"
  "  name      TEXT NOT NULL,"
  "  hash      BLOB NOT NULL UNIQUE,"
  "  scopes    TEXT NOT NULL,"
  "  bot_id    INTEGER REFERENCES users ON DELETE CASCADE,"
  "  created   INTEGER NOT NULL,"
  "  last_used INTEGER NOT NULL DEFAULT 0,"
  "  revoked   INTEGER NOT NULL DEFAULT 0"
  ");"
  /* A revoked key's name may be given to its replacement. */
  "CREATE UNIQUE INDEX api_keys_name ON api_keys (name) WHERE revoked = 0;"
  "CREATE INDEX api_keys_bot ON api_keys (bot_id);"
  "CREATE TABLE webhooks ("
  "  id       INTEGER PRIMARY KEY,"
  "  name     TEXT NOT NULL UNIQUE,"
  "  url      TEXT NOT NULL,"
  "  secret   TEXT NOT NULL,"
  "  events   TEXT NOT NULL,"
  "  bot_id   INTEGER REFERENCES users ON DELETE CASCADE,"
  "  created  INTEGER NOT NULL,"
  "  disabled INTEGER NOT NULL DEFAULT 0"
  ");"
  "CREATE INDEX webhooks_bot ON webhooks (bot_id);"
  "CREATE TABLE webhook_deliveries ("
  "  id           INTEGER PRIMARY KEY,"
  "  webhook_id   INTEGER NOT NULL REFERENCES webhooks ON DELETE CASCADE,"
  "  event        TEXT NOT NULL,"
  "  body         TEXT NOT NULL,"
  "  attempts     INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt INTEGER NOT NULL,"
  "  created      INTEGER NOT NULL,"
  "  delivered    INTEGER NOT NULL DEFAULT 0,"
  "  last_attempt INTEGER NOT NULL DEFAULT 0,"
  "  last_error   TEXT,"
  "  given_up     INTEGER NOT NULL DEFAULT 0"
  ");"
  /* The head of each webhook's queue (MIN (id) of the pending ones) and
   * the per-webhook figures come from this index. */
  "CREATE INDEX webhook_deliveries_queue ON webhook_deliveries"
  "  (webhook_id, delivered, given_up, id);"
  "CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created);",
};

typedef enum {
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_SAVEPOINT,
  STMT_RELEASE,
  STMT_ROLLBACK_TO,
  STMT_DEPT_FIND,
  STMT_DEPT_INSERT,
  STMT_DEPT_LIST,
  STMT_USER_INSERT,
  STMT_USER_UPSERT,
  STMT_USER_SET_PASSWORD,
  STMT_USER_SET_DISABLED,
  STMT_USER_HAS_MAIL,
  STMT_USER_DELETE,
  STMT_USER_BY_LOGIN,
  STMT_USER_BY_ID,
  STMT_USER_LIST,
  STMT_USER_LOGIN,
  STMT_USER_ENABLED_LOGIN,
  STMT_USER_ROLE,
  STMT_USER_LAST_SEQ,
  STMT_USER_BUMP_SEQ,
  STMT_TOKEN_PURGE,
  STMT_TOKEN_INSERT,
  STMT_TOKEN_CHECK,
  STMT_TOKEN_DELETE,
  STMT_TOKEN_DELETE_USER,
  STMT_MSG_FIND,
  STMT_MSG_INSERT,
  STMT_MAILBOX_INSERT,
  STMT_MAILBOX_AFTER,
  STMT_HISTORY,
  STMT_CURSOR_GET,
  STMT_CURSOR_MAX,
  STMT_CURSOR_INSERT,
  STMT_CURSOR_RAISE,
  STMT_CURSOR_RAISE_CLAMPED,
  N_STMTS
} StmtId;

/* Column 0 is the mailbox seq (0 for history), then the message. */
#define MESSAGE_COLUMNS TD_SQLITE_MESSAGE_COLUMNS

static const char * const stmt_sql[N_STMTS] = {
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_SAVEPOINT] = "SAVEPOINT job",
  [STMT_RELEASE] = "RELEASE job",
  [STMT_ROLLBACK_TO] = "ROLLBACK TO job",
  [STMT_DEPT_FIND] = "SELECT id FROM departments WHERE name = ?1",
  [STMT_DEPT_INSERT] = "INSERT INTO departments (name) VALUES (?1)",
  [STMT_DEPT_LIST] = "SELECT name FROM departments ORDER BY name",
  [STMT_USER_INSERT] =
    "INSERT INTO users (login, name, department_id, title, role, created)"
    " VALUES (?1, ?2, ?3, ?4, COALESCE (?5, 'user'), ?6)",
  [STMT_USER_UPSERT] =
    "INSERT INTO users (login, name, department_id, title, role, created)"
    " VALUES (?1, ?2, ?3, ?4, COALESCE (?5, 'user'), ?6)"
    " ON CONFLICT (login) DO UPDATE SET name = excluded.name,"
    "   department_id = excluded.department_id, title = excluded.title,"
    "   role = COALESCE (?5, role)",
  [STMT_USER_SET_PASSWORD] = "UPDATE users SET password_hash = ?2 WHERE login = ?1 RETURNING id",
  [STMT_USER_SET_DISABLED] = "UPDATE users SET disabled = ?2 WHERE login = ?1 RETURNING id",
  [STMT_USER_HAS_MAIL] = "SELECT EXISTS (SELECT 1 FROM mailbox WHERE user_id = ?1)",
  [STMT_USER_DELETE] = "DELETE FROM users WHERE id = ?1",
  [STMT_USER_BY_LOGIN] = USER_SELECT "WHERE u.login = ?1",
  [STMT_USER_BY_ID] = USER_SELECT "WHERE u.id = ?1",
  /* Users without a department sort first (their department is ""). */
  [STMT_USER_LIST] = USER_SELECT "ORDER BY COALESCE (d.name, ''), u.login",
  [STMT_USER_LOGIN] = "SELECT login FROM users WHERE id = ?1",
  [STMT_USER_ENABLED_LOGIN] = "SELECT login FROM users WHERE id = ?1 AND disabled = 0",
  [STMT_USER_ROLE] = "SELECT role FROM users WHERE id = ?1",
  [STMT_USER_LAST_SEQ] = "SELECT last_seq FROM users WHERE id = ?1",
  [STMT_USER_BUMP_SEQ] = "UPDATE users SET last_seq = last_seq + 1 WHERE id = ?1 RETURNING last_seq",
  [STMT_TOKEN_PURGE] = "DELETE FROM tokens WHERE user_id = ?1 AND expires <= ?2",
  [STMT_TOKEN_INSERT] =
    "INSERT INTO tokens (hash, user_id, device, created, expires) VALUES (?1, ?2, ?3, ?4, ?5)",
  [STMT_TOKEN_CHECK] =
    "SELECT t.user_id, t.expires FROM tokens t JOIN users u ON u.id = t.user_id"
    " WHERE t.hash = ?1 AND t.expires > ?2 AND NOT u.disabled",
  [STMT_TOKEN_DELETE] = "DELETE FROM tokens WHERE hash = ?1",
  [STMT_TOKEN_DELETE_USER] = "DELETE FROM tokens WHERE user_id = ?1",
  [STMT_MSG_FIND] =
    "SELECT mid, recipient_id, text, time, sender_seq, recipient_seq, group_id"
    "  FROM messages WHERE sender_id = ?1 AND client_id = ?2",
  [STMT_MSG_INSERT] =
    "INSERT INTO messages (sender_id, recipient_id, client_id, text, time, conv_lo, conv_hi,"
    "                      sender_seq, recipient_seq)"
    " VALUES (?1, ?2, ?3, ?4, ?5, MIN (?1, ?2), MAX (?1, ?2), ?6, ?7)",
  [STMT_MAILBOX_INSERT] = "INSERT INTO mailbox (user_id, seq, mid) VALUES (?1, ?2, ?3)",
  [STMT_MAILBOX_AFTER] =
    "SELECT mb.seq, " MESSAGE_COLUMNS
    "  JOIN mailbox mb ON mb.mid = m.mid"
    " WHERE mb.user_id = ?1 AND mb.seq > ?2 ORDER BY mb.seq LIMIT ?3",
  [STMT_HISTORY] =
    "SELECT 0, " MESSAGE_COLUMNS
    " WHERE m.conv_lo = ?1 AND m.conv_hi = ?2 AND m.mid < ?3 ORDER BY m.mid DESC LIMIT ?4",
  [STMT_CURSOR_GET] = "SELECT acked FROM cursors WHERE user_id = ?1 AND device = ?2",
  [STMT_CURSOR_MAX] = "SELECT COALESCE (MAX (acked), 0) FROM cursors WHERE user_id = ?1",
  [STMT_CURSOR_INSERT] = "INSERT INTO cursors (user_id, device, acked) VALUES (?1, ?2, ?3)",
  [STMT_CURSOR_RAISE] =
    "INSERT INTO cursors (user_id, device, acked) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (user_id, device) DO UPDATE SET acked = excluded.acked"
    " WHERE excluded.acked > acked",
  /* set_cursors: clamped to [0, last_seq] in the statement itself, and no
   * row at all for a user that does not exist (the WHERE also lets the
   * parser tell the upsert from a join). */
  [STMT_CURSOR_RAISE_CLAMPED] =
    "INSERT INTO cursors (user_id, device, acked)"
    " SELECT id, ?2, MIN (MAX (?3, 0), last_seq) FROM users WHERE id = ?1"
    " ON CONFLICT (user_id, device) DO UPDATE SET acked = excluded.acked"
    " WHERE excluded.acked > acked",
};

struct _TdSqliteStore
{
  GObject       parent_instance;

  char         *path;
  sqlite3      *db;
  sqlite3_stmt *stmts[N_STMTS];
  /* Statements of the other files, keyed by the address of their SQL. */
  GHashTable   *module_stmts;
};

static void td_sqlite_store_iface_init (TdStoreInterface *iface);

G_DEFINE_TYPE_WITH_CODE (TdSqliteStore, td_sqlite_store, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (TD_TYPE_STORE, td_sqlite_store_iface_init))

void
_td_stmt_reset (TdStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

static void
set_sqlite_error (TdSqliteStore *self,
                  int            rc,
                  const char    *operation,
                  GError       **error)
{
  TdStoreError code = TD_STORE_ERROR_FAILED;

  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    {
      switch (rc)
        {
        case SQLITE_CONSTRAINT_UNIQUE:
        case SQLITE_CONSTRAINT_PRIMARYKEY:
          code = TD_STORE_ERROR_EXISTS;
          break;
        case SQLITE_CONSTRAINT_FOREIGNKEY:
          code = TD_STORE_ERROR_NOT_FOUND;
          break;
        default:
          code = TD_STORE_ERROR_INVALID;
          break;
        }
    }

  g_set_error (error, TD_STORE_ERROR, code, "Cannot %s in %s: %s",
               operation, self->path, sqlite3_errmsg (self->db));
}

static TdStmt *
get_stmt (TdSqliteStore *self,
          StmtId         id,
          const char    *operation,
          GError       **error)
{
  if (self->stmts[id] == NULL)
    {
      int rc = sqlite3_prepare_v3 (self->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                   &self->stmts[id], NULL);
      if (rc != SQLITE_OK)
        {
          set_sqlite_error (self, rc, operation, error);
          return NULL;
        }
    }

  return self->stmts[id];
}

/* Steps @stmt once.  Returns FALSE with @error on failure; otherwise
 * *@out_row says whether a row is available. */
static gboolean
step (TdSqliteStore *self,
      TdStmt        *stmt,
      const char    *operation,
      gboolean      *out_row,
      GError       **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    {
      if (out_row != NULL)
        *out_row = (rc == SQLITE_ROW);
      return TRUE;
    }

  set_sqlite_error (self, rc, operation, error);
  return FALSE;
}

/* Runs one of the parameterless transaction-control statements. */
static gboolean
run_control (TdSqliteStore *self,
             StmtId         id,
             const char    *operation,
             GError       **error)
{
  g_autoptr(TdStmt) stmt = get_stmt (self, id, operation, error);

  if (stmt == NULL)
    return FALSE;
  return step (self, stmt, operation, NULL, error);
}

static void
bind_text (TdStmt *stmt, int index, const char *text)
{
  sqlite3_bind_text (stmt, index, text, -1, SQLITE_STATIC);
}

static char *
column_dup (TdStmt *stmt, int column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

/* ---- shared with td-sqlite-store-groups.c and -integrations.c ---- */

TdStmt *
_td_sqlite_store_prepare (TdSqliteStore      *self,
                          const char * const *sql,
                          const char         *operation,
                          GError            **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->module_stmts, sql);
  int rc;

  if (stmt != NULL)
    return stmt;

  rc = sqlite3_prepare_v3 (self->db, *sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (self, rc, operation, error);
      return NULL;
    }
  g_hash_table_insert (self->module_stmts, (gpointer) sql, stmt);
  return stmt;
}

gboolean
_td_sqlite_store_step (TdSqliteStore *self,
                       TdStmt        *stmt,
                       const char    *operation,
                       gboolean      *out_row,
                       GError       **error)
{
  return step (self, stmt, operation, out_row, error);
}

gboolean
_td_sqlite_store_run (TdSqliteStore *self,
                      TdStmt        *stmt,
                      const char    *operation,
                      GError       **error)
{
  gboolean row = TRUE;

  while (row)
    {
      if (!step (self, stmt, operation, &row, error))
        return FALSE;
    }
  return TRUE;
}

void
_td_sqlite_store_set_error (TdSqliteStore *self,
                            int            rc,
                            const char    *operation,
                            GError       **error)
{
  set_sqlite_error (self, rc, operation, error);
}

const char *
_td_sqlite_store_path (TdSqliteStore *self)
{
  return self->path;
}

int
_td_sqlite_store_changes (TdSqliteStore *self)
{
  return sqlite3_changes (self->db);
}

gint64
_td_sqlite_store_last_rowid (TdSqliteStore *self)
{
  return sqlite3_last_insert_rowid (self->db);
}

void
_td_bind_text (TdStmt *stmt, int index, const char *text)
{
  bind_text (stmt, index, text);
}

char *
_td_column_dup (TdStmt *stmt, int column)
{
  return column_dup (stmt, column);
}

gint64
_td_now_ms (void)
{
  return now_ms ();
}

static TdStoreUser *
user_from_row (TdStmt *stmt)
{
  TdStoreUser *user = g_new0 (TdStoreUser, 1);

  user->id = sqlite3_column_int64 (stmt, 0);
  user->login = column_dup (stmt, 1);
  user->name = column_dup (stmt, 2);
  user->department = column_dup (stmt, 3);
  user->title = column_dup (stmt, 4);
  user->password_hash = column_dup (stmt, 5);
  user->role = column_dup (stmt, 6);
  user->disabled = sqlite3_column_int (stmt, 7) != 0;

  return user;
}

/* A row made of the MESSAGE_COLUMNS preceded by the mailbox seq. */
static TdMessage *
message_from_row (TdStmt *stmt)
{
  return td_message_new (sqlite3_column_int64 (stmt, 1),
                         sqlite3_column_int64 (stmt, 0),
                         (const char *) sqlite3_column_text (stmt, 2),
                         (const char *) sqlite3_column_text (stmt, 3),
                         (const char *) sqlite3_column_text (stmt, 4),
                         (const char *) sqlite3_column_text (stmt, 5),
                         sqlite3_column_int64 (stmt, 6));
}

static GPtrArray *
collect_messages (TdSqliteStore *self,
                  TdStmt        *stmt,
                  const char    *operation,
                  GError       **error)
{
  g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) td_message_unref);
  gboolean row = FALSE;

  while (step (self, stmt, operation, &row, error))
    {
      if (!row)
        return g_steal_pointer (&messages);
      g_ptr_array_add (messages, message_from_row (stmt));
    }

  return NULL;
}

GPtrArray *
_td_sqlite_store_collect_messages (TdSqliteStore *self,
                                   TdStmt        *stmt,
                                   const char    *operation,
                                   GError       **error)
{
  return collect_messages (self, stmt, operation, error);
}

/* ---- transactions ---- */

static gboolean
td_sqlite_store_begin (TdStore *store, GError **error)
{
  return run_control (TD_SQLITE_STORE (store), STMT_BEGIN, "begin a transaction", error);
}

static gboolean
td_sqlite_store_commit (TdStore *store, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  g_autoptr(GError) local_error = NULL;

  if (run_control (self, STMT_COMMIT, "commit", &local_error))
    return TRUE;

  /* Whatever made COMMIT fail (full disk, I/O error, a deferred
   * constraint), the caller's data did not reach the disk. */
  g_set_error_literal (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED, local_error->message);
  return FALSE;
}

static void
td_sqlite_store_rollback (TdStore *store)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  g_autoptr(GError) local_error = NULL;

  /* After some I/O errors SQLite has already rolled back by itself. */
  if (sqlite3_get_autocommit (self->db))
    return;
  if (!run_control (self, STMT_ROLLBACK, "roll back", &local_error))
    g_debug ("%s", local_error->message);
}

static gboolean
td_sqlite_store_savepoint (TdStore *store, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);

  /* Outside a transaction SAVEPOINT would silently open one, and the
   * matching RELEASE would commit it on its own: refuse instead.  This is
   * also how a batch notices that SQLite aborted its transaction. */
  if (sqlite3_get_autocommit (self->db))
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                   "Cannot open a savepoint in %s: no transaction is active", self->path);
      return FALSE;
    }

  return run_control (self, STMT_SAVEPOINT, "open a savepoint", error);
}

static gboolean
td_sqlite_store_release (TdStore *store, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);

  if (sqlite3_get_autocommit (self->db))
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                   "Cannot release a savepoint in %s: the transaction was rolled back", self->path);
      return FALSE;
    }

  return run_control (self, STMT_RELEASE, "release a savepoint", error);
}

static void
td_sqlite_store_rollback_to (TdStore *store)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  g_autoptr(GError) local_error = NULL;

  if (sqlite3_get_autocommit (self->db))
    return;
  if (!run_control (self, STMT_ROLLBACK_TO, "roll back to a savepoint", &local_error))
    g_debug ("%s", local_error->message);
}

/* ---- directory ---- */

static gint64
td_sqlite_store_ensure_department (TdStore *store, const char *name, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "store a department";
  gboolean row = FALSE;
  gint64 id;

  if (!_td_store_check_name (name, "department name", FALSE, error))
    return 0;

  {
    g_autoptr(TdStmt) find = get_stmt (self, STMT_DEPT_FIND, op, error);

    if (find == NULL)
      return 0;
    bind_text (find, 1, name);
    if (!step (self, find, op, &row, error))
      return 0;
    if (row)
      return sqlite3_column_int64 (find, 0);
  }

  {
    g_autoptr(TdStmt) insert = get_stmt (self, STMT_DEPT_INSERT, op, error);

    if (insert == NULL)
      return 0;
    bind_text (insert, 1, name);
    if (!step (self, insert, op, NULL, error))
      return 0;
    id = sqlite3_last_insert_rowid (self->db);
  }

  /* Every department has its group from the start. */
  if (!_td_sqlite_store_add_department_group (self, id, name, error))
    return 0;
  return id;
}

static GPtrArray *
td_sqlite_store_list_departments (TdStore *store, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "list departments";
  g_autoptr(TdStmt) stmt = get_stmt (self, STMT_DEPT_LIST, op, error);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  gboolean row = FALSE;

  if (stmt == NULL)
    return NULL;

  while (step (self, stmt, op, &row, error))
    {
      if (!row)
        return g_steal_pointer (&names);
      g_ptr_array_add (names, column_dup (stmt, 0));
    }

  return NULL;
}

static gboolean
td_sqlite_store_put_user (TdStore    *store,
                          const char *login,
                          const char *name,
                          const char *department,
                          const char *title,
                          const char *role,
                          gboolean    create_only,
                          GError    **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "store a user";
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TdStmt) stmt = NULL;
  gint64 department_id = 0;

  if (!td_proto_validate_login (login, &local_error))
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                   "Invalid login: %s", local_error->message);
      return FALSE;
    }
  if (!_td_store_check_name (name, "name", FALSE, error) ||
      !_td_store_check_name (department, "department name", TRUE, error) ||
      !_td_store_check_name (title, "title", TRUE, error))
    return FALSE;
  if (role != NULL && !g_str_equal (role, "user") && !g_str_equal (role, "admin") &&
      !g_str_equal (role, "bot"))
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                   "Unknown role “%s” (expected “user”, “admin” or “bot”)", role);
      return FALSE;
    }

  if (department != NULL && *department != '\0')
    {
      department_id = td_sqlite_store_ensure_department (store, department, error);
      if (department_id == 0)
        return FALSE;
    }

  stmt = get_stmt (self, create_only ? STMT_USER_INSERT : STMT_USER_UPSERT, op, error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, 1, login);
  bind_text (stmt, 2, name);
  if (department_id != 0)
    sqlite3_bind_int64 (stmt, 3, department_id);
  bind_text (stmt, 4, title != NULL ? title : "");
  if (role != NULL)
    bind_text (stmt, 5, role);
  sqlite3_bind_int64 (stmt, 6, now_ms ());

  if (!step (self, stmt, op, NULL, &local_error))
    {
      if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_EXISTS))
        g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_EXISTS,
                     "User “%s” already exists", login);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return TRUE;
}

/* Runs one of the "UPDATE users ... WHERE login = ?1 RETURNING id"
 * statements, whose ?2 the caller bound.  Returns the user id, or 0. */
static gint64
update_user (TdSqliteStore *self,
             TdStmt        *stmt,
             const char    *login,
             const char    *op,
             GError       **error)
{
  gboolean row = FALSE;
  gint64 id;

  bind_text (stmt, 1, login);
  if (!step (self, stmt, op, &row, error))
    return 0;
  if (!row)
    {
      _td_store_set_unknown_login (error, login);
      return 0;
    }

  id = sqlite3_column_int64 (stmt, 0);
  /* Let the UPDATE finish (RETURNING rows are produced after it ran,
   * but the statement stays active until stepped to the end or reset). */
  if (!step (self, stmt, op, NULL, error))
    return 0;
  return id;
}

static gboolean
td_sqlite_store_revoke_user_tokens (TdStore *store, gint64 user_id, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "revoke session tokens";
  g_autoptr(TdStmt) stmt = get_stmt (self, STMT_TOKEN_DELETE_USER, op, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, user_id);
  return step (self, stmt, op, NULL, error);
}

/* Also revokes every session token of the user: a password change must
 * log out whoever knew the old one. */
static gboolean
td_sqlite_store_set_password_hash (TdStore    *store,
                                   const char *login,
                                   const char *hash,
                                   GError    **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "set a password";
  gint64 id;

  g_return_val_if_fail (login != NULL, FALSE);

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, STMT_USER_SET_PASSWORD, op, error);

    if (stmt == NULL)
      return FALSE;
    if (hash != NULL)
      bind_text (stmt, 2, hash);
    id = update_user (self, stmt, login, op, error);
  }

  return id != 0 && td_sqlite_store_revoke_user_tokens (store, id, error);
}

/* Disabling also revokes the user's tokens, so that enabling the account
 * again does not bring old sessions back. */
static gboolean
td_sqlite_store_set_disabled (TdStore    *store,
                              const char *login,
                              gboolean    disabled,
                              GError    **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "disable a user";
  gint64 id;

  g_return_val_if_fail (login != NULL, FALSE);

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, STMT_USER_SET_DISABLED, op, error);

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int (stmt, 2, disabled ? 1 : 0);
    id = update_user (self, stmt, login, op, error);
  }

  if (id == 0)
    return FALSE;
  return !disabled || td_sqlite_store_revoke_user_tokens (store, id, error);
}

static TdStoreUser *
td_sqlite_store_get_user (TdStore *store, const char *login, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "look up a user";
  g_autoptr(TdStmt) stmt = get_stmt (self, STMT_USER_BY_LOGIN, op, error);
  gboolean row = FALSE;

  g_return_val_if_fail (login != NULL, NULL);

  if (stmt == NULL)
    return NULL;
  bind_text (stmt, 1, login);
  if (!step (self, stmt, op, &row, error))
    return NULL;
  if (!row)
    {
      _td_store_set_unknown_login (error, login);
      return NULL;
    }

  return user_from_row (stmt);
}

static TdStoreUser *
td_sqlite_store_get_user_by_id (TdStore *store, gint64 id, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "look up a user";
  g_autoptr(TdStmt) stmt = get_stmt (self, STMT_USER_BY_ID, op, error);
  gboolean row = FALSE;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!step (self, stmt, op, &row, error))
    return NULL;
  if (!row)
    {
      _td_store_set_unknown_id (error, id);
      return NULL;
    }

  return user_from_row (stmt);
}

/* Users who sent or received messages are refused: their messages must
 * keep a sender and a recipient.  Tokens, cursors, read marks, reminder
 * recipients, bot keys and bot webhooks go with the user (ON DELETE
 * CASCADE); ad-hoc groups left empty are deleted. */
static gboolean
td_sqlite_store_delete_user (TdStore *store, const char *login, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "delete a user";
  g_autoptr(TdStoreUser) user = td_sqlite_store_get_user (store, login, error);
  gboolean row = FALSE;

  if (user == NULL)
    return FALSE;

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, STMT_USER_HAS_MAIL, op, error);

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, user->id);
    if (!step (self, stmt, op, &row, error))
      return FALSE;
    if (row && sqlite3_column_int (stmt, 0) != 0)
      {
        g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                     "User “%s” has messages and cannot be deleted; "
                     "disable the account instead (tidingsctl user disable)", login);
        return FALSE;
      }
  }

  if (!_td_sqlite_store_forget_user_groups (self, user->id, error))
    return FALSE;

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, STMT_USER_DELETE, op, error);

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, user->id);
    return step (self, stmt, op, NULL, error);
  }
}

static GPtrArray *
td_sqlite_store_list_users (TdStore *store, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "list users";
  g_autoptr(TdStmt) stmt = get_stmt (self, STMT_USER_LIST, op, error);
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) td_store_user_free);
  gboolean row = FALSE;

  if (stmt == NULL)
    return NULL;

  while (step (self, stmt, op, &row, error))
    {
      if (!row)
        return g_steal_pointer (&users);
      g_ptr_array_add (users, user_from_row (stmt));
    }

  return NULL;
}

/* ---- session tokens ---- */

static gboolean
td_sqlite_store_add_token (TdStore      *store,
                           const guint8 *hash,
                           gsize         hash_len,
                           gint64        user_id,
                           const char   *device,
                           gint64        expires_ms,
                           GError      **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "store a session token";
  gint64 now = now_ms ();

  g_return_val_if_fail (hash != NULL && hash_len > 0 && hash_len <= G_MAXINT, FALSE);
  g_return_val_if_fail (device != NULL, FALSE);

  /* Expired tokens of this user are useless; dropping them here keeps the
   * table from growing with every login. */
  {
    g_autoptr(TdStmt) purge = get_stmt (self, STMT_TOKEN_PURGE, op, error);

    if (purge == NULL)
      return FALSE;
    sqlite3_bind_int64 (purge, 1, user_id);
    sqlite3_bind_int64 (purge, 2, now);
    if (!step (self, purge, op, NULL, error))
      return FALSE;
  }

  {
    g_autoptr(TdStmt) insert = get_stmt (self, STMT_TOKEN_INSERT, op, error);
    g_autoptr(GError) local_error = NULL;

    if (insert == NULL)
      return FALSE;
    sqlite3_bind_blob (insert, 1, hash, (int) hash_len, SQLITE_STATIC);
    sqlite3_bind_int64 (insert, 2, user_id);
    bind_text (insert, 3, device);
    sqlite3_bind_int64 (insert, 4, now);
    sqlite3_bind_int64 (insert, 5, expires_ms);
    if (step (self, insert, op, NULL, &local_error))
      return TRUE;

    /* The foreign key on user_id is the only NOT_FOUND source here. */
    if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
      _td_store_set_unknown_id (error, user_id);
    else
      g_propagate_error (error, g_steal_pointer (&local_error));
    return FALSE;
  }
}

static gint64
td_sqlite_store_check_token (TdStore      *store,
                             const guint8 *hash,
                             gsize         hash_len,
                             gint64        now,
                             gint64       *out_expires,
                             GError      **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "check a session token";
  g_autoptr(TdStmt) stmt = get_stmt (self, STMT_TOKEN_CHECK, op, error);
  gboolean row = FALSE;

  g_return_val_if_fail (hash != NULL && hash_len > 0 && hash_len <= G_MAXINT, 0);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_blob (stmt, 1, hash, (int) hash_len, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, now);
  if (!step (self, stmt, op, &row, error))
    return 0;
  if (!row)
    {
      g_set_error_literal (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                           "Unknown, expired or revoked session token");
      return 0;
    }

  if (out_expires != NULL)
    *out_expires = sqlite3_column_int64 (stmt, 1);
  return sqlite3_column_int64 (stmt, 0);
}

/* Revoking a token that does not exist (any more) succeeds: logging out
 * twice is not an error. */
static gboolean
td_sqlite_store_revoke_token (TdStore      *store,
                              const guint8 *hash,
                              gsize         hash_len,
                              GError      **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "revoke a session token";
  g_autoptr(TdStmt) stmt = get_stmt (self, STMT_TOKEN_DELETE, op, error);

  g_return_val_if_fail (hash != NULL && hash_len > 0 && hash_len <= G_MAXINT, FALSE);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_blob (stmt, 1, hash, (int) hash_len, SQLITE_STATIC);
  return step (self, stmt, op, NULL, error);
}

/* ---- messages ---- */

/* Runs one of the "SELECT <text> FROM users WHERE id = ?1" statements. */
static char *
lookup_user_text (TdSqliteStore *self, StmtId id_stmt, gint64 id, GError **error)
{
  const char *op = "look up a user";
  g_autoptr(TdStmt) stmt = get_stmt (self, id_stmt, op, error);
  gboolean row = FALSE;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!step (self, stmt, op, &row, error))
    return NULL;
  if (!row)
    {
      _td_store_set_unknown_id (error, id);
      return NULL;
    }

  return column_dup (stmt, 0);
}

static char *
lookup_login (TdSqliteStore *self, gint64 id, GError **error)
{
  return lookup_user_text (self, STMT_USER_LOGIN, id, error);
}

char *
_td_sqlite_store_lookup_login (TdSqliteStore *self, gint64 id, GError **error)
{
  return lookup_user_text (self, STMT_USER_LOGIN, id, error);
}

char *
_td_sqlite_store_enabled_login (TdSqliteStore *self, gint64 id, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  char *login = lookup_user_text (self, STMT_USER_ENABLED_LOGIN, id, &local_error);

  if (login == NULL &&
      g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
    g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                 "No enabled user with id %" G_GINT64_FORMAT, id);
  else if (login == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return login;
}

char *
_td_sqlite_store_user_role (TdSqliteStore *self, gint64 id, GError **error)
{
  return lookup_user_text (self, STMT_USER_ROLE, id, error);
}

/* Raises @user_id's mailbox counter; returns the new seq, 0 on error. */
static gint64
next_seq (TdSqliteStore *self, gint64 user_id, GError **error)
{
  const char *op = "store a message";
  g_autoptr(TdStmt) stmt = get_stmt (self, STMT_USER_BUMP_SEQ, op, error);
  gboolean row = FALSE;
  gint64 seq;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, user_id);
  if (!step (self, stmt, op, &row, error))
    return 0;
  if (!row)
    {
      _td_store_set_unknown_id (error, user_id);
      return 0;
    }
  seq = sqlite3_column_int64 (stmt, 0);
  if (!step (self, stmt, op, NULL, error))
    return 0;
  return seq;
}

static gboolean
add_mailbox_row (TdSqliteStore *self,
                 gint64         user_id,
                 gint64         seq,
                 gint64         mid,
                 GError       **error)
{
  const char *op = "store a message";
  g_autoptr(TdStmt) stmt = get_stmt (self, STMT_MAILBOX_INSERT, op, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, user_id);
  sqlite3_bind_int64 (stmt, 2, seq);
  sqlite3_bind_int64 (stmt, 3, mid);
  return step (self, stmt, op, NULL, error);
}

/* Looks for an earlier message with the same (sender, client id).
 * Returns FALSE on error (including CONFLICT); *@out_found says whether
 * @out was filled with the original. */
static gboolean
find_duplicate (TdSqliteStore     *self,
                gint64             sender_id,
                gint64             recipient_id,
                const char        *client_id,
                const char        *text,
                const char        *from,
                const char        *to,
                TdStoreSendResult *out,
                gboolean          *out_found,
                GError           **error)
{
  const char *op = "look up a message";
  g_autoptr(TdStmt) stmt = get_stmt (self, STMT_MSG_FIND, op, error);
  gboolean row = FALSE;

  *out_found = FALSE;
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, sender_id);
  bind_text (stmt, 2, client_id);
  if (!step (self, stmt, op, &row, error))
    return FALSE;
  if (!row)
    return TRUE;

  /* A group message (group_id set) never matches a 1:1 send. */
  if (sqlite3_column_type (stmt, 6) != SQLITE_NULL ||
      sqlite3_column_int64 (stmt, 1) != recipient_id ||
      g_strcmp0 ((const char *) sqlite3_column_text (stmt, 2), text) != 0)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_CONFLICT,
                   "Message id “%s” was already used for another message", client_id);
      return FALSE;
    }

  _td_store_fill_send_result (out, sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 4),
                    sqlite3_column_int64 (stmt, 5), sender_id == recipient_id,
                    client_id, from, to, text, sqlite3_column_int64 (stmt, 3), TRUE);
  *out_found = TRUE;
  return TRUE;
}

/* On failure the transaction may hold part of the writes: the caller
 * rolls back (the store worker runs every job in a savepoint). */
static gboolean
td_sqlite_store_add_message (TdStore           *store,
                             gint64             sender_id,
                             gint64             recipient_id,
                             const char        *client_id,
                             const char        *text,
                             gint64             time_ms,
                             TdStoreSendResult *out,
                             GError           **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "store a message";
  gboolean to_self = (sender_id == recipient_id);
  g_autofree char *from = NULL;
  g_autofree char *to = NULL;
  gboolean found = FALSE;
  gint64 sender_seq, recipient_seq, mid;

  g_return_val_if_fail (client_id != NULL, FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  /* Both logins are needed for the copies; looking them up first also
   * means an unknown user fails before anything is written. */
  from = lookup_login (self, sender_id, error);
  if (from == NULL)
    return FALSE;
  to = to_self ? g_strdup (from) : lookup_login (self, recipient_id, error);
  if (to == NULL)
    return FALSE;

  if (!find_duplicate (self, sender_id, recipient_id, client_id, text, from, to,
                       out, &found, error))
    return FALSE;
  if (found)
    return TRUE;

  sender_seq = next_seq (self, sender_id, error);
  if (sender_seq == 0)
    return FALSE;
  recipient_seq = to_self ? sender_seq : next_seq (self, recipient_id, error);
  if (recipient_seq == 0)
    return FALSE;

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, STMT_MSG_INSERT, op, error);

    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, sender_id);
    sqlite3_bind_int64 (stmt, 2, recipient_id);
    bind_text (stmt, 3, client_id);
    bind_text (stmt, 4, text);
    sqlite3_bind_int64 (stmt, 5, time_ms);
    sqlite3_bind_int64 (stmt, 6, sender_seq);
    sqlite3_bind_int64 (stmt, 7, recipient_seq);
    if (!step (self, stmt, op, NULL, error))
      return FALSE;
    mid = sqlite3_last_insert_rowid (self->db);
  }

  if (!add_mailbox_row (self, sender_id, sender_seq, mid, error))
    return FALSE;
  if (!to_self && !add_mailbox_row (self, recipient_id, recipient_seq, mid, error))
    return FALSE;

  _td_store_fill_send_result (out, mid, sender_seq, recipient_seq, to_self,
                    client_id, from, to, text, time_ms, FALSE);
  return TRUE;
}

static GPtrArray *
td_sqlite_store_mailbox_after (TdStore *store,
                               gint64   user_id,
                               gint64   after_seq,
                               guint    limit,
                               GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "read a mailbox";
  g_autoptr(TdStmt) stmt = get_stmt (self, STMT_MAILBOX_AFTER, op, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, user_id);
  sqlite3_bind_int64 (stmt, 2, after_seq);
  sqlite3_bind_int64 (stmt, 3, limit);
  return collect_messages (self, stmt, op, error);
}

/* Returns -1 on error (0 is an empty mailbox). */
static gint64
td_sqlite_store_mailbox_last_seq (TdStore *store, gint64 user_id, GError **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "read a mailbox";
  g_autoptr(TdStmt) stmt = get_stmt (self, STMT_USER_LAST_SEQ, op, error);
  gboolean row = FALSE;

  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, user_id);
  if (!step (self, stmt, op, &row, error))
    return -1;
  if (!row)
    {
      _td_store_set_unknown_id (error, user_id);
      return -1;
    }

  return sqlite3_column_int64 (stmt, 0);
}

static GPtrArray *
td_sqlite_store_history (TdStore  *store,
                         gint64    user_a,
                         gint64    user_b,
                         gint64    before_mid,
                         guint     limit,
                         gboolean *out_more,
                         GError  **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "read history";
  g_autoptr(TdStmt) stmt = get_stmt (self, STMT_HISTORY, op, error);
  g_autoptr(GPtrArray) messages = NULL;
  gboolean more;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, MIN (user_a, user_b));
  sqlite3_bind_int64 (stmt, 2, MAX (user_a, user_b));
  sqlite3_bind_int64 (stmt, 3, before_mid > 0 ? before_mid : G_MAXINT64);
  /* One row more than asked tells whether older messages exist. */
  sqlite3_bind_int64 (stmt, 4, (gint64) limit + 1);

  messages = collect_messages (self, stmt, op, error);
  if (messages == NULL)
    return NULL;

  more = messages->len > limit;
  if (more)
    g_ptr_array_set_size (messages, limit);
  /* Newest first from the query; callers want oldest first. */
  _td_store_messages_reverse (messages);

  if (out_more != NULL)
    *out_more = more;
  return g_steal_pointer (&messages);
}

/* ---- cursors ---- */

/* Returns -1 on error.  Writes: a device seen for the first time gets a row, starting at the
 * highest cursor among the user's other devices.  Run it inside a
 * transaction so that row and the maximum agree. */
static gint64
td_sqlite_store_get_cursor (TdStore    *store,
                            gint64      user_id,
                            const char *device,
                            GError    **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "read a delivery cursor";
  gboolean row = FALSE;
  gint64 acked;

  g_return_val_if_fail (device != NULL, 0);

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, STMT_CURSOR_GET, op, error);

    if (stmt == NULL)
      return -1;
    sqlite3_bind_int64 (stmt, 1, user_id);
    bind_text (stmt, 2, device);
    if (!step (self, stmt, op, &row, error))
      return -1;
    if (row)
      return sqlite3_column_int64 (stmt, 0);
  }

  /* Only to fail with a clear NOT_FOUND for an unknown user. */
  if (td_sqlite_store_mailbox_last_seq (store, user_id, error) < 0)
    return -1;

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, STMT_CURSOR_MAX, op, error);

    if (stmt == NULL)
      return -1;
    sqlite3_bind_int64 (stmt, 1, user_id);
    if (!step (self, stmt, op, &row, error))
      return -1;
    acked = row ? sqlite3_column_int64 (stmt, 0) : 0;
  }

  {
    g_autoptr(TdStmt) stmt = get_stmt (self, STMT_CURSOR_INSERT, op, error);

    if (stmt == NULL)
      return -1;
    sqlite3_bind_int64 (stmt, 1, user_id);
    bind_text (stmt, 2, device);
    sqlite3_bind_int64 (stmt, 3, acked);
    if (!step (self, stmt, op, NULL, error))
      return -1;
  }

  return acked;
}

static gboolean
td_sqlite_store_set_cursor (TdStore    *store,
                            gint64      user_id,
                            const char *device,
                            gint64      seq,
                            GError    **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "store a delivery cursor";
  g_autoptr(TdStmt) stmt = NULL;
  gint64 last_seq;

  g_return_val_if_fail (device != NULL, FALSE);

  last_seq = td_sqlite_store_mailbox_last_seq (store, user_id, error);
  if (last_seq < 0)
    return FALSE;

  stmt = get_stmt (self, STMT_CURSOR_RAISE, op, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, user_id);
  bind_text (stmt, 2, device);
  sqlite3_bind_int64 (stmt, 3, CLAMP (seq, 0, last_seq));
  return step (self, stmt, op, NULL, error);
}

static gboolean
td_sqlite_store_set_cursors (TdStore              *store,
                             const TdCursorUpdate *updates,
                             guint                 n,
                             GError              **error)
{
  TdSqliteStore *self = TD_SQLITE_STORE (store);
  const char *op = "store delivery cursors";

  /* One prepared statement, re-bound per cursor: a few microseconds each,
   * the transaction around them is what costs. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TdStmt) stmt = get_stmt (self, STMT_CURSOR_RAISE_CLAMPED, op, error);

      g_return_val_if_fail (updates[i].device != NULL, FALSE);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, updates[i].user_id);
      bind_text (stmt, 2, updates[i].device);
      sqlite3_bind_int64 (stmt, 3, updates[i].seq);
      if (!step (self, stmt, op, NULL, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- opening ---- */

static gboolean
exec_sql (TdSqliteStore *self,
          const char    *sql,
          const char    *operation,
          GError       **error)
{
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);

  if (rc == SQLITE_OK)
    return TRUE;
  set_sqlite_error (self, rc, operation, error);
  return FALSE;
}

/* Runs a one-row PRAGMA query and returns its first column as text. */
static char *
query_pragma (TdSqliteStore *self,
              const char    *sql,
              const char    *operation,
              GError       **error)
{
  sqlite3_stmt *stmt = NULL;
  char *value = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else
    set_sqlite_error (self, rc, operation, error);
  sqlite3_finalize (stmt);

  return value;
}

static gboolean
read_user_version (TdSqliteStore *self, gint64 *out_version, GError **error)
{
  g_autofree char *value = query_pragma (self, "PRAGMA user_version",
                                         "read the schema version", error);

  if (value == NULL)
    return FALSE;
  *out_version = g_ascii_strtoll (value, NULL, 10);
  return TRUE;
}

static gboolean
check_version (TdSqliteStore *self, gint64 version, GError **error)
{
  if (version <= (gint64) G_N_ELEMENTS (migrations))
    return TRUE;

  g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_VERSION,
               "%s has schema version %" G_GINT64_FORMAT ", newer than this program "
               "understands (%u): upgrade Tidings", self->path, version,
               (guint) G_N_ELEMENTS (migrations));
  return FALSE;
}

/* Fails if the schema step left a dangling reference (foreign keys are
 * off while it runs). */
static gboolean
check_foreign_keys (TdSqliteStore *self, GError **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, "PRAGMA foreign_key_check", -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                 "Cannot upgrade the schema of %s: table %s has a row whose "
                 "reference to %s is broken", self->path,
                 (const char *) sqlite3_column_text (stmt, 0),
                 (const char *) sqlite3_column_text (stmt, 2));
  else if (rc != SQLITE_DONE)
    set_sqlite_error (self, rc, "check foreign keys", error);
  sqlite3_finalize (stmt);

  return rc == SQLITE_DONE;
}

static gboolean
migrate_steps (TdSqliteStore *self, GError **error);

/* Foreign keys are off while the steps run: rebuilding a table (the only
 * way to change a CHECK) drops the old one, and with foreign keys on that
 * would cascade into every table referring to it.  The pragma is a no-op
 * inside a transaction, hence here; each step checks the references
 * itself before it commits. */
static gboolean
migrate (TdSqliteStore *self, GError **error)
{
  gboolean ok;

  if (!exec_sql (self, "PRAGMA foreign_keys = OFF", "configure the database", error))
    return FALSE;
  ok = migrate_steps (self, error);
  if (!exec_sql (self, "PRAGMA foreign_keys = ON", "configure the database",
                 ok ? error : NULL))
    return FALSE;
  return ok;
}

static gboolean
migrate_steps (TdSqliteStore *self, GError **error)
{
  gint64 version = 0;

  if (!read_user_version (self, &version, error) || !check_version (self, version, error))
    return FALSE;

  while (version < (gint64) G_N_ELEMENTS (migrations))
    {
      g_autofree char *bump = NULL;

      if (!exec_sql (self, "BEGIN IMMEDIATE", "upgrade the schema", error))
        return FALSE;

      /* Another process (tidingsctl, a second tidingsd) may have migrated
       * while we waited for the write lock. */
      if (!read_user_version (self, &version, error) || !check_version (self, version, error))
        {
          exec_sql (self, "ROLLBACK", "roll back", NULL);
          return FALSE;
        }
      if (version >= (gint64) G_N_ELEMENTS (migrations))
        return exec_sql (self, "COMMIT", "upgrade the schema", error);

      bump = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT, version + 1);
      if (!exec_sql (self, migrations[version], "upgrade the schema", error) ||
          !check_foreign_keys (self, error) ||
          !exec_sql (self, bump, "upgrade the schema", error) ||
          !exec_sql (self, "COMMIT", "upgrade the schema", error))
        {
          exec_sql (self, "ROLLBACK", "roll back", NULL);
          return FALSE;
        }
      g_debug ("Upgraded %s to schema version %" G_GINT64_FORMAT, self->path, version + 1);
      version++;
    }

  return TRUE;
}

static gboolean
prepare_data_dir (const char *data_dir, GError **error)
{
  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                   "Cannot create data directory %s: %s", data_dir, g_strerror (saved_errno));
      return FALSE;
    }
  if (!g_file_test (data_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                   "Data directory %s is not a directory", data_dir);
      return FALSE;
    }
  /* SQLite creates -wal and -shm files next to the database. */
  if (g_access (data_dir, W_OK | X_OK) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                   "Data directory %s is not writable: %s", data_dir, g_strerror (saved_errno));
      return FALSE;
    }

  return TRUE;
}

/* Process-wide settings, which SQLite only accepts before it initialises:
 * without memory statistics sqlite3_malloc() and sqlite3_free() take no
 * global mutex (with the connection opened NOMUTEX that was most of the
 * pthread_mutex_lock/unlock time the store thread spent).  Refused with
 * SQLITE_MISUSE if something in the process used SQLite first, which only
 * costs that speed-up. */
static void
configure_sqlite_once (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      sqlite3_config (SQLITE_CONFIG_MEMSTATUS, 0);
      g_once_init_leave (&done, 1);
    }
}

static gboolean
open_db (TdSqliteStore *self, const char *data_dir, GError **error)
{
  g_autofree char *journal_mode = NULL;
  int fd;
  int rc;

  if (!prepare_data_dir (data_dir, error))
    return FALSE;

  self->path = g_build_filename (data_dir, DB_FILE_NAME, NULL);

  /* Create the file ourselves so that it is private (SQLite would use
   * 0644); the -wal and -shm files inherit its mode. */
  fd = g_open (self->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                   "Cannot open database %s: %s", self->path, g_strerror (saved_errno));
      return FALSE;
    }
  g_close (fd, NULL);

  configure_sqlite_once ();

  /* NOMUTEX: the connection is used by one thread at a time (see td-store.h). */
  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED, "Cannot open database %s: %s",
                   self->path, self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return FALSE;
    }
  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);

  if (sqlite3_db_readonly (self->db, "main") == 1)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                   "Cannot open database %s: the file is read-only", self->path);
      return FALSE;
    }

  /* The first statement reads the file: this is where "not a database"
   * shows up. */
  journal_mode = query_pragma (self, "PRAGMA journal_mode = WAL", "open the database", error);
  if (journal_mode == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (journal_mode, "wal") != 0)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                   "Cannot switch %s to write-ahead logging (journal mode is %s)",
                   self->path, journal_mode);
      return FALSE;
    }

  /* temp_store = MEMORY also keeps the savepoint journal in small
   * in-memory chunks; by default each savepoint allocates and frees one
   * 64 KiB chunk, and glibc then trims and refaults the worker thread's
   * heap for every job (measured: 4x slower group commit). */
  /* cache_size: the default 2 MiB made the worker re-read index pages
   * with pread() under load; 32 MiB holds the hot mailbox, message and
   * cursor pages of tens of thousands of users.  mmap_size: reads of the
   * database file (not the WAL) become memory accesses instead of read()
   * system calls; writes still go through the WAL with write() + fsync,
   * so durability is unchanged. */
  if (!exec_sql (self, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                 " PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32768;"
                 " PRAGMA mmap_size = 268435456;",
                 "configure the database", error))
    return FALSE;

  return migrate (self, error);
}

TdSqliteStore *
td_sqlite_store_new (const char *data_dir, GError **error)
{
  g_autoptr(TdSqliteStore) self = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (TD_TYPE_SQLITE_STORE, NULL);
  if (!open_db (self, data_dir, error))
    return NULL;

  return g_steal_pointer (&self);
}

const char *
td_sqlite_store_get_path (TdSqliteStore *self)
{
  g_return_val_if_fail (TD_IS_SQLITE_STORE (self), NULL);

  return self->path;
}

sqlite3 *
_td_sqlite_store_get_handle (TdSqliteStore *self)
{
  g_return_val_if_fail (TD_IS_SQLITE_STORE (self), NULL);

  return self->db;
}

static void
td_sqlite_store_finalize (GObject *object)
{
  TdSqliteStore *self = TD_SQLITE_STORE (object);

  for (guint i = 0; i < N_STMTS; i++)
    g_clear_pointer (&self->stmts[i], sqlite3_finalize);
  g_clear_pointer (&self->module_stmts, g_hash_table_unref);
  /* Closing rolls back a transaction left open. */
  g_clear_pointer (&self->db, sqlite3_close);
  g_free (self->path);

  G_OBJECT_CLASS (td_sqlite_store_parent_class)->finalize (object);
}

static void
td_sqlite_store_class_init (TdSqliteStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = td_sqlite_store_finalize;
}

static void
finalize_stmt (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

static void
td_sqlite_store_init (TdSqliteStore *self)
{
  self->module_stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL,
                                              finalize_stmt);
}

static void
td_sqlite_store_iface_init (TdStoreInterface *iface)
{
  iface->begin = td_sqlite_store_begin;
  iface->commit = td_sqlite_store_commit;
  iface->rollback = td_sqlite_store_rollback;
  iface->savepoint = td_sqlite_store_savepoint;
  iface->release = td_sqlite_store_release;
  iface->rollback_to = td_sqlite_store_rollback_to;
  iface->ensure_department = td_sqlite_store_ensure_department;
  iface->list_departments = td_sqlite_store_list_departments;
  iface->put_user = td_sqlite_store_put_user;
  iface->set_password_hash = td_sqlite_store_set_password_hash;
  iface->set_disabled = td_sqlite_store_set_disabled;
  iface->delete_user = td_sqlite_store_delete_user;
  iface->get_user = td_sqlite_store_get_user;
  iface->get_user_by_id = td_sqlite_store_get_user_by_id;
  iface->list_users = td_sqlite_store_list_users;
  iface->add_token = td_sqlite_store_add_token;
  iface->check_token = td_sqlite_store_check_token;
  iface->revoke_token = td_sqlite_store_revoke_token;
  iface->revoke_user_tokens = td_sqlite_store_revoke_user_tokens;
  iface->add_message = td_sqlite_store_add_message;
  iface->mailbox_after = td_sqlite_store_mailbox_after;
  iface->mailbox_last_seq = td_sqlite_store_mailbox_last_seq;
  iface->history = td_sqlite_store_history;
  iface->get_cursor = td_sqlite_store_get_cursor;
  iface->set_cursor = td_sqlite_store_set_cursor;
  iface->set_cursors = td_sqlite_store_set_cursors;
  _td_sqlite_store_groups_iface_init (iface);
  _td_sqlite_store_integrations_iface_init (iface);
}
