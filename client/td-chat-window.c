/* td-chat-window.c - chat window.  Keeps the view at the bottom while the
 * user is there, keeps the position when older history is prepended, and
 * marks the conversation read whenever the window is the active one (the
 * client then sends the read receipt).
 *
 * For a group the title is the group's name and the subtitle its size;
 * others' messages carry their sender's name; a menu offers Members…,
 * Rename… and Leave Group (the last two for ad-hoc groups).  When the
 * user is no longer in the group (left, removed, deleted) the window
 * stays readable but takes no more input.  "… is typing" comes from the
 * conversation's "typing" property; the user's own typing is reported
 * through td_client_notify_typing(), which rate-limits it.
 *
 * Rows are built for the newest FIRST_ROWS messages only (enough to fill
 * the window); older ones already in the conversation get their rows as
 * the user scrolls up, CHUNK_ROWS per frame, and only then is the cache
 * or the server asked for more.  Building and measuring a row (wrapped
 * label, pango layout, CSS nodes) is what opening and paging cost, and
 * each row keeps tens of kilobytes: a window should not pay for 50 rows
 * the user never scrolls to. */
#define G_LOG_DOMAIN "td-chat-window"

#include "config.h"

#include <glib/gi18n.h>

#include "td-chat-window.h"
#include "td-contact-row.h"
#include "td-group-dialog.h"
#include "td-message-row.h"

#define PAGE_SIZE  50   /* rows built (and messages loaded) per scroll to the top */
#define FIRST_ROWS 20   /* rows built when the window opens */
#define CHUNK_ROWS 10   /* rows built per frame while paging */

struct _TdChatWindow
{
  GtkApplicationWindow  parent_instance;

  TdClient             *client;
  TdContact            *contact;
  TdConversation       *conversation;
  GCancellable         *cancellable;

  GtkHeaderBar         *header_bar;
  GtkRevealer          *state_revealer;
  GtkLabel             *state_label;
  GtkScrolledWindow    *scroller;
  GtkListBox           *history;
  GtkTextView          *input;
  GtkButton            *send_button;
  GtkMenuButton        *group_menu_button;
  GtkPopover           *rename_popover;
  GtkEntry             *rename_entry;
  GtkButton            *rename_button;
  GtkRevealer          *typing_revealer;
  GtkLabel             *typing_label;

  gboolean              is_group;
  gboolean              gone;            /* no longer a member of the group */
  gboolean              clearing;        /* the input is emptied after sending */

  gboolean              stick_to_bottom;
  gboolean              restoring;       /* older messages are being prepended */
  double                from_bottom;     /* distance kept while restoring */
  guint                 restore_id;      /* timeout ending "restoring" */

  guint                 first_built;     /* conversation position of the oldest row */
  guint                 rows_wanted;     /* older rows still to build for this page */
  guint                 build_id;        /* tick callback building them, 0 if none */
  gboolean              preedit;         /* an input method is composing */
};

G_DEFINE_TYPE (TdChatWindow, td_chat_window, GTK_TYPE_APPLICATION_WINDOW)

static void show_older (TdChatWindow *self);

static GtkAdjustment *
vadjustment (TdChatWindow *self)
{
  return gtk_scrolled_window_get_vadjustment (self->scroller);
}

static void
scroll_to_bottom (TdChatWindow *self)
{
  GtkAdjustment *adj = vadjustment (self);

  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
}

static GtkWidget *
create_message_row (TdChatWindow  *self,
                    TdChatMessage *message)
{
  const char *sender;

  if (td_chat_message_get_outgoing (message))
    {
      sender = td_client_get_name (self->client);
      if (sender == NULL)
        sender = td_client_get_login (self->client);
    }
  else if (self->is_group)
    {
      /* Someone who left the company is still named by their login. */
      TdContact *from = td_client_lookup_contact (self->client, td_chat_message_get_from (message));

      sender = from != NULL ? td_contact_get_name (from) : td_chat_message_get_from (message);
    }
  else
    {
      sender = td_contact_get_name (self->contact);
    }
  return td_message_row_new (message, sender);
}

