#!/usr/bin/env bash
# tests/live/kafka.sh - two `wachter run` instances in one Kafka consumer group split the
# events by employee (docs/scale-out.md).
#
# A mock Kafka cluster (build/rel/mock_cluster, librdkafka's mock brokers on local TCP
# ports) gets topic audit-events with 4 partitions. Two instances join group wachter-it
# with their own database, journal and port. Before any event is produced the test waits
# until both own partitions, and learns which instance owns which partition by sending one
# malformed probe line to each partition and watching whose
# wachter_lines_total{source="kafka"} grows. Then a generated dataset's event lines are
# produced in the order analyze takes them (tests/live/order.py), keyed by user. Checks:
#   - both instances got a non-empty share, and together every distinct event once
#     (sum of wachter_events_total = analyze's events of the whole dataset);
#   - each instance counted exactly the events that `wachter analyze` counts on the lines
#     of its own partitions: no employee's events were split across the instances;
#   - duplicates and lines add up; SIGTERM stops both cleanly and --stats-out agrees with
#     /metrics.
# Needs build/rel/mock_cluster (make build/rel/mock_cluster). MOCK_CLUSTER overrides it.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"

TOPIC=audit-events
GROUP=wachter-it
NPART=4

if [ ! -x "$MOCK" ]; then
    not_ok "mock cluster built ($MOCK; make build/rel/mock_cluster)"
    finish
fi
if "$WACHTER" run --help 2>&1 | grep -q "unknown command"; then
    not_ok "wachter run exists"
    finish
fi

trap 'kafka_cleanup a b' EXIT

# sum_metric NAME: the sum of metric NAME (a full "name{labels}" or a bare name, all of
# whose series are added) over both instances.
sum_metric() {
    local s=0 v n
    for n in "$PA" "$PB"; do
        v=$(metric "$n" "$1")
        s=$((s + ${v:-0}))
    done
    echo "$s"
}
kafka_lines() {
    local v
    v=$(metric "$1" 'wachter_lines_total{source="kafka"}')
    echo "${v:-0}"
}

# wait_for SECONDS COMMAND...: runs COMMAND every 0.2 s until it succeeds.
wait_for() {
    local end=$((SECONDS + $1))
    shift
    while [ "$SECONDS" -lt "$end" ]; do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}

alive() { kill -0 "$(cat "$T/a/pid")" 2>/dev/null && kill -0 "$(cat "$T/b/pid")" 2>/dev/null; }

show_logs() {
    local n
    for n in a b; do
        echo "# instance $n stderr:"
        tail -20 "$T/$n/err" 2>/dev/null | sed 's/^/#   /'
    done
}

# ---- the cluster and the data ---------------------------------------------------------

if ! mock_start "$TOPIC:$NPART" "audit-by-subject:$NPART"; then
    not_ok "mock cluster starts"
    finish
fi
ok "mock cluster starts ($BROKERS)"

