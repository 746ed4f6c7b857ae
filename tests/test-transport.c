/* test-transport.c - the WebSocket data path (TdTransport) against raw TCP
 * clients that build frames by hand, Autobahn-style: handshake, echo,
 * fragmentation, limits, protocol errors and their close codes, slow
 * readers, many connections and shutdown.
 *
 * Server and clients run on this thread: a client never blocks, and every
 * wait iterates the default main context with a deadline.
 */
#define G_LOG_DOMAIN "td-test-transport"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <libsoup/soup.h>

#include "td-proto.h"
#include "td-transport.h"

#define MAX_MESSAGE   (64 * 1024)
#define WAIT_MS       10000

/* Fixture: a SoupServer on 127.0.0.1:0 with a transport that echoes. */

typedef struct {
  gboolean closed;
  gushort  code;
  guint    n_closed;
} ConnRecord;

typedef struct {
  SoupServer  *server;
  TdTransport *transport;
  guint16      port;
  GPtrArray   *records;      /* ConnRecord, kept until teardown */
  TdConn      *last_opened;
  guint        n_opened;
  guint        n_closed;
  guint        n_text;
  gushort      last_code;
  gboolean     echo;
} Fixture;

typedef struct {
  GSocket    *sock;
  GByteArray *in;
  gboolean    eof;
  ConnRecord *rec;               /* the server side, once open */
} Client;

static void
opened_cb (TdConn *conn, gpointer user_data)
{
  Fixture *fx = user_data;
  ConnRecord *rec = g_new0 (ConnRecord, 1);

  g_ptr_array_add (fx->records, rec);
  td_conn_set_user_data (conn, rec);
  fx->last_opened = conn;
  fx->n_opened++;
  g_assert_nonnull (td_conn_get_peer (conn));
  g_assert_true (g_str_has_prefix (td_conn_get_peer (conn), "127.0.0.1:"));
}

static void
text_cb (TdConn *conn, const char *data, gsize len, gpointer user_data)
{
  Fixture *fx = user_data;

  fx->n_text++;
  if (len == 8 && memcmp (data, "close-me", 8) == 0)
    {
      /* Closing from inside ->text, then sending: must be harmless. */
      td_conn_close (conn, 4000, "asked to");
      td_conn_send_text (conn, "late", 4);
      return;
    }
  if (fx->echo)
    td_conn_send_text (conn, data, len);
}

static void
closed_cb (TdConn *conn, gushort code, gpointer user_data)
{
  Fixture *fx = user_data;
  ConnRecord *rec = td_conn_get_user_data (conn);

  g_assert_nonnull (rec);
  g_assert_false (rec->closed);
  rec->closed = TRUE;
  rec->code = code;
  rec->n_closed++;
  fx->n_closed++;
  fx->last_code = code;
  if (fx->last_opened == conn)
    fx->last_opened = NULL;
  /* Sending to a closed conn does nothing. */
  td_conn_send_text (conn, "x", 1);
}

static const TdTransportCallbacks callbacks = { opened_cb, text_cb, closed_cb };

static void
fixture_setup_with (Fixture *fx, gsize max_outgoing)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  fx->records = g_ptr_array_new_with_free_func (g_free);
  fx->echo = TRUE;
  fx->server = soup_server_new (NULL, NULL);
  fx->transport = td_transport_new (&callbacks, fx, MAX_MESSAGE, max_outgoing);
  td_transport_attach (fx->transport, fx->server, TD_PROTO_WS_PATH);
  soup_server_listen_local (fx->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fx->server);
  g_assert_nonnull (uris);
  fx->port = g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

static void
fixture_setup (Fixture *fx, gconstpointer data)
{
  fixture_setup_with (fx, 1024 * 1024);
}

static void
fixture_setup_small_queue (Fixture *fx, gconstpointer data)
{
  fixture_setup_with (fx, 64 * 1024);
}

static void
fixture_teardown (Fixture *fx, gconstpointer data)
{
  guint i;

  td_transport_shutdown (fx->transport);
  g_assert_cmpuint (td_transport_get_n_connections (fx->transport), ==, 0);
  soup_server_disconnect (fx->server);
  g_clear_object (&fx->transport);
  g_clear_object (&fx->server);
  /* ->closed exactly once for every connection that was opened. */
  for (i = 0; i < fx->records->len; i++)
    {
      ConnRecord *rec = g_ptr_array_index (fx->records, i);

      g_assert_cmpuint (rec->n_closed, ==, 1);
    }
  g_ptr_array_unref (fx->records);
}

