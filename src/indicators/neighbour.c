/*
 * neighbour.c - neighbour_lookup: people, vehicles and addresses in the employee's own
 * postcode (not the own household) looked up without a case, keyed by household.
 *
 * A patrol officer who works where they live will now and then check a neighbour's car
 * on the street; that is why vehicles weigh less than person records and why this
 * indicator is discounted when such hits are common in the role.
 *
 * What is counted is households and days, not log lines. Such an accidental hit is one
 * moment of work: a query and the view that follows, maybe the keeper and the car, all on
 * one day. A private interest in the neighbours comes back: the same house on another day,
 * the address one week and the person living there the next. So every record (person,
 * vehicle, address) is resolved to its household (postcode and house number), the key of
 * the signal, and a household signals at most once per local day: more lookups of it on
 * the same day are the same look. The engine's repeat bonus then rewards coming back on
 * other days, and the role's normal level (and so the peer comparison) is not inflated by
 * how many log lines one look happens to leave in a given system.
 *
 * The first look of a day sets its weight (a car alone weighs half even if the keeper's
 * record follows: checking the car and then who owns it is the plate check itself).
 *
 * Shared attention is police work. When colleagues look the same household up around the
 * same days (an incident next door, a suspect on the street, a car the shift is looking
 * for), the employee's own look is most likely part of it, even without a case to show
 * for it. A private interest in the neighbours is one's own. So a look is held for
 * IND_NEAR_DAYS and then signals divided by (1 + the other employees whose latest look at the
 * household lies within IND_NEAR_DAYS of it), as private_fixation divides by its sharers.
 * Only the days around count, not all-time lookers: where the registry is small next to
 * the force, every household gathers lookers by chance over months, but seldom within a
 * week. (Measured on the eight altgen sets: 22 fewer alerts, one actor fewer found; on this
 * project's 19 sets 4 fewer alerts, two actors fewer found.)
 *
 * Where the look is made from matters too. On duty, a neighbour's car turns up in a plate
 * check on the street; off duty (on leave, sick, or well outside the shift: the explainer's
 * access.off_duty) there is no street and no call, the look is made from home, so it
 * counts `off_duty_factor` times (a signal can be at most twice a plain one). (Measured
 * on the eight altgen sets: 4 more neighbour actors found and no more false alerts; on
 * this project's 19 sets one more false alert; on three fresh altgen sets no change.
 * The same factor on colleague_lookup found one actor for five alerts and on
 * sensitive_subject none for two, so they keep weighing a look alike on and off duty.)
 *
 * A neighbour looked up under the number of the employee's own open investigation, one
 * that does not list the record, is registered under the case (someone the record list
 * leaves out) and weighs `own_case_strength`, as colleague_lookup and private_fixation
 * weigh such lookups; bogus_legitimation still counts the number. (Measured: on the eight
 * altgen sets 254 -> 252 alerted, the first three of session 23 124 -> 123, false alerts
 * of two detectives and an analyst on sets without relations.csv, none found fewer; this
 * project's 19 sets, the three of session 21, the last three of session 23 and the three
 * of session 24 unchanged.)
 *
 * Cost per neighbour access: one hash lookup (employee-household day; the household is
 * numbered at load, subject.household); memory: one entry per (employee, household) pair
 * that ever signalled, and the looks of the last IND_NEAR_DAYS days.
 */
#include "indicators/indicator.h"

#include <stdlib.h>

struct neighbour_settings {
    struct ind_common common;
    double off_duty_factor;
    double own_case_strength;
};

static const struct ind_param params[] = {
    /* repeat_bonus 0.6: with one signal per household and day, a repeat is a return on
     * another day, the mark of a private interest, so it weighs more than elsewhere. */
    IND_COMMON_PARAMS(struct neighbour_settings, 0.8, 3.0, 120, 60, 0.3, 0.6),
    {"off_duty_factor", PARAM_DOUBLE, offsetof(struct neighbour_settings, off_duty_factor), 2,
     "factor for a look while off duty (from home, not a plate check on the street; a "
     "signal counts at most twice)"},
    IND_OWN_CASE_PARAM(struct neighbour_settings, "weight of a look at a neighbour"),
};

/* Signal notes: what was looked up, whether off duty, whether under an own
 * investigation's number and whether colleagues looked the household up around it (set
 * when the held look is judged), bits of their own. */
enum { NOTE_PERSON = 0, NOTE_THING = 1, NOTE_OFF_DUTY = 2, NOTE_OWN_CASE = 4, NOTE_SHARED = 8 };

struct neighbour_state {
    struct u64map last_day;   /* ref_pair(employee, household) -> last local day signalled */
    struct held_signals held; /* keyed by household */
};

static void *create(const void *settings, const struct ref *ref)
{
    (void)settings;
    (void)ref;
    return xcalloc(1, sizeof(struct neighbour_state));
}

