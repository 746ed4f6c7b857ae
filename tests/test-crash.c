/* test-crash.c - kill -9 the server while messages flow, restart it, and
 * check that every acknowledged message is delivered exactly once, in
 * order, and that resending the unacknowledged ones creates no duplicate.
 *
 * The sender keeps a window of sends in flight, so the kill lands between
 * "committed" and "acknowledged" for some of them: exactly the case where a
 * naive client or server would lose or duplicate a message. */
#define G_LOG_DOMAIN "test-crash"

#include "config.h"

#include <string.h>

#include "td-test-util.h"

#define N_MESSAGES 600
#define WINDOW     16
#define N_KILLS    3

typedef struct {
  TdTestWs   *ws;
  gboolean    acked[N_MESSAGES];
  guint       n_acked;
  guint       next;        /* next index to send in this connection */
  guint       in_flight;
} Sender;

static char *
msg_id (guint i)
{
  return g_strdup_printf ("crash-%04u", i);
}

static void
send_one (Sender *s, guint i)
{
  g_autofree char *id = msg_id (i);
  g_autofree char *text = g_strdup_printf ("message %u", i);
  g_autoptr(TdFrame) frame = td_frame_new_send (id, id, "bob", text);

  td_test_ws_send_frame (s->ws, frame);
  s->in_flight++;
}

/* Sends from the first unacknowledged message on, keeping WINDOW in flight,
 * until @stop_after acks arrived in this round or everything is acked or
 * the connection died. */
static void
pump (Sender *s, guint stop_after)
{
  guint got = 0;

  s->next = 0;
  s->in_flight = 0;
  while (s->next < N_MESSAGES && s->acked[s->next])
    s->next++;

  for (;;)
    {
      g_autoptr(TdFrame) frame = NULL;

      while (s->in_flight < WINDOW && s->next < N_MESSAGES)
        {
          if (!s->acked[s->next])
            send_one (s, s->next);
          s->next++;
        }
      if (s->in_flight == 0 || got >= stop_after)
        return;

      frame = td_test_ws_next (s->ws, 10000);
      if (frame == NULL)
        return;   /* killed */
      if (td_frame_get_frame_type (frame) == TD_FRAME_SENT)
        {
          const char *id = td_message_get_id (td_frame_get_message (frame));
          guint i = (guint) g_ascii_strtoull (id + strlen ("crash-"), NULL, 10);

          g_assert_cmpuint (i, <, N_MESSAGES);
          if (!s->acked[i])
            {
              s->acked[i] = TRUE;
              s->n_acked++;
            }
          s->in_flight--;
          got++;
        }
      else if (td_frame_get_frame_type (frame) == TD_FRAME_ERROR)
        g_error ("send failed: %s", td_frame_get_error_message (frame));
    }
}

static void
test_kill_while_sending (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  Sender s = { 0 };
  g_autoptr(TdTestWs) bob = NULL;
  g_autoptr(GPtrArray) backlog = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint round = 0; round <= N_KILLS; round++)
    {
      g_autoptr(GPtrArray) ignored = NULL;

      s.ws = td_test_ws_connect (server->ws_url);
      ignored = td_test_ws_login (s.ws, "alice", "crash-sender");

      if (round < N_KILLS)
        {
          /* Let some acks arrive, then kill with sends still in flight. */
          pump (&s, 60 + round * 37);
          g_test_message ("round %u: %u acknowledged, killing", round, s.n_acked);
          td_test_server_kill (server);
          td_test_ws_wait_closed (s.ws, 5000);
          td_test_ws_free (s.ws);
          td_test_server_start (server);
        }
      else
        {
          /* Resend everything unacknowledged with the same ids. */
          pump (&s, G_MAXUINT);
          g_assert_cmpuint (s.n_acked, ==, N_MESSAGES);
          td_test_ws_free (s.ws);
        }
    }

  /* Bob was offline all along: one login brings everything. */
  bob = td_test_ws_connect (server->ws_url);
  backlog = td_test_ws_login (bob, "bob", "crash-receiver");
  g_assert_cmpuint (backlog->len, ==, N_MESSAGES);
  for (guint i = 0; i < backlog->len; i++)
    {
      TdMessage *m = g_ptr_array_index (backlog, i);
      g_autofree char *id = msg_id (i);
      g_autofree char *text = g_strdup_printf ("message %u", i);

      /* Exactly once, in the order they were sent, nothing missing. */
      g_assert_true (g_hash_table_add (seen, g_strdup (td_message_get_id (m))));
      g_assert_cmpstr (td_message_get_id (m), ==, id);
      g_assert_cmpstr (td_message_get_text (m), ==, text);
      g_assert_cmpint (td_message_get_seq (m), ==, (gint64) i + 1);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crash/kill-while-sending", test_kill_while_sending);
  return g_test_run ();
}
