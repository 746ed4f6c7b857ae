/* td-frame.c - TdFrame: one protocol frame, decoded from or encoded to the
 * JSON text of one WebSocket message (docs/protocol.md).
 *
 * Decoding distrusts its input: size, UTF-8, nesting and strict syntax are
 * checked before json-glib parses (json-glib 1.6 crashes on deep nesting
 * and accepts much that is not JSON), then every member the frame type
 * uses is checked for type and limits, and errors name the member.
 * Encoding is hand-written: it is on the server's hot path and the member
 * order is fixed so that golden files compare byte for byte.
 * The frame types of docs/protocol.md section 12 are decoded and encoded
 * by td-frame-ext.c through the _td_frame_ext_* hooks.
 */
#define G_LOG_DOMAIN "td-proto"

#include <string.h>

#include <json-glib/json-glib.h>

#include "td-proto.h"
#include "td-proto-private.h"

/* Longest "message" accepted in an error frame; td_frame_new_error()
 * truncates to it so that whatever we encode we also decode. */
#define MAX_ERROR_MESSAGE 1024

G_DEFINE_BOXED_TYPE (TdFrame, td_frame, td_frame_ref, td_frame_unref)

static const char * const frame_type_names[TD_FRAME_N_TYPES] = {
  [TD_FRAME_INVALID] = "invalid",
  [TD_FRAME_AUTH] = "auth",
  [TD_FRAME_SEND] = "send",
  [TD_FRAME_ACK] = "ack",
  [TD_FRAME_HISTORY] = "history",
  [TD_FRAME_STATUS] = "status",
  [TD_FRAME_LOGOUT] = "logout",
  [TD_FRAME_PING] = "ping",
  [TD_FRAME_WELCOME] = "welcome",
  [TD_FRAME_DIRECTORY] = "directory",
  [TD_FRAME_PRESENCE] = "presence",
  [TD_FRAME_MESSAGE] = "message",
  [TD_FRAME_SENT] = "sent",
  [TD_FRAME_SYNCED] = "synced",
  [TD_FRAME_PONG] = "pong",
  [TD_FRAME_BYE] = "bye",
  [TD_FRAME_ERROR] = "error",
  [TD_FRAME_READ] = "read",
  [TD_FRAME_RECEIPT] = "receipt",
  [TD_FRAME_TYPING] = "typing",
  [TD_FRAME_GROUP_CREATE] = "group_create",
  [TD_FRAME_GROUP_UPDATE] = "group_update",
  [TD_FRAME_GROUP_LEAVE] = "group_leave",
  [TD_FRAME_GROUPS] = "groups",
  [TD_FRAME_GROUP] = "group",
  [TD_FRAME_REMINDERS] = "reminders",
  [TD_FRAME_REMINDER] = "reminder",
  [TD_FRAME_REMINDER_UPDATE] = "reminder_update",
  [TD_FRAME_ANNOUNCE] = "announce",
  [TD_FRAME_REMINDER_STATUS] = "reminder_status",
};

/**
 * td_frame_type_to_string:
 * @type: a #TdFrameType
 *
 * Returns: (transfer none): the wire "type" value, or "invalid".
 */
const char *
td_frame_type_to_string (TdFrameType type)
{
  if ((guint) type >= TD_FRAME_N_TYPES)
    return frame_type_names[TD_FRAME_INVALID];
  return frame_type_names[type];
}

static TdFrameType
frame_type_from_string (const char *str)
{
  for (guint i = 1; i < TD_FRAME_N_TYPES; i++)
    {
      if (strcmp (str, frame_type_names[i]) == 0)
        return (TdFrameType) i;
    }
  return TD_FRAME_INVALID;
}

/* ---- Life cycle ---- */

static void
frame_clear (gpointer data)
{
  TdFrame *self = data;

  /* Do not leave the password in freed memory. */
  if (self->password != NULL)
    explicit_bzero (self->password, strlen (self->password));

  g_free (self->req);
  g_free (self->user);
  g_free (self->password);
  g_free (self->token);
  g_free (self->device);
  g_free (self->client);
  g_free (self->id);
  g_free (self->to);
  g_free (self->text);
  g_free (self->peer);
  g_free (self->error_message);
  g_clear_pointer (&self->self_user, td_user_unref);
  g_clear_pointer (&self->message, td_message_unref);
  g_clear_pointer (&self->departments, g_ptr_array_unref);
  g_clear_pointer (&self->users, g_ptr_array_unref);
  g_clear_pointer (&self->messages, g_ptr_array_unref);
  g_clear_pointer (&self->reads, g_ptr_array_unref);
  g_free (self->directory_version);
  for (guint i = 0; i < G_N_ELEMENTS (self->presence_logins); i++)
    g_strfreev (self->presence_logins[i]);
  _td_frame_ext_clear (self);
}

TdFrame *
_td_frame_new (TdFrameType type, const char *req)
{
  TdFrame *self = g_atomic_rc_box_new0 (TdFrame);

  self->type = type;
  self->req = g_strdup (req);
  return self;
}

TdFrame *
td_frame_ref (TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

void
td_frame_unref (TdFrame *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release_full (self, frame_clear);
}

/* ---- Parser cache ----
 * Creating and finalizing a JsonParser costs about a fifth of a decode, so
 * each thread keeps one.  It holds the tree of the last frame until the
 * next one; after a large frame it is dropped instead. */

#define PARSER_KEEP_MAX_LEN (64 * 1024)

static GPrivate cached_parser = G_PRIVATE_INIT (g_object_unref);

static JsonParser *
parser_get (void)
{
  JsonParser *parser = g_private_get (&cached_parser);

  if (parser != NULL)
    {
      g_private_set (&cached_parser, NULL);
      return parser;
    }
  return json_parser_new_immutable ();
}

static void
parser_put (JsonParser *parser, gsize len)
{
  /* Only an empty slot is filled (decode does not recurse, but be sure). */
  if (len <= PARSER_KEEP_MAX_LEN && g_private_get (&cached_parser) == NULL)
    g_private_set (&cached_parser, parser);
  else
    g_object_unref (parser);
}

/* ---- Member access for decoding (declared in td-proto-private.h) ---- */

JsonNode *
_td_json_get_member (JsonObject *obj, const char *name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node != NULL && JSON_NODE_HOLDS_NULL (node))
    return NULL;
  return node;
}

gboolean
_td_json_fail_missing (GError **error, const char *prefix, const char *name)
{
  g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_MISSING_FIELD,
               "member \"%s%s\" is missing", prefix, name);
  return FALSE;
}

gboolean
_td_json_fail_type (GError **error, const char *prefix, const char *name, const char *what)
{
  g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
               "member \"%s%s\" must be %s", prefix, name, what);
  return FALSE;
}

gboolean
_td_json_is_string (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING;
}

/* On success *out is the string (owned by @obj), or NULL when the member
 * is optional and absent. */
