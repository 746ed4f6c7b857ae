/* test-tray.c - TdTray with no tray at all, and with a StatusNotifierWatcher
 * (python3-dbusmock with the watcher's methods and properties) on a private
 * bus: the real libayatana item is read back over D-Bus.
 *
 * Run under build-aux/xvfb-session.sh (GTK needs a display).
 */
#define G_LOG_DOMAIN "test-tray"

#include <gtk/gtk.h>

#include "td-tray.h"
#include "td-desktop-test-util.h"

#define WATCHER_NAME   "org.kde.StatusNotifierWatcher"
#define WATCHER_PATH   "/StatusNotifierWatcher"
#define WATCHER_IFACE  "org.kde.StatusNotifierWatcher"
#define ITEM_IFACE     "org.kde.StatusNotifierItem"
#define ITEM_PATH      "/org/ayatana/NotificationItem/org_tidings_Tidings"

typedef struct
{
  GSubprocess *watcher;
  TdTray      *tray;
  gboolean     available_notified;
  guint        activated;
  guint        quit_requested;
  int          status_requested;
  int          muted;             /* -1: no signal yet */
} Fixture;

static void
available_cb (GObject *tray, GParamSpec *pspec, Fixture *f)
{
  f->available_notified = TRUE;
}

static void
activate_cb (TdTray *tray, Fixture *f)
{
  f->activated++;
}

static void
quit_cb (TdTray *tray, Fixture *f)
{
  f->quit_requested++;
}

static void
status_cb (TdTray *tray, int status, Fixture *f)
{
  f->status_requested = status;
}

static void
mute_cb (TdTray *tray, gboolean muted, Fixture *f)
{
  f->muted = muted;
}

static void
create_tray (Fixture *f)
{
  f->status_requested = -1;
  f->muted = -1;
  f->tray = td_tray_new ();
  g_signal_connect (f->tray, "notify::available", G_CALLBACK (available_cb), f);
  g_signal_connect (f->tray, "activate", G_CALLBACK (activate_cb), f);
  g_signal_connect (f->tray, "quit-requested", G_CALLBACK (quit_cb), f);
  g_signal_connect (f->tray, "status-requested", G_CALLBACK (status_cb), f);
  g_signal_connect (f->tray, "mute-toggled", G_CALLBACK (mute_cb), f);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->tray);
  td_test_dbusmock_stop (f->watcher, WATCHER_NAME);
  g_clear_object (&f->watcher);
}

static gboolean
available_known_cond (gpointer data)
{
  return ((Fixture *) data)->available_notified;
}

/* ---- reading our own item over D-Bus -------------------------------------
 * The item lives on this process's main context, so the calls must be
 * asynchronous while the main context runs. */

typedef struct
{
  GVariant *reply;
  GError   *error;
  gboolean  done;
} CallResult;

static void
call_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  CallResult *r = data;

  r->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &r->error);
  r->done = TRUE;
}

static gboolean
call_done_cond (gpointer data)
{
  return ((CallResult *) data)->done;
}

static GVariant *
call_item (const char *iface,
           const char *method,
           GVariant   *parameters)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  CallResult r = { NULL, NULL, FALSE };

  g_dbus_connection_call (bus, g_dbus_connection_get_unique_name (bus), ITEM_PATH, iface, method,
                          parameters, NULL, G_DBUS_CALL_FLAGS_NONE, 5000, NULL, call_done_cb, &r);
  g_assert_true (td_test_wait_until (call_done_cond, &r, 10000));
  g_assert_no_error (r.error);
  return r.reply;
}

static char *
item_string (const char *property)
{
  g_autoptr(GVariant) reply = call_item ("org.freedesktop.DBus.Properties", "Get",
                                         g_variant_new ("(ss)", ITEM_IFACE, property));
  g_autoptr(GVariant) value = NULL;

  g_variant_get (reply, "(v)", &value);
  return g_variant_dup_string (value, NULL);
}

typedef struct
{
  gboolean seen_new;
  gboolean seen_normal;
} BlinkSeen;

static gboolean
blink_seen_cond (gpointer data)
{
  BlinkSeen *seen = data;
  g_autofree char *icon = item_string ("AttentionIconName");

  seen->seen_new |= g_str_equal (icon, TD_TRAY_ICON_NAME_NEW);
  seen->seen_normal |= g_str_equal (icon, TD_TRAY_ICON_NAME);
  return seen->seen_new && seen->seen_normal;
}

/* ---- the menu ------------------------------------------------------------ */

static GtkWidget *
menu_item (Fixture    *f,
           const char *label)
{
  g_autoptr(GList) children = gtk_container_get_children (GTK_CONTAINER (td_tray_get_menu (f->tray)));

  for (GList *l = children; l != NULL; l = l->next)
    {
      const char *item_label = GTK_IS_MENU_ITEM (l->data) ? gtk_menu_item_get_label (l->data) : NULL;

      if (item_label != NULL && g_str_equal (item_label, label))
        return l->data;
    }
  g_error ("no menu item %s", label);
  return NULL;
}

