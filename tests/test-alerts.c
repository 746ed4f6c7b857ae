/* test-alerts.c - TdAlerts against a real notification server protocol
 * (python3-dbusmock's notification_daemon template) on a private bus with
 * no activatable services, and real sound through ALSA into a WAV file.
 *
 * Run under build-aux/xvfb-session.sh (libcanberra-gtk needs a display).
 * HOME is a temporary directory whose .asoundrc points ALSA's default PCM
 * at a file, so a sound that really played leaves samples there.
 */
#define G_LOG_DOMAIN "test-alerts"

#include <string.h>
#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "td-alerts.h"
#include "td-desktop-test-util.h"

#define NOTIFY_NAME   "org.freedesktop.Notifications"
#define NOTIFY_PATH   "/org/freedesktop/Notifications"
#define NOTIFY_IFACE  "org.freedesktop.Notifications"

/* Indices of Notify's arguments (susssasa{sv}i). */
enum { ARG_APP, ARG_REPLACES, ARG_ICON, ARG_SUMMARY, ARG_BODY, ARG_ACTIONS, ARG_HINTS, ARG_TIMEOUT };

static char *wav_path;

typedef struct
{
  GSubprocess *mock;
  TdAlerts    *alerts;
  char        *opened;
  char        *reply_conversation;
  char        *reply_text;
  gboolean     replied;
  char        *opened_reminder;
  char        *action_reminder;
  char        *action;
} Fixture;

static void
open_cb (TdAlerts *alerts, const char *conversation, Fixture *f)
{
  g_free (f->opened);
  f->opened = g_strdup (conversation);
}

static void
reply_cb (TdAlerts *alerts, const char *conversation, const char *text, Fixture *f)
{
  g_free (f->reply_conversation);
  g_free (f->reply_text);
  f->reply_conversation = g_strdup (conversation);
  f->reply_text = g_strdup (text);
  f->replied = TRUE;
}

static void
open_reminder_cb (TdAlerts *alerts, const char *id, Fixture *f)
{
  g_free (f->opened_reminder);
  f->opened_reminder = g_strdup (id);
}

static void
reminder_action_cb (TdAlerts *alerts, const char *id, const char *action, Fixture *f)
{
  g_free (f->action_reminder);
  g_free (f->action);
  f->action_reminder = g_strdup (id);
  f->action = g_strdup (action);
}

/* @caps: space-separated capabilities of the mock server, or NULL for no
 * notification server at all. */
static void
start (Fixture    *f,
       const char *caps)
{
  if (caps != NULL)
    {
      g_autofree char *params = g_strdup_printf ("{\"capabilities\": \"%s\"}", caps);

      f->mock = td_test_dbusmock_start (NOTIFY_NAME, "--template", "notification_daemon",
                                        "-p", params, NULL);
    }
  f->alerts = td_alerts_new ();
  g_signal_connect (f->alerts, "open", G_CALLBACK (open_cb), f);
  g_signal_connect (f->alerts, "reply", G_CALLBACK (reply_cb), f);
  g_signal_connect (f->alerts, "open-reminder", G_CALLBACK (open_reminder_cb), f);
  g_signal_connect (f->alerts, "reminder-action", G_CALLBACK (reminder_action_cb), f);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_unlink (wav_path);
  g_object_set (gtk_settings_get_default (), "gtk-enable-event-sounds", TRUE, NULL);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->alerts);
  td_test_dbusmock_stop (f->mock, NOTIFY_NAME);
  g_clear_object (&f->mock);
  g_free (f->opened);
  g_free (f->reply_conversation);
  g_free (f->reply_text);
  g_free (f->opened_reminder);
  g_free (f->action_reminder);
  g_free (f->action);
  /* Let a sound still being written finish before the next test. */
  td_test_spin (200);
  g_unlink (wav_path);
}

static GPtrArray *
notify_calls (void)
{
  return td_test_mock_method_calls (NOTIFY_NAME, NOTIFY_PATH, "Notify");
}

static GVariant *
arg (GVariant *args,
     guint     index)
{
  g_autoptr(GVariant) boxed = g_variant_get_child_value (args, index);

  return g_variant_get_variant (boxed);
}

static const char *
arg_string (GVariant *args,
            guint     index)
{
  g_autoptr(GVariant) value = arg (args, index);

  /* Strings stay alive as long as @args, which holds the serialised data. */
  return g_variant_get_string (value, NULL);
}

