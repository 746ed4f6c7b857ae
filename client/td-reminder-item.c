/* td-reminder-item.c - one reminder as the user sees it.
 *
 * The wrapped TdReminder is immutable; an update swaps it and notifies
 * exactly the properties whose values differ, so a list row redraws only
 * when something visible changed.  The shown state is computed against
 * the clock: a snooze that ended shows as open (TdClient calls
 * td_reminder_item_refresh() from a timer when that moment comes).
 */
#define G_LOG_DOMAIN "td-reminder-item"

#include "td-reminder-item.h"

struct _TdReminderItem
{
  GObject          parent_instance;

  TdReminder      *reminder;
  TdReminderState  shown_state;   /* state with an ended snooze read as open */
};

G_DEFINE_FINAL_TYPE (TdReminderItem, td_reminder_item, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RID,
  PROP_KIND,
  PROP_SOURCE,
  PROP_TITLE,
  PROP_BODY,
  PROP_LINK,
  PROP_CATEGORY,
  PROP_PRIORITY,
  PROP_URGENT,
  PROP_TIME,
  PROP_STATE,
  PROP_UNTIL,
  PROP_READ,
  PROP_UNREAD,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static TdReminderState
compute_state (TdReminder *reminder)
{
  TdReminderState state = td_reminder_get_state (reminder);

  if (state == TD_REMINDER_SNOOZED &&
      td_reminder_get_until (reminder) <= g_get_real_time () / 1000)
    return TD_REMINDER_OPEN;
  return state;
}

static void
td_reminder_item_finalize (GObject *object)
{
  TdReminderItem *self = TD_REMINDER_ITEM (object);

  g_clear_pointer (&self->reminder, td_reminder_unref);
  G_OBJECT_CLASS (td_reminder_item_parent_class)->finalize (object);
}

static void
td_reminder_item_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TdReminderItem *self = TD_REMINDER_ITEM (object);
  TdReminder *r = self->reminder;

  switch (prop_id)
    {
    case PROP_RID:
      g_value_set_int64 (value, td_reminder_get_rid (r));
      break;
    case PROP_KIND:
      g_value_set_int (value, td_reminder_get_kind (r));
      break;
    case PROP_SOURCE:
      g_value_set_string (value, td_reminder_get_source (r));
      break;
    case PROP_TITLE:
      g_value_set_string (value, td_reminder_get_title (r));
      break;
    case PROP_BODY:
      g_value_set_string (value, td_reminder_get_body (r));
      break;
    case PROP_LINK:
      g_value_set_string (value, td_reminder_get_link (r));
      break;
    case PROP_CATEGORY:
      g_value_set_string (value, td_reminder_get_category (r));
      break;
    case PROP_PRIORITY:
      g_value_set_int (value, td_reminder_get_priority (r));
      break;
    case PROP_URGENT:
      g_value_set_boolean (value, td_reminder_item_get_urgent (self));
      break;
    case PROP_TIME:
      g_value_set_int64 (value, td_reminder_get_time (r));
      break;
    case PROP_STATE:
      g_value_set_int (value, self->shown_state);
      break;
    case PROP_UNTIL:
      g_value_set_int64 (value, td_reminder_item_get_until (self));
      break;
    case PROP_READ:
      g_value_set_boolean (value, td_reminder_get_read (r));
      break;
    case PROP_UNREAD:
      g_value_set_boolean (value, td_reminder_item_get_unread (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_reminder_item_class_init (TdReminderItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = td_reminder_item_finalize;
  object_class->get_property = td_reminder_item_get_property;

  properties[PROP_RID] = g_param_spec_int64 ("rid", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_KIND] =
    g_param_spec_int ("kind", NULL, NULL, TD_REMINDER_KIND_REMINDER, TD_REMINDER_KIND_ANNOUNCEMENT,
                      TD_REMINDER_KIND_REMINDER, flags);
  properties[PROP_SOURCE] = g_param_spec_string ("source", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_BODY] = g_param_spec_string ("body", NULL, NULL, NULL, flags);
  properties[PROP_LINK] = g_param_spec_string ("link", NULL, NULL, NULL, flags);
  properties[PROP_CATEGORY] = g_param_spec_string ("category", NULL, NULL, NULL, flags);
  properties[PROP_PRIORITY] =
    g_param_spec_int ("priority", NULL, NULL, TD_PRIORITY_NORMAL, TD_PRIORITY_URGENT,
                      TD_PRIORITY_NORMAL, flags);
  properties[PROP_URGENT] = g_param_spec_boolean ("urgent", NULL, NULL, FALSE, flags);
  properties[PROP_TIME] = g_param_spec_int64 ("time", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, TD_REMINDER_OPEN, TD_REMINDER_SNOOZED,
                      TD_REMINDER_OPEN, flags);
  properties[PROP_UNTIL] = g_param_spec_int64 ("until", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[PROP_READ] = g_param_spec_boolean ("read", NULL, NULL, FALSE, flags);
  properties[PROP_UNREAD] = g_param_spec_boolean ("unread", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
td_reminder_item_init (TdReminderItem *self)
{
}

TdReminderItem *
td_reminder_item_new (TdReminder *reminder)
{
  TdReminderItem *self;

  g_return_val_if_fail (reminder != NULL, NULL);

  self = g_object_new (TD_TYPE_REMINDER_ITEM, NULL);
  self->reminder = td_reminder_ref (reminder);
  self->shown_state = compute_state (reminder);
  return self;
}

TdReminder *
td_reminder_item_get_reminder (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), NULL);
  return self->reminder;
}

gint64
td_reminder_item_get_rid (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), 0);
  return td_reminder_get_rid (self->reminder);
}

TdReminderKind
td_reminder_item_get_kind (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), TD_REMINDER_KIND_REMINDER);
  return td_reminder_get_kind (self->reminder);
}

const char *
td_reminder_item_get_source (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), NULL);
  return td_reminder_get_source (self->reminder);
}

