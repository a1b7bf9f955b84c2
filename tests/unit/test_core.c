/*
 * test_core.c - unit tests of core/: RFC 3339 parsing, local time in Europe/Amsterdam
 * across both DST changes of 2025, the string and u64 hash maps, and JSON string escaping.
 *
 * Why these: every event's timestamp goes through ts_parse_rfc3339 and every time-of-day
 * judgement (night, weekend, on shift) through tz_local, so an off-by-one-hour there turns
 * into false off-duty alerts twice a year. The u64map's backward-shift deletion is easy to
 * get subtly wrong (a lost key only shows under clustering), so it is checked against a
 * plain reference under many random operations. sbuf_json_str writes everything that
 * leaves wachter as JSON, including raw rejected lines that may hold any bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/core.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static int64_t parse_ok(const char *s)
{
    int64_t ms = 0;
    assert_int_equal(ts_parse_rfc3339(s, strlen(s), &ms), 0);
    return ms;
}

static void parse_bad(const char *s)
{
    int64_t ms = 12345;
    if (ts_parse_rfc3339(s, strlen(s), &ms) == 0)
        fail_msg("accepted invalid timestamp '%s' as %lld", s, (long long)ms);
}

/* ---- RFC 3339 -------------------------------------------------------------------------- */

static void test_ts_offsets_and_zulu(void **state)
{
    (void)state;
    /* 2025-03-30T01:00:00Z = 1743296400 s. */
    assert_int_equal(parse_ok("2025-03-30T01:00:00Z"), 1743296400000LL);
    assert_int_equal(parse_ok("2025-03-30T01:00:00z"), 1743296400000LL);
    assert_int_equal(parse_ok("2025-03-30T02:00:00+01:00"), 1743296400000LL);
    assert_int_equal(parse_ok("2025-03-30T03:00:00+02:00"), 1743296400000LL);
    assert_int_equal(parse_ok("2025-03-29T20:30:00-04:30"), 1743296400000LL);
    assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(parse_ok("1969-12-31T23:59:59Z"), -1000);
    /* The DST pair of the spec: one second apart. */
    assert_int_equal(parse_ok("2025-03-30T03:00:00+02:00") - parse_ok("2025-03-30T01:59:59+01:00"),
                     1000);
    /* Leap day. */
    assert_int_equal(parse_ok("2024-02-29T00:00:00Z") + 86400000LL,
                     parse_ok("2024-03-01T00:00:00Z"));
    assert_int_equal(parse_ok("2000-02-29T12:00:00Z"), 951825600000LL);
}

static void test_ts_fractions_and_leap_second(void **state)
{
    (void)state;
    int64_t base = parse_ok("2025-01-01T00:00:00Z");
    assert_int_equal(parse_ok("2025-01-01T00:00:00.5Z"), base + 500);
    assert_int_equal(parse_ok("2025-01-01T00:00:00.123Z"), base + 123);
    assert_int_equal(parse_ok("2025-01-01T00:00:00.123456789+00:00"), base + 123);
    assert_int_equal(parse_ok("2025-01-01T00:00:00.999Z"), base + 999);
    /* A leap second folds into the last second of the minute. */
    assert_int_equal(parse_ok("2016-12-31T23:59:60Z"), parse_ok("2016-12-31T23:59:59Z"));
}

static void test_ts_rejects(void **state)
{
    (void)state;
    parse_bad("");
    parse_bad("garbage");
    parse_bad("2025-03-30T01:59:59"); /* no offset: the local time is ambiguous */
    parse_bad("2025-03-30 01:59:59");
    parse_bad("2025-03-30T01:59:59+0100"); /* offset without colon */
    parse_bad("2025-03-30T01:59:59+01");
    parse_bad("2025-03-30T01:59:59+24:00");
    parse_bad("2025-03-30T01:59:59+01:60");
    parse_bad("2025-02-29T00:00:00Z"); /* not a leap year */
    parse_bad("1900-02-29T00:00:00Z");
    parse_bad("2025-04-31T00:00:00Z");
    parse_bad("2025-13-01T00:00:00Z");
    parse_bad("2025-00-01T00:00:00Z");
    parse_bad("2025-01-00T00:00:00Z");
    parse_bad("2025-01-01T24:00:00Z");
    parse_bad("2025-01-01T23:60:00Z");
    parse_bad("2025-01-01T23:59:61Z");
    parse_bad("2025-01-01T00:00:00.Z"); /* a dot needs digits */
    parse_bad("2025-01-01T00:00:00ZZ"); /* trailing text */
    parse_bad("2025-01-01T00:00:00Z ");
    parse_bad("2025-01-01X00:00:00Z");
    parse_bad("2025/01/01T00:00:00Z");
    parse_bad("20a5-01-01T00:00:00Z");
    parse_bad("2025-01-01T00:00:00+01:00x");
    parse_bad("1743296400");
    /* A length that cuts a valid timestamp short must not read past it. */
    int64_t ms;
    const char *s = "2025-03-30T03:00:00+02:00";
    for (size_t n = 0; n < strlen(s); n++)
        assert_int_equal(ts_parse_rfc3339(s, n, &ms), -1);
}

