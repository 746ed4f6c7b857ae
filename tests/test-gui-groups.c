/* test-gui-groups.c - the desktop application's groups, receipts, typing,
 * reminders and announcements against a real tidingsd, in-process under
 * Xvfb with a private D-Bus session (build-aux/xvfb-session.sh) and
 * python3-dbusmock's notification daemon.
 *
 * One TdApplication logs in as alice.  bob and the admin are second
 * TdClients in the same process (other people on other machines): they
 * send, read, type and announce, and tell what the server recorded.  The
 * tests drive alice's windows as a user would and check what she sees.
 * Screenshots of the changed windows go to $TD_SCREENSHOT_DIR, the
 * Chinese ones from a child process started with LANGUAGE=zh_CN.
 */
#define G_LOG_DOMAIN "test-gui-groups"

#include "config.h"

#include <locale.h>
#include <string.h>
#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "td-announce-dialog.h"
#include "td-application.h"
#include "td-contact-row.h"
#include "td-department-row.h"
#include "td-desktop-test-util.h"
#include "td-group-dialog.h"
#include "td-member-row.h"
#include "td-message-row.h"
#include "td-reminder-row.h"
#include "td-test-util.h"

#define NOTIFY_NAME  "org.freedesktop.Notifications"
#define NOTIFY_PATH  "/org/freedesktop/Notifications"
#define CHILD_ENV    "TD_GUI_GROUPS_SCREENSHOT_CHILD"
#define WAIT_MS      20000

/* Notify's arguments (susssasa{sv}i). */
enum { ARG_APP, ARG_REPLACES, ARG_ICON, ARG_SUMMARY, ARG_BODY, ARG_ACTIONS, ARG_HINTS, ARG_TIMEOUT };

static TdTestServer  *server;
static TdApplication *app;
static GSubprocess   *notify_mock;
static char          *profile_dir;
static TdClient      *bob;
static char          *bob_profile;
static TdClient      *admin;
static char          *admin_profile;
static char          *engineering;     /* the Engineering group's address */

static const char *group_text = "Release notes are in the wiki";
static const char *direct_text = "Did you see the release notes?";

/* ---- helpers ------------------------------------------------------------ */

static TdMainWindow *
main_window (void)
{
  return td_application_get_main_window (app);
}

static TdClient *
alice (void)
{
  return td_application_get_client (app);
}

static gboolean
logged_in_cond (gpointer data)
{
  TdClient *client = data;

  return td_client_get_state (client) == TD_CONNECTION_STATE_ONLINE;
}

static gboolean
app_logged_in_cond (gpointer data)
{
  return main_window () != NULL && logged_in_cond (alice ());
}

static void
login_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (td_client_login_finish (TD_CLIENT (source), result, &error));
  g_assert_no_error (error);
}

/* Another person on another machine: a TdClient with its own profile. */
static TdClient *
other_client (const char *login,
              char      **out_profile)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *profile = g_dir_make_tmp ("tidings-gui-peer-XXXXXX", &error);
  TdClient *client;

  g_assert_no_error (error);
  client = td_client_new (profile, &error);
  g_assert_no_error (error);
  td_client_login_async (client, server->ws_url, login, TD_TEST_PASSWORD, NULL, login_done_cb, NULL);
  g_assert_true (td_test_wait_until (logged_in_cond, client, WAIT_MS));
  *out_profile = g_steal_pointer (&profile);
  return client;
}

static void
remove_profile (char **profile)
{
  g_autofree char *command = NULL;

  if (*profile == NULL)
    return;
  /* The profile holds the client's cache (SQLite files). */
  command = g_strdup_printf ("rm -rf '%s'", *profile);
  g_assert_cmpint (system (command), ==, 0);
  g_clear_pointer (profile, g_free);
}

static GtkListBoxRow *
list_row (const char *login)
{
  int position = td_contact_list_find (td_main_window_get_contacts (main_window ()), login);

  if (position < 0)
    return NULL;
  return gtk_list_box_get_row_at_index (td_main_window_get_contacts_view (main_window ()), position);
}

/* The address of the group called @name, or NULL. */
static const char *
group_named (TdClient   *client,
             const char *name)
{
  GListModel *contacts = td_client_get_contacts (client);

  for (guint i = 0; i < g_list_model_get_n_items (contacts); i++)
    {
      g_autoptr(TdContact) contact = g_list_model_get_item (contacts, i);

      if (td_contact_get_is_group (contact) && g_strcmp0 (td_contact_get_name (contact), name) == 0)
        return td_contact_get_login (td_client_lookup_contact (client, td_contact_get_login (contact)));
    }
  return NULL;
}

static gboolean
group_listed_cond (gpointer data)
{
  const char *address = group_named (alice (), data);

  return address != NULL && list_row (address) != NULL;
}

static gboolean
chat_open_cond (gpointer data)
{
  TdChatWindow *chat = td_application_lookup_chat (app, data);

  return chat != NULL && gtk_widget_get_mapped (GTK_WIDGET (chat));
}

static gboolean
window_active_cond (gpointer data)
{
  return gtk_window_is_active (data);
}

/* Makes @window the active one; FALSE if the X server would not. */
static gboolean
activate_window (GtkWindow *window)
{
  gtk_window_present (window);
  return td_test_wait_until (window_active_cond, window, 5000);
}

