/* td-push.c - live delivery: committed messages to the devices that are
 * connected, group changes to their members, reminders to their recipients.
 *
 * Everything here runs on the main loop after the store job that caused it
 * committed, so a frame never announces something that could still be
 * rolled back.  The group cache (server->groups) lets typing and receipts
 * reach group members without a store round trip; it is loaded at start,
 * changed by the sessions' group jobs and reread after directory reloads
 * (department groups follow the directory).
 *
 * In a cluster (--redis) each of these also goes to the other nodes as a
 * backplane event, and td_server_remote_event() below is the receiving
 * end: the same local delivery, for what another node committed.  Group
 * changes found by a directory reload are not published: every node
 * reloads the directory and tells its own sessions.
 */
#define G_LOG_DOMAIN "tidingsd"

#include "td-session-private.h"

/* How often the server looks for reminders written by another process
 * (tidingsctl broadcast). */
#define REMINDER_POLL_S 5

/* ---- sending ---- */

/* To this node's sessions of @user only. */
static void
send_local (TdServer     *self,
            TdRosterUser *user,
            TdSession    *except,
            GBytes       *frame)
{
  if (user == NULL)
    return;
  for (guint i = 0; i < user->sessions->len; i++)
    {
      TdSession *session = g_ptr_array_index (user->sessions, i);

      if (session != except)
        td_session_send_bytes (session, frame);
    }
}

/* Asks the other nodes to send @frame to their sessions of @ids. */
static void
publish_frame (TdServer *self, GArray *ids, GBytes *frame)
{
  g_autoptr(TdBackplaneEvent) event = NULL;

  if (self->backplane == NULL || ids->len == 0)
    return;
  event = td_backplane_event_new (TD_BACKPLANE_FRAME);
  g_array_append_vals (event->users, ids->data, ids->len);
  event->frame = g_bytes_ref (frame);
  td_backplane_publish (self->backplane, event);
}

void
_td_server_send_to_user (TdServer     *self,
                         TdRosterUser *user,
                         TdSession    *except,
                         GBytes       *frame)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (user == NULL)
    return;
  send_local (self, user, except, frame);
  g_array_append_val (ids, user->id);
  publish_frame (self, ids, frame);
}

static void
send_to_group (TdServer   *self,
               TdGroup    *group,
               const char *skip_login,
               TdSession  *except,
               GBytes     *frame,
               gboolean    publish)
{
  const char * const *members = td_group_get_members (group);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; members[i] != NULL; i++)
    {
      TdRosterUser *user;

      if (g_strcmp0 (members[i], skip_login) == 0)
        continue;
      user = td_roster_lookup (self->roster, members[i]);
      if (user == NULL)
        continue;
      send_local (self, user, except, frame);
      g_array_append_val (ids, user->id);
    }
  /* One event for the whole group, not one per member. */
  if (publish)
    publish_frame (self, ids, frame);
}

void
_td_server_send_to_group (TdServer   *self,
                          TdGroup    *group,
                          const char *skip_login,
                          TdSession  *except,
                          GBytes     *frame)
{
  send_to_group (self, group, skip_login, except, frame, TRUE);
}

/* One message to every device of @user but @except, in mailbox order. */
static void
fan_out (TdRosterUser *user, TdSession *except, TdMessage *message)
{
  g_autoptr(TdFrame) frame = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (user == NULL || user->sessions->len == 0)
    return;
  if (user->sessions->len == 1 && g_ptr_array_index (user->sessions, 0) == except)
    return;

  /* Encoded once, sent to every device. */
  frame = td_frame_new_message (message);
  bytes = td_frame_encode_bytes (frame);
  for (guint i = 0; i < user->sessions->len; i++)
    {
      TdSession *s = g_ptr_array_index (user->sessions, i);
      if (s != except)
        td_session_deliver (s, message, bytes);
    }
}

/* The other nodes deliver @message to their sessions of users[i] as
 * seqs[i]; a node that missed an earlier one reads the mailbox instead. */
