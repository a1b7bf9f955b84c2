/*
 * fixation.c - private_fixation: one private household (a person, their vehicles, their
 * address) looked up again and again, on many distinct days over weeks, without a case,
 * while nobody else in the force looks that household up at all.
 *
 * Why: an ex-partner, a new partner of the ex, a neighbour in a dispute, a love interest
 * has another surname and another address; without relations.csv nothing in the
 * reference data ties them to the employee. What is left is the pattern that hospital
 * record monitoring calls access without a treatment relationship: repeated access to one
 * patient by one employee while no one of the care team touches the record. Police work
 * on a household is shared work: an incident brings colleagues, a case brings a team, a
 * problem address is known to the whole basic team. A household that only this employee
 * ever looks up, without a case, on day after day, is a private interest.
 *
 * How, per record access (one hash lookup, only for the rare private households):
 *   - the record is resolved to its household: the address (postcode, house number) of the
 *     person, of the vehicle's keeper, or the address itself (access.household); records
 *     without an address stand alone;
 *   - every access, explained or not, makes the employee a looker of that household (the
 *     explainer keeps count, explain_lookers); the other lookers so far are the
 *     household's "sharers"; a household with more sharers than `max_sharers` is shared
 *     work and is not followed further;
 *   - an access that no case explains (typed, membership, linked, follow-up; routine for
 *     the role does not count: routine says the kind of lookup is everyday, not why this
 *     household) on a new local day extends the employee's run of days on the household;
 *     a pause longer than `gap_days` starts a new run;
 *   - from `min_days` distinct days on, every new day signals on the household with
 *     strength days / `full_days` (at most 1), divided by (1 + sharers): one colleague
 *     who also looked halves it, many make it vanish.
 *   The employee's own household is left to self_lookup, and the households of known
 *   criminals to criminal_network: analysts come back to them day after day by design.
 *
 * Without relations.csv, a household that shares the employee's surname is a possible
 * relative: parents and siblings keep the surname and live elsewhere, so the shared
 * address that makes a household member does not find them. A stranger's household is
 * rarely looked up privately on two days (on the generated sets 0.1 households per
 * employee); that it also carries the employee's surname is chance only in proportion to
 * how common the surname is in the employee's region. So such a household signals from
 * `namesake_min_days` on, with strength log(1 / share) / log(10000): a surname held by
 * 0.01% of the region's persons weighs 1, 0.1% 0.75, 1.4% 0.46; above `namesake_share` the
 * surname proves nothing and the household is treated as any other. A household in the
 * employee's own postcode is left to neighbour_lookup, which already counts it. (Measured
 * on five generated sets without relations.csv, whose 217 surnames are far more common
 * than real ones: 2 more relatives found, 1 more false alert; log(1000) found the same 2
 * with 3 more false alerts.)
 *
 * A household the employee has looked up under the number of their own open investigation,
 * one that does not list it, is registered under that case: a detective coming back to a
 * suspect's family that the record list leaves out (without relations.csv nothing else
 * explains it). From then on its days weigh `own_case_strength`; bogus_legitimation still
 * counts the number. (Measured: on the three altgen sets of session 21 122 -> 120 alerted,
 * the first three of session 23 127 -> 124, the last three 111 -> 110, the three of session
 * 24 129 -> 128, all false alerts of detectives on sets without relations.csv, none found
 * fewer; the eight altgen sets and this project's 19 unchanged. 0 instead: the same.)
 *
 * The engine's peer comparison does the rest: a role where such runs are common (a
 * neighbourhood officer's regular addresses) has a high normal level and a discount.
 * The sharers count is causal (lookers so far), so live and batch runs agree.
 *
 * Memory: one map entry per (employee, household) pair only for households that are still
 * private.
 */
#include "indicators/indicator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct fixation_settings {
    struct ind_common common;
    double min_days;
    double full_days;
    double gap_days;
    double max_sharers;
    double namesake_min_days;
    double namesake_share;
    double own_case_strength;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct fixation_settings, 0.8, 0.85, 120, 60, 0.3, 0),
    {"min_days", PARAM_DOUBLE, offsetof(struct fixation_settings, min_days), 4,
     "distinct days with unexplained lookups of one household before it signals"},
    {"full_days", PARAM_DOUBLE, offsetof(struct fixation_settings, full_days), 5,
     "distinct days at which the signal reaches full strength (fewer days weigh days / "
     "full_days)"},
    {"gap_days", PARAM_DOUBLE, offsetof(struct fixation_settings, gap_days), 60,
     "a pause this long without unexplained lookups of the household starts counting anew"},
    {"max_sharers", PARAM_DOUBLE, offsetof(struct fixation_settings, max_sharers), 1,
     "other employees who looked the household up (for any reason) above which it is not "
     "private: shared attention is police work"},
    {"namesake_min_days", PARAM_DOUBLE, offsetof(struct fixation_settings, namesake_min_days), 2,
     "without relations.csv: distinct days after which a household sharing the employee's "
     "surname signals"},
    {"namesake_share", PARAM_DOUBLE, offsetof(struct fixation_settings, namesake_share), 0.05,
     "without relations.csv: a surname held by more than this share of the persons of the "
     "employee's region is too common to suggest family"},
    IND_OWN_CASE_PARAM(struct fixation_settings,
                       "weight of the days of a household once looked up"),
};

