/* td-test-util.c - a real tidingsd for integration tests. */
#define G_LOG_DOMAIN "td-test"

#include "td-test-util.h"
#include "td-test-pg.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>

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

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
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

gboolean
td_test_store_is_postgresql (void)
{
  return g_strcmp0 (g_getenv ("TD_TEST_STORE"), "postgresql") == 0;
}

TdTestServer *
td_test_server_new (const char * const *extra_args)
{
  return td_test_server_new_full (extra_args, NULL, NULL);
}

/* A data directory with the password file; the store (URL or the
 * SQLite file in the directory) is named but not opened yet. */
static TdTestServer *
server_new (const char                *store_url,
            const char * const        *extra_args,
            const char * const        *wrapper,
            const char * const        *env)
{
  g_autoptr(GError) error = NULL;
  TdTestServer *self = g_new0 (TdTestServer, 1);

  self->data_dir = g_dir_make_tmp ("tidings-test-XXXXXX", &error);
  g_assert_no_error (error);
  self->password_file = g_build_filename (self->data_dir, "password.txt", NULL);
  self->port_file = g_build_filename (self->data_dir, "port", NULL);
  g_file_set_contents (self->password_file, TD_TEST_PASSWORD "\n", -1, &error);
  g_assert_no_error (error);
  self->extra_args = g_strdupv ((char **) extra_args);
  self->wrapper = g_strdupv ((char **) wrapper);
  self->env = g_strdupv ((char **) env);
  self->store_url = g_strdup (store_url);
  if (self->store_url != NULL)
    {
      self->ctl_store_option = "--store";
      self->ctl_store_arg = self->store_url;
      /* tidingsctl calls of the test that name no store reach this one. */
      g_setenv ("TIDINGS_STORE", self->store_url, TRUE);
    }
  else
    {
      self->ctl_store_option = "--data-dir";
      self->ctl_store_arg = self->data_dir;
    }
  return self;
}

TdTestServer *
td_test_server_new_full (const char * const *extra_args,
                         const char * const *wrapper,
                         const char * const *env)
{
  g_autofree char *directory = td_test_data_path ("directory.json");
  g_autofree char *store_url = td_test_store_is_postgresql () ? td_test_pg_new_database () : NULL;
  TdTestServer *self = server_new (store_url, extra_args, wrapper, env);

  {
    const char *argv[] = { "tidingsctl", self->ctl_store_option, self->ctl_store_arg,
                           "import", directory,
                           "--default-password-file", self->password_file, NULL };
    run_ok (argv);
  }

  td_test_server_start (self);
  return self;
}

TdTestServer *
td_test_server_new_on_store (const char *store_url, const char * const *extra_args)
{
  TdTestServer *self = server_new (store_url, extra_args, NULL, NULL);

  td_test_server_start (self);
  return self;
}

static void
start_server (TdTestServer *self, guint16 port)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gint64 deadline;

  g_assert_null (self->proc);
  g_unlink (self->port_file);

  for (guint i = 0; self->wrapper && self->wrapper[i]; i++)
    g_ptr_array_add (args, g_strdup (self->wrapper[i]));
  g_ptr_array_add (args, g_strdup (td_test_program ("tidingsd")));
  g_ptr_array_add (args, g_strdup ("--listen"));
  g_ptr_array_add (args, g_strdup_printf ("127.0.0.1:%u", port));
  g_ptr_array_add (args, g_strdup ("--data-dir"));
  g_ptr_array_add (args, g_strdup (self->data_dir));
  if (self->store_url != NULL)
    {
      g_ptr_array_add (args, g_strdup ("--store"));
      g_ptr_array_add (args, g_strdup (self->store_url));
    }
  g_ptr_array_add (args, g_strdup ("--port-file"));
  g_ptr_array_add (args, g_strdup (self->port_file));
  for (guint i = 0; self->extra_args && self->extra_args[i]; i++)
    g_ptr_array_add (args, g_strdup (self->extra_args[i]));
  g_ptr_array_add (args, NULL);

  /* stderr is inherited so the server's log lands in the test log. */
  {
    g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);

    /* If the test aborts, its server must not outlive it (and keep the
     * test's output pipe open, hanging whoever reads it). */
    g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
    for (guint i = 0; self->env && self->env[i]; i++)
      {
        g_auto(GStrv) kv = g_strsplit (self->env[i], "=", 2);
        g_subprocess_launcher_setenv (launcher, kv[0], kv[1] ? kv[1] : "", TRUE);
      }
    self->proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  }
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
td_test_server_start (TdTestServer *self)
{
  start_server (self, 0);
}

