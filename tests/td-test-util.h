/* td-test-util.h - helpers shared by the integration tests: a real tidingsd
 * on a free loopback port with a private data directory, and bounded waits.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Password of every user in tests/data/directory.json once
 * td_test_server_new() has set it up. */
#define TD_TEST_PASSWORD "correct horse battery staple"

typedef struct {
  GSubprocess *proc;
  char        *data_dir;      /* private temporary directory, removed by _free */
  char        *password_file; /* file holding TD_TEST_PASSWORD */
  char        *port_file;
  guint16      port;
  char        *http_url;      /* http://127.0.0.1:PORT */
  char        *ws_url;        /* ws://127.0.0.1:PORT/ws */
  char       **extra_args;    /* kept for restarts */
} TdTestServer;

/* Creates a data directory, imports tests/data/directory.json with
 * tidingsctl (every user gets TD_TEST_PASSWORD) and starts tidingsd on
 * 127.0.0.1 with a kernel-chosen port.  @extra_args: NULL-terminated extra
 * tidingsd arguments, or NULL.  Aborts the test on failure. */
TdTestServer *td_test_server_new     (const char * const *extra_args);
/* Starts tidingsd again on the same data directory (new port). */
void          td_test_server_start   (TdTestServer *self);
/* SIGTERM and wait (bounded); asserts a clean exit status. */
void          td_test_server_stop    (TdTestServer *self);
/* SIGKILL and wait. */
void          td_test_server_kill    (TdTestServer *self);
void          td_test_server_free    (TdTestServer *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdTestServer, td_test_server_free)

/* Runs a program (argv[0] may be "tidingsctl", "tidingsd" or "tidings-cli",
 * resolved from the environment set by tests/meson.build), waits at most
 * @timeout_s, stores its stdout / stderr (either may be NULL) and returns the
 * exit status (-1 if it was killed by a signal or timed out). */
int           td_test_run            (const char * const *argv,
                                      const char         *stdin_text,
                                      guint               timeout_s,
                                      char              **out_stdout,
                                      char              **out_stderr);

/* Iterates the default main context until *@flag is TRUE or @timeout_ms
 * passes.  Returns *@flag. */
gboolean      td_test_wait_flag      (const gboolean *flag, guint timeout_ms);

/* Path of a program named by an environment variable (TIDINGSD...). */
const char   *td_test_program        (const char *name);
/* Path of a file under tests/data. */
char         *td_test_data_path      (const char *name);

G_END_DECLS
