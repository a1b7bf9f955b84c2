#!/usr/bin/env bash
# tests/live/kafka_subjects.sh - the subject side of scale-out (docs/scale-out.md, "The
# subject side: curiosity waves"): two employee-role `wachter run` instances and one
# subject-role instance on a mock Kafka cluster.
#
# Topics audit-events, audit-by-subject and wachter-signals, 4 partitions each. A generated
# dataset whose single-instance analyze alerts include curiosity_wave (gen --employees 150
# --days 35 --seed 2: three vip_curiosity actors, three curiosity_wave alerts, whose
# employees hash to partitions 0 and 3, so both employee instances get signals) is
# produced in analyze's order: every line keyed by user to audit-events, every record event
# (a line with a subject) keyed by subject to audit-by-subject. Instances a and b (group
# wachter-emp, --signals-topic wachter-signals) own the employees; instance s (--role
# subjects, group wachter-subj) detects waves and publishes one signal per looker, keyed
# by user, to wachter-signals. Checks:
#   - s published N > 0 signals, and a and b together injected exactly N (none repeated,
#     none lost), both a share;
#   - every employee whose signals an instance received has its events on that instance
#     and none on the other (co-partitioning by the range assignor), read from the journals;
#   - a signal line for another indicator is rejected (bad_value) and not injected;
#   - a curiosity_wave alert in a's or b's --alerts-out for an employee that analyze of the
#     whole dataset also alerted with curiosity_wave;
#   - the employee instances say in their log that curiosity_wave does not run locally;
#   - all three stop cleanly on SIGTERM.
# Needs build/rel/mock_cluster (make build/rel/mock_cluster). MOCK_CLUSTER overrides it.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"

NPART=4
SIGNALS=wachter-signals

if [ ! -x "$MOCK" ]; then
    not_ok "mock cluster built ($MOCK; make build/rel/mock_cluster)"
    finish
fi

trap 'kafka_cleanup a b s' EXIT

# m PORT NAME: a metric of one instance, 0 when absent.
m() {
    local v
    v=$(metric "$1" "$2")
    echo "${v:-0}"
}
emp_lines() { echo $(($(m "$PA" 'wachter_lines_total{source="kafka"}') + $(m "$PB" 'wachter_lines_total{source="kafka"}'))); }
subj_lines() { m "$PS" 'wachter_lines_total{source="kafka"}'; }

wait_for() {
    local end=$((SECONDS + $1))
    shift
    while [ "$SECONDS" -lt "$end" ]; do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}

alive() {
    local n
    for n in a b s; do kill -0 "$(cat "$T/$n/pid")" 2>/dev/null || return 1; done
}

show_logs() {
    local n
    for n in a b s; do
        echo "# instance $n stderr:"
        tail -20 "$T/$n/err" 2>/dev/null | sed 's/^/#   /'
    done
}

# ---- the cluster and the data ---------------------------------------------------------

if ! mock_start "audit-events:$NPART" "audit-by-subject:$NPART" "$SIGNALS:$NPART"; then
    not_ok "mock cluster starts"
    finish
fi
ok "mock cluster starts with three co-partitioned topics ($BROKERS)"

"$WACHTER" gen "$T/g" --employees 150 --days 35 --seed 2 >/dev/null 2>&1 ||
    { not_ok "gen --employees 150 --days 35 --seed 2"; finish; }
DS=$T/g/dataset
check "the dataset has vip_curiosity actors" grep -q vip_curiosity "$T/g/truth/actors.csv"
python3 "$(dirname "$0")/order.py" "$DS" "$T/batches" 1000000 >/dev/null
cat "$T"/batches/batch-*.ndjson >"$T/events.jsonl"
grep '"subject":"' "$T/events.jsonl" >"$T/records.jsonl"
KEY=$T/key analyze_into "$T/whole" "$DS" --reveal-ids
check "analyze of the whole dataset ran" test "$(cat "$T/whole/rc")" = 0
wave_users() { # FILE: the users of alerts with a curiosity_wave indicator
    python3 -c '
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    if any(i["name"] == "curiosity_wave" for i in a["indicators"]):
        print(a["user"])' "$1" | sort -u
}
wave_users "$T/whole/alerts.jsonl" >"$T/whole/wave-users"
check "analyze alerts curiosity_wave on the whole dataset ($(tr '\n' ' ' <"$T/whole/wave-users"))" \
    test -s "$T/whole/wave-users"
w_events=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$T/whole/stats.json")

# ---- three instances ------------------------------------------------------------------

