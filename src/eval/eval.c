/*
 * eval.c - scoring alerts against the generator's truth (see eval.h for the measures).
 *
 * The truth files are small CSVs read whole with a minimal RFC 4180 reader (quoted fields
 * allowed, columns found by header name, unknown columns ignored). The alerts are JSON
 * lines parsed with cJSON, one line at a time. Strings are interned in strmaps:
 *   actors:   user -> actor index        (rows of actors.csv, deduplicated)
 *   planted:  event id -> actor index    (events.csv rows of actors)
 *   alerted:  user -> alerted index      (max score per alerted employee)
 *   pairs:    "user\tscenario" -> 0      (one actor counts once per scenario)
 * and per actor the time of its first planted event (events.csv `ts`, when given) and of
 * its first alert (`opened_ts`, when given), for the days to alert.
 *
 * Invariant: true_positives <= min(actors, alerted); evidence_hits <= true_positives.
 *
 * Ownership: everything is local to eval_compute except the result's scenario array.
 */
#include "eval/eval.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- CSV ---------------------------------------------------------------------------- */

struct csv_row {
    char *field[8];
    size_t nfield;
};

/* Parse one record starting at *pos into `row` (fields copied into `scratch`, which must
 * hold the rest of the file). Returns 1 for a record, 0 at the end of the data. */
