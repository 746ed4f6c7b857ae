/* td-ctl-migrate.c - "tidingsctl --store URL migrate-from-sqlite DIR":
 * copies the SQLite store of a data directory into an empty PostgreSQL
 * database, for a company moving a single server to a cluster.
 *
 * The TdStore interface cannot do this: it makes new ids, new sequence
 * numbers and new sessions, while the point of the move is that clients
 * keep their saved sessions and resume from their cursors.  So the copy
 * works on tables: the PostgreSQL store creates its schema first, then
 * every table of it is filled (COPY) from the table of the same name in
 * the SQLite file, opened read-only, with the columns both have, parents
 * before children.  Sequences are then moved past the highest copied id.
 * All of it is one PostgreSQL transaction: a failure leaves the database
 * as empty as it was.
 */
#define G_LOG_DOMAIN "tidingsctl"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "td-ctl-private.h"

#define SQLITE_FILE_NAME "tidings.db"

/* Tables of the PostgreSQL schema that have no SQLite counterpart: the
 * SQLite store keeps its schema version in PRAGMA user_version. */
static const char * const pg_only_tables[] = { "schema_version", NULL };

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGconn, PQfinish)

typedef struct {
  char      *name;
  GPtrArray *columns;   /* char*: columns copied (both schemas have them) */
  GPtrArray *types;     /* char*: PostgreSQL data_type of each */
  GPtrArray *parents;   /* char*: tables its foreign keys point to */
  gint64     rows;
} Table;

static void
table_free (Table *table)
{
  g_free (table->name);
  g_ptr_array_unref (table->columns);
  g_ptr_array_unref (table->types);
  g_ptr_array_unref (table->parents);
  g_free (table);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Table, table_free)

static Table *
table_new (const char *name)
{
  Table *table = g_new0 (Table, 1);

  table->name = g_strdup (name);
  table->columns = g_ptr_array_new_with_free_func (g_free);
  table->types = g_ptr_array_new_with_free_func (g_free);
  table->parents = g_ptr_array_new_with_free_func (g_free);
  return table;
}

/* ---- PostgreSQL ---- */

static gboolean
pg_failed (PGconn *conn, const char *what, GError **error)
{
  g_autofree char *reason = g_strdup (PQerrorMessage (conn));

  g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED, "%s: %s", what,
               g_strchomp (reason));
  return FALSE;
}

/* The primary message and detail of a failed result, without its
 * context: for COPY that would quote the row, i.e. someone's message. */
static char *
result_reason (const PGresult *result)
{
  const char *primary = PQresultErrorField (result, PG_DIAG_MESSAGE_PRIMARY);
  const char *detail = PQresultErrorField (result, PG_DIAG_MESSAGE_DETAIL);

  if (primary == NULL)
    return g_strchomp (g_strdup (PQresultErrorMessage (result)));
  if (detail == NULL)
    return g_strdup (primary);
  return g_strdup_printf ("%s (%s)", primary, detail);
}

/* Runs @sql with text parameters; returns the result or NULL with @error. */
static PGresult *
pg_query (PGconn *conn, const char *what, const char *sql, int n_params,
          const char * const *params, GError **error)
{
  PGresult *result = PQexecParams (conn, sql, n_params, NULL, params, NULL, NULL, 0);
  ExecStatusType status = PQresultStatus (result);

  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return result;
  {
    g_autofree char *reason = result_reason (result);

    g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED, "%s: %s", what, reason);
  }
  PQclear (result);
  return NULL;
}

static gboolean
pg_exec (PGconn *conn, const char *what, const char *sql, GError **error)
{
  g_autoptr(PGresult) result = pg_query (conn, what, sql, 0, NULL, error);

  return result != NULL;
}

static char *
quote_ident (const char *name)
{
  g_autoptr(GString) quoted = g_string_new ("\"");

  for (const char *p = name; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (quoted, '"');
      g_string_append_c (quoted, *p);
    }
  g_string_append_c (quoted, '"');
  return g_string_free (g_steal_pointer (&quoted), FALSE);
}

