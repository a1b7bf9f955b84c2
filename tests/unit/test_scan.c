/*
 * test_scan.c - unit tests of the event-line scanner (ingest/scan.c): scan_event and
 * scan_unescape.
 *
 * Why: every event passes through this hand-written JSON scanner instead of a library,
 * so it must agree with a real JSON parser on what is JSON and on what the strings say.
 * Besides hand-picked valid and invalid lines, test_cross_check_cjson generates a corpus
 * of several thousand lines (valid events with escapes, \u sequences, surrogate pairs,
 * nested unknown fields, nulls, whitespace; plus random byte mutations, truncations and
 * garbage) and checks each against cJSON:
 *   - scan_event says "valid JSON" (returns 0, or rejects with wrong_type) exactly when
 *     cJSON_ParseWithLengthOpts (NUL-terminated, no trailing text) returns an object;
 *   - for lines scan_event accepts, every known field decoded with scan_unescape equals
 *     cJSON's valuestring, and `results` equals cJSON's number.
 *
 * cJSON 1.7 is more lenient than RFC 8259 in three ways, and lines that touch them are
 * excluded from the verdict comparison (and counted; the test fails if the exclusions
 * swallow more than a fifth of the corpus):
 *   1. raw control characters (< 0x20) inside strings are accepted by cJSON;
 *   2. \u followed by non-hex characters is accepted by cJSON (read as 0), and a lone
 *      surrogate escape (\uD800 without a low half) is rejected by cJSON although RFC 8259's
 *      grammar allows it;
 *   3. numbers are read with strtod, so cJSON accepts "01", "-01", "1.", "1.e5", "-.5".
 * Nesting deeper than 64 levels (scan's cap) is not generated; it is tested on its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ingest/ingest.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int scan(const char *s, struct raw_event *ev, enum reject_reason *why)
{
    return scan_event(s, strlen(s), ev, why);
}

/* The decoded text of field `f` of a line that scanned. */
static char *text(const struct raw_event *ev, enum ev_field f)
{
    static char buf[8192];
    int n = scan_unescape(&ev->f[f], buf, sizeof buf - 1);
    assert_true(n >= 0);
    buf[n] = '\0';
    return buf;
}

static void expect_invalid(const char *s, enum reject_reason want)
{
    struct raw_event ev;
    enum reject_reason why = REJ__COUNT;
    if (scan(s, &ev, &why) == 0)
        fail_msg("accepted: %s", s);
    if (why != want)
        fail_msg("reason %s, want %s: %s", ingest_reason_name(why), ingest_reason_name(want), s);
}

/* ---- valid lines ----------------------------------------------------------------------- */

static void test_valid_all_fields(void **state)
{
    (void)state;
    const char *line =
        "{\"id\":\"bv-88123\",\"ts\":\"2025-02-03T22:14:09+01:00\",\"user\":\"U004211\","
        "\"system\":\"BlueView\",\"action\":\"query\",\"subject_type\":\"person\","
        "\"subject\":\"P00008475\",\"case\":\"2024-BVH-256185\",\"channel\":\"desktop\","
        "\"terminal\":\"WS-01-014\",\"results\":17,\"query\":\"jans*\"}";
    struct raw_event ev;
    enum reject_reason why;
    assert_int_equal(scan(line, &ev, &why), 0);
    assert_string_equal(text(&ev, F_ID), "bv-88123");
    assert_string_equal(text(&ev, F_TS), "2025-02-03T22:14:09+01:00");
    assert_string_equal(text(&ev, F_USER), "U004211");
    assert_string_equal(text(&ev, F_SYSTEM), "BlueView");
    assert_string_equal(text(&ev, F_ACTION), "query");
    assert_string_equal(text(&ev, F_SUBJECT_TYPE), "person");
    assert_string_equal(text(&ev, F_SUBJECT), "P00008475");
    assert_string_equal(text(&ev, F_CASE), "2024-BVH-256185");
    assert_string_equal(text(&ev, F_CHANNEL), "desktop");
    assert_string_equal(text(&ev, F_TERMINAL), "WS-01-014");
    assert_string_equal(text(&ev, F_QUERY), "jans*");
    assert_true(ev.has_results);
    assert_int_equal(ev.results, 17);
    for (int f = 0; f < F__STRINGS; f++) {
        assert_true(ev.f[f].present);
        assert_false(ev.f[f].esc);
        assert_false(ev.f[f].is_null);
    }
    /* Fields point into the line, without copying. */
    assert_ptr_equal(ev.f[F_ID].p, line + 7);
    assert_int_equal(ev.f[F_ID].n, 8);
}

