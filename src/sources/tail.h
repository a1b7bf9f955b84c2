/*
 * tail.h - the file-tail source of `wachter run` (--tail PATH, repeatable).
 *
 * Follows files that another program appends JSON event lines to, like `tail -F`: a path
 * that does not exist yet is waited for, only complete lines (ending in '\n') are read,
 * and they go to a line_sink (live/live.h) in batches under the source name "file".
 * Rotation is survived: rename-and-create (the rest of the old file is still read through
 * its open descriptor), copytruncate (the file is read again from the start) and
 * delete-and-recreate. How far each file was read is kept in a state file, written
 * durably only after the sink accepted a batch, so a restart resumes where the last
 * accepted batch ended. At worst the batch that was accepted just before a crash is sent
 * again, and the sink drops duplicate event ids. docs/sources-tail.md has the details.
 *
 * One thread per tail does all reading and submitting. Memory is fixed: one batch buffer
 * (TAIL_BATCH_BYTES) and one scratch buffer per tail, whatever the input.
 */
#ifndef WACHTER_SOURCES_TAIL_H
#define WACHTER_SOURCES_TAIL_H

#include "core/core.h"
#include "live/live.h"

#include <stddef.h>
#include <stdint.h>

enum {
    TAIL_POLL_MS = 100,        /* how often every path is looked at */
    TAIL_BUSY_MS = 75,         /* wait after LINE_SINK_BUSY before the same batch again */
    TAIL_ERROR_MS = 500,       /* wait after LINE_SINK_ERROR before the same batch again */
    TAIL_DRAIN_IDLE_MS = 2000, /* a rotated file is closed once it stopped growing this long */
    TAIL_BATCH_BYTES = 4 * 1024 * 1024, /* at most this many bytes per submission */
    TAIL_BATCH_LINES = 4096,            /* at most this many lines per submission */
};

struct tail;

/* Counters of one tail since tail_start; a consistent snapshot is taken under a lock. */
struct tail_stats {
    uint64_t rounds;      /* polling rounds completed */
    uint64_t batches;     /* batches the sink took (LINE_SINK_OK) */
    uint64_t lines;       /* lines in those batches (empty lines included) */
    uint64_t busy;        /* LINE_SINK_BUSY answers */
    uint64_t errors;      /* LINE_SINK_ERROR answers (and unknown return codes) */
    uint64_t rotations;   /* a path stopped naming the file being read (renamed or deleted) */
    uint64_t truncations; /* a file was found truncated or rewritten in place */
    uint64_t too_long;    /* lines longer than INGEST_MAX_LINE, cut to INGEST_MAX_LINE + 1 */
    uint64_t state_saves; /* durable writes of the state file */
};

/* Start following `paths[0..n)` on a thread of its own, handing complete lines to
 * `sink`. `state_path` is the state file: read now (an absent file means "nothing read
 * yet"; an unreadable line in it is logged and ignored, so the file concerned is read
 * from the start), and rewritten durably after every round in which the sink accepted
 * something. NULL keeps no state: every start reads every file from the start.
 * Returns the running tail, or NULL with `e` set when n is 0, a path is empty, contains
 * a newline or is given twice, the state file cannot be read, or it cannot be written
 * (tried once before the thread starts, so a bad --tail-state fails at start).
 * Memory: the paths and state_path are copied; `sink` is copied and its ctx must stay
 * valid until tail_stop returns. The caller owns the result and ends it with tail_stop. */
struct tail *tail_start(const char *const *paths, size_t n, const char *state_path,
                        const struct line_sink *sink, struct err *e);

/* Stop the thread (a sink call in progress is waited for; a batch the sink has refused
 * with BUSY or ERROR is dropped unacknowledged and will be read again on the next start),
 * save the state once more if it changed, close the files and free everything. Accepts
 * NULL. */
void tail_stop(struct tail *t);

/* Copy the counters into *out. Thread-safe. */
void tail_get_stats(struct tail *t, struct tail_stats *out);

#endif
