/* bare-relay.c - the yardstick for tidings-bench: a relay with nothing but
 * epoll, wslay and substring matching.
 *
 * It accepts the same WebSocket connections as tidingsd and answers the
 * subset of the protocol tidings-bench uses (auth -> welcome + synced,
 * send -> sent + message to the recipient, ack ignored), with no store, no
 * JSON library, no directory and no presence.  A token is taken to be the
 * user's login.  Comparing tidingsd's figures with this one's says how much
 * of a message's cost is the server's own work rather than the kernel's.
 *
 *   bare-relay PORT-FILE      (listens on 127.0.0.1, kernel-chosen port)
 */
#define G_LOG_DOMAIN "bare-relay"
#define _GNU_SOURCE /* accept4 */

#include <glib.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wslay/wslay.h>

typedef struct {
  int                     fd;
  wslay_event_context_ptr ws;    /* NULL until the handshake is done */
  guint32                 events;
  char                    hbuf[4096];
  gsize                   hlen;
  char                   *login;
  gint64                  seq;
} Peer;

static int epfd;
static GHashTable *by_login;     /* login -> Peer* */
static gint64 next_mid = 1;

static void
update_events (Peer *p)
{
  guint32 want = EPOLLIN;
  struct epoll_event ev = { 0 };

  if (p->ws != NULL && wslay_event_want_write (p->ws))
    want |= EPOLLOUT;
  if (want == p->events)
    return;
  ev.events = want;
  ev.data.ptr = p;
  epoll_ctl (epfd, EPOLL_CTL_MOD, p->fd, &ev);
  p->events = want;
}

static void
peer_free (Peer *p)
{
  if (p->login != NULL && g_hash_table_lookup (by_login, p->login) == p)
    g_hash_table_remove (by_login, p->login);
  epoll_ctl (epfd, EPOLL_CTL_DEL, p->fd, NULL);
  close (p->fd);
  g_clear_pointer (&p->ws, wslay_event_context_free);
  g_free (p->login);
  g_free (p);
}

static void
queue_text (Peer *p, const char *text, gsize len)
{
  struct wslay_event_msg msg = { WSLAY_TEXT_FRAME, (const uint8_t *) text, len };

  wslay_event_queue_msg (p->ws, &msg);
}

static ssize_t
recv_cb (wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user_data)
{
  Peer *p = user_data;
  ssize_t n = read (p->fd, buf, len);

  if (n > 0)
    return n;
  wslay_event_set_error (ctx, n < 0 && errno == EAGAIN ? WSLAY_ERR_WOULDBLOCK
                                                       : WSLAY_ERR_CALLBACK_FAILURE);
  return -1;
}

static ssize_t
send_cb (wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user_data)
{
  Peer *p = user_data;
  ssize_t n = send (p->fd, data, len, MSG_NOSIGNAL);

  if (n >= 0)
    return n;
  wslay_event_set_error (ctx, errno == EAGAIN ? WSLAY_ERR_WOULDBLOCK : WSLAY_ERR_CALLBACK_FAILURE);
  return -1;
}

/* Copies the string value of @key (no escapes expected from the bench). */
static char *
string_member (const char *data, gsize len, const char *key)
{
  const char *p = g_strstr_len (data, (gssize) len, key);
  const char *end;

  if (p == NULL)
    return NULL;
  p += strlen (key);
  end = memchr (p, '"', len - (gsize) (p - data));
  return end ? g_strndup (p, (gsize) (end - p)) : NULL;
}

static void
flush_peer (Peer *p)
{
  if (wslay_event_want_write (p->ws))
    wslay_event_send (p->ws);
  update_events (p);
}

static void
handle_auth (Peer *p, const char *data, gsize len)
{
  g_autofree char *login = string_member (data, len, "\"token\":\"");
  g_autofree char *text = NULL;

  if (login == NULL)
    login = string_member (data, len, "\"user\":\"");
  if (login == NULL)
    return;
  p->login = g_strdup (login);
  g_hash_table_insert (by_login, p->login, p);
  text = g_strdup_printf ("{\"type\":\"welcome\",\"protocol\":1,\"self\":{\"login\":\"%s\"},"
                          "\"token\":\"%s\",\"token_expires\":0,\"last_seq\":%" G_GINT64_FORMAT "}",
                          login, login, p->seq);
  queue_text (p, text, strlen (text));
  g_clear_pointer (&text, g_free);
  text = g_strdup_printf ("{\"type\":\"synced\",\"seq\":%" G_GINT64_FORMAT "}", p->seq);
  queue_text (p, text, strlen (text));
}

static void
handle_send (Peer *p, const char *data, gsize len)
{
  g_autofree char *id = string_member (data, len, "\"id\":\"");
  g_autofree char *to = string_member (data, len, "\"to\":\"");
  g_autofree char *body = string_member (data, len, "\"text\":\"");
  g_autofree char *frame = NULL;
  Peer *target;
  gint64 mid = next_mid++;
  gint64 now = g_get_real_time () / 1000;

  if (id == NULL || to == NULL || body == NULL || p->login == NULL)
    return;
  p->seq++;
  frame = g_strdup_printf ("{\"type\":\"sent\",\"message\":{\"mid\":%" G_GINT64_FORMAT ",\"seq\":%"
                           G_GINT64_FORMAT ",\"id\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"text\":\"%s\","
                           "\"time\":%" G_GINT64_FORMAT "},\"duplicate\":false}",
                           mid, p->seq, id, p->login, to, body, now);
  queue_text (p, frame, strlen (frame));
  target = g_hash_table_lookup (by_login, to);
  if (target == NULL || target->ws == NULL)
    return;
  target->seq++;
  g_clear_pointer (&frame, g_free);
  frame = g_strdup_printf ("{\"type\":\"message\",\"message\":{\"mid\":%" G_GINT64_FORMAT ",\"seq\":%"
                           G_GINT64_FORMAT ",\"id\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",\"text\":\"%s\","
                           "\"time\":%" G_GINT64_FORMAT "}}",
                           mid, target->seq, id, p->login, to, body, now);
  queue_text (target, frame, strlen (frame));
  if (target != p)
    flush_peer (target);
}

