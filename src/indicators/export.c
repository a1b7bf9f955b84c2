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
 * Data is also taken along one record at a time: thirty-four person records opened and
 * printed one after the other a week before leaving are 34 records, under any floor made
 * for exported lists, while no one else of the role prints more than five in a day. So the
 * actions of a day are judged the same way, with their own floor (`min_actions`), own
 * history and role quantile; a day over either bar is a bulk day. (Measured: on three
 * fresh altgen sets 111 -> 113 alerted, 77 -> 79 found: a patrol officer printing 34
 * persons one by one a week before the end date, and one printing 48 persons one by one;
 * the eight altgen sets and this project's 19 sets unchanged, also with a floor of 10.)
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
    double min_actions;
    double own_mult;
    double peer_quantile;
    double near_end_days;
    double near_end_factor;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct export_settings, 0.85, 1, 60, 30, 0.3, 0),
    {"min_records", PARAM_DOUBLE, offsetof(struct export_settings, min_records), 100,
     "records exported or printed in a day below which it is never bulk"},
    {"min_actions", PARAM_DOUBLE, offsetof(struct export_settings, min_actions), 20,
     "export or print actions in a day below which they are never bulk, however few records "
     "each holds (records printed one by one); 0: actions not judged"},
    {"own_mult", PARAM_DOUBLE, offsetof(struct export_settings, own_mult), 3,
     "how many times the own largest earlier export day a day must exceed"},
    {"peer_quantile", PARAM_DOUBLE, offsetof(struct export_settings, peer_quantile), 0.99,
     "quantile of the role's export days a day must exceed"},
    {"near_end_days", PARAM_DOUBLE, offsetof(struct export_settings, near_end_days), 30,
     "days before a known end date that count as 'about to leave'"},
    {"near_end_factor", PARAM_DOUBLE, offsetof(struct export_settings, near_end_factor), 0.5,
     "threshold factor while about to leave"},
};

/* The two measures of a day: records, and export or print actions. */
enum { BY_RECORDS, BY_ACTIONS, MEASURES };

/* Flag notes: bit 0 near the end date, bit 1 the day passed the bar of actions. */
enum { FLAG_NEAR_END = 1, FLAG_ACTIONS = 2 };

struct exp_emp {
    struct daily_history days[MEASURES];
    struct daily_flags flagged; /* for describe() */
    uint32_t today[MEASURES];
    uint8_t touched, n_samples;
    struct kept_event samples[EXPORT_SAMPLES];
};

