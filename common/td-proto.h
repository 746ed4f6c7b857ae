/* td-proto.h - the Tidings wire protocol: frames, limits, errors.
 *
 * Pure code: no I/O, no libsoup, no sqlite.  Server and clients both
 * decode every incoming frame with td_frame_decode() and build every
 * outgoing frame with a td_frame_new_*() constructor plus td_frame_encode().
 * docs/protocol.md is the normative description of what is encoded here.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Version spoken by this module; carried in "auth" and "welcome". */
#define TD_PROTO_VERSION            1
/* WebSocket subprotocol token (Sec-WebSocket-Protocol). */
#define TD_PROTO_SUBPROTOCOL        "tidings.v1"
/* Path of the WebSocket endpoint on the server. */
#define TD_PROTO_WS_PATH            "/ws"

/* Limits.  Every one of them is enforced by td_frame_decode(); the
 * transport additionally refuses frames above TD_PROTO_MAX_FRAME before
 * they are reassembled (see docs/protocol.md "Limits"). */
#define TD_PROTO_MAX_FRAME          (64 * 1024)       /* client -> server, bytes */
#define TD_PROTO_MAX_SERVER_FRAME   (8 * 1024 * 1024) /* server -> client, bytes */
#define TD_PROTO_MAX_DEPTH          8                 /* JSON nesting */
#define TD_PROTO_MAX_TEXT           16384             /* message text, bytes of UTF-8 */
#define TD_PROTO_MAX_ID             64                /* client message id / req / device */
#define TD_PROTO_MAX_LOGIN          64
#define TD_PROTO_MAX_PASSWORD       1024
#define TD_PROTO_MAX_TOKEN          128
#define TD_PROTO_MAX_NAME           256               /* display name, department, title */
#define TD_PROTO_HISTORY_DEFAULT    50
#define TD_PROTO_HISTORY_MAX        200

/* Errors raised while decoding or validating a frame. */
#define TD_PROTO_ERROR (td_proto_error_quark ())
GQuark td_proto_error_quark (void);

typedef enum {
  TD_PROTO_ERROR_INVALID_JSON,    /* not JSON, or not UTF-8 */
  TD_PROTO_ERROR_TOO_LARGE,       /* frame above the size limit */
  TD_PROTO_ERROR_TOO_DEEP,        /* nesting above TD_PROTO_MAX_DEPTH */
  TD_PROTO_ERROR_NOT_OBJECT,      /* top level is not an object */
  TD_PROTO_ERROR_UNKNOWN_TYPE,    /* "type" missing or not known */
  TD_PROTO_ERROR_MISSING_FIELD,   /* a required field is absent */
  TD_PROTO_ERROR_BAD_FIELD,       /* a field has the wrong JSON type or an invalid value */
  TD_PROTO_ERROR_TEXT_TOO_LONG,   /* message text above TD_PROTO_MAX_TEXT */
  TD_PROTO_ERROR_UNSUPPORTED_VERSION,
} TdProtoError;

/* Error codes carried on the wire in "error" frames ("code" member). */
typedef enum {
  TD_ERR_BAD_FRAME,            /* "bad_frame": not JSON / not an object / bad UTF-8 */
  TD_ERR_TOO_LARGE,            /* "too_large" */
  TD_ERR_TOO_DEEP,             /* "too_deep" */
  TD_ERR_UNKNOWN_TYPE,         /* "unknown_type" */
  TD_ERR_BAD_REQUEST,          /* "bad_request": missing / invalid field */
  TD_ERR_TEXT_TOO_LONG,        /* "text_too_long" */
  TD_ERR_UNSUPPORTED_VERSION,  /* "unsupported_version" */
  TD_ERR_NOT_AUTHENTICATED,    /* "not_authenticated": request before auth */
  TD_ERR_ALREADY_AUTHENTICATED,/* "already_authenticated" */
  TD_ERR_AUTH_FAILED,          /* "auth_failed": unknown user or wrong password */
  TD_ERR_TOKEN_INVALID,        /* "token_invalid": unknown, expired or revoked token */
  TD_ERR_UNKNOWN_RECIPIENT,    /* "unknown_recipient" */
  TD_ERR_FORBIDDEN,            /* "forbidden" */
  TD_ERR_ID_CONFLICT,          /* "id_conflict": same client id reused for another message */
  TD_ERR_RATE_LIMITED,         /* "rate_limited" */
  TD_ERR_UNAVAILABLE,          /* "unavailable": store failing (disk full, db down) */
  TD_ERR_INTERNAL,             /* "internal" */
  TD_ERR_N_CODES
} TdErrorCode;

