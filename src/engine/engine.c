/*
 * engine.c - the event loop of detection, the per-employee signal store and the scoring.
 *
 * State per employee: for every indicator a time-ordered list of signals (a `track`),
 * trimmed from the front as signals leave the lookback window, and capped in length so a
 * role that signals all day (an intelligence analyst on criminal records) cannot grow it
 * without bound. Scores are computed from the tracks at each local midnight.
 *
 * Peer baselines are recomputed at every day close from the masses of all active
 * employees (a record access in the last 28 days), per role and indicator: the share that
 * has any mass, the mean, and a high quantile. Each employee is compared with the others
 * of the role, never with itself; a role with fewer than MIN_PEERS other active members is
 * also compared with everyone, and the milder normal level counts (peer_view). For the
 * indicators whose chance hits grow with the lookups one makes, masses are compared per
 * unit of the employee's volume of lookups without a case (volume_factor). See engine.h
 * for the formulas.
 *
 * Alerts are snapshots: when an employee's score crosses the threshold an alert is
 * created, and while the episode lasts it is rebuilt on every day that brought new
 * signals (score = the highest reached). The snapshot owns copies of everything it shows,
 * so signals may age out of the tracks afterwards.
 *
 * Signals across instances (docs/scale-out.md): with a signal hook set, engine_signal hands
 * signals to the hook instead of the tracks (a detector that scores nothing: the subject
 * role of `wachter run`). An indicator marked remote is not run here, and its signals
 * arrive through engine_inject_signal, which stores them as engine_signal does and then
 * rescores the employee at once, as after an event. A signal is an indicator's output, so
 * both paths share store_signal and the tracks cannot tell them apart.
 */
#include "engine/engine.h"
#include "indicators/indicator.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_TRACK = 512, MIN_PEERS = 3, ACTIVE_DAYS = 28, MAX_IND = 64, SCAN_KEYS = 16 };
/* Mass below half of one full-strength signal does not make a peer "have" the signal:
 * faint signals (a local criminal's car, a minor in an incident) are everyday work. */
#define MIN_MASS 0.5
_Static_assert(MAX_IND <= 64, "engine_stats arrays hold 64 indicators");

struct sig {
    int64_t ts_ms;
    const char *id;
    uint32_t id_len;
    uint32_t subject, legit, key, group;
    float strength;
    uint16_t system;
    uint8_t action, note;
};

struct track {
    struct sig *v;
    size_t head, n, cap; /* live signals are v[head..n) */
};

/* Record accesses of one employee on one local day: all and unexplained for the activity
 * chart; uncased (unexplained or routine: no case behind them) for the volume ratios. */
struct day_count {
    uint16_t accesses, unexplained, uncased;
};

/* A scoped exception: see engine_add_exception. */
struct exception {
    int indicator;    /* -1: any */
    uint32_t subject; /* REF_NONE: any */
    int64_t until_ms;
};

struct emp_state {
    struct exception *exceptions; /* few per employee, usually none */
    size_t n_exceptions;
    struct track *tracks;   /* per indicator, NULL until the first signal */
    struct day_count *days; /* indexed by day - first_day, grown as days pass */
    size_t n_days;
    int64_t floor_ms; /* signals at or before this belong to a closed episode */
    int64_t last_signal_ms;
    int32_t last_active_day;
    uint32_t alert;   /* open alert index, or REF_NONE */
    uint8_t dirty;    /* new signals since the last scoring */
    uint64_t inexact; /* indicators whose mass_now is an upper bound, not the mass */
};

/* Everything an alert shows, owned by the alert. */
struct alert_slot {
    struct alert a;
    uint8_t changed;     /* rebuilt or withdrawn since the last engine_changed_alerts */
    uint8_t provisional; /* opened during the day; the next day close confirms it */
    uint8_t withdrawn;   /* the day close did not confirm it */
    struct alert_indicator *ind;
    struct evidence *ev;
    char **strings;
    size_t n_strings, cap_strings;
};

struct peer_stats {
    double share, mean, quantile;
    uint32_t n_active, n_with;
    double *sorted; /* positive masses, ascending */
    size_t n_sorted, cap_sorted;
};

struct engine {
    struct ref *ref;
    struct tz *tz;
    const struct engine_config *cfg;
    struct explainer *x;
    size_t n_ind;
    void **ind_self;
    uint8_t *family;      /* per indicator: the lowest index of its family (struct indicator) */
    uint64_t prefetching; /* enabled indicators with a prefetch callback, one bit each */
    int current_ind;
    struct emp_state *emp;
    size_t n_emp;
    int32_t day, first_day;
    int64_t now_ms;
    double *mass;             /* n_emp x n_ind, recomputed at each day close */
    double *mass_now;         /* the same, kept current between day closes by signals */
    size_t n_mass;            /* employees covered by mass and mass_now */
    struct arena sig_ids;     /* copies of the event ids that signals cite */
    uint64_t signalled;       /* indicators that signalled the current event's employee */
    uint32_t current_user;    /* employee of the event being fed, REF_NONE at day close */
    struct peer_stats *peers; /* (ROLE_GROUPS + 1) x n_ind; the last row is everyone */
    /* The active staff per peer group at the day close; the last is everyone. */
    uint32_t active[ROLE_GROUPS + 1];
    struct u64map scratch;
    double *scratch_best;
    uint32_t *scratch_count;
    uint64_t *scratch_key;
    size_t scratch_cap;
    struct alert_slot *alerts;
    size_t n_alerts, cap_alerts;
    struct alert *sorted_alerts; /* the alerts not withdrawn, most urgent first */
    size_t n_sorted;
    double *volume_ratio; /* n_emp x n_ind, from the last day close: see volume_ratio */
    size_t n_volume;      /* employees covered by volume_ratio */
    float *role_median;   /* per day since first_day, per role: median accesses of
                             the role's employees active that day */
    size_t n_median_days;
    uint32_t next_alert_id;
    struct engine_stats stats;
    uint64_t remote;                /* indicators whose signals come from elsewhere */
    int64_t newest_ms;              /* event time of the newest event fed */
    bool finishing;                 /* in the last day close (engine_finish) */
    engine_signal_hook_fn sig_hook; /* when set, signals go to it instead of the tracks */
    void *sig_hook_ctx;
};

static const struct ind_common *ind_common_of(const struct engine *eng, size_t i)
{
    return (const struct ind_common *)eng->cfg->ind_settings[i];
}

/* ---- configuration ------------------------------------------------------------------ */

void engine_config_defaults(struct engine_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->alert_threshold = 0.5;
    cfg->episode_gap_days = 30;
    cfg->warmup_days = 7;
    cfg->peer_quantile = 0.95;
    cfg->peer_share_normal = 0.3;
    cfg->peer_few = 0.5;
    cfg->min_indicator = 0.05;
    cfg->corroboration = 0.8;
    cfg->max_evidence = 12;
    explain_config_defaults(&cfg->explain);
    ingest_config_defaults(&cfg->ingest);
    snprintf(cfg->timezone, sizeof cfg->timezone, "Europe/Amsterdam");
    cfg->ind_settings = xcalloc(indicator_count, sizeof *cfg->ind_settings);
    for (size_t i = 0; i < indicator_count; i++) {
        cfg->ind_settings[i] = xcalloc(1, indicator_registry[i]->settings_size);
        indicator_defaults(indicator_registry[i], cfg->ind_settings[i]);
    }
}

