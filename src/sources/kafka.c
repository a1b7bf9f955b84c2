/*
 * kafka.c - the Kafka source: one consumer group member, one thread, batches handed to a
 * line_sink, offsets committed only after the sink made a batch durable.
 *
 * The thread owns the consumer. It polls (rd_kafka_consumer_poll, at most 100 ms at a
 * time, so that a stop is seen quickly) and collects messages into a batch until the batch
 * holds batch_max_messages messages or BATCH_MAX_BYTES bytes, or batch_max_ms have passed
 * since its first message. It then joins the message values into one buffer of
 * newline-separated lines (adding a newline after a value that lacks one) and submits it:
 *
 *   sink answer         what the source does
 *   ------------------  ------------------------------------------------------------------
 *   LINE_SINK_OK        the batch's highest offset + 1 per partition joins `durable`, which
 *                       is committed synchronously at once; the messages are released; a
 *                       paused consumer resumes.
 *   LINE_SINK_BUSY      nothing was taken: every assigned partition is paused and the same
 *                       batch is offered again after RETRY_BUSY_MS, until it is taken.
 *   LINE_SINK_ERROR     nothing was taken: logged, partitions paused, the same batch is
 *                       offered again after a back-off of 100 ms doubling up to 2 s.
 *
 * Invariants:
 *   - An offset is committed only when every message below it on its partition was taken
 *     by the sink with LINE_SINK_OK (messages of a partition arrive in offset order and a
 *     batch is taken whole or not at all). Hence at-least-once, never at-most-once.
 *   - `durable` holds offsets that are durable but whose commit failed; they are retried
 *     with the next commit and on revocation, and forgotten only for partitions that are
 *     no longer ours (the next owner then re-reads a little; the sink drops duplicate ids).
 *   - `paused` is true exactly while a refused batch waits for its retry; the partitions
 *     assigned meanwhile are paused too.
 *
 * Rebalancing. The rebalance callback runs on the polling thread (inside consumer_poll),
 * so it sees the batch in a consistent state and needs no lock. On revocation it commits
 * what is durable (unless the partitions were lost, when a commit cannot succeed), drops
 * the in-flight messages of the revoked partitions (they are re-delivered to the new owner
 * from the committed offset) and unassigns. The eager protocol (range, roundrobin) is the
 * default; when the properties select cooperative-sticky the callback uses incremental
 * assign/unassign, and the batch keeps the messages of the partitions that stay.
 *
 * The callback keeps its own copy of the assignment (`assigned`, for pausing, resuming and
 * the partitions counter) instead of asking rd_kafka_assignment(): that call waits for
 * librdkafka's main thread, and when the callback runs inside rd_kafka_consumer_close it
 * can wait for ever (seen with 2.0.2). For the same reason a stopping source commits and
 * drops its batch before it closes, so the callback has nothing to commit then.
 *
 * Sources by topic: the options may name, per topic, the source name its lines are submitted
 * with (the employee side reads its events and the wave signals of the subject side in
 * one group). flush_batch then submits one part per source name; a part that is taken is
 * committed and leaves the batch, a refused one stays with the parts after it.
 *
 * The producer at the end of the file is independent of the source: the subject role of
 * `wachter run` publishes wave signals with it (docs/scale-out.md).
 *
 * Memory: the source copies its options into librdkafka's configuration; the batch owns
 * its rd_kafka_message_t objects until they are taken, dropped or the source stops. The
 * counters are atomics so that other threads (metrics, tests) may read them.
 */
#include "sources/kafka.h"

#include <librdkafka/rdkafka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    BATCH_MAX_MESSAGES = 2000, /* default of batch_max_messages */
    BATCH_MAX_MS = 50,         /* default of batch_max_ms */
    POLL_MAX_MS = 100,         /* longest wait in consumer_poll, bounds the stop latency */
    RETRY_BUSY_MS = 75,        /* wait after LINE_SINK_BUSY (the contract says 50-100 ms) */
    RETRY_ERROR_MIN_MS = 100,  /* first wait after LINE_SINK_ERROR, doubled each time */
    RETRY_ERROR_MAX_MS = 2000,
    ERROR_LOG_EVERY_MS = 10000 /* repeat the "sink refuses" message at most this often */
};
#define BATCH_MAX_BYTES ((size_t)16 << 20) /* submit once a batch holds this many bytes */

