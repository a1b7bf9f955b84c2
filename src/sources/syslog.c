/*
 * syslog.c - syslog over TCP (RFC 6587 framing, RFC 5424 and RFC 3164 headers, ArcSight
 * CEF payloads) into event lines for a line sink.
 *
 * Three pure layers and one thread:
 *
 *   1. Framing (syslog_frame_next) looks only at the bytes at the start of a connection's
 *      buffer and decides per frame: a leading digit means octet counting, anything else
 *      means LF (or NUL) termination, as RFC 6587 suggests for receivers that must accept
 *      both. It never copies; what it returns points into the buffer.
 *   2. Header handling (syslog_find_msg) skips the RFC 5424 or RFC 3164 header. Nothing
 *      of the header is kept: the event carries its own id, time, user and system, and a
 *      forwarder's host name or receive time would only blur them.
 *   3. Payload mapping (syslog_message_to_line): JSON passes through, CEF is parsed into
 *      a struct syslog_cef and written as JSON with sbuf_json_str, everything else passes
 *      through raw so that the sink rejects it visibly.
 *
 * The server thread polls the listening socket, a wake-up pipe and every connection.
 * Connection states, as a value -> meaning table:
 *
 *   reading   no batch waits; the socket is polled for input while the buffer has room
 *   waiting   a batch was refused (BUSY or ERROR); retry_at_ms says when to submit again;
 *             the socket is not read, so TCP pushes back on the sender
 *   closing   the peer closed the connection or sent a bad octet count; what is buffered
 *             is framed (an incomplete tail becomes one bad line), submitted, and then the
 *             socket is closed
 *
 * Invariants: a connection buffer holds at most SYSLOG_CONN_BUF bytes and always contains
 * either an incomplete frame or nothing once framing stopped (NEED). Because an octet
 * count is at most SYSLOG_MAX_FRAME and an LF frame longer than that is cut off
 * (TOO_LONG), a full buffer always yields a frame, so reading never stalls for lack of
 * room. A batch is submitted before the buffer is framed further, so each message is
 * handed to the sink exactly once and in order.
 *
 * Ownership: the server owns its sockets, connections and buffers; the sink's ctx is the
 * caller's. Only syslog_server_stop and the counters touch the server from other threads.
 */
#include "sources/syslog.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

_Static_assert(SYSLOG_CONN_BUF >= SYSLOG_MAX_FRAME + 8,
               "a connection buffer must hold the largest octet-counted frame and its count");

/* ---- small helpers -------------------------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0';
}

static bool is_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_ws(p[i]))
            return false;
    return true;
}

static void trim(const char **p, size_t *n)
{
    while (*n > 0 && is_ws(**p))
        (*p)++, (*n)--;
    while (*n > 0 && is_ws((*p)[*n - 1]))
        (*n)--;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool eq_nocase(const char *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

/* The terminator of an LF frame: the first LF or NUL, or NULL. */
static const char *find_term(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\n' || p[i] == '\0')
            return p + i;
    return NULL;
}

/* ---- framing -------------------------------------------------------------------------- */

enum syslog_frame_rc syslog_frame_next(struct syslog_framer *fr, const char *buf, size_t len,
                                       bool eof, struct syslog_frame *f)
{
    size_t pos = 0;
    f->msg = NULL;
    f->len = 0;
    for (;;) {
        if (fr->skipping) {
            const char *t = find_term(buf + pos, len - pos);
            if (t == NULL) {
                f->consumed = len;
                return SYSLOG_FRAME_NEED;
            }
            pos = (size_t)(t - buf) + 1;
            fr->skipping = false;
        }
        while (pos < len && (buf[pos] == '\n' || buf[pos] == '\r' || buf[pos] == '\0'))
            pos++;
        f->consumed = pos;
        if (pos == len)
            return SYSLOG_FRAME_NEED;
        const char *p = buf + pos;
        size_t avail = len - pos;

        if (is_digit(*p)) {
            /* Octet counting: MSG-LEN SP SYSLOG-MSG, MSG-LEN = NONZERO-DIGIT *DIGIT. */
            size_t i = 0, v = 0;
            while (i < avail && i < 6 && is_digit(p[i]))
                v = v * 10 + (size_t)(p[i++] - '0');
            if (i == avail && i <= 5 && !eof)
                return SYSLOG_FRAME_NEED;
            if (i == avail || i > 5 || p[i] != ' ' || p[0] == '0' || v > SYSLOG_MAX_FRAME) {
                f->msg = p;
                f->len = avail < SYSLOG_MAX_FRAME + 1 ? avail : SYSLOG_MAX_FRAME + 1;
                f->consumed = len;
                return SYSLOG_FRAME_BAD;
            }
            size_t total = i + 1 + v;
            if (avail < total) {
                if (!eof)
                    return SYSLOG_FRAME_NEED;
                f->msg = p;
                f->len = avail;
                f->consumed = len;
                return SYSLOG_FRAME_BAD;
            }
            f->consumed = pos + total;
            if (is_blank(p + i + 1, v)) {
                pos = f->consumed;
                continue;
            }
            f->msg = p + i + 1;
            f->len = v;
            return SYSLOG_FRAME_MSG;
        }

        /* Non-transparent framing: up to LF or NUL. */
        const char *t = find_term(p, avail);
        size_t flen = t != NULL ? (size_t)(t - p) : avail;
        if (flen > SYSLOG_MAX_FRAME) {
            f->msg = p;
            f->len = SYSLOG_MAX_FRAME + 1;
            if (t != NULL) {
                f->consumed = (size_t)(t - buf) + 1;
            } else {
                f->consumed = len;
                fr->skipping = true;
            }
            return SYSLOG_FRAME_TOO_LONG;
        }
        if (t == NULL && !eof)
            return SYSLOG_FRAME_NEED;
        f->consumed = t != NULL ? (size_t)(t - buf) + 1 : len;
        size_t mlen = flen;
        while (mlen > 0 && p[mlen - 1] == '\r')
            mlen--;
        if (is_blank(p, mlen)) {
            pos = f->consumed;
            continue;
        }
        f->msg = p;
        f->len = mlen;
        return SYSLOG_FRAME_MSG;
    }
}

