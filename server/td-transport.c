/* td-transport.c - the WebSocket data path of tidingsd: handshake through
 * libsoup, then every connection in one epoll set watched by one GSource.
 *
 * The GLib main loop poll()s every source on every wakeup, so one source
 * per connection costs O(connections) per message.  Here the main loop
 * sees a single fd (the epoll fd); per wakeup we take at most
 * TD_EPOLL_BATCH ready connections from epoll, bound the work per
 * connection (td-ws-conn.c), flush the output the callbacks queued, and
 * then call ->closed for the connections that ended ("reaping": deferred
 * so that no callback ever runs inside another one for the same conn, and
 * td_conn_send_text() never calls ->closed under its caller's feet).
 * Timers (close handshake and linger deadlines) are one 1 s sweep over
 * the connections that have a deadline, running only while there are any.
 * Keepalive (ping after silence, close after no answer) is a second 1 s
 * timer that looks only at the heads of two lists kept in time order.
 *
 * Epoll is level-triggered: a connection cut short by the read budget is
 * reported again on the next wakeup without bookkeeping, and EPOLLOUT is
 * registered only while a write is blocked.
 */
#define G_LOG_DOMAIN "td-transport"

#include "config.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "td-metrics.h"
#include "td-proto.h"
#include "td-transport-private.h"

G_DEFINE_FINAL_TYPE (TdTransport, td_transport, G_TYPE_OBJECT)

typedef struct {
  GSource      source;
  TdTransport *self;      /* not owned: the transport destroys the source */
  gpointer     tag;
} TdEpollSource;

static void dispatch_all (TdTransport *self);

static gboolean
has_work (TdTransport *self)
{
  return self->pending.length > 0 || self->dirty.length > 0 || self->reap.length > 0;
}

static gboolean
epoll_source_prepare (GSource *source,
                      gint    *timeout)
{
  TdEpollSource *es = (TdEpollSource *) source;

  *timeout = -1;
  return has_work (es->self);
}

static gboolean
epoll_source_check (GSource *source)
{
  TdEpollSource *es = (TdEpollSource *) source;

  return has_work (es->self) ||
         (g_source_query_unix_fd (source, es->tag) & (G_IO_IN | G_IO_ERR | G_IO_HUP));
}

static gboolean
epoll_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  TdEpollSource *es = (TdEpollSource *) source;

  dispatch_all (es->self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs epoll_source_funcs = {
  epoll_source_prepare,
  epoll_source_check,
  epoll_source_dispatch,
  NULL, NULL, NULL,
};

/* List bookkeeping.  Each list has its own GList link inside TdConn, so
 * insertion and removal are O(1). */

void
_td_transport_mark_pending (TdTransport *self,
                            TdConn      *conn)
{
  if (conn->in_pending)
    return;
  conn->in_pending = TRUE;
  g_queue_push_tail_link (&self->pending, &conn->pending_link);
}

void
_td_transport_mark_dirty (TdTransport *self,
                          TdConn      *conn)
{
  if (conn->in_dirty)
    return;
  conn->in_dirty = TRUE;
  g_queue_push_tail_link (&self->dirty, &conn->dirty_link);
}

static gboolean
sweep_cb (gpointer user_data)
{
  TdTransport *self = user_data;
  gint64 now = g_get_monotonic_time ();
  GList *l, *next;

  for (l = self->timed.head; l != NULL; l = next)
    {
      TdConn *conn = l->data;

      next = l->next;
      if (conn->deadline > now)
        continue;
      if (conn->state == TD_CONN_LINGER)
        _td_transport_linger_done (self, conn);
      else if (conn->state < TD_CONN_DROPPING)
        {
          g_debug ("%s: no close answer in time", conn->peer);
          if (conn->close_code == 0)
            conn->close_code = 1006;
          _td_transport_schedule_drop (self, conn);
        }
    }
  if (self->timed.length > 0)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&self->sweep, g_source_unref);
  return G_SOURCE_REMOVE;
}