_Static_assert(RETRY_BUSY_MS >= 50 && RETRY_BUSY_MS <= 100, "busy retry is 50-100 ms");
_Static_assert(POLL_MAX_MS >= BATCH_MAX_MS, "a poll may not outlast the default batch age");

struct kafka_source {
    rd_kafka_t *rk;
    char **topics, **sources; /* per topic of the options: its name and source name (or NULL) */
    size_t ntopics;
    struct line_sink sink;
    pthread_t thread;
    bool started; /* the thread runs and must be joined */
    atomic_bool stopping;
    int log_level; /* librdkafka's log_level (syslog levels), also used for our messages */
    size_t batch_max_messages;
    int batch_max_ms;

    /* Owned by the polling thread (and the rebalance callback, which runs on it). */
    rd_kafka_message_t **batch; /* messages not yet taken by the sink, in arrival order */
    size_t nbatch, batch_cap;
    size_t batch_bytes;
    int64_t batch_start_ms;                    /* when the batch's first message arrived */
    int64_t retry_at_ms;                       /* a refused batch waits until then */
    int backoff_ms;                            /* next wait after LINE_SINK_ERROR */
    bool paused;                               /* see the invariants above */
    uint64_t error_streak;                     /* LINE_SINK_ERROR answers in a row */
    int64_t error_logged_ms;                   /* when the streak was last logged */
    rd_kafka_topic_partition_list_t *durable;  /* offsets to commit (next offset to read) */
    rd_kafka_topic_partition_list_t *assigned; /* our copy of the assignment (see below) */
    struct sbuf buf;                           /* the joined values of one submission */

    _Atomic uint64_t messages, bytes, batches, commits, commit_errors, busy, sink_errors, pauses,
        resumes, rebalances, dropped, partitions;
};

static void *source_thread(void *arg);
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque);
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque);
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf);
static int conf_set(rd_kafka_conf_t *conf, const char *key, const char *val, struct err *e);
static void take_message(struct kafka_source *k, rd_kafka_message_t *m, int64_t now);
static void flush_batch(struct kafka_source *k, int64_t now);
static void commit_durable(struct kafka_source *k);
static void drop_partitions(struct kafka_source *k, const rd_kafka_topic_partition_list_t *parts);
static void drop_batch(struct kafka_source *k);
static void pause_all(struct kafka_source *k);
static void resume_all(struct kafka_source *k);
static void track_assignment(struct kafka_source *k, const rd_kafka_topic_partition_list_t *parts,
                             bool add);
static int64_t now_ms(void);

#define COUNT(k, field, n) atomic_fetch_add_explicit(&(k)->field, (n), memory_order_relaxed)

/* ---- start and stop ----------------------------------------------------------------- */

/* Properties the source manages itself; o->props may not set them. */
static const char *const reserved_props[] = {
    "enable.auto.commit", "enable.auto.offset.store", "group.id",
    "bootstrap.servers",  "metadata.broker.list",
};

struct kafka_source *kafka_source_start(const struct kafka_options *o, const struct line_sink *sink,
                                        struct err *e)
{
    if (o == NULL || o->brokers == NULL || *o->brokers == '\0') {
        err_set(e, "kafka: no brokers given");
        return NULL;
    }
    if (o->group == NULL || *o->group == '\0') {
        err_set(e, "kafka: no consumer group given");
        return NULL;
    }
    if (o->ntopics == 0 || o->topics == NULL) {
        err_set(e, "kafka: no topic given");
        return NULL;
    }
    if (sink == NULL || sink->submit == NULL) {
        err_set(e, "kafka: no sink given");
        return NULL;
    }

