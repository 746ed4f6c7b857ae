/* td-group-dialog.c - create a group, or look after one.
 *
 * One window with two pages: "members" (the group as it is) and "pick"
 * (colleagues with check buttons and a search).  Creating starts on the
 * pick page with a name field; "Add People…" in the members page goes to
 * the pick page and back.  The member list is rebuilt from the group's
 * contact whenever its members change, so it shows what the server says,
 * never a local guess. */
#define G_LOG_DOMAIN "td-group-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "td-group-dialog.h"
#include "td-member-row.h"

struct _TdGroupDialog
{
  GtkWindow       parent_instance;

  TdClient       *client;
  TdContact      *group;          /* NULL when creating */
  GCancellable   *cancellable;
  GHashTable     *picked;         /* logins */
  char           *filter;         /* case-folded, NULL for none */
  gboolean        busy;

  GtkHeaderBar   *header_bar;
  GtkButton      *cancel_button;
  GtkButton      *primary_button;
  GtkSpinner     *spinner;
  GtkRevealer    *error_revealer;
  GtkLabel       *error_label;
  GtkStack       *pages;
  GtkWidget      *members_page;
  GtkWidget      *pick_page;
  GtkWidget      *rename_box;
  GtkEntry       *name_entry;
  GtkButton      *rename_button;
  GtkLabel       *directory_note;
  GtkLabel       *member_count_label;
  GtkListBox     *members_view;
  GtkWidget      *member_actions;
  GtkButton      *add_button;
  GtkButton      *leave_button;
  GtkWidget      *create_name_box;
  GtkEntry       *create_name_entry;
  GtkSearchEntry *search_entry;
  GtkListBox     *people_view;
  GtkLabel       *selected_label;
};

G_DEFINE_TYPE (TdGroupDialog, td_group_dialog, GTK_TYPE_WINDOW)

enum {
  SIGNAL_GROUP_CREATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void update_page (TdGroupDialog *self);

char *
td_group_dialog_describe_error (const GError *error)
{
  TdErrorCode code;

  if (g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_CLOSED)
      || g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_FAILED))
    return g_strdup (_("You are offline. Try again when the connection is back."));
  if (td_connection_error_get_code (error, &code))
    switch (code)
      {
      case TD_ERR_FORBIDDEN:
        return g_strdup (_("You are not allowed to do that in this group."));
      case TD_ERR_NOT_FOUND:
        return g_strdup (_("This group no longer exists."));
      case TD_ERR_UNKNOWN_RECIPIENT:
        return g_strdup (_("Someone you picked is no longer in the directory."));
      case TD_ERR_BAD_REQUEST:
        return g_strdup (_("The server did not accept this name."));
      default:
        break;
      }
  return g_strdup (error->message);
}

static gboolean
is_creating (TdGroupDialog *self)
{
  return self->group == NULL;
}

static gboolean
is_adhoc (TdGroupDialog *self)
{
  return self->group != NULL && td_contact_get_group_kind (self->group) == TD_GROUP_ADHOC;
}

static gboolean
can_remove_others (TdGroupDialog *self)
{
  const char *me = td_client_get_login (self->client);

  return is_adhoc (self)
         && (g_strcmp0 (td_contact_get_owner (self->group), me) == 0 || td_client_get_is_admin (self->client));
}

