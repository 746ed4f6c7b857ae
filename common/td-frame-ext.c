/* td-frame-ext.c - the frames of docs/protocol.md section 12 (groups,
 * read receipts, typing, reminders, announcements): decoding, encoding,
 * constructors and getters, plus the "reads" of history replies.
 *
 * td-frame.c does the checks every frame goes through (size, UTF-8,
 * depth, strict syntax, "type", "req") and calls the _td_frame_ext_*
 * hooks for these types, so the rules here are only those of the members.
 * As there, every member is checked for type and limits and an error
 * names the member ("add[2]", "groups[0].members[5]").
 */
#define G_LOG_DOMAIN "td-proto"

#include <string.h>

#include "td-proto.h"
#include "td-proto-private.h"

/* Most members a group object from the server may list; a department can
 * be large, but not without bound. */
#define MAX_GROUP_MEMBERS  100000
/* Most reminders in one "reminders" frame (section 12.4). */
#define MAX_REMINDERS      500
/* Most entries of "unread" and of a history reply's "reads". */
#define MAX_LOGIN_LIST     1000

#define APPEND_LITERAL(out, lit) g_string_append_len ((out), (lit), sizeof (lit) - 1)

static const char * const empty_strv[] = { NULL };

/* ---- Life cycle ---- */

void
_td_frame_ext_clear (TdFrame *self)
{
  g_free (self->name);
  g_free (self->group_address);
  g_strfreev (self->members);
  g_strfreev (self->add);
  g_strfreev (self->remove);
  g_clear_pointer (&self->groups, g_ptr_array_unref);
  g_clear_pointer (&self->group, td_group_unref);
  g_clear_pointer (&self->reminders, g_ptr_array_unref);
  g_clear_pointer (&self->reminder, td_reminder_unref);
  g_free (self->title);
  g_free (self->body);
  g_free (self->link);
  g_free (self->department);
  g_strfreev (self->unread);
}

/* ---- Decoding helpers ---- */

static gboolean
get_peer (JsonObject *obj, const char *prefix, const char *name,
          const char **out, GError **error)
{
  if (!_td_json_get_string (obj, prefix, name, TRUE, 0, G_MAXSIZE, out, NULL, error))
    return FALSE;
  return _td_proto_check_peer (*out, prefix, name, error);
}

/* A group address and nothing else (a login is refused). */
static gboolean
get_group_address (JsonObject *obj, const char *prefix, const char *name,
                   const char **out, GError **error)
{
  if (!_td_json_get_string (obj, prefix, name, TRUE, 0, G_MAXSIZE, out, NULL, error))
    return FALSE;
  if (!td_parse_group_address (*out, NULL))
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "member \"%s%s\" is not a valid group address "
                   "(\"g:\" and a number from 1 to 2^53)", prefix, name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_optional_login (JsonObject *obj, const char *prefix, const char *name,
                    const char **out, GError **error)
{
  if (!_td_json_get_string (obj, prefix, name, FALSE, 0, G_MAXSIZE, out, NULL, error))
    return FALSE;
  return *out == NULL || _td_proto_check_login (*out, prefix, name, error);
}

/* Turns the answer of an X_from_string() into an error naming the member. */
static gboolean
enum_ok (gboolean known, const char *prefix, const char *name, const char *allowed,
         GError **error)
{
  return known || _td_json_fail_type (error, prefix, name, allowed);
}

/* An array of logins, as a NULL-terminated string array.  Absent and not
 * @required gives an empty array, so getters never answer NULL. */
static gboolean
get_login_array (JsonObject  *obj,
                 const char  *prefix,
                 const char  *name,
                 gboolean     required,
                 guint        max_len,
                 char      ***out,
                 GError     **error)
{
  JsonArray *array;
  g_auto(GStrv) logins = NULL;
  guint n;

  if (!required && _td_json_get_member (obj, name) == NULL)
    {
      *out = g_new0 (char *, 1);
      return TRUE;
    }
  if (!_td_json_get_array (obj, prefix, name, max_len, &array, error))
    return FALSE;

  n = json_array_get_length (array);
  logins = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      char sub[96];
      const char *login;

      g_snprintf (sub, sizeof sub, "%s[%u]", name, i);
      if (!_td_json_is_string (node))
        return _td_json_fail_type (error, prefix, sub, "a string");
      login = json_node_get_string (node);
      if (!_td_proto_check_login (login, prefix, sub, error))
        return FALSE;
      logins[i] = g_strdup (login);
    }
  *out = g_steal_pointer (&logins);
  return TRUE;
}

