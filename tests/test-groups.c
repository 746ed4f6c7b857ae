/* test-groups.c - a real tidingsd driven by raw protocol clients through
 * docs/protocol.md section 12: department and ad-hoc groups, group
 * messages, read receipts, typing, announcements and reminders. */
#define G_LOG_DOMAIN "test-groups"

#include "config.h"

#include <signal.h>
#include <string.h>

#include "td-test-util.h"

#define WAIT_MS 10000

static TdTestServer *server;

/* ---- helpers ---- */

typedef struct {
  TdTestWs  *ws;
  GPtrArray *groups;      /* TdGroup* from "groups" */
  GPtrArray *reminders;   /* TdReminder* from "reminders" */
  GPtrArray *backlog;     /* TdMessage* */
  gint64     last_seq;    /* welcome.last_seq */
} Client;

static void
client_free (Client *self)
{
  g_clear_pointer (&self->ws, td_test_ws_free);
  g_clear_pointer (&self->groups, g_ptr_array_unref);
  g_clear_pointer (&self->reminders, g_ptr_array_unref);
  g_clear_pointer (&self->backlog, g_ptr_array_unref);
  g_free (self);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

/* Logs in and checks the order of 12.5: welcome, directory, groups,
 * reminders, backlog, synced. */
static Client *
login (const char *user, const char *device)
{
  Client *self = g_new0 (Client, 1);
  g_autoptr(TdFrame) auth = td_frame_new_auth_password (user, TD_TEST_PASSWORD, device, "test");
  g_autoptr(TdFrame) welcome = NULL;
  enum { DIRECTORY, GROUPS, REMINDERS, BACKLOG } step = DIRECTORY;

  self->ws = td_test_ws_connect (server->ws_url);
  self->backlog = g_ptr_array_new_with_free_func ((GDestroyNotify) td_message_unref);
  td_test_ws_send_frame (self->ws, auth);
  welcome = td_test_ws_expect (self->ws, TD_FRAME_WELCOME, WAIT_MS);
  self->last_seq = td_frame_get_last_seq (welcome);

  for (;;)
    {
      g_autoptr(TdFrame) frame = td_test_ws_next (self->ws, WAIT_MS);

      g_assert_nonnull (frame);
      switch (td_frame_get_frame_type (frame))
        {
        case TD_FRAME_DIRECTORY:
          g_assert_cmpint (step, ==, DIRECTORY);
          if (td_frame_get_complete (frame))
            step = GROUPS;
          break;
        case TD_FRAME_GROUPS:
          g_assert_cmpint (step, ==, GROUPS);
          self->groups = g_ptr_array_ref (td_frame_get_groups (frame));
          step = REMINDERS;
          break;
        case TD_FRAME_REMINDERS:
          g_assert_cmpint (step, ==, REMINDERS);
          self->reminders = g_ptr_array_ref (td_frame_get_reminders (frame));
          step = BACKLOG;
          break;
        case TD_FRAME_MESSAGE:
          g_assert_cmpint (step, ==, BACKLOG);
          g_ptr_array_add (self->backlog, td_message_ref (td_frame_get_message (frame)));
          break;
        case TD_FRAME_SYNCED:
          g_assert_cmpint (step, ==, BACKLOG);
          return self;
        default:
          g_error ("unexpected \"%s\" frame during login",
                   td_frame_type_to_string (td_frame_get_frame_type (frame)));
        }
    }
}

static TdGroup *
find_group (GPtrArray *groups, const char *name)
{
  for (guint i = 0; i < groups->len; i++)
    if (g_str_equal (td_group_get_name (g_ptr_array_index (groups, i)), name))
      return g_ptr_array_index (groups, i);
  return NULL;
}

static TdReminder *
find_reminder (GPtrArray *reminders, gint64 rid)
{
  for (guint i = 0; i < reminders->len; i++)
    if (td_reminder_get_rid (g_ptr_array_index (reminders, i)) == rid)
      return g_ptr_array_index (reminders, i);
  return NULL;
}

static char *
members_of (TdGroup *group)
{
  return g_strjoinv (",", (char **) td_group_get_members (group));
}

static void
assert_members (TdGroup *group, const char *expected)
{
  g_autofree char *members = members_of (group);

  g_assert_cmpstr (members, ==, expected);
}

/* Sends @frame and returns the answer carrying @req (its type or error). */
static TdFrame *
request (TdTestWs *ws, const TdFrame *frame, const char *req)
{
  td_test_ws_send_frame (ws, frame);
  for (;;)
    {
      TdFrame *answer = td_test_ws_next (ws, WAIT_MS);

      if (answer == NULL)
        g_error ("no answer to request %s", req);
      if (g_strcmp0 (td_frame_get_req (answer), req) == 0)
        return answer;
      td_frame_unref (answer);
    }
}

static void
assert_error (TdFrame *frame, TdErrorCode code)
{
  g_assert_cmpint (td_frame_get_frame_type (frame), ==, TD_FRAME_ERROR);
  g_assert_cmpstr (td_error_code_to_string (td_frame_get_error_code (frame)), ==,
                   td_error_code_to_string (code));
}

/* Every frame @ws receives before the answer to a ping (which the server
 * sends after anything it queued for @ws earlier). */
static GPtrArray *
drain (TdTestWs *ws)
{
  static guint counter;
  g_autofree char *req = g_strdup_printf ("drain-%u", ++counter);
  g_autoptr(TdFrame) ping = td_frame_new_ping (req);
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) td_frame_unref);

  td_test_ws_send_frame (ws, ping);
  for (;;)
    {
      TdFrame *frame = td_test_ws_next (ws, WAIT_MS);

      g_assert_nonnull (frame);
      if (td_frame_get_frame_type (frame) == TD_FRAME_PONG &&
          g_strcmp0 (td_frame_get_req (frame), req) == 0)
        {
          td_frame_unref (frame);
          return frames;
        }
      g_ptr_array_add (frames, frame);
    }
}