void
_td_transport_set_deadline (TdTransport *self,
                            TdConn      *conn,
                            guint        seconds)
{
  conn->deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;
  if (!conn->in_timed)
    {
      conn->in_timed = TRUE;
      g_queue_push_tail_link (&self->timed, &conn->timed_link);
    }
  if (self->sweep == NULL)
    {
      self->sweep = g_timeout_source_new_seconds (1);
      g_source_set_callback (self->sweep, sweep_cb, self, NULL);
      g_source_set_static_name (self->sweep, "td-transport sweep");
      g_source_attach (self->sweep, self->context);
    }
}

/* ---- giving idle memory back ---- */

/* Every connection that goes idle frees its wslay context (~8.5 KiB) in
 * the middle of the heap, between the small objects of connections that
 * stay.  glibc keeps such holes resident: after 1,000 logins, ~7.6 KiB
 * per idle connection of the server's RSS was free heap that
 * malloc_trim() returned (RSS per connection 10.1 KiB -> 2.5 KiB).  So
 * after a burst of releases, once no context has been made for a second
 * (the burst is over; a busy server reuses the holes and is left alone),
 * trim once. */
static gboolean
trim_cb (gpointer user_data)
{
  TdTransport *self = user_data;

  if (self->ws_made != self->ws_made_seen)
    {
      self->ws_made_seen = self->ws_made;
      return G_SOURCE_CONTINUE;
    }
#ifdef __GLIBC__
  malloc_trim (0);
#endif
  self->ws_released = 0;
  g_clear_pointer (&self->trim_timer, g_source_unref);
  return G_SOURCE_REMOVE;
}

void
_td_transport_note_ws (TdTransport *self,
                       gboolean     released)
{
  if (!released)
    {
      self->ws_made++;
      return;
    }
  if (++self->ws_released < TD_TRIM_AFTER_RELEASES || self->trim_timer != NULL)
    return;
  self->ws_made_seen = self->ws_made;
  self->trim_timer = g_timeout_source_new_seconds (1);
  g_source_set_callback (self->trim_timer, trim_cb, self, NULL);
  g_source_set_static_name (self->trim_timer, "td-transport trim");
  g_source_attach (self->trim_timer, self->context);
}

/* ---- keepalive ---- */

void
_td_transport_unwatch (TdTransport *self,
                       TdConn      *conn)
{
  if (!conn->keepalive)
    return;
  g_queue_unlink (conn->pinged ? &self->pinged : &self->by_input, &conn->keepalive_link);
  conn->keepalive = conn->pinged = FALSE;
}

void
_td_transport_touch (TdTransport *self,
                     TdConn      *conn)
{
  conn->last_input = g_get_monotonic_time ();
  if (!conn->keepalive)
    return;
  /* Moving to the tail keeps ->by_input sorted by last input. */
  if (conn->pinged)
    {
      g_queue_unlink (&self->pinged, &conn->keepalive_link);
      conn->pinged = FALSE;
    }
  else if (self->by_input.tail == &conn->keepalive_link)
    return;
  else
    g_queue_unlink (&self->by_input, &conn->keepalive_link);
  g_queue_push_tail_link (&self->by_input, &conn->keepalive_link);
}

/* Runs every second while keepalive is on; looks only at the heads of the
 * two queues, so its cost does not grow with the number of connections. */
static gboolean
keepalive_cb (gpointer user_data)
{
  TdTransport *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 idle_us = (gint64) self->idle_s * G_USEC_PER_SEC;
  gint64 answer_us = (gint64) self->answer_s * G_USEC_PER_SEC;
  GList *link;

  while ((link = self->by_input.head) != NULL)
    {
      TdConn *conn = link->data;

      if (conn->last_input + idle_us > now)
        break;
      g_queue_unlink (&self->by_input, link);
      if (conn->state != TD_CONN_OPEN)
        {
          conn->keepalive = FALSE;
          continue;
        }
      conn->pinged = TRUE;
      conn->ping_sent = now;
      g_queue_push_tail_link (&self->pinged, link);
      td_conn_ping (conn);
    }

  while ((link = self->pinged.head) != NULL)
    {
      TdConn *conn = link->data;

      if (conn->ping_sent + answer_us > now)
        break;
      _td_transport_unwatch (self, conn);
      if (conn->state != TD_CONN_OPEN)
        continue;
      g_message ("%s: nothing received for %u s, not even a pong: closing",
                 conn->peer, self->idle_s + self->answer_s);
      td_conn_close (conn, TD_CLOSE_GOING_AWAY, "no answer to ping");
    }
  return G_SOURCE_CONTINUE;
}

