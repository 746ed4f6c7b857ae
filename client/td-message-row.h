/* td-message-row.h - one message in a chat window: sender, time, the text
 * (selectable, links clickable) and, for own messages, the delivery state
 * ("Sent", then "Read" in 1:1 or "Read by N" in groups). */
#pragma once

#include <gtk/gtk.h>
#include "td-chat-message.h"

G_BEGIN_DECLS

#define TD_TYPE_MESSAGE_ROW (td_message_row_get_type ())
G_DECLARE_FINAL_TYPE (TdMessageRow, td_message_row, TD, MESSAGE_ROW, GtkListBoxRow)

GtkWidget     *td_message_row_new          (TdChatMessage *message,
                                            const char    *sender_name);
TdChatMessage *td_message_row_get_message  (TdMessageRow *self);
/* The state text as shown ("" for received messages; for tests). */
const char    *td_message_row_get_state_text (TdMessageRow *self);
/* The sender as shown (for tests). */
const char    *td_message_row_get_sender   (TdMessageRow *self);
/* Pango markup for @text: every piece escaped, http(s):// and www. links
 * as <a href>.  Public for tests. */
char          *td_message_row_text_markup  (const char *text);
/* "HH:MM" today, "YYYY-MM-DD HH:MM" otherwise (local time). */
char          *td_message_row_format_time  (gint64 time_ms);

G_END_DECLS
