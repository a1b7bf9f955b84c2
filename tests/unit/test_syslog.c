/*
 * test_syslog.c - unit tests of the syslog source (sources/syslog.c): framing, header
 * handling, CEF mapping, and the TCP server against a fake sink.
 *
 * Why: the source sits between forwarders we do not control and the journal, and the
 * contract says bad input never crashes and never vanishes. So every layer is tested on
 * the shapes real senders produce (RFC 5424 with and without structured data and BOM,
 * lenient RFC 3164, octet counting split at every byte, CRLF, trailing NUL) and on the
 * shapes they should not (oversize frames, bad counts, garbage), and the server is
 * checked end to end: with the util-linux `logger` client, with a raw C client, and with
 * a sink that refuses batches, after which every line must still arrive exactly once.
 *
 * Cases are tables where that is cheap: adding a header or CEF case is one line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ingest/ingest.h"
#include "sources/syslog.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- framing --------------------------------------------------------------------------- */

/* What a stream framed into: each message as "M:text", "L:text" (too long, first bytes
 * only), "B:text" (bad count), joined by "|". */
struct framed {
    char out[4096];
    size_t n_msgs;
    bool bad;
};

static void framed_add(struct framed *r, char kind, const char *p, size_t n)
{
    size_t len = strlen(r->out);
    if (n > 40)
        n = 40;
    snprintf(r->out + len, sizeof r->out - len, "%s%c:%.*s", len > 0 ? "|" : "", kind, (int)n, p);
    r->n_msgs++;
}

/* Feed `stream` to a framer in chunks of `chunk` bytes through a connection-sized buffer,
 * as the server does, then signal the end. */
static void frame_stream(const char *stream, size_t len, size_t chunk, struct framed *r)
{
    static char buf[SYSLOG_CONN_BUF];
    struct syslog_framer fr = {0};
    size_t have = 0, fed = 0;
    memset(r, 0, sizeof *r);
    for (;;) {
        bool eof = fed == len;
        if (!eof) {
            size_t k = len - fed < chunk ? len - fed : chunk;
            if (k > SYSLOG_CONN_BUF - have)
                k = SYSLOG_CONN_BUF - have;
            memcpy(buf + have, stream + fed, k);
            have += k, fed += k;
            eof = fed == len;
        }
        size_t off = 0;
        for (;;) {
            struct syslog_frame f;
            enum syslog_frame_rc rc = syslog_frame_next(&fr, buf + off, have - off, eof, &f);
            if (rc == SYSLOG_FRAME_MSG)
                framed_add(r, 'M', f.msg, f.len);
            else if (rc == SYSLOG_FRAME_TOO_LONG)
                framed_add(r, 'L', f.msg, f.len);
            else if (rc == SYSLOG_FRAME_BAD)
                framed_add(r, 'B', f.msg, f.len), r->bad = true;
            off += f.consumed;
            if (rc == SYSLOG_FRAME_NEED || rc == SYSLOG_FRAME_BAD)
                break;
        }
        memmove(buf, buf + off, have - off);
        have -= off;
        if (r->bad || (eof && have == 0))
            return;
        assert_true(have < SYSLOG_CONN_BUF); /* a full buffer always yields a frame */
        if (eof)
            fail_msg("bytes left at the end: %zu", have);
    }
}

/* Every chunk size gives the same messages: splitting never matters. Only the text of a
 * bad count depends on how much had arrived ("the rest of the buffer"), so from a "B:" on
 * the result may be a prefix of `want`. */
static void expect_framing_n(const char *stream, size_t len, const char *want)
{
    const char *bad = strstr(want, "B:");
    for (size_t chunk = 1; chunk <= len + 1; chunk++) {
        struct framed r;
        frame_stream(stream, len, chunk, &r);
        bool ok = strcmp(r.out, want) == 0;
        if (!ok && bad != NULL && chunk <= len) {
            size_t pre = (size_t)(bad - want) + 3, got = strlen(r.out);
            ok = got >= pre && strncmp(r.out, want, got) == 0;
        }
        if (!ok)
            fail_msg("chunk %zu: got '%s', want '%s'", chunk, r.out, want);
    }
}

/* A string literal, NUL bytes inside included. */
#define expect_framing(lit, want) expect_framing_n(lit, sizeof(lit) - 1, want)

