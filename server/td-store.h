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
  char   *role;            /* "user", "admin" or "bot" */
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

/* One member's copy of a group message (td_store_add_group_message). */
typedef struct {
  gint64     user_id;
  char      *login;
  TdMessage *copy;          /* seq = position in this member's mailbox */
} TdStoreDelivery;

void td_store_delivery_free (TdStoreDelivery *delivery);

/* Result of td_store_add_group_message(). */
typedef struct {
  TdMessage *sender_copy;   /* seq = position in the sender's mailbox */
  GPtrArray *deliveries;    /* TdStoreDelivery*, every member but the sender;
                             * empty when duplicate */
  gboolean   duplicate;
} TdStoreGroupSendResult;

void td_store_group_send_result_clear (TdStoreGroupSendResult *result);

/* A reminder as stored: what the API posted, not one recipient's view. */
typedef struct {
  gint64          rid;
  TdReminderKind  kind;
  char           *source;       /* API key name or admin login */
  char           *title;
  char           *body;         /* "" if none */
  char           *link;         /* "" if none */
  char           *category;     /* "" if none */
  TdPriority      priority;
  gint64          time_ms;
  gint64          api_key_id;   /* 0 for announcements made by an admin */
  gint64          sender_id;    /* admin user id for announcements, else 0 */
  char           *idempotency_key; /* NULL if none */
} TdStoreReminder;

void td_store_reminder_free (TdStoreReminder *reminder);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdStoreReminder, td_store_reminder_free)

/* One recipient's state of a reminder. */
typedef struct {
  gint64          user_id;
  char           *login;
  TdReminderState state;
  gint64          until_ms;
  gboolean        read;
  gint64          updated_ms;
} TdStoreRecipient;

void td_store_recipient_free (TdStoreRecipient *recipient);

/* An API key as stored (the key itself is never stored, only its hash). */
typedef struct {
  gint64   id;
  char    *name;       /* unique, 1..64 of [A-Za-z0-9._-] */
  char    *scopes;     /* comma-separated: "reminders", "broadcast", "bot" */
  gint64   bot_id;     /* user id the key acts as (scope "bot"), else 0 */
  char    *bot_login;  /* NULL when bot_id is 0 */
  gint64   created_ms;
  gint64   last_used_ms; /* 0 = never */
  gboolean revoked;
} TdStoreApiKey;

void td_store_api_key_free (TdStoreApiKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdStoreApiKey, td_store_api_key_free)

/* An outgoing webhook. */
typedef struct {
  gint64   id;
  char    *name;       /* unique, 1..64 of [A-Za-z0-9._-] */
  char    *url;        /* http:// or https:// */
  char    *secret;     /* HMAC-SHA256 key (stored: the server must sign with it) */
  char    *events;     /* comma-separated: "message" (messages to bots), "reminder" (outcomes) */
  gint64   bot_id;     /* "message" events only for messages to this bot; 0 = every bot */
  gint64   created_ms;
  gboolean disabled;
  /* queue figures, filled by list_webhooks */
  guint    pending;
  guint    delivered;
  gint64   last_attempt_ms;
  char    *last_error; /* NULL if the last attempt succeeded or none was made */
} TdStoreWebhook;

void td_store_webhook_free (TdStoreWebhook *hook);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdStoreWebhook, td_store_webhook_free)

/* One queued webhook delivery. */
typedef struct {
  gint64  id;           /* delivery id, sent as X-Tidings-Delivery */
  gint64  webhook_id;
  char   *url;
  char   *secret;
  char   *event;        /* "message" or "reminder" */
  char   *body;         /* JSON, exactly what is POSTed and signed */
  guint   attempts;
  gint64  next_attempt_ms;
  gint64  created_ms;
} TdStoreDeliveryJob;

void td_store_delivery_job_free (TdStoreDeliveryJob *job);

