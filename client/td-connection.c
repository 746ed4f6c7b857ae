/* td-connection.c - one client's WebSocket connection to tidingsd.
 *
 * Every state change goes through set_state(), and every way the socket
 * can go away (handshake failure, close by either side, cancelled login)
 * ends in teardown(): that is where a later reconnect policy hooks in.
 * Requests carry a "req" id ("r1", "r2", ...) and wait in a table until
 * the matching answer or the end of the connection.
 */
#define G_LOG_DOMAIN "td-connection"

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "td-connection.h"

#define CLIENT_NAME         "tidings/" PACKAGE_VERSION
#define KEEPALIVE_INTERVAL  30  /* seconds */

struct _TdConnection
{
  GObject                  parent_instance;

  char                    *server_url;
  char                    *device;
  char                    *token;
  TdConnectionState        state;
  gboolean                 auto_ack;

  SoupSession             *session;
  SoupWebsocketConnection *ws;
  GCancellable            *connect_cancellable; /* the handshake in progress */
  GTask                   *login_task;          /* login / resume until "welcome" */
  char                    *ws_error;            /* last error libsoup reported */

  GHashTable              *pending;             /* req -> GTask */
  guint64                  next_req;

  TdUser                  *self_user;
  GPtrArray               *users;               /* TdUser* */
  GPtrArray               *departments;         /* char* */
  GPtrArray               *incoming_users;      /* directory being received */
  GPtrArray               *incoming_departments;
  /* Directory versions (docs/protocol.md 5.2).  directory_version names
   * what users/departments hold (NULL: unknown, or an older server);
   * cached_version + cached_users are offered in the next auth and taken
   * as the directory when the server answers "unchanged". */
  char                    *directory_version;
  char                    *incoming_version;
  char                    *cached_version;
  GPtrArray               *cached_users;        /* TdUser* */
  GHashTable              *user_index;          /* login -> index + 1 in users */
  GPtrArray               *groups;              /* TdGroup* */
  gboolean                 groups_received;     /* on this session */
  gboolean                 reminders_received;

  /* Mailbox positions.  delivered_seq survives reconnects (as long as the
   * same user logs in) so a message the server resends because our ack
   * got lost is not delivered twice; acked_seq is per socket. */
  char                    *seq_owner;           /* login delivered_seq belongs to */
  gint64                   delivered_seq;       /* highest seq handed to handlers */
  gint64                   ack_target;          /* highest seq we may acknowledge */
  gint64                   acked_seq;           /* highest seq acked on this socket */
  guint                    ack_idle_id;
};

G_DEFINE_FINAL_TYPE (TdConnection, td_connection, G_TYPE_OBJECT)

G_DEFINE_QUARK (td-connection-error-quark, td_connection_error)

enum {
  PROP_0,
  PROP_STATE,
  PROP_SERVER_URL,
  PROP_DEVICE,
  PROP_TOKEN,
  PROP_AUTO_ACK,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  STATE_CHANGED,
  DIRECTORY_CHANGED,
  PRESENCE_CHANGED,
  MESSAGE_RECEIVED,
  SYNCED,
  SERVER_ERROR,
  CLOSED,
  GROUPS_CHANGED,
  GROUP_CHANGED,
  RECEIPT,
  TYPING,
  REMINDERS_RECEIVED,
  REMINDER_RECEIVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* What a login or resume needs until the socket is up. */
typedef struct {
  char                 *user;
  char                 *password;
  char                 *token;
  GSource              *cancel_source;
  GTlsCertificateFlags  tls_errors;
  char                 *host;
} LoginData;

/* Per pending request. */
typedef struct {
  char    *req;
  GSource *cancel_source;
} RequestData;

static void teardown (TdConnection *self, gushort code, const char *reason, const GError *error);

static void
wipe_string (char *str)
{
  if (str != NULL)
    memset (str, 0, strlen (str));
}

static void
destroy_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static void
login_data_free (gpointer data)
{
  LoginData *ld = data;

  wipe_string (ld->password);
  g_free (ld->user);
  g_free (ld->password);
  wipe_string (ld->token);
  g_free (ld->token);
  g_free (ld->host);
  destroy_source (&ld->cancel_source);
  g_free (ld);
}

static void
request_data_free (gpointer data)
{
  RequestData *rd = data;

  g_free (rd->req);
  destroy_source (&rd->cancel_source);
  g_free (rd);
}

/* The enum is not declared in the header (no glib-mkenums yet); register
 * it here, reusing a registration made elsewhere under the same name. */
static GType
connection_state_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      static const GEnumValue values[] = {
        { TD_CONNECTION_STATE_DISCONNECTED, "TD_CONNECTION_STATE_DISCONNECTED", "disconnected" },
        { TD_CONNECTION_STATE_CONNECTING, "TD_CONNECTION_STATE_CONNECTING", "connecting" },
        { TD_CONNECTION_STATE_AUTHENTICATING, "TD_CONNECTION_STATE_AUTHENTICATING", "authenticating" },
        { TD_CONNECTION_STATE_SYNCING, "TD_CONNECTION_STATE_SYNCING", "syncing" },
        { TD_CONNECTION_STATE_ONLINE, "TD_CONNECTION_STATE_ONLINE", "online" },
        { 0, NULL, NULL }
      };
      GType id = g_type_from_name ("TdConnectionState");

      if (id == 0)
        id = g_enum_register_static (g_intern_static_string ("TdConnectionState"), values);
      g_once_init_leave (&type_id, id);
    }
  return type_id;
}

/* ---- state machine ---- */

static void
set_state (TdConnection *self, TdConnectionState state)
{
  TdConnectionState old_state = self->state;

  if (old_state == state)
    return;
  self->state = state;
  g_debug ("state %d -> %d", old_state, state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_signal_emit (self, signals[STATE_CHANGED], 0, old_state);
}

static void
set_token (TdConnection *self, const char *token)
{
  if (g_strcmp0 (self->token, token) == 0)
    return;
  wipe_string (self->token);
  g_free (self->token);
  self->token = g_strdup (token);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN]);
}

static gboolean
is_open (TdConnection *self)
{
  return self->ws != NULL &&
         soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN;
}

/* Logged in: requests other than auth make sense. */
static gboolean
is_logged_in (TdConnection *self)
{
  return is_open (self) &&
         (self->state == TD_CONNECTION_STATE_SYNCING || self->state == TD_CONNECTION_STATE_ONLINE);
}

static void
send_frame (TdConnection *self, TdFrame *frame)
{
  g_autofree char *text = NULL;

  if (!is_open (self))
    return;
  text = td_frame_encode (frame, NULL);
  soup_websocket_connection_send_text (self->ws, text);
}

/* ---- acknowledgements ---- */

static void
flush_ack (TdConnection *self)
{
  g_autoptr(TdFrame) frame = NULL;

  g_clear_handle_id (&self->ack_idle_id, g_source_remove);
  if (!is_open (self) || self->ack_target <= self->acked_seq)
    return;
  frame = td_frame_new_ack (self->ack_target);
  send_frame (self, frame);
  self->acked_seq = self->ack_target;
}

static gboolean
ack_idle_cb (gpointer user_data)
{
  TdConnection *self = user_data;

  self->ack_idle_id = 0;
  flush_ack (self);
  return G_SOURCE_REMOVE;
}

/* Idle priority: a backlog arriving in a burst is acknowledged once, when
 * the socket has nothing more to read. */
static void
schedule_ack (TdConnection *self)
{
  if (self->ack_idle_id != 0 || !is_open (self) || self->ack_target <= self->acked_seq)
    return;
  self->ack_idle_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, ack_idle_cb, self, NULL);
}

/* ---- pending requests ---- */

