/* test-limits.c - tidingsd's defences against clients that misbehave or
 * vanish: idle reaping with WebSocket pings, and (where built) caps and
 * throttles.  The server runs with short timeouts from a config file.
 */
#define G_LOG_DOMAIN "test-limits"

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "td-test-util.h"

/* As written to the test server's config file. */
#define IDLE_TIMEOUT 2
#define PING_TIMEOUT 2
#define MAX_PER_ADDRESS 4
#define FAILED_LOGINS 4
#define MSG_RATE 5
#define MSG_BURST 10

static TdTestServer *server;

/* ---- a raw WebSocket client: does only what the test tells it to ---- */

typedef struct {
  GSocketConnection *conn;
  GInputStream      *in;
  GOutputStream     *out;
  GByteArray        *buf;    /* bytes read but not parsed yet */
} RawWs;

static void
raw_ws_free (RawWs *self)
{
  g_clear_object (&self->conn);
  g_byte_array_unref (self->buf);
  g_free (self);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawWs, raw_ws_free)

/* Reads more bytes into ->buf; FALSE on EOF, error or the socket timeout. */
static gboolean
raw_ws_fill (RawWs *self)
{
  guint8 chunk[4096];
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read (self->in, chunk, sizeof chunk, NULL, &error);

  if (n <= 0)
    {
      g_test_message ("raw read: %s", error ? error->message : "EOF");
      return FALSE;
    }
  g_byte_array_append (self->buf, chunk, n);
  return TRUE;
}

/* Connects from @local_ip (NULL: any; Linux answers for all of 127/8, so
 * tests can play several client addresses) and sends the upgrade request;
 * stores the HTTP status code, and keeps the connection for frames when
 * it is 101. */
static RawWs *
raw_ws_connect_from (const char *local_ip, guint *out_status)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *request = NULL;
  RawWs *self = g_new0 (RawWs, 1);
  char *end = NULL;

  self->buf = g_byte_array_new ();
  g_socket_client_set_timeout (client, 20);
  if (local_ip != NULL)
    {
      g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (local_ip);
      g_autoptr(GSocketAddress) local = g_inet_socket_address_new (inet, 0);

      g_socket_client_set_local_address (client, local);
    }
  self->conn = g_socket_client_connect_to_host (client, "127.0.0.1", server->port, NULL, &error);
  g_assert_no_error (error);
  self->in = g_io_stream_get_input_stream (G_IO_STREAM (self->conn));
  self->out = g_io_stream_get_output_stream (G_IO_STREAM (self->conn));

  request = g_strdup_printf ("GET " TD_PROTO_WS_PATH " HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "Sec-WebSocket-Protocol: " TD_PROTO_SUBPROTOCOL "\r\n"
                             "\r\n", server->port);
  g_output_stream_write_all (self->out, request, strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);

  while (self->buf->len == 0 ||
         (end = g_strstr_len ((const char *) self->buf->data, self->buf->len, "\r\n\r\n")) == NULL)
    if (!raw_ws_fill (self))
      g_error ("no HTTP answer to the upgrade request");
  g_assert_true (self->buf->len > 12 && memcmp (self->buf->data, "HTTP/1.1 ", 9) == 0);
  *out_status = (guint) g_ascii_strtoull ((const char *) self->buf->data + 9, NULL, 10);
  g_byte_array_remove_range (self->buf, 0, end + 4 - (char *) self->buf->data);
  return self;
}

static RawWs *
raw_ws_connect (guint *out_status)
{
  return raw_ws_connect_from (NULL, out_status);
}

