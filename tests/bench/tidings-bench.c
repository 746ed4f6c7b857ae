/* tidings-bench.c - load generator for tidingsd.
 *
 * One thread, one epoll set, non-blocking sockets, wslay in client mode.  It
 * speaks the real protocol (docs/protocol.md) with real logins: password
 * logins once per user (mode "login", which saves the session tokens), then
 * token logins for every workload.  Frames are recognised by substring
 * rather than parsed with json-glib: the server's encoder writes "type"
 * first, and a test tool should not spend the CPU it is trying to measure.
 *
 * Modes:
 *   login    password-login every user once (argon2id), save tokens, close
 *   relay    pairs of users; closed loop (1 message in flight per direction)
 *            or open loop (--rate); latency send -> delivery
 *   idle     RSS of the server before/after N authenticated idle connections
 *   offline  senders store messages for offline users; then they drain
 *   storm    N users logged in; the server is stopped (SIGTERM) and started
 *            again by run-bench.sh on the same port; time until all are back
 *   fanout   members of a department room post to it (open loop, --rate);
 *            latency send -> delivery over every recipient
 *   presence N users log in spread over --spread seconds; presence frames
 *            and bytes per client, and whether each client's view is right
 *   push     reminders over the HTTP API (--push-batch people per request,
 *            --requests requests); latency POST -> reminder frame
 *
 * Token logins send "directory_version" when the password login saw one
 * (kept as a third column in the tokens file), as caching clients do.
 *
 * Every measuring mode prints one line per result:
 *   ROW <name> <key>=<value> ...
 * which run-bench.sh turns into a table.
 */
#define G_LOG_DOMAIN "tidings-bench"

#include <glib.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wslay/wslay.h>

/* Both kinds of connection sit in one epoll set; the first member says
 * which one an event is for. */
typedef enum {
  KIND_WS,
  KIND_HTTP,
} ConnKind;

typedef enum {
  ST_IDLE,
  ST_CONNECTING,
  ST_HANDSHAKE,
  ST_AUTH,
  ST_SYNCING,
  ST_READY,
  ST_CLOSED,
} ConnState;

typedef struct {
  ConnKind                kind;
  int                     fd;
  guint                   index;      /* user index */
  ConnState               state;
  wslay_event_context_ptr ws;
  guint32                 events;     /* current epoll interest */
  char                    hbuf[2048]; /* handshake response */
  gsize                   hlen;
  char                   *extra;      /* bytes after the handshake */
  gsize                   extra_len;
  gsize                   extra_off;
  guint                   peer;       /* user this one sends to */
  gint64                  last_seq;
  gint64                  acked_seq;
  guint64                 next_id;
  guint                   in_flight;  /* closed loop: sends not yet delivered */
  guint                   to_send;    /* offline: messages left to send */
  guint                   unacked;    /* offline: sends without "sent" */
  guint64                 backlog;    /* messages received before synced */
  guint                   attempts;   /* storm: connection attempts */
  gboolean                in_group;   /* fanout: saw the room in "groups" */
  guint8                 *view;       /* presence: bit per user, not offline */
  guint                   view_count;
} Conn;

/* A keep-alive HTTP/1.1 connection to the API, one request at a time. */
typedef struct {
  ConnKind kind;
  int      fd;
  GString *out;
  gsize    out_off;
  GString *in;
  guint    busy;     /* recipients of the request in flight, or 0 */
  guint32  events;
} HttpConn;

typedef struct {
  /* options */
  int         port;
  guint       users;
  char       *prefix;
  char       *password;
  char       *tokens_path;
  char       *mode;
  int         server_pid;
  double      duration;
  double      rate;
  guint       senders;
  guint       recipients;
  guint       messages;
  guint       window;
  guint       login_parallel;
  guint       ack_every;
  gboolean    close_after_login;
  char       *label;
  double      spread;        /* presence: seconds over which users log in */
  char       *restart_file;  /* storm: run-bench.sh writes the new pid here */
  char       *api_key;       /* push */
  guint       push_batch;
  guint       requests;
  guint       http_conns;
  char       *group_name;    /* fanout: department whose room is used */

  /* state */
  int         epfd;
  Conn       *conns;
  char      **tokens;        /* per user, or NULL */
  char      **dir_versions;  /* per user: directory version seen, or NULL */
  guint       logins_pending; /* started, not synced */
  guint       logins_done;
  guint       connect_failures;
  guint64     sends;
  guint64     sent_acks;
  guint64     delivered;
  guint64     errors;
  guint64     other_frames;
  GArray     *lat_ns;        /* guint64 */
  gboolean    record;
  gboolean    stop_sending;
  gboolean    quiet_close;   /* storm: the server closing is expected */
  gboolean    retry;         /* storm: failed connects start again */
  GQueue      retry_queue;   /* Conn* */
  guint       retries;
  guint64     expect_per_send; /* deliveries each send should cause */
  char       *group_id;      /* fanout: "g:<id>" */
  guint64     presence_frames;
  guint64     presence_bytes;
  guint64     directory_bytes;
  guint64     rx_bytes;      /* every text frame received */
  gint64      login_t0;      /* presence: when logins started */
  guint       view_bytes;    /* presence: bitmap size per client */
  HttpConn   *http;
  guint       http_next;     /* next request to issue */
  guint       http_done;
  guint       http_errors;
  gint64      http_t_last;   /* when the last answer arrived */
  gint64      t_last_delivery;
  guint32     rng;
  guint32     run_tag;       /* keeps ids unique when a server is reused */
  char        padding[128];
} Bench;

static Bench B;

static gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static char *
user_login (guint index)
{
  return g_strdup_printf ("%s%05u", B.prefix, index);
}

/* ---- server figures from /proc ---- */

static gint64
server_cpu_us (void)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) fields = NULL;
  const char *p;

  if (B.server_pid <= 0)
    return 0;
  path = g_strdup_printf ("/proc/%d/stat", B.server_pid);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  /* Fields after the command name, which may contain spaces. */
  p = strrchr (contents, ')');
  if (p == NULL)
    return 0;
  fields = g_strsplit (p + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return 0;
  /* utime and stime are fields 14 and 15 of the line, 12 and 13 here. */
  return (g_ascii_strtoll (fields[11], NULL, 10) + g_ascii_strtoll (fields[12], NULL, 10)) *
         G_USEC_PER_SEC / sysconf (_SC_CLK_TCK);
}

static gint64
server_rss_kb (void)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  const char *p;

  if (B.server_pid <= 0)
    return 0;
  path = g_strdup_printf ("/proc/%d/status", B.server_pid);
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  p = strstr (contents, "VmRSS:");
  return p ? g_ascii_strtoll (p + 6, NULL, 10) : 0;
}

