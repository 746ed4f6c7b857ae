/* td-proto-types.c - the value types frames carry (TdUser, TdMessage) and
 * the JSON writer used for them and for frames (TdGroup, TdReminder and
 * the enums of section 12 are in td-proto-objects.c).
 *
 * Both types are immutable and atomically ref-counted, so the server can
 * hand one message to many connections on different threads.  Each is a
 * single allocation: the strings live right after the struct.
 */
#define G_LOG_DOMAIN "td-proto"

#include <string.h>

#include "td-proto.h"
#include "td-proto-private.h"

/* ---- JSON writer ---- */

void
_td_json_append_string (GString *out, const char *str)
{
  g_autofree char *fixed = NULL;
  const char *run;
  const char *p;

  /* Callers pass validated data; this only keeps the output valid JSON
   * if a bug lets something else through. */
  if (G_UNLIKELY (!g_utf8_validate (str, -1, NULL)))
    str = fixed = g_utf8_make_valid (str, -1);

  g_string_append_c (out, '"');
  run = str;
  for (p = str; *p != '\0'; p++)
    {
      guchar c = (guchar) *p;

      if (G_LIKELY (c >= 0x20 && c != '"' && c != '\\'))
        continue;
      g_string_append_len (out, run, p - run);
      run = p + 1;
      switch (c)
        {
        case '"':
          g_string_append_len (out, "\\\"", 2);
          break;
        case '\\':
          g_string_append_len (out, "\\\\", 2);
          break;
        case '\n':
          g_string_append_len (out, "\\n", 2);
          break;
        case '\r':
          g_string_append_len (out, "\\r", 2);
          break;
        case '\t':
          g_string_append_len (out, "\\t", 2);
          break;
        case '\b':
          g_string_append_len (out, "\\b", 2);
          break;
        case '\f':
          g_string_append_len (out, "\\f", 2);
          break;
        default:
          {
            static const char hex[] = "0123456789abcdef";
            char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf] };

            g_string_append_len (out, esc, sizeof esc);
          }
          break;
        }
    }
  g_string_append_len (out, run, p - run);
  g_string_append_c (out, '"');
}

void
_td_json_append_int (GString *out, gint64 value)
{
  char buf[24];
  char *p = buf + sizeof buf;
  guint64 u = value < 0 ? -(guint64) value : (guint64) value;

  do
    {
      *--p = (char) ('0' + u % 10);
      u /= 10;
    }
  while (u != 0);
  if (value < 0)
    *--p = '-';
  g_string_append_len (out, p, buf + sizeof buf - p);
}

#define APPEND_LITERAL(out, lit) g_string_append_len ((out), (lit), sizeof (lit) - 1)

void
_td_json_append_user (GString *out, const TdUser *user)
{
  APPEND_LITERAL (out, "{\"login\":");
  _td_json_append_string (out, td_user_get_login (user));
  APPEND_LITERAL (out, ",\"name\":");
  _td_json_append_string (out, td_user_get_name (user));
  APPEND_LITERAL (out, ",\"department\":");
  _td_json_append_string (out, td_user_get_department (user));
  APPEND_LITERAL (out, ",\"title\":");
  _td_json_append_string (out, td_user_get_title (user));
  APPEND_LITERAL (out, ",\"status\":\"");
  g_string_append (out, td_presence_to_string (td_user_get_presence (user)));
  /* Ordinary people carry no role: older clients see what they always saw. */
  if (td_user_get_role (user) != TD_ROLE_USER)
    {
      APPEND_LITERAL (out, "\",\"role\":\"");
      g_string_append (out, td_role_to_string (td_user_get_role (user)));
    }
  APPEND_LITERAL (out, "\"}");
}

void
_td_json_append_message (GString *out, const TdMessage *message)
{
  gint64 seq = td_message_get_seq (message);

  APPEND_LITERAL (out, "{\"mid\":");
  _td_json_append_int (out, td_message_get_mid (message));
  /* seq is per mailbox; history results carry none. */
  if (seq != 0)
    {
      APPEND_LITERAL (out, ",\"seq\":");
      _td_json_append_int (out, seq);
    }
  APPEND_LITERAL (out, ",\"id\":");
  _td_json_append_string (out, td_message_get_id (message));
  APPEND_LITERAL (out, ",\"from\":");
  _td_json_append_string (out, td_message_get_from (message));
  APPEND_LITERAL (out, ",\"to\":");
  _td_json_append_string (out, td_message_get_to (message));
  APPEND_LITERAL (out, ",\"text\":");
  _td_json_append_string (out, td_message_get_text (message));
  APPEND_LITERAL (out, ",\"time\":");
  _td_json_append_int (out, td_message_get_time (message));
  g_string_append_c (out, '}');
}

/* ---- TdUser ---- */

struct _TdUser {
  const char *login;
  const char *name;
  const char *department;
  const char *title;
  TdPresence  presence;
  TdRole      role;
  char        strings[];
};

G_DEFINE_BOXED_TYPE (TdUser, td_user, td_user_ref, td_user_unref)

/**
 * td_user_new:
 * @login: login name
 * @name: display name
 * @department: department name
 * @title: (nullable): job title; %NULL means ""
 * @presence: current presence
 *
 * Returns: (transfer full): a new #TdUser holding copies of the strings.
 */
TdUser *
td_user_new (const char *login,
             const char *name,
             const char *department,
             const char *title,
             TdPresence  presence)
{
  return td_user_new_full (login, name, department, title, presence, TD_ROLE_USER);
}

/**
 * td_user_new_full:
 * @login: login name
 * @name: display name
 * @department: department name
 * @title: (nullable): job title; %NULL means ""
 * @presence: current presence
 * @role: the account's role
 *
 * Returns: (transfer full): a new #TdUser holding copies of the strings.
 */