static void
show_error (TdGroupDialog *self,
            const char    *message)
{
  gtk_label_set_text (self->error_label, message != NULL ? message : "");
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

static void
set_busy (TdGroupDialog *self,
          gboolean       busy)
{
  self->busy = busy;
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  if (busy)
    gtk_spinner_start (self->spinner);
  else
    gtk_spinner_stop (self->spinner);
  gtk_widget_set_sensitive (self->members_page, !busy);
  gtk_widget_set_sensitive (self->pick_page, !busy);
  update_page (self);
}

static char *
stripped_text (GtkEntry *entry)
{
  return g_strstrip (g_strdup (gtk_entry_get_text (entry)));
}

/* ---- the member list ------------------------------------------------------ */

static int
compare_by_name (GtkListBoxRow *a,
                 GtkListBoxRow *b,
                 gpointer       user_data)
{
  return g_utf8_collate (td_member_row_get_name (TD_MEMBER_ROW (a)), td_member_row_get_name (TD_MEMBER_ROW (b)));
}

static void
operation_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  TdGroupDialog *self;

  if (td_client_update_group_finish (TD_CLIENT (source), result, &error))
    {
      self = user_data;
      set_busy (self, FALSE);
      show_error (self, NULL);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  set_busy (self, FALSE);
  {
    g_autofree char *message = td_group_dialog_describe_error (error);

    show_error (self, message);
  }
}

static void
remove_member_cb (TdMemberRow   *row,
                  TdGroupDialog *self)
{
  const char *remove[] = { td_member_row_get_login (row), NULL };

  if (self->busy)
    return;
  set_busy (self, TRUE);
  td_client_update_group_async (self->client, td_contact_get_login (self->group), NULL, NULL, remove,
                                self->cancellable, operation_done_cb, self);
}

static void
fill_members (TdGroupDialog *self)
{
  const char * const *members = td_contact_get_members (self->group);
  const char *me = td_client_get_login (self->client);
  const char *owner = td_contact_get_owner (self->group);
  gboolean removable = can_remove_others (self);
  guint n = td_contact_get_member_count (self->group);
  g_autofree char *count = NULL;
  GList *children = gtk_container_get_children (GTK_CONTAINER (self->members_view));

  for (GList *l = children; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  g_list_free (children);

  for (guint i = 0; members != NULL && members[i] != NULL; i++)
    {
      TdContact *person = td_client_lookup_contact (self->client, members[i]);
      GtkWidget *row = td_member_row_new (members[i], person, FALSE);
      gboolean is_me = g_strcmp0 (members[i], me) == 0;

      if (is_me && td_client_get_name (self->client) != NULL)
        td_member_row_set_name (TD_MEMBER_ROW (row), td_client_get_name (self->client));
      if (is_me)
        td_member_row_set_tag (TD_MEMBER_ROW (row), C_("group member", "You"));
      else if (owner[0] != '\0' && g_strcmp0 (members[i], owner) == 0)
        td_member_row_set_tag (TD_MEMBER_ROW (row), C_("group member", "Owner"));
      td_member_row_set_removable (TD_MEMBER_ROW (row), removable && !is_me);
      g_signal_connect (row, "remove-requested", G_CALLBACK (remove_member_cb), self);
      gtk_container_add (GTK_CONTAINER (self->members_view), row);
    }
  count = g_strdup_printf (ngettext ("%u member", "%u members", n), n);
  gtk_label_set_text (self->member_count_label, count);
}

static void
group_changed_cb (TdGroupDialog *self)
{
  const char *name = td_contact_get_name (self->group);

  fill_members (self);
  gtk_header_bar_set_subtitle (self->header_bar, name);
  gtk_window_set_title (GTK_WINDOW (self), name);
}

/* ---- the people picker ---------------------------------------------------- */

static void
update_selected (TdGroupDialog *self)
{
  guint n = g_hash_table_size (self->picked);
  g_autofree char *text = NULL;

  if (n == 0)
    text = g_strdup (_("Nobody picked yet"));
  else
    text = g_strdup_printf (ngettext ("%u person picked", "%u people picked", n), n);
  gtk_label_set_text (self->selected_label, text);
  update_page (self);
}

static void
person_toggled_cb (TdMemberRow   *row,
                   TdGroupDialog *self)
{
  if (td_member_row_get_checked (row))
    g_hash_table_add (self->picked, g_strdup (td_member_row_get_login (row)));
  else
    g_hash_table_remove (self->picked, td_member_row_get_login (row));
  update_selected (self);
}

static void
person_activated_cb (GtkListBox    *box,
                     GtkListBoxRow *row,
                     TdGroupDialog *self)
{
  td_member_row_set_checked (TD_MEMBER_ROW (row), !td_member_row_get_checked (TD_MEMBER_ROW (row)));
}

static gboolean
person_matches (GtkListBoxRow *row,
                gpointer       user_data)
{
  TdGroupDialog *self = user_data;
  TdContact *person = td_member_row_get_person (TD_MEMBER_ROW (row));

  /* Picked people stay visible, so a search never hides a choice. */
  if (self->filter == NULL || td_member_row_get_checked (TD_MEMBER_ROW (row)))
    return TRUE;
  return person != NULL && td_contact_matches (person, self->filter);
}

static void
fill_people (TdGroupDialog *self)
{
  GListModel *contacts = td_client_get_contacts (self->client);
  guint n = g_list_model_get_n_items (contacts);
  GList *children = gtk_container_get_children (GTK_CONTAINER (self->people_view));

  for (GList *l = children; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  g_list_free (children);
  g_hash_table_remove_all (self->picked);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TdContact) contact = g_list_model_get_item (contacts, i);
      GtkWidget *row;

      if (td_contact_get_is_group (contact))
        continue;
      if (self->group != NULL && td_contact_has_member (self->group, td_contact_get_login (contact)))
        continue;
      row = td_member_row_new (td_contact_get_login (contact), contact, TRUE);
      g_signal_connect (row, "toggled", G_CALLBACK (person_toggled_cb), self);
      gtk_container_add (GTK_CONTAINER (self->people_view), row);
    }
  update_selected (self);
}

static void
search_changed_cb (TdGroupDialog *self)
{
  g_autofree char *stripped = stripped_text (GTK_ENTRY (self->search_entry));

  g_free (self->filter);
  self->filter = stripped[0] != '\0' ? g_utf8_casefold (stripped, -1) : NULL;
  gtk_list_box_invalidate_filter (self->people_view);
}

static char **
picked_logins (TdGroupDialog *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  GHashTableIter iter;
  gpointer login;

  g_hash_table_iter_init (&iter, self->picked);
  while (g_hash_table_iter_next (&iter, &login, NULL))
    g_strv_builder_add (builder, login);
  return g_strv_builder_end (builder);
}

/* ---- pages and buttons ---------------------------------------------------- */

static void
update_page (TdGroupDialog *self)
{
  gboolean picking = gtk_stack_get_visible_child (self->pages) == self->pick_page;
  g_autofree char *create_name = stripped_text (self->create_name_entry);
  g_autofree char *name = stripped_text (self->name_entry);
  gboolean ready;

  if (is_creating (self))
    {
      gtk_header_bar_set_title (self->header_bar, _("New Group"));
      gtk_button_set_label (self->primary_button, _("C_reate"));
      gtk_button_set_label (self->cancel_button, _("_Cancel"));
      ready = create_name[0] != '\0' && g_hash_table_size (self->picked) > 0;
    }
  else if (picking)
    {
      gtk_header_bar_set_title (self->header_bar, _("Add People"));
      gtk_button_set_label (self->primary_button, _("_Add"));
      gtk_button_set_label (self->cancel_button, _("_Back"));
      ready = g_hash_table_size (self->picked) > 0;
    }
  else
    {
      gtk_header_bar_set_title (self->header_bar, _("Members"));
      gtk_button_set_label (self->cancel_button, _("_Close"));
      ready = FALSE;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->primary_button), is_creating (self) || picking);
  gtk_widget_set_sensitive (GTK_WIDGET (self->primary_button), ready && !self->busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->rename_button),
                            !self->busy && name[0] != '\0' && self->group != NULL
                            && g_strcmp0 (name, td_contact_get_name (self->group)) != 0);
}

