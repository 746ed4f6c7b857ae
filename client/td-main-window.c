/* td-main-window.c - main window.  The lists are TdContactList models
 * bound to list boxes; rows update themselves from their objects, so this
 * file only wires search, activation and the connection state.
 *
 * The Reminders page is not bound to the model (gtk_list_box_bind_model
 * rules out sorting and headers): one TdReminderRow per item is kept in
 * step with items-changed, and the list box sorts them (open, snoozed,
 * done) and puts a header above the snoozed and the done ones.  Whatever
 * the page shows while the window is active counts as read. */
#define G_LOG_DOMAIN "td-main-window"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "td-contact-row.h"
#include "td-department-row.h"
#include "td-lazy-list.h"
#include "td-main-window.h"
#include "td-reminder-row.h"

#define TIME_REFRESH_S 60
/* Rows a list starts with (and a new search starts again with): a tall
 * window's worth, since each costs a widget built and measured before the
 * first paint.  A 10,000 person directory costs what these rows cost. */
#define LIST_FIRST 60
/* Rows added whenever the user scrolls within two pages of the end (see
 * td-lazy-list.h). */
#define LIST_CHUNK 150

struct _TdMainWindow
{
  GtkApplicationWindow  parent_instance;

  TdClient             *client;
  TdContactList        *contacts;
  TdContactList        *recent;          /* NULL until the Recent page is first shown */
  TdLazyList           *contacts_shown;
  TdLazyList           *recent_shown;
  GListModel           *reminders;
  GPtrArray            *reminder_rows;   /* TdReminderRow*, in model order */
  char                 *error;
  char                 *filter;          /* case-folded search, NULL for none */
  guint                 time_id;
  guint                 mark_read_id;

  GtkHeaderBar         *header_bar;
  GtkMenuButton        *status_button;
  GtkLabel             *status_dot;
  GtkLabel             *status_button_label;
  GtkMenuButton        *menu_button;
  GtkSearchEntry       *search_entry;
  GtkStack             *stack;
  GtkListBox           *contacts_view;
  GtkListBox           *recent_view;
  GtkWidget            *reminders_page;
  GtkListBox           *reminders_view;
  GtkButton            *new_group_button;
  GtkRevealer          *state_revealer;
  GtkLabel             *state_label;
  GtkSpinner           *state_spinner;
};

G_DEFINE_TYPE (TdMainWindow, td_main_window, GTK_TYPE_APPLICATION_WINDOW)

static const char * const presence_classes[] = { "offline", "online", "away", "busy" };

static GtkWidget *
create_row (gpointer item,
            gpointer user_data)
{
  gboolean recent = GPOINTER_TO_INT (user_data);

  if (TD_IS_DEPARTMENT (item))
    return td_department_row_new (item);
  return td_contact_row_new (item, recent);
}

static void
open_chat (TdMainWindow *self,
           TdContact    *contact)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));

  if (app != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (app), "open-chat",
                                    g_variant_new_string (td_contact_get_login (contact)));
}

static void
toggle_department (TdMainWindow    *self,
                   TdDepartmentRow *row)
{
  TdDepartment *department = td_department_row_get_department (row);
  int index = gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row));
  GtkListBoxRow *again;

  td_contact_list_set_section_expanded (self->contacts, department, !td_department_get_expanded (department));
  /* The model may have rebuilt the rows; the header keeps its position,
   * so keyboard focus stays where the user is. */
  again = gtk_list_box_get_row_at_index (self->contacts_view, index);
  if (again != NULL)
    gtk_widget_grab_focus (GTK_WIDGET (again));
}

