/*
 * offduty.c - off_duty: record lookups during leave or sickness, or well outside the
 * rostered shift (local time).
 *
 * Overtime is normal, so the explainer already widens every shift by a margin; an
 * employee without a roster near the moment is never judged off duty. Case work done
 * off duty counts for little; lookups outside any case count fully. One signal key per
 * local day, so a long evening counts as one day with a small repeat bonus.
 */
#include "indicators/indicator.h"

struct offduty_settings {
    struct ind_common common;
    double outside_shift_strength;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct offduty_settings, 0.7, 2.5, 60, 30, 0.2, 0.15),
    {"outside_shift_strength", PARAM_DOUBLE,
     offsetof(struct offduty_settings, outside_shift_strength), 0.6,
     "strength of a lookup outside the shift and its margin (on leave or sick: 1)"},
};

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    (void)self;
    const struct offduty_settings *cfg = settings;
    if (!a->is_record || a->off_duty == 0)
        return;
    float strength = a->off_duty == 2 ? 1.0f : (float)cfg->outside_shift_strength;
    if (access_case_explained(a))
        strength *= 0.25f;
    engine_signal(eng, ev, strength, (uint32_t)a->local.day, a->off_duty == 2 ? 0 : 1, 0);
}

static void describe(const void *settings, const struct ind_summary *s, struct sbuf *en,
                     struct sbuf *nl)
{
    (void)settings;
    sbuf_printf(en,
                "looked up records while off duty on %u days: %u lookups during leave or "
                "sickness, %u well outside the rostered shift",
                s->n_keys, s->note_counts[0], s->note_counts[1]);
    sbuf_printf(nl,
                "registraties geraadpleegd buiten dienst op %u dagen: %u tijdens verlof of "
                "ziekte, %u ruim buiten het rooster",
                s->n_keys, s->note_counts[0], s->note_counts[1]);
}

const struct indicator ind_off_duty = {
    .name = "off_duty",
    .title_en = "Off-duty use",
    .title_nl = "Gebruik buiten dienst",
    .help = "Record lookups while on leave or sick, or well outside the rostered shift "
            "(beyond the overtime margin), in local time.",
    .notes = {"during leave or sickness", "outside the rostered shift"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct offduty_settings),
    .on_event = on_event,
    .describe = describe,
};
