/* td-client.c - the desktop client's model: connection, cache, contacts,
 * conversations, outbox and reconnection, without widgets.
 *
 * Rules that keep messages safe:
 *  - an own message is in the SQLite outbox (synchronous=FULL) before
 *    td_client_send() returns, and leaves it only when the server
 *    answered "sent" (or refused it for good);
 *  - the outbox goes out in creation order after every successful
 *    (re)login, with the stored client id, so a resend of something the
 *    server already has is answered as a duplicate;
 *  - an incoming message is in the cache before the "message-received"
 *    handler returns, and TdConnection acknowledges only after that.
 */
#define G_LOG_DOMAIN "td-client"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "td-client-private.h"
#include "td-local-store.h"

#define BACKOFF_MIN_S     1
#define BACKOFF_MAX_S     60
#define INITIAL_MESSAGES  50
#define TYPING_INTERVAL_US (3 * G_USEC_PER_SEC)  /* at most one "typing" per peer per 3 s */

struct _TdClient
{
  GObject           parent_instance;

  char             *profile_dir;
  char             *device_id;
  TdLocalStore     *store;
  char             *store_path;
  /* The directory in the cache and its version ("directory-version" in
   * the store; NULL: none, or from a server that sends no version): the
   * connection offers it at login (docs/protocol.md 5.2). */
  GPtrArray        *cached_users;       /* TdUser* */
  char             *cached_version;
  TdConnection     *conn;
  GCancellable     *cancellable;    /* connection work; cancelled on logout */

  char             *server_url;
  char             *login;
  char             *name;          /* own display name, from the server */
  char             *token;
  TdConnectionState state;
  TdPresence        status;

  GListStore       *contacts;
  GHashTable       *contacts_by_login;  /* login -> TdContact */
  GHashTable       *conversations;      /* peer -> TdConversation (weak) */
  GHashTable       *pending;            /* id -> TdChatMessage still SENDING */
  GHashTable       *inflight;           /* ids sent on the current socket */
  GHashTable       *typing_sent;        /* peer -> gint64* monotonic time of the last "typing" */

  GListStore       *reminders;          /* TdReminderItem, newest first */
  GHashTable       *reminders_by_rid;   /* gint64* rid -> TdReminderItem */
  guint             snooze_id;          /* the next snooze end */
  guint             unread_reminders;
  gboolean          is_admin;

  gboolean          session_up;         /* welcome received on this socket */
  gboolean          reconnect;          /* logged in once: keep reconnecting */
  guint             backoff_s;
  guint             reconnect_id;
};

G_DEFINE_FINAL_TYPE (TdClient, td_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_SERVER_URL,
  PROP_LOGIN,
  PROP_NAME,
  PROP_STATUS,
  PROP_TOTAL_UNREAD,
  PROP_TOKEN,
  PROP_IS_ADMIN,
  PROP_UNREAD_REMINDERS,
  N_PROPS
};

enum {
  MESSAGE_RECEIVED,
  REMINDER_RECEIVED,
  CONNECTION_ERROR,
  LOGGED_OUT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void flush_outbox (TdClient *self);
static gboolean apply_groups (TdClient *self, GPtrArray *groups);
static void apply_reminders (TdClient *self, GPtrArray *reminders, gboolean from_server);
static void clear_reminders (TdClient *self);

static gboolean
is_group_address (const char *peer)
{
  gint64 id = 0;

  return peer != NULL && td_parse_group_address (peer, &id);
}

/* Callbacks of connection operations hold only a weak reference: an
 * unreferenced client must go away at once (and not, say, send its
 * outbox once more on the way out). */
typedef struct {
  GWeakRef client;
  char    *id;
} Weak;

static Weak *
weak_new (TdClient *self, const char *id)
{
  Weak *weak = g_new0 (Weak, 1);

  g_weak_ref_init (&weak->client, self);
  weak->id = g_strdup (id);
  return weak;
}

static TdClient *
weak_take (Weak *weak)
{
  TdClient *self = g_weak_ref_get (&weak->client);

  g_weak_ref_clear (&weak->client);
  g_free (weak->id);
  g_free (weak);
  return self;
}

/* ---- small helpers ---- */

static void
set_token (TdClient *self, const char *token)
{
  if (g_strcmp0 (self->token, token) == 0)
    return;
  g_free (self->token);
  self->token = g_strdup (token);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOKEN]);
}

static void
set_login (TdClient *self, const char *login)
{
  if (g_strcmp0 (self->login, login) == 0)
    return;
  g_free (self->login);
  self->login = g_strdup (login);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOGIN]);
}

static void
set_name (TdClient *self, const char *name)
{
  if (g_strcmp0 (self->name, name) == 0)
    return;
  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

static void
set_state (TdClient *self, TdConnectionState state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Letters, digits, '.' and '-' stay; anything else becomes '_'. */
static char *
sanitise (const char *str)
{
  char *copy = g_ascii_strdown (str, -1);

  for (char *p = copy; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-')
      *p = '_';
  if (*copy == '\0' || *copy == '.')
    {
      g_free (copy);
      copy = g_strdup ("_");
    }
  return copy;
}

static char *
cache_path (TdClient *self, const char *server_url, const char *user, GError **error)
{
  g_autoptr(GUri) uri = g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *host_port = NULL;
  g_autofree char *server_dir = NULL;
  g_autofree char *user_dir = NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_FAILED,
                   "Invalid server URL “%s”", server_url);
      return NULL;
    }
  if (g_uri_get_port (uri) > 0)
    host_port = g_strdup_printf ("%s_%d", g_uri_get_host (uri), g_uri_get_port (uri));
  else
    host_port = g_strdup (g_uri_get_host (uri));
  server_dir = sanitise (host_port);
  user_dir = sanitise (user);
  return g_build_filename (self->profile_dir, server_dir, user_dir, "cache.db", NULL);
}

static void
notify_total_unread (TdClient *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL_UNREAD]);
}

static void
latest_cb (const char *peer, gint64 time_ms, const char *text, gpointer user_data)
{
  TdClient *self = user_data;
  TdContact *contact = g_hash_table_lookup (self->contacts_by_login, peer);

  if (contact != NULL)
    td_contact_set_last (contact, time_ms, text);
}

/* @unread: td_local_store_load_unread(), loaded once for the lot. */
static TdContact *
contact_from_cache (TdUser *user, GHashTable *unread)
{
  TdContact *contact = td_contact_new (user);

  td_contact_set_unread (contact, GPOINTER_TO_UINT (g_hash_table_lookup (unread, td_user_get_login (user))));
  return contact;
}

/* Shows the latest line of every conversation the cache holds on its
 * contact: once after a batch of new contacts, not per contact. */
static void
show_latest (TdClient *self)
{
  td_local_store_foreach_latest (self->store, latest_cb, self);
}

/* Replaces the contact list by @users (minus oneself), keeping the
 * TdContact of a login that stays.  Returns whether contacts were added
 * (the caller then calls show_latest()). */
