/* td-webhooks.h - delivers the persistent webhook queue over HTTP.
 *
 * Events are queued by store jobs in the same transaction as what caused
 * them (td_store_enqueue_event), so an event exists exactly when its cause
 * was committed.  The dispatcher, on the main loop, takes due deliveries
 * from the store, POSTs them signed with HMAC-SHA256, and marks each one
 * delivered (2xx) or failed with its next attempt time (exponential
 * backoff), so a receiver that is down for hours loses nothing.
 */
#pragma once

#include <glib-object.h>
#include "td-store-worker.h"

G_BEGIN_DECLS

#define TD_TYPE_WEBHOOKS (td_webhooks_get_type ())
G_DECLARE_FINAL_TYPE (TdWebhooks, td_webhooks, TD, WEBHOOKS, GObject)

/* HTTP header names of a delivery. */
#define TD_WEBHOOK_HEADER_EVENT      "X-Tidings-Event"
#define TD_WEBHOOK_HEADER_DELIVERY   "X-Tidings-Delivery"
#define TD_WEBHOOK_HEADER_TIMESTAMP  "X-Tidings-Timestamp"
#define TD_WEBHOOK_HEADER_SIGNATURE  "X-Tidings-Signature"

TdWebhooks *td_webhooks_new   (TdStoreWorker *worker);
/* Something was queued: look at the queue now rather than at the next
 * scheduled time. */
void        td_webhooks_kick  (TdWebhooks *self);
/* Cancels requests in flight (they stay queued and are retried on the next
 * start).  Idempotent. */
void        td_webhooks_stop  (TdWebhooks *self);
/* Delay before the first retry of a failed delivery (default 5 s,
 * config key webhook-retry-seconds); later ones double it. */
void        td_webhooks_set_first_retry (TdWebhooks *self, guint seconds);

/* "sha256=" + lowercase hex HMAC-SHA256(@secret, @timestamp + "." + @body):
 * the X-Tidings-Signature value.  Exposed for tests and docs. */
char       *td_webhook_sign   (const char *secret, const char *timestamp,
                               const char *body, gsize body_len);

/* Backoff after @attempts failed attempts: 5 s doubling to 10 min, with
 * ±20 % jitter; deliveries are kept (and retried) for 3 days. */
gint64      td_webhook_next_delay_ms (guint attempts);
/* The same with another first delay (@first_ms instead of 5 s). */
gint64      td_webhook_backoff_ms    (gint64 first_ms, guint attempts);

G_END_DECLS