static gboolean
get_object (JsonNode *node, const char *prefix, const char *name,
            JsonObject **out, GError **error)
{
  if (node == NULL)
    return _td_json_fail_missing (error, prefix, name);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return _td_json_fail_type (error, prefix, name, "an object");
  *out = json_node_get_object (node);
  return TRUE;
}

static TdGroup *
group_from_node (JsonNode *node, const char *prefix, const char *name, GError **error)
{
  char sub[96];
  JsonObject *obj;
  const char *address, *kind_name, *group_name, *owner;
  g_auto(GStrv) members = NULL;
  TdGroupKind kind;
  gint64 id = 0;

  if (!get_object (node, prefix, name, &obj, error))
    return NULL;
  g_snprintf (sub, sizeof sub, "%s%s.", prefix, name);
  if (!get_group_address (obj, sub, "id", &address, error)
      || !_td_json_get_string (obj, sub, "kind", TRUE, 0, G_MAXSIZE, &kind_name, NULL, error)
      || !enum_ok (td_group_kind_from_string (kind_name, &kind), sub, "kind",
                   "\"department\" or \"group\"", error)
      || !_td_json_get_string (obj, sub, "name", TRUE, 1, TD_PROTO_MAX_NAME,
                               &group_name, NULL, error)
      || !_td_json_get_string (obj, sub, "owner", TRUE, 0, G_MAXSIZE, &owner, NULL, error)
      || (owner[0] != '\0' && !_td_proto_check_login (owner, sub, "owner", error))
      || !get_login_array (obj, sub, "members", TRUE, MAX_GROUP_MEMBERS, &members, error))
    return NULL;
  td_parse_group_address (address, &id);
  return td_group_new (id, kind, group_name, owner, (const char * const *) members);
}

static TdReminder *
reminder_from_node (JsonNode *node, const char *prefix, const char *name, GError **error)
{
  char sub[96];
  JsonObject *obj;
  const char *kind_name, *source, *title, *body, *link, *category, *priority_name, *state_name;
  TdReminderKind kind;
  TdPriority priority;
  TdReminderState state;
  gint64 rid = 0, time_ms = 0, until_ms = 0;
  gboolean read = FALSE;

  if (!get_object (node, prefix, name, &obj, error))
    return NULL;
  g_snprintf (sub, sizeof sub, "%s%s.", prefix, name);
  if (!_td_json_get_int (obj, sub, "rid", TRUE, 1, TD_PROTO_MAX_INT, &rid, error)
      || !_td_json_get_string (obj, sub, "kind", TRUE, 0, G_MAXSIZE, &kind_name, NULL, error)
      || !enum_ok (td_reminder_kind_from_string (kind_name, &kind), sub, "kind",
                   "\"reminder\" or \"announcement\"", error)
      || !_td_json_get_string (obj, sub, "source", TRUE, 1, TD_PROTO_MAX_NAME,
                               &source, NULL, error)
      || !_td_json_get_string (obj, sub, "title", TRUE, 0, G_MAXSIZE, &title, NULL, error)
      || !_td_proto_check_title (title, sub, "title", error)
      || !_td_json_get_string (obj, sub, "body", TRUE, 0, G_MAXSIZE, &body, NULL, error)
      || !_td_proto_check_body (body, sub, "body", error)
      || !_td_json_get_string (obj, sub, "link", TRUE, 0, G_MAXSIZE, &link, NULL, error)
      || !_td_proto_check_link (link, sub, "link", error)
      || !_td_json_get_string (obj, sub, "category", TRUE, 0, G_MAXSIZE, &category, NULL, error)
      || !_td_proto_check_category (category, sub, "category", error)
      || !_td_json_get_string (obj, sub, "priority", TRUE, 0, G_MAXSIZE, &priority_name,
                               NULL, error)
      || !enum_ok (td_priority_from_string (priority_name, &priority), sub, "priority",
                   "\"normal\" or \"urgent\"", error)
      || !_td_json_get_int (obj, sub, "time", TRUE, 0, TD_PROTO_MAX_INT, &time_ms, error)
      || !_td_json_get_string (obj, sub, "state", TRUE, 0, G_MAXSIZE, &state_name, NULL, error)
      || !enum_ok (td_reminder_state_from_string (state_name, &state), sub, "state",
                   "\"open\", \"done\" or \"snoozed\"", error)
      || !_td_json_get_int (obj, sub, "until", FALSE, 0, TD_PROTO_MAX_INT, &until_ms, error)
      || !_td_json_get_bool (obj, sub, "read", &read, error))
    return NULL;
  if (until_ms != 0 && state != TD_REMINDER_SNOOZED)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "member \"%suntil\" is only allowed with state \"snoozed\"", sub);
      return NULL;
    }
  return td_reminder_new (rid, kind, source, title, body, link, category, priority,
                          time_ms, state, until_ms, read);
}

