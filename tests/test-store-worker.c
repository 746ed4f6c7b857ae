/* test-store-worker.c - TdStoreWorker on a real SQLite store: every job
 * reported once and in order, group commit, failing jobs isolated by
 * savepoints, failed BEGIN / COMMIT / full disk reported to the jobs, and
 * stop() finishing what was queued.
 *
 * Batches are made deterministic with a "gate" job that holds the worker
 * thread until the test has queued everything else: the jobs behind it
 * then form batches of exactly MAX_BATCH (256) or fewer.
 *
 * `test-store-worker --bench` (not run by meson) prints the durable
 * throughput of 20,000 add_message jobs.
 */
#define G_LOG_DOMAIN "test-store-worker"

#include <string.h>
#include <glib/gstdio.h>

#include "td-sqlite-store-private.h"
#include "td-store-worker-private.h"
#include "td-test-util.h"

#define WAIT_MS 60000

typedef struct _Fixture Fixture;

/* What the test saw of one job. */
typedef struct {
  Fixture  *f;
  guint     index;           /* queue order */
  guint     n_calls;         /* of done */
  gboolean  job_data_freed;
  GError   *error;           /* copy of the reported error */
  gint64    mid;
  gint64    sender_seq;
  gint64    recipient_seq;
} Slot;

typedef struct {
  GMutex   mutex;
  GCond    cond;
  gboolean entered;
  gboolean opened;
} Gate;

struct _Fixture
{
  char          *dir;
  TdStore       *store;
  TdStoreWorker *worker;
  gint64         alice;
  gint64         bob;
  Gate           gate;
  Slot          *slots;
  guint          n_queued;
  guint          n_done;
  guint          n_results_freed;
  gboolean       all_done;
  guint          n_warnings;  /* atomic: td-store warnings seen */
  guint          log_handler;
};

typedef enum {
  JOB_SEND,
  JOB_GATE,
  JOB_SQL,
} JobKind;

typedef struct {
  Slot    *slot;
  JobKind  kind;
  gint64   from;
  gint64   to;
  char    *id;
  char    *text;
  char    *sql;
} JobData;

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

      remove_tree (child);
    }
  g_rmdir (path);
}

static gint64
add_user (TdStore *store, const char *login)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStoreUser) user = NULL;

  g_assert_true (td_store_begin (store, &error));
  g_assert_true (td_store_put_user (store, login, login, NULL, NULL, NULL, TRUE, &error));
  g_assert_true (td_store_commit (store, &error));
  g_assert_no_error (error);
  user = td_store_get_user (store, login, &error);
  g_assert_no_error (error);
  return user->id;
}

/* ---- jobs ---- */

static void
gate_wait (Gate *gate)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;

  g_mutex_lock (&gate->mutex);
  gate->entered = TRUE;
  g_cond_broadcast (&gate->cond);
  while (!gate->opened && g_cond_wait_until (&gate->cond, &gate->mutex, deadline))
    ;
  g_mutex_unlock (&gate->mutex);
}

/* Main thread: waits until the worker is inside the gate job. */
static void
gate_wait_entered (Gate *gate)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;

  g_mutex_lock (&gate->mutex);
  while (!gate->entered && g_cond_wait_until (&gate->cond, &gate->mutex, deadline))
    ;
  g_assert_true (gate->entered);
  g_mutex_unlock (&gate->mutex);
}

static void
gate_open (Gate *gate)
{
  g_mutex_lock (&gate->mutex);
  gate->opened = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->mutex);
}

static void
send_result_free (gpointer data)
{
  td_store_send_result_clear (data);
  g_free (data);
}

