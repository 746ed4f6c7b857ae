/* td-reminder-row.c - a row of the Reminders view.  Follows its
 * TdReminderItem through notify; the buttons are actions of a "reminder"
 * action group on the row, so the Snooze menu and the buttons share them.
 * Everything shown comes from the network and reaches labels as plain
 * text. */
#define G_LOG_DOMAIN "td-reminder-row"

#include "config.h"

#include <glib/gi18n.h>

#include "td-reminder-row.h"

#define MINUTE_MS (60 * G_GINT64_CONSTANT (1000))
#define HOUR_MS   (60 * MINUTE_MS)
/* "Tomorrow morning" is the start of an office day. */
#define MORNING_HOUR 9

struct _TdReminderRow
{
  GtkListBoxRow       parent_instance;

  TdClient           *client;
  TdReminderItem     *item;
  GSimpleActionGroup *actions;
  GCancellable       *cancellable;
  gboolean            own_announcement;

  GtkBox             *content;
  GtkImage           *priority_icon;
  GtkLabel           *urgent_label;
  GtkLabel           *title_label;
  GtkLabel           *body_label;
  GtkLabel           *meta_label;
  GtkButton          *link_button;
  GtkButton          *done_button;
  GtkButton          *reopen_button;
  GtkMenuButton      *snooze_button;
  GtkMenuButton      *read_by_button;
  GtkLabel           *read_by_label;
  GtkPopover         *read_by_popover;
  GtkLabel           *status_label;
  GtkLabel           *unread_heading;
  GtkLabel           *unread_label;
};

G_DEFINE_TYPE (TdReminderRow, td_reminder_row, GTK_TYPE_LIST_BOX_ROW)

/* ---- time ---------------------------------------------------------------- */

static gboolean
same_day (GDateTime *a,
          GDateTime *b)
{
  return g_date_time_get_year (a) == g_date_time_get_year (b)
         && g_date_time_get_day_of_year (a) == g_date_time_get_day_of_year (b);
}

gint64
td_reminder_snooze_until (const char *choice,
                          GDateTime  *now)
{
  g_return_val_if_fail (choice != NULL && now != NULL, 0);

  if (g_str_equal (choice, "15m"))
    return g_date_time_to_unix (now) * 1000 + 15 * MINUTE_MS;
  if (g_str_equal (choice, "1h"))
    return g_date_time_to_unix (now) * 1000 + HOUR_MS;
  if (g_str_equal (choice, "tomorrow"))
    {
      g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
      g_autoptr(GDateTime) morning = g_date_time_new (g_date_time_get_timezone (now),
                                                      g_date_time_get_year (tomorrow),
                                                      g_date_time_get_month (tomorrow),
                                                      g_date_time_get_day_of_month (tomorrow),
                                                      MORNING_HOUR, 0, 0);

      return g_date_time_to_unix (morning) * 1000;
    }
  return 0;
}

char *
td_reminder_format_relative (gint64     time_ms,
                             GDateTime *now)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (time_ms / 1000);
  g_autoptr(GDateTime) yesterday = g_date_time_add_days (now, -1);
  gint64 ago_ms = g_date_time_to_unix (now) * 1000 - time_ms;
  g_autofree char *clock = NULL;

  if (time == NULL)
    return g_strdup ("");
  /* A clock a little ahead of the server's is still "just now". */
  if (ago_ms < MINUTE_MS)
    return g_strdup (_("just now"));
  if (ago_ms < HOUR_MS)
    {
      guint minutes = ago_ms / MINUTE_MS;

      return g_strdup_printf (ngettext ("%u minute ago", "%u minutes ago", minutes), minutes);
    }
  if (same_day (time, now))
    {
      guint hours = ago_ms / HOUR_MS;

      return g_strdup_printf (ngettext ("%u hour ago", "%u hours ago", hours), hours);
    }
  clock = g_date_time_format (time, "%H:%M");
  if (same_day (time, yesterday))
    /* TRANSLATORS: %s is a time of day, "14:05". */
    return g_strdup_printf (_("yesterday, %s"), clock);
  return g_date_time_format (time, "%Y-%m-%d %H:%M");
}

