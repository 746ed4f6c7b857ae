/* td-desktop-test-util.c - helpers for the desktop (GUI) tests.
 *
 * Debian's python3-dbusmock is a module of the system python: it is run as
 * /usr/bin/python3 because another python3 may come first on PATH.
 */
#define G_LOG_DOMAIN "td-test"

#include <signal.h>

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
