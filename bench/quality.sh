#!/usr/bin/env bash
# bench/quality.sh - detection quality measured with `wachter eval` on generated datasets
# that the detection was not tuned on alone: three sizes, another seed at the largest
# size, one dataset without relations.csv, the four sets generated in session 3 as the
# unseen check, and (from session 4) variants of the generator's settings: 28, 42, 70 and
# 180 days, other start dates (a winter and a summer), more actors, no relations.csv at
# three more sizes, and small forces of 60 to 150 employees. See the README for how
# unseen each still is. Datasets go to bench/out/ (reused).
# Prints a Markdown table for the README, and the days to alert per scenario. Takes about
# a minute on 2 cores (a minute more the first time, generating). WACHTER=path uses
# another binary.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s all >/dev/null
. bench/datasets.sh
runs=("400 11" "1000 12" "2000 13" "2000 99" "600 5 --no-relations"
      "800 4242" "1500 5151" "1000 6060 --no-relations" "1200 7373"
      "800 31 --days 28" "500 32 --days 180 --start 2026-01-05" "700 33 --actor-rate 0.07"
      "900 34 --no-relations --start 2026-06-01" "300 35 --days 42 --actor-rate 0.06"
      "1500 36 --no-relations" "500 37 --no-relations --days 70" "60 41"
      "150 42 --actor-rate 0.08" "120 43 --no-relations --actor-rate 0.1")
evals=$(mktemp -d /tmp/wachter-quality-evals-XXXXXX)
trap 'rm -rf "$evals"' EXIT
echo "| employees | seed | generator options | actors | alerted | recall | precision | ranking AP | evidence cited | days to alert, median (p90) | explained share | scenarios missed |"
echo "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
for r in "${runs[@]}"; do
    set -- $r
    n=$1 seed=$2
    shift 2
    extra="$*"
    d=$(dataset q "$n" "$seed" $extra)
    t=$(mktemp -d /tmp/wachter-quality-XXXXXX)
    analyze_eval "$d" "$t"
    cp "$t/e.json" "$evals/$(basename "$d").json"
    python3 - "$t/e.json" "$t/s.json" "$n" "$seed" "$extra" <<'PY'
import json, sys
e = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
missed = ", ".join(f"{k} {v['found']}/{v['actors']}" for k, v in sorted(e["per_scenario"].items())
                   if v["found"] < v["actors"]) or "none"
print(f"| {sys.argv[3]} | {sys.argv[4]} | {sys.argv[5] or '(defaults)'} | {e['actors']} | {e['alerted']} | "
      f"{e['recall']:.3f} | {e['precision']:.3f} | {e['ap']:.3f} | {e['evidence_share']:.3f} | "
      f"{e['delay_median_days']:.1f} ({e['delay_p90_days']:.1f}) | "
      f"{s['explained_share']:.4f} | {missed} |")
PY
    rm -rf "$t"
done
# Days to alert per scenario: the median over the sets of each set's median.
python3 - "$evals" <<'PY'
import glob, json, statistics, sys
per = {}
for f in glob.glob(sys.argv[1] + "/*.json"):
    for k, v in json.load(open(f))["per_scenario"].items():
        if "delay_median_days" in v:
            per.setdefault(k, []).append(v["delay_median_days"])
print()
print("Days to alert per scenario (median over the sets of each set's median): " +
      ", ".join(f"{k} {statistics.median(v):.1f}" for k, v in sorted(per.items())) + ".")
PY
