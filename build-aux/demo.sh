#!/bin/sh
# Starts a Tidings demo on this machine: imports the demo company directory,
# runs tidingsd on 127.0.0.1:8470, has alice send bob a message with
# tidings-cli so you see it work, and prints how to carry on.  Run by
# `make demo` after the build: build-aux/demo.sh BUILDDIR.
#
# The data directory (TIDINGS_DEMO_DIR, default /tmp/tidings-demo) is kept
# between runs, so history survives; the import changes nothing the second
# time.  `make demo-stop` (build-aux/demo-stop.sh) stops the server.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 BUILDDIR" >&2
    exit 2
fi

builddir=$1
srcdir=$(cd "$(dirname "$0")/.." && pwd)
dir=${TIDINGS_DEMO_DIR:-/tmp/tidings-demo}
listen=127.0.0.1:8470

tidingsd=$builddir/server/tidingsd
tidingsctl=$builddir/server/tidingsctl
cli=$builddir/client/tidings-cli
desktop=$builddir/client/tidings
directory=$srcdir/data/demo-directory.json
password_file=$srcdir/data/demo-password.txt

# Paths as the user should type them: relative to the source tree when we
# are in it (that is where `make demo` runs), absolute otherwise.
if [ "$(pwd)" = "$srcdir" ]; then
    show_password_file=data/demo-password.txt
    show_directory=data/demo-directory.json
else
    show_password_file=$password_file
    show_directory=$directory
fi

die() {
    echo "demo: $*" >&2
    exit 1
}

for program in "$tidingsd" "$tidingsctl" "$cli"; do
    [ -x "$program" ] || die "$program is missing; build first (make build)"
done
for file in "$directory" "$password_file"; do
    [ -r "$file" ] || die "$file is missing"
done

# The directory holds password hashes and messages.  Under /tmp, refuse a
# directory someone else planted (or a symlink to one).
if [ -L "$dir" ]; then
    die "$dir is a symbolic link; remove it or set TIDINGS_DEMO_DIR"
fi
mkdir -p "$dir"
[ -O "$dir" ] || die "$dir belongs to another user; remove it or set TIDINGS_DEMO_DIR"
chmod 700 "$dir"

# A demo from an earlier run holds the port and the database: stop it.
if [ -f "$dir/tidingsd.pid" ] || [ -f "$dir/client-alice.pid" ] || [ -f "$dir/client-bob.pid" ]; then
    TIDINGS_DEMO_DIR=$dir sh "$srcdir/build-aux/demo-stop.sh"
fi

echo "== Importing $show_directory into $dir"
"$tidingsctl" --data-dir "$dir" import "$directory" --default-password-file "$password_file"

echo "== Starting tidingsd on $listen"
rm -f "$dir/port"
"$tidingsd" --listen "$listen" --data-dir "$dir" --port-file "$dir/port" \
    </dev/null >"$dir/tidingsd.log" 2>&1 &
server_pid=$!
echo "$server_pid" >"$dir/tidingsd.pid"

# Wait (at most 15 s) for the port file, which tidingsd writes once it
# listens; give up early if it exits.
i=0
while ! grep -q '^[0-9][0-9]*$' "$dir/port" 2>/dev/null; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        rm -f "$dir/tidingsd.pid"
        echo "demo: tidingsd exited during start-up; end of $dir/tidingsd.log:" >&2
        tail -n 20 "$dir/tidingsd.log" >&2
        echo "demo: if port ${listen#*:} is taken, see: ss -ltnp 'sport = :${listen#*:}'" >&2
        exit 1
    fi
    if [ $i -ge 75 ]; then
        echo "demo: tidingsd is not listening after 15 s; end of $dir/tidingsd.log:" >&2
        tail -n 20 "$dir/tidingsd.log" >&2
        TIDINGS_DEMO_DIR=$dir sh "$srcdir/build-aux/demo-stop.sh" >&2
        exit 1
    fi
    sleep 0.2
    i=$((i + 1))
done
port=$(head -n 1 "$dir/port")
url=http://127.0.0.1:$port

# A short conversation.  bob listens first; if alice's message is committed
# before bob has logged in, the server delivers it from bob's mailbox when
# he does, so the order of the two start-ups does not matter.
echo "== bob listens, alice sends"
text="你好 Bob, welcome to Tidings!"
"$cli" --server "$url" --user bob --password-file "$password_file" \
    listen --count 1 --timeout 10 </dev/null >"$dir/demo-bob.out" 2>&1 &
bob_pid=$!
sleep 1

alice_status=0
timeout 30 "$cli" --server "$url" --user alice --password-file "$password_file" \
    send bob "$text" </dev/null >"$dir/demo-alice.out" 2>&1 || alice_status=$?

