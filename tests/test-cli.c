/* test-cli.c - tidings-cli and TdConnection against a real tidingsd, plus
 * TdConnection against a scripted in-process server for the cases a real
 * server does not produce on demand (resent messages, garbage frames,
 * hang-ups, untrusted TLS certificates).
 */
#define G_LOG_DOMAIN "test-cli"

#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "td-connection.h"
#include "td-test-util.h"

#define WAIT_MS 20000

/* ---- helpers: running tidings-cli ---- */

static int
run_cli_full (TdTestServer       *srv,
              const char         *user,
              const char         *password_file,
              const char * const *args,
              const char         *stdin_text,
              char              **out,
              char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  int status;

  g_ptr_array_add (argv, (gpointer) "tidings-cli");
  g_ptr_array_add (argv, (gpointer) "--server");
  g_ptr_array_add (argv, srv->http_url);
  g_ptr_array_add (argv, (gpointer) "--user");
  g_ptr_array_add (argv, (gpointer) user);
  g_ptr_array_add (argv, (gpointer) "--password-file");
  g_ptr_array_add (argv, (gpointer) password_file);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  status = td_test_run ((const char * const *) argv->pdata, stdin_text, 60, out, err);
  g_test_message ("tidings-cli %s %s -> %d", user, args[0], status);
  return status;
}

static int
run_cli (TdTestServer *srv, const char *user, const char * const *args, char **out, char **err)
{
  return run_cli_full (srv, user, srv->password_file, args, NULL, out, err);
}

/* Runs tidings-cli without a server (usage errors). */
static int
run_cli_bare (const char * const *args, char **out, char **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) "tidings-cli");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  return td_test_run ((const char * const *) argv->pdata, NULL, 30, out, err);
}

/* Splits stdout into JSON objects, asserting each line is one. */
static GPtrArray *
parse_lines (const char *out)
{
  g_autoptr(GPtrArray) objects = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonNode *root;

      if (lines[i][0] == '\0')
        {
          /* only the text after the last newline may be empty */
          g_assert_null (lines[i + 1]);
          break;
        }
      json_parser_load_from_data (parser, lines[i], -1, &error);
      g_assert_no_error (error);
      root = json_parser_get_root (parser);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
      g_ptr_array_add (objects, json_object_ref (json_node_get_object (root)));
    }
  return g_steal_pointer (&objects);
}

static void
assert_message_json (JsonObject *obj, const char *from, const char *to, const char *text)
{
  g_assert_true (json_object_has_member (obj, "mid"));
  /* History results carry no mailbox seq; everything else does. */
  if (json_object_has_member (obj, "seq"))
    g_assert_cmpint (json_object_get_int_member (obj, "seq"), >, 0);
  g_assert_true (json_object_has_member (obj, "time"));
  g_assert_cmpint (json_object_get_int_member (obj, "mid"), >, 0);
  g_assert_cmpint (json_object_get_int_member (obj, "time"), >, 0);
  g_assert_nonnull (json_object_get_string_member (obj, "id"));
  g_assert_cmpstr (json_object_get_string_member (obj, "id"), !=, "");
  g_assert_cmpstr (json_object_get_string_member (obj, "from"), ==, from);
  g_assert_cmpstr (json_object_get_string_member (obj, "to"), ==, to);
  g_assert_cmpstr (json_object_get_string_member (obj, "text"), ==, text);
}

static void
cli_send_ok (TdTestServer *srv, const char *from, const char *to, const char *text)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  const char *args[] = { "send", to, text, NULL };

  g_assert_cmpint (run_cli (srv, from, args, &out, &err), ==, 0);
  /* a clean run says nothing: the logout at the end worked too */
  g_assert_cmpstr (err, ==, "");
  lines = parse_lines (out);
  g_assert_cmpuint (lines->len, ==, 1);
  assert_message_json (lines->pdata[0], from, to, text);
}

