/*
 * explain.c - the explanation routes, personal links and duty status of an access.
 *
 * Cost per event is a handful of lookups: the subject's and the user's case lists are
 * sorted and merged, relations per person are a few edges, and the persons behind a
 * vehicle or address are summarised at load (ref.c), walked only when that summary says
 * they may matter (capped at MAX_BEHIND).
 *
 * The role profile (which systems and subject types a role uses) is learned causally from
 * the traffic seen so far, so `analyze` and a live run explain the same event the same
 * way. Until a role has `routine_min_events` accesses its profile is not trusted and
 * nothing counts as routine for it: explanations must be earned, not assumed.
 */
#include "explain/explain.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_BEHIND = 8 };

/* The latest lookers of one household: the most recent EXPLAIN_LOOKERS_MORE - 1 distinct
 * employees and the last local day each looked; `n` counts distinct lookers ever, up to
 * EXPLAIN_LOOKERS_MORE. A slot is reused for the longest-silent looker only once the
 * household has had more lookers than slots, when it is shared work by any measure. */
enum { ATTENTION_SLOTS = EXPLAIN_LOOKERS_MORE - 1 };
struct attention {
    uint32_t who[ATTENTION_SLOTS];
    int32_t day[ATTENTION_SLOTS];
    uint8_t n;
};

struct explainer {
    const struct ref *ref;
    struct tz *tz;
    struct explain_config cfg;
    struct u64map last_case_access; /* (employee, subject) -> ts of last case-explained */
    /* Record accesses per system, role and subject type: a dense table, because systems
     * are few and this is read and written for every event. */
    uint64_t (*combo)[ROLE_GROUPS][8];
    size_t n_combo_systems;
    uint64_t role_events[ROLE_GROUPS];
    uint64_t role_criminal[ROLE_GROUPS]; /* of which criminal-network records */
    struct explain_counts counts;
    uint8_t *region_has_subjects; /* per token: some record lies in this region */
    size_t n_region_tokens;
    /* Teams (see ref_same_team) numbered from 1 per (unit, team) pair; per employee of
     * employees.csv, 0 when either is unknown. */
    uint32_t *team_of;
    size_t n_team_of;
    struct u64map case_teams; /* ref_pair(case, team_of) of every member with a team */
    struct u64map work_seen;  /* ref_pair(case, record) -> case_work_value() */
    struct u64map writers;    /* ref_pair(case, employee): wrote to the open case's file */
    /* ref_pair(integrity case, unit token) for every employee whose own record the case
     * holds: the units an integrity investigation looks into (EX_INTEGRITY_UNIT). */
    struct u64map integrity_units;
    struct strmap case_forms; /* case_form() of each known case -> case, REF_NONE if shared */
    struct u64map typos;      /* unknown typed case + 1 -> its typo neighbours (typo_cases) */
    struct duty_memo *duty;   /* per employee: the last duty status and how long it holds */
    size_t n_duty;
    /* Per employee of employees.csv: works on some investigation (CK_CASE). Most staff
     * work only incidents, and case_relation need not walk a record's family for them. */
    uint8_t *investigates;
    size_t n_investigates; /* employees.csv's; those interned from events later are not */
    /* By household number: first the addresses the reference files name (below
     * ref->n_households), then records without an address, numbered as first accessed
     * (`lone`: subject index + 1 -> number). Allocated up to the highest accessed. */
    struct attention *attention;
    size_t n_attention;
    struct u64map lone;
    uint32_t n_lone;
    /* Name searches (access.searched), only of employees who ever ran a broad query on a
     * sensitive record, so that the map stays small and in cache while every person
     * lookup asks it: employee + 1 -> index + 1 into `search`. And the wrong clicks
     * found: ref_pair(employee, record) -> local day + 1. */
    struct u64map searchers;
    struct search_memo *search;
    size_t n_search, cap_search;
    int64_t last_sensitive_ms; /* the latest sensitive record opened through a search */
    struct u64map detours;
    bool forms_built; /* case_forms is filled on the first number that needs it */
};

struct search_memo {
    int64_t query_ms;     /* the last broad query on a sensitive record */
    int64_t sensitive_ms; /* the last access to it through that search; INT64_MIN none */
    uint32_t subject;     /* that record */
    int32_t day;          /* local day of that access */
};

/* Duty status of an employee for moments in [from, until): events come in time order and
 * an employee's status changes a few times a day, so most events reuse the last one. */
struct duty_memo {
    int64_t from, until;
    uint8_t duty; /* enum duty */
};

/* A work_seen entry packs (user << 32 | local day): the first user and day, and once a
 * second user or day came, REF_NONE (never a user) and the day it became case work. */
static uint64_t case_work_value(uint32_t user, int32_t day)
{
    return (uint64_t)user << 32 | (uint32_t)day;
}

void explain_config_defaults(struct explain_config *cfg)
{
    cfg->follow_up_ms = 30LL * 86400000;
    cfg->case_grace_ms = 14LL * 86400000;
    cfg->overtime_ms = 2LL * 3600000;
    cfg->roster_window_ms = 3LL * 86400000;
    cfg->routine_share = 0.01;
    cfg->routine_min_events = 500;
    cfg->namesake_max = 20;
}