void engine_config_free(struct engine_config *cfg)
{
    if (cfg == NULL || cfg->ind_settings == NULL)
        return;
    for (size_t i = 0; i < indicator_count; i++)
        free(cfg->ind_settings[i]);
    free(cfg->ind_settings);
    cfg->ind_settings = NULL;
}

/* ---- lifecycle ---------------------------------------------------------------------- */

struct engine *engine_new(struct ref *ref, struct tz *tz, const struct engine_config *cfg)
{
    struct engine *eng = xcalloc(1, sizeof *eng);
    eng->ref = ref;
    eng->tz = tz;
    eng->cfg = cfg;
    eng->x = explainer_new(ref, tz, &cfg->explain);
    eng->n_ind = indicator_count;
    eng->ind_self = xcalloc(eng->n_ind, sizeof *eng->ind_self);
    for (size_t i = 0; i < eng->n_ind; i++) {
        const struct indicator *ind = indicator_registry[i];
        if (ind->create != NULL && ind_common_of(eng, i)->enabled)
            eng->ind_self[i] = ind->create(cfg->ind_settings[i], ref);
        if (ind->prefetch != NULL && ind_common_of(eng, i)->enabled)
            eng->prefetching |= 1ULL << i;
    }
    eng->family = xcalloc(eng->n_ind, sizeof *eng->family);
    for (size_t i = 0; i < eng->n_ind; i++) {
        const char *fam = indicator_registry[i]->family;
        eng->family[i] = (uint8_t)i;
        for (size_t j = 0; j < i && fam != NULL; j++)
            if (indicator_registry[j]->family != NULL &&
                strcmp(indicator_registry[j]->family, fam) == 0) {
                eng->family[i] = eng->family[j];
                break;
            }
    }
    eng->peers = xcalloc((ROLE_GROUPS + 1) * eng->n_ind, sizeof *eng->peers);
    eng->day = INT32_MIN;
    eng->first_day = INT32_MIN;
    eng->current_ind = -1;
    eng->current_user = REF_NONE;
    eng->newest_ms = INT64_MIN;
    return eng;
}

void engine_set_signal_hook(struct engine *eng, engine_signal_hook_fn fn, void *ctx)
{
    eng->sig_hook = fn;
    eng->sig_hook_ctx = ctx;
}

void engine_set_remote(struct engine *eng, int indicator)
{
    assert(indicator >= 0 && (size_t)indicator < eng->n_ind);
    if (eng->ind_self[indicator] != NULL && indicator_registry[indicator]->destroy != NULL)
        indicator_registry[indicator]->destroy(eng->ind_self[indicator]);
    eng->ind_self[indicator] = NULL;
    eng->remote |= 1ULL << indicator;
}

/* An indicator runs here when it is enabled and its signals are not injected. */
static bool runs_locally(const struct engine *eng, size_t i)
{
    return ind_common_of(eng, i)->enabled && !(eng->remote >> i & 1);
}

static void alert_slot_clear(struct alert_slot *s)
{
    for (size_t i = 0; i < s->n_strings; i++)
        free(s->strings[i]);
    s->n_strings = 0;
    free(s->ind);
    free(s->ev);
    s->ind = NULL;
    s->ev = NULL;
}

void engine_free(struct engine *eng)
{
    if (eng == NULL)
        return;
    for (size_t i = 0; i < eng->n_ind; i++)
        if (eng->ind_self[i] != NULL && indicator_registry[i]->destroy != NULL)
            indicator_registry[i]->destroy(eng->ind_self[i]);
    free(eng->ind_self);
    free(eng->family);
    for (size_t e = 0; e < eng->n_emp; e++) {
        if (eng->emp[e].tracks == NULL)
            continue;
        for (size_t i = 0; i < eng->n_ind; i++)
            free(eng->emp[e].tracks[i].v);
        free(eng->emp[e].tracks);
    }
    for (size_t e = 0; e < eng->n_emp; e++) {
        free(eng->emp[e].days);
        free(eng->emp[e].exceptions);
    }
    free(eng->emp);
    free(eng->role_median);
    free(eng->volume_ratio);
    free(eng->mass);
    free(eng->mass_now);
    arena_free(&eng->sig_ids);
    for (size_t i = 0; i < (ROLE_GROUPS + 1) * eng->n_ind; i++)
        free(eng->peers[i].sorted);
    free(eng->peers);
    u64map_free(&eng->scratch);
    free(eng->scratch_best);
    free(eng->scratch_count);
    free(eng->scratch_key);
    for (size_t i = 0; i < eng->n_alerts; i++) {
        alert_slot_clear(&eng->alerts[i]);
        free(eng->alerts[i].strings);
    }
    free(eng->alerts);
    free(eng->sorted_alerts);
    explainer_free(eng->x);
    free(eng);
}

const struct ref *engine_ref(const struct engine *eng)
{
    return eng->ref;
}

const struct explainer *engine_explainer(const struct engine *eng)
{
    return eng->x;
}

bool engine_finishing(const struct engine *eng)
{
    return eng->finishing;
}

int32_t engine_first_day(const struct engine *eng)
{
    return eng->first_day;
}

const struct engine_stats *engine_stats(const struct engine *eng)
{
    return &eng->stats;
}

/* Employees interned after the engine started (unknown users) get state on demand. */
static struct emp_state *emp_state(struct engine *eng, uint32_t e)
{
    if (e >= eng->n_emp) {
        size_t n = eng->ref->n_emp > e ? eng->ref->n_emp : e + 1;
        eng->emp = xrealloc(eng->emp, n * sizeof *eng->emp);
        for (size_t i = eng->n_emp; i < n; i++) {
            memset(&eng->emp[i], 0, sizeof eng->emp[i]);
            eng->emp[i].alert = REF_NONE;
            eng->emp[i].floor_ms = INT64_MIN;
            eng->emp[i].last_active_day = INT32_MIN / 2;
        }
        eng->n_emp = n;
    }
    return &eng->emp[e];
}

/* ---- signals ------------------------------------------------------------------------ */

void engine_add_exception(struct engine *eng, uint32_t emp, int indicator, uint32_t subject,
                          int64_t until_ms)
{
    struct emp_state *st = emp_state(eng, emp);
    st->exceptions = xrealloc(st->exceptions, (st->n_exceptions + 1) * sizeof *st->exceptions);
    st->exceptions[st->n_exceptions++] = (struct exception){indicator, subject, until_ms};
}

static bool excepted(const struct emp_state *st, int ind, const struct event *ev)
{
    for (size_t k = 0; k < st->n_exceptions; k++) {
        const struct exception *x = &st->exceptions[k];
        if ((x->indicator < 0 || x->indicator == ind) &&
            (x->subject == REF_NONE || x->subject == ev->subject) && ev->ts_ms <= x->until_ms)
            return true;
    }
    return false;
}

