/* td-backplane.h - the Redis backplane that ties several tidingsd nodes
 * together (docs/architecture.md, "Several nodes").
 *
 * Two hiredis connections on the GLib main loop: a subscriber on the
 * channel `tidings:events` and a command connection (publishing, the
 * node's heartbeat key and presence hash, reading other nodes').  Pub/sub
 * only wakes nodes up: the store stays the source of truth, so whenever
 * the subscriber (re)connects the owner is told to catch every session up
 * from the store.  Both connections are reopened with backoff when Redis
 * goes away; the node keeps serving its own clients meanwhile.
 *
 * Presence: every node keeps `tidings:node:<id>` (EX 10, refreshed every
 * 3 s) and a hash `tidings:presence:<id>` (login -> "status time_ms", and
 * "#v" -> the version of the latest change).  Presence events carry the
 * same version, so a snapshot read on the command connection and events
 * arriving on the subscriber can be applied in either order.
 */
#pragma once

#include <glib-object.h>

#include "td-proto.h"

G_BEGIN_DECLS

typedef enum {
  TD_BACKPLANE_MAILBOX,   /* message committed: users[i] got it as seqs[i] */
  TD_BACKPLANE_FRAME,     /* an encoded frame for the sessions of users[] */
  TD_BACKPLANE_PRESENCE,  /* login's presence on the origin node */
  TD_BACKPLANE_GROUPS,    /* group id changed or was deleted: reread it */
  TD_BACKPLANE_REMINDER,  /* reminder id committed: push it */
  TD_BACKPLANE_HELLO,     /* the origin (re)joined: read its presence hash */
  TD_BACKPLANE_BYE,       /* the origin is shutting down cleanly */
  TD_BACKPLANE_RESYNC,    /* the origin may have failed to publish: catch up */
} TdBackplaneKind;

typedef struct {
  TdBackplaneKind kind;
  char       *node;     /* origin node id (set by decode; publish fills it in) */
  TdMessage  *message;  /* mailbox: the message (its seq is not used) */
  GArray     *users;    /* gint64: mailbox owners / frame recipients */
  GArray     *seqs;     /* gint64: mailbox: seq in users[i]'s mailbox */
  GBytes     *frame;    /* frame: encoded, sent as is */
  char       *login;    /* presence */
  TdPresence  status;   /* presence */
  gint64      time_ms;  /* presence: when it changed (real time) */
  gint64      version;  /* presence: the origin's change counter */
  gint64      id;       /* groups: group id; reminder: rid */
} TdBackplaneEvent;

TdBackplaneEvent *td_backplane_event_new    (TdBackplaneKind kind);
void              td_backplane_event_free   (TdBackplaneEvent *event);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdBackplaneEvent, td_backplane_event_free)
/* Compact JSON with "node" = @node. */
char             *td_backplane_event_encode (const TdBackplaneEvent *event,
                                             const char             *node,
                                             gsize                  *out_len);
/* Strict: unknown kinds, missing or mistyped members fail. */
TdBackplaneEvent *td_backplane_event_decode (const char *data,
                                             gsize       len,
                                             GError    **error);

/* One user's presence on another node, as handed to node_presence. */
typedef struct {
  TdPresence status;
  gint64     time_ms;
} TdBackplanePresence;

#define TD_TYPE_BACKPLANE (td_backplane_get_type ())
G_DECLARE_FINAL_TYPE (TdBackplane, td_backplane, TD, BACKPLANE, GObject)

typedef struct {
  /* Subscribed (again): anything published while this node was not
   * listening is lost, so every session must catch up from the store. */
  void (*connected)     (TdBackplane *bp, gpointer user_data);
  /* Lost Redis; connected will follow when it is back.  May be NULL. */
  void (*disconnected)  (TdBackplane *bp, gpointer user_data);
  /* An event from another node (mailbox, frame, presence, groups,
   * reminder, resync).  Presence events arrive here in version order. */
  void (*event)         (TdBackplane *bp, const TdBackplaneEvent *event, gpointer user_data);
  /* Everything known about @node's users is replaced by @entries
   * (login -> TdBackplanePresence*); @entries NULL: the node is gone
   * (@died: its heartbeat expired; otherwise it said goodbye). */
  void (*node_presence) (TdBackplane *bp, const char *node, GHashTable *entries,
                         gboolean died, gpointer user_data);
} TdBackplaneCallbacks;

/* Parses @url (redis://HOST[:PORT][/DB]); connects only at _start(). */
TdBackplane *td_backplane_new        (const char                 *url,
                                      const char                 *node_id,
                                      const TdBackplaneCallbacks *callbacks,
                                      gpointer                    user_data,
                                      GError                    **error);
void         td_backplane_start      (TdBackplane *self);
/* Leaves the cluster: deletes this node's keys and says goodbye (with a
 * short blocking connection, bounded by 1 s), then disconnects. */
void         td_backplane_stop       (TdBackplane *self);
/* Publishes @event tagged with this node; dropped (and remembered, so a
 * resync follows the reconnect) while Redis is unreachable. */
void         td_backplane_publish    (TdBackplane *self, TdBackplaneEvent *event);
/* This node's presence of @login (OFFLINE: no session here any more). */
void         td_backplane_set_presence (TdBackplane *self, const char *login,
                                        TdPresence status, gint64 time_ms);
/* Reads every live node's presence hash again at the next heartbeat
 * (people added to the directory since the last reading). */
void         td_backplane_reload_nodes (TdBackplane *self);
const char  *td_backplane_get_node_id  (TdBackplane *self);
/* "redis://HOST:PORT/DB", for logs and health. */
const char  *td_backplane_get_url      (TdBackplane *self);
gboolean     td_backplane_is_connected (TdBackplane *self);
guint64      td_backplane_get_events_in  (TdBackplane *self);
guint64      td_backplane_get_events_out (TdBackplane *self);
/* Other nodes currently considered alive. */
guint        td_backplane_get_n_nodes    (TdBackplane *self);

G_END_DECLS
