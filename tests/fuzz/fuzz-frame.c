/* fuzz-frame.c - libFuzzer target for td_frame_decode(): any input must be
 * decoded or refused without crashing, and whatever decodes must survive
 * encode -> decode with the same type and the same encoding. */
#define G_LOG_DOMAIN "fuzz-frame"

#include <stdint.h>
#include <string.h>

#include "td-proto.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(TdFrame) frame = NULL;
  g_autoptr(TdFrame) again = NULL;
  g_autofree char *req = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json2 = NULL;
  gsize len = 0;

  frame = td_frame_decode ((const char *) data, size, TD_PROTO_MAX_FRAME, &req, NULL);
  if (frame == NULL)
    return 0;
  json = td_frame_encode (frame, &len);
  again = td_frame_decode (json, len, TD_PROTO_MAX_SERVER_FRAME, NULL, NULL);
  if (again == NULL || td_frame_get_frame_type (again) != td_frame_get_frame_type (frame))
    g_error ("re-encoded frame does not decode to the same type: %s", json);
  json2 = td_frame_encode (again, NULL);
  if (strcmp (json, json2) != 0)
    g_error ("encoding is not stable: %s / %s", json, json2);
  return 0;
}
