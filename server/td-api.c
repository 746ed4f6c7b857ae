/* td-api.c - the integration HTTP API under /api/v1: reminders,
 * broadcasts and bot messages, authenticated with API keys.
 *
 * Everything that does not need the store (size, content type, JSON
 * syntax, field rules) is checked on the main loop as the request
 * arrives; the key check and the work then run together in one store job
 * while the SoupServerMessage is paused, so a request costs one trip to
 * the store worker and the main loop never touches the database.  Errors
 * are reported in the order a caller fixes them: 413 (before the body is
 * kept), 401, 403, then 415/400 for the body, then what the store says.
 * Nothing is written on any 4xx.  docs/integrations.md is the reference.
 */
#define G_LOG_DOMAIN "tidingsd"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "td-api.h"
#include "td-metrics.h"
#include "td-password.h"
#include "td-proto-private.h"
#include "td-server-private.h"

#define API_PREFIX     "/api/v1"
#define BEARER         "Bearer "
/* Longest Authorization value looked at: "tdk_" + 43 characters, with room. */
#define MAX_KEY_LEN    128
/* Logins listed in "unread" of a broadcast status, as in the protocol. */
#define MAX_UNREAD     1000

typedef enum {
  EP_REMINDERS,
  EP_REMINDER,       /* /reminders/ID */
  EP_BROADCASTS,
  EP_BROADCAST,      /* /broadcasts/ID */
  EP_MESSAGES,
} Endpoint;

/* One request on its way through the store job.  The fields below "out"
 * are written by the job on the worker thread and read on the main loop
 * only after it reported back. */
typedef struct {
  TdServer          *server;
  SoupServerMessage *msg;
  char              *method;
  char              *path;
  Endpoint           endpoint;
  gint64             id;             /* EP_REMINDER / EP_BROADCAST */
  char              *key;            /* presented API key (kept off the logs) */
  const char        *scope;          /* scope the endpoint needs */
  gint64             now_ms;

  /* A body problem found on the main loop, reported after the key check. */
  guint              bad_status;
  char              *bad_code;
  char              *bad_message;

  /* parsed body */
  GPtrArray         *to;             /* char* logins (reminders) */
  char              *department;
  gboolean           everyone;
  char              *title;
  char              *body;
  char              *link;
  char              *category;
  TdPriority         priority;
  char              *idempotency_key;
  char              *peer;           /* messages */
  char              *text;
  char              *client_id;

  /* out */
  char              *key_name;
  guint              status;
  char              *response;       /* JSON */
  gint64             push_rid;       /* new reminder to push live, or 0 */
  gint64             sender_id;      /* bot message committed: deliver it */
  gint64             recipient_id;
  gboolean           sent_to_group;
  gboolean           sent;
  TdStoreSendResult  send_result;
  TdStoreGroupSendResult group_result;
} ApiRequest;

static void
api_request_free (gpointer data)
{
  ApiRequest *req = data;

  g_object_unref (req->server);
  g_object_unref (req->msg);
  g_free (req->method);
  g_free (req->path);
  if (req->key != NULL)
    memset (req->key, 0, strlen (req->key));
  g_free (req->key);
  g_free (req->bad_code);
  g_free (req->bad_message);
  g_clear_pointer (&req->to, g_ptr_array_unref);
  g_free (req->department);
  g_free (req->title);
  g_free (req->body);
  g_free (req->link);
  g_free (req->category);
  g_free (req->idempotency_key);
  g_free (req->peer);
  g_free (req->text);
  g_free (req->client_id);
  g_free (req->key_name);
  g_free (req->response);
  td_store_send_result_clear (&req->send_result);
  td_store_group_send_result_clear (&req->group_result);
  g_free (req);
}

/* ---- responses ---- */

static char *
error_json (const char *code, const char *message)
{
  GString *out = g_string_new ("{\"error\":");

  _td_json_append_string (out, code);
  g_string_append (out, ",\"message\":");
  _td_json_append_string (out, message);
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

static void
respond (SoupServerMessage *msg, guint status, char *json /* taken */)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, status, NULL);
  if (status == SOUP_STATUS_UNAUTHORIZED)
    soup_message_headers_replace (headers, "WWW-Authenticate", "Bearer realm=\"tidings\"");
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, json, strlen (json));
}

static void
log_request (const char *key_name, const char *method, const char *path, guint status)
{
  /* One line per request, never a body (it may hold personal data). */
  g_message ("api: %s %s %s -> %u", key_name ? key_name : "-", method, path, status);
}

