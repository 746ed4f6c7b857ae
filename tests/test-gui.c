/* test-gui.c - the desktop application against a real tidingsd, in-process
 * under Xvfb with a private D-Bus session (build-aux/xvfb-session.sh).
 *
 * One TdApplication logs in as alice; the tests drive its windows the way a
 * user would (activate rows, type, press Enter) and check what the user
 * would see: department counts, presence styling, search, the chat, the
 * tray and the notification server (python3-dbusmock's notification_daemon
 * template).  Screenshots go to $TD_SCREENSHOT_DIR; the Chinese ones are
 * taken by a child process started with LANGUAGE=zh_CN, because gettext
 * reads the language when it first translates.
 */
#define G_LOG_DOMAIN "test-gui"

#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>
#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "td-application.h"
#include "td-contact-row.h"
#include "td-department-row.h"
#include "td-desktop-test-util.h"
#include "td-idle-monitor.h"
#include "td-login-dialog.h"
#include "td-message-row.h"
#include "td-secret.h"
#include "td-test-util.h"

#define NOTIFY_NAME  "org.freedesktop.Notifications"
#define NOTIFY_PATH  "/org/freedesktop/Notifications"
#define CHILD_ENV    "TD_GUI_SCREENSHOT_CHILD"
#define WAIT_MS      20000

/* Notify's arguments (susssasa{sv}i). */
enum { ARG_APP, ARG_REPLACES, ARG_ICON, ARG_SUMMARY, ARG_BODY };

static TdTestServer  *server;
static TdApplication *app;
static GSubprocess   *notify_mock;
static char          *profile_dir;

/* ---- helpers ------------------------------------------------------------ */

static TdMainWindow *
main_window (void)
{
  return td_application_get_main_window (app);
}

static GtkListBoxRow *
department_row (const char *name)
{
  GtkListBox *view = td_main_window_get_contacts_view (main_window ());

  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (view, i);

      if (row == NULL)
        return NULL;
      if (TD_IS_DEPARTMENT_ROW (row)
          && g_strcmp0 (td_department_get_name (td_department_row_get_department (TD_DEPARTMENT_ROW (row))),
                        name) == 0)
        return row;
    }
}

static GtkListBoxRow *
contact_row (const char *login)
{
  TdContactList *list = td_main_window_get_contacts (main_window ());
  int position = td_contact_list_find (list, login);

  if (position < 0)
    return NULL;
  return gtk_list_box_get_row_at_index (td_main_window_get_contacts_view (main_window ()), position);
}

static gboolean
row_has_class (GtkListBoxRow *row,
               const char    *klass)
{
  return row != NULL && gtk_style_context_has_class (gtk_widget_get_style_context (GTK_WIDGET (row)), klass);
}

static gboolean
logged_in_cond (gpointer data)
{
  return td_application_get_main_window (app) != NULL
         && td_client_get_state (td_application_get_client (app)) == TD_CONNECTION_STATE_ONLINE;
}

static TdLoginDialog *
login_dialog (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (TD_IS_LOGIN_DIALOG (l->data))
      return l->data;
  return NULL;
}

static gboolean
login_dialog_shown_cond (gpointer data)
{
  return login_dialog () != NULL;
}

static gboolean
login_error_cond (gpointer data)
{
  return login_dialog () != NULL && td_login_dialog_get_error (login_dialog ()) != NULL;
}

static gboolean
engineering_shown_cond (gpointer data)
{
  return department_row ("Engineering") != NULL;
}

static gboolean
bob_online_cond (gpointer data)
{
  GtkListBoxRow *engineering = department_row ("Engineering");

  return row_has_class (contact_row ("bob"), "online")
         && engineering != NULL
         && g_strcmp0 (td_department_row_get_count (TD_DEPARTMENT_ROW (engineering)), "1/2") == 0;
}