static gboolean
apply_users (TdClient *self, GPtrArray *users)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) fresh = g_ptr_array_new ();
  g_autoptr(GHashTable) unread = NULL;
  gboolean added = FALSE;

  for (guint i = 0; i < users->len; i++)
    {
      TdUser *user = users->pdata[i];
      const char *login = td_user_get_login (user);
      TdContact *contact;

      if (g_strcmp0 (login, self->login) == 0)
        continue;
      g_hash_table_add (seen, (gpointer) login);
      contact = g_hash_table_lookup (self->contacts_by_login, login);
      if (contact != NULL)
        {
          td_contact_update (contact, user);
          continue;
        }
      if (unread == NULL)
        unread = td_local_store_load_unread (self->store);
      contact = contact_from_cache (user, unread);
      g_hash_table_insert (self->contacts_by_login, g_strdup (login), contact);
      g_ptr_array_add (fresh, contact);
      added = TRUE;
    }
  /* One items-changed for the lot: a 10,000-person directory appended one
   * by one made every model above it do 10,000 updates. */
  if (fresh->len > 0)
    g_list_store_splice (self->contacts, g_list_model_get_n_items (G_LIST_MODEL (self->contacts)), 0,
                         fresh->pdata, fresh->len);

  /* Backwards, so positions stay valid while removing. */
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->contacts)); i > 0; i--)
    {
      g_autoptr(TdContact) contact = g_list_model_get_item (G_LIST_MODEL (self->contacts), i - 1);
      const char *login = td_contact_get_login (contact);

      if (!td_contact_get_is_group (contact) && !g_hash_table_contains (seen, login))
        {
          g_list_store_remove (self->contacts, i - 1);
          g_hash_table_remove (self->contacts_by_login, login);
        }
    }
  notify_total_unread (self);
  return added;
}

/* Replaces the group contacts by @groups, keeping the TdContact of a
 * group that stays.  Returns whether contacts were added. */
static gboolean
apply_groups (TdClient *self, GPtrArray *groups)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) unread = NULL;
  gboolean added = FALSE;

  for (guint i = 0; i < groups->len; i++)
    {
      TdGroup *group = groups->pdata[i];
      const char *address = td_group_get_address (group);
      TdContact *contact = g_hash_table_lookup (self->contacts_by_login, address);

      g_hash_table_add (seen, (gpointer) address);
      if (contact != NULL)
        {
          td_contact_update_group (contact, group);
          continue;
        }
      contact = td_contact_new_group (group);
      if (unread == NULL)
        unread = td_local_store_load_unread (self->store);
      td_contact_set_unread (contact, GPOINTER_TO_UINT (g_hash_table_lookup (unread, address)));
      g_hash_table_insert (self->contacts_by_login, g_strdup (address), contact);
      g_list_store_append (self->contacts, contact);
      added = TRUE;
    }
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->contacts)); i > 0; i--)
    {
      g_autoptr(TdContact) contact = g_list_model_get_item (G_LIST_MODEL (self->contacts), i - 1);
      const char *login = td_contact_get_login (contact);

      if (td_contact_get_is_group (contact) && !g_hash_table_contains (seen, login))
        {
          g_list_store_remove (self->contacts, i - 1);
          g_hash_table_remove (self->contacts_by_login, login);
        }
    }
  notify_total_unread (self);
  return added;
}

/* One group changed: added, updated or (@removed) gone. */
static TdContact *
apply_group (TdClient *self, TdGroup *group, gboolean removed)
{
  const char *address = td_group_get_address (group);
  TdContact *contact = g_hash_table_lookup (self->contacts_by_login, address);

  if (removed)
    {
      guint position;

      if (contact != NULL &&
          g_list_store_find (self->contacts, contact, &position))
        {
          g_list_store_remove (self->contacts, position);
          g_hash_table_remove (self->contacts_by_login, address);
          notify_total_unread (self);
        }
      return NULL;
    }
  if (contact != NULL)
    {
      td_contact_update_group (contact, group);
      return contact;
    }
  contact = td_contact_new_group (group);
  td_contact_set_unread (contact, td_local_store_get_unread (self->store, address));
  g_hash_table_insert (self->contacts_by_login, g_strdup (address), contact);
  g_list_store_append (self->contacts, contact);
  td_local_store_foreach_latest (self->store, latest_cb, self);
  notify_total_unread (self);
  return contact;
}

static void
clear_contacts (TdClient *self)
{
  g_list_store_remove_all (self->contacts);
  g_hash_table_remove_all (self->contacts_by_login);
  notify_total_unread (self);
}

/* Opens the cache of @server_url + @user (if it is not the one open),
 * and loads the contacts and the outbox from it. */
static gboolean
open_cache (TdClient *self, const char *server_url, const char *user, GError **error)
{
  g_autofree char *path = cache_path (self, server_url, user, error);
  g_autoptr(TdLocalStore) store = NULL;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GPtrArray) outbox = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GPtrArray) reminders = NULL;
  g_autofree char *self_login = NULL;
  g_autofree char *role = NULL;
  gboolean added;

  if (path == NULL)
    return FALSE;
  if (self->store != NULL && g_strcmp0 (self->store_path, path) == 0)
    return TRUE;
  store = td_local_store_open (path, error);
  if (store == NULL)
    return FALSE;

  g_clear_pointer (&self->store, td_local_store_free);
  g_hash_table_remove_all (self->pending);
  clear_contacts (self);
  clear_reminders (self);
  self->store = g_steal_pointer (&store);
  g_free (self->store_path);
  self->store_path = g_steal_pointer (&path);

  /* The login the server reported last time (the user may have typed
   * it in another case). */
  self_login = td_local_store_get (self->store, "login");
  set_login (self, self_login ? self_login : user);

  role = td_local_store_get (self->store, "role");
  if (self->is_admin != (g_strcmp0 (role, "admin") == 0))
    {
      self->is_admin = !self->is_admin;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_ADMIN]);
    }

  users = td_local_store_load_directory (self->store);
  added = apply_users (self, users);
  g_clear_pointer (&self->cached_users, g_ptr_array_unref);
  g_clear_pointer (&self->cached_version, g_free);
  self->cached_version = td_local_store_get (self->store, "directory-version");
  if (self->cached_version != NULL && self->cached_version[0] == '\0')
    g_clear_pointer (&self->cached_version, g_free);
  self->cached_users = g_ptr_array_ref (users);
  groups = td_local_store_load_groups (self->store);
  added |= apply_groups (self, groups);
  if (added)
    show_latest (self);
  reminders = td_local_store_load_reminders (self->store);
  apply_reminders (self, reminders, FALSE);
  outbox = td_local_store_load_outbox (self->store);
  for (guint i = 0; i < outbox->len; i++)
    g_hash_table_insert (self->pending, g_strdup (td_chat_message_get_id (outbox->pdata[i])),
                         g_object_ref (outbox->pdata[i]));
  return TRUE;
}

