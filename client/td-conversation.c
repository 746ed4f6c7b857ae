/* td-conversation.c - the messages exchanged with one peer, oldest first.
 *
 * Starts with the newest messages of the local cache; older pages come
 * from the cache first and then from the server's history (which the
 * client stores in the cache on the way).  Live messages are appended by
 * TdClient.  Also keeps the conversation's read marks (who has read up
 * to which mid), applied to own messages as READ / read-count, and who
 * is typing right now.
 */
#define G_LOG_DOMAIN "td-conversation"

#include <string.h>

#include "td-client-private.h"

#define TYPING_TIMEOUT_S  5

struct _TdConversation
{
  GObject    parent_instance;

  TdClient  *client;   /* weak: the client owns the conversation cache */
  char      *peer;
  GPtrArray *messages; /* TdChatMessage*, oldest first */
  gboolean   has_more;
  gboolean   loading;
  gboolean   is_group;
  char      *self_login;
  GHashTable *marks;   /* login -> gint64* highest mid read */
  GPtrArray *typers;   /* Typer*, in order of arrival */
  char      *typing;   /* display names joined, "" if none */
};

typedef struct {
  TdConversation *conversation;  /* not a reference: the source dies with it */
  char           *login;
  char           *name;
  guint           timeout_id;
} Typer;

static void td_conversation_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdConversation, td_conversation, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, td_conversation_model_init))

enum {
  PROP_0,
  PROP_PEER,
  PROP_LOADING,
  PROP_HAS_MORE,
  PROP_IS_GROUP,
  PROP_TYPING,
  PROP_TYPING_COUNT,
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
  /* Their timeouts point at us. */
  g_ptr_array_set_size (self->typers, 0);
  G_OBJECT_CLASS (td_conversation_parent_class)->dispose (object);
}

static void
td_conversation_finalize (GObject *object)
{
  TdConversation *self = TD_CONVERSATION (object);

  g_free (self->peer);
  g_free (self->self_login);
  g_free (self->typing);
  g_ptr_array_unref (self->messages);
  g_ptr_array_unref (self->typers);
  g_hash_table_unref (self->marks);
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
    case PROP_IS_GROUP:
      g_value_set_boolean (value, self->is_group);
      break;
    case PROP_TYPING:
      g_value_set_string (value, self->typing);
      break;
    case PROP_TYPING_COUNT:
      g_value_set_uint (value, self->typers->len);
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
  properties[PROP_IS_GROUP] = g_param_spec_boolean ("is-group", NULL, NULL, FALSE, flags);
  properties[PROP_TYPING] = g_param_spec_string ("typing", NULL, NULL, "", flags);
  properties[PROP_TYPING_COUNT] = g_param_spec_uint ("typing-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
typer_free (gpointer data)
{
  Typer *typer = data;

  g_clear_handle_id (&typer->timeout_id, g_source_remove);
  g_free (typer->login);
  g_free (typer->name);
  g_free (typer);
}

static void
td_conversation_init (TdConversation *self)
{
  self->messages = g_ptr_array_new_with_free_func (g_object_unref);
  self->has_more = TRUE;
  self->marks = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->typers = g_ptr_array_new_with_free_func (typer_free);
  self->typing = g_strdup ("");
}

/* ---- read marks ---- */

static gint64
mark_of (TdConversation *self, const char *login)
{
  gint64 *mid = g_hash_table_lookup (self->marks, login);

  return mid != NULL ? *mid : 0;
}

/* Applies the marks to one message: only own committed ones show reads. */
static void
apply_marks (TdConversation *self, TdChatMessage *message)
{
  gint64 mid = td_chat_message_get_mid (message);
  GHashTableIter iter;
  gpointer key;
  gpointer value;
  guint count = 0;

  if (!td_chat_message_get_outgoing (message) || mid <= 0)
    return;
  if (!self->is_group)
    {
      if (mark_of (self, self->peer) >= mid)
        td_chat_message_set_read (message);
      return;
    }
  g_hash_table_iter_init (&iter, self->marks);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (key, self->self_login) != 0 && *(gint64 *) value >= mid)
      count++;
  td_chat_message_set_read_count (message, count);
}

void
_td_conversation_set_read_mark (TdConversation *self, const char *login, gint64 mid)
{
  gint64 *stored;

  g_return_if_fail (TD_IS_CONVERSATION (self));

  if (mid <= mark_of (self, login))
    return;
  stored = g_new (gint64, 1);
  *stored = mid;
  g_hash_table_insert (self->marks, g_strdup (login), stored);
  for (guint i = self->messages->len; i > 0; i--)
    apply_marks (self, self->messages->pdata[i - 1]);
}

void
_td_conversation_update_reads (TdConversation *self)
{
  g_return_if_fail (TD_IS_CONVERSATION (self));

  for (guint i = 0; i < self->messages->len; i++)
    apply_marks (self, self->messages->pdata[i]);
}

gint64
td_conversation_get_read_mark (TdConversation *self, const char *login)
{
  g_return_val_if_fail (TD_IS_CONVERSATION (self), 0);
  g_return_val_if_fail (login != NULL, 0);
  return mark_of (self, login);
}

/* ---- typing ---- */

static void
update_typing (TdConversation *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < self->typers->len; i++)
    {
      Typer *typer = self->typers->pdata[i];

      if (text->len > 0)
        g_string_append (text, ", ");
      g_string_append (text, typer->name);
    }
  if (g_strcmp0 (self->typing, text->str) == 0)
    return;
  g_free (self->typing);
  self->typing = g_string_free (g_steal_pointer (&text), FALSE);
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TYPING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TYPING_COUNT]);
  g_object_thaw_notify (G_OBJECT (self));
}