static void
raw_ws_send_text (RawWs *self, const char *text)
{
  g_autoptr(GByteArray) frame = g_byte_array_new ();
  gsize len = strlen (text);
  guint8 head[4] = { 0x81, 0, 0, 0 };
  const guint8 mask[4] = { 0x12, 0x34, 0x56, 0x78 };
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (len, <, 65536);
  if (len < 126)
    {
      head[1] = 0x80 | len;
      g_byte_array_append (frame, head, 2);
    }
  else
    {
      head[1] = 0x80 | 126;
      head[2] = len >> 8;
      head[3] = len & 0xff;
      g_byte_array_append (frame, head, 4);
    }
  g_byte_array_append (frame, mask, 4);
  for (gsize i = 0; i < len; i++)
    {
      guint8 b = text[i] ^ mask[i % 4];
      g_byte_array_append (frame, &b, 1);
    }
  g_output_stream_write_all (self->out, frame->data, frame->len, NULL, NULL, &error);
  g_assert_no_error (error);
}

/* Next frame from the server (unmasked, unfragmented: the server's own).
 * Returns FALSE on EOF or timeout. */
static gboolean
raw_ws_read_frame (RawWs *self, guint8 *out_opcode, GBytes **out_payload)
{
  guint64 len;
  gsize hdr = 2;

  while (self->buf->len < 2)
    if (!raw_ws_fill (self))
      return FALSE;
  len = self->buf->data[1] & 0x7f;
  g_assert_cmpuint (self->buf->data[1] & 0x80, ==, 0);
  if (len == 126)
    hdr = 4;
  else if (len == 127)
    hdr = 10;
  while (self->buf->len < hdr)
    if (!raw_ws_fill (self))
      return FALSE;
  if (len == 126)
    len = ((guint64) self->buf->data[2] << 8) | self->buf->data[3];
  else if (len == 127)
    {
      len = 0;
      for (guint i = 0; i < 8; i++)
        len = (len << 8) | self->buf->data[2 + i];
    }
  g_assert_cmpuint (len, <, 16 * 1024 * 1024);
  while (self->buf->len < hdr + len)
    if (!raw_ws_fill (self))
      return FALSE;
  *out_opcode = self->buf->data[0] & 0x0f;
  *out_payload = g_bytes_new (self->buf->data + hdr, len);
  g_byte_array_remove_range (self->buf, 0, hdr + len);
  return TRUE;
}

/* Logs in as @user and reads up to "synced". */
static void
raw_ws_login (RawWs *self, const char *user)
{
  g_autoptr(TdFrame) auth = td_frame_new_auth_password (user, TD_TEST_PASSWORD, "raw", NULL);
  gsize auth_len;
  g_autofree char *text = td_frame_encode (auth, &auth_len);
  gboolean synced = FALSE;

  raw_ws_send_text (self, text);
  while (!synced)
    {
      g_autoptr(GBytes) payload = NULL;
      guint8 opcode;
      gsize len;
      const char *data;

      g_assert_true (raw_ws_read_frame (self, &opcode, &payload));
      g_assert_cmpuint (opcode, ==, 1);
      data = g_bytes_get_data (payload, &len);
      g_assert_null (g_strstr_len (data, len, "\"error\""));
      synced = g_strstr_len (data, len, "\"synced\"") != NULL;
    }
}

static void
raw_ws_send_frame (RawWs *self, const TdFrame *frame)
{
  gsize len;
  g_autofree char *text = td_frame_encode (frame, &len);

  raw_ws_send_text (self, text);
}

/* Next text frame other than presence, decoded; NULL if the server
 * closed.  *@out_close gets the close code then. */
static TdFrame *
raw_ws_next (RawWs *self, gushort *out_close)
{
  for (;;)
    {
      g_autoptr(GBytes) payload = NULL;
      g_autoptr(GError) error = NULL;
      guint8 opcode;
      gsize len;
      const char *data;
      TdFrame *frame;

      if (!raw_ws_read_frame (self, &opcode, &payload))
        return NULL;
      data = g_bytes_get_data (payload, &len);
      if (opcode == 0x8)
        {
          if (out_close != NULL)
            *out_close = len >= 2 ? (((guint8) data[0] << 8) | (guint8) data[1]) : 1005;
          return NULL;
        }
      if (opcode != 0x1)
        continue;
      frame = td_frame_decode (data, len, TD_PROTO_MAX_FRAME, NULL, &error);
      g_assert_no_error (error);
      if (td_frame_get_frame_type (frame) != TD_FRAME_PRESENCE)
        return frame;
      td_frame_unref (frame);
    }
}