/* The tables of the current schema with their columns and parents. */
static GPtrArray *
pg_tables (PGconn *conn, GError **error)
{
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func ((GDestroyNotify) table_free);
  g_autoptr(GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(PGresult) names = NULL;
  g_autoptr(PGresult) columns = NULL;
  g_autoptr(PGresult) keys = NULL;

  names = pg_query (conn, "list the tables of the target database",
                    "SELECT table_name FROM information_schema.tables"
                    " WHERE table_schema = current_schema () AND table_type = 'BASE TABLE'"
                    " ORDER BY table_name", 0, NULL, error);
  if (names == NULL)
    return NULL;
  for (int i = 0; i < PQntuples (names); i++)
    {
      const char *name = PQgetvalue (names, i, 0);
      Table *table;

      if (g_strv_contains (pg_only_tables, name))
        continue;
      table = table_new (name);
      g_ptr_array_add (tables, table);
      g_hash_table_insert (by_name, table->name, table);
    }

  columns = pg_query (conn, "list the columns of the target database",
                      "SELECT table_name, column_name, data_type FROM information_schema.columns"
                      " WHERE table_schema = current_schema ()"
                      " ORDER BY table_name, ordinal_position", 0, NULL, error);
  if (columns == NULL)
    return NULL;
  for (int i = 0; i < PQntuples (columns); i++)
    {
      Table *table = g_hash_table_lookup (by_name, PQgetvalue (columns, i, 0));

      if (table == NULL)
        continue;
      g_ptr_array_add (table->columns, g_strdup (PQgetvalue (columns, i, 1)));
      g_ptr_array_add (table->types, g_strdup (PQgetvalue (columns, i, 2)));
    }

  keys = pg_query (conn, "list the foreign keys of the target database",
                   "SELECT child.relname, parent.relname FROM pg_constraint c"
                   "  JOIN pg_class child ON child.oid = c.conrelid"
                   "  JOIN pg_class parent ON parent.oid = c.confrelid"
                   "  JOIN pg_namespace n ON n.oid = child.relnamespace"
                   " WHERE c.contype = 'f' AND n.nspname = current_schema ()", 0, NULL, error);
  if (keys == NULL)
    return NULL;
  for (int i = 0; i < PQntuples (keys); i++)
    {
      Table *table = g_hash_table_lookup (by_name, PQgetvalue (keys, i, 0));
      const char *parent = PQgetvalue (keys, i, 1);

      if (table != NULL && !g_str_equal (parent, table->name))
        g_ptr_array_add (table->parents, g_strdup (parent));
    }
  return g_steal_pointer (&tables);
}

/* Orders @tables so that every table comes after the tables its foreign
 * keys point to (the schema has no cycles). */
static GPtrArray *
order_by_dependencies (GPtrArray *tables, GError **error)
{
  g_autoptr(GPtrArray) ordered = g_ptr_array_new ();
  g_autoptr(GHashTable) done = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) known = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < tables->len; i++)
    g_hash_table_add (known, ((Table *) g_ptr_array_index (tables, i))->name);

  while (ordered->len < tables->len)
    {
      guint before = ordered->len;

      for (guint i = 0; i < tables->len; i++)
        {
          Table *table = g_ptr_array_index (tables, i);
          gboolean ready = !g_hash_table_contains (done, table->name);

          for (guint p = 0; ready && p < table->parents->len; p++)
            {
              const char *parent = g_ptr_array_index (table->parents, p);

              ready = !g_hash_table_contains (known, parent) ||
                      g_hash_table_contains (done, parent);
            }
          if (ready)
            {
              g_ptr_array_add (ordered, table);
              g_hash_table_add (done, table->name);
            }
        }
      if (ordered->len == before)
        {
          g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                       "the target schema has a cycle of foreign keys");
          return NULL;
        }
    }
  return g_steal_pointer (&ordered);
}

