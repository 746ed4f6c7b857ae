/* td-test-pg.c - a private PostgreSQL cluster for tests (see td-test-pg.h).
 *
 * The cluster is real (no mock): PostgreSQL 15 from the Debian packages,
 * with its default durability (fsync on).  initdb and postgres refuse to
 * run as root, so as root both run as the `postgres` user: the child
 * drops its groups, gid and uid between fork and exec.  Every wait is
 * bounded and ends in g_error() with the tail of the server log.
 */
#define G_LOG_DOMAIN "td-test-pg"

#include "td-test-pg.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <libpq-fe.h>

#define PG_SUPERUSER     "tidings"
#define START_TIMEOUT_S  60
#define STOP_TIMEOUT_S   30

typedef struct {
  char   *bindir;
  char   *dir;        /* temporary directory: data/, sock/, server.log */
  char   *data_dir;
  char   *sock_dir;
  char   *log_path;
  guint16 port;
  GPid    pid;        /* 0 when stopped */
  uid_t   uid;        /* user the server runs as */
  gid_t   gid;
  gboolean drop_privileges;
  guint   next_db;
} Cluster;

static GMutex cluster_lock;
static Cluster *cluster;

static void
child_setup (gpointer data)
{
  Cluster *c = data;

  if (c->drop_privileges)
    {
      if (setgroups (0, NULL) != 0 || setgid (c->gid) != 0 || setuid (c->uid) != 0)
        _exit (127);
    }
  /* Dies with the test process even if it is killed.  Set after the
   * change of user, which clears the parent-death signal. */
  prctl (PR_SET_PDEATHSIG, SIGQUIT);
}

static char *
find_bindir (void)
{
  const char *env = g_getenv ("TD_PG_BINDIR");
  g_autofree char *out = NULL;
  const char *candidates[] = { "/usr/lib/postgresql/15/bin", NULL };

  if (env != NULL)
    return g_strdup (env);

  if (g_spawn_command_line_sync ("pg_config --bindir", &out, NULL, NULL, NULL) && out != NULL)
    {
      g_autofree char *initdb = NULL;

      g_strstrip (out);
      initdb = g_build_filename (out, "initdb", NULL);
      if (g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&out);
    }

  for (guint i = 0; candidates[i] != NULL; i++)
    {
      g_autofree char *initdb = g_build_filename (candidates[i], "initdb", NULL);

      if (g_file_test (initdb, G_FILE_TEST_IS_EXECUTABLE))
        return g_strdup (candidates[i]);
    }

  g_error ("PostgreSQL server binaries (initdb, postgres) not found: install "
           "postgresql-15 (build-aux/install-deps.sh) or set TD_PG_BINDIR");
  return NULL;
}

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
  g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
  port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

static char *
log_tail (Cluster *c)
{
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!g_file_get_contents (c->log_path, &text, &len, NULL))
    return g_strdup ("(no server log)");
  return g_strdup (len > 2000 ? text + len - 2000 : text);
}

/* Runs argv as the cluster user, its output appended to the log;
 * waits for it. */
static void
run_sync (Cluster *c, const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (c->dir, (char **) argv, NULL, G_SPAWN_DEFAULT, child_setup, c,
                     &out, &err, &status, &error))
    g_error ("cannot run %s: %s", argv[0], error->message);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s failed (%s): %s%s", argv[0], error->message, out, err);
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

static char *
admin_conninfo (Cluster *c)
{
  return g_strdup_printf ("host=127.0.0.1 port=%u user=" PG_SUPERUSER " dbname=postgres "
                          "connect_timeout=2", c->port);
}

/* Waits until the server answers or its process is gone. */
static gboolean
wait_ready (Cluster *c)
{
  g_autofree char *conninfo = admin_conninfo (c);
  g_autofree char *tail = NULL;
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      int status = 0;

      if (PQping (conninfo) == PQPING_OK)
        return TRUE;
      if (waitpid (c->pid, &status, WNOHANG) == c->pid)
        {
          c->pid = 0;
          return FALSE;
        }
      g_usleep (50 * 1000);
    }

  tail = log_tail (c);
  g_error ("PostgreSQL did not accept connections within %d s; log:\n%s",
           START_TIMEOUT_S, tail);
  return FALSE;
}

static void
start_server (Cluster *c)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *postgres = g_build_filename (c->bindir, "postgres", NULL);
  g_autofree char *port = g_strdup_printf ("%u", c->port);
  const char *argv[] = {
    postgres, "-D", c->data_dir, "-k", c->sock_dir, "-h", "127.0.0.1", "-p", port,
    "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "max_connections=300",
    "-c", "logging_collector=off", "-c", "log_min_messages=warning",
    NULL
  };
  int log_fd;

  log_fd = g_open (c->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  g_assert_cmpint (log_fd, >=, 0);
  if (c->drop_privileges && fchown (log_fd, c->uid, c->gid) != 0)
    g_error ("cannot chown %s: %s", c->log_path, g_strerror (errno));

  /* Not reaped by GLib: stop_server () and wait_ready () wait for it. */
  if (!g_spawn_async_with_fds (c->dir, (char **) argv, NULL,
                               G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDIN_FROM_DEV_NULL,
                               child_setup, c, &c->pid, -1, log_fd, log_fd, &error))
    g_error ("cannot start %s: %s", postgres, error->message);
  close (log_fd);
}

