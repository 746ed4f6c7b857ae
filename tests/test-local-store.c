/* test-local-store.c - the client cache's batched commits: received
 * messages reach the file in one transaction per main-loop burst, before
 * anything at the acknowledgement's priority runs, and a crash before the
 * commit loses only the uncommitted ones. */
#define G_LOG_DOMAIN "test-local-store"

#include <unistd.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "td-local-store.h"

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp ("test-local-store-XXXXXX", &error);
  g_assert_no_error (error);
  fx->path = g_build_filename (fx->dir, "cache.db", NULL);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
fixture_tear_down (Fixture *fx, gconstpointer data)
{
  remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->path);
}

static TdMessage *
message_from_peer (gint64 mid)
{
  g_autofree char *id = g_strdup_printf ("m%" G_GINT64_FORMAT, mid);

  return td_message_new (mid, mid, id, "alice", "me", "hello", 1700000000000 + mid);
}

/* What another process would find in the file: a separate connection
 * sees committed rows only. */
static int
count_in_file (const char *path, const char *table)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM %s", table);
  int count = -1;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    count = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return count;
}

static gboolean
has_message_in_file (const char *path, const char *id)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gboolean found;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT 1 FROM messages WHERE id = ?", -1, &stmt, NULL), ==,
                   SQLITE_OK);
  sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
  found = sqlite3_step (stmt) == SQLITE_ROW;
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return found;
}

/* Runs the default context until @flag is set (bounded). */
static void
iterate_until (gboolean *flag)
{
  for (int i = 0; i < 1000 && !*flag; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_true (*flag);
}

typedef struct {
  const char *path;
  int         seen;
  gboolean    ran;
} AckProbe;

/* Stands for the connection's ack idle. */
static gboolean
ack_probe_cb (gpointer user_data)
{
  AckProbe *probe = user_data;

  probe->seen = count_in_file (probe->path, "messages");
  probe->ran = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_commit_before_ack (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdLocalStore) store = td_local_store_open (fx->path, &error);
  AckProbe probe = { fx->path, -1, FALSE };

  g_assert_no_error (error);
  for (gint64 mid = 1; mid <= 3; mid++)
    {
      g_autoptr(TdMessage) message = message_from_peer (mid);

      g_assert_true (td_local_store_add_message (store, message, "me"));
    }
  /* Visible to the writer at once (the window reads its own cache)... */
  {
    g_autoptr(GPtrArray) rows = td_local_store_load_messages (store, "alice", "me", 0, 10);

    g_assert_cmpuint (rows->len, ==, 3);
  }
  /* ...but not yet in the file: one burst, one commit. */
  g_assert_true (td_local_store_has_pending (store));
  g_assert_cmpint (count_in_file (fx->path, "messages"), ==, 0);

  /* The acknowledgement is an idle at G_PRIORITY_DEFAULT_IDLE scheduled
   * after the messages: the commit must come first. */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, ack_probe_cb, &probe, NULL);
  iterate_until (&probe.ran);
  g_assert_cmpint (probe.seen, ==, 3);
  g_assert_false (td_local_store_has_pending (store));

  /* A later burst opens a new batch. */
  {
    g_autoptr(TdMessage) message = message_from_peer (4);

    g_assert_true (td_local_store_add_message (store, message, "me"));
  }
  g_assert_true (td_local_store_has_pending (store));
  probe.ran = FALSE;
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, ack_probe_cb, &probe, NULL);
  iterate_until (&probe.ran);
  g_assert_cmpint (probe.seen, ==, 4);
}

static void
test_duplicate_in_batch (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdLocalStore) store = td_local_store_open (fx->path, &error);
  g_autoptr(TdMessage) message = message_from_peer (7);

  g_assert_no_error (error);
  g_assert_true (td_local_store_add_message (store, message, "me"));
  /* Resent backlog within the same batch is still recognised. */
  g_assert_false (td_local_store_add_message (store, message, "me"));
  td_local_store_flush (store);
  g_assert_false (td_local_store_has_pending (store));
  g_assert_cmpint (count_in_file (fx->path, "messages"), ==, 1);
  /* And after the commit. */
  g_assert_false (td_local_store_add_message (store, message, "me"));
}

