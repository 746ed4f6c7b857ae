/* td-session.h - one client connection's protocol state: login, backlog
 * delivery from the device cursor, sends, acks, history, presence. */
#pragma once

#include "td-proto.h"
#include "td-transport.h"
#include "td-roster.h"

G_BEGIN_DECLS

typedef struct _TdServer TdServer;

typedef enum {
  TD_SESSION_NEW,             /* waiting for auth */
  TD_SESSION_AUTHENTICATING,  /* auth being checked */
  TD_SESSION_ACTIVE,          /* logged in */
  TD_SESSION_CLOSED,          /* connection gone; jobs may still hold a ref */
} TdSessionState;

TdSession     *td_session_new          (TdServer *server, TdConn *conn);
TdSession     *td_session_ref          (TdSession *self);
void           td_session_unref        (TdSession *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdSession, td_session_unref)

TdSessionState td_session_get_state    (TdSession *self);
gint64         td_session_get_created  (TdSession *self);
TdRosterUser  *td_session_get_user     (TdSession *self);
GList         *td_session_get_pending_link (TdSession *self);

/* Transport events. */
void           td_session_handle_text  (TdSession *self, const char *data, gsize len);
void           td_session_closed       (TdSession *self);

/* Sends an already-encoded frame. */
void           td_session_send_bytes   (TdSession *self, GBytes *frame);
void           td_session_close        (TdSession *self, gushort code, const char *reason);
/* Live delivery of a committed message whose seq is in this session's
 * user's mailbox; keeps the mailbox order (falls back to the store on a
 * gap or while the backlog is still being sent). */
void           td_session_deliver      (TdSession *self, TdMessage *message, GBytes *frame);

G_END_DECLS
