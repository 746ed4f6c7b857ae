/* td-backplane.c - Redis pub/sub between tidingsd nodes: event encoding,
 * the two hiredis connections on the GLib main loop, reconnection with
 * backoff, heartbeats and other nodes' presence.  See td-backplane.h. */
#define G_LOG_DOMAIN "tidingsd"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/glib.h>

#include "td-backplane.h"
#include "td-metrics.h"

/* Heartbeat period, lifetime of the node key, and how long a command may
 * stay unanswered before the connection is considered dead. */
#define BEAT_S        3
#define NODE_TTL_S    10
#define ANSWER_S      10
/* The presence hash outlives a dead node a little, then Redis drops it. */
#define HASH_TTL_S    30
#define BACKOFF_MAX_S 10
#define NODES_KEY     "tidings:nodes"
#define VERSION_FIELD "#v"
/* Events are JSON objects of a few members; nothing nests deeper. */
#define EVENT_MAX_DEPTH 8

/* ---- events ---- */

static const char * const kind_names[] = {
  "mailbox", "frame", "presence", "groups", "reminder", "hello", "bye", "resync",
};

TdBackplaneEvent *
td_backplane_event_new (TdBackplaneKind kind)
{
  TdBackplaneEvent *event = g_new0 (TdBackplaneEvent, 1);

  event->kind = kind;
  event->users = g_array_new (FALSE, FALSE, sizeof (gint64));
  event->seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
  return event;
}

void
td_backplane_event_free (TdBackplaneEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->node);
  g_clear_pointer (&event->message, td_message_unref);
  g_array_unref (event->users);
  g_array_unref (event->seqs);
  g_clear_pointer (&event->frame, g_bytes_unref);
  g_free (event->login);
  g_free (event);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

static void
add_ints (JsonBuilder *b, const char *name, GArray *values)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_array (b);
  for (guint i = 0; i < values->len; i++)
    json_builder_add_int_value (b, g_array_index (values, gint64, i));
  json_builder_end_array (b);
}

char *
td_backplane_event_encode (const TdBackplaneEvent *event, const char *node, gsize *out_len)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  add_string (b, "kind", kind_names[event->kind]);
  add_string (b, "node", node);
  switch (event->kind)
    {
    case TD_BACKPLANE_MAILBOX:
      {
        TdMessage *m = event->message;

        add_int (b, "mid", td_message_get_mid (m));
        add_string (b, "id", td_message_get_id (m));
        add_string (b, "from", td_message_get_from (m));
        add_string (b, "to", td_message_get_to (m));
        add_string (b, "text", td_message_get_text (m));
        add_int (b, "time", td_message_get_time (m));
        add_ints (b, "users", event->users);
        add_ints (b, "seqs", event->seqs);
      }
      break;
    case TD_BACKPLANE_FRAME:
      {
        gsize len;
        const char *data = g_bytes_get_data (event->frame, &len);
        g_autofree char *text = g_strndup (data, len);

        add_ints (b, "users", event->users);
        add_string (b, "frame", text);
      }
      break;
    case TD_BACKPLANE_PRESENCE:
      add_string (b, "login", event->login);
      add_string (b, "status", td_presence_to_string (event->status));
      add_int (b, "time", event->time_ms);
      add_int (b, "version", event->version);
      break;
    case TD_BACKPLANE_GROUPS:
      add_int (b, "group", event->id);
      break;
    case TD_BACKPLANE_REMINDER:
      add_int (b, "rid", event->id);
      break;
    case TD_BACKPLANE_HELLO:
    case TD_BACKPLANE_BYE:
    case TD_BACKPLANE_RESYNC:
    default:
      break;
    }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, out_len);
}

static gboolean
get_string (JsonObject *o, const char *name, const char **out, GError **error)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "event member \"%s\" must be a string", name);
      return FALSE;
    }
  *out = json_node_get_string (n);
  return TRUE;
}

static gboolean
get_int (JsonObject *o, const char *name, gint64 *out, GError **error)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "event member \"%s\" must be an integer", name);
      return FALSE;
    }
  *out = json_node_get_int (n);
  return TRUE;
}

static gboolean
get_ints (JsonObject *o, const char *name, GArray *out, GError **error)
{
  JsonNode *n = json_object_get_member (o, name);
  JsonArray *a;

  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "event member \"%s\" must be an array", name);
      return FALSE;
    }
  a = json_node_get_array (n);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      gint64 v;

      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "event member \"%s\" must hold integers", name);
          return FALSE;
        }
      v = json_node_get_int (e);
      g_array_append_val (out, v);
    }
  return TRUE;
}

