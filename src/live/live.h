/*
 * live.h - `wachter run`: the engine as a service, fed by sources as events happen.
 *
 * Sources (HTTP /ingest and the Splunk HEC endpoint in live/, syslog, tailed files and
 * Kafka in sources/) turn what they receive into JSON event lines, one per line as in
 * the dataset's event files, and hand them to a `line_sink`. The sink of a live run is
 * live_submit: it validates each line exactly as `analyze` does, appends the batch to
 * the journal, makes it durable (fdatasync) and only then returns; the engine thread
 * takes the events from there. A source therefore acknowledges (HTTP 200, Kafka offset
 * commit, file offset saved) only after the sink returned LINE_SINK_OK.
 *
 * Backpressure: when the engine is more than its queue behind, the sink refuses the
 * batch with LINE_SINK_BUSY before journalling anything; the source answers 503 with
 * Retry-After, pauses its consumer, or stops reading its socket, and tries again.
 */
#ifndef WACHTER_LIVE_H
#define WACHTER_LIVE_H

#include "core/core.h"

#include <stddef.h>
#include <stdint.h>

enum line_sink_rc {
    LINE_SINK_OK = 0,    /* every line is durable and counted (events, duplicates, rejects) */
    LINE_SINK_BUSY = 1,  /* nothing was taken: the engine is behind; retry after a moment */
    LINE_SINK_ERROR = -1 /* nothing was taken: the journal cannot be written (see e) */
};

/* What one submission became. */
struct line_receipt {
    uint64_t lines, events, duplicates, rejected;
};

/* Take `len` bytes of newline-separated event lines (the last may lack its newline;
 * empty lines are ignored). `source` names the source in metrics and rejects ("http",
 * "hec", "syslog", "file", "kafka"). Thread-safe; blocks until the batch is durable.
 * Memory: the lines are copied; nothing is retained. */
typedef int (*line_sink_fn)(void *ctx, const char *source, const char *lines, size_t len,
                            struct line_receipt *r, struct err *e);

struct line_sink {
    line_sink_fn submit;
    void *ctx;
};

/* The `wachter run` command (run.c). */
int run_main(int argc, char **argv);

#endif
