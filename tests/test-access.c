/* test-access.c - who may read and do what, attacked from a logged-in
 * session of an ordinary user (carol, Sales) against a real tidingsd:
 *
 *   - a "from" member in a send frame is ignored: the sender is the session;
 *   - history only ever covers the caller's own conversations;
 *   - a group one is not in can be neither read, written, typed into, marked
 *     read nor edited, and department groups cannot be edited at all;
 *   - someone else's reminder can be neither changed nor inspected;
 *   - admin-only frames are refused for others;
 *   - server-only frames sent by a client are refused;
 *   - an unknown user and a wrong password get the same answer (the times
 *     are printed: machines are too noisy to assert them).
 * Every refusal must leave the connection usable and store nothing.
 */
#define G_LOG_DOMAIN "test-access"

#include <string.h>

#include "td-test-util.h"

static TdTestServer *server;

static TdFrame *
expect_error (TdTestWs *ws, TdErrorCode code)
{
  g_autoptr(TdFrame) frame = td_test_ws_next (ws, 20000);

  g_assert_nonnull (frame);
  if (td_frame_get_frame_type (frame) != TD_FRAME_ERROR)
    g_error ("expected error %s, got %s", td_error_code_to_string (code),
             td_frame_type_to_string (td_frame_get_frame_type (frame)));
  g_assert_cmpstr (td_error_code_to_string (td_frame_get_error_code (frame)), ==,
                   td_error_code_to_string (code));
  return g_steal_pointer (&frame);
}

/* Logs in and returns the connection plus the address of the user's
 * department group, read from the "groups" frame of the session start. */
static TdTestWs *
login_with_group (const char *user, const char *device, char **out_group)
{
  TdTestWs *ws = td_test_ws_connect (server->ws_url);
  g_autoptr(TdFrame) auth = td_frame_new_auth_password (user, TD_TEST_PASSWORD, device, NULL);

  td_test_ws_send_frame (ws, auth);
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(TdFrame) frame = td_test_ws_next (ws, 20000);

      g_assert_nonnull (frame);
      if (td_frame_get_frame_type (frame) == TD_FRAME_GROUPS)
        {
          GPtrArray *groups = td_frame_get_groups (frame);

          for (guint k = 0; k < groups->len; k++)
            if (td_group_get_kind (g_ptr_array_index (groups, k)) == TD_GROUP_DEPARTMENT)
              *out_group = g_strdup (td_group_get_address (g_ptr_array_index (groups, k)));
        }
      if (td_frame_get_frame_type (frame) == TD_FRAME_SYNCED)
        break;
    }
  g_assert_nonnull (*out_group);
  return ws;
}

static void
assert_alive (TdTestWs *ws)
{
  g_autoptr(TdFrame) ping = td_frame_new_ping ("alive");
  g_autoptr(TdFrame) pong = NULL;

  td_test_ws_send_frame (ws, ping);
  pong = td_test_ws_expect (ws, TD_FRAME_PONG, 20000);
  g_assert_cmpstr (td_frame_get_req (pong), ==, "alive");
}

static void
test_sender_and_history (void)
{
  g_autoptr(TdTestWs) alice = td_test_ws_connect (server->ws_url);
  g_autoptr(TdTestWs) carol = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) b1 = td_test_ws_login (alice, "alice", "acc-a");
  g_autoptr(GPtrArray) b2 = td_test_ws_login (carol, "carol", "acc-c");
  g_autoptr(TdFrame) private = td_test_ws_send_message (alice, "secret-1", "bob", "for bob only");
  g_autoptr(TdFrame) sent = NULL;
  g_autoptr(TdFrame) history = NULL;
  g_autoptr(TdFrame) request = td_frame_new_history_request ("h1", "bob", 0, 200);

  /* A forged sender is ignored. */
  td_test_ws_send (carol, "{\"type\":\"send\",\"req\":\"f1\",\"id\":\"forged-1\",\"from\":\"admin\","
                          "\"to\":\"bob\",\"text\":\"I am the admin\"}");
  sent = td_test_ws_expect (carol, TD_FRAME_SENT, 20000);
  g_assert_cmpstr (td_message_get_from (td_frame_get_message (sent)), ==, "carol");

  /* carol's history "with bob" is hers, not alice's. */
  td_test_ws_send_frame (carol, request);
  history = td_test_ws_expect (carol, TD_FRAME_HISTORY, 20000);
  for (guint i = 0; i < td_frame_get_messages (history)->len; i++)
    {
      TdMessage *m = g_ptr_array_index (td_frame_get_messages (history), i);

      g_assert_true (g_str_equal (td_message_get_from (m), "carol") ||
                     g_str_equal (td_message_get_to (m), "carol"));
      g_assert_cmpstr (td_message_get_text (m), !=, "for bob only");
    }
  g_assert_cmpuint (td_frame_get_messages (history)->len, ==, 1);
}