/* ---- Per-type decoding ---- */

static gboolean
decode_read (TdFrame *self, JsonObject *obj, GError **error)
{
  const char *peer;

  if (!get_peer (obj, "", "peer", &peer, error)
      || !_td_json_get_int (obj, "", "mid", TRUE, 1, TD_PROTO_MAX_INT, &self->mid, error))
    return FALSE;
  self->peer = g_strdup (peer);
  return TRUE;
}

static gboolean
decode_receipt (TdFrame *self, JsonObject *obj, GError **error)
{
  const char *user, *peer;

  if (!_td_json_get_login (obj, "", "user", &user, error)
      || !get_peer (obj, "", "peer", &peer, error)
      || !_td_json_get_int (obj, "", "mid", TRUE, 1, TD_PROTO_MAX_INT, &self->mid, error))
    return FALSE;
  self->user = g_strdup (user);
  self->peer = g_strdup (peer);
  return TRUE;
}

static gboolean
decode_typing (TdFrame *self, JsonObject *obj, GError **error)
{
  const char *user, *to;

  /* "user" is there when the server relays it; a client sends only "to". */
  if (!get_optional_login (obj, "", "user", &user, error)
      || !get_peer (obj, "", "to", &to, error))
    return FALSE;
  self->user = g_strdup (user);
  self->to = g_strdup (to);
  return TRUE;
}

static gboolean
decode_group_create (TdFrame *self, JsonObject *obj, GError **error)
{
  const char *name;

  if (!_td_json_get_string (obj, "", "name", TRUE, 1, TD_PROTO_MAX_NAME, &name, NULL, error)
      || !get_login_array (obj, "", "members", TRUE, TD_PROTO_MAX_MEMBERS,
                           &self->members, error))
    return FALSE;
  self->name = g_strdup (name);
  return TRUE;
}

static gboolean
decode_group_update (TdFrame *self, JsonObject *obj, GError **error)
{
  const char *group, *name;

  if (!get_group_address (obj, "", "group", &group, error)
      || !_td_json_get_string (obj, "", "name", FALSE, 1, TD_PROTO_MAX_NAME, &name, NULL, error)
      || !get_login_array (obj, "", "add", FALSE, TD_PROTO_MAX_MEMBERS, &self->add, error)
      || !get_login_array (obj, "", "remove", FALSE, TD_PROTO_MAX_MEMBERS,
                           &self->remove, error))
    return FALSE;
  self->group_address = g_strdup (group);
  self->name = g_strdup (name);
  return TRUE;
}

static gboolean
decode_group_leave (TdFrame *self, JsonObject *obj, GError **error)
{
  const char *group;

  if (!get_group_address (obj, "", "group", &group, error))
    return FALSE;
  self->group_address = g_strdup (group);
  return TRUE;
}

static gboolean
decode_groups (TdFrame *self, JsonObject *obj, GError **error)
{
  JsonArray *array;
  guint n;

  if (!_td_json_get_array (obj, "", "groups", G_MAXUINT, &array, error))
    return FALSE;
  n = json_array_get_length (array);
  self->groups = g_ptr_array_new_full (n, (GDestroyNotify) td_group_unref);
  for (guint i = 0; i < n; i++)
    {
      char name[32];
      TdGroup *group;

      g_snprintf (name, sizeof name, "groups[%u]", i);
      group = group_from_node (json_array_get_element (array, i), "", name, error);
      if (group == NULL)
        return FALSE;
      g_ptr_array_add (self->groups, group);
    }
  return TRUE;
}

static gboolean
decode_group (TdFrame *self, JsonObject *obj, GError **error)
{
  self->group = group_from_node (_td_json_get_member (obj, "group"), "", "group", error);
  return self->group != NULL
         && _td_json_get_bool (obj, "", "removed", &self->removed, error);
}

static gboolean
decode_reminders (TdFrame *self, JsonObject *obj, GError **error)
{
  JsonArray *array;
  guint n;

  if (!_td_json_get_array (obj, "", "reminders", MAX_REMINDERS, &array, error))
    return FALSE;
  n = json_array_get_length (array);
  self->reminders = g_ptr_array_new_full (n, (GDestroyNotify) td_reminder_unref);
  for (guint i = 0; i < n; i++)
    {
      char name[32];
      TdReminder *reminder;

      g_snprintf (name, sizeof name, "reminders[%u]", i);
      reminder = reminder_from_node (json_array_get_element (array, i), "", name, error);
      if (reminder == NULL)
        return FALSE;
      g_ptr_array_add (self->reminders, reminder);
    }
  return TRUE;
}

