/* td-pg-store-private.h - what the files of TdPgStore share
 * (td-pg-store.c: connection, schema, transactions, directory, tokens,
 * 1:1 messages, cursors; td-pg-store-groups.c: groups, group messages,
 * read marks; td-pg-store-integrations.c: reminders, API keys, webhooks).
 */
#pragma once

#include <libpq-fe.h>
#include "td-pg-store.h"
#include "td-store-private.h"

G_BEGIN_DECLS

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

#define TD_PG_MAX_PARAMS 16

/* Parameters of one statement, all sent as text except bytea (binary).
 * Integers are formatted into the struct itself, so it must live until
 * the statement ran. */
typedef struct {
  int         n;
  const char *values[TD_PG_MAX_PARAMS];
  int         lengths[TD_PG_MAX_PARAMS];
  int         formats[TD_PG_MAX_PARAMS];
  char        ints[TD_PG_MAX_PARAMS][24];
} TdPgParams;

void        _td_pg_int   (TdPgParams *params, gint64 value);
/* NULL is SQL NULL. */
void        _td_pg_text  (TdPgParams *params, const char *text);
void        _td_pg_bytes (TdPgParams *params, const guint8 *data, gsize len);
/* @ids as a bigint[] literal ("{1,2,3}"), to be freed by the caller after
 * the statement ran. */
char       *_td_pg_id_array (const gint64 *ids, guint n_ids);

/* Runs the statement *@sql (prepared on first use on this connection;
 * @sql must point into a static table: the address is the cache key).
 * Returns the result, or NULL with @error in TD_STORE_ERROR naming
 * @operation: EXISTS / NOT_FOUND / INVALID for constraint violations,
 * FAILED for everything else, "database unreachable: …" when the
 * connection is gone. */
/* Takes the advisory lock that serialises mailbox writers across nodes
 * (once per transaction; see td-pg-store.c). */
gboolean    _td_pg_store_lock_mailboxes (TdPgStore *self, const char *op, GError **error);
PGresult   *_td_pg_store_exec      (TdPgStore          *self,
                                    const char * const *sql,
                                    const char         *operation,
                                    const TdPgParams   *params,
                                    GError            **error);
/* Runs a statement whose first row's column 0 is an integer: -1 on
 * error, @missing without a row. */
gint64      _td_pg_store_query_int (TdPgStore          *self,
                                    const char * const *sql,
                                    const char         *operation,
                                    const TdPgParams   *params,
                                    gint64              missing,
                                    GError            **error);
/* Number of rows a command touched (INSERT/UPDATE/DELETE). */
guint       _td_pg_changes         (PGresult *res);

/* Column values; NULL reads as 0 / NULL. */
gint64      _td_pg_get_int  (const PGresult *res, int row, int column);
const char *_td_pg_get_text (const PGresult *res, int row, int column);
char       *_td_pg_dup      (const PGresult *res, int row, int column);

gint64      _td_pg_now_ms   (void);

/* Messages: the columns every message query selects after the mailbox
 * seq (0 for history), and how a row becomes a TdMessage. */
#define TD_PG_MESSAGE_COLUMNS \
  "m.mid, m.client_id, s.login," \
  " CASE WHEN m.group_id IS NULL THEN r.login ELSE 'g:' || m.group_id END," \
  " m.text, m.time" \
  "  FROM messages m" \
  "  JOIN users s ON s.id = m.sender_id" \
  "  LEFT JOIN users r ON r.id = m.recipient_id "

GPtrArray  *_td_pg_collect_messages (PGresult *res);
char       *_td_pg_store_lookup_login  (TdPgStore *self, gint64 id, GError **error);
char       *_td_pg_store_enabled_login (TdPgStore *self, gint64 id, GError **error);
char       *_td_pg_store_user_role     (TdPgStore *self, gint64 id, GError **error);
/* TRUE if user @id exists; FALSE with NOT_FOUND if not, or another error. */
gboolean    _td_pg_store_user_exists   (TdPgStore *self, gint64 id, GError **error);

/* td-pg-store-groups.c */
void     _td_pg_store_groups_iface_init       (TdStoreInterface *iface);
gboolean _td_pg_store_add_department_group    (TdPgStore  *self,
                                               gint64      department_id,
                                               const char *name,
                                               GError    **error);
gboolean _td_pg_store_forget_user_groups      (TdPgStore  *self,
                                               gint64      user_id,
                                               GError    **error);

/* td-pg-store-integrations.c */
void     _td_pg_store_integrations_iface_init (TdStoreInterface *iface);

G_END_DECLS