gboolean
_td_json_get_string (JsonObject  *obj,
                     const char  *prefix,
                     const char  *name,
                     gboolean     required,
                     gsize        min_len,
                     gsize        max_len,
                     const char **out,
                     gsize       *out_len,
                     GError     **error)
{
  JsonNode *node = _td_json_get_member (obj, name);
  const char *str;
  gsize len;

  *out = NULL;
  if (node == NULL)
    return required ? _td_json_fail_missing (error, prefix, name) : TRUE;
  if (!_td_json_is_string (node))
    return _td_json_fail_type (error, prefix, name, "a string");

  str = json_node_get_string (node);
  len = strlen (str);
  if (len < min_len)
    {
      if (min_len == 1)
        g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                     "member \"%s%s\" must not be empty", prefix, name);
      else
        g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                     "member \"%s%s\" is %" G_GSIZE_FORMAT " bytes, the minimum is %"
                     G_GSIZE_FORMAT, prefix, name, len, min_len);
      return FALSE;
    }
  if (len > max_len)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "member \"%s%s\" is %" G_GSIZE_FORMAT " bytes, the limit is %"
                   G_GSIZE_FORMAT, prefix, name, len, max_len);
      return FALSE;
    }
  *out = str;
  if (out_len != NULL)
    *out_len = len;
  return TRUE;
}

gboolean
_td_json_get_login (JsonObject *obj, const char *prefix, const char *name,
                    const char **out, GError **error)
{
  if (!_td_json_get_string (obj, prefix, name, TRUE, 0, G_MAXSIZE, out, NULL, error))
    return FALSE;
  return _td_proto_check_login (*out, prefix, name, error);
}

static gboolean
get_client_id (JsonObject *obj, const char *prefix, const char *name, gboolean required,
               const char **out, GError **error)
{
  if (!_td_json_get_string (obj, prefix, name, required, 0, G_MAXSIZE, out, NULL, error))
    return FALSE;
  return *out == NULL || _td_proto_check_client_id (*out, prefix, name, error);
}

/* A login or a group address. */
static gboolean
get_peer (JsonObject *obj, const char *prefix, const char *name,
          const char **out, GError **error)
{
  if (!_td_json_get_string (obj, prefix, name, TRUE, 0, G_MAXSIZE, out, NULL, error))
    return FALSE;
  return _td_proto_check_peer (*out, prefix, name, error);
}

static gboolean
get_text (JsonObject *obj, const char *prefix, const char *name,
          const char **out, GError **error)
{
  gsize len = 0;

  if (!_td_json_get_string (obj, prefix, name, TRUE, 0, G_MAXSIZE, out, &len, error))
    return FALSE;
  return _td_proto_check_text (*out, len, prefix, name, error);
}

/* Integers must be JSON integers (1.0 is refused: json-glib makes it a
 * double) within [@min, @max]; the scan already refused magnitudes
 * above 2^53, which json-glib would have wrapped. */
gboolean
_td_json_get_int (JsonObject *obj,
                  const char *prefix,
                  const char *name,
                  gboolean    required,
                  gint64      min,
                  gint64      max,
                  gint64     *out,
                  GError    **error)
{
  JsonNode *node = _td_json_get_member (obj, name);
  gint64 value;

  if (node == NULL)
    return required ? _td_json_fail_missing (error, prefix, name) : TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return _td_json_fail_type (error, prefix, name, "an integer");

  value = json_node_get_int (node);
  if (value < min)
    {
      if (min == 0)
        g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                     "member \"%s%s\" must not be negative", prefix, name);
      else
        g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                     "member \"%s%s\" must be at least %" G_GINT64_FORMAT,
                     prefix, name, min);
      return FALSE;
    }
  if (value > max)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "member \"%s%s\" is %" G_GINT64_FORMAT ", the limit is %" G_GINT64_FORMAT,
                   prefix, name, value, max);
      return FALSE;
    }
  *out = value;
  return TRUE;
}

gboolean
_td_json_get_bool (JsonObject *obj, const char *prefix, const char *name,
                   gboolean *out, GError **error)
{
  JsonNode *node = _td_json_get_member (obj, name);

  if (node == NULL)
    return _td_json_fail_missing (error, prefix, name);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return _td_json_fail_type (error, prefix, name, "true or false");
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
get_presence (JsonObject *obj, const char *prefix, const char *name,
              gboolean allow_offline, TdPresence *out, GError **error)
{
  const char *str;

  if (!_td_json_get_string (obj, prefix, name, TRUE, 0, G_MAXSIZE, &str, NULL, error))
    return FALSE;
  if (!td_presence_from_string (str, out) || (!allow_offline && *out == TD_PRESENCE_OFFLINE))
    return _td_json_fail_type (error, prefix, name,
                      allow_offline ? "one of \"offline\", \"online\", \"away\", \"busy\""
                                    : "one of \"online\", \"away\", \"busy\"");
  return TRUE;
}

/* The directory "version" tag: 1..TD_PROTO_MAX_DIRECTORY_VERSION bytes of
 * printable ASCII, so that it can be logged and stored as it is. */
static gboolean
get_version_tag (JsonObject *obj, const char *name, const char **out, GError **error)
{
  if (!_td_json_get_string (obj, "", name, FALSE, 1, TD_PROTO_MAX_DIRECTORY_VERSION,
                            out, NULL, error))
    return FALSE;
  for (const char *p = *out; p != NULL && *p != '\0'; p++)
    {
      if (*p < 0x20 || *p > 0x7e)
        return _td_json_fail_type (error, "", name, "printable ASCII");
    }
  return TRUE;
}

/* An optional boolean: *@out is left untouched when absent. */
static gboolean
get_optional_bool (JsonObject *obj, const char *name, gboolean *out, GError **error)
{
  if (_td_json_get_member (obj, name) == NULL)
    return TRUE;
  return _td_json_get_bool (obj, "", name, out, error);
}

gboolean
_td_json_get_array (JsonObject *obj, const char *prefix, const char *name,
                    guint max_len, JsonArray **out, GError **error)
{
  JsonNode *node = _td_json_get_member (obj, name);

  if (node == NULL)
    return _td_json_fail_missing (error, prefix, name);
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return _td_json_fail_type (error, prefix, name, "an array");
  *out = json_node_get_array (node);
  if (json_array_get_length (*out) > max_len)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "member \"%s%s\" has %u entries, the limit is %u",
                   prefix, name, json_array_get_length (*out), max_len);
      return FALSE;
    }
  return TRUE;
}

static TdUser *
user_from_node (JsonNode *node, const char *prefix, const char *name, GError **error)
{
  char sub[96];
  JsonObject *obj;
  const char *login, *user_name, *department, *title, *role_name;
  TdPresence presence;
  TdRole role = TD_ROLE_USER;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      _td_json_fail_type (error, prefix, name, "an object");
      return NULL;
    }
  obj = json_node_get_object (node);
  g_snprintf (sub, sizeof sub, "%s%s.", prefix, name);
  if (!_td_json_get_login (obj, sub, "login", &login, error)
      || !_td_json_get_string (obj, sub, "name", TRUE, 0, TD_PROTO_MAX_NAME, &user_name, NULL, error)
      || !_td_json_get_string (obj, sub, "department", TRUE, 0, TD_PROTO_MAX_NAME, &department, NULL, error)
      || !_td_json_get_string (obj, sub, "title", TRUE, 0, TD_PROTO_MAX_NAME, &title, NULL, error)
      || !get_presence (obj, sub, "status", TRUE, &presence, error)
      || !_td_json_get_string (obj, sub, "role", FALSE, 0, G_MAXSIZE, &role_name, NULL, error))
    return NULL;
  /* Roles added later read as an ordinary user (docs/protocol.md 3.1). */
  if (role_name != NULL && !td_role_from_string (role_name, &role))
    role = TD_ROLE_USER;
  return td_user_new_full (login, user_name, department, title, presence, role);
}

