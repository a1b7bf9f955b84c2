/*
 * test_csv_ref.c - unit tests of the RFC 4180 reader (ref/csv.c) and of loading the
 * reference data (ref/ref.c) from a tiny dataset that the test writes itself.
 *
 * Why: every attribute detection reasons about (an employee's surname and address, a
 * subject's flags and region, who works on which case, who was on shift) comes through
 * here, and a wrong attribute does not crash, it silently produces wrong alerts. The
 * REGRESSION case test_ref_full_attributes guards a bug that read each field with the
 * previous field's length (surnames and postcodes came out truncated or overlong): all
 * values in the fixture have different lengths from their neighbours, and columns come in
 * an unusual order with unknown columns between them, so such a bug cannot hide.
 * Errors must name the file (and the line) because they are what an operator sees.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "ref/ref.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int setup(void **state)
{
    (void)state;
    return tmpdir_make("ref");
}

static int teardown(void **state)
{
    (void)state;
    return tmpdir_remove();
}

static char *path_of(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return path;
}

static const char *field(const struct csv *c, int i)
{
    static char buf[1024];
    size_t n;
    const char *s = csv_get(c, i, &n);
    assert_true(n < sizeof buf);
    memcpy(buf, s, n);
    buf[n] = '\0';
    assert_int_equal(strlen(buf), n);
    return buf;
}

/* ---- CSV ------------------------------------------------------------------------------- */

static void test_csv_rfc4180(void **state)
{
    (void)state;
    write_file("t.csv", "\xEF\xBB\xBF a ,b,c\r\n"
                        "1,\"x,y\",\"he said \"\"hi\"\"\"\r\n"
                        "\r\n"
                        "\n"
                        "\"multi\nline\",,last\n"
                        "\"\",\"\"\"\",\n"
                        "short\n"
                        "no,newline,at end");
    struct csv c;
    struct err e = {{0}};
    assert_int_equal(csv_open(&c, path_of("t.csv"), &e), 0);
    assert_int_equal(c.n_cols, 3);
    assert_int_equal(csv_col(&c, "a"), 0); /* BOM skipped, blanks trimmed */
    assert_int_equal(csv_col(&c, "b"), 1);
    assert_int_equal(csv_col(&c, "c"), 2);
    assert_int_equal(csv_col(&c, "d"), -1);

    assert_int_equal(csv_next(&c, &e), 1);
    assert_int_equal(c.rec_line, 2);
    assert_string_equal(field(&c, 0), "1");
    assert_string_equal(field(&c, 1), "x,y");
    assert_string_equal(field(&c, 2), "he said \"hi\"");

    assert_int_equal(csv_next(&c, &e), 1); /* blank lines skipped */
    assert_int_equal(c.rec_line, 5);
    assert_string_equal(field(&c, 0), "multi\nline");
    assert_string_equal(field(&c, 1), "");
    assert_string_equal(field(&c, 2), "last");

    assert_int_equal(csv_next(&c, &e), 1);
    assert_int_equal(c.rec_line, 7);
    assert_string_equal(field(&c, 0), "");
    assert_string_equal(field(&c, 1), "\"");
    assert_string_equal(field(&c, 2), "");

    assert_int_equal(csv_next(&c, &e), 1);
    assert_string_equal(field(&c, 0), "short");
    assert_string_equal(field(&c, 1), ""); /* missing fields read as empty */
    assert_string_equal(field(&c, 7), "");
    assert_string_equal(field(&c, -1), "");

    assert_int_equal(csv_next(&c, &e), 1);
    assert_int_equal(c.rec_line, 9);
    assert_string_equal(field(&c, 2), "at end");
    assert_int_equal(csv_next(&c, &e), 0);
    assert_int_equal(csv_next(&c, &e), 0);
    csv_close(&c);
    csv_close(NULL);
}

/* The reader sees the file through a window of a few hundred kilobytes: records, quoted
 * fields with line breaks and doubled quotes straddle its edge, and a record longer than
 * the window (fields near the 64 KiB cap) makes it grow. Every field must come out whole. */