static void
assert_none_of (TdTestWs *ws, TdFrameType type)
{
  g_autoptr(GPtrArray) frames = drain (ws);

  for (guint i = 0; i < frames->len; i++)
    g_assert_cmpstr (td_frame_type_to_string (td_frame_get_frame_type (g_ptr_array_index (frames, i))),
                     !=, td_frame_type_to_string (type));
}

/* The next "group" frame about @address. */
static TdFrame *
expect_group (TdTestWs *ws, const char *address)
{
  for (guint i = 0; i < 20; i++)
    {
      TdFrame *frame = td_test_ws_expect (ws, TD_FRAME_GROUP, WAIT_MS);

      if (g_str_equal (td_group_get_address (td_frame_get_group (frame)), address))
        return frame;
      td_frame_unref (frame);
    }
  g_error ("no group frame for %s", address);
}

/* The next @n "group" frames, whatever their order; then the one about
 * @address among them is taken with take_group(). */
static GPtrArray *
expect_groups (TdTestWs *ws, guint n)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) td_frame_unref);

  while (frames->len < n)
    g_ptr_array_add (frames, td_test_ws_expect (ws, TD_FRAME_GROUP, WAIT_MS));
  return frames;
}

static TdFrame *
take_group (GPtrArray *frames, const char *address)
{
  for (guint i = 0; i < frames->len; i++)
    {
      TdFrame *frame = g_ptr_array_index (frames, i);

      if (g_str_equal (td_group_get_address (td_frame_get_group (frame)), address))
        return td_frame_ref (frame);
    }
  g_error ("no group frame for %s", address);
}

static int
ctl (const char * const *args, char **out_stdout)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_ptr_array_add (argv, (gpointer) "tidingsctl");
  g_ptr_array_add (argv, (gpointer) server->ctl_store_option);
  g_ptr_array_add (argv, (gpointer) server->ctl_store_arg);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  return td_test_run ((const char * const *) argv->pdata, NULL, 60, out_stdout, NULL);
}

/* Creates an ad-hoc group as @owner and returns it. */
static TdGroup *
create_group (TdTestWs *owner, const char *name, const char * const *members)
{
  g_autoptr(TdFrame) create = td_frame_new_group_create ("gc", name, members);
  g_autoptr(TdFrame) answer = request (owner, create, "gc");

  g_assert_cmpint (td_frame_get_frame_type (answer), ==, TD_FRAME_GROUP);
  g_assert_false (td_frame_get_removed (answer));
  return td_group_ref (td_frame_get_group (answer));
}

/* ---- department groups ---- */

static void
test_department_group_at_login (void)
{
  g_autoptr(Client) alice = login ("alice", "dg");
  TdGroup *eng = find_group (alice->groups, "Engineering");

  g_assert_nonnull (eng);
  g_assert_cmpint (td_group_get_kind (eng), ==, TD_GROUP_DEPARTMENT);
  g_assert_cmpstr (td_group_get_owner (eng), ==, "");
  g_assert_true (g_str_has_prefix (td_group_get_address (eng), "g:"));
  assert_members (eng, "admin,alice,bob");
  /* Only her own department. */
  g_assert_null (find_group (alice->groups, "Sales"));
  g_assert_null (find_group (alice->groups, "财务部"));
}

static void
move_dave (const char *department)
{
  const char *args[] = { "user", "set", "dave", "--department", department, NULL };

  g_assert_cmpint (ctl (args, NULL), ==, 0);
  /* SIGHUP: the directory is reread now rather than within a minute. */
  g_subprocess_send_signal (server->proc, SIGHUP);
}

static void
test_department_follows_directory (void)
{
  g_autoptr(Client) dave = login ("dave", "dept");
  g_autoptr(Client) carol = login ("carol", "dept");
  g_autoptr(Client) bob = login ("bob", "dept");
  TdGroup *sales = find_group (dave->groups, "Sales");
  g_autofree char *sales_address = NULL;
  g_autofree char *eng_address = NULL;
  g_autoptr(TdFrame) gone = NULL;
  g_autoptr(TdFrame) joined = NULL;
  g_autoptr(TdFrame) carol_sees = NULL;
  g_autoptr(TdFrame) bob_sees = NULL;
  g_autoptr(TdFrame) back = NULL;
  g_autoptr(TdFrame) left_eng = NULL;

  g_assert_nonnull (sales);
  assert_members (sales, "carol,dave");
  sales_address = g_strdup (td_group_get_address (sales));
  eng_address = g_strdup (td_group_get_address (find_group (bob->groups, "Engineering")));

  move_dave ("Engineering");

  /* dave leaves Sales and joins Engineering (in no particular order). */
  {
    g_autoptr(GPtrArray) frames = expect_groups (dave->ws, 2);

    gone = take_group (frames, sales_address);
    joined = take_group (frames, eng_address);
  }
  g_assert_true (td_frame_get_removed (gone));
  g_assert_false (td_frame_get_removed (joined));
  assert_members (td_frame_get_group (joined), "admin,alice,bob,dave");
  g_assert_cmpint (td_group_get_kind (td_frame_get_group (joined)), ==, TD_GROUP_DEPARTMENT);

  /* The others see the new membership. */
  carol_sees = expect_group (carol->ws, sales_address);
  g_assert_false (td_frame_get_removed (carol_sees));
  assert_members (td_frame_get_group (carol_sees), "carol");
  bob_sees = expect_group (bob->ws, eng_address);
  assert_members (td_frame_get_group (bob_sees), "admin,alice,bob,dave");

  /* A later login shows the same. */
  {
    g_autoptr(Client) again = login ("dave", "dept-2");

    g_assert_null (find_group (again->groups, "Sales"));
    assert_members (find_group (again->groups, "Engineering"), "admin,alice,bob,dave");
  }

  /* And back, for the other tests. */
  move_dave ("Sales");
  {
    g_autoptr(GPtrArray) frames = expect_groups (dave->ws, 2);

    back = take_group (frames, sales_address);
    left_eng = take_group (frames, eng_address);
  }
  g_assert_false (td_frame_get_removed (back));
  assert_members (td_frame_get_group (back), "carol,dave");
  g_assert_true (td_frame_get_removed (left_eng));
}

