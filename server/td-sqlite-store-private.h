/* td-sqlite-store-private.h - access to the SQLite connection for tests
 * (fault injection: simulated full disk, deferred constraint failures). */
#pragma once

#include <sqlite3.h>
#include "td-sqlite-store.h"

G_BEGIN_DECLS

/* The store's connection.  Only touch it from the thread that currently
 * owns the store (inside a worker job, or while no worker runs). */
sqlite3 *_td_sqlite_store_get_handle (TdSqliteStore *self);

G_END_DECLS
