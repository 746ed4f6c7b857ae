/* td-config.c - tidingsd settings: defaults < config file < command line. */
#define G_LOG_DOMAIN "tidingsd"

#include "config.h"

#include <gio/gio.h>
#include <stdlib.h>

#include "td-config.h"

TdConfig *
td_config_new (void)
{
  TdConfig *self = g_new0 (TdConfig, 1);

  td_config_parse_listen (TD_CONFIG_DEFAULT_LISTEN, &self->listen_host, &self->listen_port, NULL);
  self->data_dir = g_strdup (DEFAULT_DATA_DIR);
  self->token_days = TD_CONFIG_DEFAULT_TOKEN_DAYS;
  self->auth_timeout_s = 10;
  self->idle_timeout_s = 90;
  self->ping_timeout_s = 30;
  self->webhook_retry_s = 5;
  self->max_conns_per_address = 64;
  self->failed_logins_per_minute = 10;
  /* Off unless configured: the integration tests (and the benchmarks)
   * send hundreds of messages as fast as the store takes them.  20 per
   * second with a burst of 50 is what docs/admin.md recommends. */
  self->messages_per_second = 0;
  self->message_burst = 50;
  return self;
}

void
td_config_free (TdConfig *self)
{
  if (self == NULL)
    return;
  g_free (self->config_file);
  g_free (self->listen_host);
  g_free (self->data_dir);
  g_free (self->directory_file);
  g_free (self->port_file);
  g_strfreev (self->allowed_origins);
  g_free (self->store_url);
  g_free (self->redis_url);
  g_free (self->node_id);
  g_free (self->tls_cert_file);
  g_free (self->tls_key_file);
  g_free (self);
}

gboolean
td_config_parse_listen (const char *spec,
                        char      **out_host,
                        guint16    *out_port,
                        GError    **error)
{
  const char *colon;
  g_autofree char *host = NULL;
  guint64 port;
  char *end = NULL;

  if (spec == NULL || *spec == '\0')
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "empty listen address");
      return FALSE;
    }

  if (spec[0] == '[')
    {
      const char *close = strchr (spec, ']');
      if (close == NULL || close[1] != ':')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "listen address \"%s\": expected [IPV6]:PORT", spec);
          return FALSE;
        }
      host = g_strndup (spec + 1, close - spec - 1);
      colon = close + 1;
    }
  else
    {
      colon = strrchr (spec, ':');
      if (colon == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "listen address \"%s\": expected HOST:PORT", spec);
          return FALSE;
        }
      host = colon == spec ? g_strdup ("0.0.0.0") : g_strndup (spec, colon - spec);
    }

  port = g_ascii_strtoull (colon + 1, &end, 10);
  if (colon[1] == '\0' || *end != '\0' || port > 65535)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "listen address \"%s\": port must be a number from 0 to 65535", spec);
      return FALSE;
    }

  {
    g_autoptr(GInetAddress) addr = g_inet_address_new_from_string (host);
    if (addr == NULL && !g_str_equal (host, "localhost"))
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "listen address \"%s\": \"%s\" is not an IP address", spec, host);
        return FALSE;
      }
  }

  if (out_host)
    *out_host = g_steal_pointer (&host);
  if (out_port)
    *out_port = (guint16) port;
  return TRUE;
}

/* g_set_str() is GLib 2.76; Debian 12 has 2.74. */
static void
replace_str (char **target, const char *value)
{
  char *copy = g_strdup (value);
  g_free (*target);
  *target = copy;
}

/* The [limits] group: caps and throttles against abusive clients. */
static gboolean
load_limits (TdConfig *self, GKeyFile *kf, const char *path, GError **error)
{
  static const char *names[] = { "max-connections-per-address", "failed-logins-per-minute",
                                 "messages-per-second", "message-burst", NULL };
  guint *targets[] = { &self->max_conns_per_address, &self->failed_logins_per_minute,
                       &self->messages_per_second, &self->message_burst };
  g_auto(GStrv) keys = g_key_file_get_keys (kf, "limits", NULL, NULL);

  for (guint i = 0; keys && keys[i]; i++)
    if (!g_strv_contains (names, keys[i]))
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     "config file %s: unknown key \"%s\" in [limits]", path, keys[i]);
        return FALSE;
      }

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      gint v;

      if (!g_key_file_has_key (kf, "limits", names[i], NULL))
        continue;
      v = g_key_file_get_integer (kf, "limits", names[i], &local_error);
      if (local_error != NULL || v < 0 || v > 1000000)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "config file %s: %s must be a whole number from 0 (no limit) to 1000000",
                       path, names[i]);
          return FALSE;
        }
      *targets[i] = (guint) v;
    }
  return TRUE;
}

