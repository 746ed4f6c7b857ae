/* td-test-util.c - a real tidingsd for integration tests. */
#define G_LOG_DOMAIN "td-test"

#include "td-test-util.h"

#include <glib/gstdio.h>
#include <signal.h>

const char *
td_test_program (const char *name)
{
  const char *var = NULL;
  const char *path;

  if (g_str_equal (name, "tidingsd"))
    var = "TIDINGSD";
  else if (g_str_equal (name, "tidingsctl"))
    var = "TIDINGSCTL";
  else if (g_str_equal (name, "tidings-cli"))
    var = "TIDINGS_CLI";
  else
    return name;

  path = g_getenv (var);
  if (path == NULL)
    g_error ("%s is not set; run the tests through meson", var);
  return path;
}

char *
td_test_data_path (const char *name)
{
  const char *dir = g_getenv ("TD_TEST_DATA");

  if (dir == NULL)
    g_error ("TD_TEST_DATA is not set; run the tests through meson");
  return g_build_filename (dir, name, NULL);
}

typedef struct {
  gboolean done;
  GError  *error;
  char    *out;
  char    *err;
} RunState;

static void
communicate_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  RunState *state = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result,
                                        &state->out, &state->err, &state->error);
  state->done = TRUE;
}

int
td_test_run (const char * const *argv,
             const char         *stdin_text,
             guint               timeout_s,
             char              **out_stdout,
             char              **out_stderr)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  RunState state = { 0 };
  GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE;

  g_ptr_array_add (args, (gpointer) td_test_program (argv[0]));
  for (guint i = 1; argv[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);

  if (stdin_text != NULL)
    flags |= G_SUBPROCESS_FLAGS_STDIN_PIPE;

  proc = g_subprocess_newv ((const char * const *) args->pdata, flags, &error);
  g_assert_no_error (error);

  g_subprocess_communicate_utf8_async (proc, stdin_text, NULL, communicate_cb, &state);
  if (!td_test_wait_flag (&state.done, timeout_s * 1000))
    {
      g_subprocess_force_exit (proc);
      td_test_wait_flag (&state.done, 5000);
      g_free (state.out);
      g_free (state.err);
      g_clear_error (&state.error);
      return -1;
    }
  g_assert_no_error (state.error);

  if (out_stdout)
    *out_stdout = g_steal_pointer (&state.out);
  if (out_stderr)
    *out_stderr = g_steal_pointer (&state.err);
  g_free (state.out);
  g_free (state.err);

  if (!g_subprocess_get_if_exited (proc))
    return -1;
  return g_subprocess_get_exit_status (proc);
}

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *expired = user_data;
  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
td_test_wait_flag (const gboolean *flag, guint timeout_ms)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &expired);

  while (!*flag && !expired)
    g_main_context_iteration (NULL, TRUE);

  if (!expired)
    g_source_remove (id);
  return *flag;
}

static void
run_ok (const char * const *argv)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = td_test_run (argv, NULL, 60, &out, &err);

  if (status != 0)
    g_error ("%s %s failed (%d): %s%s", argv[0], argv[3] ? argv[3] : "", status, out, err);
}

TdTestServer *
td_test_server_new (const char * const *extra_args)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *directory = td_test_data_path ("directory.json");
  TdTestServer *self = g_new0 (TdTestServer, 1);

  self->data_dir = g_dir_make_tmp ("tidings-test-XXXXXX", &error);
  g_assert_no_error (error);
  self->password_file = g_build_filename (self->data_dir, "password.txt", NULL);
  self->port_file = g_build_filename (self->data_dir, "port", NULL);
  g_file_set_contents (self->password_file, TD_TEST_PASSWORD "\n", -1, &error);
  g_assert_no_error (error);
  self->extra_args = g_strdupv ((char **) extra_args);

  {
    const char *argv[] = { "tidingsctl", "--data-dir", self->data_dir, "import", directory,
                           "--default-password-file", self->password_file, NULL };
    run_ok (argv);
  }

  td_test_server_start (self);
  return self;
}

void
td_test_server_start (TdTestServer *self)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gint64 deadline;

  g_assert_null (self->proc);
  g_unlink (self->port_file);

  g_ptr_array_add (args, g_strdup (td_test_program ("tidingsd")));
  g_ptr_array_add (args, g_strdup ("--listen"));
  g_ptr_array_add (args, g_strdup ("127.0.0.1:0"));
  g_ptr_array_add (args, g_strdup ("--data-dir"));
  g_ptr_array_add (args, g_strdup (self->data_dir));
  g_ptr_array_add (args, g_strdup ("--port-file"));
  g_ptr_array_add (args, g_strdup (self->port_file));
  for (guint i = 0; self->extra_args && self->extra_args[i]; i++)
    g_ptr_array_add (args, g_strdup (self->extra_args[i]));
  g_ptr_array_add (args, NULL);

  /* stderr is inherited so the server's log lands in the test log. */
  self->proc = g_subprocess_newv ((const char * const *) args->pdata, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);

  /* The port file appears once the server listens (bounded wait). */
  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (!g_file_get_contents (self->port_file, &contents, NULL, NULL) ||
         !g_str_has_suffix (contents, "\n"))
    {
      g_clear_pointer (&contents, g_free);
      if (g_get_monotonic_time () > deadline)
        g_error ("tidingsd did not write %s within 15 s", self->port_file);
      if (g_subprocess_get_identifier (self->proc) == NULL)
        g_error ("tidingsd exited during start-up");
      g_usleep (20 * 1000);
    }

  self->port = (guint16) g_ascii_strtoull (contents, NULL, 10);
  g_assert_cmpuint (self->port, >, 0);
  g_free (self->http_url);
  g_free (self->ws_url);
  self->http_url = g_strdup_printf ("http://127.0.0.1:%u", self->port);
  self->ws_url = g_strdup_printf ("ws://127.0.0.1:%u/ws", self->port);
}

void
td_test_server_stop (TdTestServer *self)
{
  g_autoptr(GError) error = NULL;

  if (self->proc == NULL)
    return;
  g_subprocess_send_signal (self->proc, SIGTERM);
  g_subprocess_wait (self->proc, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (self->proc) || g_subprocess_get_exit_status (self->proc) != 0)
    g_error ("tidingsd did not exit cleanly after SIGTERM");
  g_clear_object (&self->proc);
}

void
td_test_server_kill (TdTestServer *self)
{
  if (self->proc == NULL)
    return;
  g_subprocess_force_exit (self->proc);
  g_subprocess_wait (self->proc, NULL, NULL);
  g_clear_object (&self->proc);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

void
td_test_server_free (TdTestServer *self)
{
  if (self->proc != NULL)
    td_test_server_kill (self);
  if (self->data_dir && g_getenv ("TD_TEST_KEEP") == NULL)
    remove_tree (self->data_dir);
  g_free (self->data_dir);
  g_free (self->password_file);
  g_free (self->port_file);
  g_free (self->http_url);
  g_free (self->ws_url);
  g_strfreev (self->extra_args);
  g_free (self);
}
