/* td-ws-conn.c - one WebSocket connection of the transport: non-blocking
 * I/O on the stolen libsoup stream and RFC 6455 framing with wslay.
 *
 * All framing is wslay's.  This file moves bytes between the socket and
 * wslay, applies the limits wslay lacks (fragments per message, queued
 * output, work per wakeup), turns wslay's code-less failures into close
 * frames with a code, and implements the public td_conn_* calls.
 */
#define G_LOG_DOMAIN "td-transport"

#include "config.h"

#include <string.h>
#include <sys/epoll.h>

#include "td-transport-private.h"

static void
set_epoll_mask (TdConn *conn, guint32 want)
{
  struct epoll_event ev = { 0 };

  if (want == conn->epoll_mask || conn->fd < 0)
    return;
  ev.events = want;
  ev.data.ptr = conn;
  if (epoll_ctl (conn->transport->epfd, EPOLL_CTL_MOD, conn->fd, &ev) < 0)
    g_warning ("epoll_ctl MOD on %s failed: %s", conn->peer, g_strerror (errno));
  conn->epoll_mask = want;
}

/* Level-triggered: ask for input only while wslay reads, for output only
 * while bytes wait in out_buf (wslay's own queue is drained by flushes). */
static void
update_epoll (TdConn *conn)
{
  guint32 want = 0;

  switch (conn->state)
    {
    case TD_CONN_LINGER:
      want = EPOLLIN | EPOLLRDHUP;
      break;
    case TD_CONN_DROPPING:
      want = 0;
      break;
    case TD_CONN_OPEN:
    case TD_CONN_CLOSING:
    default:
      if (conn->ws == NULL || wslay_event_get_read_enabled (conn->ws))
        want |= EPOLLIN | EPOLLRDHUP;
      if (conn->out_off < conn->out_len)
        want |= EPOLLOUT;
      break;
    }
  set_epoll_mask (conn, want);
}

/* Returns FALSE on a write error (the connection is broken).  A socket
 * that is full is not an error: *written is then 0. */
static gboolean
write_vectors (TdConn        *conn,
               GOutputVector *vectors,
               gsize          n_vectors,
               gsize         *written)
{
  g_autoptr(GError) error = NULL;
  GPollableReturn ret;

  *written = 0;
  ret = g_pollable_output_stream_writev_nonblocking (conn->out, vectors, n_vectors,
                                                     written, NULL, &error);
  if (ret == G_POLLABLE_RETURN_OK)
    return TRUE;
  if (ret == G_POLLABLE_RETURN_WOULD_BLOCK)
    {
      *written = 0;
      return TRUE;
    }
  g_debug ("%s: write failed: %s", conn->peer, error ? error->message : "?");
  conn->io_error = TRUE;
  return FALSE;
}

/* Writes what is left in out_buf.  Returns FALSE on a write error. */
static gboolean
write_out_buf (TdConn *conn)
{
  GOutputVector v;
  gsize written;

  if (conn->out_off >= conn->out_len)
    return TRUE;
  v.buffer = conn->out_buf + conn->out_off;
  v.size = conn->out_len - conn->out_off;
  if (!write_vectors (conn, &v, 1, &written))
    return FALSE;
  conn->out_off += written;
  if (conn->out_off == conn->out_len)
    {
      g_clear_pointer (&conn->out_buf, g_free);
      conn->out_len = conn->out_off = 0;
    }
  return TRUE;
}

/* Frames wslay hands over during one send_frames() are gathered here and
 * written with one writev instead of one per frame: a login's backlog page
 * (500 messages) or a burst of deliveries to one connection is then a few
 * system calls, not hundreds (each also a TCP segment and a wakeup of the
 * reader).  Main thread only, one connection at a time; static, so idle
 * connections pay nothing for it. */
#define TD_GATHER_SIZE (64 * 1024)
static guint8  gather_buf[TD_GATHER_SIZE];
static gsize   gather_len;
static TdConn *gather_conn;

/* Writes the gathered bytes; what the socket does not take goes to
 * out_buf (empty whenever anything is gathered: send_cb gathers only while
 * it is).  Returns FALSE on a write error. */
