/* td-server-private.h - TdServer internals shared with td-session.c. */
#pragma once

#include <libsoup/soup.h>

#include "td-server.h"
#include "td-session.h"
#include "td-store-worker.h"
#include "td-transport.h"
#include "td-roster.h"

G_BEGIN_DECLS

/* Pending connections the kernel queues before accept(). */
#define TD_SERVER_LISTEN_BACKLOG    4096
/* Users per directory frame: keeps frames well under the client's limit. */
#define TD_SERVER_DIRECTORY_CHUNK   500
/* Messages fetched from the store per backlog page. */
#define TD_SERVER_BACKLOG_PAGE      500
/* A session pauses its backlog while this much waits in its send queue. */
#define TD_SERVER_BACKLOG_HIGH_WATER (256 * 1024)
/* Failed logins on one connection before it is closed. */
#define TD_SERVER_MAX_FAILED_AUTH   3
/* Bytes that may wait in one connection's send queue. */
#define TD_SERVER_MAX_OUTGOING      (8 * 1024 * 1024)

struct _TdServer
{
  GObject        parent_instance;

  TdConfig      *config;
  TdStore       *store;
  TdStoreWorker *worker;
  TdTransport   *transport;
  SoupServer    *http;
  TdRoster      *roster;

  GQueue         pending_auth;   /* TdSession*, oldest first */
  /* Throttles: failed password logins per client IP in the current
   * minute (char* -> FailWindow*) and per-user message token buckets
   * (login -> TokenBucket*); stale entries are pruned once a minute. */
  GHashTable    *failed_logins;
  GHashTable    *msg_buckets;
  gint64         last_prune;
  guint          sweep_id;
  guint          reload_id;
  gboolean       reload_running;
  guint16        port;
  gboolean       started;
  gboolean       stopping;
};

/* Tells everybody logged in that @user's presence changed. */
void _td_server_broadcast_presence (TdServer *self, TdRosterUser *user);
/* A session finished authenticating / was closed. */
void _td_server_session_authenticated (TdServer *self, TdSession *session);

/* Password logins from @address are refused unchecked for now; sets
 * *@retry_s to the seconds until they are allowed again. */
gboolean _td_server_login_throttled (TdServer *self, const char *address, guint *retry_s);
/* A password login from @address failed. */
void     _td_server_login_failed    (TdServer *self, const char *address);
/* Takes one message from @login's rate budget; FALSE if there is none. */
gboolean _td_server_take_message    (TdServer *self, const char *login);

G_END_DECLS
