/* td-session.c - one client connection's protocol state.
 *
 * Frames are decoded by the common protocol module; anything that touches
 * the database becomes a job on the store worker, and its answer is sent
 * from the job's completion, i.e. after the COMMIT that made it durable.
 * Jobs hold a reference on the session, so a connection that goes away
 * while its jobs run only turns the answers into no-ops.  This file has
 * login, backlog, send (to people and groups), ack, history and logout;
 * td-session-groups.c the frames of protocol section 12.
 */
#define G_LOG_DOMAIN "tidingsd"

#include "config.h"

#include <string.h>

#include "td-metrics.h"
#include "td-session-private.h"
#include "td-webhook-events.h"

G_DEFINE_QUARK (td-session-refusal-quark, _td_session_refusal)

static void start_fetch (TdSession *self);

TdSession *
td_session_new (TdServer *server, TdConn *conn)
{
  TdSession *self = g_new0 (TdSession, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->server = server;
  self->conn = conn;
  self->state = TD_SESSION_NEW;
  self->created = g_get_monotonic_time ();
  self->pending_link.data = self;
  return self;
}

TdSession *
td_session_ref (TdSession *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
td_session_unref (TdSession *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_assert (self->conn == NULL);
  g_clear_handle_id (&self->fetch_retry_id, g_source_remove);
  g_clear_pointer (&self->typing_sent, g_hash_table_unref);
  g_free (self->device);
  g_free (self);
}

TdSessionState
td_session_get_state (TdSession *self)
{
  return self->state;
}

gint64
td_session_get_created (TdSession *self)
{
  return self->created;
}

TdRosterUser *
td_session_get_user (TdSession *self)
{
  return self->user;
}

GList *
td_session_get_pending_link (TdSession *self)
{
  return &self->pending_link;
}

/* ---- sending ---- */

void
_td_session_send_frame (TdSession *self, const TdFrame *frame)
{
  g_autofree char *text = NULL;
  gsize len;

  if (self->conn == NULL)
    return;
  text = td_frame_encode (frame, &len);
  td_conn_send_text (self->conn, text, len);
}


void
td_session_send_bytes (TdSession *self, GBytes *frame)
{
  gsize len;
  const char *data;

  if (self->conn == NULL)
    return;
  data = g_bytes_get_data (frame, &len);
  td_conn_send_text (self->conn, data, len);
}

void
_td_session_send_error (TdSession   *self,
                        const char  *req,
                        TdErrorCode  code,
                        const char  *id,
                        const char  *message)
{
  g_autoptr(TdFrame) frame = td_frame_new_error (req, code, message, id);

  _td_session_send_frame (self, frame);
}

void
td_session_close (TdSession *self, gushort code, const char *reason)
{
  if (self->conn != NULL)
    td_conn_close (self->conn, code, reason);
}

/* A short, stable tag for a login in logs: people's names stay out of them. */
char *
_td_session_disguise (const char *login)
{
  return g_strdup_printf ("u%08x", g_str_hash (login));
}

/* Maps a store failure to what the client is told.  Store messages can
 * name files and SQL: they go to the log, not to clients. */
static TdErrorCode
store_error_code (const GError *error)
{
  if (error->domain == TD_STORE_ERROR)
    switch ((TdStoreError) error->code)
      {
      case TD_STORE_ERROR_NOT_FOUND: return TD_ERR_UNKNOWN_RECIPIENT;
      case TD_STORE_ERROR_CONFLICT:  return TD_ERR_ID_CONFLICT;
      case TD_STORE_ERROR_INVALID:   return TD_ERR_BAD_REQUEST;
      case TD_STORE_ERROR_EXISTS:
      case TD_STORE_ERROR_VERSION:
      case TD_STORE_ERROR_FAILED:
      default:                       return TD_ERR_UNAVAILABLE;
      }
  return TD_ERR_INTERNAL;
}

void
_td_session_send_store_error (TdSession *self, const char *req, const char *id, const GError *error)
{
  TdErrorCode code;

  if (error->domain == TD_SESSION_REFUSAL)
    {
      _td_session_send_error (self, req, (TdErrorCode) error->code, id, error->message);
      return;
    }
  code = store_error_code (error);
  if (code == TD_ERR_UNAVAILABLE || code == TD_ERR_INTERNAL)
    {
      g_warning ("store failure: %s", error->message);
      _td_session_send_error (self, req, code, id,
                              "the server cannot store data right now; try again");
    }
  else
    _td_session_send_error (self, req, code, id, error->message);
}

/* ---- login ---- */

typedef struct {
  TdSession *session;
  char      *req;
  char      *login;       /* password login */
  char      *password;
  char      *token;       /* token login, or the new token */
  guint8     hash[TD_TOKEN_HASH_LEN];
  char      *device;
  char      *directory_version; /* the client's cached directory, or NULL */
  gint64     expires;
  gint64     now;
  /* results */
  TdStoreUser *user;
  gint64     cursor;
  gint64     last_seq;
  GPtrArray *groups;      /* TdGroup* */
  GPtrArray *reminders;   /* TdReminder* */
} AuthJob;

static void
auth_job_free (gpointer data)
{
  AuthJob *job = data;

  td_session_unref (job->session);
  g_free (job->req);
  g_free (job->login);
  if (job->password)
    memset (job->password, 0, strlen (job->password));
  g_free (job->password);
  g_free (job->token);
  g_free (job->device);
  g_free (job->directory_version);
  g_clear_pointer (&job->user, td_store_user_free);
  g_clear_pointer (&job->groups, g_ptr_array_unref);
  g_clear_pointer (&job->reminders, g_ptr_array_unref);
  g_free (job);
}

static void
fail_auth (TdSession *self, const char *req, TdErrorCode code, const char *message)
{
  self->state = TD_SESSION_NEW;
  self->failed_auths++;
  td_metrics_inc (TD_METRIC_LOGINS_FAILED);
  _td_session_send_error (self, req, code, NULL, message);
  if (self->failed_auths >= TD_SERVER_MAX_FAILED_AUTH)
    td_session_close (self, TD_CLOSE_POLICY, "too many failed logins");
}

static void
become_active (TdSession *self, AuthJob *job)
{
  TdServer *server = self->server;
  g_autoptr(TdFrame) welcome = NULL;
  g_autoptr(TdUser) me = NULL;
  GPtrArray *directory;
  GPtrArray *snapshot;
  g_autofree char *tag = NULL;

  self->user = td_roster_ensure (server->roster, job->user);
  self->device = g_strdup (job->device);
  memcpy (self->token_hash, job->hash, sizeof self->token_hash);
  self->delivered_seq = job->cursor;
  self->ack_stored = job->cursor;
  self->ack_wanted = job->cursor;
  self->state = TD_SESSION_ACTIVE;
  self->syncing = TRUE;
  self->failed_auths = 0;
  td_metrics_inc (TD_METRIC_LOGINS_OK);

  _td_server_session_authenticated (server, self);
  /* Logged in: silence from now on means pings, then a close. */
  td_conn_set_keepalive (self->conn, TRUE);

  me = td_roster_user_to_proto (self->user);
  welcome = td_frame_new_welcome (job->req, me, job->token, job->expires, job->last_seq);
  _td_session_send_frame (self, welcome);

  /* Session start (docs/protocol.md 7.1): the directory, or one frame
   * saying the client's cached copy is current, then one presence
   * snapshot.  Both are encoded once and shared by every login. */
  if (g_strcmp0 (job->directory_version,
                 td_roster_get_directory_version (server->roster, TD_SERVER_DIRECTORY_CHUNK)) == 0)
    td_session_send_bytes (self, td_roster_get_directory_unchanged (server->roster,
                                                                    TD_SERVER_DIRECTORY_CHUNK));
  else
    {
      directory = td_roster_get_directory (server->roster, TD_SERVER_DIRECTORY_CHUNK);
      for (guint i = 0; i < directory->len; i++)
        td_session_send_bytes (self, g_ptr_array_index (directory, i));
    }
  snapshot = _td_server_presence_snapshot (server);
  for (guint i = 0; i < snapshot->len; i++)
    td_session_send_bytes (self, g_ptr_array_index (snapshot, i));
  _td_session_send_start (self, job->groups, job->reminders);

  tag = _td_session_disguise (self->user->login);
  g_debug ("%s logged in from %s (device cursor %" G_GINT64_FORMAT ", mailbox %" G_GINT64_FORMAT ")",
           tag, td_conn_get_peer (self->conn), job->cursor, job->last_seq);

  start_fetch (self);
}

/* Worker thread: the rest of a login once the password (or token) is good. */
static gpointer
login_job_run (TdStore *store, gpointer data, GError **error)
{
  AuthJob *job = data;

  if (job->login == NULL)
    {
      /* token login */
      gint64 user_id = td_store_check_token (store, job->hash, sizeof job->hash, job->now,
                                            &job->expires, error);
      if (user_id == 0)
        return NULL;
      job->user = td_store_get_user_by_id (store, user_id, error);
      if (job->user == NULL)
        return NULL;
    }
  else if (!td_store_add_token (store, job->hash, sizeof job->hash, job->user->id,
                                job->device, job->expires, error))
    return NULL;

  job->cursor = td_store_get_cursor (store, job->user->id, job->device, error);
  if (job->cursor < 0)
    return NULL;
  job->last_seq = td_store_mailbox_last_seq (store, job->user->id, error);
  if (job->last_seq < 0)
    return NULL;
  /* Read in the same job as the cursor: a group change or reminder that
   * commits later is pushed live to the session, which is active by then. */
  if (!_td_session_load_start (store, job->user->id, &job->groups, &job->reminders, error))
    return NULL;
  return job;
}

static void
login_job_done (gpointer result, const GError *error, gpointer user_data)
{
  AuthJob *job = user_data;
  TdSession *self = job->session;

  if (self->state != TD_SESSION_AUTHENTICATING)
    return;

  if (error != NULL)
    {
      if (job->login == NULL && g_error_matches (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
        fail_auth (self, job->req, TD_ERR_TOKEN_INVALID, "the session token is unknown, expired or revoked");
      else
        {
          self->state = TD_SESSION_NEW;
          _td_session_send_store_error (self, job->req, NULL, error);
        }
      return;
    }

  if (job->user->disabled)
    {
      fail_auth (self, job->req, job->login ? TD_ERR_AUTH_FAILED : TD_ERR_TOKEN_INVALID,
                 job->login ? "unknown user or wrong password"
                            : "the session token is unknown, expired or revoked");
      return;
    }

  become_active (self, job);
}

static void
verify_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AuthJob *job = user_data;
  TdSession *self = job->session;
  g_autoptr(GError) error = NULL;
  gboolean ok = td_password_verify_finish (result, &error);

  if (self->state != TD_SESSION_AUTHENTICATING || self->server->stopping)
    {
      auth_job_free (job);
      return;
    }

  if (!ok || job->user == NULL || job->user->disabled)
    {
      g_autofree char *tag = _td_session_disguise (job->login);
      g_message ("failed login for %s from %s", tag, td_conn_get_peer (self->conn));
      _td_server_login_failed (self->server, td_conn_get_address (self->conn));
      fail_auth (self, job->req, TD_ERR_AUTH_FAILED, "unknown user or wrong password");
      auth_job_free (job);
      return;
    }

  job->token = td_token_generate ();
  td_token_hash (job->token, job->hash);
  job->expires = g_get_real_time () / 1000 + (gint64) self->server->config->token_days * 24 * 3600 * 1000;
  td_store_worker_flush_cursors (self->server->worker);
  td_store_worker_run (self->server->worker, login_job_run, job, auth_job_free, NULL,
                       login_job_done, job);
}

/* Worker thread: fetch the user to check the password against. */
static gpointer
lookup_job_run (TdStore *store, gpointer data, GError **error)
{
  AuthJob *job = data;
  g_autoptr(GError) local_error = NULL;

  job->user = td_store_get_user (store, job->login, &local_error);
  if (job->user == NULL && !g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return job;
}

static void
lookup_job_done (gpointer result, const GError *error, gpointer user_data)
{
  AuthJob *job = user_data;
  TdSession *self = job->session;

  if (self->state != TD_SESSION_AUTHENTICATING)
    {
      auth_job_free (job);
      return;
    }
  if (error != NULL)
    {
      self->state = TD_SESSION_NEW;
      _td_session_send_store_error (self, job->req, NULL, error);
      auth_job_free (job);
      return;
    }

  /* An unknown user is checked against a dummy hash: same answer, same time. */
  td_password_verify_async (job->user ? job->user->password_hash : NULL, job->password,
                            NULL, verify_cb, job);
}

static void
noop_free (gpointer data)
{
}

static void
handle_auth (TdSession *self, const TdFrame *frame)
{
  const char *req = td_frame_get_req (frame);
  AuthJob *job;

  if (self->state == TD_SESSION_ACTIVE)
    {
      _td_session_send_error (self, req, TD_ERR_ALREADY_AUTHENTICATED, NULL,
                              "this connection is already logged in");
      return;
    }
  if (self->state == TD_SESSION_AUTHENTICATING)
    {
      _td_session_send_error (self, req, TD_ERR_BAD_REQUEST, NULL,
                              "a login is already being checked on this connection");
      return;
    }

  self->state = TD_SESSION_AUTHENTICATING;
  job = g_new0 (AuthJob, 1);
  job->session = td_session_ref (self);
  job->req = g_strdup (req);
  job->device = g_strdup (td_frame_get_device (frame));
  job->directory_version = g_strdup (td_frame_get_directory_version (frame));
  job->now = g_get_real_time () / 1000;

  if (td_frame_get_token (frame) != NULL)
    {
      job->token = g_strdup (td_frame_get_token (frame));
      td_token_hash (job->token, job->hash);
      /* The login reads cursors (a new device starts at the highest). */
      td_store_worker_flush_cursors (self->server->worker);
      td_store_worker_run (self->server->worker, login_job_run, job, auth_job_free, NULL,
                           login_job_done, job);
    }
  else
    {
      guint retry_s = 0;

      /* Password guessing from one address is cut off before the costly
       * hash; the refusal counts towards this connection's failures. */
      if (_td_server_login_throttled (self->server, td_conn_get_address (self->conn), &retry_s))
        {
          g_autofree char *message = g_strdup_printf ("too many failed logins from your address; "
                                                      "try again in %u s", retry_s);
          fail_auth (self, req, TD_ERR_RATE_LIMITED, message);
          auth_job_free (job);
          return;
        }
      job->login = g_strdup (td_frame_get_user (frame));
      job->password = g_strdup (td_frame_get_password (frame));
      /* The job outlives this worker run (password check, then login job):
       * it is freed by whichever step ends the login. */
      td_store_worker_run (self->server->worker, lookup_job_run, job, noop_free, NULL,
                           lookup_job_done, job);
    }
}

/* ---- backlog and live delivery ---- */

typedef struct {
  TdSession *session;
  gint64     user_id;
  gint64     after;
} FetchJob;

static void
fetch_job_free (gpointer data)
{
  FetchJob *job = data;

  td_session_unref (job->session);
  g_free (job);
}

static gpointer
fetch_job_run (TdStore *store, gpointer data, GError **error)
{
  FetchJob *job = data;

  return td_store_mailbox_after (store, job->user_id, job->after, TD_SERVER_BACKLOG_PAGE, error);
}

static gboolean
fetch_retry_cb (gpointer user_data)
{
  TdSession *self = user_data;

  self->fetch_retry_id = 0;
  start_fetch (self);
  return G_SOURCE_REMOVE;
}

static void
fetch_job_done (gpointer result, const GError *error, gpointer user_data)
{
  FetchJob *job = user_data;
  TdSession *self = job->session;
  GPtrArray *messages = result;

  self->fetch_running = FALSE;
  if (self->state != TD_SESSION_ACTIVE)
    return;

  if (error != NULL)
    {
      /* The store is failing: try again shortly rather than give up on the
       * backlog; the client keeps its connection. */
      g_warning ("cannot read a mailbox: %s", error->message);
      if (self->fetch_retry_id == 0)
        self->fetch_retry_id = g_timeout_add_seconds (1, fetch_retry_cb, self);
      return;
    }

  for (guint i = 0; i < messages->len; i++)
    {
      TdMessage *msg = g_ptr_array_index (messages, i);
      g_autoptr(TdFrame) frame = NULL;

      if (td_message_get_seq (msg) <= self->delivered_seq)
        continue;
      frame = td_frame_new_message (msg);
      _td_session_send_frame (self, frame);
      self->delivered_seq = td_message_get_seq (msg);
      td_metrics_inc (TD_METRIC_MESSAGES_DELIVERED_BACKLOG);
    }

  if (messages->len >= TD_SERVER_BACKLOG_PAGE || self->fetch_again)
    {
      start_fetch (self);
      return;
    }

  if (self->syncing)
    {
      g_autoptr(TdFrame) synced = td_frame_new_synced (self->delivered_seq);

      self->syncing = FALSE;
      _td_session_send_frame (self, synced);
    }
}

static void
start_fetch (TdSession *self)
{
  FetchJob *job;

  if (self->state != TD_SESSION_ACTIVE || self->conn == NULL)
    return;
  if (self->fetch_running || self->fetch_retry_id != 0)
    {
      self->fetch_again = TRUE;
      return;
    }

  /* Flow control: a big backlog goes out page by page as the client reads,
   * instead of filling the send queue up to the slow-reader limit. */
  if (td_conn_get_queued (self->conn) > TD_SERVER_BACKLOG_HIGH_WATER)
    {
      self->fetch_retry_id = g_timeout_add (20, fetch_retry_cb, self);
      return;
    }

  self->fetch_running = TRUE;
  self->fetch_again = FALSE;
  job = g_new0 (FetchJob, 1);
  job->session = td_session_ref (self);
  job->user_id = self->user->id;
  job->after = self->delivered_seq;
  td_store_worker_run (self->server->worker, fetch_job_run, job, fetch_job_free,
                       (GDestroyNotify) g_ptr_array_unref, fetch_job_done, job);
}

void
_td_session_catch_up (TdSession *self)
{
  if (self->state == TD_SESSION_ACTIVE)
    start_fetch (self);
}

void
td_session_deliver (TdSession *self, TdMessage *message, GBytes *frame)
{
  gint64 seq = td_message_get_seq (message);

  if (self->state != TD_SESSION_ACTIVE)
    return;
  if (self->syncing || self->fetch_running || self->fetch_retry_id != 0)
    {
      /* The backlog reader will pick it up, in order. */
      self->fetch_again = TRUE;
      return;
    }
  if (seq <= self->delivered_seq)
    return;
  if (seq == self->delivered_seq + 1)
    {
      td_session_send_bytes (self, frame);
      self->delivered_seq = seq;
      td_metrics_inc (TD_METRIC_MESSAGES_DELIVERED_LIVE);
      return;
    }
  /* A gap: read the mailbox rather than send out of order. */
  start_fetch (self);
}

/* ---- send ---- */

typedef struct {
  TdSession *session;
  char      *req;
  gint64     sender_id;
  char      *id;
  char      *to;
  char      *text;
  gint64     time;
  gint64     recipient_id;
  gint64     group_id;       /* sending to a group, else 0 */
  guint      events_queued;  /* webhook deliveries queued (message to a bot) */
  TdStoreSendResult      result;
  TdStoreGroupSendResult group_result;
} SendJob;

static void
send_job_free (gpointer data)
{
  SendJob *job = data;

  td_session_unref (job->session);
  g_free (job->req);
  g_free (job->id);
  g_free (job->to);
  g_free (job->text);
  td_store_send_result_clear (&job->result);
  td_store_group_send_result_clear (&job->group_result);
  g_free (job);
}

static gpointer
send_group_job_run (TdStore *store, SendJob *job, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (td_store_add_group_message (store, job->sender_id, job->group_id, job->id, job->text,
                                  job->time, &job->group_result, &local_error))
    return job;

  if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
    g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_UNKNOWN_RECIPIENT,
                 "there is no group \"%s\"", job->to);
  else if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID))
    g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_FORBIDDEN,
                 "you are not a member of group \"%s\"", job->to);
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

static gpointer
send_job_run (TdStore *store, gpointer data, GError **error)
{
  SendJob *job = data;
  g_autoptr(TdStoreUser) recipient = NULL;
  g_autoptr(GError) local_error = NULL;

  if (job->group_id != 0)
    return send_group_job_run (store, job, error);

  recipient = td_store_get_user (store, job->to, &local_error);
  if (recipient == NULL || recipient->disabled)
    {
      if (recipient != NULL || g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
        g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                     "there is no user \"%s\"", job->to);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  job->recipient_id = recipient->id;

  if (!td_store_add_message (store, job->sender_id, recipient->id, job->id, job->text,
                             job->time, &job->result, error))
    return NULL;

  /* A message to a bot goes to its webhooks.  Queued in this transaction:
   * the event exists exactly when the message does. */
  if (!job->result.duplicate && g_strcmp0 (recipient->role, "bot") == 0 &&
      recipient->id != job->sender_id)
    {
      g_autofree char *body = td_webhook_event_message (recipient->login,
                                                        job->result.recipient_copy, job->time);

      job->events_queued = td_store_enqueue_event (store, "message", recipient->id, body,
                                                   job->time, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
  return job;
}

static void
send_job_done (gpointer result, const GError *error, gpointer user_data)
{
  SendJob *job = user_data;
  TdSession *self = job->session;
  TdServer *server = self->server;
  g_autoptr(TdFrame) sent = NULL;
  gboolean duplicate;
  TdMessage *own;

  if (error != NULL)
    {
      _td_session_send_store_error (self, job->req, job->id, error);
      return;
    }

  if (job->group_id != 0)
    {
      own = job->group_result.sender_copy;
      duplicate = job->group_result.duplicate;
    }
  else
    {
      own = job->result.sender_copy;
      duplicate = job->result.duplicate;
    }
  sent = td_frame_new_sent (job->req, own, duplicate);
  _td_session_send_frame (self, sent);

  /* The sending connection has this message through "sent": if it is the
   * next one in its mailbox, it need not come again as "message". */
  if (self->state == TD_SESSION_ACTIVE && !self->syncing && !self->fetch_running &&
      td_message_get_seq (own) == self->delivered_seq + 1)
    self->delivered_seq = td_message_get_seq (own);

  if (duplicate)
    return;
  td_metrics_inc (TD_METRIC_MESSAGES_STORED);

  if (job->group_id != 0)
    _td_server_deliver_group (server, self, job->sender_id, &job->group_result);
  else
    _td_server_deliver_message (server, self, job->sender_id, job->recipient_id, &job->result);
  if (job->events_queued > 0 && server->webhooks != NULL)
    td_webhooks_kick (server->webhooks);
}

static void
handle_send (TdSession *self, const TdFrame *frame)
{
  SendJob *job;

  /* Over the user's rate: refused, not stored; the client may resend the
   * same id later. */
  if (!_td_server_take_message (self->server, self->user->login))
    {
      _td_session_send_error (self, td_frame_get_req (frame), TD_ERR_RATE_LIMITED,
                              td_frame_get_id (frame),
                              "sending too fast; send this message again in a moment");
      return;
    }

  job = g_new0 (SendJob, 1);

  job->session = td_session_ref (self);
  job->req = g_strdup (td_frame_get_req (frame));
  job->sender_id = self->user->id;
  job->id = g_strdup (td_frame_get_id (frame));
  job->to = g_strdup (td_frame_get_to (frame));
  job->text = g_strdup (td_frame_get_text (frame));
  job->time = g_get_real_time () / 1000;
  if (!td_parse_group_address (job->to, &job->group_id))
    job->group_id = 0;
  td_store_worker_run (self->server->worker, send_job_run, job, send_job_free, NULL,
                       send_job_done, job);
}

/* ---- ack ---- */

/* Acks are coalesced by the store worker (one write of every changed
 * cursor every TD_STORE_WORKER_CURSOR_DELAY_MS) instead of one store job
 * each; closing or logging out flushes them, so an ack followed by a
 * clean close or logout is durable before the next login reads it. */
static void
handle_ack (TdSession *self, const TdFrame *frame)
{
  gint64 seq = td_frame_get_seq (frame);

  if (seq <= self->ack_wanted || self->server->worker == NULL)
    return;
  self->ack_wanted = seq;
  td_store_worker_set_cursor (self->server->worker, self->user->id, self->device, seq);
}

static void
flush_acks (TdSession *self)
{
  if (self->ack_wanted > self->ack_stored && self->server->worker != NULL)
    {
      td_store_worker_flush_cursors (self->server->worker);
      self->ack_stored = self->ack_wanted;
    }
}

/* ---- history ---- */

/* A history reply names at most this many readers. */
#define MAX_READS 1000

typedef struct {
  TdSession *session;
  char      *req;
  gint64     user_id;
  char      *login;
  char      *peer;
  gint64     before;
  guint      limit;
  gboolean   more;
  GPtrArray *messages;   /* TdMessage* */
  GPtrArray *reads;      /* TdReadMark* */
} HistoryJob;

static void
history_job_free (gpointer data)
{
  HistoryJob *job = data;

  td_session_unref (job->session);
  g_free (job->req);
  g_free (job->login);
  g_free (job->peer);
  g_clear_pointer (&job->messages, g_ptr_array_unref);
  g_clear_pointer (&job->reads, g_ptr_array_unref);
  g_free (job);
}

/* Group history: all of the group's messages, for members only. */
static gpointer
group_history_job_run (TdStore *store, HistoryJob *job, gint64 group_id, GError **error)
{
  g_autoptr(TdGroup) group = NULL;
  g_autoptr(GError) local_error = NULL;

  group = td_store_get_group (store, group_id, &local_error);
  if (group == NULL)
    {
      if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
        g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_UNKNOWN_RECIPIENT,
                     "there is no group \"%s\"", job->peer);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!td_group_has_member (group, job->login))
    {
      g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_FORBIDDEN,
                   "you are not a member of group \"%s\"", job->peer);
      return NULL;
    }
  job->messages = td_store_group_history (store, group_id, job->before, job->limit,
                                          &job->more, error);
  if (job->messages == NULL)
    return NULL;
  job->reads = td_store_get_reads (store, job->user_id, 0, group_id, error);
  if (job->reads == NULL)
    return NULL;
  return job;
}

static gpointer
history_job_run (TdStore *store, gpointer data, GError **error)
{
  HistoryJob *job = data;
  g_autoptr(TdStoreUser) peer = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 group_id;

  if (td_parse_group_address (job->peer, &group_id))
    return group_history_job_run (store, job, group_id, error);

  peer = td_store_get_user (store, job->peer, &local_error);
  if (peer == NULL)
    {
      if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
        g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                     "there is no user \"%s\"", job->peer);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  job->messages = td_store_history (store, job->user_id, peer->id, job->before, job->limit,
                                    &job->more, error);
  if (job->messages == NULL)
    return NULL;
  job->reads = td_store_get_reads (store, job->user_id, peer->id, 0, error);
  if (job->reads == NULL)
    return NULL;
  return job;
}

static void
history_job_done (gpointer result, const GError *error, gpointer user_data)
{
  HistoryJob *job = user_data;
  g_autoptr(TdFrame) reply = NULL;

  if (error != NULL)
    {
      _td_session_send_store_error (job->session, job->req, NULL, error);
      return;
    }
  /* The frame's limit; a client shows "read by N" from the first ones. */
  if (job->reads->len > MAX_READS)
    g_ptr_array_remove_range (job->reads, MAX_READS, job->reads->len - MAX_READS);
  reply = td_frame_new_history_result_with_reads (job->req, job->peer, job->messages, job->more,
                                                  job->reads);
  _td_session_send_frame (job->session, reply);
}

static void
handle_history (TdSession *self, const TdFrame *frame)
{
  HistoryJob *job = g_new0 (HistoryJob, 1);

  job->session = td_session_ref (self);
  job->req = g_strdup (td_frame_get_req (frame));
  job->user_id = self->user->id;
  job->login = g_strdup (self->user->login);
  job->peer = g_strdup (td_frame_get_peer (frame));
  job->before = td_frame_get_before (frame);
  job->limit = td_frame_get_limit (frame);
  if (job->limit == 0)
    job->limit = TD_PROTO_HISTORY_DEFAULT;
  td_store_worker_run (self->server->worker, history_job_run, job, history_job_free, NULL,
                       history_job_done, job);
}

/* ---- logout ---- */

typedef struct {
  TdSession *session;
  char      *req;
  guint8     hash[TD_TOKEN_HASH_LEN];
} LogoutJob;

static void
logout_job_free (gpointer data)
{
  LogoutJob *job = data;

  td_session_unref (job->session);
  g_free (job->req);
  g_free (job);
}

static gpointer
logout_job_run (TdStore *store, gpointer data, GError **error)
{
  LogoutJob *job = data;
  g_autoptr(GError) local_error = NULL;

  /* Already revoked (password change) is fine: the goal is reached. */
  if (!td_store_revoke_token (store, job->hash, sizeof job->hash, &local_error) &&
      !g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return job;
}

static void
logout_job_done (gpointer result, const GError *error, gpointer user_data)
{
  LogoutJob *job = user_data;
  g_autoptr(TdFrame) bye = NULL;

  if (error != NULL)
    {
      _td_session_send_store_error (job->session, job->req, NULL, error);
      return;
    }
  bye = td_frame_new_bye (job->req);
  _td_session_send_frame (job->session, bye);
  td_session_close (job->session, TD_CLOSE_NORMAL, "logged out");
}

static void
handle_logout (TdSession *self, const TdFrame *frame)
{
  LogoutJob *job = g_new0 (LogoutJob, 1);

  job->session = td_session_ref (self);
  job->req = g_strdup (td_frame_get_req (frame));
  memcpy (job->hash, self->token_hash, sizeof job->hash);
  /* Queued before the logout job: "bye" comes after the cursor is durable. */
  flush_acks (self);
  td_store_worker_run (self->server->worker, logout_job_run, job, logout_job_free, NULL,
                       logout_job_done, job);
}

/* ---- status ---- */

static void
handle_status (TdSession *self, const TdFrame *frame)
{
  TdPresence status = td_frame_get_status (frame);

  if (self->user->status == status)
    return;
  self->user->status = status;
  _td_server_broadcast_presence (self->server, self->user);
}

/* ---- dispatch ---- */

void
td_session_handle_text (TdSession *self, const char *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *req = NULL;
  g_autoptr(TdFrame) frame = NULL;
  TdFrameType type;

  if (self->state == TD_SESSION_CLOSED || self->server->stopping)
    return;

  frame = td_frame_decode (data, len, TD_PROTO_MAX_FRAME, &req, &error);
  if (frame == NULL)
    {
      g_debug ("rejected a frame from %s: %s", td_conn_get_peer (self->conn), error->message);
      _td_session_send_error (self, req, td_error_code_from_gerror (error), NULL, error->message);
      return;
    }

  type = td_frame_get_frame_type (frame);
  if (type == TD_FRAME_PING)
    {
      g_autoptr(TdFrame) pong = td_frame_new_pong (td_frame_get_req (frame));
      _td_session_send_frame (self, pong);
      return;
    }
  if (type == TD_FRAME_AUTH)
    {
      handle_auth (self, frame);
      return;
    }
  if (self->state != TD_SESSION_ACTIVE)
    {
      _td_session_send_error (self, td_frame_get_req (frame), TD_ERR_NOT_AUTHENTICATED,
                              type == TD_FRAME_SEND ? td_frame_get_id (frame) : NULL,
                              "log in first: send an \"auth\" frame");
      return;
    }

  switch (type)
    {
    case TD_FRAME_SEND:
      handle_send (self, frame);
      break;
    case TD_FRAME_ACK:
      handle_ack (self, frame);
      break;
    case TD_FRAME_HISTORY:
      if (td_frame_is_history_result (frame))
        _td_session_send_error (self, td_frame_get_req (frame), TD_ERR_BAD_REQUEST, NULL,
                                "a history request must not carry \"messages\"");
      else
        handle_history (self, frame);
      break;
    case TD_FRAME_STATUS:
      handle_status (self, frame);
      break;
    case TD_FRAME_LOGOUT:
      handle_logout (self, frame);
      break;
    case TD_FRAME_READ:
      _td_session_handle_read (self, frame);
      break;
    case TD_FRAME_TYPING:
      _td_session_handle_typing (self, frame);
      break;
    case TD_FRAME_GROUP_CREATE:
      _td_session_handle_group_create (self, frame);
      break;
    case TD_FRAME_GROUP_UPDATE:
      _td_session_handle_group_update (self, frame);
      break;
    case TD_FRAME_GROUP_LEAVE:
      _td_session_handle_group_leave (self, frame);
      break;
    case TD_FRAME_REMINDER_UPDATE:
      _td_session_handle_reminder_update (self, frame);
      break;
    case TD_FRAME_ANNOUNCE:
      _td_session_handle_announce (self, frame);
      break;
    case TD_FRAME_REMINDER_STATUS:
      if (td_frame_is_status_result (frame))
        _td_session_send_error (self, td_frame_get_req (frame), TD_ERR_BAD_REQUEST, NULL,
                                "a reminder_status request must not carry \"total\"");
      else
        _td_session_handle_reminder_status (self, frame);
      break;
    default:
      {
        g_autofree char *message = g_strdup_printf ("\"%s\" frames are sent by the server, not to it",
                                                    td_frame_type_to_string (type));
        _td_session_send_error (self, td_frame_get_req (frame), TD_ERR_BAD_REQUEST, NULL, message);
      }
      break;
    }
}

void
td_session_closed (TdSession *self)
{
  if (self->state == TD_SESSION_ACTIVE)
    flush_acks (self);
  self->conn = NULL;
  self->state = TD_SESSION_CLOSED;
  g_clear_handle_id (&self->fetch_retry_id, g_source_remove);
}
