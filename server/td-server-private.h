/* td-server-private.h - TdServer internals shared with td-session.c. */
#pragma once

#include <libsoup/soup.h>

#include "td-backplane.h"
#include "td-server.h"
#include "td-session.h"
#include "td-store-worker.h"
#include "td-transport.h"
#include "td-roster.h"
#include "td-webhooks.h"

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
/* Presence changes are collected this long and then told to everyone in
 * one frame: with one frame per change, N people logging in cost N²
 * frames; batched, a login storm costs one frame per online session per
 * window.  A quarter second is below what people notice as a delay in a
 * contact turning green, and long enough to batch a burst of logins. */
#define TD_SERVER_PRESENCE_DELAY_MS 250
/* ...plus 1 ms per this many people online.  Each window costs one send
 * to every online session: at 10,000 online, four windows a second were
 * 40,000 sends/s and most of the server's CPU during a login storm (perf:
 * sendmsg, copies into wslay, wakeups).  With 10,000 online the window is
 * 1.25 s: about 8,000 sends/s, and a contact turns green within ~1 s. */
#define TD_SERVER_PRESENCE_DELAY_PER_MS 10
/* Logins per presence frame: (64 + 3) bytes x 100,000 = 6.7 MB stays
 * under TD_PROTO_MAX_SERVER_FRAME even with the longest logins. */
#define TD_SERVER_PRESENCE_CHUNK    100000

struct _TdServer
{
  GObject        parent_instance;

  TdConfig      *config;
  TdStore       *store;
  TdStoreWorker *worker;
  TdTransport   *transport;
  SoupServer    *http;
  TdRoster      *roster;
  TdWebhooks    *webhooks;       /* outgoing webhook dispatcher (td-webhooks.c) */
  /* With --redis: the cluster connection (td-backplane.c), else NULL and
   * nothing below the sessions knows about other nodes. */
  TdBackplane   *backplane;
  /* Group memberships of ad-hoc and department groups, for fan-out of
   * typing and receipts without a store round trip: gint64* id ->
   * TdGroup* (td-push.c keeps it current). */
  GHashTable    *groups;
  gint64         pushed_rid;     /* highest reminder id pushed live (td-push.c) */
  guint          reminder_poll_id;

  GQueue         pending_auth;   /* TdSession*, oldest first */
  /* HTTP requests being read: SoupServerMessage* -> gint64* deadline
   * (monotonic µs); see reap_slow_requests() in td-server.c. */
  GHashTable    *reading;
  guint          slow_requests_closed;
  /* Throttles: failed password logins per client IP in the current
   * minute (char* -> FailWindow*) and per-user message token buckets
   * (login -> TokenBucket*); stale entries are pruned once a minute. */
  GHashTable    *failed_logins;
  GHashTable    *msg_buckets;
  gint64         last_prune;
  guint          sweep_id;
  guint          reload_id;
  gboolean       reload_running;
  /* Coalesced presence (td-server.c): people whose presence may have
   * changed since the last flush (TdRosterUser* set), the pending flush,
   * and the snapshot frames every login gets (GBytes*; NULL once a flush
   * changed what it says). */
  GHashTable    *presence_dirty;
  guint          presence_flush_id;
  GPtrArray     *presence_snapshot;
  guint16        port;
  gboolean       started;
  gboolean       stopping;
};

/* @user's presence on this node changed (first session, last session
 * closed, a new status): tells the other nodes and everybody logged in. */
void _td_server_broadcast_presence (TdServer *self, TdRosterUser *user);
/* What everybody logged in here should see of @user may have changed:
 * within one presence window (TD_SERVER_PRESENCE_DELAY_MS, longer with
 * many people online) one "presence" frame tells them
 * every such change that is real (differs from user->shown). */
void _td_server_show_presence      (TdServer *self, TdRosterUser *user);
/* The presence snapshot for a session that starts now (GBytes*, the first
 * with "snapshot":true; owned by the server, valid until the next flush). */
GPtrArray *_td_server_presence_snapshot (TdServer *self);
/* A session finished authenticating / was closed. */
void _td_server_session_authenticated (TdServer *self, TdSession *session);

/* Password logins from @address are refused unchecked for now; sets
 * *@retry_s to the seconds until they are allowed again. */
gboolean _td_server_login_throttled (TdServer *self, const char *address, guint *retry_s);
/* A password login from @address failed. */
void     _td_server_login_failed    (TdServer *self, const char *address);
/* Takes one message from @login's rate budget; FALSE if there is none. */
gboolean _td_server_take_message    (TdServer *self, const char *login);

/* ---- live delivery (td-push.c) ---- */

/* Loads the group cache and starts the reminder poll (reminders written by
 * tidingsctl are pushed to online people within a few seconds). */
void _td_server_push_start (TdServer *self);
void _td_server_push_stop  (TdServer *self);
/* Sends an encoded frame to every open session of @user but @except. */
void _td_server_send_to_user (TdServer *self, TdRosterUser *user, TdSession *except,
                              GBytes *frame);
/* Delivers a committed 1:1 message (the result of td_store_add_message)
 * to the recipient's devices and the sender's other devices. */
void _td_server_deliver_message (TdServer *self, TdSession *except,
                                 gint64 sender_id, gint64 recipient_id,
                                 const TdStoreSendResult *result);
/* Delivers a committed group message to every member's devices (and the
 * sender's other devices). */
void _td_server_deliver_group   (TdServer *self, TdSession *except, gint64 sender_id,
                                 const TdStoreGroupSendResult *result);
/* A group was created or changed: updates the cache and sends "group" to
 * every member's sessions (and removed:true to @removed logins). */
void _td_server_group_changed   (TdServer *self, TdGroup *group,
                                 const char * const *removed);
/* A group was deleted (its last member left). */
void _td_server_group_deleted   (TdServer *self, gint64 group_id,
                                 const char * const *removed);
/* Rereads every group after a directory reload: department groups follow
 * the directory, and their members are told with "group" frames. */
void _td_server_refresh_groups  (TdServer *self);
/* Cached group, or NULL (not a group / unknown). */
TdGroup *_td_server_lookup_group (TdServer *self, gint64 group_id);
/* A reminder was committed: pushes it (as each recipient sees it) to the
 * recipients' open sessions.  Reads the recipients from the store. */
void _td_server_push_reminder   (TdServer *self, gint64 rid);

/* ---- cluster (td-push.c) ---- */

/* An event another node published: delivers what it names to this node's
 * sessions (mailbox, frame), rereads a group, pushes a reminder, or
 * catches everyone up (resync).  Presence is handled in td-server.c. */
void _td_server_remote_event    (TdServer *self, const TdBackplaneEvent *event);
/* Every session here reads its mailbox from its delivered seq (events may
 * have been missed), and the group cache is reread quietly. */
void _td_server_catch_up_all    (TdServer *self);

G_END_DECLS