    struct kafka_source *k = xcalloc(1, sizeof *k);
    k->sink = *sink;
    k->batch_max_messages = o->batch_max_messages != 0 ? o->batch_max_messages : BATCH_MAX_MESSAGES;
    k->batch_max_ms = o->batch_max_ms > 0 ? o->batch_max_ms : BATCH_MAX_MS;
    k->backoff_ms = RETRY_ERROR_MIN_MS;
    k->durable = rd_kafka_topic_partition_list_new(8);
    k->assigned = rd_kafka_topic_partition_list_new(8);
    k->ntopics = o->ntopics;
    k->topics = xcalloc(o->ntopics, sizeof *k->topics);
    k->sources = xcalloc(o->ntopics, sizeof *k->sources);
    for (size_t i = 0; i < o->ntopics; i++) {
        k->topics[i] = xstrdup(o->topics[i] != NULL ? o->topics[i] : "");
        if (o->sources != NULL && o->sources[i] != NULL)
            k->sources[i] = xstrdup(o->sources[i]);
    }
    atomic_init(&k->stopping, false);

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int rc = 0;
    rc |= conf_set(conf, "bootstrap.servers", o->brokers, e);
    rc |= conf_set(conf, "group.id", o->group, e);
    rc |= conf_set(conf, "client.id", o->client_id != NULL ? o->client_id : "wachter", e);
    rc |= conf_set(conf, "enable.auto.commit", "false", e);
    rc |= conf_set(conf, "enable.auto.offset.store", "false", e);
    rc |= conf_set(conf, "auto.offset.reset", "earliest", e);
    rc |= conf_set(conf, "partition.assignment.strategy", "range,roundrobin", e);
    for (size_t i = 0; rc == 0 && i < o->nprops; i++) {
        const char *p = o->props[i];
        const char *eq = p != NULL ? strchr(p, '=') : NULL;
        if (eq == NULL || eq == p) {
            rc = err_set(e, "kafka: property '%s' is not key=value", p != NULL ? p : "");
            break;
        }
        char *key = xstrndup(p, (size_t)(eq - p));
        for (size_t r = 0; r < sizeof reserved_props / sizeof *reserved_props; r++)
            if (strcmp(key, reserved_props[r]) == 0)
                rc =
                    err_set(e, "kafka: property '%s' is set by wachter and cannot be changed", key);
        if (rc == 0)
            rc = conf_set(conf, key, eq + 1, e);
        free(key);
    }
    if (rc != 0) {
        rd_kafka_conf_destroy(conf);
        kafka_source_stop(k);
        return NULL;
    }