PA=$(free_port)
PB=$(free_port)
PS=$(free_port)
while [ "$PB" = "$PA" ]; do PB=$(free_port); done
while [ "$PS" = "$PA" ] || [ "$PS" = "$PB" ]; do PS=$(free_port); done
EMP_ARGS=(--kafka-brokers "$BROKERS" --kafka-topic audit-events --kafka-group wachter-emp
    --signals-topic "$SIGNALS" --reveal-ids)
for n in a b; do
    port=$PA
    [ "$n" = b ] && port=$PB
    run_start "$n" "$DS" "$port" "${EMP_ARGS[@]}" --alerts-out "$T/$n/alerts.jsonl" \
        --stats-out "$T/$n/stats.json"
done
run_start s "$DS" "$PS" --role subjects --kafka-brokers "$BROKERS" --kafka-topic audit-by-subject \
    --kafka-group wachter-subj --signals-topic "$SIGNALS" --alerts-out "$T/s/alerts.jsonl"
if ! run_wait_ready "$PA" || ! run_wait_ready "$PB" || ! run_wait_ready "$PS"; then
    not_ok "the three instances become ready"
    show_logs
    finish
fi
ok "the three instances become ready"
check "the employee instances say curiosity_wave does not run locally" \
    grep -q "curiosity_wave does not run here" "$T/a/err" "$T/b/err"
check "the subject instance says only curiosity_wave runs" grep -q "only curiosity_wave runs" "$T/s/err"

# Both employee instances must own partitions before any event is produced (a rebalance
# later would move employees): probe with malformed lines until both receive some.
probes=0
probe() {
    local p
    for p in $(seq 0 $((NPART - 1))); do
        echo "{\"probe\":$probes}" >"$T/probe.jsonl"
        "$MOCK" --produce "$T/probe.jsonl" --brokers "$BROKERS" --topic audit-events \
            --partition "$p" 2>>"$T/mock.err" || return 1
        probes=$((probes + 1))
    done
}
both_receive() {
    alive || return 2
    [ "$(m "$PA" 'wachter_lines_total{source="kafka"}')" -gt 0 ] &&
        [ "$(m "$PB" 'wachter_lines_total{source="kafka"}')" -gt 0 ] && return 0
    probe >/dev/null
    sleep 1
    return 1
}
if ! wait_for 120 both_receive; then
    not_ok "both employee instances are assigned partitions"
    show_logs
    finish
fi
ok "both employee instances are assigned partitions"
probe_lines=$(emp_lines)

# ---- the events: keyed by user, and record events keyed by subject ----------------------

# In chunks, letting the instances catch up: a mock partition keeps only its last 5 MB.
# Chunk k goes to audit-events, then its record events to audit-by-subject, so the signals
# reach the owners at most about a chunk (a day or two of event time) behind the lookers'
# events, not after the whole dataset: a signal is scored when it arrives, and one that
# arrives weeks late finds the employee's other evidence decayed (docs/scale-out.md).
CHUNK=4000
mkdir -p "$T/chunks"
split -l "$CHUNK" -d -a 3 --additional-suffix=.jsonl "$T/events.jsonl" "$T/chunks/chunk-"
produced=0
produced_r=0
produce_ok=1
caught_up() { alive && [ "$(emp_lines)" -ge $((probe_lines + produced)) ] && [ "$(subj_lines)" -ge "$produced_r" ]; }
for f in "$T"/chunks/chunk-*.jsonl; do
    r=${f%.jsonl}.records
    grep '"subject":"' "$f" >"$r" || :
    if ! "$MOCK" --produce "$f" --brokers "$BROKERS" --topic audit-events --key user \
        2>>"$T/mock.err" || ! "$MOCK" --produce "$r" --brokers "$BROKERS" \
        --topic audit-by-subject --key subject 2>>"$T/mock.err"; then
        produce_ok=0
        break
    fi
    produced=$((produced + $(grep -c '' "$f")))
    produced_r=$((produced_r + $(grep -c '' "$r")))
    wait_for 120 caught_up || break
done
check "every line produced keyed by user ($produced) and every record event keyed by subject ($produced_r)" \
    test "$produce_ok" = 1 -a "$produced" = "$(grep -c '' "$T/events.jsonl")" \
    -a "$produced_r" = "$(grep -c '' "$T/records.jsonl")"

all_taken() {
    alive && [ $(($(m "$PA" wachter_events_total) + $(m "$PB" wachter_events_total))) -ge "$w_events" ] &&
        [ "$(m "$PS" wachter_lag_events)" = 0 ] && [ "$(m "$PA" wachter_lag_events)" = 0 ] &&
        [ "$(m "$PB" wachter_lag_events)" = 0 ] && [ "$(subj_lines)" -ge "$produced_r" ]
}
if wait_for 120 all_taken; then
    ok "every event is taken ($w_events by the employee instances)"
else
    not_ok "every event is taken"
    show_logs
