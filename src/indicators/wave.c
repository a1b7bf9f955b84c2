/*
 * wave.c - curiosity_wave: one person looked up by many unrelated employees in a short
 * time, against that person's own baseline. Seen from the subject's side.
 *
 * Per subject a small window of recent lookers whose access no case explains; a wave is
 * `min_lookers` distinct lookers within `window_hours`, and at least `baseline_mult`
 * times the subject's usual number of such lookers per window (learned from the
 * lookers that aged out of the window since the subject was first seen) plus one. Every
 * unexplained looker in the wave gets a signal, the earlier ones too, all with the wave's
 * group id, so the alerts of one wave can be read together. The team that handles the
 * person's case is explained by its membership and is never part of the wave.
 *
 * Lookers must come from at least `min_lookers` different teams: colleagues of one desk
 * share their targets, which is work, not curiosity.
 *
 * Criminal records are left to criminal_network: analysts look them up in numbers by
 * design. Routine traffic only counts for person records (a vehicle checked by three
 * patrols is a stolen car, not a celebrity).
 */
#include "indicators/indicator.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_LOOKERS = 64 };

struct wave_settings {
    struct ind_common common;
    double window_hours;
    double min_lookers;
    double baseline_mult;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct wave_settings, 0.75, 1, 60, 30, 0.3, 0.2),
    {"window_hours", PARAM_DOUBLE, offsetof(struct wave_settings, window_hours), 72,
     "length of the window in which lookers are counted"},
    {"min_lookers", PARAM_DOUBLE, offsetof(struct wave_settings, min_lookers), 3,
     "distinct unexplained lookers that make a wave"},
    {"baseline_mult", PARAM_DOUBLE, offsetof(struct wave_settings, baseline_mult), 3,
     "how many times the subject's usual lookers per window a wave must reach"},
};

struct looker {
    struct event ev;
    uint8_t signalled;
};

struct subject_wave {
    struct looker *v;
    uint32_t n, cap;
    uint32_t aged_out;
    uint32_t wave_id;
    int64_t first_seen_ms, wave_last_ms;
};

struct wave_state {
    struct u64map by_subject;
    struct subject_wave *w;
    size_t n, cap;
    uint32_t next_wave;
};

static void *create(const void *settings, const struct ref *ref)
{
    (void)settings;
    (void)ref;
    return xcalloc(1, sizeof(struct wave_state));
}

static void destroy(void *self)
{
    struct wave_state *ws = self;
    for (size_t i = 0; i < ws->n; i++)
        free(ws->w[i].v);
    free(ws->w);
    u64map_free(&ws->by_subject);
    free(ws);
}

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    struct wave_state *ws = self;
    const struct wave_settings *cfg = settings;
    if (!a->is_record || access_case_explained(a) || (a->flags & SF_CRIMINAL))
        return;
    const struct ref *ref = engine_ref(eng);
    if (a->route == EX_ROUTINE && ref->subj[ev->subject].type != ST_PERSON)
        return;
    uint64_t *slot = u64map_get(&ws->by_subject, (uint64_t)ev->subject + 1);
    struct subject_wave *sw;
    if (slot == NULL) {
        ws->w = xgrow(ws->w, &ws->cap, ws->n + 1, sizeof *ws->w);
        sw = &ws->w[ws->n];
        memset(sw, 0, sizeof *sw);
        sw->first_seen_ms = ev->ts_ms;
        u64map_put(&ws->by_subject, (uint64_t)ev->subject + 1, ws->n++);
    } else {
        sw = &ws->w[*slot];
    }
    int64_t window = (int64_t)(cfg->window_hours * 3600000.0);
    uint32_t keep = 0;
    for (uint32_t i = 0; i < sw->n; i++) {
        if (sw->v[i].ev.ts_ms >= ev->ts_ms - window)
            sw->v[keep++] = sw->v[i];
        else
            sw->aged_out++;
    }
    sw->n = keep;
    bool seen = false;
    for (uint32_t i = 0; i < sw->n && !seen; i++)
        seen = sw->v[i].ev.user == ev->user;
    if (!seen) {
        if (sw->n == MAX_LOOKERS) {
            memmove(sw->v, sw->v + 1, (sw->n - 1) * sizeof *sw->v);
            sw->n--;
            sw->aged_out++;
        }
        size_t cap = sw->cap;
        sw->v = xgrow(sw->v, &cap, sw->n + 1, sizeof *sw->v);
        sw->cap = (uint32_t)cap;
        sw->v[sw->n++] = (struct looker){*ev, 0};
    }
    double windows = (double)(ev->ts_ms - sw->first_seen_ms) / (double)window;
    double baseline = sw->aged_out / (windows > 1 ? windows : 1);
    if (sw->n < cfg->min_lookers || sw->n < cfg->baseline_mult * baseline + 1)
        return;
    /* Unrelated lookers: people of one team share their targets (an intelligence desk),
     * so a wave needs lookers from at least min_lookers different teams. */
    uint32_t teams[MAX_LOOKERS];
    uint32_t n_teams = 0;
    for (uint32_t i = 0; i < sw->n; i++) {
        const struct employee *em = &ref->emp[sw->v[i].ev.user];
        uint32_t t = em->team != 0 ? em->team : UINT32_MAX - sw->v[i].ev.user;
        bool dup = false;
        for (uint32_t k = 0; k < n_teams && !dup; k++)
            dup = teams[k] == t;
        if (!dup)
            teams[n_teams++] = t;
    }
    if (n_teams < cfg->min_lookers)
        return;
    if (sw->wave_id == 0 || ev->ts_ms - sw->wave_last_ms > window)
        sw->wave_id = ++ws->next_wave;
    sw->wave_last_ms = ev->ts_ms;
    bool vip = (a->flags & SF_VIP) != 0;
    for (uint32_t i = 0; i < sw->n; i++) {
        if (sw->v[i].signalled)
            continue;
        engine_signal(eng, &sw->v[i].ev, vip ? 1.0f : 0.6f, ev->subject, vip ? 0 : 1,
                      sw->wave_id);
        sw->v[i].signalled = 1;
    }
}

static void describe(const void *settings, const struct ind_summary *s, struct sbuf *en,
                     struct sbuf *nl)
{
    const struct wave_settings *cfg = settings;
    sbuf_printf(en,
                "took part in a curiosity wave: a person looked up by at least %.0f unrelated "
                "employees within %.0f hours, far above that person's usual; ",
                cfg->min_lookers, cfg->window_hours);
    sbuf_printf(nl,
                "deed mee aan een nieuwsgierigheidsgolf: een persoon die door minstens %.0f "
                "niet-betrokken medewerkers binnen %.0f uur is geraadpleegd, ver boven het "
                "gebruikelijke; ",
                cfg->min_lookers, cfg->window_hours);
    describe_counts(s, NULL, NULL, en, nl);
}

const struct indicator ind_curiosity_wave = {
    .name = "curiosity_wave",
    .title_en = "Curiosity wave",
    .title_nl = "Nieuwsgierigheidsgolf",
    .help = "The employee looked up a person who, in the same short window, was looked up by "
            "many other employees without a case, far beyond that person's own baseline "
            "(someone in the news). Alerts of one wave share a group id.",
    .notes = {"public figure in a wave", "person in a wave"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct wave_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .describe = describe,
};
