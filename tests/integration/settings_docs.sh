#!/usr/bin/env bash
# settings_docs.sh - the settings reference and the example file shipped in docs/ are what
# the binary says: a changed default or a new setting that the docs miss fails here, so
# that an analyst who copies the example does not silently run other settings than the
# defaults. (The web application takes its indicators and their labels from GET
# /api/indicators; tests/api/run.sh holds that catalogue to docs/config.md.)
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."

"$WACHTER" config --doc >"$T/config.md"
check "docs/config.md equals wachter config --doc" diff -u docs/config.md "$T/config.md"
"$WACHTER" config --defaults >"$T/example.json"
check "docs/wachter.example.json equals wachter config --defaults" \
    diff -u docs/wachter.example.json "$T/example.json"
check "wachter config --check accepts docs/wachter.example.json" \
    "$WACHTER" config --check docs/wachter.example.json
finish