/* Store a signal of indicator `i` on the employee of `ev` (see engine_signal). */
static void store_signal(struct engine *eng, int i, const struct event *ev, float strength,
                         uint32_t key, uint8_t note, uint32_t group)
{
    struct emp_state *st = emp_state(eng, ev->user);
    if (st->n_exceptions > 0 && excepted(st, i, ev)) {
        eng->stats.suppressed[i]++;
        return;
    }
    if (st->tracks == NULL)
        st->tracks = xcalloc(eng->n_ind, sizeof *st->tracks);
    struct track *t = &st->tracks[i];
    if (t->n - t->head >= MAX_TRACK)
        t->head++; /* the oldest signal gives way; mass saturates long before this */
    if (t->n == t->cap && t->head > 0) {
        memmove(t->v, t->v + t->head, (t->n - t->head) * sizeof *t->v);
        t->n -= t->head;
        t->head = 0;
    }
    t->v = xgrow(t->v, &t->cap, t->n + 1, sizeof *t->v);
    /* The signal outlives the event's text (a live run frees event texts after a few
     * days), so it keeps its own copy of the id. */
    t->v[t->n++] = (struct sig){
        .ts_ms = ev->ts_ms,
        .id = arena_strndup(&eng->sig_ids, ev->id, ev->id_len),
        .id_len = ev->id_len,
        .subject = ev->subject,
        .legit = ev->legit,
        .key = key,
        .group = group,
        .strength = strength,
        .system = ev->system,
        .action = ev->action,
        .note = note % IND_NOTES,
    };
    st->dirty = 1;
    if (ev->user < eng->n_mass) {
        /* A signal adds at most one key at its strength (or raises one to it) and one
         * repeat to the mass (older signals only decay): raise the bound instead of
         * recomputing the mass. */
        const struct ind_common *c = ind_common_of(eng, (size_t)i);
        eng->mass_now[(size_t)ev->user * eng->n_ind + i] +=
            (strength > 1 ? strength : 1.0) * (1.0 + 5.0 * c->repeat_bonus);
        st->inexact |= 1ULL << i;
    }
    if (ev->user == eng->current_user)
        eng->signalled |= 1ULL << i;
    if (ev->ts_ms > st->last_signal_ms)
        st->last_signal_ms = ev->ts_ms;
    eng->stats.signals[i]++;
}

/* Cap a signal of indicator `i` at SIGNAL_STRENGTH_MAX and hand it to the signal hook
 * when one is set (counted there), or store it. Returns true when stored. */
static bool deliver_signal(struct engine *eng, int i, const struct event *ev, float strength,
                           uint32_t key, uint8_t note, uint32_t group)
{
    if (strength > SIGNAL_STRENGTH_MAX)
        strength = SIGNAL_STRENGTH_MAX;
    if (eng->sig_hook != NULL) {
        eng->sig_hook(eng->sig_hook_ctx, i, ev, strength, key, note, group);
        eng->stats.signals[i]++;
        return false;
    }
    store_signal(eng, i, ev, strength, key, note, group);
    return true;
}

void engine_signal(struct engine *eng, const struct event *ev, float strength, uint32_t key,
                   uint8_t note, uint32_t group)
{
    int i = eng->current_ind;
    if (i >= 0 && strength > 0)
        deliver_signal(eng, i, ev, strength, key, note, group);
}

void engine_signal_for(struct engine *eng, const struct event *ev, uint32_t employee,
                       float strength, uint32_t key, uint8_t note, uint32_t group)
{
    struct event on = *ev;
    on.user = employee;
    engine_signal(eng, &on, strength, key, note, group);
}

void engine_signal_kept(struct engine *eng, const struct kept_event *k, float strength,
                        uint32_t key, uint8_t note, uint32_t group)
{
    struct event ev = {.ts_ms = k->ts_ms,
                       .id = k->id_len <= KEPT_ID ? k->id : k->id_kept,
                       .id_kept = k->id_kept,
                       .id_len = k->id_len,
                       .user = k->user,
                       .subject = k->subject,
                       .legit = k->legit,
                       .system = k->system,
                       .action = k->action,
                       .results = k->results};
    engine_signal(eng, &ev, strength, key, note, group);
}

/* ---- mass --------------------------------------------------------------------------- */

/* Decayed, key-aggregated mass of track `t` at `now`, ignoring signals at or before
 * `floor`. With `sum` non-NULL, also fills the counts of the summary. */
static double track_mass(struct engine *eng, const struct ind_common *c, struct track *t,
                         int64_t now, int64_t floor, struct ind_summary *sum)
{
    int64_t lookback = (int64_t)(c->lookback_days * 86400000.0);
    while (t->head < t->n && t->v[t->head].ts_ms < now - lookback)
        t->head++;
    /* Most tracks hold a few signals: their keys are found by a scan, and the map (whose
     * clearing costs its whole capacity, however few keys it held) serves the long ones. */
    bool by_map = t->n - t->head > SCAN_KEYS;
    if (by_map)
        u64map_clear(&eng->scratch);
    size_t n_keys = 0;
    double half_life = c->half_life_days * 86400000.0;
    for (size_t k = t->head; k < t->n; k++) {
        const struct sig *s = &t->v[k];
        if (s->ts_ms <= floor)
            continue;
        double age = (double)(now - s->ts_ms);
        double w = s->strength * (half_life > 0 && age > 0 ? exp2(-age / half_life) : 1.0);
        uint64_t key = (uint64_t)s->key + 1;
        size_t j = 0;
        if (by_map) {
            uint64_t *slot = u64map_get(&eng->scratch, key);
            j = slot != NULL ? (size_t)*slot : n_keys;
        } else {
            while (j < n_keys && eng->scratch_key[j] != key)
                j++;
        }
        if (j == n_keys) {
            if (n_keys == eng->scratch_cap) {
                size_t cap = eng->scratch_cap;
                eng->scratch_best = xgrow(eng->scratch_best, &cap, n_keys + 1, sizeof(double));
                cap = eng->scratch_cap;
                eng->scratch_count = xgrow(eng->scratch_count, &cap, n_keys + 1, sizeof(uint32_t));
                cap = eng->scratch_cap;
                eng->scratch_key = xgrow(eng->scratch_key, &cap, n_keys + 1, sizeof(uint64_t));
                eng->scratch_cap = cap;
            }
            n_keys++;
            if (by_map)
                u64map_put(&eng->scratch, key, j);
            else
                eng->scratch_key[j] = key;
            eng->scratch_best[j] = w;
            eng->scratch_count[j] = 1;
        } else {
            if (w > eng->scratch_best[j])
                eng->scratch_best[j] = w;
            eng->scratch_count[j]++;
        }
        if (sum != NULL) {
            sum->n_signals++;
            sum->note_counts[s->note]++;
            if (sum->first_ms == 0 || s->ts_ms < sum->first_ms)
                sum->first_ms = s->ts_ms;
            if (s->ts_ms > sum->last_ms)
                sum->last_ms = s->ts_ms;
        }
    }
    double mass = 0;
    for (size_t j = 0; j < n_keys; j++) {
        uint32_t rep = eng->scratch_count[j] - 1;
        mass += eng->scratch_best[j] * (1.0 + c->repeat_bonus * (rep > 4 ? 4 : rep));
    }
    if (sum != NULL)
        sum->n_keys = (uint32_t)n_keys;
    return mass;
}

/* ---- peers -------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Values grouped by role, role r in vals[start[r] .. start[r + 1]) (a counting sort):
 * sorts each group and gives its median (the upper one of an even count; 0 for none). */
