/* client-bench.c - times the desktop client (TdApplication, TdMainWindow,
 * TdChatWindow: the real code, in-process as tests/test-gui.c drives it)
 * against a real tidingsd.  Run by tests/bench/run-client-bench.sh under
 * build-aux/xvfb-session.sh; see docs/benchmarks.md ("Desktop client").
 *
 * Two phases, each a fresh process so that start-up costs are real:
 *   --phase cold   empty profile: password login; start -> main window
 *                  painted, and until the whole directory is in the list
 *                  and painted; saves the session token for the next phase.
 *   --phase warm   the same profile (directory and messages cached, the
 *                  script seeds the conversations): token login as on a
 *                  remembered session; start -> main window painted; the
 *                  search box typed into key by key; the big conversation
 *                  opened and paged up to the top; RSS with 1 and N chat
 *                  windows.
 * "Painted" is the main window's (or chat window's) frame clock
 * "after-paint" after the change: what the user sees, not just the model.
 * Results are printed as "ROW name key=value ..." lines.  Next to the wall
 * clock, cpu_ms / the "-cpu" rows give the process's (main thread's) CPU
 * time over the same span: on a loaded machine the wall clock mostly
 * measures the other processes.
 */
#define G_LOG_DOMAIN "client-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <gtk/gtk.h>

#include "td-application.h"
#include "td-contact-list.h"
#include "td-secret.h"

#define WAIT_MS 60000

static char    *opt_phase;
static char    *opt_server;
static char    *opt_user;
static char    *opt_password_file;
static char    *opt_profile;
static char    *opt_token_file;
static char    *opt_peer;
static char    *opt_query = (char *) "bench user 12";
static gint64   opt_start_us;      /* CLOCK_REALTIME when the script exec'd us */
static int      opt_users = 10000; /* contacts expected in the directory */
static int      opt_chats = 20;
static int      opt_pages = 20;

static TdApplication *app;
static gint64         start_us;    /* monotonic time of process start */
static guint          paints;      /* after-paint count, all watched windows */
static gint64         last_paint_us;
static gint64         last_paint_cpu_us;
static gint64         search_started_us;
static gint64         search_started_cpu_us;
static gint64         search_done_us;

static const GOptionEntry entries[] = {
  { "phase", 0, 0, G_OPTION_ARG_STRING, &opt_phase, "cold or warm", "PHASE" },
  { "server", 0, 0, G_OPTION_ARG_STRING, &opt_server, "ws://host:port/ws", "URL" },
  { "user", 0, 0, G_OPTION_ARG_STRING, &opt_user, "login", "LOGIN" },
  { "password-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_password_file, "password", "FILE" },
  { "profile", 0, 0, G_OPTION_ARG_FILENAME, &opt_profile, "profile directory", "DIR" },
  { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &opt_token_file, "session token (written cold, read warm)", "FILE" },
  { "peer", 0, 0, G_OPTION_ARG_STRING, &opt_peer, "the big conversation", "LOGIN" },
  { "query", 0, 0, G_OPTION_ARG_STRING, &opt_query, "typed into the search box", "TEXT" },
  { "start-us", 0, 0, G_OPTION_ARG_INT64, &opt_start_us, "g_get_real_time() at exec", "US" },
  { "users", 0, 0, G_OPTION_ARG_INT, &opt_users, "contacts expected", "N" },
  { "chats", 0, 0, G_OPTION_ARG_INT, &opt_chats, "chat windows for the RSS row", "N" },
  { "pages", 0, 0, G_OPTION_ARG_INT, &opt_pages, "history pages to scroll up", "N" },
  { NULL }
};

/* ---- helpers ------------------------------------------------------------ */

static double
ms_since (gint64 from_us)
{
  return (g_get_monotonic_time () - from_us) / 1000.0;
}

/* CPU time of the calling (main) thread. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* CPU time of the whole process since it started (GTK's and GLib's
 * threads included), user + system. */
static double
process_cpu_ms (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000.0
         + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000.0;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Bounded: a wake-up every 100 ms lets the deadline be checked. */
static gboolean
wait_until (gboolean (*condition) (gpointer data), gpointer data, guint timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  guint wake_id = g_timeout_add (100, wake_cb, NULL);
  gboolean met;

  while (!(met = condition (data)) && g_get_monotonic_time () <= deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake_id);
  return met;
}

static gboolean
timeout_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
flag_cond (gpointer data)
{
  return *(gboolean *) data;
}

static void
spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_flag_cb, &done);
  wait_until (flag_cond, &done, ms + 1000);
}

