/*
 * journal.c - the durable log of a live run: what was acknowledged is in here.
 *
 * Why a journal and not a snapshot of the engine: the engine is deterministic, so its
 * whole state (signals, peer baselines, learned routines, open waves, the duplicate
 * filter, alert numbering) is a function of the events in the order it took them. The
 * journal keeps exactly that order, so replaying it rebuilds the state bit for bit, and
 * the alerts it leads to carry the same ids as before a crash. The price is restart time
 * (replay runs at analyze speed) and disk (the journal keeps every line); see
 * docs/live.md.
 *
 * Record: "#wj1 SEQ SOURCE LENGTH HASH\n" + LENGTH bytes. HASH (hex, 64-bit, hash_bytes)
 * covers the payload, so a record whose tail never reached the disk is recognised even
 * when the file was extended. Opening the journal cuts the file after the last complete
 * record: such a tail was never synced, hence never acknowledged.
 *
 * Durability: journal_sync is a group commit. The first waiter that finds no fdatasync in
 * progress runs one for everything written so far; the others wait for it and return if
 * it covered their record.
 */
#include "live/live_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

enum { HEADER_MAX = 128, SOURCE_MAX = 16 };
#define JOURNAL_MAX_RECORD ((uint64_t)1 << 31)

struct journal {
    char *path;
    int fd;
    pthread_mutex_t mu;
    pthread_cond_t synced_cv;
    uint64_t written_seq, synced_seq, size;
    int syncing;
    /* Mappings made for replay, kept until close: replayed events' texts point into them.
     * A new replay (a reference reload) maps the journal again at its current size. */
    struct {
        void *p;
        size_t len;
    } maps[16];
    size_t n_maps;
};

static int parse_header(const char *p, size_t avail, uint64_t *seq, char *source, uint64_t *len,
                        uint64_t *hash, size_t *header_len)
{
    const char *nl = memchr(p, '\n', avail < HEADER_MAX ? avail : HEADER_MAX);
    if (nl == NULL)
        return -1;
    char buf[HEADER_MAX + 1];
    size_t n = (size_t)(nl - p);
    memcpy(buf, p, n);
    buf[n] = '\0';
    char src[SOURCE_MAX + 1];
    unsigned long long s, l, h;
    int used = 0;
    if (sscanf(buf, "#wj1 %llu %16s %llu %llx%n", &s, src, &l, &h, &used) != 4 ||
        (size_t)used != n || l > JOURNAL_MAX_RECORD)
        return -1;
    *seq = s;
    *len = l;
    *hash = h;
    memcpy(source, src, strlen(src) + 1);
    *header_len = n + 1;
    return 0;
}

/* Walk the records of `data`; stop at the first incomplete or damaged one. Returns the
 * offset where the valid part ends. */
static size_t walk(const char *data, size_t size, uint64_t upto, journal_record_fn fn, void *ctx,
                   long *records, uint64_t *last_seq, int *fn_failed)
{
    size_t off = 0;
    while (off < size) {
        uint64_t seq, len, hash;
        char source[SOURCE_MAX + 1];
        size_t hl;
        if (parse_header(data + off, size - off, &seq, source, &len, &hash, &hl) != 0)
            break;
        if (len > size - off - hl || hash_bytes(data + off + hl, len, 0x6a6f) != hash)
            break;
        if (fn != NULL && seq <= upto && fn(ctx, seq, source, data + off + hl, len) != 0) {
            *fn_failed = 1;
            return off;
        }
        *last_seq = seq;
        (*records)++;
        off += hl + len;
    }
    return off;
}

struct journal *journal_open(const char *dir, struct err *e)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        err_set(e, "%s: cannot create the journal directory: %s", dir, strerror(errno));
        return NULL;
    }
    struct journal *j = xcalloc(1, sizeof *j);
    size_t n = strlen(dir) + 16;
    j->path = xmalloc(n);
    snprintf(j->path, n, "%s/journal.wj", dir);
    j->fd = open(j->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (j->fd < 0) {
        err_set(e, "%s: cannot open: %s", j->path, strerror(errno));
        free(j->path);
        free(j);
        return NULL;
    }
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->synced_cv, NULL);
    struct stat sb;
    if (fstat(j->fd, &sb) != 0) {
        err_set(e, "%s: cannot stat: %s", j->path, strerror(errno));
        journal_close(j);
        return NULL;
    }
    /* Find the end of the valid records (and the last sequence number). */
    if (sb.st_size > 0) {
        size_t len = (size_t)sb.st_size;
        void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, j->fd, 0);
        if (map == MAP_FAILED) {
            err_set(e, "%s: cannot map: %s", j->path, strerror(errno));
            journal_close(j);
            return NULL;
        }
        long records = 0;
        int failed = 0;
        size_t valid = walk(map, len, 0, NULL, NULL, &records, &j->written_seq, &failed);
        munmap(map, len);
        if (valid < len) {
            log_info("%s: cutting off %zu bytes of an unfinished record at offset %zu", j->path,
                     len - valid, valid);
            if (ftruncate(j->fd, (off_t)valid) != 0 || fdatasync(j->fd) != 0) {
                err_set(e, "%s: cannot cut off the unfinished record: %s", j->path,
                        strerror(errno));
                journal_close(j);
                return NULL;
            }
        }
        j->size = valid;
    }
    j->synced_seq = j->written_seq;
    return j;
}

