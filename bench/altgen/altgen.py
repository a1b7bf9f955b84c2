#!/usr/bin/env python3
"""
altgen.py - an independent generator of synthetic police audit logs for wachter.

Written from the public contract only (shared/spec/data-format.md, shared/domain.md
and the Dutch seed documents), without looking at wachter's detection code or at
its own generator, so that its output is an out-of-sample check of the detection.

Usage:
    python3 bench/altgen/altgen.py OUTDIR --employees N --seed S
                                   [--days D] [--start YYYY-MM-DD] [--no-relations]

Output:
    OUTDIR/dataset/   the data-format.md layout (events/*.jsonl + reference CSVs)
    OUTDIR/truth/     actors.csv (user,scenario) and events.csv (event_id,user,scenario,ts)
    OUTDIR/meta/      things that are NOT ground truth but help interpreting results:
                      params.json (counts, noise), bogus_cases.csv (case numbers that
                      deliberately do not exist: bogus legitimations and honest typos),
                      lookalikes.csv (innocent employees with an extreme or odd but
                      legitimate profile), roster_deviations.csv (legit work that the
                      roster does not show).

DESIGN - THE WORLD
------------------
Organisation.  N employees in several regions (police "eenheden"; 3 for small N, up
to 10), each region with 2+ basic teams (BT, patrol + intake + students), a district
investigations unit (DRR: detectives, forensics), an intelligence unit (DRIO:
analysts, some of them on a 24/7 real-time desk "RTIC", plus regional intake), a
dispatch room (MK), an integrity department (VIK) and staff (STAF).  A national
pseudo-region "LE" holds IT (LE-IV) and national intelligence (LE-DLIO), who
legitimately look across all regions.  Role mix: patrol ~47%, detective 14%,
student 8%, staff 7.5%, intake 6%, dispatcher 6%, intelligence 5%, it 3%,
"forensic" 2% (a role string outside the usual list), integrity 1.5%.

Population.  A person registry ~20x N "ordinary" residents plus every employee's
own record (flag employee) and family: household (partner, children - some partners
are police colleagues themselves), parents, siblings with their own households,
in-laws, and for ~12-35% an ex-partner who lives elsewhere, often with a new
partner and sometimes with the shared children.  Households live at addresses
(BAG-like 16-digit ids) grouped in Dutch postcodes (8-22 addresses each), so the
neighbours of every employee exist.  Each BT serves a set of postcodes (its area);
most patrol lookups fall in the own area, fewer in the rest of the region and a few
elsewhere.  Employees live in their region (sometimes inside their own BT area) or
in a neighbouring one.  Vehicles (Dutch side-code plates) belong to keepers.
Special records: public figures (vip), criminal networks (criminal, per region,
with family ties, cars and addresses), shielded persons (incl. some employees),
minors.  Because the registry is a tiny sample of a real population, the chance
that a random check hits an employee's family or street would be hugely inflated;
random-lookup weights of employee-related persons and of residents of employees'
postcodes are therefore scaled down (real-world proportions), but not to zero.

Cases.  Investigations (PL-numbers, and code-named "OND-25XXXX" cases for the big
criminal-network ones) per detective team, some opened long before the window,
some during it, some closed (also closed before the window); intelligence projects
(PRJ-...); integrity cases (VIK-...) whose subjects are colleagues; reports taken
by intake (new PL-numbers created on the fly); and incidents (I250303-AM0042)
created by the dispatch room all day with 1-4 patrol officers dispatched.  Members
and subjects are in case_members.csv / case_subjects.csv.

Roster.  Patrol, dispatch, RTIC and students on practice follow a 10-day
early/late/night rotation per team (nights cross midnight); detectives, analysts,
VIK, staff and IT work office days (some part-time, detectives with weekend duty);
intake works two-shift days; students alternate school blocks (training) and
practice blocks.  Vacation blocks (more around May), single leave days, short and
long sickness.  Reality deviates from the roster a little (overtime after ~12% of
shifts, early starts, swapped shifts, call-outs, cancelled leave, evening work at
home) and those deviations are listed in meta/roster_deviations.csv.

Behaviour (legitimate).  Patrol: MEOS (mobile) plate checks in clusters, keeper and
person checks, mostly without case number; incident handling (view incident,
query its address/persons/vehicles, with the incident number about half the time),
reports in BVH afterwards, BlueView wildcard searches with result counts.
Dispatch: GMS incidents with caller/address/vehicle lookups, always with the
incident number.  Intake: reports (aangifte) - declarant lookup, BVH registration,
prints.  Detectives: their cases in Summ-IT/BVH, case subjects and relatives of
suspects, typing the case number only ~35% of the time, occasional exports and
prints with case numbers.  Analysts: criminals all day in all regions, big
wildcard queries, exports.  VIK: colleagues under integrity cases and their team
mates.  Staff: case admin and management-information exports with large counts.
IT: logins and support lookups.  News waves: a VIP is in the news for days; the
detective team that handles the VIP case looks him/her up heavily, intake takes
reports, patrol handles incidents at the address.  Honest noise: a namesake or
the own street looked up during work, a misclick on a VIP in a result list, case
numbers with typos, lookups on foreign plates/unknown ids (not in subjects.csv).
Extreme-but-legit profiles: very busy analysts, traffic-enforcement officers,
a detective exporting a big case, a leaving staff member handing over reports,
evening work at home, call-outs.

MISUSE SCENARIOS (truth/actors.csv, truth/events.csv)
------------------------------------------------------
About 2.5-3.5% of employees (seed dependent, at least one per scenario); ~15% of
actors get a second scenario.  Each actor gets an intensity (subtle / moderate /
blatant) and a timing style; most misuse happens on shift between normal work,
a part off duty.  Lookups go through the normal systems (BlueView search+view, BRP,
RDW, MEOS) and include persons, their vehicles and addresses.
 1 relative           family/household members (relations; with --no-relations
                      only relatives sharing the surname or the address)
 2 ex_partner         repeated lookups of the ex, new address, new partner, vehicles,
                      escalating over weeks, partly at night/off duty
 3 neighbour          other households in the employee's postcode
 4 colleague          colleagues' records: a few team mates, one colleague
                      obsessively, or a doxing burst of many colleagues + addresses
 5 vip_curiosity      the VIP of a news wave, without case, while the legit team
                      is looking too; 1 lookup up to several VIPs
 6 criminal_leak      a few records a week of a criminal network of another region
                      (or not in own cases) for 3-12 weeks, mixed into normal work
 7 student_practice   a student on MEOS (mobile) checking self, family, friends,
                      classmates, own street and cars during practice shifts
 8 off_duty           private lookups during leave/sickness or far from any shift
 9 bulk_export        big exports/prints (hundreds to tens of thousands of results),
                      mostly in the weeks before the employee's end_date
10 bogus_legitimation private lookups covered with case numbers that do not exist,
                      are closed, or do not contain the subject
Truth events are never turned into malformed lines (they may be duplicated).

DELIVERY NOISE
--------------
One file per system (BlueView, BVH, MEOS, BRP, RDW, GMS, Summ-IT), sorted by time
except ~0.05% lines delivered up to 4 minutes late; ~0.1% duplicate lines (same
id, a third of them in another file); ~0.01% malformed lines (truncated JSON,
missing required field, impossible timestamp, wrong type).  GMS writes
milliseconds; BVH/GMS/Summ-IT always write "case" (empty when none), the others
omit it.  All timestamps carry the Europe/Amsterdam offset valid at that instant.

Determinism: only random.Random instances seeded from (seed, purpose) strings;
no set/dict iteration that depends on hashing.
"""

import argparse
import bisect
import csv
import json
import math
import os
import random
import sys
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Amsterdam")

# ----------------------------------------------------------------------------------
# knobs
# ----------------------------------------------------------------------------------
ROLE_FRACTIONS = [("patrol", .47), ("detective", .14), ("student", .08), ("staff", .075),
                  ("intake", .06), ("dispatcher", .06), ("intelligence", .05), ("it", .03),
                  ("forensic", .02), ("integrity", .015)]
GENERAL_PERSONS_PER_EMPLOYEE = 20
MISUSE_RATE = (0.025, 0.035)          # fraction of employees, drawn per seed
SECOND_SCENARIO_P = 0.15
P_DUPLICATE = 0.001
P_MALFORMED = 0.0001
P_LATE = 0.0005                       # delivered up to LATE_MAX seconds late
LATE_MAX = 240
PLATES_PER_HOUR_DAY = 1.9             # patrol plate checks / hour (day shifts)
PLATES_PER_HOUR_NIGHT = 1.0
PERSON_CHECKS_PER_HOUR = 0.4
INCIDENTS_PER_PATROL_HOUR = 0.04      # per employed patrol officer in the region
P_CASE_TYPED = {"patrol_incident": .55, "detective": .35, "intel": .22, "vik": .7}
P_TYPO = 0.002                        # honest typo in a typed case number

SCENARIOS = ["relative", "ex_partner", "neighbour", "colleague", "vip_curiosity",
             "criminal_leak", "student_practice", "off_duty", "bulk_export",
             "bogus_legitimation"]
SCEN_WEIGHTS = [14, 10, 9, 9, 13, 8, 6, 10, 7, 8]

REGIONS = [("AM", "Amsterdam", 1000, 1109), ("NH", "Noord-Holland", 1110, 2099),
           ("DH", "Den Haag", 2100, 2799), ("RT", "Rotterdam", 2800, 3399),
           ("MN", "Midden-Nederland", 3400, 3999), ("ZB", "Zeeland-West-Brabant", 4000, 4999),
           ("OB", "Oost-Brabant", 5000, 5799), ("LB", "Limburg", 5800, 6499),
           ("ON", "Oost-Nederland", 6500, 8299), ("NN", "Noord-Nederland", 8300, 9999)]

SURNAMES = [("de Jong", 86), ("Jansen", 75), ("de Vries", 73), ("van den Berg", 60), ("van Dijk", 58),
            ("Bakker", 57), ("Janssen", 56), ("Visser", 53), ("Smit", 50), ("Meijer", 45),
            ("de Boer", 44), ("Mulder", 42), ("de Groot", 41), ("Bos", 40), ("Vos", 37),
            ("Peters", 36), ("Hendriks", 36), ("van Leeuwen", 34), ("Dekker", 33), ("Brouwer", 32),
            ("de Wit", 31), ("Dijkstra", 30), ("Smits", 29), ("de Graaf", 29), ("van der Meer", 28),
            ("van der Linden", 27), ("Kok", 27), ("Jacobs", 26), ("de Haan", 26), ("Vermeulen", 25),
            ("van den Heuvel", 25), ("van der Veen", 24), ("van den Broek", 24), ("de Bruijn", 23),
            ("de Bruin", 23), ("van der Heijden", 23), ("Schouten", 22), ("van Beek", 22),
            ("Willems", 22), ("van Vliet", 21), ("van de Ven", 21), ("Hoekstra", 21), ("Maas", 21),
            ("Verhoeven", 20), ("Koster", 20), ("van Dam", 20), ("van der Wal", 19), ("Prins", 19),
            ("Blom", 19), ("Huisman", 19), ("Peeters", 18), ("de Jonge", 18), ("Kuipers", 18),
            ("van Veen", 18), ("Post", 18), ("Kuiper", 17), ("Veenstra", 17), ("Kramer", 17),
            ("van den Brink", 16), ("Scholten", 16), ("van Wijk", 16), ("Postma", 16), ("Martens", 16),
            ("Vink", 15), ("de Ruiter", 15), ("Timmermans", 15), ("Groen", 15), ("Gerritsen", 15),
            ("Jonker", 15), ("van Loon", 14), ("Boer", 14), ("van der Velde", 14), ("Willemsen", 14),
            ("Smeets", 14), ("de Lange", 14), ("de Vos", 13), ("Bosch", 13), ("van Dongen", 13),
            ("Schipper", 13), ("de Koning", 13), ("van der Laan", 13), ("Koning", 13),
            ("van der Velden", 12), ("Driessen", 12), ("van Doorn", 12), ("Hermans", 12), ("Evers", 12),
            ("van den Bosch", 12), ("van der Meulen", 12), ("Hofman", 12), ("Bosman", 11),
            ("Wolters", 11), ("Sanders", 11), ("van der Horst", 11), ("Mol", 11), ("Kuijpers", 11),
            ("Molenaar", 11), ("van de Pol", 11), ("de Leeuw", 11), ("Verbeek", 11), ("'t Hart", 8),
            ("Zijlstra", 12), ("Hoogendoorn", 10), ("Brink", 8), ("Wouters", 10), ("Verschoor", 7),
            ("Ouwehand", 5), ("Groeneveld", 10), ("Lammers", 9), ("Stam", 8), ("Bruinsma", 7),
            ("Terpstra", 8), ("Wijnands", 5), ("Heijnen", 5), ("Yılmaz", 10), ("Kaya", 8),
            ("El Amrani", 7), ("Bouzid", 6), ("Şahin", 6), ("Demir", 7), ("Öztürk", 5), ("Nguyen", 5),
            ("Pinas", 4), ("Biharie", 4), ("Ramdin", 4), ("Haddou", 5), ("Wong", 4), ("Kowalski", 4),
            ("Nowak", 5), ("Rodrigues", 4), ("Martina", 4), ("Ait Taleb", 3), ("Çelik", 5),
            ("Benali", 5), ("Mahabier", 3), ("Sedney", 3), ("Bakkali", 4)]
CODE_NAMES = ["ESDOORN", "KOEKOEK", "ZWALUW", "BEUK", "REIGER", "LIJSTER", "EIK", "MEREL", "VALK",
              "HAVIK", "WILG", "LINDE", "SPECHT", "GRUTTO", "KIEVIT", "ELZEN", "BERK", "SPREEUW",
              "FUUT", "DOTTER", "OOIEVAAR", "KRAAI", "EGEL", "BEVER", "VOS", "DAS", "HERMELIJN",
              "MARTER", "WOUW", "UIL", "ZEEKOET", "PLEVIER", "TUREluur".upper(), "KWARTEL", "SPERWER"]
PLATE_LETTERS = "BDFGHJKLNPRSTVXZ"

SYSNAMES = ["BlueView", "BVH", "MEOS", "BRP", "RDW", "GMS", "Summ-IT"]
FILES = ["blueview.jsonl", "bvh.jsonl", "meos.jsonl", "brp.jsonl", "rdw.jsonl", "gms.jsonl",
         "summit.jsonl"]
BV, BVH, MEOS, BRP, RDW, GMS, SUMMIT = range(7)
CASE_ALWAYS = (False, True, False, False, False, True, True)
CHANNEL_WRITTEN = (True, True, True, True, False, False, True)
TERMINAL_WRITTEN = (True, True, True, True, False, True, True)

F_VIP, F_CRIM, F_SHIELD, F_MINOR, F_EMP = 1, 2, 4, 8, 16
FLAGNAMES = [(F_VIP, "vip"), (F_CRIM, "criminal"), (F_SHIELD, "shielded"), (F_MINOR, "minor"),
             (F_EMP, "employee")]

DAY = 86400
HOUR_PROFILE = [0.6, 0.5, 0.4, 0.3, 0.25, 0.3, 0.5, 0.8, 1.0, 1.1, 1.1, 1.1, 1.2, 1.2, 1.2, 1.3,
                1.4, 1.5, 1.5, 1.4, 1.3, 1.2, 1.0, 0.8]


def poisson(rng, lam):
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, int(rng.gauss(lam, math.sqrt(lam)) + 0.5))
    lim = math.exp(-lam)
    k, p = 0, rng.random()
    while p > lim:
        k += 1
        p *= rng.random()
    return k


