/* td-conversation.c - the messages exchanged with one peer, oldest first.
 *
 * Starts with the newest messages of the local cache; older pages come
 * from the cache first and then from the server's history (which the
 * client stores in the cache on the way).  Live messages are appended by
 * TdClient.
 */
#define G_LOG_DOMAIN "td-conversation"

#include "td-client-private.h"

struct _TdConversation
{
  GObject    parent_instance;

  TdClient  *client;   /* weak: the client owns the conversation cache */
  char      *peer;
  GPtrArray *messages; /* TdChatMessage*, oldest first */
  gboolean   has_more;
  gboolean   loading;
};

static void td_conversation_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdConversation, td_conversation, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, td_conversation_model_init))

enum {
  PROP_0,
  PROP_PEER,
  PROP_LOADING,
  PROP_HAS_MORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
td_conversation_get_item_type (GListModel *model)
{
  return TD_TYPE_CHAT_MESSAGE;
}

static guint
td_conversation_get_n_items (GListModel *model)
{
  return TD_CONVERSATION (model)->messages->len;
}

static gpointer
td_conversation_get_item (GListModel *model, guint position)
{
  TdConversation *self = TD_CONVERSATION (model);

  if (position >= self->messages->len)
    return NULL;
  return g_object_ref (self->messages->pdata[position]);
}

static void
td_conversation_model_init (GListModelInterface *iface)
{
  iface->get_item_type = td_conversation_get_item_type;
  iface->get_n_items = td_conversation_get_n_items;
  iface->get_item = td_conversation_get_item;
}

static void
td_conversation_dispose (GObject *object)
{
  TdConversation *self = TD_CONVERSATION (object);

  if (self->client != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->client), (gpointer *) &self->client);
  self->client = NULL;
  G_OBJECT_CLASS (td_conversation_parent_class)->dispose (object);
}

static void
td_conversation_finalize (GObject *object)
{
  TdConversation *self = TD_CONVERSATION (object);

  g_free (self->peer);
  g_ptr_array_unref (self->messages);
  G_OBJECT_CLASS (td_conversation_parent_class)->finalize (object);
}

