/* td-proto-objects.c - the value types of docs/protocol.md section 12:
 * TdGroup, TdReminder and TdReadMark, the names of their enums and of
 * TdRole, and their JSON encodings.
 *
 * Like TdUser and TdMessage, groups and reminders are immutable and
 * atomically ref-counted: the server keeps them in caches and hands the
 * same object to sessions on several threads.
 */
#define G_LOG_DOMAIN "td-proto"

#include <string.h>

#include "td-proto.h"
#include "td-proto-private.h"

#define APPEND_LITERAL(out, lit) g_string_append_len ((out), (lit), sizeof (lit) - 1)

/* ---- Enum names ---- */

/* Index of @str in @names (of @n entries), or -1. */
static int
name_lookup (const char * const *names, guint n, const char *str)
{
  for (guint i = 0; i < n; i++)
    {
      if (strcmp (str, names[i]) == 0)
        return (int) i;
    }
  return -1;
}

#define DEFINE_ENUM_NAMES(Type, prefix, names, fallback)                      \
  const char *                                                                \
  prefix##_to_string (Type value)                                             \
  {                                                                           \
    if ((guint) value >= G_N_ELEMENTS (names))                                \
      return names[fallback];                                                 \
    return names[value];                                                      \
  }                                                                           \
                                                                              \
  gboolean                                                                    \
  prefix##_from_string (const char *str, Type *out)                           \
  {                                                                           \
    int i;                                                                    \
                                                                              \
    g_return_val_if_fail (str != NULL, FALSE);                                \
    i = name_lookup (names, G_N_ELEMENTS (names), str);                       \
    if (i < 0)                                                                \
      return FALSE;                                                           \
    if (out != NULL)                                                          \
      *out = (Type) i;                                                        \
    return TRUE;                                                              \
  }

static const char * const role_names[] = {
  [TD_ROLE_USER] = "user",
  [TD_ROLE_ADMIN] = "admin",
  [TD_ROLE_BOT] = "bot",
};

static const char * const group_kind_names[] = {
  [TD_GROUP_DEPARTMENT] = "department",
  [TD_GROUP_ADHOC] = "group",
};

static const char * const reminder_kind_names[] = {
  [TD_REMINDER_KIND_REMINDER] = "reminder",
  [TD_REMINDER_KIND_ANNOUNCEMENT] = "announcement",
};

static const char * const priority_names[] = {
  [TD_PRIORITY_NORMAL] = "normal",
  [TD_PRIORITY_URGENT] = "urgent",
};

static const char * const reminder_state_names[] = {
  [TD_REMINDER_OPEN] = "open",
  [TD_REMINDER_DONE] = "done",
  [TD_REMINDER_SNOOZED] = "snoozed",
};

static const char * const reminder_action_names[] = {
  [TD_REMINDER_ACTION_READ] = "read",
  [TD_REMINDER_ACTION_DONE] = "done",
  [TD_REMINDER_ACTION_SNOOZE] = "snooze",
  [TD_REMINDER_ACTION_REOPEN] = "reopen",
};

/* Each pair: X_to_string() answers the wire name (the first name for a
 * value out of range) and X_from_string() parses exactly the names. */
DEFINE_ENUM_NAMES (TdRole, td_role, role_names, TD_ROLE_USER)
DEFINE_ENUM_NAMES (TdGroupKind, td_group_kind, group_kind_names, TD_GROUP_ADHOC)
DEFINE_ENUM_NAMES (TdReminderKind, td_reminder_kind, reminder_kind_names,
                   TD_REMINDER_KIND_REMINDER)
DEFINE_ENUM_NAMES (TdPriority, td_priority, priority_names, TD_PRIORITY_NORMAL)
DEFINE_ENUM_NAMES (TdReminderState, td_reminder_state, reminder_state_names, TD_REMINDER_OPEN)
DEFINE_ENUM_NAMES (TdReminderAction, td_reminder_action, reminder_action_names,
                   TD_REMINDER_ACTION_READ)

/* ---- TdGroup ---- */

