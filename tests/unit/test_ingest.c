/*
 * test_ingest.c - unit tests of the event stream (ingest/ingest.c): reordering within a
 * file, the merge across files, duplicates, and malformed lines.
 *
 * Why: the contract (data-format.md, cli.md) says files are each roughly sorted but not
 * sorted against each other, delivery is at-least-once, and malformed lines are set aside
 * with file, line and reason, never dropped silently; and `lines = events + duplicates +
 * malformed` must hold exactly. The test writes a temporary dataset with two event files
 * whose expected output is known line by line, plus files that must be ignored.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "ingest/ingest.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int setup(void **state)
{
    (void)state;
    if (tmpdir_make("ingest") != 0)
        return -1;
    char p[128];
    snprintf(p, sizeof p, "%s/events", dir);
    return mkdir(p, 0755);
}

static int teardown(void **state)
{
    (void)state;
    return tmpdir_remove();
}

struct rejected {
    char file[64];
    uint64_t line;
    enum reject_reason why;
    size_t raw_len;
};

struct rejects {
    struct rejected r[32];
    size_t n;
};

static void on_reject(void *ctx, const char *file, uint64_t line, enum reject_reason why,
                      const char *raw, size_t raw_len)
{
    struct rejects *rs = ctx;
    assert_true(rs->n < 32);
    struct rejected *r = &rs->r[rs->n++];
    snprintf(r->file, sizeof r->file, "%s", file);
    r->line = line;
    r->why = why;
    r->raw_len = raw_len;
    assert_non_null(raw);
}

#define EV(id, ts, extra)                                                                          \
    "{\"id\":\"" id "\",\"ts\":\"" ts "\",\"user\":\"U1\",\"system\":\"BVH\","                     \
    "\"action\":\"query\",\"subject_type\":\"person\",\"subject\":\"P1\"" extra "}\n"

static void write_events(void)
{
    write_file("events/a.jsonl", EV("a1", "2025-03-30T01:00:00+01:00", "") /* 1 */
               EV("a3", "2025-03-30T01:05:00+01:00", "")                   /* 2 */
               EV("a2", "2025-03-30T01:02:00+01:00", ",\"case\":\"C-1\"")  /* 3 */
               "\n"                                                        /* 4 */
               EV("a1", "2025-03-30T01:00:00+01:00", "")                   /* 5 dup */
               "{\"id\":\"bad\",\"ts\":\n"                                 /* 6 */
               "{\"id\":\"m1\",\"ts\":\"2025-03-30T01:00:00Z\",\"system\":\"S\","
               "\"action\":\"login\"}\n" /* 7 */
               "{\"id\":\"t1\",\"ts\":\"2025-03-30 01:00:00\",\"user\":\"U1\","
               "\"system\":\"S\",\"action\":\"login\"}\n" /* 8 */
               "{\"id\":\"w1\",\"ts\":\"2025-03-30T01:00:00Z\",\"user\":5,"
               "\"system\":\"S\",\"action\":\"login\"}\n" /* 9 */
               "{\"id\":\"e1\",\"ts\":\"2025-03-30T01:00:00Z\",\"user\":\"\","
               "\"system\":\"S\",\"action\":\"login\"}\n" /* 10 */
               "{\"id\":\"s1\",\"ts\":\"2025-03-30T01:00:00Z\",\"user\":\"U1\","
               "\"system\":\"S\",\"action\":\"view\"}\n" /* 11 */
               "{\"id\":\"a4\",\"ts\":\"2025-03-30T03:00:00+02:00\",\"user\":\"U2\","
               "\"system\":\"BVH\",\"action\":\"logout\"}\r\n" /* 12 */
               EV("a\\u0035", "2025-03-30T01:06:00+01:00",
                  ",\"results\":3,\"case\":\" \\t\"")); /* 13: a blank case is none */
    char *big = xmalloc(INGEST_MAX_LINE + 200);
    int n = snprintf(big, 200,
                     "{\"id\":\"b3\",\"ts\":\"2025-03-30T01:00:00Z\",\"user\":\"U1\","
                     "\"system\":\"S\",\"action\":\"login\",\"query\":\"");
    memset(big + n, 'x', INGEST_MAX_LINE);
    strcpy(big + n + INGEST_MAX_LINE, "\"}\n");
    struct sbuf b = {0};
    sbuf_puts(&b, EV("b1", "2025-03-30T00:59:00+01:00", "") /* 1 */
              EV("a3", "2025-03-30T01:05:00+01:00", "")     /* 2 dup across files */
              EV("b2", "2025-03-30T01:02:00+01:00", ""));   /* 3 */
    sbuf_puts(&b, big);                                     /* 4 too long */
    write_file("events/b.jsonl", b.buf);
    sbuf_free(&b);
    free(big);
    /* Not event files: ignored. */
    write_file("events/notes.txt", "not an event file\n");
    write_file("events/.hidden.jsonl", "garbage\n");
}