static char *
format_until (gint64     until_ms,
              GDateTime *now)
{
  g_autoptr(GDateTime) until = g_date_time_new_from_unix_local (until_ms / 1000);
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autofree char *clock = NULL;

  if (until == NULL)
    return g_strdup ("");
  clock = g_date_time_format (until, "%H:%M");
  if (same_day (until, now))
    /* TRANSLATORS: %s is a time of day, "14:05". */
    return g_strdup_printf (_("Snoozed until %s"), clock);
  if (same_day (until, tomorrow))
    /* TRANSLATORS: %s is a time of day, "09:00". */
    return g_strdup_printf (_("Snoozed until tomorrow, %s"), clock);
  {
    g_autofree char *date = g_date_time_format (until, "%Y-%m-%d %H:%M");

    return g_strdup_printf (_("Snoozed until %s"), date);
  }
}

/* ---- showing ------------------------------------------------------------- */

static const char *
display_name (TdReminderRow *self,
              const char    *login)
{
  TdContact *contact = td_client_lookup_contact (self->client, login);

  return contact != NULL ? td_contact_get_name (contact) : login;
}

static void
update_meta (TdReminderRow *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *when = td_reminder_format_relative (td_reminder_item_get_time (self->item), now);
  g_autofree char *from = NULL;
  g_autoptr(GString) meta = g_string_new (NULL);
  const char *source = td_reminder_item_get_source (self->item);

  if (td_reminder_item_get_kind (self->item) == TD_REMINDER_KIND_ANNOUNCEMENT)
    /* TRANSLATORS: %s is the name of the admin who announced it. */
    from = g_strdup_printf (_("Announcement from %s"), display_name (self, source));
  else
    from = g_strdup (source);
  /* TRANSLATORS: who sent a reminder and when: "workflow · 5 minutes ago". */
  g_string_printf (meta, _("%s · %s"), from, when);
  if (td_reminder_item_get_state (self->item) == TD_REMINDER_SNOOZED)
    {
      g_autofree char *until = format_until (td_reminder_item_get_until (self->item), now);

      g_string_append_c (meta, '\n');
      g_string_append (meta, until);
    }
  gtk_label_set_text (self->meta_label, meta->str);
}

static void
set_class (GtkWidget  *widget,
           const char *klass,
           gboolean    on)
{
  GtkStyleContext *style = gtk_widget_get_style_context (widget);

  if (on)
    gtk_style_context_add_class (style, klass);
  else
    gtk_style_context_remove_class (style, klass);
}

static void
update (TdReminderRow *self)
{
  TdReminderState state = td_reminder_item_get_state (self->item);
  gboolean urgent = td_reminder_item_get_urgent (self->item);
  gboolean done = state == TD_REMINDER_DONE;
  gboolean has_link = td_reminder_item_get_link (self->item)[0] != '\0';
  const char *body = td_reminder_item_get_body (self->item);
  const char *icon;
  g_autofree char *accessible = NULL;

  if (urgent && !done)
    icon = "dialog-warning-symbolic";
  else if (td_reminder_item_get_kind (self->item) == TD_REMINDER_KIND_ANNOUNCEMENT)
    icon = "dialog-information-symbolic";
  else
    icon = "alarm-symbolic";
  gtk_image_set_from_icon_name (self->priority_icon, icon, GTK_ICON_SIZE_BUTTON);
  gtk_widget_set_visible (GTK_WIDGET (self->urgent_label), urgent && !done);
  gtk_label_set_text (self->title_label, td_reminder_item_get_title (self->item));
  gtk_label_set_text (self->body_label, body);
  gtk_widget_set_visible (GTK_WIDGET (self->body_label), body[0] != '\0');
  update_meta (self);

  gtk_widget_set_visible (GTK_WIDGET (self->link_button), has_link);
  gtk_widget_set_visible (GTK_WIDGET (self->done_button), !done);
  gtk_widget_set_visible (GTK_WIDGET (self->snooze_button), !done);
  gtk_widget_set_visible (GTK_WIDGET (self->reopen_button), done);

  set_class (GTK_WIDGET (self), "urgent", urgent && !done);
  set_class (GTK_WIDGET (self), "done", done);
  set_class (GTK_WIDGET (self), "unread", td_reminder_item_get_unread (self->item));
  /* Done ones stay for reference, dimmed. */
  set_class (GTK_WIDGET (self->content), "dim-label", done);

  if (done)
    /* TRANSLATORS: accessible name of a reminder row that was handled. */
    accessible = g_strdup_printf (_("Done: %s"), td_reminder_item_get_title (self->item));
  else if (urgent)
    /* TRANSLATORS: accessible name of an urgent reminder row. */
    accessible = g_strdup_printf (_("Urgent: %s"), td_reminder_item_get_title (self->item));
  else
    accessible = g_strdup (td_reminder_item_get_title (self->item));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self)), accessible);
}

