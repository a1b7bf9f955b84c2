/*
 * volume.c - volume_breadth: a day on which the employee looked up far more distinct
 * persons, or ran far more wildcard searches, than both their own usual days and the
 * busy days of peers in the same role.
 *
 * Judged per local day: the day's count must exceed the largest of an absolute floor,
 * `own_mult` times the employee's own median active day (once there is history) and the
 * role's `peer_quantile` day. Both baselines must be beaten, so a patrol officer's busy
 * night is compared with other patrol nights, and a quiet desk worker's one busy day is
 * not enough unless it is also busy for the role. Weak on its own by design.
 */
#include "indicators/daily.h"
#include "indicators/indicator.h"

#include <stdlib.h>
#include <string.h>

struct volume_settings {
    struct ind_common common;
    double min_distinct;
    double min_wildcards;
    double own_mult;
    double peer_quantile;
    double min_history_days;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct volume_settings, 0.4, 1.5, 30, 14, 0.3, 0),
    {"min_distinct", PARAM_DOUBLE, offsetof(struct volume_settings, min_distinct), 30,
     "distinct persons in a day below which volume is never unusual"},
    {"min_wildcards", PARAM_DOUBLE, offsetof(struct volume_settings, min_wildcards), 15,
     "wildcard searches in a day below which they are never unusual"},
    {"own_mult", PARAM_DOUBLE, offsetof(struct volume_settings, own_mult), 3,
     "how many times the own median day a day must exceed"},
    {"peer_quantile", PARAM_DOUBLE, offsetof(struct volume_settings, peer_quantile), 0.99,
     "quantile of the role's days a day must exceed"},
    {"min_history_days", PARAM_DOUBLE, offsetof(struct volume_settings, min_history_days), 5,
     "active days of own history before the own baseline is used"},
};

/* What every lookup touches comes first, in the cache line that prefetch fetches. */
struct vol_emp {
    uint32_t today_persons, today_wildcards;
    uint8_t touched;
    struct kept_event sample;
    struct daily_history persons, wildcards;
    struct daily_flags flagged; /* for describe() */
};

struct volume_state {
    struct vol_emp *emp;
    size_t n_emp;
    uint32_t *touched;
    size_t n_touched, cap_touched;
    struct u64map seen_today;
    struct daily_roles persons, wildcards;
};

static void *create(const void *settings, const struct ref *ref)
{
    (void)settings;
    (void)ref;
    return xcalloc(1, sizeof(struct volume_state));
}

static void destroy(void *self)
{
    struct volume_state *vs = self;
    free(vs->emp);
    free(vs->touched);
    u64map_free(&vs->seen_today);
    free(vs);
}

static struct vol_emp *vol_emp(struct volume_state *vs, uint32_t e)
{
    vs->emp = xgrow_zeroed(vs->emp, &vs->n_emp, (size_t)e + 1, sizeof *vs->emp);
    return &vs->emp[e];
}

static void prefetch(const void *self, const struct ref *ref, const struct event *ev)
{
    const struct volume_state *vs = self;
    if (ev->user < vs->n_emp)
        __builtin_prefetch(&vs->emp[ev->user]);
    /* The day's (employee, person) set is as large as the day's traffic. */
    if (ev->subject != REF_NONE && ref->subj[ev->subject].type == ST_PERSON)
        u64map_prefetch(&vs->seen_today, ref_pair(ev->user, ev->subject));
}

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    (void)settings;
    struct volume_state *vs = self;
    if (!a->is_record)
        return;
    const struct ref *ref = engine_ref(eng);
    bool person = ref->subj[ev->subject].type == ST_PERSON;
    if (!person && !ev->wildcard)
        return;
    struct vol_emp *ve = vol_emp(vs, ev->user);
    if (!ve->touched) {
        ve->touched = 1;
        vs->touched = xgrow(vs->touched, &vs->cap_touched, vs->n_touched + 1, sizeof(uint32_t));
        vs->touched[vs->n_touched++] = ev->user;
    }
    if (ev->wildcard)
        ve->today_wildcards++;
    if (person && u64map_put(&vs->seen_today, ref_pair(ev->user, ev->subject), 1)) {
        ve->today_persons++;
        ve->sample = kept_event_of(ev);
    }
}

/* The bar a day's figure must pass: the highest of `floor_value`, the own bar (own_mult
 * times the own median day, once there is history) and the role's bar (its quantile). */
struct bars {
    double own, role, bar;
};
static struct bars threshold(const struct volume_settings *cfg, const struct daily_history *own,
                             const struct daily_roles *roles, uint8_t role, double floor_value)
{
    struct bars b = {0, daily_roles_quantile(roles, role, cfg->peer_quantile, 50), floor_value};
    if (own->n >= cfg->min_history_days)
        b.own = cfg->own_mult * daily_history_median(own);
    if (b.own > b.bar)
        b.bar = b.own;
    if (b.role > b.bar)
        b.bar = b.role;
    return b;
}