/* Sends a password login and returns the answer (welcome or error). */
static TdFrame *
raw_ws_auth (RawWs *self, const char *user, const char *password)
{
  g_autoptr(TdFrame) auth = td_frame_new_auth_password (user, password, "raw", NULL);
  TdFrame *answer;

  raw_ws_send_frame (self, auth);
  answer = raw_ws_next (self, NULL);
  g_assert_nonnull (answer);
  return answer;
}

static void
assert_error (const TdFrame *frame, TdErrorCode code)
{
  g_assert_cmpint (td_frame_get_frame_type (frame), ==, TD_FRAME_ERROR);
  g_assert_cmpstr (td_error_code_to_string (td_frame_get_error_code (frame)), ==,
                   td_error_code_to_string (code));
}

/* Open WebSocket connections, from the health endpoint. */
static gint64
server_connections (void)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (server->http_url, "/api/v1/health", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_no_error (error);
  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
  g_assert_no_error (error);
  return json_object_get_int_member (json_node_get_object (json_parser_get_root (parser)),
                                     "connections");
}

/* Waits (bounded) until the server counts @n connections. */
static void
wait_connections (gint64 n)
{
  for (guint i = 0; i < 200 && server_connections () != n; i++)
    g_usleep (G_USEC_PER_SEC / 20);
  g_assert_cmpint (server_connections (), ==, n);
}

/* ---- idle reaping ---- */

static void
test_idle_no_pong_closed (void)
{
  guint status = 0;
  g_autoptr(RawWs) raw = raw_ws_connect (&status);
  gboolean saw_ping = FALSE;
  gushort code = 0;

  g_assert_cmpuint (status, ==, 101);
  raw_ws_login (raw, "alice");

  /* Never answer: the server pings once, then gives up with 1001.  Reads
   * are bounded by the socket timeout (20 s). */
  for (;;)
    {
      g_autoptr(GBytes) payload = NULL;
      guint8 opcode;
      gsize len;
      const guint8 *data;

      if (!raw_ws_read_frame (raw, &opcode, &payload))
        break;
      data = g_bytes_get_data (payload, &len);
      if (opcode == 0x9)
        saw_ping = TRUE;
      if (opcode == 0x8)
        {
          g_assert_cmpuint (len, >=, 2);
          code = (data[0] << 8) | data[1];
          break;
        }
    }
  g_assert_true (saw_ping);
  g_assert_cmpuint (code, ==, 1001);
}

static void
test_idle_pong_kept (void)
{
  g_autoptr(TdTestWs) ws = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) backlog = td_test_ws_login (ws, "bob", "idle");
  g_autoptr(TdFrame) ping = td_frame_new_ping ("still-there");
  g_autoptr(TdFrame) pong = NULL;
  gboolean never = FALSE;

  g_assert_nonnull (backlog);
  /* libsoup answers the server's pings by itself; the test client sends
   * nothing of its own (no keepalive interval).  Three rounds of
   * idle + ping timeouts pass without a close. */
  td_test_wait_flag (&never, 3 * (IDLE_TIMEOUT + PING_TIMEOUT) * 1000);
  g_assert_false (td_test_ws_is_closed (ws));

  td_test_ws_send_frame (ws, ping);
  pong = td_test_ws_expect (ws, TD_FRAME_PONG, 5000);
  g_assert_cmpstr (td_frame_get_req (pong), ==, "still-there");
}