void
td_transport_set_keepalive (TdTransport *self,
                            guint        idle_s,
                            guint        answer_s)
{
  g_return_if_fail (TD_IS_TRANSPORT (self));

  self->idle_s = idle_s;
  self->answer_s = MAX (answer_s, 1);
  if (idle_s == 0)
    {
      if (self->keepalive_timer != NULL)
        {
          g_source_destroy (self->keepalive_timer);
          g_clear_pointer (&self->keepalive_timer, g_source_unref);
        }
      while (self->by_input.head != NULL)
        _td_transport_unwatch (self, self->by_input.head->data);
      while (self->pinged.head != NULL)
        _td_transport_unwatch (self, self->pinged.head->data);
      return;
    }
  if (self->keepalive_timer == NULL)
    {
      self->keepalive_timer = g_timeout_source_new_seconds (1);
      g_source_set_callback (self->keepalive_timer, keepalive_cb, self, NULL);
      g_source_set_static_name (self->keepalive_timer, "td-transport keepalive");
      g_source_attach (self->keepalive_timer, self->context);
    }
}

static void
unlink_all (TdTransport *self,
            TdConn      *conn)
{
  _td_transport_unwatch (self, conn);
  if (conn->in_pending)
    g_queue_unlink (&self->pending, &conn->pending_link);
  if (conn->in_dirty)
    g_queue_unlink (&self->dirty, &conn->dirty_link);
  if (conn->in_reap)
    g_queue_unlink (&self->reap, &conn->reap_link);
  if (conn->in_timed)
    g_queue_unlink (&self->timed, &conn->timed_link);
  conn->in_pending = conn->in_dirty = conn->in_reap = conn->in_timed = FALSE;
}

void
_td_transport_schedule_drop (TdTransport *self,
                             TdConn      *conn)
{
  if (conn->state >= TD_CONN_DROPPING)
    return;
  conn->state = TD_CONN_DROPPING;
  if (conn->ws != NULL)
    wslay_event_shutdown_read (conn->ws);
  conn->in_reap = TRUE;
  g_queue_push_tail_link (&self->reap, &conn->reap_link);
}

void
_td_transport_linger_done (TdTransport *self,
                           TdConn      *conn)
{
  unlink_all (self, conn);
  self->n_lingering--;
  _td_conn_free (conn);
}

/* ---- connections per address ---- */

static guint
get_address_count (TdTransport *self,
                   const char  *address)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->per_address, address));
}

static void
count_address (TdTransport *self,
               const char  *address,
               int          delta)
{
  guint n = get_address_count (self, address);

  if (delta < 0 && n <= 1)
    g_hash_table_remove (self->per_address, address);
  else if (delta < 0)
    g_hash_table_insert (self->per_address, g_strdup (address), GUINT_TO_POINTER (n - 1));
  else
    g_hash_table_insert (self->per_address, g_strdup (address), GUINT_TO_POINTER (n + 1));
}

void
td_transport_set_max_per_address (TdTransport *self,
                                  guint        max)
{
  g_return_if_fail (TD_IS_TRANSPORT (self));
  self->max_per_address = max;
}

