/* td-tray.c - the Tidings icon in the system tray.
 *
 * libayatana-appindicator3 exports a StatusNotifierItem when a
 * org.kde.StatusNotifierWatcher exists and otherwise creates an XEmbed
 * GtkStatusIcon by itself.  Its public API does not hand out that status
 * icon, so TdTrayIndicator, a private subclass, overrides the documented
 * fallback/unfallback class functions: it chains up, keeps a pointer to the
 * icon (to ask gtk_status_icon_is_embedded() and to set a tooltip) and
 * turns the icon's left click into our "activate" instead of libayatana's
 * menu popup (the menu stays on the right click).
 *
 * Whether anybody shows the icon is decided on a ~1 s timer after start
 * and after every change of the tray situation: an SNI host is there when
 * the watcher answers IsStatusNotifierHostRegistered = TRUE (a Get with
 * NO_AUTO_START fails when the name has no owner, so it also stands for
 * NameHasOwner); an XEmbed tray is there when the fallback icon is
 * embedded.
 */
#define G_LOG_DOMAIN "td-tray"

#include "config.h"

#include <glib/gi18n.h>
#include <libayatana-appindicator/app-indicator.h>

#include "td-contact.h"
#include "td-tray.h"

#define BLINK_INTERVAL_MS   500
#define DECIDE_DELAY_MS     1000

#define WATCHER_NAME        "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH        "/StatusNotifierWatcher"
#define WATCHER_IFACE       "org.kde.StatusNotifierWatcher"

/* ---- TdTrayIndicator: an AppIndicator that tells us about its fallback -- */

typedef struct
{
  AppIndicator  parent_instance;
  TdTray       *tray;   /* not owned; cleared by the tray before it goes */
} TdTrayIndicator;

typedef struct
{
  AppIndicatorClass parent_class;
} TdTrayIndicatorClass;

static GType td_tray_indicator_get_type (void) G_GNUC_CONST;
G_DEFINE_TYPE (TdTrayIndicator, td_tray_indicator, APP_INDICATOR_TYPE)

static void tray_adopt_status_icon (TdTray *self, GtkStatusIcon *icon);
static void tray_drop_status_icon  (TdTray *self, GtkStatusIcon *icon);

static GtkStatusIcon *
td_tray_indicator_fallback (AppIndicator *indicator)
{
  TdTrayIndicator *self = (TdTrayIndicator *) indicator;
  GtkStatusIcon *icon;

  icon = APP_INDICATOR_CLASS (td_tray_indicator_parent_class)->fallback (indicator);
  if (icon != NULL && self->tray != NULL)
    tray_adopt_status_icon (self->tray, icon);
  return icon;
}

static void
td_tray_indicator_unfallback (AppIndicator  *indicator,
                              GtkStatusIcon *icon)
{
  TdTrayIndicator *self = (TdTrayIndicator *) indicator;

  if (self->tray != NULL)
    tray_drop_status_icon (self->tray, icon);
  APP_INDICATOR_CLASS (td_tray_indicator_parent_class)->unfallback (indicator, icon);
}

static void
td_tray_indicator_class_init (TdTrayIndicatorClass *klass)
{
  AppIndicatorClass *indicator_class = APP_INDICATOR_CLASS (klass);

  indicator_class->fallback = td_tray_indicator_fallback;
  indicator_class->unfallback = td_tray_indicator_unfallback;
}

static void
td_tray_indicator_init (TdTrayIndicator *self)
{
}

/* ---- TdTray -------------------------------------------------------------- */

/* Radio items of the status menu, in menu order. */
static const TdPresence menu_statuses[] = {
  TD_PRESENCE_ONLINE, TD_PRESENCE_AWAY, TD_PRESENCE_BUSY,
};
#define N_MENU_STATUSES G_N_ELEMENTS (menu_statuses)

struct _TdTray
{
  GObject          parent_instance;

  AppIndicator    *indicator;       /* a TdTrayIndicator */
  GtkStatusIcon   *status_icon;     /* libayatana's fallback while it exists; not owned */
  GtkWidget       *menu;            /* owned (ref_sink) */
  GtkWidget       *open_item;
  GtkWidget       *status_items[N_MENU_STATUSES];
  GtkWidget       *offline_item;    /* hidden radio item: "none of the above" */
  GtkWidget       *mute_item;
  GtkWidget       *quit_item;

  GDBusConnection *bus;
  GCancellable    *cancellable;
  guint            host_registered_id;

  gboolean         online;
  gboolean         muted;
  TdPresence       status;
  guint            unread;
  char            *tooltip;

