/* tidings-cli.c - command-line client: send, listen, history, who, and
 * groups, reminders, announcements and read marks.
 *
 * Made for scripts and tests: stdout carries only JSON lines, diagnostics
 * go to stderr as one "tidings-cli: reason" line, and the exit status
 * says what went wrong (see --help).  A session opened with a password is
 * always logged out at the end so no token is left behind on the server.
 */
#define G_LOG_DOMAIN "tidings-cli"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib-unix.h>

#include "td-connection.h"

#define DEFAULT_DEVICE    "tidings-cli"
#define SHUTDOWN_TIMEOUT  10          /* seconds allowed for logout + close */
#define MAX_STDIN         (1024 * 1024)

enum {
  EXIT_OK      = 0,
  EXIT_RUNTIME = 1,
  EXIT_USAGE   = 2,
  EXIT_AUTH    = 3,
  EXIT_TIMEOUT = 4,
};

typedef enum {
  COMMAND_SEND,
  COMMAND_LISTEN,
  COMMAND_HISTORY,
  COMMAND_WHO,
  COMMAND_GROUPS,
  COMMAND_GROUP_CREATE,
  COMMAND_REMINDERS,
  COMMAND_REMINDER,
  COMMAND_ANNOUNCE,
  COMMAND_READ,
} Command;

typedef struct {
  GMainLoop    *loop;
  TdConnection *conn;
  Command       command;
  char         *peer;
  char         *text;
  gint          count;        /* listen: stop after this many; 0 = never */
  gint          timeout;      /* seconds; 0 = none */
  gint          limit;        /* history */
  gint64        before;       /* history */
  char         *name;         /* group-create; announce: title */
  char        **members;      /* group-create */
  char         *body;         /* announce */
  char         *department;   /* announce */
  gboolean      urgent;       /* announce */
  gint64        rid;          /* reminder */
  TdReminderAction action;    /* reminder */
  gint64        until;        /* reminder snooze */
  gint64        read_mid;     /* read */
  gint          received;
  gboolean      with_password;
  gboolean      logged_in;
  gboolean      directory_ready;
  gboolean      finishing;
  int           exit_code;
  guint         timeout_id;
  guint         shutdown_id;
  guint         finish_idle_id;
} Cli;

/* ---- output ---- */

static void
print_line (const char *json)
{
  fputs (json, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

static void G_GNUC_PRINTF (1, 2)
print_error (const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "tidings-cli: %s\n", text);
  fflush (stderr);
}

static void
print_message (TdMessage *message)
{
  g_autofree char *json = td_message_to_json (message);

  print_line (json);
}

static void
print_group (TdGroup *group)
{
  g_autofree char *json = td_group_to_json (group);

  print_line (json);
}

static void
print_reminder (TdReminder *reminder)
{
  g_autofree char *json = td_reminder_to_json (reminder);

  print_line (json);
}

static void
print_user (TdUser *user)
{
  g_autofree char *json = td_user_to_json (user);

  print_line (json);
}

/* ---- ending ---- */

static gboolean
shutdown_timeout_cb (gpointer user_data)
{
  Cli *cli = user_data;

  cli->shutdown_id = 0;
  g_debug ("server did not close in time; leaving anyway");
  g_main_loop_quit (cli->loop);
  return G_SOURCE_REMOVE;
}

static void
logout_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;

  if (!td_connection_logout_finish (TD_CONNECTION (source), result, &error))
    {
      /* The command itself is done; only say the token may remain. */
      print_error ("could not log out: %s", error->message);
      td_connection_close (cli->conn);
    }
  if (td_connection_get_state (cli->conn) == TD_CONNECTION_STATE_DISCONNECTED)
    g_main_loop_quit (cli->loop);
  /* otherwise "closed" quits */
}

/* Ends the run with @code: logs out a password session (revoking its
 * token), closes, then quits the loop.  Bounded by SHUTDOWN_TIMEOUT. */