    char level[16];
    size_t level_len = sizeof level;
    k->log_level = 6;
    if (rd_kafka_conf_get(conf, "log_level", level, &level_len) == RD_KAFKA_CONF_OK)
        k->log_level = atoi(level);
    rd_kafka_conf_set_opaque(conf, k);
    rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);

    char errstr[512];
    k->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (k->rk == NULL) {
        rd_kafka_conf_destroy(conf); /* only consumed on success */
        err_set(e, "kafka: cannot create the consumer: %s", errstr);
        kafka_source_stop(k);
        return NULL;
    }
    rd_kafka_poll_set_consumer(k->rk); /* errors and rebalances arrive in consumer_poll */

    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new((int)o->ntopics);
    for (size_t i = 0; i < o->ntopics; i++)
        rd_kafka_topic_partition_list_add(topics, o->topics[i], RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t kerr = rd_kafka_subscribe(k->rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (kerr != RD_KAFKA_RESP_ERR_NO_ERROR) {
        err_set(e, "kafka: cannot subscribe to %s%s: %s", o->topics[0],
                o->ntopics > 1 ? " and the other topics" : "", rd_kafka_err2str(kerr));
        kafka_source_stop(k);
        return NULL;
    }

    int perr = pthread_create(&k->thread, NULL, source_thread, k);
    if (perr != 0) {
        err_set(e, "kafka: cannot start the consumer thread: %s", strerror(perr));
        rd_kafka_consumer_close(k->rk);
        kafka_source_stop(k);
        return NULL;
    }
    k->started = true;
    return k;
}

/* Also frees a partly built source (no thread yet); a started one is joined first. */
void kafka_source_stop(struct kafka_source *k)
{
    if (k == NULL)
        return;
    if (k->started) {
        atomic_store(&k->stopping, true);
        pthread_join(k->thread, NULL);
    }
    drop_batch(k);
    if (k->rk != NULL)
        rd_kafka_destroy(k->rk);
    if (k->durable != NULL)
        rd_kafka_topic_partition_list_destroy(k->durable);
    if (k->assigned != NULL)
        rd_kafka_topic_partition_list_destroy(k->assigned);
    for (size_t i = 0; i < k->ntopics; i++) {
        free(k->topics[i]);
        free(k->sources[i]);
    }
    free(k->topics);
    free(k->sources);
    free(k->batch);
    sbuf_free(&k->buf);
    free(k);
}

void kafka_source_stats(const struct kafka_source *k, struct kafka_stats *out)
{
    /* The counters are only ever read and added to, so a const-cast load is safe. */
    struct kafka_source *m = (struct kafka_source *)k;
#define LOAD(f) out->f = atomic_load_explicit(&m->f, memory_order_relaxed)
    LOAD(messages);
    LOAD(bytes);
    LOAD(batches);
    LOAD(commits);
    LOAD(commit_errors);
    LOAD(busy);
    LOAD(sink_errors);
    LOAD(pauses);
    LOAD(resumes);
    LOAD(rebalances);
    LOAD(dropped);
    LOAD(partitions);
#undef LOAD
}

/* ---- the polling thread ------------------------------------------------------------- */

static void *source_thread(void *arg)
{
    struct kafka_source *k = arg;
    while (!atomic_load(&k->stopping)) {
        int64_t now = now_ms();
        int64_t wait = POLL_MAX_MS;
        if (k->nbatch > 0) {
            int64_t due = k->batch_start_ms + k->batch_max_ms;
            if (k->nbatch >= k->batch_max_messages || k->batch_bytes >= BATCH_MAX_BYTES)
                due = now;
            if (k->retry_at_ms > due)
                due = k->retry_at_ms;
            wait = due - now;
            wait = wait < 0 ? 0 : wait > POLL_MAX_MS ? POLL_MAX_MS : wait;
        }
        rd_kafka_message_t *m = rd_kafka_consumer_poll(k->rk, (int)wait);
        now = now_ms();
        if (m != NULL)
            take_message(k, m, now);
        if (k->nbatch > 0 && now >= k->retry_at_ms &&
            (k->nbatch >= k->batch_max_messages || k->batch_bytes >= BATCH_MAX_BYTES ||
             now - k->batch_start_ms >= k->batch_max_ms))
            flush_batch(k, now);
    }

    /* Stopping: offer the last batch once, commit what is durable, leave the group. */
    if (k->nbatch > 0)
        flush_batch(k, now_ms());
    drop_batch(k);
    commit_durable(k);
    rd_kafka_resp_err_t err = rd_kafka_consumer_close(k->rk);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && k->log_level >= 3)
        log_error("kafka: closing the consumer: %s", rd_kafka_err2str(err));
    return NULL;
}

/* Add a polled message to the batch, or log and release an error event. */
static void take_message(struct kafka_source *k, rd_kafka_message_t *m, int64_t now)
{
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && k->log_level >= 3)
            log_error("kafka: consumer: %s%s%s", rd_kafka_message_errstr(m),
                      m->rkt != NULL ? " on topic " : "",
                      m->rkt != NULL ? rd_kafka_topic_name(m->rkt) : "");
        rd_kafka_message_destroy(m);
        return;
    }
    if (k->nbatch == 0)
        k->batch_start_ms = now;
    k->batch = xgrow(k->batch, &k->batch_cap, k->nbatch + 1, sizeof *k->batch);
    k->batch[k->nbatch++] = m;
    k->batch_bytes += m->len;
    COUNT(k, messages, 1);
    COUNT(k, bytes, m->len);
}