/* ---- headers -------------------------------------------------------------------------- */

static const char *const month_names[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};

/* 1..12 for a three-letter English month name at p (any case), else 0. */
static int month_at(const char *p, const char *end)
{
    if (end - p < 3)
        return 0;
    for (int m = 0; m < 12; m++)
        if (lower(p[0]) == month_names[m][0] && lower(p[1]) == month_names[m][1] &&
            lower(p[2]) == month_names[m][2])
            return m + 1;
    return 0;
}

/* Read 1..max digits at *p into *v. Returns the number of digits read. */
static int digits(const char **p, const char *end, int max, int *v)
{
    int k = 0;
    *v = 0;
    while (*p < end && k < max && is_digit(**p)) {
        *v = *v * 10 + (**p - '0');
        (*p)++, k++;
    }
    return k;
}

/* The end of an RFC 3164 timestamp at p ("Mmm dd hh:mm:ss", "Mmm  d yyyy hh:mm:ss.sss",
 * or an ISO 8601 token as rsyslog writes it), or p itself when there is none. */
static const char *skip_3164_time(const char *p, const char *end)
{
    const char *q = p;
    int v;
    if (end - q >= 5 && is_digit(q[0]) && is_digit(q[1]) && is_digit(q[2]) && is_digit(q[3]) &&
        q[4] == '-') {
        while (q < end && *q != ' ')
            q++;
        return q;
    }
    if (month_at(q, end) == 0 || end - q < 4 || q[3] != ' ')
        return p;
    q += 4;
    while (q < end && *q == ' ')
        q++;
    if (digits(&q, end, 2, &v) == 0 || q == end || *q != ' ')
        return p;
    q++;
    const char *y = q;
    if (digits(&q, end, 4, &v) == 4 && q < end && *q == ' ')
        q++;
    else
        q = y;
    if (end - q < 8 || !is_digit(q[0]) || !is_digit(q[1]) || q[2] != ':' || !is_digit(q[3]) ||
        !is_digit(q[4]) || q[5] != ':' || !is_digit(q[6]) || !is_digit(q[7]))
        return p;
    q += 8;
    if (q < end && *q == '.') {
        q++;
        while (q < end && is_digit(*q))
            q++;
    }
    return q;
}

/* Whether an event payload (JSON or CEF) starts at p. */
static bool payload_at(const char *p, const char *end)
{
    return p < end && (*p == '{' || (end - p >= 4 && memcmp(p, "CEF:", 4) == 0));
}

static const char *token_end(const char *p, const char *end)
{
    while (p < end && *p != ' ')
        p++;
    return p;
}

static const char *skip_spaces(const char *p, const char *end)
{
    while (p < end && *p == ' ')
        p++;
    return p;
}

/* MSG of an RFC 3164 message whose text after <PRI> starts at p. Lenient: the timestamp,
 * the host and the tag may each be missing. A tag is a token that ends with ':'. */
static const char *after_3164(const char *p, const char *end)
{
    const char *r = skip_3164_time(p, end);
    bool had_time = r != p;
    p = skip_spaces(r, end);
    if (payload_at(p, end))
        return p;
    const char *t1 = token_end(p, end);
    if (t1 > p && t1[-1] == ':')
        return t1 < end ? t1 + 1 : t1;
    if (t1 == end)
        return had_time ? end : p;
    const char *r2 = skip_spaces(t1, end);
    if (payload_at(r2, end))
        return r2;
    const char *t2 = token_end(r2, end);
    if (t2 > r2 && t2[-1] == ':')
        return t2 < end ? t2 + 1 : t2;
    return had_time ? r2 : p;
}