static void group_medians(double *vals, const size_t start[ROLE_GROUPS + 1],
                          double median[ROLE_GROUPS])
{
    for (int r = 0; r < ROLE_GROUPS; r++) {
        size_t k = start[r + 1] - start[r];
        qsort(vals + start[r], k, sizeof *vals, cmp_double);
        median[r] = k > 0 ? vals[start[r] + k / 2] : 0;
    }
}

/* Did employee `e` access a record on the current local day or the ACTIVE_DAYS before it:
 * the active staff that peer baselines are made of. */
static bool is_active(const struct engine *eng, uint32_t e)
{
    return e < eng->n_emp && eng->emp[e].last_active_day >= eng->day - ACTIVE_DAYS;
}

/* eng->active as of the close of the current day. Counted before the indicators' day
 * closes, which use it too (engine_active_staff); nothing in the day close changes who is
 * active. */
static void count_active(struct engine *eng)
{
    memset(eng->active, 0, sizeof eng->active);
    for (size_t e = 0; e < eng->n_emp; e++)
        if (is_active(eng, (uint32_t)e)) {
            eng->active[eng->ref->emp[e].role]++;
            eng->active[ROLE_GROUPS]++;
        }
}

uint32_t engine_active_staff(const struct engine *eng, uint8_t group)
{
    return group < ROLE_GROUPS ? eng->active[group] : 0;
}

/* Record accesses of the employee without a case in the last ACTIVE_DAYS days. */
static double uncased_recent(const struct engine *eng, const struct emp_state *st)
{
    int64_t last = (int64_t)eng->day - eng->first_day;
    double sum = 0;
    for (int64_t d = last - ACTIVE_DAYS + 1; d <= last; d++)
        if (d >= 0 && (size_t)d < st->n_days)
            sum += st->days[d].uncased;
    return sum;
}

/* Signals of track `t` at or after `from`. */
static uint32_t signals_since(const struct track *t, int64_t from)
{
    uint32_t n = 0;
    for (size_t k = t->n; k > t->head && t->v[k - 1].ts_ms >= from; k--)
        n++;
    return n;
}

/* For every employee and every indicator with a volume_norm: how many times the role's
 * median the employee looked up without a case in the last ACTIVE_DAYS, leaving out the
 * lookups that signalled on that indicator: chance lands on a colleague among the other
 * lookups, and an analyst whose whole day is criminal records is not made normal by that
 * very volume. 1 when the role's median is 0, and for the other indicators. Runs after
 * the day close's masses, whose walk has trimmed the tracks. */
static void compute_volume_ratios(struct engine *eng)
{
    size_t n = eng->n_emp ? eng->n_emp : 1;
    double *uncased = xmalloc(n * sizeof *uncased), *vals = xmalloc(n * sizeof *vals);
    double median[ROLE_GROUPS];
    /* The active employees grouped by role: count_active has counted each group. */
    size_t start[ROLE_GROUPS + 1] = {0};
    for (int r = 0; r < ROLE_GROUPS; r++)
        start[r + 1] = start[r] + eng->active[r];
    int64_t first = (int64_t)eng->day - eng->first_day - ACTIVE_DAYS + 1;
    for (size_t e = 0; e < eng->n_emp; e++) {
        const struct emp_state *ahead = e + 4 < eng->n_emp ? &eng->emp[e + 4] : NULL;
        if (ahead != NULL && first >= 0 && (size_t)first < ahead->n_days)
            __builtin_prefetch(&ahead->days[first]); /* each employee's days lie elsewhere */
        uncased[e] = uncased_recent(eng, &eng->emp[e]);
    }
    size_t fill[ROLE_GROUPS];
    memcpy(fill, start, sizeof fill);
    for (size_t e = 0; e < eng->n_emp; e++)
        if (is_active(eng, (uint32_t)e))
            vals[fill[eng->ref->emp[e].role]++] = uncased[e];
    group_medians(vals, start, median);
    eng->volume_ratio = xrealloc(eng->volume_ratio, n * eng->n_ind * sizeof *eng->volume_ratio);
    int64_t from = eng->now_ms - ACTIVE_DAYS * 86400000LL;
    for (size_t e = 0; e < eng->n_emp; e++) {
        const struct emp_state *st = &eng->emp[e];
        double m = median[eng->ref->emp[e].role];
        for (size_t i = 0; i < eng->n_ind; i++) {
            double ratio = 1;
            if (m > 0 && ind_common_of(eng, i)->volume_norm > 0) {
                uint32_t own = st->tracks != NULL ? signals_since(&st->tracks[i], from) : 0;
                double other = uncased[e] - own;
                ratio = (other > 0 ? other : 0) / m;
            }
            eng->volume_ratio[e * eng->n_ind + i] = ratio;
        }
    }
    free(uncased);
    free(vals);
    eng->n_volume = eng->n_emp;
}

/* See compute_volume_ratios; 1 for an employee who came after the last day close. */
static double volume_ratio(const struct engine *eng, uint32_t e, size_t i)
{
    return e < eng->n_volume ? eng->volume_ratio[e * eng->n_ind + i] : 1;
}

/* The factor by which the role's normal level on indicator `i` counts for employee `e`:
 * chance hits grow with the lookups made without a case (a patrol officer who checks three
 * times the role's usual number of plates lands on a colleague's car three times as
 * often), so for the indicators with a volume_norm peers are compared per unit of volume,
 * and the employee's own volume scales the norm back. Never below 1: a quiet employee is
 * held to the role's level. */
static double volume_factor(const struct engine *eng, uint32_t e, size_t i)
{
    double ratio = volume_ratio(eng, e, i);
    return ratio > 1 ? pow(ratio, ind_common_of(eng, i)->volume_norm) : 1;
}

static void compute_peers(struct engine *eng)
{
    size_t rows = ROLE_GROUPS + 1;
    for (size_t k = 0; k < rows * eng->n_ind; k++) {
        struct peer_stats *p = &eng->peers[k];
        p->n_active = p->n_with = 0;
        p->n_sorted = 0;
        p->mean = 0;
    }
    for (size_t e = 0; e < eng->n_emp; e++) {
        if (!is_active(eng, (uint32_t)e))
            continue;
        uint8_t role = eng->ref->emp[e].role;
        for (size_t i = 0; i < eng->n_ind; i++) {
            double m = eng->mass[e * eng->n_ind + i] / volume_factor(eng, (uint32_t)e, i);
            if (m < MIN_MASS)
                continue;
            struct peer_stats *pr[2] = {&eng->peers[role * eng->n_ind + i],
                                        &eng->peers[ROLE_GROUPS * eng->n_ind + i]};
            for (int k = 0; k < 2; k++) {
                struct peer_stats *p = pr[k];
                p->sorted = xgrow(p->sorted, &p->cap_sorted, p->n_sorted + 1, sizeof *p->sorted);
                p->sorted[p->n_sorted++] = m;
                p->n_with = (uint32_t)p->n_sorted;
                p->mean += m;
            }
        }
    }
    for (size_t r = 0; r < rows; r++) {
        for (size_t i = 0; i < eng->n_ind; i++) {
            struct peer_stats *p = &eng->peers[r * eng->n_ind + i];
            p->n_active = eng->active[r];
            p->mean = p->n_active ? p->mean / p->n_active : 0;
            if (p->n_sorted > 1)
                qsort(p->sorted, p->n_sorted, sizeof *p->sorted, cmp_double);
        }
    }
}

