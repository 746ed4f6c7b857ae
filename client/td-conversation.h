/* td-conversation.h - the messages exchanged with one peer: a GListModel
 * of TdChatMessage, oldest first, backed by the local cache and paged from
 * the server's history as the user scrolls up. */
#pragma once

#include <gio/gio.h>
#include "td-chat-message.h"

G_BEGIN_DECLS

#define TD_TYPE_CONVERSATION (td_conversation_get_type ())
G_DECLARE_FINAL_TYPE (TdConversation, td_conversation, TD, CONVERSATION, GObject)

/* Properties: "peer" (login or group address), "loading" (boolean),
 * "has-more" (boolean: older messages may exist), "is-group" (boolean),
 * "typing" (string, notify: display names of the people typing in this
 * conversation right now, joined by ", "; "" if none.  Each name expires
 * 5 s after that person's last typing frame, or when a message from them
 * arrives). */
const char *td_conversation_get_peer     (TdConversation *self);
gboolean    td_conversation_get_is_group (TdConversation *self);
const char *td_conversation_get_typing   (TdConversation *self);
/* Property "typing-count" (uint, notified together with "typing"): how
 * many people "typing" names (for a plural form). */
guint       td_conversation_get_typing_count (TdConversation *self);
/* Highest mid @login has read in this conversation (0 = nothing known).
 * Kept from history replies' "reads" and live receipts. */
gint64      td_conversation_get_read_mark (TdConversation *self, const char *login);
gboolean    td_conversation_get_has_more (TdConversation *self);
gboolean    td_conversation_get_loading  (TdConversation *self);
/* Loads up to @count older messages (local cache first, then the server
 * when online); completes when they are in the model. */
void        td_conversation_load_older_async  (TdConversation     *self,
                                               guint               count,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
gboolean    td_conversation_load_older_finish (TdConversation *self,
                                               GAsyncResult   *result,
                                               GError        **error);

G_END_DECLS
