/* td-fault-proxy.h - a TCP proxy that cuts connections at chosen points.
 *
 * There is no toxiproxy on Debian 12, and the faults that matter here are
 * precise ones: "the server committed and answered, but the answer never
 * reached the client".  The proxy runs on the test's main context between a
 * client and a real tidingsd on 127.0.0.1, forwards bytes both ways, and on
 * request drops both sides of a connection just before a chosen piece of
 * server output would reach the client (server-to-client WebSocket frames
 * are not masked, so their JSON can be matched as plain bytes).
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _TdFaultProxy TdFaultProxy;

/* Listens on 127.0.0.1 (kernel-chosen port) and forwards to
 * 127.0.0.1:@upstream_port. */
TdFaultProxy *td_fault_proxy_new          (guint16 upstream_port);
void          td_fault_proxy_free         (TdFaultProxy *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdFaultProxy, td_fault_proxy_free)

guint16       td_fault_proxy_get_port     (TdFaultProxy *self);
/* "ws://127.0.0.1:PORT/ws" */
const char   *td_fault_proxy_get_ws_url   (TdFaultProxy *self);
/* Points the proxy at another server port (after a restart). */
void          td_fault_proxy_set_upstream (TdFaultProxy *self, guint16 upstream_port);

/* The next time a chunk of server output holds @needle, that chunk is
 * dropped and the connection it was on is cut (both sides closed).  Once:
 * the rule is removed when it fires.  Replaces an earlier rule. */
void          td_fault_proxy_cut_on       (TdFaultProxy *self, const char *needle);
/* Closes every connection now. */
void          td_fault_proxy_cut_all      (TdFaultProxy *self);
/* How many connections a rule or cut_all has cut so far. */
guint         td_fault_proxy_get_cuts     (TdFaultProxy *self);
/* Connections accepted so far. */
guint         td_fault_proxy_get_accepted (TdFaultProxy *self);

G_END_DECLS
