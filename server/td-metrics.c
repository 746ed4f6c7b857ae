/* td-metrics.c - tidingsd's process-wide metrics, rendered for Prometheus.
 *
 * The metric table is static and complete from the start, so every series
 * is exported (as 0) before anything happened: a dashboard or an alert
 * rule never meets a missing series just because a node is young.
 */
#define G_LOG_DOMAIN "td-metrics"

#include <string.h>

#include "td-metrics.h"

typedef enum {
  KIND_COUNTER,
  KIND_GAUGE,
  KIND_HISTOGRAM,
} Kind;

#define MAX_BUCKETS 16

typedef struct {
  const char   *name;
  const char   *labels;    /* "key=\"value\"" pairs without braces, or NULL */
  Kind          kind;
  const char   *help;
  const double *buckets;   /* histograms: upper bounds, ascending, no +Inf */
  guint         n_buckets;
} MetricDef;

/* Seconds, from half a millisecond (a SQLite batch in the page cache) to
 * ten seconds (a database that is failing over). */
static const double latency_buckets[] = {
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};
/* The worker takes at most 256 jobs per transaction. */
static const double batch_buckets[] = {
  1, 2, 4, 8, 16, 32, 64, 128, 256,
};

/* Series of one family must be next to each other (one HELP/TYPE each). */
static const MetricDef defs[TD_N_METRICS] = {
  [TD_METRIC_CONNECTIONS] = {
    "tidings_connections", NULL, KIND_GAUGE,
    "Open WebSocket connections, logged in or not." },
  [TD_METRIC_CONNECTIONS_OPENED] = {
    "tidings_connections_opened_total", NULL, KIND_COUNTER,
    "WebSocket handshakes accepted." },
  [TD_METRIC_HANDSHAKES_REFUSED_PER_ADDRESS] = {
    "tidings_handshakes_refused_total", "reason=\"per_address\"", KIND_COUNTER,
    "WebSocket handshakes refused before the upgrade." },
  [TD_METRIC_HANDSHAKES_REFUSED_ORIGIN] = {
    "tidings_handshakes_refused_total", "reason=\"origin\"", KIND_COUNTER,
    "WebSocket handshakes refused before the upgrade." },
  [TD_METRIC_SESSIONS] = {
    "tidings_sessions", NULL, KIND_GAUGE,
    "Logged-in connections on this node." },
  [TD_METRIC_USERS_ONLINE] = {
    "tidings_users_online", NULL, KIND_GAUGE,
    "People with at least one logged-in connection on this node." },
  [TD_METRIC_LOGINS_OK] = {
    "tidings_logins_total", "result=\"ok\"", KIND_COUNTER,
    "Logins (password or session token) by outcome." },
  [TD_METRIC_LOGINS_FAILED] = {
    "tidings_logins_total", "result=\"failed\"", KIND_COUNTER,
    "Logins (password or session token) by outcome." },
  [TD_METRIC_MESSAGES_STORED] = {
    "tidings_messages_stored_total", NULL, KIND_COUNTER,
    "Messages sent by clients of this node and committed (resent duplicates not counted)." },
  [TD_METRIC_MESSAGES_DELIVERED_LIVE] = {
    "tidings_messages_delivered_total", "path=\"live\"", KIND_COUNTER,
    "Message frames sent to devices, live or read from the mailbox." },
  [TD_METRIC_MESSAGES_DELIVERED_BACKLOG] = {
    "tidings_messages_delivered_total", "path=\"backlog\"", KIND_COUNTER,
    "Message frames sent to devices, live or read from the mailbox." },
  [TD_METRIC_STORE_QUEUE_LENGTH] = {
    "tidings_store_queue_length", NULL, KIND_GAUGE,
    "Store jobs waiting for the store worker thread." },
  [TD_METRIC_STORE_BATCHES_FAILED] = {
    "tidings_store_batches_failed_total", NULL, KIND_COUNTER,
    "Store transactions that failed as a whole and saved nothing." },
  [TD_METRIC_STORE_UP] = {
    "tidings_store_up", NULL, KIND_GAUGE,
    "1 if the store answered this scrape's query, else 0." },
  [TD_METRIC_WEBHOOK_QUEUE_LENGTH] = {
    "tidings_webhook_queue_length", NULL, KIND_GAUGE,
    "Webhook deliveries waiting in the store (shared by every node of a cluster)." },
  [TD_METRIC_BACKPLANE_CONNECTED] = {
    "tidings_backplane_connected", NULL, KIND_GAUGE,
    "1 while connected to the Redis backplane, else 0 (always 0 without --redis)." },
  [TD_METRIC_BACKPLANE_NODES] = {
    "tidings_backplane_nodes", NULL, KIND_GAUGE,
    "Other nodes whose heartbeat this node sees in Redis." },
  [TD_METRIC_BACKPLANE_EVENTS_IN] = {
    "tidings_backplane_events_received_total", NULL, KIND_COUNTER,
    "Backplane events received from other nodes." },
  [TD_METRIC_BACKPLANE_EVENTS_OUT] = {
    "tidings_backplane_events_published_total", NULL, KIND_COUNTER,
    "Backplane events published to other nodes." },
  [TD_METRIC_STORE_JOB_SECONDS] = {
    "tidings_store_job_seconds", NULL, KIND_HISTOGRAM,
    "Store job latency from queueing to its result on the main loop (includes the commit).",
    latency_buckets, G_N_ELEMENTS (latency_buckets) },
  [TD_METRIC_STORE_BATCH_SIZE] = {
    "tidings_store_batch_size", NULL, KIND_HISTOGRAM,
    "Jobs per store transaction (group commit).",
    batch_buckets, G_N_ELEMENTS (batch_buckets) },
  [TD_METRIC_STORE_COMMIT_SECONDS] = {
    "tidings_store_commit_seconds", NULL, KIND_HISTOGRAM,
    "Time spent in COMMIT (the fsync) per store transaction.",
    latency_buckets, G_N_ELEMENTS (latency_buckets) },
};

