/* fuzz-driver.c - replays a corpus through a libFuzzer target without
 * libFuzzer, so every checked-in crash case runs as an ordinary test.
 * Arguments: files or directories of inputs. */
#include <glib.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
run_path (const char *path, guint *count)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          run_path (child, count);
        }
    }
  else
    {
      g_autofree char *data = NULL;
      gsize len = 0;

      if (!g_file_get_contents (path, &data, &len, NULL))
        g_error ("cannot read %s", path);
      LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
      (*count)++;
    }
}

int
main (int argc, char **argv)
{
  guint count = 0;

  for (int i = 1; i < argc; i++)
    run_path (argv[i], &count);
  g_print ("replayed %u inputs\n", count);
  return count > 0 ? 0 : 1;
}