static void
update_title (TdChatWindow *self)
{
  g_autofree char *subtitle = NULL;

  if (self->is_group)
    {
      guint n = td_contact_get_member_count (self->contact);

      subtitle = g_strdup_printf (ngettext ("%u member", "%u members", n), n);
    }
  else
    {
      subtitle = g_strdup (td_contact_row_presence_text (td_contact_get_presence (self->contact)));
    }
  gtk_header_bar_set_title (self->header_bar, td_contact_get_name (self->contact));
  gtk_header_bar_set_subtitle (self->header_bar, subtitle);
  gtk_window_set_title (GTK_WINDOW (self), td_contact_get_name (self->contact));
}

static void
update_state (TdChatWindow *self)
{
  TdConnectionState state = td_client_get_state (self->client);
  const char *text = NULL;

  if (self->gone)
    {
      gtk_label_set_text (self->state_label, _("You are no longer a member of this group."));
      gtk_revealer_set_reveal_child (self->state_revealer, TRUE);
      return;
    }
  switch (state)
    {
    case TD_CONNECTION_STATE_ONLINE:
      break;
    case TD_CONNECTION_STATE_SYNCING:
      text = _("Synchronising…");
      break;
    case TD_CONNECTION_STATE_CONNECTING:
    case TD_CONNECTION_STATE_AUTHENTICATING:
      text = _("Connecting…");
      break;
    case TD_CONNECTION_STATE_DISCONNECTED:
    default:
      text = _("Offline — messages will be sent when the connection returns");
      break;
    }
  if (text != NULL)
    gtk_label_set_text (self->state_label, text);
  gtk_revealer_set_reveal_child (self->state_revealer, text != NULL);
}

static void
mark_read_if_active (TdChatWindow *self)
{
  if (gtk_window_is_active (GTK_WINDOW (self)) && gtk_widget_get_visible (GTK_WIDGET (self)) && !self->gone)
    td_client_mark_read (self->client, td_contact_get_login (self->contact));
}

/* Rows that do not fill the view cannot be scrolled to the top (a tall
 * window, short messages): build more of what is loaded. */
static void
fill_view (TdChatWindow *self)
{
  GtkAdjustment *adj = vadjustment (self);

  if (self->first_built > 0 && self->build_id == 0 && !self->restoring
      && gtk_adjustment_get_upper (adj) <= gtk_adjustment_get_page_size (adj))
    show_older (self);
}

static void
adjustment_changed_cb (TdChatWindow *self)
{
  GtkAdjustment *adj = vadjustment (self);

  if (self->restoring)
    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - self->from_bottom);
  else if (self->stick_to_bottom)
    scroll_to_bottom (self);
  fill_view (self);
}

static void
adjustment_value_changed_cb (TdChatWindow *self)
{
  GtkAdjustment *adj = vadjustment (self);

  if (self->restoring)
    return;
  /* A few pixels of slack: "at the bottom" as the user sees it. */
  self->stick_to_bottom = gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj)
                          >= gtk_adjustment_get_upper (adj) - 8;
}

static gboolean
end_restoring_cb (gpointer user_data)
{
  TdChatWindow *self = user_data;

  self->restore_id = 0;
  self->restoring = FALSE;
  return G_SOURCE_REMOVE;
}

/* Let the new rows be allocated (adjustment "changed") before the view
 * follows the user again. */
static void
schedule_end_restoring (TdChatWindow *self)
{
  g_clear_handle_id (&self->restore_id, g_source_remove);
  self->restore_id = g_timeout_add_full (G_PRIORITY_LOW, 100, end_restoring_cb, self, NULL);
}

/* Rows for conversation items [position, position + n), inserted at row
 * index @at. */