static gint64
client_cpu_us (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (gint64) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * G_USEC_PER_SEC +
         ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

/* ---- WebSocket plumbing ---- */

static void
update_events (Conn *c)
{
  guint32 want = EPOLLIN;
  struct epoll_event ev = { 0 };

  if (c->state == ST_CONNECTING || (c->ws != NULL && wslay_event_want_write (c->ws)))
    want |= EPOLLOUT;
  if (want == c->events)
    return;
  ev.events = want;
  ev.data.ptr = c;
  epoll_ctl (B.epfd, EPOLL_CTL_MOD, c->fd, &ev);
  c->events = want;
}

static void conn_close (Conn *c);

static void
flush (Conn *c)
{
  if (c->ws == NULL)
    return;
  if (wslay_event_want_write (c->ws) && wslay_event_send (c->ws) != 0)
    {
      conn_close (c);
      return;
    }
  update_events (c);
}

static void
send_text (Conn *c, const char *text, gsize len)
{
  struct wslay_event_msg msg = { WSLAY_TEXT_FRAME, (const uint8_t *) text, len };

  if (c->ws == NULL || c->state == ST_CLOSED)
    return;
  wslay_event_queue_msg (c->ws, &msg);
  flush (c);
}

static ssize_t
ws_recv_cb (wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user_data)
{
  Conn *c = user_data;
  ssize_t n;

  if (c->extra != NULL)
    {
      gsize take = MIN (len, c->extra_len - c->extra_off);

      memcpy (buf, c->extra + c->extra_off, take);
      c->extra_off += take;
      if (c->extra_off == c->extra_len)
        g_clear_pointer (&c->extra, g_free);
      return (ssize_t) take;
    }
  n = read (c->fd, buf, len);
  if (n > 0)
    return n;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    wslay_event_set_error (ctx, WSLAY_ERR_WOULDBLOCK);
  else
    wslay_event_set_error (ctx, WSLAY_ERR_CALLBACK_FAILURE);
  return -1;
}

static ssize_t
ws_send_cb (wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user_data)
{
  Conn *c = user_data;
  ssize_t n = send (c->fd, data, len, MSG_NOSIGNAL);

  if (n >= 0)
    return n;
  if (errno == EAGAIN || errno == EWOULDBLOCK)
    wslay_event_set_error (ctx, WSLAY_ERR_WOULDBLOCK);
  else
    wslay_event_set_error (ctx, WSLAY_ERR_CALLBACK_FAILURE);
  return -1;
}

static int
ws_genmask_cb (wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user_data)
{
  /* Masks need not be strong here: the peer is our own server. */
  for (gsize i = 0; i < len; i++)
    {
      B.rng ^= B.rng << 13;
      B.rng ^= B.rng >> 17;
      B.rng ^= B.rng << 5;
      buf[i] = (uint8_t) B.rng;
    }
  return 0;
}

static void handle_frame (Conn *c, const char *data, gsize len);

static void
ws_msg_cb (wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user_data)
{
  Conn *c = user_data;

  if (arg->opcode == WSLAY_TEXT_FRAME)
    handle_frame (c, (const char *) arg->msg, arg->msg_length);
  else if (arg->opcode == WSLAY_CONNECTION_CLOSE)
    {
      if (c->state != ST_CLOSED && !B.quiet_close)
        g_printerr ("bench: user %u: server closed with %u\n", c->index, arg->status_code);
    }
}

static const struct wslay_event_callbacks ws_callbacks = {
  ws_recv_cb, ws_send_cb, ws_genmask_cb, NULL, NULL, NULL, ws_msg_cb,
};

static void
conn_close (Conn *c)
{
  if (c->state == ST_CLOSED || c->state == ST_IDLE)
    return;
  if (c->state != ST_READY)
    {
      B.connect_failures++;
      if (B.logins_pending > 0)
        B.logins_pending--;
      /* A reconnecting client tries again (bounded, so that a real
       * refusal cannot loop forever). */
      if (B.retry && c->attempts < 20)
        g_queue_push_tail (&B.retry_queue, c);
    }
  c->state = ST_CLOSED;
  epoll_ctl (B.epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close (c->fd);
  c->fd = -1;
  g_clear_pointer (&c->ws, wslay_event_context_free);
  g_clear_pointer (&c->extra, g_free);
}

static void
conn_start (Conn *c)
{
  struct sockaddr_in sa = { 0 };
  struct epoll_event ev = { 0 };
  int one = 1;

  c->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0)
    g_error ("socket: %s (raise ulimit -n)", g_strerror (errno));
  setsockopt (c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sa.sin_family = AF_INET;
  sa.sin_port = htons ((guint16) B.port);
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (c->fd, (struct sockaddr *) &sa, sizeof sa) < 0 && errno != EINPROGRESS)
    g_error ("connect: %s", g_strerror (errno));
  c->state = ST_CONNECTING;
  c->attempts++;
  c->hlen = 0;
  c->events = EPOLLIN | EPOLLOUT;
  ev.events = c->events;
  ev.data.ptr = c;
  epoll_ctl (B.epfd, EPOLL_CTL_ADD, c->fd, &ev);
  B.logins_pending++;
}

static void
send_auth (Conn *c)
{
  g_autofree char *login = user_login (c->index);
  g_autofree char *text = NULL;
  const char *version = B.dir_versions[c->index];

  /* Like a client with a cached directory: the version is only sent to a
   * server that gave one. */
  if (B.tokens != NULL && B.tokens[c->index] != NULL)
    text = g_strdup_printf ("{\"type\":\"auth\",\"protocol\":1,\"device\":\"bench\","
                            "\"client\":\"tidings-bench\",\"token\":\"%s\"%s%s%s}",
                            B.tokens[c->index],
                            version ? ",\"directory_version\":\"" : "",
                            version ? version : "", version ? "\"" : "");
  else
    text = g_strdup_printf ("{\"type\":\"auth\",\"protocol\":1,\"device\":\"bench\","
                            "\"client\":\"tidings-bench\",\"user\":\"%s\",\"password\":\"%s\"}",
                            login, B.password);
  c->state = ST_AUTH;
  send_text (c, text, strlen (text));
}

static void
handshake_read (Conn *c)
{
  ssize_t n = read (c->fd, c->hbuf + c->hlen, sizeof c->hbuf - 1 - c->hlen);
  char *end;

  if (n <= 0)
    {
      if (n < 0 && errno == EAGAIN)
        return;
      conn_close (c);
      return;
    }
  c->hlen += (gsize) n;
  c->hbuf[c->hlen] = '\0';
  end = strstr (c->hbuf, "\r\n\r\n");
  if (end == NULL)
    {
      if (c->hlen >= sizeof c->hbuf - 1)
        conn_close (c);
      return;
    }
  if (strncmp (c->hbuf, "HTTP/1.1 101", 12) != 0)
    {
      g_printerr ("bench: handshake refused: %.40s\n", c->hbuf);
      conn_close (c);
      return;
    }
  end += 4;
  if ((gsize) (end - c->hbuf) < c->hlen)
    {
      c->extra_len = c->hlen - (gsize) (end - c->hbuf);
      c->extra = g_memdup2 (end, c->extra_len);
      c->extra_off = 0;
    }
  wslay_event_context_client_init (&c->ws, &ws_callbacks, c);
  wslay_event_config_set_max_recv_msg_length (c->ws, 8 * 1024 * 1024);
  send_auth (c);
  if (c->extra != NULL && c->ws != NULL && wslay_event_recv (c->ws) != 0)
    conn_close (c);
}

static void
handshake_write (Conn *c)
{
  g_autofree char *req = NULL;
  int err = 0;
  socklen_t len = sizeof err;

  getsockopt (c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0)
    {
      g_printerr ("bench: connect: %s\n", g_strerror (err));
      conn_close (c);
      return;
    }
  req = g_strdup_printf ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                         "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: tidings.v1\r\n\r\n",
                         B.port);
  /* A 200-byte request fits in an empty socket buffer. */
  if (write (c->fd, req, strlen (req)) != (ssize_t) strlen (req))
    {
      conn_close (c);
      return;
    }
  c->state = ST_HANDSHAKE;
  update_events (c);
}

