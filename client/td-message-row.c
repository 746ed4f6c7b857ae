/* td-message-row.c - a chat message row.  The text comes from the network:
 * it reaches the label only as escaped markup built here.  An own message
 * shows its delivery state, then "Read" (1:1) or "Read by N" (groups) as
 * receipts arrive. */
#define G_LOG_DOMAIN "td-message-row"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "td-message-row.h"

struct _TdMessageRow
{
  GtkListBoxRow  parent_instance;

  TdChatMessage *message;

  GtkBox        *bubble;
  GtkLabel      *sender_label;
  GtkLabel      *time_label;
  GtkLabel      *text_label;
  GtkLabel      *state_label;

  gboolean       accessible_named;
};

G_DEFINE_TYPE (TdMessageRow, td_message_row, GTK_TYPE_LIST_BOX_ROW)

static GRegex *
link_regex (void)
{
  static GRegex *regex;

  if (g_once_init_enter (&regex))
    {
      GRegex *r = g_regex_new ("(?:https?://|www\\.)[^\\s<>\"]+",
                               G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&regex, r);
    }
  return regex;
}

static void
append_escaped (GString    *markup,
                const char *text,
                gssize      len)
{
  g_autofree char *escaped = g_markup_escape_text (text, len);

  g_string_append (markup, escaped);
}

char *
td_message_row_text_markup (const char *text)
{
  g_autoptr(GMatchInfo) match = NULL;
  GString *markup = g_string_new (NULL);
  gsize done = 0;

  g_return_val_if_fail (text != NULL, NULL);

  g_regex_match (link_regex (), text, 0, &match);
  while (g_match_info_matches (match))
    {
      int start, end;

      g_match_info_fetch_pos (match, 0, &start, &end);
      /* Punctuation that ends a sentence is not part of the link. */
      while (end > start && strchr (".,;:!?)]}'", text[end - 1]) != NULL)
        end--;
      if (end > start)
        {
          g_autofree char *link = g_strndup (text + start, end - start);
          g_autofree char *href = g_ascii_strncasecmp (link, "www.", 4) == 0
                                    ? g_strconcat ("http://", link, NULL) : g_strdup (link);
          g_autofree char *href_escaped = g_markup_escape_text (href, -1);

          append_escaped (markup, text + done, start - done);
          g_string_append_printf (markup, "<a href=\"%s\">", href_escaped);
          append_escaped (markup, link, -1);
          g_string_append (markup, "</a>");
          done = end;
        }
      g_match_info_next (match, NULL);
    }
  append_escaped (markup, text + done, -1);
  return g_string_free (markup, FALSE);
}

char *
td_message_row_format_time (gint64 time_ms)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (time_ms / 1000);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (time == NULL)
    return g_strdup ("");
  if (g_date_time_get_year (time) == g_date_time_get_year (now)
      && g_date_time_get_day_of_year (time) == g_date_time_get_day_of_year (now))
    return g_date_time_format (time, "%H:%M");
  return g_date_time_format (time, "%Y-%m-%d %H:%M");
}

static void
update_state (TdMessageRow *self)
{
  g_autofree char *text = NULL;
  GtkStyleContext *style = gtk_widget_get_style_context (GTK_WIDGET (self->state_label));
  TdChatMessageState state = td_chat_message_get_state (self->message);
  guint read_count = td_chat_message_get_read_count (self->message);

  gtk_style_context_remove_class (style, "error");
  gtk_style_context_remove_class (style, "read");
  /* In a group nobody's mark makes the message READ: the count grows. */
  if (td_chat_message_is_group (self->message) && read_count > 0
      && (state == TD_CHAT_MESSAGE_SENT || state == TD_CHAT_MESSAGE_DELIVERED || state == TD_CHAT_MESSAGE_READ))
    state = TD_CHAT_MESSAGE_READ;
  switch (state)
    {
    case TD_CHAT_MESSAGE_SENDING:
      text = g_strdup (_("Sending…"));
      break;
    case TD_CHAT_MESSAGE_SENT:
      text = g_strdup (_("Sent"));
      break;
    case TD_CHAT_MESSAGE_DELIVERED:
      text = g_strdup (_("Delivered"));
      break;
    case TD_CHAT_MESSAGE_READ:
      if (td_chat_message_is_group (self->message))
        /* TRANSLATORS: under an own group message: how many of the other
         * members have read it. */
        text = g_strdup_printf (ngettext ("Read by %u", "Read by %u", read_count), read_count);
      else
        /* TRANSLATORS: under an own message: the other person has seen it. */
        text = g_strdup (C_("message state", "Read"));
      gtk_style_context_add_class (style, "read");
      break;
    case TD_CHAT_MESSAGE_FAILED:
      /* TRANSLATORS: %s is the reason the server gave. */
      text = g_strdup_printf (_("Failed: %s"), td_chat_message_get_error (self->message) != NULL
                                                 ? td_chat_message_get_error (self->message)
                                                 : _("unknown error"));
      gtk_style_context_add_class (style, "error");
      break;
    case TD_CHAT_MESSAGE_RECEIVED:
    default:
      break;
    }
  gtk_label_set_text (self->state_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->state_label), text != NULL);
}