/* ---- ad-hoc groups ---- */

static void
test_adhoc_group_editing (void)
{
  g_autoptr(Client) alice = login ("alice", "adhoc");
  g_autoptr(Client) bob = login ("bob", "adhoc");
  g_autoptr(Client) carol = login ("carol", "adhoc");
  const char *members[] = { "bob", "carol", NULL };
  g_autoptr(TdGroup) group = create_group (alice->ws, "Release crew", members);
  const char *address = td_group_get_address (group);
  g_autoptr(TdFrame) bob_new = NULL;
  g_autoptr(TdFrame) carol_new = NULL;

  g_assert_cmpint (td_group_get_kind (group), ==, TD_GROUP_ADHOC);
  g_assert_cmpstr (td_group_get_name (group), ==, "Release crew");
  g_assert_cmpstr (td_group_get_owner (group), ==, "alice");
  assert_members (group, "alice,bob,carol");

  bob_new = expect_group (bob->ws, address);
  assert_members (td_frame_get_group (bob_new), "alice,bob,carol");
  carol_new = expect_group (carol->ws, address);
  g_assert_cmpstr (td_group_get_name (td_frame_get_group (carol_new)), ==, "Release crew");
  /* The creator's connection got the answer, not a second copy. */
  assert_none_of (alice->ws, TD_FRAME_GROUP);

  /* Any member renames and adds. */
  {
    const char *add[] = { "dave", NULL };
    g_autoptr(TdFrame) update = td_frame_new_group_update ("gu1", address, "Release team", add, NULL);
    g_autoptr(TdFrame) answer = request (bob->ws, update, "gu1");
    g_autoptr(TdFrame) alice_sees = NULL;

    g_assert_cmpint (td_frame_get_frame_type (answer), ==, TD_FRAME_GROUP);
    g_assert_cmpstr (td_group_get_name (td_frame_get_group (answer)), ==, "Release team");
    assert_members (td_frame_get_group (answer), "alice,bob,carol,dave");
    alice_sees = expect_group (alice->ws, address);
    g_assert_cmpstr (td_group_get_name (td_frame_get_group (alice_sees)), ==, "Release team");
  }

  /* A member who is not the owner may not remove others. */
  {
    const char *remove[] = { "carol", NULL };
    g_autoptr(TdFrame) update = td_frame_new_group_update ("gu2", address, NULL, NULL, remove);
    g_autoptr(TdFrame) answer = request (bob->ws, update, "gu2");

    assert_error (answer, TD_ERR_FORBIDDEN);
  }

  /* Unknown logins: refused, nothing changes (not even the name). */
  {
    const char *add[] = { "carol", "nobody.here", NULL };
    g_autoptr(TdFrame) update = td_frame_new_group_update ("gu3", address, "Renamed?", add, NULL);
    g_autoptr(TdFrame) answer = request (alice->ws, update, "gu3");

    assert_error (answer, TD_ERR_UNKNOWN_RECIPIENT);
  }

  /* The owner removes someone; that person is told. */
  {
    const char *remove[] = { "dave", NULL };
    g_autoptr(TdFrame) update = td_frame_new_group_update ("gu4", address, NULL, NULL, remove);
    g_autoptr(TdFrame) answer = request (alice->ws, update, "gu4");
    g_autoptr(TdFrame) carol_sees = NULL;

    g_assert_cmpint (td_frame_get_frame_type (answer), ==, TD_FRAME_GROUP);
    g_assert_false (td_frame_get_removed (answer));
    g_assert_cmpstr (td_group_get_name (td_frame_get_group (answer)), ==, "Release team");
    assert_members (td_frame_get_group (answer), "alice,bob,carol");
    /* carol saw the rename+add, then the removal. */
    g_clear_pointer (&carol_sees, td_frame_unref);
    carol_sees = expect_group (carol->ws, address);
    assert_members (td_frame_get_group (carol_sees), "alice,bob,carol,dave");
    g_clear_pointer (&carol_sees, td_frame_unref);
    carol_sees = expect_group (carol->ws, address);
    assert_members (td_frame_get_group (carol_sees), "alice,bob,carol");
  }
  {
    g_autoptr(Client) dave = login ("dave", "adhoc");

    g_assert_null (find_group (dave->groups, "Release team"));
  }

  /* Someone outside cannot touch it. */
  {
    g_autoptr(Client) dave = login ("dave", "adhoc-2");
    g_autoptr(TdFrame) update = td_frame_new_group_update ("gu5", address, "Mine", NULL, NULL);
    g_autoptr(TdFrame) answer = request (dave->ws, update, "gu5");

    assert_error (answer, TD_ERR_NOT_FOUND);
  }

  /* Leaving. */
  {
    g_autoptr(TdFrame) leave = td_frame_new_group_leave ("gl1", address);
    g_autoptr(TdFrame) answer = request (carol->ws, leave, "gl1");
    g_autoptr(TdFrame) bob_sees = NULL;

    g_assert_cmpint (td_frame_get_frame_type (answer), ==, TD_FRAME_GROUP);
    g_assert_true (td_frame_get_removed (answer));
    /* bob (who renamed, and got the answer to that) saw dave's removal,
     * then carol's leaving. */
    for (guint i = 0; i < 2; i++)
      {
        g_clear_pointer (&bob_sees, td_frame_unref);
        bob_sees = expect_group (bob->ws, address);
      }
    assert_members (td_frame_get_group (bob_sees), "alice,bob");
  }

  /* Department groups refuse editing and leaving. */
  {
    TdGroup *eng = find_group (alice->groups, "Engineering");
    const char *add[] = { "carol", NULL };
    g_autoptr(TdFrame) update = td_frame_new_group_update ("gu6", td_group_get_address (eng),
                                                           NULL, add, NULL);
    g_autoptr(TdFrame) leave = td_frame_new_group_leave ("gl2", td_group_get_address (eng));
    g_autoptr(TdFrame) a1 = request (alice->ws, update, "gu6");
    g_autoptr(TdFrame) a2 = request (alice->ws, leave, "gl2");

    assert_error (a1, TD_ERR_FORBIDDEN);
    assert_error (a2, TD_ERR_FORBIDDEN);
  }

  /* The last one out deletes the group. */
  {
    g_autoptr(TdFrame) leave_b = td_frame_new_group_leave ("gl3", address);
    g_autoptr(TdFrame) leave_a = td_frame_new_group_leave ("gl4", address);
    g_autoptr(TdFrame) b = request (bob->ws, leave_b, "gl3");
    g_autoptr(TdFrame) a = request (alice->ws, leave_a, "gl4");
    g_autoptr(TdFrame) again = request (alice->ws, leave_a, "gl4");

    g_assert_true (td_frame_get_removed (b));
    g_assert_true (td_frame_get_removed (a));
    assert_error (again, TD_ERR_NOT_FOUND);
  }
}