/* Calls ->closed and frees (or starts lingering). */
static void
reap_conn (TdTransport *self,
           TdConn      *conn)
{
  gushort code = _td_conn_closed_code (conn);

  unlink_all (self, conn);
  g_queue_unlink (&self->conns, &conn->all_link);
  count_address (self, conn->address, -1);
  td_metrics_add (TD_METRIC_CONNECTIONS, -1);
  g_debug ("%s: closed with %u", conn->peer, code);
  if (self->callbacks.closed != NULL)
    self->callbacks.closed (conn, code, self->user_data);
  conn->user_data = NULL;

  if (_td_conn_finish (conn, !self->shutting_down))
    {
      self->n_lingering++;
      _td_transport_set_deadline (self, conn, TD_LINGER_TIMEOUT_S);
    }
  else
    _td_conn_free (conn);
}

static void
flush_dirty (TdTransport *self)
{
  GList *link;

  while ((link = g_queue_pop_head_link (&self->dirty)) != NULL)
    {
      TdConn *conn = link->data;

      conn->in_dirty = FALSE;
      _td_conn_flush (conn);
    }
}

static void
reap_all (TdTransport *self)
{
  GList *link;

  while ((link = g_queue_pop_head_link (&self->reap)) != NULL)
    {
      TdConn *conn = link->data;

      conn->in_reap = FALSE;
      reap_conn (self, conn);
    }
}

static void
dispatch_all (TdTransport *self)
{
  struct epoll_event events[TD_EPOLL_BATCH];
  GQueue pending;
  GList *link;
  int n, i;

  g_object_ref (self);

  n = epoll_wait (self->epfd, events, G_N_ELEMENTS (events), 0);
  if (n < 0 && errno != EINTR)
    g_warning ("epoll_wait failed: %s", g_strerror (errno));
  for (i = 0; i < n; i++)
    _td_conn_handle_events (events[i].data.ptr, events[i].events);

  /* Input left over from earlier wakeups; only what was queued before
   * this one, so a flooding client waits for everybody else. */
  pending = self->pending;
  g_queue_init (&self->pending);
  while ((link = g_queue_pop_head_link (&pending)) != NULL)
    {
      TdConn *conn = link->data;

      conn->in_pending = FALSE;
      _td_conn_handle_events (conn, 0);
    }

  /* ->closed may send to or close other connections: a few rounds, the
   * rest on the next wakeup (prepare() sees the lists non-empty). */
  for (i = 0; i < 4 && (self->dirty.length > 0 || self->reap.length > 0); i++)
    {
      flush_dirty (self);
      reap_all (self);
    }

  g_object_unref (self);
}

static char *
format_address (GSocketAddress *address)
{
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");
  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
}

