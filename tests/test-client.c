/* test-client.c - TdClient against a real tidingsd: contacts, receiving,
 * unread counts, the persistent outbox across server restarts and client
 * "crashes", the contact cache before connecting, history paging, and the
 * cached directory with its version (TdConnection and a warm start). */
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

/* People only: the contacts also hold the groups one is in. */
static guint
count_people (TdClient *client)
{
  GListModel *contacts = td_client_get_contacts (client);
  guint people = 0;

  for (guint i = 0; i < g_list_model_get_n_items (contacts); i++)
    {
      g_autoptr(TdContact) contact = g_list_model_get_item (contacts, i);

      if (!td_contact_get_is_group (contact))
        people++;
    }
  return people;
}

static gboolean
has_five_contacts (gpointer data)
{
  return count_people (data) == 5;
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

static gboolean
received_one (gpointer data)
{
  return ((Received *) data)->received > 0;
}

static gboolean
is_settled (gpointer data)
{
  return td_chat_message_get_state (data) != TD_CHAT_MESSAGE_SENDING;
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
  g_assert_nonnull (contacts);
  g_assert_cmpuint (count_people (client), ==, 5);
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
  /* Bounded: a blocking iteration may also return having dispatched
   * nothing (a wakeup from another thread). */
  g_assert_true (wait_for (received_one, &r, WAIT_MS));
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

    g_assert_true (wait_for (is_settled, refused, WAIT_MS));
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
  g_assert_cmpuint (count_people (second), ==, 5);
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

/* ---- issue 4: groups, receipts, typing, reminders ---- */

typedef struct {
  gboolean      done;
  GAsyncResult *result;
} Async;

static void
async_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Async *a = user_data;

  a->result = g_object_ref (result);
  a->done = TRUE;
}

/* Waits for an operation started with async_cb and returns its result. */
static GAsyncResult *
async_wait (Async *a)
{
  g_assert_true (td_test_wait_flag (&a->done, WAIT_MS));
  return a->result;
}

static TdClient *
new_client (char **out_profile)
{
  g_autoptr(GError) error = NULL;
  TdClient *client;

  *out_profile = make_profile ();
  client = td_client_new (*out_profile, &error);
  g_assert_no_error (error);
  return client;
}

typedef struct {
  TdClient   *client;
  const char *login;
} ContactWait;

static gboolean
has_contact (gpointer data)
{
  ContactWait *w = data;

  return td_client_lookup_contact (w->client, w->login) != NULL;
}

/* The department group of @department as @client sees it. */
static TdContact *
find_department_group (TdClient *client, const char *department)
{
  GListModel *contacts = td_client_get_contacts (client);

  for (guint i = 0; i < g_list_model_get_n_items (contacts); i++)
    {
      g_autoptr(TdContact) contact = g_list_model_get_item (contacts, i);

      if (td_contact_get_is_group (contact) &&
          td_contact_get_group_kind (contact) == TD_GROUP_DEPARTMENT &&
          g_str_equal (td_contact_get_name (contact), department))
        return contact;  /* the model keeps it */
    }
  return NULL;
}

static gboolean
has_engineering_group (gpointer data)
{
  return find_department_group (data, "Engineering") != NULL;
}

static gboolean
has_four_members (gpointer data)
{
  return td_contact_get_member_count (data) == 4;
}

static gboolean
lacks_bob (gpointer data)
{
  return !td_contact_has_member (data, "bob");
}

static TdContact *
create_group (TdClient *client, const char *name, const char * const *members)
{
  Async a = { 0, };
  g_autoptr(GError) error = NULL;
  TdContact *group;

  td_client_create_group_async (client, name, members, NULL, async_cb, &a);
  group = td_client_create_group_finish (client, async_wait (&a), &error);
  g_clear_object (&a.result);
  g_assert_no_error (error);
  g_assert_nonnull (group);
  return group;
}

static void
test_groups (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  g_autofree char *alice_profile = NULL;
  g_autofree char *bob_profile = NULL;
  g_autoptr(TdClient) alice = new_client (&alice_profile);
  g_autoptr(TdClient) bob = new_client (&bob_profile);
  g_autoptr(TdContact) crew = NULL;
  g_autoptr(GError) error = NULL;
  static const char * const members[] = { "bob", "carol", NULL };
  static const char * const add[] = { "dave", NULL };
  TdContact *engineering;
  TdContact *bob_crew;
  ContactWait w;
  TdErrorCode code;

  login (alice, server, "alice");
  login (bob, server, "bob");

  /* The department group is a contact with the department's people. */
  g_assert_true (wait_for (has_engineering_group, alice, WAIT_MS));
  engineering = find_department_group (alice, "Engineering");
  g_assert_true (g_str_has_prefix (td_contact_get_login (engineering), "g:"));
  g_assert_true (td_contact_has_member (engineering, "alice"));
  g_assert_true (td_contact_has_member (engineering, "bob"));
  g_assert_false (td_contact_has_member (engineering, "carol"));
  g_assert_cmpstr (td_contact_get_owner (engineering), ==, "");
  g_assert_null (find_department_group (alice, "Sales"));
  g_assert_true (td_client_lookup_contact (alice, td_contact_get_login (engineering)) == engineering);

  /* An ad-hoc group: the creator gets its contact, the members see it live. */
  crew = create_group (alice, "Release crew", members);
  g_assert_true (td_contact_get_is_group (crew));
  g_assert_cmpint (td_contact_get_group_kind (crew), ==, TD_GROUP_ADHOC);
  g_assert_cmpstr (td_contact_get_name (crew), ==, "Release crew");
  g_assert_cmpstr (td_contact_get_owner (crew), ==, "alice");
  g_assert_cmpuint (td_contact_get_member_count (crew), ==, 3);
  g_assert_true (td_client_lookup_contact (alice, td_contact_get_login (crew)) == crew);
  w.client = bob;
  w.login = td_contact_get_login (crew);
  g_assert_true (wait_for (has_contact, &w, WAIT_MS));
  bob_crew = td_client_lookup_contact (bob, td_contact_get_login (crew));
  g_assert_true (td_contact_has_member (bob_crew, "carol"));

  /* Any member renames and adds; everyone sees it. */
  {
    Async a = { 0, };

    td_client_update_group_async (bob, td_contact_get_login (crew), "Ship it", add, NULL, NULL,
                                  async_cb, &a);
    g_assert_true (td_client_update_group_finish (bob, async_wait (&a), &error));
    g_assert_no_error (error);
    g_clear_object (&a.result);
  }
  g_assert_cmpstr (td_contact_get_name (bob_crew), ==, "Ship it");
  g_assert_true (wait_for (has_four_members, crew, WAIT_MS));
  g_assert_cmpstr (td_contact_get_name (crew), ==, "Ship it");
  g_assert_true (td_contact_has_member (crew, "dave"));

  /* A department group cannot be edited: the server's code comes back. */
  {
    Async a = { 0, };

    td_client_update_group_async (alice, td_contact_get_login (engineering), "Mine", NULL, NULL,
                                  NULL, async_cb, &a);
    g_assert_false (td_client_update_group_finish (alice, async_wait (&a), &error));
    g_clear_object (&a.result);
    g_assert_error (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_SERVER);
    g_assert_true (td_connection_error_get_code (error, &code));
    g_assert_cmpint (code, ==, TD_ERR_FORBIDDEN);
    g_clear_error (&error);
  }
  /* Unknown people: nothing changes. */
  {
    Async a = { 0, };
    static const char * const ghosts[] = { "bob", "nobody", NULL };
    g_autoptr(TdContact) never = NULL;

    td_client_create_group_async (alice, "Ghosts", ghosts, NULL, async_cb, &a);
    never = td_client_create_group_finish (alice, async_wait (&a), &error);
    g_clear_object (&a.result);
    g_assert_null (never);
    g_assert_true (td_connection_error_get_code (error, &code));
    g_assert_cmpint (code, ==, TD_ERR_UNKNOWN_RECIPIENT);
    g_clear_error (&error);
  }

  /* Leaving removes the group from one's own contacts, and the member
   * from everyone else's view of it. */
  {
    Async a = { 0, };

    td_client_leave_group_async (bob, td_contact_get_login (crew), NULL, async_cb, &a);
    g_assert_true (td_client_leave_group_finish (bob, async_wait (&a), &error));
    g_assert_no_error (error);
    g_clear_object (&a.result);
  }
  g_assert_null (td_client_lookup_contact (bob, td_contact_get_login (crew)));
  g_assert_true (wait_for (lacks_bob, crew, WAIT_MS));

  /* Groups are cached: a new client on alice's profile shows them before
   * it is connected. */
  g_clear_object (&alice);
  td_test_server_stop (server);
  {
    g_autoptr(TdClient) again = td_client_new (alice_profile, &error);
    Result r = { 0, };
    TdContact *cached;

    g_assert_no_error (error);
    td_client_login_async (again, server->http_url, "alice", TD_TEST_PASSWORD, NULL, login_cb, &r);
    cached = td_client_lookup_contact (again, td_contact_get_login (crew));
    g_assert_nonnull (cached);
    g_assert_cmpstr (td_contact_get_name (cached), ==, "Ship it");
    g_assert_cmpuint (td_contact_get_member_count (cached), ==, 3);
    g_assert_nonnull (find_department_group (again, "Engineering"));
    g_assert_true (td_test_wait_flag (&r.done, WAIT_MS));
    g_clear_error (&r.error);
  }

  g_clear_object (&bob);
  remove_tree (alice_profile);
  remove_tree (bob_profile);
}

static gboolean
got_message (gpointer data)
{
  return ((Received *) data)->received > 0;
}

static void
test_group_messages (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  g_autofree char *alice_profile = NULL;
  g_autofree char *bob_profile = NULL;
  g_autofree char *carol_profile = NULL;
  g_autoptr(TdClient) alice = new_client (&alice_profile);
  g_autoptr(TdClient) bob = new_client (&bob_profile);
  g_autoptr(TdClient) carol = new_client (&carol_profile);
  g_autoptr(TdContact) crew = NULL;
  g_autoptr(TdChatMessage) sent = NULL;
  g_autoptr(TdChatMessage) offline_sent = NULL;
  g_autoptr(TdConversation) conversation = NULL;
  static const char * const members[] = { "bob", "carol", NULL };
  Received r = { 0, };
  Received rc = { 0, };
  TdContact *engineering;
  TdContact *bob_engineering;
  const char *address;

  login (alice, server, "alice");
  login (bob, server, "bob");
  g_assert_true (wait_for (has_engineering_group, alice, WAIT_MS));
  g_assert_true (wait_for (has_engineering_group, bob, WAIT_MS));
  engineering = find_department_group (alice, "Engineering");
  bob_engineering = find_department_group (bob, "Engineering");
  address = td_contact_get_login (engineering);

  /* Sending to a department group reaches the other member. */
  g_signal_connect (bob, "message-received", G_CALLBACK (message_received_cb), &r);
  sent = td_client_send (alice, address, "hello engineering");
  g_assert_true (wait_for (is_sent, sent, WAIT_MS));
  g_assert_cmpstr (td_chat_message_get_peer (sent), ==, address);
  g_assert_true (wait_for (got_message, &r, WAIT_MS));
  g_assert_true (r.from == td_client_lookup_contact (bob, "alice"));
  g_assert_cmpstr (td_chat_message_get_text (r.message), ==, "hello engineering");
  g_assert_cmpstr (td_chat_message_get_peer (r.message), ==, address);
  g_assert_cmpstr (td_chat_message_get_to (r.message), ==, address);
  g_assert_true (td_chat_message_is_group (r.message));
  g_assert_cmpuint (td_contact_get_unread (bob_engineering), ==, 1);
  g_assert_cmpuint (td_contact_get_unread (td_client_lookup_contact (bob, "alice")), ==, 0);
  g_assert_cmpuint (td_client_get_total_unread (bob), ==, 1);
  g_assert_cmpstr (td_contact_get_last_text (bob_engineering), ==, "hello engineering");

  /* The group conversation on bob's side has it, and history pages it. */
  conversation = td_client_get_conversation (bob, address);
  g_assert_true (td_conversation_get_is_group (conversation));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversation)), ==, 1);
  g_clear_object (&conversation);
  {
    g_autofree char *fresh_profile = NULL;
    g_autoptr(TdClient) fresh = new_client (&fresh_profile);

    login (fresh, server, "bob");
    conversation = td_client_get_conversation (fresh, address);
    load_older (conversation, 10);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversation)), ==, 1);
    g_assert_false (td_conversation_get_has_more (conversation));
    g_clear_object (&conversation);
    g_clear_object (&fresh);
    remove_tree (fresh_profile);
  }

  /* An offline member gets the group message when it comes back. */
  crew = create_group (alice, "Release crew", members);
  login (carol, server, "carol");
  g_clear_object (&carol);
  offline_sent = td_client_send (alice, td_contact_get_login (crew), "while carol was away");
  g_assert_true (wait_for (is_sent, offline_sent, WAIT_MS));
  {
    g_autoptr(GError) error = NULL;

    carol = td_client_new (carol_profile, &error);
    g_assert_no_error (error);
  }
  g_signal_connect (carol, "message-received", G_CALLBACK (message_received_cb), &rc);
  login (carol, server, "carol");
  g_assert_true (wait_for (got_message, &rc, WAIT_MS));
  g_assert_cmpstr (td_chat_message_get_text (rc.message), ==, "while carol was away");
  g_assert_cmpstr (td_chat_message_get_peer (rc.message), ==, td_contact_get_login (crew));
  g_assert_cmpuint (td_contact_get_unread (td_client_lookup_contact (carol, td_contact_get_login (crew))), ==, 1);

  g_clear_object (&r.from);
  g_clear_object (&r.message);
  g_clear_object (&rc.from);
  g_clear_object (&rc.message);
  g_clear_object (&alice);
  g_clear_object (&bob);
  g_clear_object (&carol);
  remove_tree (alice_profile);
  remove_tree (bob_profile);
  remove_tree (carol_profile);
}

