/* td-store-worker-private.h - test hooks of TdStoreWorker. */
#pragma once

#include "td-store-worker.h"

G_BEGIN_DECLS

/* Number of batches (transactions) the worker has finished, committed or
 * failed.  Lets tests check that jobs queued together share a COMMIT. */
guint _td_store_worker_get_n_batches (TdStoreWorker *self);
/* Cursors written by the worker (entries, not flushes). */
guint _td_store_worker_get_n_cursors_written (TdStoreWorker *self);
/* Cursors waiting to be written. */
guint _td_store_worker_get_n_cursors_pending (TdStoreWorker *self);

G_END_DECLS
