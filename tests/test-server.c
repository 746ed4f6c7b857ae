/* test-server.c - a real tidingsd on loopback, driven by raw protocol
 * clients: login, tokens, delivery, offline backlog, cursors, idempotency,
 * history, presence, health, clean shutdown, the directory version and
 * coalesced presence (docs/protocol.md 5.2, 5.3, 7.1). */
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
  g_assert_false (td_frame_get_unchanged (directory));
  /* 16 hex digits of a hash of the content. */
  g_assert_cmpuint (strlen (td_frame_get_directory_version (directory)), ==, 16);
  users = td_frame_get_users (directory);
  g_assert_cmpuint (users->len, ==, 6);
  g_assert_cmpuint (td_frame_get_departments (directory)->len, ==, 3);
  for (guint i = 0; i < users->len; i++)
    {
      TdUser *u = g_ptr_array_index (users, i);
      if (g_str_equal (td_user_get_login (u), "alice"))
        {
          saw_alice = TRUE;
          /* Presence is not in the directory any more: it comes in the
           * snapshot that follows. */
          g_assert_cmpint (td_user_get_presence (u), ==, TD_PRESENCE_OFFLINE);
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

/* TRUE if the list-form presence @frame says @user is @status. */
static gboolean
presence_says (TdFrame *frame, const char *user, TdPresence status)
{
  g_assert_true (td_frame_is_presence_list (frame));
  if (status == TD_PRESENCE_OFFLINE && td_frame_get_snapshot (frame))
    {
      for (TdPresence p = TD_PRESENCE_ONLINE; p <= TD_PRESENCE_BUSY; p++)
        if (g_strv_contains (td_frame_get_presence_logins (frame, p), user))
          return FALSE;
      return TRUE;
    }
  return g_strv_contains (td_frame_get_presence_logins (frame, status), user);
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
          presence_says (frame, user, status))
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


/* ---- directory version and coalesced presence ---- */

/* What one session start brought (docs/protocol.md 7.1). */
typedef struct {
  TdTestWs   *ws;
  char       *version;
  gboolean    unchanged;
  guint       n_directory_frames;
  guint       n_users;
  guint       n_departments;
  /* login -> GINT_TO_POINTER (TdPresence), offline ones absent; from the
   * snapshot, then every delta read since. */
  GHashTable *view;
  guint       n_presence_frames;  /* deltas read after the snapshot */
} Start;

static void
start_free (Start *st)
{
  g_clear_pointer (&st->ws, td_test_ws_free);
  g_free (st->version);
  g_hash_table_unref (st->view);
  g_free (st);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Start, start_free)

static TdFrame *
read_frame (TdTestWs *ws, guint timeout_ms)
{
  g_autofree char *text = td_test_ws_recv (ws, timeout_ms);
  g_autoptr(GError) error = NULL;
  TdFrame *frame;

  if (text == NULL)
    return NULL;
  frame = td_frame_decode (text, strlen (text), TD_PROTO_MAX_SERVER_FRAME, NULL, &error);
  g_assert_no_error (error);
  return frame;
}

static void
apply_presence (GHashTable *view, TdFrame *frame)
{
  g_assert_true (td_frame_is_presence_list (frame));
  if (td_frame_get_snapshot (frame))
    g_hash_table_remove_all (view);
  for (TdPresence p = TD_PRESENCE_OFFLINE; p <= TD_PRESENCE_BUSY; p++)
    {
      const char * const *logins = td_frame_get_presence_logins (frame, p);

      for (guint i = 0; logins[i] != NULL; i++)
        {
          if (p == TD_PRESENCE_OFFLINE)
            g_hash_table_remove (view, logins[i]);
          else
            g_hash_table_replace (view, g_strdup (logins[i]), GINT_TO_POINTER (p));
        }
    }
}

/* Logs in on @ws (password, or token when @token is set) naming
 * @directory_version, and reads the session start up to "synced",
 * checking its order: welcome, directory frame(s), one presence snapshot,
 * the rest. */
static Start *
start_session_on (TdTestWs *ws, const char *user, const char *token, const char *device,
                  const char *directory_version)
{
  g_autoptr(Start) st = g_new0 (Start, 1);
  g_autoptr(TdFrame) auth = NULL;
  g_autoptr(TdFrame) welcome = NULL;
  gboolean complete = FALSE, snapshot = FALSE;

  st->ws = ws;
  st->view = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (token != NULL)
    auth = td_frame_new_auth_token_cached (token, device, "test", directory_version);
  else
    auth = td_frame_new_auth_password_cached (user, TD_TEST_PASSWORD, device, "test",
                                              directory_version);
  td_test_ws_send_frame (ws, auth);
  welcome = td_test_ws_expect (ws, TD_FRAME_WELCOME, 10000);
  for (;;)
    {
      g_autoptr(TdFrame) frame = read_frame (ws, 10000);

      g_assert_nonnull (frame);
      switch (td_frame_get_frame_type (frame))
        {
        case TD_FRAME_DIRECTORY:
          g_assert_false (complete);
          st->n_directory_frames++;
          st->n_users += td_frame_get_users (frame)->len;
          st->n_departments = td_frame_get_departments (frame)->len;
          st->unchanged = td_frame_get_unchanged (frame);
          g_assert_nonnull (td_frame_get_directory_version (frame));
          if (st->version == NULL)
            st->version = g_strdup (td_frame_get_directory_version (frame));
          g_assert_cmpstr (st->version, ==, td_frame_get_directory_version (frame));
          complete = td_frame_get_complete (frame);
          break;
        case TD_FRAME_PRESENCE:
          /* Right after the directory comes exactly one snapshot. */
          g_assert_true (complete);
          g_assert_true (snapshot || td_frame_get_snapshot (frame));
          if (snapshot)
            st->n_presence_frames++;
          snapshot = TRUE;
          apply_presence (st->view, frame);
          break;
        case TD_FRAME_SYNCED:
          g_assert_true (snapshot);
          return g_steal_pointer (&st);
        default:
          g_assert_true (snapshot);
          break;
        }
    }
}

static Start *
start_session (const char *user, const char *device, const char *directory_version)
{
  return start_session_on (td_test_ws_connect (server->ws_url), user, NULL, device,
                           directory_version);
}

static void
run_ctl_ok (TdTestServer *on, const char *a, const char *b, const char *c,
            const char *d, const char *e, const char *f, const char *g)
{
  const char *argv[] = { "tidingsctl", on->ctl_store_option, on->ctl_store_arg,
                         a, b, c, d, e, f, g, NULL };

  g_assert_cmpint (td_test_run (argv, NULL, 60, NULL, NULL), ==, 0);
}

/* Logs in with @version after a SIGHUP until the directory is sent in
 * full (the reload has happened); returns that session. */
static Start *
wait_directory_changed (const char *version)
{
  g_subprocess_send_signal (server->proc, SIGHUP);
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(Start) st = start_session ("dave", "dv-poll", version);

      if (!st->unchanged)
        return g_steal_pointer (&st);
      g_usleep (100 * 1000);
    }
  g_error ("the directory did not change after a reload");
}

static void
test_directory_version (void)
{
  g_autoptr(Start) full = start_session ("alice", "dv-a", NULL);
  g_autoptr(Start) same = NULL;
  g_autoptr(Start) wrong = NULL;
  g_autoptr(Start) added = NULL;
  g_autoptr(Start) removed = NULL;

  /* No version: the whole directory, with its version. */
  g_assert_false (full->unchanged);
  g_assert_cmpuint (full->n_users, ==, 6);
  g_assert_cmpuint (strlen (full->version), ==, 16);

  /* The current version: one frame, no users, departments as usual. */
  same = start_session ("bob", "dv-b", full->version);
  g_assert_true (same->unchanged);
  g_assert_cmpuint (same->n_directory_frames, ==, 1);
  g_assert_cmpuint (same->n_users, ==, 0);
  g_assert_cmpuint (same->n_departments, ==, 3);
  g_assert_cmpstr (same->version, ==, full->version);

  /* Any other version: the whole directory. */
  wrong = start_session ("carol", "dv-c", "0000000000000000");
  g_assert_false (wrong->unchanged);
  g_assert_cmpuint (wrong->n_users, ==, 6);
  g_assert_cmpstr (wrong->version, ==, full->version);

  /* Someone added with tidingsctl: after the reload, a new version. */
  run_ctl_ok (server, "user", "add", "frank", "--name", "Frank Gray", "--department", "Sales");
  added = wait_directory_changed (full->version);
  g_assert_cmpuint (added->n_users, ==, 7);
  g_assert_cmpstr (added->version, !=, full->version);

  /* And removed again: the same content gives the same version (it is a
   * hash of the content, not a counter), so older caches become valid. */
  run_ctl_ok (server, "user", "del", "frank", NULL, NULL, NULL, NULL);
  removed = wait_directory_changed (added->version);
  g_assert_cmpuint (removed->n_users, ==, 6);
  g_assert_cmpstr (removed->version, ==, full->version);
}

/* Reads @st's frames until its view equals @want (login -> presence,
 * offline absent) or 10 s pass. */
static void
converge (Start *st, GHashTable *want)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  for (;;)
    {
      g_autoptr(TdFrame) frame = NULL;
      GHashTableIter iter;
      gpointer key, value;
      gboolean same = g_hash_table_size (st->view) == g_hash_table_size (want);

      g_hash_table_iter_init (&iter, want);
      while (same && g_hash_table_iter_next (&iter, &key, &value))
        same = g_hash_table_lookup (st->view, key) == value;
      if (same)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("presence view did not converge");
      frame = read_frame (st->ws, 500);
      if (frame != NULL && td_frame_get_frame_type (frame) == TD_FRAME_PRESENCE)
        {
          apply_presence (st->view, frame);
          st->n_presence_frames++;
        }
    }
}