static gboolean
bob_offline_cond (gpointer data)
{
  GtkListBoxRow *engineering = department_row ("Engineering");

  return row_has_class (contact_row ("bob"), "offline")
         && engineering != NULL
         && g_strcmp0 (td_department_row_get_count (TD_DEPARTMENT_ROW (engineering)), "0/2") == 0;
}

static gboolean
chat_open_cond (gpointer data)
{
  TdChatWindow *chat = td_application_lookup_chat (app, data);

  return chat != NULL && gtk_widget_get_mapped (GTK_WIDGET (chat));
}

static gboolean
blinking_cond (gpointer data)
{
  return td_tray_get_blinking (td_application_get_tray (app));
}

static gboolean
not_blinking_cond (gpointer data)
{
  return !td_tray_get_blinking (td_application_get_tray (app));
}

static gboolean
window_active_cond (gpointer data)
{
  return gtk_window_is_active (data);
}

static guint
count_history_rows (GtkListBox *history)
{
  guint n = 0;

  while (gtk_list_box_get_row_at_index (history, n) != NULL)
    n++;
  return n;
}

static gboolean
history_has_two_cond (gpointer data)
{
  return count_history_rows (data) >= 2;
}

static void
start_app (void)
{
  g_autoptr(GError) error = NULL;

  notify_mock = td_test_dbusmock_start (NOTIFY_NAME, "--template", "notification_daemon", NULL);
  server = td_test_server_new (NULL);
  profile_dir = g_dir_make_tmp ("tidings-gui-XXXXXX", &error);
  g_assert_no_error (error);

  app = td_application_new (profile_dir);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  if (g_getenv (CHILD_ENV) == NULL)
    {
      /* Failures are told in the login window, in words a user knows. */
      td_application_login (app, server->ws_url, "alice", "not the password", FALSE);
      g_assert_true (td_test_wait_until (login_error_cond, NULL, WAIT_MS));
      g_assert_cmpstr (td_login_dialog_get_error (login_dialog ()), ==, "Wrong user name or password");
      g_assert_null (td_application_get_main_window (app));

      td_application_login (app, "ws://127.0.0.1:1/ws", "alice", TD_TEST_PASSWORD, FALSE);
      td_login_dialog_set_error (login_dialog (), NULL);
      g_assert_true (td_test_wait_until (login_error_cond, NULL, WAIT_MS));
      g_assert_true (g_str_has_prefix (td_login_dialog_get_error (login_dialog ()), "Cannot reach the server: "));
    }
  td_application_login (app, server->ws_url, "alice", TD_TEST_PASSWORD, FALSE);
  g_assert_true (td_test_wait_until (logged_in_cond, NULL, WAIT_MS));
  /* The login window is gone once the main window is there. */
  td_test_spin (100);
  g_assert_null (login_dialog ());
  /* Predictable places for screenshots: no window manager places them. */
  gtk_window_move (GTK_WINDOW (main_window ()), 0, 0);
}

static void
stop_app (void)
{
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (app)));

  for (GList *l = windows; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  g_list_free (windows);
  td_test_spin (100);
  g_clear_object (&app);
  g_clear_pointer (&server, td_test_server_free);
  td_test_dbusmock_stop (notify_mock, NOTIFY_NAME);
  g_clear_object (&notify_mock);
  if (profile_dir != NULL)
    {
      g_autofree char *command = g_strdup_printf ("rm -rf '%s'", profile_dir);

      /* The profile holds the client's cache (SQLite files). */
      g_assert_cmpint (system (command), ==, 0);
      g_clear_pointer (&profile_dir, g_free);
    }
}

static void
bob_argv_base (GStrvBuilder *builder)
{
  g_strv_builder_add_many (builder, td_test_program ("tidings-cli"), "--server", server->ws_url,
                           "--user", "bob", "--password-file", server->password_file, NULL);
}

/* ---- tests ------------------------------------------------------------- */

