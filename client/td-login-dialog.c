/* td-login-dialog.c - the login window.  Validates only that the fields
 * are filled; what the server says comes back through set_error. */
#define G_LOG_DOMAIN "td-login-dialog"

#include "config.h"

#include <glib/gi18n.h>

#include "td-login-dialog.h"

struct _TdLoginDialog
{
  GtkApplicationWindow  parent_instance;

  GtkEntry             *server_entry;
  GtkEntry             *user_entry;
  GtkEntry             *password_entry;
  GtkCheckButton       *remember_check;
  GtkButton            *login_button;
  GtkSpinner           *spinner;
  GtkRevealer          *error_revealer;
  GtkLabel             *error_label;
  GtkGrid              *fields;
  GtkImage             *logo;
};

G_DEFINE_TYPE (TdLoginDialog, td_login_dialog, GTK_TYPE_APPLICATION_WINDOW)

enum {
  SIGNAL_SUBMIT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
is_filled (GtkEntry *entry)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_entry_get_text (entry)));

  return text[0] != '\0';
}

static void
fields_changed_cb (TdLoginDialog *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->login_button),
                            is_filled (self->server_entry) && is_filled (self->user_entry)
                            && gtk_entry_get_text_length (self->password_entry) > 0);
}

static void
submit_cb (TdLoginDialog *self)
{
  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->login_button)))
    {
      /* Enter in an empty field moves on to the next one. */
      if (!is_filled (self->server_entry))
        gtk_widget_grab_focus (GTK_WIDGET (self->server_entry));
      else if (!is_filled (self->user_entry))
        gtk_widget_grab_focus (GTK_WIDGET (self->user_entry));
      else
        gtk_widget_grab_focus (GTK_WIDGET (self->password_entry));
      return;
    }
  td_login_dialog_set_error (self, NULL);
  g_signal_emit (self, signals[SIGNAL_SUBMIT], 0);
}

static void
td_login_dialog_class_init (TdLoginDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  signals[SIGNAL_SUBMIT] =
    g_signal_new ("submit", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/tidings/Tidings/ui/td-login-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TdLoginDialog, server_entry);
  gtk_widget_class_bind_template_child (widget_class, TdLoginDialog, user_entry);
  gtk_widget_class_bind_template_child (widget_class, TdLoginDialog, password_entry);
  gtk_widget_class_bind_template_child (widget_class, TdLoginDialog, remember_check);
  gtk_widget_class_bind_template_child (widget_class, TdLoginDialog, login_button);
  gtk_widget_class_bind_template_child (widget_class, TdLoginDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, TdLoginDialog, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, TdLoginDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, TdLoginDialog, fields);
  gtk_widget_class_bind_template_child (widget_class, TdLoginDialog, logo);
  gtk_widget_class_bind_template_callback (widget_class, fields_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, submit_cb);
}

static void
td_login_dialog_init (TdLoginDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Uninstalled, the icon is not in the theme: no "missing image" logo. */
  if (!gtk_icon_theme_has_icon (gtk_icon_theme_get_default (), APP_ID))
    gtk_widget_hide (GTK_WIDGET (self->logo));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->server_entry)), _("Server"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->user_entry)), _("Login name"));
  atk_object_set_name (gtk_widget_get_accessible (GTK_WIDGET (self->password_entry)), _("Password"));
  fields_changed_cb (self);
}

TdLoginDialog *
td_login_dialog_new (GtkApplication *application,
                     const char     *server_url,
                     const char     *user,
                     gboolean        remember)
{
  TdLoginDialog *self = g_object_new (TD_TYPE_LOGIN_DIALOG, "application", application, NULL);

  gtk_entry_set_text (self->server_entry, server_url != NULL ? server_url : "");
  gtk_entry_set_text (self->user_entry, user != NULL ? user : "");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->remember_check), remember);
  /* Start where typing is needed. */
  if (!is_filled (self->server_entry))
    gtk_widget_grab_focus (GTK_WIDGET (self->server_entry));
  else if (!is_filled (self->user_entry))
    gtk_widget_grab_focus (GTK_WIDGET (self->user_entry));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->password_entry));
  return self;
}

const char *
td_login_dialog_get_server (TdLoginDialog *self)
{
  g_return_val_if_fail (TD_IS_LOGIN_DIALOG (self), NULL);
  return gtk_entry_get_text (self->server_entry);
}

const char *
td_login_dialog_get_user (TdLoginDialog *self)
{
  g_return_val_if_fail (TD_IS_LOGIN_DIALOG (self), NULL);
  return gtk_entry_get_text (self->user_entry);
}

const char *
td_login_dialog_get_password (TdLoginDialog *self)
{
  g_return_val_if_fail (TD_IS_LOGIN_DIALOG (self), NULL);
  return gtk_entry_get_text (self->password_entry);
}

gboolean
td_login_dialog_get_remember (TdLoginDialog *self)
{
  g_return_val_if_fail (TD_IS_LOGIN_DIALOG (self), FALSE);
  return gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->remember_check));
}

void
td_login_dialog_set_busy (TdLoginDialog *self,
                          gboolean       busy)
{
  g_return_if_fail (TD_IS_LOGIN_DIALOG (self));

  gtk_widget_set_sensitive (GTK_WIDGET (self->fields), !busy);
  if (busy)
    gtk_spinner_start (self->spinner);
  else
    gtk_spinner_stop (self->spinner);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  if (busy)
    gtk_widget_set_sensitive (GTK_WIDGET (self->login_button), FALSE);
  else
    fields_changed_cb (self);
}

void
td_login_dialog_set_error (TdLoginDialog *self,
                           const char    *message)
{
  g_return_if_fail (TD_IS_LOGIN_DIALOG (self));

  if (message != NULL)
    {
      gtk_label_set_text (self->error_label, message);
      gtk_entry_set_text (self->password_entry, "");
      gtk_widget_grab_focus (GTK_WIDGET (self->password_entry));
    }
  gtk_revealer_set_reveal_child (self->error_revealer, message != NULL);
}

const char *
td_login_dialog_get_error (TdLoginDialog *self)
{
  g_return_val_if_fail (TD_IS_LOGIN_DIALOG (self), NULL);

  return gtk_revealer_get_reveal_child (self->error_revealer) ? gtk_label_get_text (self->error_label) : NULL;
}