/* Client side: raw non-blocking TCP. */

static void
pump (void)
{
  if (!g_main_context_iteration (NULL, FALSE))
    g_usleep (200);
}

static void
client_read_some (Client *cl)
{
  guint8 buf[16384];
  int i;

  for (i = 0; i < 64 && !cl->eof; i++)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (cl->sock, (char *) buf, sizeof buf, NULL, &error);

      if (n > 0)
        g_byte_array_append (cl->in, buf, n);
      else if (n == 0)
        cl->eof = TRUE;
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return;
      else
        cl->eof = TRUE;   /* reset: what was read before stays in ->in */
    }
}

static Client *
client_new (Fixture *fx, int rcvbuf)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, fx->port);
  Client *cl = g_new0 (Client, 1);

  cl->sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                           G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  if (rcvbuf > 0)
    {
      g_socket_set_option (cl->sock, SOL_SOCKET, SO_RCVBUF, rcvbuf, &error);
      g_assert_no_error (error);
    }
  /* A loopback connect completes in the kernel's backlog. */
  g_socket_connect (cl->sock, addr, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (cl->sock, FALSE);
  cl->in = g_byte_array_new ();
  return cl;
}

static void
client_free (Client *cl)
{
  g_socket_close (cl->sock, NULL);
  g_object_unref (cl->sock);
  g_byte_array_unref (cl->in);
  g_free (cl);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

/* Sends everything, pumping the server while the socket is full.  Stops
 * early (returning FALSE) if the connection broke. */
static gboolean
client_send (Client *cl, const void *data, gsize len)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  gsize off = 0;

  while (off < len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (cl->sock, (const char *) data + off, len - off, NULL, &error);

      if (n > 0)
        {
          off += n;
          continue;
        }
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return FALSE;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      pump ();
      client_read_some (cl);
    }
  return TRUE;
}

static void
client_send_str (Client *cl, const char *s)
{
  g_assert_true (client_send (cl, s, strlen (s)));
}

/* Builds a client frame (masked unless @masked is FALSE). */
static GByteArray *
frame (guint8 opcode, gboolean fin, guint8 rsv, gboolean masked,
       const void *payload, gsize len)
{
  static const guint8 key[4] = { 0x37, 0xfa, 0x21, 0x3d };
  GByteArray *f = g_byte_array_new ();
  guint8 b[14];
  gsize n = 0, i;

  b[n++] = (fin ? 0x80 : 0) | (rsv << 4) | (opcode & 0x0f);
  if (len < 126)
    b[n++] = (masked ? 0x80 : 0) | len;
  else if (len < 65536)
    {
      b[n++] = (masked ? 0x80 : 0) | 126;
      b[n++] = len >> 8;
      b[n++] = len & 0xff;
    }
  else
    {
      b[n++] = (masked ? 0x80 : 0) | 127;
      for (i = 0; i < 8; i++)
        b[n++] = ((guint64) len >> (56 - 8 * i)) & 0xff;
    }
  if (masked)
    {
      memcpy (b + n, key, 4);
      n += 4;
    }
  g_byte_array_append (f, b, n);
  for (i = 0; i < len; i++)
    {
      guint8 c = ((const guint8 *) payload)[i];

      if (masked)
        c ^= key[i % 4];
      g_byte_array_append (f, &c, 1);
    }
  return f;
}

static void
client_send_frame (Client *cl, guint8 opcode, gboolean fin, const char *payload)
{
  g_autoptr(GByteArray) f = frame (opcode, fin, 0, TRUE, payload, strlen (payload));

  g_assert_true (client_send (cl, f->data, f->len));
}