/* Signal notes: the record's type (0 person, 1 vehicle, 2 address), plus NOTE_NAMESAKE for
 * a household with the employee's own surname, plus NOTE_OWN_CASE for one registered under
 * the employee's own investigation. */
enum { NOTE_NAMESAKE = 3, NOTE_OWN_CASE = 6 };

/* Packed state of one (employee, household) pair: the last local day with an unexplained
 * access (INT32_MIN: none yet), the days in the current run, and (OWN_CASE_BIT of the run)
 * whether the employee looked it up under their own investigation's number. */
#define NO_DAY ((uint32_t)INT32_MIN)
#define OWN_CASE_BIT 0x80000000u

static inline uint64_t pack(uint32_t last_day, uint32_t n_days)
{
    return (uint64_t)last_day | (uint64_t)n_days << 32;
}

struct fixation_state {
    struct u64map pair; /* ref_pair(employee, household) -> pack(...) */
    /* Without relations.csv: per employee of employees.csv, the weight of a household
     * with the employee's surname (0: the surname is unknown or too common). */
    float *namesake_weight;
    size_t n_namesake;
};

/* namesake_weight of every employee: the share of the persons of the employee's region
 * who carry the employee's surname, turned into a weight. One pass over the subjects,
 * counting only (surname, region) pairs that some employee has. */
static void weigh_surnames(struct fixation_state *fs, const struct fixation_settings *cfg,
                           const struct ref *ref)
{
    struct u64map holders = {0}, persons = {0};
    for (size_t e = 0; e < ref->n_emp; e++)
        if (ref->emp[e].surname != 0 && ref->emp[e].region != 0)
            u64map_put(&holders, ref_pair(ref->emp[e].surname, ref->emp[e].region), 0);
    for (size_t s = 0; s < ref->n_subj; s++) {
        const struct subject *sj = &ref->subj[s];
        if (sj->type != ST_PERSON || sj->region == 0)
            continue;
        uint64_t *n = u64map_get(&persons, sj->region);
        if (n == NULL)
            u64map_put(&persons, sj->region, 1);
        else
            ++*n;
        uint64_t *h = u64map_get(&holders, ref_pair(sj->surname, sj->region));
        if (h != NULL)
            ++*h;
    }
    fs->n_namesake = ref->n_emp;
    fs->namesake_weight = xcalloc(ref->n_emp ? ref->n_emp : 1, sizeof *fs->namesake_weight);
    for (size_t e = 0; e < ref->n_emp; e++) {
        const struct employee *em = &ref->emp[e];
        if (em->surname == 0 || em->region == 0)
            continue;
        uint64_t *h = u64map_get(&holders, ref_pair(em->surname, em->region));
        uint64_t *n = u64map_get(&persons, em->region);
        if (h == NULL || *h == 0 || n == NULL)
            continue;
        double share = (double)*h / (double)*n;
        if (share > cfg->namesake_share)
            continue;
        double w = log(1.0 / share) / log(10000.0);
        fs->namesake_weight[e] = (float)(w > 1 ? 1 : w);
    }
    u64map_free(&holders);
    u64map_free(&persons);
}

static void *create(const void *settings, const struct ref *ref)
{
    struct fixation_state *fs = xcalloc(1, sizeof(struct fixation_state));
    if (!ref->has_relations)
        weigh_surnames(fs, settings, ref);
    return fs;
}