static void
test_foreign_group (void)
{
  g_autofree char *eng = NULL;
  g_autofree char *sales = NULL;
  g_autoptr(TdTestWs) alice = login_with_group ("alice", "acc-g-a", &eng);
  g_autoptr(TdTestWs) carol = login_with_group ("carol", "acc-g-c", &sales);
  g_autoptr(TdFrame) in_eng = td_test_ws_send_message (alice, "eng-1", eng, "engineering only");
  gint64 mid = td_message_get_mid (td_frame_get_message (in_eng));

  g_assert_cmpstr (eng, !=, sales);

  /* Read, write, type, mark read: all refused. */
  {
    g_autoptr(TdFrame) f = td_frame_new_history_request ("gh", eng, 0, 50);
    g_autoptr(TdFrame) e = NULL;
    td_test_ws_send_frame (carol, f);
    e = expect_error (carol, TD_ERR_FORBIDDEN);
    g_assert_cmpstr (td_frame_get_req (e), ==, "gh");
  }
  {
    g_autoptr(TdFrame) f = td_frame_new_send ("gs", "intrude-1", eng, "let me in");
    g_autoptr(TdFrame) e = NULL;
    td_test_ws_send_frame (carol, f);
    e = expect_error (carol, TD_ERR_FORBIDDEN);
    g_assert_cmpstr (td_frame_get_id (e), ==, "intrude-1");
  }
  {
    g_autoptr(TdFrame) f = td_frame_new_typing (NULL, eng);
    g_autoptr(TdFrame) e = NULL;
    td_test_ws_send_frame (carol, f);
    e = expect_error (carol, TD_ERR_FORBIDDEN);
  }
  {
    g_autoptr(TdFrame) f = td_frame_new_read (eng, mid);
    g_autoptr(TdFrame) e = NULL;
    td_test_ws_send_frame (carol, f);
    e = expect_error (carol, TD_ERR_FORBIDDEN);
  }
  /* Joining a foreign ad-hoc group, or editing a department group. */
  {
    const char *members[] = { "dave", NULL };
    const char *add[] = { "carol", NULL };
    g_autoptr(TdFrame) create = td_frame_new_group_create ("gc", "alice's team", members);
    g_autoptr(TdFrame) answer = NULL;
    g_autoptr(TdFrame) join = NULL;
    g_autoptr(TdFrame) e = NULL;
    g_autoptr(TdFrame) rename = td_frame_new_group_update ("gr", sales, "Not sales", NULL, NULL);
    g_autoptr(TdFrame) e2 = NULL;
    g_autoptr(TdFrame) leave = td_frame_new_group_leave ("gl", sales);
    g_autoptr(TdFrame) e3 = NULL;

    td_test_ws_send_frame (alice, create);
    answer = td_test_ws_expect (alice, TD_FRAME_GROUP, 20000);
    join = td_frame_new_group_update ("gj", td_group_get_address (td_frame_get_group (answer)),
                                      NULL, add, NULL);
    td_test_ws_send_frame (carol, join);
    e = expect_error (carol, TD_ERR_NOT_FOUND);

    td_test_ws_send_frame (carol, rename);
    e2 = expect_error (carol, TD_ERR_FORBIDDEN);
    td_test_ws_send_frame (carol, leave);
    e3 = expect_error (carol, TD_ERR_FORBIDDEN);
  }
  assert_alive (carol);
}

