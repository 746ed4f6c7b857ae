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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <wslay/wslay.h>

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
} Conn;

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

  /* state */
  int         epfd;
  Conn       *conns;
  char      **tokens;        /* per user, or NULL */
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
      if (c->state != ST_CLOSED)
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

  if (B.tokens != NULL && B.tokens[c->index] != NULL)
    text = g_strdup_printf ("{\"type\":\"auth\",\"protocol\":1,\"device\":\"bench\","
                            "\"client\":\"tidings-bench\",\"token\":\"%s\"}",
                            B.tokens[c->index]);
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

static void
send_message (Conn *c, guint to)
{
  g_autofree char *login = user_login (to);
  char text[512];
  int len;

  len = g_snprintf (text, sizeof text,
                    "{\"type\":\"send\",\"id\":\"m%x-%" G_GUINT64_FORMAT "\",\"to\":\"%s\","
                    "\"text\":\"b%" G_GINT64_FORMAT " %s\"}",
                    B.run_tag, c->next_id++, login, now_ns (), B.padding);
  B.sends++;
  send_text (c, text, (gsize) len);
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
  B.delivered++;
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

static void
handle_frame (Conn *c, const char *data, gsize len)
{
  if (len < 16 || strncmp (data, "{\"type\":\"", 9) != 0)
    {
      B.other_frames++;
      return;
    }
  data += 9;
  len -= 9;
  if (strncmp (data, "message\"", 8) == 0)
    handle_message (c, data, len);
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
  else if (strncmp (data, "presence\"", 9) == 0 || strncmp (data, "directory\"", 10) == 0)
    B.other_frames++;
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
        handle_event (events[i].data.ptr, events[i].events);
    }
  return TRUE;
}

/* ---- logins ---- */

static guint login_first, login_last, login_next;

static void
login_tick (void)
{
  while (login_next < login_last && B.logins_pending < B.login_parallel)
    conn_start (&B.conns[login_next++]);
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
  return login_next == login_last && B.logins_pending == 0;
}

/* Connects and logs in users [first, last); returns seconds taken. */
static double
login_range (guint first, guint last)
{
  gint64 t0 = now_ns ();
  guint before = B.logins_done;

  login_first = first;
  login_last = last;
  login_next = first;
  if (!run_loop (login_done, login_tick, 600))
    g_printerr ("bench: logins timed out (%u of %u done)\n", B.logins_done - before, last - first);
  if (B.logins_done - before != last - first)
    g_printerr ("bench: %u of %u logins failed\n", last - first - (B.logins_done - before), last - first);
  return (double) (now_ns () - t0) / 1e9;
}

static void
load_tokens (void)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;

  B.tokens = g_new0 (char *, B.users + 1);
  if (B.tokens_path == NULL || !g_file_get_contents (B.tokens_path, &contents, NULL, NULL))
    return;
  lines = g_strsplit (contents, "\n", 0);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], " ", 2);

      if (g_strv_length (f) == 2 && g_str_has_prefix (f[0], B.prefix))
        {
          guint64 idx = g_ascii_strtoull (f[0] + strlen (B.prefix), NULL, 10);

          if (idx < B.users)
            B.tokens[idx] = g_strdup (f[1]);
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
        g_string_append_printf (out, "%s %s\n", login, B.tokens[i]);
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
      if (c->state == ST_READY)
        send_message (c, c->peer);
    }
}

static gboolean
all_delivered (void)
{
  return B.delivered >= B.sends;
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
  run_loop (never_done, NULL, 1.0);
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

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- load generator for tidingsd");
  g_autoptr(GError) error = NULL;
  int payload = 60;
  const GOptionEntry entries[] = {
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &B.mode, "login, relay, idle or offline", "MODE" },
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

      if (B.login_parallel == 0)
        B.login_parallel = 4;
      B.close_after_login = TRUE;
      secs = login_range (0, B.users);
      g_printerr ("bench: %u password logins in %.2f s\n", B.logins_done, secs);
      if (B.tokens_path != NULL)
        save_tokens ();
      return B.logins_done == B.users ? 0 : 1;
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