/* Sets the job's answer to an error. */
static void
fail (ApiRequest *req, guint status, const char *code, const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
fail (ApiRequest *req, guint status, const char *code, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  req->status = status;
  g_free (req->response);
  req->response = error_json (code, message);
}

/* ---- body parsing (main loop) ---- */

static void
bad_body (ApiRequest *req, guint status, const char *code, const char *message)
{
  if (req->bad_status != 0)
    return;
  req->bad_status = status;
  req->bad_code = g_strdup (code);
  req->bad_message = g_strdup (message);
}

/* @out receives a copy of a string member; FALSE (and a message) if it is
 * missing but required, or not a string. */
static gboolean
get_string (JsonObject *obj, const char *name, gboolean required, char **out, GError **error)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL)
    {
      if (required)
        g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_MISSING_FIELD,
                     "member \"%s\" is missing", name);
      return !required;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "member \"%s\" must be a string", name);
      return FALSE;
    }
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

/* Runs one of the public validators, whose messages already start with
 * the member's name (title, body, link, category). */
static gboolean
check_field (gboolean (*validate) (const char *, GError **), const char *value, GError **error)
{
  return value == NULL || validate (value, error);
}

static gboolean
check_department (const char *department, GError **error)
{
  gsize len = strlen (department);

  if (len > TD_PROTO_MAX_NAME)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "member \"department\" is %" G_GSIZE_FORMAT " bytes, the limit is %d",
                   len, TD_PROTO_MAX_NAME);
      return FALSE;
    }
  return _td_proto_check_text (department, len, NULL, "department", error);
}

static gboolean
parse_priority (JsonObject *obj, TdPriority *out, GError **error)
{
  g_autofree char *priority = NULL;

  *out = TD_PRIORITY_NORMAL;
  if (!get_string (obj, "priority", FALSE, &priority, error))
    return FALSE;
  if (priority != NULL && !td_priority_from_string (priority, out))
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "member \"priority\" must be \"normal\" or \"urgent\"");
      return FALSE;
    }
  return TRUE;
}

/* Unknown members are refused: a misspelt "titel" or "departement" would
 * otherwise silently send a reminder to the wrong people or without its
 * text. */
static gboolean
check_members (JsonObject *obj, const char * const *known, GError **error)
{
  g_autoptr(GList) names = json_object_get_members (obj);

  for (GList *l = names; l != NULL; l = l->next)
    if (!g_strv_contains (known, l->data))
      {
        g_autofree char *shown = g_utf8_make_valid (l->data, MIN (strlen (l->data), 64));

        g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                     "unknown member \"%s\"", shown);
        return FALSE;
      }
  return TRUE;
}

static gboolean
parse_recipients (ApiRequest *req, JsonObject *obj, GError **error)
{
  JsonNode *to = json_object_get_member (obj, "to");
  JsonNode *everyone = json_object_get_member (obj, "everyone");

  req->to = g_ptr_array_new_with_free_func (g_free);
  if (to != NULL && JSON_NODE_HOLDS_VALUE (to) && json_node_get_value_type (to) == G_TYPE_STRING)
    {
      if (!_td_proto_check_login (json_node_get_string (to), NULL, "to", error))
        return FALSE;
      g_ptr_array_add (req->to, g_strdup (json_node_get_string (to)));
    }
  else if (to != NULL && JSON_NODE_HOLDS_ARRAY (to))
    {
      JsonArray *array = json_node_get_array (to);
      guint n = json_array_get_length (array);

      if (n == 0 || n > TD_API_MAX_TO)
        {
          g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                       "member \"to\" must list 1 to %d logins", TD_API_MAX_TO);
          return FALSE;
        }
      for (guint i = 0; i < n; i++)
        {
          JsonNode *item = json_array_get_element (array, i);
          char name[32];

          g_snprintf (name, sizeof name, "to[%u]", i);
          if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
            {
              g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                           "member \"%s\" must be a string", name);
              return FALSE;
            }
          if (!_td_proto_check_login (json_node_get_string (item), NULL, name, error))
            return FALSE;
          g_ptr_array_add (req->to, g_strdup (json_node_get_string (item)));
        }
    }
  else if (to != NULL)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                   "member \"to\" must be a login or an array of logins");
      return FALSE;
    }

  if (everyone != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (everyone) || json_node_get_value_type (everyone) != G_TYPE_BOOLEAN)
        {
          g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                       "member \"everyone\" must be true or false");
          return FALSE;
        }
      req->everyone = json_node_get_boolean (everyone);
    }
  if (!get_string (obj, "department", FALSE, &req->department, error) ||
      (req->department != NULL && !check_department (req->department, error)))
    return FALSE;
  if (req->to->len == 0 && req->department == NULL && !req->everyone)
    {
      g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_MISSING_FIELD,
                   "say who gets it: member \"to\", \"department\" or \"everyone\":true");
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_notice (ApiRequest *req, JsonObject *obj, gboolean with_category, GError **error)
{
  if (!get_string (obj, "title", TRUE, &req->title, error) ||
      !check_field (td_proto_validate_title, req->title, error) ||
      !get_string (obj, "body", FALSE, &req->body, error) ||
      !check_field (td_proto_validate_body, req->body, error) ||
      !get_string (obj, "link", FALSE, &req->link, error) ||
      !check_field (td_proto_validate_link, req->link, error) ||
      !parse_priority (obj, &req->priority, error) ||
      !get_string (obj, "idempotency_key", FALSE, &req->idempotency_key, error) ||
      (req->idempotency_key != NULL &&
       !_td_proto_check_client_id (req->idempotency_key, NULL, "idempotency_key", error)))
    return FALSE;
  if (with_category &&
      (!get_string (obj, "category", FALSE, &req->category, error) ||
       !check_field (td_proto_validate_category, req->category, error)))
    return FALSE;
  return TRUE;
}

