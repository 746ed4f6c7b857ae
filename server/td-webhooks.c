/* td-webhooks.c - TdWebhooks, the dispatcher of the webhook queue.
 *
 * The queue lives in the store (td_store_enqueue_event runs in the job
 * that commits the event's cause), so nothing here needs saving: after a
 * restart the dispatcher simply asks the store again.  On the main loop it
 * fetches the due deliveries through the store worker, POSTs them with a
 * SoupSession, one at a time per webhook so that a receiver sees its
 * events in order, and records each outcome through another store job.
 * Between rounds it sleeps in a GSource until the earliest next attempt
 * the store knows of; td_webhooks_kick() wakes it early.
 */
#define G_LOG_DOMAIN "tidingsd"

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>
#include <sodium.h>

#include "td-webhooks.h"

/* Deliveries taken from the store per round. */
#define FETCH_LIMIT         100
/* Longest sleep between rounds: a safety net should an event ever be
 * queued without a kick. */
#define MAX_SLEEP_MS        (30 * 1000)
/* After a failed store job the next round waits this long. */
#define STORE_RETRY_MS      (5 * 1000)
#define DEFAULT_FIRST_MS    (5 * 1000)
#define MAX_DELAY_MS        (10 * 60 * 1000)
#define REQUEST_TIMEOUT_S   10
/* Longest error text kept in the store (tidingsctl webhook list shows it). */
#define MAX_ERROR_TEXT      200

struct _TdWebhooks
{
  GObject        parent_instance;

  TdStoreWorker *worker;
  SoupSession   *session;
  GCancellable  *cancellable;
  gint64         first_retry_ms;

  guint          timer_id;
  gboolean       fetching;
  gboolean       fetch_again;     /* kicked while a fetch ran */
  gboolean       stopped;
  /* Webhook ids with a delivery in flight or being recorded: gint64* -> NULL. */
  GHashTable    *busy;
  /* Webhook id -> name, for the log. */
  GHashTable    *names;
};

G_DEFINE_FINAL_TYPE (TdWebhooks, td_webhooks, G_TYPE_OBJECT)

static void fetch (TdWebhooks *self);

static void
td_webhooks_dispose (GObject *object)
{
  TdWebhooks *self = TD_WEBHOOKS (object);

  td_webhooks_stop (self);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->worker);

  G_OBJECT_CLASS (td_webhooks_parent_class)->dispose (object);
}

static void
td_webhooks_finalize (GObject *object)
{
  TdWebhooks *self = TD_WEBHOOKS (object);

  g_clear_pointer (&self->busy, g_hash_table_unref);
  g_clear_pointer (&self->names, g_hash_table_unref);

  G_OBJECT_CLASS (td_webhooks_parent_class)->finalize (object);
}

static void
td_webhooks_class_init (TdWebhooksClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_webhooks_dispose;
  object_class->finalize = td_webhooks_finalize;
}

static void
td_webhooks_init (TdWebhooks *self)
{
  self->first_retry_ms = DEFAULT_FIRST_MS;
  self->busy = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->names = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  self->cancellable = g_cancellable_new ();
}

TdWebhooks *
td_webhooks_new (TdStoreWorker *worker)
{
  TdWebhooks *self;

  g_return_val_if_fail (TD_IS_STORE_WORKER (worker), NULL);

  self = g_object_new (TD_TYPE_WEBHOOKS, NULL);
  self->worker = g_object_ref (worker);
  /* No cookies, no cache, no redirects (per message): a receiver gets
   * exactly one signed POST per attempt and cannot bounce it elsewhere. */
  self->session = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT_S,
                                                 "user-agent", "tidingsd-webhooks/" PACKAGE_VERSION,
                                                 NULL);
  return self;
}

void
td_webhooks_set_first_retry (TdWebhooks *self, guint seconds)
{
  g_return_if_fail (TD_IS_WEBHOOKS (self));
  g_return_if_fail (seconds > 0);

  self->first_retry_ms = (gint64) seconds * 1000;
}

/* ---- signing and backoff ---- */

char *
td_webhook_sign (const char *secret, const char *timestamp, const char *body, gsize body_len)
{
  crypto_auth_hmacsha256_state state;
  guint8 mac[crypto_auth_hmacsha256_BYTES];
  char hex[crypto_auth_hmacsha256_BYTES * 2 + 1];

  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (timestamp != NULL, NULL);
  g_return_val_if_fail (body != NULL || body_len == 0, NULL);

  /* The multi-part API takes a key of any length (the one-shot
   * crypto_auth_hmacsha256() wants exactly 32 bytes). */
  crypto_auth_hmacsha256_init (&state, (const guint8 *) secret, strlen (secret));
  crypto_auth_hmacsha256_update (&state, (const guint8 *) timestamp, strlen (timestamp));
  crypto_auth_hmacsha256_update (&state, (const guint8 *) ".", 1);
  crypto_auth_hmacsha256_update (&state, (const guint8 *) body, body_len);
  crypto_auth_hmacsha256_final (&state, mac);
  sodium_bin2hex (hex, sizeof hex, mac, sizeof mac);
  return g_strconcat ("sha256=", hex, NULL);
}