/* The end of the structured data at p (one or more "[...]" elements), or NULL when it is
 * malformed. Inside a quoted parameter value, \" \\ and \] are escapes. */
static const char *skip_sd(const char *p, const char *end)
{
    while (p < end && *p == '[') {
        p++;
        bool quoted = false;
        for (;;) {
            if (p == end)
                return NULL;
            char c = *p++;
            if (quoted) {
                if (c == '\\') {
                    if (p < end)
                        p++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ']') {
                break;
            }
        }
    }
    return p;
}

/* MSG of an RFC 5424 message whose text after "<PRI>VERSION " starts at p. */
static const char *after_5424(const char *p, const char *end)
{
    for (int i = 0; i < 5; i++) { /* TIMESTAMP HOSTNAME APP-NAME PROCID MSGID */
        p = token_end(p, end);
        if (p == end)
            return end;
        p++;
    }
    if (p < end && *p == '-') {
        p++;
    } else if (p < end && *p == '[') {
        const char *q = skip_sd(p, end);
        if (q == NULL)
            return p; /* malformed structured data: keep all of it as MSG */
        p = q;
    }
    if (p < end && *p == ' ')
        p++;
    if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    return p;
}

void syslog_find_msg(const char *frame, size_t n, const char **msg, size_t *msg_len)
{
    const char *p = frame, *end = frame + n;
    *msg = frame;
    *msg_len = n;
    int v;
    if (p == end || *p != '<')
        return;
    p++;
    int k = digits(&p, end, 4, &v);
    if (k == 0 || k > 3 || v > 191 || p == end || *p != '>')
        return;
    p++;
    const char *ver = p;
    k = digits(&p, end, 4, &v);
    if (k >= 1 && k <= 3 && *ver != '0' && p < end && *p == ' ')
        p = after_5424(p + 1, end);
    else
        p = after_3164(ver, end);
    *msg = p;
    *msg_len = (size_t)(end - p);
}

/* ---- payloads ------------------------------------------------------------------------- */

/* Append `s` with CR, LF and NUL replaced by `with`. */
static void append_replacing(struct sbuf *out, const char *s, size_t n, bool nul_too, char with)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' || s[i] == '\r' || (nul_too && s[i] == '\0')) {
            sbuf_add(out, s + from, i - from);
            sbuf_putc(out, with);
            from = i + 1;
        }
    }
    sbuf_add(out, s + from, n - from);
}

/* Where CEF starts in MSG: at its start, or after a short prefix of space-separated words
 * (a host name, a tag) that holds no '|' or '{'. NULL when there is no CEF. */
static const char *find_cef(const char *m, size_t n)
{
    size_t lim = n < 256 ? n : 256;
    for (size_t i = 0; i < lim; i++) {
        if (m[i] == '|' || m[i] == '{')
            return NULL;
        if ((i == 0 || m[i - 1] == ' ') && n - i >= 4 && memcmp(m + i, "CEF:", 4) == 0)
            return m + i;
    }
    return NULL;
}

int syslog_message_to_line(const char *frame, size_t n, struct sbuf *out)
{
    const char *m;
    size_t mn;
    syslog_find_msg(frame, n, &m, &mn);
    trim(&m, &mn);
    if (mn == 0) {
        m = frame;
        mn = n;
        trim(&m, &mn);
        append_replacing(out, m, mn, true, ' ');
        return 1;
    }
    if (*m == '{') {
        append_replacing(out, m, mn, false, '\t');
        return 0;
    }
    const char *cef = find_cef(m, mn);
    if (cef != NULL) {
        struct syslog_cef c = {0};
        int rc = syslog_cef_parse(cef, mn - (size_t)(cef - m), &c);
        if (rc == 0)
            syslog_cef_to_line(&c, out);
        syslog_cef_free(&c);
        if (rc == 0)
            return 0;
    }
    append_replacing(out, m, mn, true, ' ');
    return 1;
}

/* ---- CEF ------------------------------------------------------------------------------ */

static bool is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_' ||
           c == '.' || c == '-' || c == '[' || c == ']';
}

/* The length of a key followed by '=' at p, or 0 when no key starts there. */
static size_t key_at(const char *p, const char *end)
{
    const char *q = p;
    while (q < end && is_key_char(*q))
        q++;
    return q > p && q < end && *q == '=' ? (size_t)(q - p) : 0;
}

/* The first " key=" at or after p: returns the position of its space, or end. */
static const char *next_pair(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p == ' ' && key_at(p + 1, end) > 0)
            return p;
    return end;
}

static struct syslog_cef_str store_add(struct sbuf *st, const char *s, size_t n)
{
    struct syslog_cef_str r = {st->len, n};
    sbuf_add(st, s, n);
    sbuf_putc(st, '\0');
    return r;
}