static void
insert_rows (TdChatWindow *self,
             guint         position,
             guint         n,
             int           at)
{
  GListModel *model = G_LIST_MODEL (self->conversation);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TdChatMessage) message = g_list_model_get_item (model, position + i);

      gtk_list_box_insert (self->history, create_message_row (self, message), at + (int) i);
    }
}

static void
remove_rows (TdChatWindow *self,
             int           at,
             guint         n)
{
  for (guint i = 0; i < n; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->history, at);

      if (row == NULL)
        break;
      gtk_widget_destroy (GTK_WIDGET (row));
    }
}

/* Rows for the newest messages only; the rest as the user scrolls up. */
static void
rebuild_rows (TdChatWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->conversation));
  GList *rows = gtk_container_get_children (GTK_CONTAINER (self->history));

  for (GList *l = rows; l != NULL; l = l->next)
    gtk_widget_destroy (l->data);
  g_list_free (rows);
  self->first_built = n > FIRST_ROWS ? n - FIRST_ROWS : 0;
  insert_rows (self, self->first_built, n - self->first_built, 0);
}

static void load_older (TdChatWindow *self);

/* One frame's worth of older rows, before the frame is laid out. */
static gboolean
build_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  TdChatWindow *self = user_data;
  guint n = MIN (MIN (CHUNK_ROWS, self->first_built), self->rows_wanted);

  if (n > 0)
    {
      self->first_built -= n;
      self->rows_wanted -= n;
      insert_rows (self, self->first_built, n, 0);
    }
  if (self->rows_wanted > 0 && self->first_built > 0)
    return G_SOURCE_CONTINUE;
  self->build_id = 0;
  if (self->rows_wanted > 0)
    {
      /* Everything loaded has a row: ask the cache / server. */
      self->rows_wanted = 0;
      load_older (self);
    }
  else
    schedule_end_restoring (self);
  return G_SOURCE_REMOVE;
}

static void
start_building (TdChatWindow *self)
{
  if (self->build_id == 0)
    self->build_id = gtk_widget_add_tick_callback (GTK_WIDGET (self->history), build_tick_cb, self, NULL);
}

static void
items_changed_cb (GListModel   *model,
                  guint         position,
                  guint         removed,
                  guint         added,
                  TdChatWindow *self)
{
  guint built = g_list_model_get_n_items (model) - added + removed - self->first_built;

  /* At the oldest row itself it is a prepend, unless there is no row. */
  if (position + removed < self->first_built || (position + removed == self->first_built && built > 0))
    {
      /* Older messages, above the rows: built when the user gets there
       * (now, if this is the page being waited for). */
      self->first_built = self->first_built - removed + added;
      if (self->restoring && added > 0)
        {
          self->rows_wanted = MAX (self->rows_wanted, MIN (added, PAGE_SIZE));
          start_building (self);
        }
      else
        fill_view (self);
      return;
    }
  if (position < self->first_built)
    {
      /* Straddles the oldest row: not something the conversation does. */
      rebuild_rows (self);
      return;
    }
  remove_rows (self, (int) (position - self->first_built), removed);
  insert_rows (self, position, added, (int) (position - self->first_built));
}