static void test_csv_window_edges(void **state)
{
    (void)state;
    enum { ROWS = 30000, BIG_EVERY = 5000, BIG_FIELD = 60000, BIG_FIELDS = 6 };
    struct sbuf b = {0};
    sbuf_puts(&b, "id,text,n\n");
    for (int i = 0; i < ROWS; i++) {
        if (i % BIG_EVERY == BIG_EVERY - 1) {
            sbuf_printf(&b, "big%d", i);
            for (int k = 0; k < BIG_FIELDS; k++) {
                sbuf_putc(&b, ',');
                for (int j = 0; j < BIG_FIELD; j++)
                    sbuf_putc(&b, (char)('a' + k));
            }
            sbuf_putc(&b, '\n');
        } else if (i % 3 == 0) {
            /* Long quoted fields, so that the window's edges fall inside them. */
            sbuf_printf(&b, "r%d,\"line one %0300d\nline \"\"%d\"\"\",%d\r\n", i, 0, i, i);
        } else {
            sbuf_printf(&b, "r%d,plain %d,%d\n", i, i, i);
        }
    }
    write_file("w.csv", b.buf);
    assert_true(b.len > 2 * 1024 * 1024);
    sbuf_free(&b);

    struct csv c;
    struct err e = {{0}};
    assert_int_equal(csv_open(&c, path_of("w.csv"), &e), 0);
    uint64_t line = 2;
    char want[512];
    for (int i = 0; i < ROWS; i++) {
        if (csv_next(&c, &e) != 1)
            fail_msg("record %d: %s", i, e.msg);
        assert_int_equal(c.rec_line, line);
        size_t n;
        if (i % BIG_EVERY == BIG_EVERY - 1) {
            snprintf(want, sizeof want, "big%d", i);
            assert_string_equal(field(&c, 0), want);
            for (int k = 0; k < BIG_FIELDS; k++) {
                const char *s = csv_get(&c, k + 1, &n);
                assert_int_equal(n, BIG_FIELD);
                assert_true(s[0] == 'a' + k && s[n - 1] == 'a' + k);
            }
            line++;
        } else if (i % 3 == 0) {
            snprintf(want, sizeof want, "line one %0300d\nline \"%d\"", 0, i);
            assert_string_equal(field(&c, 1), want);
            line += 2;
        } else {
            snprintf(want, sizeof want, "plain %d", i);
            assert_string_equal(field(&c, 1), want);
            line++;
        }
        if (i % BIG_EVERY != BIG_EVERY - 1) {
            snprintf(want, sizeof want, "%d", i);
            assert_string_equal(field(&c, 2), want);
        }
    }
    assert_int_equal(csv_next(&c, &e), 0);
    csv_close(&c);
}

static void test_csv_require(void **state)
{
    (void)state;
    write_file("r.csv", "x,user,y\n1,2,3\n");
    struct csv c;
    struct err e = {{0}};
    assert_int_equal(csv_open(&c, path_of("r.csv"), &e), 0);
    static const char *const ok[] = {"user", "x"};
    int idx[2];
    assert_int_equal(csv_require(&c, ok, idx, 2, &e), 0);
    assert_int_equal(idx[0], 1);
    assert_int_equal(idx[1], 0);
    static const char *const bad[] = {"user", "person"};
    assert_int_equal(csv_require(&c, bad, idx, 2, &e), -1);
    assert_non_null(strstr(e.msg, "r.csv"));
    assert_non_null(strstr(e.msg, "person"));
    csv_close(&c);
}

static void test_csv_errors(void **state)
{
    (void)state;
    struct csv c;
    struct err e = {{0}};
    /* Missing file. */
    assert_int_equal(csv_open(&c, path_of("nope.csv"), &e), -1);
    assert_non_null(strstr(e.msg, "nope.csv"));
    /* Empty file: no header. */
    write_file("empty.csv", "");
    assert_int_equal(csv_open(&c, path_of("empty.csv"), &e), -1);
    assert_non_null(strstr(e.msg, "empty.csv"));
    /* Unterminated quote: the error names the file and the line the record starts on. */
    write_file("unterm.csv", "a,b\n1,2\n3,\"open\nstill open\n");
    memset(&e, 0, sizeof e);
    assert_int_equal(csv_open(&c, path_of("unterm.csv"), &e), 0);
    assert_int_equal(csv_next(&c, &e), 1);
    assert_int_equal(csv_next(&c, &e), -1);
    assert_non_null(strstr(e.msg, "unterm.csv:3"));
    csv_close(&c);
    /* Text after a closing quote. */
    write_file("after.csv", "a,b\n\"x\"y,2\n");
    assert_int_equal(csv_open(&c, path_of("after.csv"), &e), 0);
    assert_int_equal(csv_next(&c, &e), -1);
    assert_non_null(strstr(e.msg, "after.csv:2"));
    csv_close(&c);
}

/* ---- the reference dataset ------------------------------------------------------------- */

/* Columns deliberately out of the spec's order, with unknown columns in between, and
 * values whose lengths differ from their neighbours'. */