static TdMessage *
message_from_node (JsonNode *node, const char *prefix, const char *name, GError **error)
{
  char sub[96];
  JsonObject *obj;
  gint64 mid = 0, seq = 0, time_ms = 0;
  const char *id, *from, *to, *text;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      _td_json_fail_type (error, prefix, name, "an object");
      return NULL;
    }
  obj = json_node_get_object (node);
  g_snprintf (sub, sizeof sub, "%s%s.", prefix, name);
  if (!_td_json_get_int (obj, sub, "mid", TRUE, 1, TD_PROTO_MAX_INT, &mid, error)
      || !_td_json_get_int (obj, sub, "seq", FALSE, 0, TD_PROTO_MAX_INT, &seq, error)
      || !get_client_id (obj, sub, "id", TRUE, &id, error)
      || !_td_json_get_login (obj, sub, "from", &from, error)
      || !get_peer (obj, sub, "to", &to, error)
      || !get_text (obj, sub, "text", &text, error)
      || !_td_json_get_int (obj, sub, "time", TRUE, 0, TD_PROTO_MAX_INT, &time_ms, error))
    return NULL;
  return td_message_new (mid, seq, id, from, to, text, time_ms);
}

static gboolean
get_message (JsonObject *obj, const char *name, TdMessage **out, GError **error)
{
  JsonNode *node = _td_json_get_member (obj, name);

  if (node == NULL)
    return _td_json_fail_missing (error, "", name);
  *out = message_from_node (node, "", name, error);
  return *out != NULL;
}

static gboolean
get_version (JsonObject *obj, gint *out, GError **error)
{
  gint64 version = 0;

  if (!_td_json_get_int (obj, "", "protocol", TRUE, -TD_PROTO_MAX_INT, TD_PROTO_MAX_INT, &version, error))
    return FALSE;
  if (version != TD_PROTO_VERSION)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_UNSUPPORTED_VERSION,
                   "protocol version %" G_GINT64_FORMAT " is not supported, only %d is",
                   version, TD_PROTO_VERSION);
      return FALSE;
    }
  *out = (gint) version;
  return TRUE;
}

/* ---- Per-type decoding: fill @self from @obj ---- */

static gboolean
decode_auth (TdFrame *self, JsonObject *obj, GError **error)
{
  const char *device, *client, *user, *password, *token, *version = NULL;
  gboolean has_user = _td_json_get_member (obj, "user") != NULL;
  gboolean has_password = _td_json_get_member (obj, "password") != NULL;
  gboolean has_token = _td_json_get_member (obj, "token") != NULL;

  /* The version decides what the rest means, so it comes first. */
  if (!get_version (obj, &self->protocol, error)
      || !get_client_id (obj, "", "device", TRUE, &device, error)
      || !_td_json_get_string (obj, "", "client", FALSE, 0, TD_PROTO_MAX_NAME, &client, NULL, error)
      || !get_version_tag (obj, "directory_version", &version, error))
    return FALSE;
  self->directory_version = g_strdup (version);

  if (has_token && (has_user || has_password))
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "auth takes either \"user\" and \"password\" or \"token\", not both");
      return FALSE;
    }
  if (has_token)
    {
      if (!_td_json_get_string (obj, "", "token", TRUE, 1, TD_PROTO_MAX_TOKEN, &token, NULL, error))
        return FALSE;
      self->token = g_strdup (token);
    }
  else if (!has_user && !has_password)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_MISSING_FIELD,
                   "auth needs members \"user\" and \"password\", or \"token\"");
      return FALSE;
    }
  else
    {
      /* Only the length is checked: a login that could never exist must
       * get the same auth_failed as a wrong password, so that answers do
       * not tell which logins exist. */
      if (!_td_json_get_string (obj, "", "user", TRUE, 1, TD_PROTO_MAX_LOGIN, &user, NULL, error)
          || !_td_json_get_string (obj, "", "password", TRUE, 1, TD_PROTO_MAX_PASSWORD, &password, NULL, error))
        return FALSE;
      self->user = g_strdup (user);
      self->password = g_strdup (password);
    }
  self->device = g_strdup (device);
  self->client = g_strdup (client);
  return TRUE;
}

static gboolean
decode_send (TdFrame *self, JsonObject *obj, GError **error)
{
  const char *id, *to, *text;

  if (!get_client_id (obj, "", "id", TRUE, &id, error)
      || !get_peer (obj, "", "to", &to, error)
      || !get_text (obj, "", "text", &text, error))
    return FALSE;
  self->id = g_strdup (id);
  self->to = g_strdup (to);
  self->text = g_strdup (text);
  return TRUE;
}

static gboolean
decode_seq (TdFrame *self, JsonObject *obj, GError **error)
{
  return _td_json_get_int (obj, "", "seq", TRUE, 0, TD_PROTO_MAX_INT, &self->seq, error);
}

static gboolean
decode_history (TdFrame *self, JsonObject *obj, GError **error)
{
  const char *peer;

  if (!get_peer (obj, "", "peer", &peer, error))
    return FALSE;
  self->peer = g_strdup (peer);

  /* A reply carries "messages"; a request does not. */
  if (_td_json_get_member (obj, "messages") != NULL)
    {
      JsonArray *array;
      guint n;

      self->history_result = TRUE;
      if (!_td_json_get_array (obj, "", "messages", TD_PROTO_HISTORY_MAX, &array, error)
          || !_td_json_get_bool (obj, "", "more", &self->more, error))
        return FALSE;
      n = json_array_get_length (array);
      self->messages = g_ptr_array_new_full (n, (GDestroyNotify) td_message_unref);
      for (guint i = 0; i < n; i++)
        {
          char name[32];
          TdMessage *message;

          g_snprintf (name, sizeof name, "messages[%u]", i);
          message = message_from_node (json_array_get_element (array, i), "", name, error);
          if (message == NULL)
            return FALSE;
          g_ptr_array_add (self->messages, message);
        }
      if (!_td_frame_ext_decode_reads (self, obj, error))
        return FALSE;
    }
  else
    {
      gint64 limit = 0;

      if (!_td_json_get_int (obj, "", "before", FALSE, 0, TD_PROTO_MAX_INT, &self->before, error)
          || !_td_json_get_int (obj, "", "limit", FALSE, 0, TD_PROTO_HISTORY_MAX, &limit, error))
        return FALSE;
      self->limit = limit == 0 ? TD_PROTO_HISTORY_DEFAULT : (guint) limit;
    }
  return TRUE;
}

static gboolean
decode_status (TdFrame *self, JsonObject *obj, GError **error)
{
  return get_presence (obj, "", "status", FALSE, &self->status, error);
}

