/*
 * test_explain.c - unit tests of explain/: the explanation routes of a record access, the
 * kinds of bogus legitimation, the personal link of the subject to the user, and duty
 * status.
 *
 * Why: explain-away decides what every indicator gets to see. An access wrongly explained
 * hides misuse; an access wrongly left unexplained or linked produces false alerts on
 * colleagues doing their job. Each route, bogus kind, link kind and duty state is driven
 * by one hand-built event against a tiny reference dataset written by the test, so a
 * failing assertion points at one rule.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "explain/explain.h"

#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fx {
    struct ref ref;
    struct tz *tz;
    struct explainer *x;
};

/* U1 (own record E1, Smit, 1000AA 1) is the user under test; U2 (E2) a colleague. */
static int setup_common(void **state, bool relations)
{
    if (tmpdir_make("explain") != 0)
        return -1;
    write_file("units.csv", "unit,region\nUNIT-01,Noord\nUNIT-02,Zuid\nUNIT-VIK,Noord\n");
    write_file("employees.csv",
               "user,person,unit,team,role,surname,postcode,house_number,start_date,end_date\n"
               "U1,E1,UNIT-01,T1,patrol,Smit,1000AA,1,2010-01-01,\n"
               "U2,E2,UNIT-01,T1,patrol,Jansen,2000BB,5,2010-01-01,\n"
               "U3,E3,UNIT-01,T3,detective,Wit,2100BB,3,2010-01-01,\n"
               "U4,E4,UNIT-02,T4,detective,Vos,2200BB,4,2010-01-01,\n"
               "U5,E5,UNIT-02,T5,staff,Kooi,2300BB,2,2010-01-01,\n"
               "U6,E6,UNIT-VIK,TV,integrity,Dam,2400BB,6,2010-01-01,\n"
               "U7,E7,UNIT-01,T4,patrol,Berk,2500BB,7,2010-01-01,\n");
    write_file("subjects.csv",
               "subject,subject_type,surname,postcode,house_number,birth_year,region,flags\n"
               "E1,person,Smit,1000AA,1,1980,Noord,\n"
               "E2,person,Jansen,2000BB,5,1981,Noord,\n"
               "OWN_CAR,vehicle,Smit,1000AA,1,,,\n"
               "PARTNER,person,Bakker,3000CC,3,1982,Noord,\n"
               "PARTNER_CAR,vehicle,Bakker,3000CC,3,,,\n"
               "PARTNER_HOME,address,,3000CC,3,,,\n"
               "BAKKER_CAR,vehicle,Bakker,3100CC,3,,,\n"
               "HOUSEMATE,person,Groen,1000AA,1,1990,Noord,\n"
               "NEIGH,person,Visser,1000AA,2,1970,Noord,\n"
               "SUSPECT,person,Mol,4000DD,4,1975,Zuid,criminal\n"
               "SUSPECT_CAR,vehicle,Mol,4000DD,4,,,\n"
               "CLOSEDP,person,Kok,5000EE,5,1960,Noord,\n"
               "STRANGER,person,Berg,6000FF,6,1965,Zuid,vip\n"
               "NAMESAKE,person,Smit,7000GG,7,1955,Noord,\n"
               "E2_CAR,vehicle,Jansen,2000BB,5,,,\n"
               "PLAIN,person,Dekker,8000HH,8,1970,Noord,\n"
               "LOOSE,person,Bril,8100HH,1,1971,Noord,\n"
               "LOOSE2,person,Haan,8200HH,2,1972,Noord,\n"
               "E5,person,Kooi,2300BB,2,1979,Zuid,\n"
               "SUS_MUM,person,Mol,4100DD,1,1950,Zuid,\n"
               "SUS_VIP,person,Ster,4200DD,2,1970,Zuid,vip\n"
               "SUS_SIS,person,Smit,4300DD,3,1978,Zuid,\n"
               "INCP,person,Laan,4400DD,4,1980,Noord,\n"
               "INCP_SON,person,Laan,4500DD,5,2005,Noord,\n"
               "NOADDR,person,Zon,,,1990,Noord,\n"
               "SLIP1,person,Riet,8300HH,3,1973,Noord,\n"
               "SLIP2,person,Veen,8400HH,4,1974,Noord,\n");
    write_file("schedule.csv", "user,start,end,kind\n"
                               "U1,2025-03-10T08:00:00+01:00,2025-03-10T16:00:00+01:00,shift\n"
                               "U1,2025-03-12,2025-03-12,leave\n");
    write_file("cases.csv", "case,kind,opened,closed,unit,sensitivity\n"
                            "C-OPEN,case,2025-01-01,,UNIT-01,normal\n"
                            "C-CLOSED,case,2024-01-01,2024-06-01,UNIT-01,normal\n"
                            "C-OTHER,case,2025-01-01,,UNIT-01,normal\n"
                            "C-UNIT,case,2025-01-01,,UNIT-01,normal\n"
                            "C-TEAM,case,2025-01-01,,UNIT-02,normal\n"
                            "C-FAR,case,2025-01-01,,UNIT-02,normal\n"
                            "C-HIGH,case,2025-01-01,,UNIT-01,high\n"
                            "C-GONE,case,2024-01-01,2024-06-01,UNIT-01,normal\n"
                            "C-WORK,case,2025-01-01,,UNIT-02,normal\n"
                            "I-RUN,incident,2025-03-10,2025-03-10,UNIT-02,normal\n"
                            "I-FAM,incident,2025-03-10,2025-03-10,UNIT-01,normal\n"
                            "X-1,case,2025-01-01,,UNIT-01,normal\n"
                            "X1,case,2025-01-01,,UNIT-01,normal\n"
                            "VIK-1,case,2025-01-01,,UNIT-VIK,high\n"
                            "VIK-OLD,case,2024-01-01,2024-06-01,UNIT-VIK,high\n"
                            "PL-2025-0412,case,2025-01-01,,UNIT-01,normal\n"
                            "PL-2025-0415,case,2025-01-01,,UNIT-01,normal\n"
                            "PL-2025-0710,case,2025-01-01,,UNIT-01,normal\n"
                            "PL-2025-0711,case,2025-01-01,,UNIT-01,normal\n");
    write_file("case_members.csv", "case,user\nC-OPEN,U1\nC-CLOSED,U1\nC-OTHER,U2\n"
                                   "C-UNIT,U3\nC-TEAM,U2\nC-FAR,U4\nC-HIGH,U3\nC-GONE,U3\n"
                                   "C-WORK,U1\nC-WORK,U4\nI-RUN,U1\nX-1,U1\nX1,U1\n"
                                   "I-FAM,U1\nVIK-1,U6\nVIK-1,U4\nVIK-OLD,U6\n"
                                   "PL-2025-0412,U1\nPL-2025-0415,U2\nPL-2025-0710,U1\n"
                                   "PL-2025-0711,U1\n");
    write_file("case_subjects.csv",
               "case,subject\nC-OPEN,SUSPECT\nC-CLOSED,CLOSEDP\nC-OTHER,STRANGER\n"
               "C-UNIT,PARTNER\nC-TEAM,PLAIN\nC-FAR,PLAIN\nC-HIGH,PLAIN\n"
               "C-GONE,PLAIN\nC-WORK,SUSPECT\nI-RUN,SUSPECT\nX-1,SUSPECT\nX1,SUSPECT\n"
               "I-FAM,INCP\nVIK-1,E2\nVIK-OLD,E5\nPL-2025-0412,SLIP1\n"
               "PL-2025-0415,SLIP2\nPL-2025-0710,SLIP1\nPL-2025-0711,SLIP1\n");
    if (relations)
        write_file("relations.csv", "person_a,person_b,relation\nE1,PARTNER,partner\n"
                                    "SUSPECT,SUS_MUM,parent\nSUSPECT,E5,sibling\n"
                                    "SUSPECT,SUS_VIP,partner\nSUSPECT,SUS_SIS,partner\n"
                                    "E1,SUS_SIS,sibling\nINCP,INCP_SON,child\n");
    struct fx *f = xcalloc(1, sizeof *f);
    struct err e = {{0}};
    f->tz = tz_open("Europe/Amsterdam", &e);
    if (f->tz == NULL || ref_load(&f->ref, dir, f->tz, &e) != 0) {
        fprintf(stderr, "setup: %s\n", e.msg);
        return -1;
    }
    struct explain_config cfg;
    explain_config_defaults(&cfg);
    f->x = explainer_new(&f->ref, f->tz, &cfg);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_common(state, true);
}

