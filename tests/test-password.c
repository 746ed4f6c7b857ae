/* test-password.c - password hashing, the capped async verifier, tokens
 * and password files. */
#define G_LOG_DOMAIN "test-password"

#include <string.h>
#include <glib/gstdio.h>

#include "td-password.h"
#include "td-password-private.h"
#include "td-test-util.h"

static void
test_hash_verify (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = td_password_hash ("open sesame", &error);
  g_autofree char *again = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (hash);
  g_assert_true (g_str_has_prefix (hash, "$argon2id$"));
  g_assert_null (strstr (hash, "open sesame"));

  g_assert_true (td_password_verify (hash, "open sesame"));
  g_assert_false (td_password_verify (hash, "open sesame "));
  g_assert_false (td_password_verify (hash, "Open sesame"));
  g_assert_false (td_password_verify (hash, ""));

  /* Salted: the same password never hashes the same way twice. */
  again = td_password_hash ("open sesame", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (hash, !=, again);
  g_assert_true (td_password_verify (again, "open sesame"));
}

static void
test_hash_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *long_password = g_strnfill (1025, 'x');
  g_autofree char *max_password = g_strnfill (1024, 'x');
  g_autofree char *hash = NULL;

  g_assert_null (td_password_hash ("", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Could never be sent in an auth frame. */
  g_assert_null (td_password_hash (long_password, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  hash = td_password_hash (max_password, &error);
  g_assert_no_error (error);
  g_assert_true (td_password_verify (hash, max_password));
}

static void
test_verify_bad_hash (void)
{
  /* Unknown user (dummy hash) and a corrupt stored hash both say no. */
  g_assert_false (td_password_verify (NULL, "anything"));
  g_assert_false (td_password_verify (NULL, ""));
  g_assert_false (td_password_verify ("not a hash", "anything"));
  g_assert_false (td_password_verify ("", "anything"));
}

typedef struct {
  guint    pending;
  gboolean done;
  int      results[16];   /* -1 error, 0 false, 1 true */
  GError  *errors[16];
} AsyncState;

typedef struct {
  AsyncState *state;
  guint       index;
} AsyncCall;

static void
verify_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  AsyncCall *call = user_data;
  AsyncState *state = call->state;
  GError *error = NULL;
  gboolean ok = td_password_verify_finish (result, &error);

  g_assert_null (source);
  state->results[call->index] = error != NULL ? -1 : ok;
  state->errors[call->index] = error;
  g_free (call);
  if (--state->pending == 0)
    state->done = TRUE;
}

static void
start_verify (AsyncState *state, guint index, const char *hash, const char *password,
              GCancellable *cancellable)
{
  AsyncCall *call = g_new0 (AsyncCall, 1);

  call->state = state;
  call->index = index;
  state->results[index] = -2;
  state->pending++;
  td_password_verify_async (hash, password, cancellable, verify_cb, call);
}

static void
test_verify_async (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = td_password_hash ("right", &error);
  AsyncState state = { 0 };
  const guint n = 8;

  g_assert_no_error (error);
  _td_password_reset_max_running ();

  /* More calls than threads: they must queue, and all complete. */
  for (guint i = 0; i < n; i++)
    {
      const char *password = i % 2 == 0 ? "right" : "wrong";
      start_verify (&state, i, i == 7 ? NULL : hash, password, NULL);
    }
  g_assert_true (td_test_wait_flag (&state.done, 60 * 1000));

  for (guint i = 0; i < n; i++)
    {
      g_assert_no_error (state.errors[i]);
      g_assert_cmpint (state.results[i], ==, i % 2 == 0 && i != 7 ? 1 : 0);
    }
  g_assert_cmpuint (_td_password_get_max_running (), >=, 1);
  g_assert_cmpuint (_td_password_get_max_running (), <=, TD_PASSWORD_MAX_CONCURRENT);
}

static void
test_verify_async_unknown_user (void)
{
  AsyncState state = { 0 };

  start_verify (&state, 0, NULL, "whatever", NULL);
  g_assert_true (td_test_wait_flag (&state.done, 60 * 1000));
  g_assert_no_error (state.errors[0]);
  g_assert_cmpint (state.results[0], ==, 0);
}

static void
test_verify_async_cancelled (void)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *hash = td_password_hash ("right", &error);
  AsyncState state = { 0 };

  g_assert_no_error (error);
  g_cancellable_cancel (cancellable);
  start_verify (&state, 0, hash, "right", cancellable);
  g_assert_true (td_test_wait_flag (&state.done, 60 * 1000));
  g_assert_cmpint (state.results[0], ==, -1);
  g_assert_error (state.errors[0], G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&state.errors[0]);
}

static void
test_token_format (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 200; i++)
    {
      char *token = td_token_generate ();

      g_assert_cmpuint (strlen (token), ==, 43);
      for (const char *p = token; *p; p++)
        g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
      g_assert_false (g_hash_table_contains (seen, token));
      g_hash_table_add (seen, token);
    }
}

static void
test_token_hash (void)
{
  /* BLAKE2b-256("abc"), RFC 7693 test vector family (unkeyed, 32 bytes). */
  static const char expected_abc[] =
    "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319";
  guint8 a[TD_TOKEN_HASH_LEN], b[TD_TOKEN_HASH_LEN], c[TD_TOKEN_HASH_LEN];
  g_autoptr(GString) hex = g_string_new (NULL);
  g_autofree char *token = td_token_generate ();

  td_token_hash ("abc", a);
  for (guint i = 0; i < TD_TOKEN_HASH_LEN; i++)
    g_string_append_printf (hex, "%02x", a[i]);
  g_assert_cmpstr (hex->str, ==, expected_abc);

  td_token_hash (token, a);
  td_token_hash (token, b);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  token[0] = token[0] == 'A' ? 'B' : 'A';
  td_token_hash (token, c);
  g_assert_true (memcmp (a, c, sizeof a) != 0);
}

static char *
write_temp (const char *dir, const char *name, const char *contents, gssize len)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (dir, name, NULL);

  g_file_set_contents (path, contents, len, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_read_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("td-password-XXXXXX", &error);
  g_autofree char *big = g_strnfill (4097, 'x');
  g_autofree char *just_fits = g_strnfill (4096, 'y');
  static const struct {
    const char *name;
    const char *contents;
    gssize      len;
    const char *expected;   /* NULL: must fail */
    const char *message;    /* part of the error message */
  } cases[] = {
    { "plain", "secret\n", -1, "secret", NULL },
    { "crlf", "secret\r\nsecond line\n", -1, "secret", NULL },
    { "no-newline", "secret", -1, "secret", NULL },
    { "spaces", "  two words  \n", -1, "  two words  ", NULL },
    { "utf8", "密码 pässword\n", -1, "密码 pässword", NULL },
    { "empty", "", 0, NULL, "empty" },
    { "empty-line", "\nsecret\n", -1, NULL, "empty" },
    { "cr-only", "\r\n", -1, NULL, "empty" },
    { "nul", "sec\0ret\n", 8, NULL, "UTF-8" },
    { "latin1", "p\xe4ssword\n", -1, NULL, "UTF-8" },
  };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_temp (dir, cases[i].name, cases[i].contents, cases[i].len);
      g_autofree char *password = td_password_read_file (path, &error);

      g_test_message ("case %s", cases[i].name);
      if (cases[i].expected != NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (password, ==, cases[i].expected);
        }
      else
        {
          g_assert_null (password);
          g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
          g_assert_nonnull (strstr (error->message, path));
          g_assert_nonnull (strstr (error->message, cases[i].message));
          g_clear_error (&error);
        }
      g_unlink (path);
    }

  /* Size limit: 4 KiB is accepted, one byte more is not. */
  {
    g_autofree char *path = write_temp (dir, "big", big, -1);
    g_autofree char *password = td_password_read_file (path, &error);

    g_assert_null (password);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    g_assert_nonnull (strstr (error->message, path));
    g_assert_nonnull (strstr (error->message, "4 KiB"));
    g_clear_error (&error);
    g_unlink (path);
  }
  {
    g_autofree char *path = write_temp (dir, "fits", just_fits, -1);
    g_autofree char *password = td_password_read_file (path, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (password, ==, just_fits);
    g_unlink (path);
  }

  /* A missing file is named in the error. */
  {
    g_autofree char *path = g_build_filename (dir, "missing", NULL);
    g_autofree char *password = td_password_read_file (path, &error);

    g_assert_null (password);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, path));
    g_clear_error (&error);
  }

  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;

  g_test_init (&argc, &argv, NULL);
  if (!td_password_init (&error))
    g_error ("%s", error->message);

  g_test_add_func ("/password/hash-verify", test_hash_verify);
  g_test_add_func ("/password/hash-refused", test_hash_refused);
  g_test_add_func ("/password/verify-bad-hash", test_verify_bad_hash);
  g_test_add_func ("/password/verify-async", test_verify_async);
  g_test_add_func ("/password/verify-async-unknown-user", test_verify_async_unknown_user);
  g_test_add_func ("/password/verify-async-cancelled", test_verify_async_cancelled);
  g_test_add_func ("/password/token-format", test_token_format);
  g_test_add_func ("/password/token-hash", test_token_hash);
  g_test_add_func ("/password/read-file", test_read_file);
  return g_test_run ();
}