static void test_date_parse(void **state)
{
    (void)state;
    int32_t d;
    assert_int_equal(date_parse("1970-01-02", 10, &d), 0);
    assert_int_equal(d, 1);
    assert_int_equal(date_parse("2025-03-30", 10, &d), 0);
    assert_int_equal(d, 20177);
    assert_int_equal(date_parse("2025-02-30", 10, &d), -1);
    assert_int_equal(date_parse("2025-3-30", 9, &d), -1);
    assert_int_equal(date_parse("30-03-2025", 10, &d), -1);
    int y;
    unsigned m, dd;
    civil_from_days(20177, &y, &m, &dd);
    assert_int_equal(y, 2025);
    assert_int_equal(m, 3);
    assert_int_equal(dd, 30);
    char text[DATE_TEXT_SIZE];
    date_format(20177, text);
    assert_string_equal(text, "2025-03-30");
    date_format(1, text);
    assert_string_equal(text, "1970-01-02");
    for (int64_t z = -800000; z < 800000; z += 997) {
        civil_from_days(z, &y, &m, &dd);
        assert_int_equal(days_from_civil(y, m, dd), z);
    }
}

/* ---- time zones ------------------------------------------------------------------------ */

static void check_local(struct tz *tz, const char *ts, int32_t offset, int hour, int minute,
                        int32_t wday, const char *formatted)
{
    int64_t ms = parse_ok(ts);
    struct local_time lt;
    tz_local(tz, ms, &lt);
    assert_int_equal(tz_offset(tz, ms), offset);
    assert_int_equal(lt.offset, offset);
    assert_int_equal(lt.minute, hour * 60 + minute);
    assert_int_equal(lt.wday, wday);
    char out[32];
    size_t n = ts_format(tz, ms, out);
    assert_int_equal(n, strlen(formatted));
    assert_string_equal(out, formatted);
}

static void test_tz_amsterdam_march(void **state)
{
    (void)state;
    struct err e;
    struct tz *tz = tz_open("Europe/Amsterdam", &e);
    assert_non_null(tz);
    /* Sunday 30 March 2025: 02:00 CET jumps to 03:00 CEST. */
    check_local(tz, "2025-03-30T01:59:59+01:00", 3600, 1, 59, 0, "2025-03-30T01:59:59+01:00");
    check_local(tz, "2025-03-30T03:00:00+02:00", 7200, 3, 0, 0, "2025-03-30T03:00:00+02:00");
    /* The same instants written in UTC come out in local time. */
    check_local(tz, "2025-03-30T00:59:59Z", 3600, 1, 59, 0, "2025-03-30T01:59:59+01:00");
    check_local(tz, "2025-03-30T01:00:00Z", 7200, 3, 0, 0, "2025-03-30T03:00:00+02:00");
    /* Local day: 23:30 UTC on Saturday is already Sunday in Amsterdam. */
    check_local(tz, "2025-03-29T23:30:00Z", 3600, 0, 30, 0, "2025-03-30T00:30:00+01:00");
    check_local(tz, "2025-03-30T22:30:00Z", 7200, 0, 30, 1, "2025-03-31T00:30:00+02:00");
    struct local_time a, b;
    tz_local(tz, parse_ok("2025-03-29T23:30:00Z"), &a);
    tz_local(tz, parse_ok("2025-03-30T21:59:59Z"), &b);
    assert_int_equal(a.day, 20177);
    assert_int_equal(b.day, 20177);
    assert_int_equal(b.minute, 23 * 60 + 59);
    tz_free(tz);
}

