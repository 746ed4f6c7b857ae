/* td-roster.h - the server's in-memory view of the directory: who exists,
 * which sessions each person has open, and their presence (here and, in a
 * cluster, on the other nodes).  Main thread only.  Entries are never freed while the server runs (a person removed
 * from the directory is marked so), which lets sessions keep plain
 * pointers to them. */
#pragma once

#include "td-proto.h"
#include "td-store.h"

G_BEGIN_DECLS

typedef struct _TdSession TdSession;

typedef struct {
  gint64      id;
  char       *login;
  char       *name;
  char       *department;
  char       *title;
  gboolean    admin;
  gboolean    bot;          /* role "bot": an account driven by an API key */
  gboolean    disabled;     /* disabled or removed from the directory */
  TdPresence  status;       /* chosen by the latest device; meaningful while online */
  gint64      status_time;  /* real ms of the latest change of status on this node */
  GPtrArray  *sessions;     /* TdSession*, authenticated and open */
  /* Other nodes of a cluster where this person is connected: node id ->
   * TdRosterRemote*; NULL when none. */
  GHashTable *remote;
  TdPresence  shown;        /* the presence last told to everyone (td_roster_set_shown) */
} TdRosterUser;

typedef struct {
  TdPresence status;
  gint64     time_ms;
} TdRosterRemote;

typedef struct _TdRoster TdRoster;

TdRoster     *td_roster_new          (void);
void          td_roster_free         (TdRoster *self);
/* Merges a fresh listing from the store (TdStoreUser*, char*). */
void          td_roster_update       (TdRoster *self, GPtrArray *users, GPtrArray *departments);
TdRosterUser *td_roster_lookup       (TdRoster *self, const char *login);
TdRosterUser *td_roster_lookup_id    (TdRoster *self, gint64 id);
guint         td_roster_get_n_users  (TdRoster *self);
/* Makes sure an entry exists for a user the store just returned (a
 * person added by tidingsctl since the last reload). */
TdRosterUser *td_roster_ensure       (TdRoster *self, const TdStoreUser *user);

/* What everyone sees: offline without any session on any node, else the
 * status most recently chosen on any node (this one or another). */
TdPresence    td_roster_user_presence (const TdRosterUser *user);
/* @user's presence on another node (OFFLINE: no longer connected there). */
void          td_roster_set_remote   (TdRoster *self, TdRosterUser *user, const char *node,
                                      TdPresence status, gint64 time_ms);
/* Forgets everything known from @node; returns the users who had an
 * entry from it (TdRosterUser*). */
GPtrArray    *td_roster_forget_node  (TdRoster *self, const char *node);
TdRole        td_roster_user_role    (const TdRosterUser *user);
/* The directory entry, with presence and role. */
TdUser       *td_roster_user_to_proto (const TdRosterUser *user);
/* The encoded directory frames (GBytes*), at most @per_frame users each,
 * the last one complete:true, all carrying the directory's version and
 * every status as "offline" (presence travels in presence frames), so
 * that one encoding serves every login.  Owned by the roster: built on
 * first use after td_roster_update() / td_roster_ensure() changed what
 * the directory says, valid until then. */
GPtrArray    *td_roster_get_directory          (TdRoster *self, guint per_frame);
/* The version tag of that directory: 16 hex digits of a SHA-256 over the
 * encoded frames, so equal content gives the same tag after a restart. */
const char   *td_roster_get_directory_version  (TdRoster *self, guint per_frame);
/* The one frame that tells a client whose cached directory has the
 * current version to keep it ("unchanged":true, departments, no users). */
GBytes       *td_roster_get_directory_unchanged (TdRoster *self, guint per_frame);
/* Sets @user->shown and keeps the set of people shown as not offline. */
void          td_roster_set_shown    (TdRoster *self, TdRosterUser *user, TdPresence shown);
/* Everyone whose shown presence is not offline (TdRosterUser*), in no
 * particular order. */
GPtrArray    *td_roster_shown_users  (TdRoster *self);
/* Tracks who is online so presence fan-out touches only connected people. */
void          td_roster_set_online   (TdRoster *self, TdRosterUser *user, gboolean online);
/* Every user with at least one session (TdRosterUser*). */
GPtrArray    *td_roster_online_users (TdRoster *self);
guint         td_roster_get_n_online (TdRoster *self);

G_END_DECLS