guint
td_conversation_get_typing_count (TdConversation *self)
{
  g_return_val_if_fail (TD_IS_CONVERSATION (self), 0);
  return self->typers->len;
}

static gint
find_typer (TdConversation *self, const char *login)
{
  for (guint i = 0; i < self->typers->len; i++)
    if (g_str_equal (((Typer *) self->typers->pdata[i])->login, login))
      return (gint) i;
  return -1;
}

static gboolean
typing_expired_cb (gpointer user_data)
{
  Typer *typer = user_data;
  TdConversation *self = typer->conversation;

  typer->timeout_id = 0;
  g_ptr_array_remove (self->typers, typer);
  update_typing (self);
  return G_SOURCE_REMOVE;
}

void
_td_conversation_set_typing (TdConversation *self, const char *login, const char *name)
{
  gint index;
  Typer *typer;

  g_return_if_fail (TD_IS_CONVERSATION (self));

  index = find_typer (self, login);
  if (index >= 0)
    typer = self->typers->pdata[index];
  else
    {
      typer = g_new0 (Typer, 1);
      typer->conversation = self;
      typer->login = g_strdup (login);
      g_ptr_array_add (self->typers, typer);
    }
  g_free (typer->name);
  typer->name = g_strdup (name != NULL && *name != '\0' ? name : login);
  g_clear_handle_id (&typer->timeout_id, g_source_remove);
  typer->timeout_id = g_timeout_add_seconds (TYPING_TIMEOUT_S, typing_expired_cb, typer);
  update_typing (self);
}

void
_td_conversation_stop_typing (TdConversation *self, const char *login)
{
  gint index;

  g_return_if_fail (TD_IS_CONVERSATION (self));

  index = find_typer (self, login);
  if (index < 0)
    return;
  g_ptr_array_remove_index (self->typers, index);
  update_typing (self);
}

const char *
td_conversation_get_typing (TdConversation *self)
{
  g_return_val_if_fail (TD_IS_CONVERSATION (self), NULL);
  return self->typing;
}

gboolean
td_conversation_get_is_group (TdConversation *self)
{
  g_return_val_if_fail (TD_IS_CONVERSATION (self), FALSE);
  return self->is_group;
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
      apply_marks (self, message);
    }
  if (added > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, added);
  return added;
}

TdConversation *
_td_conversation_new (TdClient *client, const char *peer, GPtrArray *initial, GPtrArray *marks)
{
  TdConversation *self = g_object_new (TD_TYPE_CONVERSATION, NULL);
  gint64 group_id = 0;

  self->client = client;
  g_object_add_weak_pointer (G_OBJECT (client), (gpointer *) &self->client);
  self->peer = g_strdup (peer);
  self->is_group = td_parse_group_address (peer, &group_id);
  self->self_login = g_strdup (td_client_get_login (client));
  for (guint i = 0; marks != NULL && i < marks->len; i++)
    {
      TdReadMark *mark = marks->pdata[i];
      gint64 *mid = g_new (gint64, 1);

      *mid = mark->mid;
      g_hash_table_insert (self->marks, g_strdup (mark->user), mid);
    }
  for (guint i = 0; initial != NULL && i < initial->len; i++)
    {
      g_ptr_array_add (self->messages, g_object_ref (initial->pdata[i]));
      apply_marks (self, initial->pdata[i]);
    }
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
  apply_marks (self, message);
  /* Whoever wrote has stopped typing. */
  if (!td_chat_message_get_outgoing (message))
    _td_conversation_stop_typing (self, td_chat_message_get_from (message));
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
