/* td-client-private.h - what TdClient and TdConversation share. */
#pragma once

#include "td-client.h"

G_BEGIN_DECLS

/* TdConversation, for TdClient.  @initial: TdChatMessage*, oldest first;
 * @marks: TdReadMark* known for the conversation (nullable). */
TdConversation *_td_conversation_new            (TdClient *client, const char *peer,
                                                 GPtrArray *initial, GPtrArray *marks);
/* Raises @login's read mark (never lowers) and updates own messages. */
void            _td_conversation_set_read_mark  (TdConversation *self, const char *login,
                                                 gint64 mid);
/* Re-applies the marks (after an own message got its mid). */
void            _td_conversation_update_reads   (TdConversation *self);
/* @login is typing (shown as @name for 5 s) / stopped. */
void            _td_conversation_set_typing     (TdConversation *self, const char *login,
                                                 const char *name);
void            _td_conversation_stop_typing    (TdConversation *self, const char *login);
void            _td_conversation_append         (TdConversation *self, TdChatMessage *message);
gboolean        _td_conversation_contains       (TdConversation *self, const char *from,
                                                 const char *id);

/* TdClient, for TdConversation. */
GPtrArray      *_td_client_load_messages        (TdClient *self, const char *peer,
                                                 gint64 before_mid, guint limit);
gboolean        _td_client_is_online            (TdClient *self);
/* Asks the server for history, stores it in the cache; the result is
 * TdChatMessage*, oldest first. */
void            _td_client_fetch_history_async  (TdClient           *self,
                                                 const char         *peer,
                                                 gint64              before_mid,
                                                 guint               limit,
                                                 GCancellable       *cancellable,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
GPtrArray      *_td_client_fetch_history_finish (TdClient     *self,
                                                 GAsyncResult *result,
                                                 gboolean     *out_more,
                                                 GError      **error);

G_END_DECLS
