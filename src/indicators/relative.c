/*
 * relative.c - relative_lookup: records of family, household members and (ex-)partners
 * looked up without a case.
 *
 * The relation comes from relations.csv (both directions) or, without that file, from a
 * shared address (household) and a shared rare surname (a namesake, weighted by how rare
 * the surname is: a "Jansen" proves nothing, a surname shared with four people does).
 * Vehicles and addresses of relatives count, a little less than their person records.
 * There is no peer discount: looking up one's own family is never part of a role's work.
 * One unexplained lookup of a parent, child, sibling, partner or household member is
 * enough for an alert (half_mass 0.85 puts a single 0.8-strength signal at the threshold):
 * the sources name it as misuse in itself; a stranger sharing a common surname is not a
 * relative and never signals.
 */
#include "indicators/indicator.h"

struct relative_settings {
    struct ind_common common;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct relative_settings, 0.85, 0.85, 120, 60, 1.0, 0.3),
};

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    (void)self;
    (void)settings;
    if (!a->is_record || access_case_explained(a))
        return;
    float strength;
    uint8_t note;
    if (a->link == LINK_RELATIVE) {
        switch (a->relation) {
        case REL_PARTNER:
        case REL_EX_PARTNER:
            strength = 1.0f;
            break;
        case REL_HOUSEHOLD:
            strength = 0.9f;
            break;
        case REL_OTHER:
            strength = 0.7f;
            break;
        default:
            strength = 0.8f;
        }
        note = a->relation;
    } else if (a->link == LINK_NAMESAKE) {
        strength = 0.6f * a->link_weight;
        note = 7;
    } else {
        return;
    }
    const struct ref *ref = engine_ref(eng);
    if (ev->subject != REF_NONE && ref->subj[ev->subject].type != ST_PERSON)
        strength *= 0.8f;
    engine_signal(eng, ev, strength, a->person != REF_NONE ? a->person : ev->subject, note, 0);
}

static void describe(const void *settings, const struct ind_summary *s, struct sbuf *en,
                     struct sbuf *nl)
{
    (void)settings;
    static const char *const rel_en[8] = {"partner", "ex-partner", "parent",   "child",
                                          "sibling", "household",  "relative", "same rare surname"};
    static const char *const rel_nl[8] = {
        "partner",   "ex-partner", "ouder",      "kind",
        "broer/zus", "huisgenoot", "familielid", "zelfde zeldzame achternaam"};
    struct sbuf ken = {0}, knl = {0};
    for (int i = 0; i < 8; i++) {
        if (s->note_counts[i] == 0)
            continue;
        sbuf_printf(&ken, "%s%s %u", ken.len ? ", " : "", rel_en[i], s->note_counts[i]);
        sbuf_printf(&knl, "%s%s %u", knl.len ? ", " : "", rel_nl[i], s->note_counts[i]);
    }
    sbuf_puts(en, "looked up relatives or household members without a case: ");
    sbuf_puts(nl, "familie of huisgenoten geraadpleegd zonder zaak: ");
    describe_counts(s, ken.buf, knl.buf, en, nl);
    sbuf_free(&ken);
    sbuf_free(&knl);
}

const struct indicator ind_relative_lookup = {
    .name = "relative_lookup",
    .title_en = "Relatives looked up",
    .title_nl = "Familie geraadpleegd",
    .help = "Records of the employee's family, household or (ex-)partner, or their vehicles "
            "and addresses, looked up without a case that explains it. From relations.csv, "
            "or from shared address and rare surname when that file is absent.",
    .notes = {"partner", "ex-partner", "parent", "child", "sibling", "household member", "relative",
              "same rare surname"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct relative_settings),
    .on_event = on_event,
    .describe = describe,
};
