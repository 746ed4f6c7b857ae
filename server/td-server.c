/* td-server.c - tidingsd's top level: store, HTTP, transport, sessions. */
#define G_LOG_DOMAIN "tidingsd"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "td-api.h"
#include "td-directory-import.h"
#include "td-metrics.h"
#include "td-password.h"
#include "td-server-private.h"
#include "td-sqlite-store.h"

/* The directory is reread this often, so people added with tidingsctl
 * appear in everyone's directory without a restart. */
#define RELOAD_INTERVAL_S 60
/* Window of the failed-login throttle, and how often stale throttle
 * entries are dropped. */
#define LOGIN_WINDOW_S    60
#define PRUNE_INTERVAL_S  60

typedef struct {
  gint64 start;    /* monotonic µs: the window's first failure */
  guint  count;
} FailWindow;

typedef struct {
  double tokens;
  gint64 updated;  /* monotonic µs */
} TokenBucket;

G_DEFINE_FINAL_TYPE (TdServer, td_server, G_TYPE_OBJECT)

static void
td_server_dispose (GObject *object)
{
  TdServer *self = TD_SERVER (object);

  td_server_stop (self);
  g_clear_object (&self->backplane);
  g_clear_object (&self->transport);
  g_clear_object (&self->webhooks);
  g_clear_object (&self->worker);
  g_clear_object (&self->http);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (td_server_parent_class)->dispose (object);
}

static void
td_server_finalize (GObject *object)
{
  TdServer *self = TD_SERVER (object);

  g_clear_pointer (&self->roster, td_roster_free);
  g_clear_pointer (&self->config, td_config_free);
  g_clear_pointer (&self->failed_logins, g_hash_table_unref);
  g_clear_pointer (&self->msg_buckets, g_hash_table_unref);
  g_clear_pointer (&self->groups, g_hash_table_unref);
  g_clear_pointer (&self->reading, g_hash_table_unref);
  g_clear_pointer (&self->presence_dirty, g_hash_table_unref);
  g_clear_pointer (&self->presence_snapshot, g_ptr_array_unref);

  G_OBJECT_CLASS (td_server_parent_class)->finalize (object);
}

static void
td_server_class_init (TdServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_server_dispose;
  object_class->finalize = td_server_finalize;
}

static void
td_server_init (TdServer *self)
{
  self->roster = td_roster_new ();
  g_queue_init (&self->pending_auth);
  self->failed_logins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->msg_buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->last_prune = g_get_monotonic_time ();
  self->presence_dirty = g_hash_table_new (NULL, NULL);
}

TdServer *
td_server_new (TdConfig *config)
{
  TdServer *self = g_object_new (TD_TYPE_SERVER, NULL);

  self->config = config;
  return self;
}

guint16
td_server_get_port (TdServer *self)
{
  return self->port;
}

/* ---- presence ---- */

/* Presence is told in the list form of docs/protocol.md 5.3: a session
 * gets one snapshot (as of the latest flush) when it starts, then the
 * changes of every later flush.  A flush tells what differs from
 * user->shown, so the two never disagree. */

static int
compare_logins (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* One list of logins (char*, borrowed) per TdPresence. */
static GPtrArray *
presence_lists_new (void)
{
  GPtrArray *lists = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);

  for (guint p = 0; p <= TD_PRESENCE_BUSY; p++)
    g_ptr_array_add (lists, g_ptr_array_new ());
  return lists;
}

#define LIST(lists, p) ((GPtrArray *) g_ptr_array_index ((lists), (p)))
/* A NULL-terminated list for the frame constructor; NULL when empty. */
#define LOGINS(lists, p) (LIST ((lists), (p))->len > 0 \
                          ? (const char * const *) LIST ((lists), (p))->pdata : NULL)

/* Encodes @lists (char* logins by TdPresence; sorted so that frames are
 * reproducible) in frames of at most TD_SERVER_PRESENCE_CHUNK logins.  A
 * snapshot too big for one frame continues in plain frames listing the
 * rest, which keeps "everyone not listed is offline" true. */