static struct ingest *open_ingest(struct ref *ref, struct rejects *rs, int64_t reorder_ms)
{
    struct ingest_config cfg;
    ingest_config_defaults(&cfg);
    if (reorder_ms >= 0)
        cfg.reorder_ms = reorder_ms;
    struct err e = {{0}};
    struct ingest *in = ingest_open(dir, &cfg, ref, on_reject, rs, &e);
    if (in == NULL)
        fail_msg("ingest_open: %s", e.msg);
    return in;
}

static void test_merge_order_dupes_rejects(void **state)
{
    (void)state;
    write_events();
    struct ref ref;
    memset(&ref, 0, sizeof ref);
    struct rejects rs = {0};
    struct ingest *in = open_ingest(&ref, &rs, 10 * 60 * 1000);
    assert_int_equal(ingest_file_count(in), 2);

    static const char *const want[] = {"b1", "a1", "a2", "b2", "a3", "a5", "a4"};
    static const uint16_t want_file[] = {1, 0, 0, 1, 0, 0, 0};
    static const uint32_t want_line[] = {1, 1, 3, 3, 2, 13, 12};
    struct event ev;
    size_t k = 0;
    int64_t prev = INT64_MIN;
    while (ingest_next(in, &ev) == 1) {
        assert_true(k < 7);
        if (ev.id_len != strlen(want[k]) || memcmp(ev.id, want[k], ev.id_len) != 0)
            fail_msg("event %zu is '%.*s', want '%s'", k, (int)ev.id_len, ev.id, want[k]);
        assert_int_equal(ev.file_no, want_file[k]);
        assert_int_equal(ev.line_no, want_line[k]);
        assert_true(ev.ts_ms >= prev);
        prev = ev.ts_ms;
        k++;
        /* References are resolved. */
        if (strncmp(ev.id, "a4", 2) == 0) {
            assert_string_equal(ref.emp[ev.user].user, "U2");
            assert_int_equal(ev.action, ACT_LOGOUT);
            assert_int_equal(ev.subject, REF_NONE);
        } else {
            assert_string_equal(ref.emp[ev.user].user, "U1");
            assert_int_equal(ev.action, ACT_QUERY);
            assert_string_equal(ref.subj[ev.subject].id, "P1");
            assert_int_equal(ref.subj[ev.subject].type, ST_PERSON);
            assert_string_equal(ref_system_name(&ref, ev.system), "BVH");
        }
        if (strncmp(ev.id, "a2", 2) == 0)
            assert_string_equal(ref.cases[ev.legit].id, "C-1");
        else
            assert_int_equal(ev.legit, REF_NONE);
        if (strncmp(ev.id, "a5", 2) == 0)
            assert_int_equal(ev.results, 3);
    }
    assert_int_equal(k, 7);
    assert_int_equal(ingest_next(in, &ev), 0);

    const struct ingest_stats *st = ingest_stats(in);
    assert_int_equal(st->lines, 16);
    assert_int_equal(st->events, 7);
    assert_int_equal(st->duplicates, 2);
    assert_int_equal(st->malformed, 7);
    assert_int_equal(st->lines, st->events + st->duplicates + st->malformed);
    assert_int_equal(st->late, 0);
    assert_int_equal(st->by_reason[REJ_INVALID_JSON], 1);
    assert_int_equal(st->by_reason[REJ_MISSING_FIELD], 3);
    assert_int_equal(st->by_reason[REJ_BAD_TIMESTAMP], 1);
    assert_int_equal(st->by_reason[REJ_WRONG_TYPE], 1);
    assert_int_equal(st->by_reason[REJ_LINE_TOO_LONG], 1);

    /* Rejects come with file and line; sort-independent check. */
    assert_int_equal(rs.n, 7);
    static const struct {
        const char *file;
        uint64_t line;
        enum reject_reason why;
    } want_rej[] = {
        {"events/a.jsonl", 6, REJ_INVALID_JSON},   {"events/a.jsonl", 7, REJ_MISSING_FIELD},
        {"events/a.jsonl", 8, REJ_BAD_TIMESTAMP},  {"events/a.jsonl", 9, REJ_WRONG_TYPE},
        {"events/a.jsonl", 10, REJ_MISSING_FIELD}, {"events/a.jsonl", 11, REJ_MISSING_FIELD},
        {"events/b.jsonl", 4, REJ_LINE_TOO_LONG},
    };
    for (size_t i = 0; i < 7; i++) {
        bool found = false;
        for (size_t j = 0; j < rs.n && !found; j++)
            found = strcmp(rs.r[j].file, want_rej[i].file) == 0 &&
                    rs.r[j].line == want_rej[i].line && rs.r[j].why == want_rej[i].why;
        if (!found)
            fail_msg("reject %s:%llu %s not reported", want_rej[i].file,
                     (unsigned long long)want_rej[i].line, ingest_reason_name(want_rej[i].why));
    }
    for (size_t j = 0; j < rs.n; j++)
        if (rs.r[j].why == REJ_LINE_TOO_LONG)
            assert_true(rs.r[j].raw_len > INGEST_MAX_LINE);
    ingest_close(in);
    ref_free(&ref);
}

