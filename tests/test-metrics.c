/* test-metrics.c - GET /metrics and /api/v1/health of a real tidingsd.
 *
 * Scrapes are parsed strictly as Prometheus text format 0.0.4 (HELP and
 * TYPE before the samples of a family, metric and label name syntax,
 * escaped label values, float values, cumulative histogram buckets), and
 * the values must move with what clients do: connections up and down,
 * logins, messages stored and delivered, store job latency observations.
 * The registry itself is checked in-process from several threads.
 */
#define G_LOG_DOMAIN "test-metrics"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "td-metrics.h"
#include "td-test-util.h"

#define NODE_ID "metrics-node-\"1\""

static TdTestServer *server;

/* ---- a strict parser of the text format ---- */

typedef struct {
  GHashTable *types;    /* family name -> "counter" | "gauge" | "histogram" */
  GHashTable *samples;  /* "name{labels}" as written -> double* */
} Scrape;

static void
scrape_free (Scrape *scrape)
{
  g_hash_table_unref (scrape->types);
  g_hash_table_unref (scrape->samples);
  g_free (scrape);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Scrape, scrape_free)

static gboolean
is_metric_name (const char *s, gsize len)
{
  if (len == 0 || !(g_ascii_isalpha (s[0]) || s[0] == '_' || s[0] == ':'))
    return FALSE;
  for (gsize i = 1; i < len; i++)
    if (!(g_ascii_isalnum (s[i]) || s[i] == '_' || s[i] == ':'))
      return FALSE;
  return TRUE;
}

/* Checks "{a="x",b="y"}" starting at *p; leaves *p after the brace. */
static void
check_labels (const char *line, const char **p)
{
  const char *q = *p;

  g_assert_cmpint (*q, ==, '{');
  q++;
  while (*q != '}')
    {
      const char *name = q;

      while (g_ascii_isalnum (*q) || *q == '_')
        q++;
      if (q == name || g_ascii_isdigit (*name))
        g_error ("bad label name in: %s", line);
      if (q[0] != '=' || q[1] != '"')
        g_error ("label without =\" in: %s", line);
      q += 2;
      while (*q != '"')
        {
          if (*q == '\0' || *q == '\n')
            g_error ("unterminated label value in: %s", line);
          if (*q == '\\')
            {
              q++;
              if (*q != '\\' && *q != '"' && *q != 'n')
                g_error ("bad escape in label value in: %s", line);
            }
          q++;
        }
      q++;
      if (*q == ',')
        q++;
      else if (*q != '}')
        g_error ("labels not separated by commas in: %s", line);
    }
  *p = q + 1;
}

static const char *
family_of (GHashTable *types, const char *name)
{
  static const char * const suffixes[] = { "_bucket", "_sum", "_count" };

  if (g_hash_table_contains (types, name))
    return name;
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    if (g_str_has_suffix (name, suffixes[i]))
      {
        g_autofree char *base = g_strndup (name, strlen (name) - strlen (suffixes[i]));
        const char *type = g_hash_table_lookup (types, base);

        if (g_strcmp0 (type, "histogram") == 0)
          {
            gpointer key;

            g_hash_table_lookup_extended (types, base, &key, NULL);
            return key;
          }
      }
  return NULL;
}

