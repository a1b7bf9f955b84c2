#!/usr/bin/env bash
# tests/run.sh - the whole test suite, as `make test` runs it after building ./wachter,
# build/san/wachter and the unit tests (rel and ASan/UBSan builds).
#
#   1. every unit test binary in build/rel/unit and build/san/unit (cmocka; each test
#      case counts);
#   2. the golden datasets (tests/golden/run.sh), the golden alerts of a generated dataset
#      (tests/golden/alerts/run.sh) and the black-box integration tests
#      (tests/integration/*.sh), each with ./wachter and with build/san/wachter; the
#      golden tests once more with build/tsan/wachter (ThreadSanitizer);
#   3. the API tests of wachter serve (tests/api/run.sh) with both binaries;
#   4. the browser tests of the web application (tests/web/run.sh) against ./wachter serve;
#   5. a short fuzz smoke run of every harness (tests/fuzz/run.sh, FUZZ_SECONDS each,
#      default 20) when clang is available.
#
# Ends with the line "N passed, N failed" and exits non-zero when anything failed.
# Environment: FUZZ_SECONDS (0 skips fuzzing), VERBOSE=1 prints every check.
set -u
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
LOG=$(mktemp -d /tmp/wachter-tests-XXXXXX)
PGDIR=$(mktemp -d /tmp/wachter-pg-XXXXXX)
trap 'bash scripts/pg-test-server.sh stop "$PGDIR" >/dev/null 2>&1; rm -rf "$PGDIR" "$LOG"' EXIT
passed=0
failed=0
failures=()

# count_tap NAME FILE RC: counts "ok - "/"not ok - " lines of a check script.
count_tap() {
    local name=$1 file=$2 rc=$3 p f
    p=$(grep -c '^ok - ' "$file")
    f=$(grep -c '^not ok - ' "$file")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # crashed before reporting
    passed=$((passed + p))
    failed=$((failed + f))
    [ "${VERBOSE:-0}" = 1 ] && cat "$file"
    if [ "$f" -gt 0 ]; then
        failures+=("$name")
        echo "FAIL $name ($p passed, $f failed)"
        grep '^not ok - ' "$file" | sed 's/^/    /'
        [ "$rc" -ne 0 ] && grep -v '^ok - \|^not ok - ' "$file" | tail -15 | sed 's/^/    | /'
    else
        echo "ok   $name ($p checks)"
    fi
}

# 0. A throwaway PostgreSQL server for the PostgreSQL store tests (test_pgstore and the
#    live test against PostgreSQL); scripts/pg-test-server.sh installs it when missing.
if url=$(bash scripts/pg-test-server.sh start "$PGDIR" "${WACHTER_PG_PORT:-55439}" 2>"$LOG/pg.log"); then
    export WACHTER_PG_URL=$url
else
    echo "FAIL PostgreSQL test server"
    sed 's/^/    | /' "$LOG/pg.log" | tail -15
    failed=$((failed + 1))
    failures+=("pg server")
fi

# 1. Unit tests.
for b in build/rel/unit/test_* build/san/unit/test_*; do
    [ -x "$b" ] || continue
    out="$LOG/$(echo "$b" | tr / _).log"
    timeout 300 "$b" >"$out" 2>&1
    rc=$?
    p=$(grep -c '^\[       OK \]' "$out")
    f=$(grep '^\[  FAILED  \] test_' "$out" | sort -u | wc -l)
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        failures+=("$b")
        echo "FAIL $b ($p passed, $f failed)"
        grep -E '^\[  (ERROR|FAILED)  \]|runtime error|ERROR: AddressSanitizer|LeakSanitizer' "$out" |
            grep -v 'listed below' | head -10 | sed 's/^/    /'
    else
        echo "ok   $b ($p tests)"
    fi
done