struct explainer *explainer_new(const struct ref *ref, struct tz *tz,
                                const struct explain_config *cfg)
{
    struct explainer *x = xcalloc(1, sizeof *x);
    x->ref = ref;
    x->tz = tz;
    x->cfg = *cfg;
    /* A unit whose region holds no records (a national unit) has no "own region". */
    x->n_region_tokens = ref->n_tokens;
    x->region_has_subjects = xcalloc(ref->n_tokens ? ref->n_tokens : 1, 1);
    for (size_t s = 0; s < ref->n_subj; s++)
        if (ref->subj[s].region < ref->n_tokens)
            x->region_has_subjects[ref->subj[s].region] = 1;
    size_t memberships = 0;
    for (size_t e = 0; e < ref->n_emp; e++)
        memberships += ref->emp[e].cases_n;
    u64map_reserve(&x->case_teams, memberships);
    x->n_investigates = x->n_team_of = ref->n_emp;
    x->investigates = xcalloc(ref->n_emp ? ref->n_emp : 1, 1);
    x->team_of = xcalloc(ref->n_emp ? ref->n_emp : 1, sizeof *x->team_of);
    struct u64map teams = {0};
    for (size_t e = 0; e < ref->n_emp; e++) {
        const struct employee *em = &ref->emp[e];
        if (em->unit != 0 && em->team != 0) {
            uint64_t key = ref_pair(em->unit, em->team);
            u64map_add(&teams, key, teams.count + 1); /* a new pair takes the next number */
            x->team_of[e] = (uint32_t)*u64map_get(&teams, key);
        }
        for (uint32_t k = 0; k < em->cases_n; k++) {
            uint32_t c = ref->user_cases[em->cases_off + k];
            if (x->team_of[e] != 0)
                u64map_put(&x->case_teams, ref_pair(c, x->team_of[e]), 1);
            if (ref->cases[c].kind == CK_CASE)
                x->investigates[e] = 1;
        }
        if (em->person == REF_NONE || em->unit == 0)
            continue;
        const struct subject *own = &ref->subj[em->person];
        for (uint32_t k = 0; k < own->cases_n; k++) {
            uint32_t c = ref->subject_cases[own->cases_off + k];
            if (ref->cases[c].integrity)
                u64map_put(&x->integrity_units, ref_pair(c, em->unit), 1);
        }
    }
    u64map_free(&teams);
    return x;
}

void explainer_free(struct explainer *x)
{
    if (x == NULL)
        return;
    u64map_free(&x->last_case_access);
    u64map_free(&x->case_teams);
    free(x->team_of);
    u64map_free(&x->detours);
    u64map_free(&x->searchers);
    free(x->search);
    u64map_free(&x->work_seen);
    u64map_free(&x->writers);
    u64map_free(&x->integrity_units);
    strmap_free(&x->case_forms);
    u64map_free(&x->typos);
    free(x->duty);
    free(x->investigates);
    free(x->attention);
    u64map_free(&x->lone);
    free(x->combo);
    free(x->region_has_subjects);
    free(x);
}

double explain_role_share(const struct explainer *x, uint8_t role, uint16_t system,
                          uint8_t subject_type)
{
    if (role >= ROLE_GROUPS || x->role_events[role] == 0 || system >= x->n_combo_systems)
        return 0;
    return (double)x->combo[system][role][subject_type & 7] / (double)x->role_events[role];
}

uint64_t explain_role_events(const struct explainer *x, uint8_t role)
{
    return role < ROLE_GROUPS ? x->role_events[role] : 0;
}

uint64_t explain_role_criminal(const struct explainer *x, uint8_t role)
{
    return role < ROLE_GROUPS ? x->role_criminal[role] : 0;
}

const struct explain_counts *explain_counts(const struct explainer *x)
{
    return &x->counts;
}

/* ---- personal link ------------------------------------------------------------------ */

