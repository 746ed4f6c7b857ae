/* td-ctl-user.c - the "tidingsctl user ..." commands: add, set, passwd,
 * disable, enable, del, list, show; and the table printer the other
 * listing commands share.
 *
 * Each write command runs in one transaction; password changes and
 * disabling also revoke the user's session tokens so that saved logins on
 * other devices stop working.
 */
#define G_LOG_DOMAIN "tidingsctl"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "td-ctl-private.h"

typedef struct {
  const char *login;
  const char *name;
  const char *department;
  const char *title;
  const char *role;
  const char *hash;
  gboolean    disabled;
} UserEdit;

static gboolean
write_user_add (TdStore *store, gpointer data, GError **error)
{
  UserEdit *edit = data;

  if (*edit->department != '\0' && td_store_ensure_department (store, edit->department, error) <= 0)
    return FALSE;
  if (!td_store_put_user (store, edit->login, edit->name, edit->department, edit->title,
                          edit->role, TRUE, error))
    return FALSE;
  return edit->hash == NULL || td_store_set_password_hash (store, edit->login, edit->hash, error);
}

/* --role and the older --admin / --no-admin switches must agree. */
static int
check_role (const char *command, const char *role, gboolean admin, gboolean no_admin)
{
  if (role == NULL)
    return -1;
  if (!g_str_equal (role, "user") && !g_str_equal (role, "admin") && !g_str_equal (role, "bot"))
    return _td_ctl_usage_error ("%s: --role must be user, admin or bot", command);
  if ((admin && !g_str_equal (role, "admin")) || (no_admin && g_str_equal (role, "admin")))
    return _td_ctl_usage_error ("%s: --role %s contradicts --%s", command, role,
                                admin ? "admin" : "no-admin");
  return -1;
}

static int
cmd_user_add (int argc, char **argv)
{
  g_autofree char *name = NULL;
  g_autofree char *department = NULL;
  g_autofree char *title = NULL;
  g_autofree char *password_file = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *role = NULL;
  gboolean admin = FALSE;
  const GOptionEntry entries[] = {
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name, "Display name (required)", "NAME" },
    { "department", 0, 0, G_OPTION_ARG_STRING, &department, "Department (created if new)", "DEPT" },
    { "title", 0, 0, G_OPTION_ARG_STRING, &title, "Job title", "TITLE" },
    { "admin", 0, 0, G_OPTION_ARG_NONE, &admin, "Give the admin role (same as --role admin)", NULL },
    { "role", 0, 0, G_OPTION_ARG_STRING, &role,
      "user (default), admin, or bot (an account driven by an API key)", "ROLE" },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      "Read the password from the first line of FILE (- for standard input)", "FILE" },
    { NULL }
  };
  UserEdit edit = { 0 };
  int status = _td_ctl_parse_command ("user add", "LOGIN", "Creates a user.", entries, &argc, &argv, 1);

  if (status >= 0)
    return status;
  if ((status = _td_ctl_check_login (argv[1])) >= 0)
    return status;
  if (name == NULL)
    return _td_ctl_usage_error ("user add: --name is required");
  if ((status = _td_ctl_check_texts (name, department, title)) >= 0)
    return status;
  if ((status = check_role ("user add", role, admin, FALSE)) >= 0)
    return status;
  if (password_file != NULL && (hash = _td_ctl_hash_password_file (password_file, &error)) == NULL)
    return _td_ctl_fail (error);

  edit.login = argv[1];
  edit.name = g_strstrip (name);
  edit.department = department ? g_strstrip (department) : "";
  edit.title = title ? g_strstrip (title) : "";
  edit.role = role ? role : admin ? "admin" : "user";
  edit.hash = hash;
  if ((status = _td_ctl_run_write (write_user_add, &edit)) != 0)
    return status;
  if (g_str_equal (edit.role, "bot"))
    printf ("Bot %s created.  Give it a key: \"tidingsctl apikey create NAME --scope bot --bot %s\".\n",
            edit.login, edit.login);
  else if (hash == NULL)
    printf ("User %s has no password yet: set one with \"tidingsctl user passwd %s\".\n",
            edit.login, edit.login);
  return 0;
}

static gboolean
write_user_set (TdStore *store, gpointer data, GError **error)
{
  UserEdit *edit = data;
  g_autoptr(TdStoreUser) user = _td_ctl_find_user (store, edit->login, error);

  if (user == NULL)
    return FALSE;
  if (edit->department != NULL && *edit->department != '\0' &&
      td_store_ensure_department (store, edit->department, error) <= 0)
    return FALSE;
  return td_store_put_user (store, edit->login,
                            edit->name ? edit->name : user->name,
                            edit->department ? edit->department : user->department,
                            edit->title ? edit->title : user->title,
                            edit->role ? edit->role : user->role,
                            FALSE, error);
}

