/* test-api.c - the integration HTTP API and outgoing webhooks against a
 * real tidingsd: keys made with the real tidingsctl, requests with a
 * SoupSession on 127.0.0.1, people on raw WebSocket connections, and a
 * webhook receiver (a SoupServer in this process) that is down for a while
 * and then comes back, also across a restart of tidingsd. */
#define G_LOG_DOMAIN "test-api"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "td-test-util.h"

#define WAIT_MS 15000

typedef struct {
  char         *config_file;
  TdTestServer *server;
  SoupSession  *http;
  char         *reminders_key;   /* scope reminders */
  char         *broadcast_key;   /* scope broadcast */
  char         *bot_key;         /* scope bot, acting as helpdesk */
} Fixture;

/* ---- tidingsctl ---- */

/* Runs tidingsctl on the fixture's data directory; returns its stdout
 * (asserting success). */
static char *
ctl_ok (Fixture *f, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *arg;
  va_list args;
  int status;

  g_ptr_array_add (argv, (gpointer) "tidingsctl");
  g_ptr_array_add (argv, (gpointer) f->server->ctl_store_option);
  g_ptr_array_add (argv, (gpointer) f->server->ctl_store_arg);
  va_start (args, f);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  status = td_test_run ((const char * const *) argv->pdata, NULL, 60, &out, &err);
  if (status != 0)
    g_error ("tidingsctl %s failed (%d): %s%s", (char *) argv->pdata[3], status, out, err);
  return g_steal_pointer (&out);
}

/* The last line of @out (keys and secrets are printed there). */
static char *
last_line (const char *out)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);
  guint n = g_strv_length (lines);

  while (n > 0 && *lines[n - 1] == '\0')
    n--;
  g_assert_cmpuint (n, >, 0);
  return g_strdup (lines[n - 1]);
}

static char *
make_key (Fixture *f, const char *name, const char *scope, const char *bot)
{
  g_autofree char *out = bot ? ctl_ok (f, "apikey", "create", name, "--scope", scope, "--bot", bot, NULL)
                             : ctl_ok (f, "apikey", "create", name, "--scope", scope, NULL);
  char *key = last_line (out);

  g_assert_true (g_str_has_prefix (key, "tdk_"));
  g_assert_cmpuint (strlen (key), ==, 4 + 43);
  return key;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int fd;

  /* Retries after 1 s (doubling) so that the webhook tests stay short. */
  fd = g_file_open_tmp ("td-api-XXXXXX.conf", &f->config_file, &error);
  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (f->config_file, "[server]\nwebhook-retry-seconds=1\n", -1, &error);
  g_assert_no_error (error);
  {
    const char *args[] = { "--config", f->config_file, NULL };
    f->server = td_test_server_new (args);
  }

  out = ctl_ok (f, "user", "add", "helpdesk", "--name", "Help Desk", "--role", "bot", NULL);
  f->reminders_key = make_key (f, "workflow", "reminders", NULL);
  f->broadcast_key = make_key (f, "intranet", "broadcast", NULL);
  f->bot_key = make_key (f, "helpdesk-key", "bot", "helpdesk");
  /* The server reads the directory at start: restart so that it knows the
   * bot at once rather than at its next periodic reload. */
  td_test_server_stop (f->server);
  td_test_server_start (f->server);
  f->http = soup_session_new ();
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->http);
  td_test_server_free (f->server);
  g_unlink (f->config_file);
  g_free (f->config_file);
  g_free (f->reminders_key);
  g_free (f->broadcast_key);
  g_free (f->bot_key);
}

/* ---- HTTP ---- */

typedef struct {
  guint       status;
  JsonNode   *root;       /* NULL unless the answer was JSON */
  char       *www_authenticate;
} Reply;

static void
reply_clear (Reply *reply)
{
  g_clear_pointer (&reply->root, json_node_unref);
  g_clear_pointer (&reply->www_authenticate, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reply, reply_clear)

static JsonObject *
reply_object (const Reply *reply)
{
  g_assert_nonnull (reply->root);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (reply->root));
  return json_node_get_object (reply->root);
}

static const char *
reply_error (const Reply *reply)
{
  return json_object_get_string_member (reply_object (reply), "error");
}

/* Sends a request; @key NULL = no Authorization header; @content_type NULL
 * with a body = application/json. */
static void
request (Fixture *f, const char *method, const char *path, const char *key,
         const char *content_type, const char *body, gssize body_len, Reply *reply)
{
  g_autofree char *url = g_strconcat (f->server->http_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  const char *type;

  g_assert_nonnull (msg);
  if (key != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", key, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, body_len < 0 ? strlen (body) : (gsize) body_len);
      soup_message_set_request_body_from_bytes (msg, content_type ? content_type : "application/json",
                                                bytes);
    }
  answer = soup_session_send_and_read (f->http, msg, NULL, &error);
  g_assert_no_error (error);
  reply->status = soup_message_get_status (msg);
  reply->www_authenticate = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                                    "WWW-Authenticate"));
  type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);
  if (g_strcmp0 (type, "application/json") == 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      gsize len;
      const char *data = g_bytes_get_data (answer, &len);

      json_parser_load_from_data (parser, data, (gssize) len, &error);
      g_assert_no_error (error);
      reply->root = json_node_ref (json_parser_get_root (parser));
    }
  g_test_message ("%s %s -> %u", method, path, reply->status);
}

static void
post (Fixture *f, const char *path, const char *key, const char *json, Reply *reply)
{
  request (f, "POST", path, key, NULL, json, -1, reply);
}

static gint64
post_reminder (Fixture *f, const char *json, guint expected_recipients)
{
  g_auto(Reply) reply = { 0 };
  JsonObject *obj;

  post (f, "/api/v1/reminders", f->reminders_key, json, &reply);
  g_assert_cmpuint (reply.status, ==, 201);
  obj = reply_object (&reply);
  g_assert_cmpint (json_object_get_int_member (obj, "recipients"), ==, expected_recipients);
  g_assert_false (json_object_get_boolean_member (obj, "duplicate"));
  g_assert_cmpint (json_object_get_int_member (obj, "id"), >, 0);
  return json_object_get_int_member (obj, "id");
}