static void find_link(const struct explainer *x, uint32_t e, uint32_t s, const uint32_t *behind,
                      size_t n_behind, struct access *a)
{
    const struct ref *ref = x->ref;
    const struct employee *em = &ref->emp[e];
    const struct subject *sj = &ref->subj[s];
    bool same_address = em->postcode != 0 && em->house != 0 && sj->postcode == em->postcode &&
                        sj->house == em->house;
    a->link_weight = 1.0f;

    if (em->person != REF_NONE && s == em->person) {
        a->link = LINK_SELF;
        a->person = s;
        return;
    }
    if (same_address && sj->type != ST_PERSON &&
        (sj->surname == 0 || em->surname == 0 || sj->surname == em->surname)) {
        a->link = LINK_SELF; /* the own household's vehicle or the own address */
        a->person = em->person;
        return;
    }
    /* Relatives from the person registry, by person or by the address they live at. */
    if (sj->near_relative) {
        const struct rel_edge *rels;
        uint32_t n_rel = ref_relatives(ref, e, &rels);
        for (uint32_t i = 0; i < n_rel; i++) {
            const struct rel_edge *r = &rels[i];
            const struct subject *o = &ref->subj[r->other];
            bool hit = r->other == s;
            for (size_t k = 0; !hit && k < n_behind; k++)
                hit = behind[k] == r->other;
            if (!hit && sj->type != ST_PERSON && o->postcode != 0 && o->house != 0 &&
                o->postcode == sj->postcode && o->house == sj->house)
                hit = true;
            if (hit) {
                a->link = LINK_RELATIVE;
                a->relation = r->relation;
                a->person = r->other;
                return;
            }
        }
    }
    if (same_address) {
        a->link = LINK_RELATIVE;
        a->relation = REL_HOUSEHOLD;
        a->person = s;
        return;
    }
    /* Colleagues: an employee's own record, or the vehicle or address of one. */
    for (size_t k = 0; k < n_behind; k++) {
        const struct subject *b = &ref->subj[behind[k]];
        if ((b->employee != REF_NONE && b->employee != e) ||
            (b->employee == REF_NONE && (b->flags & SF_EMPLOYEE))) {
            a->link = LINK_COLLEAGUE;
            a->person = behind[k];
            a->link_weight = sj->type == ST_PERSON ? 1.0f : EXPLAIN_COLLEAGUE_THING_WEIGHT;
            return;
        }
    }
    if (em->postcode != 0 && sj->postcode == em->postcode && sj->house != 0 &&
        sj->house != em->house) {
        a->link = LINK_NEIGHBOUR;
        a->person = n_behind ? behind[0] : s;
        return;
    }
    if (!ref->has_relations && em->surname != 0 && sj->surname == em->surname) {
        uint64_t n = ref_surname_count(ref, em->surname);
        if (n > 0 && n <= (uint64_t)x->cfg.namesake_max) {
            a->link = LINK_NAMESAKE;
            a->person = s;
            a->link_weight = (float)(1.0 - log((double)n) / log((double)x->cfg.namesake_max + 1.0));
        }
    }
}

/* ---- case explanations -------------------------------------------------------------- */

/* The last moment case `c` explains work on it (its closing plus the grace period). */
static int64_t case_until(const struct explainer *x, const struct case_rec *c)
{
    return c->closed_ms == INT64_MAX ? INT64_MAX : c->closed_ms + x->cfg.case_grace_ms;
}

static bool case_open(const struct explainer *x, const struct case_rec *c, int64_t ts)
{
    int64_t opened = c->opened_ms == INT64_MIN ? INT64_MIN : c->opened_ms - 86400000;
    return ts >= opened && ts <= case_until(x, c);
}

/* Does the employee work on an open case that holds subject `s`? Both case lists are
 * sorted. A record belongs to few cases while a patrol officer is on hundreds of incidents,
 * so each of the record's cases is looked up in the officer's list by binary search (a
 * probe of the (case, employee) set instead, one cache miss per case for sure, was slower
 * at 20,000 employees). Raises *until to the last moment such a case explains work (see
 * explain_event: the follow-up memory is needed only beyond it). */
static bool member_of_case_holding(const struct explainer *x, uint32_t e, uint32_t s, int64_t ts,
                                   bool investigations_only, int64_t *until)
{
    const struct ref *ref = x->ref;
    const struct subject *sj = &ref->subj[s];
    const struct employee *em = &ref->emp[e];
    const uint32_t *mine = ref->user_cases + em->cases_off;
    bool found = false;
    for (uint32_t i = 0; i < sj->cases_n; i++) {
        uint32_t c = ref->subject_cases[sj->cases_off + i];
        /* Binary search without branches on the comparisons: which way it goes is a coin
         * toss that a predicted branch loses half the time. The step is arithmetic, as
         * compilers turn a ?: here into a branch. */
        const uint32_t *at = mine;
        for (uint32_t len = em->cases_n; len > 1;) {
            uint32_t half = len / 2;
            at += (at[half - 1] < c) * half;
            len -= half;
        }
        /* The kind only once the case is the user's: the case table is large. */
        if (em->cases_n > 0 && *at == c &&
            (!investigations_only || ref->cases[c].kind == CK_CASE) &&
            case_open(x, &ref->cases[c], ts)) {
            found = true;
            int64_t u = case_until(x, &ref->cases[c]);
            if (u > *until)
                *until = u;
            if (u == INT64_MAX)
                break; /* open-ended: nothing explains longer */
        }
    }
    return found;
}

/* Does person `s` have a relation (relations.csv) to a person in an open investigation
 * that user `e` works on (EX_CASE_RELATION)? Incidents do not count: they are many and
 * brief, and the family of everyone met on the street is not the job. */
static bool relative_in_investigation(const struct explainer *x, uint32_t e, uint32_t s, int64_t ts,
                                      int64_t *until)
{
    const struct rel_edge *r;
    uint32_t n = ref_relations(x->ref, s, &r);
    for (uint32_t k = 0; k < n; k++)
        if (member_of_case_holding(x, e, r[k].other, ts, true, until))
            return true;
    return false;
}

/* Is (system, subject type) routine for `role`: at least routine_share of the role's
 * record accesses once it has routine_min_events of them, of all roles' until then (a
 * small role, the start of a run). All roles' counts are summed when asked: only the few
 * first events of each role need them. */
static bool routine_for(const struct explainer *x, uint8_t role, uint16_t system,
                        uint8_t subject_type)
{
    if (x->role_events[role] >= x->cfg.routine_min_events)
        return explain_role_share(x, role, system, subject_type) >= x->cfg.routine_share;
    uint64_t all = 0, used = 0;
    for (size_t r = 0; r < ROLE_GROUPS; r++) {
        all += x->role_events[r];
        if (system < x->n_combo_systems)
            used += x->combo[system][r][subject_type & 7];
    }
    return all >= x->cfg.routine_min_events && (double)used / (double)all >= x->cfg.routine_share;
}

