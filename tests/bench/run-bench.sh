#!/bin/bash
# run-bench.sh - runs the Tidings benchmark workloads and prints a table.
#
#   tests/bench/run-bench.sh BUILD_DIR [USERS] [WORKLOADS...]
#
# Builds nothing: BUILD_DIR must hold server/tidingsd, server/tidingsctl,
# tests/bench/tidings-bench and tests/bench/bare-relay (ninja -C BUILD_DIR
# server/tidingsd server/tidingsctl tests/bench/tidings-bench
# tests/bench/bare-relay).  USERS defaults to 1000.  DURATION (seconds
# measured per relay row, default 10) may be set in the environment.
# WORKLOADS default to: relay open1000 open5000 noack idle offline bare;
# "burst" (256 connects at once) is extra: it takes minutes while tidingsd
# listens with a backlog of 10.
#
# Users u00000... are imported once into a template data directory and each
# logs in once with a password (argon2id, the server's capped pool); the
# tokens are kept.  Every workload then runs on a fresh copy of the template
# with a fresh tidingsd on 127.0.0.1, and logs in with tokens.
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
for p in "$tidingsd" "$tidingsctl" "$bench" "$bare"; do
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

start_server() { # data dir
  rm -f "$1/port"
  "$tidingsd" --config "$work/tidingsd.conf" --listen 127.0.0.1:0 --data-dir "$1" \
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

# The template: directory, passwords, one password login per user.
template=$work/template
mkdir -p "$template"
printf 'bench password\n' > "$work/password"
python3 - "$users" > "$work/directory.json" <<'PY'
import json, sys
n = int(sys.argv[1])
print(json.dumps({"departments": [{"name": "Bench"}],
                  "users": [{"login": "u%05d" % i, "name": "Bench User %d" % i,
                             "department": "Bench", "title": "Load"} for i in range(n)]}))
PY
"$tidingsctl" --data-dir "$template" import "$work/directory.json" \
  --default-password-file "$work/password" >/dev/null
start_server "$template"
t0=$(date +%s.%N)
"$bench" --mode login --port "$port" --users "$users" --tokens "$work/tokens" >&2
echo "# $users password logins: $(echo "$(date +%s.%N) - $t0" | bc) s" >&2
stop_server

rows=$work/rows
: > "$rows"
run() { # label, bench args...
  local label=$1 data=$work/data-$1
  shift
  rm -rf "$data"
  cp -a "$template" "$data"
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
    --label "$label" --parallel 8 "$@" | tee -a "$rows" >&2
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid"
    wait "$perf_pid" || true
  fi
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
