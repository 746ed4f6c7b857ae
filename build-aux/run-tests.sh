#!/bin/sh
# Runs the whole suite: every meson test (GUI tests under Xvfb with a
# private D-Bus session through build-aux/xvfb-session.sh; the postgresql
# suite, every integration test again on a private PostgreSQL cluster the
# test starts itself; the cluster suite with its own redis-server), then
# the stages that need their own builds or tools:
#   fuzz       libFuzzer + ASan/UBSan on every fuzz target, 20 s each
#   valgrind   tidingsd through a short session under valgrind memcheck
#   sanitized  unit + integration suites against an ASan/UBSan build
# TD_QUICK=1 runs the meson tests only.  The last line is the summary CI
# reads: "N passed, N failed, N skipped".
set -eu
builddir=$1
shift
here=$(cd "$(dirname "$0")" && pwd)

ulimit -c 0 2>/dev/null || true

status=0
meson test -C "$builddir" --print-errorlogs --num-processes 2 "$@" || status=$?

summary() {
    python3 - "$1" <<'PY'
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
print(f"{ok} {fail} {skip}")
PY
}

if [ -f "$builddir/meson-logs/testlog.json" ]; then
    set -- $(summary "$builddir/meson-logs/testlog.json")
else
    set -- 0 1 0
fi
ok=$1 fail=$2 skip=$3

stage() {
    name=$1
    shift
    echo "== $name"
    started=$(date +%s)
    if "$@"; then
        echo "== $name passed in $(( $(date +%s) - started )) s"
        ok=$((ok + 1))
    else
        echo "== $name FAILED" >&2
        fail=$((fail + 1))
        status=1
    fi
}

if [ "${TD_QUICK:-0}" != 1 ]; then
    stage fuzz sh "$here/run-fuzz.sh" "$builddir" "${TD_FUZZ_SECONDS:-20}"
    stage valgrind sh "$here/valgrind-smoke.sh" "$builddir"
    stage sanitized sh "$here/run-sanitized.sh" "$(dirname "$builddir")/_build-asan"
fi

echo "$ok passed, $fail failed, $skip skipped"
exit $status