static guint32
arg_uint (GVariant *args,
          guint     index)
{
  g_autoptr(GVariant) value = arg (args, index);

  return g_variant_get_uint32 (value);
}

static gboolean
has_action (GVariant   *args,
            const char *action)
{
  g_autoptr(GVariant) actions = arg (args, ARG_ACTIONS);
  g_autofree const char **strv = g_variant_get_strv (actions, NULL);

  /* Actions come in (key, label) pairs: only keys count. */
  for (guint i = 0; strv[i] != NULL && strv[i + 1] != NULL; i += 2)
    if (g_str_equal (strv[i], action))
      return TRUE;
  return FALSE;
}

static GVariant *
hint (GVariant   *args,
      const char *name)
{
  g_autoptr(GVariant) hints = arg (args, ARG_HINTS);

  return g_variant_lookup_value (hints, name, NULL);
}

static void
emit_from_server (const char *signal,
                  const char *signature,
                  GVariant   *args)
{
  g_autoptr(GVariant) reply = NULL;

  reply = td_test_mock_call (NOTIFY_NAME, NOTIFY_PATH, "EmitSignal",
                             g_variant_new ("(sss@av)", NOTIFY_IFACE, signal, signature, args));
}

static GVariant *
av (GVariant *first, ...)
{
  GVariantBuilder builder;
  va_list ap;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
  va_start (ap, first);
  for (GVariant *v = first; v != NULL; v = va_arg (ap, GVariant *))
    g_variant_builder_add (&builder, "v", v);
  va_end (ap);
  return g_variant_builder_end (&builder);
}

static void
test_message_notifies (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GVariant) desktop_entry = NULL;
  GVariant *args;

  start (f, "body actions body-markup");
  td_alerts_message (f->alerts, "conv-1", "Alice", "see <b>this</b> & that");

  calls = notify_calls ();
  g_assert_cmpuint (calls->len, ==, 1);
  args = calls->pdata[0];
  g_assert_cmpstr (arg_string (args, ARG_APP), ==, "Tidings");
  g_assert_cmpuint (arg_uint (args, ARG_REPLACES), ==, 0);
  g_assert_nonnull (strstr (arg_string (args, ARG_SUMMARY), "Alice"));
  /* The server reads markup, so network text must arrive escaped. */
  g_assert_cmpstr (arg_string (args, ARG_BODY), ==, "see &lt;b&gt;this&lt;/b&gt; &amp; that");
  g_assert_true (has_action (args, "default"));
  g_assert_true (has_action (args, "open"));
  g_assert_true (has_action (args, "reply"));
  g_assert_false (has_action (args, "inline-reply"));
  desktop_entry = hint (args, "desktop-entry");
  g_assert_nonnull (desktop_entry);
  g_assert_cmpstr (g_variant_get_string (desktop_entry, NULL), ==, "org.tidings.Tidings");
  g_assert_true (td_alerts_get_notifications_work (f->alerts));
}

static void
test_plain_server_gets_raw_text (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) calls = NULL;

  /* Without body-markup the server shows text as is: no escaping. */
  start (f, "body actions");
  td_alerts_message (f->alerts, "conv-1", "Alice", "a < b & c");
  calls = notify_calls ();
  g_assert_cmpuint (calls->len, ==, 1);
  g_assert_cmpstr (arg_string (calls->pdata[0], ARG_BODY), ==, "a < b & c");
}

static void
test_burst_updates_same_notification (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) calls = NULL;
  const char *body;

  start (f, "body actions");
  td_alerts_message (f->alerts, "conv-1", "Alice", "one");
  td_alerts_message (f->alerts, "conv-1", "Alice", "two");
  td_alerts_message (f->alerts, "conv-1", "Alice", "three");
  td_alerts_message (f->alerts, "conv-2", "Bob", "other");

  calls = notify_calls ();
  g_assert_cmpuint (calls->len, ==, 4);
  /* The mock numbers notifications from 1. */
  g_assert_cmpuint (arg_uint (calls->pdata[0], ARG_REPLACES), ==, 0);
  g_assert_cmpuint (arg_uint (calls->pdata[1], ARG_REPLACES), ==, 1);
  g_assert_cmpuint (arg_uint (calls->pdata[2], ARG_REPLACES), ==, 1);
  body = arg_string (calls->pdata[2], ARG_BODY);
  g_assert_nonnull (strstr (body, "3 new messages"));
  g_assert_nonnull (strstr (body, "three"));
  g_assert_null (strstr (body, "two"));
  /* Another conversation gets its own notification. */
  g_assert_cmpuint (arg_uint (calls->pdata[3], ARG_REPLACES), ==, 0);
  g_assert_cmpstr (arg_string (calls->pdata[3], ARG_BODY), ==, "other");
}

