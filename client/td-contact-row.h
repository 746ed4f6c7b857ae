/* td-contact-row.h - one colleague in the contact or recent list: presence
 * dot, name (bold when online, dimmed when offline), title and department,
 * unread badge.  Also a group conversation: group icon, name, member
 * count, unread badge. */
#pragma once

#include <gtk/gtk.h>
#include "td-contact.h"

G_BEGIN_DECLS

#define TD_TYPE_CONTACT_ROW (td_contact_row_get_type ())
G_DECLARE_FINAL_TYPE (TdContactRow, td_contact_row, TD, CONTACT_ROW, GtkListBoxRow)

/* @recent: show the last message preview instead of title/department. */
GtkWidget *td_contact_row_new         (TdContact *contact,
                                       gboolean   recent);
TdContact *td_contact_row_get_contact (TdContactRow *self);
/* Translated presence text ("Available", "Away", "Busy", "Offline"). */
const char *td_contact_row_presence_text  (TdPresence presence);

G_END_DECLS