/* Peer figures from the statistics `p` of a group the employee may belong to (`self_active`)
 * and may have signalled in (`self` mass), leaving the employee out. */
static void group_view(const struct peer_stats *p, bool self_active, double self, double q,
                       double *quantile, double *share, double *mean, uint32_t *n)
{
    uint32_t others = p->n_active - (self_active ? 1 : 0);
    bool self_in = self_active && self >= MIN_MASS;
    size_t pos = p->n_sorted - (self_in ? 1 : 0);
    uint32_t with = (uint32_t)pos;
    *n = others;
    *share = others ? (double)with / others : 0;
    *mean = others ? (p->mean * p->n_active - (self_in ? self : 0)) / others : 0;
    if (*mean < 0)
        *mean = 0;
    *quantile = 0;
    if (others == 0)
        return;
    size_t zeros = others - with;
    size_t rank = (size_t)floor(q * (double)(others - 1));
    if (rank < zeros)
        return;
    size_t idx = rank - zeros;
    if (self_in) {
        /* Skip one occurrence of the employee's own mass in the sorted list. */
        size_t lo = 0, hi = p->n_sorted;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (p->sorted[mid] < self)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (idx >= lo)
            idx++;
    }
    if (idx < p->n_sorted)
        *quantile = p->sorted[idx];
}

/* The peer figures for employee `e` on indicator `i`, leaving the employee out: those of
 * the role. A role with fewer than MIN_PEERS other active members says too little alone
 * (one colleague's quiet month is no norm), so it is also compared with everyone and the
 * milder of the two normal levels counts: a small role is judged neither more strictly
 * than its own few members (two analysts who both look up criminals all day) nor than the
 * whole force. A percentile of n peers underestimates how far the role's normal work
 * reaches, the more so the fewer they are, so the normal level is raised by the factor
 * 1 + peer_few / sqrt(n). */
static void peer_view(const struct engine *eng, uint32_t e, size_t i, double self, double q,
                      double *quantile, double *share, double *mean, uint32_t *n)
{
    uint8_t role = eng->ref->emp[e].role;
    bool self_active = is_active(eng, e);
    group_view(&eng->peers[role * eng->n_ind + i], self_active, self, q, quantile, share, mean, n);
    if (*n > 0 && *n < MIN_PEERS) {
        double all_quantile, all_share, all_mean;
        uint32_t all_n;
        group_view(&eng->peers[ROLE_GROUPS * eng->n_ind + i], self_active, self, q, &all_quantile,
                   &all_share, &all_mean, &all_n);
        if (all_quantile > *quantile)
            *quantile = all_quantile;
        if (all_share > *share)
            *share = all_share;
    } else if (*n == 0) {
        group_view(&eng->peers[ROLE_GROUPS * eng->n_ind + i], self_active, self, q, quantile, share,
                   mean, n);
    }
    if (*n > 0)
        *quantile *= 1 + eng->cfg->peer_few / sqrt((double)*n);
}

/* ---- scoring ------------------------------------------------------------------------ */

struct ind_score {
    double score, mass, excess;
    double quantile, share, mean;
    double volume_ratio, volume_factor; /* see score_indicator */
    uint32_t n_peers;
};

/* Score indicator `i` of employee `e` at mass `m`. The peer figures leave out the
 * employee's own mass of the last day close, which is what the peer statistics hold. */
static double score_indicator(const struct engine *eng, uint32_t e, size_t i, double m,
                              struct ind_score *out)
{
    const struct ind_common *c = ind_common_of(eng, i);
    memset(out, 0, sizeof *out);
    out->mass = m;
    if (m <= 0 || !c->enabled)
        return 0;
    /* Peers are compared per unit of volume (volume_factor); the same division as in
     * compute_peers, so the employee's own entry is found and left out. */
    out->volume_ratio = volume_ratio(eng, e, i);
    out->volume_factor = volume_factor(eng, e, i);
    peer_view(eng, e, i, eng->mass[e * eng->n_ind + i] / out->volume_factor,
              eng->cfg->peer_quantile, &out->quantile, &out->share, &out->mean, &out->n_peers);
    out->quantile *= out->volume_factor;
    double excess = m;
    if (c->peer_floor < 1) {
        /* How far above what is normal in the role, in units of the role's normal level
         * once that level is large: an analyst at twice the analysts' usual volume is
         * less remarkable than a student with ten such lookups where students have none. */
        double scale = out->quantile / c->half_mass;
        excess = (m - out->quantile) / (scale > 1 ? scale : 1);
        double p0 = eng->cfg->peer_share_normal;
        double share = (out->share * out->n_peers + 20 * p0) / (out->n_peers + 20.0);
        double factor = p0 / share;
        if (factor > 1)
            factor = 1;
        if (factor < c->peer_floor)
            factor = c->peer_floor;
        excess *= factor;
        if (excess < 0)
            excess = 0;
    }
    out->excess = excess;
    out->score = c->weight * (1.0 - exp(-excess / (c->half_mass > 0 ? c->half_mass : 1)));
    return out->score;
}

static char *own_str(struct alert_slot *s, char *str)
{
    s->strings = xgrow(s->strings, &s->cap_strings, s->n_strings + 1, sizeof *s->strings);
    s->strings[s->n_strings++] = str;
    return str;
}

struct pick {
    const struct sig *s;
    int first_of_key;
};

static int cmp_pick_strength(const void *a, const void *b)
{
    const struct pick *x = a, *y = b;
    if (x->first_of_key != y->first_of_key)
        return y->first_of_key - x->first_of_key;
    if (x->s->strength != y->s->strength)
        return x->s->strength < y->s->strength ? 1 : -1;
    return (x->s->ts_ms > y->s->ts_ms) - (x->s->ts_ms < y->s->ts_ms);
}

static int cmp_evidence_ts(const void *a, const void *b)
{
    const struct evidence *x = a, *y = b;
    if (x->ts_ms != y->ts_ms)
        return (x->ts_ms > y->ts_ms) - (x->ts_ms < y->ts_ms);
    return strcmp(x->event_id, y->event_id);
}

/* Rebuild alert `slot` for employee `e` from the current scores, with score `combined`:
 * the score is always the one the listed indicators give (callers keep the highest by
 * rebuilding only when it rises). */