typedef struct {
  GMutex  mutex;
  guint64 counts[MAX_BUCKETS + 1];   /* per bucket, not cumulative; last is +Inf */
  guint64 count;
  double  sum;
} Histogram;

static gint64    values[TD_N_METRICS];      /* counters and gauges, atomic */
static Histogram histograms[TD_N_METRICS];  /* histograms; static GMutex needs no init */

static GMutex info_mutex;
static char  *info_labels;                  /* under info_mutex */

void
td_metrics_add (TdMetricId id, gint64 delta)
{
  g_return_if_fail (id < TD_N_METRICS && defs[id].kind != KIND_HISTOGRAM);
  g_return_if_fail (delta >= 0 || defs[id].kind == KIND_GAUGE);

  __atomic_fetch_add (&values[id], delta, __ATOMIC_RELAXED);
}

void
td_metrics_inc (TdMetricId id)
{
  td_metrics_add (id, 1);
}

void
td_metrics_set (TdMetricId id, gint64 value)
{
  g_return_if_fail (id < TD_N_METRICS && defs[id].kind != KIND_HISTOGRAM);

  __atomic_store_n (&values[id], value, __ATOMIC_RELAXED);
}

void
td_metrics_observe (TdMetricId id, double value)
{
  Histogram *h;
  guint i;

  g_return_if_fail (id < TD_N_METRICS && defs[id].kind == KIND_HISTOGRAM);

  h = &histograms[id];
  /* Upper bounds are inclusive ("le"); the first that holds takes it. */
  for (i = 0; i < defs[id].n_buckets; i++)
    if (value <= defs[id].buckets[i])
      break;
  g_mutex_lock (&h->mutex);
  h->counts[i]++;
  h->count++;
  h->sum += value;
  g_mutex_unlock (&h->mutex);
}

gint64
td_metrics_get (TdMetricId id)
{
  gint64 count;

  g_return_val_if_fail (id < TD_N_METRICS, 0);

  if (defs[id].kind != KIND_HISTOGRAM)
    return __atomic_load_n (&values[id], __ATOMIC_RELAXED);
  g_mutex_lock (&histograms[id].mutex);
  count = (gint64) histograms[id].count;
  g_mutex_unlock (&histograms[id].mutex);
  return count;
}

