/* td-reminder-row.h - one reminder or announcement in the main window's
 * Reminders view: priority, title, body, source and relative time, and
 * what the user can do with it (Open Link, Done / Reopen, Snooze).  For an
 * announcement the user sent, "Read by N of M" opens a list of who has
 * not read it yet. */
#pragma once

#include <gtk/gtk.h>
#include "td-client.h"

G_BEGIN_DECLS

#define TD_TYPE_REMINDER_ROW (td_reminder_row_get_type ())
G_DECLARE_FINAL_TYPE (TdReminderRow, td_reminder_row, TD, REMINDER_ROW, GtkListBoxRow)

GtkWidget      *td_reminder_row_new          (TdClient       *client,
                                              TdReminderItem *item);
TdReminderItem *td_reminder_row_get_item     (TdReminderRow *self);
/* Re-renders the relative time ("5 minutes ago"); the view calls it once
 * a minute. */
void            td_reminder_row_update_time  (TdReminderRow *self);
/* The "Read by N of M" text as shown, "" when not shown (for tests). */
const char     *td_reminder_row_get_read_by  (TdReminderRow *self);

/* Sort order of the view: open (urgent ones first), then snoozed, then
 * done; newest first in each.  A GtkListBoxSortFunc. */
int             td_reminder_row_compare      (GtkListBoxRow *a,
                                              GtkListBoxRow *b,
                                              gpointer       user_data);

/* When a snooze chosen as @choice ("15m", "1h", "tomorrow") ends, in ms
 * since the epoch, counted from @now (local time).  "tomorrow" is 09:00
 * the next day.  0 for an unknown choice. */
gint64          td_reminder_snooze_until     (const char *choice,
                                              GDateTime  *now);
/* "just now", "5 minutes ago", "yesterday 14:05"... for @time_ms as seen
 * at @now. */
char           *td_reminder_format_relative  (gint64      time_ms,
                                              GDateTime  *now);

G_END_DECLS
