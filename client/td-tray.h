/* td-tray.h - the Tidings icon in the system tray.
 *
 * A StatusNotifierItem (libayatana-appindicator3) where a host shows one,
 * otherwise the XEmbed GtkStatusIcon that libayatana falls back to.  It
 * shows online/offline, blinks while messages are unread and has the
 * menu Open / status / mute / Quit.  With no tray at all "available" is
 * FALSE and the application must keep its window reachable.
 */
#pragma once

#include <gtk/gtk.h>
#include "td-proto.h"

G_BEGIN_DECLS

#define TD_TRAY_ICON_NAME          "org.tidings.Tidings"
#define TD_TRAY_ICON_NAME_NEW      "org.tidings.Tidings-new"
#define TD_TRAY_ICON_NAME_OFFLINE  "org.tidings.Tidings-offline"

#define TD_TYPE_TRAY (td_tray_get_type ())
G_DECLARE_FINAL_TYPE (TdTray, td_tray, TD, TRAY, GObject)

TdTray   *td_tray_new            (void);
/* The normal icon when @online, the offline icon otherwise. */
void      td_tray_set_online     (TdTray     *self,
                                  gboolean    online);
/* @unread > 0: status "attention" and the icon blinks (icons swapped every
 * ~500 ms; SNI hosts never blink by themselves) until @unread is 0.
 * @tooltip: e.g. "3 unread messages from Alice", already translated; NULL
 * for the default. */
void      td_tray_set_unread     (TdTray     *self,
                                  guint       unread,
                                  const char *tooltip);
/* Reflects the mute state in the menu's check item (no signal emitted). */
void      td_tray_set_muted      (TdTray     *self,
                                  gboolean    muted);
/* Reflects the own status in the menu's radio items (no signal emitted);
 * TD_PRESENCE_OFFLINE selects none of them. */
void      td_tray_set_status     (TdTray     *self,
                                  TdPresence  status);
/* TRUE once a StatusNotifierHost or an XEmbed tray shows the icon.
 * Decided ~1 s after creation and again ~1 s after the tray situation
 * changes; "notify::available" is emitted the first time it is decided and
 * on every change after that. */
gboolean  td_tray_get_available  (TdTray     *self);
/* TRUE while the icon blinks (for tests). */
gboolean  td_tray_get_blinking   (TdTray     *self);
/* The menu shown by the tray (for tests: activate its items in-process). */
GtkMenu  *td_tray_get_menu       (TdTray     *self);

G_END_DECLS
