/* test-chaos.c - a steady load of 1:1 and group messages from five users
 * while the server is killed with SIGKILL and restarted again and again,
 * checked against a ledger of everything sent, acknowledged and received.
 *
 * Every user is connected the whole time (reconnecting after each kill),
 * sends to a colleague and to their department group with several sends in
 * flight, resends whatever was not acknowledged with the same ids, and
 * acknowledges what it receives.  At the end, for every user:
 *   - the mailbox seqs received are exactly 1..N (nothing lost);
 *   - every seq always carried the same message (nothing rewritten), and
 *     mids grow with seqs (mailbox order = commit order);
 *   - the messages are exactly those the ledger says this user must have:
 *     own sends, 1:1 messages to them, and group messages of their groups,
 *     each once (nothing duplicated, nothing unexpected);
 *   - each sender's messages were committed in the order they were sent
 *     (nothing reordered).
 */
#define G_LOG_DOMAIN "test-chaos"

#include <string.h>

#include "td-test-util.h"

#define N_PER_USER 200
#define WINDOW     4
#define N_KILLS    6
#define N_USERS    5

typedef enum { ENTRY_NEW, ENTRY_IN_FLIGHT, ENTRY_ACKED } EntryState;

typedef struct {
  char       *id;
  char       *to;      /* login, or the department name until resolved */
  gboolean    group;
  char       *text;
  EntryState  state;
  gint64      mid;
} Entry;

typedef struct {
  const char *login;
  const char *department;
  const char *peer;     /* 1:1 partner */
  TdTestWs   *ws;
  Entry       entries[N_PER_USER];
  guint       in_flight;
  GHashTable *seqs;     /* gint64 seq -> gint64 mid (as pointers) */
  gint64      contiguous; /* every seq up to here received */
  gint64      acked;    /* last ack sent */
  gboolean    dead;
} User;

static User users[N_USERS] = {
  { "alice", "Engineering", "bob" },
  { "bob",   "Engineering", "alice" },
  { "admin", "Engineering", "alice" },
  { "carol", "Sales",       "dave" },
  { "dave",  "Sales",       "carol" },
};

/* department name -> group address, learnt from "groups" at login. */
static GHashTable *group_address;
/* group address -> members (NULL-terminated, owned by the TdGroup). */
static GHashTable *group_members;

static void
record (User *u, gint64 seq, gint64 mid)
{
  gpointer old;

  g_assert_cmpint (seq, >, 0);
  if (g_hash_table_lookup_extended (u->seqs, GSIZE_TO_POINTER (seq), NULL, &old))
    {
      /* Redelivery of something not yet acknowledged: the same message. */
      g_assert_cmpint (GPOINTER_TO_SIZE (old), ==, mid);
      return;
    }
  g_hash_table_insert (u->seqs, GSIZE_TO_POINTER (seq), GSIZE_TO_POINTER (mid));
  while (g_hash_table_contains (u->seqs, GSIZE_TO_POINTER (u->contiguous + 1)))
    u->contiguous++;
  if (u->contiguous > u->acked && !u->dead)
    {
      td_test_ws_ack (u->ws, u->contiguous);
      u->acked = u->contiguous;
    }
}

static Entry *
find_entry (User *u, const char *id)
{
  guint i = (guint) g_ascii_strtoull (strrchr (id, '-') + 1, NULL, 10);

  g_assert_cmpuint (i, <, N_PER_USER);
  g_assert_cmpstr (u->entries[i].id, ==, id);
  return &u->entries[i];
}

static void
handle (User *u, TdFrame *frame)
{
  switch (td_frame_get_frame_type (frame))
    {
    case TD_FRAME_SENT:
      {
        TdMessage *m = td_frame_get_message (frame);
        Entry *e = find_entry (u, td_message_get_id (m));

        if (e->state == ENTRY_ACKED)
          g_assert_cmpint (e->mid, ==, td_message_get_mid (m));
        if (e->state == ENTRY_IN_FLIGHT)
          u->in_flight--;
        e->mid = td_message_get_mid (m);
        e->state = ENTRY_ACKED;
        record (u, td_message_get_seq (m), td_message_get_mid (m));
        break;
      }
    case TD_FRAME_MESSAGE:
      {
        TdMessage *m = td_frame_get_message (frame);
        record (u, td_message_get_seq (m), td_message_get_mid (m));
        break;
      }
    case TD_FRAME_GROUPS:
      {
        GPtrArray *groups = td_frame_get_groups (frame);

        for (guint i = 0; i < groups->len; i++)
          {
            TdGroup *g = g_ptr_array_index (groups, i);

            if (td_group_get_kind (g) != TD_GROUP_DEPARTMENT)
              continue;
            g_hash_table_replace (group_address, g_strdup (td_group_get_name (g)),
                                  g_strdup (td_group_get_address (g)));
            g_hash_table_replace (group_members, g_strdup (td_group_get_address (g)),
                                  td_group_ref (g));
          }
        break;
      }
    case TD_FRAME_ERROR:
      g_error ("%s got an error: %s %s", u->login,
               td_error_code_to_string (td_frame_get_error_code (frame)),
               td_frame_get_error_message (frame));
      break;
    default:
      break;
    }
}

