/* td-roster.c - directory cache and presence bookkeeping. */
#define G_LOG_DOMAIN "tidingsd"

#include "td-roster.h"

struct _TdRoster {
  GHashTable *by_login;     /* char* -> TdRosterUser* (owned) */
  GHashTable *by_id;        /* gint64* -> TdRosterUser* */
  GPtrArray  *ordered;      /* TdRosterUser*, directory order */
  GPtrArray  *departments;  /* char* */
  GHashTable *online;       /* TdRosterUser* set */
};

static void
roster_user_free (TdRosterUser *user)
{
  g_free (user->login);
  g_free (user->name);
  g_free (user->department);
  g_free (user->title);
  g_ptr_array_unref (user->sessions);
  g_clear_pointer (&user->remote, g_hash_table_unref);
  g_free (user);
}

TdRoster *
td_roster_new (void)
{
  TdRoster *self = g_new0 (TdRoster, 1);

  self->by_login = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) roster_user_free);
  self->by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->ordered = g_ptr_array_new ();
  self->departments = g_ptr_array_new_with_free_func (g_free);
  self->online = g_hash_table_new (NULL, NULL);
  return self;
}

void
td_roster_free (TdRoster *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->online);
  g_ptr_array_unref (self->ordered);
  g_ptr_array_unref (self->departments);
  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->by_login);
  g_free (self);
}

static void
replace (char **target, const char *value)
{
  if (g_strcmp0 (*target, value) != 0)
    {
      g_free (*target);
      *target = g_strdup (value ? value : "");
    }
}

static TdRosterUser *
merge_user (TdRoster *self, const TdStoreUser *su)
{
  TdRosterUser *user = g_hash_table_lookup (self->by_login, su->login);

  if (user == NULL)
    {
      user = g_new0 (TdRosterUser, 1);
      user->login = g_strdup (su->login);
      user->sessions = g_ptr_array_new ();
      user->status = TD_PRESENCE_ONLINE;
      user->shown = TD_PRESENCE_OFFLINE;
      g_hash_table_insert (self->by_login, user->login, user);
    }
  if (user->id != su->id)
    {
      g_hash_table_remove (self->by_id, &user->id);
      user->id = su->id;
      g_hash_table_insert (self->by_id, &user->id, user);
    }
  replace (&user->name, su->name);
  replace (&user->department, su->department);
  replace (&user->title, su->title);
  user->admin = g_strcmp0 (su->role, "admin") == 0;
  user->bot = g_strcmp0 (su->role, "bot") == 0;
  user->disabled = su->disabled;
  return user;
}

static int
compare_users (gconstpointer a, gconstpointer b)
{
  const TdRosterUser *ua = *(TdRosterUser * const *) a;
  const TdRosterUser *ub = *(TdRosterUser * const *) b;
  int r = g_strcmp0 (ua->department, ub->department);

  return r != 0 ? r : g_strcmp0 (ua->login, ub->login);
}

void
td_roster_update (TdRoster *self, GPtrArray *users, GPtrArray *departments)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  TdRosterUser *user;

  for (guint i = 0; i < users->len; i++)
    g_hash_table_add (seen, merge_user (self, g_ptr_array_index (users, i)));

  /* People no longer in the store are kept (sessions may point at them)
   * but cannot log in again and leave the directory. */
  g_hash_table_iter_init (&iter, self->by_login);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &user))
    if (!g_hash_table_contains (seen, user))
      user->disabled = TRUE;

  g_ptr_array_set_size (self->ordered, 0);
  g_hash_table_iter_init (&iter, self->by_login);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &user))
    if (!user->disabled)
      g_ptr_array_add (self->ordered, user);
  g_ptr_array_sort (self->ordered, compare_users);

  g_ptr_array_set_size (self->departments, 0);
  for (guint i = 0; i < departments->len; i++)
    g_ptr_array_add (self->departments, g_strdup (g_ptr_array_index (departments, i)));
}

TdRosterUser *
td_roster_ensure (TdRoster *self, const TdStoreUser *su)
{
  gboolean known = g_hash_table_contains (self->by_login, su->login);
  TdRosterUser *user = merge_user (self, su);

  if (!known && !user->disabled)
    {
      g_ptr_array_add (self->ordered, user);
      g_ptr_array_sort (self->ordered, compare_users);
      if (user->department[0] != '\0' &&
          !g_ptr_array_find_with_equal_func (self->departments, user->department, g_str_equal, NULL))
        g_ptr_array_add (self->departments, g_strdup (user->department));
    }
  return user;
}