/* Label values: backslash, double quote and line feed are escaped. */
static void
append_label_value (GString *out, const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\\')
        g_string_append (out, "\\\\");
      else if (*p == '"')
        g_string_append (out, "\\\"");
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
}

void
td_metrics_set_info (const char *version, const char *node, const char *store)
{
  GString *labels = g_string_new (NULL);

  g_string_append (labels, "version=\"");
  append_label_value (labels, version != NULL ? version : "");
  g_string_append (labels, "\",node=\"");
  append_label_value (labels, node != NULL ? node : "");
  g_string_append (labels, "\",store=\"");
  append_label_value (labels, store != NULL ? store : "");
  g_string_append_c (labels, '"');

  g_mutex_lock (&info_mutex);
  g_free (info_labels);
  info_labels = g_string_free (labels, FALSE);
  g_mutex_unlock (&info_mutex);
}

/* HELP text: backslash and line feed are escaped. */
static void
append_help (GString *out, const char *name, const char *help, const char *type)
{
  g_string_append_printf (out, "# HELP %s ", name);
  for (const char *p = help; *p != '\0'; p++)
    {
      if (*p == '\\')
        g_string_append (out, "\\\\");
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
  g_string_append_printf (out, "\n# TYPE %s %s\n", name, type);
}

/* Go-style float text ("0.005", "2.5", "1e-06"), whatever the locale. */
static void
append_double (GString *out, double value, const char *format)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_formatd (buf, sizeof buf, format, value));
}

static void
render_histogram (GString *out, const MetricDef *def, Histogram *h)
{
  guint64 counts[MAX_BUCKETS + 1];
  guint64 count, cumulative = 0;
  double sum;
  const char *sep = def->labels != NULL ? "," : "";
  const char *labels = def->labels != NULL ? def->labels : "";

  /* One consistent snapshot: _count always equals the +Inf bucket. */
  g_mutex_lock (&h->mutex);
  memcpy (counts, h->counts, sizeof counts);
  count = h->count;
  sum = h->sum;
  g_mutex_unlock (&h->mutex);

  for (guint i = 0; i < def->n_buckets; i++)
    {
      cumulative += counts[i];
      g_string_append_printf (out, "%s_bucket{%s%sle=\"", def->name, labels, sep);
      append_double (out, def->buckets[i], "%g");
      g_string_append_printf (out, "\"} %" G_GUINT64_FORMAT "\n", cumulative);
    }
  g_string_append_printf (out, "%s_bucket{%s%sle=\"+Inf\"} %" G_GUINT64_FORMAT "\n",
                          def->name, labels, sep, count);
  g_string_append_printf (out, "%s_sum", def->name);
  if (def->labels != NULL)
    g_string_append_printf (out, "{%s}", def->labels);
  g_string_append_c (out, ' ');
  append_double (out, sum, "%.9g");
  g_string_append_printf (out, "\n%s_count", def->name);
  if (def->labels != NULL)
    g_string_append_printf (out, "{%s}", def->labels);
  g_string_append_printf (out, " %" G_GUINT64_FORMAT "\n", count);
}

void
td_metrics_render (GString *out)
{
  static const char * const type_names[] = { "counter", "gauge", "histogram" };
  const char *family = NULL;

  g_return_if_fail (out != NULL);

  g_mutex_lock (&info_mutex);
  if (info_labels != NULL)
    {
      append_help (out, "tidings_info", "Constant 1; the labels describe this node.", "gauge");
      g_string_append_printf (out, "tidings_info{%s} 1\n", info_labels);
    }
  g_mutex_unlock (&info_mutex);

  for (guint id = 0; id < TD_N_METRICS; id++)
    {
      const MetricDef *def = &defs[id];

      if (family == NULL || !g_str_equal (family, def->name))
        {
          append_help (out, def->name, def->help, type_names[def->kind]);
          family = def->name;
        }
      if (def->kind == KIND_HISTOGRAM)
        {
          render_histogram (out, def, &histograms[id]);
          continue;
        }
      g_string_append (out, def->name);
      if (def->labels != NULL)
        g_string_append_printf (out, "{%s}", def->labels);
      g_string_append_printf (out, " %" G_GINT64_FORMAT "\n",
                              __atomic_load_n (&values[id], __ATOMIC_RELAXED));
    }
}