static gboolean
flush_gather (TdConn *conn)
{
  GOutputVector v;
  gsize written;

  if (gather_len == 0)
    return TRUE;
  g_assert (conn->out_off >= conn->out_len);
  v.buffer = gather_buf;
  v.size = gather_len;
  if (!write_vectors (conn, &v, 1, &written))
    {
      gather_len = 0;
      return FALSE;
    }
  if (written < gather_len)
    {
      g_free (conn->out_buf);
      conn->out_len = gather_len - written;
      conn->out_off = 0;
      conn->out_buf = g_memdup2 (gather_buf + written, conn->out_len);
    }
  gather_len = 0;
  return TRUE;
}

/* Appends the stashed header and @data to the gather buffer if they fit. */
static gboolean
gather (TdConn *conn, const uint8_t *data, size_t len)
{
  if (conn->hdr_len + len > TD_GATHER_SIZE - gather_len)
    return FALSE;
  memcpy (gather_buf + gather_len, conn->hdr, conn->hdr_len);
  memcpy (gather_buf + gather_len + conn->hdr_len, data, len);
  gather_len += conn->hdr_len + len;
  conn->hdr_len = 0;
  return TRUE;
}

/* wslay hands over frame bytes here.  A header comes first with
 * WSLAY_MSG_MORE: keep it and write it with its payload in one writev.
 * Whatever the socket does not take is copied to out_buf and reported as
 * sent, so wslay's state is always at a frame boundary between calls of
 * wslay_event_send(); new data is refused (WOULDBLOCK) until out_buf is
 * empty, which bounds out_buf to one frame or one gather buffer. */
static ssize_t
send_cb (wslay_event_context_ptr ctx,
         const uint8_t          *data,
         size_t                  len,
         int                     flags,
         void                   *user_data)
{
  TdConn *conn = user_data;
  GOutputVector v[2];
  gsize n_vectors = 0;
  gsize total, written, left;

  if (!write_out_buf (conn))
    {
      wslay_event_set_error (ctx, WSLAY_ERR_CALLBACK_FAILURE);
      return -1;
    }
  if (conn->out_off < conn->out_len)
    {
      wslay_event_set_error (ctx, WSLAY_ERR_WOULDBLOCK);
      return -1;
    }
  if ((flags & WSLAY_MSG_MORE) && conn->hdr_len + len <= sizeof conn->hdr)
    {
      memcpy (conn->hdr + conn->hdr_len, data, len);
      conn->hdr_len += len;
      return len;
    }
  if (gather_conn == conn)
    {
      if (gather (conn, data, len))
        return len;
      /* Full: what was gathered goes first, then this frame is gathered
       * or, bigger than the buffer, written on its own below. */
      if (!flush_gather (conn))
        {
          wslay_event_set_error (ctx, WSLAY_ERR_CALLBACK_FAILURE);
          return -1;
        }
      if (conn->out_off < conn->out_len)
        {
          wslay_event_set_error (ctx, WSLAY_ERR_WOULDBLOCK);
          return -1;
        }
      if (gather (conn, data, len))
        return len;
    }

  if (conn->hdr_len > 0)
    {
      v[n_vectors].buffer = conn->hdr;
      v[n_vectors].size = conn->hdr_len;
      n_vectors++;
    }
  v[n_vectors].buffer = data;
  v[n_vectors].size = len;
  n_vectors++;
  total = conn->hdr_len + len;

  if (!write_vectors (conn, v, n_vectors, &written))
    {
      wslay_event_set_error (ctx, WSLAY_ERR_CALLBACK_FAILURE);
      return -1;
    }
  left = total - written;
  if (left > 0)
    {
      conn->out_buf = g_malloc (left);
      conn->out_len = left;
      conn->out_off = 0;
      if (written < conn->hdr_len)
        {
          gsize hdr_left = conn->hdr_len - written;

          memcpy (conn->out_buf, conn->hdr + written, hdr_left);
          memcpy (conn->out_buf + hdr_left, data, len);
        }
      else
        {
          memcpy (conn->out_buf, data + (written - conn->hdr_len), left);
        }
    }
  conn->hdr_len = 0;
  return len;
}

