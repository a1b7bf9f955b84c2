/*
 * run.c - `wachter run`: the detection engine as a service.
 *
 * Threads and hand-offs:
 *   - Source threads (HTTP, syslog, tailed files, Kafka) call live_submit. Under one lock
 *     it checks that the engine's queue has room (else LINE_SINK_BUSY: backpressure
 *     before anything is written), appends the batch to the journal, copies it into a
 *     text pool, validates every line exactly as analyze does (same parser, same reasons,
 *     same duplicate filter) and queues the events, tagged with the journal sequence
 *     number. It then waits, outside the lock, for the journal record to be durable
 *     (group commit) and only then returns: the source acknowledges durable data only.
 *   - The engine thread (the main thread) takes queued events whose record is durable,
 *     resolves them against the reference data and feeds the engine, in queue order. After
 *     each chunk it stores the alerts that opened, grew or were withdrawn.
 *
 * Crash safety: the engine is deterministic and the journal holds its input in order, so
 * a restart replays the journal and arrives at the same state and the same alert ids;
 * alerts are upserted by id, so storing them again changes nothing. Counters (lines,
 * duplicates, rejects) are rebuilt by the same replay, so nothing is counted twice.
 *
 * Order: events are taken in arrival order; within one batch they are put in event-time
 * order (stable). There is no reorder window across batches, because alerts must follow
 * events within a second; an event older than one already taken is counted as late and
 * still analysed, as analyze does beyond its reorder bound.
 *
 * Reference data: the CSV files are checked every few seconds; when one changed, a new
 * generation is built: the new reference data, a fresh engine, the journal replayed into
 * it, and a new run in the store (alert ids belong to a run). Sources keep submitting
 * meanwhile; the queue buffers and backpressure applies.
 *
 * Scale-out roles (docs/scale-out.md, "The subject side"):
 *   - employee (the default): with --signals-topic, the Kafka source reads the events topic
 *     and the signals topic in one group (range assignor, co-partitioned topics), so the
 *     wave signals of the employees this instance owns reach it. Signal lines arrive with
 *     source name "signals"; take_lines parses them (parse_signal), drops repeats by
 *     ("sig:" id subject) within the dedupe window and queues them as signal entries,
 *     journalled like events, so a replay restores them. The engine thread hands them to
 *     engine_inject_signal. curiosity_wave does not run locally (engine_set_remote): this
 *     instance sees only its share of each subject's lookers.
 *   - subjects: reads events keyed by subject and runs only curiosity_wave; a signal hook
 *     publishes every wave signal, keyed by the looker's employee number, to the signals
 *     topic instead of storing it. A replay (restart, reference reload) publishes again;
 *     the owners drop the repeats.
 *
 * Text memory: a queued event's texts point into a pool holding its batch. Signals copy
 * the ids they cite, but indicators keep whole events for a few days (waves, daily
 * samples), so a pool is freed once the engine's clock is `RETAIN_MS` past its newest
 * event.
 */
#include "live/live_int.h"
#include "indicators/indicator.h"
#include "privacy/privacy.h"
#include "sources/kafka.h"
#include "sources/syslog.h"
#include "sources/tail.h"

#include <cjson/cJSON.h>

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    CHUNK = 4096,          /* events the engine takes per turn */
    MAX_SOURCES = 8,       /* distinct source names counted separately */
    POOL_BYTES = 64 << 20, /* a text pool is closed when it holds this much */
    MAX_TAILS = 64,
    STATS_EVERY_MS = 2000,  /* the run's stats are stored this often */
    REF_CHECK_MS = 3000,    /* reference files are checked for changes this often */
    DEFAULT_QUEUE = 1 << 18 /* events */
};
#define RETAIN_MS (5LL * 86400000LL)

struct run_opts {
    const char *ref_dir, *db, *http, *hec_token, *syslog, *journal, *config, *key;
    const char *alerts_out, *stats_out, *rejects_out;
    const char *kafka_brokers, *kafka_topic, *kafka_group, *signals_topic;
    const char *tails[MAX_TAILS];
    const char *kafka_props[MAX_TAILS];
    size_t n_tails, n_kafka_props, queue;
    int reveal_ids, quiet;
    int subjects_role; /* --role subjects */
};

struct pool {
    struct pool *next;
    char *buf;
    size_t len, cap;
    struct line_parser parser;
    int64_t max_ts;
    uint64_t last_seq;
};

/* A queued entry: an event, or (signal != 0) a wave signal from the subject side about the
 * looker's event `ev`, with the signal's strength, note and group. */
struct qev {
    struct event ev;
    uint64_t seq;
    int64_t recv_ns;
    float strength;
    uint32_t group;
    uint8_t signal, note;
};

/* Validation and duplicate filtering of what arrives, with its counters. */
struct intake {
    struct dedupe seen;
    struct ingest_stats stats;
    char source_name[MAX_SOURCES][17];
    uint64_t source_lines[MAX_SOURCES];
    size_t n_sources;
    FILE *rejects; /* NULL: rejects are counted only */
    struct sbuf line;
    int64_t last_ts;
    uint64_t signals, signal_repeats; /* signal lines taken, and dropped as repeats */
    struct sbuf sig_key;
};

/* One engine with its reference data: rebuilt when the reference files change. */
struct generation {
    struct ref ref;
    struct engine *eng;
    int64_t run_id;
    struct line_parser replay_parser; /* texts of replayed lines that held escapes */
};

struct live {
    struct run_opts o;
    struct engine_config cfg;
    struct tz *tz;
    struct privacy *priv;
    struct store *st;
    struct journal *jr;
    struct generation *gen;
    struct generation *building; /* the generation generation_build is replaying into */
    uint64_t ref_fingerprint;

    pthread_mutex_t mu; /* guards everything below up to `processed_seq` */
    pthread_cond_t work;
    struct qev *q;
    size_t q_cap, q_head, q_len;
    struct pool *pools, *pool_tail;
    struct intake in;
    uint64_t processed_seq; /* every event of records up to this one has been taken */

    struct kafka_source *kafka;         /* for its counters in /metrics, or NULL */
    struct kafka_producer *signals_out; /* subject role: publishes wave signals, else NULL */
    int wave;                           /* registry index of curiosity_wave */
    _Atomic uint64_t publish_errors;
    struct strmap stored_pseudonyms;
    struct latency lat_event, lat_alert;
    _Atomic uint64_t processed, alerts_stored, alerts_withdrawn, busy, generations;
    _Atomic int ready;
    int64_t engine_ts; /* event time of the newest event taken */
};

/* The reference data of the engine running now (on the engine thread). */
static const struct ref *engine_ref_of(const struct live *lv)
{
    return lv->building != NULL ? &lv->building->ref : &lv->gen->ref;
}

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- intake ----------------------------------------------------------------------------- */