class TimeFmt:
    """epoch seconds -> RFC 3339 local Europe/Amsterdam; cached per UTC hour
    (DST transitions happen on whole UTC hours, so the offset is constant per hour)."""

    def __init__(self):
        self.c = {}

    def parts(self, t):
        h = t // 3600
        p = self.c.get(h)
        if p is None:
            dt = datetime.fromtimestamp(h * 3600, TZ)
            off = int(dt.utcoffset().total_seconds())
            sign = "+" if off >= 0 else "-"
            o = abs(off)
            p = (dt.strftime("%Y-%m-%dT%H:"), "%s%02d:%02d" % (sign, o // 3600, (o % 3600) // 60), off)
            self.c[h] = p
        return p

    def fmt(self, t, ms=None):
        p = self.parts(t)
        r = t % 3600
        if ms is None:
            return "%s%02d:%02d%s" % (p[0], r // 60, r % 60, p[1])
        return "%s%02d:%02d.%03d%s" % (p[0], r // 60, r % 60, ms, p[1])

    def hour(self, t):
        return ((t + self.parts(t)[2]) // 3600) % 24

    def dow(self, t):  # Monday = 0
        return ((t + self.parts(t)[2]) // DAY + 3) % 7


def local_epoch(d, minutes):
    dd = d + timedelta(days=minutes // 1440)
    m = minutes % 1440
    return int(datetime(dd.year, dd.month, dd.day, m // 60, m % 60, tzinfo=TZ).timestamp())


class Emp:
    __slots__ = ("i", "user", "role", "unit", "team", "reg", "person", "start", "end", "t0", "t1",
                 "home", "act", "device", "remote", "cases", "absent", "worked", "roster",
                 "absrows", "area", "tag", "student_phase", "hr", "late_from")

    def __init__(self, i):
        self.i = i
        self.cases = []
        self.absent = {}
        self.worked = []
        self.roster = []
        self.absrows = []
        self.tag = ""
        self.act = 1.0
        self.person = -1
        self.area = -1
        self.hr = {}


class Case:
    __slots__ = ("num", "kind", "opened", "closed", "unit", "sens", "members", "subjects", "reg",
                 "ctype", "extra")

    def __init__(self, num, kind, opened, closed, unit, sens, reg, ctype):
        self.num, self.kind, self.opened, self.closed = num, kind, opened, closed
        self.unit, self.sens, self.reg, self.ctype = unit, sens, reg, ctype
        self.members = []
        self.subjects = []
        self.extra = None


class Writer:
    def __init__(self, path):
        self.f = open(path, "w", encoding="utf-8", newline="\n")
        self.held = []      # (release_ts, seq, line)
        self.lines = 0
        self.buf = []

    def put(self, t, line):
        if self.held and self.held[0][0] <= t:
            while self.held and self.held[0][0] <= t:
                self.buf.append(self.held.pop(0)[2])
                self.lines += 1
        self.buf.append(line)
        self.lines += 1
        if len(self.buf) > 20000:
            self.f.write("\n".join(self.buf))
            self.f.write("\n")
            self.buf = []

    def hold(self, release, seq, line):
        bisect.insort(self.held, (release, seq, line))

    def close(self):
        for h in self.held:
            self.buf.append(h[2])
            self.lines += 1
        self.held = []
        if self.buf:
            self.f.write("\n".join(self.buf))
            self.f.write("\n")
        self.f.close()


class Gen:
    def __init__(self, args):
        self.a = args
        self.N = args.employees
        self.D = args.days
        self.start = args.start
        s = args.seed
        self.rw = random.Random("altgen-world-%d" % s)
        self.rs = random.Random("altgen-schedule-%d" % s)
        self.rc = random.Random("altgen-cases-%d" % s)
        self.rp = random.Random("altgen-plan-%d" % s)
        self.re = random.Random("altgen-events-%d" % s)
        self.rn = random.Random("altgen-noise-%d" % s)
        self.ri = random.Random("altgen-ids-%d" % s)
        self.tf = TimeFmt()
        self.mid = [local_epoch(self.start + timedelta(days=d), 0) for d in range(-1, self.D + 3)]
        self.t_start = self.mid[1]
        self.t_end = self.mid[self.D + 1]
        # persons
        self.P_id, self.P_sur, self.P_addr, self.P_by, self.P_flags, self.P_w = [], [], [], [], [], []
        self.P_emp = {}
        self.P_veh = {}
        self.bsn_used = set()
        # addresses
        self.A_id, self.A_pc, self.A_hn, self.A_reg, self.A_area, self.A_res = [], [], [], [], [], []
        self.pc_addrs = {}
        # vehicles
        self.V_plate, self.V_keeper = [], []
        self.plates_used = set()
        self.rel = []
        self.adj = {}
        self.emp_related = set()
        self.emp_postcodes = set()
        self.cases = []
        self.case_by_num = {}
        self.used_case_nums = set()
        self.bogus = []          # (case, reason)
        self.lookalikes = []     # (user, profile, detail)
        self.deviations = []     # (user, kind, start, end)
        self.pending = []
        self.seq = 0
        self.cnt = [0] * 7
        self.truth = []
        self.actors = []
        self.truth_ids = set()
        self.stats = {"lines": 0, "events": 0, "duplicates": 0, "malformed": 0, "late": 0,
                      "per_system": [0] * 7}

    # ------------------------------------------------------------------ helpers
    def d_of(self, t):
        """window day index of epoch t (local date)."""
        return bisect.bisect_right(self.mid, t) - 2

    def new_bsn(self, rng):
        while True:
            ds = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(7)]
            s = sum(d * w for d, w in zip(ds, range(9, 1, -1)))
            c = s % 11
            if c == 10:
                continue
            b = "".join(map(str, ds)) + str(c)
            if b not in self.bsn_used:
                self.bsn_used.add(b)
                return b

    def new_plate(self, rng):
        L = PLATE_LETTERS
        while True:
            k = rng.randrange(7)
            l = lambda n: "".join(rng.choice(L) for _ in range(n))
            d = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))
            p = [f"{d(2)}-{l(3)}-{d(1)}", f"{d(1)}-{l(3)}-{d(2)}", f"{l(2)}-{d(3)}-{l(1)}",
                 f"{l(1)}-{d(3)}-{l(2)}", f"{l(3)}-{d(2)}-{l(1)}", f"{l(2)}-{d(2)}-{l(2)}",
                 f"{d(2)}-{l(2)}-{l(2)}"][k]
            if p not in self.plates_used:
                self.plates_used.add(p)
                return p

    def surname(self, rng):
        return rng.choices(self.sur_names, cum_weights=self.sur_cw)[0]

    def add_person(self, sur, by, addr, flags=0):
        i = len(self.P_id)
        self.P_id.append(self.new_bsn(self.rw))
        self.P_sur.append(sur)
        self.P_by.append(by)
        if by >= 2008:
            flags |= F_MINOR
        self.P_flags.append(flags)
        self.P_addr.append(addr)
        self.P_w.append(1.0)
        self.A_res[addr].append(i)
        return i

    def add_rel(self, a, b, r):
        if a == b:
            return
        self.rel.append((a, b, r))
        inv = {"parent": "child", "child": "parent"}.get(r, r)
        self.adj.setdefault(a, []).append((b, r))
        self.adj.setdefault(b, []).append((a, inv))

    def add_vehicle(self, keeper):
        v = len(self.V_plate)
        self.V_plate.append(self.new_plate(self.rw))
        self.V_keeper.append(keeper)
        self.P_veh.setdefault(keeper, []).append(v)
        return v

    def new_postcode(self, r, area):
        rng = self.rw
        code, name, lo, hi = self.regions[r]
        while True:
            pc = "%04d%s%s" % (rng.randint(lo, hi), rng.choice("ABCDEGHJKLMNPRTVWXZ"),
                               rng.choice("ABCDEGHJKLMNPRTVWXZ"))
            if pc not in self.pc_addrs:
                break
        n = rng.randint(8, 22)
        base = rng.choice([1, 1, 2, 10, 21, 40, 55, 101, 150])
        step = rng.choice([1, 1, 2])
        out = []
        for k in range(n):
            a = len(self.A_id)
            self.addr_serial += rng.randint(1, 40)
            self.A_id.append("%04d20%010d" % (self.gem[r], self.addr_serial))
            self.A_pc.append(pc)
            hn = str(base + k * step)
            if rng.random() < 0.04:
                hn += rng.choice(["A", "B", "-1", "-2", "H"])
            self.A_hn.append(hn)
            self.A_reg.append(r)
            self.A_area.append(area)
            self.A_res.append([])
            out.append(a)
        self.pc_addrs[pc] = out
        return out

    def free_addr(self, r, area=None):
        if area is None:
            area = self.rw.choice(self.reg_areas[r])
        pool = self.free[area]
        if not pool:
            pool.extend(self.new_postcode(r, area))
            self.rw.shuffle(pool)
        return pool.pop()

    # ------------------------------------------------------------------ organisation
    def build_org(self):
        rng = self.rw
        self.sur_names = [s for s, w in SURNAMES]
        cw, acc = [], 0
        for s, w in SURNAMES:
            acc += w
            cw.append(acc)
        self.sur_cw = cw
        N = self.N
        nreg = 3 if N < 450 else min(10, 3 + N // 400)
        first = rng.randrange(len(REGIONS))
        self.regions = [REGIONS[(first + k) % len(REGIONS)] for k in range(nreg)]
        self.reg_num = [REGIONS.index(r) + 1 for r in self.regions]
        self.gem = [rng.randint(100, 1999) for _ in self.regions]
        self.addr_serial = rng.randint(10 ** 6, 10 ** 7)
        self.reg_weight = [rng.uniform(0.7, 1.4) for _ in self.regions]
        # role counts
        counts = {}
        for role, fr in ROLE_FRACTIONS:
            counts[role] = max(1, int(round(N * fr)))
        counts["patrol"] += N - sum(counts.values())
        roles = []
        for role, _ in ROLE_FRACTIONS:
            roles += [role] * counts[role]
        rng.shuffle(roles)
        self.emps = []
        users = set()
        for i, role in enumerate(roles):
            e = Emp(i)
            e.role = role
            while True:
                u = "%s%s%05d" % (rng.choice("abcdefghjklmnprstvwz"), rng.choice("abcdeghijklmnoprstuvw"),
                                  rng.randint(0, 99999))
                if u not in users:
                    users.add(u)
                    break
            e.user = u
            self.emps.append(e)
        # region assignment
        wcum = []
        acc = 0
        for w in self.reg_weight:
            acc += w
            wcum.append(acc)
        by_role = {}
        for e in self.emps:
            by_role.setdefault(e.role, []).append(e)
        for role, lst in by_role.items():
            if role == "it":
                for e in lst:
                    e.reg = -1
                continue
            nat = 0
            if role == "intelligence":
                nat = max(1, len(lst) // 4)
            for k, e in enumerate(lst):
                if k < nat:
                    e.reg = -1
                elif k - nat < nreg:
                    e.reg = k - nat
                else:
                    e.reg = rng.choices(range(nreg), cum_weights=wcum)[0]
        # units
        self.units = []      # dict(code, reg (-1 national), kind, area, terms)
        self.reg_areas = [[] for _ in range(nreg)]
        self.areas = []      # (region, unit index)
        self.unit_of = {}
        for r, (code, name, lo, hi) in enumerate(self.regions):
            np_ = sum(1 for e in self.emps if e.reg == r and e.role in ("patrol", "student", "intake"))
            nbt = max(2, int(round(np_ / 55.0)))
            for b in range(nbt):
                u = self.add_unit("%s-BT%d" % (code, b + 1), r, "BT")
                ar = len(self.areas)
                self.areas.append((r, u))
                self.units[u]["area"] = ar
                self.reg_areas[r].append(ar)
            for kind in ("DRR", "DRIO", "MK", "VIK", "STAF"):
                self.add_unit("%s-%s" % (code, kind), r, kind)
        self.add_unit("LE-IV", -1, "IV")
        self.add_unit("LE-DLIO", -1, "DLIO")
        self.free = [[] for _ in self.areas]
        # put employees into units and teams
        for r in range(nreg):
            code = self.regions[r][0]
            bts = [self.unit_of["%s-BT%d" % (code, b + 1)] for b in range(len(self.reg_areas[r]))]
            members = [e for e in self.emps if e.reg == r]
            pk = sk = dk = ik = 0
            for e in members:
                if e.role == "patrol":
                    e.unit = bts[pk % len(bts)]
                    e.team = "ABCDE"[(pk // len(bts)) % 5]
                    pk += 1
                elif e.role == "student":
                    e.unit = bts[sk % len(bts)]
                    e.team = "ABCDE"[(sk // len(bts) + 2) % 5]
                    sk += 1
                elif e.role == "intake":
                    if rng.random() < 0.7:
                        e.unit = bts[rng.randrange(len(bts))]
                        e.team = "intake"
                    else:
                        e.unit = self.unit_of[code + "-DRIO"]
                        e.team = "IS"
                elif e.role == "detective":
                    e.unit = self.unit_of[code + "-DRR"]
                    e.team = None
                    dk += 1
                elif e.role == "forensic":
                    e.unit = self.unit_of[code + "-DRR"]
                    e.team = "FO"
                elif e.role == "intelligence":
                    e.unit = self.unit_of[code + "-DRIO"]
                    if ik % 5 in (1, 3):
                        e.team = "RTIC-" + "ABCDE"[(ik // 5) % 5]
                    else:
                        e.team = "ANALYSE"
                    ik += 1
                elif e.role == "dispatcher":
                    e.unit = self.unit_of[code + "-MK"]
                    e.team = "P%d" % (rng.randrange(5) + 1)
                elif e.role == "integrity":
                    e.unit = self.unit_of[code + "-VIK"]
                    e.team = "VIK"
                elif e.role == "staff":
                    e.unit = self.unit_of[code + "-STAF"]
                    e.team = rng.choice(["MI", "P&O", "OPS", "OPS", "BV"])
            # dispatcher teams evenly
            dsp = [e for e in members if e.role == "dispatcher"]
            for k, e in enumerate(dsp):
                e.team = "P%d" % (k % 5 + 1)
            dets = [e for e in members if e.role == "detective"]
            nteams = max(1, int(round(len(dets) / 6.0)))
            for k, e in enumerate(dets):
                e.team = ("TGO%d" if (k % nteams) % 2 == 0 else "TBO%d") % (k % nteams + 1)
        for e in self.emps:
            if e.reg == -1:
                if e.role == "it":
                    e.unit = self.unit_of["LE-IV"]
                    e.team = "IV%d" % (rng.randrange(3) + 1)
                else:
                    e.unit = self.unit_of["LE-DLIO"]
                    e.team = "DLIO"
            e.area = self.units[e.unit].get("area", -1)
            e.device = "MD%06X" % rng.getrandbits(24)
            e.remote = "RW%05d" % rng.randrange(100000)
            e.act = math.exp(rng.gauss(0, 0.3))
        # terminals
        for u in self.units:
            n = max(3, sum(1 for e in self.emps if e.unit == u["idx"]) // 2)
            u["terms"] = ["WS-%s-%03d" % (u["code"], k + 1) for k in range(n)]
        # employment period
        win0 = self.start
        winD = self.start + timedelta(days=self.D)
        for e in self.emps:
            if e.role == "student":
                # cohorts: Sept 2023, Feb 2024, Sept 2024, Feb 2025, and some start in the window
                c = rng.random()
                if c < 0.15 and self.D > 30:
                    e.start = win0 + timedelta(days=rng.choice([7, 14, 28]))
                else:
                    e.start = rng.choice([date(2023, 9, 1), date(2024, 2, 1), date(2024, 9, 1),
                                          date(2025, 2, 1) if win0 > date(2025, 2, 10) else date(2024, 9, 2)])
            else:
                e.start = win0 - timedelta(days=int(rng.expovariate(1 / 3500.0)) + 30)
                if rng.random() < 0.02 and self.D > 30:
                    e.start = win0 + timedelta(days=rng.randint(3, self.D // 2))
            e.end = None
            r = rng.random()
            if r < 0.02:
                e.end = win0 + timedelta(days=rng.randint(20, max(21, self.D - 1)))
            elif r < 0.035:
                e.end = winD + timedelta(days=rng.randint(5, 200))
            self.set_bounds(e)

    def set_bounds(self, e):
        e.t0 = local_epoch(e.start, 0)
        e.t1 = local_epoch(e.end, 0) if e.end else 10 ** 11

    def add_unit(self, code, r, kind):
        u = {"code": code, "reg": r, "kind": kind, "idx": len(self.units)}
        self.units.append(u)
        self.unit_of[code] = u["idx"]
        return u["idx"]

    def neighbour_region(self, r):
        n = len(self.regions)
        if n == 1:
            return r
        return (r + self.rw.choice([-1, 1])) % n

    # ------------------------------------------------------------------ population
    def make_household(self, r, comp, area=None, sur=None, by=None, addr=None):
        rng = self.rw
        if addr is None:
            addr = self.free_addr(r, area)
        sur = sur or self.surname(rng)
        if by is None:
            by = rng.randint(1938, 2005)
        by = min(by, 2005)
        if by > 1999 and comp in ("family", "single_parent"):
            comp = "couple"
        adults = []
        kids = []
        if comp == "flat":
            adults = [self.add_person(sur, by, addr)]
            for _ in range(rng.randint(1, 2)):
                q = self.add_person(self.surname(rng), by + rng.randint(-3, 3), addr)
                for a in adults:
                    self.add_rel(a, q, "household")
                adults.append(q)
            return addr, adults, []
        a = self.add_person(sur, by, addr)
        adults.append(a)
        if comp in ("couple", "family"):
            psur = sur if rng.random() < 0.3 else self.surname(rng)
            b = self.add_person(psur, min(2006, by + rng.randint(-5, 5)), addr)
            self.add_rel(a, b, "partner")
            adults.append(b)
        if comp in ("family", "single_parent"):
            nk = rng.choice([1, 1, 2, 2, 2, 3, 3, 4])
            for _ in range(nk):
                kb = by + rng.randint(22, 40)
                if kb > 2024:
                    kb = rng.randint(min(2024, max(by + 18, 1990)), 2024)
                k = self.add_person(sur, kb, addr)
                for p in adults:
                    self.add_rel(p, k, "parent")
                for k2 in kids:
                    self.add_rel(k, k2, "sibling")
                kids.append(k)
        return addr, adults, kids

    def pick_comp(self, rng, by):
        if by > 2000:
            return rng.choices(["single", "couple", "flat"], [5, 3, 2])[0]
        if by < 1950:
            return rng.choices(["single", "couple"], [5, 5])[0]
        return rng.choices(["single", "couple", "family", "single_parent", "flat"], [30, 26, 30, 10, 4])[0]

    def build_population(self):
        rng = self.rw
        nreg = len(self.regions)
        # general population per region, proportional to staff
        staff_r = [sum(1 for e in self.emps if e.reg == r) for r in range(nreg)]
        tot = sum(staff_r)
        G = GENERAL_PERSONS_PER_EMPLOYEE * self.N
        self.general_hh = [[] for _ in range(nreg)]   # (addr, adults, kids, head_by)
        for r in range(nreg):
            target = int(G * (staff_r[r] + self.N * 0.05) / (tot + self.N * 0.05 * nreg))
            # pre-create address pools
            for ar in self.reg_areas[r]:
                need = int(target / 2.2 / len(self.reg_areas[r]) * 1.35) + 20
                while len(self.free[ar]) < need:
                    self.free[ar].extend(self.new_postcode(r, ar))
                rng.shuffle(self.free[ar])
            n = 0
            while n < target:
                by = rng.randint(1936, 2006)
                comp = self.pick_comp(rng, by)
                addr, adults, kids = self.make_household(r, comp, by=by)
                self.general_hh[r].append((addr, adults, kids, by))
                n += len(adults) + len(kids)
            # adult children living elsewhere, siblings among them
            hh = self.general_hh[r]
            parents_pool = [h for h in hh if h[3] < 1975 and len(h[1]) >= 1]
            for h in hh:
                if 1975 <= h[3] <= 2004 and rng.random() < 0.3 and parents_pool:
                    for _ in range(15):
                        ph = rng.choice(parents_pool)
                        if 20 <= h[3] - ph[3] <= 42:
                            child = h[1][0]
                            for p in ph[1]:
                                self.add_rel(p, child, "parent")
                            for k in ph[2]:
                                self.add_rel(child, k, "sibling")
                            ph[2].append(child)
                            break
            # ex-partners among single parents
            singles = [h for h in hh if len(h[1]) == 1 and not h[2] and h[3] < 2000]
            for h in hh:
                if len(h[1]) == 1 and h[2] and rng.random() < 0.5 and singles:
                    x = rng.choice(singles)
                    self.add_rel(h[1][0], x[1][0], "ex-partner")
                    for k in h[2]:
                        self.add_rel(x[1][0], k, "parent")
            # vehicles
            for (addr, adults, kids, by) in hh:
                nv = rng.choices([0, 1, 2], [30, 52, 18])[0]
                for _ in range(nv):
                    kp = rng.choice(adults)
                    if self.P_by[kp] <= 2006:
                        self.add_vehicle(kp)
        self.n_general = len(self.P_id)

    def build_employee_families(self):
        rng = self.rw
        nreg = len(self.regions)
        # police couples
        cand = [e for e in self.emps if e.role not in ("student",)]
        rng.shuffle(cand)
        npairs = max(1, int(self.N * 0.012))
        pairs = {}
        used = set()
        k = 0
        while len(pairs) < 2 * npairs and k + 1 < len(cand):
            a, b = cand[k], cand[k + 1]
            k += 2
            pairs[a.i] = b
            pairs[b.i] = a
        done = set()
        for e in self.emps:
            if e.i in done:
                continue
            er = e.reg if e.reg >= 0 else rng.randrange(nreg)
            hr = er if rng.random() < 0.72 else self.neighbour_region(er)
            area = None
            if e.area >= 0 and hr == er and rng.random() < 0.35:
                area = e.area
            addr = self.free_addr(hr, area)
            e.home = addr
            if e.role == "student":
                by = rng.randint(1996, 2006)
            else:
                age_lo = max(1961, e.start.year - 45)
                by = rng.randint(age_lo, min(2002, max(age_lo, e.start.year - 19)))
            sur = self.surname(rng)
            lives_with_parents = e.role == "student" and by >= 2001 and rng.random() < 0.6
            related = []
            if lives_with_parents:
                pby = by - rng.randint(22, 36)
                a, adults, kids = self.make_household(hr, rng.choice(["couple", "couple", "single"]),
                                                      sur=sur, by=pby, addr=addr)
                me = self.add_person(sur, by, addr, F_EMP)
                for p in adults:
                    self.add_rel(p, me, "parent")
                sibs = [self.add_person(sur, by + rng.choice([-3, -2, 2, 3, 4]), addr)
                        for _ in range(rng.choice([0, 1, 1, 2]))]
                for s_ in sibs:
                    for p in adults:
                        self.add_rel(p, s_, "parent")
                    self.add_rel(me, s_, "sibling")
                related += adults + sibs
                partner = None
                household = [me] + adults + sibs
                parents = adults
            else:
                me = self.add_person(sur, by, addr, F_EMP)
                household = [me]
                partner = None
                if e.i in pairs:
                    comp = rng.choice(["couple", "family"])
                else:
                    comp = rng.choices(["single", "couple", "family", "single_parent"], [25, 25, 40, 10])[0]
                if comp in ("couple", "family"):
                    if e.i in pairs:
                        o = pairs[e.i]
                        partner = self.add_person(self.surname(rng), by + rng.randint(-5, 5), addr, F_EMP)
                        o.home = addr
                        o.person = partner
                        done.add(o.i)
                        self.P_emp[partner] = o
                    else:
                        partner = self.add_person(self.surname(rng), min(2004, by + rng.randint(-6, 6)), addr)
                    self.add_rel(me, partner, "partner")
                    household.append(partner)
                if comp in ("family", "single_parent"):
                    ksur = sur if (partner is None or rng.random() < 0.6) else self.P_sur[partner]
                    kids = []
                    for _ in range(rng.choice([1, 2, 2, 3])):
                        kb = min(2024, by + rng.randint(24, 40))
                        kid = self.add_person(ksur, kb, addr)
                        self.add_rel(me, kid, "parent")
                        if partner is not None:
                            self.add_rel(partner, kid, "parent")
                        for k2 in kids:
                            self.add_rel(kid, k2, "sibling")
                        kids.append(kid)
                    household += kids
                # parents
                parents = []
                if rng.random() < 0.8 and by > 1955:
                    pr = hr if rng.random() < 0.7 else self.neighbour_region(hr)
                    psur = sur if rng.random() < 0.9 else self.surname(rng)
                    pa, parents, _ = self.make_household(pr, rng.choice(["couple", "couple", "single"]),
                                                         sur=psur, by=by - rng.randint(22, 38))
                    for p in parents:
                        self.add_rel(p, me, "parent")
                    related += parents
                # siblings with own households
                nsib = rng.choices([0, 1, 2, 3], [25, 40, 25, 10])[0]
                sibs = []
                for _ in range(nsib):
                    sr = hr if rng.random() < 0.6 else self.neighbour_region(hr)
                    sa, sad, skids = self.make_household(sr, rng.choice(["single", "couple", "family"]),
                                                         sur=sur, by=by + rng.randint(-8, 8))
                    s_ = sad[0]
                    self.add_rel(me, s_, "sibling")
                    for s2 in sibs:
                        self.add_rel(s_, s2, "sibling")
                    for p in parents:
                        self.add_rel(p, s_, "parent")
                    sibs.append(s_)
                    related += sad + skids
                    for ad in sad:
                        if rng.random() < 0.6:
                            self.add_vehicle(ad)
                # in-laws
                if partner is not None and partner not in self.P_emp and rng.random() < 0.5:
                    ia, ipar, _ = self.make_household(hr, "couple", sur=self.P_sur[partner],
                                                      by=self.P_by[partner] - rng.randint(22, 36))
                    for p in ipar:
                        self.add_rel(p, partner, "parent")
                    related += ipar
                # ex-partner
                pex = 0.35 if comp in ("single", "single_parent") else 0.1
                if rng.random() < pex and by < 2000:
                    xr = hr if rng.random() < 0.8 else self.neighbour_region(hr)
                    xa, xad, xkids = self.make_household(xr, rng.choice(["single", "single", "couple"]),
                                                         by=by + rng.randint(-5, 5))
                    ex = xad[0]
                    self.add_rel(me, ex, "ex-partner")
                    if len(xad) > 1 and rng.random() < 0.5:
                        # shared children live with the ex and her/his new partner
                        for _ in range(rng.choice([1, 2])):
                            kid = self.add_person(sur, min(2022, by + rng.randint(22, 36)), xa)
                            self.add_rel(me, kid, "parent")
                            self.add_rel(ex, kid, "parent")
                            self.add_rel(xad[1], kid, "household")
                            xkids.append(kid)
                    for ad in xad:
                        if rng.random() < 0.7:
                            self.add_vehicle(ad)
                    related += xad + xkids
            e.person = me
            self.P_emp[me] = e
            for p in household:
                if self.P_by[p] <= 2006 and rng.random() < (0.7 if p in (me, partner) else 0.3):
                    self.add_vehicle(p)
            related += household
            for p in related:
                self.emp_related.add(p)
            self.emp_postcodes.add(self.A_pc[addr])
            done.add(e.i)
        # a few contractors without a person link
        for e in self.emps:
            if e.role in ("it",) and self.rw.random() < 0.1:
                e.tag = "noperson"

    def build_specials(self):
        rng = self.rw
        nreg = len(self.regions)
        general = list(range(self.n_general))
        # VIPs
        nv = max(8, self.N // 40)
        self.vips = []
        while len(self.vips) < nv:
            p = rng.choice(general)
            if self.P_by[p] > 1995 or self.P_by[p] < 1945 or self.P_flags[p]:
                continue
            self.P_flags[p] |= F_VIP
            if p not in self.P_veh:
                self.add_vehicle(p)
            self.vips.append(p)
        # criminal networks
        self.networks = []   # dict(reg, members, vehicles, addrs)
        by_reg = [[] for _ in range(nreg)]
        for p in general:
            if 1965 <= self.P_by[p] <= 2005 and not self.P_flags[p]:
                by_reg[self.A_reg[self.P_addr[p]]].append(p)
        for r in range(nreg):
            staff_r = sum(1 for e in self.emps if e.reg == r)
            for k in range(2 + staff_r // 250):
                size = rng.randint(5, 18)
                members = []
                while len(members) < size:
                    p = rng.choice(by_reg[r])
                    if self.P_flags[p] & F_CRIM:
                        continue
                    members.append(p)
                    self.P_flags[p] |= F_CRIM
                    # family ties inside the network
                    for (q, rl) in self.adj.get(p, []):
                        if rl in ("sibling", "partner", "child") and self.P_by[q] <= 2005 and \
                                rng.random() < 0.4 and not self.P_flags[q] & (F_VIP | F_EMP) and \
                                q not in self.emp_related:
                            self.P_flags[q] |= F_CRIM
                            members.append(q)
                vehicles = []
                for p in members:
                    if rng.random() < 0.6:
                        for _ in range(rng.choice([1, 1, 2])):
                            vehicles.append(self.add_vehicle(p))
                    vehicles += [v for v in self.P_veh.get(p, []) if v not in vehicles]
                addrs = sorted(set(self.P_addr[p] for p in members))
                self.networks.append({"reg": r, "members": members, "vehicles": vehicles, "addrs": addrs,
                                      "name": rng.choice(CODE_NAMES)})
        # shielded
        for p in general:
            if rng.random() < 0.003:
                self.P_flags[p] |= F_SHIELD
        for e in self.emps:
            if rng.random() < 0.02:
                self.P_flags[e.person] |= F_SHIELD
        # frequent flyers (no flag; just often checked)
        self.frequent = set()
        for p in general:
            if 1975 <= self.P_by[p] <= 2007 and rng.random() < 0.1:
                self.frequent.add(p)

    def build_pools(self):
        # random-lookup weights
        na = len(self.areas)
        for p in range(len(self.P_id)):
            f = self.P_flags[p]
            w = 1.0
            if f & F_MINOR:
                w = 0.25
            elif self.P_by[p] < 1950:
                w = 0.4
            if p in self.frequent:
                w = 6.0
            if f & F_CRIM:
                w = 8.0
            if f & F_VIP:
                w = 0.05
            if f & F_EMP:
                w *= 0.015
            elif p in self.emp_related:
                w *= 0.03
            elif self.A_pc[self.P_addr[p]] in self.emp_postcodes:
                w *= 0.04
            self.P_w[p] = w
        self.area_p = [[] for _ in range(na)]
        self.area_v = [[] for _ in range(na)]
        self.area_a = [[] for _ in range(na)]
        for p in range(len(self.P_id)):
            self.area_p[self.A_area[self.P_addr[p]]].append(p)
        for v in range(len(self.V_plate)):
            self.area_v[self.A_area[self.P_addr[self.V_keeper[v]]]].append(v)
        for a in range(len(self.A_id)):
            if self.A_res[a]:
                self.area_a[self.A_area[a]].append(a)

        def cum(lst, wf):
            out, acc = [], 0.0
            for x in lst:
                acc += wf(x)
                out.append(acc)
            return out
        self.area_pw = [cum(l, lambda p: self.P_w[p]) for l in self.area_p]
        self.area_vw = [cum(l, self.vweight) for l in self.area_v]
        self.reg_p, self.reg_pw, self.reg_v, self.reg_vw, self.reg_a = [], [], [], [], []
        for r in range(len(self.regions)):
            lp = [p for ar in self.reg_areas[r] for p in self.area_p[ar]]
            lv = [v for ar in self.reg_areas[r] for v in self.area_v[ar]]
            self.reg_p.append(lp)
            self.reg_pw.append(cum(lp, lambda p: self.P_w[p]))
            self.reg_v.append(lv)
            self.reg_vw.append(cum(lv, self.vweight))
            self.reg_a.append([a for ar in self.reg_areas[r] for a in self.area_a[ar]])
        self.crim_all = [p for p in range(len(self.P_id)) if self.P_flags[p] & F_CRIM]
        self.sur_count = {}
        for s in self.P_sur:
            self.sur_count[s] = self.sur_count.get(s, 0) + 1

    def vweight(self, v):
        k = self.V_keeper[v]
        w = self.P_w[k]
        if k in self.emp_related or self.P_flags[k] & F_VIP or self.A_pc[self.P_addr[k]] in self.emp_postcodes:
            return w
        return max(0.3, w)     # minors/elderly as keeper: the car is still driven

    # pickers ------------------------------------------------------------------
    def pick_person(self, rng, r, area=-1):
        x = rng.random()
        if area >= 0 and x < 0.75:
            return rng.choices(self.area_p[area], cum_weights=self.area_pw[area])[0]
        if x > 0.95 and len(self.regions) > 1:
            r = rng.randrange(len(self.regions))
        return rng.choices(self.reg_p[r], cum_weights=self.reg_pw[r])[0]

    def pick_vehicle(self, rng, r, area=-1):
        x = rng.random()
        if area >= 0 and x < 0.7:
            return rng.choices(self.area_v[area], cum_weights=self.area_vw[area])[0]
        if x > 0.88 and len(self.regions) > 1:
            r = rng.randrange(len(self.regions))
        return rng.choices(self.reg_v[r], cum_weights=self.reg_vw[r])[0]

    def pick_address(self, rng, r, area=-1):
        # addresses in postcodes where employees live stand for a much larger
        # real-world population: accept them only rarely (see design notes)
        for _ in range(6):
            if area >= 0 and rng.random() < 0.8:
                a = rng.choice(self.area_a[area])
            else:
                a = rng.choice(self.reg_a[r])
            if self.A_pc[a] not in self.emp_postcodes or rng.random() < 0.04:
                return a
        return a

    # ------------------------------------------------------------------ schedule
    def build_schedule(self):
        rng = self.rs
        D = self.D
        self.worked_by_day = [[] for _ in range(D + 1)]
        rot = "EELLNN----"
        unit_shift = {u["idx"]: rng.choice([0, 0, 0, -30]) for u in self.units}
        may = [d for d in range(D) if date(2025, 4, 25) <= self.start + timedelta(days=d) <= date(2025, 5, 5)]
        for e in self.emps:
            # --- absences
            absent = {}
            if rng.random() < 0.5 and D >= 21:
                L = rng.randint(5, 14)
                if may and rng.random() < 0.5:
                    s0 = rng.choice(may) - rng.randint(0, 3)
                else:
                    s0 = rng.randint(0, D - 5)
                for d in range(max(0, s0), min(D, s0 + L)):
                    absent[d] = "leave"
            for _ in range(poisson(rng, D / 30.0)):
                absent[rng.randrange(D)] = "leave"
            for _ in range(poisson(rng, 0.6 * D / 84.0)):      # short sickness spells
                s0 = rng.randrange(D)
                for d in range(s0, min(D, s0 + rng.randint(1, 5))):
                    absent[d] = "sick"
            if rng.random() < 0.06:                              # long-term sickness
                s0 = rng.randrange(D)
                for d in range(s0, min(D, s0 + rng.randint(7, 30))):
                    absent[d] = "sick"
            e.absent = absent
            self.make_roster(e, rng, rot, unit_shift[e.unit])
        # put worked shifts into days
        for e in self.emps:
            self.finish_worked(e)

    def in_employment(self, e, d):
        dd = self.start + timedelta(days=d)
        return e.start <= dd and (e.end is None or dd < e.end)

    def make_roster(self, e, rng, rot, ushift):
        D = self.D
        role = e.role
        roster = []   # (day, start_min, dur_min, kind, tag)
        team_off = "ABCDE".index(e.team[-1]) * 2 if e.team and e.team[-1] in "ABCDE" else 0
        if role == "dispatcher":
            team_off = (int(e.team[1:]) - 1) * 2
        parttime_off = rng.random() < 0.22
        fixed_off = rng.randrange(5) if rng.random() < 0.25 else -1
        start_min = rng.choice([450, 480, 480, 510, 510, 540])
        dur = rng.choice([510, 510, 540, 480])
        if role == "student":
            phase0 = rng.randrange(35)
        for d in range(D):
            dd = self.start + timedelta(days=d)
            dow = dd.weekday()
            o = dd.toordinal()
            if role in ("patrol", "dispatcher") or (role == "intelligence" and e.team.startswith("RTIC")) \
                    or role == "student":
                if role == "student":
                    ph = (d + phase0) % 35
                    if ph < 14:   # school block
                        if dow < 5:
                            roster.append((d, 510, 450, "training", "T"))
                        continue
                s = rot[(o + team_off) % 10]
                if s == "-":
                    if rng.random() < 0.03:
                        s = rng.choice("EL")
                    else:
                        continue
                elif rng.random() < (0.2 if parttime_off else 0.04):
                    continue
                st = {"E": 420, "L": 900, "N": 1380}[s] + (ushift if role != "dispatcher" else 0)
                if role == "patrol" and rng.random() < 0.02:
                    roster.append((d, 540, 480, "training", "T"))
                    continue
                roster.append((d, st, 480, "shift", s))
            elif role == "intake":
                if dow == 6 or (dow == 5 and rng.random() < 0.6) or dow == fixed_off:
                    continue
                if rng.random() < 0.03:
                    continue
                if rng.random() < 0.3:
                    roster.append((d, 810, 510, "shift", "L"))
                else:
                    roster.append((d, 480, 510, "shift", "O"))
            else:
                if dow >= 5:
                    if role == "detective" and rng.random() < 0.12:
                        roster.append((d, 540, 480, "shift", "P"))
                    continue
                if dow == fixed_off or rng.random() < 0.02:
                    continue
                sm = start_min + rng.choice([-15, 0, 0, 0, 15, 30])
                roster.append((d, sm, dur + rng.choice([-30, 0, 0, 30]), "shift", "O"))
        e.roster = []
        e.worked = []
        for (d, sm, du, kind, tag) in roster:
            if not self.in_employment(e, d):
                continue
            if d in e.absent:
                continue
            dd = self.start + timedelta(days=d)
            s = local_epoch(dd, sm)
            en = local_epoch(dd, sm + du)
            e.roster.append((s, en, kind))
            if kind != "shift":
                continue
            ws, we, wtag = s, en, tag
            r = rng.random()
            if r < 0.004 and tag in "ELN":
                # swapped shift: roster not updated
                ns = rng.choice([x for x in "EL" if x != tag])
                nsm = {"E": 420, "L": 900}[ns]
                ws, we, wtag = local_epoch(dd, nsm), local_epoch(dd, nsm + 480), ns
                self.deviations.append((e.user, "swapped_shift", ws, we))
            if rng.random() < 0.12:
                we += rng.randint(20, 150) * 60
                if we - en > 3600:
                    self.deviations.append((e.user, "overtime", en, we))
            if rng.random() < 0.05:
                ws -= rng.randint(10, 35) * 60
            e.worked.append((ws, we, wtag, d))
        # unrostered extra work: call-in / cancelled leave
        for d in range(D):
            if not self.in_employment(e, d):
                continue
            dd = self.start + timedelta(days=d)
            if d in e.absent:
                if e.absent[d] == "leave" and rng.random() < 0.002 and role in ("patrol", "detective", "dispatcher"):
                    s, en = local_epoch(dd, 480), local_epoch(dd, 960)
                    e.worked.append((s, en, "E" if role != "detective" else "O", d))
                    self.deviations.append((e.user, "cancelled_leave", s, en))
                continue
            if role in ("patrol",) and rng.random() < 0.002:
                s, en = local_epoch(dd, 900), local_epoch(dd, 1380)
                if not any(abs(w[0] - s) < 12 * 3600 for w in e.worked):
                    e.worked.append((s, en, "L", d))
                    self.deviations.append((e.user, "called_in", s, en))
        e.worked.sort()
        # absence rows
        rows = []
        for d in sorted(e.absent):
            if not self.in_employment(e, d):
                continue
            k = e.absent[d]
            if rows and rows[-1][2] == k and rows[-1][1] == d:
                rows[-1][1] = d + 1
            else:
                rows.append([d, d + 1, k])
        e.absrows = [(self.mid[a + 1], self.mid[b + 1], k) for a, b, k in rows]

    def finish_worked(self, e):
        for w in e.worked:
            self.worked_by_day[w[3]].append((w[0], w[1], w[2], e))

    def shifts_between(self, e, d0, d1):
        return [w for w in e.worked if d0 <= w[3] < d1]

    def at_work(self, e, t, margin=0):
        for w in e.worked:
            if w[0] - margin <= t <= w[1] + margin:
                return True
        return False

    # ------------------------------------------------------------------ cases
    def new_pl(self, rng, r, year=2025):
        while True:
            n = "PL%02d00-%d%06d" % (self.reg_num[r], year, rng.randint(10000, 999999))
            if n not in self.used_case_nums:
                self.used_case_nums.add(n)
                return n

    def add_case(self, c):
        self.cases.append(c)
        self.case_by_num[c.num] = c
        self.used_case_nums.add(c.num)
        return c

    def build_cases(self):
        rng = self.rc
        D = self.D
        T0, T1 = self.t_start, self.t_end
        nreg = len(self.regions)
        code_used = set()

        def code_name(year):
            while True:
                n = "OND-%02d%s" % (year % 100, rng.choice(CODE_NAMES))
                if n not in code_used and n not in self.used_case_nums:
                    code_used.add(n)
                    return n

        net_by_reg = [[n for n in self.networks if n["reg"] == r] for r in range(nreg)]
        self.aangifte_serial = [rng.randint(100000, 300000) for _ in range(nreg)]
        for r in range(nreg):
            code = self.regions[r][0]
            drr = self.unit_of[code + "-DRR"]
            dets = [e for e in self.emps if e.unit == drr and e.role == "detective"]
            foren = [e for e in self.emps if e.unit == drr and e.role == "forensic"]
            intel = [e for e in self.emps if e.reg == r and e.role == "intelligence"]
            teams = {}
            for e in dets:
                teams.setdefault(e.team, []).append(e)
            free_nets = list(net_by_reg[r])
            for tname in sorted(teams):
                tm = teams[tname]
                specs = []
                for _ in range(rng.randint(3, 6)):
                    specs.append((T0 - rng.randint(3, 400) * DAY, None))
                for _ in range(rng.randint(1, 3)):
                    o = T0 - rng.randint(200, 700) * DAY
                    specs.append((o, T0 - rng.randint(5, 150) * DAY))
                for _ in range(poisson(rng, D / 14.0)):
                    specs.append((T0 + rng.randint(0, D - 1) * DAY + rng.randint(8, 17) * 3600, None))
                for (op, cl) in specs:
                    if cl is None and rng.random() < 0.25:
                        cl = max(op, T0) + rng.randint(5, max(6, D)) * DAY
                        if cl >= T1:
                            cl = None
                    ctype = rng.choices(["network", "violence", "burglary", "fraud", "domestic", "drugs",
                                         "colleague_victim"], [3, 3, 3, 2, 2, 2, 1])[0]
                    if ctype == "network" and not free_nets:
                        ctype = "drugs"
                    year = datetime.fromtimestamp(op, TZ).year
                    if ctype == "network":
                        net = free_nets.pop(rng.randrange(len(free_nets)))
                        num = code_name(year)
                        c = Case(num, "case", op, cl, drr, "high", r, ctype)
                        c.extra = net
                        subs = [("p", p) for p in net["members"]]
                        subs += [("v", v) for v in net["vehicles"][:8]]
                        subs += [("a", a) for a in net["addrs"][:6]]
                        c.subjects = subs
                        net["case"] = c
                    else:
                        num = self.new_pl(rng, r, year)
                        c = Case(num, "case", op, cl, drr, "high" if rng.random() < 0.1 else "normal", r, ctype)
                        subs = []
                        if ctype == "domestic":
                            p = rng.choice(self.reg_p[r])
                            subs.append(("p", p))
                            for (q, rl) in self.adj.get(p, []):
                                if rl in ("ex-partner", "partner", "child"):
                                    subs.append(("p", q))
                            subs.append(("a", self.P_addr[p]))
                        else:
                            for _ in range(rng.randint(2, 6)):
                                subs.append(("p", self.pick_person(rng, r)))
                            for _ in range(rng.randint(0, 2)):
                                subs.append(("v", self.pick_vehicle(rng, r)))
                            for _ in range(rng.randint(1, 2)):
                                subs.append(("a", self.pick_address(rng, r)))
                        if ctype == "colleague_victim":
                            col = rng.choice([x for x in self.emps if x.reg == r and x.role == "patrol"] or self.emps)
                            subs.append(("p", col.person))
                            c.sens = "high"
                        c.subjects = dedup(subs)
                    mem = tm if (ctype == "network" or len(tm) <= 3) else rng.sample(tm, rng.randint(2, min(5, len(tm))))
                    c.members = list(mem)
                    if foren and rng.random() < 0.3:
                        c.members.append(rng.choice(foren))
                    if intel and (ctype == "network" or rng.random() < 0.15):
                        c.members.append(rng.choice(intel))
                    self.add_case(c)
            # intelligence projects
            drio = self.unit_of[code + "-DRIO"]
            rint = [e for e in intel if e.unit == drio]
            if rint:
                for k in range(rng.randint(1, 3)):
                    num = "PRJ-%s-%d-%02d" % (code, 2024 + (k % 2), rng.randint(1, 60))
                    if num in self.used_case_nums:
                        continue
                    c = Case(num, "case", T0 - rng.randint(30, 500) * DAY, None, drio, "high", r, "project")
                    nets = net_by_reg[r]
                    subs = []
                    for n in rng.sample(nets, min(len(nets), rng.randint(1, 2))):
                        subs += [("p", p) for p in n["members"]] + [("v", v) for v in n["vehicles"][:5]]
                    c.subjects = dedup(subs)
                    c.members = rng.sample(rint, min(len(rint), rng.randint(2, 5)))
                    self.add_case(c)
            # integrity cases
            vik = self.unit_of[code + "-VIK"]
            vstaff = [e for e in self.emps if e.unit == vik]
            regemps = [e for e in self.emps if e.reg == r and e.role != "integrity"]
            nv = rng.randint(1, 2) + poisson(rng, D / 30.0)
            for k in range(nv):
                if rng.random() < 0.4:
                    op, cl = T0 - rng.randint(10, 200) * DAY, None
                else:
                    op, cl = T0 + rng.randint(0, max(1, D - 7)) * DAY + 9 * 3600, None
                if rng.random() < 0.3:
                    cl = max(op, T0) + rng.randint(10, 60) * DAY
                    if cl >= T1:
                        cl = None
                num = "VIK-%d-%03d" % (datetime.fromtimestamp(op, TZ).year, rng.randint(1, 400))
                if num in self.used_case_nums:
                    continue
                c = Case(num, "case", op, cl, vik, "high", r, "integrity")
                subj_e = rng.sample(regemps, min(len(regemps), rng.choice([1, 1, 1, 2])))
                subs = []
                for se in subj_e:
                    subs.append(("p", se.person))
                    subs.append(("a", self.P_addr[se.person]))
                    subs += [("v", v) for v in self.P_veh.get(se.person, [])]
                c.subjects = subs
                c.extra = subj_e
                c.members = list(vstaff)
                self.add_case(c)
        # national intelligence projects
        dl = [e for e in self.emps if e.unit == self.unit_of["LE-DLIO"]]
        if dl:
            for k in range(rng.randint(1, 3)):
                num = "PRJ-LE-%d-%02d" % (2024 + k % 2, rng.randint(1, 60))
                if num in self.used_case_nums:
                    continue
                c = Case(num, "case", T0 - rng.randint(30, 600) * DAY, None, self.unit_of["LE-DLIO"], "high", -1, "project")
                subs = []
                for n in rng.sample(self.networks, min(len(self.networks), 3)):
                    subs += [("p", p) for p in n["members"]]
                c.subjects = dedup(subs)
                c.members = rng.sample(dl, min(len(dl), rng.randint(2, 4)))
                self.add_case(c)
        for c in self.cases:
            for m in c.members:
                m.cases.append(c)

    def open_cases(self, e, t):
        return [c for c in e.cases if c.opened <= t and (c.closed is None or t < c.closed)]

    # ------------------------------------------------------------------ event emission
    def subj(self, tgt):
        k, i = tgt
        if k == "p":
            return "person", self.P_id[i]
        if k == "v":
            return "vehicle", self.V_plate[i]
        if k == "a":
            return "address", self.A_id[i]
        if k == "c":
            return "case", i
        if k == "fv":
            return "vehicle", i
        if k == "fp":
            return "person", i
        if k == "o":
            return "object", i
        return "other", i

    def newid(self, si):
        self.cnt[si] += 1
        n = self.cnt[si]
        if si == BV:
            return "bv%010d" % n
        if si in (BVH, MEOS):
            h = "%032x" % self.ri.getrandbits(128)
            return "%s-%s-4%s-%s-%s" % (h[:8], h[8:12], h[13:16], h[16:20], h[20:32])
        if si == BRP:
            return "BRP-%09d" % n
        if si == RDW:
            return "RDW%010d" % n
        if si == GMS:
            return "GMS:%d" % n
        return "SIT-%08X" % n

    def emit(self, t, e, si, action, tgt=None, case=None, ch=None, term=None, res=None, q=None, truth=None):
        if t < e.t0 or t >= e.t1:
            return None
        eid = self.newid(si)
        if si == GMS:
            ms = self.re.randrange(1000)
            tss = self.tf.fmt(t, ms)
            key = t + ms / 1000.0
        else:
            tss = self.tf.fmt(t)
            key = t
        s = '{"id":"%s","ts":"%s","user":"%s","system":"%s","action":"%s"' % (eid, tss, e.user, SYSNAMES[si], action)
        if tgt is not None:
            st, sid = self.subj(tgt)
            s += ',"subject_type":"%s","subject":"%s"' % (st, sid)
            if case:
                s += ',"case":"%s"' % case
            elif CASE_ALWAYS[si]:
                s += ',"case":""'
        if ch and CHANNEL_WRITTEN[si]:
            s += ',"channel":"%s"' % ch
        if term and TERMINAL_WRITTEN[si]:
            s += ',"terminal":"%s"' % term
        if res is not None:
            s += ',"results":%d' % res
        if q is not None:
            s += ',"query":' + json.dumps(q, ensure_ascii=False)
        s += "}"
        self.seq += 1
        self.pending.append((key, self.seq, si, s, truth is not None))
        if truth is not None:
            self.truth.append((eid, e.user, truth, tss))
        return eid

    def typed(self, rng, num):
        """the case number as typed (sometimes with an honest typo)."""
        if num and rng.random() < P_TYPO and num.startswith("PL"):
            for _ in range(10):
                k = rng.randrange(len(num) - 4, len(num))
                bad = num[:k] + str((int(num[k]) + rng.randint(1, 9)) % 10) + num[k + 1:]
                if bad not in self.used_case_nums:
                    self.used_case_nums.add(bad)
                    self.bogus.append((bad, "typo"))
                    return bad
        return num

    def wildcard(self, rng, p):
        s = self.P_sur[p]
        base = s.lower()
        if rng.random() < 0.5:
            parts = base.split(" ")
            last = parts[-1]
            k = rng.randint(3, max(3, len(last)))
            q = " ".join(parts[:-1] + [last[:k]]) + "*"
            res = max(1, int(self.sur_count.get(s, 1) * rng.uniform(0.5, 3) * (len(last) + 1 - k)))
        else:
            q = base
            res = max(1, int(self.sur_count.get(s, 1) * rng.uniform(0.3, 1.5)))
        return q, min(res, 2000)

    def lookup(self, t, e, tgt, case=None, mode="desk", truth=None, term=None, view=True):
        """a realistic lookup sequence on one record; returns the time after it."""
        rng = self.re
        k, i = tgt
        if mode == "mobile":
            dev = e.device
            if k == "p":
                self.emit(t, e, MEOS, "query", tgt, case, "mobile", dev, 1, "%s %d" % (self.P_sur[i], self.P_by[i]), truth)
                if view and rng.random() < 0.5:
                    t += rng.randint(8, 60)
                    self.emit(t, e, MEOS, "view", tgt, case, "mobile", dev, 1, None, truth)
            elif k == "v":
                self.emit(t, e, MEOS, "query", tgt, case, "mobile", dev, 1, self.V_plate[i], truth)
            elif k == "a":
                self.emit(t, e, MEOS, "query", tgt, case, "mobile", dev, len(self.A_res[i]) or 1,
                          "%s %s" % (self.A_pc[i], self.A_hn[i]), truth)
            else:
                self.emit(t, e, MEOS, "view", tgt, case, "mobile", dev, 1, None, truth)
            return t + rng.randint(20, 120)
        term = term or (e.remote if mode == "remote" else self.term_of(e))
        if k == "p":
            x = rng.random()
            if x < 0.55:
                q, res = self.wildcard(rng, i)
                self.emit(t, e, BV, "query", tgt, case, "desktop", term, res, q, truth)
                if view:
                    t += rng.randint(10, 90)
                    self.emit(t, e, BV, "view", tgt, case, "desktop", term, 1, None, truth)
                    if rng.random() < 0.2:
                        t += rng.randint(10, 120)
                        self.emit(t, e, BRP, "view", tgt, case, "desktop", term, 1, None, truth)
            elif x < 0.85:
                self.emit(t, e, BRP, "query", tgt, case, "desktop", term, 1, self.P_id[i], truth)
                if view:
                    t += rng.randint(5, 60)
                    self.emit(t, e, BRP, "view", tgt, case, "desktop", term, 1, None, truth)
            else:
                self.emit(t, e, BV, "view", tgt, case, "desktop", term, 1, None, truth)
        elif k == "v":
            if rng.random() < 0.6:
                self.emit(t, e, RDW, "query", tgt, case, "desktop", term, 1, self.V_plate[i], truth)
            else:
                self.emit(t, e, BV, "query", tgt, case, "desktop", term, 1, self.V_plate[i], truth)
                if view and rng.random() < 0.5:
                    t += rng.randint(5, 40)
                    self.emit(t, e, BV, "view", tgt, case, "desktop", term, 1, None, truth)
        elif k == "a":
            si = BRP if rng.random() < 0.5 else BV
            self.emit(t, e, si, "query", tgt, case, "desktop", term, max(1, len(self.A_res[i])),
                      "%s %s" % (self.A_pc[i], self.A_hn[i]), truth)
            if view and rng.random() < 0.4:
                t += rng.randint(5, 40)
                self.emit(t, e, si, "view", tgt, case, "desktop", term, 1, None, truth)
        else:
            self.emit(t, e, BVH, "view", tgt, case, "desktop", term, 1, None, truth)
        return t + rng.randint(15, 180)

    def term_of(self, e):
        ts = self.units[e.unit]["terms"]
        t = e.hr.get("term")
        if t is None or self.re.random() < 0.15:
            t = self.re.choice(ts)
            e.hr["term"] = t
        return t

    def session(self, e, s, en, systems, ch="desktop", term=None):
        rng = self.re
        term = term or (e.device if ch == "mobile" else self.term_of(e))
        for si in systems:
            self.emit(s + rng.randint(30, 900), e, si, "login", ch=ch, term=term)
            self.emit(max(s + 1200, en - rng.randint(0, 900)), e, si, "logout", ch=ch, term=term)

    # ------------------------------------------------------------------ incidents
    def gen_incidents(self, d):
        rng = self.re
        nreg = len(self.regions)
        day0 = self.mid[d + 1]
        dd = self.start + timedelta(days=d)
        cover = [[] for _ in range(nreg)]
        disp = [[] for _ in range(nreg)]
        for dx in (d - 1, d):
            if dx < 0:
                continue
            for (s, en, tag, e) in self.worked_by_day[dx]:
                if e.reg < 0:
                    continue
                if e.role in ("patrol", "student") and tag in "ELNX":
                    cover[e.reg].append((s, en, e))
                elif e.role == "dispatcher":
                    disp[e.reg].append((s, en, e))
        self.today_incidents = [[] for _ in range(nreg)]
        for r in range(nreg):
            npat = self.reg_patrol[r]
            serial = 0
            for h in range(24):
                f = HOUR_PROFILE[h]
                dow = dd.weekday()
                if (dow in (4, 5) and h >= 22) or (dow in (5, 6) and h < 4):
                    f *= 1.5
                n = poisson(rng, INCIDENTS_PER_PATROL_HOUR * npat * f)
                for _ in range(n):
                    t = day0 + h * 3600 + rng.randrange(3600)
                    serial += 1
                    self.make_incident(rng, r, t, serial, dd, cover[r], disp[r])

    def make_incident(self, rng, r, t, serial, dd, cover, disp):
        code = self.regions[r][0]
        num = "I%s-%s%04d" % (dd.strftime("%y%m%d"), code, serial)
        ar = rng.choice(self.reg_areas[r])
        addr = self.pick_address(rng, r, ar)
        itype = rng.choices(["disturbance", "traffic", "theft", "domestic", "assist", "suspicious"],
                            [25, 20, 15, 10, 15, 15])[0]
        subs = [("a", addr)]
        res = self.A_res[addr]
        if itype in ("domestic", "disturbance") and res:
            subs.append(("p", rng.choice(res)))
            if itype == "domestic" and len(res) > 1:
                subs.append(("p", rng.choice(res)))
        if itype in ("traffic", "suspicious"):
            for _ in range(rng.randint(1, 2)):
                subs.append(("v", self.pick_vehicle(rng, r, ar)))
        if itype in ("theft", "assist", "traffic", "disturbance") or rng.random() < 0.3:
            for _ in range(rng.randint(0, 2)):
                subs.append(("p", self.pick_person(rng, r, ar)))
        if rng.random() < 0.002:
            col = [e for e in self.emps if e.reg == r and e.role == "patrol"]
            if col:
                subs.append(("p", rng.choice(col).person))
        if rng.random() < 0.0015 and self.vips:
            subs.append(("p", rng.choice(self.vips)))
        subs = dedup(subs)
        close = t + rng.randint(20, 240) * 60
        c = Case(num, "incident", t, close if close < self.t_end else None,
                 self.unit_of[code + "-MK"], "normal", r, itype)
        c.subjects = subs
        # dispatcher
        cand = [x for x in disp if x[0] <= t <= x[1]]
        if cand:
            s, en, de = rng.choice(cand)
            c.members.append(de)
            tt = t
            self.emit(tt, de, GMS, "modify", ("c", num), num, None, None)
            for sb in subs:
                tt += rng.randint(10, 90)
                self.emit(tt, de, GMS, "query", sb, num, None, None, 1,
                          self.qtext(sb))
            for _ in range(rng.randint(0, 3)):
                tt += rng.randint(60, 900)
                self.emit(tt, de, GMS, "view", ("c", num), num, None, None, 1)
        # patrol
        pcand = [x for x in cover if x[0] <= t <= x[1] - 600]
        loc = [x for x in pcand if x[2].area == ar]
        pool = loc if loc and rng.random() < 0.85 else pcand
        k = rng.choices([1, 2, 3, 4], [40, 45, 10, 5])[0]
        chosen = rng.sample(pool, min(k, len(pool))) if pool else []
        for (s, en, pe) in chosen:
            c.members.append(pe)
            tt = t + rng.randint(60, 400)
            self.emit(tt, pe, MEOS, "view", ("c", num), num, "mobile", pe.device, 1)
            for sb in subs:
                if rng.random() < 0.75:
                    tt += rng.randint(30, 600)
                    cs = num if rng.random() < P_CASE_TYPED["patrol_incident"] else None
                    self.lookup(tt, pe, sb, cs, "mobile", view=rng.random() < 0.5)
            rt = max(tt, close) + rng.randint(0, 3600)
            if rt < en + 3600 and rng.random() < 0.7:
                term = self.term_of(pe)
                self.emit(rt, pe, BVH, "modify", ("c", num), num, "desktop", term, 1)
                if rng.random() < 0.2:
                    self.emit(rt + rng.randint(30, 300), pe, BVH, "print", ("c", num), num, "desktop", term, 1)
        if not c.members:
            c.members = []
        self.add_case(c)
        self.today_incidents[r].append(c)
        self.inc_t[r].append(t)
        self.inc_c[r].append(c)

    def recent_incidents(self, r, t, window=6 * 3600):
        """incidents of region r opened in the last `window` seconds before t."""
        if r < 0:
            return []
        ts = self.inc_t[r]
        i = bisect.bisect_right(ts, t)
        j = bisect.bisect_left(ts, t - window, 0, i)
        return self.inc_c[r][j:i]

    def qtext(self, sb):
        k, i = sb
        if k == "p":
            return self.P_sur[i]
        if k == "v":
            return self.V_plate[i]
        if k == "a":
            return "%s %s" % (self.A_pc[i], self.A_hn[i])
        return str(i)

    # ------------------------------------------------------------------ role behaviour
    def cluster_times(self, rng, a, b, n):
        if n <= 0 or b <= a:
            return []
        out = []
        nc = max(1, n // 4)
        centers = [rng.randint(a, b) for _ in range(nc)]
        for k in range(n):
            c = centers[k % nc]
            out.append(min(b, max(a, c + rng.randint(-600, 600))))
        return out

    def foreign_target(self, rng):
        x = rng.random()
        if x < 0.4:
            return ("fv", "D-%s%s %d" % (rng.choice("ABKMS"), rng.choice("ABCDEFXYZ"), rng.randint(10, 9999)))
        if x < 0.7:
            return ("fv", "1-%s%s%s-%03d" % (rng.choice("ABCDEFGH"), rng.choice("ABCDEFGH"), rng.choice("ABCDEFGH"), rng.randint(0, 999)))
        return ("fv", "PL-%s%s %05d" % (rng.choice("WKPG"), rng.choice("AXRZ"), rng.randint(0, 99999)))

    def patrol_shift(self, e, s, en, tag, factor=1.0):
        rng = self.re
        dev = e.device
        r = e.reg
        ar = e.area
        dur_h = (en - s) / 3600.0
        self.emit(s + rng.randint(60, 900), e, MEOS, "login", ch="mobile", term=dev)
        self.emit(en - rng.randint(0, 600), e, MEOS, "logout", ch="mobile", term=dev)
        term = self.term_of(e)
        self.emit(s + rng.randint(60, 1200), e, BV, "login", ch="desktop", term=term)
        self.emit(en - rng.randint(0, 900), e, BV, "logout", ch="desktop", term=term)
        self.emit(s + rng.randint(60, 1500), e, BVH, "login", ch="desktop", term=term)
        self.emit(en - rng.randint(0, 900), e, BVH, "logout", ch="desktop", term=term)
        f = e.act * factor
        rate = PLATES_PER_HOUR_NIGHT if tag == "N" else PLATES_PER_HOUR_DAY
        if e.tag == "traffic":
            rate *= 3.5
        n_pl = poisson(rng, rate * dur_h * f)
        for t in self.cluster_times(rng, s + 1200, en - 900, n_pl):
            x = rng.random()
            if x < 0.012:
                self.emit(t, e, MEOS, "query", self.foreign_target(rng), None, "mobile", dev, 0, None)
                continue
            v = self.pick_vehicle(rng, r, ar)
            case = None
            if rng.random() < 0.06:
                incs = self.recent_incidents(r, t)
                if incs:
                    case = rng.choice(incs[-10:]).num
            self.emit(t, e, MEOS, "query", ("v", v), case, "mobile", dev, 1, self.V_plate[v])
            if rng.random() < 0.22:
                kp = self.V_keeper[v]
                self.lookup(t + rng.randint(15, 150), e, ("p", kp), case, "mobile", view=rng.random() < 0.3)
        n_p = poisson(rng, PERSON_CHECKS_PER_HOUR * dur_h * f)
        for t in self.cluster_times(rng, s + 1200, en - 900, n_p):
            p = self.pick_person(rng, r, ar)
            if rng.random() < 0.01:
                self.emit(t, e, MEOS, "query", ("fp", str(100000000 + rng.randrange(899999999))), None,
                          "mobile", dev, 0, None)
                continue
            self.lookup(t, e, ("p", p), None, "mobile", view=rng.random() < 0.4)
        # desk work: searches, reports
        n_d = poisson(rng, 2.0 * f * (0.6 if tag == "N" else 1.0))
        for _ in range(n_d):
            t = rng.randint(s + 600, en - 300)
            tgt = ("p", self.pick_person(rng, r, ar)) if rng.random() < 0.75 else ("a", self.pick_address(rng, r, ar))
            case = None
            if rng.random() < 0.2:
                incs = self.recent_incidents(r, t)
                if incs:
                    case = self.typed(rng, rng.choice(incs[-12:]).num)
            self.lookup(t, e, tgt, case, "desk", term=term)
        if rng.random() < 0.15:
            self.emit(rng.randint(s + 600, en), e, BVH, "view", ("o", "GOED-%07d" % rng.randrange(10 ** 7)),
                      None, "desktop", term, 1)

    def dispatcher_shift(self, e, s, en, tag):
        self.session(e, s, en, (GMS,))
        rng = self.re
        self.session(e, s, en, (BRP,) if rng.random() < 0.5 else ())
        # extra caller verifications outside incidents
        for _ in range(poisson(rng, 2)):
            t = rng.randint(s + 600, en - 300)
            self.lookup(t, e, ("p", self.pick_person(rng, e.reg)), None, "desk")

    def intake_shift(self, e, s, en, tag):
        rng = self.re
        r = e.reg
        term = self.term_of(e)
        self.session(e, s, en, (BVH, BV), term=term)
        n = poisson(rng, 7 * e.act)
        t = s + rng.randint(600, 1800)
        code = self.regions[r][0]
        for _ in range(n):
            if t > en - 1200:
                break
            decl = self.pick_person(rng, r, e.area)
            self.lookup(t, e, ("p", decl), None, "desk", term=term)
            t += rng.randint(120, 600)
            num = None
            while True:
                self.aangifte_serial[r] += 1
                num = "PL%02d00-2025%06d" % (self.reg_num[r], self.aangifte_serial[r])
                if num not in self.used_case_nums:
                    break
            cl = t + rng.randint(3, 60) * DAY
            c = Case(num, "case", t, cl if rng.random() < 0.6 and cl < self.t_end else None, e.unit, "normal", r, "aangifte")
            c.members = [e]
            c.subjects = [("p", decl)]
            self.emit(t, e, BVH, "modify", ("c", num), num, "desktop", term, 1)
            self.emit(t + rng.randint(20, 200), e, BVH, "modify", ("p", decl), num, "desktop", term, 1)
            if rng.random() < 0.3:
                v = self.pick_vehicle(rng, r, e.area)
                c.subjects.append(("v", v))
                self.lookup(t + rng.randint(200, 400), e, ("v", v), num if rng.random() < 0.7 else None, "desk", term=term)
            if rng.random() < 0.35:
                sus = self.pick_person(rng, r)
                c.subjects.append(("p", sus))
                self.lookup(t + rng.randint(300, 600), e, ("p", sus), self.typed(rng, num) if rng.random() < 0.6 else None,
                            "desk", term=term)
            if rng.random() < 0.5:
                self.emit(t + rng.randint(600, 900), e, BVH, "print", ("c", num), num, "desktop", term, 1)
            self.add_case(c)
            e.cases.append(c)
            t += rng.randint(1200, 3600)

    def detective_day(self, e, s, en, tag):
        rng = self.re
        term = self.term_of(e)
        self.session(e, s, en, (SUMMIT, BV, BVH), term=term)
        oc = self.open_cases(e, s)
        nsess = rng.randint(2, 5) if tag != "P" else rng.randint(1, 2)
        for _ in range(nsess):
            t = rng.randint(s + 900, en - 1800)
            if not oc:
                for _ in range(rng.randint(1, 4)):
                    t = self.lookup(t, e, ("p", self.pick_person(rng, e.reg)), None, "desk", term=term)
                continue
            c = rng.choice(oc)
            self.emit(t, e, SUMMIT, "view", ("c", c.num), c.num, "desktop", term, 1)
            t += rng.randint(60, 600)
            for _ in range(poisson(rng, 5 * e.act)):
                sb = rng.choice(c.subjects) if c.subjects else ("p", self.pick_person(rng, e.reg))
                if rng.random() < 0.18 and sb[0] == "p" and self.adj.get(sb[1]):
                    sb = ("p", rng.choice(self.adj[sb[1]])[0])   # relatives of a subject
                cs = self.typed(rng, c.num) if rng.random() < P_CASE_TYPED["detective"] else None
                t = self.lookup(t, e, sb, cs, "desk", term=term)
            if rng.random() < 0.25:
                self.emit(t, e, SUMMIT, "modify", ("c", c.num), c.num, "desktop", term, 1)
            if rng.random() < 0.04:
                self.emit(t + 60, e, SUMMIT, "export", ("c", c.num), c.num, "desktop", term,
                          rng.randint(15, 400), None)
            if rng.random() < 0.06:
                self.emit(t + 120, e, BVH, "print", ("c", c.num), c.num, "desktop", term, rng.randint(1, 40))
        for _ in range(poisson(rng, 1.5)):
            q = self.pick_person(rng, e.reg)
            self.lookup(rng.randint(s + 600, en - 600), e, ("p", q), None, "desk", term=term)

    def intel_day(self, e, s, en, tag):
        rng = self.re
        term = self.term_of(e)
        self.session(e, s, en, (BV, SUMMIT, BRP), term=term)
        f = e.act * (2.8 if e.tag == "busy_analyst" else 1.0)
        rtic = e.team.startswith("RTIC")
        n = poisson(rng, (28 if rtic else 42) * f)
        oc = self.open_cases(e, s)
        nets_own = [x for x in self.networks if x["reg"] == e.reg]
        times = sorted(rng.randint(s + 600, en - 300) for _ in range(n))
        for t in times:
            x = rng.random()
            if rtic and x < 0.45:
                incs = self.recent_incidents(e.reg, t)
                if incs:
                    c = rng.choice(incs[-15:])
                    if c.subjects:
                        self.lookup(t, e, rng.choice(c.subjects), c.num if rng.random() < 0.4 else None, "desk", term=term)
                        continue
            own = e.reg >= 0 and nets_own and rng.random() < 0.55
            net = rng.choice(nets_own) if own else rng.choice(self.networks)
            y = rng.random()
            if y < 0.65:
                tgt = ("p", rng.choice(net["members"]))
            elif y < 0.85 and net["vehicles"]:
                tgt = ("v", rng.choice(net["vehicles"]))
            elif y < 0.93:
                tgt = ("a", rng.choice(net["addrs"]))
            else:
                tgt = ("p", self.pick_person(rng, net["reg"]))
            cs = None
            if oc and rng.random() < P_CASE_TYPED["intel"]:
                cs = self.typed(rng, rng.choice(oc).num)
            self.lookup(t, e, tgt, cs, "desk", term=term, view=rng.random() < 0.6)
        if rng.random() < 0.08 * f:
            cs = rng.choice(oc).num if oc else None
            self.emit(rng.randint(s + 3600, en - 600), e, BV, "export", ("x", "selectie-%06x" % rng.getrandbits(24)), cs,
                      "desktop", term, rng.randint(40, 900), rng.choice(["*", "netwerk", "kenteken", "adres"]))

    def vik_day(self, e, s, en, tag):
        rng = self.re
        term = self.term_of(e)
        self.session(e, s, en, (BV, BVH, SUMMIT), term=term)
        oc = [c for c in self.open_cases(e, s) if c.ctype == "integrity"]
        for c in oc:
            if rng.random() < 0.55:
                continue
            t = rng.randint(s + 900, en - 1800)
            self.emit(t, e, BVH, "view", ("c", c.num), c.num, "desktop", term, 1)
            for _ in range(poisson(rng, 4)):
                t += rng.randint(60, 900)
                if rng.random() < 0.25 and c.extra:
                    se = rng.choice(c.extra)
                    mates = [x for x in self.team_members(se) if x is not se]
                    if mates:
                        t = self.lookup(t, e, ("p", rng.choice(mates).person),
                                        c.num if rng.random() < 0.4 else None, "desk", term=term)
                        continue
                sb = rng.choice(c.subjects)
                cs = c.num if rng.random() < P_CASE_TYPED["vik"] else None
                t = self.lookup(t, e, sb, cs, "desk", term=term)
            if rng.random() < 0.03:
                self.emit(t + 60, e, SUMMIT, "export", ("c", c.num), c.num, "desktop", term, rng.randint(10, 120))
        for _ in range(poisson(rng, 1.0)):
            self.lookup(rng.randint(s + 600, en - 600), e, ("p", self.pick_person(rng, e.reg)), None, "desk", term=term)

    def team_members(self, e):
        k = (e.unit, e.team)
        m = self.teams.get(k)
        return m or []

    def staff_day(self, e, s, en, tag):
        rng = self.re
        term = self.term_of(e)
        self.session(e, s, en, (BVH,), term=term)
        r = e.reg
        for _ in range(poisson(rng, 3)):
            t = rng.randint(s + 600, en - 600)
            incs = self.recent_incidents(r, t, 3 * DAY)
            if incs and rng.random() < 0.5:
                c = rng.choice(incs)
                self.emit(t, e, BVH, "view", ("c", c.num), c.num if rng.random() < 0.5 else None, "desktop", term, 1)
            else:
                self.lookup(t, e, ("p", self.pick_person(rng, r)), None, "desk", term=term)
        if e.team == "MI" and rng.random() < 0.12:
            self.emit(rng.randint(s + 3600, en - 600), e, BV, "export",
                      ("x", "rapportage-%s-%02d" % (self.regions[r][0], rng.randint(1, 52))), None, "desktop", term,
                      rng.randint(300, 6000), "periode:%s" % datetime.fromtimestamp(s, TZ).strftime("%Y-%m"))

    def it_day(self, e, s, en, tag):
        rng = self.re
        term = self.term_of(e)
        systems = [si for si in range(7) if rng.random() < 0.4]
        self.session(e, s, en, systems or (BV,), term=term)
        for _ in range(poisson(rng, 1.2)):
            t = rng.randint(s + 600, en - 600)
            if rng.random() < 0.5:
                self.emit(t, e, rng.choice([BV, BRP, SUMMIT]), "query", ("x", "TEST-%04d" % rng.randrange(10000)),
                          None, "desktop", term, 0, "test*")
            else:
                r = rng.randrange(len(self.regions))
                self.lookup(t, e, ("p", self.pick_person(rng, r)), None, "desk", term=term)

    def forensic_day(self, e, s, en, tag):
        rng = self.re
        term = self.term_of(e)
        self.session(e, s, en, (BVH, SUMMIT), term=term)
        oc = self.open_cases(e, s)
        for _ in range(poisson(rng, 5)):
            t = rng.randint(s + 600, en - 600)
            c = rng.choice(oc) if oc else None
            obj = ("o", "SIN-%s%07d" % (self.regions[e.reg][0] if e.reg >= 0 else "LE", rng.randrange(10 ** 7)))
            self.emit(t, e, BVH, rng.choice(["view", "modify", "modify"]), obj, c.num if c else None, "desktop", term, 1)
        if oc and rng.random() < 0.4:
            c = rng.choice(oc)
            self.lookup(rng.randint(s + 600, en - 600), e, rng.choice(c.subjects), c.num, "desk", term=term)

    def student_shift(self, e, s, en, tag):
        self.patrol_shift(e, s, en, tag, factor=0.55)

    # ------------------------------------------------------------------ news waves (legit + curiosity)
    def plan_waves(self):
        rng = self.rc
        D = self.D
        nw = max(2, 2 + D // 25)
        self.waves = []
        vips = list(self.vips)
        rng.shuffle(vips)
        for k in range(nw):
            vip = vips[k % len(vips)]
            d0 = rng.randint(2, max(3, D - 8))
            L = rng.randint(3, 10)
            r = self.A_reg[self.P_addr[vip]]
            code = self.regions[r][0]
            drr = self.unit_of[code + "-DRR"]
            dets = [e for e in self.emps if e.unit == drr and e.role == "detective"]
            teams = sorted(set(e.team for e in dets))
            tname = rng.choice(teams)
            team = [e for e in dets if e.team == tname]
            intel = [e for e in self.emps if e.reg == r and e.role == "intelligence"]
            op = self.mid[d0 + 1] + rng.randint(7, 12) * 3600 - rng.choice([0, 0, 1, 3, 20]) * DAY
            num = self.new_pl(rng, r, 2025)
            c = Case(num, "case", op, None, drr, "high", r, "vip")
            subs = [("p", vip), ("a", self.P_addr[vip])] + [("v", v) for v in self.P_veh.get(vip, [])]
            for _ in range(rng.randint(1, 4)):
                subs.append(("p", self.pick_person(rng, r)))
            c.subjects = dedup(subs)
            c.members = list(team) + (rng.sample(intel, 1) if intel else [])
            self.add_case(c)
            for m in c.members:
                m.cases.append(c)
            w = {"vip": vip, "d0": d0, "L": L, "case": c, "reg": r}
            self.waves.append(w)
            # the team works the VIP case hard during the wave
            for d in range(d0, min(D, d0 + L)):
                decay = 1.0 / (1 + 0.35 * (d - d0))
                for m in c.members:
                    for (s, en, tag, dd) in self.shifts_between(m, d, d + 1):
                        t = max(s + 1800, op + 600)
                        if t > en - 600:
                            continue
                        for _ in range(poisson(rng, 9 * decay)):
                            t += rng.randint(60, 2400)
                            if t > en:
                                break
                            sb = c.subjects[0] if rng.random() < 0.5 else rng.choice(c.subjects)
                            cs = num if rng.random() < 0.5 else None
                            self.lookup(t, m, sb, cs, "desk")
            # intake takes reports naming the VIP, patrol an incident at the address
            intakers = [e for e in self.emps if e.reg == r and e.role == "intake"]
            for _ in range(rng.randint(1, 3)):
                if not intakers:
                    break
                ie = rng.choice(intakers)
                sh = self.shifts_between(ie, d0, min(D, d0 + L))
                if not sh:
                    continue
                s, en, tag, dd = rng.choice(sh)
                t = rng.randint(s + 900, en - 1800)
                anum = self.new_pl(rng, r, 2025)
                decl = self.pick_person(rng, r)
                ac = Case(anum, "case", t, None, ie.unit, "normal", r, "aangifte")
                ac.members = [ie]
                ac.subjects = [("p", decl), ("p", vip)]
                self.add_case(ac)
                ie.cases.append(ac)
                self.lookup(t, ie, ("p", decl), None, "desk")
                self.emit(t + 300, ie, BVH, "modify", ("c", anum), anum, "desktop", self.term_of(ie), 1)
                self.lookup(t + 400, ie, ("p", vip), anum if rng.random() < 0.7 else None, "desk")
            pats = [e for e in self.emps if e.reg == r and e.role == "patrol"]
            for _ in range(rng.randint(0, 2)):
                d = rng.randint(d0, min(D - 1, d0 + L - 1))
                on = [(s, en, pe) for pe in pats for (s, en, tag, dd) in self.shifts_between(pe, d, d + 1)]
                if len(on) < 2:
                    continue
                picked = rng.sample(on, 2)
                t = max(picked[0][0], picked[1][0]) + 1800
                if t > min(picked[0][1], picked[1][1]) - 1800:
                    continue
                inum = "I%s-%sW%03d" % ((self.start + timedelta(days=d)).strftime("%y%m%d"), self.regions[r][0], rng.randint(0, 999))
                if inum in self.used_case_nums:
                    continue
                ic = Case(inum, "incident", t, t + 7200, self.unit_of[self.regions[r][0] + "-MK"], "normal", r, "press")
                ic.subjects = [("a", self.P_addr[vip]), ("p", vip)]
                ic.members = [x[2] for x in picked]
                self.add_case(ic)
                for (s, en, pe) in picked:
                    tt = t + rng.randint(60, 600)
                    self.emit(tt, pe, MEOS, "view", ("c", inum), inum, "mobile", pe.device, 1)
                    self.lookup(tt + 120, pe, ("a", self.P_addr[vip]), inum if rng.random() < 0.5 else None, "mobile")
                    self.lookup(tt + 300, pe, ("p", vip), inum if rng.random() < 0.5 else None, "mobile")

    # ------------------------------------------------------------------ innocent oddities
    def plan_lookalikes(self, actors):
        rng = self.rp
        D = self.D
        busy = [e for e in self.emps if e.role == "intelligence" and e.i not in actors]
        for e in rng.sample(busy, min(len(busy), max(1, self.N // 500))):
            e.tag = "busy_analyst"
            self.lookalikes.append((e.user, "busy_analyst", "~3x normal analyst volume, all regions, evenings"))
            for d in range(D):
                if rng.random() < 0.12 and self.in_employment(e, d) and d not in e.absent:
                    t = self.mid[d + 1] + rng.randint(19 * 3600, 22 * 3600)
                    if self.at_work(e, t, 3600):
                        continue
                    self.deviations.append((e.user, "evening_work_home", t, t + 3600))
                    for _ in range(rng.randint(3, 12)):
                        net = rng.choice(self.networks)
                        t = self.lookup(t, e, ("p", rng.choice(net["members"])), None, "remote")
        pats = [e for e in self.emps if e.role == "patrol" and e.i not in actors]
        for e in rng.sample(pats, max(1, len(pats) // 30)):
            e.tag = "traffic"
            self.lookalikes.append((e.user, "traffic_enforcement", "3.5x plate checks"))
        # detectives exporting a big case legitimately
        dets = [e for e in self.emps if e.role == "detective" and e.i not in actors and e.cases]
        for e in rng.sample(dets, min(len(dets), max(1, self.N // 700))):
            sh = e.worked
            if not sh:
                continue
            c = max(e.cases, key=lambda c: len(c.subjects))
            self.lookalikes.append((e.user, "big_case_export", c.num))
            for _ in range(rng.randint(3, 6)):
                s, en, tag, d = rng.choice(sh)
                t = rng.randint(s + 1800, en - 600)
                if c.opened <= t and (c.closed is None or t < c.closed):
                    self.emit(t, e, SUMMIT, "export", ("c", c.num), c.num, "desktop", self.term_of(e), rng.randint(400, 3500))
        # a leaving staff member hands over reports (big exports near end_date)
        st = [e for e in self.emps if e.role == "staff" and e.i not in actors and e.reg >= 0]
        if st and D >= 28:
            e = rng.choice(st)
            e.end = self.start + timedelta(days=rng.randint(D // 2, D - 1))
            self.set_bounds(e)
            e.worked = [w for w in e.worked if w[0] < e.t1]
            e.roster = [w for w in e.roster if w[0] < e.t1]
            self.lookalikes.append((e.user, "leaver_handover_exports", e.end.isoformat()))
            last = [w for w in e.worked if w[0] > e.t1 - 14 * DAY]
            for (s, en, tag, d) in rng.sample(last, min(len(last), 4)):
                self.emit(rng.randint(s + 1800, en - 600), e, BV, "export",
                          ("x", "rapportage-%s-overdracht" % self.regions[e.reg][0]), None, "desktop", self.term_of(e),
                          rng.randint(1500, 9000), "overdracht")
        # detectives called out at night, on a case of theirs
        for e in self.emps:
            if e.role != "detective" or e.i in actors:
                continue
            for d in range(0, D, 7):
                if rng.random() < 0.05 and self.in_employment(e, d) and d not in e.absent:
                    t = self.mid[d + 1] + rng.randint(0, 4 * 3600)
                    oc = self.open_cases(e, t)
                    if not oc or self.at_work(e, t, 2 * 3600):
                        continue
                    c = rng.choice(oc)
                    self.deviations.append((e.user, "callout", t, t + 3 * 3600))
                    self.emit(t, e, SUMMIT, "view", ("c", c.num), c.num, "desktop", e.remote, 1)
                    for _ in range(rng.randint(2, 8)):
                        t = self.lookup(t + rng.randint(60, 600), e, rng.choice(c.subjects) if c.subjects else ("c", c.num),
                                        c.num if rng.random() < 0.6 else None, "remote")
        # honest noise: namesake, own street, misclick on a VIP
        workers = [e for e in self.emps if e.i not in actors and e.role in ("patrol", "intake", "detective", "dispatcher")
                   and e.worked and e.reg >= 0 and e.tag != "noperson"]
        for e in rng.sample(workers, min(len(workers), max(3, self.N // 40))):
            kind = rng.choice(["namesake", "own_street", "vip_misclick"])
            s, en, tag, d = rng.choice(e.worked)
            t = rng.randint(s + 900, max(s + 901, en - 900))
            me = e.person
            if kind == "namesake":
                kin = set(q for q, _ in self.adj.get(me, []))
                cand = [p for p in self.reg_p[e.reg] if self.P_sur[p] == self.P_sur[me] and p != me
                        and p not in kin and self.P_addr[p] != self.P_addr[me]]
                if not cand:
                    continue
                p = rng.choice(cand)
                self.lookup(t, e, ("p", p), None, "desk")
                self.lookalikes.append((e.user, "namesake", self.P_id[p]))
            elif kind == "own_street":
                pc = self.A_pc[self.P_addr[me]]
                others = [a for a in self.pc_addrs[pc] if a != self.P_addr[me] and self.A_res[a]]
                if not others:
                    continue
                a = rng.choice(others)
                self.lookup(t, e, ("a", a), None, "mobile" if e.role == "patrol" else "desk")
                if rng.random() < 0.5:
                    self.lookup(t + 200, e, ("p", rng.choice(self.A_res[a])), None, "mobile" if e.role == "patrol" else "desk")
                self.lookalikes.append((e.user, "own_street", self.A_id[a]))
            else:
                vip = rng.choice(self.vips)
                term = self.term_of(e)
                q, res = self.wildcard(rng, vip)
                self.emit(t, e, BV, "query", ("p", vip), None, "desktop", term, res, q)
                self.emit(t + rng.randint(3, 15), e, BV, "view", ("p", vip), None, "desktop", term, 1)
                others = [p for p in self.reg_p[e.reg] if self.P_sur[p] == self.P_sur[vip] and p != vip]
                if others:
                    self.emit(t + rng.randint(20, 60), e, BV, "view", ("p", rng.choice(others)), None, "desktop", term, 1)
                self.lookalikes.append((e.user, "vip_misclick", self.P_id[vip]))

    # ------------------------------------------------------------------ misuse planning
    def plan_misuse(self):
        rng = self.rp
        N = self.N
        D = self.D
        rate = rng.uniform(*MISUSE_RATE)
        n_act = max(len(SCENARIOS), int(round(N * rate)))
        scen = list(SCENARIOS)
        rng.shuffle(scen)
        while len(scen) < n_act:
            scen.append(rng.choices(SCENARIOS, SCEN_WEIGHTS)[0])
        # eligibility
        full = [e for e in self.emps if e.t0 <= self.t_start and e.t1 > self.t_start + 21 * DAY and e.reg >= -1
                and e.tag != "noperson" and len(e.worked) >= 8]
        taken = set()
        wave_members = set()
        for w in self.waves:
            for m in w["case"].members:
                wave_members.add(m.i)

        def eligible(sc, e):
            if e.i in taken:
                return False
            if sc == "student_practice":
                return e.role == "student" and any(w[2] in "ELN" for w in e.worked)
            if sc == "ex_partner":
                return any(r == "ex-partner" for _, r in self.adj.get(e.person, []))
            if sc == "criminal_leak":
                return e.role not in ("intelligence", "integrity")
            if sc == "colleague":
                return e.role != "integrity"
            if sc == "vip_curiosity":
                return e.i not in wave_members and e.reg >= 0
            if sc == "bogus_legitimation":
                return e.role in ("patrol", "detective", "intake", "dispatcher")
            if sc == "bulk_export":
                return e.role not in ("student",) and e.i not in wave_members
            if sc == "off_duty":
                return e.i not in wave_members
            if sc == "relative":
                return bool(self.relatives(e))
            if sc == "neighbour":
                return bool(self.neighbour_addrs(e))
            return e.role != "student" or rng.random() < 0.3
        order = list(full)
        rng.shuffle(order)
        planned = []
        for sc in scen:
            cand = [e for e in order if eligible(sc, e)]
            if not cand:
                continue
            e = cand[0]
            taken.add(e.i)
            planned.append((e, sc))
        # some actors get a second scenario
        extra = []
        for (e, sc) in planned:
            if rng.random() < SECOND_SCENARIO_P:
                opts = [s for s in ("off_duty", "relative", "neighbour", "vip_curiosity", "colleague", "bogus_legitimation")
                        if s != sc and (s != "bogus_legitimation" or e.role in ("patrol", "detective", "intake", "dispatcher"))
                        and (s != "relative" or self.relatives(e)) and (s != "vip_curiosity" or e.i not in wave_members)]
                if opts:
                    extra.append((e, rng.choice(opts)))
        self.actor_set = set(e.i for e, _ in planned)
        return planned + extra

    def execute_misuse(self, plan):
        for (e, sc) in plan:
            rng = random.Random("altgen-actor-%d-%s-%s" % (self.a.seed, e.user, sc))
            intensity = rng.choices(["subtle", "moderate", "blatant"], [35, 40, 25])[0]
            n0 = len(self.truth)
            getattr(self, "m_" + sc)(e, rng, intensity)
            if len(self.truth) > n0:
                self.actors.append((e.user, sc, intensity, len(self.truth) - n0))

    # helpers for planning ----------------------------------------------------
    def relatives(self, e):
        me = e.person
        if me < 0:
            return []
        out = []
        seen = set([me])
        for (q, r) in self.adj.get(me, []):
            if r == "ex-partner":
                continue
            if q not in seen:
                seen.add(q)
                out.append(q)
        # second degree: partners/children of siblings and parents-in-law
        for q in list(out):
            for (q2, r2) in self.adj.get(q, []):
                if r2 in ("partner", "parent", "child") and q2 not in seen and self.P_emp.get(q2) is None:
                    seen.add(q2)
                    out.append(q2)
        if self.a.no_relations:
            out = [q for q in out if self.P_sur[q] == self.P_sur[me] or self.P_addr[q] == self.P_addr[me]]
        return [q for q in out if q not in self.P_emp or self.P_emp[q] is not e]

    def neighbour_addrs(self, e):
        me = e.person
        if me < 0:
            return []
        a0 = self.P_addr[me]
        return [a for a in self.pc_addrs[self.A_pc[a0]] if a != a0 and self.A_res[a]]

    def t_on(self, e, rng, d0=0, d1=None):
        d1 = self.D if d1 is None else d1
        sh = [w for w in e.worked if d0 <= w[3] < d1]
        if not sh:
            sh = e.worked
        if not sh:
            return None
        s, en, tag, d = rng.choice(sh)
        return rng.randint(s + 600, max(s + 601, en - 600))

    def t_off(self, e, rng, d0=0, d1=None, far=3 * 3600):
        d1 = self.D if d1 is None else d1
        for _ in range(60):
            d = rng.randint(d0, max(d0, d1 - 1))
            if not self.in_employment(e, d):
                continue
            if d in e.absent:
                t = self.mid[d + 1] + rng.randint(9 * 3600, 23 * 3600)
            else:
                t = self.mid[d + 1] + rng.choice([rng.randint(19 * 3600, 24 * 3600 - 60), rng.randint(6 * 3600, 8 * 3600),
                                                  rng.randint(10 * 3600, 17 * 3600)])
            if not self.at_work(e, t, far):
                return t
        return None

    def t_mixed(self, e, rng, p_off, d0=0, d1=None):
        if rng.random() < p_off:
            t = self.t_off(e, rng, d0, d1)
            if t is not None:
                return t, True
        return self.t_on(e, rng, d0, d1), False

    def mode_for(self, e, rng, off):
        if e.role in ("patrol", "student") and rng.random() < 0.5:
            return "mobile"
        if off:
            return "mobile" if rng.random() < 0.5 else "remote"
        return "desk"

    def run_private(self, e, rng, targets, n_total, sc, p_off, d0=0, d1=None, sess=(1, 4), casefn=None, spacing=(20, 400)):
        """spread n_total lookups of targets over sessions."""
        done = 0
        while done < n_total:
            t, off = self.t_mixed(e, rng, p_off, d0, d1)
            if t is None:
                break
            mode = self.mode_for(e, rng, off)
            k = min(n_total - done, rng.randint(*sess))
            for _ in range(k):
                tgt = rng.choice(targets)
                cs = casefn(tgt, t) if casefn else None
                t = self.lookup(t, e, tgt, cs, mode, truth=sc) + rng.randint(*spacing)
                done += 1
        return done

    def with_assets(self, persons, rng, p_extra=0.5):
        out = [("p", p) for p in persons]
        for p in persons:
            if rng.random() < p_extra:
                out.append(("a", self.P_addr[p]))
            for v in self.P_veh.get(p, []):
                if rng.random() < p_extra:
                    out.append(("v", v))
        return out

    # the scenarios -------------------------------------------------------------
    def m_relative(self, e, rng, inten):
        rel = self.relatives(e)
        if not rel:
            return
        k = {"subtle": 1, "moderate": rng.randint(2, 3), "blatant": rng.randint(2, 5)}[inten]
        tg = rng.sample(rel, min(len(rel), k))
        targets = self.with_assets(tg, rng, 0.4 if inten != "subtle" else 0.1)
        if inten == "subtle":
            self.run_private(e, rng, targets, rng.randint(1, 4), "relative", 0.15, sess=(1, 2))
        elif inten == "moderate":
            self.run_private(e, rng, targets, rng.randint(5, 12), "relative", 0.2, sess=(1, 4))
        else:
            d0 = rng.randint(0, max(0, self.D - 14))
            self.run_private(e, rng, targets, rng.randint(15, 35), "relative", 0.25, d0, d0 + rng.randint(2, 14), sess=(4, 10))

    def m_ex_partner(self, e, rng, inten):
        me = e.person
        exs = [q for q, r in self.adj.get(me, []) if r == "ex-partner"]
        if not exs:
            return
        ex = exs[0]
        targets = [("p", ex), ("p", ex)]
        if rng.random() < 0.8:
            targets.append(("a", self.P_addr[ex]))
        for v in self.P_veh.get(ex, []):
            targets.append(("v", v))
        for (q, r) in self.adj.get(ex, []):
            if r == "partner":
                targets.append(("p", q))
                targets += [("v", v) for v in self.P_veh.get(q, [])]
        n = {"subtle": rng.randint(3, 6), "moderate": rng.randint(8, 16), "blatant": rng.randint(25, 60)}[inten]
        span = rng.randint(21, max(22, self.D))
        d0 = rng.randint(0, max(0, self.D - span))
        # escalating: later weeks denser
        done = 0
        while done < n:
            u = rng.random() ** 0.6
            d = d0 + int(u * span)
            t, off = self.t_mixed(e, rng, 0.35 if inten == "blatant" else 0.2, d, min(self.D, d + 2))
            if t is None:
                break
            mode = self.mode_for(e, rng, off)
            for _ in range(rng.randint(1, 3)):
                t = self.lookup(t, e, rng.choice(targets), None, mode, truth="ex_partner") + rng.randint(10, 300)
                done += 1

    def m_neighbour(self, e, rng, inten):
        addrs = self.neighbour_addrs(e)
        if not addrs:
            return
        k = {"subtle": 1, "moderate": rng.randint(1, 2), "blatant": rng.randint(2, 4)}[inten]
        hh = rng.sample(addrs, min(len(addrs), k))
        targets = []
        for a in hh:
            targets.append(("a", a))
            targets += self.with_assets([p for p in self.A_res[a] if not (self.P_flags[p] & F_MINOR) or rng.random() < 0.3],
                                        rng, 0.6)
            targets = [x for x in targets if x[0] != "a" or x[1] in hh]
        n = {"subtle": rng.randint(2, 4), "moderate": rng.randint(5, 10), "blatant": rng.randint(12, 24)}[inten]
        self.run_private(e, rng, targets, n, "neighbour", 0.25, sess=(1, 5))

    def m_colleague(self, e, rng, inten):
        mates = [x for x in self.team_members(e) if x is not e and x.person >= 0]
        unitmates = [x for x in self.emps if x.unit == e.unit and x is not e and x.person >= 0]
        regmates = [x for x in self.emps if x.reg == e.reg and x is not e and x.person >= 0]
        style = {"subtle": "few", "moderate": rng.choice(["few", "one"]), "blatant": rng.choice(["dox", "one", "dox"])}[inten]
        if style == "few":
            pool = mates or unitmates or regmates
            tg = rng.sample(pool, min(len(pool), rng.randint(2, 5)))
            targets = [("p", x.person) for x in tg]
            self.run_private(e, rng, targets, rng.randint(3, 8), "colleague", 0.15, sess=(1, 3))
        elif style == "one":
            x = rng.choice(unitmates or regmates)
            targets = self.with_assets([x.person], rng, 0.8) + [("p", x.person)] * 2
            self.run_private(e, rng, targets, rng.randint(6, 14), "colleague", 0.3, sess=(1, 3))
        else:
            pool = regmates if len(regmates) > 20 else [x for x in self.emps if x is not e and x.person >= 0]
            tg = rng.sample(pool, min(len(pool), rng.randint(15, 40)))
            targets = []
            for x in tg:
                targets.append(("p", x.person))
                if rng.random() < 0.6:
                    targets.append(("a", self.P_addr[x.person]))
            d0 = rng.randint(0, max(0, self.D - 7))
            # a burst: walk through the list
            t, off = self.t_mixed(e, rng, 0.3, d0, d0 + 5)
            if t is None:
                return
            mode = "desk" if not off else "remote"
            rng.shuffle(targets)
            for i, tgt in enumerate(targets):
                if i and i % rng.randint(8, 20) == 0:
                    t2, off = self.t_mixed(e, rng, 0.3, d0, d0 + 7)
                    t = t2 or t
                t = self.lookup(t, e, tgt, None, mode, truth="colleague", view=rng.random() < 0.5) + rng.randint(5, 90)

    def m_vip_curiosity(self, e, rng, inten):
        waves = [w for w in self.waves if self.in_employment(e, w["d0"])]
        if not waves:
            return
        nw = {"subtle": 1, "moderate": rng.randint(1, 2), "blatant": rng.randint(2, max(2, len(waves)))}[inten]
        for w in rng.sample(waves, min(nw, len(waves))):
            vip = w["vip"]
            targets = [("p", vip)]
            if inten != "subtle":
                targets += [("a", self.P_addr[vip])] + [("v", v) for v in self.P_veh.get(vip, [])]
            n = {"subtle": rng.randint(1, 2), "moderate": rng.randint(2, 5), "blatant": rng.randint(5, 12)}[inten]
            d0 = w["d0"]
            d1 = min(self.D, d0 + rng.choice([1, 2, w["L"]]))
            done = 0
            for _ in range(n * 3):
                if done >= n:
                    break
                t, off = self.t_mixed(e, rng, 0.15, d0, d1)
                if t is None or t < w["case"].opened:
                    continue
                tgt = targets[0] if done == 0 else rng.choice(targets)
                self.lookup(t, e, tgt, None, self.mode_for(e, rng, off), truth="vip_curiosity")
                done += 1

    def m_criminal_leak(self, e, rng, inten):
        mine = set(id(c.extra) for c in e.cases if c.ctype == "network")
        other = [n for n in self.networks if n["reg"] != e.reg and id(n) not in mine]
        own = [n for n in self.networks if n["reg"] == e.reg and id(n) not in mine]
        pool = other if (other and (rng.random() < 0.65 or not own)) else own
        if not pool:
            return
        net = rng.choice(pool)
        key = rng.sample(net["members"], min(len(net["members"]), rng.randint(2, 5)))
        targets = [("p", p) for p in key] * 2 + [("p", p) for p in net["members"]]
        targets += [("v", v) for v in net["vehicles"][:6]] + [("a", a) for a in net["addrs"][:4]]
        weeks = rng.randint(3, max(3, min(12, self.D // 7)))
        w0 = rng.randint(0, max(0, self.D // 7 - weeks))
        per_week = {"subtle": (0, 2), "moderate": (1, 4), "blatant": (4, 9)}[inten]
        for wk in range(w0, w0 + weeks):
            n = rng.randint(*per_week)
            for _ in range(n):
                t, off = self.t_mixed(e, rng, 0.1, wk * 7, min(self.D, wk * 7 + 7))
                if t is None:
                    continue
                tgt = rng.choice(targets)
                self.lookup(t, e, tgt, None, "desk" if not off else "remote", truth="criminal_leak",
                            view=rng.random() < 0.7)

    def m_student_practice(self, e, rng, inten):
        me = e.person
        social = [me]
        for (q, r) in self.adj.get(me, []):
            social.append(q)
        hr = self.A_reg[self.P_addr[me]]
        ar = self.A_area[self.P_addr[me]]
        friends = [p for p in self.area_p[ar] if abs(self.P_by[p] - self.P_by[me]) <= 3 and p != me
                   and not self.P_flags[p] & F_EMP][:200]
        if friends:
            social += rng.sample(friends, min(len(friends), rng.randint(2, 6)))
        classmates = [x.person for x in self.emps if x.role == "student" and x is not e and x.reg == e.reg and x.person >= 0]
        if classmates and rng.random() < 0.6:
            social += rng.sample(classmates, min(len(classmates), rng.randint(1, 3)))
        targets = [("p", p) for p in social] + [("a", self.P_addr[me])]
        for p in social[:4]:
            targets += [("v", v) for v in self.P_veh.get(p, [])]
        practice = [w for w in e.worked if w[2] in "ELN"]
        if not practice:
            return
        nsh = {"subtle": 1, "moderate": rng.randint(1, 2), "blatant": rng.randint(2, 4)}[inten]
        first = practice[:max(3, nsh * 2)]
        n = {"subtle": rng.randint(2, 5), "moderate": rng.randint(6, 12), "blatant": rng.randint(12, 30)}[inten]
        chosen = rng.sample(first, min(nsh, len(first)))
        per = max(1, n // len(chosen))
        for (s, en, tag, d) in chosen:
            t = rng.randint(s + 1800, max(s + 1801, en - 3600))
            for k in range(per):
                tgt = targets[0] if k == 0 and rng.random() < 0.6 else rng.choice(targets)
                t = self.lookup(t, e, tgt, None, "mobile", truth="student_practice") + rng.randint(20, 240)

    def m_off_duty(self, e, rng, inten):
        # private targets: random people/cars around home (a date, a car sale, a dispute)
        hr = self.A_reg[self.P_addr[e.person]]
        ar = self.A_area[self.P_addr[e.person]]
        k = {"subtle": rng.randint(1, 2), "moderate": rng.randint(2, 4), "blatant": rng.randint(3, 8)}[inten]
        tg = [self.pick_person(rng, hr, ar) for _ in range(k)]
        targets = self.with_assets(tg, rng, 0.5)
        absent_days = sorted(d for d in e.absent if self.in_employment(e, d))
        if inten == "blatant" and not absent_days:
            s0 = rng.randint(0, max(0, self.D - 6))
            for d in range(s0, min(self.D, s0 + rng.randint(3, 6))):
                e.absent[d] = "sick"
            e.worked = [w for w in e.worked if w[3] not in e.absent]
            e.roster = [w for w in e.roster if self.d_of(w[0]) not in e.absent]
            absent_days = sorted(d for d in e.absent if self.in_employment(e, d))
            rows = []
            for d in absent_days:
                kk = e.absent[d]
                if rows and rows[-1][2] == kk and rows[-1][1] == d:
                    rows[-1][1] = d + 1
                else:
                    rows.append([d, d + 1, kk])
            e.absrows = [(self.mid[a + 1], self.mid[b + 1], kk) for a, b, kk in rows]
        n = {"subtle": rng.randint(2, 5), "moderate": rng.randint(6, 12), "blatant": rng.randint(15, 40)}[inten]
        done = 0
        tries = 0
        while done < n and tries < 200:
            tries += 1
            if absent_days and rng.random() < (0.8 if inten == "blatant" else 0.4):
                d = rng.choice(absent_days)
                t = self.mid[d + 1] + rng.randint(9 * 3600, 23 * 3600)
            else:
                t = self.t_off(e, rng, far=4 * 3600)
                if t is None:
                    continue
                h = self.tf.hour(t)
                if 8 <= h < 19 and rng.random() < 0.7:
                    t = self.mid[self.d_of(t) + 1] + rng.randint(21 * 3600, 24 * 3600 - 60)
                    if self.at_work(e, t, 4 * 3600):
                        continue
            mode = "mobile" if rng.random() < 0.6 else "remote"
            for _ in range(rng.randint(1, 4)):
                t = self.lookup(t, e, rng.choice(targets), None, mode, truth="off_duty") + rng.randint(20, 400)
                done += 1

    def m_bulk_export(self, e, rng, inten):
        D = self.D
        if rng.random() < 0.8:
            if e.end is None or not (self.start + timedelta(days=14) <= e.end <= self.start + timedelta(days=D + 10)):
                e.end = self.start + timedelta(days=rng.randint(max(15, D // 3), D + rng.choice([-1, 0, 5, 10])))
                self.set_bounds(e)
                e.worked = [w for w in e.worked if w[0] < e.t1]
                e.roster = [w for w in e.roster if w[0] < e.t1]
            endd = min(D, (e.end - self.start).days)
            d0 = max(0, endd - rng.randint(5, 21))
            d1 = endd
        else:
            d0 = rng.randint(0, max(0, D - 14))
            d1 = d0 + 14
        style = rng.choice(["mega", "case", "print", "repeat"]) if inten != "subtle" else rng.choice(["repeat", "print"])
        term = self.term_of(e)

        def when():
            t, off = self.t_mixed(e, rng, 0.15, d0, d1)
            return t
        if style == "mega":
            for _ in range(rng.randint(1, 3)):
                t = when()
                if t is None:
                    continue
                q = rng.choice(["*", "%s*" % self.regions[max(0, e.reg)][0].lower(), "criminal", "1*", "kenteken:*"])
                eid = self.emit(t, e, BV, "query", ("x", "zoek-%06x" % rng.getrandbits(24)), None, "desktop", term,
                                rng.randint(2000, 25000), q, truth="bulk_export")
                self.emit(t + rng.randint(30, 300), e, BV, "export", ("x", "lijst-%06x" % rng.getrandbits(24)), None,
                          "desktop", term, rng.randint(2000, 25000), q, truth="bulk_export")
        elif style == "case":
            cs = [c for c in self.cases if c.kind == "case" and c.sens == "high" and c not in e.cases and c.ctype in ("network", "project")]
            for _ in range(rng.randint(1, 3)):
                t = when()
                if t is None or not cs:
                    continue
                c = rng.choice(cs)
                self.emit(t, e, SUMMIT, "view", ("c", c.num), None, "desktop", term, 1, None, truth="bulk_export")
                self.emit(t + rng.randint(20, 200), e, SUMMIT, "export", ("c", c.num), None, "desktop", term,
                          rng.randint(300, 4000), None, truth="bulk_export")
        elif style == "print":
            pool = self.crim_all if rng.random() < 0.5 else self.reg_p[max(0, e.reg)]
            for _ in range(rng.randint(1, 3)):
                t = when()
                if t is None:
                    continue
                for _ in range(rng.randint(15, 70) if inten != "subtle" else rng.randint(8, 20)):
                    p = rng.choice(pool)
                    self.emit(t, e, BV, "view", ("p", p), None, "desktop", term, 1, None, truth="bulk_export")
                    self.emit(t + rng.randint(2, 10), e, BV, "print", ("p", p), None, "desktop", term, 1, None, truth="bulk_export")
                    t += rng.randint(15, 60)
        else:
            for _ in range(rng.randint(4, 12) if inten != "subtle" else rng.randint(2, 4)):
                t = when()
                if t is None:
                    continue
                q = rng.choice(["*", "a*", "de *", "van*", "postcode:%s*" % self.A_pc[self.P_addr[e.person]][:2]])
                self.emit(t, e, BV, "query", ("x", "zoek-%06x" % rng.getrandbits(24)), None, "desktop", term,
                          rng.randint(150, 1200), q, truth="bulk_export")
                self.emit(t + rng.randint(20, 200), e, BV, "export", ("x", "lijst-%06x" % rng.getrandbits(24)), None,
                          "desktop", term, rng.randint(150, 1200), q, truth="bulk_export")

    def m_bogus_legitimation(self, e, rng, inten):
        # private targets: relatives, acquaintances near home, sometimes the ex or a VIP
        pool = self.relatives(e)[:6]
        hr = self.A_reg[self.P_addr[e.person]]
        ar = self.A_area[self.P_addr[e.person]]
        pool += [self.pick_person(rng, hr, ar) for _ in range(rng.randint(2, 5))]
        pool += [q for q, r in self.adj.get(e.person, []) if r == "ex-partner"]
        if rng.random() < 0.3:
            pool.append(rng.choice(self.vips))
        targets = self.with_assets(rng.sample(pool, min(len(pool), rng.randint(2, 5))), rng, 0.4)
        r = e.reg
        closed = [c for c in self.cases if c.kind == "case" and c.closed is not None and c.closed < self.t_start and c.reg == r]
        kinds = rng.sample(["nonexistent", "closed", "wrong_case", "fake_incident"], rng.randint(1, 3))
        fake = []

        def casefn(tgt, t):
            k = rng.choice(kinds)
            if k == "closed" and closed:
                return rng.choice(closed).num
            if k == "wrong_case":
                oc = [c for c in self.open_cases(e, t) if tgt not in c.subjects]
                if oc:
                    return rng.choice(oc).num
            if k == "fake_incident":
                d = self.d_of(t)
                num = "I%s-%s%04d" % ((self.start + timedelta(days=d)).strftime("%y%m%d"),
                                      self.regions[max(0, r)][0], rng.randint(7000, 9999))
                if num not in self.used_case_nums:
                    self.used_case_nums.add(num)
                    self.bogus.append((num, "bogus_legitimation"))
                    return num
            if fake and rng.random() < 0.6:
                return rng.choice(fake)
            num = self.new_pl(rng, max(0, r), rng.choice([2024, 2025]))
            self.bogus.append((num, "bogus_legitimation"))
            fake.append(num)
            return num
        n = {"subtle": rng.randint(2, 5), "moderate": rng.randint(6, 12), "blatant": rng.randint(14, 28)}[inten]
        self.run_private(e, rng, targets, n, "bogus_legitimation", 0.1, sess=(1, 4), casefn=casefn)

    # ------------------------------------------------------------------ main loop
    def run(self):
        tm = time.time()
        self.build_org()
        self.build_population()
        self.build_employee_families()
        self.build_specials()
        self.build_pools()
        self.inc_t = [[] for _ in self.regions]
        self.inc_c = [[] for _ in self.regions]
        self.teams = {}
        for e in self.emps:
            self.teams.setdefault((e.unit, e.team), []).append(e)
        self.reg_patrol = [sum(1 for e in self.emps if e.reg == r and e.role == "patrol") for r in range(len(self.regions))]
        self.build_schedule()
        self.build_cases()
        self.log("world: %d persons, %d vehicles, %d addresses, %d relations, %d cases (%.1fs)" % (
            len(self.P_id), len(self.V_plate), len(self.A_id), len(self.rel), len(self.cases), time.time() - tm))
        self.plan_waves()
        plan = self.plan_misuse()
        self.plan_lookalikes(self.actor_set)
        self.execute_misuse(plan)
        # worked shifts may have been changed by the planners (end dates, sick days):
        # rebuild the day index used by the day loop
        cancelled = set((u, s) for (u, k, s, en) in self.deviations if k == "cancelled_leave")
        self.worked_by_day = [[] for _ in range(self.D + 1)]
        for e in self.emps:
            e.worked = [w for w in e.worked if e.t0 <= w[0] < e.t1 and
                        (w[3] not in e.absent or (e.user, w[0]) in cancelled)]
            self.finish_worked(e)
        out = os.path.join(self.a.outdir, "dataset")
        os.makedirs(os.path.join(out, "events"), exist_ok=True)
        self.writers = [Writer(os.path.join(out, "events", f)) for f in FILES]
        handlers = {"patrol": self.patrol_shift, "student": self.student_shift, "dispatcher": self.dispatcher_shift,
                    "intake": self.intake_shift, "detective": self.detective_day, "intelligence": self.intel_day,
                    "integrity": self.vik_day, "staff": self.staff_day, "it": self.it_day, "forensic": self.forensic_day}
        for d in range(self.D):
            self.gen_incidents(d)
            for (s, en, tag, e) in self.worked_by_day[d]:
                handlers[e.role](e, s, en, tag)
            self.flush(self.mid[d + 2])
        self.flush(10 ** 12)
        for w in self.writers:
            w.close()
        self.stats["lines"] = sum(w.lines for w in self.writers)
        self.stats["events"] -= self.stats["malformed"]
        self.log("events written (%.1fs)" % (time.time() - tm))
        self.write_reference(out)
        self.write_truth()
        self.log("done in %.1fs: %d lines, %d events, %d duplicate lines, %d malformed, %d truth events, %d actor rows" % (
            time.time() - tm, self.stats["lines"], self.stats["events"], self.stats["duplicates"],
            self.stats["malformed"], len(self.truth), len(self.actors)))

    def log(self, m):
        if not self.a.quiet:
            print("altgen: " + m, file=sys.stderr)

    # ------------------------------------------------------------------ delivery
    def flush(self, limit):
        self.pending.sort()
        i = bisect.bisect_left(self.pending, (limit,))
        batch = self.pending[:i]
        self.pending = self.pending[i:]
        rn = self.rn
        W = self.writers
        st = self.stats
        for (t, seq, si, line, tr) in batch:
            st["events"] += 1
            st["per_system"][si] += 1
            x = rn.random()
            if x < P_MALFORMED and not tr:
                line = self.corrupt(rn, line)
                st["malformed"] += 1
                W[si].put(t, line)
                continue
            if x < P_MALFORMED + P_DUPLICATE:
                st["duplicates"] += 1
                if rn.random() < 0.33:
                    o = rn.choice([k for k in range(7) if k != si])
                    W[o].hold(t + rn.randint(1, 200), seq, line)
                else:
                    W[si].hold(t + rn.randint(0, 120), seq, line)
            elif x < P_MALFORMED + P_DUPLICATE + P_LATE:
                st["late"] += 1
                W[si].hold(t + rn.randint(20, LATE_MAX), seq, line)
                continue
            W[si].put(t, line)

    def corrupt(self, rn, line):
        k = rn.randrange(5)
        if k == 0:
            return line[:rn.randint(10, len(line) - 5)]
        o = json.loads(line)
        if k == 1:
            del o[rn.choice(["user", "ts", "id", "action"])]
        elif k == 2:
            o["ts"] = rn.choice(["2025-13-45T25:61:00+01:00", "03/04/2025 10:15", "yesterday", "2025-03-0", ""])
        elif k == 3:
            o["user"] = rn.randint(1000, 99999)
        else:
            o["results"] = "many"
        return json.dumps(o, ensure_ascii=False, separators=(",", ":"))

    # ------------------------------------------------------------------ reference files
    def write_reference(self, out):
        tf = self.tf

        def W(name, header, rows):
            with open(os.path.join(out, name), "w", encoding="utf-8", newline="") as f:
                w = csv.writer(f, lineterminator="\r\n")
                w.writerow(header)
                for r in rows:
                    w.writerow(r)
        W("units.csv", ["unit", "region"],
          [(u["code"], self.regions[u["reg"]][0] if u["reg"] >= 0 else "LE") for u in self.units])
        rows = []
        for e in self.emps:
            p = e.person
            if e.tag == "noperson":
                rows.append((e.user, "", self.units[e.unit]["code"], e.team, e.role, "", "", "",
                             e.start.isoformat(), e.end.isoformat() if e.end else ""))
                continue
            a = self.P_addr[p]
            rows.append((e.user, self.P_id[p], self.units[e.unit]["code"], e.team, e.role, self.P_sur[p], self.A_pc[a],
                         self.A_hn[a], e.start.isoformat(), e.end.isoformat() if e.end else ""))
        W("employees.csv", ["user", "person", "unit", "team", "role", "surname", "postcode", "house_number",
                            "start_date", "end_date"], rows)

        def flags(f):
            return "|".join(n for b, n in FLAGNAMES if f & b)
        rc = [r[0] for r in self.regions]

        def subj_rows():
            for p in range(len(self.P_id)):
                a = self.P_addr[p]
                yield (self.P_id[p], "person", self.P_sur[p], self.A_pc[a], self.A_hn[a], self.P_by[p], rc[self.A_reg[a]],
                       flags(self.P_flags[p]))
            for v in range(len(self.V_plate)):
                k = self.V_keeper[v]
                a = self.P_addr[k]
                yield (self.V_plate[v], "vehicle", self.P_sur[k], self.A_pc[a], self.A_hn[a], "", rc[self.A_reg[a]], "")
            for a in range(len(self.A_id)):
                if self.A_res[a]:
                    yield (self.A_id[a], "address", "", self.A_pc[a], self.A_hn[a], "", rc[self.A_reg[a]], "")
        W("subjects.csv", ["subject", "subject_type", "surname", "postcode", "house_number", "birth_year", "region", "flags"],
          subj_rows())

        def sched():
            for e in self.emps:
                for (s, en, k) in e.roster:
                    yield (e.user, tf.fmt(s), tf.fmt(en), k)
                for (s, en, k) in e.absrows:
                    if s < e.t1:
                        yield (e.user, tf.fmt(s), tf.fmt(min(en, e.t1)), k)
        W("schedule.csv", ["user", "start", "end", "kind"], sched())
        W("cases.csv", ["case", "kind", "opened", "closed", "unit", "sensitivity"],
          ((c.num, c.kind, tf.fmt(c.opened), tf.fmt(c.closed) if c.closed else "", self.units[c.unit]["code"], c.sens)
           for c in self.cases))

        def members():
            for c in self.cases:
                seen = set()
                for m in c.members:
                    if m.user not in seen:
                        seen.add(m.user)
                        yield (c.num, m.user)
        W("case_members.csv", ["case", "user"], members())
        W("case_subjects.csv", ["case", "subject"],
          ((c.num, self.subj(s)[1]) for c in self.cases for s in c.subjects))
        if not self.a.no_relations:
            def rels():
                for (a, b, r) in self.rel:
                    if r == "parent" and self.rw.random() < 0.3:
                        yield (self.P_id[b], self.P_id[a], "child")
                    else:
                        yield (self.P_id[a], self.P_id[b], r)
            W("relations.csv", ["person_a", "person_b", "relation"], rels())
        elif os.path.exists(os.path.join(out, "relations.csv")):
            os.remove(os.path.join(out, "relations.csv"))

    def write_truth(self):
        td = os.path.join(self.a.outdir, "truth")
        md = os.path.join(self.a.outdir, "meta")
        os.makedirs(td, exist_ok=True)
        os.makedirs(md, exist_ok=True)
        with open(os.path.join(td, "actors.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["user", "scenario"])
            for (u, sc, inten, n) in self.actors:
                w.writerow([u, sc])
        with open(os.path.join(td, "events.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["event_id", "user", "scenario", "ts"])
            for r in self.truth:
                w.writerow(r)
        with open(os.path.join(md, "actors_detail.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["user", "scenario", "intensity", "events"])
            for r in self.actors:
                w.writerow(r)
        with open(os.path.join(md, "bogus_cases.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["case", "reason"])
            for r in self.bogus:
                w.writerow(r)
        with open(os.path.join(md, "lookalikes.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["user", "profile", "detail"])
            for r in self.lookalikes:
                w.writerow(r)
        with open(os.path.join(md, "roster_deviations.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["user", "kind", "start", "end"])
            for (u, k, s, en) in self.deviations:
                w.writerow([u, k, self.tf.fmt(s), self.tf.fmt(en)])
        params = {"seed": self.a.seed, "employees": self.N, "days": self.D, "start": self.start.isoformat(),
                  "relations": not self.a.no_relations, "regions": [r[0] for r in self.regions],
                  "persons": len(self.P_id), "vehicles": len(self.V_plate), "addresses": len(self.A_id),
                  "relations_rows": len(self.rel), "cases": len(self.cases),
                  "stats": {k: v for k, v in self.stats.items() if k != "per_system"},
                  "per_system": dict(zip(SYSNAMES, self.stats["per_system"])),
                  "truth_events": len(self.truth), "actor_rows": len(self.actors),
                  "actors": len(set(a[0] for a in self.actors)),
                  "noise": {"p_duplicate": P_DUPLICATE, "p_malformed": P_MALFORMED, "p_late": P_LATE, "late_max_s": LATE_MAX}}
        with open(os.path.join(md, "params.json"), "w") as f:
            json.dump(params, f, indent=1)


def dedup(lst):
    seen = set()
    out = []
    for x in lst:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


def main():
    ap = argparse.ArgumentParser(description="independent synthetic audit-log generator for wachter")
    ap.add_argument("outdir")
    ap.add_argument("--employees", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=84)
    ap.add_argument("--start", type=lambda s: date.fromisoformat(s), default=date(2025, 3, 3))
    ap.add_argument("--no-relations", action="store_true")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    if a.employees < 50:
        ap.error("--employees must be at least 50")
    if a.days < 14:
        ap.error("--days must be at least 14")
    Gen(a).run()


if __name__ == "__main__":
    main()
