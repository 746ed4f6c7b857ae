/* td-store.h - the persistent store behind tidingsd and tidingsctl.
 *
 * TdStore is an interface so that the embedded SQLite backend
 * (TdSqliteStore) can later be joined by a PostgreSQL one.  Every method is
 * synchronous and must be called from one thread at a time: inside the
 * server that is the store worker thread (TdStoreWorker), in tidingsctl the
 * main thread.  Methods that write must run inside td_store_begin() /
 * td_store_commit(); several of them may share one transaction, which is
 * how the worker groups many messages into one fsync.  Runtime failures
 * (disk full, corrupt file, constraint) are GErrors in TD_STORE_ERROR.
 */
#pragma once

#include <glib-object.h>
#include "td-proto.h"

G_BEGIN_DECLS

#define TD_STORE_ERROR (td_store_error_quark ())
GQuark td_store_error_quark (void);

typedef enum {
  TD_STORE_ERROR_FAILED,       /* I/O error, disk full, database unreachable */
  TD_STORE_ERROR_NOT_FOUND,    /* user / token / department does not exist */
  TD_STORE_ERROR_EXISTS,       /* unique constraint (e.g. login taken) */
  TD_STORE_ERROR_CONFLICT,     /* client id reused with another recipient or text */
  TD_STORE_ERROR_INVALID,      /* argument refused (bad login, empty name...) */
  TD_STORE_ERROR_VERSION,      /* schema newer than this program */
} TdStoreError;

/* One person as stored.  Plain struct, owned by the caller. */
typedef struct {
  gint64  id;
  char   *login;
  char   *name;
  char   *department;      /* department name, "" if none */
  char   *title;           /* "" if none */
  char   *password_hash;   /* crypto_pwhash_str() string, NULL if no password set */
  char   *role;            /* "user" or "admin" */
  gboolean disabled;
} TdStoreUser;

void td_store_user_free (TdStoreUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdStoreUser, td_store_user_free)

/* Result of td_store_add_message(). */
typedef struct {
  TdMessage *sender_copy;     /* seq = position in the sender's mailbox */
  TdMessage *recipient_copy;  /* seq = position in the recipient's mailbox (same as
                               * sender_copy when sending to oneself) */
  gboolean   duplicate;       /* the (sender, client id) existed already: these are the
                               * original message, nothing was written */
} TdStoreSendResult;

void td_store_send_result_clear (TdStoreSendResult *result);

#define TD_TYPE_STORE (td_store_get_type ())
G_DECLARE_INTERFACE (TdStore, td_store, TD, STORE, GObject)

struct _TdStoreInterface
{
  GTypeInterface parent_iface;

  gboolean     (*begin)            (TdStore *self, GError **error);
  gboolean     (*commit)           (TdStore *self, GError **error);
  void         (*rollback)         (TdStore *self);
  gboolean     (*savepoint)        (TdStore *self, GError **error);
  gboolean     (*release)          (TdStore *self, GError **error);
  void         (*rollback_to)      (TdStore *self);

  /* directory */
  gint64       (*ensure_department) (TdStore *self, const char *name, GError **error);
  GPtrArray   *(*list_departments)  (TdStore *self, GError **error);   /* char*, sorted */
  gboolean     (*put_user)          (TdStore *self, const char *login, const char *name,
                                     const char *department, const char *title,
                                     const char *role, gboolean create_only, GError **error);
  gboolean     (*set_password_hash) (TdStore *self, const char *login, const char *hash,
                                     GError **error);
  gboolean     (*set_disabled)      (TdStore *self, const char *login, gboolean disabled,
                                     GError **error);
  gboolean     (*delete_user)       (TdStore *self, const char *login, GError **error);
  TdStoreUser *(*get_user)          (TdStore *self, const char *login, GError **error);
  TdStoreUser *(*get_user_by_id)    (TdStore *self, gint64 id, GError **error);
  GPtrArray   *(*list_users)        (TdStore *self, GError **error);  /* TdStoreUser*, by dept, login */

  /* session tokens; @hash is the 32-byte BLAKE2b of the token */
  gboolean     (*add_token)         (TdStore *self, const guint8 *hash, gsize hash_len,
                                     gint64 user_id, const char *device, gint64 expires_ms,
                                     GError **error);
  /* Returns the user id, or 0 with NOT_FOUND if unknown, revoked or expired at @now_ms.
   * @out_expires (nullable) receives the token's expiry. */
  gint64       (*check_token)       (TdStore *self, const guint8 *hash, gsize hash_len,
                                     gint64 now_ms, gint64 *out_expires, GError **error);
  gboolean     (*revoke_token)      (TdStore *self, const guint8 *hash, gsize hash_len,
                                     GError **error);
  gboolean     (*revoke_user_tokens)(TdStore *self, gint64 user_id, GError **error);