/* Takes one complete server frame off cl->in, if there is one. */
static gboolean
take_frame (Client *cl, guint8 *opcode, gboolean *fin, GBytes **payload)
{
  const guint8 *d = cl->in->data;
  gsize avail = cl->in->len, hdr = 2;
  guint64 len;
  gsize i;

  if (avail < 2)
    return FALSE;
  g_assert_cmpuint (d[1] & 0x80, ==, 0);         /* servers never mask */
  g_assert_cmpuint (d[0] & 0x70, ==, 0);         /* no RSV bits: no extensions */
  len = d[1] & 0x7f;
  if (len == 126)
    {
      if (avail < 4)
        return FALSE;
      len = (d[2] << 8) | d[3];
      hdr = 4;
    }
  else if (len == 127)
    {
      if (avail < 10)
        return FALSE;
      for (len = 0, i = 0; i < 8; i++)
        len = (len << 8) | d[2 + i];
      hdr = 10;
    }
  if (avail < hdr + len)
    return FALSE;
  *opcode = d[0] & 0x0f;
  *fin = (d[0] & 0x80) != 0;
  *payload = g_bytes_new (d + hdr, len);
  g_byte_array_remove_range (cl->in, 0, hdr + len);
  return TRUE;
}

/* Waits for the next frame; FALSE on EOF or timeout. */
static gboolean
client_wait_frame (Client *cl, guint8 *opcode, GBytes **payload)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  gboolean fin;

  for (;;)
    {
      if (take_frame (cl, opcode, &fin, payload))
        {
          g_assert_true (fin);
          return TRUE;
        }
      if (cl->eof || g_get_monotonic_time () > deadline)
        return FALSE;
      pump ();
      client_read_some (cl);
    }
}

static void
client_expect_text (Client *cl, const char *text)
{
  g_autoptr(GBytes) payload = NULL;
  guint8 opcode = 0;
  gsize len;
  const char *data;

  g_assert_true (client_wait_frame (cl, &opcode, &payload));
  g_assert_cmpuint (opcode, ==, 0x1);
  data = g_bytes_get_data (payload, &len);
  g_assert_cmpmem (data, len, text, strlen (text));
}

/* Waits for a close frame (skipping data frames) and returns its code. */
static guint
client_expect_close (Client *cl)
{
  for (;;)
    {
      g_autoptr(GBytes) payload = NULL;
      guint8 opcode = 0;
      const guint8 *d;
      gsize len;

      if (!client_wait_frame (cl, &opcode, &payload))
        return 0;
      if (opcode != 0x8)
        continue;
      d = g_bytes_get_data (payload, &len);
      g_assert_cmpuint (len, >=, 2);
      return (d[0] << 8) | d[1];
    }
}

static gboolean
wait_until (Fixture *fx, gboolean (*cond) (Fixture *fx, gconstpointer data), gconstpointer data)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  while (!cond (fx, data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      pump ();
    }
  return TRUE;
}

static gboolean
n_closed_is (Fixture *fx, gconstpointer data)
{
  return fx->n_closed >= GPOINTER_TO_UINT (data);
}

static gboolean
rec_closed (Fixture *fx, gconstpointer data)
{
  return ((const ConnRecord *) data)->closed;
}

static gboolean
no_connections (Fixture *fx, gconstpointer data)
{
  return td_transport_get_n_connections (fx->transport) == 0;
}

/* Reads the HTTP response head; returns it (status line and headers). */
static char *
client_read_http (Client *cl)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  for (;;)
    {
      const char *end = cl->in->len == 0 ? NULL :
        g_strstr_len ((const char *) cl->in->data, cl->in->len, "\r\n\r\n");

      if (end != NULL)
        {
          gsize head = end + 4 - (const char *) cl->in->data;
          char *text = g_strndup ((const char *) cl->in->data, head);

          g_byte_array_remove_range (cl->in, 0, head);
          return text;
        }
      if (cl->eof)
        return g_strndup ((const char *) cl->in->data, cl->in->len);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      pump ();
      client_read_some (cl);
    }
}

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

static char *
handshake_request (const char *key, const char *extra)
{
  return g_strdup_printf ("GET " TD_PROTO_WS_PATH " HTTP/1.1\r\n"
                          "Host: 127.0.0.1\r\n"
                          "Upgrade: websocket\r\n"
                          "Connection: Upgrade\r\n"
                          "%s%s%s"
                          "Sec-WebSocket-Version: 13\r\n"
                          "%s"
                          "\r\n",
                          key ? "Sec-WebSocket-Key: " : "", key ? key : "", key ? "\r\n" : "",
                          extra ? extra : "Sec-WebSocket-Protocol: " TD_PROTO_SUBPROTOCOL "\r\n");
}