static gboolean
is_read (gpointer data)
{
  return td_chat_message_get_state (data) == TD_CHAT_MESSAGE_READ;
}

static gboolean
read_by_two (gpointer data)
{
  return td_chat_message_get_read_count (data) == 2;
}

static gboolean
has_unread (gpointer data)
{
  return td_contact_get_unread (data) > 0;
}

static gboolean
no_unread (gpointer data)
{
  return td_contact_get_unread (data) == 0;
}

static void
test_receipts (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  g_autofree char *alice_profile = NULL;
  g_autofree char *phone_profile = NULL;
  g_autofree char *bob_profile = NULL;
  g_autofree char *carol_profile = NULL;
  g_autoptr(TdClient) alice = new_client (&alice_profile);
  g_autoptr(TdClient) phone = new_client (&phone_profile);
  g_autoptr(TdClient) bob = new_client (&bob_profile);
  g_autoptr(TdClient) carol = new_client (&carol_profile);
  g_autoptr(TdChatMessage) to_alice = NULL;
  g_autoptr(TdChatMessage) to_group = NULL;
  g_autoptr(TdContact) crew = NULL;
  g_autoptr(TdConversation) bob_view = NULL;
  static const char * const members[] = { "bob", "carol", NULL };
  Received r = { 0, };
  Received rp = { 0, };
  ContactWait w;

  login (alice, server, "alice");
  login (phone, server, "alice");
  login (bob, server, "bob");
  login (carol, server, "carol");
  g_signal_connect (alice, "message-received", G_CALLBACK (message_received_cb), &r);
  g_signal_connect (phone, "message-received", G_CALLBACK (message_received_cb), &rp);

  /* 1:1: bob's message turns READ once alice has looked at it. */
  bob_view = td_client_get_conversation (bob, "alice");
  to_alice = td_client_send (bob, "alice", "did you see this?");
  g_assert_true (wait_for (is_sent, to_alice, WAIT_MS));
  g_assert_true (wait_for (got_message, &r, WAIT_MS));
  g_assert_true (wait_for (got_message, &rp, WAIT_MS));
  g_assert_cmpuint (td_contact_get_unread (td_client_lookup_contact (alice, "bob")), ==, 1);
  g_assert_cmpuint (td_contact_get_unread (td_client_lookup_contact (phone, "bob")), ==, 1);
  g_assert_cmpint (td_chat_message_get_state (to_alice), ==, TD_CHAT_MESSAGE_SENT);
  td_client_mark_read (alice, "bob");
  g_assert_cmpuint (td_contact_get_unread (td_client_lookup_contact (alice, "bob")), ==, 0);
  g_assert_true (wait_for (is_read, to_alice, WAIT_MS));
  g_assert_cmpuint (td_chat_message_get_read_count (to_alice), ==, 1);
  g_assert_cmpint (td_conversation_get_read_mark (bob_view, "alice"), ==, td_chat_message_get_mid (to_alice));
  /* alice's other device hears it was read and clears its count. */
  g_assert_true (wait_for (no_unread, td_client_lookup_contact (phone, "bob"), WAIT_MS));

  /* Groups: the read count grows with each member who read it. */
  crew = create_group (alice, "Readers", members);
  w.client = bob;
  w.login = td_contact_get_login (crew);
  g_assert_true (wait_for (has_contact, &w, WAIT_MS));
  w.client = carol;
  g_assert_true (wait_for (has_contact, &w, WAIT_MS));
  {
    g_autoptr(TdConversation) open = td_client_get_conversation (alice, td_contact_get_login (crew));

    to_group = td_client_send (alice, td_contact_get_login (crew), "please read");
    g_assert_true (wait_for (is_sent, to_group, WAIT_MS));
    g_assert_cmpuint (td_chat_message_get_read_count (to_group), ==, 0);
    w.client = bob;
    g_assert_true (wait_for (has_unread, td_client_lookup_contact (bob, td_contact_get_login (crew)), WAIT_MS));
    td_client_mark_read (bob, td_contact_get_login (crew));
    g_assert_true (wait_for (has_unread, td_client_lookup_contact (carol, td_contact_get_login (crew)), WAIT_MS));
    td_client_mark_read (carol, td_contact_get_login (crew));
    g_assert_true (wait_for (read_by_two, to_group, WAIT_MS));
    /* A group message is never READ in the 1:1 sense. */
    g_assert_cmpint (td_chat_message_get_state (to_group), ==, TD_CHAT_MESSAGE_SENT);
    g_assert_cmpint (td_conversation_get_read_mark (open, "carol"), ==, td_chat_message_get_mid (to_group));
  }

  /* Marks arrive with history too: a fresh device of bob's sees alice's
   * read mark on his message. */
  {
    g_autofree char *fresh_profile = NULL;
    g_autoptr(TdClient) fresh = new_client (&fresh_profile);
    g_autoptr(TdConversation) conversation = NULL;
    g_autoptr(TdChatMessage) first = NULL;

    login (fresh, server, "bob");
    conversation = td_client_get_conversation (fresh, "alice");
    load_older (conversation, 10);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (conversation)), ==, 1);
    first = g_list_model_get_item (G_LIST_MODEL (conversation), 0);
    g_assert_cmpint (td_chat_message_get_state (first), ==, TD_CHAT_MESSAGE_READ);
    g_clear_object (&conversation);
    g_clear_object (&fresh);
    remove_tree (fresh_profile);
  }

  g_clear_object (&r.from);
  g_clear_object (&r.message);
  g_clear_object (&rp.from);
  g_clear_object (&rp.message);
  g_clear_object (&bob_view);
  g_clear_object (&alice);
  g_clear_object (&phone);
  g_clear_object (&bob);
  g_clear_object (&carol);
  remove_tree (alice_profile);
  remove_tree (phone_profile);
  remove_tree (bob_profile);
  remove_tree (carol_profile);
}

