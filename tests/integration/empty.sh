#!/usr/bin/env bash
# empty.sh - a dataset whose events directory holds no events (no files, or only empty
# ones) can be analysed: exit 0, zero counts, no alerts, empty rejects.
. "$(dirname "$0")/lib.sh"

gen_dataset "$T/g" 12 50 || { not_ok "gen"; finish; }
rm -f "$T/g/dataset/events/"*
analyze_into "$T/r1" "$T/g/dataset"
check "empty events dir: exit 0" test "$(cat "$T/r1/rc")" -eq 0
check "empty events dir: zero counts" python3 -c '
import json,sys; s=json.load(open(sys.argv[1]))
assert (s["lines"],s["events"],s["duplicates"],s["malformed"],s["alerts"])==(0,0,0,0,0), s' "$T/r1/stats.json"
check "empty events dir: no alerts" test ! -s "$T/r1/alerts.jsonl"
check "empty events dir: no rejects" test ! -s "$T/r1/rejects.jsonl"

: >"$T/g/dataset/events/BVH.jsonl"
printf '\n\n' >"$T/g/dataset/events/RDW.jsonl"
analyze_into "$T/r2" "$T/g/dataset"
check "empty event files: exit 0" test "$(cat "$T/r2/rc")" -eq 0
check "empty event files: zero lines" python3 -c '
import json,sys; s=json.load(open(sys.argv[1])); assert s["lines"]==0 and s["events"]==0, s' "$T/r2/stats.json"
finish
