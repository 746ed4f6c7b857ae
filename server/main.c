/* main.c - tidingsd, the Tidings server. */
#define G_LOG_DOMAIN "tidingsd"

#include "config.h"

#include <glib-unix.h>
#include <locale.h>

#include "td-server.h"

typedef struct {
  GMainLoop *loop;
  TdServer  *server;
} App;

static gboolean
quit_cb (gpointer user_data)
{
  App *app = user_data;

  g_message ("shutting down");
  g_main_loop_quit (app->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
hup_cb (gpointer user_data)
{
  App *app = user_data;
  g_autoptr(GError) error = NULL;

  g_message ("reloading the directory");
  td_server_reload_directory (app->server);
  if (!td_server_reload_certificate (app->server, &error))
    g_warning ("%s", error->message);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  g_autoptr(TdConfig) config = td_config_new ();
  g_autoptr(TdServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  App app;

  setlocale (LC_ALL, "");

  if (!td_config_load (config, &argc, &argv, &error))
    {
      g_printerr ("tidingsd: %s\n", error->message);
      return 2;
    }
  if (config->verbose)
    g_log_set_debug_enabled (TRUE);

  server = td_server_new (g_steal_pointer (&config));
  loop = g_main_loop_new (NULL, FALSE);
  app.loop = loop;
  app.server = server;
  /* Before the start: once the port file exists (written by the start), a
   * SIGTERM must stop the server cleanly, not kill it with the default
   * action.  One arriving during the start is handled when the loop runs. */
  g_unix_signal_add (SIGTERM, quit_cb, &app);
  g_unix_signal_add (SIGINT, quit_cb, &app);
  g_unix_signal_add (SIGHUP, hup_cb, &app);

  if (!td_server_start (server, &error))
    {
      g_printerr ("tidingsd: %s\n", error->message);
      return 1;
    }

  g_main_loop_run (loop);
  td_server_stop (server);
  return 0;
}
