/* td-secret.h - the remembered session token, kept in the Secret Service.
 *
 * Schema "org.tidings.Tidings.Token" with the attributes "server" and
 * "user".  Without a Secret Service (headless, no keyring) the token is kept
 * in memory for the life of the process, so the user is asked again after
 * a restart rather than finding a token in a plain file.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Stores @token for (@server, @user); never fails visibly. */
void   td_secret_store          (const char *server,
                                 const char *user,
                                 const char *token);
/* Looks the token up; the result is NULL (no error) when there is none or
 * no Secret Service. */
void   td_secret_lookup_async   (const char         *server,
                                 const char         *user,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data);
char  *td_secret_lookup_finish  (GAsyncResult *result,
                                 GError      **error);
/* Forgets the token (logout). */
void   td_secret_clear          (const char *server,
                                 const char *user);

G_END_DECLS