static gboolean
is_active (Fixture *f, const char *label)
{
  return gtk_check_menu_item_get_active (GTK_CHECK_MENU_ITEM (menu_item (f, label)));
}

/* ---- tests --------------------------------------------------------------- */

static void
test_no_tray (Fixture *f, gconstpointer data)
{
  BlinkSeen seen = { FALSE, FALSE };
  g_autofree char *status = NULL;

  g_assert_false (td_test_name_has_owner (WATCHER_NAME));
  create_tray (f);
  /* Nobody shows the icon: the app is told so it keeps its window. */
  g_assert_true (td_test_wait_until (available_known_cond, f, 5000));
  g_assert_false (td_tray_get_available (f->tray));

  g_assert_false (td_tray_get_blinking (f->tray));
  td_tray_set_unread (f->tray, 2, "2 unread messages from Alice");
  g_assert_true (td_tray_get_blinking (f->tray));
  /* The item is exported even without a watcher: see the icon alternate. */
  g_assert_true (td_test_wait_until (blink_seen_cond, &seen, 5000));
  g_assert_true (td_tray_get_blinking (f->tray));
  status = item_string ("Status");
  g_assert_cmpstr (status, ==, "NeedsAttention");

  td_tray_set_unread (f->tray, 0, NULL);
  g_assert_false (td_tray_get_blinking (f->tray));
}

static void
test_menu (Fixture *f, gconstpointer data)
{
  create_tray (f);

  gtk_menu_item_activate (GTK_MENU_ITEM (menu_item (f, "_Open Tidings")));
  g_assert_cmpuint (f->activated, ==, 1);

  /* Own status comes from the app and emits nothing... */
  td_tray_set_status (f->tray, TD_PRESENCE_BUSY);
  g_assert_true (is_active (f, "Busy"));
  g_assert_false (is_active (f, "Available"));
  g_assert_cmpint (f->status_requested, ==, -1);
  td_tray_set_status (f->tray, TD_PRESENCE_OFFLINE);
  g_assert_false (is_active (f, "Busy"));
  g_assert_false (is_active (f, "Away"));
  g_assert_false (is_active (f, "Available"));
  /* ...the user's choice is a request. */
  gtk_menu_item_activate (GTK_MENU_ITEM (menu_item (f, "Away")));
  g_assert_cmpint (f->status_requested, ==, TD_PRESENCE_AWAY);
  g_assert_true (is_active (f, "Away"));
  gtk_menu_item_activate (GTK_MENU_ITEM (menu_item (f, "Available")));
  g_assert_cmpint (f->status_requested, ==, TD_PRESENCE_ONLINE);

  td_tray_set_muted (f->tray, TRUE);
  g_assert_true (is_active (f, "_Mute sounds and notifications"));
  g_assert_cmpint (f->muted, ==, -1);
  gtk_menu_item_activate (GTK_MENU_ITEM (menu_item (f, "_Mute sounds and notifications")));
  g_assert_cmpint (f->muted, ==, FALSE);
  gtk_menu_item_activate (GTK_MENU_ITEM (menu_item (f, "_Mute sounds and notifications")));
  g_assert_cmpint (f->muted, ==, TRUE);

  gtk_menu_item_activate (GTK_MENU_ITEM (menu_item (f, "_Quit")));
  g_assert_cmpuint (f->quit_requested, ==, 1);
  g_assert_cmpuint (f->activated, ==, 1);
}

static void
start_watcher (Fixture  *f,
               gboolean  host)
{
  g_autoptr(GVariant) r1 = NULL;
  g_autoptr(GVariant) r2 = NULL;
  g_autoptr(GVariant) r3 = NULL;
  g_autoptr(GVariant) r4 = NULL;

  f->watcher = td_test_dbusmock_start (WATCHER_NAME, WATCHER_NAME, WATCHER_PATH, WATCHER_IFACE, NULL);
  r1 = td_test_mock_call (WATCHER_NAME, WATCHER_PATH, "AddMethod",
                          g_variant_new ("(sssss)", WATCHER_IFACE, "RegisterStatusNotifierItem", "s", "",
                                         "self.Set('" WATCHER_IFACE "', 'RegisteredStatusNotifierItems', "
                                         "self.Get('" WATCHER_IFACE "', 'RegisteredStatusNotifierItems') + [args[0]])"));
  r2 = td_test_mock_call (WATCHER_NAME, WATCHER_PATH, "AddProperty",
                          g_variant_new ("(ssv)", WATCHER_IFACE, "IsStatusNotifierHostRegistered",
                                         g_variant_new_boolean (host)));
  r3 = td_test_mock_call (WATCHER_NAME, WATCHER_PATH, "AddProperty",
                          g_variant_new ("(ssv)", WATCHER_IFACE, "RegisteredStatusNotifierItems",
                                         g_variant_new_strv (NULL, 0)));
  r4 = td_test_mock_call (WATCHER_NAME, WATCHER_PATH, "AddProperty",
                          g_variant_new ("(ssv)", WATCHER_IFACE, "ProtocolVersion", g_variant_new_int32 (0)));
}

