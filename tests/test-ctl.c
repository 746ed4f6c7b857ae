/* test-ctl.c - the real tidingsctl binary against a temporary data
 * directory (or, under TD_TEST_STORE=postgresql, a fresh PostgreSQL
 * database): every command, exit statuses, messages, JSON output, the
 * table layout with Chinese names, the demo directory, how the store is
 * chosen (--store, --data-dir, TIDINGS_STORE, config file), and
 * migrate-from-sqlite followed by a real tidingsd on the copy. */
#define G_LOG_DOMAIN "test-ctl"

#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "td-password.h"
#include "td-store.h"
#include "td-test-pg.h"
#include "td-test-util.h"

typedef struct {
  char *dir;
  char *data_dir;
  char *store_url;       /* PostgreSQL database under TD_TEST_STORE=postgresql, else NULL */
  char *password_file;   /* "first password" */
} Fixture;

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
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

  f->dir = g_dir_make_tmp ("td-ctl-XXXXXX", &error);
  g_assert_no_error (error);
  f->data_dir = g_build_filename (f->dir, "data", NULL);
  f->password_file = g_build_filename (f->dir, "password.txt", NULL);
  g_file_set_contents (f->password_file, "first password\n", -1, &error);
  g_assert_no_error (error);
  if (td_test_store_is_postgresql ())
    f->store_url = td_test_pg_new_database ();
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->data_dir);
  g_free (f->store_url);
  g_free (f->password_file);
}

/* The fixture's store, as tidingsctl sees it, opened behind its back. */
static TdStore *
open_store (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  TdStore *store = td_store_open (f->store_url, f->data_dir, &error);

  g_assert_no_error (error);
  return store;
}

static int
ctl_valist (Fixture *f, const char *stdin_text, char **out, char **err, va_list args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *my_out = NULL;
  g_autofree char *my_err = NULL;
  const char *arg;
  int status;

  g_ptr_array_add (argv, (gpointer) "tidingsctl");
  g_ptr_array_add (argv, (gpointer) (f->store_url ? "--store" : "--data-dir"));
  g_ptr_array_add (argv, f->store_url ? f->store_url : f->data_dir);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);

  status = td_test_run ((const char * const *) argv->pdata, stdin_text, 60, &my_out, &my_err);
  g_test_message ("tidingsctl %s -> %d\n%s%s", argv->len > 4 ? (const char *) argv->pdata[3] : "",
                  status, my_out ? my_out : "", my_err ? my_err : "");
  g_assert_nonnull (my_out);
  g_assert_nonnull (my_err);

  /* Whatever the command, a password hash never reaches the terminal. */
  g_assert_null (strstr (my_out, "$argon2"));
  g_assert_null (strstr (my_err, "$argon2"));
  if (out)
    *out = g_steal_pointer (&my_out);
  if (err)
    *err = g_steal_pointer (&my_err);
  return status;
}

/* Runs "tidingsctl --data-dir DATA_DIR ARGS..." (or --store URL;
 * NULL-terminated) and returns its exit status. */
static int
ctl (Fixture *f, const char *stdin_text, char **out, char **err, ...)
{
  va_list args;
  int status;

  va_start (args, err);
  status = ctl_valist (f, stdin_text, out, err, args);
  va_end (args);
  return status;
}

/* Checks a runtime failure: status 1, one line "tidingsctl: ..." holding
 * @needle. */
static void
assert_failure (int status, const char *err, const char *needle)
{
  g_assert_cmpint (status, ==, 1);
  g_assert_true (g_str_has_prefix (err, "tidingsctl: "));
  g_assert_true (g_str_has_suffix (err, "\n"));
  g_assert_true (strchr (err, '\n') == err + strlen (err) - 1);
  g_assert_nonnull (strstr (err, needle));
}

/* Runs tidingsctl like ctl() and checks that it fails at run time. */
static void
ctl_fails (Fixture *f, const char *stdin_text, const char *needle, ...)
{
  g_autofree char *err = NULL;
  va_list args;
  int status;

  va_start (args, needle);
  status = ctl_valist (f, stdin_text, NULL, &err, args);
  va_end (args);
  assert_failure (status, err, needle);
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static JsonObject *
show_user (Fixture *f, const char *login)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_assert_cmpint (ctl (f, NULL, &out, NULL, "user", "show", login, "--json", NULL), ==, 0);
  node = parse_json (out);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

/* Opened only while no tidingsctl runs, to look behind its back. */
static TdStoreUser *
store_get_user (Fixture *f, const char *login)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = open_store (f);
  TdStoreUser *user;

  user = td_store_get_user (store, login, &error);
  g_assert_no_error (error);
  return user;
}

