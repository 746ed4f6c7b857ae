/* td-test-pg.h - a private PostgreSQL cluster for tests.
 *
 * The first call starts, once per test process, a throw-away cluster:
 * initdb in a temporary directory, postgres listening on 127.0.0.1 on a
 * free port with its unix socket in that directory, fsync on.  As root
 * the server runs as the `postgres` user.  It is stopped and removed at
 * exit, and dies with the test process (PR_SET_PDEATHSIG).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Returns the libpq URI ("postgresql://…") of a new, empty database in
 * the private cluster, starting the cluster first if needed.  Aborts the
 * test (g_error) with the reason if the server binaries are missing or
 * the cluster does not come up within a bounded time. */
char *td_test_pg_new_database (void);
/* Stops the cluster (fast shutdown: clients are disconnected) and waits
 * for it to exit.  Databases survive: td_test_pg_start_again() brings
 * them back on the same port. */
void  td_test_pg_stop         (void);
void  td_test_pg_start_again  (void);
/* The port of the running cluster (0 if none was started). */
guint td_test_pg_port         (void);

G_END_DECLS
