/* td-ctl-integrations.c - the "tidingsctl" commands for integrations:
 * apikey create/list/revoke, webhook add/list/del, broadcast (and
 * broadcast status), group list.
 *
 * Keys and webhook secrets are made here and printed once, as the last
 * line so that scripts can take them with "tail -n 1".  Only a key's hash
 * is stored; a webhook secret is stored as is because the server must sign
 * with it.  Broadcasts are written straight into the store: the running
 * server's reminder poll shows them to online people within seconds.
 */
#define G_LOG_DOMAIN "tidingsctl"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "td-ctl-private.h"
#include "td-password.h"

/* Source of announcements made with tidingsctl (there is no admin login
 * behind them). */
#define CTL_SOURCE     "tidingsctl"
#define MAX_NAME       64
#define MAX_URL        2048
/* Unread logins printed by "broadcast status". */
#define MAX_UNREAD     1000

static const char * const all_scopes[] = { "reminders", "broadcast", "bot", NULL };
static const char * const all_events[] = { "message", "reminder", NULL };

/* ---- checks ---- */

/* Key and webhook names: 1..64 of [A-Za-z0-9._-]. */
static int
check_name (const char *what, const char *name)
{
  gsize len = strlen (name);

  for (const char *p = name; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      len = 0;
  if (len == 0 || len > MAX_NAME)
    return _td_ctl_usage_error ("invalid %s name \"%s\": use 1 to %d letters, digits, '.', '_' or '-'",
                                what, name, MAX_NAME);
  return -1;
}

/* Parses "a,b" against @known into canonical order; NULL (after a usage
 * message) if a word is unknown or the list is empty. */
static char *
parse_list (const char *option, const char *value, const char * const *known, int *status)
{
  g_auto(GStrv) words = g_strsplit (value, ",", -1);
  g_autoptr(GPtrArray) chosen = g_ptr_array_new ();

  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *word = g_strstrip (words[i]);

      if (!g_strv_contains (known, word))
        {
          g_autofree char *choices = g_strjoinv (", ", (char **) known);

          *status = _td_ctl_usage_error ("%s: unknown value \"%s\" (choose from %s)",
                                         option, word, choices);
          return NULL;
        }
    }
  for (guint k = 0; known[k] != NULL; k++)
    for (guint i = 0; words[i] != NULL; i++)
      if (g_str_equal (words[i], known[k]))
        {
          g_ptr_array_add (chosen, (gpointer) known[k]);
          break;
        }
  if (chosen->len == 0)
    {
      *status = _td_ctl_usage_error ("%s: name at least one value", option);
      return NULL;
    }
  g_ptr_array_add (chosen, NULL);
  return g_strjoinv (",", (char **) chosen->pdata);
}

static gboolean
list_has (const char *list, const char *word)
{
  g_auto(GStrv) words = g_strsplit (list, ",", -1);

  return g_strv_contains ((const char * const *) words, word);
}

/* Checks a webhook URL: absolute http(s) with a host, no white space. */
static int
check_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  for (const char *p = url; *p != '\0'; p++)
    if (g_ascii_isspace (*p) || g_ascii_iscntrl (*p))
      return _td_ctl_usage_error ("--url must not contain white space or control characters");
  if (strlen (url) > MAX_URL)
    return _td_ctl_usage_error ("--url is longer than %d bytes", MAX_URL);
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || scheme == NULL ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    return _td_ctl_usage_error ("--url must be an http:// or https:// URL with a host name, "
                                "such as https://flow.example.com/tidings");
  return -1;
}

/* The user @login, who must have the bot role. */
static TdStoreUser *
find_bot (TdStore *store, const char *login, GError **error)
{
  g_autoptr(TdStoreUser) user = _td_ctl_find_user (store, login, error);

  if (user == NULL)
    return NULL;
  if (g_strcmp0 (user->role, "bot") != 0)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_INVALID,
                   "user \"%s\" is not a bot (make it one with \"tidingsctl user set %s --role bot\")",
                   login, login);
      return NULL;
    }
  return g_steal_pointer (&user);
}