static gboolean
opened_cond (gpointer data)
{
  return ((Fixture *) data)->opened != NULL;
}

static gboolean
replied_cond (gpointer data)
{
  return ((Fixture *) data)->replied;
}

static void
test_open_action (Fixture *f, gconstpointer data)
{
  start (f, "body actions");
  td_alerts_message (f->alerts, "conv-a", "Alice", "one");
  td_alerts_message (f->alerts, "conv-b", "Bob", "two");

  /* Bob's notification is id 2. */
  emit_from_server ("ActionInvoked", "us", av (g_variant_new_uint32 (2), g_variant_new_string ("open"), NULL));
  g_assert_true (td_test_wait_until (opened_cond, f, 5000));
  g_assert_cmpstr (f->opened, ==, "conv-b");

  g_clear_pointer (&f->opened, g_free);
  emit_from_server ("ActionInvoked", "us", av (g_variant_new_uint32 (1), g_variant_new_string ("default"), NULL));
  g_assert_true (td_test_wait_until (opened_cond, f, 5000));
  g_assert_cmpstr (f->opened, ==, "conv-a");

  /* Without inline reply, "Reply" asks the app to open the composer. */
  emit_from_server ("ActionInvoked", "us", av (g_variant_new_uint32 (1), g_variant_new_string ("reply"), NULL));
  g_assert_true (td_test_wait_until (replied_cond, f, 5000));
  g_assert_cmpstr (f->reply_conversation, ==, "conv-a");
  g_assert_null (f->reply_text);
}

static void
test_inline_reply (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) calls = NULL;

  start (f, "body actions inline-reply");
  td_alerts_message (f->alerts, "conv-a", "Alice", "lunch?");
  td_alerts_message (f->alerts, "conv-b", "Bob", "meeting?");

  calls = notify_calls ();
  g_assert_cmpuint (calls->len, ==, 2);
  g_assert_true (has_action (calls->pdata[0], "inline-reply"));
  g_assert_false (has_action (calls->pdata[0], "reply"));

  emit_from_server ("NotificationReplied", "us",
                    av (g_variant_new_uint32 (1), g_variant_new_string ("sure, 12:30"), NULL));
  g_assert_true (td_test_wait_until (replied_cond, f, 5000));
  g_assert_cmpstr (f->reply_conversation, ==, "conv-a");
  g_assert_cmpstr (f->reply_text, ==, "sure, 12:30");
}

static void
test_withdraw_closes (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) closes = NULL;
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GVariant) id = NULL;

  start (f, "body actions");
  td_alerts_message (f->alerts, "conv-a", "Alice", "one");
  td_alerts_message (f->alerts, "conv-b", "Bob", "two");
  td_alerts_withdraw (f->alerts, "conv-b");
  td_alerts_withdraw (f->alerts, "conv-unknown");

  closes = td_test_mock_method_calls (NOTIFY_NAME, NOTIFY_PATH, "CloseNotification");
  g_assert_cmpuint (closes->len, ==, 1);
  id = arg (closes->pdata[0], 0);
  g_assert_cmpint (g_variant_get_int32 (id) /* the template declares "i" */, ==, 2);

  /* After withdrawing, a new message starts a new notification. */
  td_alerts_message (f->alerts, "conv-b", "Bob", "three");
  calls = notify_calls ();
  g_assert_cmpuint (calls->len, ==, 3);
  g_assert_cmpuint (arg_uint (calls->pdata[2], ARG_REPLACES), ==, 0);
  g_assert_cmpstr (arg_string (calls->pdata[2], ARG_BODY), ==, "three");
}

