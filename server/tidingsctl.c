/* tidingsctl.c - the administration tool: users, passwords, departments,
 * directory import, API keys, webhooks, broadcasts and groups, written
 * straight into the store of tidingsd, and the copy of a SQLite store into
 * PostgreSQL (td-ctl-migrate.c).
 *
 * It opens the same store as tidingsd: the SQLite file in the data
 * directory (WAL mode and the store's busy timeout make that safe while the
 * server runs) or the PostgreSQL database named by --store.  Exit status:
 * 0 success, 1 runtime failure (one "tidingsctl: ..." line on stderr),
 * 2 usage error.
 */
#define G_LOG_DOMAIN "tidingsctl"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "td-config.h"
#include "td-ctl-private.h"
#include "td-directory-import.h"
#include "td-password.h"

static char *opt_store;
static char *opt_data_dir;
static char *opt_config;

static const GOptionEntry global_entries[] = {
  { "store", 0, 0, G_OPTION_ARG_STRING, &opt_store,
    "PostgreSQL store of tidingsd (postgresql://... libpq URI), instead of the SQLite one "
    "in the data directory; see \"Which store\" below", "URL" },
  { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &opt_data_dir,
    "Data directory of tidingsd with its SQLite store (default: data-dir of the config file, "
    "else " DEFAULT_DATA_DIR ")", "DIR" },
  { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opt_config,
    "tidingsd config file to take store or data-dir from (default: " TD_CONFIG_DEFAULT_PATH
    " if it exists)", "FILE" },
  { NULL }
};

static const char help_description[] =
  "Commands:\n"
  "  user add LOGIN --name NAME [--department DEPT] [--title TITLE] [--admin]\n"
  "                 [--role user|admin|bot] [--password-file FILE]\n"
  "      Create a user (fails if LOGIN exists).  Without --password-file the\n"
  "      user cannot log in until \"user passwd\" sets a password.  A bot is\n"
  "      an account driven by an API key (see \"apikey create --bot\").\n"
  "  user set LOGIN [--name NAME] [--department DEPT] [--title TITLE]\n"
  "                 [--admin | --no-admin] [--role user|admin|bot]\n"
  "      Change a user's details; an empty value clears department or title.\n"
  "  user passwd LOGIN --password-file FILE\n"
  "      Set the password from the first line of FILE (\"-\": standard input;\n"
  "      on a terminal it is asked twice without echo).  Signs the user's\n"
  "      devices out: their saved sessions stop working.\n"
  "  user disable LOGIN     Refuse logins and sign the user's devices out.\n"
  "  user enable LOGIN      Allow logins again.\n"
  "  user del LOGIN         Delete a user.\n"
  "  user list [--json]     Table of login, name, department, title, role, state.\n"
  "  user show LOGIN [--json]\n"
  "                         One user's details (never the password hash).\n"
  "  department list        Department names, one a line.\n"
  "  import FILE [--default-password-file FILE]\n"
  "      Create or update users from a JSON or CSV directory file, all or\n"
  "      nothing.  Importing the same file again changes nothing; users\n"
  "      missing from the file are kept (use \"user disable\").  Users without\n"
  "      a password get the one in --default-password-file.\n"
  "      JSON: {\"departments\": [{\"name\": ...}], \"users\": [{\"login\", \"name\",\n"
  "      \"department\", \"title\", \"role\": \"user\"|\"admin\"|\"bot\"}]}.\n"
  "      CSV: a header line with login,name,department and optionally\n"
  "      title,role, in any order; UTF-8, quoted fields as in RFC 4180.\n"
  "  apikey create NAME --scope SCOPE[,SCOPE] [--bot LOGIN]\n"
  "      Make a key for the HTTP API (/api/v1).  Scopes: reminders, broadcast,\n"
  "      bot (needs --bot, a user with role bot).  The key is printed as the\n"
  "      last line, once: only its hash is kept.\n"
  "  apikey list             Keys with scopes, bot, creation, last use, state.\n"
  "  apikey revoke NAME      Refuse the key from now on.\n"
  "  webhook add NAME --url URL --events EVENT[,EVENT] [--bot LOGIN]\n"
  "      POST events (message: messages to bots, only those to LOGIN with\n"
  "      --bot; reminder: outcomes of API reminders) to URL, signed with a\n"
  "      secret printed as the last line.\n"
  "  webhook list            Webhooks with queued, delivered and last error.\n"
  "  webhook del NAME        Delete a webhook and its queue.\n"
  "  broadcast [--department DEPT] [--urgent] [--link URL] TITLE [BODY]\n"
  "      Announce to everyone (or DEPT); prints the id as the last line.\n"
  "      The running server shows it to online people within seconds.\n"
  "  broadcast status ID     How many have read it, and who has not.\n"
  "  group list              Every group: id, kind, name, owner, members.\n"
  "  migrate-from-sqlite DIR\n"
  "      Copy the SQLite store of data directory DIR (read-only) into the\n"
  "      empty PostgreSQL database named by --store, in one transaction,\n"
  "      keeping every id, sequence number and session; refuses a database\n"
  "      that holds anything.  Stop tidingsd first.\n"
  "\n"
  "Which store: --store URL, else --data-dir DIR, else $TIDINGS_STORE (a\n"
  "postgresql:// URL), else store or data-dir of the config file, else the\n"
  "SQLite store in " DEFAULT_DATA_DIR ".\n"
  "\n"
  "Global options may also follow the command; \"tidingsctl COMMAND --help\"\n"
  "shows a command's options.  Passwords are read from files, never from the\n"
  "command line, so that they do not show up in the process list.\n"
  "\n"
  "tidingsctl works on the database (SQLite or PostgreSQL) directly and is\n"
  "safe to use while tidingsd runs (as the same system user, so that the\n"
  "files keep their owner).\n"
  "The running server picks up directory changes at the next login/reconnect.\n"
  "\n"
  "Exit status: 0 success, 1 failure, 2 usage error.";

