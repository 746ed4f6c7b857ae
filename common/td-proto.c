/* td-proto.c - the protocol's error domain, wire error codes, presence
 * names, the validators shared by server and clients, and the two linear
 * scans every frame goes through before json-glib sees it (nesting depth
 * and strict JSON syntax).
 */
#define G_LOG_DOMAIN "td-proto"

#include <string.h>

#include "td-proto.h"
#include "td-proto-private.h"

G_DEFINE_QUARK (td-proto-error-quark, td_proto_error)

/* ---- Wire error codes ---- */

static const char * const error_code_names[TD_ERR_N_CODES] = {
  [TD_ERR_BAD_FRAME] = "bad_frame",
  [TD_ERR_TOO_LARGE] = "too_large",
  [TD_ERR_TOO_DEEP] = "too_deep",
  [TD_ERR_UNKNOWN_TYPE] = "unknown_type",
  [TD_ERR_BAD_REQUEST] = "bad_request",
  [TD_ERR_TEXT_TOO_LONG] = "text_too_long",
  [TD_ERR_UNSUPPORTED_VERSION] = "unsupported_version",
  [TD_ERR_NOT_AUTHENTICATED] = "not_authenticated",
  [TD_ERR_ALREADY_AUTHENTICATED] = "already_authenticated",
  [TD_ERR_AUTH_FAILED] = "auth_failed",
  [TD_ERR_TOKEN_INVALID] = "token_invalid",
  [TD_ERR_UNKNOWN_RECIPIENT] = "unknown_recipient",
  [TD_ERR_FORBIDDEN] = "forbidden",
  [TD_ERR_ID_CONFLICT] = "id_conflict",
  [TD_ERR_RATE_LIMITED] = "rate_limited",
  [TD_ERR_UNAVAILABLE] = "unavailable",
  [TD_ERR_INTERNAL] = "internal",
  [TD_ERR_NOT_FOUND] = "not_found",
};

/**
 * td_error_code_to_string:
 * @code: a #TdErrorCode
 *
 * Returns: (transfer none): the wire name of @code, such as "bad_request";
 *   "internal" for a value out of range.
 */
const char *
td_error_code_to_string (TdErrorCode code)
{
  if ((guint) code >= TD_ERR_N_CODES)
    return error_code_names[TD_ERR_INTERNAL];
  return error_code_names[code];
}

/**
 * td_error_code_from_string:
 * @str: a wire error code
 * @out_code: (out) (optional): where to store the code
 *
 * Returns: %TRUE if @str is a known code.
 */
gboolean
td_error_code_from_string (const char *str, TdErrorCode *out_code)
{
  g_return_val_if_fail (str != NULL, FALSE);

  for (guint i = 0; i < TD_ERR_N_CODES; i++)
    {
      if (strcmp (str, error_code_names[i]) == 0)
        {
          if (out_code != NULL)
            *out_code = (TdErrorCode) i;
          return TRUE;
        }
    }
  return FALSE;
}

/**
 * td_error_code_from_gerror:
 * @error: an error from td_frame_decode() or a validator
 *
 * Returns: the wire code to answer @error with; %TD_ERR_INTERNAL for an
 *   error outside %TD_PROTO_ERROR.
 */
TdErrorCode
td_error_code_from_gerror (const GError *error)
{
  g_return_val_if_fail (error != NULL, TD_ERR_INTERNAL);

  if (error->domain != TD_PROTO_ERROR)
    return TD_ERR_INTERNAL;

  switch ((TdProtoError) error->code)
    {
    case TD_PROTO_ERROR_INVALID_JSON:
    case TD_PROTO_ERROR_NOT_OBJECT:
      return TD_ERR_BAD_FRAME;
    case TD_PROTO_ERROR_TOO_LARGE:
      return TD_ERR_TOO_LARGE;
    case TD_PROTO_ERROR_TOO_DEEP:
      return TD_ERR_TOO_DEEP;
    case TD_PROTO_ERROR_UNKNOWN_TYPE:
      return TD_ERR_UNKNOWN_TYPE;
    case TD_PROTO_ERROR_MISSING_FIELD:
    case TD_PROTO_ERROR_BAD_FIELD:
      return TD_ERR_BAD_REQUEST;
    case TD_PROTO_ERROR_TEXT_TOO_LONG:
      return TD_ERR_TEXT_TOO_LONG;
    case TD_PROTO_ERROR_UNSUPPORTED_VERSION:
      return TD_ERR_UNSUPPORTED_VERSION;
    default:
      return TD_ERR_INTERNAL;
    }
}