/* Disorder beyond the reorder bound is not put right; the event is emitted late and
 * counted, not lost. */
static void test_late_events(void **state)
{
    (void)state;
    write_file("events/a.jsonl",
               EV("x1", "2025-03-30T10:00:00Z", "") EV("x2", "2025-03-30T10:30:00Z", "")
                   EV("x3", "2025-03-30T10:29:00Z", "") /* 1 min: fixed */
               EV("x4", "2025-03-30T11:00:00Z", "")
                   EV("x5", "2025-03-30T10:20:00Z", "")); /* after x2 left: late */
    struct ref ref;
    memset(&ref, 0, sizeof ref);
    struct rejects rs = {0};
    struct ingest *in = open_ingest(&ref, &rs, 10 * 60 * 1000);
    static const char *const want[] = {"x1", "x3", "x2", "x5", "x4"};
    struct event ev;
    size_t k = 0;
    while (ingest_next(in, &ev) == 1) {
        assert_true(k < 5);
        assert_memory_equal(ev.id, want[k], 2);
        k++;
    }
    assert_int_equal(k, 5);
    assert_int_equal(ingest_stats(in)->events, 5);
    assert_int_equal(ingest_stats(in)->late, 1);
    assert_int_equal(rs.n, 0);
    ingest_close(in);
    ref_free(&ref);
}

static void test_empty_and_missing(void **state)
{
    (void)state;
    struct ref ref;
    memset(&ref, 0, sizeof ref);
    struct rejects rs = {0};
    /* An events directory without event files: an empty stream. */
    struct ingest *in = open_ingest(&ref, &rs, -1);
    struct event ev;
    assert_int_equal(ingest_file_count(in), 0);
    assert_int_equal(ingest_next(in, &ev), 0);
    assert_int_equal(ingest_stats(in)->lines, 0);
    ingest_close(in);
    /* An empty file and a file of blank lines count no lines. */
    write_file("events/e.jsonl", "");
    write_file("events/f.jsonl", "\n\r\n\n");
    in = open_ingest(&ref, &rs, -1);
    assert_int_equal(ingest_file_count(in), 2);
    assert_int_equal(ingest_next(in, &ev), 0);
    assert_int_equal(ingest_stats(in)->lines, 0);
    ingest_close(in);
    ingest_close(NULL);
    /* No events directory at all. */
    char other[128];
    snprintf(other, sizeof other, "%s/nowhere", dir);
    struct ingest_config cfg;
    ingest_config_defaults(&cfg);
    struct err e = {{0}};
    assert_null(ingest_open(other, &cfg, &ref, on_reject, &rs, &e));
    assert_non_null(strstr(e.msg, "nowhere/events"));
    ref_free(&ref);
}

/* The user and subject of event i of test_read_window: every 7th has texts too long to
 * keep inline in the event. */
static void window_texts(int i, char user[64], char subj[64])
{
    if (i % 7 == 0) {
        snprintf(user, 64, "USER-WITH-A-LONG-NAME-%06d", i % 50);
        snprintf(subj, 64, "SUBJECT-WITH-A-LONG-NAME-%06d", i);
    } else {
        snprintf(user, 64, "U%d", i % 50);
        snprintf(subj, 64, "P%d", i);
    }
}

