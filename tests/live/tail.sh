#!/usr/bin/env bash
# tail.sh - black-box test of `wachter run --tail` (docs/sources-tail.md): every event
# appended to a followed file is counted once, through partial writes, a rename rotation
# with a writer that finishes on the old descriptor, a kill -9 and a restart.
#
#   WACHTER=./wachter bash tests/live/tail.sh
#
# A generated dataset (seed 3, 50 employees) provides the reference data and the events:
# all event lines, merged across the systems' files by time, make one byte stream that is
# cut at random byte offsets into chunks (so most chunks end inside a line) and appended
# to $T/log/events.log while `wachter run` follows it:
#
#   chunks 0 .. ROT-1   appended to events.log (each append reopens the file)
#   mv events.log events.log.1; chunk ROT written through a descriptor opened before the
#                       mv (it ends at a newline, as a writer rotates between lines)
#   chunks ROT+1 ..     appended to a new events.log
#   after chunk KILL    kill -9 wachter; chunks up to KILL+5 appended while it is down;
#                       wachter restarted with the same --db and --journal
#
# At the end wachter_events_total must equal the number of distinct valid events sent
# (the generator's truth/stats.json "events": it counts duplicates once and malformed
# lines not at all), and SIGTERM must stop wachter with exit 0 and a --stats-out file
# with the same count. Uses the contract of `wachter run`:
#   wachter run --ref DATASET --db FILE --http 127.0.0.1:PORT --tail PATH
#               [--journal DIR] [--stats-out FILE]
# with GET /healthz (200 when ready) and GET /metrics (Prometheus text).
. "$(dirname "$0")/../integration/lib.sh"
PID=
trap '[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$T"' EXIT

NCHUNKS=40 ROT=12 KILL=25
LOG=$T/log/events.log
mkdir -p "$T/log" "$T/chunks"

if ! "$WACHTER" run --help >/dev/null 2>&1; then
    not_ok "wachter run --help works (the run command is missing)"
    finish
fi
gen_dataset "$T/g" 3 50 || { not_ok "gen --seed 3 --employees 50"; finish; }
DS=$T/g/dataset
EXPECT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' \
    "$T/g/truth/stats.json")
MALFORMED=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["malformed"])' \
    "$T/g/truth/stats.json")

# The event stream, merged by time (each file keeps its own order; a line without a
# readable ts keeps the key of the line before it), cut into chunks.
python3 - "$DS/events" "$T/chunks" "$NCHUNKS" "$ROT" <<'PY' || { not_ok "chunks written"; finish; }
import glob, heapq, json, os, random, sys
from datetime import datetime
events, out, n, rot = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
streams = []
for fi, path in enumerate(sorted(glob.glob(os.path.join(events, "*.jsonl")))):
    data = open(path, "rb").read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    key, items = float("-inf"), []
    for ln in lines:
        try:
            key = datetime.fromisoformat(json.loads(ln)["ts"].replace("Z", "+00:00")).timestamp()
        except Exception:
            pass
        items.append((key, fi, ln))
    streams.append(items)
stream = b"".join(ln + b"\n" for _, _, ln in heapq.merge(*streams, key=lambda x: (x[0], x[1])))
rng = random.Random(3)
cuts = sorted(rng.sample(range(1, len(stream)), n - 1))
# The chunk written to the rotated file ends at a newline.
cuts[rot] = stream.index(b"\n", cuts[rot]) + 1
cuts = sorted(set(cuts))
assert len(cuts) == n - 1, "cuts collided"
bounds = [0] + cuts + [len(stream)]
for i in range(n):
    open(os.path.join(out, "c%03d" % i), "wb").write(stream[bounds[i]:bounds[i + 1]])
