/* test-cluster.c - three real tidingsd nodes on one PostgreSQL database and
 * one redis-server (issue 6): messages, groups, announcements and presence
 * across nodes, a node killed with SIGKILL, Redis stopped under load, and
 * concurrent senders into one group through different nodes.  Every client
 * keeps a ledger of its mailbox (seq -> message) that is checked at the
 * end of each part: gap-free from 1, nothing duplicated, per-sender order.
 * The first case tests the backplane's event encoding on its own.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "td-backplane.h"
#include "td-test-pg.h"
#include "td-test-redis.h"
#include "td-test-util.h"

#define N_NODES 3

typedef struct {
  char       *login;
  char       *device;
  TdTestWs   *ws;
  int         node;
  GHashTable *presence;     /* login -> GINT_TO_POINTER (TdPresence + 1), as last told */
  GHashTable *ledger;       /* gint64* seq -> TdMessage* */
  GHashTable *conn_sent;    /* gint64* seq: own sends answered on this connection */
  GHashTable *sent_reqs;    /* req -> TdMessage* ("sent" copies) */
  GHashTable *rids;         /* gint64* reminder ids seen */
  gint64      conn_last;    /* last "message" seq on this connection, -1 none yet */
  gint64      contig;       /* every seq 1..contig is in the ledger */
  gboolean    synced;
  gint64      dept_group;   /* the department group id, 0 if none */
  guint       typing;
  guint       receipts;
  guint       group_frames;
  gint64      last_group;   /* id of the latest "group" frame */
  gboolean    tolerate_errors;
  guint       errors;
  GArray     *latencies;    /* gint64 µs from send to receipt, live messages */
} Client;

typedef struct {
  TdTestRedis  *redis;
  char         *store_url;
  TdTestServer *nodes[N_NODES];
  GPtrArray    *clients;    /* Client* */
  guint         counter;
} Cluster;

static Cluster *cl;

/* ---- clients ---- */

static void
client_free (Client *c)
{
  g_clear_pointer (&c->ws, td_test_ws_free);
  g_hash_table_unref (c->presence);
  g_hash_table_unref (c->ledger);
  g_hash_table_unref (c->conn_sent);
  g_hash_table_unref (c->sent_reqs);
  g_hash_table_unref (c->rids);
  g_array_unref (c->latencies);
  g_free (c->login);
  g_free (c->device);
  g_free (c);
}

static void
record (Client *c, TdMessage *m)
{
  gint64 seq = td_message_get_seq (m);
  TdMessage *old = g_hash_table_lookup (c->ledger, &seq);

  g_assert_cmpint (seq, >, 0);
  if (old != NULL)
    {
      /* A repeat after a reconnect (at least once): the same message. */
      g_assert_cmpint (td_message_get_mid (old), ==, td_message_get_mid (m));
      return;
    }
  g_hash_table_insert (c->ledger, g_memdup2 (&seq, sizeof seq), td_message_ref (m));
  while (g_hash_table_contains (c->ledger, &(gint64) { c->contig + 1 }))
    c->contig++;
}

static void
ack (Client *c)
{
  if (c->contig > 0 && c->ws != NULL)
    td_test_ws_ack (c->ws, c->contig);
}