static void
publish_mailbox (TdServer *self, TdMessage *message, GArray *users, GArray *seqs)
{
  g_autoptr(TdBackplaneEvent) event = NULL;

  if (self->backplane == NULL || users == NULL || users->len == 0)
    return;
  event = td_backplane_event_new (TD_BACKPLANE_MAILBOX);
  event->message = td_message_ref (message);
  g_array_append_vals (event->users, users->data, users->len);
  g_array_append_vals (event->seqs, seqs->data, seqs->len);
  td_backplane_publish (self->backplane, event);
}

/* Arrays for publish_mailbox(), only with a backplane: a single node
 * builds nothing per message. */
static GArray *
copies_new (TdServer *self)
{
  return self->backplane != NULL ? g_array_new (FALSE, FALSE, sizeof (gint64)) : NULL;
}

static void
add_copy (GArray *users, GArray *seqs, gint64 user_id, TdMessage *copy)
{
  gint64 seq = td_message_get_seq (copy);

  if (users == NULL)
    return;
  g_array_append_val (users, user_id);
  g_array_append_val (seqs, seq);
}

void
_td_server_deliver_message (TdServer                *self,
                            TdSession               *except,
                            gint64                   sender_id,
                            gint64                   recipient_id,
                            const TdStoreSendResult *result)
{
  g_autoptr(GArray) users = NULL;
  g_autoptr(GArray) seqs = NULL;

  if (result->duplicate)
    return;
  users = copies_new (self);
  seqs = copies_new (self);
  fan_out (td_roster_lookup_id (self->roster, recipient_id), except, result->recipient_copy);
  add_copy (users, seqs, recipient_id, result->recipient_copy);
  if (recipient_id != sender_id)
    {
      fan_out (td_roster_lookup_id (self->roster, sender_id), except, result->sender_copy);
      add_copy (users, seqs, sender_id, result->sender_copy);
    }
  publish_mailbox (self, result->recipient_copy, users, seqs);
}

void
_td_server_deliver_group (TdServer                     *self,
                          TdSession                    *except,
                          gint64                        sender_id,
                          const TdStoreGroupSendResult *result)
{
  g_autoptr(GArray) users = NULL;
  g_autoptr(GArray) seqs = NULL;

  if (result->duplicate)
    return;
  users = copies_new (self);
  seqs = copies_new (self);
  /* Each member's copy carries that member's own mailbox seq. */
  for (guint i = 0; i < result->deliveries->len; i++)
    {
      TdStoreDelivery *delivery = g_ptr_array_index (result->deliveries, i);

      fan_out (td_roster_lookup_id (self->roster, delivery->user_id), except, delivery->copy);
      add_copy (users, seqs, delivery->user_id, delivery->copy);
    }
  fan_out (td_roster_lookup_id (self->roster, sender_id), except, result->sender_copy);
  add_copy (users, seqs, sender_id, result->sender_copy);
  publish_mailbox (self, result->sender_copy, users, seqs);
}

/* ---- group cache ---- */

static void
cache_put (TdServer *self, TdGroup *group)
{
  gint64 *key = g_new (gint64, 1);

  *key = td_group_get_id (group);
  g_hash_table_replace (self->groups, key, td_group_ref (group));
}

TdGroup *
_td_server_lookup_group (TdServer *self, gint64 group_id)
{
  if (self->groups == NULL)
    return NULL;
  return g_hash_table_lookup (self->groups, &group_id);
}

/* Tells @logins that they are no longer in @group. */
static void
send_removed (TdServer *self, TdGroup *group, const char * const *logins, TdSession *except,
              gboolean publish)
{
  g_autoptr(TdFrame) frame = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (logins == NULL || logins[0] == NULL)
    return;
  frame = td_frame_new_group (NULL, group, TRUE);
  bytes = td_frame_encode_bytes (frame);
  for (guint i = 0; logins[i] != NULL; i++)
    {
      /* Someone removed and added back in one update is still a member. */
      if (td_group_has_member (group, logins[i]))
        continue;
      if (publish)
        _td_server_send_to_user (self, td_roster_lookup (self->roster, logins[i]), except, bytes);
      else
        send_local (self, td_roster_lookup (self->roster, logins[i]), except, bytes);
    }
}

