/* td-client.h - everything the desktop app knows, without widgets.
 *
 * Owns the TdConnection, the local cache in the profile directory (SQLite:
 * directory for a fast start, recent messages, the persistent outbox, the
 * delivery state), the contacts and conversations.  Reconnects by itself
 * with exponential backoff (1 s doubling to 60 s, with jitter) once logged
 * in, resuming with the session token.  A message written while offline is
 * stored in the outbox first and sent, once, when the connection returns
 * (same client id, so a resend after a crash is answered as a duplicate).
 * Also keeps the groups one is in (as contacts), read marks and typing
 * (through TdConversation) and the reminders list.
 */
#pragma once

#include <gio/gio.h>
#include "td-connection.h"
#include "td-contact.h"
#include "td-conversation.h"
#include "td-reminder-item.h"

G_BEGIN_DECLS

#define TD_TYPE_CLIENT (td_client_get_type ())
G_DECLARE_FINAL_TYPE (TdClient, td_client, TD, CLIENT, GObject)

/* Opens (creating) the profile directory and its cache.  Errors name the
 * path.  The cache is per server + user (a subdirectory). */
TdClient       *td_client_new              (const char *profile_dir, GError **error);

/* Properties: "state" (TdConnectionState as int, notify), "server-url",
 * "login" (own login once known), "status" (own TdPresence as int),
 * "total-unread" (uint, people and groups), "token" (string, the session
 * token to remember), "is-admin" (boolean), "unread-reminders" (uint). */