static int setup_no_relations(void **state)
{
    return setup_common(state, false);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    explainer_free(f->x);
    ref_free(&f->ref);
    tz_free(f->tz);
    free(f);
    return tmpdir_remove();
}

static int64_t ts(const char *s)
{
    int64_t ms;
    assert_int_equal(ts_parse_rfc3339(s, strlen(s), &ms), 0);
    return ms;
}

static uint32_t S(struct fx *f, const char *id)
{
    int64_t i = strmap_get(&f->ref.subj_by_id, id, strlen(id));
    assert_true(i >= 0);
    return (uint32_t)i;
}

/* Employee `user`, of employees.csv or interned later (ref_employee). */
static uint32_t U(struct fx *f, const char *user)
{
    int64_t i = strmap_get(&f->ref.emp_by_user, user, strlen(user));
    if (i < 0)
        i = strmap_get(&f->ref.emp_later, user, strlen(user));
    assert_true(i >= 0);
    return (uint32_t)i;
}

/* Explain one access of `user` to `subject` (NULL: a login) at `when`, typed case `legit`
 * (NULL: none; an unknown number is interned). */
static struct access run_in(struct fx *f, const char *system, const char *user, const char *subject,
                            const char *legit, const char *when)
{
    struct event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_ms = ts(when);
    ev.id = "ev";
    ev.id_len = 2;
    ev.user = U(f, user);
    ev.subject = subject ? S(f, subject) : REF_NONE;
    ev.legit = legit ? ref_case(&f->ref, legit, strlen(legit)) : REF_NONE;
    ev.system = ref_system(&f->ref, system, strlen(system));
    ev.action = subject ? ACT_QUERY : ACT_LOGIN;
    struct access a;
    explain_event(f->x, &ev, &a);
    return a;
}

