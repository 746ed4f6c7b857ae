/* td-store-worker.h - runs store jobs on one thread, with group commit.
 *
 * The main loop never touches the database.  It queues jobs; the worker
 * thread takes every job waiting (up to a batch limit), runs them inside
 * one transaction (each in its own savepoint, so one failing job does not
 * undo the others), commits once, and only then reports each job's result
 * back on the main context.  Under load many messages share one fsync; an
 * acknowledgement is never sent for a message that is not committed.
 */
#pragma once

#include "td-store.h"

G_BEGIN_DECLS

/* Runs on the worker thread inside the shared transaction.  Returns a result
 * (may be NULL) or sets @error; on error the job's savepoint is rolled back. */
typedef gpointer (*TdStoreJobFunc) (TdStore  *store,
                                    gpointer  job_data,
                                    GError  **error);
/* Runs on the main context after COMMIT (or after the batch failed, in which
 * case @result is NULL and @error says why: a failed commit reports
 * TD_STORE_ERROR_FAILED to every job of the batch).  Must not keep @error. */
typedef void     (*TdStoreJobDone) (gpointer      result,
                                    const GError *error,
                                    gpointer      user_data);

#define TD_TYPE_STORE_WORKER (td_store_worker_get_type ())
G_DECLARE_FINAL_TYPE (TdStoreWorker, td_store_worker, TD, STORE_WORKER, GObject)

/* Starts the thread.  Done callbacks are dispatched on the thread-default
 * main context of the caller. */
TdStoreWorker *td_store_worker_new  (TdStore *store);
/* Queues a job.  @job_data is freed with @job_data_free on the main context
 * after @done ran; @result with @result_free after @done returned. */
void           td_store_worker_run  (TdStoreWorker  *self,
                                     TdStoreJobFunc  func,
                                     gpointer        job_data,
                                     GDestroyNotify  job_data_free,
                                     GDestroyNotify  result_free,
                                     TdStoreJobDone  done,
                                     gpointer        user_data);
/* Runs every queued job, commits, joins the thread, and dispatches pending
 * done callbacks directly on the calling thread (other main-loop sources do
 * not run during shutdown).  Idempotent. */
void           td_store_worker_stop (TdStoreWorker *self);
/* Jobs queued and not yet reported. */
guint          td_store_worker_get_pending (TdStoreWorker *self);

/* Delivery cursors (acks) are not a job each: the worker keeps the highest
 * wanted seq per (user, device) and writes every one that changed in one
 * go (td_store_set_cursors), at most TD_STORE_WORKER_CURSOR_DELAY_MS after
 * the first unwritten one, inside whatever transaction runs then.  A
 * cursor lost in a crash only means those messages are delivered again,
 * which clients dedupe by seq. */
#define TD_STORE_WORKER_CURSOR_DELAY_MS 200
void           td_store_worker_set_cursor    (TdStoreWorker *self,
                                              gint64         user_id,
                                              const char    *device,
                                              gint64         seq);
/* Queues a job that writes every pending cursor: it is ordered like any
 * other job, so a job queued after it (a login reading the cursor, a
 * logout's reply) sees the cursors durable.  Called when a session closes
 * or logs out, and before a login (a new device starts at the user's
 * highest cursor); td_store_worker_stop() does the same.  Queues nothing
 * when no cursor waits. */
void           td_store_worker_flush_cursors (TdStoreWorker *self);

G_END_DECLS