static void
row_activated_cb (GtkListBox    *box,
                  GtkListBoxRow *row,
                  TdMainWindow  *self)
{
  if (TD_IS_CONTACT_ROW (row))
    {
      open_chat (self, td_contact_row_get_contact (TD_CONTACT_ROW (row)));
      return;
    }
  if (TD_IS_DEPARTMENT_ROW (row))
    {
      GdkEvent *event = gtk_get_current_event ();
      gboolean by_mouse = event != NULL
                          && (event->type == GDK_BUTTON_PRESS || event->type == GDK_2BUTTON_PRESS
                              || event->type == GDK_BUTTON_RELEASE);

      g_clear_pointer (&event, gdk_event_free);
      /* A click toggles on the first release (click_released_cb); the
       * double-click activation must not toggle it back. */
      if (!by_mouse)
        toggle_department (self, TD_DEPARTMENT_ROW (row));
    }
}

static void
click_released_cb (GtkGestureMultiPress *gesture,
                   int                   n_press,
                   double                x,
                   double                y,
                   TdMainWindow         *self)
{
  GtkListBoxRow *row;

  if (n_press != 1)
    return;
  row = gtk_list_box_get_row_at_y (self->contacts_view, (int) y);
  if (TD_IS_DEPARTMENT_ROW (row))
    toggle_department (self, TD_DEPARTMENT_ROW (row));
}

/* A new search starts at the top: only its first rows are built.  The
 * list reports a search as many small changes (rows that still match
 * stay); the lazy list evens its tail out once, after all of them. */
static void
apply_filter (TdContactList *list,
              TdLazyList    *shown,
              const char    *filter)
{
  if (list == NULL)
    return;
  td_lazy_list_freeze (shown);
  td_lazy_list_set_limit (shown, LIST_FIRST);
  td_contact_list_set_filter (list, filter);
  td_lazy_list_thaw (shown);
}

static void
search_changed_cb (TdMainWindow *self)
{
  const char *text = gtk_entry_get_text (GTK_ENTRY (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  g_autofree char *folded = g_utf8_casefold (stripped, -1);

  g_free (self->filter);
  self->filter = folded[0] != '\0' ? g_steal_pointer (&folded) : NULL;
  apply_filter (self->contacts, self->contacts_shown, self->filter);
  apply_filter (self->recent, self->recent_shown, self->filter);
  gtk_list_box_invalidate_filter (self->reminders_view);
}

/* Near the end of what is built: build the next rows. */
static void
grow_if_near_end (GtkAdjustment *adj,
                  TdLazyList    *shown)
{
  double value = gtk_adjustment_get_value (adj);
  double page = gtk_adjustment_get_page_size (adj);

  if (page > 0 && value + 2 * page >= gtk_adjustment_get_upper (adj) && td_lazy_list_has_more (shown))
    td_lazy_list_set_limit (shown, td_lazy_list_get_limit (shown) + LIST_CHUNK);
}

static void
follow_scrolling (GtkListBox *view,
                  TdLazyList *shown)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (GTK_WIDGET (view), GTK_TYPE_SCROLLED_WINDOW);
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));

  g_signal_connect_object (adj, "value-changed", G_CALLBACK (grow_if_near_end), shown, 0);
  g_signal_connect_object (adj, "changed", G_CALLBACK (grow_if_near_end), shown, 0);
}

static void
stop_search_cb (TdMainWindow *self)
{
  gtk_entry_set_text (GTK_ENTRY (self->search_entry), "");
}

/* Enter in the search box opens the first person found, Down moves into
 * the list: searching and opening a chat never need the mouse. */
static GtkListBox *
visible_list (TdMainWindow *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->stack);

  if (g_strcmp0 (page, "recent") == 0)
    return self->recent_view;
  if (g_strcmp0 (page, "reminders") == 0)
    return self->reminders_view;
  return self->contacts_view;
}

static void
search_activate_cb (TdMainWindow *self)
{
  GtkListBox *list = visible_list (self);

  for (int i = 0;; i++)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (list, i);

      if (row == NULL)
        break;
      if (TD_IS_CONTACT_ROW (row))
        {
          open_chat (self, td_contact_row_get_contact (TD_CONTACT_ROW (row)));
          break;
        }
    }
}

