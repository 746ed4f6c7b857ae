/* test-client.c - TdClient against a real tidingsd: contacts, receiving,
 * unread counts, the persistent outbox across server restarts and client
 * "crashes", the contact cache before connecting, and history paging. */
#define G_LOG_DOMAIN "test-client"

#include <locale.h>
#include <string.h>
#include <glib/gstdio.h>

#include "td-client.h"
#include "td-test-util.h"

#define WAIT_MS 40000

typedef gboolean (*Condition) (gpointer data);

/* Iterates the main context until @cond holds (bounded). */
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
is_disconnected (gpointer data)
{
  return td_client_get_state (data) == TD_CONNECTION_STATE_DISCONNECTED;
}

static gboolean
has_five_contacts (gpointer data)
{
  return g_list_model_get_n_items (td_client_get_contacts (data)) == 5;
}

static gboolean
is_sent (gpointer data)
{
  return td_chat_message_get_state (data) == TD_CHAT_MESSAGE_SENT;
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
login (TdClient *client, TdTestServer *server, const char *user)
{
  Result r = { 0, };

  td_client_login_async (client, server->http_url, user, TD_TEST_PASSWORD, NULL, login_cb, &r);
  g_assert_true (td_test_wait_flag (&r.done, WAIT_MS));
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_true (wait_for (is_online, client, WAIT_MS));
  g_assert_true (wait_for (has_five_contacts, client, WAIT_MS));
}

static char *
make_profile (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("tidings-client-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children =
    g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME, G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS,
                               NULL, NULL);
  GFileInfo *info;

  while (children != NULL && (info = g_file_enumerator_next_file (children, NULL, NULL)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  g_rmdir (path);
}

/* How many times @text is in the history between bob and alice, as bob
 * sees it on the server. */
static guint
count_on_server (TdTestServer *server, const char *text)
{
  const char *argv[] = { "tidings-cli", "--server", server->http_url, "--user", "bob",
                         "--password-file", server->password_file, "--limit", "200",
                         "history", "alice", NULL };
  g_autofree char *out = NULL;
  g_autofree char *needle = g_strdup_printf ("\"text\":\"%s\"", text);
  guint count = 0;

  g_assert_cmpint (td_test_run (argv, NULL, 30, &out, NULL), ==, 0);
  for (const char *p = out; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    count++;
  return count;
}

typedef struct {
  guint          received;
  TdContact     *from;
  TdChatMessage *message;
} Received;

static void
message_received_cb (TdClient *client, TdContact *from, TdChatMessage *message, Received *r)
{
  r->received++;
  g_set_object (&r->from, from);
  g_set_object (&r->message, message);
}

static void
test_login_receive (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  g_autofree char *profile = make_profile ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TdClient) client = td_client_new (profile, &error);
  g_autoptr(TdConversation) conversation = NULL;
  g_autoptr(TdChatMessage) last = NULL;
  g_autofree char *device_path = g_build_filename (profile, "device-id", NULL);
  Received r = { 0, };
  GListModel *contacts;
  TdContact *bob;
  guint n;

  g_assert_no_error (error);
  g_assert_true (g_file_test (device_path, G_FILE_TEST_IS_REGULAR));
  login (client, server, "alice");
  g_assert_cmpstr (td_client_get_login (client), ==, "alice");
  g_assert_nonnull (td_client_get_token (client));

  contacts = td_client_get_contacts (client);
  g_assert_cmpuint (g_list_model_get_n_items (contacts), ==, 5);
  g_assert_null (td_client_lookup_contact (client, "alice"));
  bob = td_client_lookup_contact (client, "bob");
  g_assert_nonnull (bob);
  g_assert_cmpstr (td_contact_get_department (bob), ==, "Engineering");
  g_assert_cmpstr (td_contact_get_department (td_client_lookup_contact (client, "wang.fang")), ==, "财务部");
  g_assert_cmpuint (td_client_get_total_unread (client), ==, 0);

  g_signal_connect (client, "message-received", G_CALLBACK (message_received_cb), &r);
  {
    const char *argv[] = { "tidings-cli", "--server", server->http_url, "--user", "bob",
                           "--password-file", server->password_file, "send", "alice", "hello alice", NULL };
    g_assert_cmpint (td_test_run (argv, NULL, 30, NULL, NULL), ==, 0);
  }
  while (r.received == 0)
    g_assert_true (g_main_context_iteration (NULL, TRUE));
  g_assert_true (r.from == bob);
  g_assert_cmpstr (td_chat_message_get_text (r.message), ==, "hello alice");
  g_assert_false (td_chat_message_get_outgoing (r.message));
  g_assert_cmpuint (td_contact_get_unread (bob), ==, 1);
  g_assert_cmpuint (td_client_get_total_unread (client), ==, 1);
  g_assert_cmpstr (td_contact_get_last_text (bob), ==, "hello alice");

  conversation = td_client_get_conversation (client, "bob");
  {
    g_autoptr(TdConversation) again = td_client_get_conversation (client, "bob");
    g_assert_true (again == conversation);
  }
  n = g_list_model_get_n_items (G_LIST_MODEL (conversation));
  g_assert_cmpuint (n, ==, 1);
  last = g_list_model_get_item (G_LIST_MODEL (conversation), n - 1);
  g_assert_cmpstr (td_chat_message_get_text (last), ==, "hello alice");
  g_assert_cmpstr (td_chat_message_get_from (last), ==, "bob");

  td_client_mark_read (client, "bob");
  g_assert_cmpuint (td_contact_get_unread (bob), ==, 0);
  g_assert_cmpuint (td_client_get_total_unread (client), ==, 0);

  /* An own message lands in the open conversation and goes out. */
  {
    g_autoptr(TdChatMessage) sent = td_client_send (client, "bob", "hi bob");

    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversation)), ==, 2);
    g_assert_true (wait_for (is_sent, sent, WAIT_MS));
    g_assert_cmpint (td_chat_message_get_mid (sent), >, td_chat_message_get_mid (last));
    g_assert_cmpuint (count_on_server (server, "hi bob"), ==, 1);
  }
  /* A refused one fails with the server's reason. */
  {
    g_autoptr(TdChatMessage) refused = td_client_send (client, "nobody", "hello?");

    while (td_chat_message_get_state (refused) == TD_CHAT_MESSAGE_SENDING)
      g_assert_true (g_main_context_iteration (NULL, TRUE));
    g_assert_cmpint (td_chat_message_get_state (refused), ==, TD_CHAT_MESSAGE_FAILED);
    g_assert_nonnull (strstr (td_chat_message_get_error (refused), "unknown_recipient"));
  }

  g_clear_object (&r.from);
  g_clear_object (&r.message);
  g_clear_object (&client);
  remove_tree (profile);
}