static void
test_idle_active_kept (void)
{
  guint status = 0;
  g_autoptr(RawWs) raw = raw_ws_connect (&status);
  g_autoptr(TdFrame) ping = td_frame_new_ping ("busy");
  gsize text_len;
  g_autofree char *text = td_frame_encode (ping, &text_len);

  g_assert_cmpuint (status, ==, 101);
  raw_ws_login (raw, "carol");

  /* A client that talks at least every second never needs a ping: it
   * gets only its pongs, over longer than idle + ping timeouts. */
  for (guint i = 0; i < 2 * (IDLE_TIMEOUT + PING_TIMEOUT); i++)
    {
      g_autoptr(GBytes) payload = NULL;
      guint8 opcode;
      gboolean got_pong = FALSE;

      raw_ws_send_text (raw, text);
      while (!got_pong)
        {
          gsize len;
          const char *data;

          g_clear_pointer (&payload, g_bytes_unref);
          g_assert_true (raw_ws_read_frame (raw, &opcode, &payload));
          g_assert_cmpuint (opcode, !=, 0x8);
          g_assert_cmpuint (opcode, !=, 0x9);
          data = g_bytes_get_data (payload, &len);
          got_pong = g_strstr_len (data, len, "\"pong\"") != NULL;
        }
      g_usleep (G_USEC_PER_SEC / 2);
    }
}

/* ---- caps and throttles ---- */

static void
test_max_per_address (void)
{
  RawWs *conns[MAX_PER_ADDRESS];
  g_autoptr(RawWs) extra = NULL;
  g_autoptr(RawWs) other = NULL;
  g_autoptr(RawWs) again = NULL;
  guint status = 0;

  wait_connections (0);
  for (guint i = 0; i < MAX_PER_ADDRESS; i++)
    {
      conns[i] = raw_ws_connect (&status);
      g_assert_cmpuint (status, ==, 101);
    }
  wait_connections (MAX_PER_ADDRESS);

  /* One more from the same address is refused before the upgrade. */
  extra = raw_ws_connect (&status);
  g_assert_cmpuint (status, ==, 429);
  while (g_strstr_len ((const char *) extra->buf->data, extra->buf->len,
                       "too many connections from your address") == NULL)
    g_assert_true (raw_ws_fill (extra));

  /* Another address is not affected. */
  other = raw_ws_connect_from ("127.0.0.2", &status);
  g_assert_cmpuint (status, ==, 101);

  /* A connection that ends frees its place. */
  raw_ws_free (conns[0]);
  wait_connections (MAX_PER_ADDRESS);
  again = raw_ws_connect (&status);
  g_assert_cmpuint (status, ==, 101);

  for (guint i = 1; i < MAX_PER_ADDRESS; i++)
    raw_ws_free (conns[i]);
}

static void
test_failed_login_throttle (void)
{
  guint status = 0;
  g_autoptr(RawWs) first = raw_ws_connect_from ("127.0.0.3", &status);
  g_autoptr(RawWs) second = NULL;
  g_autoptr(TdFrame) refused = NULL;
  g_autoptr(TdTestWs) elsewhere = NULL;
  g_autoptr(GPtrArray) backlog = NULL;
  gushort code = 0;

  g_assert_cmpuint (status, ==, 101);
  /* Three failures close a connection (the per-connection rule)... */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TdFrame) answer = raw_ws_auth (first, "alice", "wrong password");
      assert_error (answer, TD_ERR_AUTH_FAILED);
    }
  g_assert_null (raw_ws_next (first, &code));
  g_assert_cmpuint (code, ==, 1008);

  /* ...and the address keeps counting on a new one, up to the limit. */
  second = raw_ws_connect_from ("127.0.0.3", &status);
  g_assert_cmpuint (status, ==, 101);
  for (guint i = 3; i < FAILED_LOGINS; i++)
    {
      g_autoptr(TdFrame) answer = raw_ws_auth (second, "bob", "wrong again");
      assert_error (answer, TD_ERR_AUTH_FAILED);
    }

  /* Over it, even the right password is refused, unchecked. */
  refused = raw_ws_auth (second, "alice", TD_TEST_PASSWORD);
  assert_error (refused, TD_ERR_RATE_LIMITED);
  g_assert_nonnull (strstr (td_frame_get_error_message (refused), "try again"));

  /* People at other addresses log in as usual. */
  elsewhere = td_test_ws_connect (server->ws_url);
  backlog = td_test_ws_login (elsewhere, "alice", "throttle");
  g_assert_nonnull (backlog);
}