static gboolean
parse_message (ApiRequest *req, JsonObject *obj, GError **error)
{
  if (!get_string (obj, "to", TRUE, &req->peer, error) ||
      !get_string (obj, "text", TRUE, &req->text, error) ||
      !get_string (obj, "id", TRUE, &req->client_id, error))
    return FALSE;
  /* ':' is not a login character, so "g:" can only be a group. */
  if (g_str_has_prefix (req->peer, "g:"))
    {
      if (!td_parse_group_address (req->peer, NULL))
        {
          g_set_error (error, TD_PROTO_ERROR, TD_PROTO_ERROR_BAD_FIELD,
                       "member \"to\" is not a valid group address (\"g:\" and a number)");
          return FALSE;
        }
    }
  else if (!_td_proto_check_login (req->peer, NULL, "to", error))
    return FALSE;
  return _td_proto_check_text (req->text, strlen (req->text), NULL, "text", error) &&
         _td_proto_check_client_id (req->client_id, NULL, "id", error);
}

/* Content type, syntax and every field.  Problems are kept in req->bad_*
 * and answered after the key check. */
static void
parse_body (ApiRequest *req)
{
  static const char * const reminder_members[] = {
    "to", "department", "everyone", "title", "body", "link", "category", "priority",
    "idempotency_key", NULL
  };
  static const char * const broadcast_members[] = {
    "department", "title", "body", "link", "priority", "idempotency_key", NULL
  };
  static const char * const message_members[] = { "to", "text", "id", NULL };
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (req->msg);
  SoupMessageBody *request_body = soup_server_message_get_request_body (req->msg);
  g_autoptr(GHashTable) params = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  const char *content_type = soup_message_headers_get_content_type (headers, &params);
  const char *charset = params ? g_hash_table_lookup (params, "charset") : NULL;
  const char *data;
  JsonNode *root;
  JsonObject *obj;
  TdJsonScan scan = { 0 };
  gsize len;

  if (content_type == NULL || g_ascii_strcasecmp (content_type, "application/json") != 0 ||
      (charset != NULL && g_ascii_strcasecmp (charset, "utf-8") != 0))
    {
      bad_body (req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                "send the body as Content-Type: application/json (UTF-8)");
      return;
    }

  bytes = soup_message_body_flatten (request_body);
  data = g_bytes_get_data (bytes, &len);
  if (len > TD_API_MAX_BODY)
    {
      /* Normally caught before the body was kept (see early_cb). */
      bad_body (req, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "too_large",
                "the body is larger than 65536 bytes");
      return;
    }
  if (len == 0)
    {
      bad_body (req, SOUP_STATUS_BAD_REQUEST, "bad_json", "the body is empty");
      return;
    }
  /* json-glib 1.6 recurses without limit and accepts non-JSON: the depth
   * and the syntax are checked first. */
  if (!td_proto_check_depth (data, len, TD_PROTO_MAX_DEPTH))
    {
      bad_body (req, SOUP_STATUS_BAD_REQUEST, "too_deep", "arrays and objects nest too deeply");
      return;
    }
  if (!_td_json_scan (data, len, &scan, &error))
    {
      bad_body (req, SOUP_STATUS_BAD_REQUEST, "bad_json", error->message);
      return;
    }
  if (scan.has_nul || scan.has_big_int)
    {
      g_autofree char *member = scan.member_len > 0
        ? g_utf8_make_valid (scan.member, MIN (scan.member_len, 64)) : g_strdup ("?");
      g_autofree char *message = g_strdup_printf (scan.has_nul
                                                  ? "member \"%s\" contains NUL (\\u0000)"
                                                  : "member \"%s\" holds an integer out of range",
                                                  member);

      bad_body (req, SOUP_STATUS_BAD_REQUEST, "bad_request", message);
      return;
    }

  copy = g_strndup (data, len);
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, copy, (gssize) len, &error))
    {
      bad_body (req, SOUP_STATUS_BAD_REQUEST, "bad_json", error->message);
      return;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      bad_body (req, SOUP_STATUS_BAD_REQUEST, "bad_json", "the body must be a JSON object");
      return;
    }
  obj = json_node_get_object (root);

  switch (req->endpoint)
    {
    case EP_REMINDERS:
      if (check_members (obj, reminder_members, &error) && parse_recipients (req, obj, &error))
        parse_notice (req, obj, TRUE, &error);
      break;
    case EP_BROADCASTS:
      if (!check_members (obj, broadcast_members, &error) ||
          !get_string (obj, "department", FALSE, &req->department, &error) ||
          (req->department != NULL && !check_department (req->department, &error)))
        break;
      /* No department: the whole company. */
      req->everyone = req->department == NULL;
      parse_notice (req, obj, FALSE, &error);
      break;
    case EP_MESSAGES:
      if (check_members (obj, message_members, &error))
        parse_message (req, obj, &error);
      break;
    case EP_REMINDER:
    case EP_BROADCAST:
    default:
      g_assert_not_reached ();
    }
  if (error != NULL)
    bad_body (req, SOUP_STATUS_BAD_REQUEST, "bad_request", error->message);
}