/* Record `offset` (the next one to read) for a partition in `list`, keeping the highest. */
static void durable_put(rd_kafka_topic_partition_list_t *list, const char *topic, int32_t partition,
                        int64_t offset)
{
    rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(list, topic, partition);
    if (p == NULL)
        p = rd_kafka_topic_partition_list_add(list, topic, partition);
    else if (p->offset >= offset)
        return;
    p->offset = offset;
}

/* The source name of a message's lines: its topic's entry in the options, or "kafka". */
static const char *source_of(const struct kafka_source *k, const rd_kafka_message_t *m)
{
    const char *topic = rd_kafka_topic_name(m->rkt);
    for (size_t i = 0; i < k->ntopics; i++)
        if (k->sources[i] != NULL && strcmp(k->topics[i], topic) == 0)
            return k->sources[i];
    return "kafka";
}

/* Offer the batch to the sink and act on the answer (see the table at the top): one
 * submission per source name, in the order of each name's first message. */
static void flush_batch(struct kafka_source *k, int64_t now)
{
    while (k->nbatch > 0) {
        const char *source = source_of(k, k->batch[0]);
        sbuf_reset(&k->buf);
        for (size_t i = 0; i < k->nbatch; i++) {
            const rd_kafka_message_t *m = k->batch[i];
            if (m->len == 0 || strcmp(source_of(k, m), source) != 0)
                continue; /* an empty value (or tombstone) has no line, only an offset */
            sbuf_add(&k->buf, m->payload, m->len);
            if (((const char *)m->payload)[m->len - 1] != '\n')
                sbuf_putc(&k->buf, '\n');
        }

        int rc = LINE_SINK_OK;
        struct line_receipt receipt = {0};
        struct err e = {{0}};
        if (k->buf.len > 0)
            rc = k->sink.submit(k->sink.ctx, source, k->buf.buf, k->buf.len, &receipt, &e);

        if (rc == LINE_SINK_OK) {
            size_t kept = 0;
            for (size_t i = 0; i < k->nbatch; i++) {
                rd_kafka_message_t *m = k->batch[i];
                if (strcmp(source_of(k, m), source) != 0) {
                    k->batch[kept++] = m;
                    continue;
                }
                durable_put(k->durable, rd_kafka_topic_name(m->rkt), m->partition, m->offset + 1);
                k->batch_bytes -= m->len;
                rd_kafka_message_destroy(m);
            }
            k->nbatch = kept;
            if (kept == 0)
                k->batch_bytes = 0;
            COUNT(k, batches, 1);
            if (k->error_streak > 0 && k->log_level >= 5)
                log_info("kafka: the sink takes batches again after %llu refusals",
                         (unsigned long long)k->error_streak);
            k->error_streak = 0;
            k->backoff_ms = RETRY_ERROR_MIN_MS;
            k->retry_at_ms = 0;
            commit_durable(k);
            continue;
        }

        if (rc == LINE_SINK_BUSY) {
            COUNT(k, busy, 1);
            k->retry_at_ms = now + RETRY_BUSY_MS;
        } else {
            COUNT(k, sink_errors, 1);
            k->error_streak++;
            if ((k->error_streak == 1 || now - k->error_logged_ms >= ERROR_LOG_EVERY_MS) &&
                k->log_level >= 3) {
                log_error("kafka: the sink refused a batch of %zu messages (%s); keeping it and "
                          "retrying (%llu refusals in a row)",
                          k->nbatch, e.msg[0] != '\0' ? e.msg : "no reason given",
                          (unsigned long long)k->error_streak);
                k->error_logged_ms = now;
            }
            k->retry_at_ms = now + k->backoff_ms;
            k->backoff_ms =
                k->backoff_ms * 2 > RETRY_ERROR_MAX_MS ? RETRY_ERROR_MAX_MS : k->backoff_ms * 2;
        }
        pause_all(k);
        return;
    }
    resume_all(k);
}