static struct access run(struct fx *f, const char *user, const char *subject, const char *legit,
                         const char *when)
{
    return run_in(f, "BVH", user, subject, legit, when);
}

#define ON_SHIFT "2025-03-10T10:00:00+01:00"

/* ---- routes ---------------------------------------------------------------------------- */

static void test_routes(void **state)
{
    struct fx *f = *state;
    struct access a = run(f, "U1", "SUSPECT", "C-OPEN", ON_SHIFT);
    assert_int_equal(a.route, EX_CASE_TYPED);
    assert_int_equal(a.bogus, BOGUS_NONE);
    assert_true(a.is_record);
    assert_true(a.flags & SF_CRIMINAL);
    assert_int_equal(a.in_region, 0); /* Zuid vs Noord */

    a = run(f, "U1", "SUSPECT", NULL, ON_SHIFT);
    assert_int_equal(a.route, EX_CASE_MEMBER);

    /* The suspect's car: the keeper is in the case. */
    a = run(f, "U1", "SUSPECT_CAR", NULL, ON_SHIFT);
    assert_int_equal(a.route, EX_CASE_LINKED);
    assert_true(a.flags & SF_CRIMINAL); /* flags of the person behind the vehicle */

    /* Someone not on the case gets no case explanation. */
    a = run(f, "U2", "SUSPECT", NULL, ON_SHIFT);
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U2", "SUSPECT_CAR", NULL, ON_SHIFT);
    assert_int_equal(a.route, EX_NONE);
}

/* Detectives look up the family of the people in their investigation: a relation
 * (relations.csv) of a person in an open investigation the user works on is case work,
 * a colleague among them too. Not for a relation of a person in an incident (many and
 * brief, and the family of everyone met on the street is not the job), not for the
 * user's own circle (the user's sister who is the suspect's partner) and not for a
 * public figure, where being listed on the case is the point. */
static void test_case_relation(void **state)
{
    struct fx *f = *state;
    struct access a = run(f, "U1", "SUS_MUM", NULL, ON_SHIFT);
    assert_int_equal(a.route, EX_CASE_RELATION);
    a = run(f, "U1", "E5", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_COLLEAGUE);
    assert_int_equal(a.route, EX_CASE_RELATION);
    a = run(f, "U2", "SUS_MUM", NULL, ON_SHIFT); /* not on the investigation */
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U1", "INCP_SON", NULL, ON_SHIFT);
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U1", "INCP", NULL, ON_SHIFT); /* the incident's own person is explained */
    assert_int_equal(a.route, EX_CASE_MEMBER);
    a = run(f, "U1", "SUS_SIS", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_RELATIVE);
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U1", "SUS_VIP", NULL, ON_SHIFT);
    assert_int_equal(a.route, EX_NONE);
}

static void test_follow_up(void **state)
{
    struct fx *f = *state;
    /* C-CLOSED closed on 2024-06-01: still explained within the 14-day grace ... */
    struct access a = run(f, "U1", "CLOSEDP", NULL, "2024-06-05T10:00:00+02:00");
    assert_int_equal(a.route, EX_CASE_MEMBER);
    /* ... then continuing work within 30 days of that access is a follow-up ... */
    a = run(f, "U1", "CLOSEDP", NULL, "2024-06-25T10:00:00+02:00");
    assert_int_equal(a.route, EX_FOLLOW_UP);
    /* ... but not beyond, and not for another user. */
    a = run(f, "U1", "CLOSEDP", NULL, "2024-08-01T10:00:00+02:00");
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U2", "CLOSEDP", NULL, "2024-06-25T10:00:00+02:00");
    assert_int_equal(a.route, EX_NONE);
}

