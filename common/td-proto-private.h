/* td-proto-private.h - pieces shared by the files of common/ that are not
 * part of the protocol API: the JSON writer, validators that name the
 * offending member, the strict JSON syntax scan run before json-glib, the
 * TdFrame structure and the typed member getters td-frame.c and
 * td-frame-ext.c both decode with.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "td-proto.h"

G_BEGIN_DECLS

/* Largest integer accepted anywhere in a frame (I-JSON, RFC 7493). */
#define TD_PROTO_MAX_INT (G_GINT64_CONSTANT (1) << 53)

/* ---- Writing (td-proto-types.c) ---- */

/* Appends @str as a JSON string literal.  Invalid UTF-8 is replaced by
 * U+FFFD so that the output is always valid JSON. */
void      _td_json_append_string  (GString *out, const char *str);
void      _td_json_append_int     (GString *out, gint64 value);
void      _td_json_append_user    (GString *out, const TdUser *user);
void      _td_json_append_message (GString *out, const TdMessage *message);
/* (td-proto-objects.c) */
void      _td_json_append_group    (GString *out, const TdGroup *group);
void      _td_json_append_reminder (GString *out, const TdReminder *reminder);

/* ---- Validation (td-proto.c) ----
 * @prefix and @name name the member in the error message, as in
 * 'member "users[3].login" ...'; with @name NULL the message says
 * @fallback instead (the public validators use "login", "text"...). */
gboolean  _td_proto_check_login     (const char *login, const char *prefix,
                                     const char *name, GError **error);
gboolean  _td_proto_check_client_id (const char *id, const char *prefix,
                                     const char *name, GError **error);
/* @len: bytes of @text, which may contain NUL (then it fails). */
gboolean  _td_proto_check_text      (const char *text, gsize len, const char *prefix,
                                     const char *name, GError **error);
/* Formats the subject of an error message into @buf. */
const char *_td_proto_subject (char *buf, gsize size, const char *prefix,
                               const char *name, const char *fallback);
/* A login or a group address "g:<id>". */
gboolean  _td_proto_check_peer      (const char *peer, const char *prefix,
                                     const char *name, GError **error);
gboolean  _td_proto_check_title     (const char *title, const char *prefix,
                                     const char *name, GError **error);
gboolean  _td_proto_check_body      (const char *body, const char *prefix,
                                     const char *name, GError **error);
gboolean  _td_proto_check_link      (const char *link, const char *prefix,
                                     const char *name, GError **error);
gboolean  _td_proto_check_category  (const char *category, const char *prefix,
                                     const char *name, GError **error);

/* ---- Strict syntax scan (td-proto.c) ----
 * json-glib 1.6 accepts much that is not JSON (comments, single quotes,
 * hex numbers, trailing data after the value, "var x = ...") and wraps
 * integers that overflow 64 bits (-2^64 parses as 1).  The scan accepts
 * RFC 8259 JSON only and reports what json-glib would silently lose. */
typedef struct {
  gboolean    has_nul;       /* a string holds \u0000: json-glib truncates it there */
  gboolean    has_big_int;   /* an integer outside -2^53..2^53 */
  const char *member;        /* raw name of the top-level member holding the first of those */
  gsize       member_len;    /* 0 if unknown */
} TdJsonScan;

gboolean  _td_json_scan (const char *data, gsize len, TdJsonScan *scan, GError **error);

/* ---- TdFrame (td-frame.c, td-frame-ext.c) ----
 * One struct for every type; a frame uses the members its type carries
 * and leaves the others zero.  td-frame.c handles the frames of the
 * first protocol sections and hands the types of section 12 to the
 * _td_frame_ext_* hooks of td-frame-ext.c. */