/* ---- WebSocket people ---- */

/* Logs @user in and reads the session start up to "synced"; returns the
 * "reminders" list it carried (TdReminder*). */
static GPtrArray *
login (TdTestWs *ws, const char *user)
{
  g_autoptr(TdFrame) auth = td_frame_new_auth_password (user, TD_TEST_PASSWORD, "test-api", "test");
  g_autoptr(TdFrame) welcome = NULL;
  GPtrArray *reminders = NULL;

  td_test_ws_send_frame (ws, auth);
  welcome = td_test_ws_expect (ws, TD_FRAME_WELCOME, WAIT_MS);
  for (;;)
    {
      g_autoptr(TdFrame) frame = td_test_ws_next (ws, WAIT_MS);

      g_assert_nonnull (frame);
      if (td_frame_get_frame_type (frame) == TD_FRAME_REMINDERS)
        {
          g_assert_null (reminders);
          reminders = g_ptr_array_ref (td_frame_get_reminders (frame));
        }
      else if (td_frame_get_frame_type (frame) == TD_FRAME_SYNCED)
        break;
    }
  g_assert_nonnull (reminders);
  return reminders;
}

static TdTestWs *
connect_as (Fixture *f, const char *user, GPtrArray **out_reminders)
{
  TdTestWs *ws = td_test_ws_connect (f->server->ws_url);
  g_autoptr(GPtrArray) reminders = login (ws, user);

  if (out_reminders != NULL)
    *out_reminders = g_steal_pointer (&reminders);
  return ws;
}

static TdReminder *
find_reminder (GPtrArray *reminders, gint64 rid)
{
  for (guint i = 0; i < reminders->len; i++)
    if (td_reminder_get_rid (g_ptr_array_index (reminders, i)) == rid)
      return g_ptr_array_index (reminders, i);
  return NULL;
}

/* Waits for the live "reminder" frame of @rid. */
static TdReminder *
expect_reminder (TdTestWs *ws, gint64 rid)
{
  for (;;)
    {
      g_autoptr(TdFrame) frame = td_test_ws_expect (ws, TD_FRAME_REMINDER, WAIT_MS);
      TdReminder *reminder = td_frame_get_reminder (frame);

      if (td_reminder_get_rid (reminder) == rid)
        return td_reminder_ref (reminder);
    }
}

/* reminder_update and its answer. */
static void
update_reminder (TdTestWs *ws, gint64 rid, TdReminderAction action, TdReminderState expected)
{
  g_autoptr(TdFrame) update = td_frame_new_reminder_update ("upd", rid, action, 0);

  td_test_ws_send_frame (ws, update);
  for (;;)
    {
      g_autoptr(TdFrame) frame = td_test_ws_next (ws, WAIT_MS);

      g_assert_nonnull (frame);
      g_assert_cmpint (td_frame_get_frame_type (frame), !=, TD_FRAME_ERROR);
      if (td_frame_get_frame_type (frame) == TD_FRAME_REMINDER &&
          g_strcmp0 (td_frame_get_req (frame), "upd") == 0)
        {
          TdReminder *reminder = td_frame_get_reminder (frame);

          g_assert_cmpint (td_reminder_get_rid (reminder), ==, rid);
          g_assert_cmpint (td_reminder_get_state (reminder), ==, expected);
          return;
        }
    }
}

/* ---- reminders ---- */

static void
test_reminder_person (Fixture *f, gconstpointer data)
{
  g_autoptr(TdTestWs) bob = connect_as (f, "bob", NULL);
  g_autoptr(TdTestWs) carol = NULL;
  g_autoptr(TdReminder) live = NULL;
  g_autoptr(GPtrArray) at_login = NULL;
  TdReminder *offline;
  gint64 rid;

  /* bob is online, carol is not. */
  rid = post_reminder (f, "{\"to\":[\"bob\",\"carol\"],\"title\":\"Approval waiting\","
                          "\"body\":\"Travel request #4411\",\"link\":\"https://flow.example.com/r/4411\","
                          "\"category\":\"approval\",\"priority\":\"urgent\"}", 2);

  live = expect_reminder (bob, rid);
  g_assert_cmpstr (td_reminder_get_title (live), ==, "Approval waiting");
  g_assert_cmpstr (td_reminder_get_body (live), ==, "Travel request #4411");
  g_assert_cmpstr (td_reminder_get_link (live), ==, "https://flow.example.com/r/4411");
  g_assert_cmpstr (td_reminder_get_category (live), ==, "approval");
  g_assert_cmpstr (td_reminder_get_source (live), ==, "workflow");
  g_assert_cmpint (td_reminder_get_kind (live), ==, TD_REMINDER_KIND_REMINDER);
  g_assert_cmpint (td_reminder_get_priority (live), ==, TD_PRIORITY_URGENT);
  g_assert_cmpint (td_reminder_get_state (live), ==, TD_REMINDER_OPEN);

  /* carol gets it when she logs in. */
  carol = connect_as (f, "carol", &at_login);
  offline = find_reminder (at_login, rid);
  g_assert_nonnull (offline);
  g_assert_cmpstr (td_reminder_get_title (offline), ==, "Approval waiting");
  g_assert_false (td_reminder_get_read (offline));
}