static void
load_older_done_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  TdChatWindow *self;

  if (!td_conversation_load_older_finish (TD_CONVERSATION (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("Loading older messages failed: %s", error->message);
    }
  self = user_data;
  /* The rows are being built (items-changed) or there were none. */
  if (self->build_id == 0)
    schedule_end_restoring (self);
}

static void
load_older (TdChatWindow *self)
{
  if (!td_conversation_get_has_more (self->conversation) || td_conversation_get_loading (self->conversation))
    {
      schedule_end_restoring (self);
      return;
    }
  td_conversation_load_older_async (self->conversation, PAGE_SIZE, self->cancellable,
                                    load_older_done_cb, self);
}

/* The user reached the top: older rows from what is loaded, else a page
 * from the cache or the server. */
static void
show_older (TdChatWindow *self)
{
  GtkAdjustment *adj = vadjustment (self);

  if (self->build_id != 0 || td_conversation_get_loading (self->conversation))
    return;
  g_clear_handle_id (&self->restore_id, g_source_remove);
  self->restoring = TRUE;
  self->from_bottom = gtk_adjustment_get_upper (adj) - gtk_adjustment_get_value (adj);
  if (self->first_built > 0)
    {
      self->rows_wanted = PAGE_SIZE;
      start_building (self);
    }
  else
    load_older (self);
}

static void
edge_reached_cb (GtkScrolledWindow *scroller,
                 GtkPositionType    pos,
                 TdChatWindow      *self)
{
  if (pos == GTK_POS_TOP)
    show_older (self);
}

gboolean
td_chat_window_send (TdChatWindow *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;
  g_autofree char *text = NULL;
  g_autoptr(TdChatMessage) message = NULL;

  g_return_val_if_fail (TD_IS_CHAT_WINDOW (self), FALSE);

  buffer = gtk_text_view_get_buffer (self->input);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  /* Leading and trailing blank lines are accidents of typing. */
  g_strstrip (text);
  if (text[0] == '\0' || self->gone)
    return FALSE;

  message = td_client_send (self->client, td_contact_get_login (self->contact), text);
  self->clearing = TRUE;
  gtk_text_buffer_set_text (buffer, "", -1);
  self->clearing = FALSE;
  self->stick_to_bottom = TRUE;
  scroll_to_bottom (self);
  return message != NULL;
}

static void
send_clicked_cb (TdChatWindow *self)
{
  td_chat_window_send (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->input));
}

static gboolean
input_key_press_cb (GtkWidget    *widget,
                    GdkEventKey  *event,
                    TdChatWindow *self)
{
  GdkModifierType mods = event->state & gtk_accelerator_get_default_mod_mask ();

  if (event->keyval != GDK_KEY_Return && event->keyval != GDK_KEY_KP_Enter && event->keyval != GDK_KEY_ISO_Enter)
    return GDK_EVENT_PROPAGATE;
  /* Enter commits an input method's composition rather than sending. */
  if (self->preedit)
    return GDK_EVENT_PROPAGATE;
  if (mods & (GDK_SHIFT_MASK | GDK_CONTROL_MASK))
    return GDK_EVENT_PROPAGATE;  /* newline */
  td_chat_window_send (self);
  return GDK_EVENT_STOP;
}

static void
input_preedit_changed_cb (GtkTextView  *view,
                          const char   *preedit,
                          TdChatWindow *self)
{
  self->preedit = preedit != NULL && preedit[0] != '\0';
}

static void
input_changed_cb (TdChatWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->input);
  gboolean has_text = gtk_text_buffer_get_char_count (buffer) > 0;

  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), has_text && !self->gone);
  /* Only the user's own edits: not the clearing after a send. */
  if (has_text && !self->clearing && !self->gone)
    td_client_notify_typing (self->client, td_contact_get_login (self->contact));
}

/* ---- typing -------------------------------------------------------------- */

static void
typing_cb (TdChatWindow *self)
{
  const char *names = td_conversation_get_typing (self->conversation);
  g_autofree char *text = NULL;

  if (names != NULL && names[0] != '\0')
    {
      guint n = td_conversation_get_typing_count (self->conversation);

      /* TRANSLATORS: %s is a name, or several names separated by commas. */
      text = g_strdup_printf (ngettext ("%s is typing…", "%s are typing…", n), names);
      gtk_label_set_text (self->typing_label, text);
    }
  gtk_revealer_set_reveal_child (self->typing_revealer, text != NULL);
}

/* ---- group menu ---------------------------------------------------------- */

static gboolean
is_adhoc (TdChatWindow *self)
{
  return self->is_group && td_contact_get_group_kind (self->contact) == TD_GROUP_ADHOC;
}