int syslog_cef_parse(const char *s, size_t n, struct syslog_cef *c)
{
    sbuf_reset(&c->store);
    c->n_ext = 0;
    memset(c->hdr, 0, sizeof c->hdr);
    if (n < 4 || memcmp(s, "CEF:", 4) != 0)
        return -1;
    const char *p = s + 4, *end = s + n;
    sbuf_add(&c->store, "", 0); /* the store exists even when every text is empty */

    for (int h = 0; h < CEF__HDR; h++) {
        size_t off = c->store.len;
        for (;;) {
            if (p == end)
                return -1;
            char ch = *p++;
            if (ch == '|')
                break;
            if (ch == '\\' && p < end && (*p == '|' || *p == '\\'))
                ch = *p++;
            sbuf_putc(&c->store, ch);
        }
        c->hdr[h] = (struct syslog_cef_str){off, c->store.len - off};
        sbuf_putc(&c->store, '\0');
    }
    const char *ver = c->store.buf + c->hdr[CEF_VERSION].off;
    size_t vn = c->hdr[CEF_VERSION].len;
    trim(&ver, &vn);
    if (vn == 0)
        return -1;
    for (size_t i = 0; i < vn; i++)
        if (!is_digit(ver[i]))
            return -1;

    while (p < end) {
        p = skip_spaces(p, end);
        if (p == end)
            break;
        size_t kl = key_at(p, end);
        if (kl == 0) { /* text without a key: skip it up to the next pair */
            p = next_pair(p, end);
            continue;
        }
        const char *key = p, *val = p + kl + 1;
        const char *vend = next_pair(val, end);
        p = vend;
        while (vend > val && vend[-1] == ' ')
            vend--;
        c->ext = xgrow(c->ext, &c->cap_ext, c->n_ext + 1, sizeof *c->ext);
        struct syslog_cef_pair *pr = &c->ext[c->n_ext++];
        pr->key = store_add(&c->store, key, kl);
        pr->val.off = c->store.len;
        for (const char *q = val; q < vend; q++) {
            char ch = *q;
            if (ch == '\\' && q + 1 < vend) {
                char x = q[1];
                if (x == '=' || x == '\\')
                    ch = x, q++;
                else if (x == 'n')
                    ch = '\n', q++;
                else if (x == 'r')
                    ch = '\r', q++;
            }
            sbuf_putc(&c->store, ch);
        }
        pr->val.len = c->store.len - pr->val.off;
        sbuf_putc(&c->store, '\0');
    }
    return 0;
}

const char *syslog_cef_header(const struct syslog_cef *c, enum syslog_cef_hdr h, size_t *len)
{
    if ((int)h < 0 || h >= CEF__HDR || c->store.buf == NULL) {
        *len = 0;
        return "";
    }
    *len = c->hdr[h].len;
    return c->store.buf + c->hdr[h].off;
}

static const char *cef_get_n(const struct syslog_cef *c, const char *key, size_t kn, size_t *len)
{
    for (size_t i = 0; i < c->n_ext; i++) {
        const struct syslog_cef_pair *pr = &c->ext[i];
        if (pr->key.len == kn && memcmp(c->store.buf + pr->key.off, key, kn) == 0) {
            *len = pr->val.len;
            return c->store.buf + pr->val.off;
        }
    }
    *len = 0;
    return NULL;
}

const char *syslog_cef_get(const struct syslog_cef *c, const char *key, size_t *len)
{
    return cef_get_n(c, key, strlen(key), len);
}

/* The value of the custom field "<prefix>N" whose "<prefix>NLabel" equals `label`
 * (case-insensitively), e.g. cs3 when cs3Label=subject. NULL when there is none. */
static const char *cef_labelled(const struct syslog_cef *c, const char *prefix, const char *label,
                                size_t *len)
{
    size_t pn = strlen(prefix);
    for (size_t i = 0; i < c->n_ext; i++) {
        const struct syslog_cef_pair *pr = &c->ext[i];
        const char *k = c->store.buf + pr->key.off;
        size_t kn = pr->key.len;
        if (kn <= pn + 5 || memcmp(k, prefix, pn) != 0 || memcmp(k + kn - 5, "Label", 5) != 0)
            continue;
        bool num = true;
        for (size_t j = pn; j < kn - 5; j++)
            num = num && is_digit(k[j]);
        if (!num || !eq_nocase(c->store.buf + pr->val.off, pr->val.len, label))
            continue;
        const char *v = cef_get_n(c, k, kn - 5, len);
        if (v != NULL)
            return v;
    }
    *len = 0;
    return NULL;
}

