/*
 * indicator.h - the indicator plug-in interface and the registry.
 *
 * An indicator is a struct of callbacks plus a config table, as a Fluent Bit plug-in:
 *
 *   on_event      sees every event with its explanation (struct access) and may emit
 *                 signals on the acting employee;
 *   on_day_close  runs when event time passes a local midnight, for indicators that judge
 *                 a whole day (volume, export) or a pattern over many employees (waves);
 *   describe      writes the plain-language sentence (English and Dutch) for an alert,
 *                 from the summary of the signals the scorer kept.
 *
 * Signals carry a strength (0..SIGNAL_STRENGTH_MAX] and a key; 1 is a plain signal, more
 * an aggravated one (a neighbour looked up from home). The scorer turns them into an
 * indicator score with a cap, decay over time and a discount when the signal is common
 * among peers of the same role. Indicators never score employees themselves: one scoring
 * rule for all keeps alerts comparable and explainable.
 *
 * Settings: every indicator's settings struct starts with `struct ind_common`; its config
 * table lists {key, type, offset, default, help} for each setting (common ones included),
 * which fills the struct from defaults and the config file and generates the docs.
 *
 * Adding an indicator means one new file that defines a `const struct indicator` and one
 * line in registry.c.
 */
#ifndef WACHTER_INDICATOR_H
#define WACHTER_INDICATOR_H

#include "core/core.h"
#include "explain/explain.h"
#include "ingest/ingest.h"
#include "ref/ref.h"

#include <stddef.h>
#include <string.h>

struct engine; /* the running detection, see engine/engine.h */

/* Settings every indicator has. */
struct ind_common {
    int enabled;
    double weight;         /* the most this indicator can add to an alert score, 0..1 */
    double half_mass;      /* evidence mass at which it gives 63% of weight (1 - 1/e) */
    double lookback_days;  /* signals older than this are forgotten */
    double half_life_days; /* a signal's strength halves over this many days */
    double peer_floor;     /* lowest factor the peer discount can bring it to; 1 = none */
    double repeat_bonus;   /* extra mass per repeated signal on the same key, up to 4 */
    double volume_norm;    /* the role's normal level grows with the employee's volume of
                              lookups without a case to this power (0: not; only indicators
                              that list IND_VOLUME_NORM_PARAM) */
};

enum param_type { PARAM_BOOL, PARAM_DOUBLE };

struct ind_param {
    const char *key;
    enum param_type type;
    size_t offset; /* into the settings struct */
    double def;
    const char *help;
};

#define IND_COMMON_PARAMS(T, W, HM, LB, HL, PF, RB)                                                \
    {"enabled", PARAM_BOOL, offsetof(T, common.enabled), 1, "run this indicator"},                 \
        {"weight", PARAM_DOUBLE, offsetof(T, common.weight), W,                                    \
         "the most this indicator adds to an alert score (0..1)"},                                 \
        {"half_mass", PARAM_DOUBLE, offsetof(T, common.half_mass), HM,                             \
         "evidence mass at which it gives 63% of its weight"},                                     \
        {"lookback_days", PARAM_DOUBLE, offsetof(T, common.lookback_days), LB,                     \
         "signals older than this are forgotten"},                                                 \
        {"half_life_days", PARAM_DOUBLE, offsetof(T, common.half_life_days), HL,                   \
         "a signal's strength halves over this many days"},                                        \
        {"peer_floor", PARAM_DOUBLE, offsetof(T, common.peer_floor), PF,                           \
         "lowest factor the discount for signals common in the role can reach (1 = none)"},        \
    {                                                                                              \
        "repeat_bonus", PARAM_DOUBLE, offsetof(T, common.repeat_bonus), RB,                        \
            "extra mass for each repeat on the same record (at most 4 repeats count)"              \
    }

/* For indicators whose signals chance produces more often the more one looks up (a
 * colleague's car among many plate checks): see ind_common.volume_norm. */
#define IND_VOLUME_NORM_PARAM(T, D)                                                                \
    {                                                                                              \
        "volume_norm", PARAM_DOUBLE, offsetof(T, common.volume_norm), D,                           \
            "how the role's normal level grows with the employee's lookups without a case, as a "  \
            "multiple of the role's median: to this power (1 = in proportion, 0 = not at all)"     \
    }

/* For indicators that weigh a lookup of someone in an incident less (access_in_incident):
 * `incident_strength` and `incident_days` fields of T. WHAT names the weight's object. */