static size_t source_index(struct intake *in, const char *source)
{
    for (size_t i = 0; i < in->n_sources; i++)
        if (strcmp(in->source_name[i], source) == 0)
            return i;
    if (in->n_sources == MAX_SOURCES)
        return MAX_SOURCES - 1; /* further names share the last counter */
    snprintf(in->source_name[in->n_sources], sizeof in->source_name[0], "%s", source);
    return in->n_sources++;
}

static int cmp_qev_ts(const void *a, const void *b)
{
    const struct qev *x = a, *y = b;
    if (x->ev.ts_ms != y->ev.ts_ms)
        return (x->ev.ts_ms > y->ev.ts_ms) - (x->ev.ts_ms < y->ev.ts_ms);
    return (x->ev.line_no > y->ev.line_no) - (x->ev.line_no < y->ev.line_no);
}

static size_t count_lines(const char *data, size_t len)
{
    size_t n = 0;
    for (const char *p = data, *end = data + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        n++;
        p = nl ? nl + 1 : end;
    }
    return n;
}

/* Parse a signal line of the subject side (docs/scale-out.md): an event line (the looker's
 * event, validated as any event) with the fields "signal" (only "curiosity_wave"),
 * "strength" (0..1], "note" (0..7) and "group" (>= 0). The "key" field is informative: the
 * key is the subject, resolved here. Returns 0, or -1 with *why set. */
static int parse_signal(struct line_parser *lp, const char *line, size_t n, struct qev *q,
                        enum reject_reason *why)
{
    if (ingest_parse_line(lp, line, n, &q->ev, why) != 0)
        return -1;
    if (q->ev.subject_text.n == 0) {
        *why = REJ_MISSING_FIELD;
        return -1;
    }
    cJSON *j = cJSON_ParseWithLength(line, n);
    if (j == NULL) {
        *why = REJ_INVALID_JSON;
        return -1;
    }
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "signal");
    const cJSON *strength = cJSON_GetObjectItemCaseSensitive(j, "strength");
    const cJSON *note = cJSON_GetObjectItemCaseSensitive(j, "note");
    const cJSON *group = cJSON_GetObjectItemCaseSensitive(j, "group");
    int rc = 0;
    if (name == NULL || strength == NULL || note == NULL || group == NULL) {
        *why = REJ_MISSING_FIELD;
        rc = -1;
    } else if (!cJSON_IsString(name) || !cJSON_IsNumber(strength) || !cJSON_IsNumber(note) ||
               !cJSON_IsNumber(group)) {
        *why = REJ_WRONG_TYPE;
        rc = -1;
    } else if (strcmp(name->valuestring, "curiosity_wave") != 0 || !(strength->valuedouble > 0) ||
               strength->valuedouble > 1 || note->valuedouble < 0 || note->valuedouble > 7 ||
               note->valuedouble != (int)note->valuedouble || group->valuedouble < 0 ||
               group->valuedouble > UINT32_MAX) {
        *why = REJ_BAD_VALUE;
        rc = -1;
    } else {
        q->signal = 1;
        q->strength = (float)strength->valuedouble;
        q->note = (uint8_t)note->valuedouble;
        q->group = (uint32_t)group->valuedouble;
    }
    cJSON_Delete(j);
    return rc;
}

/* Validate and filter the lines of one batch into `out` (room for count_lines entries),
 * in event-time order. Lines of source "signals" are wave signals (parse_signal); they
 * count in the source's lines and, when malformed, in the rejects, but not as events.
 * Returns the number of entries. */
static size_t take_lines(struct intake *in, struct line_parser *lp, const char *source,
                         const char *data, size_t len, uint64_t seq, int64_t recv_ns,
                         struct qev *out, struct line_receipt *r)
{
    size_t si = source_index(in, source), n = 0;
    bool signals = strcmp(source, "signals") == 0;
    uint32_t k = 0;
    for (const char *p = data, *end = data + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        const char *line = p;
        p = nl ? nl + 1 : end;
        size_t ln = (size_t)(line_end - line);
        if (ln > 0 && line[ln - 1] == '\r')
            ln--;
        if (ln == 0)
            continue;
        in->stats.lines++;
        in->source_lines[si]++;
        r->lines++;
        struct qev *q = &out[n];
        q->signal = 0;
        enum reject_reason why;
        int bad = signals ? parse_signal(lp, line, ln, q, &why)
                          : ingest_parse_line(lp, line, ln, &q->ev, &why);
        if (bad != 0) {
            in->stats.malformed++;
            in->stats.by_reason[why]++;
            r->rejected++;
            if (in->rejects != NULL) {
                sbuf_reset(&in->line);
                analyze_reject_json(&in->line, source, in->source_lines[si], why, line, ln);
                fwrite(in->line.buf, 1, in->line.len, in->rejects);
            }
            continue;
        }
        if (signals) {
            sbuf_reset(&in->sig_key);
            sbuf_puts(&in->sig_key, "sig:");
            sbuf_add(&in->sig_key, q->ev.id, q->ev.id_len);
            sbuf_putc(&in->sig_key, ' ');
            sbuf_add(&in->sig_key, q->ev.subject_text.p, q->ev.subject_text.n);
            if (dedupe_repeat(&in->seen, dedupe_hash(in->sig_key.buf, in->sig_key.len),
                              q->ev.ts_ms)) {
                in->signal_repeats++;
                continue;
            }
            in->signals++;
            q->ev.line_no = k++;
            q->seq = seq;
            q->recv_ns = recv_ns;
            n++;
            continue;
        }
        if (dedupe_repeat(&in->seen, q->ev.id_hash, q->ev.ts_ms)) {
            in->stats.duplicates++;
            r->duplicates++;
            continue;
        }
        in->stats.events++;
        r->events++;
        q->ev.line_no = k++;
        q->seq = seq;
        q->recv_ns = recv_ns;
        n++;
    }
    qsort(out, n, sizeof *out, cmp_qev_ts);
    for (size_t i = 0; i < n; i++) {
        if (out[i].signal)
            continue; /* a signal is later than its event by design */
        if (out[i].ev.ts_ms < in->last_ts)
            in->stats.late++;
        else
            in->last_ts = out[i].ev.ts_ms;
    }
    return n;
}

static void intake_free(struct intake *in)
{
    dedupe_free(&in->seen);
    sbuf_free(&in->line);
    sbuf_free(&in->sig_key);
    if (in->rejects != NULL)
        fclose(in->rejects);
    in->rejects = NULL;
}

/* ---- the queue and its text pools ------------------------------------------------------ */

static struct pool *pool_for(struct live *lv, size_t len)
{
    struct pool *p = lv->pool_tail;
    if (p == NULL || p->len + len > p->cap) {
        struct pool *np = xcalloc(1, sizeof *np);
        np->cap = len > POOL_BYTES ? len : POOL_BYTES;
        np->buf = xmalloc(np->cap);
        np->max_ts = INT64_MIN;
        if (p != NULL)
            p->next = np;
        else
            lv->pools = np;
        lv->pool_tail = p = np;
    }
    return p;
}

