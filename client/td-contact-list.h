/* td-contact-list.h - the main window's list as a GListModel.
 *
 * Built over the client's flat list of TdContact (any GListModel of them).
 * In GROUPED mode the items are TdDepartment headers, each followed (while
 * expanded) by its people: online/away/busy first, then offline, each by
 * name; departments sorted by name, people without a department last under
 * a "no department" header.  Group conversations (TdContact with
 * is-group) come first, in a "Groups" section: a TdDepartment header with
 * is-groups TRUE and the translated name "Groups", then the department
 * groups, then the ad-hoc groups, each by name (presence plays no part).
 * In RECENT mode the items are the contacts with
 * a last activity, newest first.  A search filter (name, login, department)
 * applies to both; while filtering, every department is shown expanded
 * and departments with no match are left out.  The model updates itself
 * (items-changed) when contacts change presence, unread or last activity.
 * No GTK: unit-tested without a display. */
#pragma once

#include <gio/gio.h>
#include "td-contact.h"

G_BEGIN_DECLS

#define TD_TYPE_DEPARTMENT (td_department_get_type ())
G_DECLARE_FINAL_TYPE (TdDepartment, td_department, TD, DEPARTMENT, GObject)

/* Properties: "name" (string, "" for people without a department),
 * "online" (uint), "total" (uint), "expanded" (boolean), "is-groups"
 * (boolean: the header of the Groups section; there "total" is the number
 * of groups and "online" the number of groups with unread messages). */
const char *td_department_get_name     (TdDepartment *self);
guint       td_department_get_online   (TdDepartment *self);
guint       td_department_get_total    (TdDepartment *self);
gboolean    td_department_get_expanded (TdDepartment *self);
gboolean    td_department_get_is_groups (TdDepartment *self);

typedef enum {
  TD_CONTACT_LIST_GROUPED,
  TD_CONTACT_LIST_RECENT,
} TdContactListMode;

#define TD_TYPE_CONTACT_LIST (td_contact_list_get_type ())
G_DECLARE_FINAL_TYPE (TdContactList, td_contact_list, TD, CONTACT_LIST, GObject)

/* @contacts: GListModel of TdContact (e.g. td_client_get_contacts()). */
TdContactList *td_contact_list_new          (GListModel *contacts, TdContactListMode mode);
void           td_contact_list_set_filter   (TdContactList *self, const char *query);
const char    *td_contact_list_get_filter   (TdContactList *self);
void           td_contact_list_set_expanded (TdContactList *self, const char *department,
                                             gboolean expanded);
/* Collapses / expands the Groups section (td_contact_list_set_expanded
 * names departments only, so a department called "Groups" stays apart). */
void           td_contact_list_set_groups_expanded (TdContactList *self, gboolean expanded);
/* Either of the two above, for the header @section from this model. */
void           td_contact_list_set_section_expanded (TdContactList *self,
                                                     TdDepartment  *section,
                                                     gboolean       expanded);
/* Position of @login's row (a login or group address), or -1 if not shown. */
gint           td_contact_list_find         (TdContactList *self, const char *login);

G_END_DECLS
