/*
 * bench_ingest.c - throughput of the ingest path alone, single core: load the reference
 * data, then read, parse, validate, merge, de-duplicate and resolve every event of a
 * dataset (ingest_open/ingest_next) without detection. Prints one line:
 *   events=N lines=N seconds=S events_per_s=R ref_seconds=S cpu_seconds=S cpu_events_per_s=R
 * cpu_seconds is the CPU time of the ingest alone (this thread's clock): on a shared
 * machine it varies less than the wall-clock seconds, which count time spent waiting for
 * a core.
 * Usage: bench_ingest DATASET [--no-resolve | --ref-only]
 * With --no-resolve events are not resolved against the reference data (ingest_next_raw):
 * the share of the time that the reference lookups take. With --ref-only it stops after
 * loading the reference data and prints only ref_seconds=S (the events of a large
 * dataset take far longer to read than its reference files).
 */
#include "ingest/ingest.h"
#include "ref/ref.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_s(void)
{
    return clock_s(CLOCK_MONOTONIC);
}

int main(int argc, char **argv)
{
    int resolve = argc == 2;
    int ref_only = argc == 3 && strcmp(argv[2], "--ref-only") == 0;
    if (argc < 2 || argc > 3 || (argc == 3 && !ref_only && strcmp(argv[2], "--no-resolve") != 0)) {
        fprintf(stderr, "usage: bench_ingest DATASET [--no-resolve | --ref-only]\n");
        return 2;
    }
    struct err e = {{0}};
    struct tz *tz = tz_open("Europe/Amsterdam", &e);
    if (tz == NULL) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    double t0 = now_s();
    struct ref ref;
    if (ref_load(&ref, argv[1], tz, &e) != 0) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    double t1 = now_s();
    if (ref_only) {
        printf("ref_seconds=%.3f\n", t1 - t0);
        ref_free(&ref);
        tz_free(tz);
        return 0;
    }
    struct ingest_config cfg;
    ingest_config_defaults(&cfg);
    struct ingest *in = ingest_open(argv[1], &cfg, &ref, NULL, NULL, &e);
    if (in == NULL) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    struct event ev;
    uint64_t n = 0, sink = 0;
    double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    while ((resolve ? ingest_next(in, &ev) : ingest_next_raw(in, &ev)) == 1) {
        n++;
        sink += ev.user + ev.subject; /* the references are resolved */
    }
    double t2 = now_s(), c2 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    const struct ingest_stats *st = ingest_stats(in);
    printf("events=%llu lines=%llu seconds=%.3f events_per_s=%.0f ref_seconds=%.3f "
           "cpu_seconds=%.3f cpu_events_per_s=%.0f sink=%llu\n",
           (unsigned long long)n, (unsigned long long)st->lines, t2 - t1, n / (t2 - t1), t1 - t0,
           c2 - c1, n / (c2 - c1), (unsigned long long)(sink & 1));
    ingest_close(in);
    ref_free(&ref);
    tz_free(tz);
    return 0;
}