void            td_client_login_async      (TdClient           *self,
                                            const char         *server_url,
                                            const char         *user,
                                            const char         *password,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
void            td_client_resume_async     (TdClient           *self,
                                            const char         *server_url,
                                            const char         *user,
                                            const char         *token,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
/* Errors: TD_CONNECTION_ERROR_* (AUTH_FAILED, TOKEN_INVALID, FAILED...). */
gboolean        td_client_login_finish     (TdClient *self, GAsyncResult *result, GError **error);
/* Logs out (revokes the token), stops reconnecting. */
void            td_client_logout           (TdClient *self);

TdConnectionState td_client_get_state      (TdClient *self);
const char     *td_client_get_login        (TdClient *self);
/* Own display name once logged in (property "name"), else NULL. */
const char     *td_client_get_name         (TdClient *self);
const char     *td_client_get_server_url   (TdClient *self);
const char     *td_client_get_token        (TdClient *self);
guint           td_client_get_total_unread (TdClient *self);
void            td_client_set_status       (TdClient *self, TdPresence status);
TdPresence      td_client_get_status       (TdClient *self);

/* All colleagues except oneself, and every group one is a member of
 * (td_contact_get_is_group(), login "g:<id>"): a GListModel of TdContact,
 * available from the cache before the connection is up.  Groups follow
 * the server's "groups" / "group" frames (a group one left or was removed
 * from disappears). */
GListModel     *td_client_get_contacts     (TdClient *self);
/* A person by login or a group by address; NULL if unknown. */
TdContact      *td_client_lookup_contact   (TdClient *self, const char *login);
/* The conversation with @peer, a login or a group address (created on
 * first use; the same object while it is referenced). */
TdConversation *td_client_get_conversation (TdClient *self, const char *peer);
/* Queues @text for @peer (login or group address) in the outbox and
 * returns the message (state SENDING, then SENT / FAILED, later READ or a
 * growing read-count).  Works offline. */
TdChatMessage  *td_client_send             (TdClient *self, const char *peer, const char *text);
/* The user has seen the conversation: unread back to 0, and a "read"
 * frame with the conversation's highest mid goes to the server (now, or
 * after the next login when offline), which tells the sender(s). */
void            td_client_mark_read        (TdClient *self, const char *peer);
/* The user is typing to @peer: call on every edit; a "typing" frame goes
 * out at most every 3 s per peer, only while online. */
void            td_client_notify_typing    (TdClient *self, const char *peer);

/* ---- reminders and announcements ---- */

/* GListModel of TdReminderItem, newest first (by posting time): the
 * server's session-start list plus live ones, cached (shown offline). */
GListModel     *td_client_get_reminders    (TdClient *self);
TdReminderItem *td_client_lookup_reminder  (TdClient *self, gint64 rid);
/* Property "unread-reminders" (uint): reminders shown open and not read. */
guint           td_client_get_unread_reminders (TdClient *self);
/* Applies @action at once (optimistically) and sends reminder_update; the
 * server's answer replaces the local guess.  @until_ms: the end of the
 * snooze for TD_REMINDER_ACTION_SNOOZE, else ignored.  Offline, the
 * update is kept and sent after the next login. */
void            td_client_update_reminder  (TdClient        *self,
                                            gint64           rid,
                                            TdReminderAction action,
                                            gint64           until_ms);

/* Property "is-admin" (boolean): the own role is admin (from "welcome";
 * remembered in the cache). */
gboolean        td_client_get_is_admin     (TdClient *self);
/* Announces to everyone (@department NULL) or a department; admins only
 * (others get a TD_CONNECTION_ERROR_SERVER "forbidden" error).  @body,
 * @link nullable.  Finishes with the new reminder's rid (0 on error). */
void            td_client_announce_async   (TdClient           *self,
                                            const char         *title,
                                            const char         *body,
                                            const char         *link,
                                            const char         *department,
                                            TdPriority          priority,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
gint64          td_client_announce_finish  (TdClient *self, GAsyncResult *result, GError **error);
void            td_client_reminder_status_async  (TdClient           *self,
                                                  gint64              rid,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
/* Free with td_reminder_status_free(). */
TdReminderStatus *td_client_reminder_status_finish (TdClient     *self,
                                                    GAsyncResult *result,
                                                    GError      **error);

/* ---- group management ----
 * All need a connection (else TD_CONNECTION_ERROR_CLOSED); a refusal is
 * a TD_CONNECTION_ERROR_SERVER error whose message is "code: message"
 * (td_connection_error_get_code() gives the TdErrorCode). */

/* Creates an ad-hoc group of oneself and @members (NULL-terminated
 * logins); finishes with the group's TdContact (already in the contacts). */
void            td_client_create_group_async  (TdClient           *self,
                                               const char         *name,
                                               const char * const *members,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
TdContact      *td_client_create_group_finish (TdClient *self, GAsyncResult *result, GError **error);
/* Renames (@name non-NULL) and/or adds and removes members (NULL = none). */
void            td_client_update_group_async  (TdClient           *self,
                                               const char         *group,
                                               const char         *name,
                                               const char * const *add,
                                               const char * const *remove,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
gboolean        td_client_update_group_finish (TdClient *self, GAsyncResult *result, GError **error);
/* Leaves @group; its contact is removed from the contacts on success. */
void            td_client_leave_group_async   (TdClient           *self,
                                               const char         *group,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
gboolean        td_client_leave_group_finish  (TdClient *self, GAsyncResult *result, GError **error);

/* Signals:
 *   "message-received" (TdContact *from, TdChatMessage *message) -- a new
 *       message from someone else, live or from the backlog, after it is
 *       in the cache and the unread count went up.  @from is the sending
 *       person (may be NULL if not in the directory); for a group message
 *       td_chat_message_get_peer() is the group address and
 *       td_client_lookup_contact() of it the group's contact, whose unread
 *       count went up
 *   "reminder-received" (TdReminderItem *item) -- a reminder this profile
 *       has never shown before (once, also across restarts) and that is
 *       open, or a snoozed one whose snooze just ended
 *   "connection-error" (const char *message) -- a reconnect failed; the
 *       client keeps trying unless the token was refused
 *   "logged-out" () -- the token was refused or td_client_logout() ran
 */

G_END_DECLS
