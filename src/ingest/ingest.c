/*
 * ingest.c - event files to one ordered, validated, de-duplicated stream.
 *
 * Each file is a `source`: a mapped file read line by line into a min-heap (its reorder
 * buffer). A source may hand out its smallest event only once it has read an event at
 * least `reorder_ms` later, or reached its end; so lines up to `reorder_ms` out of order
 * within a file come out in order. A second min-heap over the sources' smallest events is
 * the k-way merge. Ties are broken by (file, line) so the order is total and runs are
 * reproducible bit for bit.
 *
 * Duplicates: at-least-once delivery repeats an event with the same id, and the copy
 * carries the same timestamp, so after the merge copies meet within moments of event
 * time. The filter remembers the 64-bit hash of every id for `dedupe_window_ms` of event
 * time (a FIFO of (hash, ts) drives eviction), so memory is bounded by the event rate
 * times the window, not by the length of the log. Two different ids with the same 64-bit
 * hash inside one window would be miscounted as a duplicate: about 1 in 10^7 at a
 * million events per window.
 *
 * An event older than one already emitted (beyond the reorder bound) is still emitted,
 * and counted as `late`; detection tolerates it.
 */
#include "ingest/ingest.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct source {
    char *rel_path; /* "events/NAME.jsonl" */
    struct mapped_file f;
    const char *pos, *end;
    uint64_t line;
    struct event *heap;
    size_t n, cap;
    int64_t max_ts;
    uint16_t file_no;
    uint8_t eof;
    const char *released; /* pages before this were handed back to the kernel */
};


struct ingest {
    struct ingest_config cfg;
    struct ref *ref;
    reject_fn on_reject;
    void *reject_ctx;
    struct source *src;
    size_t n_src;
    uint32_t *merge; /* heap of source indexes by their smallest event */
    size_t n_merge;
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

static inline bool ev_less(const struct event *a, const struct event *b)
{
    if (a->ts_ms != b->ts_ms)
        return a->ts_ms < b->ts_ms;
    if (a->file_no != b->file_no)
        return a->file_no < b->file_no;
    return a->line_no < b->line_no;
}

static void heap_push(struct source *s, const struct event *ev)
{
    s->heap = xgrow(s->heap, &s->cap, s->n + 1, sizeof *s->heap);
    size_t i = s->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!ev_less(ev, &s->heap[parent]))
            break;
        s->heap[i] = s->heap[parent];
        i = parent;
    }
    s->heap[i] = *ev;
}