static void
handle (Client *c, const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdFrame) frame = td_frame_decode (text, strlen (text), TD_PROTO_MAX_SERVER_FRAME,
                                              NULL, &error);

  g_assert_no_error (error);
  switch (td_frame_get_frame_type (frame))
    {
    case TD_FRAME_MESSAGE:
      {
        TdMessage *m = td_frame_get_message (frame);
        gint64 seq = td_message_get_seq (m);
        const char *body = td_message_get_text (m);

        /* In order on one connection: anything skipped was answered to
         * this connection with "sent". */
        if (c->conn_last < 0)
          g_assert_cmpint (seq, <=, c->contig + 1);
        else
          {
            g_assert_cmpint (seq, >, c->conn_last);
            for (gint64 s = c->conn_last + 1; s < seq; s++)
              g_assert_true (g_hash_table_contains (c->conn_sent, &s));
          }
        c->conn_last = seq;
        if (c->synced && g_str_has_prefix (body, "t"))
          {
            gint64 t = g_ascii_strtoll (body + 1, NULL, 10);
            gint64 lat = g_get_monotonic_time () - t;

            g_array_append_val (c->latencies, lat);
          }
        record (c, m);
        ack (c);
      }
      break;
    case TD_FRAME_SENT:
      {
        TdMessage *m = td_frame_get_message (frame);
        gint64 seq = td_message_get_seq (m);

        g_hash_table_add (c->conn_sent, g_memdup2 (&seq, sizeof seq));
        g_hash_table_replace (c->sent_reqs, g_strdup (td_frame_get_req (frame)), td_message_ref (m));
        record (c, m);
        ack (c);
      }
      break;
    case TD_FRAME_PRESENCE:
      if (!td_frame_is_presence_list (frame))
        g_hash_table_replace (c->presence, g_strdup (td_frame_get_user (frame)),
                              GINT_TO_POINTER (td_frame_get_status (frame) + 1));
      else
        {
          /* List form (docs/protocol.md 5.3): a snapshot says everyone
           * not listed is offline. */
          if (td_frame_get_snapshot (frame))
            {
              GHashTableIter iter;
              gpointer key;

              g_hash_table_iter_init (&iter, c->presence);
              while (g_hash_table_iter_next (&iter, &key, NULL))
                g_hash_table_iter_replace (&iter, GINT_TO_POINTER (TD_PRESENCE_OFFLINE + 1));
            }
          for (TdPresence p = TD_PRESENCE_OFFLINE; p <= TD_PRESENCE_BUSY; p++)
            {
              const char * const *logins = td_frame_get_presence_logins (frame, p);

              for (guint i = 0; logins[i] != NULL; i++)
                g_hash_table_replace (c->presence, g_strdup (logins[i]), GINT_TO_POINTER (p + 1));
            }
        }
      break;
    case TD_FRAME_DIRECTORY:
      {
        GPtrArray *users = td_frame_get_users (frame);

        for (guint i = 0; i < users->len; i++)
          {
            TdUser *u = g_ptr_array_index (users, i);

            g_hash_table_replace (c->presence, g_strdup (td_user_get_login (u)),
                                  GINT_TO_POINTER (td_user_get_presence (u) + 1));
          }
      }
      break;
    case TD_FRAME_GROUPS:
      {
        GPtrArray *groups = td_frame_get_groups (frame);

        for (guint i = 0; i < groups->len; i++)
          {
            TdGroup *g = g_ptr_array_index (groups, i);

            if (td_group_get_kind (g) == TD_GROUP_DEPARTMENT)
              c->dept_group = td_group_get_id (g);
          }
      }
      break;
    case TD_FRAME_GROUP:
      c->group_frames++;
      c->last_group = td_group_get_id (td_frame_get_group (frame));
      break;
    case TD_FRAME_REMINDERS:
      {
        GPtrArray *rs = td_frame_get_reminders (frame);

        for (guint i = 0; i < rs->len; i++)
          {
            gint64 rid = td_reminder_get_rid (g_ptr_array_index (rs, i));

            g_hash_table_add (c->rids, g_memdup2 (&rid, sizeof rid));
          }
      }
      break;
    case TD_FRAME_REMINDER:
      {
        gint64 rid = td_reminder_get_rid (td_frame_get_reminder (frame));

        g_hash_table_add (c->rids, g_memdup2 (&rid, sizeof rid));
      }
      break;
    case TD_FRAME_SYNCED:
      c->synced = TRUE;
      break;
    case TD_FRAME_TYPING:
      c->typing++;
      break;
    case TD_FRAME_RECEIPT:
      c->receipts++;
      break;
    case TD_FRAME_ERROR:
      if (!c->tolerate_errors)
        g_error ("%s got an error: %s", c->login, text);
      c->errors++;
      break;
    default:
      break;
    }
}

/* Handles everything already received by every client. */
static void
drain (void)
{
  for (guint i = 0; i < cl->clients->len; i++)
    {
      Client *c = g_ptr_array_index (cl->clients, i);
      char *text;

      while (c->ws != NULL && (text = td_test_ws_recv (c->ws, 0)) != NULL)
        {
          handle (c, text);
          g_free (text);
        }
    }
}

static gboolean
expired_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
pump (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, expired_cb, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
  drain ();
}

typedef gboolean (*Predicate) (gpointer data);

/* Pumps until @pred holds or @timeout_ms pass; returns the last answer. */
static gboolean
wait_for (Predicate pred, gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  drain ();
  while (!pred (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      pump (2);
    }
  return TRUE;
}

static gboolean
is_synced (gpointer data)
{
  return ((Client *) data)->synced;
}

static void
client_connect (Client *c, int node)
{
  g_autoptr(TdFrame) auth = td_frame_new_auth_password (c->login, TD_TEST_PASSWORD, c->device, "test");

  g_clear_pointer (&c->ws, td_test_ws_free);
  c->node = node;
  c->synced = FALSE;
  c->conn_last = -1;
  g_hash_table_remove_all (c->conn_sent);
  c->ws = td_test_ws_connect (cl->nodes[node]->ws_url);
  td_test_ws_send_frame (c->ws, auth);
  g_assert_true (wait_for (is_synced, c, 20000));
}

static Client *
client_new (const char *login, int node)
{
  Client *c = g_new0 (Client, 1);

  c->login = g_strdup (login);
  c->device = g_strdup_printf ("dev-%s", login);
  c->presence = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  c->ledger = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                     (GDestroyNotify) td_message_unref);
  c->conn_sent = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  c->sent_reqs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) td_message_unref);
  c->rids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  c->latencies = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_ptr_array_add (cl->clients, c);
  client_connect (c, node);
  return c;
}