static gboolean
has_header (const char *head, const char *name, const char *value)
{
  g_autofree char *lower = g_ascii_strdown (head, -1);
  g_autofree char *needle = g_ascii_strdown (value ? g_strdup_printf ("%s: %s", name, value)
                                                   : name, -1);

  return strstr (lower, needle) != NULL;
}

static Client *
client_open (Fixture *fx)
{
  g_autofree char *req = handshake_request (KEY, NULL);
  g_autofree char *head = NULL;
  Client *cl = client_new (fx, 0);

  client_send_str (cl, req);
  head = client_read_http (cl);
  g_assert_true (g_str_has_prefix (head, "HTTP/1.1 101"));
  /* libsoup steals the connection right after writing the 101. */
  g_assert_nonnull (fx->last_opened);
  cl->rec = td_conn_get_user_data (fx->last_opened);
  return cl;
}

/* 1. Handshake */

static void
test_handshake (Fixture *fx, gconstpointer data)
{
  struct {
    const char *key;
    const char *extra;
    guint       status;
  } cases[] = {
    { KEY, NULL, 101 },
    { KEY, "Sec-WebSocket-Protocol: " TD_PROTO_SUBPROTOCOL "\r\n"
           "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n", 101 },
    { KEY, "Origin: http://elsewhere.example\r\n", 101 },      /* no origin check, no protocol */
    { NULL, NULL, 400 },
    { "abc", NULL, 400 },
    { KEY, "Sec-WebSocket-Protocol: other.v2\r\n", 400 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *req = handshake_request (cases[i].key, cases[i].extra);
      g_autofree char *head = NULL;
      g_autofree char *status = g_strdup_printf ("HTTP/1.1 %u", cases[i].status);
      g_autoptr(Client) cl = client_new (fx, 0);

      client_send_str (cl, req);
      head = client_read_http (cl);
      g_test_message ("case %u: %.12s", i, head);
      g_assert_true (g_str_has_prefix (head, status));
      if (cases[i].status == 101)
        {
          g_assert_true (has_header (head, "Sec-WebSocket-Accept", ACCEPT));
          g_assert_false (has_header (head, "Sec-WebSocket-Extensions", NULL));
          if (cases[i].extra == NULL || strstr (cases[i].extra, "Protocol") != NULL)
            g_assert_true (has_header (head, "Sec-WebSocket-Protocol", TD_PROTO_SUBPROTOCOL));
        }
    }
  g_assert_cmpuint (fx->n_opened, ==, 3);

  /* A plain GET of the path is not upgraded. */
  {
    g_autoptr(Client) cl = client_new (fx, 0);
    g_autofree char *head = NULL;

    client_send_str (cl, "GET " TD_PROTO_WS_PATH " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    head = client_read_http (cl);
    g_assert_true (g_str_has_prefix (head, "HTTP/1.1 "));
    g_assert_false (g_str_has_prefix (head, "HTTP/1.1 101"));
  }
  g_assert_cmpuint (fx->n_opened, ==, 3);
  g_assert_true (wait_until (fx, no_connections, NULL));
}

/* 2. Echo, fragmentation with an interleaved ping, frames in the
 * handshake's packet. */

static void
test_echo (Fixture *fx, gconstpointer data)
{
  g_autoptr(Client) cl = client_open (fx);
  g_autoptr(GBytes) payload = NULL;
  guint8 opcode = 0;

  client_send_frame (cl, 0x1, TRUE, "hello");
  client_expect_text (cl, "hello");

  client_send_frame (cl, 0x1, FALSE, "frag");
  client_send_frame (cl, 0x0, FALSE, "men");
  client_send_frame (cl, 0x9, TRUE, "ping!");
  client_send_frame (cl, 0x0, TRUE, "ted");
  g_assert_true (client_wait_frame (cl, &opcode, &payload));
  g_assert_cmpuint (opcode, ==, 0xa);
  g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload), "ping!", 5);
  client_expect_text (cl, "fragmented");

  /* Non-ASCII UTF-8 goes through untouched. */
  client_send_frame (cl, 0x1, TRUE, "\xe6\xb6\x88\xe6\x81\xaf");
  client_expect_text (cl, "\xe6\xb6\x88\xe6\x81\xaf");
}

