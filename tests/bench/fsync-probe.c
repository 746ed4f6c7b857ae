/* fsync-probe.c - the disk's yardstick: how long one durable commit takes.
 *
 *   fsync-probe DIR [COUNT]
 *
 * Appends 8 KiB (about what one small SQLite WAL commit writes: a few
 * pages and their frame headers) to a file in DIR and fdatasync()s it,
 * COUNT times (default 2000), one after the other, and prints the latency
 * percentiles.  Every message tidingsd acknowledges waits for such a
 * commit (WAL, synchronous=FULL), so no server on this disk can show a
 * send-to-delivery p99 below this probe's p99: docs/benchmarks.md compares
 * the two the way it compares CPU with bare-relay. */

#include <glib.h>
#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
compare_u64 (gconstpointer a, gconstpointer b)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

/* Milliseconds at percentile @p of sorted microseconds. */
static double
pct_ms (GArray *v, double p)
{
  guint i = (guint) (p * (v->len - 1));

  return g_array_index (v, guint64, i) / 1000.0;
}

int
main (int argc, char **argv)
{
  g_autofree char *path = NULL;
  g_autoptr(GArray) lat = NULL;
  guint count;
  char block[8192];
  int fd;

  if (argc < 2)
    {
      fprintf (stderr, "usage: fsync-probe DIR [COUNT]\n");
      return 2;
    }
  count = argc > 2 ? (guint) strtoul (argv[2], NULL, 10) : 2000;
  if (count == 0)
    count = 1;
  path = g_build_filename (argv[1], "fsync-probe.tmp", NULL);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      fprintf (stderr, "fsync-probe: %s: %s\n", path, g_strerror (errno));
      return 1;
    }
  memset (block, 'w', sizeof block);
  lat = g_array_sized_new (FALSE, FALSE, sizeof (guint64), count);
  for (guint i = 0; i < count; i++)
    {
      gint64 t0 = g_get_monotonic_time ();
      guint64 us;

      if (write (fd, block, sizeof block) != (ssize_t) sizeof block || fdatasync (fd) != 0)
        {
          fprintf (stderr, "fsync-probe: %s\n", g_strerror (errno));
          close (fd);
          g_unlink (path);
          return 1;
        }
      us = (guint64) (g_get_monotonic_time () - t0);
      g_array_append_val (lat, us);
    }
  close (fd);
  g_unlink (path);
  g_array_sort (lat, compare_u64);
  printf ("ROW fsync-probe commits=%u p50=%.3f p99=%.3f p999=%.3f max=%.3f (ms per 8 KiB write + fdatasync)\n",
          count, pct_ms (lat, 0.50), pct_ms (lat, 0.99), pct_ms (lat, 0.999), pct_ms (lat, 1.0));
  return 0;
}
