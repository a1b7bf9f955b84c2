#!/usr/bin/env bash
# bench/run.sh [small] - throughput and memory of `wachter analyze` and of the ingest path
# alone and the reference load alone (build/rel/bench_ingest), on generated datasets of 200, 2,000 and 20,000 employees
# over 84 days (`small`: 200 and 2,000 only). Datasets are generated once into bench/out/
# (gitignored) and reused. Prints a Markdown table for the README.
# RUNS=N runs `analyze` N times per size (default 1) and reports the median wall time, the
# largest peak RSS and every run's time: this machine's speed varies from hour to hour.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s all build/rel/bench_ingest >/dev/null
sizes=(200 2000 20000)
[ "${1:-}" = small ] && sizes=(200 2000)
mkdir -p bench/out
[ -f bench/out/.gitignore ] || echo '*' >bench/out/.gitignore
rows=() notes=()
for n in "${sizes[@]}"; do
    d=bench/out/e$n
    if [ ! -f "$d/truth/stats.json" ]; then
        rm -rf "$d"
        ./wachter gen "$d" --employees "$n" --seed 1 --days 84 >/dev/null
    fi
    r=$(mktemp -d /tmp/wachter-bench-XXXXXX)
    walls=() rss=0
    for _ in $(seq "${RUNS:-1}"); do
        rm -f "$r"/w.db*
        /usr/bin/time -v ./wachter analyze "$d/dataset" --db "$r/w.db" --key "$r/w.key" \
            --alerts-out "$r/a.jsonl" --stats-out "$r/s.json" --rejects-out "$r/r.jsonl" --quiet \
            >/dev/null 2>"$r/time"
        walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$r/time")")
        run_rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$r/time")
        [ "$run_rss" -gt "$rss" ] && rss=$run_rss
    done
    wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')
    [ "${RUNS:-1}" -gt 1 ] && notes+=("$n employees: analyze ${walls[*]} s")
    events=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$r/s.json")
    /usr/bin/time -v build/rel/bench_ingest "$d/dataset" >"$r/ing" 2>"$r/itime"
    ing_s=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' "$r/ing")
    ing_rate=$(sed -n 's/.* events_per_s=\([0-9]*\).*/\1/p' "$r/ing")
    ref_s=$(build/rel/bench_ingest "$d/dataset" --ref-only | sed -n 's/.*ref_seconds=\([0-9.]*\).*/\1/p')
    ref_rows=$(cat "$d"/dataset/*.csv | wc -l)
    ref_rows=$((ref_rows - $(ls "$d"/dataset/*.csv | wc -l)))
    ing_rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$r/itime")
    raw_rate=$(build/rel/bench_ingest "$d/dataset" --no-resolve | sed -n 's/.* events_per_s=\([0-9]*\).*/\1/p')
    rate=$(python3 -c "print(round($events / max($wall, 0.001)))")
    rows+=("| $n | $events | $wall | $rate | $rss | $ing_s | $ing_rate | $ing_rss | $raw_rate | $ref_rows | $ref_s |")
    rm -rf "$r"
done
echo "| employees | events | analyze wall s | analyze events/s | analyze peak RSS MiB | ingest s | ingest events/s | ingest peak RSS MiB | ingest without lookups events/s | reference rows | reference load s |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
if [ ${#notes[@]} -gt 0 ]; then
    echo
    printf '%s\n' "${notes[@]}"
fi