static gboolean
request_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  GTask *task = user_data;
  TdConnection *self = g_task_get_source_object (task);
  RequestData *rd = g_task_get_task_data (task);
  g_autoptr(GTask) owned = NULL;
  gpointer key = NULL;
  gpointer value = NULL;

  if (g_hash_table_steal_extended (self->pending, rd->req, &key, &value))
    {
      g_free (key);
      owned = value;
      destroy_source (&rd->cancel_source);
      g_task_return_error_if_cancelled (owned);
    }
  return G_SOURCE_REMOVE;
}

static char *
next_req (TdConnection *self)
{
  return g_strdup_printf ("r%" G_GUINT64_FORMAT, ++self->next_req);
}

static void
add_pending (TdConnection *self, GTask *task, const char *req)
{
  RequestData *rd = g_new0 (RequestData, 1);
  GCancellable *cancellable = g_task_get_cancellable (task);

  rd->req = g_strdup (req);
  g_task_set_task_data (task, rd, request_data_free);
  if (cancellable != NULL)
    {
      rd->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (rd->cancel_source, G_SOURCE_FUNC (request_cancelled_cb), task, NULL);
      g_source_attach (rd->cancel_source, g_task_get_context (task));
    }
  g_hash_table_insert (self->pending, g_strdup (req), g_object_ref (task));
}

static GTask *
take_pending (TdConnection *self, const char *req)
{
  gpointer key = NULL;
  gpointer value = NULL;
  RequestData *rd;

  if (req == NULL || !g_hash_table_steal_extended (self->pending, req, &key, &value))
    return NULL;
  g_free (key);
  rd = g_task_get_task_data (value);
  destroy_source (&rd->cancel_source);
  return value;
}

/* Encodes a request frame and, if the server can take it, sends it and
 * files the task under @req.  Fails the task otherwise. */
static void
send_request (TdConnection *self, GTask *task, const char *req, TdFrame *frame)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!is_logged_in (self))
    {
      g_task_return_new_error (task, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_CLOSED,
                               "Not connected");
      return;
    }
  text = td_frame_encode (frame, &len);
  if (len > TD_PROTO_MAX_FRAME)
    {
      g_task_return_new_error (task, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_FAILED,
                               "Request too large (%" G_GSIZE_FORMAT " bytes, limit %d)",
                               len, TD_PROTO_MAX_FRAME);
      return;
    }
  add_pending (self, task, req);
  soup_websocket_connection_send_text (self->ws, text);
}

/* ---- login ---- */

static GTask *
take_login_task (TdConnection *self)
{
  LoginData *ld;

  if (self->login_task == NULL)
    return NULL;
  ld = g_task_get_task_data (self->login_task);
  destroy_source (&ld->cancel_source);
  return g_steal_pointer (&self->login_task);
}

static gboolean
login_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  TdConnection *self = user_data;
  g_autoptr(GTask) task = take_login_task (self);

  if (task != NULL)
    g_task_return_error_if_cancelled (task);
  td_connection_close (self);
  return G_SOURCE_REMOVE;
}

static GError *
error_from_frame (TdFrame *frame)
{
  TdErrorCode code = td_frame_get_error_code (frame);
  const char *message = td_frame_get_error_message (frame);
  TdConnectionError domain_code = TD_CONNECTION_ERROR_SERVER;

  if (code == TD_ERR_AUTH_FAILED)
    domain_code = TD_CONNECTION_ERROR_AUTH_FAILED;
  else if (code == TD_ERR_TOKEN_INVALID)
    domain_code = TD_CONNECTION_ERROR_TOKEN_INVALID;

  return g_error_new (TD_CONNECTION_ERROR, domain_code, "%s: %s",
                      td_error_code_to_string (code), message ? message : "");
}

static const char *
describe_tls_errors (GTlsCertificateFlags flags)
{
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return "it is not signed by a trusted certificate authority";
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return "it does not match the server's host name";
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return "it has expired";
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return "it is not valid yet";
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return "it has been revoked";
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return "it uses an insecure algorithm";
  return "it is invalid";
}

/* Records why the certificate was refused so the error can say so; never
 * accepts: verification stays libsoup's strict default. */
static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  LoginData *ld = user_data;

  ld->tls_errors |= errors;
  return FALSE;
}

static void
ws_message_cb (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer user_data);
static void
ws_closed_cb (SoupWebsocketConnection *ws, gpointer user_data);
static void
ws_error_cb (SoupWebsocketConnection *ws, GError *error, gpointer user_data);

static void
connect_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TdConnection *self = g_task_get_source_object (task);
  LoginData *ld = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupWebsocketConnection) ws = NULL;
  g_autoptr(TdFrame) auth = NULL;
  gboolean aborted;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  aborted = g_cancellable_is_cancelled (self->connect_cancellable);
  g_clear_object (&self->connect_cancellable);

  if (ws == NULL || aborted)
    {
      g_autoptr(GError) described = NULL;

      if (ws != NULL)
        soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      if (aborted)
        described = g_error_new_literal (TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_CLOSED,
                                         "Connection closed before login completed");
      else if (ld->tls_errors != 0 || error->domain == G_TLS_ERROR)
        described = g_error_new (TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_FAILED,
                                 "TLS certificate of %s was rejected: %s",
                                 ld->host, describe_tls_errors (ld->tls_errors));
      else
        described = g_error_new (TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_FAILED,
                                 "Could not connect to %s: %s", self->server_url, error->message);
      teardown (self, SOUP_WEBSOCKET_CLOSE_ABNORMAL, described->message, described);
      return;
    }

  self->ws = g_steal_pointer (&ws);
  g_clear_pointer (&self->ws_error, g_free);
  /* Never 0: unlimited payload size is CVE-2026-0716 territory. */
  soup_websocket_connection_set_max_incoming_payload_size (self->ws, TD_PROTO_MAX_SERVER_FRAME);
  soup_websocket_connection_set_keepalive_interval (self->ws, KEEPALIVE_INTERVAL);
  g_signal_connect (self->ws, "message", G_CALLBACK (ws_message_cb), self);
  g_signal_connect (self->ws, "closed", G_CALLBACK (ws_closed_cb), self);
  g_signal_connect (self->ws, "error", G_CALLBACK (ws_error_cb), self);
  self->acked_seq = 0;

  set_state (self, TD_CONNECTION_STATE_AUTHENTICATING);
  if (ld->token != NULL)
    auth = td_frame_new_auth_token_cached (ld->token, self->device, CLIENT_NAME, self->cached_version);
  else
    auth = td_frame_new_auth_password_cached (ld->user, ld->password, self->device, CLIENT_NAME,
                                              self->cached_version);
  send_frame (self, auth);

  /* The secret is on the wire now; do not keep it in memory. */
  wipe_string (ld->password);
  wipe_string (ld->token);
}

static char *
websocket_http_url (const char *server_url, char **out_host, GError **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *path;
  const char *http_scheme;
  g_autofree char *full_path = NULL;
  g_autoptr(GUri) result = NULL;

  uri = g_uri_parse (server_url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_FAILED,
                   "Invalid server URL “%s”", server_url);
      return NULL;
    }

  scheme = g_uri_get_scheme (uri);
  path = g_uri_get_path (uri);
  if (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0)
    {
      /* http(s) names the server; the endpoint is below it. */
      http_scheme = g_ascii_strcasecmp (scheme, "http") == 0 ? "http" : "https";
      if (g_str_has_suffix (path, "/"))
        full_path = g_strconcat (path, TD_PROTO_WS_PATH + 1, NULL);
      else
        full_path = g_strconcat (path, TD_PROTO_WS_PATH, NULL);
    }
  else if (g_ascii_strcasecmp (scheme, "ws") == 0 || g_ascii_strcasecmp (scheme, "wss") == 0)
    {
      http_scheme = g_ascii_strcasecmp (scheme, "ws") == 0 ? "http" : "https";
      full_path = g_strdup (*path != '\0' ? path : TD_PROTO_WS_PATH);
    }
  else
    {
      g_set_error (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_FAILED,
                   "Unsupported server URL scheme “%s” (use http, https, ws or wss)", scheme);
      return NULL;
    }

  if (out_host != NULL)
    *out_host = g_strdup (g_uri_get_host (uri));
  result = g_uri_build (SOUP_HTTP_URI_FLAGS, http_scheme, NULL, g_uri_get_host (uri),
                        g_uri_get_port (uri), full_path, g_uri_get_query (uri), NULL);
  return g_uri_to_string (result);
}

