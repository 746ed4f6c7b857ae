/* td-contact.c - one colleague as the client sees them.
 *
 * A plain GObject whose properties mirror the directory entry plus what
 * the client adds (unread count, last message).  Every setter notifies
 * only on a real change so bound rows and TdContactList re-sort only
 * when something moved.
 */
#define G_LOG_DOMAIN "td-contact"

#include <string.h>

#include <glib/gi18n.h>

#include "td-contact.h"

struct _TdContact
{
  GObject     parent_instance;

  char       *login;
  char       *name;
  char       *department;
  char       *title;
  TdPresence  presence;
  guint       unread;
  gint64      last_activity;
  char       *last_text;
  TdRole      role;
  gboolean    is_group;
  TdGroupKind group_kind;
  char       *owner;
  char      **members;    /* sorted; NULL for people */
  /* Case-folded copies for td_contact_matches(). */
  char       *folded_name;
  char       *folded_department;
  /* g_utf8_collate_key (name), made when first asked for: the contact
   * list sorts 10,000 names on every search. */
  char       *collate_key;
};

G_DEFINE_FINAL_TYPE (TdContact, td_contact, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LOGIN,
  PROP_NAME,
  PROP_DEPARTMENT,
  PROP_TITLE,
  PROP_PRESENCE,
  PROP_UNREAD,
  PROP_LAST_ACTIVITY,
  PROP_LAST_TEXT,
  PROP_ROLE,
  PROP_IS_GROUP,
  PROP_GROUP_KIND,
  PROP_OWNER,
  PROP_MEMBERS,
  PROP_MEMBER_COUNT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
td_contact_finalize (GObject *object)
{
  TdContact *self = TD_CONTACT (object);

  g_free (self->login);
  g_free (self->name);
  g_free (self->department);
  g_free (self->title);
  g_free (self->last_text);
  g_free (self->owner);
  g_strfreev (self->members);
  g_free (self->folded_name);
  g_free (self->collate_key);
  g_free (self->folded_department);

  G_OBJECT_CLASS (td_contact_parent_class)->finalize (object);
}

static void
td_contact_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TdContact *self = TD_CONTACT (object);

  switch (prop_id)
    {
    case PROP_LOGIN:
      g_value_set_string (value, self->login);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_DEPARTMENT:
      g_value_set_string (value, self->department);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_PRESENCE:
      g_value_set_int (value, self->presence);
      break;
    case PROP_UNREAD:
      g_value_set_uint (value, self->unread);
      break;
    case PROP_LAST_ACTIVITY:
      g_value_set_int64 (value, self->last_activity);
      break;
    case PROP_LAST_TEXT:
      g_value_set_string (value, self->last_text);
      break;
    case PROP_ROLE:
      g_value_set_int (value, self->role);
      break;
    case PROP_IS_GROUP:
      g_value_set_boolean (value, self->is_group);
      break;
    case PROP_GROUP_KIND:
      g_value_set_int (value, self->group_kind);
      break;
    case PROP_OWNER:
      g_value_set_string (value, self->owner);
      break;
    case PROP_MEMBERS:
      g_value_set_boxed (value, self->members);
      break;
    case PROP_MEMBER_COUNT:
      g_value_set_uint (value, td_contact_get_member_count (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_contact_class_init (TdContactClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = td_contact_finalize;
  object_class->get_property = td_contact_get_property;

  properties[PROP_LOGIN] = g_param_spec_string ("login", NULL, NULL, NULL, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_DEPARTMENT] = g_param_spec_string ("department", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_PRESENCE] =
    g_param_spec_int ("presence", NULL, NULL, TD_PRESENCE_OFFLINE, TD_PRESENCE_BUSY,
                      TD_PRESENCE_OFFLINE, flags);
  properties[PROP_UNREAD] = g_param_spec_uint ("unread", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_LAST_ACTIVITY] =
    g_param_spec_int64 ("last-activity", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_LAST_TEXT] = g_param_spec_string ("last-text", NULL, NULL, NULL, flags);
  properties[PROP_ROLE] =
    g_param_spec_int ("role", NULL, NULL, TD_ROLE_USER, TD_ROLE_BOT, TD_ROLE_USER, flags);
  properties[PROP_IS_GROUP] = g_param_spec_boolean ("is-group", NULL, NULL, FALSE, flags);
  properties[PROP_GROUP_KIND] =
    g_param_spec_int ("group-kind", NULL, NULL, TD_GROUP_DEPARTMENT, TD_GROUP_ADHOC,
                      TD_GROUP_DEPARTMENT, flags);
  properties[PROP_OWNER] = g_param_spec_string ("owner", NULL, NULL, NULL, flags);
  properties[PROP_MEMBERS] = g_param_spec_boxed ("members", NULL, NULL, G_TYPE_STRV, flags);
  properties[PROP_MEMBER_COUNT] =
    g_param_spec_uint ("member-count", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
td_contact_init (TdContact *self)
{
  self->login = g_strdup ("");
  self->name = g_strdup ("");
  self->department = g_strdup ("");
  self->title = g_strdup ("");
  self->owner = g_strdup ("");
  self->folded_name = g_strdup ("");
  self->folded_department = g_strdup ("");
}

/* Replaces *@field with @value; TRUE if it changed. */
static gboolean
set_string (char **field, const char *value)
{
  if (value == NULL)
    value = "";
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

TdContact *
td_contact_new (TdUser *user)
{
  TdContact *self;

  g_return_val_if_fail (user != NULL, NULL);

  self = g_object_new (TD_TYPE_CONTACT, NULL);
  g_free (self->login);
  self->login = g_strdup (td_user_get_login (user));
  td_contact_update (self, user);
  return self;
}

TdContact *
td_contact_new_group (TdGroup *group)
{
  TdContact *self;

  g_return_val_if_fail (group != NULL, NULL);

  self = g_object_new (TD_TYPE_CONTACT, NULL);
  g_free (self->login);
  self->login = g_strdup (td_group_get_address (group));
  self->is_group = TRUE;
  self->group_kind = td_group_get_kind (group);
  td_contact_update_group (self, group);
  return self;
}

static gboolean
strv_equal (const char * const *a, const char * const *b)
{
  if (a == NULL || b == NULL)
    return a == b;
  return g_strv_equal (a, b);
}

void
td_contact_update_group (TdContact *self, TdGroup *group)
{
  const char * const *members;

  g_return_if_fail (TD_IS_CONTACT (self));
  g_return_if_fail (group != NULL);
  g_return_if_fail (self->is_group);

  g_object_freeze_notify (G_OBJECT (self));
  if (set_string (&self->name, td_group_get_name (group)))
    {
      g_free (self->folded_name);
      self->folded_name = g_utf8_casefold (self->name, -1);
      g_clear_pointer (&self->collate_key, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
    }
  if (set_string (&self->owner, td_group_get_owner (group)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OWNER]);
  if (self->group_kind != td_group_get_kind (group))
    {
      self->group_kind = td_group_get_kind (group);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GROUP_KIND]);
    }
  members = td_group_get_members (group);
  if (members == NULL)
    {
      static const char * const none[] = { NULL };

      members = none;
    }
  if (!strv_equal ((const char * const *) self->members, members))
    {
      guint old_count = td_contact_get_member_count (self);

      g_strfreev (self->members);
      self->members = g_strdupv ((char **) members);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMBERS]);
      if (old_count != td_contact_get_member_count (self))
        g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMBER_COUNT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

TdRole
td_contact_get_role (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), TD_ROLE_USER);
  return self->role;
}

gboolean
td_contact_get_is_group (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), FALSE);
  return self->is_group;
}

TdGroupKind
td_contact_get_group_kind (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), TD_GROUP_DEPARTMENT);
  return self->group_kind;
}