/* One delivery cursor to raise (td_store_set_cursors). */
typedef struct {
  gint64      user_id;
  const char *device;
  gint64      seq;
} TdCursorUpdate;

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

  /* ---- groups ----
   * Every department has a department group (made by ensure_department and
   * by the migration for existing ones) whose members are the department's
   * enabled users, computed from the directory, so it is always in line
   * with it.  Ad-hoc groups keep their own member list. */
  /* Creates an ad-hoc group with @owner_id and @member_ids (owner added if
   * missing; unknown/disabled ids -> NOT_FOUND). */
  TdGroup     *(*create_group)      (TdStore *self, gint64 owner_id, const char *name,
                                     const gint64 *member_ids, guint n_members,
                                     gint64 time_ms, GError **error);
  /* NOT_FOUND if no such group. */
  TdGroup     *(*get_group)         (TdStore *self, gint64 group_id, GError **error);
  /* Groups @user_id belongs to (department group first, then by name). */
  GPtrArray   *(*list_user_groups)  (TdStore *self, gint64 user_id, GError **error);
  /* Every group (tidingsctl group list). */
  GPtrArray   *(*list_groups)       (TdStore *self, GError **error);
  /* Ad-hoc groups only (department -> INVALID).  @name NULL = unchanged.
   * Adding a member already in / removing one not in is not an error.
   * Returns the updated group; a group left with no members is deleted and
   * NULL is returned without error. */
  TdGroup     *(*update_group)      (TdStore *self, gint64 group_id, const char *name,
                                     const gint64 *add_ids, guint n_add,
                                     const gint64 *remove_ids, guint n_remove,
                                     GError **error);
  /* Stores one message in every member's mailbox (NOT_FOUND: no group;
   * INVALID: sender not a member).  Idempotent like add_message: the same
   * (sender, client id) with the same group and text is a duplicate,
   * otherwise CONFLICT. */
  gboolean     (*add_group_message) (TdStore *self, gint64 sender_id, gint64 group_id,
                                     const char *client_id, const char *text, gint64 time_ms,
                                     TdStoreGroupSendResult *out, GError **error);
  /* Group conversation history (same paging as history). */
  GPtrArray   *(*group_history)     (TdStore *self, gint64 group_id, gint64 before_mid,
                                     guint limit, gboolean *out_more, GError **error);

  /* ---- read marks ----
   * @peer_user_id for a 1:1 conversation, or @group_id for a group (the
   * other one 0).  Raising only; returns TRUE if the mark moved. */
  gboolean     (*set_read)          (TdStore *self, gint64 user_id, gint64 peer_user_id,
                                     gint64 group_id, gint64 mid, GError **error);
  /* Read marks of the conversation's participants other than @user_id:
   * TdReadMark* (logins), only marks > 0. */
  GPtrArray   *(*get_reads)         (TdStore *self, gint64 user_id, gint64 peer_user_id,
                                     gint64 group_id, GError **error);

  /* ---- reminders and announcements ----
   * Adds a reminder for @recipient_ids (deduplicated; disabled users are
   * skipped).  With an idempotency key already used by the same API key
   * (or the same admin), nothing is written: *out_duplicate is TRUE and the
   * original reminder is returned (its recipients unchanged).  @reminder's
   * rid and time are filled in on return of a new one. */
  TdStoreReminder *(*add_reminder)  (TdStore *self, const TdStoreReminder *reminder,
                                     const gint64 *recipient_ids, guint n_recipients,
                                     gboolean *out_duplicate, GError **error);
  TdStoreReminder *(*get_reminder)  (TdStore *self, gint64 rid, GError **error);
  /* TdStoreRecipient*, by login. */
  GPtrArray   *(*list_recipients)   (TdStore *self, gint64 rid, GError **error);
  /* The user's view of their reminders for session start: open or snoozed,
   * or updated since @since_ms; newest first, at most @limit. TdReminder*. */
  GPtrArray   *(*user_reminders)    (TdStore *self, gint64 user_id, gint64 since_ms,
                                     guint limit, GError **error);
  /* One recipient's view (NOT_FOUND if @user_id is not a recipient). */
  TdReminder  *(*get_user_reminder) (TdStore *self, gint64 rid, gint64 user_id, GError **error);
  /* Applies @action (NOT_FOUND if not a recipient).  Returns the new view.
   * *out_changed says whether the state (not only read) changed, which is
   * what webhooks report. */
  TdReminder  *(*update_reminder)   (TdStore *self, gint64 rid, gint64 user_id,
                                     TdReminderAction action, gint64 until_ms,
                                     gint64 now_ms, gboolean *out_changed, GError **error);
  /* Highest rid stored (0 if none): the server polls it to push reminders
   * that tidingsctl wrote. */
  gint64       (*last_reminder_id)  (TdStore *self, GError **error);

  /* ---- API keys ---- @hash: 32-byte BLAKE2b of the key */
  gint64       (*add_api_key)       (TdStore *self, const char *name, const guint8 *hash,
                                     gsize hash_len, const char *scopes, gint64 bot_id,
                                     gint64 time_ms, GError **error);
  /* NOT_FOUND if unknown or revoked; updates last_used (at most once a minute). */
  TdStoreApiKey *(*check_api_key)   (TdStore *self, const guint8 *hash, gsize hash_len,
                                     gint64 now_ms, GError **error);
  gboolean     (*revoke_api_key)    (TdStore *self, const char *name, GError **error);
  GPtrArray   *(*list_api_keys)     (TdStore *self, GError **error);   /* TdStoreApiKey* */

  /* ---- webhooks and their persistent delivery queue ---- */
  gint64       (*add_webhook)       (TdStore *self, const char *name, const char *url,
                                     const char *secret, const char *events, gint64 bot_id,
                                     gint64 time_ms, GError **error);
  gboolean     (*delete_webhook)    (TdStore *self, const char *name, GError **error);
  GPtrArray   *(*list_webhooks)     (TdStore *self, GError **error);   /* TdStoreWebhook* */
  /* Queues @body for every enabled webhook subscribed to @event (and, for
   * "message", to @bot_id).  Runs in the caller's transaction, so the event
   * and its deliveries commit together.  Returns how many were queued. */
  guint        (*enqueue_event)     (TdStore *self, const char *event, gint64 bot_id,
                                     const char *body, gint64 time_ms, GError **error);
  /* Deliveries due at @now_ms (next_attempt <= now), oldest first. */
  GPtrArray   *(*due_deliveries)    (TdStore *self, gint64 now_ms, guint limit,
                                     GError **error);   /* TdStoreDeliveryJob* */
  /* Earliest next_attempt of the queue, or 0 if empty. */
  gint64       (*next_delivery_time)(TdStore *self, GError **error);
  gboolean     (*delivery_succeeded)(TdStore *self, gint64 delivery_id, gint64 now_ms,
                                     GError **error);
  /* Records the failure and schedules the next attempt at @next_ms. */
  gboolean     (*delivery_failed)   (TdStore *self, gint64 delivery_id, const char *error_text,
                                     gint64 now_ms, gint64 next_ms, GError **error);

  /* ---- cursors, in bulk ----
   * Raises each cursor like set_cursor (never lowers, clamps to the
   * mailbox; the same (user, device) twice keeps the highest seq).
   * Entries of users that no longer exist are skipped, not an error: the
   * server writes the acks of many sessions at once and one deleted user
   * must not lose the others' cursors. */
  gboolean     (*set_cursors)       (TdStore *self, const TdCursorUpdate *updates, guint n,
                                     GError **error);
};