/* Files are read through a window of 64 KiB, so lines cross its edge,
 * a line may be longer than what is left of it, and texts must outlive it: short ones are
 * kept in the event, long ones point into the mapping. Events with one timestamp stay
 * buffered until the end, so the pool grows (and moves) while holding them. */
static void test_read_window(void **state)
{
    (void)state;
    enum { N = 6000 };
    struct sbuf b = {0};
    char user[64], subj[64];
    for (int i = 0; i < N; i++) {
        window_texts(i, user, subj); /* every 1000th has a long query */
        sbuf_printf(&b,
                    "{\"id\":\"w%d\",\"ts\":\"2025-03-30T10:00:00Z\",\"user\":\"%s\","
                    "\"system\":\"BVH\",\"action\":\"query\",\"subject_type\":\"person\","
                    "\"subject\":\"%s\"",
                    i, user, subj);
        if (i % 1000 == 999) {
            sbuf_puts(&b, ",\"query\":\"");
            for (int k = 0; k < INGEST_MAX_LINE - 400; k++)
                sbuf_add(&b, "q", 1);
            sbuf_puts(&b, "\"");
        }
        sbuf_puts(&b, "}\n");
        if (i % 2500 == 1) { /* a line too long, wherever it falls */
            sbuf_puts(&b, "{\"id\":\"long\",\"query\":\"");
            for (int k = 0; k < INGEST_MAX_LINE + 10; k++)
                sbuf_add(&b, "z", 1);
            sbuf_puts(&b, "\"}\n");
        }
    }
    b.buf[--b.len] = '\0'; /* the last line, a long one, ends the file without a newline */
    write_file("events/w.jsonl", b.buf);
    assert_true(b.len > 4 * 256 * 1024);
    sbuf_free(&b);

    struct ref ref;
    memset(&ref, 0, sizeof ref);
    struct rejects rs = {0};
    struct ingest *in = open_ingest(&ref, &rs, -1);
    struct event ev;
    int k = 0;
    while (ingest_next(in, &ev) == 1) {
        char want_id[16];
        snprintf(want_id, sizeof want_id, "w%d", k);
        if (ev.id_len != strlen(want_id) || memcmp(ev.id, want_id, ev.id_len) != 0)
            fail_msg("event %d is '%.*s'", k, (int)ev.id_len, ev.id);
        window_texts(k, user, subj);
        assert_string_equal(ref.emp[ev.user].user, user);
        assert_string_equal(ref.subj[ev.subject].id, subj);
        assert_string_equal(ref_system_name(&ref, ev.system), "BVH");
        k++;
    }
    assert_int_equal(k, N);
    const struct ingest_stats *st = ingest_stats(in);
    assert_int_equal(st->events, N);
    assert_int_equal(st->malformed, 3);
    assert_int_equal(st->by_reason[REJ_LINE_TOO_LONG], 3);
    assert_int_equal(st->lines, N + 3);
    for (size_t j = 0; j < rs.n; j++)
        assert_true(rs.r[j].raw_len > INGEST_MAX_LINE);
    ingest_close(in);
    ref_free(&ref);
}

/* More files than get a read window of their own: the rest are read from their
 * mappings, with the same result. */
static void test_many_files(void **state)
{
    (void)state;
    enum { FILES = 80 };
    for (int f = 0; f < FILES; f++) {
        char name[64], body[512];
        snprintf(name, sizeof name, "events/f%02d.jsonl", f);
        snprintf(body, sizeof body,
                 "{\"id\":\"f%d-1\",\"ts\":\"2025-03-30T10:%02d:00Z\",\"user\":\"U%d\","
                 "\"system\":\"S\",\"action\":\"login\"}\n"
                 "{\"id\":\"f%d-2\",\"ts\":\"2025-03-30T11:%02d:00Z\",\"user\":\"U%d\","
                 "\"system\":\"S\",\"action\":\"logout\"}\n",
                 f, f % 60, f, f, f % 60, f);
        write_file(name, body);
    }
    struct ref ref;
    memset(&ref, 0, sizeof ref);
    struct rejects rs = {0};
    struct ingest *in = open_ingest(&ref, &rs, -1);
    assert_int_equal(ingest_file_count(in), FILES);
    struct event ev;
    int64_t prev = INT64_MIN;
    int k = 0;
    while (ingest_next(in, &ev) == 1) {
        assert_true(ev.ts_ms >= prev);
        prev = ev.ts_ms;
        char want[16];
        snprintf(want, sizeof want, "U%d", ev.file_no);
        assert_string_equal(ref.emp[ev.user].user, want);
        k++;
    }
    assert_int_equal(k, 2 * FILES);
    assert_int_equal(rs.n, 0);
    ingest_close(in);
    ref_free(&ref);
}