TdBackplaneEvent *
td_backplane_event_decode (const char *data, gsize len, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(TdBackplaneEvent) event = NULL;
  JsonNode *root;
  JsonObject *o;
  const char *kind, *node;
  guint k;

  if (!td_proto_check_depth (data, len, EVENT_MAX_DEPTH))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "event nested too deeply");
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) len, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "an event must be a JSON object");
      return NULL;
    }
  o = json_node_get_object (root);
  if (!get_string (o, "kind", &kind, error) || !get_string (o, "node", &node, error))
    return NULL;
  for (k = 0; k < G_N_ELEMENTS (kind_names); k++)
    if (g_str_equal (kind, kind_names[k]))
      break;
  if (k == G_N_ELEMENTS (kind_names))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "unknown event kind \"%s\"", kind);
      return NULL;
    }
  event = td_backplane_event_new ((TdBackplaneKind) k);
  event->node = g_strdup (node);

  switch (event->kind)
    {
    case TD_BACKPLANE_MAILBOX:
      {
        const char *id, *from, *to, *text;
        gint64 mid, time_ms;

        if (!get_int (o, "mid", &mid, error) || !get_string (o, "id", &id, error) ||
            !get_string (o, "from", &from, error) || !get_string (o, "to", &to, error) ||
            !get_string (o, "text", &text, error) || !get_int (o, "time", &time_ms, error) ||
            !get_ints (o, "users", event->users, error) || !get_ints (o, "seqs", event->seqs, error))
          return NULL;
        if (event->users->len != event->seqs->len)
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "mailbox event: users and seqs differ in length");
            return NULL;
          }
        event->message = td_message_new (mid, 0, id, from, to, text, time_ms);
      }
      break;
    case TD_BACKPLANE_FRAME:
      {
        const char *frame;

        if (!get_ints (o, "users", event->users, error) || !get_string (o, "frame", &frame, error))
          return NULL;
        event->frame = g_bytes_new (frame, strlen (frame));
      }
      break;
    case TD_BACKPLANE_PRESENCE:
      {
        const char *login, *status;

        if (!get_string (o, "login", &login, error) || !get_string (o, "status", &status, error) ||
            !get_int (o, "time", &event->time_ms, error) ||
            !get_int (o, "version", &event->version, error))
          return NULL;
        if (!td_presence_from_string (status, &event->status))
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "unknown presence \"%s\"", status);
            return NULL;
          }
        event->login = g_strdup (login);
      }
      break;
    case TD_BACKPLANE_GROUPS:
      if (!get_int (o, "group", &event->id, error))
        return NULL;
      break;
    case TD_BACKPLANE_REMINDER:
      if (!get_int (o, "rid", &event->id, error))
        return NULL;
      break;
    case TD_BACKPLANE_HELLO:
    case TD_BACKPLANE_BYE:
    case TD_BACKPLANE_RESYNC:
    default:
      break;
    }
  return g_steal_pointer (&event);
}

/* ---- the connections ---- */

typedef struct {
  TdBackplane       *bp;
  redisAsyncContext *ac;
  GSource           *source;
  gboolean           up;      /* the connect callback reported success */
} Link;

typedef struct {
  gint64   applied;  /* highest presence version applied */
  gboolean live;
  gboolean reload;   /* a snapshot came back older than events: read again */
} NodeInfo;

struct _TdBackplane
{
  GObject      parent_instance;

  char        *url;           /* normalised, for logs */
  char        *host;
  int          port;
  int          db;
  char        *node_id;
  char        *channel;
  char        *node_key;
  char        *presence_key;
  TdBackplaneCallbacks callbacks;
  gpointer     user_data;

  Link         sub;
  Link         cmd;
  gboolean     running;
  gboolean     subscribed;
  gboolean     connected;     /* both up and subscribed */
  gboolean     tearing_down;
  gboolean     ever_connected;
  guint        backoff_s;
  guint        retry_id;
  guint        beat_id;
  guint        reap_id;
  gint64       beat_sent;     /* monotonic µs of the unanswered heartbeat, or 0 */
  gint64       connected_since;
  GPtrArray   *dead_sources;  /* GSource* of freed contexts, destroyed when idle */

  GHashTable  *local;         /* login -> "status time_ms" of this node's users */
  gint64       version;
  GHashTable  *nodes;         /* other node id -> NodeInfo* */
  gboolean     dropped;       /* an event may not have reached Redis */
  guint64      events_in;
  guint64      events_out;
};