static gboolean
decode_reminder (TdFrame *self, JsonObject *obj, GError **error)
{
  self->reminder = reminder_from_node (_td_json_get_member (obj, "reminder"), "",
                                       "reminder", error);
  return self->reminder != NULL;
}

static gboolean
decode_reminder_update (TdFrame *self, JsonObject *obj, GError **error)
{
  const char *action;

  if (!_td_json_get_int (obj, "", "rid", TRUE, 1, TD_PROTO_MAX_INT, &self->rid, error)
      || !_td_json_get_string (obj, "", "action", TRUE, 0, G_MAXSIZE, &action, NULL, error)
      || !enum_ok (td_reminder_action_from_string (action, &self->action), "", "action",
                   "one of \"read\", \"done\", \"snooze\", \"reopen\"", error))
    return FALSE;
  if (self->action == TD_REMINDER_ACTION_SNOOZE)
    return _td_json_get_int (obj, "", "until", TRUE, 1, TD_PROTO_MAX_INT, &self->until, error);
  if (_td_json_get_member (obj, "until") != NULL)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "member \"until\" is only allowed with action \"snooze\"");
      return FALSE;
    }
  return TRUE;
}

static gboolean
decode_announce (TdFrame *self, JsonObject *obj, GError **error)
{
  const char *title, *body, *link, *department, *priority;

  if (!_td_json_get_string (obj, "", "title", TRUE, 0, G_MAXSIZE, &title, NULL, error)
      || !_td_proto_check_title (title, "", "title", error)
      || !_td_json_get_string (obj, "", "body", FALSE, 0, G_MAXSIZE, &body, NULL, error)
      || (body != NULL && !_td_proto_check_body (body, "", "body", error))
      || !_td_json_get_string (obj, "", "link", FALSE, 0, G_MAXSIZE, &link, NULL, error)
      || (link != NULL && !_td_proto_check_link (link, "", "link", error))
      || !_td_json_get_string (obj, "", "department", FALSE, 1, TD_PROTO_MAX_NAME,
                               &department, NULL, error)
      || !_td_json_get_string (obj, "", "priority", FALSE, 0, G_MAXSIZE, &priority, NULL, error)
      || (priority != NULL
          && !enum_ok (td_priority_from_string (priority, &self->priority), "", "priority",
                       "\"normal\" or \"urgent\"", error)))
    return FALSE;
  self->title = g_strdup (title);
  self->body = g_strdup (body != NULL ? body : "");
  self->link = g_strdup (link != NULL ? link : "");
  self->department = g_strdup (department);
  return TRUE;
}

static gboolean
decode_reminder_status (TdFrame *self, JsonObject *obj, GError **error)
{
  gint64 total = 0, read = 0, done = 0;

  if (!_td_json_get_int (obj, "", "rid", TRUE, 1, TD_PROTO_MAX_INT, &self->rid, error))
    return FALSE;
  /* A reply carries "total"; a request does not. */
  if (_td_json_get_member (obj, "total") == NULL)
    return TRUE;

  self->status_result = TRUE;
  if (!_td_json_get_int (obj, "", "total", TRUE, 0, G_MAXUINT, &total, error)
      || !_td_json_get_int (obj, "", "read", TRUE, 0, G_MAXUINT, &read, error)
      || !_td_json_get_int (obj, "", "done", TRUE, 0, G_MAXUINT, &done, error)
      || !get_login_array (obj, "", "unread", TRUE, MAX_LOGIN_LIST, &self->unread, error))
    return FALSE;
  self->total = (guint) total;
  self->read_count = (guint) read;
  self->done_count = (guint) done;
  return TRUE;
}

gboolean
_td_frame_ext_decode (TdFrame *self, JsonObject *obj, GError **error)
{
  switch (self->type)
    {
    case TD_FRAME_READ:
      return decode_read (self, obj, error);
    case TD_FRAME_RECEIPT:
      return decode_receipt (self, obj, error);
    case TD_FRAME_TYPING:
      return decode_typing (self, obj, error);
    case TD_FRAME_GROUP_CREATE:
      return decode_group_create (self, obj, error);
    case TD_FRAME_GROUP_UPDATE:
      return decode_group_update (self, obj, error);
    case TD_FRAME_GROUP_LEAVE:
      return decode_group_leave (self, obj, error);
    case TD_FRAME_GROUPS:
      return decode_groups (self, obj, error);
    case TD_FRAME_GROUP:
      return decode_group (self, obj, error);
    case TD_FRAME_REMINDERS:
      return decode_reminders (self, obj, error);
    case TD_FRAME_REMINDER:
      return decode_reminder (self, obj, error);
    case TD_FRAME_REMINDER_UPDATE:
      return decode_reminder_update (self, obj, error);
    case TD_FRAME_ANNOUNCE:
      return decode_announce (self, obj, error);
    case TD_FRAME_REMINDER_STATUS:
      return decode_reminder_status (self, obj, error);
    default:
      g_assert_not_reached ();
    }
}