static char *
write_temp_file (const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("tidings-test-XXXXXX", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

/* ---- /cli ---- */

static void
test_cli_send_listen (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  const char *text = "Grüße 你好 🎉 \"quoted\" \\ tab\tend";
  const char *send_args[] = { "send", "bob", text, NULL };
  const char *listen_args[] = { "listen", "--count", "1", "--timeout", "30", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *out2 = NULL;
  g_autoptr(GPtrArray) sent = NULL;
  g_autoptr(GPtrArray) got = NULL;
  JsonObject *msg;

  g_assert_cmpint (run_cli (srv, "alice", send_args, &out, &err), ==, 0);
  sent = parse_lines (out);
  g_assert_cmpuint (sent->len, ==, 1);
  assert_message_json (sent->pdata[0], "alice", "bob", text);

  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli (srv, "bob", listen_args, &out2, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
  got = parse_lines (out2);
  g_assert_cmpuint (got->len, ==, 1);
  msg = got->pdata[0];
  assert_message_json (msg, "alice", "bob", text);
  g_assert_cmpint (json_object_get_int_member (msg, "seq"), >=, 1);
  g_assert_cmpint (json_object_get_int_member (msg, "mid"), ==,
                   json_object_get_int_member (sent->pdata[0], "mid"));
  g_assert_cmpstr (json_object_get_string_member (msg, "id"), ==,
                   json_object_get_string_member (sent->pdata[0], "id"));
}

static void
test_cli_backlog (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  const char *listen3[] = { "listen", "--count", "3", "--timeout", "30", NULL };
  const char *listen1[] = { "listen", "--count", "1", "--timeout", "2", NULL };
  const char *texts[] = { "one", "two", "three" };
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  g_autofree char *err2 = NULL;
  g_autoptr(GPtrArray) got = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    cli_send_ok (srv, "alice", "carol", texts[i]);

  g_assert_cmpint (run_cli (srv, "carol", listen3, &out, NULL), ==, 0);
  got = parse_lines (out);
  g_assert_cmpuint (got->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      assert_message_json (got->pdata[i], "alice", "carol", texts[i]);
      g_assert_true (json_object_has_member (got->pdata[i], "seq"));
      if (i > 0)
        {
          g_assert_cmpint (json_object_get_int_member (got->pdata[i], "seq"), >,
                           json_object_get_int_member (got->pdata[i - 1], "seq"));
          g_assert_cmpint (json_object_get_int_member (got->pdata[i], "mid"), >,
                           json_object_get_int_member (got->pdata[i - 1], "mid"));
        }
    }

  /* The acks were stored: nothing is delivered again. */
  g_assert_cmpint (run_cli (srv, "carol", listen1, &out2, &err2), ==, 4);
  g_assert_cmpstr (out2, ==, "");
  g_assert_nonnull (strstr (err2, "tidings-cli: timed out after 2 s (got 0 of 1 messages)"));
}

/* listen --count N must not acknowledge the messages after the N-th that
 * arrived in the same burst: the next listen still gets them. */
static void
test_cli_count_keeps_rest (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  const char *listen2[] = { "listen", "--count", "2", "--timeout", "30", NULL };
  const char *listen1[] = { "listen", "--count", "1", "--timeout", "30", NULL };
  const char *texts[] = { "first", "second", "third" };
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  g_autoptr(GPtrArray) got = NULL;
  g_autoptr(GPtrArray) got2 = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    cli_send_ok (srv, "alice", "dave", texts[i]);

  g_assert_cmpint (run_cli (srv, "dave", listen2, &out, NULL), ==, 0);
  got = parse_lines (out);
  g_assert_cmpuint (got->len, ==, 2);
  assert_message_json (got->pdata[0], "alice", "dave", "first");
  assert_message_json (got->pdata[1], "alice", "dave", "second");

  g_assert_cmpint (run_cli (srv, "dave", listen1, &out2, NULL), ==, 0);
  got2 = parse_lines (out2);
  g_assert_cmpuint (got2->len, ==, 1);
  assert_message_json (got2->pdata[0], "alice", "dave", "third");
}

/* Sending does not consume the sender's own backlog. */
static void
test_cli_send_keeps_backlog (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  const char *listen1[] = { "listen", "--count", "1", "--timeout", "30", NULL };
  g_autofree char *out = NULL;
  g_autoptr(GPtrArray) got = NULL;

  cli_send_ok (srv, "alice", "bob", "for bob");
  cli_send_ok (srv, "bob", "alice", "reply");  /* bob logs in with a backlog of 1 */

  g_assert_cmpint (run_cli (srv, "bob", listen1, &out, NULL), ==, 0);
  got = parse_lines (out);
  g_assert_cmpuint (got->len, ==, 1);
  assert_message_json (got->pdata[0], "alice", "bob", "for bob");
}

static void
test_cli_wrong_password (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  g_autofree char *bad = write_temp_file ("not the password\n");
  const char *args[] = { "send", "bob", "hello", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *out2 = NULL;
  g_autofree char *err2 = NULL;

  g_assert_cmpint (run_cli_full (srv, "alice", bad, args, NULL, &out, &err), ==, 3);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "tidings-cli: authentication failed"));
  g_assert_nonnull (strstr (err, "auth_failed"));
  g_assert_null (strstr (err, "not the password"));

  /* An unknown user looks the same. */
  g_assert_cmpint (run_cli (srv, "nosuchuser", args, &out2, &err2), ==, 3);
  g_assert_true (g_str_has_prefix (err2, "tidings-cli: authentication failed"));
  g_unlink (bad);
}

static void
test_cli_unknown_peer (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  const char *args[] = { "send", "nobody", "hello", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_cli (srv, "alice", args, &out, &err), ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "tidings-cli: "));
  g_assert_nonnull (strstr (err, "unknown_recipient"));
  /* one line */
  g_assert_cmpint (strchr (err, '\n') - err, ==, (int) strlen (err) - 1);
}

static void
test_cli_stdin (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  const char *send_args[] = { "send", "bob", "-", NULL };
  const char *who_args[] = { "who", NULL };
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  g_autoptr(GPtrArray) sent = NULL;
  g_autoptr(GPtrArray) users = NULL;

  /* TEXT "-": all of stdin, without the final newline. */
  g_assert_cmpint (run_cli_full (srv, "alice", srv->password_file, send_args,
                                 "first line\nsecond line ✓\n", &out, NULL), ==, 0);
  sent = parse_lines (out);
  g_assert_cmpuint (sent->len, ==, 1);
  assert_message_json (sent->pdata[0], "alice", "bob", "first line\nsecond line ✓");

  /* --password-file -: the password on stdin. */
  g_assert_cmpint (run_cli_full (srv, "alice", "-", who_args, TD_TEST_PASSWORD "\n", &out2, NULL), ==, 0);
  users = parse_lines (out2);
  g_assert_cmpuint (users->len, ==, 6);
}

static gint64
mid_of (GPtrArray *lines, guint i)
{
  return json_object_get_int_member (lines->pdata[i], "mid");
}

static void
test_cli_history (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  const char *all[] = { "history", "wang.fang", NULL };
  const char *last2[] = { "history", "wang.fang", "--limit", "2", NULL };
  const char *other_side[] = { "history", "alice", NULL };
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  g_autofree char *out3 = NULL;
  g_autofree char *out4 = NULL;
  g_autofree char *before = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GPtrArray) lines2 = NULL;
  g_autoptr(GPtrArray) lines3 = NULL;
  g_autoptr(GPtrArray) lines4 = NULL;

  cli_send_ok (srv, "alice", "wang.fang", "h1");
  cli_send_ok (srv, "alice", "wang.fang", "h2 你好");
  cli_send_ok (srv, "wang.fang", "alice", "h3");

  g_assert_cmpint (run_cli (srv, "alice", all, &out, NULL), ==, 0);
  lines = parse_lines (out);
  g_assert_cmpuint (lines->len, ==, 3);
  assert_message_json (lines->pdata[0], "alice", "wang.fang", "h1");
  assert_message_json (lines->pdata[1], "alice", "wang.fang", "h2 你好");
  assert_message_json (lines->pdata[2], "wang.fang", "alice", "h3");
  g_assert_cmpint (mid_of (lines, 0), <, mid_of (lines, 1));
  g_assert_cmpint (mid_of (lines, 1), <, mid_of (lines, 2));

  g_assert_cmpint (run_cli (srv, "alice", last2, &out2, NULL), ==, 0);
  lines2 = parse_lines (out2);
  g_assert_cmpuint (lines2->len, ==, 2);
  g_assert_cmpint (mid_of (lines2, 0), ==, mid_of (lines, 1));
  g_assert_cmpint (mid_of (lines2, 1), ==, mid_of (lines, 2));

  before = g_strdup_printf ("%" G_GINT64_FORMAT, mid_of (lines, 1));
  {
    const char *older[] = { "history", "wang.fang", "--before", before, NULL };

    g_assert_cmpint (run_cli (srv, "alice", older, &out3, NULL), ==, 0);
  }
  lines3 = parse_lines (out3);
  g_assert_cmpuint (lines3->len, ==, 1);
  g_assert_cmpint (mid_of (lines3, 0), ==, mid_of (lines, 0));

  g_assert_cmpint (run_cli (srv, "wang.fang", other_side, &out4, NULL), ==, 0);
  lines4 = parse_lines (out4);
  g_assert_cmpuint (lines4->len, ==, 3);
  g_assert_cmpint (mid_of (lines4, 2), ==, mid_of (lines, 2));
}

static void
test_cli_who (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  const char *args[] = { "who", NULL };
  g_autofree char *out = NULL;
  g_autoptr(GPtrArray) users = NULL;
  gboolean found_wang = FALSE;
  gboolean found_alice = FALSE;

  g_assert_cmpint (run_cli (srv, "alice", args, &out, NULL), ==, 0);
  users = parse_lines (out);
  g_assert_cmpuint (users->len, ==, 6);
  for (guint i = 0; i < users->len; i++)
    {
      JsonObject *u = users->pdata[i];
      const char *login = json_object_get_string_member (u, "login");
      const char *status = json_object_get_string_member (u, "status");

      g_assert_nonnull (json_object_get_string_member (u, "name"));
      g_assert_nonnull (json_object_get_string_member (u, "department"));
      g_assert_true (td_presence_from_string (status, NULL));
      if (g_str_equal (login, "wang.fang"))
        {
          found_wang = TRUE;
          g_assert_cmpstr (json_object_get_string_member (u, "name"), ==, "王芳");
          g_assert_cmpstr (json_object_get_string_member (u, "department"), ==, "财务部");
        }
      else if (g_str_equal (login, "alice"))
        found_alice = TRUE;
    }
  g_assert_true (found_wang);
  g_assert_true (found_alice);
}

/* The JSON object of @lines whose @member is the string @value, or NULL. */
static JsonObject *
find_object (GPtrArray *lines, const char *member, const char *value)
{
  for (guint i = 0; i < lines->len; i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (lines->pdata[i], member, NULL), value) == 0)
      return lines->pdata[i];
  return NULL;
}

static gboolean
array_has_string (JsonArray *array, const char *value)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), value) == 0)
      return TRUE;
  return FALSE;
}