G_DEFINE_FINAL_TYPE (TdBackplane, td_backplane, G_TYPE_OBJECT)

static void     connect_now     (TdBackplane *self);
static void     lose            (TdBackplane *self, const char *reason);
static gboolean reap_sources_cb (gpointer user_data);

static void
td_backplane_finalize (GObject *object)
{
  TdBackplane *self = TD_BACKPLANE (object);

  td_backplane_stop (self);
  g_clear_handle_id (&self->reap_id, g_source_remove);
  reap_sources_cb (self);
  g_clear_pointer (&self->dead_sources, g_ptr_array_unref);
  g_clear_pointer (&self->local, g_hash_table_unref);
  g_clear_pointer (&self->nodes, g_hash_table_unref);
  g_free (self->url);
  g_free (self->host);
  g_free (self->node_id);
  g_free (self->channel);
  g_free (self->node_key);
  g_free (self->presence_key);
  G_OBJECT_CLASS (td_backplane_parent_class)->finalize (object);
}

static void
td_backplane_class_init (TdBackplaneClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = td_backplane_finalize;
}

static void
td_backplane_init (TdBackplane *self)
{
  self->sub.bp = self;
  self->cmd.bp = self;
  self->dead_sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
  self->local = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

TdBackplane *
td_backplane_new (const char                 *url,
                  const char                 *node_id,
                  const TdBackplaneCallbacks *callbacks,
                  gpointer                    user_data,
                  GError                    **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, error);
  g_autoptr(TdBackplane) self = NULL;
  const char *path;

  if (uri == NULL)
    return NULL;
  if (g_strcmp0 (g_uri_get_scheme (uri), "redis") != 0 || g_uri_get_host (uri) == NULL ||
      g_uri_get_host (uri)[0] == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s is not a redis://HOST:PORT[/DB] URL", url);
      return NULL;
    }
  self = g_object_new (TD_TYPE_BACKPLANE, NULL);
  self->host = g_strdup (g_uri_get_host (uri));
  self->port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 6379;
  path = g_uri_get_path (uri);
  if (path != NULL && path[0] == '/' && path[1] != '\0')
    {
      guint64 db;

      if (!g_ascii_string_to_unsigned (path + 1, 10, 0, 15, &db, NULL))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "%s: the database must be a number from 0 to 15", url);
          return NULL;
        }
      self->db = (int) db;
    }
  self->url = g_strdup_printf ("redis://%s:%d/%d", self->host, self->port, self->db);
  self->node_id = g_strdup (node_id);
  /* Channels are not per database: clusters sharing one Redis on different
   * databases must not hear each other. */
  self->channel = self->db == 0 ? g_strdup ("tidings:events")
                                : g_strdup_printf ("tidings:events:%d", self->db);
  self->node_key = g_strconcat ("tidings:node:", node_id, NULL);
  self->presence_key = g_strconcat ("tidings:presence:", node_id, NULL);
  self->callbacks = *callbacks;
  self->user_data = user_data;
  return g_steal_pointer (&self);
}

const char *
td_backplane_get_node_id (TdBackplane *self)
{
  return self->node_id;
}

const char *
td_backplane_get_url (TdBackplane *self)
{
  return self->url;
}

gboolean
td_backplane_is_connected (TdBackplane *self)
{
  return self->connected;
}

guint64
td_backplane_get_events_in (TdBackplane *self)
{
  return self->events_in;
}

guint64
td_backplane_get_events_out (TdBackplane *self)
{
  return self->events_out;
}

guint
td_backplane_get_n_nodes (TdBackplane *self)
{
  GHashTableIter iter;
  gpointer value;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((NodeInfo *) value)->live)
      n++;
  return n;
}

/* Versions only grow, also across restarts of a node with the same id. */
static gint64
next_version (TdBackplane *self)
{
  self->version = MAX (self->version + 1, g_get_real_time ());
  return self->version;
}

static gboolean
reap_sources_cb (gpointer user_data)
{
  TdBackplane *self = user_data;

  self->reap_id = 0;
  for (guint i = 0; i < self->dead_sources->len; i++)
    g_source_destroy (g_ptr_array_index (self->dead_sources, i));
  g_ptr_array_set_size (self->dead_sources, 0);
  return G_SOURCE_REMOVE;
}

/* Drops a link whose context hiredis has freed or is about to free.  Its
 * GLib source is destroyed later, from an idle callback: hiredis may still
 * run the adapter's cleanup on it (a free deferred until a callback
 * returns), and the source may be the one dispatching right now. */