static Scrape *
parse (const char *text)
{
  g_autoptr(Scrape) scrape = g_new0 (Scrape, 1);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) helped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n_lines;

  scrape->types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  scrape->samples = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_assert_true (g_str_has_suffix (text, "\n"));
  lines = g_strsplit (text, "\n", -1);
  n_lines = g_strv_length (lines);
  for (guint i = 0; i + 1 < n_lines; i++)
    {
      const char *line = lines[i];

      if (g_str_has_prefix (line, "# HELP "))
        {
          const char *name = line + 7;
          const char *end = strchr (name, ' ');

          g_assert_nonnull (end);
          g_assert_true (is_metric_name (name, end - name));
          /* One HELP per family, before its TYPE. */
          g_assert_true (g_hash_table_add (helped, g_strndup (name, end - name)));
        }
      else if (g_str_has_prefix (line, "# TYPE "))
        {
          g_auto(GStrv) parts = g_strsplit (line + 7, " ", -1);

          g_assert_cmpuint (g_strv_length (parts), ==, 2);
          g_assert_true (is_metric_name (parts[0], strlen (parts[0])));
          g_assert_true (g_str_equal (parts[1], "counter") || g_str_equal (parts[1], "gauge") ||
                         g_str_equal (parts[1], "histogram"));
          g_assert_true (g_hash_table_contains (helped, parts[0]));
          g_assert_true (g_hash_table_insert (scrape->types, g_strdup (parts[0]), g_strdup (parts[1])));
        }
      else
        {
          const char *p = line;
          g_autofree char *name = NULL;
          g_autofree char *key = NULL;
          char *end;
          double value;

          g_assert_cmpint (line[0], !=, '#');
          while (is_metric_name (line, p - line + 1))
            p++;
          name = g_strndup (line, p - line);
          g_assert_true (is_metric_name (name, strlen (name)));
          if (family_of (scrape->types, name) == NULL)
            g_error ("sample before its TYPE line: %s", line);
          if (g_str_has_suffix (name, "_total"))
            g_assert_cmpstr (g_hash_table_lookup (scrape->types, name), ==, "counter");
          if (*p == '{')
            check_labels (line, &p);
          key = g_strndup (line, p - line);
          g_assert_cmpint (*p, ==, ' ');
          p++;
          value = g_ascii_strtod (p, &end);
          if (end == p || *end != '\0')
            {
              /* Also legal, but tidingsd never writes them. */
              g_error ("not a plain float value: %s", line);
            }
          g_assert_true (g_hash_table_insert (scrape->samples, g_steal_pointer (&key),
                                              g_memdup2 (&value, sizeof value)));
        }
    }
  return g_steal_pointer (&scrape);
}

/* Every histogram: buckets cumulative and ascending, +Inf == _count. */
static void
check_histograms (Scrape *scrape)
{
  GHashTableIter iter;
  gpointer name, type;

  g_hash_table_iter_init (&iter, scrape->types);
  while (g_hash_table_iter_next (&iter, &name, &type))
    {
      g_autofree char *inf = NULL;
      g_autofree char *count = NULL;
      g_autofree char *sum = NULL;
      g_autofree char *prefix = NULL;
      GHashTableIter samples;
      gpointer key, value;
      double *inf_value, *count_value;

      if (!g_str_equal (type, "histogram"))
        continue;
      inf = g_strdup_printf ("%s_bucket{le=\"+Inf\"}", (char *) name);
      count = g_strdup_printf ("%s_count", (char *) name);
      sum = g_strdup_printf ("%s_sum", (char *) name);
      inf_value = g_hash_table_lookup (scrape->samples, inf);
      count_value = g_hash_table_lookup (scrape->samples, count);
      g_assert_nonnull (inf_value);
      g_assert_nonnull (count_value);
      g_assert_nonnull (g_hash_table_lookup (scrape->samples, sum));
      g_assert_cmpfloat (*inf_value, ==, *count_value);

      /* Each bucket holds at most as many as every wider one. */
      prefix = g_strdup_printf ("%s_bucket{le=\"", (char *) name);
      g_hash_table_iter_init (&samples, scrape->samples);
      while (g_hash_table_iter_next (&samples, &key, &value))
        {
          GHashTableIter other;
          gpointer key2, value2;
          double le;

          if (!g_str_has_prefix (key, prefix) || g_str_equal (key, inf))
            continue;
          le = g_ascii_strtod ((char *) key + strlen (prefix), NULL);
          g_assert_cmpfloat (*(double *) value, <=, *inf_value);
          g_hash_table_iter_init (&other, scrape->samples);
          while (g_hash_table_iter_next (&other, &key2, &value2))
            if (g_str_has_prefix (key2, prefix) && !g_str_equal (key2, inf) &&
                g_ascii_strtod ((char *) key2 + strlen (prefix), NULL) > le)
              g_assert_cmpfloat (*(double *) value, <=, *(double *) value2);
        }
    }
}