#define IND_INCIDENT_PARAMS(T, WHAT)                                                               \
    {"incident_strength", PARAM_DOUBLE, offsetof(T, incident_strength), 0.25,                      \
     WHAT " who is in an incident (not the employee's) within `incident_days` of it: looked up "   \
          "by officers not dispatched to it"},                                                     \
    {                                                                                              \
        "incident_days", PARAM_DOUBLE, offsetof(T, incident_days), 3,                              \
            "days before an incident opens and after it closes in which it counts for "            \
            "`incident_strength`"                                                                  \
    }

/* For indicators that weigh a lookup under the number of the employee's own investigation
 * less (access_under_own_investigation): an `own_case_strength` field of T. WHAT names
 * the weight's object. */
#define IND_OWN_CASE_PARAM(T, WHAT)                                                                \
    {                                                                                              \
        "own_case_strength", PARAM_DOUBLE, offsetof(T, own_case_strength), 0.25,                   \
            WHAT " under the number of the employee's own open investigation that does not hold "  \
                 "the record (registered under the case; bogus_legitimation counts the number)"    \
    }

/* Note codes an indicator may give its signals (0 .. IND_NOTES - 1). */
enum { IND_NOTES = 16 };

/* What the scorer kept about one indicator of one employee, for describe(). */
struct ind_summary {
    const struct ref *ref;
    uint32_t employee;
    double mass;        /* decayed, capped evidence mass */
    uint32_t n_signals; /* signals in the window */
    uint32_t n_keys;    /* distinct keys (records, days, ...) */
    int64_t first_ms, last_ms;
    uint32_t note_counts[IND_NOTES]; /* signals per note code (indicator-defined) */
    double peer_mean;                /* average mass of peers of the same role */
    double peer_share;               /* share of those peers with any signal */
    uint32_t n_peers;
    double volume_ratio;  /* own lookups without a case over the role's median */
    double volume_factor; /* the role's normal level was raised by this (1: not) */
};

struct indicator {
    const char *name;     /* stable id, used in alerts, config and the store */
    const char *title_en; /* short title for screens */
    const char *title_nl;
    const char *help;             /* what it means to an analyst; used for docs */
    const char *notes[IND_NOTES]; /* what each note code means, for evidence lists (English) */
    /* Indicators that see one thing in the same lookups share a family (NULL: none); an
     * alert counts a family as its strongest member, not as corroboration. */
    const char *family;
    const struct ind_param *params;
    size_t n_params;
    size_t settings_size;
    /* Optional callbacks; `self` is the indicator's instance state (see engine_ind_*). */
    void *(*create)(const void *settings, const struct ref *ref);
    void (*destroy)(void *self);
    void (*on_event)(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a);
    void (*on_day_close)(void *self, const void *settings, struct engine *eng, int32_t day);
    /* A hint, some events before on_event gets `ev` (whose employee and record are
     * resolved and the record's struct subject fetched): start fetching the state that
     * on_event will touch for it, per employee or per record, where that state is too
     * large for the caches. Must not change anything. */
    void (*prefetch)(const void *self, const struct ref *ref, const struct event *ev);
    /* `self` is NULL where the indicator runs on another instance (docs/scale-out.md). */
    void (*describe)(const void *self, const void *settings, const struct ind_summary *sum,
                     struct sbuf *en, struct sbuf *nl);
};

/* The registry: every indicator built in, in a fixed order (their index is their id). */
extern const struct indicator *const indicator_registry[];
extern const size_t indicator_count;

/* Index of indicator `name`, or -1. */
int indicator_find(const char *name);

/* Fill `settings` (settings_size bytes) with the defaults of `ind`. */
void indicator_defaults(const struct indicator *ind, void *settings);

/* The largest value any indicator parameter takes: a million years in days. */
#define IND_PARAM_MAX 1e9

/* Set parameter `key` of `ind` in `settings` to `value` (0 .. IND_PARAM_MAX; weight and
 * volume_norm at most 1). Returns 0, or -1 with `e` when the key is unknown or the value
 * out of range. */
int indicator_set(const struct indicator *ind, void *settings, const char *key, double value,
                  struct err *e);

/* ---- helpers shared by indicator files ---------------------------------------------- */

/* The strongest a signal can be: twice a plain one. Stronger signals are cut to it. */
#define SIGNAL_STRENGTH_MAX 2.0f

