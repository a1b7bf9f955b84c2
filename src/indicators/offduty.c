/*
 * offduty.c - off_duty: record lookups during leave or sickness, or well outside the
 * rostered shift (local time).
 *
 * Overtime is normal, so the explainer already widens every shift by a margin; an
 * employee without a roster near the moment is never judged off duty.
 *
 * Rosters are often not updated when someone swaps a shift or comes in during leave.
 * Such a day looks like a working day: among its lookups is case work (a typed case, a
 * case or incident the employee works on). The misuse looks different: a few lookups
 * from home, none of them for a case. So each off-duty day is judged as a whole at its
 * local midnight: a day that holds case work counts `case_day_strength` (a quarter: the
 * roster was probably wrong, and the day's unexplained lookups are still judged by the
 * other indicators like those of any working day); a day with only unexplained lookups
 * counts in full. One signal key per local day, one signal per lookup (at most
 * MAX_KEPT a day, enough for the repeat bonus and the evidence).
 *
 * Signals of a day are emitted when the day closes, so an off-duty alert opens at the
 * next local midnight rather than at the lookup.
 *
 * A working day moves on; a private interest comes back. Misuse off duty returns to the
 * same people: the ex-partner on every free evening, the neighbour again on the next sick
 * day. So the households looked up off duty without a case are remembered (the newest
 * PAST_HOMES per employee), and a day on which at least `return_share` of the unexplained
 * lookups come back to one of them from an earlier off-duty day is no working day whatever
 * its volume, and its lookups outside the shift count as on leave: coming back is not
 * overtime. A day with case work still counts `case_day_strength`. (Measured on the eight
 * altgen sets: 239 -> 245 alerted, 187 -> 193 found, among them two blatant actors whose
 * sick days of 10-20 lookups of the same few people had counted as working days; this
 * project's 19 sets and three fresh altgen sets unchanged. Any return at all, instead of a
 * share, also let a traffic officer's plate checks on swapped shifts through.)
 *
 * Coming back is also the strongest mark off duty has, so each lookup of such a day weighs
 * `return_strength` (2, the most a signal can): two sick days four weeks apart, spent on
 * the same person, are more than two evenings of plate checks. (Measured: on the eight
 * altgen sets 249 -> 253 alerted, 201 -> 204 found; this project's 19 sets 551 -> 553,
 * 535 -> 536; six newer altgen sets 248 -> 251, 180 -> 183. Both new false alerts came
 * back to people on two off-duty days. 1.5 instead: 3 alerts and 2 actors more in all.)
 *
 * A private interest also comes back within one day of leave or sickness: the same
 * person at noon and again in the evening. Work on a day the roster does not show handles
 * a household in one go (the person, the car, the address, minutes apart). So a
 * household looked up on leave again at least `revisit_hours` after its previous lookup
 * makes the day count in full as well, and the day's kept lookups then signal per
 * household instead of once for the day: ten people looked up all through a sick day
 * are more than one off-duty evening. (Measured: on three fresh altgen sets, where it
 * was found, 124 -> 127 alerted, 92 -> 95 found, among them a blatant actor with 36
 * lookups of 10 households on a day of leave that had counted as a working day; the
 * eight altgen sets, the three session-21 sets and this project's 19 sets unchanged. A
 * pause of one hour or half an hour instead also alerted on a student of the 19 sets.)
 *
 * Criminal-network records are the daily work of some roles (intelligence analysts: most
 * of what they look up). For a role whose record lookups are at least
 * `criminal_work_share` criminal records (counted as the run goes), such a lookup off
 * duty is work taken home, and counts as case work does (the explainer keeps the role's
 * counts, explain_role_criminal). Private use off duty is the neighbour, the car for
 * sale, the date: not the role's work. A student or a patrol officer looking up criminals
 * at night still counts in full, and criminal_network judges every such lookup anyway.
 * (Measured: on the eight altgen sets, whose analysts working evenings from home on
 * network records were most of the false off-duty alerts, 221 -> 214 alerted, 160 found;
 * three newer altgen sets 91 -> 90, 66 found; this project's 19 sets byte-identical
 * alerts. Treating criminal records off duty as work for every role lost a student's
 * night-time leak that off_duty had found.)
 */
#include "indicators/daily.h"
#include "indicators/indicator.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_KEPT = 5, TODAY_HOMES = 8, PAST_HOMES = 16 };

struct offduty_settings {
    struct ind_common common;
    double outside_shift_strength;
    double case_day_strength;
    double working_day_share;
    double criminal_work_share;
    double return_share;
    double return_strength;
    double revisit_hours;
};

