/* td-transport-private.h - state shared by td-transport.c (the epoll
 * source, handshake, reaping) and td-ws-conn.c (one WebSocket connection:
 * socket I/O and wslay framing).  Not part of the transport's public API.
 */
#pragma once

#include <wslay/wslay.h>

#include "td-transport.h"

G_BEGIN_DECLS

/* Fairness: work done for one connection per wakeup, and events taken from
 * epoll per wakeup.  Level-triggered epoll reports a socket again if it
 * still has data; the pending list covers bytes buffered above the socket
 * (libsoup's filter stream, TLS records). */
#define TD_READ_BUDGET_BYTES   (64 * 1024)
#define TD_READ_BUDGET_MSGS    32
#define TD_EPOLL_BATCH         128
/* A fragmented message may have at most this many frames. */
#define TD_MAX_FRAGMENTS       64
/* td_conn_close() waits this long for the peer's close frame. */
#define TD_CLOSE_TIMEOUT_S     5
/* After our close frame went out, the socket is half-closed and drained
 * for at most this long (or this many bytes), so that closing it with
 * unread input does not send a RST that could destroy the close frame. */
#define TD_LINGER_TIMEOUT_S    2
#define TD_LINGER_MAX_BYTES    (256 * 1024)
/* After this many wslay contexts were freed (~8.5 KiB each: ~4 MiB), give
 * free heap pages back to the kernel once no context has been made for a
 * second (see _td_transport_note_ws). */
#define TD_TRIM_AFTER_RELEASES 512

typedef enum {
  TD_CONN_OPEN,
  TD_CONN_CLOSING,    /* close frame queued or sent; waiting for the peer */
  TD_CONN_DROPPING,   /* on the reap list: ->closed is about to be called */
  TD_CONN_LINGER,     /* ->closed was called; draining before close() */
} TdConnState;

struct _TdConn {
  TdTransport           *transport;     /* not owned */
  GIOStream             *stream;        /* owned: the stolen connection */
  GSocket               *socket;        /* owned */
  GPollableInputStream  *in;            /* owned by stream */
  GPollableOutputStream *out;           /* owned by stream */
  /* wslay state; NULL while the connection is idle (it costs ~8.5 KiB:
   * two 4 KiB buffers) and once lingering. */
  wslay_event_context_ptr ws;
  char                  *peer;
  char                  *address;       /* peer IP alone; counted in ->per_address */
  gpointer               user_data;
  int                    fd;

  GList                  all_link;      /* transport->conns (not lingering) */
  GList                  pending_link;  /* transport->pending */
  GList                  dirty_link;    /* transport->dirty */
  GList                  reap_link;     /* transport->reap */
  GList                  timed_link;    /* transport->timed (closing/linger) */
  GList                  keepalive_link; /* transport->by_input or ->pinged */

  TdConnState            state;
  /* td_conn_close() with data still queued: wslay sends control frames
   * ahead of queued messages, so the close frame waits until they are out
   * (an error frame followed by a close must arrive in that order). */
  gboolean               close_deferred;
  gushort                deferred_code;
  guint8                 deferred_reason_len;
  char                   deferred_reason[124];
  guint32                epoll_mask;    /* events currently registered */
  gint64                 deadline;      /* monotonic µs, when on ->timed */
  gint64                 last_input;    /* monotonic µs of the last bytes read */
  gint64                 ping_sent;     /* monotonic µs, when on ->pinged */

  /* Bytes wslay handed to us that the socket did not take yet; written
   * before anything else.  At most one frame plus a header, or one gather
   * buffer (64 KiB, td-ws-conn.c). */
  guint8                *out_buf;
  gsize                  out_len;
  gsize                  out_off;
  /* A frame header wslay gave us with WSLAY_MSG_MORE, sent together with
   * its payload in one writev. */
  guint8                 hdr[16];
  gsize                  hdr_len;

  /* Bytes given to wslay, and bytes of the frames it started: equal when
   * wslay holds no partial frame (see maybe_release_ws). */
  guint64                fed;
  guint64                consumed;
  gsize                  read_bytes;    /* this wakeup */
  gsize                  linger_bytes;
  guint                  read_msgs;     /* this wakeup */
  guint                  fragments;     /* frames of the message being read */
  gushort                close_code;    /* code we chose (0: none yet) */