static gboolean
registered_cond (gpointer data)
{
  g_autoptr(GPtrArray) calls = td_test_mock_method_calls (WATCHER_NAME, WATCHER_PATH,
                                                          "RegisterStatusNotifierItem");

  return calls->len > 0;
}

static gboolean
available_cond (gpointer data)
{
  return td_tray_get_available (((Fixture *) data)->tray);
}

static void
test_status_notifier (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GVariant) path = NULL;
  g_autoptr(GVariant) boxed = NULL;
  g_autoptr(GVariant) activate_reply = NULL;
  g_autofree char *status = NULL;
  g_autofree char *title = NULL;
  g_autofree char *icon = NULL;
  BlinkSeen seen = { FALSE, FALSE };

  start_watcher (f, TRUE);
  create_tray (f);

  g_assert_true (td_test_wait_until (registered_cond, NULL, 10000));
  calls = td_test_mock_method_calls (WATCHER_NAME, WATCHER_PATH, "RegisterStatusNotifierItem");
  g_assert_cmpuint (calls->len, ==, 1);
  boxed = g_variant_get_child_value (calls->pdata[0], 0);
  path = g_variant_get_variant (boxed);
  g_assert_cmpstr (g_variant_get_string (path, NULL), ==, ITEM_PATH);

  g_assert_true (td_test_wait_until (available_cond, f, 5000));

  status = item_string ("Status");
  g_assert_cmpstr (status, ==, "Active");
  icon = item_string ("IconName");
  g_assert_cmpstr (icon, ==, TD_TRAY_ICON_NAME);
  g_clear_pointer (&icon, g_free);
  td_tray_set_online (f->tray, FALSE);
  icon = item_string ("IconName");
  g_assert_cmpstr (icon, ==, TD_TRAY_ICON_NAME_OFFLINE);
  td_tray_set_online (f->tray, TRUE);

  td_tray_set_unread (f->tray, 3, "3 unread messages from Alice");
  g_clear_pointer (&status, g_free);
  status = item_string ("Status");
  g_assert_cmpstr (status, ==, "NeedsAttention");
  title = item_string ("Title");
  g_assert_cmpstr (title, ==, "3 unread messages from Alice");
  g_assert_true (td_test_wait_until (blink_seen_cond, &seen, 5000));

  td_tray_set_unread (f->tray, 0, NULL);
  g_assert_false (td_tray_get_blinking (f->tray));
  g_clear_pointer (&status, g_free);
  status = item_string ("Status");
  g_assert_cmpstr (status, ==, "Active");

  /* A middle click on the icon: the host calls SecondaryActivate. */
  activate_reply = call_item (ITEM_IFACE, "SecondaryActivate", g_variant_new ("(ii)", 0, 0));
  g_assert_cmpuint (f->activated, ==, 1);
}

static void
test_watcher_without_host (Fixture *f, gconstpointer data)
{
  /* The item registers, but no host shows it. */
  start_watcher (f, FALSE);
  create_tray (f);
  g_assert_true (td_test_wait_until (registered_cond, NULL, 10000));
  g_assert_true (td_test_wait_until (available_known_cond, f, 5000));
  g_assert_false (td_tray_get_available (f->tray));
}

static void
skip_no_display (void)
{
  g_test_skip ("no display: run under build-aux/xvfb-session.sh");
}

int
main (int argc, char **argv)
{
  g_autofree char *display = NULL;
  GTestDBus *bus;
  int ret;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);

  /* A private bus that activates nothing; GTestDBus unsets DISPLAY. */
  display = g_strdup (g_getenv ("DISPLAY"));
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);

  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check (&argc, &argv))
    {
      g_test_add_func ("/tray/needs-display", skip_no_display);
    }
  else
    {
      g_test_add ("/tray/no-tray", Fixture, NULL, NULL, test_no_tray, fixture_teardown);
      g_test_add ("/tray/menu", Fixture, NULL, NULL, test_menu, fixture_teardown);
      g_test_add ("/tray/status-notifier", Fixture, NULL, NULL, test_status_notifier, fixture_teardown);
      g_test_add ("/tray/watcher-without-host", Fixture, NULL, NULL, test_watcher_without_host,
                  fixture_teardown);
    }

  ret = g_test_run ();

  /* Not g_test_dbus_down(): libayatana keeps the bus connection alive. */
  g_test_dbus_stop (bus);
  return ret;
}