/* ---- Presence ---- */

static const char * const presence_names[] = {
  [TD_PRESENCE_OFFLINE] = "offline",
  [TD_PRESENCE_ONLINE] = "online",
  [TD_PRESENCE_AWAY] = "away",
  [TD_PRESENCE_BUSY] = "busy",
};

/**
 * td_presence_to_string:
 * @presence: a #TdPresence
 *
 * Returns: (transfer none): "offline", "online", "away" or "busy";
 *   "offline" for a value out of range.
 */
const char *
td_presence_to_string (TdPresence presence)
{
  if ((guint) presence >= G_N_ELEMENTS (presence_names))
    return presence_names[TD_PRESENCE_OFFLINE];
  return presence_names[presence];
}

/**
 * td_presence_from_string:
 * @str: a presence name
 * @out_presence: (out) (optional): where to store the presence
 *
 * Returns: %TRUE if @str is one of the four presence names.
 */
gboolean
td_presence_from_string (const char *str, TdPresence *out_presence)
{
  g_return_val_if_fail (str != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (presence_names); i++)
    {
      if (strcmp (str, presence_names[i]) == 0)
        {
          if (out_presence != NULL)
            *out_presence = (TdPresence) i;
          return TRUE;
        }
    }
  return FALSE;
}

/* ---- Validators ---- */

const char *
_td_proto_subject (char       *buf,
                   gsize       size,
                   const char *prefix,
                   const char *name,
                   const char *fallback)
{
  if (name == NULL)
    return fallback;
  g_snprintf (buf, size, "member \"%s%s\"", prefix ? prefix : "", name);
  return buf;
}

static inline gboolean
is_login_char (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
         || c == '.' || c == '_' || c == '-';
}

static inline gboolean
is_id_char (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
         || c == '.' || c == '_' || c == ':' || c == '-';
}

/* Logins and ids share their rules but for the alphabet and the length:
 * non-empty, at most @max bytes, every byte accepted by @is_char. */
static gboolean
check_word (const char  *word,
            gsize        max,
            gboolean   (*is_char) (char c),
            const char  *alphabet,
            const char  *prefix,
            const char  *name,
            const char  *default_name,
            GError     **error)
{
  char buf[160];
  gsize len = strlen (word);

  if (len == 0)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "%s must not be empty",
                   _td_proto_subject (buf, sizeof buf, prefix, name, default_name));
      return FALSE;
    }
  if (len > max)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "%s is %" G_GSIZE_FORMAT " bytes, the limit is %" G_GSIZE_FORMAT,
                   _td_proto_subject (buf, sizeof buf, prefix, name, default_name), len, max);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    {
      if (!is_char (word[i]))
        {
          g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                       "%s may contain only %s",
                       _td_proto_subject (buf, sizeof buf, prefix, name, default_name), alphabet);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
_td_proto_check_login (const char  *login,
                       const char  *prefix,
                       const char  *name,
                       GError     **error)
{
  char buf[160];

  if (!check_word (login, TD_PROTO_MAX_LOGIN, is_login_char, "a-z, 0-9, '.', '_' and '-'",
                   prefix, name, "login", error))
    return FALSE;
  /* A leading punctuation character would make "-bob" look like an
   * option to tidingsctl and ".." like a path. */
  if (!g_ascii_isalnum (login[0]))
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "%s must start with a-z or 0-9",
                   _td_proto_subject (buf, sizeof buf, prefix, name, "login"));
      return FALSE;
    }
  return TRUE;
}

gboolean
_td_proto_check_client_id (const char  *id,
                           const char  *prefix,
                           const char  *name,
                           GError     **error)
{
  return check_word (id, TD_PROTO_MAX_ID, is_id_char, "A-Z, a-z, 0-9, '.', '_', ':' and '-'",
                     prefix, name, "id", error);
}