/* Commit the durable offsets synchronously; on failure keep them for the next attempt. */
static void commit_durable(struct kafka_source *k)
{
    if (k->durable->cnt == 0)
        return;
    rd_kafka_resp_err_t err = rd_kafka_commit(k->rk, k->durable, 0);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < k->durable->cnt; i++)
            if (k->durable->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR)
                err = k->durable->elems[i].err;
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        COUNT(k, commit_errors, 1);
        if (k->log_level >= 4)
            log_error("kafka: committing offsets failed (%s); retrying with the next commit",
                      rd_kafka_err2str(err));
        for (int i = 0; i < k->durable->cnt; i++)
            k->durable->elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
        return;
    }
    COUNT(k, commits, 1);
    rd_kafka_topic_partition_list_destroy(k->durable);
    k->durable = rd_kafka_topic_partition_list_new(8);
}

/* ---- rebalancing -------------------------------------------------------------------- */

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    struct kafka_source *k = opaque;
    bool cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    rd_kafka_error_t *error = NULL;
    rd_kafka_resp_err_t aerr = RD_KAFKA_RESP_ERR_NO_ERROR;
    COUNT(k, rebalances, 1);

    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (cooperative) {
            error = rd_kafka_incremental_assign(rk, parts);
        } else {
            aerr = rd_kafka_assign(rk, parts);
            track_assignment(k, NULL, false);
        }
        track_assignment(k, parts, true);
        if (k->paused && parts->cnt > 0)
            rd_kafka_pause_partitions(rk, parts); /* they join a consumer that waits */
    } else {
        if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && k->log_level >= 3)
            log_error("kafka: rebalance failed: %s", rd_kafka_err2str(err));
        /* Commit what is durable while the partitions are still ours (not when they were
         * lost: then the group has moved on and the commit would be refused), then drop
         * the in-flight messages of the revoked partitions: their new owner reads them
         * again from the committed offset. */
        if (!rd_kafka_assignment_lost(rk) && !atomic_load(&k->stopping))
            commit_durable(k); /* a stopping source committed before it closed */
        if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS && cooperative) {
            drop_partitions(k, parts);
            error = rd_kafka_incremental_unassign(rk, parts);
            track_assignment(k, parts, false);
        } else {
            drop_partitions(k, NULL);
            aerr = rd_kafka_assign(rk, NULL);
            track_assignment(k, NULL, false);
        }
        if (k->paused && k->nbatch == 0) {
            k->retry_at_ms = 0;
            resume_all(k); /* nothing waits any more; the partitions that stay go on */
        }
    }
    if (error != NULL) {
        aerr = rd_kafka_error_code(error);
        rd_kafka_error_destroy(error);
    }
    if (aerr != RD_KAFKA_RESP_ERR_NO_ERROR && k->log_level >= 3)
        log_error("kafka: %s partitions: %s",
                  err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "assigning" : "revoking",
                  rd_kafka_err2str(aerr));
}

/* Forget the in-flight messages and durable-but-uncommitted offsets of the partitions in
 * `parts` (all of them when NULL). The batch keeps its order. */
static void drop_partitions(struct kafka_source *k, const rd_kafka_topic_partition_list_t *parts)
{
    size_t kept = 0;
    for (size_t i = 0; i < k->nbatch; i++) {
        rd_kafka_message_t *m = k->batch[i];
        bool revoked =
            parts == NULL || rd_kafka_topic_partition_list_find(parts, rd_kafka_topic_name(m->rkt),
                                                                m->partition) != NULL;
        if (revoked) {
            k->batch_bytes -= m->len;
            rd_kafka_message_destroy(m);
            COUNT(k, dropped, 1);
        } else {
            k->batch[kept++] = m;
        }
    }
    k->nbatch = kept;
    if (kept == 0)
        k->batch_bytes = 0;
    for (int i = k->durable->cnt - 1; i >= 0; i--) {
        const rd_kafka_topic_partition_t *d = &k->durable->elems[i];
        if (parts == NULL || rd_kafka_topic_partition_list_find(parts, d->topic, d->partition))
            rd_kafka_topic_partition_list_del_by_idx(k->durable, i);
    }
}

