/* td-webhook-events.c - the JSON bodies of webhook deliveries.
 *
 * Built with the protocol module's writer so that the message object in a
 * "message" event is byte for byte what clients see in "message" frames,
 * and every string is escaped the same way.  The body is stored in the
 * queue as it is built here and POSTed (and signed) unchanged.
 */
#define G_LOG_DOMAIN "tidingsd"

#include <string.h>

#include "td-webhook-events.h"
#include "td-proto-private.h"

static void
append_member (GString *out, const char *name)
{
  g_string_append_c (out, ',');
  _td_json_append_string (out, name);
  g_string_append_c (out, ':');
}

char *
td_webhook_event_message (const char      *bot_login,
                          const TdMessage *message,
                          gint64           time_ms)
{
  g_autofree char *message_json = NULL;
  GString *out;

  g_return_val_if_fail (bot_login != NULL, NULL);
  g_return_val_if_fail (message != NULL, NULL);

  message_json = td_message_to_json (message);
  out = g_string_sized_new (64 + strlen (message_json));
  g_string_append (out, "{\"event\":\"message\"");
  append_member (out, "time");
  _td_json_append_int (out, time_ms);
  append_member (out, "bot");
  _td_json_append_string (out, bot_login);
  append_member (out, "message");
  g_string_append (out, message_json);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

char *
td_webhook_event_reminder (gint64           rid,
                           const char      *user,
                           TdReminderState  state,
                           gint64           until_ms,
                           gboolean         read,
                           const char      *idempotency_key,
                           gint64           time_ms)
{
  GString *out;

  g_return_val_if_fail (user != NULL, NULL);

  out = g_string_sized_new (160);
  g_string_append (out, "{\"event\":\"reminder\"");
  append_member (out, "time");
  _td_json_append_int (out, time_ms);
  append_member (out, "rid");
  _td_json_append_int (out, rid);
  append_member (out, "user");
  _td_json_append_string (out, user);
  append_member (out, "state");
  _td_json_append_string (out, td_reminder_state_to_string (state));
  /* "until" only means something while snoozed (protocol 12.2). */
  if (state == TD_REMINDER_SNOOZED && until_ms > 0)
    {
      append_member (out, "until");
      _td_json_append_int (out, until_ms);
    }
  append_member (out, "read");
  g_string_append (out, read ? "true" : "false");
  if (idempotency_key != NULL)
    {
      append_member (out, "idempotency_key");
      _td_json_append_string (out, idempotency_key);
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}
