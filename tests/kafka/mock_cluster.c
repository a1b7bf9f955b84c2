/*
 * mock_cluster.c - a Kafka cluster and a keyed producer for the black-box tests of
 * `wachter run` (tests/live/kafka.sh, tests/live/kafka_subjects.sh), built on librdkafka's
 * mock cluster (rdkafka_mock.h).
 *
 * Two modes:
 *
 *   mock_cluster [--broker-count N] [--topic NAME[:PARTITIONS]]...
 *       Starts an in-process cluster of N brokers (default 3) with the topics given
 *       (default: audit-events, audit-by-subject and wachter-signals, 4 partitions each:
 *       co-partitioned, as the subject side of scale-out needs), prints its
 *       bootstrap servers on stdout as one line, and runs until stdin reaches end of file
 *       or SIGTERM/SIGINT arrives. The brokers listen on real TCP ports of 127.0.0.1, so
 *       other processes (wachter run) connect to them. Consumer groups, offset commits and
 *       rebalances are served by the mock group coordinator (which waits 3 s before the
 *       first assignment of a new group).
 *
 *   mock_cluster --produce FILE --brokers B --topic T [--key FIELD] [--partition P]
 *                [--report FILE]
 *       Produces every non-empty line of FILE ("-": stdin) as one message to topic T of
 *       the cluster at B, keyed by the value of the top-level JSON string field FIELD
 *       (e.g. user or subject; a line without it, such as a malformed one, is sent
 *       without a key) or sent to partition P, then flushes. With --report it writes one
 *       line per delivered message, "PARTITION<TAB>KEY<TAB>LINE_NUMBER". Exits 0 when
 *       every line was delivered.
 *
 * The key is found with a small string search rather than a JSON parser: the event lines
 * are flat objects of simple strings (data-format.md), and a line the search cannot read
 * is still produced, without a key. The partitioner is murmur2_random, Kafka's Java
 * default, so that keys land on the same partitions as they would from a Java producer.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_TOPICS = 16 };

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: mock_cluster [--broker-count N] [--topic NAME[:PARTITIONS]]...\n"
                    "       mock_cluster --produce FILE --brokers B --topic T [--key FIELD]\n"
                    "                    [--partition P] [--report FILE]\n");
    exit(2);
}

/* ---- cluster mode ------------------------------------------------------------------- */

static int run_cluster(int brokers, const char *const *topics, int ntopics)
{
    static const char *const defaults[] = {"audit-events:4", "audit-by-subject:4",
                                           "wachter-signals:4"};
    if (ntopics == 0) {
        topics = defaults;
        ntopics = 3;
    }
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "mock_cluster: %s\n", errstr);
        return 1;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk == NULL) {
        fprintf(stderr, "mock_cluster: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (mc == NULL) {
        fprintf(stderr, "mock_cluster: cannot create a cluster of %d brokers\n", brokers);
        rd_kafka_destroy(rk);
        return 1;
    }
    for (int i = 0; i < ntopics; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s", topics[i]);
        int parts = 4;
        char *colon = strrchr(name, ':');
        if (colon != NULL) {
            *colon = '\0';
            parts = atoi(colon + 1);
        }
        rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, parts, 1);
        if (parts < 1 || err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "mock_cluster: cannot create topic %s with %d partitions: %s\n", name,
                    parts, rd_kafka_err2str(err));
            rd_kafka_mock_cluster_destroy(mc);
            rd_kafka_destroy(rk);
            return 1;
        }
    }
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);

    /* Run until stdin closes or a signal asks us to stop. */
    struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
    while (!stop_requested) {
        int n = poll(&pfd, 1, 200);
        if (n < 0 && errno != EINTR)
            break;
        if (n > 0) {
            char buf[512];
            ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
            if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
                break;
        }
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}

/* ---- produce mode ------------------------------------------------------------------- */

struct produce_state {
    FILE *report;
    unsigned long delivered, failed;
};

/* Find the string value of top-level field `field` in the JSON object `line`: the first
 * occurrence of "field" followed by ':' (so that a value equal to the name is skipped) and
 * a string. Sets *val and *len and returns true, or returns false. */