/* The other nodes reread group @group_id into their caches. */
static void
publish_group (TdServer *self, gint64 group_id)
{
  g_autoptr(TdBackplaneEvent) event = NULL;

  if (self->backplane == NULL)
    return;
  event = td_backplane_event_new (TD_BACKPLANE_GROUPS);
  event->id = group_id;
  td_backplane_publish (self->backplane, event);
}

static void
group_changed (TdServer           *self,
               TdGroup            *group,
               const char * const *removed,
               TdSession          *except,
               gboolean            publish)
{
  g_autoptr(TdFrame) frame = td_frame_new_group (NULL, group, FALSE);
  g_autoptr(GBytes) bytes = td_frame_encode_bytes (frame);

  cache_put (self, group);
  if (publish)
    publish_group (self, td_group_get_id (group));
  send_to_group (self, group, NULL, except, bytes, publish);
  send_removed (self, group, removed, except, publish);
}

void
_td_server_group_changed_except (TdServer           *self,
                                 TdGroup            *group,
                                 const char * const *removed,
                                 TdSession          *except)
{
  group_changed (self, group, removed, except, TRUE);
}

void
_td_server_group_changed (TdServer           *self,
                          TdGroup            *group,
                          const char * const *removed)
{
  group_changed (self, group, removed, NULL, TRUE);
}

static void
group_deleted (TdServer           *self,
               gint64              group_id,
               const char * const *removed,
               TdSession          *except,
               gboolean            publish);

void
_td_server_group_deleted_except (TdServer           *self,
                                 gint64              group_id,
                                 const char * const *removed,
                                 TdSession          *except)
{
  group_deleted (self, group_id, removed, except, TRUE);
}

static void
group_deleted (TdServer           *self,
               gint64              group_id,
               const char * const *removed,
               TdSession          *except,
               gboolean            publish)
{
  TdGroup *cached = _td_server_lookup_group (self, group_id);
  g_autoptr(TdGroup) gone = NULL;

  /* The frame names the group as it was, without members. */
  if (cached != NULL)
    gone = td_group_new (group_id, td_group_get_kind (cached), td_group_get_name (cached),
                         td_group_get_owner (cached), NULL);
  else
    gone = td_group_new (group_id, TD_GROUP_ADHOC, "group", NULL, NULL);
  if (self->groups != NULL)
    g_hash_table_remove (self->groups, &group_id);
  if (publish)
    publish_group (self, group_id);
  send_removed (self, gone, removed, except, publish);
}

void
_td_server_group_deleted (TdServer           *self,
                          gint64              group_id,
                          const char * const *removed)
{
  group_deleted (self, group_id, removed, NULL, TRUE);
}

/* Logins of @old that are not in @now (NULL-terminated, owned strings). */
static GStrv
members_gone (TdGroup *old, TdGroup *now)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  const char * const *members = td_group_get_members (old);

  for (guint i = 0; members[i] != NULL; i++)
    if (now == NULL || !td_group_has_member (now, members[i]))
      g_strv_builder_add (builder, members[i]);
  return g_strv_builder_end (builder);
}

static gboolean
same_group (TdGroup *a, TdGroup *b)
{
  const char * const *ma = td_group_get_members (a);
  const char * const *mb = td_group_get_members (b);

  if (g_strcmp0 (td_group_get_name (a), td_group_get_name (b)) != 0 ||
      g_strcmp0 (td_group_get_owner (a), td_group_get_owner (b)) != 0 ||
      td_group_get_n_members (a) != td_group_get_n_members (b))
    return FALSE;
  /* Members are sorted. */
  for (guint i = 0; ma[i] != NULL; i++)
    if (g_strcmp0 (ma[i], mb[i]) != 0)
      return FALSE;
  return TRUE;
}

typedef struct {
  TdServer *server;
  gboolean  initial;   /* the load at start: nobody to tell */
} GroupsJob;

static gpointer
groups_job_run (TdStore *store, gpointer data, GError **error)
{
  return td_store_list_groups (store, error);
}