static void
test_handshake_and_frame_together (Fixture *fx, gconstpointer data)
{
  g_autofree char *req = handshake_request (KEY, NULL);
  g_autoptr(GByteArray) all = g_byte_array_new ();
  g_autoptr(GByteArray) f1 = frame (0x1, TRUE, 0, TRUE, "early", 5);
  g_autoptr(GByteArray) f2 = frame (0x1, TRUE, 0, TRUE, "bird", 4);
  g_autoptr(Client) cl = client_new (fx, 0);
  g_autofree char *head = NULL;

  g_byte_array_append (all, (const guint8 *) req, strlen (req));
  g_byte_array_append (all, f1->data, f1->len);
  g_byte_array_append (all, f2->data, f2->len);
  g_assert_true (client_send (cl, all->data, all->len));
  head = client_read_http (cl);
  g_assert_true (g_str_has_prefix (head, "HTTP/1.1 101"));
  client_expect_text (cl, "early");
  client_expect_text (cl, "bird");
}

/* 3. Many messages in one write; one message in 1-byte writes. */

static void
test_batched_and_trickled (Fixture *fx, gconstpointer data)
{
  g_autoptr(Client) cl = client_open (fx);
  g_autoptr(GByteArray) all = g_byte_array_new ();
  g_autoptr(GByteArray) slow = NULL;
  guint i;

  for (i = 0; i < 10; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);
      g_autoptr(GByteArray) f = frame (0x1, TRUE, 0, TRUE, text, strlen (text));

      g_byte_array_append (all, f->data, f->len);
    }
  g_assert_true (client_send (cl, all->data, all->len));
  for (i = 0; i < 10; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);

      client_expect_text (cl, text);
    }

  {
    g_autofree char *text = g_strnfill (173, 'w');   /* needs a 16-bit length */

    slow = frame (0x1, TRUE, 0, TRUE, text, 173);
  }
  for (i = 0; i < slow->len; i++)
    {
      g_assert_true (client_send (cl, slow->data + i, 1));
      pump ();
    }
  g_assert_cmpuint (fx->n_text, ==, 11);
  {
    g_autoptr(GBytes) payload = NULL;
    guint8 opcode = 0;

    g_assert_true (client_wait_frame (cl, &opcode, &payload));
    g_assert_cmpuint (opcode, ==, 0x1);
    g_assert_cmpuint (g_bytes_get_size (payload), ==, 173);
  }
}

/* 4. Limits */

static void
expect_closed_with (Fixture *fx, Client *cl, guint code)
{
  g_assert_cmpuint (client_expect_close (cl), ==, code);
  g_assert_true (wait_until (fx, rec_closed, cl->rec));
  g_assert_cmpuint (cl->rec->code, ==, code);
}