static bool find_field(const char *line, const char *field, const char **val, size_t *len)
{
    size_t flen = strlen(field);
    for (const char *p = strchr(line, '"'); p != NULL; p = strchr(p + 1, '"')) {
        if (strncmp(p + 1, field, flen) != 0 || p[1 + flen] != '"')
            continue;
        const char *q = p + 2 + flen;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != ':')
            continue;
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != '"')
            return false;
        const char *start = ++q;
        while (*q != '\0' && *q != '"') {
            if (*q == '\\' && q[1] != '\0')
                q++;
            q++;
        }
        if (*q != '"')
            return false;
        *val = start;
        *len = (size_t)(q - start);
        return true;
    }
    return false;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    struct produce_state *st = opaque;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        st->failed++;
        fprintf(stderr, "mock_cluster: line %lu not delivered: %s\n",
                (unsigned long)(uintptr_t)m->_private, rd_kafka_err2str(m->err));
        return;
    }
    st->delivered++;
    if (st->report != NULL)
        fprintf(st->report, "%d\t%.*s\t%lu\n", (int)m->partition, (int)m->key_len,
                m->key != NULL ? (const char *)m->key : "", (unsigned long)(uintptr_t)m->_private);
}

static int run_produce(const char *path, const char *brokers, const char *topic, const char *field,
                       int partition, const char *report)
{
    struct produce_state st = {0};
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (in == NULL) {
        fprintf(stderr, "mock_cluster: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (report != NULL && (st.report = fopen(report, "w")) == NULL) {
        fprintf(stderr, "mock_cluster: %s: %s\n", report, strerror(errno));
        return 1;
    }
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    const char *settings[][2] = {{"bootstrap.servers", brokers},
                                 {"log_level", "3"},
                                 {"linger.ms", "20"},
                                 {"partitioner", "murmur2_random"},
                                 {"message.max.bytes", "4000000"}};
    for (size_t i = 0; i < sizeof settings / sizeof *settings; i++)
        if (rd_kafka_conf_set(conf, settings[i][0], settings[i][1], errstr, sizeof errstr) !=
            RD_KAFKA_CONF_OK) {
            fprintf(stderr, "mock_cluster: %s\n", errstr);
            return 1;
        }
    rd_kafka_conf_set_opaque(conf, &st);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk == NULL) {
        fprintf(stderr, "mock_cluster: %s\n", errstr);
        return 1;
    }

    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0, sent = 0, unkeyed = 0;
    int rc = 0;
    while ((n = getline(&line, &cap, in)) >= 0) {
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0)
            continue;
        const char *key = NULL;
        size_t key_len = 0;
        if (partition < 0 && field != NULL && !find_field(line, field, &key, &key_len))
            unkeyed++;
        rd_kafka_resp_err_t err;
        while ((err = rd_kafka_producev(
                    rk, RD_KAFKA_V_TOPIC(topic),
                    RD_KAFKA_V_PARTITION(partition < 0 ? RD_KAFKA_PARTITION_UA : partition),
                    RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE(line, (size_t)n),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                    RD_KAFKA_V_OPAQUE((void *)(uintptr_t)lineno), RD_KAFKA_V_END)) ==
               RD_KAFKA_RESP_ERR__QUEUE_FULL)
            rd_kafka_poll(rk, 50);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "mock_cluster: line %lu: %s\n", lineno, rd_kafka_err2str(err));
            rc = 1;
            break;
        }
        sent++;
        rd_kafka_poll(rk, 0);
    }
    free(line);
    if (in != stdin)
        fclose(in);
    if (rd_kafka_flush(rk, 60000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fprintf(stderr, "mock_cluster: %d messages still undelivered after 60 s\n",
                rd_kafka_outq_len(rk));
        rc = 1;
    }
    rd_kafka_destroy(rk);
    if (st.report != NULL && fclose(st.report) != 0)
        rc = 1;
    if (st.failed > 0 || st.delivered != sent)
        rc = 1;
    fprintf(stderr, "mock_cluster: %lu of %lu lines delivered to %s (%lu without a key)\n",
            st.delivered, sent, topic, unkeyed);
    return rc;
}

int main(int argc, char **argv)
{
    const char *produce = NULL, *brokers = NULL, *key = NULL, *report = NULL;
    const char *topics[MAX_TOPICS];
    int ntopics = 0, count = 3, partition = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (strcmp(a, "--produce") == 0)
            produce = v;
        else if (strcmp(a, "--brokers") == 0)
            brokers = v;
        else if (strcmp(a, "--key") == 0)
            key = v;
        else if (strcmp(a, "--report") == 0)
            report = v;
        else if (strcmp(a, "--partition") == 0)
            partition = atoi(v);
        else if (strcmp(a, "--broker-count") == 0)
            count = atoi(v);
        else if (strcmp(a, "--topic") == 0 && ntopics < MAX_TOPICS)
            topics[ntopics++] = v;
        else
            usage();
    }
    if (produce != NULL) {
        if (brokers == NULL || ntopics != 1)
            usage();
        return run_produce(produce, brokers, topics[0], key, partition, report);
    }
    if (count < 1)
        usage();
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    return run_cluster(count, topics, ntopics);
}
