/* td-config.h - tidingsd settings from the command line and a GKeyFile. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TD_CONFIG_DEFAULT_PATH     SYSCONFDIR "/tidings/tidingsd.conf"
#define TD_CONFIG_DEFAULT_LISTEN   "0.0.0.0:8470"
#define TD_CONFIG_DEFAULT_TOKEN_DAYS 30

typedef struct {
  char    *config_file;     /* file actually read, or NULL */
  char    *listen_host;     /* "0.0.0.0", "127.0.0.1", "::" ... */
  guint16  listen_port;     /* 0 = any free port */
  char    *data_dir;
  char    *directory_file;  /* imported at start, or NULL */
  char    *port_file;       /* written once listening, or NULL */
  char   **allowed_origins; /* WebSocket Origin values accepted; NULL = no check */
  char    *tls_cert_file;   /* PEM certificate (chain); with tls_key_file: serve TLS only */
  char    *tls_key_file;    /* PEM private key */
  char    *store_url;       /* "postgresql://…" (libpq URI); NULL = SQLite in data_dir */
  char    *redis_url;       /* "redis://HOST:PORT[/DB]" joins a cluster; NULL = single node */
  char    *node_id;         /* this node's name in a cluster; NULL = HOSTNAME:PORT */
  guint    token_days;
  guint    auth_timeout_s;  /* seconds a new connection has to log in */
  guint    idle_timeout_s;  /* silence before a logged-in connection is pinged */
  guint    ping_timeout_s;  /* then, silence before it is closed */
  guint    webhook_retry_s; /* first retry delay of a failed webhook delivery */
  /* [limits]; 0 turns a limit off. */
  guint    max_conns_per_address;    /* WebSocket connections per client IP */
  guint    failed_logins_per_minute; /* per client IP, password logins */
  guint    messages_per_second;      /* per user, token bucket rate */
  guint    message_burst;            /* per user, token bucket size */
  gboolean verbose;
} TdConfig;

TdConfig *td_config_new     (void);
void      td_config_free    (TdConfig *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdConfig, td_config_free)

/* Parses "HOST:PORT", "[V6]:PORT" or ":PORT". */
gboolean  td_config_parse_listen (const char *spec,
                                  char      **out_host,
                                  guint16    *out_port,
                                  GError    **error);

/* Fills @self from argv and, if present, the config file (explicit
 * --config must exist; the default path is read only if it exists).
 * Command-line options win over the file.  Returns FALSE with a message
 * fit for the user on bad options or an unreadable/invalid file. */
gboolean  td_config_load    (TdConfig  *self,
                             int       *argc,
                             char    ***argv,
                             GError   **error);

G_END_DECLS