static GPtrArray *
encode_presence (gboolean snapshot, GPtrArray *lists)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint next[TD_PRESENCE_BUSY + 1] = { 0, };
  gboolean first = TRUE;

  for (guint p = 0; p <= TD_PRESENCE_BUSY; p++)
    g_ptr_array_sort (LIST (lists, p), compare_logins);
  for (;;)
    {
      g_autoptr(GPtrArray) part = presence_lists_new ();
      g_autoptr(TdFrame) frame = NULL;
      guint room = TD_SERVER_PRESENCE_CHUNK;
      gboolean left = FALSE;

      for (guint p = 0; p <= TD_PRESENCE_BUSY; p++)
        {
          GPtrArray *from = LIST (lists, p);

          for (; next[p] < from->len && room > 0; next[p]++, room--)
            g_ptr_array_add (LIST (part, p), g_ptr_array_index (from, next[p]));
          /* Empty lists are left out of the frame. */
          if (LIST (part, p)->len > 0)
            g_ptr_array_add (LIST (part, p), NULL);
          left = left || next[p] < from->len;
        }
      frame = td_frame_new_presence_list (snapshot && first,
                                          LOGINS (part, TD_PRESENCE_ONLINE),
                                          LOGINS (part, TD_PRESENCE_AWAY),
                                          LOGINS (part, TD_PRESENCE_BUSY),
                                          LOGINS (part, TD_PRESENCE_OFFLINE));
      g_ptr_array_add (frames, td_frame_encode_bytes (frame));
      first = FALSE;
      if (!left)
        return frames;
    }
}

static void
flush_presence (TdServer *self)
{
  g_autoptr(GPtrArray) lists = presence_lists_new ();
  g_autoptr(GPtrArray) frames = NULL;
  g_autoptr(GPtrArray) online = NULL;
  GHashTableIter iter;
  gpointer key;
  gboolean changed = FALSE;

  g_hash_table_iter_init (&iter, self->presence_dirty);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      TdRosterUser *user = key;
      TdPresence presence = td_roster_user_presence (user);

      /* Online and gone again within one window, a second device, or (in
       * a cluster) an event repeating what a snapshot said: nothing
       * anyone sees changed. */
      if (presence == user->shown)
        continue;
      td_roster_set_shown (self->roster, user, presence);
      g_ptr_array_add (LIST (lists, presence), user->login);
      changed = TRUE;
    }
  g_hash_table_remove_all (self->presence_dirty);
  if (!changed)
    return;

  g_clear_pointer (&self->presence_snapshot, g_ptr_array_unref);
  frames = encode_presence (FALSE, lists);
  online = td_roster_online_users (self->roster);
  for (guint i = 0; i < online->len; i++)
    {
      TdRosterUser *other = g_ptr_array_index (online, i);

      for (guint j = 0; j < other->sessions->len; j++)
        for (guint f = 0; f < frames->len; f++)
          td_session_send_bytes (g_ptr_array_index (other->sessions, j),
                                 g_ptr_array_index (frames, f));
    }
}

static gboolean
presence_flush_cb (gpointer user_data)
{
  TdServer *self = user_data;

  self->presence_flush_id = 0;
  flush_presence (self);
  return G_SOURCE_REMOVE;
}

void
_td_server_show_presence (TdServer *self, TdRosterUser *user)
{
  guint delay;

  g_hash_table_add (self->presence_dirty, user);
  if (self->presence_flush_id != 0 || self->stopping)
    return;
  delay = TD_SERVER_PRESENCE_DELAY_MS + td_roster_get_n_online (self->roster) / TD_SERVER_PRESENCE_DELAY_PER_MS;
  self->presence_flush_id = g_timeout_add (delay, presence_flush_cb, self);
}

GPtrArray *
_td_server_presence_snapshot (TdServer *self)
{
  g_autoptr(GPtrArray) lists = NULL;
  g_autoptr(GPtrArray) shown = NULL;

  /* 1,000 logins between two flushes share one encoding. */
  if (self->presence_snapshot != NULL)
    return self->presence_snapshot;
  lists = presence_lists_new ();
  shown = td_roster_shown_users (self->roster);
  for (guint i = 0; i < shown->len; i++)
    {
      TdRosterUser *user = g_ptr_array_index (shown, i);

      g_ptr_array_add (LIST (lists, user->shown), user->login);
    }
  self->presence_snapshot = encode_presence (TRUE, lists);
  return self->presence_snapshot;
}

void
_td_server_broadcast_presence (TdServer *self, TdRosterUser *user)
{
  user->status_time = g_get_real_time () / 1000;
  if (self->backplane != NULL)
    td_backplane_set_presence (self->backplane, user->login,
                               user->sessions->len > 0 ? user->status : TD_PRESENCE_OFFLINE,
                               user->status_time);
  _td_server_show_presence (self, user);
}

/* ---- cluster ---- */

static void
backplane_connected_cb (TdBackplane *bp, gpointer user_data)
{
  TdServer *self = user_data;

  /* Whatever was published while this node was not listening is lost:
   * every session reads its mailbox from where it is. */
  if (!self->stopping)
    _td_server_catch_up_all (self);
}

static void
backplane_event_cb (TdBackplane *bp, const TdBackplaneEvent *event, gpointer user_data)
{
  TdServer *self = user_data;
  TdRosterUser *user;

  if (self->stopping)
    return;
  if (event->kind != TD_BACKPLANE_PRESENCE)
    {
      _td_server_remote_event (self, event);
      return;
    }
  user = td_roster_lookup (self->roster, event->login);
  if (user == NULL)
    return;
  td_roster_set_remote (self->roster, user, event->node, event->status, event->time_ms);
  _td_server_show_presence (self, user);
}