static gboolean
typing_is (TdConversation *conversation, const char *expected)
{
  return g_strcmp0 (td_conversation_get_typing (conversation), expected) == 0;
}

static gboolean
shows_alice_typing (gpointer data)
{
  return typing_is (data, "Alice Smith");
}

static gboolean
shows_nobody_typing (gpointer data)
{
  return typing_is (data, "");
}

static gboolean
has_messages (gpointer data)
{
  return g_list_model_get_n_items (data) > 0;
}

static void
test_typing (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  g_autofree char *alice_profile = NULL;
  g_autofree char *bob_profile = NULL;
  g_autoptr(TdClient) alice = new_client (&alice_profile);
  g_autoptr(TdClient) bob = new_client (&bob_profile);
  g_autoptr(TdConversation) conversation = NULL;
  g_autoptr(TdChatMessage) message = NULL;
  gint64 start;

  login (alice, server, "alice");
  login (bob, server, "bob");
  conversation = td_client_get_conversation (bob, "alice");
  g_assert_cmpstr (td_conversation_get_typing (conversation), ==, "");
  g_assert_cmpuint (td_conversation_get_typing_count (conversation), ==, 0);

  td_client_notify_typing (alice, "bob");
  g_assert_true (wait_for (shows_alice_typing, conversation, WAIT_MS));
  g_assert_cmpuint (td_conversation_get_typing_count (conversation), ==, 1);
  /* It goes away by itself (about 5 s; bounded generously). */
  start = g_get_monotonic_time ();
  g_assert_true (wait_for (shows_nobody_typing, conversation, WAIT_MS));
  /* Not before it should: at least a few seconds passed (lower bound only). */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * G_USEC_PER_SEC);

  /* A message from the typist ends it at once.  (3 s passed, so the
   * next notify goes out.) */
  td_client_notify_typing (alice, "bob");
  g_assert_true (wait_for (shows_alice_typing, conversation, WAIT_MS));
  message = td_client_send (alice, "bob", "done typing");
  g_assert_true (wait_for (has_messages, conversation, WAIT_MS));
  g_assert_cmpstr (td_conversation_get_typing (conversation), ==, "");

  g_clear_object (&conversation);
  g_clear_object (&alice);
  g_clear_object (&bob);
  remove_tree (alice_profile);
  remove_tree (bob_profile);
}