static int
cmd_user_set (int argc, char **argv)
{
  g_autofree char *name = NULL;
  g_autofree char *department = NULL;
  g_autofree char *title = NULL;
  g_autofree char *role = NULL;
  gboolean admin = FALSE, no_admin = FALSE;
  const GOptionEntry entries[] = {
    { "name", 'n', 0, G_OPTION_ARG_STRING, &name, "New display name", "NAME" },
    { "department", 0, 0, G_OPTION_ARG_STRING, &department, "New department (\"\" for none)", "DEPT" },
    { "title", 0, 0, G_OPTION_ARG_STRING, &title, "New job title (\"\" for none)", "TITLE" },
    { "admin", 0, 0, G_OPTION_ARG_NONE, &admin, "Give the admin role", NULL },
    { "no-admin", 0, 0, G_OPTION_ARG_NONE, &no_admin, "Take the admin role away", NULL },
    { "role", 0, 0, G_OPTION_ARG_STRING, &role, "New role: user, admin or bot", "ROLE" },
    { NULL }
  };
  UserEdit edit = { 0 };
  int status = _td_ctl_parse_command ("user set", "LOGIN", "Changes a user's details.", entries,
                                      &argc, &argv, 1);

  if (status >= 0)
    return status;
  if ((status = _td_ctl_check_login (argv[1])) >= 0)
    return status;
  if (admin && no_admin)
    return _td_ctl_usage_error ("user set: --admin and --no-admin exclude each other");
  if (name == NULL && department == NULL && title == NULL && !admin && !no_admin && role == NULL)
    return _td_ctl_usage_error ("user set: nothing to change");
  if ((status = _td_ctl_check_texts (name, department, title)) >= 0)
    return status;
  if ((status = check_role ("user set", role, admin, no_admin)) >= 0)
    return status;

  edit.login = argv[1];
  edit.name = name ? g_strstrip (name) : NULL;
  edit.department = department ? g_strstrip (department) : NULL;
  edit.title = title ? g_strstrip (title) : NULL;
  edit.role = role ? role : admin ? "admin" : no_admin ? "user" : NULL;
  return _td_ctl_run_write (write_user_set, &edit);
}

static gboolean
write_user_passwd (TdStore *store, gpointer data, GError **error)
{
  UserEdit *edit = data;
  g_autoptr(TdStoreUser) user = _td_ctl_find_user (store, edit->login, error);

  return user != NULL &&
         td_store_set_password_hash (store, edit->login, edit->hash, error) &&
         td_store_revoke_user_tokens (store, user->id, error);
}

static int
cmd_user_passwd (int argc, char **argv)
{
  g_autofree char *password_file = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      "Read the password from the first line of FILE (- for standard input)", "FILE" },
    { NULL }
  };
  UserEdit edit = { 0 };
  int status = _td_ctl_parse_command ("user passwd", "LOGIN",
                                      "Sets a user's password and signs the user's devices out.",
                                      entries, &argc, &argv, 1);

  if (status >= 0)
    return status;
  if ((status = _td_ctl_check_login (argv[1])) >= 0)
    return status;
  if (password_file == NULL)
    return _td_ctl_usage_error ("user passwd: --password-file is required (\"-\" reads standard input)");
  if ((hash = _td_ctl_hash_password_file (password_file, &error)) == NULL)
    return _td_ctl_fail (error);

  edit.login = argv[1];
  edit.hash = hash;
  return _td_ctl_run_write (write_user_passwd, &edit);
}

static gboolean
write_user_disabled (TdStore *store, gpointer data, GError **error)
{
  UserEdit *edit = data;
  g_autoptr(TdStoreUser) user = _td_ctl_find_user (store, edit->login, error);

  return user != NULL &&
         td_store_set_disabled (store, edit->login, edit->disabled, error) &&
         (!edit->disabled || td_store_revoke_user_tokens (store, user->id, error));
}

static gboolean
write_user_del (TdStore *store, gpointer data, GError **error)
{
  UserEdit *edit = data;
  g_autoptr(TdStoreUser) user = _td_ctl_find_user (store, edit->login, error);

  return user != NULL && td_store_delete_user (store, edit->login, error);
}

/* user disable / enable / del: LOGIN and nothing else. */
static int
cmd_user_simple (const char *command, const char *summary, TdCtlWriteFunc func, gboolean disabled,
                 int argc, char **argv)
{
  UserEdit edit = { 0 };
  int status = _td_ctl_parse_command (command, "LOGIN", summary, NULL, &argc, &argv, 1);

  if (status >= 0)
    return status;
  if ((status = _td_ctl_check_login (argv[1])) >= 0)
    return status;
  edit.login = argv[1];
  edit.disabled = disabled;
  return _td_ctl_run_write (func, &edit);
}

static const char *
user_state (const TdStoreUser *user)
{
  if (user->disabled)
    return "disabled";
  return user->password_hash != NULL ? "active" : "no password";
}

static void
add_user_json (JsonBuilder *builder, const TdStoreUser *user)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "login");
  json_builder_add_string_value (builder, user->login);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, user->name);
  json_builder_set_member_name (builder, "department");
  json_builder_add_string_value (builder, user->department ? user->department : "");
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, user->title ? user->title : "");
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, user->role);
  json_builder_set_member_name (builder, "disabled");
  json_builder_add_boolean_value (builder, user->disabled);
  json_builder_set_member_name (builder, "has_password");
  json_builder_add_boolean_value (builder, user->password_hash != NULL);
  json_builder_end_object (builder);
}

