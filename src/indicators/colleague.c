/*
 * colleague.c - colleague_lookup: records of other police employees looked up without a
 * case. Doxing starts here: colleagues' home addresses and vehicles are what leaks.
 *
 * Integrity (VIK) staff look up colleagues as their job; when they work on the integrity
 * case that holds the record, or on one into the colleague's unit (EX_INTEGRITY_UNIT), the
 * access is explained before it reaches this indicator, and when it is common in their
 * role without a case, the peer discount applies.
 *
 * A colleague who is in an incident around the days of the lookup (hurt on duty, their
 * car in an accident, a call from their address) is looked up by officers who were not
 * dispatched to it, as anyone in an incident is (curiosity_wave's min_lookers_other). Such
 * a lookup weighs `incident_strength`. Measured on the altgen sets, whose false colleague
 * alerts had half their evidence on colleagues in an incident of the last or next three
 * days against 7% in the true ones: 241 -> 233 alerted, 160 found; three more altgen
 * seeds 100 -> 94, 66 found; this project's 19 sets alert on the same employees.
 *
 * A patrol officer checks a plate, and the keeper's record follows: who owns the car is
 * part of the plate check (neighbour_lookup weighs it so too). So a colleague's person
 * record looked up at most KEEPER_MS after the same employee looked up a car of theirs
 * weighs as the car did. (Measured: on the eight altgen sets 207 -> 203 alerted, 160 ->
 * 161 found, the false alerts gone being patrol officers' and students' plate checks;
 * three newer altgen sets 88 -> 86, 66 found; this project's 19 sets the same.)
 *
 * A colleague looked up under the number of the employee's own open investigation, one
 * that does not list them, weighs `own_case_strength`: the lookup is registered under the
 * case, and the colleague is most likely a relative or a witness of someone in it whom the
 * record list leaves out. Without relations.csv nothing else explains a detective's look
 * at a colleague who is a suspect's sister (with it, case_relation does). A number typed
 * as cover still shows: bogus_legitimation counts every number that does not hold the
 * record. (Measured: eight altgen sets 255 -> 254 alerted, the three of session 21 123 ->
 * 122, the last three of session 23 112 -> 111, the three of session 24 130 -> 129: six
 * false alerts of detectives and an analyst gone, two of other detectives come, none
 * found fewer; this project's 19 sets unchanged, the first three of session 23 the same
 * count. At 0 instead: one false alert more on the first three of session 23.)
 *
 * Shared attention within a team is the team's work. When team-mates (same unit and team)
 * look up the same colleague, or their car or address, around the same days, the
 * colleague most likely came up in what the team works on: a suspect's partner or a
 * witness who happens to be police. A private interest in a colleague is one's own. So a
 * lookup of a colleague outside the own team is held for IND_NEAR_DAYS and then weighs
 * 1 / (1 + the team-mates whose latest look at the colleague's household lies within
 * `team_days` of it), as neighbour_lookup divides by all colleagues around. A colleague of
 * the own team is not discounted: team-mates looking up one of their own is talk in the
 * team, not its work. (Measured, alerted / found before -> after: the eight altgen sets
 * 252 / 206 -> 249 / 205; this project's 19 sets 553 / 536 -> 551 / 535; the three of
 * session 21 120 / 87 -> 117 / 87; the first three of session 23 123 / 96 -> 121 / 97;
 * the last three of session 23 and the three of session 24 238 / 179 -> 230 / 183; three
 * new sets of session 25 152 / 125 -> 148 / 125. Of the 33 false alerts gone, 20 were
 * detectives'; with relations.csv case_relation explains a suspect's relative who is
 * police, but not a shielded one, and without it nothing does. Six new false alerts and
 * five colleague actors found came as the roles' normal levels fell; two actors were lost.
 * Counting team-mates at a colleague of the own team too: three actors fewer, two of whom
 * looked up a member of their own team.) A team is its unit and its name: team names
 * repeat across units ("A" of every basic team). Comparing names alone, two detectives of
 * one unit's "TGO3" looking up a colleague of another unit's "TGO3" counted as their own
 * team's and were not discounted. (With the unit: eight altgen sets 247 -> 245 alerted,
 * 206 found; the first three of session 23 119 -> 118; the three of session 25 150 / 126
 * -> 151 / 127; the rest unchanged.)
 *
 * Memory: one entry per (employee, colleague) whose car the employee looked up, and the
 * lookups of colleagues outside the own team of the last IND_NEAR_DAYS days.
 */
#include "indicators/indicator.h"

#include <stdlib.h>

/* How long after a look at a colleague's car their person record counts as its keeper's. */
#define KEEPER_MS (10 * 60 * 1000)

struct colleague_settings {
    struct ind_common common;
    double incident_strength;
    double incident_days;
    double own_case_strength;
    double team_days;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct colleague_settings, 0.8, 2.5, 90, 45, 0.2, 0.4),
    IND_VOLUME_NORM_PARAM(struct colleague_settings, 1),
    IND_INCIDENT_PARAMS(struct colleague_settings, "weight of a lookup of a colleague"),
    IND_OWN_CASE_PARAM(struct colleague_settings, "weight of a lookup of a colleague"),
    {"team_days", PARAM_DOUBLE, offsetof(struct colleague_settings, team_days), 7,
     "a lookup of a colleague outside the own team weighs 1 / (1 + the team-mates who looked "
     "the colleague's household up within this many days of it: work of the team); it is "
     "held 3 days to see them. 0: no discount, signalled at once"},
};