typedef struct {
  guint           count;
  TdReminderItem *last;
} Alerts;

static void
reminder_received_cb (TdClient *client, TdReminderItem *item, Alerts *alerts)
{
  alerts->count++;
  g_set_object (&alerts->last, item);
}

static gboolean
has_alert (gpointer data)
{
  return ((Alerts *) data)->count > 0;
}

typedef struct {
  TdClient        *client;
  gint64           rid;
  TdReminderState  state;
} ReminderWait;

static gboolean
reminder_in_state (gpointer data)
{
  ReminderWait *w = data;
  TdReminderItem *item = td_client_lookup_reminder (w->client, w->rid);

  return item != NULL && td_reminder_item_get_state (item) == w->state;
}

static gint64
announce (TdClient *client, const char *title, const char *department, GError **error)
{
  Async a = { 0, };
  gint64 rid;

  td_client_announce_async (client, title, "Assemble in the car park", NULL, department,
                            TD_PRIORITY_URGENT, NULL, async_cb, &a);
  rid = td_client_announce_finish (client, async_wait (&a), error);
  g_clear_object (&a.result);
  return rid;
}

static void
test_reminders (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  g_autofree char *admin_profile = NULL;
  g_autofree char *alice_profile = NULL;
  g_autofree char *laptop_profile = NULL;
  g_autoptr(TdClient) admin = new_client (&admin_profile);
  g_autoptr(TdClient) alice = new_client (&alice_profile);
  g_autoptr(TdClient) laptop = NULL;
  g_autoptr(GError) error = NULL;
  Alerts alerts = { 0, };
  Alerts again = { 0, };
  Alerts laptop_alerts = { 0, };
  TdReminderItem *item;
  ReminderWait w;
  gint64 rid;

  login (admin, server, "admin");
  login (alice, server, "alice");
  g_assert_true (td_client_get_is_admin (admin));
  g_assert_false (td_client_get_is_admin (alice));
  g_signal_connect (alice, "reminder-received", G_CALLBACK (reminder_received_cb), &alerts);

  /* Only admins announce. */
  g_assert_cmpint (announce (alice, "Not allowed", NULL, &error), ==, 0);
  g_assert_error (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_SERVER);
  {
    TdErrorCode code;

    g_assert_true (td_connection_error_get_code (error, &code));
    g_assert_cmpint (code, ==, TD_ERR_FORBIDDEN);
  }
  g_clear_error (&error);

  rid = announce (admin, "Fire drill", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rid, >, 0);

  g_assert_true (wait_for (has_alert, &alerts, WAIT_MS));
  g_assert_cmpuint (alerts.count, ==, 1);
  g_assert_cmpint (td_reminder_item_get_rid (alerts.last), ==, rid);
  g_assert_cmpstr (td_reminder_item_get_title (alerts.last), ==, "Fire drill");
  g_assert_cmpstr (td_reminder_item_get_source (alerts.last), ==, "admin");
  g_assert_cmpint (td_reminder_item_get_kind (alerts.last), ==, TD_REMINDER_KIND_ANNOUNCEMENT);
  g_assert_true (td_reminder_item_get_urgent (alerts.last));
  g_assert_cmpint (td_reminder_item_get_state (alerts.last), ==, TD_REMINDER_OPEN);
  g_assert_true (td_client_lookup_reminder (alice, rid) == alerts.last);
  {
    g_autoptr(TdReminderItem) first = g_list_model_get_item (td_client_get_reminders (alice), 0);

    g_assert_true (first == alerts.last);
  }
  g_assert_cmpuint (td_client_get_unread_reminders (alice), ==, 1);

  /* A restart on the same profile shows it (cache, then the server's
   * list) but does not alert again. */
  g_clear_object (&alerts.last);
  g_clear_object (&alice);
  alice = td_client_new (alice_profile, &error);
  g_assert_no_error (error);
  g_signal_connect (alice, "reminder-received", G_CALLBACK (reminder_received_cb), &again);
  {
    Result r = { 0, };

    /* The cache opens as the login starts: the list shows at once. */
    td_client_login_async (alice, server->http_url, "alice", TD_TEST_PASSWORD, NULL, login_cb, &r);
    g_assert_nonnull (td_client_lookup_reminder (alice, rid));
    g_assert_cmpuint (g_list_model_get_n_items (td_client_get_reminders (alice)), ==, 1);
    g_assert_true (td_test_wait_flag (&r.done, WAIT_MS));
    g_assert_no_error (r.error);
    g_assert_true (wait_for (is_online, alice, WAIT_MS));
  }
  g_assert_nonnull (td_client_lookup_reminder (alice, rid));
  /* A round trip after the session start: anything due was emitted. */
  {
    g_autoptr(TdChatMessage) m = td_client_send (alice, "bob", "sync");

    g_assert_true (wait_for (is_sent, m, WAIT_MS));
  }
  g_assert_cmpuint (again.count, ==, 0);

  /* Another device of alice's: a new profile alerts once, and sees what
   * the first device does with it. */
  laptop = new_client (&laptop_profile);
  g_signal_connect (laptop, "reminder-received", G_CALLBACK (reminder_received_cb), &laptop_alerts);
  login (laptop, server, "alice");
  g_assert_true (wait_for (has_alert, &laptop_alerts, WAIT_MS));
  g_assert_cmpuint (laptop_alerts.count, ==, 1);

  /* A short snooze ends on the client's own clock and alerts again. */
  td_client_update_reminder (alice, rid, TD_REMINDER_ACTION_SNOOZE, g_get_real_time () / 1000 + 1500);
  item = td_client_lookup_reminder (alice, rid);
  g_assert_cmpint (td_reminder_item_get_state (item), ==, TD_REMINDER_SNOOZED);
  g_assert_true (td_reminder_item_get_read (item));
  g_assert_cmpuint (td_client_get_unread_reminders (alice), ==, 0);
  g_assert_true (wait_for (has_alert, &again, WAIT_MS));
  g_assert_cmpint (td_reminder_item_get_state (item), ==, TD_REMINDER_OPEN);

  /* Done: at once locally, then on the other device from the server. */
  td_client_update_reminder (alice, rid, TD_REMINDER_ACTION_DONE, 0);
  g_assert_cmpint (td_reminder_item_get_state (item), ==, TD_REMINDER_DONE);
  w.client = laptop;
  w.rid = rid;
  w.state = TD_REMINDER_DONE;
  g_assert_true (wait_for (reminder_in_state, &w, WAIT_MS));
  g_assert_cmpuint (td_client_get_unread_reminders (laptop), ==, 0);
  g_assert_cmpuint (again.count, ==, 1);

  /* The announcer sees who has read and done it. */
  {
    Async a = { 0, };
    g_autoptr(TdReminderStatus) status = NULL;

    td_client_reminder_status_async (admin, rid, NULL, async_cb, &a);
    status = td_client_reminder_status_finish (admin, async_wait (&a), &error);
    g_clear_object (&a.result);
    g_assert_no_error (error);
    g_assert_cmpint (status->rid, ==, rid);
    g_assert_cmpuint (status->total, >=, 5);
    g_assert_cmpuint (status->done, ==, 1);
    g_assert_cmpuint (status->read, >=, 1);
    g_assert_false (g_strv_contains ((const char * const *) status->unread, "alice"));
    g_assert_true (g_strv_contains ((const char * const *) status->unread, "bob"));
  }

  g_clear_object (&alerts.last);
  g_clear_object (&again.last);
  g_clear_object (&laptop_alerts.last);
  g_clear_object (&admin);
  g_clear_object (&alice);
  g_clear_object (&laptop);
  remove_tree (admin_profile);
  remove_tree (alice_profile);
  remove_tree (laptop_profile);
}