static void
test_help (Fixture *f, gconstpointer data)
{
  static const char *expected[] = {
    "user add", "--name", "--department", "--title", "--admin", "--password-file",
    "user set", "--no-admin", "user passwd", "user disable", "user enable", "user del",
    "user list", "--json", "user show", "department list", "import",
    "--default-password-file", "--data-dir", "--config", "--role", "apikey create", "--scope",
    "apikey list", "apikey revoke", "webhook add", "--events", "webhook list", "webhook del",
    "broadcast [--department DEPT]", "broadcast status", "group list",
    "The running server picks up directory changes at the next login/reconnect",
    "--store", "TIDINGS_STORE", "migrate-from-sqlite DIR",
  };
  g_autofree char *out = NULL;
  g_autofree char *add_help = NULL;

  g_assert_cmpint (ctl (f, NULL, &out, NULL, "--help", NULL), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_test_message ("looking for %s", expected[i]);
      g_assert_nonnull (strstr (out, expected[i]));
    }

  g_assert_cmpint (ctl (f, NULL, &add_help, NULL, "user", "add", "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (add_help, "LOGIN"));
  g_assert_nonnull (strstr (add_help, "--password-file"));
}

static void
test_usage_errors (Fixture *f, gconstpointer data)
{
  static const char *cases[][7] = {
    { NULL },
    { "frob", NULL },
    { "--bogus", "user", "list", NULL },
    { "user", NULL },
    { "user", "frob", NULL },
    { "user", "add", NULL },
    { "user", "add", "carol", NULL },
    { "user", "add", "Carol", "--name", "Carol", NULL },
    { "user", "add", "carol", "--name", "", NULL },
    { "user", "add", "carol", "--name", "C", "extra", NULL },
    { "user", "list", "--bogus", NULL },
    { "user", "show", NULL },
    { "user", "set", "carol", NULL },
    { "user", "set", "carol", "--admin", "--no-admin", NULL },
    { "user", "passwd", "carol", NULL },
    { "user", "disable", NULL },
    { "department", "frob", NULL },
    { "import", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *err = NULL;
      int status = ctl (f, NULL, NULL, &err, cases[i][0], cases[i][1], cases[i][2], cases[i][3],
                        cases[i][4], cases[i][5], cases[i][6], NULL);

      g_assert_cmpint (status, ==, 2);
      g_assert_true (g_str_has_prefix (err, "tidingsctl: "));
      g_assert_nonnull (strstr (err, "--help"));
    }
  /* Refused before the store was opened (or created). */
  g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
}

static void
test_users (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autoptr(JsonObject) alice = NULL;
  g_autoptr(TdStoreUser) stored = NULL;
  guint8 token_hash[TD_TOKEN_HASH_LEN];
  g_autofree char *token = td_token_generate ();

  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "user", "add", "alice", "--name", "Alice Smith",
                        "--department", "Engineering", "--title", "Developer",
                        "--password-file", f->password_file, NULL), ==, 0);
  alice = show_user (f, "alice");
  g_assert_cmpstr (json_object_get_string_member (alice, "login"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (alice, "name"), ==, "Alice Smith");
  g_assert_cmpstr (json_object_get_string_member (alice, "department"), ==, "Engineering");
  g_assert_cmpstr (json_object_get_string_member (alice, "title"), ==, "Developer");
  g_assert_cmpstr (json_object_get_string_member (alice, "role"), ==, "user");
  g_assert_false (json_object_get_boolean_member (alice, "disabled"));
  g_assert_true (json_object_get_boolean_member (alice, "has_password"));
  g_assert_false (json_object_has_member (alice, "password_hash"));
  g_clear_pointer (&alice, json_object_unref);

  stored = store_get_user (f, "alice");
  g_assert_true (td_password_verify (stored->password_hash, "first password"));

  /* Exists already. */
  ctl_fails (f, NULL, "alice", "user", "add", "alice", "--name", "Again", NULL);

  /* Without a password: created, but says it cannot log in yet. */
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "user", "add", "bob", "--name", "Bob", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "user passwd bob"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "user", "show", "bob", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "no password"));
  g_clear_pointer (&out, g_free);

  /* passwd from standard input replaces the hash and revokes tokens. */
  {
    g_autoptr(TdStore) store = open_store (f);

    td_token_hash (token, token_hash);
    td_store_begin (store, &error);
    td_store_add_token (store, token_hash, sizeof token_hash, stored->id, "laptop",
                        g_get_real_time () / 1000 + 3600 * 1000, &error);
    g_assert_no_error (error);
    td_store_commit (store, &error);
    g_assert_no_error (error);
  }
  g_assert_cmpint (ctl (f, "second password\n", NULL, NULL, "user", "passwd", "alice",
                        "--password-file", "-", NULL), ==, 0);
  g_clear_pointer (&stored, td_store_user_free);
  stored = store_get_user (f, "alice");
  g_assert_true (td_password_verify (stored->password_hash, "second password"));
  g_assert_false (td_password_verify (stored->password_hash, "first password"));
  {
    g_autoptr(TdStore) store = open_store (f);

    g_assert_cmpint (td_store_check_token (store, token_hash, sizeof token_hash,
                                           g_get_real_time () / 1000, NULL, &error), ==, 0);
    g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  /* set: only what is named changes; "" clears. */
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "user", "set", "alice", "--title", "Lead",
                        "--admin", NULL), ==, 0);
  alice = show_user (f, "alice");
  g_assert_cmpstr (json_object_get_string_member (alice, "name"), ==, "Alice Smith");
  g_assert_cmpstr (json_object_get_string_member (alice, "title"), ==, "Lead");
  g_assert_cmpstr (json_object_get_string_member (alice, "role"), ==, "admin");
  g_clear_pointer (&alice, json_object_unref);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "user", "set", "alice", "--department", "",
                        "--no-admin", "--name", "Alice S.", NULL), ==, 0);
  alice = show_user (f, "alice");
  g_assert_cmpstr (json_object_get_string_member (alice, "name"), ==, "Alice S.");
  g_assert_cmpstr (json_object_get_string_member (alice, "department"), ==, "");
  g_assert_cmpstr (json_object_get_string_member (alice, "title"), ==, "Lead");
  g_assert_cmpstr (json_object_get_string_member (alice, "role"), ==, "user");
  g_clear_pointer (&alice, json_object_unref);

  /* disable / enable */
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "user", "disable", "alice", NULL), ==, 0);
  alice = show_user (f, "alice");
  g_assert_true (json_object_get_boolean_member (alice, "disabled"));
  g_clear_pointer (&alice, json_object_unref);
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "user", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "disabled"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "user", "enable", "alice", NULL), ==, 0);
  alice = show_user (f, "alice");
  g_assert_false (json_object_get_boolean_member (alice, "disabled"));
  g_clear_pointer (&alice, json_object_unref);

  /* del */
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "user", "del", "bob", NULL), ==, 0);
  ctl_fails (f, NULL, "\"bob\"", "user", "show", "bob", NULL);
  ctl_fails (f, NULL, "\"bob\"", "user", "del", "bob", NULL);
}