/* Signal notes: what was looked up, or why it weighs less. */
enum {
    NOTE_PERSON = 0,
    NOTE_THING = 1,
    NOTE_OWN_TEAM = 2,
    NOTE_INCIDENT = 3,
    NOTE_OWN_CASE = 4,
    NOTE_TEAM_SHARED = 5 /* set at release, when team-mates looked the colleague up too */
};

struct colleague_state {
    struct u64map car_looked; /* ref_pair(employee, colleague) -> time of a look at their car */
    struct held_signals held; /* outside the own team; context: the colleague's household */
};

static void *create(const void *settings, const struct ref *ref)
{
    (void)settings;
    (void)ref;
    return xcalloc(1, sizeof(struct colleague_state));
}

static void destroy(void *self)
{
    struct colleague_state *cs = self;
    u64map_free(&cs->car_looked);
    held_free(&cs->held);
    free(cs);
}

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    struct colleague_state *cs = self;
    const struct colleague_settings *cfg = settings;
    if (!a->is_record || a->link != LINK_COLLEAGUE || access_case_explained(a))
        return;
    const struct ref *ref = engine_ref(eng);
    const struct employee *me = &ref->emp[ev->user];
    const struct subject *who = &ref->subj[a->person];
    uint8_t type = ref->subj[ev->subject].type;
    uint8_t note = type == ST_PERSON ? NOTE_PERSON : NOTE_THING;
    bool own_team = who->employee != REF_NONE && ref_same_team(me, &ref->emp[who->employee]);
    if (own_team)
        note = NOTE_OWN_TEAM;
    float strength = a->link_weight;
    uint64_t pair = ref_pair(ev->user, a->person);
    if (type == ST_VEHICLE) {
        u64map_put(&cs->car_looked, pair, (uint64_t)ev->ts_ms);
    } else if (type == ST_PERSON) {
        const uint64_t *car = u64map_get(&cs->car_looked, pair);
        if (car != NULL && ev->ts_ms - (int64_t)*car <= KEEPER_MS)
            strength = EXPLAIN_COLLEAGUE_THING_WEIGHT;
    }
    if (access_in_incident(ref, ev, a, cfg->incident_days)) {
        strength *= (float)cfg->incident_strength;
        note = NOTE_INCIDENT;
    } else if (access_under_own_investigation(ref, a)) {
        strength *= (float)cfg->own_case_strength;
        note = NOTE_OWN_CASE;
    }
    if (cfg->team_days > 0 && !own_team && a->household != REF_NONE)
        held_push(&cs->held, ev, a->local.day, strength, a->person, note, a->household);
    else
        engine_signal(eng, ev, strength, a->person, note, 0);
}

static float judge(const struct engine *eng, struct held_signal *look, const void *settings)
{
    const struct colleague_settings *cfg = settings;
    unsigned team_mates = explain_others_near(engine_explainer(eng), look->context, look->ev.user,
                                              look->day, (int32_t)cfg->team_days, true);
    if (team_mates > 0)
        look->note = NOTE_TEAM_SHARED;
    return look->strength / (float)(1 + team_mates);
}

static void on_day_close(void *self, const void *settings, struct engine *eng, int32_t day)
{
    struct colleague_state *cs = self;
    held_release(&cs->held, eng, day, IND_NEAR_DAYS, judge, settings);
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    (void)settings;
    const uint32_t *n = s->note_counts;
    char ken[320], knl[320];
    snprintf(ken, sizeof ken,
             "%u person records, %u vehicles or addresses, %u of the own team, %u of a "
             "colleague in an incident, %u under the number of an own investigation that does "
             "not list them, %u of a colleague team-mates looked up too (the last three weigh "
             "less)",
             n[NOTE_PERSON], n[NOTE_THING], n[NOTE_OWN_TEAM], n[NOTE_INCIDENT], n[NOTE_OWN_CASE],
             n[NOTE_TEAM_SHARED]);
    snprintf(knl, sizeof knl,
             "%u persoonsregistraties, %u voertuigen of adressen, %u eigen team, %u van een "
             "collega in een incident, %u onder het nummer van een eigen onderzoek dat hen niet "
             "noemt, %u van een collega die teamgenoten ook raadpleegden (de laatste drie wegen "
             "minder)",
             n[NOTE_PERSON], n[NOTE_THING], n[NOTE_OWN_TEAM], n[NOTE_INCIDENT], n[NOTE_OWN_CASE],
             n[NOTE_TEAM_SHARED]);
    sbuf_puts(en, "looked up colleagues (police employees) without a case, for less where "
                  "team-mates looked the colleague up around the same days: ");
    sbuf_puts(nl, "collega's (politiemedewerkers) geraadpleegd zonder zaak, voor minder waar "
                  "teamgenoten de collega rond dezelfde dagen ook raadpleegden: ");
    describe_counts(s, ken, knl, en, nl);
}

const struct indicator ind_colleague_lookup = {
    .name = "colleague_lookup",
    .title_en = "Colleagues looked up",
    .title_nl = "Collega's geraadpleegd",
    .help = "Person records of other police employees, or their vehicles and addresses, "
            "looked up without a case. Integrity staff on the integrity case, or on one into the "
            "colleague's unit, are explained. A colleague who is in an incident around those "
            "days is looked up by officers not dispatched to it, and weighs less; so does one "
            "looked up under the number of the employee's own investigation that does not list "
            "them (a relative or witness of someone in it), and one outside the own team whom "
            "team-mates look up around the same days (work of the team).",
    .notes = {"colleague", "colleague's vehicle or address", "colleague in own team",
              "colleague in an incident", "colleague under an own investigation's number",
              "colleague team-mates looked up too"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct colleague_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .on_day_close = on_day_close,
    .describe = describe,
};