int
_td_ctl_fail (const GError *error)
{
  fprintf (stderr, "tidingsctl: %s\n", error->message);
  return TD_CTL_EXIT_RUNTIME;
}

int
_td_ctl_usage_error (const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  /* prgname is "tidingsctl" or "tidingsctl user add" while a command runs. */
  fprintf (stderr, "tidingsctl: %s\nTry \"%s --help\" for more information.\n",
           message, g_get_prgname ());
  return TD_CTL_EXIT_USAGE;
}

static gboolean
is_postgresql_url (const char *url)
{
  return g_str_has_prefix (url, "postgresql://") || g_str_has_prefix (url, "postgres://");
}

/* The same check as tidingsd makes of its --store. */
static int
check_store_option (void)
{
  if (opt_store != NULL && !is_postgresql_url (opt_store))
    return _td_ctl_usage_error ("--store must be a postgresql:// URL (without it the SQLite "
                                "store in the data directory is used)");
  return -1;
}

/* Parses a command's options (anywhere on its command line) and checks the
 * number of positional arguments.  Returns -1 on success, else the exit
 * status. */
int
_td_ctl_parse_command (const char *command, const char *params, const char *summary,
                       const GOptionEntry *entries, int *argc, char ***argv, int n_args)
{
  return _td_ctl_parse_command_range (command, params, summary, entries, argc, argv,
                                      n_args, n_args);
}

