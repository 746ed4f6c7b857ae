/* td-sqlite-store.h - TdStore on an embedded SQLite database.
 *
 * One file, DATA_DIR/tidings.db, in WAL mode with synchronous=FULL: a
 * COMMIT that returned is on disk.  tidingsd (through its store worker) and
 * tidingsctl may open the same file at once; writers serialise on
 * BEGIN IMMEDIATE and wait up to five seconds for each other.
 */
#pragma once

#include "td-store.h"

G_BEGIN_DECLS

#define TD_TYPE_SQLITE_STORE (td_sqlite_store_get_type ())
G_DECLARE_FINAL_TYPE (TdSqliteStore, td_sqlite_store, TD, SQLITE_STORE, GObject)

/* Creates @data_dir (mode 0700) if missing, opens or creates
 * @data_dir/tidings.db and brings its schema up to date.  Fails with
 * TD_STORE_ERROR_FAILED naming the path and the reason (not a directory,
 * not writable, not a database...) or TD_STORE_ERROR_VERSION if the file
 * was written by a newer Tidings. */
TdSqliteStore *td_sqlite_store_new      (const char    *data_dir,
                                         GError       **error);
/* Path of the database file. */
const char    *td_sqlite_store_get_path (TdSqliteStore *self);

G_END_DECLS