static void test_bogus_kinds(void **state)
{
    struct fx *f = *state;
    struct access a = run(f, "U1", "STRANGER", "C-NOPE", ON_SHIFT);
    assert_int_equal(a.bogus, BOGUS_UNKNOWN_CASE);
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U1", "CLOSEDP", "C-CLOSED", ON_SHIFT);
    assert_int_equal(a.bogus, BOGUS_CLOSED);
    assert_int_equal(a.route, EX_NONE);
    /* C-OTHER is a case of U1's own unit that a team-mate works on, but the record is a
     * public figure: only the member list counts (see test_unlisted_case). */
    a = run(f, "U1", "STRANGER", "C-OTHER", ON_SHIFT);
    assert_int_equal(a.bogus, BOGUS_NOT_MEMBER);
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U1", "STRANGER", "C-OPEN", ON_SHIFT);
    assert_int_equal(a.bogus, BOGUS_NOT_IN_CASE);
    assert_int_equal(a.route, EX_NONE);
    assert_true(a.flags & SF_VIP);
    /* A wrong number on a subject the user legitimately works on: still recorded as bogus,
     * but the membership explains the access. */
    a = run(f, "U1", "SUSPECT", "C-OTHER", ON_SHIFT);
    assert_int_equal(a.bogus, BOGUS_NOT_MEMBER);
    assert_int_equal(a.route, EX_CASE_MEMBER);
    assert_string_equal(explain_bogus_name(BOGUS_CLOSED), "closed_case");
    assert_string_equal(explain_route_name(EX_FOLLOW_UP), "follow_up");
}

/* A typed number written another way than the case list writes it (lower case, spaces,
 * other punctuation) is that case; a form that two cases share is neither. */
static void test_typed_number_forms(void **state)
{
    struct fx *f = *state;
    struct access a = run(f, "U1", "SUSPECT", "c-open", ON_SHIFT);
    assert_int_equal(a.bogus, BOGUS_NONE);
    assert_int_equal(a.route, EX_CASE_TYPED);
    assert_int_equal(a.legit, ref_case(&f->ref, "C-OPEN", 6));
    a = run(f, "U1", "SUSPECT", " C open.", ON_SHIFT);
    assert_int_equal(a.route, EX_CASE_TYPED);
    a = run(f, "U1", "SUSPECT", "C-OPEN-2", ON_SHIFT);
    assert_int_equal(a.bogus, BOGUS_UNKNOWN_CASE);
    a = run(f, "U1", "SUSPECT", "x 1", ON_SHIFT); /* X-1 or X1? */
    assert_int_equal(a.bogus, BOGUS_UNKNOWN_CASE);
    a = run(f, "U1", "SUSPECT", "X1", ON_SHIFT); /* as the list writes it */
    assert_int_equal(a.route, EX_CASE_TYPED);
}

/* A number one slip from a case that lists the user (a digit replaced, two neighbours
 * swapped) is that case: people mistype their own case's number. Which case depends on
 * who typed it: 0413 is U1's 0412 and U2's 0415, and nobody's for U3. Two slips, or a
 * slip from two of the user's cases, is no case. */
static void test_typed_number_slips(void **state)
{
    struct fx *f = *state;
    struct access a = run(f, "U1", "SLIP1", "PL-2025-0413", ON_SHIFT);
    assert_int_equal(a.route, EX_CASE_TYPED);
    assert_int_equal(a.legit, ref_case(&f->ref, "PL-2025-0412", 12));
    a = run(f, "U1", "SLIP1", "pl 2025 0142", ON_SHIFT); /* swapped, and written loosely */
    assert_int_equal(a.legit, ref_case(&f->ref, "PL-2025-0412", 12));
    a = run(f, "U2", "SLIP2", "PL-2025-0413", ON_SHIFT);
    assert_int_equal(a.route, EX_CASE_TYPED);
    assert_int_equal(a.legit, ref_case(&f->ref, "PL-2025-0415", 12));
    a = run(f, "U3", "SLIP1", "PL-2025-0413", ON_SHIFT);
    assert_int_equal(a.bogus, BOGUS_UNKNOWN_CASE);
    a = run(f, "U1", "SLIP1", "PL-2025-0423", ON_SHIFT); /* two digits off */
    assert_int_equal(a.bogus, BOGUS_UNKNOWN_CASE);
    a = run(f, "U1", "SLIP1", "PL-2025-0719", ON_SHIFT); /* 0710 or 0711? */
    assert_int_equal(a.bogus, BOGUS_UNKNOWN_CASE);
    /* A slip of the user's own case that does not hold the record is that case all the
     * same, and judged as it: not in the case. */
    a = run(f, "U1", "PLAIN", "PL-2025-0413", ON_SHIFT);
    assert_int_equal(a.bogus, BOGUS_NOT_IN_CASE);
}