static void test_frame_octet_counting(void **state)
{
    (void)state;
    expect_framing("5 <1>ab3 xyz", "M:<1>ab|M:xyz");
    expect_framing("11 <13>1 - - x", "M:<13>1 - - x");
    /* LF after the counted frame (some senders add one) and frames with LF inside. */
    expect_framing("4 a\nb\n\n3 cde\r\n", "M:a\nb\n|M:cde");
    /* logger --octet-count sends frames back to back without separators. */
    expect_framing("2 ab2 cd2 ef", "M:ab|M:cd|M:ef");
    /* A blank counted frame carries nothing and is skipped. */
    expect_framing("3    2 ok", "M:ok");
}

static void test_frame_lf(void **state)
{
    (void)state;
    expect_framing("<13>a\n<13>b\r\n<13>c", "M:<13>a|M:<13>b|M:<13>c");
    /* NUL as terminator or as trailer, blank lines, CRLF. */
    expect_framing("<13>a\0<13>b\n\0\r\n\n   \n<13>c\r\n", "M:<13>a|M:<13>b|M:<13>c");
    /* Mixed per frame: octet-counted then LF then octet-counted. */
    expect_framing("3 abc<13>lf\n2 de", "M:abc|M:<13>lf|M:de");
    /* A frame that starts with neither digit nor '<' is LF-framed. */
    expect_framing("hello world\n", "M:hello world");
}

static void test_frame_bad_counts(void **state)
{
    (void)state;
    /* Too large, leading zero, no space after the count, more than five digits. */
    expect_framing("70000 xyz\n<13>next\n", "B:70000 xyz\n<13>next\n");
    expect_framing("05 hello", "B:05 hello");
    expect_framing("12x hello", "B:12x hello");
    expect_framing("1234567 a", "B:1234567 a");
    /* Incomplete at the end of the stream: the rest becomes one bad line. */
    expect_framing("1 a20 short", "M:a|B:20 short");
    expect_framing("2 ab123", "M:ab|B:123");
}

static void test_frame_oversize_lf(void **state)
{
    (void)state;
    size_t big = SYSLOG_MAX_FRAME + 5000;
    char *s = xmalloc(big + 64);
    size_t n = 0;
    n += (size_t)sprintf(s + n, "<13>ok1\n");
    memset(s + n, 'x', big);
    n += big;
    n += (size_t)sprintf(s + n, "\n<13>ok2\n");
    for (size_t chunk = 1000; chunk <= 70000; chunk += 23000) {
        struct framed r;
        frame_stream(s, n, chunk, &r);
        assert_int_equal(r.n_msgs, 3);
        assert_true(strncmp(r.out, "M:<13>ok1|L:xxxx", 16) == 0);
        assert_non_null(strstr(r.out, "|M:<13>ok2"));
    }
    /* The reported part is capped at SYSLOG_MAX_FRAME + 1 bytes. */
    struct syslog_framer fr = {0};
    struct syslog_frame f;
    assert_int_equal(syslog_frame_next(&fr, s + 8, big + 1, false, &f), SYSLOG_FRAME_TOO_LONG);
    assert_int_equal(f.len, SYSLOG_MAX_FRAME + 1);
    /* A maximal octet-counted frame is fine. */
    char *o = xmalloc(SYSLOG_MAX_FRAME + 16);
    int k = sprintf(o, "%d ", SYSLOG_MAX_FRAME);
    memset(o + k, 'y', SYSLOG_MAX_FRAME);
    struct syslog_framer fr2 = {0};
    assert_int_equal(syslog_frame_next(&fr2, o, (size_t)k + SYSLOG_MAX_FRAME, false, &f),
                     SYSLOG_FRAME_MSG);
    assert_int_equal(f.len, SYSLOG_MAX_FRAME);
    free(o);
    free(s);
}

/* ---- headers --------------------------------------------------------------------------- */

struct msg_case {
    const char *frame;
    const char *msg;
};