static void
groups_job_done (gpointer result, const GError *error, gpointer user_data)
{
  GroupsJob *job = user_data;
  TdServer *self = job->server;
  GPtrArray *groups = result;
  g_autoptr(GHashTable) current = NULL;
  g_autoptr(GArray) vanished = NULL;
  GHashTableIter iter;
  gpointer key;

  if (error != NULL)
    {
      g_warning ("cannot read the groups: %s", error->message);
      return;
    }
  if (self->groups == NULL || self->stopping)
    return;

  current = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < groups->len; i++)
    {
      TdGroup *group = g_ptr_array_index (groups, i);
      gint64 id = td_group_get_id (group);
      TdGroup *old = _td_server_lookup_group (self, id);

      g_hash_table_add (current, g_memdup2 (&id, sizeof id));
      if (job->initial || td_group_get_kind (group) != TD_GROUP_DEPARTMENT)
        {
          /* Ad-hoc groups change only through this server's sessions; this
           * only picks up what happened behind its back (a user deleted). */
          cache_put (self, group);
          continue;
        }
      if (old == NULL)
        group_changed (self, group, NULL, NULL, FALSE);
      else if (!same_group (old, group))
        {
          g_auto(GStrv) gone = members_gone (old, group);

          group_changed (self, group, (const char * const *) gone, NULL, FALSE);
        }
    }

  /* Groups that no longer exist (a department removed from the store). */
  vanished = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hash_table_iter_init (&iter, self->groups);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (current, key))
      g_array_append_val (vanished, *(gint64 *) key);
  for (guint i = 0; i < vanished->len; i++)
    {
      gint64 id = g_array_index (vanished, gint64, i);
      TdGroup *old = _td_server_lookup_group (self, id);
      g_auto(GStrv) gone = members_gone (old, NULL);

      if (job->initial || td_group_get_kind (old) != TD_GROUP_DEPARTMENT)
        g_hash_table_remove (self->groups, &id);
      else
        group_deleted (self, id, (const char * const *) gone, NULL, FALSE);
    }
}

static void
load_groups (TdServer *self, gboolean initial)
{
  GroupsJob *job;

  if (self->worker == NULL || self->stopping)
    return;
  job = g_new0 (GroupsJob, 1);
  job->server = self;
  job->initial = initial;
  td_store_worker_run (self->worker, groups_job_run, job, g_free,
                       (GDestroyNotify) g_ptr_array_unref, groups_job_done, job);
}

void
_td_server_refresh_groups (TdServer *self)
{
  load_groups (self, FALSE);
}

/* ---- reminders ---- */

typedef struct {
  TdStoreReminder *reminder;
  GPtrArray       *recipients;  /* TdStoreRecipient* */
} PushItem;

static void
push_item_free (gpointer data)
{
  PushItem *item = data;

  td_store_reminder_free (item->reminder);
  g_ptr_array_unref (item->recipients);
  g_free (item);
}

typedef struct {
  TdServer *server;
  gint64    first;   /* rids first..last are pushed */
  gint64    last;
} PushJob;