/* Logs in (password, same device every time) and takes in the backlog. */
static void
connect_user (TdTestServer *server, User *u)
{
  g_autofree char *device = g_strdup_printf ("chaos-%s", u->login);
  g_autoptr(TdFrame) auth = td_frame_new_auth_password (u->login, TD_TEST_PASSWORD, device, "test-chaos");

  u->ws = td_test_ws_connect (server->ws_url);
  u->dead = FALSE;
  u->acked = 0;
  td_test_ws_send_frame (u->ws, auth);
  for (guint i = 0; i < 100000; i++)
    {
      g_autoptr(TdFrame) frame = td_test_ws_next (u->ws, 20000);

      g_assert_nonnull (frame);
      handle (u, frame);
      if (td_frame_get_frame_type (frame) == TD_FRAME_SYNCED)
        break;
    }
  /* Acknowledge what the backlog completed (the cursor may be behind
   * what this process saw before the kill). */
  td_test_ws_ack (u->ws, u->contiguous);
  u->acked = u->contiguous;
}

static void
fill_window (User *u)
{
  for (guint i = 0; i < N_PER_USER && u->in_flight < WINDOW; i++)
    {
      Entry *e = &u->entries[i];
      const char *to;
      g_autoptr(TdFrame) send = NULL;

      if (e->state != ENTRY_NEW)
        continue;
      to = e->group ? g_hash_table_lookup (group_address, e->to) : e->to;
      g_assert_nonnull (to);
      send = td_frame_new_send (NULL, e->id, to, e->text);
      td_test_ws_send_frame (u->ws, send);
      e->state = ENTRY_IN_FLIGHT;
      u->in_flight++;
    }
}

static guint
total_acked (void)
{
  guint n = 0;

  for (guint u = 0; u < N_USERS; u++)
    for (guint i = 0; i < N_PER_USER; i++)
      n += users[u].entries[i].state == ENTRY_ACKED;
  return n;
}

/* Runs the load until @target acknowledgements in all, or until every
 * connection is dead (the server was killed under it). */
static void
run_load (guint target)
{
  for (guint spins = 0; spins < 200000; spins++)
    {
      gboolean all_dead = TRUE;

      if (total_acked () >= target)
        return;
      for (guint k = 0; k < N_USERS; k++)
        {
          User *u = &users[k];
          g_autoptr(TdFrame) frame = NULL;

          if (u->dead)
            continue;
          all_dead = FALSE;
          fill_window (u);
          frame = td_test_ws_next (u->ws, 2);
          if (frame != NULL)
            handle (u, frame);
          else if (td_test_ws_is_closed (u->ws))
            u->dead = TRUE;
        }
      if (all_dead)
        return;
    }
  g_error ("the load made no progress");
}

static void
disconnect_all (void)
{
  for (guint k = 0; k < N_USERS; k++)
    {
      User *u = &users[k];

      td_test_ws_wait_closed (u->ws, 5000);
      g_clear_pointer (&u->ws, td_test_ws_free);
      u->dead = TRUE;
      /* What was in flight is resent after the restart, same ids. */
      for (guint i = 0; i < N_PER_USER; i++)
        if (u->entries[i].state == ENTRY_IN_FLIGHT)
          u->entries[i].state = ENTRY_NEW;
      u->in_flight = 0;
    }
}

static gboolean
must_have (const User *u, const User *sender, const Entry *e)
{
  const char * const *members;

  if (sender == u)
    return TRUE;
  if (!e->group)
    return g_str_equal (e->to, u->login);
  members = td_group_get_members (g_hash_table_lookup (group_members,
                                                       g_hash_table_lookup (group_address, e->to)));
  return g_strv_contains (members, u->login);
}