static char *
format_peer (GSocketAddress *address)
{
  GInetAddress *inet;
  g_autofree char *ip = NULL;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return g_strdup ("?");
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  ip = g_inet_address_to_string (inet);
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", ip,
                            g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
  return g_strdup_printf ("%s:%u", ip,
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
}

/* libsoup wrote the 101: take the connection over (libsoup's own
 * WebSocket support steals at the same point). */
static void
wrote_informational_cb (SoupServerMessage *msg,
                        gpointer           user_data)
{
  TdTransport *self = user_data;
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *peer = NULL;
  g_autofree char *address = NULL;
  TdConn *conn;

  if (soup_server_message_get_status (msg) != SOUP_STATUS_SWITCHING_PROTOCOLS)
    return;
  peer = format_peer (soup_server_message_get_remote_address (msg));
  address = format_address (soup_server_message_get_remote_address (msg));
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;

  conn = _td_conn_new (self, stream, peer, address, &error);
  if (conn == NULL)
    {
      g_warning ("cannot take over the connection from %s: %s", peer, error->message);
      g_io_stream_close (stream, NULL, NULL);
      return;
    }
  g_queue_push_tail_link (&self->conns, &conn->all_link);
  count_address (self, address, +1);
  td_metrics_inc (TD_METRIC_CONNECTIONS_OPENED);
  td_metrics_add (TD_METRIC_CONNECTIONS, 1);
  g_debug ("%s: opened (%s)", peer, G_OBJECT_TYPE_NAME (stream));
  if (self->callbacks.opened != NULL)
    self->callbacks.opened (conn, self->user_data);
  /* Frames that came in the same packets as the handshake sit in
   * libsoup's input buffer, invisible to epoll. */
  _td_transport_mark_pending (self, conn);
}

void
td_transport_set_allowed_origins (TdTransport        *self,
                                  const char * const *origins)
{
  g_return_if_fail (TD_IS_TRANSPORT (self));

  g_clear_pointer (&self->allowed_origins, g_strfreev);
  if (origins != NULL && origins[0] != NULL)
    self->allowed_origins = g_strdupv ((char **) origins);
}

static void
handshake_cb (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  TdTransport *self = user_data;
  char *protocols[] = { (char *) TD_PROTO_SUBPROTOCOL, NULL };
  g_autoptr(GError) error = NULL;
  static const char body[] = "A WebSocket handshake for " TD_PROTO_SUBPROTOCOL " was expected.\n";
  static const char busy[] = "too many connections from your address\n";

  /* Refused before upgrading: no connection state is made at all.
   * Handshakes still in flight are not counted, so a burst can pass the
   * cap by the few that are between this check and the 101. */
  if (self->max_per_address > 0)
    {
      g_autofree char *address = format_address (soup_server_message_get_remote_address (msg));

      if (get_address_count (self, address) >= self->max_per_address)
        {
          /* Debug only: a flood of these must not flood the log too. */
          g_debug ("%s: refused, already %u connections from that address",
                   address, self->max_per_address);
          td_metrics_inc (TD_METRIC_HANDSHAKES_REFUSED_PER_ADDRESS);
          soup_server_message_set_status (msg, 429, "Too Many Requests");
          soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                            busy, sizeof busy - 1);
          return;
        }
    }

  /* A web page elsewhere must not open a session with a visitor's
   * credentials: when configured, a browser's Origin must be listed. */
  if (self->allowed_origins != NULL)
    {
      const char *origin = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                         "Origin");
      static const char forbidden[] = "origin not allowed\n";

      if (origin != NULL && !g_strv_contains ((const char * const *) self->allowed_origins, origin))
        {
          g_debug ("handshake refused: origin %s is not allowed", origin);
          td_metrics_inc (TD_METRIC_HANDSHAKES_REFUSED_ORIGIN);
          soup_server_message_set_status (msg, SOUP_STATUS_FORBIDDEN, NULL);
          soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                            forbidden, sizeof forbidden - 1);
          return;
        }
    }

  /* Origin is checked above (expected_origin NULL here) and no extensions: a client
   * offering permessage-deflate gets no Sec-WebSocket-Extensions back.
   * A client that offers no subprotocol is accepted without one; one that
   * offers others only is refused. */
  if (!soup_websocket_server_check_handshake (msg, NULL, protocols, NULL, &error) ||
      !soup_websocket_server_process_handshake (msg, NULL, protocols, NULL, NULL))
    {
      g_autofree char *peer = format_peer (soup_server_message_get_remote_address (msg));

      g_debug ("%s: handshake refused: %s", peer,
               error != NULL ? error->message : "processing failed");
      soup_server_message_set_status (msg, SOUP_STATUS_BAD_REQUEST, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                        body, sizeof body - 1);
      return;
    }
  g_signal_connect_object (msg, "wrote-informational",
                           G_CALLBACK (wrote_informational_cb), self, 0);
}

static void
td_transport_dispose (GObject *object)
{
  TdTransport *self = TD_TRANSPORT (object);

  if (self->server != NULL)
    {
      soup_server_remove_handler (self->server, self->path);
      g_clear_object (&self->server);
    }
  td_transport_shutdown (self);
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_clear_pointer (&self->source, g_source_unref);
    }
  if (self->sweep != NULL)
    {
      g_source_destroy (self->sweep);
      g_clear_pointer (&self->sweep, g_source_unref);
    }
  if (self->keepalive_timer != NULL)
    {
      g_source_destroy (self->keepalive_timer);
      g_clear_pointer (&self->keepalive_timer, g_source_unref);
    }
  if (self->trim_timer != NULL)
    {
      g_source_destroy (self->trim_timer);
      g_clear_pointer (&self->trim_timer, g_source_unref);
    }

  G_OBJECT_CLASS (td_transport_parent_class)->dispose (object);
}