static void
test_runtime_errors (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *regular = g_build_filename (f->dir, "regular-file", NULL);
  g_autofree char *under_file = g_build_filename (regular, "data", NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing-password", NULL);
  g_autofree char *bad = td_test_data_path ("bad-login.csv");
  g_autofree char *err = NULL;

  g_file_set_contents (regular, "x", -1, &error);
  g_assert_no_error (error);
  {
    const char *argv[] = { "tidingsctl", "--data-dir", under_file, "user", "list", NULL };
    int status = td_test_run (argv, NULL, 60, NULL, &err);

    assert_failure (status, err, under_file);
    g_clear_pointer (&err, g_free);
  }

  ctl_fails (f, NULL, "nobody", "user", "passwd", "nobody",
             "--password-file", f->password_file, NULL);
  ctl_fails (f, NULL, "nobody", "user", "disable", "nobody", NULL);

  /* A missing password file: nothing is created. */
  ctl_fails (f, NULL, missing, "user", "add", "carol", "--name", "Carol",
             "--password-file", missing, NULL);
  ctl_fails (f, NULL, "carol", "user", "show", "carol", NULL);

  /* An empty password from standard input. */
  ctl_fails (f, "\n", "empty", "user", "add", "carol", "--name", "Carol",
             "--password-file", "-", NULL);

  ctl_fails (f, NULL, "line 3", "import", bad, NULL);

  /* An explicit config file must exist. */
  {
    const char *argv[] = { "tidingsctl", "--config", missing, "user", "list", NULL };
    int status = td_test_run (argv, NULL, 60, NULL, &err);

    assert_failure (status, err, missing);
  }
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static void
test_import (Fixture *f, gconstpointer data)
{
  static const char *expected[] = { "admin", "alice", "bob", "carol", "dave", "wang.fang" };
  g_autofree char *json = td_test_data_path ("directory.json");
  g_autofree char *csv = td_test_data_path ("directory.csv");
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GPtrArray) logins = g_ptr_array_new ();
  JsonArray *users;

  g_assert_cmpint (ctl (f, NULL, &out, NULL, "import", json,
                        "--default-password-file", f->password_file, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "3 departments created, 6 users created, 0 updated, 0 unchanged, "
                            "6 passwords set\n");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (ctl (f, NULL, &out, NULL, "import", json,
                        "--default-password-file", f->password_file, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "0 departments created, 0 users created, 0 updated, 6 unchanged, "
                            "0 passwords set\n");
  g_clear_pointer (&out, g_free);

  /* The CSV calls alice "Smith, Alice". */
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "import", csv, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "0 departments created, 0 users created, 1 updated, 5 unchanged, "
                            "0 passwords set\n");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (ctl (f, NULL, &out, NULL, "department", "list", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Engineering\nSales\n财务部\n");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (ctl (f, NULL, &out, NULL, "user", "list", "--json", NULL), ==, 0);
  node = parse_json (out);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  users = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      g_ptr_array_add (logins, (gpointer) json_object_get_string_member (user, "login"));
      g_assert_true (json_object_get_boolean_member (user, "has_password"));
      g_assert_false (json_object_has_member (user, "password_hash"));
      if (g_str_equal (json_object_get_string_member (user, "login"), "alice"))
        g_assert_cmpstr (json_object_get_string_member (user, "name"), ==, "Smith, Alice");
      if (g_str_equal (json_object_get_string_member (user, "login"), "wang.fang"))
        g_assert_cmpstr (json_object_get_string_member (user, "department"), ==, "财务部");
    }
  g_ptr_array_sort (logins, compare_strings);
  g_assert_cmpuint (logins->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < logins->len; i++)
    g_assert_cmpstr (g_ptr_array_index (logins, i), ==, expected[i]);
}

/* Terminal columns of @text: wide (CJK) characters take two. */
static guint
columns_of (const char *text, gsize len)
{
  guint width = 0;

  for (const char *p = text; p < text + len; p = g_utf8_next_char (p))
    width += g_unichar_iswide (g_utf8_get_char (p)) ? 2 : 1;
  return width;
}

static void
test_table (Fixture *f, gconstpointer data)
{
  static const char *headers[] = { "LOGIN", "NAME", "DEPARTMENT", "TITLE", "ROLE", "STATE" };
  g_autofree char *json = td_test_data_path ("directory.json");
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  guint starts[G_N_ELEMENTS (headers)];
  gboolean saw_wang = FALSE;

  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "import", json,
                        "--default-password-file", f->password_file, NULL), ==, 0);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "user", "add", "li.na", "--name", "李娜",
                        "--department", "财务部", "--title", "出纳 Cashier", NULL), ==, 0);
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "user", "list", NULL), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 1 + 7 + 1);

  for (guint c = 0; c < G_N_ELEMENTS (headers); c++)
    {
      const char *at = strstr (lines[0], headers[c]);
      g_assert_nonnull (at);
      starts[c] = columns_of (lines[0], at - lines[0]);
    }

  /* Every cell of every row starts in the column of its header, counted
   * in terminal columns: 王芳 is four columns wide, not six bytes. */
  for (guint r = 1; lines[r][0] != '\0'; r++)
    {
      g_autofree char *login = g_strndup (lines[r], strcspn (lines[r], " "));
      g_autoptr(TdStoreUser) user = store_get_user (f, login);
      const char *cells[] = { user->login, user->name, user->department, user->title, user->role,
                              user->disabled ? "disabled"
                              : user->password_hash ? "active" : "no password" };
      const char *pos = lines[r];

      for (guint c = 0; c < G_N_ELEMENTS (cells); c++)
        {
          const char *at;

          if (*cells[c] == '\0')
            continue;
          at = strstr (pos, cells[c]);
          g_assert_nonnull (at);
          g_assert_cmpuint (columns_of (lines[r], at - lines[r]), ==, starts[c]);
          pos = at + strlen (cells[c]);
        }
      saw_wang |= g_str_equal (login, "wang.fang");
    }
  g_assert_true (saw_wang);
}

