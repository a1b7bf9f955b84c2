#!/usr/bin/env bash
# tests/golden/run.sh BINARY - golden, table-driven tests: each directory NAME/ here holds a
# small hand-written dataset (NAME/dataset) and what wachter must report on it:
#   NAME/expected/stats.json    every key given must equal the stats output exactly
#                               (nested objects compared key by key, extra keys ignored);
#   NAME/expected/rejects.jsonl the exact set of rejected lines as {file, line, reason};
#                               each actual reject's raw text must also be that line.
# Adding a case is adding a directory. Prints "ok - NAME: ..." / "not ok - NAME: ...".
set -u
BIN=${1:-./wachter}
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/wachter-golden-XXXXXX)
trap 'rm -rf "$T"' EXIT
failed=0
for d in "$HERE"/*/; do
    name=$(basename "$d")
    [ -d "$d/dataset" ] || continue
    o="$T/$name"
    mkdir -p "$o"
    if ! "$BIN" analyze "$d/dataset" --db "$o/w.db" --key "$o/w.key" --alerts-out "$o/alerts.jsonl" \
        --stats-out "$o/stats.json" --rejects-out "$o/rejects.jsonl" >"$o/out" 2>"$o/err"; then
        echo "not ok - $name: analyze failed: $(head -3 "$o/err")"
        failed=1
        continue
    fi
    if msg=$(python3 - "$d" "$o" <<'PY' 2>&1
import json, sys, os
case, out = sys.argv[1], sys.argv[2]
want = json.load(open(os.path.join(case, "expected/stats.json")))
got = json.load(open(os.path.join(out, "stats.json")))
def cmp(w, g, path):
    if isinstance(w, dict):
        assert isinstance(g, dict), f"{path}: {g!r} is not an object"
        for k, v in w.items():
            assert k in g, f"{path}.{k} missing"
            cmp(v, g[k], f"{path}.{k}")
    else:
        assert w == g, f"{path}: got {g!r}, want {w!r}"
cmp(want, got, "stats")
assert got["lines"] == got["events"] + got["duplicates"] + got["malformed"], "lines != sum"
want_r = sorted((r["file"], r["line"], r["reason"])
                for r in map(json.loads, open(os.path.join(case, "expected/rejects.jsonl"))))
got_l = [json.loads(l) for l in open(os.path.join(out, "rejects.jsonl"), encoding="utf-8")]
got_r = sorted((r["file"], r["line"], r["reason"]) for r in got_l)
assert got_r == want_r, f"rejects differ:\n got  {got_r}\n want {want_r}"
for r in got_l:
    raw = open(os.path.join(case, "dataset", r["file"]), "rb").read().split(b"\n")[r["line"] - 1]
    raw = raw.rstrip(b"\r").decode("utf-8", "surrogateescape")
    if r["line"] == 1 and raw.startswith("\ufeff"):
        raw = raw[1:]
    assert r["raw"] == raw, f"raw of {r['file']}:{r['line']} is {r['raw']!r}"
for l in open(os.path.join(out, "alerts.jsonl"), encoding="utf-8"):
    json.loads(l)
PY
    ); then
        echo "ok - $name: stats and rejects as expected"
    else
        echo "not ok - $name: $msg" | head -8
        failed=1
    fi
done
exit $failed
