/* test-directory-import.c - JSON and CSV directory files into a real
 * TdSqliteStore: counts, idempotence, updates, and that every bad file is
 * refused with its line or index while the store stays untouched. */
#define G_LOG_DOMAIN "test-import"

#include <string.h>
#include <glib/gstdio.h>

#include "td-directory-import.h"
#include "td-password.h"
#include "td-sqlite-store.h"
#include "td-sqlite-store-private.h"
#include "td-test-util.h"

/* Any string works as a hash for the store; the import never parses it. */
#define FAKE_HASH "$argon2id$v=19$m=65536,t=2,p=1$ZmFrZQ$ZmFrZQ"

typedef struct {
  char    *dir;
  TdStore *store;
} Fixture;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;

  f->dir = g_dir_make_tmp ("td-import-XXXXXX", &error);
  g_assert_no_error (error);
  data_dir = g_build_filename (f->dir, "data", NULL);
  f->store = TD_STORE (td_sqlite_store_new (data_dir, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->store);
  remove_tree (f->dir);
  g_free (f->dir);
}

static char *
write_temp (Fixture *f, const char *name, const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (f->dir, name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static gboolean
import (Fixture *f, const char *path, const char *hash, TdImportStats *stats, GError **error)
{
  memset (stats, 0xaa, sizeof *stats);
  return td_directory_import_file (f->store, path, hash, stats, error);
}

static void
assert_stats (const TdImportStats *stats, guint departments, guint created, guint updated,
              guint unchanged, guint passwords)
{
  g_assert_cmpuint (stats->departments_created, ==, departments);
  g_assert_cmpuint (stats->users_created, ==, created);
  g_assert_cmpuint (stats->users_updated, ==, updated);
  g_assert_cmpuint (stats->users_unchanged, ==, unchanged);
  g_assert_cmpuint (stats->passwords_set, ==, passwords);
}

static TdStoreUser *
get_user (Fixture *f, const char *login)
{
  g_autoptr(GError) error = NULL;
  TdStoreUser *user = td_store_get_user (f->store, login, &error);

  g_assert_no_error (error);
  g_assert_nonnull (user);
  return user;
}

static void
assert_user (Fixture *f, const char *login, const char *name, const char *department,
             const char *title, const char *role)
{
  g_autoptr(TdStoreUser) user = get_user (f, login);

  g_assert_cmpstr (user->name, ==, name);
  g_assert_cmpstr (user->department, ==, department);
  g_assert_cmpstr (user->title, ==, title);
  g_assert_cmpstr (user->role, ==, role);
}

static void
test_json (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = td_test_data_path ("directory.json");
  g_autoptr(GPtrArray) departments = NULL;
  g_autoptr(TdStoreUser) alice = NULL;
  TdImportStats stats;

  g_assert_true (import (f, path, FAKE_HASH, &stats, &error));
  g_assert_no_error (error);
  assert_stats (&stats, 3, 6, 0, 0, 6);

  assert_user (f, "alice", "Alice Smith", "Engineering", "Developer", "user");
  assert_user (f, "dave", "Dave Brown", "Sales", "", "user");
  assert_user (f, "wang.fang", "王芳", "财务部", "会计", "user");
  assert_user (f, "admin", "Administrator", "Engineering", "", "admin");
  alice = get_user (f, "alice");
  g_assert_cmpstr (alice->password_hash, ==, FAKE_HASH);
  g_assert_false (alice->disabled);

  departments = td_store_list_departments (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (departments->len, ==, 3);

  /* Idempotent: the same file again changes nothing. */
  g_assert_true (import (f, path, FAKE_HASH, &stats, &error));
  g_assert_no_error (error);
  assert_stats (&stats, 0, 0, 0, 6, 0);
}

static void
test_csv (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = td_test_data_path ("directory.csv");
  g_autoptr(TdStoreUser) bob = NULL;
  TdImportStats stats;

  /* BOM, CRLF, columns in another order, quoted comma, doubled quotes,
   * an empty role (= user) and a blank line. */
  g_assert_true (import (f, path, NULL, &stats, &error));
  g_assert_no_error (error);
  assert_stats (&stats, 3, 6, 0, 0, 0);

  assert_user (f, "alice", "Smith, Alice", "Engineering", "Lead \"Core\" Developer", "user");
  assert_user (f, "bob", "Bob Jones", "Engineering", "Tester", "user");
  assert_user (f, "dave", "Dave Brown", "Sales", "", "user");
  assert_user (f, "wang.fang", "王芳", "财务部", "会计", "user");
  assert_user (f, "admin", "Administrator", "Engineering", "", "admin");
  bob = get_user (f, "bob");
  g_assert_null (bob->password_hash);

  g_assert_true (import (f, path, NULL, &stats, &error));
  g_assert_no_error (error);
  assert_stats (&stats, 0, 0, 0, 6, 0);
}

static void
test_update (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = td_test_data_path ("directory.json");
  g_autofree char *csv = td_test_data_path ("directory.csv");
  g_autofree char *changed = NULL;
  g_autoptr(TdStoreUser) carol = NULL;
  TdImportStats stats;

  g_assert_true (import (f, json, NULL, &stats, &error));
  g_assert_no_error (error);

  /* The CSV renames alice and retitles her; the rest is equal. */
  g_assert_true (import (f, csv, NULL, &stats, &error));
  g_assert_no_error (error);
  assert_stats (&stats, 0, 0, 1, 5, 0);
  assert_user (f, "alice", "Smith, Alice", "Engineering", "Lead \"Core\" Developer", "user");

  /* Department change, a new department, a new user; carol absent (kept);
   * bob without "title" keeps his, admin without "role" stays admin; an
   * empty title clears dave's. */
  td_store_begin (f->store, &error);
  g_assert_no_error (error);
  td_store_put_user (f->store, "dave", "Dave Brown", "Sales", "Driver", "user", FALSE, &error);
  g_assert_no_error (error);
  td_store_commit (f->store, &error);
  g_assert_no_error (error);

  changed = write_temp (f, "changed.json",
    "{ \"users\": ["
    "  { \"login\": \"alice\", \"name\": \"Smith, Alice\", \"department\": \"Engineering\","
    "    \"title\": \"Lead \\\"Core\\\" Developer\" },"
    "  { \"login\": \"bob\", \"name\": \"Bob Jones\", \"department\": \"QA\" },"
    "  { \"login\": \"dave\", \"name\": \"Dave Brown\", \"department\": \"Sales\", \"title\": \"\" },"
    "  { \"login\": \"admin\", \"name\": \"Administrator\", \"department\": \"Engineering\" },"
    "  { \"login\": \"erin\", \"name\": \"Erin\", \"department\": \"QA\", \"role\": \"admin\" }"
    "] }");
  g_assert_true (import (f, changed, FAKE_HASH, &stats, &error));
  g_assert_no_error (error);
  assert_stats (&stats, 1, 1, 2, 2, 5);
  assert_user (f, "bob", "Bob Jones", "QA", "Tester", "user");
  assert_user (f, "dave", "Dave Brown", "Sales", "", "user");
  assert_user (f, "admin", "Administrator", "Engineering", "", "admin");
  assert_user (f, "erin", "Erin", "QA", "", "admin");
  carol = get_user (f, "carol");
  g_assert_cmpstr (carol->name, ==, "Carol White");
}

static void
test_default_password (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = td_test_data_path ("directory.json");
  g_autoptr(TdStoreUser) alice = NULL;
  g_autoptr(TdStoreUser) bob = NULL;
  TdImportStats stats;

  g_assert_true (import (f, path, NULL, &stats, &error));
  g_assert_no_error (error);
  assert_stats (&stats, 3, 6, 0, 0, 0);

  td_store_begin (f->store, &error);
  g_assert_no_error (error);
  td_store_set_password_hash (f->store, "alice", "$alice-own-hash", &error);
  g_assert_no_error (error);
  td_store_commit (f->store, &error);
  g_assert_no_error (error);

  /* Only users without a password get the default one. */
  g_assert_true (import (f, path, FAKE_HASH, &stats, &error));
  g_assert_no_error (error);
  assert_stats (&stats, 0, 0, 0, 6, 5);
  alice = get_user (f, "alice");
  bob = get_user (f, "bob");
  g_assert_cmpstr (alice->password_hash, ==, "$alice-own-hash");
  g_assert_cmpstr (bob->password_hash, ==, FAKE_HASH);
}

/* The whole directory as text, to compare before and after a failure. */
static char *
snapshot (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) users = td_store_list_users (f->store, &error);
  g_autoptr(GPtrArray) departments = td_store_list_departments (f->store, &error);
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  for (guint i = 0; i < departments->len; i++)
    g_string_append_printf (out, "D %s\n", (const char *) g_ptr_array_index (departments, i));
  for (guint i = 0; i < users->len; i++)
    {
      const TdStoreUser *user = g_ptr_array_index (users, i);
      g_string_append_printf (out, "U %s|%s|%s|%s|%s|%s\n", user->login, user->name,
                              user->department, user->title, user->role,
                              user->password_hash ? user->password_hash : "-");
    }
  return g_string_free (out, FALSE);
}

static const struct {
  const char *file;
  const char *where;     /* "line N" or "users[N]" */
  const char *problem;   /* part of the message */
} bad_files[] = {
  { "bad-login.csv", "line 3", "invalid login \"Bob\"" },
  { "bad-duplicate.csv", "line 4", "already appears on line 2" },
  { "bad-missing-column.csv", "line 1", "\"department\" column" },
  { "bad-quoting.csv", "line 3", "closing quote" },
  { "bad-unterminated.csv", "line 3", "never closed" },
  { "bad-fields.csv", "line 3", "4 fields" },
  { "bad-empty-name.csv", "line 3", "name is empty" },
  { "bad-not-json.json", "line 4", "not valid JSON" },
  { "bad-types.json", "users[1]", "\"name\" must be a string" },
  { "bad-login.json", "users[2]", "invalid login \"-bob\"" },
  { "bad-duplicate.json", "users[1]", "already appears at users[0]" },
  { "bad-role.json", "users[0]", "role \"root\"" },
  { "bad-no-users.json", ":", "\"users\"" },
};

static void
test_bad_files (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *good = td_test_data_path ("directory.json");
  g_autofree char *before = NULL;
  TdImportStats stats;

  g_assert_true (import (f, good, NULL, &stats, &error));
  g_assert_no_error (error);
  before = snapshot (f);

  for (guint i = 0; i < G_N_ELEMENTS (bad_files); i++)
    {
      g_autofree char *path = td_test_data_path (bad_files[i].file);
      g_autofree char *after = NULL;

      g_test_message ("%s", bad_files[i].file);
      g_assert_false (import (f, path, FAKE_HASH, &stats, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_test_message ("  -> %s", error->message);
      g_assert_true (g_str_has_prefix (error->message, path));
      g_assert_nonnull (strstr (error->message, bad_files[i].where));
      g_assert_nonnull (strstr (error->message, bad_files[i].problem));
      g_clear_error (&error);

      after = snapshot (f);
      g_assert_cmpstr (after, ==, before);
    }
}

static void
test_bad_inline (Fixture *f, gconstpointer data)
{
  static const struct {
    const char *contents;
    const char *problem;
  } cases[] = {
    { "", "empty" },
    { "\xEF\xBB\xBF \n", "empty" },
    { "login,name,department\nalice,Alice,Eng\nbob,B\xff\xfe,Eng\n", "line 3: not UTF-8" },
    { "login,name,department,login\n", "appears twice" },
    { "login,name,department\nalice,Ali\"ce,Eng\n", "line 2: quote inside an unquoted field" },
    { "login,name,department\nalice,\"Ali\nce\",Eng\n", "line 2: name contains a control character" },
    { "login,name,department,title\nalice,Alice,Eng,Boss\tof all\n", "control character" },
    { "[1, 2]", "line 1" },
    { "{ \"users\": [ \"alice\" ] }", "users[0]: must be an object" },
    { "{ \"users\": [ { \"login\": \"alice\", \"name\": \"A\" } ] }", "users[0]: \"department\" is missing" },
    { "{ \"users\": [ { \"login\": \"alice\", \"name\": \"A\", \"department\": \"D\", \"title\": 3 } ] }",
      "\"title\" must be a string" },
    { "{ \"departments\": [ \"Sales\" ], \"users\": [] }", "departments[0]" },
    { "{ \"departments\": [ { \"name\": \"\" } ], \"users\": [] }", "departments[0]: department name is empty" },
    { "{ \"users\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]] }", "too deeply" },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *before = snapshot (f);
  g_autofree char *long_name = g_strnfill (257, 'n');
  g_autofree char *long_csv = g_strdup_printf ("login,name,department\nalice,%s,Eng\n", long_name);
  TdImportStats stats;

  for (guint i = 0; i <= G_N_ELEMENTS (cases); i++)
    {
      const char *contents = i < G_N_ELEMENTS (cases) ? cases[i].contents : long_csv;
      const char *problem = i < G_N_ELEMENTS (cases) ? cases[i].problem : "line 2: name is longer than 256";
      g_autofree char *path = write_temp (f, "inline", contents);
      g_autofree char *after = NULL;

      g_test_message ("case %u", i);
      g_assert_false (import (f, path, NULL, &stats, &error));
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_test_message ("  -> %s", error->message);
      g_assert_true (g_str_has_prefix (error->message, path));
      g_assert_nonnull (strstr (error->message, problem));
      g_clear_error (&error);
      after = snapshot (f);
      g_assert_cmpstr (after, ==, before);
    }
}

static void
test_missing_file (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "nope.json", NULL);
  TdImportStats stats;

  g_assert_false (import (f, path, NULL, &stats, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_nonnull (strstr (error->message, path));
}

/* A failure while writing (here a trigger standing in for a full disk)
 * must roll back the rows already written in the same import. */
static void
test_write_failure_rolls_back (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = td_test_data_path ("directory.json");
  g_autofree char *before = snapshot (f);
  g_autofree char *after = NULL;
  sqlite3 *db = _td_sqlite_store_get_handle (TD_SQLITE_STORE (f->store));
  TdImportStats stats;

  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE TEMP TRIGGER fail_carol BEFORE INSERT ON users"
                                 " WHEN NEW.login = 'carol'"
                                 " BEGIN SELECT RAISE (ABORT, 'injected failure'); END;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);

  g_assert_false (import (f, path, FAKE_HASH, &stats, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  after = snapshot (f);
  g_assert_cmpstr (after, ==, before);

  /* The store is usable afterwards. */
  g_clear_error (&error);
  g_assert_cmpint (sqlite3_exec (db, "DROP TRIGGER temp.fail_carol", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (import (f, path, FAKE_HASH, &stats, &error));
  g_assert_no_error (error);
  assert_stats (&stats, 3, 6, 0, 0, 6);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  g_test_init (&argc, &argv, NULL);
  if (!td_password_init (&error))
    g_error ("%s", error->message);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/import/json", test_json);
  ADD ("/import/csv", test_csv);
  ADD ("/import/update", test_update);
  ADD ("/import/default-password", test_default_password);
  ADD ("/import/bad-files", test_bad_files);
  ADD ("/import/bad-inline", test_bad_inline);
  ADD ("/import/missing-file", test_missing_file);
  ADD ("/import/write-failure-rolls-back", test_write_failure_rolls_back);
#undef ADD
  return g_test_run ();
}