gint64
td_webhook_backoff_ms (gint64 first_ms, guint attempts)
{
  gint64 delay = MAX (first_ms, 1);

  for (guint i = 1; i < attempts && delay < MAX_DELAY_MS; i++)
    delay *= 2;
  delay = MIN (delay, MAX_DELAY_MS);
  /* ±20 %: receivers that failed together do not all retry in step. */
  return (gint64) ((double) delay * g_random_double_range (0.8, 1.2));
}

gint64
td_webhook_next_delay_ms (guint attempts)
{
  return td_webhook_backoff_ms (DEFAULT_FIRST_MS, attempts);
}

/* ---- helpers ---- */

static const char *
webhook_name (TdWebhooks *self, gint64 webhook_id)
{
  const char *name = g_hash_table_lookup (self->names, &webhook_id);

  return name != NULL ? name : "(deleted)";
}

static void
set_busy (TdWebhooks *self, gint64 webhook_id, gboolean busy)
{
  if (busy)
    g_hash_table_add (self->busy, g_memdup2 (&webhook_id, sizeof webhook_id));
  else
    g_hash_table_remove (self->busy, &webhook_id);
}

static void
schedule (TdWebhooks *self, gint64 delay_ms);

static gboolean
timer_cb (gpointer user_data)
{
  TdWebhooks *self = user_data;

  self->timer_id = 0;
  fetch (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (TdWebhooks *self, gint64 delay_ms)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->stopped)
    return;
  delay_ms = CLAMP (delay_ms, 0, MAX_SLEEP_MS);
  self->timer_id = g_timeout_add ((guint) delay_ms, timer_cb, self);
}

/* ---- recording an outcome ---- */

typedef struct {
  TdWebhooks *self;
  gint64      delivery_id;
  gint64      webhook_id;
  gboolean    ok;
  char       *error_text;
  gint64      now_ms;
  gint64      next_ms;
} Outcome;

static void
outcome_free (gpointer data)
{
  Outcome *outcome = data;

  g_object_unref (outcome->self);
  g_free (outcome->error_text);
  g_free (outcome);
}

static gpointer
outcome_job_run (TdStore *store, gpointer data, GError **error)
{
  Outcome *outcome = data;
  gboolean ok;

  if (outcome->ok)
    ok = td_store_delivery_succeeded (store, outcome->delivery_id, outcome->now_ms, error);
  else
    ok = td_store_delivery_failed (store, outcome->delivery_id, outcome->error_text,
                                   outcome->now_ms, outcome->next_ms, error);
  return ok ? GINT_TO_POINTER (1) : NULL;
}