/* ---- group messages ---- */

static void
test_group_messages (void)
{
  g_autoptr(Client) alice = login ("alice", "gm");
  g_autoptr(Client) alice2 = login ("alice", "gm-2");
  g_autoptr(Client) bob = login ("bob", "gm");
  const char *members[] = { "bob", "wang.fang", NULL };
  g_autoptr(TdGroup) group = create_group (alice->ws, "Budget", members);
  const char *address = td_group_get_address (group);
  g_autoptr(TdFrame) sent1 = td_test_ws_send_message (alice->ws, "gm-1", address, "first");
  g_autoptr(TdFrame) sent2 = td_test_ws_send_message (alice->ws, "gm-2", address, "second");
  g_autoptr(TdFrame) got1 = NULL;
  g_autoptr(TdFrame) got2 = NULL;
  g_autoptr(TdFrame) mine = NULL;
  TdMessage *m1, *m2;

  g_assert_cmpint (td_frame_get_frame_type (sent1), ==, TD_FRAME_SENT);
  g_assert_cmpint (td_frame_get_frame_type (sent2), ==, TD_FRAME_SENT);
  m1 = td_frame_get_message (sent1);
  m2 = td_frame_get_message (sent2);
  g_assert_cmpstr (td_message_get_to (m1), ==, address);
  g_assert_cmpint (td_message_get_seq (m2), ==, td_message_get_seq (m1) + 1);

  /* bob, online, gets both with seqs of his own mailbox. */
  got1 = td_test_ws_expect (bob->ws, TD_FRAME_MESSAGE, WAIT_MS);
  got2 = td_test_ws_expect (bob->ws, TD_FRAME_MESSAGE, WAIT_MS);
  g_assert_cmpint (td_message_get_mid (td_frame_get_message (got1)), ==, td_message_get_mid (m1));
  g_assert_cmpint (td_message_get_mid (td_frame_get_message (got2)), ==, td_message_get_mid (m2));
  g_assert_cmpstr (td_message_get_to (td_frame_get_message (got1)), ==, address);
  g_assert_cmpstr (td_message_get_from (td_frame_get_message (got1)), ==, "alice");
  g_assert_cmpint (td_message_get_seq (td_frame_get_message (got2)), ==,
                   td_message_get_seq (td_frame_get_message (got1)) + 1);
  td_test_ws_ack (bob->ws, td_message_get_seq (td_frame_get_message (got2)));

  /* The sender's other device too; the sending one got "sent". */
  mine = td_test_ws_expect (alice2->ws, TD_FRAME_MESSAGE, WAIT_MS);
  g_assert_cmpint (td_message_get_mid (td_frame_get_message (mine)), ==, td_message_get_mid (m1));
  assert_none_of (alice->ws, TD_FRAME_MESSAGE);

  /* wang.fang was offline: both arrive at her next login, in order, as
   * the last entries of her own mailbox. */
  {
    g_autoptr(Client) wang = login ("wang.fang", "gm");
    TdMessage *a, *b;

    g_assert_cmpuint (wang->backlog->len, >=, 2);
    a = g_ptr_array_index (wang->backlog, wang->backlog->len - 2);
    b = g_ptr_array_index (wang->backlog, wang->backlog->len - 1);
    g_assert_cmpstr (td_message_get_text (a), ==, "first");
    g_assert_cmpstr (td_message_get_text (b), ==, "second");
    g_assert_cmpstr (td_message_get_to (a), ==, address);
    g_assert_cmpint (td_message_get_seq (b), ==, wang->last_seq);
    g_assert_cmpint (td_message_get_seq (a), ==, wang->last_seq - 1);
    g_assert_nonnull (find_group (wang->groups, "Budget"));
  }

  /* Someone outside may neither write nor read it; unknown groups are unknown. */
  {
    g_autoptr(Client) carol = login ("carol", "gm");
    g_autoptr(TdFrame) s = td_test_ws_send_message (carol->ws, "gm-x", address, "let me in");
    g_autoptr(TdFrame) h = td_frame_new_history_request ("gh", address, 0, 50);
    g_autoptr(TdFrame) ha = request (carol->ws, h, "gh");
    g_autoptr(TdFrame) u = td_test_ws_send_message (carol->ws, "gm-y", "g:999999", "anyone?");

    assert_error (s, TD_ERR_FORBIDDEN);
    g_assert_cmpstr (td_frame_get_id (s), ==, "gm-x");
    assert_error (ha, TD_ERR_FORBIDDEN);
    assert_error (u, TD_ERR_UNKNOWN_RECIPIENT);
  }

  /* History of the group, with who has read how far. */
  {
    g_autoptr(TdFrame) read = td_frame_new_read (address, td_message_get_mid (m1));
    g_autoptr(TdFrame) receipt = NULL;
    g_autoptr(TdFrame) h = td_frame_new_history_request ("gh2", address, 0, 50);
    g_autoptr(TdFrame) reply = NULL;
    GPtrArray *messages, *reads;

    td_test_ws_send_frame (bob->ws, read);
    receipt = td_test_ws_expect (alice->ws, TD_FRAME_RECEIPT, WAIT_MS);
    reply = request (alice->ws, h, "gh2");
    g_assert_cmpint (td_frame_get_frame_type (reply), ==, TD_FRAME_HISTORY);
    messages = td_frame_get_messages (reply);
    g_assert_cmpuint (messages->len, ==, 2);
    g_assert_cmpstr (td_message_get_text (g_ptr_array_index (messages, 0)), ==, "first");
    g_assert_cmpstr (td_frame_get_peer (reply), ==, address);
    reads = td_frame_get_reads (reply);
    g_assert_cmpuint (reads->len, ==, 1);
    g_assert_cmpstr (((TdReadMark *) g_ptr_array_index (reads, 0))->user, ==, "bob");
    g_assert_cmpint (((TdReadMark *) g_ptr_array_index (reads, 0))->mid, ==, td_message_get_mid (m1));
  }
}