const char  *td_error_code_to_string   (TdErrorCode code);
gboolean     td_error_code_from_string (const char *str, TdErrorCode *out_code);
/* Maps a TD_PROTO_ERROR from td_frame_decode() to the wire code to answer with. */
TdErrorCode  td_error_code_from_gerror (const GError *error);

typedef enum {
  TD_PRESENCE_OFFLINE,
  TD_PRESENCE_ONLINE,
  TD_PRESENCE_AWAY,
  TD_PRESENCE_BUSY,
} TdPresence;

const char  *td_presence_to_string   (TdPresence presence);   /* "offline", "online", "away", "busy" */
gboolean     td_presence_from_string (const char *str, TdPresence *out_presence);

/* Validators shared by the server, tidingsctl and clients. */
gboolean td_proto_validate_login     (const char *login, GError **error);   /* [a-z0-9._-]{1,64}, starts alnum */
gboolean td_proto_validate_client_id (const char *id, GError **error);      /* [A-Za-z0-9._:-]{1,64} */
gboolean td_proto_validate_text      (const char *text, GError **error);    /* UTF-8, 1..MAX_TEXT bytes, no NUL, not only whitespace */
/* Returns FALSE if @data nests JSON arrays/objects deeper than @max_depth.
 * Scans brackets outside strings; cheap, and run before json-glib sees
 * the input because json-glib 1.6 recurses without limit. */
gboolean td_proto_check_depth        (const char *data, gsize len, guint max_depth);

/* ---- TdUser: one person in the directory (immutable, ref-counted) ---- */
typedef struct _TdUser TdUser;
#define TD_TYPE_USER (td_user_get_type ())
GType        td_user_get_type      (void) G_GNUC_CONST;
TdUser      *td_user_new           (const char *login,
                                    const char *name,
                                    const char *department,
                                    const char *title,       /* nullable -> "" */
                                    TdPresence  presence);
TdUser      *td_user_ref           (TdUser *self);
void         td_user_unref         (TdUser *self);
const char  *td_user_get_login      (const TdUser *self);
const char  *td_user_get_name       (const TdUser *self);
const char  *td_user_get_department (const TdUser *self);
const char  *td_user_get_title      (const TdUser *self);
TdPresence   td_user_get_presence   (const TdUser *self);
/* Returns a new TdUser equal to @self but with @presence. */
TdUser      *td_user_with_presence  (const TdUser *self, TdPresence presence);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdUser, td_user_unref)

/* ---- TdMessage: one chat message (immutable, ref-counted) ----
 * mid:   server-wide message id, increasing in commit order; history paging key.
 * seq:   position in the *receiving user's* mailbox (per user, gap-free,
 *        starting at 1).  0 when not known (history results).
 * id:    the sender's client-chosen id; (from, id) is unique.
 * time:  server time of the commit, milliseconds since the Unix epoch. */
typedef struct _TdMessage TdMessage;
#define TD_TYPE_MESSAGE (td_message_get_type ())
GType        td_message_get_type (void) G_GNUC_CONST;
TdMessage   *td_message_new      (gint64      mid,
                                  gint64      seq,
                                  const char *id,
                                  const char *from,
                                  const char *to,
                                  const char *text,
                                  gint64      time_ms);