static char *
format_time (gint64 ms)
{
  g_autoptr(GDateTime) time = NULL;

  if (ms <= 0)
    return g_strdup ("never");
  time = g_date_time_new_from_unix_local (ms / 1000);
  return time ? g_date_time_format (time, "%Y-%m-%d %H:%M") : g_strdup ("?");
}

/* ---- apikey ---- */

typedef struct {
  const char *name;
  const char *scopes;
  const char *bot;
  const char *key;
} KeyEdit;

static gboolean
write_apikey_create (TdStore *store, gpointer data, GError **error)
{
  KeyEdit *edit = data;
  g_autoptr(TdStoreUser) bot = NULL;
  guint8 hash[TD_TOKEN_HASH_LEN];

  if (edit->bot != NULL && (bot = find_bot (store, edit->bot, error)) == NULL)
    return FALSE;
  td_token_hash (edit->key, hash);
  return td_store_add_api_key (store, edit->name, hash, sizeof hash, edit->scopes,
                               bot ? bot->id : 0, g_get_real_time () / 1000, error) > 0;
}

static int
cmd_apikey_create (int argc, char **argv)
{
  g_autofree char *scope = NULL;
  g_autofree char *bot = NULL;
  g_autofree char *scopes = NULL;
  g_autofree char *token = NULL;
  g_autofree char *key = NULL;
  const GOptionEntry entries[] = {
    { "scope", 0, 0, G_OPTION_ARG_STRING, &scope,
      "What the key may do: reminders, broadcast, bot (comma-separated; required)", "SCOPE" },
    { "bot", 0, 0, G_OPTION_ARG_STRING, &bot,
      "The bot account the key acts as (needed for the bot scope)", "LOGIN" },
    { NULL }
  };
  KeyEdit edit = { 0 };
  int status = _td_ctl_parse_command ("apikey create", "NAME",
                                      "Makes an API key and prints it once, as the last line.",
                                      entries, &argc, &argv, 1);

  if (status >= 0)
    return status;
  if ((status = check_name ("API key", argv[1])) >= 0)
    return status;
  if (scope == NULL)
    return _td_ctl_usage_error ("apikey create: --scope is required (reminders, broadcast, bot)");
  if ((scopes = parse_list ("--scope", scope, all_scopes, &status)) == NULL)
    return status;
  if (list_has (scopes, "bot") && bot == NULL)
    return _td_ctl_usage_error ("apikey create: the bot scope needs --bot LOGIN");
  if (bot != NULL && !list_has (scopes, "bot"))
    return _td_ctl_usage_error ("apikey create: --bot goes with the bot scope");
  if (bot != NULL && (status = _td_ctl_check_login (bot)) >= 0)
    return status;

  token = td_token_generate ();
  key = g_strconcat ("tdk_", token, NULL);
  edit.name = argv[1];
  edit.scopes = scopes;
  edit.bot = bot;
  edit.key = key;
  if ((status = _td_ctl_run_write (write_apikey_create, &edit)) != 0)
    return status;

  printf ("API key \"%s\" created with scope %s%s%s.\n", edit.name, scopes,
          bot ? ", acting as " : "", bot ? bot : "");
  printf ("Send it as \"Authorization: Bearer KEY\".  It is shown only this once:\n");
  printf ("%s\n", key);
  return 0;
}

static int
cmd_apikey_list (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = NULL;
  g_autoptr(GPtrArray) keys = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  static const char *header[] = { "NAME", "SCOPES", "BOT", "CREATED", "LAST USED", "STATE" };
  int status = _td_ctl_parse_command ("apikey list", "", "Lists the API keys (never the keys).",
                                      NULL, &argc, &argv, 0);

  if (status >= 0)
    return status;
  if ((store = _td_ctl_open_store (&error)) == NULL ||
      (keys = td_store_list_api_keys (store, &error)) == NULL)
    return _td_ctl_fail (error);

  g_ptr_array_add (rows, g_memdup2 (header, sizeof header));
  for (guint i = 0; i < keys->len; i++)
    {
      const TdStoreApiKey *key = g_ptr_array_index (keys, i);
      char *created = format_time (key->created_ms);
      char *used = format_time (key->last_used_ms);
      const char *row[] = { key->name, key->scopes, key->bot_login ? key->bot_login : "",
                            created, used, key->revoked ? "revoked" : "active" };

      g_ptr_array_add (strings, created);
      g_ptr_array_add (strings, used);
      g_ptr_array_add (rows, g_memdup2 (row, sizeof row));
    }
  _td_ctl_print_table (rows, G_N_ELEMENTS (header));
  return 0;
}

