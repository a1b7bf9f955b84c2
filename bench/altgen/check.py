#!/usr/bin/env python3
"""check.py DATASET - validate an altgen dataset against shared/spec/data-format.md.

Checks: required files and columns; every event line parses (malformed lines are
counted and compared with what the generator planted); required fields and types;
RFC 3339 timestamps whose offset is the Europe/Amsterdam offset at that instant;
every event user is in employees.csv; case numbers in events exist in cases.csv or
are listed as deliberate (DATASET/../meta/bogus_cases.csv); per-file time order
(only a few lines a few minutes late); duplicate ids; references between the CSV
files; truth event ids exist in the events (DATASET/../truth).  Exit status 1 on
any hard error.  Standard library only.
"""
import csv
import json
import os
import re
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Amsterdam")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
REQ = {
    "employees.csv": ["user", "person", "unit", "team", "role", "surname", "postcode", "house_number", "start_date", "end_date"],
    "units.csv": ["unit", "region"],
    "subjects.csv": ["subject", "subject_type", "surname", "postcode", "house_number", "birth_year", "region", "flags"],
    "schedule.csv": ["user", "start", "end", "kind"],
    "cases.csv": ["case", "kind", "opened", "closed", "unit", "sensitivity"],
    "case_members.csv": ["case", "user"],
    "case_subjects.csv": ["case", "subject"],
}
OPT = {"relations.csv": ["person_a", "person_b", "relation"]}
ACTIONS = {"query", "view", "export", "print", "modify", "login", "logout"}
STYPES = {"person", "vehicle", "address", "case", "object", "other"}
ROLES = {"patrol", "detective", "intake", "dispatcher", "intelligence", "integrity", "student", "staff", "it"}
FLAGS = {"vip", "criminal", "shielded", "minor", "employee"}

errors = []
warnings = []


def err(m):
    if len(errors) < 200:
        errors.append(m)


def parse_ts(s):
    """returns epoch seconds or raises ValueError; checks the offset is Amsterdam's."""
    if not isinstance(s, str) or not RFC3339.match(s):
        raise ValueError("not RFC 3339: %r" % (s,))
    dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    off = dt.utcoffset().total_seconds()
    want = dt.astimezone(TZ).utcoffset().total_seconds()
    if off != want:
        raise OverflowError("offset %s is not the Amsterdam offset (%+d h) at that instant" % (s, want / 3600))
    return dt.timestamp()


