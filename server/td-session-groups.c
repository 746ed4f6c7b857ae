/* td-session-groups.c - the session's side of docs/protocol.md section 12:
 * groups at session start and their editing, read marks and receipts,
 * typing, reminders and announcements.
 *
 * As in td-session.c, anything that touches the store is a worker job and
 * is answered (and told to others) only after it committed.  Refusals that
 * need the store to decide (not a member, not the owner) are raised inside
 * the job as TD_SESSION_REFUSAL errors, which also undoes the job's writes.
 */
#define G_LOG_DOMAIN "tidingsd"

#include "td-session-private.h"
#include "td-webhook-events.h"

/* "reminders" at session start: open and snoozed ones, and those changed
 * within this window, at most REMINDERS_AT_START of them. */
#define REMINDERS_WINDOW_MS  (7LL * 24 * 3600 * 1000)
#define REMINDERS_AT_START   500
/* A reminder_status reply names at most this many unread recipients. */
#define MAX_UNREAD           1000
/* Typing relays per conversation per session, at most one per second. */
#define TYPING_MIN_GAP_US    G_USEC_PER_SEC
/* The typing table is pruned of stale entries above this size. */
#define TYPING_TABLE_PRUNE   64

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

/* ---- session start ---- */

gboolean
_td_session_load_start (TdStore    *store,
                        gint64      user_id,
                        GPtrArray **out_groups,
                        GPtrArray **out_reminders,
                        GError    **error)
{
  g_autoptr(GPtrArray) groups = td_store_list_user_groups (store, user_id, error);
  g_autoptr(GPtrArray) reminders = NULL;

  if (groups == NULL)
    return FALSE;
  reminders = td_store_user_reminders (store, user_id, now_ms () - REMINDERS_WINDOW_MS,
                                       REMINDERS_AT_START, error);
  if (reminders == NULL)
    return FALSE;
  *out_groups = g_steal_pointer (&groups);
  *out_reminders = g_steal_pointer (&reminders);
  return TRUE;
}

void
_td_session_send_start (TdSession *self, GPtrArray *groups, GPtrArray *reminders)
{
  g_autoptr(TdFrame) groups_frame = td_frame_new_groups (groups);
  g_autoptr(TdFrame) reminders_frame = td_frame_new_reminders (reminders);

  _td_session_send_frame (self, groups_frame);
  _td_session_send_frame (self, reminders_frame);
}

/* ---- helpers ---- */

/* Looks @login up for a job; unknown and disabled people are refused with
 * unknown_recipient, like a send to them. */
static TdStoreUser *
find_person (TdStore *store, const char *login, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TdStoreUser) user = td_store_get_user (store, login, &local_error);

  if (user != NULL && !user->disabled)
    return g_steal_pointer (&user);
  if (user != NULL || g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
    g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_UNKNOWN_RECIPIENT,
                 "there is no user \"%s\"", login);
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* Resolves @logins to user ids (in an array of gint64). */
static GArray *
find_people (TdStore *store, const char * const *logins, GError **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; logins != NULL && logins[i] != NULL; i++)
    {
      g_autoptr(TdStoreUser) user = find_person (store, logins[i], error);

      if (user == NULL)
        return NULL;
      g_array_append_val (ids, user->id);
    }
  return g_steal_pointer (&ids);
}

/* The group named by @address, for a job of @login: unknown groups and
 * groups @login is not in are both "not_found" (12.3). */
static TdGroup *
find_own_group (TdStore *store, const char *address, const char *login, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TdGroup) group = NULL;
  gint64 id;

  if (td_parse_group_address (address, &id))
    group = td_store_get_group (store, id, &local_error);
  if (group == NULL && local_error != NULL &&
      !g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (group == NULL || !td_group_has_member (group, login))
    {
      g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_NOT_FOUND,
                   "you are not in a group \"%s\"", address);
      return NULL;
    }
  return g_steal_pointer (&group);
}

/* Logins of @old that are not in @now (NULL: none are). */
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

/* ---- read ---- */

typedef struct {
  TdSession *session;
  char      *req;
  gint64     user_id;
  char      *login;
  char      *peer;
  gint64     peer_id;    /* 1:1 */
  TdGroup   *group;      /* group conversation */
  gint64     mid;
  gboolean   moved;
} ReadJob;

static void
read_job_free (gpointer data)
{
  ReadJob *job = data;

  td_session_unref (job->session);
  g_free (job->req);
  g_free (job->login);
  g_free (job->peer);
  g_clear_pointer (&job->group, td_group_unref);
  g_free (job);
}