static void
test_message_rate (void)
{
  enum { N = 3 * MSG_BURST };
  guint status = 0;
  g_autoptr(RawWs) raw = raw_ws_connect (&status);
  g_autoptr(TdTestWs) admin = NULL;
  g_autoptr(GPtrArray) backlog = NULL;
  g_autofree char *limited_id = NULL;
  guint n_sent = 0, n_limited = 0;
  gboolean resent = FALSE;

  g_assert_cmpuint (status, ==, 101);
  raw_ws_login (raw, "dave");

  /* All at once: the burst passes, the rest is refused by id. */
  for (guint i = 0; i < N; i++)
    {
      g_autofree char *id = g_strdup_printf ("rate-%u", i);
      g_autoptr(TdFrame) send = td_frame_new_send (id, id, "admin", "hello");

      raw_ws_send_frame (raw, send);
    }
  for (guint i = 0; i < N; i++)
    {
      g_autoptr(TdFrame) answer = raw_ws_next (raw, NULL);

      g_assert_nonnull (answer);
      if (td_frame_get_frame_type (answer) == TD_FRAME_SENT)
        {
          n_sent++;
          continue;
        }
      assert_error (answer, TD_ERR_RATE_LIMITED);
      g_assert_nonnull (td_frame_get_id (answer));
      n_limited++;
      if (limited_id == NULL)
        limited_id = g_strdup (td_frame_get_id (answer));
    }
  g_test_message ("%u sent, %u rate-limited", n_sent, n_limited);
  g_assert_cmpuint (n_sent, >=, MSG_BURST);
  g_assert_cmpuint (n_limited, >=, 1);
  g_assert_cmpuint (n_sent + n_limited, ==, N);

  /* The client retries later with the same id and it goes through. */
  for (guint i = 0; i < 100 && !resent; i++)
    {
      g_autoptr(TdFrame) send = td_frame_new_send (limited_id, limited_id, "admin", "hello");
      g_autoptr(TdFrame) answer = NULL;

      g_usleep (G_USEC_PER_SEC / 10);
      raw_ws_send_frame (raw, send);
      answer = raw_ws_next (raw, NULL);
      g_assert_nonnull (answer);
      resent = td_frame_get_frame_type (answer) == TD_FRAME_SENT;
      if (!resent)
        assert_error (answer, TD_ERR_RATE_LIMITED);
    }
  g_assert_true (resent);

  /* Refused messages were not stored: the recipient has exactly the
   * accepted ones. */
  admin = td_test_ws_connect (server->ws_url);
  backlog = td_test_ws_login (admin, "admin", "rate");
  g_assert_cmpuint (backlog->len, ==, n_sent + 1);
}

/* ---- TLS ---- */

typedef struct {
  char         *dir;
  char         *ca;       /* the company CA that signed the server's certificate */
  TdTestServer *server;   /* listening with TLS, certificate for "localhost" only */
} TlsFixture;

static gboolean
run_openssl (const char *openssl, const char *dir, const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_ptr_array_add (argv, (gpointer) openssl);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (dir, (char **) argv->pdata, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                     NULL, &err, &status, &error) ||
      !g_spawn_check_wait_status (status, NULL))
    {
      g_test_message ("openssl %s failed: %s", args[0], error ? error->message : err);
      return FALSE;
    }
  return TRUE;
}

