/* td-directory-import.c - company directory (JSON or CSV) into the store.
 *
 * The whole file is parsed and validated before the store is touched, so
 * a typo on line 700 does not leave 699 users half-imported; the writes
 * then happen in one transaction.  Every error names the file and the CSV
 * line or JSON user index, because the person reading it has to find the
 * row in a spreadsheet.
 *
 * An optional field that is absent (no "title" member, no "role" column)
 * leaves an existing user's value alone; a present but empty one clears it
 * (title) or means the default (role "user").
 */
#define G_LOG_DOMAIN "td-import"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "td-directory-import.h"

#define IMPORT_FILE_MAX (64 * 1024 * 1024)
#define UTF8_BOM "\xEF\xBB\xBF"

typedef struct {
  guint  where;        /* CSV line (from 1) or JSON users[] index */
  char  *login;
  char  *name;
  char  *department;   /* "" = none */
  char  *title;        /* NULL = not given: keep the stored one */
  char  *role;         /* NULL = not given: keep the stored one */
} Entry;

static void
entry_free (Entry *entry)
{
  g_free (entry->login);
  g_free (entry->name);
  g_free (entry->department);
  g_free (entry->title);
  g_free (entry->role);
  g_free (entry);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Entry, entry_free)

typedef struct {
  const char *path;
  gboolean    csv;
  GPtrArray  *departments;   /* char*, file order, unique */
  GHashTable *department_set;
  GPtrArray  *entries;       /* Entry* */
  GHashTable *by_login;      /* login -> Entry* (borrowed) */
} Directory;