/* The newest mid of the conversation: a mark never goes beyond what exists,
 * so a client cannot mark future messages read in advance. */
static gboolean
clamp_to_newest (ReadJob *job, GPtrArray *newest)
{
  if (newest == NULL)
    return FALSE;
  if (newest->len == 0)
    job->mid = 0;
  else
    job->mid = MIN (job->mid, td_message_get_mid (g_ptr_array_index (newest, newest->len - 1)));
  g_ptr_array_unref (newest);
  return TRUE;
}

static gpointer
read_job_run (TdStore *store, gpointer data, GError **error)
{
  ReadJob *job = data;
  gboolean more;
  gint64 group_id;

  if (td_parse_group_address (job->peer, &group_id))
    {
      g_autoptr(GError) local_error = NULL;

      job->group = td_store_get_group (store, group_id, &local_error);
      if (job->group == NULL)
        {
          if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
            g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_UNKNOWN_RECIPIENT,
                         "there is no group \"%s\"", job->peer);
          else
            g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      if (!td_group_has_member (job->group, job->login))
        {
          g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_FORBIDDEN,
                       "you are not a member of group \"%s\"", job->peer);
          return NULL;
        }
      if (!clamp_to_newest (job, td_store_group_history (store, group_id, 0, 1, &more, error)))
        return NULL;
    }
  else
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(TdStoreUser) peer = td_store_get_user (store, job->peer, &local_error);

      if (peer == NULL)
        {
          if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
            g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_UNKNOWN_RECIPIENT,
                         "there is no user \"%s\"", job->peer);
          else
            g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      job->peer_id = peer->id;
      if (!clamp_to_newest (job, td_store_history (store, job->user_id, peer->id, 0, 1, &more,
                                                   error)))
        return NULL;
    }

  if (job->mid <= 0)
    return job;
  {
    g_autoptr(GError) local_error = NULL;

    job->moved = td_store_set_read (store, job->user_id, job->peer_id,
                                    job->group ? td_group_get_id (job->group) : 0, job->mid,
                                    &local_error);
    if (local_error != NULL)
      {
        g_propagate_error (error, g_steal_pointer (&local_error));
        return NULL;
      }
  }
  return job;
}

static void
read_job_done (gpointer result, const GError *error, gpointer user_data)
{
  ReadJob *job = user_data;
  TdSession *self = job->session;
  TdServer *server = self->server;
  g_autoptr(TdFrame) receipt = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (error != NULL)
    {
      _td_session_send_store_error (self, job->req, NULL, error);
      return;
    }
  if (!job->moved)
    return;

  /* One frame serves both sides: in 1:1 the peer as the reader named it is
   * the other person's own login, which is what they must see (12.4). */
  receipt = td_frame_new_receipt (job->login, job->peer, job->mid);
  bytes = td_frame_encode_bytes (receipt);
  if (job->group != NULL)
    _td_server_send_to_group (server, job->group, NULL, self, bytes);
  else
    {
      TdRosterUser *peer = td_roster_lookup_id (server->roster, job->peer_id);

      if (peer != NULL && peer != self->user)
        _td_server_send_to_user (server, peer, NULL, bytes);
      _td_server_send_to_user (server, self->user, self, bytes);
    }
}

void
_td_session_handle_read (TdSession *self, const TdFrame *frame)
{
  ReadJob *job = g_new0 (ReadJob, 1);

  job->session = td_session_ref (self);
  job->req = g_strdup (td_frame_get_req (frame));
  job->user_id = self->user->id;
  job->login = g_strdup (self->user->login);
  job->peer = g_strdup (td_frame_get_peer (frame));
  job->mid = td_frame_get_mid (frame);
  td_store_worker_run (self->server->worker, read_job_run, job, read_job_free, NULL,
                       read_job_done, job);
}

/* ---- typing ---- */

/* TRUE if this session relayed typing to @peer less than a second ago;
 * otherwise records now. */
static gboolean
typing_too_soon (TdSession *self, const char *peer)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *last;

  if (self->typing_sent == NULL)
    self->typing_sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  last = g_hash_table_lookup (self->typing_sent, peer);
  if (last != NULL && now - *last < TYPING_MIN_GAP_US)
    return TRUE;

  if (g_hash_table_size (self->typing_sent) >= TYPING_TABLE_PRUNE)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->typing_sent);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if (now - *(gint64 *) value >= TYPING_MIN_GAP_US)
          g_hash_table_iter_remove (&iter);
    }
  g_hash_table_insert (self->typing_sent, g_strdup (peer), g_memdup2 (&now, sizeof now));
  return FALSE;
}

