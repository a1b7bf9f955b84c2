/*
 * wave.c - curiosity_wave: one person looked up by many unrelated employees in a short
 * time, against that person's own baseline. Seen from the subject's side.
 *
 * Per subject a small window of recent lookers whose access no case explains (the team
 * that handles the person's case is never part of a wave). A wave is a number of distinct
 * such lookers within `window_hours` that chance does not explain: with thousands of
 * records looked up every day, a few lookers on one of them happen by chance somewhere
 * every day. So the threshold is a scan statistic: the smallest count k (at least
 * `min_lookers`) such that, with the expected lookers per record and window (the larger
 * of the record's own baseline and its class's rate), fewer than `false_waves` records of
 * the class would reach k by chance in a window. Public figures form their own small
 * class: where they are seldom looked up without a case, two curious colleagues from
 * different teams already make a wave; where such lookups are everyday, more are needed.
 * The count must also reach `baseline_mult` times the record's own baseline plus one.
 * Every looker in the wave gets a signal, the earlier ones too, all with the wave's group
 * id, so the alerts of one wave can be read together.
 *
 * Lookers must come from at least `min_lookers` different teams: colleagues of one desk
 * share their targets, which is work, not curiosity.
 *
 * Criminal records are left to criminal_network: analysts look them up in numbers by
 * design. For records other than public figures only person records and only accesses
 * that nothing explains (not even routine) count, with a higher minimum: a vehicle
 * checked by three patrols is a stolen car, and a person in last night's incident is
 * looked up by the next shift.
 */
#include "indicators/indicator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_LOOKERS = 64 };

struct wave_settings {
    struct ind_common common;
    double window_hours;
    double min_lookers;
    double min_lookers_other;
    double baseline_mult;
    double false_waves;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct wave_settings, 0.75, 1.25, 60, 30, 0.3, 0.3),
    {"window_hours", PARAM_DOUBLE, offsetof(struct wave_settings, window_hours), 72,
     "length of the window in which lookers are counted"},
    {"min_lookers", PARAM_DOUBLE, offsetof(struct wave_settings, min_lookers), 2,
     "fewest distinct unexplained lookers (from as many teams) that make a wave on a "
     "public figure; the scan statistic raises it where chance lookups are common"},
    {"min_lookers_other", PARAM_DOUBLE, offsetof(struct wave_settings, min_lookers_other), 5,
     "the same for any other person: people in incidents are looked up by colleagues who "
     "were not dispatched, so ordinary records need more"},
    {"baseline_mult", PARAM_DOUBLE, offsetof(struct wave_settings, baseline_mult), 3,
     "how many times the subject's usual lookers per window a wave must reach"},
    {"false_waves", PARAM_DOUBLE, offsetof(struct wave_settings, false_waves), 0.05,
     "expected chance waves per window over all subjects of a class that the threshold "
     "allows (the scan is corrected for testing every subject)"},
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

/* Subjects fall in two classes with their own chance rates: public figures, and all
 * other records. */
enum { CLASS_VIP, CLASS_OTHER, N_CLASSES };

struct wave_state {
    struct u64map by_subject;
    struct subject_wave *w;
    size_t n, cap;
    uint32_t next_wave;
    double class_size[N_CLASSES];      /* records in the class */
    uint64_t class_lookers[N_CLASSES]; /* looker arrivals seen */
    int64_t first_ms;
};

static void *create(const void *settings, const struct ref *ref)
{
    (void)settings;
    struct wave_state *ws = xcalloc(1, sizeof(struct wave_state));
    for (size_t s = 0; s < ref->n_subj; s++)
        ws->class_size[(ref->subj[s].flags & SF_VIP) ? CLASS_VIP : CLASS_OTHER] += 1;
    for (int c = 0; c < N_CLASSES; c++)
        if (ws->class_size[c] < 1)
            ws->class_size[c] = 1;
    ws->first_ms = INT64_MIN;
    return ws;
}

/* P(X >= k) for X ~ Poisson(lambda). */
static double poisson_tail(double lambda, uint32_t k)
{
    double term = exp(-lambda), below = 0;
    for (uint32_t i = 0; i < k; i++) {
        below += term;
        term *= lambda / (i + 1);
    }
    double tail = 1 - below;
    return tail < 0 ? 0 : tail;
}

/* The fewest distinct lookers in one window that chance explains less often than
 * `false_waves` times per window across the whole class: a scan statistic corrected for
 * testing every subject at once. `lambda` is the expected lookers per subject and window. */
static uint32_t wave_threshold(double lambda, double class_size, double false_waves,
                               uint32_t min_lookers)
{
    uint32_t k = min_lookers;
    while (k < MAX_LOOKERS && class_size * poisson_tail(lambda, k) > false_waves)
        k++;
    return k;
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
    if (!a->is_record || (a->flags & SF_CRIMINAL) || access_case_explained(a))
        return;
    const struct ref *ref = engine_ref(eng);
    const struct subject *sj = &ref->subj[ev->subject];
    if (sj->type != ST_PERSON)
        return; /* curiosity is about people; a celebrity's car is checked on the street */
    bool is_vip = (sj->flags & SF_VIP) != 0;
    if (!is_vip && a->route != EX_NONE)
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
    int cls = is_vip ? CLASS_VIP : CLASS_OTHER;
    if (ws->first_ms == INT64_MIN)
        ws->first_ms = ev->ts_ms;
    if (!seen) {
        ws->class_lookers[cls]++;
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
    uint32_t min_lookers = (uint32_t)(is_vip ? cfg->min_lookers : cfg->min_lookers_other);
    if (sw->n < min_lookers)
        return;
    bool any_new = false;
    for (uint32_t i = 0; i < sw->n && !any_new; i++)
        any_new = !sw->v[i].signalled;
    if (!any_new)
        return;
    double windows = (double)(ev->ts_ms - sw->first_seen_ms) / (double)window;
    double baseline = sw->aged_out / (windows > 1 ? windows : 1);
    double run_windows = (double)(ev->ts_ms - ws->first_ms) / (double)window;
    /* Records that events name but the reference files did not list belong to the
     * ordinary class too: they count in its rate, so they count in its size. */
    double class_size =
        is_vip ? ws->class_size[CLASS_VIP] : (double)ref->n_subj - ws->class_size[CLASS_VIP];
    if (class_size < 1)
        class_size = 1;
    /* The class rate leaves this subject out, so a wave does not raise its own bar. */
    uint64_t own = sw->n + sw->aged_out;
    uint64_t others = ws->class_lookers[cls] > own ? ws->class_lookers[cls] - own : 0;
    double chance =
        others / (run_windows > 1 ? run_windows : 1) / (class_size > 1 ? class_size - 1 : 1);
    double lambda = baseline > chance ? baseline : chance;
    uint32_t need = wave_threshold(lambda, class_size, cfg->false_waves, min_lookers);
    if (sw->n < need || sw->n < cfg->baseline_mult * baseline + 1)
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
    if (n_teams < min_lookers)
        return;
    if (sw->wave_id == 0 || ev->ts_ms - sw->wave_last_ms > window)
        sw->wave_id = ++ws->next_wave;
    sw->wave_last_ms = ev->ts_ms;
    for (uint32_t i = 0; i < sw->n; i++) {
        if (sw->v[i].signalled)
            continue;
        engine_signal(eng, &sw->v[i].ev, is_vip ? 1.0f : 0.6f, ev->subject, is_vip ? 0 : 1,
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
