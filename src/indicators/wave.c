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
 * different units already make a wave; where such lookups are everyday, more are needed.
 * The count must also reach `baseline_mult` times the record's own baseline plus one.
 * Every looker in the wave gets a signal, the earlier ones too, all with the wave's group
 * id, so the alerts of one wave can be read together.
 *
 * Lookers must come from at least `min_lookers` different units: colleagues of one desk
 * share their targets, which is work, not curiosity, and so do the shifts of one basic
 * team, which hand over the people of their area (a team within a unit is a shift or a
 * desk of it). (Measured against distinct teams: on the eight altgen sets 211 -> 207
 * alerted, 160 found, the four gone being shifts of one basic team and one intelligence
 * desk; this project's 19 sets 552 -> 548, 533 found; three newer altgen sets the same.)
 * A case team is a desk across units: once a member looks the person up under the case's
 * number, though the case does not list them, its members are no lookers
 * (drop_case_team).
 *
 * Public figures are tested twice: once on all lookers, once on the lookers from outside
 * the figure's region only, each against its own chance rate. A local public figure (a
 * mayor, a club owner) comes up in the local unit's work all the time, incidents that are
 * not registered against them included, so its local lookers are many and the all-lookers
 * bar is high; a lookup from the other end of the country without a case has no such
 * reason, is rare, and so a few of them in one window are already beyond chance. The
 * remote test is learned like the other (its rate is what the data shows), so where remote
 * lookups are everyday it asks for more. A wave that only the remote test finds signals
 * only its remote lookers; the local ones are left to sensitive_subject. A looker of the
 * figure's own region weighs `own_region_strength` in a wave of local lookers only, in
 * full when the same window also holds a remote burst (then it is the same news).
 *
 * A public figure in the news is visible in the reference data too: an investigation
 * (a case, not an incident) that lists them is opened. The public say nothing in the
 * logs, but colleagues who read the news do: for `news_days` from the opening day, a
 * single unexplained looker is already a wave when the figure's own and its class's rate
 * of unexplained lookers make even one unlikely (below `news_false` per window). A figure
 * looked up every few days without a case needs more, as anywhere else. Lookers before
 * the opening day do not count (on generated data, counting the day before added false
 * alerts and found no one). The investigators themselves are explained and never
 * signalled; the opening only lowers the count that makes a wave.
 *
 * One looker is enough while the rate that applies (the larger of the figure's own and its
 * class's) is at most -ln(1 - news_false) unexplained lookers per window, 0.105 with
 * news_false 0.1: public figures looked up without a case about once a month each (ten
 * windows of 72 hours) or less. A figure with lookers of its own before the news needs
 * more anyway (baseline_mult). (news_false was 0.02, a rate of once in five months,
 * which in forces where staff now and then look a public figure up left the curious of
 * the news week out. The test is made for one figure in its week of news, not corrected
 * for testing every record, and figures in a new investigation are few. Measured: eight
 * altgen sets 219 -> 221 alerted, 170 -> 172 found; three newer altgen sets 91 -> 92,
 * 71 -> 72; this project's 19 sets 548 -> 550, 533 -> 535. All five are public-figure
 * actors, no false alert. A news window of 30 days instead of 7 with it found one more
 * actor on altgen for two more false alerts.)
 *
 * Taking part in a wave on a public figure from elsewhere is the named misuse itself
 * (looking up people in the news out of curiosity), so one such look is enough for an
 * alert (half_mass 0.85 puts one full-strength signal at 0.55 of weight 0.8); a local
 * looker's single look is not, and needs repeats or other evidence.
 *
 * A looker who looks again while in a wave gets a signal for each look (on the same key,
 * so the scorer counts it as a repeat): the curious look a few times, the person who
 * checked once for a reason does not.
 *
 * A person (not a public figure) who is in an incident around the window, from
 * `incident_days` before it opens to as long after it closes, is looked up by officers
 * not dispatched to it; a wave on them signals at `incident_strength`. (On the altgen sets
 * the false curiosity alerts had more than half their evidence on persons in an incident
 * around those days, the true ones 2%: 233 -> 228 alerted, 160 found; three newer altgen
 * sets 94 -> 92, 66 found; this project's 19 sets unchanged. Public figures are left
 * out: a celebrity in an incident is the news itself. With them (measured before repeats
 * were discounted too): 227, and this project's sets 550 instead of 552, all actors
 * found.)
 *
 * A look at a public figure through a broad name search (access.searched) is held until
 * its local day closes and dropped if the search went on to a namesake from another
 * household within two minutes (explain_detour): the figure topped the list of a search
 * for someone else. (Measured with sensitive_subject, which does the same: on the eight
 * altgen sets 214 -> 211 alerted, 160 found, all three gone being such wrong clicks; three
 * newer altgen sets 90 -> 88, 66 found; this project's 19 sets the same employees, seven
 * alerts opening later, at the close of the day.)
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
    double own_region_strength;
    double news_days;
    double news_false;
    double incident_strength;
    double incident_days;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct wave_settings, 0.8, 0.85, 60, 30, 0.3, 0.3),
    {"window_hours", PARAM_DOUBLE, offsetof(struct wave_settings, window_hours), 72,
     "length of the window in which lookers are counted"},
    {"min_lookers", PARAM_DOUBLE, offsetof(struct wave_settings, min_lookers), 2,
     "fewest distinct unexplained lookers (from as many units) that make a wave on a "
     "public figure; the scan statistic raises it where chance lookups are common"},
    {"min_lookers_other", PARAM_DOUBLE, offsetof(struct wave_settings, min_lookers_other), 5,
     "the same for any other person: people in incidents are looked up by colleagues who "
     "were not dispatched, so ordinary records need more"},
    {"baseline_mult", PARAM_DOUBLE, offsetof(struct wave_settings, baseline_mult), 3,
     "how many times the subject's usual lookers per window a wave must reach"},
    {"false_waves", PARAM_DOUBLE, offsetof(struct wave_settings, false_waves), 0.05,
     "expected chance waves per window over all subjects of a class that the threshold "
     "allows (the scan is corrected for testing every subject)"},
    {"own_region_strength", PARAM_DOUBLE, offsetof(struct wave_settings, own_region_strength), 0.5,
     "signal strength for a looker from the public figure's own region (others: 1) when no "
     "remote burst shares the window; local figures come up in local work"},
    {"news_days", PARAM_DOUBLE, offsetof(struct wave_settings, news_days), 7,
     "days from the opening of an investigation that lists a public figure in which the "
     "figure counts as in the news"},
    {"news_false", PARAM_DOUBLE, offsetof(struct wave_settings, news_false), 0.1,
     "chance per window in the news that the lookers counted as a wave are chance lookups; "
     "with few lookups of the figure at other times one looker is enough"},
    IND_INCIDENT_PARAMS(struct wave_settings,
                        "signal strength of a wave on a person (not a public figure)"),
};