static void
backplane_node_presence_cb (TdBackplane *bp,
                            const char  *node,
                            GHashTable  *entries,
                            gboolean     died,
                            gpointer     user_data)
{
  TdServer *self = user_data;
  g_autoptr(GPtrArray) forgotten = td_roster_forget_node (self->roster, node);
  g_autoptr(GHashTable) touched = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key, value;
  guint went_offline = 0;

  for (guint i = 0; i < forgotten->len; i++)
    g_hash_table_add (touched, g_ptr_array_index (forgotten, i));
  if (entries != NULL)
    {
      g_hash_table_iter_init (&iter, entries);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          TdRosterUser *user = td_roster_lookup (self->roster, key);
          const TdBackplanePresence *p = value;

          if (user == NULL)
            continue;
          td_roster_set_remote (self->roster, user, node, p->status, p->time_ms);
          g_hash_table_add (touched, user);
        }
    }
  if (self->stopping)
    return;

  g_hash_table_iter_init (&iter, touched);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      TdRosterUser *user = key;

      /* Counted now; the others hear of it with the next flush. */
      if (user->shown != TD_PRESENCE_OFFLINE && td_roster_user_presence (user) == TD_PRESENCE_OFFLINE)
        went_offline++;
      _td_server_show_presence (self, user);
    }
  if (entries == NULL && died)
    g_warning ("backplane: node %s stopped answering: %u users offline", node, went_offline);
  else if (entries == NULL)
    g_message ("backplane: node %s left the cluster: %u users offline", node, went_offline);
  else
    g_debug ("backplane: node %s has %u people connected", node, g_hash_table_size (entries));
}

static gboolean
start_backplane (TdServer *self, GError **error)
{
  static const TdBackplaneCallbacks callbacks = {
    backplane_connected_cb, NULL, backplane_event_cb,
    backplane_node_presence_cb,
  };
  g_autofree char *node = NULL;

  if (self->config->redis_url == NULL || self->config->redis_url[0] == '\0')
    return TRUE;   /* a single node: no Redis at all */
  if (self->config->node_id != NULL && self->config->node_id[0] != '\0')
    node = g_strdup (self->config->node_id);
  else
    node = g_strdup_printf ("%s:%u", g_get_host_name (), self->port);
  self->backplane = td_backplane_new (self->config->redis_url, node, &callbacks, self, error);
  if (self->backplane == NULL)
    return FALSE;
  g_message ("backplane: node %s joining through %s", node, td_backplane_get_url (self->backplane));
  /* Connects in the background: until Redis answers this node serves its
   * own clients, and catches up once it is connected. */
  td_backplane_start (self->backplane);
  return TRUE;
}

void
_td_server_session_authenticated (TdServer *self, TdSession *session)
{
  TdRosterUser *user = td_session_get_user (session);
  gboolean was_offline = user->sessions->len == 0;

  g_queue_unlink (&self->pending_auth, td_session_get_pending_link (session));
  g_ptr_array_add (user->sessions, td_session_ref (session));
  if (was_offline)
    {
      user->status = TD_PRESENCE_ONLINE;
      td_roster_set_online (self->roster, user, TRUE);
      _td_server_broadcast_presence (self, user);
    }
}

/* ---- throttles ---- */