static void
test_muted (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GPtrArray) calls_after = NULL;

  start (f, "body actions");
  td_alerts_set_muted (f->alerts, TRUE);
  td_alerts_message (f->alerts, "conv-a", "Alice", "one");
  td_alerts_reminder (f->alerts, "r1", "Stand-up", "in 5 minutes", FALSE, FALSE);
  /* Notify is synchronous: had it been sent, the mock would have it. */
  calls = notify_calls ();
  g_assert_cmpuint (calls->len, ==, 0);

  td_alerts_set_notifications (f->alerts, FALSE);
  td_alerts_set_muted (f->alerts, FALSE);
  td_alerts_message (f->alerts, "conv-a", "Alice", "two");
  calls_after = notify_calls ();
  g_assert_cmpuint (calls_after->len, ==, 0);

  td_alerts_set_notifications (f->alerts, TRUE);
  td_alerts_message (f->alerts, "conv-a", "Alice", "three");
  g_clear_pointer (&calls_after, g_ptr_array_unref);
  calls_after = notify_calls ();
  g_assert_cmpuint (calls_after->len, ==, 1);
}

static gboolean
opened_reminder_cond (gpointer data)
{
  return ((Fixture *) data)->opened_reminder != NULL;
}

static void
test_reminder (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GVariant) urgency = NULL;
  g_autoptr(GVariant) timeout = NULL;

  start (f, "body actions");
  td_alerts_set_muted (f->alerts, TRUE);
  td_alerts_reminder (f->alerts, "invoice-7", "Invoice due", "Pay ACME <today>", TRUE, TRUE);

  calls = notify_calls ();
  g_assert_cmpuint (calls->len, ==, 1);
  g_assert_cmpstr (arg_string (calls->pdata[0], ARG_SUMMARY), ==, "Invoice due");
  g_assert_cmpstr (arg_string (calls->pdata[0], ARG_BODY), ==, "Pay ACME <today>");
  urgency = hint (calls->pdata[0], "urgency");
  g_assert_nonnull (urgency);
  g_assert_cmpuint (g_variant_get_byte (urgency), ==, 2);   /* critical */
  timeout = arg (calls->pdata[0], ARG_TIMEOUT);
  g_assert_cmpint (g_variant_get_int32 (timeout), ==, 0);   /* never expires */

  emit_from_server ("ActionInvoked", "us", av (g_variant_new_uint32 (1), g_variant_new_string ("default"), NULL));
  g_assert_true (td_test_wait_until (opened_reminder_cond, f, 5000));
  g_assert_cmpstr (f->opened_reminder, ==, "invoice-7");
  g_assert_null (f->opened);
  g_assert_null (f->action);
}

static gboolean
reminder_action_cond (gpointer data)
{
  return ((Fixture *) data)->action != NULL;
}

/* A normal reminder: its own sound (asked of a server that plays sounds),
 * normal urgency, Open Link only with a link, Done and Snooze reported as
 * actions, and never a second notification for the same id. */
static void
test_reminder_actions (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GPtrArray) calls_after = NULL;
  g_autoptr(GVariant) urgency = NULL;
  g_autoptr(GVariant) sound_name = NULL;

  start (f, "body actions sound");
  td_alerts_reminder (f->alerts, "7", "Approval waiting", "Travel request", TRUE, FALSE);
  td_alerts_reminder (f->alerts, "8", "Timesheet", "", FALSE, TRUE);
  calls = notify_calls ();
  g_assert_cmpuint (calls->len, ==, 2);
  urgency = hint (calls->pdata[0], "urgency");
  g_assert_cmpuint (g_variant_get_byte (urgency), ==, 1);
  sound_name = hint (calls->pdata[0], "sound-name");
  g_assert_nonnull (sound_name);
  g_assert_cmpstr (g_variant_get_string (sound_name, NULL), ==, TD_ALERTS_SOUND_REMINDER);
  g_clear_pointer (&sound_name, g_variant_unref);
  sound_name = hint (calls->pdata[1], "sound-name");
  g_assert_cmpstr (g_variant_get_string (sound_name, NULL), ==, TD_ALERTS_SOUND_REMINDER_URGENT);
  g_assert_true (has_action (calls->pdata[0], "open-link"));
  g_assert_true (has_action (calls->pdata[0], "done"));
  g_assert_true (has_action (calls->pdata[0], "snooze"));
  g_assert_false (has_action (calls->pdata[1], "open-link"));
  g_assert_true (has_action (calls->pdata[1], "done"));

  /* The session start repeats open reminders: never twice. */
  td_alerts_reminder (f->alerts, "7", "Approval waiting", "Travel request", TRUE, FALSE);
  calls_after = notify_calls ();
  g_assert_cmpuint (calls_after->len, ==, 2);

  emit_from_server ("ActionInvoked", "us", av (g_variant_new_uint32 (1), g_variant_new_string ("done"), NULL));
  g_assert_true (td_test_wait_until (reminder_action_cond, f, 5000));
  g_assert_cmpstr (f->action_reminder, ==, "7");
  g_assert_cmpstr (f->action, ==, "done");
  g_assert_null (f->opened_reminder);
  g_clear_pointer (&f->action, g_free);
  emit_from_server ("ActionInvoked", "us", av (g_variant_new_uint32 (2), g_variant_new_string ("snooze"), NULL));
  g_assert_true (td_test_wait_until (reminder_action_cond, f, 5000));
  g_assert_cmpstr (f->action_reminder, ==, "8");
  g_assert_cmpstr (f->action, ==, "snooze");
}