  guint                  is_tls : 1;
  guint                  in_message : 1;    /* a fragmented message is open */
  guint                  in_recv : 1;       /* inside wslay_event_recv() */
  guint                  read_drained : 1;  /* short read: socket is empty */
  guint                  more_input : 1;    /* stopped by the read budget */
  guint                  eof : 1;
  guint                  io_error : 1;
  guint                  in_pending : 1;
  guint                  in_dirty : 1;
  guint                  in_reap : 1;
  guint                  in_timed : 1;
  guint                  keepalive : 1;     /* on ->by_input or ->pinged */
  guint                  pinged : 1;        /* on ->pinged */
};

struct _TdTransport {
  GObject               parent_instance;

  TdTransportCallbacks  callbacks;
  gpointer              user_data;
  gsize                 max_message;
  gsize                 max_outgoing;

  SoupServer           *server;
  char                 *path;
  int                   epfd;
  GSource              *source;
  GSource              *sweep;

  GQueue                conns;     /* open, closing and dropping */
  GQueue                pending;   /* input left after a budget cut */
  GQueue                dirty;     /* output queued in wslay */
  GQueue                reap;      /* waiting for ->closed */
  GQueue                timed;     /* closing or lingering, with a deadline */
  /* Keepalive: watched connections by last input, oldest first (each
   * input moves a conn to the tail, so the order holds by construction),
   * and those pinged, by ping time. */
  GQueue                by_input;
  GQueue                pinged;
  guint                 idle_s;
  guint                 answer_s;
  GSource              *keepalive_timer;
  /* Open connections per peer IP (char* -> count), for the cap. */
  GHashTable           *per_address;
  guint                 max_per_address;
  char                **allowed_origins;
  GMainContext         *context;
  guint                 n_lingering;
  gboolean              shutting_down;
  /* Heap trimming: contexts freed since the last trim, contexts made (the
   * trim timer compares it with its last look), the timer. */
  guint                 ws_released;
  guint                 ws_made;
  guint                 ws_made_seen;
  GSource              *trim_timer;
};

/* td-ws-conn.c */
TdConn  *_td_conn_new            (TdTransport *transport,
                                  GIOStream   *stream,
                                  const char  *peer,
                                  const char  *address,
                                  GError     **error);
void     _td_conn_free           (TdConn *conn);
/* Handles epoll @events (or, with 0, input left over from an earlier
 * wakeup).  Does not call ->closed: drops go to the reap list. */
void     _td_conn_handle_events  (TdConn *conn, guint32 events);
/* Sends what wslay has queued, as far as the socket takes it. */
void     _td_conn_flush          (TdConn *conn);
/* Sends our close frame if it is still queued, frees wslay state and
 * either starts lingering (returns TRUE) or leaves the conn ready to be
 * freed (returns FALSE). */
gboolean _td_conn_finish         (TdConn *conn, gboolean allow_linger);
/* Code reported to ->closed. */
gushort  _td_conn_closed_code    (TdConn *conn);

/* td-transport.c */
void     _td_transport_mark_pending (TdTransport *self, TdConn *conn);
void     _td_transport_mark_dirty   (TdTransport *self, TdConn *conn);
void     _td_transport_schedule_drop (TdTransport *self, TdConn *conn);
void     _td_transport_set_deadline (TdTransport *self, TdConn *conn, guint seconds);
/* A lingering conn is done: close and free it. */
void     _td_transport_linger_done  (TdTransport *self, TdConn *conn);
/* Bytes came in on @conn: it is not idle. */
void     _td_transport_touch        (TdTransport *self, TdConn *conn);
/* Stops watching @conn for idleness. */
void     _td_transport_unwatch      (TdTransport *self, TdConn *conn);
/* A wslay context was made (@released FALSE) or freed (TRUE). */
void     _td_transport_note_ws      (TdTransport *self, gboolean released);

G_END_DECLS