static void write_dataset(void)
{
    write_file("units.csv", "name,region,unit\n"
                            "\"Noord, district 1\",Noord-Nederland,UNIT-01\n"
                            "Oost,Oost-Nederland-Gelderland,U2\n");
    write_file("subjects.csv",
               "flags,subject,note,postcode,subject_type,surname,house_number,birth_year,region\n"
               "vip|criminal,P1,x,1234AB,person,Vandersloot-Hoogendijk,12a,1980,Noord-Nederland\n"
               ",P2,,1234AB,person,Vandersloot-Hoogendijk,12a,2011,Noord-Nederland\n"
               "shielded | minor,P3,,9999ZZ,person,Li,1,1990,Oost-Nederland-Gelderland\n"
               ",P4,,5000XY,person,de Vries-van Oranje,123,1950,\n"
               ",V1,,1234AB,vehicle,Vandersloot-Hoogendijk,12a,,\n"
               ",A9,,7777QQ,address,,77,,\n"
               "employee,P5,,8000AA,person,Ng,8,1985,Oost-Nederland-Gelderland\n");
    write_file("employees.csv",
               "end_date,user,grade,surname,person,unit,team,role,postcode,house_number,"
               "start_date\n"
               ",U000001,schaal 6,Vandersloot-Hoogendijk,P1,UNIT-01,UNIT-01-T01,detective,"
               "1234AB,12a,2007-05-04\n"
               "2025-12-31,U2,x,Ng,P5,U2,T,Integrity,8000AA,8,2020-01-01\n"
               ",U3,,,,UNIT-99,,janitor,,,\n");
    write_file("schedule.csv", "kind,user,start,end\n"
                               "shift,U000001,2025-03-29T22:00:00+01:00,2025-03-30T07:00:00+02:00\n"
                               "leave,U000001,2025-04-01,2025-04-03\n"
                               "shift,U000001,2025-03-31T08:00:00+02:00,2025-03-31T16:00:00+02:00\n"
                               "sick,U2,2025-03-30T00:00:00+01:00,2025-03-31T00:00:00+02:00\n");
    write_file("cases.csv", "case,kind,opened,closed,unit,sensitivity,title\n"
                            "C-1,case,2025-01-01,,UNIT-01,high,\"Zaak \"\"X\"\", fase 2\"\n"
                            "C-22,incident,2025-01-10T10:00:00+01:00,2025-02-01,U2,normal,\n");
    write_file("case_members.csv", "user,case\nU000001,C-1\nU2,C-22\nU2,C-1\nU2,C-1\n");
    write_file("case_subjects.csv", "case,subject\nC-1,P2\nC-22,V1\nC-22,P-unlisted\n");
    write_file("relations.csv", "relation,person_a,person_b\n"
                                "partner,P1,P3\n"
                                "child,P1,P4\n");
}

static int64_t ts(const char *s)
{
    int64_t ms;
    assert_int_equal(ts_parse_rfc3339(s, strlen(s), &ms), 0);
    return ms;
}

static uint32_t emp(struct ref *r, const char *user)
{
    int64_t i = strmap_get(&r->emp_by_user, user, strlen(user));
    assert_true(i >= 0);
    return (uint32_t)i;
}

static uint32_t subj(struct ref *r, const char *id)
{
    int64_t i = strmap_get(&r->subj_by_id, id, strlen(id));
    assert_true(i >= 0);
    return (uint32_t)i;
}

static uint32_t case_of(struct ref *r, const char *id)
{
    int64_t i = strmap_get(&r->case_by_id, id, strlen(id));
    assert_true(i >= 0);
    return (uint32_t)i;
}

static const char *tok(struct ref *r, uint32_t t)
{
    return ref_token_name(r, t);
}

static void load(struct ref *r, struct tz **tz)
{
    struct err e = {{0}};
    *tz = tz_open("Europe/Amsterdam", &e);
    assert_non_null(*tz);
    if (ref_load(r, dir, *tz, &e) != 0)
        fail_msg("ref_load: %s", e.msg);
}

/* The dataset of write_dataset with `schedule` as its schedule.csv, loaded. */
static void load_roster(const char *schedule, struct ref *r, struct tz **tz)
{
    write_dataset();
    write_file("schedule.csv", schedule);
    load(r, tz);
}

