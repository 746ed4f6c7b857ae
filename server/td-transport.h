/* td-transport.h - the WebSocket data path of tidingsd.
 *
 * libsoup serves HTTP and answers the WebSocket handshake on
 * TD_PROTO_WS_PATH; the transport then steals the connection
 * (soup_server_message_steal_connection) into one epoll set that the GLib
 * main loop watches as a single fd, and frames it with wslay.  The rest of
 * the server sees only whole, size-checked, UTF-8-valid text messages
 * through TdTransportCallbacks, and sends with td_conn_send_text().
 * Everything runs on the main thread.
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _TdConn TdConn;

/* WebSocket close codes the server uses (RFC 6455 section 7.4.1). */
#define TD_CLOSE_NORMAL          1000
#define TD_CLOSE_GOING_AWAY      1001   /* server shutting down */
#define TD_CLOSE_PROTOCOL_ERROR  1002
#define TD_CLOSE_UNSUPPORTED     1003   /* binary frame */
#define TD_CLOSE_INVALID_DATA    1007   /* invalid UTF-8 in a text message */
#define TD_CLOSE_POLICY          1008   /* auth deadline, slow reader, too many errors */
#define TD_CLOSE_TOO_BIG         1009   /* message above the limit */
#define TD_CLOSE_INTERNAL        1011

typedef struct {
  /* A connection finished its handshake and was taken over. */
  void (*opened) (TdConn *conn, gpointer user_data);
  /* One complete text message (reassembled, <= max_message bytes, valid
   * UTF-8).  @data is not NUL-terminated and is only valid during the call. */
  void (*text)   (TdConn *conn, const char *data, gsize len, gpointer user_data);
  /* The connection is gone (close handshake, EOF, error, or td_conn_close()).
   * @code is the close code received or sent (1006 if none).  The TdConn is
   * freed right after this returns: drop every pointer to it here. */
  void (*closed) (TdConn *conn, gushort code, gpointer user_data);
} TdTransportCallbacks;

#define TD_TYPE_TRANSPORT (td_transport_get_type ())
G_DECLARE_FINAL_TYPE (TdTransport, td_transport, TD, TRANSPORT, GObject)

/* @max_message: largest incoming message, in bytes, after reassembly of
 * fragments (TD_PROTO_MAX_FRAME).  @max_outgoing: bytes that may wait in a
 * connection's send queue before it is closed as a slow reader (1008). */
TdTransport *td_transport_new        (const TdTransportCallbacks *callbacks,
                                      gpointer                    user_data,
                                      gsize                       max_message,
                                      gsize                       max_outgoing);
/* Registers the WebSocket handshake handler for @path on @server.  Only
 * subprotocol TD_PROTO_SUBPROTOCOL is offered; no extensions (in particular
 * no permessage-deflate). */
void         td_transport_attach     (TdTransport *self,
                                      SoupServer  *server,
                                      const char  *path);
guint        td_transport_get_n_connections (TdTransport *self);
/* Sends a close frame with @code to every connection and flushes what can be
 * flushed without blocking; connections still open after that are dropped
 * by td_transport_shutdown() or finalize. */
void         td_transport_close_all  (TdTransport *self, gushort code, const char *reason);
/* Drops every remaining connection (calling ->closed for each). */
void         td_transport_shutdown   (TdTransport *self);
/* Keepalive for connections marked with td_conn_set_keepalive(): one that
 * received nothing (no frame, not even a pong) for @idle_s seconds is sent
 * a WebSocket ping; if nothing arrives within @answer_s more seconds it is
 * closed with TD_CLOSE_GOING_AWAY (and logged).  This finds half-open TCP
 * connections that would otherwise stay forever.  @idle_s 0 turns it off.
 * The cost is O(1) per input and per second (the marked connections are
 * kept in order of their last input). */
void         td_transport_set_keepalive (TdTransport *self, guint idle_s, guint answer_s);
/* At most @max connections from one IP address (0: no limit); a handshake
 * beyond it is refused with HTTP 429 before upgrading. */
void         td_transport_set_max_per_address (TdTransport *self, guint max);
/* Handshakes whose Origin header is not one of @origins are refused with
 * 403 (browsers send Origin; native clients do not, and are let through).
 * NULL or empty: no check. */
void         td_transport_set_allowed_origins (TdTransport *self, const char * const *origins);

/* Queues a text message.  Never blocks.  Does nothing on a closing conn. */
void         td_conn_send_text       (TdConn *conn, const char *data, gsize len);
/* Starts the close handshake (sends a close frame after queued data), and
 * drops the connection if the peer does not answer within 5 s. */
void         td_conn_close           (TdConn *conn, gushort code, const char *reason);
void         td_conn_set_user_data   (TdConn *conn, gpointer data);
gpointer     td_conn_get_user_data   (TdConn *conn);
/* Peer address as "IP:PORT" (for logs and per-address limits). */
const char  *td_conn_get_peer        (TdConn *conn);
/* Peer IP address alone ("192.0.2.7", "2001:db8::1"). */
const char  *td_conn_get_address     (TdConn *conn);
/* Bytes currently queued for sending. */
gsize        td_conn_get_queued      (TdConn *conn);
/* Watches @conn for idleness (see td_transport_set_keepalive()); turning
 * it on counts as input. */
void         td_conn_set_keepalive   (TdConn *conn, gboolean enabled);
/* Queues a WebSocket ping control frame (RFC 6455 5.5.2); the peer's pong
 * counts as input.  Does nothing on a closing conn. */
void         td_conn_ping            (TdConn *conn);

G_END_DECLS