static void
outcome_job_done (gpointer result, const GError *error, gpointer user_data)
{
  Outcome *outcome = user_data;
  TdWebhooks *self = outcome->self;

  set_busy (self, outcome->webhook_id, FALSE);
  if (self->stopped)
    return;
  if (error != NULL)
    {
      /* The delivery was probably deleted with its webhook; if the store
       * is failing, the next round finds out again. */
      if (g_error_matches (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
        g_debug ("webhook delivery %" G_GINT64_FORMAT " is gone", outcome->delivery_id);
      else
        {
          g_warning ("cannot record webhook delivery %" G_GINT64_FORMAT ": %s",
                     outcome->delivery_id, error->message);
          schedule (self, STORE_RETRY_MS);
          return;
        }
    }
  fetch (self);
}

/* ---- one HTTP attempt ---- */

typedef struct {
  TdWebhooks         *self;
  TdStoreDeliveryJob *job;
  SoupMessage        *msg;
} Attempt;

static void
attempt_free (Attempt *attempt)
{
  g_object_unref (attempt->self);
  td_store_delivery_job_free (attempt->job);
  g_clear_object (&attempt->msg);
  g_free (attempt);
}

static void
attempt_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Attempt *attempt = user_data;
  TdWebhooks *self = attempt->self;
  TdStoreDeliveryJob *job = attempt->job;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) response = NULL;
  Outcome *outcome;
  guint status;

  response = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  /* Only the status matters: the response body is never read, so a
   * receiver cannot make the server buffer anything. */
  if (response != NULL)
    g_input_stream_close_async (response, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->stopped)
    {
      /* Stopping: the delivery stays queued and is retried after the
       * next start; nothing is recorded. */
      set_busy (self, job->webhook_id, FALSE);
      attempt_free (attempt);
      return;
    }

  outcome = g_new0 (Outcome, 1);
  outcome->self = g_object_ref (self);
  outcome->delivery_id = job->id;
  outcome->webhook_id = job->webhook_id;
  outcome->now_ms = g_get_real_time () / 1000;
  status = soup_message_get_status (attempt->msg);

  if (error == NULL && SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      outcome->ok = TRUE;
      g_debug ("webhook %s: delivery %" G_GINT64_FORMAT " (%s) delivered",
               webhook_name (self, job->webhook_id), job->id, job->event);
    }
  else
    {
      gint64 delay = td_webhook_backoff_ms (self->first_retry_ms, job->attempts + 1);

      if (error != NULL)
        outcome->error_text = g_strdup (error->message);
      else
        outcome->error_text = g_strdup_printf ("HTTP %u %s", status,
                                               soup_message_get_reason_phrase (attempt->msg)
                                               ? soup_message_get_reason_phrase (attempt->msg) : "");
      g_strchomp (outcome->error_text);
      if (strlen (outcome->error_text) > MAX_ERROR_TEXT)
        {
          /* Cut at a character boundary. */
          const char *end = g_utf8_find_prev_char (outcome->error_text,
                                                   outcome->error_text + MAX_ERROR_TEXT);
          outcome->error_text[end ? end - outcome->error_text : 0] = '\0';
        }
      outcome->next_ms = outcome->now_ms + delay;
      g_message ("webhook %s: delivery %" G_GINT64_FORMAT " (%s) failed: %s; attempt %u, "
                 "next in %" G_GINT64_FORMAT " s",
                 webhook_name (self, job->webhook_id), job->id, job->event,
                 outcome->error_text, job->attempts + 1, (delay + 999) / 1000);
    }

  /* The webhook stays busy until the outcome is stored, so the next round
   * cannot send the same delivery again. */
  td_store_worker_run (self->worker, outcome_job_run, outcome, outcome_free, NULL,
                       outcome_job_done, outcome);
  attempt_free (attempt);
}

static void
start_attempt (TdWebhooks *self, TdStoreDeliveryJob *job)
{
  g_autofree char *timestamp = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / G_USEC_PER_SEC);
  g_autofree char *delivery = g_strdup_printf ("%" G_GINT64_FORMAT, job->id);
  g_autofree char *signature = NULL;
  g_autoptr(GBytes) body = NULL;
  SoupMessageHeaders *headers;
  SoupMessage *msg;
  Attempt *attempt;
  gsize body_len = strlen (job->body);

  msg = soup_message_new (SOUP_METHOD_POST, job->url);
  if (msg == NULL)
    {
      /* tidingsctl checks URLs, so this is a row edited by hand. */
      Outcome *outcome = g_new0 (Outcome, 1);

      outcome->self = g_object_ref (self);
      outcome->delivery_id = job->id;
      outcome->webhook_id = job->webhook_id;
      outcome->error_text = g_strdup ("invalid URL");
      outcome->now_ms = g_get_real_time () / 1000;
      outcome->next_ms = outcome->now_ms + MAX_DELAY_MS;
      g_message ("webhook %s: invalid URL; delivery %" G_GINT64_FORMAT " kept",
                 webhook_name (self, job->webhook_id), job->id);
      set_busy (self, job->webhook_id, TRUE);
      td_store_worker_run (self->worker, outcome_job_run, outcome, outcome_free, NULL,
                           outcome_job_done, outcome);
      td_store_delivery_job_free (job);
      return;
    }

  signature = td_webhook_sign (job->secret, timestamp, job->body, body_len);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, TD_WEBHOOK_HEADER_EVENT, job->event);
  soup_message_headers_replace (headers, TD_WEBHOOK_HEADER_DELIVERY, delivery);
  soup_message_headers_replace (headers, TD_WEBHOOK_HEADER_TIMESTAMP, timestamp);
  soup_message_headers_replace (headers, TD_WEBHOOK_HEADER_SIGNATURE, signature);
  body = g_bytes_new (job->body, body_len);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);

  attempt = g_new0 (Attempt, 1);
  attempt->self = g_object_ref (self);
  attempt->job = job;
  attempt->msg = msg;
  set_busy (self, job->webhook_id, TRUE);
  soup_session_send_async (self->session, msg, G_PRIORITY_DEFAULT, self->cancellable,
                           attempt_done_cb, attempt);
}

/* ---- fetching due deliveries ---- */

