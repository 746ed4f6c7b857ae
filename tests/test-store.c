/* test-store.c - TdSqliteStore on real database files in a temporary
 * directory: opening and its failures, directory, tokens, messages,
 * mailboxes, history and delivery cursors. */
#define G_LOG_DOMAIN "test-store"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "td-sqlite-store.h"

typedef struct {
  char    *dir;
  TdStore *store;
} Fixture;

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
  f->store = TD_STORE (td_sqlite_store_new (f->dir, &error));
  g_assert_no_error (error);
  g_assert_nonnull (f->store);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->dir);
}

static void
reopen (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_clear_object (&f->store);
  f->store = TD_STORE (td_sqlite_store_new (f->dir, &error));
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

  /* Missing parents are created, private. */
  nested_store = td_sqlite_store_new (nested, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (td_sqlite_store_get_path (nested_store), ==, db_path);
  g_assert_cmpint (g_stat (nested, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (db_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0077, ==, 0);
  g_assert_cmpint (user_version (db_path), ==, 1);

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

/* ---- transactions ---- */

static void
test_transactions (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdSqliteStore) other = NULL;
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
  other = td_sqlite_store_new (f->dir, &error);
  g_assert_no_error (error);
  g_assert_null (td_store_get_user (TD_STORE (other), "kept", &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  commit (f);
  seen = td_store_get_user (TD_STORE (other), "kept", &error);
  g_assert_no_error (error);
  g_assert_null (td_store_get_user (f->store, "undone", &error));
  g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

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
  ADD ("/store/transactions", test_transactions);

#undef ADD

  return g_test_run ();
}
