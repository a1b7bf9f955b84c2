#!/usr/bin/env bash
# tests/live/run.sh - `wachter run` over HTTP against `wachter analyze` on the same data.
#
# A generated dataset is posted to /ingest in the order analyze takes it (tests/live/
# order.py), in batches; after SIGTERM, run's alerts and stats must equal analyze's,
# byte for byte, and /metrics must count lines, events, duplicates and rejects exactly.
# Also: JSON arrays, Splunk HEC with its token rules, health, and backpressure (503 with
# Retry-After when the queue is full). RUN_DB may name a PostgreSQL URL.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"

if [ "${USE_PG:-0}" = 1 ]; then
    use_pg || { not_ok "a PostgreSQL database for the test"; finish; }
    echo "# store: $RUN_DB"
fi
gen_dataset "$T/g" 7 60
DS=$T/g/dataset
KEY=$T/key analyze_into "$T/a" "$DS"
check "analyze ran" test "$(cat "$T/a/rc")" = 0
n_lines=$(python3 "$(dirname "$0")/order.py" "$DS" "$T/batches" 2000)

# Reference data that cannot be read: one line naming the file, exit 1, nothing written.
mkdir -p "$T/bad/ref" "$T/bad/out"
cp "$DS"/*.csv "$T/bad/ref/" && rm "$T/bad/ref/employees.csv"
"$WACHTER" run --ref "$T/bad/ref" --db "$T/bad/out/w.db" --http 127.0.0.1:0 >/dev/null 2>"$T/bad/err"
check "missing employees.csv: exit 1" test $? = 1
check "missing employees.csv: one line naming the file" \
    test "$(wc -l <"$T/bad/err")" = 1 -a -n "$(grep employees.csv "$T/bad/err")"
check "missing employees.csv: nothing written" test -z "$(ls -A "$T/bad/out")"

PORT=$(free_port)
run_start live "$DS" "$PORT" --hec-token s3cret --alerts-out "$T/live/alerts.jsonl" \
    --stats-out "$T/live/stats.json" --rejects-out "$T/live/rejects.jsonl"
check "run becomes ready" run_wait_ready "$PORT"
check "healthz says ok" test "$(curl -s "http://127.0.0.1:$PORT/healthz")" = ok

all_ok=1
for f in "$T"/batches/batch-*.ndjson; do
    [ "$(post "$PORT" "$f")" = 200 ] || all_ok=0
done
check "every batch acknowledged with 200" test "$all_ok" = 1
read -r a_lines a_events a_dups a_bad < <(python3 -c '
import json,sys; s=json.load(open(sys.argv[1])); print(s["lines"], s["events"], s["duplicates"], s["malformed"])' "$T/a/stats.json")
check "posted as many lines as the dataset has ($n_lines)" test "$n_lines" = "$a_lines"
check "metrics: lines" test "$(metric "$PORT" 'wachter_lines_total{source="http"}')" = "$a_lines"
check "metrics: events" test "$(metric "$PORT" wachter_events_total)" = "$a_events"
check "metrics: duplicates" test "$(metric "$PORT" wachter_duplicates_total)" = "$a_dups"
rej=$(curl -s "http://127.0.0.1:$PORT/metrics" | awk '$1 ~ /^wachter_rejected_total/ { s += $2 } END { print s }')
check "metrics: rejected lines ($a_bad)" test "$rej" = "$a_bad"
for i in $(seq 1 100); do
    [ "$(metric "$PORT" wachter_lag_events)" = 0 ] && break
    sleep 0.1
done
check "metrics: the engine caught up" test "$(metric "$PORT" wachter_lag_events)" = 0
check "metrics: alert latency histogram present" \
    grep -q '^wachter_alert_latency_seconds_count' <(curl -s "http://127.0.0.1:$PORT/metrics")

withdrawn=$(metric "$PORT" wachter_alerts_withdrawn_total)
check "run stops cleanly on SIGTERM" run_stop live
check "alerts withdrawn at a day close are marked so in the store ($withdrawn)" \
    test "$(store_query "select count(*) from alerts where status = 'withdrawn'")" = "$withdrawn"
check "alerts equal analyze's, byte for byte" cmp -s "$T/a/alerts.jsonl" "$T/live/alerts.jsonl"
check "there are alerts to compare" test -s "$T/a/alerts.jsonl"
same_stats=$(python3 -c '
import json,sys
a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
keys=["lines","events","duplicates","malformed","malformed_by_reason","alerts","record_accesses","explained_share","explained_by_role","indicators"]
print(all(a[k]==b[k] for k in keys))' "$T/a/stats.json" "$T/live/stats.json")
check "stats equal analyze's" test "$same_stats" = True
check "rejects name the source and reason" \
    python3 -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; assert len(r)==int(sys.argv[2]) and all(x["file"]=="http" and x["reason"] for x in r)' \
    "$T/live/rejects.jsonl" "$a_bad"
check "alerts are in the store" \
    test "$(store_query "select count(*) from alerts where score > 0")" -ge "$(wc -l <"$T/a/alerts.jsonl")"

# Restart on the same journal: the replay restores every counter, nothing counted twice.
run_start live "$DS" "$PORT" --hec-token s3cret
check "restart becomes ready" run_wait_ready "$PORT"
check "after restart: events counted once" test "$(metric "$PORT" wachter_events_total)" = "$a_events"
check "after restart: duplicates counted once" test "$(metric "$PORT" wachter_duplicates_total)" = "$a_dups"
# The duplicate filter remembers ids for 24 hours of event time: re-send the newest lines.
tail -n 200 "$(ls "$T"/batches/batch-*.ndjson | tail -n 1)" >"$T/repost.ndjson"
check "re-posting lines is acknowledged" test "$(post "$PORT" "$T/repost.ndjson")" = 200
check "re-posted events are duplicates, not events" \
    test "$(metric "$PORT" wachter_events_total)" = "$a_events"

# JSON array and HEC bodies.
U=$(awk -F, 'NR==2 { print $1 }' "$DS/employees.csv")
ev() { printf '{"id":"%s","ts":"2031-01-05T10:00:0%s+01:00","user":"%s","system":"BRP","action":"query","subject_type":"person","subject":"PX-%s"}' "$1" "$2" "$U" "$1"; }
printf '[%s,%s,{"id":"arr-3"},"not an event"]' "$(ev arr-1 1)" "$(ev arr-2 2)" >"$T/array.json"
before=$(metric "$PORT" wachter_events_total)
check "a JSON array is accepted" test "$(post "$PORT" "$T/array.json")" = 200
check "array: two events, two rejects" \
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert (r["lines"],r["events"],r["rejected"])==(4,2,2), r' "$T/post.out"
printf '{"time":1,"event":%s}\n{"event":%s}{"event":"%s"}' "$(ev hec-1 1)" "$(ev hec-2 2)" \
    "$(ev hec-3 3 | sed 's/"/\\"/g')" >"$T/hec.json"
code=$(curl -s -o "$T/hec.out" -w '%{http_code}' --data-binary @"$T/hec.json" \
    -H 'Authorization: Splunk s3cret' "http://127.0.0.1:$PORT/services/collector/event")
check "HEC with the token: 200" test "$code" = 200
check "HEC answers like Splunk" grep -q '"text":"Success","code":0' "$T/hec.out"
check "HEC: three events taken" grep -q '"events":3' "$T/hec.out"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/hec.json" \
    -H 'Authorization: Splunk wrong' "http://127.0.0.1:$PORT/services/collector/event")
check "HEC with a wrong token: 403" test "$code" = 403
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/hec.json" \
    "http://127.0.0.1:$PORT/services/collector/event")
check "HEC without a token: 401" test "$code" = 401
check "HEC health" grep -q 'HEC is healthy' <(curl -s "http://127.0.0.1:$PORT/services/collector/health")
check "events counted exactly after array and HEC" \
    test "$(metric "$PORT" wachter_events_total)" = "$((before + 5))"
check "GET /ingest is refused" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/ingest")" = 405
# Reference data changed on disk: a new generation (engine + replay) takes over.
touch "$DS/employees.csv"
for i in $(seq 1 100); do
    [ "$(metric "$PORT" wachter_reference_generations_total)" = 1 ] && break
    sleep 0.1
done
check "a changed reference file is reloaded without a restart" \
    test "$(metric "$PORT" wachter_reference_generations_total)" = 1
check "reload: counters unchanged" test "$(metric "$PORT" wachter_events_total)" = "$((before + 5))"
check "reload: still taking events" test "$(post "$PORT" "$T/repost.ndjson")" = 200
check "run stops cleanly again" run_stop live
check "reload: the new generation is a new run in the store" \
    test "$(store_query "select count(*) from runs")" = 2

# Backpressure: with the engine paused (a file named "pause" in the journal directory) a
# small queue fills up; the next batch gets 503 with Retry-After and is not taken.
PORT2=$(free_port)
run_start small "$DS" "$PORT2" --queue 1024
run_wait_ready "$PORT2"
cat "$T"/batches/batch-0000[0-1].ndjson >"$T/big.ndjson"
head -n 1000 "$T/big.ndjson" >"$T/b1.ndjson"
sed -n '1001,1600p' "$T/big.ndjson" >"$T/b2.ndjson"
code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/big.ndjson" "http://127.0.0.1:$PORT2/ingest")
check "a batch larger than the whole queue is refused with 500, not taken in part" test "$code" = 500
touch "$T/small/journal/pause"
sleep 0.3
check "paused engine: a batch that fits is taken" \
    test "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/b1.ndjson" "http://127.0.0.1:$PORT2/ingest")" = 200
code=$(curl -s -D "$T/hdr" -o /dev/null -w '%{http_code}' --data-binary @"$T/b2.ndjson" "http://127.0.0.1:$PORT2/ingest")
check "full queue: 503" test "$code" = 503
check "503 carries Retry-After" grep -qi '^Retry-After: 1' "$T/hdr"
check "metrics count the refusal" test "$(metric "$PORT2" wachter_busy_total)" = 1
check "metrics show the lag" test "$(metric "$PORT2" wachter_lag_events)" -gt 0
rm -f "$T/small/journal/pause"
check "resumed: the same batch is taken (client retry)" test "$(post "$PORT2" "$T/b2.ndjson")" = 200
check "resumed: nothing lost" test "$(metric "$PORT2" wachter_lines_total{source=\"http\"})" = 1600
run_stop small
finish
