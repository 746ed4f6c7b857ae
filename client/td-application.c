/* td-application.c - application life cycle: options, settings, login,
 * windows, and the glue between the client, the tray and the alerts.
 *
 * Closing the main window hides it when a tray icon is shown (the tray
 * and notifications lead back); with no tray at all it quits, as any
 * ordinary application does, so the user is never left with a running
 * program and no way to reach it.
 *
 * Reminders: a new one (TdClient "reminder-received") becomes a
 * notification with its own sound; its buttons (Open Link, Done, Snooze)
 * act on the reminder and close the notification, which also closes when
 * the reminder is handled anywhere else.  Unread reminders make the tray
 * blink like unread messages. */
#define G_LOG_DOMAIN "td-application"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "td-announce-dialog.h"
#include "td-application.h"
#include "td-group-dialog.h"
#include "td-idle-monitor.h"
#include "td-login-dialog.h"
#include "td-preferences-dialog.h"
#include "td-reminder-row.h"
#include "td-secret.h"

/* How long --hidden waits for a tray to show up before it shows the
 * window anyway. */
#define TRAY_WAIT_MS 3000
/* What "Snooze" on a notification means (the list offers more choices). */
#define NOTIFICATION_SNOOZE "15m"

struct _TdApplication
{
  GtkApplication  parent_instance;

  char           *profile_dir;
  gboolean        profile_explicit;
  GSettings      *settings;       /* NULL when the schema is not installed */
  char           *startup_error;

  TdClient       *client;
  TdTray         *tray;
  TdAlerts       *alerts;
  TdIdleMonitor  *idle;
  GCancellable   *cancellable;

  TdMainWindow   *main_window;
  TdLoginDialog  *login_dialog;
  GHashTable     *chats;          /* peer login -> TdChatWindow (not owned) */

  char           *opt_server;
  char           *opt_user;
  char           *opt_password_file;
  gboolean        opt_hidden;

  char           *login_server;
  char           *login_user;
  gboolean        login_remember;
  gboolean        logging_in;
  gboolean        resuming;       /* the main window shows the cache meanwhile */
  gboolean        logging_out;
  gboolean        auto_away;
  guint           tray_wait_id;
};

G_DEFINE_TYPE (TdApplication, td_application, GTK_TYPE_APPLICATION)

static void show_login_dialog (TdApplication *self, const char *error);

static void
replace_str (char       **str,
             const char  *value)
{
  char *copy = g_strdup (value);

  g_free (*str);
  *str = copy;
}

/* ---- settings with defaults when the schema is missing ---------------- */

static gboolean
setting_boolean (TdApplication *self,
                 const char    *key,
                 gboolean       fallback)
{
  return self->settings != NULL ? g_settings_get_boolean (self->settings, key) : fallback;
}

static char *
setting_string (TdApplication *self,
                const char    *key)
{
  return self->settings != NULL ? g_settings_get_string (self->settings, key) : g_strdup ("");
}

static void
apply_settings (TdApplication *self)
{
  gboolean muted = setting_boolean (self, "muted", FALSE);
  guint away_minutes = self->settings != NULL ? g_settings_get_uint (self->settings, "idle-away-minutes") : 5;

  td_alerts_set_sounds (self->alerts, setting_boolean (self, "play-sounds", TRUE));
  td_alerts_set_notifications (self->alerts, setting_boolean (self, "show-notifications", TRUE));
  td_alerts_set_muted (self->alerts, muted);
  td_tray_set_muted (self->tray, muted);
  td_idle_monitor_set_threshold (self->idle, away_minutes * 60);
}

static GSettings *
create_settings (TdApplication *self)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      g_warning ("The GSettings schema %s is not installed: using defaults, "
                 "preferences will not be saved (set GSETTINGS_SCHEMA_DIR when running uninstalled)", APP_ID);
      return NULL;
    }
  if (self->profile_explicit)
    {
      g_autofree char *path = g_build_filename (self->profile_dir, "settings.ini", NULL);
      g_autoptr(GSettingsBackend) backend = g_keyfile_settings_backend_new (path, "/", NULL);

      return g_settings_new_full (schema, backend, NULL);
    }
  return g_settings_new_full (schema, NULL, NULL);
}

/* ---- tray and alerts -------------------------------------------------- */

static void
update_tray (TdApplication *self)
{
  guint unread = td_client_get_total_unread (self->client);
  guint reminders = td_client_get_unread_reminders (self->client);
  g_autofree char *tooltip = NULL;

  if (unread > 0 && reminders > 0)
    {
      g_autofree char *messages = g_strdup_printf (ngettext ("%u unread message", "%u unread messages", unread),
                                                   unread);
      g_autofree char *new_reminders = g_strdup_printf (ngettext ("%u new reminder", "%u new reminders",
                                                                  reminders), reminders);

      /* TRANSLATORS: tray tooltip: "3 unread messages, 1 new reminder". */
      tooltip = g_strdup_printf (_("%s, %s"), messages, new_reminders);
    }
  else if (unread > 0)
    tooltip = g_strdup_printf (ngettext ("%u unread message", "%u unread messages", unread), unread);
  else if (reminders > 0)
    tooltip = g_strdup_printf (ngettext ("%u new reminder", "%u new reminders", reminders), reminders);
  td_tray_set_unread (self->tray, unread + reminders, tooltip);
  if (unread + reminders == 0 && self->main_window != NULL)
    gtk_window_set_urgency_hint (GTK_WINDOW (self->main_window), FALSE);
}

