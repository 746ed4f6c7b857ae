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
#define TD_PROTO_MAX_MEMBERS        1000              /* members listed in one group_create / group_update */
#define TD_PROTO_MAX_TITLE          256               /* reminder title, bytes */
#define TD_PROTO_MAX_BODY           4096              /* reminder body, bytes */
#define TD_PROTO_MAX_LINK           2048              /* reminder link (http/https URL), bytes */
#define TD_PROTO_MAX_CATEGORY       64                /* reminder category: [a-z0-9._-] */
#define TD_PROTO_MAX_DIRECTORY_VERSION 64             /* directory "version" tag: printable ASCII */

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
  TD_ERR_NOT_FOUND,            /* "not_found": unknown group or reminder */
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
/* Reminder fields (also used by the HTTP API): title is a text of at most
 * TD_PROTO_MAX_TITLE bytes; body "" or a text of at most TD_PROTO_MAX_BODY;
 * link "" or an absolute http:// or https:// URL without spaces or control
 * characters, at most TD_PROTO_MAX_LINK; category "" or [a-z0-9._-]{1,64}. */
gboolean td_proto_validate_title     (const char *title, GError **error);
gboolean td_proto_validate_body      (const char *body, GError **error);
gboolean td_proto_validate_link      (const char *link, GError **error);
gboolean td_proto_validate_category  (const char *category, GError **error);

/* Group addresses.  A conversation is named by a *peer*: a login for a
 * person, or "g:<id>" for a group (id 1..2^53, decimal, no leading zero).
 * ':' is not a login character, so the two never collide. */
char    *td_group_address            (gint64 group_id);                       /* "g:12" */
/* Returns TRUE and sets *out_id if @peer is a valid group address. */
gboolean td_parse_group_address      (const char *peer, gint64 *out_id);
/* A login or a group address. */
gboolean td_proto_validate_peer      (const char *peer, GError **error);
/* Returns FALSE if @data nests JSON arrays/objects deeper than @max_depth.
 * Scans brackets outside strings; cheap, and run before json-glib sees
 * the input because json-glib 1.6 recurses without limit. */
gboolean td_proto_check_depth        (const char *data, gsize len, guint max_depth);

/* Role of a directory entry.  Bots are accounts driven by an API key
 * (docs/integrations.md); people can message them like anyone else. */
typedef enum {
  TD_ROLE_USER,    /* "user": omitted on the wire */
  TD_ROLE_ADMIN,   /* "admin" */
  TD_ROLE_BOT,     /* "bot" */
} TdRole;

const char  *td_role_to_string   (TdRole role);
gboolean     td_role_from_string (const char *str, TdRole *out_role);

/* ---- TdUser: one person in the directory (immutable, ref-counted) ---- */
typedef struct _TdUser TdUser;
#define TD_TYPE_USER (td_user_get_type ())
GType        td_user_get_type      (void) G_GNUC_CONST;
TdUser      *td_user_new           (const char *login,
                                    const char *name,
                                    const char *department,
                                    const char *title,       /* nullable -> "" */
                                    TdPresence  presence);
/* Same, with a role (td_user_new gives TD_ROLE_USER). */
TdUser      *td_user_new_full      (const char *login,
                                    const char *name,
                                    const char *department,
                                    const char *title,
                                    TdPresence  presence,
                                    TdRole      role);
TdUser      *td_user_ref           (TdUser *self);
void         td_user_unref         (TdUser *self);
const char  *td_user_get_login      (const TdUser *self);
const char  *td_user_get_name       (const TdUser *self);
const char  *td_user_get_department (const TdUser *self);
const char  *td_user_get_title      (const TdUser *self);
TdPresence   td_user_get_presence   (const TdUser *self);
TdRole       td_user_get_role       (const TdUser *self);
/* Returns a new TdUser equal to @self (role included) but with @presence. */
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

/* ---- TdGroup: one group conversation (immutable, ref-counted) ----
 * Department groups exist for every department; their members are the
 * department's people and cannot be edited.  Ad-hoc groups are made by
 * users; @owner is their creator ("" for department groups). */