struct _TdFrame {
  TdFrameType  type;
  gboolean     history_result;
  gboolean     status_result;  /* reminder_status reply */
  char        *req;
  gint         protocol;
  char        *user;           /* auth login, presence, receipt, typing */
  char        *password;
  char        *token;
  char        *device;
  char        *client;
  char        *id;             /* send, error */
  char        *to;             /* send, typing */
  char        *text;
  char        *peer;           /* history, read, receipt */
  char        *error_message;
  TdErrorCode  error_code;
  gint64       seq;            /* ack, synced */
  gint64       before;
  gint64       token_expires;
  gint64       last_seq;
  guint        limit;
  TdPresence   status;
  gboolean     more;
  gboolean     complete;
  gboolean     duplicate;
  TdUser      *self_user;
  TdMessage   *message;
  GPtrArray   *departments;    /* char * */
  GPtrArray   *users;          /* TdUser * */
  GPtrArray   *messages;       /* TdMessage * */
  GPtrArray   *reads;          /* TdReadMark *: history result */
  char        *directory_version; /* auth, directory */
  gboolean     unchanged;      /* directory */
  gboolean     presence_list;  /* presence: list form */
  gboolean     snapshot;       /* presence list */
  char       **presence_logins[TD_PRESENCE_BUSY + 1]; /* presence list, by TdPresence; NULL = none */

  /* Section 12 */
  gint64       mid;            /* read, receipt */
  char        *name;           /* group_create, group_update */
  char        *group_address;  /* group_update, group_leave */
  char       **members;        /* group_create */
  char       **add;            /* group_update */
  char       **remove;         /* group_update */
  GPtrArray   *groups;         /* TdGroup * */
  TdGroup     *group;
  gboolean     removed;
  GPtrArray   *reminders;      /* TdReminder * */
  TdReminder  *reminder;
  gint64       rid;
  TdReminderAction action;
  gint64       until;
  char        *title;          /* announce */
  char        *body;
  char        *link;
  char        *department;
  TdPriority   priority;
  guint        total;          /* reminder_status reply */
  guint        read_count;
  guint        done_count;
  char       **unread;
};

TdFrame  *_td_frame_new        (TdFrameType type, const char *req);
/* Frees what the section 12 members hold. */
void      _td_frame_ext_clear  (TdFrame *self);
/* Decodes / encodes the members of a section 12 frame type. */
gboolean  _td_frame_ext_decode (TdFrame *self, JsonObject *obj, GError **error);
void      _td_frame_ext_encode (const TdFrame *self, GString *out);
/* history reply "reads" (optional on input, omitted when empty). */
gboolean  _td_frame_ext_decode_reads (TdFrame *self, JsonObject *obj, GError **error);
void      _td_frame_ext_encode_reads (const TdFrame *self, GString *out);

/* ---- Typed member getters (td-frame.c) ----
 * @prefix names the enclosing object in messages ("" at top level,
 * "message." or "users[3]." inside).  A member whose value is null is
 * treated as absent.  Each returns FALSE with a TD_PROTO_ERROR that names
 * the member. */
JsonNode *_td_json_get_member  (JsonObject *obj, const char *name);
gboolean  _td_json_fail_missing (GError **error, const char *prefix, const char *name);
gboolean  _td_json_fail_type   (GError **error, const char *prefix, const char *name,
                                const char *what);
gboolean  _td_json_is_string   (JsonNode *node);
/* *out is the string (owned by @obj), or NULL when optional and absent. */
gboolean  _td_json_get_string  (JsonObject *obj, const char *prefix, const char *name,
                                gboolean required, gsize min_len, gsize max_len,
                                const char **out, gsize *out_len, GError **error);
gboolean  _td_json_get_login   (JsonObject *obj, const char *prefix, const char *name,
                                const char **out, GError **error);
/* *out is left untouched when optional and absent. */
gboolean  _td_json_get_int     (JsonObject *obj, const char *prefix, const char *name,
                                gboolean required, gint64 min, gint64 max,
                                gint64 *out, GError **error);
gboolean  _td_json_get_bool    (JsonObject *obj, const char *prefix, const char *name,
                                gboolean *out, GError **error);
gboolean  _td_json_get_array   (JsonObject *obj, const char *prefix, const char *name,
                                guint max_len, JsonArray **out, GError **error);

G_END_DECLS