TdMessage   *td_message_ref      (TdMessage *self);
void         td_message_unref    (TdMessage *self);
gint64       td_message_get_mid  (const TdMessage *self);
gint64       td_message_get_seq  (const TdMessage *self);
const char  *td_message_get_id   (const TdMessage *self);
const char  *td_message_get_from (const TdMessage *self);
const char  *td_message_get_to   (const TdMessage *self);
const char  *td_message_get_text (const TdMessage *self);
gint64       td_message_get_time (const TdMessage *self);
/* Returns a copy of @self with another mailbox seq (the same message is
 * seq 7 in the sender's mailbox and seq 12 in the recipient's). */
TdMessage   *td_message_with_seq (const TdMessage *self, gint64 seq);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdMessage, td_message_unref)

/* ---- TdFrame: one decoded or to-be-encoded frame ---- */
typedef enum {
  TD_FRAME_INVALID = 0,
  /* client -> server */
  TD_FRAME_AUTH,        /* protocol, device, client, user+password | token */
  TD_FRAME_SEND,        /* req?, id, to, text */
  TD_FRAME_ACK,         /* seq */
  TD_FRAME_HISTORY,     /* req?, peer, before (0 = newest), limit; also server reply */
  TD_FRAME_STATUS,      /* status (online|away|busy) */
  TD_FRAME_LOGOUT,      /* req? */
  TD_FRAME_PING,        /* req? */
  /* server -> client */
  TD_FRAME_WELCOME,     /* req?, protocol, self, token, token_expires, last_seq */
  TD_FRAME_DIRECTORY,   /* departments, users, complete */
  TD_FRAME_PRESENCE,    /* user, status */
  TD_FRAME_MESSAGE,     /* message */
  TD_FRAME_SENT,        /* req?, message, duplicate */
  TD_FRAME_SYNCED,      /* seq: backlog delivered up to here */
  TD_FRAME_PONG,        /* req? */
  TD_FRAME_BYE,         /* req? */
  TD_FRAME_ERROR,       /* req?, code, error message, id? */
  TD_FRAME_N_TYPES
} TdFrameType;

const char  *td_frame_type_to_string (TdFrameType type);  /* wire "type" value */

typedef struct _TdFrame TdFrame;
#define TD_TYPE_FRAME (td_frame_get_type ())
GType        td_frame_get_type (void) G_GNUC_CONST;

TdFrame     *td_frame_ref   (TdFrame *self);
void         td_frame_unref (TdFrame *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdFrame, td_frame_unref)

/* Decodes and validates one frame.  @max_len is the size limit for this
 * direction (TD_PROTO_MAX_FRAME on the server, TD_PROTO_MAX_SERVER_FRAME
 * on clients).  @data need not be NUL-terminated.  Unknown members are
 * ignored (forward compatibility); a frame with unknown "type" fails with
 * TD_PROTO_ERROR_UNKNOWN_TYPE.  On failure, if the frame carried a string
 * "req" it is returned in @out_req so the error answer can name it. */
TdFrame     *td_frame_decode (const char  *data,
                              gsize        len,
                              gsize        max_len,
                              char       **out_req,
                              GError     **error);
/* Encodes as compact JSON (one line, no trailing newline). */
char        *td_frame_encode (const TdFrame *self, gsize *out_len);

/* Constructors.  String arguments are copied; nullable ones say so. */
TdFrame *td_frame_new_auth_password (const char *user, const char *password,
                                     const char *device, const char *client /* nullable */);
TdFrame *td_frame_new_auth_token    (const char *token,
                                     const char *device, const char *client /* nullable */);
TdFrame *td_frame_new_send          (const char *req /* nullable */, const char *id,
                                     const char *to, const char *text);
TdFrame *td_frame_new_ack           (gint64 seq);
TdFrame *td_frame_new_history_request (const char *req /* nullable */, const char *peer,
                                       gint64 before, guint limit);
TdFrame *td_frame_new_status        (TdPresence status);
TdFrame *td_frame_new_logout        (const char *req /* nullable */);
TdFrame *td_frame_new_ping          (const char *req /* nullable */);

TdFrame *td_frame_new_welcome       (const char *req /* nullable */, TdUser *self_user,
                                     const char *token, gint64 token_expires_ms,
                                     gint64 last_seq);
