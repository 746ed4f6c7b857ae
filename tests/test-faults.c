/* test-faults.c - what a real tidingsd and TdClient do when things break:
 *
 * - the connection dies after the server committed a message but before
 *   its "sent" reached the sender (the client resends, the server answers
 *   "duplicate": stored and delivered once);
 * - the recipient's connection dies while the message is on its way (it
 *   comes again from the mailbox on reconnect, once);
 * - the recipient's connection dies in the middle of a long backlog;
 * - fsync fails, or the disk is full (LD_PRELOAD fault injection): the
 *   sender gets "unavailable", never "sent"; nothing reaches the recipient;
 *   the server keeps serving; the same message goes through once the disk
 *   is back, and the store passes SQLite's integrity check;
 * - every "sent" the server writes follows an fsync (strace of the real
 *   server: the acknowledgement never overtakes durability).
 *
 * The last two are about the SQLite store in the server's own process and
 * skip under TD_TEST_STORE=postgresql, where the durable write happens in
 * the PostgreSQL server (the store suite and test-pg cover that store's
 * failures); the connection cuts run on both stores.
 */
#define G_LOG_DOMAIN "test-faults"

#include <locale.h>
#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "td-client.h"
#include "td-fault-proxy.h"
#include "td-test-util.h"

#define WAIT_MS 40000

typedef gboolean (*Condition) (gpointer data);

static gboolean
wait_for (Condition cond, gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static gboolean
is_online (gpointer data)
{
  return td_client_get_state (data) == TD_CONNECTION_STATE_ONLINE;
}

static gboolean
is_acknowledged (gpointer data)
{
  TdChatMessageState state = td_chat_message_get_state (data);

  return state != TD_CHAT_MESSAGE_SENDING && state != TD_CHAT_MESSAGE_FAILED;
}

typedef struct {
  gboolean done;
  gboolean ok;
  GError  *error;
} Result;

static void
login_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Result *r = user_data;

  r->ok = td_client_login_finish (TD_CLIENT (source), result, &r->error);
  r->done = TRUE;
}

static void
client_login (TdClient *client, const char *http_url, const char *user)
{
  Result r = { 0, };

  td_client_login_async (client, http_url, user, TD_TEST_PASSWORD, NULL, login_cb, &r);
  g_assert_true (td_test_wait_flag (&r.done, WAIT_MS));
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_true (wait_for (is_online, client, WAIT_MS));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static char *
make_profile (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("tidings-faults-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static char *
proxy_http_url (TdFaultProxy *proxy)
{
  return g_strdup_printf ("http://127.0.0.1:%u", td_fault_proxy_get_port (proxy));
}

/* Counts the "message" frames with @text that arrive on @ws within
 * @quiet_ms of silence (acknowledging them as a client would). */
static guint
drain_count (TdTestWs *ws, const char *text, guint quiet_ms)
{
  guint count = 0;

  for (guint i = 0; i < 1000; i++)
    {
      g_autoptr(TdFrame) frame = td_test_ws_next (ws, quiet_ms);
      TdMessage *message;

      if (frame == NULL)
        break;
      if (td_frame_get_frame_type (frame) != TD_FRAME_MESSAGE)
        continue;
      message = td_frame_get_message (frame);
      td_test_ws_ack (ws, td_message_get_seq (message));
      if (g_str_equal (td_message_get_text (message), text))
        count++;
    }
  return count;
}

/* PostgreSQL: the same count through the server (started again): the
 * messages with this client id in alice's history with bob. */
static guint
history_count (TdTestServer *server, const char *client_id)
{
  g_autoptr(TdTestWs) ws = NULL;
  g_autoptr(GPtrArray) backlog = NULL;
  g_autoptr(TdFrame) request = td_frame_new_history_request ("h1", "bob", 0, 200);
  g_autoptr(TdFrame) result = NULL;
  GPtrArray *messages;
  guint count = 0;

  td_test_server_start (server);
  ws = td_test_ws_connect (server->ws_url);
  backlog = td_test_ws_login (ws, "alice", "alice-history");
  td_test_ws_send_frame (ws, request);
  result = td_test_ws_expect (ws, TD_FRAME_HISTORY, WAIT_MS);
  messages = td_frame_get_messages (result);
  for (guint i = 0; i < messages->len; i++)
    if (g_str_equal (td_message_get_id (g_ptr_array_index (messages, i)), client_id))
      count++;
  g_clear_pointer (&ws, td_test_ws_free);
  td_test_server_stop (server);
  return count;
}

/* Rows in the store's messages table with this client id, after checking
 * the whole file with SQLite's own integrity check.  The server must be
 * stopped.  On PostgreSQL there is no file to check: the count comes from
 * the history the server reads from the database. */
static guint
store_count (TdTestServer *server, const char *client_id)
{
  g_autofree char *path = NULL;
  g_autoptr(GDir) dir = g_dir_open (server->data_dir, 0, NULL);
  const char *name;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint count;

  if (server->store_url != NULL)
    return history_count (server, client_id);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".db") || g_str_has_suffix (name, ".sqlite"))
      path = g_build_filename (server->data_dir, name, NULL);
  g_assert_nonnull (path);

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "ok");
  sqlite3_finalize (stmt);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM messages WHERE client_id = ?",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, client_id, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  count = (guint) sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return count;
}

