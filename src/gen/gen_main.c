/*
 * gen_main.c - `wachter gen`: options, directories, and the order of the generation steps.
 *
 * gen_run is the whole pipeline: build the world (gen_world.c, which also chooses the
 * actors), plan their misuse (gen_misuse.c), write the reference CSVs, run the day loop
 * (gen_events.c), then write truth/actors.csv and truth/stats.json. The statistics are
 * those counted while the event lines were written, so they describe the files exactly.
 *
 * Ownership: struct gen is built and freed here; nothing outlives gen_run.
 */
#include "gen/gen_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void gen_options_default(struct gen_options *o)
{
    memset(o, 0, sizeof *o);
    o->employees = 200;
    o->days = 84;
    o->seed = 1;
    o->start_day = (int32_t)days_from_civil(2025, 2, 3);
    o->relations = true;
    o->actor_rate = 0.03;
    o->malformed_rate = 0.0001;
    o->duplicate_rate = 0.001;
    o->street_noise = 0.1;
}

static int make_dir(const char *path, struct err *e)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return err_set(e, "%s: cannot create directory: %s", path, strerror(errno));
    return 0;
}

static int write_truth(struct gen *g, const char *truth_dir, struct err *e)
{
    char path[4352];
    snprintf(path, sizeof path, "%s/actors.csv", truth_dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return err_set(e, "%s: cannot create: %s", path, strerror(errno));
    fputs("user,scenario\n", f);
    char user[16];
    for (uint32_t i = 0; i < g->nemployees; i++) {
        if (g->employees[i].scenario == SC_NONE)
            continue;
        gen_format_user(i, user);
        fprintf(f, "%s,%s\n", user, gen_scenario_names[g->employees[i].scenario]);
    }
    if (ferror(f) | fclose(f))
        return err_set(e, "%s: write failed", path);

    snprintf(path, sizeof path, "%s/stats.json", truth_dir);
    struct sbuf b = {0};
    sbuf_printf(&b,
                "{\"lines\":%llu,\"events\":%llu,\"duplicates\":%llu,\"malformed\":%llu,"
                "\"malformed_by_reason\":{",
                (unsigned long long)g->lines, (unsigned long long)g->events,
                (unsigned long long)g->duplicates, (unsigned long long)g->malformed);
    for (int r = 1; r < MF_COUNT; r++)
        sbuf_printf(&b, "%s\"%s\":%llu", r > 1 ? "," : "", gen_malformed_names[r],
                    (unsigned long long)g->malformed_by[r]);
    sbuf_puts(&b, "}}\n");
    int rc = file_write_atomic(path, b.buf, b.len, e);
    sbuf_free(&b);
    return rc;
}

static void gen_free(struct gen *g)
{
    tz_free(g->tz);
    free(g->surname_cdf);
    free(g->regions);
    free(g->postcode_region);
    free(g->postcode_home);
    free(g->persons);
    free(g->households);
    free(g->vehicle_keeper);
    free(g->networks);
    free(g->net_members);
    free(g->units);
    free(g->employees);
    free(g->plans);
    free(g->cases);
    free(g->case_subjects);
    free(g->case_members);
    free(g->emp_cases);
    free(g->news);
    free(g->planned);
    sbuf_free(&g->line);
    for (int f = 0; f < SYS_COUNT; f++) {
        if (g->files[f].f != NULL)
            fclose(g->files[f].f);
        free(g->files[f].ev);
    }
    FILE *open[] = {g->cases_f, g->members_f, g->subjects_f, g->truth_events_f};
    for (size_t i = 0; i < sizeof open / sizeof open[0]; i++)
        if (open[i] != NULL)
            fclose(open[i]);
}

static int close_case_files(struct gen *g, struct err *e)
{
    int rc = 0;
    FILE **files[] = {&g->cases_f, &g->members_f, &g->subjects_f};
    static const char *const names[] = {"cases.csv", "case_members.csv", "case_subjects.csv"};
    for (int i = 0; i < 3; i++) {
        if (ferror(*files[i]) | fclose(*files[i]))
            rc = err_set(e, "%s: write failed", names[i]);
        *files[i] = NULL;
    }
    return rc;
}

int gen_run(const struct gen_options *o, struct err *e)
{
    if (o->outdir == NULL || *o->outdir == '\0')
        return err_set(e, "gen: no output directory");
    if (o->employees < 50 || o->employees > 50000)
        return err_set(e, "gen: --employees must be within 50..50000");
    if (o->days < 7 || o->days > 400)
        return err_set(e, "gen: --days must be within 7..400");
    char dataset[4096], events[4096], truth[4096];
    snprintf(dataset, sizeof dataset, "%s/dataset", o->outdir);
    snprintf(events, sizeof events, "%s/dataset/events", o->outdir);
    snprintf(truth, sizeof truth, "%s/truth", o->outdir);
    if (make_dir(o->outdir, e) || make_dir(dataset, e) || make_dir(events, e) || make_dir(truth, e))
        return -1;

    struct gen *g = xcalloc(1, sizeof *g);
    g->opt = *o;
    g->day0 = o->start_day;
    g->ndays = (int32_t)o->days;
    gen_rng_seed(&g->rng, o->seed);
    int rc = -1;
    g->tz = tz_open("Europe/Amsterdam", e);
    if (g->tz != NULL) {
        gen_world_build(g);
        gen_misuse_plan(g);
        if (gen_world_write(g, dataset, e) == 0 && gen_events_write(g, dataset, truth, e) == 0 &&
            close_case_files(g, e) == 0 && write_truth(g, truth, e) == 0)
            rc = 0;
    }
    gen_free(g);
    free(g);
    return rc;
}

static int usage(void)
{
    fprintf(stderr, "usage: wachter gen OUTDIR [--employees N] [--days D] [--seed S] "
                    "[--start YYYY-MM-DD]\n"
                    "                   [--no-relations] [--actor-rate R] [--malformed-rate R] "
                    "[--duplicate-rate R]\n"
                    "                   [--street-noise R]\n");
    return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || *s == '-')
        return -1;
    *out = v;
    return 0;
}

