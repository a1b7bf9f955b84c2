/*
 * criminal.c - criminal_network: records of known criminal-network members (and their
 * vehicles and addresses) looked up outside the employee's own cases, weighted up when
 * they lie in another region.
 *
 * This is the slow leak of the Assen case: a few lookups a week, on shift, mixed in with
 * normal work, for months. So the lookback is long and the decay slow, and it is the
 * accumulation of distinct records that counts. Intelligence analysts look up criminals
 * all day; the peer discount makes their normal volume weigh little, while the same
 * lookups by a student stand out.
 *
 * A lookup in a system where most of the role meets such records (a patrol officer's plate
 * checks on the street land on criminals' cars from other regions every week) weighs less
 * than one where hardly anyone of the role does (research at the desk): see shares.c.
 *
 * criminal_local, in the same file and family, is the leak to the criminals of the own
 * region: the same lookups of the own region's records, judged against the role's own
 * normal level of them. Local criminals come up in local work far more often than those
 * of other regions (a detective on the next desk's case, last night's incident), so its
 * weight is lower: it rarely alerts alone, unless the employee looks up far more of them
 * than the role does. One family: the two views of one leak count once in an alert.
 *
 * A criminal who is in an incident around those days (a shooting last night, a wanted
 * person on the run) is looked up by officers not dispatched to it, to know who is about,
 * as colleague_lookup and curiosity_wave find for anyone in an incident. Such a lookup
 * weighs `incident_strength`. The leak looks up members whom nothing brings to the fore:
 * with the everyday incident lookups weighing less, the role's normal level falls and
 * the lookups that nothing explains stand out. (Measured, alerted / found before ->
 * after: the eight altgen sets 249 / 205 -> 251 / 207; the first three of session 23
 * 121 / 97 -> 123 / 98; the last three of session 23 with the three of session 24 230 /
 * 183 -> 231 / 184; the three of session 25 148 / 125 -> 152 / 126; this project's 19
 * sets and the three of session 21 unchanged. Six criminal-leak actors found, one lost;
 * four false alerts more. Weighing 0.5 instead: 2 alerts and 2 found more in all; 0: 4
 * and 3; only for criminal_local, or within one day: 7 and 2, 6 and 2.)
 */
#include "indicators/indicator.h"

#include <stdlib.h>

/* Note codes: the record's region as access.in_region (0 other, 1 own, 2 unknown), plus
 * COMMON_NOTE in a system where most of the role meets such records, plus INCIDENT_NOTE
 * for a criminal in an incident around the lookup. */
enum { COMMON_NOTE = 3, INCIDENT_NOTE = 6 };

/* Both indicators' settings; criminal_local has no parameters for the regions (it takes
 * the own region only), so its table leaves those two fields alone. */
struct criminal_settings {
    struct ind_common common;
    double own_region_strength;
    double unknown_region_strength;
    int by_system;
    double everyday_share;
    double incident_strength;
    double incident_days;
};

#define BY_SYSTEM_PARAMS                                                                           \
    {"by_system", PARAM_BOOL, offsetof(struct criminal_settings, by_system), 1,                    \
     "weigh a lookup by how many of the role meet criminal records in the same system: 1 minus "   \
     "the share of the role's other active staff who met one there in the last 28 days (0: "       \
     "every lookup weighs 1)"},                                                                    \
    {                                                                                              \
        "everyday_share", PARAM_DOUBLE, offsetof(struct criminal_settings, everyday_share), 0.9,   \
            "above this share the system is where the whole role meets such records (plate "       \
            "checks on the street): lookups there are everyday work and not counted"               \
    }

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct criminal_settings, 0.85, 5, 180, 120, 0.1, 0.25),
    IND_VOLUME_NORM_PARAM(struct criminal_settings, 1),
    {"own_region_strength", PARAM_DOUBLE, offsetof(struct criminal_settings, own_region_strength),
     0,
     "strength of a lookup in the employee's own region (other regions: 1); 0 leaves them to "
     "criminal_local, which judges them against the role's own level of them"},
    {"unknown_region_strength", PARAM_DOUBLE,
     offsetof(struct criminal_settings, unknown_region_strength), 0.3,
     "strength when the record's region or the employee's own region is unknown (national "
     "units)"},
    BY_SYSTEM_PARAMS,
    IND_INCIDENT_PARAMS(struct criminal_settings, "weight of a lookup of a criminal"),
};

