#!/usr/bin/env python3
# bench/alerts_by_volume.py - are false alerts the busy employees? For each dataset, ranks
# every employee within their role by number of logged events and counts the alerted
# actors (true), alerted innocents (false) and missed actors per tenth of that ranking
# (0 = the quietest tenth, 9 = the busiest), summed over all datasets given.
# Usage: python3 bench/alerts_by_volume.py DIR ALERTS.jsonl [DIR ALERTS.jsonl ...]
#   DIR holds dataset/ and truth/ (as made by `wachter gen` or bench/altgen/altgen.py, for
#   instance the sets in bench/out/ of bench/altgen.sh); ALERTS.jsonl is the --alerts-out of
#   `wachter analyze DIR/dataset --reveal-ids --reveal-reason ...` (real user ids).
import collections
import csv
import glob
import json
import re
import sys

USER = re.compile(rb'"user":"([^"]*)"')
tenths = {k: [0] * 10 for k in ("true", "false", "missed")}
args = sys.argv[1:]
if len(args) < 2 or len(args) % 2:
    sys.exit("usage: alerts_by_volume.py DIR ALERTS.jsonl [DIR ALERTS.jsonl ...]")
for d, alerts_file in zip(args[::2], args[1::2]):
    with open(f"{d}/dataset/employees.csv", newline="") as f:
        role = {r["user"]: r["role"] for r in csv.DictReader(f)}
    events = collections.Counter()
    for path in glob.glob(f"{d}/dataset/events/*.jsonl"):
        with open(path, "rb") as f:
            for line in f:
                m = USER.search(line)
                if m:
                    events[m.group(1).decode()] += 1
    by_role = collections.defaultdict(list)
    for user, r in role.items():
        by_role[r].append(events[user])

    def tenth(user):
        peers = by_role[role[user]]
        below = sum(1 for n in peers if n < events[user])
        return min(9, below * 10 // len(peers))

    with open(f"{d}/truth/actors.csv", newline="") as f:
        actors = {r["user"] for r in csv.DictReader(f)}
    with open(alerts_file) as f:
        alerted = {json.loads(line)["user"] for line in f if line.strip()}
    for user in alerted & role.keys():
        tenths["true" if user in actors else "false"][tenth(user)] += 1
    for user in (actors - alerted) & role.keys():
        tenths["missed"][tenth(user)] += 1
print("tenth of the role by events:", " ".join(f"{k:>4}" for k in range(10)))
for k, v in tenths.items():
    print(f"{k + ' alerts' if k != 'missed' else 'missed actors':>27}:", " ".join(f"{n:>4}" for n in v))
