/*
 * colleague.c - colleague_lookup: records of other police employees looked up without a
 * case. Doxing starts here: colleagues' home addresses and vehicles are what leaks.
 *
 * Integrity (VIK) staff look up colleagues as their job; when they work on the integrity
 * case that holds the record, or on one into the colleague's unit (EX_INTEGRITY_UNIT), the
 * access is explained before it reaches this indicator, and when it is common in their
 * role without a case, the peer discount applies.
 */
#include "indicators/indicator.h"

struct colleague_settings {
    struct ind_common common;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct colleague_settings, 0.8, 2.5, 90, 45, 0.2, 0.4),
    IND_VOLUME_NORM_PARAM(struct colleague_settings, 1),
};

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    (void)self;
    (void)settings;
    if (!a->is_record || a->link != LINK_COLLEAGUE || access_case_explained(a))
        return;
    const struct ref *ref = engine_ref(eng);
    const struct employee *me = &ref->emp[ev->user];
    const struct subject *who = &ref->subj[a->person];
    uint8_t note = ref->subj[ev->subject].type == ST_PERSON ? 0 : 1;
    if (who->employee != REF_NONE && ref->emp[who->employee].team == me->team && me->team != 0)
        note = 2;
    engine_signal(eng, ev, a->link_weight, a->person, note, 0);
}

static void describe(const void *settings, const struct ind_summary *s, struct sbuf *en,
                     struct sbuf *nl)
{
    (void)settings;
    char ken[96], knl[96];
    snprintf(ken, sizeof ken, "%u person records, %u vehicles or addresses, %u of the own team",
             s->note_counts[0], s->note_counts[1], s->note_counts[2]);
    snprintf(knl, sizeof knl, "%u persoonsregistraties, %u voertuigen of adressen, %u eigen team",
             s->note_counts[0], s->note_counts[1], s->note_counts[2]);
    sbuf_puts(en, "looked up colleagues (police employees) without a case: ");
    sbuf_puts(nl, "collega's (politiemedewerkers) geraadpleegd zonder zaak: ");
    describe_counts(s, ken, knl, en, nl);
}

const struct indicator ind_colleague_lookup = {
    .name = "colleague_lookup",
    .title_en = "Colleagues looked up",
    .title_nl = "Collega's geraadpleegd",
    .help = "Person records of other police employees, or their vehicles and addresses, "
            "looked up without a case. Integrity staff on the integrity case, or on one into the "
            "colleague's unit, are explained.",
    .notes = {"colleague", "colleague's vehicle or address", "colleague in own team"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct colleague_settings),
    .on_event = on_event,
    .describe = describe,
};
