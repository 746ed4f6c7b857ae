/* td-preferences-dialog.h - sounds, notifications, start hidden, start at
 * login, server URL; all GSettings-backed. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TD_TYPE_PREFERENCES_DIALOG (td_preferences_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TdPreferencesDialog, td_preferences_dialog, TD, PREFERENCES_DIALOG, GtkWindow)

TdPreferencesDialog *td_preferences_dialog_new (GtkWindow *parent,
                                                GSettings *settings);
/* Writes (or removes) ~/.config/autostart/org.tidings.Tidings.desktop: a
 * copy of the installed desktop file that starts hidden. */
gboolean td_preferences_dialog_write_autostart (gboolean   enabled,
                                                GError   **error);

G_END_DECLS
