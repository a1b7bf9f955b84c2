/*
 * tail.c - follow growing files like `tail -F` and hand their complete lines to a line_sink.
 *
 * One thread polls every watched path every TAIL_POLL_MS. Polling rather than inotify:
 * it works the same on every file system (NFS, overlay, bind mounts), a round costs one
 * stat, one fstat and one small pread per file, and a tenth of a second of latency does
 * not matter to detection that works in minutes.
 *
 * Files and paths. A path (struct watch) has at most one current file, the one the path
 * names now, plus a short list of rotated files that are still being drained. Each round:
 *
 *   1. watch_check: stat the path and compare it with the current file.
 *        same dev+inode       -> check for truncation: size below the offset, or the first
 *                                line no longer the one seen (the fingerprint) -> offset 0
 *        another file         -> the current file becomes a rotated one (rename-and-create);
 *                                the new file is opened and read from offset 0
 *        nothing (ENOENT)     -> the current file becomes a rotated one (deletion); the path
 *                                is waited for
 *   2. drain the rotated files, oldest first, through their still-open descriptors. One is
 *      closed once it has not grown for TAIL_DRAIN_IDLE_MS and everything in it was taken;
 *      a last line without its newline is submitted then, as it is (it would never get
 *      one). Writers that keep the old descriptor for a moment after the rename (until
 *      logrotate's postrotate signal reaches them) therefore lose nothing.
 *   3. read the current file.
 *   4. if any offset moved, write the state file durably.
 *
 * Offsets. tfile.off is the committed offset: every byte before it was taken by the sink
 * (LINE_SINK_OK), and it always sits at the start of a line (or at the end of a drained
 * rotated file). A batch is read at offset `off` with pread, handed to the sink, and only
 * when the sink answers OK is `off` moved past it; BUSY and ERROR keep the same batch
 * and try again later, so nothing is ever skipped. A partial last line is simply not part
 * of the batch: it is read again next round, so no per-file buffer holds it.
 *
 * Over-long lines. A line longer than INGEST_MAX_LINE is submitted as its first
 * INGEST_MAX_LINE + 1 bytes, which the sink rejects as line_too_long with that raw text,
 * and the rest up to its newline is skipped. When no newline is in sight yet, the line's
 * start stays the offset and the scan for the newline goes on from `long_scan` in later
 * rounds with the scratch buffer, so memory stays fixed however long the line grows.
 *
 * Identity. A file is recognised by device, inode and a fingerprint: the hash of its first
 * line (newline included), or of its first TAIL_FP_MAX bytes when that line is longer.
 * The fingerprint is unknown (fp_len 0) until the first line is complete. It tells a file
 * rewritten in place (copytruncate followed by more writes than the old offset before the
 * next poll) and a new file that reuses a deleted file's inode number from the file seen.
 *
 * State file (state_path), rewritten whole, durably (temp file, fsync, rename, fsync of
 * the directory; core's file_write_atomic does not fsync):
 *
 *     wachter-tail-state 1
 *     F <dev> <inode> <offset> <fp_len> <fp_hash hex> <path>
 *     R <dev> <inode> <offset> <fp_len> <fp_hash hex> <path>
 *
 * F is the current file of the watched path <path>, R a rotated file of that path still
 * being drained (it no longer has the name <path>; on start it is looked for by inode in
 * the path's directory, where logrotate leaves it). A saved F whose inode the path no
 * longer names is looked for in the same way, so a rotation while wachter was down is
 * drained too. A file that matches nothing saved is read from offset 0.
 *
 * Memory: one batch buffer (TAIL_BATCH_BYTES) and one scratch buffer (TAIL_SCRATCH_BYTES)
 * per tail, allocated at start; per file only the small struct tfile and its name. At
 * most TAIL_MAX_OLD rotated files per path are kept open: a further rotation finishes the
 * oldest at once.
 *
 * Threading: the thread owns every watch and file after tail_start returns. The mutex
 * guards only `stop` and the counters; the condition variable wakes the thread from its
 * waits when tail_stop is called.
 */
#include "sources/tail.h"

#include "ingest/ingest.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    TAIL_SCRATCH_BYTES = 64 * 1024,
    TAIL_FP_MAX = 1024,
    TAIL_MAX_OLD = 4,
    TAIL_BATCHES_PER_ROUND = 16, /* per file, so that one busy file does not starve others */
    TAIL_STATE_LINE_MAX = 8192,  /* longer state lines are malformed */
};

_Static_assert(TAIL_BATCH_BYTES >= 4 * (INGEST_MAX_LINE + 2), "a batch holds over-long lines");
_Static_assert(TAIL_FP_MAX <= TAIL_SCRATCH_BYTES, "the fingerprint is read into the scratch");
_Static_assert(TAIL_POLL_MS >= 100 && TAIL_POLL_MS <= 200, "poll every 100-200 ms");

