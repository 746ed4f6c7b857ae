/* test-bad-input.c - every kind of bad input gets a precise answer, loses
 * nothing and leaves the server serving everybody else. */
#define G_LOG_DOMAIN "test-bad-input"

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "td-test-util.h"

static TdTestServer *server;

static TdFrame *
expect_error (TdTestWs *ws, TdErrorCode code)
{
  TdFrame *error = td_test_ws_expect (ws, TD_FRAME_ERROR, 10000);

  g_assert_cmpstr (td_error_code_to_string (td_frame_get_error_code (error)), ==,
                   td_error_code_to_string (code));
  g_assert_nonnull (td_frame_get_error_message (error));
  g_assert_cmpstr (td_frame_get_error_message (error), !=, "");
  return error;
}

static void
assert_alive (TdTestWs *ws)
{
  g_autoptr(TdFrame) ping = td_frame_new_ping ("alive");
  g_autoptr(TdFrame) pong = NULL;

  td_test_ws_send_frame (ws, ping);
  pong = td_test_ws_expect (ws, TD_FRAME_PONG, 5000);
  g_assert_cmpstr (td_frame_get_req (pong), ==, "alive");
}

static void
test_malformed_frames (void)
{
  g_autoptr(TdTestWs) ws = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) backlog = td_test_ws_login (ws, "alice", "bad");
  struct { const char *input; TdErrorCode code; } cases[] = {
    { "not json at all", TD_ERR_BAD_FRAME },
    { "{\"type\":", TD_ERR_BAD_FRAME },
    { "[1,2,3]", TD_ERR_BAD_FRAME },
    { "{\"no_type\":1}", TD_ERR_UNKNOWN_TYPE },
    { "{\"type\":\"launch_rockets\"}", TD_ERR_UNKNOWN_TYPE },
    { "{\"type\":\"send\",\"id\":\"x\",\"to\":\"bob\"}", TD_ERR_BAD_REQUEST },
    { "{\"type\":\"send\",\"id\":\"x\",\"to\":42,\"text\":\"hi\"}", TD_ERR_BAD_REQUEST },
    { "{\"type\":\"send\",\"id\":\"bad id!\",\"to\":\"bob\",\"text\":\"hi\"}", TD_ERR_BAD_REQUEST },
    { "{\"type\":\"send\",\"id\":\"x\",\"to\":\"bob\",\"text\":\"   \"}", TD_ERR_BAD_REQUEST },
    { "{\"type\":\"ack\",\"seq\":-1}", TD_ERR_BAD_REQUEST },
    { "{\"type\":\"ack\",\"seq\":1.5}", TD_ERR_BAD_REQUEST },
    { "{\"type\":\"history\",\"peer\":\"bob\",\"limit\":100000}", TD_ERR_BAD_REQUEST },
    { "{\"type\":\"status\",\"status\":\"offline\"}", TD_ERR_BAD_REQUEST },
    { "{\"type\":\"welcome\"}", TD_ERR_BAD_REQUEST },
    { "{\"type\":\"auth\",\"protocol\":99,\"device\":\"d\",\"token\":\"t\"}", TD_ERR_UNSUPPORTED_VERSION },
  };

  g_assert_nonnull (backlog);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TdFrame) error = NULL;

      g_test_message ("input: %s", cases[i].input);
      td_test_ws_send (ws, cases[i].input);
      error = expect_error (ws, cases[i].code);
    }
  assert_alive (ws);
}