typedef enum {
  TD_GROUP_DEPARTMENT,   /* "department" */
  TD_GROUP_ADHOC,        /* "group" */
} TdGroupKind;

const char  *td_group_kind_to_string   (TdGroupKind kind);
gboolean     td_group_kind_from_string (const char *str, TdGroupKind *out_kind);

typedef struct _TdGroup TdGroup;
#define TD_TYPE_GROUP (td_group_get_type ())
GType        td_group_get_type    (void) G_GNUC_CONST;
/* @members: NULL-terminated logins, copied (NULL = none). */
TdGroup     *td_group_new         (gint64              id,
                                   TdGroupKind         kind,
                                   const char         *name,
                                   const char         *owner,     /* nullable -> "" */
                                   const char * const *members);
TdGroup     *td_group_ref         (TdGroup *self);
void         td_group_unref       (TdGroup *self);
gint64       td_group_get_id      (const TdGroup *self);
const char  *td_group_get_address (const TdGroup *self);   /* "g:<id>" */
TdGroupKind  td_group_get_kind    (const TdGroup *self);
const char  *td_group_get_name    (const TdGroup *self);
const char  *td_group_get_owner   (const TdGroup *self);
const char * const *td_group_get_members (const TdGroup *self);  /* NULL-terminated */
guint        td_group_get_n_members (const TdGroup *self);
gboolean     td_group_has_member  (const TdGroup *self, const char *login);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdGroup, td_group_unref)

/* ---- TdReminder: one reminder or announcement as one recipient sees it ----
 * rid:      server-wide id of the reminder (shared by all its recipients).
 * source:   who posted it: the API key's name ("workflow") or, for an
 *           announcement, the admin's login.
 * state:    the recipient's outcome; until: end of a snooze (ms), else 0.
 * read:     the recipient has seen it (announcement read counts). */
typedef enum {
  TD_REMINDER_KIND_REMINDER,      /* "reminder" */
  TD_REMINDER_KIND_ANNOUNCEMENT,  /* "announcement" */
} TdReminderKind;

typedef enum {
  TD_PRIORITY_NORMAL,   /* "normal" */
  TD_PRIORITY_URGENT,   /* "urgent" */
} TdPriority;

typedef enum {
  TD_REMINDER_OPEN,     /* "open" */
  TD_REMINDER_DONE,     /* "done" */
  TD_REMINDER_SNOOZED,  /* "snoozed" */
} TdReminderState;

/* What a recipient does with a reminder (reminder_update "action"). */
typedef enum {
  TD_REMINDER_ACTION_READ,     /* "read": seen; state unchanged */
  TD_REMINDER_ACTION_DONE,     /* "done" */
  TD_REMINDER_ACTION_SNOOZE,   /* "snooze": needs "until" */
  TD_REMINDER_ACTION_REOPEN,   /* "reopen": back to open */
} TdReminderAction;

const char *td_reminder_kind_to_string     (TdReminderKind kind);
gboolean    td_reminder_kind_from_string   (const char *str, TdReminderKind *out);
const char *td_priority_to_string          (TdPriority priority);
gboolean    td_priority_from_string        (const char *str, TdPriority *out);
const char *td_reminder_state_to_string    (TdReminderState state);
gboolean    td_reminder_state_from_string  (const char *str, TdReminderState *out);
const char *td_reminder_action_to_string   (TdReminderAction action);
gboolean    td_reminder_action_from_string (const char *str, TdReminderAction *out);

typedef struct _TdReminder TdReminder;
#define TD_TYPE_REMINDER (td_reminder_get_type ())
GType            td_reminder_get_type     (void) G_GNUC_CONST;
TdReminder      *td_reminder_new          (gint64          rid,
                                           TdReminderKind  kind,
                                           const char     *source,
                                           const char     *title,
                                           const char     *body,      /* nullable -> "" */
                                           const char     *link,      /* nullable -> "" */
                                           const char     *category,  /* nullable -> "" */
                                           TdPriority      priority,
                                           gint64          time_ms,
                                           TdReminderState state,
                                           gint64          until_ms,
                                           gboolean        read);