/* A typed case that does not list the user explains the access only when it is open, of
 * normal sensitivity, holds the record, and is the user's unit's case or one a team-mate
 * works on; never for the user's own circle. */
static void test_unlisted_case(void **state)
{
    struct fx *f = *state;
    /* The refusals first: an explained access would make the later ones follow-ups. */
    struct access a = run(f, "U1", "PLAIN", "C-FAR", ON_SHIFT); /* nobody of the team on it */
    assert_int_equal(a.bogus, BOGUS_NOT_MEMBER);
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U7", "PLAIN", "C-FAR", ON_SHIFT); /* a team "T4" as U4's, of another unit */
    assert_int_equal(a.bogus, BOGUS_NOT_MEMBER);
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U1", "PLAIN", "C-HIGH", ON_SHIFT); /* high sensitivity */
    assert_int_equal(a.bogus, BOGUS_NOT_MEMBER);
    a = run(f, "U1", "PLAIN", "C-GONE", ON_SHIFT); /* closed long ago */
    assert_int_equal(a.bogus, BOGUS_NOT_MEMBER);
    a = run(f, "U1", "CLOSEDP", "C-UNIT", ON_SHIFT); /* not in the case */
    assert_int_equal(a.bogus, BOGUS_NOT_MEMBER);
    a = run(f, "U1", "PARTNER", "C-UNIT", ON_SHIFT); /* the user's partner is in it */
    assert_int_equal(a.link, LINK_RELATIVE);
    assert_int_equal(a.bogus, BOGUS_NOT_MEMBER);
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U1", "PLAIN", "C-TEAM", ON_SHIFT); /* another unit, team-mate U2 on it */
    assert_int_equal(a.bogus, BOGUS_UNLISTED);
    assert_int_equal(a.route, EX_CASE_UNIT);
    a = run(f, "U3", "SUSPECT", "C-OPEN", ON_SHIFT); /* own unit's case, U3 not listed */
    assert_int_equal(a.bogus, BOGUS_UNLISTED);
    assert_int_equal(a.route, EX_CASE_UNIT);
    assert_string_equal(explain_route_name(EX_CASE_UNIT), "case_unit");
    assert_string_equal(explain_bogus_name(BOGUS_UNLISTED), "not_listed_own_unit");
}

/* A modify of an open case's record makes its user a worker on it: from then on the number
 * explains lookups of its records (EX_CASE_WRITER), also for a case of high sensitivity,
 * but not of a public figure or the user's own circle, and not a write to a closed case. */
static void test_case_writer(void **state)
{
    struct fx *f = *state;
    uint32_t hi = ref_case(&f->ref, "C-HIGH", 6);
    struct access a = run(f, "U1", "PLAIN", "C-HIGH", ON_SHIFT);
    assert_int_equal(a.bogus, BOGUS_NOT_MEMBER);
    assert_true(a.unlisted_open);
    assert_false(explain_case_writer(f->x, hi, U(f, "U1"), NULL));

    struct event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_ms = ts("2025-03-10T11:00:00+01:00");
    ev.id = "w";
    ev.id_len = 1;
    ev.user = U(f, "U1");
    ev.subject = ref_subject(&f->ref, "C-GONE", 6, ST_CASE);
    ev.legit = REF_NONE;
    ev.system = ref_system(&f->ref, "Summ-IT", 7);
    ev.action = ACT_MODIFY;
    explain_event(f->x, &ev, &a); /* a closed case: no worker */
    assert_false(explain_case_writer(f->x, ref_case(&f->ref, "C-GONE", 6), ev.user, NULL));
    ev.subject = ref_subject(&f->ref, "C-HIGH", 6, ST_CASE);
    explain_event(f->x, &ev, &a);
    int32_t since = -1;
    assert_true(explain_case_writer(f->x, hi, ev.user, &since));
    assert_int_equal(since, a.local.day);

    a = run(f, "U1", "PLAIN", "C-HIGH", "2025-03-10T12:00:00+01:00");
    assert_int_equal(a.bogus, BOGUS_UNLISTED);
    assert_int_equal(a.route, EX_CASE_WRITER);
    assert_string_equal(explain_route_name(EX_CASE_WRITER), "case_writer");
    a = run(f, "U2", "PLAIN", "C-HIGH", "2025-03-10T12:00:00+01:00"); /* not the writer */
    assert_int_equal(a.bogus, BOGUS_NOT_MEMBER);
    a = run(f, "U1", "STRANGER", "C-HIGH", "2025-03-10T12:00:00+01:00"); /* not in the case */
    assert_int_equal(a.bogus, BOGUS_NOT_MEMBER);
    assert_false(a.unlisted_open);
}