static void
test_error_names_request (void)
{
  g_autoptr(TdTestWs) ws = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) backlog = td_test_ws_login (ws, "alice", "bad2");
  g_autoptr(TdFrame) error = NULL;
  g_autoptr(TdFrame) unknown = NULL;

  td_test_ws_send (ws, "{\"type\":\"send\",\"req\":\"r-77\",\"id\":\"m1\",\"to\":\"bob\"}");
  error = expect_error (ws, TD_ERR_BAD_REQUEST);
  g_assert_cmpstr (td_frame_get_req (error), ==, "r-77");
  g_assert_nonnull (strstr (td_frame_get_error_message (error), "text"));

  unknown = td_test_ws_send_message (ws, "to-nobody", "nobody", "hello?");
  g_assert_cmpint (td_frame_get_frame_type (unknown), ==, TD_FRAME_ERROR);
  g_assert_cmpint (td_frame_get_error_code (unknown), ==, TD_ERR_UNKNOWN_RECIPIENT);
  g_assert_cmpstr (td_frame_get_id (unknown), ==, "to-nobody");
}

static void
test_text_too_long (void)
{
  g_autoptr(TdTestWs) ws = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) backlog = td_test_ws_login (ws, "alice", "bad3");
  g_autofree char *text = g_strnfill (TD_PROTO_MAX_TEXT + 1, 'a');
  g_autoptr(TdFrame) answer = td_test_ws_send_message (ws, "long-1", "bob", text);
  g_autofree char *ok_text = g_strnfill (TD_PROTO_MAX_TEXT, 'b');
  g_autoptr(TdFrame) ok = td_test_ws_send_message (ws, "long-2", "bob", ok_text);

  g_assert_cmpint (td_frame_get_error_code (answer), ==, TD_ERR_TEXT_TOO_LONG);
  g_assert_cmpint (td_frame_get_frame_type (ok), ==, TD_FRAME_SENT);
  g_assert_cmpuint (strlen (td_message_get_text (td_frame_get_message (ok))), ==, TD_PROTO_MAX_TEXT);
}

static void
test_deep_nesting (void)
{
  g_autoptr(TdTestWs) ws = td_test_ws_connect (server->ws_url);
  g_autoptr(TdTestWs) other = td_test_ws_connect (server->ws_url);
  guint depth = 30000;
  g_autoptr(GString) deep = g_string_new ("{\"type\":\"ping\",\"x\":");
  g_autoptr(TdFrame) error = NULL;

  for (guint i = 0; i < depth; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < depth; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  g_assert_cmpuint (deep->len, <, TD_PROTO_MAX_FRAME);

  td_test_ws_send (ws, deep->str);
  error = expect_error (ws, TD_ERR_TOO_DEEP);
  assert_alive (ws);
  assert_alive (other);
}

static void
test_oversized_message (void)
{
  g_autoptr(TdTestWs) ws = td_test_ws_connect (server->ws_url);
  g_autoptr(TdTestWs) other = td_test_ws_connect (server->ws_url);
  gsize len = TD_PROTO_MAX_FRAME + 1;
  g_autofree char *big = g_malloc (len + 1);

  /* A valid-looking JSON string padded past the limit. */
  memset (big, 'a', len);
  memcpy (big, "{\"type\":\"ping\",\"x\":\"", 20);
  big[len - 2] = '"';
  big[len - 1] = '}';
  big[len] = '\0';
  td_test_ws_send (ws, big);
  g_assert_cmpuint (td_test_ws_wait_closed (ws, 5000), ==, 1009);
  assert_alive (other);
}

/* Connects with a raw socket and sends a WebSocket handshake (with an
 * Origin header if @origin is not NULL).  Returns the connection and the
 * HTTP status; bytes that followed the response header are left at the
 * start of @buf, their count in *@filled. */
/* Sends one raw frame on a fresh connection (libsoup's client refuses to
 * send invalid UTF-8 as text) and returns the close code the server answers
 * with, or 0 if none came within 5 s. */
static gushort
raw_frame_close_code (guint8 opcode, const void *payload, gsize len)
{
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  guint8 buf[4096];
  gsize filled;
  guint status;

  conn = td_test_raw_handshake (server->port, NULL, buf, sizeof buf, &filled, &status);
  g_assert_cmpuint (status, ==, 101);
  td_test_raw_send (conn, opcode, payload, len);

  while (filled < 4)
    {
      gssize n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)),
                                      buf + filled, sizeof buf - filled, NULL, &error);
      if (n <= 0)
        return 0;
      filled += n;
    }
  g_assert_cmpuint (buf[0] & 0x0f, ==, 0x8);
  return (gushort) ((buf[2] << 8) | buf[3]);
}