static void
test_config (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config = g_build_filename (f->dir, "tidingsd.conf", NULL);
  g_autofree char *contents = g_strdup_printf ("[server]\ndata-dir=%s\n", f->data_dir);
  g_autofree char *out = NULL;
  const char *add[] = { "tidingsctl", "--config", config, "user", "add", "erin", "--name", "Erin", NULL };
  const char *show[] = { "tidingsctl", "user", "show", "erin", "--config", config, NULL };

  g_file_set_contents (config, contents, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (td_test_run (add, NULL, 60, NULL, NULL), ==, 0);
  g_assert_true (g_file_test (f->data_dir, G_FILE_TEST_IS_DIR));
  /* Global options may follow the command. */
  g_assert_cmpint (td_test_run (show, NULL, 60, &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Erin"));
}

static void
test_demo_directory (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *demo = td_test_data_path ("../../data/demo-directory.json");
  g_autofree char *demo_password = td_test_data_path ("../../data/demo-password.txt");
  g_autofree char *password = td_password_read_file (demo_password, &error);
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonObject) alice = NULL;
  g_autoptr(JsonObject) bob = NULL;
  g_autoptr(TdStoreUser) stored = NULL;
  JsonArray *users;
  guint admins = 0;

  g_assert_no_error (error);
  g_assert_cmpstr (password, ==, "tidings-demo");

  g_assert_cmpint (ctl (f, NULL, &out, NULL, "import", demo,
                        "--default-password-file", demo_password, NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "6 departments created, "));
  g_clear_pointer (&out, g_free);

  /* The demo scripts rely on alice and bob, colleagues in one department. */
  alice = show_user (f, "alice");
  bob = show_user (f, "bob");
  g_assert_cmpstr (json_object_get_string_member (alice, "department"), ==,
                   json_object_get_string_member (bob, "department"));
  stored = store_get_user (f, "alice");
  g_assert_true (td_password_verify (stored->password_hash, "tidings-demo"));

  g_assert_cmpint (ctl (f, NULL, &out, NULL, "user", "list", "--json", NULL), ==, 0);
  node = parse_json (out);
  users = json_node_get_array (node);
  g_assert_cmpuint (json_array_get_length (users), >=, 30);
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      if (g_str_equal (json_object_get_string_member (user, "role"), "admin"))
        {
          admins++;
          g_assert_cmpstr (json_object_get_string_member (user, "login"), ==, "admin");
        }
    }
  g_assert_cmpuint (admins, ==, 1);
}

/* apikey, webhook, broadcast and group commands, and the bot role: exit
 * statuses, what is printed, and what the store holds afterwards. */
static char *
last_line (const char *out)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  guint n = g_strv_length (lines);

  while (n > 0 && *lines[n - 1] == '\0')
    n--;
  g_assert_cmpuint (n, >, 0);
  return g_strdup (lines[n - 1]);
}

