/* td-store.c - the TdStore interface: error domain, plain result types and
 * the wrappers that dispatch to a backend (see td-store.h for semantics).
 */
#define G_LOG_DOMAIN "td-store"

#include <string.h>

#include "td-store.h"
#include "td-store-private.h"

G_DEFINE_QUARK (td-store-error-quark, td_store_error)

G_DEFINE_INTERFACE (TdStore, td_store, G_TYPE_OBJECT)

static void
td_store_default_init (TdStoreInterface *iface)
{
}

/* Hides the password of a libpq URI (user:PASSWORD@host, ?password=…)
 * or keyword/value string (password=…), so that logs and error messages
 * can name the database without leaking the secret. */
char *
td_store_url_redact (const char *store_url)
{
  static GRegex *userinfo_re, *param_re, *keyword_re;
  g_autofree char *step1 = NULL;
  g_autofree char *step2 = NULL;

  if (store_url == NULL)
    return NULL;

  if (g_once_init_enter (&keyword_re))
    {
      userinfo_re = g_regex_new ("^([A-Za-z][A-Za-z0-9+.-]*://[^:/?#@]*:)[^/?#]*@",
                                 G_REGEX_OPTIMIZE, 0, NULL);
      param_re = g_regex_new ("([?&]password=)[^&]*", G_REGEX_CASELESS | G_REGEX_OPTIMIZE,
                              0, NULL);
      g_once_init_leave (&keyword_re,
                         g_regex_new ("(^|\\s)(password\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'|\\S*)",
                                      G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL));
    }

  step1 = g_regex_replace (userinfo_re, store_url, -1, 0, "\\1***@", 0, NULL);
  step2 = g_regex_replace (param_re, step1, -1, 0, "\\1***", 0, NULL);
  return g_regex_replace (keyword_re, step2, -1, 0, "\\1\\2***", 0, NULL);
}

void
td_store_user_free (TdStoreUser *user)
{
  if (user == NULL)
    return;

  g_free (user->login);
  g_free (user->name);
  g_free (user->department);
  g_free (user->title);
  g_free (user->password_hash);
  g_free (user->role);
  g_free (user);
}

void
td_store_send_result_clear (TdStoreSendResult *result)
{
  g_return_if_fail (result != NULL);

  g_clear_pointer (&result->sender_copy, td_message_unref);
  g_clear_pointer (&result->recipient_copy, td_message_unref);
  result->duplicate = FALSE;
}

void
td_store_delivery_free (TdStoreDelivery *delivery)
{
  if (delivery == NULL)
    return;

  g_free (delivery->login);
  g_clear_pointer (&delivery->copy, td_message_unref);
  g_free (delivery);
}

void
td_store_group_send_result_clear (TdStoreGroupSendResult *result)
{
  g_return_if_fail (result != NULL);

  g_clear_pointer (&result->sender_copy, td_message_unref);
  g_clear_pointer (&result->deliveries, g_ptr_array_unref);
  result->duplicate = FALSE;
}

void
td_store_reminder_free (TdStoreReminder *reminder)
{
  if (reminder == NULL)
    return;

  g_free (reminder->source);
  g_free (reminder->title);
  g_free (reminder->body);
  g_free (reminder->link);
  g_free (reminder->category);
  g_free (reminder->idempotency_key);
  g_free (reminder);
}

void
td_store_recipient_free (TdStoreRecipient *recipient)
{
  if (recipient == NULL)
    return;

  g_free (recipient->login);
  g_free (recipient);
}

void
td_store_api_key_free (TdStoreApiKey *key)
{
  if (key == NULL)
    return;

  g_free (key->name);
  g_free (key->scopes);
  g_free (key->bot_login);
  g_free (key);
}

void
td_store_webhook_free (TdStoreWebhook *hook)
{
  if (hook == NULL)
    return;

  g_free (hook->name);
  g_free (hook->url);
  g_free (hook->secret);
  g_free (hook->events);
  g_free (hook->last_error);
  g_free (hook);
}

void
td_store_delivery_job_free (TdStoreDeliveryJob *job)
{
  if (job == NULL)
    return;

  g_free (job->url);
  g_free (job->secret);
  g_free (job->event);
  g_free (job->body);
  g_free (job);
}

/* Every wrapper checks the instance and that the backend implements the
 * method, so a half-written backend fails loudly instead of crashing. */