/* Release every message of the batch (nothing is committed). */
static void drop_batch(struct kafka_source *k)
{
    for (size_t i = 0; i < k->nbatch; i++)
        rd_kafka_message_destroy(k->batch[i]);
    k->nbatch = 0;
    k->batch_bytes = 0;
}

static void pause_all(struct kafka_source *k)
{
    if (k->paused)
        return;
    if (k->assigned->cnt > 0)
        rd_kafka_pause_partitions(k->rk, k->assigned);
    k->paused = true;
    COUNT(k, pauses, 1);
}

static void resume_all(struct kafka_source *k)
{
    if (!k->paused)
        return;
    if (k->assigned->cnt > 0 && !atomic_load(&k->stopping))
        rd_kafka_resume_partitions(k->rk, k->assigned);
    k->paused = false;
    COUNT(k, resumes, 1);
}

/* Keep `assigned` in step with an assignment (add) or a revocation (!add) of `parts`;
 * parts == NULL revokes everything. */
static void track_assignment(struct kafka_source *k, const rd_kafka_topic_partition_list_t *parts,
                             bool add)
{
    if (parts == NULL) {
        rd_kafka_topic_partition_list_destroy(k->assigned);
        k->assigned = rd_kafka_topic_partition_list_new(8);
    } else {
        for (int i = 0; i < parts->cnt; i++) {
            const rd_kafka_topic_partition_t *p = &parts->elems[i];
            bool have =
                rd_kafka_topic_partition_list_find(k->assigned, p->topic, p->partition) != NULL;
            if (add && !have)
                rd_kafka_topic_partition_list_add(k->assigned, p->topic, p->partition);
            else if (!add && have)
                rd_kafka_topic_partition_list_del(k->assigned, p->topic, p->partition);
        }
    }
    atomic_store_explicit(&k->partitions, (uint64_t)k->assigned->cnt, memory_order_relaxed);
}

/* ---- helpers ------------------------------------------------------------------------ */

static int conf_set(rd_kafka_conf_t *conf, const char *key, const char *val, struct err *e)
{
    char errstr[512];
    if (rd_kafka_conf_set(conf, key, val, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        return err_set(e, "kafka: property %s=%s: %s", key, val, errstr);
    return 0;
}

/* librdkafka's own errors (brokers down, authentication, ...). It retries by itself; a
 * fatal error ends consumption, which the log says. */
static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    struct kafka_source *k = opaque;
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
        char why[512];
        rd_kafka_fatal_error(rk, why, sizeof why);
        log_error("kafka: fatal error, the consumer stops: %s", why);
        return;
    }
    if (k->log_level >= 3)
        log_error("kafka: %s: %s", rd_kafka_err2name((rd_kafka_resp_err_t)err), reason);
}

/* librdkafka's log lines (already filtered by its log_level), with our prefix. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (level <= 3)
        log_error("kafka %s: %s", fac, buf);
    else
        log_info("kafka %s: %s", fac, buf);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the producer ------------------------------------------------------------------- */

struct kafka_producer {
    rd_kafka_t *rk;
    rd_kafka_topic_t *topic;
    pthread_t thread; /* serves delivery reports (rd_kafka_poll) */
    bool started;
    atomic_bool stopping;
    _Atomic uint64_t sent, delivered, failed;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    struct kafka_producer *p = opaque;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        COUNT(p, delivered, 1);
        return;
    }
    COUNT(p, failed, 1);
    log_error("kafka: a message to %s was not delivered: %s", rd_kafka_topic_name(m->rkt),
              rd_kafka_err2str(m->err));
}

static void *producer_thread(void *arg)
{
    struct kafka_producer *p = arg;
    while (!atomic_load(&p->stopping))
        rd_kafka_poll(p->rk, POLL_MAX_MS);
    return NULL;
}