static gpointer
push_job_run (TdStore *store, gpointer data, GError **error)
{
  PushJob *job = data;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (push_item_free);

  for (gint64 rid = job->first; rid <= job->last; rid++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(TdStoreReminder) reminder = td_store_get_reminder (store, rid, &local_error);
      PushItem *item;

      if (reminder == NULL)
        {
          /* An id skipped by a rolled-back insert: nothing to push. */
          if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
            continue;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      item = g_new0 (PushItem, 1);
      item->recipients = td_store_list_recipients (store, rid, error);
      if (item->recipients == NULL)
        {
          g_free (item);
          return NULL;
        }
      item->reminder = g_steal_pointer (&reminder);
      g_ptr_array_add (items, item);
    }
  return g_steal_pointer (&items);
}

static void
push_item (TdServer *self, PushItem *item)
{
  TdStoreReminder *r = item->reminder;

  for (guint i = 0; i < item->recipients->len; i++)
    {
      TdStoreRecipient *recipient = g_ptr_array_index (item->recipients, i);
      TdRosterUser *user = td_roster_lookup_id (self->roster, recipient->user_id);
      g_autoptr(TdReminder) view = NULL;
      g_autoptr(TdFrame) frame = NULL;
      g_autoptr(GBytes) bytes = NULL;

      if (user == NULL || user->sessions->len == 0)
        continue;
      view = td_reminder_new (r->rid, r->kind, r->source, r->title, r->body, r->link,
                              r->category, r->priority, r->time_ms, recipient->state,
                              recipient->until_ms, recipient->read);
      frame = td_frame_new_reminder (NULL, view);
      bytes = td_frame_encode_bytes (frame);
      /* Other nodes push it to their own sessions (a "reminder" event). */
      send_local (self, user, NULL, bytes);
    }
}

static void
push_job_done (gpointer result, const GError *error, gpointer user_data)
{
  PushJob *job = user_data;
  GPtrArray *items = result;

  if (error != NULL)
    {
      /* Not lost: the recipients get it in "reminders" at their next login. */
      g_warning ("cannot push reminders %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT ": %s",
                 job->first, job->last, error->message);
      return;
    }
  for (guint i = 0; i < items->len; i++)
    push_item (job->server, g_ptr_array_index (items, i));
}

/* Pushes every reminder above server->pushed_rid up to @rid.  Ids are
 * given in commit order and jobs report in that order, so everything at or
 * below pushed_rid has been pushed (or is being pushed) already; the range
 * also covers reminders another process wrote in between. */
static void
push_up_to (TdServer *self, gint64 rid)
{
  PushJob *job;

  if (rid <= self->pushed_rid || self->worker == NULL || self->stopping)
    return;
  job = g_new0 (PushJob, 1);
  job->server = self;
  job->first = self->pushed_rid + 1;
  job->last = rid;
  self->pushed_rid = rid;
  td_store_worker_run (self->worker, push_job_run, job, g_free,
                       (GDestroyNotify) g_ptr_array_unref, push_job_done, job);
}

void
_td_server_push_reminder (TdServer *self, gint64 rid)
{
  push_up_to (self, rid);
  if (self->backplane != NULL)
    {
      g_autoptr(TdBackplaneEvent) event = td_backplane_event_new (TD_BACKPLANE_REMINDER);

      event->id = rid;
      td_backplane_publish (self->backplane, event);
    }
}

typedef struct {
  TdServer *server;
  gboolean  initial;    /* sets the starting point, pushes nothing */
  gint64    last_rid;
} PollJob;

static gpointer
poll_job_run (TdStore *store, gpointer data, GError **error)
{
  PollJob *job = data;
  g_autoptr(GError) local_error = NULL;

  job->last_rid = td_store_last_reminder_id (store, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return job;
}

static void
poll_job_done (gpointer result, const GError *error, gpointer user_data)
{
  PollJob *job = user_data;
  TdServer *self = job->server;

  if (error != NULL)
    {
      g_warning ("cannot look for new reminders: %s", error->message);
      return;
    }
  if (job->initial)
    /* Reminders from before the start reach people through "reminders". */
    self->pushed_rid = MAX (self->pushed_rid, job->last_rid);
  else
    push_up_to (self, job->last_rid);
}

static void
poll_reminders (TdServer *self, gboolean initial)
{
  PollJob *job;

  if (self->worker == NULL || self->stopping)
    return;
  job = g_new0 (PollJob, 1);
  job->server = self;
  job->initial = initial;
  td_store_worker_run (self->worker, poll_job_run, job, g_free, NULL, poll_job_done, job);
}

static gboolean
reminder_poll_cb (gpointer user_data)
{
  poll_reminders (user_data, FALSE);
  return G_SOURCE_CONTINUE;
}

/* ---- start and stop ---- */

void
_td_server_push_start (TdServer *self)
{
  if (self->groups == NULL)
    self->groups = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                          (GDestroyNotify) td_group_unref);
  load_groups (self, TRUE);
  poll_reminders (self, TRUE);
  self->reminder_poll_id = g_timeout_add_seconds (REMINDER_POLL_S, reminder_poll_cb, self);
}

void
_td_server_push_stop (TdServer *self)
{
  g_clear_handle_id (&self->reminder_poll_id, g_source_remove);
}

/* ---- events from other nodes ---- */

typedef struct {
  TdServer *server;
  gint64    group_id;
  TdGroup  *group;     /* NULL: deleted */
} RereadJob;

static void
reread_job_free (gpointer data)
{
  RereadJob *job = data;

  g_clear_pointer (&job->group, td_group_unref);
  g_free (job);
}

static gpointer
reread_job_run (TdStore *store, gpointer data, GError **error)
{
  RereadJob *job = data;
  g_autoptr(GError) local_error = NULL;

  job->group = td_store_get_group (store, job->group_id, &local_error);
  if (job->group == NULL && !g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return job;
}

static void
reread_job_done (gpointer result, const GError *error, gpointer user_data)
{
  RereadJob *job = user_data;
  TdServer *self = job->server;

  if (error != NULL)
    {
      /* The next catch-up (reconnect, resync) rereads every group. */
      g_warning ("cannot reread group %" G_GINT64_FORMAT ": %s", job->group_id, error->message);
      return;
    }
  if (self->groups == NULL || self->stopping)
    return;
  /* Members were told by the node that made the change ("frame" events);
   * only the cache for typing and receipts is updated here. */
  if (job->group != NULL)
    cache_put (self, job->group);
  else
    g_hash_table_remove (self->groups, &job->group_id);
}

static void
reread_group (TdServer *self, gint64 group_id)
{
  RereadJob *job;

  if (self->worker == NULL || self->stopping)
    return;
  job = g_new0 (RereadJob, 1);
  job->server = self;
  job->group_id = group_id;
  td_store_worker_run (self->worker, reread_job_run, job, reread_job_free, NULL,
                       reread_job_done, job);
}

void
_td_server_catch_up_all (TdServer *self)
{
  g_autoptr(GPtrArray) online = td_roster_online_users (self->roster);

  for (guint i = 0; i < online->len; i++)
    {
      TdRosterUser *user = g_ptr_array_index (online, i);

      for (guint j = 0; j < user->sessions->len; j++)
        _td_session_catch_up (g_ptr_array_index (user->sessions, j));
    }
  /* Group changes made elsewhere meanwhile: reread quietly (their members
   * get the current groups at their next login at the latest). */
  load_groups (self, TRUE);
}

void
_td_server_remote_event (TdServer *self, const TdBackplaneEvent *event)
{
  if (self->stopping)
    return;
  switch (event->kind)
    {
    case TD_BACKPLANE_MAILBOX:
      for (guint i = 0; i < event->users->len; i++)
        {
          TdRosterUser *user = td_roster_lookup_id (self->roster,
                                                    g_array_index (event->users, gint64, i));
          g_autoptr(TdMessage) copy = NULL;

          if (user == NULL || user->sessions->len == 0)
            continue;
          /* td_session_deliver() sends it if it is the next one, and reads
           * the mailbox when something came before it that this node did
           * not see (another node's message, an event lost in an outage). */
          copy = td_message_with_seq (event->message, g_array_index (event->seqs, gint64, i));
          fan_out (user, NULL, copy);
        }
      break;
    case TD_BACKPLANE_FRAME:
      for (guint i = 0; i < event->users->len; i++)
        send_local (self, td_roster_lookup_id (self->roster, g_array_index (event->users, gint64, i)),
                    NULL, event->frame);
      break;
    case TD_BACKPLANE_GROUPS:
      reread_group (self, event->id);
      break;
    case TD_BACKPLANE_REMINDER:
      push_up_to (self, event->id);
      break;
    case TD_BACKPLANE_RESYNC:
      _td_server_catch_up_all (self);
      break;
    case TD_BACKPLANE_PRESENCE:
    case TD_BACKPLANE_HELLO:
    case TD_BACKPLANE_BYE:
    default:
      break;
    }
}
