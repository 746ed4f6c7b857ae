/* td-password.h - password hashing and session tokens (libsodium).
 *
 * Passwords are hashed with argon2id (crypto_pwhash_str, INTERACTIVE
 * limits: 64 MiB and tens of milliseconds).  The async variants run on a
 * private thread pool of at most TD_PASSWORD_MAX_CONCURRENT threads, so a
 * login storm queues instead of exhausting memory and never blocks the main
 * loop.  Tokens are 32 random bytes, given to clients as unpadded base64url
 * and stored only as their BLAKE2b-256 hash.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TD_PASSWORD_MAX_CONCURRENT 2
#define TD_TOKEN_HASH_LEN 32

/* Must be called once before anything else (calls sodium_init). */
gboolean  td_password_init         (GError **error);

/* Synchronous (tidingsctl, tests). */
char     *td_password_hash         (const char *password, GError **error);
gboolean  td_password_verify       (const char *hash, const char *password);

/* Async on the capped pool.  A NULL @hash verifies against a fixed dummy
 * hash so that "unknown user" costs the same time as "wrong password". */
void      td_password_verify_async (const char         *hash,
                                    const char         *password,
                                    GCancellable       *cancellable,
                                    GAsyncReadyCallback callback,
                                    gpointer            user_data);
/* Returns TRUE if the password matches. */
gboolean  td_password_verify_finish (GAsyncResult *result, GError **error);

/* Reads a password from the first line of @path ("-" is standard input;
 * trailing newline and CR stripped).  Refuses empty passwords and files larger than 4 KiB. */
char     *td_password_read_file    (const char *path, GError **error);

/* A new random token (43 characters of base64url). */
char     *td_token_generate        (void);
/* BLAKE2b-256 of @token into @out (TD_TOKEN_HASH_LEN bytes). */
void      td_token_hash            (const char *token, guint8 out[TD_TOKEN_HASH_LEN]);

/* Computes, on a thread of its own, the hash that unknown users' passwords
 * are checked against.  Without it the first login with an unknown name
 * would cost a second hash and stand out by its time (test-access prints
 * both times). */
void     td_password_warm_up       (void);

G_END_DECLS
