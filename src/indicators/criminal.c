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
 */
#include "indicators/indicator.h"

struct criminal_settings {
    struct ind_common common;
    double own_region_strength;
    double unknown_region_strength;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct criminal_settings, 0.85, 5, 180, 120, 0.1, 0.25),
    IND_VOLUME_NORM_PARAM(struct criminal_settings, 1),
    {"own_region_strength", PARAM_DOUBLE, offsetof(struct criminal_settings, own_region_strength),
     0,
     "strength of a lookup in the employee's own region (other regions: 1): checks on "
     "local criminals' cars are everyday patrol work"},
    {"unknown_region_strength", PARAM_DOUBLE,
     offsetof(struct criminal_settings, unknown_region_strength), 0.3,
     "strength when the record's region or the employee's own region is unknown (national "
     "units)"},
};

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    (void)self;
    const struct criminal_settings *cfg = settings;
    if (!a->is_record || !(a->flags & SF_CRIMINAL) || access_case_explained(a))
        return;
    float strength = a->in_region == 0   ? 1.0f
                     : a->in_region == 2 ? (float)cfg->unknown_region_strength
                                         : (float)cfg->own_region_strength;
    engine_signal(eng, ev, strength, ev->subject, a->in_region, 0);
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    (void)settings;
    char ken[96], knl[96];
    snprintf(ken, sizeof ken, "%u in another region, %u in own region, %u region unknown",
             s->note_counts[0], s->note_counts[1], s->note_counts[2]);
    snprintf(knl, sizeof knl, "%u in andere regio, %u in eigen regio, %u regio onbekend",
             s->note_counts[0], s->note_counts[1], s->note_counts[2]);
    sbuf_puts(en, "looked up criminal-network records outside own cases: ");
    sbuf_puts(nl, "registraties uit het criminele netwerk geraadpleegd buiten eigen zaken: ");
    describe_counts(s, ken, knl, en, nl);
}

const struct indicator ind_criminal_network = {
    .name = "criminal_network",
    .title_en = "Criminal-network records",
    .title_nl = "Crimineel netwerk geraadpleegd",
    .help = "Records flagged criminal (or their vehicles and addresses) looked up outside the "
            "employee's cases, accumulated over months; other regions weigh most.",
    .notes = {"criminal record, other region", "criminal record, own region",
              "criminal record, region unknown"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct criminal_settings),
    .on_event = on_event,
    .describe = describe,
};
