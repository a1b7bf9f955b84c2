#!/usr/bin/env bash
# generated.sh - end to end on a generated dataset (seed 4242, 150 employees; a seed no
# other test uses): the counts in stats equal the generator's truth exactly, every
# malformed line is in the rejects file with file/line/reason/raw, alerts follow the
# contract of cli.md (fields, pseudonyms unless --reveal-ids, ordered by score), two runs
# give byte-identical alerts, and `wachter eval` scores the run.
. "$(dirname "$0")/lib.sh"

gen_dataset "$T/g" 4242 150 || { not_ok "gen --seed 4242 --employees 150"; finish; }
DS="$T/g/dataset"
analyze_into "$T/r1" "$DS"
check "analyze exits 0" test "$(cat "$T/r1/rc")" -eq 0

check "stats equal truth/stats.json (lines, events, duplicates, malformed, by reason)" \
python3 - "$T/r1/stats.json" "$T/g/truth/stats.json" <<'PY'
import json, sys
s, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
for k in ("lines", "events", "duplicates", "malformed"):
    assert isinstance(s[k], int) and s[k] == t[k], (k, s[k], t[k])
assert s["lines"] == s["events"] + s["duplicates"] + s["malformed"]
for r, n in t.get("malformed_by_reason", {}).items():
    assert s["malformed_by_reason"].get(r, 0) == n, (r, s["malformed_by_reason"], n)
assert sum(s["malformed_by_reason"].values()) == s["malformed"]
assert isinstance(s["alerts"], int)
PY

check "rejects: one line per malformed line, each with file/line/reason/raw that is in the file" \
python3 - "$T/r1/rejects.jsonl" "$T/r1/stats.json" "$DS" <<'PY'
import json, sys, os
rej = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
s = json.load(open(sys.argv[2]))
assert len(rej) == s["malformed"], (len(rej), s["malformed"])
seen = set()
for r in rej:
    assert set(("file", "line", "reason", "raw")) <= set(r), r
    assert r["file"].startswith("events/") and isinstance(r["line"], int) and r["line"] > 0
    assert r["reason"] in s["malformed_by_reason"], r
    lines = open(os.path.join(sys.argv[3], r["file"]), encoding="utf-8", errors="surrogateescape").read().split("\n")
    assert lines[r["line"] - 1].rstrip("\r") == r["raw"], (r, lines[r["line"] - 1])
    seen.add((r["file"], r["line"]))
assert len(seen) == len(rej)
PY

ALERT_CHECK='
import json, sys, re
mode = sys.argv[2]
alerts = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
assert alerts, "no alerts"
for a in alerts:
    for k in ("id", "user", "score", "first_ts", "last_ts", "indicators"):
        assert k in a, (k, a)
    assert isinstance(a["score"], (int, float))
    ts = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$"
    assert re.match(ts, a["first_ts"]) and re.match(ts, a["last_ts"]), a
    assert a["first_ts"][:19] <= a["last_ts"][:19] or a["first_ts"][19:] != a["last_ts"][19:]
    assert a["indicators"], a
    for i in a["indicators"]:
        for k in ("name", "score", "events", "explanation"):
            assert k in i, (k, i)
        assert isinstance(i["events"], list) and i["events"], i
        assert isinstance(i["explanation"], str) and i["explanation"].strip(), i
    if mode == "pseudo":
        assert a["user"].startswith("P-") and not re.match(r"^U\d+$", a["user"]), a["user"]
    else:
        assert re.match(r"^U\d+$", a["user"]), a["user"]
scores = [a["score"] for a in alerts]
assert scores == sorted(scores, reverse=True), scores
assert len({a["id"] for a in alerts}) == len(alerts)
'
check "alerts: contract fields, pseudonymous users, ordered by score" \
    python3 -c "$ALERT_CHECK" "$T/r1/alerts.jsonl" pseudo

KEY="$T/r1/w.key" analyze_into "$T/r2" "$DS"  # same pseudonym key
check "determinism: second run gives byte-identical alerts" cmp -s "$T/r1/alerts.jsonl" "$T/r2/alerts.jsonl"
check "determinism: identical rejects" cmp -s "$T/r1/rejects.jsonl" "$T/r2/rejects.jsonl"

analyze_into "$T/r3" "$DS" --reveal-ids
check "--reveal-ids: exit 0" test "$(cat "$T/r3/rc")" -eq 0
check "--reveal-ids: users are employee numbers" python3 -c "$ALERT_CHECK" "$T/r3/alerts.jsonl" reveal
check "--reveal-ids: same alerts apart from the user" python3 - "$T/r1/alerts.jsonl" "$T/r3/alerts.jsonl" <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1])]
b = [json.loads(l) for l in open(sys.argv[2])]
assert len(a) == len(b)
for x, y in zip(a, b):
    x.pop("user"); y.pop("user")
    assert x == y
PY

"$WACHTER" eval "$T/g/truth" "$T/r3/alerts.jsonl" >"$T/eval.out" 2>&1
check "eval: exit 0" test $? -eq 0
check "eval: prints recall and precision" grep -Eq '^recall +[0-9.]+' "$T/eval.out"
check "eval: finds at least one planted actor with revealed ids" \
    python3 -c 'import re,sys; m=re.search(r"^recall +([0-9.]+)", open(sys.argv[1]).read(), re.M); assert float(m.group(1)) > 0' "$T/eval.out"
finish