static gboolean
search_key_press_cb (GtkWidget    *widget,
                     GdkEventKey  *event,
                     TdMainWindow *self)
{
  GtkListBox *list;
  GtkListBoxRow *row;

  if (event->keyval != GDK_KEY_Down)
    return GDK_EVENT_PROPAGATE;
  list = visible_list (self);
  row = gtk_list_box_get_row_at_index (list, 0);
  if (row == NULL)
    return GDK_EVENT_PROPAGATE;
  gtk_widget_grab_focus (GTK_WIDGET (row));
  return GDK_EVENT_STOP;
}

static void
update_status (TdMainWindow *self)
{
  TdPresence status = td_client_get_status (self->client);
  GtkStyleContext *style = gtk_widget_get_style_context (GTK_WIDGET (self->status_dot));
  const char *login = td_client_get_login (self->client);
  const char *name = td_client_get_name (self->client);
  g_autofree char *accessible = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (presence_classes); i++)
    gtk_style_context_remove_class (style, presence_classes[i]);
  if (td_client_get_state (self->client) != TD_CONNECTION_STATE_ONLINE)
    status = TD_PRESENCE_OFFLINE;
  if ((guint) status < G_N_ELEMENTS (presence_classes))
    gtk_style_context_add_class (style, presence_classes[status]);
  gtk_label_set_text (self->status_button_label, td_contact_row_presence_text (status));
  gtk_header_bar_set_title (self->header_bar, name != NULL ? name : login != NULL ? login : "Tidings");
  /* TRANSLATORS: accessible name of the own status button. */
  accessible = g_strdup_printf (_("My status: %s"), td_contact_row_presence_text (status));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->status_button)), accessible);
}

static void
update_state (TdMainWindow *self)
{
  TdConnectionState state = td_client_get_state (self->client);
  const char *text = NULL;
  gboolean busy = FALSE;

  switch (state)
    {
    case TD_CONNECTION_STATE_ONLINE:
      g_clear_pointer (&self->error, g_free);
      break;
    case TD_CONNECTION_STATE_SYNCING:
      text = _("Synchronising…");
      busy = TRUE;
      break;
    case TD_CONNECTION_STATE_CONNECTING:
    case TD_CONNECTION_STATE_AUTHENTICATING:
      text = _("Connecting…");
      busy = TRUE;
      break;
    case TD_CONNECTION_STATE_DISCONNECTED:
    default:
      text = _("Offline — reconnecting…");
      break;
    }
  if (text != NULL && self->error != NULL && !busy)
    {
      /* TRANSLATORS: %s is why the last connection attempt failed. */
      g_autofree char *with_error = g_strdup_printf (_("Offline — reconnecting… (%s)"), self->error);

      gtk_label_set_text (self->state_label, with_error);
    }
  else if (text != NULL)
    gtk_label_set_text (self->state_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->state_spinner), busy);
  if (busy)
    gtk_spinner_start (self->state_spinner);
  else
    gtk_spinner_stop (self->state_spinner);
  gtk_revealer_set_reveal_child (self->state_revealer, text != NULL);
  update_status (self);
}

void
td_main_window_show_error (TdMainWindow *self,
                           const char   *message)
{
  g_return_if_fail (TD_IS_MAIN_WINDOW (self));

  g_free (self->error);
  self->error = g_strdup (message);
  update_state (self);
}

/* ---- reminders ----------------------------------------------------------- */

static gboolean
reminders_visible (TdMainWindow *self)
{
  return gtk_stack_get_visible_child (self->stack) == self->reminders_page
         && gtk_widget_get_mapped (GTK_WIDGET (self)) && gtk_window_is_active (GTK_WINDOW (self));
}