static gpointer
job_func (TdStore *store, gpointer data, GError **error)
{
  JobData *job = data;

  switch (job->kind)
    {
    case JOB_SEND:
      {
        g_autofree TdStoreSendResult *result = g_new0 (TdStoreSendResult, 1);

        if (!td_store_add_message (store, job->from, job->to, job->id, job->text, 1000,
                                   result, error))
          return NULL;
        return g_steal_pointer (&result);
      }

    case JOB_GATE:
      gate_wait (&job->slot->f->gate);
      return NULL;

    case JOB_SQL:
      {
        sqlite3 *db = _td_sqlite_store_get_handle (TD_SQLITE_STORE (store));

        if (sqlite3_exec (db, job->sql, NULL, NULL, NULL) != SQLITE_OK)
          g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED, "%s", sqlite3_errmsg (db));
        return NULL;
      }

    default:
      g_assert_not_reached ();
    }
}

static void
job_data_free (gpointer data)
{
  JobData *job = data;

  /* Freed after done ran, never before. */
  g_assert_cmpuint (job->slot->n_calls, ==, 1);
  job->slot->job_data_freed = TRUE;
  g_free (job->id);
  g_free (job->text);
  g_free (job->sql);
  g_free (job);
}

/* result_free gets only the result, so the count goes to the fixture of
 * the running test. */
static Fixture *current_fixture;

static void
result_free_cb (gpointer data)
{
  current_fixture->n_results_freed++;
  send_result_free (data);
}

static void
done_cb (gpointer result, const GError *error, gpointer user_data)
{
  Slot *slot = user_data;
  Fixture *f = slot->f;

  slot->n_calls++;
  g_assert_cmpuint (slot->n_calls, ==, 1);
  g_assert_false (slot->job_data_freed);
  /* Reported in queue order. */
  g_assert_cmpuint (slot->index, ==, f->n_done);

  if (error != NULL)
    {
      g_assert_null (result);
      slot->error = g_error_copy (error);
    }
  else if (result != NULL)
    {
      TdStoreSendResult *sent = result;

      slot->mid = td_message_get_mid (sent->sender_copy);
      slot->sender_seq = td_message_get_seq (sent->sender_copy);
      slot->recipient_seq = td_message_get_seq (sent->recipient_copy);
    }

  f->n_done++;
  if (f->n_done == f->n_queued)
    f->all_done = TRUE;
}

static void
queue_job (Fixture *f, JobData *job)
{
  Slot *slot = &f->slots[f->n_queued];

  slot->f = f;
  slot->index = f->n_queued++;
  job->slot = slot;
  f->all_done = FALSE;
  td_store_worker_run (f->worker, job_func, job, job_data_free,
                       job->kind == JOB_SEND ? result_free_cb : NULL, done_cb, slot);
}

static Slot *
queue_send (Fixture *f, gint64 from, gint64 to, const char *id, const char *text)
{
  JobData *job = g_new0 (JobData, 1);

  job->kind = JOB_SEND;
  job->from = from;
  job->to = to;
  job->id = g_strdup (id);
  job->text = g_strdup (text);
  queue_job (f, job);
  return job->slot;
}

static Slot *
queue_sql (Fixture *f, const char *sql)
{
  JobData *job = g_new0 (JobData, 1);

  job->kind = JOB_SQL;
  job->sql = g_strdup (sql);
  queue_job (f, job);
  return job->slot;
}

/* Queues the gate job and waits until the worker thread is held in it. */
static void
queue_gate (Fixture *f)
{
  JobData *job = g_new0 (JobData, 1);

  f->gate.entered = FALSE;
  f->gate.opened = FALSE;
  job->kind = JOB_GATE;
  queue_job (f, job);
  gate_wait_entered (&f->gate);
}

static void
wait_all_done (Fixture *f)
{
  g_assert_true (td_test_wait_flag (&f->all_done, WAIT_MS));
  g_assert_cmpuint (td_store_worker_get_pending (f->worker), ==, 0);
}