const char *
td_reminder_item_get_title (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), NULL);
  return td_reminder_get_title (self->reminder);
}

const char *
td_reminder_item_get_body (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), NULL);
  return td_reminder_get_body (self->reminder);
}

const char *
td_reminder_item_get_link (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), NULL);
  return td_reminder_get_link (self->reminder);
}

const char *
td_reminder_item_get_category (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), NULL);
  return td_reminder_get_category (self->reminder);
}

TdPriority
td_reminder_item_get_priority (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), TD_PRIORITY_NORMAL);
  return td_reminder_get_priority (self->reminder);
}

gboolean
td_reminder_item_get_urgent (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), FALSE);
  return td_reminder_get_priority (self->reminder) == TD_PRIORITY_URGENT;
}

gint64
td_reminder_item_get_time (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), 0);
  return td_reminder_get_time (self->reminder);
}

TdReminderState
td_reminder_item_get_state (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), TD_REMINDER_OPEN);
  return self->shown_state;
}

gint64
td_reminder_item_get_until (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), 0);
  if (td_reminder_get_state (self->reminder) != TD_REMINDER_SNOOZED)
    return 0;
  return td_reminder_get_until (self->reminder);
}

gboolean
td_reminder_item_get_read (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), FALSE);
  return td_reminder_get_read (self->reminder);
}

gboolean
td_reminder_item_get_unread (TdReminderItem *self)
{
  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), FALSE);
  return self->shown_state == TD_REMINDER_OPEN && !td_reminder_get_read (self->reminder);
}

void
td_reminder_item_update (TdReminderItem *self, TdReminder *reminder)
{
  g_autoptr(TdReminder) old = NULL;
  TdReminderState old_state;
  gint64 old_until;
  gboolean old_unread;

  g_return_if_fail (TD_IS_REMINDER_ITEM (self));
  g_return_if_fail (reminder != NULL);
  g_return_if_fail (td_reminder_get_rid (reminder) == td_reminder_get_rid (self->reminder));

  old_state = self->shown_state;
  old_until = td_reminder_item_get_until (self);
  old_unread = td_reminder_item_get_unread (self);
  old = g_steal_pointer (&self->reminder);
  self->reminder = td_reminder_ref (reminder);
  self->shown_state = compute_state (reminder);

  g_object_freeze_notify (G_OBJECT (self));
  if (g_strcmp0 (td_reminder_get_title (old), td_reminder_get_title (reminder)) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
  if (g_strcmp0 (td_reminder_get_body (old), td_reminder_get_body (reminder)) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BODY]);
  if (g_strcmp0 (td_reminder_get_link (old), td_reminder_get_link (reminder)) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LINK]);
  if (td_reminder_get_priority (old) != td_reminder_get_priority (reminder))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRIORITY]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URGENT]);
    }
  if (old_state != self->shown_state)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (old_until != td_reminder_item_get_until (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNTIL]);
  if (td_reminder_get_read (old) != td_reminder_get_read (reminder))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READ]);
  if (old_unread != td_reminder_item_get_unread (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
  g_object_thaw_notify (G_OBJECT (self));
}

gboolean
td_reminder_item_refresh (TdReminderItem *self)
{
  TdReminderState state;
  gboolean old_unread;

  g_return_val_if_fail (TD_IS_REMINDER_ITEM (self), FALSE);

  state = compute_state (self->reminder);
  if (state == self->shown_state)
    return FALSE;
  old_unread = td_reminder_item_get_unread (self);
  self->shown_state = state;
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (old_unread != td_reminder_item_get_unread (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

/* ---- TdReminderStatus ---- */

G_DEFINE_BOXED_TYPE (TdReminderStatus, td_reminder_status,
                     td_reminder_status_copy, td_reminder_status_free)

TdReminderStatus *
td_reminder_status_new (gint64 rid, guint total, guint read, guint done,
                        const char * const *unread)
{
  TdReminderStatus *self = g_new0 (TdReminderStatus, 1);
  static const char * const none[] = { NULL };

  self->rid = rid;
  self->total = total;
  self->read = read;
  self->done = done;
  self->unread = g_strdupv ((char **) (unread != NULL ? unread : none));
  return self;
}

TdReminderStatus *
td_reminder_status_copy (const TdReminderStatus *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return td_reminder_status_new (self->rid, self->total, self->read, self->done,
                                 (const char * const *) self->unread);
}

void
td_reminder_status_free (TdReminderStatus *self)
{
  if (self == NULL)
    return;
  g_strfreev (self->unread);
  g_free (self);
}
