/* td-proto-private.h - pieces shared by the files of common/ that are not
 * part of the protocol API: the JSON writer, validators that name the
 * offending member, and the strict JSON syntax scan run before json-glib.
 */
#pragma once

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

G_END_DECLS
