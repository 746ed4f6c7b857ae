/* main.c - the tidings desktop program: locale setup, then TdApplication. */
#define G_LOG_DOMAIN "tidings"

#include "config.h"

#include <locale.h>
#include <string.h>
#include <glib/gi18n.h>

#include "td-application.h"

/* The profile decides the application id, which must be known before
 * GApplication parses the options, so --profile is looked at here first. */
static const char *
find_profile (int    argc,
              char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        break;
      if (strcmp (argv[i], "--profile") == 0 && i + 1 < argc)
        return argv[i + 1];
      if (g_str_has_prefix (argv[i], "--profile="))
        return argv[i] + strlen ("--profile=");
    }
  return NULL;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(TdApplication) app = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = td_application_new (find_profile (argc, argv));
  return g_application_run (G_APPLICATION (app), argc, argv);
}