static void
item_notify_cb (TdReminderRow *self,
                GParamSpec    *pspec)
{
  const char *name = g_param_spec_get_name (pspec);

  update (self);
  /* The view sorts and groups by state. */
  if (g_str_equal (name, "state") || g_str_equal (name, "time"))
    gtk_list_box_row_changed (GTK_LIST_BOX_ROW (self));
}

void
td_reminder_row_update_time (TdReminderRow *self)
{
  g_return_if_fail (TD_IS_REMINDER_ROW (self));

  update_meta (self);
}

/* ---- "Read by N of M" ---------------------------------------------------- */

static void
show_status (TdReminderRow    *self,
             TdReminderStatus *status)
{
  g_autofree char *read_by = NULL;
  g_autofree char *detail = NULL;
  g_autoptr(GString) names = g_string_new (NULL);
  guint n_unread = g_strv_length (status->unread);

  /* TRANSLATORS: how many of the recipients have read an announcement. */
  read_by = g_strdup_printf (ngettext ("Read by %u of %u", "Read by %u of %u", status->total),
                             status->read, status->total);
  gtk_label_set_text (self->read_by_label, read_by);
  gtk_widget_show (GTK_WIDGET (self->read_by_button));

  /* TRANSLATORS: "Read by 3 of 5" and how many marked it done. */
  detail = g_strdup_printf (ngettext ("%s · %u done", "%s · %u done", status->done), read_by, status->done);
  gtk_label_set_text (self->status_label, detail);
  for (guint i = 0; status->unread[i] != NULL; i++)
    {
      if (names->len > 0)
        g_string_append_c (names, '\n');
      g_string_append (names, display_name (self, status->unread[i]));
    }
  if (status->read + n_unread < status->total)
    {
      guint more = status->total - status->read - n_unread;

      g_string_append_c (names, '\n');
      /* TRANSLATORS: the server lists at most 1,000 names. */
      g_string_append_printf (names, ngettext ("and %u more", "and %u more", more), more);
    }
  gtk_label_set_text (self->unread_label, names->str);
  gtk_label_set_text (self->unread_heading, n_unread > 0 ? _("Not read yet:") : _("Everyone has read it."));
  gtk_widget_set_visible (GTK_WIDGET (self->unread_label), n_unread > 0);
}

static void
status_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TdReminderStatus) status = NULL;
  g_autoptr(GError) error = NULL;
  TdReminderRow *self;

  status = td_client_reminder_status_finish (TD_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* Not cancelled: the row is still alive (dispose cancels). */
  self = TD_REMINDER_ROW (user_data);
  if (status == NULL)
    {
      g_debug ("No status for an announcement: %s", error->message);
      gtk_label_set_text (self->status_label, _("Cannot get the read count while offline."));
      return;
    }
  show_status (self, status);
}

static void
fetch_status (TdReminderRow *self)
{
  if (!self->own_announcement || td_client_get_state (self->client) != TD_CONNECTION_STATE_ONLINE)
    return;
  td_client_reminder_status_async (self->client, td_reminder_item_get_rid (self->item), self->cancellable,
                                   status_done_cb, self);
}

static void
read_by_shown_cb (TdReminderRow *self)
{
  /* Fresh numbers every time the user looks. */
  fetch_status (self);
}

static void
client_state_cb (TdReminderRow *self)
{
  if (td_client_get_state (self->client) == TD_CONNECTION_STATE_ONLINE)
    fetch_status (self);
}

const char *
td_reminder_row_get_read_by (TdReminderRow *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ROW (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->read_by_button)) ? gtk_label_get_text (self->read_by_label) : "";
}

/* ---- actions ------------------------------------------------------------- */

static void
mark_read (TdReminderRow *self)
{
  if (!td_reminder_item_get_read (self->item))
    td_client_update_reminder (self->client, td_reminder_item_get_rid (self->item), TD_REMINDER_ACTION_READ, 0);
}

static void
open_link_action_cb (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  TdReminderRow *self = user_data;
  const char *link = td_reminder_item_get_link (self->item);
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));
  g_autoptr(GError) error = NULL;

  /* The server only accepts http(s) links; check again, it is a URL from
   * a business system handed to the desktop. */
  if (!g_str_has_prefix (link, "http://") && !g_str_has_prefix (link, "https://"))
    return;
  mark_read (self);
  if (!gtk_show_uri_on_window (GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL, link,
                               gtk_get_current_event_time (), &error))
    g_warning ("Could not open link: %s", error->message);
}

static void
done_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  TdReminderRow *self = user_data;

  td_client_update_reminder (self->client, td_reminder_item_get_rid (self->item), TD_REMINDER_ACTION_DONE, 0);
}