static void
test_cli_groups (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  const char *groups_args[] = { "groups", NULL };
  const char *create_args[] = { "group-create", "Release crew", "bob", "carol", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *address = NULL;
  g_autofree char *sent_out = NULL;
  g_autofree char *read_out = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GPtrArray) sent = NULL;
  g_autoptr(GPtrArray) read = NULL;
  JsonObject *engineering;
  JsonObject *crew;

  g_assert_cmpint (run_cli (srv, "alice", groups_args, &out, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
  groups = parse_lines (out);
  engineering = find_object (groups, "name", "Engineering");
  g_assert_nonnull (engineering);
  g_assert_cmpstr (json_object_get_string_member (engineering, "kind"), ==, "department");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (engineering, "id"), "g:"));
  g_assert_true (array_has_string (json_object_get_array_member (engineering, "members"), "alice"));
  g_assert_null (find_object (groups, "name", "Sales"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&groups, g_ptr_array_unref);

  /* group-create prints the bare address. */
  g_assert_cmpint (run_cli (srv, "alice", create_args, &out, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_true (g_str_has_prefix (out, "g:"));
  g_assert_true (g_str_has_suffix (out, "\n"));
  address = g_strndup (out, strlen (out) - 1);
  g_assert_true (td_parse_group_address (address, &(gint64) { 0 }));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (srv, "carol", groups_args, &out, NULL), ==, 0);
  groups = parse_lines (out);
  crew = find_object (groups, "id", address);
  g_assert_nonnull (crew);
  g_assert_cmpstr (json_object_get_string_member (crew, "kind"), ==, "group");
  g_assert_cmpstr (json_object_get_string_member (crew, "owner"), ==, "alice");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (crew, "members")), ==, 3);

  /* send takes a group address; read marks the group conversation. */
  {
    const char *send_args[] = { "send", address, "hello crew", NULL };
    const char *read_args[] = { "read", address, NULL };

    g_assert_cmpint (run_cli (srv, "alice", send_args, &sent_out, NULL), ==, 0);
    sent = parse_lines (sent_out);
    g_assert_cmpuint (sent->len, ==, 1);
    assert_message_json (sent->pdata[0], "alice", address, "hello crew");
    g_assert_cmpint (run_cli (srv, "bob", read_args, &read_out, NULL), ==, 0);
    read = parse_lines (read_out);
    g_assert_cmpuint (read->len, ==, 1);
    g_assert_cmpstr (json_object_get_string_member (read->pdata[0], "peer"), ==, address);
    g_assert_cmpint (json_object_get_int_member (read->pdata[0], "mid"), ==,
                     json_object_get_int_member (sent->pdata[0], "mid"));
  }
  /* Creating with an unknown login fails with the server's reason. */
  {
    const char *bad_args[] = { "group-create", "Ghosts", "nobody", NULL };
    g_autofree char *bad_err = NULL;

    g_assert_cmpint (run_cli (srv, "alice", bad_args, NULL, &bad_err), ==, 1);
    g_assert_nonnull (strstr (bad_err, "unknown_recipient"));
  }
}

static void
test_cli_reminders (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  const char *announce_args[] = { "announce", "--urgent", "Fire drill", "Assemble outside", NULL };
  const char *reminders_args[] = { "reminders", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *list = NULL;
  g_autofree char *updated = NULL;
  g_autofree char *rid_text = NULL;
  g_autofree char *rid_line = NULL;
  g_autoptr(GPtrArray) reminders = NULL;
  g_autoptr(GPtrArray) after = NULL;
  JsonObject *drill = NULL;
  gint64 rid;

  /* Not an admin: refused. */
  g_assert_cmpint (run_cli (srv, "alice", announce_args, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "forbidden"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run_cli (srv, "admin", announce_args, &out, &err), ==, 0);
  g_assert_cmpstr (err, ==, "");
  rid = g_ascii_strtoll (out, NULL, 10);
  g_assert_cmpint (rid, >, 0);
  rid_text = g_strdup_printf ("%" G_GINT64_FORMAT, rid);
  g_assert_cmpstr (out, ==, rid_line = g_strconcat (rid_text, "\n", NULL));

  g_assert_cmpint (run_cli (srv, "alice", reminders_args, &list, NULL), ==, 0);
  reminders = parse_lines (list);
  for (guint i = 0; i < reminders->len; i++)
    if (json_object_get_int_member (reminders->pdata[i], "rid") == rid)
      drill = reminders->pdata[i];
  g_assert_nonnull (drill);
  g_assert_cmpstr (json_object_get_string_member (drill, "title"), ==, "Fire drill");
  g_assert_cmpstr (json_object_get_string_member (drill, "kind"), ==, "announcement");
  g_assert_cmpstr (json_object_get_string_member (drill, "priority"), ==, "urgent");
  g_assert_cmpstr (json_object_get_string_member (drill, "state"), ==, "open");

  {
    const char *done_args[] = { "reminder", "done", rid_text, NULL };

    g_assert_cmpint (run_cli (srv, "alice", done_args, &updated, NULL), ==, 0);
    after = parse_lines (updated);
    g_assert_cmpuint (after->len, ==, 1);
    g_assert_cmpint (json_object_get_int_member (after->pdata[0], "rid"), ==, rid);
    g_assert_cmpstr (json_object_get_string_member (after->pdata[0], "state"), ==, "done");
  }
  {
    const char *missing_args[] = { "reminder", "done", "999999", NULL };
    g_autofree char *missing_err = NULL;

    g_assert_cmpint (run_cli (srv, "alice", missing_args, NULL, &missing_err), ==, 1);
    g_assert_nonnull (strstr (missing_err, "not_found"));
  }
}

static void
test_cli_usage (void)
{
  struct {
    const char *args[12];
  } cases[] = {
    { { NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "frobnicate", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "send", "bob", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "send", "bob", "x", "y", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "send", "bob", "x", "--count", "2", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "listen", "--count", "0", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "listen", "--count", "abc", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "listen", "--timeout", "-1", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "history", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "history", "bob", "--limit", "0", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "who", "extra", NULL } },
    { { "--user", "a", "--password-file", "/dev/null", "who", NULL } },
    { { "--server", "http://127.0.0.1:1", "--password-file", "/dev/null", "who", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "who", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "--token-file", "/dev/null", "who", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "-", "send", "bob", "-", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "--device", "bad device", "who", NULL } },
    { { "--no-such-option", "who", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "groups", "x", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "group-create", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "group-create", "G", "Not A Login", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "reminders", "x", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "reminder", "frob", "1", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "reminder", "done", "x", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "reminder", "snooze", "1", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "reminder", "done", "1", "5", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "announce", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "announce", "  ", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "--urgent", "who", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "read", NULL } },
    { { "--server", "http://127.0.0.1:1", "--user", "a", "--password-file", "/dev/null", "read", "g:0", NULL } },
  };
  g_autofree char *help = NULL;
  const char *help_args[] = { "--help", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_test_message ("usage case %u", i);
      g_assert_cmpint (run_cli_bare (cases[i].args, &out, &err), ==, 2);
      g_assert_cmpstr (out, ==, "");
      g_assert_true (g_str_has_prefix (err, "tidings-cli: "));
    }

  g_assert_cmpint (run_cli_bare (help_args, &help, NULL), ==, 0);
  g_assert_nonnull (strstr (help, "send PEER TEXT"));
  g_assert_nonnull (strstr (help, "listen"));
  g_assert_nonnull (strstr (help, "history PEER"));
  g_assert_nonnull (strstr (help, "who"));
  g_assert_nonnull (strstr (help, "groups"));
  g_assert_nonnull (strstr (help, "group-create NAME LOGIN"));
  g_assert_nonnull (strstr (help, "reminder ACTION RID [UNTIL_MS]"));
  g_assert_nonnull (strstr (help, "announce [--department D] [--urgent] TITLE [BODY]"));
  g_assert_nonnull (strstr (help, "read PEER"));
  g_assert_nonnull (strstr (help, "--token-file"));
  g_assert_nonnull (strstr (help, "Exit status"));
  g_assert_nonnull (strstr (help, "3  authentication failed"));
  g_assert_nonnull (strstr (help, "4  timed out"));
}

static void
test_cli_unreachable (void)
{
  const char *args[] = { "--server", "http://127.0.0.1:1", "--user", "alice",
                         "--password-file", "/dev/stdin", "who", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) "tidings-cli");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_cmpint (td_test_run ((const char * const *) argv->pdata, "pw\n", 30, &out, &err), ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "tidings-cli: "));
  g_assert_nonnull (strstr (err, "127.0.0.1"));
}

