#!/bin/sh
# Builds the server, the protocol module and the client core with
# AddressSanitizer and UndefinedBehaviorSanitizer (in $1, default
# _build-asan) and runs the unit tests and the adversarial integration tests
# against them, so that the servers those tests start are sanitized too.  The GUI
# is left out (-Dclient=false): GTK's own allocations drown the signal.
# Any ASan/UBSan report makes the program exit non-zero and the test fail.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
builddir=${1:-$src/_build-asan}

if [ ! -f "$builddir/build.ninja" ]; then
    meson setup "$builddir" "$src" -Dclient=false -Db_sanitize=address,undefined \
        -Db_lundef=false -Dbuildtype=debug >/dev/null
fi
meson compile -C "$builddir"

# The unit and fuzz tests, and the integration tests that feed the server
# hostile, concurrent or crashing input.  The others (cli, client, limits,
# ctl, faults, metrics) exercise the same server code paths with friendlier
# input and would add minutes to `make check`.
tests="proto store store-worker directory-import password contact-list fuzz-frame fuzz-directory
       server bad-input transport flood access groups api crash chaos"

# Leaks are checked by valgrind in build-aux/valgrind-smoke.sh, where the
# one known libsoup leak is suppressed by name; here they would fail every
# server.
TD_TEST_SANITIZED=1 ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:verify_asan_link_order=0 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    meson test -C "$builddir" --print-errorlogs --num-processes 2 \
        $tests