static void
test_invalid_utf8_and_binary (void)
{
  g_autoptr(TdTestWs) other = td_test_ws_connect (server->ws_url);
  const char bad[] = "{\"type\":\"ping\",\"x\":\"\xff\xfe\"}";
  const guint8 binary[] = { 0, 1, 2, 3 };

  g_assert_cmpuint (raw_frame_close_code (0x1, bad, sizeof bad - 1), ==, 1007);
  g_assert_cmpuint (raw_frame_close_code (0x2, binary, sizeof binary), ==, 1003);
  assert_alive (other);
}

/* The HTTP status of a WebSocket handshake carrying @origin (NULL: none). */
static guint
handshake_status (const char *origin)
{
  g_autoptr(GSocketConnection) conn = NULL;
  guint8 buf[1024];
  gsize filled;
  guint status;

  g_autofree char *line = origin ? g_strdup_printf ("Origin: %s\r\n", origin) : NULL;

  conn = td_test_raw_handshake (server->port, line, buf, sizeof buf, &filled, &status);
  return status;
}

static void
test_origin_check (void)
{
  /* Configured with allowed-origins = https://intranet.example.com */
  g_assert_cmpuint (handshake_status ("https://evil.example.net"), ==, 403);
  g_assert_cmpuint (handshake_status ("https://intranet.example.com"), ==, 101);
  /* Native clients send no Origin at all. */
  g_assert_cmpuint (handshake_status (NULL), ==, 101);
}

static void
test_requests_before_login (void)
{
  g_autoptr(TdTestWs) ws = td_test_ws_connect (server->ws_url);
  g_autoptr(TdFrame) send = td_frame_new_send ("early", "e1", "bob", "sneaky");
  g_autoptr(TdFrame) history = td_frame_new_history_request ("eh", "bob", 0, 10);
  g_autoptr(TdFrame) e1 = NULL;
  g_autoptr(TdFrame) e2 = NULL;

  td_test_ws_send_frame (ws, send);
  e1 = expect_error (ws, TD_ERR_NOT_AUTHENTICATED);
  g_assert_cmpstr (td_frame_get_req (e1), ==, "early");
  td_test_ws_send_frame (ws, history);
  e2 = expect_error (ws, TD_ERR_NOT_AUTHENTICATED);
  assert_alive (ws);
}

static void
test_already_authenticated (void)
{
  g_autoptr(TdTestWs) ws = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) backlog = td_test_ws_login (ws, "bob", "twice");
  g_autoptr(TdFrame) auth = td_frame_new_auth_password ("alice", TD_TEST_PASSWORD, "x", NULL);
  g_autoptr(TdFrame) error = NULL;

  td_test_ws_send_frame (ws, auth);
  error = expect_error (ws, TD_ERR_ALREADY_AUTHENTICATED);
}

static void
test_login_deadline (void)
{
  g_autoptr(TdTestWs) ws = td_test_ws_connect (server->ws_url);

  /* The server runs with auth-timeout = 3 s (see main). */
  g_assert_cmpuint (td_test_ws_wait_closed (ws, 10000), ==, 1008);
}

static void
test_bad_handshake (void)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", server->ws_url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);

  /* A plain GET on the WebSocket path is not an upgrade. */
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 400);
}