/* ---- SQLite ---- */

static gboolean
sqlite_failed (sqlite3 *db, const char *what, GError **error)
{
  g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED, "%s: %s", what, sqlite3_errmsg (db));
  return FALSE;
}

/* Column names of @table in the SQLite file (empty if it has none). */
static GPtrArray *
sqlite_columns (sqlite3 *db, const char *table, GError **error)
{
  g_autoptr(GPtrArray) columns = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *quoted = quote_ident (table);
  g_autofree char *sql = g_strdup_printf ("PRAGMA table_info (%s)", quoted);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      sqlite_failed (db, "read the SQLite schema", error);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (columns, g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      sqlite_failed (db, "read the SQLite schema", error);
      return NULL;
    }
  return g_steal_pointer (&columns);
}

/* Tables of the SQLite file (its own sqlite_* tables aside). */
static GPtrArray *
sqlite_tables (sqlite3 *db, GError **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (sqlite3_prepare_v2 (db, "SELECT name FROM sqlite_master WHERE type = 'table'"
                              " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                          -1, &stmt, NULL) != SQLITE_OK)
    {
      sqlite_failed (db, "read the SQLite schema", error);
      return NULL;
    }
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (names, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      sqlite_failed (db, "read the SQLite schema", error);
      return NULL;
    }
  return g_steal_pointer (&names);
}

static gboolean
str_array_contains (GPtrArray *array, const char *value)
{
  for (guint i = 0; i < array->len; i++)
    if (g_str_equal (g_ptr_array_index (array, i), value))
      return TRUE;
  return FALSE;
}

/* Keeps in each PostgreSQL table the columns the SQLite table has too
 * (the others take their defaults), and refuses to drop data: every
 * SQLite table and column must have a place in PostgreSQL. */
static gboolean
match_schemas (sqlite3 *db, GPtrArray *tables, GError **error)
{
  g_autoptr(GPtrArray) names = sqlite_tables (db, error);

  if (names == NULL)
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      gboolean found = FALSE;

      for (guint t = 0; t < tables->len && !found; t++)
        found = g_str_equal (((Table *) g_ptr_array_index (tables, t))->name, name);
      if (!found)
        {
          g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_VERSION,
                       "the SQLite table \"%s\" has no counterpart in PostgreSQL: "
                       "is this tidingsctl older than the data directory?", name);
          return FALSE;
        }
    }

  for (guint t = 0; t < tables->len; t++)
    {
      Table *table = g_ptr_array_index (tables, t);
      g_autoptr(GPtrArray) have = NULL;
      guint c = 0;

      if (!str_array_contains (names, table->name))
        {
          g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_VERSION,
                       "the SQLite store has no table \"%s\": upgrade it first by running "
                       "any tidingsctl command with --data-dir on it", table->name);
          return FALSE;
        }
      if ((have = sqlite_columns (db, table->name, error)) == NULL)
        return FALSE;
      for (guint i = 0; i < have->len; i++)
        if (!str_array_contains (table->columns, g_ptr_array_index (have, i)))
          {
            g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_VERSION,
                         "the SQLite column %s.%s has no counterpart in PostgreSQL",
                         table->name, (const char *) g_ptr_array_index (have, i));
            return FALSE;
          }
      while (c < table->columns->len)
        {
          if (str_array_contains (have, g_ptr_array_index (table->columns, c)))
            c++;
          else
            {
              g_ptr_array_remove_index (table->columns, c);
              g_ptr_array_remove_index (table->types, c);
            }
        }
    }
  return TRUE;
}

/* ---- the copy ---- */

/* Appends @text escaped for COPY's text format. */
static void
append_copy_text (GString *line, const char *text, gsize len)
{
  for (gsize i = 0; i < len; i++)
    switch (text[i])
      {
      case '\\': g_string_append (line, "\\\\"); break;
      case '\n': g_string_append (line, "\\n"); break;
      case '\r': g_string_append (line, "\\r"); break;
      case '\t': g_string_append (line, "\\t"); break;
      default: g_string_append_c (line, text[i]); break;
      }
}

