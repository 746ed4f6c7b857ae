/* td-store-worker.c - runs store jobs on one thread, with group commit.
 *
 * The thread waits for a job, then takes every job already queued (up to
 * MAX_BATCH) and runs them in one transaction, each inside its own
 * savepoint.  Only after COMMIT returned are the results handed to the
 * main context, all of a batch through one idle source: a client is never
 * told that a message is stored before it is on disk, and under load one
 * fsync serves hundreds of messages.
 *
 * Delivery cursors (acks) bypass the queue: td_store_worker_set_cursor()
 * only records the highest seq per (user, device), and a cursor job made
 * by the thread writes all of them at most CURSOR_DELAY after the first,
 * riding in the batch that runs then (or a batch of its own when the
 * worker has nothing else to do).  One ack used to be one job, and at a
 * low message rate one transaction and fsync of its own.
 */
#define G_LOG_DOMAIN "td-store"

#include "td-metrics.h"
#include "td-store-worker-private.h"

#define MAX_BATCH 256

typedef struct {
  TdStoreJobFunc  func;
  gpointer        job_data;
  GDestroyNotify  job_data_free;
  GDestroyNotify  result_free;
  TdStoreJobDone  done;
  gpointer        user_data;
  gint64          queued_us;      /* monotonic: for the job latency metric */
  /* set on the worker thread */
  gpointer        result;
  GError         *error;
} Job;

/* Finished batches on their way to the main context.  It is shared
 * (atomic ref count) between the worker and the idle sources that deliver
 * it, so a source that fires after the worker was finalised finds an empty
 * outbox instead of a dangling pointer. */
typedef struct {
  GMutex        mutex;
  GQueue        batches;         /* GPtrArray of Job*, under mutex */
  gboolean      source_pending;  /* under mutex */
  GMainContext *context;
  gint          pending;         /* atomic: jobs queued and not yet reported */
} Outbox;

/* One pending cursor; the hash table's key and value. */
typedef struct {
  gint64  user_id;
  char   *device;
  gint64  seq;
} Cursor;

struct _TdStoreWorker
{
  GObject      parent_instance;

  TdStore     *store;
  GThread     *thread;
  GAsyncQueue *queue;       /* Job*, &stop_marker or &wake_marker */
  Outbox      *outbox;
  gboolean     stopped;     /* main thread only */
  guint        n_batches;   /* atomic */

  GMutex       cursor_mutex;
  GHashTable  *cursors;         /* Cursor* set, under cursor_mutex */
  gint64       cursor_deadline; /* monotonic µs to write them by, 0 = none; under cursor_mutex */
  guint        n_cursors_written; /* atomic */
};

/* What a cursor job took out of the table, to put back if its batch
 * fails. */
typedef struct {
  TdStoreWorker *worker;   /* not a reference: only used on the thread */
  GPtrArray     *taken;    /* Cursor* */
} CursorJob;

G_DEFINE_FINAL_TYPE (TdStoreWorker, td_store_worker, G_TYPE_OBJECT)

/* Queued by td_store_worker_stop(): the thread exits after the jobs in
 * front of it. */
static char stop_marker;
/* Queued when the first cursor of a round is set: the thread, maybe asleep
 * in an untimed pop, recomputes its timeout. */
static char wake_marker;

static void
job_free (Job *job)
{
  if (job->result != NULL && job->result_free != NULL)
    job->result_free (job->result);
  if (job->job_data_free != NULL)
    job->job_data_free (job->job_data);
  g_clear_error (&job->error);
  g_free (job);
}

/* ---- outbox (main context side) ---- */

static void
outbox_clear (gpointer data)
{
  Outbox *outbox = data;

  /* Only reached after td_store_worker_stop() drained it, unless the main
   * context stopped running with late results in it. */
  g_queue_clear_full (&outbox->batches, (GDestroyNotify) g_ptr_array_unref);
  g_clear_pointer (&outbox->context, g_main_context_unref);
  g_mutex_clear (&outbox->mutex);
}

static void
outbox_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, outbox_clear);
}