/* ---- connection cuts ---- */

static void
test_cut_before_sent (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  g_autoptr(TdFaultProxy) proxy = td_fault_proxy_new (server->port);
  g_autofree char *url = proxy_http_url (proxy);
  g_autofree char *profile = make_profile ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TdClient) alice = td_client_new (profile, &error);
  g_autoptr(TdTestWs) bob = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) backlog = td_test_ws_login (bob, "bob", "bob-1");
  g_autoptr(TdChatMessage) message = NULL;

  g_assert_no_error (error);
  client_login (alice, url, "alice");

  /* The server commits and answers; the answer is lost with the
   * connection.  The client does not know whether it was stored. */
  td_fault_proxy_cut_on (proxy, "\"type\":\"sent\"");
  message = td_client_send (alice, "bob", "through the cut");
  g_assert_true (wait_for (is_acknowledged, message, WAIT_MS));
  g_assert_cmpuint (td_fault_proxy_get_cuts (proxy), ==, 1);
  g_assert_cmpuint (td_fault_proxy_get_accepted (proxy), >=, 2);
  g_assert_cmpint (td_chat_message_get_mid (message), >, 0);

  /* Delivered once, stored once. */
  g_assert_cmpuint (drain_count (bob, "through the cut", 2000), ==, 1);
  g_clear_object (&alice);
  g_clear_pointer (&bob, td_test_ws_free);
  td_test_server_stop (server);
  g_assert_cmpuint (store_count (server, td_chat_message_get_id (message)), ==, 1);
  remove_tree (profile);
}

typedef struct {
  guint received;
} Received;

static void
message_received_cb (TdClient *client, TdContact *from, TdChatMessage *message, Received *r)
{
  r->received++;
}

static gboolean
received_enough (gpointer data)
{
  return ((Received *) data)->received >= 1;
}

static void
test_cut_before_delivery (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  g_autoptr(TdFaultProxy) proxy = td_fault_proxy_new (server->port);
  g_autofree char *url = proxy_http_url (proxy);
  g_autofree char *profile = make_profile ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TdClient) bob = td_client_new (profile, &error);
  g_autoptr(TdTestWs) alice = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) backlog = td_test_ws_login (alice, "alice", "alice-1");
  g_autoptr(TdFrame) sent = NULL;
  g_autoptr(TdConversation) conversation = NULL;
  Received r = { 0, };

  g_assert_no_error (error);
  client_login (bob, url, "bob");
  g_signal_connect (bob, "message-received", G_CALLBACK (message_received_cb), &r);

  /* Committed and acknowledged to the sender; the live copy to the
   * recipient dies on the way. */
  td_fault_proxy_cut_on (proxy, "\"text\":\"on its way\"");
  sent = td_test_ws_send_message (alice, "c-1", "bob", "on its way");
  g_assert_nonnull (sent);
  g_assert_true (wait_for (received_enough, &r, WAIT_MS));
  g_assert_cmpuint (td_fault_proxy_get_cuts (proxy), ==, 1);

  /* Another cut after it was acknowledged brings nothing twice. */
  td_fault_proxy_cut_all (proxy);
  g_assert_true (wait_for (is_online, bob, WAIT_MS));
  for (guint i = 0; i < 200; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  g_assert_cmpuint (r.received, ==, 1);
  conversation = td_client_get_conversation (bob, "alice");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversation)), ==, 1);

  g_clear_object (&conversation);
  g_clear_object (&bob);
  remove_tree (profile);
}

static gboolean
received_all (gpointer data)
{
  return ((Received *) data)->received >= 300;
}

/* A backlog of 300 cut after the 150th message: the rest comes after the
 * reconnect, nothing twice, in order. */