static void
begin_login (TdConnection *self, GTask *task, LoginData *ld)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *url = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);
  char *protocols[] = { (char *) TD_PROTO_SUBPROTOCOL, NULL };

  g_task_set_task_data (task, ld, login_data_free);

  if (self->state != TD_CONNECTION_STATE_DISCONNECTED)
    {
      g_task_return_new_error (task, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_FAILED,
                               "Already connected");
      return;
    }

  url = websocket_http_url (self->server_url, &ld->host, &error);
  if (url == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  msg = soup_message_new ("GET", url);
  if (msg == NULL)
    {
      g_task_return_new_error (task, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_FAILED,
                               "Invalid server URL “%s”", self->server_url);
      return;
    }
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), ld);

  self->login_task = g_object_ref (task);
  if (cancellable != NULL)
    {
      ld->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (ld->cancel_source, G_SOURCE_FUNC (login_cancelled_cb), self, NULL);
      g_source_attach (ld->cancel_source, g_task_get_context (task));
    }

  self->connect_cancellable = g_cancellable_new ();
  set_state (self, TD_CONNECTION_STATE_CONNECTING);
  soup_session_websocket_connect_async (self->session, msg, NULL, protocols, G_PRIORITY_DEFAULT,
                                        self->connect_cancellable, connect_cb, g_object_ref (task));
}

/* ---- teardown: the one place a connection ends ---- */

static void
teardown (TdConnection *self, gushort code, const char *reason, const GError *error)
{
  g_autoptr(TdConnection) hold = g_object_ref (self);
  g_autoptr(GTask) login = NULL;
  g_autoptr(GPtrArray) tasks = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *reason_copy = g_strdup (reason);
  GHashTableIter iter;
  gpointer value;

  if (self->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ws, self);
      g_clear_object (&self->ws);
    }
  g_clear_object (&self->connect_cancellable);
  g_clear_handle_id (&self->ack_idle_id, g_source_remove);
  g_clear_pointer (&self->incoming_users, g_ptr_array_unref);
  g_clear_pointer (&self->incoming_departments, g_ptr_array_unref);
  g_clear_pointer (&self->incoming_version, g_free);

  /* Take every waiting task out first: their callbacks may run right
   * away and start a new login on this object. */
  login = take_login_task (self);
  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      RequestData *rd = g_task_get_task_data (value);

      destroy_source (&rd->cancel_source);
      g_ptr_array_add (tasks, g_object_ref (value));
    }
  g_hash_table_remove_all (self->pending);

  set_state (self, TD_CONNECTION_STATE_DISCONNECTED);
  g_signal_emit (self, signals[CLOSED], 0, (guint) code, reason_copy);

  if (login != NULL)
    {
      if (error != NULL)
        g_task_return_error (login, g_error_copy (error));
      else
        g_task_return_new_error (login, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_CLOSED,
                                 "Connection closed before login completed (%u%s%s)",
                                 code, reason_copy && *reason_copy ? ": " : "",
                                 reason_copy ? reason_copy : "");
    }
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_new_error (tasks->pdata[i], TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_CLOSED,
                             "Connection closed before the answer (%u%s%s)",
                             code, reason_copy && *reason_copy ? ": " : "",
                             reason_copy ? reason_copy : "");
}

static void
ws_closed_cb (SoupWebsocketConnection *ws, gpointer user_data)
{
  TdConnection *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (ws);
  const char *reason = soup_websocket_connection_get_close_data (ws);
  g_autofree char *why = NULL;

  if (code == 0)
    code = SOUP_WEBSOCKET_CLOSE_ABNORMAL;
  if (reason == NULL || *reason == '\0')
    reason = self->ws_error;
  why = g_strdup (reason ? reason : "");
  g_debug ("connection closed: %u %s", code, why);
  teardown (self, code, why, NULL);
}

static void
ws_error_cb (SoupWebsocketConnection *ws, GError *error, gpointer user_data)
{
  TdConnection *self = user_data;

  g_debug ("WebSocket error: %s", error->message);
  g_free (self->ws_error);
  self->ws_error = g_strdup (error->message);
}

/* ---- incoming frames ---- */

static void
handle_welcome (TdConnection *self, TdFrame *frame)
{
  g_autoptr(GTask) task = NULL;
  TdUser *user = td_frame_get_self_user (frame);

  if (self->state != TD_CONNECTION_STATE_AUTHENTICATING || user == NULL)
    {
      g_warning ("Ignoring unexpected welcome frame");
      return;
    }

  /* Mailbox positions belong to one user. */
  if (g_strcmp0 (self->seq_owner, td_user_get_login (user)) != 0)
    {
      g_free (self->seq_owner);
      self->seq_owner = g_strdup (td_user_get_login (user));
      self->delivered_seq = 0;
      self->ack_target = 0;
    }

  g_clear_pointer (&self->self_user, td_user_unref);
  self->self_user = td_user_ref (user);
  self->groups_received = FALSE;
  self->reminders_received = FALSE;
  set_token (self, td_frame_get_token (frame));
  set_state (self, TD_CONNECTION_STATE_SYNCING);

  task = take_login_task (self);
  if (task != NULL)
    g_task_return_pointer (task, td_user_ref (user), (GDestroyNotify) td_user_unref);
}

/* users changed as a whole: the login index follows. */
static void
index_users (TdConnection *self)
{
  g_hash_table_remove_all (self->user_index);
  for (guint i = 0; i < self->users->len; i++)
    g_hash_table_insert (self->user_index, (gpointer) td_user_get_login (self->users->pdata[i]),
                         GUINT_TO_POINTER (i + 1));
}

static TdPresence
current_presence (TdConnection *self, const char *login)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (self->user_index, login));

  return i > 0 ? td_user_get_presence (self->users->pdata[i - 1]) : TD_PRESENCE_OFFLINE;
}

/* A copy of @users (TdUser*) with the presence this connection knows:
 * a versioned directory carries none (it comes in the snapshot that
 * follows), and keeping what is known avoids everyone flashing offline
 * until then. */
static GPtrArray *
with_known_presence (TdConnection *self, GPtrArray *users)
{
  GPtrArray *result = g_ptr_array_new_full (users->len, (GDestroyNotify) td_user_unref);

  for (guint i = 0; i < users->len; i++)
    {
      TdUser *user = users->pdata[i];
      TdPresence known = current_presence (self, td_user_get_login (user));

      g_ptr_array_add (result, known == td_user_get_presence (user)
                               ? td_user_ref (user) : td_user_with_presence (user, known));
    }
  return result;
}

static void
set_directory (TdConnection *self, GPtrArray *users, GPtrArray *departments, const char *version)
{
  g_ptr_array_unref (self->users);
  self->users = users;
  index_users (self);
  if (departments != NULL)
    {
      g_ptr_array_unref (self->departments);
      self->departments = departments;
    }
  g_free (self->directory_version);
  self->directory_version = g_strdup (version);
}