static void
test_reminder_department_everyone (Fixture *f, gconstpointer data)
{
  g_autoptr(TdTestWs) bob = connect_as (f, "bob", NULL);
  g_autoptr(TdTestWs) wang = NULL;
  g_autoptr(TdReminder) live = NULL;
  g_autoptr(TdReminder) live_all = NULL;
  g_autoptr(GPtrArray) at_login = NULL;
  g_auto(Reply) reply = { 0 };
  gint64 dept_rid, all_rid;

  /* Engineering: alice, bob, admin.  Everyone: the six people of the
   * directory; the bot account is not a person and is left out. */
  dept_rid = post_reminder (f, "{\"department\":\"Engineering\",\"title\":\"Deploy window\"}", 3);
  live = expect_reminder (bob, dept_rid);
  g_assert_cmpstr (td_reminder_get_title (live), ==, "Deploy window");

  all_rid = post_reminder (f, "{\"everyone\":true,\"title\":\"Timesheets due\"}", 6);
  live_all = expect_reminder (bob, all_rid);

  wang = connect_as (f, "wang.fang", &at_login);
  g_assert_nonnull (find_reminder (at_login, all_rid));
  g_assert_null (find_reminder (at_login, dept_rid));

  /* "to" and a department together: bob counted once. */
  post_reminder (f, "{\"to\":\"bob\",\"department\":\"Engineering\",\"title\":\"Both\"}", 3);

  /* An unknown department or login stores nothing. */
  post (f, "/api/v1/reminders", f->reminders_key,
        "{\"department\":\"Marketing\",\"title\":\"Nobody\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 400);
  g_assert_cmpstr (reply_error (&reply), ==, "unknown_recipient");
  reply_clear (&reply);
  post (f, "/api/v1/reminders", f->reminders_key,
        "{\"to\":[\"bob\",\"nobody\"],\"title\":\"Nobody\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 400);
  g_assert_cmpstr (reply_error (&reply), ==, "unknown_recipient");
  g_assert_nonnull (strstr (json_object_get_string_member (reply_object (&reply), "message"), "nobody"));
  reply_clear (&reply);

  /* The next reminder bob gets is the next one posted: the refused ones
   * reached nobody. */
  {
    gint64 rid = post_reminder (f, "{\"to\":\"bob\",\"title\":\"After\"}", 1);
    g_autoptr(TdFrame) frame = NULL;

    for (;;)
      {
        g_clear_pointer (&frame, td_frame_unref);
        frame = td_test_ws_expect (bob, TD_FRAME_REMINDER, WAIT_MS);
        g_assert_cmpstr (td_reminder_get_title (td_frame_get_reminder (frame)), !=, "Nobody");
        if (td_reminder_get_rid (td_frame_get_reminder (frame)) == rid)
          break;
      }
  }
}

static void
test_idempotency (Fixture *f, gconstpointer data)
{
  const char *json = "{\"to\":\"bob\",\"title\":\"Sign the contract\",\"idempotency_key\":\"contract-77\"}";
  g_auto(Reply) first = { 0 };
  g_auto(Reply) second = { 0 };
  g_auto(Reply) status = { 0 };
  g_autofree char *path = NULL;
  gint64 rid;

  post (f, "/api/v1/reminders", f->reminders_key, json, &first);
  g_assert_cmpuint (first.status, ==, 201);
  rid = json_object_get_int_member (reply_object (&first), "id");

  post (f, "/api/v1/reminders", f->reminders_key, json, &second);
  g_assert_cmpuint (second.status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (reply_object (&second), "id"), ==, rid);
  g_assert_true (json_object_get_boolean_member (reply_object (&second), "duplicate"));
  g_assert_cmpint (json_object_get_int_member (reply_object (&second), "recipients"), ==, 1);

  /* bob has it once. */
  {
    g_autoptr(GPtrArray) at_login = NULL;
    g_autoptr(TdTestWs) bob = connect_as (f, "bob", &at_login);
    guint n = 0;

    for (guint i = 0; i < at_login->len; i++)
      if (g_str_equal (td_reminder_get_title (g_ptr_array_index (at_login, i)), "Sign the contract"))
        n++;
    g_assert_cmpuint (n, ==, 1);
  }

  path = g_strdup_printf ("/api/v1/reminders/%" G_GINT64_FORMAT, rid);
  request (f, "GET", path, f->reminders_key, NULL, NULL, 0, &status);
  g_assert_cmpuint (status.status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (reply_object (&status), "idempotency_key"), ==,
                   "contract-77");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (reply_object (&status),
                                                                          "recipients")), ==, 1);
}

