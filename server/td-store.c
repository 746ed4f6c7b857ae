/* td-store.c - the TdStore interface: error domain, plain result types and
 * the wrappers that dispatch to a backend (see td-store.h for semantics).
 */
#define G_LOG_DOMAIN "td-store"

#include "td-store.h"

G_DEFINE_QUARK (td-store-error-quark, td_store_error)

G_DEFINE_INTERFACE (TdStore, td_store, G_TYPE_OBJECT)

static void
td_store_default_init (TdStoreInterface *iface)
{
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