  guint            blink_id;
  gboolean         blink_phase;     /* TRUE: the "new message" icon is shown */

  guint            decide_id;
  gboolean         available;
  gboolean         available_known;
};

G_DEFINE_FINAL_TYPE (TdTray, td_tray, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_AVAILABLE,
  PROP_BLINKING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_ACTIVATE,
  SIGNAL_STATUS_REQUESTED,
  SIGNAL_MUTE_TOGGLED,
  SIGNAL_QUIT_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_available (TdTray   *self,
               gboolean  available)
{
  gboolean first = !self->available_known;

  self->available_known = TRUE;
  if (first || self->available != available)
    {
      self->available = available;
      g_debug ("tray %s", available ? "shown" : "not shown by anybody");
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AVAILABLE]);
    }
}

static gboolean
status_icon_embedded (TdTray *self)
{
  gboolean embedded;

  if (self->status_icon == NULL)
    return FALSE;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  embedded = gtk_status_icon_is_embedded (self->status_icon);
  G_GNUC_END_IGNORE_DEPRECATIONS
  return embedded;
}

static void
host_registered_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  TdTray *self = user_data;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GError) error = NULL;
  gboolean host = FALSE;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* @self may be gone */

  if (reply != NULL)
    {
      g_variant_get (reply, "(v)", &value);
      if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
        host = g_variant_get_boolean (value);
    }
  else
    {
      g_debug ("no StatusNotifierWatcher: %s", error->message);
    }

  set_available (self, host || status_icon_embedded (self));
}

static gboolean
decide_cb (gpointer user_data)
{
  TdTray *self = user_data;

  self->decide_id = 0;
  if (self->bus == NULL)
    {
      set_available (self, status_icon_embedded (self));
      return G_SOURCE_REMOVE;
    }

  g_dbus_connection_call (self->bus, WATCHER_NAME, WATCHER_PATH,
                          "org.freedesktop.DBus.Properties", "Get",
                          g_variant_new ("(ss)", WATCHER_IFACE,
                                         "IsStatusNotifierHostRegistered"),
                          G_VARIANT_TYPE ("(v)"),
                          G_DBUS_CALL_FLAGS_NO_AUTO_START, 2000,
                          self->cancellable, host_registered_cb, self);
  return G_SOURCE_REMOVE;
}

/* (Re)starts the decision timer: libayatana needs ~100 ms to fall back and
 * an XEmbed tray some more to embed the icon. */
static void
schedule_decision (TdTray *self)
{
  g_clear_handle_id (&self->decide_id, g_source_remove);
  self->decide_id = g_timeout_add (DECIDE_DELAY_MS, decide_cb, self);
}

static void
embedded_changed_cb (GObject    *icon,
                     GParamSpec *pspec,
                     gpointer    user_data)
{
  TdTray *self = user_data;

  /* Losing the tray is known at once; gaining it is confirmed by the timer. */
  if (!status_icon_embedded (self))
    schedule_decision (self);
  else if (self->available_known)
    set_available (self, TRUE);
}

static void
connection_changed_cb (AppIndicator *indicator,
                       gboolean      connected,
                       gpointer      user_data)
{
  schedule_decision (TD_TRAY (user_data));
}

static void
watcher_signal_cb (GDBusConnection *connection,
                   const char      *sender,
                   const char      *path,
                   const char      *iface,
                   const char      *member,
                   GVariant        *parameters,
                   gpointer         user_data)
{
  schedule_decision (TD_TRAY (user_data));
}

static void
status_icon_activate_cb (GtkStatusIcon *icon,
                         gpointer       user_data)
{
  g_signal_emit (user_data, signals[SIGNAL_ACTIVATE], 0);
}

static void
update_tooltip (TdTray *self)
{
  const char *text = self->unread > 0 && self->tooltip != NULL ? self->tooltip : _("Tidings");

  /* SNI hosts show the Title as tooltip (libayatana has no ToolTip property). */
  app_indicator_set_title (self->indicator, text);
  if (self->status_icon != NULL)
    {
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      gtk_status_icon_set_tooltip_text (self->status_icon, text);
      G_GNUC_END_IGNORE_DEPRECATIONS
    }
}

