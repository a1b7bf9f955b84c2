/*
 * daily.c - history rings and role histograms for day-level indicators (see daily.h).
 *
 * Bins: value 0 is bin 0; value v >= 1 is bin 1 + floor(log(v) / log(1.5)), capped. The
 * upper edge of a bin is used as its value, so a quantile errs on the high side: a day has
 * to be clearly above what peers do before it is called unusual.
 */
#include "indicators/daily.h"

#include <math.h>

void daily_history_add(struct daily_history *h, uint32_t value)
{
    h->v[h->pos] = value;
    h->pos = (uint8_t)((h->pos + 1) % DAILY_HISTORY);
    if (h->n < DAILY_HISTORY)
        h->n++;
}

uint32_t daily_history_median(const struct daily_history *h)
{
    if (h->n == 0)
        return 0;
    /* Insertion sort: at most DAILY_HISTORY values, for every employee at every day
     * close, where qsort's calls through a pointer cost more than the sorting. */
    uint32_t tmp[DAILY_HISTORY];
    for (uint8_t i = 0; i < h->n; i++) {
        uint32_t v = h->v[i];
        uint8_t j = i;
        for (; j > 0 && tmp[j - 1] > v; j--)
            tmp[j] = tmp[j - 1];
        tmp[j] = v;
    }
    return tmp[h->n / 2];
}

uint32_t daily_history_max(const struct daily_history *h)
{
    uint32_t m = 0;
    for (uint8_t i = 0; i < h->n; i++)
        if (h->v[i] > m)
            m = h->v[i];
    return m;
}

static int bin_of(uint32_t v)
{
    if (v == 0)
        return 0;
    int b = 1 + (int)floor(log((double)v) / log(1.5));
    return b >= DAILY_BINS ? DAILY_BINS - 1 : b;
}

void daily_roles_add(struct daily_roles *r, uint8_t role, uint32_t value)
{
    if (role >= ROLE_GROUPS)
        return;
    int b = bin_of(value);
    r->bins[role][b]++;
    r->total[role]++;
    r->bins[ROLE_GROUPS][b]++;
    r->total[ROLE_GROUPS]++;
}

bool daily_roles_own(const struct daily_roles *r, uint8_t role, uint32_t min_days)
{
    return role < ROLE_GROUPS && r->total[role] >= min_days;
}

double daily_roles_quantile(const struct daily_roles *r, uint8_t role, double q, uint32_t min_days)
{
    if (!daily_roles_own(r, role, min_days))
        role = ROLE_GROUPS;
    if (r->total[role] < min_days)
        return 0;
    double want = q * r->total[role];
    double seen = 0;
    for (int b = 0; b < DAILY_BINS; b++) {
        seen += r->bins[role][b];
        if (seen >= want)
            return b == 0 ? 0 : pow(1.5, b); /* upper edge of bin b */
    }
    return pow(1.5, DAILY_BINS);
}

void daily_flags_add(struct daily_flags *f, struct daily_flag flag)
{
    f->v[f->pos] = flag;
    f->pos = (uint8_t)((f->pos + 1) % DAILY_FLAGS);
    if (f->n < DAILY_FLAGS)
        f->n++;
}

const struct daily_flag *daily_flags_top(const struct daily_flags *f, int64_t first_ms,
                                         int64_t last_ms)
{
    const struct daily_flag *top = NULL;
    double top_ratio = 0;
    for (uint8_t i = 0; i < f->n; i++) {
        const struct daily_flag *d = &f->v[i];
        int64_t day_ms = (int64_t)d->day * 86400000LL;
        if (day_ms < first_ms - 2 * 86400000LL || day_ms > last_ms + 86400000LL)
            continue;
        double ratio = (double)d->value / (d->bar ? d->bar : 1);
        if (top == NULL || ratio > top_ratio) {
            top = d;
            top_ratio = ratio;
        }
    }
    return top;
}