static void destroy(void *self)
{
    struct fixation_state *fs = self;
    u64map_free(&fs->pair);
    free(fs->namesake_weight);
    free(fs);
}

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    struct fixation_state *fs = self;
    const struct fixation_settings *cfg = settings;
    if (a->household == REF_NONE)
        return; /* not a record of a person, vehicle or address */
    const struct subject *sj = &engine_ref(eng)->subj[ev->subject];
    uint32_t hi = a->household;
    unsigned lookers = explain_lookers(engine_explainer(eng), hi);
    /* Shared households can never signal: no per-employee state for them (most traffic). */
    double most = EXPLAIN_LOOKERS_MORE - 2;
    double max_sharers = cfg->max_sharers < most ? cfg->max_sharers : most;
    if ((double)(lookers - 1) > max_sharers)
        return;
    /* A criminal's household is police business, weighed by criminal_network. */
    if (access_case_explained(a) || a->link == LINK_SELF || (a->flags & SF_CRIMINAL))
        return;
    uint64_t key = ref_pair(ev->user, hi);
    uint64_t *p = u64map_get(&fs->pair, key);
    uint64_t state = p != NULL ? *p : pack(NO_DAY, 0);
    uint32_t last = (uint32_t)state, n_days = (uint32_t)(state >> 32) & ~OWN_CASE_BIT;
    uint32_t own = (uint32_t)(state >> 32) & OWN_CASE_BIT;
    if (access_under_own_investigation(engine_ref(eng), a))
        own = OWN_CASE_BIT;
    uint32_t day = (uint32_t)a->local.day;
    if (last == day) {
        if (p != NULL)
            *p = pack(last, n_days | own);
        return;
    }
    if (last == NO_DAY || (double)((int32_t)day - (int32_t)last) > cfg->gap_days)
        n_days = 1;
    else if (n_days < ~OWN_CASE_BIT)
        n_days++;
    if (p != NULL)
        *p = pack(day, n_days | own);
    else
        u64map_put(&fs->pair, key, pack(day, n_days | own));
    double strength = 0;
    if ((double)n_days >= cfg->min_days) {
        strength = cfg->full_days > 0 ? (double)n_days / cfg->full_days : 1.0;
        if (strength > 1)
            strength = 1;
    }
    uint8_t note = sj->type == ST_PERSON ? 0 : sj->type == ST_VEHICLE ? 1 : 2;
    float namesake = ev->user < fs->n_namesake ? fs->namesake_weight[ev->user] : 0;
    const struct employee *em = &engine_ref(eng)->emp[ev->user];
    if (namesake > strength && (double)n_days >= cfg->namesake_min_days && sj->surname != 0 &&
        sj->surname == em->surname && sj->postcode != em->postcode) {
        strength = namesake;
        note += NOTE_NAMESAKE;
    }
    if (own) {
        strength *= cfg->own_case_strength;
        note += NOTE_OWN_CASE;
    }
    if (strength <= 0)
        return;
    strength /= (double)lookers; /* 1 + the others who looked it up */
    engine_signal(eng, ev, (float)strength, hi, note, 0);
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    const struct fixation_settings *cfg = settings;
    const uint32_t *c = s->note_counts;
    uint32_t of_type[3] = {0}, namesakes = 0, own = 0;
    for (int note = 0; note < IND_NOTES; note++) {
        of_type[note % NOTE_NAMESAKE] += c[note];
        if (note % NOTE_OWN_CASE >= NOTE_NAMESAKE)
            namesakes += c[note];
        if (note >= NOTE_OWN_CASE)
            own += c[note];
    }
    /* Each clause on its own, then one snprintf each: no offsets into a filled buffer. */
    char name_en[96] = "", name_nl[96] = "", own_en[112] = "", own_nl[112] = "";
    if (namesakes > 0) {
        snprintf(name_en, sizeof name_en,
                 "; %u of a household with the employee's own uncommon surname", namesakes);
        snprintf(name_nl, sizeof name_nl,
                 "; %u van een huishouden met de eigen, weinig voorkomende achternaam", namesakes);
    }
    if (own > 0) {
        snprintf(own_en, sizeof own_en,
                 "; %u of a household looked up under the number of an own investigation "
                 "(weighs less)",
                 own);
        snprintf(own_nl, sizeof own_nl,
                 "; %u van een huishouden geraadpleegd onder het nummer van een eigen onderzoek "
                 "(weegt minder)",
                 own);
    }
    char ken[320], knl[320];
    snprintf(ken, sizeof ken, "%u of persons, %u of vehicles, %u of addresses%s%s", of_type[0],
             of_type[1], of_type[2], name_en, own_en);
    snprintf(knl, sizeof knl, "%u van personen, %u van voertuigen, %u van adressen%s%s", of_type[0],
             of_type[1], of_type[2], name_nl, own_nl);
    sbuf_printf(en,
                "looked up the same private household again and again without a case, on "
                "%.0f or more distinct days (%.0f for a household with the employee's own "
                "surname), while no one else looked it up: ",
                cfg->min_days, cfg->namesake_min_days);
    sbuf_printf(nl,
                "hetzelfde privéhuishouden steeds opnieuw geraadpleegd zonder zaak, op %.0f of "
                "meer verschillende dagen (%.0f bij een huishouden met de eigen achternaam), "
                "terwijl niemand anders het raadpleegde: ",
                cfg->min_days, cfg->namesake_min_days);
    describe_counts(s, ken, knl, en, nl);
}

const struct indicator ind_private_fixation = {
    .name = "private_fixation",
    .title_en = "Fixation on a private household",
    .title_nl = "Fixatie op een privéhuishouden",
    .help = "One private household (a person, their vehicles, their address) looked up on "
            "many distinct days without a case, while no one else in the force looks it up; "
            "the pattern of an ex-partner or other private interest when relations.csv does "
            "not say who the employee's people are.",
    .notes = {"person", "vehicle", "address", "person with own surname", "vehicle with own surname",
              "address with own surname", "person, under an own investigation",
              "vehicle, under an own investigation", "address, under an own investigation",
              "person with own surname, under an own investigation",
              "vehicle with own surname, under an own investigation",
              "address with own surname, under an own investigation"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct fixation_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .describe = describe,
};