void
_td_session_handle_typing (TdSession *self, const TdFrame *frame)
{
  TdServer *server = self->server;
  const char *req = td_frame_get_req (frame);
  const char *to = td_frame_get_to (frame);
  g_autoptr(TdFrame) relay = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gint64 group_id;

  /* Not stored: relayed to whoever is connected now, from the caches. */
  if (td_parse_group_address (to, &group_id))
    {
      TdGroup *group = _td_server_lookup_group (server, group_id);
      g_autofree char *message = NULL;

      if (group == NULL)
        {
          message = g_strdup_printf ("there is no group \"%s\"", to);
          _td_session_send_error (self, req, TD_ERR_UNKNOWN_RECIPIENT, NULL, message);
          return;
        }
      if (!td_group_has_member (group, self->user->login))
        {
          message = g_strdup_printf ("you are not a member of group \"%s\"", to);
          _td_session_send_error (self, req, TD_ERR_FORBIDDEN, NULL, message);
          return;
        }
      if (typing_too_soon (self, to))
        return;
      relay = td_frame_new_typing (self->user->login, to);
      bytes = td_frame_encode_bytes (relay);
      _td_server_send_to_group (server, group, self->user->login, NULL, bytes);
    }
  else
    {
      TdRosterUser *target = td_roster_lookup (server->roster, to);

      if (target == NULL || target->disabled)
        {
          g_autofree char *message = g_strdup_printf ("there is no user \"%s\"", to);

          _td_session_send_error (self, req, TD_ERR_UNKNOWN_RECIPIENT, NULL, message);
          return;
        }
      if (target == self->user || typing_too_soon (self, to))
        return;
      relay = td_frame_new_typing (self->user->login, to);
      bytes = td_frame_encode_bytes (relay);
      _td_server_send_to_user (server, target, NULL, bytes);
    }
}

/* ---- group_create, group_update, group_leave ---- */

typedef struct {
  TdSession *session;
  char      *req;
  gint64     user_id;
  char      *login;
  gboolean   admin;
  char      *address;    /* update, leave */
  char      *name;       /* create; update: NULL = unchanged */
  GStrv      add;        /* create: the members */
  GStrv      remove;
  /* results */
  gint64     group_id;
  TdGroup   *old;        /* before an update */
  TdGroup   *group;      /* after; NULL if the update deleted it */
} GroupJob;

static void
group_job_free (gpointer data)
{
  GroupJob *job = data;

  td_session_unref (job->session);
  g_free (job->req);
  g_free (job->login);
  g_free (job->address);
  g_free (job->name);
  g_strfreev (job->add);
  g_strfreev (job->remove);
  g_clear_pointer (&job->old, td_group_unref);
  g_clear_pointer (&job->group, td_group_unref);
  g_free (job);
}

static GroupJob *
group_job_new (TdSession *self, const TdFrame *frame)
{
  GroupJob *job = g_new0 (GroupJob, 1);

  job->session = td_session_ref (self);
  job->req = g_strdup (td_frame_get_req (frame));
  job->user_id = self->user->id;
  job->login = g_strdup (self->user->login);
  job->admin = self->user->admin;
  return job;
}

static gpointer
group_create_job_run (TdStore *store, gpointer data, GError **error)
{
  GroupJob *job = data;
  g_autoptr(GArray) ids = find_people (store, (const char * const *) job->add, error);

  if (ids == NULL)
    return NULL;
  job->group = td_store_create_group (store, job->user_id, job->name,
                                      (const gint64 *) ids->data, ids->len, now_ms (), error);
  if (job->group == NULL)
    return NULL;
  job->group_id = td_group_get_id (job->group);
  return job;
}