/* ---- helpers: TdConnection in-process ---- */

typedef struct {
  GAsyncResult *result;
} ResultSlot;

static void
store_result_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ResultSlot *slot = user_data;

  g_assert_null (slot->result);
  slot->result = g_object_ref (result);
}

static gboolean
deadline_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates until @check (@data) holds, at most WAIT_MS. */
static gboolean
wait_until (gboolean (*check) (gpointer data), gpointer data)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (WAIT_MS, deadline_cb, &expired);

  while (!check (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (id);
  return check (data);
}

static gboolean
slot_filled (gpointer data)
{
  return ((ResultSlot *) data)->result != NULL;
}

static GAsyncResult *
wait_result (ResultSlot *slot)
{
  g_assert_true (wait_until (slot_filled, slot));
  return g_steal_pointer (&slot->result);
}

typedef struct {
  TdConnection *conn;
  TdConnectionState state;
} StateWait;

static gboolean
state_reached (gpointer data)
{
  StateWait *w = data;

  return td_connection_get_state (w->conn) == w->state;
}

static void
wait_state (TdConnection *conn, TdConnectionState state)
{
  StateWait w = { conn, state };

  g_assert_true (wait_until (state_reached, &w));
}

static TdConnection *
connect_as (const char *url, const char *user, const char *password, const char *device)
{
  g_autoptr(TdConnection) conn = td_connection_new (url, device);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdUser) self_user = NULL;
  ResultSlot slot = { NULL };

  td_connection_login_async (conn, user, password, NULL, store_result_cb, &slot);
  result = wait_result (&slot);
  self_user = td_connection_login_finish (conn, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (td_user_get_login (self_user), ==, user);
  g_assert_nonnull (td_connection_get_token (conn));
  wait_state (conn, TD_CONNECTION_STATE_ONLINE);
  return g_steal_pointer (&conn);
}

static void
collect_message_cb (TdConnection *conn, TdMessage *message, gpointer user_data)
{
  g_ptr_array_add (user_data, td_message_ref (message));
}

typedef struct {
  GPtrArray *array;
  guint      len;
} LenWait;

static gboolean
len_reached (gpointer data)
{
  LenWait *w = data;

  return w->array->len >= w->len;
}

static void
wait_len (GPtrArray *array, guint len)
{
  LenWait w = { array, len };

  g_assert_true (wait_until (len_reached, &w));
}

static void
close_and_wait (TdConnection *conn)
{
  td_connection_close (conn);
  wait_state (conn, TD_CONNECTION_STATE_DISCONNECTED);
}

/* ---- /connection ---- */

static void
test_connection_send_receive (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  g_autoptr(TdConnection) alice1 = connect_as (srv->ws_url, "alice", TD_TEST_PASSWORD, "alice-1");
  g_autoptr(TdConnection) alice2 = connect_as (srv->http_url, "alice", TD_TEST_PASSWORD, "alice-2");
  g_autoptr(TdConnection) bob = connect_as (srv->http_url, "bob", TD_TEST_PASSWORD, "bob-1");
  g_autoptr(GPtrArray) bob_got = g_ptr_array_new_with_free_func ((GDestroyNotify) td_message_unref);
  g_autoptr(GPtrArray) alice2_got = g_ptr_array_new_with_free_func ((GDestroyNotify) td_message_unref);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdMessage) sent = NULL;
  g_autoptr(TdMessage) again = NULL;
  const char *text = "hi bob 👋 — 你好";
  gboolean duplicate = TRUE;
  ResultSlot slot = { NULL };
  TdMessage *m;

  g_signal_connect (bob, "message-received", G_CALLBACK (collect_message_cb), bob_got);
  g_signal_connect (alice2, "message-received", G_CALLBACK (collect_message_cb), alice2_got);

  td_connection_send_async (alice1, "bob", text, "msg-1", NULL, store_result_cb, &slot);
  result = wait_result (&slot);
  sent = td_connection_send_finish (alice1, result, &duplicate, &error);
  g_assert_no_error (error);
  g_assert_false (duplicate);
  g_assert_cmpstr (td_message_get_from (sent), ==, "alice");
  g_assert_cmpstr (td_message_get_to (sent), ==, "bob");
  g_assert_cmpstr (td_message_get_text (sent), ==, text);
  g_assert_cmpstr (td_message_get_id (sent), ==, "msg-1");
  g_assert_cmpint (td_message_get_mid (sent), >, 0);
  g_assert_cmpint (td_message_get_seq (sent), >, 0);

  wait_len (bob_got, 1);
  m = bob_got->pdata[0];
  g_assert_cmpint (td_message_get_mid (m), ==, td_message_get_mid (sent));
  g_assert_cmpstr (td_message_get_text (m), ==, text);
  g_assert_cmpstr (td_message_get_from (m), ==, "alice");
  g_assert_cmpstr (td_message_get_id (m), ==, "msg-1");

  /* The sender's other device sees it too. */
  wait_len (alice2_got, 1);
  m = alice2_got->pdata[0];
  g_assert_cmpint (td_message_get_mid (m), ==, td_message_get_mid (sent));
  g_assert_cmpstr (td_message_get_to (m), ==, "bob");

  /* Resending with the same client id is idempotent. */
  td_connection_send_async (alice1, "bob", text, "msg-1", NULL, store_result_cb, &slot);
  result2 = wait_result (&slot);
  again = td_connection_send_finish (alice1, result2, &duplicate, &error);
  g_assert_no_error (error);
  g_assert_true (duplicate);
  g_assert_cmpint (td_message_get_mid (again), ==, td_message_get_mid (sent));

  close_and_wait (alice1);
  close_and_wait (alice2);
  close_and_wait (bob);
  g_assert_cmpuint (bob_got->len, ==, 1);
}

typedef struct {
  TdConnection *conn;
  const char   *login;
  TdPresence    presence;
} PresenceWait;

static gboolean
presence_reached (gpointer data)
{
  PresenceWait *w = data;
  GPtrArray *users = td_connection_get_users (w->conn);

  for (guint i = 0; i < users->len; i++)
    if (g_str_equal (td_user_get_login (users->pdata[i]), w->login))
      return td_user_get_presence (users->pdata[i]) == w->presence;
  return FALSE;
}

static void
record_presence_cb (TdConnection *conn, const char *login, gint status, gpointer user_data)
{
  if (g_str_equal (login, "bob"))
    g_ptr_array_add (user_data, GINT_TO_POINTER (status + 1));
}