/* Appends column @i of the current row as PostgreSQL type @type. */
static void
append_value (GString *line, sqlite3_stmt *stmt, int i, const char *type)
{
  int kind = sqlite3_column_type (stmt, i);

  if (kind == SQLITE_NULL)
    g_string_append (line, "\\N");
  else if (g_str_equal (type, "bytea"))
    {
      const guint8 *data = sqlite3_column_blob (stmt, i);
      int len = sqlite3_column_bytes (stmt, i);

      /* bytea's hex input form, its backslash escaped for COPY. */
      g_string_append (line, "\\\\x");
      for (int b = 0; b < len; b++)
        g_string_append_printf (line, "%02x", data[b]);
    }
  else if (g_str_equal (type, "boolean"))
    g_string_append (line, sqlite3_column_int64 (stmt, i) != 0 ? "t" : "f");
  else
    {
      const char *text = (const char *) sqlite3_column_text (stmt, i);

      append_copy_text (line, text, (gsize) sqlite3_column_bytes (stmt, i));
    }
}

static gboolean
copy_table (sqlite3 *db, PGconn *conn, Table *table, GError **error)
{
  g_autoptr(GString) select = g_string_new ("SELECT ");
  g_autoptr(GString) copy = g_string_new ("COPY ");
  g_autoptr(GString) buffer = g_string_new (NULL);
  g_autofree char *quoted_table = quote_ident (table->name);
  g_autofree char *what = g_strdup_printf ("copy table %s", table->name);
  g_autoptr(PGresult) started = NULL;
  PGresult *result;
  sqlite3_stmt *stmt = NULL;
  gboolean ok = TRUE;
  int rc;

  if (table->columns->len == 0)
    return TRUE;
  g_string_append_printf (copy, "%s (", quoted_table);
  for (guint c = 0; c < table->columns->len; c++)
    {
      g_autofree char *column = quote_ident (g_ptr_array_index (table->columns, c));

      g_string_append_printf (select, "%s%s", c > 0 ? ", " : "", column);
      g_string_append_printf (copy, "%s%s", c > 0 ? ", " : "", column);
    }
  /* In primary key order: the target's indexes fill in order. */
  g_string_append_printf (select, " FROM %s", quoted_table);
  g_string_append (copy, ") FROM STDIN");

  if (sqlite3_prepare_v2 (db, select->str, -1, &stmt, NULL) != SQLITE_OK)
    return sqlite_failed (db, what, error);
  started = PQexec (conn, copy->str);
  if (PQresultStatus (started) != PGRES_COPY_IN)
    {
      sqlite3_finalize (stmt);
      return pg_failed (conn, what, error);
    }

  while (ok && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      for (guint c = 0; c < table->columns->len; c++)
        {
          if (c > 0)
            g_string_append_c (buffer, '\t');
          append_value (buffer, stmt, (int) c, g_ptr_array_index (table->types, c));
        }
      g_string_append_c (buffer, '\n');
      table->rows++;
      if (buffer->len >= 256 * 1024)
        {
          ok = PQputCopyData (conn, buffer->str, (int) buffer->len) == 1;
          g_string_truncate (buffer, 0);
        }
    }
  if (ok && rc != SQLITE_DONE)
    {
      sqlite_failed (db, what, error);
      sqlite3_finalize (stmt);
      PQputCopyEnd (conn, "the SQLite store could not be read");
      while ((result = PQgetResult (conn)) != NULL)
        PQclear (result);
      return FALSE;
    }
  sqlite3_finalize (stmt);
  if (ok && buffer->len > 0)
    ok = PQputCopyData (conn, buffer->str, (int) buffer->len) == 1;
  /* Always ends the COPY, so that the connection leaves COPY_IN state:
   * a failed one is then answered with its error. */
  if (PQputCopyEnd (conn, ok ? NULL : "the copy was interrupted") != 1)
    ok = FALSE;
  while ((result = PQgetResult (conn)) != NULL)
    {
      if (PQresultStatus (result) == PGRES_COPY_IN)
        {
          /* Cannot happen after PQputCopyEnd; never loop on it. */
          PQclear (result);
          ok = FALSE;
          break;
        }
      if (PQresultStatus (result) != PGRES_COMMAND_OK && ok)
        {
          g_autofree char *reason = result_reason (result);

          g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED, "%s: %s", what, reason);
          ok = FALSE;
          PQclear (result);
          continue;
        }
      PQclear (result);
    }
  if (!ok && error != NULL && *error == NULL)
    return pg_failed (conn, what, error);
  return ok;
}

