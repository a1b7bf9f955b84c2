/*
 * bogus.c - bogus_legitimation: a case number typed in as the reason for a lookup that
 * does not hold up: it does not exist, the case is closed, the user does not work on it,
 * or it does not hold the record.
 *
 * A wrong number typed for a record the user does have a case for elsewhere is most
 * likely a slip, and counts for little. The number of an open case of the user's own unit
 * that holds the record but does not list the user is what a colleague helping out types
 * (membership lists are never complete): the explainer counts it as explained
 * (EX_CASE_UNIT) and it signals only faintly, so the analyst still sees it beside other
 * evidence but it never makes an alert by itself.
 */
#include "indicators/indicator.h"

struct bogus_settings {
    struct ind_common common;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct bogus_settings, 0.8, 2.5, 90, 45, 0.3, 0.3),
};

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    (void)self;
    (void)settings;
    if (!a->is_record || a->bogus == BOGUS_NONE)
        return;
    static const float strength[] = {
        [BOGUS_UNKNOWN_CASE] = 1.0f, [BOGUS_CLOSED] = 0.5f,   [BOGUS_NOT_MEMBER] = 0.8f,
        [BOGUS_NOT_IN_CASE] = 0.8f,  [BOGUS_UNLISTED] = 0.0f,
    };
    float s = strength[a->bogus];
    if (s == 0)
        return;
    if (access_case_explained(a))
        s *= 0.25f;
    engine_signal(eng, ev, s, ev->subject, a->bogus, 0);
}

static void describe(const void *settings, const struct ind_summary *s, struct sbuf *en,
                     struct sbuf *nl)
{
    (void)settings;
    char ken[192], knl[192];
    snprintf(ken, sizeof ken,
             "%u non-existent case, %u closed case, %u case of others, %u case without the record, "
             "%u case of own unit not listing the employee",
             s->note_counts[BOGUS_UNKNOWN_CASE], s->note_counts[BOGUS_CLOSED],
             s->note_counts[BOGUS_NOT_MEMBER], s->note_counts[BOGUS_NOT_IN_CASE],
             s->note_counts[BOGUS_UNLISTED]);
    snprintf(knl, sizeof knl,
             "%u niet-bestaande zaak, %u gesloten zaak, %u zaak van anderen, %u zaak zonder de "
             "registratie, %u zaak van eigen eenheid zonder de medewerker",
             s->note_counts[BOGUS_UNKNOWN_CASE], s->note_counts[BOGUS_CLOSED],
             s->note_counts[BOGUS_NOT_MEMBER], s->note_counts[BOGUS_NOT_IN_CASE],
             s->note_counts[BOGUS_UNLISTED]);
    sbuf_puts(en, "gave case numbers that do not explain the lookup: ");
    sbuf_puts(nl, "zaaknummers opgegeven die de raadpleging niet verklaren: ");
    describe_counts(s, ken, knl, en, nl);
}

const struct indicator ind_bogus_legitimation = {
    .name = "bogus_legitimation",
    .title_en = "Case number does not hold up",
    .title_nl = "Zaaknummer klopt niet",
    .help = "A case number given as the reason for a lookup that does not exist, is closed, "
            "is not the employee's, or does not hold the record.",
    .notes = {"", "case does not exist", "case closed", "not a member of the case",
              "record not in the case", "case of own unit, not listed as member"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct bogus_settings),
    .on_event = on_event,
    .describe = describe,
};