/* ---- the store job (worker thread) ---- */

static gboolean
has_scope (const char *scopes, const char *scope)
{
  g_auto(GStrv) list = g_strsplit (scopes, ",", -1);

  for (guint i = 0; list[i] != NULL; i++)
    if (g_str_equal (g_strstrip (list[i]), scope))
      return TRUE;
  return FALSE;
}

static gboolean
is_bot (const TdStoreUser *user)
{
  return g_strcmp0 (user->role, "bot") == 0;
}

/* Adds the ids of the reminder's recipients to @ids.  FALSE with the
 * answer set on an unknown login or department (nothing is written). */
static gboolean
resolve_recipients (ApiRequest *req, TdStore *store, GArray *ids, GError **error)
{
  g_autoptr(GPtrArray) users = NULL;

  for (guint i = 0; req->to != NULL && i < req->to->len; i++)
    {
      const char *login = g_ptr_array_index (req->to, i);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(TdStoreUser) user = td_store_get_user (store, login, &local_error);

      if (user == NULL && g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
        {
          fail (req, SOUP_STATUS_BAD_REQUEST, "unknown_recipient", "no user \"%s\"", login);
          return FALSE;
        }
      if (user == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_array_append_val (ids, user->id);
    }

  if (req->department == NULL && !req->everyone)
    return TRUE;

  if (req->department != NULL)
    {
      g_autoptr(GPtrArray) departments = td_store_list_departments (store, error);
      gboolean found = FALSE;

      if (departments == NULL)
        return FALSE;
      for (guint i = 0; i < departments->len && !found; i++)
        found = g_str_equal (g_ptr_array_index (departments, i), req->department);
      if (!found)
        {
          fail (req, SOUP_STATUS_BAD_REQUEST, "unknown_recipient", "no department \"%s\"",
                req->department);
          return FALSE;
        }
    }

  users = td_store_list_users (store, error);
  if (users == NULL)
    return FALSE;
  for (guint i = 0; i < users->len; i++)
    {
      const TdStoreUser *user = g_ptr_array_index (users, i);

      /* Departments and "everyone" mean people: bot accounts are left out. */
      if (user->disabled || is_bot (user))
        continue;
      if (req->everyone || g_strcmp0 (user->department, req->department) == 0)
        g_array_append_val (ids, user->id);
    }
  return TRUE;
}

static void
append_created (GString *out, gint64 id, guint recipients, gboolean duplicate)
{
  g_string_append (out, "{\"id\":");
  _td_json_append_int (out, id);
  g_string_append (out, ",\"recipients\":");
  _td_json_append_int (out, recipients);
  g_string_append (out, ",\"duplicate\":");
  g_string_append (out, duplicate ? "true" : "false");
  g_string_append_c (out, '}');
}

static gboolean
post_notice (ApiRequest *req, TdStore *store, const TdStoreApiKey *key, GError **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(TdStoreReminder) stored = NULL;
  g_autoptr(GPtrArray) recipients = NULL;
  TdStoreReminder reminder = { 0 };
  gboolean duplicate = FALSE;
  GString *out;

  if (!resolve_recipients (req, store, ids, error))
    return req->status != 0;

  reminder.kind = req->endpoint == EP_BROADCASTS ? TD_REMINDER_KIND_ANNOUNCEMENT
                                                 : TD_REMINDER_KIND_REMINDER;
  reminder.source = key->name;
  reminder.title = req->title;
  reminder.body = req->body ? req->body : (char *) "";
  reminder.link = req->link ? req->link : (char *) "";
  reminder.category = req->category ? req->category : (char *) "";
  reminder.priority = req->priority;
  reminder.time_ms = req->now_ms;
  reminder.api_key_id = key->id;
  reminder.idempotency_key = req->idempotency_key;
  stored = td_store_add_reminder (store, &reminder, (const gint64 *) (gpointer) ids->data,
                                  ids->len, &duplicate, error);
  if (stored == NULL)
    return FALSE;
  recipients = td_store_list_recipients (store, stored->rid, error);
  if (recipients == NULL)
    return FALSE;

  out = g_string_new (NULL);
  append_created (out, stored->rid, recipients->len, duplicate);
  req->response = g_string_free (out, FALSE);
  req->status = duplicate ? SOUP_STATUS_OK : SOUP_STATUS_CREATED;
  req->push_rid = duplicate ? 0 : stored->rid;
  return TRUE;
}

/* The reminder @req->id if this key made it, else the answer is 404. */
static TdStoreReminder *
own_reminder (ApiRequest *req, TdStore *store, const TdStoreApiKey *key, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TdStoreReminder) reminder = td_store_get_reminder (store, req->id, &local_error);

  if (reminder == NULL && !g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  /* Someone else's reminder is "not found", not "forbidden": ids are
   * sequential and should not tell what others sent. */
  if (reminder == NULL || reminder->api_key_id != key->id ||
      (req->endpoint == EP_BROADCAST && reminder->kind != TD_REMINDER_KIND_ANNOUNCEMENT))
    {
      fail (req, SOUP_STATUS_NOT_FOUND, "not_found", "no %s %" G_GINT64_FORMAT " made with this key",
            req->endpoint == EP_BROADCAST ? "broadcast" : "reminder", req->id);
      return NULL;
    }
  return g_steal_pointer (&reminder);
}

static gboolean
get_reminder (ApiRequest *req, TdStore *store, const TdStoreApiKey *key, GError **error)
{
  g_autoptr(TdStoreReminder) reminder = own_reminder (req, store, key, error);
  g_autoptr(GPtrArray) recipients = NULL;
  GString *out;

  if (reminder == NULL)
    return req->status != 0;
  if ((recipients = td_store_list_recipients (store, reminder->rid, error)) == NULL)
    return FALSE;

  out = g_string_new ("{\"id\":");
  _td_json_append_int (out, reminder->rid);
  g_string_append (out, ",\"kind\":");
  _td_json_append_string (out, td_reminder_kind_to_string (reminder->kind));
  g_string_append (out, ",\"source\":");
  _td_json_append_string (out, reminder->source);
  g_string_append (out, ",\"title\":");
  _td_json_append_string (out, reminder->title);
  g_string_append (out, ",\"body\":");
  _td_json_append_string (out, reminder->body ? reminder->body : "");
  g_string_append (out, ",\"link\":");
  _td_json_append_string (out, reminder->link ? reminder->link : "");
  g_string_append (out, ",\"category\":");
  _td_json_append_string (out, reminder->category ? reminder->category : "");
  g_string_append (out, ",\"priority\":");
  _td_json_append_string (out, td_priority_to_string (reminder->priority));
  g_string_append (out, ",\"time\":");
  _td_json_append_int (out, reminder->time_ms);
  if (reminder->idempotency_key != NULL)
    {
      g_string_append (out, ",\"idempotency_key\":");
      _td_json_append_string (out, reminder->idempotency_key);
    }
  g_string_append (out, ",\"recipients\":[");
  for (guint i = 0; i < recipients->len; i++)
    {
      const TdStoreRecipient *r = g_ptr_array_index (recipients, i);

      if (i > 0)
        g_string_append_c (out, ',');
      g_string_append (out, "{\"user\":");
      _td_json_append_string (out, r->login);
      g_string_append (out, ",\"state\":");
      _td_json_append_string (out, td_reminder_state_to_string (r->state));
      g_string_append (out, ",\"read\":");
      g_string_append (out, r->read ? "true" : "false");
      if (r->state == TD_REMINDER_SNOOZED && r->until_ms > 0)
        {
          g_string_append (out, ",\"until\":");
          _td_json_append_int (out, r->until_ms);
        }
      g_string_append (out, ",\"updated\":");
      _td_json_append_int (out, r->updated_ms);
      g_string_append_c (out, '}');
    }
  g_string_append (out, "]}");
  req->response = g_string_free (out, FALSE);
  req->status = SOUP_STATUS_OK;
  return TRUE;
}

static gboolean
get_broadcast (ApiRequest *req, TdStore *store, const TdStoreApiKey *key, GError **error)
{
  g_autoptr(TdStoreReminder) reminder = own_reminder (req, store, key, error);
  g_autoptr(GPtrArray) recipients = NULL;
  guint n_read = 0, n_done = 0, n_unread = 0;
  GString *unread;
  GString *out;

  if (reminder == NULL)
    return req->status != 0;
  if ((recipients = td_store_list_recipients (store, reminder->rid, error)) == NULL)
    return FALSE;

  unread = g_string_new ("[");
  for (guint i = 0; i < recipients->len; i++)
    {
      const TdStoreRecipient *r = g_ptr_array_index (recipients, i);

      if (r->state == TD_REMINDER_DONE)
        n_done++;
      /* Done implies seen, whatever the read flag says. */
      if (r->read || r->state == TD_REMINDER_DONE)
        {
          n_read++;
          continue;
        }
      if (n_unread++ >= MAX_UNREAD)
        continue;
      if (unread->len > 1)
        g_string_append_c (unread, ',');
      _td_json_append_string (unread, r->login);
    }
  g_string_append_c (unread, ']');

  out = g_string_new ("{\"id\":");
  _td_json_append_int (out, reminder->rid);
  g_string_append (out, ",\"total\":");
  _td_json_append_int (out, recipients->len);
  g_string_append (out, ",\"read\":");
  _td_json_append_int (out, n_read);
  g_string_append (out, ",\"done\":");
  _td_json_append_int (out, n_done);
  g_string_append (out, ",\"unread\":");
  g_string_append_len (out, unread->str, unread->len);
  g_string_append_c (out, '}');
  g_string_free (unread, TRUE);
  req->response = g_string_free (out, FALSE);
  req->status = SOUP_STATUS_OK;
  return TRUE;
}

static void
message_answer (ApiRequest *req, const TdMessage *message, gboolean duplicate)
{
  g_autofree char *json = td_message_to_json (message);
  GString *out = g_string_new ("{\"message\":");

  g_string_append (out, json);
  g_string_append (out, ",\"duplicate\":");
  g_string_append (out, duplicate ? "true" : "false");
  g_string_append_c (out, '}');
  req->response = g_string_free (out, FALSE);
  req->status = duplicate ? SOUP_STATUS_OK : SOUP_STATUS_CREATED;
}

/* Maps the store's refusal of a send to an answer; FALSE for a real
 * failure (left in @local_error for the caller). */
static gboolean
send_refused (ApiRequest *req, const GError *local_error)
{
  if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
    fail (req, SOUP_STATUS_BAD_REQUEST, "unknown_recipient", "no user or group \"%s\"", req->peer);
  else if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID))
    fail (req, SOUP_STATUS_FORBIDDEN, "forbidden", "the bot is not a member of %s", req->peer);
  else if (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_CONFLICT))
    fail (req, SOUP_STATUS_CONFLICT, "id_conflict",
          "member \"id\" was already used for another message");
  else
    return FALSE;
  return TRUE;
}