static void
tray_adopt_status_icon (TdTray        *self,
                        GtkStatusIcon *icon)
{
  guint activate_id = g_signal_lookup ("activate", GTK_TYPE_STATUS_ICON);

  self->status_icon = icon;
  /* libayatana pops the menu up on a left click; we open Tidings instead. */
  g_signal_handlers_disconnect_matched (icon, G_SIGNAL_MATCH_ID | G_SIGNAL_MATCH_DATA,
                                        activate_id, 0, NULL, NULL, self->indicator);
  g_signal_connect (icon, "activate", G_CALLBACK (status_icon_activate_cb), self);
  g_signal_connect (icon, "notify::embedded", G_CALLBACK (embedded_changed_cb), self);
  update_tooltip (self);
  schedule_decision (self);
}

static void
tray_drop_status_icon (TdTray        *self,
                       GtkStatusIcon *icon)
{
  g_signal_handlers_disconnect_by_data (icon, self);
  if (self->status_icon == icon)
    self->status_icon = NULL;
  schedule_decision (self);
}

static const char *
normal_icon_name (TdTray *self)
{
  return self->online ? TD_TRAY_ICON_NAME : TD_TRAY_ICON_NAME_OFFLINE;
}

static void
update_icons (TdTray *self)
{
  const char *desc = self->online ? _("Tidings") : _("Tidings (offline)");

  app_indicator_set_icon_full (self->indicator, normal_icon_name (self), desc);
  /* While blinking, the attention icon alternates between the "new" icon
   * and the normal one; SNI hosts and libayatana's status icon both follow
   * NewAttentionIcon. */
  app_indicator_set_attention_icon_full (self->indicator,
                                         self->blink_phase || self->blink_id == 0
                                           ? TD_TRAY_ICON_NAME_NEW
                                           : normal_icon_name (self),
                                         self->tooltip != NULL ? self->tooltip : _("New messages"));
}

static gboolean
blink_cb (gpointer user_data)
{
  TdTray *self = user_data;

  self->blink_phase = !self->blink_phase;
  update_icons (self);
  return G_SOURCE_CONTINUE;
}

static void
menu_activate_cb (GtkMenuItem *item,
                  gpointer     user_data)
{
  TdTray *self = user_data;

  if (GTK_WIDGET (item) == self->open_item)
    g_signal_emit (self, signals[SIGNAL_ACTIVATE], 0);
  else if (GTK_WIDGET (item) == self->quit_item)
    g_signal_emit (self, signals[SIGNAL_QUIT_REQUESTED], 0);
}

static void
status_toggled_cb (GtkCheckMenuItem *item,
                   gpointer          user_data)
{
  TdTray *self = user_data;
  TdPresence status = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (item), "td-presence"));

  /* Each click toggles two radio items; only the newly active one counts. */
  if (!gtk_check_menu_item_get_active (item))
    return;
  self->status = status;
  g_signal_emit (self, signals[SIGNAL_STATUS_REQUESTED], 0, status);
}

static void
mute_toggled_cb (GtkCheckMenuItem *item,
                 gpointer          user_data)
{
  TdTray *self = user_data;

  self->muted = gtk_check_menu_item_get_active (item);
  g_signal_emit (self, signals[SIGNAL_MUTE_TOGGLED], 0, self->muted);
}

static const char *
status_label (TdPresence status)
{
  return td_presence_get_label (status);
}

static void
set_accessible_name (GtkWidget  *widget,
                     const char *name)
{
  AtkObject *accessible = gtk_widget_get_accessible (widget);

  if (accessible != NULL)
    atk_object_set_name (accessible, name);
}

static GtkWidget *
append_item (TdTray     *self,
             GtkWidget  *item,
             const char *accessible_name)
{
  set_accessible_name (item, accessible_name);
  gtk_widget_show (item);
  gtk_menu_shell_append (GTK_MENU_SHELL (self->menu), item);
  return item;
}

static void
append_separator (TdTray *self)
{
  GtkWidget *separator = gtk_separator_menu_item_new ();

  gtk_widget_show (separator);
  gtk_menu_shell_append (GTK_MENU_SHELL (self->menu), separator);
}

