/*
 * analyze.c - `wachter analyze DATASET`: the batch run of the whole pipeline, and
 * `wachter config`, which prints the settings reference.
 *
 * Order of work, chosen so that a dataset that cannot be analysed writes nothing:
 *   1. settings, time zone, reference files and the events directory are all opened
 *      and checked; any failure is one line on stderr naming the file, exit 1 (2 for
 *      usage errors);
 *   2. only then are the pseudonym key, the database and the outputs opened;
 *   3. events stream through ingest into the engine (rejects are written as they come,
 *      to a temporary file renamed at the end);
 *   4. alerts get pseudonyms, are stored in one transaction, and the alerts and stats
 *      files are written atomically.
 *
 * Employee numbers leave the engine only as pseudonyms, unless --reveal-ids is given;
 * every reveal is recorded in the store with the OS user and the reason given.
 */
#include "engine/engine.h"
#include "indicators/indicator.h"
#include "privacy/privacy.h"
#include "store/store.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct analyze_opts {
    const char *dataset, *db, *config, *alerts_out, *stats_out, *rejects_out, *key;
    const char *reveal_reason;
    int reveal_ids, quiet;
};

struct rejects_out {
    FILE *fp;
    struct sbuf line;
    int failed;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: wachter analyze DATASET [--db FILE] [--config FILE]\n"
            "                       [--alerts-out FILE] [--stats-out FILE] [--rejects-out FILE]\n"
            "                       [--reveal-ids [--reveal-reason TEXT]] [--key FILE] [--quiet]\n"
            "\n"
            "Reads the dataset (events/*.jsonl and the reference CSV files), runs detection\n"
            "over the events in event-time order and stores runs and alerts in the database\n"
            "(default wachter.db). Employees appear as pseudonyms derived with the key in\n"
            "--key (default: wachter.key beside the database, created on first use).\n");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void analyze_reject_json(struct sbuf *out, const char *file, uint64_t line, enum reject_reason why,
                         const char *raw, size_t n)
{
    enum { MAX_RAW = 64 * 1024 };
    sbuf_puts(out, "{\"file\":");
    sbuf_json_str(out, file, strlen(file));
    sbuf_printf(out, ",\"line\":%llu,\"reason\":\"%s\",\"raw\":", (unsigned long long)line,
                ingest_reason_name(why));
    sbuf_json_str(out, raw, n > MAX_RAW ? MAX_RAW : n);
    if (n > MAX_RAW)
        sbuf_printf(out, ",\"truncated\":true,\"length\":%zu", n);
    sbuf_puts(out, "}\n");
}

static void on_reject(void *ctx, const char *file, uint64_t line, enum reject_reason why,
                      const char *raw, size_t n)
{
    struct rejects_out *ro = ctx;
    if (ro->fp == NULL)
        return;
    sbuf_reset(&ro->line);
    analyze_reject_json(&ro->line, file, line, why, raw, n);
    if (fwrite(ro->line.buf, 1, ro->line.len, ro->fp) != ro->line.len)
        ro->failed = 1;
}

void analyze_alert_json(struct sbuf *out, const struct alert *a, struct tz *tz, int reveal)
{
    char ts[32];
    sbuf_puts(out, "{\"id\":");
    sbuf_json_str(out, a->id, strlen(a->id));
    sbuf_puts(out, ",\"user\":");
    const char *who = reveal ? a->user : a->pseudonym;
    sbuf_json_str(out, who, strlen(who));
    sbuf_printf(out, ",\"score\":%.4f,\"first_ts\":", a->score);
    size_t n = ts_format(tz, a->first_ms, ts);
    sbuf_json_str(out, ts, n);
    sbuf_puts(out, ",\"last_ts\":");
    n = ts_format(tz, a->last_ms, ts);
    sbuf_json_str(out, ts, n);
    sbuf_puts(out, ",\"opened_ts\":");
    n = ts_format(tz, a->opened_ms, ts);
    sbuf_json_str(out, ts, n);
    if (a->group != NULL) {
        sbuf_puts(out, ",\"group\":");
        sbuf_json_str(out, a->group, strlen(a->group));
    }
    sbuf_puts(out, ",\"unit\":");
    sbuf_json_str(out, a->unit, strlen(a->unit));
    sbuf_puts(out, ",\"role\":");
    sbuf_json_str(out, a->role, strlen(a->role));
    sbuf_puts(out, ",\"indicators\":[");
    for (size_t i = 0; i < a->n_indicators; i++) {
        const struct alert_indicator *ai = &a->indicators[i];
        sbuf_printf(out, "%s{\"name\":\"%s\",\"score\":%.4f,\"events\":[", i ? "," : "", ai->name,
                    ai->score);
        for (size_t k = 0; k < ai->n_events; k++) {
            if (k)
                sbuf_putc(out, ',');
            sbuf_json_str(out, ai->events[k].event_id, strlen(ai->events[k].event_id));
        }
        sbuf_puts(out, "],\"explanation\":");
        sbuf_json_str(out, ai->text_en, strlen(ai->text_en));
        sbuf_puts(out, ",\"explanation_nl\":");
        sbuf_json_str(out, ai->text_nl, strlen(ai->text_nl));
        sbuf_puts(out, ",\"baseline\":");
        sbuf_json_str(out, ai->baseline_en, strlen(ai->baseline_en));
        sbuf_puts(out, ",\"baseline_nl\":");
        sbuf_json_str(out, ai->baseline_nl, strlen(ai->baseline_nl));
        sbuf_puts(out, "}");
    }
    sbuf_puts(out, "]}\n");
}

