#!/usr/bin/env python3
"""bench/combiner.py - is the alert score or the evidence the limit? A check on the eight
altgen sets (bench/altgen.sh generates them into bench/out/alt-*).

Each set is analysed with the alert threshold lowered to 0.15, so that nearly every
employee with any evidence has an alert listing each indicator's score. A logistic model
on those scores (the fifteen indicator scores, the three largest, the product of the two
largest) is then learned on four sets and tested on the other four, and the other way
round. For each half it prints how many actors the learned model and wachter's own score
find at the lowest threshold where precision is still at least 0.70, and how many
actors and innocent employees score just under wachter's threshold. If the learned model
finds about as many, a better way of combining the same indicators will not close the
recall gap: new evidence is needed.

Usage: python3 bench/combiner.py   (WACHTER=path to use another binary; pure Python 3)
"""
import csv
import glob
import json
import math
import os
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SETS = ["alt-300-1", "alt-1000-1", "alt-1000-2", "alt-600-5-norel", "alt-800-11",
        "alt-1200-12", "alt-1500-13-norel", "alt-2000-14"]
TARGET_PRECISION = 0.70


def analyse(binary, set_dir, work):
    """Alerts at threshold 0.15 as {user: {indicator: score, "_score": score}}."""
    cfg = os.path.join(work, "low.json")
    with open(cfg, "w") as f:
        json.dump({"engine": {"alert_threshold": 0.15}}, f)
    alerts = os.path.join(work, "a.jsonl")
    subprocess.run([binary, "analyze", os.path.join(set_dir, "dataset"), "--config", cfg,
                    "--db", os.path.join(work, "w.db"), "--key", os.path.join(work, "w.key"),
                    "--alerts-out", alerts, "--reveal-ids", "--reveal-reason",
                    "detection benchmark", "--quiet"], check=True)
    for f in glob.glob(os.path.join(work, "w.db*")):
        os.remove(f)
    users = {}
    with open(alerts) as f:
        for line in f:
            a = json.loads(line)
            u = users.setdefault(a["user"], {"_score": 0.0})
            u["_score"] = max(u["_score"], a["score"])
            for ind in a["indicators"]:
                u[ind["name"]] = max(u.get(ind["name"], 0.0), ind["score"])
    return users


def features(scores, names):
    v = [scores.get(n, 0.0) for n in names]
    top = sorted(v, reverse=True) + [0.0, 0.0, 0.0]
    return v + [top[0], top[1], top[2], top[0] * top[1], 1.0]


def learn(rows, epochs=300, rate=0.5, l2=1e-3):
    """Batch gradient descent on the log loss, actors weighted up to a third of the mass."""
    w = [0.0] * len(rows[0][0])
    positives = sum(y for _, y in rows)
    weight_pos = (len(rows) - positives) / max(positives, 1) * 0.3
    for _ in range(epochs):
        grad = [0.0] * len(w)
        for x, y in rows:
            z = max(-30.0, min(30.0, sum(a * b for a, b in zip(w, x))))
            p = 1.0 / (1.0 + math.exp(-z))
            c = (weight_pos if y else 1.0) * (p - y)
            for k, xk in enumerate(x):
                grad[k] += c * xk
        w = [wk - rate * (g / len(rows) + l2 * wk) for wk, g in zip(w, grad)]
    return w


def best_found(scored):
    """(found, alerted) at the lowest cut keeping precision >= TARGET_PRECISION."""
    scored = sorted(scored, key=lambda r: -r[0])
    found = 0
    best = (0, 0)
    for i, (_, actor) in enumerate(scored):
        found += actor
        if found / (i + 1) >= TARGET_PRECISION and found > best[0]:
            best = (found, i + 1)
    return best


def main():
    binary = os.environ.get("WACHTER", os.path.join(ROOT, "wachter"))
    data = []
    names = set()
    with tempfile.TemporaryDirectory(prefix="wachter-combiner-") as work:
        for name in SETS:
            d = os.path.join(ROOT, "bench", "out", name)
            if not os.path.exists(os.path.join(d, "truth", "actors.csv")):
                sys.exit("combiner.py: %s is missing; run bash bench/altgen.sh first" % d)
            with open(os.path.join(d, "truth", "actors.csv")) as f:
                actors = {r["user"] for r in csv.DictReader(f)}
            users = analyse(binary, d, work)
            for u in users.values():
                names.update(k for k in u if k != "_score")
            data.append((name, len(actors), [(s, u in actors) for u, s in users.items()]))
    names = sorted(names)
    band = [y for _, _, rows in data for s, y in rows if 0.40 <= s["_score"] < 0.50]
    print("all sets, score 0.40-0.50 (just under the threshold): %d actors, %d others" %
          (sum(band), len(band) - sum(band)))
    halves = [data[0::2], data[1::2]]
    for k in (0, 1):
        train = [(features(s, names), y) for _, _, rows in halves[1 - k] for s, y in rows]
        w = learn(train)
        test = [r for _, _, rows in halves[k] for r in rows]
        actors = sum(n for _, n, _ in halves[k])
        lr = best_found([(sum(a * b for a, b in zip(w, features(s, names))), y) for s, y in test])
        own = best_found([(s["_score"], y) for s, y in test])
        print("sets %s: %d actors; learned combination finds %d (%d alerted), "
              "wachter's score %d (%d alerted)" %
              (", ".join(n for n, _, _ in halves[k]), actors, lr[0], lr[1], own[0], own[1]))


if __name__ == "__main__":
    main()