static gboolean
mark_read_cb (gpointer user_data)
{
  TdMainWindow *self = user_data;

  self->mark_read_id = 0;
  if (!reminders_visible (self))
    return G_SOURCE_REMOVE;
  for (guint i = 0; i < self->reminder_rows->len; i++)
    {
      GtkWidget *row = g_ptr_array_index (self->reminder_rows, i);
      TdReminderItem *item = td_reminder_row_get_item (TD_REMINDER_ROW (row));

      /* Only what the user can see: a search may hide some. */
      if (!td_reminder_item_get_read (item) && gtk_widget_get_child_visible (row))
        td_client_update_reminder (self->client, td_reminder_item_get_rid (item), TD_REMINDER_ACTION_READ, 0);
    }
  return G_SOURCE_REMOVE;
}

/* Coalesced: a session start delivers many reminders at once. */
static void
schedule_mark_read (TdMainWindow *self)
{
  if (self->mark_read_id == 0 && reminders_visible (self))
    self->mark_read_id = g_idle_add (mark_read_cb, self);
}

static void
update_reminders_title (TdMainWindow *self)
{
  guint unread = td_client_get_unread_reminders (self->client);
  g_autofree char *title = NULL;

  if (unread > 0)
    /* TRANSLATORS: the Reminders tab with the number of new reminders. */
    title = g_strdup_printf (_("Reminders (%u)"), unread);
  else
    title = g_strdup (_("Reminders"));
  gtk_container_child_set (GTK_CONTAINER (self->stack), self->reminders_page,
                           "title", title, "needs-attention", unread > 0, NULL);
}

/* The Recent list is a second view of the whole directory: built when
 * first needed, not before the window's first paint. */
static void
ensure_recent (TdMainWindow *self)
{
  if (self->recent != NULL || self->client == NULL)
    return;
  self->recent = td_contact_list_new (td_client_get_contacts (self->client), TD_CONTACT_LIST_RECENT);
  td_contact_list_set_filter (self->recent, self->filter);
  self->recent_shown = td_lazy_list_new (G_LIST_MODEL (self->recent), LIST_FIRST);
  gtk_list_box_bind_model (self->recent_view, G_LIST_MODEL (self->recent_shown), create_row,
                           GINT_TO_POINTER (TRUE), NULL);
  follow_scrolling (self->recent_view, self->recent_shown);
}

static void
visible_page_cb (TdMainWindow *self)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "recent") == 0)
    ensure_recent (self);
  schedule_mark_read (self);
}

static void
is_active_cb (TdMainWindow *self)
{
  schedule_mark_read (self);
}

static void
reminders_changed_cb (GListModel   *model,
                      guint         position,
                      guint         removed,
                      guint         added,
                      TdMainWindow *self)
{
  for (guint i = 0; i < removed; i++)
    gtk_widget_destroy (g_ptr_array_index (self->reminder_rows, position + i));
  g_ptr_array_remove_range (self->reminder_rows, position, removed);
  for (guint i = 0; i < added; i++)
    {
      g_autoptr(TdReminderItem) item = g_list_model_get_item (model, position + i);
      GtkWidget *row = td_reminder_row_new (self->client, item);

      g_ptr_array_insert (self->reminder_rows, position + i, row);
      gtk_container_add (GTK_CONTAINER (self->reminders_view), row);
    }
  schedule_mark_read (self);
}

static gboolean
reminder_matches (GtkListBoxRow *row,
                  gpointer       user_data)
{
  TdMainWindow *self = user_data;
  TdReminderItem *item = td_reminder_row_get_item (TD_REMINDER_ROW (row));
  const char *fields[3];

  if (self->filter == NULL)
    return TRUE;
  fields[0] = td_reminder_item_get_title (item);
  fields[1] = td_reminder_item_get_body (item);
  fields[2] = td_reminder_item_get_source (item);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      g_autofree char *folded = g_utf8_casefold (fields[i], -1);

      if (strstr (folded, self->filter) != NULL)
        return TRUE;
    }
  return FALSE;
}