static void heap_pop(struct source *s, struct event *out)
{
    *out = s->heap[0];
    struct event last = s->heap[--s->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        const struct event *best = &last;
        if (l < s->n && ev_less(&s->heap[l], best))
            m = l, best = &s->heap[l];
        if (l + 1 < s->n && ev_less(&s->heap[l + 1], best))
            m = l + 1;
        if (m == i)
            break;
        s->heap[i] = s->heap[m];
        i = m;
    }
    if (s->n > 0)
        s->heap[i] = last;
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
        if (strlen(name) == n && memcmp(name, s, n) == 0)
            return (enum action)a;
    }
    return ACT_OTHER;
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
    static const enum ev_field required[] = {F_ID, F_TS, F_USER, F_SYSTEM, F_ACTION};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        if (!raw.f[required[i]].present || raw.f[required[i]].n == 0) {
            *why = REJ_MISSING_FIELD;
            return -1;
        }
    }
    const char *txt;
    char *buf = lp->scratch;
    const size_t cap = INGEST_MAX_FIELD;
    int len;

    len = field_text(&raw.f[F_TS], buf, cap, &txt);
    if (len < 0 || ts_parse_rfc3339(txt, (size_t)len, &ev->ts_ms) != 0) {
        *why = REJ_BAD_TIMESTAMP;
        return -1;
    }
    len = field_text(&raw.f[F_ACTION], buf, cap, &txt);
    if (len <= 0) {
        *why = REJ_BAD_VALUE;
        return -1;
    }
    ev->action = (uint8_t)action_parse(txt, (size_t)len);
    bool record = ev->action != ACT_LOGIN && ev->action != ACT_LOGOUT;
    if (record && (!raw.f[F_SUBJECT].present || raw.f[F_SUBJECT].n == 0 ||
                   !raw.f[F_SUBJECT_TYPE].present || raw.f[F_SUBJECT_TYPE].n == 0)) {
        *why = REJ_MISSING_FIELD;
        return -1;
    }

    /* All checks that can reject a line are done above or in the text decoding below;
     * decode into separate parts of the scratch buffer so earlier texts stay valid. */
    const char *user, *system, *id;
    int user_n = field_text(&raw.f[F_USER], buf, cap, &user);
    int sys_n = field_text(&raw.f[F_SYSTEM], buf + cap, cap, &system);
    int id_n = field_text(&raw.f[F_ID], buf + 2 * cap, cap, &id);
    if (user_n <= 0 || sys_n <= 0 || id_n <= 0) {
        *why = REJ_BAD_VALUE;
        return -1;
    }
    const char *subj = NULL, *stype = NULL;
    int subj_n = 0, stype_n = 0;
    if (raw.f[F_SUBJECT].present && raw.f[F_SUBJECT].n > 0) {
        subj_n = field_text(&raw.f[F_SUBJECT], buf + 3 * cap, cap, &subj);
        if (subj_n <= 0) {
            *why = REJ_BAD_VALUE;
            return -1;
        }
    }
    char stype_buf[64];
    if (raw.f[F_SUBJECT_TYPE].present && raw.f[F_SUBJECT_TYPE].n > 0) {
        stype_n = field_text(&raw.f[F_SUBJECT_TYPE], stype_buf, sizeof stype_buf, &stype);
        if (stype_n < 0)
            stype_n = 0, stype = "";
    }

    /* From here on the line is valid. Texts that held escapes were decoded into the
     * scratch buffer, which the next line reuses: keep those in the arena. */
    ev->user_text = keep_text(lp, &raw.f[F_USER], user, user_n);
    ev->user_hash = strmap_hash(ev->user_text.p, ev->user_text.n);
    ev->system_text = keep_text(lp, &raw.f[F_SYSTEM], system, sys_n);
    ev->id = raw.f[F_ID].esc ? arena_strndup(&lp->strings, id, (size_t)id_n) : id;
    ev->id_len = (uint32_t)id_n;
    ev->subject_text = subj ? keep_text(lp, &raw.f[F_SUBJECT], subj, subj_n) : (struct text){0};
    ev->subject_type = (uint8_t)(subj ? ref_subject_type_parse(stype, (size_t)stype_n) : ST_NONE);
    ev->subject_hash = subj ? strmap_hash(ev->subject_text.p, ev->subject_text.n) : 0;
    ev->case_text = (struct text){0};
    if (raw.f[F_CASE].present && raw.f[F_CASE].n > 0) {
        const char *cs;
        int cn = field_text(&raw.f[F_CASE], buf, cap, &cs);
        if (cn > 0)
            ev->case_text = keep_text(lp, &raw.f[F_CASE], cs, cn);
    }
    ev->user = ev->subject = ev->legit = REF_NONE;
    ev->system = 0;
    ev->channel = CH_UNKNOWN;
    if (raw.f[F_CHANNEL].present) {
        const struct field *f = &raw.f[F_CHANNEL];
        if (f->n == 6 && memcmp(f->p, "mobile", 6) == 0)
            ev->channel = CH_MOBILE;
        else if (f->n == 7 && memcmp(f->p, "desktop", 7) == 0)
            ev->channel = CH_DESKTOP;
        else if (f->n > 0)
            ev->channel = CH_OTHER;
    }
    ev->wildcard = 0;
    if (raw.f[F_QUERY].present) {
        const struct field *f = &raw.f[F_QUERY];
        ev->wildcard = memchr(f->p, '*', f->n) != NULL || memchr(f->p, '?', f->n) != NULL ||
                       memchr(f->p, '%', f->n) != NULL;
    }
    ev->results = raw.has_results
                      ? (raw.results > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)raw.results)
                      : 0;
    ev->file_no = 0;
    ev->line_no = 0;
    return 0;
}

/* Hand pages far behind the read position back to the kernel, so that resident memory
 * does not grow with the size of the event files. The mapping is private and read-only:
 * a page touched again later (an event id quoted as evidence) is read back from the
 * file, so pointers into the mapping stay valid. */
static void release_read(struct source *s)
{
    enum { RELEASE_STEP = 64 << 20 };
    if (!s->f.is_mapped || s->pos - s->released < 2 * RELEASE_STEP)
        return;
    const char *upto = s->pos - RELEASE_STEP;
    uintptr_t from = ((uintptr_t)s->released + 4095) & ~(uintptr_t)4095;
    uintptr_t to = (uintptr_t)upto & ~(uintptr_t)4095;
    if (to > from)
        madvise((void *)from, to - from, MADV_DONTNEED);
    s->released = upto;
}

/* Read lines until the reorder buffer may hand out its smallest event. */
static void source_fill(struct ingest *in, struct source *s)
{
    while (!s->eof && (s->n == 0 || s->max_ts - s->heap[0].ts_ms < in->cfg.reorder_ms)) {
        if (s->pos >= s->end) {
            s->eof = 1;
            break;
        }
        release_read(s);
        const char *line = s->pos;
        const char *nl = memchr(line, '\n', (size_t)(s->end - line));
        const char *stop = nl ? nl : s->end;
        s->pos = nl ? nl + 1 : s->end;
        s->line++;
        size_t n = (size_t)(stop - line);
        if (n > 0 && line[n - 1] == '\r')
            n--;
        if (s->line == 1 && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
            line += 3, n -= 3;
        if (n == 0)
            continue;
        in->stats.lines++;
        struct event ev;
        enum reject_reason why;
        if (ingest_parse_line(&in->parser, line, n, &ev, &why) != 0) {
            reject(in, s, why, line, n);
            continue;
        }
        ev.file_no = s->file_no;
        ev.line_no = (uint32_t)(s->line > UINT32_MAX ? UINT32_MAX : s->line);
        if (ev.ts_ms > s->max_ts)
            s->max_ts = ev.ts_ms;
        heap_push(s, &ev);
    }
}

/* ---- the merge ---------------------------------------------------------------------- */

static bool src_less(const struct ingest *in, uint32_t a, uint32_t b)
{
    return ev_less(&in->src[a].heap[0], &in->src[b].heap[0]);
}

static void merge_push(struct ingest *in, uint32_t si)
{
    size_t i = in->n_merge++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!src_less(in, si, in->merge[parent]))
            break;
        in->merge[i] = in->merge[parent];
        i = parent;
    }
    in->merge[i] = si;
}

