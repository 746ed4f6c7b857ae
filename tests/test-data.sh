#!/bin/sh
# Checks the files in data/ and po/ that no C test touches: the systemd unit
# (systemd-analyze verify), the example configuration (tidingsd must accept
# it), the demo directory and password (what `make demo` relies on), the
# translations (msgfmt -c) and the shell scripts (sh -n).
# Prints TAP.  Usage: test-data.sh SRCDIR BUILDDIR (tests/meson.build passes
# both; TIDINGSD and TIDINGSCTL come from the test environment).
set -u

srcdir=$1
builddir=$2
tidingsd=${TIDINGSD:-$builddir/server/tidingsd}
tidingsctl=${TIDINGSCTL:-$builddir/server/tidingsctl}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tidings-test-data.XXXXXX")
server_pid=""
# shellcheck disable=SC2317 # called through trap
cleanup() {
    if [ -n "$server_pid" ]; then
        kill -KILL "$server_pid" 2>/dev/null
    fi
    if [ -z "${TD_TEST_KEEP:-}" ]; then
        rm -rf "$tmp"
    else
        echo "# kept $tmp"
    fi
}
trap cleanup EXIT
# meson sends SIGTERM on timeout: exit through the EXIT trap.
trap 'exit 1' HUP INT TERM

n=0
failed=0
ok() {
    n=$((n + 1))
    echo "ok $n - $1"
}
not_ok() {
    n=$((n + 1))
    failed=1
    echo "not ok $n - $1"
}
skip() {
    n=$((n + 1))
    echo "ok $n - $1 # SKIP $2"
}
# diag FILE: shows FILE as TAP diagnostics.
diag() {
    sed 's/^/# /' "$1"
}

# run_server NAME CONFIG: starts tidingsd with CONFIG on a free loopback
# port and a private data directory, waits (at most 20 s) for it to listen,
# stops it with SIGTERM and waits (at most 20 s).  Returns 0 only if it
# listened and then exited with status 0.  Its log is $tmp/NAME.log.
run_server() {
    name=$1
    config=$2
    rm -f "$tmp/$name.port"
    "$tidingsd" --config "$config" --data-dir "$tmp/$name-data" --listen 127.0.0.1:0 \
        --port-file "$tmp/$name.port" </dev/null >"$tmp/$name.log" 2>&1 &
    server_pid=$!
    i=0
    while ! grep -q '^[0-9][0-9]*$' "$tmp/$name.port" 2>/dev/null; do
        if ! kill -0 "$server_pid" 2>/dev/null || [ $i -ge 100 ]; then
            kill -KILL "$server_pid" 2>/dev/null
            wait "$server_pid" 2>/dev/null
            server_pid=""
            return 1
        fi
        sleep 0.2
        i=$((i + 1))
    done
    kill -TERM "$server_pid"
    i=0
    while kill -0 "$server_pid" 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.2
        i=$((i + 1))
    done
    if kill -0 "$server_pid" 2>/dev/null; then
        kill -KILL "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
        server_pid=""
        return 1
    fi
    status=0
    wait "$server_pid" || status=$?
    server_pid=""
    [ "$status" -eq 0 ]
}

# ---- systemd unit ----------------------------------------------------------

unit=$builddir/data/tidingsd.service
if [ ! -f "$unit" ]; then
    not_ok "configured unit $unit exists"
elif grep -q '@[a-z_]*@' "$unit"; then
    not_ok "unit has every @variable@ substituted"
    grep -n '@[a-z_]*@' "$unit" | sed 's/^/# /'
else
    ok "unit has every @variable@ substituted"
fi

if ! command -v systemd-analyze >/dev/null 2>&1; then
    skip "systemd-analyze verify accepts the unit" "systemd-analyze not installed"
    skip "systemd-analyze reports a misspelt key (control)" "systemd-analyze not installed"
elif [ ! -f "$unit" ]; then
    not_ok "systemd-analyze verify accepts the unit"
    not_ok "systemd-analyze reports a misspelt key (control)"