static void
test_no_daemon (Fixture *f, gconstpointer data)
{
  /* This bus has no notification server and activates nothing. */
  g_assert_false (td_test_name_has_owner (NOTIFY_NAME));
  start (f, NULL);
  g_assert_true (td_alerts_get_notifications_work (f->alerts));
  td_alerts_message (f->alerts, "conv-a", "Alice", "one");
  g_assert_false (td_alerts_get_notifications_work (f->alerts));
  td_alerts_message (f->alerts, "conv-a", "Alice", "two");
  td_alerts_withdraw (f->alerts, "conv-a");
  g_assert_false (td_alerts_get_notifications_work (f->alerts));
}

/* TRUE once the WAV file holds more than a header, with non-zero samples. */
static gboolean
wav_has_sound (gpointer data)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (wav_path, &contents, &length, NULL) || length <= 44 + 4096)
    return FALSE;
  g_assert_true (memcmp (contents, "RIFF", 4) == 0);
  for (gsize i = 44; i < length; i++)
    if (contents[i] != 0)
      return TRUE;
  return FALSE;
}

static void
test_sound_played (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GVariant) suppress = NULL;

  start (f, "body actions");
  td_alerts_message (f->alerts, "conv-a", "Alice", "one");
  g_assert_cmpint (td_alerts_get_last_sound_result (f->alerts), ==, 0);
  g_assert_true (td_test_wait_until (wav_has_sound, NULL, 10000));

  calls = notify_calls ();
  g_assert_cmpuint (calls->len, ==, 1);
  /* We play it, so the server must not add one. */
  suppress = hint (calls->pdata[0], "suppress-sound");
  g_assert_nonnull (suppress);
  g_assert_true (g_variant_get_boolean (suppress));

  /* Within 2 s, a second message in the conversation stays silent. */
  td_test_spin (300);
  g_assert_cmpint (g_unlink (wav_path), ==, 0);
  td_alerts_message (f->alerts, "conv-a", "Alice", "two");
  td_test_spin (700);
  g_assert_false (g_file_test (wav_path, G_FILE_TEST_EXISTS));
}

/* The reminder sounds exist in the freedesktop theme (message-new-email
 * falls back to "message" by the sound naming rules). */
static void
test_reminder_sound_played (Fixture *f, gconstpointer data)
{
  start (f, "body actions");
  td_alerts_reminder (f->alerts, "9", "Approval waiting", "", FALSE, FALSE);
  g_assert_cmpint (td_alerts_get_last_sound_result (f->alerts), ==, 0);
  g_assert_true (td_test_wait_until (wav_has_sound, NULL, 10000));
  td_test_spin (300);
  g_assert_cmpint (g_unlink (wav_path), ==, 0);
  td_alerts_reminder (f->alerts, "10", "Server down", "", FALSE, TRUE);
  g_assert_cmpint (td_alerts_get_last_sound_result (f->alerts), ==, 0);
  g_assert_true (td_test_wait_until (wav_has_sound, NULL, 10000));
}