static void
test_markup (void)
{
  struct { const char *text; const char *markup; } cases[] = {
    { "plain", "plain" },
    { "<b>x</b> & y", "&lt;b&gt;x&lt;/b&gt; &amp; y" },
    { "see https://example.com/a?b=1&c=2.", "see <a href=\"https://example.com/a?b=1&amp;c=2\">https://example.com/a?b=1&amp;c=2</a>." },
    { "www.example.org", "<a href=\"http://www.example.org\">www.example.org</a>" },
    { "x http://a/\"onclick=y", "x <a href=\"http://a/\">http://a/</a>&quot;onclick=y" },
    { "中文 https://例子.cn 好", "中文 <a href=\"https://例子.cn\">https://例子.cn</a> 好" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *markup = td_message_row_text_markup (cases[i].text);
      GtkWidget *label = g_object_ref_sink (gtk_label_new (NULL));

      g_assert_cmpstr (markup, ==, cases[i].markup);
      /* The label shows exactly the text that was sent. */
      gtk_label_set_markup (GTK_LABEL (label), markup);
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, cases[i].text);
      g_object_unref (label);
    }
}

static gboolean
idle_cond (gpointer data)
{
  return td_idle_monitor_get_idle (data);
}

/* The private session bus has neither Mutter nor a screen saver: the
 * monitor falls back to the application's own input. */
static void
test_idle_monitor (void)
{
  g_autoptr(TdIdleMonitor) monitor = td_idle_monitor_new ();

  td_idle_monitor_set_threshold (monitor, 1);
  g_assert_false (td_idle_monitor_get_idle (monitor));
  /* More than the threshold without input. */
  td_test_spin (1200);
  td_idle_monitor_poll (monitor);
  g_assert_true (td_test_wait_until (idle_cond, monitor, 5000));
  /* Input ends idleness at once. */
  td_idle_monitor_note_activity (monitor);
  g_assert_false (td_idle_monitor_get_idle (monitor));
  /* Threshold 0: never idle. */
  td_test_spin (1200);
  td_idle_monitor_set_threshold (monitor, 0);
  td_idle_monitor_poll (monitor);
  td_test_spin (300);
  g_assert_false (td_idle_monitor_get_idle (monitor));
}

static void
test_departments (void)
{
  GtkListBoxRow *engineering, *sales, *finance;

  /* The directory may arrive just after "synced". */
  g_assert_true (td_test_wait_until (engineering_shown_cond, NULL, WAIT_MS));
  engineering = department_row ("Engineering");
  sales = department_row ("Sales");
  finance = department_row ("财务部");
  g_assert_nonnull (engineering);
  g_assert_nonnull (sales);
  g_assert_nonnull (finance);
  /* alice is not in her own list: bob and admin remain, nobody online. */
  g_assert_cmpstr (td_department_row_get_count (TD_DEPARTMENT_ROW (engineering)), ==, "0/2");
  g_assert_cmpstr (td_department_row_get_count (TD_DEPARTMENT_ROW (sales)), ==, "0/2");
  g_assert_cmpstr (td_department_row_get_count (TD_DEPARTMENT_ROW (finance)), ==, "0/1");
  g_assert_true (row_has_class (contact_row ("bob"), "offline"));
  g_assert_null (contact_row ("alice"));

  /* Activating a header (keyboard) collapses it and hides its people. */
  g_signal_emit_by_name (engineering, "activate");
  g_assert_null (contact_row ("bob"));
  g_signal_emit_by_name (department_row ("Engineering"), "activate");
  g_assert_nonnull (contact_row ("bob"));
}