struct looker {
    struct kept_event ev;   /* the first look in the window */
    struct kept_event last; /* the latest look, when hits > 1 */
    int32_t day, last_day;  /* their local days */
    uint32_t hits;
    uint8_t signalled;
    uint8_t note;                    /* the note of its signals, once signalled */
    uint8_t remote;                  /* the looker's region is not the subject's */
    uint8_t local;                   /* the looker's region is the subject's (both known) */
    uint8_t searched, last_searched; /* reached through a name search (access.searched) */
};

struct subject_wave {
    struct looker *v;
    uint32_t n, cap;
    uint32_t aged_out, aged_out_remote;
    uint32_t wave_id;
    int64_t first_seen_ms, wave_last_ms;
    int64_t remote_burst_ms; /* when the remote test last passed, 0 never */
    uint32_t team_case;      /* see drop_case_team: the case + 1, 0 none */
    int64_t team_case_ms;    /* when one of its members last typed its number for this record */
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
    uint64_t vip_remote_lookers;       /* of which on public figures from another region */
    int64_t first_ms;
    struct held_signals held; /* looks through a name search, until their day closes */
};

/* Signal a look, or hold it until its day closes when it came through a name search:
 * a wrong click on a public figure among namesakes is no curiosity (explain_detour). */
static void signal_look(struct wave_state *ws, struct engine *eng, const struct kept_event *ev,
                        int32_t day, bool searched, float strength, uint32_t s, uint8_t note,
                        uint32_t wave_id)
{
    if (searched)
        held_push_kept(&ws->held, ev, day, strength, s, note, wave_id);
    else
        engine_signal_kept(eng, ev, strength, s, note, wave_id);
}