/* ---- protocol ---- */

static gint64
find_int (const char *data, gsize len, const char *key)
{
  const char *p = g_strstr_len (data, (gssize) len, key);

  if (p == NULL)
    return -1;
  return g_ascii_strtoll (p + strlen (key), NULL, 10);
}

/* @to is a login or a group address. */
static void
send_message_to (Conn *c, const char *to)
{
  char text[512];
  int len;

  len = g_snprintf (text, sizeof text,
                    "{\"type\":\"send\",\"id\":\"m%x-%" G_GUINT64_FORMAT "\",\"to\":\"%s\","
                    "\"text\":\"b%" G_GINT64_FORMAT " %s\"}",
                    B.run_tag, c->next_id++, to, now_ns (), B.padding);
  B.sends++;
  send_text (c, text, (gsize) len);
}

static void
send_message (Conn *c, guint to)
{
  g_autofree char *login = user_login (to);

  send_message_to (c, login);
}

/* The user index of the login starting at @p (inside a frame), or -1. */
static gint64
login_index (const char *p, const char *end)
{
  gsize plen = strlen (B.prefix);
  guint64 idx = 0;
  const char *q;

  if ((gsize) (end - p) < plen + 1 || strncmp (p, B.prefix, plen) != 0)
    return -1;
  for (q = p + plen; q < end && g_ascii_isdigit (*q); q++)
    idx = idx * 10 + (guint64) (*q - '0');
  if (q == p + plen || q >= end || *q != '"' || idx >= B.users)
    return -1;
  return (gint64) idx;
}

static void
send_ack (Conn *c)
{
  char text[64];
  int len;

  if (c->last_seq <= c->acked_seq)
    return;
  len = g_snprintf (text, sizeof text, "{\"type\":\"ack\",\"seq\":%" G_GINT64_FORMAT "}", c->last_seq);
  c->acked_seq = c->last_seq;
  send_text (c, text, (gsize) len);
}

static void
handle_message (Conn *c, const char *data, gsize len)
{
  const char *text = g_strstr_len (data, (gssize) len, "\"text\":\"b");
  gint64 seq = find_int (data, len, "\"seq\":");

  if (seq > c->last_seq)
    c->last_seq = seq;
  if (c->state != ST_READY)
    {
      c->backlog++;
      return;
    }
  if (B.group_id != NULL)
    {
      /* A group sender may get its own message back (protocol 7.2); a
       * client deduplicates it, so it is no delivery. */
      const char *from = g_strstr_len (data, (gssize) len, "\"from\":\"");

      if (from != NULL && login_index (from + 8, data + len) == c->index)
        {
          if (B.ack_every > 0 && c->last_seq - c->acked_seq >= B.ack_every)
            send_ack (c);
          return;
        }
    }
  B.delivered++;
  B.t_last_delivery = now_ns ();
  if (text != NULL && B.record)
    {
      guint64 lat = (guint64) (now_ns () - g_ascii_strtoll (text + 9, NULL, 10));
      g_array_append_val (B.lat_ns, lat);
    }
  /* By default ack every message, as the clients do. */
  if (B.ack_every > 0 && c->last_seq - c->acked_seq >= B.ack_every)
    send_ack (c);

  /* Closed loop: the pairs are symmetric, so the sender is our peer. */
  if (g_str_equal (B.mode, "relay") && B.rate <= 0)
    {
      Conn *sender = &B.conns[c->peer];

      if (sender->in_flight > 0)
        sender->in_flight--;
      if (!B.stop_sending && sender->state == ST_READY)
        {
          sender->in_flight++;
          send_message (sender, sender->peer);
        }
    }
}

static void
save_token (Conn *c, const char *data, gsize len)
{
  const char *p = g_strstr_len (data, (gssize) len, "\"token\":\"");
  const char *end;

  if (p == NULL || B.tokens == NULL)
    return;
  p += 9;
  end = strchr (p, '"');
  if (end == NULL)
    return;
  g_free (B.tokens[c->index]);
  B.tokens[c->index] = g_strndup (p, (gsize) (end - p));
}

/* Remembers the directory's "version" (absent from servers that do not
 * cache directories). */
static void
save_version (Conn *c, const char *data, gsize len)
{
  const char *p = g_strstr_len (data, (gssize) len, "\"version\":\"");
  const char *end;

  if (p == NULL)
    return;
  p += 11;
  end = memchr (p, '"', len - (gsize) (p - data));
  if (end == NULL)
    return;
  g_free (B.dir_versions[c->index]);
  B.dir_versions[c->index] = g_strndup (p, (gsize) (end - p));
}

/* ---- presence views (mode presence): what each client believes ---- */

static void
view_set (Conn *c, gint64 idx, gboolean online)
{
  guint8 *byte;
  guint8 bit;

  if (idx < 0 || c->view == NULL)
    return;
  byte = &c->view[idx >> 3];
  bit = (guint8) (1u << (idx & 7));
  if (online && !(*byte & bit))
    {
      *byte |= bit;
      c->view_count++;
    }
  else if (!online && (*byte & bit))
    {
      *byte &= (guint8) ~bit;
      c->view_count--;
    }
}

/* Applies the login array @key (e.g. "online":[) of a presence frame. */
static void
view_apply_list (Conn *c, const char *data, const char *end, const char *key, gboolean online)
{
  const char *p = g_strstr_len (data, end - data, key);

  if (p == NULL)
    return;
  p += strlen (key);
  while (p < end && *p != ']')
    {
      if (*p == '"')
        {
          const char *q = memchr (p + 1, '"', (gsize) (end - p - 1));

          if (q == NULL)
            return;
          view_set (c, login_index (p + 1, end), online);
          p = q + 1;
        }
      else
        p++;
    }
}

/* Both forms: the single {"user","status"} frame, and the list frames
 * (a "snapshot" at login: whoever is not listed is offline; deltas). */
static void
handle_presence (Conn *c, const char *data, gsize len)
{
  const char *end = data + len;
  const char *user;

  if (c->view == NULL)
    return;
  if (g_strstr_len (data, (gssize) len, "\"snapshot\":true") != NULL)
    {
      memset (c->view, 0, B.view_bytes);
      c->view_count = 0;
    }
  user = g_strstr_len (data, (gssize) len, "\"user\":\"");
  if (user != NULL)
    {
      const char *status = g_strstr_len (data, (gssize) len, "\"status\":\"");

      if (status != NULL)
        view_set (c, login_index (user + 8, end), strncmp (status + 10, "offline\"", 8) != 0);
    }
  else
    {
      view_apply_list (c, data, end, "\"online\":[", TRUE);
      view_apply_list (c, data, end, "\"away\":[", TRUE);
      view_apply_list (c, data, end, "\"busy\":[", TRUE);
      view_apply_list (c, data, end, "\"offline\":[", FALSE);
    }
  /* A client knows that it is online itself. */
  view_set (c, c->index, TRUE);
}

static void
handle_directory (Conn *c, const char *data, gsize len)
{
  const char *end = data + len;
  const char *p = data;

  save_version (c, data, len);
  if (c->view == NULL)
    return;
  while ((p = g_strstr_len (p, end - p, "\"login\":\"")) != NULL)
    {
      gint64 idx = login_index (p + 9, end);
      const char *status = g_strstr_len (p, end - p, "\"status\":\"");

      if (status == NULL)
        break;
      view_set (c, idx, strncmp (status + 10, "offline\"", 8) != 0);
      p = status + 10;
    }
  view_set (c, c->index, TRUE);
}