static void
directory_clear (Directory *dir)
{
  g_clear_pointer (&dir->departments, g_ptr_array_unref);
  g_clear_pointer (&dir->department_set, g_hash_table_unref);
  g_clear_pointer (&dir->entries, g_ptr_array_unref);
  g_clear_pointer (&dir->by_login, g_hash_table_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Directory, directory_clear)

static void
set_invalid (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
set_invalid (GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, message);
}

/* Names, departments and titles: shown in every client's contact list. */
static gboolean
check_text (const char *what, const char *value, gboolean required, GError **error)
{
  if (required && *value == '\0')
    {
      set_invalid (error, "%s is empty", what);
      return FALSE;
    }
  if (strlen (value) > TD_PROTO_MAX_NAME)
    {
      set_invalid (error, "%s is longer than %d bytes", what, TD_PROTO_MAX_NAME);
      return FALSE;
    }
  for (const char *p = value; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      {
        set_invalid (error, "%s contains a control character (a line break or tab?)", what);
        return FALSE;
      }
  return TRUE;
}

static gboolean
validate_entry (const Entry *entry, GError **error)
{
  if (!td_proto_validate_login (entry->login, NULL))
    {
      set_invalid (error, "invalid login \"%s\": use 1 to %d lowercase letters, digits, "
                   "'.', '_' or '-', starting with a letter or digit",
                   entry->login, TD_PROTO_MAX_LOGIN);
      return FALSE;
    }
  if (!check_text ("name", entry->name, TRUE, error) ||
      !check_text ("department", entry->department, FALSE, error) ||
      (entry->title != NULL && !check_text ("title", entry->title, FALSE, error)))
    return FALSE;
  if (entry->role != NULL && !g_str_equal (entry->role, "user") &&
      !g_str_equal (entry->role, "admin") && !g_str_equal (entry->role, "bot"))
    {
      set_invalid (error, "role \"%s\" is not \"user\", \"admin\" or \"bot\"", entry->role);
      return FALSE;
    }
  return TRUE;
}

static void
prefix_where (const Directory *dir, guint where, GError **error)
{
  if (dir->csv)
    g_prefix_error (error, "%s: line %u: ", dir->path, where);
  else
    g_prefix_error (error, "%s: users[%u]: ", dir->path, where);
}

static void
add_department (Directory *dir, const char *name)
{
  if (*name == '\0' || g_hash_table_contains (dir->department_set, name))
    return;
  g_ptr_array_add (dir->departments, g_strdup (name));
  g_hash_table_add (dir->department_set, g_strdup (name));
}

/* Takes @entry: validates it, refuses a second row for the same login. */
static gboolean
add_entry (Directory *dir, Entry *owned_entry, GError **error)
{
  g_autoptr(Entry) entry = owned_entry;
  const Entry *previous;

  g_strstrip (entry->login);
  g_strstrip (entry->name);
  g_strstrip (entry->department);
  if (entry->title != NULL)
    g_strstrip (entry->title);
  if (entry->role != NULL)
    {
      g_strstrip (entry->role);
      if (*entry->role == '\0')
        {
          g_free (entry->role);
          entry->role = g_strdup ("user");
        }
    }

  if (!validate_entry (entry, error))
    {
      prefix_where (dir, entry->where, error);
      return FALSE;
    }

  previous = g_hash_table_lookup (dir->by_login, entry->login);
  if (previous != NULL)
    {
      if (dir->csv)
        set_invalid (error, "%s: line %u: login \"%s\" already appears on line %u",
                     dir->path, entry->where, entry->login, previous->where);
      else
        set_invalid (error, "%s: users[%u]: login \"%s\" already appears at users[%u]",
                     dir->path, entry->where, entry->login, previous->where);
      return FALSE;
    }

  add_department (dir, entry->department);
  g_hash_table_insert (dir->by_login, entry->login, entry);
  g_ptr_array_add (dir->entries, g_steal_pointer (&entry));
  return TRUE;
}

/* ---- JSON ---- */

/* Sets *@out to a copy of the string member, or NULL if absent (or null
 * and optional). */
static gboolean
get_string_member (JsonObject *object, const char *member, gboolean required,
                   char **out, GError **error)
{
  JsonNode *node = json_object_get_member (object, member);

  *out = NULL;
  if (node == NULL || (JSON_NODE_HOLDS_NULL (node) && !required))
    {
      if (required)
        set_invalid (error, "\"%s\" is missing", member);
      return !required;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      set_invalid (error, "\"%s\" must be a string", member);
      return FALSE;
    }
  *out = json_node_dup_string (node);
  return TRUE;
}

static gboolean
parse_json (Directory *dir, const char *data, gsize len, GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonObject *root;
  JsonNode *node;
  JsonArray *users;

  /* json-glib recurses without a limit; a directory needs depth 3. */
  if (!td_proto_check_depth (data, len, TD_PROTO_MAX_DEPTH))
    {
      set_invalid (error, "%s: JSON nested too deeply", dir->path);
      return FALSE;
    }
  if (!json_parser_load_from_data (parser, data, len, &local_error))
    {
      /* json-glib says "<data>:LINE:COLUMN: ..." */
      g_autofree char *message = g_str_has_prefix (local_error->message, "<data>:")
        ? g_strconcat ("line ", local_error->message + strlen ("<data>:"), NULL)
        : g_strdup (local_error->message);

      set_invalid (error, "%s: not valid JSON: %s", dir->path, message);
      return FALSE;
    }
  node = json_parser_get_root (parser);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      set_invalid (error, "%s: the top level must be an object with a \"users\" array", dir->path);
      return FALSE;
    }
  root = json_node_get_object (node);

  node = json_object_get_member (root, "departments");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      JsonArray *departments;

      if (!JSON_NODE_HOLDS_ARRAY (node))
        {
          set_invalid (error, "%s: \"departments\" must be an array", dir->path);
          return FALSE;
        }
      departments = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (departments); i++)
        {
          JsonNode *element = json_array_get_element (departments, i);
          g_autofree char *name = NULL;

          if (!JSON_NODE_HOLDS_OBJECT (element))
            {
              set_invalid (error, "%s: departments[%u]: must be an object with a \"name\"",
                           dir->path, i);
              return FALSE;
            }
          if (!get_string_member (json_node_get_object (element), "name", TRUE, &name, error))
            {
              g_prefix_error (error, "%s: departments[%u]: ", dir->path, i);
              return FALSE;
            }
          g_strstrip (name);
          if (!check_text ("department name", name, TRUE, error))
            {
              g_prefix_error (error, "%s: departments[%u]: ", dir->path, i);
              return FALSE;
            }
          add_department (dir, name);
        }
    }

  node = json_object_get_member (root, "users");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      set_invalid (error, "%s: %s", dir->path,
                   node == NULL ? "no \"users\" array" : "\"users\" must be an array");
      return FALSE;
    }
  users = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonNode *element = json_array_get_element (users, i);
      JsonObject *object;
      g_autoptr(Entry) entry = g_new0 (Entry, 1);

      entry->where = i;
      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          set_invalid (error, "%s: users[%u]: must be an object", dir->path, i);
          return FALSE;
        }
      object = json_node_get_object (element);
      if (!get_string_member (object, "login", TRUE, &entry->login, error) ||
          !get_string_member (object, "name", TRUE, &entry->name, error) ||
          !get_string_member (object, "department", TRUE, &entry->department, error) ||
          !get_string_member (object, "title", FALSE, &entry->title, error) ||
          !get_string_member (object, "role", FALSE, &entry->role, error))
        {
          prefix_where (dir, i, error);
          return FALSE;
        }
      if (!add_entry (dir, g_steal_pointer (&entry), error))
        return FALSE;
    }
  return TRUE;
}

