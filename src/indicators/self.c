/*
 * self.c - self_lookup: the employee's own record, vehicle or address looked up.
 *
 * Not in itself a leak, but forbidden and a common first step ("what do they have on
 * me"); it weighs little alone and adds to other signals.
 */
#include "indicators/indicator.h"

struct self_settings {
    struct ind_common common;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct self_settings, 0.45, 1.5, 90, 45, 0.5, 0.3),
};

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    (void)self;
    (void)settings;
    if (!a->is_record || a->link != LINK_SELF || access_case_explained(a))
        return;
    bool person = engine_ref(eng)->subj[ev->subject].type == ST_PERSON;
    engine_signal(eng, ev, person ? 1.0f : 0.6f, ev->subject, person ? 0 : 1, 0);
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    (void)settings;
    sbuf_puts(en, "looked up own record, vehicle or address: ");
    sbuf_puts(nl, "eigen registratie, voertuig of adres geraadpleegd: ");
    describe_counts(s, NULL, NULL, en, nl);
}

const struct indicator ind_self_lookup = {
    .name = "self_lookup",
    .title_en = "Own record looked up",
    .title_nl = "Eigen registratie geraadpleegd",
    .help = "The employee's own person record, or the vehicle or address of the own "
            "household, looked up without a case.",
    .notes = {"own record", "own vehicle or address"},
    .family = "self",
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct self_settings),
    .on_event = on_event,
    .describe = describe,
};
