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
/* The value below which fraction q of the role's days lie (upper edge of the bin). A role
 * with fewer than `min_days` days recorded has no norm of its own yet (a small role, the
 * first weeks of a run): all roles' days together stand in. 0 when those are fewer too. */
double daily_roles_quantile(const struct daily_roles *r, uint8_t role, double q, uint32_t min_days);

#endif
