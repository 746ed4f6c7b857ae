/* td-chat-message.h - one message in a conversation, as shown in a chat
 * window (GObject so that the state of an own message can change). */
#pragma once

#include <glib-object.h>
#include "td-proto.h"

G_BEGIN_DECLS

typedef enum {
  TD_CHAT_MESSAGE_RECEIVED,  /* from someone else */
  TD_CHAT_MESSAGE_SENDING,   /* own, in the outbox, not acknowledged */
  TD_CHAT_MESSAGE_SENT,      /* own, committed by the server */
  TD_CHAT_MESSAGE_DELIVERED, /* own, on at least one of the recipient's devices (later) */
  TD_CHAT_MESSAGE_FAILED,    /* own, refused by the server (e.g. unknown recipient) */
  TD_CHAT_MESSAGE_READ,      /* own, 1:1: the peer's read mark reached it (groups: see read-count) */
} TdChatMessageState;

#define TD_TYPE_CHAT_MESSAGE (td_chat_message_get_type ())
G_DECLARE_FINAL_TYPE (TdChatMessage, td_chat_message, TD, CHAT_MESSAGE, GObject)

/* Properties: "id", "mid" (int64, 0 while sending), "from", "to", "text",
 * "time" (int64 ms), "outgoing" (boolean), "state" (int, notify),
 * "peer" (string: the conversation it belongs to: the other person's
 * login, or the group address for group messages), "read-count" (uint,
 * notify: in a group, how many members other than oneself and the sender
 * have read it; 1:1: 1 once READ, else 0). */
TdChatMessage     *td_chat_message_new_from_proto (TdMessage *message, const char *self_login);
TdChatMessage     *td_chat_message_new_outgoing   (const char *id, const char *from, const char *to,
                                                   const char *text, gint64 time_ms);
const char        *td_chat_message_get_id       (TdChatMessage *self);
gint64             td_chat_message_get_mid      (TdChatMessage *self);
const char        *td_chat_message_get_from     (TdChatMessage *self);
const char        *td_chat_message_get_to       (TdChatMessage *self);
const char        *td_chat_message_get_text     (TdChatMessage *self);
gint64             td_chat_message_get_time     (TdChatMessage *self);
gboolean           td_chat_message_get_outgoing (TdChatMessage *self);
TdChatMessageState td_chat_message_get_state    (TdChatMessage *self);
const char        *td_chat_message_get_error    (TdChatMessage *self);  /* when FAILED */
const char        *td_chat_message_get_peer     (TdChatMessage *self);
guint              td_chat_message_get_read_count (TdChatMessage *self);
/* TRUE if the conversation is a group (the peer is "g:<id>"). */
gboolean           td_chat_message_is_group     (TdChatMessage *self);
/* Used by TdClient when the server acknowledges / refuses. */
void               td_chat_message_set_sent     (TdChatMessage *self, gint64 mid, gint64 time_ms);
void               td_chat_message_set_failed   (TdChatMessage *self, const char *error);
/* Used by TdConversation from read marks: an own committed message
 * becomes READ (never steps back); the read count only grows. */
void               td_chat_message_set_read     (TdChatMessage *self);
void               td_chat_message_set_read_count (TdChatMessage *self, guint count);

G_END_DECLS
