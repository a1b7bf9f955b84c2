#!/usr/bin/env bash
# scripts/demo.sh - what `make demo` runs after installing and building: generate a demo
# dataset, analyse it, score the result against the planted truth, and start the
# analysts' web application on it. Everything goes to demo/ (gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
DEMO=${DEMO_DIR:-demo}
EMPLOYEES=${DEMO_EMPLOYEES:-500}
LISTEN=${DEMO_LISTEN:-127.0.0.1:8080}
mkdir -p "$DEMO"
if [ ! -f "$DEMO/data/truth/stats.json" ]; then
    rm -rf "$DEMO/data"
    echo "== generating a demo dataset: $EMPLOYEES employees, 12 weeks of audit events"
    ./wachter gen "$DEMO/data" --employees "$EMPLOYEES" --seed 2026
fi
rm -f "$DEMO"/wachter.db*
echo "== analysing"
./wachter analyze "$DEMO/data/dataset" --db "$DEMO/wachter.db" --key "$DEMO/wachter.key" \
    --alerts-out "$DEMO/alerts.jsonl" --stats-out "$DEMO/stats.json" --rejects-out "$DEMO/rejects.jsonl"
echo "== scoring against the planted truth (this needs real employee numbers: the reveal is logged)"
./wachter analyze "$DEMO/data/dataset" --db "$DEMO/eval.db" --key "$DEMO/wachter.key" \
    --alerts-out "$DEMO/alerts-revealed.jsonl" --reveal-ids --reveal-reason "demo evaluation" --quiet
./wachter eval "$DEMO/data/truth" "$DEMO/alerts-revealed.jsonl"
rm -f "$DEMO"/eval.db*
cat <<MSG

Results:
  $DEMO/alerts.jsonl    alerts, most urgent first, employees under pseudonyms
  $DEMO/stats.json      counts, rejects by reason, explained share per role
  $DEMO/rejects.jsonl   every malformed line with file, line and reason
  $DEMO/wachter.db      the store the web application reads
MSG
# Demo users, password "wachter-<name>". The supervisor leads the team of the most urgent
# alert, so that an escalation to the supervisor has someone to land with.
read -r unit team < <(sqlite3 -separator ' ' "$DEMO/wachter.db" \
    "SELECT unit, team FROM alerts ORDER BY score DESC LIMIT 1")
for u in analist:analyst vik:vik privacy:privacy ondernemingsraad:council beheer:admin; do
    printf 'wachter-%s\n' "${u%%:*}" |
        ./wachter user add "${u%%:*}" --role "${u##*:}" --db "$DEMO/wachter.db" >/dev/null
done
printf 'wachter-leiding\n' | ./wachter user add leiding --role supervisor --unit "${unit:-UNIT-01}" \
    --team "${team:-UNIT-01-T01}" --db "$DEMO/wachter.db" >/dev/null
cat <<MSG

== the web application: http://$LISTEN  (Ctrl-C stops it)
   log in as analist / wachter-analist; the other demo users are vik, privacy, leiding
   (supervisor of team ${team:-?}), ondernemingsraad (works council) and beheer (admin),
   each with password wachter-<name>
MSG
exec ./wachter serve --db "$DEMO/wachter.db" --key "$DEMO/wachter.key" --listen "$LISTEN" --web web