/* Free the oldest pools whose events the engine is done with. Called with mu held. */
static void pools_release(struct live *lv)
{
    while (lv->pools != NULL && lv->pools != lv->pool_tail &&
           lv->pools->last_seq <= lv->processed_seq &&
           lv->pools->max_ts < lv->engine_ts - RETAIN_MS) {
        struct pool *p = lv->pools;
        lv->pools = p->next;
        arena_free(&p->parser.strings);
        free(p->buf);
        free(p);
    }
}

int live_submit(void *ctx, const char *source, const char *lines, size_t len,
                struct line_receipt *r, struct err *e)
{
    struct live *lv = ctx;
    struct line_receipt dummy;
    if (r == NULL)
        r = &dummy;
    memset(r, 0, sizeof *r);
    if (len == 0)
        return LINE_SINK_OK;
    size_t n_lines = count_lines(lines, len);
    int64_t recv = mono_ns();
    pthread_mutex_lock(&lv->mu);
    if (n_lines > lv->q_cap) {
        pthread_mutex_unlock(&lv->mu);
        err_set(e, "a batch of %zu lines is more than the queue holds (%zu)", n_lines, lv->q_cap);
        return LINE_SINK_ERROR;
    }
    if (lv->q_cap - lv->q_len < n_lines) {
        pthread_mutex_unlock(&lv->mu);
        atomic_fetch_add(&lv->busy, 1);
        return LINE_SINK_BUSY;
    }
    uint64_t seq;
    if (journal_append(lv->jr, source, lines, len, &seq, e) != 0) {
        pthread_mutex_unlock(&lv->mu);
        return LINE_SINK_ERROR;
    }
    struct pool *p = pool_for(lv, len);
    char *copy = p->buf + p->len;
    memcpy(copy, lines, len);
    p->len += len;
    p->last_seq = seq;
    /* Events go straight into the ring; a batch that wraps is taken into a scratch
     * array first (rare). */
    struct qev *tmp = xmalloc(n_lines * sizeof *tmp);
    size_t n = take_lines(&lv->in, &p->parser, source, copy, len, seq, recv, tmp, r);
    for (size_t i = 0; i < n; i++) {
        if (tmp[i].ev.ts_ms > p->max_ts)
            p->max_ts = tmp[i].ev.ts_ms;
        lv->q[(lv->q_head + lv->q_len + i) % lv->q_cap] = tmp[i];
    }
    lv->q_len += n;
    free(tmp);
    pthread_mutex_unlock(&lv->mu);

    int rc = journal_sync(lv->jr, seq, e);
    pthread_mutex_lock(&lv->mu);
    pthread_cond_signal(&lv->work);
    pthread_mutex_unlock(&lv->mu);
    return rc == 0 ? LINE_SINK_OK : LINE_SINK_ERROR;
}

int live_ready(struct live *lv)
{
    return atomic_load(&lv->ready);
}

/* ---- alerts to the store ---------------------------------------------------------------- */

struct flush_ctx {
    struct live *lv;
    struct alert *alerts;
    char (*pseudonyms)[PSEUDONYM_LEN];
    bool *is_withdrawn;
    size_t n, cap, withdrawn;
    int failed;
    struct err e;
};

static void collect_alert(void *arg, const struct alert *a, bool withdrawn)
{
    struct flush_ctx *f = arg;
    if (f->n == f->cap) {
        size_t cap = f->cap;
        f->alerts = xgrow(f->alerts, &cap, f->n + 1, sizeof *f->alerts);
        cap = f->cap;
        f->pseudonyms = xgrow(f->pseudonyms, &cap, f->n + 1, sizeof *f->pseudonyms);
        cap = f->cap;
        f->is_withdrawn = xgrow(f->is_withdrawn, &cap, f->n + 1, sizeof *f->is_withdrawn);
        f->cap = cap;
    }
    f->alerts[f->n] = *a;
    privacy_pseudonym(f->lv->priv, a->user, f->pseudonyms[f->n]);
    /* A withdrawn alert keeps what it showed, with the status "withdrawn" (out of the
     * queue of new alerts), so a row an analyst may have opened says what happened. */
    f->is_withdrawn[f->n] = withdrawn;
    f->withdrawn += withdrawn;
    f->n++;
}

/* Store the alerts that changed since the last call (one transaction). Returns 0, or -1
 * with the error logged. */
static int flush_alerts(struct live *lv)
{
    struct generation *g = lv->gen;
    struct flush_ctx f = {.lv = lv};
    if (engine_changed_alerts(g->eng, collect_alert, &f) == 0)
        return 0;
    /* Only now: the pseudonym array moved while it grew. */
    for (size_t i = 0; i < f.n; i++)
        f.alerts[i].pseudonym = f.pseudonyms[i];
    int rc = 0;
    struct activity_day *days = xmalloc(400 * sizeof *days);
    for (size_t i = 0; i < f.n && rc == 0; i++) {
        const char *p = f.pseudonyms[i];
        if (strmap_get(&lv->stored_pseudonyms, p, strlen(p)) < 0) {
            char again[PSEUDONYM_LEN];
            rc = analyze_put_pseudonym(lv->st, lv->priv, &f.alerts[i], again, &f.e);
            if (rc == 0)
                strmap_put(&lv->stored_pseudonyms, p, strlen(p), 1);
        }
    }
    if (rc == 0)
        rc = store_alerts_upsert(lv->st, g->run_id, f.alerts, f.n, &f.e);
    for (size_t i = 0; i < f.n && rc == 0; i++)
        if (f.is_withdrawn[i])
            rc = store_alert_withdraw(lv->st, g->run_id, f.alerts[i].id, &f.e);
    for (size_t i = 0; i < f.n && rc == 0; i++) {
        size_t nd = engine_alert_activity(g->eng, &f.alerts[i], days, 400);
        rc = store_activity_put(lv->st, g->run_id, f.pseudonyms[i], days, nd, &f.e);
    }
    free(days);
    if (rc != 0)
        log_error("run: %s", f.e.msg);
    else {
        atomic_fetch_add(&lv->alerts_stored, f.n - f.withdrawn);
        atomic_fetch_add(&lv->alerts_withdrawn, f.withdrawn);
    }
    free(f.alerts);
    free(f.pseudonyms);
    free(f.is_withdrawn);
    return rc;
}

/* ---- the subject role: wave signals to the signals topic --------------------------------- */

/* The engine's signal hook in the subject role: one JSON line per signal, keyed by the
 * looker's employee number (the owner's partition on the co-partitioned topics). The
 * line is the looker's event in the event format (so that the owner validates it as one)
 * plus the signal's fields. Runs on the engine thread; the generation's reference data
 * is lv->gen's, or the one being built (both hold the same tables for this event). */