/* Zone of the CEF text time form as an RFC 3339 suffix ("Z", "+01:00"), or false. */
static bool cef_zone(const char *z, size_t n, char out[8])
{
    if (n == 0 || eq_nocase(z, n, "utc") || eq_nocase(z, n, "gmt") || eq_nocase(z, n, "z")) {
        strcpy(out, "Z");
        return true;
    }
    if (eq_nocase(z, n, "cet")) {
        strcpy(out, "+01:00");
        return true;
    }
    if (eq_nocase(z, n, "cest")) {
        strcpy(out, "+02:00");
        return true;
    }
    if (z[0] != '+' && z[0] != '-')
        return false;
    const char *p = z + 1, *end = z + n;
    int hh, mm = 0;
    if (digits(&p, end, 2, &hh) != 2)
        return false;
    if (p < end && *p == ':')
        p++;
    if (p < end && digits(&p, end, 2, &mm) != 2)
        return false;
    if (p != end || hh > 23 || mm > 59)
        return false;
    const char z6[7] = {z[0], (char)('0' + hh / 10), (char)('0' + hh % 10),
                        ':',  (char)('0' + mm / 10), (char)('0' + mm % 10),
                        '\0'};
    memcpy(out, z6, sizeof z6);
    return true;
}

/* Convert the CEF text time "MMM dd yyyy HH:mm:ss[.SSS] [zone]" to RFC 3339. Returns false
 * when `s` is not in that form. */
static bool cef_text_time(const char *s, size_t n, struct sbuf *out)
{
    const char *p = s, *end = s + n;
    int mon = month_at(p, end), day, year, hh, mi, ss, frac = -1;
    if (mon == 0)
        return false;
    p += 3;
    if (p == end || *p != ' ')
        return false;
    p = skip_spaces(p, end);
    if (digits(&p, end, 2, &day) == 0 || p == end || *p != ' ')
        return false;
    p++;
    if (digits(&p, end, 4, &year) != 4 || p == end || *p != ' ')
        return false;
    p++;
    if (digits(&p, end, 2, &hh) != 2 || p == end || *p++ != ':' || digits(&p, end, 2, &mi) != 2 ||
        p == end || *p++ != ':' || digits(&p, end, 2, &ss) != 2)
        return false;
    if (p < end && *p == '.') {
        p++;
        int k = 0;
        frac = 0;
        while (p < end && is_digit(*p)) {
            if (k < 3)
                frac = frac * 10 + (*p - '0');
            k++, p++;
        }
        if (k == 0)
            return false;
        for (; k < 3; k++)
            frac *= 10;
    }
    char zone[8];
    p = skip_spaces(p, end);
    if (!cef_zone(p, (size_t)(end - p), zone))
        return false;
    if (day < 1 || day > 31 || hh > 23 || mi > 59 || ss > 60)
        return false;
    sbuf_printf(out, "\"%04d-%02d-%02dT%02d:%02d:%02d", year, mon, day, hh, mi, ss);
    if (frac >= 0)
        sbuf_printf(out, ".%03d", frac);
    sbuf_printf(out, "%s\"", zone);
    return true;
}

/* Append rt as the JSON value of "ts". Epoch milliseconds become RFC 3339 UTC; an RFC
 * 3339 text passes as it is; the CEF text form is converted; anything else is written
 * unchanged so that the sink rejects the line as bad_timestamp. */
static void put_ts(struct sbuf *out, const char *v, size_t n)
{
    bool all_digits = n > 0 && n <= 15;
    for (size_t i = 0; i < n && all_digits; i++)
        all_digits = is_digit(v[i]);
    if (all_digits) {
        int64_t ms = 0;
        for (size_t i = 0; i < n; i++)
            ms = ms * 10 + (v[i] - '0');
        int y;
        unsigned mo, d;
        civil_from_days(ms / 86400000, &y, &mo, &d);
        int64_t r = ms % 86400000;
        sbuf_printf(out, "\"%04d-%02u-%02uT%02d:%02d:%02d.%03dZ\"", y, mo, d, (int)(r / 3600000),
                    (int)(r / 60000 % 60), (int)(r / 1000 % 60), (int)(r % 1000));
        return;
    }
    int64_t ms;
    if (ts_parse_rfc3339(v, n, &ms) == 0 || !cef_text_time(v, n, out))
        sbuf_json_str(out, v, n);
}

static void put_key(struct sbuf *out, bool *first, const char *name)
{
    if (!*first)
        sbuf_putc(out, ',');
    *first = false;
    sbuf_json_str(out, name, strlen(name));
    sbuf_putc(out, ':');
}

static void put_str(struct sbuf *out, bool *first, const char *name, const char *v, size_t n)
{
    if (v == NULL)
        return;
    put_key(out, first, name);
    sbuf_json_str(out, v, n);
}

/* Append `v` as the JSON value of "results": an integer as a number, anything else as a
 * string (which the sink rejects as wrong_type). */
static void put_int(struct sbuf *out, bool *first, const char *name, const char *v, size_t n)
{
    if (v == NULL)
        return;
    put_key(out, first, name);
    size_t i = n > 0 && v[0] == '-' ? 1 : 0;
    bool ok = n > i && n - i <= 18;
    for (size_t j = i; j < n && ok; j++)
        ok = is_digit(v[j]);
    if (!ok) {
        sbuf_json_str(out, v, n);
        return;
    }
    long long x = 0;
    for (size_t j = i; j < n; j++)
        x = x * 10 + (v[j] - '0');
    sbuf_printf(out, "%lld", i == 1 ? -x : x);
}

