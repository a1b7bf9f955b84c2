/*
 * engine.h - the detection engine: events in, scored employees and alerts out.
 *
 * For each event, in event-time order: explain it (explain/), hand it to every enabled
 * indicator (indicators/), which may emit signals on the employee; when event time passes
 * a local midnight, close the day: day-level indicators run, then every employee with
 * signals is scored (score.c) and alerts are opened or updated. Both `analyze` and a live
 * run drive the engine the same way, so they give the same alerts.
 *
 * Scoring, per employee and indicator, over the indicator's lookback window:
 *   mass   = sum over distinct keys of decayed strength x (1 + repeat_bonus x repeats)
 *   excess = max(0, mass - q) / max(1, q / half_mass) x discount
 *            (q: the role's quantile of mass over its n peers, x (1 + peer_few / sqrt(n));
 *            for an indicator with a volume_norm, the quantile of mass / v, times the
 *            employee's own v, where v = max(1, own lookups without a case over the
 *            role's median) ^ volume_norm; discount: when more than peer_share_normal of
 *            the role has the signal, by that ratio, down to the indicator's peer_floor)
 *   score  = weight x (1 - exp(-excess / half_mass))
 * and per employee: combined = 1 - (1 - top) x prod over the other families (1 -
 * corroboration x score_f), where the indicators of one family count as their strongest
 * and top is the strongest family's score. Further indicators therefore count for more
 * than repetition of one, whose contribution is capped at its weight, but less than their
 * own score: indicators are not independent (a busy employee has a little of several).
 * An alert opens when combined >= alert_threshold (after the warm-up) and is updated while
 * its episode lasts; an episode ends after episode_gap_days without new signals.
 *
 * Deterministic: single-threaded, fixed iteration orders, no clocks or randomness.
 * Memory: the engine borrows ref and tz; alerts it returns are owned by the engine.
 */
#ifndef WACHTER_ENGINE_H
#define WACHTER_ENGINE_H

#include "core/core.h"
#include "explain/explain.h"
#include "ingest/ingest.h"
#include "ref/ref.h"
#include "score/alert.h"
#include "store/store.h"

struct engine_config {
    double alert_threshold;   /* combined score that opens an alert; default 0.5 */
    double episode_gap_days;  /* quiet days that end an episode; default 30 */
    double warmup_days;       /* no alerts in the first days of data; default 7 */
    double peer_quantile;     /* role quantile of mass that counts as normal; default 0.95 */
    double peer_share_normal; /* share of a role with a signal still taken as rare; 0.3 */
    double peer_few;          /* raises the role's normal level by peer_few / sqrt(peers); 0.5 */
    double min_indicator;     /* indicator scores below this are left out of alerts; 0.05 */
    double corroboration;     /* share of each further indicator's score that counts; 0.8 */
    int max_evidence;         /* evidence events listed per indicator; default 12 */
    struct explain_config explain;
    struct ingest_config ingest;
    char timezone[64];   /* zone for local-time reasoning; default Europe/Amsterdam */
    void **ind_settings; /* per registry entry, settings struct (owned) */
};

/* Defaults for everything, indicators included. Memory: free with engine_config_free. */
void engine_config_defaults(struct engine_config *cfg);
void engine_config_free(struct engine_config *cfg);

/* Apply a JSON config file (see docs/config.md) over `cfg`. Returns 0, or -1 with `e`
 * naming the file and the offending key. */
int engine_config_load(struct engine_config *cfg, const char *path, struct err *e);

/* Write the config reference (every key, default and meaning) as Markdown. */
void engine_config_doc(struct sbuf *out);
/* Write `cfg` as a complete JSON config file. */
void engine_config_json(const struct engine_config *cfg, struct sbuf *out);

/* The `wachter analyze` and `wachter config` commands (analyze.c). */
int analyze_main(int argc, char **argv);
int config_main(int argc, char **argv);

/* ---- shared by `analyze` and `run` (analyze.c) ---- */
struct privacy;
struct engine;
/* One alert as a line of the alerts output (with the real number when `reveal`). */
void analyze_alert_json(struct sbuf *out, const struct alert *a, struct tz *tz, int reveal);
/* The stats output: ingest counters, explained shares per role, signals per indicator. */
void analyze_stats_json(struct sbuf *out, const struct ingest_stats *is, size_t n_files,
                        const struct engine *eng, size_t n_alerts);
/* One line of the rejects output. */
void analyze_reject_json(struct sbuf *out, const char *file, uint64_t line, enum reject_reason why,
                         const char *raw, size_t n);
/* Derive the pseudonym of a->user into `pseudonym` (PSEUDONYM_LEN bytes) and store it with the
 * sealed number. Returns 0, or -1 with `e` filled. */
int analyze_put_pseudonym(struct store *st, const struct privacy *priv, const struct alert *a,
                          char *pseudonym, struct err *e);
/* Hand the exceptions recorded in the store to the engine (by pseudonym). */
int analyze_load_exceptions(struct store *st, const struct privacy *priv, struct ref *ref,
                            struct tz *tz, struct engine *eng, struct err *e);
/* "wachter.key" beside the database file (a URL puts it in the working directory).
 * Memory: the caller frees the result. */
char *analyze_key_path(const char *db);
/* The OS user running the command, for the reveal log. */
const char *analyze_os_user(void);