/* Is colleague `person` looked up by integrity staff `e` in the course of an integrity
 * investigation (EX_INTEGRITY_UNIT): does `e` work on an open integrity case that holds an
 * employee of the colleague's unit? Integrity staff have few cases, so they are walked. */
static bool integrity_unit(const struct explainer *x, uint32_t e, uint32_t person, int64_t ts,
                           int64_t *until)
{
    const struct ref *ref = x->ref;
    uint32_t colleague = ref->subj[person].employee;
    if (colleague == REF_NONE || ref->emp[colleague].unit == 0)
        return false;
    const struct employee *em = &ref->emp[e];
    bool found = false;
    for (uint32_t k = 0; k < em->cases_n; k++) {
        uint32_t c = ref->user_cases[em->cases_off + k];
        const struct case_rec *cr = &ref->cases[c];
        if (!cr->integrity || !case_open(x, cr, ts) ||
            u64map_get(&x->integrity_units, ref_pair(c, ref->emp[colleague].unit)) == NULL)
            continue;
        found = true;
        int64_t u = case_until(x, cr);
        if (u > *until)
            *until = u;
    }
    return found;
}

/* Is the record sensitive (a public figure, a shielded person) or in the user's own
 * circle (self, relatives, neighbours), colleagues left out? For EX_CASE_RELATION, where
 * a colleague who is family of a suspect is part of the investigation's circle. */
static bool own_or_sensitive(const struct access *a)
{
    return (a->link != LINK_NONE && a->link != LINK_COLLEAGUE) ||
           (a->flags & (SF_VIP | SF_SHIELDED));
}

/* Is the record personal to the user (their own circle, colleagues included) or
 * sensitive? Such an access is never routine, and the member and record lists of a case
 * are taken as they are for it: being on them is what stands between curiosity or a
 * conflict of interest and work. */
static bool personal_or_sensitive(const struct access *a)
{
    return a->link == LINK_COLLEAGUE || own_or_sensitive(a);
}

/* How a typed case that does not list the user may still explain the access: EX_CASE_WRITER
 * when the user wrote to the case's file while it was open (a modify of the case record:
 * only those who work on a case change it), EX_CASE_UNIT for a case of the user's own unit
 * or one a team-mate works on, of normal sensitivity; else EX_NONE. Never for a public
 * figure, a shielded person or anyone in the user's own circle (`a` holds the link and
 * flags): a relative in the unit's case, looked up under its number, is the conflict of
 * interest that membership is there to stop. The caller still requires that the case is
 * open and holds the subject. */
static enum explain_route unlisted_route(const struct explainer *x, uint32_t c,
                                         const struct event *ev, const struct access *a)
{
    const struct case_rec *cr = &x->ref->cases[c];
    const struct employee *em = &x->ref->emp[ev->user];
    if (personal_or_sensitive(a))
        return EX_NONE;
    if (u64map_get(&x->writers, ref_pair(c, ev->user)) != NULL)
        return EX_CASE_WRITER;
    if (cr->high)
        return EX_NONE;
    uint32_t team = ev->user < x->n_team_of ? x->team_of[ev->user] : 0;
    if ((cr->unit != 0 && cr->unit == em->unit) ||
        (team != 0 && u64map_get(&x->case_teams, ref_pair(c, team)) != NULL))
        return EX_CASE_UNIT;
    return EX_NONE;
}

/* A modify of a case record makes its user a worker on that case (see unlisted_route), if
 * the case is known and open; the local day of the first such write is kept. */
static void note_case_write(struct explainer *x, const struct event *ev, int32_t local_day)
{
    uint32_t c = ref_case_file(x->ref, ev->subject);
    if (c != REF_NONE && case_open(x, &x->ref->cases[c], ev->ts_ms))
        u64map_add(&x->writers, ref_pair(c, ev->user), (uint32_t)local_day);
}

/* Is this lookup, under a case that lists the user but not the record, case work
 * (EX_CASE_WORK)? Under an incident while it runs (its dates, a day either side), yes: the
 * people met at the scene are not all registered with it. Otherwise the first (user, day)
 * per (case, record) is remembered, and a lookup by another user or on another day makes
 * it case work. Not for the exclusions of EX_CASE_UNIT (except a colleague looked up by
 * integrity staff under an integrity case), nor under a closed case. */