# listen stops itself after --timeout 10; this bound only guards against a hang.
i=0
while kill -0 "$bob_pid" 2>/dev/null && [ $i -lt 75 ]; do
    sleep 0.2
    i=$((i + 1))
done
if kill -0 "$bob_pid" 2>/dev/null; then
    kill -TERM "$bob_pid" 2>/dev/null || true
fi
bob_status=0
wait "$bob_pid" || bob_status=$?

echo
echo "\$ tidings-cli --user alice send bob \"$text\"    (exit status $alice_status)"
cat "$dir/demo-alice.out"
echo
echo "\$ tidings-cli --user bob listen --count 1 --timeout 10    (exit status $bob_status)"
cat "$dir/demo-bob.out"
echo
rm -f "$dir/demo-alice.out" "$dir/demo-bob.out"

demo_ok=yes
if [ "$alice_status" -ne 0 ] || [ "$bob_status" -ne 0 ]; then
    demo_ok=no
    echo "demo: the scripted conversation failed (tidings-cli exit status: 1 runtime error," >&2
    echo "demo: 2 usage, 3 authentication failed, 4 timeout); see $dir/tidingsd.log" >&2
    echo >&2
fi

# A business system (an approval workflow) pushes a reminder to bob over the
# HTTP API with an API key.  The key is made once and kept in the demo
# directory; the idempotency key makes a second demo run post nothing new.
echo "== The approval workflow reminds bob (HTTP API, API key \"workflow\")"
keyfile=$dir/workflow.key
if [ ! -s "$keyfile" ]; then
    "$tidingsctl" --data-dir "$dir" apikey revoke workflow >/dev/null 2>&1 || true
    (umask 077 && "$tidingsctl" --data-dir "$dir" apikey create workflow \
        --scope reminders,broadcast | tail -n 1 >"$keyfile")
fi
reminder='{"to":"bob","title":"Travel request waiting for your approval",
"body":"Alice: Shanghai customer visit, 3 days","link":"https://flow.example.com/requests/4411",
"category":"approval","priority":"urgent","idempotency_key":"demo-approval-4411"}'
if ! curl -sS --max-time 10 -X POST "$url/api/v1/reminders" \
        -H "Authorization: Bearer $(cat "$keyfile")" -H 'Content-Type: application/json' \
        --data "$reminder"; then
    demo_ok=no
fi
echo
echo

# The GTK desktop client (built once it exists) needs an X or Wayland display.
clients=""
if [ -x "$desktop" ] && [ -n "${DISPLAY:-}" ]; then
    for user in alice bob; do
        mkdir -p "$dir/profile-$user"
        # Run from the build tree: the schema is compiled there, not installed.
        GSETTINGS_SCHEMA_DIR="$builddir/data" "$desktop" --profile "$dir/profile-$user" --server "$url" --user "$user" \
            --password-file "$password_file" </dev/null >"$dir/client-$user.log" 2>&1 &
        echo $! >"$dir/client-$user.pid"
    done
    clients=yes
elif [ -x "$desktop" ]; then
    echo "demo: the desktop client is built, but DISPLAY is not set: not starting it." >&2
    echo >&2
fi

cat <<EOF
Tidings demo server is running (pid $server_pid).

  Server URL:  $url   (WebSocket: ws://127.0.0.1:$port/ws)
  Users:       alice, bob and the others in $show_directory
  Password:    tidings-demo for every demo user (file $show_password_file)
  Data:        $dir (kept between demos)
  Server log:  $dir/tidingsd.log

Try, from this directory:

  $cli --server $url --user alice --password-file $show_password_file send bob "Hello"
  $cli --server $url --user bob --password-file $show_password_file listen --timeout 60
  $cli --server $url --user bob --password-file $show_password_file history alice --limit 10
  $cli --server $url --user alice --password-file $show_password_file who
  $cli --server $url --user bob --password-file $show_password_file reminders
  $cli --server $url --user alice --password-file $show_password_file groups
  $tidingsctl --data-dir $dir user list
  $tidingsctl --data-dir $dir broadcast --department "研发部 Engineering" "Release tonight" "Build freeze at 18:00"
  curl -X POST $url/api/v1/reminders -H "Authorization: Bearer \$(cat $dir/workflow.key)" \\
       -H 'Content-Type: application/json' -d '{"to":"alice","title":"Expense report due"}'

The HTTP API, webhooks and bots: docs/integrations.md.

EOF
if [ -n "$clients" ]; then
    echo "Two desktop clients were started, for alice and bob (logs: $dir/client-*.log)."
    echo
fi
echo "Stop the demo with: make demo-stop"

[ "$demo_ok" = yes ]
