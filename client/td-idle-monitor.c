/* td-idle-monitor.c - idle detection through the desktop's idle services,
 * with the application's own input as the last resort.
 */
#define G_LOG_DOMAIN "td-idle-monitor"

#include "td-idle-monitor.h"

#define POLL_SECONDS 30

typedef enum {
  SOURCE_UNKNOWN,
  SOURCE_MUTTER,
  SOURCE_SCREENSAVER,
  SOURCE_SELF,
} IdleSource;

struct _TdIdleMonitor
{
  GObject          parent_instance;

  GDBusConnection *bus;
  GCancellable    *cancellable;
  IdleSource       source;
  guint            threshold_s;
  gint64           last_activity_us;  /* monotonic */
  guint            poll_id;
  gboolean         idle;
};

G_DEFINE_TYPE (TdIdleMonitor, td_idle_monitor, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_IDLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_idle (TdIdleMonitor *self,
          gboolean       idle)
{
  if (self->idle == idle)
    return;
  self->idle = idle;
  g_debug ("User is %s", idle ? "idle" : "active");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE]);
}

static void
apply_idle_ms (TdIdleMonitor *self,
               guint64        idle_ms)
{
  set_idle (self, self->threshold_s > 0 && idle_ms >= (guint64) self->threshold_s * 1000);
}

static void
apply_self (TdIdleMonitor *self)
{
  apply_idle_ms (self, (g_get_monotonic_time () - self->last_activity_us) / 1000);
}

static void query (TdIdleMonitor *self);

static void
screensaver_done_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(TdIdleMonitor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  guint32 idle_s = 0;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply == NULL)
    {
      g_debug ("No ScreenSaver idle time, using own input: %s", error->message);
      self->source = SOURCE_SELF;
      apply_self (self);
      return;
    }
  self->source = SOURCE_SCREENSAVER;
  /* The freedesktop specification says seconds. */
  g_variant_get (reply, "(u)", &idle_s);
  apply_idle_ms (self, (guint64) idle_s * 1000);
}

static void
query_screensaver (TdIdleMonitor *self)
{
  g_dbus_connection_call (self->bus, "org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver",
                          "org.freedesktop.ScreenSaver", "GetSessionIdleTime", NULL,
                          G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 2000,
                          self->cancellable, screensaver_done_cb, g_object_ref (self));
}

static void
mutter_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TdIdleMonitor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  guint64 idle_ms = 0;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply == NULL)
    {
      query_screensaver (self);
      return;
    }
  self->source = SOURCE_MUTTER;
  g_variant_get (reply, "(t)", &idle_ms);
  apply_idle_ms (self, idle_ms);
}

static void
query (TdIdleMonitor *self)
{
  if (self->bus == NULL || self->source == SOURCE_SELF)
    {
      apply_self (self);
      return;
    }
  if (self->source == SOURCE_SCREENSAVER)
    {
      query_screensaver (self);
      return;
    }
  g_dbus_connection_call (self->bus, "org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core",
                          "org.gnome.Mutter.IdleMonitor", "GetIdletime", NULL,
                          G_VARIANT_TYPE ("(t)"), G_DBUS_CALL_FLAGS_NO_AUTO_START, 2000,
                          self->cancellable, mutter_done_cb, g_object_ref (self));
}

static gboolean
poll_cb (gpointer user_data)
{
  query (user_data);
  return G_SOURCE_CONTINUE;
}

static void
td_idle_monitor_dispose (GObject *object)
{
  TdIdleMonitor *self = TD_IDLE_MONITOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->bus);
  G_OBJECT_CLASS (td_idle_monitor_parent_class)->dispose (object);
}

static void
td_idle_monitor_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TdIdleMonitor *self = TD_IDLE_MONITOR (object);

  switch (prop_id)
    {
    case PROP_IDLE:
      g_value_set_boolean (value, self->idle);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_idle_monitor_class_init (TdIdleMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_idle_monitor_dispose;
  object_class->get_property = td_idle_monitor_get_property;

  properties[PROP_IDLE] =
    g_param_spec_boolean ("idle", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
td_idle_monitor_init (TdIdleMonitor *self)
{
  g_autoptr(GError) error = NULL;

  self->cancellable = g_cancellable_new ();
  self->last_activity_us = g_get_monotonic_time ();
  self->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (self->bus == NULL)
    g_debug ("No session bus, idle time from own input: %s", error->message);
  self->poll_id = g_timeout_add_seconds (POLL_SECONDS, poll_cb, self);
}

TdIdleMonitor *
td_idle_monitor_new (void)
{
  return g_object_new (TD_TYPE_IDLE_MONITOR, NULL);
}

void
td_idle_monitor_set_threshold (TdIdleMonitor *self,
                               guint          seconds)
{
  g_return_if_fail (TD_IS_IDLE_MONITOR (self));

  self->threshold_s = seconds;
  if (seconds == 0)
    set_idle (self, FALSE);
}

gboolean
td_idle_monitor_get_idle (TdIdleMonitor *self)
{
  g_return_val_if_fail (TD_IS_IDLE_MONITOR (self), FALSE);

  return self->idle;
}

void
td_idle_monitor_note_activity (TdIdleMonitor *self)
{
  g_return_if_fail (TD_IS_IDLE_MONITOR (self));

  self->last_activity_us = g_get_monotonic_time ();
  /* Input in our own window proves the user is back, whatever the desktop
   * service will say at the next poll. */
  set_idle (self, FALSE);
}

void
td_idle_monitor_poll (TdIdleMonitor *self)
{
  g_return_if_fail (TD_IS_IDLE_MONITOR (self));

  query (self);
}