static void
sync_status (TdApplication *self)
{
  TdPresence status = td_client_get_status (self->client);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "status");

  if (status != TD_PRESENCE_OFFLINE)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (td_presence_to_string (status)));
  td_tray_set_status (self->tray, status);
}

static void
set_status (TdApplication *self,
            TdPresence     status,
            gboolean       by_user)
{
  if (by_user)
    self->auto_away = FALSE;
  td_client_set_status (self->client, status);
  sync_status (self);
}

/* Like QQ: the tray opens the conversation that has waited longest. */
static TdContact *
oldest_unread_contact (TdApplication *self)
{
  GListModel *contacts = td_client_get_contacts (self->client);
  guint n = g_list_model_get_n_items (contacts);
  TdContact *best = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TdContact) contact = g_list_model_get_item (contacts, i);

      if (td_contact_get_unread (contact) == 0)
        continue;
      if (best == NULL || td_contact_get_last_activity (contact) < td_contact_get_last_activity (best))
        best = contact;
    }
  return best;
}

static void
present_main (TdApplication *self)
{
  if (self->main_window != NULL)
    gtk_window_present (GTK_WINDOW (self->main_window));
  else if (self->login_dialog != NULL)
    gtk_window_present (GTK_WINDOW (self->login_dialog));
}

static void
tray_activate_cb (TdApplication *self)
{
  TdContact *contact = self->main_window != NULL ? oldest_unread_contact (self) : NULL;

  if (contact != NULL)
    td_application_open_chat (self, td_contact_get_login (contact), TRUE);
  else if (self->main_window != NULL && td_client_get_unread_reminders (self->client) > 0)
    td_main_window_show_reminders (self->main_window);
  else
    present_main (self);
}

static void
tray_status_cb (TdApplication *self,
                int            status)
{
  if (status > TD_PRESENCE_OFFLINE && status <= TD_PRESENCE_BUSY)
    set_status (self, status, TRUE);
}

static void
tray_mute_cb (TdApplication *self,
              gboolean       muted)
{
  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "muted", muted);
  else
    {
      td_alerts_set_muted (self->alerts, muted);
      td_tray_set_muted (self->tray, muted);
    }
}

static void
alerts_open_cb (TdApplication *self,
                const char    *conversation)
{
  td_application_open_chat (self, conversation, TRUE);
}

static void
alerts_reply_cb (TdApplication *self,
                 const char    *conversation,
                 const char    *text)
{
  if (text != NULL && text[0] != '\0')
    {
      g_autoptr(TdChatMessage) message = td_client_send (self->client, conversation, text);

      /* Answering from the notification means it was read. */
      td_client_mark_read (self->client, conversation);
      return;
    }
  td_application_open_chat (self, conversation, TRUE);
}

/* ---- reminders ---------------------------------------------------------- */

/* The alert id of a reminder: its rid, and for the alert after a snooze
 * also the snooze's end, so that each ending snooze alerts once. */
static char *
reminder_alert_id (TdReminderItem *item)
{
  gint64 until = td_reminder_item_get_until (item);

  if (until > 0)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT, td_reminder_item_get_rid (item), until);
  return g_strdup_printf ("%" G_GINT64_FORMAT, td_reminder_item_get_rid (item));
}

static TdReminderItem *
reminder_for_alert_id (TdApplication *self,
                       const char    *id)
{
  gint64 rid = g_ascii_strtoll (id, NULL, 10);

  return rid > 0 ? td_client_lookup_reminder (self->client, rid) : NULL;
}

static void
reminder_state_cb (TdReminderItem *item,
                   GParamSpec     *pspec,
                   TdApplication  *self)
{
  const char *last = g_object_get_data (G_OBJECT (item), "td-alert-id");

  /* Handled here, on another device or in the list: the notification has
   * done its job. */
  if (td_reminder_item_get_state (item) != TD_REMINDER_OPEN && last != NULL)
    td_alerts_withdraw_reminder (self->alerts, last);
}

static void
reminder_received_cb (TdApplication  *self,
                      TdReminderItem *item)
{
  g_autofree char *id = reminder_alert_id (item);

  if (td_reminder_item_get_state (item) != TD_REMINDER_OPEN)
    return;
  if (g_object_get_data (G_OBJECT (item), "td-alert-id") == NULL)
    g_signal_connect_object (item, "notify::state", G_CALLBACK (reminder_state_cb), self, 0);
  g_object_set_data_full (G_OBJECT (item), "td-alert-id", g_strdup (id), g_free);
  td_alerts_reminder (self->alerts, id, td_reminder_item_get_title (item), td_reminder_item_get_body (item),
                      td_reminder_item_get_link (item)[0] != '\0', td_reminder_item_get_urgent (item));
  update_tray (self);
  if (!td_tray_get_available (self->tray) && self->main_window != NULL)
    gtk_window_set_urgency_hint (GTK_WINDOW (self->main_window), TRUE);
}