/* REGRESSION: each field must be read with its own length. */
static void test_ref_full_attributes(void **state)
{
    (void)state;
    write_dataset();
    struct ref r;
    struct tz *tz;
    load(&r, &tz);

    const struct employee *e1 = &r.emp[emp(&r, "U000001")];
    assert_true(e1->known);
    assert_string_equal(e1->user, "U000001");
    assert_string_equal(tok(&r, e1->surname), "Vandersloot-Hoogendijk");
    assert_string_equal(tok(&r, e1->postcode), "1234AB");
    assert_string_equal(tok(&r, e1->house), "12a");
    assert_string_equal(tok(&r, e1->unit), "UNIT-01");
    assert_string_equal(tok(&r, e1->team), "UNIT-01-T01");
    assert_string_equal(tok(&r, e1->region), "Noord-Nederland");
    assert_int_equal(e1->role, ROLE_DETECTIVE);
    assert_string_equal(e1->role_name, "detective");
    assert_int_equal(e1->person, subj(&r, "P1"));
    int32_t d;
    date_parse("2007-05-04", 10, &d);
    assert_int_equal(e1->start_day, d);
    assert_int_equal(e1->end_day, DAY_NONE_HI);

    const struct employee *e2 = &r.emp[emp(&r, "U2")];
    assert_string_equal(tok(&r, e2->surname), "Ng");
    assert_string_equal(tok(&r, e2->postcode), "8000AA");
    assert_string_equal(tok(&r, e2->house), "8");
    assert_string_equal(tok(&r, e2->region), "Oost-Nederland-Gelderland");
    assert_int_equal(e2->role, ROLE_INTEGRITY); /* role names are case-insensitive */
    date_parse("2025-12-31", 10, &d);
    assert_int_equal(e2->end_day, d);

    const struct employee *e3 = &r.emp[emp(&r, "U3")];
    assert_true(e3->known);
    /* A role the format does not name is a peer group of its own, not "other". */
    assert_int_equal(e3->role, ROLE__COUNT);
    assert_string_equal(e3->role_name, "janitor");
    assert_string_equal(ref_role_group_name(&r, e3->role), "janitor");
    assert_int_equal(ref_role_groups(&r), ROLE__COUNT + 1);
    assert_int_equal(e3->person, REF_NONE);
    assert_int_equal(e3->surname, 0);
    assert_int_equal(e3->region, 0); /* unit not in units.csv */
    assert_int_equal(e3->start_day, DAY_NONE_LO);

    const struct subject *p1 = &r.subj[subj(&r, "P1")];
    assert_true(p1->known);
    assert_int_equal(p1->type, ST_PERSON);
    assert_string_equal(tok(&r, p1->surname), "Vandersloot-Hoogendijk");
    assert_string_equal(tok(&r, p1->postcode), "1234AB");
    assert_string_equal(tok(&r, p1->house), "12a");
    assert_string_equal(tok(&r, p1->region), "Noord-Nederland");
    assert_int_equal(p1->birth_year, 1980);
    assert_int_equal(p1->flags, SF_VIP | SF_CRIMINAL | SF_EMPLOYEE);
    assert_int_equal(p1->employee, emp(&r, "U000001"));

    const struct subject *p3 = &r.subj[subj(&r, "P3")];
    assert_string_equal(tok(&r, p3->surname), "Li");
    assert_string_equal(tok(&r, p3->postcode), "9999ZZ");
    assert_string_equal(tok(&r, p3->house), "1");
    assert_string_equal(tok(&r, p3->region), "Oost-Nederland-Gelderland");
    assert_int_equal(p3->flags, SF_SHIELDED | SF_MINOR);
    assert_int_equal(p3->employee, REF_NONE);

    const struct subject *p4 = &r.subj[subj(&r, "P4")];
    assert_string_equal(tok(&r, p4->surname), "de Vries-van Oranje");
    assert_string_equal(tok(&r, p4->house), "123");
    assert_int_equal(p4->region, 0);
    assert_int_equal(p4->flags, 0);

    const struct subject *v1 = &r.subj[subj(&r, "V1")];
    assert_int_equal(v1->type, ST_VEHICLE);
    assert_int_equal(v1->birth_year, 0);
    assert_string_equal(tok(&r, v1->surname), "Vandersloot-Hoogendijk");
    assert_int_equal(r.subj[subj(&r, "A9")].type, ST_ADDRESS);
    assert_int_equal(r.subj[subj(&r, "P5")].employee, emp(&r, "U2"));

    /* Cases. */
    const struct case_rec *c1 = &r.cases[case_of(&r, "C-1")];
    assert_true(c1->known);
    assert_int_equal(c1->kind, CK_CASE);
    assert_true(c1->high);
    assert_int_equal(c1->opened_ms, ts("2025-01-01T00:00:00+01:00"));
    assert_int_equal(c1->closed_ms, INT64_MAX);
    assert_string_equal(tok(&r, c1->unit), "UNIT-01");
    assert_int_equal(c1->n_members, 2); /* the duplicate membership line counts once */
    assert_int_equal(c1->n_subjects, 1);
    assert_true(c1->integrity); /* integrity staff (U2) work on it */
    const struct case_rec *c22 = &r.cases[case_of(&r, "C-22")];
    assert_int_equal(c22->kind, CK_INCIDENT);
    assert_false(c22->high);
    assert_int_equal(c22->opened_ms, ts("2025-01-10T10:00:00+01:00"));
    assert_int_equal(c22->closed_ms, ts("2025-02-02T00:00:00+01:00")); /* end of that day */

    ref_free(&r);
    tz_free(tz);
}