static void destroy(void *self)
{
    struct neighbour_state *ns = self;
    u64map_free(&ns->last_day);
    held_free(&ns->held);
    free(ns);
}

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    struct neighbour_state *ns = self;
    const struct neighbour_settings *cfg = settings;
    if (!a->is_record || access_case_explained(a))
        return;
    const struct ref *ref = engine_ref(eng);
    const struct subject *sj = &ref->subj[ev->subject];
    if (a->link != LINK_NEIGHBOUR) {
        /* A colleague who lives in the same street is still a neighbour: the explainer
         * names the stronger link (colleague), colleague_lookup judges that side, and the
         * household still counts here, so the run of neighbour lookups is not cut in two. */
        const struct employee *em = &ref->emp[ev->user];
        if (a->link != LINK_COLLEAGUE || em->postcode == 0 || sj->postcode != em->postcode ||
            sj->house == 0 || sj->house == em->house)
            return;
    }
    /* Either way the record has a postcode and house number, so a household. */
    uint32_t h = sj->household;
    if (h == REF_NONE)
        return;
    if (!ind_first_of_day(&ns->last_day, ref_pair(ev->user, h), a->local.day))
        return;
    bool person = sj->type == ST_PERSON;
    float strength = person ? 1.0f : 0.5f;
    if (a->off_duty)
        strength *= (float)cfg->off_duty_factor;
    bool own_case = access_under_own_investigation(ref, a);
    if (own_case)
        strength *= (float)cfg->own_case_strength;
    held_push(&ns->held, ev, a->local.day, strength, h,
              (person ? NOTE_PERSON : NOTE_THING) | (a->off_duty ? NOTE_OFF_DUTY : 0) |
                  (own_case ? NOTE_OWN_CASE : 0),
              0);
}

static float judge(const struct engine *eng, struct held_signal *look, const void *settings)
{
    (void)settings;
    unsigned others = explain_others_near(engine_explainer(eng), look->key, look->ev.user,
                                          look->day, IND_NEAR_DAYS, false);
    if (others > 0)
        look->note |= NOTE_SHARED;
    return look->strength / (float)(1 + others);
}

static void on_day_close(void *self, const void *settings, struct engine *eng, int32_t day)
{
    struct neighbour_state *ns = self;
    held_release(&ns->held, eng, day, IND_NEAR_DAYS, judge, settings);
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    (void)settings;
    const uint32_t *n = s->note_counts;
    unsigned persons = 0, things = 0, off = 0, own = 0, shared = 0;
    for (int note = 0; note < IND_NOTES; note++) {
        *((note & NOTE_THING) ? &things : &persons) += n[note];
        off += (note & NOTE_OFF_DUTY) ? n[note] : 0;
        own += (note & NOTE_OWN_CASE) ? n[note] : 0;
        shared += (note & NOTE_SHARED) ? n[note] : 0;
    }
    char ken[256], knl[256];
    snprintf(ken, sizeof ken,
             "%u of persons, %u of vehicles or addresses, %u off duty, %u under the number of "
             "an own investigation, %u of a household colleagues looked up too (the last two "
             "weigh less)",
             persons, things, off, own, shared);
    snprintf(knl, sizeof knl,
             "%u van personen, %u van voertuigen of adressen, %u buiten dienst, %u onder het "
             "nummer van een eigen onderzoek, %u van een huishouden dat collega's ook "
             "raadpleegden (de laatste twee wegen minder)",
             persons, things, off, own, shared);
    sbuf_printf(en,
                "looked up neighbours (same postcode) without a case, counted once per "
                "household and day, more when off duty, and for less where colleagues looked "
                "the household up within %d days: ",
                IND_NEAR_DAYS);
    sbuf_printf(nl,
                "buren (zelfde postcode) geraadpleegd zonder zaak, geteld eenmaal per "
                "huishouden en dag, zwaarder buiten dienst, en voor minder waar collega's het "
                "huishouden binnen %d dagen ook raadpleegden: ",
                IND_NEAR_DAYS);
    describe_counts(s, ken, knl, en, nl);
}

const struct indicator ind_neighbour_lookup = {
    .name = "neighbour_lookup",
    .title_en = "Neighbours looked up",
    .title_nl = "Buren geraadpleegd",
    .help = "People living in the employee's own postcode (not the own household), or their "
            "vehicles and addresses, looked up without a case; counted per household, at most "
            "once a day, so coming back to a household on other days is what weighs. A look "
            "while off duty is made from home, not in a plate check on the street, and weighs "
            "double. A look at a household that colleagues look up around the same days (an "
            "incident next door) weighs less: shared attention is police work. So does a look "
            "under the number of the employee's own investigation that does not list the "
            "record.",
    .notes = {"neighbour", "neighbour's vehicle or address", "neighbour, off duty",
              "neighbour's vehicle or address, off duty", "neighbour, under an own investigation",
              "neighbour's vehicle or address, under an own investigation",
              "neighbour, off duty, under an own investigation",
              "neighbour's vehicle or address, off duty, under an own investigation",
              "neighbour, shared", "neighbour's vehicle or address, shared",
              "neighbour, off duty, shared", "neighbour's vehicle or address, off duty, shared",
              "neighbour, under an own investigation, shared",
              "neighbour's vehicle or address, under an own investigation, shared",
              "neighbour, off duty, under an own investigation, shared",
              "neighbour's vehicle or address, off duty, under an own investigation, shared"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct neighbour_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .on_day_close = on_day_close,
    .describe = describe,
};