static void
td_conversation_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TdConversation *self = TD_CONVERSATION (object);

  switch (prop_id)
    {
    case PROP_PEER:
      g_value_set_string (value, self->peer);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_HAS_MORE:
      g_value_set_boolean (value, self->has_more);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_conversation_class_init (TdConversationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = td_conversation_dispose;
  object_class->finalize = td_conversation_finalize;
  object_class->get_property = td_conversation_get_property;

  properties[PROP_PEER] = g_param_spec_string ("peer", NULL, NULL, NULL, flags);
  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE, flags);
  properties[PROP_HAS_MORE] = g_param_spec_boolean ("has-more", NULL, NULL, TRUE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
td_conversation_init (TdConversation *self)
{
  self->messages = g_ptr_array_new_with_free_func (g_object_unref);
  self->has_more = TRUE;
}

static void
set_loading (TdConversation *self, gboolean loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
set_has_more (TdConversation *self, gboolean has_more)
{
  if (self->has_more == has_more)
    return;
  self->has_more = has_more;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_MORE]);
}

/* Smallest committed mid shown, 0 if none. */
static gint64
oldest_mid (TdConversation *self)
{
  gint64 oldest = 0;

  for (guint i = 0; i < self->messages->len; i++)
    {
      gint64 mid = td_chat_message_get_mid (self->messages->pdata[i]);

      if (mid > 0 && (oldest == 0 || mid < oldest))
        oldest = mid;
    }
  return oldest;
}

/* Puts @older (oldest first, all older than what is shown) in front. */
static guint
prepend (TdConversation *self, GPtrArray *older)
{
  gint64 oldest = oldest_mid (self);
  guint added = 0;

  for (guint i = 0; i < older->len; i++)
    {
      TdChatMessage *message = older->pdata[i];
      gint64 mid = td_chat_message_get_mid (message);

      /* Never show a message twice (a page may overlap what is there). */
      if ((oldest > 0 && mid >= oldest) ||
          _td_conversation_contains (self, td_chat_message_get_from (message),
                                     td_chat_message_get_id (message)))
        continue;
      g_ptr_array_insert (self->messages, added++, g_object_ref (message));
    }
  if (added > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, added);
  return added;
}

TdConversation *
_td_conversation_new (TdClient *client, const char *peer, GPtrArray *initial)
{
  TdConversation *self = g_object_new (TD_TYPE_CONVERSATION, NULL);

  self->client = client;
  g_object_add_weak_pointer (G_OBJECT (client), (gpointer *) &self->client);
  self->peer = g_strdup (peer);
  for (guint i = 0; initial != NULL && i < initial->len; i++)
    g_ptr_array_add (self->messages, g_object_ref (initial->pdata[i]));
  return self;
}

void
_td_conversation_append (TdConversation *self, TdChatMessage *message)
{
  g_return_if_fail (TD_IS_CONVERSATION (self));

  if (_td_conversation_contains (self, td_chat_message_get_from (message),
                                 td_chat_message_get_id (message)))
    return;
  g_ptr_array_add (self->messages, g_object_ref (message));
  g_list_model_items_changed (G_LIST_MODEL (self), self->messages->len - 1, 0, 1);
}

gboolean
_td_conversation_contains (TdConversation *self, const char *from, const char *id)
{
  /* Newest first: a duplicate is almost always recent. */
  for (guint i = self->messages->len; i > 0; i--)
    {
      TdChatMessage *message = self->messages->pdata[i - 1];

      if (g_strcmp0 (td_chat_message_get_id (message), id) == 0 &&
          g_strcmp0 (td_chat_message_get_from (message), from) == 0)
        return TRUE;
    }
  return FALSE;
}

const char *
td_conversation_get_peer (TdConversation *self)
{
  g_return_val_if_fail (TD_IS_CONVERSATION (self), NULL);
  return self->peer;
}

gboolean
td_conversation_get_has_more (TdConversation *self)
{
  g_return_val_if_fail (TD_IS_CONVERSATION (self), FALSE);
  return self->has_more;
}

gboolean
td_conversation_get_loading (TdConversation *self)
{
  g_return_val_if_fail (TD_IS_CONVERSATION (self), FALSE);
  return self->loading;
}

static void
history_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TdConversation *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) older = NULL;
  gboolean more = FALSE;

  older = _td_client_fetch_history_finish (TD_CLIENT (source), result, &more, &error);
  set_loading (self, FALSE);
  if (older == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  prepend (self, older);
  set_has_more (self, more);
  g_task_return_boolean (task, TRUE);
}

void
td_conversation_load_older_async (TdConversation     *self,
                                  guint               count,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GPtrArray) local = NULL;
  gint64 before;
  guint got = 0;

  g_return_if_fail (TD_IS_CONVERSATION (self));
  g_return_if_fail (count > 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_conversation_load_older_async);

  if (self->client == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The client is gone");
      return;
    }

  before = oldest_mid (self);
  /* An empty conversation starts from the newest; one that shows only
   * unsent messages has nothing older in the cache. */
  if (before > 0 || self->messages->len == 0)
    {
      local = _td_client_load_messages (self->client, self->peer, before, count);
      got = prepend (self, local);
    }
  if (got >= count || !self->has_more)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!_td_client_is_online (self->client))
    {
      /* Whatever the cache had; the server is asked next time. */
      g_task_return_boolean (task, TRUE);
      return;
    }
  set_loading (self, TRUE);
  _td_client_fetch_history_async (self->client, self->peer, oldest_mid (self),
                                  MIN (count - got, TD_PROTO_HISTORY_MAX), cancellable,
                                  history_cb, g_steal_pointer (&task));
}

gboolean
td_conversation_load_older_finish (TdConversation *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TD_IS_CONVERSATION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