static void
link_forget (Link *link)
{
  TdBackplane *self = link->bp;

  link->ac = NULL;
  link->up = FALSE;
  if (link->source != NULL)
    {
      g_ptr_array_add (self->dead_sources, g_steal_pointer (&link->source));
      if (self->reap_id == 0)
        self->reap_id = g_idle_add (reap_sources_cb, self);
    }
}

static void
link_close (Link *link)
{
  redisAsyncContext *ac = link->ac;
  GSource *source = link->source;

  if (ac == NULL)
    return;
  /* Forgotten first: the disconnect callback that redisAsyncFree() may
   * run sees a context that is no longer ours. */
  ac->data = NULL;
  if (ac->c.flags & REDIS_IN_CALLBACK)
    {
      /* Freed by hiredis once its callback returns, on its own source's
       * dispatch: the source goes when idle (link_forget). */
      link_forget (link);
      redisAsyncFree (ac);
      return;
    }
  link->ac = NULL;
  link->up = FALSE;
  link->source = NULL;
  redisAsyncFree (ac);
  /* Right away: this source may be waiting to dispatch in the current
   * main loop iteration, and its context no longer exists. */
  if (source != NULL)
    {
      g_source_destroy (source);
      g_source_unref (source);
    }
}

static gboolean
retry_cb (gpointer user_data)
{
  TdBackplane *self = user_data;

  self->retry_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
lose (TdBackplane *self, const char *reason)
{
  guint delay;

  if (self->tearing_down)
    return;
  self->tearing_down = TRUE;
  link_close (&self->sub);
  link_close (&self->cmd);
  self->tearing_down = FALSE;
  self->subscribed = FALSE;
  self->beat_sent = 0;
  if (!self->running)
    return;

  delay = self->backoff_s == 0 ? 1 : self->backoff_s;
  self->backoff_s = MIN (delay * 2, BACKOFF_MAX_S);
  if (self->connected)
    g_warning ("backplane: lost %s (%s), retrying in %u s; serving this node's clients meanwhile",
               self->url, reason, delay);
  else
    g_message ("backplane: cannot reach %s (%s), retrying in %u s", self->url, reason, delay);
  if (self->connected)
    {
      self->connected = FALSE;
      if (self->callbacks.disconnected != NULL)
        self->callbacks.disconnected (self, self->user_data);
    }
  if (self->retry_id == 0)
    self->retry_id = g_timeout_add_seconds (delay, retry_cb, self);
}

static Link *
link_of (const redisAsyncContext *ac)
{
  return ac->data;
}

static void
disconnect_cb (const redisAsyncContext *ac, int status)
{
  Link *link = link_of (ac);
  g_autofree char *reason = NULL;

  if (link == NULL || link->ac != ac)
    return;
  reason = g_strdup (ac->errstr[0] != '\0' ? ac->errstr : "connection closed");
  link_forget (link);
  lose (link->bp, reason);
}

/* ---- presence of this node ---- */

static void
publish_raw (TdBackplane *self, TdBackplaneEvent *event);

/* Rewrites this node's hash and heartbeat key from scratch (after a
 * connect: Redis may have restarted empty) and announces itself. */
static void
republish_self (TdBackplane *self)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *version = g_strdup_printf ("%" G_GINT64_FORMAT, next_version (self));
  g_autofree char *ttl = g_strdup_printf ("%d", HASH_TTL_S);
  g_autoptr(TdBackplaneEvent) hello = td_backplane_event_new (TD_BACKPLANE_HELLO);
  GHashTableIter iter;
  gpointer key, value;

  g_ptr_array_add (argv, g_strdup ("HSET"));
  g_ptr_array_add (argv, g_strdup (self->presence_key));
  g_ptr_array_add (argv, g_strdup (VERSION_FIELD));
  g_ptr_array_add (argv, g_strdup (version));
  g_hash_table_iter_init (&iter, self->local);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_ptr_array_add (argv, g_strdup (key));
      g_ptr_array_add (argv, g_strdup (value));
    }

  redisAsyncCommand (self->cmd.ac, NULL, NULL, "MULTI");
  redisAsyncCommand (self->cmd.ac, NULL, NULL, "DEL %s", self->presence_key);
  redisAsyncCommandArgv (self->cmd.ac, NULL, NULL, (int) argv->len,
                         (const char **) argv->pdata, NULL);
  redisAsyncCommand (self->cmd.ac, NULL, NULL, "EXPIRE %s %s", self->presence_key, ttl);
  redisAsyncCommand (self->cmd.ac, NULL, NULL, "SET %s %s EX %d", self->node_key, version, NODE_TTL_S);
  redisAsyncCommand (self->cmd.ac, NULL, NULL, "SADD %s %s", NODES_KEY, self->node_id);
  redisAsyncCommand (self->cmd.ac, NULL, NULL, "EXEC");
  publish_raw (self, hello);
}

