#!/usr/bin/env bash
# bench/live.sh - `wachter run` under sustained HTTP load: latency from an event received
# to its alert stored, at RATE events/s (default 20000) for SECONDS (default 60), on the
# events of a generated EMPLOYEES-employee dataset (default 2000) in event-time order.
# Prints what bench/live_load.py measured and the server's peak RSS.
#   bash bench/live.sh [RATE] [SECONDS] [EMPLOYEES]
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-20000}
SECONDS_RUN=${2:-60}
EMP=${3:-2000}
make -s all >/dev/null
mkdir -p bench/out
[ -f bench/out/.gitignore ] || echo '*' >bench/out/.gitignore
d=bench/out/live$EMP
if [ ! -f "$d/dataset/employees.csv" ]; then
    rm -rf "$d"
    ./wachter gen "$d" --employees "$EMP" --seed 77 >/dev/null
fi
[ -d "$d/batches" ] || python3 tests/live/order.py "$d/dataset" "$d/batches" 200 >/dev/null
t=$(mktemp -d /tmp/wachter-live-XXXXXX)
trap 'kill $pid 2>/dev/null || true; rm -rf "$t"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
./wachter run --ref "$d/dataset" --db "$t/w.db" --key "$t/k" \
    --journal "$t/journal" --http "127.0.0.1:$port" --quiet 2>"$t/err" &
pid=$!
for i in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
done
echo "wachter run, $EMP employees' events at $RATE events/s for $SECONDS_RUN s ($(nproc) cores):"
python3 bench/live_load.py "$port" "$d/batches" "$RATE" "$SECONDS_RUN" 4
echo "peak RSS of wachter run: $(awk '/^VmHWM/ { printf "%d MiB", $2 / 1024 }' /proc/$pid/status)"
kill -TERM $pid
wait $pid || true
