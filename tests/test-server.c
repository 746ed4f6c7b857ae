/* test-server.c - a real tidingsd on loopback, driven by raw protocol
 * clients: login, tokens, delivery, offline backlog, cursors, idempotency,
 * history, presence, health, clean shutdown. */
#define G_LOG_DOMAIN "test-server"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#include "td-test-util.h"

static TdTestServer *server;

static TdTestWs *
login (const char *user, const char *device, GPtrArray **out_backlog)
{
  TdTestWs *ws = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) backlog = td_test_ws_login (ws, user, device);

  if (out_backlog)
    *out_backlog = g_steal_pointer (&backlog);
  return ws;
}

static void
test_login_directory (void)
{
  g_autoptr(TdTestWs) ws = td_test_ws_connect (server->ws_url);
  g_autoptr(TdFrame) auth = td_frame_new_auth_password ("alice", TD_TEST_PASSWORD, "dev1", "test");
  g_autoptr(TdFrame) welcome = NULL;
  g_autoptr(TdFrame) directory = NULL;
  g_autoptr(TdFrame) synced = NULL;
  TdUser *me;
  GPtrArray *users;
  gboolean saw_alice = FALSE, saw_wang = FALSE;

  td_test_ws_send_frame (ws, auth);
  welcome = td_test_ws_expect (ws, TD_FRAME_WELCOME, 10000);
  me = td_frame_get_self_user (welcome);
  g_assert_cmpstr (td_user_get_login (me), ==, "alice");
  g_assert_cmpstr (td_user_get_name (me), ==, "Alice Smith");
  g_assert_cmpstr (td_user_get_department (me), ==, "Engineering");
  g_assert_cmpuint (strlen (td_frame_get_token (welcome)), ==, 43);
  g_assert_cmpint (td_frame_get_token_expires (welcome), >, g_get_real_time () / 1000 + 29LL * 24 * 3600 * 1000);
  g_assert_cmpint (td_frame_get_protocol (welcome), ==, TD_PROTO_VERSION);

  directory = td_test_ws_expect (ws, TD_FRAME_DIRECTORY, 10000);
  g_assert_true (td_frame_get_complete (directory));
  users = td_frame_get_users (directory);
  g_assert_cmpuint (users->len, ==, 6);
  g_assert_cmpuint (td_frame_get_departments (directory)->len, ==, 3);
  for (guint i = 0; i < users->len; i++)
    {
      TdUser *u = g_ptr_array_index (users, i);
      if (g_str_equal (td_user_get_login (u), "alice"))
        {
          saw_alice = TRUE;
          g_assert_cmpint (td_user_get_presence (u), ==, TD_PRESENCE_ONLINE);
        }
      else if (g_str_equal (td_user_get_login (u), "wang.fang"))
        {
          saw_wang = TRUE;
          g_assert_cmpstr (td_user_get_name (u), ==, "王芳");
          g_assert_cmpint (td_user_get_presence (u), ==, TD_PRESENCE_OFFLINE);
        }
    }
  g_assert_true (saw_alice && saw_wang);
  synced = td_test_ws_expect (ws, TD_FRAME_SYNCED, 10000);
}

static void
expect_error (TdTestWs *ws, TdErrorCode code)
{
  g_autoptr(TdFrame) error = td_test_ws_expect (ws, TD_FRAME_ERROR, 10000);

  g_assert_cmpstr (td_error_code_to_string (td_frame_get_error_code (error)), ==,
                   td_error_code_to_string (code));
}