static void
finish (Cli *cli, int code)
{
  TdConnectionState state = td_connection_get_state (cli->conn);

  if (cli->finishing)
    return;
  cli->finishing = TRUE;
  cli->exit_code = code;
  g_clear_handle_id (&cli->timeout_id, g_source_remove);
  g_clear_handle_id (&cli->finish_idle_id, g_source_remove);
  /* Nothing more is printed, so nothing more may be acknowledged. */
  g_object_set (cli->conn, "auto-ack", FALSE, NULL);

  if (state == TD_CONNECTION_STATE_DISCONNECTED)
    {
      g_main_loop_quit (cli->loop);
      return;
    }

  cli->shutdown_id = g_timeout_add_seconds (SHUTDOWN_TIMEOUT, shutdown_timeout_cb, cli);
  if (cli->with_password &&
      (state == TD_CONNECTION_STATE_SYNCING || state == TD_CONNECTION_STATE_ONLINE))
    td_connection_logout_async (cli->conn, NULL, logout_cb, cli);
  else
    td_connection_close (cli->conn);
}

static gboolean
finish_ok_idle_cb (gpointer user_data)
{
  Cli *cli = user_data;

  cli->finish_idle_id = 0;
  finish (cli, EXIT_OK);
  return G_SOURCE_REMOVE;
}

static void
closed_cb (TdConnection *conn, guint code, const char *reason, gpointer user_data)
{
  Cli *cli = user_data;

  if (cli->finishing)
    {
      g_main_loop_quit (cli->loop);
      return;
    }
  /* Before login the login callback reports the failure. */
  if (!cli->logged_in)
    return;
  print_error ("connection closed by the server (%u%s%s)", code,
               reason && *reason ? ": " : "", reason ? reason : "");
  finish (cli, EXIT_RUNTIME);
}

static gboolean
timeout_cb (gpointer user_data)
{
  Cli *cli = user_data;

  cli->timeout_id = 0;
  if (cli->command == COMMAND_LISTEN && cli->count == 0)
    {
      /* listen --timeout without --count: listen for that long. */
      finish (cli, EXIT_OK);
      return G_SOURCE_REMOVE;
    }
  if (cli->command == COMMAND_LISTEN)
    print_error ("timed out after %d s (got %d of %d messages)", cli->timeout, cli->received, cli->count);
  else
    print_error ("timed out after %d s", cli->timeout);
  finish (cli, EXIT_TIMEOUT);
  return G_SOURCE_REMOVE;
}

static gboolean
signal_cb (gpointer user_data)
{
  Cli *cli = user_data;

  if (cli->finishing)
    {
      /* A second signal: stop waiting for the server. */
      g_main_loop_quit (cli->loop);
      return G_SOURCE_CONTINUE;
    }
  if (cli->command == COMMAND_LISTEN)
    finish (cli, EXIT_OK);
  else
    {
      print_error ("interrupted");
      finish (cli, EXIT_RUNTIME);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- commands ---- */

static void
message_received_cb (TdConnection *conn, TdMessage *message, gpointer user_data)
{
  Cli *cli = user_data;

  if (cli->command != COMMAND_LISTEN || cli->finishing ||
      (cli->count > 0 && cli->received >= cli->count))
    return;

  print_message (message);
  cli->received++;
  if (cli->count > 0 && cli->received >= cli->count)
    {
      /* This message is still acknowledged (auto-ack is sampled before the
       * handlers run); the ones after it in the same burst are not. */
      g_object_set (conn, "auto-ack", FALSE, NULL);
      /* Leave from an idle so the connection records this ack first. */
      cli->finish_idle_id = g_idle_add (finish_ok_idle_cb, cli);
    }
}

static void
print_directory (Cli *cli)
{
  GPtrArray *users = td_connection_get_users (cli->conn);

  for (guint i = 0; users != NULL && i < users->len; i++)
    print_user (users->pdata[i]);
}

static void
directory_changed_cb (TdConnection *conn, gpointer user_data)
{
  Cli *cli = user_data;

  cli->directory_ready = TRUE;
  if (cli->command == COMMAND_WHO && cli->logged_in && !cli->finishing)
    {
      print_directory (cli);
      finish (cli, EXIT_OK);
    }
}

static void
print_groups (Cli *cli)
{
  GPtrArray *groups = td_connection_get_groups (cli->conn);

  for (guint i = 0; i < groups->len; i++)
    print_group (groups->pdata[i]);
}

static void
groups_changed_cb (TdConnection *conn, gpointer user_data)
{
  Cli *cli = user_data;

  if (cli->command == COMMAND_GROUPS && cli->logged_in && !cli->finishing)
    {
      print_groups (cli);
      finish (cli, EXIT_OK);
    }
}

static void
reminders_received_cb (TdConnection *conn, GPtrArray *reminders, gpointer user_data)
{
  Cli *cli = user_data;

  if (cli->command != COMMAND_REMINDERS || cli->finishing)
    return;
  for (guint i = 0; i < reminders->len; i++)
    print_reminder (reminders->pdata[i]);
  finish (cli, EXIT_OK);
}

/* The session start is over: a server that sent no "groups" / "reminders"
 * frame has none to tell (or predates them). */
static void
synced_cb (TdConnection *conn, gint64 seq, gpointer user_data)
{
  Cli *cli = user_data;

  if (cli->finishing || !cli->logged_in)
    return;
  if (cli->command == COMMAND_GROUPS || cli->command == COMMAND_REMINDERS)
    finish (cli, EXIT_OK);
}

static void
fail (Cli *cli, const GError *error)
{
  print_error ("%s", error->message);
  finish (cli, EXIT_RUNTIME);
}

static void
group_create_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdGroup) group = td_connection_group_finish (TD_CONNECTION (source), result, NULL, &error);

  if (group == NULL)
    {
      fail (cli, error);
      return;
    }
  print_line (td_group_get_address (group));
  finish (cli, EXIT_OK);
}