TdReminder      *td_reminder_ref          (TdReminder *self);
void             td_reminder_unref        (TdReminder *self);
gint64           td_reminder_get_rid      (const TdReminder *self);
TdReminderKind   td_reminder_get_kind     (const TdReminder *self);
const char      *td_reminder_get_source   (const TdReminder *self);
const char      *td_reminder_get_title    (const TdReminder *self);
const char      *td_reminder_get_body     (const TdReminder *self);
const char      *td_reminder_get_link     (const TdReminder *self);
const char      *td_reminder_get_category (const TdReminder *self);
TdPriority       td_reminder_get_priority (const TdReminder *self);
gint64           td_reminder_get_time     (const TdReminder *self);
TdReminderState  td_reminder_get_state    (const TdReminder *self);
gint64           td_reminder_get_until    (const TdReminder *self);
gboolean         td_reminder_get_read     (const TdReminder *self);
/* A copy with another recipient state. */
TdReminder      *td_reminder_with_state   (const TdReminder *self, TdReminderState state,
                                           gint64 until_ms, gboolean read);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdReminder, td_reminder_unref)

/* ---- TdReadMark: how far one person has read one conversation ---- */
typedef struct {
  char   *user;   /* login */
  gint64  mid;    /* highest message id read */
} TdReadMark;

TdReadMark *td_read_mark_new  (const char *user, gint64 mid);
void        td_read_mark_free (TdReadMark *mark);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdReadMark, td_read_mark_free)

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
  TD_FRAME_DIRECTORY,   /* version?, unchanged?, departments, users, complete */
  TD_FRAME_PRESENCE,    /* user, status | snapshot?, online?, away?, busy?, offline? */
  TD_FRAME_MESSAGE,     /* message */
  TD_FRAME_SENT,        /* req?, message, duplicate */
  TD_FRAME_SYNCED,      /* seq: backlog delivered up to here */
  TD_FRAME_PONG,        /* req? */
  TD_FRAME_BYE,         /* req? */
  TD_FRAME_ERROR,       /* req?, code, error message, id? */
  /* groups, receipts, typing, reminders (docs/protocol.md section 12) */
  TD_FRAME_READ,            /* c->s: peer, mid */
  TD_FRAME_RECEIPT,         /* s->c: user, peer, mid */
  TD_FRAME_TYPING,          /* c->s: to; s->c: user, to */
  TD_FRAME_GROUP_CREATE,    /* c->s: req?, name, members */
  TD_FRAME_GROUP_UPDATE,    /* c->s: req?, group, name?, add?, remove? */
  TD_FRAME_GROUP_LEAVE,     /* c->s: req?, group */
  TD_FRAME_GROUPS,          /* s->c: groups */
  TD_FRAME_GROUP,           /* s->c: req?, group, removed */
  TD_FRAME_REMINDERS,       /* s->c: reminders */
  TD_FRAME_REMINDER,        /* s->c: req?, reminder */
  TD_FRAME_REMINDER_UPDATE, /* c->s: req?, rid, action, until? */
  TD_FRAME_ANNOUNCE,        /* c->s: req?, title, body?, link?, department?, priority? */
  TD_FRAME_REMINDER_STATUS, /* c->s: req?, rid; s->c: req?, rid, total, read, done, unread */
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
/* The same as GBytes, for frames sent to many connections. */
GBytes      *td_frame_encode_bytes (const TdFrame *self);

/* Constructors.  String arguments are copied; nullable ones say so. */
TdFrame *td_frame_new_auth_password (const char *user, const char *password,
                                     const char *device, const char *client /* nullable */);
TdFrame *td_frame_new_auth_token    (const char *token,
                                     const char *device, const char *client /* nullable */);
/* Same, also naming the version of the complete directory the client has
 * cached (docs/protocol.md 5.2): a server whose directory still has that
 * version answers with one "unchanged" directory frame. */
TdFrame *td_frame_new_auth_password_cached (const char *user, const char *password,
                                            const char *device, const char *client /* nullable */,
                                            const char *directory_version /* nullable */);
