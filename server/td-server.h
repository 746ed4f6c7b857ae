/* td-server.h - tidingsd: the store, the HTTP server, the WebSocket
 * transport and the sessions, tied together on the main loop. */
#pragma once

#include <glib-object.h>
#include "td-config.h"

G_BEGIN_DECLS

#define TD_TYPE_SERVER (td_server_get_type ())
G_DECLARE_FINAL_TYPE (TdServer, td_server, TD, SERVER, GObject)

/* Takes ownership of @config. */
TdServer *td_server_new               (TdConfig *config);
/* Opens the store (importing the configured directory file), starts the
 * store worker and listens.  Errors are fit to show the admin. */
gboolean  td_server_start             (TdServer *self, GError **error);
/* Stops accepting, closes every connection with 1001, commits what is
 * queued.  Idempotent. */
void      td_server_stop              (TdServer *self);
/* Rereads the directory from the store (SIGHUP). */
void      td_server_reload_directory  (TdServer *self);
/* Rereads the TLS certificate and key files (SIGHUP), for renewed
 * certificates.  Without TLS it does nothing.  On error the current
 * certificate stays. */
gboolean  td_server_reload_certificate (TdServer *self, GError **error);
guint16   td_server_get_port          (TdServer *self);

G_END_DECLS
