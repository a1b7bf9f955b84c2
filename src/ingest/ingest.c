/*
 * ingest.c - event files to one ordered, validated, de-duplicated stream.
 *
 * Each file is a `source`: a mapped file read line by line into its reorder buffer. A
 * source may hand out its smallest event only once it has read an event at least
 * `reorder_ms` later, or reached its end; so lines up to `reorder_ms` out of order within
 * a file come out in order. The buffer is a pool of parsed events plus small keys
 * (timestamp, line, pool slot), so that ordering moves 16 bytes rather than a whole struct
 * event; an event is copied once, out of its slot, when it leaves. The keys of lines that
 * arrive in order (about 99% of them) are queued, those of late lines go to a min-heap,
 * and the smaller of the queue's front and the heap's top is the smallest: the order of a
 * heap alone at the cost of a queue. A second min-heap of keys (timestamp, file, line)
 * over the sources' smallest events is the k-way merge. Ties are broken by (file, line)
 * so the order is total and runs are reproducible bit for bit.
 *
 * The merge runs AHEAD events ahead of the duplicate filter: each event taken from it
 * stays in its pool slot for that long while the slots that the filter and the reference
 * lookups will read for it are fetched into cache. The events are filtered in the same
 * order as they leave the merge, so this changes nothing but the waiting.
 *
 * Duplicates: at-least-once delivery repeats an event with the same id, and the copy
 * carries the same timestamp, so after the merge copies meet within moments of event
 * time. The filter remembers the 64-bit hash of every id with the event time it was
 * first seen; an id counts as a repeat when its event time lies within `dedupe_window_ms`
 * of that. Whenever the map has doubled since the last sweep, ids first seen more than a
 * window before the earliest event among the last 65,536 to 131,072 arrivals are swept
 * out, in place, so on time-ordered input memory is bounded by twice the ids of one
 * window plus 131,072, not by the length of the log; input in disorder keeps as much more
 * as its disorder spans. Two different ids with the same 64-bit hash inside one window
 * would be miscounted as a duplicate: about 1 in 10^7 at a million events per window.
 * The table indexes the ids by a 32-bit fingerprint in 8-byte slots (see "duplicates"),
 * checked against the whole hash, so that it answers as a map from the hash would.
 *
 * An event older than one already emitted (beyond the reorder bound) is still emitted,
 * and counted as `late`; detection tolerates it.
 */
#include "ingest/ingest.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

/* A reorder-buffer key: the event's order within its file, and where it is pooled. */
struct rkey {
    int64_t ts_ms;
    uint32_t line_no;
    uint32_t slot; /* index into source.pool */
};

/* A merge key: a source's smallest event, in the order across files. */
struct mkey {
    int64_t ts_ms;
    uint32_t line_no;
    uint32_t src; /* source index, which is also the events' file_no */
};

/* What the lines of one file repeat, remembered to skip work: the day number of the last
 * "YYYY-MM-DDT" timestamp prefix that ts_parse_rfc3339 accepted, the last few
 * subject_type texts with their parsed values, and the last system name with its index.
 * Each is a pure function of the text. */
enum { STYPE_CACHE = 4, SYS_CACHE_MAX = 64 };
struct parse_cache {
    char date[11];
    uint8_t date_valid;
    uint8_t stype_next; /* the entry to replace next */
    int64_t days;
    struct {
        uint8_t len; /* 0 = empty */
        uint8_t type;
        char text[14];
    } stype[STYPE_CACHE];
    uint32_t sys_len; /* 0 = empty; filled by ingest_next */
    uint16_t sys_id;
    char sys_name[SYS_CACHE_MAX];
};

struct source {
    char *rel_path; /* "events/NAME.jsonl" */
    struct mapped_file f;
    uint64_t off; /* file offset of the next line */
    /* The read window (see source_window): file bytes [buf_off, buf_off + buf_len) in
     * `buf`, read with pread from `fd`. fd < 0: the mapping is read directly. */
    int fd;
    char *buf;
    uint64_t buf_off;
    size_t buf_len;
    uint64_t line;
    /* The buffered events by (ts_ms, line_no): those that came in order are a queue,
     * `run` (a ring of run_cap, a power of two, from run_first); the rest, lines that came
     * late, a min-heap. n counts both. */
    struct rkey *run;
    size_t run_first, n_run, run_cap;
    struct rkey *heap;
    size_t n_heap, cap;
    size_t n;
    struct event *pool; /* buffered events; slots neither buffered nor ahead are free */
    size_t pool_len, pool_cap;
    uint32_t *free_slot;
    size_t n_free;
    int64_t max_ts;
    uint16_t file_no;
    uint8_t eof;
    const char *released; /* pages before this were handed back to the kernel */
    struct parse_cache cache;
};

/* An event taken from the merge but not yet through the duplicate filter: it stays in its
 * source's pool slot until it leaves (see pull). */
struct ahead {
    uint32_t src, slot;
};
enum { AHEAD = 4 };

struct ingest {
    struct ingest_config cfg;
    struct ref *ref;
    reject_fn on_reject;
    void *reject_ctx;
    struct source *src;
    size_t n_src;
    struct mkey *merge; /* heap of the sources' smallest events */
    size_t n_merge;
    struct ahead ahead[AHEAD]; /* the next events in merge order, a ring */
    uint32_t ahead_first, n_ahead;
    struct dedupe seen;
    int64_t last_ts;
    int primed;
    struct ingest_stats stats;
    struct line_parser parser;
};

void ingest_config_defaults(struct ingest_config *cfg)
{
    cfg->reorder_ms = 15 * 60 * 1000LL;
    cfg->dedupe_window_ms = 24 * 3600 * 1000LL;
}

/* ---- event order -------------------------------------------------------------------- */

/* Within one file: the file is the same, so (ts, line) decides. */
static inline bool rkey_less(const struct rkey *a, const struct rkey *b)
{
    if (a->ts_ms != b->ts_ms)
        return a->ts_ms < b->ts_ms;
    return a->line_no < b->line_no;
}

