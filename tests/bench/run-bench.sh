#!/bin/bash
# run-bench.sh - runs the Tidings benchmark workloads and prints a table.
#
#   tests/bench/run-bench.sh BUILD_DIR [USERS] [WORKLOADS...]
#
# Builds nothing: BUILD_DIR must hold server/tidingsd, server/tidingsctl,
# tests/bench/tidings-bench, tests/bench/bare-relay and tests/bench/bench-hash
# (ninja -C BUILD_DIR server/tidingsd server/tidingsctl tests/bench/tidings-bench
# tests/bench/bare-relay tests/bench/bench-hash), and sqlite3 must be installed.  USERS defaults to 1000.  DURATION (seconds
# measured per relay row, default 10) may be set in the environment.
# WORKLOADS default to: relay open1000 open5000 noack idle offline bare.
# Extra ones (see docs/benchmarks.md): burst, storm, fanout500, presence,
# push (both push rows), push1x1000, push1000x1.
# PARALLEL (default 8) is the number of logins in progress at a time in the
# ordinary rows; STORM_PARALLEL (default 256) the reconnects at once in
# "storm"; FANOUT_RATE (default 20) the room posts per second; SPREAD the
# seconds over which "presence" logs everyone in (default 60 s per 10,000).
#
# Users u00000... are imported once into a template data directory (the
# first 500 in department "Fanout", the rest in departments of 200, "Bench 001"...) and each logs in
# once with a password (argon2id, the server's capped pool); the tokens
# (and the directory version each login saw) and an API key are kept.
# Every workload then runs on a fresh copy of the template with a fresh
# tidingsd on 127.0.0.1, and logs in with tokens.
#
# The template is cached in BENCH_CACHE (default
# /var/tmp/tidings-bench-cache; BENCH_CACHE= turns the cache off), one per
# user count, directory and store schema (the CREATE statements in the
# tidingsd binary): 10,000 password logins take most of an hour, so only
# the first run pays.  A cached template is checked with one token login
# before use and made again if that fails.  Delete the cache after changing
# how tokens or passwords are stored, or to time the set-up.
# PERF=DIR records a perf call graph of tidingsd per workload into DIR.
set -euo pipefail