static char *
http_get (const char *path, const char **content_type_out, char **content_type_copy)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("%s%s", server->http_url, path);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  if (content_type_copy != NULL)
    *content_type_copy = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                                 "Content-Type"));
  return g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
}

static Scrape *
scrape_metrics (void)
{
  g_autofree char *text = http_get ("/metrics", NULL, NULL);
  Scrape *scrape = parse (text);

  check_histograms (scrape);
  return scrape;
}

static double
sample (Scrape *scrape, const char *key)
{
  double *value = g_hash_table_lookup (scrape->samples, key);

  if (value == NULL)
    g_error ("no sample %s in the scrape", key);
  return *value;
}

/* Scrapes until @key has @expected (bounded: 10 s). */
static void
wait_for_sample (const char *key, double expected)
{
  double last = -1;

  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(Scrape) scrape = scrape_metrics ();

      last = sample (scrape, key);
      if (last == expected)
        return;
      g_usleep (50 * 1000);
    }
  g_error ("%s stayed %g, expected %g", key, last, expected);
}

/* ---- tests ---- */

static void
test_format (void)
{
  g_autofree char *content_type = NULL;
  g_autofree char *text = http_get ("/metrics", NULL, &content_type);
  g_autoptr(Scrape) scrape = parse (text);
  static const char * const families[] = {
    "tidings_connections", "tidings_sessions", "tidings_logins_total",
    "tidings_messages_stored_total", "tidings_messages_delivered_total",
    "tidings_store_job_seconds", "tidings_store_queue_length",
    "tidings_backplane_connected", "tidings_webhook_queue_length", "tidings_store_up",
  };

  g_assert_nonnull (content_type);
  g_assert_true (g_str_has_prefix (content_type, "text/plain; version=0.0.4"));
  check_histograms (scrape);
  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    g_assert_nonnull (g_hash_table_lookup (scrape->types, families[i]));
  g_assert_cmpstr (g_hash_table_lookup (scrape->types, "tidings_store_job_seconds"), ==, "histogram");
  g_assert_cmpstr (g_hash_table_lookup (scrape->types, "tidings_connections"), ==, "gauge");
  /* The node id is a label value with quotes in it: escaped. */
  g_assert_nonnull (strstr (text, "node=\"metrics-node-\\\"1\\\"\""));
  g_assert_cmpfloat (sample (scrape, "tidings_store_up"), ==, 1);
  g_assert_cmpfloat (sample (scrape, "tidings_backplane_connected"), ==, 0);
}