static void
test_login_failures (void)
{
  g_autoptr(TdTestWs) ws = td_test_ws_connect (server->ws_url);
  g_autoptr(TdFrame) wrong = td_frame_new_auth_password ("alice", "wrong password", "d", NULL);
  g_autoptr(TdFrame) unknown = td_frame_new_auth_password ("nobody", "wrong password", "d", NULL);
  g_autoptr(TdFrame) e1 = NULL;
  g_autoptr(TdFrame) e2 = NULL;
  g_autoptr(TdFrame) pong = NULL;
  g_autoptr(TdFrame) ping = td_frame_new_ping ("p");

  /* Unknown user and wrong password are indistinguishable. */
  td_test_ws_send_frame (ws, wrong);
  e1 = td_test_ws_expect (ws, TD_FRAME_ERROR, 10000);
  td_test_ws_send_frame (ws, unknown);
  e2 = td_test_ws_expect (ws, TD_FRAME_ERROR, 10000);
  g_assert_cmpint (td_frame_get_error_code (e1), ==, TD_ERR_AUTH_FAILED);
  g_assert_cmpint (td_frame_get_error_code (e2), ==, TD_ERR_AUTH_FAILED);
  g_assert_cmpstr (td_frame_get_error_message (e1), ==, td_frame_get_error_message (e2));

  /* Still usable after two failures... */
  td_test_ws_send_frame (ws, ping);
  pong = td_test_ws_expect (ws, TD_FRAME_PONG, 5000);
  g_assert_cmpstr (td_frame_get_req (pong), ==, "p");

  /* ...closed after the third. */
  td_test_ws_send_frame (ws, wrong);
  expect_error (ws, TD_ERR_AUTH_FAILED);
  g_assert_cmpuint (td_test_ws_wait_closed (ws, 5000), ==, 1008);
}

static void
test_token_resume_and_logout (void)
{
  g_autoptr(TdTestWs) first = login ("carol", "laptop", NULL);
  g_autofree char *token = g_strdup (td_frame_get_token (td_test_ws_get_welcome (first)));
  g_autoptr(TdFrame) by_token = td_frame_new_auth_token (token, "laptop", NULL);
  g_autoptr(TdFrame) logout = td_frame_new_logout ("bye1");
  g_autoptr(TdFrame) bye = NULL;
  g_autoptr(TdFrame) welcome = NULL;
  g_autoptr(TdTestWs) second = NULL;
  g_autoptr(TdTestWs) third = NULL;

  second = td_test_ws_connect (server->ws_url);
  td_test_ws_send_frame (second, by_token);
  welcome = td_test_ws_expect (second, TD_FRAME_WELCOME, 10000);
  g_assert_cmpstr (td_user_get_login (td_frame_get_self_user (welcome)), ==, "carol");
  g_assert_cmpstr (td_frame_get_token (welcome), ==, token);
  /* Resuming does not extend the token: same expiry as issued. */
  g_assert_cmpint (td_frame_get_token_expires (welcome), ==,
                   td_frame_get_token_expires (td_test_ws_get_welcome (first)));

  /* Logging out revokes the token for every later connection. */
  td_test_ws_send_frame (first, logout);
  bye = td_test_ws_expect (first, TD_FRAME_BYE, 10000);
  g_assert_cmpstr (td_frame_get_req (bye), ==, "bye1");
  g_assert_cmpuint (td_test_ws_wait_closed (first, 5000), ==, 1000);

  third = td_test_ws_connect (server->ws_url);
  td_test_ws_send_frame (third, by_token);
  expect_error (third, TD_ERR_TOKEN_INVALID);
}

static void
test_password_change_revokes_tokens (void)
{
  g_autoptr(TdTestWs) ws = login ("dave", "d1", NULL);
  g_autofree char *token = g_strdup (td_frame_get_token (td_test_ws_get_welcome (ws)));
  g_autoptr(TdFrame) by_token = td_frame_new_auth_token (token, "d1", NULL);
  g_autoptr(TdTestWs) again = NULL;
  g_autofree char *out = NULL;
  const char *argv[] = { "tidingsctl", server->ctl_store_option, server->ctl_store_arg,
                         "user", "passwd", "dave",
                         "--password-file", server->password_file, NULL };

  g_assert_cmpint (td_test_run (argv, NULL, 60, &out, NULL), ==, 0);

  again = td_test_ws_connect (server->ws_url);
  td_test_ws_send_frame (again, by_token);
  expect_error (again, TD_ERR_TOKEN_INVALID);
}