/* Finds the room of department --group in a "groups" frame. */
static void
handle_groups (Conn *c, const char *data, gsize len)
{
  g_autofree char *needle = NULL;
  const char *end = data + len;
  const char *name, *p, *id = NULL, *q;

  if (B.group_name == NULL)
    return;
  needle = g_strdup_printf ("\"name\":\"%s\"", B.group_name);
  name = g_strstr_len (data, (gssize) len, needle);
  if (name == NULL)
    return;
  /* The group object's "id" comes before its "name". */
  for (p = data; (p = g_strstr_len (p, name - p, "\"id\":\"g:")) != NULL; p += 8)
    id = p;
  if (id == NULL)
    return;
  id += 6;
  q = memchr (id, '"', (gsize) (end - id));
  if (q == NULL)
    return;
  c->in_group = TRUE;
  if (B.group_id == NULL)
    B.group_id = g_strndup (id, (gsize) (q - id));
}

/* A reminder pushed live; its title carries the POST time. */
static void
handle_reminder (Conn *c, const char *data, gsize len)
{
  const char *title = g_strstr_len (data, (gssize) len, "\"title\":\"r");

  if (c->state != ST_READY)
    return;
  B.delivered++;
  B.t_last_delivery = now_ns ();
  if (title != NULL && B.record)
    {
      guint64 lat = (guint64) (B.t_last_delivery - g_ascii_strtoll (title + 10, NULL, 10));

      g_array_append_val (B.lat_ns, lat);
    }
}

static void
handle_frame (Conn *c, const char *data, gsize len)
{
  B.rx_bytes += len;
  if (len < 16 || strncmp (data, "{\"type\":\"", 9) != 0)
    {
      B.other_frames++;
      return;
    }
  data += 9;
  len -= 9;
  if (strncmp (data, "message\"", 8) == 0)
    handle_message (c, data, len);
  else if (strncmp (data, "presence\"", 9) == 0)
    {
      B.presence_frames++;
      B.presence_bytes += len + 9;
      handle_presence (c, data, len);
    }
  else if (strncmp (data, "directory\"", 10) == 0)
    {
      B.directory_bytes += len + 9;
      handle_directory (c, data, len);
    }
  else if (strncmp (data, "groups\"", 7) == 0)
    handle_groups (c, data, len);
  else if (strncmp (data, "reminder\"", 9) == 0)
    handle_reminder (c, data, len);
  else if (strncmp (data, "sent\"", 5) == 0)
    {
      B.sent_acks++;
      if (c->unacked > 0)
        c->unacked--;
      if (c->to_send > 0 && !B.stop_sending)
        {
          c->to_send--;
          c->unacked++;
          send_message (c, B.senders + (guint) ((c->index + c->next_id) % B.recipients));
        }
    }
  else if (strncmp (data, "welcome\"", 8) == 0)
    {
      save_token (c, data, len);
      c->state = ST_SYNCING;
    }
  else if (strncmp (data, "synced\"", 7) == 0)
    {
      gint64 seq = find_int (data, len, "\"seq\":");

      if (seq > c->last_seq)
        c->last_seq = seq;
      c->state = ST_READY;
      B.logins_pending--;
      B.logins_done++;
      send_ack (c);
    }
  else if (strncmp (data, "error\"", 6) == 0)
    {
      if (B.errors++ < 5)
        g_printerr ("bench: user %u: %.*s\n", c->index, (int) MIN (len, 200), data);
      if (c->state == ST_AUTH)
        conn_close (c);
    }
  else
    B.other_frames++;
}

static void
handle_event (Conn *c, guint32 events)
{
  switch (c->state)
    {
    case ST_CONNECTING:
      handshake_write (c);
      return;
    case ST_HANDSHAKE:
      handshake_read (c);
      return;
    case ST_IDLE:
    case ST_CLOSED:
      return;
    default:
      break;
    }
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && wslay_event_recv (c->ws) != 0)
    {
      conn_close (c);
      return;
    }
  if (c->ws != NULL)
    flush (c);
  /* After the server's close frame wslay stops reading: once our answer
   * is out, the connection is over (else EPOLLIN on EOF spins). */
  if (c->ws != NULL && !wslay_event_want_read (c->ws) && !wslay_event_want_write (c->ws))
    conn_close (c);
}

/* ---- the HTTP API client (mode push) ---- */

static void
http_update_events (HttpConn *h)
{
  struct epoll_event ev = { 0 };
  guint32 want = EPOLLIN | (h->out_off < h->out->len ? EPOLLOUT : 0);

  if (want == h->events)
    return;
  ev.events = want;
  ev.data.ptr = h;
  epoll_ctl (B.epfd, EPOLL_CTL_MOD, h->fd, &ev);
  h->events = want;
}

static void
http_flush (HttpConn *h)
{
  while (h->out_off < h->out->len)
    {
      ssize_t n = send (h->fd, h->out->str + h->out_off, h->out->len - h->out_off, MSG_NOSIGNAL);

      if (n < 0)
        {
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
          g_error ("api: send: %s", g_strerror (errno));
        }
      h->out_off += (gsize) n;
    }
  http_update_events (h);
}

/* POSTs reminder number B.http_next to --push-batch consecutive users;
 * the title carries the send time, the idempotency key the run. */
static void
http_issue (HttpConn *h)
{
  g_autoptr(GString) body = g_string_new ("{\"to\":[");
  guint n = MIN (B.push_batch, B.users);
  guint first = (guint) (((guint64) B.http_next * n) % B.users);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (body, "%s\"%s%05u\"", i ? "," : "", B.prefix, (first + i) % B.users);
  g_string_append_printf (body, "],\"title\":\"r%" G_GINT64_FORMAT " bench\","
                          "\"idempotency_key\":\"bench-%x-%u\"}", now_ns (), B.run_tag, B.http_next);
  g_string_truncate (h->out, 0);
  h->out_off = 0;
  g_string_append_printf (h->out, "POST /api/v1/reminders HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                          "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                          "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n",
                          B.port, B.api_key, body->len);
  g_string_append_len (h->out, body->str, (gssize) body->len);
  B.http_next++;
  B.sends += n;
  h->busy = n;
  http_flush (h);
}

static void
http_read (HttpConn *h)
{
  char buf[16384];

  for (;;)
    {
      ssize_t n = read (h->fd, buf, sizeof buf);

      if (n == 0)
        g_error ("api: the server closed the connection");
      if (n < 0)
        {
          if (errno == EAGAIN || errno == EWOULDBLOCK)
            break;
          g_error ("api: read: %s", g_strerror (errno));
        }
      g_string_append_len (h->in, buf, n);
    }
  /* Complete answers: status line, headers, Content-Length bytes. */
  for (;;)
    {
      const char *hend = strstr (h->in->str, "\r\n\r\n");
      const char *cl;
      gsize body_len = 0, total;
      int status;

      if (hend == NULL || h->in->len < 12)
        return;
      status = atoi (h->in->str + 9);
      cl = strstr (h->in->str, "\r\nContent-Length: ");
      if (cl != NULL && cl < hend)
        body_len = g_ascii_strtoull (cl + 18, NULL, 10);
      total = (gsize) (hend + 4 - h->in->str) + body_len;
      if (h->in->len < total)
        return;
      if (status != 200 && status != 201)
        {
          if (B.http_errors < 5)
            g_printerr ("bench: api answered %d: %.*s\n", status, (int) MIN (body_len, 200), hend + 4);
          B.http_errors++;
          B.sends -= h->busy;
        }
      B.http_done++;
      B.http_t_last = now_ns ();
      g_string_erase (h->in, 0, (gssize) total);
      h->busy = 0;
      if (B.http_next < B.requests)
        http_issue (h);
    }
}

