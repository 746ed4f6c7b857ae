/* td-department-row.c - department header row; follows the department's
 * counters and expanded state through notify.  The Groups section's header
 * is the same kind of row with a group icon and the number of groups. */
#define G_LOG_DOMAIN "td-department-row"

#include "config.h"

#include <glib/gi18n.h>

#include "td-department-row.h"

struct _TdDepartmentRow
{
  GtkListBoxRow  parent_instance;

  TdDepartment  *department;

  GtkImage      *arrow;
  GtkImage      *icon;
  GtkLabel      *name_label;
  GtkLabel      *count_label;
};

G_DEFINE_TYPE (TdDepartmentRow, td_department_row, GTK_TYPE_LIST_BOX_ROW)

static const char *
display_name (TdDepartmentRow *self)
{
  const char *name = td_department_get_name (self->department);

  if (td_department_get_is_groups (self->department))
    return _("Groups");
  return name[0] != '\0' ? name : _("No department");
}

static void
update (TdDepartmentRow *self)
{
  g_autofree char *count = NULL;
  g_autofree char *accessible = NULL;
  gboolean expanded = td_department_get_expanded (self->department);

  gboolean groups = td_department_get_is_groups (self->department);
  guint total = td_department_get_total (self->department);

  gtk_label_set_text (self->name_label, display_name (self));
  /* Presence means nothing for groups: just how many there are. */
  if (groups)
    count = g_strdup_printf ("%u", total);
  else
    count = g_strdup_printf ("%u/%u", td_department_get_online (self->department), total);
  gtk_label_set_text (self->count_label, count);
  gtk_image_set_from_icon_name (self->arrow, expanded ? "pan-down-symbolic" : "pan-end-symbolic",
                                GTK_ICON_SIZE_MENU);
  gtk_widget_set_visible (GTK_WIDGET (self->icon), groups);

  if (groups)
    /* TRANSLATORS: accessible name of the Groups header: "Groups", the
     * number of groups, expanded or collapsed. */
    accessible = g_strdup_printf (ngettext ("%s, %u group, %s", "%s, %u groups, %s", total),
                                  display_name (self), total, expanded ? _("expanded") : _("collapsed"));
  else
    /* TRANSLATORS: accessible name of a department header: name, people
     * online, people in total, expanded or collapsed. */
    accessible = g_strdup_printf (_("%s, %u of %u online, %s"), display_name (self),
                                  td_department_get_online (self->department), total,
                                  expanded ? _("expanded") : _("collapsed"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self)), accessible);
}

static void
department_notify_cb (TdDepartmentRow *self)
{
  update (self);
}

static void
td_department_row_dispose (GObject *object)
{
  TdDepartmentRow *self = TD_DEPARTMENT_ROW (object);

  g_clear_object (&self->department);
  G_OBJECT_CLASS (td_department_row_parent_class)->dispose (object);
}

static void
td_department_row_class_init (TdDepartmentRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_department_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tidings/Tidings/ui/td-department-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TdDepartmentRow, arrow);
  gtk_widget_class_bind_template_child (widget_class, TdDepartmentRow, icon);
  gtk_widget_class_bind_template_child (widget_class, TdDepartmentRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, TdDepartmentRow, count_label);
}

static void
td_department_row_init (TdDepartmentRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_department_row_new (TdDepartment *department)
{
  TdDepartmentRow *self;

  g_return_val_if_fail (TD_IS_DEPARTMENT (department), NULL);

  self = g_object_new (TD_TYPE_DEPARTMENT_ROW, NULL);
  self->department = g_object_ref (department);
  g_signal_connect_object (department, "notify", G_CALLBACK (department_notify_cb), self,
                           G_CONNECT_SWAPPED);
  update (self);
  return GTK_WIDGET (self);
}

TdDepartment *
td_department_row_get_department (TdDepartmentRow *self)
{
  g_return_val_if_fail (TD_IS_DEPARTMENT_ROW (self), NULL);

  return self->department;
}

const char *
td_department_row_get_count (TdDepartmentRow *self)
{
  g_return_val_if_fail (TD_IS_DEPARTMENT_ROW (self), NULL);

  return gtk_label_get_text (self->count_label);
}