static void
alerts_open_reminder_cb (TdApplication *self,
                         const char    *id)
{
  if (self->main_window != NULL)
    td_main_window_show_reminders (self->main_window);
  else
    present_main (self);
}

static void
alerts_reminder_action_cb (TdApplication *self,
                           const char    *id,
                           const char    *action)
{
  TdReminderItem *item = reminder_for_alert_id (self, id);
  gint64 rid;

  if (item == NULL)
    return;
  rid = td_reminder_item_get_rid (item);
  if (g_str_equal (action, "open-link"))
    {
      const char *link = td_reminder_item_get_link (item);
      g_autoptr(GError) error = NULL;

      if (!g_str_has_prefix (link, "http://") && !g_str_has_prefix (link, "https://"))
        return;
      if (!td_reminder_item_get_read (item))
        td_client_update_reminder (self->client, rid, TD_REMINDER_ACTION_READ, 0);
      if (!gtk_show_uri_on_window (self->main_window != NULL ? GTK_WINDOW (self->main_window) : NULL, link,
                                   GDK_CURRENT_TIME, &error))
        g_warning ("Could not open link: %s", error->message);
    }
  else if (g_str_equal (action, "done"))
    {
      td_client_update_reminder (self->client, rid, TD_REMINDER_ACTION_DONE, 0);
    }
  else if (g_str_equal (action, "snooze"))
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();

      td_client_update_reminder (self->client, rid, TD_REMINDER_ACTION_SNOOZE,
                                 td_reminder_snooze_until (NOTIFICATION_SNOOZE, now));
    }
  /* Urgent ones are resident: close it now that it was handled. */
  if (!g_str_equal (action, "open-link"))
    td_alerts_withdraw_reminder (self->alerts, id);
}

/* ---- client ------------------------------------------------------------ */

static void
message_received_cb (TdApplication *self,
                     TdContact     *from,
                     TdChatMessage *message)
{
  const char *peer = td_chat_message_get_peer (message);
  TdChatWindow *chat = td_application_lookup_chat (self, peer);
  const char *sender = from != NULL ? td_contact_get_name (from) : td_chat_message_get_from (message);
  g_autofree char *title = NULL;

  if (chat != NULL && gtk_window_is_active (GTK_WINDOW (chat)) && gtk_widget_get_visible (GTK_WIDGET (chat)))
    return;
  if (td_chat_message_is_group (message))
    {
      TdContact *group = td_client_lookup_contact (self->client, peer);

      if (group != NULL)
        /* TRANSLATORS: title of a group message notification: "Bob Jones in
         * Release crew". */
        title = g_strdup_printf (_("%s in %s"), sender, td_contact_get_name (group));
    }
  td_alerts_message (self->alerts, peer, title != NULL ? title : sender, td_chat_message_get_text (message));
  update_tray (self);
  /* Without a tray the taskbar is the only place left to show it. */
  if (!td_tray_get_available (self->tray))
    {
      GtkWindow *window = chat != NULL ? GTK_WINDOW (chat) : GTK_WINDOW (self->main_window);

      if (window != NULL)
        gtk_window_set_urgency_hint (window, TRUE);
    }
}

static void
client_state_cb (TdApplication *self)
{
  td_tray_set_online (self->tray, td_client_get_state (self->client) == TD_CONNECTION_STATE_ONLINE);
  sync_status (self);
}

static void
connection_error_cb (TdApplication *self,
                     const char    *message)
{
  if (self->main_window != NULL)
    td_main_window_show_error (self->main_window, message);
}