static Client *
client_get (const char *login)
{
  for (guint i = 0; i < cl->clients->len; i++)
    {
      Client *c = g_ptr_array_index (cl->clients, i);

      if (g_str_equal (c->login, login))
        return c;
    }
  g_assert_not_reached ();
}

/* Sends without waiting; returns the request id (= client message id). */
static char *
send_async (Client *c, const char *to)
{
  g_autofree char *id = g_strdup_printf ("m%u-%s", ++cl->counter, c->login);
  g_autofree char *text = g_strdup_printf ("t%" G_GINT64_FORMAT " from %s", g_get_monotonic_time (),
                                           c->login);
  g_autoptr(TdFrame) frame = td_frame_new_send (id, id, to, text);

  td_test_ws_send_frame (c->ws, frame);
  return g_steal_pointer (&id);
}

typedef struct {
  Client     *c;
  const char *req;
} SentWait;

static gboolean
has_sent (gpointer data)
{
  SentWait *w = data;

  return g_hash_table_contains (w->c->sent_reqs, w->req);
}

/* Sends and waits for "sent"; returns the stored message (owned by @c). */
static TdMessage *
send_msg (Client *c, const char *to)
{
  g_autofree char *req = send_async (c, to);
  SentWait w = { c, req };

  if (!wait_for (has_sent, &w, 15000))
    g_error ("%s: no \"sent\" for %s", c->login, req);
  return g_hash_table_lookup (c->sent_reqs, req);
}

/* Does @c's ledger hold the message with @mid? */
static gboolean
has_mid (Client *c, gint64 mid)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, c->ledger);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (td_message_get_mid (value) == mid)
      return TRUE;
  return FALSE;
}

typedef struct {
  Client *c;
  gint64  mid;
} MidWait;

static gboolean
mid_arrived (gpointer data)
{
  MidWait *w = data;

  return has_mid (w->c, w->mid);
}

static void
expect_mid (Client *c, gint64 mid, guint timeout_ms)
{
  MidWait w = { c, mid };

  if (!wait_for (mid_arrived, &w, timeout_ms))
    g_error ("%s (node %d) did not receive message %" G_GINT64_FORMAT, c->login, c->node, mid);
}

static TdPresence
seen (Client *c, const char *login)
{
  gpointer p = g_hash_table_lookup (c->presence, login);

  return p == NULL ? TD_PRESENCE_OFFLINE : (TdPresence) (GPOINTER_TO_INT (p) - 1);
}

typedef struct {
  Client     *c;
  const char *login;
  TdPresence  want;
} PresenceWait;

static gboolean
presence_is (gpointer data)
{
  PresenceWait *w = data;

  return seen (w->c, w->login) == w->want;
}

static void
expect_presence (Client *c, const char *login, TdPresence want, guint timeout_ms)
{
  PresenceWait w = { c, login, want };

  if (!wait_for (presence_is, &w, timeout_ms))
    g_error ("%s (node %d) sees %s as %s, not %s", c->login, c->node, login,
             td_presence_to_string (seen (c, login)), td_presence_to_string (want));
}

/* The whole ledger: 1..max without a hole, each mid once. */
static gint64
check_ledger (Client *c)
{
  g_autoptr(GHashTable) mids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  gint64 max = 0;
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, c->ledger);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      gint64 mid = td_message_get_mid (value);

      max = MAX (max, *(gint64 *) key);
      g_assert_false (g_hash_table_contains (mids, &mid));
      g_hash_table_add (mids, g_memdup2 (&mid, sizeof mid));
    }
  g_assert_cmpint (c->contig, ==, max);
  g_assert_cmpuint (g_hash_table_size (c->ledger), ==, (guint) max);
  return max;
}

/* Messages of @c's ledger from @from, in seq order: their client ids'
 * counters must increase (each sender waits for "sent" before the next). */
static void
check_sender_order (Client *c)
{
  g_autoptr(GHashTable) last = g_hash_table_new (g_str_hash, g_str_equal);

  for (gint64 s = 1; s <= c->contig; s++)
    {
      TdMessage *m = g_hash_table_lookup (c->ledger, &s);
      guint n = (guint) g_ascii_strtoull (td_message_get_id (m) + 1, NULL, 10);
      guint prev = GPOINTER_TO_UINT (g_hash_table_lookup (last, td_message_get_from (m)));

      g_assert_cmpuint (n, >, prev);
      g_hash_table_insert (last, (gpointer) td_message_get_from (m), GUINT_TO_POINTER (n));
    }
}

static int
cmp_int64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
print_latencies (const char *what)
{
  g_autoptr(GArray) all = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < cl->clients->len; i++)
    {
      Client *c = g_ptr_array_index (cl->clients, i);

      g_array_append_vals (all, c->latencies->data, c->latencies->len);
      g_array_set_size (c->latencies, 0);
    }
  if (all->len == 0)
    return;
  g_array_sort (all, cmp_int64);
  g_test_message ("%s: %u deliveries, latency p50 %.2f ms, p99 %.2f ms, max %.2f ms", what,
                  all->len,
                  g_array_index (all, gint64, all->len / 2) / 1000.0,
                  g_array_index (all, gint64, MIN (all->len - 1, all->len * 99 / 100)) / 1000.0,
                  g_array_index (all, gint64, all->len - 1) / 1000.0);
}