static const struct msg_case msg_cases[] = {
    /* RFC 5424, as logger sends it, without SD, with several SD elements and escapes. */
    {"<13>1 2025-03-30T01:00:00.123+01:00 vm root - - [timeQuality tzKnown=\"1\"] {\"a\":1}",
     "{\"a\":1}"},
    {"<13>1 2025-03-30T01:00:00Z host app 123 ID47 - hello there", "hello there"},
    {"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
     "[exampleSDID@32473 iut=\"3\" eventSource=\"Appl\\\"ic] [x]\" eventID=\"1011\"]"
     "[examplePriority@32473 class=\"high\\\\\"] \xEF\xBB\xBF"
     "An application event",
     "An application event"},
    {"<13>1 - - - - - -", ""},
    {"<13>1 - - - - - - \xEF\xBB\xBF{\"b\":2}", "{\"b\":2}"},
    {"<13>1 - - - - - [a b=\"c\"]", ""},
    {"<13>1 - - - - - [unterminated x=\"]\" rest", "[unterminated x=\"]\" rest"},
    {"<13>1 short", ""},
    /* RFC 3164 and its variants. */
    {"<13>Nov 22 23:48:27 vm wtest: hello {\"a\":1}", "hello {\"a\":1}"},
    {"<13>Mar  1 01:02:03 host tag[123]: {\"x\":1}", "{\"x\":1}"},
    {"<13>Mar  1 01:02:03 host {\"x\":1}", "{\"x\":1}"},
    {"<13>Mar  1 01:02:03 host CEF:0|a|b|c|d|e|f|", "CEF:0|a|b|c|d|e|f|"},
    {"<13>Mar  1 01:02:03 CEF:0|a|b|c|d|e|f|", "CEF:0|a|b|c|d|e|f|"},
    {"<13>Mar 11 2025 01:02:03.456 host tag: m", "m"},
    {"<13>2025-03-30T01:00:00+01:00 host tag: m", "m"},
    {"<13>Mar  1 01:02:03 host message without tag", "message without tag"},
    {"<13>Mar  1 01:02:03 host", ""},
    {"<13>tag: no time", "no time"},
    {"<13>{\"only\":1}", "{\"only\":1}"},
    {"<13>just text", "just text"},
    /* Not a syslog header at all: everything is MSG. */
    {"{\"id\":\"x\"}", "{\"id\":\"x\"}"},
    {"<999>x", "<999>x"},
    {"<13 x", "<13 x"},
    {"", ""},
};

static void test_find_msg(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof msg_cases / sizeof *msg_cases; i++) {
        const char *m;
        size_t n;
        syslog_find_msg(msg_cases[i].frame, strlen(msg_cases[i].frame), &m, &n);
        if (n != strlen(msg_cases[i].msg) || memcmp(m, msg_cases[i].msg, n) != 0)
            fail_msg("case %zu: got '%.*s', want '%s'", i, (int)n, m, msg_cases[i].msg);
    }
}

/* ---- messages to lines ----------------------------------------------------------------- */

struct line_case {
    const char *frame;
    int rc;
    const char *line;
};

#define CEF_HDR "CEF:0|Politie|BVH|5.1|100|query person|3|"

