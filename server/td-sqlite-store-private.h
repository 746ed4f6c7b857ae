/* td-sqlite-store-private.h - what the files of TdSqliteStore share
 * (td-sqlite-store.c: connection, schema, directory, tokens, 1:1 messages;
 * td-sqlite-store-groups.c: groups, group messages, read marks;
 * td-sqlite-store-integrations.c: reminders, API keys, webhooks), and
 * access to the SQLite connection for tests (fault injection). */
#pragma once

#include <sqlite3.h>
#include "td-sqlite-store.h"
#include "td-store-private.h"

G_BEGIN_DECLS

/* The store's connection.  Only touch it from the thread that currently
 * owns the store (inside a worker job, or while no worker runs). */
sqlite3 *_td_sqlite_store_get_handle (TdSqliteStore *self);

/* A cached statement borrowed for one call: the g_autoptr cleanup resets
 * it (and clears its bindings), which also ends any read it holds open. */
typedef sqlite3_stmt TdStmt;

void _td_stmt_reset (TdStmt *stmt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdStmt, _td_stmt_reset)

/* Returns the statement for *@sql, prepared on first use and kept for the
 * life of the connection.  @sql must point into a static table: the
 * address is the cache key. */
TdStmt  *_td_sqlite_store_prepare   (TdSqliteStore      *self,
                                     const char * const *sql,
                                     const char         *operation,
                                     GError            **error);
/* Steps once; FALSE with @error on failure, else *@out_row (nullable)
 * says whether a row is available. */
gboolean _td_sqlite_store_step      (TdSqliteStore *self,
                                     TdStmt        *stmt,
                                     const char    *operation,
                                     gboolean      *out_row,
                                     GError       **error);
/* Steps until SQLITE_DONE (for statements with RETURNING or several rows
 * whose results are not needed). */
gboolean _td_sqlite_store_run       (TdSqliteStore *self,
                                     TdStmt        *stmt,
                                     const char    *operation,
                                     GError       **error);
/* Sets @error from @rc in TD_STORE_ERROR, naming @operation and the file. */
void     _td_sqlite_store_set_error (TdSqliteStore *self,
                                     int            rc,
                                     const char    *operation,
                                     GError       **error);
const char *_td_sqlite_store_path   (TdSqliteStore *self);
int      _td_sqlite_store_changes   (TdSqliteStore *self);
gint64   _td_sqlite_store_last_rowid (TdSqliteStore *self);

void     _td_bind_text              (TdStmt *stmt, int index, const char *text);
char    *_td_column_dup             (TdStmt *stmt, int column);
gint64   _td_now_ms                 (void);
/* Checks a display string (name, department, title): UTF-8, at most
 * TD_PROTO_MAX_NAME bytes, not empty unless @allow_empty. */

/* Messages: the columns every message query selects after the mailbox
 * seq (0 for history), and how a row becomes a TdMessage.  A group
 * message has recipient_id 0 and group_id set; its "to" is "g:<id>". */
#define TD_SQLITE_MESSAGE_COLUMNS \
  "m.mid, m.client_id, s.login," \
  " CASE WHEN m.group_id IS NULL THEN r.login ELSE 'g:' || m.group_id END," \
  " m.text, m.time" \
  "  FROM messages m" \
  "  JOIN users s ON s.id = m.sender_id" \
  "  LEFT JOIN users r ON r.id = m.recipient_id "

GPtrArray *_td_sqlite_store_collect_messages (TdSqliteStore *self,
                                              TdStmt        *stmt,
                                              const char    *operation,
                                              GError       **error);
/* Reverses @messages in place (queries page newest first). */
char      *_td_sqlite_store_lookup_login     (TdSqliteStore *self,
                                              gint64         id,
                                              GError       **error);
/* Returns the user's login if the user exists and is enabled, else NULL
 * with NOT_FOUND. */
char      *_td_sqlite_store_enabled_login    (TdSqliteStore *self,
                                              gint64         id,
                                              GError       **error);
/* The user's role ("user", "admin", "bot"), NULL with NOT_FOUND. */
char      *_td_sqlite_store_user_role        (TdSqliteStore *self,
                                              gint64         id,
                                              GError       **error);

/* td-sqlite-store-groups.c */
void     _td_sqlite_store_groups_iface_init       (TdStoreInterface *iface);
/* Creates the department group of a department that was just created. */
gboolean _td_sqlite_store_add_department_group    (TdSqliteStore *self,
                                                   gint64         department_id,
                                                   const char    *name,
                                                   GError       **error);
/* Before a user is deleted: drops their ad-hoc memberships and read marks,
 * and deletes the ad-hoc groups that are left empty. */
gboolean _td_sqlite_store_forget_user_groups      (TdSqliteStore *self,
                                                   gint64         user_id,
                                                   GError       **error);

/* td-sqlite-store-integrations.c */
void     _td_sqlite_store_integrations_iface_init (TdStoreInterface *iface);

G_END_DECLS