/* ---- cached directory (docs/protocol.md 5.2) ---- */

typedef struct {
  TdConnection *conn;
  guint         directory_changed;
  guint         presence_changed;
  gboolean      done;
  GError       *error;
} ConnWatch;

static void
conn_directory_changed_cb (TdConnection *conn, ConnWatch *w)
{
  w->directory_changed++;
}

static void
conn_presence_changed_cb (TdConnection *conn, const char *login, gint status, ConnWatch *w)
{
  w->presence_changed++;
}

static void
conn_login_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ConnWatch *w = user_data;
  g_autoptr(TdUser) me = td_connection_login_finish (TD_CONNECTION (source), result, &w->error);

  w->done = TRUE;
}

static gboolean
conn_is_online (gpointer data)
{
  return td_connection_get_state (data) == TD_CONNECTION_STATE_ONLINE;
}

static TdPresence
conn_presence_of (TdConnection *conn, const char *login)
{
  GPtrArray *users = td_connection_get_users (conn);

  for (guint i = 0; i < users->len; i++)
    if (g_str_equal (td_user_get_login (users->pdata[i]), login))
      return td_user_get_presence (users->pdata[i]);
  return (TdPresence) -1;
}

typedef struct {
  TdConnection *conn;
  const char   *login;
  TdPresence    want;
} PresenceWait;