/* TRUE if @text (valid UTF-8) has a character that is not white space. */
static gboolean
has_visible_char (const char *text, gsize len)
{
  const char *p = text;
  const char *end = text + len;

  while (p < end)
    {
      guchar c = (guchar) *p;

      if (c < 0x80)
        {
          if (!g_ascii_isspace (c))
            return TRUE;
          p++;
        }
      else
        {
          if (!g_unichar_isspace (g_utf8_get_char (p)))
            return TRUE;
          p = g_utf8_next_char (p);
        }
    }
  return FALSE;
}

gboolean
_td_proto_check_text (const char  *text,
                      gsize        len,
                      const char  *prefix,
                      const char  *name,
                      GError     **error)
{
  char buf[160];

  if (len == 0)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "%s must not be empty",
                   _td_proto_subject (buf, sizeof buf, prefix, name, "text"));
      return FALSE;
    }
  if (len > TD_PROTO_MAX_TEXT)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_TEXT_TOO_LONG,
                   "%s is %" G_GSIZE_FORMAT " bytes, the limit is %d",
                   _td_proto_subject (buf, sizeof buf, prefix, name, "text"),
                   len, TD_PROTO_MAX_TEXT);
      return FALSE;
    }
  if (memchr (text, '\0', len) != NULL)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "%s must not contain NUL (U+0000)",
                   _td_proto_subject (buf, sizeof buf, prefix, name, "text"));
      return FALSE;
    }
  if (!g_utf8_validate_len (text, len, NULL))
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "%s is not valid UTF-8",
                   _td_proto_subject (buf, sizeof buf, prefix, name, "text"));
      return FALSE;
    }
  if (!has_visible_char (text, len))
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "%s must not be only white space",
                   _td_proto_subject (buf, sizeof buf, prefix, name, "text"));
      return FALSE;
    }
  return TRUE;
}

/**
 * td_proto_validate_login:
 * @login: a login name
 * @error: return location for a %TD_PROTO_ERROR_BAD_FIELD error
 *
 * Checks @login against [a-z0-9._-]{1,64} starting with a letter or digit.
 *
 * Returns: %TRUE if @login is valid.
 */
gboolean
td_proto_validate_login (const char *login, GError **error)
{
  g_return_val_if_fail (login != NULL, FALSE);
  return _td_proto_check_login (login, NULL, NULL, error);
}

/**
 * td_proto_validate_client_id:
 * @id: a client message id, device name or request id
 * @error: return location for a %TD_PROTO_ERROR_BAD_FIELD error
 *
 * Checks @id against [A-Za-z0-9._:-]{1,64}.
 *
 * Returns: %TRUE if @id is valid.
 */
gboolean
td_proto_validate_client_id (const char *id, GError **error)
{
  g_return_val_if_fail (id != NULL, FALSE);
  return _td_proto_check_client_id (id, NULL, NULL, error);
}

/**
 * td_proto_validate_text:
 * @text: message text
 * @error: return location for a %TD_PROTO_ERROR error
 *
 * Checks that @text is UTF-8, 1 to %TD_PROTO_MAX_TEXT bytes long
 * (%TD_PROTO_ERROR_TEXT_TOO_LONG above) and not only white space.
 *
 * Returns: %TRUE if @text is valid.
 */
gboolean
td_proto_validate_text (const char *text, GError **error)
{
  g_return_val_if_fail (text != NULL, FALSE);
  return _td_proto_check_text (text, strlen (text), NULL, NULL, error);
}

/* ---- Group addresses and peers ---- */

#define GROUP_PREFIX "g:"

/**
 * td_group_address:
 * @group_id: a group id, 1 to 2^53
 *
 * Returns: (transfer full): the group's address, such as "g:12".
 */
char *
td_group_address (gint64 group_id)
{
  g_return_val_if_fail (group_id >= 1 && group_id <= TD_PROTO_MAX_INT, NULL);
  return g_strdup_printf (GROUP_PREFIX "%" G_GINT64_FORMAT, group_id);
}

/**
 * td_parse_group_address:
 * @peer: (nullable): a peer name
 * @out_id: (out) (optional): the group id
 *
 * Accepts exactly "g:" followed by a decimal integer from 1 to 2^53
 * without sign or leading zero, so that every group has one spelling.
 *
 * Returns: %TRUE if @peer is a valid group address.
 */