/* wslay_event_send() with gathering (see gather_buf). */
static int
send_frames (TdConn *conn)
{
  int ret;

  gather_conn = conn;
  ret = wslay_event_send (conn->ws);
  gather_conn = NULL;
  if (!flush_gather (conn) && ret == 0)
    ret = WSLAY_ERR_CALLBACK_FAILURE;
  return ret;
}

/* wslay asks for input.  Reads through the stolen stream's pollable input
 * stream: it returns bytes libsoup read together with the handshake first,
 * and is what works for TLS.  On plain TCP a short read means the socket is
 * empty, which saves the read that would fail with EAGAIN (and allocate a
 * GError); level-triggered epoll reports the socket again if more came.
 * TLS may hold decrypted records the socket does not show, so there we
 * read until WOULD_BLOCK. */
static ssize_t
recv_cb (wslay_event_context_ptr ctx,
         uint8_t                *buf,
         size_t                  len,
         int                     flags,
         void                   *user_data)
{
  TdConn *conn = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  if (conn->read_drained)
    {
      wslay_event_set_error (ctx, WSLAY_ERR_WOULDBLOCK);
      return -1;
    }
  if (conn->read_bytes >= TD_READ_BUDGET_BYTES ||
      conn->read_msgs >= TD_READ_BUDGET_MSGS)
    {
      conn->more_input = TRUE;
      wslay_event_set_error (ctx, WSLAY_ERR_WOULDBLOCK);
      return -1;
    }

  n = g_pollable_input_stream_read_nonblocking (conn->in, buf, len, NULL, &error);
  if (n > 0)
    {
      conn->read_bytes += n;
      conn->fed += n;
      if (!conn->is_tls && (gsize) n < len)
        conn->read_drained = TRUE;
      return n;
    }
  if (n == 0)
    {
      conn->eof = TRUE;
      wslay_event_set_error (ctx, WSLAY_ERR_CALLBACK_FAILURE);
      return -1;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      wslay_event_set_error (ctx, WSLAY_ERR_WOULDBLOCK);
      return -1;
    }
  g_debug ("%s: read failed: %s", conn->peer, error->message);
  conn->io_error = TRUE;
  wslay_event_set_error (ctx, WSLAY_ERR_CALLBACK_FAILURE);
  return -1;
}

/* Fails the connection with @code: wslay sends the close frame after what
 * is already queued and stops reading. */
static void
reject (TdConn     *conn,
        gushort     code,
        const char *reason)
{
  if (conn->close_code == 0)
    conn->close_code = code;
  wslay_event_queue_close (conn->ws, code, (const uint8_t *) reason, strlen (reason));
  wslay_event_shutdown_read (conn->ws);
}

static void
frame_start_cb (wslay_event_context_ptr                     ctx,
                const struct wslay_event_on_frame_recv_start_arg *arg,
                void                                       *user_data)
{
  TdConn *conn = user_data;
  guint64 len = arg->payload_length;

  /* wslay rejects unmasked frames and non-minimal lengths, so this is the
   * size the frame had on the wire. */
  conn->consumed += 2 + (len >= 65536 ? 8 : len >= 126 ? 2 : 0) + 4 + len;
  if (wslay_is_ctrl_frame (arg->opcode))
    return;
  conn->in_message = !arg->fin;
  /* wslay bounds the bytes of a message, not its frames: many tiny
   * fragments would cost a chunk allocation each. */
  if (arg->opcode == WSLAY_CONTINUATION_FRAME)
    conn->fragments++;
  else
    conn->fragments = 1;
  if (conn->fragments > TD_MAX_FRAGMENTS)
    {
      g_debug ("%s: more than %u fragments in a message", conn->peer, TD_MAX_FRAGMENTS);
      reject (conn, TD_CLOSE_TOO_BIG, "too many fragments");
    }
}