static void test_ref_memberships_relations_residents(void **state)
{
    (void)state;
    write_dataset();
    struct ref r;
    struct tz *tz;
    load(&r, &tz);
    uint32_t u1 = emp(&r, "U000001"), u2 = emp(&r, "U2");
    uint32_t c1 = case_of(&r, "C-1"), c22 = case_of(&r, "C-22");
    assert_true(ref_is_member(&r, c1, u1));
    assert_true(ref_is_member(&r, c1, u2));
    assert_true(ref_is_member(&r, c22, u2));
    assert_false(ref_is_member(&r, c22, u1));
    assert_true(ref_case_has(&r, c1, subj(&r, "P2")));
    assert_false(ref_case_has(&r, c1, subj(&r, "P1")));
    assert_true(ref_case_has(&r, c22, subj(&r, "V1")));
    assert_true(ref_case_has(&r, c22, subj(&r, "P-unlisted")));
    assert_false(r.subj[subj(&r, "P-unlisted")].known);
    /* Cases per employee. */
    assert_int_equal(r.emp[u1].cases_n, 1);
    assert_int_equal(r.user_cases[r.emp[u1].cases_off], c1);
    assert_int_equal(r.emp[u2].cases_n, 2);
    /* Cases per subject. */
    const struct subject *p2 = &r.subj[subj(&r, "P2")];
    assert_int_equal(p2->cases_n, 1);
    assert_int_equal(r.subject_cases[p2->cases_off], c1);

    /* Relations both ways; parent/child turn around. */
    assert_true(r.has_relations);
    const struct subject *p1 = &r.subj[subj(&r, "P1")];
    assert_int_equal(p1->rel_n, 2);
    bool partner = false, child = false;
    for (uint32_t i = 0; i < p1->rel_n; i++) {
        const struct rel_edge *ed = &r.rels[p1->rel_off + i];
        if (ed->other == subj(&r, "P3"))
            partner = ed->relation == REL_PARTNER;
        if (ed->other == subj(&r, "P4"))
            child = ed->relation == REL_CHILD;
    }
    assert_true(partner);
    assert_true(child);
    const struct subject *p3 = &r.subj[subj(&r, "P3")];
    assert_int_equal(p3->rel_n, 1);
    assert_int_equal(r.rels[p3->rel_off].other, subj(&r, "P1"));
    assert_int_equal(r.rels[p3->rel_off].relation, REL_PARTNER);
    const struct subject *p4 = &r.subj[subj(&r, "P4")];
    assert_int_equal(p4->rel_n, 1);
    assert_int_equal(r.rels[p4->rel_off].relation, REL_PARENT);

    /* Residents: the two persons at 1234AB 12a (not the vehicle registered there). */
    const uint32_t *first;
    uint32_t n = ref_residents(&r, p1->postcode, p1->house, &first);
    assert_int_equal(n, 2);
    assert_true((first[0] == subj(&r, "P1") && first[1] == subj(&r, "P2")) ||
                (first[0] == subj(&r, "P2") && first[1] == subj(&r, "P1")));
    assert_int_equal(ref_residents(&r, p1->postcode, 0, &first), 0);
    assert_int_equal(ref_residents(&r, p3->postcode, p1->house, &first), 0);
    assert_int_equal(ref_surname_count(&r, p1->surname), 2);
    assert_int_equal(ref_surname_count(&r, p3->surname), 1);

    /* Households: every address numbered once; the two persons and the vehicle at
     * 1234AB 12a share one, an address record has its own, a record without an address
     * (or one events add) has none. */
    uint32_t h = p1->household;
    assert_true(h < r.n_households);
    assert_int_equal(r.subj[subj(&r, "P2")].household, h);
    assert_int_equal(r.subj[subj(&r, "V1")].household, h);
    assert_true(p3->household != h && p3->household < r.n_households);
    assert_true(r.subj[subj(&r, "A9")].household < r.n_households);
    assert_true(r.subj[subj(&r, "A9")].household != h);
    assert_int_equal(r.subj[subj(&r, "P-unlisted")].household, REF_NONE);
    assert_int_equal(r.n_households, 5); /* P1/P2/V1, P3, P4, A9, P5 */
    uint32_t later = ref_subject(&r, "P-from-an-event", 15, ST_PERSON);
    assert_int_equal(r.subj[later].household, REF_NONE);
    ref_free(&r);
    tz_free(tz);
}

/* An incident's member list may name a unit ("the units and people dispatched to it"):
 * every employee of that unit is a member. An id that is an employee number stays the
 * employee, even where a unit has the same name. */
static void test_ref_unit_as_member(void **state)
{
    (void)state;
    write_dataset();
    write_file("cases.csv", "case,kind,opened,closed,unit,sensitivity\n"
                            "C-1,case,2025-01-01,,UNIT-01,high\n"
                            "C-22,incident,2025-01-10,2025-02-01,U2,normal\n"
                            "C-3,incident,2025-02-01,,UNIT-01,normal\n");
    write_file("case_members.csv", "case,user\nC-1,U2\nC-3,UNIT-01\nC-3,UNIT-01\nC-22,U2\n");
    struct ref r;
    struct tz *tz;
    load(&r, &tz);
    uint32_t u1 = emp(&r, "U000001"), u2 = emp(&r, "U2"), u3 = emp(&r, "U3");
    uint32_t c1 = case_of(&r, "C-1"), c22 = case_of(&r, "C-22"), c3 = case_of(&r, "C-3");
    assert_true(ref_is_member(&r, c3, u1)); /* UNIT-01's employee */
    assert_false(ref_is_member(&r, c3, u2));
    assert_false(ref_is_member(&r, c3, u3));
    assert_int_equal(r.emp[u1].cases_n, 1);
    assert_int_equal(r.user_cases[r.emp[u1].cases_off], c3);
    assert_int_equal(r.cases[c3].n_members, 1);
    /* U2 is an employee and a unit (of U2 alone): the employee, and no one else. */
    assert_true(ref_is_member(&r, c1, u2));
    assert_true(ref_is_member(&r, c22, u2));
    assert_false(ref_is_member(&r, c1, u1));
    /* The unit is no employee of its own. */
    assert_true(strmap_get(&r.emp_by_user, "UNIT-01", 7) < 0);
    ref_free(&r);
    tz_free(tz);
}

