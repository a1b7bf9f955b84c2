#!/usr/bin/env bash
# tests/golden/alerts/run.sh BINARY - golden alerts: the exact alerts wachter raises on one
# generated dataset, so that any change in detection (explainer, indicators, scoring,
# episodes, evidence selection) shows up as a reviewed diff instead of slipping through.
#
# It generates `BINARY gen DIR --employees 150 --seed 77` (deterministic), analyses it with
# the fixed key in wachter.key (copied and chmod 600 first: git does not keep file modes)
# and --reveal-ids, and compares a normalised view of the alerts - one JSON line per alert
# with id, user, score rounded to 3 decimals, and per indicator its name and evidence
# event ids, in the order of the alerts file - with expected.jsonl exactly.
# Prints "ok - ..." / "not ok - ..." lines, counted by tests/run.sh.
#
# When detection changes ON PURPOSE, regenerate the expected file and review its diff:
#   UPDATE=1 bash tests/golden/alerts/run.sh ./wachter
#   git diff tests/golden/alerts/expected.jsonl   # every changed alert must be explained
# and commit it together with the change. Never regenerate just to make the test pass.
set -u
BIN=${1:-./wachter}
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
EXPECTED="$HERE/expected.jsonl"
T=$(mktemp -d /tmp/wachter-golden-alerts-XXXXXX)
trap 'rm -rf "$T"' EXIT
failed=0
ok() { echo "ok - alerts: $*"; }
not_ok() { echo "not ok - alerts: $*"; failed=1; }

if ! "$BIN" gen "$T/g" --employees 150 --seed 77 >"$T/gen.out" 2>&1; then
    not_ok "gen --employees 150 --seed 77 failed: $(head -3 "$T/gen.out")"
    exit 1
fi
ok "gen --employees 150 --seed 77"

cp "$HERE/wachter.key" "$T/w.key" && chmod 600 "$T/w.key"
if ! "$BIN" analyze "$T/g/dataset" --db "$T/w.db" --key "$T/w.key" --alerts-out "$T/alerts.jsonl" \
    --stats-out "$T/stats.json" --rejects-out "$T/rejects.jsonl" --reveal-ids \
    --reveal-reason "golden alert test" --quiet >"$T/out" 2>"$T/err"; then
    not_ok "analyze failed: $(head -3 "$T/err")"
    exit 1
fi
ok "analyze --reveal-ids exits 0"

if ! python3 - "$T/alerts.jsonl" >"$T/got.jsonl" 2>"$T/norm.err" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    a = json.loads(line)
    print(json.dumps({
        "id": a["id"],
        "user": a["user"],
        "score": round(a["score"], 3),
        "indicators": [{"name": i["name"], "events": i["events"]} for i in a["indicators"]],
    }, separators=(",", ":")))
PY
then
    not_ok "alerts file cannot be normalised: $(head -3 "$T/norm.err")"
    exit 1
fi
n=$(wc -l <"$T/got.jsonl")

if [ "${UPDATE:-0}" = 1 ]; then
    cp "$T/got.jsonl" "$EXPECTED"
    ok "expected.jsonl rewritten ($n alerts); review it with git diff"
    exit 0
fi

if [ ! -s "$EXPECTED" ]; then
    not_ok "expected.jsonl is missing or empty (create it with UPDATE=1)"
    exit 1
fi
if grep -q '"user":"P-' "$T/got.jsonl"; then
    not_ok "--reveal-ids did not reveal employee numbers"
fi
if cmp -s "$EXPECTED" "$T/got.jsonl"; then
    ok "$n alerts equal expected.jsonl (ids, users, scores, indicators, evidence)"
else
    not_ok "alerts differ from expected.jsonl ($n alerts, $(wc -l <"$EXPECTED") expected); diff expected got:"
    diff "$EXPECTED" "$T/got.jsonl" | head -20 | sed 's/^/#   /'
    echo "#   if detection changed on purpose: UPDATE=1 bash tests/golden/alerts/run.sh BINARY"
fi
exit $failed