static void
test_connection_presence (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  g_autoptr(TdConnection) alice = connect_as (srv->http_url, "alice", TD_TEST_PASSWORD, "a");
  g_autoptr(TdConnection) bob = NULL;
  g_autoptr(GPtrArray) events = g_ptr_array_new ();
  GPtrArray *users = td_connection_get_users (alice);
  GPtrArray *departments = td_connection_get_departments (alice);
  PresenceWait online = { alice, "bob", TD_PRESENCE_ONLINE };
  PresenceWait offline = { alice, "bob", TD_PRESENCE_OFFLINE };

  g_assert_cmpuint (users->len, ==, 6);
  g_assert_cmpuint (departments->len, ==, 3);
  g_assert_true (presence_reached (&offline));

  g_signal_connect (alice, "presence-changed", G_CALLBACK (record_presence_cb), events);
  bob = connect_as (srv->http_url, "bob", TD_TEST_PASSWORD, "b");
  g_assert_true (wait_until (presence_reached, &online));
  g_assert_cmpuint (events->len, >=, 1);
  g_assert_cmpint (GPOINTER_TO_INT (events->pdata[events->len - 1]) - 1, ==, TD_PRESENCE_ONLINE);

  close_and_wait (bob);
  g_assert_true (wait_until (presence_reached, &offline));
  g_assert_cmpint (GPOINTER_TO_INT (events->pdata[events->len - 1]) - 1, ==, TD_PRESENCE_OFFLINE);
  close_and_wait (alice);
}

typedef struct {
  gint  code;
  char *message;
  char *req;
  guint count;
} ServerErrorRecord;

static void
record_server_error_cb (TdConnection *conn, gint code, const char *message, const char *req,
                        gpointer user_data)
{
  ServerErrorRecord *rec = user_data;

  rec->count++;
  rec->code = code;
  g_free (rec->message);
  rec->message = g_strdup (message);
  g_free (rec->req);
  rec->req = g_strdup (req);
}

static void
test_connection_errors (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  g_autoptr(TdConnection) bad = td_connection_new (srv->http_url, "x");
  g_autoptr(TdConnection) alice = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) result2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(TdUser) user = NULL;
  g_autoptr(TdMessage) message = NULL;
  ServerErrorRecord rec = { 0 };
  ResultSlot slot = { NULL };

  td_connection_login_async (bad, "alice", "wrong password", NULL, store_result_cb, &slot);
  result = wait_result (&slot);
  user = td_connection_login_finish (bad, result, &error);
  g_assert_null (user);
  g_assert_error (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_AUTH_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "auth_failed: "));
  wait_state (bad, TD_CONNECTION_STATE_DISCONNECTED);
  g_assert_null (td_connection_get_token (bad));

  alice = connect_as (srv->http_url, "alice", TD_TEST_PASSWORD, "a");
  g_signal_connect (alice, "server-error", G_CALLBACK (record_server_error_cb), &rec);
  td_connection_send_async (alice, "nobody", "hello", NULL, NULL, store_result_cb, &slot);
  result2 = wait_result (&slot);
  message = td_connection_send_finish (alice, result2, NULL, &error2);
  g_assert_null (message);
  g_assert_error (error2, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_SERVER);
  g_assert_true (g_str_has_prefix (error2->message, "unknown_recipient: "));
  g_assert_cmpuint (rec.count, ==, 1);
  g_assert_cmpint (rec.code, ==, TD_ERR_UNKNOWN_RECIPIENT);
  g_assert_nonnull (rec.req);
  /* the connection survives a refused request */
  g_assert_cmpint (td_connection_get_state (alice), ==, TD_CONNECTION_STATE_ONLINE);

  close_and_wait (alice);
  g_free (rec.message);
  g_free (rec.req);
}

static void
test_connection_logout (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  g_autoptr(TdConnection) first = connect_as (srv->http_url, "alice", TD_TEST_PASSWORD, "a");
  g_autoptr(TdConnection) second = connect_as (srv->http_url, "alice", TD_TEST_PASSWORD, "a");
  g_autoptr(TdConnection) resumed = td_connection_new (srv->http_url, "a");
  g_autoptr(TdConnection) revoked = td_connection_new (srv->http_url, "a");
  g_autofree char *kept_token = g_strdup (td_connection_get_token (first));
  g_autofree char *old_token = g_strdup (td_connection_get_token (second));
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdUser) user = NULL;
  g_autoptr(TdUser) none = NULL;
  ResultSlot slot = { NULL };

  g_assert_cmpstr (kept_token, !=, old_token);

  /* close keeps the token valid ... */
  close_and_wait (first);
  td_connection_resume_async (resumed, kept_token, NULL, store_result_cb, &slot);
  r1 = wait_result (&slot);
  user = td_connection_login_finish (resumed, r1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (td_user_get_login (user), ==, "alice");
  close_and_wait (resumed);

  /* ... logout revokes it. */
  td_connection_logout_async (second, NULL, store_result_cb, &slot);
  r2 = wait_result (&slot);
  g_assert_true (td_connection_logout_finish (second, r2, &error));
  g_assert_no_error (error);
  g_assert_null (td_connection_get_token (second));
  wait_state (second, TD_CONNECTION_STATE_DISCONNECTED);

  td_connection_resume_async (revoked, old_token, NULL, store_result_cb, &slot);
  r3 = wait_result (&slot);
  none = td_connection_login_finish (revoked, r3, &error);
  g_assert_null (none);
  g_assert_error (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_TOKEN_INVALID);
}

static void
test_connection_history (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  g_autoptr(TdConnection) alice = connect_as (srv->http_url, "alice", TD_TEST_PASSWORD, "a");
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page1 = NULL;
  g_autoptr(GPtrArray) page2 = NULL;
  const char *texts[] = { "m1", "m2", "m3" };
  gboolean more = FALSE;
  ResultSlot slot = { NULL };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GAsyncResult) r = NULL;
      g_autoptr(TdMessage) m = NULL;

      td_connection_send_async (alice, "carol", texts[i], NULL, NULL, store_result_cb, &slot);
      r = wait_result (&slot);
      m = td_connection_send_finish (alice, r, NULL, &error);
      g_assert_no_error (error);
    }

  td_connection_history_async (alice, "carol", 0, 2, NULL, store_result_cb, &slot);
  r1 = wait_result (&slot);
  page1 = td_connection_history_finish (alice, r1, &more, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page1->len, ==, 2);
  g_assert_true (more);
  g_assert_cmpstr (td_message_get_text (page1->pdata[0]), ==, "m2");
  g_assert_cmpstr (td_message_get_text (page1->pdata[1]), ==, "m3");

  td_connection_history_async (alice, "carol", td_message_get_mid (page1->pdata[0]), 2,
                               NULL, store_result_cb, &slot);
  r2 = wait_result (&slot);
  page2 = td_connection_history_finish (alice, r2, &more, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (page2->len, ==, 1);
  g_assert_false (more);
  g_assert_cmpstr (td_message_get_text (page2->pdata[0]), ==, "m1");
  close_and_wait (alice);
}

static void
record_closed_cb (TdConnection *conn, guint code, const char *reason, gpointer user_data)
{
  *(guint *) user_data = code;
}

/* A server that goes away fails what is pending with CLOSED. */
static void
test_connection_server_gone (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  g_autoptr(TdConnection) alice = connect_as (srv->http_url, "alice", TD_TEST_PASSWORD, "a");
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  ResultSlot slot = { NULL };
  guint code = 0;

  g_signal_connect (alice, "closed", G_CALLBACK (record_closed_cb), &code);
  td_test_server_kill (srv);
  td_connection_history_async (alice, "bob", 0, 10, NULL, store_result_cb, &slot);
  result = wait_result (&slot);
  messages = td_connection_history_finish (alice, result, NULL, &error);
  g_assert_null (messages);
  g_assert_error (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_CLOSED);
  g_assert_cmpint (td_connection_get_state (alice), ==, TD_CONNECTION_STATE_DISCONNECTED);
  g_assert_cmpuint (code, !=, 0);
  g_assert_cmpuint (code, !=, SOUP_WEBSOCKET_CLOSE_NORMAL);
}