static void
deliver_batch (Outbox *outbox, GPtrArray *batch)
{
  for (guint i = 0; i < batch->len; i++)
    {
      Job *job = g_ptr_array_index (batch, i);

      g_atomic_int_add (&outbox->pending, -1);
      td_metrics_observe (TD_METRIC_STORE_JOB_SECONDS,
                          (double) (g_get_monotonic_time () - job->queued_us) / G_USEC_PER_SEC);
      if (job->done != NULL)
        job->done (job->error == NULL ? job->result : NULL, job->error, job->user_data);
    }
}

/* Delivers every batch in the outbox, on the calling (main) thread. */
static void
outbox_drain (Outbox *outbox)
{
  for (;;)
    {
      g_autoptr(GPtrArray) batch = NULL;

      g_mutex_lock (&outbox->mutex);
      batch = g_queue_pop_head (&outbox->batches);
      g_mutex_unlock (&outbox->mutex);

      if (batch == NULL)
        return;
      deliver_batch (outbox, batch);
    }
}

static gboolean
outbox_dispatch_cb (gpointer data)
{
  Outbox *outbox = data;

  /* Cleared before draining: a batch posted from now on schedules a
   * source of its own (which may then find it already delivered). */
  g_mutex_lock (&outbox->mutex);
  outbox->source_pending = FALSE;
  g_mutex_unlock (&outbox->mutex);

  outbox_drain (outbox);
  return G_SOURCE_REMOVE;
}

/* Called from the worker thread (or from td_store_worker_run() after
 * stop).  An explicit idle source rather than g_main_context_invoke(),
 * which would run the callback right here if the main context happened
 * to be free. */
static void
outbox_post (Outbox *outbox, GPtrArray *batch)
{
  gboolean schedule;

  g_mutex_lock (&outbox->mutex);
  g_queue_push_tail (&outbox->batches, batch);
  schedule = !outbox->source_pending;
  outbox->source_pending = TRUE;
  g_mutex_unlock (&outbox->mutex);

  if (schedule)
    {
      g_autoptr(GSource) source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, outbox_dispatch_cb,
                             g_atomic_rc_box_acquire (outbox), outbox_unref);
      g_source_set_static_name (source, "[tidings] store results");
      g_source_attach (source, outbox->context);
    }
}

/* ---- cursors ---- */

static void
cursor_free (gpointer data)
{
  Cursor *cursor = data;

  g_free (cursor->device);
  g_free (cursor);
}

static guint
cursor_hash (gconstpointer key)
{
  const Cursor *cursor = key;

  return g_str_hash (cursor->device) ^ g_int64_hash (&cursor->user_id);
}

static gboolean
cursor_equal (gconstpointer a, gconstpointer b)
{
  const Cursor *ca = a;
  const Cursor *cb = b;

  return ca->user_id == cb->user_id && g_str_equal (ca->device, cb->device);
}

/* Under cursor_mutex.  Takes @cursor.  Returns TRUE if the table was
 * empty, i.e. a new round (and deadline) starts. */
static gboolean
merge_cursor_locked (TdStoreWorker *self, Cursor *cursor)
{
  Cursor *old = g_hash_table_lookup (self->cursors, cursor);
  gboolean first = g_hash_table_size (self->cursors) == 0;

  if (old != NULL)
    {
      old->seq = MAX (old->seq, cursor->seq);
      cursor_free (cursor);
      return FALSE;
    }
  g_hash_table_add (self->cursors, cursor);
  if (first && self->cursor_deadline == 0)
    {
      self->cursor_deadline = g_get_monotonic_time () +
                              TD_STORE_WORKER_CURSOR_DELAY_MS * G_TIME_SPAN_MILLISECOND;
      return TRUE;
    }
  return FALSE;
}

static void
cursor_job_free (gpointer data)
{
  CursorJob *job = data;

  g_clear_pointer (&job->taken, g_ptr_array_unref);
  g_free (job);
}

/* Worker thread, inside the batch's transaction: takes every pending
 * cursor (those set after this point wait for the next round). */