static void
handle_directory (TdConnection *self, TdFrame *frame)
{
  GPtrArray *users = td_frame_get_users (frame);
  GPtrArray *departments = td_frame_get_departments (frame);
  const char *version = td_frame_get_directory_version (frame);
  g_autoptr(GPtrArray) incoming = NULL;

  if (td_frame_get_unchanged (frame))
    {
      GPtrArray *fresh_departments = g_ptr_array_new_with_free_func (g_free);

      g_clear_pointer (&self->incoming_users, g_ptr_array_unref);
      g_clear_pointer (&self->incoming_departments, g_ptr_array_unref);
      for (guint i = 0; departments != NULL && i < departments->len; i++)
        g_ptr_array_add (fresh_departments, g_strdup (departments->pdata[i]));
      /* Already showing that list (a reconnect, or the warm start whose
       * cache became the directory in set_cached_directory): re-applying
       * 10,000 people would change nothing. */
      if (g_strcmp0 (self->directory_version, version) == 0)
        {
          g_ptr_array_unref (self->departments);
          self->departments = fresh_departments;
          return;
        }
      if (self->cached_users == NULL || g_strcmp0 (self->cached_version, version) != 0)
        {
          g_warning ("The server confirmed a directory version this client does not have");
          g_ptr_array_unref (fresh_departments);
          return;
        }
      set_directory (self, with_known_presence (self, self->cached_users), fresh_departments, version);
      g_signal_emit (self, signals[DIRECTORY_CHANGED], 0);
      return;
    }

  if (self->incoming_users == NULL)
    {
      self->incoming_users = g_ptr_array_new_with_free_func ((GDestroyNotify) td_user_unref);
      self->incoming_departments = g_ptr_array_new_with_free_func (g_free);
      g_clear_pointer (&self->incoming_version, g_free);
      self->incoming_version = g_strdup (version);
    }
  for (guint i = 0; users != NULL && i < users->len; i++)
    g_ptr_array_add (self->incoming_users, td_user_ref (users->pdata[i]));
  for (guint i = 0; departments != NULL && i < departments->len; i++)
    g_ptr_array_add (self->incoming_departments, g_strdup (departments->pdata[i]));

  if (!td_frame_get_complete (frame))
    return;

  incoming = g_steal_pointer (&self->incoming_users);
  if (self->incoming_version != NULL)
    {
      /* A versioned directory says nothing of presence: keep what is
       * known, and remember the list for the next auth. */
      set_directory (self, with_known_presence (self, incoming),
                     g_steal_pointer (&self->incoming_departments), self->incoming_version);
      g_free (self->cached_version);
      self->cached_version = g_strdup (self->incoming_version);
      g_clear_pointer (&self->cached_users, g_ptr_array_unref);
      self->cached_users = g_ptr_array_ref (self->users);
    }
  else
    {
      /* An older server: statuses in the directory are current. */
      set_directory (self, g_steal_pointer (&incoming),
                     g_steal_pointer (&self->incoming_departments), NULL);
    }
  g_clear_pointer (&self->incoming_version, g_free);
  g_signal_emit (self, signals[DIRECTORY_CHANGED], 0);
}

static void
update_presence_in (GPtrArray *users, const char *login, TdPresence status)
{
  for (guint i = 0; users != NULL && i < users->len; i++)
    {
      TdUser *user = users->pdata[i];

      if (g_str_equal (td_user_get_login (user), login))
        {
          /* TdUser is immutable: swap in a new one. */
          users->pdata[i] = td_user_with_presence (user, status);
          td_user_unref (user);
          return;
        }
    }
}

/* Sets @login's presence; TRUE if that changed anything known. */
static gboolean
set_presence (TdConnection *self, const char *login, TdPresence status)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (self->user_index, login));
  gboolean changed = FALSE;

  if (i > 0 && td_user_get_presence (self->users->pdata[i - 1]) != status)
    {
      TdUser *old = self->users->pdata[i - 1];

      /* TdUser is immutable: swap in a new one.  The index is keyed by
       * the login string of the entry, so the key is replaced too. */
      self->users->pdata[i - 1] = td_user_with_presence (old, status);
      g_hash_table_replace (self->user_index, (gpointer) td_user_get_login (self->users->pdata[i - 1]),
                            GUINT_TO_POINTER (i));
      td_user_unref (old);
      changed = TRUE;
    }
  /* Rare: presence while a directory is being received. */
  update_presence_in (self->incoming_users, login, status);
  if (self->self_user != NULL && g_str_equal (td_user_get_login (self->self_user), login)
      && td_user_get_presence (self->self_user) != status)
    {
      TdUser *old = self->self_user;

      self->self_user = td_user_with_presence (old, status);
      td_user_unref (old);
      changed = TRUE;
    }
  return changed;
}

/* The list form (docs/protocol.md 5.3): a snapshot sets everyone, a delta
 * the people it lists; "presence-changed" only for real changes. */
static void
handle_presence_list (TdConnection *self, TdFrame *frame)
{
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) statuses = g_array_new (FALSE, FALSE, sizeof (gint));
  g_autofree char *me = self->self_user ? g_strdup (td_user_get_login (self->self_user)) : NULL;

  if (td_frame_get_snapshot (frame))
    {
      g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);

      for (TdPresence p = TD_PRESENCE_ONLINE; p <= TD_PRESENCE_BUSY; p++)
        {
          const char * const *logins = td_frame_get_presence_logins (frame, p);

          for (guint i = 0; logins[i] != NULL; i++)
            g_hash_table_insert (listed, (gpointer) logins[i], GINT_TO_POINTER (p));
        }
      for (guint i = 0; i < self->users->len; i++)
        {
          /* A copy: set_presence() frees the entry it replaces. */
          g_autofree char *login = g_strdup (td_user_get_login (self->users->pdata[i]));
          TdPresence p = GPOINTER_TO_INT (g_hash_table_lookup (listed, login));

          /* The snapshot is as of the server's last flush, which may
           * predate this very login: it cannot tell us we are offline. */
          if (p == TD_PRESENCE_OFFLINE && g_strcmp0 (login, me) == 0)
            continue;
          if (set_presence (self, login, p))
            {
              g_ptr_array_add (changed, g_steal_pointer (&login));
              g_array_append_val (statuses, p);
            }
        }
    }
  else
    {
      for (TdPresence p = TD_PRESENCE_OFFLINE; p <= TD_PRESENCE_BUSY; p++)
        {
          const char * const *logins = td_frame_get_presence_logins (frame, p);

          for (guint i = 0; logins[i] != NULL; i++)
            if (set_presence (self, logins[i], p))
              {
                g_ptr_array_add (changed, g_strdup (logins[i]));
                g_array_append_val (statuses, p);
              }
        }
    }
  /* Signals last: a handler may look at td_connection_get_users(). */
  for (guint i = 0; i < changed->len; i++)
    g_signal_emit (self, signals[PRESENCE_CHANGED], 0, changed->pdata[i],
                   g_array_index (statuses, gint, i));
}

static void
handle_presence (TdConnection *self, TdFrame *frame)
{
  const char *login = td_frame_get_user (frame);
  TdPresence status = td_frame_get_status (frame);

  if (td_frame_is_presence_list (frame))
    {
      handle_presence_list (self, frame);
      return;
    }
  if (login == NULL)
    return;
  set_presence (self, login, status);
  g_signal_emit (self, signals[PRESENCE_CHANGED], 0, login, (gint) status);
}