static bool is_case_work(struct explainer *x, const struct event *ev, const struct access *a)
{
    const struct case_rec *c = &x->ref->cases[a->legit];
    /* Colleagues are the subject matter of integrity (VIK) work: on an integrity case an
     * investigator's colleague lookups are judged like any record's. */
    bool integrity_work = a->link == LINK_COLLEAGUE && !(a->flags & (SF_VIP | SF_SHIELDED)) &&
                          c->integrity && x->ref->emp[ev->user].role == ROLE_INTEGRITY;
    if ((personal_or_sensitive(a) && !integrity_work) || !case_open(x, c, ev->ts_ms))
        return false;
    if (c->kind == CK_INCIDENT && c->opened_ms != INT64_MIN) {
        int64_t end = c->closed_ms != INT64_MAX ? c->closed_ms : c->opened_ms;
        if (ev->ts_ms >= c->opened_ms - 86400000 && ev->ts_ms < end + 2 * 86400000)
            return true;
    }
    uint64_t key = ref_pair(a->legit, ev->subject);
    uint64_t first = case_work_value(ev->user, a->local.day);
    uint64_t *v = u64map_get(&x->work_seen, key);
    if (v == NULL) {
        u64map_put(&x->work_seen, key, first);
        return false;
    }
    if (*v == first)
        return false;
    if (*v >> 32 != REF_NONE)
        *v = case_work_value(REF_NONE, a->local.day);
    return true;
}

enum case_work explain_case_work(const struct explainer *x, uint32_t c, uint32_t s,
                                 int32_t *since_day)
{
    const uint64_t *v = u64map_get(&x->work_seen, ref_pair(c, s));
    if (v == NULL)
        return CASE_WORK_NONE;
    if (*v >> 32 != REF_NONE)
        return CASE_WORK_FIRST;
    if (since_day != NULL)
        *since_day = (int32_t)(uint32_t)*v;
    return CASE_WORK_SHARED;
}

bool explain_case_writer(const struct explainer *x, uint32_t c, uint32_t e, int32_t *since_day)
{
    const uint64_t *v = u64map_get(&x->writers, ref_pair(c, e));
    if (v != NULL && since_day != NULL)
        *since_day = (int32_t)(uint32_t)*v;
    return v != NULL;
}

/* A case number as people may type it: letters in upper case, everything but letters and
 * digits left out. Writes at most `cap` bytes to `out` and returns the length; a number
 * longer than that is not normalised (returns 0). */
static size_t case_form(const char *id, char *out, size_t cap)
{
    size_t n = 0;
    for (const char *p = id; *p != '\0'; p++) {
        char ch = *p;
        if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        else if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
            continue;
        if (n == cap)
            return 0;
        out[n++] = ch;
    }
    return n;
}

/* Look `form` (n characters) up among the known cases' forms and add a hit to the two
 * kept in *near (each case + 1 in a half; UINT64_MAX once there are more than two). */
static void add_typo_case(const struct explainer *x, const char *form, size_t n, uint64_t *near)
{
    int64_t k = strmap_get(&x->case_forms, form, n);
    if (k < 0 || (uint32_t)k == REF_NONE || *near == UINT64_MAX)
        return;
    uint64_t v = (uint64_t)k + 1;
    if ((uint32_t)*near == 0)
        *near = v;
    else if ((uint32_t)*near != v && (*near >> 32) == 0)
        *near |= v << 32;
    else if ((uint32_t)*near != v && (*near >> 32) != v)
        *near = UINT64_MAX;
}

/* The known cases one slip away from the unknown typed number `c` of case_form `form`:
 * one digit replaced by another, or two neighbouring characters swapped. Packed as in
 * add_typo_case, 0 for none, and remembered per number: about 10 lookups per character,
 * once for each distinct unknown number. */
static uint64_t typo_cases(struct explainer *x, uint32_t c, char *form, size_t n)
{
    const uint64_t *memo = u64map_get(&x->typos, (uint64_t)c + 1);
    if (memo != NULL)
        return *memo;
    uint64_t near = 0;
    for (size_t i = 0; i < n; i++) {
        char own = form[i];
        if (own >= '0' && own <= '9')
            for (char d = '0'; d <= '9'; d++)
                if (d != own) {
                    form[i] = d;
                    add_typo_case(x, form, n, &near);
                }
        form[i] = own;
        if (i + 1 < n && form[i + 1] != own) {
            form[i] = form[i + 1];
            form[i + 1] = own;
            add_typo_case(x, form, n, &near);
            form[i + 1] = form[i];
            form[i] = own;
        }
    }
    u64map_put(&x->typos, (uint64_t)c + 1, near);
    return near;
}

/* The case that typed number `c` denotes for user `e`: itself when known, else the one
 * known case with the same case_form, else the one case that lists `e` among the known
 * cases one slip away (typo_cases: people mistype their own case's number), else `c`. The
 * forms of the known cases are indexed on first need: most logs never need them. */
static uint32_t resolve_typed(struct explainer *x, uint32_t c, uint32_t e)
{
    const struct ref *ref = x->ref;
    if (ref->cases[c].known)
        return c;
    char form[128];
    if (!x->forms_built) {
        x->forms_built = true;
        for (size_t k = 0; k < ref->n_cases; k++) {
            size_t n = ref->cases[k].known ? case_form(ref->cases[k].id, form, sizeof form) : 0;
            if (n == 0)
                continue;
            int64_t had = strmap_get(&x->case_forms, form, n);
            strmap_put(&x->case_forms, form, n, had < 0 ? (uint32_t)k : REF_NONE);
        }
    }
    size_t n = case_form(ref->cases[c].id, form, sizeof form);
    int64_t k = n ? strmap_get(&x->case_forms, form, n) : -1;
    if (k >= 0 && (uint32_t)k != REF_NONE)
        return (uint32_t)k;
    uint64_t near = n ? typo_cases(x, c, form, n) : 0;
    if (near == 0 || near == UINT64_MAX)
        return c;
    uint32_t first = (uint32_t)near - 1, second = (uint32_t)(near >> 32) - 1;
    bool in_first = ref_is_member(ref, first, e);
    bool in_second = (near >> 32) != 0 && ref_is_member(ref, second, e);
    return in_first == in_second ? c : in_first ? first : second;
}