#define TAIL_FP_SEED 0x7461696c66696c65ULL /* "tailfile" */

/* One open file. fd < 0: no file (then every other field is meaningless). */
struct tfile {
    int fd;
    dev_t dev;
    ino_t ino;
    uint64_t off;        /* committed offset: everything before it was taken by the sink */
    uint32_t fp_len;     /* bytes the fingerprint covers; 0 while unknown */
    uint64_t fp_hash;    /* hash_bytes of those bytes */
    uint64_t long_start; /* when long_scan > 0: a line starting here is over-long and ... */
    uint64_t long_scan;  /* ... has no newline before this offset */
    uint64_t seen_size;  /* rotated files: the size last seen, and since when (monotonic) */
    int64_t seen_ms;
    bool read_failed; /* a read error was logged; cleared by the next good read */
    char *name;       /* for messages: the path, or where a rotated file was found; owned */
};

struct watch {
    char *path;
    struct tfile cur;  /* what the path names now, if readable */
    struct tfile *old; /* rotated files still drained, oldest first */
    size_t n_old, cap_old;
    int problem; /* errno of the problem with the path last logged, 0 when none */
};

/* One line of the state file, as loaded. */
struct saved {
    char role; /* 'F' current file, 'R' rotated file */
    uint64_t dev, ino, off, fp_hash;
    uint32_t fp_len;
    size_t watch; /* index of the watch whose path it names */
};

struct tail {
    struct watch *w;
    size_t n;
    char *state_path; /* NULL: no state kept */
    struct line_sink sink;
    char *batch;   /* TAIL_BATCH_BYTES */
    char *scratch; /* TAIL_SCRATCH_BYTES: fingerprints and the newline scan of long lines */
    bool dirty;    /* offsets or files changed since the state was last saved */
    bool save_failed;

    pthread_t thread;
    bool started;
    pthread_mutex_t mu; /* guards stop and stats */
    pthread_cond_t cv;
    bool stop;
    struct tail_stats stats;
};

/* What one fill of the batch from one file produced. */
struct fill {
    size_t len;        /* bytes in t->batch */
    uint64_t end;      /* the file offset just past what they cover */
    uint64_t lines;    /* lines among them */
    uint64_t too_long; /* of which over-long, cut */
};

static int64_t now_ms(void);
static bool stopping(struct tail *t);
static bool wait_ms(struct tail *t, int ms);
static void tfile_init(struct tfile *f);
static void tfile_close(struct tfile *f);
static void tfile_open(struct tfile *f, int fd, const struct stat *st, const char *name);
static int fp_read(struct tail *t, int fd, uint32_t *len, uint64_t *hash);
static bool fp_same(struct tail *t, struct tfile *f, uint64_t size, uint32_t fp_len,
                    uint64_t fp_hash);
static void fp_learn(struct tail *t, struct tfile *f);
static void watch_retire(struct tail *t, struct watch *w);
static void watch_problem(struct watch *w, int errnum, const char *what);
static void watch_check(struct tail *t, struct watch *w);
static int watch_drain_old(struct tail *t, struct watch *w);
static int long_line_end(struct tail *t, struct tfile *f, uint64_t *eol);
static void fill(struct tail *t, struct tfile *f, bool final, struct fill *r);
static int submit(struct tail *t, const struct watch *w, size_t len);
static int pump(struct tail *t, struct watch *w, struct tfile *f, bool final, int max_batches);
static int state_load(struct tail *t, struct saved **out, size_t *n_out, struct err *e);
static int state_save(struct tail *t, struct err *e);
static int write_durable(const char *path, const char *data, size_t n, struct err *e);
static void restore_rotated(struct tail *t, struct watch *w, const struct saved *s);
static void watch_restore(struct tail *t, struct watch *w, const struct saved *sv, size_t nsv);
static void *tail_thread(void *arg);
static void tail_free(struct tail *t);

#define STAT_ADD(t, field, v)                                                                      \
    do {                                                                                           \
        pthread_mutex_lock(&(t)->mu);                                                              \
        (t)->stats.field += (v);                                                                   \
        pthread_mutex_unlock(&(t)->mu);                                                            \
    } while (0)

/* ---- small helpers ------------------------------------------------------------------ */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool stopping(struct tail *t)
{
    pthread_mutex_lock(&t->mu);
    bool s = t->stop;
    pthread_mutex_unlock(&t->mu);
    return s;
}

