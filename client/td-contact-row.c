/* td-contact-row.c - contact row; updates itself from the contact's notify
 * signals, so the list model does not need to rebuild it on every presence
 * change.  Style classes on the row ("online", "away", "busy", "offline")
 * drive the CSS in style.css.  A group's row shows a group icon instead of
 * the presence dot, the member count as its detail, and is never dimmed
 * (style class "group"). */
#define G_LOG_DOMAIN "td-contact-row"

#include "config.h"

#include <glib/gi18n.h>

#include "td-contact-row.h"

struct _TdContactRow
{
  GtkListBoxRow  parent_instance;

  TdContact     *contact;
  gboolean       recent;

  GtkBox        *content;
  GtkLabel      *dot;
  GtkImage      *group_icon;
  GtkLabel      *name_label;
  GtkLabel      *detail_label;
  GtkLabel      *badge;
};

G_DEFINE_TYPE (TdContactRow, td_contact_row, GTK_TYPE_LIST_BOX_ROW)

static const char * const presence_classes[] = { "offline", "online", "away", "busy" };

const char *
td_contact_row_presence_text (TdPresence presence)
{
  return td_presence_get_label (presence);
}

static char *
group_detail (TdContact *contact)
{
  guint members = td_contact_get_member_count (contact);

  if (td_contact_get_group_kind (contact) == TD_GROUP_DEPARTMENT)
    /* TRANSLATORS: under a department's group: the number of people. */
    return g_strdup_printf (ngettext ("Department · %u member", "Department · %u members", members), members);
  return g_strdup_printf (ngettext ("%u member", "%u members", members), members);
}

static void
update_group (TdContactRow *self)
{
  guint unread = td_contact_get_unread (self->contact);
  g_autofree char *detail = NULL;
  g_autofree char *count = NULL;
  g_autofree char *accessible = NULL;

  gtk_label_set_text (self->name_label, td_contact_get_name (self->contact));
  if (self->recent && td_contact_get_last_text (self->contact) != NULL)
    detail = g_strdup (td_contact_get_last_text (self->contact));
  else
    detail = group_detail (self->contact);
  g_strdelimit (detail, "\r\n", ' ');
  gtk_label_set_text (self->detail_label, detail);
  gtk_widget_set_visible (GTK_WIDGET (self->detail_label), detail[0] != '\0');

  count = unread > 99 ? g_strdup ("99+") : g_strdup_printf ("%u", unread);
  gtk_label_set_text (self->badge, count);
  gtk_widget_set_visible (GTK_WIDGET (self->badge), unread > 0);

  if (unread > 0)
    /* TRANSLATORS: accessible name of a group row: the group's name and
     * the number of unread messages. */
    accessible = g_strdup_printf (ngettext ("Group %s, %u unread message", "Group %s, %u unread messages", unread),
                                  td_contact_get_name (self->contact), unread);
  else
    /* TRANSLATORS: accessible name of a group row. */
    accessible = g_strdup_printf (_("Group %s"), td_contact_get_name (self->contact));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self)), accessible);
}

static void
update (TdContactRow *self)
{
  GtkStyleContext *row_style = gtk_widget_get_style_context (GTK_WIDGET (self));
  GtkStyleContext *content_style = gtk_widget_get_style_context (GTK_WIDGET (self->content));
  TdPresence presence = td_contact_get_presence (self->contact);
  guint unread = td_contact_get_unread (self->contact);
  const char *title = td_contact_get_title (self->contact);
  const char *department = td_contact_get_department (self->contact);
  g_autofree char *detail = NULL;
  g_autofree char *count = NULL;
  g_autofree char *accessible = NULL;

  if (td_contact_get_is_group (self->contact))
    {
      update_group (self);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (presence_classes); i++)
    gtk_style_context_remove_class (row_style, presence_classes[i]);
  if ((guint) presence < G_N_ELEMENTS (presence_classes))
    gtk_style_context_add_class (row_style, presence_classes[presence]);
  if (presence == TD_PRESENCE_OFFLINE)
    gtk_style_context_add_class (content_style, "dim-label");
  else
    gtk_style_context_remove_class (content_style, "dim-label");

  gtk_label_set_text (self->name_label, td_contact_get_name (self->contact));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->dot), td_contact_row_presence_text (presence));

  if (self->recent && td_contact_get_last_text (self->contact) != NULL)
    detail = g_strdup (td_contact_get_last_text (self->contact));
  else if (title != NULL && title[0] != '\0' && department != NULL && department[0] != '\0')
    /* TRANSLATORS: job title and department under a contact's name. */
    detail = g_strdup_printf (_("%s · %s"), title, department);
  else if (title != NULL && title[0] != '\0')
    detail = g_strdup (title);
  else
    detail = g_strdup (department != NULL ? department : "");
  /* Previews may hold several lines; the row shows one. */
  g_strdelimit (detail, "\r\n", ' ');
  gtk_label_set_text (self->detail_label, detail);
  gtk_widget_set_visible (GTK_WIDGET (self->detail_label), detail[0] != '\0');

  count = unread > 99 ? g_strdup ("99+") : g_strdup_printf ("%u", unread);
  gtk_label_set_text (self->badge, count);
  gtk_widget_set_visible (GTK_WIDGET (self->badge), unread > 0);

  if (unread > 0)
    /* TRANSLATORS: accessible name of a contact row: name, presence, and
     * the number of unread messages. */
    accessible = g_strdup_printf (ngettext ("%s, %s, %u unread message",
                                            "%s, %s, %u unread messages", unread),
                                  td_contact_get_name (self->contact),
                                  td_contact_row_presence_text (presence), unread);
  else
    accessible = g_strdup_printf ("%s, %s", td_contact_get_name (self->contact),
                                  td_contact_row_presence_text (presence));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self)), accessible);
}

static void
contact_notify_cb (TdContactRow *self)
{
  update (self);
}

static void
td_contact_row_dispose (GObject *object)
{
  TdContactRow *self = TD_CONTACT_ROW (object);

  g_clear_object (&self->contact);
  G_OBJECT_CLASS (td_contact_row_parent_class)->dispose (object);
}

static void
td_contact_row_class_init (TdContactRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_contact_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tidings/Tidings/ui/td-contact-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TdContactRow, content);
  gtk_widget_class_bind_template_child (widget_class, TdContactRow, dot);
  gtk_widget_class_bind_template_child (widget_class, TdContactRow, group_icon);
  gtk_widget_class_bind_template_child (widget_class, TdContactRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, TdContactRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, TdContactRow, badge);
}

static void
td_contact_row_init (TdContactRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_contact_row_new (TdContact *contact,
                    gboolean   recent)
{
  TdContactRow *self;

  g_return_val_if_fail (TD_IS_CONTACT (contact), NULL);

  self = g_object_new (TD_TYPE_CONTACT_ROW, NULL);
  self->contact = g_object_ref (contact);
  self->recent = recent;
  if (td_contact_get_is_group (contact))
    {
      /* Fixed at construction, like the contact's is-group. */
      gtk_widget_hide (GTK_WIDGET (self->dot));
      gtk_widget_show (GTK_WIDGET (self->group_icon));
      gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (self)), "group");
    }
  g_signal_connect_object (contact, "notify", G_CALLBACK (contact_notify_cb), self,
                           G_CONNECT_SWAPPED);
  update (self);
  return GTK_WIDGET (self);
}

TdContact *
td_contact_row_get_contact (TdContactRow *self)
{
  g_return_val_if_fail (TD_IS_CONTACT_ROW (self), NULL);

  return self->contact;
}
