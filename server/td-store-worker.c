/* td-store-worker.c - runs store jobs on one thread, with group commit.
 *
 * The thread waits for a job, then takes every job already queued (up to
 * MAX_BATCH) and runs them in one transaction, each inside its own
 * savepoint.  Only after COMMIT returned are the results handed to the
 * main context, all of a batch through one idle source: a client is never
 * told that a message is stored before it is on disk, and under load one
 * fsync serves hundreds of messages.
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

struct _TdStoreWorker
{
  GObject      parent_instance;

  TdStore     *store;
  GThread     *thread;
  GAsyncQueue *queue;       /* Job*, or &stop_marker */
  Outbox      *outbox;
  gboolean     stopped;     /* main thread only */
  guint        n_batches;   /* atomic */
};

G_DEFINE_FINAL_TYPE (TdStoreWorker, td_store_worker, G_TYPE_OBJECT)

/* Queued by td_store_worker_stop(): the thread exits after the jobs in
 * front of it. */
static char stop_marker;

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
      gpointer item = g_async_queue_pop (self->queue);

      while (item != NULL)
        {
          if (item == &stop_marker)
            {
              stopping = TRUE;
              break;
            }
          g_ptr_array_add (batch, item);
          if (batch->len >= MAX_BATCH)
            break;
          item = g_async_queue_try_pop (self->queue);
        }

      if (batch->len > 0)
        {
          td_metrics_add (TD_METRIC_STORE_QUEUE_LENGTH, -(gint64) batch->len);
          run_batch (self, batch);
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
  self->outbox = g_atomic_rc_box_new0 (Outbox);
  g_mutex_init (&self->outbox->mutex);
  g_queue_init (&self->outbox->batches);
}