/* ---- cluster ---- */

static void
start_node (int i)
{
  g_autofree char *node_id = g_strdup_printf ("node-%c", 'a' + i);
  const char *args[] = { "--redis", td_test_redis_get_url (cl->redis), "--node-id", node_id, NULL };

  cl->nodes[i] = td_test_server_new_on_store (cl->store_url, args);
}

static void
cluster_setup (void)
{
  g_autofree char *directory = td_test_data_path ("directory.json");
  g_autofree char *tmp = NULL;
  g_autofree char *password_file = NULL;
  g_autoptr(GError) error = NULL;

  cl = g_new0 (Cluster, 1);
  cl->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  cl->redis = td_test_redis_start ();
  cl->store_url = td_test_pg_new_database ();

  tmp = g_dir_make_tmp ("tidings-cluster-XXXXXX", &error);
  g_assert_no_error (error);
  password_file = g_build_filename (tmp, "password.txt", NULL);
  g_file_set_contents (password_file, TD_TEST_PASSWORD "\n", -1, &error);
  g_assert_no_error (error);
  {
    const char *argv[] = { "tidingsctl", "--store", cl->store_url, "import", directory,
                           "--default-password-file", password_file, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    if (td_test_run (argv, NULL, 60, &out, &err) != 0)
      g_error ("tidingsctl import failed: %s%s", out, err);
  }
  g_unlink (password_file);
  g_rmdir (tmp);

  for (int i = 0; i < N_NODES; i++)
    start_node (i);
}

static void
cluster_teardown (void)
{
  g_ptr_array_unref (cl->clients);
  for (int i = 0; i < N_NODES; i++)
    g_clear_pointer (&cl->nodes[i], td_test_server_free);
  g_clear_pointer (&cl->redis, td_test_redis_free);
  g_free (cl->store_url);
  g_free (cl);
}

/* ---- tests ---- */

static void
test_event_encoding (void)
{
  const TdBackplaneKind kinds[] = {
    TD_BACKPLANE_MAILBOX, TD_BACKPLANE_FRAME, TD_BACKPLANE_PRESENCE, TD_BACKPLANE_GROUPS,
    TD_BACKPLANE_REMINDER, TD_BACKPLANE_HELLO, TD_BACKPLANE_BYE, TD_BACKPLANE_RESYNC,
  };
  const char *bad[] = {
    "", "[]", "{}", "{\"kind\":\"mailbox\"}", "{\"kind\":\"nope\",\"node\":\"x\"}",
    "{\"kind\":\"groups\",\"node\":\"x\",\"group\":\"1\"}",
    "{\"kind\":\"mailbox\",\"node\":\"x\",\"mid\":1,\"id\":\"a\",\"from\":\"a\",\"to\":\"b\","
    "\"text\":\"t\",\"time\":1,\"users\":[1,2],\"seqs\":[1]}",
    "{\"kind\":\"presence\",\"node\":\"x\",\"login\":\"a\",\"status\":\"dancing\",\"time\":1,\"version\":1}",
    "{\"kind\":\"frame\",\"node\":\"x\",\"users\":[[[[[[[[[[1]]]]]]]]]],\"frame\":\"{}\"}",
  };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autoptr(TdBackplaneEvent) ev = td_backplane_event_new (kinds[k]);
      g_autoptr(TdBackplaneEvent) back = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *data = NULL;
      gint64 v;
      gsize len;

      switch (kinds[k])
        {
        case TD_BACKPLANE_MAILBOX:
          ev->message = td_message_new (42, 9, "c-1", "alice", "g:3", "héllo \"there\"\n", 1700000000000);
          v = 7; g_array_append_val (ev->users, v);
          v = 11; g_array_append_val (ev->seqs, v);
          v = 8; g_array_append_val (ev->users, v);
          v = 12; g_array_append_val (ev->seqs, v);
          break;
        case TD_BACKPLANE_FRAME:
          v = 5; g_array_append_val (ev->users, v);
          {
            static const char frame[] = "{\"type\":\"typing\",\"user\":\"a\"}";

            ev->frame = g_bytes_new_static (frame, sizeof frame - 1);
          }
          break;
        case TD_BACKPLANE_PRESENCE:
          ev->login = g_strdup ("wang.fang");
          ev->status = TD_PRESENCE_AWAY;
          ev->time_ms = 1700000000123;
          ev->version = 1700000000123456;
          break;
        case TD_BACKPLANE_GROUPS:
        case TD_BACKPLANE_REMINDER:
          ev->id = 99;
          break;
        default:
          break;
        }
      data = td_backplane_event_encode (ev, "node:1", &len);
      g_assert_cmpuint (strlen (data), ==, len);
      back = td_backplane_event_decode (data, len, &error);
      g_assert_no_error (error);
      g_assert_cmpint (back->kind, ==, kinds[k]);
      g_assert_cmpstr (back->node, ==, "node:1");
      g_assert_cmpuint (back->users->len, ==, ev->users->len);
      for (guint i = 0; i < ev->users->len; i++)
        g_assert_cmpint (g_array_index (back->users, gint64, i), ==, g_array_index (ev->users, gint64, i));
      g_assert_cmpuint (back->seqs->len, ==, ev->seqs->len);
      for (guint i = 0; i < ev->seqs->len; i++)
        g_assert_cmpint (g_array_index (back->seqs, gint64, i), ==, g_array_index (ev->seqs, gint64, i));
      g_assert_cmpint (back->id, ==, ev->id);
      if (ev->message != NULL)
        {
          g_assert_cmpint (td_message_get_mid (back->message), ==, 42);
          g_assert_cmpstr (td_message_get_id (back->message), ==, "c-1");
          g_assert_cmpstr (td_message_get_from (back->message), ==, "alice");
          g_assert_cmpstr (td_message_get_to (back->message), ==, "g:3");
          g_assert_cmpstr (td_message_get_text (back->message), ==, "héllo \"there\"\n");
          g_assert_cmpint (td_message_get_time (back->message), ==, 1700000000000);
        }
      if (ev->frame != NULL)
        g_assert_true (g_bytes_equal (back->frame, ev->frame));
      g_assert_cmpstr (back->login, ==, ev->login);
      g_assert_cmpint (back->status, ==, ev->status);
      g_assert_cmpint (back->time_ms, ==, ev->time_ms);
      g_assert_cmpint (back->version, ==, ev->version);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TdBackplaneEvent) ev = td_backplane_event_decode (bad[i], strlen (bad[i]), &error);

      g_assert_null (ev);
      g_assert_nonnull (error);
    }
}

