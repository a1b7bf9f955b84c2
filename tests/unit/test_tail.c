/*
 * test_tail.c - unit tests of the file-tail source (sources/tail.c) against a fake sink.
 *
 * Why: `wachter run --tail` promises that every complete line appended to a followed file
 * reaches the sink, once per run and in file order, through partial writes, the three
 * kinds of rotation (rename-and-create, copytruncate, delete-and-recreate), restarts, a
 * sink that says BUSY or fails, and lines too long to keep. Each case below drives real
 * files in a temporary directory while the tail's thread follows them, and compares what
 * the fake sink collected with what was written, line for line.
 *
 * Waiting: never a fixed long sleep. wait_lines polls the sink until the expected count
 * arrives (bounded at WAIT_MS); wait_rounds lets the tail complete a few polling rounds so
 * that "nothing more arrives" can be checked. The fake sink is called on the tail's thread
 * and therefore uses no cmocka assertions; it only records.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "ingest/ingest.h"
#include "sources/tail.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { WAIT_MS = 6000 };

/* ---- the fake sink ------------------------------------------------------------------ */

/* Collects every non-empty line it takes, in order. `busy` and `fail` make it refuse the
 * next that many submissions with LINE_SINK_BUSY or LINE_SINK_ERROR. */
struct fake_sink {
    pthread_mutex_t mu;
    char **lines;
    size_t n, cap;
    int busy, fail;
    uint64_t calls, wrong_source;
};

static struct fake_sink fs;

static int fake_submit(void *ctx, const char *source, const char *buf, size_t len,
                       struct line_receipt *r, struct err *e)
{
    struct fake_sink *s = ctx;
    pthread_mutex_lock(&s->mu);
    s->calls++;
    if (strcmp(source, "file") != 0)
        s->wrong_source++;
    if (s->busy > 0) {
        s->busy--;
        pthread_mutex_unlock(&s->mu);
        return LINE_SINK_BUSY;
    }
    if (s->fail > 0) {
        s->fail--;
        pthread_mutex_unlock(&s->mu);
        return err_set(e, "journal: disk full (fake)");
    }
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t ll = nl != NULL ? (size_t)(nl - (buf + i)) : len - i;
        if (ll > 0) {
            s->lines = xgrow(s->lines, &s->cap, s->n + 1, sizeof *s->lines);
            s->lines[s->n++] = xstrndup(buf + i, ll);
            r->lines++;
            r->events++;
        }
        i += ll + 1;
    }
    pthread_mutex_unlock(&s->mu);
    return LINE_SINK_OK;
}

static const struct line_sink sink = {fake_submit, &fs};

static size_t sink_count(void)
{
    pthread_mutex_lock(&fs.mu);
    size_t n = fs.n;
    pthread_mutex_unlock(&fs.mu);
    return n;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Poll until the sink holds at least `n` lines; fails the test after WAIT_MS. */
static void wait_lines(size_t n)
{
    for (int waited = 0; sink_count() < n; waited += 10) {
        if (waited >= WAIT_MS)
            fail_msg("waited %d ms for %zu lines, have %zu", WAIT_MS, n, sink_count());
        sleep_ms(10);
    }
}

/* Let the tail complete `k` more polling rounds. */
static void wait_rounds(struct tail *t, uint64_t k)
{
    struct tail_stats st;
    tail_get_stats(t, &st);
    uint64_t until = st.rounds + k;
    for (int waited = 0; st.rounds < until; waited += 10) {
        assert_true(waited < WAIT_MS);
        sleep_ms(10);
        tail_get_stats(t, &st);
    }
}

/* The lines collected are exactly want[0..n), in that order. */
static void expect_exactly(const char *const *want, size_t n)
{
    pthread_mutex_lock(&fs.mu);
    size_t have = fs.n;
    pthread_mutex_unlock(&fs.mu);
    if (have != n) {
        for (size_t i = 0; i < have; i++)
            print_message("  got[%zu] %.80s\n", i, fs.lines[i]);
        fail_msg("expected %zu lines, got %zu", n, have);
    }
    for (size_t i = 0; i < n; i++)
        assert_string_equal(fs.lines[i], want[i]);
}

/* The lines collected are want[0..n) in some order, each exactly once, and the lines of
 * each of the `nseq` sequences seq[k] (NULL-terminated) come in their order. */
static void expect_set(const char *const *want, size_t n, const char *const *const *seq,
                       size_t nseq)
{
    assert_int_equal(sink_count(), n);
    size_t *pos = xcalloc(n, sizeof *pos);
    for (size_t i = 0; i < n; i++) {
        size_t found = SIZE_MAX;
        for (size_t j = 0; j < fs.n; j++)
            if (strcmp(fs.lines[j], want[i]) == 0) {
                assert_true(found == SIZE_MAX); /* no line twice */
                found = j;
            }
        if (found == SIZE_MAX)
            fail_msg("line %s never arrived", want[i]);
        pos[i] = found;
    }
    free(pos);
    for (size_t k = 0; k < nseq; k++) {
        size_t last = 0;
        for (size_t i = 0; seq[k][i] != NULL; i++) {
            size_t j = 0;
            while (j < fs.n && strcmp(fs.lines[j], seq[k][i]) != 0)
                j++;
            assert_true(j < fs.n);
            if (i > 0)
                assert_true(j > last);
            last = j;
        }
    }
}

/* ---- files -------------------------------------------------------------------------- */

static const char *path_of(const char *name)
{
    static char buf[4][256];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, s, n);
        assert_true(k > 0);
        s += k;
        n -= (size_t)k;
    }
}