static const struct line_case line_cases[] = {
    /* JSON passes through, trimmed; CR and LF become TAB. */
    {"<13>1 - h a - - - {\"id\":\"1\"}  ", 0, "{\"id\":\"1\"}"},
    {"<13>1 - h a - - - {\"id\":\r\n\"1\"}", 0, "{\"id\":\t\t\"1\"}"},
    /* CEF: full mapping, epoch rt, spaces and escapes in values, labels in any case. */
    {"<13>Mar  1 01:02:03 host " CEF_HDR "externalId=e1 rt=1743292800123 suser=U12 act=query "
     "cs1Label=Subject_Type cs1=person cs2Label=subject cs2=P 9 cs3Label=case cs3=C-1 "
     "cs4Label=query cs4=jans\\=* a\\\\b cs5Label=terminal cs5=T1 cs6Label=channel cs6=desktop "
     "cn1Label=results cn1=12",
     0,
     "{\"id\":\"e1\",\"ts\":\"2025-03-30T00:00:00.123Z\",\"user\":\"U12\",\"system\":\"BVH\","
     "\"action\":\"query\",\"subject_type\":\"person\",\"subject\":\"P 9\",\"case\":\"C-1\","
     "\"channel\":\"desktop\",\"terminal\":\"T1\",\"query\":\"jans=* a\\\\b\",\"results\":12}"},
    /* Without externalId there is no id (the sink rejects it as missing_field). */
    {"<13>1 - h a - - - " CEF_HDR "rt=0 duser=U1 act=login", 0,
     "{\"ts\":\"1970-01-01T00:00:00.000Z\",\"user\":\"U1\",\"system\":\"BVH\","
     "\"action\":\"login\"}"},
    /* Text rt with and without zone; unknown forms pass unchanged (bad_timestamp). */
    {CEF_HDR "externalId=x rt=Mar 30 2025 01:02:03.5 +0100", 0,
     "{\"id\":\"x\",\"ts\":\"2025-03-30T01:02:03.500+01:00\",\"system\":\"BVH\"}"},
    {CEF_HDR "externalId=x rt=Mar 30 2025 01:02:03", 0,
     "{\"id\":\"x\",\"ts\":\"2025-03-30T01:02:03Z\",\"system\":\"BVH\"}"},
    {CEF_HDR "externalId=x rt=Mar 30 2025 01:02:03 CEST", 0,
     "{\"id\":\"x\",\"ts\":\"2025-03-30T01:02:03+02:00\",\"system\":\"BVH\"}"},
    {CEF_HDR "externalId=x rt=2025-03-30T01:02:03+01:00", 0,
     "{\"id\":\"x\",\"ts\":\"2025-03-30T01:02:03+01:00\",\"system\":\"BVH\"}"},
    {CEF_HDR "externalId=x rt=Mar 30 01:02:03", 0,
     "{\"id\":\"x\",\"ts\":\"Mar 30 01:02:03\",\"system\":\"BVH\"}"},
    {CEF_HDR "externalId=x rt=Mar 30 2025 01:02:03 Europe/Amsterdam", 0,
     "{\"id\":\"x\",\"ts\":\"Mar 30 2025 01:02:03 Europe/Amsterdam\",\"system\":\"BVH\"}"},
    /* System from a labelled custom string when the product is empty; header escapes. */
    {"CEF:0|V\\|x|||1|n\\\\m|1|cs1Label=SYSTEM cs1=MEOS suser= duser=U2 unknownKey=1", 0,
     "{\"user\":\"U2\",\"system\":\"MEOS\"}"},
    /* Results that is not an integer is written as a string (wrong_type). */
    {CEF_HDR "cn2Label=results cn2=many", 0, "{\"system\":\"BVH\",\"results\":\"many\"}"},
    /* Control characters and quotes in values are escaped. */
    {CEF_HDR "externalId=a\"b\\nc", 0, "{\"id\":\"a\\\"b\\nc\",\"system\":\"BVH\"}"},
    /* Not CEF (too few header fields, bad version) and garbage pass raw. */
    {"<13>Mar  1 01:02:03 host tag: CEF:0|a|b", 1, "CEF:0|a|b"},
    {"CEF:x|a|b|c|d|e|f|", 1, "CEF:x|a|b|c|d|e|f|"},
    {"<13>Mar  1 01:02:03 host tag: hello\nworld\0!", 1, "hello world"},
    {"\x01\x02 garbage", 1, "\x01\x02 garbage"},
    /* An empty MSG reports the whole frame; a blank frame appends nothing. */
    {"<13>1 - h a - - -", 1, "<13>1 - h a - - -"},
    {"   ", 1, ""},
};

static void test_message_to_line(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof line_cases / sizeof *line_cases; i++) {
        const struct line_case *lc = &line_cases[i];
        struct sbuf out = {0};
        sbuf_puts(&out, "prefix:"); /* appends, never overwrites */
        int rc = syslog_message_to_line(lc->frame, strlen(lc->frame), &out);
        if (rc != lc->rc || strcmp(out.buf + 7, lc->line) != 0 || strncmp(out.buf, "prefix:", 7))
            fail_msg("case %zu: rc %d, got '%s', want %d '%s'", i, rc, out.buf, lc->rc, lc->line);
        sbuf_free(&out);
    }
    /* A NUL inside raw text becomes a space (a frame of the server can hold one). */
    struct sbuf out = {0};
    assert_int_equal(syslog_message_to_line("ab\0cd", 5, &out), 1);
    assert_string_equal(out.buf, "ab cd");
    sbuf_free(&out);
}