struct kafka_producer *kafka_producer_start(const char *brokers, const char *topic,
                                            const char *const *props, size_t nprops, struct err *e)
{
    if (brokers == NULL || *brokers == '\0' || topic == NULL || *topic == '\0') {
        err_set(e, "kafka: the producer needs brokers and a topic");
        return NULL;
    }
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int rc = 0;
    rc |= conf_set(conf, "bootstrap.servers", brokers, e);
    rc |= conf_set(conf, "client.id", "wachter", e);
    rc |= conf_set(conf, "acks", "all", e);
    rc |= conf_set(conf, "enable.idempotence", "true", e);
    rc |= conf_set(conf, "partitioner", "murmur2_random", e);
    rc |= conf_set(conf, "linger.ms", "5", e);
    for (size_t i = 0; rc == 0 && i < nprops; i++) {
        const char *eq = props[i] != NULL ? strchr(props[i], '=') : NULL;
        if (eq == NULL || eq == props[i]) {
            rc = err_set(e, "kafka: property '%s' is not key=value", props[i] ? props[i] : "");
            break;
        }
        char *key = xstrndup(props[i], (size_t)(eq - props[i]));
        char errstr[512];
        /* An unknown property is skipped here (the consumer refused it already); one of
         * consumers only is accepted and ignored by librdkafka with a warning. */
        if (rd_kafka_conf_set(conf, key, eq + 1, errstr, sizeof errstr) == RD_KAFKA_CONF_INVALID)
            rc = err_set(e, "kafka: property %s: %s", props[i], errstr);
        free(key);
    }
    if (rc != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    struct kafka_producer *p = xcalloc(1, sizeof *p);
    atomic_init(&p->stopping, false);
    rd_kafka_conf_set_opaque(conf, p);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_log_cb(conf, on_log);
    char errstr[512];
    p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (p->rk == NULL) {
        err_set(e, "kafka: cannot create a producer: %s", errstr);
        rd_kafka_conf_destroy(conf);
        free(p);
        return NULL;
    }
    p->topic = rd_kafka_topic_new(p->rk, topic, NULL);
    int perr = pthread_create(&p->thread, NULL, producer_thread, p);
    if (p->topic == NULL || perr != 0) {
        err_set(e, "kafka: cannot start the producer for %s", topic);
        kafka_producer_stop(p);
        return NULL;
    }
    p->started = true;
    return p;
}

int kafka_producer_send(struct kafka_producer *p, const char *key, size_t key_len,
                        const char *value, size_t len, struct err *e)
{
    for (;;) {
        if (rd_kafka_produce(p->topic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)value,
                             len, key, key_len, NULL) == 0) {
            COUNT(p, sent, 1);
            return 0;
        }
        rd_kafka_resp_err_t err = rd_kafka_last_error();
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
            return err_set(e, "kafka: cannot produce to %s: %s", rd_kafka_topic_name(p->topic),
                           rd_kafka_err2str(err));
        struct timespec ts = {0, 10 * 1000000L}; /* the poll thread drains the queue */
        nanosleep(&ts, NULL);
    }
}

int kafka_producer_flush(struct kafka_producer *p, int timeout_ms)
{
    return rd_kafka_flush(p->rk, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

void kafka_producer_stats(const struct kafka_producer *p, struct kafka_producer_stats *out)
{
    struct kafka_producer *m = (struct kafka_producer *)p; /* see kafka_source_stats */
    out->sent = atomic_load_explicit(&m->sent, memory_order_relaxed);
    out->delivered = atomic_load_explicit(&m->delivered, memory_order_relaxed);
    out->failed = atomic_load_explicit(&m->failed, memory_order_relaxed);
}

void kafka_producer_stop(struct kafka_producer *p)
{
    if (p == NULL)
        return;
    if (p->rk != NULL && kafka_producer_flush(p, 10000) != 0)
        log_error("kafka: %d messages to %s not acknowledged at stop; a restart publishes them "
                  "again",
                  rd_kafka_outq_len(p->rk), p->topic ? rd_kafka_topic_name(p->topic) : "?");
    if (p->started) {
        atomic_store(&p->stopping, true);
        pthread_join(p->thread, NULL);
    }
    if (p->topic != NULL)
        rd_kafka_topic_destroy(p->topic);
    if (p->rk != NULL)
        rd_kafka_destroy(p->rk);
    free(p);
}