const char *
td_contact_get_owner (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), NULL);
  return self->owner;
}

const char * const *
td_contact_get_members (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), NULL);
  return (const char * const *) self->members;
}

guint
td_contact_get_member_count (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), 0);
  return self->members != NULL ? g_strv_length (self->members) : 0;
}

gboolean
td_contact_has_member (TdContact *self, const char *login)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), FALSE);
  g_return_val_if_fail (login != NULL, FALSE);
  return self->members != NULL && g_strv_contains ((const char * const *) self->members, login);
}

const char *
td_contact_get_login (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), NULL);
  return self->login;
}

const char *
td_contact_get_name (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), NULL);
  return self->name;
}

const char *
td_contact_get_department (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), NULL);
  return self->department;
}

const char *
td_contact_get_title (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), NULL);
  return self->title;
}

TdPresence
td_contact_get_presence (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), TD_PRESENCE_OFFLINE);
  return self->presence;
}

guint
td_contact_get_unread (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), 0);
  return self->unread;
}

gint64
td_contact_get_last_activity (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), 0);
  return self->last_activity;
}

const char *
td_contact_get_last_text (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), NULL);
  return self->last_text;
}

const char *
td_contact_get_collate_key (TdContact *self)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), NULL);

  if (self->collate_key == NULL)
    self->collate_key = g_utf8_collate_key (self->name, -1);
  return self->collate_key;
}