void analyze_stats_json(struct sbuf *out, const struct ingest_stats *is, size_t n_files,
                        const struct engine *eng, size_t n_alerts)
{
    sbuf_printf(out,
                "{\"lines\":%llu,\"events\":%llu,\"duplicates\":%llu,\"malformed\":%llu,"
                "\"malformed_by_reason\":{",
                (unsigned long long)is->lines, (unsigned long long)is->events,
                (unsigned long long)is->duplicates, (unsigned long long)is->malformed);
    for (int r = 0; r < REJ__COUNT; r++)
        sbuf_printf(out, "%s\"%s\":%llu", r ? "," : "", ingest_reason_name((enum reject_reason)r),
                    (unsigned long long)is->by_reason[r]);
    const struct engine_stats *es = engine_stats(eng);
    sbuf_printf(out, "},\"alerts\":%zu,\"files\":%zu,\"late\":%llu,\"days\":%llu", n_alerts,
                n_files, (unsigned long long)is->late, (unsigned long long)es->days);
    /* Alerts opened during a day by a signal, and those the day's close did not confirm. */
    sbuf_printf(out, ",\"alerts_opened_early\":%llu,\"alerts_withdrawn\":%llu",
                (unsigned long long)es->alerts_opened_early,
                (unsigned long long)es->alerts_withdrawn);

    /* Explained share of record accesses, overall and per role, with the routes. */
    const struct explain_counts *ec = explain_counts(engine_explainer(eng));
    uint64_t total = 0, explained = 0;
    for (int r = 0; r < ref_role_groups(engine_ref(eng)); r++)
        for (int x = 0; x < EX__COUNT; x++) {
            total += ec->by_role_route[r][x];
            if (x != EX_NONE)
                explained += ec->by_role_route[r][x];
        }
    sbuf_printf(out, ",\"record_accesses\":%llu,\"explained_share\":%.4f,\"explained_by_role\":{",
                (unsigned long long)total, total ? (double)explained / total : 0.0);
    int first = 1;
    for (int r = 0; r < ref_role_groups(engine_ref(eng)); r++) {
        uint64_t t = 0;
        for (int x = 0; x < EX__COUNT; x++)
            t += ec->by_role_route[r][x];
        if (t == 0)
            continue;
        sbuf_printf(out, "%s\"%s\":{\"accesses\":%llu,\"explained_share\":%.4f", first ? "" : ",",
                    ref_role_group_name(engine_ref(eng), (uint8_t)r), (unsigned long long)t,
                    (double)(t - ec->by_role_route[r][EX_NONE]) / t);
        for (int x = 0; x < EX__COUNT; x++)
            sbuf_printf(out, ",\"%s\":%llu", explain_route_name((enum explain_route)x),
                        (unsigned long long)ec->by_role_route[r][x]);
        sbuf_puts(out, "}");
        first = 0;
    }
    sbuf_puts(out, "},\"indicators\":{");
    for (size_t i = 0; i < indicator_count; i++)
        sbuf_printf(out, "%s\"%s\":{\"signals\":%llu,\"suppressed\":%llu,\"alerts\":%llu}",
                    i ? "," : "", indicator_registry[i]->name, (unsigned long long)es->signals[i],
                    (unsigned long long)es->suppressed[i],
                    (unsigned long long)es->alerts_by_indicator[i]);
    sbuf_puts(out, "}}\n");
}