static void on_day_close(void *self, const void *settings, struct engine *eng, int32_t day)
{
    struct wave_state *ws = self;
    held_release(&ws->held, eng, day, 0, held_judge_detour, settings);
}

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

/* Is the number of lookers in the window (only the remote ones when `remote_only`, only
 * those who looked from `since_ms` on) beyond
 * what chance and the subject's own baseline explain, and do they come from enough
 * different units? `baseline` is the subject's own lookers per window, `chance` the
 * class's. */
static bool wave_test(const struct wave_settings *cfg, const struct ref *ref,
                      const struct looker *v, uint32_t n, bool remote_only, int64_t since_ms,
                      double baseline, double chance, double class_size, double false_rate,
                      uint32_t min_lookers)
{
    uint32_t count = 0;
    /* Unrelated lookers: people of one unit share their targets (an intelligence desk,
     * the shifts of a basic team), so a wave needs lookers from at least min_lookers
     * different units. */
    uint32_t units[MAX_LOOKERS];
    uint32_t n_units = 0;
    for (uint32_t i = 0; i < n; i++) {
        if ((remote_only && !v[i].remote) || v[i].ev.ts_ms < since_ms)
            continue;
        count++;
        const struct employee *em = &ref->emp[v[i].ev.user];
        uint32_t t = em->unit != 0 ? em->unit : UINT32_MAX - v[i].ev.user;
        bool dup = false;
        for (uint32_t k = 0; k < n_units && !dup; k++)
            dup = units[k] == t;
        if (!dup)
            units[n_units++] = t;
    }
    if (count < min_lookers || n_units < min_lookers)
        return false;
    double lambda = baseline > chance ? baseline : chance;
    uint32_t need = wave_threshold(lambda, class_size, false_rate, min_lookers);
    return count >= need && count >= cfg->baseline_mult * baseline + 1;
}

/* A public figure's wave weighs in full for lookers from elsewhere, less for those of the
 * figure's own region (see sensitive_subject); an ordinary person's wave weighs 0.6: people
 * in the news are mostly public figures, and ordinary waves are more often work. */
static float looker_strength(const struct wave_settings *cfg, const struct looker *l, bool is_vip,
                             bool news)
{
    if (!is_vip)
        return 0.6f;
    return l->local && !news ? (float)cfg->own_region_strength : 1.0f;
}

static void destroy(void *self)
{
    struct wave_state *ws = self;
    for (size_t i = 0; i < ws->n; i++)
        free(ws->w[i].v);
    free(ws->w);
    u64map_free(&ws->by_subject);
    held_free(&ws->held);
    free(ws);
}

/* The wave state of subject `s`, created on first use. */
static struct subject_wave *subject_state(struct wave_state *ws, uint32_t s, int64_t ts_ms)
{
    uint64_t *slot = u64map_get(&ws->by_subject, (uint64_t)s + 1);
    if (slot != NULL)
        return &ws->w[*slot];
    ws->w = xgrow(ws->w, &ws->cap, ws->n + 1, sizeof *ws->w);
    struct subject_wave *sw = &ws->w[ws->n];
    memset(sw, 0, sizeof *sw);
    sw->first_seen_ms = ts_ms;
    u64map_put(&ws->by_subject, (uint64_t)s + 1, ws->n++);
    return sw;
}

/* A person the members of a case look up under its number, though the case does not list
 * them (its record list is incomplete; bogus_legitimation judges the number), is that
 * case team's work for TEAM_CASE_DAYS after the last such look: its members, typing the
 * number or not, are not curious lookers, and those already in the window who have not
 * been signalled leave it. */
enum { TEAM_CASE_DAYS = 30 };

static void drop_case_team(const struct ref *ref, struct subject_wave *sw)
{
    uint32_t keep = 0;
    for (uint32_t i = 0; i < sw->n; i++) {
        if (!sw->v[i].signalled && ref_is_member(ref, sw->team_case - 1, sw->v[i].ev.user))
            continue;
        sw->v[keep++] = sw->v[i];
    }
    sw->n = keep;
}