static void on_day_close(void *self, const void *settings, struct engine *eng, int32_t day)
{
    struct volume_state *vs = self;
    const struct volume_settings *cfg = settings;
    const struct ref *ref = engine_ref(eng);
    for (size_t k = 0; k < vs->n_touched; k++) {
        uint32_t e = vs->touched[k];
        struct vol_emp *ve = &vs->emp[e];
        uint8_t role = ref->emp[e].role;
        struct bars tp = threshold(cfg, &ve->persons, &vs->persons, role, cfg->min_distinct);
        struct bars tw = threshold(cfg, &ve->wildcards, &vs->wildcards, role, cfg->min_wildcards);
        double ratio = 0;
        uint8_t note = 0;
        if (ve->today_persons > tp.bar)
            ratio = ve->today_persons / tp.bar;
        if (ve->today_wildcards > tw.bar && ve->today_wildcards / tw.bar > ratio) {
            ratio = ve->today_wildcards / tw.bar;
            note = 1;
        }
        if (ratio > 1 && ve->sample.id_len != 0) {
            double s = 0.4 + 0.2 * (ratio - 1);
            engine_signal_kept(eng, &ve->sample, (float)(s > 1 ? 1 : s), (uint32_t)day, note, 0);
            const struct bars *b = note ? &tw : &tp;
            daily_flags_add(&ve->flagged,
                            (struct daily_flag){day, note ? ve->today_wildcards : ve->today_persons,
                                                (uint32_t)b->bar, (uint32_t)b->own,
                                                (uint32_t)b->role, note});
        }
        daily_history_add(&ve->persons, ve->today_persons);
        daily_history_add(&ve->wildcards, ve->today_wildcards);
        daily_roles_add(&vs->persons, role, ve->today_persons);
        daily_roles_add(&vs->wildcards, role, ve->today_wildcards);
        ve->today_persons = ve->today_wildcards = 0;
        ve->touched = 0;
        ve->sample.id_len = 0;
    }
    vs->n_touched = 0;
    u64map_clear(&vs->seen_today);
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    const struct volume_settings *cfg = settings;
    sbuf_printf(en,
                "%u days with far more distinct persons (%u) or wildcard searches (%u) than both "
                "the own usual day (x%.0f median) and the role's busiest days (p%.0f)",
                s->n_keys, s->note_counts[0], s->note_counts[1], cfg->own_mult,
                100 * cfg->peer_quantile);
    sbuf_printf(nl,
                "%u dagen met veel meer verschillende personen (%u) of zoekopdrachten met "
                "jokertekens (%u) dan zowel de eigen gewone dag (x%.0f mediaan) als de drukste "
                "dagen in de rol (p%.0f)",
                s->n_keys, s->note_counts[0], s->note_counts[1], cfg->own_mult,
                100 * cfg->peer_quantile);
    const struct volume_state *vs = self;
    const struct daily_flag *top =
        vs != NULL && s->employee < vs->n_emp
            ? daily_flags_top(&vs->emp[s->employee].flagged, s->first_ms, s->last_ms)
            : NULL;
    if (top == NULL)
        return;
    char day[DATE_TEXT_SIZE];
    date_format(top->day, day);
    double floor_value = top->note ? cfg->min_wildcards : cfg->min_distinct;
    sbuf_printf(en,
                "; the most: %u %s on %s, over a bar of %u, the highest of %.0f, %.0f times the "
                "own median day (%u; 0 before %.0f days of history) and the role's busiest days "
                "(%u)",
                top->value, top->note ? "wildcard searches" : "distinct persons", day, top->bar,
                floor_value, cfg->own_mult, top->own, cfg->min_history_days, top->role);
    sbuf_printf(nl,
                "; de meeste: %u %s op %s, boven een drempel van %u, de hoogste van %.0f, %.0f "
                "keer de eigen mediane dag (%u; 0 voor %.0f dagen geschiedenis) en de drukste "
                "dagen in de rol (%u)",
                top->value, top->note ? "zoekopdrachten met jokertekens" : "verschillende personen",
                day, top->bar, floor_value, cfg->own_mult, top->own, cfg->min_history_days,
                top->role);
}

const struct indicator ind_volume_breadth = {
    .name = "volume_breadth",
    .title_en = "Unusual volume",
    .title_nl = "Ongebruikelijk volume",
    .help = "Days with far more distinct persons looked up, or wildcard searches, than both "
            "the employee's own usual day and the busiest days of peers in the same role.",
    .notes = {"last person looked up on a day of unusual breadth",
              "last lookup on a day of unusual wildcard searching"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct volume_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .on_day_close = on_day_close,
    .prefetch = prefetch,
    .describe = describe,
};