/* A CLI session can be resumed from a token file. */
static void
test_cli_token_file (void)
{
  g_autoptr(TdTestServer) srv = td_test_server_new (NULL);
  g_autoptr(TdConnection) alice = connect_as (srv->http_url, "alice", TD_TEST_PASSWORD, "a");
  g_autofree char *token_file = NULL;
  g_autofree char *bad_file = write_temp_file ("not-a-token\n");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree char *line = g_strdup_printf ("%s\n", td_connection_get_token (alice));

  close_and_wait (alice);
  token_file = write_temp_file (line);
  {
    const char *args[] = { "tidings-cli", "--server", srv->http_url, "--token-file", token_file,
                           "send", "bob", "via token", NULL };
    const char *bad_args[] = { "tidings-cli", "--server", srv->http_url, "--token-file", bad_file,
                               "who", NULL };

    g_assert_cmpint (td_test_run (args, NULL, 60, &out, NULL), ==, 0);
    lines = parse_lines (out);
    g_assert_cmpuint (lines->len, ==, 1);
    assert_message_json (lines->pdata[0], "alice", "bob", "via token");

    g_assert_cmpint (td_test_run (bad_args, NULL, 60, NULL, &err), ==, 3);
    g_assert_true (g_str_has_prefix (err, "tidings-cli: authentication failed"));
  }
  g_unlink (token_file);
  g_unlink (bad_file);
}

/* ---- /connection-fake: a scripted server ---- */

typedef struct {
  SoupServer              *server;
  char                    *url;
  SoupWebsocketConnection *peer;
  GPtrArray               *frames;      /* TdFrame* from the client */
  gint64                   max_ack;
  gboolean                 ack_backwards;
  gboolean                 peer_closed;
} FakeServer;

static void
fake_send (FakeServer *fake, TdFrame *frame)
{
  g_autofree char *text = td_frame_encode (frame, NULL);

  soup_websocket_connection_send_text (fake->peer, text);
}

static TdUser *
fake_user (const char *login)
{
  return td_user_new (login, login, "Engineering", NULL, TD_PRESENCE_OFFLINE);
}

static TdMessage *
fake_message (gint64 seq, const char *text)
{
  return td_message_new (100 + seq, seq, "cid", "bob", "alice", text, 1700000000000 + seq);
}

/* Welcome, a directory in two parts, a backlog with a resent message and
 * a garbage frame in it, synced, then a presence change. */
static void
fake_greet (FakeServer *fake)
{
  g_autoptr(TdUser) alice = fake_user ("alice");
  g_autoptr(TdUser) bob = fake_user ("bob");
  g_autoptr(TdUser) carol = fake_user ("carol");
  g_autoptr(GPtrArray) deps1 = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) deps2 = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) users1 = g_ptr_array_new_with_free_func ((GDestroyNotify) td_user_unref);
  g_autoptr(GPtrArray) users2 = g_ptr_array_new_with_free_func ((GDestroyNotify) td_user_unref);
  g_autoptr(TdFrame) welcome = td_frame_new_welcome (NULL, alice, "fake-token", 1900000000000, 3);
  g_autoptr(TdFrame) dir1 = NULL;
  g_autoptr(TdFrame) dir2 = NULL;
  g_autoptr(TdMessage) m1 = fake_message (1, "one");
  g_autoptr(TdMessage) m2 = fake_message (2, "two");
  g_autoptr(TdMessage) m3 = fake_message (3, "three");
  g_autoptr(TdFrame) f1 = td_frame_new_message (m1);
  g_autoptr(TdFrame) f2 = td_frame_new_message (m2);
  g_autoptr(TdFrame) f3 = td_frame_new_message (m3);
  g_autoptr(TdFrame) synced = td_frame_new_synced (3);
  g_autoptr(TdFrame) presence = td_frame_new_presence ("bob", TD_PRESENCE_ONLINE);

  g_ptr_array_add (deps1, g_strdup ("Engineering"));
  g_ptr_array_add (deps2, g_strdup ("Sales"));
  g_ptr_array_add (users1, td_user_ref (alice));
  g_ptr_array_add (users1, td_user_ref (bob));
  g_ptr_array_add (users2, td_user_ref (carol));
  dir1 = td_frame_new_directory (deps1, users1, FALSE);
  dir2 = td_frame_new_directory (deps2, users2, TRUE);

  fake_send (fake, welcome);
  fake_send (fake, dir1);
  fake_send (fake, dir2);
  fake_send (fake, f1);
  fake_send (fake, f2);
  fake_send (fake, f1);   /* resent: must not be delivered twice */
  soup_websocket_connection_send_text (fake->peer, "{\"type\":\"message\",");
  fake_send (fake, f3);
  fake_send (fake, synced);
  fake_send (fake, presence);
}

static void
fake_message_cb (SoupWebsocketConnection *ws, gint type, GBytes *bytes, gpointer user_data)
{
  FakeServer *fake = user_data;
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autoptr(TdFrame) frame = td_frame_decode (data, len, TD_PROTO_MAX_FRAME, NULL, &error);
  const char *req;

  g_assert_no_error (error);
  g_ptr_array_add (fake->frames, td_frame_ref (frame));
  req = td_frame_get_req (frame);

  switch (td_frame_get_frame_type (frame))
    {
    case TD_FRAME_AUTH:
      if (g_strcmp0 (td_frame_get_password (frame), "secret") == 0)
        fake_greet (fake);
      else
        {
          g_autoptr(TdFrame) err = td_frame_new_error (NULL, TD_ERR_AUTH_FAILED, "wrong password", NULL);
          fake_send (fake, err);
        }
      break;
    case TD_FRAME_ACK:
      if (td_frame_get_seq (frame) < fake->max_ack)
        fake->ack_backwards = TRUE;
      fake->max_ack = MAX (fake->max_ack, td_frame_get_seq (frame));
      break;
    case TD_FRAME_SEND:
      if (g_str_equal (td_frame_get_to (frame), "nobody"))
        {
          g_autoptr(TdFrame) err = td_frame_new_error (req, TD_ERR_UNKNOWN_RECIPIENT, "no such user",
                                                       td_frame_get_id (frame));
          fake_send (fake, err);
        }
      else if (g_str_equal (td_frame_get_to (frame), "hangup"))
        soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "bye now");
      else
        {
          g_autoptr(TdMessage) m = td_message_new (500, 9, td_frame_get_id (frame), "alice",
                                                   td_frame_get_to (frame), td_frame_get_text (frame),
                                                   1700000000000);
          g_autoptr(TdFrame) sent = td_frame_new_sent (req, m, FALSE);
          fake_send (fake, sent);
        }
      break;
    case TD_FRAME_HISTORY:
      {
        g_autoptr(GPtrArray) messages = g_ptr_array_new_with_free_func ((GDestroyNotify) td_message_unref);
        g_autoptr(TdFrame) reply = NULL;
        g_autoptr(TdMessage) old = fake_message (1, "old");

        g_ptr_array_add (messages, td_message_with_seq (old, 0));
        reply = td_frame_new_history_result (req, td_frame_get_peer (frame), messages, TRUE);
        fake_send (fake, reply);
      }
      break;
    case TD_FRAME_LOGOUT:
      {
        g_autoptr(TdFrame) bye = td_frame_new_bye (req);

        fake_send (fake, bye);
        soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, "logged out");
      }
      break;
    default:
      break;
    }
}

static void
fake_closed_cb (SoupWebsocketConnection *ws, gpointer user_data)
{
  FakeServer *fake = user_data;

  fake->peer_closed = TRUE;
}