/* Sleep `ms` milliseconds or until tail_stop. Returns true when stopping. */
static bool wait_ms(struct tail *t, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&t->mu);
    while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &until) != ETIMEDOUT)
        ;
    bool s = t->stop;
    pthread_mutex_unlock(&t->mu);
    return s;
}

static void tfile_init(struct tfile *f)
{
    memset(f, 0, sizeof *f);
    f->fd = -1;
}

static void tfile_close(struct tfile *f)
{
    if (f->fd >= 0)
        close(f->fd);
    free(f->name);
    tfile_init(f);
}

/* Make `f` the file open on `fd` (fstat'ed into `st`), at offset 0, fingerprint unknown.
 * Memory: `f` takes the descriptor; `name` is copied. */
static void tfile_open(struct tfile *f, int fd, const struct stat *st, const char *name)
{
    tfile_init(f);
    f->fd = fd;
    f->dev = st->st_dev;
    f->ino = st->st_ino;
    f->seen_size = UINT64_MAX;
    f->seen_ms = now_ms();
    f->name = xstrdup(name);
}

/* Read the fingerprint of the file on `fd`: *len is 0 when its first line is not complete
 * yet (and shorter than TAIL_FP_MAX). Returns 0, or -1 on a read error. */
static int fp_read(struct tail *t, int fd, uint32_t *len, uint64_t *hash)
{
    *len = 0;
    *hash = 0;
    ssize_t n = pread(fd, t->scratch, TAIL_FP_MAX, 0);
    if (n < 0)
        return -1;
    const char *nl = memchr(t->scratch, '\n', (size_t)n);
    if (nl != NULL)
        *len = (uint32_t)(nl - t->scratch) + 1;
    else if (n == TAIL_FP_MAX)
        *len = TAIL_FP_MAX;
    if (*len > 0)
        *hash = hash_bytes(t->scratch, *len, TAIL_FP_SEED);
    return 0;
}

/* Does the file of `f`, `size` bytes long, start with the bytes fingerprinted as
 * (fp_len, fp_hash)? An unknown fingerprint (fp_len 0) matches every file. */
static bool fp_same(struct tail *t, struct tfile *f, uint64_t size, uint32_t fp_len,
                    uint64_t fp_hash)
{
    if (fp_len == 0)
        return true;
    if (size < fp_len)
        return false;
    uint32_t len;
    uint64_t hash;
    if (fp_read(t, f->fd, &len, &hash) != 0)
        return true; /* cannot tell now; the read error surfaces when reading the lines */
    return len == fp_len && hash == fp_hash;
}

/* Learn the fingerprint of `f` once its first line is complete. */
static void fp_learn(struct tail *t, struct tfile *f)
{
    if (f->fp_len == 0 && fp_read(t, f->fd, &f->fp_len, &f->fp_hash) == 0 && f->fp_len > 0)
        t->dirty = true;
}

/* ---- paths and rotation ------------------------------------------------------------- */

/* The current file of `w` no longer has the path's name: move it to the rotated files,
 * where it is drained. Memory: the rotated list takes the descriptor and name. */
static void watch_retire(struct tail *t, struct watch *w)
{
    assert(w->cur.fd >= 0);
    w->old = xgrow(w->old, &w->cap_old, w->n_old + 1, sizeof *w->old);
    w->old[w->n_old++] = w->cur;
    tfile_init(&w->cur);
    t->dirty = true;
    STAT_ADD(t, rotations, 1);
}

/* Log a problem with the path once, until it changes or goes away. */
static void watch_problem(struct watch *w, int errnum, const char *what)
{
    if (w->problem == errnum)
        return;
    w->problem = errnum;
    if (errnum == ENOENT)
        log_info("tail: %s: does not exist (yet); waiting for it", w->path);
    else
        log_error("tail: %s: %s: %s; trying again", w->path, what, strerror(errnum));
}

