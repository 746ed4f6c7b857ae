/* td-group-dialog.h - "New Group" (a name and colleagues picked from a
 * searchable list) and a group's "Members" (list; add people; remove them
 * when one owns the group or is an admin; rename; leave).  Department
 * groups only list their members: the directory decides who is in them. */
#pragma once

#include <gtk/gtk.h>
#include "td-client.h"

G_BEGIN_DECLS

#define TD_TYPE_GROUP_DIALOG (td_group_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TdGroupDialog, td_group_dialog, TD, GROUP_DIALOG, GtkWindow)

/* On success the new group's chat opens (application action "open-chat")
 * and "group-created" (TdContact *group) is emitted before the dialog
 * closes. */
TdGroupDialog *td_group_dialog_new_create   (GtkWindow *parent,
                                             TdClient  *client);
TdGroupDialog *td_group_dialog_new_members  (GtkWindow *parent,
                                             TdClient  *client,
                                             TdContact *group);
/* Members dialog: focuses the name field (the chat window's "Rename…"). */
void           td_group_dialog_focus_name   (TdGroupDialog *self);

/* What to tell the user when a group operation failed. */
char          *td_group_dialog_describe_error (const GError *error);

/* For tests: the people picker and the member list, checking a person in
 * the picker, the name field of the current page, and pressing the
 * header bar's main button (Create / Add). */
GtkListBox    *td_group_dialog_get_people_view  (TdGroupDialog *self);
GtkListBox    *td_group_dialog_get_members_view (TdGroupDialog *self);
gboolean       td_group_dialog_pick             (TdGroupDialog *self,
                                                 const char    *login,
                                                 gboolean       picked);
GtkEntry      *td_group_dialog_get_name_entry   (TdGroupDialog *self);
void           td_group_dialog_submit           (TdGroupDialog *self);
/* The error shown, "" if none. */
const char    *td_group_dialog_get_error        (TdGroupDialog *self);

G_END_DECLS