static void
reminder_update_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdReminder) reminder = td_connection_update_reminder_finish (TD_CONNECTION (source),
                                                                          result, &error);

  if (reminder == NULL)
    {
      fail (cli, error);
      return;
    }
  print_reminder (reminder);
  finish (cli, EXIT_OK);
}

static void
announce_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdFrame) frame = td_connection_status_finish (TD_CONNECTION (source), result, &error);
  g_autofree char *rid = NULL;

  if (frame == NULL)
    {
      fail (cli, error);
      return;
    }
  rid = g_strdup_printf ("%" G_GINT64_FORMAT, td_frame_get_rid (frame));
  print_line (rid);
  finish (cli, EXIT_OK);
}

static void
read_ping_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  /* The pong comes after the server has read the "read" frame. */
  if (!td_connection_ping_finish (TD_CONNECTION (source), result, &error))
    {
      fail (cli, error);
      return;
    }
  json = g_strdup_printf ("{\"peer\":\"%s\",\"mid\":%" G_GINT64_FORMAT "}", cli->peer, cli->read_mid);
  print_line (json);
  finish (cli, EXIT_OK);
}

static void
read_history_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  messages = td_connection_history_finish (TD_CONNECTION (source), result, NULL, &error);
  if (messages == NULL)
    {
      fail (cli, error);
      return;
    }
  if (messages->len == 0)
    {
      print_error ("no messages with %s", cli->peer);
      finish (cli, EXIT_RUNTIME);
      return;
    }
  cli->read_mid = td_message_get_mid (messages->pdata[messages->len - 1]);
  td_connection_send_read (cli->conn, cli->peer, cli->read_mid);
  td_connection_ping_async (cli->conn, NULL, read_ping_cb, cli);
}

static void
send_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdMessage) message = NULL;

  message = td_connection_send_finish (TD_CONNECTION (source), result, NULL, &error);
  if (message == NULL)
    {
      print_error ("%s", error->message);
      finish (cli, EXIT_RUNTIME);
      return;
    }
  print_message (message);
  finish (cli, EXIT_OK);
}

static void
history_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  messages = td_connection_history_finish (TD_CONNECTION (source), result, NULL, &error);
  if (messages == NULL)
    {
      print_error ("%s", error->message);
      finish (cli, EXIT_RUNTIME);
      return;
    }
  for (guint i = 0; i < messages->len; i++)
    print_message (messages->pdata[i]);
  finish (cli, EXIT_OK);
}