static gpointer
cursor_job_run (TdStore *store, gpointer data, GError **error)
{
  CursorJob *job = data;
  TdStoreWorker *self = job->worker;
  g_autofree TdCursorUpdate *updates = NULL;
  GHashTableIter iter;
  gpointer key;
  guint n = 0;

  job->taken = g_ptr_array_new_with_free_func (cursor_free);
  g_mutex_lock (&self->cursor_mutex);
  g_hash_table_iter_init (&iter, self->cursors);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      g_hash_table_iter_steal (&iter);
      g_ptr_array_add (job->taken, key);
    }
  self->cursor_deadline = 0;
  g_mutex_unlock (&self->cursor_mutex);

  if (job->taken->len == 0)
    return job;

  updates = g_new (TdCursorUpdate, job->taken->len);
  for (guint i = 0; i < job->taken->len; i++)
    {
      Cursor *cursor = g_ptr_array_index (job->taken, i);

      updates[n].user_id = cursor->user_id;
      updates[n].device = cursor->device;
      updates[n].seq = cursor->seq;
      n++;
    }
  if (!td_store_set_cursors (store, updates, n, error))
    return NULL;
  return job;
}

static Job *
new_cursor_job (TdStoreWorker *self)
{
  Job *job = g_new0 (Job, 1);
  CursorJob *cursor_job = g_new0 (CursorJob, 1);

  cursor_job->worker = self;
  job->func = cursor_job_run;
  job->job_data = cursor_job;
  job->job_data_free = cursor_job_free;
  job->queued_us = g_get_monotonic_time ();
  return job;
}

/* Worker thread, after the batch: the cursors of a failed cursor job go
 * back into the table (unless newer ones came meanwhile) for the next
 * round. */
static void
settle_cursor_jobs (TdStoreWorker *self, GPtrArray *batch)
{
  for (guint i = 0; i < batch->len; i++)
    {
      Job *job = g_ptr_array_index (batch, i);
      CursorJob *cursor_job;

      if (job->func != cursor_job_run)
        continue;
      cursor_job = job->job_data;
      if (cursor_job->taken == NULL)
        continue;
      if (job->error == NULL)
        {
          g_atomic_int_add (&self->n_cursors_written, cursor_job->taken->len);
          continue;
        }
      g_mutex_lock (&self->cursor_mutex);
      while (cursor_job->taken->len > 0)
        merge_cursor_locked (self, g_ptr_array_steal_index_fast (cursor_job->taken, 0));
      g_mutex_unlock (&self->cursor_mutex);
    }
}

static gboolean
cursors_due (TdStoreWorker *self, gboolean stopping)
{
  gboolean due;

  g_mutex_lock (&self->cursor_mutex);
  due = g_hash_table_size (self->cursors) > 0 &&
        (stopping || g_get_monotonic_time () >= self->cursor_deadline);
  g_mutex_unlock (&self->cursor_mutex);
  return due;
}

/* Waits for the next queued item, but not past the cursor deadline:
 * NULL then. */
static gpointer
pop_item (TdStoreWorker *self)
{
  gint64 deadline;
  gint64 now;

  g_mutex_lock (&self->cursor_mutex);
  deadline = self->cursor_deadline;
  g_mutex_unlock (&self->cursor_mutex);

  if (deadline == 0)
    return g_async_queue_pop (self->queue);
  now = g_get_monotonic_time ();
  if (now >= deadline)
    return g_async_queue_try_pop (self->queue);
  return g_async_queue_timeout_pop (self->queue, deadline - now);
}

/* ---- worker thread ---- */