static gboolean
conn_presence_is (gpointer data)
{
  PresenceWait *pw = data;

  return conn_presence_of (pw->conn, pw->login) == pw->want;
}

static void
conn_new (ConnWatch *w, TdTestServer *server, const char *device)
{
  w->conn = td_connection_new (server->http_url, device);
  g_signal_connect (w->conn, "directory-changed", G_CALLBACK (conn_directory_changed_cb), w);
  g_signal_connect (w->conn, "presence-changed", G_CALLBACK (conn_presence_changed_cb), w);
}

static void
conn_finish_login (ConnWatch *w, const char *user)
{
  td_connection_login_async (w->conn, user, TD_TEST_PASSWORD, NULL, conn_login_cb, w);
  g_assert_true (td_test_wait_flag (&w->done, WAIT_MS));
  g_assert_no_error (w->error);
  g_assert_true (wait_for (conn_is_online, w->conn, WAIT_MS));
}

static void
conn_watch_clear (ConnWatch *w)
{
  if (w->conn != NULL)
    {
      g_signal_handlers_disconnect_by_data (w->conn, w);
      td_connection_close (w->conn);
    }
  g_clear_object (&w->conn);
}

static void
test_cached_directory (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  ConnWatch bob = { 0, }, first = { 0, }, cached = { 0, }, stale = { 0, };
  g_autoptr(GPtrArray) offline_copy = g_ptr_array_new_with_free_func ((GDestroyNotify) td_user_unref);
  g_autoptr(GPtrArray) bogus = g_ptr_array_new_with_free_func ((GDestroyNotify) td_user_unref);
  g_autofree char *version = NULL;
  PresenceWait bob_online = { NULL, "bob", TD_PRESENCE_ONLINE };
  PresenceWait dave_offline = { NULL, "dave", TD_PRESENCE_OFFLINE };
  PresenceWait alice_online = { NULL, "alice", TD_PRESENCE_ONLINE };
  GPtrArray *users;

  conn_new (&bob, server, "cd-bob");
  conn_finish_login (&bob, "bob");

  /* No cache: the whole directory, once, with its version. */
  conn_new (&first, server, "cd-1");
  g_assert_null (td_connection_get_directory_version (first.conn));
  conn_finish_login (&first, "alice");
  g_assert_cmpuint (first.directory_changed, ==, 1);
  version = g_strdup (td_connection_get_directory_version (first.conn));
  g_assert_nonnull (version);
  users = td_connection_get_users (first.conn);
  g_assert_cmpuint (users->len, ==, 6);
  bob_online.conn = first.conn;
  g_assert_true (wait_for (conn_presence_is, &bob_online, WAIT_MS));

  /* The cache as a client would have stored it: presence all offline, so
   * what the users show next can only come from the snapshot. */
  for (guint i = 0; i < users->len; i++)
    g_ptr_array_add (offline_copy, td_user_with_presence (users->pdata[i], TD_PRESENCE_OFFLINE));

  /* With the current version: "unchanged", no directory-changed (the
   * cache is the directory from the moment it is set), presence from the
   * snapshot. */
  conn_new (&cached, server, "cd-2");
  td_connection_set_cached_directory (cached.conn, version, offline_copy);
  g_assert_cmpuint (td_connection_get_users (cached.conn)->len, ==, 6);
  g_assert_cmpstr (td_connection_get_directory_version (cached.conn), ==, version);
  conn_finish_login (&cached, "carol");
  bob_online.conn = cached.conn;
  g_assert_true (wait_for (conn_presence_is, &bob_online, WAIT_MS));
  g_assert_cmpuint (cached.directory_changed, ==, 0);
  g_assert_cmpuint (td_connection_get_users (cached.conn)->len, ==, 6);
  g_assert_cmpuint (td_connection_get_departments (cached.conn)->len, ==, 3);
  g_assert_cmpstr (td_connection_get_directory_version (cached.conn), ==, version);
  /* alice logged in just before: the snapshot has her, or the next
   * coalesced delta (250 ms) does. */
  alice_online.conn = cached.conn;
  g_assert_true (wait_for (conn_presence_is, &alice_online, WAIT_MS));
  dave_offline.conn = cached.conn;
  g_assert_true (conn_presence_is (&dave_offline));
  /* Only real changes are signalled: bob and alice came online (carol
   * herself may be told later by a delta), nobody else changed. */
  g_assert_cmpuint (cached.presence_changed, >=, 2);
  g_assert_cmpuint (cached.presence_changed, <=, 3);

  /* A cache of another version: the whole directory replaces it. */
  g_ptr_array_add (bogus, td_user_new ("zed", "Zed", "Nowhere", NULL, TD_PRESENCE_OFFLINE));
  conn_new (&stale, server, "cd-3");
  td_connection_set_cached_directory (stale.conn, "0000000000000000", bogus);
  g_assert_cmpuint (td_connection_get_users (stale.conn)->len, ==, 1);
  conn_finish_login (&stale, "dave");
  g_assert_cmpuint (stale.directory_changed, ==, 1);
  g_assert_cmpuint (td_connection_get_users (stale.conn)->len, ==, 6);
  g_assert_cmpint ((gint) conn_presence_of (stale.conn, "zed"), ==, -1);
  g_assert_cmpstr (td_connection_get_directory_version (stale.conn), ==, version);
  bob_online.conn = stale.conn;
  g_assert_true (wait_for (conn_presence_is, &bob_online, WAIT_MS));

  conn_watch_clear (&stale);
  conn_watch_clear (&cached);
  conn_watch_clear (&first);
  conn_watch_clear (&bob);
}