/* Emit a signal of the indicator whose callback is running on the employee who acted in
 * `ev` (defined in engine.c). `key` tells records apart: repeats on one key add only
 * repeat_bonus. `note` is an indicator-defined code (below IND_NOTES) counted for the
 * explanation. `group` ties signals of one multi-employee pattern together (0 = none).
 * Memory: `ev` is copied; its id must stay valid for the run (ingest guarantees it). */
void engine_signal(struct engine *eng, const struct event *ev, float strength, uint32_t key,
                   uint8_t note, uint32_t group);

/* engine_signal on `employee` instead of the one who acted in `ev`: for lookups that are
 * evidence against someone else (another's login used for one's own family). The engine
 * scores `employee` at the next day close. */
void engine_signal_for(struct engine *eng, const struct event *ev, uint32_t employee,
                       float strength, uint32_t key, uint8_t note, uint32_t group);

/* What a signal needs of an event, for indicators that hold events to signal later (a
 * day's sample, a wave's lookers): a fraction of struct event, and free of the texts that
 * are valid only where ingest wrote the event (see ingest_next). */
enum { KEPT_ID = 32 };

struct kept_event {
    int64_t ts_ms;
    const char *id_kept; /* the event's id_kept, read only when the id is longer than KEPT_ID */
    uint32_t id_len, user, subject, legit;
    uint16_t system;
    uint8_t action;
    uint32_t results;
    char id[KEPT_ID]; /* the id when it fits: reading it later touches no file page */
};

static inline struct kept_event kept_event_of(const struct event *ev)
{
    struct kept_event k = {ev->ts_ms, ev->id_kept, ev->id_len, ev->user,    ev->subject,
                           ev->legit, ev->system,  ev->action, ev->results, {0}};
    if (ev->id_len <= KEPT_ID)
        memcpy(k.id, ev->id, ev->id_len);
    return k;
}

/* engine_signal for a kept event. */
void engine_signal_kept(struct engine *eng, const struct kept_event *k, float strength,
                        uint32_t key, uint8_t note, uint32_t group);

/* Facts about the run that indicators may consult. */
const struct ref *engine_ref(const struct engine *eng);
const struct explainer *engine_explainer(const struct engine *eng);
/* True during the last day close of a run (engine_finish): indicators that hold signals
 * back to judge them later must judge them now. */
bool engine_finishing(const struct engine *eng);
/* The local day of the run's first event (INT32_MIN before it). */
int32_t engine_first_day(const struct engine *eng);
/* In on_day_close: the staff of peer group `group` (ref's employee role) who accessed a
 * record on the closing local day or the 28 before it, the active staff that the peer
 * baselines are made of. */
uint32_t engine_active_staff(const struct engine *eng, uint8_t group);

static inline int access_case_explained(const struct access *a)
{
    return a->route == EX_CASE_TYPED || a->route == EX_CASE_MEMBER || a->route == EX_CASE_LINKED ||
           a->route == EX_CASE_RELATION || a->route == EX_CASE_UNIT || a->route == EX_CASE_WORK ||
           a->route == EX_CASE_WRITER || a->route == EX_INTEGRITY_UNIT || a->route == EX_FOLLOW_UP;
}

/* Was access `a` made under the number of the employee's own open investigation (not an
 * incident) that does not hold the record? Registered under the case, then: the record
 * lists are never complete (a suspect's relative, a witness). colleague_lookup,
 * neighbour_lookup and private_fixation weigh such lookups less; bogus_legitimation still
 * counts the number. */
static inline bool access_under_own_investigation(const struct ref *ref, const struct access *a)
{
    return a->bogus == BOGUS_NOT_IN_CASE && a->legit != REF_NONE &&
           ref->cases[a->legit].kind != CK_INCIDENT;
}

/* Is the record of `ev`, or the person behind it (access.person), in an incident that runs
 * within `days` of the event (see ref_in_incident)? colleague_lookup and the criminal
 * indicators weigh such lookups less: people in an incident are looked up by officers
 * not dispatched to it. */
static inline bool access_in_incident(const struct ref *ref, const struct event *ev,
                                      const struct access *a, double days)
{
    int64_t margin = (int64_t)(days * 86400000.0);
    return ref_in_incident(ref, ev->subject, ev->ts_ms, margin) ||
           (a->person != ev->subject && ref_in_incident(ref, a->person, ev->ts_ms, margin));
}