static void
test_integrations (Fixture *f, gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *key = NULL;
  g_autofree char *bot_key = NULL;
  g_autofree char *secret = NULL;
  g_autofree char *rid_text = NULL;
  g_autoptr(JsonObject) bot = NULL;
  g_autoptr(GError) error = NULL;
  guint8 hash[TD_TOKEN_HASH_LEN];

  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "user", "add", "alice", "--name", "Alice",
                        "--department", "Sales", NULL), ==, 0);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "user", "add", "bob", "--name", "Bob",
                        "--department", "Sales", NULL), ==, 0);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "user", "add", "carol", "--name", "Carol",
                        "--department", "IT", NULL), ==, 0);
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "user", "add", "helpdesk", "--name", "Help Desk",
                        "--role", "bot", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "apikey create"));
  g_clear_pointer (&out, g_free);
  bot = show_user (f, "helpdesk");
  g_assert_cmpstr (json_object_get_string_member (bot, "role"), ==, "bot");
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "user", "add", "x", "--name", "X", "--role", "boss",
                        NULL), ==, 2);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "user", "add", "x", "--name", "X", "--role", "bot",
                        "--admin", NULL), ==, 2);

  /* apikey create: the key is the last line, and only its hash is kept. */
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "apikey", "create", "workflow",
                        "--scope", "reminders, broadcast", NULL), ==, 0);
  key = last_line (out);
  g_assert_true (g_str_has_prefix (key, "tdk_"));
  g_assert_cmpuint (strlen (key), ==, 47);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "apikey", "create", "hd", "--scope", "bot",
                        "--bot", "helpdesk", NULL), ==, 0);
  bot_key = last_line (out);
  g_assert_cmpstr (bot_key, !=, key);
  g_clear_pointer (&out, g_free);
  {
    g_autoptr(TdStore) store = open_store (f);
    g_autoptr(TdStoreApiKey) found = NULL;

    td_token_hash (bot_key, hash);
    found = td_store_check_api_key (store, hash, sizeof hash, 1, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (found->name, ==, "hd");
    g_assert_cmpstr (found->scopes, ==, "bot");
    g_assert_cmpstr (found->bot_login, ==, "helpdesk");
  }

  ctl_fails (f, NULL, "already exists", "apikey", "create", "workflow", "--scope", "reminders", NULL);
  ctl_fails (f, NULL, "not a bot", "apikey", "create", "x", "--scope", "bot", "--bot", "alice", NULL);
  ctl_fails (f, NULL, "no user", "apikey", "create", "x", "--scope", "bot", "--bot", "nobody", NULL);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "apikey", "create", "x", NULL), ==, 2);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "apikey", "create", "x", "--scope", "root", NULL), ==, 2);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "apikey", "create", "x", "--scope", "bot", NULL), ==, 2);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "apikey", "create", "x/y", "--scope", "bot", NULL), ==, 2);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "apikey", "create", "x", "--scope", "reminders",
                        "--bot", "helpdesk", NULL), ==, 2);

  g_assert_cmpint (ctl (f, NULL, &out, NULL, "apikey", "list", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "NAME"));
  g_assert_nonnull (strstr (out, "workflow"));
  g_assert_nonnull (strstr (out, "reminders,broadcast"));
  g_assert_nonnull (strstr (out, "helpdesk"));
  g_assert_null (strstr (out, key));
  g_assert_null (strstr (out, "revoked"));
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "apikey", "revoke", "hd", NULL), ==, 0);
  ctl_fails (f, NULL, "hd", "apikey", "revoke", "hd", NULL);
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "apikey", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "revoked"));
  g_clear_pointer (&out, g_free);
  {
    g_autoptr(TdStore) store = open_store (f);
    g_autoptr(TdStoreApiKey) found = NULL;

    found = td_store_check_api_key (store, hash, sizeof hash, 1, &error);
    g_assert_null (found);
    g_assert_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  /* webhooks */
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "webhook", "add", "crm", "--url",
                        "https://crm.example.com/tidings", "--events", "reminder,message",
                        "--bot", "helpdesk", NULL), ==, 0);
  secret = last_line (out);
  g_assert_true (g_str_has_prefix (secret, "tdw_"));
  g_clear_pointer (&out, g_free);
  ctl_fails (f, NULL, "already exists", "webhook", "add", "crm", "--url", "http://a.example/",
             "--events", "message", NULL);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "webhook", "add", "w", "--url", "file:///etc/passwd",
                        "--events", "message", NULL), ==, 2);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "webhook", "add", "w", "--url", "http://a.example/",
                        "--events", "message,typing", NULL), ==, 2);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "webhook", "add", "w", "--url", "http://a.example/",
                        "--events", "reminder", "--bot", "helpdesk", NULL), ==, 2);
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "webhook", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "crm"));
  g_assert_nonnull (strstr (out, "https://crm.example.com/tidings"));
  g_assert_nonnull (strstr (out, "message,reminder"));
  g_assert_nonnull (strstr (out, "helpdesk"));
  g_assert_null (strstr (out, secret));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "webhook", "del", "crm", NULL), ==, 0);
  ctl_fails (f, NULL, "crm", "webhook", "del", "crm", NULL);

  /* broadcast: people of the department, never the bot; the id last. */
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "broadcast", "--department", "Sales", "--urgent",
                        "--link", "https://intranet.example.com/drill", "Fire drill", "At 3 pm",
                        NULL), ==, 0);
  g_assert_nonnull (strstr (out, "2 people"));
  rid_text = last_line (out);
  g_clear_pointer (&out, g_free);
  {
    g_autoptr(TdStore) store = open_store (f);
    g_autoptr(TdStoreReminder) reminder = NULL;
    g_autoptr(GPtrArray) recipients = NULL;

    reminder = td_store_get_reminder (store, g_ascii_strtoll (rid_text, NULL, 10), &error);
    g_assert_no_error (error);
    g_assert_cmpint (reminder->kind, ==, TD_REMINDER_KIND_ANNOUNCEMENT);
    g_assert_cmpint (reminder->priority, ==, TD_PRIORITY_URGENT);
    g_assert_cmpstr (reminder->title, ==, "Fire drill");
    g_assert_cmpstr (reminder->body, ==, "At 3 pm");
    g_assert_cmpstr (reminder->link, ==, "https://intranet.example.com/drill");
    recipients = td_store_list_recipients (store, reminder->rid, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (recipients->len, ==, 2);
  }
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "broadcast", "status", rid_text, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Total:     2\n"));
  g_assert_nonnull (strstr (out, "Read:      0\n"));
  g_assert_nonnull (strstr (out, "Unread:    alice bob\n"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "broadcast", "Everyone", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "3 people"));
  g_clear_pointer (&out, g_free);
  ctl_fails (f, NULL, "no department", "broadcast", "--department", "Nowhere", "Title", NULL);
  ctl_fails (f, NULL, "no broadcast", "broadcast", "status", "999", NULL);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "broadcast", NULL), ==, 2);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "broadcast", "a", "b", "c", NULL), ==, 2);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "broadcast", "   ", NULL), ==, 2);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "broadcast", "--link", "javascript:x", "T", NULL), ==, 2);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "broadcast", "status", "x", NULL), ==, 2);

  /* group list: one group per department. */
  g_assert_cmpint (ctl (f, NULL, &out, NULL, "group", "list", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "ID"));
  g_assert_nonnull (strstr (out, "Sales"));
  g_assert_nonnull (strstr (out, "IT"));
  g_assert_nonnull (strstr (out, "department"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (ctl (f, NULL, NULL, NULL, "group", "frob", NULL), ==, 2);
}


/* ---- which store ---- */

static int
run_ctl (const char * const *argv, char **out, char **err)
{
  int status = td_test_run (argv, NULL, 60, out, err);

  g_test_message ("tidingsctl ... %s -> %d", argv[g_strv_length ((char **) argv) - 1], status);
  return status;
}

/* --store > --data-dir > TIDINGS_STORE > config file > default. */
static void
test_store_choice (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = td_test_pg_new_database ();
  g_autofree char *other_dir = g_build_filename (f->dir, "other", NULL);
  g_autofree char *config = g_build_filename (f->dir, "tidingsd.conf", NULL);
  g_autofree char *pg_config = g_build_filename (f->dir, "pg.conf", NULL);
  g_autofree char *contents = g_strdup_printf ("[server]\ndata-dir=%s\n", other_dir);
  g_autofree char *pg_contents = g_strdup_printf ("[server]\ndata-dir=%s\nstore=%s\n",
                                                  other_dir, url);
  g_autofree char *err = NULL;
  const char *add_pg[] = { "tidingsctl", "--store", url, "user", "add", "erin", "--name",
                           "Erin", NULL };
  const char *add_dir[] = { "tidingsctl", "--data-dir", other_dir, "user", "add", "finn",
                            "--name", "Finn", NULL };
  const char *show_erin[] = { "tidingsctl", "user", "show", "erin", NULL };
  const char *show_erin_dir[] = { "tidingsctl", "--data-dir", other_dir, "user", "show", "erin", NULL };
  const char *show_erin_both[] = { "tidingsctl", "--data-dir", other_dir, "user", "show", "erin",
                                   "--store", url, NULL };
  const char *show_erin_config[] = { "tidingsctl", "--config", config, "user", "show", "erin", NULL };
  const char *show_finn_config[] = { "tidingsctl", "--config", config, "user", "show", "finn", NULL };
  const char *show_erin_pg_config[] = { "tidingsctl", "--config", pg_config, "user", "show", "erin",
                                        NULL };
  const char *bad_store[] = { "tidingsctl", "--store", "mysql://db/x", "user", "list", NULL };

  g_file_set_contents (config, contents, -1, &error);
  g_assert_no_error (error);
  g_file_set_contents (pg_config, pg_contents, -1, &error);
  g_assert_no_error (error);
  g_unsetenv ("TIDINGS_STORE");

  g_assert_cmpint (run_ctl (add_pg, NULL, NULL), ==, 0);
  g_assert_cmpint (run_ctl (add_dir, NULL, NULL), ==, 0);
  /* The config file's data-dir, or its store, which wins. */
  g_assert_cmpint (run_ctl (show_finn_config, NULL, NULL), ==, 0);
  g_assert_cmpint (run_ctl (show_erin_config, NULL, NULL), ==, 1);
  g_assert_cmpint (run_ctl (show_erin_pg_config, NULL, NULL), ==, 0);

  /* TIDINGS_STORE: above the config file, below --data-dir and --store. */
  g_setenv ("TIDINGS_STORE", url, TRUE);
  g_assert_cmpint (run_ctl (show_erin, NULL, NULL), ==, 0);
  g_assert_cmpint (run_ctl (show_erin_config, NULL, NULL), ==, 0);
  g_assert_cmpint (run_ctl (show_erin_dir, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "no user \"erin\""));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_ctl (show_erin_both, NULL, NULL), ==, 0);
  g_setenv ("TIDINGS_STORE", "sqlite:///nowhere", TRUE);
  g_assert_cmpint (run_ctl (show_erin, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "TIDINGS_STORE"));
  g_clear_pointer (&err, g_free);
  g_unsetenv ("TIDINGS_STORE");

  /* Like tidingsd, only PostgreSQL URLs. */
  g_assert_cmpint (run_ctl (bad_store, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--store"));
}

/* ---- migrate-from-sqlite ---- */

/* What the SQLite store held, to compare with the copy. */
typedef struct {
  char   *token;            /* alice's session on "alice-laptop" */
  char   *api_key;
  gint64  alice_id;
  gint64  bob_id;
  gint64  group_id;
  gint64  rid;
  gint64  bob_cursor;       /* bob-phone acknowledged up to here */
  GPtrArray *bob_mailbox;   /* TdMessage*, every message in bob's mailbox */
  GPtrArray *history;       /* TdMessage*, alice <-> bob */
  gint64  last_seq[3];      /* alice, bob, carol */
  gint64  max_mid;
} Snapshot;

static void
snapshot_clear (Snapshot *snap)
{
  g_free (snap->token);
  g_free (snap->api_key);
  g_clear_pointer (&snap->bob_mailbox, g_ptr_array_unref);
  g_clear_pointer (&snap->history, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Snapshot, snapshot_clear)

static gint64
user_id (TdStore *store, const char *login)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStoreUser) user = td_store_get_user (store, login, &error);

  g_assert_no_error (error);
  return user->id;
}

/* Fills the SQLite store of f->data_dir with a bit of everything. */
static void
fill_sqlite_store (Fixture *f, Snapshot *snap)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *directory = td_test_data_path ("directory.json");
  g_autofree char *password_file = g_build_filename (f->dir, "test-password.txt", NULL);
  const char *import[] = { "tidingsctl", "--data-dir", f->data_dir, "import", directory,
                           "--default-password-file", password_file, NULL };
  g_autoptr(TdStore) store = NULL;
  guint8 hash[TD_TOKEN_HASH_LEN];
  gint64 carol_id;
  gint64 now = g_get_real_time () / 1000;
  gboolean more, duplicate;

  g_file_set_contents (password_file, TD_TEST_PASSWORD "\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (td_test_run (import, NULL, 60, NULL, NULL), ==, 0);

  store = td_store_open (NULL, f->data_dir, &error);
  g_assert_no_error (error);
  snap->alice_id = user_id (store, "alice");
  snap->bob_id = user_id (store, "bob");
  carol_id = user_id (store, "carol");

  g_assert_true (td_store_begin (store, &error));
  snap->token = td_token_generate ();
  td_token_hash (snap->token, hash);
  g_assert_true (td_store_add_token (store, hash, sizeof hash, snap->alice_id, "alice-laptop",
                                     now + 3600 * 1000, &error));
  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("a-%u", i);
      g_autofree char *text = g_strdup_printf ("before the move %u", i);
      TdStoreSendResult sent = { 0 };

      g_assert_true (td_store_add_message (store, snap->alice_id, snap->bob_id, id, text,
                                           now + i, &sent, &error));
      if (i == 2)
        snap->bob_cursor = td_message_get_seq (sent.recipient_copy);
      td_store_send_result_clear (&sent);
    }
  {
    TdStoreSendResult sent = { 0 };

    g_assert_true (td_store_add_message (store, snap->bob_id, snap->alice_id, "b-1", "reply",
                                         now + 6, &sent, &error));
    g_assert_true (td_store_set_read (store, snap->bob_id, snap->alice_id, 0,
                                      td_message_get_mid (sent.sender_copy), &error));
    td_store_send_result_clear (&sent);
  }
  {
    const gint64 members[] = { snap->bob_id, carol_id };
    g_autoptr(TdGroup) group = td_store_create_group (store, snap->alice_id, "Move project",
                                                      members, 2, now, &error);

    g_assert_no_error (error);
    snap->group_id = td_group_get_id (group);
    for (guint i = 1; i <= 2; i++)
      {
        g_autofree char *id = g_strdup_printf ("g-%u", i);
        TdStoreGroupSendResult sent = { 0 };

        g_assert_true (td_store_add_group_message (store, snap->alice_id, snap->group_id, id,
                                                   "to the group", now + 10 + i, &sent, &error));
        td_store_group_send_result_clear (&sent);
      }
  }
  g_assert_true (td_store_set_cursor (store, snap->bob_id, "bob-phone", snap->bob_cursor, &error));
  {
    TdStoreReminder reminder = {
      .kind = TD_REMINDER_KIND_REMINDER, .source = (char *) "workflow",
      .title = (char *) "Submit expenses", .body = (char *) "", .link = (char *) "",
      .category = (char *) "", .priority = TD_PRIORITY_NORMAL,
    };
    g_autoptr(TdStoreReminder) stored = NULL;
    gint64 key_id;

    snap->api_key = td_token_generate ();
    td_token_hash (snap->api_key, hash);
    key_id = td_store_add_api_key (store, "workflow", hash, sizeof hash, "reminders", 0, now,
                                   &error);
    g_assert_no_error (error);
    reminder.api_key_id = key_id;
    stored = td_store_add_reminder (store, &reminder, &snap->bob_id, 1, &duplicate, &error);
    g_assert_no_error (error);
    snap->rid = stored->rid;
  }
  g_assert_cmpint (td_store_add_webhook (store, "crm", "https://crm.example.com/hook", "tdw_secret",
                                         "reminder", 0, now, &error), >, 0);
  g_assert_cmpuint (td_store_enqueue_event (store, "reminder", 0, "{\"event\":\"reminder\"}", now,
                                            &error), ==, 1);
  g_assert_no_error (error);
  g_assert_true (td_store_commit (store, &error));

  snap->bob_mailbox = td_store_mailbox_after (store, snap->bob_id, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (snap->bob_mailbox->len, ==, 5 + 1 + 2);
  snap->history = td_store_history (store, snap->alice_id, snap->bob_id, 0, 100, &more, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (snap->history->len, ==, 6);
  snap->last_seq[0] = td_store_mailbox_last_seq (store, snap->alice_id, &error);
  snap->last_seq[1] = td_store_mailbox_last_seq (store, snap->bob_id, &error);
  snap->last_seq[2] = td_store_mailbox_last_seq (store, carol_id, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < snap->bob_mailbox->len; i++)
    snap->max_mid = MAX (snap->max_mid,
                         td_message_get_mid (g_ptr_array_index (snap->bob_mailbox, i)));
}

static void
assert_same_messages (GPtrArray *a, GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      TdMessage *x = g_ptr_array_index (a, i);
      TdMessage *y = g_ptr_array_index (b, i);

      g_assert_cmpint (td_message_get_mid (x), ==, td_message_get_mid (y));
      g_assert_cmpint (td_message_get_seq (x), ==, td_message_get_seq (y));
      g_assert_cmpstr (td_message_get_id (x), ==, td_message_get_id (y));
      g_assert_cmpstr (td_message_get_from (x), ==, td_message_get_from (y));
      g_assert_cmpstr (td_message_get_to (x), ==, td_message_get_to (y));
      g_assert_cmpstr (td_message_get_text (x), ==, td_message_get_text (y));
      g_assert_cmpint (td_message_get_time (x), ==, td_message_get_time (y));
    }
}

/* Rows per table from the printed table ("TABLE ROWS"). */
static guint
rows_of (const char *out, const char *table)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cells = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      guint n = g_strv_length (cells);

      if (n >= 2 && g_str_equal (cells[0], table))
        return (guint) g_ascii_strtoull (cells[n - 1], NULL, 10);
    }
  g_error ("no row count for table %s in:\n%s", table, out);
}

