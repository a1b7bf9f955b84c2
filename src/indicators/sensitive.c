/*
 * sensitive.c - sensitive_subject: public figures, shielded persons and minors looked up
 * without a case.
 *
 * A team that handles the public figure's case is explained by its membership; what is
 * left is curiosity. Minors turn up in ordinary incidents, so they weigh less.
 *
 * A public figure of the employee's own region weighs `own_region_strength`: a local
 * figure (a mayor, a local businessman) comes up in the local unit's work, incidents
 * that were not registered against them included, while someone at the other end of the
 * country has no such reason. Unknown regions count in full: no explanation is assumed.
 *
 * A search for a common name lists a public figure among hundreds of namesakes, often on
 * top. Opening them and then, within a minute or two, the namesake from another household
 * the search was for is a wrong click, not curiosity (explain_detour). The signal of a
 * sensitive record reached through a broad name search (access.searched) is therefore
 * held until its local day closes, and dropped if it was such a detour.
 */
#include "indicators/indicator.h"

#include <stdlib.h>

struct sensitive_settings {
    struct ind_common common;
    double minor_strength;
    double own_region_strength;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct sensitive_settings, 0.5, 1.5, 90, 45, 0.3, 0.3),
    {"minor_strength", PARAM_DOUBLE, offsetof(struct sensitive_settings, minor_strength), 0,
     "strength of an unexplained lookup of a minor (public figures and shielded persons: 1); "
     "off by default: minors turn up in everyday incidents"},
    {"own_region_strength", PARAM_DOUBLE, offsetof(struct sensitive_settings, own_region_strength),
     0.5,
     "strength of an unexplained lookup of a public figure of the employee's own region "
     "(other regions and unknown: 1); local figures come up in local work"},
};

struct sensitive_state {
    struct held_signals held; /* accesses through a name search, until their day closes */
};

static void *create(const void *settings, const struct ref *ref)
{
    (void)settings;
    (void)ref;
    return xcalloc(1, sizeof(struct sensitive_state));
}

static void destroy(void *self)
{
    struct sensitive_state *ss = self;
    held_free(&ss->held);
    free(ss);
}

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    struct sensitive_state *ss = self;
    const struct sensitive_settings *cfg = settings;
    if (!a->is_record || access_case_explained(a))
        return;
    /* The record's own flags: a public figure's household car is checked on the street
     * like any other car. */
    uint8_t flags = engine_ref(eng)->subj[ev->subject].flags;
    float strength;
    uint8_t note;
    if (flags & SF_VIP) {
        strength = a->in_region == 1 ? (float)cfg->own_region_strength : 1.0f;
        note = 0;
    } else if (flags & SF_SHIELDED) {
        strength = 1.0f;
        note = 1;
    } else if ((flags & SF_MINOR) && a->route == EX_NONE) {
        strength = (float)cfg->minor_strength;
        note = 2;
    } else {
        return;
    }
    if (a->searched)
        held_push(&ss->held, ev, a->local.day, strength, ev->subject, note, 0);
    else
        engine_signal(eng, ev, strength, ev->subject, note, 0);
}

static void on_day_close(void *self, const void *settings, struct engine *eng, int32_t day)
{
    struct sensitive_state *ss = self;
    held_release(&ss->held, eng, day, 0, held_judge_detour, settings);
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    (void)settings;
    char ken[96], knl[96];
    snprintf(ken, sizeof ken, "%u public figure, %u shielded, %u minor", s->note_counts[0],
             s->note_counts[1], s->note_counts[2]);
    snprintf(knl, sizeof knl, "%u publiek figuur, %u afgeschermd, %u minderjarig",
             s->note_counts[0], s->note_counts[1], s->note_counts[2]);
    sbuf_puts(en, "looked up sensitive persons without a case: ");
    sbuf_puts(nl, "gevoelige personen geraadpleegd zonder zaak: ");
    describe_counts(s, ken, knl, en, nl);
}

const struct indicator ind_sensitive_subject = {
    .name = "sensitive_subject",
    .family = "public_figure",
    .title_en = "Sensitive persons looked up",
    .title_nl = "Gevoelige personen geraadpleegd",
    .help = "Public figures (vip), shielded persons and minors looked up without a case "
            "that holds them; not one opened by mistake in a search for a namesake.",
    .notes = {"public figure", "shielded person", "minor"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct sensitive_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .on_day_close = on_day_close,
    .describe = describe,
};