gboolean
td_parse_group_address (const char *peer, gint64 *out_id)
{
  const char *p;
  guint64 value = 0;
  gsize digits = 0;

  if (peer == NULL || strncmp (peer, GROUP_PREFIX, 2) != 0)
    return FALSE;
  p = peer + 2;
  if (*p < '1' || *p > '9')
    return FALSE;
  for (; *p != '\0'; p++)
    {
      if (*p < '0' || *p > '9')
        return FALSE;
      /* 17 digits cannot overflow and already exceed 2^53. */
      if (++digits > 16)
        return FALSE;
      value = value * 10 + (guint64) (*p - '0');
    }
  if (value > (guint64) TD_PROTO_MAX_INT)
    return FALSE;
  if (out_id != NULL)
    *out_id = (gint64) value;
  return TRUE;
}

gboolean
_td_proto_check_peer (const char  *peer,
                      const char  *prefix,
                      const char  *name,
                      GError     **error)
{
  char buf[160];

  /* ':' is not a login character, so "g:" can only be a group. */
  if (strncmp (peer, GROUP_PREFIX, 2) == 0)
    {
      if (td_parse_group_address (peer, NULL))
        return TRUE;
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "%s is not a valid group address (\"g:\" and a number from 1 to 2^53)",
                   _td_proto_subject (buf, sizeof buf, prefix, name, "peer"));
      return FALSE;
    }
  return _td_proto_check_login (peer, prefix, name, error);
}

/**
 * td_proto_validate_peer:
 * @peer: a login or a group address
 * @error: return location for a %TD_PROTO_ERROR_BAD_FIELD error
 *
 * Returns: %TRUE if @peer is a valid login or group address.
 */
gboolean
td_proto_validate_peer (const char *peer, GError **error)
{
  g_return_val_if_fail (peer != NULL, FALSE);
  return _td_proto_check_peer (peer, NULL, NULL, error);
}

/* ---- Reminder fields ---- */

/* A text (see _td_proto_check_text) of at most @max bytes; "" too if
 * @allow_empty.  Above @max is a plain bad field: text_too_long is for
 * the text of messages. */
static gboolean
check_short_text (const char  *text,
                  gsize        max,
                  gboolean     allow_empty,
                  const char  *prefix,
                  const char  *name,
                  const char  *fallback,
                  GError     **error)
{
  char buf[160];
  gsize len = strlen (text);

  if (len == 0 && allow_empty)
    return TRUE;
  if (len > max)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "%s is %" G_GSIZE_FORMAT " bytes, the limit is %" G_GSIZE_FORMAT,
                   _td_proto_subject (buf, sizeof buf, prefix, name, fallback), len, max);
      return FALSE;
    }
  if (name == NULL)
    {
      /* The public validators name the field by its fallback. */
      return _td_proto_check_text (text, len, "", fallback, error);
    }
  return _td_proto_check_text (text, len, prefix, name, error);
}

gboolean
_td_proto_check_title (const char  *title,
                       const char  *prefix,
                       const char  *name,
                       GError     **error)
{
  return check_short_text (title, TD_PROTO_MAX_TITLE, FALSE, prefix, name, "title", error);
}

gboolean
_td_proto_check_body (const char  *body,
                      const char  *prefix,
                      const char  *name,
                      GError     **error)
{
  return check_short_text (body, TD_PROTO_MAX_BODY, TRUE, prefix, name, "body", error);
}

gboolean
_td_proto_check_link (const char  *link,
                      const char  *prefix,
                      const char  *name,
                      GError     **error)
{
  char buf[160];
  const char *subject = _td_proto_subject (buf, sizeof buf, prefix, name, "link");
  gsize len = strlen (link);
  gsize scheme_len;
  const char *p;

  if (len == 0)
    return TRUE;
  if (len > TD_PROTO_MAX_LINK)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "%s is %" G_GSIZE_FORMAT " bytes, the limit is %d",
                   subject, len, TD_PROTO_MAX_LINK);
      return FALSE;
    }
  /* Only web links: a "javascript:" or "file:" link opened by a click in
   * a client would be an attack, not a reminder. */
  if (g_ascii_strncasecmp (link, "http://", 7) == 0)
    scheme_len = 7;
  else if (g_ascii_strncasecmp (link, "https://", 8) == 0)
    scheme_len = 8;
  else
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "%s must start with http:// or https://", subject);
      return FALSE;
    }
  if (link[scheme_len] == '\0' || link[scheme_len] == '/' || link[scheme_len] == '?'
      || link[scheme_len] == '#')
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "%s has no host name", subject);
      return FALSE;
    }
  if (!g_utf8_validate_len (link, len, NULL))
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "%s is not valid UTF-8", subject);
      return FALSE;
    }
  for (p = link; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c) || c == 0x200B
          || g_unichar_type (c) == G_UNICODE_FORMAT)
        {
          g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                       "%s must not contain white space or control characters", subject);
          return FALSE;
        }
    }
  return TRUE;
}