static void
test_values_move (void)
{
  g_autoptr(Scrape) before = scrape_metrics ();
  g_autoptr(Scrape) during = NULL;
  g_autoptr(Scrape) after = NULL;
  g_autoptr(TdTestWs) alice = td_test_ws_connect (server->ws_url);
  g_autoptr(TdTestWs) bob = td_test_ws_connect (server->ws_url);
  g_autoptr(TdTestWs) intruder = td_test_ws_connect (server->ws_url);
  g_autoptr(GPtrArray) backlog = NULL;
  g_autoptr(TdFrame) bad = td_frame_new_auth_password ("carol", "not her password", "m-x", "test");
  g_autoptr(TdFrame) refused = NULL;
  double connections = sample (before, "tidings_connections");

  backlog = td_test_ws_login (alice, "alice", "m-a");
  g_clear_pointer (&backlog, g_ptr_array_unref);
  backlog = td_test_ws_login (bob, "bob", "m-b");
  td_test_ws_send_frame (intruder, bad);
  refused = td_test_ws_expect (intruder, TD_FRAME_ERROR, 20000);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("metrics-%u", i);
      g_autoptr(TdFrame) sent = td_test_ws_send_message (alice, id, "bob", "counted");
      g_autoptr(TdFrame) got = td_test_ws_expect (bob, TD_FRAME_MESSAGE, 10000);

      g_assert_cmpint (td_frame_get_frame_type (sent), ==, TD_FRAME_SENT);
    }
  /* A resend is a duplicate: stored once. */
  {
    g_autoptr(TdFrame) again = td_test_ws_send_message (alice, "metrics-0", "bob", "counted");

    g_assert_cmpint (td_frame_get_frame_type (again), ==, TD_FRAME_SENT);
  }

  during = scrape_metrics ();
  g_assert_cmpfloat (sample (during, "tidings_connections"), ==, connections + 3);
  g_assert_cmpfloat (sample (during, "tidings_connections_opened_total"), ==,
                     sample (before, "tidings_connections_opened_total") + 3);
  g_assert_cmpfloat (sample (during, "tidings_sessions"), ==, sample (before, "tidings_sessions") + 2);
  g_assert_cmpfloat (sample (during, "tidings_users_online"), ==,
                     sample (before, "tidings_users_online") + 2);
  g_assert_cmpfloat (sample (during, "tidings_logins_total{result=\"ok\"}"), ==,
                     sample (before, "tidings_logins_total{result=\"ok\"}") + 2);
  g_assert_cmpfloat (sample (during, "tidings_logins_total{result=\"failed\"}"), ==,
                     sample (before, "tidings_logins_total{result=\"failed\"}") + 1);
  g_assert_cmpfloat (sample (during, "tidings_messages_stored_total"), ==,
                     sample (before, "tidings_messages_stored_total") + 3);
  g_assert_cmpfloat (sample (during, "tidings_messages_delivered_total{path=\"live\"}"), >=,
                     sample (before, "tidings_messages_delivered_total{path=\"live\"}") + 3);
  /* Two logins, a failed one's nothing, three sends, a resend: at least
   * six store jobs went through the worker and were timed. */
  g_assert_cmpfloat (sample (during, "tidings_store_job_seconds_count"), >=,
                     sample (before, "tidings_store_job_seconds_count") + 6);
  g_assert_cmpfloat (sample (during, "tidings_store_job_seconds_sum"), >,
                     sample (before, "tidings_store_job_seconds_sum"));
  g_assert_cmpfloat (sample (during, "tidings_store_batch_size_count"), >,
                     sample (before, "tidings_store_batch_size_count"));
  g_assert_cmpfloat (sample (during, "tidings_store_commit_seconds_count"), >,
                     sample (before, "tidings_store_commit_seconds_count"));

  /* A device that logs in later reads the three from its mailbox. */
  {
    g_autoptr(TdTestWs) bob2 = td_test_ws_connect (server->ws_url);
    g_autoptr(GPtrArray) old = td_test_ws_login (bob2, "bob", "m-b2");
    g_autoptr(Scrape) later = scrape_metrics ();

    g_assert_cmpuint (old->len, >=, 3);
    g_assert_cmpfloat (sample (later, "tidings_messages_delivered_total{path=\"backlog\"}"), >=,
                       sample (during, "tidings_messages_delivered_total{path=\"backlog\"}") + 3);
  }

  g_clear_pointer (&alice, td_test_ws_free);
  g_clear_pointer (&bob, td_test_ws_free);
  g_clear_pointer (&intruder, td_test_ws_free);
  wait_for_sample ("tidings_connections", connections);
  after = scrape_metrics ();
  g_assert_cmpfloat (sample (after, "tidings_sessions"), ==, sample (before, "tidings_sessions"));
}