static void
handle_message (TdConnection *self, TdFrame *frame)
{
  TdMessage *message = td_frame_get_message (frame);
  gint64 seq;
  gboolean ack;

  if (message == NULL)
    return;
  seq = td_message_get_seq (message);

  if (seq > 0 && seq <= self->delivered_seq)
    {
      /* Resent because our ack did not arrive: acknowledge again. */
      g_debug ("dropping duplicate of seq %" G_GINT64_FORMAT, seq);
      schedule_ack (self);
      return;
    }
  if (seq > 0)
    self->delivered_seq = seq;

  /* Sampled before the handlers run, so a handler may turn auto-ack off
   * to stop after (and including) the current message. */
  ack = self->auto_ack;
  g_signal_emit (self, signals[MESSAGE_RECEIVED], 0, message);
  if (ack && seq > self->ack_target)
    self->ack_target = seq;
  schedule_ack (self);
}

static void
handle_answer (TdConnection *self, TdFrame *frame)
{
  g_autoptr(GTask) task = take_pending (self, td_frame_get_req (frame));

  if (task == NULL)
    {
      g_debug ("answer of type %s for no pending request",
               td_frame_type_to_string (td_frame_get_frame_type (frame)));
      return;
    }
  g_task_return_pointer (task, td_frame_ref (frame), (GDestroyNotify) td_frame_unref);
}

static void
handle_sent (TdConnection *self, TdFrame *frame)
{
  TdMessage *message = td_frame_get_message (frame);
  gint64 seq = message ? td_message_get_seq (message) : 0;

  /* The message is also in our own mailbox.  Like the server, count it
   * as delivered on this connection when it is the next one there, so
   * it is acknowledged and not sent back to this device later; when it
   * is not the next one, it comes as a "message" in its turn. */
  if (seq > 0 && seq == self->delivered_seq + 1)
    {
      self->delivered_seq = seq;
      if (self->auto_ack)
        self->ack_target = seq;
      schedule_ack (self);
    }
  handle_answer (self, frame);
}

static void
handle_bye (TdConnection *self, TdFrame *frame)
{
  g_autoptr(GTask) task = take_pending (self, td_frame_get_req (frame));

  if (task == NULL)
    return;  /* the server says goodbye on its own; its close follows */
  set_token (self, NULL);
  g_task_return_boolean (task, TRUE);
  td_connection_close (self);
}

static void
handle_error (TdConnection *self, TdFrame *frame)
{
  g_autoptr(TdConnection) hold = g_object_ref (self);
  g_autoptr(GTask) task = take_pending (self, td_frame_get_req (frame));
  g_autoptr(GTask) login = NULL;
  const char *message = td_frame_get_error_message (frame);

  if (task == NULL && self->state == TD_CONNECTION_STATE_AUTHENTICATING)
    login = take_login_task (self);

  g_signal_emit (self, signals[SERVER_ERROR], 0, (gint) td_frame_get_error_code (frame),
                 message ? message : "", td_frame_get_req (frame));

  if (task != NULL)
    g_task_return_error (task, error_from_frame (frame));
  if (login != NULL)
    {
      g_task_return_error (login, error_from_frame (frame));
      /* A refused login leaves nothing to do on this socket. */
      td_connection_close (self);
    }
}

static void
handle_groups (TdConnection *self, TdFrame *frame)
{
  GPtrArray *groups = td_frame_get_groups (frame);

  g_ptr_array_set_size (self->groups, 0);
  for (guint i = 0; groups != NULL && i < groups->len; i++)
    g_ptr_array_add (self->groups, td_group_ref (groups->pdata[i]));
  self->groups_received = TRUE;
  g_signal_emit (self, signals[GROUPS_CHANGED], 0);
}

static void
handle_group (TdConnection *self, TdFrame *frame)
{
  g_autoptr(GTask) task = take_pending (self, td_frame_get_req (frame));
  TdGroup *group = td_frame_get_group (frame);
  gboolean removed = td_frame_get_removed (frame);
  gboolean found = FALSE;

  if (group == NULL)
    return;
  for (guint i = 0; i < self->groups->len; i++)
    if (td_group_get_id (self->groups->pdata[i]) == td_group_get_id (group))
      {
        found = TRUE;
        if (removed)
          g_ptr_array_remove_index (self->groups, i);
        else
          {
            td_group_unref (self->groups->pdata[i]);
            self->groups->pdata[i] = td_group_ref (group);
          }
        break;
      }
  if (!found && !removed)
    g_ptr_array_add (self->groups, td_group_ref (group));
  /* Listeners learn of the change before the requester does, so the
   * requester finds its model already up to date. */
  g_signal_emit (self, signals[GROUP_CHANGED], 0, group, removed);
  if (task != NULL)
    g_task_return_pointer (task, td_frame_ref (frame), (GDestroyNotify) td_frame_unref);
}

static void
handle_reminder (TdConnection *self, TdFrame *frame)
{
  g_autoptr(GTask) task = take_pending (self, td_frame_get_req (frame));
  TdReminder *reminder = td_frame_get_reminder (frame);

  if (reminder == NULL)
    return;
  g_signal_emit (self, signals[REMINDER_RECEIVED], 0, reminder);
  if (task != NULL)
    g_task_return_pointer (task, td_frame_ref (frame), (GDestroyNotify) td_frame_unref);
}

static void
dispatch_frame (TdConnection *self, TdFrame *frame)
{
  switch (td_frame_get_frame_type (frame))
    {
    case TD_FRAME_WELCOME:
      handle_welcome (self, frame);
      break;
    case TD_FRAME_DIRECTORY:
      handle_directory (self, frame);
      break;
    case TD_FRAME_PRESENCE:
      handle_presence (self, frame);
      break;
    case TD_FRAME_MESSAGE:
      handle_message (self, frame);
      break;
    case TD_FRAME_SYNCED:
      if (self->state == TD_CONNECTION_STATE_SYNCING)
        set_state (self, TD_CONNECTION_STATE_ONLINE);
      g_signal_emit (self, signals[SYNCED], 0, td_frame_get_seq (frame));
      break;
    case TD_FRAME_SENT:
      handle_sent (self, frame);
      break;
    case TD_FRAME_PONG:
      handle_answer (self, frame);
      break;
    case TD_FRAME_HISTORY:
      if (td_frame_is_history_result (frame))
        handle_answer (self, frame);
      break;
    case TD_FRAME_BYE:
      handle_bye (self, frame);
      break;
    case TD_FRAME_ERROR:
      handle_error (self, frame);
      break;
    case TD_FRAME_GROUPS:
      handle_groups (self, frame);
      break;
    case TD_FRAME_GROUP:
      handle_group (self, frame);
      break;
    case TD_FRAME_RECEIPT:
      if (td_frame_get_user (frame) != NULL && td_frame_get_peer (frame) != NULL)
        g_signal_emit (self, signals[RECEIPT], 0, td_frame_get_user (frame),
                       td_frame_get_peer (frame), td_frame_get_mid (frame));
      break;
    case TD_FRAME_TYPING:
      if (td_frame_get_user (frame) != NULL && td_frame_get_to (frame) != NULL)
        g_signal_emit (self, signals[TYPING], 0, td_frame_get_user (frame), td_frame_get_to (frame));
      break;
    case TD_FRAME_REMINDERS:
      self->reminders_received = TRUE;
      {
        GPtrArray *reminders = td_frame_get_reminders (frame);
        g_autoptr(GPtrArray) copy = g_ptr_array_new_with_free_func ((GDestroyNotify) td_reminder_unref);

        for (guint i = 0; reminders != NULL && i < reminders->len; i++)
          g_ptr_array_add (copy, td_reminder_ref (reminders->pdata[i]));
        g_signal_emit (self, signals[REMINDERS_RECEIVED], 0, copy);
      }
      break;
    case TD_FRAME_REMINDER:
      handle_reminder (self, frame);
      break;
    case TD_FRAME_REMINDER_STATUS:
      if (td_frame_is_status_result (frame))
        handle_answer (self, frame);
      break;
    case TD_FRAME_INVALID:
    case TD_FRAME_AUTH:
    case TD_FRAME_SEND:
    case TD_FRAME_ACK:
    case TD_FRAME_STATUS:
    case TD_FRAME_LOGOUT:
    case TD_FRAME_PING:
    case TD_FRAME_READ:
    case TD_FRAME_GROUP_CREATE:
    case TD_FRAME_GROUP_UPDATE:
    case TD_FRAME_GROUP_LEAVE:
    case TD_FRAME_REMINDER_UPDATE:
    case TD_FRAME_ANNOUNCE:
    case TD_FRAME_N_TYPES:
    default:
      g_debug ("ignoring frame of type %s from the server",
               td_frame_type_to_string (td_frame_get_frame_type (frame)));
      break;
    }
}

