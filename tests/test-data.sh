#!/bin/sh
# Checks the files in data/ and po/ that no C test touches: the systemd unit
# (systemd-analyze verify), the example configuration (tidingsd must accept
# it), the demo directory and password (what `make demo` relies on), the
# desktop client's desktop file, AppStream metadata, GSettings schema, icons
# and GtkBuilder files, the translations (msgfmt -c, complete, POTFILES
# complete) and the shell scripts (sh -n).
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
# well_formed FILE: XML well-formedness.  Python's parser, not xmllint:
# libxml2-utils is only a suggestion of the packages we install.
well_formed() {
    python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1"
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

# The template for several nodes on one host, verified as an instance.
template=$builddir/data/tidingsd@.service
if ! command -v systemd-analyze >/dev/null 2>&1; then
    skip "systemd-analyze verify accepts tidingsd@.service" "systemd-analyze not installed"
elif [ ! -f "$template" ] || grep -q '@[a-z_]*@' "$template"; then
    not_ok "systemd-analyze verify accepts tidingsd@.service (configured, substituted)"
else
    mkdir -p "$tmp/unit"
    sed "s|^ExecStart=[^ ]*/tidingsd |ExecStart=$tidingsd |" "$template" \
        >"$tmp/unit/tidingsd@node1.service"
    if systemd-analyze verify "$tmp/unit/tidingsd@node1.service" >"$tmp/verify-at.out" 2>&1 \
        && [ ! -s "$tmp/verify-at.out" ]; then
        ok "systemd-analyze verify accepts tidingsd@.service"
    else
        not_ok "systemd-analyze verify accepts tidingsd@.service"
        diag "$tmp/verify-at.out"
    fi
fi

# ---- load balancer examples (docs/deployment.md) ---------------------------

# Both examples name a certificate under /etc/ssl/tidings/; the checks load
# a throwaway self-signed one from the temporary directory instead.
make_cert() {
    mkdir -p "$tmp/tls"
    [ -f "$tmp/tls/chat.example.com.pem" ] && return 0
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=chat.example.com" \
        -keyout "$tmp/tls/chat.example.com.key" -out "$tmp/tls/chat.example.com.crt" \
        >"$tmp/openssl.out" 2>&1 || return 1
    # HAProxy takes certificate and key in one file, nginx in two.
    cat "$tmp/tls/chat.example.com.crt" "$tmp/tls/chat.example.com.key" \
        >"$tmp/tls/chat.example.com.pem"
}

haproxy_cfg=$srcdir/docs/examples/haproxy.cfg
if ! command -v haproxy >/dev/null 2>&1; then
    skip "haproxy -c accepts docs/examples/haproxy.cfg" "haproxy not installed"
    skip "haproxy -c refuses a misspelt keyword (control)" "haproxy not installed"
elif ! command -v openssl >/dev/null 2>&1 || ! make_cert; then
    not_ok "haproxy -c accepts docs/examples/haproxy.cfg (no test certificate)"
else
    sed "s|/etc/ssl/tidings/|$tmp/tls/|g" "$haproxy_cfg" >"$tmp/haproxy.cfg"
    # The example runs as user haproxy, which the package creates.
    if haproxy -c -f "$tmp/haproxy.cfg" >"$tmp/haproxy.out" 2>&1; then
        ok "haproxy -c accepts docs/examples/haproxy.cfg"
    else
        not_ok "haproxy -c accepts docs/examples/haproxy.cfg"
        diag "$tmp/haproxy.out"
    fi
    # Control: proves the check reads the file.
    sed 's/^    balance leastconn/    balanse leastconn/' "$tmp/haproxy.cfg" >"$tmp/haproxy-typo.cfg"
    if ! haproxy -c -f "$tmp/haproxy-typo.cfg" >"$tmp/haproxy-typo.out" 2>&1; then
        ok "haproxy -c refuses a misspelt keyword (control)"
    else
        not_ok "haproxy -c refuses a misspelt keyword (control)"
        diag "$tmp/haproxy-typo.out"
    fi
fi

nginx_conf=$srcdir/docs/examples/nginx-tidings.conf
# nginx-light installs the binary in /usr/sbin, often not in a user's PATH.
nginx=$(command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
if [ -z "$nginx" ]; then
    skip "nginx -t accepts docs/examples/nginx-tidings.conf" "nginx not installed"
    skip "nginx -t refuses a misspelt directive (control)" "nginx not installed"
elif ! command -v openssl >/dev/null 2>&1 || ! make_cert; then
    not_ok "nginx -t accepts docs/examples/nginx-tidings.conf (no test certificate)"
else
    # The example is a site file: wrap it in a minimal nginx.conf whose
    # every path (pid, logs, temporary files) is under a private prefix.
    mkdir -p "$tmp/nginx/logs"
    sed -e "s|/etc/ssl/tidings/chat.example.com.pem|$tmp/tls/chat.example.com.crt|" \
        -e "s|/etc/ssl/tidings/|$tmp/tls/|g" "$nginx_conf" >"$tmp/nginx/tidings.conf"
    sed 's/least_conn;/least_con;/' "$tmp/nginx/tidings.conf" >"$tmp/nginx/tidings-typo.conf"
    for site in tidings tidings-typo; do
        cat >"$tmp/nginx/$site-main.conf" <<EOF
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log;
events { }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    include $tmp/nginx/$site.conf;
}
EOF
    done
    if "$nginx" -t -q -e "$tmp/nginx/logs/error.log" -p "$tmp/nginx/" \
        -c "$tmp/nginx/tidings-main.conf" >"$tmp/nginx.out" 2>&1; then
        ok "nginx -t accepts docs/examples/nginx-tidings.conf"
    else
        not_ok "nginx -t accepts docs/examples/nginx-tidings.conf"
        diag "$tmp/nginx.out"
    fi
    if ! "$nginx" -t -q -e "$tmp/nginx/logs/error.log" -p "$tmp/nginx/" \
        -c "$tmp/nginx/tidings-typo-main.conf" >"$tmp/nginx-typo.out" 2>&1; then
        ok "nginx -t refuses a misspelt directive (control)"
    else
        not_ok "nginx -t refuses a misspelt directive (control)"
        diag "$tmp/nginx-typo.out"
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

# ---- desktop client data --------------------------------------------------

app_id=org.tidings.Tidings
desktop=$builddir/data/$app_id.desktop
metainfo=$builddir/data/$app_id.metainfo.xml

# The merged file (translations added by i18n.merge_file), as installed.
# desktop-file-validate exits 0 with hints; anything worse fails.
if [ ! -f "$desktop" ]; then
    not_ok "desktop-file-validate accepts data/$app_id.desktop (not built)"
elif desktop-file-validate "$desktop" >"$tmp/dfv.out" 2>&1 \
    && ! grep -qE '(error|warning):' "$tmp/dfv.out"; then
    ok "desktop-file-validate accepts data/$app_id.desktop"
    [ -s "$tmp/dfv.out" ] && diag "$tmp/dfv.out"
else
    not_ok "desktop-file-validate accepts data/$app_id.desktop"
    diag "$tmp/dfv.out"
fi

# Control: a misspelt key must be reported, or the check above proves nothing.
if [ -f "$desktop" ]; then
    { cat "$desktop"; printf 'Commnet=typo\n'; } >"$tmp/typo.desktop"
    if ! desktop-file-validate "$tmp/typo.desktop" >"$tmp/dfv-typo.out" 2>&1 \
        && grep -q 'Commnet' "$tmp/dfv-typo.out"; then
        ok "desktop-file-validate reports a misspelt key (control)"
    else
        not_ok "desktop-file-validate reports a misspelt key (control)"
        diag "$tmp/dfv-typo.out"
    fi
else
    not_ok "desktop-file-validate reports a misspelt key (control) (not built)"
fi

# What the desktop relies on: the icon the tray and the window use, no URL
# argument (the app takes none), notifications declared for GNOME's panel.
if [ -f "$desktop" ] \
    && grep -qx "Icon=$app_id" "$desktop" \
    && grep -qx 'Exec=tidings' "$desktop" \
    && grep -qx 'X-GNOME-UsesNotifications=true' "$desktop" \
    && grep -q '^Categories=.*InstantMessaging;' "$desktop"; then
    ok "desktop file has Icon, Exec, Categories and X-GNOME-UsesNotifications"
else
    not_ok "desktop file has Icon, Exec, Categories and X-GNOME-UsesNotifications"
fi

# merge_file took the translations from po/: a missing po_dir or an empty
# zh_CN.po would leave the English alone.
if [ -f "$desktop" ] && [ -f "$metainfo" ] \
    && grep -q '^Comment\[zh_CN\]=' "$desktop" \
    && grep -q '<summary xml:lang="zh_CN">' "$metainfo"; then
    ok "desktop file and metainfo carry the zh_CN translation"
else
    not_ok "desktop file and metainfo carry the zh_CN translation"
fi

# appstreamcli exits non-zero on errors and warnings; info and pedantic
# remarks are fine.  --no-net: the homepage URL is not fetched.
if ! command -v appstreamcli >/dev/null 2>&1; then
    skip "appstreamcli validate accepts data/$app_id.metainfo.xml" "appstreamcli not installed"
elif [ ! -f "$metainfo" ]; then
    not_ok "appstreamcli validate accepts data/$app_id.metainfo.xml (not built)"
elif appstreamcli validate --no-net "$metainfo" >"$tmp/as.out" 2>&1 \
    && ! grep -qE '^[EW]:' "$tmp/as.out"; then
    ok "appstreamcli validate accepts data/$app_id.metainfo.xml"
else
    not_ok "appstreamcli validate accepts data/$app_id.metainfo.xml"
    diag "$tmp/as.out"
fi

# The schema as shipped (--strict: unknown attributes and bad defaults are
# errors), with a control that proves the check reads data/.
schemas_src=$srcdir/data
if glib-compile-schemas --strict --dry-run "$schemas_src" >"$tmp/gcs.out" 2>&1; then
    ok "glib-compile-schemas --strict accepts data/*.gschema.xml"
else
    not_ok "glib-compile-schemas --strict accepts data/*.gschema.xml"
    diag "$tmp/gcs.out"
fi
mkdir -p "$tmp/schemas-typo"
sed 's|<default>5</default>|<default>500</default>|' "$schemas_src/$app_id.gschema.xml" \
    >"$tmp/schemas-typo/$app_id.gschema.xml"
if ! glib-compile-schemas --strict --dry-run "$tmp/schemas-typo" >"$tmp/gcs-typo.out" 2>&1; then
    ok "glib-compile-schemas refuses a default outside its range (control)"
else
    not_ok "glib-compile-schemas refuses a default outside its range (control)"
fi

# The schema compiled into the build directory (what the GUI tests use
# through GSETTINGS_SCHEMA_DIR) has every key the client reads, with the
# agreed types and defaults.
if [ ! -f "$builddir/data/gschemas.compiled" ]; then
    not_ok "compiled schema has the client's keys and defaults (not built)"
else
    GSETTINGS_SCHEMA_DIR=$builddir/data GSETTINGS_BACKEND=memory \
        gsettings list-recursively "$app_id" 2>&1 | sort >"$tmp/keys.out"
    cat >"$tmp/keys.expected" <<EOF
$app_id autostart false
$app_id idle-away-minutes uint32 5
$app_id last-user ''
$app_id muted false
$app_id play-sounds true
$app_id remember-me true
$app_id server-url ''
$app_id show-notifications true
$app_id start-hidden false
$app_id window-height 640
$app_id window-width 320
EOF
    if cmp -s "$tmp/keys.expected" "$tmp/keys.out" \
        && [ "$(GSETTINGS_SCHEMA_DIR=$builddir/data GSETTINGS_BACKEND=memory \
                gsettings range "$app_id" idle-away-minutes 2>&1 | tr '\n' ' ')" = "range u 1 120 " ]; then
        ok "compiled schema has the client's keys and defaults"
    else
        not_ok "compiled schema has the client's keys and defaults"
        diff "$tmp/keys.expected" "$tmp/keys.out" | sed 's/^/# /'
    fi
fi

# Icons: every icon name the code asks for exists, each SVG is well-formed
# and renders (gdk-pixbuf's SVG loader is librsvg, as GTK uses).
icon_dir=$srcdir/data/icons/hicolor
icons_ok=1
for name in $(sed -n 's/^#define TD_TRAY_ICON_NAME[A-Z_]* *"\([^"]*\)".*/\1/p' "$srcdir/client/td-tray.h") \
            "$app_id"; do
    if [ ! -f "$icon_dir/scalable/apps/$name.svg" ]; then
        icons_ok=0
        echo "# missing icon $name"
    fi
done
[ -f "$icon_dir/symbolic/apps/$app_id-symbolic.svg" ] || { icons_ok=0; echo "# missing $app_id-symbolic"; }
if [ $icons_ok = 1 ]; then
    ok "every icon name in client/td-tray.h and the desktop file has an SVG"
else
    not_ok "every icon name in client/td-tray.h and the desktop file has an SVG"
fi
for svg in "$icon_dir"/*/apps/*.svg; do
    [ -f "$svg" ] || continue
    name=${svg#"$srcdir"/}
    if ! well_formed "$svg" >"$tmp/svg.out" 2>&1; then
        not_ok "$name is well-formed"
        diag "$tmp/svg.out"
    elif ! command -v gdk-pixbuf-thumbnailer >/dev/null 2>&1; then
        skip "$name renders" "gdk-pixbuf-thumbnailer not installed"
    elif gdk-pixbuf-thumbnailer -s 48 "$svg" "$tmp/icon.png" >"$tmp/svg.out" 2>&1 \
        && [ -s "$tmp/icon.png" ]; then
        ok "$name renders"
    else
        not_ok "$name renders"
        diag "$tmp/svg.out"
    fi
    rm -f "$tmp/icon.png"
done

# GtkBuilder files.  gtk-builder-tool needs a display: run it under our own
# Xvfb.  It stands in a fake type for a <template>'s class, but cannot know
# our own widget types used inside one; it stops at the first error, so such
# a file is reported as skipped (well_formed still checks it, and the GUI tests
# load every template for real).
set -- "$srcdir"/client/ui/*.ui
if [ ! -f "$1" ]; then
    skip "gtk-builder-tool validate client/ui/*.ui" "no .ui files"
elif ! command -v Xvfb >/dev/null 2>&1 || ! command -v dbus-run-session >/dev/null 2>&1; then
    skip "gtk-builder-tool validate client/ui/*.ui" "Xvfb or dbus-run-session not installed"
else
    # One Xvfb for all files; each result lands in $tmp/ui/NAME.{rc,out}.
    mkdir -p "$tmp/ui"
    # shellcheck disable=SC2016 # expanded by the inner sh
    NO_AT_BRIDGE=1 "$srcdir/build-aux/xvfb-session.sh" sh -c '
        out=$1; shift
        for ui in "$@"; do
            base=$(basename "$ui")
            gtk-builder-tool validate "$ui" >"$out/$base.out" 2>&1
            echo $? >"$out/$base.rc"
        done' sh "$tmp/ui" "$@" >"$tmp/ui/session.out" 2>&1
    for ui in "$@"; do
        base=$(basename "$ui")
        if ! well_formed "$ui" >"$tmp/ui/wf.out" 2>&1; then
            not_ok "client/ui/$base is well-formed XML"
            diag "$tmp/ui/wf.out"
        elif [ ! -f "$tmp/ui/$base.rc" ]; then
            not_ok "gtk-builder-tool validate client/ui/$base (did not run)"
            diag "$tmp/ui/session.out"
        elif [ "$(cat "$tmp/ui/$base.rc")" = 0 ] && ! grep -q . "$tmp/ui/$base.out"; then
            ok "gtk-builder-tool validate client/ui/$base"
        elif grep -q "Invalid object type 'Td" "$tmp/ui/$base.out"; then
            skip "gtk-builder-tool validate client/ui/$base" \
                "$(head -n 1 "$tmp/ui/$base.out" | sed 's/^[^ ]* //'); left to the GUI tests"
        else
            not_ok "gtk-builder-tool validate client/ui/$base"
            diag "$tmp/ui/$base.out"
        fi
    done
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

# POTFILES, without comments and blank lines.
sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$srcdir/po/POTFILES" >"$tmp/potfiles"

missing=""
while read -r f; do
    [ -f "$srcdir/$f" ] || missing="$missing $f"
done <"$tmp/potfiles"
if [ -z "$missing" ]; then
    ok "every file in po/POTFILES exists"
else
    not_ok "every file in po/POTFILES exists"
    echo "# missing:$missing"
fi

# A file with translatable strings that POTFILES forgets never reaches a
# translator: every client file that marks a string, and the desktop data
# files, must be listed.
unlisted=""
for f in "$srcdir"/client/*.c "$srcdir"/client/*.h "$srcdir"/client/ui/*.ui \
         "$srcdir"/data/*.desktop.in "$srcdir"/data/*.metainfo.xml.in "$srcdir"/data/*.gschema.xml; do
    [ -f "$f" ] || continue
    rel=${f#"$srcdir"/}
    case $rel in
        data/*) ;;
        *) grep -qE '(\b(N?C?_|g_dngettext|ngettext|g_dpgettext2) ?\(|translatable="yes")' "$f" || continue ;;
    esac
    grep -qxF "$rel" "$tmp/potfiles" || unlisted="$unlisted $rel"
done
if [ -z "$unlisted" ]; then
    ok "po/POTFILES lists every file with translatable strings"
else
    not_ok "po/POTFILES lists every file with translatable strings"
    echo "# not listed:$unlisted"
fi

# Every string in the sources has a finished translation: extract the
# strings as `meson compile tidings-pot` does (the glib preset's keywords)
# and compare; fuzzy and untranslated entries fail too.
if (cd "$srcdir" && xgettext --from-code=UTF-8 --add-comments \
        --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
        --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
        -f "$tmp/potfiles" -o "$tmp/tidings.pot") >"$tmp/xgettext.out" 2>&1; then
    for lang in $langs; do
        if ! msgcmp -N "$srcdir/po/$lang.po" "$tmp/tidings.pot" >"$tmp/msgcmp.out" 2>&1; then
            not_ok "po/$lang.po has every string of the sources"
            diag "$tmp/msgcmp.out"
            echo "# run: meson compile -C BUILDDIR tidings-pot tidings-update-po, then translate"
        elif msgattrib --only-fuzzy "$srcdir/po/$lang.po" | grep -q '^msgid' \
            || msgattrib --untranslated "$srcdir/po/$lang.po" | grep -q '^msgid'; then
            not_ok "po/$lang.po has every string of the sources, translated"
            msgfmt --statistics -o /dev/null "$srcdir/po/$lang.po" 2>&1 | sed 's/^/# /'
        else
            ok "po/$lang.po has every string of the sources, translated"
        fi
    done
else
    not_ok "xgettext extracts the strings listed in po/POTFILES"
    diag "$tmp/xgettext.out"
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