/* Across files: (ts, file, line). */
static inline bool mkey_less(const struct mkey *a, const struct mkey *b)
{
    if (a->ts_ms != b->ts_ms)
        return a->ts_ms < b->ts_ms;
    if (a->src != b->src)
        return a->src < b->src;
    return a->line_no < b->line_no;
}

static inline bool points_into(const char *p, const char *lo, size_t n)
{
    return (uintptr_t)p - (uintptr_t)lo < n;
}

/* Copy *src to *dst, keeping dst's texts pointing at dst's own inline_text. */
static void event_move(struct event *dst, const struct event *src)
{
    memcpy(dst, src, sizeof *dst);
    struct text *t[] = {&dst->user_text, &dst->subject_text, &dst->case_text, &dst->system_text};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (points_into(t[i]->p, src->inline_text, sizeof src->inline_text))
            t[i]->p = dst->inline_text + (t[i]->p - src->inline_text);
    if (points_into(dst->id, src->inline_text, sizeof src->inline_text))
        dst->id = dst->inline_text + (dst->id - src->inline_text);
}

/* A free pool slot of `s` to read an event into; give it back with pool_return or
 * buffer it with buffer_push. Growing the pool moves the events, so their inline texts
 * are moved with event_move. */
static uint32_t pool_take(struct source *s)
{
    if (s->n_free > 0)
        return s->free_slot[--s->n_free];
    if (s->pool_len == s->pool_cap) {
        size_t ncap = s->pool_cap ? 2 * s->pool_cap : 64;
        struct event *pool = xcalloc(ncap, sizeof *pool); /* every slot moved is defined */
        for (size_t i = 0; i < s->pool_len; i++)
            event_move(&pool[i], &s->pool[i]);
        free(s->pool);
        s->pool = pool;
        s->pool_cap = ncap;
        s->free_slot = xrealloc(s->free_slot, ncap * sizeof *s->free_slot);
    }
    return (uint32_t)s->pool_len++;
}

static void pool_return(struct source *s, uint32_t slot)
{
    s->free_slot[s->n_free++] = slot; /* room: the array is as long as the pool */
}

/* The smallest buffered event of `s` (s->n > 0): the front of the run or the top of the
 * heap. */
static inline const struct rkey *buffer_top(const struct source *s)
{
    if (s->n_run > 0 && (s->n_heap == 0 || rkey_less(&s->run[s->run_first], &s->heap[0])))
        return &s->run[s->run_first];
    return &s->heap[0];
}

/* Buffer the event in `slot` (its file_no and line_no set). A line later than the last
 * one queued joins the run, which keeps its order for free; most lines do, so the heap
 * stays small. The smallest of both is the smallest buffered event either way, so the
 * order out is the same as with the heap alone. */
static void buffer_push(struct source *s, uint32_t slot)
{
    const struct event *ev = &s->pool[slot];
    struct rkey key = {ev->ts_ms, ev->line_no, slot};
    s->n++;
    if (s->n_run == 0 ||
        rkey_less(&s->run[(s->run_first + s->n_run - 1) & (s->run_cap - 1)], &key)) {
        if (s->n_run == s->run_cap) {
            size_t ncap = s->run_cap ? 2 * s->run_cap : 64;
            struct rkey *run = xmalloc(ncap * sizeof *run);
            for (size_t i = 0; i < s->n_run; i++)
                run[i] = s->run[(s->run_first + i) & (s->run_cap - 1)];
            free(s->run);
            s->run = run;
            s->run_cap = ncap;
            s->run_first = 0;
        }
        s->run[(s->run_first + s->n_run++) & (s->run_cap - 1)] = key;
        return;
    }
    if (s->n_heap == s->cap)
        s->heap = xgrow(s->heap, &s->cap, s->n_heap + 1, sizeof *s->heap);
    size_t i = s->n_heap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!rkey_less(&key, &s->heap[parent]))
            break;
        s->heap[i] = s->heap[parent];
        i = parent;
    }
    s->heap[i] = key;
}

/* Take the smallest buffered event of `s` (s->n > 0) out of the buffer. Returns its pool
 * slot, which stays taken until pool_return. */
static uint32_t buffer_take(struct source *s)
{
    s->n--;
    const struct rkey *top = buffer_top(s);
    uint32_t slot = top->slot;
    if (top != s->heap) {
        s->run_first = (s->run_first + 1) & (s->run_cap - 1);
        s->n_run--;
        return slot;
    }
    struct rkey last = s->heap[--s->n_heap];
    size_t i = 0, n = s->n_heap;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        const struct rkey *best = &last;
        if (l < n && rkey_less(&s->heap[l], best))
            m = l, best = &s->heap[l];
        if (l + 1 < n && rkey_less(&s->heap[l + 1], best))
            m = l + 1;
        if (m == i)
            break;
        s->heap[i] = s->heap[m];
        i = m;
    }
    if (n > 0)
        s->heap[i] = last;
    return slot;
}

/* ---- one line to one event ---------------------------------------------------------- */

static void reject(struct ingest *in, struct source *s, enum reject_reason why, const char *raw,
                   size_t n)
{
    in->stats.malformed++;
    in->stats.by_reason[why]++;
    if (in->on_reject != NULL)
        in->on_reject(in->reject_ctx, s->rel_path, s->line, why, raw, n);
}

/* The text of field `f`, decoded into `buf` when it holds escapes. Returns the length, or
 * -1 when it is too long or holds a NUL. */
static int field_text(const struct field *f, char *buf, size_t cap, const char **out)
{
    *out = f->p;
    if (!f->esc) {
        if (f->n > INGEST_MAX_FIELD)
            return -1;
        *out = f->p;
        return (int)f->n;
    }
    int n = scan_unescape(f, buf, cap);
    *out = buf;
    return n;
}

static struct text keep_text(struct line_parser *lp, const struct field *f, const char *txt, int n)
{
    struct text t = {txt, (uint32_t)n};
    if (f->esc)
        t.p = arena_strndup(&lp->strings, txt, (size_t)n);
    return t;
}