static gint64
last_seq (Fixture *f, gint64 user_id)
{
  g_autoptr(GError) error = NULL;
  gint64 seq;

  /* Read through a second connection: the worker owns the first. */
  g_autoptr(TdSqliteStore) reader = td_sqlite_store_new (f->dir, &error);
  g_assert_no_error (error);
  seq = td_store_mailbox_last_seq (TD_STORE (reader), user_id, &error);
  g_assert_no_error (error);
  return seq;
}

static gint64
read_cursor (Fixture *f, gint64 user_id, const char *device)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdSqliteStore) reader = td_sqlite_store_new (f->dir, &error);
  gint64 seq;

  g_assert_no_error (error);
  seq = td_store_get_cursor (TD_STORE (reader), user_id, device, &error);
  g_assert_no_error (error);
  return seq;
}

/* The worker warns when the database fails.  GTest makes warnings fatal
 * and prints "Bail out!" for them even when a fatal handler lets them
 * through, so the store's warnings go to a handler of their own that
 * counts them, and every test asserts how many it expected. */
static void
count_warnings_cb (const char     *log_domain,
                   GLogLevelFlags  log_level,
                   const char     *message,
                   gpointer        user_data)
{
  Fixture *f = user_data;

  g_atomic_int_inc (&f->n_warnings);
  if (g_test_verbose ())
    g_printerr ("# counted warning: %s\n", message);
}

static gboolean
store_warnings_not_fatal_cb (const char     *log_domain,
                             GLogLevelFlags  log_level,
                             const char     *message,
                             gpointer        user_data)
{
  return g_strcmp0 (log_domain, "td-store") != 0;
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("td-store-worker-XXXXXX", &error);
  g_assert_no_error (error);
  f->store = TD_STORE (td_sqlite_store_new (f->dir, &error));
  g_assert_no_error (error);
  f->alice = add_user (f->store, "alice");
  f->bob = add_user (f->store, "bob");
  g_mutex_init (&f->gate.mutex);
  g_cond_init (&f->gate.cond);
  f->slots = g_new0 (Slot, 4096);
  current_fixture = f;
  f->log_handler = g_log_set_handler ("td-store", G_LOG_LEVEL_WARNING | G_LOG_FLAG_FATAL,
                                      count_warnings_cb, f);
  g_test_log_set_fatal_handler (store_warnings_not_fatal_cb, NULL);
  f->worker = td_store_worker_new (f->store);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->worker);
  g_clear_object (&f->store);
  for (guint i = 0; i < f->n_queued; i++)
    g_clear_error (&f->slots[i].error);
  g_free (f->slots);
  g_mutex_clear (&f->gate.mutex);
  g_cond_clear (&f->gate.cond);
  g_test_log_set_fatal_handler (NULL, NULL);
  g_log_remove_handler ("td-store", f->log_handler);
  current_fixture = NULL;
  remove_tree (f->dir);
  g_free (f->dir);
}

/* ---- tests ---- */

/* Acks are not jobs: many cursor updates become one write per (user,
 * device), with the highest seq, in the transaction of the batch that
 * runs when they are flushed. */
static void
test_cursors_coalesced (Fixture *f, gconstpointer data)
{
  queue_gate (f);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("c%u", i);

      queue_send (f, f->bob, f->alice, id, "hello");
    }
  td_store_worker_set_cursor (f->worker, f->alice, "laptop", 1);
  td_store_worker_set_cursor (f->worker, f->alice, "laptop", 3);
  td_store_worker_set_cursor (f->worker, f->alice, "laptop", 2);
  td_store_worker_set_cursor (f->worker, f->bob, "phone", 2);
  g_assert_cmpuint (_td_store_worker_get_n_cursors_pending (f->worker), ==, 2);
  td_store_worker_flush_cursors (f->worker);
  /* Five sends, the gate and the flush. */
  g_assert_cmpuint (td_store_worker_get_pending (f->worker), ==, 7);
  gate_open (&f->gate);
  wait_all_done (f);

  g_assert_cmpuint (_td_store_worker_get_n_cursors_written (f->worker), ==, 2);
  g_assert_cmpuint (_td_store_worker_get_n_cursors_pending (f->worker), ==, 0);
  /* The gate's batch, then the sends and the cursors in one. */
  g_assert_cmpuint (_td_store_worker_get_n_batches (f->worker), ==, 2);
  g_assert_cmpint (read_cursor (f, f->alice, "laptop"), ==, 3);
  g_assert_cmpint (read_cursor (f, f->bob, "phone"), ==, 2);
  g_assert_cmpuint (g_atomic_int_get (&f->n_warnings), ==, 0);
}