void syslog_cef_to_line(const struct syslog_cef *c, struct sbuf *out)
{
    bool first = true;
    size_t n;
    const char *v;
    sbuf_putc(out, '{');

    v = syslog_cef_get(c, "externalId", &n);
    put_str(out, &first, "id", v, n);

    v = syslog_cef_get(c, "rt", &n);
    if (v != NULL) {
        put_key(out, &first, "ts");
        put_ts(out, v, n);
    }

    v = syslog_cef_get(c, "suser", &n);
    if (v == NULL || n == 0) {
        size_t n2;
        const char *v2 = syslog_cef_get(c, "duser", &n2);
        if (v2 != NULL)
            v = v2, n = n2;
    }
    put_str(out, &first, "user", v, n);

    v = syslog_cef_header(c, CEF_PRODUCT, &n);
    if (n == 0)
        v = cef_labelled(c, "cs", "system", &n);
    put_str(out, &first, "system", v, n);

    v = syslog_cef_get(c, "act", &n);
    put_str(out, &first, "action", v, n);

    static const char *const labelled[] = {"subject_type", "subject",  "case",
                                           "channel",      "terminal", "query"};
    for (size_t i = 0; i < sizeof labelled / sizeof *labelled; i++) {
        v = cef_labelled(c, "cs", labelled[i], &n);
        put_str(out, &first, labelled[i], v, n);
    }

    v = cef_labelled(c, "cn", "results", &n);
    put_int(out, &first, "results", v, n);
    sbuf_putc(out, '}');
}

void syslog_cef_free(struct syslog_cef *c)
{
    if (c == NULL)
        return;
    free(c->ext);
    c->ext = NULL;
    c->n_ext = c->cap_ext = 0;
    sbuf_free(&c->store);
}

/* ---- the server ----------------------------------------------------------------------- */

struct conn {
    int fd;
    char peer[80];
    char *in; /* SYSLOG_CONN_BUF bytes */
    size_t in_len;
    struct syslog_framer fr;
    struct sbuf batch;   /* lines waiting for the sink, each ending in '\n' */
    size_t batch_msgs;   /* messages behind those lines */
    int64_t retry_at_ms; /* waiting: when to submit again; 0 while reading */
    bool closing;
    bool failing; /* the last submission failed with an error (logged once per streak) */
};

struct syslog_server {
    int lfd;
    int wake[2]; /* the stopper writes one byte to wake[1] */
    int port;
    char addr[128];
    struct line_sink sink;
    pthread_t thread;
    atomic_bool stop;
    _Atomic uint64_t messages;
    struct conn *conns[SYSLOG_MAX_CONNS];
    size_t n_conns;
};

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void conn_close(struct conn *c)
{
    close(c->fd);
    free(c->in);
    sbuf_free(&c->batch);
    free(c);
}

/* Hand the waiting batch to the sink. Returns true when it was taken (or was empty). */
static bool conn_submit(struct syslog_server *s, struct conn *c)
{
    if (c->batch.len == 0) {
        atomic_fetch_add(&s->messages, c->batch_msgs);
        c->batch_msgs = 0;
        c->retry_at_ms = 0;
        return true;
    }
    struct line_receipt r = {0};
    struct err e = {{0}};
    int rc = s->sink.submit(s->sink.ctx, "syslog", c->batch.buf, c->batch.len, &r, &e);
    if (rc == LINE_SINK_OK) {
        if (c->failing)
            log_info("syslog: %s: the sink takes lines again", c->peer);
        c->failing = false;
        atomic_fetch_add(&s->messages, c->batch_msgs);
        sbuf_reset(&c->batch);
        c->batch_msgs = 0;
        c->retry_at_ms = 0;
        return true;
    }
    if (rc == LINE_SINK_BUSY) {
        c->retry_at_ms = now_ms() + SYSLOG_RETRY_BUSY_MS;
    } else {
        if (!c->failing)
            log_error("syslog: %s: %s; keeping the batch and retrying every %d ms", c->peer,
                      e.msg[0] != '\0' ? e.msg : "the sink failed", SYSLOG_RETRY_ERROR_MS);
        c->failing = true;
        c->retry_at_ms = now_ms() + SYSLOG_RETRY_ERROR_MS;
    }
    return false;
}

static void batch_raw(struct conn *c, const char *p, size_t n)
{
    append_replacing(&c->batch, p, n, true, ' ');
    sbuf_putc(&c->batch, '\n');
    c->batch_msgs++;
}

/* Frame what is buffered into the batch, up to SYSLOG_BATCH_LINES lines, and drop the
 * framed bytes from the buffer. */