static TdMessageRow *
find_message_row (GtkListBox *history,
                  const char *text)
{
  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (history, i);

      if (row == NULL)
        return NULL;
      if (g_strcmp0 (td_chat_message_get_text (td_message_row_get_message (TD_MESSAGE_ROW (row))), text) == 0)
        return TD_MESSAGE_ROW (row);
    }
}

typedef struct
{
  const char *peer;
  const char *text;
  const char *state;   /* expected state text, or NULL */
  const char *sender;  /* expected sender, or NULL */
} RowWait;

static gboolean
message_row_cond (gpointer data)
{
  RowWait *w = data;
  TdChatWindow *chat = td_application_lookup_chat (app, w->peer);
  TdMessageRow *row = chat != NULL ? find_message_row (td_chat_window_get_history (chat), w->text) : NULL;

  return row != NULL
         && (w->state == NULL || g_strcmp0 (td_message_row_get_state_text (row), w->state) == 0)
         && (w->sender == NULL || g_strcmp0 (td_message_row_get_sender (row), w->sender) == 0);
}

typedef struct
{
  TdClient   *client;
  const char *peer;
  const char *text;
} ConversationWait;

static gboolean
conversation_has_cond (gpointer data)
{
  ConversationWait *w = data;
  GListModel *messages = G_LIST_MODEL (td_client_get_conversation (w->client, w->peer));

  for (guint i = 0; i < g_list_model_get_n_items (messages); i++)
    {
      g_autoptr(TdChatMessage) message = g_list_model_get_item (messages, i);

      if (g_strcmp0 (td_chat_message_get_text (message), w->text) == 0)
        return TRUE;
    }
  return FALSE;
}

static const char *
arg_string (GVariant *args,
            guint     index)
{
  g_autoptr(GVariant) boxed = g_variant_get_child_value (args, index);
  g_autoptr(GVariant) value = g_variant_get_variant (boxed);

  /* The string lives as long as @args, which holds the serialised data. */
  return g_variant_get_string (value, NULL);
}

static guint32
arg_uint (GVariant *args,
          guint     index)
{
  g_autoptr(GVariant) boxed = g_variant_get_child_value (args, index);
  g_autoptr(GVariant) value = g_variant_get_variant (boxed);

  return g_variant_get_uint32 (value);
}

static int
arg_urgency (GVariant *args)
{
  g_autoptr(GVariant) boxed = g_variant_get_child_value (args, ARG_HINTS);
  g_autoptr(GVariant) hints = g_variant_get_variant (boxed);
  g_autoptr(GVariant) urgency = g_variant_lookup_value (hints, "urgency", G_VARIANT_TYPE_BYTE);

  return urgency != NULL ? g_variant_get_byte (urgency) : -1;
}

/* The mock numbers new notifications 1, 2, ... in the order of Notify
 * calls without replaces_id.  Returns the Notify arguments whose summary
 * is @summary (the latest), and its id. */
static GVariant *
find_notification (const char *summary,
                   guint32    *out_id)
{
  g_autoptr(GPtrArray) calls = td_test_mock_method_calls (NOTIFY_NAME, NOTIFY_PATH, "Notify");
  GVariant *found = NULL;
  guint32 next_id = 0;

  for (guint i = 0; i < calls->len; i++)
    {
      GVariant *args = g_ptr_array_index (calls, i);
      guint32 id = arg_uint (args, ARG_REPLACES);

      if (id == 0)
        id = ++next_id;
      if (g_strcmp0 (arg_string (args, ARG_SUMMARY), summary) == 0)
        {
          g_clear_pointer (&found, g_variant_unref);
          found = g_variant_ref (args);
          if (out_id != NULL)
            *out_id = id;
        }
    }
  return found;
}

static gboolean
notified_cond (gpointer data)
{
  g_autoptr(GVariant) args = find_notification (data, NULL);

  return args != NULL;
}

static void
emit_action (guint32     id,
             const char *action)
{
  g_autoptr(GVariant) reply = NULL;
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&builder, "v", g_variant_new_uint32 (id));
  g_variant_builder_add (&builder, "v", g_variant_new_string (action));
  reply = td_test_mock_call (NOTIFY_NAME, NOTIFY_PATH, "EmitSignal",
                             g_variant_new ("(sss@av)", "org.freedesktop.Notifications", "ActionInvoked", "us",
                                            g_variant_builder_end (&builder)));
}

/* ---- reminders ------------------------------------------------------------ */

/* tidingsctl broadcast; returns the reminder's id (the last line). */
static gint64
broadcast (const char *title,
           const char *body,
           const char *link,
           gboolean    urgent)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *out = NULL;
  guint n;

  g_strv_builder_add_many (builder, "tidingsctl", "--data-dir", server->data_dir, "broadcast", NULL);
  if (urgent)
    g_strv_builder_add (builder, "--urgent");
  if (link != NULL)
    g_strv_builder_add_many (builder, "--link", link, NULL);
  g_strv_builder_add_many (builder, title, body, NULL);
  argv = g_strv_builder_end (builder);
  g_assert_cmpint (td_test_run ((const char * const *) argv, NULL, 30, &out, NULL), ==, 0);
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, >=, 1);
  return g_ascii_strtoll (lines[n - 1], NULL, 10);
}