static void test_ref_schedule(void **state)
{
    (void)state;
    write_dataset();
    struct ref r;
    struct tz *tz;
    load(&r, &tz);
    uint32_t u1 = emp(&r, "U000001"), u2 = emp(&r, "U2"), u3 = emp(&r, "U3");
    assert_int_equal(r.emp[u1].sched_n, 3);
    const int64_t H = 3600000;
    /* The night shift crosses midnight and the DST change (22:00 CET .. 07:00 CEST is 8 h). */
    const struct sched_interval *iv =
        ref_sched_at(&r, u1, ts("2025-03-30T01:30:00+01:00"), SK_SHIFT, 0);
    assert_non_null(iv);
    assert_int_equal(iv->end_ms - iv->start_ms, 8 * H);
    assert_non_null(ref_sched_at(&r, u1, ts("2025-03-29T23:59:00+01:00"), SK_SHIFT, 0));
    assert_non_null(ref_sched_at(&r, u1, ts("2025-03-30T06:59:59+02:00"), SK_SHIFT, 0));
    assert_null(ref_sched_at(&r, u1, ts("2025-03-30T07:00:00+02:00"), SK_SHIFT, 0));
    assert_null(ref_sched_at(&r, u1, ts("2025-03-29T21:59:59+01:00"), SK_SHIFT, 0));
    /* With a 2-hour margin (overtime) on both sides. */
    assert_non_null(ref_sched_at(&r, u1, ts("2025-03-30T08:59:59+02:00"), SK_SHIFT, 2 * H));
    assert_null(ref_sched_at(&r, u1, ts("2025-03-30T09:00:00+02:00"), SK_SHIFT, 2 * H));
    assert_non_null(ref_sched_at(&r, u1, ts("2025-03-29T20:00:00+01:00"), SK_SHIFT, 2 * H));
    assert_null(ref_sched_at(&r, u1, ts("2025-03-29T19:59:59+01:00"), SK_SHIFT, 2 * H));
    /* The wrong kind does not match. */
    assert_null(ref_sched_at(&r, u1, ts("2025-03-30T01:30:00+01:00"), SK_LEAVE, 0));
    /* Leave given as dates runs from local midnight of the first day to the end of the last. */
    assert_non_null(ref_sched_at(&r, u1, ts("2025-04-01T00:00:00+02:00"), SK_LEAVE, 0));
    assert_non_null(ref_sched_at(&r, u1, ts("2025-04-03T23:59:59+02:00"), SK_LEAVE, 0));
    assert_null(ref_sched_at(&r, u1, ts("2025-04-04T00:00:00+02:00"), SK_LEAVE, 0));
    assert_null(ref_sched_at(&r, u1, ts("2025-03-31T23:59:59+02:00"), SK_LEAVE, 0));
    /* Margins do not widen leave. */
    assert_null(ref_sched_at(&r, u1, ts("2025-03-31T23:00:00+02:00"), SK_LEAVE, 2 * H));
    /* The later shift is found too (intervals are sorted whatever the file order). */
    assert_non_null(ref_sched_at(&r, u1, ts("2025-03-31T12:00:00+02:00"), SK_SHIFT, 0));
    assert_non_null(ref_sched_at(&r, u2, ts("2025-03-30T12:00:00+02:00"), SK_SICK, 0));
    assert_null(ref_sched_at(&r, u3, ts("2025-03-30T12:00:00+02:00"), SK_SHIFT, 2 * H));
    /* Roster nearness. */
    assert_true(ref_has_roster_near(&r, u1, ts("2025-04-02T12:00:00+02:00"), 3 * 24 * H));
    assert_false(ref_has_roster_near(&r, u1, ts("2025-05-02T12:00:00+02:00"), 3 * 24 * H));
    assert_false(ref_has_roster_near(&r, u2, ts("2025-03-30T12:00:00+02:00"), 3 * 24 * H));
    assert_false(ref_has_roster_near(&r, u3, ts("2025-03-30T12:00:00+02:00"), 3 * 24 * H));
    ref_free(&r);
    tz_free(tz);
}

/* The moment up to which ref_duty_at promises the same status: checked against the status
 * itself, minute by minute, over a random roster of shifts (some overlapping), leave,
 * sickness and training across two months: it must not change before `until`. */
static void test_ref_duty_until(void **state)
{
    (void)state;
    static const char *const kinds[] = {"shift", "shift", "shift", "leave", "sick", "training"};
    char *text = xmalloc(64 << 10);
    size_t len = (size_t)snprintf(text, 64 << 10, "kind,user,start,end\n");
    uint64_t rnd = 12345;
    const int64_t H = 3600000, base = ts("2025-03-01T00:00:00+01:00");
    for (int i = 0; i < 60; i++) {
        rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
        const char *kind = kinds[(rnd >> 33) % 6];
        int64_t start = base + (int64_t)((rnd >> 13) % (60 * 24)) * H;
        int64_t span = (strcmp(kind, "shift") == 0 ? 8 : 24 * (int64_t)(1 + (rnd >> 40) % 4)) * H;
        char a[32], b[32];
        time_t t0 = (time_t)(start / 1000), t1 = (time_t)((start + span) / 1000);
        struct tm tm;
        strftime(a, sizeof a, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t0, &tm));
        strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t1, &tm));
        len += (size_t)snprintf(text + len, (64 << 10) - len, "%s,U2,%s,%s\n", kind, a, b);
    }
    struct ref r;
    struct tz *tz;
    load_roster(text, &r, &tz);
    free(text);
    uint32_t u2 = emp(&r, "U2");
    const int64_t M = 60000, ot = 2 * H, win = 72 * H;
    size_t checked = 0, changes = 0;
    for (int64_t t = base - 5 * 24 * H; t < base + 66 * 24 * H;) {
        int64_t until;
        enum duty d = ref_duty_at(&r, u2, t, ot, win, &until);
        assert_true(until > t);
        int64_t stop = until < base + 70 * 24 * H ? until : base + 70 * 24 * H;
        for (int64_t u = t + M; u < stop; u += M, checked++)
            assert_int_equal(ref_duty_at(&r, u2, u, ot, win, NULL), d);
        if (until == INT64_MAX)
            break;
        if (ref_duty_at(&r, u2, until, ot, win, NULL) != d)
            changes++;
        t = until;
    }
    assert_true(checked > 80000); /* two months of minutes, not a few jumps */
    assert_true(changes > 20);    /* 36 with this roster: many days are leave or sickness */
    ref_free(&r);
    tz_free(tz);
}