int
_td_ctl_parse_command_range (const char *command, const char *params, const char *summary,
                             const GOptionEntry *entries, int *argc, char ***argv,
                             int min_args, int max_args)
{
  g_autoptr(GOptionContext) context = g_option_context_new (params);
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("tidingsctl %s", command);
  /* GOption overwrites without freeing when a global option is given
   * both before and after the command. */
  g_autofree char *store_before = g_steal_pointer (&opt_store);
  g_autofree char *data_dir_before = g_steal_pointer (&opt_data_dir);
  g_autofree char *config_before = g_steal_pointer (&opt_config);
  int status;

  g_set_prgname (prgname);
  g_option_context_set_summary (context, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_main_entries (context, global_entries, NULL);
  if (!g_option_context_parse (context, argc, argv, &error))
    return _td_ctl_usage_error ("%s", error->message);
  if (opt_store == NULL)
    opt_store = g_steal_pointer (&store_before);
  if (opt_data_dir == NULL)
    opt_data_dir = g_steal_pointer (&data_dir_before);
  if (opt_config == NULL)
    opt_config = g_steal_pointer (&config_before);
  if ((status = check_store_option ()) >= 0)
    return status;
  if (*argc - 1 < min_args)
    return _td_ctl_usage_error ("%s: missing %s", command, params);
  if (*argc - 1 > max_args)
    return _td_ctl_usage_error ("%s: unexpected argument \"%s\"", command, (*argv)[max_args + 1]);
  return -1;
}

int
_td_ctl_check_login (const char *login)
{
  if (td_proto_validate_login (login, NULL))
    return -1;
  return _td_ctl_usage_error ("invalid login \"%s\": use 1 to %d lowercase letters, digits, '.', '_' "
                      "or '-', starting with a letter or digit", login, TD_PROTO_MAX_LOGIN);
}

/* Same rules as a directory file: shown in every client's contact list. */
static const char *
text_problem (const char *value, gboolean required)
{
  if (!g_utf8_validate (value, -1, NULL))
    return "is not UTF-8";
  if (required)
    {
      const char *p = value;

      while (g_ascii_isspace (*p))
        p++;
      if (*p == '\0')
        return "is empty";
    }
  if (strlen (value) > TD_PROTO_MAX_NAME)
    return "is longer than 256 bytes";
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return "contains a control character";
  return NULL;
}

int
_td_ctl_check_texts (const char *name, const char *department, const char *title)
{
  const char *what[] = { "--name", "--department", "--title" };
  const char *value[] = { name, department, title };

  for (guint i = 0; i < G_N_ELEMENTS (what); i++)
    {
      const char *problem = value[i] ? text_problem (value[i], i == 0) : NULL;
      if (problem != NULL)
        return _td_ctl_usage_error ("%s %s", what[i], problem);
    }
  return -1;
}

/* ---- store ---- */

/* Which store a command works on, from the most explicit source to the
 * least: --store, --data-dir, $TIDINGS_STORE, the config file's store or
 * data-dir, the default data directory.  The environment comes after
 * --data-dir so that a shell (or a test suite) pointing every command at
 * PostgreSQL can still name a SQLite directory explicitly. */
gboolean
_td_ctl_resolve_store (char **out_url, char **out_data_dir, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  const char *config = opt_config;
  const char *env = g_getenv ("TIDINGS_STORE");

  *out_url = NULL;
  *out_data_dir = NULL;
  if (opt_store != NULL)
    {
      *out_url = g_strdup (opt_store);
      return TRUE;
    }
  if (opt_data_dir != NULL)
    {
      *out_data_dir = g_strdup (opt_data_dir);
      return TRUE;
    }
  if (env != NULL && *env != '\0')
    {
      if (!is_postgresql_url (env))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "TIDINGS_STORE must be a postgresql:// URL");
          return FALSE;
        }
      *out_url = g_strdup (env);
      return TRUE;
    }

  if (config == NULL && g_file_test (TD_CONFIG_DEFAULT_PATH, G_FILE_TEST_EXISTS))
    config = TD_CONFIG_DEFAULT_PATH;
  if (config == NULL)
    {
      *out_data_dir = g_strdup (DEFAULT_DATA_DIR);
      return TRUE;
    }
  if (!g_key_file_load_from_file (kf, config, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "config file %s: %s",
                   config, local_error->message);
      return FALSE;
    }
  /* As in tidingsd: a store in the config file wins over its data-dir. */
  if (g_key_file_has_key (kf, "server", "store", NULL))
    {
      g_autofree char *url = g_key_file_get_string (kf, "server", "store", error);

      if (url == NULL)
        return FALSE;
      if (!is_postgresql_url (url))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "config file %s: store must be a postgresql:// URL", config);
          return FALSE;
        }
      *out_url = g_steal_pointer (&url);
      return TRUE;
    }
  if (!g_key_file_has_key (kf, "server", "data-dir", NULL))
    *out_data_dir = g_strdup (DEFAULT_DATA_DIR);
  else if ((*out_data_dir = g_key_file_get_string (kf, "server", "data-dir", error)) == NULL)
    return FALSE;
  return TRUE;
}