static gboolean
decode_welcome (TdFrame *self, JsonObject *obj, GError **error)
{
  JsonNode *node;
  const char *token;

  if (!get_version (obj, &self->protocol, error))
    return FALSE;
  node = _td_json_get_member (obj, "self");
  if (node == NULL)
    return _td_json_fail_missing (error, "", "self");
  self->self_user = user_from_node (node, "", "self", error);
  if (self->self_user == NULL
      || !_td_json_get_string (obj, "", "token", TRUE, 1, TD_PROTO_MAX_TOKEN, &token, NULL, error)
      || !_td_json_get_int (obj, "", "token_expires", TRUE, 0, TD_PROTO_MAX_INT, &self->token_expires, error)
      || !_td_json_get_int (obj, "", "last_seq", TRUE, 0, TD_PROTO_MAX_INT, &self->last_seq, error))
    return FALSE;
  self->token = g_strdup (token);
  return TRUE;
}

static gboolean
decode_directory (TdFrame *self, JsonObject *obj, GError **error)
{
  JsonArray *departments, *users;
  const char *version = NULL;
  guint n;

  if (!get_version_tag (obj, "version", &version, error)
      || !get_optional_bool (obj, "unchanged", &self->unchanged, error)
      || !_td_json_get_array (obj, "", "departments", G_MAXUINT, &departments, error)
      || !_td_json_get_array (obj, "", "users", G_MAXUINT, &users, error)
      || !_td_json_get_bool (obj, "", "complete", &self->complete, error))
    return FALSE;
  self->directory_version = g_strdup (version);
  /* "unchanged" stands for the whole cached directory: it must say which
   * version it confirms, be the only frame and list nobody. */
  if (self->unchanged)
    {
      if (version == NULL)
        return _td_json_fail_missing (error, "", "version");
      if (json_array_get_length (users) > 0 || !self->complete)
        {
          g_set_error_literal (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                               "an \"unchanged\" directory frame must have no \"users\" "
                               "and \"complete\" true");
          return FALSE;
        }
    }

  n = json_array_get_length (departments);
  self->departments = g_ptr_array_new_full (n, g_free);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (departments, i);
      const char *name;
      gsize len;

      if (!_td_json_is_string (node))
        {
          g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                       "member \"departments[%u]\" must be a string", i);
          return FALSE;
        }
      name = json_node_get_string (node);
      len = strlen (name);
      if (len == 0 || len > TD_PROTO_MAX_NAME)
        {
          g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                       "member \"departments[%u]\" is %" G_GSIZE_FORMAT
                       " bytes, it must be 1 to %d", i, len, TD_PROTO_MAX_NAME);
          return FALSE;
        }
      g_ptr_array_add (self->departments, g_strdup (name));
    }

  n = json_array_get_length (users);
  self->users = g_ptr_array_new_full (n, (GDestroyNotify) td_user_unref);
  for (guint i = 0; i < n; i++)
    {
      char name[32];
      TdUser *user;

      g_snprintf (name, sizeof name, "users[%u]", i);
      user = user_from_node (json_array_get_element (users, i), "", name, error);
      if (user == NULL)
        return FALSE;
      g_ptr_array_add (self->users, user);
    }
  return TRUE;
}

static const char * const presence_list_members[] = {
  [TD_PRESENCE_OFFLINE] = "offline",
  [TD_PRESENCE_ONLINE] = "online",
  [TD_PRESENCE_AWAY] = "away",
  [TD_PRESENCE_BUSY] = "busy",
};
/* The order in which the lists are written and checked. */
static const TdPresence presence_list_order[] = {
  TD_PRESENCE_ONLINE, TD_PRESENCE_AWAY, TD_PRESENCE_BUSY, TD_PRESENCE_OFFLINE,
};

/* The list form: arrays of logins per presence, each login once in the
 * whole frame (two entries for one person would make the outcome depend
 * on the order a client applies them). */
static gboolean
decode_presence_list (TdFrame *self, JsonObject *obj, GError **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  self->presence_list = TRUE;
  if (!get_optional_bool (obj, "snapshot", &self->snapshot, error))
    return FALSE;
  for (guint k = 0; k < G_N_ELEMENTS (presence_list_order); k++)
    {
      TdPresence p = presence_list_order[k];
      const char *member = presence_list_members[p];
      JsonArray *array;
      guint n;

      if (_td_json_get_member (obj, member) == NULL)
        continue;
      if (p == TD_PRESENCE_OFFLINE && self->snapshot)
        {
          g_set_error_literal (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                               "a presence snapshot carries no \"offline\": "
                               "everyone not listed is offline");
          return FALSE;
        }
      /* Bounded by the frame size limit only. */
      if (!_td_json_get_array (obj, "", member, G_MAXUINT, &array, error))
        return FALSE;
      n = json_array_get_length (array);
      self->presence_logins[p] = g_new0 (char *, n + 1);
      for (guint i = 0; i < n; i++)
        {
          JsonNode *node = json_array_get_element (array, i);
          char name[32];
          const char *login;

          g_snprintf (name, sizeof name, "%s[%u]", member, i);
          if (!_td_json_is_string (node))
            return _td_json_fail_type (error, "", name, "a string");
          login = json_node_get_string (node);
          if (!_td_proto_check_login (login, "", name, error))
            return FALSE;
          if (!g_hash_table_add (seen, (gpointer) login))
            {
              g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                           "member \"%s\" lists a login already listed in this frame", name);
              return FALSE;
            }
          self->presence_logins[p][i] = g_strdup (login);
        }
    }
  return TRUE;
}

static gboolean
decode_presence (TdFrame *self, JsonObject *obj, GError **error)
{
  const char *user;
  gboolean has_list = _td_json_get_member (obj, "snapshot") != NULL;

  for (guint p = 0; p < G_N_ELEMENTS (presence_list_members); p++)
    has_list = has_list || _td_json_get_member (obj, presence_list_members[p]) != NULL;
  if (has_list)
    {
      if (_td_json_get_member (obj, "user") != NULL || _td_json_get_member (obj, "status") != NULL)
        {
          g_set_error_literal (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                               "presence takes either \"user\" and \"status\" or lists, not both");
          return FALSE;
        }
      return decode_presence_list (self, obj, error);
    }

  if (!_td_json_get_login (obj, "", "user", &user, error)
      || !get_presence (obj, "", "status", TRUE, &self->status, error))
    return FALSE;
  self->user = g_strdup (user);
  return TRUE;
}

static gboolean
decode_message (TdFrame *self, JsonObject *obj, GError **error)
{
  return get_message (obj, "message", &self->message, error);
}

static gboolean
decode_sent (TdFrame *self, JsonObject *obj, GError **error)
{
  return get_message (obj, "message", &self->message, error)
         && _td_json_get_bool (obj, "", "duplicate", &self->duplicate, error);
}

static gboolean
decode_error (TdFrame *self, JsonObject *obj, GError **error)
{
  const char *code, *message, *id;

  if (!_td_json_get_string (obj, "", "code", TRUE, 1, G_MAXSIZE, &code, NULL, error)
      || !_td_json_get_string (obj, "", "message", TRUE, 0, MAX_ERROR_MESSAGE, &message, NULL, error)
      || !get_client_id (obj, "", "id", FALSE, &id, error))
    return FALSE;
  /* Codes added by a later server read as "internal": the client still
   * knows the request failed and shows the message. */
  if (!td_error_code_from_string (code, &self->error_code))
    self->error_code = TD_ERR_INTERNAL;
  self->error_message = g_strdup (message);
  self->id = g_strdup (id);
  return TRUE;
}

