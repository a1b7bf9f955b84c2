/*
 * scan.c - a validating scanner for one flat JSON object per line.
 *
 * Why not a JSON library: every event passes through here, and the ingest path must run
 * at several million lines per second on one core. A general parser builds a tree and
 * copies strings; this scanner walks the line once, validates it completely as RFC 8259
 * JSON (nested values in unknown fields included, depth capped at 64), and records where
 * the known fields' strings start and end without copying them. Strings that contain
 * escapes are flagged and decoded on demand (scan_unescape), which is rare in audit logs.
 * Reading a file, ingest.c does not look for the end of a line first: scan_line scans up
 * to the first newline and reports where it stopped, so each byte is read once. The ends
 * of strings are found in masks of 64-byte blocks (struct block), computed with SSE2 once
 * per block rather than once per string.
 *
 * It is fuzzed (tests/fuzz/fuzz_scan.c) and cross-checked against cJSON on a corpus with
 * escapes, \u sequences, nested values and garbage (tests/unit/test_scan.c).
 *
 * Not checked here: UTF-8 validity of string bytes (as with most JSON parsers), required
 * fields and timestamp syntax (ingest.c does that, because it knows the contract).
 */
#include "ingest/ingest.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

enum { MAX_DEPTH = 64 };

/* Where the bytes that end a run of plain string bytes ('"', '\\', control characters)
 * lie in the 64 bytes from `base`: bit i for base[i]. The strings of an event are short,
 * so finding each one's end by a vector test of its own puts the whole latency of that
 * test between one string and the next; one block's mask serves the several strings it
 * holds, and each then costs a shift and a bit scan. `base` is kept as a number so that
 * an unset block (0) simply lies far from every position. */
struct block {
    uintptr_t base;
    uint64_t mask;
};

#ifdef __SSE2__
static inline uint32_t special16(const char *p)
{
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i ctl = _mm_set1_epi8(0x1F);
    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                               _mm_cmpeq_epi8(_mm_max_epu8(x, ctl), ctl));
    return (uint32_t)_mm_movemask_epi8(hit);
}
#endif

/* Skip plain string bytes (not '"', not '\\', not a control character) from p, with the
 * masks of 64-byte blocks (see struct block) where SSE2 is available and 64 bytes remain
 * before `end` (the line may end at the end of the mapped file), then 16 bytes at a time,
 * then byte by byte. `b` carries the last block from one call to the next in a line. */
static inline const char *skip_plain(const char *p, const char *end, struct block *b)
{
#ifdef __SSE2__
    for (;;) {
        uintptr_t off = (uintptr_t)p - b->base;
        if (off < 64) {
            uint64_t m = b->mask >> off;
            if (m != 0)
                return p + __builtin_ctzll(m);
            p += 64 - off;
        }
        if (end - p < 64)
            break;
        b->base = (uintptr_t)p;
        b->mask = (uint64_t)special16(p) | (uint64_t)special16(p + 16) << 16 |
                  (uint64_t)special16(p + 32) << 32 | (uint64_t)special16(p + 48) << 48;
    }
    for (; end - p >= 16; p += 16) { /* the last bytes before `end` */
        uint32_t m = special16(p);
        if (m != 0)
            return p + __builtin_ctz(m);
    }
#else
    (void)b;
#endif
    while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
        p++;
    return p;
}

/* Skip JSON whitespace. With `nl` set a newline is not whitespace but the end of the line
 * (see scan_line). Lines written by machines rarely hold any whitespace between tokens, so
 * the first byte is tested on its own: anything above ' ' ends the run at once. */