gen_dataset "$T/g" 5 60 || { not_ok "gen --seed 5 --employees 60"; finish; }
DS=$T/g/dataset
python3 "$(dirname "$0")/order.py" "$DS" "$T/batches" 1000000 >/dev/null
cat "$T"/batches/batch-*.ndjson >"$T/events.jsonl"
KEY=$T/key analyze_into "$T/whole" "$DS"
check "analyze of the whole dataset ran" test "$(cat "$T/whole/rc")" = 0
read -r w_lines w_events w_dups < <(python3 -c '
import json, sys; s = json.load(open(sys.argv[1])); print(s["lines"], s["events"], s["duplicates"])' \
    "$T/whole/stats.json")

# ---- two instances in one group -------------------------------------------------------

PA=$(free_port)
PB=$(free_port)
while [ "$PB" = "$PA" ]; do PB=$(free_port); done
KAFKA_ARGS=(--kafka-brokers "$BROKERS" --kafka-topic "$TOPIC" --kafka-group "$GROUP")
run_start a "$DS" "$PA" "${KAFKA_ARGS[@]}" --stats-out "$T/a/stats.json" \
    --alerts-out "$T/a/alerts.jsonl"
run_start b "$DS" "$PB" "${KAFKA_ARGS[@]}" --stats-out "$T/b/stats.json" \
    --alerts-out "$T/b/alerts.jsonl"
if ! run_wait_ready "$PA" || ! run_wait_ready "$PB"; then
    not_ok "both instances become ready"
    show_logs
    finish
fi
ok "both instances become ready"

# Probe until both instances receive lines: then both are members with partitions. The
# mock coordinator assigns a new group after 3 s; an instance that joins later waits for
# a rebalance (up to the session timeout), hence the long bound.
probes=0
probe() { # probe [PARTITION]: one malformed line, to PARTITION or to every partition
    local p
    for p in ${1:-$(seq 0 $((NPART - 1)))}; do
        echo "{\"probe\":$probes}" >"$T/probe.jsonl"
        "$MOCK" --produce "$T/probe.jsonl" --brokers "$BROKERS" --topic "$TOPIC" \
            --partition "$p" 2>>"$T/mock.err" || return 1
        probes=$((probes + 1))
    done
}
both_receive() {
    alive || return 2
    [ "$(kafka_lines "$PA")" -gt 0 ] && [ "$(kafka_lines "$PB")" -gt 0 ] && return 0
    probe >/dev/null
    sleep 1
    return 1
}
if ! wait_for 120 both_receive; then
    not_ok "both instances are assigned partitions (lines: $(kafka_lines "$PA"), $(kafka_lines "$PB"))"
    show_logs
    finish
fi
ok "both instances are assigned partitions"

# Which instance owns which partition: one probe each, and see whose count grows.
owners=()
for p in $(seq 0 $((NPART - 1))); do
    la=$(kafka_lines "$PA")
    lb=$(kafka_lines "$PB")
    probe "$p"
    grown() { [ "$(kafka_lines "$PA")" != "$la" ] || [ "$(kafka_lines "$PB")" != "$lb" ]; }
    if ! wait_for 30 grown; then
        owners+=("?")
        continue
    fi
    if [ "$(kafka_lines "$PA")" != "$la" ]; then owners+=(a); else owners+=(b); fi
done
check "each partition has one owner (${owners[*]})" test "$(echo "${owners[*]}" | tr -d 'ab ')" = ""
check "each instance owns a partition" test "$(echo "${owners[*]}" | tr ' ' '\n' | sort -u | tr -d '\n')" = ab
probe_lines=$(sum_metric 'wachter_lines_total{source="kafka"}')

# ---- the events, keyed by user --------------------------------------------------------

# In chunks: a mock partition keeps only its last 5 MB (librdkafka's mock log limit; real
# brokers keep by time), so the test lets the instances catch up after each chunk rather
# than produce the whole dataset at once and have its start deleted unread.
CHUNK=10000
mkdir -p "$T/chunks"
split -l "$CHUNK" -d -a 3 --additional-suffix=.jsonl "$T/events.jsonl" "$T/chunks/chunk-"
produced=0
produce_ok=1
caught_up() { alive && [ "$(sum_metric 'wachter_lines_total{source="kafka"}')" -ge $((probe_lines + produced)) ]; }
for f in "$T"/chunks/chunk-*.jsonl; do
    if ! "$MOCK" --produce "$f" --brokers "$BROKERS" --topic "$TOPIC" --key user \
        --report "${f%.jsonl}.tsv" 2>>"$T/mock.err"; then
        produce_ok=0
        break
    fi
    produced=$((produced + $(grep -c '' "$f")))
    wait_for 120 caught_up || break
done
check "every event line produced, keyed by user ($produced lines)" \
    test "$produce_ok" = 1 -a "$produced" = "$w_lines"

# What each instance must count: analyze on the lines of its own partitions.
python3 - "$T/chunks" "$T" "${owners[*]}" <<'PY'
import glob, os, sys
owners = sys.argv[3].split()
out = {o: open(os.path.join(sys.argv[2], "share-" + o + ".jsonl"), "wb") for o in set(owners)}
users = {}
for chunk in sorted(glob.glob(os.path.join(sys.argv[1], "chunk-*.jsonl"))):
    lines = open(chunk, "rb").read().split(b"\n")
    for row in open(chunk[: -len(".jsonl")] + ".tsv", encoding="utf-8"):
        part, key, lineno = row.rstrip("\n").split("\t")
        out[owners[int(part)]].write(lines[int(lineno) - 1] + b"\n")
        if key:
            users.setdefault(key, set()).add(part)
for f in out.values():
    f.close()
split = [u for u, ps in users.items() if len(ps) > 1]
open(os.path.join(sys.argv[2], "split-users"), "w").write(" ".join(split))
PY
check "every employee's events are on one partition" test ! -s "$T/split-users"
for n in a b; do
    mkdir -p "$T/ds-$n/events"
    for f in "$DS"/*.csv; do ln -s "$f" "$T/ds-$n/"; done
    cp "$T/share-$n.jsonl" "$T/ds-$n/events/kafka.jsonl" 2>/dev/null || : >"$T/ds-$n/events/kafka.jsonl"
    KEY=$T/key analyze_into "$T/expect-$n" "$T/ds-$n"
done
read -r ea da < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["events"], s["duplicates"])' "$T/expect-a/stats.json")
read -r eb db < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["events"], s["duplicates"])' "$T/expect-b/stats.json")
check "the two shares add up to the whole dataset ($ea + $eb = $w_events)" test $((ea + eb)) = "$w_events"

all_counted() { alive && [ "$(sum_metric wachter_events_total)" -ge "$w_events" ]; }
if wait_for 180 all_counted; then
    ok "the instances count every event ($w_events)"
else
    not_ok "the instances count every event (got $(sum_metric wachter_events_total) of $w_events)"
    show_logs
fi
sleep 1 # anything counted twice would show now
ga=$(metric "$PA" wachter_events_total)
gb=$(metric "$PB" wachter_events_total)
check "no event counted twice ($ga + $gb = $w_events)" test $((ga + gb)) = "$w_events"
check "instance a got a non-empty share ($ga events)" test "${ga:-0}" -gt 0
check "instance b got a non-empty share ($gb events)" test "${gb:-0}" -gt 0
check "instance a counted exactly its partitions' events ($ga = $ea)" test "$ga" = "$ea"
check "instance b counted exactly its partitions' events ($gb = $eb)" test "$gb" = "$eb"
check "duplicates add up ($(sum_metric wachter_duplicates_total) = $w_dups)" \
    test "$(sum_metric wachter_duplicates_total)" = "$w_dups"
check "every produced line reached an instance" \
    test "$(sum_metric 'wachter_lines_total{source="kafka"}')" = $((probe_lines + w_lines))

# ---- clean stop -----------------------------------------------------------------------

for n in a b; do
    port=$PA
    [ "$n" = b ] && port=$PB
    events=$(metric "$port" wachter_events_total)
    check "instance $n stops cleanly on SIGTERM" run_stop "$n"
    check "instance $n --stats-out has lines, events, duplicates, malformed; events = $events" \
        python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert all(isinstance(s[k], int) for k in ("lines", "events", "duplicates", "malformed")), s
assert s["events"] == int(sys.argv[2]), (s["events"], sys.argv[2])' "$T/$n/stats.json" "$events"
done
[ "$FAILED" = 0 ] || show_logs
finish
