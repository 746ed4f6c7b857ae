/* td-webhook-events.h - the JSON bodies of webhook deliveries, built in one
 * place so that the session (messages to bots, reminder outcomes) and the
 * HTTP API queue exactly what docs/integrations.md describes. */
#pragma once

#include "td-proto.h"

G_BEGIN_DECLS

/* {"event":"message","time":…,"bot":"helpdesk","message":{…message object…}} */
char *td_webhook_event_message  (const char *bot_login, const TdMessage *message,
                                 gint64 time_ms);
/* {"event":"reminder","time":…,"rid":…,"user":"bob","state":"done",
 *  "until":…?,"read":true,"idempotency_key":"…"?} */
char *td_webhook_event_reminder (gint64 rid, const char *user, TdReminderState state,
                                 gint64 until_ms, gboolean read,
                                 const char *idempotency_key /* nullable */,
                                 gint64 time_ms);

G_END_DECLS