static void
close_all_windows (TdApplication *self)
{
  GList *chats = g_hash_table_get_values (self->chats);

  for (GList *l = chats; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  g_list_free (chats);
  if (self->main_window != NULL)
    gtk_widget_destroy (GTK_WIDGET (self->main_window));
}

static void
logged_out_cb (TdApplication *self)
{
  if (self->logging_out || self->main_window == NULL)
    return;
  /* The server refused the token: the remembered one is useless too. */
  if (self->login_server != NULL && self->login_user != NULL)
    td_secret_clear (self->login_server, self->login_user);
  show_login_dialog (self, _("Your session has ended. Please log in again."));
  close_all_windows (self);
}

static void
idle_cb (TdApplication *self)
{
  gboolean idle = td_idle_monitor_get_idle (self->idle);

  if (self->main_window == NULL)
    return;
  if (idle && td_client_get_status (self->client) == TD_PRESENCE_ONLINE)
    {
      set_status (self, TD_PRESENCE_AWAY, FALSE);
      self->auto_away = TRUE;
    }
  else if (!idle && self->auto_away)
    {
      /* Only undo what we did: a status the user chose stays. */
      if (td_client_get_status (self->client) == TD_PRESENCE_AWAY)
        set_status (self, TD_PRESENCE_ONLINE, FALSE);
      self->auto_away = FALSE;
    }
}

/* ---- windows ----------------------------------------------------------- */

static void
save_window_size (TdApplication *self)
{
  int width, height;

  if (self->settings == NULL || self->main_window == NULL
      || !gtk_widget_get_visible (GTK_WIDGET (self->main_window)))
    return;
  gtk_window_get_size (GTK_WINDOW (self->main_window), &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
}

static gboolean
main_delete_cb (TdApplication *self)
{
  save_window_size (self);
  if (td_tray_get_available (self->tray))
    {
      gtk_widget_hide (GTK_WIDGET (self->main_window));
      return GDK_EVENT_STOP;
    }
  g_application_quit (G_APPLICATION (self));
  return GDK_EVENT_STOP;
}

static void
main_destroy_cb (TdApplication *self)
{
  self->main_window = NULL;
}

static gboolean
tray_wait_done_cb (gpointer user_data)
{
  TdApplication *self = user_data;

  self->tray_wait_id = 0;
  if (self->main_window != NULL && !td_tray_get_available (self->tray))
    gtk_window_present (GTK_WINDOW (self->main_window));
  return G_SOURCE_REMOVE;
}

static void
tray_available_cb (TdApplication *self)
{
  /* Never hide the only way in: a tray that is gone brings the window
   * back. */
  if (self->main_window != NULL && !td_tray_get_available (self->tray)
      && !gtk_widget_get_visible (GTK_WIDGET (self->main_window)))
    gtk_window_present (GTK_WINDOW (self->main_window));
}

static void
show_main_window (TdApplication *self)
{
  gboolean hidden = self->opt_hidden || setting_boolean (self, "start-hidden", FALSE);

  if (self->main_window == NULL)
    {
      self->main_window = td_main_window_new (GTK_APPLICATION (self), self->client);
      if (self->settings != NULL)
        gtk_window_set_default_size (GTK_WINDOW (self->main_window),
                                     g_settings_get_int (self->settings, "window-width"),
                                     g_settings_get_int (self->settings, "window-height"));
      g_signal_connect_swapped (self->main_window, "delete-event", G_CALLBACK (main_delete_cb), self);
      g_signal_connect_swapped (self->main_window, "destroy", G_CALLBACK (main_destroy_cb), self);
    }
  /* --hidden only applies to the first start of this process. */
  self->opt_hidden = FALSE;
  if (hidden && td_tray_get_available (self->tray))
    return;
  if (hidden)
    {
      /* The tray may not have decided yet: wait a little for it. */
      g_clear_handle_id (&self->tray_wait_id, g_source_remove);
      self->tray_wait_id = g_timeout_add (TRAY_WAIT_MS, tray_wait_done_cb, self);
      return;
    }
  gtk_window_present (GTK_WINDOW (self->main_window));
}

static void
chat_destroy_cb (TdChatWindow  *chat,
                 TdApplication *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->chats);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value == chat)
      g_hash_table_iter_remove (&iter);
}

static void
chat_active_cb (TdChatWindow  *chat,
                GParamSpec    *pspec,
                TdApplication *self)
{
  if (!gtk_window_is_active (GTK_WINDOW (chat)))
    return;
  td_client_mark_read (self->client, td_chat_window_get_peer (chat));
  td_alerts_withdraw (self->alerts, td_chat_window_get_peer (chat));
  gtk_window_set_urgency_hint (GTK_WINDOW (chat), FALSE);
  update_tray (self);
}

TdChatWindow *
td_application_lookup_chat (TdApplication *self,
                            const char    *peer)
{
  g_return_val_if_fail (TD_IS_APPLICATION (self), NULL);

  return peer != NULL ? g_hash_table_lookup (self->chats, peer) : NULL;
}

TdChatWindow *
td_application_open_chat (TdApplication *self,
                          const char    *peer,
                          gboolean       focus_input)
{
  TdChatWindow *chat;
  TdContact *contact;

  g_return_val_if_fail (TD_IS_APPLICATION (self), NULL);
  g_return_val_if_fail (peer != NULL, NULL);

  if (self->client == NULL || self->main_window == NULL)
    return NULL;
  chat = td_application_lookup_chat (self, peer);
  if (chat == NULL)
    {
      contact = td_client_lookup_contact (self->client, peer);
      if (contact == NULL)
        {
          g_debug ("No such contact to chat with");
          return NULL;
        }
      chat = td_chat_window_new (GTK_APPLICATION (self), self->client, contact);
      g_hash_table_insert (self->chats, g_strdup (peer), chat);
      g_signal_connect (chat, "destroy", G_CALLBACK (chat_destroy_cb), self);
      g_signal_connect (chat, "notify::is-active", G_CALLBACK (chat_active_cb), self);
    }
  gtk_window_present (GTK_WINDOW (chat));
  if (focus_input)
    td_chat_window_focus_input (chat);
  return chat;
}

/* ---- login ------------------------------------------------------------- */