static gboolean
decode_members (TdFrame *self, JsonObject *obj, GError **error)
{
  switch (self->type)
    {
    case TD_FRAME_AUTH:
      return decode_auth (self, obj, error);
    case TD_FRAME_SEND:
      return decode_send (self, obj, error);
    case TD_FRAME_ACK:
    case TD_FRAME_SYNCED:
      return decode_seq (self, obj, error);
    case TD_FRAME_HISTORY:
      return decode_history (self, obj, error);
    case TD_FRAME_STATUS:
      return decode_status (self, obj, error);
    case TD_FRAME_LOGOUT:
    case TD_FRAME_PING:
    case TD_FRAME_PONG:
    case TD_FRAME_BYE:
      return TRUE;
    case TD_FRAME_WELCOME:
      return decode_welcome (self, obj, error);
    case TD_FRAME_DIRECTORY:
      return decode_directory (self, obj, error);
    case TD_FRAME_PRESENCE:
      return decode_presence (self, obj, error);
    case TD_FRAME_MESSAGE:
      return decode_message (self, obj, error);
    case TD_FRAME_SENT:
      return decode_sent (self, obj, error);
    case TD_FRAME_ERROR:
      return decode_error (self, obj, error);
    case TD_FRAME_READ:
    case TD_FRAME_RECEIPT:
    case TD_FRAME_TYPING:
    case TD_FRAME_GROUP_CREATE:
    case TD_FRAME_GROUP_UPDATE:
    case TD_FRAME_GROUP_LEAVE:
    case TD_FRAME_GROUPS:
    case TD_FRAME_GROUP:
    case TD_FRAME_REMINDERS:
    case TD_FRAME_REMINDER:
    case TD_FRAME_REMINDER_UPDATE:
    case TD_FRAME_ANNOUNCE:
    case TD_FRAME_REMINDER_STATUS:
      return _td_frame_ext_decode (self, obj, error);
    case TD_FRAME_INVALID:
    case TD_FRAME_N_TYPES:
    default:
      g_assert_not_reached ();
    }
}

/* TRUE if the scan flagged the top-level member @name. */
static gboolean
scan_flagged (const TdJsonScan *scan, const char *name)
{
  return (scan->has_nul || scan->has_big_int)
         && scan->member_len == strlen (name)
         && memcmp (scan->member, name, scan->member_len) == 0;
}

static TdFrame *
decode_object (JsonObject       *obj,
               const TdJsonScan *scan,
               const char       *req,
               GError          **error)
{
  g_autoptr(TdFrame) self = NULL;
  JsonNode *node;
  const char *type_name;
  TdFrameType type;

  node = _td_json_get_member (obj, "type");
  if (node == NULL || !_td_json_is_string (node))
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_UNKNOWN_TYPE,
                   node == NULL ? "member \"type\" is missing"
                                : "member \"type\" must be a string");
      return NULL;
    }
  type_name = json_node_get_string (node);
  type = frame_type_from_string (type_name);
  if (type == TD_FRAME_INVALID)
    {
      gsize len = strlen (type_name);
      gboolean printable = len > 0 && len <= 32;

      /* Echo the type only if it cannot garble a log line. */
      for (gsize i = 0; printable && i < len; i++)
        printable = g_ascii_isalnum (type_name[i]) || type_name[i] == '_' || type_name[i] == '-';
      if (printable)
        g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_UNKNOWN_TYPE,
                     "unknown frame type \"%s\"", type_name);
      else
        g_set_error_literal (error, TD_PROTO_ERROR, TD_PROTO_ERROR_UNKNOWN_TYPE,
                             "unknown frame type");
      return NULL;
    }

  if (scan->has_nul || scan->has_big_int)
    {
      g_autofree char *where = NULL;

      if (scan->member_len > 0 && scan->member_len <= 64)
        where = g_strdup_printf ("member \"%.*s\"", (int) scan->member_len, scan->member);
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   scan->has_nul ? "%s contains NUL (\\u0000), which no string may hold"
                                 : "%s holds an integer beyond 2^53",
                   where ? where : "a member");
      return NULL;
    }

  /* A "req" that td_frame_decode() did not take is invalid; say why. */
  if (_td_json_get_member (obj, "req") != NULL && req == NULL)
    {
      const char *bad_req;

      if (get_client_id (obj, "", "req", TRUE, &bad_req, error))
        g_set_error_literal (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                             "member \"req\" is invalid");
      return NULL;
    }

  self = _td_frame_new (type, req);
  if (!decode_members (self, obj, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * td_frame_decode:
 * @data: the text of one WebSocket message, not necessarily NUL-terminated
 * @len: bytes in @data
 * @max_len: size limit for this direction
 * @out_req: (out) (optional) (transfer full): on failure, the frame's
 *   "req" if it had a valid one, else %NULL; %NULL on success
 * @error: return location for a %TD_PROTO_ERROR error
 *
 * Decodes and validates one frame; see docs/protocol.md for the rules.
 *
 * Returns: (transfer full) (nullable): the frame, or %NULL on error.
 */
TdFrame *
td_frame_decode (const char  *data,
                 gsize        len,
                 gsize        max_len,
                 char       **out_req,
                 GError     **error)
{
  JsonParser *parser;
  g_autoptr(GError) parse_error = NULL;
  g_autofree char *copy = NULL;
  TdJsonScan scan;
  JsonNode *root;
  JsonObject *obj;
  JsonNode *req_node;
  const char *req = NULL;
  TdFrame *frame;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_req != NULL)
    *out_req = NULL;

  /* Cheapest and most important first: nothing else may look at a
   * frame above the limit. */
  if (len > max_len)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_TOO_LARGE,
                   "the frame is %" G_GSIZE_FORMAT " bytes, the limit is %" G_GSIZE_FORMAT,
                   len, max_len);
      return NULL;
    }
  /* Also refuses raw NUL bytes. */
  if (!g_utf8_validate_len (data, len, NULL))
    {
      g_set_error_literal (error, TD_PROTO_ERROR, TD_PROTO_ERROR_INVALID_JSON,
                           "the frame is not valid UTF-8");
      return NULL;
    }
  if (!td_proto_check_depth (data, len, TD_PROTO_MAX_DEPTH))
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_TOO_DEEP,
                   "arrays and objects nest deeper than %d levels", TD_PROTO_MAX_DEPTH);
      return NULL;
    }
  if (!_td_json_scan (data, len, &scan, error))
    return NULL;

  /* json-glib wants a NUL-terminated buffer in places despite the length. */
  copy = g_strndup (data, len);
  parser = parser_get ();
  if (!json_parser_load_from_data (parser, copy, (gssize) len, &parse_error))
    {
      /* Not reached for input the scan accepted; kept for safety. */
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_INVALID_JSON,
                   "invalid JSON: %s", parse_error->message);
      frame = NULL;
    }
  else if ((root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, TD_PROTO_ERROR, TD_PROTO_ERROR_NOT_OBJECT,
                           "the frame must be a JSON object");
      frame = NULL;
    }
  else
    {
      obj = json_node_get_object (root);

      /* Found before anything can fail so the error answer can name it. */
      req_node = _td_json_get_member (obj, "req");
      if (req_node != NULL && _td_json_is_string (req_node) && !scan_flagged (&scan, "req")
          && _td_proto_check_client_id (json_node_get_string (req_node), "", "req", NULL))
        req = json_node_get_string (req_node);

      frame = decode_object (obj, &scan, req, error);
      if (frame == NULL && out_req != NULL)
        *out_req = g_strdup (req);
    }
  parser_put (parser, len);
  return frame;
}