TdRosterUser *
td_roster_lookup (TdRoster *self, const char *login)
{
  return g_hash_table_lookup (self->by_login, login);
}

TdRosterUser *
td_roster_lookup_id (TdRoster *self, gint64 id)
{
  return g_hash_table_lookup (self->by_id, &id);
}

guint
td_roster_get_n_users (TdRoster *self)
{
  return self->ordered->len;
}

TdPresence
td_roster_user_presence (const TdRosterUser *user)
{
  TdPresence best = TD_PRESENCE_OFFLINE;
  gint64 best_time = G_MININT64;
  GHashTableIter iter;
  gpointer value;

  if (user->sessions->len > 0)
    {
      best = user->status;
      best_time = user->status_time;
    }
  if (user->remote == NULL)
    return best;
  /* The latest choice wins, wherever it was made: someone who set "away"
   * on the laptop connected to another node is away everywhere. */
  g_hash_table_iter_init (&iter, user->remote);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      const TdRosterRemote *r = value;

      if (best == TD_PRESENCE_OFFLINE || r->time_ms > best_time)
        {
          best = r->status;
          best_time = r->time_ms;
        }
    }
  return best;
}

void
td_roster_set_remote (TdRoster     *self,
                      TdRosterUser *user,
                      const char   *node,
                      TdPresence    status,
                      gint64        time_ms)
{
  TdRosterRemote *r;

  if (status == TD_PRESENCE_OFFLINE)
    {
      if (user->remote != NULL)
        g_hash_table_remove (user->remote, node);
      if (user->remote != NULL && g_hash_table_size (user->remote) == 0)
        g_clear_pointer (&user->remote, g_hash_table_unref);
      return;
    }
  if (user->remote == NULL)
    user->remote = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  r = g_new (TdRosterRemote, 1);
  r->status = status;
  r->time_ms = time_ms;
  g_hash_table_replace (user->remote, g_strdup (node), r);
}

GPtrArray *
td_roster_forget_node (TdRoster *self, const char *node)
{
  GPtrArray *users = g_ptr_array_new ();
  GHashTableIter iter;
  TdRosterUser *user;

  /* O(directory): runs when a node leaves or dies, not per message. */
  g_hash_table_iter_init (&iter, self->by_login);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &user))
    if (user->remote != NULL && g_hash_table_contains (user->remote, node))
      {
        td_roster_set_remote (self, user, node, TD_PRESENCE_OFFLINE, 0);
        g_ptr_array_add (users, user);
      }
  return users;
}

TdRole
td_roster_user_role (const TdRosterUser *user)
{
  return user->admin ? TD_ROLE_ADMIN : user->bot ? TD_ROLE_BOT : TD_ROLE_USER;
}

TdUser *
td_roster_user_to_proto (const TdRosterUser *user)
{
  return td_user_new_full (user->login, user->name, user->department, user->title,
                           td_roster_user_presence (user), td_roster_user_role (user));
}

GPtrArray *
td_roster_encode_directory (TdRoster *self, guint per_frame)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  guint i = 0;

  g_assert (per_frame > 0);
  do
    {
      g_autoptr(GPtrArray) chunk = g_ptr_array_new_with_free_func ((GDestroyNotify) td_user_unref);
      g_autoptr(TdFrame) frame = NULL;
      char *text;
      gsize len;

      for (; i < self->ordered->len && chunk->len < per_frame; i++)
        g_ptr_array_add (chunk, td_roster_user_to_proto (g_ptr_array_index (self->ordered, i)));

      frame = td_frame_new_directory (self->departments, chunk, i >= self->ordered->len);
      text = td_frame_encode (frame, &len);
      g_ptr_array_add (frames, g_bytes_new_take (text, len));
    }
  while (i < self->ordered->len);

  return frames;
}

void
td_roster_set_online (TdRoster *self, TdRosterUser *user, gboolean online)
{
  if (online)
    g_hash_table_add (self->online, user);
  else
    g_hash_table_remove (self->online, user);
}

GPtrArray *
td_roster_online_users (TdRoster *self)
{
  GPtrArray *result = g_ptr_array_sized_new (g_hash_table_size (self->online));
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->online);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (result, key);
  return result;
}
