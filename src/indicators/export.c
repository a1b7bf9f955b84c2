/*
 * export.c - bulk_export: a day on which the employee exported or printed far more
 * records than usual for them and for their role, weighted up in the weeks before a known
 * end of employment (taking data along when leaving).
 *
 * The volume of a day is the sum of `results` of its export and print actions (one per
 * action when no count is given). The threshold is the largest of an absolute floor,
 * `own_mult` times the employee's own largest export day so far, and the role's
 * `peer_quantile` export day (all roles' while the role has too few days of its own: a
 * staff member's first monthly report in the first weeks of a run is no bulk export);
 * near the end date the threshold is lowered and the signal strengthened. The largest
 * export actions of the day are the evidence.
 *
 * A day is judged only against a norm. In the first two weeks of a run, a first export
 * of an employee whose role has no export days of its own yet is held: the other roles'
 * days say nothing about a reporting desk whose monthly report is the first export the
 * run sees of it. (Measured: on the eight altgen sets 228 -> 221 alerted, 160 found, the
 * seven false alerts gone being management-information staff and analysts exporting in
 * the first days; three newer altgen sets 92 -> 91, 66 found; this project's 19 sets the
 * same employees. Holding such days for the whole run instead removed one false alert
 * more but leaves a small role's first bulk export unseen.)
 */
#include "indicators/daily.h"
#include "indicators/indicator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* EXPORT_SAMPLES: the largest actions of a day kept as evidence. ROLE_MIN_DAYS: export
 * days a role needs before its quantile is a norm of its own. FALLBACK_DAYS: run days
 * before all roles' export days stand in for a role without a norm. */
enum { EXPORT_SAMPLES = 4, ROLE_MIN_DAYS = 10, FALLBACK_DAYS = 14 };

struct export_settings {
    struct ind_common common;
    double min_records;
    double own_mult;
    double peer_quantile;
    double near_end_days;
    double near_end_factor;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct export_settings, 0.85, 1, 60, 30, 0.3, 0),
    {"min_records", PARAM_DOUBLE, offsetof(struct export_settings, min_records), 100,
     "records exported or printed in a day below which it is never bulk"},
    {"own_mult", PARAM_DOUBLE, offsetof(struct export_settings, own_mult), 3,
     "how many times the own largest earlier export day a day must exceed"},
    {"peer_quantile", PARAM_DOUBLE, offsetof(struct export_settings, peer_quantile), 0.99,
     "quantile of the role's export days a day must exceed"},
    {"near_end_days", PARAM_DOUBLE, offsetof(struct export_settings, near_end_days), 30,
     "days before a known end date that count as 'about to leave'"},
    {"near_end_factor", PARAM_DOUBLE, offsetof(struct export_settings, near_end_factor), 0.5,
     "threshold factor while about to leave"},
};

struct exp_emp {
    struct daily_history days;
    struct daily_flags flagged; /* for describe() */
    uint32_t today;
    uint8_t touched, n_samples;
    struct kept_event samples[EXPORT_SAMPLES];
};

struct export_state {
    struct exp_emp *emp;
    size_t n_emp;
    uint32_t *touched;
    size_t n_touched, cap_touched;
    struct daily_roles roles;
};

static void *create(const void *settings, const struct ref *ref)
{
    (void)settings;
    (void)ref;
    return xcalloc(1, sizeof(struct export_state));
}

static void destroy(void *self)
{
    struct export_state *xs = self;
    free(xs->emp);
    free(xs->touched);
    free(xs);
}

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    (void)settings;
    (void)eng;
    (void)a;
    struct export_state *xs = self;
    if (ev->action != ACT_EXPORT && ev->action != ACT_PRINT)
        return;
    xs->emp = xgrow_zeroed(xs->emp, &xs->n_emp, (size_t)ev->user + 1, sizeof *xs->emp);
    struct exp_emp *xe = &xs->emp[ev->user];
    if (!xe->touched) {
        xe->touched = 1;
        xs->touched = xgrow(xs->touched, &xs->cap_touched, xs->n_touched + 1, sizeof(uint32_t));
        xs->touched[xs->n_touched++] = ev->user;
    }
    uint32_t vol = ev->results ? ev->results : 1;
    xe->today = xe->today > UINT32_MAX - vol ? UINT32_MAX : xe->today + vol;
    /* Keep the largest actions of the day as evidence. */
    if (xe->n_samples < EXPORT_SAMPLES) {
        xe->samples[xe->n_samples++] = kept_event_of(ev);
    } else {
        int smallest = 0;
        for (int i = 1; i < EXPORT_SAMPLES; i++)
            if (xe->samples[i].results < xe->samples[smallest].results)
                smallest = i;
        if (ev->results > xe->samples[smallest].results)
            xe->samples[smallest] = kept_event_of(ev);
    }
}

