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
 * How, per record access (no hash lookup for a record with an address, one more for the
 * rare private households):
 *   - the record is resolved to its household: the address (postcode, house number) of the
 *     person, of the vehicle's keeper, or the address itself, numbered at load
 *     (subject.household); records without an address
 *     stand alone;
 *   - every access, explained or not, makes the employee a looker of that household; the
 *     other lookers so far are the household's "sharers"; a household with more sharers
 *     than `max_sharers` is shared work and is not followed further;
 *   - an access that no case explains (typed, membership, linked, follow-up; routine for
 *     the role does not count: routine says the kind of lookup is everyday, not why this
 *     household) on a new local day extends the employee's run of days on the household;
 *     a pause longer than `gap_days` starts a new run;
 *   - from `min_days` distinct days on, every new day signals on the household with
 *     strength days / `full_days` (at most 1), divided by (1 + sharers): one colleague
 *     who also looked halves it, many make it vanish.
 *   The employee's own household is left to self_lookup.
 *
 * The engine's peer comparison does the rest: a role where such runs are common (a
 * neighbourhood officer's regular addresses) has a high normal level and a discount.
 * The sharers count is causal (lookers so far), so live and batch runs agree.
 *
 * Memory: a small looker list per address up to the highest numbered one looked up (an
 * array: no hashing per event), one map entry per record without an address; one map
 * entry per (employee, household) pair only for households that are still private.
 */
#include "indicators/indicator.h"

#include <stdlib.h>
#include <string.h>

struct fixation_settings {
    struct ind_common common;
    double min_days;
    double full_days;
    double gap_days;
    double max_sharers;
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
};

/* Packed state of one (employee, household) pair: the last local day with an unexplained
 * access (INT32_MIN: none yet) and the days in the current run. */
#define NO_DAY ((uint32_t)INT32_MIN)

static inline uint64_t pack(uint32_t last_day, uint32_t n_days)
{
    return (uint64_t)last_day | (uint64_t)n_days << 32;
}

/* The lookers of one household: up to MAX_LOOKERS distinct employees are told apart;
 * beyond that the household is shared work and never signals, so it needs no more. */
enum { MAX_LOOKERS = 4 };

struct household {
    uint32_t who[MAX_LOOKERS];
    uint8_t n; /* distinct lookers, MAX_LOOKERS + 1 meaning "more" */
};

/* Households are numbered: first the addresses the reference files name (subject.
 * household, numbered at load), then, from ref->n_households on, records without an
 * address, each its own household, numbered here as they are looked up. */
struct fixation_state {
    struct u64map lone;           /* subject index of a record without an address -> household */
    struct household *households; /* by household number; allocated up to the highest seen */
    size_t n_households, cap_households;
    uint32_t n_lone;
    struct u64map pair; /* ref_pair(employee, household) -> pack(...) */
};

static void *create(const void *settings, const struct ref *ref)
{
    (void)settings;
    (void)ref;
    return xcalloc(1, sizeof(struct fixation_state));
}

static void destroy(void *self)
{
    struct fixation_state *fs = self;
    u64map_free(&fs->lone);
    u64map_free(&fs->pair);
    free(fs->households);
    free(fs);
}

static struct household *household_of(struct fixation_state *fs, const struct ref *ref,
                                      const struct subject *sj, uint32_t s, uint32_t *index)
{
    uint32_t h = sj->household;
    if (h == REF_NONE) {
        uint64_t *slot = u64map_get(&fs->lone, (uint64_t)s + 1);
        if (slot == NULL) {
            u64map_put(&fs->lone, (uint64_t)s + 1, fs->n_lone);
            h = ref->n_households + fs->n_lone++;
        } else {
            h = (uint32_t)*slot;
            h += ref->n_households;
        }
    }
    if (h >= fs->n_households) {
        size_t old = fs->n_households;
        fs->households =
            xgrow(fs->households, &fs->cap_households, (size_t)h + 1, sizeof *fs->households);
        memset(fs->households + old, 0, ((size_t)h + 1 - old) * sizeof *fs->households);
        fs->n_households = (size_t)h + 1;
    }
    *index = h;
    return &fs->households[h];
}

/* Count employee `e` among the lookers of `h`. */
static void add_looker(struct household *h, uint32_t e)
{
    if (h->n > MAX_LOOKERS)
        return;
    for (uint8_t k = 0; k < h->n; k++)
        if (h->who[k] == e)
            return;
    if (h->n < MAX_LOOKERS)
        h->who[h->n] = e;
    h->n++;
}

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    struct fixation_state *fs = self;
    const struct fixation_settings *cfg = settings;
    if (!a->is_record)
        return;
    const struct subject *sj = &engine_ref(eng)->subj[ev->subject];
    if (sj->type != ST_PERSON && sj->type != ST_VEHICLE && sj->type != ST_ADDRESS)
        return;
    uint32_t hi;
    struct household *h = household_of(fs, engine_ref(eng), sj, ev->subject, &hi);
    add_looker(h, ev->user);
    /* Shared households can never signal: no per-employee state for them (most traffic). */
    double max_sharers = cfg->max_sharers < MAX_LOOKERS - 1 ? cfg->max_sharers : MAX_LOOKERS - 1;
    if ((double)(h->n - 1) > max_sharers)
        return;
    if (access_case_explained(a) || a->link == LINK_SELF)
        return;
    uint64_t *p = u64map_get(&fs->pair, ref_pair(ev->user, hi));
    if (p == NULL) {
        u64map_put(&fs->pair, ref_pair(ev->user, hi), pack(NO_DAY, 0));
        p = u64map_get(&fs->pair, ref_pair(ev->user, hi));
    }
    uint32_t last = (uint32_t)*p, n_days = (uint32_t)(*p >> 32);
    uint32_t day = (uint32_t)a->local.day;
    if (last == day)
        return;
    if (last == NO_DAY || (double)((int32_t)day - (int32_t)last) > cfg->gap_days)
        n_days = 1;
    else if (n_days < UINT32_MAX)
        n_days++;
    *p = pack(day, n_days);
    if ((double)n_days < cfg->min_days)
        return;
    double strength = cfg->full_days > 0 ? (double)n_days / cfg->full_days : 1.0;
    if (strength > 1)
        strength = 1;
    strength /= (double)h->n; /* 1 + the others who looked it up */
    uint8_t note = sj->type == ST_PERSON ? 0 : sj->type == ST_VEHICLE ? 1 : 2;
    engine_signal(eng, ev, (float)strength, hi, note, 0);
}

static void describe(const void *settings, const struct ind_summary *s, struct sbuf *en,
                     struct sbuf *nl)
{
    const struct fixation_settings *cfg = settings;
    char ken[128], knl[128];
    snprintf(ken, sizeof ken, "%u of persons, %u of vehicles, %u of addresses", s->note_counts[0],
             s->note_counts[1], s->note_counts[2]);
    snprintf(knl, sizeof knl, "%u van personen, %u van voertuigen, %u van adressen",
             s->note_counts[0], s->note_counts[1], s->note_counts[2]);
    sbuf_printf(en,
                "looked up the same private household again and again without a case, on "
                "%.0f or more distinct days, while no one else looked it up: ",
                cfg->min_days);
    sbuf_printf(nl,
                "hetzelfde privéhuishouden steeds opnieuw geraadpleegd zonder zaak, op %.0f of "
                "meer verschillende dagen, terwijl niemand anders het raadpleegde: ",
                cfg->min_days);
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
    .notes = {"person", "vehicle", "address"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct fixation_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .describe = describe,
};
