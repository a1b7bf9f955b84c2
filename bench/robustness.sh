#!/usr/bin/env bash
# bench/robustness.sh - detection quality when the reference data is not what the
# generator wrote: real registries are incomplete and name things their own way. Takes
# four datasets of bench/quality.sh (generated there if missing) and, for each, copies of
# it with one change: 10% of the rows of one CSV file deleted at random (cases,
# case_members, case_subjects, schedule, relations, subjects), or the role names replaced by Dutch
# ones the format does not know (noodhulp, rechercheur, ...), or a fifth of the typed case
# numbers in the events written in lower case with spaces ("2025 bvh 12"), or the
# incidents' member lists naming the dispatched people's unit instead of them. Otherwise the
# events are the same files (linked). Then the same four generated with --street-noise 1: everyday lookups
# that land in an employee's own street ten times as often (accidental neighbour hits).
# Prints a Markdown table: recall and precision of each variant next to those of the
# dataset as quality.sh has it.
# Usage: bash bench/robustness.sh   (WACHTER=path to use another binary; about 2 minutes,
# and 1 more the first time, generating)
set -euo pipefail
cd "$(dirname "$0")/.."
make -s all >/dev/null
. bench/datasets.sh
sets=("1000 12" "2000 99" "600 5 --no-relations" "400 11")
changes=(cases case_members case_subjects schedule relations subjects roles case_format unit_members)
T=$(mktemp -d /tmp/wachter-robust-XXXXXX)
trap 'rm -rf "$T"' EXIT

# Quality of DATASET-DIR (with dataset/ and truth/): prints "recall precision".
quality() {
    analyze_eval "$1" "$T"
    python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); print("%.3f %.3f" % (e["recall"], e["precision"]))' "$T/e.json"
}

# Copy DATASET-DIR to DIR with CHANGE applied.
perturb() {
    local src=$1 dst=$2 change=$3
    rm -rf "$dst"
    mkdir -p "$dst/dataset"
    ln -s "$PWD/$src/truth" "$dst/truth"
    [ "$change" = case_format ] || ln -s "$PWD/$src/dataset/events" "$dst/dataset/events"
    cp "$src"/dataset/*.csv "$dst/dataset/"
    python3 - "$dst/dataset" "$change" "$src/dataset/events" <<'PY'
import csv, os, random, re, sys
d, change, events = sys.argv[1], sys.argv[2], sys.argv[3]
random.seed(5)
if change == "case_format":
    typed = re.compile(r'"case":"([^"]+)"')
    def retype(m):
        if random.random() >= 0.2:
            return m.group(0)
        return '"case":"%s"' % m.group(1).lower().replace("-", " ")
    os.mkdir(os.path.join(d, "events"))
    for name in sorted(os.listdir(events)):
        with open(os.path.join(events, name), encoding="utf-8", errors="surrogateescape") as i, \
             open(os.path.join(d, "events", name), "w", encoding="utf-8",
                  errors="surrogateescape") as o:
            for line in i:
                o.write(typed.sub(retype, line))
elif change == "unit_members":
    unit = {r["user"]: r["unit"] for r in csv.DictReader(open(os.path.join(d, "employees.csv")))}
    incident = {r["case"] for r in csv.DictReader(open(os.path.join(d, "cases.csv")))
                if r["kind"] == "incident"}
    path = os.path.join(d, "case_members.csv")
    rows, seen = [], set()
    for r in csv.DictReader(open(path, newline="")):
        if r["case"] in incident and r["user"] in unit:
            r = {"case": r["case"], "user": unit[r["user"]]}
            if (r["case"], r["user"]) in seen:
                continue
            seen.add((r["case"], r["user"]))
        rows.append(r)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["case", "user"])
        w.writeheader()
        w.writerows(rows)
elif change == "roles":
    names = {"patrol": "noodhulp", "detective": "rechercheur", "intake": "intake-medewerker",
             "dispatcher": "meldkamer", "intelligence": "analist", "student": "aspirant",
             "staff": "staf", "it": "ict"}
    path = os.path.join(d, "employees.csv")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["role"] = names.get(r["role"], r["role"])
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
else:
    path = os.path.join(d, change + ".csv")
    if not os.path.exists(path):
        sys.exit(0)
    lines = open(path).read().splitlines()
    kept = [lines[0]] + [l for l in lines[1:] if random.random() >= 0.1]
    open(path, "w").write("\n".join(kept) + "\n")
PY
}

echo "| employees | seed | options | reference data changed | recall | precision | recall, complete | precision, complete |"
echo "|---:|---:|---|---|---:|---:|---:|---:|"
for s in "${sets[@]}"; do
    set -- $s
    n=$1 seed=$2
    shift 2
    extra="$*"
    d=$(dataset q "$n" "$seed" $extra)
    read -r r0 p0 < <(quality "$d")
    for c in "${changes[@]}"; do
        [ "$c" = relations ] && [ ! -f "$d/dataset/relations.csv" ] && continue
        case $c in
        roles) what="role names in Dutch" ;;
        case_format) what="20% of typed case numbers in lower case with spaces" ;;
        unit_members) what="incidents list the unit, not its people" ;;
        *) what="10% of $c.csv deleted" ;;
        esac
        perturb "$d" "$T/x" "$c"
        read -r r p < <(quality "$T/x")
        echo "| $n | $seed | ${extra:-(defaults)} | $what | $r | $p | $r0 | $p0 |"
    done
    read -r r p < <(quality "$(dataset r "$n" "$seed" $extra --street-noise 1)")
    echo "| $n | $seed | ${extra:-(defaults)} | generated with --street-noise 1 | $r | $p | $r0 | $p0 |"
done
