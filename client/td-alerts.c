/* td-alerts.c - desktop notifications and sounds for new messages and
 * reminders.
 *
 * Each conversation (and each reminder id) has an Alert holding its
 * NotifyNotification.  While that notification is up, further messages
 * update it (libnotify sends Notify with replaces_id).  The server's
 * capabilities are fetched once with GDBus and forgotten when the owner of
 * org.freedesktop.Notifications changes; they decide whether the body must
 * be escaped ("body-markup"), whether the server plays the sound
 * ("sound": then we pass sound-name instead of playing it, so it is not
 * heard twice) and whether a reply field is offered ("inline-reply", a
 * KDE/swaync extension that libnotify does not know: its
 * NotificationReplied(u,s) signal is subscribed here).
 *
 * libnotify calls action and "closed" callbacks from inside its own signal
 * handling and touches the notification afterwards, so the callbacks here
 * never drop a notification: actions are forwarded from an idle, and a
 * closed notification is only released when it is replaced or withdrawn.
 */
#define G_LOG_DOMAIN "td-alerts"

#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <canberra.h>
#include <canberra-gtk.h>
#include <libnotify/notify.h>

#include "td-alerts.h"

#define NOTIFY_NAME         "org.freedesktop.Notifications"
#define NOTIFY_PATH         "/org/freedesktop/Notifications"
#define NOTIFY_IFACE        "org.freedesktop.Notifications"
#define CAPS_TIMEOUT_MS     3000
#define SOUND_QUIET_US      (2 * G_USEC_PER_SEC)
#define MAX_BODY_CHARS      300

typedef struct
{
  TdAlerts           *alerts;        /* not owned */
  char               *key;           /* conversation or reminder id */
  gboolean            reminder;
  NotifyNotification *notification;  /* NULL until first shown */
  gboolean            open;          /* shown and not closed yet */
  guint               count;         /* messages merged into it */
  gint64              last_sound_us;
} Alert;

struct _TdAlerts
{
  GObject          parent_instance;

  GHashTable      *conversations;    /* conversation -> Alert */
  GHashTable      *reminders;        /* id -> Alert */
  GHashTable      *alerted;          /* reminder ids ever alerted (never twice) */

  GDBusConnection *bus;
  guint            replied_id;
  guint            watch_id;
  GHashTable      *caps;             /* capability set, NULL until fetched */

  ca_context      *own_ca;           /* only without a GdkScreen */

  gboolean         muted;
  gboolean         sounds;
  gboolean         notifications;
  gboolean         notifications_work;
  int              last_sound_result;
};

G_DEFINE_FINAL_TYPE (TdAlerts, td_alerts, G_TYPE_OBJECT)