static void build_alert(struct engine *eng, uint32_t e, struct alert_slot *slot,
                        const struct ind_score *scores, double combined)
{
    const struct ref *ref = eng->ref;
    const struct employee *em = &ref->emp[e];
    struct emp_state *st = &eng->emp[e];
    alert_slot_clear(slot);
    slot->changed = 1;
    slot->a.score = combined;
    slot->a.user = em->user;
    slot->a.unit = ref_token_name(ref, em->unit);
    slot->a.team = ref_token_name(ref, em->team);
    slot->a.role = em->role_name[0] ? em->role_name : ref_role_name((enum role)em->role);
    slot->a.group = NULL;
    slot->a.first_ms = INT64_MAX;
    slot->a.last_ms = INT64_MIN;

    size_t n_ind = 0;
    for (size_t i = 0; i < eng->n_ind; i++)
        n_ind += scores[i].score >= eng->cfg->min_indicator;
    slot->ind = xcalloc(n_ind ? n_ind : 1, sizeof *slot->ind);
    size_t max_ev = (size_t)(eng->cfg->max_evidence > 0 ? eng->cfg->max_evidence : 1);
    slot->ev = xcalloc(n_ind * max_ev + 1, sizeof *slot->ev);
    size_t n_ev = 0, k = 0;
    uint32_t group = 0;

    /* Indicators in descending score order, so the strongest reason reads first. */
    size_t order[MAX_IND];
    size_t n_order = 0;
    for (size_t i = 0; i < eng->n_ind; i++)
        if (scores[i].score >= eng->cfg->min_indicator)
            order[n_order++] = i;
    for (size_t a = 1; a < n_order; a++)
        for (size_t b = a; b > 0 && scores[order[b]].score > scores[order[b - 1]].score; b--) {
            size_t tmp = order[b];
            order[b] = order[b - 1];
            order[b - 1] = tmp;
        }

    for (size_t oi = 0; oi < n_order; oi++) {
        size_t i = order[oi];
        const struct indicator *ind = indicator_registry[i];
        const struct ind_common *c = ind_common_of(eng, i);
        struct track *t = &st->tracks[i];
        struct ind_summary sum = {.ref = ref, .employee = e};
        sum.mass = track_mass(eng, c, t, eng->now_ms, st->floor_ms, &sum);
        sum.peer_mean = scores[i].mean;
        sum.peer_share = scores[i].share;
        sum.n_peers = scores[i].n_peers;
        sum.volume_ratio = scores[i].volume_ratio;
        sum.volume_factor = scores[i].volume_factor;

        /* Evidence: the strongest signal of each key first, then the rest, capped. */
        size_t live = t->n - t->head;
        struct pick *picks = xmalloc((live ? live : 1) * sizeof *picks);
        size_t n_picks = 0;
        u64map_clear(&eng->scratch);
        for (size_t j = t->head; j < t->n; j++) {
            const struct sig *s = &t->v[j];
            if (s->ts_ms <= st->floor_ms)
                continue;
            bool first = u64map_put(&eng->scratch, (uint64_t)s->key + 1, 1);
            picks[n_picks++] = (struct pick){s, first};
            if (s->group != 0)
                group = s->group;
        }
        qsort(picks, n_picks, sizeof *picks, cmp_pick_strength);
        size_t take = n_picks < max_ev ? n_picks : max_ev;
        struct evidence *evs = &slot->ev[n_ev];
        for (size_t j = 0; j < take; j++) {
            const struct sig *s = picks[j].s;
            struct evidence *v = &evs[j];
            v->event_id = own_str(slot, xstrndup(s->id, s->id_len));
            v->ts_ms = s->ts_ms;
            v->system = ref_system_name(ref, s->system);
            v->action = ingest_action_name((enum action)s->action);
            v->subject_type =
                s->subject != REF_NONE
                    ? ref_subject_type_name((enum subject_type)ref->subj[s->subject].type)
                    : "";
            v->subject = s->subject != REF_NONE ? ref->subj[s->subject].id : "";
            v->legitimation = s->legit != REF_NONE ? ref->cases[s->legit].id : "";
            v->note = ind->notes[s->note] ? ind->notes[s->note] : "";
        }
        qsort(evs, take, sizeof *evs, cmp_evidence_ts);
        free(picks);
        if (take > 0) {
            if (evs[0].ts_ms < slot->a.first_ms)
                slot->a.first_ms = evs[0].ts_ms;
            if (evs[take - 1].ts_ms > slot->a.last_ms)
                slot->a.last_ms = evs[take - 1].ts_ms;
        }

        struct sbuf en = {0}, nl = {0}, ben = {0}, bnl = {0};
        ind->describe(runs_locally(eng, i) ? eng->ind_self[i] : NULL, eng->cfg->ind_settings[i],
                      &sum, &en, &nl);
        describe_baseline(&sum, &ben, &bnl);
        struct alert_indicator *ai = &slot->ind[k++];
        ai->name = ind->name;
        ai->score = scores[i].score;
        ai->text_en = own_str(slot, en.buf ? en.buf : xstrdup(""));
        ai->text_nl = own_str(slot, nl.buf ? nl.buf : xstrdup(""));
        ai->baseline_en = own_str(slot, ben.buf ? ben.buf : xstrdup(""));
        ai->baseline_nl = own_str(slot, bnl.buf ? bnl.buf : xstrdup(""));
        ai->events = evs;
        ai->n_events = take;
        n_ev += take;
    }
    slot->a.indicators = slot->ind;
    slot->a.n_indicators = k;
    if (group != 0) {
        /* Owned by the slot's string list: the slots array moves when it grows, so the
         * alert must not point into the slot itself. */
        char buf[16];
        snprintf(buf, sizeof buf, "W-%06u", group);
        slot->a.group = own_str(slot, xstrdup(buf));
    }
    if (slot->a.first_ms == INT64_MAX)
        slot->a.first_ms = slot->a.last_ms = eng->now_ms;
}

static bool past_warmup(const struct engine *eng)
{
    return eng->mass != NULL && eng->day >= eng->first_day + (int32_t)eng->cfg->warmup_days;
}

static void open_alert(struct engine *eng, uint32_t e, const struct ind_score *scores,
                       double combined)
{
    eng->alerts = xgrow(eng->alerts, &eng->cap_alerts, eng->n_alerts + 1, sizeof *eng->alerts);
    struct alert_slot *slot = &eng->alerts[eng->n_alerts];
    memset(slot, 0, sizeof *slot);
    snprintf(slot->a.id, sizeof slot->a.id, "A-%06u", ++eng->next_alert_id);
    eng->emp[e].alert = (uint32_t)eng->n_alerts++;
    slot->a.opened_ms = eng->now_ms;
    build_alert(eng, e, slot, scores, combined);
}

/* Score every indicator of employee `e` at masses `mass` into `scores`, and return the
 * alert score: each family counts as its strongest indicator, the strongest family in
 * full and every other at `corroboration` of its score. It rises with every mass, so upper
 * bounds of the masses give an upper bound. */
static double score_combined(const struct engine *eng, uint32_t e, const double *mass,
                             struct ind_score *scores)
{
    double best[MAX_IND] = {0}, top = 0;
    for (size_t i = 0; i < eng->n_ind; i++) {
        double *b = &best[eng->family[i]];
        double s = score_indicator(eng, e, i, mass[i], &scores[i]);
        if (s > *b)
            *b = s;
        if (*b > top)
            top = *b;
    }
    double keep = 1.0 - top;
    bool top_counted = false;
    for (size_t f = 0; f < eng->n_ind; f++) {
        if (best[f] == top && !top_counted)
            top_counted = true;
        else
            keep *= 1.0 - eng->cfg->corroboration * best[f];
    }
    return 1.0 - keep;
}