static char *
load_device_id (const char *profile_dir, GError **error)
{
  g_autofree char *path = g_build_filename (profile_dir, "device-id", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *id = NULL;

  if (g_file_get_contents (path, &contents, NULL, NULL))
    {
      g_strstrip (contents);
      if (td_proto_validate_client_id (contents, NULL))
        return g_steal_pointer (&contents);
      g_warning ("Ignoring invalid device id in %s", path);
    }
  id = g_uuid_string_random ();
  if (!g_file_set_contents_full (path, id, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
    return NULL;
  return g_steal_pointer (&id);
}

/* ---- sending ---- */

static TdChatMessage *
message_for_row (TdClient *self, TdChatMessage *row)
{
  TdChatMessage *pending;

  /* An unsent message has one object, whoever shows it. */
  if (td_chat_message_get_state (row) == TD_CHAT_MESSAGE_SENDING &&
      (pending = g_hash_table_lookup (self->pending, td_chat_message_get_id (row))) != NULL)
    return g_object_ref (pending);
  return g_object_ref (row);
}

static void
message_committed (TdClient *self, const char *id, TdMessage *message)
{
  TdChatMessage *pending = g_hash_table_lookup (self->pending, id);
  const char *to = td_message_get_to (message);
  TdContact *contact = g_hash_table_lookup (self->contacts_by_login, to);
  TdConversation *conversation;

  td_local_store_mark_sent (self->store, td_message_get_from (message), id,
                            td_message_get_mid (message), td_message_get_time (message));
  if (pending != NULL)
    td_chat_message_set_sent (pending, td_message_get_mid (message), td_message_get_time (message));
  if (contact != NULL)
    td_contact_set_last (contact, td_message_get_time (message), td_message_get_text (message));
  /* A read mark may already cover it (someone read ahead of our "sent"). */
  conversation = g_hash_table_lookup (self->conversations, to);
  if (conversation != NULL)
    _td_conversation_update_reads (conversation);
  g_hash_table_remove (self->pending, id);
  g_hash_table_remove (self->inflight, id);
}

/* Server codes after which the same message may well go through later. */
static gboolean
is_transient_refusal (const GError *error)
{
  static const char * const codes[] = { "unavailable:", "rate_limited:", "internal:" };

  if (!g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_SERVER))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (codes); i++)
    if (g_str_has_prefix (error->message, codes[i]))
      return TRUE;
  return FALSE;
}

static void
send_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Weak *weak = user_data;
  g_autofree char *id = g_strdup (weak->id);
  g_autoptr(TdClient) self = weak_take (weak);
  g_autoptr(GError) error = NULL;
  g_autoptr(TdMessage) message = NULL;
  TdChatMessage *pending;

  message = td_connection_send_finish (TD_CONNECTION (source), result, NULL, &error);
  if (self == NULL || self->store == NULL)
    return;
  if (message != NULL)
    {
      message_committed (self, id, message);
      return;
    }
  g_hash_table_remove (self->inflight, id);
  if (g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_CLOSED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
      is_transient_refusal (error))
    {
      /* Stays in the outbox; goes out again after the next login. */
      g_debug ("message %s stays in the outbox: %s", id, error->message);
      return;
    }
  pending = g_hash_table_lookup (self->pending, id);
  if (pending == NULL)
    return;
  g_object_ref (pending);
  td_local_store_mark_failed (self->store, td_chat_message_get_from (pending), id, error->message);
  td_chat_message_set_failed (pending, error->message);
  g_hash_table_remove (self->pending, id);
  g_object_unref (pending);
}

static void
send_now (TdClient *self, TdChatMessage *message)
{
  const char *id = td_chat_message_get_id (message);

  if (!self->session_up || g_hash_table_contains (self->inflight, id))
    return;
  g_hash_table_add (self->inflight, g_strdup (id));
  td_connection_send_async (self->conn, td_chat_message_get_to (message),
                            td_chat_message_get_text (message), id, self->cancellable,
                            send_cb, weak_new (self, id));
}

/* Oldest first, as written; they go out on one socket, so in order. */
static void
flush_outbox (TdClient *self)
{
  g_autoptr(GPtrArray) outbox = td_local_store_load_outbox (self->store);

  for (guint i = 0; i < outbox->len; i++)
    {
      g_autoptr(TdChatMessage) message = message_for_row (self, outbox->pdata[i]);

      if (!g_hash_table_contains (self->pending, td_chat_message_get_id (message)))
        g_hash_table_insert (self->pending, g_strdup (td_chat_message_get_id (message)),
                             g_object_ref (message));
      send_now (self, message);
    }
}

/* ---- connection events ---- */

static void
conn_state_cb (TdConnection *conn, GParamSpec *pspec, TdClient *self)
{
  set_state (self, td_connection_get_state (conn));
}

static void
directory_changed_cb (TdConnection *conn, TdClient *self)
{
  GPtrArray *users = td_connection_get_users (conn);
  const char *version = td_connection_get_directory_version (conn);
  g_autoptr(GError) error = NULL;

  if (users == NULL || self->store == NULL)
    return;
  if (apply_users (self, users))
    show_latest (self);
  /* The cached directory confirmed "unchanged": it is on disk already. */
  if (version != NULL && g_strcmp0 (version, self->cached_version) == 0)
    return;
  if (!td_local_store_save_directory (self->store, users, &error))
    {
      g_warning ("Cannot cache the directory: %s", error->message);
      return;
    }
  /* Saved after the directory so that a crash in between leaves an old
   * version with a newer list (one full download too many), never the
   * reverse. */
  td_local_store_set (self->store, "directory-version", version ? version : "");
  g_free (self->cached_version);
  self->cached_version = g_strdup (version);
  g_clear_pointer (&self->cached_users, g_ptr_array_unref);
  self->cached_users = g_ptr_array_ref (users);
}

static void
presence_changed_cb (TdConnection *conn, const char *login, TdPresence status, TdClient *self)
{
  TdContact *contact = g_hash_table_lookup (self->contacts_by_login, login);

  if (contact != NULL)
    td_contact_set_presence (contact, status);
}

static void
message_received_cb (TdConnection *conn, TdMessage *message, TdClient *self)
{
  g_autoptr(TdChatMessage) chat = NULL;
  const char *from = td_message_get_from (message);
  const char *to = td_message_get_to (message);
  gboolean own = g_strcmp0 (from, self->login) == 0;
  /* Group messages belong to the group's conversation. */
  const char *peer = own || is_group_address (to) ? to : from;
  TdContact *contact = g_hash_table_lookup (self->contacts_by_login, peer);
  TdContact *sender = g_hash_table_lookup (self->contacts_by_login, from);
  TdConversation *conversation = g_hash_table_lookup (self->conversations, peer);
  gboolean inserted;

  if (self->store == NULL)
    return;
  inserted = td_local_store_add_message (self->store, message, self->login);
  if (own && g_hash_table_contains (self->pending, td_message_get_id (message)))
    {
      /* Our own message, committed before we heard "sent" (lost with
       * the last connection): it must not go out again. */
      message_committed (self, td_message_get_id (message), message);
      return;
    }
  if (!inserted)
    return;  /* already known (backlog resent, history overlap) */

  chat = td_chat_message_new_from_proto (message, self->login);
  if (contact != NULL)
    td_contact_set_last (contact, td_message_get_time (message), td_message_get_text (message));
  if (!own && contact != NULL)
    {
      guint unread = td_contact_get_unread (contact) + 1;

      td_local_store_set_unread (self->store, peer, unread);
      td_contact_set_unread (contact, unread);
      notify_total_unread (self);
    }
  if (conversation != NULL)
    _td_conversation_append (conversation, chat);
  if (!own)
    g_signal_emit (self, signals[MESSAGE_RECEIVED], 0, sender, chat);
}

/* ---- read marks ---- */

static gint64
own_mark (TdClient *self, const char *peer)
{
  g_autoptr(GPtrArray) marks = td_local_store_load_read_marks (self->store, peer);

  for (guint i = 0; i < marks->len; i++)
    {
      TdReadMark *mark = marks->pdata[i];

      if (g_strcmp0 (mark->user, self->login) == 0)
        return mark->mid;
    }
  return 0;
}

/* Sends the queued own read marks (one per conversation). */
static void
flush_reads (TdClient *self)
{
  g_autoptr(GPtrArray) queue = NULL;

  if (!self->session_up || self->store == NULL)
    return;
  queue = td_local_store_load_read_queue (self->store);
  for (guint i = 0; i < queue->len; i++)
    {
      TdReadMark *entry = queue->pdata[i];  /* user = the peer */

      if (!td_connection_send_read (self->conn, entry->user, entry->mid))
        return;
      td_local_store_clear_read (self->store, entry->user, entry->mid);
    }
}

/* Someone's read mark in @peer's conversation went up. */
static void
record_mark (TdClient *self, const char *peer, const char *user, gint64 mid)
{
  TdConversation *conversation = g_hash_table_lookup (self->conversations, peer);

  td_local_store_set_read_mark (self->store, peer, user, mid);
  if (conversation != NULL)
    _td_conversation_set_read_mark (conversation, user, mid);
}