static int csv_next(const char *data, size_t size, size_t *pos, char *scratch, struct csv_row *row)
{
    size_t i = *pos;
    if (i >= size)
        return 0;
    row->nfield = 0;
    char *out = scratch + i; /* scratch mirrors data offsets: output never overtakes input */
    for (;;) {
        char *start = out;
        if (i < size && data[i] == '"') {
            i++;
            while (i < size) {
                if (data[i] == '"') {
                    if (i + 1 < size && data[i + 1] == '"') {
                        *out++ = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                *out++ = data[i++];
            }
        }
        while (i < size && data[i] != ',' && data[i] != '\n' && data[i] != '\r')
            *out++ = data[i++];
        *out++ = '\0';
        if (row->nfield < sizeof row->field / sizeof row->field[0])
            row->field[row->nfield++] = start;
        if (i < size && data[i] == ',') {
            i++;
            continue;
        }
        if (i < size && data[i] == '\r')
            i++;
        if (i < size && data[i] == '\n')
            i++;
        break;
    }
    *pos = i;
    return 1;
}

static int column(const struct csv_row *header, const char *name)
{
    for (size_t i = 0; i < header->nfield; i++)
        if (strcmp(header->field[i], name) == 0)
            return (int)i;
    return -1;
}

typedef int (*row_fn)(void *ctx, const char *a, const char *b, const char *c, struct err *e);

/* Read `path`, find columns `a` and `b` (required) and `c` (optional, may be NULL) by
 * header, and call fn for each data row with the three values (c NULL when absent). */
static int read_csv(const char *path, const char *a, const char *b, const char *c, row_fn fn,
                    void *ctx, struct err *e)
{
    struct mapped_file f;
    if (file_map(path, &f, e) != 0)
        return -1;
    char *scratch = xmalloc(f.size + 1);
    size_t pos = 0;
    struct csv_row header, row;
    int rc = 0;
    if (!csv_next(f.data, f.size, &pos, scratch, &header)) {
        rc = err_set(e, "%s: empty file, expected a header with %s,%s", path, a, b);
    } else {
        int ca = column(&header, a), cb = column(&header, b), cc = c ? column(&header, c) : -1;
        if (ca < 0 || cb < 0) {
            rc = err_set(e, "%s: header lacks column '%s'", path, ca < 0 ? a : b);
        } else {
            size_t line = 1;
            while (rc == 0 && csv_next(f.data, f.size, &pos, scratch, &row)) {
                line++;
                if (row.nfield == 1 && row.field[0][0] == '\0')
                    continue; /* blank line */
                if ((size_t)ca >= row.nfield || (size_t)cb >= row.nfield)
                    rc = err_set(e, "%s:%zu: too few fields", path, line);
                else
                    rc = fn(ctx, row.field[ca], row.field[cb],
                            cc >= 0 && (size_t)cc < row.nfield ? row.field[cc] : NULL, e);
            }
        }
    }
    free(scratch);
    file_unmap(&f);
    return rc;
}

/* ---- state -------------------------------------------------------------------------- */

/* What the days to alert need of one actor; INT64_MAX where not known. */
struct actor_times {
    int64_t first_planted; /* UTC ms of the earliest planted event with a ts */
    int64_t opened;        /* UTC ms of the earliest opened_ts of its alerts */
    uint32_t scenario;     /* scenario index (insertion order) of its first actors.csv row */
};

struct eval_state {
    struct strmap actors, planted, alerted, pairs, scenario_index;
    bool *evidence;    /* per actor */
    double *max_score; /* per alerted */
    const char **alerted_user;
    size_t cap_actor, cap_alerted;
    struct eval_scenario *scenarios;
    size_t nscenarios, cap_scenarios;
    const char *events_path;
    struct actor_times *times; /* per actor index, grown as actors.csv is read */
    size_t n_times, cap_times;
};

static int on_actor(void *ctx, const char *user, const char *scenario, const char *unused,
                    struct err *e)
{
    struct eval_state *s = ctx;
    (void)unused, (void)e;
    if (*user == '\0')
        return 0;
    int64_t actor = strmap_get(&s->actors, user, strlen(user));
    if (actor < 0) {
        actor = (int64_t)s->n_times;
        strmap_put(&s->actors, user, strlen(user), (uint32_t)actor);
        s->times = xgrow(s->times, &s->cap_times, s->n_times + 1, sizeof *s->times);
        s->times[s->n_times++] = (struct actor_times){INT64_MAX, INT64_MAX, UINT32_MAX};
    }
    struct actor_times *t = &s->times[actor];
    char key[256];
    int n = snprintf(key, sizeof key, "%s\t%s", user, scenario);
    if (n < 0 || (size_t)n >= sizeof key || strmap_get(&s->pairs, key, (size_t)n) >= 0)
        return 0;
    strmap_put(&s->pairs, key, (size_t)n, 0);
    int64_t si = strmap_get(&s->scenario_index, scenario, strlen(scenario));
    if (si < 0) {
        s->scenarios =
            xgrow(s->scenarios, &s->cap_scenarios, s->nscenarios + 1, sizeof *s->scenarios);
        struct eval_scenario *sc = &s->scenarios[s->nscenarios];
        memset(sc, 0, sizeof *sc);
        snprintf(sc->name, sizeof sc->name, "%s", scenario);
        si = (int64_t)s->nscenarios++;
        strmap_put(&s->scenario_index, scenario, strlen(scenario), (uint32_t)si);
    }
    s->scenarios[si].actors++;
    if (t->scenario == UINT32_MAX)
        t->scenario = (uint32_t)si;
    return 0;
}

static int on_event(void *ctx, const char *id, const char *user, const char *ts, struct err *e)
{
    struct eval_state *s = ctx;
    int64_t actor = strmap_get(&s->actors, user, strlen(user));
    if (actor < 0)
        return err_set(e, "%s: event %s names user %s who is not in actors.csv", s->events_path, id,
                       user);
    strmap_put(&s->planted, id, strlen(id), (uint32_t)actor);
    int64_t ms;
    if (ts != NULL && ts_parse_rfc3339(ts, strlen(ts), &ms) == 0 &&
        ms < s->times[actor].first_planted)
        s->times[actor].first_planted = ms;
    return 0;
}

static int read_alerts(struct eval_state *s, const char *path, struct err *e)
{
    struct mapped_file f;
    if (file_map(path, &f, e) != 0)
        return -1;
    s->evidence = xcalloc(s->actors.count + 1, sizeof *s->evidence);
    int rc = 0;
    size_t line = 0;
    for (size_t pos = 0; pos < f.size && rc == 0;) {
        const char *nl = memchr(f.data + pos, '\n', f.size - pos);
        size_t len = nl ? (size_t)(nl - (f.data + pos)) : f.size - pos;
        const char *text = f.data + pos;
        pos += len + 1;
        line++;
        size_t k = 0;
        while (k < len && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r'))
            k++;
        if (k == len)
            continue;
        cJSON *o = cJSON_ParseWithLength(text, len);
        const cJSON *user = cJSON_GetObjectItemCaseSensitive(o, "user");
        const cJSON *score = cJSON_GetObjectItemCaseSensitive(o, "score");
        if (o == NULL || !cJSON_IsObject(o)) {
            rc = err_set(e, "%s:%zu: not a JSON object", path, line);
        } else if (!cJSON_IsString(user) || !cJSON_IsNumber(score)) {
            rc = err_set(e, "%s:%zu: an alert needs a string \"user\" and a numeric \"score\"",
                         path, line);
        } else {
            const char *u = user->valuestring;
            int64_t ai = strmap_get(&s->alerted, u, strlen(u));
            if (ai < 0) {
                ai = (int64_t)s->alerted.count;
                const char *key = strmap_put(&s->alerted, u, strlen(u), (uint32_t)ai);
                s->max_score =
                    xgrow(s->max_score, &s->cap_alerted, (size_t)ai + 1, sizeof *s->max_score);
                s->alerted_user =
                    xrealloc(s->alerted_user, s->cap_alerted * sizeof *s->alerted_user);
                s->max_score[ai] = score->valuedouble;
                s->alerted_user[ai] = key;
            } else if (score->valuedouble > s->max_score[ai]) {
                s->max_score[ai] = score->valuedouble;
            }
            int64_t actor = strmap_get(&s->actors, u, strlen(u));
            const cJSON *opened = cJSON_GetObjectItemCaseSensitive(o, "opened_ts");
            int64_t ms;
            if (actor >= 0 && cJSON_IsString(opened) &&
                ts_parse_rfc3339(opened->valuestring, strlen(opened->valuestring), &ms) == 0 &&
                ms < s->times[actor].opened)
                s->times[actor].opened = ms;
            const cJSON *ind, *ev;
            cJSON_ArrayForEach(ind, cJSON_GetObjectItemCaseSensitive(o, "indicators"))
            {
                cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(ind, "events"))
                {
                    if (actor < 0 || !cJSON_IsString(ev))
                        continue;
                    int64_t owner =
                        strmap_get(&s->planted, ev->valuestring, strlen(ev->valuestring));
                    if (owner == actor)
                        s->evidence[actor] = true;
                }
            }
        }
        cJSON_Delete(o);
    }
    file_unmap(&f);
    return rc;
}

static const struct eval_state *sort_ctx;

static int cmp_rank(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    double sx = sort_ctx->max_score[x], sy = sort_ctx->max_score[y];
    if (sx != sy)
        return sx > sy ? -1 : 1;
    return strcmp(sort_ctx->alerted_user[x], sort_ctx->alerted_user[y]);
}

static int cmp_scenario(const void *a, const void *b)
{
    return strcmp(((const struct eval_scenario *)a)->name, ((const struct eval_scenario *)b)->name);
}

static int found_scenario(void *ctx, const char *user, const char *scenario, const char *unused,
                          struct err *e)
{
    struct eval_state *s = ctx;
    (void)unused, (void)e;
    char key[256];
    int n = snprintf(key, sizeof key, "%s\t%s", user, scenario);
    if (n < 0 || (size_t)n >= sizeof key)
        return 0;
    /* pairs value 1 marks a pair already counted as found */
    if (strmap_get(&s->pairs, key, (size_t)n) != 0 ||
        strmap_get(&s->alerted, user, strlen(user)) < 0)
        return 0;
    strmap_put(&s->pairs, key, (size_t)n, 1);
    s->scenarios[strmap_get(&s->scenario_index, scenario, strlen(scenario))].found++;
    return 0;
}

static void state_free(struct eval_state *s)
{
    strmap_free(&s->actors);
    strmap_free(&s->planted);
    strmap_free(&s->alerted);
    strmap_free(&s->pairs);
    strmap_free(&s->scenario_index);
    free(s->evidence);
    free(s->max_score);
    free(s->alerted_user);
    free(s->scenarios);
    free(s->times);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median and 90th percentile (nearest rank) of the n values in d, sorting d. */
static void median_p90(double *d, size_t n, double *median, double *p90)
{
    if (n == 0)
        return;
    qsort(d, n, sizeof *d, cmp_double);
    *median = n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
    *p90 = d[(size_t)ceil(0.9 * (double)n) - 1];
}

/* Days from each alerted actor's first planted event to its first alert, when both times
 * are known: overall and per scenario (the actor's first scenario). An alert opened before
 * the first planted event (the employee alerted for something else first) counts as no
 * delay. Runs before the scenarios are sorted: actor_times.scenario indexes them in the
 * order they were read. */
static void delays(const struct eval_state *s, struct eval_result *r)
{
    double *days = xmalloc((s->n_times + 1) * sizeof *days); /* per actor, < 0: none */
    double *d = xmalloc((s->n_times + 1) * sizeof *d);
    size_t n = 0;
    for (size_t i = 0; i < s->n_times; i++) {
        const struct actor_times *t = &s->times[i];
        days[i] = -1;
        if (t->first_planted == INT64_MAX || t->opened == INT64_MAX)
            continue;
        days[i] =
            t->opened > t->first_planted ? (double)(t->opened - t->first_planted) / 86400000.0 : 0;
        d[n++] = days[i];
    }
    r->delay_n = (uint32_t)n;
    median_p90(d, n, &r->delay_median_days, &r->delay_p90_days);
    for (size_t sc = 0; sc < s->nscenarios; sc++) {
        size_t k = 0;
        for (size_t i = 0; i < s->n_times; i++)
            if (s->times[i].scenario == sc && days[i] >= 0)
                d[k++] = days[i];
        struct eval_scenario *e = &s->scenarios[sc];
        e->delay_n = (uint32_t)k;
        double p90;
        median_p90(d, k, &e->delay_median_days, &p90);
    }
    free(d);
    free(days);
}

int eval_compute(const char *truth_dir, const char *alerts_path, struct eval_result *r,
                 struct err *e)
{
    memset(r, 0, sizeof *r);
    struct eval_state s;
    memset(&s, 0, sizeof s);
    char actors_path[4352], events_path[4352];
    snprintf(actors_path, sizeof actors_path, "%s/actors.csv", truth_dir);
    snprintf(events_path, sizeof events_path, "%s/events.csv", truth_dir);
    s.events_path = events_path;
    if (read_csv(actors_path, "user", "scenario", NULL, on_actor, &s, e) != 0 ||
        read_csv(events_path, "event_id", "user", "ts", on_event, &s, e) != 0 ||
        read_alerts(&s, alerts_path, e) != 0 ||
        read_csv(actors_path, "user", "scenario", NULL, found_scenario, &s, e) != 0) {
        state_free(&s);
        return -1;
    }
    r->actors = (uint32_t)s.actors.count;
    r->alerted = (uint32_t)s.alerted.count;
    uint32_t *rank = xmalloc((r->alerted + 1) * sizeof *rank);
    for (uint32_t i = 0; i < r->alerted; i++)
        rank[i] = i;
    sort_ctx = &s;
    qsort(rank, r->alerted, sizeof *rank, cmp_rank);
    sort_ctx = NULL;
    double ap_sum = 0;
    for (uint32_t k = 0; k < r->alerted; k++) {
        const char *u = s.alerted_user[rank[k]];
        int64_t actor = strmap_get(&s.actors, u, strlen(u));
        if (actor < 0)
            continue;
        r->true_positives++;
        ap_sum += (double)r->true_positives / (double)(k + 1);
        r->evidence_hits += s.evidence[actor];
    }
    free(rank);
    r->recall = r->actors ? (double)r->true_positives / r->actors : 0;
    r->precision = r->alerted ? (double)r->true_positives / r->alerted : 0;
    r->ap = r->actors ? ap_sum / r->actors : 0;
    r->evidence_share = r->true_positives ? (double)r->evidence_hits / r->true_positives : 0;
    delays(&s, r);
    qsort(s.scenarios, s.nscenarios, sizeof *s.scenarios, cmp_scenario);
    r->scenarios = s.scenarios;
    r->nscenarios = s.nscenarios;
    s.scenarios = NULL;
    state_free(&s);
    return 0;
}

void eval_result_free(struct eval_result *r)
{
    if (r == NULL)
        return;
    free(r->scenarios);
    r->scenarios = NULL;
    r->nscenarios = 0;
}

void eval_print_table(const struct eval_result *r, FILE *out)
{
    fprintf(out, "actors          %u\n", r->actors);
    fprintf(out, "alerted         %u employees, %u of them actors\n", r->alerted,
            r->true_positives);
    fprintf(out, "recall          %.3f\n", r->recall);
    fprintf(out, "precision       %.3f\n", r->precision);
    fprintf(out, "ranking AP      %.3f\n", r->ap);
    fprintf(out, "evidence share  %.3f  (alerted actors whose alerts cite a planted event)\n",
            r->evidence_share);
    if (r->delay_n > 0)
        fprintf(out,
                "days to alert   median %.1f, 90%% within %.1f  (first planted event to first "
                "alert, %u actors)\n",
                r->delay_median_days, r->delay_p90_days, r->delay_n);
    fputc('\n', out);
    fprintf(out, "%-22s %7s %7s %7s %14s\n", "scenario", "actors", "found", "recall",
            "days to alert");
    for (size_t i = 0; i < r->nscenarios; i++) {
        const struct eval_scenario *sc = &r->scenarios[i];
        fprintf(out, "%-22s %7u %7u %7.3f", sc->name, sc->actors, sc->found,
                sc->actors ? (double)sc->found / sc->actors : 0.0);
        if (sc->delay_n > 0)
            fprintf(out, " %14.1f", sc->delay_median_days);
        fputc('\n', out);
    }
}

void eval_print_json(const struct eval_result *r, FILE *out)
{
    struct sbuf b = {0};
    sbuf_printf(&b,
                "{\"recall\":%.6f,\"precision\":%.6f,\"ap\":%.6f,\"evidence_share\":%.6f,"
                "\"alerted\":%u,\"actors\":%u,\"true_positives\":%u,\"delay_n\":%u,"
                "\"delay_median_days\":%.3f,\"delay_p90_days\":%.3f,\"per_scenario\":{",
                r->recall, r->precision, r->ap, r->evidence_share, r->alerted, r->actors,
                r->true_positives, r->delay_n, r->delay_median_days, r->delay_p90_days);
    for (size_t i = 0; i < r->nscenarios; i++) {
        const struct eval_scenario *sc = &r->scenarios[i];
        if (i > 0)
            sbuf_putc(&b, ',');
        sbuf_json_str(&b, sc->name, strlen(sc->name));
        sbuf_printf(&b, ":{\"actors\":%u,\"found\":%u,\"recall\":%.6f", sc->actors, sc->found,
                    sc->actors ? (double)sc->found / sc->actors : 0.0);
        if (sc->delay_n > 0)
            sbuf_printf(&b, ",\"delay_median_days\":%.3f", sc->delay_median_days);
        sbuf_putc(&b, '}');
    }
    sbuf_puts(&b, "}}\n");
    fputs(b.buf, out);
    sbuf_free(&b);
}

int eval_main(int argc, char **argv)
{
    const char *paths[2] = {NULL, NULL};
    size_t npaths = 0;
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fprintf(stdout, "usage: wachter eval TRUTHDIR ALERTS [--json]\n");
            return 0;
        } else if (argv[i][0] == '-' || npaths == 2) {
            fprintf(stderr, "usage: wachter eval TRUTHDIR ALERTS [--json]\n");
            return 2;
        } else {
            paths[npaths++] = argv[i];
        }
    }
    if (npaths != 2) {
        fprintf(stderr, "usage: wachter eval TRUTHDIR ALERTS [--json]\n");
        return 2;
    }
    struct eval_result r;
    struct err e = {{0}};
    if (eval_compute(paths[0], paths[1], &r, &e) != 0) {
        fprintf(stderr, "wachter: eval: %s\n", e.msg);
        return 2;
    }
    if (json)
        eval_print_json(&r, stdout);
    else
        eval_print_table(&r, stdout);
    eval_result_free(&r);
    return 0;
}