static gpointer
group_update_job_run (TdStore *store, gpointer data, GError **error)
{
  GroupJob *job = data;
  g_autoptr(GArray) add_ids = NULL;
  g_autoptr(GArray) remove_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) local_error = NULL;

  job->old = find_own_group (store, job->address, job->login, error);
  if (job->old == NULL)
    return NULL;
  job->group_id = td_group_get_id (job->old);
  if (td_group_get_kind (job->old) == TD_GROUP_DEPARTMENT)
    {
      g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_FORBIDDEN,
                   "\"%s\" is a department group: its members follow the directory",
                   job->address);
      return NULL;
    }

  for (guint i = 0; job->remove != NULL && job->remove[i] != NULL; i++)
    {
      g_autoptr(TdStoreUser) user = NULL;

      if (!g_str_equal (job->remove[i], job->login) && !job->admin &&
          !g_str_equal (td_group_get_owner (job->old), job->login))
        {
          g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_FORBIDDEN,
                       "only the owner of \"%s\" or an administrator may remove others",
                       job->address);
          return NULL;
        }
      /* Someone who does not exist is not in the group either. */
      user = td_store_get_user (store, job->remove[i], &local_error);
      if (user == NULL)
        {
          if (!g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          g_clear_error (&local_error);
          continue;
        }
      g_array_append_val (remove_ids, user->id);
    }

  add_ids = find_people (store, (const char * const *) job->add, error);
  if (add_ids == NULL)
    return NULL;

  job->group = td_store_update_group (store, job->group_id, job->name,
                                      (const gint64 *) add_ids->data, add_ids->len,
                                      (const gint64 *) remove_ids->data, remove_ids->len,
                                      &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return job;
}

static void
group_job_done (gpointer result, const GError *error, gpointer user_data)
{
  GroupJob *job = user_data;
  TdSession *self = job->session;
  TdServer *server = self->server;
  g_autoptr(TdFrame) reply = NULL;
  g_auto(GStrv) removed = NULL;

  if (error != NULL)
    {
      _td_session_send_store_error (self, job->req, NULL, error);
      return;
    }

  removed = job->old != NULL ? members_gone (job->old, job->group) : NULL;
  if (job->group == NULL)
    {
      /* The last member left: the group is gone. */
      g_autoptr(TdGroup) gone = td_group_new (job->group_id, td_group_get_kind (job->old),
                                              td_group_get_name (job->old),
                                              td_group_get_owner (job->old), NULL);

      reply = td_frame_new_group (job->req, gone, TRUE);
      _td_session_send_frame (self, reply);
      _td_server_group_deleted_except (server, job->group_id, (const char * const *) removed,
                                       self);
      return;
    }

  reply = td_frame_new_group (job->req, job->group,
                              !td_group_has_member (job->group, job->login));
  _td_session_send_frame (self, reply);
  _td_server_group_changed_except (server, job->group, (const char * const *) removed, self);
}

void
_td_session_handle_group_create (TdSession *self, const TdFrame *frame)
{
  GroupJob *job = group_job_new (self, frame);

  job->name = g_strdup (td_frame_get_name (frame));
  job->add = g_strdupv ((char **) td_frame_get_members (frame));
  td_store_worker_run (self->server->worker, group_create_job_run, job, group_job_free, NULL,
                       group_job_done, job);
}

void
_td_session_handle_group_update (TdSession *self, const TdFrame *frame)
{
  GroupJob *job = group_job_new (self, frame);

  job->address = g_strdup (td_frame_get_group_address (frame));
  job->name = g_strdup (td_frame_get_name (frame));
  job->add = g_strdupv ((char **) td_frame_get_add (frame));
  job->remove = g_strdupv ((char **) td_frame_get_remove (frame));
  td_store_worker_run (self->server->worker, group_update_job_run, job, group_job_free, NULL,
                       group_job_done, job);
}

void
_td_session_handle_group_leave (TdSession *self, const TdFrame *frame)
{
  GroupJob *job = group_job_new (self, frame);
  const char *me[] = { self->user->login, NULL };

  /* Leaving is removing oneself, which anyone may do. */
  job->address = g_strdup (td_frame_get_group_address (frame));
  job->remove = g_strdupv ((char **) me);
  td_store_worker_run (self->server->worker, group_update_job_run, job, group_job_free, NULL,
                       group_job_done, job);
}

/* ---- reminder_update ---- */

typedef struct {
  TdSession       *session;
  char            *req;
  gint64           user_id;
  char            *login;
  gint64           rid;
  TdReminderAction action;
  gint64           until;
  TdReminder      *reminder;        /* the new view */
  guint            events_queued;
} ReminderJob;

static void
reminder_job_free (gpointer data)
{
  ReminderJob *job = data;

  td_session_unref (job->session);
  g_free (job->req);
  g_free (job->login);
  g_clear_pointer (&job->reminder, td_reminder_unref);
  g_free (job);
}