static TdReminderRow *
reminder_row (gint64 rid)
{
  GtkListBox *view = td_main_window_get_reminders_view (main_window ());

  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (view, i);

      if (row == NULL)
        return NULL;
      if (td_reminder_item_get_rid (td_reminder_row_get_item (TD_REMINDER_ROW (row))) == rid)
        return TD_REMINDER_ROW (row);
    }
}

static gboolean
reminder_row_cond (gpointer data)
{
  return reminder_row (*(gint64 *) data) != NULL;
}

typedef struct
{
  TdClient        *client;
  gint64           rid;
  TdReminderState  state;
} StateWait;

static gboolean
reminder_state_cond (gpointer data)
{
  StateWait *w = data;
  TdReminderItem *item = td_client_lookup_reminder (w->client, w->rid);

  return item != NULL && td_reminder_item_get_state (item) == w->state;
}

static gboolean
reminder_read_cond (gpointer data)
{
  StateWait *w = data;
  TdReminderItem *item = td_client_lookup_reminder (w->client, w->rid);

  return item != NULL && td_reminder_item_get_read (item);
}

/* What the server has for alice's reminder @rid (tidings-cli reminders
 * is a third session that reads the server's list). */
static gboolean
server_reminder_has (gint64      rid,
                     const char *needle)
{
  const char *argv[] = { "tidings-cli", "--server", server->ws_url, "--user", "alice",
                         "--password-file", server->password_file, "reminders", NULL };
  g_autofree char *out = NULL;
  g_autofree char *prefix = g_strdup_printf ("{\"rid\":%" G_GINT64_FORMAT ",", rid);
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (td_test_run (argv, NULL, 30, &out, NULL), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return strstr (lines[i], needle) != NULL;
  return FALSE;
}

static void
activate_row_action (GtkWidget  *row,
                     const char *action,
                     GVariant   *parameter)
{
  GActionGroup *group = gtk_widget_get_action_group (row, "reminder");

  g_assert_nonnull (group);
  g_action_group_activate_action (group, action, parameter);
}

/* ---- life cycle ------------------------------------------------------------ */

static void
start_app (void)
{
  g_autoptr(GError) error = NULL;

  notify_mock = td_test_dbusmock_start (NOTIFY_NAME, "--template", "notification_daemon", NULL);
  server = td_test_server_new (NULL);
  profile_dir = g_dir_make_tmp ("tidings-gui-groups-XXXXXX", &error);
  g_assert_no_error (error);

  app = td_application_new (profile_dir);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  td_application_login (app, server->ws_url, "alice", TD_TEST_PASSWORD, FALSE);
  g_assert_true (td_test_wait_until (app_logged_in_cond, NULL, WAIT_MS));
  gtk_window_move (GTK_WINDOW (main_window ()), 0, 0);
  bob = other_client ("bob", &bob_profile);
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
  g_clear_object (&bob);
  g_clear_object (&admin);
  g_clear_pointer (&server, td_test_server_free);
  td_test_dbusmock_stop (notify_mock, NOTIFY_NAME);
  g_clear_object (&notify_mock);
  remove_profile (&profile_dir);
  remove_profile (&bob_profile);
  remove_profile (&admin_profile);
  g_clear_pointer (&engineering, g_free);
}

/* ---- tests: groups ------------------------------------------------------- */

static void
test_groups_section (void)
{
  GtkListBoxRow *first;
  TdContact *group;

  /* The department's group arrives with the session start. */
  g_assert_true (td_test_wait_until (group_listed_cond, (gpointer) "Engineering", WAIT_MS));
  engineering = g_strdup (group_named (alice (), "Engineering"));
  g_assert_true (g_str_has_prefix (engineering, "g:"));

  /* The Groups section is the first thing in the list. */
  first = gtk_list_box_get_row_at_index (td_main_window_get_contacts_view (main_window ()), 0);
  g_assert_true (TD_IS_DEPARTMENT_ROW (first));
  g_assert_true (td_department_get_is_groups (td_department_row_get_department (TD_DEPARTMENT_ROW (first))));
  g_assert_true (TD_IS_CONTACT_ROW (gtk_list_box_get_row_at_index (td_main_window_get_contacts_view (main_window ()),
                                                                   1)));
  g_assert_true (gtk_style_context_has_class (gtk_widget_get_style_context (GTK_WIDGET (list_row (engineering))),
                                              "group"));
  group = td_contact_row_get_contact (TD_CONTACT_ROW (list_row (engineering)));
  /* alice, bob and the admin. */
  g_assert_cmpuint (td_contact_get_member_count (group), ==, 3);

  /* The header collapses the section like a department's. */
  g_signal_emit_by_name (first, "activate");
  g_assert_null (list_row (engineering));
  g_signal_emit_by_name (gtk_list_box_get_row_at_index (td_main_window_get_contacts_view (main_window ()), 0),
                         "activate");
  g_assert_nonnull (list_row (engineering));
}

static gboolean
type_and_send_cb (gpointer data)
{
  TdChatWindow *chat = td_application_lookup_chat (app, engineering);
  GtkTextView *input = td_chat_window_get_input (chat);

  gtk_widget_grab_focus (GTK_WIDGET (input));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (input), group_text, -1);
  g_assert_true (td_test_send_key (GTK_WIDGET (input), GDK_KEY_Return, 0));
  return G_SOURCE_REMOVE;
}

