/*
 * gen_misuse.c - the planted misuse: who the actors are and which events they cause.
 *
 * Actors are chosen right after the organisation exists (gen_world.c then shapes their
 * world: an ex-partner with a new address and vehicle, a leave period, an end date). Their
 * misuse events are planned once the rosters, cases and news exist, as a list sorted by
 * local day; the day loop (gen_events.c) emits them among the actor's normal work and
 * writes each one's id to truth/events.csv.
 *
 * Invariants:
 *   - Each scenario gets at least one actor whenever there are >= 150 employees, and the
 *     curiosity wave at least three; the rest are spread with seed-varied weights.
 *   - An actor has exactly one scenario (truth/actors.csv has one row per actor).
 *   - A planned event's `day` is the local day of its timestamp, so the day loop emits it
 *     on or after that local midnight (the streaming cut-off relies on this).
 *   - Misuse by actors is sparse: a handful to a few dozen events over the period.
 *
 * Ownership: appends to g->planned, owned by struct gen.
 */
#include "gen/gen_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const gen_scenario_names[SC_COUNT] = {
    "",          "relative",         "ex_partner",        "neighbour",
    "colleague", "vip_curiosity",    "criminal_leak",     "bulk_export",
    "off_duty",  "student_practice", "bogus_legitimation"};

static bool looks_things_up(uint8_t role)
{
    return role == ROLE_PATROL || role == ROLE_DETECTIVE || role == ROLE_INTAKE ||
           role == ROLE_DISPATCHER || role == ROLE_INTELLIGENCE || role == ROLE_STUDENT;
}

static bool fits(const struct gen *g, const struct gen_employee *e, int scenario)
{
    if (e->scenario != SC_NONE || e->leaver || e->start_day > g->day0)
        return false;
    if (!looks_things_up(e->role))
        return false;
    if (scenario == SC_STUDENT_PRACTICE)
        return e->role == ROLE_STUDENT;
    return true;
}

static uint32_t pick_actor(struct gen *g, int scenario)
{
    bool prefer_street = scenario == SC_CRIMINAL_LEAK && gen_rng_chance(&g->rng, 0.7);
    for (int tries = 0; tries < 4000; tries++) {
        uint32_t i = gen_rng_below(&g->rng, g->nemployees);
        struct gen_employee *e = &g->employees[i];
        if (prefer_street && tries < 2000 && e->role != ROLE_STUDENT && e->role != ROLE_PATROL)
            continue;
        if (fits(g, e, scenario))
            return i;
    }
    if (scenario == SC_STUDENT_PRACTICE) {
        /* No free student: a patrol officer becomes one. */
        for (uint32_t i = 0; i < g->nemployees; i++) {
            struct gen_employee *e = &g->employees[i];
            if (e->role == ROLE_PATROL && fits(g, e, SC_RELATIVE)) {
                e->role = ROLE_STUDENT;
                return i;
            }
        }
    }
    return GEN_NONE;
}

static void make_actor(struct gen *g, int scenario)
{
    uint32_t i = pick_actor(g, scenario);
    if (i == GEN_NONE)
        return;
    struct gen_employee *e = &g->employees[i];
    e->scenario = (uint8_t)scenario;
    e->bogus = scenario == SC_BOGUS_LEGITIMATION || gen_rng_chance(&g->rng, 0.3);
    if (scenario == SC_BULK_EXPORT) {
        int lo = g->ndays * 2 / 5 > 21 ? g->ndays * 2 / 5 : 21;
        if (lo > g->ndays - 3)
            lo = g->ndays - 3;
        e->end_day = g->day0 + gen_rng_range(&g->rng, lo, g->ndays - 3);
        e->leaver = true;
    }
}