gboolean
_td_server_login_throttled (TdServer   *self,
                            const char *address,
                            guint      *retry_s)
{
  FailWindow *w;
  gint64 now, end;

  if (self->config->failed_logins_per_minute == 0)
    return FALSE;
  w = g_hash_table_lookup (self->failed_logins, address);
  if (w == NULL || w->count < self->config->failed_logins_per_minute)
    return FALSE;
  now = g_get_monotonic_time ();
  end = w->start + (gint64) LOGIN_WINDOW_S * G_USEC_PER_SEC;
  if (end <= now)
    return FALSE;
  *retry_s = (guint) ((end - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  return TRUE;
}

void
_td_server_login_failed (TdServer   *self,
                         const char *address)
{
  gint64 now = g_get_monotonic_time ();
  FailWindow *w = g_hash_table_lookup (self->failed_logins, address);

  if (w == NULL)
    {
      w = g_new0 (FailWindow, 1);
      g_hash_table_insert (self->failed_logins, g_strdup (address), w);
    }
  if (w->count == 0 || w->start + (gint64) LOGIN_WINDOW_S * G_USEC_PER_SEC <= now)
    {
      w->start = now;
      w->count = 0;
    }
  w->count++;
  if (self->config->failed_logins_per_minute > 0 &&
      w->count == self->config->failed_logins_per_minute)
    g_message ("%s: %u failed logins within %u s; refusing password logins from there for now",
               address, w->count, LOGIN_WINDOW_S);
}

gboolean
_td_server_take_message (TdServer   *self,
                         const char *login)
{
  double rate = self->config->messages_per_second;
  double burst = MAX (self->config->message_burst, 1);
  gint64 now = g_get_monotonic_time ();
  TokenBucket *b;

  if (self->config->messages_per_second == 0)
    return TRUE;
  b = g_hash_table_lookup (self->msg_buckets, login);
  if (b == NULL)
    {
      b = g_new0 (TokenBucket, 1);
      b->tokens = burst;
      b->updated = now;
      g_hash_table_insert (self->msg_buckets, g_strdup (login), b);
    }
  b->tokens = MIN (burst, b->tokens + (double) (now - b->updated) * rate / G_USEC_PER_SEC);
  b->updated = now;
  if (b->tokens < 1.0)
    return FALSE;
  b->tokens -= 1.0;
  return TRUE;
}

/* Drops throttle entries that no longer hold anything back: an expired
 * login window, a bucket that has refilled.  Once a minute, O(entries). */
static void
prune_throttles (TdServer *self, gint64 now)
{
  double rate = self->config->messages_per_second;
  double burst = MAX (self->config->message_burst, 1);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->failed_logins);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      FailWindow *w = value;

      if (w->start + (gint64) LOGIN_WINDOW_S * G_USEC_PER_SEC <= now)
        g_hash_table_iter_remove (&iter);
    }
  g_hash_table_iter_init (&iter, self->msg_buckets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      TokenBucket *b = value;

      if (rate == 0 || b->tokens + (double) (now - b->updated) * rate / G_USEC_PER_SEC >= burst)
        g_hash_table_iter_remove (&iter);
    }
}

/* ---- transport callbacks ---- */

static void
conn_opened_cb (TdConn *conn, gpointer user_data)
{
  TdServer *self = user_data;
  TdSession *session;

  if (self->stopping)
    {
      td_conn_close (conn, TD_CLOSE_GOING_AWAY, "server shutting down");
      return;
    }
  session = td_session_new (self, conn);
  td_conn_set_user_data (conn, session);
  g_queue_push_tail_link (&self->pending_auth, td_session_get_pending_link (session));
}

static void
conn_text_cb (TdConn *conn, const char *data, gsize len, gpointer user_data)
{
  TdSession *session = td_conn_get_user_data (conn);

  if (session != NULL)
    td_session_handle_text (session, data, len);
}

static void
conn_closed_cb (TdConn *conn, gushort code, gpointer user_data)
{
  TdServer *self = user_data;
  TdSession *session = td_conn_get_user_data (conn);
  TdRosterUser *user;

  if (session == NULL)
    return;
  td_conn_set_user_data (conn, NULL);

  user = td_session_get_user (session);
  if (td_session_get_state (session) == TD_SESSION_ACTIVE && user != NULL)
    {
      td_session_closed (session);
      if (g_ptr_array_remove_fast (user->sessions, session))
        td_session_unref (session);
      if (user->sessions->len == 0)
        {
          td_roster_set_online (self->roster, user, FALSE);
          if (!self->stopping)
            _td_server_broadcast_presence (self, user);
        }
    }
  else
    {
      g_queue_unlink (&self->pending_auth, td_session_get_pending_link (session));
      td_session_closed (session);
    }
  td_session_unref (session);
}

/* Closes connections that have not logged in within the deadline.  The
 * queue is in arrival order, so only its head needs looking at. */
/* ---- slow HTTP requests ----
 * SoupServer has no header or idle timeouts: a client that opens a
 * connection and sends its request line one byte a minute (or nothing at
 * all) would hold a socket forever, before any of the WebSocket deadlines
 * start.  Every request gets the login deadline to arrive completely; a
 * request still being read after that has its socket shut down, which
 * libsoup sees as the peer going away. */

static void
request_started_cb (SoupServer *http, SoupServerMessage *msg, gpointer user_data)
{
  TdServer *self = user_data;
  gint64 deadline = g_get_monotonic_time () +
                    (gint64) self->config->auth_timeout_s * G_USEC_PER_SEC;

  /* A reference, so an entry can never point at a freed message even if
   * libsoup dropped one without a finishing signal: it just expires. */
  g_hash_table_insert (self->reading, g_object_ref (msg), g_memdup2 (&deadline, sizeof deadline));
}

static void
request_done_cb (SoupServer *http, SoupServerMessage *msg, gpointer user_data)
{
  TdServer *self = user_data;

  g_hash_table_remove (self->reading, msg);
}