static void
test_group_chat_send (void)
{
  ConversationWait at_bob = { bob, NULL, group_text };
  RowWait own = { NULL, group_text, NULL, NULL };
  /* The screenshot child runs in Chinese: what the user reads, translated. */
  g_autofree char *members = g_strdup_printf (ngettext ("%u member", "%u members", 3), 3);
  TdChatWindow *chat;

  if (engineering == NULL)
    test_groups_section ();
  at_bob.peer = own.peer = engineering;
  /* Double-click (activation) on the group opens its chat window. */
  g_signal_emit_by_name (list_row (engineering), "activate");
  g_assert_true (td_test_wait_until (chat_open_cond, engineering, WAIT_MS));
  chat = td_application_lookup_chat (app, engineering);
  gtk_window_move (GTK_WINDOW (chat), 440, 0);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (chat)), ==, "Engineering");
  g_assert_cmpstr (td_chat_window_get_subtitle (chat), ==, members);

  g_timeout_add (300, type_and_send_cb, NULL);
  g_assert_true (td_test_wait_until (conversation_has_cond, &at_bob, WAIT_MS));
  g_assert_true (td_test_wait_until (message_row_cond, &own, WAIT_MS));
  g_assert_true (gtk_style_context_has_class (
                   gtk_widget_get_style_context (GTK_WIDGET (find_message_row (td_chat_window_get_history (chat),
                                                                               group_text))),
                   "outgoing"));
}

static void
test_group_incoming (void)
{
  const char *text = "Lunch at noon?";
  g_autoptr(TdChatMessage) sent = NULL;
  RowWait incoming = { engineering, text, NULL, "Bob Jones" };
  TdChatWindow *chat = td_application_lookup_chat (app, engineering);
  g_autofree char *title = g_strdup_printf (_("%s in %s"), "Bob Jones", "Engineering");

  /* The user is in the main window, not in the group's chat. */
  if (!activate_window (GTK_WINDOW (main_window ())))
    g_test_message ("The X server gave the main window no focus");
  g_assert_false (gtk_window_is_active (GTK_WINDOW (chat)));

  sent = td_client_send (bob, engineering, text);
  /* Alerted like a 1:1 message, titled with sender and group. */
  g_assert_true (td_test_wait_until (notified_cond, title, WAIT_MS));
  /* Others' messages carry the sender's name. */
  g_assert_true (td_test_wait_until (message_row_cond, &incoming, WAIT_MS));
  g_assert_cmpuint (td_contact_get_unread (td_client_lookup_contact (alice (), engineering)), >=, 1);
}

static void
test_group_receipt (void)
{
  g_autofree char *read_by = g_strdup_printf (ngettext ("Read by %u", "Read by %u", 1), 1);
  RowWait read = { engineering, group_text, read_by, NULL };

  /* bob looks at the group: alice's message there is read by one. */
  td_client_mark_read (bob, engineering);
  g_assert_true (td_test_wait_until (message_row_cond, &read, WAIT_MS));
}

typedef struct
{
  TdChatWindow *chat;
  const char   *text;
} TypingWait;

static gboolean
typing_shown_cond (gpointer data)
{
  TypingWait *w = data;

  return g_strcmp0 (td_chat_window_get_typing_text (w->chat), w->text) == 0;
}

static gboolean
peer_typing_cond (gpointer data)
{
  return g_strcmp0 (td_conversation_get_typing (td_client_get_conversation (bob, "alice")), data) == 0;
}

static void
test_direct_receipt_and_typing (void)
{
  ConversationWait at_bob = { bob, "alice", direct_text };
  RowWait read = { "bob", direct_text, "Read", NULL };
  RowWait sent = { "bob", direct_text, "Sent", NULL };
  TypingWait typing = { NULL, "Bob Jones is typing…" };
  TypingWait quiet = { NULL, "" };
  TdChatWindow *chat = td_application_open_chat (app, "bob", TRUE);
  GtkTextBuffer *buffer;

  g_assert_nonnull (chat);
  typing.chat = quiet.chat = chat;
  gtk_window_move (GTK_WINDOW (chat), 440, 300);
  buffer = gtk_text_view_get_buffer (td_chat_window_get_input (chat));

  /* alice types: bob sees it (the input tells the client). */
  gtk_text_buffer_set_text (buffer, "Did", -1);
  g_assert_true (td_test_wait_until (peer_typing_cond, (gpointer) "Alice Smith", WAIT_MS));
  gtk_text_buffer_set_text (buffer, direct_text, -1);
  g_assert_true (td_chat_window_send (chat));
  g_assert_true (td_test_wait_until (conversation_has_cond, &at_bob, WAIT_MS));
  g_assert_true (td_test_wait_until (message_row_cond, &sent, WAIT_MS));

  /* bob types: a line under the conversation says so, then goes. */
  td_client_notify_typing (bob, "alice");
  g_assert_true (td_test_wait_until (typing_shown_cond, &typing, WAIT_MS));
  g_assert_true (td_test_wait_until (typing_shown_cond, &quiet, WAIT_MS));

  /* bob reads it: "Read" under alice's message. */
  td_client_mark_read (bob, "alice");
  g_assert_true (td_test_wait_until (message_row_cond, &read, WAIT_MS));
}

/* ---- tests: reminders ------------------------------------------------------ */

static gint64 urgent_rid;
static gint64 normal_rid;

static gboolean
blinking_cond (gpointer data)
{
  return td_tray_get_blinking (td_application_get_tray (app)) == GPOINTER_TO_INT (data);
}

