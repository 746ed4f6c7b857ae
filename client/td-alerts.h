/* td-alerts.h - desktop notifications and sounds for new messages and
 * reminders.
 *
 * One notification per conversation (bursts update it), the
 * "message-new-instant" sound through libcanberra unless the notification
 * server plays sounds itself, "Open"/"Reply" actions and KDE/swaync inline
 * reply.  Reminders get one notification each, their own sounds and
 * "Open Link"/"Done"/"Snooze" actions.  Works without a notification daemon or a sound card: it then
 * only reports that notifications do not work.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define TD_ALERTS_SOUND_MESSAGE   "message-new-instant"
/* Reminders have their own sounds, so that "a business system wants
 * something" is told apart from "a colleague wrote" by ear. */
#define TD_ALERTS_SOUND_REMINDER         "message-new-email"
#define TD_ALERTS_SOUND_REMINDER_URGENT  "dialog-warning"

#define TD_TYPE_ALERTS (td_alerts_get_type ())
G_DECLARE_FINAL_TYPE (TdAlerts, td_alerts, TD, ALERTS, GObject)

/* Calls notify_init ("Tidings") if nobody did. */
TdAlerts *td_alerts_new                     (void);
/* A chat message the user has not seen.  @text is shown as plain text
 * (escaped where the server would read markup).  A second message in the
 * same conversation while its notification is up updates it ("3 new
 * messages" and the latest text) and plays no sound within 2 s of the last. */
void      td_alerts_message                 (TdAlerts   *self,
                                             const char *conversation,
                                             const char *sender_name,
                                             const char *text);
/* A business reminder or announcement; @id identifies it.  Never twice:
 * a second call with an @id that was already alerted does nothing (the
 * server repeats open reminders at every session start; a snooze that
 * ends is a new @id for the caller).  Actions: "Open Link" (when
 * @has_link), "Done", "Snooze", reported by "reminder-action"; clicking
 * the notification emits "open-reminder".  @urgent: critical urgency, no
 * timeout (it stays until handled) and shown even when muted (without
 * sound), as GNOME does for critical notifications under "do not
 * disturb". */
void      td_alerts_reminder                (TdAlerts   *self,
                                             const char *id,
                                             const char *title,
                                             const char *body,
                                             gboolean    has_link,
                                             gboolean    urgent);
/* The reminder was handled elsewhere (list, other device): close its
 * notification.  It still counts as alerted. */
void      td_alerts_withdraw_reminder       (TdAlerts   *self,
                                             const char *id);
/* The user has seen @conversation: close its notification. */
void      td_alerts_withdraw                (TdAlerts   *self,
                                             const char *conversation);
/* Signals:
 *   "open" (const char *conversation), "reply" (conversation, text or NULL)
 *   "open-reminder" (const char *id) -- the reminder notification was clicked
 *   "reminder-action" (const char *id, const char *action) -- one of
 *       "open-link", "done", "snooze" */

/* Muted: no sound and no notification for messages. */
void      td_alerts_set_muted               (TdAlerts   *self,
                                             gboolean    muted);
void      td_alerts_set_sounds              (TdAlerts   *self,
                                             gboolean    enabled);
void      td_alerts_set_notifications       (TdAlerts   *self,
                                             gboolean    enabled);
/* FALSE when the last notification could not be shown (no notification
 * daemon): the application then relies on the tray and window urgency. */
gboolean  td_alerts_get_notifications_work  (TdAlerts   *self);
/* Result of the last ca_context_play(): 0 played, a libcanberra error code
 * otherwise (-9 no sound card, -16 event sounds disabled).  For tests. */
int       td_alerts_get_last_sound_result   (TdAlerts   *self);

G_END_DECLS
