/* td-roster.c - directory cache and presence bookkeeping. */
#define G_LOG_DOMAIN "tidingsd"

#include "td-roster.h"

/* Hex digits of the directory hash used as its version tag: 64 bits make
 * an accidental match between two directories negligible. */
#define VERSION_DIGITS 16

struct _TdRoster {
  GHashTable *by_login;     /* char* -> TdRosterUser* (owned) */
  GHashTable *by_id;        /* gint64* -> TdRosterUser* */
  GPtrArray  *ordered;      /* TdRosterUser*, directory order */
  GPtrArray  *departments;  /* char* */
  GHashTable *online;       /* TdRosterUser* set */
  GHashTable *shown;        /* TdRosterUser* set: shown presence not offline */

  /* The encoded directory, shared by every login; NULL when something in
   * the directory changed since it was built. */
  GPtrArray  *frames;       /* GBytes* */
  GBytes     *unchanged;
  char       *version;
  guint       frames_chunk; /* per_frame the frames were built with */
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
  self->shown = g_hash_table_new (NULL, NULL);
  return self;
}

void
td_roster_free (TdRoster *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->online);
  g_hash_table_unref (self->shown);
  g_clear_pointer (&self->frames, g_ptr_array_unref);
  g_clear_pointer (&self->unchanged, g_bytes_unref);
  g_free (self->version);
  g_ptr_array_unref (self->ordered);
  g_ptr_array_unref (self->departments);
  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->by_login);
  g_free (self);
}

/* Forgets the encoded directory: the next login encodes it anew. */
static void
directory_changed (TdRoster *self)
{
  g_clear_pointer (&self->frames, g_ptr_array_unref);
  g_clear_pointer (&self->unchanged, g_bytes_unref);
  g_clear_pointer (&self->version, g_free);
}

/* Returns TRUE if *@target changed. */
static gboolean
replace (char **target, const char *value)
{
  if (value == NULL)
    value = "";
  if (g_strcmp0 (*target, value) == 0)
    return FALSE;
  g_free (*target);
  *target = g_strdup (value);
  return TRUE;
}

/* Sets *@changed if anything a directory frame shows of @su changed. */
static TdRosterUser *
merge_user (TdRoster *self, const TdStoreUser *su, gboolean *changed)
{
  TdRosterUser *user = g_hash_table_lookup (self->by_login, su->login);
  gboolean admin = g_strcmp0 (su->role, "admin") == 0;
  gboolean bot = g_strcmp0 (su->role, "bot") == 0;

  if (user == NULL)
    {
      user = g_new0 (TdRosterUser, 1);
      user->login = g_strdup (su->login);
      user->sessions = g_ptr_array_new ();
      user->status = TD_PRESENCE_ONLINE;
      user->shown = TD_PRESENCE_OFFLINE;
      g_hash_table_insert (self->by_login, user->login, user);
      *changed = TRUE;
    }
  if (user->id != su->id)
    {
      g_hash_table_remove (self->by_id, &user->id);
      user->id = su->id;
      g_hash_table_insert (self->by_id, &user->id, user);
    }
  if (replace (&user->name, su->name))
    *changed = TRUE;
  if (replace (&user->department, su->department))
    *changed = TRUE;
  if (replace (&user->title, su->title))
    *changed = TRUE;
  if (user->admin != admin || user->bot != bot || user->disabled != su->disabled)
    *changed = TRUE;
  user->admin = admin;
  user->bot = bot;
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
  gboolean changed = departments->len != self->departments->len;

  for (guint i = 0; i < users->len; i++)
    g_hash_table_add (seen, merge_user (self, g_ptr_array_index (users, i), &changed));

  /* People no longer in the store are kept (sessions may point at them)
   * but cannot log in again and leave the directory. */
  g_hash_table_iter_init (&iter, self->by_login);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &user))
    if (!g_hash_table_contains (seen, user) && !user->disabled)
      {
        user->disabled = TRUE;
        changed = TRUE;
      }
  for (guint i = 0; !changed && i < departments->len; i++)
    changed = g_strcmp0 (g_ptr_array_index (departments, i),
                         g_ptr_array_index (self->departments, i)) != 0;
  /* The periodic reload usually finds nothing new: the encoded directory
   * (and its version) then stays as it is. */
  if (changed)
    directory_changed (self);

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
  gboolean changed = FALSE;
  TdRosterUser *user = merge_user (self, su, &changed);

  if (changed)
    directory_changed (self);
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