/* ---- CSV (RFC 4180) ---- */

typedef struct {
  guint      line;
  GPtrArray *fields;   /* char* */
} Record;

static void
record_free (Record *record)
{
  g_ptr_array_unref (record->fields);
  g_free (record);
}

static gboolean
at_line_end (const char *p, const char *end)
{
  return *p == '\n' || (*p == '\r' && (p + 1 == end || p[1] == '\n'));
}

static gboolean
is_blank (const char *text)
{
  while (g_ascii_isspace (*text))
    text++;
  return *text == '\0';
}

/* Splits @data into records; blank lines are skipped.  Quoted fields may
 * hold commas, line breaks and doubled quotes. */
static GPtrArray *
split_csv (const char *path, const char *data, gsize len, GError **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) record_free);
  const char *p = data;
  const char *end = data + len;
  guint line = 1;

  while (p < end)
    {
      Record *record = g_new0 (Record, 1);
      gboolean quoted_any = FALSE;

      record->line = line;
      record->fields = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (records, record);

      for (;;)
        {
          g_autoptr(GString) field = g_string_new (NULL);

          if (p < end && *p == '"')
            {
              guint start_line = line;

              quoted_any = TRUE;
              p++;
              for (;;)
                {
                  if (p == end)
                    {
                      set_invalid (error, "%s: line %u: quoted field is never closed "
                                   "(a \" is missing)", path, start_line);
                      return NULL;
                    }
                  if (*p == '"')
                    {
                      if (p + 1 < end && p[1] == '"')
                        {
                          g_string_append_c (field, '"');
                          p += 2;
                          continue;
                        }
                      p++;
                      break;
                    }
                  if (*p == '\n')
                    line++;
                  g_string_append_c (field, *p++);
                }
              if (p < end && *p != ',' && !at_line_end (p, end))
                {
                  set_invalid (error, "%s: line %u: text after the closing quote of a field "
                               "(a quote inside a field must be doubled: \"\")", path, line);
                  return NULL;
                }
            }
          else
            {
              while (p < end && *p != ',' && !at_line_end (p, end))
                {
                  if (*p == '"')
                    {
                      set_invalid (error, "%s: line %u: quote inside an unquoted field "
                                   "(quote the whole field and double the quote: \"\")",
                                   path, line);
                      return NULL;
                    }
                  g_string_append_c (field, *p++);
                }
            }
          g_ptr_array_add (record->fields, g_string_free (g_steal_pointer (&field), FALSE));

          if (p < end && *p == ',')
            {
              p++;
              continue;
            }
          if (p < end && *p == '\r')
            p++;
          if (p < end && *p == '\n')
            {
              p++;
              line++;
            }
          break;
        }

      if (!quoted_any && record->fields->len == 1 &&
          is_blank (g_ptr_array_index (record->fields, 0)))
        g_ptr_array_remove_index (records, records->len - 1);
    }
  return g_steal_pointer (&records);
}

