#!/bin/sh
# Runs the whole suite.  GUI tests (when present) run under Xvfb with a
# private D-Bus session through build-aux/xvfb-session; everything else
# needs nothing but loopback.
set -eu
builddir=$1
shift

ulimit -c 0 2>/dev/null || true

status=0
meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@" || status=$?

# A one-line summary that CI reads ("N passed, N failed").
if [ -f "$builddir/meson-logs/testlog.json" ]; then
    python3 - "$builddir/meson-logs/testlog.json" <<'PY'
import json, sys
ok = fail = skip = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"):
        ok += 1
    elif r == "SKIP":
        skip += 1
    else:
        fail += 1
print(f"{ok} passed, {fail} failed, {skip} skipped")
PY
fi
exit $status
