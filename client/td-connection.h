/* td-connection.h - one client's connection to tidingsd (no GTK).
 *
 * Owns the WebSocket (libsoup), logs in, keeps the session token, decodes
 * every server frame with the common protocol module and emits typed
 * signals.  Used by tidings-cli and by the desktop application.  Incoming
 * messages are acknowledged to the server after the "message-received"
 * handlers have run, so a handler that persists the message synchronously
 * never loses one.
 */
#pragma once

#include <gio/gio.h>
#include "td-proto.h"

G_BEGIN_DECLS

#define TD_CONNECTION_ERROR (td_connection_error_quark ())
GQuark td_connection_error_quark (void);

typedef enum {
  TD_CONNECTION_ERROR_FAILED,         /* network / TLS / handshake failure */
  TD_CONNECTION_ERROR_AUTH_FAILED,    /* wrong user or password */
  TD_CONNECTION_ERROR_TOKEN_INVALID,  /* token expired or revoked */
  TD_CONNECTION_ERROR_SERVER,         /* server answered with an error frame */
  TD_CONNECTION_ERROR_CLOSED,         /* connection closed before the answer */
  TD_CONNECTION_ERROR_PROTOCOL,       /* server sent something undecodable */
} TdConnectionError;

typedef enum {
  TD_CONNECTION_STATE_DISCONNECTED,
  TD_CONNECTION_STATE_CONNECTING,
  TD_CONNECTION_STATE_AUTHENTICATING,
  TD_CONNECTION_STATE_SYNCING,   /* welcome received, backlog being delivered */
  TD_CONNECTION_STATE_ONLINE,    /* "synced" received */
} TdConnectionState;

#define TD_TYPE_CONNECTION (td_connection_get_type ())
G_DECLARE_FINAL_TYPE (TdConnection, td_connection, TD, CONNECTION, GObject)

/* @server_url: "http://host:port", "https://…", "ws://host:port/ws" or
 * "wss://…" (http(s) gets TD_PROTO_WS_PATH appended).  @device: a stable
 * id for this installation (keeps its delivery cursor on the server). */
TdConnection     *td_connection_new              (const char *server_url,
                                                  const char *device);
/* Optional PEM file of CA certificates to trust instead of the system store. */
gboolean          td_connection_set_ca_file      (TdConnection *self,
                                                  const char   *path,
                                                  GError      **error);

/* Connects and logs in.  Completes after "welcome" (state SYNCING) with the
 * server's description of the logged-in user. */
void              td_connection_login_async      (TdConnection       *self,
                                                  const char         *user,
                                                  const char         *password,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
void              td_connection_resume_async     (TdConnection       *self,
                                                  const char         *token,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
TdUser           *td_connection_login_finish     (TdConnection *self,
                                                  GAsyncResult *result,
                                                  GError      **error);

/* Sends a message.  @id: client message id, or NULL to generate one (a
 * caller that may resend after a crash must pass its own, persisted id).
 * Completes on "sent" with the committed message (seq in the own mailbox). */
void              td_connection_send_async       (TdConnection       *self,
                                                  const char         *to,
                                                  const char         *text,
                                                  const char         *id,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
TdMessage        *td_connection_send_finish      (TdConnection *self,
                                                  GAsyncResult *result,
                                                  gboolean     *out_duplicate,
                                                  GError      **error);

/* Pages conversation history backwards.  Returns TdMessage*, oldest first. */
void              td_connection_history_async    (TdConnection       *self,
                                                  const char         *peer,
                                                  gint64              before_mid,
                                                  guint               limit,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
GPtrArray        *td_connection_history_finish   (TdConnection *self,
                                                  GAsyncResult *result,
                                                  gboolean     *out_more,
                                                  GError      **error);

void              td_connection_set_status       (TdConnection *self, TdPresence status);

/* Revokes the token on the server and closes.  Completes on "bye". */
void              td_connection_logout_async     (TdConnection       *self,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
gboolean          td_connection_logout_finish    (TdConnection *self,
                                                  GAsyncResult *result,
                                                  GError      **error);
/* Closes without revoking the token. */
void              td_connection_close            (TdConnection *self);

TdConnectionState td_connection_get_state        (TdConnection *self);
const char       *td_connection_get_token        (TdConnection *self);
TdUser           *td_connection_get_self_user    (TdConnection *self);
/* Directory as last received: TdUser* with current presence; departments: char*. */
GPtrArray        *td_connection_get_users        (TdConnection *self);
GPtrArray        *td_connection_get_departments  (TdConnection *self);
/* Sends a raw, already-encoded frame (tests and tools only). */
void              td_connection_send_raw         (TdConnection *self, const char *text);

/* Signals:
 *   "state-changed"      (TdConnectionState old_state)         -- property "state"
 *   "directory-changed"  ()                                     -- after a complete directory
 *   "presence-changed"   (const char *login, TdPresence status)
 *   "message-received"   (TdMessage *message)                   -- then acked
 *   "synced"             (gint64 seq)                            -- backlog done
 *   "server-error"       (TdErrorCode code, const char *message, const char *req)
 *   "closed"             (gushort code, const char *reason)     -- connection went away
 */

G_END_DECLS