#define STORE_IFACE_CHECK(self, vfunc, val) \
  G_STMT_START { \
    g_return_val_if_fail (TD_IS_STORE (self), (val)); \
    g_return_val_if_fail (TD_STORE_GET_IFACE (self)->vfunc != NULL, (val)); \
  } G_STMT_END

gboolean
td_store_begin (TdStore *self, GError **error)
{
  STORE_IFACE_CHECK (self, begin, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->begin (self, error);
}

gboolean
td_store_commit (TdStore *self, GError **error)
{
  STORE_IFACE_CHECK (self, commit, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->commit (self, error);
}

void
td_store_rollback (TdStore *self)
{
  g_return_if_fail (TD_IS_STORE (self));
  g_return_if_fail (TD_STORE_GET_IFACE (self)->rollback != NULL);

  TD_STORE_GET_IFACE (self)->rollback (self);
}

gboolean
td_store_savepoint (TdStore *self, GError **error)
{
  STORE_IFACE_CHECK (self, savepoint, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->savepoint (self, error);
}

gboolean
td_store_release (TdStore *self, GError **error)
{
  STORE_IFACE_CHECK (self, release, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->release (self, error);
}

void
td_store_rollback_to (TdStore *self)
{
  g_return_if_fail (TD_IS_STORE (self));
  g_return_if_fail (TD_STORE_GET_IFACE (self)->rollback_to != NULL);

  TD_STORE_GET_IFACE (self)->rollback_to (self);
}

gint64
td_store_ensure_department (TdStore *self, const char *name, GError **error)
{
  STORE_IFACE_CHECK (self, ensure_department, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return TD_STORE_GET_IFACE (self)->ensure_department (self, name, error);
}

GPtrArray *
td_store_list_departments (TdStore *self, GError **error)
{
  STORE_IFACE_CHECK (self, list_departments, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->list_departments (self, error);
}

gboolean
td_store_put_user (TdStore    *self,
                   const char *login,
                   const char *name,
                   const char *department,
                   const char *title,
                   const char *role,
                   gboolean    create_only,
                   GError    **error)
{
  STORE_IFACE_CHECK (self, put_user, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->put_user (self, login, name, department, title,
                                              role, create_only, error);
}

gboolean
td_store_set_password_hash (TdStore    *self,
                            const char *login,
                            const char *hash,
                            GError    **error)
{
  STORE_IFACE_CHECK (self, set_password_hash, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->set_password_hash (self, login, hash, error);
}

gboolean
td_store_set_disabled (TdStore    *self,
                       const char *login,
                       gboolean    disabled,
                       GError    **error)
{
  STORE_IFACE_CHECK (self, set_disabled, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->set_disabled (self, login, disabled, error);
}

gboolean
td_store_delete_user (TdStore *self, const char *login, GError **error)
{
  STORE_IFACE_CHECK (self, delete_user, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->delete_user (self, login, error);
}

TdStoreUser *
td_store_get_user (TdStore *self, const char *login, GError **error)
{
  STORE_IFACE_CHECK (self, get_user, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->get_user (self, login, error);
}

TdStoreUser *
td_store_get_user_by_id (TdStore *self, gint64 id, GError **error)
{
  STORE_IFACE_CHECK (self, get_user_by_id, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->get_user_by_id (self, id, error);
}

GPtrArray *
td_store_list_users (TdStore *self, GError **error)
{
  STORE_IFACE_CHECK (self, list_users, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->list_users (self, error);
}

gboolean
td_store_add_token (TdStore      *self,
                    const guint8 *hash,
                    gsize         hash_len,
                    gint64        user_id,
                    const char   *device,
                    gint64        expires_ms,
                    GError      **error)
{
  STORE_IFACE_CHECK (self, add_token, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->add_token (self, hash, hash_len, user_id, device,
                                               expires_ms, error);
}

gint64
td_store_check_token (TdStore      *self,
                      const guint8 *hash,
                      gsize         hash_len,
                      gint64        now_ms,
                      gint64       *out_expires,
                      GError      **error)
{
  STORE_IFACE_CHECK (self, check_token, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return TD_STORE_GET_IFACE (self)->check_token (self, hash, hash_len, now_ms, out_expires, error);
}

gboolean
td_store_revoke_token (TdStore      *self,
                       const guint8 *hash,
                       gsize         hash_len,
                       GError      **error)
{
  STORE_IFACE_CHECK (self, revoke_token, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->revoke_token (self, hash, hash_len, error);
}

gboolean
td_store_revoke_user_tokens (TdStore *self, gint64 user_id, GError **error)
{
  STORE_IFACE_CHECK (self, revoke_user_tokens, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->revoke_user_tokens (self, user_id, error);
}

gboolean
td_store_add_message (TdStore           *self,
                      gint64             sender_id,
                      gint64             recipient_id,
                      const char        *client_id,
                      const char        *text,
                      gint64             time_ms,
                      TdStoreSendResult *out,
                      GError           **error)
{
  STORE_IFACE_CHECK (self, add_message, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->add_message (self, sender_id, recipient_id, client_id,
                                                 text, time_ms, out, error);
}

GPtrArray *
td_store_mailbox_after (TdStore *self,
                        gint64   user_id,
                        gint64   after_seq,
                        guint    limit,
                        GError **error)
{
  STORE_IFACE_CHECK (self, mailbox_after, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->mailbox_after (self, user_id, after_seq, limit, error);
}

gint64
td_store_mailbox_last_seq (TdStore *self, gint64 user_id, GError **error)
{
  STORE_IFACE_CHECK (self, mailbox_last_seq, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return TD_STORE_GET_IFACE (self)->mailbox_last_seq (self, user_id, error);
}

GPtrArray *
td_store_history (TdStore  *self,
                  gint64    user_a,
                  gint64    user_b,
                  gint64    before_mid,
                  guint     limit,
                  gboolean *out_more,
                  GError  **error)
{
  STORE_IFACE_CHECK (self, history, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->history (self, user_a, user_b, before_mid, limit,
                                             out_more, error);
}

gint64
td_store_get_cursor (TdStore    *self,
                     gint64      user_id,
                     const char *device,
                     GError    **error)
{
  STORE_IFACE_CHECK (self, get_cursor, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return TD_STORE_GET_IFACE (self)->get_cursor (self, user_id, device, error);
}

gboolean
td_store_set_cursor (TdStore    *self,
                     gint64      user_id,
                     const char *device,
                     gint64      seq,
                     GError    **error)
{
  STORE_IFACE_CHECK (self, set_cursor, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->set_cursor (self, user_id, device, seq, error);
}

gboolean
td_store_set_cursors (TdStore              *self,
                      const TdCursorUpdate *updates,
                      guint                 n,
                      GError              **error)
{
  STORE_IFACE_CHECK (self, set_cursors, FALSE);
  g_return_val_if_fail (updates != NULL || n == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (n == 0)
    return TRUE;
  return TD_STORE_GET_IFACE (self)->set_cursors (self, updates, n, error);
}

TdGroup *
td_store_create_group (TdStore      *self,
                       gint64        owner_id,
                       const char   *name,
                       const gint64 *member_ids,
                       guint         n_members,
                       gint64        time_ms,
                       GError      **error)
{
  STORE_IFACE_CHECK (self, create_group, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->create_group (self, owner_id, name, member_ids, n_members,
                                                  time_ms, error);
}

TdGroup *
td_store_get_group (TdStore *self, gint64 group_id, GError **error)
{
  STORE_IFACE_CHECK (self, get_group, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->get_group (self, group_id, error);
}

GPtrArray *
td_store_list_user_groups (TdStore *self, gint64 user_id, GError **error)
{
  STORE_IFACE_CHECK (self, list_user_groups, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->list_user_groups (self, user_id, error);
}

GPtrArray *
td_store_list_groups (TdStore *self, GError **error)
{
  STORE_IFACE_CHECK (self, list_groups, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->list_groups (self, error);
}

TdGroup *
td_store_update_group (TdStore      *self,
                       gint64        group_id,
                       const char   *name,
                       const gint64 *add_ids,
                       guint         n_add,
                       const gint64 *remove_ids,
                       guint         n_remove,
                       GError      **error)
{
  STORE_IFACE_CHECK (self, update_group, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->update_group (self, group_id, name, add_ids, n_add,
                                                  remove_ids, n_remove, error);
}

gboolean
td_store_add_group_message (TdStore                *self,
                            gint64                  sender_id,
                            gint64                  group_id,
                            const char             *client_id,
                            const char             *text,
                            gint64                  time_ms,
                            TdStoreGroupSendResult *out,
                            GError                **error)
{
  STORE_IFACE_CHECK (self, add_group_message, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->add_group_message (self, sender_id, group_id, client_id,
                                                       text, time_ms, out, error);
}

GPtrArray *
td_store_group_history (TdStore  *self,
                        gint64    group_id,
                        gint64    before_mid,
                        guint     limit,
                        gboolean *out_more,
                        GError  **error)
{
  STORE_IFACE_CHECK (self, group_history, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->group_history (self, group_id, before_mid, limit, out_more,
                                                   error);
}

gboolean
td_store_set_read (TdStore *self,
                   gint64   user_id,
                   gint64   peer_user_id,
                   gint64   group_id,
                   gint64   mid,
                   GError **error)
{
  STORE_IFACE_CHECK (self, set_read, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->set_read (self, user_id, peer_user_id, group_id, mid,
                                              error);
}

GPtrArray *
td_store_get_reads (TdStore *self,
                    gint64   user_id,
                    gint64   peer_user_id,
                    gint64   group_id,
                    GError **error)
{
  STORE_IFACE_CHECK (self, get_reads, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->get_reads (self, user_id, peer_user_id, group_id, error);
}

TdStoreReminder *
td_store_add_reminder (TdStore               *self,
                       const TdStoreReminder *reminder,
                       const gint64          *recipient_ids,
                       guint                  n_recipients,
                       gboolean              *out_duplicate,
                       GError               **error)
{
  STORE_IFACE_CHECK (self, add_reminder, NULL);
  g_return_val_if_fail (reminder != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->add_reminder (self, reminder, recipient_ids, n_recipients,
                                                  out_duplicate, error);
}

TdStoreReminder *
td_store_get_reminder (TdStore *self, gint64 rid, GError **error)
{
  STORE_IFACE_CHECK (self, get_reminder, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->get_reminder (self, rid, error);
}

GPtrArray *
td_store_list_recipients (TdStore *self, gint64 rid, GError **error)
{
  STORE_IFACE_CHECK (self, list_recipients, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->list_recipients (self, rid, error);
}

GPtrArray *
td_store_user_reminders (TdStore *self,
                         gint64   user_id,
                         gint64   since_ms,
                         guint    limit,
                         GError **error)
{
  STORE_IFACE_CHECK (self, user_reminders, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->user_reminders (self, user_id, since_ms, limit, error);
}

TdReminder *
td_store_get_user_reminder (TdStore *self,
                            gint64   rid,
                            gint64   user_id,
                            GError **error)
{
  STORE_IFACE_CHECK (self, get_user_reminder, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->get_user_reminder (self, rid, user_id, error);
}

TdReminder *
td_store_update_reminder (TdStore         *self,
                          gint64           rid,
                          gint64           user_id,
                          TdReminderAction action,
                          gint64           until_ms,
                          gint64           now_ms,
                          gboolean        *out_changed,
                          GError         **error)
{
  STORE_IFACE_CHECK (self, update_reminder, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->update_reminder (self, rid, user_id, action, until_ms,
                                                     now_ms, out_changed, error);
}

gint64
td_store_last_reminder_id (TdStore *self, GError **error)
{
  STORE_IFACE_CHECK (self, last_reminder_id, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return TD_STORE_GET_IFACE (self)->last_reminder_id (self, error);
}

gint64
td_store_add_api_key (TdStore      *self,
                      const char   *name,
                      const guint8 *hash,
                      gsize         hash_len,
                      const char   *scopes,
                      gint64        bot_id,
                      gint64        time_ms,
                      GError      **error)
{
  STORE_IFACE_CHECK (self, add_api_key, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return TD_STORE_GET_IFACE (self)->add_api_key (self, name, hash, hash_len, scopes, bot_id,
                                                 time_ms, error);
}

TdStoreApiKey *
td_store_check_api_key (TdStore      *self,
                        const guint8 *hash,
                        gsize         hash_len,
                        gint64        now_ms,
                        GError      **error)
{
  STORE_IFACE_CHECK (self, check_api_key, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->check_api_key (self, hash, hash_len, now_ms, error);
}

gboolean
td_store_revoke_api_key (TdStore *self, const char *name, GError **error)
{
  STORE_IFACE_CHECK (self, revoke_api_key, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->revoke_api_key (self, name, error);
}

GPtrArray *
td_store_list_api_keys (TdStore *self, GError **error)
{
  STORE_IFACE_CHECK (self, list_api_keys, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->list_api_keys (self, error);
}

gint64
td_store_add_webhook (TdStore    *self,
                      const char *name,
                      const char *url,
                      const char *secret,
                      const char *events,
                      gint64      bot_id,
                      gint64      time_ms,
                      GError    **error)
{
  STORE_IFACE_CHECK (self, add_webhook, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return TD_STORE_GET_IFACE (self)->add_webhook (self, name, url, secret, events, bot_id,
                                                 time_ms, error);
}

gboolean
td_store_delete_webhook (TdStore *self, const char *name, GError **error)
{
  STORE_IFACE_CHECK (self, delete_webhook, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->delete_webhook (self, name, error);
}

GPtrArray *
td_store_list_webhooks (TdStore *self, GError **error)
{
  STORE_IFACE_CHECK (self, list_webhooks, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->list_webhooks (self, error);
}

guint
td_store_enqueue_event (TdStore    *self,
                        const char *event,
                        gint64      bot_id,
                        const char *body,
                        gint64      time_ms,
                        GError    **error)
{
  STORE_IFACE_CHECK (self, enqueue_event, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return TD_STORE_GET_IFACE (self)->enqueue_event (self, event, bot_id, body, time_ms, error);
}

GPtrArray *
td_store_due_deliveries (TdStore *self,
                         gint64   now_ms,
                         guint    limit,
                         GError **error)
{
  STORE_IFACE_CHECK (self, due_deliveries, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return TD_STORE_GET_IFACE (self)->due_deliveries (self, now_ms, limit, error);
}

gint64
td_store_next_delivery_time (TdStore *self, GError **error)
{
  STORE_IFACE_CHECK (self, next_delivery_time, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return TD_STORE_GET_IFACE (self)->next_delivery_time (self, error);
}

gboolean
td_store_delivery_succeeded (TdStore *self,
                             gint64   delivery_id,
                             gint64   now_ms,
                             GError **error)
{
  STORE_IFACE_CHECK (self, delivery_succeeded, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->delivery_succeeded (self, delivery_id, now_ms, error);
}

gboolean
td_store_delivery_failed (TdStore    *self,
                          gint64      delivery_id,
                          const char *error_text,
                          gint64      now_ms,
                          gint64      next_ms,
                          GError    **error)
{
  STORE_IFACE_CHECK (self, delivery_failed, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return TD_STORE_GET_IFACE (self)->delivery_failed (self, delivery_id, error_text, now_ms,
                                                     next_ms, error);
}

/* ---- helpers shared by the backends (td-store-private.h) ---- */

gboolean
_td_store_check_name (const char *value,
                      const char *what,
                      gboolean    allow_empty,
                      GError    **error)
{
  if (value == NULL || *value == '\0')
    {
      if (allow_empty)
        return TRUE;
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID, "The %s is empty", what);
      return FALSE;
    }

  if (strlen (value) > TD_PROTO_MAX_NAME || !g_utf8_validate (value, -1, NULL))
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                   "The %s must be valid UTF-8 of at most %d bytes", what, TD_PROTO_MAX_NAME);
      return FALSE;
    }

  return TRUE;
}

gboolean
_td_store_check_field (gboolean    valid,
                       const char *what,
                       GError     *local_error,
                       GError    **error)
{
  if (valid)
    return TRUE;
  g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID, "Invalid %s: %s", what,
               local_error != NULL ? local_error->message : "refused");
  return FALSE;
}

gboolean
_td_store_check_object_name (const char *name, const char *what, GError **error)
{
  gsize len = name != NULL ? strlen (name) : 0;

  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isalnum (name[i]) && name[i] != '.' && name[i] != '_' && name[i] != '-')
        {
          len = 0;
          break;
        }
    }
  if (len >= 1 && len <= 64)
    return TRUE;

  g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
               "Invalid %s name “%s”: use 1 to 64 of A-Z a-z 0-9 . _ -", what,
               name != NULL ? name : "");
  return FALSE;
}

gboolean
_td_store_check_list (const char         *value,
                      const char * const *allowed,
                      const char         *what,
                      GError            **error)
{
  g_auto(GStrv) items = NULL;

  if (value == NULL || *value == '\0')
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID, "No %s given", what);
      return FALSE;
    }

  items = g_strsplit (value, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      if (!g_strv_contains (allowed, items[i]))
        {
          g_autofree char *expected = g_strjoinv (", ", (char **) allowed);

          g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                       "Unknown %s “%s” (expected a comma-separated list of %s)",
                       what, items[i], expected);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
_td_store_list_contains (const char *list, const char *item)
{
  g_auto(GStrv) items = g_strsplit (list, ",", -1);

  return g_strv_contains ((const char * const *) items, item);
}

void
_td_store_set_unknown_login (GError **error, const char *login)
{
  g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND, "No user “%s”", login);
}

void
_td_store_set_unknown_id (GError **error, gint64 id)
{
  g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
               "No user with id %" G_GINT64_FORMAT, id);
}

void
_td_store_set_unknown_group (GError **error, gint64 group_id)
{
  g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
               "No group with id %" G_GINT64_FORMAT, group_id);
}

void
_td_store_messages_reverse (GPtrArray *messages)
{
  for (guint i = 0; i < messages->len / 2; i++)
    {
      gpointer tmp = messages->pdata[i];

      messages->pdata[i] = messages->pdata[messages->len - 1 - i];
      messages->pdata[messages->len - 1 - i] = tmp;
    }
}

void
_td_store_fill_send_result (TdStoreSendResult *out,
                            gint64             mid,
                            gint64             sender_seq,
                            gint64             recipient_seq,
                            gboolean           to_self,
                            const char        *client_id,
                            const char        *from,
                            const char        *to,
                            const char        *text,
                            gint64             time_ms,
                            gboolean           duplicate)
{
  out->sender_copy = td_message_new (mid, sender_seq, client_id, from, to, text, time_ms);
  out->recipient_copy = to_self ? td_message_ref (out->sender_copy)
                                : td_message_with_seq (out->sender_copy, recipient_seq);
  out->duplicate = duplicate;
}

/* ---- reminders and read marks, the same in every backend ---- */

gboolean
_td_store_check_reminder (const TdStoreReminder *reminder, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!_td_store_check_name (reminder->source, "reminder source", FALSE, error))
    return FALSE;
  if (!_td_store_check_field (td_proto_validate_title (reminder->title, &local_error),
                              "reminder title", local_error, error))
    return FALSE;
  if (reminder->body != NULL && *reminder->body != '\0' &&
      !_td_store_check_field (td_proto_validate_body (reminder->body, &local_error),
                              "reminder body", local_error, error))
    return FALSE;
  if (reminder->link != NULL && *reminder->link != '\0' &&
      !_td_store_check_field (td_proto_validate_link (reminder->link, &local_error),
                              "reminder link", local_error, error))
    return FALSE;
  if (reminder->category != NULL && *reminder->category != '\0' &&
      !_td_store_check_field (td_proto_validate_category (reminder->category, &local_error),
                              "reminder category", local_error, error))
    return FALSE;
  if (reminder->idempotency_key != NULL &&
      !_td_store_check_name (reminder->idempotency_key, "idempotency key", TRUE, error))
    return FALSE;
  return TRUE;
}

TdReminderKind
_td_store_parse_kind (const char *text)
{
  TdReminderKind kind = TD_REMINDER_KIND_REMINDER;

  td_reminder_kind_from_string (text, &kind);
  return kind;
}

TdPriority
_td_store_parse_priority (const char *text)
{
  TdPriority priority = TD_PRIORITY_NORMAL;

  td_priority_from_string (text, &priority);
  return priority;
}

TdReminderState
_td_store_parse_state (const char *text)
{
  TdReminderState state = TD_REMINDER_OPEN;

  td_reminder_state_from_string (text, &state);
  return state;
}

void
_td_store_set_not_recipient (GError **error, gint64 rid, gint64 user_id)
{
  g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
               "No reminder %" G_GINT64_FORMAT " for user %" G_GINT64_FORMAT, rid, user_id);
}

gboolean
_td_store_check_conversation (gint64 peer_user_id, gint64 group_id, GError **error)
{
  if ((peer_user_id > 0) != (group_id > 0) && peer_user_id >= 0 && group_id >= 0)
    return TRUE;

  g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
               "A read mark needs either a peer (%" G_GINT64_FORMAT ") or a group (%"
               G_GINT64_FORMAT "), not both or neither", peer_user_id, group_id);
  return FALSE;
}