static void
fake_websocket_cb (SoupServer              *server,
                   SoupServerMessage       *msg,
                   const char              *path,
                   SoupWebsocketConnection *connection,
                   gpointer                 user_data)
{
  FakeServer *fake = user_data;

  g_clear_object (&fake->peer);
  fake->peer = g_object_ref (connection);
  fake->peer_closed = FALSE;
  g_signal_connect (connection, "message", G_CALLBACK (fake_message_cb), fake);
  g_signal_connect (connection, "closed", G_CALLBACK (fake_closed_cb), fake);
}

static FakeServer *
fake_server_new (GTlsCertificate *certificate)
{
  FakeServer *fake = g_new0 (FakeServer, 1);
  char *protocols[] = { (char *) TD_PROTO_SUBPROTOCOL, NULL };
  g_autoptr(GError) error = NULL;
  GSList *uris;

  fake->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) td_frame_unref);
  fake->server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_websocket_handler (fake->server, TD_PROTO_WS_PATH, NULL, protocols,
                                     fake_websocket_cb, fake, NULL);
  soup_server_listen_local (fake->server, 0,
                            SOUP_SERVER_LISTEN_IPV4_ONLY |
                            (certificate ? SOUP_SERVER_LISTEN_HTTPS : 0), &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (fake->server);
  g_assert_nonnull (uris);
  fake->url = g_strdup_printf ("%s://127.0.0.1:%d", certificate ? "https" : "http",
                               g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return fake;
}

static void
fake_server_free (FakeServer *fake)
{
  if (fake->peer != NULL)
    g_signal_handlers_disconnect_by_data (fake->peer, fake);
  g_clear_object (&fake->peer);
  soup_server_disconnect (fake->server);
  g_object_unref (fake->server);
  g_ptr_array_unref (fake->frames);
  g_free (fake->url);
  g_free (fake);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FakeServer, fake_server_free)

static gboolean
fake_acked_3 (gpointer data)
{
  return ((FakeServer *) data)->max_ack >= 3;
}

static guint
count_directory_changed;

static void
directory_changed_cb (TdConnection *conn, gpointer user_data)
{
  count_directory_changed++;
}

static void
test_fake_sync (void)
{
  g_autoptr(FakeServer) fake = fake_server_new (NULL);
  g_autoptr(TdConnection) conn = td_connection_new (fake->url, "dev-1");
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) td_message_unref);
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GAsyncResult) r3 = NULL;
  g_autoptr(GAsyncResult) r4 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(GError) error3 = NULL;
  g_autoptr(TdUser) user = NULL;
  g_autoptr(TdMessage) sent = NULL;
  g_autoptr(TdMessage) refused = NULL;
  g_autoptr(TdMessage) lost = NULL;
  g_autoptr(GPtrArray) history = NULL;
  PresenceWait bob_online = { conn, "bob", TD_PRESENCE_ONLINE };
  ResultSlot slot = { NULL };
  TdFrame *auth;
  gboolean more = FALSE;

  count_directory_changed = 0;
  g_signal_connect (conn, "message-received", G_CALLBACK (collect_message_cb), got);
  g_signal_connect (conn, "directory-changed", G_CALLBACK (directory_changed_cb), NULL);
  g_test_expect_message ("td-connection", G_LOG_LEVEL_WARNING, "*undecodable frame*");

  td_connection_login_async (conn, "alice", "secret", NULL, store_result_cb, &slot);
  r1 = wait_result (&slot);
  user = td_connection_login_finish (conn, r1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (td_user_get_login (user), ==, "alice");
  g_assert_cmpstr (td_connection_get_token (conn), ==, "fake-token");

  /* what the client said */
  auth = fake->frames->pdata[0];
  g_assert_cmpint (td_frame_get_frame_type (auth), ==, TD_FRAME_AUTH);
  g_assert_cmpstr (td_frame_get_user (auth), ==, "alice");
  g_assert_cmpstr (td_frame_get_device (auth), ==, "dev-1");
  g_assert_true (g_str_has_prefix (td_frame_get_client (auth), "tidings/"));

  wait_state (conn, TD_CONNECTION_STATE_ONLINE);
  g_assert_true (wait_until (presence_reached, &bob_online));
  g_assert_true (wait_until (fake_acked_3, fake));
  g_test_assert_expected_messages ();

  /* backlog delivered once each, in order; acks cumulative */
  g_assert_cmpuint (got->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (td_message_get_seq (got->pdata[i]), ==, i + 1);
  g_assert_cmpstr (td_message_get_text (got->pdata[2]), ==, "three");
  g_assert_false (fake->ack_backwards);
  g_assert_cmpint (fake->max_ack, ==, 3);

  /* directory assembled from both parts, announced once */
  g_assert_cmpuint (count_directory_changed, ==, 1);
  g_assert_cmpuint (td_connection_get_users (conn)->len, ==, 3);
  g_assert_cmpuint (td_connection_get_departments (conn)->len, ==, 2);

  /* send: answer matched by req */
  td_connection_send_async (conn, "carol", "hello", NULL, NULL, store_result_cb, &slot);
  r2 = wait_result (&slot);
  sent = td_connection_send_finish (conn, r2, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (td_message_get_text (sent), ==, "hello");
  g_assert_true (td_proto_validate_client_id (td_message_get_id (sent), NULL));

  td_connection_send_async (conn, "nobody", "hello", "id-x", NULL, store_result_cb, &slot);
  r3 = wait_result (&slot);
  refused = td_connection_send_finish (conn, r3, NULL, &error2);
  g_assert_error (error2, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_SERVER);
  g_assert_cmpstr (error2->message, ==, "unknown_recipient: no such user");

  td_connection_history_async (conn, "bob", 0, 5, NULL, store_result_cb, &slot);
  g_clear_object (&r3);
  r3 = wait_result (&slot);
  history = td_connection_history_finish (conn, r3, &more, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 1);
  g_assert_true (more);

  /* the server hangs up with a request pending */
  td_connection_send_async (conn, "hangup", "hello", NULL, NULL, store_result_cb, &slot);
  r4 = wait_result (&slot);
  lost = td_connection_send_finish (conn, r4, NULL, &error3);
  g_assert_error (error3, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_CLOSED);
  g_assert_cmpint (td_connection_get_state (conn), ==, TD_CONNECTION_STATE_DISCONNECTED);
}

/* A resent message after a reconnect is dropped but acknowledged again. */
static void
test_fake_reconnect_dedup (void)
{
  g_autoptr(FakeServer) fake = fake_server_new (NULL);
  g_autoptr(TdConnection) conn = td_connection_new (fake->url, "dev-1");
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) td_message_unref);

  g_signal_connect (conn, "message-received", G_CALLBACK (collect_message_cb), got);
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GAsyncResult) r = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(TdUser) user = NULL;
      ResultSlot slot = { NULL };

      g_test_expect_message ("td-connection", G_LOG_LEVEL_WARNING, "*undecodable frame*");
      fake->max_ack = 0;
      td_connection_login_async (conn, "alice", "secret", NULL, store_result_cb, &slot);
      r = wait_result (&slot);
      user = td_connection_login_finish (conn, r, &error);
      g_assert_no_error (error);
      g_assert_true (wait_until (fake_acked_3, fake));
      g_test_assert_expected_messages ();
      close_and_wait (conn);
    }
  /* the second greeting resent 1..3: nothing new for the handlers */
  g_assert_cmpuint (got->len, ==, 3);
  g_assert_cmpint (fake->max_ack, ==, 3);
}

