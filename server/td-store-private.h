/* td-store-private.h - checks and result builders that every TdStore
 * backend shares (implemented in td-store.c).  They depend on nothing but
 * their arguments, so the SQLite and PostgreSQL stores validate and build
 * results in exactly the same way. */
#pragma once

#include "td-store.h"

G_BEGIN_DECLS

/* Policies every backend applies the same way. */
/* API keys' last_used is written at most this often: checking a key runs
 * on every API request, and a write per request would cost an fsync. */
#define TD_STORE_LAST_USED_RESOLUTION_MS  (60 * 1000)
/* A webhook delivery still failing this long after it was queued is
 * given up. */
#define TD_STORE_DELIVERY_GIVE_UP_MS      (3 * 24 * 3600 * (gint64) 1000)
/* Finished deliveries (delivered or given up) are kept this long for the
 * figures of "tidingsctl webhook list", then purged. */
#define TD_STORE_DELIVERY_KEEP_MS         (7 * 24 * 3600 * (gint64) 1000)

/* A display string (name, department, title, group name): valid UTF-8 of
 * at most TD_PROTO_MAX_NAME bytes; empty only with @allow_empty. */
gboolean _td_store_check_name        (const char *value, const char *what,
                                      gboolean allow_empty, GError **error);
/* Turns a protocol validator's verdict into TD_STORE_ERROR_INVALID. */
gboolean _td_store_check_field       (gboolean valid, const char *what,
                                      GError *local_error, GError **error);
/* Names of API keys and webhooks: 1..64 of [A-Za-z0-9._-]. */
gboolean _td_store_check_object_name (const char *name, const char *what, GError **error);
/* A non-empty comma-separated list whose items are all in @allowed. */
gboolean _td_store_check_list        (const char *value, const char * const *allowed,
                                      const char *what, GError **error);
gboolean _td_store_list_contains     (const char *list, const char *item);

/* TD_STORE_ERROR_NOT_FOUND for a login, a user id or a group id, worded
 * alike by every backend. */
void     _td_store_set_unknown_login (GError **error, const char *login);
void     _td_store_set_unknown_id    (GError **error, gint64 id);
void     _td_store_set_unknown_group (GError **error, gint64 group_id);

/* A reminder's fields before it is stored: source, title, body, link,
 * category and idempotency key by the protocol's rules. */
gboolean        _td_store_check_reminder     (const TdStoreReminder *reminder, GError **error);
/* Stored text of a reminder's kind, priority and state; unknown text
 * reads as the default (reminder, normal, open). */
TdReminderKind  _td_store_parse_kind         (const char *text);
TdPriority      _td_store_parse_priority     (const char *text);
TdReminderState _td_store_parse_state        (const char *text);
/* NOT_FOUND for a reminder @user_id did not receive. */
void            _td_store_set_not_recipient  (GError **error, gint64 rid, gint64 user_id);
/* A read mark names a peer or a group, exactly one. */
gboolean        _td_store_check_conversation (gint64 peer_user_id, gint64 group_id, GError **error);

/* Reverses @messages in place (history is read newest first). */
void     _td_store_messages_reverse  (GPtrArray *messages);
/* Fills a 1:1 send result: the sender's copy, and the recipient's (the
 * same object when sending to oneself). */
void     _td_store_fill_send_result  (TdStoreSendResult *out, gint64 mid,
                                      gint64 sender_seq, gint64 recipient_seq,
                                      gboolean to_self, const char *client_id,
                                      const char *from, const char *to,
                                      const char *text, gint64 time_ms,
                                      gboolean duplicate);

G_END_DECLS