static gboolean
write_apikey_revoke (TdStore *store, gpointer data, GError **error)
{
  KeyEdit *edit = data;

  return td_store_revoke_api_key (store, edit->name, error);
}

static int
cmd_apikey_revoke (int argc, char **argv)
{
  KeyEdit edit = { 0 };
  int status = _td_ctl_parse_command ("apikey revoke", "NAME",
                                      "Revokes an API key: it is refused from now on.",
                                      NULL, &argc, &argv, 1);

  if (status >= 0)
    return status;
  if ((status = check_name ("API key", argv[1])) >= 0)
    return status;
  edit.name = argv[1];
  if ((status = _td_ctl_run_write (write_apikey_revoke, &edit)) != 0)
    return status;
  printf ("API key \"%s\" revoked.\n", edit.name);
  return 0;
}

int
_td_ctl_apikey (const char *verb, int argc, char **argv)
{
  if (g_str_equal (verb, "create"))
    return cmd_apikey_create (argc, argv);
  if (g_str_equal (verb, "list"))
    return cmd_apikey_list (argc, argv);
  if (g_str_equal (verb, "revoke"))
    return cmd_apikey_revoke (argc, argv);
  return _td_ctl_usage_error ("unknown command \"apikey %s\"", verb);
}

/* ---- webhook ---- */

typedef struct {
  const char *name;
  const char *url;
  const char *events;
  const char *bot;
  const char *secret;
} HookEdit;

static gboolean
write_webhook_add (TdStore *store, gpointer data, GError **error)
{
  HookEdit *edit = data;
  g_autoptr(TdStoreUser) bot = NULL;

  if (edit->bot != NULL && (bot = find_bot (store, edit->bot, error)) == NULL)
    return FALSE;
  return td_store_add_webhook (store, edit->name, edit->url, edit->secret, edit->events,
                               bot ? bot->id : 0, g_get_real_time () / 1000, error) > 0;
}

static int
cmd_webhook_add (int argc, char **argv)
{
  g_autofree char *url = NULL;
  g_autofree char *events_arg = NULL;
  g_autofree char *events = NULL;
  g_autofree char *bot = NULL;
  g_autofree char *token = NULL;
  g_autofree char *secret = NULL;
  const GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "Where to POST the events (required)", "URL" },
    { "events", 0, 0, G_OPTION_ARG_STRING, &events_arg,
      "message (messages to bots), reminder (reminder outcomes); comma-separated, required",
      "EVENTS" },
    { "bot", 0, 0, G_OPTION_ARG_STRING, &bot, "Only messages to this bot (default: every bot)",
      "LOGIN" },
    { NULL }
  };
  HookEdit edit = { 0 };
  int status = _td_ctl_parse_command ("webhook add", "NAME",
                                      "Adds an outgoing webhook and prints its signing secret "
                                      "as the last line.",
                                      entries, &argc, &argv, 1);

  if (status >= 0)
    return status;
  if ((status = check_name ("webhook", argv[1])) >= 0)
    return status;
  if (url == NULL)
    return _td_ctl_usage_error ("webhook add: --url is required");
  if ((status = check_url (url)) >= 0)
    return status;
  if (events_arg == NULL)
    return _td_ctl_usage_error ("webhook add: --events is required (message, reminder)");
  if ((events = parse_list ("--events", events_arg, all_events, &status)) == NULL)
    return status;
  if (bot != NULL && !list_has (events, "message"))
    return _td_ctl_usage_error ("webhook add: --bot goes with the message event");
  if (bot != NULL && (status = _td_ctl_check_login (bot)) >= 0)
    return status;

  token = td_token_generate ();
  secret = g_strconcat ("tdw_", token, NULL);
  edit.name = argv[1];
  edit.url = url;
  edit.events = events;
  edit.bot = bot;
  edit.secret = secret;
  if ((status = _td_ctl_run_write (write_webhook_add, &edit)) != 0)
    return status;

  printf ("Webhook \"%s\" added: %s events to %s.\n", edit.name, events, url);
  printf ("Check X-Tidings-Signature on every delivery with this secret:\n");
  printf ("%s\n", secret);
  return 0;
}

