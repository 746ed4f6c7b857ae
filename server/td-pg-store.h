/* td-pg-store.h - TdStore on PostgreSQL (libpq).
 *
 * One synchronous connection per store object, used by one thread at a
 * time (the store worker in tidingsd).  Several processes -- tidingsd nodes
 * and tidingsctl -- may share one database: per-user sequence numbers stay
 * gap-free because they come from a counter row raised inside the
 * writing transaction, and schema migrations run under an advisory lock.
 * synchronous_commit is left on, so a COMMIT that returned is durable.
 * A lost connection fails the running transaction with
 * TD_STORE_ERROR_FAILED ("database unreachable: …"); the next
 * td_store_begin() reconnects.
 */
#pragma once

#include "td-store.h"

G_BEGIN_DECLS

#define TD_TYPE_PG_STORE (td_pg_store_get_type ())
G_DECLARE_FINAL_TYPE (TdPgStore, td_pg_store, TD, PG_STORE, GObject)

/* Connects to @url (a libpq URI or keyword/value string) and brings the
 * schema up to date.  Fails with TD_STORE_ERROR_FAILED naming the server
 * (never the password) and libpq's reason, or TD_STORE_ERROR_VERSION if
 * the schema was written by a newer Tidings. */
TdPgStore  *td_pg_store_new     (const char *url,
                                 GError    **error);
/* The URL with its password hidden, for logs. */
const char *td_pg_store_get_url (TdPgStore  *self);

G_END_DECLS