static gboolean
post_message (ApiRequest *req, TdStore *store, const TdStoreApiKey *key, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TdStoreUser) bot = NULL;
  gint64 group_id;

  if (key->bot_id == 0)
    {
      fail (req, SOUP_STATUS_FORBIDDEN, "forbidden", "this key is not bound to a bot account");
      return TRUE;
    }
  bot = td_store_get_user_by_id (store, key->bot_id, &local_error);
  if (bot == NULL && !g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (bot == NULL || bot->disabled)
    {
      fail (req, SOUP_STATUS_FORBIDDEN, "forbidden", "the bot account is disabled or deleted");
      return TRUE;
    }
  g_clear_error (&local_error);
  req->sender_id = bot->id;

  if (td_parse_group_address (req->peer, &group_id))
    {
      if (!td_store_add_group_message (store, bot->id, group_id, req->client_id, req->text,
                                       req->now_ms, &req->group_result, &local_error))
        {
          if (send_refused (req, local_error))
            return TRUE;
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      req->sent_to_group = TRUE;
      req->sent = !req->group_result.duplicate;
      message_answer (req, req->group_result.sender_copy, req->group_result.duplicate);
      return TRUE;
    }

  {
    g_autoptr(TdStoreUser) recipient = td_store_get_user (store, req->peer, &local_error);

    if (recipient == NULL && !g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
      {
        g_propagate_error (error, g_steal_pointer (&local_error));
        return FALSE;
      }
    if (recipient == NULL || recipient->disabled)
      {
        fail (req, SOUP_STATUS_BAD_REQUEST, "unknown_recipient", "no user \"%s\"", req->peer);
        return TRUE;
      }
    g_clear_error (&local_error);
    req->recipient_id = recipient->id;
    /* No webhook event is queued here: events are for messages *to* bots
     * from people, so a bot answering a bot cannot start a loop. */
    if (!td_store_add_message (store, bot->id, recipient->id, req->client_id, req->text,
                               req->now_ms, &req->send_result, &local_error))
      {
        if (send_refused (req, local_error))
          return TRUE;
        g_propagate_error (error, g_steal_pointer (&local_error));
        return FALSE;
      }
    req->sent = !req->send_result.duplicate;
    message_answer (req, req->send_result.sender_copy, req->send_result.duplicate);
  }
  return TRUE;
}

static gpointer
api_job_run (TdStore *store, gpointer data, GError **error)
{
  ApiRequest *req = data;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(TdStoreApiKey) key = NULL;
  guint8 hash[TD_TOKEN_HASH_LEN];
  gboolean ok;

  td_token_hash (req->key, hash);
  key = td_store_check_api_key (store, hash, sizeof hash, req->now_ms, &local_error);
  if (key == NULL)
    {
      if (!g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      fail (req, SOUP_STATUS_UNAUTHORIZED, "unauthorized", "unknown or revoked API key");
      return req;
    }
  req->key_name = g_strdup (key->name);
  if (!has_scope (key->scopes, req->scope))
    {
      fail (req, SOUP_STATUS_FORBIDDEN, "forbidden", "this key lacks the scope \"%s\"", req->scope);
      return req;
    }
  if (req->bad_status != 0)
    {
      fail (req, req->bad_status, req->bad_code, "%s", req->bad_message);
      return req;
    }

  switch (req->endpoint)
    {
    case EP_REMINDERS:
    case EP_BROADCASTS:
      ok = post_notice (req, store, key, error);
      break;
    case EP_REMINDER:
      ok = get_reminder (req, store, key, error);
      break;
    case EP_BROADCAST:
      ok = get_broadcast (req, store, key, error);
      break;
    case EP_MESSAGES:
      ok = post_message (req, store, key, error);
      break;
    default:
      g_assert_not_reached ();
    }
  return ok ? req : NULL;
}

/* ---- back on the main loop ---- */

static void
api_job_done (gpointer result, const GError *error, gpointer user_data)
{
  ApiRequest *req = user_data;
  TdServer *server = req->server;

  if (error != NULL)
    {
      g_warning ("api: %s %s: %s", req->method, req->path, error->message);
      fail (req, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
            "the server cannot store this now; try again later");
    }
  else if (req->sent)
    /* Bot messages count with the ones sent over WebSocket. */
    td_metrics_inc (TD_METRIC_MESSAGES_STORED);

  if (error == NULL && !server->stopping)
    {
      /* Committed: tell whoever is online right away. */
      if (req->push_rid != 0)
        _td_server_push_reminder (server, req->push_rid);
      if (req->sent && req->sent_to_group)
        _td_server_deliver_group (server, NULL, req->sender_id, &req->group_result);
      else if (req->sent)
        _td_server_deliver_message (server, NULL, req->sender_id, req->recipient_id,
                                    &req->send_result);
    }

  log_request (req->key_name, req->method, req->path, req->status);
  respond (req->msg, req->status, g_steal_pointer (&req->response));
  soup_server_message_unpause (req->msg);
}

/* ---- handlers ---- */

/* Parses "/api/v1/<what>[/<id>]". */
static gboolean
route (const char *path, Endpoint *out, gint64 *out_id)
{
  const char *rest;
  const char *slash;
  const char *id;

  if (!g_str_has_prefix (path, API_PREFIX "/"))
    return FALSE;
  rest = path + strlen (API_PREFIX "/");
  if (g_str_equal (rest, "reminders"))
    *out = EP_REMINDERS;
  else if (g_str_equal (rest, "broadcasts"))
    *out = EP_BROADCASTS;
  else if (g_str_equal (rest, "messages"))
    *out = EP_MESSAGES;
  else if ((slash = strchr (rest, '/')) != NULL)
    {
      guint64 value = 0;

      id = slash + 1;
      if (strncmp (rest, "reminders/", slash - rest + 1) == 0)
        *out = EP_REMINDER;
      else if (strncmp (rest, "broadcasts/", slash - rest + 1) == 0)
        *out = EP_BROADCAST;
      else
        return FALSE;
      /* 1 .. 2^53, decimal, no sign or leading zero. */
      if (*id < '1' || *id > '9' || strlen (id) > 16)
        return FALSE;
      for (const char *p = id; *p != '\0'; p++)
        {
          if (*p < '0' || *p > '9')
            return FALSE;
          value = value * 10 + (guint64) (*p - '0');
        }
      if (value > (guint64) TD_PROTO_MAX_INT)
        return FALSE;
      *out_id = (gint64) value;
    }
  else
    return FALSE;
  return TRUE;
}

static void
got_chunk_cb (SoupServerMessage *msg, GBytes *chunk, gpointer user_data)
{
  gsize total = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (msg), "td-api-body-len"));

  total += g_bytes_get_size (chunk);
  g_object_set_data (G_OBJECT (msg), "td-api-body-len", GSIZE_TO_POINTER (total));
  if (total > TD_API_MAX_BODY && soup_server_message_get_status (msg) == 0)
    {
      SoupMessageBody *body = soup_server_message_get_request_body (msg);

      /* A body without Content-Length grew too large: keep no more of it.
       * The handler is not called once a status is set. */
      soup_message_body_set_accumulate (body, FALSE);
      soup_message_body_truncate (body);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Connection", "close");
      log_request (NULL, soup_server_message_get_method (msg),
                   g_uri_get_path (soup_server_message_get_uri (msg)),
                   SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE);
      respond (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
               error_json ("too_large", "the body is larger than 65536 bytes"));
    }
}

/* Runs when the headers are in, before the body is read. */
static void
early_cb (SoupServer        *http,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  goffset length = 0;

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH)
    length = soup_message_headers_get_content_length (headers);
  if (length > TD_API_MAX_BODY)
    {
      /* Refused before a byte is kept; the body is read and dropped, then
       * the connection closes. */
      soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Connection", "close");
      log_request (NULL, soup_server_message_get_method (msg), path,
                   SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE);
      respond (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
               error_json ("too_large", "the body is larger than 65536 bytes"));
      return;
    }
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), NULL);
}