static const struct ind_param params[] = {
    IND_COMMON_PARAMS(struct offduty_settings, 0.7, 2.5, 60, 30, 0.2, 0.15),
    {"outside_shift_strength", PARAM_DOUBLE,
     offsetof(struct offduty_settings, outside_shift_strength), 0.6,
     "strength of a lookup outside the shift and its margin (on leave or sick: 1)"},
    {"case_day_strength", PARAM_DOUBLE, offsetof(struct offduty_settings, case_day_strength), 0.25,
     "factor for an off-duty day that holds case work (a working day the roster does not "
     "show); days of only unexplained lookups count in full"},
    {"working_day_share", PARAM_DOUBLE, offsetof(struct offduty_settings, working_day_share), 0.5,
     "an off-duty day with at least this share of the employee's median day of lookups is "
     "a working day the roster does not show, and counts as little as a day with case "
     "work"},
    {"criminal_work_share", PARAM_DOUBLE, offsetof(struct offduty_settings, criminal_work_share),
     0.2,
     "a criminal-network record looked up off duty counts as case work for a role whose "
     "record lookups are at least this share criminal records (analysts); 0: never"},
    {"return_share", PARAM_DOUBLE, offsetof(struct offduty_settings, return_share), 0.25,
     "an off-duty day on which at least this share of the lookups without a case come back "
     "to a household looked up off duty on an earlier day counts in full (no working day), "
     "its lookups outside the shift as on leave; 0: never"},
    {"return_strength", PARAM_DOUBLE, offsetof(struct offduty_settings, return_strength), 2,
     "strength of a lookup on such a day, or on a day of leave or sickness that comes back to "
     "a household hours later (a private interest returns); a day with case work still "
     "counts case_day_strength"},
    {"revisit_hours", PARAM_DOUBLE, offsetof(struct offduty_settings, revisit_hours), 2,
     "a household looked up during leave or sickness again at least this many hours after "
     "its previous lookup makes the day count in full, each household on its own; 0: never"},
};

/* Signal notes: leave or outside the shift, a bit for a day that came back, and one for a
 * day that came back to a household hours later (then keyed by household). */
enum { NOTE_LEAVE = 0, NOTE_OUTSIDE = 1, NOTE_RETURN = 2, NOTE_SAME_DAY = 4 };

/* Record lookups needed before a role's share of criminal records says anything. */
enum { ROLE_MIN_LOOKUPS = 1000 };

/* The off-duty lookups of one employee on the current local day. What every lookup
 * touches comes first, in the cache line that prefetch fetches. */
struct od_day {
    uint32_t today_all, today_off; /* record lookups today, and those off duty */
    uint8_t n_kept;
    uint8_t has_case; /* a case-explained lookup was among them */
    uint8_t touched;
    uint8_t kind[MAX_KEPT];           /* access.off_duty of each */
    struct kept_event kept[MAX_KEPT]; /* unexplained lookups first, then one with a case */
    struct daily_history days;        /* lookups per active day, the recent ones */
    /* Coming back (see return_share), touched only by unexplained off-duty lookups. */
    uint32_t unexplained, returns; /* today's unexplained off-duty lookups, and returns */
    uint32_t revisits;             /* households on leave again after revisit_hours */
    uint8_t n_today_homes, n_past_homes, past_next;
    uint32_t today_homes[TODAY_HOMES];   /* households among them, the first ones */
    int64_t today_leave_ms[TODAY_HOMES]; /* the last lookup of each on leave; 0: none */
    uint32_t kept_home[MAX_KEPT];        /* the household of each kept lookup */
    uint32_t past_homes[PAST_HOMES];     /* those of earlier off-duty days, a ring */
    int32_t past_days[PAST_HOMES];       /* the local day of each */
};

struct offduty_state {
    struct od_day *emp;
    size_t n_emp;
    uint32_t *touched;
    size_t n_touched, cap_touched;
};

/* Is a criminal record everyday work for `role` (see criminal_work_share)? */
static bool criminal_is_work(const struct offduty_settings *cfg, const struct engine *eng,
                             uint8_t role)
{
    const struct explainer *x = engine_explainer(eng);
    uint64_t lookups = explain_role_events(x, role);
    return cfg->criminal_work_share > 0 && lookups >= ROLE_MIN_LOOKUPS &&
           (double)explain_role_criminal(x, role) >= cfg->criminal_work_share * (double)lookups;
}

static void *create(const void *settings, const struct ref *ref)
{
    (void)settings;
    (void)ref;
    return xcalloc(1, sizeof(struct offduty_state));
}

static void destroy(void *self)
{
    struct offduty_state *os = self;
    free(os->emp);
    free(os->touched);
    free(os);
}