static void
receipt_cb (TdConnection *conn, const char *user, const char *peer, gint64 mid, TdClient *self)
{
  TdContact *contact;
  guint unread;

  if (self->store == NULL || mid <= 0)
    return;
  if (g_strcmp0 (user, self->login) != 0)
    {
      /* 1:1 receipts name us as the peer: the conversation is the reader's. */
      record_mark (self, is_group_address (peer) ? peer : user, user, mid);
      return;
    }
  /* Read on another of our devices: what is left unread here is what
   * came after that mark. */
  record_mark (self, peer, user, mid);
  contact = g_hash_table_lookup (self->contacts_by_login, peer);
  unread = td_local_store_count_after (self->store, peer, self->login, mid);
  if (contact != NULL && unread < td_contact_get_unread (contact))
    {
      td_local_store_set_unread (self->store, peer, unread);
      td_contact_set_unread (contact, unread);
      notify_total_unread (self);
    }
}

static void
typing_cb (TdConnection *conn, const char *user, const char *to, TdClient *self)
{
  const char *peer = is_group_address (to) ? to : user;
  TdConversation *conversation = g_hash_table_lookup (self->conversations, peer);
  TdContact *contact = g_hash_table_lookup (self->contacts_by_login, user);

  if (g_strcmp0 (user, self->login) == 0 || conversation == NULL)
    return;
  _td_conversation_set_typing (conversation, user,
                               contact != NULL ? td_contact_get_name (contact) : user);
}

/* ---- groups ---- */

static void
groups_changed_cb (TdConnection *conn, TdClient *self)
{
  GPtrArray *groups = td_connection_get_groups (conn);

  if (self->store == NULL)
    return;
  if (apply_groups (self, groups))
    show_latest (self);
  td_local_store_save_groups (self->store, groups);
}

static void
group_changed_cb (TdConnection *conn, TdGroup *group, gboolean removed, TdClient *self)
{
  if (self->store == NULL)
    return;
  apply_group (self, group, removed);
  if (removed)
    td_local_store_delete_group (self->store, td_group_get_address (group));
  else
    td_local_store_save_group (self->store, group);
}

/* ---- reminders ---- */

static int
compare_reminder_items (gconstpointer pa, gconstpointer pb, gpointer user_data)
{
  TdReminderItem *a = (TdReminderItem *) pa;
  TdReminderItem *b = (TdReminderItem *) pb;
  gint64 ta = td_reminder_item_get_time (a);
  gint64 tb = td_reminder_item_get_time (b);

  if (ta != tb)
    return ta > tb ? -1 : 1;
  return td_reminder_item_get_rid (a) > td_reminder_item_get_rid (b) ? -1 :
         td_reminder_item_get_rid (a) < td_reminder_item_get_rid (b) ? 1 : 0;
}

static void
update_unread_reminders (TdClient *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->reminders));
  guint unread = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TdReminderItem) item = g_list_model_get_item (G_LIST_MODEL (self->reminders), i);

      if (td_reminder_item_get_unread (item))
        unread++;
    }
  if (unread == self->unread_reminders)
    return;
  self->unread_reminders = unread;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD_REMINDERS]);
}

/* Alerts ("reminder-received") once per reminder and once per snooze end,
 * remembered in the cache so that a restart does not alert again. */
static void
maybe_alert (TdClient *self, TdReminderItem *item)
{
  TdReminder *reminder = td_reminder_item_get_reminder (item);
  gint64 rid = td_reminder_item_get_rid (item);
  gint64 until = td_reminder_get_state (reminder) == TD_REMINDER_SNOOZED ? td_reminder_get_until (reminder) : 0;
  gboolean open = td_reminder_item_get_state (item) == TD_REMINDER_OPEN;
  gint64 alerted_until = 0;

  if (!td_local_store_get_alerted (self->store, rid, &alerted_until))
    {
      /* First sight.  Something already done or still snoozed is noted
       * silently; its snooze end alerts later. */
      td_local_store_set_alerted (self->store, rid, open ? until : 0);
      if (open)
        g_signal_emit (self, signals[REMINDER_RECEIVED], 0, item);
      return;
    }
  if (open && until > 0 && alerted_until < until)
    {
      td_local_store_set_alerted (self->store, rid, until);
      g_signal_emit (self, signals[REMINDER_RECEIVED], 0, item);
    }
}

static void schedule_snooze_check (TdClient *self);

static gboolean
snooze_cb (gpointer user_data)
{
  TdClient *self = user_data;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->reminders));
  g_autoptr(GPtrArray) ended = g_ptr_array_new_with_free_func (g_object_unref);

  self->snooze_id = 0;
  for (guint i = 0; i < n; i++)
    {
      TdReminderItem *item = g_list_model_get_item (G_LIST_MODEL (self->reminders), i);

      g_ptr_array_add (ended, item);
      td_reminder_item_refresh (item);
    }
  update_unread_reminders (self);
  /* Alerts after every state is current: handlers may look at the list. */
  for (guint i = 0; i < ended->len && self->store != NULL; i++)
    maybe_alert (self, ended->pdata[i]);
  schedule_snooze_check (self);
  return G_SOURCE_REMOVE;
}

/* Arms a timer for the earliest snooze end still ahead. */
static void
schedule_snooze_check (TdClient *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->reminders));
  gint64 now = g_get_real_time () / 1000;
  gint64 next = 0;

  g_clear_handle_id (&self->snooze_id, g_source_remove);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TdReminderItem) item = g_list_model_get_item (G_LIST_MODEL (self->reminders), i);
      gint64 until = td_reminder_item_get_until (item);

      if (td_reminder_item_get_state (item) == TD_REMINDER_SNOOZED && until > now &&
          (next == 0 || until < next))
        next = until;
    }
  if (next > 0)
    /* +1: the item compares until <= now, so fire just after. */
    self->snooze_id = g_timeout_add ((guint) MIN (next - now + 1, (gint64) G_MAXINT32), snooze_cb, self);
}

static TdReminderItem *
add_reminder (TdClient *self, TdReminder *reminder)
{
  TdReminderItem *item = g_hash_table_lookup (self->reminders_by_rid, &(gint64) { td_reminder_get_rid (reminder) });
  gint64 *key;

  if (item != NULL)
    {
      td_reminder_item_update (item, reminder);
      return item;
    }
  item = td_reminder_item_new (reminder);
  key = g_new (gint64, 1);
  *key = td_reminder_get_rid (reminder);
  g_hash_table_insert (self->reminders_by_rid, key, item);
  g_list_store_insert_sorted (self->reminders, item, compare_reminder_items, NULL);
  return item;
}

static TdReminder *
optimistic (TdReminder *reminder, TdReminderAction action, gint64 until_ms)
{
  switch (action)
    {
    case TD_REMINDER_ACTION_DONE:
      return td_reminder_with_state (reminder, TD_REMINDER_DONE, 0, TRUE);
    case TD_REMINDER_ACTION_SNOOZE:
      return td_reminder_with_state (reminder, TD_REMINDER_SNOOZED, until_ms, TRUE);
    case TD_REMINDER_ACTION_REOPEN:
      return td_reminder_with_state (reminder, TD_REMINDER_OPEN, 0, td_reminder_get_read (reminder));
    case TD_REMINDER_ACTION_READ:
    default:
      return td_reminder_with_state (reminder, td_reminder_get_state (reminder),
                                     td_reminder_get_until (reminder), TRUE);
    }
}

static void
overlay_cb (gint64 rid, TdReminderAction action, gint64 until_ms, gpointer user_data)
{
  TdClient *self = user_data;
  TdReminderItem *item = g_hash_table_lookup (self->reminders_by_rid, &rid);
  g_autoptr(TdReminder) guess = NULL;

  if (item == NULL)
    return;
  guess = optimistic (td_reminder_item_get_reminder (item), action, until_ms);
  td_reminder_item_update (item, guess);
}