void gen_misuse_choose_actors(struct gen *g)
{
    uint32_t n = g->nemployees;
    double want = g->opt.actor_rate * n * (0.8 + 0.4 * gen_rng_unit(&g->rng));
    uint32_t actors = (uint32_t)lround(want);
    if (g->opt.actor_rate > 0 && actors == 0)
        actors = 1;
    bool all = n >= 150 && g->opt.actor_rate > 0;
    if (all && actors < SC_COUNT + 1)
        actors = SC_COUNT + 1;
    if (actors > n / 4)
        actors = n / 4;
    uint32_t made = 0;
    if (all) {
        for (int s = 1; s < SC_COUNT; s++, made++)
            make_actor(g, s);
        make_actor(g, SC_VIP_CURIOSITY);
        make_actor(g, SC_VIP_CURIOSITY);
        made += 2;
    }
    static const double base[SC_COUNT] = {0, 3, 2, 2, 2, 2, 1.5, 1, 2, 1, 2};
    double w[SC_COUNT], total = 0;
    for (int s = 1; s < SC_COUNT; s++)
        total += w[s] = base[s] * (0.5 + gen_rng_unit(&g->rng));
    for (; made < actors; made++) {
        double u = gen_rng_unit(&g->rng) * total, acc = 0;
        int s = 1;
        for (; s < SC_COUNT - 1; s++) {
            acc += w[s];
            if (u < acc)
                break;
        }
        make_actor(g, s);
    }
}

/* ---- planning ----------------------------------------------------------------------- */

static const struct gen_plan *plan_of(const struct gen *g, uint32_t emp, int32_t day)
{
    static const struct gen_plan off = {PLAN_OFF, 0, 0};
    if (day < g->day0 || day >= g->day0 + g->ndays)
        return &off;
    return &g->plans[(size_t)emp * g->ndays + (size_t)(day - g->day0)];
}

int64_t gen_shift_time(struct gen *g, uint32_t emp, int32_t day)
{
    const struct gen_plan *p = plan_of(g, emp, day);
    if (p->kind != PLAN_SHIFT && p->kind != PLAN_TRAINING)
        return -1;
    int64_t start = gen_local_to_utc(g, day, p->start_min);
    return start + (int64_t)gen_rng_below(&g->rng, (uint32_t)p->dur_min * 60000u);
}

/* A time on shift on a random day of [lo, hi] (absolute days), or -1 when none is found. */
static int64_t on_shift(struct gen *g, uint32_t emp, int32_t lo, int32_t hi)
{
    if (lo < g->day0)
        lo = g->day0;
    if (hi > g->day0 + g->ndays - 1)
        hi = g->day0 + g->ndays - 1;
    if (hi > g->employees[emp].end_day)
        hi = g->employees[emp].end_day;
    if (lo > hi)
        return -1;
    for (int tries = 0; tries < 60; tries++) {
        int32_t d = lo + (int32_t)gen_rng_below(&g->rng, (uint32_t)(hi - lo + 1));
        int64_t t = gen_shift_time(g, emp, d);
        if (t >= 0)
            return t;
    }
    return -1;
}

/* A time far from any shift: on a leave, sick or free day whose neighbours do not reach
 * into it; `odd` asks for late evening or the small hours. -1 when none is found. */
static int64_t off_shift(struct gen *g, uint32_t emp, bool odd, bool prefer_leave)
{
    for (int tries = 0; tries < 200; tries++) {
        int32_t d = g->day0 + (int32_t)gen_rng_below(&g->rng, (uint32_t)g->ndays);
        const struct gen_plan *p = plan_of(g, emp, d);
        if (p->kind == PLAN_SHIFT || p->kind == PLAN_TRAINING)
            continue;
        if (prefer_leave && tries < 150 && p->kind == PLAN_OFF)
            continue;
        if (d > g->employees[emp].end_day)
            continue;
        const struct gen_plan *prev = plan_of(g, emp, d - 1), *next = plan_of(g, emp, d + 1);
        bool prev_night = prev->kind == PLAN_SHIFT && prev->start_min + prev->dur_min > 1440;
        bool next_early = next->kind == PLAN_SHIFT && next->start_min < 480;
        if (prev_night)
            continue;
        int minute;
        if (odd)
            minute = gen_rng_chance(&g->rng, 0.6) ? gen_rng_range(&g->rng, 1290, 1435)
                                                  : gen_rng_range(&g->rng, 30, 150);
        else
            minute = gen_rng_range(&g->rng, 600, next_early ? 1200 : 1350);
        return gen_local_to_utc(g, d, minute) + gen_rng_below(&g->rng, 60000);
    }
    return -1;
}