static void
login_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdUser) user = NULL;

  user = td_connection_login_finish (TD_CONNECTION (source), result, &error);
  if (user == NULL && cli->finishing)
    return;  /* timed out or interrupted: already reported */
  if (user == NULL)
    {
      if (g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_AUTH_FAILED) ||
          g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_TOKEN_INVALID))
        {
          print_error ("authentication failed: %s", error->message);
          finish (cli, EXIT_AUTH);
        }
      else
        {
          print_error ("%s", error->message);
          finish (cli, EXIT_RUNTIME);
        }
      return;
    }
  cli->logged_in = TRUE;
  if (cli->finishing)
    return;

  switch (cli->command)
    {
    case COMMAND_SEND:
      td_connection_send_async (cli->conn, cli->peer, cli->text, NULL, NULL, send_cb, cli);
      break;
    case COMMAND_HISTORY:
      td_connection_history_async (cli->conn, cli->peer, cli->before, (guint) cli->limit,
                                   NULL, history_cb, cli);
      break;
    case COMMAND_WHO:
      if (cli->directory_ready)
        {
          print_directory (cli);
          finish (cli, EXIT_OK);
        }
      break;
    case COMMAND_GROUPS:
      if (td_connection_get_groups_received (cli->conn))
        {
          print_groups (cli);
          finish (cli, EXIT_OK);
        }
      break;
    case COMMAND_REMINDERS:
      break;  /* reminders_received_cb */
    case COMMAND_GROUP_CREATE:
      td_connection_create_group_async (cli->conn, cli->name, (const char * const *) cli->members,
                                        NULL, group_create_cb, cli);
      break;
    case COMMAND_REMINDER:
      td_connection_update_reminder_async (cli->conn, cli->rid, cli->action, cli->until, NULL,
                                           reminder_update_cb, cli);
      break;
    case COMMAND_ANNOUNCE:
      td_connection_announce_async (cli->conn, cli->name, cli->body, NULL, cli->department,
                                    cli->urgent ? TD_PRIORITY_URGENT : TD_PRIORITY_NORMAL,
                                    NULL, announce_cb, cli);
      break;
    case COMMAND_READ:
      td_connection_history_async (cli->conn, cli->peer, 0, 1, NULL, read_history_cb, cli);
      break;
    case COMMAND_LISTEN:
    default:
      break;  /* message_received_cb does the work */
    }
}

/* ---- input ---- */

static char *
read_stdin (GError **error)
{
  g_autoptr(GString) buffer = g_string_new (NULL);
  char chunk[4096];
  size_t n;

  while ((n = fread (chunk, 1, sizeof chunk, stdin)) > 0)
    {
      g_string_append_len (buffer, chunk, (gssize) n);
      if (buffer->len > MAX_STDIN)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                       "standard input is larger than %d bytes", MAX_STDIN);
          return NULL;
        }
    }
  if (ferror (stdin))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not read standard input");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&buffer), FALSE);
}