static void
test_live_delivery_multi_device (void)
{
  g_autoptr(TdTestWs) alice = login ("alice", "a-laptop", NULL);
  g_autoptr(TdTestWs) alice2 = login ("alice", "a-phone", NULL);
  g_autoptr(TdTestWs) bob = login ("bob", "b-laptop", NULL);
  g_autoptr(TdTestWs) bob2 = login ("bob", "b-phone", NULL);
  g_autoptr(TdFrame) sent = td_test_ws_send_message (alice, "live-1", "bob", "Hello Bob 👋 你好");
  TdMessage *msg;
  TdTestWs *receivers[] = { bob, bob2, alice2 };

  g_assert_cmpint (td_frame_get_frame_type (sent), ==, TD_FRAME_SENT);
  g_assert_false (td_frame_get_duplicate (sent));
  msg = td_frame_get_message (sent);
  g_assert_cmpstr (td_message_get_from (msg), ==, "alice");
  g_assert_cmpstr (td_message_get_to (msg), ==, "bob");
  g_assert_cmpint (td_message_get_seq (msg), >, 0);
  g_assert_cmpint (td_message_get_mid (msg), >, 0);

  for (guint i = 0; i < G_N_ELEMENTS (receivers); i++)
    {
      g_autoptr(TdFrame) got = td_test_ws_expect (receivers[i], TD_FRAME_MESSAGE, 10000);
      TdMessage *m = td_frame_get_message (got);

      g_assert_cmpint (td_message_get_mid (m), ==, td_message_get_mid (msg));
      g_assert_cmpstr (td_message_get_id (m), ==, "live-1");
      g_assert_cmpstr (td_message_get_text (m), ==, "Hello Bob 👋 你好");
      g_assert_cmpstr (td_message_get_from (m), ==, "alice");
      td_test_ws_ack (receivers[i], td_message_get_seq (m));
    }
  /* The sending connection got "sent", not a second copy. */
  g_assert_null (td_test_ws_next (alice, 300));
}

static void
test_offline_backlog_in_order (void)
{
  g_autoptr(TdTestWs) carol = login ("carol", "c1", NULL);
  g_autoptr(GPtrArray) backlog = NULL;
  g_autoptr(GPtrArray) again = NULL;
  g_autoptr(TdTestWs) wang = NULL;
  g_autoptr(TdTestWs) wang2 = NULL;
  g_autoptr(TdTestWs) wang3 = NULL;

  for (guint i = 0; i < 30; i++)
    {
      g_autofree char *id = g_strdup_printf ("off-%u", i);
      g_autofree char *text = g_strdup_printf ("offline message %u", i);
      g_autoptr(TdFrame) sent = td_test_ws_send_message (carol, id, "wang.fang", text);
      g_assert_cmpint (td_frame_get_frame_type (sent), ==, TD_FRAME_SENT);
    }

  wang = login ("wang.fang", "w1", &backlog);
  g_assert_cmpuint (backlog->len, ==, 30);
  for (guint i = 0; i < 30; i++)
    {
      TdMessage *m = g_ptr_array_index (backlog, i);
      g_autofree char *text = g_strdup_printf ("offline message %u", i);
      g_assert_cmpstr (td_message_get_text (m), ==, text);
      g_assert_cmpint (td_message_get_seq (m), ==, (gint64) i + 1);
    }

  /* Not acknowledged: it all comes again. */
  td_test_ws_free (g_steal_pointer (&wang));
  wang2 = login ("wang.fang", "w1", &again);
  g_assert_cmpuint (again->len, ==, 30);

  /* Acknowledged: nothing more. */
  td_test_ws_ack (wang2, 30);
  {
    /* The ack is stored asynchronously: a ping round trip orders it. */
    g_autoptr(TdFrame) ping = td_frame_new_ping ("sync");
    g_autoptr(TdFrame) pong = NULL;
    td_test_ws_send_frame (wang2, ping);
    pong = td_test_ws_expect (wang2, TD_FRAME_PONG, 5000);
  }
  td_test_ws_free (g_steal_pointer (&wang2));
  g_clear_pointer (&again, g_ptr_array_unref);

  /* The ack job may still be in the store queue; a fresh login queues
   * behind it, so it sees the stored cursor. */
  wang3 = login ("wang.fang", "w1", &again);
  g_assert_cmpuint (again->len, ==, 0);
}