static gpointer
reminder_job_run (TdStore *store, gpointer data, GError **error)
{
  ReminderJob *job = data;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TdStoreReminder) stored = NULL;
  g_autofree char *body = NULL;
  gboolean changed = FALSE;
  gint64 now = now_ms ();

  job->reminder = td_store_update_reminder (store, job->rid, job->user_id, job->action,
                                            job->until, now, &changed, &local_error);
  if (job->reminder == NULL)
    {
      if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
        g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_NOT_FOUND,
                     "you have no reminder %" G_GINT64_FORMAT, job->rid);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!changed)
    return job;

  /* The business system that posted it hears the outcome, queued in this
   * transaction so that the event exists exactly when the change does. */
  stored = td_store_get_reminder (store, job->rid, error);
  if (stored == NULL)
    return NULL;
  if (stored->api_key_id == 0)
    return job;
  body = td_webhook_event_reminder (job->rid, job->login, td_reminder_get_state (job->reminder),
                                    td_reminder_get_until (job->reminder),
                                    td_reminder_get_read (job->reminder),
                                    stored->idempotency_key, now);
  job->events_queued = td_store_enqueue_event (store, "reminder", 0, body, now, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return job;
}

static void
reminder_job_done (gpointer result, const GError *error, gpointer user_data)
{
  ReminderJob *job = user_data;
  TdSession *self = job->session;
  TdServer *server = self->server;
  g_autoptr(TdFrame) reply = NULL;
  g_autoptr(TdFrame) others = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (error != NULL)
    {
      _td_session_send_store_error (self, job->req, NULL, error);
      return;
    }

  reply = td_frame_new_reminder (job->req, job->reminder);
  _td_session_send_frame (self, reply);
  /* The user's other devices show the same state. */
  others = td_frame_new_reminder (NULL, job->reminder);
  bytes = td_frame_encode_bytes (others);
  _td_server_send_to_user (server, self->user, self, bytes);

  if (job->events_queued > 0 && server->webhooks != NULL)
    td_webhooks_kick (server->webhooks);
}

void
_td_session_handle_reminder_update (TdSession *self, const TdFrame *frame)
{
  ReminderJob *job = g_new0 (ReminderJob, 1);

  job->session = td_session_ref (self);
  job->req = g_strdup (td_frame_get_req (frame));
  job->user_id = self->user->id;
  job->login = g_strdup (self->user->login);
  job->rid = td_frame_get_rid (frame);
  job->action = td_frame_get_action (frame);
  job->until = td_frame_get_until (frame);
  td_store_worker_run (self->server->worker, reminder_job_run, job, reminder_job_free, NULL,
                       reminder_job_done, job);
}

/* ---- announce and reminder_status ---- */

typedef struct {
  TdSession  *session;
  char       *req;
  gint64      user_id;
  char       *login;
  gboolean    admin;
  /* announce */
  char       *title;
  char       *body;
  char       *link;
  char       *department;  /* NULL = everyone */
  TdPriority  priority;
  /* results */
  gint64      rid;
  guint       total;
  guint       read;
  guint       done;
  GStrv       unread;
} StatusJob;

static void
status_job_free (gpointer data)
{
  StatusJob *job = data;

  td_session_unref (job->session);
  g_free (job->req);
  g_free (job->login);
  g_free (job->title);
  g_free (job->body);
  g_free (job->link);
  g_free (job->department);
  g_strfreev (job->unread);
  g_free (job);
}

static StatusJob *
status_job_new (TdSession *self, const TdFrame *frame)
{
  StatusJob *job = g_new0 (StatusJob, 1);

  job->session = td_session_ref (self);
  job->req = g_strdup (td_frame_get_req (frame));
  job->user_id = self->user->id;
  job->login = g_strdup (self->user->login);
  job->admin = self->user->admin;
  return job;
}

/* Read counts from the recipients' own flags. */
static gboolean
count_recipients (TdStore *store, StatusJob *job, GError **error)
{
  g_autoptr(GPtrArray) recipients = td_store_list_recipients (store, job->rid, error);
  g_autoptr(GStrvBuilder) unread = g_strv_builder_new ();
  guint n_unread = 0;

  if (recipients == NULL)
    return FALSE;
  job->total = recipients->len;
  for (guint i = 0; i < recipients->len; i++)
    {
      TdStoreRecipient *r = g_ptr_array_index (recipients, i);

      if (r->state == TD_REMINDER_DONE)
        job->done++;
      if (r->read)
        job->read++;
      else if (n_unread++ < MAX_UNREAD)
        g_strv_builder_add (unread, r->login);
    }
  job->unread = g_strv_builder_end (unread);
  return TRUE;
}