/* Refuses a database that holds anything: the copy keeps ids, which
 * would clash with rows already there. */
static gboolean
check_empty (PGconn *conn, GPtrArray *tables, GError **error)
{
  for (guint t = 0; t < tables->len; t++)
    {
      Table *table = g_ptr_array_index (tables, t);
      g_autofree char *quoted = quote_ident (table->name);
      g_autofree char *sql = g_strdup_printf ("SELECT EXISTS (SELECT 1 FROM %s)", quoted);
      g_autoptr(PGresult) result = pg_query (conn, "check that the target is empty", sql,
                                             0, NULL, error);

      if (result == NULL)
        return FALSE;
      if (g_str_equal (PQgetvalue (result, 0, 0), "t"))
        {
          g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_EXISTS,
                       "the target database is not empty (table %s has rows): "
                       "migrate-from-sqlite only fills an empty database", table->name);
          return FALSE;
        }
    }
  return TRUE;
}

/* Moves every sequence that feeds a column (serial, identity or a
 * nextval() default) past the highest value copied into that column, so
 * that new rows get new ids. */
static gboolean
advance_sequences (PGconn *conn, GError **error)
{
  g_autoptr(PGresult) sequences = NULL;

  sequences = pg_query (conn, "list the sequences of the target database",
                        "SELECT table_name, column_name, seq FROM ("
                        "  SELECT table_name, column_name,"
                        "         COALESCE (pg_get_serial_sequence (quote_ident (table_name), column_name),"
                        "                   substring (column_default from 'nextval\\(''([^'']+)''')) AS seq"
                        "    FROM information_schema.columns"
                        "   WHERE table_schema = current_schema ()) s"
                        " WHERE seq IS NOT NULL", 0, NULL, error);
  if (sequences == NULL)
    return FALSE;
  for (int i = 0; i < PQntuples (sequences); i++)
    {
      g_autofree char *table = quote_ident (PQgetvalue (sequences, i, 0));
      g_autofree char *column = quote_ident (PQgetvalue (sequences, i, 1));
      g_autofree char *sql =
        g_strdup_printf ("SELECT setval ($1::regclass, m) FROM (SELECT max (%s) AS m FROM %s) x"
                         " WHERE m IS NOT NULL", column, table);
      const char *params[] = { PQgetvalue (sequences, i, 2) };
      g_autoptr(PGresult) result = pg_query (conn, "advance a sequence", sql, 1, params, error);

      if (result == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
migrate (const char *url, const char *sqlite_path, GPtrArray **out_tables, GError **error)
{
  g_autoptr(PGconn) conn = NULL;
  g_autoptr(GPtrArray) tables = NULL;
  g_autoptr(GPtrArray) ordered = NULL;
  g_autoptr(GString) lock = g_string_new ("LOCK TABLE ");
  sqlite3 *db = NULL;
  gboolean ok;

  /* Opening the store creates (or upgrades) the PostgreSQL schema. */
  {
    g_autoptr(TdStore) store = td_store_open (url, NULL, error);

    if (store == NULL)
      return FALSE;
  }

  conn = PQconnectdb (url);
  if (PQstatus (conn) != CONNECTION_OK)
    {
      g_autofree char *shown = td_store_url_redact (url);
      g_autofree char *what = g_strdup_printf ("connect to %s", shown);

      return pg_failed (conn, what, error);
    }
  /* SQLite text is UTF-8, whatever the database's or the locale's default. */
  if (PQsetClientEncoding (conn, "UTF8") != 0)
    return pg_failed (conn, "set the client encoding", error);
  if (!pg_exec (conn, "start the transaction", "BEGIN", error) ||
      (tables = pg_tables (conn, error)) == NULL)
    return FALSE;

  /* No tidingsd or tidingsctl may write while the copy runs: checked
   * empty and filled as one step. */
  for (guint t = 0; t < tables->len; t++)
    {
      g_autofree char *quoted = quote_ident (((Table *) g_ptr_array_index (tables, t))->name);

      g_string_append_printf (lock, "%s%s", t > 0 ? ", " : "", quoted);
    }
  g_string_append (lock, " IN EXCLUSIVE MODE NOWAIT");
  if (tables->len > 0 && !pg_exec (conn, "lock the target tables (is tidingsd running on it?)",
                                   lock->str, error))
    return FALSE;
  if (!check_empty (conn, tables, error) ||
      (ordered = order_by_dependencies (tables, error)) == NULL)
    return FALSE;

  if (sqlite3_open_v2 (sqlite_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
    {
      g_autofree char *what = g_strdup_printf ("open %s", sqlite_path);

      sqlite_failed (db, what, error);
      sqlite3_close (db);
      return FALSE;
    }
  sqlite3_busy_timeout (db, 5000);
  /* One read transaction: a consistent snapshot even if a server still
   * writes (it should not). */
  ok = sqlite3_exec (db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ||
       sqlite_failed (db, "read the SQLite store", error);
  ok = ok && match_schemas (db, tables, error);
  for (guint t = 0; ok && t < ordered->len; t++)
    ok = copy_table (db, conn, g_ptr_array_index (ordered, t), error);
  sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  sqlite3_close (db);

  if (!ok || !advance_sequences (conn, error) ||
      !pg_exec (conn, "commit the copy", "COMMIT", error))
    return FALSE;
  *out_tables = g_steal_pointer (&tables);
  return TRUE;
}

int
_td_ctl_migrate_from_sqlite (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *sqlite_path = NULL;
  g_autoptr(GPtrArray) tables = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  gint64 total = 0;
  int status = _td_ctl_parse_command ("migrate-from-sqlite", "DIR",
                                      "Copies the SQLite store of data directory DIR into the "
                                      "empty PostgreSQL database named by --store.",
                                      NULL, &argc, &argv, 1);

  if (status >= 0)
    return status;
  if (!_td_ctl_resolve_store (&url, &data_dir, &error))
    return _td_ctl_fail (error);
  if (url == NULL)
    return _td_ctl_usage_error ("migrate-from-sqlite: name the PostgreSQL database to fill "
                                "with --store URL");

  sqlite_path = g_build_filename (argv[1], SQLITE_FILE_NAME, NULL);
  if (!g_file_test (sqlite_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (&error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                   "%s is not a Tidings data directory: %s is missing", argv[1], sqlite_path);
      return _td_ctl_fail (error);
    }
  if (!migrate (url, sqlite_path, &tables, &error))
    return _td_ctl_fail (error);

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_ptr_array_add (rows, g_strsplit ("TABLE ROWS", " ", -1));
  for (guint t = 0; t < tables->len; t++)
    {
      Table *table = g_ptr_array_index (tables, t);
      char **row = g_new0 (char *, 3);

      row[0] = g_strdup (table->name);
      row[1] = g_strdup_printf ("%" G_GINT64_FORMAT, table->rows);
      g_ptr_array_add (rows, row);
      total += table->rows;
    }
  _td_ctl_print_table (rows, 2);
  printf ("%" G_GINT64_FORMAT " rows copied from %s\n", total, sqlite_path);
  return 0;
}