static inline __attribute__((always_inline)) const char *skip_ws(const char *p, const char *end,
                                                                 int nl)
{
    if (p < end && (unsigned char)*p > ' ')
        return p;
    while (p < end && (*p == ' ' || *p == '\t' || (*p == '\n' && !nl) || *p == '\r'))
        p++;
    return p;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* *pp points at the opening quote. On success *pp points past the closing quote and `f`
 * holds the body. */
static inline __attribute__((always_inline)) int scan_string(const char **pp, const char *end,
                                                             struct field *f, struct block *b)
{
    const char *p = *pp + 1;
    const char *start = p;
    uint8_t esc = 0;
    for (;;) {
        p = skip_plain(p, end, b);
        if (p >= end)
            return -1;
        if (*p == '"')
            break;
        if ((unsigned char)*p < 0x20)
            return -1;
        /* A backslash escape. */
        esc = 1;
        if (p + 1 >= end)
            return -1;
        switch (p[1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            p += 2;
            break;
        case 'u':
            if (end - p < 6 || hexval(p[2]) < 0 || hexval(p[3]) < 0 || hexval(p[4]) < 0 ||
                hexval(p[5]) < 0)
                return -1;
            p += 6;
            break;
        default:
            return -1;
        }
    }
    if (f != NULL) {
        f->p = start;
        f->n = (uint32_t)(p - start);
        f->esc = esc;
        f->present = 1;
        f->is_null = 0;
    }
    *pp = p + 1;
    return 0;
}

/* RFC 8259 number. Sets *is_uint when it is a plain non-negative integer and stores it. */
static int scan_number(const char **pp, const char *end, int *is_uint, int64_t *val)
{
    const char *p = *pp;
    int neg = 0, frac = 0;
    int64_t v = 0;
    int overflow = 0;
    if (p < end && *p == '-') {
        neg = 1;
        p++;
    }
    if (p >= end)
        return -1;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') {
            if (v > (INT64_MAX - 9) / 10)
                overflow = 1;
            else
                v = v * 10 + (*p - '0');
            p++;
        }
    } else {
        return -1;
    }
    if (p < end && *p == '.') {
        frac = 1;
        p++;
        if (p >= end || *p < '0' || *p > '9')
            return -1;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        frac = 1;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9')
            return -1;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    *is_uint = !neg && !frac;
    *val = overflow ? INT64_MAX : v;
    *pp = p;
    return 0;
}

static int scan_literal(const char **pp, const char *end, const char *lit, size_t n)
{
    if ((size_t)(end - *pp) < n || memcmp(*pp, lit, n) != 0)
        return -1;
    *pp += n;
    return 0;
}

static int skip_value(const char **pp, const char *end, int depth, int nl, struct block *b)
{
    const char *p = skip_ws(*pp, end, nl);
    if (p >= end || depth > MAX_DEPTH)
        return -1;
    int rc = 0;
    switch (*p) {
    case '"':
        rc = scan_string(&p, end, NULL, b);
        break;
    case '{':
    case '[': {
        char close = *p == '{' ? '}' : ']';
        int is_obj = *p == '{';
        p = skip_ws(p + 1, end, nl);
        if (p < end && *p == close) {
            p++;
            break;
        }
        for (;;) {
            if (is_obj) {
                p = skip_ws(p, end, nl);
                if (p >= end || *p != '"' || scan_string(&p, end, NULL, b) != 0)
                    return -1;
                p = skip_ws(p, end, nl);
                if (p >= end || *p != ':')
                    return -1;
                p++;
            }
            if (skip_value(&p, end, depth + 1, nl, b) != 0)
                return -1;
            p = skip_ws(p, end, nl);
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            if (p < end && *p == close) {
                p++;
                break;
            }
            return -1;
        }
        break;
    }
    case 't':
        rc = scan_literal(&p, end, "true", 4);
        break;
    case 'f':
        rc = scan_literal(&p, end, "false", 5);
        break;
    case 'n':
        rc = scan_literal(&p, end, "null", 4);
        break;
    default: {
        int is_uint;
        int64_t v;
        rc = scan_number(&p, end, &is_uint, &v);
    }
    }
    *pp = p;
    return rc;
}

/* Map a key to its field, or -1 for an unknown key; -2 for "results". */
static int key_field(const char *k, size_t n)
{
    switch (n) {
    case 2:
        if (memcmp(k, "id", 2) == 0)
            return F_ID;
        if (memcmp(k, "ts", 2) == 0)
            return F_TS;
        break;
    case 4:
        if (memcmp(k, "user", 4) == 0)
            return F_USER;
        if (memcmp(k, "case", 4) == 0)
            return F_CASE;
        break;
    case 5:
        if (memcmp(k, "query", 5) == 0)
            return F_QUERY;
        break;
    case 6:
        if (memcmp(k, "system", 6) == 0)
            return F_SYSTEM;
        if (memcmp(k, "action", 6) == 0)
            return F_ACTION;
        break;
    case 7:
        if (memcmp(k, "subject", 7) == 0)
            return F_SUBJECT;
        if (memcmp(k, "channel", 7) == 0)
            return F_CHANNEL;
        if (memcmp(k, "results", 7) == 0)
            return -2;
        break;
    case 8:
        if (memcmp(k, "terminal", 8) == 0)
            return F_TERMINAL;
        break;
    case 12:
        if (memcmp(k, "subject_type", 12) == 0)
            return F_SUBJECT_TYPE;
        break;
    }
    return -1;
}

/* The scanner proper. Without `nl` the line is [line, end). With `nl` it ends at the
 * first newline before `end`: a newline then never counts as whitespace, and no rule
 * accepts one inside a token (strings refuse control characters, numbers and literals
 * stop at it), so scanning stops at or before it, and the verdict is the one scan_event
 * gives for the text before it. *stop is where scanning stopped. */
static inline __attribute__((always_inline)) int scan_object(const char *line, const char *end,
                                                             int nl, struct raw_event *out,
                                                             enum reject_reason *why,
                                                             const char **stop)
{
    const char *p = line;
    /* Only what tells an absent field apart: a whole memset of the struct cost more than
     * a tenth of the scan. A present field's other members are set with it. */
    for (int i = 0; i < F__STRINGS; i++) {
        out->f[i].present = 0;
        out->f[i].is_null = 0;
    }
    out->results = 0;
    out->has_results = 0;
    /* The type errors are remembered but scanning goes on, so that a line that is also
     * not JSON is reported as invalid JSON: that is the more basic fault. */
    int wrong_type = 0;
    struct block blk = {0, 0};
    p = skip_ws(p, end, nl);
    if (p >= end || *p != '{')
        goto invalid;
    p = skip_ws(p + 1, end, nl);
    if (p < end && *p == '}') {
        p++;
        goto done;
    }
    for (;;) {
        struct field key;
        p = skip_ws(p, end, nl);
        if (p >= end || *p != '"' || scan_string(&p, end, &key, &blk) != 0)
            goto invalid;
        int fid = -1;
        if (!key.esc) {
            fid = key_field(key.p, key.n);
        } else {
            char kb[16];
            int kn = scan_unescape(&key, kb, sizeof kb);
            if (kn > 0)
                fid = key_field(kb, (size_t)kn);
        }
        p = skip_ws(p, end, nl);
        if (p >= end || *p != ':')
            goto invalid;
        p = skip_ws(p + 1, end, nl);
        if (p >= end)
            goto invalid;
        if (fid >= 0) {
            struct field *f = &out->f[fid];
            if (*p == '"') {
                if (scan_string(&p, end, f, &blk) != 0)
                    goto invalid;
            } else if (*p == 'n') {
                if (scan_literal(&p, end, "null", 4) != 0)
                    goto invalid;
                memset(f, 0, sizeof *f);
                f->is_null = 1;
            } else {
                if (skip_value(&p, end, 1, nl, &blk) != 0)
                    goto invalid;
                wrong_type = 1;
            }
        } else if (fid == -2) {
            if (*p == 'n') {
                if (scan_literal(&p, end, "null", 4) != 0)
                    goto invalid;
                out->has_results = 0;
            } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
                int is_uint;
                int64_t v;
                if (scan_number(&p, end, &is_uint, &v) != 0)
                    goto invalid;
                if (!is_uint)
                    wrong_type = 1;
                out->results = v;
                out->has_results = 1;
            } else {
                if (skip_value(&p, end, 1, nl, &blk) != 0)
                    goto invalid;
                wrong_type = 1;
            }
        } else {
            if (skip_value(&p, end, 1, nl, &blk) != 0)
                goto invalid;
        }
        p = skip_ws(p, end, nl);
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '}') {
            p++;
            break;
        }
        goto invalid;
    }