static char *
describe_login_error (const GError *error)
{
  if (g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_AUTH_FAILED))
    return g_strdup (_("Wrong user name or password"));
  if (g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_TOKEN_INVALID))
    return g_strdup (_("Your session has ended. Please log in again."));
  if (error->domain == TD_CONNECTION_ERROR
      && (error->code == TD_CONNECTION_ERROR_FAILED || error->code == TD_CONNECTION_ERROR_CLOSED))
    /* TRANSLATORS: %s is the network error. */
    return g_strdup_printf (_("Cannot reach the server: %s"), error->message);
  if (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR || error->domain == G_TLS_ERROR)
    return g_strdup_printf (_("Cannot reach the server: %s"), error->message);
  return g_strdup (error->message);
}

static void
logged_in (TdApplication *self)
{
  const char *token = td_client_get_token (self->client);

  if (self->settings != NULL)
    {
      g_settings_set_string (self->settings, "server-url", self->login_server);
      g_settings_set_string (self->settings, "last-user", self->login_user);
    }
  if (self->login_remember && token != NULL)
    td_secret_store (self->login_server, self->login_user, token);

  /* A resumed session has shown its window since the start. */
  if (self->main_window == NULL)
    show_main_window (self);
  if (self->login_dialog != NULL)
    gtk_widget_destroy (GTK_WIDGET (self->login_dialog));
  client_state_cb (self);
  update_tray (self);
}

static void
login_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TdApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean resuming = self->resuming;

  self->logging_in = FALSE;
  self->resuming = FALSE;
  g_application_release (G_APPLICATION (self));
  if (td_client_login_finish (TD_CLIENT (source), result, &error))
    {
      logged_in (self);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_message ("Login failed: %s", error->message);
  {
    g_autofree char *message = describe_login_error (error);

    if (g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_TOKEN_INVALID))
      td_secret_clear (self->login_server, self->login_user);
    /* The login window first: the application ends with its last
     * window. */
    show_login_dialog (self, message);
    if (resuming)
      close_all_windows (self);
  }
}

static void
start_login (TdApplication *self,
             const char    *server_url,
             const char    *user,
             gboolean       remember)
{
  g_free (self->login_server);
  g_free (self->login_user);
  self->login_server = g_strstrip (g_strdup (server_url));
  self->login_user = g_strstrip (g_strdup (user));
  self->login_remember = remember;
  self->logging_in = TRUE;
  /* No window may exist while logging in from the command line. */
  g_application_hold (G_APPLICATION (self));
}

void
td_application_login (TdApplication *self,
                      const char    *server_url,
                      const char    *user,
                      const char    *password,
                      gboolean       remember)
{
  g_return_if_fail (TD_IS_APPLICATION (self));
  g_return_if_fail (server_url != NULL && user != NULL && password != NULL);
  g_return_if_fail (self->client != NULL);

  start_login (self, server_url, user, remember);
  td_client_login_async (self->client, self->login_server, self->login_user, password,
                         self->cancellable, login_done_cb, g_object_ref (self));
}

static void
login_submit_cb (TdApplication *self,
                 TdLoginDialog *dialog)
{
  if (self->settings != NULL)
    g_settings_set_boolean (self->settings, "remember-me", td_login_dialog_get_remember (dialog));
  td_login_dialog_set_busy (dialog, TRUE);
  td_application_login (self, td_login_dialog_get_server (dialog), td_login_dialog_get_user (dialog),
                        td_login_dialog_get_password (dialog), td_login_dialog_get_remember (dialog));
}

static void
login_dialog_destroy_cb (TdApplication *self)
{
  self->login_dialog = NULL;
}

static void
show_login_dialog (TdApplication *self,
                   const char    *error)
{
  if (self->login_dialog == NULL)
    {
      g_autofree char *server = setting_string (self, "server-url");
      g_autofree char *user = setting_string (self, "last-user");

      if (self->login_server != NULL && self->login_server[0] != '\0')
        replace_str (&server, self->login_server);
      if (self->login_user != NULL && self->login_user[0] != '\0')
        replace_str (&user, self->login_user);
      self->login_dialog = td_login_dialog_new (GTK_APPLICATION (self), server, user,
                                                setting_boolean (self, "remember-me", TRUE));
      g_signal_connect_swapped (self->login_dialog, "submit", G_CALLBACK (login_submit_cb), self);
      g_signal_connect_swapped (self->login_dialog, "destroy", G_CALLBACK (login_dialog_destroy_cb), self);
    }
  td_login_dialog_set_busy (self->login_dialog, FALSE);
  td_login_dialog_set_error (self->login_dialog, error);
  gtk_window_present (GTK_WINDOW (self->login_dialog));
}

static void
secret_lookup_done_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(TdApplication) self = user_data;
  g_autofree char *token = td_secret_lookup_finish (result, NULL);

  if (token == NULL || self->client == NULL)
    {
      self->logging_in = FALSE;
      g_application_release (G_APPLICATION (self));
      show_login_dialog (self, NULL);
      return;
    }
  td_client_resume_async (self->client, self->login_server, self->login_user, token,
                          self->cancellable, login_done_cb, g_object_ref (self));
  /* The cache is open now (td_client_resume_async() loads it before it
   * connects): show what it holds at once, "Connecting…" until the
   * session is up, instead of after a round trip and the server's login. */
  if (self->logging_in && self->main_window == NULL)
    {
      self->resuming = TRUE;
      show_main_window (self);
      client_state_cb (self);
      update_tray (self);
    }
}