static void
test_presence_views (void)
{
  static const char * const logins[] = { "alice", "bob", "carol", "dave", "wang.fang" };
  g_autoptr(GPtrArray) starts = g_ptr_array_new_with_free_func ((GDestroyNotify) start_free);
  g_autoptr(GHashTable) want = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(TdFrame) busy = td_frame_new_status (TD_PRESENCE_BUSY);

  /* One after the other: each joins with a snapshot and follows the
   * deltas; everyone ends with the same, exact view. */
  for (guint i = 0; i < G_N_ELEMENTS (logins); i++)
    {
      g_ptr_array_add (starts, start_session (logins[i], "pv", NULL));
      g_hash_table_insert (want, (gpointer) logins[i], GINT_TO_POINTER (TD_PRESENCE_ONLINE));
    }
  for (guint i = 0; i < starts->len; i++)
    converge (g_ptr_array_index (starts, i), want);

  td_test_ws_send_frame (((Start *) g_ptr_array_index (starts, 1))->ws, busy);
  g_hash_table_insert (want, "bob", GINT_TO_POINTER (TD_PRESENCE_BUSY));
  for (guint i = 0; i < starts->len; i++)
    converge (g_ptr_array_index (starts, i), want);

  /* carol leaves; a newcomer's snapshot agrees with the others' deltas. */
  g_ptr_array_remove_index (starts, 2);
  g_hash_table_remove (want, "carol");
  for (guint i = 0; i < starts->len; i++)
    converge (g_ptr_array_index (starts, i), want);
  g_ptr_array_add (starts, start_session ("admin", "pv", NULL));
  g_hash_table_insert (want, "admin", GINT_TO_POINTER (TD_PRESENCE_ONLINE));
  for (guint i = 0; i < starts->len; i++)
    converge (g_ptr_array_index (starts, i), want);
}