static void
pick_changed_cb (TdGroupDialog *self)
{
  update_page (self);
}

static void
name_changed_cb (TdGroupDialog *self)
{
  update_page (self);
}

static void
show_pick_page (TdGroupDialog *self)
{
  fill_people (self);
  gtk_entry_set_text (GTK_ENTRY (self->search_entry), "");
  gtk_stack_set_visible_child (self->pages, self->pick_page);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  show_error (self, NULL);
  update_page (self);
}

static void
show_members_page (TdGroupDialog *self)
{
  gtk_stack_set_visible_child (self->pages, self->members_page);
  show_error (self, NULL);
  update_page (self);
}

static void
cancel_clicked_cb (TdGroupDialog *self)
{
  if (!is_creating (self) && gtk_stack_get_visible_child (self->pages) == self->pick_page)
    show_members_page (self);
  else
    gtk_widget_destroy (GTK_WIDGET (self));
}

static gboolean
key_press_cb (GtkWidget     *widget,
              GdkEventKey   *event,
              TdGroupDialog *self)
{
  if (event->keyval != GDK_KEY_Escape)
    return GDK_EVENT_PROPAGATE;
  /* Escape in the search clears it first (the search entry handles it). */
  if (gtk_widget_has_focus (GTK_WIDGET (self->search_entry))
      && gtk_entry_get_text (GTK_ENTRY (self->search_entry))[0] != '\0')
    return GDK_EVENT_PROPAGATE;
  cancel_clicked_cb (self);
  return GDK_EVENT_STOP;
}

static void
add_clicked_cb (TdGroupDialog *self)
{
  show_pick_page (self);
}

static void
open_chat (TdGroupDialog *self,
           TdContact     *group)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (self));
  GtkApplication *app = parent != NULL ? gtk_window_get_application (parent) : NULL;

  if (app != NULL && g_action_group_has_action (G_ACTION_GROUP (app), "open-chat"))
    g_action_group_activate_action (G_ACTION_GROUP (app), "open-chat",
                                    g_variant_new_string (td_contact_get_login (group)));
}