static void
build_menu (TdTray *self)
{
  GSList *group = NULL;

  self->menu = g_object_ref_sink (gtk_menu_new ());
  set_accessible_name (self->menu, _("Tidings"));

  self->open_item = append_item (self, gtk_menu_item_new_with_mnemonic (_("_Open Tidings")),
                                 _("Open Tidings"));
  g_signal_connect (self->open_item, "activate", G_CALLBACK (menu_activate_cb), self);
  append_separator (self);

  /* A hidden member of the radio group stands for "offline": GTK never
   * lets every item of a radio group be inactive. */
  self->offline_item = gtk_radio_menu_item_new_with_label (NULL, status_label (TD_PRESENCE_OFFLINE));
  group = gtk_radio_menu_item_get_group (GTK_RADIO_MENU_ITEM (self->offline_item));
  g_object_set_data (G_OBJECT (self->offline_item), "td-presence",
                     GINT_TO_POINTER (TD_PRESENCE_OFFLINE));
  gtk_widget_set_no_show_all (self->offline_item, TRUE);
  gtk_menu_shell_append (GTK_MENU_SHELL (self->menu), self->offline_item);

  for (guint i = 0; i < N_MENU_STATUSES; i++)
    {
      g_autofree char *accessible = g_strdup_printf (_("Set my status to %s"),
                                                      status_label (menu_statuses[i]));
      GtkWidget *item = gtk_radio_menu_item_new_with_label (group, status_label (menu_statuses[i]));

      group = gtk_radio_menu_item_get_group (GTK_RADIO_MENU_ITEM (item));
      g_object_set_data (G_OBJECT (item), "td-presence", GINT_TO_POINTER (menu_statuses[i]));
      self->status_items[i] = append_item (self, item, accessible);
      g_signal_connect (item, "toggled", G_CALLBACK (status_toggled_cb), self);
    }
  append_separator (self);

  self->mute_item = append_item (self,
                                 gtk_check_menu_item_new_with_mnemonic (_("_Mute sounds and notifications")),
                                 _("Mute sounds and notifications"));
  g_signal_connect (self->mute_item, "toggled", G_CALLBACK (mute_toggled_cb), self);
  append_separator (self);

  self->quit_item = append_item (self, gtk_menu_item_new_with_mnemonic (_("_Quit")), _("Quit Tidings"));
  g_signal_connect (self->quit_item, "activate", G_CALLBACK (menu_activate_cb), self);
}

static void
td_tray_dispose (GObject *object)
{
  TdTray *self = TD_TRAY (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->blink_id, g_source_remove);
  g_clear_handle_id (&self->decide_id, g_source_remove);
  if (self->host_registered_id != 0 && self->bus != NULL)
    g_dbus_connection_signal_unsubscribe (self->bus, self->host_registered_id);
  self->host_registered_id = 0;

  if (self->indicator != NULL)
    {
      if (self->status_icon != NULL)
        g_signal_handlers_disconnect_by_data (self->status_icon, self);
      self->status_icon = NULL;
      ((TdTrayIndicator *) self->indicator)->tray = NULL;
      g_signal_handlers_disconnect_by_data (self->indicator, self);
      /* libayatana warns when finalised in any other status. */
      app_indicator_set_status (self->indicator, APP_INDICATOR_STATUS_PASSIVE);
      g_clear_object (&self->indicator);
    }
  if (self->menu != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->open_item, self);
      g_signal_handlers_disconnect_by_data (self->quit_item, self);
      g_signal_handlers_disconnect_by_data (self->mute_item, self);
      for (guint i = 0; i < N_MENU_STATUSES; i++)
        g_signal_handlers_disconnect_by_data (self->status_items[i], self);
      gtk_widget_destroy (self->menu);
      g_clear_object (&self->menu);
    }
  g_clear_object (&self->bus);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (td_tray_parent_class)->dispose (object);
}

static void
td_tray_finalize (GObject *object)
{
  TdTray *self = TD_TRAY (object);

  g_free (self->tooltip);

  G_OBJECT_CLASS (td_tray_parent_class)->finalize (object);
}