static gboolean
everyone_sees_everyone (gpointer data)
{
  for (guint i = 0; i < cl->clients->len; i++)
    for (guint j = 0; j < cl->clients->len; j++)
      {
        Client *a = g_ptr_array_index (cl->clients, i);
        Client *b = g_ptr_array_index (cl->clients, j);

        if (seen (a, b->login) != TD_PRESENCE_ONLINE)
          return FALSE;
      }
  return TRUE;
}

typedef struct {
  gint64 rid;
} RidWait;

static gboolean
everyone_has_rid (gpointer data)
{
  RidWait *w = data;

  for (guint i = 0; i < cl->clients->len; i++)
    if (!g_hash_table_contains (((Client *) g_ptr_array_index (cl->clients, i))->rids, &w->rid))
      return FALSE;
  return TRUE;
}

static gboolean
counter_positive (gpointer data)
{
  return *(guint *) data > 0;
}

static void
test_messages (void)
{
  /* Spread: node a: alice, carol; b: bob, dave; c: wang.fang, admin. */
  const char *logins[] = { "alice", "bob", "wang.fang", "carol", "dave", "admin" };
  Client *alice, *bob, *admin;
  g_autofree char *group = NULL;
  g_autoptr(TdFrame) announce = NULL;
  RidWait rw = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (logins); i++)
    client_new (logins[i], i % N_NODES);
  alice = client_get ("alice");
  bob = client_get ("bob");
  admin = client_get ("admin");

  /* Those who logged in first learn of the later ones through events. */
  g_assert_true (wait_for (everyone_sees_everyone, NULL, 20000));

  /* 1:1 in every direction between nodes. */
  for (int round = 0; round < 20; round++)
    for (guint i = 0; i < cl->clients->len; i++)
      {
        Client *from = g_ptr_array_index (cl->clients, i);
        Client *to = g_ptr_array_index (cl->clients, (i + 1 + round) % cl->clients->len);
        TdMessage *m;

        if (from == to)
          continue;
        m = send_msg (from, to->login);
        expect_mid (to, td_message_get_mid (m), 10000);
      }
  print_latencies ("1:1 across nodes");

  /* The department group (alice a, bob b, admin c). */
  g_assert_cmpint (alice->dept_group, >, 0);
  g_assert_cmpint (alice->dept_group, ==, bob->dept_group);
  g_assert_cmpint (alice->dept_group, ==, admin->dept_group);
  group = g_strdup_printf ("g:%" G_GINT64_FORMAT, alice->dept_group);
  for (int i = 0; i < 20; i++)
    {
      Client *from = i % 3 == 0 ? alice : i % 3 == 1 ? bob : admin;
      TdMessage *m = send_msg (from, group);

      expect_mid (alice, td_message_get_mid (m), 10000);
      expect_mid (bob, td_message_get_mid (m), 10000);
      expect_mid (admin, td_message_get_mid (m), 10000);
    }
  print_latencies ("department group across nodes");

  /* Typing and a read receipt from node b reach node a. */
  {
    g_autoptr(TdFrame) typing = td_frame_new_typing (NULL, "alice");
    gint64 mid = td_message_get_mid (send_msg (alice, "bob"));
    g_autoptr(TdFrame) read = td_frame_new_read ("alice", mid);

    expect_mid (bob, mid, 10000);
    td_test_ws_send_frame (bob->ws, typing);
    g_assert_true (wait_for (counter_positive, &alice->typing, 10000));
    td_test_ws_send_frame (bob->ws, read);
    g_assert_true (wait_for (counter_positive, &alice->receipts, 10000));
  }

  /* An ad-hoc group made on node a: bob on node b is told, and typing
   * into it from node b works (node b's group cache knows it). */
  {
    const char *members[] = { "bob", "wang.fang", NULL };
    g_autoptr(TdFrame) create = td_frame_new_group_create ("mkgroup", "cross", members);
    guint typing_before = alice->typing;

    td_test_ws_send_frame (alice->ws, create);
    g_assert_true (wait_for (counter_positive, &bob->group_frames, 10000));
    g_assert_true (wait_for (counter_positive, &client_get ("wang.fang")->group_frames, 10000));
    /* Node b rereads the group into its cache when told; until then a
     * typing relay may be refused, so it is tried again (bounded). */
    {
      g_autofree char *addr = g_strdup_printf ("g:%" G_GINT64_FORMAT, bob->last_group);
      g_autoptr(TdFrame) t = td_frame_new_typing (NULL, addr);
      gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

      g_assert_cmpint (bob->last_group, >, 0);
      bob->tolerate_errors = TRUE;
      while (alice->typing == typing_before && g_get_monotonic_time () < deadline)
        {
          td_test_ws_send_frame (bob->ws, t);
          pump (1100);
        }
      bob->tolerate_errors = FALSE;
      g_assert_cmpuint (alice->typing, >, typing_before);
    }
  }

  /* A broadcast announcement from node c reaches everyone on all nodes. */
  announce = td_frame_new_announce ("ann", "Cluster drill", "now", NULL, NULL, TD_PRIORITY_NORMAL);
  td_test_ws_send_frame (admin->ws, announce);
  {
    /* The admin's own reminder_status answer names the rid. */
    g_autoptr(TdFrame) f = NULL;
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (rw.rid == 0 && g_get_monotonic_time () < deadline)
      {
        g_autofree char *text = td_test_ws_recv (admin->ws, 200);
        g_autoptr(GError) error = NULL;

        if (text == NULL)
          continue;
        f = td_frame_decode (text, strlen (text), TD_PROTO_MAX_SERVER_FRAME, NULL, &error);
        g_assert_no_error (error);
        if (g_strcmp0 (td_frame_get_req (f), "ann") == 0)
          rw.rid = td_frame_get_rid (f);
        else
          handle (admin, text);
        g_clear_pointer (&f, td_frame_unref);
      }
    g_assert_cmpint (rw.rid, >, 0);
  }
  g_assert_true (wait_for (everyone_has_rid, &rw, 15000));

  for (guint i = 0; i < cl->clients->len; i++)
    {
      Client *c = g_ptr_array_index (cl->clients, i);

      check_ledger (c);
      check_sender_order (c);
    }
}