else
    # The installed binary path does not exist in a build tree, and verify
    # rejects an ExecStart= that is not executable; point it at the built
    # tidingsd and change nothing else.  verify exits 0 even for unknown
    # keys and bad values (it "ignores" them), so any output is a failure.
    mkdir -p "$tmp/unit"
    sed "s|^ExecStart=[^ ]*/tidingsd |ExecStart=$tidingsd |" "$unit" >"$tmp/unit/tidingsd.service"
    if systemd-analyze verify "$tmp/unit/tidingsd.service" >"$tmp/verify.out" 2>&1 \
        && [ ! -s "$tmp/verify.out" ]; then
        ok "systemd-analyze verify accepts the unit"
    else
        not_ok "systemd-analyze verify accepts the unit"
        diag "$tmp/verify.out"
    fi

    # Without this control the check above could pass on a machine where
    # verify says nothing at all.
    { cat "$tmp/unit/tidingsd.service"; printf '[Service]\nProtectHmoe=yes\n'; } \
        >"$tmp/unit/tidingsd-typo.service"
    systemd-analyze verify "$tmp/unit/tidingsd-typo.service" >"$tmp/verify-typo.out" 2>&1
    if grep -q 'ProtectHmoe' "$tmp/verify-typo.out"; then
        ok "systemd-analyze reports a misspelt key (control)"
    else
        not_ok "systemd-analyze reports a misspelt key (control)"
        diag "$tmp/verify-typo.out"
    fi
fi

# ---- example configuration -------------------------------------------------

example=$srcdir/data/tidingsd.conf.example
# The command line overrides data-dir and listen from the file, but
# tidingsd still parses and validates every key of the file first.
if run_server example "$example"; then
    ok "tidingsd starts and stops cleanly with tidingsd.conf.example"
else
    not_ok "tidingsd starts and stops cleanly with tidingsd.conf.example"
    diag "$tmp/example.log"
fi

# Control: proves the check above reads the file (tidingsd refuses unknown
# keys and names them), so a broken example would fail it.
{ cat "$example"; printf '\n[server]\ntoken-dayz=30\n'; } >"$tmp/typo.conf"
if ! run_server typo "$tmp/typo.conf" && grep -q 'token-dayz' "$tmp/typo.log"; then
    ok "tidingsd refuses the example with a misspelt key (control)"
else
    not_ok "tidingsd refuses the example with a misspelt key (control)"
    diag "$tmp/typo.log"
fi

# ---- demo directory and password -------------------------------------------

demo_dir=$srcdir/data/demo-directory.json
demo_password=$srcdir/data/demo-password.txt
# README.md, docs/admin.md and build-aux/demo.sh all print this password.
if [ -f "$demo_password" ] && [ "$(head -n 1 "$demo_password")" = tidings-demo ]; then
    ok "data/demo-password.txt holds the documented password"
else
    not_ok "data/demo-password.txt holds the documented password"
fi

if "$tidingsctl" --data-dir "$tmp/demo-data" import "$demo_dir" \
        --default-password-file "$demo_password" >"$tmp/import1.out" 2>&1 \
    && "$tidingsctl" --data-dir "$tmp/demo-data" import "$demo_dir" \
        --default-password-file "$demo_password" >"$tmp/import2.out" 2>&1; then
    ok "demo directory imports, twice"
else
    not_ok "demo directory imports, twice"
    diag "$tmp/import1.out"
    [ -f "$tmp/import2.out" ] && diag "$tmp/import2.out"
fi

# The scripted conversation in build-aux/demo.sh needs alice and bob.
if "$tidingsctl" --data-dir "$tmp/demo-data" user list --json >"$tmp/users.json" 2>&1 \
    && grep -q '"alice"' "$tmp/users.json" && grep -q '"bob"' "$tmp/users.json"; then
    ok "demo directory has alice and bob"
else
    not_ok "demo directory has alice and bob"
    diag "$tmp/users.json"
fi

# ---- translations ----------------------------------------------------------

langs=$(sed 's/#.*//' "$srcdir/po/LINGUAS" 2>/dev/null | tr -s ' \n' '  ')
if [ -z "$(echo "$langs" | tr -d ' ')" ]; then
    skip "msgfmt -c on every translation" "po/LINGUAS lists no language yet"
else
    for lang in $langs; do
        if msgfmt -c --check-format -o /dev/null "$srcdir/po/$lang.po" >"$tmp/msgfmt.out" 2>&1; then
            ok "msgfmt -c po/$lang.po"
        else
            not_ok "msgfmt -c po/$lang.po"
            diag "$tmp/msgfmt.out"
        fi
    done
fi

# ---- shell scripts ---------------------------------------------------------

for script in "$srcdir"/build-aux/*.sh "$srcdir"/tests/*.sh; do
    [ -f "$script" ] || continue
    name=${script#"$srcdir"/}
    if sh -n "$script" >"$tmp/sh.out" 2>&1; then
        ok "sh -n $name"
    else
        not_ok "sh -n $name"
        diag "$tmp/sh.out"
    fi
done

echo "1..$n"
exit $failed