/* Judges the typed case a->legit. For BOGUS_UNLISTED, *unlisted is the route that explains
 * the lookup all the same (see unlisted_route). Sets a->unlisted_open when the case is open
 * and holds the record but does not list the user, and nothing about the record is
 * personal or sensitive: a write to the case's file would explain such a lookup
 * (EX_CASE_WRITER), so bogus_legitimation holds its signal a while to see whether one
 * comes. */
static enum bogus_kind check_typed(const struct explainer *x, const struct event *ev,
                                   struct access *a, enum explain_route *unlisted)
{
    const struct ref *ref = x->ref;
    const struct case_rec *c = &ref->cases[a->legit];
    if (!c->known)
        return BOGUS_UNKNOWN_CASE;
    bool listed = ref_is_member(ref, a->legit, ev->user);
    bool held = ev->subject == REF_NONE || ref->subj[ev->subject].type == ST_CASE ||
                ref_case_has(ref, a->legit, ev->subject);
    if (!held) {
        /* A vehicle or address whose keeper or resident is in the case counts as held. */
        uint32_t behind[MAX_BEHIND];
        size_t n = ref_persons_behind(ref, ev->subject, behind, MAX_BEHIND);
        for (size_t k = 0; k < n && !held; k++)
            held = ref_case_has(ref, a->legit, behind[k]);
    }
    bool open = case_open(x, c, ev->ts_ms);
    if (listed)
        return !held ? BOGUS_NOT_IN_CASE : !open ? BOGUS_CLOSED : BOGUS_NONE;
    if (!held || !open)
        return BOGUS_NOT_MEMBER;
    *unlisted = unlisted_route(x, a->legit, ev, a);
    if (*unlisted != EX_NONE)
        return BOGUS_UNLISTED;
    a->unlisted_open = !personal_or_sensitive(a);
    return BOGUS_NOT_MEMBER;
}

/* ref_duty_at through the employee's duty_memo. */
static enum duty duty_at(struct explainer *x, uint32_t e, int64_t ts)
{
    if (e >= x->n_duty) {
        size_t n = x->n_duty;
        x->duty = xgrow(x->duty, &n, (size_t)e + 1, sizeof *x->duty);
        memset(x->duty + x->n_duty, 0, (n - x->n_duty) * sizeof *x->duty);
        x->n_duty = n;
    }
    struct duty_memo *m = &x->duty[e];
    if (ts < m->from || ts >= m->until) {
        m->from = ts;
        m->duty = (uint8_t)ref_duty_at(x->ref, e, ts, x->cfg.overtime_ms, x->cfg.roster_window_ms,
                                       &m->until);
    }
    return (enum duty)m->duty;
}

void explain_prefetch(const struct explainer *x, const struct event *ev)
{
    if (!ev->looked_up || ev->user == REF_NONE)
        return;
    if (ev->user < x->n_duty)
        __builtin_prefetch(&x->duty[ev->user]);
    if (ev->subject == REF_NONE)
        return;
    u64map_prefetch(&x->last_case_access, ref_pair(ev->user, ev->subject));
}

void explain_prefetch_late(const struct explainer *x, const struct event *ev)
{
    if (!ev->looked_up || ev->user == REF_NONE || ev->subject == REF_NONE)
        return;
    uint32_t h = x->ref->subj[ev->subject].household;
    if (h < x->n_attention) { /* an entry may straddle two cache lines */
        __builtin_prefetch(&x->attention[h]);
        __builtin_prefetch((const char *)(&x->attention[h] + 1) - 1);
    }
}

/* The household number of record `s` (access.household), numbering it when it has no
 * address and is new. */
static uint32_t household_of(struct explainer *x, const struct subject *sj, uint32_t s)
{
    if (sj->household != REF_NONE)
        return sj->household;
    uint64_t *slot = u64map_get(&x->lone, (uint64_t)s + 1);
    if (slot != NULL)
        return x->ref->n_households + (uint32_t)*slot;
    u64map_put(&x->lone, (uint64_t)s + 1, x->n_lone);
    return x->ref->n_households + x->n_lone++;
}

/* Count employee `e` as a looker of household `h` on local day `day`. */
static void note_looker(struct explainer *x, uint32_t h, uint32_t e, int32_t day)
{
    x->attention = xgrow_zeroed(x->attention, &x->n_attention, (size_t)h + 1, sizeof *x->attention);
    struct attention *at = &x->attention[h];
    unsigned used = at->n < ATTENTION_SLOTS ? at->n : ATTENTION_SLOTS, k, oldest = 0;
    for (k = 0; k < used && at->who[k] != e; k++)
        if (at->day[k] < at->day[oldest])
            oldest = k;
    if (k < used) {
        at->day[k] = day;
        return;
    }
    if (used < ATTENTION_SLOTS)
        oldest = used;
    at->who[oldest] = e;
    at->day[oldest] = day;
    if (at->n < EXPLAIN_LOOKERS_MORE)
        at->n++;
}