static enum action action_parse(const char *s, size_t n)
{
    for (int a = 0; a < ACT_OTHER; a++) {
        const char *name = ingest_action_name((enum action)a);
        /* The first byte rules out most names before the length is taken; n > 0 here. */
        if (name[0] == s[0] && strnlen(name, n + 1) == n && memcmp(name, s, n) == 0)
            return (enum action)a;
    }
    return ACT_OTHER;
}

static inline unsigned digit(char c)
{
    return (unsigned)(unsigned char)c - '0';
}

/* Two decimal digits, or a value above 99 when either is not a digit. */
static inline unsigned two_digits(const char *s)
{
    unsigned a = digit(s[0]), b = digit(s[1]);
    return a > 9 || b > 9 ? 100 : a * 10 + b;
}

/* ts_parse_rfc3339 with a shortcut for "YYYY-MM-DDTHH:MM:SS" followed by "Z" or "+hh:mm"
 * when the date is the one `c` holds: only the time of day is read and checked (with the
 * same limits and arithmetic as ts_parse_rfc3339). Anything else takes the full parser,
 * whose accepted dates refresh the cache. `c` may be NULL. */
static int ts_parse(struct parse_cache *c, const char *s, size_t n, int64_t *out_ms)
{
    if (c != NULL && c->date_valid && (n == 20 || n == 25) && memcmp(s, c->date, 11) == 0 &&
        s[13] == ':' && s[16] == ':') {
        unsigned h = two_digits(s + 11), mi = two_digits(s + 14), sec = two_digits(s + 17);
        bool ok;
        int off = 0;
        if (n == 20) {
            ok = s[19] == 'Z' || s[19] == 'z';
        } else {
            unsigned oh = two_digits(s + 20), om = two_digits(s + 23);
            ok = (s[19] == '+' || s[19] == '-') && s[22] == ':' && oh <= 23 && om <= 59;
            off = (int)((oh * 60 + om) * 60);
            if (s[19] == '-')
                off = -off;
        }
        if (ok && h <= 23 && mi <= 59 && sec <= 60) {
            if (sec == 60) /* a leap second is folded into the last second of the minute */
                sec = 59;
            int64_t secs = c->days * 86400 + (int64_t)(h * 3600 + mi * 60 + sec) - off;
            *out_ms = secs * 1000;
            return 0;
        }
    }
    if (ts_parse_rfc3339(s, n, out_ms) != 0)
        return -1;
    if (c != NULL) {
        /* Accepted, so s[0..10] is a valid date followed by the date-time separator. */
        int64_t y = digit(s[0]) * 1000 + digit(s[1]) * 100 + digit(s[2]) * 10 + digit(s[3]);
        memcpy(c->date, s, 11);
        c->days = days_from_civil(y, two_digits(s + 5), two_digits(s + 8));
        c->date_valid = 1;
    }
    return 0;
}

/* ref_subject_type_parse through the cache. */
static uint8_t stype_parse(struct parse_cache *c, const char *s, size_t n)
{
    if (c == NULL)
        return (uint8_t)ref_subject_type_parse(s, n);
    for (int i = 0; i < STYPE_CACHE; i++)
        if (n > 0 && n == c->stype[i].len && memcmp(s, c->stype[i].text, n) == 0)
            return c->stype[i].type;
    uint8_t t = (uint8_t)ref_subject_type_parse(s, n);
    if (n > 0 && n <= sizeof c->stype[0].text) {
        int i = c->stype_next;
        c->stype_next = (uint8_t)((i + 1) % STYPE_CACHE);
        memcpy(c->stype[i].text, s, n);
        c->stype[i].len = (uint8_t)n;
        c->stype[i].type = t;
    }
    return t;
}

/* The checks and decoding of ingest_parse_line after the scan, with the repeats of one
 * file remembered in `c` (may be NULL). */