static const struct ind_param local_params[] = {
    IND_COMMON_PARAMS(struct criminal_settings, 0.7, 5, 180, 120, 0.1, 0.25),
    IND_VOLUME_NORM_PARAM(struct criminal_settings, 1),
    BY_SYSTEM_PARAMS,
    IND_INCIDENT_PARAMS(struct criminal_settings, "weight of a lookup of a criminal"),
};

static void *create(const void *settings, const struct ref *ref)
{
    (void)settings;
    (void)ref;
    return xcalloc(1, sizeof(struct ind_system_shares));
}

static void destroy(void *self)
{
    ind_shares_free(self);
    free(self);
}

/* A criminal record outside the employee's cases is held to be weighed at the day close.
 * `strength` by access.in_region. */
static void on_access(struct ind_system_shares *sh, const struct engine *eng,
                      const struct criminal_settings *cfg, const struct event *ev,
                      const struct access *a, const float strength[3])
{
    if (!a->is_record || !(a->flags & SF_CRIMINAL) || access_case_explained(a) || a->in_region > 2)
        return;
    if (strength[a->in_region] <= 0)
        return;
    const struct ref *ref = engine_ref(eng);
    bool incident = access_in_incident(ref, ev, a, cfg->incident_days);
    ind_shares_hold(sh, ref, ev, a->local.day,
                    strength[a->in_region] * (incident ? (float)cfg->incident_strength : 1.0f),
                    ev->subject, (uint8_t)(a->in_region + (incident ? INCIDENT_NOTE : 0)));
}

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    const struct criminal_settings *cfg = settings;
    on_access(self, eng, cfg, ev, a,
              (const float[3]){1.0f, (float)cfg->own_region_strength,
                               (float)cfg->unknown_region_strength});
}

static void on_day_close(void *self, const void *settings, struct engine *eng, int32_t day)
{
    const struct criminal_settings *cfg = settings;
    ind_shares_release(self, eng, day, cfg->by_system, cfg->everyday_share, COMMON_NOTE);
}

static void local_on_event(void *self, const void *settings, struct engine *eng,
                           const struct event *ev, const struct access *a)
{
    on_access(self, eng, settings, ev, a, (const float[3]){0, 1.0f, 0});
}

/* The lookups that weigh less (in systems where most of the role meets such records, of a
 * criminal in an incident), as a clause to append ("" when there are none). A note is
 * the region (note % 3), plus COMMON_NOTE, plus INCIDENT_NOTE. */