/* U2's duty at local time `when`, with 2 hours of overtime and a 72-hour roster window. */
static enum duty u2_duty(struct ref *r, const char *when)
{
    const int64_t H = 3600000;
    return ref_duty_at(r, emp(r, "U2"), ts(when), 2 * H, 72 * H, NULL);
}

/* A sick leave of three months: longer intervals than any fixed look-back are still
 * found, and duty around a later shift is judged by that shift. */
static void test_ref_long_absence(void **state)
{
    (void)state;
    struct ref r;
    struct tz *tz;
    load_roster("kind,user,start,end\n"
                "sick,U2,2025-01-01,2025-03-31\n"
                "shift,U2,2025-04-01T08:00:00+02:00,2025-04-01T16:00:00+02:00\n",
                &r, &tz);
    uint32_t u2 = emp(&r, "U2");
    assert_non_null(ref_sched_at(&r, u2, ts("2025-03-15T12:00:00+01:00"), SK_SICK, 0));
    assert_int_equal(u2_duty(&r, "2025-03-15T12:00:00+01:00"), DUTY_ABSENT);
    assert_int_equal(u2_duty(&r, "2025-04-01T09:00:00+02:00"), DUTY_ON);
    assert_int_equal(u2_duty(&r, "2025-04-01T17:30:00+02:00"), DUTY_ON);
    assert_int_equal(u2_duty(&r, "2025-04-01T20:00:00+02:00"), DUTY_OFF);
    assert_int_equal(u2_duty(&r, "2025-06-01T12:00:00+02:00"), DUTY_UNKNOWN);
    ref_free(&r);
    tz_free(tz);
}

/* Sickness is booked by the day, a shift to the minute: a night shift that ends on the
 * morning of a sick day was worked. Within the shift's hours the employee is on duty; after
 * it, the overtime margin included, absent. */
static void test_ref_sick_after_night_shift(void **state)
{
    (void)state;
    struct ref r;
    struct tz *tz;
    load_roster("kind,user,start,end\n"
                "shift,U2,2025-03-06T22:30:00+01:00,2025-03-07T06:30:00+01:00\n"
                "sick,U2,2025-03-07,2025-03-07\n",
                &r, &tz);
    uint32_t u2 = emp(&r, "U2");
    const int64_t H = 3600000;
    assert_int_equal(u2_duty(&r, "2025-03-06T23:00:00+01:00"), DUTY_ON);
    assert_int_equal(u2_duty(&r, "2025-03-07T03:00:00+01:00"), DUTY_ON);
    assert_int_equal(u2_duty(&r, "2025-03-07T06:45:00+01:00"), DUTY_ABSENT);
    assert_int_equal(u2_duty(&r, "2025-03-07T21:14:00+01:00"), DUTY_ABSENT);
    /* The promise of `until` holds across the edge where the shift ends. */
    int64_t until;
    assert_int_equal(ref_duty_at(&r, u2, ts("2025-03-07T03:00:00+01:00"), 2 * H, 72 * H, &until),
                     DUTY_ON);
    assert_true(until <= ts("2025-03-07T06:30:00+01:00"));
    ref_free(&r);
    tz_free(tz);
}

static void test_ref_interning_unknowns(void **state)
{
    (void)state;
    write_dataset();
    struct ref r;
    struct tz *tz;
    load(&r, &tz);
    size_t n = r.n_emp;
    uint32_t x = ref_employee(&r, "U-new", 5);
    assert_int_equal(r.n_emp, n + 1);
    assert_false(r.emp[x].known);
    assert_int_equal(ref_employee(&r, "U-new", 5), x);
    assert_int_equal(ref_employee(&r, "U000001", 7), emp(&r, "U000001"));
    uint32_t s = ref_subject(&r, "Z1", 2, ST_VEHICLE);
    assert_false(r.subj[s].known);
    assert_int_equal(r.subj[s].type, ST_VEHICLE);
    uint32_t c = ref_case(&r, "NOPE", 4);
    assert_false(r.cases[c].known);
    uint16_t a = ref_system(&r, "BVH", 3), b = ref_system(&r, "RDW", 3);
    assert_int_not_equal(a, b);
    assert_int_equal(ref_system(&r, "BVH", 3), a);
    assert_string_equal(ref_system_name(&r, b), "RDW");
    assert_string_equal(ref_token_name(&r, 0), "");
    ref_free(&r);
    ref_free(NULL);
    tz_free(tz);
}

/* Roles the format does not name: each string its own peer group (an "analist" is not
 * compared with a "handhaver"), the named ones case-insensitively theirs, "other" and an
 * empty role in ROLE_OTHER, and once ROLE_GROUPS are taken, the rest share ROLE_OTHER. */