static void conn_fill(struct conn *c, bool eof)
{
    size_t off = 0;
    while (c->batch_msgs < SYSLOG_BATCH_LINES) {
        struct syslog_frame f;
        enum syslog_frame_rc rc = syslog_frame_next(&c->fr, c->in + off, c->in_len - off, eof, &f);
        if (rc == SYSLOG_FRAME_MSG) {
            size_t before = c->batch.len;
            syslog_message_to_line(f.msg, f.len, &c->batch);
            if (c->batch.len > before)
                sbuf_putc(&c->batch, '\n');
            c->batch_msgs++;
        } else if (rc == SYSLOG_FRAME_TOO_LONG) {
            batch_raw(c, f.msg, f.len);
        } else if (rc == SYSLOG_FRAME_BAD) {
            log_error("syslog: %s: bad octet count; closing the connection", c->peer);
            batch_raw(c, f.msg, f.len);
            c->closing = true;
        }
        off += f.consumed;
        if (rc == SYSLOG_FRAME_NEED || rc == SYSLOG_FRAME_BAD)
            break;
    }
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
    /* A full buffer always holds a complete frame (see the invariants above). */
    assert(c->in_len < SYSLOG_CONN_BUF || c->batch_msgs > 0);
}

/* Submit and frame until the buffer holds no complete frame or the sink refuses. */
static void conn_pump(struct syslog_server *s, struct conn *c)
{
    for (;;) {
        if ((c->batch.len > 0 || c->batch_msgs > 0) && !conn_submit(s, c))
            return;
        conn_fill(c, c->closing);
        if (c->batch.len == 0 && c->batch_msgs == 0)
            return;
    }
}

static void conn_read(struct syslog_server *s, struct conn *c)
{
    ssize_t n = read(c->fd, c->in + c->in_len, SYSLOG_CONN_BUF - c->in_len);
    if (n > 0) {
        c->in_len += (size_t)n;
    } else if (n == 0) {
        c->closing = true;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        log_error("syslog: %s: read: %s; closing the connection", c->peer, strerror(errno));
        c->closing = true;
    }
    conn_pump(s, c);
}

static void accept_all(struct syslog_server *s)
{
    for (;;) {
        struct sockaddr_storage sa;
        socklen_t sl = sizeof sa;
        int fd = accept4(s->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                log_error("syslog: accept on %s: %s", s->addr, strerror(errno));
            return;
        }
        char host[64] = "?", serv[16] = "?";
        getnameinfo((struct sockaddr *)&sa, sl, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV);
        if (s->n_conns == SYSLOG_MAX_CONNS) {
            log_error("syslog: connection from %s:%s refused: %d connections are open", host, serv,
                      SYSLOG_MAX_CONNS);
            close(fd);
            continue;
        }
        struct conn *c = xcalloc(1, sizeof *c);
        c->fd = fd;
        snprintf(c->peer, sizeof c->peer, "%s:%s", host, serv);
        c->in = xmalloc(SYSLOG_CONN_BUF);
        s->conns[s->n_conns++] = c;
    }
}

/* Whether `c` is done: closing, nothing buffered and nothing waiting. */
static bool conn_done(const struct conn *c)
{
    return c->closing && c->in_len == 0 && c->batch.len == 0 && c->batch_msgs == 0;
}

/* Last chance at stop: submit what complete messages are buffered. A busy sink is given
 * until `deadline_ms` (it is usually catching up); a failing one is tried once. What is
 * still not taken is logged, never dropped in silence. */
static void conn_final(struct syslog_server *s, struct conn *c, int64_t deadline_ms)
{
    for (;;) {
        conn_pump(s, c);
        if (c->retry_at_ms == 0 || c->failing || now_ms() >= deadline_ms)
            break;
        struct timespec t = {0, SYSLOG_RETRY_BUSY_MS * 1000000L};
        nanosleep(&t, NULL);
    }
    if (c->batch_msgs > 0)
        log_error("syslog: stopping: %zu messages from %s were not taken by the sink",
                  c->batch_msgs, c->peer);
    if (c->in_len > 0)
        log_error("syslog: stopping: %zu bytes from %s not framed yet (an incomplete message "
                  "or behind a refused batch) dropped",
                  c->in_len, c->peer);
}