/* Without a flush, cursors are written by themselves after the delay,
 * even when no other job comes. */
static void
test_cursors_deadline (Fixture *f, gconstpointer data)
{
  queue_send (f, f->bob, f->alice, "d1", "hello");
  queue_send (f, f->bob, f->alice, "d2", "hello");
  wait_all_done (f);

  td_store_worker_set_cursor (f->worker, f->alice, "tablet", 2);
  for (guint i = 0; i < WAIT_MS / 10; i++)
    {
      if (_td_store_worker_get_n_cursors_written (f->worker) > 0)
        break;
      g_usleep (10000);
    }
  g_assert_cmpuint (_td_store_worker_get_n_cursors_written (f->worker), ==, 1);
  g_assert_cmpint (read_cursor (f, f->alice, "tablet"), ==, 2);
  /* Lowering is ignored by the table as by the store. */
  td_store_worker_set_cursor (f->worker, f->alice, "tablet", 1);
  td_store_worker_flush_cursors (f->worker);
  td_store_worker_stop (f->worker);
  g_assert_cmpint (read_cursor (f, f->alice, "tablet"), ==, 2);
  g_assert_cmpuint (g_atomic_int_get (&f->n_warnings), ==, 0);
}

/* stop() writes what is pending: an ack before shutdown is not lost. */
static void
test_cursors_at_stop (Fixture *f, gconstpointer data)
{
  queue_send (f, f->alice, f->bob, "s1", "hello");
  wait_all_done (f);
  td_store_worker_set_cursor (f->worker, f->bob, "desk", 1);
  td_store_worker_stop (f->worker);
  g_assert_cmpuint (_td_store_worker_get_n_cursors_written (f->worker), ==, 1);
  g_assert_cmpint (read_cursor (f, f->bob, "desk"), ==, 1);
  /* After stop, nothing is taken any more. */
  td_store_worker_set_cursor (f->worker, f->bob, "desk", 5);
  g_assert_cmpuint (_td_store_worker_get_n_cursors_pending (f->worker), ==, 0);
}

static void
test_many_jobs (Fixture *f, gconstpointer data)
{
  const guint n = 2000;

  queue_gate (f);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("m%u", i);

      queue_send (f, i % 2 ? f->alice : f->bob, i % 2 ? f->bob : f->alice, id, "hello");
    }
  g_assert_cmpuint (td_store_worker_get_pending (f->worker), ==, n + 1);
  gate_open (&f->gate);
  wait_all_done (f);

  for (guint i = 1; i <= n; i++)
    {
      Slot *slot = &f->slots[i];

      g_assert_no_error (slot->error);
      g_assert_cmpuint (slot->n_calls, ==, 1);
      g_assert_true (slot->job_data_freed);
      /* Every message is in both mailboxes: the i-th is seq i in each. */
      g_assert_cmpint (slot->sender_seq, ==, i);
      g_assert_cmpint (slot->recipient_seq, ==, i);
      g_assert_cmpint (slot->mid, >, f->slots[i - 1].mid);
    }
  g_assert_cmpuint (f->n_results_freed, ==, n);

  /* The gate's batch, then the 2000 in batches of at most 256. */
  g_assert_cmpuint (_td_store_worker_get_n_batches (f->worker), ==, 1 + (n + 255) / 256);
  g_assert_cmpint (last_seq (f, f->alice), ==, n);
  g_assert_cmpint (last_seq (f, f->bob), ==, n);
  g_assert_cmpuint (g_atomic_int_get (&f->n_warnings), ==, 0);
}

