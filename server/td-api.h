/* td-api.h - the integration HTTP API under /api/v1 (reminders,
 * broadcasts, bot messages), authenticated with API keys.  See
 * docs/integrations.md. */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _TdServer TdServer;

/* Largest request body accepted (413 above). */
#define TD_API_MAX_BODY   (64 * 1024)
/* Recipients listed in one request ("to" array). */
#define TD_API_MAX_TO     1000

/* Adds the /api/v1/reminders, /api/v1/broadcasts and /api/v1/messages
 * handlers to @http. */
void td_api_register (TdServer *server, SoupServer *http);

G_END_DECLS