static inline gboolean
is_category_char (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
         || c == '.' || c == '_' || c == '-';
}

gboolean
_td_proto_check_category (const char  *category,
                          const char  *prefix,
                          const char  *name,
                          GError     **error)
{
  if (category[0] == '\0')
    return TRUE;
  return check_word (category, TD_PROTO_MAX_CATEGORY, is_category_char,
                     "a-z, 0-9, '.', '_' and '-'", prefix, name, "category", error);
}

/**
 * td_proto_validate_title:
 * @title: a reminder title
 * @error: return location for a %TD_PROTO_ERROR_BAD_FIELD error
 *
 * Checks that @title is a text (see td_proto_validate_text()) of at most
 * %TD_PROTO_MAX_TITLE bytes.
 *
 * Returns: %TRUE if @title is valid.
 */
gboolean
td_proto_validate_title (const char *title, GError **error)
{
  g_return_val_if_fail (title != NULL, FALSE);
  return _td_proto_check_title (title, NULL, NULL, error);
}

/**
 * td_proto_validate_body:
 * @body: a reminder body
 * @error: return location for a %TD_PROTO_ERROR_BAD_FIELD error
 *
 * Checks that @body is "" or a text of at most %TD_PROTO_MAX_BODY bytes.
 *
 * Returns: %TRUE if @body is valid.
 */
gboolean
td_proto_validate_body (const char *body, GError **error)
{
  g_return_val_if_fail (body != NULL, FALSE);
  return _td_proto_check_body (body, NULL, NULL, error);
}

/**
 * td_proto_validate_link:
 * @link: a reminder link
 * @error: return location for a %TD_PROTO_ERROR_BAD_FIELD error
 *
 * Checks that @link is "" or an http:// or https:// URL with a host, at
 * most %TD_PROTO_MAX_LINK bytes, without white space or control
 * characters.
 *
 * Returns: %TRUE if @link is valid.
 */
gboolean
td_proto_validate_link (const char *link, GError **error)
{
  g_return_val_if_fail (link != NULL, FALSE);
  return _td_proto_check_link (link, NULL, NULL, error);
}

/**
 * td_proto_validate_category:
 * @category: a reminder category
 * @error: return location for a %TD_PROTO_ERROR_BAD_FIELD error
 *
 * Checks that @category is "" or 1 to %TD_PROTO_MAX_CATEGORY of
 * a-z 0-9 . _ -.
 *
 * Returns: %TRUE if @category is valid.
 */
gboolean
td_proto_validate_category (const char *category, GError **error)
{
  g_return_val_if_fail (category != NULL, FALSE);
  return _td_proto_check_category (category, NULL, NULL, error);
}

/* ---- Scans run before json-glib ---- */

/**
 * td_proto_check_depth:
 * @data: JSON text, not necessarily NUL-terminated
 * @len: bytes in @data
 * @max_depth: deepest nesting allowed (a bare object is depth 1)
 *
 * Counts brackets outside strings in one pass, without recursion, so it
 * is safe on any input; it does not check the syntax.
 *
 * Returns: %FALSE if arrays/objects nest deeper than @max_depth.
 */
gboolean
td_proto_check_depth (const char *data, gsize len, guint max_depth)
{
  guint depth = 0;
  gsize i = 0;

  g_return_val_if_fail (data != NULL || len == 0, FALSE);

  while (i < len)
    {
      switch (data[i++])
        {
        case '"':
          /* Skip the string (most of a frame's bytes, hence memchr).  A
           * quote ends it unless an odd run of backslashes precedes it:
           * escapes pair up from the left and none can end in one. */
          for (;;)
            {
              const char *quote = memchr (data + i, '"', len - i);
              gsize run = 0;

              if (quote == NULL)
                return TRUE;
              while (quote - run > data + i && quote[-1 - (gssize) run] == '\\')
                run++;
              i = (gsize) (quote - data) + 1;
              if (run % 2 == 0)
                break;
            }
          break;
        case '[':
        case '{':
          if (++depth > max_depth)
            return FALSE;
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        default:
          break;
        }
    }
  return TRUE;
}