static void
reopen_action_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  TdReminderRow *self = user_data;

  td_client_update_reminder (self->client, td_reminder_item_get_rid (self->item), TD_REMINDER_ACTION_REOPEN, 0);
}

static void
snooze_action_cb (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  TdReminderRow *self = user_data;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  gint64 until = td_reminder_snooze_until (g_variant_get_string (parameter, NULL), now);

  if (until > 0)
    td_client_update_reminder (self->client, td_reminder_item_get_rid (self->item), TD_REMINDER_ACTION_SNOOZE,
                               until);
}

/* ---- sorting ------------------------------------------------------------- */

static int
state_rank (TdReminderItem *item)
{
  switch (td_reminder_item_get_state (item))
    {
    case TD_REMINDER_OPEN:
      return 0;
    case TD_REMINDER_SNOOZED:
      return 1;
    case TD_REMINDER_DONE:
    default:
      return 2;
    }
}

int
td_reminder_row_compare (GtkListBoxRow *a,
                         GtkListBoxRow *b,
                         gpointer       user_data)
{
  TdReminderItem *x = TD_REMINDER_ROW (a)->item;
  TdReminderItem *y = TD_REMINDER_ROW (b)->item;
  int rank = state_rank (x) - state_rank (y);
  gint64 tx = td_reminder_item_get_time (x), ty = td_reminder_item_get_time (y);
  gint64 rx = td_reminder_item_get_rid (x), ry = td_reminder_item_get_rid (y);

  if (rank != 0)
    return rank;
  /* What cannot wait comes first among the open ones. */
  if (state_rank (x) == 0 && td_reminder_item_get_urgent (x) != td_reminder_item_get_urgent (y))
    return td_reminder_item_get_urgent (x) ? -1 : 1;
  if (tx != ty)
    return tx > ty ? -1 : 1;
  return rx > ry ? -1 : rx < ry ? 1 : 0;
}

/* ---- GObject ------------------------------------------------------------- */

static void
td_reminder_row_dispose (GObject *object)
{
  TdReminderRow *self = TD_REMINDER_ROW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->actions);
  g_clear_object (&self->item);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (td_reminder_row_parent_class)->dispose (object);
}

static void
td_reminder_row_class_init (TdReminderRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_reminder_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tidings/Tidings/ui/td-reminder-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, content);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, priority_icon);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, urgent_label);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, body_label);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, meta_label);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, link_button);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, done_button);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, reopen_button);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, snooze_button);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, read_by_button);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, read_by_label);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, read_by_popover);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, unread_heading);
  gtk_widget_class_bind_template_child (widget_class, TdReminderRow, unread_label);
  gtk_widget_class_bind_template_callback (widget_class, read_by_shown_cb);
}

static void
td_reminder_row_init (TdReminderRow *self)
{
  static const GActionEntry entries[] = {
    { "open-link", open_link_action_cb, NULL, NULL, NULL, { 0 } },
    { "done", done_action_cb, NULL, NULL, NULL, { 0 } },
    { "reopen", reopen_action_cb, NULL, NULL, NULL, { 0 } },
    { "snooze", snooze_action_cb, "s", NULL, NULL, { 0 } },
  };

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), entries, G_N_ELEMENTS (entries), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "reminder", G_ACTION_GROUP (self->actions));
}

GtkWidget *
td_reminder_row_new (TdClient       *client,
                     TdReminderItem *item)
{
  TdReminderRow *self;
  const char *login;

  g_return_val_if_fail (TD_IS_CLIENT (client), NULL);
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (item), NULL);

  self = g_object_new (TD_TYPE_REMINDER_ROW, NULL);
  self->client = g_object_ref (client);
  self->item = g_object_ref (item);
  login = td_client_get_login (client);
  self->own_announcement = td_reminder_item_get_kind (item) == TD_REMINDER_KIND_ANNOUNCEMENT
                           && login != NULL && g_strcmp0 (td_reminder_item_get_source (item), login) == 0;
  g_signal_connect_object (item, "notify", G_CALLBACK (item_notify_cb), self, G_CONNECT_SWAPPED);
  if (self->own_announcement)
    {
      g_signal_connect_object (client, "notify::state", G_CALLBACK (client_state_cb), self, G_CONNECT_SWAPPED);
      fetch_status (self);
    }
  update (self);
  return GTK_WIDGET (self);
}

TdReminderItem *
td_reminder_row_get_item (TdReminderRow *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ROW (self), NULL);

  return self->item;
}