PY

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_run: starts wachter run in the background on a fresh port and waits (at most 60 s)
# until /healthz answers 200. Returns non-zero when it exits or never gets ready.
start_run() {
    PORT=$(free_port)
    "$WACHTER" run --ref "$DS" --db "$T/w.db" --http "127.0.0.1:$PORT" --tail "$LOG" \
        --journal "$T/journal" --stats-out "$T/stats.json" >>"$T/run.out" 2>>"$T/run.err" &
    PID=$!
    for _ in $(seq 1 600); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" = 200 ] &&
            return 0
        kill -0 "$PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# metric NAME [LABELS]: the sum of the samples of NAME (whose labels contain LABELS, e.g.
# 'source="file"'), or nothing when /metrics cannot be read.
metric() {
    curl -sf "http://127.0.0.1:$PORT/metrics" | python3 -c '
import re, sys
name, want = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
total, seen = 0, False
for line in sys.stdin:
    m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
    if m and m.group(1) == name and want in (m.group(2) or ""):
        total += float(m.group(3)); seen = True
if seen:
    print(int(total))
' "$@"
}

# wait_events N SECONDS: until wachter_events_total >= N. Returns non-zero on timeout.
wait_events() {
    local i
    for i in $(seq 1 $(($2 * 10))); do
        local v
        v=$(metric wachter_events_total)
        [ -n "$v" ] && [ "$v" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}

append_chunk() { cat "$T/chunks/$(printf c%03d "$1")" >>"$LOG"; }

# must NAME COMMAND...: like check, but the test cannot go on when it fails.
must() {
    local desc=$1
    shift
    if "$@"; then
        ok "$desc"
    else
        not_ok "$desc"
        tail -5 "$T/run.err" 2>/dev/null
        finish
    fi
}

must "wachter run starts and answers /healthz with 200" start_run

for i in $(seq 0 $((NCHUNKS - 1))); do
    if [ "$i" -eq "$ROT" ]; then
        exec 3>>"$LOG"
        mv "$LOG" "$LOG.1"
        cat "$T/chunks/$(printf c%03d "$i")" >&3
        exec 3>&-
        : >"$LOG"
    else
        append_chunk "$i"
    fi
    if [ "$i" -eq "$KILL" ]; then
        check "events are counted while the file grows" wait_events 1 30
        kill -9 "$PID"
        wait "$PID" 2>/dev/null
        PID=
    fi
    if [ "$i" -eq $((KILL + 5)) ]; then
        must "wachter run restarts after kill -9" start_run
    fi
    sleep 0.05
done

check "wachter_events_total reaches the $EXPECT distinct events sent" wait_events "$EXPECT" 120
sleep 1 # and stays there: nothing counted twice after a further round or two
got=$(metric wachter_events_total)
check "wachter_events_total is exactly $EXPECT (got ${got:-nothing})" test "${got:-0}" -eq "$EXPECT"
lines=$(metric wachter_lines_total 'source="file"')
check "wachter_lines_total{source=\"file\"} counts every line ($lines)" \
    test "${lines:-0}" -ge "$(cat "$T/chunks"/c* | wc -l)"
dups=$(metric wachter_duplicates_total)
# Reading the file again from the start after the restart would double most events.
check "the restart resumed where it was: duplicates ${dups:-nothing} < $((EXPECT / 4))" \
    test -n "$dups" -a "${dups:-0}" -lt $((EXPECT / 4))

kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
check "SIGTERM stops wachter run with exit 0 (got $rc)" test "$rc" -eq 0
check "--stats-out: events $EXPECT, malformed >= $MALFORMED, lines = events + duplicates + malformed" \
python3 - "$T/stats.json" "$EXPECT" "$MALFORMED" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["events"] == int(sys.argv[2]), (s["events"], sys.argv[2])
# A batch re-sent after the kill -9 can repeat a malformed line; never lose one.
assert s["malformed"] >= int(sys.argv[3]), s
assert s["lines"] == s["events"] + s["duplicates"] + s["malformed"], s
PY
if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error' "$T/run.err"; then
    not_ok "wachter run ran clean under the sanitizers"
    grep -m5 'ERROR\|runtime error' "$T/run.err"
else
    ok "no sanitizer report"
fi
finish