static long
rss_kb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
print_stats (const char *name, GArray *values)
{
  double median;

  if (values->len == 0)
    return;
  g_array_sort (values, compare_double);
  median = g_array_index (values, double, values->len / 2);
  printf ("ROW %s n=%u median_ms=%.1f max_ms=%.1f min_ms=%.1f\n", name, values->len, median,
          g_array_index (values, double, values->len - 1), g_array_index (values, double, 0));
}

/* ---- paint tracking ----------------------------------------------------- */

static void
after_paint_cb (GdkFrameClock *clock, gpointer user_data)
{
  paints++;
  last_paint_us = g_get_monotonic_time ();
  last_paint_cpu_us = thread_cpu_us ();
}

static void
window_realize_cb (GtkWidget *window, gpointer user_data)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (after_paint_cb), NULL);
}

static void
window_added_cb (GtkApplication *application, GtkWindow *window, gpointer user_data)
{
  if (gtk_widget_get_realized (GTK_WIDGET (window)))
    window_realize_cb (GTK_WIDGET (window), NULL);
  else
    g_signal_connect (window, "realize", G_CALLBACK (window_realize_cb), NULL);
}

typedef struct {
  GtkWidget *window;
  guint      paints;  /* after-paint count before the change */
} PaintWait;

/* The window is on screen and has painted since the change. */
static gboolean
painted_cond (gpointer data)
{
  PaintWait *wait = data;

  return wait->window != NULL && gtk_widget_get_mapped (wait->window) && paints > wait->paints;
}

/* ---- phases --------------------------------------------------------------- */

static gboolean
search_hook_cb (GSignalInvocationHint *hint, guint n_values, const GValue *values, gpointer data)
{
  search_started_us = g_get_monotonic_time ();
  search_started_cpu_us = thread_cpu_us ();
  return TRUE;
}

static void
search_done_cb (GtkSearchEntry *entry, gpointer data)
{
  search_done_us = g_get_monotonic_time ();
}


static gboolean
main_window_cond (gpointer data)
{
  TdMainWindow *main_window = td_application_get_main_window (app);

  return main_window != NULL && gtk_widget_get_mapped (GTK_WIDGET (main_window)) && paints > 0;
}

static gboolean
have_directory (void)
{
  return (int) g_list_model_get_n_items (td_client_get_contacts (td_application_get_client (app))) >= opt_users;
}

static gboolean
directory_cond (gpointer data)
{
  return td_application_get_main_window (app) != NULL && have_directory ();
}

static gboolean
online_cond (gpointer data)
{
  return td_client_get_state (td_application_get_client (app)) == TD_CONNECTION_STATE_ONLINE;
}

static double
since_start_ms (void)
{
  /* opt_start_us: when the script started us (wall clock), else main(). */
  if (opt_start_us > 0)
    return (g_get_real_time () - opt_start_us) / 1000.0;
  return ms_since (start_us);
}

/* directory_ms: the whole directory is in the model and painted (the
 * first paint if it was there already, as on a warm start). */
static void
startup_rows (const char *phase)
{
  double mapped_ms;
  double mapped_cpu_ms;
  double directory_ms;
  PaintWait wait = { NULL, 0 };

  if (!wait_until (main_window_cond, NULL, WAIT_MS))
    g_error ("no main window");
  mapped_ms = since_start_ms ();
  mapped_cpu_ms = process_cpu_ms ();
  /* After the window's own handler, which its template connected. */
  g_signal_connect_after (td_main_window_get_search_entry (td_application_get_main_window (app)),
                          "search-changed", G_CALLBACK (search_done_cb), NULL);
  if (have_directory ())
    directory_ms = mapped_ms;
  else
    {
      if (!wait_until (directory_cond, NULL, WAIT_MS))
        g_error ("the directory did not arrive");
      wait.window = GTK_WIDGET (td_application_get_main_window (app));
      wait.paints = paints;
      if (!wait_until (painted_cond, &wait, WAIT_MS))
        g_error ("the directory was not painted");
      directory_ms = since_start_ms ();
    }
  printf ("ROW start-%s main_window_ms=%.1f directory_ms=%.1f contacts=%u rss_kb=%ld cpu_ms=%.1f\n", phase,
          mapped_ms, directory_ms,
          g_list_model_get_n_items (td_client_get_contacts (td_application_get_client (app))), rss_kb (),
          mapped_cpu_ms);
}

static void
run_cold (void)
{
  g_autofree char *password = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (opt_password_file, &password, NULL, &error))
    g_error ("%s", error->message);
  g_strchomp (password);
  td_application_login (app, opt_server, opt_user, password, FALSE);
  startup_rows ("cold");
  if (!wait_until (online_cond, NULL, WAIT_MS))
    g_error ("not online");
  /* Let the directory be saved in the cache for the warm start. */
  spin (500);
  if (!g_file_set_contents (opt_token_file, td_client_get_token (td_application_get_client (app)), -1, &error))
    g_error ("%s", error->message);
}