void
td_test_server_start_on_same_port (TdTestServer *self)
{
  g_assert_cmpuint (self->port, >, 0);
  start_server (self, self->port);
}

/* The pid of the real tidingsd: the process itself, or the wrapper's
 * child.  0 if it is gone. */
static pid_t
server_pid (TdTestServer *self)
{
  const char *id = g_subprocess_get_identifier (self->proc);
  g_autofree char *path = NULL;
  g_autofree char *children = NULL;

  if (id == NULL)
    return 0;
  if (self->wrapper == NULL)
    return (pid_t) g_ascii_strtoll (id, NULL, 10);
  path = g_strdup_printf ("/proc/%s/task/%s/children", id, id);
  if (!g_file_get_contents (path, &children, NULL, NULL))
    return 0;
  return (pid_t) g_ascii_strtoll (children, NULL, 10);
}

static void
signal_server (TdTestServer *self, int signum)
{
  pid_t pid = server_pid (self);

  if (pid > 0)
    kill (pid, signum);
}

void
td_test_server_stop (TdTestServer *self)
{
  g_autoptr(GError) error = NULL;

  if (self->proc == NULL)
    return;
  signal_server (self, SIGTERM);
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
  signal_server (self, SIGKILL);
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
  g_strfreev (self->wrapper);
  g_strfreev (self->env);
  if (self->store_url != NULL && g_strcmp0 (g_getenv ("TIDINGS_STORE"), self->store_url) == 0)
    g_unsetenv ("TIDINGS_STORE");
  g_free (self->store_url);
  g_free (self);
}

/* ---- raw protocol client ---- */

GSocketConnection *
td_test_raw_handshake (guint16     port,
                       const char *extra_headers,
                       guint8     *buf,
                       gsize       size,
                       gsize      *filled,
                       guint      *status)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *request = NULL;
  char *end = NULL;

  g_socket_client_set_timeout (client, 5);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  request = g_strdup_printf ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: tidings.v1\r\n%s\r\n",
                             port, extra_headers ? extra_headers : "");
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), request,
                             strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);

  /* Read the answer up to the blank line. */
  *filled = 0;
  while (end == NULL)
    {
      gssize n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)),
                                      buf + *filled, size - 1 - *filled, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      *filled += n;
      buf[*filled] = 0;
      end = strstr ((char *) buf, "\r\n\r\n");
    }
  g_assert_true (g_str_has_prefix ((char *) buf, "HTTP/1.1 "));
  *status = (guint) g_ascii_strtoull ((char *) buf + 9, NULL, 10);
  *filled -= (end + 4 - (char *) buf);
  memmove (buf, end + 4, *filled);
  return g_steal_pointer (&conn);
}

void
td_test_raw_send (GSocketConnection *conn, guint8 opcode, const void *payload, gsize len)
{
  g_autoptr(GByteArray) frame = g_byte_array_sized_new (len + 14);
  g_autoptr(GError) error = NULL;
  const guint8 mask[4] = { 0x5a, 0x17, 0xc3, 0x88 };
  guint8 header[10];
  guint header_len;

  header[0] = 0x80 | opcode;
  if (len < 126)
    {
      header[1] = 0x80 | (guint8) len;
      header_len = 2;
    }
  else if (len <= G_MAXUINT16)
    {
      header[1] = 0x80 | 126;
      header[2] = (guint8) (len >> 8);
      header[3] = (guint8) len;
      header_len = 4;
    }
  else
    {
      header[1] = 0x80 | 127;
      for (guint i = 0; i < 8; i++)
        header[2 + i] = (guint8) ((guint64) len >> (56 - 8 * i));
      header_len = 10;
    }
  g_byte_array_append (frame, header, header_len);
  g_byte_array_append (frame, mask, 4);
  for (gsize i = 0; i < len; i++)
    {
      guint8 b = ((const guint8 *) payload)[i] ^ mask[i % 4];
      g_byte_array_append (frame, &b, 1);
    }
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                             frame->data, frame->len, NULL, NULL, &error);
  g_assert_no_error (error);
}