void
td_backplane_set_presence (TdBackplane *self,
                           const char  *login,
                           TdPresence   status,
                           gint64       time_ms)
{
  g_autoptr(TdBackplaneEvent) event = td_backplane_event_new (TD_BACKPLANE_PRESENCE);
  g_autofree char *value = g_strdup_printf ("%s %" G_GINT64_FORMAT,
                                            td_presence_to_string (status), time_ms);
  gint64 version = next_version (self);

  if (status == TD_PRESENCE_OFFLINE)
    g_hash_table_remove (self->local, login);
  else
    g_hash_table_replace (self->local, g_strdup (login), g_strdup (value));
  if (!self->connected)
    return;   /* written in full when the connection is back */

  {
    g_autofree char *v = g_strdup_printf ("%" G_GINT64_FORMAT, version);

    /* "offline" entries stay as tombstones until the next rewrite, so one
     * atomic HSET carries both the change and the version. */
    redisAsyncCommand (self->cmd.ac, NULL, NULL, "HSET %s %s %s %s %s", self->presence_key,
                       login, value, VERSION_FIELD, v);
  }
  event->login = g_strdup (login);
  event->status = status;
  event->time_ms = time_ms;
  event->version = version;
  publish_raw (self, event);
}

/* ---- other nodes ---- */

void
td_backplane_reload_nodes (TdBackplane *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    ((NodeInfo *) value)->reload = TRUE;
}

static NodeInfo *
track_node (TdBackplane *self, const char *node)
{
  NodeInfo *info = g_hash_table_lookup (self->nodes, node);

  if (info == NULL)
    {
      info = g_new0 (NodeInfo, 1);
      g_hash_table_insert (self->nodes, g_strdup (node), info);
    }
  info->live = TRUE;
  return info;
}

static void
forget_node (TdBackplane *self, const char *node, gboolean died)
{
  g_autofree char *name = g_strdup (node);

  if (!g_hash_table_remove (self->nodes, name))
    return;
  self->callbacks.node_presence (self, name, NULL, died, self->user_data);
}

static void
snapshot_cb (redisAsyncContext *ac, void *r, void *privdata)
{
  redisReply *reply = r;
  g_autofree char *node = privdata;
  Link *link = link_of (ac);
  TdBackplane *self;
  g_autoptr(GHashTable) entries = NULL;
  NodeInfo *info;
  gint64 version = 0;

  if (reply == NULL || link == NULL || reply->type != REDIS_REPLY_ARRAY)
    return;
  self = link->bp;
  info = g_hash_table_lookup (self->nodes, node);
  if (info == NULL)
    return;   /* gone meanwhile */

  entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (size_t i = 0; i + 1 < reply->elements; i += 2)
    {
      const char *field = reply->element[i]->str;
      const char *value = reply->element[i + 1]->str;
      g_auto(GStrv) parts = NULL;
      TdBackplanePresence *p;

      if (field == NULL || value == NULL)
        continue;
      if (g_str_equal (field, VERSION_FIELD))
        {
          version = g_ascii_strtoll (value, NULL, 10);
          continue;
        }
      parts = g_strsplit (value, " ", 2);
      p = g_new0 (TdBackplanePresence, 1);
      if (parts[0] == NULL || !td_presence_from_string (parts[0], &p->status) ||
          p->status == TD_PRESENCE_OFFLINE)
        {
          g_free (p);
          continue;
        }
      p->time_ms = parts[1] != NULL ? g_ascii_strtoll (parts[1], NULL, 10) : 0;
      g_hash_table_insert (entries, g_strdup (field), p);
    }

  if (version < info->applied)
    {
      /* Events newer than this snapshot were applied already: reading it
       * would go back in time.  The next heartbeat reads it again. */
      info->reload = TRUE;
      return;
    }
  info->applied = version;
  info->reload = FALSE;
  self->callbacks.node_presence (self, node, entries, FALSE, self->user_data);
}

static void
load_node (TdBackplane *self, const char *node)
{
  g_autofree char *key = g_strconcat ("tidings:presence:", node, NULL);

  track_node (self, node);
  if (self->cmd.ac != NULL)
    {
      char *name = g_strdup (node);

      /* On failure hiredis never calls back: the name is freed here. */
      if (redisAsyncCommand (self->cmd.ac, snapshot_cb, name, "HGETALL %s", key) != REDIS_OK)
        g_free (name);
    }
}