static void
test_oversize (Fixture *fx, gconstpointer data)
{
  gsize big_len = MAX_MESSAGE + 1;
  g_autofree char *big = g_malloc (big_len);
  guint i;

  memset (big, 'a', big_len);

  /* One frame above the limit: refused from its header. */
  {
    g_autoptr(Client) cl = client_open (fx);
    g_autoptr(GByteArray) f = frame (0x1, TRUE, 0, TRUE, big, big_len);

    client_send (cl, f->data, f->len);   /* may break half-way: fine */
    expect_closed_with (fx, cl, 1009);
  }

  /* A message of exactly the limit is fine. */
  {
    g_autoptr(Client) cl = client_open (fx);
    g_autoptr(GByteArray) f = frame (0x1, TRUE, 0, TRUE, big, MAX_MESSAGE);
    g_autoptr(GBytes) payload = NULL;
    guint8 opcode = 0;

    g_assert_true (client_send (cl, f->data, f->len));
    g_assert_true (client_wait_frame (cl, &opcode, &payload));
    g_assert_cmpuint (g_bytes_get_size (payload), ==, MAX_MESSAGE);
  }

  /* Five fragments of 16 KiB: the sum is above the limit. */
  {
    g_autoptr(Client) cl = client_open (fx);
    guint text_before = fx->n_text;

    for (i = 0; i < 5; i++)
      {
        g_autoptr(GByteArray) f = frame (i == 0 ? 0x1 : 0x0, i == 4, 0, TRUE, big, 16 * 1024);

        if (!client_send (cl, f->data, f->len))
          break;
      }
    expect_closed_with (fx, cl, 1009);
    g_assert_cmpuint (fx->n_text, ==, text_before);
  }

  /* 800 continuation frames of 1 KiB: closed long before 800 KiB were
   * reassembled (the server stops reading; the client's writes fail or
   * are never read). */
  {
    g_autoptr(Client) cl = client_open (fx);
    guint text_before = fx->n_text;

    for (i = 0; i < 800; i++)
      {
        g_autoptr(GByteArray) f = frame (i == 0 ? 0x1 : 0x0, i == 799, 0, TRUE, big, 1024);

        if (!client_send (cl, f->data, f->len))
          break;
        pump ();
        client_read_some (cl);
        if (cl->in->len > 0 || cl->eof)
          break;
      }
    g_assert_cmpuint (i, <, 800);
    expect_closed_with (fx, cl, 1009);
    g_assert_cmpuint (fx->n_text, ==, text_before);
  }

  /* Many tiny fragments, far below the byte limit. */
  {
    g_autoptr(Client) cl = client_open (fx);

    client_send_frame (cl, 0x1, FALSE, "a");
    for (i = 0; i < 200; i++)
      client_send_frame (cl, 0x0, FALSE, "b");
    expect_closed_with (fx, cl, 1009);
  }
}

/* 5. Protocol errors and the close handshake */

static void
test_protocol_errors (Fixture *fx, gconstpointer data)
{
  static const char bad_utf8[] = "ok \xc3\x28";
  struct {
    const char *name;
    guint8      opcode;
    gboolean    fin;
    guint8      rsv;
    gboolean    masked;
    const char *payload;
    gsize       len;
    guint       code;
  } cases[] = {
    { "invalid UTF-8", 0x1, TRUE, 0, TRUE, bad_utf8, sizeof bad_utf8 - 1, 1007 },
    { "unmasked", 0x1, TRUE, 0, FALSE, "plain", 5, 1002 },
    { "RSV1", 0x1, TRUE, 4, TRUE, "deflated?", 9, 1002 },
    { "RSV3", 0x1, TRUE, 1, TRUE, "x", 1, 1002 },
    { "binary", 0x2, TRUE, 0, TRUE, "\x01\x02", 2, 1003 },
    { "opcode 3", 0x3, TRUE, 0, TRUE, "?", 1, 1002 },
    { "opcode 11", 0xb, TRUE, 0, TRUE, "?", 1, 1002 },
    { "fragmented ping", 0x9, FALSE, 0, TRUE, "p", 1, 1002 },
    { "continuation first", 0x0, TRUE, 0, TRUE, "c", 1, 1002 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Client) cl = client_open (fx);
      g_autoptr(GByteArray) f = frame (cases[i].opcode, cases[i].fin, cases[i].rsv,
                                       cases[i].masked, cases[i].payload, cases[i].len);

      g_test_message ("case %s", cases[i].name);
      g_assert_true (client_send (cl, f->data, f->len));
      expect_closed_with (fx, cl, cases[i].code);
    }

  /* A ping with a 126-byte payload (control frames are at most 125). */
  {
    g_autoptr(Client) cl = client_open (fx);
    g_autofree char *p = g_strnfill (126, 'p');
    g_autoptr(GByteArray) f = frame (0x9, TRUE, 0, TRUE, p, 126);

    g_assert_true (client_send (cl, f->data, f->len));
    expect_closed_with (fx, cl, 1002);
  }

  /* A text message, then the client closes: the server answers with the
   * same code and reports it. */
  {
    g_autoptr(Client) cl = client_open (fx);
    static const char close_payload[] = "\x03\xe8" "bye";
    g_autoptr(GByteArray) f = frame (0x8, TRUE, 0, TRUE, close_payload, 5);
    client_send_frame (cl, 0x1, TRUE, "last words");
    client_expect_text (cl, "last words");
    g_assert_true (client_send (cl, f->data, f->len));
    g_assert_cmpuint (client_expect_close (cl), ==, 1000);
    g_assert_true (wait_until (fx, rec_closed, cl->rec));
    g_assert_cmpuint (cl->rec->code, ==, 1000);
  }

  /* td_conn_close() from inside ->text. */
  {
    g_autoptr(Client) cl = client_open (fx);
    static const char close_payload[] = "\x0f\xa0";
    g_autoptr(GByteArray) f = frame (0x8, TRUE, 0, TRUE, close_payload, 2);
    client_send_frame (cl, 0x1, TRUE, "close-me");
    g_assert_cmpuint (client_expect_close (cl), ==, 4000);
    g_assert_false (cl->rec->closed);      /* waits for the peer's answer */
    g_assert_true (client_send (cl, f->data, f->len));
    g_assert_true (wait_until (fx, rec_closed, cl->rec));
    g_assert_cmpuint (cl->rec->code, ==, 4000);
  }

  /* EOF without a close frame: 1006. */
  {
    g_autoptr(Client) cl = client_open (fx);
    client_send_frame (cl, 0x1, TRUE, "going");
    client_expect_text (cl, "going");
    g_socket_close (cl->sock, NULL);
    g_assert_true (wait_until (fx, rec_closed, cl->rec));
    g_assert_cmpuint (cl->rec->code, ==, 1006);
  }
}

