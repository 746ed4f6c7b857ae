/* td-preferences-dialog.c - preferences window.  Every control is bound to
 * a GSettings key; the application reacts to the keys, not to widgets. */
#define G_LOG_DOMAIN "td-preferences-dialog"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "td-preferences-dialog.h"

#define DESKTOP_FILE APP_ID ".desktop"

struct _TdPreferencesDialog
{
  GtkWindow  parent_instance;

  GSettings *settings;

  GtkSwitch *sounds_switch;
  GtkSwitch *notifications_switch;
  GtkSwitch *start_hidden_switch;
  GtkSwitch *autostart_switch;
  GtkEntry  *server_entry;
  GtkLabel  *autostart_error;
};

G_DEFINE_TYPE (TdPreferencesDialog, td_preferences_dialog, GTK_TYPE_WINDOW)

static GKeyFile *
load_installed_desktop_file (void)
{
  g_autoptr(GKeyFile) keyfile = g_key_file_new ();
  g_autofree char *path = g_build_filename ("applications", DESKTOP_FILE, NULL);

  if (g_key_file_load_from_data_dirs (keyfile, path, NULL,
                                      G_KEY_FILE_KEEP_COMMENTS | G_KEY_FILE_KEEP_TRANSLATIONS, NULL))
    return g_steal_pointer (&keyfile);

  /* Running uninstalled: a minimal entry that still starts the program. */
  g_key_file_set_string (keyfile, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_TYPE, "Application");
  g_key_file_set_string (keyfile, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_NAME, "Tidings");
  g_key_file_set_string (keyfile, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, "tidings");
  g_key_file_set_string (keyfile, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_ICON, APP_ID);
  return g_steal_pointer (&keyfile);
}

gboolean
td_preferences_dialog_write_autostart (gboolean   enabled,
                                       GError   **error)
{
  g_autofree char *dir = g_build_filename (g_get_user_config_dir (), "autostart", NULL);
  g_autofree char *path = g_build_filename (dir, DESKTOP_FILE, NULL);
  g_autoptr(GKeyFile) keyfile = NULL;
  g_autofree char *exec = NULL;
  g_autofree char *hidden_exec = NULL;

  if (!enabled)
    {
      if (g_unlink (path) != 0 && errno != ENOENT)
        {
          int saved = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       _("Could not remove %s: %s"), path, g_strerror (saved));
          return FALSE;
        }
      return TRUE;
    }

  keyfile = load_installed_desktop_file ();
  exec = g_key_file_get_string (keyfile, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, NULL);
  if (exec == NULL)
    exec = g_strdup ("tidings");
  /* Drop field codes such as %U: there is nothing to open at login. */
  if (strchr (exec, '%') != NULL)
    *strchr (exec, '%') = '\0';
  g_strchomp (exec);
  hidden_exec = strstr (exec, "--hidden") != NULL ? g_strdup (exec) : g_strconcat (exec, " --hidden", NULL);
  g_key_file_set_string (keyfile, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_EXEC, hidden_exec);
  g_key_file_set_boolean (keyfile, G_KEY_FILE_DESKTOP_GROUP, "X-GNOME-Autostart-enabled", TRUE);
  g_key_file_remove_key (keyfile, G_KEY_FILE_DESKTOP_GROUP, G_KEY_FILE_DESKTOP_KEY_HIDDEN, NULL);
  g_key_file_remove_key (keyfile, G_KEY_FILE_DESKTOP_GROUP, "DBusActivatable", NULL);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not create %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  return g_key_file_save_to_file (keyfile, path, error);
}

static void
autostart_changed_cb (TdPreferencesDialog *self)
{
  g_autoptr(GError) error = NULL;

  if (!td_preferences_dialog_write_autostart (g_settings_get_boolean (self->settings, "autostart"), &error))
    {
      gtk_label_set_text (self->autostart_error, error->message);
      gtk_widget_show (GTK_WIDGET (self->autostart_error));
      return;
    }
  gtk_widget_hide (GTK_WIDGET (self->autostart_error));
}

static void
td_preferences_dialog_dispose (GObject *object)
{
  TdPreferencesDialog *self = TD_PREFERENCES_DIALOG (object);

  g_clear_object (&self->settings);
  G_OBJECT_CLASS (td_preferences_dialog_parent_class)->dispose (object);
}

static void
td_preferences_dialog_class_init (TdPreferencesDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_preferences_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tidings/Tidings/ui/td-preferences-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesDialog, sounds_switch);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesDialog, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesDialog, start_hidden_switch);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesDialog, autostart_switch);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesDialog, server_entry);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesDialog, autostart_error);
}

static void
td_preferences_dialog_init (TdPreferencesDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->sounds_switch)), _("Play sounds"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->notifications_switch)),
                       _("Show notifications"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->start_hidden_switch)),
                       _("Start hidden in the tray"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->autostart_switch)),
                       _("Start at login"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->server_entry)), _("Server"));
}

TdPreferencesDialog *
td_preferences_dialog_new (GtkWindow *parent,
                           GSettings *settings)
{
  TdPreferencesDialog *self = g_object_new (TD_TYPE_PREFERENCES_DIALOG,
                                            "transient-for", parent, NULL);

  if (settings == NULL)
    {
      /* No schema installed: nothing can be saved, say so. */
      gtk_widget_set_sensitive (gtk_bin_get_child (GTK_BIN (self)), FALSE);
      return self;
    }
  self->settings = g_object_ref (settings);
  g_settings_bind (settings, "play-sounds", self->sounds_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "show-notifications", self->notifications_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "start-hidden", self->start_hidden_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "autostart", self->autostart_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "server-url", self->server_entry, "text", G_SETTINGS_BIND_DEFAULT);
  g_signal_connect_object (settings, "changed::autostart", G_CALLBACK (autostart_changed_cb), self,
                           G_CONNECT_SWAPPED);
  return self;
}