static void
test_presence (void)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autoptr(GSubprocess) bob = NULL;
  g_autoptr(GError) error = NULL;

  bob_argv_base (builder);
  g_strv_builder_add_many (builder, "listen", "--timeout", "30", NULL);
  argv = g_strv_builder_end (builder);
  bob = g_subprocess_newv ((const char * const *) argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  g_assert_no_error (error);

  g_assert_true (td_test_wait_until (bob_online_cond, NULL, WAIT_MS));
  g_assert_false (gtk_style_context_has_class (
                    gtk_widget_get_style_context (gtk_bin_get_child (GTK_BIN (contact_row ("bob")))), "dim-label"));

  g_subprocess_send_signal (bob, SIGTERM);
  g_assert_true (td_test_wait_until (bob_offline_cond, NULL, WAIT_MS));
  /* Greyed out when offline. */
  g_assert_true (gtk_style_context_has_class (
                   gtk_widget_get_style_context (gtk_bin_get_child (GTK_BIN (contact_row ("bob")))), "dim-label"));
}

static void
test_search (void)
{
  GtkEntry *entry = td_main_window_get_search_entry (main_window ());
  TdContactList *list = td_main_window_get_contacts (main_window ());

  gtk_entry_set_text (entry, "car");
  /* GtkSearchEntry delays "search-changed" a little. */
  td_test_spin (400);
  g_assert_cmpint (td_contact_list_find (list, "carol"), >=, 0);
  g_assert_cmpint (td_contact_list_find (list, "bob"), ==, -1);
  g_assert_cmpint (td_contact_list_find (list, "dave"), ==, -1);
  g_assert_cmpint (td_contact_list_find (list, "wang.fang"), ==, -1);
  g_assert_null (department_row ("Engineering"));

  /* Escape clears the search. */
  gtk_widget_grab_focus (GTK_WIDGET (entry));
  td_test_send_key (GTK_WIDGET (entry), GDK_KEY_Escape, 0);
  td_test_spin (400);
  g_assert_cmpstr (gtk_entry_get_text (entry), ==, "");
  g_assert_cmpint (td_contact_list_find (list, "bob"), >=, 0);
}

static const char *sent_text = "Hello bob, from the desktop app";

static gboolean
type_and_enter_cb (gpointer data)
{
  TdChatWindow *chat = td_application_lookup_chat (app, "bob");
  GtkTextView *input = td_chat_window_get_input (chat);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (input);
  GtkTextIter end;

  /* White space only: Enter sends nothing and keeps the input. */
  gtk_text_buffer_set_text (buffer, "   ", -1);
  g_assert_true (td_test_send_key (GTK_WIDGET (input), GDK_KEY_Return, 0));
  g_assert_cmpint (count_history_rows (td_chat_window_get_history (chat)), ==, 0);

  gtk_text_buffer_set_text (buffer, sent_text, -1);
  /* Shift+Enter is a new line, not a send. */
  gtk_widget_grab_focus (GTK_WIDGET (input));
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_place_cursor (buffer, &end);
  td_test_send_key (GTK_WIDGET (input), GDK_KEY_Return, GDK_SHIFT_MASK);
  g_assert_cmpint (gtk_text_buffer_get_line_count (buffer), ==, 2);

  g_assert_true (td_test_send_key (GTK_WIDGET (input), GDK_KEY_Return, 0));
  g_assert_cmpint (gtk_text_buffer_get_char_count (buffer), ==, 0);
  return G_SOURCE_REMOVE;
}

static void
test_chat_send (void)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  TdChatWindow *chat;
  GtkListBox *history;
  int status;

  g_assert_true (td_test_wait_until (engineering_shown_cond, NULL, WAIT_MS));
  g_signal_emit_by_name (contact_row ("bob"), "activate");
  g_assert_true (td_test_wait_until (chat_open_cond, (gpointer) "bob", WAIT_MS));
  chat = td_application_lookup_chat (app, "bob");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (chat)), ==, "Bob Jones");
  gtk_window_move (GTK_WINDOW (chat), 360, 0);
  /* Activating the row again raises the same window. */
  g_signal_emit_by_name (contact_row ("bob"), "activate");
  g_assert_true (td_application_lookup_chat (app, "bob") == chat);

  /* bob listens while alice types; the keys are pressed from the main
   * loop that td_test_run iterates. */
  g_timeout_add (1500, type_and_enter_cb, NULL);
  bob_argv_base (builder);
  g_strv_builder_add_many (builder, "listen", "--count", "1", "--timeout", "20", NULL);
  argv = g_strv_builder_end (builder);
  status = td_test_run ((const char * const *) argv, NULL, 25, &out, &err);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, sent_text));

  history = td_chat_window_get_history (chat);
  g_assert_cmpint (count_history_rows (history), ==, 1);
  g_assert_true (gtk_style_context_has_class (
                   gtk_widget_get_style_context (GTK_WIDGET (gtk_list_box_get_row_at_index (history, 0))),
                   "outgoing"));
}

