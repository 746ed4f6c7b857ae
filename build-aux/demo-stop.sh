#!/bin/sh
# Stops what build-aux/demo.sh started: the demo tidingsd and, when they
# were started, the two desktop clients.  Used by `make demo-stop` and by
# demo.sh itself before it starts a new server.  Only processes recorded in
# pid files under the demo directory are signalled, and only if they still
# run the program the pid file was written for (a pid may have been reused).
set -eu

dir=${TIDINGS_DEMO_DIR:-/tmp/tidings-demo}

# is_running PID PROGRAM: true if PID is alive and runs PROGRAM.
is_running() {
    kill -0 "$1" 2>/dev/null || return 1
    if [ -r "/proc/$1/comm" ]; then
        [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ] || return 1
    fi
    return 0
}

# stop_pidfile FILE PROGRAM LABEL: SIGTERM, wait up to 15 s, then SIGKILL.
stop_pidfile() {
    pidfile=$1
    program=$2
    label=$3

    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile" 2>/dev/null || true)
    case $pid in
        ''|*[!0-9]*)
            rm -f "$pidfile"
            return 0
            ;;
    esac

    if ! is_running "$pid" "$program"; then
        rm -f "$pidfile"
        return 0
    fi

    echo "Stopping $label (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    # tidingsd commits what is queued before it exits; that takes well under
    # a second, but a loaded disk may be slow.
    i=0
    while [ $i -lt 75 ] && is_running "$pid" "$program"; do
        sleep 0.2
        i=$((i + 1))
    done
    if is_running "$pid" "$program"; then
        echo "$label (pid $pid) did not exit after 15 s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    stopped="$stopped $label"
}

if [ ! -d "$dir" ]; then
    echo "No demo directory at $dir; nothing to stop."
    exit 0
fi

stopped=""
stop_pidfile "$dir/client-alice.pid" tidings "desktop client (alice)"
stop_pidfile "$dir/client-bob.pid" tidings "desktop client (bob)"

stop_pidfile "$dir/tidingsd.pid" tidingsd "demo server"
rm -f "$dir/port"

if [ -z "$stopped" ]; then
    echo "No demo server is running."
fi