/* Integrity staff on an open integrity case that holds an employee look up that
 * employee's unit: colleague U1 (UNIT-01, as E2 in VIK-1) is explained, with or without
 * the number typed (which is then not bogus for the indicator, see bogus.c); a colleague of
 * a unit only a closed case looked into (E5) is not, nor is the same lookup by a detective
 * (U4) on the integrity case. */
static void test_integrity_unit(void **state)
{
    struct fx *f = *state;
    struct access a = run(f, "U6", "E1", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_COLLEAGUE);
    assert_int_equal(a.route, EX_INTEGRITY_UNIT);
    assert_string_equal(explain_route_name(EX_INTEGRITY_UNIT), "integrity_unit");
    a = run(f, "U6", "E1", "VIK-1", ON_SHIFT);
    assert_int_equal(a.bogus, BOGUS_NOT_IN_CASE);
    assert_int_equal(a.route, EX_INTEGRITY_UNIT);
    a = run(f, "U6", "E5", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_COLLEAGUE);
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U4", "E1", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_COLLEAGUE);
    assert_int_equal(a.route, EX_NONE);
}

/* A record the user's own case does not list, looked up under its number, becomes case
 * work once a fellow member, or the user on another day, looks it up under that number;
 * never for a public figure or the user's own circle. */
static void test_case_work(void **state)
{
    struct fx *f = *state;
    const char *day2 = "2025-03-11T10:00:00+01:00";
    uint32_t c = ref_case(&f->ref, "C-WORK", 6);
    struct access a = run(f, "U1", "LOOSE", "C-WORK", ON_SHIFT);
    assert_int_equal(a.bogus, BOGUS_NOT_IN_CASE);
    assert_int_equal(a.route, EX_NONE);
    uint32_t loose = ref_find_subject(&f->ref, "LOOSE", 5);
    assert_int_equal(explain_case_work(f->x, c, loose, NULL), CASE_WORK_FIRST);
    a = run(f, "U1", "LOOSE", "C-WORK", ON_SHIFT); /* the same user and day: no news */
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U4", "LOOSE", "C-WORK", ON_SHIFT); /* a fellow member */
    assert_int_equal(a.route, EX_CASE_WORK);
    int32_t since = 0;
    assert_int_equal(explain_case_work(f->x, c, loose, &since), CASE_WORK_SHARED);
    assert_int_equal(since, a.local.day);

    a = run(f, "U1", "LOOSE2", "C-WORK", ON_SHIFT);
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U1", "LOOSE2", "C-WORK", day2); /* the user again, another day */
    assert_int_equal(a.route, EX_CASE_WORK);

    a = run(f, "U1", "STRANGER", "C-WORK", ON_SHIFT); /* a public figure */
    a = run(f, "U4", "STRANGER", "C-WORK", day2);
    assert_int_equal(a.bogus, BOGUS_NOT_IN_CASE);
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U1", "PARTNER", "C-WORK", ON_SHIFT); /* the user's partner */
    a = run(f, "U1", "PARTNER", "C-WORK", day2);
    assert_int_equal(a.route, EX_NONE);
    assert_int_equal(explain_case_work(f->x, c, ref_find_subject(&f->ref, "PARTNER", 7), NULL),
                     CASE_WORK_NONE);
    assert_string_equal(explain_route_name(EX_CASE_WORK), "case_work");

    /* Under the user's own incident while it runs, a record it does not list is work at
     * the scene; ten days later it is not. */
    a = run(f, "U1", "NEIGH", "I-RUN", ON_SHIFT);
    assert_int_equal(a.route, EX_NONE); /* a neighbour: the user's own circle */
    a = run(f, "U1", "CLOSEDP", "I-RUN", ON_SHIFT);
    assert_int_equal(a.route, EX_CASE_WORK);
    a = run(f, "U1", "PLAIN", "I-RUN", "2025-03-20T10:00:00+01:00");
    assert_int_equal(a.bogus, BOGUS_NOT_IN_CASE);
    assert_int_equal(a.route, EX_NONE);
}

/* A kind of access (system, record type) is routine once the role's own traffic shows it
 * often enough; until the role has routine_min_events of traffic, all roles' traffic
 * stands in, so a small role's first lookups are not all unexplained. */