/* CEF output is an event line the scanner accepts, with the fields it should have. */
static void test_cef_line_scans(void **state)
{
    (void)state;
    const char *frame = "<13>Mar  1 01:02:03 host " CEF_HDR
                        "externalId=e\\\\1 rt=1743292800000 suser=U\"1 act=view "
                        "cs1Label=subject_type cs1=vehicle cs2Label=subject cs2=AB-12-CD "
                        "cn1Label=results cn1=3";
    struct sbuf out = {0};
    assert_int_equal(syslog_message_to_line(frame, strlen(frame), &out), 0);
    struct raw_event ev;
    enum reject_reason why;
    assert_int_equal(scan_event(out.buf, out.len, &ev, &why), 0);
    assert_true(ev.f[F_ID].present && ev.f[F_TS].present && ev.f[F_USER].present);
    assert_true(ev.f[F_SYSTEM].present && ev.f[F_ACTION].present && ev.f[F_SUBJECT].present);
    assert_true(ev.has_results);
    assert_int_equal(ev.results, 3);
    int64_t ms;
    assert_int_equal(ts_parse_rfc3339(ev.f[F_TS].p, ev.f[F_TS].n, &ms), 0);
    assert_int_equal(ms, 1743292800000LL);
    sbuf_free(&out);
}

static void test_cef_parse(void **state)
{
    (void)state;
    struct syslog_cef c = {0};
    const char *s = "CEF:1|Ven\\|dor|Pro\\\\d|1.0|sig|Na me|High|"
                    "msg=line1\\nline2\\r end  src=10.0.0.1  spaced=a b  c=d\\=e\\\\ "
                    "noise_without_key x=y trailing=  ";
    assert_int_equal(syslog_cef_parse(s, strlen(s), &c), 0);
    size_t n;
    const char *v = syslog_cef_header(&c, CEF_VENDOR, &n);
    assert_string_equal(v, "Ven|dor");
    assert_string_equal(syslog_cef_header(&c, CEF_PRODUCT, &n), "Pro\\d");
    assert_string_equal(syslog_cef_header(&c, CEF_NAME, &n), "Na me");
    assert_string_equal(syslog_cef_header(&c, CEF_SEVERITY, &n), "High");
    assert_string_equal(syslog_cef_get(&c, "msg", &n), "line1\nline2\r end");
    assert_string_equal(syslog_cef_get(&c, "src", &n), "10.0.0.1");
    assert_string_equal(syslog_cef_get(&c, "spaced", &n), "a b");
    assert_string_equal(syslog_cef_get(&c, "c", &n), "d=e\\ noise_without_key");
    assert_string_equal(syslog_cef_get(&c, "x", &n), "y");
    assert_string_equal(syslog_cef_get(&c, "trailing", &n), "");
    assert_null(syslog_cef_get(&c, "missing", &n));
    assert_null(syslog_cef_get(&c, "Msg", &n)); /* keys are case-sensitive */

    /* Reuse the same struct: the previous content is replaced. */
    assert_int_equal(syslog_cef_parse("CEF:0|a|b|c|d|e|f|", 18, &c), 0);
    assert_int_equal(c.n_ext, 0);
    assert_string_equal(syslog_cef_header(&c, CEF_VENDOR, &n), "a");

    /* Not CEF. */
    static const char *const bad[] = {"CEF:0|a|b|c|d|e|f",   "CEF:|a|b|c|d|e|f|",
                                      "CEF:0a|b|c|d|e|f|g|", "CEF",
                                      "LEEF:1.0|a|b|c|d|",   ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(syslog_cef_parse(bad[i], strlen(bad[i]), &c), -1);
    syslog_cef_free(&c);
    syslog_cef_free(&c); /* twice is harmless */
}

/* Random bytes, mutated CEF and mutated syslog frames never crash and always give one
 * line without a newline. */
static void test_garbage(void **state)
{
    (void)state;
    const char *seeds[] = {
        "<13>1 - h a - - [x y=\"\\]\"] " CEF_HDR "externalId=1 rt=1 cs1Label=subject cs1=x",
        "<13>Mar  1 01:02:03 host tag: {\"id\":\"1\"}",
        "CEF:0|a|b|c|d|e|f|rt=Mar 30 2025 01:02:03.999999 +01:00 cn1Label=results cn1=-5",
    };
    unsigned seed = 12345;
    char buf[256];
    struct sbuf out = {0};
    for (int round = 0; round < 20000; round++) {
        const char *sd = seeds[round % 3];
        size_t n = strlen(sd);
        if (n > sizeof buf)
            n = sizeof buf;
        memcpy(buf, sd, n);
        int muts = 1 + (int)(rand_r(&seed) % 4);
        for (int m = 0; m < muts; m++)
            buf[rand_r(&seed) % n] = (char)(rand_r(&seed) % 256);
        if (round % 7 == 0)
            n = rand_r(&seed) % (n + 1);
        sbuf_reset(&out);
        syslog_message_to_line(buf, n, &out);
        assert_null(memchr(out.buf == NULL ? "" : out.buf, '\n', out.len));
        struct syslog_framer fr = {0};
        struct syslog_frame f;
        size_t off = 0;
        while (off < n) {
            enum syslog_frame_rc rc = syslog_frame_next(&fr, buf + off, n - off, true, &f);
            assert_true(f.consumed <= n - off);
            off += f.consumed;
            if (rc == SYSLOG_FRAME_NEED || rc == SYSLOG_FRAME_BAD)
                break;
            assert_true(f.consumed > 0);
        }
    }
    sbuf_free(&out);
}

/* ---- the server ------------------------------------------------------------------------ */

/* A thread-safe sink that collects lines; it can refuse the first `busy` and `errors`
 * submissions. */
struct fake_sink {
    pthread_mutex_t mu;
    struct sbuf lines;
    int calls, busy, errors;
    char source[16];
};

static int fake_submit(void *ctx, const char *source, const char *lines, size_t len,
                       struct line_receipt *r, struct err *e)
{
    struct fake_sink *fs = ctx;
    pthread_mutex_lock(&fs->mu);
    fs->calls++;
    snprintf(fs->source, sizeof fs->source, "%s", source);
    int rc = LINE_SINK_OK;
    if (fs->busy > 0) {
        fs->busy--;
        rc = LINE_SINK_BUSY;
    } else if (fs->errors > 0) {
        fs->errors--;
        rc = err_set(e, "journal: disk full (fake)");
    } else {
        sbuf_add(&fs->lines, lines, len);
        r->lines = 0;
        for (size_t i = 0; i < len; i++)
            r->lines += lines[i] == '\n';
    }
    pthread_mutex_unlock(&fs->mu);
    return rc;
}

static void fake_init(struct fake_sink *fs)
{
    memset(fs, 0, sizeof *fs);
    pthread_mutex_init(&fs->mu, NULL);
}

static void fake_free(struct fake_sink *fs)
{
    sbuf_free(&fs->lines);
    pthread_mutex_destroy(&fs->mu);
}

static struct syslog_server *start(struct fake_sink *fs)
{
    struct line_sink sink = {fake_submit, fs};
    struct err e = {{0}};
    struct syslog_server *s = syslog_server_start("127.0.0.1:0", &sink, &e);
    if (s == NULL)
        fail_msg("start: %s", e.msg);
    assert_true(syslog_server_port(s) > 0);
    return s;
}

static void sleep_ms(int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&t, NULL);
}