static void score_employee(struct engine *eng, uint32_t e)
{
    struct emp_state *st = &eng->emp[e];
    struct ind_score scores[MAX_IND];
    double combined = score_combined(eng, e, &eng->mass[e * eng->n_ind], scores);
    const struct engine_config *cfg = eng->cfg;
    int64_t gap = (int64_t)(cfg->episode_gap_days * 86400000.0);

    if (st->alert != REF_NONE && eng->alerts[st->alert].provisional) {
        /* Opened during the day against yesterday's peers: today's peers decide, and set
         * the score, also when it is lower. */
        struct alert_slot *slot = &eng->alerts[st->alert];
        slot->provisional = 0;
        if (combined >= cfg->alert_threshold) {
            build_alert(eng, e, slot, scores, combined);
        } else {
            slot->withdrawn = 1;
            slot->changed = 1;
            eng->stats.alerts_withdrawn++;
            st->alert = REF_NONE;
        }
    } else if (st->alert != REF_NONE) {
        /* The snapshot follows growing evidence: new signals while the employee is still
         * over the threshold rebuild it, also when old signals have decayed meanwhile, so
         * the analyst sees the latest lookups. Its score stays the highest reached. Under
         * the threshold it is left as the analyst saw it last. */
        double peak = eng->alerts[st->alert].a.score;
        if (st->dirty && combined >= cfg->alert_threshold)
            build_alert(eng, e, &eng->alerts[st->alert], scores, combined > peak ? combined : peak);
        if (eng->now_ms - st->last_signal_ms > gap && combined < cfg->alert_threshold) {
            st->floor_ms = st->last_signal_ms;
            st->alert = REF_NONE;
        }
    } else if (combined >= cfg->alert_threshold && past_warmup(eng)) {
        open_alert(eng, e, scores, combined);
    }
    st->dirty = 0;
}

/* A signal can lift an employee over the threshold in the middle of the day. The alert
 * opens then, judged against the peers of the last day close, rather than at midnight:
 * a live run stores it within a second of the event. Only the indicators that signalled
 * are recomputed; the others keep their mass of the last signal or day close. */
static void score_early(struct engine *eng, uint32_t e, int64_t now)
{
    struct emp_state *st = &eng->emp[e];
    if (st->alert != REF_NONE || e >= eng->n_mass || st->tracks == NULL || !past_warmup(eng))
        return;
    /* First with upper bounds of the masses: most signals leave the employee far below
     * the threshold, and then no track is walked. */
    double *m = &eng->mass_now[e * eng->n_ind];
    struct ind_score scores[MAX_IND];
    if (score_combined(eng, e, m, scores) < eng->cfg->alert_threshold)
        return;
    for (size_t i = 0; i < eng->n_ind; i++)
        if (st->inexact >> i & 1)
            m[i] = track_mass(eng, ind_common_of(eng, i), &st->tracks[i], now, st->floor_ms, NULL);
    st->inexact = 0;
    double combined = score_combined(eng, e, m, scores);
    if (combined < eng->cfg->alert_threshold)
        return;
    int64_t closed_at = eng->now_ms;
    eng->now_ms = now;
    open_alert(eng, e, scores, combined);
    eng->alerts[st->alert].provisional = 1;
    eng->stats.alerts_opened_early++;
    eng->now_ms = closed_at;
}

/* ---- days --------------------------------------------------------------------------- */

/* The median accesses of each role's employees who were active on the closing day. */
static void record_role_medians(struct engine *eng)
{
    int64_t d = (int64_t)eng->day - eng->first_day;
    if (d < 0 || d >= 3660)
        return;
    if ((size_t)d >= eng->n_median_days) {
        size_t n = (size_t)d + 32;
        eng->role_median = xrealloc(eng->role_median, n * ROLE_GROUPS * sizeof(float));
        memset(eng->role_median + eng->n_median_days * ROLE_GROUPS, 0,
               (n - eng->n_median_days) * ROLE_GROUPS * sizeof(float));
        eng->n_median_days = n;
    }
    /* One pass over the employees, the day's figures grouped by role (a counting sort),
     * then the median of each group. */
    size_t start[ROLE_GROUPS + 1] = {0};
    for (size_t e = 0; e < eng->n_emp; e++) {
        const struct emp_state *st = &eng->emp[e];
        if ((size_t)d < st->n_days && st->days[d].accesses)
            start[eng->ref->emp[e].role + 1]++;
    }
    for (int r = 0; r < ROLE_GROUPS; r++)
        start[r + 1] += start[r];
    size_t fill[ROLE_GROUPS];
    memcpy(fill, start, sizeof fill);
    double *vals = xmalloc((start[ROLE_GROUPS] ? start[ROLE_GROUPS] : 1) * sizeof *vals);
    for (size_t e = 0; e < eng->n_emp; e++) {
        const struct emp_state *st = &eng->emp[e];
        if ((size_t)d < st->n_days && st->days[d].accesses)
            vals[fill[eng->ref->emp[e].role]++] = st->days[d].accesses;
    }
    double median[ROLE_GROUPS];
    group_medians(vals, start, median);
    for (int r = 0; r < ROLE_GROUPS; r++)
        eng->role_median[(size_t)d * ROLE_GROUPS + r] = (float)median[r];
    free(vals);
}

static void close_day(struct engine *eng)
{
    if (eng->day == INT32_MIN)
        return;
    eng->stats.days++;
    /* The day ends at the next local midnight. */
    int64_t midnight = ((int64_t)eng->day + 1) * 86400000LL;
    eng->now_ms = midnight - (int64_t)tz_offset(eng->tz, midnight) * 1000;
    count_active(eng);
    for (size_t i = 0; i < eng->n_ind; i++) {
        const struct indicator *ind = indicator_registry[i];
        if (ind->on_day_close != NULL && runs_locally(eng, i)) {
            eng->current_ind = (int)i;
            ind->on_day_close(eng->ind_self[i], eng->cfg->ind_settings[i], eng, eng->day);
        }
    }
    eng->current_ind = -1;
    emp_state(eng, eng->ref->n_emp ? (uint32_t)eng->ref->n_emp - 1 : 0);
    eng->mass = xrealloc(eng->mass, (eng->n_emp ? eng->n_emp : 1) * eng->n_ind * sizeof(double));
    for (size_t e = 0; e < eng->n_emp; e++) {
        struct emp_state *st = &eng->emp[e];
        for (size_t i = 0; i < eng->n_ind; i++) {
            double m = 0;
            if (st->tracks != NULL && st->tracks[i].n > st->tracks[i].head)
                m = track_mass(eng, ind_common_of(eng, i), &st->tracks[i], eng->now_ms,
                               st->floor_ms, NULL);
            eng->mass[e * eng->n_ind + i] = m;
        }
    }
    compute_volume_ratios(eng);
    compute_peers(eng);
    eng->n_mass = eng->n_emp;
    size_t bytes = (eng->n_emp ? eng->n_emp : 1) * eng->n_ind * sizeof(double);
    eng->mass_now = xrealloc(eng->mass_now, bytes);
    memcpy(eng->mass_now, eng->mass, bytes);
    for (size_t e = 0; e < eng->n_emp; e++)
        eng->emp[e].inexact = 0;
    for (size_t e = 0; e < eng->n_emp; e++)
        if (eng->emp[e].tracks != NULL)
            score_employee(eng, (uint32_t)e);
    record_role_medians(eng);
}

void engine_prefetch(const struct engine *eng, const struct event *ev)
{
    if (!ev->looked_up || ev->user == REF_NONE)
        return;
    if (ev->user < eng->n_emp)
        __builtin_prefetch(&eng->emp[ev->user]);
    explain_prefetch(eng->x, ev);
}