/* Step 1 of a round (see the top of the file): what does the path name now? */
static void watch_check(struct tail *t, struct watch *w)
{
    struct stat st;
    if (stat(w->path, &st) != 0) {
        int errnum = errno;
        if (w->cur.fd >= 0) {
            log_info("tail: %s: gone; reading the rest of the file it named", w->path);
            watch_retire(t, w);
        }
        watch_problem(w, errnum, "cannot stat");
        return;
    }
    struct tfile *f = &w->cur;
    if (f->fd >= 0 && st.st_dev == f->dev && st.st_ino == f->ino) {
        w->problem = 0;
        struct stat fst;
        if (fstat(f->fd, &fst) != 0)
            return;
        uint64_t size = (uint64_t)fst.st_size;
        if (size < f->off || !fp_same(t, f, size, f->fp_len, f->fp_hash)) {
            log_info("tail: %s: truncated or rewritten in place (copytruncate?); reading it "
                     "again from the start",
                     w->path);
            f->off = 0;
            f->fp_len = 0;
            f->long_scan = 0;
            t->dirty = true;
            STAT_ADD(t, truncations, 1);
        }
        fp_learn(t, f);
        return;
    }

    /* The path names another file than the one being read (or none was). */
    if (f->fd >= 0) {
        log_info("tail: %s: rotated; finishing the old file, then reading the new one", w->path);
        watch_retire(t, w);
    }
    int fd = open(w->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        watch_problem(w, errno, "cannot open");
        return;
    }
    struct stat fst;
    if (fstat(fd, &fst) != 0 || !S_ISREG(fst.st_mode)) {
        close(fd);
        watch_problem(w, EINVAL, "not a regular file");
        return;
    }
    if (w->problem != 0)
        log_info("tail: %s: found; following it", w->path);
    w->problem = 0;
    /* Renamed back while still being drained: take the rotated file back, offset and all. */
    for (size_t i = 0; i < w->n_old; i++) {
        if (w->old[i].dev == fst.st_dev && w->old[i].ino == fst.st_ino) {
            close(fd);
            *f = w->old[i];
            memmove(&w->old[i], &w->old[i + 1], (w->n_old - i - 1) * sizeof *w->old);
            w->n_old--;
            t->dirty = true;
            return;
        }
    }
    tfile_open(f, fd, &fst, w->path);
    fp_learn(t, f);
    t->dirty = true;
}

/* Step 2 of a round: read the rotated files of `w` and close those that are finished.
 * Returns 0, or -1 when the tail is stopping. */
static int watch_drain_old(struct tail *t, struct watch *w)
{
    /* Too many rotated files: finish the oldest now rather than keep more open. */
    while (w->n_old > TAIL_MAX_OLD) {
        struct tfile *o = &w->old[0];
        if (pump(t, w, o, true, 64) != 0)
            return -1;
        log_info("tail: %s: more than %d rotated files open; closed %s at offset %" PRIu64, w->path,
                 TAIL_MAX_OLD, o->name, o->off);
        tfile_close(o);
        memmove(&w->old[0], &w->old[1], (w->n_old - 1) * sizeof *w->old);
        w->n_old--;
        t->dirty = true;
    }
    for (size_t i = 0; i < w->n_old;) {
        struct tfile *o = &w->old[i];
        if (pump(t, w, o, false, TAIL_BATCHES_PER_ROUND) != 0)
            return -1;
        struct stat st;
        bool done = false;
        int64_t now = now_ms();
        if (fstat(o->fd, &st) != 0 || (uint64_t)st.st_size < o->off) {
            log_error("tail: %s: rotated file %s shrank or vanished; closed", w->path, o->name);
            done = true;
        } else if ((uint64_t)st.st_size != o->seen_size) {
            o->seen_size = (uint64_t)st.st_size;
            o->seen_ms = now;
        } else if (now - o->seen_ms >= TAIL_DRAIN_IDLE_MS) {
            /* Idle long enough: take a last line without its newline too, then close. */
            if (pump(t, w, o, true, TAIL_BATCHES_PER_ROUND) != 0)
                return -1;
            done = o->off >= (uint64_t)st.st_size;
        }
        if (done) {
            tfile_close(o);
            memmove(&w->old[i], &w->old[i + 1], (w->n_old - i - 1) * sizeof *w->old);
            w->n_old--;
            t->dirty = true;
        } else {
            i++;
        }
    }
    return 0;
}

/* ---- reading ------------------------------------------------------------------------ */

/* Look for the newline that ends the over-long line at f->long_start, from f->long_scan on.
 * Returns 1 with *eol its offset, or 0 when the file ends first (f->long_scan is then the
 * end of the file, so the next call starts there). */
static int long_line_end(struct tail *t, struct tfile *f, uint64_t *eol)
{
    for (;;) {
        ssize_t n = pread(f->fd, t->scratch, TAIL_SCRATCH_BYTES, (off_t)f->long_scan);
        if (n <= 0)
            return 0;
        const char *nl = memchr(t->scratch, '\n', (size_t)n);
        if (nl != NULL) {
            *eol = f->long_scan + (uint64_t)(nl - t->scratch);
            return 1;
        }
        f->long_scan += (uint64_t)n;
    }
}

/* Fill t->batch with the complete lines of `f` from f->off on, up to TAIL_BATCH_BYTES
 * and TAIL_BATCH_LINES; over-long lines cut to INGEST_MAX_LINE + 1 bytes. With `final`,
 * a last line without its newline counts as complete (the file is finished). Every line
 * in the batch ends in '\n'. r->end == f->off when there is nothing to submit. */