static gboolean
scan_fail (GError     **error,
           const char  *start,
           const guchar *at,
           const char  *what)
{
  g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_INVALID_JSON,
               "invalid JSON at byte %" G_GSIZE_FORMAT ": %s",
               (gsize) ((const char *) at - start), what);
  return FALSE;
}

static inline int
hex_value (guchar c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Reads 4 hex digits at @p; -1 if they are not there. */
static int
read_hex4 (const guchar *p, const guchar *end)
{
  int value = 0;

  if (end - p < 4)
    return -1;
  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (p[i]);

      if (h < 0)
        return -1;
      value = (value << 4) | h;
    }
  return value;
}

/* @*pp points at the opening quote; on success it is moved past the
 * closing one.  UTF-8 was validated beforehand. */
static gboolean
scan_string (const guchar **pp,
             const guchar  *end,
             const char    *start,
             gboolean      *has_nul,
             GError       **error)
{
  const guchar *p = *pp + 1;

  while (p < end)
    {
      guchar c = *p;

      if (c == '"')
        {
          *pp = p + 1;
          return TRUE;
        }
      if (c < 0x20)
        return scan_fail (error, start, p, "control character in a string");
      if (c != '\\')
        {
          p++;
          continue;
        }
      if (++p >= end)
        break;
      switch (*p)
        {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          p++;
          break;
        case 'u':
          {
            int cp = read_hex4 (p + 1, end);

            if (cp < 0)
              return scan_fail (error, start, p, "\\u needs 4 hex digits");
            p += 5;
            if (cp == 0)
              *has_nul = TRUE;
            else if (cp >= 0xDC00 && cp <= 0xDFFF)
              return scan_fail (error, start, p - 6, "unpaired low surrogate");
            else if (cp >= 0xD800 && cp <= 0xDBFF)
              {
                int low = (end - p >= 6 && p[0] == '\\' && p[1] == 'u')
                          ? read_hex4 (p + 2, end) : -1;

                if (low < 0xDC00 || low > 0xDFFF)
                  return scan_fail (error, start, p - 6, "unpaired high surrogate");
                p += 6;
              }
          }
          break;
        default:
          return scan_fail (error, start, p - 1, "invalid escape in a string");
        }
    }
  return scan_fail (error, start, end, "unterminated string");
}

/* RFC 8259 number at @*pp; sets *is_big for an integer beyond 2^53. */
static gboolean
scan_number (const guchar **pp,
             const guchar  *end,
             const char    *start,
             gboolean      *is_big,
             GError       **error)
{
  const guchar *p = *pp;
  gboolean integral = TRUE;
  guint64 value = 0;
  guint digits = 0;

  if (*p == '-')
    p++;
  if (p >= end || !g_ascii_isdigit (*p))
    return scan_fail (error, start, p, "expected a digit");
  if (*p == '0')
    p++;
  else
    {
      while (p < end && g_ascii_isdigit (*p))
        {
          /* 17 digits cannot overflow 64 bits and already exceed 2^53. */
          if (++digits <= 17)
            value = value * 10 + (guint64) (*p - '0');
          p++;
        }
    }
  if (p < end && *p == '.')
    {
      integral = FALSE;
      p++;
      if (p >= end || !g_ascii_isdigit (*p))
        return scan_fail (error, start, p, "expected a digit after '.'");
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      integral = FALSE;
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      if (p >= end || !g_ascii_isdigit (*p))
        return scan_fail (error, start, p, "expected a digit in the exponent");
      while (p < end && g_ascii_isdigit (*p))
        p++;
    }
  if (integral && (digits > 17 || value > (guint64) TD_PROTO_MAX_INT))
    *is_big = TRUE;
  *pp = p;
  return TRUE;
}

static gboolean
scan_literal (const guchar **pp, const guchar *end, const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (end - *pp) < n || memcmp (*pp, word, n) != 0)
    return FALSE;
  *pp += n;
  return TRUE;
}

enum {
  S_VALUE,            /* a value must come */
  S_VALUE_OR_CLOSE,   /* just after '[' */
  S_KEY,              /* after ',' in an object */
  S_KEY_OR_CLOSE,     /* just after '{' */
  S_COLON,
  S_COMMA_OR_CLOSE,   /* after a value inside a container */
  S_DONE,             /* the top-level value is complete */
};