static void
test_presence (void)
{
  Client *alice = client_get ("alice");    /* node a */
  Client *bob = client_get ("bob");        /* node b */
  Client *wang = client_get ("wang.fang"); /* node c */
  g_autoptr(TdFrame) away = td_frame_new_status (TD_PRESENCE_AWAY);
  g_autoptr(TdFrame) online = td_frame_new_status (TD_PRESENCE_ONLINE);
  g_autoptr(TdTestWs) second = NULL;

  expect_presence (bob, "alice", TD_PRESENCE_ONLINE, 10000);
  td_test_ws_send_frame (alice->ws, away);
  expect_presence (bob, "alice", TD_PRESENCE_AWAY, 10000);
  expect_presence (wang, "alice", TD_PRESENCE_AWAY, 10000);
  td_test_ws_send_frame (alice->ws, online);
  expect_presence (bob, "alice", TD_PRESENCE_ONLINE, 10000);

  /* bob also on node c: closing his node-b connection keeps him online
   * for everyone; closing the other makes him offline everywhere. */
  second = td_test_ws_connect (cl->nodes[2]->ws_url);
  {
    g_autoptr(GPtrArray) backlog = td_test_ws_login (second, "bob", "dev-bob-2");
  }
  pump (300);
  g_clear_pointer (&bob->ws, td_test_ws_free);
  pump (1500);
  g_assert_cmpint (seen (alice, "bob"), ==, TD_PRESENCE_ONLINE);
  g_assert_cmpint (seen (wang, "bob"), ==, TD_PRESENCE_ONLINE);
  g_clear_pointer (&second, td_test_ws_free);
  expect_presence (alice, "bob", TD_PRESENCE_OFFLINE, 10000);
  expect_presence (wang, "bob", TD_PRESENCE_OFFLINE, 10000);

  client_connect (bob, 1);
  expect_presence (alice, "bob", TD_PRESENCE_ONLINE, 10000);
  expect_presence (wang, "bob", TD_PRESENCE_ONLINE, 10000);
}

