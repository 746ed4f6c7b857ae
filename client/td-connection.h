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

/* Same, also returning the read marks of the conversation's other
 * participants (@out_reads: TdReadMark*, never NULL on success). */
GPtrArray        *td_connection_history_finish_full (TdConnection *self,
                                                     GAsyncResult *result,
                                                     gboolean     *out_more,
                                                     GPtrArray   **out_reads,
                                                     GError      **error);

void              td_connection_set_status       (TdConnection *self, TdPresence status);

/* Round trip: completes on the matching "pong".  Frames sent before it
 * have been read by the server when it completes. */
void              td_connection_ping_async       (TdConnection       *self,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
gboolean          td_connection_ping_finish      (TdConnection *self,
                                                  GAsyncResult *result,
                                                  GError      **error);

/* Fire-and-forget frames (no answer); FALSE when not logged in (nothing
 * was sent).  @peer / @to: a login or a group address "g:<id>". */
gboolean          td_connection_send_read        (TdConnection *self, const char *peer, gint64 mid);
gboolean          td_connection_send_typing      (TdConnection *self, const char *to);

/* Group management (docs/protocol.md 12.3).  Each completes on the
 * server's "group" answer; td_connection_group_finish() returns it (and
 * whether it says removed:true).  "group-changed" is emitted for the
 * answer as well, before the callback runs.  @members / @add / @remove:
 * NULL-terminated logins, NULL = none; @name NULL = unchanged. */
void              td_connection_create_group_async (TdConnection       *self,
                                                    const char         *name,
                                                    const char * const *members,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
void              td_connection_update_group_async (TdConnection       *self,
                                                    const char         *group,
                                                    const char         *name,
                                                    const char * const *add,
                                                    const char * const *remove,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
void              td_connection_leave_group_async  (TdConnection       *self,
                                                    const char         *group,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
TdGroup          *td_connection_group_finish       (TdConnection *self,
                                                    GAsyncResult *result,
                                                    gboolean     *out_removed,
                                                    GError      **error);

/* reminder_update; completes on the "reminder" answer (also emitted as
 * "reminder-received").  @until_ms only with TD_REMINDER_ACTION_SNOOZE. */
void              td_connection_update_reminder_async  (TdConnection       *self,
                                                        gint64              rid,
                                                        TdReminderAction    action,
                                                        gint64              until_ms,
                                                        GCancellable       *cancellable,
                                                        GAsyncReadyCallback callback,
                                                        gpointer            user_data);
TdReminder       *td_connection_update_reminder_finish (TdConnection *self,
                                                        GAsyncResult *result,
                                                        GError      **error);

/* announce (admins) and reminder_status: both complete on a
 * "reminder_status" reply, returned as the frame itself (read it with
 * td_frame_get_rid / _total / _read_count / _done_count / _unread).
 * @body, @link: nullable; @department NULL = everyone. */
void              td_connection_announce_async     (TdConnection       *self,
                                                    const char         *title,
                                                    const char         *body,
                                                    const char         *link,
                                                    const char         *department,
                                                    TdPriority          priority,
                                                    GCancellable       *cancellable,
                                                    GAsyncReadyCallback callback,
                                                    gpointer            user_data);
void              td_connection_reminder_status_async (TdConnection       *self,
                                                       gint64              rid,
                                                       GCancellable       *cancellable,
                                                       GAsyncReadyCallback callback,
                                                       gpointer            user_data);
TdFrame          *td_connection_status_finish      (TdConnection *self,
                                                    GAsyncResult *result,
                                                    GError      **error);

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
/* The version tag of that directory (docs/protocol.md 5.2); NULL before
 * one arrived or with a server that sends none. */
const char       *td_connection_get_directory_version (TdConnection *self);
/* A directory cached from an earlier session (@users: TdUser*, ref'd) and
 * its version: the next auth names the version, and if the server answers
 * "unchanged" these become the users (presence from the snapshot).  A
 * connection that has no directory yet takes them as its users at once,
 * without "directory-changed": the caller already shows them, and a warm
 * start then re-applies nothing.  @version NULL forgets the cache.  The
 * connection keeps the cache current itself after each full directory. */
void              td_connection_set_cached_directory (TdConnection *self,
                                                      const char   *version,
                                                      GPtrArray    *users);
/* Groups as of the last "groups" frame plus later "group" frames
 * (TdGroup*); empty before the first "groups" frame. */
GPtrArray        *td_connection_get_groups       (TdConnection *self);
/* TRUE once this session's "groups" / "reminders" frame arrived. */
gboolean          td_connection_get_groups_received    (TdConnection *self);
gboolean          td_connection_get_reminders_received (TdConnection *self);

/* For an error from a TD_CONNECTION_ERROR_SERVER failure: the server's
 * error code (the message reads "code: server message").  FALSE for any
 * other error. */
gboolean          td_connection_error_get_code   (const GError *error, TdErrorCode *out_code);

/* Sends a raw, already-encoded frame (tests and tools only). */
void              td_connection_send_raw         (TdConnection *self, const char *text);

/* Signals:
 *   "state-changed"      (TdConnectionState old_state)         -- property "state"
 *   "directory-changed"  ()                                     -- after a complete directory, or an
 *                                                                  "unchanged" one that replaced the users
 *   "presence-changed"   (const char *login, TdPresence status) -- only for real changes (list form)
 *   "message-received"   (TdMessage *message)                   -- then acked
 *   "synced"             (gint64 seq)                            -- backlog done
 *   "server-error"       (TdErrorCode code, const char *message, const char *req)
 *   "closed"             (gushort code, const char *reason)     -- connection went away
 *   "groups-changed"     ()                                     -- a "groups" frame replaced the list
 *   "group-changed"      (TdGroup *group, gboolean removed)     -- a "group" frame (live or an answer)
 *   "receipt"            (const char *user, const char *peer, gint64 mid)
 *   "typing"             (const char *user, const char *to)
 *   "reminders-received" (GPtrArray *reminders)                 -- the session-start list (TdReminder*)
 *   "reminder-received"  (TdReminder *reminder)                 -- a "reminder" frame (live or an answer)
 */

G_END_DECLS
