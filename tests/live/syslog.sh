#!/usr/bin/env bash
# syslog.sh - black-box test of the syslog source of `wachter run` (docs/sources-syslog.md).
#
# A generated dataset (seed 3, 50 employees) gives 200 valid event lines with distinct ids,
# in time order. `wachter run` listens for syslog on a free port; the real util-linux
# `logger` client sends, each over its own TCP connection:
#   1. the first 100 lines as JSON, RFC 5424 with octet counting;
#   2. the other 100 as ArcSight CEF built here, RFC 3164 with LF framing;
#   3. 3 garbage messages (RFC 5424, octet counting);
#   4. 2 duplicates: the JSON form of the last two events already sent as CEF.
# Then /metrics must count exactly 205 syslog lines, 200 events, 2 duplicates and 3
# invalid_json rejects; the rejects file must hold the 3 garbage texts; and after SIGTERM
# the run exits 0 and --stats-out holds the same counts.
#
# Contract of `wachter run` assumed here: `run --ref DATASET --db FILE --http HOST:PORT
# --syslog HOST:PORT [--journal DIR] [--rejects-out FILE] [--stats-out FILE]`, GET /healthz
# answers 200 when ready, GET /metrics is Prometheus text, SIGTERM stops it cleanly.
. "$(dirname "$0")/../integration/lib.sh"

command -v logger >/dev/null 2>&1 || { not_ok "logger (util-linux, package bsdutils) is installed"; finish; }
command -v curl >/dev/null 2>&1 || { not_ok "curl is installed"; finish; }

gen_dataset "$T/g" 3 50 || { not_ok "gen --seed 3 --employees 50"; finish; }
DS="$T/g/dataset"

# Pick 200 valid events and write the four message files.
python3 - "$DS" "$T" <<'PY' || { not_ok "pick events and build messages"; finish; }
import glob, json, re, sys
from collections import Counter
from datetime import datetime
ds, t = sys.argv[1], sys.argv[2]
TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
OPT = ("subject_type", "subject", "case", "channel", "terminal", "query")

def valid(o):
    if not isinstance(o, dict):
        return False
    for k in ("id", "ts", "user", "system", "action"):
        if not isinstance(o.get(k), str):
            return False
    if not TS.match(o["ts"]):
        return False
    if o["action"] not in ("login", "logout"):
        if not isinstance(o.get("subject_type"), str) or not isinstance(o.get("subject"), str):
            return False
    for k in OPT:
        if k in o and not isinstance(o[k], str):
            return False
    r = o.get("results")
    if r is not None and (isinstance(r, bool) or not isinstance(r, int) or r < 0):
        return False
    return all(isinstance(v, str) and "\n" not in v and "\r" not in v
               for k, v in o.items() if k != "results")

def epoch_ms(ts):
    d = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return int(d.timestamp() * 1000 + 0.5)

lines, ids = [], Counter()
for f in sorted(glob.glob(ds + "/events/*.jsonl")):
    for raw in open(f, encoding="utf-8"):
        raw = raw.rstrip("\n")
        try:
            o = json.loads(raw)
        except ValueError:
            continue
        if isinstance(o, dict) and "id" in o:
            ids[json.dumps(o["id"])] += 1
        if valid(o):
            lines.append((epoch_ms(o["ts"]), o["id"], raw, o))
lines = [l for l in lines if ids[json.dumps(l[1])] == 1]
lines.sort(key=lambda l: (l[0], l[1]))
pick = lines[:200]
assert len(pick) == 200, len(pick)

def hdr(s):
    return s.replace("\\", "\\\\").replace("|", "\\|")

def val(s):
    return s.replace("\\", "\\\\").replace("=", "\\=")

def cef(ms, o):
    ext = ["externalId=" + val(o["id"]), "rt=%d" % ms, "suser=" + val(o["user"]),
           "act=" + val(o["action"])]
    n = 0
    for k in OPT:
        if k in o:
            n += 1
            ext += ["cs%dLabel=%s" % (n, k), "cs%d=%s" % (n, val(o[k]))]
    if "results" in o:
        ext += ["cn1Label=results", "cn1=%d" % o["results"]]
    return "CEF:0|Politie|%s|1.0|%s|%s|3|%s" % (hdr(o["system"]), hdr(o["action"]),
                                                hdr(o["action"]), " ".join(ext))

with open(t + "/json.txt", "w", encoding="utf-8") as f:
    for ms, i, raw, o in pick[:100]:
        f.write(raw + "\n")
with open(t + "/cef.txt", "w", encoding="utf-8") as f:
    for ms, i, raw, o in pick[100:]:
        f.write(cef(ms, o) + "\n")