static gboolean
load_key_file (TdConfig *self, const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *listen = NULL;
  g_auto(GStrv) keys = NULL;
  static const char *known[] = { "listen", "data-dir", "directory", "token-days", "auth-timeout",
                                 "idle-timeout", "ping-timeout", "tls-cert", "tls-key",
                                 "allowed-origins", "webhook-retry-seconds", "store", "redis",
                                 "node-id", NULL };

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "cannot read config file %s: %s", path, local_error->message);
      return FALSE;
    }

  /* Unknown keys are almost always typos; say so rather than ignore them. */
  keys = g_key_file_get_keys (kf, "server", NULL, NULL);
  for (guint i = 0; keys && keys[i]; i++)
    if (!g_strv_contains (known, keys[i]))
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     "config file %s: unknown key \"%s\" in [server]", path, keys[i]);
        return FALSE;
      }

  if (g_key_file_has_key (kf, "server", "allowed-origins", NULL))
    {
      g_strfreev (self->allowed_origins);
      self->allowed_origins = g_key_file_get_string_list (kf, "server", "allowed-origins", NULL, NULL);
    }

  listen = g_key_file_get_string (kf, "server", "listen", NULL);
  if (listen != NULL)
    {
      g_clear_pointer (&self->listen_host, g_free);
      if (!td_config_parse_listen (listen, &self->listen_host, &self->listen_port, &local_error))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "config file %s: %s", path, local_error->message);
          return FALSE;
        }
    }

  if (g_key_file_has_key (kf, "server", "data-dir", NULL))
    {
      g_free (self->data_dir);
      self->data_dir = g_key_file_get_string (kf, "server", "data-dir", NULL);
    }
  if (g_key_file_has_key (kf, "server", "directory", NULL))
    {
      g_free (self->directory_file);
      self->directory_file = g_key_file_get_string (kf, "server", "directory", NULL);
    }
  if (g_key_file_has_key (kf, "server", "store", NULL))
    {
      g_free (self->store_url);
      self->store_url = g_key_file_get_string (kf, "server", "store", NULL);
    }
  if (g_key_file_has_key (kf, "server", "redis", NULL))
    {
      g_free (self->redis_url);
      self->redis_url = g_key_file_get_string (kf, "server", "redis", NULL);
    }
  if (g_key_file_has_key (kf, "server", "node-id", NULL))
    {
      g_free (self->node_id);
      self->node_id = g_key_file_get_string (kf, "server", "node-id", NULL);
    }
  if (g_key_file_has_key (kf, "server", "tls-cert", NULL))
    {
      g_free (self->tls_cert_file);
      self->tls_cert_file = g_key_file_get_string (kf, "server", "tls-cert", NULL);
    }
  if (g_key_file_has_key (kf, "server", "tls-key", NULL))
    {
      g_free (self->tls_key_file);
      self->tls_key_file = g_key_file_get_string (kf, "server", "tls-key", NULL);
    }

  for (guint i = 0; i < 5; i++)
    {
      static const char *names[] = { "token-days", "auth-timeout", "idle-timeout", "ping-timeout",
                                     "webhook-retry-seconds" };
      guint *targets[] = { &self->token_days, &self->auth_timeout_s,
                           &self->idle_timeout_s, &self->ping_timeout_s,
                           &self->webhook_retry_s };
      const char *key = names[i];
      guint *target = targets[i];

      if (g_key_file_has_key (kf, "server", key, NULL))
        {
          gint v = g_key_file_get_integer (kf, "server", key, &local_error);
          if (local_error != NULL || v < 1 || v > 3650)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "config file %s: %s must be a whole number from 1 to 3650", path, key);
              return FALSE;
            }
          *target = (guint) v;
        }
    }

  if (!load_limits (self, kf, path, error))
    return FALSE;

  self->config_file = g_strdup (path);
  return TRUE;
}