static GtkStack *
main_stack (void)
{
  return GTK_STACK (gtk_widget_get_ancestor (GTK_WIDGET (td_main_window_get_contacts_view (main_window ())),
                                             GTK_TYPE_STACK));
}

static gboolean
reminders_page_cond (gpointer data)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (main_stack ()), "reminders") == 0;
}

static gboolean
closed_cond (gpointer data)
{
  g_autoptr(GPtrArray) calls = td_test_mock_method_calls (NOTIFY_NAME, NOTIFY_PATH, "CloseNotification");

  for (guint i = 0; i < calls->len; i++)
    {
      g_autoptr(GVariant) boxed = g_variant_get_child_value (g_ptr_array_index (calls, i), 0);
      g_autoptr(GVariant) value = g_variant_get_variant (boxed);
      gint64 id = -1;

      /* dbusmock records the id as a signed integer. */
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
        id = g_variant_get_uint32 (value);
      else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
        id = g_variant_get_int32 (value);
      if (id == GPOINTER_TO_UINT (data))
        return TRUE;
    }
  return FALSE;
}

static gboolean
reminders_title_cond (gpointer data)
{
  g_autofree char *title = td_main_window_get_reminders_title (main_window ());

  return g_strcmp0 (title, data) == 0;
}

static void
test_reminder_urgent (void)
{
  g_autoptr(GVariant) notification = NULL;
  StateWait done = { NULL, 0, TD_REMINDER_DONE };
  StateWait read = { NULL, 0, TD_REMINDER_OPEN };
  TdReminderRow *row;
  guint32 id = 0;

  /* Nothing unread: the tray is calm. */
  td_client_mark_read (alice (), engineering);
  td_client_mark_read (alice (), "bob");
  gtk_stack_set_visible_child_name (main_stack (), "contacts");
  activate_window (GTK_WINDOW (main_window ()));
  g_assert_true (td_test_wait_until (blinking_cond, GINT_TO_POINTER (FALSE), WAIT_MS));

  urgent_rid = broadcast ("Fire drill", "Leave by the stairs, not the lift", NULL, TRUE);
  done.client = read.client = alice ();
  done.rid = read.rid = urgent_rid;

  /* In the list, and as a critical notification that stays. */
  g_assert_true (td_test_wait_until (reminder_row_cond, &urgent_rid, WAIT_MS));
  g_assert_true (td_test_wait_until (notified_cond, (gpointer) "Fire drill", WAIT_MS));
  notification = find_notification ("Fire drill", &id);
  g_assert_cmpint (arg_urgency (notification), ==, 2);
  g_assert_cmpstr (arg_string (notification, ARG_BODY), ==, "Leave by the stairs, not the lift");
  {
    g_autoptr(GVariant) boxed = g_variant_get_child_value (notification, ARG_TIMEOUT);
    g_autoptr(GVariant) timeout = g_variant_get_variant (boxed);

    g_assert_cmpint (g_variant_get_int32 (timeout), ==, 0);
  }
  row = reminder_row (urgent_rid);
  g_assert_true (gtk_style_context_has_class (gtk_widget_get_style_context (GTK_WIDGET (row)), "urgent"));
  g_assert_true (td_test_wait_until (reminders_title_cond, (gpointer) "Reminders (1)", WAIT_MS));
  /* A new reminder makes the tray blink, like a message. */
  g_assert_true (td_test_wait_until (blinking_cond, GINT_TO_POINTER (TRUE), WAIT_MS));

  /* Clicking the notification opens the Reminders page, and looking at
   * it reads what it shows. */
  emit_action (id, "default");
  g_assert_true (td_test_wait_until (reminders_page_cond, NULL, WAIT_MS));
  if (activate_window (GTK_WINDOW (main_window ())))
    {
      g_assert_true (td_test_wait_until (reminder_read_cond, &read, WAIT_MS));
      g_assert_true (td_test_wait_until (reminders_title_cond, (gpointer) "Reminders", WAIT_MS));
      g_assert_true (td_test_wait_until (blinking_cond, GINT_TO_POINTER (FALSE), WAIT_MS));
    }
  else
    g_test_message ("The X server gave the main window no focus; read state not checked");

  /* Done: dimmed below the open ones, and the server knows. */
  activate_row_action (GTK_WIDGET (row), "done", NULL);
  g_assert_true (td_test_wait_until (reminder_state_cond, &done, WAIT_MS));
  g_assert_true (gtk_style_context_has_class (gtk_widget_get_style_context (GTK_WIDGET (row)), "done"));
  g_assert_true (server_reminder_has (urgent_rid, "\"state\":\"done\""));
  /* The urgent notification stayed until now: handled, it goes. */
  g_assert_true (td_test_wait_until (closed_cond, GUINT_TO_POINTER (id), WAIT_MS));
}

