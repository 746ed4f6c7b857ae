/* td-desktop-test-util.h - helpers for the desktop (GUI) tests: run
 * python3-dbusmock services on the session bus, wait for things with
 * bounded waits, press keys and save screenshots.
 */
#pragma once

#include <gtk/gtk.h>

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

/* A key press as the X server would deliver it to the focused widget;
 * returns whether @widget handled it. */
gboolean     td_test_send_key            (GtkWidget       *widget,
                                          guint            keyval,
                                          GdkModifierType  state);
/* Presents @window, waits until it has drawn and saves it as @name (PNG)
 * in $TD_SCREENSHOT_DIR (default "screenshots"). */
void         td_test_save_screenshot     (GtkWidget   *window,
                                          const char  *name);
/* Runs this test program again with @child_env=1, LANGUAGE=@language and
 * LANG=C.UTF-8 (bounded wait) and fails unless it succeeds and left
 * @expected_png in the screenshot directory. */
void         td_test_run_screenshot_child (const char *child_env,
                                           const char *language,
                                           const char *expected_png);

G_END_DECLS