static void test_valid_unknown_nested_and_nulls(void **state)
{
    (void)state;
    const char *line = " { \"extra\" : {\"a\":[1,-2.5e+3,true,false,null,{\"b\":\"}\"}],\"c\":{}} ,"
                       "\"id\":\"x1\",\"case\":null,\"ts\":\"2025-01-01T00:00:00Z\",\"tags\":[],"
                       "\"results\":null,\"user\":\"U1\",\"system\":\"S\",\"action\":\"login\","
                       "\"n\":0,\"m\":-0.0,\"e\":1E-7,\"channel\":null,\"deep\":[[[[\"]\"]]]]}\t\r";
    struct raw_event ev;
    enum reject_reason why;
    assert_int_equal(scan(line, &ev, &why), 0);
    assert_string_equal(text(&ev, F_ID), "x1");
    assert_string_equal(text(&ev, F_ACTION), "login");
    assert_false(ev.f[F_CASE].present);
    assert_true(ev.f[F_CASE].is_null);
    assert_true(ev.f[F_CHANNEL].is_null);
    assert_false(ev.has_results);
    assert_false(ev.f[F_SUBJECT].present);
    assert_false(ev.f[F_QUERY].present);
    assert_false(ev.f[F_QUERY].is_null);
    /* The empty object is valid JSON (ingest then finds the fields missing). */
    assert_int_equal(scan("{}", &ev, &why), 0);
    assert_int_equal(scan("  {  }  ", &ev, &why), 0);
    assert_false(ev.f[F_ID].present);
}

static void test_escapes_and_unicode(void **state)
{
    (void)state;
    struct raw_event ev;
    enum reject_reason why;
    assert_int_equal(scan("{\"id\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\te\"}", &ev, &why), 0);
    assert_true(ev.f[F_ID].esc);
    assert_string_equal(text(&ev, F_ID), "a\"b\\c/d\b\f\n\r\te");
    /* \u: ASCII, two- and three-byte UTF-8, and a surrogate pair (U+1F600). */
    assert_int_equal(scan("{\"user\":\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00z\"}", &ev, &why), 0);
    assert_string_equal(text(&ev, F_USER), "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z");
    /* U+10FFFF, the last code point. */
    assert_int_equal(scan("{\"user\":\"\\uDBFF\\uDFFF\"}", &ev, &why), 0);
    assert_string_equal(text(&ev, F_USER), "\xf4\x8f\xbf\xbf");
    /* Lone surrogates are valid JSON and decode to U+FFFD. */
    assert_int_equal(scan("{\"user\":\"\\ud83dx\\ude00\"}", &ev, &why), 0);
    assert_string_equal(text(&ev, F_USER), "\xef\xbf\xbdx\xef\xbf\xbd");
    /* Raw UTF-8 passes through untouched. */
    assert_int_equal(scan("{\"user\":\"J\xc3\xa4ger\"}", &ev, &why), 0);
    assert_false(ev.f[F_USER].esc);
    assert_string_equal(text(&ev, F_USER), "J\xc3\xa4ger");
    /* A key written with escapes is still the known key. */
    assert_int_equal(scan("{\"\\u0069d\":\"k1\",\"s\\u0079stem\":\"S\"}", &ev, &why), 0);
    assert_string_equal(text(&ev, F_ID), "k1");
    assert_string_equal(text(&ev, F_SYSTEM), "S");
    /* \u0000 is valid JSON but cannot be decoded into a C string. */
    assert_int_equal(scan("{\"id\":\"a\\u0000b\"}", &ev, &why), 0);
    char out[16];
    assert_int_equal(scan_unescape(&ev.f[F_ID], out, sizeof out), -1);
    /* Decoding into a buffer that is too small fails instead of overflowing. */
    assert_int_equal(scan("{\"id\":\"abcdef\\n\"}", &ev, &why), 0);
    assert_int_equal(scan_unescape(&ev.f[F_ID], out, 4), -1);
    assert_int_equal(scan("{\"id\":\"\\u20ac\"}", &ev, &why), 0);
    assert_int_equal(scan_unescape(&ev.f[F_ID], out, 2), -1);
}