/* @departments: array of char*; @users: array of TdUser*.  Both are ref'd. */
TdFrame *td_frame_new_directory     (GPtrArray *departments, GPtrArray *users, gboolean complete);
TdFrame *td_frame_new_presence      (const char *user, TdPresence status);
TdFrame *td_frame_new_message       (TdMessage *message);
TdFrame *td_frame_new_sent          (const char *req /* nullable */, TdMessage *message,
                                     gboolean duplicate);
TdFrame *td_frame_new_synced        (gint64 seq);
/* @messages: array of TdMessage*, oldest first; ref'd. */
TdFrame *td_frame_new_history_result (const char *req /* nullable */, const char *peer,
                                      GPtrArray *messages, gboolean more);
TdFrame *td_frame_new_pong          (const char *req /* nullable */);
TdFrame *td_frame_new_bye           (const char *req /* nullable */);
TdFrame *td_frame_new_error         (const char *req /* nullable */, TdErrorCode code,
                                     const char *message, const char *id /* nullable */);

/* Accessors.  A getter for a member the frame type does not carry returns
 * NULL / 0 / FALSE; that is a programmer error only in the sense that the
 * answer is meaningless. */
TdFrameType  td_frame_get_frame_type    (const TdFrame *self);
const char  *td_frame_get_req           (const TdFrame *self);
gint         td_frame_get_protocol      (const TdFrame *self);   /* auth, welcome */
const char  *td_frame_get_user          (const TdFrame *self);   /* auth (login), presence */
const char  *td_frame_get_password      (const TdFrame *self);   /* auth */
const char  *td_frame_get_token         (const TdFrame *self);   /* auth, welcome */
const char  *td_frame_get_device        (const TdFrame *self);   /* auth */
const char  *td_frame_get_client        (const TdFrame *self);   /* auth */
const char  *td_frame_get_id            (const TdFrame *self);   /* send, error */
const char  *td_frame_get_to            (const TdFrame *self);   /* send */
const char  *td_frame_get_text          (const TdFrame *self);   /* send */
gint64       td_frame_get_seq           (const TdFrame *self);   /* ack, synced */
const char  *td_frame_get_peer          (const TdFrame *self);   /* history */
gint64       td_frame_get_before        (const TdFrame *self);   /* history request */
guint        td_frame_get_limit         (const TdFrame *self);   /* history request */
gboolean     td_frame_get_more          (const TdFrame *self);   /* history result */
TdPresence   td_frame_get_status        (const TdFrame *self);   /* status, presence */
TdUser      *td_frame_get_self_user     (const TdFrame *self);   /* welcome */
gint64       td_frame_get_token_expires (const TdFrame *self);   /* welcome */
gint64       td_frame_get_last_seq      (const TdFrame *self);   /* welcome */
GPtrArray   *td_frame_get_departments   (const TdFrame *self);   /* directory: char* */
GPtrArray   *td_frame_get_users         (const TdFrame *self);   /* directory: TdUser* */
gboolean     td_frame_get_complete      (const TdFrame *self);   /* directory */
TdMessage   *td_frame_get_message       (const TdFrame *self);   /* message, sent */
gboolean     td_frame_get_duplicate     (const TdFrame *self);   /* sent */
GPtrArray   *td_frame_get_messages      (const TdFrame *self);   /* history result: TdMessage* */
TdErrorCode  td_frame_get_error_code    (const TdFrame *self);   /* error */
const char  *td_frame_get_error_message (const TdFrame *self);   /* error */
/* history: TRUE for a server reply (has "messages"), FALSE for a request. */
gboolean     td_frame_is_history_result (const TdFrame *self);

/* Encodes a TdMessage as a JSON object (used by tidings-cli's output and
 * by the server's logs of frames it rejects). Caller frees. */
char        *td_message_to_json (const TdMessage *self);
/* Encodes a TdUser as the JSON object directory frames carry. Caller frees. */
char        *td_user_to_json    (const TdUser *self);

G_END_DECLS