static void test_routine(void **state)
{
    struct fx *f = *state;
    struct explain_config cfg;
    explain_config_defaults(&cfg);
    cfg.routine_min_events = 3;
    cfg.routine_share = 0.3;
    explainer_free(f->x);
    f->x = explainer_new(&f->ref, f->tz, &cfg);
    struct access a = run(f, "U1", "PLAIN", NULL, ON_SHIFT); /* no traffic yet at all */
    assert_int_equal(a.route, EX_NONE);
    run(f, "U1", "LOOSE", NULL, ON_SHIFT);
    run(f, "U1", "LOOSE2", NULL, ON_SHIFT);
    a = run(f, "U1", "PLAIN", NULL, ON_SHIFT); /* patrol's own traffic: BVH persons */
    assert_int_equal(a.route, EX_ROUTINE);
    a = run(f, "U5", "PLAIN", NULL, ON_SHIFT); /* staff has none of its own: all roles' */
    assert_int_equal(a.route, EX_ROUTINE);
    for (int i = 0; i < 3; i++)
        run_in(f, "GMS", "U5", "LOOSE", NULL, ON_SHIFT);
    a = run(f, "U5", "PLAIN", NULL, ON_SHIFT); /* staff's own: 1 of 4 in BVH, below 0.3 */
    assert_int_equal(a.route, EX_NONE);
}

/* ---- household attention ----------------------------------------------------------------- */

/* Who looks at a household: every access to its person, vehicle or address counts, whether
 * a case explains it or not, each employee once; explain_others_near counts the others
 * whose latest look lies within the window, or only the employee's team-mates among them.
 * An employee whom employees.csv does not name (interned from the events) counts like any
 * other and is on no investigation. */
static void test_household_attention(void **state)
{
    struct fx *f = *state;
    struct access a = run(f, "U1", "PARTNER", NULL, "2025-03-10T10:00:00+01:00");
    uint32_t h = a.household;
    int32_t day10 = a.local.day;
    assert_int_not_equal(h, REF_NONE);
    assert_true(h < f->ref.n_households);
    assert_int_equal(explain_lookers(f->x, h), 1);
    a = run(f, "U2", "PARTNER_CAR", NULL, "2025-03-11T10:00:00+01:00");
    assert_int_equal(a.household, h);
    a = run(f, "U3", "PARTNER", "C-UNIT", "2025-03-20T10:00:00+01:00");
    assert_int_equal(a.route, EX_CASE_TYPED);
    a = run(f, "U1", "PARTNER", NULL, "2025-03-21T10:00:00+01:00");
    assert_int_equal(explain_lookers(f->x, h), 3);
    ref_employee(&f->ref, "U9", 2);
    a = run(f, "U9", "PARTNER", NULL, "2025-03-22T10:00:00+01:00");
    assert_int_equal(a.route, EX_NONE);
    a = run(f, "U9", "PARTNER_HOME", NULL, "2025-03-22T11:00:00+01:00");
    assert_int_equal(a.household, h);
    assert_int_equal(explain_lookers(f->x, h), 4);
    assert_int_equal(explain_others_near(f->x, h, U(f, "U1"), day10, 3, false), 1); /* U2 */
    assert_int_equal(explain_others_near(f->x, h, U(f, "U1"), day10, 0, false), 0); /* day off */
    /* U1 and U9 */
    assert_int_equal(explain_others_near(f->x, h, U(f, "U3"), day10 + 10, 3, false), 2);
    /* Team-mates only: U2 is in U1's team; U1 (team T1) and U9 (none) are not in U3's. */
    assert_int_equal(explain_others_near(f->x, h, U(f, "U1"), day10, 3, true), 1);
    assert_int_equal(explain_others_near(f->x, h, U(f, "U3"), day10 + 10, 3, true), 0);
    assert_int_equal(explain_others_near(f->x, h, U(f, "U9"), day10 + 11, 3, true), 0);
    /* A team "T4" in two units is two teams: U7 (UNIT-01) is no team-mate of U4 (UNIT-02). */
    a = run(f, "U4", "SLIP2", NULL, ON_SHIFT);
    uint32_t h2 = a.household;
    a = run(f, "U7", "SLIP2", NULL, ON_SHIFT);
    assert_int_equal(explain_others_near(f->x, h2, U(f, "U4"), a.local.day, 3, false), 1);
    assert_int_equal(explain_others_near(f->x, h2, U(f, "U4"), a.local.day, 3, true), 0);

    /* A record without an address is a household of its own, numbered after the named
     * addresses; a login has none. */
    a = run(f, "U1", "NOADDR", NULL, ON_SHIFT);
    uint32_t lone = a.household;
    assert_true(lone >= f->ref.n_households && lone != REF_NONE);
    a = run(f, "U2", "NOADDR", NULL, ON_SHIFT);
    assert_int_equal(a.household, lone);
    assert_int_equal(explain_lookers(f->x, lone), 2);
    a = run(f, "U1", NULL, NULL, ON_SHIFT);
    assert_int_equal(a.household, REF_NONE);
}

/* ---- personal links -------------------------------------------------------------------- */