static bool in_case_team(const struct ref *ref, const struct subject_wave *sw, uint32_t user,
                         int64_t ts_ms)
{
    return sw->team_case != 0 && ts_ms - sw->team_case_ms <= TEAM_CASE_DAYS * 86400000LL &&
           ref_is_member(ref, sw->team_case - 1, user);
}

/* Drop the lookers that fell out of the window ending at `ts_ms`, counting them into the
 * subject's history. */
static void age_window(struct subject_wave *sw, int64_t ts_ms, int64_t window)
{
    uint32_t keep = 0;
    for (uint32_t i = 0; i < sw->n; i++) {
        if (sw->v[i].ev.ts_ms >= ts_ms - window) {
            if (keep != i)
                sw->v[keep] = sw->v[i];
            keep++;
        } else {
            sw->aged_out++;
            sw->aged_out_remote += sw->v[i].remote;
        }
    }
    sw->n = keep;
}

/* The opening time of an investigation that lists public figure `s` and makes `ts_ms` a
 * time of news about them (within `news_ms` from the opening), or INT64_MIN. */
static int64_t news_opening(const struct ref *ref, uint32_t s, int64_t ts_ms, int64_t news_ms)
{
    const struct subject *sj = &ref->subj[s];
    for (uint32_t i = 0; i < sj->cases_n; i++) {
        const struct case_rec *c = &ref->cases[ref->subject_cases[sj->cases_off + i]];
        if (c->kind == CK_CASE && c->opened_ms != INT64_MIN && ts_ms >= c->opened_ms &&
            ts_ms - c->opened_ms <= news_ms)
            return c->opened_ms;
    }
    return INT64_MIN;
}

/* Is looker `l` part of the wave: any looker of a wave of all lookers, the remote ones of
 * a remote wave, of a news wave those who looked since the news (`news_*`). */
static bool in_wave(const struct looker *l, bool all_wave, bool remote_wave, int64_t news_all,
                    int64_t news_remote)
{
    return all_wave || (remote_wave && l->remote) || l->ev.ts_ms >= news_all ||
           (l->remote && l->ev.ts_ms >= news_remote);
}

/* Test the window of subject `s` at `ts_ms`, when a looker has just arrived, and signal
 * every looker of a wave not signalled yet. */