/* Append `text` to `name` (created when absent), as a writer that reopens every time. */
static void append(const char *name, const char *text)
{
    int fd = open(path_of(name), O_WRONLY | O_APPEND | O_CREAT, 0644);
    assert_true(fd >= 0);
    write_all(fd, text, strlen(text));
    close(fd);
}

static struct tail *start(const char *name, bool with_state)
{
    const char *paths[1] = {path_of(name)};
    struct err e = {{0}};
    struct tail *t = tail_start(paths, 1, with_state ? path_of("tail.state") : NULL, &sink, &e);
    if (t == NULL)
        fail_msg("tail_start: %s", e.msg);
    return t;
}

static int setup(void **state)
{
    (void)state;
    memset(&fs, 0, sizeof fs);
    pthread_mutex_init(&fs.mu, NULL);
    return tmpdir_make("tail");
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < fs.n; i++)
        free(fs.lines[i]);
    free(fs.lines);
    assert_int_equal(fs.wrong_source, 0);
    pthread_mutex_destroy(&fs.mu);
    return tmpdir_remove();
}

/* ---- the cases ---------------------------------------------------------------------- */

/* A path that does not exist yet is waited for; lines written in pieces arrive only when
 * complete; the state file records the offset. */
static void test_partial_appends(void **state)
{
    (void)state;
    struct tail *t = start("a.log", true);
    wait_rounds(t, 2);
    assert_int_equal(sink_count(), 0);

    append("a.log", "{\"id\":\"1\"}\n{\"id\":");
    wait_lines(1);
    wait_rounds(t, 3);
    assert_int_equal(sink_count(), 1); /* the partial line waits */
    append("a.log", "\"2\"}");
    wait_rounds(t, 2);
    assert_int_equal(sink_count(), 1); /* still no newline */
    append("a.log", "\n\n{\"id\":\"3\"}\n{\"id\":\"4\"}\n");
    wait_lines(3);
    wait_rounds(t, 2);
    const char *want[] = {"{\"id\":\"1\"}", "{\"id\":\"2\"}", "{\"id\":\"3\"}", "{\"id\":\"4\"}"};
    expect_exactly(want, 4);

    struct mapped_file mf;
    struct err e;
    assert_int_equal(file_map(path_of("tail.state"), &mf, &e), 0);
    char expect_off[32];
    snprintf(expect_off, sizeof expect_off, " %zu ",
             strlen("{\"id\":\"1\"}\n{\"id\":\"2\"}\n\n"
                    "{\"id\":\"3\"}\n{\"id\":\"4\"}\n"));
    assert_non_null(memmem(mf.data, mf.size, "wachter-tail-state 1\nF ", 23));
    assert_non_null(memmem(mf.data, mf.size, expect_off, strlen(expect_off)));
    file_unmap(&mf);
    tail_stop(t);
}

/* Rename-and-create with a writer that keeps the old descriptor: what it writes after the
 * rename is still read, its last line without a newline too (once the old file is idle),
 * and the new file is read from its start. */
