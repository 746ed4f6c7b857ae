/* td-password.c - argon2id password hashes and session tokens (libsodium).
 *
 * Verification is slow and memory hungry on purpose (64 MiB per hash), so
 * the async variant runs on a private pool of TD_PASSWORD_MAX_CONCURRENT
 * threads: a burst of logins waits in the pool's queue instead of
 * allocating gigabytes or starving the main loop.  GLib's shared GTask pool
 * is not used because its size is not ours to cap.
 */
#define G_LOG_DOMAIN "td-password"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>
#include <glib/gstdio.h>

#include "td-proto.h"
#include "td-password.h"
#include "td-password-private.h"

#define PASSWORD_FILE_MAX 4096

static GThreadPool *verify_pool;
static gint running;
static guint max_running;

guint
_td_password_get_max_running (void)
{
  return g_atomic_int_get (&max_running);
}

void
_td_password_reset_max_running (void)
{
  g_atomic_int_set (&max_running, 0);
}

gboolean
td_password_init (GError **error)
{
  if (sodium_init () < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                           "libsodium could not be initialised");
      return FALSE;
    }
  return TRUE;
}

char *
td_password_hash (const char *password, GError **error)
{
  char out[crypto_pwhash_STRBYTES];
  gsize len;

  g_return_val_if_fail (password != NULL, NULL);

  len = strlen (password);
  if (len == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "the password is empty");
      return NULL;
    }
  /* A longer password could never be sent in an "auth" frame. */
  if (len > TD_PROTO_MAX_PASSWORD)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "the password is longer than %d bytes", TD_PROTO_MAX_PASSWORD);
      return NULL;
    }

  if (crypto_pwhash_str (out, password, len,
                         crypto_pwhash_OPSLIMIT_INTERACTIVE,
                         crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                           "not enough memory to hash the password");
      return NULL;
    }
  return g_strdup (out);
}

/* Hash of a random password nobody knows, so that checking a password of
 * an unknown user costs as much as checking a wrong one. */