with open(t + "/garbage.txt", "w", encoding="utf-8") as f:
    f.write("this is not an event\nCEF:0|truncated\n{not json at all\n")
with open(t + "/dups.txt", "w", encoding="utf-8") as f:
    for ms, i, raw, o in pick[-2:]:
        f.write(raw + "\n")
PY
ok "200 valid events picked, 100 as JSON and 100 as CEF"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
HP=$(free_port)
SP=$(free_port)
while [ "$SP" = "$HP" ]; do SP=$(free_port); done

"$WACHTER" run --ref "$DS" --db "$T/w.db" --http "127.0.0.1:$HP" --syslog "127.0.0.1:$SP" \
    --journal "$T/journal" --rejects-out "$T/rejects.jsonl" --stats-out "$T/stats.json" \
    >"$T/out" 2>"$T/err" &
PID=$!
trap 'kill -9 $PID 2>/dev/null; rm -rf "$T"' EXIT

ready=0
for _ in $(seq 1 300); do
    if curl -sf "http://127.0.0.1:$HP/healthz" >/dev/null 2>&1; then ready=1; break; fi
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
done
if [ "$ready" != 1 ]; then
    not_ok "wachter run becomes ready (GET /healthz 200)"
    sed 's/^/    | /' "$T/err" | tail -15
    finish
fi
ok "wachter run becomes ready (GET /healthz 200)"
check "stderr says it is listening" grep -q "wachter: run: listening" "$T/err"

send() { # send OPTIONS... FILE
    local f=${*: -1}
    logger --tcp -n 127.0.0.1 -P "$SP" --size 65536 -t wachter-test "${@:1:$#-1}" -f "$f"
}
check "logger sends 100 JSON events (RFC 5424, octet counting)" send --rfc5424 --octet-count "$T/json.txt"
check "logger sends 100 CEF events (RFC 3164, LF framing)" send --rfc3164 "$T/cef.txt"
check "logger sends 3 garbage messages" send --rfc5424 --octet-count "$T/garbage.txt"
check "logger sends 2 duplicates" send --rfc5424 --octet-count "$T/dups.txt"

# metric NAME LABEL...: the sum of the series of NAME whose labels include every LABEL.
metric() {
    curl -sf "http://127.0.0.1:$HP/metrics" | python3 -c '
import re, sys
name, want = sys.argv[1], sys.argv[2:]
total = 0.0
for line in sys.stdin:
    m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
    if m and m.group(1) == name and all(w in (m.group(2) or "") for w in want):
        total += float(m.group(3))
print(int(total))' "$@"
}

for _ in $(seq 1 300); do
    [ "$(metric wachter_lines_total 'source="syslog"')" -ge 205 ] 2>/dev/null && break
    sleep 0.1
done
sleep 0.5 # anything beyond 205 would show now
check "metrics: wachter_lines_total{source=\"syslog\"} = 205" \
    test "$(metric wachter_lines_total 'source="syslog"')" = 205
check "metrics: wachter_events_total = 200" test "$(metric wachter_events_total)" = 200
check "metrics: wachter_duplicates_total = 2" test "$(metric wachter_duplicates_total)" = 2
check "metrics: wachter_rejected_total{reason=\"invalid_json\"} = 3" \
    test "$(metric wachter_rejected_total 'reason="invalid_json"')" = 3
check "metrics: no other rejects" test "$(metric wachter_rejected_total)" = 3

kill -TERM "$PID"
rc=0
for _ in $(seq 1 300); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$PID" 2>/dev/null; then
    not_ok "SIGTERM stops wachter run within 30 s"
    kill -9 "$PID"
else
    wait "$PID"
    rc=$?
    check "SIGTERM: wachter run exits 0" test "$rc" -eq 0
fi

check "stats-out: lines 205, events 200, duplicates 2, malformed 3" \
python3 - "$T/stats.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
got = {k: s[k] for k in ("lines", "events", "duplicates", "malformed")}
assert got == {"lines": 205, "events": 200, "duplicates": 2, "malformed": 3}, got
PY
check "rejects-out (written by the time run exits): the 3 garbage messages, reason invalid_json, raw text kept" \
python3 - "$T/rejects.jsonl" <<'PY'
import json, sys
rej = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
assert len(rej) == 3, rej
assert all(r["reason"] == "invalid_json" for r in rej), rej
assert sorted(r["raw"] for r in rej) == sorted(
    ["this is not an event", "CEF:0|truncated", "{not json at all"]), rej
PY

[ "$FAILED" = 0 ] || sed 's/^/    | /' "$T/err" | tail -15
finish