static void publish_signal(void *ctx, int indicator, const struct event *ev, float strength,
                           uint32_t key, uint8_t note, uint32_t group)
{
    struct live *lv = ctx;
    if (lv->signals_out == NULL) { /* stopped: engine_finish emits no wave signals */
        atomic_fetch_add(&lv->publish_errors, 1);
        return;
    }
    const struct ref *ref = engine_ref_of(lv);
    struct sbuf line = {0};
    char ts[96];
    time_t secs = (time_t)(ev->ts_ms >= 0 ? ev->ts_ms / 1000 : (ev->ts_ms - 999) / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ev->ts_ms - (int64_t)secs * 1000));
    const char *user = ref->emp[ev->user].user;
    sbuf_puts(&line, "{\"signal\":");
    sbuf_json_str(&line, indicator_registry[indicator]->name,
                  strlen(indicator_registry[indicator]->name));
    sbuf_puts(&line, ",\"id\":");
    sbuf_json_str(&line, ev->id, ev->id_len);
    sbuf_printf(&line, ",\"ts\":\"%s\",\"user\":", ts);
    sbuf_json_str(&line, user, strlen(user));
    sbuf_puts(&line, ",\"system\":");
    const char *sys = ref_system_name(ref, ev->system);
    sbuf_json_str(&line, sys, strlen(sys));
    sbuf_puts(&line, ",\"action\":");
    const char *act = ingest_action_name((enum action)ev->action);
    sbuf_json_str(&line, act, strlen(act));
    if (ev->subject != REF_NONE) {
        const char *st = ref_subject_type_name((enum subject_type)ref->subj[ev->subject].type);
        sbuf_puts(&line, ",\"subject_type\":");
        sbuf_json_str(&line, st, strlen(st));
        sbuf_puts(&line, ",\"subject\":");
        sbuf_json_str(&line, ref->subj[ev->subject].id, strlen(ref->subj[ev->subject].id));
    }
    if (ev->legit != REF_NONE) {
        sbuf_puts(&line, ",\"case\":");
        sbuf_json_str(&line, ref->cases[ev->legit].id, strlen(ref->cases[ev->legit].id));
    }
    sbuf_printf(&line, ",\"strength\":%.6g,\"key\":%u,\"note\":%u,\"group\":%u}\n",
                (double)strength, key, (unsigned)note, group);
    struct err e = {{0}};
    if (kafka_producer_send(lv->signals_out, user, strlen(user), line.buf, line.len, &e) != 0) {
        if (atomic_fetch_add(&lv->publish_errors, 1) == 0)
            log_error("run: %s (further failures are counted only)", e.msg);
    }
    sbuf_free(&line);
}

/* ---- generations: reference data, engine, replay ---------------------------------------- */

struct replay_ctx {
    struct live *lv;
    struct generation *g;
    struct intake *in;
    struct qev *buf;
    size_t cap;
};

static void feed(struct live *lv, struct generation *g, struct qev *evs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ingest_resolve(&g->ref, &evs[i].ev);
        if (evs[i].signal) {
            engine_inject_signal(g->eng, lv->wave, &evs[i].ev, evs[i].strength, evs[i].ev.subject,
                                 evs[i].note, evs[i].group);
            continue;
        }
        engine_event(g->eng, &evs[i].ev);
        if (evs[i].ev.ts_ms > lv->engine_ts)
            lv->engine_ts = evs[i].ev.ts_ms;
    }
}

static int replay_record(void *arg, uint64_t seq, const char *source, const char *data, size_t len)
{
    struct replay_ctx *rc = arg;
    size_t n_lines = count_lines(data, len);
    if (n_lines > rc->cap) {
        rc->cap = n_lines;
        free(rc->buf);
        rc->buf = xmalloc(rc->cap * sizeof *rc->buf);
    }
    struct line_receipt r = {0};
    size_t n = take_lines(rc->in, &rc->g->replay_parser, source, data, len, seq, 0, rc->buf, &r);
    feed(rc->lv, rc->g, rc->buf, n);
    return 0;
}

/* A fingerprint of the reference files: name, size, inode and modification time (to the
 * nanosecond) of every CSV file, in any order, so that a file rewritten within the same
 * second, replaced by a rename, added or removed is noticed. */
static uint64_t ref_files_fingerprint(const char *dir)
{
    uint64_t sum = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    struct dirent *de;
    char path[4096];
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n < 4 || strcmp(de->d_name + n - 4, ".csv") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (stat(path, &sb) != 0)
            continue;
        int64_t facts[5] = {(int64_t)sb.st_size, (int64_t)sb.st_ino, (int64_t)sb.st_mtim.tv_sec,
                            (int64_t)sb.st_mtim.tv_nsec, (int64_t)hash_bytes(de->d_name, n, 1)};
        sum += hash_bytes(facts, sizeof facts, 0x7265);
    }
    closedir(d);
    return sum;
}

static void generation_free(struct generation *g)
{
    if (g == NULL)
        return;
    engine_free(g->eng);
    ref_free(&g->ref);
    arena_free(&g->replay_parser.strings);
    free(g);
}

/* Load the reference data, start an engine and replay the journal up to `upto` into it.
 * With `in` non-NULL the replay also rebuilds those counters (at startup). */
/* A generation with its reference data loaded, nothing else yet. */
static struct generation *generation_load(struct live *lv, struct err *e)
{
    struct generation *g = xcalloc(1, sizeof *g);
    if (ref_load(&g->ref, lv->o.ref_dir, lv->tz, e) != 0) {
        free(g);
        return NULL;
    }
    return g;
}

/* Start an engine on the reference data of `g` (from generation_load; taken over, freed on
 * failure) and replay the journal up to `upto` into it. */
static struct generation *generation_build(struct live *lv, struct generation *g, int64_t run_id,
                                           uint64_t upto, struct intake *in, struct err *e)
{
    g->eng = engine_new(&g->ref, lv->tz, &lv->cfg);
    lv->building = g;
    if (lv->o.subjects_role)
        engine_set_signal_hook(g->eng, publish_signal, lv);
    else if (lv->o.signals_topic != NULL)
        engine_set_remote(g->eng, lv->wave);
    if (analyze_load_exceptions(lv->st, lv->priv, &g->ref, lv->tz, g->eng, e) != 0)
        goto fail;
    if (run_id == 0 && store_run_begin(lv->st, lv->o.ref_dir, &run_id, e) != 0)
        goto fail;
    g->run_id = run_id;
    struct intake scratch = {.seen.window_ms = lv->cfg.ingest.dedupe_window_ms};
    struct replay_ctx rc = {.lv = lv, .g = g, .in = in != NULL ? in : &scratch};
    int64_t t0 = mono_ns();
    long records = journal_replay(lv->jr, upto, replay_record, &rc, e);
    free(rc.buf);
    intake_free(&scratch);
    lv->building = NULL;
    if (records < 0)
        goto fail;
    if (records > 0 && !lv->o.quiet)
        log_info("run: replayed %ld journal records (%llu events) in %.2f s", records,
                 (unsigned long long)engine_stats(g->eng)->record_accesses,
                 (double)(mono_ns() - t0) / 1e9);
    return g;
fail:
    lv->building = NULL;
    generation_free(g);
    return NULL;
}

