/* td-chat-message.c - one message in a conversation.
 *
 * Everything but the delivery state is fixed at construction; the state
 * (and, when the server commits an own message, its mid and time)
 * changes with notify so a chat window row can show "sending" / "failed".
 */
#define G_LOG_DOMAIN "td-chat-message"

#include "td-chat-message.h"

struct _TdChatMessage
{
  GObject            parent_instance;

  char              *id;
  gint64             mid;
  char              *from;
  char              *to;
  char              *text;
  gint64             time;
  gboolean           outgoing;
  TdChatMessageState state;
  char              *error;
  char              *peer;
  guint              read_count;
};

G_DEFINE_FINAL_TYPE (TdChatMessage, td_chat_message, G_TYPE_OBJECT)

static gboolean
is_group_address (const char *peer)
{
  gint64 id = 0;

  return peer != NULL && td_parse_group_address (peer, &id);
}

enum {
  PROP_0,
  PROP_ID,
  PROP_MID,
  PROP_FROM,
  PROP_TO,
  PROP_TEXT,
  PROP_TIME,
  PROP_OUTGOING,
  PROP_STATE,
  PROP_ERROR,
  PROP_PEER,
  PROP_READ_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
td_chat_message_finalize (GObject *object)
{
  TdChatMessage *self = TD_CHAT_MESSAGE (object);

  g_free (self->id);
  g_free (self->from);
  g_free (self->to);
  g_free (self->text);
  g_free (self->error);
  g_free (self->peer);

  G_OBJECT_CLASS (td_chat_message_parent_class)->finalize (object);
}

static void
td_chat_message_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TdChatMessage *self = TD_CHAT_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_MID:
      g_value_set_int64 (value, self->mid);
      break;
    case PROP_FROM:
      g_value_set_string (value, self->from);
      break;
    case PROP_TO:
      g_value_set_string (value, self->to);
      break;
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case PROP_TIME:
      g_value_set_int64 (value, self->time);
      break;
    case PROP_OUTGOING:
      g_value_set_boolean (value, self->outgoing);
      break;
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    case PROP_PEER:
      g_value_set_string (value, self->peer);
      break;
    case PROP_READ_COUNT:
      g_value_set_uint (value, self->read_count);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_chat_message_class_init (TdChatMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = td_chat_message_finalize;
  object_class->get_property = td_chat_message_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_MID] = g_param_spec_int64 ("mid", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_FROM] = g_param_spec_string ("from", NULL, NULL, NULL, flags);
  properties[PROP_TO] = g_param_spec_string ("to", NULL, NULL, NULL, flags);
  properties[PROP_TEXT] = g_param_spec_string ("text", NULL, NULL, NULL, flags);
  properties[PROP_TIME] = g_param_spec_int64 ("time", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_OUTGOING] = g_param_spec_boolean ("outgoing", NULL, NULL, FALSE, flags);
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, TD_CHAT_MESSAGE_RECEIVED, TD_CHAT_MESSAGE_READ,
                      TD_CHAT_MESSAGE_RECEIVED, flags);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, flags);
  properties[PROP_PEER] = g_param_spec_string ("peer", NULL, NULL, NULL, flags);
  properties[PROP_READ_COUNT] = g_param_spec_uint ("read-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
td_chat_message_init (TdChatMessage *self)
{
}

TdChatMessage *
td_chat_message_new_from_proto (TdMessage *message, const char *self_login)
{
  TdChatMessage *self;

  g_return_val_if_fail (message != NULL, NULL);

  self = g_object_new (TD_TYPE_CHAT_MESSAGE, NULL);
  self->id = g_strdup (td_message_get_id (message));
  self->mid = td_message_get_mid (message);
  self->from = g_strdup (td_message_get_from (message));
  self->to = g_strdup (td_message_get_to (message));
  self->text = g_strdup (td_message_get_text (message));
  self->time = td_message_get_time (message);
  self->outgoing = g_strcmp0 (self->from, self_login) == 0;
  /* Group messages belong to the group; 1:1 ones to the other person. */
  if (self->outgoing || is_group_address (self->to))
    self->peer = g_strdup (self->to);
  else
    self->peer = g_strdup (self->from);
  self->state = self->outgoing ? TD_CHAT_MESSAGE_SENT : TD_CHAT_MESSAGE_RECEIVED;
  return self;
}

TdChatMessage *
td_chat_message_new_outgoing (const char *id, const char *from, const char *to,
                              const char *text, gint64 time_ms)
{
  TdChatMessage *self;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (to != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);

  self = g_object_new (TD_TYPE_CHAT_MESSAGE, NULL);
  self->id = g_strdup (id);
  self->from = g_strdup (from);
  self->to = g_strdup (to);
  self->text = g_strdup (text);
  self->time = time_ms;
  self->outgoing = TRUE;
  self->peer = g_strdup (to);
  self->state = TD_CHAT_MESSAGE_SENDING;
  return self;
}

const char *
td_chat_message_get_id (TdChatMessage *self)
{
  g_return_val_if_fail (TD_IS_CHAT_MESSAGE (self), NULL);
  return self->id;
}

gint64
td_chat_message_get_mid (TdChatMessage *self)
{
  g_return_val_if_fail (TD_IS_CHAT_MESSAGE (self), 0);
  return self->mid;
}

const char *
td_chat_message_get_from (TdChatMessage *self)
{
  g_return_val_if_fail (TD_IS_CHAT_MESSAGE (self), NULL);
  return self->from;
}

const char *
td_chat_message_get_to (TdChatMessage *self)
{
  g_return_val_if_fail (TD_IS_CHAT_MESSAGE (self), NULL);
  return self->to;
}

const char *
td_chat_message_get_text (TdChatMessage *self)
{
  g_return_val_if_fail (TD_IS_CHAT_MESSAGE (self), NULL);
  return self->text;
}

gint64
td_chat_message_get_time (TdChatMessage *self)
{
  g_return_val_if_fail (TD_IS_CHAT_MESSAGE (self), 0);
  return self->time;
}

gboolean
td_chat_message_get_outgoing (TdChatMessage *self)
{
  g_return_val_if_fail (TD_IS_CHAT_MESSAGE (self), FALSE);
  return self->outgoing;
}

TdChatMessageState
td_chat_message_get_state (TdChatMessage *self)
{
  g_return_val_if_fail (TD_IS_CHAT_MESSAGE (self), TD_CHAT_MESSAGE_RECEIVED);
  return self->state;
}

const char *
td_chat_message_get_error (TdChatMessage *self)
{
  g_return_val_if_fail (TD_IS_CHAT_MESSAGE (self), NULL);
  return self->error;
}

void
td_chat_message_set_sent (TdChatMessage *self, gint64 mid, gint64 time_ms)
{
  g_return_if_fail (TD_IS_CHAT_MESSAGE (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (self->mid != mid)
    {
      self->mid = mid;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MID]);
    }
  if (self->time != time_ms)
    {
      self->time = time_ms;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIME]);
    }
  /* DELIVERED and READ are further along than SENT: never step back. */
  if (self->state == TD_CHAT_MESSAGE_SENDING || self->state == TD_CHAT_MESSAGE_FAILED)
    {
      self->state = TD_CHAT_MESSAGE_SENT;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
td_chat_message_set_failed (TdChatMessage *self, const char *error)
{
  g_return_if_fail (TD_IS_CHAT_MESSAGE (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (g_strcmp0 (self->error, error) != 0)
    {
      g_free (self->error);
      self->error = g_strdup (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  if (self->state != TD_CHAT_MESSAGE_FAILED)
    {
      self->state = TD_CHAT_MESSAGE_FAILED;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
td_chat_message_get_peer (TdChatMessage *self)
{
  g_return_val_if_fail (TD_IS_CHAT_MESSAGE (self), NULL);
  return self->peer;
}

guint
td_chat_message_get_read_count (TdChatMessage *self)
{
  g_return_val_if_fail (TD_IS_CHAT_MESSAGE (self), 0);
  return self->read_count;
}

gboolean
td_chat_message_is_group (TdChatMessage *self)
{
  g_return_val_if_fail (TD_IS_CHAT_MESSAGE (self), FALSE);
  return is_group_address (self->peer);
}

void
td_chat_message_set_read (TdChatMessage *self)
{
  g_return_if_fail (TD_IS_CHAT_MESSAGE (self));

  /* Only a committed own message can have been read. */
  if (!self->outgoing || self->mid <= 0 ||
      self->state == TD_CHAT_MESSAGE_READ || self->state == TD_CHAT_MESSAGE_FAILED)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  self->state = TD_CHAT_MESSAGE_READ;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (self->read_count == 0)
    {
      self->read_count = 1;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READ_COUNT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

void
td_chat_message_set_read_count (TdChatMessage *self, guint count)
{
  g_return_if_fail (TD_IS_CHAT_MESSAGE (self));

  /* Marks never go down, so neither does the count. */
  if (count <= self->read_count)
    return;
  self->read_count = count;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READ_COUNT]);
}