gboolean
_td_frame_ext_decode_reads (TdFrame *self, JsonObject *obj, GError **error)
{
  JsonArray *array;
  guint n;

  self->reads = g_ptr_array_new_with_free_func ((GDestroyNotify) td_read_mark_free);
  /* Servers before section 12 send none. */
  if (_td_json_get_member (obj, "reads") == NULL)
    return TRUE;
  if (!_td_json_get_array (obj, "", "reads", MAX_LOGIN_LIST, &array, error))
    return FALSE;
  n = json_array_get_length (array);
  for (guint i = 0; i < n; i++)
    {
      char name[32];
      JsonObject *mark;
      const char *user;
      gint64 mid = 0;

      g_snprintf (name, sizeof name, "reads[%u]", i);
      if (!get_object (json_array_get_element (array, i), "", name, &mark, error))
        return FALSE;
      g_snprintf (name, sizeof name, "reads[%u].", i);
      if (!_td_json_get_login (mark, name, "user", &user, error)
          || !_td_json_get_int (mark, name, "mid", TRUE, 1, TD_PROTO_MAX_INT, &mid, error))
        return FALSE;
      g_ptr_array_add (self->reads, td_read_mark_new (user, mid));
    }
  return TRUE;
}

/* ---- Encoding ---- */

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
append_member_strv (GString *out, const char *member, const char * const *values)
{
  g_string_append (out, member);
  g_string_append_c (out, '[');
  for (guint i = 0; values != NULL && values[i] != NULL; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      _td_json_append_string (out, values[i]);
    }
  g_string_append_c (out, ']');
}

static gboolean
strv_is_empty (char **strv)
{
  return strv == NULL || strv[0] == NULL;
}

void
_td_frame_ext_encode (const TdFrame *self, GString *out)
{
  switch (self->type)
    {
    case TD_FRAME_READ:
      append_member_string (out, ",\"peer\":", self->peer);
      append_member_int (out, ",\"mid\":", self->mid);
      break;

    case TD_FRAME_RECEIPT:
      append_member_string (out, ",\"user\":", self->user);
      append_member_string (out, ",\"peer\":", self->peer);
      append_member_int (out, ",\"mid\":", self->mid);
      break;

    case TD_FRAME_TYPING:
      if (self->user != NULL)
        append_member_string (out, ",\"user\":", self->user);
      append_member_string (out, ",\"to\":", self->to);
      break;

    case TD_FRAME_GROUP_CREATE:
      append_member_string (out, ",\"name\":", self->name);
      append_member_strv (out, ",\"members\":", (const char * const *) self->members);
      break;

    case TD_FRAME_GROUP_UPDATE:
      append_member_string (out, ",\"group\":", self->group_address);
      if (self->name != NULL)
        append_member_string (out, ",\"name\":", self->name);
      if (!strv_is_empty (self->add))
        append_member_strv (out, ",\"add\":", (const char * const *) self->add);
      if (!strv_is_empty (self->remove))
        append_member_strv (out, ",\"remove\":", (const char * const *) self->remove);
      break;

    case TD_FRAME_GROUP_LEAVE:
      append_member_string (out, ",\"group\":", self->group_address);
      break;

    case TD_FRAME_GROUPS:
      APPEND_LITERAL (out, ",\"groups\":[");
      for (guint i = 0; i < self->groups->len; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          _td_json_append_group (out, g_ptr_array_index (self->groups, i));
        }
      g_string_append_c (out, ']');
      break;

    case TD_FRAME_GROUP:
      APPEND_LITERAL (out, ",\"group\":");
      _td_json_append_group (out, self->group);
      if (self->removed)
        APPEND_LITERAL (out, ",\"removed\":true");
      else
        APPEND_LITERAL (out, ",\"removed\":false");
      break;

    case TD_FRAME_REMINDERS:
      APPEND_LITERAL (out, ",\"reminders\":[");
      for (guint i = 0; i < self->reminders->len; i++)
        {
          if (i > 0)
            g_string_append_c (out, ',');
          _td_json_append_reminder (out, g_ptr_array_index (self->reminders, i));
        }
      g_string_append_c (out, ']');
      break;

    case TD_FRAME_REMINDER:
      APPEND_LITERAL (out, ",\"reminder\":");
      _td_json_append_reminder (out, self->reminder);
      break;

    case TD_FRAME_REMINDER_UPDATE:
      append_member_int (out, ",\"rid\":", self->rid);
      append_member_string (out, ",\"action\":", td_reminder_action_to_string (self->action));
      if (self->action == TD_REMINDER_ACTION_SNOOZE)
        append_member_int (out, ",\"until\":", self->until);
      break;

    case TD_FRAME_ANNOUNCE:
      append_member_string (out, ",\"title\":", self->title);
      if (self->body[0] != '\0')
        append_member_string (out, ",\"body\":", self->body);
      if (self->link[0] != '\0')
        append_member_string (out, ",\"link\":", self->link);
      if (self->department != NULL)
        append_member_string (out, ",\"department\":", self->department);
      append_member_string (out, ",\"priority\":", td_priority_to_string (self->priority));
      break;

    case TD_FRAME_REMINDER_STATUS:
      append_member_int (out, ",\"rid\":", self->rid);
      if (self->status_result)
        {
          append_member_int (out, ",\"total\":", self->total);
          append_member_int (out, ",\"read\":", self->read_count);
          append_member_int (out, ",\"done\":", self->done_count);
          append_member_strv (out, ",\"unread\":", (const char * const *) self->unread);
        }
      break;

    default:
      g_assert_not_reached ();
    }
}

