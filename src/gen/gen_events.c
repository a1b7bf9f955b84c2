/*
 * gen_events.c - the day loop: normal work, planted misuse, and the event files.
 *
 * For each local day, every employee's roster entry becomes a working session of their
 * role (logins, plate checks, case work, incidents, desk lookups, ...) and the planned
 * misuse events of that day are mixed in. Events go into one buffer per system file.
 *
 * Streaming invariant: everything generated while processing day d has a timestamp at or
 * after local midnight of d, and a delivery key (timestamp plus a possible delay of up to
 * five minutes for late lines, or a re-delivery delay for duplicates) at or after it. So
 * once day d is done, every buffered line whose key lies before midnight of d+1 can be
 * sorted and written: nothing generated later can precede it. Memory holds about one day.
 *
 * Exact truth: a line's nature (original, duplicate copy, malformed) is a field of the
 * buffered event; stats are counted when lines are written, so they count what is in the
 * files. Malformed lines take fresh ids never used by a valid line, and duplicates copy
 * valid originals only, so lines = events + duplicates + malformed holds.
 *
 * Rendering is a pure function of the buffered struct, so a duplicate copy is identical.
 *
 * Ownership: buffers and files live in struct gen; gen_events_write closes what it opens.
 */
#include "gen/gen_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *const gen_system_names[SYS_COUNT] = {"BlueView", "BVH", "MEOS",   "BRP",
                                                 "RDW",      "GMS", "Summ-IT"};
static const char *const id_prefix[SYS_COUNT] = {"bv", "bvh", "meos", "brp", "rdw", "gms", "sit"};
const char *const gen_action_names[] = {"query",  "view",  "export", "print",
                                        "modify", "login", "logout"};
const char *const gen_malformed_names[MF_COUNT] = {"", "invalid_json", "missing_field",
                                                   "bad_timestamp", "wrong_type"};

/* Scales every role's daily workload: about 20 events per employee per calendar day. */
#define GEN_VOLUME 1.24

enum { STYLE_Z = 1, STYLE_FRACTION = 2, STYLE_EXTRA_SHIFT = 2, STYLE_DUP = 16 };

/* ---- buffering ---------------------------------------------------------------------- */

static void push(struct gen *g, const struct gen_event *ev)
{
    struct gen_evbuf *b = &g->files[ev->file];
    b->ev = xgrow(b->ev, &b->cap, b->n + 1, sizeof *b->ev);
    b->ev[b->n] = *ev;
    b->ev[b->n].seq = g->seq++;
    b->n++;
}

/* Buffer one valid event (plus, by chance, a duplicate copy and an unrelated malformed
 * line) and return its numeric id. */
static uint64_t emit(struct gen *g, uint32_t user, int64_t ts, uint8_t system, uint8_t action,
                     uint32_t subject, uint8_t case_kind, uint32_t case_num, uint32_t results,
                     uint8_t query_kind)
{
    struct gen_rng *r = &g->rng;
    struct gen_event ev = {0};
    ev.ts_ms = ts;
    ev.key_ms = ts;
    ev.id = g->next_id[system]++;
    ev.user = user;
    ev.system = system;
    ev.file = system;
    ev.action = action;
    ev.subject = subject;
    ev.case_kind = case_kind;
    ev.case_num = case_num;
    ev.results = results;
    ev.query_kind = query_kind;
    if (action == ACT_QUERY && gen_rng_chance(r, 0.0005))
        ev.query_kind = QK_TRICKY;
    if (case_kind == CK_NONE && action != ACT_LOGIN && action != ACT_LOGOUT) {
        double u = gen_rng_unit(r);
        ev.case_kind = u < 0.02 ? CK_EMPTY : u < 0.025 ? CK_NULL : CK_NONE;
    }
    if (gen_rng_chance(r, 0.03))
        ev.style |= STYLE_Z;
    if (gen_rng_chance(r, 0.01))
        ev.style |= STYLE_FRACTION;
    if (gen_rng_chance(r, 0.003))
        ev.style |= (uint8_t)(gen_rng_range(r, 1, 3) << STYLE_EXTRA_SHIFT);
    if (gen_rng_chance(r, 0.01))
        ev.key_ms += gen_rng_range(r, 1000, 300000); /* delivered late: out of order */
    push(g, &ev);
    if (gen_rng_chance(r, g->opt.duplicate_rate)) {
        struct gen_event dup = ev;
        dup.style |= STYLE_DUP;
        if (gen_rng_chance(r, 0.5)) {
            dup.key_ms += gen_rng_range(r, 1, 20000);
        } else {
            dup.file = (uint8_t)((system + gen_rng_range(r, 1, SYS_COUNT - 1)) % SYS_COUNT);
            dup.key_ms += gen_rng_range(r, 0, 90000);
        }
        push(g, &dup);
    }
    if (gen_rng_chance(r, g->opt.malformed_rate)) {
        struct gen_event bad = ev;
        bad.id = g->next_id[system]++;
        /* Reasons rotate so that even a small dataset holds every kind. */
        bad.malformed = (uint8_t)(1 + g->malformed_planted++ % 4);
        bad.variant = (uint8_t)gen_rng_below(r, 255);
        bad.style &= (uint8_t)~STYLE_DUP;
        push(g, &bad);
    }
    return ev.id;
}