/* Opens the store a program was configured with: PostgreSQL when
 * @store_url is a libpq URI ("postgresql://…" or "postgres://…"), else
 * the SQLite database in @data_dir (created if missing).  Errors are in
 * TD_STORE_ERROR and never contain the URL's password. */
TdStore     *td_store_open               (const char *store_url,
                                          const char *data_dir,
                                          GError    **error);
/* "postgresql" or "sqlite". */
const char  *td_store_kind               (TdStore    *self);
/* @store_url with any password replaced by "***" (for logs and errors). */
char        *td_store_url_redact         (const char *store_url);

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
TdGroup     *td_store_create_group       (TdStore *self, gint64 owner_id, const char *name,
                                          const gint64 *member_ids, guint n_members,
                                          gint64 time_ms, GError **error);
TdGroup     *td_store_get_group          (TdStore *self, gint64 group_id, GError **error);
GPtrArray   *td_store_list_user_groups   (TdStore *self, gint64 user_id, GError **error);
GPtrArray   *td_store_list_groups        (TdStore *self, GError **error);
TdGroup     *td_store_update_group       (TdStore *self, gint64 group_id, const char *name,
                                          const gint64 *add_ids, guint n_add,
                                          const gint64 *remove_ids, guint n_remove,
                                          GError **error);