static void
test_nothing_lost (void)
{
  /* After all of the above, the server still delivers to everybody. */
  g_autoptr(TdTestWs) alice = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) b1 = td_test_ws_login (alice, "alice", "final");
  g_autoptr(TdFrame) sent = td_test_ws_send_message (alice, "final-1", "carol", "still here");
  g_autoptr(TdTestWs) carol = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) b2 = td_test_ws_login (carol, "carol", "final-c");

  g_assert_cmpint (td_frame_get_frame_type (sent), ==, TD_FRAME_SENT);
  g_assert_cmpuint (b2->len, ==, 1);
  g_assert_cmpstr (td_message_get_text (g_ptr_array_index (b2, 0)), ==, "still here");
}

/* ---- start-up errors ---- */

static void
assert_start_fails (const char * const *argv, int want_status, const char *want_text)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = td_test_run (argv, NULL, 30, &out, &err);

  g_test_message ("stderr: %s", err);
  g_assert_cmpint (status, ==, want_status);
  g_assert_nonnull (strstr (err, want_text));
}

static void
test_startup_errors (void)
{
  g_autofree char *conf = g_build_filename (server->data_dir, "bad.conf", NULL);
  const char *not_dir[] = { "tidingsd", "--listen", "127.0.0.1:0", "--data-dir", "/etc/passwd/sub", NULL };
  const char *no_conf[] = { "tidingsd", "--config", "/nonexistent/tidingsd.conf", NULL };
  const char *bad_listen[] = { "tidingsd", "--listen", "nowhere", NULL };
  const char *typo_conf[] = { "tidingsd", "--config", conf, NULL };
  const char *bad_dir_file[] = { "tidingsd", "--listen", "127.0.0.1:0", "--data-dir", server->data_dir,
                                 "--directory", "/nonexistent/dir.json", NULL };

  g_file_set_contents (conf, "[server]\nlisten = 127.0.0.1:0\nlsiten = typo\n", -1, NULL);

  assert_start_fails (not_dir, 1, "/etc/passwd/sub");
  assert_start_fails (no_conf, 2, "/nonexistent/tidingsd.conf");
  assert_start_fails (bad_listen, 2, "nowhere");
  assert_start_fails (typo_conf, 2, "lsiten");
  assert_start_fails (bad_dir_file, 1, "/nonexistent/dir.json");
}

int
main (int argc, char **argv)
{
  g_autofree char *conf = NULL;
  g_autofree char *dir = NULL;
  const char *extra[] = { "--config", NULL, NULL };
  int ret;

  g_test_init (&argc, &argv, NULL);

  dir = g_dir_make_tmp ("tidings-conf-XXXXXX", NULL);
  conf = g_build_filename (dir, "tidingsd.conf", NULL);
  g_file_set_contents (conf, "[server]\nauth-timeout = 3\nallowed-origins = https://intranet.example.com\n", -1, NULL);
  extra[1] = conf;
  server = td_test_server_new (extra);

  g_test_add_func ("/bad-input/malformed-frames", test_malformed_frames);
  g_test_add_func ("/bad-input/error-names-request", test_error_names_request);
  g_test_add_func ("/bad-input/text-too-long", test_text_too_long);
  g_test_add_func ("/bad-input/deep-nesting", test_deep_nesting);
  g_test_add_func ("/bad-input/oversized", test_oversized_message);
  g_test_add_func ("/bad-input/invalid-utf8-binary", test_invalid_utf8_and_binary);
  g_test_add_func ("/bad-input/before-login", test_requests_before_login);
  g_test_add_func ("/bad-input/already-authenticated", test_already_authenticated);
  g_test_add_func ("/bad-input/login-deadline", test_login_deadline);
  g_test_add_func ("/bad-input/bad-handshake", test_bad_handshake);
  g_test_add_func ("/bad-input/origin-check", test_origin_check);
  g_test_add_func ("/bad-input/startup-errors", test_startup_errors);
  g_test_add_func ("/bad-input/nothing-lost", test_nothing_lost);

  ret = g_test_run ();
  td_test_server_stop (server);
  td_test_server_free (server);
  g_unlink (conf);
  g_rmdir (dir);
  return ret;
}