/* Replaces the list by @reminders (the session-start list, or the cache). */
static void
apply_reminders (TdClient *self, GPtrArray *reminders, gboolean from_server)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < reminders->len; i++)
    {
      TdReminderItem *item = add_reminder (self, reminders->pdata[i]);
      gint64 *rid = g_new (gint64, 1);

      *rid = td_reminder_item_get_rid (item);
      g_hash_table_add (seen, rid);
      g_ptr_array_add (items, g_object_ref (item));
    }
  for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->reminders)); i > 0; i--)
    {
      g_autoptr(TdReminderItem) item = g_list_model_get_item (G_LIST_MODEL (self->reminders), i - 1);
      gint64 rid = td_reminder_item_get_rid (item);

      if (!g_hash_table_contains (seen, &rid))
        {
          g_list_store_remove (self->reminders, i - 1);
          g_hash_table_remove (self->reminders_by_rid, &rid);
        }
    }
  if (from_server)
    {
      td_local_store_save_reminders (self->store, reminders);
      /* Changes the server has not confirmed yet stay visible. */
      td_local_store_foreach_reminder_update (self->store, overlay_cb, self);
    }
  update_unread_reminders (self);
  for (guint i = 0; i < items->len; i++)
    maybe_alert (self, items->pdata[i]);
  schedule_snooze_check (self);
}

static void
clear_reminders (TdClient *self)
{
  g_clear_handle_id (&self->snooze_id, g_source_remove);
  g_list_store_remove_all (self->reminders);
  g_hash_table_remove_all (self->reminders_by_rid);
  update_unread_reminders (self);
}

static void
reminders_received_cb (TdConnection *conn, GPtrArray *reminders, TdClient *self)
{
  if (self->store != NULL)
    apply_reminders (self, reminders, TRUE);
}

static void
reminder_received_cb (TdConnection *conn, TdReminder *reminder, TdClient *self)
{
  TdReminderItem *item;

  if (self->store == NULL)
    return;
  item = add_reminder (self, reminder);
  td_local_store_save_reminder (self->store, reminder);
  update_unread_reminders (self);
  maybe_alert (self, item);
  schedule_snooze_check (self);
}

static void
reminder_update_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Weak *weak = user_data;
  gint64 rid = g_ascii_strtoll (weak->id, NULL, 10);
  g_autoptr(TdClient) self = weak_take (weak);
  g_autoptr(GError) error = NULL;
  g_autoptr(TdReminder) reminder = NULL;

  reminder = td_connection_update_reminder_finish (TD_CONNECTION (source), result, &error);
  if (self == NULL || self->store == NULL)
    return;
  if (reminder == NULL &&
      (g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_CLOSED) ||
       g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
       is_transient_refusal (error)))
    return;  /* stays queued for the next session */
  if (reminder == NULL)
    g_debug ("reminder update %" G_GINT64_FORMAT " refused: %s", rid, error->message);
  /* Answered ("reminder-received" applied the server's version) or
   * refused for good: either way nothing is left to send. */
  td_local_store_clear_reminder_update (self->store, rid);
}

static void
send_reminder_update (TdClient *self, gint64 rid, TdReminderAction action, gint64 until_ms)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, rid);

  if (!self->session_up)
    return;
  td_connection_update_reminder_async (self->conn, rid, action, until_ms, self->cancellable,
                                       reminder_update_cb, weak_new (self, id));
}

static void
flush_reminder_cb (gint64 rid, TdReminderAction action, gint64 until_ms, gpointer user_data)
{
  send_reminder_update (user_data, rid, action, until_ms);
}

static void
synced_cb (TdConnection *conn, gint64 seq, TdClient *self)
{
  /* After the session-start "reminders": the answers land on the fresh list. */
  if (self->store != NULL)
    td_local_store_foreach_reminder_update (self->store, flush_reminder_cb, self);
}

static void schedule_reconnect (TdClient *self);

static void
closed_cb (TdConnection *conn, gushort code, const char *reason, TdClient *self)
{
  g_hash_table_remove_all (self->inflight);
  if (!self->session_up)
    return;  /* a failed attempt: its callback decides */
  self->session_up = FALSE;
  g_debug ("connection lost (%u)", code);
  if (self->reconnect)
    schedule_reconnect (self);
}

/* A session is established: everything that waits for one goes out. */
static void
logged_in (TdClient *self, TdUser *user)
{
  self->session_up = TRUE;
  self->reconnect = TRUE;
  self->backoff_s = 0;
  set_login (self, td_user_get_login (user));
  set_name (self, td_user_get_name (user));
  if (self->is_admin != (td_user_get_role (user) == TD_ROLE_ADMIN))
    {
      self->is_admin = !self->is_admin;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_ADMIN]);
    }
  td_local_store_set (self->store, "role", td_role_to_string (td_user_get_role (user)));
  set_token (self, td_connection_get_token (self->conn));
  td_local_store_set (self->store, "server-url", self->server_url);
  td_local_store_set (self->store, "login", self->login);
  if (self->status != TD_PRESENCE_ONLINE)
    td_connection_set_status (self->conn, self->status);
  flush_outbox (self);
  flush_reads (self);
}

static void
reconnect_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(TdClient) self = weak_take (user_data);
  g_autoptr(GError) error = NULL;
  g_autoptr(TdUser) user = td_connection_login_finish (TD_CONNECTION (source), result, &error);

  if (self == NULL || !self->reconnect)
    return;
  if (user != NULL)
    {
      logged_in (self, user);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_TOKEN_INVALID) ||
      g_error_matches (error, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_AUTH_FAILED))
    {
      self->reconnect = FALSE;
      set_token (self, NULL);
      g_signal_emit (self, signals[LOGGED_OUT], 0);
      return;
    }
  g_signal_emit (self, signals[CONNECTION_ERROR], 0, error->message);
  schedule_reconnect (self);
}

static gboolean
reconnect_timeout_cb (gpointer user_data)
{
  TdClient *self = user_data;

  self->reconnect_id = 0;
  if (self->token == NULL)
    return G_SOURCE_REMOVE;
  if (td_connection_get_state (self->conn) != TD_CONNECTION_STATE_DISCONNECTED)
    {
      schedule_reconnect (self);
      return G_SOURCE_REMOVE;
    }
  td_connection_resume_async (self->conn, self->token, self->cancellable,
                              reconnect_cb, weak_new (self, NULL));
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (TdClient *self)
{
  guint delay_s;
  guint delay_ms;

  if (self->reconnect_id != 0)
    return;
  delay_s = self->backoff_s == 0 ? BACKOFF_MIN_S : self->backoff_s;
  self->backoff_s = MIN (delay_s * 2, BACKOFF_MAX_S);
  /* ±20 % so that a restarted server is not hit by everyone at once. */
  delay_ms = (guint) (delay_s * 1000 * g_random_double_range (0.8, 1.2));
  g_debug ("reconnecting in %u ms", delay_ms);
  self->reconnect_id = g_timeout_add (delay_ms, reconnect_timeout_cb, self);
}

/* The connection acks (at its idle priority) only what the cache has
 * committed, but closing acks at once: commit the cache's batch first so
 * the server never drops a message the cache does not hold yet. */
static void
flush_then_close (TdClient *self, TdConnection *conn)
{
  if (self->store != NULL)
    td_local_store_flush (self->store);
  td_connection_close (conn);
}

static void
ensure_connection (TdClient *self, const char *server_url)
{
  if (self->conn != NULL && g_strcmp0 (self->server_url, server_url) == 0)
    return;
  if (self->conn != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->conn, self);
      flush_then_close (self, self->conn);
      g_clear_object (&self->conn);
    }
  g_free (self->server_url);
  self->server_url = g_strdup (server_url);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SERVER_URL]);

  self->conn = td_connection_new (server_url, self->device_id);
  g_signal_connect (self->conn, "notify::state", G_CALLBACK (conn_state_cb), self);
  g_signal_connect (self->conn, "directory-changed", G_CALLBACK (directory_changed_cb), self);
  g_signal_connect (self->conn, "presence-changed", G_CALLBACK (presence_changed_cb), self);
  g_signal_connect (self->conn, "message-received", G_CALLBACK (message_received_cb), self);
  g_signal_connect (self->conn, "closed", G_CALLBACK (closed_cb), self);
  g_signal_connect (self->conn, "synced", G_CALLBACK (synced_cb), self);
  g_signal_connect (self->conn, "receipt", G_CALLBACK (receipt_cb), self);
  g_signal_connect (self->conn, "typing", G_CALLBACK (typing_cb), self);
  g_signal_connect (self->conn, "groups-changed", G_CALLBACK (groups_changed_cb), self);
  g_signal_connect (self->conn, "group-changed", G_CALLBACK (group_changed_cb), self);
  g_signal_connect (self->conn, "reminders-received", G_CALLBACK (reminders_received_cb), self);
  g_signal_connect (self->conn, "reminder-received", G_CALLBACK (reminder_received_cb), self);
}