static void
test_reminder_from_notification (void)
{
  g_autoptr(GVariant) notification = NULL;
  StateWait snoozed = { NULL, 0, TD_REMINDER_SNOOZED };
  TdReminderItem *item;
  guint32 id = 0;
  gint64 now_ms = g_get_real_time () / 1000;

  normal_rid = broadcast ("Timesheet due", "Please fill in this week's hours",
                          "https://hr.example.com/timesheet", FALSE);
  snoozed.client = alice ();
  snoozed.rid = normal_rid;
  g_assert_true (td_test_wait_until (notified_cond, (gpointer) "Timesheet due", WAIT_MS));
  notification = find_notification ("Timesheet due", &id);
  g_assert_cmpint (arg_urgency (notification), ==, 1);

  /* "Snooze" on the notification snoozes it for a while. */
  emit_action (id, "snooze");
  g_assert_true (td_test_wait_until (reminder_state_cond, &snoozed, WAIT_MS));
  item = td_client_lookup_reminder (alice (), normal_rid);
  g_assert_cmpint (td_reminder_item_get_until (item), >, now_ms + 10 * 60 * 1000);
  g_assert_cmpint (td_reminder_item_get_until (item), <, now_ms + 20 * 60 * 1000);
  g_assert_true (server_reminder_has (normal_rid, "\"state\":\"snoozed\""));
  /* Shown between the open and the done ones. */
  g_assert_true (td_test_wait_until (reminder_row_cond, &normal_rid, WAIT_MS));
}

static void
test_snooze_choices (void)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();
  g_autoptr(GDateTime) now = g_date_time_new (tz, 2025, 3, 31, 17, 20, 0);
  g_autoptr(GDateTime) morning = g_date_time_new (tz, 2025, 4, 1, 9, 0, 0);
  gint64 now_ms = g_date_time_to_unix (now) * 1000;

  g_assert_cmpint (td_reminder_snooze_until ("15m", now), ==, now_ms + 15 * 60 * 1000);
  g_assert_cmpint (td_reminder_snooze_until ("1h", now), ==, now_ms + 60 * 60 * 1000);
  g_assert_cmpint (td_reminder_snooze_until ("tomorrow", now), ==, g_date_time_to_unix (morning) * 1000);
  g_assert_cmpint (td_reminder_snooze_until ("later", now), ==, 0);
}

/* ---- tests: announcements -------------------------------------------------- */

static gboolean
destroyed_cond (gpointer data)
{
  return *(gpointer *) data == NULL;
}

typedef struct
{
  TdClient *client;
  char     *title;
  gint64    rid;
} FindWait;

static gboolean
reminder_titled_cond (gpointer data)
{
  FindWait *w = data;
  GListModel *reminders = td_client_get_reminders (w->client);

  for (guint i = 0; i < g_list_model_get_n_items (reminders); i++)
    {
      g_autoptr(TdReminderItem) item = g_list_model_get_item (reminders, i);

      if (g_strcmp0 (td_reminder_item_get_title (item), w->title) == 0)
        {
          w->rid = td_reminder_item_get_rid (item);
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
read_by_cond (gpointer data)
{
  TdReminderRow *row = ((gpointer *) data)[0];

  return g_strcmp0 (td_reminder_row_get_read_by (row), ((gpointer *) data)[1]) == 0;
}

static void
test_announce (void)
{
  TdAnnounceDialog *dialog;
  gpointer weak;
  FindWait at_alice = { NULL, (char *) "Office closed on Friday", 0 };
  FindWait at_admin = { NULL, (char *) "Office closed on Friday", 0 };
  StateWait read = { NULL, 0, TD_REMINDER_OPEN };
  GtkWidget *row;
  gpointer wait[2];

  admin = other_client ("admin", &admin_profile);
  at_alice.client = alice ();
  at_admin.client = admin;
  g_assert_true (td_client_get_is_admin (admin));
  g_assert_false (td_client_get_is_admin (alice ()));
  /* Only admins get the action. */
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "announce"));

  dialog = td_announce_dialog_new (GTK_WINDOW (main_window ()), admin);
  weak = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), &weak);
  gtk_window_present (GTK_WINDOW (dialog));

  /* A bad link is told in the dialog, which stays. */
  td_announce_dialog_fill (dialog, "Office closed on Friday", "The building is closed for maintenance.",
                           "ftp://intranet.example.com/notice", NULL, FALSE);
  td_announce_dialog_submit (dialog);
  g_assert_cmpstr (td_announce_dialog_get_error (dialog), !=, "");
  g_assert_nonnull (weak);

  td_announce_dialog_fill (dialog, "Office closed on Friday", "The building is closed for maintenance.",
                           "https://intranet.example.com/news/42", NULL, FALSE);
  td_announce_dialog_submit (dialog);
  g_assert_true (td_test_wait_until (destroyed_cond, &weak, WAIT_MS));

  /* Everyone gets it, alice too. */
  g_assert_true (td_test_wait_until (reminder_titled_cond, &at_alice, WAIT_MS));
  g_assert_true (td_test_wait_until (reminder_row_cond, &at_alice.rid, WAIT_MS));
  g_assert_true (td_test_wait_until (notified_cond, (gpointer) "Office closed on Friday", WAIT_MS));

  /* The admin sees how many have read it; alice's open Reminders page
   * read it. */
  g_assert_true (td_test_wait_until (reminder_titled_cond, &at_admin, WAIT_MS));
  read.client = alice ();
  read.rid = at_alice.rid;
  td_main_window_show_reminders (main_window ());
  if (!activate_window (GTK_WINDOW (main_window ())))
    {
      g_test_message ("The X server gave the main window no focus; read count not checked");
      return;
    }
  g_assert_true (td_test_wait_until (reminder_read_cond, &read, WAIT_MS));
  /* A fresh row asks the server for the numbers. */
  row = g_object_ref_sink (td_reminder_row_new (admin, td_client_lookup_reminder (admin, at_admin.rid)));
  wait[0] = row;
  wait[1] = (gpointer) "Read by 1 of 6";
  g_assert_true (td_test_wait_until (read_by_cond, wait, WAIT_MS));
  gtk_widget_destroy (row);
  g_object_unref (row);
}