static void
test_fake_auth_failed (void)
{
  g_autoptr(FakeServer) fake = fake_server_new (NULL);
  g_autoptr(TdConnection) conn = td_connection_new (fake->url, "dev-1");
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdUser) user = NULL;
  ResultSlot slot = { NULL };

  td_connection_login_async (conn, "alice", "wrong", NULL, store_result_cb, &slot);
  r = wait_result (&slot);
  user = td_connection_login_finish (conn, r, &error);
  g_assert_error (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_AUTH_FAILED);
  /* the client hangs up by itself */
  wait_state (conn, TD_CONNECTION_STATE_DISCONNECTED);
}

static void
test_fake_cancel_login (void)
{
  g_autoptr(FakeServer) fake = fake_server_new (NULL);
  g_autoptr(TdConnection) conn = td_connection_new (fake->url, "dev-1");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdUser) user = NULL;
  ResultSlot slot = { NULL };

  td_connection_login_async (conn, "alice", "secret", cancellable, store_result_cb, &slot);
  g_cancellable_cancel (cancellable);
  r = wait_result (&slot);
  user = td_connection_login_finish (conn, r, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  wait_state (conn, TD_CONNECTION_STATE_DISCONNECTED);
}

/* logout completes on "bye" (matched by req), forgets the token, and the
 * acknowledgement of what the handlers saw goes out before it. */
static void
test_fake_logout (void)
{
  g_autoptr(FakeServer) fake = fake_server_new (NULL);
  g_autoptr(TdConnection) conn = td_connection_new (fake->url, "dev-1");
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdUser) user = NULL;
  ResultSlot slot = { NULL };
  TdFrame *last;
  TdFrame *before_last;

  g_test_expect_message ("td-connection", G_LOG_LEVEL_WARNING, "*undecodable frame*");
  td_connection_login_async (conn, "alice", "secret", NULL, store_result_cb, &slot);
  r1 = wait_result (&slot);
  user = td_connection_login_finish (conn, r1, &error);
  g_assert_no_error (error);
  wait_state (conn, TD_CONNECTION_STATE_ONLINE);
  g_test_assert_expected_messages ();

  /* Log out at once: the ack may still be waiting for its idle. */
  td_connection_logout_async (conn, NULL, store_result_cb, &slot);
  r2 = wait_result (&slot);
  g_assert_true (td_connection_logout_finish (conn, r2, &error));
  g_assert_no_error (error);
  g_assert_null (td_connection_get_token (conn));
  wait_state (conn, TD_CONNECTION_STATE_DISCONNECTED);

  g_assert_cmpuint (fake->frames->len, >=, 3);
  last = fake->frames->pdata[fake->frames->len - 1];
  before_last = fake->frames->pdata[fake->frames->len - 2];
  g_assert_cmpint (td_frame_get_frame_type (last), ==, TD_FRAME_LOGOUT);
  g_assert_cmpint (td_frame_get_frame_type (before_last), ==, TD_FRAME_ACK);
  g_assert_cmpint (fake->max_ack, ==, 3);
}

static gboolean
make_certificate (const char *dir, char **out_cert, char **out_key)
{
  g_autofree char *cert = g_build_filename (dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (dir, "key.pem", NULL);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                           &error, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                           "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                           "-addext", "subjectAltName=IP:127.0.0.1", NULL);
  if (proc == NULL || !g_subprocess_wait_check (proc, NULL, &error))
    return FALSE;
  *out_cert = g_steal_pointer (&cert);
  *out_key = g_steal_pointer (&key);
  return TRUE;
}

/* An untrusted certificate is refused with a clear message; --ca-file
 * (set_ca_file) makes it trusted. */
static void
test_fake_tls (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tidings-tls-XXXXXX", &error);
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(FakeServer) fake = NULL;
  g_autoptr(TdConnection) strict = NULL;
  g_autoptr(TdConnection) trusting = NULL;
  g_autoptr(GAsyncResult) r1 = NULL;
  g_autoptr(GAsyncResult) r2 = NULL;
  g_autoptr(GError) error1 = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(TdUser) none = NULL;
  g_autoptr(TdUser) user = NULL;
  ResultSlot slot = { NULL };

  g_assert_no_error (error);
  if (!make_certificate (dir, &cert, &key))
    {
      g_rmdir (dir);
      g_test_skip ("openssl could not make a test certificate");
      return;
    }
  certificate = g_tls_certificate_new_from_files (cert, key, &error);
  g_assert_no_error (error);
  fake = fake_server_new (certificate);
  g_assert_true (g_str_has_prefix (fake->url, "https://"));

  strict = td_connection_new (fake->url, "dev-1");
  td_connection_login_async (strict, "alice", "secret", NULL, store_result_cb, &slot);
  r1 = wait_result (&slot);
  none = td_connection_login_finish (strict, r1, &error1);
  g_assert_error (error1, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_FAILED);
  g_assert_nonnull (strstr (error1->message, "TLS certificate"));
  g_assert_nonnull (strstr (error1->message, "trusted certificate authority"));
  g_assert_cmpuint (fake->frames->len, ==, 0);

  trusting = td_connection_new (fake->url, "dev-1");
  g_assert_true (td_connection_set_ca_file (trusting, cert, &error));
  g_assert_no_error (error);
  g_test_expect_message ("td-connection", G_LOG_LEVEL_WARNING, "*undecodable frame*");
  td_connection_login_async (trusting, "alice", "secret", NULL, store_result_cb, &slot);
  r2 = wait_result (&slot);
  user = td_connection_login_finish (trusting, r2, &error2);
  g_assert_no_error (error2);
  g_assert_true (wait_until (fake_acked_3, fake));
  g_test_assert_expected_messages ();
  close_and_wait (trusting);

  g_assert_false (td_connection_set_ca_file (trusting, "/nonexistent/ca.pem", &error));
  g_assert_error (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_FAILED);

  g_unlink (cert);
  g_unlink (key);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/usage", test_cli_usage);
  g_test_add_func ("/cli/unreachable", test_cli_unreachable);
  g_test_add_func ("/cli/send-listen", test_cli_send_listen);
  g_test_add_func ("/cli/backlog", test_cli_backlog);
  g_test_add_func ("/cli/count-keeps-rest", test_cli_count_keeps_rest);
  g_test_add_func ("/cli/send-keeps-backlog", test_cli_send_keeps_backlog);
  g_test_add_func ("/cli/wrong-password", test_cli_wrong_password);
  g_test_add_func ("/cli/unknown-peer", test_cli_unknown_peer);
  g_test_add_func ("/cli/stdin", test_cli_stdin);
  g_test_add_func ("/cli/history", test_cli_history);
  g_test_add_func ("/cli/who", test_cli_who);
  g_test_add_func ("/cli/token-file", test_cli_token_file);
  g_test_add_func ("/cli/groups", test_cli_groups);
  g_test_add_func ("/cli/reminders", test_cli_reminders);

  g_test_add_func ("/connection/send-receive", test_connection_send_receive);
  g_test_add_func ("/connection/presence", test_connection_presence);
  g_test_add_func ("/connection/errors", test_connection_errors);
  g_test_add_func ("/connection/logout", test_connection_logout);
  g_test_add_func ("/connection/history", test_connection_history);
  g_test_add_func ("/connection/server-gone", test_connection_server_gone);

  g_test_add_func ("/connection-fake/sync", test_fake_sync);
  g_test_add_func ("/connection-fake/reconnect-dedup", test_fake_reconnect_dedup);
  g_test_add_func ("/connection-fake/auth-failed", test_fake_auth_failed);
  g_test_add_func ("/connection-fake/cancel-login", test_fake_cancel_login);
  g_test_add_func ("/connection-fake/logout", test_fake_logout);
  g_test_add_func ("/connection-fake/tls", test_fake_tls);

  return g_test_run ();
}
