/* td-desktop-test-util.h - helpers for the desktop (GUI) tests: run
 * python3-dbusmock services on the session bus and wait for things with
 * bounded waits.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Runs "/usr/bin/python3 -m dbusmock ARGS..." and waits (bounded) until
 * @bus_name has an owner on the session bus.  Fails the test otherwise. */
GSubprocess *td_test_dbusmock_start      (const char *bus_name,
                                          const char *first_arg,
                                          ...) G_GNUC_NULL_TERMINATED;
/* Terminates the mock and waits until @bus_name has no owner. */
void         td_test_dbusmock_stop       (GSubprocess *mock,
                                          const char  *bus_name);

gboolean     td_test_name_has_owner      (const char *bus_name);

/* Calls org.freedesktop.DBus.Mock.@method on the mock at @path. */
GVariant    *td_test_mock_call           (const char *bus_name,
                                          const char *path,
                                          const char *method,
                                          GVariant   *parameters);
/* The arguments (av) of each recorded call of @method, oldest first. */
GPtrArray   *td_test_mock_method_calls   (const char *bus_name,
                                          const char *path,
                                          const char *method);

/* Iterates the default main context until @condition returns TRUE or
 * @timeout_ms passed; returns the last value of @condition. */
gboolean     td_test_wait_until          (gboolean  (*condition) (gpointer data),
                                          gpointer    data,
                                          guint       timeout_ms);
/* Iterates the default main context for @ms milliseconds. */
void         td_test_spin                (guint       ms);

G_END_DECLS
