/*
 * bogus.c - bogus_legitimation: a case number typed in as the reason for a lookup that
 * does not hold up: it does not exist, the case is closed, the user does not work on it,
 * or it does not hold the record.
 *
 * A wrong number typed for a record the user does have a case for elsewhere is most
 * likely a slip, and counts for little.
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
        [BOGUS_UNKNOWN_CASE] = 1.0f,
        [BOGUS_CLOSED] = 0.5f,
        [BOGUS_NOT_MEMBER] = 0.8f,
        [BOGUS_NOT_IN_CASE] = 0.8f,
    };
    float s = strength[a->bogus];
    if (access_case_explained(a))
        s *= 0.25f;
    engine_signal(eng, ev, s, ev->subject, a->bogus, 0);
}

static void describe(const void *settings, const struct ind_summary *s, struct sbuf *en,
                     struct sbuf *nl)
{
    (void)settings;
    char ken[128], knl[128];
    snprintf(ken, sizeof ken,
             "%u non-existent case, %u closed case, %u case of others, %u case without the record",
             s->note_counts[BOGUS_UNKNOWN_CASE], s->note_counts[BOGUS_CLOSED],
             s->note_counts[BOGUS_NOT_MEMBER], s->note_counts[BOGUS_NOT_IN_CASE]);
    snprintf(knl, sizeof knl,
             "%u niet-bestaande zaak, %u gesloten zaak, %u zaak van anderen, %u zaak zonder de "
             "registratie",
             s->note_counts[BOGUS_UNKNOWN_CASE], s->note_counts[BOGUS_CLOSED],
             s->note_counts[BOGUS_NOT_MEMBER], s->note_counts[BOGUS_NOT_IN_CASE]);
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
              "record not in the case"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct bogus_settings),
    .on_event = on_event,
    .describe = describe,
};