static void
run_batch (TdStoreWorker *self, GPtrArray *batch)
{
  g_autoptr(GError) batch_error = NULL;

  if (td_store_begin (self->store, &batch_error))
    {
      for (guint i = 0; i < batch->len; i++)
        {
          Job *job = g_ptr_array_index (batch, i);

          if (!td_store_savepoint (self->store, &batch_error))
            break;
          job->result = job->func (self->store, job->job_data, &job->error);
          if (job->error != NULL)
            td_store_rollback_to (self->store);
          if (!td_store_release (self->store, &batch_error))
            {
              /* SQLite gave up the whole transaction (full disk, I/O
               * error): the job's own error says why, not the RELEASE. */
              if (job->error != NULL)
                {
                  g_clear_error (&batch_error);
                  batch_error = g_error_copy (job->error);
                }
              break;
            }
        }

      if (batch_error == NULL)
        {
          gint64 commit_start = g_get_monotonic_time ();

          td_store_commit (self->store, &batch_error);
          td_metrics_observe (TD_METRIC_STORE_COMMIT_SECONDS,
                              (double) (g_get_monotonic_time () - commit_start) / G_USEC_PER_SEC);
        }
    }
  td_metrics_observe (TD_METRIC_STORE_BATCH_SIZE, batch->len);

  if (batch_error != NULL)
    {
      /* Nothing of this batch is on disk, whatever the jobs said. */
      td_store_rollback (self->store);
      td_metrics_inc (TD_METRIC_STORE_BATCHES_FAILED);
      g_warning ("Store transaction of %u job(s) failed, nothing was saved: %s",
                 batch->len, batch_error->message);
      for (guint i = 0; i < batch->len; i++)
        {
          Job *job = g_ptr_array_index (batch, i);

          g_clear_error (&job->error);
          job->error = g_error_new_literal (TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                                            batch_error->message);
        }
    }
  else
    {
      /* A full disk usually shows up in the jobs' own statements rather
       * than in COMMIT.  One warning per batch is enough. */
      for (guint i = 0; i < batch->len; i++)
        {
          Job *job = g_ptr_array_index (batch, i);

          if (g_error_matches (job->error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED))
            {
              g_warning ("Store job failed: %s", job->error->message);
              break;
            }
        }
    }

  g_atomic_int_inc (&self->n_batches);
}

static gpointer
worker_thread (gpointer data)
{
  TdStoreWorker *self = data;
  gboolean stopping = FALSE;

  while (!stopping)
    {
      g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
      gpointer item = pop_item (self);
      guint n_queued = 0;

      while (item != NULL)
        {
          if (item == &stop_marker)
            {
              stopping = TRUE;
              break;
            }
          if (item != &wake_marker)
            {
              g_ptr_array_add (batch, item);
              n_queued++;
              if (batch->len >= MAX_BATCH)
                break;
            }
          item = g_async_queue_try_pop (self->queue);
        }

      /* Due cursors ride in this batch's transaction; at stop every
       * pending one is written. */
      if (cursors_due (self, stopping))
        {
          g_atomic_int_inc (&self->outbox->pending);
          g_ptr_array_add (batch, new_cursor_job (self));
        }

      if (batch->len > 0)
        {
          td_metrics_add (TD_METRIC_STORE_QUEUE_LENGTH, -(gint64) n_queued);
          run_batch (self, batch);
          settle_cursor_jobs (self, batch);
          outbox_post (self->outbox, g_steal_pointer (&batch));
        }
    }

  return NULL;
}

/* ---- public API ---- */

TdStoreWorker *
td_store_worker_new (TdStore *store)
{
  TdStoreWorker *self;

  g_return_val_if_fail (TD_IS_STORE (store), NULL);

  self = g_object_new (TD_TYPE_STORE_WORKER, NULL);
  self->store = g_object_ref (store);
  self->outbox->context = g_main_context_ref_thread_default ();
  self->thread = g_thread_new ("td-store", worker_thread, self);

  return self;
}

void
td_store_worker_run (TdStoreWorker  *self,
                     TdStoreJobFunc  func,
                     gpointer        job_data,
                     GDestroyNotify  job_data_free,
                     GDestroyNotify  result_free,
                     TdStoreJobDone  done,
                     gpointer        user_data)
{
  Job *job;

  g_return_if_fail (TD_IS_STORE_WORKER (self));
  g_return_if_fail (func != NULL);

  job = g_new0 (Job, 1);
  job->func = func;
  job->job_data = job_data;
  job->job_data_free = job_data_free;
  job->result_free = result_free;
  job->done = done;
  job->user_data = user_data;
  job->queued_us = g_get_monotonic_time ();

  g_atomic_int_inc (&self->outbox->pending);

  if (self->stopped)
    {
      /* E.g. queued by a done callback during shutdown: report it like a
       * failed batch rather than dropping it silently. */
      GPtrArray *batch = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);

      job->error = g_error_new_literal (TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                                        "The store is shutting down");
      g_ptr_array_add (batch, job);
      outbox_post (self->outbox, batch);
      return;
    }

  td_metrics_inc (TD_METRIC_STORE_QUEUE_LENGTH);
  g_async_queue_push (self->queue, job);
}