static int parse_fields(struct line_parser *lp, struct parse_cache *c, const struct raw_event *rw,
                        struct event *ev, enum reject_reason *why)
{
    static const enum ev_field required[] = {F_ID, F_TS, F_USER, F_SYSTEM, F_ACTION};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        if (!rw->f[required[i]].present || rw->f[required[i]].n == 0) {
            *why = REJ_MISSING_FIELD;
            return -1;
        }
    }
    const char *txt;
    char *buf = lp->scratch;
    const size_t cap = INGEST_MAX_FIELD;
    int len;

    len = field_text(&rw->f[F_TS], buf, cap, &txt);
    if (len < 0 || ts_parse(c, txt, (size_t)len, &ev->ts_ms) != 0) {
        *why = REJ_BAD_TIMESTAMP;
        return -1;
    }
    len = field_text(&rw->f[F_ACTION], buf, cap, &txt);
    if (len <= 0) {
        *why = REJ_BAD_VALUE;
        return -1;
    }
    ev->action = (uint8_t)action_parse(txt, (size_t)len);
    bool record = ev->action != ACT_LOGIN && ev->action != ACT_LOGOUT;
    if (record && (!rw->f[F_SUBJECT].present || rw->f[F_SUBJECT].n == 0 ||
                   !rw->f[F_SUBJECT_TYPE].present || rw->f[F_SUBJECT_TYPE].n == 0)) {
        *why = REJ_MISSING_FIELD;
        return -1;
    }

    /* All checks that can reject a line are done above or in the text decoding below;
     * decode into separate parts of the scratch buffer so earlier texts stay valid. */
    const char *user, *system, *id;
    int user_n = field_text(&rw->f[F_USER], buf, cap, &user);
    int sys_n = field_text(&rw->f[F_SYSTEM], buf + cap, cap, &system);
    int id_n = field_text(&rw->f[F_ID], buf + 2 * cap, cap, &id);
    if (user_n <= 0 || sys_n <= 0 || id_n <= 0) {
        *why = REJ_BAD_VALUE;
        return -1;
    }
    const char *subj = NULL, *stype = NULL;
    int subj_n = 0, stype_n = 0;
    if (rw->f[F_SUBJECT].present && rw->f[F_SUBJECT].n > 0) {
        subj_n = field_text(&rw->f[F_SUBJECT], buf + 3 * cap, cap, &subj);
        if (subj_n <= 0) {
            *why = REJ_BAD_VALUE;
            return -1;
        }
    }
    char stype_buf[64];
    if (rw->f[F_SUBJECT_TYPE].present && rw->f[F_SUBJECT_TYPE].n > 0) {
        stype_n = field_text(&rw->f[F_SUBJECT_TYPE], stype_buf, sizeof stype_buf, &stype);
        if (stype_n < 0)
            stype_n = 0, stype = "";
    }

    /* From here on the line is valid. Texts that held escapes were decoded into the
     * scratch buffer, which the next line reuses: keep those in the arena. */
    ev->user_text = keep_text(lp, &rw->f[F_USER], user, user_n);
    ev->user_hash = strmap_hash(ev->user_text.p, ev->user_text.n);
    ev->system_text = keep_text(lp, &rw->f[F_SYSTEM], system, sys_n);
    ev->id = rw->f[F_ID].esc ? arena_strndup(&lp->strings, id, (size_t)id_n) : id;
    ev->id_kept = ev->id;
    ev->id_len = (uint32_t)id_n;
    ev->id_hash = dedupe_hash(ev->id, ev->id_len);
    ev->subject_text = subj ? keep_text(lp, &rw->f[F_SUBJECT], subj, subj_n) : (struct text){0};
    ev->subject_type = subj ? stype_parse(c, stype, (size_t)stype_n) : (uint8_t)ST_NONE;
    ev->subject_hash = subj ? strmap_hash(ev->subject_text.p, ev->subject_text.n) : 0;
    ev->case_text = (struct text){0};
    ev->case_hash = 0;
    if (rw->f[F_CASE].present && rw->f[F_CASE].n > 0) {
        const char *cs;
        int cn = field_text(&rw->f[F_CASE], buf, cap, &cs);
        /* Blanks are no case number: a form left empty, not a false one. */
        int blank = 0;
        while (blank < cn && (cs[blank] == ' ' || cs[blank] == '\t'))
            blank++;
        if (cn > blank) {
            ev->case_text = keep_text(lp, &rw->f[F_CASE], cs, cn);
            ev->case_hash = strmap_hash(ev->case_text.p, ev->case_text.n);
        }
    }
    /* The workstation is kept only as a hash: indicators compare terminals, none shows one. */
    ev->terminal_hash = 0;
    if (rw->f[F_TERMINAL].present && !rw->f[F_TERMINAL].is_null && rw->f[F_TERMINAL].n > 0) {
        const char *term;
        int term_n = field_text(&rw->f[F_TERMINAL], buf, cap, &term);
        if (term_n > 0)
            ev->terminal_hash = strmap_hash(term, (size_t)term_n) | 1;
    }
    ev->user = ev->subject = ev->legit = REF_NONE;
    ev->looked_up = 0;
    ev->system = 0;
    ev->channel = CH_UNKNOWN;
    if (rw->f[F_CHANNEL].present) {
        const struct field *f = &rw->f[F_CHANNEL];
        if (f->n == 6 && memcmp(f->p, "mobile", 6) == 0)
            ev->channel = CH_MOBILE;
        else if (f->n == 7 && memcmp(f->p, "desktop", 7) == 0)
            ev->channel = CH_DESKTOP;
        else if (f->n > 0)
            ev->channel = CH_OTHER;
    }
    ev->wildcard = 0;
    if (rw->f[F_QUERY].present) {
        const struct field *f = &rw->f[F_QUERY];
        ev->wildcard = memchr(f->p, '*', f->n) != NULL || memchr(f->p, '?', f->n) != NULL ||
                       memchr(f->p, '%', f->n) != NULL;
    }
    ev->results = rw->has_results
                      ? (rw->results > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)rw->results)
                      : 0;
    ev->file_no = 0;
    ev->line_no = 0;
    return 0;
}

int ingest_parse_line(struct line_parser *lp, const char *line, size_t n, struct event *ev,
                      enum reject_reason *why)
{
    struct raw_event raw;
    if (n > INGEST_MAX_LINE) {
        *why = REJ_LINE_TOO_LONG;
        return -1;
    }
    if (scan_event(line, n, &raw, why) != 0)
        return -1;
    return parse_fields(lp, NULL, &raw, ev, why);
}

/* ---- reading a file ------------------------------------------------------------------
 * Lines are scanned in a read window: a buffer filled with pread, which the scanner then
 * walks in cache. Scanning the mapping instead costs a page fault and TLB misses every few
 * kilobytes, which measured more than the scanning itself. The mapping stays, because
 * event ids must outlive the window (signals quote them long after): texts an event keeps
 * point into the mapping, or into the event's own inline_text when they are short and
 * only needed until resolving. A line longer than the window is read from the mapping.
 * Past MAX_BUFFERED files the rest are read from their mappings: open files and buffers
 * stay bounded. */
#ifndef INGEST_WINDOW_BYTES /* the fuzz build makes it tiny: lines cross its edge often */
#define INGEST_WINDOW_BYTES (64 << 10)
#endif
enum { WINDOW = INGEST_WINDOW_BYTES, MAX_BUFFERED = 64 };

/* Hand pages far behind the read position back to the kernel, so that resident memory
 * does not grow with the size of the event files. The mapping is private and read-only:
 * a page touched again later (an event id quoted as evidence) is read back from the
 * file, so pointers into the mapping stay valid. */
static void release_read(struct source *s)
{
    enum { RELEASE_STEP = 64 << 20 };
    const char *pos = s->f.data + s->off;
    if (!s->f.is_mapped || pos - s->released < 2 * RELEASE_STEP)
        return;
    const char *upto = pos - RELEASE_STEP;
    uintptr_t from = ((uintptr_t)s->released + 4095) & ~(uintptr_t)4095;
    uintptr_t to = (uintptr_t)upto & ~(uintptr_t)4095;
    if (to > from)
        madvise((void *)from, to - from, MADV_DONTNEED);
    s->released = upto;
}