static void
node_keys_cb (redisAsyncContext *ac, void *r, void *privdata)
{
  redisReply *reply = r;
  GPtrArray *names = privdata;
  Link *link = link_of (ac);
  TdBackplane *self;
  g_autoptr(GHashTable) alive = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  gboolean settled;
  GHashTableIter iter;
  gpointer key, value;

  if (reply == NULL || link == NULL || reply->type != REDIS_REPLY_ARRAY ||
      reply->elements != names->len)
    {
      g_ptr_array_unref (names);
      return;
    }
  self = link->bp;
  /* Just after (re)connecting, a node that is missing may only be slow
   * to rewrite its keys after a Redis restart: give it one key lifetime. */
  settled = g_get_monotonic_time () - self->connected_since >= (gint64) NODE_TTL_S * G_USEC_PER_SEC;

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      NodeInfo *info = g_hash_table_lookup (self->nodes, name);

      if (g_str_equal (name, self->node_id))
        continue;
      if (reply->element[i]->type == REDIS_REPLY_STRING)
        {
          g_hash_table_add (alive, (gpointer) name);
          if (info == NULL || info->reload)
            load_node (self, name);
        }
      else if (settled && self->cmd.ac != NULL)
        redisAsyncCommand (self->cmd.ac, NULL, NULL, "SREM %s %s", NODES_KEY, name);
    }

  if (settled)
    {
      g_hash_table_iter_init (&iter, self->nodes);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (!g_hash_table_contains (alive, key))
          g_ptr_array_add (gone, g_strdup (key));
      for (guint i = 0; i < gone->len; i++)
        forget_node (self, g_ptr_array_index (gone, i), TRUE);
    }
  td_metrics_set (TD_METRIC_BACKPLANE_NODES, td_backplane_get_n_nodes (self));
  g_ptr_array_unref (names);
}

static void
members_cb (redisAsyncContext *ac, void *r, void *privdata)
{
  redisReply *reply = r;
  Link *link = link_of (ac);
  GPtrArray *names;
  g_autoptr(GPtrArray) argv = NULL;

  if (reply == NULL || link == NULL || link->ac == NULL || reply->type != REDIS_REPLY_ARRAY)
    return;
  names = g_ptr_array_new_with_free_func (g_free);
  argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup ("MGET"));
  for (size_t i = 0; i < reply->elements; i++)
    if (reply->element[i]->type == REDIS_REPLY_STRING)
      {
        g_ptr_array_add (names, g_strdup (reply->element[i]->str));
        g_ptr_array_add (argv, g_strconcat ("tidings:node:", reply->element[i]->str, NULL));
      }
  if (names->len == 0)
    {
      /* Nobody registered (Redis restarted empty).  MGET needs a key:
       * ask for our own, which the reply handler skips. */
      g_ptr_array_add (names, g_strdup (link->bp->node_id));
      g_ptr_array_add (argv, g_strdup (link->bp->node_key));
    }
  if (redisAsyncCommandArgv (link->ac, node_keys_cb, names, (int) argv->len,
                             (const char **) argv->pdata, NULL) != REDIS_OK)
    g_ptr_array_unref (names);
}

/* ---- heartbeat ---- */

static void
beat_cb (redisAsyncContext *ac, void *r, void *privdata)
{
  redisReply *reply = r;
  Link *link = link_of (ac);

  if (reply == NULL || link == NULL)
    return;
  link->bp->beat_sent = 0;
}

static gboolean
beat_timer_cb (gpointer user_data)
{
  TdBackplane *self = user_data;
  g_autofree char *ttl = g_strdup_printf ("%d", HASH_TTL_S);

  if (!self->connected)
    return G_SOURCE_CONTINUE;
  if (self->beat_sent != 0 &&
      g_get_monotonic_time () - self->beat_sent > (gint64) ANSWER_S * G_USEC_PER_SEC)
    {
      g_autofree char *reason = g_strdup_printf ("no answer for %d s", ANSWER_S);

      lose (self, reason);
      return G_SOURCE_CONTINUE;
    }
  if (self->beat_sent == 0)
    self->beat_sent = g_get_monotonic_time ();
  redisAsyncCommand (self->cmd.ac, beat_cb, NULL, "SET %s %" G_GINT64_FORMAT " EX %d",
                     self->node_key, self->version, NODE_TTL_S);
  redisAsyncCommand (self->cmd.ac, NULL, NULL, "SADD %s %s", NODES_KEY, self->node_id);
  redisAsyncCommand (self->cmd.ac, NULL, NULL, "EXPIRE %s %s", self->presence_key, ttl);
  redisAsyncCommand (self->cmd.ac, members_cb, NULL, "SMEMBERS %s", NODES_KEY);
  return G_SOURCE_CONTINUE;
}