static void
msg_recv_cb (wslay_event_context_ptr                   ctx,
             const struct wslay_event_on_msg_recv_arg *arg,
             void                                     *user_data)
{
  TdConn *conn = user_data;
  TdTransport *transport = conn->transport;

  switch (arg->opcode)
    {
    case WSLAY_TEXT_FRAME:
      conn->read_msgs++;
      /* Nothing reaches the application once we are closing, or when this
       * message completed after a limit was hit. */
      if (conn->state != TD_CONN_OPEN || !wslay_event_get_read_enabled (ctx))
        return;
      if (transport->callbacks.text != NULL)
        transport->callbacks.text (conn, (const char *) arg->msg, arg->msg_length,
                                   transport->user_data);
      break;
    case WSLAY_BINARY_FRAME:
      g_debug ("%s: binary message refused", conn->peer);
      reject (conn, TD_CLOSE_UNSUPPORTED, "binary messages are not supported");
      break;
    default:
      /* Close and ping are answered by wslay itself; pongs are ignored. */
      break;
    }
}

static wslay_event_context_ptr
new_wslay (TdConn *conn)
{
  static const struct wslay_event_callbacks callbacks = {
    recv_cb,
    send_cb,
    NULL,               /* genmask: servers do not mask */
    frame_start_cb,
    NULL,
    NULL,
    msg_recv_cb,
  };
  wslay_event_context_ptr ws = NULL;

  if (wslay_event_context_server_init (&ws, &callbacks, conn) != 0)
    return NULL;
  _td_transport_note_ws (conn->transport, FALSE);
  /* Checked against each frame's announced length before wslay allocates
   * it, and against the sum of the fragments: closes with 1009. */
  wslay_event_config_set_max_recv_msg_length (ws, conn->transport->max_message);
  return ws;
}

static gboolean
ensure_ws (TdConn *conn)
{
  if (conn->ws != NULL)
    return TRUE;
  conn->ws = new_wslay (conn);
  conn->fed = conn->consumed = 0;
  conn->in_message = FALSE;
  conn->fragments = 0;
  if (conn->ws != NULL)
    return TRUE;
  g_warning ("out of memory for %s", conn->peer);
  conn->close_code = TD_CLOSE_INTERNAL;
  conn->io_error = TRUE;
  _td_transport_schedule_drop (conn->transport, conn);
  return FALSE;
}

/* An idle connection needs no wslay state: when wslay holds no partial
 * frame, no fragmented message, nothing to send and no close, its context
 * equals a fresh one, so free it and make a new one on the next I/O.  This
 * turns ~10 KiB per idle connection into ~2 KiB, for a malloc/free pair
 * per wakeup on busy ones. */
static void
maybe_release_ws (TdConn *conn)
{
  if (conn->ws == NULL || conn->in_recv || conn->state != TD_CONN_OPEN ||
      conn->fed != conn->consumed || conn->in_message ||
      conn->out_off < conn->out_len || conn->hdr_len > 0 ||
      wslay_event_want_write (conn->ws) ||
      !wslay_event_get_read_enabled (conn->ws) ||
      wslay_event_get_close_sent (conn->ws) ||
      wslay_event_get_close_received (conn->ws))
    return;
  g_clear_pointer (&conn->ws, wslay_event_context_free);
  _td_transport_note_ws (conn->transport, TRUE);
}

/* wslay_frame_recv() errors (a control frame that is too long or
 * fragmented, a non-minimal length) make wslay queue a close frame without
 * a code and return as if the read had failed.  Replace the context with a
 * fresh one that sends 1002 instead.  Output is at a frame boundary (see
 * send_cb), so the new close frame cannot land inside another frame. */
static void
fail_protocol (TdConn *conn)
{
  wslay_event_context_ptr fresh = new_wslay (conn);

  g_debug ("%s: framing error", conn->peer);
  if (fresh == NULL)
    {
      conn->io_error = TRUE;
      return;
    }
  wslay_event_context_free (conn->ws);
  conn->ws = fresh;
  conn->hdr_len = 0;
  reject (conn, TD_CLOSE_PROTOCOL_ERROR, "protocol error");
}