static void
test_health (void)
{
  g_autofree char *text = http_get ("/api/v1/health", NULL, NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *obj;
  const char *store = g_getenv ("TD_TEST_STORE");

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  obj = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (obj, "status"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (obj, "node"), ==, NODE_ID);
  g_assert_cmpstr (json_object_get_string_member (obj, "store"), ==,
                   g_strcmp0 (store, "postgresql") == 0 ? "postgresql" : "sqlite");
  g_assert_cmpstr (json_object_get_string_member (obj, "backplane"), ==, "none");
  g_assert_true (json_object_has_member (obj, "connections"));
}

/* Without --node-id a node is HOSTNAME:PORT. */
static void
test_health_default_node (void)
{
  g_autoptr(TdTestServer) other = td_test_server_new (NULL);
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strdup_printf ("%s/api/v1/health", other->http_url);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *expected = g_strdup_printf ("%s:%u", g_get_host_name (), other->port);

  g_assert_no_error (error);
  json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                  "node"), ==, expected);
  td_test_server_stop (other);
}

/* ---- the registry in this process ---- */

#define N_THREADS 4
#define N_ROUNDS  20000

static gpointer
hammer_thread (gpointer data)
{
  for (guint i = 0; i < N_ROUNDS; i++)
    {
      td_metrics_inc (TD_METRIC_MESSAGES_STORED);
      td_metrics_add (TD_METRIC_STORE_QUEUE_LENGTH, 1);
      td_metrics_add (TD_METRIC_STORE_QUEUE_LENGTH, -1);
      td_metrics_observe (TD_METRIC_STORE_BATCH_SIZE, (double) (i % 300));
    }
  return NULL;
}

static void
test_registry_threads (void)
{
  GThread *threads[N_THREADS];
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(Scrape) scrape = NULL;
  gint64 stored = td_metrics_get (TD_METRIC_MESSAGES_STORED);
  gint64 observed = td_metrics_get (TD_METRIC_STORE_BATCH_SIZE);

  for (guint i = 0; i < N_THREADS; i++)
    threads[i] = g_thread_new ("hammer", hammer_thread, NULL);
  for (guint i = 0; i < N_THREADS; i++)
    g_thread_join (threads[i]);

  g_assert_cmpint (td_metrics_get (TD_METRIC_MESSAGES_STORED), ==, stored + N_THREADS * N_ROUNDS);
  g_assert_cmpint (td_metrics_get (TD_METRIC_STORE_QUEUE_LENGTH), ==, 0);
  g_assert_cmpint (td_metrics_get (TD_METRIC_STORE_BATCH_SIZE), ==, observed + N_THREADS * N_ROUNDS);

  td_metrics_set_info ("1.0", "a \\ b \"c\"\nd", "sqlite");
  td_metrics_render (out);
  scrape = parse (out->str);
  check_histograms (scrape);
  g_assert_nonnull (strstr (out->str, "node=\"a \\\\ b \\\"c\\\"\\nd\""));
  /* Values 0..299: le="1" holds 0 and 1, le="256" all but 257..299. */
  g_assert_cmpfloat (sample (scrape, "tidings_store_batch_size_bucket{le=\"1\"}"), ==,
                     (double) N_THREADS * 2 * ((N_ROUNDS + 299) / 300));
  g_assert_cmpfloat (sample (scrape, "tidings_store_batch_size_bucket{le=\"+Inf\"}"), ==,
                     (double) N_THREADS * N_ROUNDS);
}

int
main (int argc, char **argv)
{
  const char *args[] = { "--node-id", NODE_ID, NULL };
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/metrics/registry-threads", test_registry_threads);
  g_test_add_func ("/metrics/format", test_format);
  g_test_add_func ("/metrics/values-move", test_values_move);
  g_test_add_func ("/metrics/health", test_health);
  g_test_add_func ("/metrics/health-default-node", test_health_default_node);

  server = td_test_server_new (args);
  status = g_test_run ();
  td_test_server_stop (server);
  td_test_server_free (server);
  return status;
}
