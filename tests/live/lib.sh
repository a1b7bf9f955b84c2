# tests/live/lib.sh - helpers for the black-box tests of `wachter run` (sourced after
# tests/integration/lib.sh, which provides $WACHTER, $T, ok/not_ok/check/finish).

# free_port: a TCP port nobody listens on right now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# run_start NAME DATASET PORT [extra args]: starts `wachter run` in the background with its
# database, key and journal in $T/NAME; the pid goes to $T/NAME/pid.
run_start() {
    local name=$1 ds=$2 port=$3
    shift 3
    mkdir -p "$T/$name"
    "$WACHTER" run --ref "$ds" --db "${RUN_DB:-$T/$name/w.db}" --key "$T/key" \
        --journal "$T/$name/journal" --http "127.0.0.1:$port" "$@" \
        >>"$T/$name/out" 2>>"$T/$name/err" &
    echo $! >"$T/$name/pid"
}

# run_wait_ready PORT: waits (up to 60 s) until /healthz answers 200.
run_wait_ready() {
    local i
    for i in $(seq 1 600); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/healthz")" = 200 ] && return 0
        sleep 0.1
    done
    return 1
}

# run_stop NAME: SIGTERM and wait for a clean exit; returns its exit status.
run_stop() {
    local pid
    pid=$(cat "$T/$1/pid")
    kill -TERM "$pid" 2>/dev/null
    wait "$pid"
}

# metric PORT NAME[{labels}]: the value of one metric line.
metric() {
    curl -s "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'
}

# post PORT FILE [path]: POSTs FILE, retrying while the server answers 503 or is down;
# prints the final HTTP status.
post() {
    local port=$1 file=$2 path=${3:-/ingest} code i
    for i in $(seq 1 600); do
        code=$(curl -s -o "$T/post.out" -w '%{http_code}' --data-binary @"$file" \
            -H 'Content-Type: application/x-ndjson' "http://127.0.0.1:$port$path")
        [ "$code" = 503 ] || [ "$code" = 000 ] || break
        sleep 0.1
    done
    echo "$code"
}

# With WACHTER_PG_URL set (tests/run.sh starts a PostgreSQL server), use_pg points RUN_DB
# at a fresh database of that server, so a test runs against PostgreSQL instead of SQLite.
use_pg() {
    local db="wt_$$_$RANDOM"
    psql "$WACHTER_PG_URL" -qAtc "CREATE DATABASE $db" >/dev/null || return 1
    RUN_DB="${WACHTER_PG_URL%/*}/$db"
}

# store_query SQL [NAME]: one value from the store of run NAME (default live).
store_query() {
    if [ -n "${RUN_DB:-}" ]; then
        psql "$RUN_DB" -qAtc "$1"
    else
        sqlite3 "$T/${2:-live}/w.db" "$1"
    fi
}

# ---- the mock Kafka cluster (tests/kafka/mock_cluster.c) -------------------------------

MOCK=${MOCK_CLUSTER:-build/rel/mock_cluster}
case "$MOCK" in /*) ;; *) MOCK="$PWD/$MOCK" ;; esac

mock_has_boot() { [ -s "$T/mock.boot" ]; }

# mock_start TOPIC:PARTITIONS...: starts the mock cluster with those topics, its stdin on
# fd 9 (closing it stops the cluster); sets MOCK_PID and BROKERS. Returns 1 when it is not
# up within 20 s.
mock_start() {
    local args=() t
    for t in "$@"; do args+=(--topic "$t"); done
    mkfifo "$T/mock.ctl"
    "$MOCK" "${args[@]}" <"$T/mock.ctl" >"$T/mock.boot" 2>"$T/mock.err" &
    MOCK_PID=$!
    exec 9>"$T/mock.ctl"
    wait_for 20 mock_has_boot || return 1
    BROKERS=$(head -1 "$T/mock.boot")
}

# kafka_cleanup NAME...: for the EXIT trap: stops the instances NAME (started with
# run_start) and the mock cluster, then removes $T unless KEEP is set.
kafka_cleanup() {
    local n
    for n in "$@"; do
        [ -f "$T/$n/pid" ] && kill -TERM "$(cat "$T/$n/pid")" 2>/dev/null
    done
    exec 9>&- 2>/dev/null # end of file on the mock cluster's stdin: it exits
    [ -n "${MOCK_PID:-}" ] && kill -TERM "$MOCK_PID" 2>/dev/null
    wait 2>/dev/null
    [ -n "${KEEP:-}" ] || rm -rf "$T"
}
