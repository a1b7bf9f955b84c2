/*
 * kafka.h - the Kafka source of `wachter run`: a consumer group member that hands the
 * event lines it reads to a line_sink and commits offsets only after they are durable.
 *
 * Delivery is at-least-once. The source commits the offsets of a batch (synchronously,
 * exactly the processed offset + 1 per partition) only after the sink answered
 * LINE_SINK_OK, so a crash, a stop or a rebalance can only make the next owner of a
 * partition read again what was not yet committed; the sink drops duplicate event ids, so
 * every event is counted once. Nothing is ever dropped silently: a message the sink
 * refuses (BUSY or ERROR) stays in the batch and is offered again, and a value larger than
 * any limit is submitted anyway so that the sink rejects its lines with a reason.
 *
 * Scaling out: every instance of `wachter run` joins the same group; Kafka gives each
 * partition to one member, and since producers key events by employee, all events of an
 * employee reach one instance (docs/scale-out.md).
 *
 * Ownership rule for the module: the options and the sink are borrowed for the duration
 * of kafka_source_start (strings are copied); sink->ctx must stay valid until
 * kafka_source_stop returns, since the source's thread calls sink->submit until then.
 */
#ifndef WACHTER_SOURCES_KAFKA_H
#define WACHTER_SOURCES_KAFKA_H

#include "core/core.h"
#include "live/live.h"

#include <stddef.h>
#include <stdint.h>

/* What to consume and how. Zero values of the optional fields select the defaults. */
struct kafka_options {
    const char *brokers;        /* bootstrap servers, "host:port[,host:port...]"; required */
    const char *group;          /* consumer group id; required */
    const char *const *topics;  /* topic names (librdkafka accepts "^regex" too); required */
    size_t ntopics;             /* at least 1 */
    const char *const *sources; /* NULL, or per topic the source name its lines are submitted
                                 * with (NULL entry: "kafka"); e.g. "signals" for the wave
                                 * signals topic of the subject side (docs/scale-out.md) */
    const char *client_id;      /* client.id; NULL means "wachter" */
    const char *const *props;   /* extra librdkafka properties as "key=value", applied in */
    size_t nprops;              /* order after the defaults (see kafka_source_start) */
    size_t batch_max_messages;  /* submit after this many messages; 0 means 2000 */
    int batch_max_ms;           /* or this long after a batch's first message; 0 means 50 */
};

/* Counters of one source, for tests and metrics. Each is monotonic except `partitions`. */
struct kafka_stats {
    uint64_t messages;      /* messages consumed (a re-delivered message counts again) */
    uint64_t bytes;         /* bytes of message values consumed */
    uint64_t batches;       /* batches the sink took (LINE_SINK_OK) */
    uint64_t commits;       /* successful offset commits */
    uint64_t commit_errors; /* failed commits (the offsets are retried with the next one) */
    uint64_t busy;          /* LINE_SINK_BUSY answers */
    uint64_t sink_errors;   /* LINE_SINK_ERROR answers */
    uint64_t pauses;        /* times the assigned partitions were paused */
    uint64_t resumes;       /* times they were resumed */
    uint64_t rebalances;    /* assignments and revocations served */
    uint64_t dropped;       /* in-flight messages dropped on revocation (re-read by the owner) */
    uint64_t partitions;    /* partitions assigned now */
};

struct kafka_source;

/*
 * Create a consumer, subscribe it to o->topics in group o->group, and start the thread
 * that polls, batches and submits to `sink` with source name "kafka" (or the topic's entry
 * in o->sources). A batch holding messages of topics with different source names is
 * submitted as one submission per source name, in turn; each is committed when taken,
 * and a refused one stays in the batch with the rest (all messages of one partition have
 * one source, so the commit rule below holds per partition).
 *
 * Configuration, in order: enable.auto.commit=false, enable.auto.offset.store=false,
 * auto.offset.reset=earliest (a new group reads a topic from its start), the eager
 * protocol (partition.assignment.strategy=range,roundrobin), then o->props. o->props may
 * select cooperative-sticky (both protocols are handled) but may not turn automatic
 * commits or offset stores back on, nor set group.id or bootstrap.servers.
 *
 * Connection problems are not detected here: librdkafka retries in the background and
 * logs them. Returns the source, or NULL with `e` filled when an option is missing or a
 * property is refused. Memory: the caller owns the result and releases it with
 * kafka_source_stop; everything in `o` is copied.
 */
struct kafka_source *kafka_source_start(const struct kafka_options *o, const struct line_sink *sink,
                                        struct err *e);

/*
 * Stop the source: the thread offers its last batch to the sink once (committing it on
 * LINE_SINK_OK), drops what is still uncommitted, leaves the group (the remaining members
 * take over its partitions from the committed offsets) and ends. Blocks until the
 * consumer is closed. Accepts NULL. Memory: frees `k`.
 */
void kafka_source_stop(struct kafka_source *k);

/* Read the counters (each is read atomically; together they are a near snapshot).
 * Thread-safe. */
void kafka_source_stats(const struct kafka_source *k, struct kafka_stats *out);

/* ---- the producer (signals of the subject side) ------------------------------------------
 * A librdkafka producer for small keyed messages: acks=all, idempotence on, the key
 * partitioner murmur2_random (as Kafka's Java clients and tests/kafka/mock_cluster.c), so
 * that a message keyed by an employee number lands on the partition number that the same
 * key has in audit-events. A thread serves delivery reports. Thread-safe. */
struct kafka_producer;

struct kafka_producer_stats {
    uint64_t sent;      /* messages handed to librdkafka */
    uint64_t delivered; /* acknowledged by all in-sync replicas */
    uint64_t failed;    /* given up after librdkafka's retries (message.timeout.ms) */
};

/* Create a producer for `topic` at `brokers`, with extra librdkafka properties `props`
 * ("key=value", applied after the defaults; the consumer's --kafka-property values may be
 * passed, properties of consumers only are ignored with a warning by librdkafka).
 * Returns NULL with `e` filled when a property is refused. Memory: strings are copied;
 * release with kafka_producer_stop. */
struct kafka_producer *kafka_producer_start(const char *brokers, const char *topic,
                                            const char *const *props, size_t nprops, struct err *e);

/* Queue one message (key and value are copied), waiting while librdkafka's local queue is
 * full. Delivery is asynchronous and retried by librdkafka; see kafka_producer_flush.
 * Returns 0, or -1 with `e` filled (the message was not queued). */
int kafka_producer_send(struct kafka_producer *p, const char *key, size_t key_len,
                        const char *value, size_t len, struct err *e);

/* Wait up to `timeout_ms` until every queued message is acknowledged or failed. Returns 0
 * when nothing is outstanding, -1 otherwise. */
int kafka_producer_flush(struct kafka_producer *p, int timeout_ms);

void kafka_producer_stats(const struct kafka_producer *p, struct kafka_producer_stats *out);

/* Flush (up to 10 s; what is still outstanding then is logged as lost from this run, and
 * is published again when the journal is replayed), then destroy. Accepts NULL.
 * Memory: frees `p`. */
void kafka_producer_stop(struct kafka_producer *p);

#endif