TdFrame *td_frame_new_auth_token_cached    (const char *token,
                                            const char *device, const char *client /* nullable */,
                                            const char *directory_version /* nullable */);
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
/* A directory frame with its "version" tag; @unchanged: TRUE for the one
 * frame that tells a client its cached directory is current (then @users
 * must be empty and @complete TRUE). */
TdFrame *td_frame_new_directory_versioned (GPtrArray *departments, GPtrArray *users,
                                           gboolean complete, const char *version,
                                           gboolean unchanged);
/* The single form {"user","status"} (decoders accept it; tidingsd sends
 * the list form below). */
TdFrame *td_frame_new_presence      (const char *user, TdPresence status);
/* The list form: NULL-terminated logins per presence (NULL = none); a
 * login may appear once in the whole frame.  @snapshot: everyone not
 * listed is offline (then @offline must be NULL or empty). */
TdFrame *td_frame_new_presence_list (gboolean snapshot,
                                     const char * const *online,
                                     const char * const *away,
                                     const char * const *busy,
                                     const char * const *offline);
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
/* history reply with the read marks of the conversation's other
 * participants (@reads: TdReadMark*, copied; NULL or empty = none). */
TdFrame *td_frame_new_history_result_with_reads (const char *req, const char *peer,
                                                 GPtrArray *messages, gboolean more,
                                                 GPtrArray *reads);

TdFrame *td_frame_new_read          (const char *peer, gint64 mid);
TdFrame *td_frame_new_receipt       (const char *user, const char *peer, gint64 mid);
/* Client form: @user NULL.  Server form: @user = who is typing. */
TdFrame *td_frame_new_typing        (const char *user /* nullable */, const char *to);
/* @members: NULL-terminated logins (the creator need not be listed). */
TdFrame *td_frame_new_group_create  (const char *req, const char *name,
                                     const char * const *members);
/* @name NULL = unchanged; @add / @remove NULL = none. */
TdFrame *td_frame_new_group_update  (const char *req, const char *group,
                                     const char *name,
                                     const char * const *add,
                                     const char * const *remove);
TdFrame *td_frame_new_group_leave   (const char *req, const char *group);
/* @groups: TdGroup*, ref'd. */
TdFrame *td_frame_new_groups        (GPtrArray *groups);
TdFrame *td_frame_new_group         (const char *req, TdGroup *group, gboolean removed);
/* @reminders: TdReminder*, ref'd. */
TdFrame *td_frame_new_reminders     (GPtrArray *reminders);
TdFrame *td_frame_new_reminder      (const char *req, TdReminder *reminder);
TdFrame *td_frame_new_reminder_update (const char *req, gint64 rid,
                                       TdReminderAction action, gint64 until_ms);
/* @department NULL = everyone. */
TdFrame *td_frame_new_announce      (const char *req, const char *title, const char *body,
                                     const char *link, const char *department,
                                     TdPriority priority);
TdFrame *td_frame_new_reminder_status_request (const char *req, gint64 rid);
/* @unread: NULL-terminated logins of recipients who have not read it. */
TdFrame *td_frame_new_reminder_status_result  (const char *req, gint64 rid,
                                               guint total, guint read, guint done,
                                               const char * const *unread);

/* Accessors.  A getter for a member the frame type does not carry returns
 * NULL / 0 / FALSE; that is a programmer error only in the sense that the
 * answer is meaningless. */
TdFrameType  td_frame_get_frame_type    (const TdFrame *self);
const char  *td_frame_get_req           (const TdFrame *self);
gint         td_frame_get_protocol      (const TdFrame *self);   /* auth, welcome */
const char  *td_frame_get_user          (const TdFrame *self);   /* auth (login), presence (single form) */
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
/* auth: the cached version the client named; directory: the server's
 * version of its directory.  NULL when absent. */