static void fill(struct tail *t, struct tfile *f, bool final, struct fill *r)
{
    memset(r, 0, sizeof *r);
    uint64_t pos = f->off;
    size_t len = 0;
    if (f->long_scan > 0 && f->long_start != pos)
        f->long_scan = 0; /* stale: the file was read again from elsewhere */

    while (r->lines < TAIL_BATCH_LINES) {
        if (f->long_scan > 0) {
            /* The line at pos is over-long: its first INGEST_MAX_LINE + 1 bytes go in. */
            if (len + INGEST_MAX_LINE + 2 > TAIL_BATCH_BYTES)
                break;
            uint64_t eol;
            uint64_t next;
            if (long_line_end(t, f, &eol))
                next = eol + 1;
            else if (final)
                next = f->long_scan;
            else
                break; /* wait for its newline */
            ssize_t n = pread(f->fd, t->batch + len, INGEST_MAX_LINE + 1, (off_t)pos);
            if (n != INGEST_MAX_LINE + 1)
                break; /* shrank under us; the next round's checks sort it out */
            len += INGEST_MAX_LINE + 1;
            t->batch[len++] = '\n';
            pos = next;
            r->lines++;
            r->too_long++;
            f->long_scan = 0;
            continue;
        }

        size_t room = TAIL_BATCH_BYTES - len;
        ssize_t n = pread(f->fd, t->batch + len, room, (off_t)pos);
        if (n < 0) {
            if (!f->read_failed)
                log_error("tail: %s: cannot read: %s; trying again", f->name, strerror(errno));
            f->read_failed = true;
            break;
        }
        f->read_failed = false;
        if (n == 0)
            break;

        /* Walk the complete lines, compacting over-long ones in place (data only moves
         * towards the start of the buffer, so memmove is safe). */
        char *s = t->batch + len;
        char *end = s + n;
        size_t w = len;
        while (r->lines < TAIL_BATCH_LINES) {
            char *nl = memchr(s, '\n', (size_t)(end - s));
            if (nl == NULL)
                break;
            size_t ll = (size_t)(nl - s);
            size_t keep = ll;
            if (ll > INGEST_MAX_LINE) {
                keep = INGEST_MAX_LINE + 1;
                r->too_long++;
            }
            memmove(t->batch + w, s, keep);
            w += keep;
            t->batch[w++] = '\n';
            pos += ll + 1;
            s = nl + 1;
            r->lines++;
        }
        len = w;
        size_t rest = (size_t)(end - s);
        if (r->lines >= TAIL_BATCH_LINES)
            break;
        if (rest > INGEST_MAX_LINE) {
            /* An over-long line whose newline is not in the buffer: scan on for it. */
            f->long_start = pos;
            f->long_scan = pos + rest;
            continue;
        }
        if ((size_t)n < room && final && rest > 0) {
            /* End of a finished file: its last line will never get a newline. There is
             * room, since n < room and compacting only freed space. */
            memmove(t->batch + len, s, rest);
            len += rest;
            t->batch[len++] = '\n';
            pos += rest;
            r->lines++;
        }
        /* Either the end of the file (the partial line waits) or a full batch. */
        break;
    }
    r->len = len;
    r->end = pos;
}

/* Hand the first `len` bytes of t->batch to the sink until it takes them. Returns 0, or
 * -1 when the tail is stopping (the batch is then dropped unacknowledged). */
static int submit(struct tail *t, const struct watch *w, size_t len)
{
    bool logged = false;
    for (;;) {
        struct line_receipt rc_lines;
        struct err e = {{0}};
        memset(&rc_lines, 0, sizeof rc_lines);
        int rc = t->sink.submit(t->sink.ctx, "file", t->batch, len, &rc_lines, &e);
        if (rc == LINE_SINK_OK) {
            if (logged)
                log_info("tail: %s: the sink takes lines again", w->path);
            return 0;
        }
        int pause;
        if (rc == LINE_SINK_BUSY) {
            STAT_ADD(t, busy, 1);
            pause = TAIL_BUSY_MS;
        } else {
            STAT_ADD(t, errors, 1);
            if (!logged)
                log_error("tail: %s: the sink refused a batch of %zu bytes: %s; trying again",
                          w->path, len, e.msg[0] != '\0' ? e.msg : "unknown error");
            logged = true;
            pause = TAIL_ERROR_MS;
        }
        if (wait_ms(t, pause))
            return -1;
    }
}

/* Submit what `f` holds past its offset, at most `max_batches` batches, moving the offset
 * after each accepted one. Returns 0, or -1 when the tail is stopping. */