static struct od_day *od_day(struct offduty_state *os, uint32_t e)
{
    os->emp = xgrow_zeroed(os->emp, &os->n_emp, (size_t)e + 1, sizeof *os->emp);
    return &os->emp[e];
}

static void prefetch(const void *self, const struct ref *ref, const struct event *ev)
{
    (void)ref;
    const struct offduty_state *os = self;
    if (ev->user < os->n_emp)
        __builtin_prefetch(&os->emp[ev->user]);
}

/* Count a return when household `h` was looked up off duty without a case on an earlier
 * day within `lookback` days, and a revisit when it was looked up on leave today at least
 * `revisit_ms` before this lookup on leave (at `leave_ms`; 0: not on leave), and remember
 * it among today's households. */
static void note_home(struct od_day *d, uint32_t h, int32_t day, int32_t lookback, int64_t leave_ms,
                      int64_t revisit_ms)
{
    for (uint8_t k = 0; k < d->n_past_homes; k++) {
        if (d->past_homes[k] == h && d->past_days[k] >= day - lookback) {
            d->returns++;
            break;
        }
    }
    for (uint8_t k = 0; k < d->n_today_homes; k++) {
        if (d->today_homes[k] != h)
            continue;
        if (leave_ms != 0) {
            if (revisit_ms > 0 && d->today_leave_ms[k] != 0 &&
                leave_ms - d->today_leave_ms[k] >= revisit_ms)
                d->revisits++;
            d->today_leave_ms[k] = leave_ms;
        }
        return;
    }
    if (d->n_today_homes < TODAY_HOMES) {
        d->today_leave_ms[d->n_today_homes] = leave_ms;
        d->today_homes[d->n_today_homes++] = h;
    }
}

/* Today's households join the ring of earlier off-duty days, the oldest giving way. */
static void remember_homes(struct od_day *d, int32_t day)
{
    for (uint8_t k = 0; k < d->n_today_homes; k++) {
        d->past_homes[d->past_next] = d->today_homes[k];
        d->past_days[d->past_next] = day;
        d->past_next = (uint8_t)((d->past_next + 1) % PAST_HOMES);
        if (d->n_past_homes < PAST_HOMES)
            d->n_past_homes++;
    }
    d->n_today_homes = 0;
    d->unexplained = d->returns = d->revisits = 0;
}

static void on_event(void *self, const void *settings, struct engine *eng, const struct event *ev,
                     const struct access *a)
{
    const struct offduty_settings *cfg = settings;
    struct offduty_state *os = self;
    if (!a->is_record)
        return;
    struct od_day *d = od_day(os, ev->user);
    if (!d->touched) {
        d->touched = 1;
        os->touched = xgrow(os->touched, &os->cap_touched, os->n_touched + 1, sizeof(uint32_t));
        os->touched[os->n_touched++] = ev->user;
    }
    d->today_all++;
    if (a->off_duty == 0)
        return;
    d->today_off++;
    if (access_case_explained(a) ||
        ((a->flags & SF_CRIMINAL) &&
         criminal_is_work(cfg, eng, engine_ref(eng)->emp[ev->user].role))) {
        /* Keep one case lookup as the evidence of a day that holds nothing else. */
        if (d->n_kept == 0) {
            d->kept[d->n_kept] = kept_event_of(ev);
            d->kept_home[d->n_kept] = REF_NONE;
            d->kind[d->n_kept++] = (uint8_t)(a->off_duty | 0x80);
        }
        d->has_case = 1;
        return;
    }
    d->unexplained++;
    if (a->household != REF_NONE)
        note_home(d, a->household, a->local.day, (int32_t)cfg->common.lookback_days,
                  a->off_duty == 2 ? ev->ts_ms : 0, (int64_t)(cfg->revisit_hours * 3600000.0));
    /* Unexplained lookups take the place of a kept case lookup. */
    for (uint8_t k = 0; k < d->n_kept; k++) {
        if (d->kind[k] & 0x80) {
            d->kept[k] = kept_event_of(ev);
            d->kind[k] = a->off_duty;
            d->kept_home[k] = a->household;
            return;
        }
    }
    if (d->n_kept < MAX_KEPT) {
        d->kept[d->n_kept] = kept_event_of(ev);
        d->kept_home[d->n_kept] = a->household;
        d->kind[d->n_kept++] = a->off_duty;
    }
}