fi
# The signals follow the subject instance's analysis: wait until what it published has
# arrived at the owners, then a moment more, so that repeats would show.
published() { m "$PS" wachter_signals_published_total; }
injected() { echo $(($(m "$PA" wachter_signals_injected_total) + $(m "$PB" wachter_signals_injected_total))); }
signals_arrived() { alive && [ "$(published)" -gt 0 ] && [ "$(injected)" -ge "$(published)" ]; }
wait_for 60 signals_arrived
sleep 2
N=$(published)
ia=$(m "$PA" wachter_signals_injected_total)
ib=$(m "$PB" wachter_signals_injected_total)
check "the subject instance published signals ($N)" test "$N" -gt 0
check "the employee instances injected exactly the published signals ($ia + $ib = $N)" \
    test $((ia + ib)) = "$N"
# The range assignor gives partitions 0-1 to one member and 2-3 to the other, and this
# dataset's wave lookers hash to partitions 0 and 3.
check "both employee instances received signals" test "$ia" -gt 0 -a "$ib" -gt 0
check "no signal was dropped as a repeat" \
    test "$(m "$PA" wachter_signal_repeats_total)" = 0 -a "$(m "$PB" wachter_signal_repeats_total)" = 0
check "no signal line was rejected" \
    test "$(m "$PA" 'wachter_lines_total{source="signals"}')" = "$ia" \
    -a "$(m "$PB" 'wachter_lines_total{source="signals"}')" = "$ib"

# A signal line the owners cannot take (not a curiosity_wave signal) is rejected with a
# reason, and nothing is injected.
bad_value() { echo $(($(m "$PA" 'wachter_rejected_total{reason="bad_value"}') + $(m "$PB" 'wachter_rejected_total{reason="bad_value"}'))); }
bv=$(bad_value)
echo '{"signal":"off_duty","id":"bad-1","ts":"2025-02-10T10:00:00Z","user":"U001001","system":"BRP","action":"query","subject_type":"person","subject":"P1","strength":1,"key":0,"note":0,"group":0}' >"$T/bad-signal.jsonl"
"$MOCK" --produce "$T/bad-signal.jsonl" --brokers "$BROKERS" --topic "$SIGNALS" --key user 2>>"$T/mock.err"
rejected() { [ "$(bad_value)" -gt "$bv" ]; }
wait_for 30 rejected
check "a malformed signal line is rejected as bad_value and not injected" \
    test "$(bad_value)" = $((bv + 1)) -a "$(injected)" = "$N"

# ---- stop, then compare ----------------------------------------------------------------

for n in s a b; do
    check "instance $n stops cleanly on SIGTERM" run_stop "$n"
done

# Who received which employees' events and signals, from the journals.
check "every employee with injected signals is owned by the instance that received them" \
    python3 - "$T/a/journal/journal.wj" "$T/b/journal/journal.wj" <<'PY'
import json, sys
def users(path):
    data = open(path, "rb").read()
    ev, sig, pos = set(), set(), 0
    while pos < len(data):
        nl = data.index(b"\n", pos)
        _, _, source, length, _ = data[pos:nl].split(b" ")
        body = data[nl + 1 : nl + 1 + int(length)]
        pos = nl + 1 + int(length)
        for line in body.split(b"\n"):
            try:
                o = json.loads(line)
            except ValueError:
                continue
            if not isinstance(o, dict) or not o.get("user"):
                continue
            if source != b"signals":
                ev.add(o["user"])
            elif o.get("signal") == "curiosity_wave":
                sig.add(o["user"])
    return ev, sig
(ea, sa), (eb, sb) = users(sys.argv[1]), users(sys.argv[2])
assert sa or sb, "no signals in either journal"
assert not (ea & eb), ("employees on both instances", sorted(ea & eb)[:5])
assert sa <= ea and not (sa & eb), ("a got signals of employees it does not own", sorted(sa - ea))
assert sb <= eb and not (sb & ea), ("b got signals of employees it does not own", sorted(sb - eb))
print("# signals for %d employees on a, %d on b" % (len(sa), len(sb)))
PY
cat "$T/a/alerts.jsonl" "$T/b/alerts.jsonl" >"$T/split-alerts.jsonl"
wave_users "$T/split-alerts.jsonl" >"$T/split-wave-users"
both=$(comm -12 "$T/whole/wave-users" "$T/split-wave-users" | tr '\n' ' ')
check "a curiosity_wave alert of the split deployment matches analyze's (${both:-none}; split: $(tr '\n' ' ' <"$T/split-wave-users"))" \
    test -n "$both"
check "the subject instance keeps no alerts of its own" test ! -s "$T/s/alerts.jsonl"
[ "$FAILED" = 0 ] || show_logs
finish
