/* td-fault-proxy.c - see td-fault-proxy.h. */
#define G_LOG_DOMAIN "td-fault-proxy"
#define _GNU_SOURCE  /* memmem */

#include <string.h>

#include "td-fault-proxy.h"

#define CHUNK 16384

typedef struct _Link Link;

/* One direction of one connection. */
typedef struct {
  Link          *link;
  GInputStream  *in;
  GOutputStream *out;
  gboolean       downstream;   /* server -> client */
  guint8         buf[CHUNK];
} Pump;

struct _Link {
  TdFaultProxy *proxy;
  GIOStream    *client;
  GIOStream    *server;
  GCancellable *cancel;
  Pump          up;
  Pump          down;
  guint         refs;          /* pumps still running */
  gboolean      closed;
};

struct _TdFaultProxy {
  GSocketService *service;
  guint16         port;
  guint16         upstream;
  char           *ws_url;
  char           *needle;
  GPtrArray      *links;       /* Link*, open */
  guint           cuts;
  guint           accepted;
};

static void pump_read (Pump *pump);

static void
link_close (Link *link)
{
  if (link->closed)
    return;
  link->closed = TRUE;
  g_cancellable_cancel (link->cancel);
  /* Closing the sockets makes both peers see the connection end at once,
   * as they would when a network path dies with a reset. */
  if (link->client)
    g_io_stream_close (link->client, NULL, NULL);
  if (link->server)
    g_io_stream_close (link->server, NULL, NULL);
  g_ptr_array_remove (link->proxy->links, link);
}

static void
link_unref (Link *link)
{
  if (--link->refs > 0)
    return;
  link_close (link);
  g_clear_object (&link->client);
  g_clear_object (&link->server);
  g_clear_object (&link->cancel);
  g_free (link);
}

static void
write_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pump *pump = user_data;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL) ||
      pump->link->closed)
    {
      link_close (pump->link);
      link_unref (pump->link);
      return;
    }
  pump_read (pump);
}

static gboolean
chunk_matches (TdFaultProxy *self, const guint8 *data, gsize len)
{
  gsize n;

  if (self->needle == NULL)
    return FALSE;
  n = strlen (self->needle);
  return n <= len && memmem (data, len, self->needle, n) != NULL;
}

static void
read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pump *pump = user_data;
  Link *link = pump->link;
  TdFaultProxy *self = link->proxy;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (n <= 0 || link->closed)
    {
      link_close (link);
      link_unref (link);
      return;
    }

  if (pump->downstream && chunk_matches (self, pump->buf, (gsize) n))
    {
      g_clear_pointer (&self->needle, g_free);
      self->cuts++;
      link_close (link);
      link_unref (link);
      return;
    }

  g_output_stream_write_all_async (pump->out, pump->buf, (gsize) n, G_PRIORITY_DEFAULT,
                                   link->cancel, write_cb, pump);
}

static void
pump_read (Pump *pump)
{
  g_input_stream_read_async (pump->in, pump->buf, sizeof pump->buf, G_PRIORITY_DEFAULT,
                             pump->link->cancel, read_cb, pump);
}

static void
connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Link *link = user_data;
  GSocketConnection *server;

  server = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, NULL);
  if (server == NULL || link->closed)
    {
      g_clear_object (&server);
      link_close (link);
      link_unref (link);
      return;
    }
  link->server = G_IO_STREAM (server);

  link->up.link = link;
  link->up.in = g_io_stream_get_input_stream (link->client);
  link->up.out = g_io_stream_get_output_stream (link->server);
  link->down.link = link;
  link->down.in = g_io_stream_get_input_stream (link->server);
  link->down.out = g_io_stream_get_output_stream (link->client);
  link->down.downstream = TRUE;
  link->refs = 2;            /* one per pump; the connect ref passes to "up" */
  pump_read (&link->up);
  pump_read (&link->down);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  TdFaultProxy *self = user_data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  Link *link = g_new0 (Link, 1);

  self->accepted++;
  link->proxy = self;
  link->client = G_IO_STREAM (g_object_ref (connection));
  link->cancel = g_cancellable_new ();
  link->refs = 1;
  g_ptr_array_add (self->links, link);
  g_socket_client_connect_to_host_async (client, "127.0.0.1", self->upstream, link->cancel,
                                         connected_cb, link);
  return TRUE;
}

TdFaultProxy *
td_fault_proxy_new (guint16 upstream_port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;
  TdFaultProxy *self = g_new0 (TdFaultProxy, 1);

  self->upstream = upstream_port;
  self->links = g_ptr_array_new ();
  self->service = g_socket_service_new ();
  g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                 &effective, &error);
  g_assert_no_error (error);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  self->ws_url = g_strdup_printf ("ws://127.0.0.1:%u/ws", self->port);
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_socket_service_start (self->service);
  return self;
}

void
td_fault_proxy_free (TdFaultProxy *self)
{
  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  td_fault_proxy_cut_all (self);
  /* Links free themselves once their pending operations report the
   * cancellation; give them the main context for that. */
  for (guint i = 0; i < 50 && g_main_context_iteration (NULL, FALSE); i++)
    ;
  g_clear_object (&self->service);
  g_ptr_array_unref (self->links);
  g_free (self->ws_url);
  g_free (self->needle);
  g_free (self);
}

guint16
td_fault_proxy_get_port (TdFaultProxy *self)
{
  return self->port;
}

const char *
td_fault_proxy_get_ws_url (TdFaultProxy *self)
{
  return self->ws_url;
}

void
td_fault_proxy_set_upstream (TdFaultProxy *self, guint16 upstream_port)
{
  self->upstream = upstream_port;
}

void
td_fault_proxy_cut_on (TdFaultProxy *self, const char *needle)
{
  g_free (self->needle);
  self->needle = g_strdup (needle);
}

void
td_fault_proxy_cut_all (TdFaultProxy *self)
{
  while (self->links->len > 0)
    {
      self->cuts++;
      link_close (g_ptr_array_index (self->links, self->links->len - 1));
    }
}

guint
td_fault_proxy_get_cuts (TdFaultProxy *self)
{
  return self->cuts;
}

guint
td_fault_proxy_get_accepted (TdFaultProxy *self)
{
  return self->accepted;
}