static void
create_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdContact) group = td_client_create_group_finish (TD_CLIENT (source), result, &error);
  TdGroupDialog *self;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  set_busy (self, FALSE);
  if (group == NULL)
    {
      g_autofree char *message = td_group_dialog_describe_error (error);

      show_error (self, message);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_GROUP_CREATED], 0, group);
  open_chat (self, group);
  gtk_widget_destroy (GTK_WIDGET (self));
}

static void
add_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  TdGroupDialog *self;

  if (td_client_update_group_finish (TD_CLIENT (source), result, &error))
    {
      self = user_data;
      set_busy (self, FALSE);
      show_members_page (self);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  set_busy (self, FALSE);
  {
    g_autofree char *message = td_group_dialog_describe_error (error);

    show_error (self, message);
  }
}

static void
primary_clicked_cb (TdGroupDialog *self)
{
  g_auto(GStrv) logins = NULL;

  if (self->busy || !gtk_widget_get_sensitive (GTK_WIDGET (self->primary_button)))
    return;
  logins = picked_logins (self);
  set_busy (self, TRUE);
  show_error (self, NULL);
  if (is_creating (self))
    {
      g_autofree char *name = stripped_text (self->create_name_entry);

      td_client_create_group_async (self->client, name, (const char * const *) logins, self->cancellable,
                                    create_done_cb, self);
    }
  else
    {
      td_client_update_group_async (self->client, td_contact_get_login (self->group), NULL,
                                    (const char * const *) logins, NULL, self->cancellable, add_done_cb, self);
    }
}

static void
rename_clicked_cb (TdGroupDialog *self)
{
  g_autofree char *name = stripped_text (self->name_entry);

  if (self->busy || !gtk_widget_get_sensitive (GTK_WIDGET (self->rename_button)))
    return;
  set_busy (self, TRUE);
  td_client_update_group_async (self->client, td_contact_get_login (self->group), name, NULL, NULL,
                                self->cancellable, operation_done_cb, self);
}

static void
leave_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  TdGroupDialog *self;

  if (td_client_leave_group_finish (TD_CLIENT (source), result, &error))
    {
      gtk_widget_destroy (GTK_WIDGET (user_data));
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = user_data;
  set_busy (self, FALSE);
  {
    g_autofree char *message = td_group_dialog_describe_error (error);

    show_error (self, message);
  }
}

static void
leave_response_cb (GtkDialog     *dialog,
                   int            response,
                   TdGroupDialog *self)
{
  gtk_widget_destroy (GTK_WIDGET (dialog));
  if (response != GTK_RESPONSE_ACCEPT)
    return;
  set_busy (self, TRUE);
  td_client_leave_group_async (self->client, td_contact_get_login (self->group), self->cancellable,
                               leave_done_cb, self);
}

static void
leave_clicked_cb (TdGroupDialog *self)
{
  GtkWidget *dialog;
  GtkWidget *leave;

  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   /* TRANSLATORS: %s is the group's name. */
                                   _("Leave “%s”?"), td_contact_get_name (self->group));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
                                            _("You will no longer get its messages. A member can add you again."));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  leave = gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Leave Group"), GTK_RESPONSE_ACCEPT);
  gtk_style_context_add_class (gtk_widget_get_style_context (leave), "destructive-action");
  g_signal_connect (dialog, "response", G_CALLBACK (leave_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- GObject -------------------------------------------------------------- */

static void
td_group_dialog_dispose (GObject *object)
{
  TdGroupDialog *self = TD_GROUP_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->group);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (td_group_dialog_parent_class)->dispose (object);
}

static void
td_group_dialog_finalize (GObject *object)
{
  TdGroupDialog *self = TD_GROUP_DIALOG (object);

  g_hash_table_unref (self->picked);
  g_free (self->filter);
  G_OBJECT_CLASS (td_group_dialog_parent_class)->finalize (object);
}

static void
td_group_dialog_class_init (TdGroupDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_group_dialog_dispose;
  object_class->finalize = td_group_dialog_finalize;

  signals[SIGNAL_GROUP_CREATED] =
    g_signal_new ("group-created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, TD_TYPE_CONTACT);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tidings/Tidings/ui/td-group-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, header_bar);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, primary_button);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, pages);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, members_page);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, pick_page);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, rename_box);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, rename_button);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, directory_note);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, member_count_label);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, members_view);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, member_actions);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, add_button);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, leave_button);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, create_name_box);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, create_name_entry);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, people_view);
  gtk_widget_class_bind_template_child (widget_class, TdGroupDialog, selected_label);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, primary_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, key_press_cb);
  gtk_widget_class_bind_template_callback (widget_class, name_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, rename_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, leave_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, pick_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, person_activated_cb);
}

static void
td_group_dialog_init (TdGroupDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->picked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_list_box_set_sort_func (self->people_view, compare_by_name, NULL, NULL);
  gtk_list_box_set_filter_func (self->people_view, person_matches, self, NULL);
  gtk_list_box_set_sort_func (self->members_view, compare_by_name, NULL, NULL);
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->people_view)), _("Colleagues"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->members_view)), _("Members"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->search_entry)), _("Search colleagues"));
}