struct _TdTestWs {
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  GQueue                   incoming;  /* char* */
  gboolean                 closed;
  gushort                  close_code;
  TdFrame                  *welcome;
};

static void
ws_message_cb (SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer user_data)
{
  TdTestWs *self = user_data;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  g_queue_push_tail (&self->incoming, g_strndup (data, len));
}

static void
ws_closed_cb (SoupWebsocketConnection *ws, gpointer user_data)
{
  TdTestWs *self = user_data;

  self->close_code = soup_websocket_connection_get_close_code (ws);
  self->closed = TRUE;
}

typedef struct {
  gboolean                 done;
  SoupWebsocketConnection *ws;
  GError                  *error;
} ConnectState;

static void
ws_connect_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ConnectState *state = user_data;

  state->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &state->error);
  state->done = TRUE;
}

TdTestWs *
td_test_ws_connect (const char *ws_url)
{
  TdTestWs *self = g_new0 (TdTestWs, 1);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", ws_url);
  const char *protocols[] = { TD_PROTO_SUBPROTOCOL, NULL };
  ConnectState state = { 0 };

  self->session = soup_session_new ();
  soup_session_websocket_connect_async (self->session, msg, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, NULL, ws_connect_cb, &state);
  if (!td_test_wait_flag (&state.done, 10000))
    g_error ("WebSocket connect to %s timed out", ws_url);
  g_assert_no_error (state.error);
  self->ws = state.ws;
  g_object_set (self->ws, "max-incoming-payload-size", (guint64) TD_PROTO_MAX_SERVER_FRAME, NULL);
  g_queue_init (&self->incoming);
  g_signal_connect (self->ws, "message", G_CALLBACK (ws_message_cb), self);
  g_signal_connect (self->ws, "closed", G_CALLBACK (ws_closed_cb), self);
  return self;
}

void
td_test_ws_free (TdTestWs *self)
{
  if (self->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ws, self);
      if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->ws, 1000, NULL);
      g_object_unref (self->ws);
    }
  g_clear_pointer (&self->welcome, td_frame_unref);
  g_queue_clear_full (&self->incoming, g_free);
  g_clear_object (&self->session);
  g_free (self);
}

void
td_test_ws_send (TdTestWs *self, const char *text)
{
  soup_websocket_connection_send_text (self->ws, text);
}

void
td_test_ws_send_frame (TdTestWs *self, const TdFrame *frame)
{
  g_autofree char *text = td_frame_encode (frame, NULL);

  td_test_ws_send (self, text);
}

void
td_test_ws_send_data (TdTestWs *self, SoupWebsocketDataType type, const void *data, gsize len)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, len);

  soup_websocket_connection_send_message (self->ws, type, bytes);
}

typedef struct {
  TdTestWs *ws;
  gboolean  expired;
} RecvWait;

static gboolean
recv_timeout_cb (gpointer user_data)
{
  RecvWait *wait = user_data;

  wait->expired = TRUE;
  return G_SOURCE_REMOVE;
}

char *
td_test_ws_recv (TdTestWs *self, guint timeout_ms)
{
  RecvWait wait = { self, FALSE };
  guint id = 0;

  if (g_queue_is_empty (&self->incoming) && !self->closed)
    {
      id = g_timeout_add (timeout_ms, recv_timeout_cb, &wait);
      while (g_queue_is_empty (&self->incoming) && !self->closed && !wait.expired)
        g_main_context_iteration (NULL, TRUE);
      if (!wait.expired)
        g_source_remove (id);
    }
  return g_queue_pop_head (&self->incoming);
}