static void
test_foreign_reminders_and_admin (void)
{
  g_autoptr(TdTestWs) admin = td_test_ws_connect (server->ws_url);
  g_autoptr(TdTestWs) carol = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) b1 = td_test_ws_login (admin, "admin", "acc-adm");
  g_autoptr(GPtrArray) b2 = td_test_ws_login (carol, "carol", "acc-r-c");
  g_autoptr(TdFrame) to_eng = td_frame_new_announce ("an", "Engineering only", "", "",
                                                     "Engineering", TD_PRIORITY_NORMAL);
  g_autoptr(TdFrame) status = NULL;
  gint64 rid;

  /* An announcement to Engineering: carol (Sales) is not a recipient. */
  td_test_ws_send_frame (admin, to_eng);
  status = td_test_ws_expect (admin, TD_FRAME_REMINDER_STATUS, 20000);
  rid = td_frame_get_rid (status);
  g_assert_cmpint (rid, >, 0);

  {
    g_autoptr(TdFrame) f = td_frame_new_reminder_update ("ru", rid, TD_REMINDER_ACTION_DONE, 0);
    g_autoptr(TdFrame) e = NULL;
    td_test_ws_send_frame (carol, f);
    e = expect_error (carol, TD_ERR_NOT_FOUND);
  }
  {
    g_autoptr(TdFrame) f = td_frame_new_reminder_status_request ("rs", rid);
    g_autoptr(TdFrame) e = NULL;
    td_test_ws_send_frame (carol, f);
    e = expect_error (carol, TD_ERR_FORBIDDEN);
  }
  {
    g_autoptr(TdFrame) f = td_frame_new_announce ("ca", "I am not an admin", "", "", NULL,
                                                  TD_PRIORITY_URGENT);
    g_autoptr(TdFrame) e = NULL;
    td_test_ws_send_frame (carol, f);
    e = expect_error (carol, TD_ERR_FORBIDDEN);
  }
  /* Server-only frames from a client. */
  {
    static const char * const forged[] = {
      "{\"type\":\"receipt\",\"user\":\"bob\",\"peer\":\"carol\",\"mid\":1}",
      "{\"type\":\"groups\",\"groups\":[]}",
      "{\"type\":\"reminders\",\"reminders\":[]}",
      "{\"type\":\"message\",\"message\":{\"mid\":1,\"id\":\"x\",\"from\":\"admin\",\"to\":\"carol\",\"text\":\"hi\",\"time\":1}}",
      "{\"type\":\"reminder_status\",\"rid\":1,\"total\":1,\"read\":1,\"done\":1,\"unread\":[]}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (forged); i++)
      {
        g_autoptr(TdFrame) e = NULL;
        td_test_ws_send (carol, forged[i]);
        e = expect_error (carol, TD_ERR_BAD_REQUEST);
      }
  }
  assert_alive (carol);
}

static gint64
time_failed_login (const char *user, const char *password, char **out_message)
{
  g_autoptr(TdTestWs) ws = td_test_ws_connect (server->ws_url);
  g_autoptr(TdFrame) auth = td_frame_new_auth_password (user, password, "probe", NULL);
  g_autoptr(TdFrame) e = NULL;
  gint64 start = g_get_monotonic_time ();

  td_test_ws_send_frame (ws, auth);
  e = expect_error (ws, TD_ERR_AUTH_FAILED);
  g_free (*out_message);
  *out_message = g_strdup (td_frame_get_error_message (e));
  return g_get_monotonic_time () - start;
}

static void
test_unknown_user_looks_like_wrong_password (void)
{
  g_autofree char *unknown_msg = NULL;
  g_autofree char *wrong_msg = NULL;
  gint64 unknown_us = 0, wrong_us = 0;

  /* Fewer than the per-address limit of failed logins per minute. */
  for (guint i = 0; i < 4; i++)
    {
      unknown_us += time_failed_login ("nobody.here", "whatever", &unknown_msg);
      wrong_us += time_failed_login ("dave", "not his password", &wrong_msg);
    }
  g_assert_cmpstr (unknown_msg, ==, wrong_msg);
  g_test_message ("failed login: unknown user %.1f ms, wrong password %.1f ms (mean of 4)",
                  unknown_us / 4000.0, wrong_us / 4000.0);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/access/sender-and-history", test_sender_and_history);
  g_test_add_func ("/access/foreign-group", test_foreign_group);
  g_test_add_func ("/access/foreign-reminders-admin", test_foreign_reminders_and_admin);
  g_test_add_func ("/access/unknown-user", test_unknown_user_looks_like_wrong_password);

  server = td_test_server_new (NULL);
  status = g_test_run ();
  td_test_server_free (server);
  return status;
}