TdUser *
td_user_new_full (const char *login,
                  const char *name,
                  const char *department,
                  const char *title,
                  TdPresence  presence,
                  TdRole      role)
{
  gsize login_len, name_len, department_len, title_len;
  TdUser *self;
  char *p;

  g_return_val_if_fail (login != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (department != NULL, NULL);

  if (title == NULL)
    title = "";
  login_len = strlen (login) + 1;
  name_len = strlen (name) + 1;
  department_len = strlen (department) + 1;
  title_len = strlen (title) + 1;

  self = g_atomic_rc_box_alloc (sizeof (TdUser) + login_len + name_len
                                + department_len + title_len);
  p = self->strings;
  self->login = memcpy (p, login, login_len);
  p += login_len;
  self->name = memcpy (p, name, name_len);
  p += name_len;
  self->department = memcpy (p, department, department_len);
  p += department_len;
  self->title = memcpy (p, title, title_len);
  self->presence = presence;
  self->role = role;
  return self;
}

TdUser *
td_user_ref (TdUser *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

void
td_user_unref (TdUser *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release (self);
}

const char *
td_user_get_login (const TdUser *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->login;
}

const char *
td_user_get_name (const TdUser *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

const char *
td_user_get_department (const TdUser *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->department;
}

const char *
td_user_get_title (const TdUser *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->title;
}

TdPresence
td_user_get_presence (const TdUser *self)
{
  g_return_val_if_fail (self != NULL, TD_PRESENCE_OFFLINE);
  return self->presence;
}

TdRole
td_user_get_role (const TdUser *self)
{
  g_return_val_if_fail (self != NULL, TD_ROLE_USER);
  return self->role;
}

/**
 * td_user_with_presence:
 * @self: a #TdUser
 * @presence: the new presence
 *
 * Returns: (transfer full): a copy of @self with @presence.
 */
TdUser *
td_user_with_presence (const TdUser *self, TdPresence presence)
{
  g_return_val_if_fail (self != NULL, NULL);
  return td_user_new_full (self->login, self->name, self->department, self->title,
                           presence, self->role);
}

/* ---- TdMessage ---- */

struct _TdMessage {
  gint64      mid;
  gint64      seq;
  gint64      time_ms;
  const char *id;
  const char *from;
  const char *to;
  const char *text;
  char        strings[];
};

G_DEFINE_BOXED_TYPE (TdMessage, td_message, td_message_ref, td_message_unref)

/**
 * td_message_new:
 * @mid: server-wide message id
 * @seq: position in the receiving user's mailbox, 0 if not known
 * @id: the sender's client id
 * @from: sender login
 * @to: recipient login
 * @text: message text
 * @time_ms: commit time, milliseconds since the Unix epoch
 *
 * Returns: (transfer full): a new #TdMessage holding copies of the strings.
 */
TdMessage *
td_message_new (gint64      mid,
                gint64      seq,
                const char *id,
                const char *from,
                const char *to,
                const char *text,
                gint64      time_ms)
{
  gsize id_len, from_len, to_len, text_len;
  TdMessage *self;
  char *p;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (from != NULL, NULL);
  g_return_val_if_fail (to != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);

  id_len = strlen (id) + 1;
  from_len = strlen (from) + 1;
  to_len = strlen (to) + 1;
  text_len = strlen (text) + 1;

  self = g_atomic_rc_box_alloc (sizeof (TdMessage) + id_len + from_len + to_len + text_len);
  self->mid = mid;
  self->seq = seq;
  self->time_ms = time_ms;
  p = self->strings;
  self->id = memcpy (p, id, id_len);
  p += id_len;
  self->from = memcpy (p, from, from_len);
  p += from_len;
  self->to = memcpy (p, to, to_len);
  p += to_len;
  self->text = memcpy (p, text, text_len);
  return self;
}

TdMessage *
td_message_ref (TdMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

void
td_message_unref (TdMessage *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release (self);
}

gint64
td_message_get_mid (const TdMessage *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->mid;
}

gint64
td_message_get_seq (const TdMessage *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->seq;
}

const char *
td_message_get_id (const TdMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

const char *
td_message_get_from (const TdMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->from;
}

const char *
td_message_get_to (const TdMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->to;
}

const char *
td_message_get_text (const TdMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->text;
}

gint64
td_message_get_time (const TdMessage *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->time_ms;
}

/**
 * td_message_with_seq:
 * @self: a #TdMessage
 * @seq: mailbox position for the copy
 *
 * Returns: (transfer full): a copy of @self with @seq.
 */
TdMessage *
td_message_with_seq (const TdMessage *self, gint64 seq)
{
  g_return_val_if_fail (self != NULL, NULL);
  return td_message_new (self->mid, seq, self->id, self->from, self->to,
                         self->text, self->time_ms);
}

/**
 * td_message_to_json:
 * @self: a #TdMessage
 *
 * Returns: (transfer full): @self as a compact JSON object, the same
 *   encoding as inside "message" frames.
 */
char *
td_message_to_json (const TdMessage *self)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_sized_new (128 + strlen (self->text));
  _td_json_append_message (out, self);
  return g_string_free (out, FALSE);
}

/**
 * td_user_to_json:
 * @self: a #TdUser
 *
 * Encodes @self as the same compact JSON object the directory frame
 * carries (login, name, department, title, status, and role unless it
 * is an ordinary user).
 *
 * Returns: (transfer full): the JSON text
 */
char *
td_user_to_json (const TdUser *self)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_sized_new (128);
  _td_json_append_user (out, self);
  return g_string_free (out, FALSE);
}