/* Decides, after any I/O, whether the connection is finished. */
static void
check_state (TdConn *conn)
{
  TdTransport *transport = conn->transport;

  if (conn->state >= TD_CONN_DROPPING)
    return;
  if (conn->eof || conn->io_error)
    {
      _td_transport_schedule_drop (transport, conn);
      return;
    }
  if (conn->ws == NULL)
    return;
  if (wslay_event_get_close_sent (conn->ws) &&
      (wslay_event_get_close_received (conn->ws) ||
       !wslay_event_get_read_enabled (conn->ws)))
    {
      /* Close handshake complete, or we failed the connection and will not
       * read the peer's answer. */
      _td_transport_schedule_drop (transport, conn);
      return;
    }
  if (conn->state == TD_CONN_OPEN &&
      (!wslay_event_get_read_enabled (conn->ws) ||
       wslay_event_get_close_sent (conn->ws)))
    {
      conn->state = TD_CONN_CLOSING;
      _td_transport_set_deadline (transport, conn, TD_CLOSE_TIMEOUT_S);
    }
  /* Pongs (and close replies) queue without td_conn_send_text(): a client
   * that pings without reading is a slow reader too. */
  if (td_conn_get_queued (conn) > transport->max_outgoing)
    {
      g_debug ("%s: slow reader, %" G_GSIZE_FORMAT " bytes queued",
               conn->peer, td_conn_get_queued (conn));
      conn->close_code = TD_CLOSE_POLICY;
      _td_transport_schedule_drop (transport, conn);
    }
}

void
_td_conn_flush (TdConn *conn)
{
  int ret;

  /* Inside wslay_event_recv() (close_all() from ->text): the flush after
   * the read does it. */
  if (conn->ws == NULL || conn->state >= TD_CONN_DROPPING || conn->in_recv)
    return;
  /* After EOF or an error wslay has queued a close frame without a code;
   * nobody would read it. */
  if (!conn->eof && !conn->io_error && write_out_buf (conn) && conn->out_off >= conn->out_len &&
      wslay_event_want_write (conn->ws))
    {
      ret = send_frames (conn);
      if (ret != 0 && !conn->io_error)
        {
          g_warning ("wslay_event_send failed for %s: %d", conn->peer, ret);
          conn->io_error = TRUE;
        }
    }
  if (conn->close_deferred && !conn->eof && !conn->io_error &&
      wslay_event_get_queued_msg_count (conn->ws) == 0)
    {
      conn->close_deferred = FALSE;
      wslay_event_queue_close (conn->ws, conn->deferred_code,
                               (const uint8_t *) conn->deferred_reason, conn->deferred_reason_len);
      if (write_out_buf (conn) && conn->out_off >= conn->out_len && wslay_event_want_write (conn->ws))
        {
          ret = send_frames (conn);
          if (ret != 0 && !conn->io_error)
            conn->io_error = TRUE;
        }
    }
  check_state (conn);
  update_epoll (conn);
  maybe_release_ws (conn);
}

static void
do_read (TdConn *conn)
{
  int ret;

  conn->read_bytes = 0;
  conn->read_msgs = 0;
  conn->read_drained = FALSE;
  conn->more_input = FALSE;

  if (!ensure_ws (conn))
    return;
  conn->in_recv = TRUE;
  ret = wslay_event_recv (conn->ws);
  conn->in_recv = FALSE;
  if (ret != 0 && !conn->eof && !conn->io_error)
    {
      if (ret == WSLAY_ERR_NOMEM)
        {
          g_warning ("out of memory reading from %s", conn->peer);
          conn->close_code = TD_CLOSE_INTERNAL;
          conn->io_error = TRUE;
        }
      else
        fail_protocol (conn);
    }
  if (conn->read_bytes > 0)
    _td_transport_touch (conn->transport, conn);
  if (conn->more_input && conn->state < TD_CONN_DROPPING &&
      wslay_event_get_read_enabled (conn->ws))
    _td_transport_mark_pending (conn->transport, conn);
}

/* Lingering: our close frame is out and our side is shut down; discard
 * input until the peer closes, so that close() does not send a RST. */
