/* td-ctl-private.h - helpers shared by the files of tidingsctl
 * (tidingsctl.c: options, store, passwords; td-ctl-user.c: "user ...";
 * td-ctl-integrations.c: apikey, webhook, broadcast, group;
 * td-ctl-migrate.c: migrate-from-sqlite).
 *
 * Functions returning int give an exit status to return at once, or -1
 * when the caller should carry on. */
#pragma once

#include "td-store.h"

G_BEGIN_DECLS

#define TD_CTL_EXIT_RUNTIME 1
#define TD_CTL_EXIT_USAGE   2

/* Prints "tidingsctl: MESSAGE" on stderr; returns TD_CTL_EXIT_RUNTIME. */
int          _td_ctl_fail           (const GError *error);
/* Prints the message and a hint to --help; returns TD_CTL_EXIT_USAGE. */
int          _td_ctl_usage_error    (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* Parses @command's options (which may come anywhere after it, together
 * with the global ones) and checks that exactly @n_args positional
 * arguments (described by @params) remain in (*@argv)[1..]. */
int          _td_ctl_parse_command  (const char *command, const char *params, const char *summary,
                                     const GOptionEntry *entries, int *argc, char ***argv,
                                     int n_args);
/* The same with @min_args to @max_args positional arguments. */
int          _td_ctl_parse_command_range (const char *command, const char *params,
                                          const char *summary, const GOptionEntry *entries,
                                          int *argc, char ***argv, int min_args, int max_args);
int          _td_ctl_check_login    (const char *login);
/* Name (required), department and title (nullable) as a directory allows. */
int          _td_ctl_check_texts    (const char *name, const char *department, const char *title);

/* The store the global options (or $TIDINGS_STORE, or the config file)
 * name: a PostgreSQL URL in *@out_url, or else a SQLite data directory in
 * *@out_data_dir (the other one NULL). */
gboolean     _td_ctl_resolve_store  (char **out_url, char **out_data_dir, GError **error);
TdStore     *_td_ctl_open_store     (GError **error);
/* td_store_get_user() with "no user \"LOGIN\"" as its NOT_FOUND message. */
TdStoreUser *_td_ctl_find_user      (TdStore *store, const char *login, GError **error);

typedef gboolean (*TdCtlWriteFunc) (TdStore *store, gpointer data, GError **error);
/* Opens the store and runs @func in one transaction; returns the exit status. */
int          _td_ctl_run_write      (TdCtlWriteFunc func, gpointer data);

/* Reads the password named by a --password-file option ("-": standard
 * input, asked twice on a terminal) and returns its hash. */
char        *_td_ctl_hash_password_file (const char *path, GError **error);

/* Prints @rows (arrays of @n_columns strings, the first row the header)
 * as aligned columns; CJK characters count as two columns. */
void         _td_ctl_print_table    (GPtrArray *rows, guint n_columns);

/* "user VERB ...": @argv[0] is VERB. */
int          _td_ctl_user           (const char *verb, int argc, char **argv);
/* "apikey VERB ...", "webhook VERB ...", "group VERB ...": @argv[0] is VERB. */
int          _td_ctl_apikey         (const char *verb, int argc, char **argv);
int          _td_ctl_webhook        (const char *verb, int argc, char **argv);
int          _td_ctl_group          (const char *verb, int argc, char **argv);
/* "broadcast ..." and "broadcast status ID": @argv[0] is "broadcast". */
int          _td_ctl_broadcast      (int argc, char **argv);
/* "migrate-from-sqlite DIR": @argv[0] is "migrate-from-sqlite". */
int          _td_ctl_migrate_from_sqlite (int argc, char **argv);

G_END_DECLS