static void test_tz_amsterdam_october(void **state)
{
    (void)state;
    struct err e;
    struct tz *tz = tz_open("Europe/Amsterdam", &e);
    assert_non_null(tz);
    /* Sunday 26 October 2025: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice. */
    check_local(tz, "2025-10-26T00:30:00Z", 7200, 2, 30, 0, "2025-10-26T02:30:00+02:00");
    check_local(tz, "2025-10-26T01:30:00Z", 3600, 2, 30, 0, "2025-10-26T02:30:00+01:00");
    check_local(tz, "2025-10-26T00:59:59Z", 7200, 2, 59, 0, "2025-10-26T02:59:59+02:00");
    check_local(tz, "2025-10-26T01:00:00Z", 3600, 2, 0, 0, "2025-10-26T02:00:00+01:00");
    check_local(tz, "2025-10-25T12:00:00+02:00", 7200, 12, 0, 6, "2025-10-25T12:00:00+02:00");
    check_local(tz, "2025-10-27T12:00:00+01:00", 3600, 12, 0, 1, "2025-10-27T12:00:00+01:00");
    /* Winter, far from any change, and a pre-epoch instant. */
    check_local(tz, "2025-01-15T23:59:59Z", 3600, 0, 59, 4, "2025-01-16T00:59:59+01:00");
    check_local(tz, "1969-12-31T23:00:00Z", 3600, 0, 0, 4, "1970-01-01T00:00:00+01:00");
    tz_free(tz);
}

static void test_tz_unknown(void **state)
{
    (void)state;
    struct err e = {{0}};
    assert_null(tz_open("Mars/Olympus_Mons", &e));
    assert_non_null(strstr(e.msg, "Mars/Olympus_Mons"));
    assert_null(tz_open("../etc/passwd", &e));
    assert_null(tz_open("", &e));
    struct tz *utc = tz_open("UTC", &e);
    assert_non_null(utc);
    char out[32];
    ts_format(utc, parse_ok("2025-03-30T03:00:00+02:00"), out);
    assert_string_equal(out, "2025-03-30T01:00:00+00:00");
    tz_free(utc);
    /* Reset the process zone for the following tests. */
    struct tz *ams = tz_open("Europe/Amsterdam", &e);
    tz_free(ams);
}

/* ---- maps ------------------------------------------------------------------------------ */

#define XORSHIFT_SEED 0x9e3779b97f4a7c15ULL
#include "xorshift.h"

static void test_strmap(void **state)
{
    (void)state;
    struct strmap m = {0};
    assert_int_equal(strmap_get(&m, "x", 1), -1);
    char buf[32];
    for (uint32_t i = 0; i < 5000; i++) {
        int n = snprintf(buf, sizeof buf, "key-%u", i * 7919u);
        const char *k = strmap_put(&m, buf, (size_t)n, i);
        assert_string_equal(k, buf);
        assert_ptr_not_equal(k, buf);
    }
    assert_int_equal(m.count, 5000);
    for (uint32_t i = 0; i < 5000; i++) {
        int n = snprintf(buf, sizeof buf, "key-%u", i * 7919u);
        assert_int_equal(strmap_get(&m, buf, (size_t)n), i);
    }
    /* Overwrite keeps one entry and returns the same interned copy. */
    const char *k1 = strmap_put(&m, "key-0", 5, 1);
    const char *k2 = strmap_put(&m, "key-0", 5, 99);
    assert_ptr_equal(k1, k2);
    assert_int_equal(strmap_get(&m, "key-0", 5), 99);
    assert_int_equal(m.count, 5000);
    /* Prefixes, longer keys and keys with NUL bytes are distinct keys. */
    assert_int_equal(strmap_get(&m, "key-", 4), -1);
    assert_int_equal(strmap_get(&m, "key-00", 6), -1);
    strmap_put(&m, "a\0b", 3, 7);
    assert_int_equal(strmap_get(&m, "a\0b", 3), 7);
    assert_int_equal(strmap_get(&m, "a", 1), -1);
    /* The empty key is a key. */
    strmap_put(&m, "", 0, 42);
    assert_int_equal(strmap_get(&m, "", 0), 42);
    strmap_free(&m);
    strmap_free(NULL);
}