build=$(cd "${1:?usage: run-bench.sh BUILD_DIR [USERS] [WORKLOADS...]}" && pwd)
users=${2:-1000}
shift $(( $# >= 2 ? 2 : 1 ))
workloads=("$@")
[ ${#workloads[@]} -eq 0 ] && workloads=(relay open1000 open5000 noack idle offline bare)

tidingsd=$build/server/tidingsd
tidingsctl=$build/server/tidingsctl
bench=${BENCH:-$build/tests/bench/tidings-bench}
bare=${BARE:-$build/tests/bench/bare-relay}
for p in "$tidingsd" "$tidingsctl" "$bench" "$bare" "$build/tests/bench/bench-hash"; do
  [ -x "$p" ] || { echo "missing $p (build it first)" >&2; exit 2; }
done

# 10k connections on each side need more than the default 1024 fds;
# tidingsd inherits the limit from this shell.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "# fd limit: $(ulimit -n)" >&2

work=$(mktemp -d /tmp/tidings-bench-XXXXXX)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Every bench connection comes from 127.0.0.1: the per-address limits,
# which protect a real server from one abusive address, are lifted.
cat >"$work/tidingsd.conf" <<'CONF'
[limits]
max-connections-per-address=0
failed-logins-per-minute=0
CONF

start_server() { # data dir [port]
  rm -f "$1/port"
  "$tidingsd" --config "$work/tidingsd.conf" --listen "127.0.0.1:${2:-0}" --data-dir "$1" \
    --port-file "$1/port" 2>>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 300); do
    [ -s "$1/port" ] && break
    sleep 0.05
  done
  port=$(cat "$1/port")
  local lim
  lim=$(awk '/Max open files/ {print $4}' "/proc/$server_pid/limits")
  [ "$lim" -ge $((users + 100)) ] || echo "# warning: tidingsd fd limit is $lim" >&2
}

stop_server() {
  kill "$server_pid"
  wait "$server_pid" || true
  server_pid=
}

# The template: directory, passwords, one password login per user, an API
# key for the push rows.  Department "Fanout" (the first 500 users) has the
# room the fanout row posts to; everyone else is in departments of 200
# ("Bench 001"...), as in a company: every session start carries the
# member list of the user's department room, so one 9,500-person
# department would make each login read and send 9,500 logins.
printf 'bench password\n' > "$work/password"
python3 - "$users" > "$work/directory.json" <<'PY'
import json, sys
n = int(sys.argv[1])
dept = lambda i: "Fanout" if i < 500 else "Bench %03d" % ((i - 500) // 200 + 1)
names = sorted({dept(i) for i in range(n)})
print(json.dumps({"departments": [{"name": d} for d in names],
                  "users": [{"login": "u%05d" % i, "name": "Bench User %d" % i,
                             "department": dept(i), "title": "Load"} for i in range(n)]}))
PY

make_template() { # dir; an interrupted one is resumed (the bench saves tokens as it goes)
  if [ ! -s "$1/apikey" ]; then
    rm -rf "$1"
    mkdir -p "$1/data"
    "$tidingsctl" --data-dir "$1/data" import "$work/directory.json" \
      --default-password-file "$work/password" >/dev/null
    # The generated users get a minimum-cost argon2id hash of the same
    # password (bench-hash.c says why): their one password login each
    # then costs microseconds instead of ~0.25 s of the server's pool.
    sqlite3 "$1/data/tidings.db" \
      "UPDATE users SET password_hash = '$("$build/tests/bench/bench-hash" 'bench password')'"
    "$tidingsctl" --data-dir "$1/data" apikey create bench --scope reminders | tail -n 1 > "$1/apikey"
  fi
  start_server "$1/data"
  local t0
  t0=$(date +%s.%N)
  "$bench" --mode login --port "$port" --users "$users" --tokens "$1/tokens" >&2
  echo "# $users password logins: $(echo "$(date +%s.%N) - $t0" | bc) s" >&2
  stop_server
}

# One token login on a copy: does this tidingsd accept the cached template?
check_template() { # dir
  local data=$work/check ok=1
  rm -rf "$data"
  cp -a "$1/data" "$data"
  start_server "$data"
  "$bench" --mode idle --port "$port" --users 1 --tokens "$1/tokens" --parallel 1 \
    2>/dev/null | grep -q ' conns=1 .*failures=0' || ok=0
  stop_server
  rm -rf "$data"
  [ "$ok" = 1 ]
}

cache=${BENCH_CACHE-/var/tmp/tidings-bench-cache}
if [ -n "$cache" ]; then
  key=$( (cat "$work/directory.json"; strings -n 12 "$tidingsd" | grep -i 'create \(table\|index\)') | md5sum)
  template=$cache/users-$users-${key:0:12}
  if [ -d "$template" ] && ! check_template "$template"; then
    echo "# cached template $template refused by this tidingsd: making it again" >&2
    rm -rf "$template"
  fi
  if [ ! -d "$template" ]; then
    mkdir -p "$cache"
    make_template "$template.tmp"
    mv "$template.tmp" "$template"
  else
    echo "# using cached template $template" >&2
  fi
else
  template=$work/template
  make_template "$template"
fi
cp "$template/tokens" "$work/tokens"
apikey=$(cat "$template/apikey")

rows=$work/rows
: > "$rows"
run() { # label, bench args...
  local label=$1 data=$work/data-$1
  shift
  rm -rf "$data"
  cp -a "$template/data" "$data"
  start_server "$data"
  echo "# $label: tidings-bench $*" >&2
  # --parallel 8: tidingsd listens with GIO's default backlog of 10, so
  # more simultaneous connects overflow it and wait for SYN retransmits
  # (1, 3, 7 s...).  The "burst" workload shows that on purpose.
  local perf_pid=
  if [ -n "${PERF:-}" ]; then
    # PERF=DIR: a call-graph profile of tidingsd for each workload.
    perf record -q -g -p "$server_pid" -o "$PERF/perf-$label.data" >/dev/null 2>&1 &
    perf_pid=$!
  fi
  "$bench" --port "$port" --users "$users" --tokens "$work/tokens" --server-pid "$server_pid" \
    --label "$label" --parallel "${PARALLEL:-8}" "$@" | tee -a "$rows" >&2
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
  fi
  stop_server
  rm -rf "$data"
}

# The reconnect storm: the bench stops tidingsd (SIGTERM) once everyone is
# in; this starts it again on the same data directory and port and tells
# the bench its pid, then every client reconnects.
run_storm() { # label, bench args...
  local label=$1 data=$work/data-$1 bench_pid old_port
  shift
  rm -rf "$data"
  cp -a "$template/data" "$data"
  start_server "$data"
  old_port=$port
  rm -f "$work/restarted"
  echo "# $label: tidings-bench $*" >&2
  "$bench" --port "$port" --users "$users" --tokens "$work/tokens" --server-pid "$server_pid" \
    --label "$label" --restart-file "$work/restarted" "$@" > "$work/storm-row" &
  bench_pid=$!
  wait -n "$server_pid" "$bench_pid" || true
  if kill -0 "$bench_pid" 2>/dev/null; then
    # The server went (the bench is waiting): start its successor.
    start_server "$data" "$old_port"
    echo "$server_pid" > "$work/restarted"
    wait "$bench_pid" || true
  fi
  tee -a "$rows" < "$work/storm-row" >&2
  stop_server
  rm -rf "$data"
}

# The yardstick: the same bench against bare-relay (no store, no JSON
# library, no directory, no presence; a token is the login).
run_bare() { # label, bench args...
  local label=$1
  shift
  rm -f "$work/bare-port"
  "$bare" "$work/bare-port" &
  server_pid=$!
  for _ in $(seq 100); do [ -s "$work/bare-port" ] && break; sleep 0.05; done
  awk '{print $1, $1}' "$work/tokens" > "$work/bare-tokens"
  echo "# $label: tidings-bench $* (bare-relay)" >&2
  "$bench" --port "$(cat "$work/bare-port")" --users "$users" --tokens "$work/bare-tokens" \
    --server-pid "$server_pid" --label "$label" --parallel 8 "$@" | tee -a "$rows" >&2
  stop_server
}

for w in "${workloads[@]}"; do
  case $w in
    relay)     run relay-closed --mode relay --duration "${DURATION:-10}" ;;
    open*)     run "relay-open-${w#open}" --mode relay --rate "${w#open}" --duration "${DURATION:-10}" ;;
    noack)     run relay-closed-noack --mode relay --ack-every 0 --duration "${DURATION:-10}" ;;
    idle)      run idle --mode idle ;;
    burst)     run idle-burst256 --mode idle --parallel 256 ;;
    bare)      run_bare bare-closed --mode relay --duration "${DURATION:-10}"
               run_bare bare-open-1000 --mode relay --rate 1000 --duration "${DURATION:-10}"
               run_bare bare-open-5000 --mode relay --rate 5000 --duration "${DURATION:-10}"
               run_bare bare-idle --mode idle ;;
    offline)   run offline --mode offline --senders 100 --recipients 100 --messages 20000 ;;
    storm)     run_storm "storm-$users" --mode storm --parallel "${STORM_PARALLEL:-256}" ;;
    fanout500) run fanout500 --mode fanout --users $((users < 500 ? users : 500)) \
                 --rate "${FANOUT_RATE:-20}" --duration "${DURATION:-10}" ;;
    presence)  run "presence-$users" --mode presence \
                 --spread "${SPREAD:-$(echo "scale=1; 60 * $users / 10000" | bc)}" ;;
    push)      run push1x1000 --mode push --users $((users < 1000 ? users : 1000)) --api-key "$apikey" \
                 --push-batch 1000 --requests 10
               run push1000x1 --mode push --users $((users < 1000 ? users : 1000)) --api-key "$apikey" \
                 --push-batch 1 --requests 1000 ;;
    push1x1000) run push1x1000 --mode push --users $((users < 1000 ? users : 1000)) --api-key "$apikey" \
                 --push-batch 1000 --requests 10 ;;
    push1000x1) run push1000x1 --mode push --users $((users < 1000 ? users : 1000)) --api-key "$apikey" \
                 --push-batch 1 --requests 1000 ;;
    *) echo "unknown workload $w" >&2; exit 2 ;;
  esac
done

# The table: one line per ROW, columns picked from key=value pairs.
awk '
function v(k,   i, a) { for (i = 3; i <= NF; i++) { split($i, a, "="); if (a[1] == k) return a[2] } return "-" }
BEGIN { printf "%-18s %6s %8s %9s %8s %8s %8s %8s %8s %8s %8s %6s\n", "workload", "conns", "msgs", "msg/s",
        "p50 ms", "p99 ms", "p99.9 ms", "max ms", "srv us", "cli us", "B/conn", "undel" }
/^ROW / { printf "%-18s %6s %8s %9s %8s %8s %8s %8s %8s %8s %8s %6s\n", $2, v("conns"), v("msgs"), v("rate"),
          v("p50"), v("p99"), v("p999"), v("max"), v("srv_us"), v("cli_us"), v("bytes_per_conn"), v("undelivered") }
' "$rows"