static void
reap_slow_requests (TdServer *self)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer msg, deadline;

  g_hash_table_iter_init (&iter, self->reading);
  while (g_hash_table_iter_next (&iter, &msg, &deadline))
    {
      GSocket *socket;

      if (*(gint64 *) deadline > now)
        continue;
      socket = soup_server_message_get_socket (msg);
      if (socket != NULL)
        {
          g_debug ("closing a connection whose HTTP request did not arrive in %u s",
                   self->config->auth_timeout_s);
          g_socket_shutdown (socket, TRUE, TRUE, NULL);
        }
      self->slow_requests_closed++;
      g_hash_table_iter_remove (&iter);
    }
}

static gboolean
sweep_cb (gpointer user_data)
{
  TdServer *self = user_data;
  gint64 limit = g_get_monotonic_time () - (gint64) self->config->auth_timeout_s * G_USEC_PER_SEC;
  GList *link;

  while ((link = g_queue_peek_head_link (&self->pending_auth)) != NULL)
    {
      TdSession *session = link->data;

      if (td_session_get_created (session) > limit)
        break;
      g_queue_unlink (&self->pending_auth, link);
      td_session_close (session, TD_CLOSE_POLICY, "no login within the deadline");
    }

  reap_slow_requests (self);

  if (g_get_monotonic_time () - self->last_prune >= (gint64) PRUNE_INTERVAL_S * G_USEC_PER_SEC)
    {
      self->last_prune = g_get_monotonic_time ();
      prune_throttles (self, self->last_prune);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- HTTP ---- */

static void
send_json (SoupServerMessage *msg, guint status, JsonBuilder *builder)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  char *body;
  gsize len;

  json_generator_set_root (gen, root);
  body = json_generator_to_data (gen, &len);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, len);
}

/* The node's name in a cluster: --node-id, else HOSTNAME:PORT. */
static char *
node_name (TdServer *self)
{
  if (self->config->node_id != NULL && self->config->node_id[0] != '\0')
    return g_strdup (self->config->node_id);
  return g_strdup_printf ("%s:%u", g_get_host_name (), self->port);
}

static const char *
backplane_state (TdServer *self)
{
  if (self->config->redis_url == NULL || self->config->redis_url[0] == '\0')
    return "none";
  return self->backplane != NULL && td_backplane_is_connected (self->backplane)
         ? "connected" : "disconnected";
}

static void
health_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  TdServer *self = user_data;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autofree char *node = node_name (self);

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET &&
      soup_server_message_get_method (msg) != SOUP_METHOD_HEAD)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, self->stopping ? "stopping" : "ok");
  json_builder_set_member_name (b, "version");
  json_builder_add_string_value (b, PACKAGE_VERSION);
  json_builder_set_member_name (b, "connections");
  json_builder_add_int_value (b, self->transport ? td_transport_get_n_connections (self->transport) : 0);
  json_builder_set_member_name (b, "node");
  json_builder_add_string_value (b, node);
  json_builder_set_member_name (b, "store");
  json_builder_add_string_value (b, self->store != NULL ? td_store_kind (self->store) : "none");
  json_builder_set_member_name (b, "backplane");
  json_builder_add_string_value (b, backplane_state (self));
  json_builder_end_object (b);
  send_json (msg, self->stopping ? SOUP_STATUS_SERVICE_UNAVAILABLE : SOUP_STATUS_OK, b);
}

/* ---- /metrics (Prometheus text format 0.0.4, td-metrics.c) ----
 * Counters and histograms are kept by the code they measure; gauges of
 * the server's own state are set here, just before rendering.  Each scrape
 * also runs one small store job (the webhook queue length): its outcome is
 * tidings_store_up, so a store that stopped answering shows up in the
 * metrics and not only as slow logins. */

typedef struct {
  TdServer          *server;
  SoupServerMessage *msg;
} Scrape;

static void
scrape_free (gpointer data)
{
  Scrape *scrape = data;

  g_object_unref (scrape->server);
  g_object_unref (scrape->msg);
  g_free (scrape);
}

