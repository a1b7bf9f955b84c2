#!/usr/bin/env bash
# tests/web/run.sh - the browser tests of the web application.
#
#   bash tests/web/run.sh ./wachter     against the real server (`wachter serve`)
#   bash tests/web/run.sh --mock        against tests/web/mock-server.mjs
#
# With the real binary: generates a small dataset (`gen --employees 200 --seed 5`),
# analyses it into a temporary database, adds one user per role (password on stdin),
# starts `wachter serve` on a free loopback port with web/ as its static root, and runs
# `node --test tests/web/*.test.mjs` (Debian's /usr/bin/chromium through playwright-core;
# no browser is downloaded). Stops the server at the end; exits non-zero when a test
# failed or the server did not start. WACHTER_SCREENSHOTS=1 saves docs/screenshots/*.png.
# Needs: node, npm (web/build.sh installs chart.js and playwright-core), chromium.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN=${1:?usage: tests/web/run.sh WACHTER_BINARY | --mock}

if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    echo "tests/web/run.sh: ${CHROMIUM:-/usr/bin/chromium} is missing (apt-get install -y chromium)" >&2
    exit 1
fi
bash web/build.sh >/dev/null || exit 1

TMP=$(mktemp -d /tmp/wachter-web-XXXXXX)
PID=
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        kill "$PID" 2>/dev/null
        wait "$PID" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export WACHTER_URL="http://127.0.0.1:$PORT"
export WACHTER_PW="wachter-web-test-$$-pw"

if [ "$BIN" = --mock ]; then
    node tests/web/mock-server.mjs --listen "127.0.0.1:$PORT" --web web --password "$WACHTER_PW" >"$TMP/server.log" 2>&1 &
    PID=$!
else
    DB="$TMP/wachter.db"
    KEY="$TMP/wachter.key"
    "$BIN" gen "$TMP/gen" --employees 200 --seed 5 >"$TMP/gen.log" 2>&1 || { cat "$TMP/gen.log"; exit 1; }
    "$BIN" analyze "$TMP/gen/dataset" --db "$DB" --key "$KEY" >"$TMP/analyze.log" 2>&1 || { cat "$TMP/analyze.log"; exit 1; }
    add_user() { # NAME ROLE [EXTRA ARGS]
        local name=$1 role=$2
        shift 2
        printf '%s\n' "$WACHTER_PW" | "$BIN" user add "$name" --role "$role" --db "$DB" "$@" >>"$TMP/users.log" 2>&1 ||
            { echo "tests/web/run.sh: cannot add user $name:"; cat "$TMP/users.log"; exit 1; }
    }
    add_user analyst1 analyst
    add_user vik1 vik
    add_user priv1 privacy
    add_user council1 council
    add_user admin1 admin
    "$BIN" serve --db "$DB" --listen "127.0.0.1:$PORT" --web web --key "$KEY" >"$TMP/server.log" 2>&1 &
    PID=$!
fi

# Wait for the server to answer (at most 10 s).
for _ in $(seq 1 100); do
    if curl -fs -o /dev/null "$WACHTER_URL/" 2>/dev/null; then break; fi
    if ! kill -0 "$PID" 2>/dev/null; then
        echo "tests/web/run.sh: the server exited:"
        cat "$TMP/server.log"
        exit 1
    fi
    sleep 0.1
done

node --test --test-reporter=spec tests/web/*.test.mjs
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "--- server log (last 30 lines) ---"
    tail -30 "$TMP/server.log"
fi
exit "$rc"