unsigned explain_lookers(const struct explainer *x, uint32_t h)
{
    return h < x->n_attention ? x->attention[h].n : 0;
}

unsigned explain_others_near(const struct explainer *x, uint32_t h, uint32_t e, int32_t day,
                             int32_t days, bool team_mates_only)
{
    if (h >= x->n_attention)
        return 0;
    const struct employee *me = &x->ref->emp[e];
    const struct attention *at = &x->attention[h];
    unsigned used = at->n < ATTENTION_SLOTS ? at->n : ATTENTION_SLOTS, others = 0;
    for (unsigned k = 0; k < used; k++)
        if (at->who[k] != e && at->day[k] >= day - days && at->day[k] <= day + days &&
            (!team_mates_only || ref_same_team(me, &x->ref->emp[at->who[k]])))
            others++;
    return others;
}

/* Follow name searches (see access.searched): a query on a public figure or shielded
 * person that returns several records starts one; an access to that record within
 * EXPLAIN_DETOUR_MS of it is reached through it; a person of the same surname from
 * another household, not sensitive, opened within EXPLAIN_DETOUR_MS of that makes it a
 * wrong click. */
static void follow_search(struct explainer *x, const struct event *ev, const struct subject *sj,
                          struct access *a)
{
    uint32_t e = ev->user, s = ev->subject;
    if (sj->type != ST_PERSON)
        return;
    bool sensitive = (sj->flags & (SF_VIP | SF_SHIELDED)) != 0;
    /* Most person lookups come when no search is open anywhere. */
    if (!sensitive && ev->ts_ms - x->last_sensitive_ms > EXPLAIN_DETOUR_MS)
        return;
    uint64_t *slot = u64map_get(&x->searchers, (uint64_t)e + 1);
    struct search_memo *m = slot != NULL ? &x->search[*slot - 1] : NULL;
    if (sensitive) {
        if (ev->action == ACT_QUERY && ev->results > 1) {
            if (m == NULL) {
                x->search = xgrow(x->search, &x->cap_search, x->n_search + 1, sizeof *x->search);
                m = &x->search[x->n_search++];
                u64map_put(&x->searchers, (uint64_t)e + 1, x->n_search);
            }
            *m = (struct search_memo){ev->ts_ms, INT64_MIN, s, 0};
        }
        if (m != NULL && m->subject == s && ev->ts_ms - m->query_ms <= EXPLAIN_DETOUR_MS) {
            a->searched = 1;
            m->sensitive_ms = x->last_sensitive_ms = ev->ts_ms;
            m->day = a->local.day;
        }
        return;
    }
    if (m == NULL || m->sensitive_ms == INT64_MIN ||
        ev->ts_ms - m->sensitive_ms > EXPLAIN_DETOUR_MS)
        return;
    const struct subject *first = &x->ref->subj[m->subject];
    if (sj->surname != 0 && sj->surname == first->surname && sj->household != first->household)
        u64map_put(&x->detours, ref_pair(e, m->subject), (uint64_t)m->day + 1);
}

bool explain_detour(const struct explainer *x, uint32_t e, uint32_t s, int32_t day)
{
    const uint64_t *v = u64map_get(&x->detours, ref_pair(e, s));
    return v != NULL && (int64_t)*v == (int64_t)day + 1;
}