static void
start (TdApplication *self)
{
  g_autofree char *server = setting_string (self, "server-url");
  g_autofree char *user = setting_string (self, "last-user");

  if (self->opt_server != NULL && self->opt_user != NULL && self->opt_password_file != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *password = NULL;

      if (!g_file_get_contents (self->opt_password_file, &password, NULL, &error))
        {
          g_autofree char *message = g_strdup_printf (_("Cannot read the password file: %s"), error->message);

          replace_str (&self->login_server, self->opt_server);
          replace_str (&self->login_user, self->opt_user);
          show_login_dialog (self, message);
          return;
        }
      /* A file written with echo ends with a newline that is not part of
       * the password; other white space may be. */
      if (g_str_has_suffix (password, "\n"))
        password[strlen (password) - 1] = '\0';
      if (g_str_has_suffix (password, "\r"))
        password[strlen (password) - 1] = '\0';
      if (password[0] == '\0')
        {
          replace_str (&self->login_server, self->opt_server);
          replace_str (&self->login_user, self->opt_user);
          show_login_dialog (self, _("The password file is empty"));
          return;
        }
      td_application_login (self, self->opt_server, self->opt_user, password, FALSE);
      return;
    }
  if (self->opt_server != NULL)
    replace_str (&server, self->opt_server);
  if (self->opt_user != NULL)
    replace_str (&user, self->opt_user);
  if (setting_boolean (self, "remember-me", TRUE) && server[0] != '\0' && user[0] != '\0')
    {
      start_login (self, server, user, TRUE);
      td_secret_lookup_async (self->login_server, self->login_user, self->cancellable,
                              secret_lookup_done_cb, g_object_ref (self));
      return;
    }
  replace_str (&self->login_server, server);
  replace_str (&self->login_user, user);
  show_login_dialog (self, NULL);
}

/* ---- actions ----------------------------------------------------------- */

static GtkWindow *
parent_window (TdApplication *self)
{
  return gtk_application_get_active_window (GTK_APPLICATION (self));
}

static void
preferences_action_cb (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  TdApplication *self = user_data;
  TdPreferencesDialog *dialog = td_preferences_dialog_new (parent_window (self), self->settings);

  gtk_window_present (GTK_WINDOW (dialog));
}

static void
about_action_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  TdApplication *self = user_data;

  gtk_show_about_dialog (parent_window (self),
                         "program-name", "Tidings",
                         "version", PACKAGE_VERSION,
                         "logo-icon-name", APP_ID,
                         "comments", _("Instant messaging for the office"),
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
logout_action_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  TdApplication *self = user_data;

  if (self->main_window == NULL)
    return;
  self->logging_out = TRUE;
  td_client_logout (self->client);
  self->logging_out = FALSE;
  if (self->login_server != NULL && self->login_user != NULL)
    td_secret_clear (self->login_server, self->login_user);
  /* The login window first: the application ends when its last window
   * goes. */
  show_login_dialog (self, NULL);
  close_all_windows (self);
  td_tray_set_unread (self->tray, 0, NULL);
  td_tray_set_online (self->tray, FALSE);
}

static void
quit_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  TdApplication *self = user_data;

  save_window_size (self);
  g_application_quit (G_APPLICATION (self));
}

static GtkWindow *
dialog_parent (TdApplication *self)
{
  GtkWindow *active = parent_window (self);

  return active != NULL ? active : GTK_WINDOW (self->main_window);
}