static void
msg_cb (wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user_data)
{
  Peer *p = user_data;
  const char *data = (const char *) arg->msg;

  if (arg->opcode != WSLAY_TEXT_FRAME || arg->msg_length < 12)
    return;
  if (strncmp (data, "{\"type\":\"send\"", 14) == 0)
    handle_send (p, data, arg->msg_length);
  else if (strncmp (data, "{\"type\":\"auth\"", 14) == 0)
    handle_auth (p, data, arg->msg_length);
}

static const struct wslay_event_callbacks callbacks = {
  recv_cb, send_cb, NULL, NULL, NULL, NULL, msg_cb,
};

static gboolean
handshake (Peer *p)
{
  static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  ssize_t n = read (p->fd, p->hbuf + p->hlen, sizeof p->hbuf - 1 - p->hlen);
  g_autofree char *key = NULL;
  g_autofree char *accept = NULL;
  g_autofree char *reply = NULL;
  g_autoptr(GChecksum) sha1 = NULL;
  guint8 digest[20];
  gsize digest_len = sizeof digest;

  if (n <= 0)
    return n < 0 && errno == EAGAIN;
  p->hlen += (gsize) n;
  p->hbuf[p->hlen] = '\0';
  if (strstr (p->hbuf, "\r\n\r\n") == NULL)
    return p->hlen < sizeof p->hbuf - 1;
  {
    const char *k = strstr (p->hbuf, "Sec-WebSocket-Key: ");
    const char *end = k ? strstr (k, "\r\n") : NULL;

    if (end == NULL)
      return FALSE;
    k += strlen ("Sec-WebSocket-Key: ");
    key = g_strndup (k, (gsize) (end - k));
  }
  sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_checksum_update (sha1, (const guchar *) key, (gssize) strlen (key));
  g_checksum_update (sha1, (const guchar *) guid, (gssize) strlen (guid));
  g_checksum_get_digest (sha1, digest, &digest_len);
  accept = g_base64_encode (digest, digest_len);
  reply = g_strdup_printf ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"
                           "Sec-WebSocket-Protocol: tidings.v1\r\n\r\n", accept);
  if (write (p->fd, reply, strlen (reply)) != (ssize_t) strlen (reply))
    return FALSE;
  /* The bench sends nothing before it has read the 101. */
  wslay_event_context_server_init (&p->ws, &callbacks, p);
  wslay_event_config_set_max_recv_msg_length (p->ws, 64 * 1024);
  return TRUE;
}

int
main (int argc, char **argv)
{
  struct sockaddr_in sa = { 0 };
  socklen_t salen = sizeof sa;
  struct epoll_event ev = { 0 };
  struct epoll_event events[256];
  int lfd, one = 1;
  g_autofree char *port = NULL;

  if (argc != 2)
    {
      g_printerr ("usage: bare-relay PORT-FILE\n");
      return 2;
    }
  by_login = g_hash_table_new (g_str_hash, g_str_equal);
  lfd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  setsockopt (lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (bind (lfd, (struct sockaddr *) &sa, sizeof sa) < 0 || listen (lfd, 4096) < 0)
    g_error ("listen: %s", g_strerror (errno));
  getsockname (lfd, (struct sockaddr *) &sa, &salen);
  port = g_strdup_printf ("%u\n", ntohs (sa.sin_port));
  if (!g_file_set_contents (argv[1], port, -1, NULL))
    g_error ("cannot write %s", argv[1]);

  epfd = epoll_create1 (EPOLL_CLOEXEC);
  ev.events = EPOLLIN;
  ev.data.ptr = NULL;
  epoll_ctl (epfd, EPOLL_CTL_ADD, lfd, &ev);

  for (;;)
    {
      int n = epoll_wait (epfd, events, G_N_ELEMENTS (events), -1);

      for (int i = 0; i < n; i++)
        {
          Peer *p = events[i].data.ptr;

          if (p == NULL)
            {
              int fd;

              while ((fd = accept4 (lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0)
                {
                  Peer *np = g_new0 (Peer, 1);

                  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                  np->fd = fd;
                  np->events = EPOLLIN;
                  ev.events = EPOLLIN;
                  ev.data.ptr = np;
                  epoll_ctl (epfd, EPOLL_CTL_ADD, fd, &ev);
                }
              continue;
            }
          if (p->ws == NULL)
            {
              if (!handshake (p))
                peer_free (p);
              continue;
            }
          if ((events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && wslay_event_recv (p->ws) != 0)
            {
              peer_free (p);
              continue;
            }
          flush_peer (p);
        }
    }
  return 0;
}