uint8_t gen_system_for(struct gen *g, const struct gen_employee *e, unsigned type, bool mobile)
{
    if (mobile)
        return SYS_MEOS;
    switch (type) {
    case REF_VEHICLE:
        return gen_rng_chance(&g->rng, 0.6) ? SYS_RDW : SYS_BLUEVIEW;
    case REF_ADDRESS:
        return gen_rng_chance(&g->rng, 0.5) ? SYS_BLUEVIEW : SYS_BRP;
    case REF_CASE:
        return gen_rng_chance(&g->rng, 0.6) ? SYS_BVH : SYS_SUMMIT;
    default:
        if (e->role == ROLE_DETECTIVE && gen_rng_chance(&g->rng, 0.3))
            return SYS_SUMMIT;
        return gen_rng_chance(&g->rng, 0.5) ? SYS_BLUEVIEW
                                            : (gen_rng_chance(&g->rng, 0.5) ? SYS_BRP : SYS_BVH);
    }
}

static bool is_member(const struct gen *g, uint32_t emp, uint32_t ci)
{
    const struct gen_employee *e = &g->employees[emp];
    for (uint32_t k = e->case_lo; k < e->case_hi; k++)
        if (g->emp_cases[k] == ci)
            return true;
    return false;
}

static bool case_has_subject(const struct gen *g, uint32_t ci, uint32_t ref)
{
    const struct gen_case *c = &g->cases[ci];
    for (uint32_t k = c->subj_lo; k < c->subj_hi; k++)
        if (g->case_subjects[k] == ref)
            return true;
    return false;
}

/* A case number that does not justify looking up `ref`: a real case the user is not on,
 * the user's own case that does not hold the subject, or a number that does not exist. */
static void bogus_case(struct gen *g, uint32_t emp, uint32_t ref, uint8_t *kind, uint32_t *num)
{
    const struct gen_employee *e = &g->employees[emp];
    uint32_t form = gen_rng_below(&g->rng, 3);
    if (form == 1 && e->case_hi > e->case_lo) {
        uint32_t ci = g->emp_cases[e->case_lo + gen_rng_below(&g->rng, e->case_hi - e->case_lo)];
        if (!case_has_subject(g, ci, ref)) {
            *kind = CK_INV;
            *num = ci;
            return;
        }
    }
    if (form <= 1) {
        for (int tries = 0; tries < 20; tries++) {
            uint32_t ci = gen_rng_below(&g->rng, (uint32_t)g->ncases);
            if (!is_member(g, emp, ci) && !case_has_subject(g, ci, ref)) {
                *kind = CK_INV;
                *num = ci;
                return;
            }
        }
    }
    *kind = gen_rng_chance(&g->rng, 0.7) ? CK_FAKE_INV : CK_FAKE_INC;
    *num = 900000 + gen_rng_below(&g->rng, 99999);
}

