/* td-secret.c - session token storage through libsecret, with an in-memory
 * fallback when no Secret Service answers.
 */
#define G_LOG_DOMAIN "td-secret"

#include <libsecret/secret.h>

#include "td-secret.h"

static const SecretSchema *
token_schema (void)
{
  static const SecretSchema schema = {
    "org.tidings.Tidings.Token", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    },
  };

  return &schema;
}

/* Fallback store: "server\nuser" -> token.  Main thread only. */
static GHashTable *
memory_store (void)
{
  static GHashTable *store;

  if (store == NULL)
    store = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return store;
}

static char *
memory_key (const char *server,
            const char *user)
{
  return g_strconcat (server, "\n", user, NULL);
}

static void
store_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The in-memory copy was made before the call; keep it on failure only
   * so that a later lookup in this process still finds the token. */
  if (!secret_password_store_finish (result, &error))
    g_debug ("No Secret Service, token kept in memory: %s", error->message);
}

void
td_secret_store (const char *server,
                 const char *user,
                 const char *token)
{
  g_return_if_fail (server != NULL && user != NULL && token != NULL);

  g_hash_table_replace (memory_store (), memory_key (server, user), g_strdup (token));
  secret_password_store (token_schema (), SECRET_COLLECTION_DEFAULT, "Tidings session",
                         token, NULL, store_done_cb, NULL,
                         "server", server, "user", user, NULL);
}

static void
lookup_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *token;

  token = secret_password_lookup_finish (result, &error);
  if (error != NULL)
    g_debug ("Secret Service lookup failed: %s", error->message);
  g_task_return_pointer (task, token, g_free);
}

void
td_secret_lookup_async (const char         *server,
                        const char         *user,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autofree char *key = memory_key (server, user);
  const char *cached;

  g_task_set_source_tag (task, td_secret_lookup_async);
  cached = g_hash_table_lookup (memory_store (), key);
  if (cached != NULL)
    {
      g_task_return_pointer (task, g_strdup (cached), g_free);
      return;
    }
  secret_password_lookup (token_schema (), cancellable, lookup_done_cb, g_steal_pointer (&task),
                          "server", server, "user", user, NULL);
}

char *
td_secret_lookup_finish (GAsyncResult *result,
                         GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
clear_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!secret_password_clear_finish (result, &error) && error != NULL)
    g_debug ("Secret Service clear failed: %s", error->message);
}

void
td_secret_clear (const char *server,
                 const char *user)
{
  g_autofree char *key = NULL;

  g_return_if_fail (server != NULL && user != NULL);

  key = memory_key (server, user);
  g_hash_table_remove (memory_store (), key);
  secret_password_clear (token_schema (), NULL, clear_done_cb, NULL,
                         "server", server, "user", user, NULL);
}