static void
http_event (HttpConn *h, guint32 events)
{
  if (events & EPOLLOUT)
    http_flush (h);
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
    http_read (h);
}

static void
http_open (HttpConn *h)
{
  struct sockaddr_in sa = { 0 };
  struct epoll_event ev = { 0 };
  int one = 1;

  h->kind = KIND_HTTP;
  h->fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  setsockopt (h->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sa.sin_family = AF_INET;
  sa.sin_port = htons ((guint16) B.port);
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (connect (h->fd, (struct sockaddr *) &sa, sizeof sa) < 0)
    g_error ("api: connect: %s", g_strerror (errno));
  fcntl (h->fd, F_SETFL, fcntl (h->fd, F_GETFL) | O_NONBLOCK);
  h->out = g_string_new (NULL);
  h->in = g_string_new (NULL);
  h->events = EPOLLIN;
  ev.events = h->events;
  ev.data.ptr = h;
  epoll_ctl (B.epfd, EPOLL_CTL_ADD, h->fd, &ev);
}

/* Runs the loop until @done returns TRUE or @timeout_s passes; @tick runs
 * on every iteration (open-loop pacing, login admission). */
static gboolean
run_loop (gboolean (*done) (void), void (*tick) (void), double timeout_s)
{
  struct epoll_event events[256];
  gint64 deadline = now_ns () + (gint64) (timeout_s * 1e9);

  while (!done ())
    {
      int n;

      if (now_ns () > deadline)
        return FALSE;
      if (tick != NULL)
        tick ();
      n = epoll_wait (B.epfd, events, G_N_ELEMENTS (events), 1);
      for (int i = 0; i < n; i++)
        if (*(ConnKind *) events[i].data.ptr == KIND_HTTP)
          http_event (events[i].data.ptr, events[i].events);
        else
          handle_event (events[i].data.ptr, events[i].events);
    }
  return TRUE;
}

/* ---- logins ---- */

static guint login_first, login_last, login_next, login_saved, login_skipped;

static void save_tokens (void);

static void
login_tick (void)
{
  guint limit = login_last;

  /* --spread: user k of the range may start k/n of the way through. */
  if (B.spread > 0)
    {
      double frac = (double) (now_ns () - B.login_t0) / (B.spread * 1e9);
      guint n = login_last - login_first;

      limit = login_first + MIN (n, (guint) (frac * n) + 1);
    }
  while (B.logins_pending < B.login_parallel && !g_queue_is_empty (&B.retry_queue))
    {
      B.retries++;
      conn_start (g_queue_pop_head (&B.retry_queue));
    }
  while (login_next < limit && B.logins_pending < B.login_parallel)
    {
      Conn *c = &B.conns[login_next++];

      /* Mode login resumes: who has a token already is done. */
      if (B.close_after_login && B.tokens[c->index] != NULL)
        {
          login_skipped++;
          continue;
        }
      conn_start (c);
    }
  /* Mode login: save as it goes, so that an interrupted set-up of
   * 10,000 users keeps what it paid for. */
  if (B.close_after_login && B.tokens_path != NULL && B.logins_done >= login_saved + 500)
    {
      login_saved = B.logins_done;
      save_tokens ();
    }
  if (B.close_after_login)
    for (guint i = login_first; i < login_next; i++)
      if (B.conns[i].state == ST_READY)
        {
          conn_close (&B.conns[i]);
          B.conns[i].state = ST_IDLE;
        }
}

static gboolean
login_done (void)
{
  return login_next == login_last && B.logins_pending == 0 && g_queue_is_empty (&B.retry_queue);
}

/* Connects and logs in users [first, last); returns seconds taken. */
static double
login_range (guint first, guint last)
{
  gint64 t0 = now_ns ();
  guint before = B.logins_done;
  guint want;

  login_first = first;
  login_last = last;
  login_next = first;
  B.login_t0 = t0;
  login_skipped = 0;
  if (!run_loop (login_done, login_tick, B.close_after_login ? 3 * 3600 : 600))
    g_printerr ("bench: logins timed out (%u of %u done)\n", B.logins_done - before, last - first);
  want = last - first - login_skipped;
  if (B.logins_done - before != want)
    g_printerr ("bench: %u of %u logins failed\n", want - (B.logins_done - before), want);
  return (double) (now_ns () - t0) / 1e9;
}

static void
load_tokens (void)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  B.tokens = g_new0 (char *, B.users + 1);
  B.dir_versions = g_new0 (char *, B.users + 1);
  if (B.tokens_path == NULL || !g_file_get_contents (B.tokens_path, &contents, NULL, NULL))
    return;
  lines = g_strsplit (contents, "\n", 0);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* "login token [directory-version]" */
      g_auto(GStrv) f = g_strsplit (lines[i], " ", 3);

      if (g_strv_length (f) >= 2 && g_str_has_prefix (f[0], B.prefix))
        {
          guint64 idx = g_ascii_strtoull (f[0] + strlen (B.prefix), NULL, 10);

          if (idx < B.users)
            {
              B.tokens[idx] = g_strdup (f[1]);
              if (f[2] != NULL && f[2][0] != '\0')
                B.dir_versions[idx] = g_strdup (f[2]);
            }
        }
    }
}

static void
save_tokens (void)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < B.users; i++)
    if (B.tokens[i] != NULL)
      {
        g_autofree char *login = user_login (i);
        g_string_append_printf (out, "%s %s%s%s\n", login, B.tokens[i],
                                B.dir_versions[i] ? " " : "", B.dir_versions[i] ? B.dir_versions[i] : "");
      }
  if (!g_file_set_contents (B.tokens_path, out->str, (gssize) out->len, &error))
    g_error ("%s", error->message);
}

/* ---- results ---- */