static int pump(struct tail *t, struct watch *w, struct tfile *f, bool final, int max_batches)
{
    for (int i = 0; i < max_batches; i++) {
        if (stopping(t))
            return -1;
        struct fill r;
        fill(t, f, final, &r);
        if (r.end == f->off)
            return 0;
        assert(r.len > 0 && r.lines > 0);
        if (submit(t, w, r.len) != 0)
            return -1;
        f->off = r.end;
        t->dirty = true;
        pthread_mutex_lock(&t->mu);
        t->stats.batches++;
        t->stats.lines += r.lines;
        t->stats.too_long += r.too_long;
        pthread_mutex_unlock(&t->mu);
    }
    return 0;
}

/* ---- the state file ----------------------------------------------------------------- */

/* Load the saved entries of the watched paths (entries of other paths are dropped).
 * Returns 0 (an absent file is no entries; malformed lines are logged and skipped), or -1
 * with `e` when the file exists but cannot be read. Memory: *out is the caller's. */
static int state_load(struct tail *t, struct saved **out, size_t *n_out, struct err *e)
{
    *out = NULL;
    *n_out = 0;
    struct mapped_file mf;
    struct err me;
    if (access(t->state_path, F_OK) != 0 && errno == ENOENT)
        return 0;
    if (file_map(t->state_path, &mf, &me) != 0)
        return err_set(e, "tail state %s", me.msg);

    static const char header[] = "wachter-tail-state 1\n";
    size_t hl = sizeof header - 1;
    if (mf.size < hl || memcmp(mf.data, header, hl) != 0) {
        log_error("tail state %s: not a tail state file (version 1); ignored, so every file "
                  "is read from the start",
                  t->state_path);
        file_unmap(&mf);
        return 0;
    }
    size_t cap = 0;
    uint64_t line_no = 1;
    char line[TAIL_STATE_LINE_MAX + 1];
    for (size_t p = hl; p < mf.size;) {
        const char *nl = memchr(mf.data + p, '\n', mf.size - p);
        size_t ll = nl != NULL ? (size_t)(nl - (mf.data + p)) : mf.size - p;
        const char *src = mf.data + p;
        p += ll + 1;
        line_no++;
        if (ll == 0)
            continue;
        struct saved s;
        memset(&s, 0, sizeof s);
        int used = -1;
        unsigned long long dev, ino, off, hash;
        unsigned fp_len;
        bool good = ll <= TAIL_STATE_LINE_MAX && nl != NULL;
        if (good) {
            memcpy(line, src, ll);
            line[ll] = '\0';
            good = memchr(line, '\0', ll) == NULL &&
                   sscanf(line, "%c %llu %llu %llu %u %llx %n", &s.role, &dev, &ino, &off, &fp_len,
                          &hash, &used) == 6 &&
                   used > 0 && line[used] != '\0' && (s.role == 'F' || s.role == 'R') &&
                   fp_len <= TAIL_FP_MAX;
        }
        if (!good) {
            log_error("tail state %s:%" PRIu64 ": malformed line ignored; its file is read "
                      "from the start",
                      t->state_path, line_no);
            continue;
        }
        s.dev = dev;
        s.ino = ino;
        s.off = off;
        s.fp_len = fp_len;
        s.fp_hash = hash;
        s.watch = SIZE_MAX;
        for (size_t i = 0; i < t->n; i++)
            if (strcmp(t->w[i].path, line + used) == 0)
                s.watch = i;
        if (s.watch == SIZE_MAX)
            continue; /* a path no longer followed */
        *out = xgrow(*out, &cap, *n_out + 1, sizeof **out);
        (*out)[(*n_out)++] = s;
    }
    file_unmap(&mf);
    return 0;
}

static void state_put(struct sbuf *b, char role, const struct tfile *f, const char *path)
{
    sbuf_printf(b, "%c %llu %llu %" PRIu64 " %u %016" PRIx64 " %s\n", role,
                (unsigned long long)f->dev, (unsigned long long)f->ino, f->off, f->fp_len,
                f->fp_hash, path);
}

/* Write the state file durably. Returns 0 or -1 with `e`. */
static int state_save(struct tail *t, struct err *e)
{
    if (t->state_path == NULL)
        return 0;
    struct sbuf b = {0};
    sbuf_puts(&b, "wachter-tail-state 1\n");
    for (size_t i = 0; i < t->n; i++) {
        const struct watch *w = &t->w[i];
        for (size_t j = 0; j < w->n_old; j++)
            state_put(&b, 'R', &w->old[j], w->path);
        if (w->cur.fd >= 0)
            state_put(&b, 'F', &w->cur, w->path);
    }
    int rc = write_durable(t->state_path, b.buf, b.len, e);
    sbuf_free(&b);
    if (rc == 0)
        STAT_ADD(t, state_saves, 1);
    return rc;
}