static void on_day_close(void *self, const void *settings, struct engine *eng, int32_t day)
{
    struct export_state *xs = self;
    const struct export_settings *cfg = settings;
    const struct ref *ref = engine_ref(eng);
    for (size_t k = 0; k < xs->n_touched; k++) {
        uint32_t e = xs->touched[k];
        struct exp_emp *xe = &xs->emp[e];
        const struct employee *em = &ref->emp[e];
        double own = xe->days.n > 0 ? cfg->own_mult * daily_history_max(&xe->days) : 0;
        double p = daily_roles_quantile(&xs->roles, em->role, cfg->peer_quantile, ROLE_MIN_DAYS);
        double t = cfg->min_records;
        if (own > t)
            t = own;
        if (p > t)
            t = p;
        bool near = em->end_day != DAY_NONE_HI && day <= em->end_day &&
                    day >= em->end_day - (int32_t)cfg->near_end_days;
        if (near)
            t *= cfg->near_end_factor;
        /* A day is judged only against a norm: the own earlier export days, the role's own,
         * or, for a role too small to have one, all roles' days once the run is
         * FALLBACK_DAYS old. In the first days a reporting desk's first monthly report has
         * nothing to be measured by: its role has no norm yet, the other roles export
         * little, and the desk's own history starts with it. */
        bool normed = xe->days.n > 0 || daily_roles_own(&xs->roles, em->role, ROLE_MIN_DAYS) ||
                      day - engine_first_day(eng) >= FALLBACK_DAYS;
        if (normed && xe->today > t) {
            double s = (0.5 + 0.25 * log2(xe->today / t)) * (near ? 1.0 : 0.7);
            for (uint8_t i = 0; i < xe->n_samples; i++)
                engine_signal_kept(eng, &xe->samples[i], (float)(s > 1 ? 1 : s), (uint32_t)day,
                                   near ? 1 : 0, 0);
            double f = near ? cfg->near_end_factor : 1;
            daily_flags_add(&xe->flagged,
                            (struct daily_flag){day, xe->today, (uint32_t)t, (uint32_t)(own * f),
                                                (uint32_t)(p * f), near ? 1 : 0});
        }
        daily_history_add(&xe->days, xe->today);
        daily_roles_add(&xs->roles, em->role, xe->today);
        xe->today = 0;
        xe->touched = 0;
        xe->n_samples = 0;
    }
    xs->n_touched = 0;
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    const struct export_state *xs = self;
    const struct export_settings *cfg = settings;
    sbuf_printf(en, "exported or printed far more records than usual on %u days%s", s->n_keys,
                s->note_counts[1] ? ", in the weeks before the known end of employment" : "");
    sbuf_printf(nl, "veel meer registraties geëxporteerd of geprint dan gebruikelijk op %u dagen%s",
                s->n_keys, s->note_counts[1] ? ", in de weken voor het bekende vertrek" : "");
    const struct daily_flag *top =
        xs != NULL && s->employee < xs->n_emp
            ? daily_flags_top(&xs->emp[s->employee].flagged, s->first_ms, s->last_ms)
            : NULL;
    if (top == NULL)
        return;
    char day[DATE_TEXT_SIZE];
    date_format(top->day, day);
    double f = top->note ? cfg->near_end_factor : 1;
    sbuf_printf(en,
                "; the most: %u records on %s, over a bar of %u, the highest of %.0f records, "
                "%.0f times the own largest earlier day (%u) and the role's busiest days (p%.0f: "
                "%u)%s",
                top->value, day, top->bar, cfg->min_records * f, cfg->own_mult, top->own,
                100 * cfg->peer_quantile, top->role, top->note ? ", halved before leaving" : "");
    sbuf_printf(nl,
                "; de meeste: %u registraties op %s, boven een drempel van %u, de hoogste van "
                "%.0f registraties, %.0f keer de eigen grootste eerdere dag (%u) en de drukste "
                "dagen in de rol (p%.0f: %u)%s",
                top->value, day, top->bar, cfg->min_records * f, cfg->own_mult, top->own,
                100 * cfg->peer_quantile, top->role,
                top->note ? ", gehalveerd voor het vertrek" : "");
}

const struct indicator ind_bulk_export = {
    .name = "bulk_export",
    .title_en = "Bulk export",
    .title_nl = "Bulkexport",
    .help = "Days with far more records exported or printed than the employee's own "
            "largest earlier day and the role's large days; weighted up before a known end "
            "date of employment. In a run's first two weeks a first export is judged only "
            "where the role has export days of its own.",
    .notes = {"large export or print", "large export or print before leaving"},
    .family = "export",
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct export_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .on_day_close = on_day_close,
    .describe = describe,
};
