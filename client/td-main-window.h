/* td-main-window.h - the contact list window: own status, search, the
 * "Contacts" (groups, then people by department), "Recent" and
 * "Reminders" pages, connection state.  "New Group…" and "Announce…" are
 * application actions (app.new-group, app.announce). */
#pragma once

#include <gtk/gtk.h>
#include "td-client.h"
#include "td-contact-list.h"

G_BEGIN_DECLS

#define TD_TYPE_MAIN_WINDOW (td_main_window_get_type ())
G_DECLARE_FINAL_TYPE (TdMainWindow, td_main_window, TD, MAIN_WINDOW, GtkApplicationWindow)

/* Opening a chat activates the application action "open-chat" (s). */
TdMainWindow  *td_main_window_new               (GtkApplication *application,
                                                 TdClient       *client);
void           td_main_window_focus_search      (TdMainWindow *self);
/* Shown in the status bar until the state changes (e.g. a reconnect
 * error). */
void           td_main_window_show_error        (TdMainWindow *self,
                                                 const char   *message);
/* Switches to the Reminders page and presents the window. */
void           td_main_window_show_reminders    (TdMainWindow *self);
/* For tests. */
GtkListBox    *td_main_window_get_contacts_view (TdMainWindow *self);
TdContactList *td_main_window_get_contacts      (TdMainWindow *self);
GtkListBox    *td_main_window_get_recent_view   (TdMainWindow *self);
GtkEntry      *td_main_window_get_search_entry  (TdMainWindow *self);
const char    *td_main_window_get_status_text   (TdMainWindow *self);
GtkListBox    *td_main_window_get_reminders_view (TdMainWindow *self);
/* The Reminders tab's title as shown ("Reminders (2)"); free it. */
char          *td_main_window_get_reminders_title (TdMainWindow *self);

G_END_DECLS