TdStore *
_td_ctl_open_store (GError **error)
{
  g_autofree char *url = NULL;
  g_autofree char *data_dir = NULL;

  if (!_td_ctl_resolve_store (&url, &data_dir, error))
    return NULL;
  return td_store_open (url, data_dir, error);
}

/* Looks a user up, turning the store's NOT_FOUND into a sentence. */
TdStoreUser *
_td_ctl_find_user (TdStore *store, const char *login, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  TdStoreUser *user = td_store_get_user (store, login, &local_error);

  if (user == NULL && g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
    g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND, "no user \"%s\"", login);
  else if (user == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return user;
}

/* Runs the writes of one command in one transaction. */
int
_td_ctl_run_write (TdCtlWriteFunc func, gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = _td_ctl_open_store (&error);

  if (store == NULL || !td_store_begin (store, &error))
    return _td_ctl_fail (error);
  if (!func (store, data, &error) || !td_store_commit (store, &error))
    {
      td_store_rollback (store);
      return _td_ctl_fail (error);
    }
  return 0;
}

/* ---- passwords ---- */

/* Asks twice on the terminal with echo off. */
static char *
prompt_password (GError **error)
{
  struct termios saved, quiet;
  char first[TD_PROTO_MAX_PASSWORD + 2] = "";
  char second[TD_PROTO_MAX_PASSWORD + 2] = "";
  char *result = NULL;

  if (tcgetattr (STDIN_FILENO, &saved) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot read the terminal");
      return NULL;
    }
  quiet = saved;
  quiet.c_lflag &= ~ECHO;
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
  fputs ("New password: ", stderr);
  if (fgets (first, sizeof first, stdin) != NULL)
    {
      fputs ("\nRepeat password: ", stderr);
      if (fgets (second, sizeof second, stdin) == NULL)
        second[0] = '\0';
    }
  fputs ("\n", stderr);
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);

  first[strcspn (first, "\r\n")] = '\0';
  second[strcspn (second, "\r\n")] = '\0';
  if (first[0] == '\0')
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the password is empty");
  else if (strcmp (first, second) != 0)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the passwords differ");
  else
    result = g_strdup (first);
  memset (first, 0, sizeof first);
  memset (second, 0, sizeof second);
  return result;
}

/* Reads the password named by a --password-file option and hashes it. */
char *
_td_ctl_hash_password_file (const char *path, GError **error)
{
  g_autofree char *password = NULL;
  char *hash;

  if (g_str_equal (path, "-") && isatty (STDIN_FILENO))
    password = prompt_password (error);
  else
    password = td_password_read_file (path, error);
  if (password == NULL)
    return NULL;
  hash = td_password_hash (password, error);
  memset (password, 0, strlen (password));
  return hash;
}


/* ---- department and import ---- */

static int
cmd_department_list (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = NULL;
  g_autoptr(GPtrArray) departments = NULL;
  int status = _td_ctl_parse_command ("department list", "", "Lists the departments.", NULL,
                                      &argc, &argv, 0);

  if (status >= 0)
    return status;
  if ((store = _td_ctl_open_store (&error)) == NULL ||
      (departments = td_store_list_departments (store, &error)) == NULL)
    return _td_ctl_fail (error);
  for (guint i = 0; i < departments->len; i++)
    printf ("%s\n", (const char *) g_ptr_array_index (departments, i));
  return 0;
}

