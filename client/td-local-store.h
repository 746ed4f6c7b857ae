/* td-local-store.h - the client's SQLite cache for one server + user
 * (private to TdClient and TdConversation).
 *
 * Holds the directory (fast start), the groups one is in, messages per
 * peer (a login or a group address), the persistent outbox, unread
 * counts, read marks and own read marks still to send, reminders with
 * which ones were alerted, queued reminder updates and a few key/value
 * settings.  Writes are
 * synchronous=FULL: the outbox must survive a crash or power loss.
 * Received messages are committed in batches, from an idle callback that
 * runs before the connection acknowledges them (see td-local-store.c).
 */
#pragma once

#include <gio/gio.h>
#include "td-proto.h"
#include "td-chat-message.h"

G_BEGIN_DECLS

typedef struct _TdLocalStore TdLocalStore;

TdLocalStore *td_local_store_open            (const char *path, GError **error);
void          td_local_store_free            (TdLocalStore *self);   /* flushes first */
/* Commits the open batch now (before acknowledging anything outside the
 * idle order, e.g. at logout or close).  Harmless when none is open. */
void          td_local_store_flush           (TdLocalStore *self);
/* Whether written rows are waiting for the batch commit. */
gboolean      td_local_store_has_pending     (TdLocalStore *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdLocalStore, td_local_store_free)

/* Directory: replaces the cached one; loads TdUser* (presence offline,
 * role kept). */
gboolean      td_local_store_save_directory  (TdLocalStore *self, GPtrArray *users, GError **error);
GPtrArray    *td_local_store_load_directory  (TdLocalStore *self);

/* Queues an own message: outbox row and messages row (state SENDING) in
 * one transaction. */
gboolean      td_local_store_queue           (TdLocalStore *self, TdChatMessage *message,
                                              GError **error);
/* The outbox, oldest first, as TdChatMessage (state SENDING). */
GPtrArray    *td_local_store_load_outbox     (TdLocalStore *self);
/* Own message committed / refused: updates its row and leaves the outbox. */
void          td_local_store_mark_sent       (TdLocalStore *self, const char *from, const char *id,
                                              gint64 mid, gint64 time_ms);
void          td_local_store_mark_failed     (TdLocalStore *self, const char *from, const char *id,
                                              const char *error);

/* Stores a committed message (live, backlog or history) unless it is
 * already there (same sender and id).  Returns TRUE if it was new.  The
 * row is in the open batch: on disk after the next idle commit (at a
 * priority above G_PRIORITY_DEFAULT_IDLE) or td_local_store_flush(). */
gboolean      td_local_store_add_message     (TdLocalStore *self, TdMessage *message,
                                              const char *self_login);
/* Up to @limit messages with @peer, oldest first: the newest ones
 * (including unsent) when @before_mid is 0, else those with
 * 0 < mid < @before_mid. */
GPtrArray    *td_local_store_load_messages   (TdLocalStore *self, const char *peer,
                                              const char *self_login, gint64 before_mid,
                                              guint limit);
/* Calls @func (peer, time_ms, text) for the latest message with each peer. */
void          td_local_store_foreach_latest  (TdLocalStore *self,
                                              void (*func) (const char *peer, gint64 time_ms,
                                                            const char *text, gpointer user_data),
                                              gpointer user_data);

void          td_local_store_set_unread      (TdLocalStore *self, const char *peer, guint count);
guint         td_local_store_get_unread      (TdLocalStore *self, const char *peer);
/* Every peer with a non-zero unread count: char* peer -> GUINT_TO_POINTER
 * (count), in one query (a start-up with 10,000 contacts must not prepare
 * 10,000 statements). */
GHashTable   *td_local_store_load_unread     (TdLocalStore *self);

/* ---- groups (the ones the user is in) ---- */
/* Replaces all cached groups / adds or replaces one / forgets one. */
void          td_local_store_save_groups     (TdLocalStore *self, GPtrArray *groups);
void          td_local_store_save_group      (TdLocalStore *self, TdGroup *group);
void          td_local_store_delete_group    (TdLocalStore *self, const char *address);
GPtrArray    *td_local_store_load_groups     (TdLocalStore *self);   /* TdGroup* */

/* ---- read marks ---- */
/* Highest committed mid in the conversation with @peer (0 if none). */
gint64        td_local_store_get_max_mid     (TdLocalStore *self, const char *peer);
/* Messages from others in @peer's conversation with mid > @mid. */
guint         td_local_store_count_after     (TdLocalStore *self, const char *peer,
                                              const char *self_login, gint64 mid);
/* Raises @user's mark in @peer's conversation to @mid (never lowers). */
void          td_local_store_set_read_mark   (TdLocalStore *self, const char *peer,
                                              const char *user, gint64 mid);
GPtrArray    *td_local_store_load_read_marks (TdLocalStore *self, const char *peer); /* TdReadMark* */
/* Own "read" frames waiting for a connection (TdReadMark: user = peer). */
void          td_local_store_queue_read      (TdLocalStore *self, const char *peer, gint64 mid);
GPtrArray    *td_local_store_load_read_queue (TdLocalStore *self);
void          td_local_store_clear_read      (TdLocalStore *self, const char *peer, gint64 mid);

/* ---- reminders ---- */
void          td_local_store_save_reminders  (TdLocalStore *self, GPtrArray *reminders);
void          td_local_store_save_reminder   (TdLocalStore *self, TdReminder *reminder);
GPtrArray    *td_local_store_load_reminders  (TdLocalStore *self);   /* TdReminder*, newest first */
/* Whether the user was alerted of @rid, and for which snooze end last
 * (0 = the arrival).  Returns FALSE if never. */
gboolean      td_local_store_get_alerted     (TdLocalStore *self, gint64 rid, gint64 *out_until);
void          td_local_store_set_alerted     (TdLocalStore *self, gint64 rid, gint64 until_ms);
/* reminder_update waiting for a connection; one per reminder (the last). */
void          td_local_store_queue_reminder_update (TdLocalStore *self, gint64 rid,
                                                    TdReminderAction action, gint64 until_ms);
/* Calls @func for each queued update, oldest first. */
void          td_local_store_foreach_reminder_update (TdLocalStore *self,
                                                      void (*func) (gint64 rid, TdReminderAction action,
                                                                    gint64 until_ms, gpointer user_data),
                                                      gpointer user_data);
void          td_local_store_clear_reminder_update (TdLocalStore *self, gint64 rid);

char         *td_local_store_get             (TdLocalStore *self, const char *key);
void          td_local_store_set             (TdLocalStore *self, const char *key, const char *value);

G_END_DECLS