void engine_prefetch_late(const struct engine *eng, const struct event *ev)
{
    if (!ev->looked_up || ev->user == REF_NONE)
        return;
    if (ev->user < eng->n_emp) { /* the day row: most events fall on the last active day */
        const struct emp_state *st = &eng->emp[ev->user];
        int64_t d = (int64_t)st->last_active_day - eng->first_day;
        if (d >= 0 && (size_t)d < st->n_days)
            __builtin_prefetch(&st->days[d]);
    }
    explain_prefetch_late(eng->x, ev);
    /* Only the few indicators that have the callback: this runs for every event. */
    for (uint64_t m = eng->prefetching & ~eng->remote; m != 0; m &= m - 1) {
        size_t i = (size_t)__builtin_ctzll(m);
        indicator_registry[i]->prefetch(eng->ind_self[i], eng->ref, ev);
    }
}

void engine_event(struct engine *eng, const struct event *ev)
{
    struct access a;
    explain_event(eng->x, ev, &a);
    if (a.local.day > eng->day) {
        close_day(eng);
        if (eng->first_day == INT32_MIN)
            eng->first_day = a.local.day;
        else {
            /* A stretch without any events: the first days of it are closed one by one,
             * so that held signals are judged on their own days (IND_HOLD_MAX_DAYS), and
             * the day before this one as well, so that episodes see the quiet time pass. */
            int32_t last = eng->day;
            for (int32_t d = last + 1; d < a.local.day; d++) {
                if (d > last + IND_HOLD_MAX_DAYS)
                    d = a.local.day - 1;
                eng->day = d;
                close_day(eng);
            }
        }
        eng->day = a.local.day;
    }
    if (ev->ts_ms > eng->newest_ms)
        eng->newest_ms = ev->ts_ms;
    struct emp_state *st = emp_state(eng, ev->user);
    eng->current_user = ev->user;
    eng->signalled = 0;
    if (a.is_record) {
        st->last_active_day = a.local.day;
        eng->stats.record_accesses++;
        int64_t d = (int64_t)a.local.day - eng->first_day;
        if (d >= 0 && d < 3660) {
            if ((size_t)d >= st->n_days) {
                size_t n = (size_t)d + 1 > st->n_days * 2 ? (size_t)d + 1 : st->n_days * 2;
                st->days = xrealloc(st->days, n * sizeof *st->days);
                memset(st->days + st->n_days, 0, (n - st->n_days) * sizeof *st->days);
                st->n_days = n;
            }
            struct day_count *dc = &st->days[d];
            if (dc->accesses < UINT16_MAX)
                dc->accesses++;
            if (a.route == EX_NONE && dc->unexplained < UINT16_MAX)
                dc->unexplained++;
            if ((a.route == EX_NONE || a.route == EX_ROUTINE) && dc->uncased < UINT16_MAX)
                dc->uncased++;
        }
    }
    for (size_t i = 0; i < eng->n_ind; i++) {
        const struct indicator *ind = indicator_registry[i];
        if (ind->on_event != NULL && runs_locally(eng, i)) {
            eng->current_ind = (int)i;
            ind->on_event(eng->ind_self[i], eng->cfg->ind_settings[i], eng, ev, &a);
        }
    }
    eng->current_ind = -1;
    eng->current_user = REF_NONE;
    if (eng->signalled != 0)
        score_early(eng, ev->user, ev->ts_ms);
}

void engine_inject_signal(struct engine *eng, int indicator, const struct event *ev, float strength,
                          uint32_t key, uint8_t note, uint32_t group)
{
    assert(indicator >= 0 && (size_t)indicator < eng->n_ind);
    assert(eng->current_ind < 0); /* not from inside an indicator's callback */
    if (strength <= 0 || !ind_common_of(eng, (size_t)indicator)->enabled ||
        !deliver_signal(eng, indicator, ev, strength, key, note, group))
        return;
    /* As after an event: the indicator that signalled is rescored at once, at the newer
     * of the signal's time and the newest event's (a signal may arrive after its day). */
    eng->signalled = 1ULL << indicator;
    score_early(eng, ev->user, ev->ts_ms > eng->newest_ms ? ev->ts_ms : eng->newest_ms);
    eng->signalled = 0;
}

static int cmp_alert(const void *a, const void *b)
{
    const struct alert *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? 1 : -1;
    return strcmp(x->id, y->id);
}

void engine_finish(struct engine *eng)
{
    eng->finishing = true;
    close_day(eng);
    free(eng->sorted_alerts);
    eng->sorted_alerts = xmalloc((eng->n_alerts ? eng->n_alerts : 1) * sizeof(struct alert));
    eng->n_sorted = 0;
    for (size_t i = 0; i < eng->n_alerts; i++) {
        if (eng->alerts[i].withdrawn)
            continue;
        eng->sorted_alerts[eng->n_sorted++] = eng->alerts[i].a;
        for (size_t k = 0; k < eng->alerts[i].a.n_indicators; k++) {
            int idx = indicator_find(eng->alerts[i].a.indicators[k].name);
            if (idx >= 0)
                eng->stats.alerts_by_indicator[idx]++;
        }
    }
    qsort(eng->sorted_alerts, eng->n_sorted, sizeof(struct alert), cmp_alert);
}

size_t engine_changed_alerts(struct engine *eng, engine_alert_fn fn, void *ctx)
{
    size_t n = 0;
    for (size_t i = 0; i < eng->n_alerts; i++) {
        struct alert_slot *slot = &eng->alerts[i];
        if (!slot->changed)
            continue;
        slot->changed = 0;
        fn(ctx, &slot->a, slot->withdrawn != 0);
        n++;
    }
    return n;
}

size_t engine_activity(const struct engine *eng, size_t alert, struct activity_day *out, size_t max)
{
    if (alert >= eng->n_sorted)
        return 0;
    return engine_alert_activity(eng, &eng->sorted_alerts[alert], out, max);
}

size_t engine_alert_activity(const struct engine *eng, const struct alert *a,
                             struct activity_day *out, size_t max)
{
    if (eng->role_median == NULL)
        return 0;
    uint32_t e = ref_find_employee(eng->ref, a->user, strlen(a->user));
    if (e == REF_NONE || e >= eng->n_emp)
        return 0;
    const struct emp_state *st = &eng->emp[e];
    uint8_t role = eng->ref->emp[e].role;
    struct local_time first, last;
    tz_local(eng->tz, a->first_ms, &first);
    tz_local(eng->tz, a->last_ms, &last);
    int64_t from = (int64_t)first.day - 28 - eng->first_day;
    int64_t to = (int64_t)last.day + 7 - eng->first_day;
    if (from < 0)
        from = 0;
    if (to >= (int64_t)eng->n_median_days)
        to = (int64_t)eng->n_median_days - 1;
    size_t n = 0;
    for (int64_t d = from; d <= to && n < max; d++, n++) {
        out[n].day = (int32_t)(eng->first_day + d);
        out[n].accesses = (size_t)d < st->n_days ? st->days[d].accesses : 0;
        out[n].unexplained = (size_t)d < st->n_days ? st->days[d].unexplained : 0;
        out[n].peer_median = eng->role_median[(size_t)d * ROLE_GROUPS + role];
    }
    return n;
}

const struct alert *engine_alerts(const struct engine *eng, size_t *n)
{
    *n = eng->n_sorted;
    return eng->sorted_alerts;
}

void engine_set_pseudonym(struct engine *eng, size_t alert, const char *pseudonym)
{
    if (alert < eng->n_sorted)
        eng->sorted_alerts[alert].pseudonym = pseudonym;
}