static void
test_offline_send_reconnect (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  g_autofree char *profile = make_profile ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TdClient) client = td_client_new (profile, &error);
  g_autoptr(TdChatMessage) message = NULL;
  g_autoptr(TdTestWs) ws = NULL;
  g_autoptr(GPtrArray) backlog = NULL;
  g_autoptr(TdFrame) sent = NULL;

  g_assert_no_error (error);
  login (client, server, "alice");

  td_test_server_stop (server);
  g_assert_true (wait_for (is_disconnected, client, WAIT_MS));
  message = td_client_send (client, "bob", "written offline");
  g_assert_cmpint (td_chat_message_get_state (message), ==, TD_CHAT_MESSAGE_SENDING);
  g_assert_cmpint (td_chat_message_get_mid (message), ==, 0);

  /* The client finds the server again by itself. */
  td_test_server_start_on_same_port (server);
  g_assert_true (wait_for (is_sent, message, WAIT_MS));
  g_assert_true (wait_for (is_online, client, WAIT_MS));
  g_assert_cmpint (td_chat_message_get_mid (message), >, 0);
  g_assert_cmpuint (count_on_server (server, "written offline"), ==, 1);

  /* A resend with the stored id (what a crash would cause) is a duplicate. */
  ws = td_test_ws_connect (server->ws_url);
  backlog = td_test_ws_login (ws, "alice", "other-device");
  sent = td_test_ws_send_message (ws, td_chat_message_get_id (message), "bob", "written offline");
  g_assert_true (td_frame_get_duplicate (sent));
  g_assert_cmpint (td_message_get_mid (td_frame_get_message (sent)), ==, td_chat_message_get_mid (message));
  g_assert_cmpuint (count_on_server (server, "written offline"), ==, 1);

  g_clear_object (&client);
  remove_tree (profile);
}