static void window_close(struct source *s)
{
    if (s->fd >= 0)
        close(s->fd);
    free(s->buf);
    s->buf = NULL;
    s->fd = -1;
}

/* Fill the window from the read position on. A read error or a file that shrank falls
 * back to the mapping, which then reports what it finds. */
static void window_fill(struct source *s)
{
    size_t want = s->f.size - s->off < WINDOW ? (size_t)(s->f.size - s->off) : WINDOW;
    size_t got = 0;
    while (got < want) {
        ssize_t r = pread(s->fd, s->buf + got, want - got, (off_t)(s->off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            window_close(s);
            return;
        }
        got += (size_t)r;
    }
    s->buf_off = s->off;
    s->buf_len = got;
}

/* The bytes from the read position on: *base is such that base + offset addresses file
 * offset `offset`, *end the end of what may be read there. Returns whether that is the
 * window; it is the mapping when `use_map` is set or the file has no window. */
static bool source_window(struct source *s, bool use_map, const char **base, const char **end)
{
    if (s->fd >= 0 && !use_map) {
        if (s->buf == NULL)
            s->buf = xmalloc(WINDOW);
        if (s->buf_len == 0 || s->off >= s->buf_off + s->buf_len)
            window_fill(s);
    }
    if (s->fd >= 0 && !use_map) {
        *base = s->buf - s->buf_off;
        *end = s->buf + s->buf_len;
        return true;
    }
    *base = s->f.data;
    *end = s->f.data + s->f.size;
    return false;
}

/* Make the texts of `ev`, read in the window [lo, lo + n), outlive it: short ones are
 * copied into the event, the rest point into the mapping (`base` as source_window). The
 * id is copied too when it fits, and id_kept points into the mapping. */
static void keep_beyond_window(const struct source *s, const char *base, const char *lo, size_t n,
                               struct event *ev)
{
    struct text id = {ev->id, ev->id_len};
    struct text *t[] = {&ev->user_text, &ev->subject_text, &ev->case_text, &ev->system_text, &id};
    size_t used = 0;
    for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
        if (!points_into(t[i]->p, lo, n))
            continue; /* absent, or decoded into the arena */
        if (t[i]->n <= sizeof ev->inline_text - used) {
            memcpy(ev->inline_text + used, t[i]->p, t[i]->n);
            t[i]->p = ev->inline_text + used;
            used += t[i]->n;
        } else {
            t[i]->p = s->f.data + (t[i]->p - base);
        }
    }
    if (points_into(ev->id_kept, lo, n))
        ev->id_kept = s->f.data + (ev->id_kept - base);
    ev->id = id.p;
}

/* Read lines until the reorder buffer may hand out its smallest event. */
static void source_fill(struct ingest *in, struct source *s)
{
    while (!s->eof && (s->n == 0 || s->max_ts - buffer_top(s)->ts_ms < in->cfg.reorder_ms)) {
        if (s->off >= s->f.size) {
            s->eof = 1;
            window_close(s);
            break;
        }
        release_read(s);
        const char *base, *end;
        bool windowed, use_map = false;
    again:
        windowed = source_window(s, use_map, &base, &end);
        const char *line = base + s->off;
        if (s->off == 0 && end - line >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
            line += 3;
        /* Scan first, finding the line's end on the way; only a line that fails needs a
         * search for its end. The scan looks no further than a line may be long (plus a
         * '\r' and one byte), so a longer line costs no more than a rejected one. */
        const char *limit = end - line > INGEST_MAX_LINE + 2 ? line + INGEST_MAX_LINE + 2 : end;
        struct raw_event raw;
        enum reject_reason why;
        const char *stop;
        int rc = scan_line(line, limit, &raw, &why, &stop);
        const char *eol = stop;
        if (rc != 0 || stop == limit) {
            eol = memchr(stop, '\n', (size_t)(end - stop));
            if (eol == NULL && windowed && s->buf_off + s->buf_len < s->f.size) {
                /* The line goes on past the window: read again from its start, or, when
                 * it is longer than the window, scan it again in the mapping. */
                if (s->buf_off < s->off)
                    window_fill(s);
                else
                    use_map = true;
                goto again;
            }
            if (eol == NULL)
                eol = end;
        }
        s->off = (uint64_t)((eol < end ? eol + 1 : end) - base);
        s->line++;
        size_t n = (size_t)(eol - line);
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (n == 0)
            continue;
        in->stats.lines++;
        if (n > INGEST_MAX_LINE)
            rc = -1, why = REJ_LINE_TOO_LONG;
        uint32_t slot = pool_take(s);
        struct event *ev = &s->pool[slot];
        if (rc != 0 || parse_fields(&in->parser, &s->cache, &raw, ev, &why) != 0) {
            pool_return(s, slot);
            reject(in, s, why, line, n);
            continue;
        }
        if (windowed)
            keep_beyond_window(s, base, s->buf, s->buf_len, ev);
        ev->file_no = s->file_no;
        ev->line_no = (uint32_t)(s->line > UINT32_MAX ? UINT32_MAX : s->line);
        if (ev->ts_ms > s->max_ts)
            s->max_ts = ev->ts_ms;
        buffer_push(s, slot);
    }
}

/* ---- the merge ---------------------------------------------------------------------- */

static void merge_push(struct ingest *in, uint32_t si)
{
    const struct rkey *top = buffer_top(&in->src[si]);
    struct mkey key = {top->ts_ms, top->line_no, si};
    size_t i = in->n_merge++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!mkey_less(&key, &in->merge[parent]))
            break;
        in->merge[i] = in->merge[parent];
        i = parent;
    }
    in->merge[i] = key;
}

/* Put `key` in place of the root and sift it down. */
static void merge_sift_down(struct ingest *in, struct mkey key)
{
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        const struct mkey *best = &key;
        if (l < in->n_merge && mkey_less(&in->merge[l], best))
            m = l, best = &in->merge[l];
        if (l + 1 < in->n_merge && mkey_less(&in->merge[l + 1], best))
            m = l + 1;
        if (m == i)
            break;
        in->merge[i] = in->merge[m];
        i = m;
    }
    in->merge[i] = key;
}