/* ---- receipts ---- */

static void
assert_receipt (TdFrame *frame, const char *user, const char *peer, gint64 mid)
{
  g_assert_cmpstr (td_frame_get_user (frame), ==, user);
  g_assert_cmpstr (td_frame_get_peer (frame), ==, peer);
  g_assert_cmpint (td_frame_get_mid (frame), ==, mid);
}

static void
test_receipts (void)
{
  g_autoptr(Client) alice = login ("alice", "rc");
  g_autoptr(Client) alice2 = login ("alice", "rc-2");
  g_autoptr(Client) bob = login ("bob", "rc");
  g_autoptr(Client) bob2 = login ("bob", "rc-2");
  g_autoptr(TdFrame) s1 = td_test_ws_send_message (alice->ws, "rc-1", "bob", "one");
  g_autoptr(TdFrame) s2 = td_test_ws_send_message (alice->ws, "rc-2", "bob", "two");
  gint64 mid1 = td_message_get_mid (td_frame_get_message (s1));
  gint64 mid2 = td_message_get_mid (td_frame_get_message (s2));

  /* 1:1: the writer's devices see "bob read alice (= me) up to mid";
   * bob's other device sees the same, the reading one nothing. */
  {
    g_autoptr(TdFrame) read = td_frame_new_read ("alice", mid1);
    g_autoptr(TdFrame) r1 = NULL;
    g_autoptr(TdFrame) r2 = NULL;
    g_autoptr(TdFrame) r3 = NULL;

    td_test_ws_send_frame (bob->ws, read);
    r1 = td_test_ws_expect (alice->ws, TD_FRAME_RECEIPT, WAIT_MS);
    assert_receipt (r1, "bob", "alice", mid1);
    r2 = td_test_ws_expect (alice2->ws, TD_FRAME_RECEIPT, WAIT_MS);
    assert_receipt (r2, "bob", "alice", mid1);
    r3 = td_test_ws_expect (bob2->ws, TD_FRAME_RECEIPT, WAIT_MS);
    assert_receipt (r3, "bob", "alice", mid1);
    assert_none_of (bob->ws, TD_FRAME_RECEIPT);
  }

  /* Never lowered: a read below the mark tells nobody anything; the next
   * receipt is the higher one. */
  {
    g_autoptr(TdFrame) lower = td_frame_new_read ("alice", mid1 - 1);
    g_autoptr(TdFrame) higher = td_frame_new_read ("alice", mid2);
    g_autoptr(TdFrame) r = NULL;
    g_autoptr(TdFrame) r2 = NULL;
    g_autoptr(TdFrame) r3 = NULL;

    td_test_ws_send_frame (bob->ws, lower);
    td_test_ws_send_frame (bob->ws, higher);
    r = td_test_ws_expect (alice->ws, TD_FRAME_RECEIPT, WAIT_MS);
    assert_receipt (r, "bob", "alice", mid2);
    r2 = td_test_ws_expect (alice2->ws, TD_FRAME_RECEIPT, WAIT_MS);
    assert_receipt (r2, "bob", "alice", mid2);
    r3 = td_test_ws_expect (bob2->ws, TD_FRAME_RECEIPT, WAIT_MS);
    assert_receipt (r3, "bob", "alice", mid2);
  }

  /* History carries the other side's mark. */
  {
    g_autoptr(TdFrame) h = td_frame_new_history_request ("rh", "bob", 0, 10);
    g_autoptr(TdFrame) reply = request (alice->ws, h, "rh");
    GPtrArray *reads = td_frame_get_reads (reply);

    g_assert_cmpuint (reads->len, ==, 1);
    g_assert_cmpstr (((TdReadMark *) g_ptr_array_index (reads, 0))->user, ==, "bob");
    g_assert_cmpint (((TdReadMark *) g_ptr_array_index (reads, 0))->mid, ==, mid2);
  }

  /* A group: every other member, and the reader's other devices. */
  {
    const char *members[] = { "bob", NULL };
    g_autoptr(TdGroup) group = create_group (alice->ws, "Receipts", members);
    const char *address = td_group_get_address (group);
    g_autoptr(TdFrame) sent = td_test_ws_send_message (alice->ws, "rc-g", address, "group text");
    gint64 mid = td_message_get_mid (td_frame_get_message (sent));
    g_autoptr(TdFrame) read = td_frame_new_read (address, mid);
    g_autoptr(TdFrame) r1 = NULL;
    g_autoptr(TdFrame) r2 = NULL;
    g_autoptr(TdFrame) r3 = NULL;

    td_test_ws_send_frame (bob->ws, read);
    r1 = td_test_ws_expect (alice->ws, TD_FRAME_RECEIPT, WAIT_MS);
    assert_receipt (r1, "bob", address, mid);
    r2 = td_test_ws_expect (alice2->ws, TD_FRAME_RECEIPT, WAIT_MS);
    assert_receipt (r2, "bob", address, mid);
    r3 = td_test_ws_expect (bob2->ws, TD_FRAME_RECEIPT, WAIT_MS);
    assert_receipt (r3, "bob", address, mid);
    assert_none_of (bob->ws, TD_FRAME_RECEIPT);
  }
}