static void on_day_close(void *self, const void *settings, struct engine *eng, int32_t day)
{
    struct offduty_state *os = self;
    const struct offduty_settings *cfg = settings;
    for (size_t k = 0; k < os->n_touched; k++) {
        struct od_day *d = &os->emp[os->touched[k]];
        /* The own usual day, from at least a week of active days. */
        uint32_t usual = d->days.n >= 5 ? daily_history_median(&d->days) : 0;
        bool same_day = d->revisits > 0;
        bool coming_back = same_day || (d->returns > 0 && cfg->return_share > 0 &&
                                        d->returns >= cfg->return_share * d->unexplained);
        bool working = d->has_case || (!coming_back && usual > 0 && cfg->working_day_share > 0 &&
                                       d->today_off >= cfg->working_day_share * usual);
        double factor = working ? cfg->case_day_strength : 1.0;
        /* Coming back, the day is no working day unless it holds case work. */
        double back = working ? 1.0 : cfg->return_strength;
        for (uint8_t j = 0; j < d->n_kept; j++) {
            uint8_t kind = d->kind[j] & 0x7f;
            double base = kind == 2 ? 1.0 : cfg->outside_shift_strength;
            double s = (coming_back ? back : base) * factor;
            uint8_t note = (kind == 2 ? NOTE_LEAVE : NOTE_OUTSIDE) |
                           (coming_back ? NOTE_RETURN : 0) | (same_day ? NOTE_SAME_DAY : 0);
            /* Household numbers carry the top bit, so they never meet a day's key. */
            uint32_t key = same_day && d->kept_home[j] != REF_NONE ? d->kept_home[j] | 1u << 31
                                                                   : (uint32_t)day;
            engine_signal_kept(eng, &d->kept[j], (float)s, key, note, 0);
        }
        remember_homes(d, day);
        if (d->today_all > d->today_off) /* a day worked at least in part */
            daily_history_add(&d->days, d->today_all);
        d->today_all = d->today_off = 0;
        d->n_kept = 0;
        d->has_case = 0;
        d->touched = 0;
    }
    os->n_touched = 0;
}

static void describe(const void *self, const void *settings, const struct ind_summary *s,
                     struct sbuf *en, struct sbuf *nl)
{
    (void)self;
    (void)settings;
    unsigned leave = 0, outside = 0, back = 0, same_day = 0;
    for (unsigned note = 0; note <= (NOTE_OUTSIDE | NOTE_RETURN | NOTE_SAME_DAY); note++) {
        unsigned k = s->note_counts[note];
        if (note & NOTE_OUTSIDE)
            outside += k;
        else
            leave += k;
        back += note & NOTE_RETURN ? k : 0;
        same_day += note & NOTE_SAME_DAY ? k : 0;
    }
    sbuf_printf(en,
                "looked up records while off duty on %u days%s: %u lookups during leave or "
                "sickness, %u well outside the rostered shift; %u on days that came back to "
                "people looked up off duty before",
                s->n_keys,
                same_day ? " (a household looked up again hours later on a day of leave or "
                           "sickness counts as a day of its own)"
                         : "",
                leave, outside, back);
    sbuf_printf(nl,
                "registraties geraadpleegd buiten dienst op %u dagen%s: %u tijdens verlof of "
                "ziekte, %u ruim buiten het rooster; %u op dagen die terugkwamen bij mensen "
                "die eerder buiten dienst waren geraadpleegd",
                s->n_keys,
                same_day ? " (een huishouden dat uren later op een verlof- of ziektedag "
                           "opnieuw werd geraadpleegd telt als een eigen dag)"
                         : "",
                leave, outside, back);
    if (same_day) {
        sbuf_printf(en,
                    ", %u of them on days of leave or sickness that came back to a household "
                    "hours later",
                    same_day);
        sbuf_printf(nl,
                    ", waarvan %u op verlof- of ziektedagen die uren later terugkwamen bij een "
                    "huishouden",
                    same_day);
    }
}

const struct indicator ind_off_duty = {
    .name = "off_duty",
    .title_en = "Off-duty use",
    .title_nl = "Gebruik buiten dienst",
    .help = "Record lookups while on leave or sick, or well outside the rostered shift "
            "(beyond the overtime margin), in local time; a day that holds case work "
            "(probably a roster that was not updated) counts a quarter, as do criminal "
            "records for a role whose daily work they are (analysts). A day that comes back "
            "to people looked up off duty before counts in full, each lookup double: a working "
            "day moves on, a private interest returns. So does a day of leave or sickness that "
            "comes back to a household hours later, each household on its own.",
    .notes = {"during leave or sickness", "outside the rostered shift",
              "during leave or sickness, coming back", "outside the rostered shift, coming back",
              NULL, NULL, "during leave or sickness, coming back hours later the same day",
              "outside the rostered shift, on a day that came back hours later"},
    .params = params,
    .n_params = sizeof params / sizeof *params,
    .settings_size = sizeof(struct offduty_settings),
    .create = create,
    .destroy = destroy,
    .on_event = on_event,
    .on_day_close = on_day_close,
    .prefetch = prefetch,
    .describe = describe,
};
