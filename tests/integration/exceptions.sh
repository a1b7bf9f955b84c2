#!/usr/bin/env bash
# exceptions.sh - an analyst's scoped exception suppresses future signals: after an
# exception (pseudonym + indicator) is stored, the next analyze of the same data with the
# same key drops that indicator's signals for that employee (counted as suppressed in the
# stats) and the employee's alerts no longer cite it; other employees are unaffected.
# The exception is written with sqlite3, as the workbench's POST /api/exceptions does.
. "$(dirname "$0")/lib.sh"

gen_dataset "$T/g" 5150 150 || { not_ok "gen --seed 5150 --employees 150"; finish; }
DS="$T/g/dataset"
KEY="$T/w.key" analyze_into "$T/r" "$DS"
check "first analyze exits 0" test "$(cat "$T/r/rc")" -eq 0
read -r P IND < <(python3 -c '
import json, sys
a = json.loads(open(sys.argv[1]).readline())
print(a["user"], a["indicators"][0]["name"])' "$T/r/alerts.jsonl")
check "the top alert names a pseudonym and an indicator" test -n "${P:-}" -a -n "${IND:-}"
others_before=$(python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["user"] != sys.argv[2]))' \
    "$T/r/alerts.jsonl" "$P")

sqlite3 "$T/r/w.db" "INSERT INTO exceptions (pseudonym, indicator, subject, reason, expires,
    created, created_by) VALUES ('$P', '$IND', '', 'known and agreed duty', '2099-12-31',
    '2026-01-01T00:00:00.000Z', 'test')"
check "the exception is stored" test "$(sqlite3 "$T/r/w.db" 'SELECT count(*) FROM exceptions')" = 1

# A second run into the same database (a later run of the same store).
"$WACHTER" analyze "$DS" --db "$T/r/w.db" --key "$T/w.key" --alerts-out "$T/a2.jsonl" \
    --stats-out "$T/s2.json" >"$T/out2" 2>&1
check "second analyze exits 0" test $? -eq 0
check "the employee's alerts no longer cite $IND" python3 -c '
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    if a["user"] == sys.argv[2]:
        assert all(i["name"] != sys.argv[3] for i in a["indicators"]), a
' "$T/a2.jsonl" "$P" "$IND"
check "the stats count suppressed $IND signals" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["indicators"][sys.argv[2]]["suppressed"] > 0, s["indicators"][sys.argv[2]]
' "$T/s2.json" "$IND"
others_after=$(python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["user"] != sys.argv[2]))' \
    "$T/a2.jsonl" "$P")
check "other employees' alerts are unaffected ($others_before before, $others_after after)" \
    test "$others_before" = "$others_after"
finish