static void
test_concurrent_group (void)
{
  Client *senders[] = { client_get ("alice"), client_get ("bob"), client_get ("admin") };
  g_autofree char *group = g_strdup_printf ("g:%" G_GINT64_FORMAT, senders[0]->dept_group);
  g_autoptr(GPtrArray) reqs = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) orders = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  const guint per_sender = 60;
  g_autoptr(GHashTable) ours = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  /* Pipelined, in windows of 10 per sender: the three nodes commit into
   * the same three mailboxes at the same time. */
  for (guint w = 0; w < per_sender / 10; w++)
    {
      g_autoptr(GPtrArray) window = g_ptr_array_new ();

      for (guint i = 0; i < 10; i++)
        for (guint s = 0; s < G_N_ELEMENTS (senders); s++)
          {
            char *req = send_async (senders[s], group);

            g_ptr_array_add (reqs, req);
            g_ptr_array_add (window, senders[s]);
            g_ptr_array_add (window, req);
          }
      for (guint i = 0; i < window->len; i += 2)
        {
          SentWait sw = { g_ptr_array_index (window, i), g_ptr_array_index (window, i + 1) };

          if (!wait_for (has_sent, &sw, 20000))
            g_error ("no sent for %s", sw.req);
        }
    }
  for (guint i = 0; i < reqs->len; i++)
    for (guint s = 0; s < G_N_ELEMENTS (senders); s++)
      {
        TdMessage *m = g_hash_table_lookup (senders[s]->sent_reqs, g_ptr_array_index (reqs, i));

        if (m != NULL)
          g_hash_table_add (ours, g_memdup2 (&(gint64) { td_message_get_mid (m) }, sizeof (gint64)));
      }

  /* Every member has every message, gap-free, and all three mailboxes
   * hold the group's messages in the same order. */
  for (guint s = 0; s < G_N_ELEMENTS (senders); s++)
    {
      Client *c = senders[s];
      GArray *order = g_array_new (FALSE, FALSE, sizeof (gint64));

      for (guint i = 0; i < reqs->len; i++)
        for (guint t = 0; t < G_N_ELEMENTS (senders); t++)
          {
            TdMessage *m = g_hash_table_lookup (senders[t]->sent_reqs, g_ptr_array_index (reqs, i));

            if (m != NULL)
              expect_mid (c, td_message_get_mid (m), 20000);
          }
      check_ledger (c);
      check_sender_order (c);
      for (gint64 seq = 1; seq <= c->contig; seq++)
        {
          TdMessage *m = g_hash_table_lookup (c->ledger, &seq);
          gint64 mid = td_message_get_mid (m);

          /* mids are not in commit order across nodes: select by set. */
          if (g_hash_table_contains (ours, &mid))
            g_array_append_val (order, mid);
        }
      g_assert_cmpuint (order->len, ==, reqs->len);
      g_ptr_array_add (orders, order);
    }
  for (guint s = 1; s < orders->len; s++)
    {
      GArray *a = g_ptr_array_index (orders, 0);
      GArray *b = g_ptr_array_index (orders, s);

      g_assert_cmpmem (a->data, a->len * sizeof (gint64), b->data, b->len * sizeof (gint64));
    }
  g_test_message ("concurrent group: %u messages from 3 nodes, same order in 3 mailboxes", reqs->len);
}

static void
test_node_death (void)
{
  Client *alice = client_get ("alice");     /* node a */
  Client *bob = client_get ("bob");         /* node b */
  Client *wang = client_get ("wang.fang");  /* node c */
  Client *admin = client_get ("admin");     /* node c */
  g_autoptr(GArray) mids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 killed, noticed;

  /* Make sure wang and admin acked what they have (cursor is stored). */
  pump (500);
  td_test_server_kill (cl->nodes[2]);
  killed = g_get_monotonic_time ();
  g_clear_pointer (&wang->ws, td_test_ws_free);
  g_clear_pointer (&admin->ws, td_test_ws_free);

  expect_presence (alice, "wang.fang", TD_PRESENCE_OFFLINE, 30000);
  noticed = g_get_monotonic_time ();
  expect_presence (bob, "admin", TD_PRESENCE_OFFLINE, 30000);
  expect_presence (alice, "admin", TD_PRESENCE_OFFLINE, 30000);
  g_test_message ("node death noticed after %.1f s", (noticed - killed) / 1e6);

  /* Messages while they are away are kept for them. */
  for (int i = 0; i < 10; i++)
    {
      gint64 mid = td_message_get_mid (send_msg (i % 2 ? alice : bob, i % 2 ? "wang.fang" : "admin"));

      g_array_append_val (mids, mid);
    }

  /* Back on other nodes, from their cursors. */
  client_connect (wang, 0);
  client_connect (admin, 1);
  expect_presence (bob, "wang.fang", TD_PRESENCE_ONLINE, 10000);
  expect_presence (alice, "admin", TD_PRESENCE_ONLINE, 10000);
  for (guint i = 0; i < mids->len; i++)
    expect_mid (i % 2 ? wang : admin, g_array_index (mids, gint64, i), 10000);
  for (guint i = 0; i < cl->clients->len; i++)
    {
      check_ledger (g_ptr_array_index (cl->clients, i));
      check_sender_order (g_ptr_array_index (cl->clients, i));
    }

  /* Node c comes back (same store, same node id) for the next part. */
  td_test_server_start (cl->nodes[2]);
}