/* ---- Encoding ---- */

#define APPEND_LITERAL(out, lit) g_string_append_len ((out), (lit), sizeof (lit) - 1)

static void
append_member_string (GString *out, const char *member, const char *value)
{
  g_string_append (out, member);
  _td_json_append_string (out, value);
}

static void
append_member_int (GString *out, const char *member, gint64 value)
{
  g_string_append (out, member);
  _td_json_append_int (out, value);
}

static void
append_member_bool (GString *out, const char *member, gboolean value)
{
  g_string_append (out, member);
  if (value)
    APPEND_LITERAL (out, "true");
  else
    APPEND_LITERAL (out, "false");
}

/* Members in the order online, away, busy, offline; a list the frame does
 * not have is left out (an empty one given or decoded is kept, so that
 * re-encoding gives the same text). */
static void
encode_presence_list (const TdFrame *self, GString *out)
{
  if (self->snapshot)
    APPEND_LITERAL (out, ",\"snapshot\":true");
  for (guint p = 0; p < G_N_ELEMENTS (presence_list_order); p++)
    {
      char **logins = self->presence_logins[presence_list_order[p]];

      if (logins == NULL)
        continue;
      g_string_append (out, ",\"");
      g_string_append (out, presence_list_members[presence_list_order[p]]);
      g_string_append (out, "\":[");
      for (guint i = 0; logins[i] != NULL; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          _td_json_append_string (out, logins[i]);
        }
      g_string_append_c (out, ']');
    }
}

static gsize
estimate_size (const TdFrame *self)
{
  gsize size = 96;

  for (guint p = 0; p < G_N_ELEMENTS (self->presence_logins); p++)
    if (self->presence_logins[p] != NULL)
      size += g_strv_length (self->presence_logins[p]) * 16;

  if (self->text != NULL)
    size += strlen (self->text) + 64;
  if (self->message != NULL)
    size += strlen (td_message_get_text (self->message)) + 160;
  if (self->users != NULL)
    size += self->users->len * 128;
  if (self->messages != NULL)
    size += self->messages->len * 256;
  if (self->groups != NULL)
    size += self->groups->len * 256;
  if (self->reminders != NULL)
    size += self->reminders->len * 384;
  return size;
}

/**
 * td_frame_encode:
 * @self: a #TdFrame
 * @out_len: (out) (optional): length of the result in bytes
 *
 * Encodes @self as compact JSON, one line without a trailing newline,
 * members in the order docs/protocol.md shows.
 *
 * Returns: (transfer full): the JSON text.
 */
GBytes *
td_frame_encode_bytes (const TdFrame *self)
{
  gsize len;
  char *text = td_frame_encode (self, &len);

  return g_bytes_new_take (text, len);
}

char *
td_frame_encode (const TdFrame *self, gsize *out_len)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (self->type > TD_FRAME_INVALID && self->type < TD_FRAME_N_TYPES, NULL);

  out = g_string_sized_new (estimate_size (self));
  APPEND_LITERAL (out, "{\"type\":\"");
  g_string_append (out, frame_type_names[self->type]);
  g_string_append_c (out, '"');
  if (self->req != NULL)
    append_member_string (out, ",\"req\":", self->req);

  switch (self->type)
    {
    case TD_FRAME_AUTH:
      append_member_int (out, ",\"protocol\":", self->protocol);
      append_member_string (out, ",\"device\":", self->device);
      if (self->client != NULL)
        append_member_string (out, ",\"client\":", self->client);
      if (self->token != NULL)
        append_member_string (out, ",\"token\":", self->token);
      else
        {
          append_member_string (out, ",\"user\":", self->user);
          append_member_string (out, ",\"password\":", self->password);
        }
      if (self->directory_version != NULL)
        append_member_string (out, ",\"directory_version\":", self->directory_version);
      break;

    case TD_FRAME_SEND:
      append_member_string (out, ",\"id\":", self->id);
      append_member_string (out, ",\"to\":", self->to);
      append_member_string (out, ",\"text\":", self->text);
      break;

    case TD_FRAME_ACK:
    case TD_FRAME_SYNCED:
      append_member_int (out, ",\"seq\":", self->seq);
      break;

    case TD_FRAME_HISTORY:
      append_member_string (out, ",\"peer\":", self->peer);
      if (self->history_result)
        {
          APPEND_LITERAL (out, ",\"messages\":[");
          for (guint i = 0; i < self->messages->len; i++)
            {
              if (i > 0)
                g_string_append_c (out, ',');
              _td_json_append_message (out, g_ptr_array_index (self->messages, i));
            }
          g_string_append_c (out, ']');
          append_member_bool (out, ",\"more\":", self->more);
          _td_frame_ext_encode_reads (self, out);
        }
      else
        {
          append_member_int (out, ",\"before\":", self->before);
          append_member_int (out, ",\"limit\":", self->limit);
        }
      break;

    case TD_FRAME_STATUS:
      append_member_string (out, ",\"status\":", td_presence_to_string (self->status));
      break;

    case TD_FRAME_LOGOUT:
    case TD_FRAME_PING:
    case TD_FRAME_PONG:
    case TD_FRAME_BYE:
      break;

    case TD_FRAME_WELCOME:
      append_member_int (out, ",\"protocol\":", self->protocol);
      APPEND_LITERAL (out, ",\"self\":");
      _td_json_append_user (out, self->self_user);
      append_member_string (out, ",\"token\":", self->token);
      append_member_int (out, ",\"token_expires\":", self->token_expires);
      append_member_int (out, ",\"last_seq\":", self->last_seq);
      break;

    case TD_FRAME_DIRECTORY:
      if (self->directory_version != NULL)
        append_member_string (out, ",\"version\":", self->directory_version);
      if (self->unchanged)
        APPEND_LITERAL (out, ",\"unchanged\":true");
      APPEND_LITERAL (out, ",\"departments\":[");
      for (guint i = 0; i < self->departments->len; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          _td_json_append_string (out, g_ptr_array_index (self->departments, i));
        }
      APPEND_LITERAL (out, "],\"users\":[");
      for (guint i = 0; i < self->users->len; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          _td_json_append_user (out, g_ptr_array_index (self->users, i));
        }
      g_string_append_c (out, ']');
      append_member_bool (out, ",\"complete\":", self->complete);
      break;

    case TD_FRAME_PRESENCE:
      if (self->presence_list)
        encode_presence_list (self, out);
      else
        {
          append_member_string (out, ",\"user\":", self->user);
          append_member_string (out, ",\"status\":", td_presence_to_string (self->status));
        }
      break;

    case TD_FRAME_MESSAGE:
      APPEND_LITERAL (out, ",\"message\":");
      _td_json_append_message (out, self->message);
      break;

    case TD_FRAME_SENT:
      APPEND_LITERAL (out, ",\"message\":");
      _td_json_append_message (out, self->message);
      append_member_bool (out, ",\"duplicate\":", self->duplicate);
      break;

    case TD_FRAME_ERROR:
      append_member_string (out, ",\"code\":", td_error_code_to_string (self->error_code));
      append_member_string (out, ",\"message\":", self->error_message);
      if (self->id != NULL)
        append_member_string (out, ",\"id\":", self->id);
      break;

    case TD_FRAME_READ:
    case TD_FRAME_RECEIPT:
    case TD_FRAME_TYPING:
    case TD_FRAME_GROUP_CREATE:
    case TD_FRAME_GROUP_UPDATE:
    case TD_FRAME_GROUP_LEAVE:
    case TD_FRAME_GROUPS:
    case TD_FRAME_GROUP:
    case TD_FRAME_REMINDERS:
    case TD_FRAME_REMINDER:
    case TD_FRAME_REMINDER_UPDATE:
    case TD_FRAME_ANNOUNCE:
    case TD_FRAME_REMINDER_STATUS:
      _td_frame_ext_encode (self, out);
      break;

    case TD_FRAME_INVALID:
    case TD_FRAME_N_TYPES:
    default:
      g_assert_not_reached ();
    }

  g_string_append_c (out, '}');
  if (out_len != NULL)
    *out_len = out->len;
  return g_string_free (out, FALSE);
}