void
_td_frame_ext_encode_reads (const TdFrame *self, GString *out)
{
  /* Omitted when empty, as in the replies of servers before section 12. */
  if (self->reads == NULL || self->reads->len == 0)
    return;
  APPEND_LITERAL (out, ",\"reads\":[");
  for (guint i = 0; i < self->reads->len; i++)
    {
      const TdReadMark *mark = g_ptr_array_index (self->reads, i);

      if (i > 0)
        g_string_append_c (out, ',');
      append_member_string (out, "{\"user\":", mark->user);
      append_member_int (out, ",\"mid\":", mark->mid);
      g_string_append_c (out, '}');
    }
  g_string_append_c (out, ']');
}

/* ---- Constructors ---- */

static char **
strv_copy (const char * const *strv)
{
  return strv != NULL ? g_strdupv ((char **) strv) : g_new0 (char *, 1);
}

/**
 * td_frame_new_history_result_with_reads:
 * @req: (nullable): the request's req
 * @peer: the conversation (login or group address)
 * @messages: (element-type TdMessage): oldest first; ref'd
 * @more: whether older messages exist
 * @reads: (nullable) (element-type TdReadMark): read marks of the other
 *   participants; copied
 *
 * Returns: (transfer full): a history reply carrying "reads".
 */
TdFrame *
td_frame_new_history_result_with_reads (const char *req,
                                        const char *peer,
                                        GPtrArray  *messages,
                                        gboolean    more,
                                        GPtrArray  *reads)
{
  TdFrame *self;

  g_return_val_if_fail (peer != NULL, NULL);

  self = td_frame_new_history_result (req, peer, messages, more);
  g_clear_pointer (&self->reads, g_ptr_array_unref);
  self->reads = g_ptr_array_new_with_free_func ((GDestroyNotify) td_read_mark_free);
  for (guint i = 0; reads != NULL && i < reads->len; i++)
    {
      const TdReadMark *mark = g_ptr_array_index (reads, i);

      g_ptr_array_add (self->reads, td_read_mark_new (mark->user, mark->mid));
    }
  return self;
}

TdFrame *
td_frame_new_read (const char *peer, gint64 mid)
{
  TdFrame *self;

  g_return_val_if_fail (peer != NULL, NULL);
  g_return_val_if_fail (mid >= 1, NULL);

  self = _td_frame_new (TD_FRAME_READ, NULL);
  self->peer = g_strdup (peer);
  self->mid = mid;
  return self;
}

TdFrame *
td_frame_new_receipt (const char *user, const char *peer, gint64 mid)
{
  TdFrame *self;

  g_return_val_if_fail (user != NULL, NULL);
  g_return_val_if_fail (peer != NULL, NULL);
  g_return_val_if_fail (mid >= 1, NULL);

  self = _td_frame_new (TD_FRAME_RECEIPT, NULL);
  self->user = g_strdup (user);
  self->peer = g_strdup (peer);
  self->mid = mid;
  return self;
}