static void
send_metrics (TdServer *self, SoupServerMessage *msg)
{
  g_autoptr(GString) out = g_string_sized_new (8192);
  g_autoptr(GPtrArray) online = td_roster_online_users (self->roster);
  g_autofree char *node = node_name (self);
  gint64 sessions = 0;
  gsize len;

  for (guint i = 0; i < online->len; i++)
    sessions += ((TdRosterUser *) g_ptr_array_index (online, i))->sessions->len;
  td_metrics_set (TD_METRIC_SESSIONS, sessions);
  td_metrics_set (TD_METRIC_USERS_ONLINE, online->len);
  td_metrics_set (TD_METRIC_BACKPLANE_CONNECTED,
                  self->backplane != NULL && td_backplane_is_connected (self->backplane));
  if (self->backplane != NULL)
    {
      /* Counted by td-backplane.c; mirrored here (they only grow). */
      td_metrics_set (TD_METRIC_BACKPLANE_NODES, td_backplane_get_n_nodes (self->backplane));
      td_metrics_set (TD_METRIC_BACKPLANE_EVENTS_IN, td_backplane_get_events_in (self->backplane));
      td_metrics_set (TD_METRIC_BACKPLANE_EVENTS_OUT, td_backplane_get_events_out (self->backplane));
    }
  td_metrics_set_info (PACKAGE_VERSION, node,
                       self->store != NULL ? td_store_kind (self->store) : "none");

  td_metrics_render (out);
  len = out->len;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, TD_METRICS_CONTENT_TYPE, SOUP_MEMORY_TAKE,
                                    g_string_free (g_steal_pointer (&out), FALSE), len);
}

static gpointer
scrape_job_run (TdStore *store, gpointer data, GError **error)
{
  g_autoptr(GPtrArray) hooks = td_store_list_webhooks (store, error);
  gint64 *pending;

  if (hooks == NULL)
    return NULL;
  pending = g_new0 (gint64, 1);
  for (guint i = 0; i < hooks->len; i++)
    *pending += ((TdStoreWebhook *) g_ptr_array_index (hooks, i))->pending;
  return pending;
}

static void
scrape_job_done (gpointer result, const GError *error, gpointer user_data)
{
  Scrape *scrape = user_data;

  if (error != NULL)
    {
      /* The webhook gauge keeps its last value: store_up says it is old. */
      g_debug ("metrics: the store did not answer: %s", error->message);
      td_metrics_set (TD_METRIC_STORE_UP, 0);
    }
  else
    {
      td_metrics_set (TD_METRIC_STORE_UP, 1);
      td_metrics_set (TD_METRIC_WEBHOOK_QUEUE_LENGTH, *(gint64 *) result);
    }
  send_metrics (scrape->server, scrape->msg);
  soup_server_message_unpause (scrape->msg);
}

static void
metrics_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  TdServer *self = user_data;
  Scrape *scrape;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET &&
      soup_server_message_get_method (msg) != SOUP_METHOD_HEAD)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  if (self->stopping || self->worker == NULL)
    {
      send_metrics (self, msg);
      return;
    }

  scrape = g_new0 (Scrape, 1);
  scrape->server = g_object_ref (self);
  scrape->msg = g_object_ref (msg);
  soup_server_message_pause (msg);
  td_store_worker_run (self->worker, scrape_job_run, scrape, scrape_free, g_free,
                       scrape_job_done, scrape);
}

static void
not_found_cb (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_add_string_value (b, "not_found");
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, "no such endpoint");
  json_builder_end_object (b);
  send_json (msg, SOUP_STATUS_NOT_FOUND, b);
}

/* ---- directory ---- */

typedef struct {
  GPtrArray *users;
  GPtrArray *departments;
} Listing;

static void
listing_free (gpointer data)
{
  Listing *listing = data;

  g_clear_pointer (&listing->users, g_ptr_array_unref);
  g_clear_pointer (&listing->departments, g_ptr_array_unref);
  g_free (listing);
}

static gpointer
listing_job_run (TdStore *store, gpointer data, GError **error)
{
  Listing *listing = g_new0 (Listing, 1);

  listing->users = td_store_list_users (store, error);
  if (listing->users != NULL)
    listing->departments = td_store_list_departments (store, error);
  if (listing->departments == NULL)
    {
      listing_free (listing);
      return NULL;
    }
  return listing;
}

static void
listing_job_done (gpointer result, const GError *error, gpointer user_data)
{
  TdServer *self = user_data;
  Listing *listing = result;

  self->reload_running = FALSE;
  if (error != NULL)
    {
      g_warning ("cannot reload the directory: %s", error->message);
      return;
    }
  {
    guint before = td_roster_get_n_users (self->roster);

    td_roster_update (self->roster, listing->users, listing->departments);
    /* Newcomers may already be connected to other nodes. */
    if (self->backplane != NULL && td_roster_get_n_users (self->roster) > before)
      td_backplane_reload_nodes (self->backplane);
  }
  g_debug ("directory reloaded: %u people", td_roster_get_n_users (self->roster));
  /* Department groups follow the directory: their members hear of it. */
  _td_server_refresh_groups (self);

  /* Someone disabled (or removed) with tidingsctl is signed out everywhere,
   * not only refused at the next login. */
  {
    g_autoptr(GPtrArray) online = td_roster_online_users (self->roster);

    for (guint i = 0; i < online->len; i++)
      {
        TdRosterUser *user = g_ptr_array_index (online, i);
        g_autoptr(GPtrArray) sessions = NULL;

        if (!user->disabled)
          continue;
        sessions = g_ptr_array_copy (user->sessions, NULL, NULL);
        for (guint j = 0; j < sessions->len; j++)
          td_session_close (g_ptr_array_index (sessions, j), TD_CLOSE_POLICY, "account disabled");
      }
  }
}