static gboolean
notify_from_bob_cond (gpointer data)
{
  g_autoptr(GPtrArray) calls = td_test_mock_method_calls (NOTIFY_NAME, NOTIFY_PATH, "Notify");

  for (guint i = 0; i < calls->len; i++)
    {
      GVariant *args = g_ptr_array_index (calls, i);
      g_autoptr(GVariant) summary = g_variant_get_child_value (args, ARG_SUMMARY);
      g_autoptr(GVariant) body = g_variant_get_child_value (args, ARG_BODY);
      g_autoptr(GVariant) summary_s = g_variant_get_variant (summary);
      g_autoptr(GVariant) body_s = g_variant_get_variant (body);

      if (strstr (g_variant_get_string (summary_s, NULL), "Bob Jones") != NULL
          && strstr (g_variant_get_string (body_s, NULL), "Ping from bob") != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
test_incoming (void)
{
  const char *argv[] = { td_test_program ("tidings-cli"), "--server", server->ws_url, "--user", "bob",
                         "--password-file", server->password_file, "send", "alice",
                         "Ping from bob, see https://example.com/docs", NULL };
  TdChatWindow *chat = td_application_lookup_chat (app, "bob");
  TdContact *bob = td_client_lookup_contact (td_application_get_client (app), "bob");
  g_autofree char *out = NULL;

  /* The user is in the main window, not in the chat. */
  gtk_window_present (GTK_WINDOW (main_window ()));
  td_test_wait_until (window_active_cond, main_window (), 5000);
  g_assert_false (gtk_window_is_active (GTK_WINDOW (chat)));

  g_assert_cmpint (td_test_run (argv, NULL, 20, &out, NULL), ==, 0);
  g_assert_true (td_test_wait_until (blinking_cond, NULL, WAIT_MS));
  g_assert_cmpuint (td_contact_get_unread (bob), ==, 1);
  g_assert_true (td_test_wait_until (notify_from_bob_cond, NULL, WAIT_MS));
  g_assert_true (td_test_wait_until (history_has_two_cond, td_chat_window_get_history (chat), WAIT_MS));

  /* Looking at the chat reads it: unread 0, the tray stops blinking. */
  gtk_window_present (GTK_WINDOW (chat));
  if (td_test_wait_until (window_active_cond, chat, 5000))
    {
      g_assert_true (td_test_wait_until (not_blinking_cond, NULL, WAIT_MS));
      g_assert_cmpuint (td_contact_get_unread (bob), ==, 0);
    }
  else
    g_test_message ("The X server gave the chat window no focus; read state not checked");
}

static void
window_added_cb (GtkApplication *application, GtkWindow *window, gboolean *main_shown)
{
  if (TD_IS_MAIN_WINDOW (window))
    *main_shown = TRUE;
}

static gboolean
session_ended_cond (gpointer data)
{
  return login_error_cond (NULL) && main_window () == NULL;
}

/* A remembered session whose token the server no longer accepts: the main
 * window comes up from the cache at once (warm start), then the refusal
 * takes the user back to the login window with the reason. */
static void
test_resume_revoked (void)
{
  g_autofree char *token = g_strdup (td_client_get_token (td_application_get_client (app)));
  GSettings *settings = td_application_get_settings (app);
  gboolean main_shown = FALSE;
  gulong handler;

  g_assert_nonnull (token);
  /* Logging out revokes the token on the server. */
  g_action_group_activate_action (G_ACTION_GROUP (app), "logout", NULL);
  g_assert_true (td_test_wait_until (login_dialog_shown_cond, NULL, WAIT_MS));
  g_assert_null (main_window ());
  td_test_spin (300);
  gtk_widget_destroy (GTK_WIDGET (login_dialog ()));

  g_settings_set_string (settings, "server-url", server->ws_url);
  g_settings_set_string (settings, "last-user", "alice");
  g_settings_set_boolean (settings, "remember-me", TRUE);
  td_secret_store (server->ws_url, "alice", token);
  handler = g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), &main_shown);
  g_application_activate (G_APPLICATION (app));
  g_assert_true (td_test_wait_until (session_ended_cond, NULL, WAIT_MS));
  g_signal_handler_disconnect (app, handler);
  g_assert_true (main_shown);
  g_assert_cmpstr (td_login_dialog_get_error (login_dialog ()), ==,
                   "Your session has ended. Please log in again.");
}

static void
test_screenshots (void)
{
  const char *lang = g_getenv (CHILD_ENV) != NULL ? "zh_CN" : "en";
  g_autofree char *main_name = g_strdup_printf ("main-%s.png", lang);
  g_autofree char *chat_name = g_strdup_printf ("chat-%s.png", lang);
  TdChatWindow *chat = td_application_lookup_chat (app, "bob");

  g_assert_nonnull (chat);
  td_test_save_screenshot (GTK_WIDGET (main_window ()), main_name);
  td_test_save_screenshot (GTK_WIDGET (chat), chat_name);
}

static void
test_screenshots_zh_CN (void)
{
  td_test_run_screenshot_child (CHILD_ENV, "zh_CN", "chat-zh_CN.png");
}

static void
setup_gettext (void)
{
  const char *dir = g_getenv ("TD_LOCALE_DIR");
  g_autofree char *from_schema_dir = NULL;

  /* Uninstalled: the catalogues meson compiled in <build>/po. */
  if (dir == NULL && g_getenv ("GSETTINGS_SCHEMA_DIR") != NULL)
    {
      from_schema_dir = g_build_filename (g_getenv ("GSETTINGS_SCHEMA_DIR"), "..", "po", NULL);
      dir = from_schema_dir;
    }
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, dir != NULL ? dir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

int
main (int    argc,
      char **argv)
{
  int status;

  setup_gettext ();
  g_test_init (&argc, &argv, NULL);
  gtk_init (&argc, &argv);

  if (g_getenv (CHILD_ENV) != NULL)
    {
      /* Screenshot child: log in, open a chat with a message, take the
       * pictures in the language of the environment. */
      g_test_add_func ("/gui/child/login", start_app);
      g_test_add_func ("/gui/child/chat", test_chat_send);
      g_test_add_func ("/gui/child/screenshots", test_screenshots);
    }
  else
    {
      g_test_add_func ("/gui/markup", test_markup);
      g_test_add_func ("/gui/idle-monitor", test_idle_monitor);
      g_test_add_func ("/gui/login", start_app);
      g_test_add_func ("/gui/departments", test_departments);
      g_test_add_func ("/gui/presence", test_presence);
      g_test_add_func ("/gui/search", test_search);
      g_test_add_func ("/gui/chat-send", test_chat_send);
      g_test_add_func ("/gui/incoming", test_incoming);
      g_test_add_func ("/gui/screenshots", test_screenshots);
      g_test_add_func ("/gui/screenshots-zh_CN", test_screenshots_zh_CN);
      g_test_add_func ("/gui/resume-revoked", test_resume_revoked);
    }
  status = g_test_run ();
  if (app != NULL)
    stop_app ();
  return status;
}