/* The version is a hash of what the frames say, so it must be known before
 * they are encoded with it: the users and departments are hashed first,
 * in the encoding the frames use. */
static char *
compute_version (GPtrArray *chunks, GPtrArray *departments)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);

  for (guint c = 0; c < chunks->len; c++)
    {
      g_autoptr(TdFrame) frame = td_frame_new_directory (departments, g_ptr_array_index (chunks, c),
                                                         c + 1 == chunks->len);
      g_autoptr(GBytes) bytes = td_frame_encode_bytes (frame);
      gsize len;
      const guchar *data = g_bytes_get_data (bytes, &len);

      g_checksum_update (sum, data, (gssize) len);
    }
  return g_strndup (g_checksum_get_string (sum), VERSION_DIGITS);
}

static void
build_directory (TdRoster *self, guint per_frame)
{
  g_autoptr(GPtrArray) chunks = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr(TdFrame) unchanged = NULL;
  guint i = 0;

  g_assert (per_frame > 0);
  directory_changed (self);
  do
    {
      GPtrArray *chunk = g_ptr_array_new_with_free_func ((GDestroyNotify) td_user_unref);

      /* Everyone offline: presence comes in the snapshot that follows,
       * and the frames stay valid while people come and go. */
      for (; i < self->ordered->len && chunk->len < per_frame; i++)
        {
          const TdRosterUser *user = g_ptr_array_index (self->ordered, i);

          g_ptr_array_add (chunk, td_user_new_full (user->login, user->name, user->department,
                                                    user->title, TD_PRESENCE_OFFLINE,
                                                    td_roster_user_role (user)));
        }
      g_ptr_array_add (chunks, chunk);
    }
  while (i < self->ordered->len);

  self->version = compute_version (chunks, self->departments);
  self->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint c = 0; c < chunks->len; c++)
    {
      g_autoptr(TdFrame) frame = td_frame_new_directory_versioned (self->departments,
                                                                   g_ptr_array_index (chunks, c),
                                                                   c + 1 == chunks->len,
                                                                   self->version, FALSE);
      g_ptr_array_add (self->frames, td_frame_encode_bytes (frame));
    }
  unchanged = td_frame_new_directory_versioned (self->departments, NULL, TRUE, self->version, TRUE);
  self->unchanged = td_frame_encode_bytes (unchanged);
  self->frames_chunk = per_frame;
  g_debug ("directory encoded: %u people in %u frames, version %s",
           self->ordered->len, self->frames->len, self->version);
}

GPtrArray *
td_roster_get_directory (TdRoster *self, guint per_frame)
{
  if (self->frames == NULL || self->frames_chunk != per_frame)
    build_directory (self, per_frame);
  return self->frames;
}

const char *
td_roster_get_directory_version (TdRoster *self, guint per_frame)
{
  if (self->frames == NULL || self->frames_chunk != per_frame)
    build_directory (self, per_frame);
  return self->version;
}

GBytes *
td_roster_get_directory_unchanged (TdRoster *self, guint per_frame)
{
  if (self->frames == NULL || self->frames_chunk != per_frame)
    build_directory (self, per_frame);
  return self->unchanged;
}

void
td_roster_set_shown (TdRoster *self, TdRosterUser *user, TdPresence shown)
{
  user->shown = shown;
  if (shown == TD_PRESENCE_OFFLINE)
    g_hash_table_remove (self->shown, user);
  else
    g_hash_table_add (self->shown, user);
}

GPtrArray *
td_roster_shown_users (TdRoster *self)
{
  GPtrArray *result = g_ptr_array_sized_new (g_hash_table_size (self->shown));
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->shown);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (result, key);
  return result;
}

void
td_roster_set_online (TdRoster *self, TdRosterUser *user, gboolean online)
{
  if (online)
    g_hash_table_add (self->online, user);
  else
    g_hash_table_remove (self->online, user);
}

guint
td_roster_get_n_online (TdRoster *self)
{
  return g_hash_table_size (self->online);
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
