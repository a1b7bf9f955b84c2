/*
 * test_kafka.c - unit tests of the Kafka source (sources/kafka.c) against librdkafka's
 * in-process mock cluster (rdkafka_mock.h: three brokers listening on local TCP ports).
 *
 * Why: the source promises at-least-once delivery with commits only after the sink made a
 * batch durable, backpressure by pausing, and a consumer group that splits partitions
 * between instances. Each test gets its own 4-partition topic, into which 2,000 event
 * lines keyed by user are produced; a delivery report records the partition and offset of
 * every line, so that what a fake sink received can be compared with the committed
 * offsets line by line. The fake sinks are thread-safe (the source calls them from its
 * own thread) and count each line by its id, only for batches they answer OK to.
 *
 * The mock group coordinator waits 3 s before the first assignment of a new group and up
 * to session.timeout.ms - 1 s for a rebalance, so the consumers use a short session
 * timeout; every wait is bounded, and the whole program runs in about 30 s.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sources/kafka.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { NLINES = 2000, NPART = 4, NUSERS = 60, WAIT_MS = 20000 };

/* The mock cluster and a producer into it, shared by all tests. */
static rd_kafka_t *mock_rk;
static rd_kafka_mock_cluster_t *mock;
static char bootstraps[256];
static rd_kafka_t *producer;

/* Where each produced line landed, by line number (from the delivery reports). */
static int32_t line_part[NLINES];
static int64_t line_off[NLINES];
static size_t delivered, delivery_failed;

/* Quiet librdkafka (critical messages only) and a short session timeout, because the
 * mock coordinator waits up to session.timeout.ms - 1 s for members to rejoin. */
static const char *const test_props[] = {"log_level=2", "session.timeout.ms=3000",
                                         "heartbeat.interval.ms=300", "fetch.wait.max.ms=50"};

/* ---- helpers ------------------------------------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk, (void)opaque;
    intptr_t i = (intptr_t)m->_private;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        delivery_failed++;
        return;
    }
    if (i >= 0 && i < NLINES) {
        line_part[i] = m->partition;
        line_off[i] = m->offset;
    }
    delivered++;
}

static void event_line(char *out, size_t cap, int i)
{
    snprintf(out, cap,
             "{\"id\":\"e%05d\",\"ts\":\"2025-03-03T10:%02d:%02d+01:00\",\"user\":\"u%03d\","
             "\"system\":\"BVH\",\"action\":\"query\",\"subject_type\":\"person\","
             "\"subject\":\"p%d\"}",
             i, (i / 60) % 60, i % 60, (i * 7) % NUSERS, i % 113);
}

static void create_topic(const char *topic, int partitions)
{
    assert_int_equal(rd_kafka_mock_topic_create(mock, topic, partitions, 1),
                     RD_KAFKA_RESP_ERR_NO_ERROR);
}

/* Produce the NLINES event lines to `topic`, one per message, keyed by user; fills
 * line_part and line_off. */