/* The run of this journal's first generation is kept beside it, so that a restart adds to
 * the same run (the same alert ids) instead of starting another. */
static int64_t saved_run_id(const char *journal_dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/run.id", journal_dir);
    FILE *fp = fopen(path, "r");
    long long id = 0;
    if (fp != NULL) {
        if (fscanf(fp, "%lld", &id) != 1)
            id = 0;
        fclose(fp);
    }
    return id;
}

static int save_run_id(const char *journal_dir, int64_t run_id, struct err *e)
{
    char path[4096], text[32];
    snprintf(path, sizeof path, "%s/run.id", journal_dir);
    int n = snprintf(text, sizeof text, "%lld\n", (long long)run_id);
    return file_write_atomic(path, text, (size_t)n, e);
}

/* The reference files changed: build the next generation (a new run) and swap it in. */
static void reload_reference(struct live *lv)
{
    struct err e = {{0}};
    log_info("run: reference data in %s changed; rebuilding", lv->o.ref_dir);
    pthread_mutex_lock(&lv->mu);
    uint64_t upto = lv->processed_seq;
    pthread_mutex_unlock(&lv->mu);
    struct generation *g = generation_load(lv, &e);
    if (g != NULL)
        g = generation_build(lv, g, 0, upto, NULL, &e);
    if (g == NULL) {
        log_error("run: keeping the previous reference data: %s", e.msg);
        return;
    }
    if (save_run_id(lv->o.journal, g->run_id, &e) != 0)
        log_error("run: %s", e.msg);
    generation_free(lv->gen);
    lv->gen = g;
    atomic_fetch_add(&lv->generations, 1);
    flush_alerts(lv);
}

/* ---- the engine loop --------------------------------------------------------------------- */

static void write_stats(struct live *lv, size_t n_alerts, struct sbuf *out)
{
    pthread_mutex_lock(&lv->mu);
    struct ingest_stats is = lv->in.stats;
    pthread_mutex_unlock(&lv->mu);
    analyze_stats_json(out, &is, 0, lv->gen->eng, n_alerts);
}

static void store_stats(struct live *lv)
{
    struct sbuf s = {0};
    write_stats(lv, (size_t)atomic_load(&lv->alerts_stored), &s);
    if (s.len > 0)
        s.buf[--s.len] = '\0';
    struct err e;
    if (store_run_stats(lv->st, lv->gen->run_id, s.buf, (int64_t)atomic_load(&lv->alerts_stored),
                        &e) != 0)
        log_error("run: %s", e.msg);
    sbuf_free(&s);
}

/* Take and analyse durable events until the queue is empty (or `drain` is 0 and one
 * chunk was done). */
static size_t engine_turn(struct live *lv, int wait_ms)
{
    pthread_mutex_lock(&lv->mu);
    if (lv->q_len == 0 && wait_ms > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)wait_ms * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&lv->work, &lv->mu, &ts);
    }
    uint64_t synced = journal_synced(lv->jr);
    size_t n = 0;
    while (n < lv->q_len && n < CHUNK && lv->q[(lv->q_head + n) % lv->q_cap].seq <= synced)
        n++;
    size_t head = lv->q_head;
    pthread_mutex_unlock(&lv->mu);
    if (n == 0)
        return 0;

    int64_t first_recv = INT64_MAX;
    uint64_t last_seq = 0;
    for (size_t i = 0; i < n; i++) {
        struct qev *q = &lv->q[(head + i) % lv->q_cap];
        feed(lv, lv->gen, q, 1);
        if (q->recv_ns < first_recv)
            first_recv = q->recv_ns;
        last_seq = q->seq;
    }
    int64_t done = mono_ns();
    for (size_t i = 0; i < n; i++)
        latency_observe(&lv->lat_event,
                        (double)(done - lv->q[(head + i) % lv->q_cap].recv_ns) / 1e9);
    uint64_t before = atomic_load(&lv->alerts_stored) + atomic_load(&lv->alerts_withdrawn);
    flush_alerts(lv);
    uint64_t after = atomic_load(&lv->alerts_stored) + atomic_load(&lv->alerts_withdrawn);
    /* The alert's latency is measured from the earliest event of the chunk that led to
     * it: an upper bound, never an underestimate. */
    if (after > before) {
        double secs = (double)(mono_ns() - first_recv) / 1e9;
        for (uint64_t k = before; k < after; k++)
            latency_observe(&lv->lat_alert, secs);
    }
    atomic_fetch_add(&lv->processed, n);

    pthread_mutex_lock(&lv->mu);
    lv->q_head = (lv->q_head + n) % lv->q_cap;
    lv->q_len -= n;
    /* Records up to the one before the next queued event's are fully taken. */
    lv->processed_seq = lv->q_len > 0 ? lv->q[lv->q_head].seq - 1 : last_seq;
    pools_release(lv);
    pthread_mutex_unlock(&lv->mu);
    return n;
}