/* ---- the two-stage pipeline ----------------------------------------------------------
 * Reading, parsing, merging and de-duplicating run on a producer thread; resolving and
 * detection on the calling thread, which alone touches the reference data and the
 * engine. The producer starts before the reference files are loaded and runs ahead by up
 * to PIPE_SLOTS batches (bounded memory). Batches cross through a ring; the mutex hand-off
 * orders the producer's writes (event texts, arena strings, rejects) before the
 * consumer's reads. Detection sees exactly the sequence a single thread would, so
 * results do not depend on the threading. */
enum { PIPE_SLOTS = 64, PIPE_BATCH = 8192, PREFETCH_AHEAD = 8, BATCH_AHEAD = 4 * PREFETCH_AHEAD };

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t changed;
    struct event *slot[PIPE_SLOTS];
    size_t count[PIPE_SLOTS];
    size_t head, filled; /* next slot to consume, slots ready */
    int done, cancel, threaded;
    const struct ref *ref_ready; /* set once ref_load has returned (see pipe_ref_ready) */
    pthread_t producer;
    struct ingest *in;
};

static void *produce(void *arg)
{
    struct pipe *p = arg;
    size_t tail = 0;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->filled == PIPE_SLOTS && !p->cancel)
            pthread_cond_wait(&p->changed, &p->mu);
        int cancel = p->cancel;
        pthread_mutex_unlock(&p->mu);
        if (cancel)
            return NULL;
        /* Slot `tail` is free: the consumer has handed it back. Once the reference data
         * is loaded, the lookups that do not change it are done here. */
        const struct ref *ref = __atomic_load_n(&p->ref_ready, __ATOMIC_ACQUIRE);
        size_t n = 0;
        while (n < PIPE_BATCH && ingest_next_looked_up(p->in, &p->slot[tail][n], ref))
            n++;
        pthread_mutex_lock(&p->mu);
        p->count[tail] = n;
        p->filled++;
        if (n < PIPE_BATCH)
            p->done = 1;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->mu);
        if (n < PIPE_BATCH)
            return NULL;
        tail = (tail + 1) % PIPE_SLOTS;
    }
}

static void pipe_start(struct pipe *p, struct ingest *in)
{
    memset(p, 0, sizeof *p);
    p->in = in;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->changed, NULL);
    for (size_t i = 0; i < PIPE_SLOTS; i++)
        p->slot[i] = xmalloc(PIPE_BATCH * sizeof(struct event));
    p->threaded = pthread_create(&p->producer, NULL, produce, p) == 0;
}

/* From now on the producer may look events up in `ref` (ref_load has returned). */
static void pipe_ref_ready(struct pipe *p, const struct ref *ref)
{
    __atomic_store_n(&p->ref_ready, ref, __ATOMIC_RELEASE);
}

/* Run every event through `eng` (single-threaded when the producer could not start). */
static void pipe_run(struct pipe *p, struct ref *ref, struct engine *eng)
{
    if (!p->threaded) {
        struct event ev;
        while (ingest_next(p->in, &ev))
            engine_event(eng, &ev);
        return;
    }
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->filled == 0)
            pthread_cond_wait(&p->changed, &p->mu);
        size_t slot = p->head, n = p->count[slot];
        pthread_mutex_unlock(&p->mu);
        struct event *batch = p->slot[slot];
        for (size_t i = 0; i < n; i++) {
            /* The batch itself: the producer wrote it long ago (the ring is full while
             * detection is the slower side), so it comes from memory, and the hardware
             * does not fetch far enough ahead on its own. */
            if (i + BATCH_AHEAD < n) {
                const char *next = (const char *)&batch[i + BATCH_AHEAD];
                for (size_t off = 0; off < sizeof *batch; off += 64)
                    __builtin_prefetch(next + off);
            }
            /* The subject table and the per-employee state are large: start fetching a
             * few events ahead. */
            if (i + PREFETCH_AHEAD < n) {
                ingest_prefetch(ref, &batch[i + PREFETCH_AHEAD]);
                engine_prefetch(eng, &batch[i + PREFETCH_AHEAD]);
            }
            if (i + PREFETCH_AHEAD / 2 < n) {
                ingest_prefetch_behind(ref, &batch[i + PREFETCH_AHEAD / 2]);
                engine_prefetch_late(eng, &batch[i + PREFETCH_AHEAD / 2]);
            }
            if (i + PREFETCH_AHEAD / 4 < n)
                ingest_prefetch_residents(ref, &batch[i + PREFETCH_AHEAD / 4]);
            ingest_resolve(ref, &batch[i]);
            engine_event(eng, &batch[i]);
        }
        pthread_mutex_lock(&p->mu);
        p->head = (p->head + 1) % PIPE_SLOTS;
        p->filled--;
        int last = p->done && p->filled == 0;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->mu);
        if (last)
            return;
    }
}