/* A CA and a server certificate signed by it, for "localhost" only. */
static gboolean
make_certificates (const char *dir)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  const char *ca[] = { "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
                       "-out", "ca.pem", "-days", "2", "-subj", "/CN=Tidings Test CA",
                       "-addext", "basicConstraints=critical,CA:TRUE",
                       "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL };
  const char *csr[] = { "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
                        "-out", "server.csr", "-subj", "/CN=localhost", NULL };
  const char *sign[] = { "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                         "-CAcreateserial", "-out", "server.pem", "-days", "2",
                         "-extfile", "ext.cnf", NULL };
  g_autofree char *ext = g_build_filename (dir, "ext.cnf", NULL);

  if (openssl == NULL)
    return FALSE;
  g_file_set_contents (ext, "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n"
                       "extendedKeyUsage=serverAuth\n", -1, NULL);
  return run_openssl (openssl, dir, ca) && run_openssl (openssl, dir, csr) &&
         run_openssl (openssl, dir, sign);
}

static void
tls_fixture_free (TlsFixture *f)
{
  static const char *files[] = { "ca.key", "ca.pem", "ca.srl", "server.key", "server.csr",
                                 "server.pem", "ext.cnf", NULL };

  if (f->server != NULL)
    {
      td_test_server_stop (f->server);
      td_test_server_free (f->server);
    }
  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (f->dir, files[i], NULL);
      g_unlink (path);
    }
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->ca);
  g_free (f);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TlsFixture, tls_fixture_free)

/* NULL (the test is skipped) when openssl cannot make certificates. */
static TlsFixture *
tls_fixture_new (void)
{
  g_autoptr(TlsFixture) f = g_new0 (TlsFixture, 1);
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;

  f->dir = g_dir_make_tmp ("tidings-tls-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  if (!make_certificates (f->dir))
    {
      g_test_skip ("openssl is missing or failed: cannot make test certificates");
      return NULL;
    }
  f->ca = g_build_filename (f->dir, "ca.pem", NULL);
  cert = g_build_filename (f->dir, "server.pem", NULL);
  key = g_build_filename (f->dir, "server.key", NULL);
  {
    const char *extra[] = { "--tls-cert", cert, "--tls-key", key, NULL };
    f->server = td_test_server_new (extra);
  }
  return g_steal_pointer (&f);
}

static int
run_cli (TlsFixture *f, const char *url, gboolean with_ca, const char *user,
         const char * const *command, char **out, char **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  int status;

  g_ptr_array_add (argv, (gpointer) "tidings-cli");
  g_ptr_array_add (argv, (gpointer) "--server");
  g_ptr_array_add (argv, (gpointer) url);
  g_ptr_array_add (argv, (gpointer) "--user");
  g_ptr_array_add (argv, (gpointer) user);
  g_ptr_array_add (argv, (gpointer) "--password-file");
  g_ptr_array_add (argv, f->server->password_file);
  g_ptr_array_add (argv, (gpointer) "--timeout");
  g_ptr_array_add (argv, (gpointer) "20");
  if (with_ca)
    {
      g_ptr_array_add (argv, (gpointer) "--ca-file");
      g_ptr_array_add (argv, f->ca);
    }
  for (guint i = 0; command[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) command[i]);
  g_ptr_array_add (argv, NULL);
  status = td_test_run ((const char * const *) argv->pdata, NULL, 40, out, err);
  g_test_message ("tidings-cli %s: status %d, stderr: %s", command[0], status, *err);
  return status;
}

static void
test_tls (void)
{
  g_autoptr(TlsFixture) f = tls_fixture_new ();
  g_autofree char *good = NULL;
  g_autofree char *good_wss = NULL;
  g_autofree char *wrong_host = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *big = g_strnfill (8000, 'x');
  const char *send_hello[] = { "send", "bob", "hello over TLS", NULL };
  const char *send_big[] = { "send", "bob", big, NULL };
  const char *listen[] = { "listen", "--count", "21", NULL };

  if (f == NULL)
    return;
  good = g_strdup_printf ("https://localhost:%u", f->server->port);
  good_wss = g_strdup_printf ("wss://localhost:%u/ws", f->server->port);
  wrong_host = g_strdup_printf ("https://127.0.0.1:%u", f->server->port);
  plain = g_strdup_printf ("http://localhost:%u", f->server->port);

  /* Trusting the company CA: works, over https:// and wss:// URLs. */
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_cmpint (run_cli (f, good, TRUE, "alice", send_hello, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, "hello over TLS"));
  }
  /* Larger frames and a backlog of many: crosses TLS record boundaries,
   * where GnuTLS holds decrypted data that epoll does not see. */
  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_assert_cmpint (run_cli (f, good_wss, TRUE, "alice", send_big, &out, &err), ==, 0);
    }
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_auto(GStrv) lines = NULL;

    g_assert_cmpint (run_cli (f, good_wss, TRUE, "bob", listen, &out, &err), ==, 0);
    lines = g_strsplit (g_strstrip (out), "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 21);
    g_assert_nonnull (strstr (lines[0], "hello over TLS"));
    g_assert_nonnull (strstr (lines[20], big));
  }

  /* Without the CA: refused, saying why. */
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_cmpint (run_cli (f, good, FALSE, "alice", send_hello, &out, &err), !=, 0);
    g_assert_nonnull (strstr (err, "certificate"));
    g_assert_nonnull (strstr (err, "not signed by a trusted"));
  }
  /* The certificate names localhost, not 127.0.0.1. */
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_cmpint (run_cli (f, wrong_host, TRUE, "alice", send_hello, &out, &err), !=, 0);
    g_assert_nonnull (strstr (err, "does not match"));
  }
  /* Nothing is served in clear text on the TLS port. */
  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_cmpint (run_cli (f, plain, FALSE, "alice", send_hello, &out, &err), !=, 0);
  }
}