void
td_server_reload_directory (TdServer *self)
{
  if (self->worker == NULL || self->reload_running || self->stopping)
    return;
  self->reload_running = TRUE;
  td_store_worker_run (self->worker, listing_job_run, NULL, NULL, listing_free,
                       listing_job_done, self);
}

gboolean
td_server_reload_certificate (TdServer *self, GError **error)
{
  g_autoptr(GTlsCertificate) certificate = NULL;

  if (self->config->tls_cert_file == NULL || self->http == NULL)
    return TRUE;
  /* A renewed certificate replaces the old one for new connections;
   * connections already open keep the one they were made with.  If the
   * new files are unusable (half-copied, key not matching), the old
   * certificate stays. */
  certificate = g_tls_certificate_new_from_files (self->config->tls_cert_file,
                                                  self->config->tls_key_file, error);
  if (certificate == NULL)
    {
      g_prefix_error (error, "keeping the current TLS certificate: cannot use %s with key %s: ",
                      self->config->tls_cert_file, self->config->tls_key_file);
      return FALSE;
    }
  soup_server_set_tls_certificate (self->http, certificate);
  g_message ("TLS certificate reloaded from %s", self->config->tls_cert_file);
  return TRUE;
}

static gboolean
reload_cb (gpointer user_data)
{
  td_server_reload_directory (user_data);
  return G_SOURCE_CONTINUE;
}

/* ---- start and stop ---- */

static gboolean
write_port_file (const char *path, guint16 port, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, ".tmp", NULL);
  g_autofree char *text = g_strdup_printf ("%u\n", port);

  /* Written then renamed, so a reader never sees a partial number. */
  if (!g_file_set_contents (tmp, text, -1, error))
    return FALSE;
  if (g_rename (tmp, path) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot write %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static gboolean
load_store (TdServer *self, GError **error)
{
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GPtrArray) departments = NULL;

  self->store = td_store_open (self->config->store_url, self->config->data_dir, error);
  if (self->store == NULL)
    return FALSE;
  if (self->config->store_url != NULL && *self->config->store_url != '\0')
    {
      g_autofree char *shown = td_store_url_redact (self->config->store_url);

      g_message ("store: PostgreSQL at %s", shown);
    }
  else
    g_message ("store: SQLite in %s", self->config->data_dir);

  if (self->config->directory_file != NULL)
    {
      TdImportStats stats = { 0 };
      g_autoptr(GError) local_error = NULL;

      if (!td_directory_import_file (self->store, self->config->directory_file, NULL,
                                     &stats, &local_error))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "cannot import the directory: %s", local_error->message);
          return FALSE;
        }
      g_message ("directory %s: %u people added, %u updated, %u unchanged",
                 self->config->directory_file, stats.users_created, stats.users_updated,
                 stats.users_unchanged);
    }

  /* Before the worker exists the main thread may use the store directly. */
  users = td_store_list_users (self->store, error);
  if (users == NULL)
    return FALSE;
  departments = td_store_list_departments (self->store, error);
  if (departments == NULL)
    return FALSE;
  td_roster_update (self->roster, users, departments);
  return TRUE;
}

/* soup_server_listen() keeps GIO's listen backlog of 10: a burst of
 * reconnects (every client after a server restart) overflows it and the
 * kernel drops connections.  The socket is made here with a deep backlog
 * and handed to libsoup. */
