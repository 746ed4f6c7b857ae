/* td-directory-import.h - reads a company directory file (JSON or CSV) into
 * the store.  Import is idempotent: importing the same file twice changes
 * nothing; a changed name, department or title is updated; users missing
 * from the file are left alone (use `tidingsctl user disable`). */
#pragma once

#include "td-store.h"

G_BEGIN_DECLS

typedef struct {
  guint departments_created;
  guint users_created;
  guint users_updated;
  guint users_unchanged;
  guint passwords_set;
} TdImportStats;

/* Parses @path (format chosen by content: a file whose first non-blank
 * character is '{' is JSON, anything else CSV) and writes it in one
 * transaction (all or nothing).  If @default_password_hash is not NULL, users
 * without a password get it.  Errors name the file, line (CSV) or user
 * index (JSON) and the problem. */
gboolean td_directory_import_file (TdStore        *store,
                                   const char     *path,
                                   const char     *default_password_hash,
                                   TdImportStats  *out_stats,
                                   GError        **error);

/* Parses and checks @data as the contents of a directory file called
 * @name (for error messages) without writing anything: what
 * td_directory_import_file() would refuse, this refuses with the same
 * error.  Sets *@out_users to the number of people in it. */
gboolean td_directory_parse       (const char  *name,
                                   const char  *data,
                                   gsize        len,
                                   guint       *out_users,
                                   GError     **error);

G_END_DECLS