/* ---- login ---- */

static void
login_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TdClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(TdUser) user = td_connection_login_finish (TD_CONNECTION (source), result, &error);

  if (user == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (self->conn == TD_CONNECTION (source))
    logged_in (self, user);
  g_task_return_boolean (task, TRUE);
}

static void
start_login (TdClient           *self,
             const char         *server_url,
             const char         *user,
             const char         *password,
             const char         *token,
             GCancellable       *cancellable,
             GAsyncReadyCallback callback,
             gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, td_client_login_async);

  /* The cache first: contacts show while the connection comes up. */
  if (!open_cache (self, server_url, user, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  self->reconnect = FALSE;
  self->session_up = FALSE;
  if (self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable))
    {
      g_clear_object (&self->cancellable);
      self->cancellable = g_cancellable_new ();
    }
  ensure_connection (self, server_url);
  if (self->cached_version != NULL && self->cached_users != NULL)
    td_connection_set_cached_directory (self->conn, self->cached_version, self->cached_users);
  if (token != NULL)
    {
      set_token (self, token);
      td_connection_resume_async (self->conn, token, cancellable, login_cb, g_steal_pointer (&task));
    }
  else
    td_connection_login_async (self->conn, user, password, cancellable, login_cb,
                               g_steal_pointer (&task));
}

/* ---- GObject ---- */

static void conversation_gone_cb (gpointer data, GObject *where_the_object_was);

static void
td_client_dispose (GObject *object)
{
  TdClient *self = TD_CLIENT (object);

  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  g_clear_handle_id (&self->snooze_id, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->conn != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->conn, self);
      flush_then_close (self, self->conn);
      g_clear_object (&self->conn);
    }
  g_clear_pointer (&self->reminders_by_rid, g_hash_table_unref);
  g_clear_object (&self->reminders);
  /* Conversations may outlive the client: stop hearing about them. */
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, self->conversations);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      g_object_weak_unref (value, conversation_gone_cb, self);
    g_hash_table_remove_all (self->conversations);
  }
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->contacts_by_login, g_hash_table_unref);
  g_clear_object (&self->contacts);

  G_OBJECT_CLASS (td_client_parent_class)->dispose (object);
}

static void
td_client_finalize (GObject *object)
{
  TdClient *self = TD_CLIENT (object);

  g_clear_pointer (&self->store, td_local_store_free);
  g_free (self->store_path);
  g_clear_pointer (&self->cached_users, g_ptr_array_unref);
  g_free (self->cached_version);
  g_free (self->profile_dir);
  g_free (self->device_id);
  g_free (self->server_url);
  g_free (self->name);
  g_free (self->login);
  g_free (self->token);
  g_hash_table_unref (self->conversations);
  g_hash_table_unref (self->inflight);
  g_hash_table_unref (self->typing_sent);

  G_OBJECT_CLASS (td_client_parent_class)->finalize (object);
}

static void
td_client_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  TdClient *self = TD_CLIENT (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    case PROP_LOGIN:
      g_value_set_string (value, self->login);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_STATUS:
      g_value_set_int (value, self->status);
      break;
    case PROP_TOTAL_UNREAD:
      g_value_set_uint (value, td_client_get_total_unread (self));
      break;
    case PROP_TOKEN:
      g_value_set_string (value, self->token);
      break;
    case PROP_IS_ADMIN:
      g_value_set_boolean (value, self->is_admin);
      break;
    case PROP_UNREAD_REMINDERS:
      g_value_set_uint (value, self->unread_reminders);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_client_class_init (TdClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = td_client_dispose;
  object_class->finalize = td_client_finalize;
  object_class->get_property = td_client_get_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, TD_CONNECTION_STATE_DISCONNECTED,
                      TD_CONNECTION_STATE_ONLINE, TD_CONNECTION_STATE_DISCONNECTED, flags);
  properties[PROP_SERVER_URL] = g_param_spec_string ("server-url", NULL, NULL, NULL, flags);
  properties[PROP_LOGIN] = g_param_spec_string ("login", NULL, NULL, NULL, flags);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_STATUS] =
    g_param_spec_int ("status", NULL, NULL, TD_PRESENCE_OFFLINE, TD_PRESENCE_BUSY,
                      TD_PRESENCE_ONLINE, flags);
  properties[PROP_TOTAL_UNREAD] =
    g_param_spec_uint ("total-unread", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_TOKEN] = g_param_spec_string ("token", NULL, NULL, NULL, flags);
  properties[PROP_IS_ADMIN] = g_param_spec_boolean ("is-admin", NULL, NULL, FALSE, flags);
  properties[PROP_UNREAD_REMINDERS] =
    g_param_spec_uint ("unread-reminders", NULL, NULL, 0, G_MAXUINT, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[MESSAGE_RECEIVED] =
    g_signal_new ("message-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, TD_TYPE_CONTACT, TD_TYPE_CHAT_MESSAGE);
  signals[REMINDER_RECEIVED] =
    g_signal_new ("reminder-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, TD_TYPE_REMINDER_ITEM);
  signals[CONNECTION_ERROR] =
    g_signal_new ("connection-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[LOGGED_OUT] =
    g_signal_new ("logged-out", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
td_client_init (TdClient *self)
{
  self->status = TD_PRESENCE_ONLINE;
  self->contacts = g_list_store_new (TD_TYPE_CONTACT);
  self->contacts_by_login = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->conversations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->inflight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->typing_sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->reminders = g_list_store_new (TD_TYPE_REMINDER_ITEM);
  self->reminders_by_rid = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
}

/* ---- public API ---- */

TdClient *
td_client_new (const char *profile_dir, GError **error)
{
  g_autoptr(TdClient) self = NULL;

  g_return_val_if_fail (profile_dir != NULL, NULL);

  if (g_mkdir_with_parents (profile_dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot create the profile directory %s: %s", profile_dir,
                   g_strerror (saved_errno));
      return NULL;
    }
  self = g_object_new (TD_TYPE_CLIENT, NULL);
  self->profile_dir = g_strdup (profile_dir);
  self->device_id = load_device_id (profile_dir, error);
  if (self->device_id == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

void
td_client_login_async (TdClient           *self,
                       const char         *server_url,
                       const char         *user,
                       const char         *password,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  g_return_if_fail (TD_IS_CLIENT (self));
  g_return_if_fail (server_url != NULL && user != NULL && password != NULL);

  start_login (self, server_url, user, password, NULL, cancellable, callback, user_data);
}

void
td_client_resume_async (TdClient           *self,
                        const char         *server_url,
                        const char         *user,
                        const char         *token,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_return_if_fail (TD_IS_CLIENT (self));
  g_return_if_fail (server_url != NULL && user != NULL && token != NULL);

  start_login (self, server_url, user, NULL, token, cancellable, callback, user_data);
}

gboolean
td_client_login_finish (TdClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* No TdClient here: a client dropped right after td_client_logout() must
 * not live on (and take messages) until the server answers.  Its cache
 * was committed when the logout was sent. */
static void
logout_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;

  if (!td_connection_logout_finish (TD_CONNECTION (source), result, &error))
    {
      g_debug ("logout: %s", error->message);
      td_connection_close (TD_CONNECTION (source));
    }
}

void
td_client_logout (TdClient *self)
{
  g_return_if_fail (TD_IS_CLIENT (self));

  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  self->reconnect = FALSE;
  self->session_up = FALSE;
  if (self->conn != NULL)
    {
      TdConnectionState state = td_connection_get_state (self->conn);

      if (state == TD_CONNECTION_STATE_SYNCING || state == TD_CONNECTION_STATE_ONLINE)
        {
          if (self->store != NULL)
            td_local_store_flush (self->store);
          td_connection_logout_async (self->conn, NULL, logout_cb, NULL);
        }
      else
        flush_then_close (self, self->conn);
    }
  set_token (self, NULL);
  g_signal_emit (self, signals[LOGGED_OUT], 0);
}

TdConnectionState
td_client_get_state (TdClient *self)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), TD_CONNECTION_STATE_DISCONNECTED);
  return self->state;
}

const char *
td_client_get_name (TdClient *self)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), NULL);
  return self->name;
}

const char *
td_client_get_login (TdClient *self)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), NULL);
  return self->login;
}