/* ---- tests: new group, members, rename, leave ------------------------------- */

static TdGroupDialog *
find_group_dialog (void)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (TD_IS_GROUP_DIALOG (l->data))
      return l->data;
  return NULL;
}

static GtkDialog *
find_message_dialog (void)
{
  GList *toplevels = gtk_window_list_toplevels ();
  GtkDialog *found = NULL;

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (GTK_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      found = l->data;
  g_list_free (toplevels);
  return found;
}

static guint
count_rows (GtkListBox *list)
{
  guint n = 0;

  while (gtk_list_box_get_row_at_index (list, n) != NULL)
    n++;
  return n;
}

static gboolean
group_chat_open_cond (gpointer data)
{
  const char *address = group_named (alice (), data);

  return address != NULL && chat_open_cond ((gpointer) address);
}

static gboolean
title_cond (gpointer data)
{
  TdChatWindow *chat = ((gpointer *) data)[0];

  return g_strcmp0 (gtk_window_get_title (GTK_WINDOW (chat)), ((gpointer *) data)[1]) == 0;
}

static gboolean
subtitle_cond (gpointer data)
{
  TdChatWindow *chat = ((gpointer *) data)[0];

  return g_strcmp0 (td_chat_window_get_subtitle (chat), ((gpointer *) data)[1]) == 0;
}

static gboolean
contact_gone_cond (gpointer data)
{
  return td_client_lookup_contact (alice (), data) == NULL;
}

static gboolean
message_dialog_cond (gpointer data)
{
  return find_message_dialog () != NULL;
}

static void
test_new_group (void)
{
  TdGroupDialog *dialog;
  TdChatWindow *chat;
  g_autofree char *address = NULL;
  gpointer weak;
  gpointer wait[2];
  GtkListBox *members;
  GtkListBoxRow *carol = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (app), "new-group", NULL);
  dialog = find_group_dialog ();
  g_assert_nonnull (dialog);
  weak = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), &weak);
  /* Groups are not offered as members, people are. */
  g_assert_false (td_group_dialog_pick (dialog, engineering, TRUE));
  gtk_entry_set_text (td_group_dialog_get_name_entry (dialog), "Release crew");
  g_assert_true (td_group_dialog_pick (dialog, "bob", TRUE));
  g_assert_true (td_group_dialog_pick (dialog, "carol", TRUE));
  td_group_dialog_submit (dialog);
  g_assert_true (td_test_wait_until (destroyed_cond, &weak, WAIT_MS));

  /* It opens right away, and is in the Groups section. */
  g_assert_true (td_test_wait_until (group_chat_open_cond, (gpointer) "Release crew", WAIT_MS));
  address = g_strdup (group_named (alice (), "Release crew"));
  g_assert_true (td_test_wait_until (group_listed_cond, (gpointer) "Release crew", WAIT_MS));
  chat = td_application_lookup_chat (app, address);
  g_assert_cmpstr (td_chat_window_get_subtitle (chat), ==, "3 members");

  /* Members…: alice owns it, so she may remove others. */
  g_action_group_activate_action (G_ACTION_GROUP (chat), "members", NULL);
  dialog = find_group_dialog ();
  g_assert_nonnull (dialog);
  weak = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), &weak);
  members = td_group_dialog_get_members_view (dialog);
  g_assert_cmpuint (count_rows (members), ==, 3);
  td_test_save_screenshot (GTK_WIDGET (dialog), "group-members-en.png");
  for (guint i = 0; i < 3; i++)
    if (g_strcmp0 (td_member_row_get_login (TD_MEMBER_ROW (gtk_list_box_get_row_at_index (members, i))), "carol") == 0)
      carol = gtk_list_box_get_row_at_index (members, i);
  g_assert_nonnull (carol);
  g_signal_emit_by_name (carol, "remove-requested");
  wait[0] = chat;
  wait[1] = (gpointer) "2 members";
  g_assert_true (td_test_wait_until (subtitle_cond, wait, WAIT_MS));
  g_assert_cmpuint (count_rows (members), ==, 2);

  /* Rename: the chat's title follows the server. */
  gtk_entry_set_text (td_group_dialog_get_name_entry (dialog), "Release team");
  gtk_widget_activate (GTK_WIDGET (td_group_dialog_get_name_entry (dialog)));
  wait[1] = (gpointer) "Release team";
  g_assert_true (td_test_wait_until (title_cond, wait, WAIT_MS));
  gtk_widget_destroy (GTK_WIDGET (dialog));

  /* Leave Group asks first, then the window and the group go. */
  weak = chat;
  g_object_add_weak_pointer (G_OBJECT (chat), &weak);
  g_action_group_activate_action (G_ACTION_GROUP (chat), "leave", NULL);
  g_assert_true (td_test_wait_until (message_dialog_cond, NULL, WAIT_MS));
  gtk_dialog_response (find_message_dialog (), GTK_RESPONSE_ACCEPT);
  g_assert_true (td_test_wait_until (destroyed_cond, &weak, WAIT_MS));
  g_assert_true (td_test_wait_until (contact_gone_cond, address, WAIT_MS));
  td_test_spin (200);
  g_assert_null (list_row (address));
}