/* ---- search --------------------------------------------------------------- */

static void
send_key (GtkWidget *window, guint keyval)
{
  GdkEvent *event = gdk_event_new (GDK_KEY_PRESS);
  GdkSeat *seat = gdk_display_get_default_seat (gtk_widget_get_display (window));
  g_autofree GdkKeymapKey *keys = NULL;
  int n_keys = 0;

  event->key.window = g_object_ref (gtk_widget_get_window (window));
  event->key.send_event = TRUE;
  event->key.time = GDK_CURRENT_TIME;
  event->key.keyval = keyval;
  if (gdk_keymap_get_entries_for_keyval (gdk_keymap_get_for_display (gtk_widget_get_display (window)),
                                         keyval, &keys, &n_keys) && n_keys > 0)
    event->key.hardware_keycode = keys[0].keycode;
  gdk_event_set_device (event, gdk_seat_get_keyboard (seat));
  gtk_main_do_event (event);
  gdk_event_free (event);
}

static gboolean
search_painted_cond (gpointer data)
{
  return search_done_us > 0 && last_paint_us > search_done_us;
}

/* Types @text into the search box one key at a time, each after the
 * previous one's result was painted, then clears it.  GtkSearchEntry
 * waits 150 ms after a key before "search-changed": the stall is timed
 * from that signal to the next paint; key-to-paint includes the wait. */
static void
type_query (TdMainWindow *window, const char *text, const char *label)
{
  GtkWidget *entry = GTK_WIDGET (td_main_window_get_search_entry (window));
  g_autoptr(GArray) stall = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) handler = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) key_to_paint = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) stall_cpu = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *name = NULL;
  guint n_keys = strlen (text) + 1;

  gtk_widget_grab_focus (entry);
  for (guint i = 0; i < n_keys; i++)
    {
      gint64 key_us;
      double value;

      search_started_us = search_done_us = 0;
      key_us = g_get_monotonic_time ();
      /* The last key empties the box again (as Escape does). */
      if (i < n_keys - 1)
        send_key (GTK_WIDGET (window), gdk_unicode_to_keyval ((guchar) text[i]));
      else
        gtk_entry_set_text (GTK_ENTRY (entry), "");
      if (!wait_until (search_painted_cond, NULL, WAIT_MS))
        g_error ("the search did not finish");
      value = (last_paint_us - search_started_us) / 1000.0;
      g_array_append_val (stall, value);
      value = (search_done_us - search_started_us) / 1000.0;
      g_array_append_val (handler, value);
      value = (last_paint_us - key_us) / 1000.0;
      g_array_append_val (key_to_paint, value);
      value = (last_paint_cpu_us - search_started_cpu_us) / 1000.0;
      g_array_append_val (stall_cpu, value);
      spin (50);
    }
  name = g_strdup_printf ("%s-stall", label);
  print_stats (name, stall);
  g_free (name);
  name = g_strdup_printf ("%s-handler", label);
  print_stats (name, handler);
  g_free (name);
  name = g_strdup_printf ("%s-key-to-paint", label);
  print_stats (name, key_to_paint);
  g_free (name);
  name = g_strdup_printf ("%s-stall-cpu", label);
  print_stats (name, stall_cpu);
}

/* ---- chats ---------------------------------------------------------------- */

static double
open_chat (const char *peer, TdChatWindow **out)
{
  gint64 t0 = g_get_monotonic_time ();
  PaintWait wait = { NULL, paints };
  TdChatWindow *chat = td_application_open_chat (app, peer, TRUE);

  if (chat == NULL)
    g_error ("cannot open a chat with %s", peer);
  wait.window = GTK_WIDGET (chat);
  if (!wait_until (painted_cond, &wait, WAIT_MS))
    g_error ("the chat window did not paint");
  if (out != NULL)
    *out = chat;
  return ms_since (t0);
}

static GtkAdjustment *
history_adjustment (TdChatWindow *chat)
{
  GtkWidget *widget = GTK_WIDGET (td_chat_window_get_history (chat));

  while (widget != NULL && !GTK_IS_SCROLLED_WINDOW (widget))
    widget = gtk_widget_get_parent (widget);
  g_assert (widget != NULL);
  return gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (widget));
}

static guint
history_rows (TdChatWindow *chat)
{
  GList *children = gtk_container_get_children (GTK_CONTAINER (td_chat_window_get_history (chat)));
  guint n = g_list_length (children);

  g_list_free (children);
  return n;
}

typedef struct {
  TdChatWindow *chat;
  guint         rows;
  guint         paints;
} PageWait;

static gboolean
page_cond (gpointer data)
{
  PageWait *wait = data;

  return history_rows (wait->chat) > wait->rows && paints > wait->paints;
}

