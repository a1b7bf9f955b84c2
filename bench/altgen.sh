#!/usr/bin/env bash
# bench/altgen.sh - detection quality on data from bench/altgen/altgen.py, a generator
# written from the public data contract alone by someone who had not seen the detection
# (see bench/altgen/README.md): the out-of-sample check. Generates each set once into
# bench/out/alt-* (about 20 s per 1,000 employees) and prints a Markdown table and the
# totals over all sets.
# Usage: bash bench/altgen.sh   (WACHTER=path to use another binary)
set -euo pipefail
cd "$(dirname "$0")/.."
make -s all >/dev/null
. bench/datasets.sh
sets=("300 1" "1000 1" "1000 2" "600 5 --no-relations" "800 11" "1200 12" "1500 13 --no-relations"
      "2000 14")
T=$(mktemp -d /tmp/wachter-altgen-XXXXXX)
trap 'rm -rf "$T"' EXIT
echo "| employees | seed | options | actors | alerted | recall | precision | scenarios missed |"
echo "|---:|---:|---|---:|---:|---:|---:|---|"
for s in "${sets[@]}"; do
    set -- $s
    n=$1 seed=$2
    shift 2
    d=bench/out/alt-$n-$seed${1:+-norel}
    if [ ! -f "$d/truth/actors.csv" ]; then
        rm -rf "$d"
        python3 bench/altgen/altgen.py "$d" --employees "$n" --seed "$seed" "$@" --quiet >/dev/null
    fi
    analyze_eval "$d" "$T"
    cp "$T/e.json" "$T/eval-$n-$seed.json"
    python3 - "$T/e.json" "$n" "$seed" "$*" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
miss = ", ".join("%s %d/%d" % (k, v["found"], v["actors"]) for k, v in sorted(e["per_scenario"].items()) if v["found"] < v["actors"])
print("| %s | %s | %s | %d | %d | %.3f | %.3f | %s |" % (sys.argv[2], sys.argv[3], sys.argv[4] or "(defaults)",
      e["actors"], e["alerted"], e["recall"], e["precision"], miss or "none"))
PY
done
# All sets together: one figure to compare builds by.
python3 - "$T" <<'PY'
import glob, json, sys
e = [json.load(open(f)) for f in glob.glob(sys.argv[1] + "/eval-*.json")]
actors, alerted, found = (sum(x[k] for x in e) for k in ("actors", "alerted", "true_positives"))
print()
print("All %d sets: %d actors, %d alerted, %d found: recall %.3f, precision %.3f." %
      (len(e), actors, alerted, found, found / actors, found / alerted))
PY