static void
test_redis_outage (void)
{
  Client *alice = client_get ("alice");      /* node a */
  Client *bob = client_get ("bob");          /* node b */
  Client *carol = client_get ("carol");      /* node a */
  Client *dave = client_get ("dave");        /* node b */
  Client *wang = client_get ("wang.fang");   /* node a since the death */
  Client *admin = client_get ("admin");      /* node b since the death */
  g_autofree char *group = g_strdup_printf ("g:%" G_GINT64_FORMAT, alice->dept_group);
  struct { Client *from; const char *to; Client *rcpt; } lanes[] = {
    { alice, "bob", bob }, { dave, "carol", carol }, { bob, "wang.fang", wang },
    { admin, "alice", alice }, { carol, "admin", admin },
  };
  g_autoptr(GPtrArray) pending = g_ptr_array_new ();  /* Client*, gint64 mid pairs */
  g_autoptr(GArray) pending_mids = g_array_new (FALSE, FALSE, sizeof (gint64));
  guint during = 0, early = 0, outage_first = 0, outage_last = 0;
  gint64 phase_end;

  /* Steady load: before, during and after a Redis outage. */
  for (int phase = 0; phase < 3; phase++)
    {
      if (phase == 1)
        {
          td_test_redis_stop (cl->redis);
          outage_first = pending->len;
        }
      if (phase == 2)
        td_test_redis_restart (cl->redis);
      phase_end = g_get_monotonic_time () + (phase == 1 ? 6 : 3) * G_USEC_PER_SEC;
      for (guint n = 0; g_get_monotonic_time () < phase_end; n++)
        {
          guint l = n % G_N_ELEMENTS (lanes);
          TdMessage *m = send_msg (lanes[l].from, lanes[l].to);
          gint64 mid = td_message_get_mid (m);

          g_ptr_array_add (pending, lanes[l].rcpt);
          g_array_append_val (pending_mids, mid);
          if (phase == 1)
            during++;
          if (n % 7 == 0)
            {
              /* And a group message now and then. */
              TdMessage *g = send_msg (lanes[l].from == alice ? bob : alice, group);

              mid = td_message_get_mid (g);
              g_ptr_array_add (pending, alice);
              g_array_append_val (pending_mids, mid);
              g_ptr_array_add (pending, bob);
              g_array_append_val (pending_mids, mid);
              g_ptr_array_add (pending, admin);
              g_array_append_val (pending_mids, mid);
            }
          pump (50);
        }
      if (phase == 1)
        outage_last = pending->len;
      if (phase == 1)
        for (guint i = outage_first; i < outage_last; i++)
          if (has_mid (g_ptr_array_index (pending, i), g_array_index (pending_mids, gint64, i)))
            early++;
    }

  /* Everything arrives once the nodes are back on Redis. */
  for (guint i = 0; i < pending->len; i++)
    expect_mid (g_ptr_array_index (pending, i), g_array_index (pending_mids, gint64, i), 60000);
  g_test_message ("redis outage: %u messages sent during it (%u deliveries); %u of those had "
                  "arrived before Redis came back (same-node ones)", during,
                  outage_last - outage_first, early);
  /* Cross-node deliveries really waited for Redis (and the catch-up). */
  g_assert_cmpuint (early, <, outage_last - outage_first);
  for (guint i = 0; i < cl->clients->len; i++)
    {
      gint64 n = check_ledger (g_ptr_array_index (cl->clients, i));

      check_sender_order (g_ptr_array_index (cl->clients, i));
      g_test_message ("%s: mailbox 1..%" G_GINT64_FORMAT " complete",
                      ((Client *) g_ptr_array_index (cl->clients, i))->login, n);
    }

  /* Presence works again: away on node b reaches node a. */
  {
    g_autoptr(TdFrame) away = td_frame_new_status (TD_PRESENCE_AWAY);

    td_test_ws_send_frame (dave->ws, away);
    expect_presence (carol, "dave", TD_PRESENCE_AWAY, 20000);
  }
  print_latencies ("under load with an outage (delayed ones included)");
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cluster/event-encoding", test_event_encoding);
  /* The cases below share one cluster and run in this order. */
  g_test_add_func ("/cluster/messages", test_messages);
  g_test_add_func ("/cluster/presence", test_presence);
  g_test_add_func ("/cluster/concurrent-group", test_concurrent_group);
  g_test_add_func ("/cluster/node-death", test_node_death);
  g_test_add_func ("/cluster/redis-outage", test_redis_outage);
  cluster_setup ();
  status = g_test_run ();
  cluster_teardown ();
  return status;
}