/* ---- publishing ---- */

static void
publish_cb (redisAsyncContext *ac, void *r, void *privdata)
{
  redisReply *reply = r;
  Link *link = link_of (ac);

  /* NULL: the connection went away with the command unanswered; it may
   * or may not have reached Redis. */
  if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
    {
      if (link != NULL)
        link->bp->dropped = TRUE;
      else if (privdata != NULL)
        ((TdBackplane *) privdata)->dropped = TRUE;
    }
}

static void
publish_raw (TdBackplane *self, TdBackplaneEvent *event)
{
  g_autofree char *data = NULL;
  gsize len;

  if (self->cmd.ac == NULL)
    {
      self->dropped = TRUE;
      return;
    }
  data = td_backplane_event_encode (event, self->node_id, &len);
  redisAsyncCommand (self->cmd.ac, publish_cb, self, "PUBLISH %s %b", self->channel, data, len);
  self->events_out++;
  td_metrics_inc (TD_METRIC_BACKPLANE_EVENTS_OUT);
}

void
td_backplane_publish (TdBackplane *self, TdBackplaneEvent *event)
{
  if (!self->connected)
    {
      /* Another node may have missed this: after the reconnect everyone
       * catches up from the store. */
      self->dropped = TRUE;
      return;
    }
  publish_raw (self, event);
}

/* ---- receiving ---- */

static void
handle_event (TdBackplane *self, const char *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdBackplaneEvent) event = td_backplane_event_decode (data, len, &error);
  NodeInfo *info;

  if (event == NULL)
    {
      g_warning ("backplane: ignoring a malformed event: %s", error->message);
      return;
    }
  if (g_str_equal (event->node, self->node_id))
    return;
  self->events_in++;
  td_metrics_inc (TD_METRIC_BACKPLANE_EVENTS_IN);

  switch (event->kind)
    {
    case TD_BACKPLANE_HELLO:
      load_node (self, event->node);
      return;
    case TD_BACKPLANE_BYE:
      forget_node (self, event->node, FALSE);
      return;
    case TD_BACKPLANE_PRESENCE:
      info = g_hash_table_lookup (self->nodes, event->node);
      if (info == NULL)
        {
          /* First word from a node: its snapshot has the rest. */
          load_node (self, event->node);
          info = g_hash_table_lookup (self->nodes, event->node);
        }
      if (event->version <= info->applied)
        return;
      info->applied = event->version;
      break;
    case TD_BACKPLANE_MAILBOX:
    case TD_BACKPLANE_FRAME:
    case TD_BACKPLANE_GROUPS:
    case TD_BACKPLANE_REMINDER:
    case TD_BACKPLANE_RESYNC:
    default:
      break;
    }
  self->callbacks.event (self, event, self->user_data);
}

static void
became_connected (TdBackplane *self)
{
  gboolean again = self->ever_connected;

  self->connected = TRUE;
  self->ever_connected = TRUE;
  self->backoff_s = 0;
  self->connected_since = g_get_monotonic_time ();
  g_message ("backplane: connected to %s as node %s%s", self->url, self->node_id,
             again ? "; catching up from the store" : "");

  republish_self (self);
  if (self->dropped)
    {
      g_autoptr(TdBackplaneEvent) resync = td_backplane_event_new (TD_BACKPLANE_RESYNC);

      self->dropped = FALSE;
      publish_raw (self, resync);
    }
  /* Read every live node's presence now rather than at the next beat. */
  redisAsyncCommand (self->cmd.ac, members_cb, NULL, "SMEMBERS %s", NODES_KEY);
  self->callbacks.connected (self, self->user_data);
}

static void
check_ready (TdBackplane *self)
{
  if (!self->connected && self->cmd.up && self->subscribed)
    became_connected (self);
}

static void
sub_message_cb (redisAsyncContext *ac, void *r, void *privdata)
{
  redisReply *reply = r;
  Link *link = link_of (ac);
  TdBackplane *self;
  const char *type;

  if (reply == NULL || link == NULL || link->ac != ac)
    return;
  self = link->bp;
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 ||
      reply->element[0]->type != REDIS_REPLY_STRING)
    return;
  type = reply->element[0]->str;
  if (g_str_equal (type, "subscribe"))
    {
      self->subscribed = TRUE;
      check_ready (self);
    }
  else if (g_str_equal (type, "message") && reply->element[2]->type == REDIS_REPLY_STRING)
    handle_event (self, reply->element[2]->str, reply->element[2]->len);
}