void explain_event(struct explainer *x, const struct event *ev, struct access *a)
{
    const struct ref *ref = x->ref;
    memset(a, 0, sizeof *a);
    a->person = REF_NONE;
    a->legit = REF_NONE;
    a->household = REF_NONE;
    a->link_weight = 1.0f;
    tz_local(x->tz, ev->ts_ms, &a->local);
    uint32_t e = ev->user;
    const struct employee *em = &ref->emp[e];

    /* Duty status applies to every action, logins included. */
    enum duty duty = duty_at(x, e, ev->ts_ms);
    a->off_duty = duty == DUTY_ABSENT ? 2 : duty == DUTY_OFF ? 1 : 0;

    if (ev->subject == REF_NONE)
        return;
    a->is_record = 1;
    uint32_t s = ev->subject;
    const struct subject *sj = &ref->subj[s];

    /* The persons behind a vehicle or address are walked only when the summary made at
     * load says one of them is an employee or in a case; otherwise the summary's flags
     * and region suffice. */
    uint32_t behind[MAX_BEHIND];
    size_t n_behind = 0;
    if (sj->type == ST_PERSON || sj->type == ST_NONE)
        behind[n_behind++] = s;
    else if (sj->behind_bits != 0)
        n_behind = ref_persons_behind(ref, s, behind, MAX_BEHIND);
    a->flags = sj->flags | sj->behind_flags;
    follow_search(x, ev, sj, a);
    uint32_t region = sj->region != 0 ? sj->region : sj->behind_region;
    bool home_known =
        em->region != 0 && em->region < x->n_region_tokens && x->region_has_subjects[em->region];
    a->in_region = (region == 0 || !home_known) ? 2 : region == em->region;
    find_link(x, e, s, behind, n_behind, a);
    if (sj->type == ST_PERSON || sj->type == ST_VEHICLE || sj->type == ST_ADDRESS) {
        a->household = household_of(x, sj, s);
        note_looker(x, a->household, e, a->local.day);
    }
    if (ev->action == ACT_MODIFY && sj->type == ST_CASE)
        note_case_write(x, ev, a->local.day); /* before the typed number is judged */

    /* Explanation routes, strongest first. `until`: the membership and linked routes will
     * explain this user's lookups of this record up to then anyway (reference data does
     * not change within a run), so the follow-up memory is written only for what reaches
     * beyond: most case work is on open cases, and that write is a cache miss. */
    uint64_t pair = ref_pair(e, s);
    int64_t until = INT64_MIN;
    enum explain_route unlisted = EX_NONE;
    if (ev->legit != REF_NONE) {
        a->legit = resolve_typed(x, ev->legit, e);
        a->bogus = (uint8_t)check_typed(x, ev, a, &unlisted);
        if (a->bogus == BOGUS_NONE) {
            a->route = EX_CASE_TYPED;
            if (ref_case_has(ref, a->legit, s))
                until = case_until(x, &ref->cases[a->legit]);
        }
    }
    if (a->route == EX_NONE && member_of_case_holding(x, e, s, ev->ts_ms, false, &until))
        a->route = EX_CASE_MEMBER;
    if (a->route == EX_NONE && sj->type != ST_PERSON) {
        for (size_t k = 0; k < n_behind; k++)
            if (member_of_case_holding(x, e, behind[k], ev->ts_ms, false, &until))
                a->route = EX_CASE_LINKED;
    }
    if (a->route == EX_NONE && sj->type == ST_PERSON && sj->rel_n > 0 && e < x->n_investigates &&
        x->investigates[e] && !own_or_sensitive(a) &&
        relative_in_investigation(x, e, s, ev->ts_ms, &until))
        a->route = EX_CASE_RELATION;
    if (a->route == EX_NONE && a->link == LINK_COLLEAGUE && em->role == ROLE_INTEGRITY &&
        !(a->flags & SF_VIP) && integrity_unit(x, e, a->person, ev->ts_ms, &until))
        a->route = EX_INTEGRITY_UNIT;
    if (a->route == EX_NONE)
        a->route = unlisted; /* EX_NONE unless BOGUS_UNLISTED */
    if (a->route == EX_NONE && a->bogus == BOGUS_NOT_IN_CASE && is_case_work(x, ev, a))
        a->route = EX_CASE_WORK;
    uint8_t role = em->role;
    bool routine_ok = !personal_or_sensitive(a) && routine_for(x, role, ev->system, sj->type);
    if (a->route != EX_NONE) {
        if (until == INT64_MIN || until - ev->ts_ms < x->cfg.follow_up_ms)
            u64map_put(&x->last_case_access, pair, (uint64_t)ev->ts_ms);
    } else if (routine_ok && !(a->flags & SF_CRIMINAL)) {
        /* Nothing an indicator looks at: routine, without consulting the (large)
         * follow-up memory, which saves a cache miss on most events. */
        a->route = EX_ROUTINE;
    } else {
        uint64_t *last = u64map_get(&x->last_case_access, pair);
        if (last != NULL && ev->ts_ms - (int64_t)*last <= x->cfg.follow_up_ms)
            a->route = EX_FOLLOW_UP;
        else if (routine_ok)
            a->route = EX_ROUTINE;
    }

    /* Learn the role profile after judging, so the judgement only uses the past. */
    if (ev->system >= x->n_combo_systems) {
        size_t n = (size_t)ev->system + 8;
        x->combo = xrealloc(x->combo, n * sizeof *x->combo);
        memset(x->combo + x->n_combo_systems, 0, (n - x->n_combo_systems) * sizeof *x->combo);
        x->n_combo_systems = n;
    }
    x->combo[ev->system][role][sj->type & 7]++;
    x->role_events[role]++;
    x->role_criminal[role] += (a->flags & SF_CRIMINAL) != 0;
    x->counts.by_role_route[role][a->route]++;
}

const char *explain_route_name(enum explain_route r)
{
    static const char *const names[EX__COUNT] = {
        [EX_NONE] = "unexplained",
        [EX_CASE_TYPED] = "case_typed",
        [EX_CASE_MEMBER] = "case_member",
        [EX_CASE_LINKED] = "case_linked",
        [EX_CASE_RELATION] = "case_relation",
        [EX_CASE_UNIT] = "case_unit",
        [EX_CASE_WORK] = "case_work",
        [EX_CASE_WRITER] = "case_writer",
        [EX_INTEGRITY_UNIT] = "integrity_unit",
        [EX_FOLLOW_UP] = "follow_up",
        [EX_ROUTINE] = "routine",
    };
    return (unsigned)r < EX__COUNT ? names[r] : "unexplained";
}

const char *explain_bogus_name(enum bogus_kind b)
{
    switch (b) {
    case BOGUS_UNKNOWN_CASE:
        return "unknown_case";
    case BOGUS_CLOSED:
        return "closed_case";
    case BOGUS_NOT_MEMBER:
        return "not_a_member";
    case BOGUS_NOT_IN_CASE:
        return "subject_not_in_case";
    case BOGUS_UNLISTED:
        return "not_listed_own_unit";
    default:
        return "none";
    }
}