/* True the first time `key` comes up on local day `day`: the map remembers the last day
 * of each key (one look a day, whatever number of log lines it left). */
static inline bool ind_first_of_day(struct u64map *last_day, uint64_t key, int32_t day)
{
    uint64_t d = (uint64_t)(uint32_t)day + 1;
    uint64_t *last = u64map_get(last_day, key);
    if (last != NULL && *last == d)
        return false;
    if (last != NULL)
        *last = d;
    else
        u64map_put(last_day, key, d);
    return true;
}

/* How much of a personal hit chance explains (chance.c): an indicator counts its role's
 * unexplained lookups and the chance hits it can tell apart, and weighs each first look at
 * a record by what chance cannot account for. Zero-initialise to start. */
struct chance_volume {
    uint64_t lookups; /* unexplained record lookups */
    int64_t first_ms; /* the first of them */
    uint32_t records; /* distinct records judged by ind_chance_factor */
};
struct ind_chance {
    uint64_t lookups[ROLE_GROUPS]; /* unexplained record lookups per role */
    double hits[ROLE_GROUPS];      /* chance hits per role */
    struct chance_volume *emp;     /* per employee */
    size_t n_emp;
    /* ref_pair(employee, key) -> (day + 1) << 40 | lookups that day << 32 | factor bits */
    struct u64map first_look;
};
/* Count an unexplained record lookup of ev->user. */
void ind_chance_lookup(struct ind_chance *ch, const struct ref *ref, const struct event *ev);
/* Count a chance hit (of `weight`) seen in the traffic of employee `e`'s role. */
void ind_chance_hit(struct ind_chance *ch, const struct ref *ref, uint32_t e, double weight);
/* The factor (0..1) for ev->user's look at record `key` on local `day`: the first
 * `moment_looks` lookups on the first day on a record weigh by what chance cannot explain,
 * later ones and other days 1. */
float ind_chance_factor(struct ind_chance *ch, const struct ref *ref, const struct event *ev,
                        int32_t day, uint32_t key, double lookback_days, double chance_rate,
                        double moment_looks);
/* Release what the counters hold; leaves `ch` zeroed. */
void ind_chance_free(struct ind_chance *ch);

/* Whose family a record belongs to (owners.c): the employees whose relative (relations.csv)
 * or housemate (same address) a person record is, or whose relative or housemate lives at
 * a vehicle's or address's household. */
struct ind_owners {
    struct u64map map; /* person or household key -> (offset << 32 | count) into list */
    uint32_t *list;    /* employees, sorted per key */
};
/* Build from `ref`'s relations and employees' addresses; `o` zero-initialised. */
void ind_owners_build(struct ind_owners *o, const struct ref *ref);
/* The employees whose family record `subject` belongs to: returns their count and points
 * *first at them (owned by `o`, sorted); 0 for records near no employee's family. */
uint32_t ind_owners_of(const struct ind_owners *o, const struct ref *ref, uint32_t subject,
                       const uint32_t **first);
void ind_owners_free(struct ind_owners *o);

/* No indicator holds a signal (struct held_signals) for more days than this: less than
 * live runs keep event texts, and the engine closes as many days one by one after a day
 * with events, even when no events follow (a stretch without any), so a held signal is
 * judged on its own days. */
#define IND_HOLD_MAX_DAYS 3
/* Days either side of a look in which colleagues' looks at the same household count as
 * shared attention: neighbour_lookup holds its looks that long to count the later ones
 * too, relative_lookup counts the days up to the look. */
#define IND_NEAR_DAYS 3
_Static_assert(IND_NEAR_DAYS <= IND_HOLD_MAX_DAYS, "held longer than the engine closes days");

/* The divisor for shared attention on the household of access `a`: 1 + `weight` x the
 * other employees who looked it up in the IND_NEAR_DAYS up to it (the family's own
 * incident); 1 without a household or with `weight` 0. */
static inline double ind_shared_attention(const struct engine *eng, const struct event *ev,
                                          const struct access *a, double weight)
{
    if (weight <= 0 || a->household == REF_NONE)
        return 1.0;
    return 1.0 + weight * explain_others_near(engine_explainer(eng), a->household, ev->user,
                                              a->local.day, IND_NEAR_DAYS, false);
}

/* Signals held back (held.c): a lookup that the days after it decide (does the record turn
 * out to be case work, do colleagues look at the household too) is held in event order and
 * judged once event time has passed `hold_days` local days beyond its own, or when the run
 * finishes. Live runs keep event texts five days (RETAIN_MS in live/run.c), and a held
 * event may cite its text at release: hold less. Zero-initialise to start. */
