#!/bin/sh
# Installs, with apt-get, every Debian 12 package that building, testing and
# running the demo need.  Only what is missing is installed, so a second run
# costs one dpkg-query.  Used by `make demo` and `make check`.
set -eu

PACKAGES="
build-essential pkg-config meson ninja-build gettext
libglib2.0-dev libsoup-3.0-dev libjson-glib-dev libsqlite3-dev libwslay-dev
libsodium-dev
libgtk-3-dev libcanberra-gtk3-dev libnotify-dev libayatana-appindicator3-dev
libsecret-1-dev
libpq-dev libhiredis-dev
sqlite3 curl python3 python3-gi
xvfb xauth dbus dbus-x11 at-spi2-core gnome-keyring
python3-dbusmock dunst libnotify-bin imagemagick fonts-wqy-microhei
sound-theme-freedesktop alsa-utils libasound2-plugins
desktop-file-utils appstream libglib2.0-bin libgtk-3-bin
adwaita-icon-theme librsvg2-common libgdk-pixbuf2.0-bin libxml2-utils x11-utils
openssl
haproxy nginx-light
strace valgrind clang libclang-rt-14-dev
postgresql redis-server
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: run as root (or: sudo apt-get install$missing)" >&2
    exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