/* Drop the root (its source is empty for now). */
static void merge_pop(struct ingest *in)
{
    struct mkey last = in->merge[--in->n_merge];
    if (in->n_merge > 0)
        merge_sift_down(in, last);
}

/* The root's source has a new smallest event: its key replaces the root's, in one sift
 * rather than a pop and a push. The keys are those a pop and a push leave, and no two
 * are equal, so the order out is the same. */
static void merge_replace_top(struct ingest *in)
{
    uint32_t si = in->merge[0].src;
    const struct rkey *top = buffer_top(&in->src[si]);
    merge_sift_down(in, (struct mkey){top->ts_ms, top->line_no, si});
}

/* ---- duplicates ---------------------------------------------------------------------
 * The ids sit in an array in order of arrival, indexed by an open-addressing table
 * (linear probing, at most 70% full) of 8-byte slots: 0 when empty, else the top 32 bits
 * of the id's hash (its fingerprint) and its position in the array plus one. Every event
 * reads one random slot, almost always of an id not seen before; half the 16 bytes that a
 * slot holding hash and time took puts twice as many of them in the cache. A fingerprint
 * that matches is confirmed against the whole 64-bit hash in the array, so a fingerprint
 * shared by two hashes changes nothing: the filter answers as a map from the hash would.
 * The array is appended to, in the order of memory; it is read at random only for a
 * matching fingerprint, which is a repeat or one in 2^32. (Positions fit in 32 bits: the
 * array would take 64 GiB before they did not.) */

static inline uint32_t dd_tag(uint64_t h)
{
    return (uint32_t)(h >> 32);
}

/* The slot that holds hash `h`, or the empty one where it would go: *found tells which. */
static inline size_t dd_slot(const struct dedupe *d, uint64_t h, bool *found)
{
    size_t mask = d->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint64_t sl = d->slots[i];
        if (sl == 0) {
            *found = false;
            return i;
        }
        if ((uint32_t)(sl >> 32) == dd_tag(h) && d->ids[(uint32_t)sl - 1].hash == h) {
            *found = true;
            return i;
        }
    }
}

/* Index every remembered id afresh in `cap` slots (a power of two above count / 0.7). The
 * table is reused when it has that size already: fresh memory costs a page fault a page. */
static void dd_reindex(struct dedupe *d, size_t cap)
{
    if (cap != d->cap) {
        free(d->slots);
        d->slots = xcalloc(cap, sizeof *d->slots);
        d->cap = cap;
    } else {
        memset(d->slots, 0, cap * sizeof *d->slots);
    }
    size_t mask = cap - 1;
    for (size_t k = 0; k < d->count; k++) {
        uint64_t h = d->ids[k].hash;
        size_t i = h & mask;
        while (d->slots[i] != 0)
            i = (i + 1) & mask;
        d->slots[i] = (uint64_t)dd_tag(h) << 32 | (k + 1);
    }
}

/* Drop the ids first seen before `horizon`, keeping the others in order, and index the
 * rest; once the map has grown to twice what was kept last time. The table keeps its
 * size unless a burst left it far too large. */
static void sweep(struct dedupe *d, int64_t horizon)
{
    size_t kept = 0;
    for (size_t k = 0; k < d->count; k++)
        if (d->ids[k].first_ms >= horizon)
            d->ids[kept++] = d->ids[k];
    d->count = kept;
    d->sweep_at = 2 * kept > 4096 ? 2 * kept : 4096;
    size_t cap = d->cap;
    if (cap > 8 * d->sweep_at) {
        cap = 1024;
        while (cap * 7 < d->sweep_at * 10)
            cap *= 2;
        d->ids_cap = d->sweep_at;
        d->ids = xrealloc(d->ids, d->ids_cap * sizeof *d->ids);
    }
    dd_reindex(d, cap);
}

uint64_t dedupe_hash(const char *id, size_t n)
{
    uint64_t h = hash_bytes(id, n, 0x5eed);
    return h ? h : 1;
}

/* Arrivals per epoch: enough that a Kafka partition read in large batches, or one that
 * lags behind the others, still shows up in every epoch or the one before. */
enum { DEDUPE_EPOCH = 1 << 16 };

bool dedupe_repeat(struct dedupe *d, uint64_t h, int64_t ts_ms)
{
    if (!d->started) {
        d->low_now = d->low_last = INT64_MAX;
        d->started = true;
        d->sweep_at = 4096;
        dd_reindex(d, 1024);
    }
    if (ts_ms < d->low_now)
        d->low_now = ts_ms;
    if (++d->epoch_n == DEDUPE_EPOCH) {
        d->low_last = d->low_now;
        d->low_now = INT64_MAX;
        d->epoch_n = 0;
    }
    bool found;
    size_t i = dd_slot(d, h, &found);
    if (found) {
        struct dedupe_id *first = &d->ids[(uint32_t)d->slots[i] - 1];
        int64_t apart = ts_ms - first->first_ms;
        if (apart <= d->window_ms && apart >= -d->window_ms)
            return true;
        first->first_ms = ts_ms; /* the same id long after: a new event */
        return false;
    }
    if (d->count >= d->sweep_at) {
        /* Ids first seen more than a window before everything that arrived in the last
         * two epochs are what the input will not repeat, if it is roughly in time order;
         * input in disorder (partitions read unevenly) holds the horizon back. */
        int64_t low = d->low_now < d->low_last ? d->low_now : d->low_last;
        if (low != INT64_MAX) {
            sweep(d, low - d->window_ms);
            i = dd_slot(d, h, &found);
        }
    }
    if ((d->count + 1) * 10 > d->cap * 7) {
        dd_reindex(d, 2 * d->cap);
        i = dd_slot(d, h, &found);
    }
    if (d->count == d->ids_cap)
        d->ids = xgrow(d->ids, &d->ids_cap, d->count + 1, sizeof *d->ids);
    d->ids[d->count] = (struct dedupe_id){h, ts_ms};
    d->slots[i] = (uint64_t)dd_tag(h) << 32 | ++d->count;
    return false;
}