static int
cmp_u64 (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

static double
percentile_ms (double p)
{
  gsize i;

  if (B.lat_ns->len == 0)
    return 0;
  i = (gsize) (p * (double) (B.lat_ns->len - 1) + 0.5);
  return (double) g_array_index (B.lat_ns, guint64, i) / 1e6;
}

static void
print_row (const char *name, guint conns, guint64 msgs, double seconds,
           gint64 srv_cpu, gint64 cli_cpu, const char *extra)
{
  g_array_sort (B.lat_ns, cmp_u64);
  g_print ("ROW %s conns=%u msgs=%" G_GUINT64_FORMAT " secs=%.2f rate=%.0f"
           " p50=%.3f p99=%.3f p999=%.3f max=%.3f srv_us=%.1f cli_us=%.1f%s%s\n",
           name, conns, msgs, seconds, seconds > 0 ? (double) msgs / seconds : 0,
           percentile_ms (0.50), percentile_ms (0.99), percentile_ms (0.999),
           B.lat_ns->len ? (double) g_array_index (B.lat_ns, guint64, B.lat_ns->len - 1) / 1e6 : 0,
           msgs ? (double) srv_cpu / (double) msgs : 0,
           msgs ? (double) cli_cpu / (double) msgs : 0,
           extra ? " " : "", extra ? extra : "");
}

/* ---- workloads ---- */

static gboolean
never_done (void)
{
  return FALSE;
}

static guint64 open_issued;
static gint64 open_t0;
static guint open_next;

static void
open_loop_tick (void)
{
  guint64 due;

  if (B.stop_sending)
    return;
  due = (guint64) (B.rate * (double) (now_ns () - open_t0) / 1e9);
  while (open_issued < due)
    {
      Conn *c = &B.conns[open_next];

      open_next = (open_next + 1) % B.users;
      open_issued++;
      if (c->state != ST_READY)
        continue;
      if (B.group_id == NULL)
        send_message (c, c->peer);
      else if (c->in_group)
        send_message_to (c, B.group_id);
    }
}

static gboolean
all_delivered (void)
{
  return B.delivered >= B.sends * B.expect_per_send;
}

static void
workload_relay (void)
{
  double login_s;
  gint64 s0, c0, t0;
  guint64 d0;
  double secs;
  g_autofree char *extra = NULL;
  g_autofree char *name = NULL;

  for (guint i = 0; i < B.users; i++)
    B.conns[i].peer = i ^ 1;
  login_s = login_range (0, B.users);
  g_printerr ("bench: %u users logged in with tokens in %.2f s\n", B.logins_done, login_s);

  /* Warm-up: one second unrecorded. */
  B.record = FALSE;
  open_t0 = now_ns ();
  if (B.rate <= 0)
    for (guint i = 0; i < B.users; i++)
      if (B.conns[i].state == ST_READY)
        {
          B.conns[i].in_flight++;
          send_message (&B.conns[i], B.conns[i].peer);
        }
  run_loop (never_done, B.rate > 0 ? open_loop_tick : NULL, 1.0);

  B.record = TRUE;
  g_array_set_size (B.lat_ns, 0);
  s0 = server_cpu_us ();
  c0 = client_cpu_us ();
  t0 = now_ns ();
  d0 = B.delivered;
  run_loop (never_done, B.rate > 0 ? open_loop_tick : NULL, B.duration);
  secs = (double) (now_ns () - t0) / 1e9;
  {
    gint64 srv = server_cpu_us () - s0;
    gint64 cli = client_cpu_us () - c0;
    guint64 msgs = B.delivered - d0;

    /* Stop, then give what is in flight 10 s to arrive. */
    B.stop_sending = TRUE;
    run_loop (all_delivered, NULL, 10);
    extra = g_strdup_printf ("undelivered=%" G_GUINT64_FORMAT " errors=%" G_GUINT64_FORMAT
                             " login_s=%.2f",
                             B.sends - B.delivered, B.errors, login_s);
    name = B.rate > 0 ? g_strdup_printf ("relay-open-%.0f", B.rate) : g_strdup ("relay-closed");
    print_row (B.label ? B.label : name, B.logins_done, msgs, secs, srv, cli, extra);
  }
}

static void
workload_idle (void)
{
  gint64 rss0, rss1, s0, c0;
  double login_s;
  g_autofree char *extra = NULL;

  /* Let the server settle, then sample. */
  run_loop (never_done, NULL, 0.5);
  rss0 = server_rss_kb ();
  s0 = server_cpu_us ();
  c0 = client_cpu_us ();
  login_s = login_range (0, B.users);
  /* Idle means settled: tidingsd gives the heap freed by the logins back
   * about 1-2 s after the last one (td-transport.c, trim_cb). */
  run_loop (never_done, NULL, 3.0);
  rss1 = server_rss_kb ();
  extra = g_strdup_printf ("rss0_kb=%" G_GINT64_FORMAT " rss1_kb=%" G_GINT64_FORMAT
                           " bytes_per_conn=%.0f login_s=%.2f srv_us_per_login=%.0f failures=%u",
                           rss0, rss1, (double) (rss1 - rss0) * 1024 / MAX (B.logins_done, 1), login_s,
                           (double) (server_cpu_us () - s0) / MAX (B.logins_done, 1),
                           B.connect_failures);
  print_row (B.label ? B.label : "idle", B.logins_done, 0, login_s, 0, client_cpu_us () - c0, extra);
}

static gboolean
offline_sent_done (void)
{
  return B.sent_acks >= B.messages;
}

static void
workload_offline (void)
{
  gint64 s0, c0, t0;
  double secs;
  guint64 backlog = 0;
  guint per_sender = B.messages / B.senders;
  g_autofree char *extra = NULL;

  B.messages = per_sender * B.senders;
  login_range (0, B.senders);

  s0 = server_cpu_us ();
  c0 = client_cpu_us ();
  t0 = now_ns ();
  for (guint i = 0; i < B.senders; i++)
    {
      Conn *c = &B.conns[i];

      c->to_send = per_sender;
      for (guint w = 0; w < B.window && c->to_send > 0; w++)
        {
          c->to_send--;
          c->unacked++;
          send_message (c, B.senders + (guint) ((c->index + c->next_id) % B.recipients));
        }
    }
  if (!run_loop (offline_sent_done, NULL, 300))
    g_printerr ("bench: only %" G_GUINT64_FORMAT " of %u sent\n", B.sent_acks, B.messages);
  secs = (double) (now_ns () - t0) / 1e9;
  extra = g_strdup_printf ("senders=%u window=%u errors=%" G_GUINT64_FORMAT, B.senders, B.window, B.errors);
  print_row ("offline-store", B.senders, B.sent_acks, secs, server_cpu_us () - s0,
             client_cpu_us () - c0, extra);

  /* Drain: the recipients log in and receive their backlog before synced. */
  s0 = server_cpu_us ();
  c0 = client_cpu_us ();
  t0 = now_ns ();
  login_range (B.senders, B.senders + B.recipients);
  secs = (double) (now_ns () - t0) / 1e9;
  for (guint i = B.senders; i < B.senders + B.recipients; i++)
    backlog += B.conns[i].backlog;
  g_clear_pointer (&extra, g_free);
  extra = g_strdup_printf ("recipients=%u undelivered=%" G_GINT64_FORMAT, B.recipients,
                           (gint64) B.sent_acks - (gint64) backlog);
  print_row ("offline-drain", B.recipients, backlog, secs, server_cpu_us () - s0,
             client_cpu_us () - c0, extra);
}

static gboolean
all_closed (void)
{
  for (guint i = 0; i < B.users; i++)
    if (B.conns[i].state != ST_CLOSED && B.conns[i].state != ST_IDLE)
      return FALSE;
  return TRUE;
}

/* All connected; the server stops (SIGTERM from here) and run-bench.sh
 * starts it again on the same data directory and port, then writes the
 * new pid to --restart-file.  Every client reconnects at once, --parallel
 * connects in progress at a time, failed ones again (as clients retry). */
static void
workload_storm (void)
{
  g_autofree char *extra = NULL;
  g_autofree char *contents = NULL;
  gint64 t_kill, t_down, t_up, s0, c0, rss;
  guint before;
  double login_s, relogin_s;

  if (B.restart_file == NULL || B.server_pid <= 0)
    g_error ("storm needs --restart-file and --server-pid");
  login_s = login_range (0, B.users);
  g_printerr ("bench: %u users logged in with tokens in %.2f s\n", B.logins_done, login_s);
  run_loop (never_done, NULL, 1.0);
  rss = server_rss_kb ();

  B.quiet_close = TRUE;
  t_kill = now_ns ();
  kill (B.server_pid, SIGTERM);
  if (!run_loop (all_closed, NULL, 60))
    g_printerr ("bench: connections still open 60 s after SIGTERM\n");
  t_down = now_ns ();
  while (!g_file_get_contents (B.restart_file, &contents, NULL, NULL) || atoi (contents) <= 0)
    {
      g_clear_pointer (&contents, g_free);
      if (now_ns () - t_down > 120 * G_GINT64_CONSTANT (1000000000))
        g_error ("storm: no restarted server after 120 s");
      g_usleep (10000);
    }
  B.server_pid = atoi (contents);
  t_up = now_ns ();

  for (guint i = 0; i < B.users; i++)
    {
      B.conns[i].state = ST_IDLE;
      B.conns[i].attempts = 0;
    }
  B.retry = TRUE;
  B.connect_failures = 0;
  before = B.logins_done;
  s0 = server_cpu_us ();
  c0 = client_cpu_us ();
  relogin_s = login_range (0, B.users);
  extra = g_strdup_printf ("down_s=%.2f restart_s=%.2f relogin_s=%.2f srv_us_per_login=%.0f"
                           " retries=%u failures=%u rss_kb=%" G_GINT64_FORMAT " login_s=%.2f",
                           (double) (t_down - t_kill) / 1e9, (double) (t_up - t_down) / 1e9, relogin_s,
                           (double) (server_cpu_us () - s0) / MAX (B.logins_done - before, 1),
                           B.retries, B.connect_failures, rss, login_s);
  print_row (B.label ? B.label : "storm", B.logins_done - before, 0, relogin_s, 0,
             client_cpu_us () - c0, extra);
}

/* Members of one department post to its room, open loop at --rate
 * messages/s in total; every other member receives each one. */
static void
workload_fanout (void)
{
  g_autofree char *extra = NULL;
  guint members = 0;
  gint64 s0, c0, t0;
  guint64 d0, sends0, deliveries, sent;
  double secs, login_s;

  login_s = login_range (0, B.users);
  for (guint i = 0; i < B.users; i++)
    if (B.conns[i].state == ST_READY && B.conns[i].in_group)
      members++;
  if (B.group_id == NULL || members < 2)
    {
      g_printerr ("bench: no room of department \"%s\" with 2 or more members online\n", B.group_name);
      exit (1);
    }
  g_printerr ("bench: %u members of %s logged in in %.2f s\n", members, B.group_id, login_s);
  B.expect_per_send = members - 1;
  if (B.rate <= 0)
    B.rate = 20;

  B.record = FALSE;
  open_t0 = now_ns ();
  run_loop (never_done, open_loop_tick, 1.0);
  B.record = TRUE;
  g_array_set_size (B.lat_ns, 0);
  s0 = server_cpu_us ();
  c0 = client_cpu_us ();
  t0 = now_ns ();
  d0 = B.delivered;
  sends0 = B.sends;
  run_loop (never_done, open_loop_tick, B.duration);
  secs = (double) (now_ns () - t0) / 1e9;
  {
    gint64 srv = server_cpu_us () - s0;
    gint64 cli = client_cpu_us () - c0;

    deliveries = B.delivered - d0;
    sent = B.sends - sends0;
    B.stop_sending = TRUE;
    run_loop (all_delivered, NULL, 30);
    extra = g_strdup_printf ("members=%u sent=%" G_GUINT64_FORMAT " send_rate=%.1f undelivered=%"
                             G_GINT64_FORMAT " errors=%" G_GUINT64_FORMAT " login_s=%.2f",
                             members, sent, (double) sent / secs,
                             (gint64) (B.sends * B.expect_per_send) - (gint64) B.delivered, B.errors,
                             login_s);
    print_row (B.label ? B.label : "fanout", members, deliveries, secs, srv, cli, extra);
  }
}

static gboolean
views_settled (void)
{
  for (guint i = 0; i < B.users; i++)
    if (B.conns[i].state == ST_READY && B.conns[i].view_count != B.users)
      return FALSE;
  return TRUE;
}

/* Users log in spread over --spread seconds and stay; each client keeps
 * the view of who is online that the frames it received give it. */
static void
workload_presence (void)
{
  g_autofree char *extra = NULL;
  gint64 s0, c0, t0, t_logged;
  guint ok = 0, bad = 0;
  double login_s, secs;
  gboolean settled;

  B.view_bytes = (B.users + 7) / 8;
  for (guint i = 0; i < B.users; i++)
    B.conns[i].view = g_malloc0 (B.view_bytes);
  s0 = server_cpu_us ();
  c0 = client_cpu_us ();
  t0 = now_ns ();
  login_s = login_range (0, B.users);
  t_logged = now_ns ();
  /* Deltas may be coalesced (250 ms): give the last ones time. */
  settled = run_loop (views_settled, NULL, 30);
  secs = (double) (now_ns () - t0) / 1e9;
  for (guint i = 0; i < B.users; i++)
    {
      if (B.conns[i].state != ST_READY)
        continue;
      if (B.conns[i].view_count == B.users)
        ok++;
      else
        {
          if (bad++ < 5)
            g_printerr ("bench: user %u believes %u of %u online\n", i, B.conns[i].view_count, B.users);
        }
    }
  extra = g_strdup_printf ("spread=%.1f login_s=%.2f settle_s=%.2f settled=%s view_ok=%u view_bad=%u"
                           " presence_frames=%" G_GUINT64_FORMAT " presence_bytes=%" G_GUINT64_FORMAT
                           " frames_per_client=%.1f bytes_per_client=%.0f dir_bytes_per_client=%.0f"
                           " srv_ms=%.0f srv_us_per_login=%.0f failures=%u",
                           B.spread, login_s, (double) (now_ns () - t_logged) / 1e9,
                           settled ? "yes" : "no", ok, bad, B.presence_frames, B.presence_bytes,
                           (double) B.presence_frames / MAX (B.logins_done, 1),
                           (double) B.presence_bytes / MAX (B.logins_done, 1),
                           (double) B.directory_bytes / MAX (B.logins_done, 1),
                           (double) (server_cpu_us () - s0) / 1e3,
                           (double) (server_cpu_us () - s0) / MAX (B.logins_done, 1), B.connect_failures);
  print_row (B.label ? B.label : "presence", B.logins_done, B.presence_frames, secs,
             server_cpu_us () - s0, client_cpu_us () - c0, extra);
}

static gboolean
push_done (void)
{
  return B.http_done >= B.requests && B.delivered >= B.sends;
}

/* Reminders over the HTTP API to connected users: --requests POSTs of
 * --push-batch recipients each, over --http-conns keep-alive
 * connections; latency POST -> "reminder" frame. */
static void
workload_push (void)
{
  g_autofree char *extra = NULL;
  gint64 s0, c0, t0, srv;
  double login_s, secs;
  guint nconns = MAX (1, MIN (B.http_conns, B.requests));

  if (B.api_key == NULL)
    g_error ("push needs --api-key");
  login_s = login_range (0, B.users);
  g_printerr ("bench: %u users logged in with tokens in %.2f s\n", B.logins_done, login_s);
  B.http = g_new0 (HttpConn, nconns);
  for (guint i = 0; i < nconns; i++)
    http_open (&B.http[i]);
  run_loop (never_done, NULL, 0.5);

  B.record = TRUE;
  g_array_set_size (B.lat_ns, 0);
  B.delivered = 0;
  B.sends = 0;
  s0 = server_cpu_us ();
  c0 = client_cpu_us ();
  t0 = now_ns ();
  for (guint i = 0; i < nconns && B.http_next < B.requests; i++)
    http_issue (&B.http[i]);
  if (!run_loop (push_done, NULL, 120))
    g_printerr ("bench: push: %u of %u answers, %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                " reminders after 120 s\n", B.http_done, B.requests, B.delivered, B.sends);
  srv = server_cpu_us () - s0;
  secs = (double) (MAX (B.t_last_delivery, B.http_t_last) - t0) / 1e9;
  extra = g_strdup_printf ("requests=%u batch=%u http_conns=%u req_rate=%.1f http_errors=%u"
                           " undelivered=%" G_GINT64_FORMAT " login_s=%.2f",
                           B.requests, MIN (B.push_batch, B.users), nconns,
                           (double) B.http_done * 1e9 / (double) MAX (B.http_t_last - t0, 1),
                           B.http_errors, (gint64) B.sends - (gint64) B.delivered, login_s);
  print_row (B.label ? B.label : "push", B.logins_done, B.delivered, secs, srv,
             client_cpu_us () - c0, extra);
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- load generator for tidingsd");
  g_autoptr(GError) error = NULL;
  int payload = 60;
  const GOptionEntry entries[] = {
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &B.mode, "login, relay, idle, offline, storm, fanout, presence or push", "MODE" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &B.port, "Server port on 127.0.0.1", "PORT" },
    { "users", 'n', 0, G_OPTION_ARG_INT, &B.users, "Number of users (default 1000)", "N" },
    { "prefix", 0, 0, G_OPTION_ARG_STRING, &B.prefix, "Login prefix (default \"u\": u00000...)", "P" },
    { "password", 0, 0, G_OPTION_ARG_STRING, &B.password, "Password for password logins", "PW" },
    { "tokens", 't', 0, G_OPTION_ARG_FILENAME, &B.tokens_path, "Token file (written by login)", "FILE" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &B.server_pid, "tidingsd pid, for CPU and RSS", "PID" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &B.duration, "Measured seconds (relay, default 10)", "S" },
    { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &B.rate, "Open loop at this many msg/s in total", "R" },
    { "senders", 0, 0, G_OPTION_ARG_INT, &B.senders, "offline: senders (default 100)", "N" },
    { "recipients", 0, 0, G_OPTION_ARG_INT, &B.recipients, "offline: recipients (default 100)", "N" },
    { "messages", 0, 0, G_OPTION_ARG_INT, &B.messages, "offline: messages (default 20000)", "N" },
    { "window", 0, 0, G_OPTION_ARG_INT, &B.window, "offline: sends in flight per sender (default 16)", "N" },
    { "parallel", 0, 0, G_OPTION_ARG_INT, &B.login_parallel, "Logins in progress at once", "N" },
    { "ack-every", 0, 0, G_OPTION_ARG_INT, &B.ack_every, "Ack after this many messages (default 1; 0 = never)", "N" },
    { "payload", 0, 0, G_OPTION_ARG_INT, &payload, "Padding bytes in each text (default 60)", "N" },
    { "label", 0, 0, G_OPTION_ARG_STRING, &B.label, "Row name", "NAME" },
    { "spread", 0, 0, G_OPTION_ARG_DOUBLE, &B.spread, "presence: log users in over S seconds", "S" },
    { "restart-file", 0, 0, G_OPTION_ARG_FILENAME, &B.restart_file, "storm: file with the restarted server's pid", "FILE" },
    { "group", 0, 0, G_OPTION_ARG_STRING, &B.group_name, "fanout: department whose room is used (default Fanout)", "NAME" },
    { "api-key", 0, 0, G_OPTION_ARG_STRING, &B.api_key, "push: API key with scope reminders", "KEY" },
    { "push-batch", 0, 0, G_OPTION_ARG_INT, &B.push_batch, "push: recipients per request (default 1)", "N" },
    { "requests", 0, 0, G_OPTION_ARG_INT, &B.requests, "push: requests (default 1000)", "N" },
    { "http-conns", 0, 0, G_OPTION_ARG_INT, &B.http_conns, "push: HTTP connections (default 4)", "N" },
    { NULL }
  };
  struct rlimit rl;

  B.users = 1000;
  B.duration = 10;
  B.senders = 100;
  B.recipients = 100;
  B.messages = 20000;
  B.window = 16;
  B.ack_every = 1;
  B.push_batch = 1;
  B.requests = 1000;
  B.http_conns = 4;
  B.expect_per_send = 1;
  g_queue_init (&B.retry_queue);
  B.rng = 2463534242u;
  B.run_tag = (guint32) g_get_real_time ();
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("tidings-bench: %s\n", error->message);
      return 2;
    }
  if (B.mode == NULL || B.port <= 0)
    {
      g_printerr ("tidings-bench: --mode and --port are required\n");
      return 2;
    }
  if (B.prefix == NULL)
    B.prefix = g_strdup ("u");
  if (g_str_equal (B.mode, "fanout") && B.group_name == NULL)
    B.group_name = g_strdup ("Fanout");
  if (B.password == NULL)
    B.password = g_strdup ("bench password");
  payload = CLAMP (payload, 0, (int) sizeof B.padding - 1);
  memset (B.padding, 'x', (gsize) payload);

  getrlimit (RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit (RLIMIT_NOFILE, &rl);

  B.epfd = epoll_create1 (EPOLL_CLOEXEC);
  B.conns = g_new0 (Conn, B.users);
  for (guint i = 0; i < B.users; i++)
    {
      B.conns[i].index = i;
      B.conns[i].fd = -1;
    }
  B.lat_ns = g_array_sized_new (FALSE, FALSE, sizeof (guint64), 1 << 20);
  load_tokens ();

  if (g_str_equal (B.mode, "login"))
    {
      double secs;

      guint have = 0;

      if (B.login_parallel == 0)
        B.login_parallel = 4;
      for (guint i = 0; i < B.users; i++)
        have += B.tokens[i] != NULL;
      B.close_after_login = TRUE;
      /* A login that waited too long for the server's hashing pool (its
       * auth timeout is 10 s) is tried again. */
      B.retry = TRUE;
      B.quiet_close = TRUE;
      secs = login_range (0, B.users);
      g_printerr ("bench: %u password logins in %.2f s (%u users had a token)\n", B.logins_done, secs, have);
      if (B.tokens_path != NULL)
        save_tokens ();
      return B.logins_done + have == B.users ? 0 : 1;
    }
  if (B.login_parallel == 0)
    B.login_parallel = 256;
  for (guint i = 0; i < B.users; i++)
    if (B.tokens[i] == NULL)
      {
        g_printerr ("tidings-bench: no token for user %u; run --mode login first\n", i);
        return 2;
      }
  if (g_str_equal (B.mode, "relay"))
    workload_relay ();
  else if (g_str_equal (B.mode, "idle"))
    workload_idle ();
  else if (g_str_equal (B.mode, "storm"))
    workload_storm ();
  else if (g_str_equal (B.mode, "fanout"))
    workload_fanout ();
  else if (g_str_equal (B.mode, "presence"))
    workload_presence ();
  else if (g_str_equal (B.mode, "push"))
    workload_push ();
  else if (g_str_equal (B.mode, "offline"))
    {
      if (B.senders + B.recipients > B.users || B.senders == 0 || B.recipients == 0)
        {
          g_printerr ("tidings-bench: offline needs senders + recipients <= users\n");
          return 2;
        }
      workload_offline ();
    }
  else
    {
      g_printerr ("tidings-bench: unknown mode %s\n", B.mode);
      return 2;
    }
  return 0;
}