# 2. Golden and integration tests with both binaries.
for bin in ./wachter build/san/wachter; do
    if [ ! -x "$bin" ]; then
        echo "FAIL $bin is missing (build it first)"
        failed=$((failed + 1))
        failures+=("$bin missing")
        continue
    fi
    out="$LOG/golden.log"
    bash tests/golden/run.sh "$bin" >"$out" 2>&1
    count_tap "golden [$bin]" "$out" $?
    out="$LOG/golden-alerts.log"
    timeout 300 bash tests/golden/alerts/run.sh "$bin" >"$out" 2>&1
    count_tap "golden alerts [$bin]" "$out" $?
    for t in tests/integration/*.sh; do
        [ "$(basename "$t")" = lib.sh ] && continue
        out="$LOG/it.log"
        WACHTER="$bin" timeout 300 bash "$t" >"$out" 2>&1
        count_tap "$(basename "$t" .sh) [$bin]" "$out" $?
    done
done

# 2a. ThreadSanitizer: analyze's reading thread shares the loaded reference tables with
#     the engine thread; the golden datasets and the generated golden-alerts dataset run
#     through build/tsan/wachter, and any data race report fails the run.
if [ -x build/tsan/wachter ]; then
    export TSAN_OPTIONS=halt_on_error=1:exitcode=66
    out="$LOG/golden-tsan.log"
    bash tests/golden/run.sh build/tsan/wachter >"$out" 2>&1
    count_tap "golden [build/tsan/wachter]" "$out" $?
    out="$LOG/golden-alerts-tsan.log"
    timeout 600 bash tests/golden/alerts/run.sh build/tsan/wachter >"$out" 2>&1
    count_tap "golden alerts [build/tsan/wachter]" "$out" $?
    unset TSAN_OPTIONS
else
    echo "FAIL build/tsan/wachter is missing (build it first)"
    failed=$((failed + 1))
    failures+=("tsan missing")
fi

# 2b. The live service (`wachter run`): HTTP/HEC, syslog, tailed files, Kafka, kill -9
#     trials; with both binaries, and the HTTP test once more against PostgreSQL.
for bin in ./wachter build/san/wachter; do
    [ -x "$bin" ] || continue
    for t in tests/live/*.sh; do
        [ "$(basename "$t")" = lib.sh ] && continue
        out="$LOG/live.log"
        WACHTER="$bin" timeout 600 bash "$t" >"$out" 2>&1
        count_tap "live $(basename "$t" .sh) [$bin]" "$out" $?
    done
done
if [ -n "${WACHTER_PG_URL:-}" ]; then
    out="$LOG/live-pg.log"
    for t in run crash; do
        USE_PG=1 WACHTER=./wachter timeout 600 bash "tests/live/$t.sh" >"$out" 2>&1
        count_tap "live $t [PostgreSQL]" "$out" $?
    done
fi

# 3. API tests of `wachter serve` with curl, against both binaries. The script prints
#    "ok - " / "not ok - " lines and a closing "N passed, N failed".
for bin in ./wachter build/san/wachter; do
    [ -x "$bin" ] || continue
    out="$LOG/api.log"
    timeout 600 bash tests/api/run.sh "$bin" >"$out" 2>&1
    count_tap "api [$bin]" "$out" $?
done

# 4. Browser tests of the web application against the real server (headless Chromium
#    driven by playwright-core), when node and chromium are installed (make test installs
#    them). node's test runner reports "ℹ pass N" and "ℹ fail N".
if command -v node >/dev/null 2>&1 && [ -x /usr/bin/chromium ] && [ -d node_modules/playwright-core ]; then
    out="$LOG/web.log"
    timeout 600 bash tests/web/run.sh ./wachter >"$out" 2>&1
    rc=$?
    p=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$out" | tail -1)
    f=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$out" | tail -1)
    p=${p:-0}
    f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$f" -gt 0 ]; then
        failures+=("web")
        echo "FAIL web ($p passed, $f failed)"
        # The failed tests by name, then each one's first lines of error, then the server's
        # log: the tail alone shows only the last failure.
        # Node names each failure twice, as it runs and in its closing summary: once here.
        grep '^✖' "$out" | grep -v '^✖ failing tests:' | awk '!seen[$0]++' | sed 's/^/    | /'
        grep -A 4 '^✖' "$out" | grep -v '^✖' | head -60 | sed 's/^/    | /'
        tail -30 "$out" | sed 's/^/    | /'
    else
        echo "ok   web ($p browser tests)"
    fi
else
    echo "FAIL web: node, chromium or node_modules missing (make test installs them)"
    failed=$((failed + 1))
    failures+=("web (not run)")
fi

# 5. Fuzz smoke run.
if [ "$FUZZ_SECONDS" != 0 ] && command -v clang >/dev/null 2>&1; then
    out="$LOG/fuzz.log"
    bash tests/fuzz/run.sh "$FUZZ_SECONDS" >"$out" 2>&1
    count_tap "fuzz (${FUZZ_SECONDS}s per harness)" "$out" $?
else
    echo "skip fuzzing (no clang or FUZZ_SECONDS=0)"
fi

if [ "$failed" -gt 0 ]; then
    echo
    echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