static void
test_failing_job_isolated (Fixture *f, gconstpointer data)
{
  queue_gate (f);
  queue_send (f, f->alice, f->bob, "a", "one");            /* 1 */
  queue_send (f, f->alice, f->bob, "b", "two");            /* 2 */
  queue_send (f, f->alice, f->bob, "a", "changed");        /* 3: conflict with 1 */
  queue_send (f, f->bob, f->alice, "a", "three");          /* 4 */
  queue_send (f, f->alice, 424242, "c", "nobody");         /* 5: unknown recipient */
  queue_send (f, f->alice, f->bob, "a", "one");            /* 6: duplicate of 1 */
  gate_open (&f->gate);
  wait_all_done (f);

  g_assert_cmpuint (_td_store_worker_get_n_batches (f->worker), ==, 2);
  g_assert_no_error (f->slots[1].error);
  g_assert_no_error (f->slots[2].error);
  g_assert_error (f->slots[3].error, TD_STORE_ERROR, TD_STORE_ERROR_CONFLICT);
  g_assert_no_error (f->slots[4].error);
  g_assert_error (f->slots[5].error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND);
  g_assert_no_error (f->slots[6].error);
  g_assert_cmpint (f->slots[6].mid, ==, f->slots[1].mid);
  g_assert_cmpint (f->slots[4].sender_seq, ==, 3);

  /* Three messages committed, gap-free, nothing of the failed jobs. */
  g_assert_cmpint (last_seq (f, f->alice), ==, 3);
  g_assert_cmpint (last_seq (f, f->bob), ==, 3);
  g_assert_cmpuint (g_atomic_int_get (&f->n_warnings), ==, 0);
}

static void
test_stop_runs_pending (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  Slot *late;

  queue_gate (f);
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *id = g_strdup_printf ("s%u", i);

      queue_send (f, f->alice, f->bob, id, "before shutdown");
    }
  gate_open (&f->gate);

  /* No main loop iteration: stop itself runs and reports everything. */
  td_store_worker_stop (f->worker);
  g_assert_true (f->all_done);
  g_assert_cmpuint (f->n_done, ==, 301);
  g_assert_cmpuint (td_store_worker_get_pending (f->worker), ==, 0);
  for (guint i = 1; i <= 300; i++)
    {
      g_assert_no_error (f->slots[i].error);
      g_assert_true (f->slots[i].job_data_freed);
    }
  g_assert_cmpint (last_seq (f, f->bob), ==, 300);

  td_store_worker_stop (f->worker);  /* idempotent */

  /* A job queued after stop is reported as failed, not lost. */
  late = queue_send (f, f->alice, f->bob, "late", "too late");
  wait_all_done (f);
  g_assert_error (late->error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
  g_assert_true (late->job_data_freed);
  g_assert_cmpint (last_seq (f, f->bob), ==, 300);
}

static void
test_dispose_without_stop (Fixture *f, gconstpointer data)
{
  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *id = g_strdup_printf ("d%u", i);

      queue_send (f, f->bob, f->alice, id, "x");
    }

  /* Dropping the last reference finishes and reports the queued jobs. */
  g_clear_object (&f->worker);
  g_assert_true (f->all_done);
  g_assert_cmpint (last_seq (f, f->alice), ==, 50);
}

/* A job that makes COMMIT fail: a foreign key violation deferred to the
 * end of the transaction.  Every job of that batch, including those whose
 * own work succeeded, must be reported as failed, and nothing of the batch
 * may be on disk. */
