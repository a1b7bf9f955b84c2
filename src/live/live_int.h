/*
 * live_int.h - what the files of src/live share: the journal, the service state and the
 * HTTP ingest endpoints. Not for use outside src/live.
 */
#ifndef WACHTER_LIVE_INT_H
#define WACHTER_LIVE_INT_H

#include "engine/engine.h"
#include "live/live.h"

#include <pthread.h>
#include <stdatomic.h>

/* ---- journal.c ------------------------------------------------------------------------
 * The journal is the durable record of everything a live run was given: one append-only
 * file of batch records, each a header line "#wj1 SEQ SOURCE LENGTH HASH\n" followed by
 * LENGTH bytes of event lines. A record is acknowledged only after fdatasync; a record cut
 * short by a crash was never acknowledged and is cut off when the journal is opened. */
struct journal;

/* Open (creating) DIR/journal.wj; cuts off an incomplete last record. Returns NULL with
 * `e` naming the file. Memory: free with journal_close. */
struct journal *journal_open(const char *dir, struct err *e);
void journal_close(struct journal *j);

/* Call `fn` for every complete record in order, with the record's text mapped in memory.
 * Records after `upto_seq` are skipped (UINT64_MAX: all). The mapping stays valid until
 * journal_close (event texts of replayed events point into it). Returns the number of
 * records, or -1 with `e` filled. */
typedef int (*journal_record_fn)(void *ctx, uint64_t seq, const char *source, const char *data,
                                 size_t len);
long journal_replay(struct journal *j, uint64_t upto_seq, journal_record_fn fn, void *ctx,
                    struct err *e);

/* Append one record (not yet durable) and return its sequence number in *seq. The caller
 * serialises appends. Returns 0, or -1 with `e` filled (nothing usable was appended). */
int journal_append(struct journal *j, const char *source, const char *data, size_t len,
                   uint64_t *seq, struct err *e);

/* Wait until record `seq` is durable; one fdatasync covers every record appended before
 * it (group commit). Thread-safe. Returns 0, or -1 with `e` filled. */
int journal_sync(struct journal *j, uint64_t seq, struct err *e);

/* The highest durable sequence number, and the journal's size in bytes. */
uint64_t journal_synced(struct journal *j);
uint64_t journal_bytes(struct journal *j);

/* ---- metrics.c ------------------------------------------------------------------------ */

enum { LAT_BUCKETS = 14 };
extern const double lat_bounds[LAT_BUCKETS]; /* seconds; the last is +Inf */

/* A Prometheus histogram of latencies, updated by one thread, read by others. */
struct latency {
    _Atomic uint64_t bucket[LAT_BUCKETS];
    _Atomic uint64_t count, sum_us;
};
void latency_observe(struct latency *l, double seconds);
/* The q-quantile (0..1) as the upper bound of the bucket holding it. */
double latency_quantile(const struct latency *l, double q);
void latency_write(const struct latency *l, const char *name, const char *help, struct sbuf *out);

/* ---- http_ingest.c -------------------------------------------------------------------- */

struct live;
struct ingest_http;

/* Listen on HOST:PORT for POST /ingest (NDJSON or a JSON array), the Splunk HEC endpoints
 * /services/collector/event, /services/collector and /services/collector/health (token
 * `hec_token`; HEC is off when NULL), GET /healthz and GET /metrics. Returns NULL with `e`
 * filled when it cannot listen. */
struct ingest_http *ingest_http_start(const char *addr, const char *hec_token, struct live *lv,
                                      struct err *e);
void ingest_http_stop(struct ingest_http *h);

/* ---- run.c: the service, as the endpoints see it ---------------------------------------- */

/* The sink of every source (see line_sink_fn). */
int live_submit(void *lv, const char *source, const char *lines, size_t len, struct line_receipt *r,
                struct err *e);
/* 1 once the journal has been replayed and events are taken. */
int live_ready(struct live *lv);
/* Append the Prometheus text of all metrics to `out`. */
void live_metrics(struct live *lv, struct sbuf *out);

#endif