static int
cmd_webhook_list (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = NULL;
  g_autoptr(GPtrArray) hooks = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  static const char *header[] = { "NAME", "URL", "EVENTS", "BOT", "PENDING", "DELIVERED",
                                  "LAST ATTEMPT", "LAST ERROR" };
  int status = _td_ctl_parse_command ("webhook list", "",
                                      "Lists the webhooks with their queues.",
                                      NULL, &argc, &argv, 0);

  if (status >= 0)
    return status;
  if ((store = _td_ctl_open_store (&error)) == NULL ||
      (hooks = td_store_list_webhooks (store, &error)) == NULL)
    return _td_ctl_fail (error);

  g_ptr_array_add (rows, g_memdup2 (header, sizeof header));
  for (guint i = 0; i < hooks->len; i++)
    {
      const TdStoreWebhook *hook = g_ptr_array_index (hooks, i);
      g_autoptr(TdStoreUser) bot = NULL;
      char *bot_login;
      char *pending = g_strdup_printf ("%u", hook->pending);
      char *delivered = g_strdup_printf ("%u", hook->delivered);
      char *attempt = hook->last_attempt_ms > 0 ? format_time (hook->last_attempt_ms) : g_strdup ("");

      if (hook->bot_id != 0)
        bot = td_store_get_user_by_id (store, hook->bot_id, NULL);
      bot_login = hook->bot_id == 0 ? g_strdup ("")
                : bot != NULL ? g_strdup (bot->login)
                : g_strdup_printf ("#%" G_GINT64_FORMAT, hook->bot_id);
      {
        const char *row[] = { hook->name, hook->url, hook->events, bot_login, pending, delivered,
                              attempt, hook->last_error ? hook->last_error : "" };

        g_ptr_array_add (rows, g_memdup2 (row, sizeof row));
      }
      g_ptr_array_add (strings, bot_login);
      g_ptr_array_add (strings, pending);
      g_ptr_array_add (strings, delivered);
      g_ptr_array_add (strings, attempt);
    }
  _td_ctl_print_table (rows, G_N_ELEMENTS (header));
  return 0;
}

static gboolean
write_webhook_del (TdStore *store, gpointer data, GError **error)
{
  HookEdit *edit = data;

  return td_store_delete_webhook (store, edit->name, error);
}

static int
cmd_webhook_del (int argc, char **argv)
{
  HookEdit edit = { 0 };
  int status = _td_ctl_parse_command ("webhook del", "NAME",
                                      "Deletes a webhook and drops its queued deliveries.",
                                      NULL, &argc, &argv, 1);

  if (status >= 0)
    return status;
  if ((status = check_name ("webhook", argv[1])) >= 0)
    return status;
  edit.name = argv[1];
  if ((status = _td_ctl_run_write (write_webhook_del, &edit)) != 0)
    return status;
  printf ("Webhook \"%s\" deleted.\n", edit.name);
  return 0;
}

int
_td_ctl_webhook (const char *verb, int argc, char **argv)
{
  if (g_str_equal (verb, "add"))
    return cmd_webhook_add (argc, argv);
  if (g_str_equal (verb, "list"))
    return cmd_webhook_list (argc, argv);
  if (g_str_equal (verb, "del"))
    return cmd_webhook_del (argc, argv);
  return _td_ctl_usage_error ("unknown command \"webhook %s\"", verb);
}

/* ---- broadcast ---- */

typedef struct {
  const char *department;
  const char *title;
  const char *body;
  const char *link;
  gboolean    urgent;
  gint64      rid;
  guint       recipients;
} BroadcastEdit;