static void
select_cb (redisAsyncContext *ac, void *r, void *privdata)
{
  redisReply *reply = r;
  Link *link = link_of (ac);

  if (reply == NULL || link == NULL || link->ac != ac)
    return;
  if (reply->type == REDIS_REPLY_ERROR)
    {
      g_autofree char *reason = g_strdup_printf ("SELECT failed: %s", reply->str);

      lose (link->bp, reason);
      return;
    }
  link->up = TRUE;
  check_ready (link->bp);
}

static void
connect_cb (const redisAsyncContext *ac, int status)
{
  Link *link = link_of (ac);
  TdBackplane *self;

  if (link == NULL || link->ac != ac)
    return;
  self = link->bp;
  if (status != REDIS_OK)
    {
      g_autofree char *reason = g_strdup (ac->errstr[0] != '\0' ? ac->errstr : "cannot connect");

      /* hiredis frees the context after this callback. */
      link_forget (link);
      lose (self, reason);
      return;
    }
  if (link == &self->sub)
    redisAsyncCommand (link->ac, sub_message_cb, NULL, "SUBSCRIBE %s", self->channel);
  else
    redisAsyncCommand (link->ac, select_cb, NULL, "SELECT %d", self->db);
}

static gboolean
link_open (TdBackplane *self, Link *link, GError **error)
{
  redisAsyncContext *ac = redisAsyncConnect (self->host, self->port);

  if (ac == NULL || ac->err != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                   ac != NULL ? ac->errstr : "out of memory");
      if (ac != NULL)
        redisAsyncFree (ac);
      return FALSE;
    }
  ac->data = link;
  link->ac = ac;
  link->up = FALSE;
  link->source = redis_source_new (ac);
  g_source_attach (link->source, NULL);
  redisAsyncSetConnectCallback (ac, connect_cb);
  redisAsyncSetDisconnectCallback (ac, disconnect_cb);
  return TRUE;
}

static void
connect_now (TdBackplane *self)
{
  g_autoptr(GError) error = NULL;

  if (!self->running)
    return;
  self->subscribed = FALSE;
  if (!link_open (self, &self->sub, &error) || !link_open (self, &self->cmd, &error))
    lose (self, error->message);
}

void
td_backplane_start (TdBackplane *self)
{
  g_return_if_fail (!self->running);
  self->running = TRUE;
  self->beat_id = g_timeout_add_seconds (BEAT_S, beat_timer_cb, self);
  connect_now (self);
}

/* A clean stop: the other nodes hear it now rather than after the
 * heartbeat key expired.  The async connections cannot be flushed once
 * the main loop has stopped, so this uses a short blocking one. */
static void
say_goodbye (TdBackplane *self)
{
  struct timeval tv = { 1, 0 };
  redisContext *c = redisConnectWithTimeout (self->host, self->port, tv);
  g_autoptr(TdBackplaneEvent) bye = td_backplane_event_new (TD_BACKPLANE_BYE);
  g_autofree char *data = NULL;
  gsize len;

  if (c == NULL || c->err != 0)
    {
      if (c != NULL)
        redisFree (c);
      return;
    }
  redisSetTimeout (c, tv);
  data = td_backplane_event_encode (bye, self->node_id, &len);
  redisAppendCommand (c, "SELECT %d", self->db);
  redisAppendCommand (c, "DEL %s %s", self->node_key, self->presence_key);
  redisAppendCommand (c, "SREM %s %s", NODES_KEY, self->node_id);
  redisAppendCommand (c, "PUBLISH %s %b", self->channel, data, len);
  for (int i = 0; i < 4; i++)
    {
      void *reply = NULL;

      if (redisGetReply (c, &reply) != REDIS_OK)
        break;
      freeReplyObject (reply);
    }
  redisFree (c);
}

void
td_backplane_stop (TdBackplane *self)
{
  if (!self->running)
    return;
  self->running = FALSE;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->beat_id, g_source_remove);
  if (self->connected)
    {
      say_goodbye (self);
      g_message ("backplane: node %s left the cluster", self->node_id);
      self->connected = FALSE;
      if (self->callbacks.disconnected != NULL)
        self->callbacks.disconnected (self, self->user_data);
    }
  lose (self, "stopping");
}
