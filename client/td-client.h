/* td-client.h - everything the desktop app knows, without widgets.
 *
 * Owns the TdConnection, the local cache in the profile directory (SQLite:
 * directory for a fast start, recent messages, the persistent outbox, the
 * delivery state), the contacts and conversations.  Reconnects by itself
 * with exponential backoff (1 s doubling to 60 s, with jitter) once logged
 * in, resuming with the session token.  A message written while offline is
 * stored in the outbox first and sent, once, when the connection returns
 * (same client id, so a resend after a crash is answered as a duplicate).
 */
#pragma once

#include <gio/gio.h>
#include "td-connection.h"
#include "td-contact.h"
#include "td-conversation.h"

G_BEGIN_DECLS

#define TD_TYPE_CLIENT (td_client_get_type ())
G_DECLARE_FINAL_TYPE (TdClient, td_client, TD, CLIENT, GObject)

/* Opens (creating) the profile directory and its cache.  Errors name the
 * path.  The cache is per server + user (a subdirectory). */
TdClient       *td_client_new              (const char *profile_dir, GError **error);

/* Properties: "state" (TdConnectionState as int, notify), "server-url",
 * "login" (own login once known), "status" (own TdPresence as int),
 * "total-unread" (uint), "token" (string, the session token to remember). */
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

/* All colleagues except oneself: a GListModel of TdContact, available
 * from the cache before the connection is up. */
GListModel     *td_client_get_contacts     (TdClient *self);
TdContact      *td_client_lookup_contact   (TdClient *self, const char *login);
/* The conversation with @peer (created on first use; the same object while
 * it is referenced). */
TdConversation *td_client_get_conversation (TdClient *self, const char *peer);
/* Queues @text for @peer in the outbox and returns the message (state
 * SENDING, then SENT / FAILED).  Works offline. */
TdChatMessage  *td_client_send             (TdClient *self, const char *peer, const char *text);
/* The user has seen the conversation: unread back to 0. */
void            td_client_mark_read        (TdClient *self, const char *peer);

/* Signals:
 *   "message-received" (TdContact *from, TdChatMessage *message) -- a new
 *       message from someone else, live or from the backlog, after it is
 *       in the cache and the unread count went up
 *   "connection-error" (const char *message) -- a reconnect failed; the
 *       client keeps trying unless the token was refused
 *   "logged-out" () -- the token was refused or td_client_logout() ran
 */

G_END_DECLS