enum { COL_LOGIN, COL_NAME, COL_DEPARTMENT, COL_TITLE, COL_ROLE, N_COLS };
static const char *column_names[N_COLS] = { "login", "name", "department", "title", "role" };

static char *
dup_column (const Record *record, const int *columns, int col)
{
  if (columns[col] < 0)
    return NULL;
  return g_strdup (g_ptr_array_index (record->fields, columns[col]));
}

static gboolean
parse_csv (Directory *dir, const char *data, gsize len, GError **error)
{
  g_autoptr(GPtrArray) records = split_csv (dir->path, data, len, error);
  const Record *header;
  int columns[N_COLS] = { -1, -1, -1, -1, -1 };

  if (records == NULL)
    return FALSE;
  if (records->len == 0)
    {
      set_invalid (error, "%s: the file is empty; expected a header line such as "
                   "\"login,name,department,title,role\"", dir->path);
      return FALSE;
    }

  header = g_ptr_array_index (records, 0);
  for (guint i = 0; i < header->fields->len; i++)
    {
      g_autofree char *column = g_ascii_strdown (g_ptr_array_index (header->fields, i), -1);

      g_strstrip (column);
      for (int c = 0; c < N_COLS; c++)
        if (g_str_equal (column, column_names[c]))
          {
            if (columns[c] >= 0)
              {
                set_invalid (error, "%s: line %u: column \"%s\" appears twice",
                             dir->path, header->line, column);
                return FALSE;
              }
            columns[c] = (int) i;
          }
    }
  for (int c = COL_LOGIN; c <= COL_DEPARTMENT; c++)
    if (columns[c] < 0)
      {
        set_invalid (error, "%s: line %u: the header has no \"%s\" column "
                     "(login, name and department are required)",
                     dir->path, header->line, column_names[c]);
        return FALSE;
      }

  for (guint r = 1; r < records->len; r++)
    {
      const Record *record = g_ptr_array_index (records, r);
      Entry *entry;

      if (record->fields->len != header->fields->len)
        {
          set_invalid (error, "%s: line %u: %u fields, but the header has %u",
                       dir->path, record->line, record->fields->len, header->fields->len);
          return FALSE;
        }
      entry = g_new0 (Entry, 1);
      entry->where = record->line;
      entry->login = dup_column (record, columns, COL_LOGIN);
      entry->name = dup_column (record, columns, COL_NAME);
      entry->department = dup_column (record, columns, COL_DEPARTMENT);
      entry->title = dup_column (record, columns, COL_TITLE);
      entry->role = dup_column (record, columns, COL_ROLE);
      if (!add_entry (dir, entry, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- reading and writing ---- */

/* Checks and parses the contents of a directory file (any bytes). */
static gboolean
parse_data (Directory *dir, const char *data, gsize len, GError **error)
{
  const char *bad;

  if (len > IMPORT_FILE_MAX)
    {
      set_invalid (error, "%s: larger than %d MiB", dir->path, IMPORT_FILE_MAX / (1024 * 1024));
      return FALSE;
    }
  if (len >= 3 && memcmp (data, UTF8_BOM, 3) == 0)
    {
      data += 3;
      len -= 3;
    }
  if (!g_utf8_validate (data, len, &bad))
    {
      guint line = 1;

      for (const char *p = data; p < bad; p++)
        line += *p == '\n';
      set_invalid (error, "%s: line %u: not UTF-8 text (save the file as UTF-8)", dir->path, line);
      return FALSE;
    }

  dir->csv = TRUE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (data[i]))
      {
        dir->csv = data[i] != '{';
        break;
      }

  return dir->csv ? parse_csv (dir, data, len, error) : parse_json (dir, data, len, error);
}

static gboolean
parse_file (Directory *dir, GError **error)
{
  g_autofree char *contents = NULL;
  gsize len = 0;

  if (!g_file_get_contents (dir->path, &contents, &len, error))
    return FALSE;
  return parse_data (dir, contents, len, error);
}

gboolean
td_directory_parse (const char  *name,
                    const char  *data,
                    gsize        len,
                    guint       *out_users,
                    GError     **error)
{
  g_auto(Directory) dir = { 0 };

  dir.path = name;
  dir.departments = g_ptr_array_new_with_free_func (g_free);
  dir.department_set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  dir.entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  dir.by_login = g_hash_table_new (g_str_hash, g_str_equal);
  if (!parse_data (&dir, data, len, error))
    return FALSE;
  if (out_users != NULL)
    *out_users = dir.entries->len;
  return TRUE;
}

static gboolean
write_directory (TdStore *store, const Directory *dir, const char *default_password_hash,
                 TdImportStats *stats, GError **error)
{
  g_autoptr(GPtrArray) existing = td_store_list_departments (store, error);

  if (existing == NULL)
    return FALSE;

  for (guint i = 0; i < dir->departments->len; i++)
    {
      const char *name = g_ptr_array_index (dir->departments, i);
      gboolean known = FALSE;

      for (guint j = 0; j < existing->len && !known; j++)
        known = g_str_equal (name, g_ptr_array_index (existing, j));
      if (known)
        continue;
      if (td_store_ensure_department (store, name, error) <= 0)
        return FALSE;
      stats->departments_created++;
    }

  for (guint i = 0; i < dir->entries->len; i++)
    {
      const Entry *entry = g_ptr_array_index (dir->entries, i);
      g_autoptr(TdStoreUser) user = NULL;
      g_autoptr(GError) local_error = NULL;
      gboolean has_password;

      user = td_store_get_user (store, entry->login, &local_error);
      if (user == NULL && !g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      if (user == NULL)
        {
          if (!td_store_put_user (store, entry->login, entry->name, entry->department,
                                  entry->title ? entry->title : "",
                                  entry->role ? entry->role : "user", TRUE, error))
            return FALSE;
          stats->users_created++;
          has_password = FALSE;
        }
      else
        {
          const char *title = entry->title ? entry->title : (user->title ? user->title : "");
          const char *role = entry->role ? entry->role : (user->role ? user->role : "user");

          if (g_strcmp0 (entry->name, user->name) == 0 &&
              g_strcmp0 (entry->department, user->department) == 0 &&
              g_strcmp0 (title, user->title) == 0 &&
              g_strcmp0 (role, user->role) == 0)
            stats->users_unchanged++;
          else
            {
              if (!td_store_put_user (store, entry->login, entry->name, entry->department,
                                      title, role, FALSE, error))
                return FALSE;
              stats->users_updated++;
            }
          has_password = user->password_hash != NULL;
        }

      if (default_password_hash != NULL && !has_password)
        {
          if (!td_store_set_password_hash (store, entry->login, default_password_hash, error))
            return FALSE;
          stats->passwords_set++;
        }
    }
  return TRUE;
}

gboolean
td_directory_import_file (TdStore        *store,
                          const char     *path,
                          const char     *default_password_hash,
                          TdImportStats  *out_stats,
                          GError        **error)
{
  g_auto(Directory) dir = { 0 };
  TdImportStats stats = { 0 };

  g_return_val_if_fail (TD_IS_STORE (store), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  dir.path = path;
  dir.departments = g_ptr_array_new_with_free_func (g_free);
  dir.department_set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  dir.entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  dir.by_login = g_hash_table_new (g_str_hash, g_str_equal);

  if (!parse_file (&dir, error))
    return FALSE;

  if (!td_store_begin (store, error))
    return FALSE;
  if (!write_directory (store, &dir, default_password_hash, &stats, error))
    {
      td_store_rollback (store);
      g_prefix_error (error, "%s: nothing imported: ", path);
      return FALSE;
    }
  if (!td_store_commit (store, error))
    {
      td_store_rollback (store);
      g_prefix_error (error, "%s: nothing imported: ", path);
      return FALSE;
    }

  if (out_stats != NULL)
    *out_stats = stats;
  return TRUE;
}