static uint32_t merge_pop(struct ingest *in)
{
    uint32_t top = in->merge[0];
    uint32_t last = in->merge[--in->n_merge];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        uint32_t best = last;
        if (l < in->n_merge && src_less(in, in->merge[l], best))
            m = l, best = in->merge[l];
        if (l + 1 < in->n_merge && src_less(in, in->merge[l + 1], best))
            m = l + 1;
        if (m == i)
            break;
        in->merge[i] = in->merge[m];
        i = m;
    }
    if (in->n_merge > 0)
        in->merge[i] = last;
    return top;
}

/* ---- duplicates --------------------------------------------------------------------- */

static void fifo_push(struct dedupe *d, uint64_t hash, int64_t ts)
{
    if (d->fifo_len == d->fifo_cap) {
        size_t ncap = d->fifo_cap ? d->fifo_cap * 2 : 4096;
        struct dedupe_seen *n = xmalloc(ncap * sizeof *n);
        for (size_t i = 0; i < d->fifo_len; i++)
            n[i] = d->fifo[(d->fifo_head + i) % d->fifo_cap];
        free(d->fifo);
        d->fifo = n;
        d->fifo_cap = ncap;
        d->fifo_head = 0;
    }
    d->fifo[(d->fifo_head + d->fifo_len++) % d->fifo_cap] = (struct dedupe_seen){hash, ts};
}

/* Forget ids whose first sighting left the window. A key enters the map only with its
 * own FIFO entry (repeats are not inserted), so the expiring entry owns the key. */
static void forget_old(struct dedupe *d, int64_t now)
{
    while (d->fifo_len > 0) {
        struct dedupe_seen *old = &d->fifo[d->fifo_head];
        if (old->ts_ms >= now - d->window_ms)
            break;
        u64map_del(&d->ids, old->hash);
        d->fifo_head = (d->fifo_head + 1) % d->fifo_cap;
        d->fifo_len--;
    }
}

bool dedupe_repeat(struct dedupe *d, const char *id, size_t n, int64_t ts_ms)
{
    uint64_t h = hash_bytes(id, n, 0x5eed);
    if (h == 0)
        h = 1;
    forget_old(d, ts_ms);
    if (!u64map_add(&d->ids, h, 0))
        return true;
    fifo_push(d, h, ts_ms);
    return false;
}

void dedupe_free(struct dedupe *d)
{
    free(d->fifo);
    u64map_free(&d->ids);
    memset(d, 0, sizeof *d);
}

void ingest_prefetch(const struct ref *ref, const struct event *ev)
{
    if (ev->subject_text.p != NULL)
        strmap_prefetch(&ref->subj_by_id, ev->subject_hash);
}

void ingest_resolve(struct ref *ref, struct event *ev)
{
    ev->user = ref_employee_h(ref, ev->user_text.p, ev->user_text.n, ev->user_hash);
    ev->system = ref_system(ref, ev->system_text.p, ev->system_text.n);
    ev->subject = ev->subject_text.p != NULL
                      ? ref_subject_h(ref, ev->subject_text.p, ev->subject_text.n, ev->subject_hash,
                                      (enum subject_type)ev->subject_type)
                      : REF_NONE;
    ev->legit =
        ev->case_text.p != NULL ? ref_case(ref, ev->case_text.p, ev->case_text.n) : REF_NONE;
}

int ingest_next(struct ingest *in, struct event *ev)
{
    if (!ingest_next_raw(in, ev))
        return 0;
    ingest_resolve(in->ref, ev);
    return 1;
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

int ingest_next_raw(struct ingest *in, struct event *ev)
{
    if (!in->primed)
        prime(in);
    while (in->n_merge > 0) {
        uint32_t si = merge_pop(in);
        struct source *s = &in->src[si];
        heap_pop(s, ev);
        source_fill(in, s);
        if (s->n > 0)
            merge_push(in, si);
        if (dedupe_repeat(&in->seen, ev->id, ev->id_len, ev->ts_ms)) {
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
    return 0;
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
        int rc = file_map(full, &s->f, e);
        free(full);
        if (rc != 0)
            goto fail;
        s->pos = s->f.data;
        s->end = s->f.data + s->f.size;
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
        file_unmap(&in->src[i].f);
    }
    free(in->src);
    free(in->merge);
    dedupe_free(&in->seen);
    arena_free(&in->parser.strings);
    free(in);
}