static void
td_transport_finalize (GObject *object)
{
  TdTransport *self = TD_TRANSPORT (object);

  if (self->epfd >= 0)
    close (self->epfd);
  g_free (self->path);
  g_clear_pointer (&self->per_address, g_hash_table_unref);
  g_clear_pointer (&self->allowed_origins, g_strfreev);
  g_clear_pointer (&self->context, g_main_context_unref);

  G_OBJECT_CLASS (td_transport_parent_class)->finalize (object);
}

static void
td_transport_class_init (TdTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_transport_dispose;
  object_class->finalize = td_transport_finalize;
}

static void
td_transport_init (TdTransport *self)
{
  self->epfd = -1;
  self->per_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TdTransport *
td_transport_new (const TdTransportCallbacks *callbacks,
                  gpointer                    user_data,
                  gsize                       max_message,
                  gsize                       max_outgoing)
{
  TdTransport *self;
  TdEpollSource *es;

  g_return_val_if_fail (callbacks != NULL, NULL);
  g_return_val_if_fail (max_message > 0, NULL);
  g_return_val_if_fail (max_outgoing > 0, NULL);

  self = g_object_new (TD_TYPE_TRANSPORT, NULL);
  self->callbacks = *callbacks;
  self->user_data = user_data;
  self->max_message = max_message;
  self->max_outgoing = max_outgoing;
  self->context = g_main_context_ref_thread_default ();

  self->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (self->epfd < 0)
    g_error ("epoll_create1 failed: %s", g_strerror (errno));

  self->source = g_source_new (&epoll_source_funcs, sizeof (TdEpollSource));
  es = (TdEpollSource *) self->source;
  es->self = self;
  es->tag = g_source_add_unix_fd (self->source, self->epfd, G_IO_IN);
  g_source_set_static_name (self->source, "td-transport epoll");
  g_source_attach (self->source, self->context);
  return self;
}

void
td_transport_attach (TdTransport *self,
                     SoupServer  *server,
                     const char  *path)
{
  g_return_if_fail (TD_IS_TRANSPORT (self));
  g_return_if_fail (SOUP_IS_SERVER (server));
  g_return_if_fail (path != NULL);
  g_return_if_fail (self->server == NULL);

  self->server = g_object_ref (server);
  self->path = g_strdup (path);
  soup_server_add_handler (server, path, handshake_cb, self, NULL);
}

guint
td_transport_get_n_connections (TdTransport *self)
{
  g_return_val_if_fail (TD_IS_TRANSPORT (self), 0);
  return self->conns.length;
}

void
td_transport_close_all (TdTransport *self,
                        gushort      code,
                        const char  *reason)
{
  GList *l;

  g_return_if_fail (TD_IS_TRANSPORT (self));

  for (l = self->conns.head; l != NULL; l = l->next)
    td_conn_close (l->data, code, reason);
  flush_dirty (self);
}

void
td_transport_shutdown (TdTransport *self)
{
  GList *l, *next;

  g_return_if_fail (TD_IS_TRANSPORT (self));

  self->shutting_down = TRUE;
  for (l = self->conns.head; l != NULL; l = l->next)
    {
      TdConn *conn = l->data;

      /* Without a close_all() first: at least try to say why. */
      td_conn_close (conn, TD_CLOSE_GOING_AWAY, "server shutting down");
      _td_transport_schedule_drop (self, conn);
    }
  reap_all (self);
  for (l = self->timed.head; l != NULL; l = next)
    {
      TdConn *conn = l->data;

      next = l->next;
      if (conn->state == TD_CONN_LINGER)
        _td_transport_linger_done (self, conn);
    }
  self->shutting_down = FALSE;
}