/* Start fetching the slot that dedupe_repeat will read first for hash `h`. */
static inline void dedupe_prefetch(const struct dedupe *d, uint64_t h)
{
    if (d->cap != 0)
        __builtin_prefetch(&d->slots[h & (d->cap - 1)]);
}

void dedupe_free(struct dedupe *d)
{
    free(d->ids);
    free(d->slots);
    memset(d, 0, sizeof *d);
}

void ingest_prefetch(const struct ref *ref, const struct event *ev)
{
    if (ev->looked_up) { /* what detection reads first about the record */
        if (ev->subject != REF_NONE)
            __builtin_prefetch(&ref->subj[ev->subject]);
        if (ev->legit != REF_NONE && ev->user != REF_NONE) { /* checking the typed case */
            u64map_prefetch(&ref->member, ref_pair(ev->legit, ev->user));
            if (ev->subject != REF_NONE)
                u64map_prefetch(&ref->case_subj, ref_pair(ev->legit, ev->subject));
        }
    } else if (ev->subject_text.p != NULL) {
        strmap_prefetch(&ref->subj_by_id, ev->subject_hash);
    }
}

void ingest_prefetch_behind(const struct ref *ref, const struct event *ev)
{
    if (!ev->looked_up || ev->subject == REF_NONE)
        return;
    const struct subject *sj = &ref->subj[ev->subject];
    if (sj->behind_bits != 0 && sj->household != REF_NONE)
        __builtin_prefetch(&ref->household_residents[sj->household]);
    if (sj->cases_n != 0 && ev->user != REF_NONE) { /* its cases, to find in the user's */
        __builtin_prefetch(&ref->subject_cases[sj->cases_off]);
        const struct employee *em = &ref->emp[ev->user];
        if (em->cases_n > 1)
            __builtin_prefetch(&ref->user_cases[em->cases_off + em->cases_n / 2 - 1]);
    }
}

void ingest_prefetch_residents(const struct ref *ref, const struct event *ev)
{
    if (!ev->looked_up || ev->subject == REF_NONE)
        return;
    const struct subject *sj = &ref->subj[ev->subject];
    if (sj->behind_bits == 0 || sj->household == REF_NONE)
        return;
    const uint32_t *res;
    uint32_t n = ref_household_residents(ref, sj->household, &res);
    for (uint32_t i = 0; i < n && i < 4; i++)
        __builtin_prefetch(&ref->subj[res[i]]);
}

/* ingest_resolve with the system index already known. */
static inline void resolve(struct ref *ref, struct event *ev, uint16_t system)
{
    ev->system = system;
    if (!ev->looked_up || ev->user == REF_NONE)
        ev->user = ref_employee_h(ref, ev->user_text.p, ev->user_text.n, ev->user_hash);
    if (ev->subject_text.p != NULL && (!ev->looked_up || ev->subject == REF_NONE))
        ev->subject = ref_subject_h(ref, ev->subject_text.p, ev->subject_text.n, ev->subject_hash,
                                    (enum subject_type)ev->subject_type);
    if (ev->case_text.p != NULL && (!ev->looked_up || ev->legit == REF_NONE))
        ev->legit = ref_case_h(ref, ev->case_text.p, ev->case_text.n, ev->case_hash);
}

void ingest_resolve(struct ref *ref, struct event *ev)
{
    resolve(ref, ev, ref_system(ref, ev->system_text.p, ev->system_text.n));
}

void ingest_lookup(const struct ref *ref, struct event *ev)
{
    ev->user = ref_loaded_employee(ref, ev->user_text.p, ev->user_text.n, ev->user_hash);
    ev->subject =
        ev->subject_text.p != NULL
            ? ref_loaded_subject(ref, ev->subject_text.p, ev->subject_text.n, ev->subject_hash)
            : REF_NONE;
    ev->legit = ev->case_text.p != NULL
                    ? ref_loaded_case(ref, ev->case_text.p, ev->case_text.n, ev->case_hash)
                    : REF_NONE;
    ev->looked_up = 1;
}

/* ref_system through the cache of the event's file: a system's index never changes once
 * given, and the events of one file mostly name one system. */
static uint16_t cached_system(struct ingest *in, const struct event *ev)
{
    struct parse_cache *c = &in->src[ev->file_no].cache;
    const struct text *t = &ev->system_text;
    if (t->n == c->sys_len && memcmp(t->p, c->sys_name, t->n) == 0)
        return c->sys_id;
    uint16_t id = ref_system(in->ref, t->p, t->n);
    if (t->n <= sizeof c->sys_name) {
        memcpy(c->sys_name, t->p, t->n);
        c->sys_len = t->n;
        c->sys_id = id;
    }
    return id;
}

/* Prime every source and the merge. Done on the first read rather than in ingest_open,
 * so that the reject callback sees every malformed line after the caller is ready. */
static void prime(struct ingest *in)
{
    in->primed = 1;
    for (size_t i = 0; i < in->n_src; i++) {
        source_fill(in, &in->src[i]);
        if (in->src[i].n > 0)
            merge_push(in, (uint32_t)i);
    }
}

/* Take the next event in merge order into the lookahead ring, and start fetching what
 * the duplicate filter and, with `ref`, resolving will read about it: AHEAD events later
 * it is likely in cache. The same source's next event, parsed up to a reorder span ago,
 * is fetched too, for when the merge takes from this source again. Returns false when
 * the merge is empty. */