/* ---- rendering ---------------------------------------------------------------------- */

static void put_ts(struct gen *g, struct sbuf *b, const struct gen_event *ev, bool no_offset)
{
    char ts[48];
    size_t n;
    if (ev->style & STYLE_Z) {
        int64_t s = ev->ts_ms / 1000;
        int64_t day = s / 86400;
        int y;
        unsigned m, d;
        civil_from_days(day, &y, &m, &d);
        int sec = (int)(s - day * 86400);
        n = (size_t)snprintf(ts, sizeof ts, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, sec / 3600,
                             (sec / 60) % 60, sec % 60);
    } else {
        n = ts_format(g->tz, ev->ts_ms, ts);
    }
    size_t body = (ev->style & STYLE_Z) ? n - 1 : n - 6;
    sbuf_add(b, ts, body);
    if (ev->style & STYLE_FRACTION)
        sbuf_printf(b, ".%03d", (int)(ev->ts_ms % 1000));
    if (!no_offset)
        sbuf_add(b, ts + body, n - body);
}

static void put_query(struct gen *g, struct sbuf *b, const struct gen_event *ev)
{
    static const char *const tricky[] = {"\"de \\\"Jong\\\"\"", "\"C:\\\\temp\\\\jansen\"",
                                         "\"caf\\u00e9 Jansen\"", "\"regel1\\nregel2\"",
                                         "\"Ren\\u00e9e \\\\ \\\"x\\\"\\n\""};
    uint32_t idx = gen_ref_index(ev->subject);
    unsigned type = gen_ref_type(ev->subject);
    char buf[48];
    switch (ev->query_kind) {
    case QK_TRICKY:
        sbuf_puts(b, ",\"query\":");
        sbuf_puts(b, tricky[ev->id % 5]);
        return;
    case QK_SURNAME:
    case QK_WILDCARD: {
        if (type != REF_PERSON)
            return;
        const char *sn = gen_surname(g->persons[idx].surname);
        if (ev->query_kind == QK_SURNAME) {
            sbuf_puts(b, ",\"query\":");
            sbuf_json_str(b, sn, strlen(sn));
            return;
        }
        const char *last = strrchr(sn, ' ');
        last = last ? last + 1 : sn;
        size_t n = 0;
        for (; last[n] != '\0' && n < 4 && n + 2 < sizeof buf; n++)
            buf[n] = (char)((unsigned char)last[n] < 128 ? (last[n] | 0x20) : last[n]);
        buf[n++] = '*';
        sbuf_puts(b, ",\"query\":");
        sbuf_json_str(b, buf, n);
        return;
    }
    case QK_PLATE: {
        if (type != REF_VEHICLE)
            return;
        char plate[16];
        gen_format_plate(idx, plate);
        size_t n = 0;
        for (const char *p = plate; *p != '\0'; p++)
            if (*p != '-')
                buf[n++] = *p;
        sbuf_puts(b, ",\"query\":");
        sbuf_json_str(b, buf, n);
        return;
    }
    case QK_POSTCODE: {
        if (type != REF_ADDRESS)
            return;
        char pc[8];
        gen_format_postcode(g->households[idx].postcode, pc);
        sbuf_printf(b, ",\"query\":\"%s %u\"", pc, g->households[idx].number);
        return;
    }
    default:
        return;
    }
}

enum {
    OMIT_ID,
    OMIT_TS,
    OMIT_USER,
    OMIT_SYSTEM,
    OMIT_ACTION,
    OMIT_SUBJECT,
    OMIT_SUBJECT_TYPE,
    OMIT_NONE
};