static void test_rename_rotation(void **state)
{
    (void)state;
    append("r.log", "{\"id\":\"a1\"}\n{\"id\":\"a2\"}\n");
    struct tail *t = start("r.log", true);
    wait_lines(2);

    int fd = open(path_of("r.log"), O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(rename(path_of("r.log"), path_of("r.log.1")), 0);
    write_all(fd, "{\"id\":\"a3\"}\n", 12);
    append("r.log", "{\"id\":\"b1\"}\n");
    wait_lines(4);
    write_all(fd, "{\"id\":\"a4\"}\n{\"id\":\"a5\"}", 23); /* a5 never gets its newline */
    wait_lines(5);
    append("r.log", "{\"id\":\"b2\"}\n");
    wait_lines(7); /* a5 comes once r.log.1 was idle for TAIL_DRAIN_IDLE_MS */
    close(fd);
    wait_rounds(t, 2);

    const char *want[] = {"{\"id\":\"a1\"}", "{\"id\":\"a2\"}", "{\"id\":\"a3\"}",
                          "{\"id\":\"a4\"}", "{\"id\":\"a5\"}", "{\"id\":\"b1\"}",
                          "{\"id\":\"b2\"}"};
    const char *seq_a[] = {want[0], want[1], want[2], want[3], want[4], NULL};
    const char *seq_b[] = {want[5], want[6], NULL};
    const char *const *seqs[] = {seq_a, seq_b};
    expect_set(want, 7, seqs, 2);
    struct tail_stats st;
    tail_get_stats(t, &st);
    assert_int_equal(st.rotations, 1);
    tail_stop(t);
}

/* copytruncate: the file shrinks below the offset (read again from 0), and the file is
 * truncated and refilled past the old offset before a poll (seen by the fingerprint). */
static void test_copytruncate(void **state)
{
    (void)state;
    append("c.log", "{\"id\":\"c1\"}\n{\"id\":\"c2\"}\n{\"id\":\"c3\"}\n");
    struct tail *t = start("c.log", true);
    wait_lines(3);

    assert_int_equal(truncate(path_of("c.log"), 0), 0);
    append("c.log", "{\"id\":\"c4\"}\n");
    wait_lines(4);

    /* Refill at once beyond the old offset (12 bytes): only a changed first line tells. */
    struct tail_stats st;
    tail_get_stats(t, &st);
    int fd = open(path_of("c.log"), O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    const char *more = "{\"id\":\"c5\",\"pad\":\"xxxxxxxxxxxxxxxxxxxx\"}\n{\"id\":\"c6\"}\n";
    write_all(fd, more, strlen(more));
    close(fd);
    wait_lines(6);
    wait_rounds(t, 3);

    const char *want[] = {"{\"id\":\"c1\"}",
                          "{\"id\":\"c2\"}",
                          "{\"id\":\"c3\"}",
                          "{\"id\":\"c4\"}",
                          "{\"id\":\"c5\",\"pad\":\"xxxxxxxxxxxxxxxxxxxx\"}",
                          "{\"id\":\"c6\"}"};
    expect_exactly(want, 6);
    struct tail_stats st2;
    tail_get_stats(t, &st2);
    assert_int_equal(st2.truncations, st.truncations + 1);
    assert_true(st2.truncations >= 2);
    assert_int_equal(st2.rotations, 0);
    tail_stop(t);
}

/* Deletion: the path is waited for, and the file that reappears is read from its start. */
static void test_delete_recreate(void **state)
{
    (void)state;
    struct tail *t = start("d.log", true);
    append("d.log", "{\"id\":\"d1\"}\n");
    wait_lines(1);
    assert_int_equal(unlink(path_of("d.log")), 0);
    wait_rounds(t, 3);
    append("d.log", "{\"id\":\"d2\"}\n{\"id\":\"d3\"}\n");
    wait_lines(3);
    wait_rounds(t, 3);
    const char *want[] = {"{\"id\":\"d1\"}", "{\"id\":\"d2\"}", "{\"id\":\"d3\"}"};
    expect_exactly(want, 3);
    struct tail_stats st;
    tail_get_stats(t, &st);
    assert_int_equal(st.rotations, 1);
    tail_stop(t);
}

/* A restart resumes at the saved offset: no line lost, none repeated, a line completed
 * while stopped included. */
static void test_restart_resume(void **state)
{
    (void)state;
    append("s.log", "{\"id\":\"r1\"}\n{\"id\":\"r2\"}\n{\"id\":\"r3\"");
    struct tail *t = start("s.log", true);
    wait_lines(2);
    wait_rounds(t, 2);
    tail_stop(t);

    append("s.log", "}\n{\"id\":\"r4\"}\n");
    t = start("s.log", true);
    wait_lines(4);
    wait_rounds(t, 3);
    tail_stop(t);

    t = start("s.log", true); /* nothing new: nothing sent */
    append("s.log", "{\"id\":\"r5\"}\n");
    wait_lines(5);
    wait_rounds(t, 3);
    const char *want[] = {"{\"id\":\"r1\"}", "{\"id\":\"r2\"}", "{\"id\":\"r3\"}",
                          "{\"id\":\"r4\"}", "{\"id\":\"r5\"}"};
    expect_exactly(want, 5);
    tail_stop(t);
}

/* A restart after the file was replaced by another one (which may reuse the inode
 * number) that is longer than the saved offset: the new file is read from its start. */
static void test_restart_replaced(void **state)
{
    (void)state;
    append("p.log", "{\"id\":\"p1\"}\n{\"id\":\"p2\"}\n");
    struct tail *t = start("p.log", true);
    wait_lines(2);
    tail_stop(t);

    assert_int_equal(unlink(path_of("p.log")), 0);
    append("p.log", "{\"id\":\"q1\",\"pad\":\"yyyyyyyyyyyyyyyyyyyyyyyy\"}\n{\"id\":\"q2\"}\n");
    t = start("p.log", true);
    wait_lines(4);
    wait_rounds(t, 3);
    const char *want[] = {"{\"id\":\"p1\"}", "{\"id\":\"p2\"}",
                          "{\"id\":\"q1\",\"pad\":\"yyyyyyyyyyyyyyyyyyyyyyyy\"}",
                          "{\"id\":\"q2\"}"};
    expect_exactly(want, 4);
    tail_stop(t);
}

/* Rotated while stopped: the old file is found by its inode next to the path and read
 * from the saved offset, then the new file from its start. */
static void test_rotated_while_stopped(void **state)
{
    (void)state;
    append("o.log", "{\"id\":\"o1\"}\n");
    struct tail *t = start("o.log", true);
    wait_lines(1);
    tail_stop(t);

    append("o.log", "{\"id\":\"o2\"}\n");
    assert_int_equal(rename(path_of("o.log"), path_of("o.log-20250101")), 0);
    append("o.log", "{\"id\":\"n1\"}\n");
    t = start("o.log", true);
    wait_lines(3);
    wait_rounds(t, 3);
    const char *want[] = {"{\"id\":\"o1\"}", "{\"id\":\"o2\"}", "{\"id\":\"n1\"}"};
    expect_exactly(want, 3); /* the rotated file is drained first */
    tail_stop(t);
}

/* Lines longer than INGEST_MAX_LINE arrive as their first INGEST_MAX_LINE + 1 bytes, the
 * rest up to the newline skipped, whether the newline is already there or comes later;
 * a line of exactly INGEST_MAX_LINE bytes is whole. */
static void test_long_lines(void **state)
{
    (void)state;
    size_t big = 3 * (size_t)INGEST_MAX_LINE + 17;
    char *line = xmalloc(big + 1);
    memset(line, 'x', big);
    memcpy(line, "{\"id\":\"L1\",\"pad\":\"", 18);
    line[big] = '\0';

    struct tail *t = start("l.log", true);
    /* First in pieces, the newline arriving last. */
    char *piece = xstrndup(line, INGEST_MAX_LINE * 2);
    append("l.log", piece);
    free(piece);
    wait_rounds(t, 3);
    assert_int_equal(sink_count(), 0);
    append("l.log", line + INGEST_MAX_LINE * 2);
    append("l.log", "\n{\"id\":\"after1\"}\n");
    wait_lines(2);

    /* Then whole lines: exactly the limit, one past it, far past it. */
    char *exact = xstrndup(line, INGEST_MAX_LINE);
    char *one_more = xstrndup(line, INGEST_MAX_LINE + 1);
    struct sbuf b = {0};
    sbuf_printf(&b, "%s\n%s\n%s\n{\"id\":\"after2\"}\n", exact, one_more, line);
    append("l.log", b.buf);
    sbuf_free(&b);
    wait_lines(6);
    wait_rounds(t, 3);

    assert_int_equal(sink_count(), 6);
    assert_int_equal(strlen(fs.lines[0]), INGEST_MAX_LINE + 1);
    assert_int_equal(memcmp(fs.lines[0], line, INGEST_MAX_LINE + 1), 0);
    assert_string_equal(fs.lines[1], "{\"id\":\"after1\"}");
    assert_string_equal(fs.lines[2], exact);
    assert_string_equal(fs.lines[3], one_more);
    assert_int_equal(strlen(fs.lines[4]), INGEST_MAX_LINE + 1);
    assert_string_equal(fs.lines[5], "{\"id\":\"after2\"}");
    struct tail_stats st;
    tail_get_stats(t, &st);
    assert_int_equal(st.too_long, 3);
    tail_stop(t);
    free(exact);
    free(one_more);
    free(line);
}

/* A sink that answers BUSY and then fails: the same batch is offered again until taken,
 * nothing is lost or doubled. */
static void test_busy_sink(void **state)
{
    (void)state;
    fs.busy = 3;
    fs.fail = 1;
    append("b.log", "{\"id\":\"k1\"}\n{\"id\":\"k2\"}\n");
    struct tail *t = start("b.log", true);
    wait_lines(2);
    append("b.log", "{\"id\":\"k3\"}\n");
    wait_lines(3);
    wait_rounds(t, 2);
    const char *want[] = {"{\"id\":\"k1\"}", "{\"id\":\"k2\"}", "{\"id\":\"k3\"}"};
    expect_exactly(want, 3);
    struct tail_stats st;
    tail_get_stats(t, &st);
    assert_int_equal(st.busy, 3);
    assert_int_equal(st.errors, 1);
    assert_int_equal(st.lines, 3);
    tail_stop(t);
}

/* More lines than one batch holds, in two files: all arrive, each file in order. */
static void test_many_lines_two_files(void **state)
{
    (void)state;
    enum { N = 3 * TAIL_BATCH_LINES + 5 };
    struct sbuf x = {0}, y = {0};
    for (int i = 0; i < N; i++) {
        sbuf_printf(&x, "{\"id\":\"x%d\"}\n", i);
        sbuf_printf(&y, "{\"id\":\"y%d\"}\n", i);
    }
    append("x.log", x.buf);
    const char *paths[2] = {path_of("x.log"), path_of("y.log")};
    struct err e = {{0}};
    struct tail *t = tail_start(paths, 2, path_of("tail.state"), &sink, &e);
    assert_non_null(t);
    append("y.log", y.buf);
    wait_lines(2 * N);
    wait_rounds(t, 2);
    assert_int_equal(sink_count(), 2 * N);
    int nx = 0, ny = 0;
    char want[32];
    for (size_t i = 0; i < fs.n; i++) {
        if (fs.lines[i][7] == 'x')
            snprintf(want, sizeof want, "{\"id\":\"x%d\"}", nx++);
        else
            snprintf(want, sizeof want, "{\"id\":\"y%d\"}", ny++);
        assert_string_equal(fs.lines[i], want);
    }
    struct tail_stats st;
    tail_get_stats(t, &st);
    assert_true(st.batches >= 8);
    tail_stop(t);
    sbuf_free(&x);
    sbuf_free(&y);
}

/* Refusals at start, and a damaged state file that is ignored rather than fatal. */
static void test_start_errors(void **state)
{
    (void)state;
    struct err e = {{0}};
    const char *one[1] = {path_of("e.log")};
    assert_null(tail_start(one, 0, NULL, &sink, &e));
    assert_true(e.msg[0] != '\0');

    const char *twice[2] = {path_of("e.log"), path_of("e.log")};
    e.msg[0] = '\0';
    assert_null(tail_start(twice, 2, NULL, &sink, &e));
    assert_non_null(strstr(e.msg, "twice"));

    const char *nl[1] = {"bad\nname"};
    e.msg[0] = '\0';
    assert_null(tail_start(nl, 1, NULL, &sink, &e));
    assert_true(e.msg[0] != '\0');

    e.msg[0] = '\0';
    assert_null(tail_start(one, 1, path_of("no/such/dir/state"), &sink, &e));
    assert_non_null(strstr(e.msg, "no/such/dir"));

    tail_stop(NULL);

    /* Garbage state, then a valid header with malformed lines: started, read from 0. */
    append("e.log", "{\"id\":\"e1\"}\n");
    write_file("tail.state", "garbage\n");
    struct tail *t = start("e.log", true);
    wait_lines(1);
    tail_stop(t);
    char bad[512];
    snprintf(bad, sizeof bad,
             "wachter-tail-state 1\nF 1 2 zz 0 0 %s\nX 1 2 3 0 0 %s\nF 1 2 3 0 0\n",
             path_of("e.log"), path_of("e.log"));
    write_file("tail.state", bad);
    t = start("e.log", true);
    wait_lines(2);
    wait_rounds(t, 2);
    const char *want[] = {"{\"id\":\"e1\"}", "{\"id\":\"e1\"}"};
    expect_exactly(want, 2);
    tail_stop(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_partial_appends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copytruncate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_recreate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotated_while_stopped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_sink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_lines_two_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