TdFrame *
td_test_ws_next (TdTestWs *self, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;
      TdFrame *frame;

      if (left <= 0)
        return NULL;
      text = td_test_ws_recv (self, (guint) left);
      if (text == NULL)
        return NULL;
      frame = td_frame_decode (text, strlen (text), TD_PROTO_MAX_SERVER_FRAME, NULL, &error);
      g_assert_no_error (error);
      if (td_frame_get_frame_type (frame) == TD_FRAME_PRESENCE)
        {
          td_frame_unref (frame);
          continue;
        }
      return frame;
    }
}

TdFrame *
td_test_ws_expect (TdTestWs *self, TdFrameType type, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      gint64 left = (deadline - g_get_monotonic_time ()) / 1000;
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;
      TdFrame *frame;

      if (left <= 0)
        g_error ("no \"%s\" frame within %u ms", td_frame_type_to_string (type), timeout_ms);
      text = td_test_ws_recv (self, (guint) left);
      if (text == NULL)
        g_error ("no \"%s\" frame within %u ms (closed: %d, code %u)",
                 td_frame_type_to_string (type), timeout_ms, self->closed, self->close_code);
      frame = td_frame_decode (text, strlen (text), TD_PROTO_MAX_SERVER_FRAME, NULL, &error);
      g_assert_no_error (error);
      if (td_frame_get_frame_type (frame) == type)
        return frame;
      td_frame_unref (frame);
    }
}

gushort
td_test_ws_wait_closed (TdTestWs *self, guint timeout_ms)
{
  td_test_wait_flag (&self->closed, timeout_ms);
  return self->closed ? self->close_code : 0;
}

gboolean
td_test_ws_is_closed (TdTestWs *self)
{
  return self->closed;
}

GPtrArray *
td_test_ws_login (TdTestWs *self, const char *user, const char *device)
{
  g_autoptr(TdFrame) auth = td_frame_new_auth_password (user, TD_TEST_PASSWORD, device, "test");
  GPtrArray *backlog = g_ptr_array_new_with_free_func ((GDestroyNotify) td_message_unref);
  gboolean complete = FALSE;

  td_test_ws_send_frame (self, auth);
  g_clear_pointer (&self->welcome, td_frame_unref);
  self->welcome = td_test_ws_expect (self, TD_FRAME_WELCOME, 10000);

  for (;;)
    {
      g_autoptr(TdFrame) frame = td_test_ws_next (self, 10000);

      g_assert_nonnull (frame);
      switch (td_frame_get_frame_type (frame))
        {
        case TD_FRAME_DIRECTORY:
          g_assert_false (complete);
          complete = td_frame_get_complete (frame);
          break;
        case TD_FRAME_MESSAGE:
          g_assert_true (complete);
          g_ptr_array_add (backlog, td_message_ref (td_frame_get_message (frame)));
          break;
        case TD_FRAME_GROUPS:
        case TD_FRAME_REMINDERS:
          /* Between the directory and the backlog (protocol 12.5). */
          g_assert_true (complete);
          break;
        case TD_FRAME_SYNCED:
          g_assert_true (complete);
          return backlog;
        default:
          g_error ("unexpected \"%s\" frame during login",
                   td_frame_type_to_string (td_frame_get_frame_type (frame)));
        }
    }
}

TdFrame *
td_test_ws_get_welcome (TdTestWs *self)
{
  return self->welcome;
}

void
td_test_ws_ack (TdTestWs *self, gint64 seq)
{
  g_autoptr(TdFrame) ack = td_frame_new_ack (seq);

  td_test_ws_send_frame (self, ack);
}

TdFrame *
td_test_ws_send_message (TdTestWs *self, const char *id, const char *to, const char *text)
{
  g_autoptr(TdFrame) send = td_frame_new_send (id, id, to, text);

  td_test_ws_send_frame (self, send);
  for (;;)
    {
      TdFrame *frame = td_test_ws_next (self, 10000);

      if (frame == NULL)
        g_error ("no answer to send %s", id);
      if ((td_frame_get_frame_type (frame) == TD_FRAME_SENT ||
           td_frame_get_frame_type (frame) == TD_FRAME_ERROR) &&
          g_strcmp0 (td_frame_get_req (frame), id) == 0)
        return frame;
      td_frame_unref (frame);
    }
}
