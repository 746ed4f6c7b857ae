#!/bin/sh
# Runs a command under its own Xvfb display and private D-Bus session bus.
# Unlike `xvfb-run -a`, several of these can start at once without racing
# for a display number: Xvfb picks a free one and reports it on a pipe.
# Usage: xvfb-session.sh COMMAND [ARG...]
set -eu

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tidings-xvfb.XXXXXX")
cleanup() {
    [ -n "${xvfb_pid:-}" ] && kill "$xvfb_pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

mkfifo "$tmp/displayfd"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$tmp/displayfd" 2>"$tmp/xvfb.log" &
xvfb_pid=$!

# Bounded wait: Xvfb writes the display number once it accepts clients.
display=$(timeout 20 head -n 1 "$tmp/displayfd" || true)
if [ -z "$display" ]; then
    echo "xvfb-session: Xvfb did not start:" >&2
    cat "$tmp/xvfb.log" >&2
    exit 1
fi

export DISPLAY=":$display"
export XDG_RUNTIME_DIR="$tmp/runtime"
mkdir -m 700 "$XDG_RUNTIME_DIR"
unset DBUS_SESSION_BUS_ADDRESS

status=0
dbus-run-session -- "$@" || status=$?
exit $status
