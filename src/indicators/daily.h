/*
 * daily.h - helpers shared by the day-level indicators (volume_breadth, bulk_export):
 * a per-employee history ring of daily figures and a per-role histogram with a
 * percentile query. Private to indicators/.
 */
#ifndef WACHTER_INDICATORS_DAILY_H
#define WACHTER_INDICATORS_DAILY_H

#include "ref/ref.h"

#include <stdint.h>

enum { DAILY_HISTORY = 28, DAILY_BINS = 40 };

/* The last DAILY_HISTORY active-day figures of one employee. */
struct daily_history {
    uint32_t v[DAILY_HISTORY];
    uint8_t n, pos;
};

void daily_history_add(struct daily_history *h, uint32_t value);
/* Median of the history (0 when empty). */
uint32_t daily_history_median(const struct daily_history *h);
uint32_t daily_history_max(const struct daily_history *h);

/* Histogram of daily figures per role, in bins of 50% width (value -> bin by log scale)
 * so that any magnitude fits in DAILY_BINS bins; the last row holds all roles together. */
struct daily_roles {
    uint32_t bins[ROLE_GROUPS + 1][DAILY_BINS];
    uint32_t total[ROLE_GROUPS + 1];
};

void daily_roles_add(struct daily_roles *r, uint8_t role, uint32_t value);
/* Does `role` have a norm of its own: at least `min_days` days recorded? */
bool daily_roles_own(const struct daily_roles *r, uint8_t role, uint32_t min_days);
/* The value below which fraction q of the role's days lie (upper edge of the bin). A role
 * with fewer than `min_days` days recorded has no norm of its own yet (a small role, the
 * first weeks of a run): all roles' days together stand in. 0 when those are fewer too. */
double daily_roles_quantile(const struct daily_roles *r, uint8_t role, double q, uint32_t min_days);

/* The last DAILY_FLAGS days an indicator flagged for one employee, with what each was
 * measured against, so that the explanation can name figures an analyst can check. */
enum { DAILY_FLAGS = 4 };
struct daily_flag {
    int32_t day;    /* local civil day */
    uint32_t value; /* the day's figure */
    uint32_t bar;   /* the bar it passed: the highest of a floor, `own` and `role` */
    uint32_t own;   /* the own history's bar (0: too little history) */
    uint32_t role;  /* the role's bar (0: no norm yet) */
    uint8_t note;   /* the indicator's note of the day */
};
struct daily_flags {
    struct daily_flag v[DAILY_FLAGS];
    uint8_t n, pos;
};

void daily_flags_add(struct daily_flags *f, struct daily_flag flag);
/* Of the flagged days between `first_ms` and `last_ms` (the signals an alert describes;
 * a day either side is allowed, days being local), the one whose figure is furthest above
 * its bar, or NULL. */
const struct daily_flag *daily_flags_top(const struct daily_flags *f, int64_t first_ms,
                                         int64_t last_ms);

#endif
