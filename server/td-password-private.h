/* td-password-private.h - test hooks of td-password.c.
 *
 * The async verifier counts how many hashes run at the same time so that
 * tests can check the cap of TD_PASSWORD_MAX_CONCURRENT really holds. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Highest number of verifications seen running at once since the last
 * reset. */
guint _td_password_get_max_running   (void);
void  _td_password_reset_max_running (void);

G_END_DECLS