static void
test_cut_mid_backlog (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  g_autoptr(TdFaultProxy) proxy = td_fault_proxy_new (server->port);
  g_autofree char *url = proxy_http_url (proxy);
  g_autofree char *profile = make_profile ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TdClient) bob = td_client_new (profile, &error);
  g_autoptr(TdTestWs) alice = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) backlog = td_test_ws_login (alice, "alice", "alice-1");
  g_autoptr(TdConversation) conversation = NULL;
  Received r = { 0, };
  guint n;

  g_assert_no_error (error);
  /* bob logs in once so that his device exists, then goes away. */
  client_login (bob, url, "bob");
  td_client_logout (bob);
  g_clear_object (&bob);

  for (guint i = 1; i <= 300; i++)
    {
      g_autofree char *id = g_strdup_printf ("b-%u", i);
      g_autofree char *text = g_strdup_printf ("backlog %03u", i);
      g_autoptr(TdFrame) sent = td_test_ws_send_message (alice, id, "bob", text);
      g_assert_nonnull (sent);
    }

  bob = td_client_new (profile, &error);
  g_assert_no_error (error);
  g_signal_connect (bob, "message-received", G_CALLBACK (message_received_cb), &r);
  td_fault_proxy_cut_on (proxy, "\"text\":\"backlog 150\"");
  client_login (bob, url, "bob");
  g_assert_true (wait_for (received_all, &r, WAIT_MS));
  g_assert_cmpuint (td_fault_proxy_get_cuts (proxy), ==, 1);
  for (guint i = 0; i < 100; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  g_assert_cmpuint (r.received, ==, 300);

  /* The conversation shows the newest page, in order, without a gap or a
   * repeat where the cut was. */
  conversation = td_client_get_conversation (bob, "alice");
  n = g_list_model_get_n_items (G_LIST_MODEL (conversation));
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (n, <=, 300);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TdChatMessage) m = g_list_model_get_item (G_LIST_MODEL (conversation), i);
      g_autofree char *expected = g_strdup_printf ("backlog %03u", 300 - n + i + 1);
      g_assert_cmpstr (td_chat_message_get_text (m), ==, expected);
    }

  g_clear_object (&conversation);
  g_clear_object (&bob);
  remove_tree (profile);
}

/* ---- disk faults ---- */

static void
set_fault (const char *control, const char *word)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (control, word, -1, &error);
  g_assert_no_error (error);
}

static void
check_disk_fault (const char *word)
{
  const char *preload = g_getenv ("TD_FAULT_INJECT");
  g_autofree char *control = NULL;
  g_autofree char *env_preload = NULL;
  g_autofree char *env_control = NULL;
  g_autoptr(TdTestServer) server = NULL;
  g_autoptr(TdTestWs) alice = NULL;
  g_autoptr(TdTestWs) bob = NULL;
  g_autoptr(GPtrArray) backlog_a = NULL;
  g_autoptr(GPtrArray) backlog_b = NULL;
  g_autoptr(TdFrame) answer = NULL;
  g_autoptr(TdFrame) pong = NULL;
  g_autoptr(TdFrame) sent = NULL;
  g_autoptr(TdFrame) ping = td_frame_new_ping ("p1");
  g_autoptr(TdFrame) send = td_frame_new_send ("r1", "m-1", "bob", "while the disk fails");

  if (td_test_store_is_postgresql ())
    {
      /* The fault library breaks fsync/write in tidingsd's process, where
       * only the SQLite store writes its file. */
      g_test_skip ("SQLite-specific: fsync/ENOSPC are injected into the server's own "
                   "writes; with PostgreSQL the database server does them");
      return;
    }
  g_assert_nonnull (preload);
  control = g_build_filename (g_get_tmp_dir (), "tidings-fault-XXXXXX", NULL);
  g_close (g_mkstemp (control), NULL);
  env_preload = g_strconcat ("LD_PRELOAD=", preload, NULL);
  env_control = g_strconcat ("TD_FAULT_CONTROL=", control, NULL);
  {
    const char *env[] = { env_preload, env_control, NULL };
    server = td_test_server_new_full (NULL, NULL, env);
  }
  alice = td_test_ws_connect (server->ws_url);
  backlog_a = td_test_ws_login (alice, "alice", "alice-1");
  bob = td_test_ws_connect (server->ws_url);
  backlog_b = td_test_ws_login (bob, "bob", "bob-1");

  set_fault (control, word);
  td_test_ws_send_frame (alice, send);
  answer = td_test_ws_next (alice, WAIT_MS);
  g_assert_nonnull (answer);
  g_assert_cmpint (td_frame_get_frame_type (answer), ==, TD_FRAME_ERROR);
  g_assert_cmpint (td_frame_get_error_code (answer), ==, TD_ERR_UNAVAILABLE);
  g_assert_cmpstr (td_frame_get_id (answer), ==, "m-1");
  g_assert_cmpstr (td_frame_get_req (answer), ==, "r1");

  /* Nothing reached the recipient; the server still answers. */
  g_assert_cmpuint (drain_count (bob, "while the disk fails", 1000), ==, 0);
  td_test_ws_send_frame (bob, ping);
  pong = td_test_ws_expect (bob, TD_FRAME_PONG, WAIT_MS);
  g_assert_cmpstr (td_frame_get_req (pong), ==, "p1");

  /* The disk is back: the same message (same id) goes through, once. */
  set_fault (control, "none");
  td_test_ws_send_frame (alice, send);
  sent = td_test_ws_expect (alice, TD_FRAME_SENT, WAIT_MS);
  g_assert_false (td_frame_get_duplicate (sent));
  g_assert_cmpuint (drain_count (bob, "while the disk fails", 1500), ==, 1);

  g_clear_pointer (&alice, td_test_ws_free);
  g_clear_pointer (&bob, td_test_ws_free);
  td_test_server_stop (server);
  g_assert_cmpuint (store_count (server, "m-1"), ==, 1);
  g_unlink (control);
}