typedef struct {
  TdWebhooks *self;
  gint64      now_ms;
  GHashTable *known;     /* copy of the ids in self->names (read on the worker) */
  GPtrArray  *due;       /* TdStoreDeliveryJob* (NULL once handed to an attempt) */
  GPtrArray  *hooks;     /* TdStoreWebhook*, only if a due one had an unknown id */
  gint64      next_ms;
} Fetch;

static void
delivery_job_free0 (gpointer job)
{
  if (job != NULL)
    td_store_delivery_job_free (job);
}

static void
fetch_free (gpointer data)
{
  Fetch *f = data;

  g_object_unref (f->self);
  g_clear_pointer (&f->known, g_hash_table_unref);
  g_clear_pointer (&f->due, g_ptr_array_unref);
  g_clear_pointer (&f->hooks, g_ptr_array_unref);
  g_free (f);
}

static gpointer
fetch_job_run (TdStore *store, gpointer data, GError **error)
{
  Fetch *f = data;
  GError *local_error = NULL;
  gboolean unknown = FALSE;

  f->due = td_store_due_deliveries (store, f->now_ms, FETCH_LIMIT, error);
  if (f->due == NULL)
    return NULL;
  g_ptr_array_set_free_func (f->due, delivery_job_free0);
  f->next_ms = td_store_next_delivery_time (store, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  /* Names are only for the log; read them when a new webhook shows up. */
  for (guint i = 0; i < f->due->len && !unknown; i++)
    {
      TdStoreDeliveryJob *job = g_ptr_array_index (f->due, i);

      unknown = !g_hash_table_contains (f->known, &job->webhook_id);
    }
  if (unknown && (f->hooks = td_store_list_webhooks (store, error)) == NULL)
    return NULL;
  return f;
}

static void
fetch_job_done (gpointer result, const GError *error, gpointer user_data)
{
  Fetch *f = user_data;
  TdWebhooks *self = f->self;
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 wake_ms;

  self->fetching = FALSE;
  if (self->stopped)
    return;
  if (error != NULL)
    {
      g_warning ("cannot read the webhook queue: %s", error->message);
      schedule (self, STORE_RETRY_MS);
      return;
    }

  if (f->hooks != NULL)
    for (guint i = 0; i < f->hooks->len; i++)
      {
        TdStoreWebhook *hook = g_ptr_array_index (f->hooks, i);

        g_hash_table_replace (self->names, g_memdup2 (&hook->id, sizeof hook->id),
                              g_strdup (hook->name));
      }

  wake_ms = f->next_ms > 0 ? f->next_ms : now_ms + MAX_SLEEP_MS;
  for (guint i = 0; i < f->due->len; i++)
    {
      TdStoreDeliveryJob *job = g_ptr_array_index (f->due, i);
      gint64 webhook_id = job->webhook_id;
      gboolean first = !g_hash_table_contains (taken, &webhook_id);

      /* The store returns the head of each webhook's queue only, so that
       * a failed delivery holds back the ones after it (order); this is a
       * second guard, and skips webhooks with a delivery in flight. */
      if (first)
        g_hash_table_add (taken, g_memdup2 (&webhook_id, sizeof webhook_id));
      if (!first || g_hash_table_contains (self->busy, &webhook_id))
        continue;
      g_ptr_array_index (f->due, i) = NULL;
      start_attempt (self, job);
    }

  if (self->fetch_again)
    {
      self->fetch_again = FALSE;
      fetch (self);
      return;
    }
  /* With something in flight, its outcome starts the next round; the
   * timer covers the rest (deliveries of idle webhooks due later). */
  if (wake_ms <= now_ms)
    wake_ms = now_ms + (g_hash_table_size (self->busy) > 0 ? MAX_SLEEP_MS : 1000);
  schedule (self, wake_ms - now_ms);
}

static void
fetch (TdWebhooks *self)
{
  Fetch *f;

  if (self->stopped)
    return;
  if (self->fetching)
    {
      self->fetch_again = TRUE;
      return;
    }
  g_clear_handle_id (&self->timer_id, g_source_remove);
  self->fetching = TRUE;
  f = g_new0 (Fetch, 1);
  f->self = g_object_ref (self);
  f->now_ms = g_get_real_time () / 1000;
  f->known = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  {
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, self->names);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_hash_table_add (f->known, g_memdup2 (key, sizeof (gint64)));
  }
  td_store_worker_run (self->worker, fetch_job_run, f, fetch_free, NULL, fetch_job_done, f);
}

void
td_webhooks_kick (TdWebhooks *self)
{
  g_return_if_fail (TD_IS_WEBHOOKS (self));

  fetch (self);
}

void
td_webhooks_stop (TdWebhooks *self)
{
  g_return_if_fail (TD_IS_WEBHOOKS (self));

  if (self->stopped)
    return;
  self->stopped = TRUE;
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
}