static void
new_group_action_cb (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  TdApplication *self = user_data;
  TdGroupDialog *dialog;

  if (self->main_window == NULL)
    return;
  dialog = td_group_dialog_new_create (dialog_parent (self), self->client);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
announce_action_cb (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  TdApplication *self = user_data;
  TdAnnounceDialog *dialog;

  if (self->main_window == NULL || !td_client_get_is_admin (self->client))
    return;
  dialog = td_announce_dialog_new (dialog_parent (self), self->client);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_reminders_action_cb (GSimpleAction *action,
                          GVariant      *parameter,
                          gpointer       user_data)
{
  TdApplication *self = user_data;

  if (self->main_window != NULL)
    td_main_window_show_reminders (self->main_window);
}

static void
is_admin_cb (TdApplication *self)
{
  GAction *announce = g_action_map_lookup_action (G_ACTION_MAP (self), "announce");

  g_simple_action_set_enabled (G_SIMPLE_ACTION (announce), td_client_get_is_admin (self->client));
}

static void
open_chat_action_cb (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  td_application_open_chat (user_data, g_variant_get_string (parameter, NULL), TRUE);
}

static void
show_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  present_main (user_data);
}

static void
status_action_cb (GSimpleAction *action,
                  GVariant      *value,
                  gpointer       user_data)
{
  TdPresence status;

  if (!td_presence_from_string (g_variant_get_string (value, NULL), &status) || status == TD_PRESENCE_OFFLINE)
    return;
  g_simple_action_set_state (action, value);
  set_status (user_data, status, TRUE);
}

/* ---- GApplication ------------------------------------------------------ */

static gboolean
input_seen_cb (TdApplication *self)
{
  td_idle_monitor_note_activity (self->idle);
  return GDK_EVENT_PROPAGATE;
}

static void
td_application_window_added (GtkApplication *application,
                             GtkWindow      *window)
{
  TdApplication *self = TD_APPLICATION (application);

  GTK_APPLICATION_CLASS (td_application_parent_class)->window_added (application, window);
  g_signal_connect_object (window, "key-press-event", G_CALLBACK (input_seen_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (window, "button-press-event", G_CALLBACK (input_seen_cb), self, G_CONNECT_SWAPPED);
}

static int
td_application_handle_local_options (GApplication *application,
                                     GVariantDict *options)
{
  TdApplication *self = TD_APPLICATION (application);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("tidings %s\n", PACKAGE_VERSION);
      return 0;
    }
  g_variant_dict_lookup (options, "server", "s", &self->opt_server);
  g_variant_dict_lookup (options, "user", "s", &self->opt_user);
  g_variant_dict_lookup (options, "password-file", "^ay", &self->opt_password_file);
  self->opt_hidden = g_variant_dict_contains (options, "hidden");
  return -1;
}

static void
load_css (void)
{
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

  gtk_css_provider_load_from_resource (provider, "/org/tidings/Tidings/style.css");
  gtk_style_context_add_provider_for_screen (gdk_screen_get_default (), GTK_STYLE_PROVIDER (provider),
                                             GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
td_application_startup (GApplication *application)
{
  static const GActionEntry actions[] = {
    { "preferences", preferences_action_cb, NULL, NULL, NULL, { 0 } },
    { "about", about_action_cb, NULL, NULL, NULL, { 0 } },
    { "logout", logout_action_cb, NULL, NULL, NULL, { 0 } },
    { "quit", quit_action_cb, NULL, NULL, NULL, { 0 } },
    { "open-chat", open_chat_action_cb, "s", NULL, NULL, { 0 } },
    { "new-group", new_group_action_cb, NULL, NULL, NULL, { 0 } },
    { "announce", announce_action_cb, NULL, NULL, NULL, { 0 } },
    { "show-reminders", show_reminders_action_cb, NULL, NULL, NULL, { 0 } },
    { "show", show_action_cb, NULL, NULL, NULL, { 0 } },
    { "status", NULL, NULL, "'online'", status_action_cb, { 0 } },
  };
  static const char * const quit_accels[] = { "<Primary>q", NULL };
  static const char * const search_accels[] = { "<Primary>f", NULL };
  TdApplication *self = TD_APPLICATION (application);
  g_autoptr(GError) error = NULL;

  G_APPLICATION_CLASS (td_application_parent_class)->startup (application);

  g_set_application_name ("Tidings");
  gtk_window_set_default_icon_name (APP_ID);
  load_css ();
  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "win.search", search_accels);

  self->settings = create_settings (self);
  self->client = td_client_new (self->profile_dir, &error);
  if (self->client == NULL)
    {
      self->startup_error = g_strdup (error->message);
      g_warning ("Cannot open the profile: %s", error->message);
    }
  self->tray = td_tray_new ();
  self->alerts = td_alerts_new ();
  self->idle = td_idle_monitor_new ();
  apply_settings (self);

  g_signal_connect_object (self->tray, "activate", G_CALLBACK (tray_activate_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tray, "status-requested", G_CALLBACK (tray_status_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tray, "mute-toggled", G_CALLBACK (tray_mute_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tray, "quit-requested", G_CALLBACK (g_application_quit), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->tray, "notify::available", G_CALLBACK (tray_available_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->alerts, "open", G_CALLBACK (alerts_open_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->alerts, "reply", G_CALLBACK (alerts_reply_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->alerts, "open-reminder", G_CALLBACK (alerts_open_reminder_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->alerts, "reminder-action", G_CALLBACK (alerts_reminder_action_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->idle, "notify::idle", G_CALLBACK (idle_cb), self, G_CONNECT_SWAPPED);
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed", G_CALLBACK (apply_settings), self, G_CONNECT_SWAPPED);
  if (self->client != NULL)
    {
      g_signal_connect_object (self->client, "message-received", G_CALLBACK (message_received_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "notify::state", G_CALLBACK (client_state_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "notify::status", G_CALLBACK (sync_status), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "notify::total-unread", G_CALLBACK (update_tray), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "notify::unread-reminders", G_CALLBACK (update_tray), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "reminder-received", G_CALLBACK (reminder_received_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "notify::is-admin", G_CALLBACK (is_admin_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "connection-error", G_CALLBACK (connection_error_cb), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->client, "logged-out", G_CALLBACK (logged_out_cb), self,
                               G_CONNECT_SWAPPED);
    }
  td_tray_set_online (self->tray, FALSE);
  if (self->client != NULL)
    is_admin_cb (self);
  else
    g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "announce")),
                                 FALSE);
}

static void
td_application_activate (GApplication *application)
{
  TdApplication *self = TD_APPLICATION (application);

  if (self->client == NULL)
    {
      GtkWidget *dialog = gtk_message_dialog_new (NULL, 0, GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE,
                                                  _("Tidings cannot start"));

      gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", self->startup_error);
      gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (self));
      g_signal_connect (dialog, "response", G_CALLBACK (gtk_widget_destroy), NULL);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }
  if (self->main_window != NULL || self->login_dialog != NULL)
    {
      present_main (self);
      return;
    }
  if (self->logging_in)
    return;
  start (self);
}

static void
td_application_shutdown (GApplication *application)
{
  TdApplication *self = TD_APPLICATION (application);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->tray_wait_id, g_source_remove);
  G_APPLICATION_CLASS (td_application_parent_class)->shutdown (application);
}

static void
td_application_dispose (GObject *object)
{
  TdApplication *self = TD_APPLICATION (object);

  g_clear_handle_id (&self->tray_wait_id, g_source_remove);
  g_clear_object (&self->idle);
  g_clear_object (&self->alerts);
  g_clear_object (&self->tray);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->chats, g_hash_table_unref);
  G_OBJECT_CLASS (td_application_parent_class)->dispose (object);
}

static void
td_application_finalize (GObject *object)
{
  TdApplication *self = TD_APPLICATION (object);

  g_free (self->profile_dir);
  g_free (self->startup_error);
  g_free (self->opt_server);
  g_free (self->opt_user);
  g_free (self->opt_password_file);
  g_free (self->login_server);
  g_free (self->login_user);
  G_OBJECT_CLASS (td_application_parent_class)->finalize (object);
}

static void
td_application_class_init (TdApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  GtkApplicationClass *gtk_app_class = GTK_APPLICATION_CLASS (klass);

  object_class->dispose = td_application_dispose;
  object_class->finalize = td_application_finalize;
  app_class->startup = td_application_startup;
  app_class->activate = td_application_activate;
  app_class->shutdown = td_application_shutdown;
  app_class->handle_local_options = td_application_handle_local_options;
  gtk_app_class->window_added = td_application_window_added;
}

static void
td_application_init (TdApplication *self)
{
  const GOptionEntry options[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Server URL (ws://host:port/ws)"), N_("URL") },
    { "user", 0, 0, G_OPTION_ARG_STRING, NULL, N_("Login name"), N_("NAME") },
    { "password-file", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("Read the password from FILE"), N_("FILE") },
    { "profile", 0, 0, G_OPTION_ARG_FILENAME, NULL, N_("Keep settings and cache in DIR"), N_("DIR") },
    { "hidden", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Start in the tray without showing the window"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Show the version"), NULL },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };

  self->chats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

char *
td_application_id_for_profile (const char *profile_dir)
{
  g_autofree char *canonical = NULL;
  g_autofree char *hash = NULL;

  if (profile_dir == NULL)
    return g_strdup (APP_ID);
  canonical = g_canonicalize_filename (profile_dir, NULL);
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, canonical, -1);
  /* An id element must not start with a digit. */
  return g_strdup_printf ("%s.Profile_%.16s", APP_ID, hash);
}

TdApplication *
td_application_new (const char *profile_dir)
{
  g_autofree char *app_id = NULL;
  TdApplication *self;

  /* GTK 3 probes OpenGL when it opens the display (loading Mesa: ~50 MB
   * of RSS and ~100 ms of the start) only to pick visuals for GL drawing,
   * which Tidings never does.  Before the display opens (startup); a
   * GDK_GL the user set wins. */
  g_setenv ("GDK_GL", "disable", FALSE);
  app_id = td_application_id_for_profile (profile_dir);
  self = g_object_new (TD_TYPE_APPLICATION,
                       "application-id", app_id,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       NULL);

  self->profile_explicit = profile_dir != NULL;
  self->profile_dir = profile_dir != NULL ? g_canonicalize_filename (profile_dir, NULL)
                                          : g_build_filename (g_get_user_data_dir (), "tidings", NULL);
  return self;
}

TdClient *
td_application_get_client (TdApplication *self)
{
  g_return_val_if_fail (TD_IS_APPLICATION (self), NULL);
  return self->client;
}

TdMainWindow *
td_application_get_main_window (TdApplication *self)
{
  g_return_val_if_fail (TD_IS_APPLICATION (self), NULL);
  return self->main_window;
}

TdTray *
td_application_get_tray (TdApplication *self)
{
  g_return_val_if_fail (TD_IS_APPLICATION (self), NULL);
  return self->tray;
}

TdAlerts *
td_application_get_alerts (TdApplication *self)
{
  g_return_val_if_fail (TD_IS_APPLICATION (self), NULL);
  return self->alerts;
}

GSettings *
td_application_get_settings (TdApplication *self)
{
  g_return_val_if_fail (TD_IS_APPLICATION (self), NULL);
  return self->settings;
}
