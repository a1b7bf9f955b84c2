#!/usr/bin/env python3
"""order.py DATASET OUT BATCH: the dataset's event lines as `analyze` takes them, in
batches for posting to `wachter run`.

analyze merges events/*.jsonl (sorted by name) in event-time order, ties broken by file
and line. This writes every line in that order into OUT/batch-NNNNN.ndjson files of BATCH
lines each; lines without a readable timestamp (malformed on purpose) go first, since they
never reach detection. Standard library only.
"""
import json, os, sys
from datetime import datetime

dataset, out, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
events_dir = os.path.join(dataset, "events")
keyed, bad = [], []
for fi, name in enumerate(sorted(n for n in os.listdir(events_dir) if n.endswith(".jsonl"))):
    with open(os.path.join(events_dir, name), "rb") as fp:
        for li, raw in enumerate(fp.read().split(b"\n")):
            if not raw:
                continue
            try:
                ts = json.loads(raw)["ts"]
                dt = datetime.fromisoformat(ts.replace("Z", "+00:00"))
                if dt.tzinfo is None:
                    raise ValueError
                key = int(dt.timestamp() * 1000)
            except Exception:
                bad.append(raw)
                continue
            keyed.append((key, fi, li, raw))
keyed.sort(key=lambda k: k[:3])
lines = bad + [k[3] for k in keyed]
os.makedirs(out, exist_ok=True)
for n, start in enumerate(range(0, len(lines), batch)):
    with open(os.path.join(out, "batch-%05d.ndjson" % n), "wb") as fp:
        fp.write(b"\n".join(lines[start:start + batch]) + b"\n")
print(len(lines))