const char *
td_client_get_server_url (TdClient *self)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), NULL);
  return self->server_url;
}

const char *
td_client_get_token (TdClient *self)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), NULL);
  return self->token;
}

guint
td_client_get_total_unread (TdClient *self)
{
  GHashTableIter iter;
  gpointer value;
  guint total = 0;

  g_return_val_if_fail (TD_IS_CLIENT (self), 0);

  if (self->contacts_by_login == NULL)
    return 0;
  g_hash_table_iter_init (&iter, self->contacts_by_login);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    total += td_contact_get_unread (value);
  return total;
}

void
td_client_set_status (TdClient *self, TdPresence status)
{
  g_return_if_fail (TD_IS_CLIENT (self));
  g_return_if_fail (status != TD_PRESENCE_OFFLINE);

  if (self->status == status)
    return;
  self->status = status;
  if (self->conn != NULL)
    td_connection_set_status (self->conn, status);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
}

TdPresence
td_client_get_status (TdClient *self)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), TD_PRESENCE_OFFLINE);
  return self->status;
}

GListModel *
td_client_get_contacts (TdClient *self)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), NULL);
  return G_LIST_MODEL (self->contacts);
}

TdContact *
td_client_lookup_contact (TdClient *self, const char *login)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (login != NULL, NULL);
  return g_hash_table_lookup (self->contacts_by_login, login);
}

static void
conversation_gone_cb (gpointer data, GObject *where_the_object_was)
{
  TdClient *self = data;
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->conversations);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (value == (gpointer) where_the_object_was)
      {
        g_hash_table_iter_remove (&iter);
        return;
      }
}

TdConversation *
td_client_get_conversation (TdClient *self, const char *peer)
{
  TdConversation *conversation;
  g_autoptr(GPtrArray) initial = NULL;
  g_autoptr(GPtrArray) marks = NULL;

  g_return_val_if_fail (TD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (peer != NULL, NULL);

  conversation = g_hash_table_lookup (self->conversations, peer);
  if (conversation != NULL)
    return g_object_ref (conversation);

  initial = _td_client_load_messages (self, peer, 0, INITIAL_MESSAGES);
  if (self->store != NULL)
    marks = td_local_store_load_read_marks (self->store, peer);
  conversation = _td_conversation_new (self, peer, initial, marks);
  g_hash_table_insert (self->conversations, g_strdup (peer), conversation);
  g_object_weak_ref (G_OBJECT (conversation), conversation_gone_cb, self);
  return conversation;
}

TdChatMessage *
td_client_send (TdClient *self, const char *peer, const char *text)
{
  g_autoptr(TdChatMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;
  TdConversation *conversation;
  TdContact *contact;

  g_return_val_if_fail (TD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (peer != NULL && text != NULL, NULL);
  g_return_val_if_fail (self->store != NULL, NULL);

  id = g_uuid_string_random ();
  message = td_chat_message_new_outgoing (id, self->login, peer, text, g_get_real_time () / 1000);
  if (!td_local_store_queue (self->store, message, &error))
    {
      g_warning ("Cannot queue a message: %s", error->message);
      td_chat_message_set_failed (message, error->message);
      return g_steal_pointer (&message);
    }
  g_hash_table_insert (self->pending, g_strdup (id), g_object_ref (message));

  contact = g_hash_table_lookup (self->contacts_by_login, peer);
  if (contact != NULL)
    td_contact_set_last (contact, td_chat_message_get_time (message), text);
  conversation = g_hash_table_lookup (self->conversations, peer);
  if (conversation != NULL)
    _td_conversation_append (conversation, message);
  send_now (self, message);
  return g_steal_pointer (&message);
}

void
td_client_mark_read (TdClient *self, const char *peer)
{
  TdContact *contact;

  g_return_if_fail (TD_IS_CLIENT (self));
  g_return_if_fail (peer != NULL);

  if (self->store != NULL)
    {
      gint64 mid = td_local_store_get_max_mid (self->store, peer);

      td_local_store_set_unread (self->store, peer, 0);
      /* Tell the server (and so the sender) once per new high mark. */
      if (mid > 0 && self->login != NULL && mid > own_mark (self, peer))
        {
          td_local_store_set_read_mark (self->store, peer, self->login, mid);
          td_local_store_queue_read (self->store, peer, mid);
          flush_reads (self);
        }
    }
  contact = g_hash_table_lookup (self->contacts_by_login, peer);
  if (contact != NULL && td_contact_get_unread (contact) != 0)
    {
      td_contact_set_unread (contact, 0);
      notify_total_unread (self);
    }
}

void
td_client_notify_typing (TdClient *self, const char *peer)
{
  gint64 now = g_get_monotonic_time ();
  gint64 *last;

  g_return_if_fail (TD_IS_CLIENT (self));
  g_return_if_fail (peer != NULL);

  if (!self->session_up)
    return;
  last = g_hash_table_lookup (self->typing_sent, peer);
  if (last != NULL && now - *last < TYPING_INTERVAL_US)
    return;
  if (!td_connection_send_typing (self->conn, peer))
    return;
  if (last == NULL)
    {
      last = g_new (gint64, 1);
      g_hash_table_insert (self->typing_sent, g_strdup (peer), last);
    }
  *last = now;
}

/* ---- reminders, public ---- */

GListModel *
td_client_get_reminders (TdClient *self)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), NULL);
  return G_LIST_MODEL (self->reminders);
}

TdReminderItem *
td_client_lookup_reminder (TdClient *self, gint64 rid)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), NULL);
  return g_hash_table_lookup (self->reminders_by_rid, &rid);
}

guint
td_client_get_unread_reminders (TdClient *self)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), 0);
  return self->unread_reminders;
}