/* The presented key, or NULL if the header is missing or malformed. */
static char *
bearer_key (SoupServerMessage *msg)
{
  const char *value = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                    "Authorization");
  const char *key;

  if (value == NULL || g_ascii_strncasecmp (value, BEARER, strlen (BEARER)) != 0)
    return NULL;
  key = value + strlen (BEARER);
  while (*key == ' ')
    key++;
  if (*key == '\0' || strlen (key) > MAX_KEY_LEN)
    return NULL;
  return g_strdup (key);
}

static void
api_cb (SoupServer        *http,
        SoupServerMessage *msg,
        const char        *path,
        GHashTable        *query,
        gpointer           user_data)
{
  TdServer *server = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_autofree char *key = NULL;
  ApiRequest *req;
  Endpoint endpoint;
  gint64 id = 0;
  gboolean is_post;

  if (!route (path, &endpoint, &id))
    {
      log_request (NULL, method, path, SOUP_STATUS_NOT_FOUND);
      respond (msg, SOUP_STATUS_NOT_FOUND, error_json ("not_found", "no such endpoint"));
      return;
    }
  is_post = endpoint == EP_REMINDERS || endpoint == EP_BROADCASTS || endpoint == EP_MESSAGES;
  if (method != (is_post ? SOUP_METHOD_POST : SOUP_METHOD_GET))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                    is_post ? "POST" : "GET");
      log_request (NULL, method, path, SOUP_STATUS_METHOD_NOT_ALLOWED);
      respond (msg, SOUP_STATUS_METHOD_NOT_ALLOWED,
               error_json ("method_not_allowed", is_post ? "use POST" : "use GET"));
      return;
    }
  if ((key = bearer_key (msg)) == NULL)
    {
      log_request (NULL, method, path, SOUP_STATUS_UNAUTHORIZED);
      respond (msg, SOUP_STATUS_UNAUTHORIZED,
               error_json ("unauthorized", "send the API key as \"Authorization: Bearer KEY\""));
      return;
    }
  if (server->stopping || server->worker == NULL)
    {
      log_request (NULL, method, path, SOUP_STATUS_SERVICE_UNAVAILABLE);
      respond (msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
               error_json ("unavailable", "the server is shutting down"));
      return;
    }

  req = g_new0 (ApiRequest, 1);
  req->server = g_object_ref (server);
  req->msg = g_object_ref (msg);
  req->method = g_strdup (method);
  req->path = g_strdup (path);
  req->endpoint = endpoint;
  req->id = id;
  req->key = g_steal_pointer (&key);
  req->now_ms = g_get_real_time () / 1000;
  req->scope = endpoint == EP_MESSAGES ? "bot"
             : (endpoint == EP_BROADCASTS || endpoint == EP_BROADCAST) ? "broadcast"
             : "reminders";
  if (is_post)
    parse_body (req);

  soup_server_message_pause (msg);
  td_store_worker_run (server->worker, api_job_run, req, api_request_free, NULL,
                       api_job_done, req);
}

void
td_api_register (TdServer *server, SoupServer *http)
{
  g_return_if_fail (SOUP_IS_SERVER (http));

  /* More specific handlers (/api/v1/health) still win over this one. */
  soup_server_add_early_handler (http, API_PREFIX, early_cb, server, NULL);
  soup_server_add_handler (http, API_PREFIX, api_cb, server, NULL);
}