static gboolean
copy_file (const char *from, const char *to)
{
  g_autofree char *contents = NULL;
  gsize len;

  return g_file_get_contents (from, &contents, &len, NULL) &&
         g_file_set_contents (to, contents, (gssize) len, NULL);
}

/* Sends hello with @ca as the trusted CA; the exit status. */
static int
send_with_ca (TlsFixture *f, const char *url, const char *ca)
{
  const char *send_hello[] = { "send", "bob", "hello after renewal", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  char *saved = f->ca;
  int status;

  f->ca = (char *) ca;
  status = run_cli (f, url, TRUE, "alice", send_hello, &out, &err);
  f->ca = saved;
  return status;
}

/* A renewed certificate (here: from another CA, so the switch shows) is
 * taken on SIGHUP without a restart; unusable files keep the old one. */
static void
test_tls_reload (void)
{
  g_autoptr(TlsFixture) f = tls_fixture_new ();
  g_autofree char *renewed = NULL;
  g_autofree char *url = NULL;
  g_autofree char *new_ca = NULL;
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  gboolean switched = FALSE;

  if (f == NULL)
    return;
  url = g_strdup_printf ("https://localhost:%u", f->server->port);
  renewed = g_dir_make_tmp ("tidings-tls-renewed-XXXXXX", NULL);
  g_assert_nonnull (renewed);
  g_assert_true (make_certificates (renewed));
  new_ca = g_build_filename (renewed, "ca.pem", NULL);
  cert = g_build_filename (f->dir, "server.pem", NULL);
  key = g_build_filename (f->dir, "server.key", NULL);

  g_assert_cmpint (send_with_ca (f, url, f->ca), ==, 0);
  g_assert_cmpint (send_with_ca (f, url, new_ca), !=, 0);

  /* Install the renewed pair, then SIGHUP. */
  {
    g_autofree char *from_cert = g_build_filename (renewed, "server.pem", NULL);
    g_autofree char *from_key = g_build_filename (renewed, "server.key", NULL);

    g_assert_true (copy_file (from_key, key));
    g_assert_true (copy_file (from_cert, cert));
  }
  g_subprocess_send_signal (f->server->proc, SIGHUP);
  for (guint i = 0; i < 20 && !switched; i++)
    {
      switched = send_with_ca (f, url, new_ca) == 0;
      if (!switched)
        g_usleep (250 * 1000);
    }
  g_assert_true (switched);
  g_assert_cmpint (send_with_ca (f, url, f->ca), !=, 0);

  /* A half-written file: the server keeps what it has. */
  g_assert_true (g_file_set_contents (cert, "-----BEGIN CERTIFICATE-----\nnot one\n", -1, NULL));
  g_subprocess_send_signal (f->server->proc, SIGHUP);
  g_usleep (500 * 1000);
  g_assert_cmpint (send_with_ca (f, url, new_ca), ==, 0);

  {
    static const char *files[] = { "ca.key", "ca.pem", "ca.srl", "server.key", "server.csr",
                                   "server.pem", "ext.cnf", NULL };
    for (guint i = 0; files[i] != NULL; i++)
      {
        g_autofree char *path = g_build_filename (renewed, files[i], NULL);
        g_unlink (path);
      }
    g_rmdir (renewed);
  }
}

static void
test_tls_bad_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tidings-tls-bad-XXXXXX", NULL);
  g_autofree char *junk = g_build_filename (dir, "junk.pem", NULL);
  const char *missing_key[] = { "tidingsd", "--listen", "127.0.0.1:0", "--data-dir", dir,
                                "--tls-cert", junk, NULL };
  const char *junk_cert[] = { "tidingsd", "--listen", "127.0.0.1:0", "--data-dir", dir,
                              "--tls-cert", junk, "--tls-key", junk, NULL };
  g_autofree char *err1 = NULL;
  g_autofree char *err2 = NULL;

  g_file_set_contents (junk, "not a certificate\n", -1, NULL);
  g_assert_cmpint (td_test_run (missing_key, NULL, 30, NULL, &err1), ==, 2);
  g_assert_nonnull (strstr (err1, "--tls-key"));
  g_assert_cmpint (td_test_run (junk_cert, NULL, 30, NULL, &err2), ==, 1);
  g_assert_nonnull (strstr (err2, "junk.pem"));
  g_unlink (junk);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_autofree char *conf = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *conf_text = NULL;
  const char *extra[] = { "--config", NULL, NULL };
  int ret;

  g_test_init (&argc, &argv, NULL);

  dir = g_dir_make_tmp ("tidings-limits-XXXXXX", NULL);
  conf = g_build_filename (dir, "tidingsd.conf", NULL);
  conf_text = g_strdup_printf ("[server]\nauth-timeout = 30\nidle-timeout = %u\nping-timeout = %u\n"
                               "[limits]\nmax-connections-per-address = %u\n"
                               "failed-logins-per-minute = %u\n"
                               "messages-per-second = %u\nmessage-burst = %u\n",
                               IDLE_TIMEOUT, PING_TIMEOUT, MAX_PER_ADDRESS, FAILED_LOGINS,
                               MSG_RATE, MSG_BURST);
  g_file_set_contents (conf, conf_text, -1, NULL);
  extra[1] = conf;
  server = td_test_server_new (extra);

  g_test_add_func ("/limits/idle/no-pong-closed", test_idle_no_pong_closed);
  g_test_add_func ("/limits/idle/pong-kept", test_idle_pong_kept);
  g_test_add_func ("/limits/idle/active-kept", test_idle_active_kept);
  g_test_add_func ("/limits/max-per-address", test_max_per_address);
  g_test_add_func ("/limits/failed-login-throttle", test_failed_login_throttle);
  g_test_add_func ("/limits/message-rate", test_message_rate);
  g_test_add_func ("/limits/tls/end-to-end", test_tls);
  g_test_add_func ("/limits/tls/bad-files", test_tls_bad_files);
  g_test_add_func ("/limits/tls/reload", test_tls_reload);

  ret = g_test_run ();
  td_test_server_stop (server);
  td_test_server_free (server);
  g_unlink (conf);
  g_rmdir (dir);
  return ret;
}