static gboolean
listen_with_backlog (SoupServer             *http,
                     GSocketAddress         *sockaddr,
                     SoupServerListenOptions options,
                     guint16                *out_port,
                     GError                **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  socket = g_socket_new (g_socket_address_get_family (sockaddr), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  g_socket_set_listen_backlog (socket, TD_SERVER_LISTEN_BACKLOG);
  if (!g_socket_bind (socket, sockaddr, TRUE, error) || !g_socket_listen (socket, error))
    return FALSE;
  /* The port is read here rather than with soup_server_get_uris(), which
   * leaks a GSocketAddress per listener in libsoup 3.2.3. */
  local = g_socket_get_local_address (socket, error);
  if (local == NULL)
    return FALSE;
  *out_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  return soup_server_listen_socket (http, socket, options, error);
}

gboolean
td_server_start (TdServer *self, GError **error)
{
  static const TdTransportCallbacks callbacks = {
    conn_opened_cb, conn_text_cb, conn_closed_cb,
  };
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) sockaddr = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  SoupServerListenOptions listen_options = 0;

  g_return_val_if_fail (!self->started, FALSE);

  /* Checked first: a bad certificate should not cost a store open. */
  if (self->config->tls_cert_file != NULL)
    {
      certificate = g_tls_certificate_new_from_files (self->config->tls_cert_file,
                                                      self->config->tls_key_file, &local_error);
      if (certificate == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "cannot use the TLS certificate %s with key %s: %s",
                       self->config->tls_cert_file, self->config->tls_key_file,
                       local_error->message);
          return FALSE;
        }
      listen_options |= SOUP_SERVER_LISTEN_HTTPS;
    }

  if (!td_password_init (error))
    return FALSE;
  td_password_warm_up ();
  if (!load_store (self, error))
    return FALSE;

  self->worker = td_store_worker_new (self->store);
  self->webhooks = td_webhooks_new (self->worker);
  td_webhooks_set_first_retry (self->webhooks, self->config->webhook_retry_s);
  self->transport = td_transport_new (&callbacks, self, TD_PROTO_MAX_FRAME, TD_SERVER_MAX_OUTGOING);
  td_transport_set_keepalive (self->transport, self->config->idle_timeout_s,
                              self->config->ping_timeout_s);
  td_transport_set_max_per_address (self->transport, self->config->max_conns_per_address);
  td_transport_set_allowed_origins (self->transport, (const char * const *) self->config->allowed_origins);

  /* No "server-header": the version is not advertised to strangers.  With
   * a certificate, the one port speaks TLS only: nothing goes in clear. */
  self->http = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (self->http, "/api/v1/health", health_cb, self, NULL);
  soup_server_add_handler (self->http, "/metrics", metrics_cb, self, NULL);
  td_api_register (self, self->http);
  self->reading = g_hash_table_new_full (NULL, NULL, g_object_unref, g_free);
  g_signal_connect (self->http, "request-started", G_CALLBACK (request_started_cb), self);
  g_signal_connect (self->http, "request-read", G_CALLBACK (request_done_cb), self);
  g_signal_connect (self->http, "request-finished", G_CALLBACK (request_done_cb), self);
  g_signal_connect (self->http, "request-aborted", G_CALLBACK (request_done_cb), self);
  soup_server_add_handler (self->http, NULL, not_found_cb, self, NULL);
  td_transport_attach (self->transport, self->http, TD_PROTO_WS_PATH);

  if (g_str_equal (self->config->listen_host, "localhost"))
    address = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  else
    address = g_inet_address_new_from_string (self->config->listen_host);
  sockaddr = g_inet_socket_address_new (address, self->config->listen_port);
  if (!listen_with_backlog (self->http, sockaddr, listen_options, &self->port, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot listen on %s:%u: %s",
                   self->config->listen_host, self->config->listen_port, local_error->message);
      return FALSE;
    }

  g_message ("listening on %s://%s:%u/ (WebSocket path %s)",
             certificate != NULL ? "https" : "http", self->config->listen_host, self->port,
             TD_PROTO_WS_PATH);

  if (self->config->port_file != NULL && !write_port_file (self->config->port_file, self->port, error))
    return FALSE;

  _td_server_push_start (self);
  if (!start_backplane (self, error))
    return FALSE;
  td_webhooks_kick (self->webhooks);
  self->sweep_id = g_timeout_add_seconds (1, sweep_cb, self);
  self->reload_id = g_timeout_add_seconds (RELOAD_INTERVAL_S, reload_cb, self);
  self->started = TRUE;
  g_message ("data in %s; %u people in the directory", self->config->data_dir,
             td_roster_get_n_users (self->roster));
  return TRUE;
}

void
td_server_stop (TdServer *self)
{
  if (!self->started || self->stopping)
    return;
  self->stopping = TRUE;

  g_clear_handle_id (&self->sweep_id, g_source_remove);
  g_clear_handle_id (&self->reload_id, g_source_remove);
  g_clear_handle_id (&self->presence_flush_id, g_source_remove);
  /* First: the other nodes hear now that this node's people are gone
   * (unless connected elsewhere), not when the heartbeat expires. */
  if (self->backplane != NULL)
    td_backplane_stop (self->backplane);

  /* Stop accepting, tell clients, then commit everything already queued:
   * a message whose "sent" cannot reach its sender any more is still stored,
   * and its sender's resend with the same id is answered as a duplicate. */
  soup_server_disconnect (self->http);
  _td_server_push_stop (self);
  td_webhooks_stop (self->webhooks);
  td_transport_close_all (self->transport, TD_CLOSE_GOING_AWAY, "server shutting down");
  td_store_worker_stop (self->worker);
  td_transport_shutdown (self->transport);
  g_message ("stopped");
}