/* ---- typing ---- */

static void
test_typing (void)
{
  g_autoptr(Client) alice = login ("alice", "ty");
  g_autoptr(Client) alice2 = login ("alice", "ty-2");
  g_autoptr(Client) bob = login ("bob", "ty");
  g_autoptr(Client) carol = login ("carol", "ty");

  {
    g_autoptr(TdFrame) typing = td_frame_new_typing (NULL, "bob");
    g_autoptr(TdFrame) got = NULL;

    td_test_ws_send_frame (alice->ws, typing);
    got = td_test_ws_expect (bob->ws, TD_FRAME_TYPING, WAIT_MS);
    g_assert_cmpstr (td_frame_get_user (got), ==, "alice");
    g_assert_cmpstr (td_frame_get_to (got), ==, "bob");
    assert_none_of (alice->ws, TD_FRAME_TYPING);
    assert_none_of (alice2->ws, TD_FRAME_TYPING);
    assert_none_of (carol->ws, TD_FRAME_TYPING);
  }

  {
    const char *members[] = { "bob", "carol", NULL };
    g_autoptr(TdGroup) group = create_group (alice->ws, "Typing", members);
    const char *address = td_group_get_address (group);
    g_autoptr(TdFrame) typing = td_frame_new_typing (NULL, address);
    g_autoptr(TdFrame) b = NULL;
    g_autoptr(TdFrame) c = NULL;

    td_test_ws_send_frame (alice->ws, typing);
    b = td_test_ws_expect (bob->ws, TD_FRAME_TYPING, WAIT_MS);
    c = td_test_ws_expect (carol->ws, TD_FRAME_TYPING, WAIT_MS);
    g_assert_cmpstr (td_frame_get_user (b), ==, "alice");
    g_assert_cmpstr (td_frame_get_to (b), ==, address);
    g_assert_cmpstr (td_frame_get_to (c), ==, address);
    assert_none_of (alice->ws, TD_FRAME_TYPING);
    assert_none_of (alice2->ws, TD_FRAME_TYPING);

    /* Outsiders and unknown peers are told, not silently ignored. */
    {
      g_autoptr(Client) dave = login ("dave", "ty");
      g_autoptr(TdFrame) foreign = td_frame_new_typing (NULL, address);
      g_autoptr(TdFrame) unknown = td_frame_new_typing (NULL, "nobody.here");
      g_autoptr(TdFrame) e1 = NULL;
      g_autoptr(TdFrame) e2 = NULL;

      td_test_ws_send_frame (dave->ws, foreign);
      e1 = td_test_ws_expect (dave->ws, TD_FRAME_ERROR, WAIT_MS);
      assert_error (e1, TD_ERR_FORBIDDEN);
      td_test_ws_send_frame (dave->ws, unknown);
      e2 = td_test_ws_expect (dave->ws, TD_FRAME_ERROR, WAIT_MS);
      assert_error (e2, TD_ERR_UNKNOWN_RECIPIENT);
      assert_none_of (bob->ws, TD_FRAME_TYPING);
    }
  }
}

/* ---- announcements and reminders ---- */