static void test_ref_role_groups(void **state)
{
    (void)state;
    write_dataset();
    char emps[8192] = "user,person,unit,role\n"
                      "A1,,UNIT-01,analist\nA2,,UNIT-01,analist\nH1,,UNIT-01,handhaver\n"
                      "P1,,UNIT-01,PATROL\nO1,,UNIT-01,other\nE1,,UNIT-01,\n";
    for (int i = 0; i < ROLE_GROUPS; i++) {
        char row[64];
        snprintf(row, sizeof row, "X%d,,UNIT-01,rol%d\n", i, i);
        strcat(emps, row);
    }
    write_file("employees.csv", emps);
    write_file("case_members.csv", "user,case\n");
    write_file("schedule.csv", "user,start,end,kind\n");
    struct ref r;
    struct tz *tz;
    load(&r, &tz);
    const struct employee *a1 = &r.emp[emp(&r, "A1")], *a2 = &r.emp[emp(&r, "A2")],
                          *h1 = &r.emp[emp(&r, "H1")];
    assert_true(a1->role >= ROLE__COUNT);
    assert_int_equal(a1->role, a2->role);
    assert_true(h1->role >= ROLE__COUNT);
    assert_int_not_equal(h1->role, a1->role);
    assert_string_equal(ref_role_group_name(&r, a1->role), "analist");
    assert_string_equal(ref_role_group_name(&r, h1->role), "handhaver");
    assert_int_equal(r.emp[emp(&r, "P1")].role, ROLE_PATROL);
    assert_int_equal(r.emp[emp(&r, "O1")].role, ROLE_OTHER);
    assert_int_equal(r.emp[emp(&r, "E1")].role, ROLE_OTHER);
    assert_int_equal(ref_role_groups(&r), ROLE_GROUPS);
    char last[16];
    snprintf(last, sizeof last, "X%d", ROLE_GROUPS - 1);
    assert_int_equal(r.emp[emp(&r, last)].role, ROLE_OTHER);
    assert_int_equal(r.emp[emp(&r, "X0")].role, ROLE__COUNT + 2);
    ref_free(&r);
    tz_free(tz);
}

static void expect_load_error(const char *want1, const char *want2)
{
    struct ref r;
    struct err e = {{0}};
    struct tz *tz = tz_open("Europe/Amsterdam", &e);
    assert_int_equal(ref_load(&r, dir, tz, &e), -1);
    if (strstr(e.msg, want1) == NULL || (want2 != NULL && strstr(e.msg, want2) == NULL))
        fail_msg("error '%s' does not name '%s' / '%s'", e.msg, want1, want2 ? want2 : "");
    assert_null(strchr(e.msg, '\n'));
    tz_free(tz);
}

static void test_ref_errors(void **state)
{
    (void)state;
    write_dataset();
    unlink(path_of("units.csv"));
    expect_load_error("units.csv", "missing");

    write_dataset();
    unlink(path_of("employees.csv"));
    expect_load_error("employees.csv", "missing");

    write_dataset();
    write_file("employees.csv", "person,unit,role\nP1,UNIT-01,patrol\n");
    expect_load_error("employees.csv", "'user'");

    write_dataset();
    write_file("case_subjects.csv", "case,subjekt\nC-1,P1\n");
    expect_load_error("case_subjects.csv", "'subject'");

    write_dataset();
    write_file("employees.csv", "user,person,unit,role,start_date\n"
                                "U1,P1,UNIT-01,patrol,2020-01-01\n"
                                "U2,P2,UNIT-01,patrol,2020-13-01\n");
    expect_load_error("employees.csv:3", "2020-13-01");

    write_dataset();
    write_file("schedule.csv", "user,start,end,kind\nU000001,yesterday,2025-03-30,shift\n");
    expect_load_error("schedule.csv:2", "yesterday");

    write_dataset();
    write_file("cases.csv", "case,kind,opened,closed\nC-1,case,2025-02-30,\n");
    expect_load_error("cases.csv:2", "2025-02-30");

    write_dataset();
    write_file("subjects.csv", "subject,subject_type\nP1,person\n\"P2,person\n");
    expect_load_error("subjects.csv:3", NULL);

    /* relations.csv is optional: without it the load succeeds and says so. */
    write_dataset();
    unlink(path_of("relations.csv"));
    struct ref r;
    struct tz *tz;
    load(&r, &tz);
    assert_false(r.has_relations);
    ref_free(&r);
    tz_free(tz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_rfc4180),
        cmocka_unit_test(test_csv_window_edges),
        cmocka_unit_test(test_csv_require),
        cmocka_unit_test(test_csv_errors),
        cmocka_unit_test(test_ref_full_attributes),
        cmocka_unit_test(test_ref_memberships_relations_residents),
        cmocka_unit_test(test_ref_unit_as_member),
        cmocka_unit_test(test_ref_schedule),
        cmocka_unit_test(test_ref_long_absence),
        cmocka_unit_test(test_ref_sick_after_night_shift),
        cmocka_unit_test(test_ref_duty_until),
        cmocka_unit_test(test_ref_interning_unknowns),
        cmocka_unit_test(test_ref_role_groups),
        cmocka_unit_test(test_ref_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