static void plan(struct gen *g, uint32_t emp, int64_t ts, uint32_t ref, bool mobile, uint8_t action,
                 uint32_t results)
{
    if (ts < 0)
        return;
    const struct gen_employee *e = &g->employees[emp];
    struct local_time lt;
    tz_local(g->tz, ts, &lt);
    if (lt.day < g->day0 || lt.day >= g->day0 + g->ndays)
        return;
    g->planned = xgrow(g->planned, &g->cap_planned, g->nplanned + 1, sizeof *g->planned);
    struct gen_planned *p = &g->planned[g->nplanned++];
    memset(p, 0, sizeof *p);
    p->day = lt.day;
    p->ts_ms = ts;
    p->user = emp;
    p->subject = ref;
    p->scenario = e->scenario;
    p->action = action;
    p->results = results;
    p->system = gen_system_for(g, e, gen_ref_type(ref), mobile);
    unsigned type = gen_ref_type(ref);
    if (action == ACT_QUERY)
        p->query_kind = type == REF_PERSON
                            ? (gen_rng_chance(&g->rng, 0.5) ? QK_SURNAME : QK_WILDCARD)
                        : type == REF_VEHICLE ? QK_PLATE
                        : type == REF_ADDRESS ? QK_POSTCODE
                                              : QK_NONE;
    p->case_kind = gen_rng_chance(&g->rng, 0.1) ? CK_EMPTY : CK_NONE;
    if (e->scenario == SC_BOGUS_LEGITIMATION || (e->bogus && gen_rng_chance(&g->rng, 0.4)))
        bogus_case(g, emp, ref, &p->case_kind, &p->case_num);
}

static uint8_t lookup_action(struct gen *g)
{
    return gen_rng_chance(&g->rng, 0.6) ? ACT_QUERY : ACT_VIEW;
}

/* A person, or now and then their address or vehicle. */
static uint32_t person_or_things(struct gen *g, uint32_t person, double p_vehicle, double p_address)
{
    double u = gen_rng_unit(&g->rng);
    uint32_t v;
    if (u < p_vehicle && gen_person_vehicles(g, person, &v, 1) == 1)
        return gen_ref(REF_VEHICLE, v);
    if (u >= p_vehicle && u < p_vehicle + p_address)
        return gen_ref(REF_ADDRESS, g->persons[person].household);
    return gen_ref(REF_PERSON, person);
}

/* Persons living in other households of the same postcode as `emp`. */
static size_t neighbours(struct gen *g, uint32_t emp, uint32_t *out, size_t max)
{
    uint32_t own = g->persons[g->employees[emp].person].household;
    uint32_t pc = g->households[own].postcode;
    uint32_t lo = own, hi = own;
    while (lo > 0 && g->households[lo - 1].postcode == pc)
        lo--;
    while (hi + 1 < g->nhouseholds && g->households[hi + 1].postcode == pc)
        hi++;
    size_t n = 0;
    for (int tries = 0; tries < 40 && n < max; tries++) {
        uint32_t h = lo + gen_rng_below(&g->rng, hi - lo + 1);
        if (h == own)
            continue;
        out[n++] =
            g->households[h].first_person + gen_rng_below(&g->rng, g->households[h].npersons);
    }
    return n;
}

static int scaled(struct gen *g, int lo, int hi)
{
    return gen_rng_range(&g->rng, lo, hi);
}