static void
linger_read (TdConn  *conn,
             guint32  events)
{
  guint8 buf[4096];
  guint i;

  if (events & EPOLLERR)
    {
      _td_transport_linger_done (conn->transport, conn);
      return;
    }
  for (i = 0; i < 16; i++)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_pollable_input_stream_read_nonblocking (conn->in, buf, sizeof buf,
                                                           NULL, &error);

      if (n > 0)
        {
          conn->linger_bytes += n;
          if (conn->linger_bytes <= TD_LINGER_MAX_BYTES)
            continue;
        }
      else if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return;
      _td_transport_linger_done (conn->transport, conn);
      return;
    }
}

void
_td_conn_handle_events (TdConn  *conn,
                        guint32  events)
{
  if (conn->state == TD_CONN_LINGER)
    {
      linger_read (conn, events);
      return;
    }
  if (conn->state >= TD_CONN_DROPPING)
    return;

  if (events & EPOLLERR)
    {
      g_debug ("%s: socket error", conn->peer);
      conn->io_error = TRUE;
    }
  else if (conn->ws == NULL || wslay_event_get_read_enabled (conn->ws))
    {
      if (events == 0 || (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)))
        do_read (conn);
    }
  else if (events & (EPOLLHUP | EPOLLRDHUP))
    {
      /* Not reading any more (closing) and the peer is gone. */
      conn->eof = TRUE;
    }

  /* Replies wslay queued (pong, close) and anything ->text sent back. */
  if (conn->ws != NULL)
    _td_conn_flush (conn);
  else
    check_state (conn);
}

gushort
_td_conn_closed_code (TdConn *conn)
{
  if (conn->close_code != 0)
    return conn->close_code;
  if (conn->ws != NULL)
    {
      if (wslay_event_get_close_received (conn->ws))
        return wslay_event_get_status_code_received (conn->ws);
      if (!conn->eof && !conn->io_error && wslay_event_get_close_sent (conn->ws))
        return wslay_event_get_status_code_sent (conn->ws);
    }
  return 1006;
}

gboolean
_td_conn_finish (TdConn   *conn,
                 gboolean  allow_linger)
{
  gboolean linger = FALSE;

  if (conn->ws != NULL)
    {
      /* A close frame wslay queued (reply to the peer's close, 1009...) and
       * the data before it go out if the socket takes them now.  Not for
       * a slow reader: its socket is full, its queue is what we drop. */
      if (!conn->eof && !conn->io_error && conn->close_code != TD_CLOSE_POLICY &&
          write_out_buf (conn) && conn->out_off >= conn->out_len &&
          wslay_event_want_write (conn->ws))
        send_frames (conn);
      linger = (allow_linger && !conn->eof && !conn->io_error &&
                wslay_event_get_close_sent (conn->ws) &&
                conn->out_off >= conn->out_len);
      g_clear_pointer (&conn->ws, wslay_event_context_free);
    }
  g_clear_pointer (&conn->out_buf, g_free);
  conn->out_len = conn->out_off = conn->hdr_len = 0;

  if (!linger)
    return FALSE;
  /* FIN after the close frame; the peer answers with its own FIN. */
  g_socket_shutdown (conn->socket, FALSE, TRUE, NULL);
  conn->state = TD_CONN_LINGER;
  update_epoll (conn);
  return TRUE;
}

static GSocket *
find_socket (GIOStream *stream,
             gboolean  *is_tls)
{
  g_autoptr(GIOStream) hold = g_object_ref (stream);
  guint depth;
  GSocket *sock;

  /* libsoup 3.2.3 hands over a SoupIOStream (its input is a
   * SoupFilterInputStream that may hold bytes read with the handshake)
   * whose "base-iostream" is the GSocketConnection, or a GTlsConnection
   * over one; it also attaches the GSocket as object data "GSocket".
   * Walk the chain rather than rely on either. */
  *is_tls = FALSE;
  for (depth = 0; depth < 4 && hold != NULL; depth++)
    {
      GIOStream *next = NULL;

      if (G_IS_SOCKET_CONNECTION (hold))
        return g_object_ref (g_socket_connection_get_socket (G_SOCKET_CONNECTION (hold)));
      if (G_IS_TLS_CONNECTION (hold))
        {
          *is_tls = TRUE;
          g_object_get (hold, "base-io-stream", &next, NULL);
        }
      else if (g_object_class_find_property (G_OBJECT_GET_CLASS (hold), "base-iostream"))
        g_object_get (hold, "base-iostream", &next, NULL);
      g_clear_object (&hold);
      hold = next;
    }

  sock = g_object_get_data (G_OBJECT (stream), "GSocket");
  return G_IS_SOCKET (sock) ? g_object_ref (sock) : NULL;
}