  /* messages */
  gboolean     (*add_message)       (TdStore *self, gint64 sender_id, gint64 recipient_id,
                                     const char *client_id, const char *text, gint64 time_ms,
                                     TdStoreSendResult *out, GError **error);
  /* Messages of @user_id's mailbox with seq > @after_seq, ascending, at most @limit. */
  GPtrArray   *(*mailbox_after)     (TdStore *self, gint64 user_id, gint64 after_seq,
                                     guint limit, GError **error);
  gint64       (*mailbox_last_seq)  (TdStore *self, gint64 user_id, GError **error);
  /* Conversation between two users, messages with mid < @before_mid (0 = newest),
   * newest @limit of them returned oldest first; *out_more says older ones exist. */
  GPtrArray   *(*history)           (TdStore *self, gint64 user_a, gint64 user_b,
                                     gint64 before_mid, guint limit, gboolean *out_more,
                                     GError **error);
  /* A device's cursor (highest acknowledged seq).  A device never seen before
   * starts at the highest cursor of the user's other devices (0 if none), so it
   * receives what no device has acknowledged, not the whole past. */
  gint64       (*get_cursor)        (TdStore *self, gint64 user_id, const char *device,
                                     GError **error);
  /* Raises the cursor to @seq (never lowers it; @seq above the mailbox's last seq
   * is clamped). */
  gboolean     (*set_cursor)        (TdStore *self, gint64 user_id, const char *device,
                                     gint64 seq, GError **error);
};

/* Thin wrappers that call the vfuncs (see the struct above for semantics). */
gboolean     td_store_begin              (TdStore *self, GError **error);
gboolean     td_store_commit             (TdStore *self, GError **error);
void         td_store_rollback           (TdStore *self);
gboolean     td_store_savepoint          (TdStore *self, GError **error);
gboolean     td_store_release            (TdStore *self, GError **error);
void         td_store_rollback_to        (TdStore *self);
gint64       td_store_ensure_department  (TdStore *self, const char *name, GError **error);
GPtrArray   *td_store_list_departments   (TdStore *self, GError **error);
gboolean     td_store_put_user           (TdStore *self, const char *login, const char *name,
                                          const char *department, const char *title,
                                          const char *role, gboolean create_only, GError **error);
gboolean     td_store_set_password_hash  (TdStore *self, const char *login, const char *hash,
                                          GError **error);
gboolean     td_store_set_disabled       (TdStore *self, const char *login, gboolean disabled,
                                          GError **error);
gboolean     td_store_delete_user        (TdStore *self, const char *login, GError **error);
TdStoreUser *td_store_get_user           (TdStore *self, const char *login, GError **error);
TdStoreUser *td_store_get_user_by_id     (TdStore *self, gint64 id, GError **error);
GPtrArray   *td_store_list_users         (TdStore *self, GError **error);
gboolean     td_store_add_token          (TdStore *self, const guint8 *hash, gsize hash_len,
                                          gint64 user_id, const char *device, gint64 expires_ms,
                                          GError **error);
gint64       td_store_check_token        (TdStore *self, const guint8 *hash, gsize hash_len,
                                          gint64 now_ms, gint64 *out_expires, GError **error);
gboolean     td_store_revoke_token       (TdStore *self, const guint8 *hash, gsize hash_len,
                                          GError **error);
gboolean     td_store_revoke_user_tokens (TdStore *self, gint64 user_id, GError **error);
gboolean     td_store_add_message        (TdStore *self, gint64 sender_id, gint64 recipient_id,
                                          const char *client_id, const char *text, gint64 time_ms,
                                          TdStoreSendResult *out, GError **error);
GPtrArray   *td_store_mailbox_after      (TdStore *self, gint64 user_id, gint64 after_seq,
                                          guint limit, GError **error);
gint64       td_store_mailbox_last_seq   (TdStore *self, gint64 user_id, GError **error);
GPtrArray   *td_store_history            (TdStore *self, gint64 user_a, gint64 user_b,
                                          gint64 before_mid, guint limit, gboolean *out_more,
                                          GError **error);
gint64       td_store_get_cursor         (TdStore *self, gint64 user_id, const char *device,
                                          GError **error);
gboolean     td_store_set_cursor         (TdStore *self, gint64 user_id, const char *device,
                                          gint64 seq, GError **error);

G_END_DECLS