/* scan_unescape's contract: -1 only when the decoded text does not fit. "abcdef\n" decodes
 * to 7 bytes, so a 7-byte buffer must do. */
static void test_unescape_exact_fit(void **state)
{
    (void)state;
    struct raw_event ev;
    enum reject_reason why;
    char out[16];
    assert_int_equal(scan("{\"id\":\"abcdef\\n\"}", &ev, &why), 0);
    assert_int_equal(scan_unescape(&ev.f[F_ID], out, 7), 7);
    assert_memory_equal(out, "abcdef\n", 7);
    assert_int_equal(scan("{\"id\":\"a\\u00e9\"}", &ev, &why), 0);
    assert_int_equal(scan_unescape(&ev.f[F_ID], out, 3), 3);
}

static void test_invalid_json(void **state)
{
    (void)state;
    const char *bad[] = {
        "",
        "   ",
        "{",
        "}",
        "[]",
        "\"id\"",
        "null",
        "42",
        "{\"id\":\"x\"",
        "{\"id\":\"x}",
        "{\"id\":\"x\",}",
        "{,\"id\":\"x\"}",
        "{\"id\" \"x\"}",
        "{\"id\":}",
        "{\"id\":\"x\"}}",
        "{\"id\":\"x\"} x",
        "{\"id\":\"x\"}{}",
        "{id:\"x\"}",
        "{'id':'x'}",
        "{\"id\":\"x\",\"a\":[1,2}",
        "{\"id\":\"x\",\"a\":[1,]}",
        "{\"id\":\"x\",\"a\":{\"b\"}}",
        "{\"id\":\"x\",\"a\":tru}",
        "{\"id\":\"x\",\"a\":True}",
        "{\"id\":\"x\",\"a\":nul}",
        "{\"id\":\"x\",\"a\":01}",
        "{\"id\":\"x\",\"a\":1.}",
        "{\"id\":\"x\",\"a\":.5}",
        "{\"id\":\"x\",\"a\":+1}",
        "{\"id\":\"x\",\"a\":-}",
        "{\"id\":\"x\",\"a\":1e}",
        "{\"id\":\"x\",\"a\":0x10}",
        "{\"id\":\"x\",\"a\":NaN}",
        "{\"id\":\"x\",\"results\":01}",
        "{\"id\":\"x\",\"results\":-}",
        "{\"id\":\"x\\q\"}",     /* bad escape */
        "{\"id\":\"x\\u12\"}",   /* short \u */
        "{\"id\":\"x\\u12g4\"}", /* non-hex \u */
        "{\"id\":\"x\\\"}",      /* escaped closing quote: unterminated */
        "{\"id\":\"a\tb\"}",     /* raw control character in a string */
        "{\"id\":\"a\nb\"}",
        "{\"id\":\"a\x01"
        "b\"}",
        "{\"id\":\"x\",\"a\":\"\x1f\"}",
        "{\"id\":\"x\"\x0b}",         /* vertical tab is not JSON whitespace */
        "\xef\xbb\xbf{\"id\":\"x\"}", /* a BOM is ingest's business, not the scanner's */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_invalid(bad[i], REJ_INVALID_JSON);
    /* An embedded NUL byte outside a string. */
    struct raw_event ev;
    enum reject_reason why;
    assert_int_equal(scan_event("{\"id\":\"x\"}\0", 11, &ev, &why), -1);
    assert_int_equal(why, REJ_INVALID_JSON);
    /* Truncation of a valid line at every length is invalid JSON. */
    const char *ok = "{\"id\":\"a\\u00e9\",\"results\":12,\"x\":[{\"y\":null}]}";
    for (size_t n = 0; n < strlen(ok); n++) {
        assert_int_equal(scan_event(ok, n, &ev, &why), -1);
        assert_int_equal(why, REJ_INVALID_JSON);
    }
    assert_int_equal(scan_event(ok, strlen(ok), &ev, &why), 0);
}

static void test_depth(void **state)
{
    (void)state;
    char line[512];
    struct raw_event ev;
    enum reject_reason why;
    /* 60 levels of nesting are fine; 200 are refused (the scanner caps depth at 64). */
    int pos = snprintf(line, sizeof line, "{\"x\":");
    for (int i = 0; i < 60; i++)
        line[pos++] = '[';
    for (int i = 0; i < 60; i++)
        line[pos++] = ']';
    line[pos++] = '}';
    line[pos] = '\0';
    assert_int_equal(scan(line, &ev, &why), 0);
    pos = snprintf(line, sizeof line, "{\"x\":");
    for (int i = 0; i < 200; i++)
        line[pos++] = '[';
    for (int i = 0; i < 200; i++)
        line[pos++] = ']';
    line[pos++] = '}';
    line[pos] = '\0';
    assert_int_equal(scan(line, &ev, &why), -1);
}

static void test_wrong_types(void **state)
{
    (void)state;
    const char *bad[] = {
        "{\"id\":42}",
        "{\"id\":\"x\",\"user\":true}",
        "{\"id\":\"x\",\"ts\":1743296400}",
        "{\"id\":\"x\",\"subject\":[\"P1\"]}",
        "{\"id\":\"x\",\"case\":{\"n\":\"1\"}}",
        "{\"id\":\"x\",\"results\":\"12\"}",
        "{\"id\":\"x\",\"results\":-1}",
        "{\"id\":\"x\",\"results\":1.5}",
        "{\"id\":\"x\",\"results\":1e3}",
        "{\"id\":\"x\",\"results\":true}",
        "{\"id\":\"x\",\"results\":[]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_invalid(bad[i], REJ_WRONG_TYPE);
    /* A line that is both wrongly typed and not JSON is invalid JSON: the basic fault. */
    expect_invalid("{\"id\":42,", REJ_INVALID_JSON);
    expect_invalid("{\"results\":\"x\"} trailing", REJ_INVALID_JSON);
    /* Unknown fields may have any type. */
    struct raw_event ev;
    enum reject_reason why;
    assert_int_equal(scan("{\"ids\":42,\"Results\":\"x\",\"userx\":true}", &ev, &why), 0);
    /* A big integer saturates instead of wrapping. */
    assert_int_equal(scan("{\"results\":123456789012345678901234567890}", &ev, &why), 0);
    assert_true(ev.results > 0);
    assert_int_equal(scan("{\"results\":0}", &ev, &why), 0);
    assert_true(ev.has_results);
    assert_int_equal(ev.results, 0);
}

/* ---- the cross-check against cJSON ----------------------------------------------------- */

#define XORSHIFT_SEED 0x2545F4914F6CDD1DULL
#include "xorshift.h"
static int pick(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

/* A JSON string body with a random mix of plain text, UTF-8 and escapes. */
static void gen_string_body(struct sbuf *b)
{
    int n = pick(12);
    for (int i = 0; i < n; i++) {
        switch (pick(14)) {
        case 0:
            sbuf_puts(b, "\\\"");
            break;
        case 1:
            sbuf_puts(b, "\\\\");
            break;
        case 2: {
            static const char *const e[] = {"\\/", "\\b", "\\f", "\\n", "\\r", "\\t"};
            sbuf_puts(b, e[pick(6)]);
            break;
        }
        case 3:
            sbuf_printf(b, "\\u%04x", 0x20 + pick(0x7f - 0x20));
            break;
        case 4:
            sbuf_printf(b, "\\u%04X", 0x80 + pick(0xd800 - 0x80));
            break;
        case 5: { /* a surrogate pair */
            unsigned cp = 0x10000 + (unsigned)pick(0x100000);
            sbuf_printf(b, "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
                        0xdc00 + ((cp - 0x10000) & 0x3ff));
            break;
        }
        case 6:
            sbuf_puts(b, "\xc3\xa9");
            break;
        case 7:
            sbuf_puts(b, "\xe2\x82\xac");
            break;
        case 8:
            sbuf_printf(b, "\\u%04x", 0xe000 + pick(0x2000));
            break;
        default: {
            static const char plain[] = "abcXYZ019 -_*?.:,{}[]";
            sbuf_putc(b, plain[pick(sizeof plain - 1)]);
        }
        }
    }
}

static void gen_value(struct sbuf *b, int depth)
{
    switch (pick(depth > 3 ? 6 : 8)) {
    case 0:
        sbuf_putc(b, '"');
        gen_string_body(b);
        sbuf_putc(b, '"');
        break;
    case 1: {
        static const char *const nums[] = {"0",       "-0",   "12",       "-7",          "3.25",
                                           "-0.5e10", "1E+2", "6.02e-23", "100000000000"};
        sbuf_puts(b, nums[pick(9)]);
        break;
    }
    case 2:
        sbuf_puts(b, "true");
        break;
    case 3:
        sbuf_puts(b, "false");
        break;
    case 4:
        sbuf_puts(b, "null");
        break;
    case 5:
        sbuf_printf(b, "%d", pick(100000));
        break;
    case 6: {
        sbuf_putc(b, '[');
        int n = pick(4);
        for (int i = 0; i < n; i++) {
            if (i)
                sbuf_puts(b, pick(3) ? "," : " , ");
            gen_value(b, depth + 1);
        }
        sbuf_putc(b, ']');
        break;
    }
    default: {
        sbuf_putc(b, '{');
        int n = pick(4);
        for (int i = 0; i < n; i++) {
            if (i)
                sbuf_putc(b, ',');
            sbuf_printf(b, "\"k%d\"%s", i, pick(3) ? ":" : " : ");
            gen_value(b, depth + 1);
        }
        sbuf_putc(b, '}');
    }
    }
}

/* A valid event line in random key order with random extras. */
static void gen_event(struct sbuf *b)
{
    static const char *const keys[] = {"id",      "ts",           "user",    "system",
                                       "action",  "subject_type", "subject", "case",
                                       "channel", "terminal",     "query",   "results"};
    enum { NK = 12 };
    int order[NK + 3];
    int n = 0;
    for (int i = 0; i < NK; i++)
        if (i < 5 || pick(3))
            order[n++] = i;
    for (int i = 0; i < 1 + pick(3); i++)
        order[n++] = NK + i; /* unknown fields */
    for (int i = n - 1; i > 0; i--) {
        int j = pick(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    sbuf_puts(b, pick(4) ? "{" : " {\t");
    for (int i = 0; i < n; i++) {
        if (i)
            sbuf_puts(b, pick(5) ? "," : " ,\r\n ");
        int k = order[i];
        if (k >= NK) {
            sbuf_printf(b, "\"x_%d\":", k);
            gen_value(b, 0);
            continue;
        }
        sbuf_printf(b, "\"%s\":", keys[k]);
        if (pick(40) == 0) {
            gen_value(b, 0); /* any type: often a wrong one */
        } else if (k == 11) {
            if (pick(6) == 0)
                sbuf_puts(b, "null");
            else
                sbuf_printf(b, "%d", pick(1000));
        } else if (k >= 7 && pick(6) == 0) {
            sbuf_puts(b, "null");
        } else if (k == 1) {
            sbuf_puts(b,
                      pick(2) ? "\"2025-03-30T01:59:59+01:00\"" : "\"2025-03-30T03:00:00+02:00\"");
        } else {
            sbuf_putc(b, '"');
            gen_string_body(b);
            sbuf_putc(b, '"');
        }
    }
    sbuf_puts(b, pick(4) ? "}" : "} ");
}

/* A random structural mutation. The alphabet is JSON-heavy so that many mutants are
 * near-misses (valid-looking) rather than obvious garbage. */
static void mutate(struct sbuf *b)
{
    static const char alpha[] = "{}[]\":,\\/u0123456789aAfFeE+-. \tntrl\x01\x7f\xff";
    int rounds = 1 + pick(3);
    for (int r = 0; r < rounds && b->len > 0; r++) {
        size_t pos = (size_t)pick((int)b->len);
        switch (pick(6)) {
        case 0: /* replace */
            b->buf[pos] = alpha[pick(sizeof alpha - 1)];
            break;
        case 1: /* delete */
            memmove(b->buf + pos, b->buf + pos + 1, b->len - pos);
            b->len--;
            break;
        case 2: { /* insert */
            char c = alpha[pick(sizeof alpha - 1)];
            sbuf_putc(b, ' ');
            memmove(b->buf + pos + 1, b->buf + pos, b->len - pos - 1);
            b->buf[pos] = c;
            break;
        }
        case 3: /* truncate */
            b->len = pos;
            b->buf[pos] = '\0';
            break;
        case 4: /* trailing garbage */
            sbuf_puts(b, pick(2) ? "x" : ",{}");
            break;
        default: /* swap two bytes */
        {
            size_t q = (size_t)pick((int)b->len);
            char t = b->buf[pos];
            b->buf[pos] = b->buf[q];
            b->buf[q] = t;
        }
        }
    }
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Does an RFC 8259 number start at s and end exactly at s + n? */
static bool rfc_number(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return false;
    if (s[i] == '0')
        i++;
    else if (s[i] >= '1' && s[i] <= '9')
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    else
        return false;
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return false;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return false;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    return i == n;
}

/* Does the line touch one of the documented cJSON leniencies (see the file comment)? */
static bool cjson_lenient(const char *s, size_t n)
{
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 && c != ' ')
            return true; /* 1: control bytes (outside strings they are invalid for both) */
        if (in_str) {
            if (c == '\\' && i + 1 < n) {
                if (s[i + 1] == 'u') {
                    if (i + 5 >= n || !is_hex(s[i + 2]) || !is_hex(s[i + 3]) || !is_hex(s[i + 4]) ||
                        !is_hex(s[i + 5]))
                        return true; /* 2: \u without four hex digits */
                    unsigned cp = (unsigned)strtoul(
                        (char[5]){s[i + 2], s[i + 3], s[i + 4], s[i + 5], 0}, NULL, 16);
                    if (cp >= 0xdc00 && cp <= 0xdfff)
                        return true; /* 2: lone low surrogate */
                    if (cp >= 0xd800 && cp <= 0xdbff) {
                        if (i + 11 >= n || s[i + 6] != '\\' || s[i + 7] != 'u')
                            return true;
                        unsigned lo = (unsigned)strtoul(
                            (char[5]){s[i + 8], s[i + 9], s[i + 10], s[i + 11], 0}, NULL, 16);
                        if (lo < 0xdc00 || lo > 0xdfff)
                            return true; /* 2: high surrogate without its low half */
                        i += 6;
                    }
                    i += 5;
                    continue;
                }
                i++;
                continue;
            }
            if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
            continue;
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            size_t j = i;
            while (j < n && strchr("0123456789+-eE.", s[j]) != NULL)
                j++;
            if (!rfc_number(s + i, j - i))
                return true; /* 3: strtod-style number */
            i = j - 1;
        }
    }
    return false;
}

/* The last member named `name` (scan_event keeps the last of duplicate keys). */
static const cJSON *member(const cJSON *obj, const char *name)
{
    const cJSON *found = NULL;
    for (const cJSON *c = obj->child; c != NULL; c = c->next)
        if (c->string != NULL && strcmp(c->string, name) == 0)
            found = c;
    return found;
}

static const char *const field_names[F__STRINGS] = {
    [F_ID] = "id",           [F_TS] = "ts",
    [F_USER] = "user",       [F_SYSTEM] = "system",
    [F_ACTION] = "action",   [F_SUBJECT_TYPE] = "subject_type",
    [F_SUBJECT] = "subject", [F_CASE] = "case",
    [F_CHANNEL] = "channel", [F_TERMINAL] = "terminal",
    [F_QUERY] = "query",
};

static void compare_fields(const char *line, const struct raw_event *ev, const cJSON *obj)
{
    static char buf[16384];
    for (int f = 0; f < F__STRINGS; f++) {
        const cJSON *m = member(obj, field_names[f]);
        if (m == NULL || cJSON_IsNull(m)) {
            if (ev->f[f].present)
                fail_msg("field %s present for scan, absent for cJSON: %s", field_names[f], line);
            continue;
        }
        if (!cJSON_IsString(m))
            fail_msg("field %s not a string but scan accepted: %s", field_names[f], line);
        if (!ev->f[f].present)
            fail_msg("field %s missed by scan: %s", field_names[f], line);
        int n = scan_unescape(&ev->f[f], buf, sizeof buf);
        if (n < 0) {
            /* Only a \u0000 may make decoding fail; cJSON stops its string there. */
            if (memmem(ev->f[f].p, ev->f[f].n, "\\u0000", 6) == NULL)
                fail_msg("scan_unescape failed on %s: %s", field_names[f], line);
            continue;
        }
        if ((size_t)n != strlen(m->valuestring) || memcmp(buf, m->valuestring, (size_t)n) != 0)
            fail_msg("field %s differs: scan '%.*s' cJSON '%s' in %s", field_names[f], n, buf,
                     m->valuestring, line);
    }
    const cJSON *r = member(obj, "results");
    if (r == NULL || cJSON_IsNull(r)) {
        assert_false(ev->has_results);
    } else {
        assert_true(cJSON_IsNumber(r));
        assert_true(ev->has_results);
        assert_true(r->valuedouble >= 0);
        assert_true(fabs(r->valuedouble - (double)ev->results) < 0.5);
    }
}

static void test_cross_check_cjson(void **state)
{
    (void)state;
    enum { LINES = 6000 };
    int valid = 0, invalid = 0, excluded = 0, compared_fields = 0, wrong_type = 0;
    struct sbuf line = {0};
    char *z = NULL;
    size_t zcap = 0;
    for (int i = 0; i < LINES; i++) {
        sbuf_reset(&line);
        int kind = pick(10);
        if (kind < 4) {
            gen_event(&line);
        } else if (kind < 9) {
            gen_event(&line);
            mutate(&line);
        } else {
            gen_value(&line, 0); /* any JSON value, mostly not an object */
            if (pick(2))
                mutate(&line);
        }
        const char *s = line.buf ? line.buf : "";
        size_t n = line.len;
        struct raw_event ev;
        enum reject_reason why = REJ__COUNT;
        int rc = scan_event(s, n, &ev, &why);
        bool scan_json = rc == 0 || why == REJ_WRONG_TYPE;
        if (rc != 0)
            assert_true(why == REJ_INVALID_JSON || why == REJ_WRONG_TYPE);
        /* cJSON gets a NUL-terminated copy and must consume it all. */
        if (zcap < n + 1) {
            zcap = n + 1;
            z = xrealloc(z, zcap);
        }
        memcpy(z, s, n);
        z[n] = '\0';
        cJSON *j = cJSON_ParseWithLengthOpts(z, n + 1, NULL, 1);
        bool cj_json = j != NULL && cJSON_IsObject(j);
        if (scan_json != cj_json) {
            if (cjson_lenient(s, n)) {
                excluded++;
                cJSON_Delete(j);
                continue;
            }
            fail_msg("verdicts differ (scan %s, cJSON %s): %s", scan_json ? "JSON" : "not JSON",
                     cj_json ? "object" : "not an object", s);
        }
        if (rc == 0) {
            compare_fields(s, &ev, j);
            compared_fields++;
        } else if (why == REJ_WRONG_TYPE) {
            /* Some known field really has a type scan must refuse. */
            bool found = false;
            for (int f = 0; f < F__STRINGS && !found; f++) {
                const cJSON *m = member(j, field_names[f]);
                found = m != NULL && !cJSON_IsString(m) && !cJSON_IsNull(m);
            }
            const cJSON *r = member(j, "results");
            if (r != NULL && !cJSON_IsNull(r))
                found = found || !cJSON_IsNumber(r) || r->valuedouble < 0 ||
                        memchr(s, '.', n) != NULL || memchr(s, 'e', n) != NULL ||
                        memchr(s, 'E', n) != NULL;
            if (!found)
                fail_msg("wrong_type without a wrongly typed field: %s", s);
            wrong_type++;
        }
        if (cj_json)
            valid++;
        else
            invalid++;
        cJSON_Delete(j);
    }
    print_message("cross-check: %d lines, %d JSON objects (%d with fields compared, %d wrong "
                  "type), %d not, %d excluded as cJSON leniencies\n",
                  LINES, valid, compared_fields, wrong_type, invalid, excluded);
    /* The corpus must exercise both verdicts and the exclusions must stay a minority. */
    assert_true(compared_fields > LINES / 4);
    assert_true(invalid > LINES / 5);
    assert_true(excluded < LINES / 5);
    free(z);
    sbuf_free(&line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_all_fields),
        cmocka_unit_test(test_valid_unknown_nested_and_nulls),
        cmocka_unit_test(test_escapes_and_unicode),
        cmocka_unit_test(test_unescape_exact_fit),
        cmocka_unit_test(test_invalid_json),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_cross_check_cjson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