static void
test_fsync_fails (void)
{
  check_disk_fault ("fsync");
}

static void
test_disk_full (void)
{
  check_disk_fault ("enospc");
}

/* ---- durability before acknowledgement ---- */

static gboolean
is_sync_done (const char *line)
{
  /* "fdatasync(7) = 0" or, when another thread's call came in between,
   * "<... fdatasync resumed>) = 0". */
  return (strstr (line, "fdatasync(") != NULL || strstr (line, "fsync(") != NULL ||
          strstr (line, "fdatasync resumed>") != NULL || strstr (line, "fsync resumed>") != NULL) &&
         g_str_has_suffix (line, "= 0") && strstr (line, "unfinished") == NULL;
}

static void
test_ack_after_fsync (void)
{
  g_autofree char *trace = g_build_filename (g_get_tmp_dir (), "tidings-strace-XXXXXX", NULL);
  g_autoptr(TdTestServer) server = NULL;
  g_autoptr(TdTestWs) alice = NULL;
  g_autoptr(GPtrArray) backlog = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  gboolean synced = FALSE;
  guint acks = 0;

  if (td_test_store_is_postgresql ())
    {
      g_test_skip ("SQLite-specific: traces tidingsd's own fsync; with PostgreSQL the "
                   "commit is made durable by the database server (synchronous_commit on)");
      return;
    }
  if (g_find_program_in_path ("strace") == NULL)
    {
      g_test_skip ("strace is not installed");
      return;
    }
  g_close (g_mkstemp (trace), NULL);
  {
    const char *wrapper[] = { "strace", "-f", "-qq", "-o", trace, "-s", "64",
                              "-e", "trace=fsync,fdatasync,sendmsg,writev,write,sendto",
                              "-e", "signal=none", "--", NULL };
    server = td_test_server_new_full (NULL, wrapper, NULL);
  }
  alice = td_test_ws_connect (server->ws_url);
  backlog = td_test_ws_login (alice, "alice", "alice-1");

  /* One at a time: each "sent" must be preceded by the fsync of its own
   * commit, after the previous "sent". */
  for (guint i = 1; i <= 30; i++)
    {
      g_autofree char *id = g_strdup_printf ("d-%u", i);
      g_autoptr(TdFrame) sent = td_test_ws_send_message (alice, id, "bob", "durable first");
      g_assert_nonnull (sent);
    }
  g_clear_pointer (&alice, td_test_ws_free);
  td_test_server_stop (server);

  g_file_get_contents (trace, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strchomp (lines[i]);
      if (is_sync_done (lines[i]))
        synced = TRUE;
      else if (strstr (lines[i], "{\\\"type\\\":\\\"sent\\\"") != NULL)
        {
          if (!synced)
            g_error ("a \"sent\" was written before any fsync since the previous one:\n%s",
                     lines[i]);
          synced = FALSE;
          acks++;
        }
    }
  g_assert_cmpuint (acks, ==, 30);
  g_unlink (trace);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/faults/cut-before-sent", test_cut_before_sent);
  g_test_add_func ("/faults/cut-before-delivery", test_cut_before_delivery);
  g_test_add_func ("/faults/cut-mid-backlog", test_cut_mid_backlog);
  g_test_add_func ("/faults/fsync-fails", test_fsync_fails);
  g_test_add_func ("/faults/disk-full", test_disk_full);
  g_test_add_func ("/faults/ack-after-fsync", test_ack_after_fsync);
  return g_test_run ();
}