static void
test_new_device_cursor (void)
{
  g_autoptr(TdTestWs) alice = login ("alice", "nd-a", NULL);
  g_autoptr(TdTestWs) dave = NULL;
  g_autoptr(TdTestWs) dave_new = NULL;
  g_autoptr(GPtrArray) backlog = NULL;
  g_autoptr(GPtrArray) fresh = NULL;
  g_autoptr(TdFrame) s1 = td_test_ws_send_message (alice, "nd-1", "dave", "first");
  g_autoptr(TdFrame) s2 = NULL;
  g_autoptr(TdFrame) ping = td_frame_new_ping ("x");
  g_autoptr(TdFrame) pong = NULL;

  dave = login ("dave", "dave-phone", &backlog);
  g_assert_cmpuint (backlog->len, >=, 1);
  td_test_ws_ack (dave, td_message_get_seq (g_ptr_array_index (backlog, backlog->len - 1)));
  td_test_ws_send_frame (dave, ping);
  pong = td_test_ws_expect (dave, TD_FRAME_PONG, 5000);
  td_test_ws_free (g_steal_pointer (&dave));

  /* Sent while every device of dave is offline. */
  s2 = td_test_ws_send_message (alice, "nd-2", "dave", "second");

  /* A device never seen before gets what no device acknowledged. */
  dave_new = login ("dave", "dave-new-laptop", &fresh);
  g_assert_cmpuint (fresh->len, ==, 1);
  g_assert_cmpstr (td_message_get_text (g_ptr_array_index (fresh, 0)), ==, "second");
}

static void
test_idempotent_resend (void)
{
  g_autoptr(TdTestWs) alice = login ("alice", "idem", NULL);
  g_autoptr(TdTestWs) bob = login ("bob", "idem-b", NULL);
  g_autoptr(TdFrame) first = td_test_ws_send_message (alice, "same-id", "bob", "only once");
  g_autoptr(TdFrame) second = td_test_ws_send_message (alice, "same-id", "bob", "only once");
  g_autoptr(TdFrame) conflict = td_test_ws_send_message (alice, "same-id", "bob", "other text");
  g_autoptr(TdFrame) got = NULL;

  g_assert_cmpint (td_frame_get_frame_type (first), ==, TD_FRAME_SENT);
  g_assert_cmpint (td_frame_get_frame_type (second), ==, TD_FRAME_SENT);
  g_assert_false (td_frame_get_duplicate (first));
  g_assert_true (td_frame_get_duplicate (second));
  g_assert_cmpint (td_message_get_mid (td_frame_get_message (first)), ==,
                   td_message_get_mid (td_frame_get_message (second)));
  g_assert_cmpint (td_frame_get_frame_type (conflict), ==, TD_FRAME_ERROR);
  g_assert_cmpint (td_frame_get_error_code (conflict), ==, TD_ERR_ID_CONFLICT);
  g_assert_cmpstr (td_frame_get_id (conflict), ==, "same-id");

  got = td_test_ws_expect (bob, TD_FRAME_MESSAGE, 10000);
  g_assert_cmpstr (td_message_get_id (td_frame_get_message (got)), ==, "same-id");
  /* Exactly one copy reached bob. */
  g_assert_null (td_test_ws_next (bob, 500));
}

static void
test_sender_is_the_session (void)
{
  g_autoptr(TdTestWs) alice = login ("alice", "spoof", NULL);
  g_autoptr(TdFrame) sent = NULL;

  /* A "from" member is ignored: the sender is who logged in. */
  td_test_ws_send (alice, "{\"type\":\"send\",\"req\":\"sp\",\"id\":\"spoof-1\",\"to\":\"carol\","
                          "\"text\":\"hi\",\"from\":\"bob\"}");
  sent = td_test_ws_expect (alice, TD_FRAME_SENT, 10000);
  g_assert_cmpstr (td_message_get_from (td_frame_get_message (sent)), ==, "alice");
}