/* 6. Ping */

static void
test_ping (Fixture *fx, gconstpointer data)
{
  g_autoptr(Client) cl = client_open (fx);
  g_autoptr(GBytes) payload = NULL;
  guint8 opcode = 0;

  client_send_frame (cl, 0x9, TRUE, "are you there?");
  g_assert_true (client_wait_frame (cl, &opcode, &payload));
  g_assert_cmpuint (opcode, ==, 0xa);
  g_assert_cmpmem (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload),
                   "are you there?", 14);
  /* Empty ping, and an unsolicited pong that must be ignored. */
  client_send_frame (cl, 0xa, TRUE, "ignored");
  client_send_frame (cl, 0x9, TRUE, "");
  g_clear_pointer (&payload, g_bytes_unref);
  g_assert_true (client_wait_frame (cl, &opcode, &payload));
  g_assert_cmpuint (opcode, ==, 0xa);
  g_assert_cmpuint (g_bytes_get_size (payload), ==, 0);
  client_send_frame (cl, 0x1, TRUE, "still here");
  client_expect_text (cl, "still here");
}

/* 7. Slow reader */

static void
test_slow_reader (Fixture *fx, gconstpointer data)
{
  g_autoptr(Client) slow = NULL;
  g_autofree char *chunk = g_strnfill (1024, 'z');
  TdConn *conn;
  guint i;

  /* A small receive buffer, and the client never reads. */
  slow = client_new (fx, 4096);
  {
    g_autofree char *req = handshake_request (KEY, NULL);
    g_autofree char *head = NULL;

    client_send_str (slow, req);
    head = client_read_http (slow);
    g_assert_true (g_str_has_prefix (head, "HTTP/1.1 101"));
  }
  conn = fx->last_opened;
  g_assert_nonnull (conn);
  slow->rec = td_conn_get_user_data (conn);

  /* Far more than max_outgoing plus every kernel buffer on the way. */
  for (i = 0; i < 256 * 1024 && !slow->rec->closed; i++)
    {
      td_conn_send_text (conn, chunk, 1024);
      if (i % 64 == 0)
        pump ();
      if (!slow->rec->closed)
        g_assert_cmpuint (td_conn_get_queued (conn), <=, 64 * 1024 + 1024 + 16);
    }
  g_assert_true (wait_until (fx, rec_closed, slow->rec));
  g_assert_cmpuint (slow->rec->code, ==, 1008);

  /* The server goes on serving. */
  {
    g_autoptr(Client) cl = client_open (fx);

    client_send_frame (cl, 0x1, TRUE, "next");
    client_expect_text (cl, "next");
  }
}

/* 8. Many connections */