static void render(struct gen *g, const struct gen_event *ev, struct sbuf *b)
{
    static const char *const type_names[] = {"person", "vehicle", "address", "case"};
    bool record = ev->action != ACT_LOGIN && ev->action != ACT_LOGOUT;
    int omit = OMIT_NONE, bad_ts = -1, wrong = -1;
    if (ev->malformed == MF_MISSING_FIELD)
        omit = ev->variant % (record ? 7 : 5);
    else if (ev->malformed == MF_BAD_TIMESTAMP)
        bad_ts = ev->variant % 5;
    else if (ev->malformed == MF_WRONG_TYPE)
        wrong = ev->variant % 3;
    char user[16];
    gen_format_user(ev->user, user);
    sbuf_putc(b, '{');
    bool first = true;
#define SEP() (first ? (void)(first = false) : sbuf_putc(b, ','))
    if (omit != OMIT_ID) {
        SEP();
        if (wrong == 2)
            sbuf_printf(b, "\"id\":%llu", (unsigned long long)ev->id);
        else
            sbuf_printf(b, "\"id\":\"%s-%llu\"", id_prefix[ev->system], (unsigned long long)ev->id);
    }
    if (omit != OMIT_TS) {
        SEP();
        sbuf_puts(b, "\"ts\":\"");
        switch (bad_ts) {
        case -1:
            put_ts(g, b, ev, false);
            break;
        case 0:
            put_ts(g, b, ev, true); /* no offset */
            break;
        case 1:
            sbuf_puts(b, "2025-02-30T10:15:00+01:00");
            break;
        case 2:
            sbuf_puts(b, "gisteren 10:15");
            break;
        case 3:
            sbuf_puts(b, "2025-13-01T08:00:00Z");
            break;
        default:
            sbuf_printf(b, "%lld", (long long)(ev->ts_ms / 1000));
        }
        sbuf_putc(b, '"');
    }
    if (omit != OMIT_USER) {
        SEP();
        if (wrong == 1)
            sbuf_printf(b, "\"user\":%u", ev->user + 1001);
        else
            sbuf_printf(b, "\"user\":\"%s\"", user);
    }
    if (omit != OMIT_SYSTEM) {
        SEP();
        sbuf_printf(b, "\"system\":\"%s\"", gen_system_names[ev->system]);
    }
    if (omit != OMIT_ACTION) {
        SEP();
        sbuf_printf(b, "\"action\":\"%s\"", gen_action_names[ev->action]);
    }
    if (record) {
        char subj[32];
        gen_format_ref(g, ev->subject, subj);
        if (omit != OMIT_SUBJECT_TYPE)
            sbuf_printf(b, ",\"subject_type\":\"%s\"", type_names[gen_ref_type(ev->subject)]);
        if (omit != OMIT_SUBJECT)
            sbuf_printf(b, ",\"subject\":\"%s\"", subj);
    }
    switch (ev->case_kind) {
    case CK_NONE:
        break;
    case CK_EMPTY:
        sbuf_puts(b, ",\"case\":\"\"");
        break;
    case CK_NULL:
        sbuf_puts(b, ",\"case\":null");
        break;
    default: {
        char num[32];
        gen_format_case(g, ev->case_kind, ev->case_num, num);
        sbuf_printf(b, ",\"case\":\"%s\"", num);
    }
    }
    if (ev->system == SYS_MEOS)
        sbuf_printf(b, ",\"channel\":\"mobile\",\"terminal\":\"M-%05u\"", ev->user + 1001);
    else
        sbuf_printf(b, ",\"channel\":\"desktop\",\"terminal\":\"WS-%02u-%03u\"",
                    g->employees[ev->user].unit + 1, (ev->user * 37u) % 400);
    if (wrong == 0)
        sbuf_printf(b, ",\"results\":\"%u\"", ev->results + 12);
    else if (ev->results > 0)
        sbuf_printf(b, ",\"results\":%u", ev->results);
    put_query(g, b, ev);
    switch ((ev->style >> STYLE_EXTRA_SHIFT) & 3) {
    case 1:
        sbuf_puts(
            b, ",\"meta\":{\"src\":\"gw-2\",\"hops\":[1,2,{\"x\":null}]},\"tags\":[\"a\",\"b\"]");
        break;
    case 2:
        sbuf_printf(b, ",\"session\":{\"id\":\"s-%llu\",\"mfa\":true,\"score\":0.5}",
                    (unsigned long long)ev->id);
        break;
    case 3:
        sbuf_puts(b, ",\"labels\":[],\"extra\":{}");
        break;
    default:
        break;
    }
#undef SEP
    sbuf_putc(b, '}');
    if (ev->malformed == MF_INVALID_JSON) {
        switch (ev->variant % 3) {
        case 0: /* truncated in transit */
            b->len /= 2;
            b->buf[b->len] = '\0';
            break;
        case 1: /* something else entirely */
            sbuf_reset(b);
            sbuf_puts(b, "<html><body>502 Bad Gateway</body></html>");
            break;
        default:         /* an unterminated string */
            b->len -= 1; /* drop '}' */
            if (b->len > 0 && b->buf[b->len - 1] == '"')
                b->len--;
            b->buf[b->len] = '\0';
            if (b->len > 0 && b->buf[b->len - 1] != '"')
                sbuf_puts(b, ",\"note\":\"unterminated");
        }
    }
}