void live_metrics(struct live *lv, struct sbuf *out)
{
    pthread_mutex_lock(&lv->mu);
    struct intake in = lv->in;
    size_t q_len = lv->q_len, q_cap = lv->q_cap;
    pthread_mutex_unlock(&lv->mu);
    sbuf_puts(out, "# HELP wachter_lines_total Event lines received, by source.\n"
                   "# TYPE wachter_lines_total counter\n");
    for (size_t i = 0; i < in.n_sources; i++)
        sbuf_printf(out, "wachter_lines_total{source=\"%s\"} %llu\n", in.source_name[i],
                    (unsigned long long)in.source_lines[i]);
    sbuf_printf(out,
                "# HELP wachter_events_total Valid, distinct events taken.\n"
                "# TYPE wachter_events_total counter\nwachter_events_total %llu\n"
                "# HELP wachter_duplicates_total Lines dropped as repeats of an event id.\n"
                "# TYPE wachter_duplicates_total counter\nwachter_duplicates_total %llu\n"
                "# HELP wachter_late_total Events older than one taken before them.\n"
                "# TYPE wachter_late_total counter\nwachter_late_total %llu\n"
                "# HELP wachter_rejected_total Malformed lines, by reason.\n"
                "# TYPE wachter_rejected_total counter\n",
                (unsigned long long)in.stats.events, (unsigned long long)in.stats.duplicates,
                (unsigned long long)in.stats.late);
    for (int r = 0; r < REJ__COUNT; r++)
        sbuf_printf(out, "wachter_rejected_total{reason=\"%s\"} %llu\n",
                    ingest_reason_name((enum reject_reason)r),
                    (unsigned long long)in.stats.by_reason[r]);
    sbuf_printf(
        out,
        "# HELP wachter_events_processed_total Events the engine has analysed.\n"
        "# TYPE wachter_events_processed_total counter\nwachter_events_processed_total %llu\n"
        "# HELP wachter_lag_events Events received and not yet analysed.\n"
        "# TYPE wachter_lag_events gauge\nwachter_lag_events %zu\n"
        "# HELP wachter_queue_capacity_events Events the queue holds before answering busy.\n"
        "# TYPE wachter_queue_capacity_events gauge\nwachter_queue_capacity_events %zu\n"
        "# HELP wachter_busy_total Batches refused because the engine was behind.\n"
        "# TYPE wachter_busy_total counter\nwachter_busy_total %llu\n"
        "# HELP wachter_alerts_total Alerts stored (opened or updated).\n"
        "# TYPE wachter_alerts_total counter\nwachter_alerts_total %llu\n"
        "# HELP wachter_alerts_withdrawn_total Alerts opened during a day and not confirmed "
        "at its close.\n"
        "# TYPE wachter_alerts_withdrawn_total counter\nwachter_alerts_withdrawn_total %llu\n"
        "# HELP wachter_journal_bytes Size of the journal.\n"
        "# TYPE wachter_journal_bytes gauge\nwachter_journal_bytes %llu\n"
        "# HELP wachter_reference_generations_total Reference data reloads.\n"
        "# TYPE wachter_reference_generations_total counter\n"
        "wachter_reference_generations_total %llu\n"
        "# HELP wachter_ready 1 once the journal is replayed and events are analysed.\n"
        "# TYPE wachter_ready gauge\nwachter_ready %d\n",
        (unsigned long long)atomic_load(&lv->processed), q_len, q_cap,
        (unsigned long long)atomic_load(&lv->busy),
        (unsigned long long)atomic_load(&lv->alerts_stored),
        (unsigned long long)atomic_load(&lv->alerts_withdrawn),
        (unsigned long long)journal_bytes(lv->jr),
        (unsigned long long)atomic_load(&lv->generations), atomic_load(&lv->ready));
    if (lv->kafka != NULL) {
        struct kafka_stats ks;
        kafka_source_stats(lv->kafka, &ks);
        sbuf_printf(out,
                    "# HELP wachter_kafka_messages_total Kafka messages consumed.\n"
                    "# TYPE wachter_kafka_messages_total counter\n"
                    "wachter_kafka_messages_total %llu\n"
                    "# HELP wachter_kafka_commits_total Offset commits after durable batches.\n"
                    "# TYPE wachter_kafka_commits_total counter\n"
                    "wachter_kafka_commits_total %llu\n"
                    "# HELP wachter_kafka_pauses_total Times consumption paused (backpressure).\n"
                    "# TYPE wachter_kafka_pauses_total counter\nwachter_kafka_pauses_total %llu\n",
                    (unsigned long long)ks.messages, (unsigned long long)ks.commits,
                    (unsigned long long)ks.pauses);
    }
    if (lv->o.signals_topic != NULL && !lv->o.subjects_role)
        sbuf_printf(out,
                    "# HELP wachter_signals_injected_total Wave signals of the subject side "
                    "taken (repeats dropped).\n"
                    "# TYPE wachter_signals_injected_total counter\n"
                    "wachter_signals_injected_total %llu\n"
                    "# HELP wachter_signal_repeats_total Wave signals dropped as repeats.\n"
                    "# TYPE wachter_signal_repeats_total counter\n"
                    "wachter_signal_repeats_total %llu\n",
                    (unsigned long long)in.signals, (unsigned long long)in.signal_repeats);
    if (lv->signals_out != NULL) {
        struct kafka_producer_stats ps;
        kafka_producer_stats(lv->signals_out, &ps);
        sbuf_printf(out,
                    "# HELP wachter_signals_published_total Wave signals acknowledged by the "
                    "brokers (a replay publishes again).\n"
                    "# TYPE wachter_signals_published_total counter\n"
                    "wachter_signals_published_total %llu\n"
                    "# HELP wachter_signals_publish_failed_total Wave signals not delivered.\n"
                    "# TYPE wachter_signals_publish_failed_total counter\n"
                    "wachter_signals_publish_failed_total %llu\n",
                    (unsigned long long)ps.delivered,
                    (unsigned long long)(ps.failed + atomic_load(&lv->publish_errors)));
    }
    latency_write(&lv->lat_event, "wachter_event_latency_seconds",
                  "From receipt of an event to its analysis.", out);
    latency_write(&lv->lat_alert, "wachter_alert_latency_seconds",
                  "From receipt of the events that led to an alert to the alert stored.", out);
}