static void
ws_message_cb (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer user_data)
{
  TdConnection *self = user_data;
  g_autoptr(TdConnection) hold = g_object_ref (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(TdFrame) frame = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (message, &len);

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_warning ("Ignoring binary frame from the server (%" G_GSIZE_FORMAT " bytes)", len);
      return;
    }
  frame = td_frame_decode (data, len, TD_PROTO_MAX_SERVER_FRAME, NULL, &error);
  if (frame == NULL && g_error_matches (error, TD_PROTO_ERROR, TD_PROTO_ERROR_UNKNOWN_TYPE))
    {
      /* A newer server may say things we do not know yet. */
      g_debug ("Ignoring frame from the server: %s", error->message);
      return;
    }
  if (frame == NULL)
    {
      /* Never log the frame itself: it may hold message text. */
      g_warning ("Ignoring undecodable frame from the server (%" G_GSIZE_FORMAT " bytes): %s",
                 len, error->message);
      return;
    }
  dispatch_frame (self, frame);
}

/* ---- GObject ---- */

static void
td_connection_dispose (GObject *object)
{
  TdConnection *self = TD_CONNECTION (object);

  g_clear_handle_id (&self->ack_idle_id, g_source_remove);
  if (self->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ws, self);
      if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&self->ws);
    }
  if (self->connect_cancellable != NULL)
    g_cancellable_cancel (self->connect_cancellable);
  g_clear_object (&self->connect_cancellable);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (td_connection_parent_class)->dispose (object);
}

static void
td_connection_finalize (GObject *object)
{
  TdConnection *self = TD_CONNECTION (object);

  g_free (self->server_url);
  g_free (self->device);
  wipe_string (self->token);
  g_free (self->token);
  g_free (self->ws_error);
  g_free (self->seq_owner);
  g_hash_table_unref (self->pending);
  g_clear_pointer (&self->self_user, td_user_unref);
  g_clear_pointer (&self->users, g_ptr_array_unref);
  g_clear_pointer (&self->departments, g_ptr_array_unref);
  g_clear_pointer (&self->incoming_users, g_ptr_array_unref);
  g_clear_pointer (&self->incoming_departments, g_ptr_array_unref);
  g_clear_pointer (&self->groups, g_ptr_array_unref);
  g_clear_pointer (&self->user_index, g_hash_table_unref);
  g_clear_pointer (&self->cached_users, g_ptr_array_unref);
  g_free (self->directory_version);
  g_free (self->incoming_version);
  g_free (self->cached_version);

  G_OBJECT_CLASS (td_connection_parent_class)->finalize (object);
}