const char  *td_frame_get_directory_version (const TdFrame *self);
gboolean     td_frame_get_unchanged     (const TdFrame *self);   /* directory */
/* presence: TRUE for the list form, FALSE for the single form. */
gboolean     td_frame_is_presence_list  (const TdFrame *self);
gboolean     td_frame_get_snapshot      (const TdFrame *self);   /* presence list */
/* presence list: the logins listed with @presence; never NULL. */
const char * const *td_frame_get_presence_logins (const TdFrame *self, TdPresence presence);
TdMessage   *td_frame_get_message       (const TdFrame *self);   /* message, sent */
gboolean     td_frame_get_duplicate     (const TdFrame *self);   /* sent */
GPtrArray   *td_frame_get_messages      (const TdFrame *self);   /* history result: TdMessage* */
TdErrorCode  td_frame_get_error_code    (const TdFrame *self);   /* error */
const char  *td_frame_get_error_message (const TdFrame *self);   /* error */
/* history: TRUE for a server reply (has "messages"), FALSE for a request. */
gboolean     td_frame_is_history_result (const TdFrame *self);
/* reminder_status: TRUE for a server reply (has "total"). */
gboolean     td_frame_is_status_result  (const TdFrame *self);

/* Accessors of the frames of section 12. */
GPtrArray   *td_frame_get_reads         (const TdFrame *self);   /* history result: TdReadMark*, never NULL */
gint64       td_frame_get_mid           (const TdFrame *self);   /* read, receipt */
/* peer: also read, receipt; user: also receipt, typing (server form);
 * to: also typing; name: group_create, group_update (NULL = unchanged). */
const char  *td_frame_get_name          (const TdFrame *self);
const char * const *td_frame_get_members (const TdFrame *self);  /* group_create; never NULL */
const char  *td_frame_get_group_address (const TdFrame *self);   /* group_update, group_leave ("group") */
const char * const *td_frame_get_add    (const TdFrame *self);   /* group_update; never NULL */
const char * const *td_frame_get_remove (const TdFrame *self);   /* group_update; never NULL */
GPtrArray   *td_frame_get_groups        (const TdFrame *self);   /* groups: TdGroup* */
TdGroup     *td_frame_get_group         (const TdFrame *self);   /* group */
gboolean     td_frame_get_removed       (const TdFrame *self);   /* group */
GPtrArray   *td_frame_get_reminders     (const TdFrame *self);   /* reminders: TdReminder* */
TdReminder  *td_frame_get_reminder      (const TdFrame *self);   /* reminder */
gint64       td_frame_get_rid           (const TdFrame *self);   /* reminder_update, reminder_status */
TdReminderAction td_frame_get_action    (const TdFrame *self);   /* reminder_update */
gint64       td_frame_get_until         (const TdFrame *self);   /* reminder_update (0 = none) */
const char  *td_frame_get_title         (const TdFrame *self);   /* announce */
const char  *td_frame_get_body          (const TdFrame *self);   /* announce ("" if none) */
const char  *td_frame_get_link          (const TdFrame *self);   /* announce ("" if none) */
const char  *td_frame_get_department    (const TdFrame *self);   /* announce (NULL = everyone) */
TdPriority   td_frame_get_priority      (const TdFrame *self);   /* announce */
guint        td_frame_get_total         (const TdFrame *self);   /* reminder_status result */
guint        td_frame_get_read_count    (const TdFrame *self);   /* reminder_status result */
guint        td_frame_get_done_count    (const TdFrame *self);   /* reminder_status result */
const char * const *td_frame_get_unread (const TdFrame *self);   /* reminder_status result; never NULL */

/* Encodes a TdReminder / TdGroup as the JSON object frames carry (the HTTP
 * API and tidings-cli print them too). Caller frees. */
char        *td_reminder_to_json (const TdReminder *self);
char        *td_group_to_json    (const TdGroup *self);

/* Encodes a TdMessage as a JSON object (used by tidings-cli's output and
 * by the server's logs of frames it rejects). Caller frees. */
char        *td_message_to_json (const TdMessage *self);
/* Encodes a TdUser as the JSON object directory frames carry. Caller frees. */
char        *td_user_to_json    (const TdUser *self);

G_END_DECLS