gboolean     td_store_add_group_message  (TdStore *self, gint64 sender_id, gint64 group_id,
                                          const char *client_id, const char *text, gint64 time_ms,
                                          TdStoreGroupSendResult *out, GError **error);
GPtrArray   *td_store_group_history      (TdStore *self, gint64 group_id, gint64 before_mid,
                                          guint limit, gboolean *out_more, GError **error);
gboolean     td_store_set_read           (TdStore *self, gint64 user_id, gint64 peer_user_id,
                                          gint64 group_id, gint64 mid, GError **error);
GPtrArray   *td_store_get_reads          (TdStore *self, gint64 user_id, gint64 peer_user_id,
                                          gint64 group_id, GError **error);
TdStoreReminder *td_store_add_reminder   (TdStore *self, const TdStoreReminder *reminder,
                                          const gint64 *recipient_ids, guint n_recipients,
                                          gboolean *out_duplicate, GError **error);
TdStoreReminder *td_store_get_reminder   (TdStore *self, gint64 rid, GError **error);
GPtrArray   *td_store_list_recipients    (TdStore *self, gint64 rid, GError **error);
GPtrArray   *td_store_user_reminders     (TdStore *self, gint64 user_id, gint64 since_ms,
                                          guint limit, GError **error);
TdReminder  *td_store_get_user_reminder  (TdStore *self, gint64 rid, gint64 user_id,
                                          GError **error);
TdReminder  *td_store_update_reminder    (TdStore *self, gint64 rid, gint64 user_id,
                                          TdReminderAction action, gint64 until_ms,
                                          gint64 now_ms, gboolean *out_changed, GError **error);
gint64       td_store_last_reminder_id   (TdStore *self, GError **error);
gint64       td_store_add_api_key        (TdStore *self, const char *name, const guint8 *hash,
                                          gsize hash_len, const char *scopes, gint64 bot_id,
                                          gint64 time_ms, GError **error);
TdStoreApiKey *td_store_check_api_key    (TdStore *self, const guint8 *hash, gsize hash_len,
                                          gint64 now_ms, GError **error);
gboolean     td_store_revoke_api_key     (TdStore *self, const char *name, GError **error);
GPtrArray   *td_store_list_api_keys      (TdStore *self, GError **error);
gint64       td_store_add_webhook        (TdStore *self, const char *name, const char *url,
                                          const char *secret, const char *events, gint64 bot_id,
                                          gint64 time_ms, GError **error);
gboolean     td_store_delete_webhook     (TdStore *self, const char *name, GError **error);
GPtrArray   *td_store_list_webhooks      (TdStore *self, GError **error);
guint        td_store_enqueue_event      (TdStore *self, const char *event, gint64 bot_id,
                                          const char *body, gint64 time_ms, GError **error);
GPtrArray   *td_store_due_deliveries     (TdStore *self, gint64 now_ms, guint limit,
                                          GError **error);
gint64       td_store_next_delivery_time (TdStore *self, GError **error);
gboolean     td_store_delivery_succeeded (TdStore *self, gint64 delivery_id, gint64 now_ms,
                                          GError **error);
gboolean     td_store_delivery_failed    (TdStore *self, gint64 delivery_id,
                                          const char *error_text, gint64 now_ms,
                                          gint64 next_ms, GError **error);
gboolean     td_store_set_cursors        (TdStore *self, const TdCursorUpdate *updates,
                                          guint n, GError **error);

G_END_DECLS
