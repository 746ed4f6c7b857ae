/* td-idle-monitor.h - tells whether the user has been away from the
 * keyboard for a while, so the application can set "Away" by itself.
 *
 * Asks org.gnome.Mutter.IdleMonitor on the session bus when present, else
 * org.freedesktop.ScreenSaver.GetSessionIdleTime, else uses the last input
 * the application itself saw (td_idle_monitor_note_activity).  Polls every
 * 30 s.  Property "idle" (boolean, notify on change).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TD_TYPE_IDLE_MONITOR (td_idle_monitor_get_type ())
G_DECLARE_FINAL_TYPE (TdIdleMonitor, td_idle_monitor, TD, IDLE_MONITOR, GObject)

TdIdleMonitor *td_idle_monitor_new           (void);
/* Idle after @seconds without input; 0 disables (never idle). */
void           td_idle_monitor_set_threshold (TdIdleMonitor *self,
                                              guint          seconds);
gboolean       td_idle_monitor_get_idle      (TdIdleMonitor *self);
/* The application saw input (key press, click): used when no desktop
 * service tells the idle time, and to leave the idle state at once. */
void           td_idle_monitor_note_activity (TdIdleMonitor *self);
/* Polls now instead of waiting for the next 30 s tick. */
void           td_idle_monitor_poll          (TdIdleMonitor *self);

G_END_DECLS