void
td_store_worker_stop (TdStoreWorker *self)
{
  g_return_if_fail (TD_IS_STORE_WORKER (self));

  if (!self->stopped)
    {
      self->stopped = TRUE;
      g_async_queue_push (self->queue, &stop_marker);
      g_thread_join (g_steal_pointer (&self->thread));
    }

  /* Deliver here rather than by iterating the main context, which could
   * run unrelated sources in the middle of shutdown. */
  outbox_drain (self->outbox);
}

guint
td_store_worker_get_pending (TdStoreWorker *self)
{
  g_return_val_if_fail (TD_IS_STORE_WORKER (self), 0);

  return (guint) g_atomic_int_get (&self->outbox->pending);
}

void
td_store_worker_set_cursor (TdStoreWorker *self,
                            gint64         user_id,
                            const char    *device,
                            gint64         seq)
{
  Cursor *cursor;
  gboolean wake;

  g_return_if_fail (TD_IS_STORE_WORKER (self));
  g_return_if_fail (device != NULL);

  if (self->stopped)
    return;
  cursor = g_new (Cursor, 1);
  cursor->user_id = user_id;
  cursor->device = g_strdup (device);
  cursor->seq = seq;

  g_mutex_lock (&self->cursor_mutex);
  wake = merge_cursor_locked (self, cursor);
  g_mutex_unlock (&self->cursor_mutex);

  if (wake)
    g_async_queue_push (self->queue, &wake_marker);
}

void
td_store_worker_flush_cursors (TdStoreWorker *self)
{
  gboolean empty;

  g_return_if_fail (TD_IS_STORE_WORKER (self));

  if (self->stopped)
    return;
  /* Nothing waiting: cursors taken earlier are in a job queued before any
   * job queued now, which therefore sees them. */
  g_mutex_lock (&self->cursor_mutex);
  empty = g_hash_table_size (self->cursors) == 0;
  g_mutex_unlock (&self->cursor_mutex);
  if (empty)
    return;
  g_atomic_int_inc (&self->outbox->pending);
  /* Counted by the queue-length metric like any queued job. */
  td_metrics_inc (TD_METRIC_STORE_QUEUE_LENGTH);
  g_async_queue_push (self->queue, new_cursor_job (self));
}

guint
_td_store_worker_get_n_cursors_written (TdStoreWorker *self)
{
  g_return_val_if_fail (TD_IS_STORE_WORKER (self), 0);

  return g_atomic_int_get (&self->n_cursors_written);
}

guint
_td_store_worker_get_n_cursors_pending (TdStoreWorker *self)
{
  guint n;

  g_return_val_if_fail (TD_IS_STORE_WORKER (self), 0);

  g_mutex_lock (&self->cursor_mutex);
  n = g_hash_table_size (self->cursors);
  g_mutex_unlock (&self->cursor_mutex);
  return n;
}

guint
_td_store_worker_get_n_batches (TdStoreWorker *self)
{
  g_return_val_if_fail (TD_IS_STORE_WORKER (self), 0);

  return g_atomic_int_get (&self->n_batches);
}

static void
td_store_worker_dispose (GObject *object)
{
  TdStoreWorker *self = TD_STORE_WORKER (object);

  /* Finishes the queued jobs so that nothing acknowledged is lost. */
  if (self->thread != NULL)
    td_store_worker_stop (self);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (td_store_worker_parent_class)->dispose (object);
}

static void
td_store_worker_finalize (GObject *object)
{
  TdStoreWorker *self = TD_STORE_WORKER (object);

  g_async_queue_unref (self->queue);
  outbox_unref (self->outbox);
  g_hash_table_unref (self->cursors);
  g_mutex_clear (&self->cursor_mutex);

  G_OBJECT_CLASS (td_store_worker_parent_class)->finalize (object);
}

static void
td_store_worker_class_init (TdStoreWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_store_worker_dispose;
  object_class->finalize = td_store_worker_finalize;
}

static void
td_store_worker_init (TdStoreWorker *self)
{
  self->queue = g_async_queue_new ();
  g_mutex_init (&self->cursor_mutex);
  self->cursors = g_hash_table_new_full (cursor_hash, cursor_equal, cursor_free, NULL);
  self->outbox = g_atomic_rc_box_new0 (Outbox);
  g_mutex_init (&self->outbox->mutex);
  g_queue_init (&self->outbox->batches);
}