static int cmp_event(const void *a, const void *b)
{
    const struct gen_event *x = a, *y = b;
    if (x->key_ms != y->key_ms)
        return x->key_ms < y->key_ms ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Write every buffered line of every file whose delivery key is before `cutoff`. */
static void flush(struct gen *g, int64_t cutoff)
{
    for (int f = 0; f < SYS_COUNT; f++) {
        struct gen_evbuf *b = &g->files[f];
        qsort(b->ev, b->n, sizeof *b->ev, cmp_event);
        size_t i = 0;
        for (; i < b->n && b->ev[i].key_ms < cutoff; i++) {
            const struct gen_event *ev = &b->ev[i];
            sbuf_reset(&g->line);
            render(g, ev, &g->line);
            sbuf_putc(&g->line, '\n');
            fwrite(g->line.buf, 1, g->line.len, b->f);
            g->lines++;
            if (ev->malformed != MF_NONE) {
                g->malformed++;
                g->malformed_by[ev->malformed]++;
            } else if (ev->style & STYLE_DUP) {
                g->duplicates++;
            } else {
                g->events++;
            }
        }
        memmove(b->ev, b->ev + i, (b->n - i) * sizeof *b->ev);
        b->n -= i;
    }
}

/* ---- normal work -------------------------------------------------------------------- */

struct session {
    uint32_t emp;
    int32_t day;
    int64_t t0, t1; /* UTC ms */
};

static int64_t at(struct gen *g, const struct session *s)
{
    return s->t0 + (int64_t)gen_rng_below(&g->rng, (uint32_t)((s->t1 - s->t0) / 1000)) * 1000 +
           gen_rng_below(&g->rng, 1000);
}

/* One lookup: a query, often followed by a view of the same record. */
static void lookup(struct gen *g, uint32_t emp, int64_t ts, uint32_t ref, bool mobile,
                   uint8_t case_kind, uint32_t case_num)
{
    const struct gen_employee *e = &g->employees[emp];
    uint8_t sys = gen_system_for(g, e, gen_ref_type(ref), mobile);
    unsigned type = gen_ref_type(ref);
    uint8_t qk = type == REF_VEHICLE   ? QK_PLATE
                 : type == REF_ADDRESS ? QK_POSTCODE
                 : type == REF_PERSON  ? (gen_rng_chance(&g->rng, 0.3) ? QK_WILDCARD : QK_SURNAME)
                                       : QK_NONE;
    if (!gen_rng_chance(&g->rng, 0.7))
        qk = QK_NONE;
    uint32_t results = gen_rng_chance(&g->rng, 0.5) ? (uint32_t)gen_rng_range(&g->rng, 1, 25) : 0;
    emit(g, emp, ts, sys, ACT_QUERY, ref, case_kind, case_num, results, qk);
    if (gen_rng_chance(&g->rng, 0.6)) {
        uint8_t act = ACT_VIEW;
        double u = gen_rng_unit(&g->rng);
        if (u < 0.02)
            act = ACT_PRINT;
        else if (u < 0.04)
            act = ACT_EXPORT;
        emit(g, emp, ts + gen_rng_range(&g->rng, 4000, 120000), sys, act, ref, case_kind, case_num,
             act == ACT_VIEW ? 0 : (uint32_t)gen_rng_range(&g->rng, 1, 40), QK_NONE);
    }
}

static uint8_t typed(struct gen *g, double p, uint8_t kind)
{
    return gen_rng_chance(&g->rng, p) ? kind : CK_NONE;
}

/* A citizen of the region; employees with a very common surname now and then look up
 * namesakes, which a naive "same surname" rule would flag. A namesake is a stranger:
 * households that belong to some employee's social environment (family shares the
 * surname) are never picked, or the look-alike would plant real relative lookups. */
static uint32_t citizen_for(struct gen *g, uint32_t emp)
{
    const struct gen_employee *e = &g->employees[emp];
    uint16_t mine = g->persons[e->person].surname;
    if (mine < 8 && gen_rng_chance(&g->rng, 0.08)) {
        for (int tries = 0; tries < 40; tries++) {
            uint32_t p = gen_random_citizen(g, e->region);
            if (g->persons[p].surname == mine && !(g->persons[p].flags & F_EMPLOYEE) &&
                !g->households[g->persons[p].household].claimed)
                return p;
        }
    }
    return gen_random_citizen(g, e->region);
}

static uint32_t random_region_ref(struct gen *g, uint32_t region)
{
    double u = gen_rng_unit(&g->rng);
    if (u < 0.5)
        return gen_ref(REF_PERSON, gen_random_citizen(g, region));
    if (u < 0.8)
        return gen_ref(REF_VEHICLE, gen_random_vehicle(g, region));
    return gen_ref(REF_ADDRESS, gen_random_household(g, region));
}

/* An on-shift dispatcher of `unit` at `ts`, or GEN_NONE. */
static uint32_t dispatcher_at(struct gen *g, uint32_t unit, int32_t day, int64_t ts)
{
    const struct gen_unit *u = &g->units[unit];
    for (uint32_t e = u->emp_lo; e < u->emp_hi; e++) {
        if (g->employees[e].role != ROLE_DISPATCHER)
            continue;
        const struct gen_plan *p = &g->plans[(size_t)e * g->ndays + (size_t)(day - g->day0)];
        if (p->kind != PLAN_SHIFT)
            continue;
        int64_t s = gen_local_to_utc(g, day, p->start_min);
        if (ts >= s && ts < s + (int64_t)p->dur_min * 60000)
            return e;
    }
    return GEN_NONE;
}

/* A dispatched incident: a case row, its members and subjects, the dispatcher's GMS work
 * and the officer's lookups of the people and things involved. */
static void incident(struct gen *g, const struct session *s)
{
    const struct gen_employee *e = &g->employees[s->emp];
    int64_t ti = at(g, s);
    uint32_t number = g->next_incident++;
    uint32_t disp = dispatcher_at(g, e->unit, s->day, ti);
    char num[32], opened[16], closed[16], unit[16], user[16], subj[32];
    gen_format_case(g, CK_INC, number, num);
    struct local_time lt;
    tz_local(g->tz, ti, &lt);
    date_format(lt.day, opened);
    date_format(lt.day + (lt.minute > 1260 ? 1 : 0), closed);
    snprintf(unit, sizeof unit, "UNIT-%02u", e->unit + 1);
    fprintf(g->cases_f, "%s,incident,%s,%s,%s,normal,Melding\n", num, opened, closed, unit);
    gen_format_user(s->emp, user);
    fprintf(g->members_f, "%s,%s\n", num, user);
    if (disp != GEN_NONE) {
        gen_format_user(disp, user);
        fprintf(g->members_f, "%s,%s\n", num, user);
    }
    uint32_t refs[4];
    int n = gen_rng_range(&g->rng, 1, 4);
    for (int i = 0; i < n; i++) {
        refs[i] = random_region_ref(g, e->region);
        gen_format_ref(g, refs[i], subj);
        fprintf(g->subjects_f, "%s,%s\n", num, subj);
    }
    uint32_t case_ref = gen_ref(REF_CASE, number | REF_INCIDENT_BIT);
    if (disp != GEN_NONE) {
        emit(g, disp, ti, SYS_GMS, ACT_MODIFY, case_ref, CK_INC, number, 0, QK_NONE);
        for (int i = 0; i < n; i++)
            emit(g, disp, ti + gen_rng_range(&g->rng, 5000, 240000), SYS_GMS, ACT_QUERY, refs[i],
                 typed(g, 0.9, CK_INC), number, (uint32_t)gen_rng_range(&g->rng, 1, 5), QK_NONE);
    }
    bool mobile = e->role == ROLE_PATROL || e->role == ROLE_STUDENT;
    for (int i = 0; i < n; i++) {
        int k = gen_rng_range(&g->rng, 1, 3);
        for (int j = 0; j < k; j++)
            lookup(g, s->emp, ti + gen_rng_range(&g->rng, 60000, 5400000), refs[i],
                   mobile && gen_rng_chance(&g->rng, 0.6), typed(g, 0.5, CK_INC), number);
    }
}

static int count(struct gen *g, const struct gen_employee *e, double base)
{
    double x = GEN_VOLUME * base * e->intensity * (0.7 + 0.6 * gen_rng_unit(&g->rng));
    return (int)(x + gen_rng_unit(&g->rng));
}

/* The open investigations of `emp` on `day`, into out (up to max). */
static size_t open_cases(struct gen *g, uint32_t emp, int32_t day, uint32_t *out, size_t max)
{
    const struct gen_employee *e = &g->employees[emp];
    size_t n = 0;
    for (uint32_t k = e->case_lo; k < e->case_hi && n < max; k++) {
        const struct gen_case *c = &g->cases[g->emp_cases[k]];
        if (c->opened <= day && (c->closed == GEN_NEVER || c->closed >= day) &&
            c->subj_hi > c->subj_lo)
            out[n++] = g->emp_cases[k];
    }
    return n;
}

static void case_work(struct gen *g, const struct session *s, int n, double p_typed)
{
    uint32_t cases[32];
    size_t nc = open_cases(g, s->emp, s->day, cases, 32);
    for (int i = 0; i < n; i++) {
        int64_t t = at(g, s);
        if (nc == 0 || gen_rng_chance(&g->rng, g->employees[s->emp].noise)) {
            lookup(g, s->emp, t, gen_ref(REF_PERSON, citizen_for(g, s->emp)), false, CK_NONE, 0);
            continue;
        }
        uint32_t ci = cases[gen_rng_below(&g->rng, (uint32_t)nc)];
        const struct gen_case *c = &g->cases[ci];
        if (gen_rng_chance(&g->rng, 0.1)) {
            emit(g, s->emp, t, gen_rng_chance(&g->rng, 0.6) ? SYS_BVH : SYS_SUMMIT,
                 gen_rng_chance(&g->rng, 0.3) ? ACT_MODIFY : ACT_VIEW, gen_ref(REF_CASE, ci),
                 CK_INV, ci, 0, QK_NONE);
            continue;
        }
        uint32_t ref =
            g->case_subjects[c->subj_lo + gen_rng_below(&g->rng, c->subj_hi - c->subj_lo)];
        lookup(g, s->emp, t, ref, false, typed(g, p_typed, CK_INV), ci);
    }
}

static void news_work(struct gen *g, const struct session *s)
{
    for (size_t k = 0; k < g->nnews; k++) {
        const struct gen_news *nw = &g->news[k];
        if (s->day < nw->day_lo || s->day > nw->day_hi)
            continue;
        const struct gen_case *c = &g->cases[nw->case_idx];
        bool member = false;
        for (uint32_t m = c->mem_lo; m < c->mem_hi; m++)
            member |= g->case_members[m] == s->emp;
        if (!member)
            continue;
        int n = gen_rng_range(&g->rng, 3, 10);
        for (int i = 0; i < n; i++)
            lookup(g, s->emp, at(g, s), gen_ref(REF_PERSON, nw->vip), false, typed(g, 0.4, CK_INV),
                   nw->case_idx);
    }
}

static void login_logout(struct gen *g, const struct session *s, const uint8_t *systems, int n)
{
    for (int i = 0; i < n; i++) {
        emit(g, s->emp, s->t0 + gen_rng_range(&g->rng, 0, 600000), systems[i], ACT_LOGIN, 0,
             CK_NONE, 0, 0, QK_NONE);
        emit(g, s->emp, s->t1 - gen_rng_range(&g->rng, 0, 600000), systems[i], ACT_LOGOUT, 0,
             CK_NONE, 0, 0, QK_NONE);
    }
}

static void work(struct gen *g, const struct session *s, bool training)
{
    const struct gen_employee *e = &g->employees[s->emp];
    uint32_t emp = s->emp;
    static const uint8_t sys_patrol[] = {SYS_MEOS, SYS_BLUEVIEW}, sys_student[] = {SYS_MEOS},
                         sys_det[] = {SYS_BVH, SYS_SUMMIT, SYS_BLUEVIEW},
                         sys_int[] = {SYS_BLUEVIEW, SYS_SUMMIT},
                         sys_intake[] = {SYS_BVH, SYS_BRP, SYS_BLUEVIEW},
                         sys_disp[] = {SYS_GMS, SYS_BLUEVIEW}, sys_office[] = {SYS_BVH};
    if (training) {
        login_logout(g, s, sys_student, 1);
        int n = gen_rng_range(&g->rng, 0, 2);
        for (int i = 0; i < n; i++)
            lookup(g, emp, at(g, s), gen_ref(REF_VEHICLE, gen_random_vehicle(g, e->region)), true,
                   CK_NONE, 0);
        return;
    }
    switch (e->role) {
    case ROLE_PATROL:
    case ROLE_STUDENT: {
        bool student = e->role == ROLE_STUDENT;
        login_logout(g, s, student ? sys_student : sys_patrol, student ? 1 : 2);
        int plates = count(g, e, student ? 8 : 13);
        for (int i = 0; i < plates; i++) {
            uint32_t v = gen_random_vehicle(g, e->region);
            int64_t t = at(g, s);
            bool mobile = student || gen_rng_chance(&g->rng, 0.6);
            emit(g, emp, t, mobile ? SYS_MEOS : SYS_RDW, ACT_QUERY, gen_ref(REF_VEHICLE, v),
                 CK_NONE, 0, gen_rng_chance(&g->rng, 0.3) ? 1 : 0,
                 gen_rng_chance(&g->rng, 0.6) ? QK_PLATE : QK_NONE);
            if (gen_rng_chance(&g->rng, 0.3))
                emit(g, emp, t + gen_rng_range(&g->rng, 3000, 60000), mobile ? SYS_MEOS : SYS_RDW,
                     ACT_VIEW, gen_ref(REF_VEHICLE, v), CK_NONE, 0, 0, QK_NONE);
        }
        int persons = count(g, e, student ? 2 : 3);
        for (int i = 0; i < persons; i++)
            lookup(g, emp, at(g, s), gen_ref(REF_PERSON, citizen_for(g, emp)),
                   student || gen_rng_chance(&g->rng, 0.5), CK_NONE, 0);
        int incidents = count(g, e, student ? 0.6 : 1.3);
        for (int i = 0; i < incidents; i++)
            incident(g, s);
        break;
    }
    case ROLE_DETECTIVE:
        login_logout(g, s, sys_det, 3);
        case_work(g, s, count(g, e, 16), 0.7);
        news_work(g, s);
        break;
    case ROLE_INTELLIGENCE: {
        login_logout(g, s, sys_int, 2);
        int n = count(g, e, 18);
        for (int i = 0; i < n; i++) {
            int64_t t = at(g, s);
            if (gen_rng_chance(&g->rng, 0.7) && g->nnetworks > 0) {
                const struct gen_network *net =
                    &g->networks[gen_rng_below(&g->rng, (uint32_t)g->nnetworks)];
                if (net->hi == net->lo)
                    continue;
                uint32_t p = g->net_members[net->lo + gen_rng_below(&g->rng, net->hi - net->lo)];
                double u = gen_rng_unit(&g->rng);
                uint32_t v;
                uint32_t ref = u < 0.2 && gen_person_vehicles(g, p, &v, 1) == 1
                                   ? gen_ref(REF_VEHICLE, v)
                               : u < 0.3 ? gen_ref(REF_ADDRESS, g->persons[p].household)
                                         : gen_ref(REF_PERSON, p);
                lookup(g, emp, t, ref, false, CK_NONE, 0);
            } else {
                case_work(g, &(struct session){emp, s->day, t, t + 1000}, 1, 0.5);
            }
        }
        news_work(g, s);
        break;
    }
    case ROLE_INTAKE: {
        login_logout(g, s, sys_intake, 3);
        int n = count(g, e, 15);
        for (int i = 0; i < n; i++) {
            uint32_t p = citizen_for(g, emp);
            uint32_t ref = gen_rng_chance(&g->rng, 0.25)
                               ? gen_ref(REF_ADDRESS, g->persons[p].household)
                               : gen_ref(REF_PERSON, p);
            lookup(g, emp, at(g, s), ref, false, CK_NONE, 0);
        }
        break;
    }
    case ROLE_DISPATCHER: {
        login_logout(g, s, sys_disp, 2);
        int n = count(g, e, 9);
        for (int i = 0; i < n; i++)
            emit(g, emp, at(g, s), SYS_GMS, ACT_QUERY, random_region_ref(g, e->region), CK_NONE, 0,
                 (uint32_t)gen_rng_range(&g->rng, 0, 8), QK_NONE);
        break;
    }
    case ROLE_INTEGRITY:
        login_logout(g, s, sys_int, 2);
        case_work(g, s, count(g, e, 8), 0.6);
        break;
    default: {
        login_logout(g, s, sys_office, 1);
        if (e->role == ROLE_IT) /* IT staff log in and out to test accounts */
            login_logout(g, s, sys_intake, 3);
        int n = gen_rng_range(&g->rng, 0, 3);
        const struct gen_unit *u = &g->units[e->unit];
        for (int i = 0; i < n && u->case_hi > u->case_lo; i++) {
            uint32_t ci = u->case_lo + gen_rng_below(&g->rng, u->case_hi - u->case_lo);
            emit(g, emp, at(g, s), SYS_BVH, ACT_VIEW, gen_ref(REF_CASE, ci), typed(g, 0.5, CK_INV),
                 ci, 0, QK_NONE);
        }
    }
    }
}

static void work_day(struct gen *g, uint32_t emp, int32_t day)
{
    const struct gen_employee *e = &g->employees[emp];
    const struct gen_plan *p = &g->plans[(size_t)emp * g->ndays + (size_t)(day - g->day0)];
    struct session s = {emp, day, 0, 0};
    if (p->kind == PLAN_SHIFT || p->kind == PLAN_TRAINING) {
        s.t0 = gen_local_to_utc(g, day, p->start_min);
        s.t1 = s.t0 + (int64_t)p->dur_min * 60000;
        if (gen_rng_chance(&g->rng, 0.35)) /* overtime is normal */
            s.t1 += gen_rng_range(&g->rng, 30, 120) * 60000;
        work(g, &s, p->kind == PLAN_TRAINING);
    } else if (p->kind == PLAN_OFF && day >= e->start_day && day <= e->end_day &&
               (e->role == ROLE_PATROL || e->role == ROLE_DISPATCHER) &&
               gen_rng_chance(&g->rng, 0.005)) {
        /* Called in on a free day: real work outside the roster. */
        s.t0 = gen_local_to_utc(g, day, gen_rng_range(&g->rng, 480, 960));
        s.t1 = s.t0 + gen_rng_range(&g->rng, 120, 300) * 60000;
        work(g, &s, false);
    }
}

/* ---- the loop ----------------------------------------------------------------------- */

int gen_events_write(struct gen *g, const char *dataset_dir, const char *truth_dir, struct err *e)
{
    char path[4352];
    int rc = 0;
    for (int f = 0; f < SYS_COUNT; f++) {
        snprintf(path, sizeof path, "%s/events/%s.jsonl", dataset_dir, gen_system_names[f]);
        g->files[f].f = fopen(path, "w");
        if (g->files[f].f == NULL)
            return err_set(e, "%s: cannot create: %s", path, strerror(errno));
        setvbuf(g->files[f].f, NULL, _IOFBF, 1 << 20);
        g->next_id[f] = 1000000 + gen_rng_below(&g->rng, 8000000);
    }
    snprintf(path, sizeof path, "%s/events.csv", truth_dir);
    g->truth_events_f = fopen(path, "w");
    if (g->truth_events_f == NULL)
        return err_set(e, "%s: cannot create: %s", path, strerror(errno));
    fputs("event_id,user,scenario,ts\n", g->truth_events_f);
    g->next_incident = 10000 + gen_rng_below(&g->rng, 20000);

    size_t next_planned = 0;
    for (int32_t d = 0; d < g->ndays; d++) {
        int32_t day = g->day0 + d;
        for (uint32_t emp = 0; emp < g->nemployees; emp++)
            work_day(g, emp, day);
        for (; next_planned < g->nplanned && g->planned[next_planned].day <= day; next_planned++) {
            const struct gen_planned *p = &g->planned[next_planned];
            uint64_t id = emit(g, p->user, p->ts_ms, p->system, p->action, p->subject, p->case_kind,
                               p->case_num, p->results, p->query_kind);
            char user[16], ts[32];
            gen_format_user(p->user, user);
            ts_format(g->tz, p->ts_ms, ts);
            fprintf(g->truth_events_f, "%s-%llu,%s,%s,%s\n", id_prefix[p->system],
                    (unsigned long long)id, user, gen_scenario_names[p->scenario], ts);
        }
        flush(g, gen_local_to_utc(g, day + 1, 0));
    }
    flush(g, INT64_MAX);
    for (int f = 0; f < SYS_COUNT; f++) {
        if (ferror(g->files[f].f) | fclose(g->files[f].f))
            rc = err_set(e, "events/%s.jsonl: write failed", gen_system_names[f]);
        g->files[f].f = NULL;
        free(g->files[f].ev);
        g->files[f].ev = NULL;
    }
    if (ferror(g->truth_events_f) | fclose(g->truth_events_f))
        rc = err_set(e, "%s: write failed", path);
    g->truth_events_f = NULL;
    return rc;
}