TdConn *
_td_conn_new (TdTransport *transport,
              GIOStream   *stream,
              const char  *peer,
              const char  *address,
              GError     **error)
{
  g_autoptr(GSocket) sock = NULL;
  GInputStream *in = g_io_stream_get_input_stream (stream);
  GOutputStream *out = g_io_stream_get_output_stream (stream);
  struct epoll_event ev = { 0 };
  gboolean is_tls = FALSE;
  TdConn *conn;

  sock = find_socket (stream, &is_tls);
  if (sock == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "no socket under a %s", G_OBJECT_TYPE_NAME (stream));
      return NULL;
    }
  if (!G_IS_POLLABLE_INPUT_STREAM (in) ||
      !g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (in)) ||
      !G_IS_POLLABLE_OUTPUT_STREAM (out) ||
      !g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (out)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "streams of a %s are not pollable", G_OBJECT_TYPE_NAME (stream));
      return NULL;
    }
  g_socket_set_blocking (sock, FALSE);

  conn = g_new0 (TdConn, 1);
  conn->transport = transport;
  conn->stream = g_object_ref (stream);
  conn->socket = g_steal_pointer (&sock);
  conn->in = G_POLLABLE_INPUT_STREAM (in);
  conn->out = G_POLLABLE_OUTPUT_STREAM (out);
  conn->fd = g_socket_get_fd (conn->socket);
  conn->peer = g_strdup (peer);
  conn->address = g_strdup (address);
  conn->is_tls = is_tls;
  conn->all_link.data = conn->pending_link.data = conn->dirty_link.data = conn;
  conn->reap_link.data = conn->timed_link.data = conn->keepalive_link.data = conn;
  conn->state = TD_CONN_OPEN;
  conn->last_input = g_get_monotonic_time ();

  conn->ws = new_wslay (conn);
  if (conn->ws == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "out of memory");
      conn->fd = -1;
      _td_conn_free (conn);
      return NULL;
    }

  ev.events = conn->epoll_mask = EPOLLIN | EPOLLRDHUP;
  ev.data.ptr = conn;
  if (epoll_ctl (transport->epfd, EPOLL_CTL_ADD, conn->fd, &ev) < 0)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                   "epoll_ctl ADD: %s", g_strerror (errsv));
      conn->fd = -1;
      _td_conn_free (conn);
      return NULL;
    }
  return conn;
}

void
_td_conn_free (TdConn *conn)
{
  if (conn->fd >= 0)
    epoll_ctl (conn->transport->epfd, EPOLL_CTL_DEL, conn->fd, NULL);
  /* Close the socket itself first: never blocks, also under TLS (where
   * closing the GTlsConnection would try to send close_notify). */
  if (conn->socket != NULL)
    g_socket_close (conn->socket, NULL);
  if (conn->stream != NULL)
    g_io_stream_close (conn->stream, NULL, NULL);
  g_clear_object (&conn->stream);
  g_clear_object (&conn->socket);
  g_clear_pointer (&conn->ws, wslay_event_context_free);
  g_free (conn->out_buf);
  g_free (conn->peer);
  g_free (conn->address);
  g_free (conn);
}

/* Public API */