/* Mirrors TD_SERVER_PRESENCE_DELAY_MS (server/td-server-private.h). */
#define PRESENCE_DELAY_MS 250
#define BURST 20

static void
test_presence_burst (void)
{
  g_autofree char *dir = g_dir_make_tmp ("tidings-burst-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "burst.json", NULL);
  g_autoptr(GString) json = g_string_new ("{\"departments\":[{\"name\":\"Burst\"}],\"users\":[");
  g_autoptr(TdTestServer) other = td_test_server_new (NULL);
  g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func ((GDestroyNotify) td_test_ws_free);
  g_autoptr(GHashTable) want = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(Start) observer = NULL;
  gint64 first_auth, last_welcome;
  guint frames_before, n_frames, bound;

  for (guint i = 0; i < BURST; i++)
    g_string_append_printf (json, "%s{\"login\":\"p%02u\",\"name\":\"P %u\",\"department\":\"Burst\"}",
                            i > 0 ? "," : "", i, i);
  g_string_append (json, "]}");
  g_assert_true (g_file_set_contents (file, json->str, -1, NULL));
  {
    const char *argv[] = { "tidingsctl", other->ctl_store_option, other->ctl_store_arg,
                           "import", file, "--default-password-file", other->password_file, NULL };

    g_assert_cmpint (td_test_run (argv, NULL, 120, NULL, NULL), ==, 0);
  }
  g_unlink (file);
  g_rmdir (dir);
  /* Restarted: the server reads the imported people at start. */
  td_test_server_stop (other);
  td_test_server_start (other);

  /* Tokens first (password checks are slow on purpose), then everyone
   * is offline again. */
  for (guint i = 0; i < BURST; i++)
    {
      g_autofree char *login = g_strdup_printf ("p%02u", i);
      g_autoptr(TdTestWs) ws = td_test_ws_connect (other->ws_url);
      g_autoptr(GPtrArray) backlog = td_test_ws_login (ws, login, "burst");

      g_ptr_array_add (tokens, g_strdup (td_frame_get_token (td_test_ws_get_welcome (ws))));
    }
  observer = start_session_on (td_test_ws_connect (other->ws_url), "alice", NULL, "burst-obs", NULL);
  g_hash_table_insert (want, g_strdup ("alice"), GINT_TO_POINTER (TD_PRESENCE_ONLINE));
  converge (observer, want);

  /* The burst: all sockets open, then 20 token logins back to back. */
  for (guint i = 0; i < BURST; i++)
    g_ptr_array_add (sockets, td_test_ws_connect (other->ws_url));
  frames_before = observer->n_presence_frames;
  first_auth = g_get_monotonic_time ();
  for (guint i = 0; i < BURST; i++)
    {
      g_autoptr(TdFrame) auth = td_frame_new_auth_token (g_ptr_array_index (tokens, i), "burst", "test");

      td_test_ws_send_frame (g_ptr_array_index (sockets, i), auth);
    }
  for (guint i = 0; i < BURST; i++)
    {
      g_autoptr(TdFrame) welcome = td_test_ws_expect (g_ptr_array_index (sockets, i), TD_FRAME_WELCOME, 10000);

      g_hash_table_insert (want, g_strdup_printf ("p%02u", i), GINT_TO_POINTER (TD_PRESENCE_ONLINE));
    }
  last_welcome = g_get_monotonic_time ();
  converge (observer, want);

  /* One frame per flush, at most one flush per PRESENCE_DELAY_MS while
   * the logins went on, plus the flush after the last one.  The bound
   * grows with a slow machine but the count must stay below one frame
   * per login, and the view is exact (converge). */
  n_frames = observer->n_presence_frames - frames_before;
  bound = 2 + (guint) ((last_welcome - first_auth) / 1000 / PRESENCE_DELAY_MS);
  g_test_message ("%u logins in %" G_GINT64_FORMAT " ms reached the observer in %u presence frames",
                  BURST, (last_welcome - first_auth) / 1000, n_frames);
  g_assert_cmpuint (n_frames, >=, 1);
  g_assert_cmpuint (n_frames, <=, MIN (bound, BURST - 1));
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
  g_test_add_func ("/server/directory-version", test_directory_version);
  g_test_add_func ("/server/presence-views", test_presence_views);
  g_test_add_func ("/server/presence-burst", test_presence_burst);

  ret = g_test_run ();
  td_test_server_stop (server);
  td_test_server_free (server);
  return ret;
}
