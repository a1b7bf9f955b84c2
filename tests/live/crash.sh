#!/usr/bin/env bash
# tests/live/crash.sh - kill -9 at random moments; no event lost, none counted twice.
#
# A client posts a generated dataset to `wachter run` batch by batch, retrying each batch
# until it is acknowledged (as Fluent Bit or Vector do). Meanwhile the server is killed
# with SIGKILL TRIALS times at random moments (during posting, fsync, analysis and the
# replay after a restart) and restarted on the same journal. At the end the server is
# stopped cleanly and its alerts and counters must equal `wachter analyze` on the same
# dataset: every event counted exactly once (re-sent batches become duplicates), and the
# same alerts byte for byte.
#   TRIALS (default 20), EMPLOYEES (default 50), BATCH (lines per post, default 250).
# The soak run is the same script at length: TRIALS=300 EMPLOYEES=400 bash tests/live/crash.sh
# USE_PG=1 (with WACHTER_PG_URL) runs it against PostgreSQL.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib.sh"
TRIALS=${TRIALS:-20}
EMPLOYEES=${EMPLOYEES:-50}
BATCH=${BATCH:-250}

if [ "${USE_PG:-0}" = 1 ]; then
    use_pg || { not_ok "a PostgreSQL database for the test"; finish; }
    echo "# store: $RUN_DB"
fi
gen_dataset "$T/g" 21 "$EMPLOYEES"
DS=$T/g/dataset
KEY=$T/key analyze_into "$T/a" "$DS"
python3 "$(dirname "$0")/order.py" "$DS" "$T/batches" "$BATCH" >/dev/null
n_batches=$(ls "$T"/batches | wc -l)
PORT=$(free_port)

run_start live "$DS" "$PORT"
run_wait_ready "$PORT"
# The last batch waits until the kills are done (at most two minutes), so that a fast
# machine cannot post everything before TRIALS kills were made.
last=$(ls "$T"/batches/batch-*.ndjson | tail -1)
(
    for f in "$T"/batches/batch-*.ndjson; do
        if [ "$f" = "$last" ]; then
            for _ in $(seq 1200); do [ -e "$T/killed" ] && break; sleep 0.1; done
        fi
        until [ "$(post "$PORT" "$f")" = 200 ]; do sleep 0.05; done
        echo "$f" >>"$T/acked"
    done
    touch "$T/posted"
) &
poster=$!

kills=0
while [ "$kills" -lt "$TRIALS" ] && [ ! -e "$T/posted" ]; do
    sleep "0.$(printf '%02d' $((RANDOM % 40 + 5)))"
    kill -KILL "$(cat "$T/live/pid")" 2>/dev/null && kills=$((kills + 1))
    wait "$(cat "$T/live/pid")" 2>/dev/null
    run_start live "$DS" "$PORT"
    # Sometimes kill again during the replay that follows a restart.
    if [ $((RANDOM % 4)) = 0 ] && [ "$kills" -lt "$TRIALS" ]; then
        sleep "0.0$((RANDOM % 9 + 1))"
        kill -KILL "$(cat "$T/live/pid")" 2>/dev/null && kills=$((kills + 1))
        wait "$(cat "$T/live/pid")" 2>/dev/null
        run_start live "$DS" "$PORT"
    fi
done
touch "$T/killed"
wait "$poster"
check "$kills kill -9 trials (asked $TRIALS) while $n_batches batches were posted" test "$kills" -ge "$TRIALS"
check "every batch was acknowledged in the end" test "$(wc -l <"$T/acked")" = "$n_batches"
run_wait_ready "$PORT"
run_stop live
# The final, clean run writes the outputs.
run_start live "$DS" "$PORT" --alerts-out "$T/live/alerts.jsonl" --stats-out "$T/live/stats.json"
run_wait_ready "$PORT"
read -r a_events a_dups < <(python3 -c '
import json,sys; s=json.load(open(sys.argv[1])); print(s["events"], s["duplicates"])' "$T/a/stats.json")
got=$(metric "$PORT" wachter_events_total)
check "0 events lost, 0 counted twice: $got events, analyze has $a_events" test "$got" = "$a_events"
check "duplicates include at least the dataset's own" test "$(metric "$PORT" wachter_duplicates_total)" -ge "$a_dups"
run_stop live
check "the same alerts as analyze, byte for byte" cmp -s "$T/a/alerts.jsonl" "$T/live/alerts.jsonl"
check "journal restarts were logged" grep -q "replayed" "$T/live/err"
check "the stored alerts are the alerts of the run" \
    test "$(store_query "select count(*) from alerts where score > 0")" -ge "$(wc -l <"$T/a/alerts.jsonl")"
finish