/* ---- the command -------------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: wachter run --ref DATASET --db FILE|postgresql://... [--http HOST:PORT]\n"
            "                   [--hec-token TOKEN] [--syslog HOST:PORT] [--tail FILE]...\n"
            "                   [--kafka-brokers LIST --kafka-topic TOPIC --kafka-group GROUP\n"
            "                    [--kafka-property KEY=VALUE]...]\n"
            "                   [--role employees|subjects] [--signals-topic TOPIC]\n"
            "                   [--journal DIR] [--queue EVENTS] [--config FILE] [--key FILE]\n"
            "                   [--alerts-out FILE] [--stats-out FILE] [--rejects-out FILE]\n"
            "                   [--reveal-ids] [--quiet]\n"
            "\n"
            "Runs detection as a service: events arrive over HTTP (POST /ingest, Splunk HEC),\n"
            "syslog, tailed files or Kafka, are made durable in the journal (default: DB.journal)\n"
            "and analysed as they come; alerts are stored within a second. The reference CSV\n"
            "files are read from DATASET and reloaded when they change. SIGTERM stops cleanly;\n"
            "then --alerts-out and --stats-out are written as analyze writes them.\n"
            "\n"
            "Scale-out (docs/scale-out.md): --role subjects reads events keyed by subject and\n"
            "publishes curiosity-wave signals to --signals-topic; the default role (employees)\n"
            "given --signals-topic reads them with its events in one group and does not run\n"
            "curiosity_wave itself.\n");
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
    static const struct option longopts[] = {
        {"ref", required_argument, NULL, 'f'},
        {"db", required_argument, NULL, 'd'},
        {"http", required_argument, NULL, 'H'},
        {"hec-token", required_argument, NULL, 't'},
        {"syslog", required_argument, NULL, 'S'},
        {"tail", required_argument, NULL, 'T'},
        {"kafka-brokers", required_argument, NULL, 'b'},
        {"kafka-topic", required_argument, NULL, 'p'},
        {"kafka-group", required_argument, NULL, 'g'},
        {"kafka-property", required_argument, NULL, 'P'},
        {"role", required_argument, NULL, 'o'},
        {"signals-topic", required_argument, NULL, 'G'},
        {"journal", required_argument, NULL, 'j'},
        {"queue", required_argument, NULL, 'Q'},
        {"config", required_argument, NULL, 'c'},
        {"key", required_argument, NULL, 'k'},
        {"alerts-out", required_argument, NULL, 'a'},
        {"stats-out", required_argument, NULL, 's'},
        {"rejects-out", required_argument, NULL, 'r'},
        {"reveal-ids", no_argument, NULL, 'R'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->queue = DEFAULT_QUEUE;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            o->ref_dir = optarg;
            break;
        case 'd':
            o->db = optarg;
            break;
        case 'H':
            o->http = optarg;
            break;
        case 't':
            o->hec_token = optarg;
            break;
        case 'S':
            o->syslog = optarg;
            break;
        case 'T':
            if (o->n_tails == MAX_TAILS) {
                fprintf(stderr, "wachter: run: at most %d --tail files\n", MAX_TAILS);
                return -1;
            }
            o->tails[o->n_tails++] = optarg;
            break;
        case 'b':
            o->kafka_brokers = optarg;
            break;
        case 'p':
            o->kafka_topic = optarg;
            break;
        case 'g':
            o->kafka_group = optarg;
            break;
        case 'P':
            if (o->n_kafka_props == MAX_TAILS || strchr(optarg, '=') == NULL) {
                fprintf(stderr, "wachter: run: --kafka-property KEY=VALUE, at most %d\n",
                        MAX_TAILS);
                return -1;
            }
            o->kafka_props[o->n_kafka_props++] = optarg;
            break;
        case 'o':
            if (strcmp(optarg, "subjects") != 0 && strcmp(optarg, "employees") != 0) {
                fprintf(stderr, "wachter: run: --role is employees or subjects\n");
                return -1;
            }
            o->subjects_role = strcmp(optarg, "subjects") == 0;
            break;
        case 'G':
            o->signals_topic = optarg;
            break;
        case 'j':
            o->journal = optarg;
            break;
        case 'Q': {
            char *end;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*end != '\0' || v < 1024 || v > (1ULL << 26)) {
                fprintf(stderr, "wachter: run: --queue must be 1024..67108864 events\n");
                return -1;
            }
            o->queue = (size_t)v;
            break;
        }
        case 'c':
            o->config = optarg;
            break;
        case 'k':
            o->key = optarg;
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
    if (optind != argc || o->ref_dir == NULL || o->db == NULL) {
        usage(stderr);
        return -1;
    }
    if (o->http == NULL && o->syslog == NULL && o->n_tails == 0 && o->kafka_brokers == NULL) {
        fprintf(stderr, "wachter: run: no source: give --http, --syslog, --tail or --kafka-*\n");
        return -1;
    }
    if (o->kafka_brokers != NULL && (o->kafka_topic == NULL || o->kafka_group == NULL)) {
        fprintf(stderr, "wachter: run: --kafka-brokers needs --kafka-topic and --kafka-group\n");
        return -1;
    }
    if (o->signals_topic != NULL && o->kafka_brokers == NULL) {
        fprintf(stderr, "wachter: run: --signals-topic needs the --kafka-* options\n");
        return -1;
    }
    if (o->subjects_role && o->signals_topic == NULL) {
        fprintf(stderr, "wachter: run: --role subjects needs --signals-topic\n");
        return -1;
    }
    return 0;
}

/* The indicators of a scale-out role (--signals-topic). The subject role runs only
 * curiosity_wave (the explainer, which it needs, always runs); the employee role keeps
 * curiosity_wave enabled for scoring, but generation_build makes it remote: its signals
 * come from the subject side. Returns 0, or -1 with `e` filled. */
static int configure_role(struct live *lv, struct err *e)
{
    if (lv->wave < 0)
        return err_set(e, "run: curiosity_wave is not built in; --signals-topic needs it");
    struct ind_common *wave = lv->cfg.ind_settings[lv->wave];
    if (!wave->enabled)
        return err_set(e, "run: --signals-topic but curiosity_wave is disabled in the config");
    if (lv->o.subjects_role) {
        for (size_t i = 0; i < indicator_count; i++)
            ((struct ind_common *)lv->cfg.ind_settings[i])->enabled = (int)i == lv->wave;
        log_info("run: role subjects: only curiosity_wave runs; its signals are published to "
                 "%s, keyed by employee",
                 lv->o.signals_topic);
    } else {
        log_info("run: role employees: curiosity_wave does not run here (this instance sees "
                 "only its share of each subject's lookers); its signals come from %s",
                 lv->o.signals_topic);
    }
    return 0;
}

static int write_outputs(struct live *lv, struct err *e)
{
    struct engine *eng = lv->gen->eng;
    engine_finish(eng);
    size_t n;
    const struct alert *alerts = engine_alerts(eng, &n);
    char(*pseudonyms)[PSEUDONYM_LEN] = xcalloc(n ? n : 1, PSEUDONYM_LEN);
    struct sbuf out = {0};
    for (size_t i = 0; i < n; i++) {
        privacy_pseudonym(lv->priv, alerts[i].user, pseudonyms[i]);
        engine_set_pseudonym(eng, i, pseudonyms[i]);
        analyze_alert_json(&out, &alerts[i], lv->tz, lv->o.reveal_ids);
    }
    int rc = 0;
    if (lv->o.alerts_out != NULL)
        rc = file_write_atomic(lv->o.alerts_out, out.buf ? out.buf : "", out.len, e);
    sbuf_reset(&out);
    if (rc == 0 && lv->o.stats_out != NULL) {
        write_stats(lv, n, &out);
        rc = file_write_atomic(lv->o.stats_out, out.buf, out.len, e);
    }
    if (rc == 0 && lv->o.reveal_ids)
        rc = store_reveal_log(lv->st, lv->gen->run_id, analyze_os_user(), "run --reveal-ids",
                              "(alerts output of a live run)", e);
    sbuf_free(&out);
    free(pseudonyms);
    return rc;
}