/**
 * td_frame_new_typing:
 * @user: (nullable): who is typing (server form), %NULL from a client
 * @to: the login or group address typed to
 *
 * Returns: (transfer full): a typing frame.
 */
TdFrame *
td_frame_new_typing (const char *user, const char *to)
{
  TdFrame *self;

  g_return_val_if_fail (to != NULL, NULL);

  self = _td_frame_new (TD_FRAME_TYPING, NULL);
  self->user = g_strdup (user);
  self->to = g_strdup (to);
  return self;
}

TdFrame *
td_frame_new_group_create (const char         *req,
                           const char         *name,
                           const char * const *members)
{
  TdFrame *self;

  g_return_val_if_fail (name != NULL, NULL);

  self = _td_frame_new (TD_FRAME_GROUP_CREATE, req);
  self->name = g_strdup (name);
  self->members = strv_copy (members);
  return self;
}

/**
 * td_frame_new_group_update:
 * @req: (nullable): request id
 * @group: the group address
 * @name: (nullable): the new name, %NULL to keep it
 * @add: (nullable) (array zero-terminated=1): logins to add
 * @remove: (nullable) (array zero-terminated=1): logins to remove
 *
 * Returns: (transfer full): a group_update frame.
 */
TdFrame *
td_frame_new_group_update (const char         *req,
                           const char         *group,
                           const char         *name,
                           const char * const *add,
                           const char * const *remove)
{
  TdFrame *self;

  g_return_val_if_fail (group != NULL, NULL);

  self = _td_frame_new (TD_FRAME_GROUP_UPDATE, req);
  self->group_address = g_strdup (group);
  self->name = g_strdup (name);
  self->add = strv_copy (add);
  self->remove = strv_copy (remove);
  return self;
}

TdFrame *
td_frame_new_group_leave (const char *req, const char *group)
{
  TdFrame *self;

  g_return_val_if_fail (group != NULL, NULL);

  self = _td_frame_new (TD_FRAME_GROUP_LEAVE, req);
  self->group_address = g_strdup (group);
  return self;
}

TdFrame *
td_frame_new_groups (GPtrArray *groups)
{
  TdFrame *self = _td_frame_new (TD_FRAME_GROUPS, NULL);

  self->groups = groups != NULL ? g_ptr_array_ref (groups)
                                : g_ptr_array_new_with_free_func ((GDestroyNotify) td_group_unref);
  return self;
}

TdFrame *
td_frame_new_group (const char *req, TdGroup *group, gboolean removed)
{
  TdFrame *self;

  g_return_val_if_fail (group != NULL, NULL);

  self = _td_frame_new (TD_FRAME_GROUP, req);
  self->group = td_group_ref (group);
  self->removed = !!removed;
  return self;
}

TdFrame *
td_frame_new_reminders (GPtrArray *reminders)
{
  TdFrame *self = _td_frame_new (TD_FRAME_REMINDERS, NULL);

  self->reminders = reminders != NULL
                    ? g_ptr_array_ref (reminders)
                    : g_ptr_array_new_with_free_func ((GDestroyNotify) td_reminder_unref);
  return self;
}

TdFrame *
td_frame_new_reminder (const char *req, TdReminder *reminder)
{
  TdFrame *self;

  g_return_val_if_fail (reminder != NULL, NULL);

  self = _td_frame_new (TD_FRAME_REMINDER, req);
  self->reminder = td_reminder_ref (reminder);
  return self;
}

/**
 * td_frame_new_reminder_update:
 * @req: (nullable): request id
 * @rid: the reminder
 * @action: what the recipient did
 * @until_ms: end of the snooze, for %TD_REMINDER_ACTION_SNOOZE (≥ 1);
 *   ignored for the other actions
 *
 * Returns: (transfer full): a reminder_update frame.
 */
TdFrame *
td_frame_new_reminder_update (const char       *req,
                              gint64            rid,
                              TdReminderAction  action,
                              gint64            until_ms)
{
  TdFrame *self;

  g_return_val_if_fail (rid >= 1, NULL);
  g_return_val_if_fail (action <= TD_REMINDER_ACTION_REOPEN, NULL);
  g_return_val_if_fail (action != TD_REMINDER_ACTION_SNOOZE || until_ms >= 1, NULL);

  self = _td_frame_new (TD_FRAME_REMINDER_UPDATE, req);
  self->rid = rid;
  self->action = action;
  /* Stored as decode would store it, so a round trip compares equal. */
  self->until = action == TD_REMINDER_ACTION_SNOOZE ? until_ms : 0;
  return self;
}