/* Stop the producer (if still running) and release the pipe. */
static void pipe_stop(struct pipe *p)
{
    if (p->threaded) {
        pthread_mutex_lock(&p->mu);
        p->cancel = 1;
        pthread_cond_broadcast(&p->changed);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->producer, NULL);
        p->threaded = 0;
    }
    for (size_t i = 0; i < PIPE_SLOTS; i++)
        free(p->slot[i]);
    memset(p->slot, 0, sizeof p->slot);
    pthread_cond_destroy(&p->changed);
    pthread_mutex_destroy(&p->mu);
}

/* ---- exceptions ------------------------------------------------------------------------
 * Exceptions are stored by pseudonym; the engine knows employees by number. The key that
 * made the pseudonyms maps each known employee to its pseudonym once per run. */
struct exception_ctx {
    struct engine *eng;
    struct ref *ref;
    struct tz *tz;
    struct strmap by_pseudonym; /* pseudonym -> employee index */
    size_t applied;
};

static void apply_exception(void *arg, const char *pseudonym, const char *indicator,
                            const char *subject, const char *expires)
{
    struct exception_ctx *x = arg;
    int64_t emp = strmap_get(&x->by_pseudonym, pseudonym, strlen(pseudonym));
    int32_t day;
    if (emp < 0 || expires == NULL || date_parse(expires, strlen(expires), &day) != 0)
        return;
    int ind = -1;
    if (indicator != NULL && *indicator != '\0' && (ind = indicator_find(indicator)) < 0)
        return; /* an indicator this version does not have: nothing to suppress */
    uint32_t subj = REF_NONE;
    if (subject != NULL && *subject != '\0') {
        subj = ref_find_subject(x->ref, subject, strlen(subject));
        if (subj == REF_NONE)
            return; /* a record no event or reference file names */
    }
    /* Valid through the whole expiry day, local time. */
    int64_t midnight = ((int64_t)day + 1) * 86400000LL;
    int64_t until = midnight - (int64_t)tz_offset(x->tz, midnight) * 1000 - 1;
    engine_add_exception(x->eng, (uint32_t)emp, ind, subj, until);
    x->applied++;
}

int analyze_put_pseudonym(struct store *st, const struct privacy *priv, const struct alert *a,
                          char *pseudonym, struct err *e)
{
    privacy_pseudonym(priv, a->user, pseudonym);
    size_t ulen = strlen(a->user);
    unsigned char *sealed = xmalloc(privacy_sealed_size(ulen));
    size_t slen = privacy_seal(priv, a->user, sealed);
    int rc = store_pseudonym_put(st, pseudonym, sealed, slen, a->unit, a->team, a->role, e);
    free(sealed);
    return rc;
}

int analyze_load_exceptions(struct store *st, const struct privacy *priv, struct ref *ref,
                            struct tz *tz, struct engine *eng, struct err *e)
{
    struct exception_ctx x = {.eng = eng, .ref = ref, .tz = tz};
    char p[PSEUDONYM_LEN];
    for (size_t i = 0; i < ref->n_emp; i++) {
        privacy_pseudonym(priv, ref->emp[i].user, p);
        strmap_put(&x.by_pseudonym, p, strlen(p), (uint32_t)i);
    }
    int rc = store_exceptions_each(st, apply_exception, &x, e);
    strmap_free(&x.by_pseudonym);
    return rc;
}

char *analyze_key_path(const char *db)
{
    const char *slash = strrchr(db, '/');
    size_t dir = slash ? (size_t)(slash - db) + 1 : 0;
    char *p = xmalloc(dir + 16);
    memcpy(p, db, dir);
    strcpy(p + dir, "wachter.key");
    return p;
}

const char *analyze_os_user(void)
{
    struct passwd *pw = getpwuid(getuid());
    return pw != NULL ? pw->pw_name : "unknown";
}