static gpointer
announce_job_run (TdStore *store, gpointer data, GError **error)
{
  StatusJob *job = data;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(TdStoreReminder) stored = NULL;
  TdStoreReminder reminder = { 0 };
  gboolean duplicate = FALSE;

  if (job->department != NULL)
    {
      g_autoptr(GPtrArray) departments = td_store_list_departments (store, error);

      if (departments == NULL)
        return NULL;
      if (!g_ptr_array_find_with_equal_func (departments, job->department, g_str_equal, NULL))
        {
          g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_NOT_FOUND,
                       "there is no department \"%s\"", job->department);
          return NULL;
        }
    }

  /* People only: bots have no one to read announcements. */
  users = td_store_list_users (store, error);
  if (users == NULL)
    return NULL;
  for (guint i = 0; i < users->len; i++)
    {
      TdStoreUser *user = g_ptr_array_index (users, i);

      if (user->disabled || g_strcmp0 (user->role, "bot") == 0)
        continue;
      if (job->department != NULL && g_strcmp0 (user->department, job->department) != 0)
        continue;
      g_array_append_val (ids, user->id);
    }

  reminder.kind = TD_REMINDER_KIND_ANNOUNCEMENT;
  reminder.source = job->login;
  reminder.title = job->title;
  reminder.body = job->body;
  reminder.link = job->link;
  reminder.category = (char *) "";
  reminder.priority = job->priority;
  reminder.time_ms = now_ms ();
  reminder.sender_id = job->user_id;
  stored = td_store_add_reminder (store, &reminder, (const gint64 *) ids->data, ids->len,
                                  &duplicate, error);
  if (stored == NULL)
    return NULL;
  job->rid = stored->rid;
  if (!count_recipients (store, job, error))
    return NULL;
  return job;
}

static gpointer
status_job_run (TdStore *store, gpointer data, GError **error)
{
  StatusJob *job = data;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TdStoreReminder) stored = td_store_get_reminder (store, job->rid, &local_error);

  if (stored == NULL)
    {
      if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
        g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_NOT_FOUND,
                     "there is no reminder %" G_GINT64_FORMAT, job->rid);
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (!job->admin &&
      !(stored->kind == TD_REMINDER_KIND_ANNOUNCEMENT && stored->sender_id == job->user_id))
    {
      g_set_error (error, TD_SESSION_REFUSAL, TD_ERR_FORBIDDEN,
                   "only its sender or an administrator may see who read reminder %"
                   G_GINT64_FORMAT, job->rid);
      return NULL;
    }
  if (!count_recipients (store, job, error))
    return NULL;
  return job;
}

static void
status_job_done (gpointer result, const GError *error, gpointer user_data)
{
  StatusJob *job = user_data;
  g_autoptr(TdFrame) reply = NULL;

  if (error != NULL)
    {
      _td_session_send_store_error (job->session, job->req, NULL, error);
      return;
    }
  reply = td_frame_new_reminder_status_result (job->req, job->rid, job->total, job->read,
                                               job->done, (const char * const *) job->unread);
  _td_session_send_frame (job->session, reply);
}

static void
announce_job_done (gpointer result, const GError *error, gpointer user_data)
{
  StatusJob *job = user_data;

  status_job_done (result, error, user_data);
  if (error == NULL)
    _td_server_push_reminder (job->session->server, job->rid);
}

void
_td_session_handle_announce (TdSession *self, const TdFrame *frame)
{
  StatusJob *job;

  if (!self->user->admin)
    {
      _td_session_send_error (self, td_frame_get_req (frame), TD_ERR_FORBIDDEN, NULL,
                              "only administrators may make announcements");
      return;
    }
  job = status_job_new (self, frame);
  job->title = g_strdup (td_frame_get_title (frame));
  job->body = g_strdup (td_frame_get_body (frame) ? td_frame_get_body (frame) : "");
  job->link = g_strdup (td_frame_get_link (frame) ? td_frame_get_link (frame) : "");
  job->department = g_strdup (td_frame_get_department (frame));
  job->priority = td_frame_get_priority (frame);
  td_store_worker_run (self->server->worker, announce_job_run, job, status_job_free, NULL,
                       announce_job_done, job);
}

void
_td_session_handle_reminder_status (TdSession *self, const TdFrame *frame)
{
  StatusJob *job = status_job_new (self, frame);

  job->rid = td_frame_get_rid (frame);
  td_store_worker_run (self->server->worker, status_job_run, job, status_job_free, NULL,
                       status_job_done, job);
}