static const char *
get_dummy_hash (void)
{
  static gsize once = 0;
  static char dummy[crypto_pwhash_STRBYTES];

  if (g_once_init_enter (&once))
    {
      guint8 secret[32];
      char secret_b64[sodium_base64_ENCODED_LEN (32, sodium_base64_VARIANT_ORIGINAL)];

      randombytes_buf (secret, sizeof secret);
      sodium_bin2base64 (secret_b64, sizeof secret_b64, secret, sizeof secret,
                         sodium_base64_VARIANT_ORIGINAL);
      if (crypto_pwhash_str (dummy, secret_b64, strlen (secret_b64),
                             crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        g_error ("not enough memory to compute the dummy password hash");
      sodium_memzero (secret_b64, sizeof secret_b64);
      g_once_init_leave (&once, 1);
    }
  return dummy;
}

static gpointer
warm_up_thread (gpointer data)
{
  get_dummy_hash ();
  return NULL;
}

void
td_password_warm_up (void)
{
  g_thread_unref (g_thread_new ("td-dummy-hash", warm_up_thread, NULL));
}

gboolean
td_password_verify (const char *hash, const char *password)
{
  g_return_val_if_fail (password != NULL, FALSE);

  if (hash == NULL)
    {
      /* The result is meaningless; only the time spent matters. */
      if (crypto_pwhash_str_verify (get_dummy_hash (), password, strlen (password)) == 0)
        g_debug ("dummy hash matched");
      return FALSE;
    }
  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

typedef struct {
  char *hash;       /* NULL: unknown user */
  char *password;
} VerifyData;

static void
verify_data_free (VerifyData *data)
{
  g_free (data->hash);
  if (data->password != NULL)
    sodium_memzero (data->password, strlen (data->password));
  g_free (data->password);
  g_free (data);
}

static void
verify_thread (gpointer item, gpointer user_data)
{
  g_autoptr(GTask) task = item;
  VerifyData *data = g_task_get_task_data (task);
  gboolean ok;
  guint now;
  guint seen;

  if (g_task_return_error_if_cancelled (task))
    return;

  now = (guint) g_atomic_int_add (&running, 1) + 1;
  seen = g_atomic_int_get (&max_running);
  while (now > seen && !g_atomic_int_compare_and_exchange (&max_running, seen, now))
    seen = g_atomic_int_get (&max_running);

  ok = td_password_verify (data->hash, data->password);

  g_atomic_int_add (&running, -1);
  g_task_return_boolean (task, ok);
}

static GThreadPool *
get_verify_pool (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      g_autoptr(GError) error = NULL;

      /* Not exclusive: threads are spawned on demand, at most
       * TD_PASSWORD_MAX_CONCURRENT of them work for this pool at once. */
      verify_pool = g_thread_pool_new (verify_thread, NULL, TD_PASSWORD_MAX_CONCURRENT,
                                       FALSE, &error);
      if (verify_pool == NULL)
        g_error ("cannot create the password thread pool: %s", error->message);
      g_once_init_leave (&once, 1);
    }
  return verify_pool;
}

void
td_password_verify_async (const char         *hash,
                          const char         *password,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  VerifyData *data;

  g_return_if_fail (password != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_password_verify_async);
  data = g_new0 (VerifyData, 1);
  data->hash = g_strdup (hash);
  data->password = g_strdup (password);
  g_task_set_task_data (task, data, (GDestroyNotify) verify_data_free);

  /* The pool owns the reference until verify_thread() drops it. */
  g_thread_pool_push (get_verify_pool (), g_steal_pointer (&task), NULL);
}

gboolean
td_password_verify_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == td_password_verify_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Reads at most PASSWORD_FILE_MAX + 1 bytes so that an oversized file is
 * detected without reading all of it.  "-" is standard input. */
static GBytes *
read_head (const char *path, const char *name, GError **error)
{
  g_autofree guint8 *buf = g_malloc (PASSWORD_FILE_MAX + 1);
  gboolean is_stdin = g_str_equal (path, "-");
  gsize got = 0;
  int fd;

  fd = is_stdin ? 0 : g_open (path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "cannot open the password file %s: %s", name, g_strerror (saved_errno));
      return NULL;
    }

  while (got < PASSWORD_FILE_MAX + 1)
    {
      gssize n = read (fd, buf + got, PASSWORD_FILE_MAX + 1 - got);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       "cannot read the password file %s: %s", name, g_strerror (saved_errno));
          sodium_memzero (buf, PASSWORD_FILE_MAX + 1);
          if (!is_stdin)
            close (fd);
          return NULL;
        }
      if (n == 0)
        break;
      got += n;
    }
  if (!is_stdin)
    close (fd);
  return g_bytes_new_take (g_steal_pointer (&buf), got);
}

char *
td_password_read_file (const char *path, GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  const char *name;
  const char *data;
  const char *nl;
  gsize size;
  gsize len;
  g_autofree char *password = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  name = g_str_equal (path, "-") ? "standard input" : path;
  bytes = read_head (path, name, error);
  if (bytes == NULL)
    return NULL;

  data = g_bytes_get_data (bytes, &size);
  if (size > PASSWORD_FILE_MAX)
    {
      sodium_memzero ((void *) data, size);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "password file %s is larger than 4 KiB; it should hold the password on its first line",
                   name);
      return NULL;
    }

  nl = data != NULL ? memchr (data, '\n', size) : NULL;
  len = nl != NULL ? (gsize) (nl - data) : size;
  if (len > 0 && data[len - 1] == '\r')
    len--;
  password = g_strndup (data, len);
  sodium_memzero ((void *) data, size);

  if (len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "password file %s: the first line is empty", name);
      return NULL;
    }
  if (strlen (password) != len || !g_utf8_validate (password, len, NULL))
    {
      sodium_memzero (password, len);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "password file %s: the password is not valid UTF-8 text", name);
      return NULL;
    }
  return g_steal_pointer (&password);
}

char *
td_token_generate (void)
{
  guint8 bin[32];
  char out[sodium_base64_ENCODED_LEN (32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];

  randombytes_buf (bin, sizeof bin);
  sodium_bin2base64 (out, sizeof out, bin, sizeof bin, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero (bin, sizeof bin);
  return g_strdup (out);
}

void
td_token_hash (const char *token, guint8 out[TD_TOKEN_HASH_LEN])
{
  g_return_if_fail (token != NULL);

  crypto_generichash (out, TD_TOKEN_HASH_LEN, (const guint8 *) token, strlen (token), NULL, 0);
}