struct engine;

/* Memory: borrows ref, tz and cfg for its lifetime. */
struct engine *engine_new(struct ref *ref, struct tz *tz, const struct engine_config *cfg);
void engine_free(struct engine *eng);

/* Record an exception recorded by an analyst: signals of indicator `indicator` (-1: any)
 * about subject `subject` (REF_NONE: any) for employee `emp` from events up to
 * `until_ms` are dropped and counted as suppressed. Call before the first event. */
void engine_add_exception(struct engine *eng, uint32_t emp, int indicator, uint32_t subject,
                          int64_t until_ms);

/* Feed one event. */
void engine_event(struct engine *eng, const struct event *ev);

/* Hints for a caller that holds a batch of events (ingest resolved their employee and
 * record): start fetching what engine_event will touch for `ev`, so that the cache misses
 * of many employees' and records' state overlap instead of following one another. Call
 * engine_prefetch some events ahead (with ingest_prefetch) and engine_prefetch_late
 * about half as far ahead: it reads what the first brought in. Nothing changes. */
void engine_prefetch(const struct engine *eng, const struct event *ev);
void engine_prefetch_late(const struct engine *eng, const struct event *ev);

/* ---- signals across instances (docs/scale-out.md, "The subject side") ---- */

/* A signal of indicator `indicator` (its registry index) on the employee of `ev`, as an
 * indicator emitted it (see engine_signal in indicators/indicator.h; strength is already
 * capped at SIGNAL_STRENGTH_MAX). Memory: `ev` and its texts are valid only during the
 * call. */
typedef void (*engine_signal_hook_fn)(void *ctx, int indicator, const struct event *ev,
                                      float strength, uint32_t key, uint8_t note, uint32_t group);

/* From now on hand every signal to `fn` instead of storing it: the engine then scores
 * nothing and opens no alerts, it only detects (the subject role of `wachter run`, which
 * publishes the signals to their employee's owner). NULL restores storing. Signals are
 * still counted in engine_stats. Memory: `ctx` is borrowed until the hook is replaced. */
void engine_set_signal_hook(struct engine *eng, engine_signal_hook_fn fn, void *ctx);

/* Do not run indicator `indicator` here (its callbacks are skipped and its state freed),
 * but keep scoring it: its signals arrive through engine_inject_signal. For an indicator
 * that needs more events than this engine sees (curiosity_wave on an instance that owns
 * only some employees). Call before the first event. */
void engine_set_remote(struct engine *eng, int indicator);

/* Store a signal of indicator `indicator` detected elsewhere (another instance) on the
 * employee of `ev` (resolved against this engine's reference data), exactly as
 * engine_signal would have stored it: same exceptions, track, counters; then, as after an
 * event, the employee is rescored at once (score_early) at the later of ev->ts_ms and the
 * newest event fed, so an alert can open now; otherwise the signal counts at the next day
 * close. Ignored when the indicator is disabled in the configuration or strength <= 0.
 * Must not be called from an indicator callback. Memory: ev->id is copied. */
void engine_inject_signal(struct engine *eng, int indicator, const struct event *ev, float strength,
                          uint32_t key, uint8_t note, uint32_t group);

/* Alerts opened, grown or withdrawn since the last call, in the order they were opened,
 * for a live run that stores alerts as they change. `withdrawn`: an alert opened during
 * a day that the day's close did not confirm. Returns how many were passed to `fn`.
 * Memory: `a` is owned by the engine and valid during the call; its pseudonym is NULL. */
typedef void (*engine_alert_fn)(void *ctx, const struct alert *a, bool withdrawn);
size_t engine_changed_alerts(struct engine *eng, engine_alert_fn fn, void *ctx);

/* The daily activity around alert `a` (one the engine handed out); see engine_activity. */
size_t engine_alert_activity(const struct engine *eng, const struct alert *a,
                             struct activity_day *out, size_t max);

/* Close the last day and finish all scoring; call once after the last event. */
void engine_finish(struct engine *eng);

/* The alerts, most urgent first (score, then id). Valid after engine_finish.
 * Memory: owned by the engine; `user` is the real employee number and `pseudonym` is NULL
 * until the caller sets it (engine_set_pseudonym). */
const struct alert *engine_alerts(const struct engine *eng, size_t *n);
void engine_set_pseudonym(struct engine *eng, size_t alert, const char *pseudonym);

const struct explainer *engine_explainer(const struct engine *eng);

/* The daily activity around sorted alert `alert` (from four weeks before its first
 * evidence to a week after its last): the employee's record accesses and unexplained
 * accesses per local day, with the median of active peers in the same role. Writes at
 * most `max` days to `out` and returns how many. Valid after engine_finish. */
size_t engine_activity(const struct engine *eng, size_t alert, struct activity_day *out,
                       size_t max);

/* Per-indicator counters for the stats output. */
struct engine_stats {
    uint64_t record_accesses;
    uint64_t signals[64];
    uint64_t alerts_by_indicator[64];
    uint64_t suppressed[64]; /* signals dropped by exceptions */
    uint64_t days;
    uint64_t alerts_opened_early; /* opened during the day by a signal */
    uint64_t alerts_withdrawn;    /* of those, not confirmed at the day's close */
};
const struct engine_stats *engine_stats(const struct engine *eng);

#endif