void
td_client_update_reminder (TdClient        *self,
                           gint64           rid,
                           TdReminderAction action,
                           gint64           until_ms)
{
  TdReminderItem *item;
  g_autoptr(TdReminder) guess = NULL;

  g_return_if_fail (TD_IS_CLIENT (self));
  g_return_if_fail (rid > 0);
  g_return_if_fail (action != TD_REMINDER_ACTION_SNOOZE || until_ms > 0);

  if (self->store == NULL)
    return;
  if (action != TD_REMINDER_ACTION_SNOOZE)
    until_ms = 0;
  item = g_hash_table_lookup (self->reminders_by_rid, &rid);
  if (item != NULL)
    {
      guess = optimistic (td_reminder_item_get_reminder (item), action, until_ms);
      td_reminder_item_update (item, guess);
      td_local_store_save_reminder (self->store, guess);
      update_unread_reminders (self);
      schedule_snooze_check (self);
    }
  /* Kept until the server answered, so it survives going offline. */
  td_local_store_queue_reminder_update (self->store, rid, action, until_ms);
  send_reminder_update (self, rid, action, until_ms);
}

gboolean
td_client_get_is_admin (TdClient *self)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), FALSE);
  return self->is_admin;
}

/* Fails @task when there is no connection to ask. */
static gboolean
check_connection (TdClient *self, GTask *task)
{
  if (self->conn != NULL && self->session_up)
    return TRUE;
  g_task_return_new_error (task, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_CLOSED, "Not connected");
  return FALSE;
}

static void
announce_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdFrame) frame = td_connection_status_finish (TD_CONNECTION (source), result, &error);

  if (frame == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (g_task_get_source_tag (task) == td_client_announce_async)
    g_task_return_int (task, td_frame_get_rid (frame));
  else
    g_task_return_pointer (task,
                           td_reminder_status_new (td_frame_get_rid (frame), td_frame_get_total (frame),
                                                   td_frame_get_read_count (frame),
                                                   td_frame_get_done_count (frame),
                                                   td_frame_get_unread (frame)),
                           (GDestroyNotify) td_reminder_status_free);
}

void
td_client_announce_async (TdClient           *self,
                          const char         *title,
                          const char         *body,
                          const char         *link,
                          const char         *department,
                          TdPriority          priority,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TD_IS_CLIENT (self));
  g_return_if_fail (title != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_client_announce_async);
  if (!check_connection (self, task))
    return;
  td_connection_announce_async (self->conn, title, body, link, department, priority, cancellable,
                                announce_cb, g_steal_pointer (&task));
}

gint64
td_client_announce_finish (TdClient *self, GAsyncResult *result, GError **error)
{
  gssize rid;

  g_return_val_if_fail (TD_IS_CLIENT (self), 0);
  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  rid = g_task_propagate_int (G_TASK (result), error);
  /* GTask says -1 on error; the API says 0. */
  return rid > 0 ? (gint64) rid : 0;
}

void
td_client_reminder_status_async (TdClient           *self,
                                 gint64              rid,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TD_IS_CLIENT (self));
  g_return_if_fail (rid > 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_client_reminder_status_async);
  if (!check_connection (self, task))
    return;
  td_connection_reminder_status_async (self->conn, rid, cancellable, announce_cb,
                                       g_steal_pointer (&task));
}

TdReminderStatus *
td_client_reminder_status_finish (TdClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- groups, public ---- */

static void
group_request_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TdClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(TdGroup) group = td_connection_group_finish (TD_CONNECTION (source), result, NULL, &error);
  TdContact *contact;

  if (group == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_get_source_tag (task) != td_client_create_group_async)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* "group-changed" ran first, so the contact is normally there. */
  contact = g_hash_table_lookup (self->contacts_by_login, td_group_get_address (group));
  if (contact == NULL && self->store != NULL)
    contact = apply_group (self, group, FALSE);
  if (contact == NULL)
    g_task_return_new_error (task, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_CLOSED,
                             "The client was closed");
  else
    g_task_return_pointer (task, g_object_ref (contact), g_object_unref);
}

void
td_client_create_group_async (TdClient           *self,
                              const char         *name,
                              const char * const *members,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TD_IS_CLIENT (self));
  g_return_if_fail (name != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_client_create_group_async);
  if (!check_connection (self, task))
    return;
  td_connection_create_group_async (self->conn, name, members, cancellable, group_request_cb,
                                    g_steal_pointer (&task));
}

TdContact *
td_client_create_group_finish (TdClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
td_client_update_group_async (TdClient           *self,
                              const char         *group,
                              const char         *name,
                              const char * const *add,
                              const char * const *remove,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TD_IS_CLIENT (self));
  g_return_if_fail (group != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_client_update_group_async);
  if (!check_connection (self, task))
    return;
  td_connection_update_group_async (self->conn, group, name, add, remove, cancellable,
                                    group_request_cb, g_steal_pointer (&task));
}

gboolean
td_client_update_group_finish (TdClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
td_client_leave_group_async (TdClient           *self,
                             const char         *group,
                             GCancellable       *cancellable,
                             GAsyncReadyCallback callback,
                             gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (TD_IS_CLIENT (self));
  g_return_if_fail (group != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_client_leave_group_async);
  if (!check_connection (self, task))
    return;
  td_connection_leave_group_async (self->conn, group, cancellable, group_request_cb,
                                   g_steal_pointer (&task));
}

gboolean
td_client_leave_group_finish (TdClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (TD_IS_CLIENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- private API for TdConversation ---- */

GPtrArray *
_td_client_load_messages (TdClient *self, const char *peer, gint64 before_mid, guint limit)
{
  g_autoptr(GPtrArray) rows = NULL;
  GPtrArray *messages = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->store == NULL)
    return messages;
  rows = td_local_store_load_messages (self->store, peer, self->login, before_mid, limit);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add (messages, message_for_row (self, rows->pdata[i]));
  return messages;
}

gboolean
_td_client_is_online (TdClient *self)
{
  return self->session_up;
}

static void
history_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GTask) task = user_data;
  TdClient *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(GPtrArray) reads = NULL;
  const char *peer = g_task_get_task_data (task);
  GPtrArray *messages;
  gboolean more = FALSE;

  found = td_connection_history_finish_full (TD_CONNECTION (source), result, &more, &reads, &error);
  if (found == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  messages = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < found->len; i++)
    {
      TdMessage *message = found->pdata[i];
      TdChatMessage *pending = g_hash_table_lookup (self->pending, td_message_get_id (message));

      if (self->store != NULL)
        td_local_store_add_message (self->store, message, self->login);
      if (pending != NULL && g_strcmp0 (td_message_get_from (message), self->login) == 0)
        {
          message_committed (self, td_message_get_id (message), message);
          g_ptr_array_add (messages, g_object_ref (pending));
        }
      else
        g_ptr_array_add (messages, td_chat_message_new_from_proto (message, self->login));
    }
  for (guint i = 0; self->store != NULL && i < reads->len; i++)
    {
      TdReadMark *mark = reads->pdata[i];

      record_mark (self, peer, mark->user, mark->mid);
    }
  g_object_set_data (G_OBJECT (task), "more", GINT_TO_POINTER (more));
  g_task_return_pointer (task, messages, (GDestroyNotify) g_ptr_array_unref);
}

void
_td_client_fetch_history_async (TdClient           *self,
                                const char         *peer,
                                gint64              before_mid,
                                guint               limit,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, _td_client_fetch_history_async);
  g_task_set_task_data (task, g_strdup (peer), g_free);
  if (self->conn == NULL)
    {
      g_task_return_new_error (task, TD_CONNECTION_ERROR, TD_CONNECTION_ERROR_CLOSED,
                               "Not connected");
      g_object_unref (task);
      return;
    }
  td_connection_history_async (self->conn, peer, before_mid, limit, cancellable, history_cb, task);
}

GPtrArray *
_td_client_fetch_history_finish (TdClient *self, GAsyncResult *result, gboolean *out_more,
                                 GError **error)
{
  GPtrArray *messages = g_task_propagate_pointer (G_TASK (result), error);

  if (out_more != NULL)
    *out_more = messages != NULL && GPOINTER_TO_INT (g_object_get_data (G_OBJECT (result), "more"));
  return messages;
}