gboolean
td_config_load (TdConfig *self, int *argc, char ***argv, GError **error)
{
  g_autofree char *config = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *directory = NULL;
  g_autofree char *port_file = NULL;
  g_autofree char *tls_cert = NULL;
  g_autofree char *tls_key = NULL;
  g_autofree char *store = NULL;
  g_autofree char *redis = NULL;
  g_autofree char *node_id = NULL;
  gint token_days = 0;
  gboolean verbose = FALSE;
  gboolean version = FALSE;
  g_autoptr(GOptionContext) context = NULL;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config,
      "Read settings from FILE (default " TD_CONFIG_DEFAULT_PATH " if it exists)", "FILE" },
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen,
      "Listen on HOST:PORT (default " TD_CONFIG_DEFAULT_LISTEN "; port 0 picks a free port)", "HOST:PORT" },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &data_dir,
      "Keep the database in DIR (default " DEFAULT_DATA_DIR "; created if missing)", "DIR" },
    { "directory", 0, 0, G_OPTION_ARG_FILENAME, &directory,
      "Import a company directory (JSON or CSV) at start; importing twice changes nothing", "FILE" },
    { "port-file", 0, 0, G_OPTION_ARG_FILENAME, &port_file,
      "Write the port to FILE once listening (for scripts and tests)", "FILE" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert,
      "Serve HTTPS and wss:// only, with the PEM certificate (chain) in FILE", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key,
      "The PEM private key of --tls-cert", "FILE" },
    { "store", 0, 0, G_OPTION_ARG_STRING, &store,
      "Use PostgreSQL (a libpq URI such as postgresql://tidings@db/tidings) instead of SQLite", "URL" },
    { "redis", 0, 0, G_OPTION_ARG_STRING, &redis,
      "Join a cluster of nodes through Redis (redis://HOST:PORT[/DB]); needs --store", "URL" },
    { "node-id", 0, 0, G_OPTION_ARG_STRING, &node_id,
      "This node's name in the cluster (default HOSTNAME:PORT)", "NAME" },
    { "token-days", 0, 0, G_OPTION_ARG_INT, &token_days,
      "Session tokens expire after N days (default 30)", "N" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debugging information", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };

  context = g_option_context_new ("- the Tidings messaging server");
  g_option_context_set_summary (context,
    "Serves Tidings clients over WebSocket (path " "/ws" ") and HTTP (/api/v1/…).\n"
    "The embedded SQLite store in the data directory needs no other setup.");
  g_option_context_set_description (context,
    "Config file: a key file with a [server] group holding listen, data-dir,\n"
    "directory, token-days, auth-timeout, idle-timeout, ping-timeout, tls-cert,\n"
    "tls-key, webhook-retry-seconds, store, redis and node-id.\n"
    "A [limits] group holds max-connections-per-address, failed-logins-per-minute,\n"
    "messages-per-second and message-burst (0 turns one off).\n"
    "Command-line options win.\n\n"
    "Signals: SIGTERM/SIGINT stop cleanly (queued messages are committed),\n"
    "SIGHUP reloads the directory.\n");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;

  if (version)
    {
      g_print ("tidingsd %s\n", PACKAGE_VERSION);
      exit (0);
    }

  if (*argc > 1)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                   "unexpected argument \"%s\" (see --help)", (*argv)[1]);
      return FALSE;
    }

  if (config != NULL)
    {
      if (!load_key_file (self, config, error))
        return FALSE;
    }
  else if (g_file_test (TD_CONFIG_DEFAULT_PATH, G_FILE_TEST_EXISTS))
    {
      if (!load_key_file (self, TD_CONFIG_DEFAULT_PATH, error))
        return FALSE;
    }

  if (listen != NULL)
    {
      g_clear_pointer (&self->listen_host, g_free);
      if (!td_config_parse_listen (listen, &self->listen_host, &self->listen_port, error))
        return FALSE;
    }
  if (data_dir != NULL)
    replace_str (&self->data_dir, data_dir);
  if (directory != NULL)
    replace_str (&self->directory_file, directory);
  if (port_file != NULL)
    replace_str (&self->port_file, port_file);
  if (tls_cert != NULL)
    replace_str (&self->tls_cert_file, tls_cert);
  if (tls_key != NULL)
    replace_str (&self->tls_key_file, tls_key);
  if (store != NULL)
    replace_str (&self->store_url, store);
  if (redis != NULL)
    replace_str (&self->redis_url, redis);
  if (node_id != NULL)
    replace_str (&self->node_id, node_id);
  if (self->store_url != NULL && !g_str_has_prefix (self->store_url, "postgresql://") &&
      !g_str_has_prefix (self->store_url, "postgres://"))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--store must be a postgresql:// URL (without it the SQLite store in the data directory is used)");
      return FALSE;
    }
  if (self->redis_url != NULL && !g_str_has_prefix (self->redis_url, "redis://"))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--redis must be a redis://HOST:PORT URL");
      return FALSE;
    }
  if (self->redis_url != NULL && self->store_url == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "a cluster (--redis) needs a shared PostgreSQL store (--store): "
                   "every node must see the same database");
      return FALSE;
    }
  if ((self->tls_cert_file == NULL) != (self->tls_key_file == NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "TLS needs both a certificate (--tls-cert, tls-cert) and its key (--tls-key, tls-key)");
      return FALSE;
    }
  if (token_days != 0)
    {
      if (token_days < 1 || token_days > 3650)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--token-days must be from 1 to 3650");
          return FALSE;
        }
      self->token_days = (guint) token_days;
    }
  self->verbose = verbose;
  return TRUE;
}
