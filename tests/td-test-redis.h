/* td-test-redis.h - a private redis-server for cluster tests.
 *
 * Each TdTestRedis is a real redis-server (no mock) on 127.0.0.1 with a
 * free port, without persistence (--save "" --appendonly no), so that a
 * restart comes back empty, as after a crash of an in-memory backplane.
 * It dies with the test process (PR_SET_PDEATHSIG) and every wait is
 * bounded; a missing redis-server aborts the test with a clear message.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TdTestRedis TdTestRedis;

/* Starts redis-server and waits (bounded) until it answers PING. */
TdTestRedis *td_test_redis_start    (void);
/* "redis://127.0.0.1:PORT", as tidingsd --redis takes it. */
const char  *td_test_redis_get_url  (TdTestRedis *self);
guint16      td_test_redis_get_port (TdTestRedis *self);
/* Stops the server (SIGTERM, then SIGKILL if it lingers) and waits for
 * it to exit; clients see their connections closed. */
void         td_test_redis_stop     (TdTestRedis *self);
/* Starts it again, empty, on the same port (stopping it first if it
 * runs), and waits until it answers. */
void         td_test_redis_restart  (TdTestRedis *self);
gboolean     td_test_redis_is_running (TdTestRedis *self);
/* Stops the server if it runs and frees everything. */
void         td_test_redis_free     (TdTestRedis *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdTestRedis, td_test_redis_free)

G_END_DECLS