struct held_signal {
    struct kept_event ev;
    uint32_t key;     /* the signal's key */
    uint32_t context; /* the indicator's own (bogus_legitimation: the case typed in) */
    int32_t day;      /* local day of the event */
    float strength;   /* as it would have signalled at once */
    uint8_t note;
    uint32_t group; /* the signal's group (engine_signal), 0 for none */
};
struct held_signals {
    struct held_signal *v;
    size_t n, cap;
};
/* Hold a signal on `ev` of local `day`. Memory: `ev` is kept (kept_event_of). */
void held_push(struct held_signals *q, const struct event *ev, int32_t day, float strength,
               uint32_t key, uint8_t note, uint32_t context);
/* The same for an event kept earlier, with the group its signal is to carry. */
void held_push_kept(struct held_signals *q, const struct kept_event *ev, int32_t day,
                    float strength, uint32_t key, uint8_t note, uint32_t group);
/* The strength a held signal is given at release; 0 or less drops it. The judge may also
 * change h->note, the note the signal is to carry (why it weighs less, for describe()).
 * `settings` are the indicator's, as held_release got them. */
typedef float (*held_judge_fn)(const struct engine *eng, struct held_signal *h,
                               const void *settings);
/* At the close of local `day` (from on_day_close): the signals held `hold_days` or more,
 * all of them when the run finishes, are judged and, unless dropped, signalled. */
void held_release(struct held_signals *q, struct engine *eng, int32_t day, int32_t hold_days,
                  held_judge_fn judge, const void *settings);
/* A judge for looks at sensitive records through a name search (access.searched): drops
 * the signal if the look was a wrong click (explain_detour), keeps it otherwise. */
float held_judge_detour(const struct engine *eng, struct held_signal *h, const void *settings);
void held_free(struct held_signals *q);

/* Where a kind of lookup is everyday work for a role (shares.c): an indicator holds its
 * lookups of the kind; at the day close each weighs 1 minus the share of the role's other
 * active staff who made such a lookup in the same system in the last four weeks, and is
 * dropped where that share is above the indicator's everyday share. Zero-initialise to
 * start. */
struct ind_system_hit {
    uint32_t employee;
    uint16_t system;
    int32_t day;
};
struct ind_system_shares {
    /* ref_pair(employee, system) -> local day + 1 of the latest lookup (high bit: counted) */
    struct u64map last_hit;
    struct ind_system_hit *hits;   /* first lookup per employee, system and day, in day order */
    size_t head, n_hits, cap_hits; /* hits[head..n_hits) lie in the window */
    /* Per system and peer group (index system * ROLE_GROUPS + group): the employees with
     * such a lookup there in the window. */
    uint32_t *with_hit;
    size_t n_cells;
    struct held_signals held; /* the lookups of the day, weighed at its close */
    struct u64map held_keys;  /* ref_pair(employee, key) of those */
};
/* Count a lookup of the kind by ev->user and hold its signal (as engine_signal would give
 * it), unless the employee's lookup of the same key is held already: a record counts once
 * a day, by its first lookup. Memory: `ev` is kept (kept_event_of). */
void ind_shares_hold(struct ind_system_shares *sh, const struct ref *ref, const struct event *ev,
                     int32_t day, float strength, uint32_t key, uint8_t note);
/* At the close of local `day` (and the run's last): signal the held lookups, each weighed
 * by 1 minus its system's share (with `weigh`; 1 without), none whose share is above
 * `everyday_share`; one in a system where more than half of the others meet such records
 * gets note + `common_note`, for the explanation. */
void ind_shares_release(struct ind_system_shares *sh, struct engine *eng, int32_t day, bool weigh,
                        double everyday_share, uint8_t common_note);
/* Release what it holds (held signals unsignalled); leaves `sh` zeroed. */
void ind_shares_free(struct ind_system_shares *sh);

/* Appends "N lookups of M records" style count phrases in both languages. */
void describe_counts(const struct ind_summary *s, const char *what_en, const char *what_nl,
                     struct sbuf *en, struct sbuf *nl);
/* Appends the common baseline clause ("; peers in role patrol: ...") in both languages. */
void describe_baseline(const struct ind_summary *s, struct sbuf *en, struct sbuf *nl);

#endif
