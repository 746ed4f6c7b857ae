/* fuzz-directory.c - libFuzzer target for the directory import parser
 * (JSON and CSV, chosen by content): any bytes must be accepted or refused
 * with an error message, never crash, hang or leak. */
#define G_LOG_DOMAIN "fuzz-directory"

#include <stdint.h>

#include "td-directory-import.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  guint users = 0;

  if (!td_directory_parse ("fuzz", (const char *) data, size, &users, &error))
    {
      /* A refusal must say why. */
      if (error == NULL || error->message == NULL || error->message[0] == '\0')
        g_error ("refused without an error message");
    }
  else if (error != NULL)
    g_error ("accepted with an error set");
  return 0;
}