static int parse_opts(int argc, char **argv, struct analyze_opts *o)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'},
        {"alerts-out", required_argument, NULL, 'a'},
        {"stats-out", required_argument, NULL, 's'},
        {"rejects-out", required_argument, NULL, 'r'},
        {"reveal-ids", no_argument, NULL, 'R'},
        {"reveal-reason", required_argument, NULL, 'W'},
        {"key", required_argument, NULL, 'k'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->db = "wachter.db";
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->db = optarg;
            break;
        case 'c':
            o->config = optarg;
            break;
        case 'a':
            o->alerts_out = optarg;
            break;
        case 's':
            o->stats_out = optarg;
            break;
        case 'r':
            o->rejects_out = optarg;
            break;
        case 'R':
            o->reveal_ids = 1;
            break;
        case 'W':
            o->reveal_reason = optarg;
            break;
        case 'k':
            o->key = optarg;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return -1;
    }
    o->dataset = argv[optind];
    return 0;
}

int analyze_main(int argc, char **argv)
{
    struct analyze_opts o;
    int prc = parse_opts(argc, argv, &o);
    if (prc != 0)
        return prc > 0 ? 0 : 2;

    struct err e = {{0}};
    int rc = 1;
    struct engine_config cfg;
    struct tz *tz = NULL;
    struct ref ref;
    int ref_loaded = 0;
    struct ingest *in = NULL;
    struct engine *eng = NULL;
    struct privacy *priv = NULL;
    struct store *st = NULL;
    struct rejects_out ro = {0};
    char *rejects_tmp = NULL;
    char *key_path = NULL;
    struct sbuf alerts_json = {0}, stats_json = {0};
    struct pipe pipe;
    int pipe_started = 0;
    double t0 = now_s();

    engine_config_defaults(&cfg);
    if (o.config != NULL && engine_config_load(&cfg, o.config, &e) != 0)
        goto fail;
    if ((tz = tz_open(cfg.timezone, &e)) == NULL)
        goto fail;
    /* The event files are opened and the producer starts reading them while the
     * reference files load. A failure after this point removes the temporary rejects
     * file, so a dataset that cannot be analysed still leaves nothing behind. */
    memset(&ref, 0, sizeof ref);
    in = ingest_open(o.dataset, &cfg.ingest, &ref, on_reject, &ro, &e);
    if (in == NULL)
        goto fail;
    if (o.rejects_out != NULL) {
        size_t n = strlen(o.rejects_out) + 32;
        rejects_tmp = xmalloc(n);
        snprintf(rejects_tmp, n, "%s.tmp%ld", o.rejects_out, (long)getpid());
        if ((ro.fp = fopen(rejects_tmp, "w")) == NULL) {
            err_set(&e, "%s: cannot write: %s", o.rejects_out, strerror(errno));
            goto fail;
        }
    }
    pipe_start(&pipe, in);
    pipe_started = 1;
    if (ref_load(&ref, o.dataset, tz, &e) != 0)
        goto fail;
    ref_loaded = 1;
    pipe_ref_ready(&pipe, &ref);
    double t_ref = now_s();
    key_path = o.key ? xstrdup(o.key) : analyze_key_path(o.db);
    if ((priv = privacy_open(key_path, &e)) == NULL)
        goto fail;
    if ((st = store_open(o.db, &e)) == NULL)
        goto fail;
    int64_t run_id;
    if (store_run_begin(st, o.dataset, &run_id, &e) != 0)
        goto fail;

    eng = engine_new(&ref, tz, &cfg);
    if (analyze_load_exceptions(st, priv, &ref, tz, eng, &e) != 0)
        goto fail;
    pipe_run(&pipe, &ref, eng);
    pipe_stop(&pipe);
    pipe_started = 0;
    engine_finish(eng);
    double t_run = now_s();

    size_t n_alerts;
    const struct alert *alerts = engine_alerts(eng, &n_alerts);
    char(*pseudonyms)[PSEUDONYM_LEN] = xcalloc(n_alerts ? n_alerts : 1, PSEUDONYM_LEN);
    for (size_t i = 0; i < n_alerts; i++) {
        engine_set_pseudonym(eng, i, pseudonyms[i]);
        if (analyze_put_pseudonym(st, priv, &alerts[i], pseudonyms[i], &e) != 0) {
            free(pseudonyms);
            goto fail;
        }
    }
    for (size_t i = 0; i < n_alerts; i++)
        analyze_alert_json(&alerts_json, &alerts[i], tz, o.reveal_ids);
    analyze_stats_json(&stats_json, ingest_stats(in), ingest_file_count(in), eng, n_alerts);
    int src = store_alerts_put(st, run_id, alerts, n_alerts, &e);
    if (src == 0) {
        /* The stored stats are the stats file without its trailing newline. */
        stats_json.buf[--stats_json.len] = '\0';
        src = store_run_finish(st, run_id, stats_json.buf, (int64_t)n_alerts, &e);
        sbuf_putc(&stats_json, '\n');
    }
    /* The activity chart of each alert: the employee's days around the evidence against
     * the role's median. */
    struct activity_day *days = xmalloc(400 * sizeof *days);
    for (size_t i = 0; src == 0 && i < n_alerts; i++) {
        size_t nd = engine_activity(eng, i, days, 400);
        src = store_activity_put(st, run_id, pseudonyms[i], days, nd, &e);
    }
    free(days);
    if (src == 0 && o.reveal_ids)
        src =
            store_reveal_log(st, run_id, analyze_os_user(), "cli --reveal-ids",
                             o.reveal_reason ? o.reveal_reason : "(no --reveal-reason given)", &e);
    free(pseudonyms);
    if (src != 0)
        goto fail;

    if (o.alerts_out != NULL &&
        file_write_atomic(o.alerts_out, alerts_json.buf ? alerts_json.buf : "", alerts_json.len,
                          &e) != 0)
        goto fail;
    if (o.stats_out != NULL &&
        file_write_atomic(o.stats_out, stats_json.buf, stats_json.len, &e) != 0)
        goto fail;
    if (ro.fp != NULL) {
        int closed = fclose(ro.fp);
        ro.fp = NULL;
        if (closed != 0 || ro.failed || rename(rejects_tmp, o.rejects_out) != 0) {
            err_set(&e, "%s: cannot write: %s", o.rejects_out, strerror(errno));
            goto fail;
        }
    }
    if (!o.quiet) {
        const struct ingest_stats *is = ingest_stats(in);
        double secs = t_run - t_ref;
        log_info("analysed %llu events (%llu lines, %llu duplicates, %llu malformed) in %.2f s "
                 "(%.0f events/s; reference data %.2f s); %zu alerts; database %s",
                 (unsigned long long)is->events, (unsigned long long)is->lines,
                 (unsigned long long)is->duplicates, (unsigned long long)is->malformed, secs,
                 secs > 0 ? is->events / secs : 0.0, t_ref - t0, n_alerts, o.db);
    }
    rc = 0;
    goto out;
fail:
    if (pipe_started)
        pipe_stop(&pipe);
    log_error("%s", e.msg);
    if (ro.fp != NULL) {
        fclose(ro.fp);
        ro.fp = NULL;
    }
    if (rejects_tmp != NULL)
        unlink(rejects_tmp);
out:
    sbuf_free(&alerts_json);
    sbuf_free(&stats_json);
    sbuf_free(&ro.line);
    free(rejects_tmp);
    free(key_path);
    engine_free(eng);
    store_close(st);
    privacy_close(priv);
    ingest_close(in);
    if (ref_loaded)
        ref_free(&ref);
    tz_free(tz);
    engine_config_free(&cfg);
    return rc;
}

int config_main(int argc, char **argv)
{
    struct sbuf out = {0};
    if (argc == 2 && strcmp(argv[1], "--doc") == 0) {
        engine_config_doc(&out);
    } else if (argc == 2 && strcmp(argv[1], "--defaults") == 0) {
        struct engine_config cfg;
        engine_config_defaults(&cfg);
        engine_config_json(&cfg, &out);
        engine_config_free(&cfg);
    } else if (argc == 3 && strcmp(argv[1], "--check") == 0) {
        struct engine_config cfg;
        struct err e;
        engine_config_defaults(&cfg);
        int rc = engine_config_load(&cfg, argv[2], &e);
        engine_config_free(&cfg);
        if (rc != 0) {
            log_error("%s", e.msg);
            return 1;
        }
        printf("%s: ok\n", argv[2]);
        return 0;
    } else {
        fprintf(argc == 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr,
                "usage: wachter config --doc | --defaults | --check FILE\n");
        return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    fwrite(out.buf, 1, out.len, stdout);
    sbuf_free(&out);
    return 0;
}