/**
 * td_frame_new_announce:
 * @req: (nullable): request id
 * @title: the title
 * @body: (nullable): the body, %NULL or "" for none
 * @link: (nullable): an http(s) link, %NULL or "" for none
 * @department: (nullable): the department to announce to, %NULL (or "")
 *   for everyone
 * @priority: normal or urgent
 *
 * Returns: (transfer full): an announce frame.
 */
TdFrame *
td_frame_new_announce (const char *req,
                       const char *title,
                       const char *body,
                       const char *link,
                       const char *department,
                       TdPriority  priority)
{
  TdFrame *self;

  g_return_val_if_fail (title != NULL, NULL);
  g_return_val_if_fail (priority <= TD_PRIORITY_URGENT, NULL);

  self = _td_frame_new (TD_FRAME_ANNOUNCE, req);
  self->title = g_strdup (title);
  self->body = g_strdup (body != NULL ? body : "");
  self->link = g_strdup (link != NULL ? link : "");
  /* "" is no department name; the wire has no way to say it. */
  self->department = department != NULL && department[0] != '\0' ? g_strdup (department) : NULL;
  self->priority = priority;
  return self;
}

TdFrame *
td_frame_new_reminder_status_request (const char *req, gint64 rid)
{
  TdFrame *self;

  g_return_val_if_fail (rid >= 1, NULL);

  self = _td_frame_new (TD_FRAME_REMINDER_STATUS, req);
  self->rid = rid;
  return self;
}

TdFrame *
td_frame_new_reminder_status_result (const char         *req,
                                     gint64              rid,
                                     guint               total,
                                     guint               read,
                                     guint               done,
                                     const char * const *unread)
{
  TdFrame *self;

  g_return_val_if_fail (rid >= 1, NULL);

  self = _td_frame_new (TD_FRAME_REMINDER_STATUS, req);
  self->status_result = TRUE;
  self->rid = rid;
  self->total = total;
  self->read_count = read;
  self->done_count = done;
  self->unread = strv_copy (unread);
  return self;
}

/* ---- Accessors ---- */

gboolean
td_frame_is_status_result (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->status_result;
}

/**
 * td_frame_get_reads:
 * @self: a #TdFrame
 *
 * Returns: (transfer none) (element-type TdReadMark): the read marks of a
 *   history reply; an empty array for other frames, never %NULL.  Do not
 *   modify it.
 */
GPtrArray *
td_frame_get_reads (const TdFrame *self)
{
  static gsize once = 0;
  static GPtrArray *none = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  if (self->reads != NULL)
    return self->reads;
  if (g_once_init_enter (&once))
    {
      none = g_ptr_array_new ();
      g_once_init_leave (&once, 1);
    }
  return none;
}

gint64
td_frame_get_mid (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->mid;
}

const char *
td_frame_get_name (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

const char * const *
td_frame_get_members (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, empty_strv);
  return self->members != NULL ? (const char * const *) self->members : empty_strv;
}

const char *
td_frame_get_group_address (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->group_address;
}

const char * const *
td_frame_get_add (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, empty_strv);
  return self->add != NULL ? (const char * const *) self->add : empty_strv;
}

const char * const *
td_frame_get_remove (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, empty_strv);
  return self->remove != NULL ? (const char * const *) self->remove : empty_strv;
}

GPtrArray *
td_frame_get_groups (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->groups;
}

TdGroup *
td_frame_get_group (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->group;
}

gboolean
td_frame_get_removed (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->removed;
}

GPtrArray *
td_frame_get_reminders (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->reminders;
}

TdReminder *
td_frame_get_reminder (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->reminder;
}

gint64
td_frame_get_rid (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->rid;
}

TdReminderAction
td_frame_get_action (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, TD_REMINDER_ACTION_READ);
  return self->action;
}

gint64
td_frame_get_until (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->until;
}

const char *
td_frame_get_title (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->title;
}

const char *
td_frame_get_body (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->body;
}

const char *
td_frame_get_link (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->link;
}

const char *
td_frame_get_department (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->department;
}

TdPriority
td_frame_get_priority (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, TD_PRIORITY_NORMAL);
  return self->priority;
}

guint
td_frame_get_total (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->total;
}

guint
td_frame_get_read_count (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->read_count;
}

guint
td_frame_get_done_count (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->done_count;
}

const char * const *
td_frame_get_unread (const TdFrame *self)
{
  g_return_val_if_fail (self != NULL, empty_strv);
  return self->unread != NULL ? (const char * const *) self->unread : empty_strv;
}