struct export_state {
    struct exp_emp *emp;
    size_t n_emp;
    uint32_t *touched;
    size_t n_touched, cap_touched;
    struct daily_roles roles[MEASURES];
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
    uint32_t *records = &xe->today[BY_RECORDS];
    *records = *records > UINT32_MAX - vol ? UINT32_MAX : *records + vol;
    if (xe->today[BY_ACTIONS] < UINT32_MAX)
        xe->today[BY_ACTIONS]++;
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

/* The bar a day's figure of measure `m` must pass: the largest of `floor`, own_mult times
 * the own largest earlier day and the role's quantile (those two in *own and *role),
 * lowered near the end date. */
static double bar_of(const struct export_state *xs, const struct export_settings *cfg,
                     const struct exp_emp *xe, uint8_t role, int m, double floor, bool near,
                     double *own, double *role_q)
{
    *own = xe->days[m].n > 0 ? cfg->own_mult * daily_history_max(&xe->days[m]) : 0;
    *role_q = daily_roles_quantile(&xs->roles[m], role, cfg->peer_quantile, ROLE_MIN_DAYS);
    double t = floor;
    if (*own > t)
        t = *own;
    if (*role_q > t)
        t = *role_q;
    return near ? t * cfg->near_end_factor : t;
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
        bool near = em->end_day != DAY_NONE_HI && day <= em->end_day &&
                    day >= em->end_day - (int32_t)cfg->near_end_days;
        const double floors[MEASURES] = {cfg->min_records, cfg->min_actions};
        double bar[MEASURES], own[MEASURES], role_q[MEASURES];
        for (int m = 0; m < MEASURES; m++)
            bar[m] = bar_of(xs, cfg, xe, em->role, m, floors[m], near, &own[m], &role_q[m]);
        if (cfg->min_actions <= 0)
            bar[BY_ACTIONS] = INFINITY; /* actions not judged */
        /* A day is judged only against a norm: the own earlier export days, the role's own,
         * or, for a role too small to have one, all roles' days once the run is
         * FALLBACK_DAYS old. In the first days a reporting desk's first monthly report has
         * nothing to be measured by: its role has no norm yet, the other roles export
         * little, and the desk's own history starts with it. */
        bool normed = xe->days[BY_RECORDS].n > 0 ||
                      daily_roles_own(&xs->roles[BY_RECORDS], em->role, ROLE_MIN_DAYS) ||
                      day - engine_first_day(eng) >= FALLBACK_DAYS;
        /* The measure that passed its bar by the most, if any. */
        int m = xe->today[BY_ACTIONS] / bar[BY_ACTIONS] > xe->today[BY_RECORDS] / bar[BY_RECORDS]
                    ? BY_ACTIONS
                    : BY_RECORDS;
        if (normed && xe->today[m] > bar[m]) {
            double s = (0.5 + 0.25 * log2(xe->today[m] / bar[m])) * (near ? 1.0 : 0.7);
            for (uint8_t i = 0; i < xe->n_samples; i++)
                engine_signal_kept(eng, &xe->samples[i], (float)(s > 1 ? 1 : s), (uint32_t)day,
                                   near ? 1 : 0, 0);
            double f = near ? cfg->near_end_factor : 1;
            uint8_t note = (near ? FLAG_NEAR_END : 0) | (m == BY_ACTIONS ? FLAG_ACTIONS : 0);
            daily_flags_add(&xe->flagged, (struct daily_flag){day, xe->today[m], (uint32_t)bar[m],
                                                              (uint32_t)(own[m] * f),
                                                              (uint32_t)(role_q[m] * f), note});
        }
        for (m = 0; m < MEASURES; m++) {
            daily_history_add(&xe->days[m], xe->today[m]);
            daily_roles_add(&xs->roles[m], em->role, xe->today[m]);
            xe->today[m] = 0;
        }
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
    bool near = top->note & FLAG_NEAR_END;
    bool actions = top->note & FLAG_ACTIONS;
    double f = near ? cfg->near_end_factor : 1;
    double floor = (actions ? cfg->min_actions : cfg->min_records) * f;
    const char *what_en = actions ? "export or print actions" : "records";
    const char *what_nl = actions ? "export- of printacties" : "registraties";
    sbuf_printf(en,
                "; the most: %u %s on %s, over a bar of %u, the highest of %.0f %s, %.0f times "
                "the own largest earlier day (%u) and the role's busiest days (p%.0f: %u)%s",
                top->value, what_en, day, top->bar, floor, what_en, cfg->own_mult, top->own,
                100 * cfg->peer_quantile, top->role, near ? ", halved before leaving" : "");
    sbuf_printf(nl,
                "; de meeste: %u %s op %s, boven een drempel van %u, de hoogste van %.0f %s, "
                "%.0f keer de eigen grootste eerdere dag (%u) en de drukste dagen in de rol "
                "(p%.0f: %u)%s",
                top->value, what_nl, day, top->bar, floor, what_nl, cfg->own_mult, top->own,
                100 * cfg->peer_quantile, top->role, near ? ", gehalveerd voor het vertrek" : "");
}

const struct indicator ind_bulk_export = {
    .name = "bulk_export",
    .title_en = "Bulk export",
    .title_nl = "Bulkexport",
    .help = "Days with far more records exported or printed than the employee's own "
            "largest earlier day and the role's large days, counted in records and in export "
            "or print actions (records taken one by one); weighted up before a known end "
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