static void
test_many (Fixture *fx, gconstpointer data)
{
  Client *clients[200];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (clients); i++)
    clients[i] = client_open (fx);
  g_assert_cmpuint (td_transport_get_n_connections (fx->transport), ==, G_N_ELEMENTS (clients));
  for (i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_autofree char *text = g_strdup_printf ("client %u", i);

      client_send_frame (clients[i], 0x1, TRUE, text);
    }
  for (i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      g_autofree char *text = g_strdup_printf ("client %u", i);

      client_expect_text (clients[i], text);
    }
  for (i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      if (i % 2 == 0)
        {
          static const char close_payload[] = "\x03\xe8";
          g_autoptr(GByteArray) f = frame (0x8, TRUE, 0, TRUE, close_payload, 2);

          g_assert_true (client_send (clients[i], f->data, f->len));
        }
      else
        client_free (g_steal_pointer (&clients[i]));
    }
  g_assert_true (wait_until (fx, no_connections, NULL));
  g_assert_cmpuint (fx->n_closed, ==, G_N_ELEMENTS (clients));
  for (i = 0; i < G_N_ELEMENTS (clients); i++)
    if (clients[i] != NULL)
      client_free (clients[i]);
}

/* 9. close_all */

static void
test_close_all (Fixture *fx, gconstpointer data)
{
  Client *clients[5];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (clients); i++)
    clients[i] = client_open (fx);
  td_transport_close_all (fx->transport, TD_CLOSE_GOING_AWAY, "shutting down");
  for (i = 0; i < G_N_ELEMENTS (clients); i++)
    {
      static const char close_payload[] = "\x03\xe9";
      g_autoptr(GByteArray) f = frame (0x8, TRUE, 0, TRUE, close_payload, 2);

      g_assert_cmpuint (client_expect_close (clients[i]), ==, 1001);
      /* Only some answer; the rest are dropped by shutdown. */
      if (i < 3)
        g_assert_true (client_send (clients[i], f->data, f->len));
    }
  g_assert_true (wait_until (fx, n_closed_is, GUINT_TO_POINTER (3)));
  td_transport_shutdown (fx->transport);
  g_assert_cmpuint (td_transport_get_n_connections (fx->transport), ==, 0);
  g_assert_cmpuint (fx->n_closed, ==, 5);
  for (i = 0; i < fx->records->len; i++)
    g_assert_cmpuint (((ConnRecord *) g_ptr_array_index (fx->records, i))->code, ==, 1001);
  for (i = 0; i < G_N_ELEMENTS (clients); i++)
    client_free (clients[i]);
}

/* td_conn_close() with a peer that never answers: dropped by the sweep. */
static void
test_close_timeout (Fixture *fx, gconstpointer data)
{
  g_autoptr(Client) cl = client_open (fx);
  gint64 deadline;

  g_assert_true (wait_until (fx, n_closed_is, GUINT_TO_POINTER (0)));
  g_assert_nonnull (fx->last_opened);
  td_conn_close (fx->last_opened, TD_CLOSE_POLICY, "auth deadline");
  g_assert_cmpuint (client_expect_close (cl), ==, 1008);
  g_assert_cmpuint (fx->n_closed, ==, 0);
  /* 5 s close timeout, swept once a second. */
  deadline = g_get_monotonic_time () + 12 * G_USEC_PER_SEC;
  while (fx->n_closed == 0 && g_get_monotonic_time () < deadline)
    pump ();
  g_assert_cmpuint (fx->n_closed, ==, 1);
  g_assert_cmpuint (fx->last_code, ==, 1008);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, setup) \
  g_test_add (path, Fixture, NULL, setup, func, fixture_teardown)

  ADD ("/transport/handshake", test_handshake, fixture_setup);
  ADD ("/transport/echo", test_echo, fixture_setup);
  ADD ("/transport/handshake-and-frame", test_handshake_and_frame_together, fixture_setup);
  ADD ("/transport/batched-and-trickled", test_batched_and_trickled, fixture_setup);
  ADD ("/transport/oversize", test_oversize, fixture_setup);
  ADD ("/transport/protocol-errors", test_protocol_errors, fixture_setup);
  ADD ("/transport/ping", test_ping, fixture_setup);
  ADD ("/transport/slow-reader", test_slow_reader, fixture_setup_small_queue);
  ADD ("/transport/many", test_many, fixture_setup);
  ADD ("/transport/close-all", test_close_all, fixture_setup);
  ADD ("/transport/close-timeout", test_close_timeout, fixture_setup);

  return g_test_run ();
}