static void lighter_clause(const struct ind_summary *s, char *en, size_t n_en, char *nl,
                           size_t n_nl)
{
    uint32_t common = 0, incident = 0;
    for (int note = 0; note < IND_NOTES; note++) {
        common += note % INCIDENT_NOTE >= COMMON_NOTE ? s->note_counts[note] : 0;
        incident += note >= INCIDENT_NOTE ? s->note_counts[note] : 0;
    }
    en[0] = nl[0] = 0;
    if (common + incident == 0)
        return;
    snprintf(en, n_en,
             "%u in systems where most of the role meets such records, %u of a criminal in an "
             "incident of those days (both weigh less)",
             common, incident);
    snprintf(nl, n_nl,
             "%u in systemen waar het merendeel van de rol zulke registraties tegenkomt, %u van "
             "een crimineel in een incident van die dagen (beide wegen minder)",
             common, incident);
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    (void)settings;
    uint32_t by_region[3] = {0, 0, 0}; /* other, own, unknown */
    for (int note = 0; note < IND_NOTES; note++)
        by_region[note % COMMON_NOTE] += s->note_counts[note];
    char cen[192], cnl[192], ken[320], knl[320];
    lighter_clause(s, cen, sizeof cen, cnl, sizeof cnl);
    snprintf(ken, sizeof ken, "%u in another region, %u in own region, %u region unknown%s%s",
             by_region[0], by_region[1], by_region[2], cen[0] ? "; " : "", cen);
    snprintf(knl, sizeof knl, "%u in andere regio, %u in eigen regio, %u regio onbekend%s%s",
             by_region[0], by_region[1], by_region[2], cnl[0] ? "; " : "", cnl);
    sbuf_puts(en, "looked up criminal-network records outside own cases: ");
    sbuf_puts(nl, "registraties uit het criminele netwerk geraadpleegd buiten eigen zaken: ");
    describe_counts(s, ken, knl, en, nl);
}

static void local_describe(const void *self, const void *settings, const struct ind_summary *s,
                           struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    (void)settings;
    char cen[192], cnl[192];
    lighter_clause(s, cen, sizeof cen, cnl, sizeof cnl);
    sbuf_puts(en, "looked up criminal-network records of the own region outside own cases: ");
    sbuf_puts(nl, "registraties uit het criminele netwerk in de eigen regio geraadpleegd buiten "
                  "eigen zaken: ");
    describe_counts(s, cen[0] ? cen : NULL, cnl[0] ? cnl : NULL, en, nl);
}

#define CRIMINAL_NOTES                                                                             \
    {                                                                                              \
        "criminal record, other region", "criminal record, own region",                            \
            "criminal record, region unknown",                                                     \
            "criminal record, other region, in a system where the role meets many",                \
            "criminal record, own region, in a system where the role meets many",                  \
            "criminal record, region unknown, in a system where the role meets many",              \
            "criminal in an incident, other region", "criminal in an incident, own region",        \
            "criminal in an incident, region unknown",                                             \
            "criminal in an incident, other region, in a system where the role meets many",        \
            "criminal in an incident, own region, in a system where the role meets many",          \
            "criminal in an incident, region unknown, in a system where the role meets many"       \
    }

const struct indicator ind_criminal_network = {
    .name = "criminal_network",
    .title_en = "Criminal-network records",
    .title_nl = "Crimineel netwerk geraadpleegd",
    .help = "Records flagged criminal (or their vehicles and addresses) looked up outside the "
            "employee's cases, accumulated over months; other regions weigh most. A lookup in "
            "a system where most of the role meets such records (plate checks on the street) "
            "weighs less than one where hardly anyone of the role does (research at the desk), "
            "and so does a lookup of a criminal who is in an incident of those days.",
    .family = "criminal",
    .notes = CRIMINAL_NOTES,
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct criminal_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .on_day_close = on_day_close,
    .describe = describe,
};

const struct indicator ind_criminal_local = {
    .name = "criminal_local",
    .title_en = "Criminal-network records, own region",
    .title_nl = "Crimineel netwerk in eigen regio geraadpleegd",
    .help = "Records flagged criminal of the employee's own region (or their vehicles and "
            "addresses) looked up outside the employee's cases, accumulated over months and "
            "compared with the role's own normal level of them: the leak to local criminals. "
            "Weighed by system and by incidents as criminal_network is, and weighing less, as "
            "local criminals come up in local work. One family with criminal_network.",
    .family = "criminal",
    .notes = CRIMINAL_NOTES,
    .params = local_params,
    .n_params = sizeof local_params / sizeof *local_params,
    .settings_size = sizeof(struct criminal_settings),
    .create = create,
    .destroy = destroy,
    .on_event = local_on_event,
    .on_day_close = on_day_close,
    .describe = local_describe,
};