/* Wait up to 10 s until the server counted `n` messages. */
static void wait_messages(struct syslog_server *s, uint64_t n)
{
    for (int i = 0; i < 2000 && syslog_server_messages(s) < n; i++)
        sleep_ms(5);
    if (syslog_server_messages(s) != n)
        fail_msg("messages: got %llu, want %llu", (unsigned long long)syslog_server_messages(s),
                 (unsigned long long)n);
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        p += w, n -= (size_t)w;
    }
}

static void expect_lines(struct fake_sink *fs, const char *want)
{
    pthread_mutex_lock(&fs->mu);
    const char *got = fs->lines.buf == NULL ? "" : fs->lines.buf;
    if (strcmp(got, want) != 0)
        fail_msg("sink got:\n%s\nwant:\n%s", got, want);
    pthread_mutex_unlock(&fs->mu);
}

#define EVJ(id) "{\"id\":\"" id "\",\"ts\":\"2025-03-30T01:00:00+01:00\",\"user\":\"U1\"}"

static void test_server_raw_client(void **state)
{
    (void)state;
    struct fake_sink fs;
    fake_init(&fs);
    struct syslog_server *s = start(&fs);
    int fd = connect_to(syslog_server_port(s));
    /* An octet-counted frame split in three writes, LF frames with CRLF, garbage. */
    char f1[256];
    const char *m1 = "<13>1 2025-03-30T01:00:00Z h app - - - " EVJ("r1");
    snprintf(f1, sizeof f1, "%zu %s", strlen(m1), m1);
    send_all(fd, f1, 3);
    sleep_ms(20);
    send_all(fd, f1 + 3, 20);
    sleep_ms(20);
    send_all(fd, f1 + 23, strlen(f1) - 23);
    const char *lf =
        "<13>Mar 30 01:00:00 host tag: " EVJ("r2") "\r\n"
                                                   "<13>Mar 30 01:00:00 host tag: not json at all\n"
                                                   "<13>Mar 30 01:00:00 host " CEF_HDR
                                                   "externalId=r3 rt=0 suser=U3\n";
    send_all(fd, lf, strlen(lf));
    wait_messages(s, 4);
    expect_lines(&fs, EVJ("r1") "\n" EVJ("r2") "\nnot json at all\n"
                                               "{\"id\":\"r3\",\"ts\":\"1970-01-01T00:00:00.000Z\","
                                               "\"user\":\"U3\",\"system\":\"BVH\"}\n");
    assert_string_equal(fs.source, "syslog");
    /* An unterminated LF frame at close still arrives. */
    send_all(fd, "<13>tag: last", 13);
    close(fd);
    wait_messages(s, 5);
    syslog_server_stop(s);
    expect_lines(&fs, EVJ("r1") "\n" EVJ("r2") "\nnot json at all\n"
                                               "{\"id\":\"r3\",\"ts\":\"1970-01-01T00:00:00.000Z\","
                                               "\"user\":\"U3\",\"system\":\"BVH\"}\nlast\n");
    fake_free(&fs);
}