/* ---- screenshots ------------------------------------------------------------ */

static void
post_sample_reminders (void)
{
  StateWait done = { NULL, 0, TD_REMINDER_DONE };
  gint64 rid;

  rid = broadcast ("Quarterly report", "Send your numbers to Finance", NULL, FALSE);
  urgent_rid = broadcast ("Fire drill", "Leave by the stairs, not the lift", NULL, TRUE);
  normal_rid = broadcast ("Timesheet due", "Please fill in this week's hours", "https://hr.example.com/timesheet",
                          FALSE);
  g_assert_true (td_test_wait_until (reminder_row_cond, &normal_rid, WAIT_MS));
  g_assert_true (td_test_wait_until (reminder_row_cond, &rid, WAIT_MS));
  done.client = alice ();
  done.rid = rid;
  td_client_update_reminder (alice (), rid, TD_REMINDER_ACTION_DONE, 0);
  g_assert_true (td_test_wait_until (reminder_state_cond, &done, WAIT_MS));
}

static void
test_screenshots (void)
{
  const char *lang = g_getenv (CHILD_ENV) != NULL ? "zh_CN" : "en";
  TdChatWindow *chat = td_application_lookup_chat (app, engineering);
  g_autofree char *name = NULL;
  TdGroupDialog *group_dialog;
  TdAnnounceDialog *announce;
  GtkStack *stack;

  g_assert_nonnull (chat);
  stack = main_stack ();
  gtk_stack_set_visible_child_name (stack, "contacts");
  name = g_strdup_printf ("main-groups-%s.png", lang);
  td_test_save_screenshot (GTK_WIDGET (main_window ()), name);

  td_main_window_show_reminders (main_window ());
  g_free (name);
  name = g_strdup_printf ("reminders-%s.png", lang);
  td_test_save_screenshot (GTK_WIDGET (main_window ()), name);

  g_free (name);
  name = g_strdup_printf ("group-chat-%s.png", lang);
  td_test_save_screenshot (GTK_WIDGET (chat), name);

  group_dialog = td_group_dialog_new_create (GTK_WINDOW (main_window ()), alice ());
  gtk_entry_set_text (td_group_dialog_get_name_entry (group_dialog), "Release crew");
  td_group_dialog_pick (group_dialog, "bob", TRUE);
  td_group_dialog_pick (group_dialog, "wang.fang", TRUE);
  g_free (name);
  name = g_strdup_printf ("new-group-%s.png", lang);
  td_test_save_screenshot (GTK_WIDGET (group_dialog), name);
  gtk_widget_destroy (GTK_WIDGET (group_dialog));

  /* Only shown, never sent: alice is no admin. */
  announce = td_announce_dialog_new (GTK_WINDOW (main_window ()), alice ());
  td_announce_dialog_fill (announce, "Office closed on Friday", "The building is closed for maintenance.",
                           "https://intranet.example.com/news/42", "Engineering", TRUE);
  g_free (name);
  name = g_strdup_printf ("announce-%s.png", lang);
  td_test_save_screenshot (GTK_WIDGET (announce), name);
  gtk_widget_destroy (GTK_WIDGET (announce));
}

static void
test_screenshots_zh_CN (void)
{
  td_test_run_screenshot_child (CHILD_ENV, "zh_CN", "announce-zh_CN.png");
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
      /* Screenshot child: the same windows in the language of the
       * environment. */
      g_test_add_func ("/gui-groups/child/login", start_app);
      g_test_add_func ("/gui-groups/child/groups-section", test_groups_section);
      g_test_add_func ("/gui-groups/child/group-chat-send", test_group_chat_send);
      g_test_add_func ("/gui-groups/child/group-incoming", test_group_incoming);
      g_test_add_func ("/gui-groups/child/group-receipt", test_group_receipt);
      g_test_add_func ("/gui-groups/child/reminders", post_sample_reminders);
      g_test_add_func ("/gui-groups/child/screenshots", test_screenshots);
    }
  else
    {
      g_test_add_func ("/gui-groups/snooze-choices", test_snooze_choices);
      g_test_add_func ("/gui-groups/login", start_app);
      g_test_add_func ("/gui-groups/groups-section", test_groups_section);
      g_test_add_func ("/gui-groups/group-chat-send", test_group_chat_send);
      g_test_add_func ("/gui-groups/group-incoming", test_group_incoming);
      g_test_add_func ("/gui-groups/group-receipt", test_group_receipt);
      g_test_add_func ("/gui-groups/direct-receipt-and-typing", test_direct_receipt_and_typing);
      g_test_add_func ("/gui-groups/reminder-urgent", test_reminder_urgent);
      g_test_add_func ("/gui-groups/reminder-from-notification", test_reminder_from_notification);
      g_test_add_func ("/gui-groups/announce", test_announce);
      g_test_add_func ("/gui-groups/screenshots", test_screenshots);
      g_test_add_func ("/gui-groups/new-group", test_new_group);
      g_test_add_func ("/gui-groups/screenshots-zh_CN", test_screenshots_zh_CN);
    }
  status = g_test_run ();
  if (app != NULL)
    stop_app ();
  return status;
}
