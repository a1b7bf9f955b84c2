/*
 * neighbour.c - neighbour_lookup: people, vehicles and addresses in the employee's own
 * postcode (not the own household) looked up without a case.
 *
 * A patrol officer who works where they live will now and then check a neighbour's car
 * on the street; that is why vehicles weigh less than person records and why this
 * indicator is discounted when such hits are common in the role.
 */
#include "indicators/indicator.h"

struct neighbour_settings {
    struct ind_common common;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct neighbour_settings, 0.8, 3.0, 120, 60, 0.3, 0.3),
};

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    (void)self;
    (void)settings;
    if (!a->is_record || a->link != LINK_NEIGHBOUR || access_case_explained(a))
        return;
    const struct subject *sj = &engine_ref(eng)->subj[ev->subject];
    bool person = sj->type == ST_PERSON;
    engine_signal(eng, ev, person ? 1.0f : 0.5f, a->person, person ? 0 : 1, 0);
}

static void describe(const void *settings, const struct ind_summary *s, struct sbuf *en,
                     struct sbuf *nl)
{
    (void)settings;
    char ken[64], knl[64];
    snprintf(ken, sizeof ken, "%u of persons, %u of vehicles or addresses", s->note_counts[0],
             s->note_counts[1]);
    snprintf(knl, sizeof knl, "%u van personen, %u van voertuigen of adressen", s->note_counts[0],
             s->note_counts[1]);
    sbuf_puts(en, "looked up neighbours (same postcode) without a case: ");
    sbuf_puts(nl, "buren (zelfde postcode) geraadpleegd zonder zaak: ");
    describe_counts(s, ken, knl, en, nl);
}

const struct indicator ind_neighbour_lookup = {
    .name = "neighbour_lookup",
    .title_en = "Neighbours looked up",
    .title_nl = "Buren geraadpleegd",
    .help = "People living in the employee's own postcode (not the own household), or their "
            "vehicles and addresses, looked up without a case.",
    .notes = {"neighbour", "neighbour's vehicle or address"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct neighbour_settings),
    .on_event = on_event,
    .describe = describe,
};