static void
update_group_actions (TdChatWindow *self)
{
  GAction *rename = g_action_map_lookup_action (G_ACTION_MAP (self), "rename");
  GAction *leave = g_action_map_lookup_action (G_ACTION_MAP (self), "leave");
  GAction *members = g_action_map_lookup_action (G_ACTION_MAP (self), "members");

  g_simple_action_set_enabled (G_SIMPLE_ACTION (rename), is_adhoc (self) && !self->gone);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (leave), is_adhoc (self) && !self->gone);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (members), self->is_group && !self->gone);
}

static void
show_error (TdChatWindow *self,
            const GError *error)
{
  g_autofree char *message = td_group_dialog_describe_error (error);
  GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s", message);

  g_signal_connect (dialog, "response", G_CALLBACK (gtk_widget_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
members_action_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  TdChatWindow *self = user_data;
  TdGroupDialog *dialog = td_group_dialog_new_members (GTK_WINDOW (self), self->client, self->contact);

  gtk_window_present (GTK_WINDOW (dialog));
}

static void
rename_changed_cb (TdChatWindow *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (self->rename_entry)));

  gtk_widget_set_sensitive (GTK_WIDGET (self->rename_button),
                            name[0] != '\0' && g_strcmp0 (name, td_contact_get_name (self->contact)) != 0);
}

static void
rename_action_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  TdChatWindow *self = user_data;

  gtk_entry_set_text (self->rename_entry, td_contact_get_name (self->contact));
  rename_changed_cb (self);
  gtk_popover_popup (self->rename_popover);
  gtk_widget_grab_focus (GTK_WIDGET (self->rename_entry));
}

static void
rename_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (td_client_update_group_finish (TD_CLIENT (source), result, &error))
    return;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  show_error (TD_CHAT_WINDOW (user_data), error);
}

static void
rename_confirm_cb (TdChatWindow *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_entry_get_text (self->rename_entry)));

  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->rename_button)))
    return;
  gtk_popover_popdown (self->rename_popover);
  /* The title follows the contact once the server has renamed it. */
  td_client_update_group_async (self->client, td_contact_get_login (self->contact), name, NULL, NULL,
                                self->cancellable, rename_done_cb, self);
}

static void
leave_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (td_client_leave_group_finish (TD_CLIENT (source), result, &error))
    {
      gtk_widget_destroy (GTK_WIDGET (user_data));
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  show_error (TD_CHAT_WINDOW (user_data), error);
}

static void
leave_response_cb (GtkDialog    *dialog,
                   int           response,
                   TdChatWindow *self)
{
  gtk_widget_destroy (GTK_WIDGET (dialog));
  if (response == GTK_RESPONSE_ACCEPT)
    td_client_leave_group_async (self->client, td_contact_get_login (self->contact), self->cancellable,
                                 leave_done_cb, self);
}

