/* td-announce-dialog.c - the admin's announcement form.  The departments
 * offered are those of the directory the client has; the fields are
 * checked with the protocol's validators (td_proto_validate_title, _body,
 * _link) so a refusal by the server is the exception, not the way the
 * user learns the rules. */
#define G_LOG_DOMAIN "td-announce-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "td-announce-dialog.h"
#include "td-group-dialog.h"

struct _TdAnnounceDialog
{
  GtkWindow          parent_instance;

  TdClient          *client;
  GCancellable      *cancellable;
  gboolean           busy;

  GtkButton         *announce_button;
  GtkSpinner        *spinner;
  GtkRevealer       *error_revealer;
  GtkLabel          *error_label;
  GtkWidget         *form;
  GtkEntry          *title_entry;
  GtkTextView       *body_view;
  GtkEntry          *link_entry;
  GtkToggleButton   *everyone_radio;
  GtkToggleButton   *department_radio;
  GtkComboBoxText   *department_combo;
  GtkToggleButton   *urgent_check;
};

G_DEFINE_TYPE (TdAnnounceDialog, td_announce_dialog, GTK_TYPE_WINDOW)

enum {
  SIGNAL_ANNOUNCED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_error (TdAnnounceDialog *self,
            const char       *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

static char *
body_text (TdAnnounceDialog *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return g_strstrip (gtk_text_buffer_get_text (buffer, &start, &end, FALSE));
}

static char *
entry_text (GtkEntry *entry)
{
  return g_strstrip (g_strdup (gtk_entry_get_text (entry)));
}

static void
update (TdAnnounceDialog *self)
{
  g_autofree char *title = entry_text (self->title_entry);
  gboolean to_department = gtk_toggle_button_get_active (self->department_radio);
  gboolean ready = title[0] != '\0'
                   && (!to_department || gtk_combo_box_get_active (GTK_COMBO_BOX (self->department_combo)) >= 0);

  gtk_widget_set_sensitive (GTK_WIDGET (self->announce_button), ready && !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->department_combo), to_department && !self->busy);
}

static void
changed_cb (TdAnnounceDialog *self)
{
  update (self);
}

static void
department_chosen_cb (TdAnnounceDialog *self)
{
  if (gtk_combo_box_get_active (GTK_COMBO_BOX (self->department_combo)) >= 0)
    gtk_toggle_button_set_active (self->department_radio, TRUE);
  update (self);
}

static void
cancel_clicked_cb (TdAnnounceDialog *self)
{
  gtk_widget_destroy (GTK_WIDGET (self));
}

static gboolean
key_press_cb (GtkWidget        *widget,
              GdkEventKey      *event,
              TdAnnounceDialog *self)
{
  if (event->keyval != GDK_KEY_Escape)
    return GDK_EVENT_PROPAGATE;
  gtk_widget_destroy (GTK_WIDGET (self));
  return GDK_EVENT_STOP;
}

static void
set_busy (TdAnnounceDialog *self,
          gboolean          busy)
{
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  if (busy)
    gtk_spinner_start (self->spinner);
  else
    gtk_spinner_stop (self->spinner);
  gtk_widget_set_sensitive (self->form, !busy);
  update (self);
}

static void
announce_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  gint64 rid = td_client_announce_finish (TD_CLIENT (source), result, &error);
  TdAnnounceDialog *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  set_busy (self, FALSE);
  if (rid <= 0)
    {
      TdErrorCode code;
      g_autofree char *message = NULL;

      if (td_connection_error_get_code (error, &code) && code == TD_ERR_FORBIDDEN)
        message = g_strdup (_("Only administrators can make announcements."));
      else if (td_connection_error_get_code (error, &code) && code == TD_ERR_UNKNOWN_RECIPIENT)
        message = g_strdup (_("The server does not know this department."));
      else
        message = td_group_dialog_describe_error (error);
      show_error (self, message);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_ANNOUNCED], 0, rid);
  gtk_widget_destroy (GTK_WIDGET (self));
}

static void
announce_clicked_cb (TdAnnounceDialog *self)
{
  g_autofree char *title = entry_text (self->title_entry);
  g_autofree char *body = body_text (self);
  g_autofree char *link = entry_text (self->link_entry);
  g_autofree char *department = NULL;
  g_autoptr(GError) error = NULL;

  if (self->busy || !gtk_widget_get_sensitive (GTK_WIDGET (self->announce_button)))
    return;
  if (!td_proto_validate_title (title, &error))
    {
      show_error (self, _("The title is too long (at most 256 bytes)."));
      gtk_widget_grab_focus (GTK_WIDGET (self->title_entry));
      return;
    }
  if (body[0] != '\0' && !td_proto_validate_body (body, &error))
    {
      show_error (self, _("The message is too long (at most 4,096 bytes)."));
      gtk_widget_grab_focus (GTK_WIDGET (self->body_view));
      return;
    }
  if (link[0] != '\0' && !td_proto_validate_link (link, &error))
    {
      show_error (self, _("The link must be a web address starting with http:// or https://."));
      gtk_widget_grab_focus (GTK_WIDGET (self->link_entry));
      return;
    }
  if (gtk_toggle_button_get_active (self->department_radio))
    department = gtk_combo_box_text_get_active_text (self->department_combo);

  show_error (self, NULL);
  set_busy (self, TRUE);
  td_client_announce_async (self->client, title, body[0] != '\0' ? body : NULL, link[0] != '\0' ? link : NULL,
                            department,
                            gtk_toggle_button_get_active (self->urgent_check) ? TD_PRIORITY_URGENT
                                                                               : TD_PRIORITY_NORMAL,
                            self->cancellable, announce_done_cb, self);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_utf8_collate (*(const char * const *) a, *(const char * const *) b);
}

