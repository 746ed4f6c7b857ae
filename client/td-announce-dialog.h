/* td-announce-dialog.h - an admin's "Announce…": title, message, an
 * optional link, everyone or one department, urgent or not.  Checked
 * with the protocol's own validators before it is sent, so the user sees
 * what is wrong next to what they typed. */
#pragma once

#include <gtk/gtk.h>
#include "td-client.h"

G_BEGIN_DECLS

#define TD_TYPE_ANNOUNCE_DIALOG (td_announce_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TdAnnounceDialog, td_announce_dialog, TD, ANNOUNCE_DIALOG, GtkWindow)

/* Closes itself once the server has taken the announcement, after
 * emitting "announced" (gint64 rid). */
TdAnnounceDialog *td_announce_dialog_new (GtkWindow *parent,
                                          TdClient  *client);

/* For tests: fill the form and press Announce. */
void        td_announce_dialog_fill   (TdAnnounceDialog *self,
                                       const char       *title,
                                       const char       *body,
                                       const char       *link,
                                       const char       *department,
                                       gboolean          urgent);
void        td_announce_dialog_submit (TdAnnounceDialog *self);
/* The error shown, "" if none. */
const char *td_announce_dialog_get_error (TdAnnounceDialog *self);

G_END_DECLS