static void
reminder_header (GtkListBoxRow *row,
                 GtkListBoxRow *before,
                 gpointer       user_data)
{
  TdReminderState state = td_reminder_item_get_state (td_reminder_row_get_item (TD_REMINDER_ROW (row)));
  TdReminderState previous = before != NULL
                               ? td_reminder_item_get_state (td_reminder_row_get_item (TD_REMINDER_ROW (before)))
                               : TD_REMINDER_OPEN;
  const char *text = NULL;
  GtkWidget *header;

  if (state != previous || before == NULL)
    {
      if (state == TD_REMINDER_SNOOZED)
        text = _("Snoozed");
      else if (state == TD_REMINDER_DONE)
        text = _("Done");
    }
  if (text == NULL)
    {
      if (before != NULL)
        gtk_list_box_row_set_header (row, gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
      else
        gtk_list_box_row_set_header (row, NULL);
      return;
    }
  header = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (header), 0);
  gtk_style_context_add_class (gtk_widget_get_style_context (header), "reminder-section");
  gtk_widget_show (header);
  gtk_list_box_row_set_header (row, header);
}

static gboolean
refresh_times_cb (gpointer user_data)
{
  TdMainWindow *self = user_data;

  for (guint i = 0; i < self->reminder_rows->len; i++)
    td_reminder_row_update_time (g_ptr_array_index (self->reminder_rows, i));
  return G_SOURCE_CONTINUE;
}

static void
search_action_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  td_main_window_focus_search (user_data);
}

static void
td_main_window_dispose (GObject *object)
{
  TdMainWindow *self = TD_MAIN_WINDOW (object);

  g_clear_object (&self->contacts_shown);
  g_clear_object (&self->recent_shown);
  g_clear_object (&self->contacts);
  g_clear_object (&self->recent);
  g_clear_handle_id (&self->time_id, g_source_remove);
  g_clear_handle_id (&self->mark_read_id, g_source_remove);
  if (self->reminders != NULL)
    g_signal_handlers_disconnect_by_data (self->reminders, self);
  g_clear_object (&self->reminders);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (td_main_window_parent_class)->dispose (object);
}

static void
td_main_window_finalize (GObject *object)
{
  TdMainWindow *self = TD_MAIN_WINDOW (object);

  g_free (self->error);
  g_free (self->filter);
  g_ptr_array_unref (self->reminder_rows);
  G_OBJECT_CLASS (td_main_window_parent_class)->finalize (object);
}

static void
td_main_window_class_init (TdMainWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_main_window_dispose;
  object_class->finalize = td_main_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tidings/Tidings/ui/td-main-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, header_bar);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, status_button);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, status_dot);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, status_button_label);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, contacts_view);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, recent_view);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, reminders_page);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, reminders_view);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, new_group_button);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, state_revealer);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, state_label);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, state_spinner);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_key_press_cb);
  gtk_widget_class_bind_template_callback (widget_class, visible_page_cb);
}

static void
td_main_window_init (TdMainWindow *self)
{
  static const GActionEntry actions[] = {
    { "search", search_action_cb, NULL, NULL, NULL, { 0 } },
  };
  GtkGesture *gesture;

  gtk_widget_init_template (GTK_WIDGET (self));
  /* Rows are destroyed by the list box; the array only keeps the order. */
  self->reminder_rows = g_ptr_array_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self), actions, G_N_ELEMENTS (actions), self);

  gesture = gtk_gesture_multi_press_new (GTK_WIDGET (self->contacts_view));
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (gesture), GDK_BUTTON_PRIMARY);
  g_signal_connect (gesture, "released", G_CALLBACK (click_released_cb), self);
  /* Lives as long as the list box. */
  g_object_set_data_full (G_OBJECT (self->contacts_view), "td-click-gesture", gesture, g_object_unref);

  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->search_entry)), _("Search colleagues"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->contacts_view)), _("Contacts"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->recent_view)), _("Recent conversations"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->menu_button)), _("Main menu"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->reminders_view)), _("Reminders"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->new_group_button)), _("New Group…"));
  gtk_list_box_set_sort_func (self->reminders_view, td_reminder_row_compare, NULL, NULL);
  gtk_list_box_set_filter_func (self->reminders_view, reminder_matches, self, NULL);
  gtk_list_box_set_header_func (self->reminders_view, reminder_header, NULL, NULL);
}