static gboolean
bob_contact_online (gpointer data)
{
  TdContact *bob = td_client_lookup_contact (data, "bob");

  return bob != NULL && td_contact_get_presence (bob) == TD_PRESENCE_ONLINE;
}

/* TdClient stores the directory with its version and offers it at the
 * next start: the contacts are right and follow presence. */
static void
test_warm_start (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  g_autofree char *profile = make_profile ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TdClient) client = td_client_new (profile, &error);
  ConnWatch bob = { 0, };

  g_assert_no_error (error);
  login (client, server, "alice");
  g_clear_object (&client);

  conn_new (&bob, server, "ws-bob");
  conn_finish_login (&bob, "bob");
  client = td_client_new (profile, &error);
  g_assert_no_error (error);
  login (client, server, "alice");
  g_assert_cmpuint (count_people (client), ==, 5);
  g_assert_true (wait_for (bob_contact_online, client, WAIT_MS));
  conn_watch_clear (&bob);
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
  g_test_add_func ("/client/groups", test_groups);
  g_test_add_func ("/client/group-messages", test_group_messages);
  g_test_add_func ("/client/receipts", test_receipts);
  g_test_add_func ("/client/typing", test_typing);
  g_test_add_func ("/client/reminders", test_reminders);
  g_test_add_func ("/client/cached-directory", test_cached_directory);
  g_test_add_func ("/client/warm-start", test_warm_start);
  return g_test_run ();
}