static void
test_history_paging (void)
{
  g_autoptr(TdTestWs) bob = login ("bob", "hist", NULL);
  g_autoptr(TdFrame) page1 = NULL;
  g_autoptr(TdFrame) page2 = NULL;
  g_autoptr(TdFrame) page3 = NULL;
  g_autoptr(TdFrame) r1 = td_frame_new_history_request ("h1", "dave", 0, 50);
  g_autoptr(TdFrame) r2 = NULL;
  g_autoptr(TdFrame) r3 = NULL;
  GPtrArray *msgs;

  for (guint i = 0; i < 120; i++)
    {
      g_autofree char *id = g_strdup_printf ("hist-%u", i);
      g_autofree char *text = g_strdup_printf ("h%u", i);
      g_autoptr(TdFrame) sent = td_test_ws_send_message (bob, id, "dave", text);
      g_assert_cmpint (td_frame_get_frame_type (sent), ==, TD_FRAME_SENT);
    }

  td_test_ws_send_frame (bob, r1);
  page1 = td_test_ws_expect (bob, TD_FRAME_HISTORY, 10000);
  msgs = td_frame_get_messages (page1);
  g_assert_cmpuint (msgs->len, ==, 50);
  g_assert_true (td_frame_get_more (page1));
  g_assert_cmpstr (td_message_get_text (g_ptr_array_index (msgs, 0)), ==, "h70");
  g_assert_cmpstr (td_message_get_text (g_ptr_array_index (msgs, 49)), ==, "h119");

  r2 = td_frame_new_history_request ("h2", "dave", td_message_get_mid (g_ptr_array_index (msgs, 0)), 50);
  td_test_ws_send_frame (bob, r2);
  page2 = td_test_ws_expect (bob, TD_FRAME_HISTORY, 10000);
  msgs = td_frame_get_messages (page2);
  g_assert_cmpuint (msgs->len, ==, 50);
  g_assert_cmpstr (td_message_get_text (g_ptr_array_index (msgs, 0)), ==, "h20");

  r3 = td_frame_new_history_request ("h3", "dave", td_message_get_mid (g_ptr_array_index (msgs, 0)), 50);
  td_test_ws_send_frame (bob, r3);
  page3 = td_test_ws_expect (bob, TD_FRAME_HISTORY, 10000);
  msgs = td_frame_get_messages (page3);
  g_assert_cmpuint (msgs->len, ==, 20);
  g_assert_false (td_frame_get_more (page3));
  g_assert_cmpstr (td_message_get_text (g_ptr_array_index (msgs, 0)), ==, "h0");
}

static TdFrame *
expect_presence (TdTestWs *ws, const char *user, TdPresence status)
{
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *text = td_test_ws_recv (ws, 10000);
      g_autoptr(TdFrame) frame = NULL;

      g_assert_nonnull (text);
      frame = td_frame_decode (text, strlen (text), TD_PROTO_MAX_SERVER_FRAME, NULL, NULL);
      if (frame && td_frame_get_frame_type (frame) == TD_FRAME_PRESENCE &&
          g_str_equal (td_frame_get_user (frame), user) && td_frame_get_status (frame) == status)
        return g_steal_pointer (&frame);
    }
  g_error ("no presence %s for %s", td_presence_to_string (status), user);
}

static void
test_presence (void)
{
  g_autoptr(TdTestWs) alice = login ("alice", "pres", NULL);
  g_autoptr(TdTestWs) wang = login ("wang.fang", "pres-w", NULL);
  g_autoptr(TdFrame) away = td_frame_new_status (TD_PRESENCE_AWAY);
  g_autoptr(TdFrame) p1 = NULL;
  g_autoptr(TdFrame) p2 = NULL;
  g_autoptr(TdFrame) p3 = NULL;

  p1 = expect_presence (alice, "wang.fang", TD_PRESENCE_ONLINE);
  td_test_ws_send_frame (wang, away);
  p2 = expect_presence (alice, "wang.fang", TD_PRESENCE_AWAY);
  td_test_ws_free (g_steal_pointer (&wang));
  p3 = expect_presence (alice, "wang.fang", TD_PRESENCE_OFFLINE);
}

static void
test_health (void)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("%s/api/v1/health", server->http_url);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_assert_nonnull (strstr (text, "\"status\":\"ok\""));
}