static void produce_lines(const char *topic)
{
    delivered = delivery_failed = 0;
    for (int i = 0; i < NLINES; i++) {
        char line[512], user[8];
        event_line(line, sizeof line, i);
        snprintf(user, sizeof user, "u%03d", (i * 7) % NUSERS);
        rd_kafka_resp_err_t err;
        while ((err = rd_kafka_producev(
                    producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(user, strlen(user)),
                    RD_KAFKA_V_VALUE(line, strlen(line)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_OPAQUE((void *)(intptr_t)i), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(producer, 10);
        assert_int_equal(err, RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    assert_int_equal(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(delivered, NLINES);
    assert_int_equal(delivery_failed, 0);
}

/* The committed offsets of `group` on `topic`, by partition (-1 when none). */
static void committed(const char *group, const char *topic, int64_t out[NPART])
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[256];
    assert_int_equal(
        rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, errstr, sizeof errstr),
        RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    assert_int_equal(rd_kafka_conf_set(conf, "log_level", "2", errstr, sizeof errstr),
                     RD_KAFKA_CONF_OK);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    assert_non_null(rk);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(NPART);
    for (int p = 0; p < NPART; p++)
        rd_kafka_topic_partition_list_add(l, topic, p);
    assert_int_equal(rd_kafka_committed(rk, l, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int p = 0; p < NPART; p++) {
        int64_t o = l->elems[p].offset;
        out[l->elems[p].partition] = o < 0 ? -1 : o;
    }
    rd_kafka_topic_partition_list_destroy(l);
    rd_kafka_destroy(rk);
}

/* ---- the fake sink ------------------------------------------------------------------ */

enum sink_mode {
    SINK_OK,           /* take everything */
    SINK_BUSY_FIRST,   /* answer BUSY for busy_ms after the first call, then OK */
    SINK_OK_THEN_ERROR /* take the first ok_calls batches, then answer ERROR for ever */
};

struct fake_sink {
    pthread_mutex_t mu;
    enum sink_mode mode;
    int busy_ms, ok_calls, delay_ms;
    int64_t first_call_ms;
    uint8_t got[NLINES]; /* times each line was in a batch answered OK */
    uint8_t vgot[8];     /* the same for the lines "v0".."v7" of test (a)'s values */
    size_t lines, calls, refused, other_lines, longest;
    int64_t first_ok_ms; /* when BUSY ended (SINK_BUSY_FIRST) */
};

static void fake_init(struct fake_sink *s, enum sink_mode mode)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->mode = mode;
}

static int fake_submit(void *ctx, const char *source, const char *lines, size_t len,
                       struct line_receipt *r, struct err *e)
{
    struct fake_sink *s = ctx;
    assert_string_equal(source, "kafka");
    if (s->delay_ms > 0)
        sleep_ms(s->delay_ms);
    pthread_mutex_lock(&s->mu);
    int64_t now = now_ms();
    if (s->calls++ == 0)
        s->first_call_ms = now;
    int rc = LINE_SINK_OK;
    if (s->mode == SINK_BUSY_FIRST && now - s->first_call_ms < s->busy_ms)
        rc = LINE_SINK_BUSY;
    if (s->mode == SINK_OK_THEN_ERROR && (int)(s->calls - s->refused) > s->ok_calls)
        rc = err_set(e, "journal: disk full (test)");
    if (rc != LINE_SINK_OK) {
        s->refused++;
        pthread_mutex_unlock(&s->mu);
        return rc;
    }
    if (s->first_ok_ms == 0)
        s->first_ok_ms = now;
    const char *p = lines, *end = lines + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl != NULL ? nl : end;
        size_t n = (size_t)(eol - p);
        if (n > s->longest)
            s->longest = n;
        if (n > 0) {
            int id;
            if (n < 512 && sscanf(p, "{\"id\":\"e%5d\"", &id) == 1 && id >= 0 && id < NLINES)
                s->got[id]++;
            else if (n < 512 && sscanf(p, "{\"id\":\"v%1d\"", &id) == 1 && id >= 0 && id < 8)
                s->vgot[id]++;
            else
                s->other_lines++;
            s->lines++;
            r->lines++;
        }
        p = eol + 1;
    }
    pthread_mutex_unlock(&s->mu);
    return LINE_SINK_OK;
}

static size_t fake_lines(struct fake_sink *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->lines;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* Lines that at least one of the sinks received. */
static size_t union_count(struct fake_sink *a, struct fake_sink *b)
{
    size_t n = 0;
    if (a != NULL)
        pthread_mutex_lock(&a->mu);
    if (b != NULL)
        pthread_mutex_lock(&b->mu);
    for (int i = 0; i < NLINES; i++)
        n += (a != NULL && a->got[i] > 0) || (b != NULL && b->got[i] > 0);
    if (b != NULL)
        pthread_mutex_unlock(&b->mu);
    if (a != NULL)
        pthread_mutex_unlock(&a->mu);
    return n;
}

static bool wait_union(struct fake_sink *a, struct fake_sink *b, size_t want)
{
    for (int64_t t0 = now_ms(); now_ms() - t0 < WAIT_MS; sleep_ms(20))
        if (union_count(a, b) >= want)
            return true;
    return false;
}

/* Start a source on `ntopics` topics in `group` feeding `s`, with batches of at most
 * `batch` messages (0: the default) and one more property `extra` (NULL: none). */
static struct kafka_source *start_with(const char *group, const char *const *topics, size_t ntopics,
                                       struct fake_sink *s, size_t batch, const char *extra)
{
    enum { NTEST = sizeof test_props / sizeof *test_props };
    const char *props[NTEST + 1];
    memcpy(props, test_props, sizeof test_props);
    props[NTEST] = extra;
    struct kafka_options o = {.brokers = bootstraps,
                              .group = group,
                              .topics = topics,
                              .ntopics = ntopics,
                              .client_id = "test",
                              .props = props,
                              .nprops = NTEST + (extra != NULL),
                              .batch_max_messages = batch};
    struct line_sink sink = {fake_submit, s};
    struct err e = {{0}};
    struct kafka_source *k = kafka_source_start(&o, &sink, &e);
    if (k == NULL)
        fail_msg("kafka_source_start: %s", e.msg);
    return k;
}

static struct kafka_source *start(const char *group, const char *topic, struct fake_sink *s,
                                  size_t batch)
{
    const char *topics[] = {topic};
    return start_with(group, topics, 1, s, batch, NULL);
}

/* The offset after the last line on each partition that `s` received (-1: none), which is
 * what its consumer must have committed. */
static void received_end(struct fake_sink *s, int64_t out[NPART])
{
    for (int p = 0; p < NPART; p++)
        out[p] = -1;
    for (int i = 0; i < NLINES; i++)
        if (s->got[i] > 0 && line_off[i] + 1 > out[line_part[i]])
            out[line_part[i]] = line_off[i] + 1;
}

/* ---- setup -------------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "2", errstr, sizeof errstr);
    mock_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (mock_rk == NULL)
        return -1;
    mock = rd_kafka_mock_cluster_new(mock_rk, 3);
    if (mock == NULL)
        return -1;
    snprintf(bootstraps, sizeof bootstraps, "%s", rd_kafka_mock_cluster_bootstraps(mock));

    conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps, errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "log_level", "2", errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "linger.ms", "5", errstr, sizeof errstr) ||
        rd_kafka_conf_set(conf, "message.max.bytes", "4000000", errstr, sizeof errstr))
        return -1;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    return producer == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    rd_kafka_destroy(producer);
    rd_kafka_mock_cluster_destroy(mock);
    rd_kafka_destroy(mock_rk);
    return 0;
}

/* ---- tests -------------------------------------------------------------------------- */

/* Produce to `topic` (one partition) four message values: several lines in one value
 * (with an empty line), a value of 1.5 MiB without any newline, an empty value, and a
 * line without a final newline. The lines have ids v0..v3. Returns the big value's size. */
static size_t produce_values(const char *topic)
{
    char l[4][128], three[512];
    for (int i = 0; i < 4; i++)
        snprintf(l[i], sizeof l[i],
                 "{\"id\":\"v%d\",\"ts\":\"2025-03-03T11:00:00+01:00\",\"user\":\"u001\","
                 "\"system\":\"BVH\",\"action\":\"login\"}",
                 i);
    snprintf(three, sizeof three, "%s\n%s\n\n%s\n", l[0], l[1], l[2]);
    size_t big_len = (size_t)3 << 19;
    char *big = xmalloc(big_len);
    memset(big, 'x', big_len);
    struct {
        const char *v;
        size_t n;
    } values[] = {{three, strlen(three)}, {big, big_len}, {NULL, 0}, {l[3], strlen(l[3])}};
    delivered = delivery_failed = 0;
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(topic),
                                           RD_KAFKA_V_VALUE((void *)values[i].v, values[i].n),
                                           RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                           RD_KAFKA_V_OPAQUE((void *)(intptr_t)-1), RD_KAFKA_V_END),
                         RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(rd_kafka_flush(producer, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    assert_int_equal(delivered, 4);
    free(big);
    return big_len;
}

/* (a) One consumer of two topics receives every line exactly once, and commits the end of
 * every partition. The second topic holds the odd message values of produce_values: every
 * line of a multi-line value arrives, an empty value has no line but its offset is
 * committed, and the 1.5 MiB value is submitted as it is (the real sink rejects it with a
 * reason; the source never drops it). */
static void test_one_consumer_exactly_once(void **state)
{
    (void)state;
    create_topic("t-values", 1);
    size_t big_len = produce_values("t-values");
    create_topic("t-one", NPART);
    produce_lines("t-one");
    struct fake_sink s;
    fake_init(&s, SINK_OK);
    const char *topics[] = {"t-one", "t-values"};
    struct kafka_source *k = start_with("g-one", topics, 2, &s, 0, NULL);
    assert_true(wait_union(&s, NULL, NLINES));
    struct kafka_stats st;
    for (int64_t t0 = now_ms(); now_ms() - t0 < WAIT_MS; sleep_ms(20)) {
        kafka_source_stats(k, &st);
        if (fake_lines(&s) >= NLINES + 5 && st.messages >= NLINES + 4)
            break;
    }
    sleep_ms(300); /* a duplicate, if any, would arrive now */
    kafka_source_stats(k, &st);
    kafka_source_stop(k);

    for (int i = 0; i < NLINES; i++)
        assert_int_equal(s.got[i], 1);
    for (int i = 0; i < 4; i++)
        assert_int_equal(s.vgot[i], 1);
    assert_int_equal(s.other_lines, 1); /* the big one */
    assert_int_equal(s.longest, big_len);
    assert_int_equal(s.lines, NLINES + 5);
    assert_int_equal(st.messages, NLINES + 4);
    assert_int_equal(st.dropped, 0);
    int64_t end[NPART], c[NPART];
    received_end(&s, end);
    committed("g-one", "t-one", c);
    for (int p = 0; p < NPART; p++)
        assert_int_equal(c[p], end[p]);
    committed("g-one", "t-values", c); /* partition 0 only; 1..3 do not exist */
    assert_int_equal(c[0], 4);
}

/* (b) Two consumers in one group split the partitions: each owns some, none both, and in
 * steady state (both assigned before the lines are produced) every line arrives once and
 * all lines of a user reach the same consumer. Then one leaves, and the other takes its
 * partitions over from the committed offsets without reading anything again. Run with the
 * eager protocol (the default) and with cooperative-sticky. */
static void two_consumers(const char *topic, const char *group, const char *strategy)
{
    create_topic(topic, NPART);
    struct fake_sink a, b;
    fake_init(&a, SINK_OK);
    fake_init(&b, SINK_OK);
    const char *topics[] = {topic};
    struct kafka_source *ka = start_with(group, topics, 1, &a, 0, strategy);
    struct kafka_source *kb = start_with(group, topics, 1, &b, 0, strategy);
    struct kafka_stats sa, sb;
    bool steady = false;
    for (int64_t t0 = now_ms(); !steady && now_ms() - t0 < WAIT_MS; sleep_ms(20)) {
        kafka_source_stats(ka, &sa);
        kafka_source_stats(kb, &sb);
        steady = sa.partitions > 0 && sb.partitions > 0 && sa.partitions + sb.partitions == NPART;
    }
    assert_true(steady);

    produce_lines(topic);
    assert_true(wait_union(&a, &b, NLINES));
    sleep_ms(300);
    kafka_source_stats(ka, &sa);
    kafka_source_stats(kb, &sb);
    assert_int_equal(sa.partitions + sb.partitions, NPART); /* still the same split */

    pthread_mutex_lock(&a.mu);
    pthread_mutex_lock(&b.mu);
    bool own_a[NPART] = {false}, own_b[NPART] = {false};
    int user_owner[NUSERS];
    for (int u = 0; u < NUSERS; u++)
        user_owner[u] = -1;
    for (int i = 0; i < NLINES; i++) {
        assert_int_equal(a.got[i] + b.got[i], 1);
        int who = a.got[i] > 0 ? 0 : 1;
        (who == 0 ? own_a : own_b)[line_part[i]] = true;
        int u = (i * 7) % NUSERS;
        assert_true(user_owner[u] == -1 || user_owner[u] == who);
        user_owner[u] = who;
    }
    for (int p = 0; p < NPART; p++)
        assert_false(own_a[p] && own_b[p]);
    assert_true(a.lines > 0 && b.lines > 0);
    assert_int_equal(a.lines + b.lines, NLINES);
    pthread_mutex_unlock(&b.mu);
    pthread_mutex_unlock(&a.mu);

    /* A leaves; B takes over A's partitions and finds nothing uncommitted there. */
    kafka_source_stop(ka);
    for (int64_t t0 = now_ms(); now_ms() - t0 < WAIT_MS; sleep_ms(20)) {
        kafka_source_stats(kb, &sb);
        if (sb.partitions == NPART)
            break;
    }
    assert_int_equal(sb.partitions, NPART);
    sleep_ms(500);
    assert_int_equal(fake_lines(&b), NLINES - a.lines);
    kafka_source_stop(kb);
}

static void test_two_consumers_split_eager(void **state)
{
    (void)state;
    two_consumers("t-two", "g-two", NULL);
}

static void test_two_consumers_split_cooperative(void **state)
{
    (void)state;
    two_consumers("t-coop", "g-coop", "partition.assignment.strategy=cooperative-sticky");
}

/* (c) A sink that answers BUSY for a while: the source pauses (no messages are consumed
 * while it waits), offers the same batch again until it is taken, resumes, and loses or
 * repeats nothing. */
static void test_busy_pauses_and_resumes(void **state)
{
    (void)state;
    create_topic("t-busy", NPART);
    produce_lines("t-busy");
    struct fake_sink s;
    fake_init(&s, SINK_BUSY_FIRST);
    s.busy_ms = 800;
    struct kafka_source *k = start("g-busy", "t-busy", &s, 100);

    bool called = false;
    for (int64_t t0 = now_ms(); !called && now_ms() - t0 < WAIT_MS; sleep_ms(5)) {
        pthread_mutex_lock(&s.mu);
        called = s.calls > 0;
        pthread_mutex_unlock(&s.mu);
    }
    assert_true(called);
    sleep_ms(200);
    struct kafka_stats st1, st2;
    kafka_source_stats(k, &st1);
    sleep_ms(400); /* still inside the BUSY period */
    kafka_source_stats(k, &st2);
    assert_true(st2.pauses >= 1);
    assert_int_equal(st2.resumes, 0);
    assert_int_equal(st2.batches, 0);
    assert_int_equal(st2.messages, st1.messages); /* paused: nothing new is fetched */
    assert_true(st2.busy > st1.busy);             /* and the batch is offered again */

    assert_true(wait_union(&s, NULL, NLINES));
    sleep_ms(300);
    kafka_source_stats(k, &st2);
    kafka_source_stop(k);
    assert_true(st2.resumes >= 1);
    assert_true(st2.commits >= 1);
    assert_int_equal(st2.sink_errors, 0);
    for (int i = 0; i < NLINES; i++)
        assert_int_equal(s.got[i], 1);
}

/* (d) Offsets are committed only after OK: a consumer whose sink takes a few batches and
 * then fails (ERROR) commits exactly the taken ones, keeps retrying the refused batch,
 * and when stopped leaves the committed offsets where they were; a new consumer in the
 * group reads every line that was not taken, and only those. */
static void test_error_keeps_offsets(void **state)
{
    (void)state;
    create_topic("t-err", NPART);
    produce_lines("t-err");
    struct fake_sink a, b;
    fake_init(&a, SINK_OK_THEN_ERROR);
    a.ok_calls = 4;
    struct kafka_source *ka = start("g-err", "t-err", &a, 50);
    struct kafka_stats st;
    for (int64_t t0 = now_ms(); now_ms() - t0 < WAIT_MS; sleep_ms(20)) {
        kafka_source_stats(ka, &st);
        if (st.sink_errors >= 3)
            break;
    }
    assert_true(st.sink_errors >= 3); /* the refused batch is offered again and again */
    assert_true(st.pauses >= 1);
    assert_int_equal(st.batches, 4);
    int64_t taken[NPART], before[NPART], after[NPART];
    received_end(&a, taken);
    committed("g-err", "t-err", before);
    kafka_source_stop(ka);
    committed("g-err", "t-err", after);
    for (int p = 0; p < NPART; p++) {
        assert_int_equal(before[p], taken[p]);
        assert_int_equal(after[p], before[p]);
    }
    assert_true(a.lines > 0 && a.lines < NLINES);

    fake_init(&b, SINK_OK);
    struct kafka_source *kb = start("g-err", "t-err", &b, 0);
    assert_true(wait_union(&a, &b, NLINES));
    sleep_ms(300);
    kafka_source_stop(kb);
    for (int i = 0; i < NLINES; i++)
        assert_int_equal(a.got[i] + b.got[i], 1);
}

/* (e) A consumer stopped mid-way and a second one taking over: the first committed exactly
 * what its sink took; the second reads from there, so the union is complete and the only
 * lines read again would be those not yet committed (here: none). */
static void test_takeover_after_stop(void **state)
{
    (void)state;
    create_topic("t-take", NPART);
    produce_lines("t-take");
    struct fake_sink a, b;
    fake_init(&a, SINK_OK);
    a.delay_ms = 40; /* a slow journal, so that the consumer is stopped half-way */
    struct kafka_source *ka = start("g-take", "t-take", &a, 50);
    for (int64_t t0 = now_ms(); now_ms() - t0 < WAIT_MS; sleep_ms(5))
        if (fake_lines(&a) >= 600)
            break;
    kafka_source_stop(ka);
    assert_true(a.lines >= 600 && a.lines < NLINES);
    int64_t taken[NPART], c[NPART];
    received_end(&a, taken);
    committed("g-take", "t-take", c);
    for (int p = 0; p < NPART; p++)
        assert_int_equal(c[p], taken[p]);

    fake_init(&b, SINK_OK);
    struct kafka_source *kb = start("g-take", "t-take", &b, 0);
    assert_true(wait_union(&a, &b, NLINES));
    sleep_ms(300);
    kafka_source_stop(kb);
    for (int i = 0; i < NLINES; i++) {
        assert_true(a.got[i] <= 1 && b.got[i] <= 1);
        assert_int_equal(a.got[i] + b.got[i], 1);
        if (b.got[i] > 0) /* re-delivered only at or after the committed offset */
            assert_true(line_off[i] >= (c[line_part[i]] < 0 ? 0 : c[line_part[i]]));
        else /* and everything below it was taken by the first consumer */
            assert_true(line_off[i] < c[line_part[i]]);
    }
}

/* Options that cannot work are refused at start, with a message that names them. */
static void test_bad_options(void **state)
{
    (void)state;
    struct fake_sink s;
    fake_init(&s, SINK_OK);
    struct line_sink sink = {fake_submit, &s};
    const char *topics[] = {"t"};
    struct err e = {{0}};
    struct kafka_options o = {.brokers = NULL, .group = "g", .topics = topics, .ntopics = 1};
    assert_null(kafka_source_start(&o, &sink, &e));
    assert_non_null(strstr(e.msg, "brokers"));

    o.brokers = "127.0.0.1:1";
    o.group = NULL;
    assert_null(kafka_source_start(&o, &sink, &e));
    assert_non_null(strstr(e.msg, "group"));

    o.group = "g";
    o.ntopics = 0;
    assert_null(kafka_source_start(&o, &sink, &e));
    assert_non_null(strstr(e.msg, "topic"));

    o.ntopics = 1;
    const char *reserved[] = {"log_level=2", "enable.auto.commit=true"};
    o.props = reserved;
    o.nprops = 2;
    assert_null(kafka_source_start(&o, &sink, &e));
    assert_non_null(strstr(e.msg, "enable.auto.commit"));

    const char *unknown[] = {"no.such.property=1"};
    o.props = unknown;
    o.nprops = 1;
    assert_null(kafka_source_start(&o, &sink, &e));
    assert_non_null(strstr(e.msg, "no.such.property"));

    const char *no_eq[] = {"fetch.wait.max.ms"};
    o.props = no_eq;
    assert_null(kafka_source_start(&o, &sink, &e));
    assert_non_null(strstr(e.msg, "key=value"));

    kafka_source_stop(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_one_consumer_exactly_once),
        cmocka_unit_test(test_two_consumers_split_eager),
        cmocka_unit_test(test_two_consumers_split_cooperative),
        cmocka_unit_test(test_busy_pauses_and_resumes),
        cmocka_unit_test(test_error_keeps_offsets),
        cmocka_unit_test(test_takeover_after_stop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