static void
test_keys (Fixture *f, gconstpointer data)
{
  const char *json = "{\"to\":\"dave\",\"title\":\"Key test\"}";
  g_autofree char *revoked = make_key (f, "old", "reminders", NULL);
  g_autofree char *out = NULL;
  g_auto(Reply) reply = { 0 };

  post (f, "/api/v1/reminders", NULL, json, &reply);
  g_assert_cmpuint (reply.status, ==, 401);
  g_assert_cmpstr (reply_error (&reply), ==, "unauthorized");
  g_assert_nonnull (reply.www_authenticate);
  g_assert_true (g_str_has_prefix (reply.www_authenticate, "Bearer"));
  reply_clear (&reply);

  post (f, "/api/v1/reminders", "tdk_wrongwrongwrongwrongwrongwrongwrongwrongwro", json, &reply);
  g_assert_cmpuint (reply.status, ==, 401);
  g_assert_cmpstr (reply_error (&reply), ==, "unauthorized");
  reply_clear (&reply);

  /* A key works until it is revoked. */
  post (f, "/api/v1/reminders", revoked, "{\"to\":\"bob\",\"title\":\"Before revoking\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 201);
  reply_clear (&reply);
  out = ctl_ok (f, "apikey", "revoke", "old", NULL);
  post (f, "/api/v1/reminders", revoked, json, &reply);
  g_assert_cmpuint (reply.status, ==, 401);
  reply_clear (&reply);

  /* Out of scope. */
  post (f, "/api/v1/reminders", f->broadcast_key, json, &reply);
  g_assert_cmpuint (reply.status, ==, 403);
  g_assert_cmpstr (reply_error (&reply), ==, "forbidden");
  reply_clear (&reply);
  post (f, "/api/v1/broadcasts", f->reminders_key, "{\"title\":\"Nope\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 403);
  reply_clear (&reply);
  post (f, "/api/v1/messages", f->reminders_key, "{\"to\":\"dave\",\"text\":\"x\",\"id\":\"1\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 403);
  reply_clear (&reply);

  /* Someone else's reminder does not exist for this key. */
  request (f, "GET", "/api/v1/reminders/1", f->reminders_key, NULL, NULL, 0, &reply);
  g_assert_cmpuint (reply.status, ==, 404);
  reply_clear (&reply);

  /* Wrong method, unknown endpoint. */
  request (f, "GET", "/api/v1/reminders", f->reminders_key, NULL, NULL, 0, &reply);
  g_assert_cmpuint (reply.status, ==, 405);
  reply_clear (&reply);
  request (f, "GET", "/api/v1/nothing", f->reminders_key, NULL, NULL, 0, &reply);
  g_assert_cmpuint (reply.status, ==, 404);
  reply_clear (&reply);

  /* None of it reached dave; "apikey list" shows the revoked key. */
  {
    g_autoptr(GPtrArray) at_login = NULL;
    g_autoptr(TdTestWs) dave = connect_as (f, "dave", &at_login);
    g_autofree char *list = ctl_ok (f, "apikey", "list", NULL);

    g_assert_cmpuint (at_login->len, ==, 0);
    g_assert_nonnull (strstr (list, "revoked"));
    g_assert_null (strstr (list, revoked));
  }
}

static void
test_bad_bodies (Fixture *f, gconstpointer data)
{
  struct {
    const char *content_type;
    const char *body;
    guint       status;
    const char *error;
    const char *member;   /* named in the message */
  } cases[] = {
    { NULL, "{\"to\":\"dave\",\"title\":\"x\"", 400, "bad_json", NULL },
    { NULL, "{\"to\":\"dave\",\"title\":\"x\",}", 400, "bad_json", NULL },
    { NULL, "{'to':'dave','title':'x'}", 400, "bad_json", NULL },
    { NULL, "[\"dave\"]", 400, "bad_json", NULL },
    { NULL, "", 400, "bad_json", NULL },
    { NULL, "{\"to\":\"dave\"}", 400, "bad_request", "title" },
    { NULL, "{\"title\":\"x\"}", 400, "bad_request", "to" },
    { NULL, "{\"to\":\"dave\",\"title\":\"\"}", 400, "bad_request", "title" },
    { NULL, "{\"to\":\"dave\",\"title\":42}", 400, "bad_request", "title" },
    { NULL, "{\"to\":\"dave\",\"title\":\"x\",\"link\":\"javascript:alert(1)\"}", 400, "bad_request", "link" },
    { NULL, "{\"to\":\"dave\",\"title\":\"x\",\"link\":\"https://a.example/b c\"}", 400, "bad_request", "link" },
    { NULL, "{\"to\":\"dave\",\"title\":\"x\",\"category\":\"Not Valid\"}", 400, "bad_request", "category" },
    { NULL, "{\"to\":\"dave\",\"title\":\"x\",\"priority\":\"high\"}", 400, "bad_request", "priority" },
    { NULL, "{\"to\":\"Dave!\",\"title\":\"x\"}", 400, "bad_request", "to" },
    { NULL, "{\"to\":[\"dave\",7],\"title\":\"x\"}", 400, "bad_request", "to[1]" },
    { NULL, "{\"to\":\"dave\",\"title\":\"x\",\"titel\":\"y\"}", 400, "bad_request", "titel" },
    { NULL, "{\"to\":\"dave\",\"title\":\"x\\u0000y\"}", 400, "bad_request", "title" },
    { NULL, "{\"to\":\"dave\",\"title\":\"x\",\"idempotency_key\":\"has space\"}", 400, "bad_request",
      "idempotency_key" },
    { NULL, "{\"to\":\"dave\",\"title\":\"x\",\"everyone\":\"yes\"}", 400, "bad_request", "everyone" },
    { NULL, "{\"to\":\"dave\",\"title\":\"x\",\"body\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", 400,
      "too_deep", NULL },
    { "text/plain", "{\"to\":\"dave\",\"title\":\"x\"}", 415, "unsupported_media_type", NULL },
    { "application/x-www-form-urlencoded", "to=dave&title=x", 415, "unsupported_media_type", NULL },
  };
  g_autofree char *big = NULL;
  g_auto(Reply) reply = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("case %u: %s", i, cases[i].body);
      request (f, "POST", "/api/v1/reminders", f->reminders_key, cases[i].content_type,
               cases[i].body, -1, &reply);
      g_assert_cmpuint (reply.status, ==, cases[i].status);
      g_assert_cmpstr (reply_error (&reply), ==, cases[i].error);
      if (cases[i].member != NULL)
        {
          const char *message = json_object_get_string_member (reply_object (&reply), "message");
          g_assert_nonnull (strstr (message, cases[i].member));
        }
      reply_clear (&reply);
    }

  /* Above 64 KiB: 413, whether the length is announced or not. */
  big = g_strdup_printf ("{\"to\":\"dave\",\"title\":\"x\",\"body\":\"%0*d\"}", 70000, 0);
  request (f, "POST", "/api/v1/reminders", f->reminders_key, NULL, big, -1, &reply);
  g_assert_cmpuint (reply.status, ==, 413);
  g_assert_cmpstr (reply_error (&reply), ==, "too_large");
  reply_clear (&reply);

  /* A bad body with a bad key is a key problem first. */
  request (f, "POST", "/api/v1/reminders", "tdk_nope", NULL, "{", -1, &reply);
  g_assert_cmpuint (reply.status, ==, 401);
  reply_clear (&reply);

  /* dave received none of them. */
  {
    g_autoptr(GPtrArray) at_login = NULL;
    g_autoptr(TdTestWs) dave = connect_as (f, "dave", &at_login);

    g_assert_cmpuint (at_login->len, ==, 0);
  }
  /* The same body, well formed, works. */
  post_reminder (f, "{\"to\":\"dave\",\"title\":\"x\"}", 1);
}

static void
test_status_after_done (Fixture *f, gconstpointer data)
{
  g_autoptr(TdTestWs) bob = connect_as (f, "bob", NULL);
  g_autoptr(TdReminder) live = NULL;
  g_auto(Reply) reply = { 0 };
  g_autofree char *path = NULL;
  JsonArray *recipients;
  gint64 rid;

  rid = post_reminder (f, "{\"to\":[\"carol\",\"bob\"],\"title\":\"Expense report\","
                          "\"idempotency_key\":\"exp-1\"}", 2);
  live = expect_reminder (bob, rid);
  update_reminder (bob, rid, TD_REMINDER_ACTION_DONE, TD_REMINDER_DONE);

  path = g_strdup_printf ("/api/v1/reminders/%" G_GINT64_FORMAT, rid);
  request (f, "GET", path, f->reminders_key, NULL, NULL, 0, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_cmpint (json_object_get_int_member (reply_object (&reply), "id"), ==, rid);
  g_assert_cmpstr (json_object_get_string_member (reply_object (&reply), "title"), ==, "Expense report");
  g_assert_cmpstr (json_object_get_string_member (reply_object (&reply), "source"), ==, "workflow");
  g_assert_cmpstr (json_object_get_string_member (reply_object (&reply), "kind"), ==, "reminder");
  recipients = json_object_get_array_member (reply_object (&reply), "recipients");
  g_assert_cmpuint (json_array_get_length (recipients), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *r = json_array_get_object_element (recipients, i);
      const char *user = json_object_get_string_member (r, "user");

      g_assert_true (json_object_has_member (r, "updated"));
      if (g_str_equal (user, "bob"))
        g_assert_cmpstr (json_object_get_string_member (r, "state"), ==, "done");
      else
        {
          g_assert_cmpstr (user, ==, "carol");
          g_assert_cmpstr (json_object_get_string_member (r, "state"), ==, "open");
          g_assert_false (json_object_get_boolean_member (r, "read"));
        }
    }
  reply_clear (&reply);

  /* Another key cannot see it. */
  {
    g_autofree char *other = make_key (f, "other", "reminders", NULL);

    request (f, "GET", path, other, NULL, NULL, 0, &reply);
    g_assert_cmpuint (reply.status, ==, 404);
  }
}

static void
test_broadcast (Fixture *f, gconstpointer data)
{
  g_autoptr(TdTestWs) carol = connect_as (f, "carol", NULL);
  g_autoptr(TdReminder) live = NULL;
  g_auto(Reply) reply = { 0 };
  g_autofree char *path = NULL;
  JsonObject *obj;
  JsonArray *unread;
  gint64 rid;

  post (f, "/api/v1/broadcasts", f->broadcast_key,
        "{\"department\":\"Sales\",\"title\":\"Quarter closes Friday\",\"priority\":\"urgent\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 201);
  g_assert_cmpint (json_object_get_int_member (reply_object (&reply), "recipients"), ==, 2);
  rid = json_object_get_int_member (reply_object (&reply), "id");
  reply_clear (&reply);

  live = expect_reminder (carol, rid);
  g_assert_cmpint (td_reminder_get_kind (live), ==, TD_REMINDER_KIND_ANNOUNCEMENT);
  g_assert_cmpstr (td_reminder_get_source (live), ==, "intranet");

  path = g_strdup_printf ("/api/v1/broadcasts/%" G_GINT64_FORMAT, rid);
  request (f, "GET", path, f->broadcast_key, NULL, NULL, 0, &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  obj = reply_object (&reply);
  g_assert_cmpint (json_object_get_int_member (obj, "total"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (obj, "read"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (obj, "done"), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "unread")), ==, 2);
  reply_clear (&reply);

  update_reminder (carol, rid, TD_REMINDER_ACTION_READ, TD_REMINDER_OPEN);
  request (f, "GET", path, f->broadcast_key, NULL, NULL, 0, &reply);
  obj = reply_object (&reply);
  g_assert_cmpint (json_object_get_int_member (obj, "read"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (obj, "done"), ==, 0);
  unread = json_object_get_array_member (obj, "unread");
  g_assert_cmpuint (json_array_get_length (unread), ==, 1);
  g_assert_cmpstr (json_array_get_string_element (unread, 0), ==, "dave");
  reply_clear (&reply);

  update_reminder (carol, rid, TD_REMINDER_ACTION_DONE, TD_REMINDER_DONE);
  request (f, "GET", path, f->broadcast_key, NULL, NULL, 0, &reply);
  g_assert_cmpint (json_object_get_int_member (reply_object (&reply), "done"), ==, 1);
  reply_clear (&reply);

  /* Everyone (no department); and a reminder id is not a broadcast. */
  post (f, "/api/v1/broadcasts", f->broadcast_key, "{\"title\":\"Office closed Monday\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 201);
  g_assert_cmpint (json_object_get_int_member (reply_object (&reply), "recipients"), ==, 6);
  reply_clear (&reply);
  {
    g_autofree char *key = make_key (f, "both", "reminders,broadcast", NULL);
    g_autofree char *reminder_path = NULL;

    post (f, "/api/v1/reminders", key, "{\"to\":\"dave\",\"title\":\"Not a broadcast\"}", &reply);
    reminder_path = g_strdup_printf ("/api/v1/broadcasts/%" G_GINT64_FORMAT,
                                     json_object_get_int_member (reply_object (&reply), "id"));
    reply_clear (&reply);
    request (f, "GET", reminder_path, key, NULL, NULL, 0, &reply);
    g_assert_cmpuint (reply.status, ==, 404);
    reply_clear (&reply);
  }

  /* tidingsctl's view of an announcement made there. */
  {
    g_autofree char *out = ctl_ok (f, "broadcast", "--department", "Sales", "Fire drill at 3", NULL);
    g_autofree char *id = last_line (out);
    g_autofree char *status = NULL;
    g_autoptr(TdReminder) drill = NULL;

    drill = expect_reminder (carol, g_ascii_strtoll (id, NULL, 10));
    g_assert_cmpstr (td_reminder_get_title (drill), ==, "Fire drill at 3");
    update_reminder (carol, td_reminder_get_rid (drill), TD_REMINDER_ACTION_READ, TD_REMINDER_OPEN);
    status = ctl_ok (f, "broadcast", "status", id, NULL);
    g_assert_nonnull (strstr (status, "Total:     2\n"));
    g_assert_nonnull (strstr (status, "Read:      1\n"));
    g_assert_nonnull (strstr (status, "Unread:    dave\n"));
  }
}

/* ---- bots ---- */

static void
test_bot_messages (Fixture *f, gconstpointer data)
{
  g_autoptr(TdTestWs) alice = connect_as (f, "alice", NULL);
  g_autoptr(TdFrame) frame = NULL;
  g_auto(Reply) reply = { 0 };
  TdMessage *message;
  JsonObject *sent;

  post (f, "/api/v1/messages", f->bot_key, "{\"to\":\"alice\",\"text\":\"Your ticket #12 is solved\","
                                           "\"id\":\"t12-solved\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 201);
  g_assert_false (json_object_get_boolean_member (reply_object (&reply), "duplicate"));
  sent = json_object_get_object_member (reply_object (&reply), "message");
  g_assert_cmpstr (json_object_get_string_member (sent, "from"), ==, "helpdesk");
  g_assert_cmpstr (json_object_get_string_member (sent, "to"), ==, "alice");
  g_assert_cmpint (json_object_get_int_member (sent, "mid"), >, 0);

  frame = td_test_ws_expect (alice, TD_FRAME_MESSAGE, WAIT_MS);
  message = td_frame_get_message (frame);
  g_assert_cmpstr (td_message_get_from (message), ==, "helpdesk");
  g_assert_cmpstr (td_message_get_text (message), ==, "Your ticket #12 is solved");
  g_assert_cmpint (td_message_get_mid (message), ==, json_object_get_int_member (sent, "mid"));
  reply_clear (&reply);

  /* Same id again: the original, nothing new. */
  post (f, "/api/v1/messages", f->bot_key, "{\"to\":\"alice\",\"text\":\"Your ticket #12 is solved\","
                                           "\"id\":\"t12-solved\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 200);
  g_assert_true (json_object_get_boolean_member (reply_object (&reply), "duplicate"));
  reply_clear (&reply);
  post (f, "/api/v1/messages", f->bot_key, "{\"to\":\"alice\",\"text\":\"Other\",\"id\":\"t12-solved\"}",
        &reply);
  g_assert_cmpuint (reply.status, ==, 409);
  reply_clear (&reply);

  post (f, "/api/v1/messages", f->bot_key, "{\"to\":\"nobody\",\"text\":\"x\",\"id\":\"n1\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 400);
  g_assert_cmpstr (reply_error (&reply), ==, "unknown_recipient");
  reply_clear (&reply);
  /* The bot is in no department group. */
  post (f, "/api/v1/messages", f->bot_key, "{\"to\":\"g:1\",\"text\":\"x\",\"id\":\"n2\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 403);
  reply_clear (&reply);
  post (f, "/api/v1/messages", f->bot_key, "{\"to\":\"alice\",\"text\":\"   \",\"id\":\"n3\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 400);
  reply_clear (&reply);

  /* The next message alice gets is the next one sent: no stray copies. */
  post (f, "/api/v1/messages", f->bot_key, "{\"to\":\"alice\",\"text\":\"Second\",\"id\":\"t13\"}", &reply);
  g_assert_cmpuint (reply.status, ==, 201);
  g_clear_pointer (&frame, td_frame_unref);
  frame = td_test_ws_expect (alice, TD_FRAME_MESSAGE, WAIT_MS);
  g_assert_cmpstr (td_message_get_text (td_frame_get_message (frame)), ==, "Second");
}

/* ---- webhooks ---- */

typedef struct {
  SoupServer *server;
  guint16     port;
  char       *url;
  char       *secret;
  gboolean    down;         /* answer 503 */
  guint       attempts;     /* requests seen */
  guint       refused;      /* of which answered 503 */
  guint       bad;          /* requests with a wrong signature or headers */
  GHashTable *accepted;     /* delivery id -> count of 200 answers */
  GPtrArray  *ids;          /* accepted delivery ids, in arrival order (gint64 as string) */
  GPtrArray  *bodies;       /* JsonNode*, accepted, in order */
} Receiver;

static void
receiver_cb (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           user_data)
{
  Receiver *r = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *event = soup_message_headers_get_one (headers, "X-Tidings-Event");
  const char *delivery = soup_message_headers_get_one (headers, "X-Tidings-Delivery");
  const char *timestamp = soup_message_headers_get_one (headers, "X-Tidings-Timestamp");
  const char *signature = soup_message_headers_get_one (headers, "X-Tidings-Signature");
  g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *expected = NULL;
  gsize len;
  const char *data = g_bytes_get_data (body, &len);
  gboolean ok = TRUE;

  r->attempts++;
  /* The signature, recomputed here: HMAC-SHA256(secret, timestamp "." body). */
  if (event == NULL || delivery == NULL || timestamp == NULL || signature == NULL ||
      soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    ok = FALSE;
  else
    {
      g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) r->secret,
                                          strlen (r->secret));
      gint64 ts = g_ascii_strtoll (timestamp, NULL, 10);

      g_hmac_update (hmac, (const guchar *) timestamp, -1);
      g_hmac_update (hmac, (const guchar *) ".", 1);
      g_hmac_update (hmac, (const guchar *) data, len);
      expected = g_strconcat ("sha256=", g_hmac_get_string (hmac), NULL);
      ok = g_str_equal (expected, signature) &&
           ABS (ts - g_get_real_time () / G_USEC_PER_SEC) < 300 &&
           g_strcmp0 (soup_message_headers_get_content_type (headers, NULL), "application/json") == 0 &&
           json_parser_load_from_data (parser, data, (gssize) len, NULL) &&
           JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) &&
           g_strcmp0 (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                     "event"), event) == 0;
    }
  if (!ok)
    {
      r->bad++;
      soup_server_message_set_status (msg, 400, NULL);
      return;
    }
  if (r->down)
    {
      r->refused++;
      soup_server_message_set_status (msg, 503, NULL);
      return;
    }
  if (!g_hash_table_contains (r->accepted, delivery))
    {
      g_ptr_array_add (r->ids, g_strdup (delivery));
      g_ptr_array_add (r->bodies, json_node_ref (json_parser_get_root (parser)));
    }
  g_hash_table_insert (r->accepted, g_strdup (delivery),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (r->accepted, delivery)) + 1));
  soup_server_message_set_status (msg, 200, NULL);
}

static void
receiver_listen (Receiver *r, guint16 port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;

  r->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (r->server, "/hook", receiver_cb, r, NULL);
  soup_server_listen_local (r->server, port, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (r->server);
  r->port = (guint16) g_uri_get_port (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  if (r->url == NULL)
    r->url = g_strdup_printf ("http://127.0.0.1:%u/hook", r->port);
}

static void
receiver_close (Receiver *r)
{
  if (r->server != NULL)
    soup_server_disconnect (r->server);
  g_clear_object (&r->server);
}

static Receiver *
receiver_new (void)
{
  Receiver *r = g_new0 (Receiver, 1);

  r->accepted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  r->ids = g_ptr_array_new_with_free_func (g_free);
  r->bodies = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  return r;
}

static void
receiver_free (Receiver *r)
{
  receiver_close (r);
  g_hash_table_unref (r->accepted);
  g_ptr_array_unref (r->ids);
  g_ptr_array_unref (r->bodies);
  g_free (r->url);
  g_free (r->secret);
  g_free (r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Receiver, receiver_free)

static void
add_webhook (Fixture *f, Receiver *r)
{
  g_autofree char *out = ctl_ok (f, "webhook", "add", "crm", "--url", r->url,
                                 "--events", "message,reminder", NULL);

  r->secret = last_line (out);
  g_assert_true (g_str_has_prefix (r->secret, "tdw_"));
}

/* Iterates the main loop (where the receiver runs) until @cond holds. */
static gboolean
wait_for (gboolean (*cond) (Receiver *r, guint n), Receiver *r, guint n, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (r, n) && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10 * 1000);
  return cond (r, n);
}

static gboolean
refused_at_least (Receiver *r, guint n)
{
  return r->refused >= n;
}

static gboolean
accepted_at_least (Receiver *r, guint n)
{
  return r->ids->len >= n;
}

static void
assert_each_once (Receiver *r)
{
  gint64 previous = 0;

  g_assert_cmpuint (r->bad, ==, 0);
  for (guint i = 0; i < r->ids->len; i++)
    {
      const char *id = g_ptr_array_index (r->ids, i);
      gint64 value = g_ascii_strtoll (id, NULL, 10);

      g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (r->accepted, id)), ==, 1);
      /* One webhook: its events arrive in the order they were queued. */
      g_assert_cmpint (value, >, previous);
      previous = value;
    }
}

static JsonObject *
body_at (Receiver *r, guint i)
{
  return json_node_get_object (g_ptr_array_index (r->bodies, i));
}

static void
test_webhook_retry (Fixture *f, gconstpointer data)
{
  g_autoptr(Receiver) r = receiver_new ();
  g_autoptr(TdTestWs) bob = NULL;
  g_autoptr(TdTestWs) alice = NULL;
  g_autoptr(TdReminder) live = NULL;
  g_autofree char *list = NULL;
  JsonObject *event;
  gint64 rid;

  receiver_listen (r, 0);
  r->down = TRUE;
  add_webhook (f, r);

  bob = connect_as (f, "bob", NULL);
  alice = connect_as (f, "alice", NULL);
  rid = post_reminder (f, "{\"to\":\"bob\",\"title\":\"Approve PO 9\",\"idempotency_key\":\"po-9\"}", 1);
  live = expect_reminder (bob, rid);

  /* Three events: bob's outcome, then two messages to the bot. */
  update_reminder (bob, rid, TD_REMINDER_ACTION_DONE, TD_REMINDER_DONE);
  {
    g_autoptr(TdFrame) one = td_test_ws_send_message (alice, "w1", "helpdesk", "My printer is on fire");
    g_autoptr(TdFrame) two = td_test_ws_send_message (alice, "w2", "helpdesk", "Still burning");

    g_assert_cmpint (td_frame_get_frame_type (one), ==, TD_FRAME_SENT);
    g_assert_cmpint (td_frame_get_frame_type (two), ==, TD_FRAME_SENT);
  }
  /* A bot answering (through the API) queues nothing. */
  {
    g_auto(Reply) reply = { 0 };

    post (f, "/api/v1/messages", f->bot_key, "{\"to\":\"alice\",\"text\":\"On my way\",\"id\":\"a1\"}",
          &reply);
    g_assert_cmpuint (reply.status, ==, 201);
  }

  /* Refused (503) and retried a few times... */
  g_assert_true (wait_for (refused_at_least, r, 3, 30000));
  g_assert_cmpuint (r->ids->len, ==, 0);
  list = ctl_ok (f, "webhook", "list", NULL);
  g_assert_nonnull (strstr (list, "crm"));
  g_assert_nonnull (strstr (list, "503"));

  /* ...then the receiver is back and everything arrives, once each. */
  r->down = FALSE;
  g_assert_true (wait_for (accepted_at_least, r, 3, 30000));
  /* Let a stray duplicate show up if there were one. */
  g_assert_false (wait_for (accepted_at_least, r, 4, 2500));
  assert_each_once (r);

  event = body_at (r, 0);
  g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "reminder");
  g_assert_cmpint (json_object_get_int_member (event, "rid"), ==, rid);
  g_assert_cmpstr (json_object_get_string_member (event, "user"), ==, "bob");
  g_assert_cmpstr (json_object_get_string_member (event, "state"), ==, "done");
  g_assert_cmpstr (json_object_get_string_member (event, "idempotency_key"), ==, "po-9");
  g_assert_true (json_object_has_member (event, "time"));

  for (guint i = 1; i < 3; i++)
    {
      JsonObject *message;

      event = body_at (r, i);
      g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, "message");
      g_assert_cmpstr (json_object_get_string_member (event, "bot"), ==, "helpdesk");
      message = json_object_get_object_member (event, "message");
      g_assert_cmpstr (json_object_get_string_member (message, "from"), ==, "alice");
      g_assert_cmpstr (json_object_get_string_member (message, "to"), ==, "helpdesk");
      g_assert_cmpstr (json_object_get_string_member (message, "id"), ==, i == 1 ? "w1" : "w2");
      g_assert_cmpstr (json_object_get_string_member (message, "text"), ==,
                       i == 1 ? "My printer is on fire" : "Still burning");
    }

  g_clear_pointer (&list, g_free);
  list = ctl_ok (f, "webhook", "list", NULL);
  g_test_message ("%s", list);
}

/* "webhook list" shows the crm webhook with a failed attempt recorded. */
static gboolean
pending_failed (Fixture *f)
{
  g_autofree char *list = ctl_ok (f, "webhook", "list", NULL);
  g_auto(GStrv) lines = g_strsplit (list, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "crm ") && strstr (lines[i], "refused") != NULL)
      return TRUE;
  return FALSE;
}

static void
test_webhook_restart (Fixture *f, gconstpointer data)
{
  g_autoptr(Receiver) r = receiver_new ();
  g_autoptr(TdTestWs) alice = NULL;
  gint64 deadline;
  guint16 port;

  /* A port, then nobody listening on it. */
  receiver_listen (r, 0);
  port = r->port;
  receiver_close (r);
  add_webhook (f, r);

  alice = connect_as (f, "alice", NULL);
  {
    g_autoptr(TdFrame) sent = td_test_ws_send_message (alice, "r1", "helpdesk", "Before the restart");

    g_assert_cmpint (td_frame_get_frame_type (sent), ==, TD_FRAME_SENT);
  }
  g_clear_pointer (&alice, td_test_ws_free);

  /* Wait until an attempt failed (connection refused), bounded. */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!pending_failed (f) && g_get_monotonic_time () < deadline)
    g_usleep (200 * 1000);
  g_assert_true (pending_failed (f));

  /* The server dies with the delivery queued; it comes back, and only
   * then does the receiver. */
  td_test_server_kill (f->server);
  td_test_server_start (f->server);
  receiver_listen (r, port);

  g_assert_true (wait_for (accepted_at_least, r, 1, 40000));
  g_assert_false (wait_for (accepted_at_least, r, 2, 2000));
  assert_each_once (r);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (body_at (r, 0), "message"),
                                                  "text"), ==, "Before the restart");
}

static void
test_ctl_errors (Fixture *f, gconstpointer data)
{
  struct {
    const char *args[8];
    int         status;
  } cases[] = {
    { { "apikey", "create", "x", NULL }, 2 },                                   /* no --scope */
    { { "apikey", "create", "x", "--scope", "admin", NULL }, 2 },
    { { "apikey", "create", "x", "--scope", "bot", NULL }, 2 },                  /* no --bot */
    { { "apikey", "create", "x", "--scope", "bot", "--bot", "alice", NULL }, 1 }, /* not a bot */
    { { "apikey", "create", "bad name", "--scope", "reminders", NULL }, 2 },
    { { "apikey", "create", "workflow", "--scope", "reminders", NULL }, 1 },     /* exists */
    { { "apikey", "revoke", "nosuch", NULL }, 1 },
    { { "webhook", "add", "h", "--url", "ftp://x/y", "--events", "message", NULL }, 2 },
    { { "webhook", "add", "h", "--url", "http://x/y", "--events", "typing", NULL }, 2 },
    { { "webhook", "add", "h", "--url", "http://x/y", NULL }, 2 },
    { { "webhook", "del", "nosuch", NULL }, 1 },
    { { "broadcast", NULL }, 2 },
    { { "broadcast", "--link", "javascript:x", "Title", NULL }, 2 },
    { { "broadcast", "--department", "Nowhere", "Title", NULL }, 1 },
    { { "broadcast", "status", "999", NULL }, 1 },
    { { "broadcast", "status", "abc", NULL }, 2 },
    { { "group", "frob", NULL }, 2 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status;

      g_ptr_array_add (argv, (gpointer) "tidingsctl");
      g_ptr_array_add (argv, (gpointer) f->server->ctl_store_option);
      g_ptr_array_add (argv, (gpointer) f->server->ctl_store_arg);
      for (guint j = 0; cases[i].args[j] != NULL; j++)
        g_ptr_array_add (argv, (gpointer) cases[i].args[j]);
      g_ptr_array_add (argv, NULL);
      status = td_test_run ((const char * const *) argv->pdata, NULL, 60, &out, &err);
      g_test_message ("case %u -> %d: %s", i, status, err);
      g_assert_cmpint (status, ==, cases[i].status);
      g_assert_true (g_str_has_prefix (err, "tidingsctl: "));
    }

  /* group list shows the department groups. */
  {
    g_autofree char *out = ctl_ok (f, "group", "list", NULL);

    g_assert_nonnull (strstr (out, "department"));
    g_assert_nonnull (strstr (out, "Engineering"));
    g_assert_nonnull (strstr (out, "财务部"));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/api/reminder/person", test_reminder_person);
  ADD ("/api/reminder/department-everyone", test_reminder_department_everyone);
  ADD ("/api/reminder/idempotency", test_idempotency);
  ADD ("/api/reminder/status-after-done", test_status_after_done);
  ADD ("/api/keys", test_keys);
  ADD ("/api/bad-bodies", test_bad_bodies);
  ADD ("/api/broadcast", test_broadcast);
  ADD ("/api/bot/messages", test_bot_messages);
  ADD ("/api/webhook/retry", test_webhook_retry);
  ADD ("/api/webhook/restart", test_webhook_restart);
  ADD ("/api/ctl/errors", test_ctl_errors);
#undef ADD

  return g_test_run ();
}