/* Keys drawn from a small range so that inserts, overwrites and deletes collide and the
 * table forms long probe runs; a few keys share the low bits to cluster further. */
static void test_u64map_random_vs_reference(void **state)
{
    (void)state;
    enum { RANGE = 3000, OPS = 400000 };
    uint64_t *ref = xcalloc(RANGE, sizeof *ref);
    bool *has = xcalloc(RANGE, sizeof *has);
    struct u64map m = {0};
    size_t count = 0;
    for (int op = 0; op < OPS; op++) {
        uint64_t r = rnd();
        uint32_t k = (uint32_t)(r % RANGE);
        uint64_t key = (uint64_t)k * 1024 + 1; /* never 0 */
        switch ((r >> 32) % 5) {
        case 0:
        case 1: {
            uint64_t v = r >> 8;
            bool fresh = u64map_put(&m, key, v);
            assert_int_equal(fresh, !has[k]);
            if (!has[k])
                count++;
            has[k] = true;
            ref[k] = v;
            break;
        }
        case 2:
        case 3: {
            bool was = u64map_del(&m, key);
            assert_int_equal(was, has[k]);
            if (has[k])
                count--;
            has[k] = false;
            break;
        }
        default: {
            uint64_t *v = u64map_get(&m, key);
            if (has[k]) {
                assert_non_null(v);
                assert_int_equal(*v, ref[k]);
            } else {
                assert_null(v);
            }
        }
        }
        assert_int_equal(m.count, count);
        /* Every so often, verify every key. */
        if (op % 50000 == 0) {
            for (uint32_t i = 0; i < RANGE; i++) {
                uint64_t *v = u64map_get(&m, (uint64_t)i * 1024 + 1);
                assert_int_equal(v != NULL, has[i]);
                if (v)
                    assert_int_equal(*v, ref[i]);
            }
        }
    }
    for (uint32_t i = 0; i < RANGE; i++) {
        uint64_t *v = u64map_get(&m, (uint64_t)i * 1024 + 1);
        assert_int_equal(v != NULL, has[i]);
        if (v)
            assert_int_equal(*v, ref[i]);
    }
    u64map_clear(&m);
    assert_int_equal(m.count, 0);
    for (uint32_t i = 0; i < RANGE; i++)
        assert_null(u64map_get(&m, (uint64_t)i * 1024 + 1));
    assert_true(u64map_put(&m, 5, 6));
    assert_int_equal(*u64map_get(&m, 5), 6);
    u64map_free(&m);
    u64map_free(NULL);
    /* An empty map answers without allocating. */
    struct u64map empty = {0};
    assert_null(u64map_get(&empty, 1));
    assert_false(u64map_del(&empty, 1));
    free(ref);
    free(has);
}

/* Delete every key of a dense run in every order pattern: a hole in the middle of a run
 * must be filled by the backward shift, or later keys become unreachable. */
static void test_u64map_delete_runs(void **state)
{
    (void)state;
    for (int round = 0; round < 50; round++) {
        struct u64map m = {0};
        enum { N = 700 }; /* 700/1024 fills the first table to its limit */
        uint64_t keys[N];
        for (int i = 0; i < N; i++) {
            keys[i] = (rnd() | 1);
            u64map_put(&m, keys[i], (uint64_t)i);
        }
        for (int i = N - 1; i > 0; i--) { /* shuffle */
            int j = (int)(rnd() % (uint64_t)(i + 1));
            uint64_t t = keys[i];
            keys[i] = keys[j];
            keys[j] = t;
        }
        for (int i = 0; i < N; i++) {
            assert_true(u64map_del(&m, keys[i]));
            assert_false(u64map_del(&m, keys[i]));
            for (int k = i + 1; k < N; k += 7)
                assert_non_null(u64map_get(&m, keys[k]));
        }
        assert_int_equal(m.count, 0);
        u64map_free(&m);
    }
}