done:
    p = skip_ws(p, end, nl);
    *stop = p;
    if (p != end && !(nl && *p == '\n'))
        goto invalid;
    if (wrong_type) {
        *why = REJ_WRONG_TYPE;
        return -1;
    }
    return 0;
invalid:
    *stop = p;
    *why = REJ_INVALID_JSON;
    return -1;
}

int scan_event(const char *line, size_t n, struct raw_event *out, enum reject_reason *why)
{
    const char *stop;
    return scan_object(line, line + n, 0, out, why, &stop);
}

/* scan_event over the line that starts at `line` and ends at the first newline before
 * `end` (or at `end`), found while scanning rather than by a pass of its own. On return
 * *stop lies at or before that newline: at it when the line is valid and the newline
 * comes before `end`; the caller searches on from *stop otherwise. A '\r' before the
 * newline is whitespace here, which gives the verdict scan_event gives for the line
 * without it. Not declared in ingest.h: only ingest.c, which reads files, uses it. */
int scan_line(const char *line, const char *end, struct raw_event *out, enum reject_reason *why,
              const char **stop)
{
    return scan_object(line, end, 1, out, why, stop);
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static unsigned hex4(const char *s)
{
    return (unsigned)(hexval(s[0]) << 12 | hexval(s[1]) << 8 | hexval(s[2]) << 4 | hexval(s[3]));
}

int scan_unescape(const struct field *f, char *out, size_t cap)
{
    const char *s = f->p, *end = f->p + f->n;
    size_t o = 0;
    while (s < end) {
        char c = *s;
        if (c != '\\') {
            if (o + 1 > cap)
                return -1;
            out[o++] = c;
            s++;
            continue;
        }
        /* scan_string has validated the escape, so s[1] and any hex digits exist. */
        char e = s[1];
        s += 2;
        unsigned cp;
        switch (e) {
        case 'b':
            cp = '\b';
            break;
        case 'f':
            cp = '\f';
            break;
        case 'n':
            cp = '\n';
            break;
        case 'r':
            cp = '\r';
            break;
        case 't':
            cp = '\t';
            break;
        case 'u':
            cp = hex4(s);
            s += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && end - s >= 6 && s[0] == '\\' && s[1] == 'u') {
                unsigned lo = hex4(s + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    s += 6;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF)
                cp = 0xFFFD; /* a lone surrogate cannot be encoded in UTF-8 */
            break;
        default:
            cp = (unsigned char)e;
        }
        if (cp == 0)
            return -1;
        size_t need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (o + need > cap)
            return -1;
        o += put_utf8(out + o, cp);
    }
    return (int)o;
}

const char *ingest_reason_name(enum reject_reason r)
{
    static const char *const names[REJ__COUNT] = {
        [REJ_INVALID_JSON] = "invalid_json",   [REJ_MISSING_FIELD] = "missing_field",
        [REJ_BAD_TIMESTAMP] = "bad_timestamp", [REJ_WRONG_TYPE] = "wrong_type",
        [REJ_BAD_VALUE] = "bad_value",         [REJ_LINE_TOO_LONG] = "line_too_long",
    };
    return (unsigned)r < REJ__COUNT ? names[r] : "unknown";
}

const char *ingest_action_name(enum action a)
{
    static const char *const names[ACT__COUNT] = {
        [ACT_QUERY] = "query",   [ACT_VIEW] = "view",     [ACT_EXPORT] = "export",
        [ACT_PRINT] = "print",   [ACT_MODIFY] = "modify", [ACT_LOGIN] = "login",
        [ACT_LOGOUT] = "logout", [ACT_OTHER] = "other",
    };
    return (unsigned)a < ACT__COUNT ? names[a] : "other";
}