static void
test_queue_commits_batch (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdLocalStore) store = td_local_store_open (fx->path, &error);
  g_autoptr(TdMessage) received = message_from_peer (1);
  g_autoptr(TdChatMessage) own = td_chat_message_new_outgoing ("o1", "me", "alice", "hi", 1700000000500);

  g_assert_no_error (error);
  g_assert_true (td_local_store_add_message (store, received, "me"));
  td_local_store_set_unread (store, "alice", 1);
  /* The outbox must be on disk when queue returns, batch open or not. */
  g_assert_true (td_local_store_queue (store, own, &error));
  g_assert_no_error (error);
  g_assert_false (td_local_store_has_pending (store));
  g_assert_cmpint (count_in_file (fx->path, "outbox"), ==, 1);
  g_assert_cmpint (count_in_file (fx->path, "messages"), ==, 2);
  g_assert_cmpint (count_in_file (fx->path, "unread"), ==, 1);
}

static void
test_free_flushes (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  TdLocalStore *store = td_local_store_open (fx->path, &error);
  g_autoptr(TdMessage) message = message_from_peer (1);

  g_assert_no_error (error);
  g_assert_true (td_local_store_add_message (store, message, "me"));
  td_local_store_free (store);
  g_assert_cmpint (count_in_file (fx->path, "messages"), ==, 1);
  /* No commit idle may outlive the store. */
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* The child stores m1, lets the idle commit it, stores m2 and dies
 * without flushing, as a crash would. */
static void
crash_child (const char *path)
{
  g_autoptr(GError) error = NULL;
  TdLocalStore *store = td_local_store_open (path, &error);
  g_autoptr(TdMessage) first = message_from_peer (1);
  g_autoptr(TdMessage) second = message_from_peer (2);
  AckProbe probe = { path, -1, FALSE };

  g_assert_no_error (error);
  g_assert_true (td_local_store_add_message (store, first, "me"));
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, ack_probe_cb, &probe, NULL);
  iterate_until (&probe.ran);
  g_assert_cmpint (probe.seen, ==, 1);
  g_assert_true (td_local_store_add_message (store, second, "me"));
  g_assert_true (td_local_store_has_pending (store));
  _exit (0);
}

/* One query gives every non-zero unread count, and only those. */
static void
test_load_unread (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdLocalStore) store = td_local_store_open (fx->path, &error);
  g_autoptr(GHashTable) counts = NULL;

  g_assert_no_error (error);
  td_local_store_set_unread (store, "bob", 3);
  td_local_store_set_unread (store, "g:7", 12);
  td_local_store_set_unread (store, "carol", 2);
  td_local_store_set_unread (store, "carol", 0);
  counts = td_local_store_load_unread (store);
  g_assert_cmpuint (g_hash_table_size (counts), ==, 2);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "bob")), ==, 3);
  g_assert_cmpuint (GPOINTER_TO_UINT (g_hash_table_lookup (counts, "g:7")), ==, 12);
  g_assert_false (g_hash_table_contains (counts, "carol"));
  g_assert_cmpuint (td_local_store_get_unread (store, "bob"), ==, 3);
}

static void
test_crash_before_commit (Fixture *fx, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdLocalStore) store = NULL;
  g_autoptr(GPtrArray) rows = NULL;

  if (g_test_subprocess ())
    {
      g_rmdir (fx->dir);  /* the child's own fixture: no tear-down after _exit */
      crash_child (g_getenv ("TD_TEST_CACHE"));
      return;
    }
  g_setenv ("TD_TEST_CACHE", fx->path, TRUE);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_unsetenv ("TD_TEST_CACHE");
  g_test_trap_assert_passed ();

  /* The committed (and so possibly acknowledged) message survived; the
   * uncommitted one, never acknowledged, is gone and the server will
   * deliver it again. */
  g_assert_true (has_message_in_file (fx->path, "m1"));
  g_assert_false (has_message_in_file (fx->path, "m2"));
  store = td_local_store_open (fx->path, &error);
  g_assert_no_error (error);
  rows = td_local_store_load_messages (store, "alice", "me", 0, 10);
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (td_chat_message_get_id (rows->pdata[0]), ==, "m1");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/local-store/commit-before-ack", Fixture, NULL, fixture_set_up, test_commit_before_ack,
              fixture_tear_down);
  g_test_add ("/local-store/duplicate-in-batch", Fixture, NULL, fixture_set_up, test_duplicate_in_batch,
              fixture_tear_down);
  g_test_add ("/local-store/queue-commits-batch", Fixture, NULL, fixture_set_up, test_queue_commits_batch,
              fixture_tear_down);
  g_test_add ("/local-store/free-flushes", Fixture, NULL, fixture_set_up, test_free_flushes,
              fixture_tear_down);
  g_test_add ("/local-store/load-unread", Fixture, NULL, fixture_set_up, test_load_unread,
              fixture_tear_down);
  g_test_add ("/local-store/crash-before-commit", Fixture, NULL, fixture_set_up, test_crash_before_commit,
              fixture_tear_down);
  return g_test_run ();
}
