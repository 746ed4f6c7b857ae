/* td-login-dialog.h - server URL, login name, password, "Remember me".
 * Emits "submit" when the user asks to log in; the application runs the
 * login and reports back with set_busy / set_error. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TD_TYPE_LOGIN_DIALOG (td_login_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TdLoginDialog, td_login_dialog, TD, LOGIN_DIALOG, GtkApplicationWindow)

TdLoginDialog *td_login_dialog_new          (GtkApplication *application,
                                             const char     *server_url,
                                             const char     *user,
                                             gboolean        remember);
const char    *td_login_dialog_get_server   (TdLoginDialog *self);
const char    *td_login_dialog_get_user     (TdLoginDialog *self);
const char    *td_login_dialog_get_password (TdLoginDialog *self);
gboolean       td_login_dialog_get_remember (TdLoginDialog *self);
void           td_login_dialog_set_busy     (TdLoginDialog *self,
                                             gboolean       busy);
/* @message: shown inline under the fields; NULL hides it. */
void           td_login_dialog_set_error    (TdLoginDialog *self,
                                             const char    *message);
/* The error shown, or NULL (for tests). */
const char    *td_login_dialog_get_error    (TdLoginDialog *self);

G_END_DECLS
