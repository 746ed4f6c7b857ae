#!/bin/sh
# Builds every fuzz target with clang's libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer and runs each for a short while, starting from
# the checked-in corpus.  `make check` runs it with 20 s per target; longer
# runs: build-aux/run-fuzz.sh _build 600.  A crash fails the run and leaves
# the input in _fuzz/<target>/ (see HACKING.md, "Fuzzing").
set -eu
builddir=$1
seconds=${2:-20}
src=$(cd "$(dirname "$0")/.." && pwd)
out=$src/_fuzz

if ! command -v clang >/dev/null 2>&1; then
    echo "run-fuzz: clang is not installed (build-aux/install-deps.sh installs it)" >&2
    exit 1
fi

flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
glib=$(pkg-config --cflags --libs glib-2.0 gobject-2.0 gio-2.0 json-glib-1.0)

# target -> the sources it needs besides itself (the protocol module is
# pure; the directory parser needs the store interface for its types).
sources_for() {
    case $1 in
        fuzz-frame) echo "$src"/common/*.c ;;
        fuzz-directory) echo "$src"/common/*.c "$src/server/td-directory-import.c" "$src/server/td-store.c" ;;
        *) echo "run-fuzz: no source list for $1" >&2; exit 1 ;;
    esac
}

status=0
for dir in "$src"/tests/fuzz/corpus/*/; do
    target=$(basename "$dir")
    mkdir -p "$out/$target/new"
    # shellcheck disable=SC2046
    clang $flags -I"$builddir" -I"$src/common" -I"$src/server" \
        "$src/tests/fuzz/$target.c" $(sources_for "$target") $glib -o "$out/$target/fuzzer"
    echo "run-fuzz: $target for ${seconds}s"
    if ! (cd "$out/$target" && ASAN_OPTIONS=detect_leaks=1 ./fuzzer -max_len=65536 \
            -max_total_time="$seconds" -print_final_stats=1 new "$dir" 2>fuzz.log); then
        echo "run-fuzz: $target FAILED; see $out/$target/fuzz.log and the crash-* file there" >&2
        tail -30 "$out/$target/fuzz.log" >&2
        status=1
    else
        grep -E "stat::number_of_executed_units" "$out/$target/fuzz.log" | sed "s/^/run-fuzz: $target /"
    fi
done
exit $status