static void
test_restart_keeps_everything (void)
{
  g_autoptr(TdTestWs) carol = login ("carol", "rs", NULL);
  g_autoptr(TdFrame) sent = td_test_ws_send_message (carol, "restart-1", "admin", "survives SIGTERM");
  g_autoptr(GPtrArray) backlog = NULL;
  g_autoptr(TdTestWs) admin = NULL;
  gushort code;

  g_assert_cmpint (td_frame_get_frame_type (sent), ==, TD_FRAME_SENT);
  td_test_server_stop (server);     /* asserts exit status 0 */
  code = td_test_ws_wait_closed (carol, 5000);
  g_assert_true (code == 1001 || code == 1006);
  td_test_server_start (server);

  admin = login ("admin", "rs-a", &backlog);
  g_assert_cmpuint (backlog->len, >=, 1);
  g_assert_cmpstr (td_message_get_text (g_ptr_array_index (backlog, backlog->len - 1)), ==,
                   "survives SIGTERM");
}

static void
test_directory_at_start (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tidings-dir-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "extra.csv", NULL);
  const char *extra[] = { "--directory", file, NULL };
  g_autoptr(TdTestServer) other = NULL;
  g_autoptr(TdTestWs) ws = NULL;
  g_autoptr(TdFrame) auth = td_frame_new_auth_password ("alice", TD_TEST_PASSWORD, "d", NULL);
  g_autoptr(TdFrame) directory = NULL;
  g_autoptr(TdFrame) welcome = NULL;

  g_file_set_contents (file, "login,name,department,title\nerin,Erin Green,Support,Agent\n", -1, NULL);
  other = td_test_server_new (extra);
  /* Importing the same file at every start changes nothing. */
  td_test_server_stop (other);
  td_test_server_start (other);

  ws = td_test_ws_connect (other->ws_url);
  td_test_ws_send_frame (ws, auth);
  welcome = td_test_ws_expect (ws, TD_FRAME_WELCOME, 10000);
  directory = td_test_ws_expect (ws, TD_FRAME_DIRECTORY, 10000);
  g_assert_cmpuint (td_frame_get_users (directory)->len, ==, 7);
  g_assert_true (g_ptr_array_find_with_equal_func (td_frame_get_departments (directory), "Support",
                                                   g_str_equal, NULL));
  g_unlink (file);
  g_rmdir (dir);
}

static void
test_disable_signs_out (void)
{
  g_autoptr(TdTestWs) ws = login ("dave", "dis", NULL);
  g_autofree char *out = NULL;
  const char *disable[] = { "tidingsctl", server->ctl_store_option, server->ctl_store_arg,
                            "user", "disable", "dave", NULL };
  const char *enable[] = { "tidingsctl", server->ctl_store_option, server->ctl_store_arg,
                           "user", "enable", "dave", NULL };

  g_assert_cmpint (td_test_run (disable, NULL, 60, &out, NULL), ==, 0);
  /* SIGHUP makes the server reread the directory now rather than within a minute. */
  g_subprocess_send_signal (server->proc, SIGHUP);
  g_assert_cmpuint (td_test_ws_wait_closed (ws, 10000), ==, 1008);
  g_assert_cmpint (td_test_run (enable, NULL, 60, NULL, NULL), ==, 0);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  server = td_test_server_new (NULL);

  g_test_add_func ("/server/login-directory", test_login_directory);
  g_test_add_func ("/server/login-failures", test_login_failures);
  g_test_add_func ("/server/token-resume-logout", test_token_resume_and_logout);
  g_test_add_func ("/server/password-change-revokes", test_password_change_revokes_tokens);
  g_test_add_func ("/server/live-delivery-multi-device", test_live_delivery_multi_device);
  g_test_add_func ("/server/offline-backlog", test_offline_backlog_in_order);
  g_test_add_func ("/server/new-device-cursor", test_new_device_cursor);
  g_test_add_func ("/server/idempotent-resend", test_idempotent_resend);
  g_test_add_func ("/server/sender-is-session", test_sender_is_the_session);
  g_test_add_func ("/server/history-paging", test_history_paging);
  g_test_add_func ("/server/presence", test_presence);
  g_test_add_func ("/server/health", test_health);
  g_test_add_func ("/server/disable-signs-out", test_disable_signs_out);
  g_test_add_func ("/server/restart", test_restart_keeps_everything);
  g_test_add_func ("/server/directory-at-start", test_directory_at_start);

  ret = g_test_run ();
  td_test_server_stop (server);
  td_test_server_free (server);
  return ret;
}