static int
cmd_import (int argc, char **argv)
{
  g_autofree char *password_file = NULL;
  g_autofree char *hash = NULL;
  const GOptionEntry entries[] = {
    { "default-password-file", 0, 0, G_OPTION_ARG_FILENAME, &password_file,
      "Give users without a password the one on the first line of FILE", "FILE" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = NULL;
  TdImportStats stats = { 0 };
  int status = _td_ctl_parse_command ("import", "FILE",
                                      "Imports a company directory (JSON or CSV), all or nothing.",
                                      entries, &argc, &argv, 1);

  if (status >= 0)
    return status;
  if (password_file != NULL && (hash = _td_ctl_hash_password_file (password_file, &error)) == NULL)
    return _td_ctl_fail (error);
  if ((store = _td_ctl_open_store (&error)) == NULL ||
      !td_directory_import_file (store, argv[1], hash, &stats, &error))
    return _td_ctl_fail (error);

  printf ("%u departments created, %u users created, %u updated, %u unchanged, %u passwords set\n",
          stats.departments_created, stats.users_created, stats.users_updated,
          stats.users_unchanged, stats.passwords_set);
  return 0;
}

/* ---- main ---- */

static int
run_command (GOptionContext *context, int argc, char **argv)
{
  static const char * const groups[] = { "user", "department", "apikey", "webhook", "group", NULL };
  const char *group = argv[0];
  const char *verb = argc > 1 ? argv[1] : NULL;
  gboolean is_user = g_str_equal (group, "user");

  if (g_str_equal (group, "import"))
    return cmd_import (argc, argv);
  if (g_str_equal (group, "broadcast"))
    return _td_ctl_broadcast (argc, argv);
  if (g_str_equal (group, "migrate-from-sqlite"))
    return _td_ctl_migrate_from_sqlite (argc, argv);
  if (!g_strv_contains (groups, group))
    return _td_ctl_usage_error ("unknown command \"%s\"", group);
  if (verb == NULL)
    return _td_ctl_usage_error ("%s: missing command", group);
  if (g_str_equal (verb, "--help") || g_str_equal (verb, "-h"))
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

      fputs (help, stdout);
      return 0;
    }

  /* From here on argv[0] is the verb, as GOptionContext wants. */
  if (is_user)
    return _td_ctl_user (verb, argc - 1, argv + 1);
  if (g_str_equal (group, "apikey"))
    return _td_ctl_apikey (verb, argc - 1, argv + 1);
  if (g_str_equal (group, "webhook"))
    return _td_ctl_webhook (verb, argc - 1, argv + 1);
  if (g_str_equal (group, "group"))
    return _td_ctl_group (verb, argc - 1, argv + 1);
  if (g_str_equal (verb, "list"))
    return cmd_department_list (argc - 1, argv + 1);
  return _td_ctl_usage_error ("unknown command \"%s %s\"", group, verb);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("COMMAND [ARGS...]");
  g_autoptr(GError) error = NULL;
  int status;

  setlocale (LC_ALL, "");
  g_set_prgname ("tidingsctl");

  g_option_context_set_summary (context, "Administers the users, departments and integrations of a Tidings server.");
  g_option_context_set_description (context, help_description);
  g_option_context_add_main_entries (context, global_entries, NULL);
  /* Stop at the command: what follows belongs to it. */
  g_option_context_set_strict_posix (context, TRUE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return _td_ctl_usage_error ("%s", error->message);
  if ((status = check_store_option ()) >= 0)
    return status;
  if (argc < 2)
    return _td_ctl_usage_error ("missing command");

  if (!td_password_init (&error))
    return _td_ctl_fail (error);

  status = run_command (context, argc - 1, argv + 1);
  g_free (opt_store);
  g_free (opt_data_dir);
  g_free (opt_config);
  return status;
}