static void test_links(void **state)
{
    struct fx *f = *state;
    struct access a = run(f, "U1", "E1", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_SELF);
    assert_int_equal(a.person, S(f, "E1"));
    a = run(f, "U1", "OWN_CAR", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_SELF);

    a = run(f, "U1", "PARTNER", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_RELATIVE);
    assert_int_equal(a.relation, REL_PARTNER);
    assert_int_equal(a.person, S(f, "PARTNER"));

    /* The partner's car and home, by the address the partner lives at; a car of the same
     * surname elsewhere is nobody's. */
    a = run(f, "U1", "PARTNER_CAR", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_RELATIVE);
    assert_int_equal(a.relation, REL_PARTNER);
    assert_int_equal(a.person, S(f, "PARTNER"));
    a = run(f, "U1", "PARTNER_HOME", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_RELATIVE);
    assert_int_equal(a.person, S(f, "PARTNER"));
    a = run(f, "U1", "BAKKER_CAR", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_NONE);

    a = run(f, "U1", "HOUSEMATE", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_RELATIVE);
    assert_int_equal(a.relation, REL_HOUSEHOLD);

    a = run(f, "U1", "NEIGH", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_NEIGHBOUR);

    a = run(f, "U1", "E2", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_COLLEAGUE);
    assert_int_equal(a.person, S(f, "E2"));
    assert_true(a.link_weight > 0.99f);
    a = run(f, "U1", "E2_CAR", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_COLLEAGUE);
    assert_int_equal(a.person, S(f, "E2"));
    assert_true(a.link_weight < 1.0f);

    /* With relations.csv present, a shared surname alone is no link. */
    a = run(f, "U1", "NAMESAKE", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_NONE);
    a = run(f, "U1", "STRANGER", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_NONE);
    assert_int_equal(a.person, REF_NONE);
    /* Seen from the colleague, U1's record is a colleague's. */
    a = run(f, "U2", "E1", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_COLLEAGUE);
}

static void test_links_without_relations(void **state)
{
    struct fx *f = *state;
    assert_false(f->ref.has_relations);
    struct access a = run(f, "U1", "NAMESAKE", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_NAMESAKE);
    assert_true(a.link_weight > 0.0f && a.link_weight <= 1.0f);
    /* Without the registry, the partner at another address is not known as a relative. */
    a = run(f, "U1", "PARTNER", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_NONE);
    /* Same address still means household. */
    a = run(f, "U1", "HOUSEMATE", NULL, ON_SHIFT);
    assert_int_equal(a.link, LINK_RELATIVE);
    assert_int_equal(a.relation, REL_HOUSEHOLD);
}

/* ---- duty ------------------------------------------------------------------------------ */

static void test_off_duty(void **state)
{
    struct fx *f = *state;
    struct access a = run(f, "U1", "STRANGER", NULL, ON_SHIFT);
    assert_int_equal(a.off_duty, 0);
    assert_int_equal(a.local.minute, 10 * 60);
    assert_int_equal(a.local.wday, 1); /* Monday */
    /* Within the 2-hour overtime margin after the shift: on duty. */
    a = run(f, "U1", "STRANGER", NULL, "2025-03-10T17:59:00+01:00");
    assert_int_equal(a.off_duty, 0);
    a = run(f, "U1", "STRANGER", NULL, "2025-03-10T06:01:00+01:00");
    assert_int_equal(a.off_duty, 0);
    /* Beyond it, with a roster nearby: off duty. */
    a = run(f, "U1", "STRANGER", NULL, "2025-03-10T18:01:00+01:00");
    assert_int_equal(a.off_duty, 1);
    a = run(f, "U1", "STRANGER", NULL, "2025-03-10T05:59:00+01:00");
    assert_int_equal(a.off_duty, 1);
    /* On leave. */
    a = run(f, "U1", "STRANGER", NULL, "2025-03-12T10:00:00+01:00");
    assert_int_equal(a.off_duty, 2);
    /* Logins get a duty status too. */
    a = run(f, "U1", NULL, NULL, "2025-03-12T10:00:00+01:00");
    assert_int_equal(a.off_duty, 2);
    assert_false(a.is_record);
    /* No roster at all (U2), or none near (U1 in June): unknown, so not off duty. */
    a = run(f, "U2", "STRANGER", NULL, "2025-03-10T23:00:00+01:00");
    assert_int_equal(a.off_duty, 0);
    a = run(f, "U1", "STRANGER", NULL, "2025-06-01T03:00:00+02:00");
    assert_int_equal(a.off_duty, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_case_relation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_follow_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bogus_kinds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_number_forms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_number_slips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unlisted_case, setup, teardown),
        cmocka_unit_test_setup_teardown(test_case_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_case_work, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integrity_unit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_household_attention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links_without_relations, setup_no_relations, teardown),
        cmocka_unit_test_setup_teardown(test_off_duty, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