/* Files each in order but for lines displaced by up to five minutes either way (within
 * the reorder bound): the stream is exactly the order of (time, file, line), whether
 * resolved or not. Most lines arrive in order and a few late, as in real logs; both
 * paths through the reorder buffer are taken, in long runs and in bursts. */
static void test_disorder_within_bound(void **state)
{
    (void)state;
    enum { FILES = 3, LINES = 4000 };
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    for (int f = 0; f < FILES; f++) {
        struct sbuf b = {0};
        for (int i = 0; i < LINES; i++) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            /* Every 4th line of a burst of 200 is off by up to 5 minutes; between bursts
             * lines keep to their place. Seconds collide across files and lines. */
            int64_t s = 1743300000 + (int64_t)i * 7;
            if ((i / 200) % 2 == 1 && rng % 4 == 0)
                s += (int64_t)((rng >> 8) % 601) - 300;
            time_t t = (time_t)s;
            struct tm tm;
            gmtime_r(&t, &tm);
            char ts[32];
            strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
            sbuf_printf(&b,
                        "{\"id\":\"f%d-%d\",\"ts\":\"%s\",\"user\":\"U%d\",\"system\":\"S\","
                        "\"action\":\"login\"}\n",
                        f, i, ts, i % 50);
        }
        char name[64];
        snprintf(name, sizeof name, "events/d%d.jsonl", f);
        write_file(name, b.buf);
        sbuf_free(&b);
    }
    for (int resolved = 0; resolved <= 1; resolved++) {
        struct ref ref;
        memset(&ref, 0, sizeof ref);
        struct rejects rs = {0};
        struct ingest *in = open_ingest(&ref, &rs, -1);
        struct event ev;
        int64_t prev_ts = INT64_MIN;
        uint32_t prev_file = 0, prev_line = 0;
        int k = 0;
        while ((resolved ? ingest_next(in, &ev) : ingest_next_raw(in, &ev)) == 1) {
            bool after =
                ev.ts_ms > prev_ts ||
                (ev.ts_ms == prev_ts &&
                 (ev.file_no > prev_file || (ev.file_no == prev_file && ev.line_no > prev_line)));
            assert_true(k == 0 || after);
            char id[32];
            int n = snprintf(id, sizeof id, "f%u-%u", ev.file_no, ev.line_no - 1);
            assert_int_equal(ev.id_len, n);
            assert_memory_equal(ev.id, id, (size_t)n);
            prev_ts = ev.ts_ms, prev_file = ev.file_no, prev_line = ev.line_no;
            k++;
        }
        assert_int_equal(k, FILES * LINES);
        assert_int_equal(ingest_stats(in)->late, 0);
        assert_int_equal(rs.n, 0);
        ingest_close(in);
        ref_free(&ref);
    }
}

/* An id repeats while its first sighting lies within the window of the latest event
 * time; forgotten ids are swept out, and what is kept is still found after sweeps. */
static void test_dedupe_window(void **state)
{
    (void)state;
    struct dedupe d = {.window_ms = 1000};
    uint64_t a = dedupe_hash("a", 1), b = dedupe_hash("b", 1);
    assert_true(a != 0 && a != b);
    assert_false(dedupe_repeat(&d, a, 0));
    assert_true(dedupe_repeat(&d, a, 1000));  /* exactly the window: still a repeat */
    assert_false(dedupe_repeat(&d, b, 1500)); /* moves the latest time on */
    assert_false(dedupe_repeat(&d, a, 1400)); /* a late copy of a forgotten id is new */
    assert_true(dedupe_repeat(&d, a, 1450));
    /* Many ids over a long time: the map never holds more than twice the ids of one
     * window (1,000 here) plus two epochs of arrivals (65,536 each). */
    char id[32];
    size_t most = 0;
    for (int i = 0; i < 1000000; i++) {
        int n = snprintf(id, sizeof id, "id-%d", i);
        assert_false(dedupe_repeat(&d, dedupe_hash(id, (size_t)n), 2000 + i));
        if (i >= 10) { /* one seen 10 ms ago repeats */
            n = snprintf(id, sizeof id, "id-%d", i - 10);
            assert_true(dedupe_repeat(&d, dedupe_hash(id, (size_t)n), 2000 + i));
        }
        if (d.count > most)
            most = d.count;
    }
    assert_true(most <= 2 * (1000 + 2 * 65536) + 2);
    dedupe_free(&d);
}