static void
print_json (JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, TRUE);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  /* Raw UTF-8: g_print() would transliterate names in a non-UTF-8 locale. */
  printf ("%s\n", text);
}

/* Terminal columns taken by @text: CJK characters take two. */
static guint
display_width (const char *text)
{
  guint width = 0;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_iszerowidth (c))
        continue;
      width += g_unichar_iswide (c) ? 2 : 1;
    }
  return width;
}

#define N_COLUMNS 6

void
_td_ctl_print_table (GPtrArray *rows, guint n_columns)
{
  g_autofree guint *widths = g_new0 (guint, n_columns);

  for (guint r = 0; r < rows->len; r++)
    {
      const char **row = g_ptr_array_index (rows, r);
      for (guint c = 0; c < n_columns; c++)
        widths[c] = MAX (widths[c], display_width (row[c]));
    }
  for (guint r = 0; r < rows->len; r++)
    {
      const char **row = g_ptr_array_index (rows, r);
      g_autoptr(GString) line = g_string_new (NULL);

      for (guint c = 0; c < n_columns; c++)
        {
          g_string_append (line, row[c]);
          if (c + 1 < n_columns)
            for (guint pad = display_width (row[c]); pad < widths[c] + 2; pad++)
              g_string_append_c (line, ' ');
        }
      while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      printf ("%s\n", line->str);
    }
}

static int
cmd_user_list (int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print a JSON array", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = NULL;
  g_autoptr(GPtrArray) users = NULL;
  int status = _td_ctl_parse_command ("user list", "", "Lists all users.", entries, &argc, &argv, 0);

  if (status >= 0)
    return status;
  if ((store = _td_ctl_open_store (&error)) == NULL ||
      (users = td_store_list_users (store, &error)) == NULL)
    return _td_ctl_fail (error);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      for (guint i = 0; i < users->len; i++)
        add_user_json (builder, g_ptr_array_index (users, i));
      json_builder_end_array (builder);
      print_json (builder);
    }
  else
    {
      g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
      static const char *header[N_COLUMNS] = { "LOGIN", "NAME", "DEPARTMENT", "TITLE", "ROLE", "STATE" };

      g_ptr_array_add (rows, g_memdup2 (header, sizeof header));
      for (guint i = 0; i < users->len; i++)
        {
          const TdStoreUser *user = g_ptr_array_index (users, i);
          const char *row[N_COLUMNS] = { user->login, user->name,
                                         user->department ? user->department : "",
                                         user->title ? user->title : "",
                                         user->role, user_state (user) };
          g_ptr_array_add (rows, g_memdup2 (row, sizeof row));
        }
      _td_ctl_print_table (rows, N_COLUMNS);
    }
  return 0;
}

static int
cmd_user_show (int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print a JSON object", NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = NULL;
  g_autoptr(TdStoreUser) user = NULL;
  int status = _td_ctl_parse_command ("user show", "LOGIN", "Shows one user.", entries, &argc, &argv, 1);

  if (status >= 0)
    return status;
  if ((status = _td_ctl_check_login (argv[1])) >= 0)
    return status;
  if ((store = _td_ctl_open_store (&error)) == NULL ||
      (user = _td_ctl_find_user (store, argv[1], &error)) == NULL)
    return _td_ctl_fail (error);

  if (json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      add_user_json (builder, user);
      print_json (builder);
    }
  else
    printf ("Login:      %s\nName:       %s\nDepartment: %s\nTitle:      %s\nRole:       %s\n"
            "State:      %s\n",
            user->login, user->name, user->department ? user->department : "",
            user->title ? user->title : "", user->role, user_state (user));
  return 0;
}

int
_td_ctl_user (const char *verb, int argc, char **argv)
{
  if (g_str_equal (verb, "add"))
    return cmd_user_add (argc, argv);
  if (g_str_equal (verb, "set"))
    return cmd_user_set (argc, argv);
  if (g_str_equal (verb, "passwd"))
    return cmd_user_passwd (argc, argv);
  if (g_str_equal (verb, "disable"))
    return cmd_user_simple ("user disable", "Refuses the user's logins and signs the devices out.",
                            write_user_disabled, TRUE, argc, argv);
  if (g_str_equal (verb, "enable"))
    return cmd_user_simple ("user enable", "Allows the user to log in again.",
                            write_user_disabled, FALSE, argc, argv);
  if (g_str_equal (verb, "del"))
    return cmd_user_simple ("user del", "Deletes a user.", write_user_del, FALSE, argc, argv);
  if (g_str_equal (verb, "list"))
    return cmd_user_list (argc, argv);
  if (g_str_equal (verb, "show"))
    return cmd_user_show (argc, argv);
  return _td_ctl_usage_error ("unknown command \"user %s\"", verb);
}