/* Replace `path` with `n` bytes so that after a crash it holds either the old or the new
 * content, and the new content once this returns 0: write a temporary file, fsync it,
 * rename it over `path`, fsync the directory. Returns 0 or -1 with `e`. */
static int write_durable(const char *path, const char *data, size_t n, struct err *e)
{
    struct sbuf tmp = {0};
    sbuf_printf(&tmp, "%s.tmp", path);
    int fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        err_set(e, "%s: cannot write: %s", tmp.buf, strerror(errno));
        sbuf_free(&tmp);
        return -1;
    }
    size_t done = 0;
    int rc = 0;
    while (done < n) {
        ssize_t k = write(fd, data + done, n - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            rc = -1;
            break;
        }
        done += (size_t)k;
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = -1;
    int saved_errno = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        saved_errno = errno;
    }
    if (rc == 0 && rename(tmp.buf, path) != 0) {
        rc = -1;
        saved_errno = errno;
    }
    if (rc != 0) {
        err_set(e, "%s: cannot write: %s", path, strerror(saved_errno));
        unlink(tmp.buf);
        sbuf_free(&tmp);
        return -1;
    }
    sbuf_free(&tmp);

    char *copy = xstrdup(path);
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0)
        rc = err_set(e, "%s: cannot sync its directory: %s", path, strerror(errno));
    if (dfd >= 0)
        close(dfd);
    free(copy);
    return rc;
}

/* ---- start: from the state to open files -------------------------------------------- */

/* Find the file of saved entry `s` (no longer named by the path) in the path's directory
 * by device and inode, check that it is the same file, and drain it from the saved offset
 * as a rotated file. When it cannot be found, say what may have been missed. */
static void restore_rotated(struct tail *t, struct watch *w, const struct saved *s)
{
    if (w->cur.fd >= 0 && (uint64_t)w->cur.dev == s->dev && (uint64_t)w->cur.ino == s->ino)
        return; /* the path's own file, rewritten: it is read from the start */
    for (size_t i = 0; i < w->n_old; i++)
        if ((uint64_t)w->old[i].dev == s->dev && (uint64_t)w->old[i].ino == s->ino)
            return;

    char *copy = xstrdup(w->path);
    const char *dname = dirname(copy);
    DIR *d = opendir(dname);
    bool found = false;
    struct dirent *de;
    while (d != NULL && !found && (de = readdir(d)) != NULL) {
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode) ||
            (uint64_t)st.st_dev != s->dev || (uint64_t)st.st_ino != s->ino)
            continue;
        int fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        struct stat fst;
        if (fd < 0)
            continue;
        if (fstat(fd, &fst) != 0 || fst.st_ino != st.st_ino || fst.st_dev != st.st_dev) {
            close(fd);
            continue;
        }
        struct sbuf name = {0};
        sbuf_printf(&name, "%s/%s", dname, de->d_name);
        struct tfile f;
        tfile_open(&f, fd, &fst, name.buf);
        sbuf_free(&name);
        if ((uint64_t)fst.st_size < s->off ||
            !fp_same(t, &f, (uint64_t)fst.st_size, s->fp_len, s->fp_hash)) {
            tfile_close(&f); /* the inode number was reused by another file */
            continue;
        }
        f.off = s->off;
        f.fp_len = s->fp_len;
        f.fp_hash = s->fp_hash;
        log_info("tail: %s: rotated while stopped; reading the rest of %s from offset %" PRIu64,
                 w->path, f.name, f.off);
        w->old = xgrow(w->old, &w->cap_old, w->n_old + 1, sizeof *w->old);
        w->old[w->n_old++] = f;
        found = true;
    }
    if (d != NULL)
        closedir(d);
    if (!found)
        log_info("tail: %s: the file read before the restart (inode %" PRIu64 ") is no longer "
                 "in %s; lines it got after offset %" PRIu64 ", if any, were not read",
                 w->path, s->ino, dname, s->off);
    free(copy);
}

/* Open what path `w` names and the rotated files of its saved entries, at their saved
 * offsets where the identity matches, else at 0. */
static void watch_restore(struct tail *t, struct watch *w, const struct saved *sv, size_t nsv)
{
    size_t wi = (size_t)(w - t->w);
    const struct saved *cur = NULL;
    for (size_t i = 0; i < nsv; i++)
        if (sv[i].watch == wi && sv[i].role == 'F')
            cur = &sv[i];

    int fd = open(w->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
    }
    if (fd >= 0) {
        tfile_open(&w->cur, fd, &st, w->path);
        if (cur != NULL && (uint64_t)st.st_dev == cur->dev && (uint64_t)st.st_ino == cur->ino &&
            (uint64_t)st.st_size >= cur->off &&
            fp_same(t, &w->cur, (uint64_t)st.st_size, cur->fp_len, cur->fp_hash)) {
            w->cur.off = cur->off;
            w->cur.fp_len = cur->fp_len;
            w->cur.fp_hash = cur->fp_hash;
            cur = NULL; /* resumed */
        } else if (cur != NULL) {
            log_info("tail: %s: not the file read before the restart; reading it from the "
                     "start",
                     w->path);
        }
        fp_learn(t, &w->cur);
    }
    for (size_t i = 0; i < nsv; i++)
        if (sv[i].watch == wi && sv[i].role == 'R')
            restore_rotated(t, w, &sv[i]);
    if (cur != NULL)
        restore_rotated(t, w, cur);
}

