/* td-member-row.h - one person in the group dialog: in the member list
 * (name, department, "Owner"/"You" tag, a remove button when allowed) or
 * in the people picker (a check button). */
#pragma once

#include <gtk/gtk.h>
#include "td-contact.h"

G_BEGIN_DECLS

#define TD_TYPE_MEMBER_ROW (td_member_row_get_type ())
G_DECLARE_FINAL_TYPE (TdMemberRow, td_member_row, TD, MEMBER_ROW, GtkListBoxRow)

/* @person: NULL when @login is not in the directory (a disabled account
 * may still be listed as a member).  @checkable: a picker row. */
GtkWidget   *td_member_row_new           (const char *login,
                                          TdContact  *person,
                                          gboolean    checkable);
const char  *td_member_row_get_login     (TdMemberRow *self);
TdContact   *td_member_row_get_person    (TdMemberRow *self);
/* Display name (the login when the person is unknown). */
const char  *td_member_row_get_name      (TdMemberRow *self);
gboolean     td_member_row_get_checked   (TdMemberRow *self);
void         td_member_row_set_checked   (TdMemberRow *self,
                                          gboolean     checked);
/* @tag: "Owner", "You"... (translated), NULL for none. */
void         td_member_row_set_tag       (TdMemberRow *self,
                                          const char  *tag);
void         td_member_row_set_removable (TdMemberRow *self,
                                          gboolean     removable);
/* Shows @name instead of the directory's (the user is not in their own
 * contact list) and no detail line. */
void         td_member_row_set_name      (TdMemberRow *self,
                                          const char  *name);

/* Signals: "toggled" () -- the check changed; "remove-requested" () -- the remove
 * button was clicked. */

G_END_DECLS
