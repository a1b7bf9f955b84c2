#!/usr/bin/env bash
# tests/api/bench_queue.sh - how fast the queue API answers with 100,000 alerts.
#
#   bash tests/api/bench_queue.sh PATH/TO/wachter [N_ALERTS]
#
# Builds nothing. Creates a fresh database with the binary (so it has the current
# schema), fills it with SQL (recursive CTEs: 5,000 pseudonyms in 10 units, N_ALERTS
# alerts, default 100,000, with 3 indicators each from 12 names, about 8% dismissed and
# 2% escalated), starts `wachter serve` on a free loopback port and times, with curl,
# the first page of 50 for several filter combinations: the best of 5 requests each
# (the first warms the statement cache). Target: every one under 50 ms.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(realpath "${1:?usage: tests/api/bench_queue.sh PATH/TO/wachter [N_ALERTS]}")
N=${2:-100000}
TMP=$(mktemp -d /tmp/wachter-bench-XXXXXX)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
cd "$TMP" || exit 1

echo "bench-analyst-pw" | "$BIN" user add bench --role analyst --db b.db 2>/dev/null || exit 1
t0=$(date +%s.%N)
sqlite3 b.db <<SQL || exit 1
BEGIN;
INSERT INTO runs (id, dataset, started, finished, alert_count)
VALUES (1, 'bench', '2025-01-01T00:00:00.000Z', '2025-01-01T00:10:00.000Z', $N);
WITH RECURSIVE p(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM p WHERE i < 4999)
INSERT INTO pseudonyms (pseudonym, sealed_user, unit, team, role, first_seen, updated)
SELECT printf('P-%010d', i), randomblob(47), printf('UNIT-%02d', i % 10),
       printf('UNIT-%02d-T%02d', i % 10, i % 7), 'patrol', '2025-01-01', '2025-01-01' FROM p;
WITH RECURSIVE a(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM a WHERE i < $N)
INSERT INTO alerts (id, run_id, alert_ref, pseudonym, unit, team, role, score, first_ms, last_ms,
                    status, disposition, created)
SELECT i, 1, printf('A-%06d', i), printf('P-%010d', i % 5000), printf('UNIT-%02d', (i % 5000) % 10),
       printf('UNIT-%02d-T%02d', (i % 5000) % 10, (i % 5000) % 7), 'patrol',
       (abs(random()) % 1000000) / 1000000.0,
       1735689600000 + (abs(random()) % 31536000000) AS f, 1735689600000 + 31536000000,
       CASE WHEN i % 50 = 0 THEN 'escalated' WHEN i % 12 = 0 THEN 'dismissed' ELSE 'new' END,
       CASE WHEN i % 50 = 0 THEN 'triage' WHEN i % 24 = 0 THEN 'false_positive'
            WHEN i % 12 = 0 THEN 'explained' END,
       '2025-01-01T00:00:00.000Z' FROM a;

WITH RECURSIVE k(o) AS (SELECT 0 UNION ALL SELECT o + 1 FROM k WHERE o < 2),
names(n, name) AS (VALUES (0,'relative_lookup'),(1,'colleague_lookup'),(2,'off_duty'),
    (3,'rare_access'),(4,'volume'),(5,'bogus_legitimation'),(6,'self_lookup'),
    (7,'neighbour_lookup'),(8,'criminal_contact'),(9,'sensitive_record'),(10,'export'),
    (11,'wave'))
INSERT INTO alert_indicators (alert_id, ordinal, name, score, text_en, text_nl)
SELECT a.id, k.o, names.name, 0.5, 'text', 'tekst' FROM alerts a JOIN k
JOIN names ON names.n = (a.id * 7 + k.o * 5) % 12;
COMMIT;
ANALYZE;
SQL
t1=$(date +%s.%N)
printf 'filled %s alerts (%s indicators) in %.1f s\n' "$(sqlite3 b.db 'SELECT count(*) FROM alerts')" \
    "$(sqlite3 b.db 'SELECT count(*) FROM alert_indicators')" "$(echo "$t1 - $t0" | bc)"

"$BIN" serve --db b.db --listen 127.0.0.1:0 --web "$REPO/web" >serve.log 2>&1 &
SERVER_PID=$!
PORT=
for _ in $(seq 1 100); do
    PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' serve.log | grep -o '[0-9]*$')
    [ -n "$PORT" ] && break
    sleep 0.1
done
[ -n "$PORT" ] || { echo "server did not start"; cat serve.log; exit 1; }
B=http://127.0.0.1:$PORT
curl -s -c jar -H 'Content-Type: application/json' \
    -d '{"user":"bench","password":"bench-analyst-pw"}' "$B/api/session" >/dev/null

IND=$(sqlite3 b.db "SELECT name FROM alert_indicators LIMIT 1")
worst=0
for q in "" "status=new" "unit=UNIT-03" "status=new&unit=UNIT-03" "indicator=$IND" \
    "status=new&indicator=$IND" "from=2025-03-01&to=2025-03-31" \
    "status=new&unit=UNIT-03&indicator=$IND&from=2025-03-01&to=2025-06-30" "status=dismissed" \
    "offset=5000"; do
    best=999
    for _ in 1 2 3 4 5; do
        t=$(curl -s -o body -w '%{time_total}' -b jar "$B/api/alerts?limit=50&$q")
        best=$(echo "if ($t < $best) $t else $best" | bc)
    done
    total=$(python3 -c "import json; d=json.load(open('body')); print(d['total'], len(d['alerts']))")
    ms=$(echo "$best * 1000" | bc)
    printf '%-70s %7.1f ms   (total, page: %s)\n' "/api/alerts?limit=50&$q" "$ms" "$total"
    worst=$(echo "if ($ms > $worst) $ms else $worst" | bc)
done
printf 'worst first page: %.1f ms (target < 50 ms)\n' "$worst"
# The page in the browser, when node, chromium and playwright-core are installed.
if command -v node >/dev/null 2>&1 && [ -x /usr/bin/chromium ] && [ -d "$REPO/node_modules/playwright-core" ]; then
    WACHTER_URL=$B WACHTER_USER=bench WACHTER_PW=bench-analyst-pw \
        node "$REPO/tests/web/bench-queue-page.mjs" || echo "browser timing failed"
fi
[ "$(echo "$worst < 50" | bc)" = 1 ]
