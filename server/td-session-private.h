/* td-session-private.h - TdSession internals shared by td-session.c (login,
 * backlog, send, history), td-session-groups.c (groups, receipts, typing,
 * reminders) and td-push.c (live delivery to sessions). */
#pragma once

#include "td-password.h"
#include "td-server-private.h"
#include "td-session.h"

G_BEGIN_DECLS

struct _TdSession
{
  gatomicrefcount  ref_count;
  TdServer        *server;       /* not owned: outlives every session */
  TdConn          *conn;         /* NULL once closed */
  TdSessionState   state;
  gint64           created;      /* monotonic µs */
  GList            pending_link; /* in server->pending_auth while NEW/AUTHENTICATING */

  TdRosterUser    *user;
  char            *device;
  guint8           token_hash[TD_TOKEN_HASH_LEN];
  guint            failed_auths;

  /* Mailbox delivery: everything up to delivered_seq was sent on this
   * connection, in order. */
  gint64           delivered_seq;
  gboolean         syncing;        /* backlog not finished: "synced" not sent */
  gboolean         fetch_running;
  gboolean         fetch_again;    /* something arrived while fetching */
  guint            fetch_retry_id; /* waiting for the send queue to drain */

  /* Acks go to the store worker's cursor table (coalesced there);
   * ack_stored is what a flush at close/logout has covered. */
  gint64           ack_wanted;
  gint64           ack_stored;

  /* Typing relays: peer -> gint64* monotonic µs of the last one relayed
   * (created on first use). */
  GHashTable      *typing_sent;
};

/* Refusals decided inside store jobs (forbidden, not_found, ...): the
 * error's code is the TdErrorCode to answer with and its message is safe
 * to show the client. */
#define TD_SESSION_REFUSAL (_td_session_refusal_quark ())
GQuark   _td_session_refusal_quark   (void);

void     _td_session_send_frame      (TdSession *self, const TdFrame *frame);
void     _td_session_send_error      (TdSession *self, const char *req, TdErrorCode code,
                                      const char *id, const char *message);
/* Answers a failed job: refusals as they are, store errors mapped to a wire
 * code (details of store failures go to the log only). */
void     _td_session_send_store_error (TdSession *self, const char *req, const char *id,
                                       const GError *error);
/* A short, stable tag for a login in logs. */
char    *_td_session_disguise        (const char *login);
/* Reads the mailbox from the delivered seq now (cluster: after events may
 * have been missed); harmless when nothing is new. */
void     _td_session_catch_up        (TdSession *self);

/* ---- td-session-groups.c ---- */

/* Session start, steps "groups" and "reminders": loaded on the worker
 * inside the login job, sent right after the directory. */
gboolean _td_session_load_start      (TdStore *store, gint64 user_id, GPtrArray **out_groups,
                                      GPtrArray **out_reminders, GError **error);
void     _td_session_send_start      (TdSession *self, GPtrArray *groups, GPtrArray *reminders);

void     _td_session_handle_read            (TdSession *self, const TdFrame *frame);
void     _td_session_handle_typing          (TdSession *self, const TdFrame *frame);
void     _td_session_handle_group_create    (TdSession *self, const TdFrame *frame);
void     _td_session_handle_group_update    (TdSession *self, const TdFrame *frame);
void     _td_session_handle_group_leave     (TdSession *self, const TdFrame *frame);
void     _td_session_handle_reminder_update (TdSession *self, const TdFrame *frame);
void     _td_session_handle_announce        (TdSession *self, const TdFrame *frame);
void     _td_session_handle_reminder_status (TdSession *self, const TdFrame *frame);

/* ---- td-push.c, beyond what td-server-private.h declares ---- */

/* As _td_server_group_changed / _deleted, but nothing goes to @except
 * (the requesting connection, which gets the answer with its "req"). */
void     _td_server_group_changed_except (TdServer *self, TdGroup *group,
                                          const char * const *removed, TdSession *except);
void     _td_server_group_deleted_except (TdServer *self, gint64 group_id,
                                          const char * const *removed, TdSession *except);
/* Sends @frame to the open sessions of every member of @group but
 * @skip_login (NULL = nobody skipped) and @except. */
void     _td_server_send_to_group       (TdServer *self, TdGroup *group, const char *skip_login,
                                         TdSession *except, GBytes *frame);

G_END_DECLS