static void
stop_server (Cluster *c)
{
  gint64 deadline;
  int status = 0;

  if (c->pid == 0)
    return;

  /* SIGINT is "fast shutdown": clients are disconnected, a checkpoint
   * is written.  SIGKILL only if that hangs. */
  kill (c->pid, SIGINT);
  deadline = g_get_monotonic_time () + STOP_TIMEOUT_S * G_USEC_PER_SEC;
  while (waitpid (c->pid, &status, WNOHANG) == 0)
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_warning ("PostgreSQL did not stop within %d s: killing it", STOP_TIMEOUT_S);
          kill (c->pid, SIGKILL);
          waitpid (c->pid, &status, 0);
          break;
        }
      g_usleep (20 * 1000);
    }
  c->pid = 0;
}

static void
cleanup_at_exit (void)
{
  g_mutex_lock (&cluster_lock);
  if (cluster != NULL)
    {
      stop_server (cluster);
      if (g_getenv ("TD_TEST_PG_KEEP") == NULL)
        remove_tree (cluster->dir);
    }
  g_mutex_unlock (&cluster_lock);
}

static Cluster *
cluster_new (void)
{
  g_autoptr(GError) error = NULL;
  Cluster *c = g_new0 (Cluster, 1);
  g_autofree char *initdb = NULL;

  c->bindir = find_bindir ();
  c->dir = g_dir_make_tmp ("td-pg-XXXXXX", &error);
  g_assert_no_error (error);
  c->data_dir = g_build_filename (c->dir, "data", NULL);
  c->sock_dir = g_build_filename (c->dir, "sock", NULL);
  c->log_path = g_build_filename (c->dir, "server.log", NULL);
  g_assert_cmpint (g_mkdir (c->sock_dir, 0700), ==, 0);

  c->uid = getuid ();
  c->gid = getgid ();
  if (geteuid () == 0)
    {
      struct passwd *pw = getpwnam ("postgres");

      if (pw == NULL)
        g_error ("running as root, but there is no `postgres` user to run the test "
                 "PostgreSQL server as (install postgresql-15)");
      c->uid = pw->pw_uid;
      c->gid = pw->pw_gid;
      c->drop_privileges = TRUE;
      /* The server must own its directories. */
      if (chown (c->dir, c->uid, c->gid) != 0 || chown (c->sock_dir, c->uid, c->gid) != 0)
        g_error ("cannot chown %s: %s", c->dir, g_strerror (errno));
    }

  /* --no-sync only skips initdb's own final flush of the fresh cluster;
   * the server below runs with fsync on. */
  initdb = g_build_filename (c->bindir, "initdb", NULL);
  {
    const char *argv[] = {
      initdb, "-D", c->data_dir, "-U", PG_SUPERUSER, "--auth=trust", "-E", "UTF8",
      "--no-locale", "--no-sync", NULL
    };

    run_sync (c, argv);
  }

  for (guint attempt = 0;; attempt++)
    {
      c->port = free_port ();
      start_server (c);
      if (wait_ready (c))
        break;
      /* The port may have been taken between free_port () and bind. */
      if (attempt == 3)
        {
          g_autofree char *tail = log_tail (c);

          g_error ("PostgreSQL exited during start-up; log:\n%s", tail);
        }
    }

  atexit (cleanup_at_exit);
  return c;
}

char *
td_test_pg_new_database (void)
{
  g_autofree char *conninfo = NULL;
  g_autofree char *name = NULL;
  g_autofree char *sql = NULL;
  PGconn *conn;
  PGresult *res;
  guint16 port;

  g_mutex_lock (&cluster_lock);
  if (cluster == NULL)
    cluster = cluster_new ();
  if (cluster->pid == 0)
    {
      g_mutex_unlock (&cluster_lock);
      g_error ("td_test_pg_new_database: the test cluster is stopped");
    }
  name = g_strdup_printf ("td_%d_%u", (int) getpid (), cluster->next_db++);
  conninfo = admin_conninfo (cluster);
  port = cluster->port;
  g_mutex_unlock (&cluster_lock);

  conn = PQconnectdb (conninfo);
  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("cannot connect to the test cluster: %s", PQerrorMessage (conn));
  sql = g_strdup_printf ("CREATE DATABASE %s", name);
  res = PQexec (conn, sql);
  if (PQresultStatus (res) != PGRES_COMMAND_OK)
    g_error ("cannot create database %s: %s", name, PQerrorMessage (conn));
  PQclear (res);
  PQfinish (conn);

  return g_strdup_printf ("postgresql://" PG_SUPERUSER "@127.0.0.1:%u/%s", port, name);
}

void
td_test_pg_stop (void)
{
  g_mutex_lock (&cluster_lock);
  g_assert_nonnull (cluster);
  stop_server (cluster);
  g_mutex_unlock (&cluster_lock);
}

void
td_test_pg_start_again (void)
{
  g_mutex_lock (&cluster_lock);
  g_assert_nonnull (cluster);
  if (cluster->pid == 0)
    {
      start_server (cluster);
      if (!wait_ready (cluster))
        {
          g_autofree char *tail = log_tail (cluster);

          g_mutex_unlock (&cluster_lock);
          g_error ("PostgreSQL did not start again on port %u; log:\n%s", cluster->port, tail);
        }
    }
  g_mutex_unlock (&cluster_lock);
}

guint
td_test_pg_port (void)
{
  guint port;

  g_mutex_lock (&cluster_lock);
  port = cluster != NULL ? cluster->port : 0;
  g_mutex_unlock (&cluster_lock);
  return port;
}