static void
td_connection_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TdConnection *self = TD_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    case PROP_DEVICE:
      g_value_set_string (value, self->device);
      break;
    case PROP_TOKEN:
      g_value_set_string (value, self->token);
      break;
    case PROP_AUTO_ACK:
      g_value_set_boolean (value, self->auto_ack);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_connection_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  TdConnection *self = TD_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_SERVER_URL:
      self->server_url = g_value_dup_string (value);
      break;
    case PROP_DEVICE:
      self->device = g_value_dup_string (value);
      break;
    case PROP_AUTO_ACK:
      if (self->auto_ack != g_value_get_boolean (value))
        {
          self->auto_ack = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_connection_class_init (TdConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_connection_dispose;
  object_class->finalize = td_connection_finalize;
  object_class->get_property = td_connection_get_property;
  object_class->set_property = td_connection_set_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, connection_state_get_type (),
                       TD_CONNECTION_STATE_DISCONNECTED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DEVICE] =
    g_param_spec_string ("device", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Whether messages are acknowledged after their "message-received"
   * handlers ran.  Sampled as each message arrives.  Tools that only send
   * or look things up turn it off so they do not consume the backlog. */
  properties[PROP_AUTO_ACK] =
    g_param_spec_boolean ("auto-ack", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, connection_state_get_type ());
  signals[DIRECTORY_CHANGED] =
    g_signal_new ("directory-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* TdPresence / TdErrorCode have no GType: passed as int. */
  signals[PRESENCE_CHANGED] =
    g_signal_new ("presence-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT);
  signals[MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, TD_TYPE_MESSAGE);
  signals[SYNCED] =
    g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[SERVER_ERROR] =
    g_signal_new ("server-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_INT, G_TYPE_STRING, G_TYPE_STRING);
  signals[CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  signals[GROUPS_CHANGED] =
    g_signal_new ("groups-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[GROUP_CHANGED] =
    g_signal_new ("group-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, TD_TYPE_GROUP, G_TYPE_BOOLEAN);
  signals[RECEIPT] =
    g_signal_new ("receipt", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_INT64);
  signals[TYPING] =
    g_signal_new ("typing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[REMINDERS_RECEIVED] =
    g_signal_new ("reminders-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_PTR_ARRAY);
  signals[REMINDER_RECEIVED] =
    g_signal_new ("reminder-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, TD_TYPE_REMINDER);
}

static void
td_connection_init (TdConnection *self)
{
  self->auto_ack = TRUE;
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->users = g_ptr_array_new_with_free_func ((GDestroyNotify) td_user_unref);
  self->user_index = g_hash_table_new (g_str_hash, g_str_equal);
  self->departments = g_ptr_array_new_with_free_func (g_free);
  self->groups = g_ptr_array_new_with_free_func ((GDestroyNotify) td_group_unref);
  /* No permessage-deflate: the payload limit would apply to compressed
   * frames only.  Strict TLS verification is the session default. */
  self->session = soup_session_new_with_options ("user-agent", CLIENT_NAME, NULL);
  soup_session_remove_feature_by_type (self->session, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
}

/* ---- public API ---- */

TdConnection *
td_connection_new (const char *server_url, const char *device)
{
  g_return_val_if_fail (server_url != NULL, NULL);
  g_return_val_if_fail (device != NULL, NULL);

  return g_object_new (TD_TYPE_CONNECTION, "server-url", server_url, "device", device, NULL);
}

gboolean
td_connection_set_ca_file (TdConnection *self, const char *path, GError **error)
{
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *absolute = NULL;

  g_return_val_if_fail (TD_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  /* GLib's file database wants an absolute path; people type relative ones. */
  absolute = g_canonicalize_filename (path, NULL);
  database = g_tls_file_database_new (absolute, &local_error);
  if (database == NULL)
    {
      g_set_error (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_FAILED,
                   "Could not load CA certificates from %s: %s", path, local_error->message);
      return FALSE;
    }
  g_object_set (self->session, "tls-database", database, NULL);
  return TRUE;
}

void
td_connection_login_async (TdConnection       *self,
                           const char         *user,
                           const char         *password,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  LoginData *ld;

  g_return_if_fail (TD_IS_CONNECTION (self));
  g_return_if_fail (user != NULL);
  g_return_if_fail (password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_connection_login_async);
  ld = g_new0 (LoginData, 1);
  ld->user = g_strdup (user);
  ld->password = g_strdup (password);
  begin_login (self, task, ld);
}

void
td_connection_resume_async (TdConnection       *self,
                            const char         *token,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  LoginData *ld;

  g_return_if_fail (TD_IS_CONNECTION (self));
  g_return_if_fail (token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_connection_login_async);
  ld = g_new0 (LoginData, 1);
  ld->token = g_strdup (token);
  begin_login (self, task, ld);
}

TdUser *
td_connection_login_finish (TdConnection *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TD_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
td_connection_send_async (TdConnection       *self,
                          const char         *to,
                          const char         *text,
                          const char         *id,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdFrame) frame = NULL;
  g_autofree char *req = NULL;
  g_autofree char *client_id = NULL;

  g_return_if_fail (TD_IS_CONNECTION (self));
  g_return_if_fail (to != NULL);
  g_return_if_fail (text != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_connection_send_async);

  if (!td_proto_validate_text (text, &error) ||
      (id != NULL && !td_proto_validate_client_id (id, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  client_id = id != NULL ? g_strdup (id) : g_uuid_string_random ();
  req = next_req (self);
  frame = td_frame_new_send (req, client_id, to, text);
  send_request (self, task, req, frame);
}

TdMessage *
td_connection_send_finish (TdConnection *self,
                           GAsyncResult *result,
                           gboolean     *out_duplicate,
                           GError      **error)
{
  g_autoptr(TdFrame) frame = NULL;
  TdMessage *message;

  g_return_val_if_fail (TD_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  frame = g_task_propagate_pointer (G_TASK (result), error);
  if (frame == NULL)
    return NULL;
  message = td_frame_get_message (frame);
  if (message == NULL)
    {
      g_set_error_literal (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_PROTOCOL,
                           "The server's answer carried no message");
      return NULL;
    }
  if (out_duplicate != NULL)
    *out_duplicate = td_frame_get_duplicate (frame);
  return td_message_ref (message);
}

void
td_connection_history_async (TdConnection       *self,
                             const char         *peer,
                             gint64              before_mid,
                             guint               limit,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(TdFrame) frame = NULL;
  g_autofree char *req = NULL;

  g_return_if_fail (TD_IS_CONNECTION (self));
  g_return_if_fail (peer != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_connection_history_async);
  req = next_req (self);
  frame = td_frame_new_history_request (req, peer, before_mid, limit);
  send_request (self, task, req, frame);
}

GPtrArray *
td_connection_history_finish (TdConnection *self,
                              GAsyncResult *result,
                              gboolean     *out_more,
                              GError      **error)
{
  return td_connection_history_finish_full (self, result, out_more, NULL, error);
}

GPtrArray *
td_connection_history_finish_full (TdConnection *self,
                                   GAsyncResult *result,
                                   gboolean     *out_more,
                                   GPtrArray   **out_reads,
                                   GError      **error)
{
  g_autoptr(TdFrame) frame = NULL;
  GPtrArray *messages;
  GPtrArray *reads;
  GPtrArray *copy;

  g_return_val_if_fail (TD_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  frame = g_task_propagate_pointer (G_TASK (result), error);
  if (frame == NULL)
    return NULL;
  messages = td_frame_get_messages (frame);
  copy = g_ptr_array_new_with_free_func ((GDestroyNotify) td_message_unref);
  for (guint i = 0; messages != NULL && i < messages->len; i++)
    g_ptr_array_add (copy, td_message_ref (messages->pdata[i]));
  if (out_more != NULL)
    *out_more = td_frame_get_more (frame);
  if (out_reads != NULL)
    {
      reads = td_frame_get_reads (frame);
      *out_reads = g_ptr_array_new_with_free_func ((GDestroyNotify) td_read_mark_free);
      for (guint i = 0; reads != NULL && i < reads->len; i++)
        {
          TdReadMark *mark = reads->pdata[i];

          g_ptr_array_add (*out_reads, td_read_mark_new (mark->user, mark->mid));
        }
    }
  return copy;
}

void
td_connection_set_status (TdConnection *self, TdPresence status)
{
  g_autoptr(TdFrame) frame = NULL;

  g_return_if_fail (TD_IS_CONNECTION (self));

  if (!is_logged_in (self))
    return;
  frame = td_frame_new_status (status);
  send_frame (self, frame);
}

void
td_connection_logout_async (TdConnection       *self,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(TdFrame) frame = NULL;
  g_autofree char *req = NULL;

  g_return_if_fail (TD_IS_CONNECTION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_connection_logout_async);
  /* Acknowledge what the handlers have seen before the session ends. */
  flush_ack (self);
  req = next_req (self);
  frame = td_frame_new_logout (req);
  send_request (self, task, req, frame);
}

gboolean
td_connection_logout_finish (TdConnection *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TD_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
td_connection_close (TdConnection *self)
{
  g_return_if_fail (TD_IS_CONNECTION (self));

  if (self->connect_cancellable != NULL)
    {
      /* connect_cb tears down. */
      g_cancellable_cancel (self->connect_cancellable);
      return;
    }
  if (is_open (self))
    {
      flush_ack (self);
      /* "closed" follows once the server answers (or libsoup gives up). */
      soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    }
}

TdConnectionState
td_connection_get_state (TdConnection *self)
{
  g_return_val_if_fail (TD_IS_CONNECTION (self), TD_CONNECTION_STATE_DISCONNECTED);
  return self->state;
}

const char *
td_connection_get_token (TdConnection *self)
{
  g_return_val_if_fail (TD_IS_CONNECTION (self), NULL);
  return self->token;
}

TdUser *
td_connection_get_self_user (TdConnection *self)
{
  g_return_val_if_fail (TD_IS_CONNECTION (self), NULL);
  return self->self_user;
}

GPtrArray *
td_connection_get_users (TdConnection *self)
{
  g_return_val_if_fail (TD_IS_CONNECTION (self), NULL);
  return self->users;
}

const char *
td_connection_get_directory_version (TdConnection *self)
{
  g_return_val_if_fail (TD_IS_CONNECTION (self), NULL);
  return self->directory_version;
}

void
td_connection_set_cached_directory (TdConnection *self,
                                    const char   *version,
                                    GPtrArray    *users)
{
  g_return_if_fail (TD_IS_CONNECTION (self));

  g_clear_pointer (&self->cached_version, g_free);
  g_clear_pointer (&self->cached_users, g_ptr_array_unref);
  if (version == NULL || version[0] == '\0' || users == NULL)
    return;
  self->cached_version = g_strdup (version);
  self->cached_users = g_ptr_array_new_full (users->len, (GDestroyNotify) td_user_unref);
  for (guint i = 0; i < users->len; i++)
    g_ptr_array_add (self->cached_users, td_user_ref (users->pdata[i]));
  /* A connection without a directory takes the cache as it is: the
   * caller shows it already, and an "unchanged" answer then changes
   * nothing (no directory-changed for 10,000 people on a warm start). */
  if (self->directory_version == NULL && self->users->len == 0)
    set_directory (self, g_ptr_array_ref (self->cached_users), NULL, version);
}

GPtrArray *
td_connection_get_departments (TdConnection *self)
{
  g_return_val_if_fail (TD_IS_CONNECTION (self), NULL);
  return self->departments;
}

void
td_connection_send_raw (TdConnection *self, const char *text)
{
  g_return_if_fail (TD_IS_CONNECTION (self));
  g_return_if_fail (text != NULL);

  if (is_open (self))
    soup_websocket_connection_send_text (self->ws, text);
}

GPtrArray *
td_connection_get_groups (TdConnection *self)
{
  g_return_val_if_fail (TD_IS_CONNECTION (self), NULL);
  return self->groups;
}

gboolean
td_connection_get_groups_received (TdConnection *self)
{
  g_return_val_if_fail (TD_IS_CONNECTION (self), FALSE);
  return self->groups_received;
}

gboolean
td_connection_get_reminders_received (TdConnection *self)
{
  g_return_val_if_fail (TD_IS_CONNECTION (self), FALSE);
  return self->reminders_received;
}

gboolean
td_connection_error_get_code (const GError *error, TdErrorCode *out_code)
{
  g_autofree char *code = NULL;
  const char *colon;
  TdErrorCode parsed;

  if (!g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_SERVER) &&
      !g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_AUTH_FAILED) &&
      !g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_TOKEN_INVALID))
    return FALSE;
  colon = strchr (error->message, ':');
  if (colon == NULL)
    return FALSE;
  code = g_strndup (error->message, colon - error->message);
  /* A code this client does not know counts as "internal" (section 5.9). */
  if (!td_error_code_from_string (code, &parsed))
    parsed = TD_ERR_INTERNAL;
  if (out_code != NULL)
    *out_code = parsed;
  return TRUE;
}

/* ---- requests of section 12 ---- */

/* A task for a request answered by a frame with our req. */
static GTask *
new_request_task (TdConnection *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                  gpointer user_data, gpointer source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

void
td_connection_ping_async (TdConnection       *self,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(TdFrame) frame = NULL;
  g_autofree char *req = NULL;

  g_return_if_fail (TD_IS_CONNECTION (self));

  task = new_request_task (self, cancellable, callback, user_data, td_connection_ping_async);
  req = next_req (self);
  frame = td_frame_new_ping (req);
  send_request (self, task, req, frame);
}

gboolean
td_connection_ping_finish (TdConnection *self, GAsyncResult *result, GError **error)
{
  g_autoptr(TdFrame) frame = NULL;

  g_return_val_if_fail (TD_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  frame = g_task_propagate_pointer (G_TASK (result), error);
  return frame != NULL;
}

gboolean
td_connection_send_read (TdConnection *self, const char *peer, gint64 mid)
{
  g_autoptr(TdFrame) frame = NULL;

  g_return_val_if_fail (TD_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (peer != NULL, FALSE);
  g_return_val_if_fail (mid > 0, FALSE);

  if (!is_logged_in (self))
    return FALSE;
  frame = td_frame_new_read (peer, mid);
  send_frame (self, frame);
  return TRUE;
}

gboolean
td_connection_send_typing (TdConnection *self, const char *to)
{
  g_autoptr(TdFrame) frame = NULL;

  g_return_val_if_fail (TD_IS_CONNECTION (self), FALSE);
  g_return_val_if_fail (to != NULL, FALSE);

  if (!is_logged_in (self))
    return FALSE;
  frame = td_frame_new_typing (NULL, to);
  send_frame (self, frame);
  return TRUE;
}

void
td_connection_create_group_async (TdConnection       *self,
                                  const char         *name,
                                  const char * const *members,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(TdFrame) frame = NULL;
  g_autofree char *req = NULL;
  static const char * const none[] = { NULL };

  g_return_if_fail (TD_IS_CONNECTION (self));
  g_return_if_fail (name != NULL);

  task = new_request_task (self, cancellable, callback, user_data, td_connection_group_finish);
  req = next_req (self);
  frame = td_frame_new_group_create (req, name, members != NULL ? members : none);
  send_request (self, task, req, frame);
}

void
td_connection_update_group_async (TdConnection       *self,
                                  const char         *group,
                                  const char         *name,
                                  const char * const *add,
                                  const char * const *remove,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(TdFrame) frame = NULL;
  g_autofree char *req = NULL;

  g_return_if_fail (TD_IS_CONNECTION (self));
  g_return_if_fail (group != NULL);

  task = new_request_task (self, cancellable, callback, user_data, td_connection_group_finish);
  req = next_req (self);
  frame = td_frame_new_group_update (req, group, name, add, remove);
  send_request (self, task, req, frame);
}

void
td_connection_leave_group_async (TdConnection       *self,
                                 const char         *group,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(TdFrame) frame = NULL;
  g_autofree char *req = NULL;

  g_return_if_fail (TD_IS_CONNECTION (self));
  g_return_if_fail (group != NULL);

  task = new_request_task (self, cancellable, callback, user_data, td_connection_group_finish);
  req = next_req (self);
  frame = td_frame_new_group_leave (req, group);
  send_request (self, task, req, frame);
}

TdGroup *
td_connection_group_finish (TdConnection *self,
                            GAsyncResult *result,
                            gboolean     *out_removed,
                            GError      **error)
{
  g_autoptr(TdFrame) frame = NULL;
  TdGroup *group;

  g_return_val_if_fail (TD_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  frame = g_task_propagate_pointer (G_TASK (result), error);
  if (frame == NULL)
    return NULL;
  group = td_frame_get_group (frame);
  if (group == NULL)
    {
      g_set_error_literal (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_PROTOCOL,
                           "The server's answer carried no group");
      return NULL;
    }
  if (out_removed != NULL)
    *out_removed = td_frame_get_removed (frame);
  return td_group_ref (group);
}

void
td_connection_update_reminder_async (TdConnection       *self,
                                     gint64              rid,
                                     TdReminderAction    action,
                                     gint64              until_ms,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(TdFrame) frame = NULL;
  g_autofree char *req = NULL;

  g_return_if_fail (TD_IS_CONNECTION (self));
  g_return_if_fail (rid > 0);

  task = new_request_task (self, cancellable, callback, user_data,
                           td_connection_update_reminder_async);
  req = next_req (self);
  frame = td_frame_new_reminder_update (req, rid, action,
                                        action == TD_REMINDER_ACTION_SNOOZE ? until_ms : 0);
  send_request (self, task, req, frame);
}

TdReminder *
td_connection_update_reminder_finish (TdConnection *self, GAsyncResult *result, GError **error)
{
  g_autoptr(TdFrame) frame = NULL;
  TdReminder *reminder;

  g_return_val_if_fail (TD_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  frame = g_task_propagate_pointer (G_TASK (result), error);
  if (frame == NULL)
    return NULL;
  reminder = td_frame_get_reminder (frame);
  if (reminder == NULL)
    {
      g_set_error_literal (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_PROTOCOL,
                           "The server's answer carried no reminder");
      return NULL;
    }
  return td_reminder_ref (reminder);
}

void
td_connection_announce_async (TdConnection       *self,
                              const char         *title,
                              const char         *body,
                              const char         *link,
                              const char         *department,
                              TdPriority          priority,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(TdFrame) frame = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *req = NULL;

  g_return_if_fail (TD_IS_CONNECTION (self));
  g_return_if_fail (title != NULL);

  task = new_request_task (self, cancellable, callback, user_data, td_connection_status_finish);
  /* Refuse locally what the server would refuse: the error names the field. */
  if (!td_proto_validate_title (title, &error) ||
      !td_proto_validate_body (body != NULL ? body : "", &error) ||
      !td_proto_validate_link (link != NULL ? link : "", &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  req = next_req (self);
  frame = td_frame_new_announce (req, title, body, link, department, priority);
  send_request (self, task, req, frame);
}

void
td_connection_reminder_status_async (TdConnection       *self,
                                     gint64              rid,
                                     GCancellable       *cancellable,
                                     GAsyncReadyCallback callback,
                                     gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(TdFrame) frame = NULL;
  g_autofree char *req = NULL;

  g_return_if_fail (TD_IS_CONNECTION (self));
  g_return_if_fail (rid > 0);

  task = new_request_task (self, cancellable, callback, user_data, td_connection_status_finish);
  req = next_req (self);
  frame = td_frame_new_reminder_status_request (req, rid);
  send_request (self, task, req, frame);
}

TdFrame *
td_connection_status_finish (TdConnection *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TD_IS_CONNECTION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