#define XORSHIFT_SEED 88172645463325252ULL
#include "xorshift.h"

/* What dedupe_repeat must answer, as the filter did when it kept a map from the id hash
 * to the first sighting: the same epochs, sweep points and horizons, on a u64map with
 * the forgotten ids deleted one by one. */
struct dedupe_model {
    int64_t window_ms, low_now, low_last;
    uint32_t epoch_n;
    size_t sweep_at;
    struct u64map ids;
};

static bool model_repeat(struct dedupe_model *m, uint64_t h, int64_t ts)
{
    if (ts < m->low_now)
        m->low_now = ts;
    if (++m->epoch_n == 65536) {
        m->low_last = m->low_now;
        m->low_now = INT64_MAX;
        m->epoch_n = 0;
    }
    uint64_t *first = u64map_get(&m->ids, h);
    if (first != NULL) {
        int64_t apart = ts - (int64_t)*first;
        if (apart <= m->window_ms && apart >= -m->window_ms)
            return true;
        *first = (uint64_t)ts;
        return false;
    }
    int64_t low = m->low_now < m->low_last ? m->low_now : m->low_last;
    if (m->ids.count >= m->sweep_at && low != INT64_MAX) {
        uint64_t *gone = malloc(m->ids.count * sizeof *gone + 1);
        size_t n = 0;
        for (size_t i = 0; i < m->ids.cap; i++)
            if (m->ids.slots[i].key != 0 && (int64_t)m->ids.slots[i].val < low - m->window_ms)
                gone[n++] = m->ids.slots[i].key;
        for (size_t i = 0; i < n; i++)
            u64map_del(&m->ids, gone[i]);
        free(gone);
        m->sweep_at = 2 * m->ids.count > 4096 ? 2 * m->ids.count : 4096;
    }
    u64map_put(&m->ids, h, (uint64_t)ts);
    return false;
}

/* The filter answers as the map from hash to first sighting did, through sweeps, growth
 * and input in disorder, while its hashes share fingerprints (top 32 bits) and home
 * slots: a fingerprint match alone never makes a repeat. */
static void test_dedupe_fingerprints(void **state)
{
    (void)state;
    struct dedupe d = {.window_ms = 300};
    struct dedupe_model m = {.window_ms = 300, .low_now = INT64_MAX, .low_last = INT64_MAX};
    enum { N = 1000000, RECENT = 1024 };
    struct dedupe_id *seen = malloc(N * sizeof *seen);
    int64_t now = 0;
    size_t repeats = 0;
    for (int i = 0; i < N; i++) {
        /* 8 fingerprints, so that a probe run holds many matches; four hashes to every
         * fingerprint and low 24 bits, which share the home slot too (the table has fewer
         * than 2^24 slots). Half the ids come again soon; a few come again far behind,
         * at about their first time, after they were swept out or not. */
        uint64_t h = (rnd() % 8 + 1) << 32 | (rnd() % 4) << 24 | (rnd() & 0xFFFFFF);
        now += (int64_t)(rnd() % 3);
        int64_t ts = now - (int64_t)(rnd() % 64 == 0 ? rnd() % 2000 : 0);
        if (i >= RECENT && rnd() % 2 == 0) {
            h = seen[i - 1 - (int)(rnd() % RECENT)].hash;
        } else if (i > 400000 && rnd() % 16384 == 0) {
            const struct dedupe_id *old = &seen[rnd() % (uint64_t)(i - 400000)];
            h = old->hash;
            ts = old->first_ms + (int64_t)(rnd() % 601) - 300;
        }
        seen[i] = (struct dedupe_id){h, ts};
        bool want = model_repeat(&m, h, ts);
        assert_int_equal(dedupe_repeat(&d, h, ts), want);
        repeats += want;
    }
    free(seen);
    assert_true(repeats > 100000 && repeats < 900000);
    assert_int_equal(d.count, m.ids.count);
    u64map_free(&m.ids);
    dedupe_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_merge_order_dupes_rejects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_and_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disorder_within_bound, setup, teardown),
        cmocka_unit_test(test_dedupe_window),
        cmocka_unit_test(test_dedupe_fingerprints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