static void
verify (void)
{
  for (guint k = 0; k < N_USERS; k++)
    {
      User *u = &users[k];
      g_autoptr(GHashTable) expected = g_hash_table_new (NULL, NULL);
      gint64 n = g_hash_table_size (u->seqs);
      gint64 last_mid = 0;

      for (guint s = 0; s < N_USERS; s++)
        for (guint i = 0; i < N_PER_USER; i++)
          {
            const Entry *e = &users[s].entries[i];

            g_assert_cmpint (e->state, ==, ENTRY_ACKED);
            if (must_have (u, &users[s], e))
              g_assert_true (g_hash_table_add (expected, GSIZE_TO_POINTER (e->mid)));
          }

      /* 1..n, each seq once, mids rising, exactly the expected ones. */
      g_assert_cmpint (u->contiguous, ==, n);
      g_assert_cmpint (n, ==, g_hash_table_size (expected));
      for (gint64 seq = 1; seq <= n; seq++)
        {
          gint64 mid = GPOINTER_TO_SIZE (g_hash_table_lookup (u->seqs, GSIZE_TO_POINTER (seq)));

          g_assert_cmpint (mid, >, last_mid);
          last_mid = mid;
          g_assert_true (g_hash_table_remove (expected, GSIZE_TO_POINTER (mid)));
        }
      g_assert_cmpuint (g_hash_table_size (expected), ==, 0);

      /* Each sender's messages were committed in the order sent. */
      for (guint i = 1; i < N_PER_USER; i++)
        g_assert_cmpint (u->entries[i].mid, >, u->entries[i - 1].mid);
    }
}

static gboolean
everyone_has_everything (void)
{
  guint expected[N_USERS] = { 0 };

  for (guint k = 0; k < N_USERS; k++)
    for (guint s = 0; s < N_USERS; s++)
      for (guint i = 0; i < N_PER_USER; i++)
        expected[k] += must_have (&users[k], &users[s], &users[s].entries[i]);
  for (guint k = 0; k < N_USERS; k++)
    if (users[k].contiguous < expected[k])
      return FALSE;
  return TRUE;
}

static void
test_chaos (void)
{
  g_autoptr(TdTestServer) server = td_test_server_new (NULL);
  guint total = N_USERS * N_PER_USER;

  group_address = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  group_members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) td_group_unref);
  for (guint k = 0; k < N_USERS; k++)
    {
      User *u = &users[k];

      u->seqs = g_hash_table_new (NULL, NULL);
      for (guint i = 0; i < N_PER_USER; i++)
        {
          Entry *e = &u->entries[i];

          e->id = g_strdup_printf ("chaos-%s-%u", u->login, i);
          e->group = i % 2 == 1;
          e->to = g_strdup (e->group ? u->department : u->peer);
          e->text = g_strdup_printf ("%s says %u", u->login, i);
        }
    }

  for (guint round = 0; round <= N_KILLS; round++)
    {
      for (guint k = 0; k < N_USERS; k++)
        connect_user (server, &users[k]);
      if (round < N_KILLS)
        {
          run_load (total * (round + 1) / (N_KILLS + 2));
          g_test_message ("round %u: %u acknowledged, killing", round, total_acked ());
          td_test_server_kill (server);
          disconnect_all ();
          td_test_server_start (server);
        }
      else
        {
          run_load (total);
          g_assert_cmpuint (total_acked (), ==, total);
          /* Let the last live deliveries arrive. */
          for (guint spins = 0; spins < 20000 && !everyone_has_everything (); spins++)
            for (guint k = 0; k < N_USERS; k++)
              {
                g_autoptr(TdFrame) frame = td_test_ws_next (users[k].ws, 2);
                if (frame != NULL)
                  handle (&users[k], frame);
              }
        }
    }

  verify ();

  for (guint k = 0; k < N_USERS; k++)
    {
      g_clear_pointer (&users[k].ws, td_test_ws_free);
      g_hash_table_unref (users[k].seqs);
      for (guint i = 0; i < N_PER_USER; i++)
        {
          g_free (users[k].entries[i].id);
          g_free (users[k].entries[i].to);
          g_free (users[k].entries[i].text);
        }
    }
  g_hash_table_unref (group_address);
  g_hash_table_unref (group_members);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/chaos/kill-under-load", test_chaos);
  return g_test_run ();
}
