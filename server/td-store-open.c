/* td-store-open.c - picks the TdStore backend for a store URL.  Apart from
 * td-store.c so that code needing only the interface (the directory fuzz
 * target, for one) does not pull in SQLite and libpq. */
#define G_LOG_DOMAIN "td-store"

#include "td-store.h"
#include "td-sqlite-store.h"
#include "td-pg-store.h"

static gboolean
is_pg_url (const char *store_url)
{
  return g_str_has_prefix (store_url, "postgresql://") ||
         g_str_has_prefix (store_url, "postgres://");
}

TdStore *
td_store_open (const char *store_url,
               const char *data_dir,
               GError    **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (store_url == NULL || *store_url == '\0')
    {
      g_return_val_if_fail (data_dir != NULL, NULL);
      return TD_STORE (td_sqlite_store_new (data_dir, error));
    }

  if (!is_pg_url (store_url))
    {
      g_autofree char *shown = td_store_url_redact (store_url);

      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                   "unsupported store %s: expected postgresql://…", shown);
      return NULL;
    }

  return TD_STORE (td_pg_store_new (store_url, error));
}

const char *
td_store_kind (TdStore *self)
{
  g_return_val_if_fail (TD_IS_STORE (self), NULL);

  return TD_IS_PG_STORE (self) ? "postgresql" : "sqlite";
}