static void *server_thread(void *arg)
{
    struct syslog_server *s = arg;
    struct pollfd pfd[2 + SYSLOG_MAX_CONNS];
    struct conn *polled[SYSLOG_MAX_CONNS];
    while (!atomic_load(&s->stop)) {
        int64_t now = now_ms(), next = -1;
        size_t np = 2;
        pfd[0] = (struct pollfd){.fd = s->wake[0], .events = POLLIN};
        pfd[1] = (struct pollfd){.fd = s->lfd, .events = POLLIN};
        for (size_t i = 0; i < s->n_conns; i++) {
            struct conn *c = s->conns[i];
            if (c->retry_at_ms != 0) {
                if (next < 0 || c->retry_at_ms < next)
                    next = c->retry_at_ms;
            } else if (!c->closing && c->in_len < SYSLOG_CONN_BUF) {
                polled[np - 2] = c;
                pfd[np++] = (struct pollfd){.fd = c->fd, .events = POLLIN};
            }
        }
        int timeout = next < 0 ? -1 : next <= now ? 0 : (int)(next - now);
        int rc = poll(pfd, np, timeout);
        if (rc < 0 && errno != EINTR) {
            log_error("syslog: poll: %s", strerror(errno));
            break;
        }
        if (rc > 0 && (pfd[0].revents & POLLIN)) {
            char drain[16];
            while (read(s->wake[0], drain, sizeof drain) > 0)
                ;
        }
        if (atomic_load(&s->stop))
            break;
        for (size_t i = 2; rc > 0 && i < np; i++)
            if (pfd[i].revents != 0)
                conn_read(s, polled[i - 2]);
        now = now_ms();
        for (size_t i = 0; i < s->n_conns; i++) {
            struct conn *c = s->conns[i];
            if (c->retry_at_ms != 0 && c->retry_at_ms <= now)
                conn_pump(s, c);
        }
        for (size_t i = 0; i < s->n_conns;) {
            if (conn_done(s->conns[i])) {
                conn_close(s->conns[i]);
                s->conns[i] = s->conns[--s->n_conns];
            } else {
                i++;
            }
        }
        if (rc > 0 && (pfd[1].revents & POLLIN))
            accept_all(s);
    }
    int64_t deadline = now_ms() + 2000;
    for (size_t i = 0; i < s->n_conns; i++) {
        conn_final(s, s->conns[i], deadline);
        conn_close(s->conns[i]);
    }
    s->n_conns = 0;
    return NULL;
}

/* Split "HOST:PORT" ("[v6]:PORT") into host (NULL for every address) and port. */
static int split_addr(const char *addr, char *host, size_t hcap, char *port, size_t pcap)
{
    const char *colon = strrchr(addr, ':');
    if (colon == NULL || colon[1] == '\0' || strlen(colon + 1) >= pcap)
        return -1;
    for (const char *p = colon + 1; *p != '\0'; p++)
        if (!is_digit(*p))
            return -1;
    if (atoi(colon + 1) > 65535)
        return -1;
    strcpy(port, colon + 1);
    const char *h = addr;
    size_t hn = (size_t)(colon - addr);
    if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']')
        h++, hn -= 2;
    if (hn >= hcap)
        return -1;
    memcpy(host, h, hn);
    host[hn] = '\0';
    return 0;
}

struct syslog_server *syslog_server_start(const char *addr, const struct line_sink *sink,
                                          struct err *e)
{
    char host[128], port[8];
    if (split_addr(addr, host, sizeof host, port, sizeof port) != 0) {
        err_set(e, "syslog: bad listen address '%s' (want HOST:PORT)", addr);
        return NULL;
    }
    bool any = host[0] == '\0' || strcmp(host, "*") == 0;
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(any ? NULL : host, port, &hints, &res);
    if (gai != 0) {
        err_set(e, "syslog: cannot resolve '%s': %s", addr, gai_strerror(gai));
        return NULL;
    }
    int fd = -1, why = 0;
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            why = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
            why = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) {
        err_set(e, "syslog: cannot listen on %s: %s", addr, strerror(why));
        return NULL;
    }

    struct syslog_server *s = xcalloc(1, sizeof *s);
    s->lfd = fd;
    s->sink = *sink;
    snprintf(s->addr, sizeof s->addr, "%s", addr);
    atomic_init(&s->stop, false);
    atomic_init(&s->messages, 0);
    struct sockaddr_storage sa;
    socklen_t sl = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        s->port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
                                                 : ((struct sockaddr_in *)&sa)->sin_port);
    if (pipe2(s->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        err_set(e, "syslog: pipe: %s", strerror(errno));
        close(fd);
        free(s);
        return NULL;
    }
    int prc = pthread_create(&s->thread, NULL, server_thread, s);
    if (prc != 0) {
        err_set(e, "syslog: cannot start the server thread: %s", strerror(prc));
        close(fd);
        close(s->wake[0]);
        close(s->wake[1]);
        free(s);
        return NULL;
    }
    return s;
}

void syslog_server_stop(struct syslog_server *s)
{
    if (s == NULL)
        return;
    atomic_store(&s->stop, true);
    ssize_t w;
    do
        w = write(s->wake[1], "x", 1);
    while (w < 0 && errno == EINTR);
    pthread_join(s->thread, NULL);
    close(s->lfd);
    close(s->wake[0]);
    close(s->wake[1]);
    free(s);
}

uint64_t syslog_server_messages(const struct syslog_server *s)
{
    return atomic_load(&((struct syslog_server *)s)->messages);
}

int syslog_server_port(const struct syslog_server *s)
{
    return s->port;
}