/* A bad octet count is reported as one line and the server closes the connection. */
static void test_server_bad_count_closes(void **state)
{
    (void)state;
    struct fake_sink fs;
    fake_init(&fs);
    struct syslog_server *s = start(&fs);
    int fd = connect_to(syslog_server_port(s));
    const char *m = "3 abc99999999 trailing\nstuff";
    send_all(fd, m, strlen(m));
    wait_messages(s, 2);
    char c;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(read(fd, &c, 1), 0); /* closed by the server */
    close(fd);
    syslog_server_stop(s);
    expect_lines(&fs, "abc\n99999999 trailing stuff\n");
    fake_free(&fs);
}

/* Many messages over several connections, with a sink that is busy at first, then fails
 * once: every line arrives exactly once and in order per connection. */
static void test_server_busy_then_ok(void **state)
{
    (void)state;
    struct fake_sink fs;
    fake_init(&fs);
    fs.busy = 2;
    fs.errors = 1;
    struct syslog_server *s = start(&fs);
    enum { N = 10000 };
    struct sbuf out = {0}, want = {0};
    for (int i = 0; i < N; i++) {
        char ev[64], msg[128];
        snprintf(ev, sizeof ev, "{\"id\":\"b%d\"}", i);
        int k = snprintf(msg, sizeof msg, "<13>1 - h a - - - %s", ev);
        sbuf_printf(&out, "%d %s", k, msg);
        sbuf_printf(&want, "%s\n", ev);
    }
    int fd = connect_to(syslog_server_port(s));
    send_all(fd, out.buf, out.len);
    close(fd);
    wait_messages(s, N);
    syslog_server_stop(s);
    expect_lines(&fs, want.buf);
    assert_true(fs.calls >= 3 + (N + SYSLOG_BATCH_LINES - 1) / SYSLOG_BATCH_LINES);
    sbuf_free(&out);
    sbuf_free(&want);
    fake_free(&fs);
}

/* At stop, a batch the busy sink refused is tried again for a while and then delivered;
 * a sink that stays busy does not hold stop up for more than a few seconds. */
static void test_server_stop_flushes(void **state)
{
    (void)state;
    struct fake_sink fs;
    fake_init(&fs);
    fs.busy = 5;
    struct syslog_server *s = start(&fs);
    int fd = connect_to(syslog_server_port(s));
    send_all(fd, "2 ok", 4);
    sleep_ms(30);
    syslog_server_stop(s);
    close(fd);
    expect_lines(&fs, "ok\n");

    fs.busy = 1000000;
    s = start(&fs);
    fd = connect_to(syslog_server_port(s));
    send_all(fd, "4 lost", 6);
    sleep_ms(30);
    time_t t0 = time(NULL);
    syslog_server_stop(s);
    assert_true(time(NULL) - t0 <= 4);
    close(fd);
    expect_lines(&fs, "ok\n");
    fake_free(&fs);
}

static void run_logger(int port, const char *opts, const char *msg)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "logger --tcp -n 127.0.0.1 -P %d %s -t wtest -- '%s'", port, opts,
             msg);
    assert_int_equal(system(cmd), 0);
}