static TdGroupDialog *
dialog_new (GtkWindow *parent,
            TdClient  *client)
{
  TdGroupDialog *self = g_object_new (TD_TYPE_GROUP_DIALOG, "transient-for", parent, NULL);

  self->client = g_object_ref (client);
  /* Counted as an application window, so the application stays while it
   * is open even when the main window is hidden in the tray. */
  if (parent != NULL && gtk_window_get_application (parent) != NULL)
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
  return self;
}

TdGroupDialog *
td_group_dialog_new_create (GtkWindow *parent,
                            TdClient  *client)
{
  TdGroupDialog *self;

  g_return_val_if_fail (TD_IS_CLIENT (client), NULL);

  self = dialog_new (parent, client);
  gtk_window_set_title (GTK_WINDOW (self), _("New Group"));
  gtk_widget_show (self->create_name_box);
  show_pick_page (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->create_name_entry));
  gtk_widget_grab_default (GTK_WIDGET (self->primary_button));
  return self;
}

TdGroupDialog *
td_group_dialog_new_members (GtkWindow *parent,
                             TdClient  *client,
                             TdContact *group)
{
  TdGroupDialog *self;
  gboolean adhoc;

  g_return_val_if_fail (TD_IS_CLIENT (client), NULL);
  g_return_val_if_fail (TD_IS_CONTACT (group) && td_contact_get_is_group (group), NULL);

  self = dialog_new (parent, client);
  self->group = g_object_ref (group);
  adhoc = is_adhoc (self);
  gtk_widget_hide (self->create_name_box);
  gtk_widget_set_visible (self->rename_box, adhoc);
  gtk_widget_set_visible (GTK_WIDGET (self->directory_note), !adhoc);
  gtk_widget_set_visible (self->member_actions, adhoc);
  gtk_entry_set_text (self->name_entry, td_contact_get_name (group));
  g_signal_connect_object (group, "notify::members", G_CALLBACK (group_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (group, "notify::owner", G_CALLBACK (group_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (group, "notify::name", G_CALLBACK (group_changed_cb), self, G_CONNECT_SWAPPED);
  group_changed_cb (self);
  show_members_page (self);
  return self;
}

void
td_group_dialog_focus_name (TdGroupDialog *self)
{
  g_return_if_fail (TD_IS_GROUP_DIALOG (self));

  if (gtk_widget_get_visible (self->rename_box))
    gtk_widget_grab_focus (GTK_WIDGET (self->name_entry));
}

GtkListBox *
td_group_dialog_get_people_view (TdGroupDialog *self)
{
  g_return_val_if_fail (TD_IS_GROUP_DIALOG (self), NULL);
  return self->people_view;
}

GtkListBox *
td_group_dialog_get_members_view (TdGroupDialog *self)
{
  g_return_val_if_fail (TD_IS_GROUP_DIALOG (self), NULL);
  return self->members_view;
}

gboolean
td_group_dialog_pick (TdGroupDialog *self,
                      const char    *login,
                      gboolean       picked)
{
  g_return_val_if_fail (TD_IS_GROUP_DIALOG (self), FALSE);

  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->people_view, i);

      if (row == NULL)
        return FALSE;
      if (g_strcmp0 (td_member_row_get_login (TD_MEMBER_ROW (row)), login) == 0)
        {
          td_member_row_set_checked (TD_MEMBER_ROW (row), picked);
          return TRUE;
        }
    }
}

GtkEntry *
td_group_dialog_get_name_entry (TdGroupDialog *self)
{
  g_return_val_if_fail (TD_IS_GROUP_DIALOG (self), NULL);
  return is_creating (self) ? self->create_name_entry : self->name_entry;
}

void
td_group_dialog_submit (TdGroupDialog *self)
{
  g_return_if_fail (TD_IS_GROUP_DIALOG (self));
  primary_clicked_cb (self);
}

const char *
td_group_dialog_get_error (TdGroupDialog *self)
{
  g_return_val_if_fail (TD_IS_GROUP_DIALOG (self), NULL);
  return gtk_revealer_get_reveal_child (self->error_revealer) ? gtk_label_get_text (self->error_label) : "";
}