/* Deepest nesting the scan tracks; decode rejects anything deeper than
 * TD_PROTO_MAX_DEPTH before the scan runs. */
#define SCAN_MAX_DEPTH 64

gboolean
_td_json_scan (const char  *data,
               gsize        len,
               TdJsonScan  *scan,
               GError     **error)
{
  const guchar *p = (const guchar *) data;
  const guchar *end = p + len;
  guint64 is_object = 0;  /* bit d: the container at depth d+1 is an object */
  guint depth = 0;
  int state = S_VALUE;
  const char *key = NULL; /* raw name of the current top-level member */
  gsize key_len = 0;

  memset (scan, 0, sizeof *scan);

  while (p < end)
    {
      guchar c = *p;
      gboolean value_done = FALSE;
      gboolean nul = FALSE;
      gboolean big = FALSE;

      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        {
          p++;
          continue;
        }

      switch (state)
        {
        case S_VALUE_OR_CLOSE:
          if (c == ']')
            {
              p++;
              depth--;
              value_done = TRUE;
              break;
            }
          G_GNUC_FALLTHROUGH;
        case S_VALUE:
          if (c == '{' || c == '[')
            {
              if (depth >= SCAN_MAX_DEPTH)
                return scan_fail (error, data, p, "nesting too deep");
              if (c == '{')
                is_object |= G_GUINT64_CONSTANT (1) << depth;
              else
                is_object &= ~(G_GUINT64_CONSTANT (1) << depth);
              depth++;
              p++;
              state = (c == '{') ? S_KEY_OR_CLOSE : S_VALUE_OR_CLOSE;
            }
          else if (c == '"')
            {
              if (!scan_string (&p, end, data, &nul, error))
                return FALSE;
              value_done = TRUE;
            }
          else if (c == '-' || g_ascii_isdigit (c))
            {
              if (!scan_number (&p, end, data, &big, error))
                return FALSE;
              value_done = TRUE;
            }
          else if (scan_literal (&p, end, "true") || scan_literal (&p, end, "false")
                   || scan_literal (&p, end, "null"))
            value_done = TRUE;
          else
            return scan_fail (error, data, p, "expected a value");
          break;

        case S_KEY_OR_CLOSE:
          if (c == '}')
            {
              p++;
              depth--;
              value_done = TRUE;
              break;
            }
          G_GNUC_FALLTHROUGH;
        case S_KEY:
          {
            const guchar *name = p + 1;

            if (c != '"')
              return scan_fail (error, data, p, "expected a member name");
            if (!scan_string (&p, end, data, &nul, error))
              return FALSE;
            if (depth == 1)
              {
                key = (const char *) name;
                key_len = (gsize) (p - 1 - name);
                /* A NUL in the name itself: do not name the member. */
                if (nul)
                  key_len = 0;
              }
            state = S_COLON;
          }
          break;

        case S_COLON:
          if (c != ':')
            return scan_fail (error, data, p, "expected ':'");
          p++;
          state = S_VALUE;
          break;

        case S_COMMA_OR_CLOSE:
          {
            gboolean in_object = (is_object >> (depth - 1)) & 1;

            if (c == ',')
              {
                p++;
                state = in_object ? S_KEY : S_VALUE;
              }
            else if ((c == '}' && in_object) || (c == ']' && !in_object))
              {
                p++;
                depth--;
                value_done = TRUE;
              }
            else
              return scan_fail (error, data, p,
                                in_object ? "expected ',' or '}'" : "expected ',' or ']'");
          }
          break;

        case S_DONE:
        default:
          return scan_fail (error, data, p, "unexpected data after the JSON value");
        }

      if ((nul || big) && !scan->has_nul && !scan->has_big_int)
        {
          scan->member = depth >= 1 ? key : NULL;
          scan->member_len = depth >= 1 ? key_len : 0;
        }
      scan->has_nul |= nul;
      scan->has_big_int |= big;

      if (value_done)
        state = (depth == 0) ? S_DONE : S_COMMA_OR_CLOSE;
    }

  if (state != S_DONE)
    return scan_fail (error, data, end, len == 0 ? "empty input" : "unexpected end of input");
  return TRUE;
}