static int parse_rate(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !(v >= 0 && v <= 1))
        return -1;
    *out = v;
    return 0;
}

int gen_main(int argc, char **argv)
{
    struct gen_options o;
    gen_options_default(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t n;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage();
            return 0;
        } else if (strcmp(a, "--no-relations") == 0) {
            o.relations = false;
            continue;
        } else if (a[0] != '-') {
            if (o.outdir != NULL)
                return usage();
            o.outdir = a;
            continue;
        }
        if (v == NULL) {
            fprintf(stderr, "wachter: gen: %s needs a value\n", a);
            return 2;
        }
        i++;
        int bad = 0;
        if (strcmp(a, "--employees") == 0)
            bad = parse_u64(v, &n) || n > 1000000 || ((o.employees = (uint32_t)n), 0);
        else if (strcmp(a, "--days") == 0)
            bad = parse_u64(v, &n) || n > 100000 || ((o.days = (uint32_t)n), 0);
        else if (strcmp(a, "--seed") == 0)
            bad = parse_u64(v, &o.seed);
        else if (strcmp(a, "--start") == 0)
            bad = date_parse(v, strlen(v), &o.start_day);
        else if (strcmp(a, "--actor-rate") == 0)
            bad = parse_rate(v, &o.actor_rate);
        else if (strcmp(a, "--malformed-rate") == 0)
            bad = parse_rate(v, &o.malformed_rate);
        else if (strcmp(a, "--duplicate-rate") == 0)
            bad = parse_rate(v, &o.duplicate_rate);
        else if (strcmp(a, "--street-noise") == 0)
            bad = parse_rate(v, &o.street_noise);
        else
            return usage();
        if (bad) {
            fprintf(stderr, "wachter: gen: bad value for %s: '%s'\n", a, v);
            return 2;
        }
    }
    if (o.outdir == NULL)
        return usage();
    struct err e = {{0}};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (gen_run(&o, &e) != 0) {
        fprintf(stderr, "wachter: %s\n", e.msg);
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "wachter: gen: wrote %s/dataset and %s/truth in %.1f s\n", o.outdir, o.outdir,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}
