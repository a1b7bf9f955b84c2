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
 *
 * A public figure's car or house alone is checked on the street like any other. After the
 * figure's own record it is something else: the person, then where they live and what
 * they drive, is a profile being drawn. So a vehicle or address of the household of a
 * public figure whom the employee looked up without a case in the `profile_days` before
 * counts as a look at the figure (NOTE_PROFILE), weighed by region alike. A look reached
 * through a name search starts no profile: it may turn out a wrong click. (Counted from
 * the raw events of the eight altgen sets, 26 of 32 curious lookers of a public figure
 * looked up the household's car or address within a week, against 95 of the 488 patrol
 * officers who looked up a public figure for no case. Measured: eight altgen sets 253 ->
 * 255 alerted, 204 -> 206 found; this project's 19 sets and the three of session 21
 * unchanged; the first three of session 23 one false alert fewer.)
 */
#include "indicators/indicator.h"

#include <stdlib.h>

struct sensitive_settings {
    struct ind_common common;
    double minor_strength;
    double own_region_strength;
    double profile_days;
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
    {"profile_days", PARAM_DOUBLE, offsetof(struct sensitive_settings, profile_days), 7,
     "a vehicle or address of a public figure's household looked up within this many days "
     "after the figure's own record counts as a look at the figure (alone it is a plate "
     "check); 0: never"},
};

enum { NOTE_PUBLIC_FIGURE = 0, NOTE_SHIELDED = 1, NOTE_MINOR = 2, NOTE_PROFILE = 3 };

struct sensitive_state {
    struct held_signals held; /* accesses through a name search, until their day closes */
    /* ref_pair(employee, household) -> local day + 1 of the latest look at a public figure
     * of the household without a case */
    struct u64map figure_day;
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
    u64map_free(&ss->figure_day);
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
     * like any other car, unless it follows the figure's own record. */
    const struct subject *sj = &engine_ref(eng)->subj[ev->subject];
    uint8_t flags = sj->flags;
    float figure_strength = a->in_region == 1 ? (float)cfg->own_region_strength : 1.0f;
    uint64_t household_key = ref_pair(ev->user, a->household);
    float strength;
    uint8_t note;
    if (flags & SF_VIP) {
        strength = figure_strength;
        note = NOTE_PUBLIC_FIGURE;
        if (sj->type == ST_PERSON && a->household != REF_NONE && !a->searched)
            u64map_put(&ss->figure_day, household_key, (uint64_t)a->local.day + 1);
    } else if (flags & SF_SHIELDED) {
        strength = 1.0f;
        note = NOTE_SHIELDED;
    } else if ((flags & SF_MINOR) && a->route == EX_NONE) {
        strength = (float)cfg->minor_strength;
        note = NOTE_MINOR;
    } else if ((sj->behind_flags & SF_VIP) && a->household != REF_NONE && cfg->profile_days > 0) {
        const uint64_t *seen = u64map_get(&ss->figure_day, household_key);
        if (seen == NULL || (int64_t)a->local.day + 1 - (int64_t)*seen > cfg->profile_days)
            return;
        strength = figure_strength;
        note = NOTE_PROFILE;
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
    const uint32_t *n = s->note_counts;
    char ken[160], knl[160];
    snprintf(ken, sizeof ken,
             "%u public figure, %u shielded, %u minor, %u of the vehicle or address of a "
             "public figure looked up before",
             n[NOTE_PUBLIC_FIGURE], n[NOTE_SHIELDED], n[NOTE_MINOR], n[NOTE_PROFILE]);
    snprintf(knl, sizeof knl,
             "%u publiek figuur, %u afgeschermd, %u minderjarig, %u van voertuig of adres van "
             "een eerder geraadpleegd publiek figuur",
             n[NOTE_PUBLIC_FIGURE], n[NOTE_SHIELDED], n[NOTE_MINOR], n[NOTE_PROFILE]);
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
            "that holds them; not one opened by mistake in a search for a namesake. A public "
            "figure's car or address counts too when it follows the figure's own record within "
            "profile_days (a week): the profile of a person being drawn.",
    .notes = {"public figure", "shielded person", "minor",
              "vehicle or address of a public figure looked up before"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct sensitive_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .on_day_close = on_day_close,
    .describe = describe,
};