static void test_server_logger(void **state)
{
    (void)state;
    if (system("command -v logger >/dev/null 2>&1") != 0) {
        print_message("logger (util-linux) is not installed; skipping\n");
        skip();
    }
    struct fake_sink fs;
    fake_init(&fs);
    struct syslog_server *s = start(&fs);
    int port = syslog_server_port(s);
    run_logger(port, "--rfc5424 --octet-count", EVJ("l1"));
    wait_messages(s, 1);
    run_logger(port, "--rfc5424", EVJ("l2"));
    wait_messages(s, 2);
    run_logger(port, "--rfc3164", EVJ("l3"));
    wait_messages(s, 3);
    run_logger(port, "--rfc3164", CEF_HDR "externalId=l4 rt=1743292800000 suser=U4 act=view");
    wait_messages(s, 4);
    run_logger(port, "--rfc5424 --octet-count", "garbage here");
    wait_messages(s, 5);
    syslog_server_stop(s);
    expect_lines(&fs,
                 EVJ("l1") "\n" EVJ("l2") "\n" EVJ(
                     "l3") "\n"
                           "{\"id\":\"l4\",\"ts\":\"2025-03-30T00:00:00.000Z\",\"user\":\"U4\","
                           "\"system\":\"BVH\",\"action\":\"view\"}\ngarbage here\n");
    fake_free(&fs);
}

/* The connection after SYSLOG_MAX_CONNS is accepted and closed at once; the others work. */
static void test_server_max_connections(void **state)
{
    (void)state;
    struct fake_sink fs;
    fake_init(&fs);
    struct syslog_server *s = start(&fs);
    int port = syslog_server_port(s);
    int fds[SYSLOG_MAX_CONNS];
    for (int i = 0; i < SYSLOG_MAX_CONNS; i++)
        fds[i] = connect_to(port);
    send_all(fds[0], "2 ok", 4); /* the server has accepted everything before it */
    wait_messages(s, 1);
    int extra = connect_to(port);
    struct timeval tv = {5, 0};
    setsockopt(extra, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char c;
    assert_int_equal(read(extra, &c, 1), 0);
    close(extra);
    send_all(fds[SYSLOG_MAX_CONNS - 1], "4 last", 6);
    wait_messages(s, 2);
    for (int i = 0; i < SYSLOG_MAX_CONNS; i++)
        close(fds[i]);
    syslog_server_stop(s);
    expect_lines(&fs, "ok\nlast\n");
    fake_free(&fs);
}

static void test_server_addresses(void **state)
{
    (void)state;
    struct fake_sink fs;
    fake_init(&fs);
    struct line_sink sink = {fake_submit, &fs};
    struct err e = {{0}};
    static const char *const bad[] = {"127.0.0.1", "127.0.0.1:", "127.0.0.1:99999", "x:1a"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        e.msg[0] = '\0';
        assert_null(syslog_server_start(bad[i], &sink, &e));
        assert_true(e.msg[0] != '\0');
    }
    /* The same port twice: the second start fails with a message. */
    struct syslog_server *a = syslog_server_start("127.0.0.1:0", &sink, &e);
    assert_non_null(a);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", syslog_server_port(a));
    assert_null(syslog_server_start(addr, &sink, &e));
    assert_non_null(strstr(e.msg, "cannot listen"));
    /* Stop with an idle connection open. */
    int fd = connect_to(syslog_server_port(a));
    send_all(fd, "<13>partial", 11);
    sleep_ms(20);
    syslog_server_stop(a);
    close(fd);
    syslog_server_stop(NULL);
    fake_free(&fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_octet_counting),
        cmocka_unit_test(test_frame_lf),
        cmocka_unit_test(test_frame_bad_counts),
        cmocka_unit_test(test_frame_oversize_lf),
        cmocka_unit_test(test_find_msg),
        cmocka_unit_test(test_message_to_line),
        cmocka_unit_test(test_cef_line_scans),
        cmocka_unit_test(test_cef_parse),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_server_raw_client),
        cmocka_unit_test(test_server_bad_count_closes),
        cmocka_unit_test(test_server_busy_then_ok),
        cmocka_unit_test(test_server_stop_flushes),
        cmocka_unit_test(test_server_logger),
        cmocka_unit_test(test_server_max_connections),
        cmocka_unit_test(test_server_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
