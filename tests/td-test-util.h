/* td-test-util.h - helpers shared by the integration tests: a real tidingsd
 * on a free loopback port with a private data directory (and, with
 * TD_TEST_STORE=postgresql in the environment, its own fresh PostgreSQL
 * database), and bounded waits.
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
  char       **wrapper;       /* argv prefix (e.g. strace ... --), or NULL */
  char       **env;           /* extra KEY=VALUE for tidingsd, or NULL */
  char        *store_url;     /* postgresql://... of its database, or NULL: SQLite in data_dir */
  /* How tidingsctl reaches this server's store: "--store" and store_url,
   * or "--data-dir" and data_dir.  Tests put both after "tidingsctl". */
  const char  *ctl_store_option;
  const char  *ctl_store_arg;
} TdTestServer;

/* TRUE when the suite runs on PostgreSQL (TD_TEST_STORE=postgresql). */
gboolean      td_test_store_is_postgresql (void);

/* Creates a data directory, imports tests/data/directory.json with
 * tidingsctl (every user gets TD_TEST_PASSWORD) and starts tidingsd on
 * 127.0.0.1 with a kernel-chosen port.  @extra_args: NULL-terminated extra
 * tidingsd arguments, or NULL.  Aborts the test on failure.
 * Under TD_TEST_STORE=postgresql the store is a new database of the
 * test process's private cluster (td-test-pg.h), and TIDINGS_STORE in the
 * test process's environment names it, so that tidingsctl reaches the
 * newest server's store without --data-dir. */
TdTestServer *td_test_server_new     (const char * const *extra_args);
/* Same, but tidingsd runs under @wrapper (an argv prefix such as
 * {"strace", "-f", "-o", FILE, "--", NULL}: the wrapper must run the
 * command as its child) with @env (KEY=VALUE) added to its environment.
 * Stopping and killing then signal the real tidingsd, not the wrapper. */
TdTestServer *td_test_server_new_full (const char * const *extra_args,
                                       const char * const *wrapper,
                                       const char * const *env);
/* Starts tidingsd on an existing store (PostgreSQL URL, or NULL for a
 * new empty SQLite data directory) without importing anything. */
TdTestServer *td_test_server_new_on_store (const char *store_url,
                                           const char * const *extra_args);
/* Starts tidingsd again on the same data directory (new port). */
void          td_test_server_start   (TdTestServer *self);
/* Starts tidingsd again on the same data directory and the same port as
 * before (clients reconnect to the URL they know). */
void          td_test_server_start_on_same_port (TdTestServer *self);
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

/* ---- raw WebSocket, for what a well-behaved library would not send ---- */

/* Connects to 127.0.0.1:@port, sends a WebSocket upgrade for /ws offering
 * tidings.v1 plus @extra_headers (each line ending in \r\n; NULL = none),
 * and reads the answer's head.  *@status is the HTTP status; whatever came
 * after the head is left in @buf (*@filled bytes). */
GSocketConnection *td_test_raw_handshake (guint16 port, const char *extra_headers,
                                          guint8 *buf, gsize size, gsize *filled,
                                          guint *status);
/* Writes one masked frame with FIN set (any payload length). */
void          td_test_raw_send       (GSocketConnection *conn, guint8 opcode,
                                      const void *payload, gsize len);

/* ---- a raw protocol client for precise tests ---- */
#include <libsoup/soup.h>
#include "td-proto.h"

typedef struct _TdTestWs TdTestWs;

/* Connects to @ws_url with subprotocol tidings.v1 (bounded wait; asserts). */
TdTestWs     *td_test_ws_connect     (const char *ws_url);
void          td_test_ws_free        (TdTestWs *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdTestWs, td_test_ws_free)
void          td_test_ws_send        (TdTestWs *self, const char *text);
void          td_test_ws_send_frame  (TdTestWs *self, const TdFrame *frame);
void          td_test_ws_send_data   (TdTestWs *self, SoupWebsocketDataType type,
                                      const void *data, gsize len);
/* Next text message, or NULL if none arrived within @timeout_ms or closed. */
char         *td_test_ws_recv        (TdTestWs *self, guint timeout_ms);
/* Next frame of @type, skipping others (presence, directory...); fails the
 * test on timeout. */
TdFrame      *td_test_ws_expect      (TdTestWs *self, TdFrameType type, guint timeout_ms);
/* Next frame of any type except presence; NULL on timeout. */
TdFrame      *td_test_ws_next        (TdTestWs *self, guint timeout_ms);
/* Waits until closed; returns the close code (0 on timeout). */
gushort       td_test_ws_wait_closed (TdTestWs *self, guint timeout_ms);
gboolean      td_test_ws_is_closed   (TdTestWs *self);
/* Logs in with TD_TEST_PASSWORD and reads up to "synced"; returns the
 * backlog messages (TdMessage*) that came before it. */
GPtrArray    *td_test_ws_login       (TdTestWs *self, const char *user, const char *device);
/* The welcome frame of the last td_test_ws_login(). */
TdFrame      *td_test_ws_get_welcome (TdTestWs *self);
/* Sends ack for @seq. */
void          td_test_ws_ack         (TdTestWs *self, gint64 seq);
/* Sends a message and waits for "sent"; returns the sent frame. */
TdFrame      *td_test_ws_send_message (TdTestWs *self, const char *id, const char *to,
                                       const char *text);