/* The copy, checked in the database, then through a real tidingsd. */
static void
check_migrated_store (const char *url, Snapshot *snap)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = td_store_open (url, NULL, &error);
  g_autoptr(GPtrArray) mailbox = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GPtrArray) hooks = NULL;
  g_autoptr(GPtrArray) reads = NULL;
  g_autoptr(TdStoreApiKey) key = NULL;
  g_autoptr(TdStoreReminder) reminder = NULL;
  guint8 hash[TD_TOKEN_HASH_LEN];
  gboolean more;

  g_assert_no_error (error);
  g_assert_cmpint (user_id (store, "alice"), ==, snap->alice_id);
  g_assert_cmpint (user_id (store, "bob"), ==, snap->bob_id);
  mailbox = td_store_mailbox_after (store, snap->bob_id, 0, 100, &error);
  g_assert_no_error (error);
  assert_same_messages (snap->bob_mailbox, mailbox);
  history = td_store_history (store, snap->alice_id, snap->bob_id, 0, 100, &more, &error);
  g_assert_no_error (error);
  assert_same_messages (snap->history, history);
  g_assert_cmpint (td_store_mailbox_last_seq (store, snap->alice_id, &error), ==, snap->last_seq[0]);
  g_assert_cmpint (td_store_mailbox_last_seq (store, snap->bob_id, &error), ==, snap->last_seq[1]);
  g_assert_cmpint (td_store_mailbox_last_seq (store, user_id (store, "carol"), &error), ==,
                   snap->last_seq[2]);
  g_assert_cmpint (td_store_get_cursor (store, snap->bob_id, "bob-phone", &error), ==,
                   snap->bob_cursor);
  g_assert_no_error (error);

  td_token_hash (snap->token, hash);
  g_assert_cmpint (td_store_check_token (store, hash, sizeof hash, g_get_real_time () / 1000,
                                         NULL, &error), ==, snap->alice_id);
  g_assert_no_error (error);
  td_token_hash (snap->api_key, hash);
  key = td_store_check_api_key (store, hash, sizeof hash, g_get_real_time () / 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (key->name, ==, "workflow");

  groups = td_store_list_user_groups (store, snap->bob_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (groups->len, ==, 2);   /* Engineering and the ad-hoc one */
  reads = td_store_get_reads (store, snap->alice_id, snap->bob_id, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (reads->len, ==, 1);

  reminder = td_store_get_reminder (store, snap->rid, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (reminder->title, ==, "Submit expenses");
  hooks = td_store_list_webhooks (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hooks->len, ==, 1);
  g_assert_cmpuint (((TdStoreWebhook *) g_ptr_array_index (hooks, 0))->pending, ==, 1);
}

static void
check_server_on_copy (const char *url, Snapshot *snap)
{
  g_autoptr(TdTestServer) server = td_test_server_new_on_store (url, NULL);
  g_autoptr(TdTestWs) alice = td_test_ws_connect (server->ws_url);
  g_autoptr(TdTestWs) bob = td_test_ws_connect (server->ws_url);
  g_autoptr(TdFrame) by_token = td_frame_new_auth_token (snap->token, "alice-laptop", NULL);
  g_autoptr(TdFrame) welcome = NULL;
  g_autoptr(TdFrame) request = td_frame_new_history_request ("h1", "alice", 0, 50);
  g_autoptr(TdFrame) result = NULL;
  g_autoptr(TdFrame) sent = NULL;
  g_autoptr(TdFrame) arrived = NULL;
  g_autoptr(GPtrArray) backlog = NULL;
  g_autoptr(GPtrArray) expected = g_ptr_array_new ();
  TdMessage *message;

  /* Alice's saved session still works. */
  td_test_ws_send_frame (alice, by_token);
  welcome = td_test_ws_expect (alice, TD_FRAME_WELCOME, 10000);

  /* Bob's phone gets what it had not acknowledged, with the old seqs. */
  backlog = td_test_ws_login (bob, "bob", "bob-phone");
  for (guint i = 0; i < snap->bob_mailbox->len; i++)
    {
      TdMessage *old = g_ptr_array_index (snap->bob_mailbox, i);

      if (td_message_get_seq (old) > snap->bob_cursor)
        g_ptr_array_add (expected, old);
    }
  g_assert_cmpuint (expected->len, ==, 6);
  assert_same_messages (expected, backlog);

  /* History as before the move. */
  td_test_ws_send_frame (bob, request);
  result = td_test_ws_expect (bob, TD_FRAME_HISTORY, 10000);
  assert_same_messages (snap->history, td_frame_get_messages (result));

  /* New messages continue the sequences: next seq, a new mid. */
  sent = td_test_ws_send_message (alice, "after-1", "bob", "after the move");
  g_assert_cmpint (td_frame_get_frame_type (sent), ==, TD_FRAME_SENT);
  message = td_frame_get_message (sent);
  g_assert_cmpint (td_message_get_mid (message), >, snap->max_mid);
  g_assert_cmpint (td_message_get_seq (message), ==, snap->last_seq[0] + 1);
  arrived = td_test_ws_expect (bob, TD_FRAME_MESSAGE, 10000);
  message = td_frame_get_message (arrived);
  g_assert_cmpstr (td_message_get_text (message), ==, "after the move");
  g_assert_cmpint (td_message_get_seq (message), ==, snap->last_seq[1] + 1);

  g_clear_pointer (&alice, td_test_ws_free);
  g_clear_pointer (&bob, td_test_ws_free);
  td_test_server_stop (server);
}

static void
test_migrate (Fixture *f, gconstpointer data)
{
  g_autofree char *url = td_test_pg_new_database ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *empty_dir = g_build_filename (f->dir, "empty", NULL);
  g_auto(Snapshot) snap = { 0 };
  const char *migrate[] = { "tidingsctl", "--store", url, "migrate-from-sqlite", f->data_dir, NULL };
  const char *no_target[] = { "tidingsctl", "migrate-from-sqlite", f->data_dir, NULL };
  const char *no_source[] = { "tidingsctl", "--store", url, "migrate-from-sqlite", empty_dir, NULL };

  g_unsetenv ("TIDINGS_STORE");
  fill_sqlite_store (f, &snap);

  g_assert_cmpint (run_ctl (no_target, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--store"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_ctl (no_source, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "tidings.db"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_ctl (migrate, &out, &err), ==, 0);
  g_test_message ("%s", out);
  g_assert_cmpuint (rows_of (out, "users"), ==, 6);
  g_assert_cmpuint (rows_of (out, "messages"), ==, 8);
  g_assert_cmpuint (rows_of (out, "tokens"), ==, 1);
  g_assert_cmpuint (rows_of (out, "api_keys"), ==, 1);
  g_assert_cmpuint (rows_of (out, "webhooks"), ==, 1);
  g_assert_cmpuint (rows_of (out, "reminders"), ==, 1);
  g_assert_nonnull (strstr (out, "rows copied from"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Only into an empty database: a second run changes nothing. */
  g_assert_cmpint (run_ctl (migrate, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "not empty"));

  check_migrated_store (url, &snap);
  check_server_on_copy (url, &snap);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  g_test_init (&argc, &argv, NULL);
  /* Every call names its store; one from the caller's shell must not
   * take part. */
  g_unsetenv ("TIDINGS_STORE");
  if (!td_password_init (&error))
    g_error ("%s", error->message);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/ctl/help", test_help);
  ADD ("/ctl/usage-errors", test_usage_errors);
  ADD ("/ctl/users", test_users);
  ADD ("/ctl/runtime-errors", test_runtime_errors);
  ADD ("/ctl/import", test_import);
  ADD ("/ctl/table", test_table);
  ADD ("/ctl/config", test_config);
  ADD ("/ctl/demo-directory", test_demo_directory);
  ADD ("/ctl/integrations", test_integrations);
  ADD ("/ctl/store-choice", test_store_choice);
  ADD ("/ctl/migrate-from-sqlite", test_migrate);
#undef ADD
  return g_test_run ();
}