/* Scrolls to the top, as a user dragging the scroll bar up would, and
 * times until the older page is in the list and painted. */
static void
page_up (TdChatWindow *chat)
{
  g_autoptr(GArray) pages = g_array_new (FALSE, FALSE, sizeof (double));
  GtkAdjustment *adj = history_adjustment (chat);

  for (int i = 0; i < opt_pages; i++)
    {
      PageWait wait = { chat, history_rows (chat), paints };
      gint64 t0 = g_get_monotonic_time ();
      double value;

      gtk_adjustment_set_value (adj, gtk_adjustment_get_lower (adj));
      if (!wait_until (page_cond, &wait, 10000))
        {
          g_message ("page %d: no older messages appeared", i);
          break;
        }
      value = ms_since (t0);
      g_array_append_val (pages, value);
      /* The window keeps the position for 100 ms after a page. */
      spin (200);
    }
  print_stats ("history-page", pages);
  printf ("ROW history-rows rows=%u\n", history_rows (chat));
}

static void
run_warm (void)
{
  g_autofree char *token = NULL;
  g_autoptr(GError) error = NULL;
  GSettings *settings = td_application_get_settings (app);
  TdMainWindow *window;
  TdChatWindow *chat = NULL;
  gint64 t0;
  double open_ms;
  guint opened = 1;

  if (!g_file_get_contents (opt_token_file, &token, NULL, &error))
    g_error ("%s", error->message);
  /* A remembered session: the token is looked up (the in-memory fallback
   * here: no Secret Service in the bench's D-Bus session) and resumed. */
  g_settings_set_string (settings, "server-url", opt_server);
  g_settings_set_string (settings, "last-user", opt_user);
  g_settings_set_boolean (settings, "remember-me", TRUE);
  td_secret_store (opt_server, opt_user, token);
  g_application_activate (G_APPLICATION (app));
  startup_rows ("warm");
  t0 = g_get_monotonic_time ();
  if (!wait_until (online_cond, NULL, WAIT_MS))
    g_error ("not online");
  printf ("ROW online-after-main-window ms=%.1f\n", ms_since (t0));
  /* The session start re-sends the directory: let it settle. */
  spin (2000);
  printf ("ROW rss-main-window rss_kb=%ld\n", rss_kb ());

  window = td_application_get_main_window (app);
  type_query (window, opt_query, "search");

  open_ms = open_chat (opt_peer, &chat);
  printf ("ROW open-conversation ms=%.1f rows=%u rss_kb=%ld\n", open_ms, history_rows (chat), rss_kb ());
  spin (300);
  page_up (chat);
  printf ("ROW rss-1-chat rss_kb=%ld\n", rss_kb ());

  /* More windows: the other seeded peers u00002..., as a busy user has. */
  for (int i = 2; opened < (guint) opt_chats && i < opt_users; i++)
    {
      g_autofree char *peer = g_strdup_printf ("u%05d", i);

      if (g_strcmp0 (peer, opt_user) == 0 || g_strcmp0 (peer, opt_peer) == 0)
        continue;
      open_chat (peer, NULL);
      opened++;
    }
  spin (1000);
  printf ("ROW rss-%u-chats rss_kb=%ld\n", opened, rss_kb ());
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- time the Tidings desktop client");
  g_autoptr(GError) error = NULL;

  start_us = g_get_monotonic_time ();
  /* As td_application_new() does; the GTK option group below opens the
   * display before the application exists. */
  g_setenv ("GDK_GL", "disable", FALSE);
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gtk_get_option_group (TRUE));
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_phase == NULL || opt_server == NULL || opt_user == NULL || opt_profile == NULL
      || opt_token_file == NULL || (g_str_equal (opt_phase, "cold") && opt_password_file == NULL)
      || (g_str_equal (opt_phase, "warm") && opt_peer == NULL))
    {
      g_printerr ("usage: client-bench --phase cold|warm --server URL --user LOGIN --profile DIR "
                  "--token-file F [--password-file F] [--peer LOGIN]\n");
      return 2;
    }

  app = td_application_new (opt_profile);
  g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), NULL);
  if (!g_application_register (G_APPLICATION (app), NULL, &error))
    g_error ("%s", error->message);
  g_type_class_unref (g_type_class_ref (GTK_TYPE_SEARCH_ENTRY));
  g_signal_add_emission_hook (g_signal_lookup ("search-changed", GTK_TYPE_SEARCH_ENTRY), 0,
                              search_hook_cb, NULL, NULL);
  if (g_str_equal (opt_phase, "cold"))
    run_cold ();
  else
    run_warm ();
  fflush (stdout);
  /* Quit without tearing every window down: the process ends. */
  _exit (0);
}