static TdFrame *
announce (TdTestWs *ws, const char *req, const char *department, const char *title)
{
  g_autoptr(TdFrame) frame = td_frame_new_announce (req, title, "Details inside", NULL,
                                                    department, TD_PRIORITY_URGENT);

  return request (ws, frame, req);
}

static TdFrame *
reminder_status (TdTestWs *ws, const char *req, gint64 rid)
{
  g_autoptr(TdFrame) frame = td_frame_new_reminder_status_request (req, rid);

  return request (ws, frame, req);
}

static void
test_announcements (void)
{
  g_autoptr(Client) admin = login ("admin", "an");
  g_autoptr(Client) carol = login ("carol", "an");
  g_autoptr(Client) bob = login ("bob", "an");
  g_autoptr(TdFrame) status = announce (admin->ws, "an1", "Sales", "Quarter closes Friday");
  g_autoptr(TdFrame) live = NULL;
  TdReminder *pushed;
  gint64 rid;

  g_assert_cmpint (td_frame_get_frame_type (status), ==, TD_FRAME_REMINDER_STATUS);
  rid = td_frame_get_rid (status);
  g_assert_cmpint (rid, >, 0);
  g_assert_cmpuint (td_frame_get_total (status), ==, 2);
  g_assert_cmpuint (td_frame_get_read_count (status), ==, 0);
  g_assert_cmpuint (g_strv_length ((char **) td_frame_get_unread (status)), ==, 2);

  /* Pushed live to carol (Sales), not to bob (Engineering). */
  live = td_test_ws_expect (carol->ws, TD_FRAME_REMINDER, WAIT_MS);
  pushed = td_frame_get_reminder (live);
  g_assert_cmpint (td_reminder_get_rid (pushed), ==, rid);
  g_assert_cmpint (td_reminder_get_kind (pushed), ==, TD_REMINDER_KIND_ANNOUNCEMENT);
  g_assert_cmpstr (td_reminder_get_source (pushed), ==, "admin");
  g_assert_cmpstr (td_reminder_get_title (pushed), ==, "Quarter closes Friday");
  g_assert_cmpint (td_reminder_get_priority (pushed), ==, TD_PRIORITY_URGENT);
  g_assert_cmpint (td_reminder_get_state (pushed), ==, TD_REMINDER_OPEN);
  g_assert_false (td_reminder_get_read (pushed));
  g_assert_null (td_frame_get_req (live));
  assert_none_of (bob->ws, TD_FRAME_REMINDER);

  /* Only admins announce; departments must exist. */
  {
    g_autoptr(TdFrame) refused = announce (bob->ws, "an2", NULL, "Free pizza");
    g_autoptr(TdFrame) unknown = announce (admin->ws, "an3", "Marketing", "Hello");

    assert_error (refused, TD_ERR_FORBIDDEN);
    assert_error (unknown, TD_ERR_NOT_FOUND);
  }

  /* carol reads it: the count follows. */
  {
    g_autoptr(TdFrame) update = td_frame_new_reminder_update ("ru1", rid, TD_REMINDER_ACTION_READ, 0);
    g_autoptr(TdFrame) answer = request (carol->ws, update, "ru1");
    g_autoptr(TdFrame) after = NULL;
    const char * const *unread;

    g_assert_cmpint (td_frame_get_frame_type (answer), ==, TD_FRAME_REMINDER);
    g_assert_true (td_reminder_get_read (td_frame_get_reminder (answer)));
    after = reminder_status (admin->ws, "st1", rid);
    g_assert_cmpuint (td_frame_get_total (after), ==, 2);
    g_assert_cmpuint (td_frame_get_read_count (after), ==, 1);
    g_assert_cmpuint (td_frame_get_done_count (after), ==, 0);
    unread = td_frame_get_unread (after);
    g_assert_cmpstr (unread[0], ==, "dave");
    g_assert_null (unread[1]);
  }

  /* Only the sender or an admin sees the figures. */
  {
    g_autoptr(TdFrame) refused = reminder_status (carol->ws, "st2", rid);
    g_autoptr(TdFrame) unknown = reminder_status (admin->ws, "st3", 999999);

    assert_error (refused, TD_ERR_FORBIDDEN);
    assert_error (unknown, TD_ERR_NOT_FOUND);
  }

  /* dave was offline: it is in "reminders" when he logs in. */
  {
    g_autoptr(Client) dave = login ("dave", "an");
    TdReminder *r = find_reminder (dave->reminders, rid);

    g_assert_nonnull (r);
    g_assert_cmpint (td_reminder_get_state (r), ==, TD_REMINDER_OPEN);
    g_assert_false (td_reminder_get_read (r));
  }
  /* Everyone: all six people of the directory. */
  {
    g_autoptr(TdFrame) all = announce (admin->ws, "an4", NULL, "All hands at noon");

    g_assert_cmpint (td_frame_get_frame_type (all), ==, TD_FRAME_REMINDER_STATUS);
    g_assert_cmpuint (td_frame_get_total (all), ==, 6);
  }
  /* And carol's own view at a later login says she read it. */
  {
    g_autoptr(Client) again = login ("carol", "an-2");
    TdReminder *r = find_reminder (again->reminders, rid);

    g_assert_nonnull (r);
    g_assert_true (td_reminder_get_read (r));
  }
}