void journal_close(struct journal *j)
{
    if (j == NULL)
        return;
    for (size_t i = 0; i < j->n_maps; i++)
        munmap(j->maps[i].p, j->maps[i].len);
    if (j->fd >= 0)
        close(j->fd);
    pthread_cond_destroy(&j->synced_cv);
    pthread_mutex_destroy(&j->mu);
    free(j->path);
    free(j);
}

long journal_replay(struct journal *j, uint64_t upto_seq, journal_record_fn fn, void *ctx,
                    struct err *e)
{
    pthread_mutex_lock(&j->mu);
    size_t len = (size_t)j->size;
    pthread_mutex_unlock(&j->mu);
    if (len == 0)
        return 0;
    if (j->n_maps == sizeof j->maps / sizeof j->maps[0])
        return err_set(e, "%s: too many replays in one process", j->path);
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, j->fd, 0);
    if (map == MAP_FAILED)
        return err_set(e, "%s: cannot map: %s", j->path, strerror(errno));
    j->maps[j->n_maps].p = map;
    j->maps[j->n_maps++].len = len;
    long records = 0;
    uint64_t last = 0;
    int failed = 0;
    walk(map, len, upto_seq, fn, ctx, &records, &last, &failed);
    if (failed)
        return err_set(e, "%s: replay stopped at record %llu", j->path,
                       (unsigned long long)last + 1);
    return records;
}

int journal_append(struct journal *j, const char *source, const char *data, size_t len,
                   uint64_t *seq, struct err *e)
{
    if (len > JOURNAL_MAX_RECORD)
        return err_set(e, "%s: a batch of %zu bytes is too large", j->path, len);
    char header[HEADER_MAX];
    uint64_t s = j->written_seq + 1;
    int hn = snprintf(header, sizeof header, "#wj1 %" PRIu64 " %.16s %zu %" PRIx64 "\n", s, source,
                      len, hash_bytes(data, len, 0x6a6f));
    struct iovec iov[2] = {{header, (size_t)hn}, {(void *)data, len}};
    size_t want = (size_t)hn + len, done = 0;
    while (done < want) {
        ssize_t w;
        if (done == 0) {
            w = writev(j->fd, iov, 2);
        } else if (done < (size_t)hn) {
            struct iovec rest[2] = {{header + done, (size_t)hn - done}, {(void *)data, len}};
            w = writev(j->fd, rest, 2);
        } else {
            w = write(j->fd, data + (done - (size_t)hn), want - done);
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            /* Cut off what was written, so the journal ends on a whole record. */
            int saved = errno;
            if (ftruncate(j->fd, (off_t)j->size) != 0)
                log_error("%s: cannot cut off a failed append: %s", j->path, strerror(errno));
            return err_set(e, "%s: cannot append: %s", j->path, strerror(saved));
        }
        done += (size_t)w;
    }
    pthread_mutex_lock(&j->mu);
    j->size += want;
    j->written_seq = s;
    pthread_mutex_unlock(&j->mu);
    *seq = s;
    return 0;
}

int journal_sync(struct journal *j, uint64_t seq, struct err *e)
{
    pthread_mutex_lock(&j->mu);
    while (j->synced_seq < seq) {
        if (j->syncing) {
            pthread_cond_wait(&j->synced_cv, &j->mu);
            continue;
        }
        j->syncing = 1;
        uint64_t target = j->written_seq;
        pthread_mutex_unlock(&j->mu);
        int rc = fdatasync(j->fd);
        int saved = errno;
        pthread_mutex_lock(&j->mu);
        j->syncing = 0;
        if (rc == 0 && target > j->synced_seq)
            j->synced_seq = target;
        pthread_cond_broadcast(&j->synced_cv);
        if (rc != 0) {
            pthread_mutex_unlock(&j->mu);
            return err_set(e, "%s: cannot sync: %s", j->path, strerror(saved));
        }
    }
    pthread_mutex_unlock(&j->mu);
    return 0;
}

uint64_t journal_synced(struct journal *j)
{
    pthread_mutex_lock(&j->mu);
    uint64_t s = j->synced_seq;
    pthread_mutex_unlock(&j->mu);
    return s;
}

uint64_t journal_bytes(struct journal *j)
{
    return j->size;
}