static gboolean
write_broadcast (TdStore *store, gpointer data, GError **error)
{
  BroadcastEdit *edit = data;
  g_autoptr(GPtrArray) users = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(TdStoreReminder) stored = NULL;
  g_autoptr(GPtrArray) recipients = NULL;
  TdStoreReminder reminder = { 0 };
  gboolean duplicate = FALSE;

  if (edit->department != NULL)
    {
      g_autoptr(GPtrArray) departments = td_store_list_departments (store, error);
      gboolean found = FALSE;

      if (departments == NULL)
        return FALSE;
      for (guint i = 0; i < departments->len && !found; i++)
        found = g_str_equal (g_ptr_array_index (departments, i), edit->department);
      if (!found)
        {
          g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                       "no department \"%s\"", edit->department);
          return FALSE;
        }
    }
  if ((users = td_store_list_users (store, error)) == NULL)
    return FALSE;
  for (guint i = 0; i < users->len; i++)
    {
      const TdStoreUser *user = g_ptr_array_index (users, i);

      /* People only: bot accounts have no one to read it. */
      if (user->disabled || g_strcmp0 (user->role, "bot") == 0)
        continue;
      if (edit->department == NULL || g_strcmp0 (user->department, edit->department) == 0)
        g_array_append_val (ids, user->id);
    }

  reminder.kind = TD_REMINDER_KIND_ANNOUNCEMENT;
  reminder.source = (char *) CTL_SOURCE;
  reminder.title = (char *) edit->title;
  reminder.body = (char *) (edit->body ? edit->body : "");
  reminder.link = (char *) (edit->link ? edit->link : "");
  reminder.category = (char *) "";
  reminder.priority = edit->urgent ? TD_PRIORITY_URGENT : TD_PRIORITY_NORMAL;
  reminder.time_ms = g_get_real_time () / 1000;
  stored = td_store_add_reminder (store, &reminder, (const gint64 *) (gpointer) ids->data,
                                  ids->len, &duplicate, error);
  if (stored == NULL || (recipients = td_store_list_recipients (store, stored->rid, error)) == NULL)
    return FALSE;
  edit->rid = stored->rid;
  edit->recipients = recipients->len;
  return TRUE;
}

static int
cmd_broadcast_status (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = NULL;
  g_autoptr(TdStoreReminder) reminder = NULL;
  g_autoptr(GPtrArray) recipients = NULL;
  g_autoptr(GString) unread = g_string_new (NULL);
  guint n_read = 0, n_done = 0, n_unread = 0;
  guint64 rid = 0;
  int status = _td_ctl_parse_command ("broadcast status", "ID",
                                      "Shows how many have read a broadcast, and who has not.",
                                      NULL, &argc, &argv, 1);

  if (status >= 0)
    return status;
  if (!g_ascii_string_to_unsigned (argv[1], 10, 1, G_MAXINT64, &rid, NULL))
    return _td_ctl_usage_error ("broadcast status: \"%s\" is not a broadcast id", argv[1]);
  if ((store = _td_ctl_open_store (&error)) == NULL)
    return _td_ctl_fail (error);
  reminder = td_store_get_reminder (store, (gint64) rid, &error);
  if (reminder == NULL && !g_error_matches (error, TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND))
    return _td_ctl_fail (error);
  if (reminder == NULL || reminder->kind != TD_REMINDER_KIND_ANNOUNCEMENT)
    {
      g_autoptr(GError) nicer = g_error_new (TD_STORE_ERROR, TD_STORE_ERROR_NOT_FOUND,
                                             "no broadcast %" G_GUINT64_FORMAT, rid);
      return _td_ctl_fail (nicer);
    }
  if ((recipients = td_store_list_recipients (store, reminder->rid, &error)) == NULL)
    return _td_ctl_fail (error);

  for (guint i = 0; i < recipients->len; i++)
    {
      const TdStoreRecipient *r = g_ptr_array_index (recipients, i);

      if (r->state == TD_REMINDER_DONE)
        n_done++;
      if (r->read || r->state == TD_REMINDER_DONE)
        n_read++;
      else if (n_unread++ < MAX_UNREAD)
        g_string_append_printf (unread, "%s%s", unread->len ? " " : "", r->login);
    }
  printf ("Broadcast: %" G_GINT64_FORMAT " (%s, from %s)\n", reminder->rid,
          td_priority_to_string (reminder->priority), reminder->source);
  printf ("Title:     %s\n", reminder->title);
  printf ("Total:     %u\nRead:      %u\nDone:      %u\n", recipients->len, n_read, n_done);
  printf ("Unread:    %s%s\n", unread->str, n_unread > MAX_UNREAD ? " ..." : "");
  return 0;
}