TdMainWindow *
td_main_window_new (GtkApplication *application,
                    TdClient       *client)
{
  TdMainWindow *self;
  GListModel *people;

  g_return_val_if_fail (TD_IS_CLIENT (client), NULL);

  self = g_object_new (TD_TYPE_MAIN_WINDOW, "application", application, NULL);
  self->client = g_object_ref (client);
  people = td_client_get_contacts (client);
  self->contacts = td_contact_list_new (people, TD_CONTACT_LIST_GROUPED);
  self->contacts_shown = td_lazy_list_new (G_LIST_MODEL (self->contacts), LIST_FIRST);
  gtk_list_box_bind_model (self->contacts_view, G_LIST_MODEL (self->contacts_shown), create_row,
                           GINT_TO_POINTER (FALSE), NULL);
  follow_scrolling (self->contacts_view, self->contacts_shown);
  /* Builds the Recent list now only if that page is the one shown. */
  visible_page_cb (self);
  g_signal_connect_object (client, "notify::state", G_CALLBACK (update_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::status", G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::login", G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::name", G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::unread-reminders", G_CALLBACK (update_reminders_title), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect (self, "notify::is-active", G_CALLBACK (is_active_cb), NULL);

  self->reminders = g_object_ref (td_client_get_reminders (client));
  g_signal_connect (self->reminders, "items-changed", G_CALLBACK (reminders_changed_cb), self);
  reminders_changed_cb (self->reminders, 0, 0, g_list_model_get_n_items (self->reminders), self);
  self->time_id = g_timeout_add_seconds (TIME_REFRESH_S, refresh_times_cb, self);
  update_reminders_title (self);
  update_state (self);
  return self;
}

void
td_main_window_focus_search (TdMainWindow *self)
{
  g_return_if_fail (TD_IS_MAIN_WINDOW (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

GtkListBox *
td_main_window_get_contacts_view (TdMainWindow *self)
{
  g_return_val_if_fail (TD_IS_MAIN_WINDOW (self), NULL);
  return self->contacts_view;
}

TdContactList *
td_main_window_get_contacts (TdMainWindow *self)
{
  g_return_val_if_fail (TD_IS_MAIN_WINDOW (self), NULL);
  return self->contacts;
}

GtkListBox *
td_main_window_get_recent_view (TdMainWindow *self)
{
  g_return_val_if_fail (TD_IS_MAIN_WINDOW (self), NULL);
  ensure_recent (self);
  return self->recent_view;
}

GtkEntry *
td_main_window_get_search_entry (TdMainWindow *self)
{
  g_return_val_if_fail (TD_IS_MAIN_WINDOW (self), NULL);
  return GTK_ENTRY (self->search_entry);
}

const char *
td_main_window_get_status_text (TdMainWindow *self)
{
  g_return_val_if_fail (TD_IS_MAIN_WINDOW (self), NULL);
  return gtk_revealer_get_reveal_child (self->state_revealer) ? gtk_label_get_text (self->state_label) : "";
}

void
td_main_window_show_reminders (TdMainWindow *self)
{
  g_return_if_fail (TD_IS_MAIN_WINDOW (self));

  gtk_stack_set_visible_child (self->stack, self->reminders_page);
  gtk_window_present (GTK_WINDOW (self));
}

GtkListBox *
td_main_window_get_reminders_view (TdMainWindow *self)
{
  g_return_val_if_fail (TD_IS_MAIN_WINDOW (self), NULL);
  return self->reminders_view;
}

char *
td_main_window_get_reminders_title (TdMainWindow *self)
{
  char *title = NULL;

  g_return_val_if_fail (TD_IS_MAIN_WINDOW (self), NULL);
  gtk_container_child_get (GTK_CONTAINER (self->stack), self->reminders_page, "title", &title, NULL);
  return title;
}
