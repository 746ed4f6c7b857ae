/* td-application.h - the Tidings desktop application: one TdClient, the
 * tray icon, alerts, the main window and one chat window per peer.
 *
 * Single instance per profile: the application id is org.tidings.Tidings
 * for the default profile and gets a suffix derived from the profile path
 * otherwise, so two profiles run side by side. */
#pragma once

#include <gtk/gtk.h>
#include "td-alerts.h"
#include "td-chat-window.h"
#include "td-client.h"
#include "td-main-window.h"
#include "td-tray.h"

G_BEGIN_DECLS

#define TD_TYPE_APPLICATION (td_application_get_type ())
G_DECLARE_FINAL_TYPE (TdApplication, td_application, TD, APPLICATION, GtkApplication)

/* @profile_dir: NULL for the default profile (user data dir/tidings). */
TdApplication *td_application_new              (const char *profile_dir);
/* The application id used for @profile_dir (NULL: the default one). */
char          *td_application_id_for_profile   (const char *profile_dir);

/* Logs in (as the login dialog does).  @remember: keep the session token
 * in the Secret Service. */
void           td_application_login            (TdApplication *self,
                                                const char    *server_url,
                                                const char    *user,
                                                const char    *password,
                                                gboolean       remember);
/* Opens (or raises) the chat with @peer; NULL if @peer is unknown. */
TdChatWindow  *td_application_open_chat        (TdApplication *self,
                                                const char    *peer,
                                                gboolean       focus_input);
TdChatWindow  *td_application_lookup_chat      (TdApplication *self,
                                                const char    *peer);

/* NULL before startup (client) or before login (main window). */
TdClient      *td_application_get_client       (TdApplication *self);
TdMainWindow  *td_application_get_main_window  (TdApplication *self);
TdTray        *td_application_get_tray         (TdApplication *self);
TdAlerts      *td_application_get_alerts       (TdApplication *self);
GSettings     *td_application_get_settings     (TdApplication *self);

G_END_DECLS
