/* td-reminder-item.h - one reminder or announcement as the user sees it
 * (GObject with notify, so a reminders list row updates itself).
 *
 * Wraps the TdReminder the server sent last (or the client's optimistic
 * version of it after td_client_update_reminder()).  "state" is the state
 * the user should see: a snoozed reminder whose snooze has ended shows as
 * TD_REMINDER_OPEN again, even before the server says so.
 */
#pragma once

#include <glib-object.h>
#include "td-proto.h"

G_BEGIN_DECLS

#define TD_TYPE_REMINDER_ITEM (td_reminder_item_get_type ())
G_DECLARE_FINAL_TYPE (TdReminderItem, td_reminder_item, TD, REMINDER_ITEM, GObject)

/* Properties (readable, G_PARAM_EXPLICIT_NOTIFY): "rid" (int64),
 * "kind" (int, TdReminderKind), "source", "title", "body", "link",
 * "category" (strings, "" when absent), "priority" (int, TdPriority),
 * "urgent" (boolean, priority is urgent), "time" (int64 ms, when posted),
 * "state" (int, TdReminderState as shown: a snooze that has ended reads
 * OPEN), "until" (int64 ms, end of the snooze, 0 if not snoozed),
 * "read" (boolean), "unread" (boolean: shown open and not read yet). */
TdReminderItem  *td_reminder_item_new          (TdReminder *reminder);
/* The reminder as last received or optimistically changed. */
TdReminder      *td_reminder_item_get_reminder (TdReminderItem *self);
gint64           td_reminder_item_get_rid      (TdReminderItem *self);
TdReminderKind   td_reminder_item_get_kind     (TdReminderItem *self);
const char      *td_reminder_item_get_source   (TdReminderItem *self);
const char      *td_reminder_item_get_title    (TdReminderItem *self);
const char      *td_reminder_item_get_body     (TdReminderItem *self);
const char      *td_reminder_item_get_link     (TdReminderItem *self);
const char      *td_reminder_item_get_category (TdReminderItem *self);
TdPriority       td_reminder_item_get_priority (TdReminderItem *self);
gboolean         td_reminder_item_get_urgent   (TdReminderItem *self);
gint64           td_reminder_item_get_time     (TdReminderItem *self);
TdReminderState  td_reminder_item_get_state    (TdReminderItem *self);
gint64           td_reminder_item_get_until    (TdReminderItem *self);
gboolean         td_reminder_item_get_read     (TdReminderItem *self);
gboolean         td_reminder_item_get_unread   (TdReminderItem *self);

/* Used by TdClient.  _update replaces the wrapped reminder (notifying
 * what changed); _refresh re-evaluates the shown state against the clock
 * (a snooze ending) and returns TRUE if it changed. */
void             td_reminder_item_update       (TdReminderItem *self, TdReminder *reminder);
gboolean         td_reminder_item_refresh      (TdReminderItem *self);

/* ---- TdReminderStatus: how an announcement is doing (boxed, plain data) ----
 * Answer of td_client_reminder_status_finish() / what an announcing admin
 * sees: recipients, how many read it, how many marked it done, and the
 * logins of those who have not read it (at most 1,000). */
typedef struct {
  gint64  rid;
  guint   total;
  guint   read;
  guint   done;
  char  **unread;   /* NULL-terminated, never NULL */
} TdReminderStatus;

#define TD_TYPE_REMINDER_STATUS (td_reminder_status_get_type ())
GType             td_reminder_status_get_type (void) G_GNUC_CONST;
TdReminderStatus *td_reminder_status_new      (gint64 rid, guint total, guint read, guint done,
                                               const char * const *unread);
TdReminderStatus *td_reminder_status_copy     (const TdReminderStatus *self);
void              td_reminder_status_free     (TdReminderStatus *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdReminderStatus, td_reminder_status_free)

G_END_DECLS