static void
fill_departments (TdAnnounceDialog *self)
{
  GListModel *contacts = td_client_get_contacts (self->client);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  guint n = g_list_model_get_n_items (contacts);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TdContact) contact = g_list_model_get_item (contacts, i);
      const char *department = td_contact_get_department (contact);

      if (td_contact_get_is_group (contact) || department[0] == '\0')
        continue;
      /* The strings live as long as the contacts, which the client keeps. */
      if (g_hash_table_add (seen, (gpointer) department))
        g_ptr_array_add (names, (gpointer) department);
    }
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    gtk_combo_box_text_append_text (self->department_combo, g_ptr_array_index (names, i));
  gtk_widget_set_sensitive (GTK_WIDGET (self->department_radio), names->len > 0);
}

static void
td_announce_dialog_dispose (GObject *object)
{
  TdAnnounceDialog *self = TD_ANNOUNCE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (td_announce_dialog_parent_class)->dispose (object);
}

static void
td_announce_dialog_class_init (TdAnnounceDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_announce_dialog_dispose;

  signals[SIGNAL_ANNOUNCED] =
    g_signal_new ("announced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tidings/Tidings/ui/td-announce-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TdAnnounceDialog, announce_button);
  gtk_widget_class_bind_template_child (widget_class, TdAnnounceDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, TdAnnounceDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, TdAnnounceDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, TdAnnounceDialog, form);
  gtk_widget_class_bind_template_child (widget_class, TdAnnounceDialog, title_entry);
  gtk_widget_class_bind_template_child (widget_class, TdAnnounceDialog, body_view);
  gtk_widget_class_bind_template_child (widget_class, TdAnnounceDialog, link_entry);
  gtk_widget_class_bind_template_child (widget_class, TdAnnounceDialog, everyone_radio);
  gtk_widget_class_bind_template_child (widget_class, TdAnnounceDialog, department_radio);
  gtk_widget_class_bind_template_child (widget_class, TdAnnounceDialog, department_combo);
  gtk_widget_class_bind_template_child (widget_class, TdAnnounceDialog, urgent_check);
  gtk_widget_class_bind_template_callback (widget_class, changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, department_chosen_cb);
  gtk_widget_class_bind_template_callback (widget_class, announce_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, key_press_cb);
}

static void
td_announce_dialog_init (TdAnnounceDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->department_combo)), _("Department"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->body_view)), _("Message"));
}

TdAnnounceDialog *
td_announce_dialog_new (GtkWindow *parent,
                        TdClient  *client)
{
  TdAnnounceDialog *self;

  g_return_val_if_fail (TD_IS_CLIENT (client), NULL);

  self = g_object_new (TD_TYPE_ANNOUNCE_DIALOG, "transient-for", parent, NULL);
  self->client = g_object_ref (client);
  if (parent != NULL && gtk_window_get_application (parent) != NULL)
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
  fill_departments (self);
  update (self);
  gtk_widget_grab_default (GTK_WIDGET (self->announce_button));
  return self;
}

void
td_announce_dialog_fill (TdAnnounceDialog *self,
                         const char       *title,
                         const char       *body,
                         const char       *link,
                         const char       *department,
                         gboolean          urgent)
{
  g_return_if_fail (TD_IS_ANNOUNCE_DIALOG (self));

  gtk_entry_set_text (self->title_entry, title != NULL ? title : "");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view), body != NULL ? body : "", -1);
  gtk_entry_set_text (self->link_entry, link != NULL ? link : "");
  if (department != NULL)
    {
      GtkTreeModel *model = gtk_combo_box_get_model (GTK_COMBO_BOX (self->department_combo));
      GtkTreeIter iter;
      int index = 0;

      for (gboolean ok = gtk_tree_model_get_iter_first (model, &iter); ok;
           ok = gtk_tree_model_iter_next (model, &iter), index++)
        {
          g_autofree char *name = NULL;

          gtk_tree_model_get (model, &iter, 0, &name, -1);
          if (g_strcmp0 (name, department) == 0)
            gtk_combo_box_set_active (GTK_COMBO_BOX (self->department_combo), index);
        }
      gtk_toggle_button_set_active (self->department_radio, TRUE);
    }
  else
    {
      gtk_toggle_button_set_active (self->everyone_radio, TRUE);
    }
  gtk_toggle_button_set_active (self->urgent_check, urgent);
  update (self);
}

void
td_announce_dialog_submit (TdAnnounceDialog *self)
{
  g_return_if_fail (TD_IS_ANNOUNCE_DIALOG (self));
  announce_clicked_cb (self);
}

const char *
td_announce_dialog_get_error (TdAnnounceDialog *self)
{
  g_return_val_if_fail (TD_IS_ANNOUNCE_DIALOG (self), NULL);
  return gtk_revealer_get_reveal_child (self->error_revealer) ? gtk_label_get_text (self->error_label) : "";
}