void
td_conn_send_text (TdConn     *conn,
                   const char *data,
                   gsize       len)
{
  struct wslay_event_msg msg;
  gsize queued;
  int ret;

  g_return_if_fail (conn != NULL);
  g_return_if_fail (data != NULL || len == 0);

  if (conn->state != TD_CONN_OPEN || !ensure_ws (conn))
    return;

  /* A single message larger than the bound still goes out on an empty
   * queue; what the bound catches is a peer that does not read. */
  queued = td_conn_get_queued (conn);
  if (queued > 0 && queued + len > conn->transport->max_outgoing)
    {
      g_debug ("%s: slow reader, %" G_GSIZE_FORMAT " bytes queued", conn->peer, queued);
      conn->close_code = TD_CLOSE_POLICY;
      _td_transport_schedule_drop (conn->transport, conn);
      return;
    }

  msg.opcode = WSLAY_TEXT_FRAME;
  msg.msg = (const uint8_t *) data;
  msg.msg_length = len;
  ret = wslay_event_queue_msg (conn->ws, &msg);
  if (ret != 0)
    {
      if (ret == WSLAY_ERR_NOMEM)
        g_warning ("out of memory queueing a message for %s", conn->peer);
      return;
    }
  _td_transport_mark_dirty (conn->transport, conn);
}

void
td_conn_close (TdConn     *conn,
               gushort     code,
               const char *reason)
{
  const char *end = NULL;
  gsize reason_len = 0;

  g_return_if_fail (conn != NULL);

  if (conn->state != TD_CONN_OPEN || !ensure_ws (conn))
    return;
  if (reason != NULL)
    {
      /* A close frame's reason is valid UTF-8 of at most 123 bytes. */
      g_utf8_validate_len (reason, MIN (strlen (reason), 123), &end);
      reason_len = end - reason;
    }
  g_debug ("%s: closing with %u", conn->peer, code);
  conn->close_code = code;
  if (wslay_event_get_queued_msg_count (conn->ws) > 0)
    {
      conn->close_deferred = TRUE;
      conn->deferred_code = code;
      conn->deferred_reason_len = (guint8) reason_len;
      if (reason_len > 0)
        memcpy (conn->deferred_reason, reason, reason_len);
    }
  else
    wslay_event_queue_close (conn->ws, code,
                             (const uint8_t *) (reason != NULL ? reason : ""), reason_len);
  conn->state = TD_CONN_CLOSING;
  _td_transport_set_deadline (conn->transport, conn, TD_CLOSE_TIMEOUT_S);
  _td_transport_mark_dirty (conn->transport, conn);
}

void
td_conn_set_user_data (TdConn   *conn,
                       gpointer  data)
{
  g_return_if_fail (conn != NULL);
  conn->user_data = data;
}

gpointer
td_conn_get_user_data (TdConn *conn)
{
  g_return_val_if_fail (conn != NULL, NULL);
  return conn->user_data;
}

const char *
td_conn_get_peer (TdConn *conn)
{
  g_return_val_if_fail (conn != NULL, NULL);
  return conn->peer;
}

void
td_conn_set_keepalive (TdConn   *conn,
                       gboolean  enabled)
{
  TdTransport *transport;

  g_return_if_fail (conn != NULL);

  transport = conn->transport;
  if (!enabled)
    {
      _td_transport_unwatch (transport, conn);
      return;
    }
  if (conn->keepalive || conn->state != TD_CONN_OPEN || transport->idle_s == 0)
    return;
  conn->keepalive = TRUE;
  conn->pinged = FALSE;
  g_queue_push_tail_link (&transport->by_input, &conn->keepalive_link);
  /* Counts as input, so that the tail of ->by_input stays the newest. */
  _td_transport_touch (transport, conn);
}

void
td_conn_ping (TdConn *conn)
{
  struct wslay_event_msg msg = { WSLAY_PING, (const uint8_t *) "td", 2 };

  g_return_if_fail (conn != NULL);

  if (conn->state != TD_CONN_OPEN || !ensure_ws (conn))
    return;
  if (wslay_event_queue_msg (conn->ws, &msg) != 0)
    return;
  g_debug ("%s: ping", conn->peer);
  _td_transport_mark_dirty (conn->transport, conn);
}

const char *
td_conn_get_address (TdConn *conn)
{
  g_return_val_if_fail (conn != NULL, NULL);
  return conn->address;
}

gsize
td_conn_get_queued (TdConn *conn)
{
  gsize queued;

  g_return_val_if_fail (conn != NULL, 0);

  queued = (conn->out_len - conn->out_off) + conn->hdr_len;
  if (conn->ws != NULL)
    queued += wslay_event_get_queued_msg_length (conn->ws);
  return queued;
}