static void
td_tray_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  TdTray *self = TD_TRAY (object);

  switch (prop_id)
    {
    case PROP_AVAILABLE:
      g_value_set_boolean (value, self->available);
      break;
    case PROP_BLINKING:
      g_value_set_boolean (value, td_tray_get_blinking (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_tray_class_init (TdTrayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_tray_dispose;
  object_class->finalize = td_tray_finalize;
  object_class->get_property = td_tray_get_property;

  properties[PROP_AVAILABLE] =
    g_param_spec_boolean ("available", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BLINKING] =
    g_param_spec_boolean ("blinking", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_ACTIVATE] =
    g_signal_new ("activate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_STATUS_REQUESTED] =
    g_signal_new ("status-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_MUTE_TOGGLED] =
    g_signal_new ("mute-toggled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
  signals[SIGNAL_QUIT_REQUESTED] =
    g_signal_new ("quit-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
td_tray_init (TdTray *self)
{
  g_autoptr(GError) error = NULL;

  self->online = TRUE;
  self->status = TD_PRESENCE_OFFLINE;
  self->cancellable = g_cancellable_new ();

  self->bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  if (self->bus == NULL)
    g_debug ("no session bus, only an XEmbed tray can show the icon: %s", error->message);
  else
    self->host_registered_id =
      g_dbus_connection_signal_subscribe (self->bus, WATCHER_NAME, WATCHER_IFACE,
                                          NULL, WATCHER_PATH, NULL,
                                          G_DBUS_SIGNAL_FLAGS_NONE,
                                          watcher_signal_cb, self, NULL);

  build_menu (self);

  self->indicator = g_object_new (td_tray_indicator_get_type (),
                                  "id", APP_ID,
                                  "category", "Communications",
                                  "icon-name", TD_TRAY_ICON_NAME,
                                  NULL);
  ((TdTrayIndicator *) self->indicator)->tray = self;
  g_signal_connect (self->indicator, "connection-changed", G_CALLBACK (connection_changed_cb), self);

  update_icons (self);
  update_tooltip (self);
  app_indicator_set_menu (self->indicator, GTK_MENU (self->menu));
  /* Middle click on an SNI icon (SecondaryActivate) opens Tidings. */
  app_indicator_set_secondary_activate_target (self->indicator, self->open_item);
  app_indicator_set_status (self->indicator, APP_INDICATOR_STATUS_ACTIVE);
  td_tray_set_status (self, TD_PRESENCE_OFFLINE);

  schedule_decision (self);
}

TdTray *
td_tray_new (void)
{
  return g_object_new (TD_TYPE_TRAY, NULL);
}

void
td_tray_set_online (TdTray   *self,
                    gboolean  online)
{
  g_return_if_fail (TD_IS_TRAY (self));

  self->online = !!online;
  update_icons (self);
}

void
td_tray_set_unread (TdTray     *self,
                    guint       unread,
                    const char *tooltip)
{
  gboolean was_blinking;

  g_return_if_fail (TD_IS_TRAY (self));

  was_blinking = td_tray_get_blinking (self);
  self->unread = unread;
  g_free (self->tooltip);
  self->tooltip = unread > 0 ? g_strdup (tooltip) : NULL;

  if (unread > 0 && self->blink_id == 0)
    {
      self->blink_phase = TRUE;
      self->blink_id = g_timeout_add (BLINK_INTERVAL_MS, blink_cb, self);
    }
  else if (unread == 0)
    {
      g_clear_handle_id (&self->blink_id, g_source_remove);
      self->blink_phase = FALSE;
    }

  update_icons (self);
  update_tooltip (self);
  app_indicator_set_status (self->indicator,
                            unread > 0 ? APP_INDICATOR_STATUS_ATTENTION
                                       : APP_INDICATOR_STATUS_ACTIVE);

  if (was_blinking != td_tray_get_blinking (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BLINKING]);
}

void
td_tray_set_muted (TdTray   *self,
                   gboolean  muted)
{
  g_return_if_fail (TD_IS_TRAY (self));

  self->muted = !!muted;
  g_signal_handlers_block_by_func (self->mute_item, mute_toggled_cb, self);
  gtk_check_menu_item_set_active (GTK_CHECK_MENU_ITEM (self->mute_item), self->muted);
  g_signal_handlers_unblock_by_func (self->mute_item, mute_toggled_cb, self);
}

void
td_tray_set_status (TdTray     *self,
                    TdPresence  status)
{
  GtkWidget *target;

  g_return_if_fail (TD_IS_TRAY (self));

  target = self->offline_item;
  for (guint i = 0; i < N_MENU_STATUSES; i++)
    if (menu_statuses[i] == status)
      target = self->status_items[i];

  self->status = status;
  for (guint i = 0; i < N_MENU_STATUSES; i++)
    g_signal_handlers_block_by_func (self->status_items[i], status_toggled_cb, self);
  gtk_check_menu_item_set_active (GTK_CHECK_MENU_ITEM (target), TRUE);
  for (guint i = 0; i < N_MENU_STATUSES; i++)
    g_signal_handlers_unblock_by_func (self->status_items[i], status_toggled_cb, self);
}

gboolean
td_tray_get_available (TdTray *self)
{
  g_return_val_if_fail (TD_IS_TRAY (self), FALSE);

  return self->available;
}

gboolean
td_tray_get_blinking (TdTray *self)
{
  g_return_val_if_fail (TD_IS_TRAY (self), FALSE);

  return self->blink_id != 0;
}

GtkMenu *
td_tray_get_menu (TdTray *self)
{
  g_return_val_if_fail (TD_IS_TRAY (self), NULL);

  return GTK_MENU (self->menu);
}
