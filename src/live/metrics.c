/*
 * metrics.c - latency histograms in the Prometheus text format.
 *
 * Buckets are fixed (1 ms .. 10 s, then +Inf) so that observing is a few atomic adds on
 * the engine thread and reading needs no lock; quantiles are read off the buckets, so a
 * reported p99 is the upper bound of the bucket that holds it, never an underestimate.
 */
#include "live/live_int.h"

#include <math.h>

const double lat_bounds[LAT_BUCKETS] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,  0.5,    1.0,   2.5,  5.0,   10.0, INFINITY};

void latency_observe(struct latency *l, double seconds)
{
    int b = 0;
    while (b < LAT_BUCKETS - 1 && seconds > lat_bounds[b])
        b++;
    atomic_fetch_add(&l->bucket[b], 1);
    atomic_fetch_add(&l->count, 1);
    atomic_fetch_add(&l->sum_us, (uint64_t)(seconds > 0 ? seconds * 1e6 : 0));
}

double latency_quantile(const struct latency *l, double q)
{
    uint64_t n = atomic_load(&l->count);
    if (n == 0)
        return 0;
    uint64_t want = (uint64_t)ceil(q * (double)n), seen = 0;
    for (int b = 0; b < LAT_BUCKETS; b++) {
        seen += atomic_load(&l->bucket[b]);
        if (seen >= want)
            return lat_bounds[b];
    }
    return INFINITY;
}

void latency_write(const struct latency *l, const char *name, const char *help, struct sbuf *out)
{
    sbuf_printf(out, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cum = 0;
    for (int b = 0; b < LAT_BUCKETS; b++) {
        cum += atomic_load(&l->bucket[b]);
        if (b == LAT_BUCKETS - 1)
            sbuf_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cum);
        else
            sbuf_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name, lat_bounds[b],
                        (unsigned long long)cum);
    }
    sbuf_printf(out, "%s_sum %.6f\n%s_count %llu\n", name, atomic_load(&l->sum_us) / 1e6, name,
                (unsigned long long)atomic_load(&l->count));
}