/* ---- Constructors ---- */

static TdFrame *
new_auth (const char *device, const char *client)
{
  TdFrame *self = _td_frame_new (TD_FRAME_AUTH, NULL);

  self->protocol = TD_PROTO_VERSION;
  self->device = g_strdup (device);
  self->client = g_strdup (client);
  return self;
}

TdFrame *
td_frame_new_auth_password (const char *user,
                            const char *password,
                            const char *device,
                            const char *client)
{
  TdFrame *self;

  g_return_val_if_fail (user != NULL, NULL);
  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (device != NULL, NULL);

  self = new_auth (device, client);
  self->user = g_strdup (user);
  self->password = g_strdup (password);
  return self;
}

TdFrame *
td_frame_new_auth_token (const char *token,
                         const char *device,
                         const char *client)
{
  TdFrame *self;

  g_return_val_if_fail (token != NULL, NULL);
  g_return_val_if_fail (device != NULL, NULL);

  self = new_auth (device, client);
  self->token = g_strdup (token);
  return self;
}

TdFrame *
td_frame_new_auth_password_cached (const char *user,
                                   const char *password,
                                   const char *device,
                                   const char *client,
                                   const char *directory_version)
{
  TdFrame *self = td_frame_new_auth_password (user, password, device, client);

  if (self != NULL)
    self->directory_version = g_strdup (directory_version);
  return self;
}

TdFrame *
td_frame_new_auth_token_cached (const char *token,
                                const char *device,
                                const char *client,
                                const char *directory_version)
{
  TdFrame *self = td_frame_new_auth_token (token, device, client);

  if (self != NULL)
    self->directory_version = g_strdup (directory_version);
  return self;
}

TdFrame *
td_frame_new_send (const char *req,
                   const char *id,
                   const char *to,
                   const char *text)
{
  TdFrame *self;

  g_return_val_if_fail (id != NULL, NULL);
  g_return_val_if_fail (to != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);

  self = _td_frame_new (TD_FRAME_SEND, req);
  self->id = g_strdup (id);
  self->to = g_strdup (to);
  self->text = g_strdup (text);
  return self;
}

TdFrame *
td_frame_new_ack (gint64 seq)
{
  TdFrame *self;

  g_return_val_if_fail (seq >= 0, NULL);

  self = _td_frame_new (TD_FRAME_ACK, NULL);
  self->seq = seq;
  return self;
}

/**
 * td_frame_new_history_request:
 * @req: (nullable): request id
 * @peer: the other user's login
 * @before: return messages with mid below this; 0 for the newest
 * @limit: at most this many messages, up to %TD_PROTO_HISTORY_MAX;
 *   0 means %TD_PROTO_HISTORY_DEFAULT
 *
 * Returns: (transfer full): a history request.
 */
TdFrame *
td_frame_new_history_request (const char *req,
                              const char *peer,
                              gint64      before,
                              guint       limit)
{
  TdFrame *self;

  g_return_val_if_fail (peer != NULL, NULL);
  g_return_val_if_fail (before >= 0, NULL);
  g_return_val_if_fail (limit <= TD_PROTO_HISTORY_MAX, NULL);

  self = _td_frame_new (TD_FRAME_HISTORY, req);
  self->peer = g_strdup (peer);
  self->before = before;
  /* Stored as decode would store it, so a round trip compares equal. */
  self->limit = limit == 0 ? TD_PROTO_HISTORY_DEFAULT : limit;
  return self;
}

TdFrame *
td_frame_new_status (TdPresence status)
{
  TdFrame *self;

  g_return_val_if_fail (status != TD_PRESENCE_OFFLINE && status <= TD_PRESENCE_BUSY, NULL);

  self = _td_frame_new (TD_FRAME_STATUS, NULL);
  self->status = status;
  return self;
}

TdFrame *
td_frame_new_logout (const char *req)
{
  return _td_frame_new (TD_FRAME_LOGOUT, req);
}

TdFrame *
td_frame_new_ping (const char *req)
{
  return _td_frame_new (TD_FRAME_PING, req);
}

TdFrame *
td_frame_new_welcome (const char *req,
                      TdUser     *self_user,
                      const char *token,
                      gint64      token_expires_ms,
                      gint64      last_seq)
{
  TdFrame *self;

  g_return_val_if_fail (self_user != NULL, NULL);
  g_return_val_if_fail (token != NULL, NULL);

  self = _td_frame_new (TD_FRAME_WELCOME, req);
  self->protocol = TD_PROTO_VERSION;
  self->self_user = td_user_ref (self_user);
  self->token = g_strdup (token);
  self->token_expires = token_expires_ms;
  self->last_seq = last_seq;
  return self;
}

TdFrame *
td_frame_new_directory (GPtrArray *departments,
                        GPtrArray *users,
                        gboolean   complete)
{
  TdFrame *self = _td_frame_new (TD_FRAME_DIRECTORY, NULL);

  self->departments = departments ? g_ptr_array_ref (departments) : g_ptr_array_new ();
  self->users = users ? g_ptr_array_ref (users) : g_ptr_array_new ();
  self->complete = !!complete;
  return self;
}

TdFrame *
td_frame_new_directory_versioned (GPtrArray  *departments,
                                  GPtrArray  *users,
                                  gboolean    complete,
                                  const char *version,
                                  gboolean    unchanged)
{
  TdFrame *self;

  g_return_val_if_fail (version != NULL, NULL);
  g_return_val_if_fail (!unchanged || ((users == NULL || users->len == 0) && complete), NULL);

  self = td_frame_new_directory (departments, users, complete);
  self->directory_version = g_strdup (version);
  self->unchanged = !!unchanged;
  return self;
}