enum {
  SIGNAL_OPEN,
  SIGNAL_REPLY,
  SIGNAL_OPEN_REMINDER,
  SIGNAL_REMINDER_ACTION,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
alert_free (Alert *alert)
{
  if (alert->notification != NULL)
    {
      g_signal_handlers_disconnect_by_data (alert->notification, alert);
      notify_notification_clear_actions (alert->notification);
      g_clear_object (&alert->notification);
    }
  g_free (alert->key);
  g_free (alert);
}

static Alert *
lookup_alert (TdAlerts   *self,
              GHashTable *table,
              const char *key,
              gboolean    reminder)
{
  Alert *alert = g_hash_table_lookup (table, key);

  if (alert == NULL)
    {
      alert = g_new0 (Alert, 1);
      alert->alerts = self;
      alert->key = g_strdup (key);
      alert->reminder = reminder;
      g_hash_table_insert (table, alert->key, alert);
    }
  return alert;
}

/* ---- server capabilities ------------------------------------------------- */

static void
forget_caps_cb (GDBusConnection *connection,
                const char      *name,
                const char      *name_owner,
                gpointer         user_data)
{
  TdAlerts *self = user_data;

  g_clear_pointer (&self->caps, g_hash_table_unref);
}

static void
server_vanished_cb (GDBusConnection *connection,
                    const char      *name,
                    gpointer         user_data)
{
  forget_caps_cb (connection, name, NULL, user_data);
}

static gboolean
has_cap (TdAlerts   *self,
         const char *cap)
{
  if (self->caps == NULL)
    {
      g_autoptr(GVariant) reply = NULL;
      g_autoptr(GError) error = NULL;

      self->caps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      if (self->bus != NULL)
        /* Synchronous like notify_notification_show(); it may start the
         * notification daemon through D-Bus activation. */
        reply = g_dbus_connection_call_sync (self->bus, NOTIFY_NAME, NOTIFY_PATH, NOTIFY_IFACE,
                                             "GetCapabilities", NULL, G_VARIANT_TYPE ("(as)"),
                                             G_DBUS_CALL_FLAGS_NONE, CAPS_TIMEOUT_MS, NULL, &error);
      if (reply != NULL)
        {
          g_autoptr(GVariantIter) iter = NULL;
          const char *name;

          g_variant_get (reply, "(as)", &iter);
          while (g_variant_iter_next (iter, "&s", &name))
            g_hash_table_add (self->caps, g_strdup (name));
        }
      else
        {
          g_debug ("no notification server capabilities: %s",
                   error != NULL ? error->message : "no session bus");
        }
    }
  return g_hash_table_contains (self->caps, cap);
}

/* ---- sound --------------------------------------------------------------- */

static void
play_sound (TdAlerts   *self,
            const char *event_id,
            const char *description)
{
  ca_context *ctx;

  if (gdk_screen_get_default () != NULL)
    {
      /* Follows gtk-enable-event-sounds and gtk-sound-theme-name. */
      ctx = ca_gtk_context_get ();
    }
  else
    {
      if (self->own_ca == NULL && ca_context_create (&self->own_ca) != CA_SUCCESS)
        self->own_ca = NULL;
      ctx = self->own_ca;
    }

  if (ctx == NULL)
    {
      self->last_sound_result = CA_ERROR_NOTAVAILABLE;
      return;
    }

  self->last_sound_result = ca_context_play (ctx, 0,
                                             CA_PROP_EVENT_ID, event_id,
                                             CA_PROP_EVENT_DESCRIPTION, description,
                                             NULL);
  if (self->last_sound_result != CA_SUCCESS)
    g_debug ("no sound for %s: %s", event_id, ca_strerror (self->last_sound_result));
}

/* Either plays @event_id now or asks the server to (sound capability), or
 * asks the server to stay silent when @play is FALSE. */
static void
handle_sound (TdAlerts           *self,
              NotifyNotification *notification,
              gboolean            play,
              const char         *event_id,
              const char         *description)
{
  gboolean server_plays = notification != NULL && has_cap (self, "sound");

  if (notification != NULL)
    {
      notify_notification_set_hint (notification, "sound-name",
                                    play && server_plays ? g_variant_new_string (event_id) : NULL);
      /* Also keeps servers from adding a default sound to ours. */
      notify_notification_set_hint (notification, "suppress-sound",
                                    play && server_plays ? NULL : g_variant_new_boolean (TRUE));
    }
  if (play && !server_plays)
    play_sound (self, event_id, description);
}

/* ---- actions ------------------------------------------------------------- */

typedef struct
{
  TdAlerts *alerts;   /* owned */
  char     *key;
  char     *action;
  gboolean  reminder;
} PendingAction;

static gboolean
emit_action_idle (gpointer user_data)
{
  PendingAction *pending = user_data;

  if (pending->reminder && (g_str_equal (pending->action, "open-link") || g_str_equal (pending->action, "done")
                            || g_str_equal (pending->action, "snooze")))
    g_signal_emit (pending->alerts, signals[SIGNAL_REMINDER_ACTION], 0, pending->key, pending->action);
  else if (pending->reminder)
    g_signal_emit (pending->alerts, signals[SIGNAL_OPEN_REMINDER], 0, pending->key);
  else if (g_str_equal (pending->action, "reply") || g_str_equal (pending->action, "inline-reply"))
    g_signal_emit (pending->alerts, signals[SIGNAL_REPLY], 0, pending->key, NULL);
  else
    g_signal_emit (pending->alerts, signals[SIGNAL_OPEN], 0, pending->key);

  g_object_unref (pending->alerts);
  g_free (pending->key);
  g_free (pending->action);
  g_free (pending);
  return G_SOURCE_REMOVE;
}

static void
action_cb (NotifyNotification *notification,
           char               *action,
           gpointer            user_data)
{
  Alert *alert = user_data;
  PendingAction *pending = g_new0 (PendingAction, 1);

  pending->alerts = g_object_ref (alert->alerts);
  pending->key = g_strdup (alert->key);
  pending->action = g_strdup (action);
  pending->reminder = alert->reminder;
  g_idle_add (emit_action_idle, pending);
}

static void
closed_cb (NotifyNotification *notification,
           gpointer            user_data)
{
  Alert *alert = user_data;

  alert->open = FALSE;
  alert->count = 0;
}

static void
replied_cb (GDBusConnection *connection,
            const char      *sender,
            const char      *path,
            const char      *iface,
            const char      *member,
            GVariant        *parameters,
            gpointer         user_data)
{
  TdAlerts *self = user_data;
  GHashTableIter iter;
  Alert *alert;
  guint32 id;
  const char *text;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(us)")))
    return;
  g_variant_get (parameters, "(u&s)", &id, &text);

  g_hash_table_iter_init (&iter, self->conversations);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &alert))
    {
      int alert_id = 0;

      if (alert->notification == NULL)
        continue;
      g_object_get (alert->notification, "id", &alert_id, NULL);
      if (alert_id > 0 && (guint32) alert_id == id)
        {
          g_autofree char *key = g_strdup (alert->key);

          g_signal_emit (self, signals[SIGNAL_REPLY], 0, key, text);
          return;
        }
    }
}