gboolean
td_contact_matches (TdContact *self, const char *folded_query)
{
  g_return_val_if_fail (TD_IS_CONTACT (self), FALSE);
  g_return_val_if_fail (folded_query != NULL, FALSE);

  /* Logins are ASCII lower case by the protocol's rule, so the folded
   * query compares directly. */
  return strstr (self->folded_name, folded_query) != NULL ||
         strstr (self->login, folded_query) != NULL ||
         strstr (self->folded_department, folded_query) != NULL;
}

void
td_contact_update (TdContact *self, TdUser *user)
{
  g_return_if_fail (TD_IS_CONTACT (self));
  g_return_if_fail (user != NULL);
  g_return_if_fail (!self->is_group);

  g_object_freeze_notify (G_OBJECT (self));
  if (set_string (&self->name, td_user_get_name (user)))
    {
      g_free (self->folded_name);
      self->folded_name = g_utf8_casefold (self->name, -1);
      g_clear_pointer (&self->collate_key, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
    }
  if (set_string (&self->department, td_user_get_department (user)))
    {
      g_free (self->folded_department);
      self->folded_department = g_utf8_casefold (self->department, -1);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEPARTMENT]);
    }
  if (set_string (&self->title, td_user_get_title (user)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  if (self->role != td_user_get_role (user))
    {
      self->role = td_user_get_role (user);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
    }
  td_contact_set_presence (self, td_user_get_presence (user));
  g_object_thaw_notify (G_OBJECT (self));
}

void
td_contact_set_presence (TdContact *self, TdPresence presence)
{
  g_return_if_fail (TD_IS_CONTACT (self));

  if (self->presence == presence)
    return;
  self->presence = presence;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENCE]);
}

void
td_contact_set_unread (TdContact *self, guint unread)
{
  g_return_if_fail (TD_IS_CONTACT (self));

  if (self->unread == unread)
    return;
  self->unread = unread;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
}

void
td_contact_set_last (TdContact *self, gint64 time_ms, const char *text)
{
  g_return_if_fail (TD_IS_CONTACT (self));

  /* An older message (history paging, a late backlog) never replaces
   * the preview of a newer one. */
  if (time_ms < self->last_activity)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  if (self->last_activity != time_ms)
    {
      self->last_activity = time_ms;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ACTIVITY]);
    }
  if (g_strcmp0 (self->last_text, text) != 0)
    {
      g_free (self->last_text);
      self->last_text = g_strdup (text);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_TEXT]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

const char *
td_presence_get_label (TdPresence presence)
{
  switch (presence)
    {
    case TD_PRESENCE_ONLINE:
      return _("Available");
    case TD_PRESENCE_AWAY:
      return _("Away");
    case TD_PRESENCE_BUSY:
      return _("Busy");
    case TD_PRESENCE_OFFLINE:
    default:
      return _("Offline");
    }
}