int
_td_ctl_broadcast (int argc, char **argv)
{
  g_autofree char *department = NULL;
  g_autofree char *link = NULL;
  g_autoptr(GError) error = NULL;
  gboolean urgent = FALSE;
  const GOptionEntry entries[] = {
    { "department", 0, 0, G_OPTION_ARG_STRING, &department,
      "Only to this department (default: everyone)", "DEPT" },
    { "urgent", 0, 0, G_OPTION_ARG_NONE, &urgent, "Urgent: stays on screen until handled", NULL },
    { "link", 0, 0, G_OPTION_ARG_STRING, &link, "An http(s) link to open", "URL" },
    { NULL }
  };
  BroadcastEdit edit = { 0 };
  int status;

  if (argc > 1 && g_str_equal (argv[1], "status"))
    return cmd_broadcast_status (argc - 1, argv + 1);

  status = _td_ctl_parse_command_range ("broadcast", "TITLE [BODY]",
                                        "Announces something to everyone or to a department.",
                                        entries, &argc, &argv, 1, 2);
  if (status >= 0)
    return status;
  if (!td_proto_validate_title (argv[1], &error) ||
      (argc > 2 && !td_proto_validate_body (argv[2], &error)) ||
      (link != NULL && !td_proto_validate_link (link, &error)))
    return _td_ctl_usage_error ("broadcast: %s", error->message);
  if (department != NULL && (status = _td_ctl_check_texts ("-", department, NULL)) >= 0)
    return status;

  edit.department = department;
  edit.title = argv[1];
  edit.body = argc > 2 ? argv[2] : NULL;
  edit.link = link;
  edit.urgent = urgent;
  if ((status = _td_ctl_run_write (write_broadcast, &edit)) != 0)
    return status;

  printf ("Announced to %u %s; \"tidingsctl broadcast status %" G_GINT64_FORMAT "\" shows who read it.\n",
          edit.recipients, edit.recipients == 1 ? "person" : "people", edit.rid);
  printf ("%" G_GINT64_FORMAT "\n", edit.rid);
  return 0;
}

/* ---- group ---- */

static int
cmd_group_list (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = NULL;
  g_autoptr(GPtrArray) groups = NULL;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  static const char *header[] = { "ID", "KIND", "NAME", "OWNER", "MEMBERS" };
  int status = _td_ctl_parse_command ("group list", "", "Lists every group and its size.",
                                      NULL, &argc, &argv, 0);

  if (status >= 0)
    return status;
  if ((store = _td_ctl_open_store (&error)) == NULL ||
      (groups = td_store_list_groups (store, &error)) == NULL)
    return _td_ctl_fail (error);

  g_ptr_array_add (rows, g_memdup2 (header, sizeof header));
  for (guint i = 0; i < groups->len; i++)
    {
      TdGroup *group = g_ptr_array_index (groups, i);
      char *members = g_strdup_printf ("%u", td_group_get_n_members (group));
      const char *row[] = { td_group_get_address (group),
                            td_group_kind_to_string (td_group_get_kind (group)),
                            td_group_get_name (group), td_group_get_owner (group), members };

      g_ptr_array_add (strings, members);
      g_ptr_array_add (rows, g_memdup2 (row, sizeof row));
    }
  _td_ctl_print_table (rows, G_N_ELEMENTS (header));
  return 0;
}

int
_td_ctl_group (const char *verb, int argc, char **argv)
{
  if (g_str_equal (verb, "list"))
    return cmd_group_list (argc, argv);
  return _td_ctl_usage_error ("unknown command \"group %s\"", verb);
}