/* ---- the thread and the API --------------------------------------------------------- */

static void *tail_thread(void *arg)
{
    struct tail *t = arg;
    for (;;) {
        bool stop = false;
        for (size_t i = 0; i < t->n && !stop; i++) {
            struct watch *w = &t->w[i];
            watch_check(t, w);
            stop = watch_drain_old(t, w) != 0;
            if (!stop && w->cur.fd >= 0)
                stop = pump(t, w, &w->cur, false, TAIL_BATCHES_PER_ROUND) != 0;
        }
        if (t->dirty) {
            struct err e;
            if (state_save(t, &e) == 0) {
                t->dirty = false;
                if (t->save_failed)
                    log_info("tail: the state file %s is written again", t->state_path);
                t->save_failed = false;
            } else if (!t->save_failed) {
                log_error("tail: %s; trying again every round", e.msg);
                t->save_failed = true;
            }
        }
        STAT_ADD(t, rounds, 1);
        if (stop || wait_ms(t, TAIL_POLL_MS))
            break;
    }
    return NULL;
}

struct tail *tail_start(const char *const *paths, size_t n, const char *state_path,
                        const struct line_sink *sink, struct err *e)
{
    assert(sink != NULL && sink->submit != NULL);
    if (n == 0) {
        err_set(e, "tail: no file to follow");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (paths[i] == NULL || paths[i][0] == '\0' || strchr(paths[i], '\n') != NULL) {
            err_set(e, "tail: --tail needs a file name without newlines");
            return NULL;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(paths[i], paths[j]) == 0) {
                err_set(e, "tail: %s: given twice", paths[i]);
                return NULL;
            }
    }

    struct tail *t = xcalloc(1, sizeof *t);
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &ca);
    pthread_condattr_destroy(&ca);
    t->n = n;
    t->w = xcalloc(n, sizeof *t->w);
    for (size_t i = 0; i < n; i++) {
        t->w[i].path = xstrdup(paths[i]);
        tfile_init(&t->w[i].cur);
    }
    t->state_path = state_path != NULL ? xstrdup(state_path) : NULL;
    t->sink = *sink;
    t->batch = xmalloc(TAIL_BATCH_BYTES);
    t->scratch = xmalloc(TAIL_SCRATCH_BYTES);

    struct saved *sv = NULL;
    size_t nsv = 0;
    if (t->state_path != NULL && state_load(t, &sv, &nsv, e) != 0) {
        tail_free(t);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        watch_restore(t, &t->w[i], sv, nsv);
    free(sv);
    if (state_save(t, e) != 0) {
        tail_free(t);
        return NULL;
    }
    t->dirty = false;

    int rc = pthread_create(&t->thread, NULL, tail_thread, t);
    if (rc != 0) {
        err_set(e, "tail: cannot start its thread: %s", strerror(rc));
        tail_free(t);
        return NULL;
    }
    t->started = true;
    return t;
}

/* Free a tail whose thread is not running. */
static void tail_free(struct tail *t)
{
    for (size_t i = 0; i < t->n; i++) {
        struct watch *w = &t->w[i];
        tfile_close(&w->cur);
        for (size_t j = 0; j < w->n_old; j++)
            tfile_close(&w->old[j]);
        free(w->old);
        free(w->path);
    }
    free(t->w);
    free(t->state_path);
    free(t->batch);
    free(t->scratch);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

void tail_stop(struct tail *t)
{
    if (t == NULL)
        return;
    if (t->started) {
        pthread_mutex_lock(&t->mu);
        t->stop = true;
        pthread_cond_broadcast(&t->cv);
        pthread_mutex_unlock(&t->mu);
        pthread_join(t->thread, NULL);
        if (t->dirty) {
            struct err e;
            if (state_save(t, &e) != 0)
                log_error("tail: %s", e.msg);
        }
    }
    tail_free(t);
}

void tail_get_stats(struct tail *t, struct tail_stats *out)
{
    pthread_mutex_lock(&t->mu);
    *out = t->stats;
    pthread_mutex_unlock(&t->mu);
}