static void
update_time (TdMessageRow *self)
{
  g_autofree char *time = td_message_row_format_time (td_chat_message_get_time (self->message));

  gtk_label_set_text (self->time_label, time);
}

static void
message_notify_cb (TdMessageRow *self)
{
  update_state (self);
  update_time (self);
}

static gboolean
activate_link_cb (GtkLabel     *label,
                  const char   *uri,
                  TdMessageRow *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *scheme = g_uri_parse_scheme (uri);
  GtkWidget *toplevel = gtk_widget_get_toplevel (GTK_WIDGET (self));

  /* Only what the link finder produces; never file: or custom handlers. */
  if (scheme == NULL || (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0))
    return TRUE;
  if (!gtk_show_uri_on_window (GTK_IS_WINDOW (toplevel) ? GTK_WINDOW (toplevel) : NULL,
                               uri, GDK_CURRENT_TIME, &error))
    g_warning ("Could not open link: %s", error->message);
  return TRUE;
}

/* The accessible (an AtkObject per row) is made when a screen reader or a
 * test asks for it, not for every row built. */
static AtkObject *
td_message_row_get_accessible (GtkWidget *widget)
{
  TdMessageRow *self = TD_MESSAGE_ROW (widget);
  AtkObject *accessible = GTK_WIDGET_CLASS (td_message_row_parent_class)->get_accessible (widget);

  if (!self->accessible_named && self->message != NULL)
    {
      g_autofree char *name = NULL;

      self->accessible_named = TRUE;
      /* TRANSLATORS: accessible name of a chat message: sender and time. */
      name = g_strdup_printf (_("Message from %s at %s"), gtk_label_get_text (self->sender_label),
                              gtk_label_get_text (self->time_label));
      atk_object_set_name (accessible, name);
    }
  return accessible;
}

static void
td_message_row_dispose (GObject *object)
{
  TdMessageRow *self = TD_MESSAGE_ROW (object);

  g_clear_object (&self->message);
  G_OBJECT_CLASS (td_message_row_parent_class)->dispose (object);
}

static void
td_message_row_class_init (TdMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_message_row_dispose;
  widget_class->get_accessible = td_message_row_get_accessible;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tidings/Tidings/ui/td-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, bubble);
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, sender_label);
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, time_label);
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, text_label);
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, state_label);
  gtk_widget_class_bind_template_callback (widget_class, activate_link_cb);
}

static void
td_message_row_init (TdMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_message_row_new (TdChatMessage *message,
                    const char    *sender_name)
{
  TdMessageRow *self;
  g_autofree char *markup = NULL;
  gboolean outgoing;

  g_return_val_if_fail (TD_IS_CHAT_MESSAGE (message), NULL);

  self = g_object_new (TD_TYPE_MESSAGE_ROW, NULL);
  self->message = g_object_ref (message);
  outgoing = td_chat_message_get_outgoing (message);

  gtk_label_set_text (self->sender_label, sender_name != NULL ? sender_name : td_chat_message_get_from (message));
  markup = td_message_row_text_markup (td_chat_message_get_text (message));
  gtk_label_set_markup (self->text_label, markup);
  gtk_widget_set_halign (GTK_WIDGET (self->bubble), outgoing ? GTK_ALIGN_END : GTK_ALIGN_START);
  gtk_style_context_add_class (gtk_widget_get_style_context (GTK_WIDGET (self)),
                               outgoing ? "outgoing" : "incoming");
  update_time (self);
  update_state (self);
  g_signal_connect_object (message, "notify", G_CALLBACK (message_notify_cb), self, G_CONNECT_SWAPPED);
  return GTK_WIDGET (self);
}

TdChatMessage *
td_message_row_get_message (TdMessageRow *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE_ROW (self), NULL);

  return self->message;
}

const char *
td_message_row_get_state_text (TdMessageRow *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE_ROW (self), NULL);

  return gtk_label_get_text (self->state_label);
}

const char *
td_message_row_get_sender (TdMessageRow *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE_ROW (self), NULL);

  return gtk_label_get_text (self->sender_label);
}