/* First line of @path ("-": standard input), without its line end. */
static char *
read_secret (const char *path, const char *what, GError **error)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize len = 0;

  if (g_str_equal (path, "-"))
    contents = read_stdin (&local_error);
  else if (!g_file_get_contents (path, &contents, &len, &local_error))
    g_clear_pointer (&contents, g_free);

  if (contents == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not read the %s file: %s",
                   what, local_error->message);
      return NULL;
    }
  contents[strcspn (contents, "\r\n")] = '\0';
  if (*contents == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the %s file %s is empty", what, path);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

/* ---- command line ---- */

static const char summary[] =
  "Commands:\n"
  "  send PEER TEXT          Send TEXT to PEER, a user or a group address g:ID (TEXT \"-\":\n"
  "                          read it from standard input until end of file; one trailing\n"
  "                          newline is removed) and print the message the server stored.\n"
  "  listen                  Print every message received: first the ones that arrived while\n"
  "                          this device was away, then new ones as they come.  Each one is\n"
  "                          acknowledged to the server after it was printed.\n"
  "  history PEER            Print the conversation with PEER, oldest first.\n"
  "  who                     Print the directory: login, name, department, title, status.\n"
  "  groups                  Print the groups one is in: id (address), kind, name, owner, members.\n"
  "  group-create NAME LOGIN...\n"
  "                          Create a group of oneself and the LOGINs; print its address.\n"
  "  reminders               Print one's open and recent reminders and announcements.\n"
  "  reminder ACTION RID [UNTIL_MS]\n"
  "                          ACTION is read, done, snooze (needs UNTIL_MS, the end of the\n"
  "                          snooze in ms since 1970) or reopen; print the reminder after it.\n"
  "  announce [--department D] [--urgent] TITLE [BODY]\n"
  "                          Announce to everyone or to department D (admins only); print\n"
  "                          the announcement's id.\n"
  "  read PEER               Mark the conversation with PEER read up to its newest message\n"
  "                          (the senders see it as read); print {\"peer\",\"mid\"}.";

static const char description[] =
  "Output: one JSON object per line on standard output (messages carry mid, seq,\n"
  "id, from, to, text and time; groups and reminders are printed as the protocol\n"
  "writes them), except group-create and announce, which print a bare address or id;\n"
  "errors as one line on standard error.\n"
  "\n"
  "A session opened with --password-file is logged out at the end, which revokes\n"
  "its token on the server.  With --token-file the session is only closed.\n"
  "listen without --count runs until SIGINT or SIGTERM; with --timeout but without\n"
  "--count it listens for that many seconds.\n"
  "\n"
  "Exit status:\n"
  "  0  success\n"
  "  1  runtime error (network, TLS, server error such as unknown_recipient)\n"
  "  2  usage error\n"
  "  3  authentication failed (wrong user or password, invalid token)\n"
  "  4  timed out (--timeout passed before the command completed)";

static int
usage_error (GOptionContext *context, const char *format, ...) G_GNUC_PRINTF (2, 3);

static int
usage_error (GOptionContext *context, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  print_error ("%s (see --help)", text);
  return EXIT_USAGE;
}

int
main (int argc, char **argv)
{
  g_autofree char *server = NULL;
  g_autofree char *user = NULL;
  g_autofree char *password_file = NULL;
  g_autofree char *token_file = NULL;
  g_autofree char *device = NULL;
  g_autofree char *ca_file = NULL;
  g_autofree char *secret = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(TdConnection) conn = NULL;
  /* "not given": a value no one types */
  gint count = G_MININT;
  gint timeout = G_MININT;
  gint limit = G_MININT;
  gint64 before = G_MININT64;
  g_autofree char *department = NULL;
  gboolean urgent = FALSE;
  g_autoptr(GPtrArray) positional = NULL;
  char **args;
  int seen_dashdash = 0;
  const char *command;
  guint n_args;
  guint sigint_id;
  guint sigterm_id;
  Cli cli = { 0 };
  GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &server,
      "Server URL: http(s)://HOST:PORT or ws(s)://HOST:PORT/ws (required)", "URL" },
    { "user", 'u', 0, G_OPTION_ARG_STRING, &user, "Login name (required with --password-file)", "LOGIN" },
    { "password-file", 'p', 0, G_OPTION_ARG_FILENAME, &password_file,
      "Read the password from the first line of FILE (\"-\": standard input)", "FILE" },
    { "token-file", 't', 0, G_OPTION_ARG_FILENAME, &token_file,
      "Resume a session with the token on the first line of FILE instead of a password", "FILE" },
    { "device", 'd', 0, G_OPTION_ARG_STRING, &device,
      "Device id; the server keeps a delivery position per device (default: " DEFAULT_DEVICE ")", "ID" },
    { "ca-file", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      "Trust the CA certificates in this PEM file instead of the system store", "FILE" },
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "listen: exit 0 after N messages", "N" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout,
      "Give up after SECONDS (exit 4); listen without --count: listen for SECONDS, then exit 0", "SECONDS" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, "history: at most N messages (default 50, at most 200)", "N" },
    { "before", 0, 0, G_OPTION_ARG_INT64, &before, "history: only messages older than message id MID", "MID" },
    { "department", 0, 0, G_OPTION_ARG_STRING, &department, "announce: only to this department", "D" },
    { "urgent", 0, 0, G_OPTION_ARG_NONE, &urgent, "announce: urgent priority", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");

  context = g_option_context_new ("COMMAND [ARGUMENT…]");
  g_option_context_set_summary (context, summary);
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, "%s", error->message);

  /* GOption leaves "--" in place when an argument after it looks like an
   * option ("send bob -- -5 degrees"); it only ends the options. */
  positional = g_ptr_array_new ();
  for (int i = 1; i < argc; i++)
    if (!g_str_equal (argv[i], "--") || seen_dashdash++ > 0)
      g_ptr_array_add (positional, argv[i]);
  if (positional->len < 1)
    return usage_error (context, "no command given");
  args = (char **) positional->pdata;
  command = args[0];
  n_args = positional->len - 1;
  /* NULL-terminated, so a tail of it is a strv (group-create's LOGINs). */
  g_ptr_array_add (positional, NULL);
  args = (char **) positional->pdata;

  if (g_str_equal (command, "send"))
    {
      if (n_args != 2)
        return usage_error (context, "send takes PEER and TEXT");
      cli.command = COMMAND_SEND;
    }
  else if (g_str_equal (command, "listen"))
    {
      if (n_args != 0)
        return usage_error (context, "listen takes no arguments");
      cli.command = COMMAND_LISTEN;
    }
  else if (g_str_equal (command, "history"))
    {
      if (n_args != 1)
        return usage_error (context, "history takes PEER");
      cli.command = COMMAND_HISTORY;
    }
  else if (g_str_equal (command, "who"))
    {
      if (n_args != 0)
        return usage_error (context, "who takes no arguments");
      cli.command = COMMAND_WHO;
    }
  else if (g_str_equal (command, "groups"))
    {
      if (n_args != 0)
        return usage_error (context, "groups takes no arguments");
      cli.command = COMMAND_GROUPS;
    }
  else if (g_str_equal (command, "group-create"))
    {
      if (n_args < 1)
        return usage_error (context, "group-create takes NAME and LOGINs");
      if (strlen (args[1]) == 0 || strlen (args[1]) > TD_PROTO_MAX_NAME)
        return usage_error (context, "the group name must be 1 to %d bytes", TD_PROTO_MAX_NAME);
      for (guint i = 2; i <= n_args; i++)
        if (!td_proto_validate_login (args[i], NULL))
          return usage_error (context, "“%s” is not a valid login", args[i]);
      cli.command = COMMAND_GROUP_CREATE;
    }
  else if (g_str_equal (command, "reminders"))
    {
      if (n_args != 0)
        return usage_error (context, "reminders takes no arguments");
      cli.command = COMMAND_REMINDERS;
    }
  else if (g_str_equal (command, "reminder"))
    {
      char *end = NULL;

      if (n_args < 2 || n_args > 3)
        return usage_error (context, "reminder takes ACTION, RID and, for snooze, UNTIL_MS");
      if (!td_reminder_action_from_string (args[1], &cli.action))
        return usage_error (context, "unknown reminder action “%s” (read, done, snooze or reopen)", args[1]);
      cli.rid = g_ascii_strtoll (args[2], &end, 10);
      if (end == args[2] || *end != '\0' || cli.rid <= 0)
        return usage_error (context, "RID must be a positive number");
      if ((cli.action == TD_REMINDER_ACTION_SNOOZE) != (n_args == 3))
        return usage_error (context, "UNTIL_MS is required with snooze and only there");
      if (n_args == 3)
        {
          cli.until = g_ascii_strtoll (args[3], &end, 10);
          if (end == args[3] || *end != '\0' || cli.until <= 0)
            return usage_error (context, "UNTIL_MS must be a positive number");
        }
      cli.command = COMMAND_REMINDER;
    }
  else if (g_str_equal (command, "announce"))
    {
      if (n_args < 1 || n_args > 2)
        return usage_error (context, "announce takes TITLE and optionally BODY");
      if (!td_proto_validate_title (args[1], &error) ||
          (n_args == 2 && !td_proto_validate_body (args[2], &error)))
        return usage_error (context, "%s", error->message);
      cli.command = COMMAND_ANNOUNCE;
    }
  else if (g_str_equal (command, "read"))
    {
      if (n_args != 1)
        return usage_error (context, "read takes PEER");
      if (!td_proto_validate_peer (args[1], NULL))
        return usage_error (context, "“%s” is not a login or group address", args[1]);
      cli.command = COMMAND_READ;
    }
  else
    return usage_error (context, "unknown command “%s”", command);

  if ((department != NULL || urgent) && cli.command != COMMAND_ANNOUNCE)
    return usage_error (context, "--department and --urgent are for announce");
  if (department != NULL && *department == '\0')
    return usage_error (context, "--department needs a name");

  if (count != G_MININT && (cli.command != COMMAND_LISTEN || count <= 0))
    return usage_error (context, "--count takes a positive number and is for listen");
  if (timeout != G_MININT && timeout <= 0)
    return usage_error (context, "--timeout takes a positive number of seconds");
  if (limit != G_MININT && (cli.command != COMMAND_HISTORY || limit <= 0 || limit > TD_PROTO_HISTORY_MAX))
    return usage_error (context, "--limit takes a number from 1 to %d and is for history",
                        TD_PROTO_HISTORY_MAX);
  if (before != G_MININT64 && (cli.command != COMMAND_HISTORY || before <= 0))
    return usage_error (context, "--before takes a positive message id and is for history");
  if (server == NULL)
    return usage_error (context, "--server is required");
  if ((password_file == NULL) == (token_file == NULL))
    return usage_error (context, "give either --password-file or --token-file");
  if (password_file != NULL && user == NULL)
    return usage_error (context, "--user is required with --password-file");
  if (device != NULL && !td_proto_validate_client_id (device, NULL))
    return usage_error (context, "invalid device id (letters, digits and ._:- only, at most %d)",
                        TD_PROTO_MAX_ID);

  cli.count = count > 0 ? count : 0;
  cli.timeout = timeout > 0 ? timeout : 0;
  cli.limit = limit > 0 ? limit : TD_PROTO_HISTORY_DEFAULT;
  cli.before = before > 0 ? before : 0;
  cli.with_password = password_file != NULL;
  if (cli.command == COMMAND_SEND || cli.command == COMMAND_HISTORY || cli.command == COMMAND_READ)
    cli.peer = args[1];
  if (cli.command == COMMAND_GROUP_CREATE || cli.command == COMMAND_ANNOUNCE)
    cli.name = args[1];
  if (cli.command == COMMAND_GROUP_CREATE)
    cli.members = &args[2];
  if (cli.command == COMMAND_ANNOUNCE && n_args == 2)
    cli.body = args[2];
  cli.department = department;
  cli.urgent = urgent;
  if (cli.command == COMMAND_SEND)
    {
      if (g_str_equal (args[2], "-"))
        {
          gsize len;

          if (g_strcmp0 (password_file, "-") == 0 || g_strcmp0 (token_file, "-") == 0)
            return usage_error (context, "standard input cannot hold both the text and the secret");
          cli.text = read_stdin (&error);
          if (cli.text == NULL)
            {
              print_error ("%s", error->message);
              return EXIT_RUNTIME;
            }
          /* "echo hello | tidings-cli send bob -" sends "hello". */
          len = strlen (cli.text);
          if (len > 0 && cli.text[len - 1] == '\n')
            cli.text[--len] = '\0';
          if (len > 0 && cli.text[len - 1] == '\r')
            cli.text[--len] = '\0';
        }
      else
        cli.text = g_strdup (args[2]);
    }

  secret = read_secret (password_file ? password_file : token_file,
                        password_file ? "password" : "token", &error);
  if (secret == NULL)
    {
      print_error ("%s", error->message);
      g_free (cli.text);
      return EXIT_RUNTIME;
    }

  loop = g_main_loop_new (NULL, FALSE);
  conn = td_connection_new (server, device ? device : DEFAULT_DEVICE);
  cli.loop = loop;
  cli.conn = conn;
  /* Only listen consumes the backlog; the other commands leave it for
   * the next listen on this device. */
  g_object_set (conn, "auto-ack", cli.command == COMMAND_LISTEN, NULL);

  if (ca_file != NULL && !td_connection_set_ca_file (conn, ca_file, &error))
    {
      print_error ("%s", error->message);
      g_free (cli.text);
      memset (secret, 0, strlen (secret));
      return EXIT_RUNTIME;
    }

  g_signal_connect (conn, "message-received", G_CALLBACK (message_received_cb), &cli);
  g_signal_connect (conn, "directory-changed", G_CALLBACK (directory_changed_cb), &cli);
  g_signal_connect (conn, "groups-changed", G_CALLBACK (groups_changed_cb), &cli);
  g_signal_connect (conn, "reminders-received", G_CALLBACK (reminders_received_cb), &cli);
  g_signal_connect (conn, "synced", G_CALLBACK (synced_cb), &cli);
  g_signal_connect (conn, "closed", G_CALLBACK (closed_cb), &cli);
  sigint_id = g_unix_signal_add (SIGINT, signal_cb, &cli);
  sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, &cli);
  if (cli.timeout > 0)
    cli.timeout_id = g_timeout_add_seconds ((guint) cli.timeout, timeout_cb, &cli);

  if (cli.with_password)
    td_connection_login_async (conn, user, secret, NULL, login_cb, &cli);
  else
    td_connection_resume_async (conn, secret, NULL, login_cb, &cli);
  memset (secret, 0, strlen (secret));

  g_main_loop_run (loop);

  g_signal_handlers_disconnect_by_data (conn, &cli);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_clear_handle_id (&cli.timeout_id, g_source_remove);
  g_clear_handle_id (&cli.shutdown_id, g_source_remove);
  g_clear_handle_id (&cli.finish_idle_id, g_source_remove);
  g_free (cli.text);
  return cli.exit_code;
}
