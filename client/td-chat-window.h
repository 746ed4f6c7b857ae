/* td-chat-window.h - the conversation with one colleague or one group:
 * history, "… is typing", input, Send; for groups a menu with Members…,
 * Rename… and Leave Group.  One window per peer; the application keeps
 * track of them. */
#pragma once

#include <gtk/gtk.h>
#include "td-client.h"

G_BEGIN_DECLS

#define TD_TYPE_CHAT_WINDOW (td_chat_window_get_type ())
G_DECLARE_FINAL_TYPE (TdChatWindow, td_chat_window, TD, CHAT_WINDOW, GtkApplicationWindow)

TdChatWindow *td_chat_window_new          (GtkApplication *application,
                                           TdClient       *client,
                                           TdContact      *contact);
const char   *td_chat_window_get_peer     (TdChatWindow *self);
void          td_chat_window_focus_input  (TdChatWindow *self);
/* Sends what is in the input (as the Send button does); FALSE if there was
 * nothing but white space. */
gboolean      td_chat_window_send         (TdChatWindow *self);
/* For tests. */
GtkTextView  *td_chat_window_get_input    (TdChatWindow *self);
GtkListBox   *td_chat_window_get_history  (TdChatWindow *self);
/* "Bob is typing…" as shown, "" when nobody types. */
const char   *td_chat_window_get_typing_text (TdChatWindow *self);
/* The header bar's subtitle: presence, or "3 members" for a group. */
const char   *td_chat_window_get_subtitle (TdChatWindow *self);

G_END_DECLS