static void
test_outbox_survives (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  g_autofree char *profile = make_profile ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TdClient) client = td_client_new (profile, &error);
  g_autoptr(TdClient) second = NULL;
  g_autoptr(TdConversation) conversation = NULL;
  g_autoptr(TdChatMessage) queued = NULL;
  Result r = { 0, };

  g_assert_no_error (error);
  login (client, server, "alice");
  td_test_server_stop (server);
  g_assert_true (wait_for (is_disconnected, client, WAIT_MS));
  {
    g_autoptr(TdChatMessage) message = td_client_send (client, "bob", "survives a crash");
    g_assert_cmpint (td_chat_message_get_state (message), ==, TD_CHAT_MESSAGE_SENDING);
  }
  /* No logout, no flush: the object just goes away. */
  g_clear_object (&client);

  /* A new client on the same profile: contacts come from the cache
   * before any connection (the server is still down). */
  second = td_client_new (profile, &error);
  g_assert_no_error (error);
  td_client_login_async (second, server->http_url, "alice", TD_TEST_PASSWORD, NULL, login_cb, &r);
  g_assert_cmpuint (g_list_model_get_n_items (td_client_get_contacts (second)), ==, 5);
  g_assert_nonnull (td_client_lookup_contact (second, "wang.fang"));
  g_assert_cmpstr (td_contact_get_last_text (td_client_lookup_contact (second, "bob")), ==,
                   "survives a crash");
  g_assert_true (td_test_wait_flag (&r.done, WAIT_MS));
  g_assert_false (r.ok);
  g_assert_error (r.error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_FAILED);
  g_clear_error (&r.error);

  conversation = td_client_get_conversation (second, "bob");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversation)), ==, 1);
  queued = g_list_model_get_item (G_LIST_MODEL (conversation), 0);
  g_assert_cmpint (td_chat_message_get_state (queued), ==, TD_CHAT_MESSAGE_SENDING);

  td_test_server_start_on_same_port (server);
  login (second, server, "alice");
  g_assert_true (wait_for (is_sent, queued, WAIT_MS));
  g_assert_cmpuint (count_on_server (server, "survives a crash"), ==, 1);

  g_clear_object (&second);
  remove_tree (profile);
}

typedef struct {
  gboolean done;
  GError  *error;
} LoadResult;

static void
load_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LoadResult *r = user_data;

  g_assert_true (td_conversation_load_older_finish (TD_CONVERSATION (source), result, &r->error));
  r->done = TRUE;
}

static void
load_older (TdConversation *conversation, guint count)
{
  LoadResult r = { 0, };

  td_conversation_load_older_async (conversation, count, NULL, load_cb, &r);
  g_assert_true (td_test_wait_flag (&r.done, WAIT_MS));
  g_assert_no_error (r.error);
}

static void
test_paging (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  g_autofree char *profile = make_profile ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TdClient) client = NULL;
  g_autoptr(TdConversation) conversation = NULL;
  g_autoptr(TdTestWs) bob = td_test_ws_connect (server->ws_url);
  g_autoptr(TdTestWs) alice = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) backlog = NULL;
  g_autoptr(GPtrArray) none = NULL;
  gint64 previous = 0;

  none = td_test_ws_login (bob, "bob", "bob-device");
  for (guint i = 0; i < 120; i++)
    {
      g_autofree char *id = g_strdup_printf ("page-%03u", i);
      g_autofree char *text = g_strdup_printf ("m%03u", i);
      g_autoptr(TdFrame) sent = td_test_ws_send_message (bob, id, "alice", text);
    }
  /* Another device of alice's takes the backlog, so the client's new
   * device starts with nothing and must page from the server. */
  backlog = td_test_ws_login (alice, "alice", "alice-phone");
  g_assert_cmpuint (backlog->len, ==, 120);
  td_test_ws_ack (alice, td_message_get_seq (backlog->pdata[119]));
  /* "ping" is answered after the ack is processed. */
  td_test_ws_send (alice, "{\"type\":\"ping\",\"req\":\"p\"}");
  {
    g_autoptr(TdFrame) pong = td_test_ws_expect (alice, TD_FRAME_PONG, 10000);
  }

  client = td_client_new (profile, &error);
  g_assert_no_error (error);
  login (client, server, "alice");
  conversation = td_client_get_conversation (client, "bob");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversation)), ==, 0);
  g_assert_true (td_conversation_get_has_more (conversation));

  load_older (conversation, 60);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversation)), ==, 60);
  g_assert_true (td_conversation_get_has_more (conversation));
  load_older (conversation, 60);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversation)), ==, 120);
  g_assert_false (td_conversation_get_has_more (conversation));
  g_assert_false (td_conversation_get_loading (conversation));

  for (guint i = 0; i < 120; i++)
    {
      g_autoptr(TdChatMessage) message = g_list_model_get_item (G_LIST_MODEL (conversation), i);
      g_autofree char *text = g_strdup_printf ("m%03u", i);

      g_assert_cmpstr (td_chat_message_get_text (message), ==, text);
      g_assert_cmpint (td_chat_message_get_mid (message), >, previous);
      previous = td_chat_message_get_mid (message);
    }

  /* The pages are in the cache now: a new conversation starts with the
   * newest 50 and pages the rest locally. */
  g_clear_object (&conversation);
  conversation = td_client_get_conversation (client, "bob");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversation)), ==, 50);
  load_older (conversation, 70);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversation)), ==, 120);

  g_clear_object (&conversation);
  g_clear_object (&client);
  remove_tree (profile);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client/login-receive", test_login_receive);
  g_test_add_func ("/client/offline-send-reconnect", test_offline_send_reconnect);
  g_test_add_func ("/client/outbox-survives", test_outbox_survives);
  g_test_add_func ("/client/paging", test_paging);
  return g_test_run ();
}
