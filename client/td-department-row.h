/* td-department-row.h - a department header in the contact list: expander
 * arrow, name and "online/total"; or the Groups section's header: arrow,
 * group icon, "Groups" and the number of groups. */
#pragma once

#include <gtk/gtk.h>
#include "td-contact-list.h"

G_BEGIN_DECLS

#define TD_TYPE_DEPARTMENT_ROW (td_department_row_get_type ())
G_DECLARE_FINAL_TYPE (TdDepartmentRow, td_department_row, TD, DEPARTMENT_ROW, GtkListBoxRow)

GtkWidget    *td_department_row_new            (TdDepartment *department);
TdDepartment *td_department_row_get_department (TdDepartmentRow *self);
/* The "online/total" text as shown (for tests). */
const char   *td_department_row_get_count      (TdDepartmentRow *self);

G_END_DECLS
