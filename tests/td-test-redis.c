/* td-test-redis.c - a private redis-server for cluster tests (see
 * td-test-redis.h).
 *
 * The server is spawned directly (fork + exec through g_spawn, not
 * reaped by GLib) so that stopping it can wait with a deadline without a
 * main loop: waitpid (WNOHANG) in a bounded poll.
 */
#define G_LOG_DOMAIN "td-test-redis"

#include "td-test-redis.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <glib/gstdio.h>

#define START_TIMEOUT_S 20
#define STOP_TIMEOUT_S  10

struct _TdTestRedis {
  char    *dir;       /* temporary directory: server.log (and redis's cwd) */
  char    *log_path;
  char    *url;
  guint16  port;
  GPid     pid;       /* 0 when stopped */
};

/* Servers still running, killed at exit should a test forget one. */
static GMutex live_lock;
static GSList *live;

static void
kill_live_at_exit (void)
{
  g_mutex_lock (&live_lock);
  for (GSList *l = live; l != NULL; l = l->next)
    {
      TdTestRedis *self = l->data;

      if (self->pid > 0)
        {
          kill (self->pid, SIGKILL);
          waitpid (self->pid, NULL, 0);
          self->pid = 0;
        }
    }
  g_mutex_unlock (&live_lock);
}

static void
child_setup (gpointer data)
{
  /* Dies with the test process even if that is killed. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* A port the kernel just handed out on 127.0.0.1 (and took back). */
static guint16
free_port (void)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  guint16 port;

  g_assert_cmpint (fd, >=, 0);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) != 0 ||
      getsockname (fd, (struct sockaddr *) &addr, &len) != 0)
    g_error ("cannot find a free port: %s", g_strerror (errno));
  port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

static char *
log_tail (TdTestRedis *self)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (self->log_path, &contents, &len, NULL))
    return g_strdup ("(no log)");
  return g_strdup (len > 2000 ? contents + len - 2000 : contents);
}

/* TRUE if the server on @port answers PING with +PONG. */
static gboolean
answers_ping (guint16 port)
{
  struct sockaddr_in addr = { 0 };
  struct timeval timeout = { 1, 0 };
  char reply[16] = "";
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  gboolean ok = FALSE;

  if (fd < 0)
    return FALSE;
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = htons (port);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0 &&
      write (fd, "PING\r\n", 6) == 6 &&
      read (fd, reply, sizeof reply - 1) > 0)
    ok = g_str_has_prefix (reply, "+PONG");
  close (fd);
  return ok;
}

/* Reaps the server if it exited; TRUE if it is gone. */
static gboolean
reap (TdTestRedis *self)
{
  pid_t pid;

  if (self->pid == 0)
    return TRUE;
  pid = waitpid (self->pid, NULL, WNOHANG);
  if (pid == self->pid || (pid < 0 && errno == ECHILD))
    {
      self->pid = 0;
      return TRUE;
    }
  return FALSE;
}

/* Spawns redis-server on self->port; FALSE if it exited during start-up
 * (most likely: someone took the port in the meantime). */
static gboolean
spawn_server (TdTestRedis *self)
{
  g_autofree char *program = g_find_program_in_path ("redis-server");
  g_autofree char *port = g_strdup_printf ("%u", self->port);
  g_autoptr(GError) error = NULL;
  gint64 deadline;
  const char *argv[] = {
    program, "--bind", "127.0.0.1", "--port", port,
    "--save", "", "--appendonly", "no",
    "--daemonize", "no", "--dir", self->dir, "--logfile", self->log_path,
    /* A test may kill the test process; nothing else to protect here. */
    "--protected-mode", "no",
    NULL
  };

  if (program == NULL)
    g_error ("redis-server is not installed (build-aux/install-deps.sh installs it)");
  g_unlink (self->log_path);
  if (!g_spawn_async (NULL, (char **) argv, NULL,
                      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                      child_setup, NULL, &self->pid, &error))
    g_error ("cannot start redis-server: %s", error->message);

  deadline = g_get_monotonic_time () + START_TIMEOUT_S * G_USEC_PER_SEC;
  while (!answers_ping (self->port))
    {
      if (reap (self))
        return FALSE;
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *tail = log_tail (self);

          g_error ("redis-server did not answer on port %u within %d s:\n%s",
                   self->port, START_TIMEOUT_S, tail);
        }
      g_usleep (20 * 1000);
    }
  return TRUE;
}

TdTestRedis *
td_test_redis_start (void)
{
  g_autoptr(GError) error = NULL;
  TdTestRedis *self = g_new0 (TdTestRedis, 1);
  static gsize registered;

  self->dir = g_dir_make_tmp ("tidings-redis-XXXXXX", &error);
  g_assert_no_error (error);
  self->log_path = g_build_filename (self->dir, "server.log", NULL);
  if (g_once_init_enter (&registered))
    {
      atexit (kill_live_at_exit);
      g_once_init_leave (&registered, 1);
    }

  /* The port is free when chosen, but another process may take it before
   * redis binds it: try a few. */
  for (guint attempt = 0; ; attempt++)
    {
      self->port = free_port ();
      if (spawn_server (self))
        break;
      if (attempt == 4)
        {
          g_autofree char *tail = log_tail (self);

          g_error ("redis-server exited during start-up:\n%s", tail);
        }
    }
  self->url = g_strdup_printf ("redis://127.0.0.1:%u", self->port);

  g_mutex_lock (&live_lock);
  live = g_slist_prepend (live, self);
  g_mutex_unlock (&live_lock);
  return self;
}

const char *
td_test_redis_get_url (TdTestRedis *self)
{
  return self->url;
}

guint16
td_test_redis_get_port (TdTestRedis *self)
{
  return self->port;
}

gboolean
td_test_redis_is_running (TdTestRedis *self)
{
  return !reap (self);
}

void
td_test_redis_stop (TdTestRedis *self)
{
  gint64 deadline;

  if (reap (self))
    return;
  kill (self->pid, SIGTERM);
  deadline = g_get_monotonic_time () + STOP_TIMEOUT_S * G_USEC_PER_SEC;
  while (!reap (self))
    {
      if (g_get_monotonic_time () > deadline)
        {
          kill (self->pid, SIGKILL);
          waitpid (self->pid, NULL, 0);
          self->pid = 0;
          break;
        }
      g_usleep (10 * 1000);
    }
}

void
td_test_redis_restart (TdTestRedis *self)
{
  td_test_redis_stop (self);
  /* Same port: the nodes reconnect to the URL they know.  The old
   * listening socket is closed with the process, so the bind succeeds
   * (redis sets SO_REUSEADDR); a few tries cover a slow kernel. */
  for (guint attempt = 0; !spawn_server (self); attempt++)
    {
      if (attempt == 4)
        {
          g_autofree char *tail = log_tail (self);

          g_error ("redis-server did not start again on port %u:\n%s", self->port, tail);
        }
      g_usleep (200 * 1000);
    }
}

void
td_test_redis_free (TdTestRedis *self)
{
  td_test_redis_stop (self);
  g_mutex_lock (&live_lock);
  live = g_slist_remove (live, self);
  g_mutex_unlock (&live_lock);
  g_unlink (self->log_path);
  g_rmdir (self->dir);
  g_free (self->dir);
  g_free (self->log_path);
  g_free (self->url);
  g_free (self);
}