static void
leave_action_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  TdChatWindow *self = user_data;
  GtkWidget *dialog;
  GtkWidget *leave;

  dialog = gtk_message_dialog_new (GTK_WINDOW (self), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   _("Leave “%s”?"), td_contact_get_name (self->contact));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
                                            _("You will no longer get its messages. A member can add you again."));
  gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL);
  leave = gtk_dialog_add_button (GTK_DIALOG (dialog), _("_Leave Group"), GTK_RESPONSE_ACCEPT);
  gtk_style_context_add_class (gtk_widget_get_style_context (leave), "destructive-action");
  g_signal_connect_object (dialog, "response", G_CALLBACK (leave_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* The client drops a group's contact once the user is out of it. */
static void
contacts_changed_cb (TdChatWindow *self)
{
  gboolean gone = td_client_lookup_contact (self->client, td_contact_get_login (self->contact)) == NULL;

  if (gone == self->gone)
    return;
  self->gone = gone;
  gtk_text_view_set_editable (self->input, !gone);
  input_changed_cb (self);
  update_group_actions (self);
  update_state (self);
}

static void
is_active_cb (TdChatWindow *self)
{
  mark_read_if_active (self);
}

static void
messages_changed_cb (TdChatWindow *self)
{
  /* A message arriving while the user looks at this window is read. */
  mark_read_if_active (self);
}

static gboolean
key_press_cb (GtkWidget    *widget,
              GdkEventKey  *event,
              TdChatWindow *self)
{
  GdkModifierType mods = event->state & gtk_accelerator_get_default_mod_mask ();

  /* Ctrl+W as in browsers and Pidgin; Escape would lose a draft. */
  if ((event->keyval == GDK_KEY_w || event->keyval == GDK_KEY_W) && mods == GDK_CONTROL_MASK)
    {
      gtk_window_close (GTK_WINDOW (self));
      return GDK_EVENT_STOP;
    }
  return GDK_EVENT_PROPAGATE;
}

static void
td_chat_window_map (GtkWidget *widget)
{
  TdChatWindow *self = TD_CHAT_WINDOW (widget);

  GTK_WIDGET_CLASS (td_chat_window_parent_class)->map (widget);
  self->stick_to_bottom = TRUE;
  scroll_to_bottom (self);
}

static void
td_chat_window_dispose (GObject *object)
{
  TdChatWindow *self = TD_CHAT_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->restore_id, g_source_remove);
  if (self->build_id != 0)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->history), self->build_id);
  self->build_id = 0;
  g_clear_object (&self->conversation);
  g_clear_object (&self->contact);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (td_chat_window_parent_class)->dispose (object);
}

static void
td_chat_window_class_init (TdChatWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_chat_window_dispose;
  widget_class->map = td_chat_window_map;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tidings/Tidings/ui/td-chat-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TdChatWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, TdChatWindow, state_revealer);
  gtk_widget_class_bind_template_child (widget_class, TdChatWindow, state_label);
  gtk_widget_class_bind_template_child (widget_class, TdChatWindow, scroller);
  gtk_widget_class_bind_template_child (widget_class, TdChatWindow, history);
  gtk_widget_class_bind_template_child (widget_class, TdChatWindow, input);
  gtk_widget_class_bind_template_child (widget_class, TdChatWindow, send_button);
  gtk_widget_class_bind_template_child (widget_class, TdChatWindow, group_menu_button);
  gtk_widget_class_bind_template_child (widget_class, TdChatWindow, rename_popover);
  gtk_widget_class_bind_template_child (widget_class, TdChatWindow, rename_entry);
  gtk_widget_class_bind_template_child (widget_class, TdChatWindow, rename_button);
  gtk_widget_class_bind_template_child (widget_class, TdChatWindow, typing_revealer);
  gtk_widget_class_bind_template_child (widget_class, TdChatWindow, typing_label);
  gtk_widget_class_bind_template_callback (widget_class, send_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, input_key_press_cb);
  gtk_widget_class_bind_template_callback (widget_class, input_preedit_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, edge_reached_cb);
  gtk_widget_class_bind_template_callback (widget_class, key_press_cb);
  gtk_widget_class_bind_template_callback (widget_class, rename_confirm_cb);
  gtk_widget_class_bind_template_callback (widget_class, rename_changed_cb);
}

static void
td_chat_window_init (TdChatWindow *self)
{
  static const GActionEntry actions[] = {
    { "members", members_action_cb, NULL, NULL, NULL, { 0 } },
    { "rename", rename_action_cb, NULL, NULL, NULL, { 0 } },
    { "leave", leave_action_cb, NULL, NULL, NULL, { 0 } },
  };

  gtk_widget_init_template (GTK_WIDGET (self));
  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);
  self->cancellable = g_cancellable_new ();
  self->stick_to_bottom = TRUE;
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->input)), _("Message"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->history)), _("Conversation"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->send_button)), _("Send"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->group_menu_button)), _("Group menu"));
}