static bool pull(struct ingest *in, const struct ref *ref, bool owner)
{
    if (in->n_merge == 0)
        return false;
    uint32_t si = in->merge[0].src;
    struct source *s = &in->src[si];
    uint32_t slot = buffer_take(s);
    source_fill(in, s); /* may move the pool: `ev` is taken after it */
    if (s->n > 0) {
        merge_replace_top(in);
        const struct event *next = &s->pool[buffer_top(s)->slot];
        __builtin_prefetch(next);
        __builtin_prefetch(&next->id_hash);
    } else {
        merge_pop(in);
    }
    const struct event *ev = &s->pool[slot];
    dedupe_prefetch(&in->seen, ev->id_hash);
    if (ref != NULL) {
        strmap_prefetch(&ref->emp_by_user, ev->user_hash);
        if (ev->subject_text.p != NULL) {
            strmap_prefetch(&ref->subj_by_id, ev->subject_hash);
            if (owner && ref->subj_later.count > 0)
                strmap_prefetch(&ref->subj_later, ev->subject_hash);
        }
        if (ev->case_text.p != NULL) {
            strmap_prefetch(&ref->case_by_id, ev->case_hash);
            if (owner && ref->case_later.count > 0)
                strmap_prefetch(&ref->case_later, ev->case_hash);
        }
    }
    in->ahead[(in->ahead_first + in->n_ahead++) % AHEAD] = (struct ahead){si, slot};
    return true;
}

/* ingest_next_raw, prefetching for the reference lookups when `ref` is given: in the
 * tables as loaded, and on the thread that owns `ref` (`owner`) also in the tables of
 * values interned later, which only that thread may read. The events pass the duplicate
 * filter in merge order, AHEAD behind the merge. */
static int next_event(struct ingest *in, struct event *ev, const struct ref *ref, bool owner)
{
    if (!in->primed)
        prime(in);
    for (;;) {
        while (in->n_ahead < AHEAD && pull(in, ref, owner))
            ;
        if (in->n_ahead == 0)
            return 0;
        struct ahead a = in->ahead[in->ahead_first];
        in->ahead_first = (in->ahead_first + 1) % AHEAD;
        in->n_ahead--;
        struct source *s = &in->src[a.src];
        const struct event *pe = &s->pool[a.slot];
        bool repeat = dedupe_repeat(&in->seen, pe->id_hash, pe->ts_ms);
        if (!repeat)
            event_move(ev, pe);
        pool_return(s, a.slot);
        if (repeat) {
            in->stats.duplicates++;
            continue;
        }
        if (ev->ts_ms < in->last_ts)
            in->stats.late++;
        else
            in->last_ts = ev->ts_ms;
        in->stats.events++;
        return 1;
    }
}

int ingest_next_raw(struct ingest *in, struct event *ev)
{
    return next_event(in, ev, NULL, false);
}

int ingest_next_looked_up(struct ingest *in, struct event *ev, const struct ref *ref)
{
    if (!next_event(in, ev, ref, false))
        return 0;
    if (ref != NULL)
        ingest_lookup(ref, ev);
    return 1;
}

int ingest_next(struct ingest *in, struct event *ev)
{
    if (!next_event(in, ev, in->ref, true))
        return 0;
    resolve(in->ref, ev, cached_system(in, ev));
    return 1;
}

/* ---- opening ------------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct ingest *ingest_open(const char *dataset, const struct ingest_config *cfg, struct ref *ref,
                           reject_fn on_reject, void *reject_ctx, struct err *e)
{
    size_t dlen = strlen(dataset) + 16;
    char *dir = xmalloc(dlen);
    snprintf(dir, dlen, "%s/events", dataset);
    DIR *d = opendir(dir);
    if (d == NULL) {
        err_set(e, "%s: cannot read the events directory: %s", dir, strerror(errno));
        free(dir);
        return NULL;
    }
    char **names = NULL;
    size_t n_names = 0, cap_names = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        if (n > 6 && strcmp(de->d_name + n - 6, ".jsonl") == 0 && de->d_name[0] != '.') {
            names = xgrow(names, &cap_names, n_names + 1, sizeof *names);
            names[n_names++] = xstrdup(de->d_name);
        }
    }
    closedir(d);
    if (n_names > 1)
        qsort(names, n_names, sizeof *names, cmp_str);

    struct ingest *in = xcalloc(1, sizeof *in);
    in->cfg = *cfg;
    in->seen.window_ms = cfg->dedupe_window_ms;
    in->ref = ref;
    in->on_reject = on_reject;
    in->reject_ctx = reject_ctx;
    in->last_ts = INT64_MIN;
    if (n_names > INGEST_MAX_FILES) {
        err_set(e, "%s: %zu event files, more than the %d supported", dir, n_names,
                INGEST_MAX_FILES);
        goto fail;
    }
    in->src = xcalloc(n_names ? n_names : 1, sizeof *in->src);
    in->merge = xcalloc(n_names ? n_names : 1, sizeof *in->merge);
    for (size_t i = 0; i < n_names; i++) {
        struct source *s = &in->src[in->n_src++];
        size_t pn = strlen(names[i]) + 8;
        s->rel_path = xmalloc(pn);
        snprintf(s->rel_path, pn, "events/%s", names[i]);
        size_t fn = strlen(dir) + strlen(names[i]) + 2;
        char *full = xmalloc(fn);
        snprintf(full, fn, "%s/%s", dir, names[i]);
        s->fd = -1;
        int rc = file_map(full, &s->f, e);
        if (rc == 0 && s->f.is_mapped && i < MAX_BUFFERED)
            s->fd = open(full, O_RDONLY | O_CLOEXEC); /* without it the mapping is read */
        free(full);
        if (rc != 0)
            goto fail;
        s->released = s->f.data;
        s->max_ts = INT64_MIN;
        s->file_no = (uint16_t)i;
    }
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    free(dir);
    return in;
fail:
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    free(dir);
    ingest_close(in);
    return NULL;
}

const struct ingest_stats *ingest_stats(const struct ingest *in)
{
    return &in->stats;
}

size_t ingest_file_count(const struct ingest *in)
{
    return in->n_src;
}

void ingest_close(struct ingest *in)
{
    if (in == NULL)
        return;
    for (size_t i = 0; i < in->n_src; i++) {
        free(in->src[i].rel_path);
        free(in->src[i].heap);
        free(in->src[i].run);
        free(in->src[i].pool);
        free(in->src[i].free_slot);
        window_close(&in->src[i]);
        file_unmap(&in->src[i].f);
    }
    free(in->src);
    free(in->merge);
    dedupe_free(&in->seen);
    arena_free(&in->parser.strings);
    free(in);
}