static void judge(struct wave_state *ws, const struct wave_settings *cfg, struct engine *eng,
                  struct subject_wave *sw, uint32_t s, int64_t ts_ms, bool is_vip)
{
    const struct ref *ref = engine_ref(eng);
    int cls = is_vip ? CLASS_VIP : CLASS_OTHER;
    int64_t window = (int64_t)(cfg->window_hours * 3600000.0);
    uint32_t min_lookers = (uint32_t)(is_vip ? cfg->min_lookers : cfg->min_lookers_other);
    double windows = (double)(ts_ms - sw->first_seen_ms) / (double)window;
    if (windows < 1)
        windows = 1;
    double run_windows = (double)(ts_ms - ws->first_ms) / (double)window;
    if (run_windows < 1)
        run_windows = 1;
    /* Records that events name but the reference files did not list belong to the
     * ordinary class too: they count in its rate, so they count in its size. */
    double class_size =
        is_vip ? ws->class_size[CLASS_VIP] : (double)ref->n_subj - ws->class_size[CLASS_VIP];
    if (class_size < 1)
        class_size = 1;
    /* The class rate leaves this subject out, so a wave does not raise its own bar. */
    uint32_t n_remote = 0;
    for (uint32_t i = 0; i < sw->n; i++)
        n_remote += sw->v[i].remote;
    uint64_t own = sw->n + sw->aged_out;
    uint64_t others = ws->class_lookers[cls] > own ? ws->class_lookers[cls] - own : 0;
    double baseline = sw->aged_out / windows;
    double chance = others / run_windows / (class_size > 1 ? class_size - 1 : 1);
    bool all_wave = wave_test(cfg, ref, sw->v, sw->n, false, INT64_MIN, baseline, chance,
                              class_size, cfg->false_waves, min_lookers);
    bool remote_wave = false;
    double baseline_r = 0, chance_r = 0;
    if (is_vip && n_remote > 0) {
        uint64_t own_r = n_remote + sw->aged_out_remote;
        uint64_t others_r = ws->vip_remote_lookers > own_r ? ws->vip_remote_lookers - own_r : 0;
        baseline_r = sw->aged_out_remote / windows;
        chance_r = others_r / run_windows / (class_size > 1 ? class_size - 1 : 1);
        remote_wave = wave_test(cfg, ref, sw->v, sw->n, true, INT64_MIN, baseline_r, chance_r,
                                class_size, cfg->false_waves, min_lookers);
    }
    /* In the news (see the top): only this subject is tested, on the lookers since the
     * opening. */
    int64_t news_all = INT64_MAX, news_remote = INT64_MAX; /* signal lookers since */
    int64_t opened =
        is_vip ? news_opening(ref, s, ts_ms, (int64_t)(cfg->news_days * 86400000.0)) : INT64_MIN;
    if (opened != INT64_MIN) {
        if (!all_wave && wave_test(cfg, ref, sw->v, sw->n, false, opened, baseline, chance, 1,
                                   cfg->news_false, 1))
            news_all = opened;
        else if (!remote_wave && wave_test(cfg, ref, sw->v, sw->n, true, opened, baseline_r,
                                           chance_r, 1, cfg->news_false, 1))
            news_remote = opened;
    }
    if (remote_wave)
        sw->remote_burst_ms = ts_ms;
    /* Local lookers in the same window as a remote burst are part of the same news, not
     * of local work. */
    bool news = sw->remote_burst_ms != 0 && ts_ms - sw->remote_burst_ms <= window;
    bool any_new = false;
    for (uint32_t i = 0; i < sw->n && !any_new; i++)
        any_new =
            !sw->v[i].signalled && in_wave(&sw->v[i], all_wave, remote_wave, news_all, news_remote);
    if (!any_new)
        return;
    if (sw->wave_id == 0 || ts_ms - sw->wave_last_ms > window)
        sw->wave_id = ++ws->next_wave;
    sw->wave_last_ms = ts_ms;
    for (uint32_t i = 0; i < sw->n; i++) {
        struct looker *l = &sw->v[i];
        if (l->signalled || !in_wave(l, all_wave, remote_wave, news_all, news_remote))
            continue;
        float strength = looker_strength(cfg, l, is_vip, news);
        /* Note 2: found only because the figure was in the news (one looker may do). */
        uint8_t note = !is_vip ? 1 : all_wave || (remote_wave && l->remote) ? 0 : 2;
        if (!is_vip &&
            ref_in_incident(ref, s, l->ev.ts_ms, (int64_t)(cfg->incident_days * 86400000.0))) {
            strength *= (float)cfg->incident_strength;
            note = 3;
        }
        signal_look(ws, eng, &l->ev, l->day, l->searched, strength, s, note, sw->wave_id);
        if (l->hits > 1)
            signal_look(ws, eng, &l->last, l->last_day, l->last_searched, strength, s, note,
                        sw->wave_id);
        l->signalled = 1;
        l->note = note;
    }
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
    struct subject_wave *sw = subject_state(ws, ev->subject, ev->ts_ms);
    int64_t window = (int64_t)(cfg->window_hours * 3600000.0);
    age_window(sw, ev->ts_ms, window);
    if (a->bogus == BOGUS_NOT_IN_CASE) {
        sw->team_case = a->legit + 1;
        sw->team_case_ms = ev->ts_ms;
        drop_case_team(ref, sw);
        return;
    }
    if (in_case_team(ref, sw, ev->user, ev->ts_ms))
        return;
    struct looker *me = NULL;
    for (uint32_t i = 0; i < sw->n && me == NULL; i++)
        if (sw->v[i].ev.user == ev->user)
            me = &sw->v[i];
    bool remote = is_vip && a->in_region == 0;
    int cls = is_vip ? CLASS_VIP : CLASS_OTHER;
    if (ws->first_ms == INT64_MIN)
        ws->first_ms = ev->ts_ms;
    if (me != NULL) {
        /* Another look by someone already in the window: a repeat. In a live wave it is
         * signalled at once; before, it is kept for when the wave forms. */
        me->hits++;
        me->last = kept_event_of(ev);
        me->last_day = a->local.day;
        me->last_searched = a->searched;
        bool news = sw->remote_burst_ms != 0 && ev->ts_ms - sw->remote_burst_ms <= window;
        if (me->signalled && sw->wave_id != 0 && ev->ts_ms - sw->wave_last_ms <= window) {
            float strength = looker_strength(cfg, me, is_vip, news);
            if (me->note == 3)
                strength *= (float)cfg->incident_strength;
            signal_look(ws, eng, &me->last, me->last_day, me->last_searched, strength, ev->subject,
                        me->note, sw->wave_id);
        }
        return;
    }
    ws->class_lookers[cls]++;
    ws->vip_remote_lookers += remote;
    if (sw->n == MAX_LOOKERS) {
        sw->aged_out_remote += sw->v[0].remote;
        memmove(sw->v, sw->v + 1, (sw->n - 1) * sizeof *sw->v);
        sw->n--;
        sw->aged_out++;
    }
    size_t cap = sw->cap;
    sw->v = xgrow(sw->v, &cap, sw->n + 1, sizeof *sw->v);
    sw->cap = (uint32_t)cap;
    sw->v[sw->n++] = (struct looker){.ev = kept_event_of(ev),
                                     .day = a->local.day,
                                     .hits = 1,
                                     .remote = remote,
                                     .local = a->in_region == 1,
                                     .searched = a->searched};
    judge(ws, cfg, eng, sw, ev->subject, ev->ts_ms, is_vip);
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    const struct wave_settings *cfg = settings;
    const uint32_t *c = s->note_counts;
    if (c[0] + c[1] + c[3] > 0) {
        sbuf_printf(en,
                    "took part in a curiosity wave: a person looked up by at least %.0f "
                    "unrelated employees within %.0f hours, far above that person's usual; ",
                    cfg->min_lookers, cfg->window_hours);
        sbuf_printf(nl,
                    "deed mee aan een nieuwsgierigheidsgolf: een persoon die door minstens %.0f "
                    "niet-betrokken medewerkers binnen %.0f uur is geraadpleegd, ver boven het "
                    "gebruikelijke; ",
                    cfg->min_lookers, cfg->window_hours);
    }
    if (c[3] > 0) {
        sbuf_printf(en,
                    "%u of them on a person in an incident around those days, looked up by "
                    "officers not dispatched to it, which weighs less; ",
                    c[3]);
        sbuf_printf(nl,
                    "%u daarvan van een persoon in een incident rond die dagen, die ook wordt "
                    "geraadpleegd door niet-uitgerukte collega's, wat minder weegt; ",
                    c[3]);
    }
    if (c[2] > 0 && c[0] + c[1] + c[3] > 0) {
        sbuf_printf(en,
                    "%u of them on a public figure in the news (an investigation of them opened "
                    "at most %.0f days before), where one look is already far above the usual; ",
                    c[2], cfg->news_days);
        sbuf_printf(nl,
                    "%u daarvan van een publiek figuur in het nieuws (onderzoek naar hem of haar "
                    "hoogstens %.0f dagen eerder geopend), waar één raadpleging al ver boven het "
                    "gebruikelijke ligt; ",
                    c[2], cfg->news_days);
    } else if (c[2] > 0) {
        sbuf_printf(en,
                    "looked up a public figure in the news without a case (an investigation of "
                    "them opened at most %.0f days before), where one look is already far above "
                    "that person's usual; ",
                    cfg->news_days);
        sbuf_printf(nl,
                    "publiek figuur in het nieuws geraadpleegd zonder zaak (onderzoek naar hem of "
                    "haar hoogstens %.0f dagen eerder geopend), waar één raadpleging al ver boven "
                    "het gebruikelijke ligt; ",
                    cfg->news_days);
    }
    describe_counts(s, NULL, NULL, en, nl);
}

const struct indicator ind_curiosity_wave = {
    .name = "curiosity_wave",
    .family = "public_figure",
    .title_en = "Curiosity wave",
    .title_nl = "Nieuwsgierigheidsgolf",
    .help = "The employee looked up a person who, in the same short window, was looked up by "
            "many other employees without a case, far beyond that person's own baseline "
            "(someone in the news). Alerts of one wave share a group id.",
    .notes = {"public figure in a wave", "person in a wave", "public figure in the news",
              "person in an incident, in a wave"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct wave_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .on_day_close = on_day_close,
    .describe = describe,
};