TdChatWindow *
td_chat_window_new (GtkApplication *application,
                    TdClient       *client,
                    TdContact      *contact)
{
  TdChatWindow *self;
  GtkTextBuffer *buffer;

  g_return_val_if_fail (TD_IS_CLIENT (client), NULL);
  g_return_val_if_fail (TD_IS_CONTACT (contact), NULL);

  self = g_object_new (TD_TYPE_CHAT_WINDOW, "application", application, NULL);
  self->client = g_object_ref (client);
  self->contact = g_object_ref (contact);
  self->conversation = g_object_ref (td_client_get_conversation (client, td_contact_get_login (contact)));
  self->is_group = td_contact_get_is_group (contact);
  gtk_widget_set_visible (GTK_WIDGET (self->group_menu_button), self->is_group);
  if (self->is_group)
    gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (self)), "group-chat");

  rebuild_rows (self);
  g_signal_connect_object (self->conversation, "items-changed", G_CALLBACK (items_changed_cb), self, 0);
  g_signal_connect_object (self->conversation, "items-changed", G_CALLBACK (messages_changed_cb), self,
                           G_CONNECT_SWAPPED | G_CONNECT_AFTER);
  g_signal_connect_object (contact, "notify::name", G_CALLBACK (update_title), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (contact, "notify::presence", G_CALLBACK (update_title), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (contact, "notify::member-count", G_CALLBACK (update_title), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (contact, "notify::group-kind", G_CALLBACK (update_group_actions), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (self->conversation, "notify::typing", G_CALLBACK (typing_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->conversation, "notify::typing-count", G_CALLBACK (typing_cb), self,
                           G_CONNECT_SWAPPED);
  if (self->is_group)
    g_signal_connect_object (td_client_get_contacts (client), "items-changed", G_CALLBACK (contacts_changed_cb),
                             self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::state", G_CALLBACK (update_state), self, G_CONNECT_SWAPPED);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (is_active_cb), NULL);
  g_signal_connect_object (vadjustment (self), "changed", G_CALLBACK (adjustment_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (vadjustment (self), "value-changed", G_CALLBACK (adjustment_value_changed_cb), self,
                           G_CONNECT_SWAPPED);
  buffer = gtk_text_view_get_buffer (self->input);
  g_signal_connect_object (buffer, "changed", G_CALLBACK (input_changed_cb), self, G_CONNECT_SWAPPED);
  input_changed_cb (self);
  update_title (self);
  update_group_actions (self);
  typing_cb (self);
  if (self->is_group)
    contacts_changed_cb (self);
  update_state (self);

  /* Something to look at right away when the cache has little. */
  if (g_list_model_get_n_items (G_LIST_MODEL (self->conversation)) < 20)
    td_conversation_load_older_async (self->conversation, PAGE_SIZE, self->cancellable, NULL, NULL);
  return self;
}

const char *
td_chat_window_get_peer (TdChatWindow *self)
{
  g_return_val_if_fail (TD_IS_CHAT_WINDOW (self), NULL);

  return td_contact_get_login (self->contact);
}

void
td_chat_window_focus_input (TdChatWindow *self)
{
  g_return_if_fail (TD_IS_CHAT_WINDOW (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->input));
}

GtkTextView *
td_chat_window_get_input (TdChatWindow *self)
{
  g_return_val_if_fail (TD_IS_CHAT_WINDOW (self), NULL);

  return self->input;
}

GtkListBox *
td_chat_window_get_history (TdChatWindow *self)
{
  g_return_val_if_fail (TD_IS_CHAT_WINDOW (self), NULL);

  return self->history;
}

const char *
td_chat_window_get_typing_text (TdChatWindow *self)
{
  g_return_val_if_fail (TD_IS_CHAT_WINDOW (self), NULL);

  return gtk_revealer_get_reveal_child (self->typing_revealer) ? gtk_label_get_text (self->typing_label) : "";
}

const char *
td_chat_window_get_subtitle (TdChatWindow *self)
{
  g_return_val_if_fail (TD_IS_CHAT_WINDOW (self), NULL);

  return gtk_header_bar_get_subtitle (self->header_bar);
}
