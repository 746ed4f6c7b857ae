/* td-desktop-test-util.c - helpers for the desktop (GUI) tests.
 *
 * Debian's python3-dbusmock is a module of the system python: it is run as
 * /usr/bin/python3 because another python3 may come first on PATH.
 */
#define G_LOG_DOMAIN "td-test"

#include <signal.h>
#include <glib/gstdio.h>

#include "td-desktop-test-util.h"

#define START_TIMEOUT_MS  15000
#define CALL_TIMEOUT_MS   5000

/* Kept for the whole test program. */
static GDBusConnection *
session_bus (void)
{
  static GDBusConnection *bus;

  if (bus == NULL)
    {
      g_autoptr(GError) error = NULL;

      bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
      g_assert_no_error (error);
    }
  return bus;
}

gboolean
td_test_name_has_owner (const char *bus_name)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (session_bus (), "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", bus_name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &owned);
  return owned;
}

static gboolean
has_owner_cond (gpointer data)
{
  return td_test_name_has_owner (data);
}

static gboolean
has_no_owner_cond (gpointer data)
{
  return !td_test_name_has_owner (data);
}

GSubprocess *
td_test_dbusmock_start (const char *bus_name,
                        const char *first_arg,
                        ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) mock = NULL;
  g_autoptr(GError) error = NULL;
  va_list ap;

  g_ptr_array_add (argv, (char *) "/usr/bin/python3");
  g_ptr_array_add (argv, (char *) "-m");
  g_ptr_array_add (argv, (char *) "dbusmock");
  va_start (ap, first_arg);
  for (const char *arg = first_arg; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  mock = g_subprocess_newv ((const char * const *) argv->pdata, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  g_assert_no_error (error);

  if (!td_test_wait_until (has_owner_cond, (gpointer) bus_name, START_TIMEOUT_MS))
    g_error ("dbusmock did not take %s", bus_name);
  return g_steal_pointer (&mock);
}

void
td_test_dbusmock_stop (GSubprocess *mock,
                       const char  *bus_name)
{
  g_autoptr(GError) error = NULL;

  if (mock == NULL)
    return;
  g_subprocess_send_signal (mock, SIGTERM);
  g_subprocess_wait (mock, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (td_test_wait_until (has_no_owner_cond, (gpointer) bus_name, START_TIMEOUT_MS));
}

GVariant *
td_test_mock_call (const char *bus_name,
                   const char *path,
                   const char *method,
                   GVariant   *parameters)
{
  g_autoptr(GError) error = NULL;
  GVariant *reply;

  reply = g_dbus_connection_call_sync (session_bus (), bus_name, path, "org.freedesktop.DBus.Mock",
                                       method, parameters, NULL, G_DBUS_CALL_FLAGS_NONE,
                                       CALL_TIMEOUT_MS, NULL, &error);
  g_assert_no_error (error);
  return reply;
}

GPtrArray *
td_test_mock_method_calls (const char *bus_name,
                           const char *path,
                           const char *method)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariantIter) iter = NULL;
  GPtrArray *calls = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  GVariant *args;
  guint64 timestamp;

  reply = td_test_mock_call (bus_name, path, "GetMethodCalls", g_variant_new ("(s)", method));
  g_variant_get (reply, "(a(tav))", &iter);
  while (g_variant_iter_next (iter, "(t@av)", &timestamp, &args))
    g_ptr_array_add (calls, args);
  return calls;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
timeout_cb (gpointer data)
{
  gboolean *expired = data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
td_test_wait_until (gboolean  (*condition) (gpointer data),
                    gpointer    data,
                    guint       timeout_ms)
{
  gboolean expired = FALSE;
  guint timeout_id = g_timeout_add (timeout_ms, timeout_cb, &expired);
  guint tick_id;
  gboolean done;

  /* A tick so that conditions polled over D-Bus are re-checked even when
   * nothing else wakes the main context up. */
  tick_id = g_timeout_add (20, tick_cb, NULL);
  while (!(done = condition (data)) && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick_id);
  if (!expired)
    g_source_remove (timeout_id);
  return done;
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
td_test_spin (guint ms)
{
  td_test_wait_until (never, NULL, ms);
}

gboolean
td_test_send_key (GtkWidget       *widget,
                  guint            keyval,
                  GdkModifierType  state)
{
  GdkEvent *event = gdk_event_new (GDK_KEY_PRESS);
  GdkSeat *seat = gdk_display_get_default_seat (gtk_widget_get_display (widget));
  g_autofree GdkKeymapKey *keys = NULL;
  int n_keys = 0;
  gboolean handled;

  event->key.window = g_object_ref (gtk_widget_get_window (widget));
  event->key.send_event = TRUE;
  event->key.time = GDK_CURRENT_TIME;
  event->key.keyval = keyval;
  event->key.state = state;
  if (gdk_keymap_get_entries_for_keyval (gdk_keymap_get_for_display (gtk_widget_get_display (widget)),
                                         keyval, &keys, &n_keys) && n_keys > 0)
    event->key.hardware_keycode = keys[0].keycode;
  gdk_event_set_device (event, gdk_seat_get_keyboard (seat));
  handled = gtk_widget_event (widget, event);
  gdk_event_free (event);
  return handled;
}

static const char *
screenshot_dir (void)
{
  const char *dir = g_getenv ("TD_SCREENSHOT_DIR");

  return dir != NULL ? dir : "screenshots";
}

static gboolean
drawn_cb (GtkWidget *widget,
          cairo_t   *cr,
          gboolean  *drawn)
{
  *drawn = TRUE;
  return FALSE;
}

static gboolean
flag_cond (gpointer data)
{
  return *(gboolean *) data;
}

void
td_test_save_screenshot (GtkWidget  *window,
                         const char *name)
{
  g_autofree char *path = g_build_filename (screenshot_dir (), name, NULL);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  gboolean drawn = FALSE;
  gulong handler;
  GdkWindow *gdk_window;

  g_assert_cmpint (g_mkdir_with_parents (screenshot_dir (), 0755), ==, 0);
  gtk_window_present (GTK_WINDOW (window));
  handler = g_signal_connect_after (window, "draw", G_CALLBACK (drawn_cb), &drawn);
  gtk_widget_queue_draw (window);
  g_assert_true (td_test_wait_until (flag_cond, &drawn, 10000));
  g_signal_handler_disconnect (window, handler);
  /* Let frame clock updates (revealers, spinners) settle. */
  td_test_spin (500);

  gdk_window = gtk_widget_get_window (window);
  pixbuf = gdk_pixbuf_get_from_window (gdk_window, 0, 0, gdk_window_get_width (gdk_window),
                                       gdk_window_get_height (gdk_window));
  g_assert_nonnull (pixbuf);
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", &error, NULL));
  g_assert_no_error (error);
  g_test_message ("Screenshot: %s", path);
}

typedef struct
{
  char     *out;
  GError   *error;
  gboolean  done;
} ChildResult;

static void
child_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  ChildResult *r = data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &r->out, NULL, &r->error);
  r->done = TRUE;
}

void
td_test_run_screenshot_child (const char *child_env,
                              const char *language,
                              const char *expected_png)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *png = g_build_filename (screenshot_dir (), expected_png, NULL);
  ChildResult r = { NULL, NULL, FALSE };

  g_unlink (png);
  /* The child's TAP output must not mix with ours. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, child_env, "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "LANGUAGE", language, TRUE);
  g_subprocess_launcher_setenv (launcher, "LANG", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LC_ALL");
  g_subprocess_launcher_unsetenv (launcher, "LC_MESSAGES");
  child = g_subprocess_launcher_spawn (launcher, &error, self_path, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (child, NULL, NULL, child_done_cb, &r);
  if (!td_test_wait_until (flag_cond, &r.done, 60000))
    {
      g_subprocess_force_exit (child);
      td_test_wait_until (flag_cond, &r.done, 5000);
      g_error ("The screenshot child did not finish");
    }
  g_assert_no_error (r.error);
  if (!g_subprocess_get_successful (child))
    g_error ("The screenshot child failed:\n%s", r.out);
  g_free (r.out);
  g_assert_true (g_file_test (png, G_FILE_TEST_EXISTS));
}