static void plan_actor(struct gen *g, uint32_t emp)
{
    struct gen_employee *e = &g->employees[emp];
    int32_t first = g->day0, last = g->day0 + g->ndays - 1;
    bool street = e->role == ROLE_PATROL || e->role == ROLE_STUDENT;
    uint32_t targets[16];
    size_t nt;
    switch (e->scenario) {
    case SC_RELATIVE: {
        int n = scaled(g, 2, 8);
        for (int i = 0; i < n && e->nfamily > 0; i++) {
            uint32_t rel = e->family[gen_rng_below(&g->rng, e->nfamily)];
            plan(g, emp, on_shift(g, emp, first, last), person_or_things(g, rel, 0.25, 0.05),
                 street && gen_rng_chance(&g->rng, 0.5), lookup_action(g), 0);
        }
        break;
    }
    case SC_EX_PARTNER: {
        if (e->ex_partner == GEN_NONE)
            break;
        int n = scaled(g, 5, 15);
        for (int i = 0; i < n; i++) {
            bool odd = gen_rng_chance(&g->rng, 0.4);
            int64_t t = odd ? off_shift(g, emp, true, false) : on_shift(g, emp, first, last);
            plan(g, emp, t, person_or_things(g, e->ex_partner, 0.25, 0.2),
                 odd || (street && gen_rng_chance(&g->rng, 0.5)), lookup_action(g), 0);
        }
        break;
    }
    case SC_NEIGHBOUR: {
        nt = neighbours(g, emp, targets, (size_t)scaled(g, 3, 6));
        for (size_t k = 0; k < nt; k++) {
            int n = scaled(g, 1, 3);
            for (int i = 0; i < n; i++)
                plan(g, emp, on_shift(g, emp, first, last),
                     person_or_things(g, targets[k], 0.2, 0.1),
                     street && gen_rng_chance(&g->rng, 0.5), lookup_action(g), 0);
        }
        break;
    }
    case SC_COLLEAGUE: {
        nt = (size_t)scaled(g, 3, 6);
        for (size_t k = 0; k < nt; k++) {
            uint32_t c;
            do {
                c = gen_rng_below(&g->rng, g->nemployees);
            } while (c == emp || (g->employees[c].team == e->team &&
                                  g->employees[c].unit == e->unit && gen_rng_chance(&g->rng, 0.7)));
            targets[k] = g->employees[c].person;
        }
        int n = scaled(g, 4, 12);
        for (int i = 0; i < n; i++)
            plan(g, emp, on_shift(g, emp, first, last),
                 person_or_things(g, targets[gen_rng_below(&g->rng, (uint32_t)nt)], 0.0, 0.2),
                 false, lookup_action(g), 0);
        break;
    }
    case SC_VIP_CURIOSITY: {
        size_t k = gen_rng_chance(&g->rng, 0.75) || g->nnews < 2 ? 0 : 1;
        if (is_member(g, emp, g->news[k].case_idx))
            k = (k + 1) % g->nnews;
        const struct gen_news *nw = &g->news[k];
        int n = scaled(g, 1, 4);
        for (int i = 0; i < n; i++) {
            int64_t t = on_shift(g, emp, nw->day_lo, nw->day_lo + 2);
            if (t < 0)
                t = gen_local_to_utc(g, nw->day_lo + gen_rng_range(&g->rng, 0, 2),
                                     gen_rng_range(&g->rng, 540, 1320));
            plan(g, emp, t, gen_ref(REF_PERSON, nw->vip), street && gen_rng_chance(&g->rng, 0.4),
                 lookup_action(g), 0);
        }
        break;
    }
    case SC_CRIMINAL_LEAK: {
        const struct gen_network *net = NULL;
        for (int tries = 0; tries < 100; tries++) {
            const struct gen_network *cand =
                &g->networks[gen_rng_below(&g->rng, (uint32_t)g->nnetworks)];
            if (cand->region != e->region && cand->hi > cand->lo) {
                net = cand;
                break;
            }
        }
        if (net == NULL)
            break;
        double rate = 1.0 + 2.0 * gen_rng_unit(&g->rng);
        for (int32_t w = first; w <= last; w += 7) {
            int n = (int)lround(rate + gen_rng_unit(&g->rng) - 0.5);
            n = n < 1 ? 1 : n > 4 ? 4 : n;
            for (int i = 0; i < n; i++) {
                uint32_t p = g->net_members[net->lo + gen_rng_below(&g->rng, net->hi - net->lo)];
                plan(g, emp, on_shift(g, emp, w, w + 6), person_or_things(g, p, 0.25, 0.15),
                     street && gen_rng_chance(&g->rng, 0.6), lookup_action(g), 0);
            }
        }
        break;
    }
    case SC_BULK_EXPORT: {
        int n = scaled(g, 6, 20);
        int window = scaled(g, 14, 21);
        const struct gen_unit *u = &g->units[e->unit];
        for (int i = 0; i < n; i++) {
            uint32_t ref;
            if (u->case_hi > u->case_lo && gen_rng_chance(&g->rng, 0.3))
                ref =
                    gen_ref(REF_CASE, u->case_lo + gen_rng_below(&g->rng, u->case_hi - u->case_lo));
            else
                ref = gen_ref(REF_PERSON, gen_random_citizen(g, e->region));
            plan(g, emp, on_shift(g, emp, e->end_day - window, e->end_day), ref, false,
                 gen_rng_chance(&g->rng, 0.65) ? ACT_EXPORT : ACT_PRINT,
                 (uint32_t)gen_rng_range(&g->rng, 150, 3000));
            if (g->nplanned > 0 && g->planned[g->nplanned - 1].user == emp)
                g->planned[g->nplanned - 1].query_kind = QK_WILDCARD;
        }
        break;
    }
    case SC_OFF_DUTY: {
        int n = scaled(g, 4, 10);
        nt = neighbours(g, emp, targets, 4);
        for (int i = 0; i < n; i++) {
            double u = gen_rng_unit(&g->rng);
            uint32_t p = u < 0.6 || (nt == 0 && e->nfamily == 0) ? gen_random_citizen(g, e->region)
                         : (u < 0.8 && e->nfamily > 0) || nt == 0
                             ? e->family[gen_rng_below(&g->rng, e->nfamily)]
                             : targets[gen_rng_below(&g->rng, (uint32_t)nt)];
            plan(g, emp, off_shift(g, emp, false, true), person_or_things(g, p, 0.2, 0.1),
                 gen_rng_chance(&g->rng, 0.7), lookup_action(g), 0);
        }
        break;
    }
    case SC_STUDENT_PRACTICE: {
        uint32_t friends[5], near[6];
        int nf = scaled(g, 3, 5);
        for (int k = 0; k < nf; k++)
            friends[k] = gen_random_citizen(g, e->region);
        size_t nn = neighbours(g, emp, near, 6);
        int n = scaled(g, 4, 12);
        for (int i = 0; i < n; i++) {
            double u = gen_rng_unit(&g->rng);
            uint32_t p = u < 0.4 && e->nfamily > 0 ? e->family[gen_rng_below(&g->rng, e->nfamily)]
                         : u < 0.7 && nn > 0       ? near[gen_rng_below(&g->rng, (uint32_t)nn)]
                                                   : friends[gen_rng_below(&g->rng, (uint32_t)nf)];
            plan(g, emp, on_shift(g, emp, first, last), person_or_things(g, p, 0.25, 0.0), true,
                 lookup_action(g), 0);
        }
        break;
    }
    case SC_BOGUS_LEGITIMATION: {
        int n = scaled(g, 5, 15);
        for (int i = 0; i < n; i++) {
            uint32_t region =
                gen_rng_chance(&g->rng, 0.6) ? e->region : gen_rng_below(&g->rng, g->nregions);
            plan(g, emp, on_shift(g, emp, first, last),
                 person_or_things(g, gen_random_citizen(g, region), 0.15, 0.1), false,
                 lookup_action(g), 0);
        }
        break;
    }
    default:
        break;
    }
}

static int cmp_planned(const void *a, const void *b)
{
    const struct gen_planned *x = a, *y = b;
    if (x->ts_ms != y->ts_ms)
        return x->ts_ms < y->ts_ms ? -1 : 1;
    return x->user < y->user ? -1 : x->user > y->user;
}

void gen_misuse_plan(struct gen *g)
{
    for (uint32_t i = 0; i < g->nemployees; i++)
        if (g->employees[i].scenario != SC_NONE)
            plan_actor(g, i);
    qsort(g->planned, g->nplanned, sizeof *g->planned, cmp_planned);
}