/**
 * td_frame_new_presence_list:
 * @snapshot: %TRUE if everyone not listed is offline
 * @online: (nullable): NULL-terminated logins now online (NULL: the
 *   member is left out, an empty list is written as [])
 * @away: (nullable): logins now away
 * @busy: (nullable): logins now busy
 * @offline: (nullable): logins now offline; must be empty in a snapshot
 *
 * Returns: (transfer full): a presence frame of the list form.
 */
TdFrame *
td_frame_new_presence_list (gboolean            snapshot,
                            const char * const *online,
                            const char * const *away,
                            const char * const *busy,
                            const char * const *offline)
{
  TdFrame *self;

  g_return_val_if_fail (!snapshot || offline == NULL || offline[0] == NULL, NULL);

  self = _td_frame_new (TD_FRAME_PRESENCE, NULL);
  self->presence_list = TRUE;
  self->snapshot = !!snapshot;
  self->presence_logins[TD_PRESENCE_ONLINE] = g_strdupv ((char **) online);
  self->presence_logins[TD_PRESENCE_AWAY] = g_strdupv ((char **) away);
  self->presence_logins[TD_PRESENCE_BUSY] = g_strdupv ((char **) busy);
  if (!snapshot)
    self->presence_logins[TD_PRESENCE_OFFLINE] = g_strdupv ((char **) offline);
  return self;
}

TdFrame *
td_frame_new_presence (const char *user, TdPresence status)
{
  TdFrame *self;

  g_return_val_if_fail (user != NULL, NULL);
  g_return_val_if_fail (status <= TD_PRESENCE_BUSY, NULL);

  self = _td_frame_new (TD_FRAME_PRESENCE, NULL);
  self->user = g_strdup (user);
  self->status = status;
  return self;
}

TdFrame *
td_frame_new_message (TdMessage *message)
{
  TdFrame *self;

  g_return_val_if_fail (message != NULL, NULL);

  self = _td_frame_new (TD_FRAME_MESSAGE, NULL);
  self->message = td_message_ref (message);
  return self;
}

TdFrame *
td_frame_new_sent (const char *req,
                   TdMessage  *message,
                   gboolean    duplicate)
{
  TdFrame *self;

  g_return_val_if_fail (message != NULL, NULL);

  self = _td_frame_new (TD_FRAME_SENT, req);
  self->message = td_message_ref (message);
  self->duplicate = !!duplicate;
  return self;
}

TdFrame *
td_frame_new_synced (gint64 seq)
{
  TdFrame *self;

  g_return_val_if_fail (seq >= 0, NULL);

  self = _td_frame_new (TD_FRAME_SYNCED, NULL);
  self->seq = seq;
  return self;
}

TdFrame *
td_frame_new_history_result (const char *req,
                             const char *peer,
                             GPtrArray  *messages,
                             gboolean    more)
{
  TdFrame *self;

  g_return_val_if_fail (peer != NULL, NULL);

  self = _td_frame_new (TD_FRAME_HISTORY, req);
  self->history_result = TRUE;
  self->peer = g_strdup (peer);
  self->messages = messages ? g_ptr_array_ref (messages) : g_ptr_array_new ();
  self->more = !!more;
  return self;
}

TdFrame *
td_frame_new_pong (const char *req)
{
  return _td_frame_new (TD_FRAME_PONG, req);
}

TdFrame *
td_frame_new_bye (const char *req)
{
  return _td_frame_new (TD_FRAME_BYE, req);
}

/**
 * td_frame_new_error:
 * @req: (nullable): the request this answers
 * @code: the wire error code
 * @message: human-readable explanation; made valid UTF-8 and cut to
 *   1024 bytes, the most a client accepts
 * @id: (nullable): the client message id when answering a send
 *
 * Returns: (transfer full): an error frame.
 */
TdFrame *
td_frame_new_error (const char  *req,
                    TdErrorCode  code,
                    const char  *message,
                    const char  *id)
{
  TdFrame *self;
  char *text;

  g_return_val_if_fail (message != NULL, NULL);
  g_return_val_if_fail ((guint) code < TD_ERR_N_CODES, NULL);

  text = g_utf8_make_valid (message, -1);
  if (strlen (text) > MAX_ERROR_MESSAGE)
    {
      const char *cut = g_utf8_find_prev_char (text, text + MAX_ERROR_MESSAGE + 1);

      /* cut is the start of the character straddling or ending at the limit. */
      text[cut - text] = '\0';
    }

  self = _td_frame_new (TD_FRAME_ERROR, req);
  self->error_code = code;
  self->error_message = text;
  self->id = g_strdup (id);
  return self;
}

/* ---- Accessors ---- */

TdFrameType
td_frame_get_frame_type (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, TD_FRAME_INVALID);
  return self->type;
}

const char *
td_frame_get_req (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->req;
}

gint
td_frame_get_protocol (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->protocol;
}

const char *
td_frame_get_user (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->user;
}

const char *
td_frame_get_password (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->password;
}

const char *
td_frame_get_token (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->token;
}

const char *
td_frame_get_device (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->device;
}

const char *
td_frame_get_client (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->client;
}

const char *
td_frame_get_id (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

const char *
td_frame_get_to (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->to;
}

const char *
td_frame_get_text (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->text;
}

gint64
td_frame_get_seq (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->seq;
}

const char *
td_frame_get_peer (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->peer;
}

gint64
td_frame_get_before (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->before;
}

guint
td_frame_get_limit (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->limit;
}

gboolean
td_frame_get_more (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->more;
}

TdPresence
td_frame_get_status (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, TD_PRESENCE_OFFLINE);
  return self->status;
}

TdUser *
td_frame_get_self_user (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->self_user;
}

gint64
td_frame_get_token_expires (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->token_expires;
}

gint64
td_frame_get_last_seq (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->last_seq;
}

GPtrArray *
td_frame_get_departments (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->departments;
}

GPtrArray *
td_frame_get_users (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->users;
}

gboolean
td_frame_get_complete (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->complete;
}

const char *
td_frame_get_directory_version (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->directory_version;
}

gboolean
td_frame_get_unchanged (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->unchanged;
}

gboolean
td_frame_is_presence_list (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->presence_list;
}

gboolean
td_frame_get_snapshot (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->snapshot;
}

const char * const *
td_frame_get_presence_logins (const TdFrame *self, TdPresence presence)
{
  static const char * const none[] = { NULL };

  g_return_val_if_fail (self != NULL, none);
  if ((guint) presence >= G_N_ELEMENTS (self->presence_logins)
      || self->presence_logins[presence] == NULL)
    return none;
  return (const char * const *) self->presence_logins[presence];
}

TdMessage *
td_frame_get_message (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->message;
}

gboolean
td_frame_get_duplicate (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->duplicate;
}

GPtrArray *
td_frame_get_messages (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->messages;
}

TdErrorCode
td_frame_get_error_code (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, TD_ERR_INTERNAL);
  return self->error_code;
}

const char *
td_frame_get_error_message (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->error_message;
}

gboolean
td_frame_is_history_result (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->history_result;
}