static void test_hash_bytes(void **state)
{
    (void)state;
    const char *a = "bv-88123";
    assert_int_equal(hash_bytes(a, 8, 1), hash_bytes("bv-88123", 8, 1));
    assert_int_not_equal(hash_bytes(a, 8, 1), hash_bytes(a, 8, 2));
    assert_int_not_equal(hash_bytes(a, 8, 1), hash_bytes(a, 7, 1));
    assert_int_not_equal(hash_bytes("bv-88123", 8, 1), hash_bytes("bv-88124", 8, 1));
    /* Unaligned starts give the same hash as aligned copies. */
    char buf[64];
    for (int off = 0; off < 8; off++) {
        memcpy(buf + off, "audit-event-0123456789", 22);
        assert_int_equal(hash_bytes(buf + off, 22, 9), hash_bytes("audit-event-0123456789", 22, 9));
    }
}

/* ---- JSON strings ---------------------------------------------------------------------- */

static char *json_of(const char *s, size_t n)
{
    struct sbuf b = {0};
    sbuf_json_str(&b, s, n);
    char *r = xstrdup(b.buf);
    sbuf_free(&b);
    return r;
}

static void check_json(const char *in, size_t n, const char *want)
{
    char *got = json_of(in, n);
    assert_string_equal(got, want);
    /* Whatever it is, it parses as one JSON string. */
    cJSON *j = cJSON_Parse(got);
    assert_non_null(j);
    assert_true(cJSON_IsString(j));
    cJSON_Delete(j);
    free(got);
}

static void test_sbuf_json_str(void **state)
{
    (void)state;
    check_json("plain", 5, "\"plain\"");
    check_json("", 0, "\"\"");
    check_json("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
    check_json("\n\r\t", 3, "\"\\n\\r\\t\"");
    check_json("\x01\x1f", 2, "\"\\u0001\\u001f\"");
    check_json("a\0b", 3, "\"a\\u0000b\"");
    check_json("/", 1, "\"/\"");
    /* Valid UTF-8 passes through as is. */
    check_json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
               "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    /* Invalid UTF-8 bytes come out as \u00XX: a lone continuation byte, a truncated
     * sequence, an overlong encoding, a surrogate, and 0xFF. */
    check_json("\x80", 1, "\"\\u0080\"");
    check_json("a\xc3", 2, "\"a\\u00c3\"");
    check_json("\xc0\xaf", 2, "\"\\u00c0\\u00af\"");
    check_json("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"");
    check_json("\xff", 1, "\"\\u00ff\"");
    /* Appending keeps earlier content. */
    struct sbuf b = {0};
    sbuf_puts(&b, "[");
    sbuf_json_str(&b, "x", 1);
    sbuf_putc(&b, ',');
    sbuf_json_str(&b, "y\"", 2);
    sbuf_putc(&b, ']');
    assert_string_equal(b.buf, "[\"x\",\"y\\\"\"]");
    assert_int_equal(b.len, strlen(b.buf));
    sbuf_free(&b);
}

/* Every single byte value and random byte strings give JSON that cJSON parses back. */
static void test_sbuf_json_str_random(void **state)
{
    (void)state;
    unsigned char raw[64];
    for (int round = 0; round < 5000; round++) {
        size_t n = rnd() % sizeof raw;
        for (size_t i = 0; i < n; i++)
            raw[i] = (unsigned char)rnd();
        char *js = json_of((const char *)raw, n);
        cJSON *j = cJSON_Parse(js);
        if (j == NULL || !cJSON_IsString(j))
            fail_msg("sbuf_json_str produced invalid JSON: %s", js);
        cJSON_Delete(j);
        free(js);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ts_offsets_and_zulu),
        cmocka_unit_test(test_ts_fractions_and_leap_second),
        cmocka_unit_test(test_ts_rejects),
        cmocka_unit_test(test_date_parse),
        cmocka_unit_test(test_tz_amsterdam_march),
        cmocka_unit_test(test_tz_amsterdam_october),
        cmocka_unit_test(test_tz_unknown),
        cmocka_unit_test(test_strmap),
        cmocka_unit_test(test_u64map_random_vs_reference),
        cmocka_unit_test(test_u64map_delete_runs),
        cmocka_unit_test(test_hash_bytes),
        cmocka_unit_test(test_sbuf_json_str),
        cmocka_unit_test(test_sbuf_json_str_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
