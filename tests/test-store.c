/* test-store.c - the TdStore backends on real databases: TdSqliteStore on
 * files in a temporary directory, and, with TD_TEST_STORE=postgresql,
 * TdPgStore on a fresh database of a private PostgreSQL cluster
 * (td-test-pg.c).  Every case but those about SQLite files runs on both:
 * opening and its failures, schema migration, directory, tokens,
 * messages, mailboxes, history, delivery cursors, groups, read marks,
 * reminders, API keys and the webhook queue.  Cases under /store/pg/ are
 * about PostgreSQL only: several connections (nodes) writing at once,
 * a lost connection, concurrent migration. */
#define G_LOG_DOMAIN "test-store"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include <libpq-fe.h>

#include "td-sqlite-store.h"
#include "td-pg-store.h"
#include "td-test-pg.h"

typedef struct {
  char    *dir;
  char    *url;     /* PostgreSQL database of this case, NULL on SQLite */
  TdStore *store;
} Fixture;

/* TD_TEST_STORE=postgresql runs every case on PostgreSQL. */
static gboolean use_pg;

/* Opens another connection to the fixture's store (as tidingsctl or a
 * second node would). */
static TdStore *
open_store (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  TdStore *store = td_store_open (f->url, f->dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

/* Cases about SQLite files themselves. */
static gboolean
skip_on_pg (void)
{
  if (!use_pg)
    return FALSE;
  g_test_skip ("about SQLite database files: not applicable to PostgreSQL");
  return TRUE;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("td-store-XXXXXX", &error);
  g_assert_no_error (error);
  if (use_pg)
    f->url = td_test_pg_new_database ();
  f->store = open_store (f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->url);
}

static void
reopen (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->store);
  f->store = td_store_open (f->url, f->dir, &error);
  g_assert_no_error (error);
}

static void
begin (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (td_store_begin (f->store, &error));
  g_assert_no_error (error);
}

static void
commit (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (td_store_commit (f->store, &error));
  g_assert_no_error (error);
}

static gint64
add_user (Fixture *f, const char *login, const char *department)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStoreUser) user = NULL;
  g_autofree char *name = g_strdup_printf ("Name of %s", login);

  begin (f);
  g_assert_true (td_store_put_user (f->store, login, name, department, NULL, NULL, TRUE, &error));
  g_assert_no_error (error);
  commit (f);

  user = td_store_get_user (f->store, login, &error);
  g_assert_no_error (error);
  g_assert_cmpint (user->id, >, 0);
  return user->id;
}

/* Sends one message in its own transaction; returns the result. */
static void
send_message (Fixture           *f,
              gint64             from,
              gint64             to,
              const char        *id,
              const char        *text,
              TdStoreSendResult *out)
{
  g_autoptr(GError) error = NULL;

  begin (f);
  g_assert_true (td_store_add_message (f->store, from, to, id, text, 1000, out, &error));
  g_assert_no_error (error);
  commit (f);
}

static gint64
last_seq (Fixture *f, gint64 user_id)
{
  g_autoptr(GError) error = NULL;
  gint64 seq = td_store_mailbox_last_seq (f->store, user_id, &error);

  g_assert_no_error (error);
  return seq;
}

static GPtrArray *
mailbox (Fixture *f, gint64 user_id, gint64 after, guint limit)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *messages = td_store_mailbox_after (f->store, user_id, after, limit, &error);

  g_assert_no_error (error);
  g_assert_nonnull (messages);
  return messages;
}

static gint64
user_version (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 version;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  version = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return version;
}

/* ---- opening ---- */

static void
test_open_creates_and_reopens (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *nested = g_build_filename (f->dir, "a", "b", NULL);
  g_autofree char *db_path = g_build_filename (nested, "tidings.db", NULL);
  g_autoptr(TdSqliteStore) nested_store = NULL;
  g_autoptr(TdStoreUser) user = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  TdStoreSendResult result = { 0 };
  GStatBuf st;
  gint64 alice, bob;

  if (skip_on_pg ())
    return;

  /* Missing parents are created, private. */
  nested_store = td_sqlite_store_new (nested, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (td_sqlite_store_get_path (nested_store), ==, db_path);
  g_assert_cmpint (g_stat (nested, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (db_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);
  g_assert_cmpint (user_version (db_path), ==, 2);

  /* Data survives closing and reopening. */
  alice = add_user (f, "alice", "Sales");
  bob = add_user (f, "bob", NULL);
  send_message (f, alice, bob, "m1", "hello", &result);
  td_store_send_result_clear (&result);
  reopen (f);

  user = td_store_get_user (f->store, "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpint (user->id, ==, alice);
  g_assert_cmpstr (user->department, ==, "Sales");
  messages = mailbox (f, bob, 0, 10);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpstr (td_message_get_text (messages->pdata[0]), ==, "hello");
  g_assert_cmpint (last_seq (f, alice), ==, 1);

  /* The counters continue where they were. */
  send_message (f, alice, bob, "m2", "again", &result);
  g_assert_cmpint (td_message_get_seq (result.sender_copy), ==, 2);
  td_store_send_result_clear (&result);
}

static void
test_open_version_too_new (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "tidings.db", NULL);
  g_autoptr(TdSqliteStore) store = NULL;
  sqlite3 *db = NULL;

  if (skip_on_pg ())
    return;

  g_clear_object (&f->store);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 999", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = td_sqlite_store_new (f->dir, &error);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_VERSION);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "999"));
  /* Refusing must not have touched the file. */
  g_assert_cmpint (user_version (path), ==, 999);
}

static void
test_open_not_a_directory (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdSqliteStore) store = NULL;
  g_autofree char *file = g_build_filename (f->dir, "plain-file", NULL);

  if (skip_on_pg ())
    return;

  /* A path below a regular file: fails even for root. */
  store = td_sqlite_store_new ("/etc/passwd/x", &error);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, "/etc/passwd/x"));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOTDIR)));
  g_clear_error (&error);

  /* The data directory itself is a regular file. */
  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  store = td_sqlite_store_new (file, &error);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, file));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOTDIR)));
}

static void
test_open_not_writable (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdSqliteStore) store = NULL;
  g_autofree char *dir = g_build_filename (f->dir, "read-only", NULL);

  if (skip_on_pg ())
    return;

  /* Permission bits do not stop root. */
  if (geteuid () == 0)
    {
      g_test_skip ("running as root: permissions are not enforced");
      return;
    }

  g_assert_cmpint (g_mkdir (dir, 0500), ==, 0);
  store = td_sqlite_store_new (dir, &error);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, dir));
  g_assert_nonnull (strstr (error->message, "not writable"));
  g_chmod (dir, 0700);
}

static void
test_open_not_a_database (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdSqliteStore) store = NULL;
  g_autofree char *path = g_build_filename (f->dir, "tidings.db", NULL);
  g_autofree char *junk = g_strnfill (8192, 'j');

  if (skip_on_pg ())
    return;

  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_assert_cmpint (g_mkdir (f->dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, junk, -1, NULL));

  store = td_sqlite_store_new (f->dir, &error);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "not a database"));
}

/* ---- directory ---- */