/* ---- building notifications ---------------------------------------------- */

/* Network text is plain: cut it to a sane length and escape it where the
 * server would otherwise interpret markup. */
static char *
plain_body (TdAlerts   *self,
            const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  g_autofree char *cut = NULL;

  if (g_utf8_strlen (valid, -1) > MAX_BODY_CHARS)
    {
      g_autofree char *head = g_utf8_substring (valid, 0, MAX_BODY_CHARS);

      cut = g_strconcat (head, "…", NULL);
    }
  else
    {
      cut = g_steal_pointer (&valid);
    }

  if (has_cap (self, "body-markup"))
    return g_markup_escape_text (cut, -1);
  return g_steal_pointer (&cut);
}

static NotifyNotification *
new_notification (Alert *alert)
{
  NotifyNotification *notification = notify_notification_new ("", NULL, APP_ID);

  notify_notification_set_hint (notification, "desktop-entry", g_variant_new_string (APP_ID));
  g_signal_connect (notification, "closed", G_CALLBACK (closed_cb), alert);
  return notification;
}

static void
show (TdAlerts *self,
      Alert    *alert)
{
  g_autoptr(GError) error = NULL;

  if (notify_notification_show (alert->notification, &error))
    {
      alert->open = TRUE;
      self->notifications_work = TRUE;
    }
  else
    {
      g_debug ("notification not shown: %s", error->message);
      alert->open = FALSE;
      self->notifications_work = FALSE;
    }
}

static void
td_alerts_dispose (GObject *object)
{
  TdAlerts *self = TD_ALERTS (object);

  g_clear_pointer (&self->conversations, g_hash_table_unref);
  g_clear_pointer (&self->reminders, g_hash_table_unref);
  g_clear_pointer (&self->alerted, g_hash_table_unref);
  if (self->replied_id != 0 && self->bus != NULL)
    g_dbus_connection_signal_unsubscribe (self->bus, self->replied_id);
  self->replied_id = 0;
  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  g_clear_pointer (&self->caps, g_hash_table_unref);
  g_clear_object (&self->bus);
  g_clear_pointer (&self->own_ca, ca_context_destroy);

  G_OBJECT_CLASS (td_alerts_parent_class)->dispose (object);
}