int run_main(int argc, char **argv)
{
    struct live *lv = xcalloc(1, sizeof *lv);
    int prc = parse_opts(argc, argv, &lv->o);
    if (prc != 0) {
        free(lv);
        return prc > 0 ? 0 : 2;
    }
    struct run_opts *o = &lv->o;
    struct err e = {{0}};
    int rc = 1;
    char *key_path = NULL, *journal_dir = NULL;
    struct ingest_http *http = NULL;
    struct syslog_server *syslog = NULL;
    struct tail *tail = NULL;
    struct kafka_source *kafka = NULL;
    struct line_sink sink = {live_submit, lv};
    struct generation *first = NULL;

    pthread_mutex_init(&lv->mu, NULL);
    pthread_cond_init(&lv->work, NULL);
    engine_config_defaults(&lv->cfg);
    if (o->config != NULL && engine_config_load(&lv->cfg, o->config, &e) != 0)
        goto fail;
    lv->wave = indicator_find("curiosity_wave");
    if (o->signals_topic != NULL && configure_role(lv, &e) != 0)
        goto fail;
    if ((lv->tz = tz_open(lv->cfg.timezone, &e)) == NULL)
        goto fail;
    /* The reference data first: a dataset that cannot be read leaves nothing behind. */
    lv->ref_fingerprint = ref_files_fingerprint(o->ref_dir);
    if ((first = generation_load(lv, &e)) == NULL)
        goto fail;
    if (o->journal == NULL) {
        size_t n = strlen(o->db) + 16;
        journal_dir = xmalloc(n);
        const char *db = strstr(o->db, "://") ? "wachter" : o->db;
        snprintf(journal_dir, n, "%s.journal", db);
        o->journal = journal_dir;
    }
    key_path = o->key ? xstrdup(o->key) : analyze_key_path(o->db);
    if ((lv->priv = privacy_open(key_path, &e)) == NULL)
        goto fail;
    if ((lv->st = store_open(o->db, &e)) == NULL)
        goto fail;
    if ((lv->jr = journal_open(o->journal, &e)) == NULL)
        goto fail;
    if (o->rejects_out != NULL && (lv->in.rejects = fopen(o->rejects_out, "w")) == NULL) {
        err_set(&e, "%s: cannot write: %s", o->rejects_out, strerror(errno));
        goto fail;
    }
    lv->in.seen.window_ms = lv->cfg.ingest.dedupe_window_ms;
    lv->in.last_ts = INT64_MIN;
    lv->q_cap = o->queue;
    lv->q = xmalloc(lv->q_cap * sizeof *lv->q);
    lv->engine_ts = INT64_MIN;
    if (o->subjects_role &&
        (lv->signals_out = kafka_producer_start(o->kafka_brokers, o->signals_topic,
                                                (const char *const *)o->kafka_props,
                                                o->n_kafka_props, &e)) == NULL)
        goto fail;

    /* Rebuild the state from the journal, then store what it leads to (idempotent). */
    int64_t run_id = saved_run_id(o->journal);
    lv->gen = generation_build(lv, first, run_id, UINT64_MAX, &lv->in, &e);
    first = NULL;
    if (lv->gen == NULL)
        goto fail;
    if (run_id == 0 && save_run_id(o->journal, lv->gen->run_id, &e) != 0)
        goto fail;
    lv->processed_seq = journal_synced(lv->jr);
    if (flush_alerts(lv) != 0) {
        err_set(&e, "%s: cannot store the alerts of the replayed journal", o->db);
        goto fail;
    }

    struct sigaction sa = {0};
    sa.sa_handler = on_stop_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (o->http != NULL && (http = ingest_http_start(o->http, o->hec_token, lv, &e)) == NULL)
        goto fail;
    if (o->syslog != NULL && (syslog = syslog_server_start(o->syslog, &sink, &e)) == NULL)
        goto fail;
    if (o->n_tails > 0) {
        char state[4096];
        snprintf(state, sizeof state, "%s/tail.state", o->journal);
        if ((tail = tail_start((const char *const *)o->tails, o->n_tails, state, &sink, &e)) ==
            NULL)
            goto fail;
    }
    if (o->kafka_brokers != NULL) {
        struct kafka_options ko = {0};
        ko.brokers = o->kafka_brokers;
        ko.group = o->kafka_group;
        const char *topics[2] = {o->kafka_topic, o->signals_topic};
        const char *sources[2] = {"kafka", "signals"};
        /* Co-partitioning: the range assignor gives partition p of both topics to the
         * same member (before the user's properties, which may not change it). */
        const char *props[MAX_TAILS + 1] = {"partition.assignment.strategy=range"};
        bool both = o->signals_topic != NULL && !o->subjects_role;
        size_t np = 0;
        if (both)
            np++;
        for (size_t i = 0; i < o->n_kafka_props; i++)
            props[np++] = o->kafka_props[i];
        ko.topics = topics;
        ko.sources = sources;
        ko.ntopics = both ? 2 : 1;
        ko.props = props;
        ko.nprops = np;
        if ((kafka = kafka_source_start(&ko, &sink, &e)) == NULL)
            goto fail;
        lv->kafka = kafka;
    }
    atomic_store(&lv->ready, 1);
    if (!o->quiet)
        log_info("run: listening (journal %s, database %s)", o->journal, o->db);

    /* A file named "pause" in the journal directory holds the engine (maintenance, and
     * the backpressure tests): sources keep being acknowledged until the queue is full. */
    char pause_path[4096];
    snprintf(pause_path, sizeof pause_path, "%s/pause", o->journal);
    int64_t last_stats = mono_ns(), last_ref_check = last_stats;
    while (!stop_requested) {
        if (access(pause_path, F_OK) == 0) {
            usleep(100 * 1000);
            continue;
        }
        engine_turn(lv, 100);
        int64_t now = mono_ns();
        if (now - last_stats > STATS_EVERY_MS * 1000000LL) {
            store_stats(lv);
            last_stats = now;
        }
        if (now - last_ref_check > REF_CHECK_MS * 1000000LL) {
            last_ref_check = now;
            uint64_t fp = ref_files_fingerprint(o->ref_dir);
            if (fp != lv->ref_fingerprint) {
                lv->ref_fingerprint = fp;
                reload_reference(lv);
            }
        }
    }
    if (!o->quiet)
        log_info("run: stopping");
    /* No new batches; analyse what was acknowledged, store it, then write the outputs. */
    atomic_store(&lv->ready, 0);
    ingest_http_stop(http); /* first: /metrics reads the other sources' counters */
    http = NULL;
    lv->kafka = NULL;
    kafka_source_stop(kafka);
    kafka = NULL;
    tail_stop(tail);
    tail = NULL;
    syslog_server_stop(syslog);
    syslog = NULL;
    while (engine_turn(lv, 0) > 0)
        ;
    kafka_producer_stop(lv->signals_out); /* waits for the last signals' acknowledgements */
    lv->signals_out = NULL;
    store_stats(lv);
    if (lv->in.rejects != NULL)
        fflush(lv->in.rejects);
    if (write_outputs(lv, &e) != 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    log_error("%s", e.msg);
out:
    ingest_http_stop(http);
    kafka_source_stop(kafka);
    tail_stop(tail);
    syslog_server_stop(syslog);
    kafka_producer_stop(lv->signals_out);
    generation_free(first);
    generation_free(lv->gen);
    intake_free(&lv->in);
    while (lv->pools != NULL) {
        struct pool *p = lv->pools;
        lv->pools = p->next;
        arena_free(&p->parser.strings);
        free(p->buf);
        free(p);
    }
    free(lv->q);
    strmap_free(&lv->stored_pseudonyms);
    journal_close(lv->jr);
    store_close(lv->st);
    privacy_close(lv->priv);
    tz_free(lv->tz);
    engine_config_free(&lv->cfg);
    pthread_cond_destroy(&lv->work);
    pthread_mutex_destroy(&lv->mu);
    free(key_path);
    free(journal_dir);
    free(lv);
    return rc;
}
