/* td-metrics.h - tidingsd's process-wide metrics, rendered for Prometheus.
 *
 * A fixed table of counters, gauges and histograms, one entry per series
 * (a family with labels, such as tidings_logins_total{result="ok"}, is
 * several entries next to each other).  Updates are cheap enough for hot
 * paths and safe from any thread: counters and gauges are 64-bit atomics,
 * a histogram takes its own mutex so a scrape always sees _count equal to
 * the +Inf bucket.  GET /metrics renders the table in the Prometheus text
 * exposition format 0.0.4 (td_metrics_render()).
 *
 * The registry is global rather than per TdServer: the transport, the
 * store worker and the sessions update it with one-line calls and need no
 * pointer to it.  One tidingsd process runs one server.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  /* transport */
  TD_METRIC_CONNECTIONS,                  /* gauge: open WebSocket connections */
  TD_METRIC_CONNECTIONS_OPENED,           /* counter: WebSocket handshakes accepted */
  TD_METRIC_HANDSHAKES_REFUSED_PER_ADDRESS, /* counter: HTTP 429, per-address cap */
  TD_METRIC_HANDSHAKES_REFUSED_ORIGIN,    /* counter: HTTP 403, Origin not allowed */
  /* sessions (set at scrape time by the server) */
  TD_METRIC_SESSIONS,                     /* gauge: logged-in connections */
  TD_METRIC_USERS_ONLINE,                 /* gauge: people with at least one session here */
  TD_METRIC_LOGINS_OK,                    /* counter */
  TD_METRIC_LOGINS_FAILED,                /* counter */
  TD_METRIC_MESSAGES_STORED,              /* counter: sends committed (not duplicates) */
  TD_METRIC_MESSAGES_DELIVERED_LIVE,      /* counter: "message" frames sent live */
  TD_METRIC_MESSAGES_DELIVERED_BACKLOG,   /* counter: "message" frames from a mailbox read */
  /* store worker */
  TD_METRIC_STORE_QUEUE_LENGTH,           /* gauge: jobs waiting for the worker thread */
  TD_METRIC_STORE_BATCHES_FAILED,         /* counter: transactions that saved nothing */
  TD_METRIC_STORE_UP,                     /* gauge: 1 if the scrape's own store job worked */
  TD_METRIC_WEBHOOK_QUEUE_LENGTH,         /* gauge: webhook deliveries waiting (store-wide) */
  /* cluster */
  TD_METRIC_BACKPLANE_CONNECTED,          /* gauge: 1 connected, 0 not (or no backplane) */
  TD_METRIC_BACKPLANE_NODES,              /* gauge: other nodes whose heartbeat is alive */
  TD_METRIC_BACKPLANE_EVENTS_IN,          /* counter: events received from other nodes */
  TD_METRIC_BACKPLANE_EVENTS_OUT,         /* counter: events published */
  /* histograms */
  TD_METRIC_STORE_JOB_SECONDS,            /* queued -> done callback, per job */
  TD_METRIC_STORE_BATCH_SIZE,             /* jobs per transaction */
  TD_METRIC_STORE_COMMIT_SECONDS,         /* COMMIT alone, per transaction */
  TD_N_METRICS
} TdMetricId;

/* Counters: adds 1 / @delta (>= 0).  Gauges: adds @delta (may be < 0). */
void    td_metrics_inc     (TdMetricId id);
void    td_metrics_add     (TdMetricId id, gint64 delta);
/* Gauges; also counters that mirror a count kept elsewhere, which must
 * itself only grow (e.g. td_backplane_get_events_in()). */
void    td_metrics_set     (TdMetricId id, gint64 value);
/* Histograms only: records one observation. */
void    td_metrics_observe (TdMetricId id, double value);
/* Current value of a counter or gauge; a histogram's observation count. */
gint64  td_metrics_get     (TdMetricId id);

/* Label values of the constant tidings_info series (version, node id,
 * store kind); escaped when rendered.  Main thread. */
void    td_metrics_set_info (const char *version, const char *node, const char *store);

/* Appends every metric in the text exposition format 0.0.4 to @out. */
void    td_metrics_render  (GString *out);

/* Content-Type of td_metrics_render()'s output. */
#define TD_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

G_END_DECLS