static void
td_alerts_class_init (TdAlertsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_alerts_dispose;

  /* The user clicked a message notification or its "Open" button. */
  signals[SIGNAL_OPEN] =
    g_signal_new ("open", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* Inline reply: @text is the reply.  The "Reply" button of a server
   * without inline reply: @text is NULL, open the conversation ready to
   * type. */
  signals[SIGNAL_REPLY] =
    g_signal_new ("reply", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[SIGNAL_OPEN_REMINDER] =
    g_signal_new ("open-reminder", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* A button of a reminder notification: "open-link", "done", "snooze". */
  signals[SIGNAL_REMINDER_ACTION] =
    g_signal_new ("reminder-action", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
td_alerts_init (TdAlerts *self)
{
  g_autoptr(GError) error = NULL;

  if (!notify_is_initted ())
    notify_init ("Tidings");

  self->sounds = TRUE;
  self->notifications = TRUE;
  self->notifications_work = TRUE;
  self->last_sound_result = CA_SUCCESS;
  self->conversations = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                               (GDestroyNotify) alert_free);
  self->reminders = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) alert_free);
  self->alerted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  self->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (self->bus == NULL)
    {
      g_debug ("no session bus: %s", error->message);
      return;
    }
  self->replied_id =
    g_dbus_connection_signal_subscribe (self->bus, NOTIFY_NAME, NOTIFY_IFACE,
                                        "NotificationReplied", NOTIFY_PATH, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE, replied_cb, self, NULL);
  self->watch_id =
    g_bus_watch_name_on_connection (self->bus, NOTIFY_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                    forget_caps_cb, server_vanished_cb, self, NULL);
}

TdAlerts *
td_alerts_new (void)
{
  return g_object_new (TD_TYPE_ALERTS, NULL);
}

void
td_alerts_message (TdAlerts   *self,
                   const char *conversation,
                   const char *sender_name,
                   const char *text)
{
  Alert *alert;
  gint64 now;
  gboolean sound;
  g_autofree char *body = NULL;
  g_autofree char *summary = NULL;

  g_return_if_fail (TD_IS_ALERTS (self));
  g_return_if_fail (conversation != NULL);

  if (self->muted || (!self->sounds && !self->notifications))
    return;

  alert = lookup_alert (self, self->conversations, conversation, FALSE);
  now = g_get_monotonic_time ();
  sound = self->sounds && (alert->last_sound_us == 0 || now - alert->last_sound_us >= SOUND_QUIET_US);
  if (sound)
    alert->last_sound_us = now;

  if (!self->notifications)
    {
      handle_sound (self, NULL, sound, TD_ALERTS_SOUND_MESSAGE, _("New message"));
      return;
    }

  if (!alert->open)
    {
      if (alert->notification != NULL)
        {
          g_signal_handlers_disconnect_by_data (alert->notification, alert);
          notify_notification_clear_actions (alert->notification);
          g_clear_object (&alert->notification);
        }
      alert->count = 0;
      alert->notification = new_notification (alert);
    }
  alert->count++;

  summary = g_utf8_make_valid (sender_name != NULL && *sender_name != '\0' ? sender_name : _("New message"), -1);
  if (alert->count > 1)
    {
      g_autofree char *count = g_strdup_printf (ngettext ("%u new message", "%u new messages",
                                                          alert->count), alert->count);
      g_autofree char *latest = plain_body (self, text);

      body = g_strdup_printf ("%s\n%s", count, latest);
    }
  else
    {
      body = plain_body (self, text);
    }

  notify_notification_update (alert->notification, summary, body, APP_ID);
  notify_notification_set_category (alert->notification, "im.received");
  notify_notification_set_urgency (alert->notification, NOTIFY_URGENCY_NORMAL);

  notify_notification_clear_actions (alert->notification);
  notify_notification_add_action (alert->notification, "default", _("Open"), action_cb, alert, NULL);
  notify_notification_add_action (alert->notification, "open", _("Open"), action_cb, alert, NULL);
  if (has_cap (self, "inline-reply"))
    {
      notify_notification_add_action (alert->notification, "inline-reply", _("Reply"),
                                      action_cb, alert, NULL);
      notify_notification_set_hint (alert->notification, "x-kde-reply-placeholder-text",
                                    g_variant_new_string (_("Write a reply…")));
    }
  else
    {
      notify_notification_add_action (alert->notification, "reply", _("Reply"), action_cb, alert, NULL);
    }

  handle_sound (self, alert->notification, sound, TD_ALERTS_SOUND_MESSAGE, _("New message"));
  show (self, alert);
}

void
td_alerts_reminder (TdAlerts   *self,
                    const char *id,
                    const char *title,
                    const char *body,
                    gboolean    has_link,
                    gboolean    urgent)
{
  Alert *alert;
  g_autofree char *summary = NULL;
  g_autofree char *plain = NULL;
  gboolean show_it;
  gboolean sound;
  const char *event_id = urgent ? TD_ALERTS_SOUND_REMINDER_URGENT : TD_ALERTS_SOUND_REMINDER;

  g_return_if_fail (TD_IS_ALERTS (self));
  g_return_if_fail (id != NULL);

  if (g_hash_table_contains (self->alerted, id))
    return;
  g_hash_table_add (self->alerted, g_strdup (id));

  /* Urgent reminders get through mute and the notification switch, like
   * critical notifications under GNOME's "do not disturb"; never with a
   * sound when muted. */
  sound = !self->muted && self->sounds;
  show_it = urgent || (!self->muted && self->notifications);
  if (!show_it)
    {
      if (sound)
        play_sound (self, event_id, _("Reminder"));
      return;
    }

  alert = lookup_alert (self, self->reminders, id, TRUE);
  if (alert->notification == NULL)
    alert->notification = new_notification (alert);

  summary = g_utf8_make_valid (title != NULL && *title != '\0' ? title : _("Reminder"), -1);
  plain = plain_body (self, body);
  notify_notification_update (alert->notification, summary, plain, APP_ID);
  notify_notification_set_category (alert->notification, "x-tidings.reminder");
  notify_notification_set_urgency (alert->notification,
                                   urgent ? NOTIFY_URGENCY_CRITICAL : NOTIFY_URGENCY_NORMAL);
  notify_notification_set_timeout (alert->notification,
                                   urgent ? NOTIFY_EXPIRES_NEVER : NOTIFY_EXPIRES_DEFAULT);
  /* Servers that honour "resident" keep it after an action, so an urgent
   * one goes only when the reminder is handled (td_alerts_withdraw_reminder). */
  notify_notification_set_hint (alert->notification, "resident",
                                urgent ? g_variant_new_boolean (TRUE) : NULL);
  notify_notification_clear_actions (alert->notification);
  notify_notification_add_action (alert->notification, "default", _("Open"), action_cb, alert, NULL);
  if (has_link)
    notify_notification_add_action (alert->notification, "open-link", _("Open Link"), action_cb, alert, NULL);
  notify_notification_add_action (alert->notification, "done", _("Done"), action_cb, alert, NULL);
  notify_notification_add_action (alert->notification, "snooze", _("Snooze"), action_cb, alert, NULL);

  handle_sound (self, alert->notification, sound, event_id, _("Reminder"));
  show (self, alert);
}

void
td_alerts_withdraw_reminder (TdAlerts   *self,
                             const char *id)
{
  Alert *alert;

  g_return_if_fail (TD_IS_ALERTS (self));
  g_return_if_fail (id != NULL);

  alert = g_hash_table_lookup (self->reminders, id);
  if (alert == NULL)
    return;
  if (alert->notification != NULL && alert->open)
    {
      g_autoptr(GError) error = NULL;

      if (!notify_notification_close (alert->notification, &error))
        g_debug ("could not close a notification: %s", error->message);
    }
  g_hash_table_remove (self->reminders, id);
}

void
td_alerts_withdraw (TdAlerts   *self,
                    const char *conversation)
{
  Alert *alert;

  g_return_if_fail (TD_IS_ALERTS (self));
  g_return_if_fail (conversation != NULL);

  alert = g_hash_table_lookup (self->conversations, conversation);
  if (alert == NULL)
    return;

  if (alert->notification != NULL && alert->open)
    {
      g_autoptr(GError) error = NULL;

      if (!notify_notification_close (alert->notification, &error))
        g_debug ("could not close a notification: %s", error->message);
    }
  g_hash_table_remove (self->conversations, conversation);
}

void
td_alerts_set_muted (TdAlerts *self,
                     gboolean  muted)
{
  g_return_if_fail (TD_IS_ALERTS (self));

  self->muted = !!muted;
}

void
td_alerts_set_sounds (TdAlerts *self,
                      gboolean  enabled)
{
  g_return_if_fail (TD_IS_ALERTS (self));

  self->sounds = !!enabled;
}

void
td_alerts_set_notifications (TdAlerts *self,
                             gboolean  enabled)
{
  g_return_if_fail (TD_IS_ALERTS (self));

  self->notifications = !!enabled;
}

gboolean
td_alerts_get_notifications_work (TdAlerts *self)
{
  g_return_val_if_fail (TD_IS_ALERTS (self), FALSE);

  return self->notifications_work;
}

int
td_alerts_get_last_sound_result (TdAlerts *self)
{
  g_return_val_if_fail (TD_IS_ALERTS (self), CA_ERROR_INVALID);

  return self->last_sound_result;
}
