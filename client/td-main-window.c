/* td-main-window.c - main window.  The lists are TdContactList models
 * bound to list boxes; rows update themselves from their objects, so this
 * file only wires search, activation and the connection state. */
#define G_LOG_DOMAIN "td-main-window"

#include "config.h"

#include <glib/gi18n.h>

#include "td-contact-row.h"
#include "td-department-row.h"
#include "td-main-window.h"

struct _TdMainWindow
{
  GtkApplicationWindow  parent_instance;

  TdClient             *client;
  TdContactList        *contacts;
  TdContactList        *recent;
  char                 *error;

  GtkHeaderBar         *header_bar;
  GtkMenuButton        *status_button;
  GtkLabel             *status_dot;
  GtkLabel             *status_button_label;
  GtkMenuButton        *menu_button;
  GtkSearchEntry       *search_entry;
  GtkStack             *stack;
  GtkListBox           *contacts_view;
  GtkListBox           *recent_view;
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

  td_contact_list_set_expanded (self->contacts, td_department_get_name (department),
                                !td_department_get_expanded (department));
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

static void
search_changed_cb (TdMainWindow *self)
{
  const char *text = gtk_entry_get_text (GTK_ENTRY (self->search_entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  g_autofree char *folded = g_utf8_casefold (stripped, -1);

  td_contact_list_set_filter (self->contacts, folded[0] != '\0' ? folded : NULL);
  td_contact_list_set_filter (self->recent, folded[0] != '\0' ? folded : NULL);
}

static void
stop_search_cb (TdMainWindow *self)
{
  gtk_entry_set_text (GTK_ENTRY (self->search_entry), "");
}

/* Enter in the search box opens the first person found, Down moves into
 * the list: searching and opening a chat never need the mouse. */
static void
search_activate_cb (TdMainWindow *self)
{
  GtkListBox *list = g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "recent") == 0
                       ? self->recent_view : self->contacts_view;

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
  list = g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "recent") == 0
           ? self->recent_view : self->contacts_view;
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

  g_clear_object (&self->contacts);
  g_clear_object (&self->recent);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (td_main_window_parent_class)->dispose (object);
}

static void
td_main_window_finalize (GObject *object)
{
  TdMainWindow *self = TD_MAIN_WINDOW (object);

  g_free (self->error);
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
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, state_revealer);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, state_label);
  gtk_widget_class_bind_template_child (widget_class, TdMainWindow, state_spinner);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_key_press_cb);
}

static void
td_main_window_init (TdMainWindow *self)
{
  static const GActionEntry actions[] = {
    { "search", search_action_cb, NULL, NULL, NULL, { 0 } },
  };
  GtkGesture *gesture;

  gtk_widget_init_template (GTK_WIDGET (self));
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
  self->recent = td_contact_list_new (people, TD_CONTACT_LIST_RECENT);
  gtk_list_box_bind_model (self->contacts_view, G_LIST_MODEL (self->contacts), create_row,
                           GINT_TO_POINTER (FALSE), NULL);
  gtk_list_box_bind_model (self->recent_view, G_LIST_MODEL (self->recent), create_row,
                           GINT_TO_POINTER (TRUE), NULL);
  g_signal_connect_object (client, "notify::state", G_CALLBACK (update_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::status", G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::login", G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (client, "notify::name", G_CALLBACK (update_status), self, G_CONNECT_SWAPPED);
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