static void
test_users_crud (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStoreUser) user = NULL;
  g_autoptr(TdStoreUser) by_id = NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GPtrArray) departments = NULL;
  g_autofree char *long_name = g_strnfill (TD_PROTO_MAX_NAME + 1, 'n');
  TdStoreSendResult result = { 0 };
  gint64 dept, alice;

  begin (f);
  g_assert_true (td_store_put_user (f->store, "alice", "Alice A", "Sales", "Rep", NULL, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (td_store_put_user (f->store, "bob", "Bob B", "", NULL, NULL, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (td_store_put_user (f->store, "carol", "Carol C", "Eng", NULL, "admin", TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (td_store_put_user (f->store, "dave", "Dave D", "Eng", NULL, NULL, TRUE, &error));
  g_assert_no_error (error);

  /* Refusals. */
  g_assert_false (td_store_put_user (f->store, "alice", "Other", NULL, NULL, NULL, TRUE, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (td_store_put_user (f->store, "Bad Login", "X", NULL, NULL, NULL, FALSE, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (td_store_put_user (f->store, "eve", "", NULL, NULL, NULL, FALSE, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (td_store_put_user (f->store, "eve", long_name, NULL, NULL, NULL, FALSE, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (td_store_put_user (f->store, "eve", "Eve", NULL, NULL, "root", FALSE, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  commit (f);

  user = td_store_get_user (f->store, "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (user->login, ==, "alice");
  g_assert_cmpstr (user->name, ==, "Alice A");
  g_assert_cmpstr (user->department, ==, "Sales");
  g_assert_cmpstr (user->title, ==, "Rep");
  g_assert_cmpstr (user->role, ==, "user");
  g_assert_null (user->password_hash);
  g_assert_false (user->disabled);
  alice = user->id;

  by_id = td_store_get_user_by_id (f->store, user->id, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (by_id->login, ==, "alice");
  g_clear_pointer (&by_id, td_store_user_free);

  g_assert_null (td_store_get_user (f->store, "nobody", &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (td_store_get_user_by_id (f->store, 9999, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Users without a department first, then by department and login. */
  users = td_store_list_users (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (users->len, ==, 4);
  g_assert_cmpstr (((TdStoreUser *) users->pdata[0])->login, ==, "bob");
  g_assert_cmpstr (((TdStoreUser *) users->pdata[0])->department, ==, "");
  g_assert_cmpstr (((TdStoreUser *) users->pdata[1])->login, ==, "carol");
  g_assert_cmpstr (((TdStoreUser *) users->pdata[1])->role, ==, "admin");
  g_assert_cmpstr (((TdStoreUser *) users->pdata[2])->login, ==, "dave");
  g_assert_cmpstr (((TdStoreUser *) users->pdata[3])->login, ==, "alice");
  g_clear_pointer (&users, g_ptr_array_unref);

  departments = td_store_list_departments (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (departments->len, ==, 2);
  g_assert_cmpstr (departments->pdata[0], ==, "Eng");
  g_assert_cmpstr (departments->pdata[1], ==, "Sales");
  g_clear_pointer (&departments, g_ptr_array_unref);

  /* ensure_department returns the existing id. */
  begin (f);
  dept = td_store_ensure_department (f->store, "Eng", &error);
  g_assert_no_error (error);
  g_assert_cmpint (td_store_ensure_department (f->store, "Eng", &error), ==, dept);
  g_assert_cmpint (td_store_ensure_department (f->store, "", &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Update: NULL role keeps admin, "" department removes it. */
  g_assert_true (td_store_put_user (f->store, "carol", "Carol New", "", "Boss", NULL, FALSE, &error));
  g_assert_no_error (error);
  commit (f);
  g_clear_pointer (&user, td_store_user_free);
  user = td_store_get_user (f->store, "carol", &error);
  g_assert_cmpstr (user->name, ==, "Carol New");
  g_assert_cmpstr (user->department, ==, "");
  g_assert_cmpstr (user->title, ==, "Boss");
  g_assert_cmpstr (user->role, ==, "admin");

  /* Disable. */
  begin (f);
  g_assert_true (td_store_set_disabled (f->store, "dave", TRUE, &error));
  g_assert_no_error (error);
  g_assert_false (td_store_set_disabled (f->store, "nobody", TRUE, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  commit (f);
  g_clear_pointer (&user, td_store_user_free);
  user = td_store_get_user (f->store, "dave", &error);
  g_assert_true (user->disabled);

  /* Delete: allowed without messages, refused with them. */
  send_message (f, alice, user->id, "x", "hi", &result);
  td_store_send_result_clear (&result);
  begin (f);
  g_assert_true (td_store_delete_user (f->store, "bob", &error));
  g_assert_no_error (error);
  g_assert_false (td_store_delete_user (f->store, "dave", &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "disable"));
  g_clear_error (&error);
  g_assert_false (td_store_delete_user (f->store, "bob", &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  commit (f);

  g_assert_null (td_store_get_user (f->store, "bob", &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  users = td_store_list_users (f->store, &error);
  g_assert_cmpuint (users->len, ==, 3);
}

static void
test_users_put_idempotent (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GPtrArray) departments = NULL;
  g_autoptr(TdStoreUser) first = NULL;
  g_autoptr(TdStoreUser) second = NULL;

  for (guint i = 0; i < 3; i++)
    {
      begin (f);
      g_assert_true (td_store_put_user (f->store, "alice", "Alice", "Sales", "Rep", "user", FALSE, &error));
      g_assert_no_error (error);
      commit (f);
      if (first == NULL)
        first = td_store_get_user (f->store, "alice", &error);
    }

  second = td_store_get_user (f->store, "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpint (first->id, ==, second->id);
  g_assert_cmpstr (second->name, ==, "Alice");
  users = td_store_list_users (f->store, &error);
  g_assert_cmpuint (users->len, ==, 1);
  departments = td_store_list_departments (f->store, &error);
  g_assert_cmpuint (departments->len, ==, 1);
}

/* ---- tokens ---- */

static void
test_tokens (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStoreUser) user = NULL;
  guint8 t1[32], t2[32], t3[32];
  gint64 now = g_get_real_time () / 1000;
  gint64 alice = add_user (f, "alice", NULL);
  gint64 bob = add_user (f, "bob", NULL);

  memset (t1, 1, sizeof t1);
  memset (t2, 2, sizeof t2);
  memset (t3, 3, sizeof t3);

  begin (f);
  g_assert_true (td_store_add_token (f->store, t1, 32, alice, "laptop", now + 60000, &error));
  g_assert_no_error (error);
  g_assert_true (td_store_add_token (f->store, t2, 32, alice, "phone", G_MAXINT64, &error));
  g_assert_no_error (error);
  g_assert_true (td_store_add_token (f->store, t3, 32, bob, "pc", G_MAXINT64, &error));
  g_assert_no_error (error);
  g_assert_false (td_store_add_token (f->store, t3, 32, bob, "pc", G_MAXINT64, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (td_store_add_token (f->store, (const guint8 *) "zz", 2, 9999, "pc", G_MAXINT64, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  commit (f);

  /* Expiry is strict: valid before, invalid at expires_ms. */
  g_assert_cmpint (td_store_check_token (f->store, t1, 32, now + 59999, NULL, &error), ==, alice);
  g_assert_no_error (error);
  g_assert_cmpint (td_store_check_token (f->store, t1, 32, now + 60000, NULL, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (td_store_check_token (f->store, (const guint8 *) "unknown", 7, 0, NULL, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Revoking one token leaves the others. */
  begin (f);
  g_assert_true (td_store_revoke_token (f->store, t1, 32, &error));
  g_assert_true (td_store_revoke_token (f->store, t1, 32, &error));
  g_assert_no_error (error);
  commit (f);
  g_assert_cmpint (td_store_check_token (f->store, t1, 32, 0, NULL, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (td_store_check_token (f->store, t2, 32, 0, NULL, &error), ==, alice);

  /* A password change revokes all of the user's tokens, nobody else's. */
  begin (f);
  g_assert_true (td_store_set_password_hash (f->store, "alice", "$argon2id$fake", &error));
  g_assert_no_error (error);
  g_assert_false (td_store_set_password_hash (f->store, "nobody", "$argon2id$fake", &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  commit (f);
  user = td_store_get_user (f->store, "alice", &error);
  g_assert_cmpstr (user->password_hash, ==, "$argon2id$fake");
  g_assert_cmpint (td_store_check_token (f->store, t2, 32, 0, NULL, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_cmpint (td_store_check_token (f->store, t3, 32, 0, NULL, &error), ==, bob);

  /* A disabled user's token no longer authenticates. */
  begin (f);
  g_assert_true (td_store_set_disabled (f->store, "bob", TRUE, &error));
  commit (f);
  g_assert_cmpint (td_store_check_token (f->store, t3, 32, 0, NULL, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* revoke_user_tokens. */
  begin (f);
  g_assert_true (td_store_add_token (f->store, t1, 32, alice, "laptop", G_MAXINT64, &error));
  g_assert_true (td_store_revoke_user_tokens (f->store, alice, &error));
  g_assert_no_error (error);
  commit (f);
  g_assert_cmpint (td_store_check_token (f->store, t1, 32, 0, NULL, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
}

/* ---- messages ---- */

static void
assert_mailbox_consistent (Fixture *f, gint64 user_id, const char *login)
{
  g_autoptr(GPtrArray) messages = mailbox (f, user_id, 0, 1000);
  gint64 prev_mid = 0;

  g_assert_cmpint (messages->len, ==, last_seq (f, user_id));
  for (guint i = 0; i < messages->len; i++)
    {
      TdMessage *m = messages->pdata[i];

      /* Gap-free from 1, mids increasing along the mailbox. */
      g_assert_cmpint (td_message_get_seq (m), ==, i + 1);
      g_assert_cmpint (td_message_get_mid (m), >, prev_mid);
      prev_mid = td_message_get_mid (m);
      g_assert_true (g_str_equal (td_message_get_from (m), login) ||
                     g_str_equal (td_message_get_to (m), login));
    }
}

static void
test_messages_seqs (Fixture *f, gconstpointer data)
{
  gint64 ids[3];
  const char *logins[3] = { "alice", "bob", "carol" };
  gint64 expected[3] = { 0, 0, 0 };
  gint64 prev_mid = 0;

  for (guint i = 0; i < 3; i++)
    ids[i] = add_user (f, logins[i], NULL);

  for (guint n = 0; n < 60; n++)
    {
      TdStoreSendResult result = { 0 };
      guint from = n % 3, to = (n / 3) % 3;
      g_autofree char *id = g_strdup_printf ("c%u", n);
      g_autofree char *text = g_strdup_printf ("text %u", n);

      send_message (f, ids[from], ids[to], id, text, &result);
      g_assert_false (result.duplicate);
      expected[from]++;
      if (to != from)
        expected[to]++;

      g_assert_cmpint (td_message_get_mid (result.sender_copy), >, prev_mid);
      prev_mid = td_message_get_mid (result.sender_copy);
      g_assert_cmpint (td_message_get_mid (result.recipient_copy), ==, prev_mid);
      g_assert_cmpint (td_message_get_seq (result.sender_copy), ==, expected[from]);
      g_assert_cmpint (td_message_get_seq (result.recipient_copy), ==, expected[to]);
      g_assert_cmpstr (td_message_get_from (result.sender_copy), ==, logins[from]);
      g_assert_cmpstr (td_message_get_to (result.recipient_copy), ==, logins[to]);
      g_assert_cmpstr (td_message_get_id (result.recipient_copy), ==, id);
      g_assert_cmpstr (td_message_get_text (result.recipient_copy), ==, text);
      g_assert_cmpint (td_message_get_time (result.recipient_copy), ==, 1000);
      td_store_send_result_clear (&result);
      g_assert_null (result.sender_copy);
    }

  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpint (last_seq (f, ids[i]), ==, expected[i]);
      assert_mailbox_consistent (f, ids[i], logins[i]);
    }
}

static void
test_messages_duplicate (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  TdStoreSendResult first = { 0 }, again = { 0 }, other = { 0 };
  gint64 alice = add_user (f, "alice", NULL);
  gint64 bob = add_user (f, "bob", NULL);
  gint64 carol = add_user (f, "carol", NULL);

  send_message (f, carol, alice, "x", "shift alice's seqs", &other);
  td_store_send_result_clear (&other);
  send_message (f, alice, bob, "id-1", "hello", &first);

  /* The resend (later, another time) returns the original unchanged. */
  begin (f);
  g_assert_true (td_store_add_message (f->store, alice, bob, "id-1", "hello", 99999, &again, &error));
  g_assert_no_error (error);
  commit (f);
  g_assert_true (again.duplicate);
  g_assert_cmpint (td_message_get_mid (again.sender_copy), ==, td_message_get_mid (first.sender_copy));
  g_assert_cmpint (td_message_get_seq (again.sender_copy), ==, 2);
  g_assert_cmpint (td_message_get_seq (again.recipient_copy), ==, 1);
  g_assert_cmpint (td_message_get_time (again.sender_copy), ==, 1000);
  g_assert_cmpstr (td_message_get_to (again.sender_copy), ==, "bob");
  g_assert_cmpint (last_seq (f, alice), ==, 2);
  g_assert_cmpint (last_seq (f, bob), ==, 1);
  td_store_send_result_clear (&again);

  /* Same id, other text or other recipient: conflict, nothing written. */
  begin (f);
  g_assert_false (td_store_add_message (f->store, alice, bob, "id-1", "changed", 1000, &again, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_false (td_store_add_message (f->store, alice, carol, "id-1", "hello", 1000, &again, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_null (again.sender_copy);

  /* The same client id from another sender is another message. */
  g_assert_true (td_store_add_message (f->store, bob, alice, "id-1", "hello", 1000, &other, &error));
  g_assert_no_error (error);
  g_assert_false (other.duplicate);
  commit (f);
  g_assert_cmpint (td_message_get_mid (other.sender_copy), >, td_message_get_mid (first.sender_copy));
  g_assert_cmpint (last_seq (f, alice), ==, 3);
  g_assert_cmpint (last_seq (f, bob), ==, 2);
  td_store_send_result_clear (&first);
  td_store_send_result_clear (&other);
}

static void
test_messages_to_self (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) messages = NULL;
  TdStoreSendResult result = { 0 };
  gint64 alice = add_user (f, "alice", NULL);

  send_message (f, alice, alice, "note", "remember the milk", &result);
  g_assert_cmpint (td_message_get_seq (result.sender_copy), ==, 1);
  g_assert_cmpint (td_message_get_seq (result.recipient_copy), ==, 1);
  g_assert_cmpstr (td_message_get_to (result.sender_copy), ==, "alice");
  td_store_send_result_clear (&result);

  messages = mailbox (f, alice, 0, 10);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpint (last_seq (f, alice), ==, 1);

  /* A resend of a note to oneself is a duplicate too. */
  send_message (f, alice, alice, "note", "remember the milk", &result);
  g_assert_true (result.duplicate);
  g_assert_cmpint (td_message_get_seq (result.recipient_copy), ==, 1);
  td_store_send_result_clear (&result);
}

static void
test_messages_unknown_user (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  TdStoreSendResult result = { 0 };
  gint64 alice = add_user (f, "alice", NULL);

  begin (f);
  g_assert_false (td_store_add_message (f->store, alice, 9999, "a", "hi", 1, &result, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (td_store_add_message (f->store, 9999, alice, "a", "hi", 1, &result, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  commit (f);

  g_assert_cmpint (last_seq (f, alice), ==, 0);
  g_assert_cmpint (td_store_mailbox_last_seq (f->store, 9999, &error), ==, -1);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
}

static void
test_mailbox_paging (Fixture *f, gconstpointer data)
{
  gint64 alice = add_user (f, "alice", NULL);
  gint64 bob = add_user (f, "bob", NULL);
  gint64 after = 0;
  guint pages = 0, total = 0;

  for (guint n = 1; n <= 25; n++)
    {
      TdStoreSendResult result = { 0 };
      g_autofree char *id = g_strdup_printf ("m%u", n);
      g_autofree char *text = g_strdup_printf ("message %u", n);

      send_message (f, alice, bob, id, text, &result);
      td_store_send_result_clear (&result);
    }

  for (;;)
    {
      g_autoptr(GPtrArray) page = mailbox (f, bob, after, 10);

      if (page->len == 0)
        break;
      pages++;
      g_assert_cmpuint (page->len, ==, pages < 3 ? 10 : 5);
      for (guint i = 0; i < page->len; i++)
        {
          TdMessage *m = page->pdata[i];
          g_autofree char *text = g_strdup_printf ("message %" G_GINT64_FORMAT, after + 1);

          g_assert_cmpint (td_message_get_seq (m), ==, after + 1);
          g_assert_cmpstr (td_message_get_text (m), ==, text);
          g_assert_cmpstr (td_message_get_from (m), ==, "alice");
          g_assert_cmpstr (td_message_get_to (m), ==, "bob");
          after = td_message_get_seq (m);
          total++;
        }
    }

  g_assert_cmpuint (pages, ==, 3);
  g_assert_cmpuint (total, ==, 25);
}

static void
test_history_paging (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) td_message_unref);
  gint64 alice = add_user (f, "alice", NULL);
  gint64 bob = add_user (f, "bob", NULL);
  gint64 carol = add_user (f, "carol", NULL);
  gint64 before = 0;
  gboolean more = TRUE;
  guint pages = 0;

  for (guint n = 0; n < 120; n++)
    {
      TdStoreSendResult result = { 0 };
      TdStoreSendResult noise = { 0 };
      g_autofree char *id = g_strdup_printf ("h%u", n);

      /* Both directions belong to the conversation. */
      send_message (f, n % 2 ? alice : bob, n % 2 ? bob : alice, id, "x", &result);
      g_ptr_array_add (all, td_message_ref (result.sender_copy));
      td_store_send_result_clear (&result);
      if (n % 10 == 0)
        {
          send_message (f, alice, carol, id, "noise", &noise);
          td_store_send_result_clear (&noise);
        }
    }

  /* Paging backwards from the newest, each page oldest first. */
  while (more)
    {
      g_autoptr(GPtrArray) page = td_store_history (f->store, pages % 2 ? alice : bob,
                                                    pages % 2 ? bob : alice,
                                                    before, 50, &more, &error);
      guint expected = pages < 2 ? 50 : 20;

      g_assert_no_error (error);
      g_assert_cmpuint (page->len, ==, expected);
      g_assert_true (more == (pages < 2));
      for (guint i = 0; i < page->len; i++)
        {
          TdMessage *m = page->pdata[i];
          TdMessage *want = all->pdata[all->len - (pages * 50) - expected + i];

          g_assert_cmpint (td_message_get_mid (m), ==, td_message_get_mid (want));
          g_assert_cmpint (td_message_get_seq (m), ==, 0);
          g_assert_cmpstr (td_message_get_from (m), ==, td_message_get_from (want));
          g_assert_cmpstr (td_message_get_to (m), ==, td_message_get_to (want));
          g_assert_cmpstr (td_message_get_id (m), ==, td_message_get_id (want));
        }
      before = td_message_get_mid (page->pdata[0]);
      pages++;
    }
  g_assert_cmpuint (pages, ==, 3);

  /* Exactly a full page left: no "more". */
  {
    g_autoptr(GPtrArray) page = td_store_history (f->store, alice, bob,
                                                  td_message_get_mid (all->pdata[50]),
                                                  50, &more, &error);
    g_assert_cmpuint (page->len, ==, 50);
    g_assert_false (more);
  }

  /* A conversation with nobody in it is empty. */
  {
    g_autoptr(GPtrArray) page = td_store_history (f->store, bob, carol, 0, 50, &more, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (page->len, ==, 0);
    g_assert_false (more);
  }
}

/* ---- cursors ---- */

static void
test_cursors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 alice = add_user (f, "alice", NULL);
  gint64 bob = add_user (f, "bob", NULL);

  begin (f);
  g_assert_cmpint (td_store_get_cursor (f->store, alice, "laptop", &error), ==, 0);
  g_assert_no_error (error);
  commit (f);

  for (guint n = 0; n < 5; n++)
    {
      TdStoreSendResult result = { 0 };
      g_autofree char *id = g_strdup_printf ("c%u", n);

      send_message (f, bob, alice, id, "x", &result);
      td_store_send_result_clear (&result);
    }

  begin (f);
  g_assert_true (td_store_set_cursor (f->store, alice, "laptop", 3, &error));
  g_assert_no_error (error);
  g_assert_cmpint (td_store_get_cursor (f->store, alice, "laptop", &error), ==, 3);
  /* Never lowered. */
  g_assert_true (td_store_set_cursor (f->store, alice, "laptop", 2, &error));
  g_assert_true (td_store_set_cursor (f->store, alice, "laptop", -7, &error));
  g_assert_cmpint (td_store_get_cursor (f->store, alice, "laptop", &error), ==, 3);
  /* Clamped to the mailbox. */
  g_assert_true (td_store_set_cursor (f->store, alice, "laptop", 99, &error));
  g_assert_cmpint (td_store_get_cursor (f->store, alice, "laptop", &error), ==, 5);
  g_assert_no_error (error);
  commit (f);

  /* A new device starts at the highest cursor of the others, and keeps
   * its own row from then on. */
  begin (f);
  g_assert_true (td_store_set_cursor (f->store, alice, "tablet", 2, &error));
  g_assert_cmpint (td_store_get_cursor (f->store, alice, "phone", &error), ==, 5);
  g_assert_cmpint (td_store_get_cursor (f->store, alice, "tablet", &error), ==, 2);
  g_assert_no_error (error);
  commit (f);
  reopen (f);
  g_assert_cmpint (td_store_get_cursor (f->store, alice, "phone", &error), ==, 5);
  g_assert_cmpint (td_store_get_cursor (f->store, alice, "tablet", &error), ==, 2);
  /* Other users' cursors are separate. */
  begin (f);
  g_assert_cmpint (td_store_get_cursor (f->store, bob, "laptop", &error), ==, 0);
  g_assert_no_error (error);
  g_assert_cmpint (td_store_get_cursor (f->store, 9999, "laptop", &error), ==, -1);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (td_store_set_cursor (f->store, 9999, "laptop", 1, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  commit (f);
}

static void
test_cursors_bulk (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 alice = add_user (f, "alice", NULL);
  gint64 bob = add_user (f, "bob", NULL);
  TdCursorUpdate first[] = {
    { alice, "laptop", 3 },
    { bob, "phone", 2 },
    { 9999, "laptop", 1 },       /* no such user: skipped */
    { alice, "phone", 99 },      /* clamped to the mailbox */
    { alice, "laptop", 2 },      /* the same cursor again, lower: highest wins */
    { bob, "tablet", -4 },       /* clamped to 0 */
  };
  TdCursorUpdate second[] = {
    { alice, "laptop", 1 },      /* never lowered */
    { bob, "phone", 4 },
  };

  for (guint n = 0; n < 5; n++)
    {
      TdStoreSendResult result = { 0 };
      g_autofree char *to_alice = g_strdup_printf ("a%u", n);
      g_autofree char *to_bob = g_strdup_printf ("b%u", n);

      send_message (f, bob, alice, to_alice, "x", &result);
      td_store_send_result_clear (&result);
      send_message (f, alice, bob, to_bob, "x", &result);
      td_store_send_result_clear (&result);
    }

  begin (f);
  g_assert_true (td_store_set_cursors (f->store, NULL, 0, &error));
  g_assert_true (td_store_set_cursors (f->store, first, G_N_ELEMENTS (first), &error));
  g_assert_no_error (error);
  commit (f);
  begin (f);
  g_assert_true (td_store_set_cursors (f->store, second, G_N_ELEMENTS (second), &error));
  g_assert_no_error (error);
  commit (f);

  reopen (f);
  begin (f);
  g_assert_cmpint (td_store_get_cursor (f->store, alice, "laptop", &error), ==, 3);
  g_assert_cmpint (td_store_get_cursor (f->store, alice, "phone", &error), ==, 10);
  g_assert_cmpint (td_store_get_cursor (f->store, bob, "phone", &error), ==, 4);
  g_assert_cmpint (td_store_get_cursor (f->store, bob, "tablet", &error), ==, 0);
  g_assert_no_error (error);
  commit (f);
}

/* ---- transactions ---- */

static void
test_transactions (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) other = NULL;
  g_autoptr(TdStoreUser) seen = NULL;

  /* A savepoint needs a transaction around it. */
  g_assert_false (td_store_savepoint (f->store, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
  g_clear_error (&error);

  begin (f);
  g_assert_true (td_store_put_user (f->store, "gone", "Gone", NULL, NULL, NULL, TRUE, &error));
  td_store_rollback (f->store);
  g_assert_null (td_store_get_user (f->store, "gone", &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  begin (f);
  g_assert_true (td_store_savepoint (f->store, &error));
  g_assert_true (td_store_put_user (f->store, "undone", "Undone", NULL, NULL, NULL, TRUE, &error));
  td_store_rollback_to (f->store);
  g_assert_true (td_store_release (f->store, &error));
  g_assert_true (td_store_savepoint (f->store, &error));
  g_assert_true (td_store_put_user (f->store, "kept", "Kept", NULL, NULL, NULL, TRUE, &error));
  g_assert_true (td_store_release (f->store, &error));
  g_assert_no_error (error);

  /* A second connection (tidingsctl) still reads during the write. */
  other = open_store (f);
  g_assert_null (td_store_get_user (TD_STORE (other), "kept", &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  commit (f);
  seen = td_store_get_user (TD_STORE (other), "kept", &error);
  g_assert_no_error (error);
  g_assert_null (td_store_get_user (f->store, "undone", &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
}

/* ---- helpers for groups, reminders and integrations ---- */

static gint64
add_user_full (Fixture *f, const char *login, const char *department, const char *role)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStoreUser) user = NULL;

  begin (f);
  g_assert_true (td_store_put_user (f->store, login, login, department, NULL, role, TRUE, &error));
  g_assert_no_error (error);
  commit (f);
  user = td_store_get_user (f->store, login, &error);
  g_assert_no_error (error);
  return user->id;
}

static void
put_department (Fixture *f, const char *login, const char *department)
{
  g_autoptr(GError) error = NULL;

  begin (f);
  g_assert_true (td_store_put_user (f->store, login, login, department, NULL, NULL, FALSE, &error));
  g_assert_no_error (error);
  commit (f);
}

static void
set_disabled (Fixture *f, const char *login, gboolean disabled)
{
  g_autoptr(GError) error = NULL;

  begin (f);
  g_assert_true (td_store_set_disabled (f->store, login, disabled, &error));
  g_assert_no_error (error);
  commit (f);
}

/* "alice,bob" */
static char *
members_of (TdGroup *group)
{
  return g_strjoinv (",", (char **) td_group_get_members (group));
}

static char *
group_members (Fixture *f, gint64 group_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdGroup) group = td_store_get_group (f->store, group_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (group);
  return members_of (group);
}

/* "Eng:alice,bob;Ops:" */
static char *
user_groups (Fixture *f, gint64 user_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) groups = td_store_list_user_groups (f->store, user_id, &error);
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < groups->len; i++)
    {
      g_autofree char *members = members_of (groups->pdata[i]);

      g_string_append_printf (out, "%s%s:%s", i > 0 ? ";" : "",
                              td_group_get_name (groups->pdata[i]), members);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gint64
department_group_id (Fixture *f, const char *department)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) groups = td_store_list_groups (f->store, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < groups->len; i++)
    {
      TdGroup *group = groups->pdata[i];

      if (td_group_get_kind (group) == TD_GROUP_DEPARTMENT &&
          g_str_equal (td_group_get_name (group), department))
        return td_group_get_id (group);
    }
  g_assert_not_reached ();
}

static gint64
create_group (Fixture *f, gint64 owner, const char *name, const gint64 *ids, guint n_ids)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdGroup) group = NULL;

  begin (f);
  group = td_store_create_group (f->store, owner, name, ids, n_ids, 5000, &error);
  g_assert_no_error (error);
  g_assert_nonnull (group);
  commit (f);
  return td_group_get_id (group);
}

static void
send_group (Fixture                *f,
            gint64                  from,
            gint64                  group_id,
            const char             *id,
            const char             *text,
            TdStoreGroupSendResult *out)
{
  g_autoptr(GError) error = NULL;

  begin (f);
  g_assert_true (td_store_add_group_message (f->store, from, group_id, id, text, 2000,
                                             out, &error));
  g_assert_no_error (error);
  commit (f);
}

/* ---- migration ---- */

/* The version-1 schema exactly as released (migration step 1). */
static const char v1_schema[] =
  "CREATE TABLE departments (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
  "CREATE TABLE users ("
  "  id INTEGER PRIMARY KEY, login TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
  "  department_id INTEGER REFERENCES departments, title TEXT NOT NULL DEFAULT '',"
  "  password_hash TEXT,"
  "  role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),"
  "  disabled INTEGER NOT NULL DEFAULT 0, last_seq INTEGER NOT NULL DEFAULT 0,"
  "  created INTEGER NOT NULL);"
  "CREATE TABLE tokens ("
  "  hash BLOB PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users ON DELETE CASCADE,"
  "  device TEXT NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL);"
  "CREATE INDEX tokens_user ON tokens (user_id);"
  "CREATE TABLE messages ("
  "  mid INTEGER PRIMARY KEY, sender_id INTEGER NOT NULL, recipient_id INTEGER NOT NULL,"
  "  client_id TEXT NOT NULL, text TEXT NOT NULL, time INTEGER NOT NULL,"
  "  conv_lo INTEGER NOT NULL, conv_hi INTEGER NOT NULL,"
  "  sender_seq INTEGER NOT NULL, recipient_seq INTEGER NOT NULL,"
  "  UNIQUE (sender_id, client_id));"
  "CREATE INDEX messages_conversation ON messages (conv_lo, conv_hi, mid);"
  "CREATE TABLE mailbox ("
  "  user_id INTEGER NOT NULL, seq INTEGER NOT NULL, mid INTEGER NOT NULL,"
  "  PRIMARY KEY (user_id, seq)) WITHOUT ROWID;"
  "CREATE TABLE cursors ("
  "  user_id INTEGER NOT NULL REFERENCES users ON DELETE CASCADE, device TEXT NOT NULL,"
  "  acked INTEGER NOT NULL, PRIMARY KEY (user_id, device)) WITHOUT ROWID;"
  "INSERT INTO departments VALUES (1, 'Sales'), (2, 'Eng');"
  "INSERT INTO users VALUES (1, 'alice', 'Alice', 1, 'Boss', '$argon2id$x', 'admin', 0, 2, 1),"
  "                         (2, 'bob', 'Bob', 2, '', NULL, 'user', 0, 1, 1),"
  "                         (3, 'carol', 'Carol', 2, '', NULL, 'user', 1, 0, 1),"
  "                         (7, 'dave', 'Dave', NULL, '', NULL, 'user', 0, 0, 1);"
  "INSERT INTO tokens VALUES (x'0101010101010101010101010101010101010101010101010101010101010101',"
  "                           1, 'laptop', 1, 9000000000000),"
  "                          (x'0707070707070707070707070707070707070707070707070707070707070707',"
  "                           7, 'phone', 1, 9000000000000);"
  "INSERT INTO messages VALUES (1, 1, 2, 'm1', 'hello bob', 100, 1, 2, 1, 1),"
  "                            (2, 1, 1, 'm2', 'note', 200, 1, 1, 2, 2);"
  "INSERT INTO mailbox VALUES (1, 1, 1), (2, 1, 1), (1, 2, 2);"
  "INSERT INTO cursors VALUES (1, 'laptop', 2), (2, 'pc', 1);"
  "PRAGMA user_version = 1;";

static void
test_migrate_v1 (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "tidings.db", NULL);
  g_autoptr(TdStoreUser) alice = NULL;
  g_autoptr(TdStoreUser) dave = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autofree char *eng = NULL;
  g_autofree char *sales = NULL;
  TdStoreSendResult result = { 0 };
  guint8 alice_token[32], dave_token[32];
  sqlite3 *db = NULL;
  gboolean more = TRUE;

  if (skip_on_pg ())
    return;

  memset (alice_token, 0x01, sizeof alice_token);
  memset (dave_token, 0x07, sizeof dave_token);

  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_assert_cmpint (g_mkdir (f->dir, 0700), ==, 0);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, v1_schema, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (user_version (path), ==, 1);

  reopen (f);
  g_assert_cmpint (user_version (path), ==, 2);

  /* Users kept their ids and data through the table rebuild. */
  alice = td_store_get_user (f->store, "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpint (alice->id, ==, 1);
  g_assert_cmpstr (alice->role, ==, "admin");
  g_assert_cmpstr (alice->password_hash, ==, "$argon2id$x");
  g_assert_cmpstr (alice->department, ==, "Sales");
  g_assert_cmpstr (alice->title, ==, "Boss");
  dave = td_store_get_user_by_id (f->store, 7, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dave->login, ==, "dave");

  /* Dropping the old users table cascaded nothing: tokens and cursors. */
  g_assert_cmpint (td_store_check_token (f->store, alice_token, 32, 1000, NULL, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpint (td_store_check_token (f->store, dave_token, 32, 1000, NULL, &error), ==, 7);
  g_assert_no_error (error);
  begin (f);
  g_assert_cmpint (td_store_get_cursor (f->store, 1, "laptop", &error), ==, 2);
  g_assert_cmpint (td_store_get_cursor (f->store, 2, "pc", &error), ==, 1);
  g_assert_no_error (error);
  commit (f);

  /* Old messages read as before; counters continue. */
  messages = mailbox (f, 2, 0, 10);
  g_assert_cmpuint (messages->len, ==, 1);
  g_assert_cmpstr (td_message_get_to (messages->pdata[0]), ==, "bob");
  g_assert_cmpstr (td_message_get_text (messages->pdata[0]), ==, "hello bob");
  history = td_store_history (f->store, 1, 2, 0, 10, &more, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 1);
  g_assert_false (more);
  send_message (f, 1, 2, "m3", "again", &result);
  g_assert_cmpint (td_message_get_seq (result.sender_copy), ==, 3);
  g_assert_cmpint (td_message_get_seq (result.recipient_copy), ==, 2);
  td_store_send_result_clear (&result);

  /* Existing departments got their groups: enabled members only. */
  groups = td_store_list_groups (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (groups->len, ==, 2);
  g_assert_cmpstr (td_group_get_name (groups->pdata[0]), ==, "Eng");
  g_assert_cmpstr (td_group_get_name (groups->pdata[1]), ==, "Sales");
  eng = members_of (groups->pdata[0]);
  sales = members_of (groups->pdata[1]);
  g_assert_cmpstr (eng, ==, "bob");
  g_assert_cmpstr (sales, ==, "alice");

  /* The new role is accepted (the rebuilt table's CHECK allows it). */
  begin (f);
  g_assert_true (td_store_put_user (f->store, "helper", "Helper", NULL, NULL, "bot", TRUE, &error));
  g_assert_no_error (error);
  g_assert_false (td_store_put_user (f->store, "x", "X", NULL, NULL, "root", TRUE, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* Foreign keys are enforced again after the migration. */
  g_assert_false (td_store_add_token (f->store, dave_token, 16, 999, "x", 9000000000000, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_true (td_store_delete_user (f->store, "dave", &error));
  g_assert_no_error (error);
  commit (f);
  g_assert_cmpint (td_store_check_token (f->store, dave_token, 32, 1000, NULL, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Opening again is a no-op. */
  reopen (f);
  g_assert_cmpint (user_version (path), ==, 2);
}

/* ---- groups ---- */

static void
test_groups_department (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdGroup) group = NULL;
  g_autofree char *s = NULL;
  gint64 alice, bob, eng_id, sales_id, ops_id;

  alice = add_user_full (f, "alice", "Sales", NULL);
  bob = add_user_full (f, "bob", "Eng", NULL);
  add_user_full (f, "carol", "Eng", NULL);
  add_user_full (f, "nodept", NULL, NULL);
  eng_id = department_group_id (f, "Eng");
  sales_id = department_group_id (f, "Sales");

  group = td_store_get_group (f->store, eng_id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (td_group_get_kind (group), ==, TD_GROUP_DEPARTMENT);
  g_assert_cmpstr (td_group_get_owner (group), ==, "");
  g_clear_pointer (&group, td_group_unref);

  s = group_members (f, eng_id);
  g_assert_cmpstr (s, ==, "bob,carol");
  g_clear_pointer (&s, g_free);
  s = user_groups (f, alice);
  g_assert_cmpstr (s, ==, "Sales:alice");
  g_clear_pointer (&s, g_free);

  /* Moving a user moves their membership; nothing to update by hand. */
  put_department (f, "alice", "Eng");
  s = user_groups (f, alice);
  g_assert_cmpstr (s, ==, "Eng:alice,bob,carol");
  g_clear_pointer (&s, g_free);
  s = group_members (f, sales_id);
  g_assert_cmpstr (s, ==, "");
  g_clear_pointer (&s, g_free);

  /* Disabled users are not members; enabled again, they are. */
  set_disabled (f, "bob", TRUE);
  s = group_members (f, eng_id);
  g_assert_cmpstr (s, ==, "alice,carol");
  g_clear_pointer (&s, g_free);
  s = user_groups (f, bob);
  g_assert_cmpstr (s, ==, "");
  g_clear_pointer (&s, g_free);
  set_disabled (f, "bob", FALSE);
  s = group_members (f, eng_id);
  g_assert_cmpstr (s, ==, "alice,bob,carol");
  g_clear_pointer (&s, g_free);

  /* A new department comes with its group at once. */
  begin (f);
  td_store_ensure_department (f->store, "Ops", &error);
  g_assert_no_error (error);
  commit (f);
  ops_id = department_group_id (f, "Ops");
  g_assert_cmpint (ops_id, !=, eng_id);
  put_department (f, "nodept", "Ops");
  s = group_members (f, ops_id);
  g_assert_cmpstr (s, ==, "nodept");
  g_clear_pointer (&s, g_free);

  /* Department groups cannot be edited. */
  begin (f);
  g_assert_null (td_store_update_group (f->store, eng_id, "New", NULL, 0, NULL, 0, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (td_store_update_group (f->store, 9999, "New", NULL, 0, NULL, 0, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  commit (f);
  g_assert_null (td_store_get_group (f->store, 9999, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
}

static void
test_groups_adhoc (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdGroup) group = NULL;
  g_autoptr(GPtrArray) all = NULL;
  g_autofree char *s = NULL;
  gint64 alice, bob, carol, dave, eve, frank, gid, gid2;

  alice = add_user_full (f, "alice", "Sales", NULL);
  bob = add_user_full (f, "bob", NULL, NULL);
  carol = add_user_full (f, "carol", NULL, NULL);
  dave = add_user_full (f, "dave", NULL, NULL);
  eve = add_user_full (f, "eve", NULL, NULL);
  frank = add_user_full (f, "frank", NULL, NULL);
  set_disabled (f, "dave", TRUE);

  {
    gint64 ids[] = { carol, bob, bob };

    begin (f);
    group = td_store_create_group (f->store, alice, "Crew", ids, G_N_ELEMENTS (ids), 5000, &error);
    g_assert_no_error (error);
    commit (f);
  }
  gid = td_group_get_id (group);
  g_assert_cmpint (td_group_get_kind (group), ==, TD_GROUP_ADHOC);
  g_assert_cmpstr (td_group_get_name (group), ==, "Crew");
  g_assert_cmpstr (td_group_get_owner (group), ==, "alice");
  s = td_group_address (gid);
  g_assert_cmpstr (td_group_get_address (group), ==, s);
  g_clear_pointer (&s, g_free);
  s = members_of (group);
  g_assert_cmpstr (s, ==, "alice,bob,carol");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&group, td_group_unref);

  /* Refusals write nothing. */
  begin (f);
  {
    gint64 unknown[] = { bob, 9999 };
    gint64 disabled[] = { dave };

    g_assert_null (td_store_create_group (f->store, alice, "X", unknown, 2, 1, &error));
    g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_null (td_store_create_group (f->store, alice, "X", disabled, 1, 1, &error));
    g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_null (td_store_create_group (f->store, alice, "", NULL, 0, 1, &error));
    g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
    g_clear_error (&error);
    g_assert_null (td_store_create_group (f->store, 9999, "X", NULL, 0, 1, &error));
    g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }
  commit (f);
  all = td_store_list_groups (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 2);   /* Sales + Crew */
  g_clear_pointer (&all, g_ptr_array_unref);

  /* Rename, add, remove; an unknown id in add changes nothing at all. */
  begin (f);
  {
    gint64 add_bad[] = { 9999 };
    gint64 add[] = { eve, bob };
    gint64 remove[] = { carol, frank };

    g_assert_null (td_store_update_group (f->store, gid, "Renamed", add_bad, 1, NULL, 0, &error));
    g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
    group = td_store_update_group (f->store, gid, "Release crew", add, 2, remove, 2, &error);
    g_assert_no_error (error);
  }
  commit (f);
  g_assert_cmpstr (td_group_get_name (group), ==, "Release crew");
  s = members_of (group);
  g_assert_cmpstr (s, ==, "alice,bob,eve");
  g_clear_pointer (&s, g_free);
  g_clear_pointer (&group, td_group_unref);

  /* Department group first, then ad-hoc ones by name. */
  gid2 = create_group (f, alice, "Alpha", NULL, 0);
  s = user_groups (f, alice);
  g_assert_cmpstr (s, ==, "Sales:alice;Alpha:alice;Release crew:alice,bob,eve");
  g_clear_pointer (&s, g_free);

  /* Last one out deletes the group. */
  begin (f);
  {
    gint64 everyone[] = { alice, bob, eve };

    g_assert_null (td_store_update_group (f->store, gid, NULL, NULL, 0, everyone, 3, &error));
    g_assert_no_error (error);
  }
  commit (f);
  g_assert_null (td_store_get_group (f->store, gid, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Deleting users removes them from groups; an emptied group goes. */
  {
    gint64 ids[] = { frank };

    gid = create_group (f, eve, "Pair", ids, 1);
  }
  begin (f);
  g_assert_true (td_store_delete_user (f->store, "eve", &error));
  g_assert_no_error (error);
  commit (f);
  s = group_members (f, gid);
  g_assert_cmpstr (s, ==, "frank");
  g_clear_pointer (&s, g_free);
  group = td_store_get_group (f->store, gid, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (td_group_get_owner (group), ==, "");   /* owner gone */
  g_clear_pointer (&group, td_group_unref);
  begin (f);
  g_assert_true (td_store_delete_user (f->store, "frank", &error));
  g_assert_no_error (error);
  commit (f);
  g_assert_null (td_store_get_group (f->store, gid, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  group = td_store_get_group (f->store, gid2, &error);
  g_assert_no_error (error);
}

static void
test_groups_messages (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) bob_box = NULL;
  g_autofree char *address = NULL;
  TdStoreSendResult one = { 0 };
  TdStoreGroupSendResult out = { 0 };
  TdStoreGroupSendResult again = { 0 };
  TdStoreDelivery *d;
  gint64 alice, bob, carol, dave, gid, eng, mid;

  alice = add_user_full (f, "alice", "Eng", NULL);
  bob = add_user_full (f, "bob", "Eng", NULL);
  carol = add_user_full (f, "carol", NULL, NULL);
  dave = add_user_full (f, "dave", "Eng", NULL);
  {
    gint64 ids[] = { carol, bob };

    gid = create_group (f, alice, "Crew", ids, 2);
  }
  address = td_group_address (gid);

  /* Give the mailboxes different lengths so that seqs differ. */
  send_message (f, alice, carol, "p1", "one", &one);
  td_store_send_result_clear (&one);
  send_message (f, alice, carol, "p2", "two", &one);
  td_store_send_result_clear (&one);
  send_message (f, bob, bob, "p3", "self", &one);
  td_store_send_result_clear (&one);

  send_group (f, alice, gid, "g1", "hello crew", &out);
  g_assert_false (out.duplicate);
  mid = td_message_get_mid (out.sender_copy);
  g_assert_cmpint (td_message_get_seq (out.sender_copy), ==, 3);
  g_assert_cmpstr (td_message_get_to (out.sender_copy), ==, address);
  g_assert_cmpstr (td_message_get_from (out.sender_copy), ==, "alice");
  g_assert_cmpuint (out.deliveries->len, ==, 2);
  d = out.deliveries->pdata[0];
  g_assert_cmpint (d->user_id, ==, bob);
  g_assert_cmpstr (d->login, ==, "bob");
  g_assert_cmpint (td_message_get_seq (d->copy), ==, 2);
  g_assert_cmpint (td_message_get_mid (d->copy), ==, mid);
  g_assert_cmpstr (td_message_get_to (d->copy), ==, address);
  d = out.deliveries->pdata[1];
  g_assert_cmpstr (d->login, ==, "carol");
  g_assert_cmpint (td_message_get_seq (d->copy), ==, 3);
  g_assert_cmpint (last_seq (f, alice), ==, 3);
  g_assert_cmpint (last_seq (f, bob), ==, 2);
  g_assert_cmpint (last_seq (f, carol), ==, 3);
  g_assert_cmpint (last_seq (f, dave), ==, 0);

  /* Each member's mailbox has it, addressed to the group. */
  bob_box = mailbox (f, bob, 1, 10);
  g_assert_cmpuint (bob_box->len, ==, 1);
  g_assert_cmpint (td_message_get_seq (bob_box->pdata[0]), ==, 2);
  g_assert_cmpstr (td_message_get_to (bob_box->pdata[0]), ==, address);
  g_assert_cmpstr (td_message_get_text (bob_box->pdata[0]), ==, "hello crew");
  g_clear_pointer (&bob_box, g_ptr_array_unref);

  /* A resend is the original, nothing written. */
  send_group (f, alice, gid, "g1", "hello crew", &again);
  g_assert_true (again.duplicate);
  g_assert_cmpint (td_message_get_mid (again.sender_copy), ==, mid);
  g_assert_cmpint (td_message_get_seq (again.sender_copy), ==, 3);
  g_assert_cmpuint (again.deliveries->len, ==, 0);
  g_assert_cmpint (last_seq (f, bob), ==, 2);
  td_store_group_send_result_clear (&again);
  g_assert_null (again.sender_copy);
  g_assert_null (again.deliveries);

  begin (f);
  /* Same id, other text or other group: conflict. */
  g_assert_false (td_store_add_group_message (f->store, alice, gid, "g1", "changed", 1, &again, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_CONFLICT);
  g_clear_error (&error);
  eng = department_group_id (f, "Eng");
  g_assert_false (td_store_add_group_message (f->store, alice, eng, "g1", "hello crew", 1, &again, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_CONFLICT);
  g_clear_error (&error);
  /* A group message's id cannot be reused 1:1, and the other way round. */
  g_assert_false (td_store_add_message (f->store, alice, bob, "g1", "hello crew", 1, &one, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_CONFLICT);
  g_clear_error (&error);
  g_assert_false (td_store_add_group_message (f->store, alice, gid, "p1", "one", 1, &again, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_CONFLICT);
  g_clear_error (&error);
  /* Not a member; no such group. */
  g_assert_false (td_store_add_group_message (f->store, dave, gid, "d1", "hi", 1, &again, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (td_store_add_group_message (f->store, alice, 9999, "d2", "hi", 1, &again, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  commit (f);
  g_assert_null (again.sender_copy);

  /* A department group reaches its enabled members only. */
  set_disabled (f, "dave", TRUE);
  send_group (f, bob, eng, "e1", "eng news", &again);
  g_assert_cmpint (td_message_get_seq (again.sender_copy), ==, 3);
  g_assert_cmpuint (again.deliveries->len, ==, 1);
  d = again.deliveries->pdata[0];
  g_assert_cmpstr (d->login, ==, "alice");
  g_assert_cmpint (td_message_get_seq (d->copy), ==, 4);
  g_assert_cmpint (last_seq (f, dave), ==, 0);
  td_store_group_send_result_clear (&again);

  /* A message to oneself still works as before. */
  send_message (f, carol, carol, "c1", "memo", &one);
  g_assert_cmpint (td_message_get_seq (one.sender_copy), ==, 4);
  g_assert_true (one.sender_copy == one.recipient_copy);
  td_store_send_result_clear (&one);

  td_store_group_send_result_clear (&out);
}

static void
test_groups_history (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GPtrArray) pair = NULL;
  g_autofree char *address = NULL;
  gint64 alice, bob, gid, mids[5];
  gboolean more = FALSE;

  alice = add_user_full (f, "alice", NULL, NULL);
  bob = add_user_full (f, "bob", NULL, NULL);
  {
    gint64 ids[] = { bob };

    gid = create_group (f, alice, "Two", ids, 1);
  }
  address = td_group_address (gid);

  for (guint i = 0; i < 5; i++)
    {
      TdStoreGroupSendResult out = { 0 };
      TdStoreSendResult one = { 0 };
      g_autofree char *id = g_strdup_printf ("g%u", i);
      g_autofree char *pid = g_strdup_printf ("p%u", i);
      g_autofree char *text = g_strdup_printf ("group %u", i);

      send_group (f, i % 2 ? bob : alice, gid, id, text, &out);
      mids[i] = td_message_get_mid (out.sender_copy);
      td_store_group_send_result_clear (&out);
      /* Interleaved 1:1 traffic between the same two people. */
      send_message (f, alice, bob, pid, "private", &one);
      td_store_send_result_clear (&one);
    }

  page = td_store_group_history (f->store, gid, 0, 2, &more, &error);
  g_assert_no_error (error);
  g_assert_true (more);
  g_assert_cmpuint (page->len, ==, 2);
  g_assert_cmpint (td_message_get_mid (page->pdata[0]), ==, mids[3]);
  g_assert_cmpint (td_message_get_mid (page->pdata[1]), ==, mids[4]);
  g_assert_cmpint (td_message_get_seq (page->pdata[0]), ==, 0);
  g_assert_cmpstr (td_message_get_to (page->pdata[0]), ==, address);
  g_assert_cmpstr (td_message_get_from (page->pdata[0]), ==, "bob");
  g_clear_pointer (&page, g_ptr_array_unref);

  page = td_store_group_history (f->store, gid, mids[3], 10, &more, &error);
  g_assert_no_error (error);
  g_assert_false (more);
  g_assert_cmpuint (page->len, ==, 3);
  g_assert_cmpint (td_message_get_mid (page->pdata[0]), ==, mids[0]);
  g_assert_cmpstr (td_message_get_text (page->pdata[2]), ==, "group 2");
  g_clear_pointer (&page, g_ptr_array_unref);

  /* The two conversations stay apart. */
  pair = td_store_history (f->store, alice, bob, 0, 100, &more, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pair->len, ==, 5);
  for (guint i = 0; i < pair->len; i++)
    g_assert_cmpstr (td_message_get_text (pair->pdata[i]), ==, "private");

  g_assert_null (td_store_group_history (f->store, 9999, 0, 10, &more, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
}

/* ---- read marks ---- */

static char *
reads_of (Fixture *f, gint64 user, gint64 peer, gint64 group)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) marks = td_store_get_reads (f->store, user, peer, group, &error);
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < marks->len; i++)
    {
      TdReadMark *mark = marks->pdata[i];

      g_string_append_printf (out, "%s%s:%" G_GINT64_FORMAT, i > 0 ? "," : "", mark->user, mark->mid);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
set_read (Fixture *f, gint64 user, gint64 peer, gint64 group, gint64 mid)
{
  g_autoptr(GError) error = NULL;
  gboolean moved;

  begin (f);
  moved = td_store_set_read (f->store, user, peer, group, mid, &error);
  g_assert_no_error (error);
  commit (f);
  return moved;
}

static void
test_reads (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *s = NULL;
  gint64 alice, bob, carol, gid;

  alice = add_user_full (f, "alice", NULL, NULL);
  bob = add_user_full (f, "bob", NULL, NULL);
  carol = add_user_full (f, "carol", NULL, NULL);
  {
    gint64 ids[] = { bob, carol };

    gid = create_group (f, alice, "Three", ids, 2);
  }

  /* 1:1: raising only. */
  g_assert_true (set_read (f, alice, bob, 0, 5));
  g_assert_false (set_read (f, alice, bob, 0, 3));
  g_assert_false (set_read (f, alice, bob, 0, 5));
  g_assert_true (set_read (f, alice, bob, 0, 7));
  s = reads_of (f, bob, alice, 0);
  g_assert_cmpstr (s, ==, "alice:7");
  g_clear_pointer (&s, g_free);
  s = reads_of (f, alice, bob, 0);   /* bob has read nothing */
  g_assert_cmpstr (s, ==, "");
  g_clear_pointer (&s, g_free);
  s = reads_of (f, carol, alice, 0);   /* another conversation */
  g_assert_cmpstr (s, ==, "");
  g_clear_pointer (&s, g_free);
  g_assert_true (set_read (f, alice, alice, 0, 9));
  s = reads_of (f, alice, alice, 0);   /* one's own mark is no receipt */
  g_assert_cmpstr (s, ==, "");
  g_clear_pointer (&s, g_free);

  /* Groups: everyone but the asker; a 1:1 mark is not a group mark. */
  g_assert_true (set_read (f, alice, 0, gid, 3));
  g_assert_true (set_read (f, bob, 0, gid, 4));
  g_assert_false (set_read (f, bob, 0, gid, 2));
  s = reads_of (f, alice, 0, gid);
  g_assert_cmpstr (s, ==, "bob:4");
  g_clear_pointer (&s, g_free);
  s = reads_of (f, carol, 0, gid);
  g_assert_cmpstr (s, ==, "alice:3,bob:4");
  g_clear_pointer (&s, g_free);

  /* Someone who left is no longer a participant. */
  begin (f);
  {
    gint64 remove[] = { bob };
    g_autoptr(TdGroup) group = td_store_update_group (f->store, gid, NULL, NULL, 0, remove, 1, &error);

    g_assert_no_error (error);
  }
  commit (f);
  s = reads_of (f, carol, 0, gid);
  g_assert_cmpstr (s, ==, "alice:3");
  g_clear_pointer (&s, g_free);

  /* Refusals. */
  g_assert_false (td_store_set_read (f->store, alice, bob, gid, 1, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (td_store_set_read (f->store, alice, 0, 0, 1, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (td_store_set_read (f->store, alice, bob, 0, 0, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (td_store_get_reads (f->store, alice, 0, 0, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  begin (f);
  g_assert_false (td_store_set_read (f->store, 9999, bob, 0, 1, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  commit (f);
}

/* ---- reminders ---- */

static TdStoreReminder *
add_reminder (Fixture        *f,
              const char     *title,
              gint64          api_key_id,
              gint64          sender_id,
              const char     *key,
              const gint64   *ids,
              guint           n_ids,
              gint64          time_ms,
              gboolean       *out_duplicate)
{
  g_autoptr(GError) error = NULL;
  TdStoreReminder in = { 0 };
  TdStoreReminder *out;

  in.kind = sender_id != 0 ? TD_REMINDER_KIND_ANNOUNCEMENT : TD_REMINDER_KIND_REMINDER;
  in.source = sender_id != 0 ? "admin" : "workflow";
  in.title = (char *) title;
  in.body = "Travel request #4411";
  in.link = "https://flow.example.com/r/4411";
  in.category = "approval";
  in.priority = TD_PRIORITY_URGENT;
  in.time_ms = time_ms;
  in.api_key_id = api_key_id;
  in.sender_id = sender_id;
  in.idempotency_key = (char *) key;

  begin (f);
  out = td_store_add_reminder (f->store, &in, ids, n_ids, out_duplicate, &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);
  commit (f);
  return out;
}

static char *
recipients_of (Fixture *f, gint64 rid)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = td_store_list_recipients (f->store, rid, &error);
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    {
      TdStoreRecipient *r = list->pdata[i];

      g_string_append_printf (out, "%s%s:%s:%d", i > 0 ? "," : "", r->login,
                              td_reminder_state_to_string (r->state), r->read);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_reminders_add (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStoreReminder) first = NULL;
  g_autoptr(TdStoreReminder) again = NULL;
  g_autoptr(TdStoreReminder) other_key = NULL;
  g_autoptr(TdStoreReminder) announcement = NULL;
  g_autoptr(TdStoreReminder) fetched = NULL;
  g_autofree char *s = NULL;
  gboolean duplicate = TRUE;
  gint64 alice, bob, carol;

  alice = add_user_full (f, "alice", NULL, "admin");
  bob = add_user_full (f, "bob", NULL, NULL);
  carol = add_user_full (f, "carol", NULL, NULL);
  set_disabled (f, "carol", TRUE);

  begin (f);
  g_assert_cmpint (td_store_last_reminder_id (f->store, &error), ==, 0);
  g_assert_no_error (error);
  commit (f);

  {
    gint64 ids[] = { bob, bob, carol, alice, 9999 };

    first = add_reminder (f, "Approval waiting", 3, 0, "k-1", ids, G_N_ELEMENTS (ids), 0,
                          &duplicate);
  }
  g_assert_false (duplicate);
  g_assert_cmpint (first->rid, >, 0);
  g_assert_cmpint (first->time_ms, >, 0);   /* filled in */
  g_assert_cmpint (first->kind, ==, TD_REMINDER_KIND_REMINDER);
  g_assert_cmpstr (first->source, ==, "workflow");
  g_assert_cmpstr (first->title, ==, "Approval waiting");
  g_assert_cmpstr (first->link, ==, "https://flow.example.com/r/4411");
  g_assert_cmpstr (first->category, ==, "approval");
  g_assert_cmpint (first->priority, ==, TD_PRIORITY_URGENT);
  g_assert_cmpint (first->api_key_id, ==, 3);
  g_assert_cmpstr (first->idempotency_key, ==, "k-1");
  /* Deduplicated; disabled and unknown users skipped. */
  s = recipients_of (f, first->rid);
  g_assert_cmpstr (s, ==, "alice:open:0,bob:open:0");
  g_clear_pointer (&s, g_free);

  /* Same key, same API key: the original, recipients unchanged. */
  {
    gint64 ids[] = { bob };

    again = add_reminder (f, "Something else", 3, 0, "k-1", ids, 1, 0, &duplicate);
  }
  g_assert_true (duplicate);
  g_assert_cmpint (again->rid, ==, first->rid);
  g_assert_cmpstr (again->title, ==, "Approval waiting");
  s = recipients_of (f, first->rid);
  g_assert_cmpstr (s, ==, "alice:open:0,bob:open:0");
  g_clear_pointer (&s, g_free);

  /* Keys are per API key, and per admin for announcements. */
  {
    gint64 ids[] = { bob };

    other_key = add_reminder (f, "Other key", 4, 0, "k-1", ids, 1, 0, &duplicate);
    g_assert_false (duplicate);
    announcement = add_reminder (f, "Office closed", 0, alice, "k-1", ids, 1, 1234, &duplicate);
    g_assert_false (duplicate);
  }
  g_assert_cmpint (other_key->rid, !=, first->rid);
  g_assert_cmpint (announcement->rid, !=, other_key->rid);
  g_assert_cmpint (announcement->kind, ==, TD_REMINDER_KIND_ANNOUNCEMENT);
  g_assert_cmpint (announcement->sender_id, ==, alice);
  g_assert_cmpint (announcement->time_ms, ==, 1234);

  fetched = td_store_get_reminder (f->store, announcement->rid, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (fetched->title, ==, "Office closed");
  g_assert_cmpint (td_store_last_reminder_id (f->store, &error), ==, announcement->rid);

  /* Refusals store nothing. */
  begin (f);
  {
    TdStoreReminder bad = { 0 };
    gint64 ids[] = { bob };

    bad.source = "workflow";
    bad.title = "";
    g_assert_null (td_store_add_reminder (f->store, &bad, ids, 1, &duplicate, &error));
    g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
    g_clear_error (&error);
    bad.title = "ok";
    bad.link = "javascript:alert(1)";
    g_assert_null (td_store_add_reminder (f->store, &bad, ids, 1, &duplicate, &error));
    g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "link"));
    g_clear_error (&error);
  }
  commit (f);
  g_assert_cmpint (td_store_last_reminder_id (f->store, &error), ==, announcement->rid);
  g_assert_null (td_store_get_reminder (f->store, 9999, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (td_store_list_recipients (f->store, 9999, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
}

static TdReminder *
update_reminder (Fixture          *f,
                 gint64            rid,
                 gint64            user,
                 TdReminderAction  action,
                 gint64            until,
                 gint64            now,
                 gboolean         *changed)
{
  g_autoptr(GError) error = NULL;
  TdReminder *view;

  begin (f);
  view = td_store_update_reminder (f->store, rid, user, action, until, now, changed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (view);
  commit (f);
  return view;
}

static void
test_reminders_update (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStoreReminder) r = NULL;
  g_autoptr(TdReminder) view = NULL;
  g_autoptr(GPtrArray) list = NULL;
  gboolean changed = TRUE;
  gint64 bob, carol, dave;

  bob = add_user_full (f, "bob", NULL, NULL);
  carol = add_user_full (f, "carol", NULL, NULL);
  dave = add_user_full (f, "dave", NULL, NULL);
  {
    gint64 ids[] = { bob, carol };

    r = add_reminder (f, "Approve", 1, 0, NULL, ids, 2, 100, NULL);
  }

  view = td_store_get_user_reminder (f->store, r->rid, bob, &error);
  g_assert_no_error (error);
  g_assert_cmpint (td_reminder_get_rid (view), ==, r->rid);
  g_assert_cmpstr (td_reminder_get_source (view), ==, "workflow");
  g_assert_cmpint (td_reminder_get_state (view), ==, TD_REMINDER_OPEN);
  g_assert_false (td_reminder_get_read (view));
  g_assert_cmpint (td_reminder_get_time (view), ==, 100);
  g_clear_pointer (&view, td_reminder_unref);

  /* Reading is not a change of state. */
  view = update_reminder (f, r->rid, bob, TD_REMINDER_ACTION_READ, 0, 1000, &changed);
  g_assert_false (changed);
  g_assert_true (td_reminder_get_read (view));
  g_assert_cmpint (td_reminder_get_state (view), ==, TD_REMINDER_OPEN);
  g_clear_pointer (&view, td_reminder_unref);

  view = update_reminder (f, r->rid, bob, TD_REMINDER_ACTION_SNOOZE, 50000, 2000, &changed);
  g_assert_true (changed);
  g_assert_cmpint (td_reminder_get_state (view), ==, TD_REMINDER_SNOOZED);
  g_assert_cmpint (td_reminder_get_until (view), ==, 50000);
  g_clear_pointer (&view, td_reminder_unref);
  view = update_reminder (f, r->rid, bob, TD_REMINDER_ACTION_SNOOZE, 50000, 2100, &changed);
  g_assert_false (changed);
  g_clear_pointer (&view, td_reminder_unref);
  view = update_reminder (f, r->rid, bob, TD_REMINDER_ACTION_SNOOZE, 60000, 2200, &changed);
  g_assert_true (changed);   /* a new end is a change */
  g_clear_pointer (&view, td_reminder_unref);

  view = update_reminder (f, r->rid, bob, TD_REMINDER_ACTION_DONE, 0, 3000, &changed);
  g_assert_true (changed);
  g_assert_cmpint (td_reminder_get_state (view), ==, TD_REMINDER_DONE);
  g_assert_cmpint (td_reminder_get_until (view), ==, 0);
  g_clear_pointer (&view, td_reminder_unref);
  view = update_reminder (f, r->rid, bob, TD_REMINDER_ACTION_DONE, 0, 3100, &changed);
  g_assert_false (changed);
  g_clear_pointer (&view, td_reminder_unref);

  view = update_reminder (f, r->rid, bob, TD_REMINDER_ACTION_REOPEN, 0, 4000, &changed);
  g_assert_true (changed);
  g_assert_cmpint (td_reminder_get_state (view), ==, TD_REMINDER_OPEN);
  g_clear_pointer (&view, td_reminder_unref);

  /* Only bob changed; updated is the time of his last action. */
  list = td_store_list_recipients (f->store, r->rid, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (((TdStoreRecipient *) list->pdata[0])->login, ==, "bob");
  g_assert_cmpint (((TdStoreRecipient *) list->pdata[0])->updated_ms, ==, 4000);
  g_assert_true (((TdStoreRecipient *) list->pdata[0])->read);
  g_assert_cmpint (((TdStoreRecipient *) list->pdata[1])->state, ==, TD_REMINDER_OPEN);
  g_assert_false (((TdStoreRecipient *) list->pdata[1])->read);
  g_assert_cmpint (((TdStoreRecipient *) list->pdata[1])->updated_ms, ==, 100);

  /* Refusals. */
  begin (f);
  g_assert_null (td_store_update_reminder (f->store, r->rid, dave, TD_REMINDER_ACTION_DONE, 0,
                                           1, &changed, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (td_store_update_reminder (f->store, r->rid, bob, TD_REMINDER_ACTION_SNOOZE, 0,
                                           1, &changed, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  commit (f);
  g_assert_null (td_store_get_user_reminder (f->store, r->rid, dave, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
}

static char *
user_reminder_titles (Fixture *f, gint64 user, gint64 since, guint limit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = td_store_user_reminders (f->store, user, since, limit, &error);
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < list->len; i++)
    g_string_append_printf (out, "%s%s", i > 0 ? "," : "", td_reminder_get_title (list->pdata[i]));
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_reminders_window (Fixture *f, gconstpointer data)
{
  g_autoptr(TdStoreReminder) a = NULL;
  g_autoptr(TdStoreReminder) b = NULL;
  g_autoptr(TdStoreReminder) c = NULL;
  g_autoptr(TdStoreReminder) d = NULL;
  g_autoptr(TdReminder) view = NULL;
  g_autofree char *s = NULL;
  gint64 bob, carol;

  bob = add_user_full (f, "bob", NULL, NULL);
  carol = add_user_full (f, "carol", NULL, NULL);
  {
    gint64 ids[] = { bob };
    gint64 others[] = { carol };

    a = add_reminder (f, "A", 1, 0, NULL, ids, 1, 100, NULL);
    b = add_reminder (f, "B", 1, 0, NULL, ids, 1, 200, NULL);
    c = add_reminder (f, "C", 1, 0, NULL, ids, 1, 300, NULL);
    d = add_reminder (f, "D", 1, 0, NULL, others, 1, 400, NULL);
  }
  view = update_reminder (f, a->rid, bob, TD_REMINDER_ACTION_DONE, 0, 1000, NULL);
  g_clear_pointer (&view, td_reminder_unref);
  view = update_reminder (f, b->rid, bob, TD_REMINDER_ACTION_SNOOZE, 9000, 1000, NULL);
  g_clear_pointer (&view, td_reminder_unref);

  /* Done long ago: out; snoozed and open: in; newest first. */
  s = user_reminder_titles (f, bob, 2000, 500);
  g_assert_cmpstr (s, ==, "C,B");
  g_clear_pointer (&s, g_free);
  /* Done recently: in. */
  s = user_reminder_titles (f, bob, 1000, 500);
  g_assert_cmpstr (s, ==, "C,B,A");
  g_clear_pointer (&s, g_free);
  s = user_reminder_titles (f, bob, 0, 2);
  g_assert_cmpstr (s, ==, "C,B");
  g_clear_pointer (&s, g_free);
  s = user_reminder_titles (f, carol, 0, 500);
  g_assert_cmpstr (s, ==, "D");
}

/* ---- API keys ---- */

static void
test_api_keys (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStoreApiKey) key = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  guint8 hash1[32], hash2[32], hash3[32], unknown[32];
  gint64 bob, robot, id1, id2, id3;

  memset (hash1, 1, sizeof hash1);
  memset (hash2, 2, sizeof hash2);
  memset (hash3, 3, sizeof hash3);
  memset (unknown, 9, sizeof unknown);
  bob = add_user_full (f, "bob", NULL, NULL);
  robot = add_user_full (f, "robot", NULL, "bot");

  begin (f);
  id1 = td_store_add_api_key (f->store, "workflow", hash1, 32, "reminders,broadcast", 0, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id1, >, 0);
  id2 = td_store_add_api_key (f->store, "robot-key", hash2, 32, "bot", robot, 20, &error);
  g_assert_no_error (error);

  g_assert_cmpint (td_store_add_api_key (f->store, "bad name", hash3, 32, "bot", 0, 1, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (td_store_add_api_key (f->store, "x", hash3, 32, "reminders,admin", 0, 1, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "admin"));
  g_clear_error (&error);
  g_assert_cmpint (td_store_add_api_key (f->store, "x", hash3, 32, "bot", 0, 1, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (td_store_add_api_key (f->store, "x", hash3, 32, "bot", bob, 1, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (td_store_add_api_key (f->store, "workflow", hash3, 32, "reminders", 0, 1, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  commit (f);

  /* Checking: unknown, then known; last_used at most once a minute. */
  begin (f);
  g_assert_null (td_store_check_api_key (f->store, unknown, 32, 100000, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  key = td_store_check_api_key (f->store, hash2, 32, 100000, &error);
  g_assert_no_error (error);
  g_assert_cmpint (key->id, ==, id2);
  g_assert_cmpstr (key->name, ==, "robot-key");
  g_assert_cmpstr (key->scopes, ==, "bot");
  g_assert_cmpint (key->bot_id, ==, robot);
  g_assert_cmpstr (key->bot_login, ==, "robot");
  g_assert_cmpint (key->created_ms, ==, 20);
  g_assert_cmpint (key->last_used_ms, ==, 100000);
  g_clear_pointer (&key, td_store_api_key_free);
  key = td_store_check_api_key (f->store, hash2, 32, 130000, &error);
  g_assert_no_error (error);
  g_assert_cmpint (key->last_used_ms, ==, 100000);
  g_clear_pointer (&key, td_store_api_key_free);
  key = td_store_check_api_key (f->store, hash2, 32, 160000, &error);
  g_assert_cmpint (key->last_used_ms, ==, 160000);
  g_clear_pointer (&key, td_store_api_key_free);
  key = td_store_check_api_key (f->store, hash1, 32, 170000, &error);
  g_assert_cmpint (key->bot_id, ==, 0);
  g_assert_null (key->bot_login);
  g_clear_pointer (&key, td_store_api_key_free);
  commit (f);

  /* Revoked: refused; the name can then go to a replacement. */
  begin (f);
  g_assert_true (td_store_revoke_api_key (f->store, "workflow", &error));
  g_assert_no_error (error);
  g_assert_false (td_store_revoke_api_key (f->store, "workflow", &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_null (td_store_check_api_key (f->store, hash1, 32, 200000, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  id3 = td_store_add_api_key (f->store, "workflow", hash3, 32, "reminders", 0, 30, &error);
  g_assert_no_error (error);
  g_assert_cmpint (id3, !=, id1);
  commit (f);

  keys = td_store_list_api_keys (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 3);
  key = keys->pdata[0];
  g_assert_cmpstr (key->name, ==, "robot-key");
  g_assert_cmpint (key->last_used_ms, ==, 160000);
  key = keys->pdata[1];
  g_assert_cmpint (key->id, ==, id1);
  g_assert_true (key->revoked);
  g_assert_cmpint (key->last_used_ms, ==, 170000);
  key = keys->pdata[2];
  g_assert_cmpint (key->id, ==, id3);
  g_assert_false (key->revoked);
  g_assert_cmpint (key->last_used_ms, ==, 0);
  key = NULL;
}

/* ---- webhooks ---- */

static char *
due_ids (Fixture *f, gint64 now, guint limit)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = td_store_due_deliveries (f->store, now, limit, &error);
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < jobs->len; i++)
    {
      TdStoreDeliveryJob *job = jobs->pdata[i];

      g_string_append_printf (out, "%s%s", i > 0 ? "," : "", job->body);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static TdStoreWebhook *
find_hook (GPtrArray *hooks, const char *name)
{
  for (guint i = 0; i < hooks->len; i++)
    {
      TdStoreWebhook *hook = hooks->pdata[i];

      if (g_str_equal (hook->name, name))
        return hook;
    }
  g_assert_not_reached ();
}

static void
test_webhooks (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) jobs = NULL;
  g_autoptr(GPtrArray) hooks = NULL;
  g_autofree char *s = NULL;
  TdStoreDeliveryJob *job;
  TdStoreWebhook *hook;
  gint64 bot1, bot2, bob, a, b;
  const gint64 day = 24 * 3600 * (gint64) 1000;

  bot1 = add_user_full (f, "bot1", NULL, "bot");
  bot2 = add_user_full (f, "bot2", NULL, "bot");
  bob = add_user_full (f, "bob", NULL, NULL);

  begin (f);
  a = td_store_add_webhook (f->store, "a", "https://a.example.com/hook", "sa", "message", bot1, 1, &error);
  g_assert_no_error (error);
  b = td_store_add_webhook (f->store, "b", "http://127.0.0.1:9/hook", "sb", "message,reminder", 0, 1, &error);
  g_assert_no_error (error);
  td_store_add_webhook (f->store, "c", "https://c.example.com/", "sc", "reminder", 0, 1, &error);
  g_assert_no_error (error);

  g_assert_cmpint (td_store_add_webhook (f->store, "d", "ftp://x/", "s", "message", 0, 1, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (td_store_add_webhook (f->store, "d", "https://x/", "s", "message,typing", 0, 1, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (td_store_add_webhook (f->store, "d", "https://x/", "", "message", 0, 1, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (td_store_add_webhook (f->store, "d", "https://x/", "s", "message", bob, 1, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_cmpint (td_store_add_webhook (f->store, "a", "https://x/", "s", "message", 0, 1, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_EXISTS);
  g_clear_error (&error);

  /* Filters: event, and for messages the bot. */
  g_assert_cmpuint (td_store_enqueue_event (f->store, "message", bot2, "m-bot2", 1000, &error), ==, 1);
  g_assert_cmpuint (td_store_enqueue_event (f->store, "message", bot1, "m-bot1", 1001, &error), ==, 2);
  g_assert_cmpuint (td_store_enqueue_event (f->store, "reminder", 0, "r-1", 1002, &error), ==, 2);
  g_assert_no_error (error);
  g_assert_cmpuint (td_store_enqueue_event (f->store, "typing", 0, "x", 1003, &error), ==, 0);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID);
  g_clear_error (&error);
  commit (f);

  /* The head of each webhook's queue, oldest first: a gets m-bot1,
   * b gets m-bot2 (then m-bot1, r-1), c gets r-1. */
  s = due_ids (f, 1000, 10);
  g_assert_cmpstr (s, ==, "m-bot2");   /* the others are not due yet */
  g_clear_pointer (&s, g_free);
  s = due_ids (f, 5000, 10);
  g_assert_cmpstr (s, ==, "m-bot2,m-bot1,r-1");
  g_clear_pointer (&s, g_free);
  s = due_ids (f, 5000, 1);
  g_assert_cmpstr (s, ==, "m-bot2");
  g_clear_pointer (&s, g_free);

  jobs = td_store_due_deliveries (f->store, 5000, 10, &error);
  g_assert_no_error (error);
  job = jobs->pdata[0];
  g_assert_cmpint (job->webhook_id, ==, b);
  g_assert_cmpstr (job->url, ==, "http://127.0.0.1:9/hook");
  g_assert_cmpstr (job->secret, ==, "sb");
  g_assert_cmpstr (job->event, ==, "message");
  g_assert_cmpuint (job->attempts, ==, 0);
  g_assert_cmpint (job->created_ms, ==, 1000);
  g_assert_cmpint (job->next_attempt_ms, ==, 1000);

  /* b's head fails: b waits, and its later deliveries wait behind it. */
  begin (f);
  g_assert_true (td_store_delivery_failed (f->store, job->id, "HTTP 500", 5000, 65000, &error));
  g_assert_no_error (error);
  g_assert_true (td_store_delivery_succeeded (f->store,
                                              ((TdStoreDeliveryJob *) jobs->pdata[1])->id,
                                              5001, &error));
  g_assert_no_error (error);
  commit (f);
  s = due_ids (f, 6000, 10);
  g_assert_cmpstr (s, ==, "r-1");   /* c only */
  g_clear_pointer (&s, g_free);
  g_assert_cmpint (td_store_next_delivery_time (f->store, &error), ==, 1002);
  g_assert_no_error (error);

  hooks = td_store_list_webhooks (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hooks->len, ==, 3);
  hook = find_hook (hooks, "a");
  g_assert_cmpint (hook->id, ==, a);
  g_assert_cmpint (hook->bot_id, ==, bot1);
  g_assert_cmpstr (hook->events, ==, "message");
  g_assert_cmpuint (hook->pending, ==, 0);
  g_assert_cmpuint (hook->delivered, ==, 1);
  g_assert_cmpint (hook->last_attempt_ms, ==, 5001);
  g_assert_null (hook->last_error);
  hook = find_hook (hooks, "b");
  g_assert_cmpuint (hook->pending, ==, 3);
  g_assert_cmpuint (hook->delivered, ==, 0);
  g_assert_cmpint (hook->last_attempt_ms, ==, 5000);
  g_assert_cmpstr (hook->last_error, ==, "HTTP 500");
  g_assert_cmpstr (hook->secret, ==, "sb");
  hook = find_hook (hooks, "c");
  g_assert_cmpuint (hook->pending, ==, 1);
  g_assert_cmpint (hook->last_attempt_ms, ==, 0);
  g_clear_pointer (&hooks, g_ptr_array_unref);

  /* Retried when due; the attempt count shows. */
  g_clear_pointer (&jobs, g_ptr_array_unref);
  jobs = td_store_due_deliveries (f->store, 65000, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (jobs->len, ==, 2);
  job = jobs->pdata[0];
  g_assert_cmpstr (job->body, ==, "m-bot2");
  g_assert_cmpuint (job->attempts, ==, 1);

  /* Still failing more than three days after it was queued: given up,
   * and the next one of b moves up. */
  begin (f);
  g_assert_true (td_store_delivery_failed (f->store, job->id, "timeout", 1000 + 3 * day + 1,
                                           1000 + 4 * day, &error));
  g_assert_no_error (error);
  commit (f);
  s = due_ids (f, 1000 + 3 * day + 2, 10);
  g_assert_cmpstr (s, ==, "m-bot1,r-1");
  g_clear_pointer (&s, g_free);
  hooks = td_store_list_webhooks (f->store, &error);
  hook = find_hook (hooks, "b");
  g_assert_cmpuint (hook->pending, ==, 2);
  g_assert_cmpstr (hook->last_error, ==, "timeout");
  g_clear_pointer (&hooks, g_ptr_array_unref);

  /* Recording a delivery that is gone is harmless. */
  begin (f);
  g_assert_true (td_store_delivery_succeeded (f->store, 9999, 1, &error));
  g_assert_no_error (error);

  /* Deleting a webhook drops its queue. */
  g_assert_true (td_store_delete_webhook (f->store, "b", &error));
  g_assert_no_error (error);
  g_assert_false (td_store_delete_webhook (f->store, "b", &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  commit (f);
  s = due_ids (f, 1000 + 3 * day + 2, 10);
  g_assert_cmpstr (s, ==, "r-1");
  g_clear_pointer (&s, g_free);

  /* An empty queue. */
  g_clear_pointer (&jobs, g_ptr_array_unref);
  jobs = td_store_due_deliveries (f->store, 1000 + 3 * day + 2, 10, &error);
  begin (f);
  g_assert_true (td_store_delivery_succeeded (f->store, ((TdStoreDeliveryJob *) jobs->pdata[0])->id,
                                              1000 + 3 * day + 3, &error));
  commit (f);
  g_assert_cmpint (td_store_next_delivery_time (f->store, &error), ==, 0);
  g_assert_no_error (error);
}

/* ---- everything survives closing the file ---- */

static void
test_integrations_persist (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStoreReminder) r = NULL;
  g_autoptr(TdReminder) view = NULL;
  g_autoptr(TdStoreApiKey) key = NULL;
  g_autoptr(GPtrArray) hooks = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GPtrArray) box = NULL;
  g_autofree char *s = NULL;
  g_autofree char *address = NULL;
  g_autofree char *expected = NULL;
  TdStoreGroupSendResult out = { 0 };
  guint8 hash[32];
  gint64 alice, bob, robot, gid, mid;
  gboolean more = TRUE;

  memset (hash, 5, sizeof hash);
  alice = add_user_full (f, "alice", "Eng", NULL);
  bob = add_user_full (f, "bob", "Eng", NULL);
  robot = add_user_full (f, "robot", NULL, "bot");
  {
    gint64 ids[] = { bob };

    gid = create_group (f, alice, "Crew", ids, 1);
  }
  send_group (f, alice, gid, "g1", "persisted", &out);
  mid = td_message_get_mid (out.sender_copy);
  td_store_group_send_result_clear (&out);
  set_read (f, bob, 0, gid, mid);
  {
    gint64 ids[] = { bob };

    r = add_reminder (f, "Kept", 1, 0, "idem", ids, 1, 100, NULL);
  }
  view = update_reminder (f, r->rid, bob, TD_REMINDER_ACTION_SNOOZE, 77777, 500, NULL);
  g_clear_pointer (&view, td_reminder_unref);
  begin (f);
  td_store_add_api_key (f->store, "bot-key", hash, 32, "bot,reminders", robot, 10, &error);
  g_assert_no_error (error);
  td_store_add_webhook (f->store, "hook", "https://h.example.com/", "secret", "message", robot, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (td_store_enqueue_event (f->store, "message", robot, "{\"x\":1}", 10, &error), ==, 1);
  commit (f);

  reopen (f);

  address = td_group_address (gid);
  s = user_groups (f, bob);
  g_assert_cmpstr (s, ==, "Eng:alice,bob;Crew:alice,bob");
  g_clear_pointer (&s, g_free);
  page = td_store_group_history (f->store, gid, 0, 10, &more, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page->len, ==, 1);
  g_assert_cmpstr (td_message_get_text (page->pdata[0]), ==, "persisted");
  box = mailbox (f, bob, 0, 10);
  g_assert_cmpuint (box->len, ==, 1);
  g_assert_cmpstr (td_message_get_to (box->pdata[0]), ==, address);
  s = reads_of (f, alice, 0, gid);
  expected = g_strdup_printf ("bob:%" G_GINT64_FORMAT, mid);
  g_assert_cmpstr (s, ==, expected);
  g_clear_pointer (&s, g_free);

  view = td_store_get_user_reminder (f->store, r->rid, bob, &error);
  g_assert_no_error (error);
  g_assert_cmpint (td_reminder_get_state (view), ==, TD_REMINDER_SNOOZED);
  g_assert_cmpint (td_reminder_get_until (view), ==, 77777);
  g_clear_pointer (&view, td_reminder_unref);
  {
    gint64 ids[] = { alice };
    gboolean duplicate = FALSE;
    g_autoptr(TdStoreReminder) again = add_reminder (f, "New", 1, 0, "idem", ids, 1, 0, &duplicate);

    g_assert_true (duplicate);
    g_assert_cmpint (again->rid, ==, r->rid);
  }

  begin (f);
  key = td_store_check_api_key (f->store, hash, 32, 1000000, &error);
  g_assert_no_error (error);
  commit (f);
  g_assert_cmpstr (key->bot_login, ==, "robot");
  g_assert_cmpstr (key->scopes, ==, "bot,reminders");

  hooks = td_store_list_webhooks (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hooks->len, ==, 1);
  g_assert_cmpuint (((TdStoreWebhook *) hooks->pdata[0])->pending, ==, 1);
  s = due_ids (f, 100, 10);
  g_assert_cmpstr (s, ==, "{\"x\":1}");
}

/* ---- PostgreSQL only ---- */

static gboolean
skip_unless_pg (void)
{
  if (use_pg)
    return FALSE;
  g_test_skip ("PostgreSQL only (run with TD_TEST_STORE=postgresql)");
  return TRUE;
}

/* Runs one SQL command on @url directly (not through the store). */
static void
pg_exec (const char *url, const char *command)
{
  PGconn *conn = PQconnectdb (url);
  PGresult *res;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  res = PQexec (conn, command);
  g_assert_cmpint (PQresultStatus (res), ==, PGRES_COMMAND_OK);
  PQclear (res);
  PQfinish (conn);
}

static void
test_pg_open_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdPgStore) store = NULL;

  if (skip_unless_pg ())
    return;

  /* Nothing listens on port 1: a clear error, never the password. */
  store = td_pg_store_new ("postgresql://tidings:s3cr3t-pw@127.0.0.1:1/nowhere", &error);
  g_assert_null (store);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "database unreachable"));
  g_assert_nonnull (strstr (error->message, "127.0.0.1"));
  g_assert_null (strstr (error->message, "s3cr3t-pw"));
  g_clear_error (&error);

  /* A schema written by a newer Tidings is refused, untouched. */
  g_clear_object (&f->store);
  pg_exec (f->url, "UPDATE schema_version SET version = 999");
  store = td_pg_store_new (f->url, &error);
  g_assert_null (store);
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_VERSION);
  g_assert_nonnull (strstr (error->message, "999"));
  g_clear_error (&error);
  pg_exec (f->url, "UPDATE schema_version SET version = 1");
  reopen (f);
}

static gpointer
open_thread (gpointer data)
{
  const char *url = data;
  g_autoptr(GError) error = NULL;
  TdStore *store = td_store_open (url, NULL, &error);

  g_assert_no_error (error);
  return store;
}

/* Nodes starting together on an empty database: one migrates, the
 * others wait on the advisory lock and find the schema current. */
static void
test_pg_concurrent_open (Fixture *f, gconstpointer data)
{
  g_autofree char *url = NULL;
  GThread *threads[4];

  if (skip_unless_pg ())
    return;

  url = td_test_pg_new_database ();
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("open", open_thread, url);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_autoptr(TdStore) store = g_thread_join (threads[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) users = td_store_list_users (store, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (users->len, ==, 0);
    }
}

#define N_WRITERS    2
#define N_USERS      4
#define N_PER_WRITER 120
#define BATCH        4

typedef struct {
  const char *url;
  guint       writer;
  gint64      users[N_USERS];
  gint64      group_id;
  guint       failures;   /* jobs that failed (deadlock) and were resent */
} Writer;

/* One job of a writer: message @n is a group message every fourth time,
 * else 1:1 between two of the users (sometimes to oneself). */
static gboolean
writer_job (Writer *w, TdStore *store, guint n, GError **error)
{
  g_autofree char *id = g_strdup_printf ("w%u-%u", w->writer, n);
  guint from = (n + w->writer) % N_USERS;
  guint to = (n * 7 + w->writer * 3) % N_USERS;

  if (n % 4 == 3)
    {
      TdStoreGroupSendResult out = { 0 };
      gboolean ok = td_store_add_group_message (store, w->users[from], w->group_id, id, "g",
                                                n, &out, error);

      td_store_group_send_result_clear (&out);
      return ok;
    }
  else
    {
      TdStoreSendResult out = { 0 };
      gboolean ok = td_store_add_message (store, w->users[from], w->users[to], id, "m", n,
                                          &out, error);

      td_store_send_result_clear (&out);
      return ok;
    }
}

/* Like the store worker: batches of jobs in one transaction, each in a
 * savepoint; a job that fails (deadlock between the two "nodes", which
 * PostgreSQL breaks by failing one) is rolled back alone and sent again
 * later with the same id, as a client would. */
static gpointer
writer_thread (gpointer data)
{
  Writer *w = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = td_store_open (w->url, NULL, &error);
  g_autoptr(GArray) todo = g_array_new (FALSE, FALSE, sizeof (guint));

  g_assert_no_error (error);
  for (guint n = 0; n < N_PER_WRITER; n++)
    g_array_append_val (todo, n);

  for (guint rounds = 0; todo->len > 0; rounds++)
    {
      g_autoptr(GArray) failed = g_array_new (FALSE, FALSE, sizeof (guint));
      guint take = MIN (BATCH, todo->len);

      g_assert_cmpuint (rounds, <, 10 * N_PER_WRITER);
      g_assert_true (td_store_begin (store, &error));
      for (guint i = 0; i < take; i++)
        {
          g_autoptr(GError) job_error = NULL;
          guint n = g_array_index (todo, guint, i);

          g_assert_true (td_store_savepoint (store, &error));
          if (!writer_job (w, store, n, &job_error))
            {
              g_assert_error (job_error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
              td_store_rollback_to (store);
              g_array_append_val (failed, n);
              w->failures++;
            }
          g_assert_true (td_store_release (store, &error));
        }
      g_assert_true (td_store_commit (store, &error));
      g_assert_no_error (error);
      g_array_remove_range (todo, 0, take);
      g_array_append_vals (todo, failed->data, failed->len);
    }

  return NULL;
}

/* Two connections (two nodes) write into the same mailboxes and the same
 * group at once: every mailbox ends up gap-free from 1, without
 * duplicates, and holds exactly the messages it should. */
static void
test_pg_concurrent_writers (Fixture *f, gconstpointer data)
{
  Writer writers[N_WRITERS];
  GThread *threads[N_WRITERS];
  gint64 users[N_USERS];
  guint expected_rows = 0, total = 0;
  g_autoptr(GHashTable) mids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  gint64 gid, start;
  double seconds;

  if (skip_unless_pg ())
    return;

  for (guint i = 0; i < N_USERS; i++)
    {
      g_autofree char *login = g_strdup_printf ("user%u", i);

      users[i] = add_user (f, login, NULL);
    }
  gid = create_group (f, users[0], "All", users + 1, N_USERS - 1);

  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_WRITERS; i++)
    {
      writers[i] = (Writer) { .url = f->url, .writer = i, .group_id = gid };
      memcpy (writers[i].users, users, sizeof users);
      threads[i] = g_thread_new ("writer", writer_thread, &writers[i]);
    }
  for (guint i = 0; i < N_WRITERS; i++)
    g_thread_join (threads[i]);
  seconds = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_test_message ("%u messages from %u connections in %.2f s (%.0f/s), %u jobs resent",
                  N_WRITERS * N_PER_WRITER, N_WRITERS, seconds,
                  N_WRITERS * N_PER_WRITER / seconds, writers[0].failures + writers[1].failures);
  /* Mailbox writers of different connections take turns per transaction
   * (td-pg-store.c): they never deadlock, so no job had to be resent. */
  g_assert_cmpuint (writers[0].failures + writers[1].failures, ==, 0);

  for (guint w = 0; w < N_WRITERS; w++)
    for (guint n = 0; n < N_PER_WRITER; n++)
      {
        guint from = (n + w) % N_USERS, to = (n * 7 + w * 3) % N_USERS;

        expected_rows += n % 4 == 3 ? N_USERS : (from == to ? 1 : 2);
      }

  for (guint i = 0; i < N_USERS; i++)
    {
      g_autoptr(GPtrArray) box = mailbox (f, users[i], 0, 100000);
      g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

      g_assert_cmpint (box->len, ==, last_seq (f, users[i]));
      for (guint k = 0; k < box->len; k++)
        {
          TdMessage *m = box->pdata[k];
          gint64 *mid = g_new (gint64, 1);

          /* Gap-free from 1, each message once. */
          g_assert_cmpint (td_message_get_seq (m), ==, k + 1);
          *mid = td_message_get_mid (m);
          g_assert_false (g_hash_table_contains (seen, mid));
          g_hash_table_add (seen, mid);
          if (!g_hash_table_contains (mids, mid))
            g_hash_table_add (mids, g_memdup2 (mid, sizeof *mid));
        }
      total += box->len;
    }
  g_assert_cmpuint (total, ==, expected_rows);
  /* Every message stored once, none lost, none twice. */
  g_assert_cmpuint (g_hash_table_size (mids), ==, N_WRITERS * N_PER_WRITER);
}

/* The database goes away in the middle of a transaction and comes back:
 * the job fails cleanly, nothing half-written remains, and the next
 * transaction works on a new connection. */
static void
test_pg_connection_lost (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  TdStoreSendResult out = { 0 };
  gint64 alice, bob;
  gboolean began = FALSE;

  if (skip_unless_pg ())
    return;

  alice = add_user (f, "alice", NULL);
  bob = add_user (f, "bob", NULL);
  send_message (f, alice, bob, "before", "one", &out);
  td_store_send_result_clear (&out);

  begin (f);
  g_assert_true (td_store_savepoint (f->store, &error));
  td_test_pg_stop ();
  g_assert_false (td_store_add_message (f->store, alice, bob, "during", "two", 1, &out, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "database unreachable"));
  g_clear_error (&error);
  td_store_rollback_to (f->store);
  g_assert_false (td_store_release (f->store, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
  g_clear_error (&error);
  td_store_rollback (f->store);

  /* While it is down: a clear error, at once. */
  g_assert_false (td_store_begin (f->store, &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "database unreachable"));
  g_clear_error (&error);

  td_test_pg_start_again ();
  /* Reconnection attempts are spaced out (no busy loop): bounded wait. */
  for (guint i = 0; i < 100 && !began; i++)
    {
      began = td_store_begin (f->store, &error);
      if (!began)
        {
          g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
          g_clear_error (&error);
          g_usleep (50 * 1000);
        }
    }
  g_assert_true (began);
  g_assert_true (td_store_add_message (f->store, alice, bob, "during", "two", 2, &out, &error));
  g_assert_no_error (error);
  commit (f);
  g_assert_false (out.duplicate);
  g_assert_cmpint (td_message_get_seq (out.sender_copy), ==, 2);
  td_store_send_result_clear (&out);
  assert_mailbox_consistent (f, alice, "alice");
  assert_mailbox_consistent (f, bob, "bob");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  use_pg = g_strcmp0 (g_getenv ("TD_TEST_STORE"), "postgresql") == 0;

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/store/open/creates-and-reopens", test_open_creates_and_reopens);
  ADD ("/store/open/version-too-new", test_open_version_too_new);
  ADD ("/store/open/not-a-directory", test_open_not_a_directory);
  ADD ("/store/open/not-writable", test_open_not_writable);
  ADD ("/store/open/not-a-database", test_open_not_a_database);
  ADD ("/store/users/crud", test_users_crud);
  ADD ("/store/users/put-idempotent", test_users_put_idempotent);
  ADD ("/store/tokens", test_tokens);
  ADD ("/store/messages/seqs", test_messages_seqs);
  ADD ("/store/messages/duplicate", test_messages_duplicate);
  ADD ("/store/messages/to-self", test_messages_to_self);
  ADD ("/store/messages/unknown-user", test_messages_unknown_user);
  ADD ("/store/mailbox/paging", test_mailbox_paging);
  ADD ("/store/history/paging", test_history_paging);
  ADD ("/store/cursors", test_cursors);
  ADD ("/store/cursors/bulk", test_cursors_bulk);
  ADD ("/store/transactions", test_transactions);
  ADD ("/store/migrate/v1", test_migrate_v1);
  ADD ("/store/groups/department", test_groups_department);
  ADD ("/store/groups/adhoc", test_groups_adhoc);
  ADD ("/store/groups/messages", test_groups_messages);
  ADD ("/store/groups/history", test_groups_history);
  ADD ("/store/reads", test_reads);
  ADD ("/store/reminders/add", test_reminders_add);
  ADD ("/store/reminders/update", test_reminders_update);
  ADD ("/store/reminders/window", test_reminders_window);
  ADD ("/store/api-keys", test_api_keys);
  ADD ("/store/webhooks", test_webhooks);
  ADD ("/store/integrations/persist", test_integrations_persist);
  ADD ("/store/pg/open-errors", test_pg_open_errors);
  ADD ("/store/pg/concurrent-open", test_pg_concurrent_open);
  ADD ("/store/pg/concurrent-writers", test_pg_concurrent_writers);
  ADD ("/store/pg/connection-lost", test_pg_connection_lost);

#undef ADD

  return g_test_run ();
}