static void
test_commit_failure (Fixture *f, gconstpointer data)
{
  queue_gate (f);
  queue_send (f, f->alice, f->bob, "a", "one");
  queue_send (f, f->alice, f->bob, "b", "two");
  queue_sql (f, "PRAGMA defer_foreign_keys = ON;"
                "INSERT INTO tokens (hash, user_id, device, created, expires)"
                " VALUES (x'00', 424242, 'd', 0, 0)");
  queue_send (f, f->bob, f->alice, "c", "three");
  gate_open (&f->gate);
  wait_all_done (f);

  g_assert_cmpuint (_td_store_worker_get_n_batches (f->worker), ==, 2);
  for (guint i = 1; i <= 4; i++)
    {
      g_assert_error (f->slots[i].error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
      g_assert_cmpint (f->slots[i].mid, ==, 0);
    }
  g_assert_cmpuint (f->n_results_freed, ==, 3);
  g_assert_cmpuint (g_atomic_int_get (&f->n_warnings), ==, 1);
  g_assert_cmpint (last_seq (f, f->alice), ==, 0);
  g_assert_cmpint (last_seq (f, f->bob), ==, 0);

  /* The worker keeps serving: the same messages go through now. */
  queue_send (f, f->alice, f->bob, "a", "one");
  queue_send (f, f->alice, f->bob, "b", "two");
  wait_all_done (f);
  g_assert_no_error (f->slots[5].error);
  g_assert_no_error (f->slots[6].error);
  g_assert_cmpint (f->slots[6].sender_seq, ==, 2);
  g_assert_cmpint (last_seq (f, f->bob), ==, 2);
}

/* BEGIN IMMEDIATE fails while another connection (tidingsctl) holds the
 * write lock longer than the busy timeout (shortened to 0 here). */
static void
test_begin_failure (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (f->dir, "tidings.db", NULL);
  sqlite3 *other = NULL;
  guint batches_before;

  queue_sql (f, "PRAGMA busy_timeout = 0");
  wait_all_done (f);
  g_assert_no_error (f->slots[0].error);

  g_assert_cmpint (sqlite3_open (path, &other), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (other, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);

  batches_before = _td_store_worker_get_n_batches (f->worker);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("b%u", i);

      queue_send (f, f->alice, f->bob, id, "blocked");
    }
  wait_all_done (f);

  for (guint i = 1; i <= 5; i++)
    g_assert_error (f->slots[i].error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
  /* One warning per failed batch, however the jobs were grouped. */
  g_assert_cmpuint (g_atomic_int_get (&f->n_warnings), >=, 1);
  g_assert_cmpuint (g_atomic_int_get (&f->n_warnings), ==,
                    _td_store_worker_get_n_batches (f->worker) - batches_before);

  /* Once the lock is gone, the next batch works. */
  g_assert_cmpint (sqlite3_exec (other, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (other);
  queue_send (f, f->alice, f->bob, "b0", "blocked");
  wait_all_done (f);
  g_assert_no_error (f->slots[6].error);
  g_assert_cmpint (f->slots[6].sender_seq, ==, 1);
}

/* A full disk, simulated with max_page_count.  SQLite abandons the whole
 * transaction on SQLITE_FULL here, so the batch fails: every job reports
 * FAILED naming the full disk, one warning, and once space is back the
 * worker carries on. */
static void
test_disk_full (Fixture *f, gconstpointer data)
{
  g_autofree char *big = g_strnfill (12000, 'x');
  guint first;

  queue_gate (f);
  queue_sql (f, "PRAGMA max_page_count = 1");  /* clamps to the current size */
  first = f->n_queued;
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *id = g_strdup_printf ("f%u", i);

      queue_send (f, f->alice, f->bob, id, big);
    }
  gate_open (&f->gate);
  wait_all_done (f);

  for (guint i = first; i < first + 10; i++)
    {
      g_assert_error (f->slots[i].error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED);
      g_assert_nonnull (strstr (f->slots[i].error->message, "full"));
    }
  g_assert_cmpuint (g_atomic_int_get (&f->n_warnings), ==, 1);
  g_assert_cmpint (last_seq (f, f->bob), ==, 0);

  queue_sql (f, "PRAGMA max_page_count = 1073741823");
  queue_send (f, f->alice, f->bob, "f0", big);
  wait_all_done (f);
  g_assert_no_error (f->slots[f->n_queued - 1].error);
  g_assert_cmpint (f->slots[f->n_queued - 1].sender_seq, ==, 1);
  g_assert_cmpint (last_seq (f, f->bob), ==, 1);
}

/* ---- benchmark ---- */

static gboolean bench_done;
static guint bench_remaining;

static void
bench_done_cb (gpointer result, const GError *error, gpointer user_data)
{
  g_assert_no_error (error);
  if (--bench_remaining == 0)
    bench_done = TRUE;
}

static gpointer
bench_job_func (TdStore *store, gpointer data, GError **error)
{
  JobData *job = data;
  g_autofree TdStoreSendResult *result = g_new0 (TdStoreSendResult, 1);

  if (!td_store_add_message (store, job->from, job->to, job->id, job->text,
                             g_get_real_time () / 1000, result, error))
    return NULL;
  return g_steal_pointer (&result);
}

static void
bench_job_free (gpointer data)
{
  JobData *job = data;

  g_free (job->id);
  g_free (job->text);
  g_free (job);
}

static int
run_bench (void)
{
  const guint n_messages = 20000, n_users = 50;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("td-store-bench-XXXXXX", &error);
  g_autoptr(TdSqliteStore) store = NULL;
  g_autoptr(TdStoreWorker) worker = NULL;
  gint64 ids[50];
  gint64 start, elapsed;

  g_assert_no_error (error);
  store = td_sqlite_store_new (dir, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n_users; i++)
    {
      g_autofree char *login = g_strdup_printf ("user%u", i);

      ids[i] = add_user (TD_STORE (store), login);
    }
  worker = td_store_worker_new (TD_STORE (store));

  bench_remaining = n_messages;
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n_messages; i++)
    {
      JobData *job = g_new0 (JobData, 1);

      job->from = ids[i % n_users];
      job->to = ids[(i * 7 + 1) % n_users];
      job->id = g_strdup_printf ("bench-%u", i);
      job->text = g_strdup ("A typical short chat message of about sixty bytes, say.");
      td_store_worker_run (worker, bench_job_func, job, bench_job_free, send_result_free,
                           bench_done_cb, NULL);
    }
  g_assert_true (td_test_wait_flag (&bench_done, 600000));
  elapsed = g_get_monotonic_time () - start;

  g_print ("%u add_message jobs (WAL, synchronous=FULL) in %.3f s: %.0f messages/s, "
           "%u transactions\n", n_messages, elapsed / 1e6, n_messages / (elapsed / 1e6),
           _td_store_worker_get_n_batches (worker));

  td_store_worker_stop (worker);
  g_clear_object (&worker);
  g_clear_object (&store);
  remove_tree (dir);
  return 0;
}

int
main (int argc, char *argv[])
{
  for (int i = 1; i < argc; i++)
    if (g_str_equal (argv[i], "--bench"))
      return run_bench ();

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/store-worker/many-jobs", test_many_jobs);
  ADD ("/store-worker/failing-job-isolated", test_failing_job_isolated);
  ADD ("/store-worker/stop-runs-pending", test_stop_runs_pending);
  ADD ("/store-worker/dispose-without-stop", test_dispose_without_stop);
  ADD ("/store-worker/commit-failure", test_commit_failure);
  ADD ("/store-worker/begin-failure", test_begin_failure);
  ADD ("/store-worker/disk-full", test_disk_full);
  ADD ("/store-worker/cursors-coalesced", test_cursors_coalesced);
  ADD ("/store-worker/cursors-deadline", test_cursors_deadline);
  ADD ("/store-worker/cursors-at-stop", test_cursors_at_stop);

#undef ADD

  return g_test_run ();
}
