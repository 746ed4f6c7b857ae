/* td-member-row.c - a person row of the group dialog.  The names come from
 * the directory and reach labels as plain text. */
#define G_LOG_DOMAIN "td-member-row"

#include "config.h"

#include <glib/gi18n.h>

#include "td-member-row.h"

struct _TdMemberRow
{
  GtkListBoxRow  parent_instance;

  char          *login;
  char          *name;           /* NULL: the person's or the login */
  TdContact     *person;

  GtkCheckButton *check;
  GtkLabel      *name_label;
  GtkLabel      *detail_label;
  GtkLabel      *tag_label;
  GtkButton     *remove_button;
};

G_DEFINE_TYPE (TdMemberRow, td_member_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  SIGNAL_TOGGLED,
  SIGNAL_REMOVE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
check_toggled_cb (TdMemberRow *self)
{
  g_signal_emit (self, signals[SIGNAL_TOGGLED], 0);
}

static void
remove_clicked_cb (TdMemberRow *self)
{
  g_signal_emit (self, signals[SIGNAL_REMOVE], 0);
}

static void
td_member_row_dispose (GObject *object)
{
  TdMemberRow *self = TD_MEMBER_ROW (object);

  g_clear_object (&self->person);
  G_OBJECT_CLASS (td_member_row_parent_class)->dispose (object);
}

static void
td_member_row_finalize (GObject *object)
{
  TdMemberRow *self = TD_MEMBER_ROW (object);

  g_free (self->login);
  g_free (self->name);
  G_OBJECT_CLASS (td_member_row_parent_class)->finalize (object);
}

static void
td_member_row_class_init (TdMemberRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_member_row_dispose;
  object_class->finalize = td_member_row_finalize;

  signals[SIGNAL_TOGGLED] =
    g_signal_new ("toggled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  signals[SIGNAL_REMOVE] =
    g_signal_new ("remove-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tidings/Tidings/ui/td-member-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TdMemberRow, check);
  gtk_widget_class_bind_template_child (widget_class, TdMemberRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, TdMemberRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, TdMemberRow, tag_label);
  gtk_widget_class_bind_template_child (widget_class, TdMemberRow, remove_button);
  gtk_widget_class_bind_template_callback (widget_class, check_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, remove_clicked_cb);
}

static void
td_member_row_init (TdMemberRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_member_row_new (const char *login,
                   TdContact  *person,
                   gboolean    checkable)
{
  TdMemberRow *self;
  g_autofree char *detail = NULL;
  g_autofree char *remove_name = NULL;

  g_return_val_if_fail (login != NULL, NULL);
  g_return_val_if_fail (person == NULL || TD_IS_CONTACT (person), NULL);

  self = g_object_new (TD_TYPE_MEMBER_ROW, NULL);
  self->login = g_strdup (login);
  self->person = person != NULL ? g_object_ref (person) : NULL;

  gtk_label_set_text (self->name_label, td_member_row_get_name (self));
  if (person != NULL)
    {
      const char *title = td_contact_get_title (person);
      const char *department = td_contact_get_department (person);

      if (title[0] != '\0' && department[0] != '\0')
        detail = g_strdup_printf (_("%s · %s"), title, department);
      else
        detail = g_strdup (title[0] != '\0' ? title : department);
    }
  else
    {
      detail = g_strdup (login);
    }
  gtk_label_set_text (self->detail_label, detail);
  gtk_widget_set_visible (GTK_WIDGET (self->detail_label), detail[0] != '\0');
  gtk_widget_set_visible (GTK_WIDGET (self->check), checkable);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), checkable);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self)), td_member_row_get_name (self));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->check)), td_member_row_get_name (self));
  /* TRANSLATORS: accessible name of the button that removes %s from a group. */
  remove_name = g_strdup_printf (_("Remove %s"), td_member_row_get_name (self));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->remove_button)), remove_name);
  return GTK_WIDGET (self);
}

const char *
td_member_row_get_login (TdMemberRow *self)
{
  g_return_val_if_fail (TD_IS_MEMBER_ROW (self), NULL);
  return self->login;
}

TdContact *
td_member_row_get_person (TdMemberRow *self)
{
  g_return_val_if_fail (TD_IS_MEMBER_ROW (self), NULL);
  return self->person;
}

const char *
td_member_row_get_name (TdMemberRow *self)
{
  g_return_val_if_fail (TD_IS_MEMBER_ROW (self), NULL);
  if (self->name != NULL)
    return self->name;
  return self->person != NULL ? td_contact_get_name (self->person) : self->login;
}

gboolean
td_member_row_get_checked (TdMemberRow *self)
{
  g_return_val_if_fail (TD_IS_MEMBER_ROW (self), FALSE);
  return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->check));
}

void
td_member_row_set_checked (TdMemberRow *self,
                           gboolean     checked)
{
  g_return_if_fail (TD_IS_MEMBER_ROW (self));
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->check), checked);
}

void
td_member_row_set_tag (TdMemberRow *self,
                       const char  *tag)
{
  g_return_if_fail (TD_IS_MEMBER_ROW (self));
  gtk_label_set_text (self->tag_label, tag != NULL ? tag : "");
  gtk_widget_set_visible (GTK_WIDGET (self->tag_label), tag != NULL);
}

void
td_member_row_set_name (TdMemberRow *self,
                        const char  *name)
{
  g_return_if_fail (TD_IS_MEMBER_ROW (self));
  g_return_if_fail (name != NULL);

  g_free (self->name);
  self->name = g_strdup (name);
  gtk_label_set_text (self->name_label, name);
  gtk_widget_hide (GTK_WIDGET (self->detail_label));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self)), name);
}

void
td_member_row_set_removable (TdMemberRow *self,
                             gboolean     removable)
{
  g_return_if_fail (TD_IS_MEMBER_ROW (self));
  gtk_widget_set_visible (GTK_WIDGET (self->remove_button), removable);
}