static void
test_reminder_update_other_device (void)
{
  g_autoptr(Client) admin = login ("admin", "ru");
  g_autoptr(Client) wang = login ("wang.fang", "ru");
  g_autoptr(Client) wang2 = login ("wang.fang", "ru-2");
  g_autoptr(TdFrame) status = announce (admin->ws, "ru-an", "财务部", "Expense reports due");
  gint64 rid = td_frame_get_rid (status);
  gint64 until = g_get_real_time () / 1000 + 3600 * 1000;

  g_assert_cmpuint (td_frame_get_total (status), ==, 1);
  {
    g_autoptr(TdFrame) a = td_test_ws_expect (wang->ws, TD_FRAME_REMINDER, WAIT_MS);
    g_autoptr(TdFrame) b = td_test_ws_expect (wang2->ws, TD_FRAME_REMINDER, WAIT_MS);

    g_assert_cmpint (td_reminder_get_rid (td_frame_get_reminder (a)), ==, rid);
    g_assert_cmpint (td_reminder_get_rid (td_frame_get_reminder (b)), ==, rid);
  }

  {
    g_autoptr(TdFrame) update = td_frame_new_reminder_update ("ru-s", rid, TD_REMINDER_ACTION_SNOOZE,
                                                              until);
    g_autoptr(TdFrame) answer = request (wang->ws, update, "ru-s");
    g_autoptr(TdFrame) other = td_test_ws_expect (wang2->ws, TD_FRAME_REMINDER, WAIT_MS);

    g_assert_cmpint (td_frame_get_frame_type (answer), ==, TD_FRAME_REMINDER);
    g_assert_cmpint (td_reminder_get_state (td_frame_get_reminder (answer)), ==, TD_REMINDER_SNOOZED);
    g_assert_cmpint (td_reminder_get_until (td_frame_get_reminder (answer)), ==, until);
    g_assert_null (td_frame_get_req (other));
    g_assert_cmpint (td_reminder_get_rid (td_frame_get_reminder (other)), ==, rid);
    g_assert_cmpint (td_reminder_get_state (td_frame_get_reminder (other)), ==, TD_REMINDER_SNOOZED);
    g_assert_cmpint (td_reminder_get_until (td_frame_get_reminder (other)), ==, until);
  }

  {
    g_autoptr(TdFrame) update = td_frame_new_reminder_update ("ru-d", rid, TD_REMINDER_ACTION_DONE, 0);
    g_autoptr(TdFrame) answer = request (wang2->ws, update, "ru-d");
    g_autoptr(TdFrame) other = td_test_ws_expect (wang->ws, TD_FRAME_REMINDER, WAIT_MS);
    g_autoptr(TdFrame) figures = reminder_status (admin->ws, "ru-st", rid);

    g_assert_cmpint (td_reminder_get_state (td_frame_get_reminder (answer)), ==, TD_REMINDER_DONE);
    g_assert_cmpint (td_reminder_get_state (td_frame_get_reminder (other)), ==, TD_REMINDER_DONE);
    g_assert_cmpuint (td_frame_get_done_count (figures), ==, 1);
  }

  /* Someone else's reminder, or none at all. */
  {
    g_autoptr(TdFrame) update = td_frame_new_reminder_update ("ru-x", rid, TD_REMINDER_ACTION_DONE, 0);
    g_autoptr(TdFrame) answer = request (admin->ws, update, "ru-x");
    g_autoptr(TdFrame) none = td_frame_new_reminder_update ("ru-y", 999999, TD_REMINDER_ACTION_READ, 0);
    g_autoptr(TdFrame) answer2 = request (wang->ws, none, "ru-y");

    assert_error (answer, TD_ERR_NOT_FOUND);
    assert_error (answer2, TD_ERR_NOT_FOUND);
  }
}

/* ---- reminders written by tidingsctl ---- */

static void
test_ctl_broadcast_pushed (void)
{
  g_autoptr(Client) carol = login ("carol", "bc");
  g_autofree char *out = NULL;
  const char *args[] = { "broadcast", "--department", "Sales", "Fire drill at 3pm", NULL };
  g_auto(GStrv) lines = NULL;
  g_autoptr(TdFrame) live = NULL;
  gint64 rid;
  guint n;

  g_assert_cmpint (ctl (args, &out), ==, 0);
  lines = g_strsplit (g_strstrip (out), "\n", -1);
  n = g_strv_length (lines);
  g_assert_cmpuint (n, >=, 1);
  rid = g_ascii_strtoll (lines[n - 1], NULL, 10);
  g_assert_cmpint (rid, >, 0);

  /* The server polls every 5 s; allow three rounds. */
  live = td_test_ws_expect (carol->ws, TD_FRAME_REMINDER, 15000);
  g_assert_cmpint (td_reminder_get_rid (td_frame_get_reminder (live)), ==, rid);
  g_assert_cmpstr (td_reminder_get_title (td_frame_get_reminder (live)), ==, "Fire drill at 3pm");
  g_assert_cmpint (td_reminder_get_kind (td_frame_get_reminder (live)), ==,
                   TD_REMINDER_KIND_ANNOUNCEMENT);
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  server = td_test_server_new (NULL);

  g_test_add_func ("/groups/department-at-login", test_department_group_at_login);
  g_test_add_func ("/groups/department-follows-directory", test_department_follows_directory);
  g_test_add_func ("/groups/adhoc-editing", test_adhoc_group_editing);
  g_test_add_func ("/groups/messages", test_group_messages);
  g_test_add_func ("/groups/receipts", test_receipts);
  g_test_add_func ("/groups/typing", test_typing);
  g_test_add_func ("/groups/announcements", test_announcements);
  g_test_add_func ("/groups/reminder-update-other-device", test_reminder_update_other_device);
  g_test_add_func ("/groups/ctl-broadcast-pushed", test_ctl_broadcast_pushed);

  ret = g_test_run ();
  td_test_server_stop (server);
  td_test_server_free (server);
  return ret;
}