struct _TdGroup {
  gint64       id;
  TdGroupKind  kind;
  guint        n_members;
  char        *address;
  char        *name;
  char        *owner;
  char       **members;   /* sorted, no duplicates */
};

G_DEFINE_BOXED_TYPE (TdGroup, td_group, td_group_ref, td_group_unref)

static gint
compare_logins (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/**
 * td_group_new:
 * @id: the group id, 1 to 2^53
 * @kind: department or ad-hoc group
 * @name: the group's name
 * @owner: (nullable): the creator's login; %NULL means ""
 * @members: (nullable) (array zero-terminated=1): member logins
 *
 * The members are copied, sorted and freed of duplicates: the protocol
 * lists them sorted, and td_group_has_member() searches them.
 *
 * Returns: (transfer full): a new #TdGroup.
 */
TdGroup *
td_group_new (gint64              id,
              TdGroupKind         kind,
              const char         *name,
              const char         *owner,
              const char * const *members)
{
  TdGroup *self;
  guint n = members != NULL ? g_strv_length ((char **) members) : 0;
  guint kept = 0;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_atomic_rc_box_new0 (TdGroup);
  self->id = id;
  self->kind = kind;
  self->address = g_strdup_printf ("g:%" G_GINT64_FORMAT, id);
  self->name = g_strdup (name);
  self->owner = g_strdup (owner != NULL ? owner : "");
  self->members = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    self->members[i] = g_strdup (members[i]);
  g_qsort_with_data (self->members, (gint) n, sizeof (char *), compare_logins, NULL);
  for (guint i = 0; i < n; i++)
    {
      if (kept > 0 && strcmp (self->members[kept - 1], self->members[i]) == 0)
        g_free (self->members[i]);
      else
        self->members[kept++] = self->members[i];
    }
  self->members[kept] = NULL;
  self->n_members = kept;
  return self;
}

static void
group_clear (gpointer data)
{
  TdGroup *self = data;

  g_free (self->address);
  g_free (self->name);
  g_free (self->owner);
  g_strfreev (self->members);
}

TdGroup *
td_group_ref (TdGroup *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

void
td_group_unref (TdGroup *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release_full (self, group_clear);
}

gint64
td_group_get_id (const TdGroup *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->id;
}

const char *
td_group_get_address (const TdGroup *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->address;
}

TdGroupKind
td_group_get_kind (const TdGroup *self)
{
  g_return_val_if_fail (self != NULL, TD_GROUP_ADHOC);
  return self->kind;
}

const char *
td_group_get_name (const TdGroup *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

const char *
td_group_get_owner (const TdGroup *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->owner;
}

/**
 * td_group_get_members:
 * @self: a #TdGroup
 *
 * Returns: (transfer none) (array zero-terminated=1): the member logins,
 *   sorted; never %NULL.
 */
const char * const *
td_group_get_members (const TdGroup *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->members;
}

guint
td_group_get_n_members (const TdGroup *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->n_members;
}

/**
 * td_group_has_member:
 * @self: a #TdGroup
 * @login: a login
 *
 * Binary search: a department group may have thousands of members and
 * the server asks on every message.
 *
 * Returns: %TRUE if @login is a member.
 */
gboolean
td_group_has_member (const TdGroup *self, const char *login)
{
  guint lo = 0, hi;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (login != NULL, FALSE);

  hi = self->n_members;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      int cmp = strcmp (login, self->members[mid]);

      if (cmp == 0)
        return TRUE;
      if (cmp < 0)
        hi = mid;
      else
        lo = mid + 1;
    }
  return FALSE;
}

void
_td_json_append_group (GString *out, const TdGroup *group)
{
  APPEND_LITERAL (out, "{\"id\":");
  _td_json_append_string (out, group->address);
  APPEND_LITERAL (out, ",\"kind\":\"");
  g_string_append (out, td_group_kind_to_string (group->kind));
  APPEND_LITERAL (out, "\",\"name\":");
  _td_json_append_string (out, group->name);
  APPEND_LITERAL (out, ",\"owner\":");
  _td_json_append_string (out, group->owner);
  APPEND_LITERAL (out, ",\"members\":[");
  for (guint i = 0; i < group->n_members; i++)
    {
      if (i > 0)
        g_string_append_c (out, ',');
      _td_json_append_string (out, group->members[i]);
    }
  APPEND_LITERAL (out, "]}");
}

/**
 * td_group_to_json:
 * @self: a #TdGroup
 *
 * Returns: (transfer full): @self as the compact JSON object "groups" and
 *   "group" frames carry.
 */
char *
td_group_to_json (const TdGroup *self)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_sized_new (96 + 16 * self->n_members);
  _td_json_append_group (out, self);
  return g_string_free (out, FALSE);
}

/* ---- TdReminder ---- */

struct _TdReminder {
  gint64           rid;
  gint64           time_ms;
  gint64           until_ms;
  TdReminderKind   kind;
  TdPriority       priority;
  TdReminderState  state;
  gboolean         read;
  char            *source;
  char            *title;
  char            *body;
  char            *link;
  char            *category;
};

G_DEFINE_BOXED_TYPE (TdReminder, td_reminder, td_reminder_ref, td_reminder_unref)

/**
 * td_reminder_new:
 * @rid: server-wide reminder id
 * @kind: reminder or announcement
 * @source: who posted it (API key name or the admin's login)
 * @title: the title
 * @body: (nullable): the body; %NULL means ""
 * @link: (nullable): an http(s) link; %NULL means ""
 * @category: (nullable): a category; %NULL means ""
 * @priority: normal or urgent
 * @time_ms: when it was posted, ms since the Unix epoch
 * @state: this recipient's state
 * @until_ms: end of a snooze (ms); only kept with %TD_REMINDER_SNOOZED
 * @read: this recipient has seen it
 *
 * Returns: (transfer full): a new #TdReminder.
 */
TdReminder *
td_reminder_new (gint64          rid,
                 TdReminderKind  kind,
                 const char     *source,
                 const char     *title,
                 const char     *body,
                 const char     *link,
                 const char     *category,
                 TdPriority      priority,
                 gint64          time_ms,
                 TdReminderState state,
                 gint64          until_ms,
                 gboolean        read)
{
  TdReminder *self;

  g_return_val_if_fail (source != NULL, NULL);
  g_return_val_if_fail (title != NULL, NULL);

  self = g_atomic_rc_box_new0 (TdReminder);
  self->rid = rid;
  self->kind = kind;
  self->source = g_strdup (source);
  self->title = g_strdup (title);
  self->body = g_strdup (body != NULL ? body : "");
  self->link = g_strdup (link != NULL ? link : "");
  self->category = g_strdup (category != NULL ? category : "");
  self->priority = priority;
  self->time_ms = time_ms;
  self->state = state;
  /* "until" only means something while snoozed; the wire carries it
   * only then, so keeping it otherwise would break round trips. */
  self->until_ms = state == TD_REMINDER_SNOOZED ? until_ms : 0;
  self->read = !!read;
  return self;
}

static void
reminder_clear (gpointer data)
{
  TdReminder *self = data;

  g_free (self->source);
  g_free (self->title);
  g_free (self->body);
  g_free (self->link);
  g_free (self->category);
}

TdReminder *
td_reminder_ref (TdReminder *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

void
td_reminder_unref (TdReminder *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release_full (self, reminder_clear);
}

gint64
td_reminder_get_rid (const TdReminder *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->rid;
}

TdReminderKind
td_reminder_get_kind (const TdReminder *self)
{
  g_return_val_if_fail (self != NULL, TD_REMINDER_KIND_REMINDER);
  return self->kind;
}

const char *
td_reminder_get_source (const TdReminder *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->source;
}

const char *
td_reminder_get_title (const TdReminder *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->title;
}

const char *
td_reminder_get_body (const TdReminder *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->body;
}

const char *
td_reminder_get_link (const TdReminder *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->link;
}

const char *
td_reminder_get_category (const TdReminder *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->category;
}

TdPriority
td_reminder_get_priority (const TdReminder *self)
{
  g_return_val_if_fail (self != NULL, TD_PRIORITY_NORMAL);
  return self->priority;
}

gint64
td_reminder_get_time (const TdReminder *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->time_ms;
}

TdReminderState
td_reminder_get_state (const TdReminder *self)
{
  g_return_val_if_fail (self != NULL, TD_REMINDER_OPEN);
  return self->state;
}

gint64
td_reminder_get_until (const TdReminder *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->until_ms;
}

gboolean
td_reminder_get_read (const TdReminder *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->read;
}

/**
 * td_reminder_with_state:
 * @self: a #TdReminder
 * @state: the new state
 * @until_ms: end of the snooze, for %TD_REMINDER_SNOOZED
 * @read: the new read flag
 *
 * Returns: (transfer full): a copy of @self with another recipient state.
 */
TdReminder *
td_reminder_with_state (const TdReminder *self,
                        TdReminderState   state,
                        gint64            until_ms,
                        gboolean          read)
{
  g_return_val_if_fail (self != NULL, NULL);
  return td_reminder_new (self->rid, self->kind, self->source, self->title, self->body,
                          self->link, self->category, self->priority, self->time_ms,
                          state, until_ms, read);
}

void
_td_json_append_reminder (GString *out, const TdReminder *reminder)
{
  APPEND_LITERAL (out, "{\"rid\":");
  _td_json_append_int (out, reminder->rid);
  APPEND_LITERAL (out, ",\"kind\":\"");
  g_string_append (out, td_reminder_kind_to_string (reminder->kind));
  APPEND_LITERAL (out, "\",\"source\":");
  _td_json_append_string (out, reminder->source);
  APPEND_LITERAL (out, ",\"title\":");
  _td_json_append_string (out, reminder->title);
  APPEND_LITERAL (out, ",\"body\":");
  _td_json_append_string (out, reminder->body);
  APPEND_LITERAL (out, ",\"link\":");
  _td_json_append_string (out, reminder->link);
  APPEND_LITERAL (out, ",\"category\":");
  _td_json_append_string (out, reminder->category);
  APPEND_LITERAL (out, ",\"priority\":\"");
  g_string_append (out, td_priority_to_string (reminder->priority));
  APPEND_LITERAL (out, "\",\"time\":");
  _td_json_append_int (out, reminder->time_ms);
  APPEND_LITERAL (out, ",\"state\":\"");
  g_string_append (out, td_reminder_state_to_string (reminder->state));
  g_string_append_c (out, '"');
  if (reminder->state == TD_REMINDER_SNOOZED && reminder->until_ms != 0)
    {
      APPEND_LITERAL (out, ",\"until\":");
      _td_json_append_int (out, reminder->until_ms);
    }
  APPEND_LITERAL (out, ",\"read\":");
  if (reminder->read)
    APPEND_LITERAL (out, "true}");
  else
    APPEND_LITERAL (out, "false}");
}

/**
 * td_reminder_to_json:
 * @self: a #TdReminder
 *
 * Returns: (transfer full): @self as the compact JSON object "reminders"
 *   and "reminder" frames carry.
 */
char *
td_reminder_to_json (const TdReminder *self)
{
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);

  out = g_string_sized_new (256 + strlen (self->body));
  _td_json_append_reminder (out, self);
  return g_string_free (out, FALSE);
}

/* ---- TdReadMark ---- */

/**
 * td_read_mark_new:
 * @user: login of the reader
 * @mid: highest message id read
 *
 * Returns: (transfer full): a new #TdReadMark; free with td_read_mark_free().
 */
TdReadMark *
td_read_mark_new (const char *user, gint64 mid)
{
  TdReadMark *mark;

  g_return_val_if_fail (user != NULL, NULL);

  mark = g_new0 (TdReadMark, 1);
  mark->user = g_strdup (user);
  mark->mid = mid;
  return mark;
}

void
td_read_mark_free (TdReadMark *mark)
{
  if (mark == NULL)
    return;
  g_free (mark->user);
  g_free (mark);
}
