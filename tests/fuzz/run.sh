#!/usr/bin/env bash
# tests/fuzz/run.sh [SECONDS] - builds the libFuzzer harnesses (fuzz_*.c) against the src
# objects compiled with clang -fsanitize=fuzzer-no-link,address,undefined, and runs each
# for SECONDS (default 20) from its seed corpus (corpus/NAME, copied to a temp dir so the
# repository stays clean). Prints "ok - NAME" / "not ok - NAME"; exits non-zero on any
# crash, leak or sanitizer report. Crash inputs are kept in build/fuzz/crashes/.
set -u
cd "$(dirname "$0")/../.."
SECS=${1:-20}
CC=${FUZZ_CC:-clang}
FLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
# Tiny read windows (ref/csv.c, ingest/ingest.c), so that records and lines cross them.
FLAGS="$FLAGS -DCSV_WINDOW_BYTES=64 -DINGEST_WINDOW_BYTES=512"
WFLAGS="-std=c11 -Wall -Wextra -D_GNU_SOURCE -Isrc -I/usr/include/postgresql"
LIBS="-lsqlite3 -lsodium -lcjson -lmicrohttpd -lrdkafka -lpq -lm -lpthread"
OUT=build/fuzz
mkdir -p "$OUT/obj" "$OUT/crashes"
failed=0
objs=()
for src in src/*/*.c; do
    o="$OUT/obj/$(echo "${src#src/}" | tr / _).o"
    if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ -n "$(find src -name '*.h' -newer "$o" | head -1)" ]; then
        $CC $FLAGS -fsanitize=fuzzer-no-link $WFLAGS -c -o "$o" "$src" || { echo "not ok - build $src"; exit 1; }
    fi
    objs+=("$o")
done
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for h in tests/fuzz/fuzz_*.c; do
    name=$(basename "$h" .c)
    corpus=${name#fuzz_}
    if ! $CC $FLAGS -fsanitize=fuzzer $WFLAGS -o "$OUT/$name" "$h" "${objs[@]}" $LIBS; then
        echo "not ok - $name: build failed"
        failed=1
        continue
    fi
    work=$(mktemp -d /tmp/wachter-fuzz-XXXXXX)
    cp tests/fuzz/corpus/"$corpus"/* "$work/" 2>/dev/null
    if "$OUT/$name" -max_total_time="$SECS" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$OUT/crashes/$name-" -print_final_stats=1 "$work" >"$OUT/$name.log" 2>&1; then
        echo "ok - $name: $(grep -a -o 'stat::number_of_executed_units: *[0-9]*' "$OUT/$name.log" | grep -o '[0-9]*$' | tail -1) runs in ${SECS}s"
    else
        echo "not ok - $name: see $OUT/$name.log"
        grep -E 'ERROR|runtime error|SUMMARY' "$OUT/$name.log" | head -5
        failed=1
    fi
    rm -rf "$work"
done
exit $failed