def read_csv(path, cols):
    with open(path, encoding="utf-8", newline="") as f:
        r = csv.DictReader(f)
        hdr = r.fieldnames or []
        for c in cols:
            if c not in hdr:
                err("%s: missing column %s" % (os.path.basename(path), c))
        return list(r)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    ds = sys.argv[1].rstrip("/")
    root = os.path.dirname(os.path.abspath(ds))
    tabs = {}
    for name, cols in list(REQ.items()) + list(OPT.items()):
        p = os.path.join(ds, name)
        if not os.path.exists(p):
            if name in REQ:
                err("missing required file " + name)
            continue
        tabs[name] = read_csv(p, cols)
    if not os.path.isdir(os.path.join(ds, "events")):
        err("missing events/ directory")
    emp = {r["user"]: r for r in tabs.get("employees.csv", [])}
    units = {r["unit"]: r["region"] for r in tabs.get("units.csv", [])}
    subjects = {}
    for r in tabs.get("subjects.csv", []):
        subjects[r["subject"]] = r
        if r["subject_type"] not in ("person", "vehicle", "address"):
            err("subjects.csv: bad subject_type %r" % r["subject_type"])
        for fl in filter(None, r["flags"].split("|")):
            if fl not in FLAGS:
                err("subjects.csv: unknown flag %r" % fl)
    regions = set(units.values())
    for r in tabs.get("subjects.csv", []):
        if r["region"] and r["region"] not in regions:
            err("subjects.csv: region %r not in units.csv" % r["region"])
    for u, r in emp.items():
        if r["unit"] not in units:
            err("employees.csv: %s unit %s not in units.csv" % (u, r["unit"]))
        if r["role"] not in ROLES:
            warnings.append("employees.csv: %s has non-standard role %r (allowed: 'or another string')" % (u, r["role"]))
        if r["person"]:
            s = subjects.get(r["person"])
            if not s:
                err("employees.csv: %s person %s not in subjects.csv" % (u, r["person"]))
            elif "employee" not in s["flags"].split("|"):
                err("employees.csv: %s person record lacks flag employee" % u)
            elif s["postcode"] != r["postcode"] or s["house_number"] != r["house_number"] or s["surname"] != r["surname"]:
                err("employees.csv: %s name/address differs from person record" % u)
        for k in ("start_date", "end_date"):
            if r[k]:
                try:
                    datetime.strptime(r[k], "%Y-%m-%d")
                except ValueError:
                    err("employees.csv: %s bad %s %r" % (u, k, r[k]))
    nstd = sum(1 for w in warnings if "non-standard role" in w)
    warnings[:] = [w for w in warnings if "non-standard role" not in w]
    if nstd:
        warnings.append("%d employees with a role outside the listed ones (spec allows 'another string')" % nstd)
    for r in tabs.get("schedule.csv", []):
        if r["user"] not in emp:
            err("schedule.csv: unknown user %s" % r["user"])
        if r["kind"] not in ("shift", "leave", "sick", "training"):
            err("schedule.csv: bad kind %r" % r["kind"])
        try:
            if parse_ts(r["end"]) <= parse_ts(r["start"]):
                err("schedule.csv: end before start for %s" % r["user"])
        except (ValueError, OverflowError) as x:
            err("schedule.csv: %s" % x)
    cases = {}
    for r in tabs.get("cases.csv", []):
        if r["case"] in cases:
            err("cases.csv: duplicate case %s" % r["case"])
        cases[r["case"]] = r
        if r["kind"] not in ("case", "incident"):
            err("cases.csv: bad kind %r" % r["kind"])
        if r["sensitivity"] not in ("normal", "high"):
            err("cases.csv: bad sensitivity %r" % r["sensitivity"])
        if r["unit"] not in units:
            err("cases.csv: unit %s unknown" % r["unit"])
        for k in ("opened", "closed"):
            if r[k]:
                try:
                    parse_ts(r[k])
                except (ValueError, OverflowError) as x:
                    err("cases.csv: %s" % x)
    for r in tabs.get("case_members.csv", []):
        if r["case"] not in cases:
            err("case_members.csv: unknown case %s" % r["case"])
        if r["user"] not in emp:
            err("case_members.csv: unknown user %s" % r["user"])
    nsub_missing = 0
    for r in tabs.get("case_subjects.csv", []):
        if r["case"] not in cases:
            err("case_subjects.csv: unknown case %s" % r["case"])
        if r["subject"] not in subjects and r["subject"] not in cases:
            nsub_missing += 1
    if nsub_missing:
        err("case_subjects.csv: %d subjects not in subjects.csv" % nsub_missing)
    for r in tabs.get("relations.csv", []):
        if r["relation"] not in ("partner", "ex-partner", "parent", "child", "sibling", "household"):
            err("relations.csv: bad relation %r" % r["relation"])
        for k in ("person_a", "person_b"):
            if r[k] not in subjects:
                err("relations.csv: %s not in subjects.csv" % r[k])
    bogus = {}
    bp = os.path.join(root, "meta", "bogus_cases.csv")
    if os.path.exists(bp):
        bogus = {r["case"]: r["reason"] for r in read_csv(bp, ["case", "reason"])}
        for c in bogus:
            if c in cases:
                err("bogus case %s exists in cases.csv" % c)
    # ---- events
    ids = {}
    n_lines = n_mal = n_dup = n_dup_cross = 0
    late_max = 0.0
    n_late = 0
    unknown_subj = 0
    rec_events = 0
    case_refs = {"existing": 0, "bogus": 0, "typo": 0, "unknown": 0}
    mal_reasons = {}
    per_file = {}
    evdir = os.path.join(ds, "events")
    for fn in sorted(os.listdir(evdir)) if os.path.isdir(evdir) else []:
        if not fn.endswith(".jsonl"):
            continue
        maxts = None
        cnt = 0
        with open(os.path.join(evdir, fn), encoding="utf-8") as f:
            for ln, line in enumerate(f, 1):
                n_lines += 1
                cnt += 1
                line = line.rstrip("\n")
                reason = None
                try:
                    o = json.loads(line)
                    if not isinstance(o, dict):
                        raise ValueError
                except ValueError:
                    reason = "json"
                    o = None
                if o is not None:
                    for k in ("id", "ts", "user", "system", "action"):
                        if k not in o:
                            reason = "missing " + k
                            break
                        if not isinstance(o[k], str):
                            reason = "type " + k
                            break
                if o is not None and reason is None:
                    if "results" in o and (not isinstance(o["results"], int) or isinstance(o["results"], bool)):
                        reason = "type results"
                if o is not None and reason is None:
                    try:
                        t = parse_ts(o["ts"])
                    except ValueError:
                        reason = "timestamp"
                    except OverflowError as x:
                        err("%s:%d %s" % (fn, ln, x))
                        reason = "offset"
                if reason:
                    n_mal += 1
                    mal_reasons[reason] = mal_reasons.get(reason, 0) + 1
                    continue
                if o["id"] in ids:
                    n_dup += 1
                    if ids[o["id"]][0] != fn:
                        n_dup_cross += 1
                    if ids[o["id"]][1] != line:
                        err("%s:%d id %s re-used for a different event" % (fn, ln, o["id"]))
                    continue
                ids[o["id"]] = (fn, line)
                if o["user"] not in emp:
                    err("%s:%d user %s not in employees.csv" % (fn, ln, o["user"]))
                if o["action"] not in ACTIONS:
                    err("%s:%d bad action %r" % (fn, ln, o["action"]))
                if o["action"] not in ("login", "logout"):
                    rec_events += 1
                    if o.get("subject_type") not in STYPES or not o.get("subject"):
                        err("%s:%d record action without subject_type/subject" % (fn, ln))
                    elif o["subject_type"] in ("person", "vehicle", "address") and o["subject"] not in subjects:
                        unknown_subj += 1
                if o.get("channel") not in (None, "desktop", "mobile"):
                    err("%s:%d bad channel" % (fn, ln))
                c = o.get("case")
                if c:
                    if c in cases:
                        case_refs["existing"] += 1
                    elif c in bogus:
                        case_refs["typo" if bogus[c] == "typo" else "bogus"] += 1
                    else:
                        case_refs["unknown"] += 1
                        err("%s:%d case %s neither in cases.csv nor a deliberate bogus number" % (fn, ln, c))
                if maxts is not None and t < maxts:
                    n_late += 1
                    late_max = max(late_max, maxts - t)
                if maxts is None or t > maxts:
                    maxts = t
                # employment period
                e = emp.get(o["user"])
                if e:
                    d = o["ts"][:10]
                    loc = datetime.fromtimestamp(t, TZ).strftime("%Y-%m-%d")
                    if e["start_date"] and loc < e["start_date"]:
                        err("%s:%d event before start_date of %s" % (fn, ln, o["user"]))
                    if e["end_date"] and loc >= e["end_date"]:
                        err("%s:%d event on/after end_date of %s" % (fn, ln, o["user"]))
        per_file[fn] = cnt
    if late_max > 300:
        err("lines up to %.0f s out of order (more than a few minutes)" % late_max)
    # ---- planted counts
    pp = os.path.join(root, "meta", "params.json")
    if os.path.exists(pp):
        with open(pp) as f:
            P = json.load(f)["stats"]
        if P["malformed"] != n_mal:
            err("malformed lines: found %d, generator planted %d" % (n_mal, P["malformed"]))
        if P["duplicates"] != n_dup:
            err("duplicate lines: found %d, generator planted %d" % (n_dup, P["duplicates"]))
        if P["events"] != len(ids):
            err("unique events: found %d, generator wrote %d" % (len(ids), P["events"]))
    # ---- truth
    td = os.path.join(root, "truth")
    tr_n = 0
    if os.path.isdir(td):
        act = read_csv(os.path.join(td, "actors.csv"), ["user", "scenario"])
        for r in act:
            if r["user"] not in emp:
                err("truth/actors.csv: unknown user %s" % r["user"])
        tev = read_csv(os.path.join(td, "events.csv"), ["event_id", "user", "scenario", "ts"])
        pairs = set((r["user"], r["scenario"]) for r in act)
        for r in tev:
            tr_n += 1
            x = ids.get(r["event_id"])
            if not x:
                err("truth event %s not in events" % r["event_id"])
                continue
            o = json.loads(x[1])
            if o["user"] != r["user"] or o["ts"] != r["ts"]:
                err("truth event %s: user/ts differ from the event" % r["event_id"])
            if (r["user"], r["scenario"]) not in pairs:
                err("truth event %s: (user, scenario) not in actors.csv" % r["event_id"])
        scen = sorted(set(r["scenario"] for r in act))
    else:
        warnings.append("no truth/ directory next to the dataset")
        act, scen = [], []
    # ---- report
    print("dataset      %s" % ds)
    print("files        %s" % ", ".join("%s=%d" % kv for kv in sorted(per_file.items())))
    print("lines        %d   unique events %d   record events %d" % (n_lines, len(ids), rec_events))
    print("duplicates   %d (%d across files)   malformed %d %s" % (n_dup, n_dup_cross, n_mal, mal_reasons))
    print("out of order %d lines, max %.0f s" % (n_late, late_max))
    print("case refs    %s" % case_refs)
    print("subjects     %d rows; record events on person/vehicle/address not in subjects.csv: %d (%.2f%%)" % (
        len(subjects), unknown_subj, 100.0 * unknown_subj / max(1, rec_events)))
    print("reference    employees %d, units %d, cases %d, case_members %d, case_subjects %d, schedule %d, relations %s" % (
        len(emp), len(units), len(cases), len(tabs.get("case_members.csv", [])), len(tabs.get("case_subjects.csv", [])),
        len(tabs.get("schedule.csv", [])), len(tabs["relations.csv"]) if "relations.csv" in tabs else "absent"))
    print("truth        %d actor rows (%d users), %d events, scenarios %s" % (
        len(act), len(set(r["user"] for r in act)), tr_n, ",".join(scen)))
    for w in warnings:
        print("warning      " + w)
    for e in errors:
        print("ERROR        " + e)
    print("RESULT       %s" % ("OK" if not errors else "FAILED (%d errors)" % len(errors)))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