static void
test_sound_disabled (Fixture *f, gconstpointer data)
{
  start (f, "body actions");
  g_object_set (gtk_settings_get_default (), "gtk-enable-event-sounds", FALSE, NULL);
  td_alerts_message (f->alerts, "conv-a", "Alice", "one");
  /* CA_ERROR_DISABLED: GTK event sounds are off. */
  g_assert_cmpint (td_alerts_get_last_sound_result (f->alerts), ==, -16);
  td_test_spin (500);
  g_assert_false (g_file_test (wav_path, G_FILE_TEST_EXISTS));
}

static void
test_server_plays_sound (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GVariant) sound_name = NULL;
  g_autoptr(GVariant) suppress = NULL;

  start (f, "body actions sound");
  td_alerts_message (f->alerts, "conv-a", "Alice", "one");

  calls = notify_calls ();
  g_assert_cmpuint (calls->len, ==, 1);
  sound_name = hint (calls->pdata[0], "sound-name");
  g_assert_nonnull (sound_name);
  g_assert_cmpstr (g_variant_get_string (sound_name, NULL), ==, "message-new-instant");
  suppress = hint (calls->pdata[0], "suppress-sound");
  g_assert_null (suppress);

  /* Not played a second time by us. */
  td_test_spin (1000);
  g_assert_false (g_file_test (wav_path, G_FILE_TEST_EXISTS));
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

static void
skip_no_display (void)
{
  g_test_skip ("no display: run under build-aux/xvfb-session.sh");
}

int
main (int argc, char **argv)
{
  g_autofree char *home = NULL;
  g_autofree char *asoundrc = NULL;
  g_autofree char *asoundrc_path = NULL;
  g_autofree char *config_home = NULL;
  g_autofree char *display = NULL;
  g_autoptr(GError) error = NULL;
  GTestDBus *bus;
  int ret;

  /* Everything that reads HOME (ALSA) or GSettings must see these first. */
  home = g_dir_make_tmp ("tidings-test-alerts-XXXXXX", &error);
  g_assert_no_error (error);
  wav_path = g_build_filename (home, "sound.wav", NULL);
  asoundrc_path = g_build_filename (home, ".asoundrc", NULL);
  asoundrc = g_strdup_printf ("pcm.!default {\n"
                              "  type file\n"
                              "  slave.pcm \"null\"\n"
                              "  file \"%s\"\n"
                              "  format \"wav\"\n"
                              "}\n", wav_path);
  g_file_set_contents (asoundrc_path, asoundrc, -1, &error);
  g_assert_no_error (error);
  config_home = g_build_filename (home, ".config", NULL);
  g_setenv ("HOME", home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("NO_AT_BRIDGE", "1", TRUE);

  /* A private bus with no service directories: nothing (e.g. dunst) is
   * activated behind the test's back.  GTestDBus also unsets DISPLAY. */
  display = g_strdup (g_getenv ("DISPLAY"));
  bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (bus);
  if (display != NULL)
    g_setenv ("DISPLAY", display, TRUE);

  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check (&argc, &argv))
    {
      g_test_add_func ("/alerts/needs-display", skip_no_display);
    }
  else
    {
#define ADD(path, func) \
      g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
      ADD ("/alerts/no-daemon", test_no_daemon);
      ADD ("/alerts/message-notifies", test_message_notifies);
      ADD ("/alerts/plain-server-gets-raw-text", test_plain_server_gets_raw_text);
      ADD ("/alerts/burst-updates-same-notification", test_burst_updates_same_notification);
      ADD ("/alerts/open-action", test_open_action);
      ADD ("/alerts/inline-reply", test_inline_reply);
      ADD ("/alerts/withdraw-closes", test_withdraw_closes);
      ADD ("/alerts/muted", test_muted);
      ADD ("/alerts/reminder", test_reminder);
      ADD ("/alerts/reminder-actions", test_reminder_actions);
      ADD ("/alerts/sound-played", test_sound_played);
      ADD ("/alerts/reminder-sound-played", test_reminder_sound_played);
      ADD ("/alerts/sound-disabled", test_sound_disabled);
      ADD ("/alerts/server-plays-sound", test_server_plays_sound);
#undef ADD
    }

  ret = g_test_run ();

  /* Not g_test_dbus_down(): it waits for the last reference to the bus
   * connection, which libnotify keeps forever. */
  g_test_dbus_stop (bus);
  remove_tree (home);   /* also libcanberra's .cache */
  g_free (wav_path);
  return ret;
}
