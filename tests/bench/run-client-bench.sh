#!/bin/bash
# run-client-bench.sh - times the desktop client against a real tidingsd
# with a company-sized directory and a very long conversation.
#
#   tests/bench/run-client-bench.sh BUILD_DIR [USERS] [MESSAGES]
#
# Builds nothing: BUILD_DIR must hold tests/bench/client-bench,
# data/gschemas.compiled and server/tidingsd + server/tidingsctl
# (CLIENT_BENCH, TIDINGSD, TIDINGSCTL override the programs).  USERS (default 10000) people u00000... in 50 departments
# are imported with tidingsctl; the harness logs in as u00000.
#
# 1. cold: empty profile, password login (client-bench --phase cold);
# 2. the client's cache is seeded with MESSAGES (default 100000) messages
#    with u00001 and 200 with each of u00002...u00020, as the cache of a
#    user who has chatted for years looks (written straight into the
#    cache's SQLite file: see docs/benchmarks.md for why);
# 3. warm: the same profile, token login (client-bench --phase warm).
# Each phase runs under its own build-aux/xvfb-session.sh (Xvfb + D-Bus).
set -euo pipefail

build=$(cd "${1:?usage: run-client-bench.sh BUILD_DIR [USERS] [MESSAGES]}" && pwd)
users=${2:-10000}
messages=${3:-100000}
src=$(cd "$(dirname "$0")/../.." && pwd)
tidingsd=${TIDINGSD:-$build/server/tidingsd}
tidingsctl=${TIDINGSCTL:-$build/server/tidingsctl}
bench=${CLIENT_BENCH:-$build/tests/bench/client-bench}
for p in "$tidingsd" "$tidingsctl" "$bench"; do
  [ -x "$p" ] || { echo "missing $p (build it first)" >&2; exit 2; }
done

work=$(mktemp -d /tmp/tidings-client-bench-XXXXXX)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

printf 'bench password\n' > "$work/password"
/usr/bin/python3 - "$users" > "$work/directory.json" <<'PY'
import json, sys
n = int(sys.argv[1])
depts = ["Department %02d" % d for d in range(50)]
print(json.dumps({"departments": [{"name": d} for d in depts],
                  "users": [{"login": "u%05d" % i, "name": "Bench User %d" % i,
                             "department": depts[i % len(depts)], "title": "Clerk"}
                            for i in range(n)]}))
PY
mkdir -p "$work/data"
"$tidingsctl" --data-dir "$work/data" import "$work/directory.json" \
  --default-password-file "$work/password" >/dev/null
"$tidingsd" --listen 127.0.0.1:0 --data-dir "$work/data" --port-file "$work/data/port" \
  2>>"$work/server.log" &
server_pid=$!
for _ in $(seq 300); do [ -s "$work/data/port" ] && break; sleep 0.05; done
port=$(cat "$work/data/port")
url="ws://127.0.0.1:$port/ws"

export GSETTINGS_SCHEMA_DIR=$build/data GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1
common=(--server "$url" --user u00000 --profile "$work/profile" --token-file "$work/token"
        --users "$((users - 1))")
# A desktop session has an unlocked Secret Service (where the client keeps
# its session token); without one D-Bus would start gnome-keyring on the
# first lookup, which then waits for an unlock prompt nobody answers.
export XDG_DATA_HOME=$work/xdg-data
phase() {
  # The start time is taken just before the harness is exec'd.
  ${PHASE_WRAP:-} "$src/build-aux/xvfb-session.sh" /bin/sh -c \
    'printf bench | gnome-keyring-daemon --daemonize --unlock --components=secrets >/dev/null
     exec "$0" --start-us "$(date +%s%6N)" "$@"' "$bench" "$@" 2> >(grep -v "fd limit" >&2) |
    tee -a "$work/rows"
}

phase --phase cold --password-file "$work/password" "${common[@]}"

cache=$work/profile/127.0.0.1_$port/u00000/cache.db
/usr/bin/python3 - "$cache" "$messages" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
rows = []
mid = 0
t0 = 1_700_000_000_000
def add(peer, count):
    global mid
    for i in range(count):
        mid += 1
        own = i % 3 == 0
        sender, recipient = ("u00000", peer) if own else (peer, "u00000")
        text = "Message %d about the quarterly figures, see the attached notes" % i
        # state 2 = SENT (own), 0 = RECEIVED
        rows.append((peer, mid, "bench-%d" % mid, sender, recipient, text, t0 + mid * 1000,
                     2 if own else 0))
add("u00001", n)
for p in range(2, 21):
    add("u%05d" % p, 200)
with db:
    db.executemany("INSERT INTO messages (peer, mid, id, sender, recipient, text, time, state) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
db.close()
PY

phase --phase warm --peer u00001 "${common[@]}"
[ -z "${KEEP_SERVER_LOG:-}" ] || cp "$work/server.log" "$KEEP_SERVER_LOG"
