/*
 * test_indicators.c - unit tests of the eighteen indicators (src/indicators/) driven through
 * the whole detection path: reference CSV files and an events .jsonl file written into a
 * temporary dataset, then ref_load, ingest_open/ingest_next, engine_new/engine_event/
 * engine_finish, exactly as `wachter analyze` does it.
 *
 * Why: each indicator is built to catch one kind of misuse AND to pass the legitimate
 * look-alikes named in docs/detection.md (section 2). A change to an indicator, to the
 * explainer or to the engine can silently break either side: misuse no longer signalled,
 * or everyday work flagged as misuse. So every indicator gets at least one positive case
 * (it emits signals) and at least one negative case built from its documented look-alike
 * (it emits none), with the counts read from engine_stats(). A few alert-level checks
 * follow: several indicators outweigh repetition of one (each further one discounted, a
 * family counted once), alerts are deterministic, one employee gets one alert per
 * episode, and a disabled indicator emits nothing.
 *
 * The reference world (written by `world()`): employee U1 (own record E1, Smit, 1000AA 1,
 * unit in region Noord) is the usual user under test; relatives, a housemate, a neighbour,
 * colleagues, a public figure, a shielded person and criminals from both regions surround
 * them. Each test adds its own cases, schedule or extra employees, then its events.
 * Timestamps are local time in Europe/Amsterdam in February/March 2025 (+01:00, before
 * the DST change), written as UTC.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "engine/engine.h"
#include "indicators/indicator.h"

#include <ftw.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- writing the dataset --------------------------------------------------------------- */

#define EMP_HEADER "user,person,unit,team,role,surname,postcode,house_number,start_date,end_date\n"
#define EMP_BASE                                                                                   \
    "U1,E1,UNIT-N,T1,patrol,Smit,1000AA,1,2010-01-01,\n"                                           \
    "U2,E2,UNIT-N,T2,patrol,Jansen,2000BB,5,2010-01-01,\n"                                         \
    "U3,E3,UNIT-VIK,TV,integrity,Dekker,3000CC,7,2010-01-01,\n"                                    \
    "U4,E4,UNIT-N,T4,detective,Bos,4000DD,4,2010-01-01,\n"                                         \
    "U5,E5,UNIT-N,T4,detective,Hoek,4100DD,1,2010-01-01,\n"                                        \
    "U6,E6,UNIT-N,T4,detective,Kuip,4200DD,1,2010-01-01,\n"                                        \
    "U7,E7,UNIT-Z,T7,patrol,Mulder,5000EE,2,2010-01-01,\n"                                         \
    "U8,E8,UNIT-Z2,T8,intake,Vos,5100EE,3,2010-01-01,\n"                                           \
    "U9,E9,UNIT-Z3,T9,dispatcher,Wit,5200EE,9,2010-01-01,\n"

/* employees.csv: the base staff plus `extra` rows. */
static void put_employees(const char *extra)
{
    char buf[8192];
    snprintf(buf, sizeof buf, "%s%s%s", EMP_HEADER, EMP_BASE, extra);
    write_file("employees.csv", buf);
}

static void put_cases(const char *cases, const char *members, const char *subjects)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "case,kind,opened,closed,unit,sensitivity\n%s", cases);
    write_file("cases.csv", buf);
    snprintf(buf, sizeof buf, "case,user\n%s", members);
    write_file("case_members.csv", buf);
    snprintf(buf, sizeof buf, "case,subject\n%s", subjects);
    write_file("case_subjects.csv", buf);
}

static void put_schedule(const char *rows)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "user,start,end,kind\n%s", rows);
    write_file("schedule.csv", buf);
}

static void world(void)
{
    write_file(
        "units.csv",
        "unit,region\nUNIT-N,Noord\nUNIT-Z,Zuid\nUNIT-Z2,Zuid\nUNIT-Z3,Zuid\nUNIT-VIK,Noord\n");
    put_employees("");
    write_file("subjects.csv",
               "subject,subject_type,surname,postcode,house_number,birth_year,region,flags\n"
               "E1,person,Smit,1000AA,1,1980,Noord,employee\n"
               "E2,person,Jansen,2000BB,5,1981,Noord,employee\n"
               "E3,person,Dekker,3000CC,7,1970,Noord,employee\n"
               "E4,person,Bos,4000DD,4,1975,Noord,employee\n"
               "E5,person,Hoek,4100DD,1,1976,Noord,employee\n"
               "E6,person,Kuip,4200DD,1,1977,Noord,employee\n"
               "E7,person,Mulder,5000EE,2,1978,Zuid,employee\n"
               "E8,person,Vos,5100EE,3,1979,Zuid,employee\n"
               "E9,person,Wit,5200EE,9,1985,Zuid,employee\n"
               "E2_CAR,vehicle,Jansen,2000BB,5,,Noord,\n"
               "OWN_CAR,vehicle,Smit,1000AA,1,,Noord,\n"
               "PARTNER,person,Bakker,6000FF,3,1982,Noord,\n"
               "CHILD,person,Smit,6100FF,8,2005,Noord,\n"
               "SISTER,person,Smit,6200FF,2,1978,Noord,\n"
               "HOUSEMATE,person,Groen,1000AA,1,1990,Noord,\n"
               "NEIGH,person,Visser,1000AA,2,1970,Noord,\n"
               "NEIGH_CAR,vehicle,Visser,1000AA,2,,Noord,\n"
               "NEIGH_ADDR,address,,1000AA,2,,Noord,\n"
               "NEIGH2,person,Prins,1000AA,9,1966,Noord,\n"
               "E10,person,Kok,1000AA,5,1984,Noord,employee\n"
               "MUL_NEIGH_CAR,vehicle,Meijer,5000EE,8,,Zuid,\n"
               "JAN_NEIGH_CAR,vehicle,Dijk,2000BB,7,,Noord,\n"
               "VIP,person,Ster,7000GG,1,1975,Noord,vip\n"
               "VIP_CAR,vehicle,Ster,7000GG,1,,Noord,\n"
               "SHIELDED,person,Schuil,7100GG,4,1960,Noord,shielded\n"
               "CRIM_Z,person,Mol,8000HH,4,1975,Zuid,criminal\n"
               "CRIM_N,person,Rat,1500AB,6,1977,Noord,criminal\n"
               "STRANGER,person,Berg,9000JJ,6,1965,Noord,\n"
               "PRIV,person,Lind,9100KK,3,1988,Noord,\n"
               "PRIV_CAR,vehicle,Lind,9100KK,3,,Noord,\n"
               "PRIV_ADDR,address,,9100KK,3,,Noord,\n");
    write_file("relations.csv", "person_a,person_b,relation\n"
                                "E1,PARTNER,partner\n"
                                "E1,CHILD,child\n"
                                "E1,SISTER,sibling\n");
    put_schedule("");
    put_cases("", "", "");
}

/* Append `n` rows to reference file `file`: `row` formatted with the row number three
 * times. */
static void append_rows(const char *file, const char *row, int n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    for (int i = 0; i < n; i++)
        fprintf(f, row, i, i, i);
    fclose(f);
}

/* A dataset without relations.csv. */
static void drop_relations(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/relations.csv", dir);
    assert_int_equal(unlink(path), 0);
}

/* ---- events ---------------------------------------------------------------------------- */

struct line {
    int64_t ts;
    unsigned seq;
    char *text;
};
static struct line *lines;
static size_t n_lines, cap_lines;
static unsigned ev_seq;

/* 2025-02-03 (a Monday) 00:00 local time = 2025-02-02T23:00:00Z. */
#define BASE_MS 1738537200000LL

/* Local time `hh:mm` on day `day` after 2025-02-03 (valid until the DST change). */
static int64_t at(int day, int hh, int mm)
{
    return BASE_MS + (int64_t)day * 86400000 + ((int64_t)hh * 60 + mm) * 60000;
}

struct evspec {
    const char *user, *system, *action, *stype, *subject, *legit, *query, *terminal;
    unsigned results;
};

static void add_event(int64_t ts, const struct evspec *s)
{
    char tsbuf[32];
    time_t secs = (time_t)(ts / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(tsbuf, sizeof tsbuf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char buf[512];
    int n = snprintf(buf, sizeof buf,
                     "{\"id\":\"ev%06u\",\"ts\":\"%s\",\"user\":\"%s\",\"system\":\"%s\","
                     "\"action\":\"%s\"",
                     ++ev_seq, tsbuf, s->user, s->system ? s->system : "BVH",
                     s->action ? s->action : "query");
    if (s->subject)
        n +=
            snprintf(buf + n, sizeof buf - (size_t)n, ",\"subject_type\":\"%s\",\"subject\":\"%s\"",
                     s->stype ? s->stype : "person", s->subject);
    if (s->legit)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ",\"case\":\"%s\"", s->legit);
    if (s->results)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ",\"results\":%u", s->results);
    if (s->query)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ",\"query\":\"%s\"", s->query);
    if (s->terminal)
        n += snprintf(buf + n, sizeof buf - (size_t)n, ",\"terminal\":\"%s\"", s->terminal);
    snprintf(buf + n, sizeof buf - (size_t)n, "}\n");
    lines = xgrow(lines, &cap_lines, n_lines + 1, sizeof *lines);
    lines[n_lines++] = (struct line){ts, ev_seq, xstrdup(buf)};
}

/* A query of `user` on `subject` (type from the reference data, given here) with typed
 * case `legit` (NULL: none), in system BVH. */
static void look(int64_t ts, const char *user, const char *stype, const char *subject,
                 const char *legit)
{
    add_event(ts,
              &(struct evspec){.user = user, .stype = stype, .subject = subject, .legit = legit});
}

static void lookp(int64_t ts, const char *user, const char *subject)
{
    look(ts, user, "person", subject, NULL);
}

static void clear_events(void)
{
    for (size_t i = 0; i < n_lines; i++)
        free(lines[i].text);
    n_lines = 0;
    ev_seq = 0;
}

static int cmp_line(const void *a, const void *b)
{
    const struct line *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static void write_events(void)
{
    qsort(lines, n_lines, sizeof *lines, cmp_line);
    char path[256];
    snprintf(path, sizeof path, "%s/events/a.jsonl", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (size_t i = 0; i < n_lines; i++)
        fputs(lines[i].text, f);
    fclose(f);
}

/* ---- running detection ----------------------------------------------------------------- */

struct run {
    struct engine_config cfg;
    struct tz *tz;
    struct ref ref;
    int ref_loaded;
    struct ingest *in;
    struct engine *eng;
    size_t rejects;
};
static struct run R; /* the current run; freed by run_end or by the teardown */
static int cfg_ready;
/* Optional steps of go(): after the engine is made, and after each event (n fed so far). */
static void (*go_start)(struct engine *eng);
static void (*go_after)(struct engine *eng, size_t n);
static size_t fed; /* events fed in the current go() */
static void free_caught(void);

static void on_reject(void *ctx, const char *file, uint64_t line, enum reject_reason why,
                      const char *raw, size_t raw_len)
{
    (void)file, (void)line, (void)why;
    fprintf(stderr, "rejected: %.*s\n", (int)raw_len, raw);
    ((struct run *)ctx)->rejects++;
}

/* The config of the next run: defaults, but without the warm-up so alerts can open on the
 * first days of these short datasets. Tests adjust R.cfg before go(). */
static struct engine_config *config(void)
{
    if (!cfg_ready) {
        engine_config_defaults(&R.cfg);
        R.cfg.warmup_days = 0;
        cfg_ready = 1;
    }
    return &R.cfg;
}

static void set_param(const char *ind, const char *key, double value)
{
    struct engine_config *c = config();
    int i = indicator_find(ind);
    assert_true(i >= 0);
    struct err e = {{0}};
    if (indicator_set(indicator_registry[i], c->ind_settings[i], key, value, &e) != 0)
        fail_msg("indicator_set: %s", e.msg);
}

static void run_end(void)
{
    engine_free(R.eng);
    if (R.in)
        ingest_close(R.in);
    if (R.ref_loaded)
        ref_free(&R.ref);
    if (R.tz)
        tz_free(R.tz);
    if (cfg_ready)
        engine_config_free(&R.cfg);
    memset(&R, 0, sizeof R);
    cfg_ready = 0;
}

/* Write the events and run detection over the dataset. */
static void go(void)
{
    config();
    write_events();
    struct err e = {{0}};
    R.tz = tz_open(R.cfg.timezone, &e);
    if (R.tz == NULL)
        fail_msg("tz_open: %s", e.msg);
    memset(&R.ref, 0, sizeof R.ref);
    if (ref_load(&R.ref, dir, R.tz, &e) != 0)
        fail_msg("ref_load: %s", e.msg);
    R.ref_loaded = 1;
    R.in = ingest_open(dir, &R.cfg.ingest, &R.ref, on_reject, &R, &e);
    if (R.in == NULL)
        fail_msg("ingest_open: %s", e.msg);
    R.eng = engine_new(&R.ref, R.tz, &R.cfg);
    if (go_start != NULL)
        go_start(R.eng);
    struct event ev;
    size_t n = 0;
    fed = 0;
    while (ingest_next(R.in, &ev)) {
        engine_event(R.eng, &ev);
        fed = ++n;
        if (go_after != NULL)
            go_after(R.eng, n);
    }
    engine_finish(R.eng);
    assert_int_equal(R.rejects, 0); /* the test wrote what it meant to write */
    assert_int_equal(n, n_lines);   /* every event reached the engine */
}

static uint64_t sigs(const char *name)
{
    int i = indicator_find(name);
    assert_true(i >= 0);
    return engine_stats(R.eng)->signals[i];
}

static uint64_t all_sigs(void)
{
    uint64_t n = 0;
    for (size_t i = 0; i < indicator_count; i++)
        n += engine_stats(R.eng)->signals[i];
    return n;
}

static const struct alert *alerts(size_t *n)
{
    return engine_alerts(R.eng, n);
}

/* The alert of `user`, or NULL; fails when the user has more than one. */
static const struct alert *alert_of(const char *user)
{
    size_t n;
    const struct alert *a = alerts(&n), *found = NULL;
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i].user, user) == 0) {
            assert_null(found);
            found = &a[i];
        }
    return found;
}

static size_t alerts_of(const char *user)
{
    size_t n, k = 0;
    const struct alert *a = alerts(&n);
    for (size_t i = 0; i < n; i++)
        k += strcmp(a[i].user, user) == 0;
    return k;
}

/* Indicator `ind` of alert `a`, or NULL when the alert does not list it. */
static const struct alert_indicator *indicator_in(const struct alert *a, const char *ind)
{
    for (size_t i = 0; i < a->n_indicators; i++)
        if (strcmp(a->indicators[i].name, ind) == 0)
            return &a->indicators[i];
    return NULL;
}

static bool alert_has(const struct alert *a, const char *ind)
{
    return indicator_in(a, ind) != NULL;
}

/* Indicator `ind` of alert `a`; fails when there is no alert or it does not list `ind`. */
static const struct alert_indicator *listed_in(const struct alert *a, const char *ind)
{
    assert_non_null(a);
    const struct alert_indicator *ai = indicator_in(a, ind);
    if (ai == NULL)
        fail_msg("the alert does not list %s", ind);
    return ai;
}

/* The score indicator `ind` has in alert `a`; fails when the alert does not list it. */
static double score_in(const struct alert *a, const char *ind)
{
    return listed_in(a, ind)->score;
}

/* Re-run from scratch with new events (same reference files), keeping nothing. */
static void restart(void)
{
    run_end();
    clear_events();
}

static int setup(void **state)
{
    (void)state;
    if (tmpdir_make("ind") != 0)
        return -1;
    char p[128];
    snprintf(p, sizeof p, "%s/events", dir);
    if (mkdir(p, 0755) != 0)
        return -1;
    world();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    run_end();
    clear_events();
    free_caught();
    go_start = NULL;
    go_after = NULL;
    free(lines);
    lines = NULL;
    cap_lines = 0;
    return tmpdir_remove();
}

#define OPEN_CASE(id, kind) id "," kind ",2025-01-01,,UNIT-N,normal\n"

/* ---- relative_lookup ------------------------------------------------------------------- */

/* Run the events so far; exactly one relative_lookup signal, on U1's first event
 * (ev000001), and the alert of U1 that cites it. */
static const struct alert_indicator *run_to_one_relative_signal(void)
{
    go();
    assert_int_equal(sigs("relative_lookup"), 1);
    const struct alert *a = alert_of("U1");
    assert_non_null(a);
    const struct alert_indicator *ai = listed_in(a, "relative_lookup");
    assert_int_equal(ai->n_events, 1);
    assert_string_equal(ai->events[0].event_id, "ev000001");
    return ai;
}

/* The partner's mother is family (an in-law); the ex-partner's mother and the partner's
 * other partner are not. */
static void test_relative_in_law(void **state)
{
    (void)state;
    append_rows("subjects.csv", "MIL,person,Bakker,6000FF,9,1950,Noord,\n", 1);
    append_rows("subjects.csv", "EX,person,Graaf,6600FF,1,1979,Noord,\n", 1);
    append_rows("subjects.csv", "EXMUM,person,Graaf,6600FF,3,1951,Noord,\n", 1);
    append_rows("relations.csv", "PARTNER,MIL,child\n", 1);
    append_rows("relations.csv", "E1,EX,ex-partner\n", 1);
    append_rows("relations.csv", "EX,EXMUM,child\n", 1);
    append_rows("relations.csv", "PARTNER,STRANGER,ex-partner\n", 1);
    lookp(at(0, 10, 0), "U1", "MIL");
    lookp(at(1, 10, 0), "U1", "EXMUM");
    lookp(at(2, 10, 0), "U1", "STRANGER");
    const struct alert_indicator *ai = run_to_one_relative_signal();
    assert_non_null(strstr(ai->text_en, "in-law or other 1"));
}

/* The ex-partner's new partner is where an ex-partner's jealousy turns: family for this
 * indicator, under a label of its own. The new partner's own parent is not. */
static void test_relative_ex_partners_partner(void **state)
{
    (void)state;
    append_rows("subjects.csv", "EX,person,Graaf,6600FF,1,1979,Noord,\n", 1);
    append_rows("subjects.csv", "NEWP,person,Smid,6700FF,2,1978,Noord,\n", 1);
    append_rows("subjects.csv", "NEWPMUM,person,Smid,6800FF,3,1950,Noord,\n", 1);
    append_rows("relations.csv", "E1,EX,ex-partner\n", 1);
    append_rows("relations.csv", "EX,NEWP,partner\n", 1);
    append_rows("relations.csv", "NEWPMUM,NEWP,parent\n", 1);
    lookp(at(0, 10, 0), "U1", "NEWP");
    lookp(at(1, 10, 0), "U1", "NEWPMUM");
    const struct alert_indicator *ai = run_to_one_relative_signal();
    assert_non_null(strstr(ai->text_en, "ex-partner's partner or housemate 1"));
    assert_non_null(strstr(ai->text_nl, "partner of huisgenoot van ex-partner 1"));
}

static void test_relative_positive(void **state)
{
    (void)state;
    lookp(at(0, 10, 0), "U1", "PARTNER");
    lookp(at(1, 10, 0), "U1", "HOUSEMATE");               /* same address, from the address index */
    look(at(2, 10, 0), "U1", "vehicle", "OWN_CAR", NULL); /* own car is self, not relative */
    go();
    assert_int_equal(sigs("relative_lookup"), 2);
    assert_int_equal(sigs("self_lookup"), 1);
}

/* A relative who is in the user's incident: explained by membership, typed in or not. */
static void test_relative_negative_incident(void **state)
{
    (void)state;
    put_cases(OPEN_CASE("INC-1", "incident"), "INC-1,U1\n", "INC-1,PARTNER\n");
    lookp(at(0, 10, 0), "U1", "PARTNER");
    look(at(0, 11, 0), "U1", "person", "PARTNER", "INC-1");
    go();
    assert_int_equal(sigs("relative_lookup"), 0);
    assert_int_equal(sigs("bogus_legitimation"), 0);
}

/* Four unit-mates of U1 (U2, U4, U5, U6) with a relative each, MATE_REL0..3. */
static void mates_families(void)
{
    append_rows("subjects.csv", "MATE_REL%d,person,Maat%d,6%03dMM,1,1980,Noord,\n", 4);
    write_file("relations.csv", "person_a,person_b,relation\n"
                                "E1,PARTNER,partner\nE1,CHILD,child\nE1,SISTER,sibling\n"
                                "E2,MATE_REL0,sibling\nE4,MATE_REL1,child\n"
                                "E5,MATE_REL2,parent\nE6,MATE_REL3,partner\n");
}

/* U1 looks up a record of a unit-mate's circle (`prefix`0..3) on each of days 0-9. */
static void mates_looked_up(const char *prefix)
{
    for (int d = 0; d < 10; d++) {
        char rec[32];
        snprintf(rec, sizeof rec, "%s%d", prefix, d % 4);
        lookp(at(d, 10, 0), "U1", rec);
    }
}

/* After U1's lookups of `prefix`0..3, a first look at U1's `relative` on day 12 is what
 * chance gives: one signal, no alert. After ten ordinary days the same look alerts. */
static void assert_chance_explains(const char *prefix, const char *relative)
{
    mates_looked_up(prefix);
    lookp(at(12, 10, 0), "U1", relative);
    go();
    assert_int_equal(sigs("relative_lookup"), 1);
    assert_null(alert_of("U1"));

    restart();
    for (int d = 0; d < 10; d++)
        lookp(at(d, 10, 0), "U1", "STRANGER");
    lookp(at(12, 10, 0), "U1", relative);
    go();
    listed_in(alert_of("U1"), "relative_lookup");
}

/* Chance: U1's lookups land in unit-mates' families every day (a small registry, staff
 * living where they work), so a first look at U1's own child is what chance gives and
 * weighs next to nothing. The same look after ordinary days alerts; and coming back to the
 * child on another day is never chance. */
static void test_relative_chance(void **state)
{
    (void)state;
    mates_families();
    assert_chance_explains("MATE_REL", "CHILD");

    restart();
    mates_looked_up("MATE_REL");
    lookp(at(12, 10, 0), "U1", "CHILD");
    lookp(at(14, 10, 0), "U1", "CHILD");
    go();
    const struct alert *a = alert_of("U1");
    assert_non_null(a);
    assert_true(alert_has(a, "relative_lookup"));
}

/* A chance hit is one moment (a plate check, its view, the keeper): three lookups of the
 * child within minutes are still what chance gives where U1 keeps landing in unit-mates'
 * families; a fourth that day is not. */
static void test_relative_chance_moment(void **state)
{
    (void)state;
    mates_families();
    mates_looked_up("MATE_REL");
    for (int m = 0; m < 3; m++)
        lookp(at(12, 10, m), "U1", "CHILD");
    go();
    assert_null(alert_of("U1"));

    restart();
    mates_looked_up("MATE_REL");
    for (int m = 0; m < 4; m++)
        lookp(at(12, 10, m), "U1", "CHILD");
    go();
    const struct alert *a = alert_of("U1");
    assert_non_null(a);
    assert_true(alert_has(a, "relative_lookup"));
}

/* No relations.csv, and a person at the address of each of U1's unit-mates U2, U4, U5 and
 * U6 (MATE_HOME0..3). */
static void mates_households(void)
{
    drop_relations();
    append_rows("subjects.csv",
                "MATE_HOME0,person,Huis,2000BB,5,1985,Noord,\n"
                "MATE_HOME1,person,Huis,4000DD,4,1985,Noord,\n"
                "MATE_HOME2,person,Huis,4100DD,1,1985,Noord,\n"
                "MATE_HOME3,person,Huis,4200DD,1,1985,Noord,\n",
                1);
}

/* Without relations.csv the household is who lives at the employee's address, and chance
 * is measured on it the same way: U1's lookups land at the addresses of unit-mates every
 * day, so a first look at U1's own housemate is what chance gives and raises no alert;
 * after ordinary days the same look alerts. */
static void test_relative_chance_without_relations(void **state)
{
    (void)state;
    mates_households();
    assert_chance_explains("MATE_HOME", "HOUSEMATE");
}

/* ---- borrowed_session ------------------------------------------------------------------ */

/* A person-record query by `user` at workstation `terminal`. */
static void look_at(int64_t ts, const char *user, const char *subject, const char *terminal)
{
    add_event(ts, &(struct evspec){.user = user, .subject = subject, .terminal = terminal});
}

/* U1 works at WS-1 in the morning; at 10:30 U2's login at WS-1 looks up U1's partner and
 * child: two records of U1's family, an alert on U1 with U2's events as evidence. U2 has
 * no alert, and relative_lookup sees nothing (they are not U2's relatives). */
static void test_borrowed_positive(void **state)
{
    (void)state;
    look_at(at(0, 8, 0), "U1", "STRANGER", "WS-1");
    look_at(at(0, 9, 0), "U2", "STRANGER", "WS-1");
    look_at(at(0, 10, 30), "U2", "PARTNER", "WS-1");
    look_at(at(0, 10, 32), "U2", "CHILD", "WS-1");
    look_at(at(0, 10, 33), "U2", "CHILD", "WS-1"); /* the same record again that day */
    go();
    assert_int_equal(sigs("borrowed_session"), 2);
    assert_int_equal(sigs("relative_lookup"), 0);
    const struct alert *a = alert_of("U1");
    assert_non_null(a);
    const struct alert_indicator *ai = listed_in(a, "borrowed_session");
    assert_int_equal(ai->n_events, 2);
    assert_string_equal(ai->events[0].event_id, "ev000003");
    assert_string_equal(ai->events[1].event_id, "ev000004");
    assert_non_null(strstr(ai->text_en, "under another employee's login"));
    assert_null(alert_of("U2"));
}

/* Look-alikes: U1 was at WS-1 five hours before (presence_hours 4); U1 was at another
 * workstation; the log names no terminal; U2 looks the partner up in an incident U2 is
 * dispatched to. None signals. */
static void test_borrowed_negative(void **state)
{
    (void)state;
    look_at(at(0, 5, 0), "U1", "STRANGER", "WS-1");
    look_at(at(0, 10, 30), "U2", "PARTNER", "WS-1");
    look_at(at(1, 9, 0), "U1", "STRANGER", "WS-2");
    look_at(at(1, 10, 30), "U2", "PARTNER", "WS-1");
    lookp(at(2, 9, 0), "U1", "STRANGER");
    lookp(at(2, 10, 30), "U2", "CHILD");
    go();
    assert_int_equal(sigs("borrowed_session"), 0);

    restart();
    put_cases(OPEN_CASE("INC-1", "incident"), "INC-1,U2\n", "INC-1,PARTNER\n");
    look_at(at(0, 9, 0), "U1", "STRANGER", "WS-1");
    look_at(at(0, 10, 30), "U2", "PARTNER", "WS-1");
    go();
    assert_int_equal(sigs("borrowed_session"), 0);
}

/* U2 is U1's sister's partner: a look at the sister from U2's login is U2's own family
 * (relative_lookup), not U1's borrowed session. And one record of U1's family alone, by
 * chance at U1's workstation, signals without an alert. */
static void test_borrowed_own_family_and_single(void **state)
{
    (void)state;
    write_file("relations.csv", "person_a,person_b,relation\n"
                                "E1,PARTNER,partner\nE1,CHILD,child\nE1,SISTER,sibling\n"
                                "E2,SISTER,partner\n");
    look_at(at(0, 9, 0), "U1", "STRANGER", "WS-1");
    look_at(at(0, 10, 30), "U2", "SISTER", "WS-1");
    go();
    assert_int_equal(sigs("borrowed_session"), 0);
    assert_int_equal(sigs("relative_lookup"), 1);

    restart();
    world();
    look_at(at(0, 9, 0), "U1", "STRANGER", "WS-1");
    look_at(at(0, 10, 30), "U2", "PARTNER", "WS-1");
    go();
    assert_int_equal(sigs("borrowed_session"), 1);
    assert_null(alert_of("U1"));
}

/* ---- neighbour_lookup ------------------------------------------------------------------ */

/* The neighbour one day, their car on another: two looks at one household. */
static void test_neighbour_positive(void **state)
{
    (void)state;
    lookp(at(0, 10, 0), "U1", "NEIGH");
    look(at(3, 11, 0), "U1", "vehicle", "NEIGH_CAR", NULL);
    go();
    assert_int_equal(sigs("neighbour_lookup"), 2);
    assert_int_equal(sigs("relative_lookup"), 0);
}

/* Households, not log lines: the person, their car and a second query of the person on
 * one day are one look (one signal), whatever number of lines the systems wrote. */
static void test_neighbour_one_look_per_household_day(void **state)
{
    (void)state;
    lookp(at(0, 10, 0), "U1", "NEIGH");
    lookp(at(0, 10, 1), "U1", "NEIGH");
    look(at(0, 11, 0), "U1", "vehicle", "NEIGH_CAR", NULL);
    go();
    assert_int_equal(sigs("neighbour_lookup"), 1);
}

/* A neighbour who is also a police employee: colleague_lookup judges the colleague side,
 * and the household still counts as a neighbour's. */
static void test_neighbour_colleague_counts(void **state)
{
    (void)state;
    put_employees("U10,E10,UNIT-Z,T7,patrol,Kok,1000AA,5,2010-01-01,\n");
    lookp(at(0, 10, 0), "U1", "E10");
    go();
    assert_int_equal(sigs("neighbour_lookup"), 1);
    assert_int_equal(sigs("colleague_lookup"), 1);
}

/* Positive at alert level: a patrol officer comes back to the neighbours' households
 * without a case, week after week (the person, then their car, then the address), while
 * the other patrol officers check a plate on their own street now and then. */
static void test_neighbour_alert_slow_returns(void **state)
{
    (void)state;
    for (int d = 0; d < 40; d++) /* everyone works: the days close, peers are active */
        for (int u = 1; u <= 9; u++) {
            char user[16];
            snprintf(user, sizeof user, "U%d", u);
            lookp(at(d, 9, u), user, "STRANGER");
        }
    look(at(2, 14, 0), "U7", "vehicle", "MUL_NEIGH_CAR", NULL);
    look(at(20, 14, 0), "U2", "vehicle", "JAN_NEIGH_CAR", NULL);
    for (int w = 0; w < 5; w++) {
        lookp(at(8 + 7 * w, 20, 0), "U1", "NEIGH");
        lookp(at(9 + 7 * w, 21, 0), "U1", "NEIGH2");
        if (w % 2)
            look(at(10 + 7 * w, 21, 0), "U1", "address", "NEIGH_ADDR", NULL);
    }
    go();
    size_t n;
    const struct alert *a = alerts(&n);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i].user, "U1") == 0 && alert_has(&a[i], "neighbour_lookup"))
            found = true;
    assert_true(found);
    for (size_t i = 0; i < n; i++)
        assert_string_not_equal(a[i].user, "U7");
}

/* The look-alike: a patrol officer checks a car on their own street once (query and view),
 * as a quarter of patrol officers do: a signal, but no alert. */
static void test_neighbour_negative_plate_check(void **state)
{
    (void)state;
    for (int d = 0; d < 20; d++)
        for (int u = 1; u <= 9; u++) {
            char user[16];
            snprintf(user, sizeof user, "U%d", u);
            lookp(at(d, 9, u), user, "STRANGER");
        }
    look(at(10, 14, 0), "U1", "vehicle", "NEIGH_CAR", NULL);
    look(at(10, 14, 1), "U1", "vehicle", "NEIGH_CAR", NULL);
    look(at(12, 14, 0), "U7", "vehicle", "MUL_NEIGH_CAR", NULL);
    go();
    assert_int_equal(sigs("neighbour_lookup"), 2);
    size_t n;
    alerts(&n);
    assert_int_equal(n, 0);
}

/* The neighbour is in a case the user works on: the person (case_member) and their car
 * (case_linked) are explained. */
static void test_neighbour_negative_case(void **state)
{
    (void)state;
    put_cases(OPEN_CASE("C-NB", "case"), "C-NB,U1\n", "C-NB,NEIGH\n");
    lookp(at(0, 10, 0), "U1", "NEIGH");
    look(at(0, 11, 0), "U1", "vehicle", "NEIGH_CAR", NULL);
    go();
    assert_int_equal(sigs("neighbour_lookup"), 0);
}

/* ---- colleague_lookup ------------------------------------------------------------------ */

static void test_colleague_positive(void **state)
{
    (void)state;
    lookp(at(0, 10, 0), "U1", "E2");
    look(at(0, 11, 0), "U1", "vehicle", "E2_CAR", NULL);
    /* Integrity staff without a case are not explained either (only discounted later). */
    lookp(at(0, 12, 0), "U3", "E4");
    go();
    assert_int_equal(sigs("colleague_lookup"), 3);
}

/* Integrity staff on the integrity case that holds the colleague's record. */
static void test_colleague_negative_integrity_case(void **state)
{
    (void)state;
    put_cases("VIK-1,case,2025-01-01,,UNIT-VIK,high\n", "VIK-1,U3\n", "VIK-1,E2\n");
    lookp(at(0, 10, 0), "U3", "E2");
    look(at(0, 11, 0), "U3", "person", "E2", "VIK-1");
    look(at(0, 12, 0), "U3", "vehicle", "E2_CAR", NULL); /* the colleague's car: linked */
    go();
    assert_int_equal(sigs("colleague_lookup"), 0);
    assert_int_equal(sigs("bogus_legitimation"), 0);
}

/* The integrity case does not list the colleague (its record list is incomplete), who
 * works in a unit the case does not look into (E7 of UNIT-Z; the case holds E4 of UNIT-N),
 * and the investigator looks them up under its number on three days: from the second day
 * on that is case work, and the first day's number is not bogus either (held, then
 * dropped). Only the first day's lookup, which nothing explained yet, counts as a
 * colleague lookup. A detective on an ordinary case doing the same stays unexplained: a
 * colleague is personal to everyone but integrity staff. */
static void test_colleague_integrity_case_unlisted(void **state)
{
    (void)state;
#define VIK_AND_C4                                                                                 \
    "VIK-1,case,2025-01-01,,UNIT-VIK,high\n" OPEN_CASE("C-4", "case"), "VIK-1,U3\nC-4,U4\n",       \
        "VIK-1,E4\nC-4,E9\n"
    put_cases(VIK_AND_C4);
    look(at(0, 10, 0), "U3", "person", "E7", "VIK-1");
    look(at(1, 10, 0), "U3", "person", "E7", "VIK-1");
    look(at(2, 10, 0), "U3", "person", "E7", "VIK-1");
    go();
    assert_int_equal(sigs("colleague_lookup"), 1);
    assert_int_equal(sigs("bogus_legitimation"), 0);

    restart();
    put_cases(VIK_AND_C4);
    look(at(0, 10, 0), "U4", "person", "E2", "C-4");
    look(at(1, 10, 0), "U4", "person", "E2", "C-4");
    go();
    assert_int_equal(sigs("colleague_lookup"), 2);
    assert_int_equal(sigs("bogus_legitimation"), 2);

    /* The colleagues of the unit the integrity case looks into (E2 and E4's unit UNIT-N)
     * are explained (integrity_unit), the number typed or not, and the number is not
     * bogus; once the case is closed they are colleague lookups again. */
    restart();
    put_cases(VIK_AND_C4);
    lookp(at(0, 10, 0), "U3", "E2");
    look(at(0, 11, 0), "U3", "person", "E2", "VIK-1");
    look(at(0, 12, 0), "U3", "vehicle", "E2_CAR", NULL);
    go();
    assert_int_equal(sigs("colleague_lookup"), 0);
    assert_int_equal(sigs("bogus_legitimation"), 0);

    restart();
    put_cases("VIK-1,case,2024-12-01,2025-01-10,UNIT-VIK,high\n", "VIK-1,U3\n", "VIK-1,E4\n");
    lookp(at(0, 10, 0), "U3", "E2");
    go();
    assert_int_equal(sigs("colleague_lookup"), 1);
#undef VIK_AND_C4
}

/* ---- self_lookup ----------------------------------------------------------------------- */

static void test_self_positive(void **state)
{
    (void)state;
    lookp(at(0, 10, 0), "U1", "E1");
    look(at(0, 11, 0), "U1", "vehicle", "OWN_CAR", NULL);
    go();
    assert_int_equal(sigs("self_lookup"), 2);
    assert_int_equal(sigs("colleague_lookup"), 0); /* one's own record is not a colleague's */
    /* Weighs little alone: its weight (0.45) is below the alert threshold. */
    size_t n;
    alerts(&n);
    assert_int_equal(n, 0);
}

/* The user's own record in an incident they handle (e.g. they were the victim). */
static void test_self_negative_case(void **state)
{
    (void)state;
    put_cases(OPEN_CASE("INC-2", "incident"), "INC-2,U1\n", "INC-2,E1\n");
    look(at(0, 10, 0), "U1", "person", "E1", "INC-2");
    go();
    assert_int_equal(sigs("self_lookup"), 0);
}

/* ---- practice_session ------------------------------------------------------------------ */

/* A trainee (S1) with an own record and car, and the people of the street around them. */
static void trainee_world(void)
{
    put_employees("S1,ES1,UNIT-N,T1,student,Brouwer,1300AB,4,2024-09-01,\n");
    append_rows("subjects.csv", "ES1,person,Brouwer,1300AB,4,2001,Noord,employee\n", 1);
    append_rows("subjects.csv", "ES1_CAR,vehicle,Brouwer,1300AB,4,,Noord,\n", 1);
}

/* Own record, then two strangers and the own car within half an hour: one sitting of four
 * records, enough to alert alone; every record is evidence. */
static void test_practice_positive(void **state)
{
    (void)state;
    trainee_world();
    lookp(at(0, 10, 0), "S1", "ES1");
    lookp(at(0, 10, 5), "S1", "STRANGER");
    lookp(at(0, 10, 6), "S1", "STRANGER"); /* the same person again: one record */
    look(at(0, 10, 12), "S1", "vehicle", "ES1_CAR", NULL);
    lookp(at(0, 10, 20), "S1", "PRIV");
    go();
    assert_int_equal(sigs("practice_session"), 4);
    const struct alert *a = alert_of("S1");
    assert_non_null(a);
    const struct alert_indicator *ai = listed_in(a, "practice_session");
    assert_int_equal(ai->n_events, 4);
    assert_string_equal(ai->events[0].event_id, "ev000001");
    assert_string_equal(ai->events[3].event_id, "ev000005");
    assert_non_null(strstr(ai->text_en, "2 own records, 2 other people"));
    /* self_lookup is of the same family: the alert counts the stronger of the two. */
    assert_true(score_in(a, "practice_session") > score_in(a, "self_lookup"));
}

/* A trainee's own record alone, strangers only after the sitting, and strangers in an
 * incident the trainee works on: no practice. */
static void test_practice_negative(void **state)
{
    (void)state;
    trainee_world();
    put_cases(OPEN_CASE("INC-7", "incident"), "INC-7,S1\n", "INC-7,NEIGH\n");
    lookp(at(0, 10, 0), "S1", "ES1");
    look(at(0, 10, 5), "S1", "person", "NEIGH", "INC-7");
    look(at(0, 10, 8), "S1", "vehicle", "PRIV_CAR", NULL); /* a car, not a person */
    lookp(at(0, 10, 45), "S1", "STRANGER");
    lookp(at(1, 9, 0), "S1", "PRIV"); /* before the next own look: not counted */
    lookp(at(1, 9, 10), "S1", "ES1");
    go();
    assert_int_equal(sigs("practice_session"), 0);
    assert_int_equal(sigs("self_lookup"), 2);
}

/* The same sitting by a patrol officer is a self lookup next to street checks. */
static void test_practice_negative_not_trainee(void **state)
{
    (void)state;
    lookp(at(0, 10, 0), "U1", "E1");
    lookp(at(0, 10, 5), "U1", "STRANGER");
    lookp(at(0, 10, 9), "U1", "PRIV");
    go();
    assert_int_equal(sigs("practice_session"), 0);
    assert_int_equal(sigs("self_lookup"), 1);
    assert_null(alert_of("U1"));
}

/* ---- sensitive_subject ----------------------------------------------------------------- */

static void test_sensitive_positive(void **state)
{
    (void)state;
    lookp(at(0, 10, 0), "U1", "VIP");
    lookp(at(0, 11, 0), "U2", "SHIELDED");
    go();
    assert_int_equal(sigs("sensitive_subject"), 2);
}

/* The team that handles the public figure's case. */
static void test_sensitive_negative_case_team(void **state)
{
    (void)state;
    put_cases(OPEN_CASE("C-VIP", "case"), "C-VIP,U4\nC-VIP,U5\n", "C-VIP,VIP\n");
    lookp(at(0, 10, 0), "U4", "VIP");
    look(at(0, 11, 0), "U5", "person", "VIP", "C-VIP");
    go();
    assert_int_equal(sigs("sensitive_subject"), 0);
}

/* A public figure's household vehicle is checked on the street like any other car. */
static void test_sensitive_negative_household_vehicle(void **state)
{
    (void)state;
    look(at(0, 10, 0), "U1", "vehicle", "VIP_CAR", NULL);
    look(at(0, 11, 0), "U2", "vehicle", "VIP_CAR", NULL);
    go();
    assert_int_equal(sigs("sensitive_subject"), 0);
    assert_int_equal(sigs("curiosity_wave"), 0); /* waves are about people */
}

/* A public figure of the user's own region weighs half: U1 (Noord) and U7 (Zuid) each look
 * up the Noord public figure once, on days far apart (no wave), before anyone else has
 * such a signal. U7's look, with no local reason, scores clearly higher. */
static void test_sensitive_own_region_weighs_less(void **state)
{
    (void)state;
    set_param("curiosity_wave", "enabled", 0);
    config()->alert_threshold = 0.05;
    lookp(at(0, 10, 0), "U1", "VIP");
    lookp(at(10, 10, 0), "U7", "VIP");
    go();
    assert_int_equal(sigs("sensitive_subject"), 2);
    size_t n;
    const struct alert *a = alerts(&n);
    double local = 0, remote = 0;
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; i < a[k].n_indicators; i++)
            if (strcmp(a[k].indicators[i].name, "sensitive_subject") == 0)
                *(strcmp(a[k].user, "U1") == 0 ? &local : &remote) = a[k].indicators[i].score;
    assert_true(remote > 0);
    assert_true(local < 0.6 * remote);
}

/* ---- curiosity_wave -------------------------------------------------------------------- */

/* Three employees of two units look up a public figure within hours. */
static void test_wave_positive_vip(void **state)
{
    (void)state;
    lookp(at(0, 9, 0), "U1", "VIP");
    lookp(at(0, 13, 0), "U2", "VIP");
    lookp(at(1, 8, 0), "U7", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 3); /* every looker, the earlier ones too */
}

/* The case team counts towards the wave but gets no signal; the two curious lookers do. */
static void test_wave_positive_case_team_not_signalled(void **state)
{
    (void)state;
    put_cases(OPEN_CASE("C-VIP", "case"), "C-VIP,U1\nC-VIP,U2\n", "C-VIP,VIP\n");
    lookp(at(0, 9, 0), "U1", "VIP");
    lookp(at(0, 10, 0), "U2", "VIP");
    lookp(at(0, 11, 0), "U7", "VIP");
    lookp(at(0, 12, 0), "U8", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 2);
}

/* An ordinary person needs five unexplained lookers from five units. */
static void test_wave_positive_ordinary_person(void **state)
{
    (void)state;
    const char *who[] = {"U1", "U3", "U7", "U8", "U9"};
    for (int i = 0; i < 5; i++)
        lookp(at(0, 9 + i, 0), who[i], "STRANGER");
    go();
    assert_int_equal(sigs("curiosity_wave"), 5);
}

/* The Noord public figure is looked up by Noord staff every four days (its usual: about one
 * looker per window). Then one Noord looker and two from Zuid in one window: three lookers
 * do not beat three times the figure's usual, but two lookers from another region, where
 * the figure is never looked up, do. Only the remote lookers are signalled. */
static void test_wave_positive_remote_lookers(void **state)
{
    (void)state;
    for (int d = 0; d <= 20; d += 4)
        lookp(at(d, 10, 0), d % 8 ? "U2" : "U1", "VIP");
    lookp(at(24, 9, 0), "U1", "VIP");
    lookp(at(24, 10, 0), "U7", "VIP");
    lookp(at(24, 11, 0), "U8", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 2);
}

/* Look-alike: the same local figure, and in one window three lookers of its own region,
 * at its usual rate: local work, no wave. */
static void test_wave_negative_local_figure_usual_rate(void **state)
{
    (void)state;
    for (int d = 0; d <= 20; d += 4)
        lookp(at(d, 10, 0), d % 8 ? "U2" : "U1", "VIP");
    lookp(at(24, 9, 0), "U1", "VIP");
    lookp(at(24, 10, 0), "U2", "VIP");
    lookp(at(24, 11, 0), "U4", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 0);
}

/* Repeated looks by a looker in a wave count as repeats: U7 looks twice before the wave
 * forms (first and latest look signalled) and once while it lasts; a look after the
 * window has passed is not part of it. */
static void test_wave_repeats_signalled(void **state)
{
    (void)state;
    lookp(at(0, 8, 0), "U7", "VIP");
    lookp(at(0, 8, 30), "U7", "VIP");
    lookp(at(0, 13, 0), "U8", "VIP");
    lookp(at(1, 9, 0), "U7", "VIP");
    lookp(at(9, 9, 0), "U7", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 4);
}

/* Lookers all from one team (one desk shares its targets), and from three teams of one
 * unit (the shifts of a basic team hand over the people of their area). */
static void test_wave_negative_one_team(void **state)
{
    (void)state;
    lookp(at(0, 9, 0), "U4", "VIP");
    lookp(at(0, 10, 0), "U5", "VIP");
    lookp(at(0, 11, 0), "U6", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 0);
    assert_int_equal(sigs("sensitive_subject"), 3); /* each is still an unexplained look */

    restart();
    lookp(at(0, 9, 0), "U1", "VIP");
    lookp(at(0, 10, 0), "U2", "VIP");
    lookp(at(0, 11, 0), "U4", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 0);
    assert_int_equal(sigs("sensitive_subject"), 3);
}

/* Lookers all on the public figure's case. */
static void test_wave_negative_all_case_members(void **state)
{
    (void)state;
    put_cases(OPEN_CASE("C-VIP", "case"), "C-VIP,U1\nC-VIP,U2\nC-VIP,U7\n", "C-VIP,VIP\n");
    lookp(at(0, 9, 0), "U1", "VIP");
    lookp(at(0, 10, 0), "U2", "VIP");
    lookp(at(0, 11, 0), "U7", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 0);
}

/* The public figure's case team, whose case does not list the figure (an incomplete record
 * list): U1 types the case's number, U2 and U7 of other teams do not. They are the team
 * handling the person, not a wave: neither those who looked before the number was typed
 * (U2, with outsider U8 in the window) nor those after. Two outsiders from two teams in
 * the same window still are one, and only they are signalled. */
static void test_wave_case_team_unlisted_record(void **state)
{
    (void)state;
#define TEAM_CASE OPEN_CASE("C-VIP", "case"), "C-VIP,U1\nC-VIP,U2\nC-VIP,U7\n", "C-VIP,STRANGER\n"
    put_cases(TEAM_CASE);
    lookp(at(0, 9, 0), "U2", "VIP");
    look(at(0, 10, 0), "U1", "person", "VIP", "C-VIP");
    lookp(at(0, 11, 0), "U8", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 0);
    assert_int_equal(sigs("bogus_legitimation"), 1); /* the number still does not hold it */

    restart();
    put_cases(TEAM_CASE);
    look(at(0, 9, 0), "U1", "person", "VIP", "C-VIP");
    lookp(at(0, 10, 0), "U2", "VIP");
    lookp(at(0, 11, 0), "U7", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 0);

    restart();
    put_cases(TEAM_CASE);
    look(at(0, 9, 0), "U1", "person", "VIP", "C-VIP");
    lookp(at(0, 10, 0), "U2", "VIP");
    lookp(at(0, 11, 0), "U4", "VIP");
    lookp(at(0, 12, 0), "U8", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 2);
#undef TEAM_CASE
}

/* A person in last night's incident: the dispatched units are explained, two colleagues
 * who were not dispatched are too few for an ordinary person; and four curious lookers
 * on an ordinary person are below its higher bar as well. */
static void test_wave_negative_incident(void **state)
{
    (void)state;
    put_cases(OPEN_CASE("INC-3", "incident"), "INC-3,U1\nINC-3,U2\nINC-3,U4\n", "INC-3,STRANGER\n");
    lookp(at(0, 1, 0), "U1", "STRANGER");
    lookp(at(0, 2, 0), "U2", "STRANGER");
    lookp(at(0, 3, 0), "U4", "STRANGER");
    lookp(at(0, 9, 0), "U7", "STRANGER");
    lookp(at(0, 10, 0), "U8", "STRANGER");
    const char *who[] = {"U1", "U2", "U7", "U8"};
    for (int i = 0; i < 4; i++)
        lookp(at(0, 9 + i, 0), who[i], "CHILD"); /* U1's child: U2, U7, U8 curious */
    go();
    assert_int_equal(sigs("curiosity_wave"), 0);
}

/* The public figure in the news: an investigation that lists them is opened on day 10
 * (2025-02-13), worked by U4. Then U7 (Zuid) looks once on day 11 without a case: alone,
 * but the figure is never looked up without a case otherwise, so one looker in the news
 * is a wave. */
#define NEWS_CASE "C-NEWS,case,2025-02-13,,UNIT-N,high\n"

static void test_wave_positive_news(void **state)
{
    (void)state;
    put_cases(NEWS_CASE, "C-NEWS,U4\n", "C-NEWS,VIP\n");
    lookp(at(0, 10, 0), "U1", "STRANGER");
    look(at(10, 11, 0), "U4", "person", "VIP", "C-NEWS");
    lookp(at(11, 9, 0), "U7", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 1);
    const struct alert *a = alert_of("U7");
    assert_non_null(a);
    assert_true(alert_has(a, "curiosity_wave"));
    put_cases("", "", "");
}

/* Public figures are looked up without a case now and then: two looks at two other
 * figures in the six weeks before the news, about one in fourteen windows of 72 hours per
 * figure. That is still seldom, so the one curious looker of the news week is a wave. */
static void test_wave_positive_news_where_figures_are_looked_up(void **state)
{
    (void)state;
    append_rows("subjects.csv", "FIGURE%d,person,Bekend,7100GG,%d,1970,Noord,vip\n", 2);
    put_cases("C-NEWS,case,2025-03-15,,UNIT-N,high\n", "C-NEWS,U4\n", "C-NEWS,VIP\n");
    lookp(at(0, 10, 0), "U8", "FIGURE0");
    lookp(at(20, 10, 0), "U9", "FIGURE1");
    look(at(40, 11, 0), "U4", "person", "VIP", "C-NEWS");
    lookp(at(41, 9, 0), "U7", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 1);
    assert_true(alert_has(alert_of("U7"), "curiosity_wave"));
    put_cases("", "", "");
}

/* Look-alikes of the news: the same single look with no investigation (an incident is
 * not news); a look the day before the investigation opens; a look ten days after; a
 * figure that Zuid staff look up without a case every four days anyway. */
static void test_wave_negative_news(void **state)
{
    (void)state;
    put_cases("INC-N,incident,2025-02-13,2025-02-13,UNIT-N,normal\n", "INC-N,U4\n", "INC-N,VIP\n");
    look(at(10, 11, 0), "U4", "person", "VIP", "INC-N");
    lookp(at(11, 9, 0), "U7", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 0);

    restart();
    put_cases(NEWS_CASE, "C-NEWS,U4\n", "C-NEWS,VIP\n");
    lookp(at(9, 20, 0), "U7", "VIP");
    lookp(at(20, 9, 0), "U8", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 0);

    restart();
    for (int d = 0; d < 10; d += 4)
        lookp(at(d, 10, 0), d % 8 ? "U8" : "U9", "VIP");
    lookp(at(11, 9, 0), "U7", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 0);
    put_cases("", "", "");
}

/* A wrong click in a name search: `user` searches a name that also lists the public figure
 * (the query returns `results` records and names VIP), opens VIP ten seconds later and
 * `after_s` seconds after the query opens `then`. */
static void name_search(int64_t ts, const char *user, unsigned results, int after_s,
                        const char *then)
{
    add_event(ts, &(struct evspec){.user = user, .subject = "VIP", .results = results});
    add_event(ts + 10000, &(struct evspec){.user = user, .action = "view", .subject = "VIP"});
    if (then != NULL)
        add_event(ts + 1000LL * after_s,
                  &(struct evspec){.user = user, .action = "view", .subject = then});
}

/* Namesakes of the public figure Ster: one elsewhere, one in the figure's own household. */
static void ster_namesakes(void)
{
    append_rows("subjects.csv", "STER%d,person,Ster,7200GG,%d,1980,Noord,\n", 1);
    append_rows("subjects.csv", "STER_HOME%d,person,Ster,7000GG,1,2001,Noord,\n", 1);
}

/* The search was for the namesake STER0: the public figure opened on the way signals
 * nothing, in sensitive_subject nor, while in the news, in curiosity_wave. */
static void test_sensitive_name_search_detour(void **state)
{
    (void)state;
    ster_namesakes();
    name_search(at(0, 10, 0), "U1", 300, 60, "STER0");
    go();
    assert_int_equal(sigs("sensitive_subject"), 0);

    restart();
    ster_namesakes();
    put_cases(NEWS_CASE, "C-NEWS,U4\n", "C-NEWS,VIP\n");
    lookp(at(0, 10, 0), "U1", "STRANGER");
    look(at(10, 11, 0), "U4", "person", "VIP", "C-NEWS");
    name_search(at(11, 9, 0), "U7", 300, 60, "STER0");
    go();
    assert_int_equal(sigs("curiosity_wave"), 0);
    assert_null(alert_of("U7"));
    put_cases("", "", "");
}

/* Look-alikes that still signal both lookups of the public figure: no namesake opened
 * after; the namesake opened three minutes later; a query that found only the figure
 * (results 1); the namesake of the figure's own household. And in the news, the same
 * search without the namesake is a wave. */
static void test_sensitive_name_search_not_a_detour(void **state)
{
    (void)state;
    static const struct {
        unsigned results;
        int after_s;
        const char *then;
    } cases[] = {{300, 0, NULL}, {300, 180, "STER0"}, {1, 60, "STER0"}, {300, 60, "STER_HOME0"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        if (i > 0)
            restart();
        ster_namesakes();
        name_search(at(0, 10, 0), "U1", cases[i].results, cases[i].after_s, cases[i].then);
        go();
        assert_int_equal(sigs("sensitive_subject"), 2);
    }

    restart();
    ster_namesakes();
    put_cases(NEWS_CASE, "C-NEWS,U4\n", "C-NEWS,VIP\n");
    lookp(at(0, 10, 0), "U1", "STRANGER");
    look(at(10, 11, 0), "U4", "person", "VIP", "C-NEWS");
    name_search(at(11, 9, 0), "U7", 300, 0, NULL);
    go();
    assert_true(sigs("curiosity_wave") >= 1);
    assert_non_null(alert_of("U7"));
    put_cases("", "", "");
}

/* ---- criminal_network ------------------------------------------------------------------ */

static void test_criminal_positive(void **state)
{
    (void)state;
    lookp(at(0, 10, 0), "U1", "CRIM_Z"); /* Zuid, U1 works in Noord */
    lookp(at(3, 10, 0), "U7", "CRIM_N"); /* Noord, U7 works in Zuid */
    go();
    assert_int_equal(sigs("criminal_network"), 2);
    assert_int_equal(sigs("curiosity_wave"), 0); /* criminals are left to this indicator */
}

/* A record counts once a day, by its first lookup (a query, its view, the same person in
 * a second system are one look); coming back on another day counts again, as a repeat. */
static void test_criminal_once_a_day(void **state)
{
    (void)state;
    lookp(at(0, 10, 0), "U1", "CRIM_Z");
    lookp(at(0, 10, 1), "U1", "CRIM_Z");
    add_event(
        at(0, 11, 0),
        &(struct evspec){.user = "U1", .system = "BRP", .stype = "person", .subject = "CRIM_Z"});
    lookp(at(3, 10, 0), "U1", "CRIM_Z");
    go();
    assert_int_equal(sigs("criminal_network"), 2);
}

/* A local criminal (own region), and a criminal in the user's own case. */
static void test_criminal_negative(void **state)
{
    (void)state;
    put_cases(OPEN_CASE("C-CR", "case"), "C-CR,U4\n", "C-CR,CRIM_Z\n");
    lookp(at(0, 10, 0), "U1", "CRIM_N");
    lookp(at(0, 11, 0), "U2", "CRIM_N");
    lookp(at(0, 12, 0), "U4", "CRIM_Z");
    look(at(0, 13, 0), "U4", "person", "CRIM_Z", "C-CR");
    go();
    assert_int_equal(sigs("criminal_network"), 0);
}

/* Twenty more criminals of Zuid, CZ0..CZ19, appended to subjects.csv. */
static void more_criminals(void)
{
    append_rows("subjects.csv", "CZ%d,person,Boef%d,8%03dHH,1,1980,Zuid,criminal\n", 20);
}

/* `peers` patrol officers P0.. and U1 (Noord) check a plate on the street in MEOS every
 * day. U1's and the first `meeting` officers' cars are criminals' (forty of them, of region
 * `region`: "Z" Zuid, "N" Noord), the others' are ordinary cars. U1 also looks up one of
 * twenty criminals of that region a day for 20 days, in `system`. Returns U1's alert, or
 * NULL. */
static const struct alert *patrol_among_criminals(const char *region, const char *system, int peers,
                                                  int meeting)
{
    world(); /* the rows below are appended once per run */
    append_rows("employees.csv", "P%d,,UNIT-N,TP,patrol,Agent%d,1%03dPP,1,2010-01-01,\n", peers);
    append_rows("subjects.csv", "CZV%d,vehicle,Boef%d,8%03dHH,2,,Zuid,criminal\n", 40);
    append_rows("subjects.csv", "CNV%d,vehicle,Boef%d,1%03dNN,2,,Noord,criminal\n", 40);
    append_rows("subjects.csv", "CN%d,person,Boef%d,1%03dNN,1,1980,Noord,criminal\n", 20);
    append_rows("subjects.csv", "CAR%d,vehicle,Auto%d,9%03dXX,1,,Noord,\n", 40);
    more_criminals();
    char who[16], what[16];
    for (int d = 0; d < 20; d++) {
        for (int p = 0; p <= peers; p++) {
            if (p < peers)
                snprintf(who, sizeof who, "P%d", p);
            else
                snprintf(who, sizeof who, "U1");
            if (p < meeting || p == peers)
                snprintf(what, sizeof what, "C%sV%d", region, (d * 9 + p) % 40);
            else
                snprintf(what, sizeof what, "CAR%d", (d * 9 + p) % 40);
            add_event(at(d, 9, p),
                      &(struct evspec){
                          .user = who, .system = "MEOS", .stype = "vehicle", .subject = what});
        }
        snprintf(what, sizeof what, "C%s%d", region, d);
        add_event(at(d, 14, 0), &(struct evspec){.user = "U1", .system = system, .subject = what});
    }
    go();
    return alert_of("U1");
}

/* Twenty Zuid criminals looked up at the desk, where no other patrol officer meets them,
 * alert. Where six of U1's eight peers meet criminals' cars in MEOS, U1's own such plate
 * checks weigh a quarter, and the explanation names them; where all eight (or 19 of 20)
 * do, they are everyday work and not counted at all, and neither are the peers'. The same twenty
 * lookups in MEOS then do not alert either. With by_system 0 (every lookup weighs 1) the
 * desk lookups drown in the plate checks. */
static void test_criminal_weighed_by_system(void **state)
{
    (void)state;
    const struct alert *a = patrol_among_criminals("Z", "BlueView", 8, 6);
    assert_non_null(a);
    const struct alert_indicator *ai = listed_in(a, "criminal_network");
    assert_non_null(strstr(ai->text_en, "; 20 in systems where most of the role meets"));
    assert_non_null(strstr(ai->text_nl, "; 20 in systemen waar het merendeel van de rol"));
    restart();
    a = patrol_among_criminals("Z", "BlueView", 8, 8);
    assert_non_null(a);
    assert_true(alert_has(a, "criminal_network"));
    assert_int_equal(sigs("criminal_network"), 20);
    restart();
    assert_null(patrol_among_criminals("Z", "MEOS", 8, 8));
    assert_int_equal(sigs("criminal_network"), 0);
    restart(); /* 19 of 20 peers: above the everyday share of 0.9 too */
    assert_non_null(patrol_among_criminals("Z", "BlueView", 20, 19));
    assert_int_equal(sigs("criminal_network"), 20);
    restart();
    set_param("criminal_network", "by_system", 0);
    assert_null(patrol_among_criminals("Z", "BlueView", 8, 8));
    assert_int_equal(sigs("criminal_network"), 20 * 9 + 20);
    restart();
    world();
}

/* Twenty criminals of the own region looked up at the desk, where no other patrol officer
 * does, alert on criminal_local (criminal_network counts other regions only); the same in
 * MEOS, where the whole role meets local criminals' cars, are everyday work there and are
 * not counted. A criminal of the own region in the user's own case is explained and
 * signals nothing. */
static void test_criminal_local(void **state)
{
    (void)state;
    const struct alert *a = patrol_among_criminals("N", "BlueView", 8, 8);
    assert_non_null(a);
    const struct alert_indicator *ai = listed_in(a, "criminal_local");
    assert_non_null(strstr(ai->text_en, "of the own region outside own cases: 20 lookups"));
    assert_false(alert_has(a, "criminal_network"));
    restart();
    assert_null(patrol_among_criminals("N", "MEOS", 8, 8));
    assert_int_equal(sigs("criminal_local"), 0);
    restart();
    world();
    put_cases(OPEN_CASE("C-CR", "case"), "C-CR,U1\n", "C-CR,CRIM_N\n");
    lookp(at(0, 10, 0), "U1", "CRIM_N");
    lookp(at(2, 10, 0), "U1", "CRIM_N");
    go();
    assert_int_equal(sigs("criminal_local"), 0);
    put_cases("", "", "");
}

/* Two other patrol officers are too few to tell a habit of the role from one person's:
 * everyone's plate checks on criminals' cars count. With three, all of whom meet them,
 * they are everyday work and none counts. */
static void test_criminal_system_share_needs_peers(void **state)
{
    (void)state;
    patrol_among_criminals("Z", "BlueView", 2, 2);
    assert_int_equal(sigs("criminal_network"), 20 * 3 + 20);
    restart();
    patrol_among_criminals("Z", "BlueView", 3, 3);
    assert_int_equal(sigs("criminal_network"), 20);
    restart();
    world();
}

/* Roles the format does not name are peer groups of their own: five "analist" (Noord)
 * look up the Zuid criminal again and again, as their desk does; one "handhaver" (Noord)
 * looks it up once, where no other handhaver ever does. Were both roles one group
 * ("other"), the analists' level would hide the handhaver's lookup. */
static void test_unknown_roles_are_own_peer_groups(void **state)
{
    (void)state;
    put_employees("A1,,UNIT-N,TA,analist,,,,2010-01-01,\nA2,,UNIT-N,TA,analist,,,,2010-01-01,\n"
                  "A3,,UNIT-N,TA,analist,,,,2010-01-01,\nA4,,UNIT-N,TA,analist,,,,2010-01-01,\n"
                  "A5,,UNIT-N,TA,analist,,,,2010-01-01,\nH1,,UNIT-N,TH,handhaver,,,,2010-01-01,\n"
                  "H2,,UNIT-N,TH,handhaver,,,,2010-01-01,\nH3,,UNIT-N,TH,handhaver,,,,2010-01-01,"
                  "\nH4,,UNIT-N,TH,handhaver,,,,2010-01-01,\n");
    config()->alert_threshold = 0.01;
    const char *analists[] = {"A1", "A2", "A3", "A4", "A5"};
    for (int d = 0; d < 10; d++)
        for (int k = 0; k < 5; k++)
            lookp(at(d, 9 + k, 0), analists[k], "CRIM_Z");
    const char *others[] = {"H2", "H3", "H4"};
    for (int d = 0; d < 10; d++)
        for (int k = 0; k < 3; k++)
            look(at(d, 15 + k, 0), others[k], "vehicle", "NEIGH_CAR", NULL);
    lookp(at(9, 20, 0), "H1", "CRIM_Z");
    go();
    const struct alert *a = alert_of("H1");
    assert_non_null(a);
    assert_true(alert_has(a, "criminal_network"));
    assert_string_equal(a->role, "handhaver");
    put_employees("");
}

/* Four "analist" look up Zuid criminals every day, one of them more than the other three.
 * Three peers estimate the role's normal level poorly, so it is raised by
 * peer_few / sqrt(3) before the excess is judged. Returns the busiest analyst's alert
 * score (0 without an alert). */
static double busiest_analyst_score(int busiest, int others, double peer_few)
{
    put_employees("A1,,UNIT-N,TA,analist,,,,2010-01-01,\n"
                  "A2,,UNIT-N,TA,analist,,,,2010-01-01,\n"
                  "A3,,UNIT-N,TA,analist,,,,2010-01-01,\n"
                  "A4,,UNIT-N,TA,analist,,,,2010-01-01,\n");
    more_criminals();
    const char *analysts[] = {"A1", "A2", "A3", "A4"};
    for (int d = 0; d < 20; d++)
        for (int a = 0; a < 4; a++)
            for (int k = 0; k < (a == 0 ? busiest : others); k++) {
                char crim[16];
                snprintf(crim, sizeof crim, "CZ%d", k);
                lookp(at(d, 8 + a, k), analysts[a], crim);
            }
    config()->peer_few = peer_few;
    /* All four meet criminals in one system, which would make it everyday work for the
     * role: the weighting by system is left out to test the raise alone. */
    set_param("criminal_network", "by_system", 0);
    go();
    const struct alert *a = alert_of("A1");
    double score = a != NULL ? a->score : 0;
    restart();
    world();
    return score;
}

/* 20 distinct criminals a day against the others' 8 alerts only without the raise; 20
 * against 4 alerts with it too. */
static void test_few_peers_raise_normal_level(void **state)
{
    (void)state;
    double usual = config()->peer_few;
    assert_true(usual > 0);
    assert_true(busiest_analyst_score(20, 8, 0) >= 0.5);
    assert_true(busiest_analyst_score(20, 8, usual) == 0);
    assert_true(busiest_analyst_score(20, 4, usual) >= 0.5);
}

/* Patrol officers P0..P7 check 10 plates a day and look up a colleague's record every
 * other day (chance: the registry holds staff too). U1 checks `plates` a day and looks up
 * `colleagues` distinct colleagues a day, for 20 days. Returns U1's alert, or NULL. */
static const struct alert *patrol_with_colleagues(int plates, int colleagues)
{
    world(); /* the rows below are appended once per run, not again to the last run's */
    append_rows("employees.csv", "P%d,,UNIT-N,TP,patrol,Agent%d,1%03dPP,1,2010-01-01,\n", 8);
    append_rows("employees.csv", "KU%d,K%d,UNIT-Z,TK,dispatcher,Koll%d,,,2010-01-01,\n", 160);
    append_rows("subjects.csv", "K%d,person,Koll%d,7%03dKK,1,1980,Zuid,employee\n", 160);
    append_rows("subjects.csv", "PL%d,vehicle,Auto%d,9%03dXX,1,,Noord,\n", 400);
    char who[16], what[16];
    for (int d = 0; d < 20; d++) {
        for (int p = 0; p < 8; p++) {
            snprintf(who, sizeof who, "P%d", p);
            for (int k = 0; k < 10; k++) {
                snprintf(what, sizeof what, "PL%d", (d * 10 + k + p * 7) % 400);
                look(at(d, 8 + p, k), who, "vehicle", what, NULL);
            }
            if ((d + p) % 2 == 0) {
                snprintf(what, sizeof what, "K%d", (d / 2 + p * 10) % 160);
                lookp(at(d, 8 + p, 30), who, what);
            }
        }
        for (int k = 0; k < plates; k++) {
            snprintf(what, sizeof what, "PL%d", (d * plates + k) % 400);
            look(at(d, 17, 0) + k * 1000, "U1", "vehicle", what, NULL);
        }
        for (int k = 0; k < colleagues; k++) {
            snprintf(what, sizeof what, "K%d", (d * colleagues + k) % 160);
            lookp(at(d, 18, k), "U1", what);
        }
    }
    go();
    return alert_of("U1");
}

/* Chance lands on a colleague's record more often the more one looks up: a patrol officer
 * with four times the plate checks and four times the colleague lookups of the role is
 * judged per unit of volume, and so is not alerted; with volume_norm 0 (peers' absolute
 * masses) the same officer is. The same colleague lookups alongside an ordinary number of
 * plate checks alert, and so does the busy officer looking up three times as many
 * colleagues as the volume accounts for, with the raised normal level in the baseline. */
static void test_colleague_judged_per_volume(void **state)
{
    (void)state;
    assert_null(patrol_with_colleagues(40, 2));
    restart();
    set_param("colleague_lookup", "volume_norm", 0);
    assert_non_null(patrol_with_colleagues(40, 2));
    restart();
    const struct alert *a = patrol_with_colleagues(10, 2);
    assert_non_null(a);
    assert_true(alert_has(a, "colleague_lookup"));
    restart();
    a = patrol_with_colleagues(40, 6);
    assert_non_null(a);
    const struct alert_indicator *ai = listed_in(a, "colleague_lookup");
    assert_non_null(strstr(ai->baseline_en, "times the role's median without a case"));
    assert_non_null(strstr(ai->baseline_nl, "keer de mediaan van de rol zonder zaak"));
}

/* A role with fewer than three other members is judged by the milder of its own few
 * members and the whole force. Two "analist" look up Zuid criminals every day, as nobody
 * else does: each is normal for the other. Then the Noord detectives and patrol officers
 * do it, and so does one "handhaver" whose only colleague never does: normal for the
 * force. (Judged by the role alone, the handhaver would alert; by the force alone, the
 * analists.) */
static void test_small_role_judged_mildly(void **state)
{
    (void)state;
    const char *small_roles = "A1,,UNIT-N,TA,analist,,,,2010-01-01,\n"
                              "A2,,UNIT-N,TA,analist,,,,2010-01-01,\n"
                              "H1,,UNIT-N,TH,handhaver,,,,2010-01-01,\n"
                              "H2,,UNIT-N,TH,handhaver,,,,2010-01-01,\n";
    put_employees(small_roles);
    more_criminals();
    const char *quiet[] = {"U1", "U2", "U4", "U5", "U6", "H1", "H2"};
    for (int d = 0; d < 20; d++) {
        for (int k = 0; k < 20; k++) {
            char crim[8];
            snprintf(crim, sizeof crim, "CZ%d", (d + k) % 20);
            lookp(at(d, 8, k), "A1", crim);
            lookp(at(d, 9, k), "A2", crim);
        }
        for (int k = 0; k < 7; k++)
            look(at(d, 17, k), quiet[k], "vehicle", "NEIGH_CAR", NULL);
    }
    go();
    assert_true(sigs("criminal_network") >= 800);
    assert_null(alert_of("A1"));
    assert_null(alert_of("A2"));

    restart();
    world();
    put_employees(small_roles);
    more_criminals();
    const char *busy[] = {"U1", "U2", "U4", "U5", "U6", "H1"};
    for (int d = 0; d < 20; d++) {
        for (int k = 0; k < 6; k++) {
            char crim[8];
            snprintf(crim, sizeof crim, "CZ%d", (d + k) % 20);
            lookp(at(d, 8 + k, 0), busy[k], crim);
        }
        look(at(d, 17, 0), "H2", "vehicle", "NEIGH_CAR", NULL);
    }
    go();
    assert_true(sigs("criminal_network") >= 120);
    assert_null(alert_of("H1"));
    put_employees("");
}

/* ---- off_duty -------------------------------------------------------------------------- */

#define U1_ROSTER                                                                                  \
    "U1,2025-02-03T08:00:00+01:00,2025-02-03T16:00:00+01:00,shift\n"                               \
    "U1,2025-02-04T08:00:00+01:00,2025-02-04T16:00:00+01:00,shift\n"                               \
    "U1,2025-02-05,2025-02-05,leave\n"                                                             \
    "U1,2025-02-06T22:00:00+01:00,2025-02-07T06:00:00+01:00,shift\n"

static void test_off_duty_positive(void **state)
{
    (void)state;
    put_schedule(U1_ROSTER);
    lookp(at(0, 20, 0), "U1", "STRANGER"); /* four hours after the shift */
    lookp(at(2, 10, 0), "U1", "STRANGER"); /* on leave */
    go();
    assert_int_equal(sigs("off_duty"), 2);
}

/* Overtime within the margin (before and after a shift, and after a night shift that
 * crossed midnight), and an employee without a roster. */
static void test_off_duty_negative(void **state)
{
    (void)state;
    put_schedule(U1_ROSTER);
    lookp(at(0, 6, 30), "U1", "STRANGER");
    lookp(at(0, 17, 30), "U1", "STRANGER");
    lookp(at(1, 12, 0), "U1", "STRANGER");
    lookp(at(4, 7, 30), "U1", "STRANGER"); /* the night shift ended at 06:00 */
    lookp(at(30, 3, 0), "U1", "STRANGER"); /* no roster within three days: unknown */
    lookp(at(0, 23, 0), "U2", "STRANGER"); /* U2 has no roster at all */
    lookp(at(2, 3, 0), "U2", "STRANGER");
    go();
    assert_int_equal(sigs("off_duty"), 0);
}

/* Off duty, judged per day: the roster of `user` for days 0-6, then leave on days 7-10
 * (U1 works those days, ten lookups a day). */
#define WEEK_THEN_LEAVE(user)                                                                      \
    user ",2025-02-03T08:00:00+01:00,2025-02-03T16:00:00+01:00,shift\n" user                       \
         ",2025-02-04T08:00:00+01:00,2025-02-04T16:00:00+01:00,shift\n" user                       \
         ",2025-02-05T08:00:00+01:00,2025-02-05T16:00:00+01:00,shift\n" user                       \
         ",2025-02-06T08:00:00+01:00,2025-02-06T16:00:00+01:00,shift\n" user                       \
         ",2025-02-07T08:00:00+01:00,2025-02-07T16:00:00+01:00,shift\n" user                       \
         ",2025-02-08T08:00:00+01:00,2025-02-08T16:00:00+01:00,shift\n" user                       \
         ",2025-02-09T08:00:00+01:00,2025-02-09T16:00:00+01:00,shift\n" user                       \
         ",2025-02-10,2025-02-13,leave\n"
#define U1_WEEK_THEN_LEAVE WEEK_THEN_LEAVE("U1")

/* The week's lookups are all of one record, which private_fixation would rightly flag;
 * it is switched off so that these tests see off_duty alone. */
static void work_week(void)
{
    set_param("private_fixation", "enabled", 0);
    for (int d = 0; d < 7; d++)
        for (int k = 0; k < 10; k++)
            lookp(at(d, 9, k), "U1", "STRANGER");
}

/* A few lookups from home on four leave days, none for a case: the misuse. */
static void test_off_duty_leave_days_alert(void **state)
{
    (void)state;
    put_schedule(U1_WEEK_THEN_LEAVE);
    work_week();
    for (int d = 7; d < 11; d++)
        lookp(at(d, 20, 0), "U1", "STRANGER");
    go();
    assert_int_equal(sigs("off_duty"), 4);
    const struct alert *a = alert_of("U1");
    assert_non_null(a);
    assert_true(alert_has(a, "off_duty"));
}

/* An analyst's role looks up criminal records all day; such a record looked up on leave
 * is work taken home and counts as case work. A1 (intelligence) and U1 (patrol) work the
 * same week and look up the same criminal record on four leave days. Over the first day
 * another analyst's 1,000 lookups are half criminal records, a patrol officer's 1,000
 * none: U1's leave days alert, A1's do not, unless criminal_work_share is 0. */
#define A1_WEEK_THEN_LEAVE WEEK_THEN_LEAVE("A1")

static void analyst_and_patrol_on_leave(void)
{
    put_employees("A1,,UNIT-N,TA,intelligence,,,,2010-01-01,\n"
                  "A2,,UNIT-N,TA,intelligence,,,,2010-01-01,\n");
    put_schedule(U1_WEEK_THEN_LEAVE A1_WEEK_THEN_LEAVE);
    set_param("private_fixation", "enabled", 0);
    for (int d = 0; d < 7; d++) {
        for (int k = 0; k < 10; k++) {
            lookp(at(d, 9, k), "U1", "STRANGER");
            lookp(at(d, 9, k), "A1", "STRANGER");
        }
        for (int i = 0; d == 0 && i < 1000; i++) {
            lookp(at(d, 10, 0) + 1000LL * i, "A2", i % 2 ? "CRIM_N" : "STRANGER");
            lookp(at(d, 10, 0) + 1000LL * i, "U2", "STRANGER");
        }
    }
    for (int d = 7; d < 11; d++) {
        lookp(at(d, 20, 0), "U1", "CRIM_N");
        lookp(at(d, 20, 0), "A1", "CRIM_N");
    }
}

static void test_off_duty_analyst_criminal_work(void **state)
{
    (void)state;
    analyst_and_patrol_on_leave();
    go();
    assert_non_null(alert_of("U1"));
    assert_true(alert_has(alert_of("U1"), "off_duty"));
    assert_null(alert_of("A1"));

    restart();
    set_param("off_duty", "criminal_work_share", 0);
    analyst_and_patrol_on_leave();
    go();
    assert_non_null(alert_of("A1"));
    assert_true(alert_has(alert_of("A1"), "off_duty"));
}

/* Look-alikes: the roster was not updated and U1 worked on the leave days, (a) with a
 * usual day's volume of lookups, of other people each day but one person looked up every
 * day (a tenth of the lookups come back: work moves on), (b) with case work among the
 * lookups. The days still signal, at a quarter, and raise no alert. */
static void test_off_duty_negative_working_days(void **state)
{
    (void)state;
    put_schedule(U1_WEEK_THEN_LEAVE);
    work_week();
    for (int d = 7; d < 11; d++) {
        lookp(at(d, 9, 0), "U1", "STRANGER");
        for (int k = 1; k < 10; k++) {
            char who[32];
            snprintf(who, sizeof who, "W%d-%d", d, k);
            lookp(at(d, 9, k), "U1", who);
        }
    }
    go();
    assert_int_equal(sigs("off_duty"), 4 * 5); /* five kept per day */
    assert_null(alert_of("U1"));

    restart();
    put_cases(OPEN_CASE("C1", "case"), "C1,U1\n", "C1,CRIM_N\n");
    work_week();
    for (int d = 7; d < 11; d++) {
        lookp(at(d, 20, 0), "U1", "STRANGER");
        look(at(d, 20, 5), "U1", "person", "CRIM_N", "C1");
    }
    go();
    assert_int_equal(sigs("off_duty"), 4);
    assert_null(alert_of("U1"));
    put_cases("", "", "");
}

/* Sick days with a working day's volume, but all of it on the same two people, day after
 * day: not work the roster missed but a private interest. The first day counts a quarter;
 * from the second on the lookups come back to earlier off-duty days and count in full.
 * With return_share 0 every day is a working day and nothing alerts. */
static void sick_days_on_two_people(void)
{
    put_schedule(U1_WEEK_THEN_LEAVE);
    work_week();
    for (int d = 7; d < 11; d++)
        for (int k = 0; k < 10; k++)
            lookp(at(d, 9, k), "U1", k % 2 ? "STRANGER" : "PRIV");
}

static void test_off_duty_coming_back(void **state)
{
    (void)state;
    sick_days_on_two_people();
    go();
    assert_int_equal(sigs("off_duty"), 4 * 5);
    listed_in(alert_of("U1"), "off_duty");

    restart();
    set_param("off_duty", "return_share", 0);
    sick_days_on_two_people();
    go();
    assert_null(alert_of("U1"));
}

/* One sick day with a working day's volume (ten lookups), all of it on five people with
 * households of their own: each looked up once and again `later_min` minutes after. */
static void sick_day_on_five_people(int later_min)
{
    put_schedule(U1_WEEK_THEN_LEAVE);
    work_week();
    append_rows("subjects.csv", "FRIEND%d,person,Vriend%d,5%03dVV,1,1980,Noord,\n", 5);
    for (int k = 0; k < 5; k++) {
        char who[32];
        snprintf(who, sizeof who, "FRIEND%d", k);
        lookp(at(7, 10, k), "U1", who);
        lookp(at(7, 10, k) + later_min * 60000LL, "U1", who);
    }
}

/* Coming back to the same people hours later on the same sick day is a private interest,
 * not work the roster missed (which handles a household in one go): the day counts in
 * full, each household on its own, and alerts. The look-alikes: the same lookups minutes
 * apart, and revisit_hours 0, leave a working day that counts a quarter. */
static void test_off_duty_same_day_revisit(void **state)
{
    (void)state;
    sick_day_on_five_people(9 * 60);
    go();
    assert_int_equal(sigs("off_duty"), 5);
    const struct alert_indicator *ai = listed_in(alert_of("U1"), "off_duty");
    assert_non_null(strstr(ai->text_en, "5 of them on days of leave or sickness that came back"));
    assert_non_null(strstr(ai->text_nl, "waarvan 5 op verlof- of ziektedagen die uren later"));

    restart();
    sick_day_on_five_people(5);
    go();
    assert_int_equal(sigs("off_duty"), 5);
    assert_null(alert_of("U1"));

    restart();
    set_param("off_duty", "revisit_hours", 0);
    sick_day_on_five_people(9 * 60);
    go();
    assert_int_equal(sigs("off_duty"), 5);
    assert_null(alert_of("U1"));
}

/* ---- private_fixation -------------------------------------------------------------------- */

/* One household (person, car, address) on five distinct days over four weeks, no case,
 * nobody else looks at it: signals from the fourth day, and alone it alerts. */
static void test_fixation_positive(void **state)
{
    (void)state;
    lookp(at(0, 10, 0), "U1", "PRIV");
    look(at(7, 10, 0), "U1", "vehicle", "PRIV_CAR", NULL);
    look(at(14, 10, 0), "U1", "address", "PRIV_ADDR", NULL);
    lookp(at(21, 10, 0), "U1", "PRIV");
    look(at(28, 10, 0), "U1", "vehicle", "PRIV_CAR", NULL);
    go();
    assert_int_equal(sigs("private_fixation"), 2);
    const struct alert *a = alert_of("U1");
    assert_non_null(a);
    assert_true(alert_has(a, "private_fixation"));
}

/* Look-alikes: many lookups on one day; three days only; the same five days explained by
 * a case; five days spread so far apart that the run restarts; a household that two
 * colleagues look up as well (shared attention is police work); a known criminal looked up
 * on five days (left to criminal_network). */
static void test_fixation_negative(void **state)
{
    (void)state;
    for (int k = 0; k < 20; k++)
        lookp(at(0, 10, k), "U1", "PRIV");
    for (int d = 7; d < 15; d += 7)
        lookp(at(d, 10, 0), "U1", "PRIV");
    go();
    assert_int_equal(sigs("private_fixation"), 0);

    restart();
    put_cases(OPEN_CASE("C1", "case"), "C1,U1\n", "C1,PRIV\n");
    for (int d = 0; d < 29; d += 7)
        lookp(at(d, 10, 0), "U1", "PRIV");
    go();
    assert_int_equal(sigs("private_fixation"), 0);
    put_cases("", "", "");

    restart();
    for (int d = 0; d < 5 * 61; d += 61)
        lookp(at(d, 10, 0), "U1", "PRIV");
    go();
    assert_int_equal(sigs("private_fixation"), 0);

    restart();
    lookp(at(1, 10, 0), "U2", "PRIV");
    look(at(2, 10, 0), "U7", "vehicle", "PRIV_CAR", NULL);
    for (int d = 0; d < 29; d += 7)
        lookp(at(d, 11, 0), "U1", "PRIV");
    go();
    assert_int_equal(sigs("private_fixation"), 0);

    restart();
    for (int d = 0; d < 29; d += 7)
        lookp(at(d, 11, 0), "U1", "CRIM_N");
    go();
    assert_int_equal(sigs("private_fixation"), 0);
}

/* One other looker halves the signal: still signalled, but alone no alert. */
static void test_fixation_one_sharer_weighs_half(void **state)
{
    (void)state;
    lookp(at(1, 10, 0), "U2", "PRIV");
    for (int d = 0; d < 29; d += 7)
        lookp(at(d, 11, 0), "U1", "PRIV");
    go();
    assert_int_equal(sigs("private_fixation"), 2);
    assert_null(alert_of("U1"));
}

/* Without relations.csv: SISTER (Smit, like U1, another address) stands for a parent or
 * sibling. `fillers` more persons of other surnames in U1's region make Smit uncommon
 * there (3 of fillers + 20 persons). */
static void namesake_world(int fillers)
{
    drop_relations();
    append_rows("subjects.csv", "FILL%d,person,Naam%d,9%03dZZ,1,1970,Noord,\n", fillers);
    append_rows("subjects.csv", "SMIT_NEXT_DOOR,person,Smit,1000AA,3,1950,Noord,\n", 1);
}

/* A household with the employee's uncommon surname looked up on two days without a case:
 * a possible parent or sibling, which the reference data cannot name without
 * relations.csv. It signals from the second day, where a stranger needs four. */
static void test_fixation_namesake_positive(void **state)
{
    (void)state;
    namesake_world(300);
    lookp(at(0, 10, 0), "U1", "SISTER");
    lookp(at(9, 10, 0), "U1", "SISTER");
    go();
    assert_int_equal(sigs("private_fixation"), 1);
}

/* Look-alikes: a stranger's household on two days; a namesake when relations.csv says who
 * the family is; a surname common in the region; a namesake in the employee's own
 * postcode (neighbour_lookup's case). */
static void test_fixation_namesake_negative(void **state)
{
    (void)state;
    namesake_world(300);
    lookp(at(0, 10, 0), "U1", "STRANGER");
    lookp(at(9, 10, 0), "U1", "STRANGER");
    lookp(at(0, 11, 0), "U1", "SMIT_NEXT_DOOR");
    lookp(at(9, 11, 0), "U1", "SMIT_NEXT_DOOR");
    go();
    assert_int_equal(sigs("private_fixation"), 0);

    restart();
    world();
    lookp(at(0, 10, 0), "U1", "SISTER");
    lookp(at(9, 10, 0), "U1", "SISTER");
    go();
    assert_int_equal(sigs("private_fixation"), 0);

    restart();
    world();
    namesake_world(20); /* Smit: 3 of 41 persons of the region, far above 5% */
    lookp(at(0, 10, 0), "U1", "SISTER");
    lookp(at(9, 10, 0), "U1", "SISTER");
    go();
    assert_int_equal(sigs("private_fixation"), 0);
}

/* ---- volume_breadth -------------------------------------------------------------------- */

/* Seven patrol officers P1..P7 build a history: 25 distinct persons a day for five days,
 * then 60 a day (busy nights, within three times their own usual). Q, another patrol
 * officer, looks up 10 persons a day for twelve days, and on day 12 `last_day`. */
static void volume_world(unsigned last_day)
{
    put_employees("P1,,UNIT-N,TP1,patrol,,,,2010-01-01,\n"
                  "P2,,UNIT-N,TP2,patrol,,,,2010-01-01,\n"
                  "P3,,UNIT-N,TP3,patrol,,,,2010-01-01,\n"
                  "P4,,UNIT-N,TP4,patrol,,,,2010-01-01,\n"
                  "P5,,UNIT-N,TP5,patrol,,,,2010-01-01,\n"
                  "P6,,UNIT-N,TP6,patrol,,,,2010-01-01,\n"
                  "P7,,UNIT-N,TP7,patrol,,,,2010-01-01,\n"
                  "Q,,UNIT-N,TQ,patrol,,,,2010-01-01,\n");
    char user[16], subj[64];
    for (int p = 1; p <= 7; p++) {
        snprintf(user, sizeof user, "P%d", p);
        for (int d = 0; d < 12; d++) {
            int n = d < 5 ? 25 : 60;
            for (int k = 0; k < n; k++) {
                snprintf(subj, sizeof subj, "X-%s-%d-%d", user, d, k);
                lookp(at(d, 8, 0) + k * 60000, user, subj);
            }
        }
    }
    for (int d = 0; d <= 12; d++) {
        unsigned n = d < 12 ? 10 : last_day;
        for (unsigned k = 0; k < n; k++) {
            snprintf(subj, sizeof subj, "X-Q-%d-%u", d, k);
            lookp(at(d, 9, 0) + k * 30000, "Q", subj);
        }
    }
}

/* 100 persons: ten times Q's usual day and above the role's busy days. */
static void test_volume_positive(void **state)
{
    (void)state;
    config()->alert_threshold = 0.05;
    volume_world(100);
    go();
    assert_int_equal(sigs("volume_breadth"), 1);
    /* The explanation names the day, its figure and the bars it passed. */
    assert_non_null(alert_of("Q"));
    const struct alert_indicator *v = listed_in(alert_of("Q"), "volume_breadth");
    assert_non_null(strstr(v->text_en, "the most: 100 distinct persons on 2025-02-15, over a bar"));
    assert_non_null(strstr(v->text_en, "3 times the own median day (30;"));
    assert_non_null(strstr(v->text_nl, "de meeste: 100 verschillende personen op 2025-02-15"));
}

/* 70 persons: seven times Q's usual day, but normal for a busy patrol night; and the
 * patrol officers' own busy days are within their usual. */
static void test_volume_negative_busy_night(void **state)
{
    (void)state;
    volume_world(70);
    go();
    assert_int_equal(sigs("volume_breadth"), 0);
}

/* Wildcard searching: 20 wildcard queries in a day, above the floor of 15; 10 are not. */
static void test_volume_wildcards(void **state)
{
    (void)state;
    for (int k = 0; k < 20; k++)
        add_event(at(0, 9, k),
                  &(struct evspec){
                      .user = "U1", .stype = "person", .subject = "STRANGER", .query = "jans*"});
    for (int k = 0; k < 10; k++)
        add_event(at(0, 9, k),
                  &(struct evspec){
                      .user = "U2", .stype = "person", .subject = "STRANGER", .query = "de v?s"});
    go();
    assert_int_equal(sigs("volume_breadth"), 1);
}

/* ---- bulk_export ----------------------------------------------------------------------- */

/* L1 leaves on 2025-02-20; K1 stays. */
#define EXPORT_STAFF                                                                               \
    "L1,,UNIT-N,TL,staff,,,,2010-01-01,2025-02-20\n"                                               \
    "K1,,UNIT-N,TK,staff,,,,2010-01-01,\n"

static void export(int64_t ts, const char *user, const char *action, unsigned results)
{
    add_event(ts, &(struct evspec){.user = user,
                                   .action = action,
                                   .stype = "case",
                                   .subject = "REPORT",
                                   .results = results});
}

/* 80 records before a known end date (threshold halved), and 3 x 200 records on a day, in
 * the run's third week (before that a role without export days has no norm to judge by). */
static void test_export_positive(void **state)
{
    (void)state;
    put_employees(EXPORT_STAFF);
    lookp(at(0, 8, 0), "U2", "STRANGER"); /* the run's first day */
    export(at(16, 10, 0), "L1", "export", 80);
    export(at(16, 10, 0), "K1", "export", 200);
    export(at(16, 11, 0), "K1", "print", 200);
    export(at(16, 12, 0), "K1", "export", 200);
    go();
    /* L1: one signal; K1: one per large action of the day (the evidence). */
    assert_int_equal(sigs("bulk_export"), 4);
}

/* Records taken one by one: 40 persons printed one after the other by L1, four days before
 * the known end date (the floor of 20 actions halved) alerts, and the explanation counts
 * actions; 25 by U4 pass the floor too. K1's 12 stay under it, and so do all of them with
 * min_actions 0 (actions not judged): one record each is far below the records' floor. */
static void prints_one_by_one(void)
{
    put_employees(EXPORT_STAFF);
    lookp(at(0, 8, 0), "U2", "STRANGER"); /* the run's first day */
    for (int k = 0; k < 40; k++)
        add_event(
            at(16, 10, k),
            &(struct evspec){.user = "L1", .action = "print", .subject = "STRANGER", .results = 1});
    for (int k = 0; k < 12; k++)
        export(at(16, 11, k), "K1", "print", 1);
    for (int k = 0; k < 25; k++)
        export(at(16, 12, k), "U4", "print", 1);
}

static void test_export_one_by_one(void **state)
{
    (void)state;
    prints_one_by_one();
    go();
    assert_int_equal(sigs("bulk_export"), 2 * 4); /* four largest actions per day, evidence */
    const struct alert_indicator *ai = listed_in(alert_of("L1"), "bulk_export");
    assert_non_null(strstr(ai->text_en, "the most: 40 export or print actions on 2025-02-19"));

    restart();
    set_param("bulk_export", "min_actions", 0);
    prints_one_by_one();
    go();
    assert_int_equal(sigs("bulk_export"), 0);
}

/* Small exports every day, the same 80 records without an end date in sight, and a day
 * of twice the own largest earlier day; in the run's third week, when every day is
 * judged. */
static void test_export_negative(void **state)
{
    (void)state;
    put_employees(EXPORT_STAFF);
    for (int d = 0; d < 20; d++)
        for (int k = 0; k < 5; k++)
            export(at(d, 9, 10 * k), "U1", "print", 10);
    export(at(16, 10, 0), "K1", "export", 80);
    export(at(16, 10, 0), "U4", "export", 90);
    export(at(17, 10, 0), "U4", "export", 180);
    export(at(16, 10, 0), "L1", "export", 40); /* leaving, but below the halved floor */
    go();
    assert_int_equal(sigs("bulk_export"), 0);
}

/* The explanation names the largest day, its records and the bars they passed: U8 exports
 * 20,000 records on day 16 (2025-02-19), where the floor of 100 is the highest bar (no
 * earlier export days, own or in any role); L1 exports 80 on that day, one day before
 * their known end date: all bars halved. */
static void test_export_explained(void **state)
{
    (void)state;
    put_employees(EXPORT_STAFF);
    for (int d = 0; d <= 16; d++)
        lookp(at(d, 8, 0), "U2", "STRANGER");
    export(at(16, 10, 0), "U8", "export", 20000);
    export(at(16, 10, 0), "L1", "export", 80);
    config()->alert_threshold = 0.3; /* L1's day alone stays under the default */
    go();
    assert_non_null(alert_of("U8"));
    assert_non_null(alert_of("L1"));
    const struct alert_indicator *x = listed_in(alert_of("U8"), "bulk_export");
    assert_non_null(strstr(x->text_en, "the most: 20000 records on 2025-02-19, over a bar of 100, "
                                       "the highest of 100 records, 3 times the own largest "
                                       "earlier day (0) and the role's busiest days (p99: 0)"));
    assert_null(strstr(x->text_en, "halved"));
    assert_non_null(strstr(x->text_nl, "de meeste: 20000 registraties op 2025-02-19"));
    x = listed_in(alert_of("L1"), "bulk_export");
    assert_non_null(strstr(x->text_en, "the most: 80 records on 2025-02-19, over a bar of 50"));
    assert_non_null(strstr(x->text_en, "halved before leaving"));
}

/* Three patrol officers export 2,000 records every day for fifteen days; staff and
 * detectives export nothing. Once the run is two weeks old, a role without days of its own
 * is judged by all roles' days: K1's (staff) first export of 2,100 records lies within them
 * and signals nothing (against the floor of 100 alone it would), U4's (detective) 20,000
 * records do. */
static void export_reference_days(void)
{
    static const char *const exporters[] = {"U1", "U2", "U7"};
    for (int d = 0; d < 15; d++)
        for (int k = 0; k < 3; k++)
            export(at(d, 9, k), exporters[k], "export", 2000);
}

static void test_export_role_without_days(void **state)
{
    (void)state;
    put_employees(EXPORT_STAFF);
    export_reference_days();
    go();
    uint64_t reference = sigs("bulk_export");

    restart();
    export_reference_days();
    export(at(15, 10, 0), "K1", "export", 2100);
    go();
    assert_int_equal(sigs("bulk_export"), reference);

    restart();
    export_reference_days();
    export(at(15, 10, 0), "U4", "export", 20000);
    go();
    assert_int_equal(sigs("bulk_export"), reference + 1);
}

/* In a run's first days a first export is judged only where the role has a norm of its
 * own: a reporting desk's first monthly report is not bulk because the other roles export
 * little. Two patrol officers export 2,000 records a day from day 0; on day 6 U7 (patrol,
 * no exports of its own yet) exports 20,000 and signals against the patrol days, while
 * U4's (detective) 20,000 are held: detectives have no export days, the run is six days
 * old. The same export on a later day, once U4 has an earlier one of its own, signals. */
static void test_export_first_days(void **state)
{
    (void)state;
    put_employees(EXPORT_STAFF);
    for (int d = 0; d <= 6; d++) {
        export(at(d, 9, 0), "U1", "export", 2000);
        export(at(d, 9, 1), "U2", "export", 2000);
    }
    export(at(6, 10, 0), "U7", "export", 20000);
    export(at(6, 10, 0), "U4", "export", 20000);
    go();
    assert_int_equal(sigs("bulk_export"), 1);
    assert_non_null(alert_of("U7"));
    assert_null(alert_of("U4"));

    restart();
    for (int d = 0; d <= 6; d++) {
        export(at(d, 9, 0), "U1", "export", 2000);
        export(at(d, 9, 1), "U2", "export", 2000);
    }
    export(at(4, 10, 0), "U4", "export", 20);
    export(at(6, 10, 0), "U4", "export", 20000);
    go();
    assert_int_equal(sigs("bulk_export"), 1);
    assert_non_null(alert_of("U4"));
}

/* ---- case_file_export ------------------------------------------------------------------ */

/* C-Z: a case of unit Zuid that U7 works on; C-N2: a case of U1's own unit that U4 works
 * on. */
static void case_file_world(void)
{
    put_cases("C-Z,case,2025-01-01,,UNIT-Z,high\n" OPEN_CASE("C-N2", "case"), "C-Z,U7\nC-N2,U4\n",
              "");
}

static void case_file(int64_t ts, const char *user, const char *action, const char *file,
                      const char *legit)
{
    add_event(ts, &(struct evspec){.user = user,
                                   .action = action,
                                   .stype = "case",
                                   .subject = file,
                                   .legit = legit,
                                   .results = 1});
}

/* U1 exports the file of Zuid's case, then prints it under its own number, which does not
 * list U1: one case, two signals, and an alert on its own. */
static void test_case_file_export_positive(void **state)
{
    (void)state;
    case_file_world();
    case_file(at(1, 10, 0), "U1", "export", "C-Z", NULL);
    case_file(at(2, 10, 0), "U1", "print", "C-Z", "C-Z");
    go();
    assert_int_equal(sigs("case_file_export"), 2);
    const struct alert *a = alert_of("U1");
    assert_non_null(a);
    assert_true(alert_has(a, "case_file_export"));
}

/* The case's own member exports it; U1 exports a case of the own unit under its number (a
 * unit-mate's case, explained as case_unit); a report that is no case in cases.csv; U1
 * only reads Zuid's case file. */
static void test_case_file_export_negative(void **state)
{
    (void)state;
    case_file_world();
    case_file(at(1, 10, 0), "U7", "export", "C-Z", NULL);
    case_file(at(1, 11, 0), "U1", "export", "C-N2", "C-N2");
    case_file(at(1, 12, 0), "U1", "export", "REPORT", NULL);
    case_file(at(1, 13, 0), "U1", "view", "C-Z", NULL);
    go();
    assert_int_equal(sigs("case_file_export"), 0);
}

/* ---- rare_access ----------------------------------------------------------------------- */

/* Patrol U1, U2, U7 each query 25 persons a day in BVH for four weeks: 2100 accesses,
 * enough for the role's profile to be trusted with the default settings (the explainer's
 * routine_min_events 500, rare_access's min_role_events 2000). */
static void rare_world(void)
{
    const char *who[] = {"U1", "U2", "U7"};
    char subj[64];
    for (int u = 0; u < 3; u++)
        for (int d = 0; d < 28; d++)
            for (int k = 0; k < 25; k++) {
                snprintf(subj, sizeof subj, "R-%s-%d-%d", who[u], d, k);
                lookp(at(d, 9 + u, k), who[u], subj);
            }
}

static void test_rare_positive(void **state)
{
    (void)state;
    rare_world();
    add_event(
        at(28, 10, 0),
        &(struct evspec){.user = "U1", .system = "Summ-IT", .stype = "person", .subject = "R-new"});
    go();
    assert_int_equal(sigs("rare_access"), 1);
}

/* An odd system is also where someone covers a colleague's task: rare use alone never
 * alerts, however much of it, yet it weighs enough to lift a private-looking lookup. The
 * signal's key is the system and record type, so lookups in one odd system come back to
 * one key; three odd systems with ten persons each come close to the threshold and stay
 * under it (seen with a threshold low enough to show the score). */
static void test_rare_alone_stays_under_threshold(void **state)
{
    (void)state;
    rare_world();
    static const char *const odd[] = {"Summ-IT", "GMS", "Cognos"};
    char subj[32];
    for (int k = 0; k < 30; k++) {
        snprintf(subj, sizeof subj, "R-odd-%d", k);
        add_event(at(28, 10, k),
                  &(struct evspec){
                      .user = "U1", .system = odd[k % 3], .stype = "person", .subject = subj});
    }
    config()->alert_threshold = 0.05;
    go();
    const struct alert *a = alert_of("U1");
    assert_non_null(a);
    struct engine_config defaults;
    engine_config_defaults(&defaults);
    double rare = score_in(a, "rare_access");
    assert_true(rare > 0.4);
    assert_true(rare < defaults.alert_threshold);
    engine_config_free(&defaults);
}

/* What the role does every day is never rare; a rare system used for the user's own case
 * is explained by it. */
static void test_rare_negative(void **state)
{
    (void)state;
    put_cases(OPEN_CASE("C-R", "case"), "C-R,U1\n", "C-R,R-case\n");
    rare_world();
    lookp(at(28, 10, 0), "U1", "R-new");
    add_event(at(28, 11, 0),
              &(struct evspec){
                  .user = "U1", .system = "Summ-IT", .stype = "person", .subject = "R-case"});
    go();
    assert_int_equal(sigs("rare_access"), 0);
    /* The profile was warm, so rarity was judged (not skipped for lack of traffic). */
    assert_true(explain_role_events(engine_explainer(R.eng), ROLE_PATROL) >= 2000);
}

/* ---- bogus_legitimation ---------------------------------------------------------------- */

static void test_bogus_positive(void **state)
{
    (void)state;
    put_cases("C-OK,case,2025-01-01,,UNIT-N,normal\n"
              "C-OLD,case,2024-01-01,2024-06-01,UNIT-N,normal\n",
              "C-OK,U1\nC-OLD,U1\n", "C-OK,CRIM_N\nC-OLD,STRANGER\n");
    look(at(0, 10, 0), "U1", "person", "STRANGER", "C-NOPE"); /* does not exist */
    look(at(0, 11, 0), "U1", "person", "STRANGER", "C-OLD");  /* closed */
    look(at(0, 12, 0), "U7", "person", "CRIM_N", "C-OK");     /* another unit's case */
    look(at(0, 13, 0), "U1", "person", "STRANGER", "C-OK");   /* not in the case */
    go();
    assert_int_equal(sigs("bogus_legitimation"), 4);
}

/* A valid typed case (also for the keeper's car), and a wrong number for a record the user
 * does have a case for: a slip, counted a quarter, which never makes an alert. */
/* Twelve patrol officers (P0..P11) and U1 type the numbers of incidents that do not list
 * them, every day for 30 days (the dispatch lists are incomplete); U1 also types a number
 * that exists nowhere, on three days. `invalid_on`: invalid_case_number enabled. */
static void invalid_number_world(bool invalid_on)
{
    world();
    append_rows("employees.csv", "P%d,,UNIT-N,TP,patrol,Agent%d,1%03dPP,1,2010-01-01,\n", 12);
    append_rows("subjects.csv", "X%d,person,Vreemd%d,8%03dXX,1,1980,Noord,\n", 200);
    put_cases(OPEN_CASE("INC-1", "incident") OPEN_CASE("INC-2", "incident"), "INC-1,U2\n",
              "INC-1,STRANGER\n");
    if (!invalid_on)
        set_param("invalid_case_number", "enabled", 0);
    char who[16], what[16];
    for (int d = 0; d < 30; d++) {
        for (int p = 0; p < 12; p++) {
            snprintf(who, sizeof who, "P%d", p);
            for (int k = 0; k < 3; k++) {
                snprintf(what, sizeof what, "X%d", (d * 37 + p * 11 + k) % 200);
                look(at(d, 8 + p % 8, 10 * k), who, "person", what, k ? "INC-1" : "INC-2");
            }
        }
        for (int k = 0; k < 3; k++) {
            snprintf(what, sizeof what, "X%d", (d * 13 + k) % 200);
            look(at(d, 17, 10 * k), "U1", "person", what, "INC-2");
        }
    }
    for (int k = 0; k < 3; k++) {
        snprintf(what, sizeof what, "X%d", 190 + k);
        look(at(25 + k, 18, 0), "U1", "person", what, "I-2025-999");
    }
    go();
}

/* Where every patrol officer types the numbers of incidents that do not list them, that
 * is the role's normal level for bogus_legitimation. An officer who also types numbers
 * that exist nowhere stands out in invalid_case_number, judged against how often the role
 * types those; the officers who only type incident numbers are not alerted. Without the
 * second view U1 is not alerted either. */
static void test_invalid_case_number_stands_out(void **state)
{
    (void)state;
    invalid_number_world(true);
    assert_int_equal(sigs("invalid_case_number"), 3);
    const struct alert *a = alert_of("U1");
    assert_non_null(a);
    const struct alert_indicator *ai = listed_in(a, "invalid_case_number");
    assert_true(ai->score >= 0.5);
    assert_int_equal(ai->n_events, 3);
    assert_non_null(strstr(ai->text_en, "3 non-existent case, 0 closed case"));
    /* The whole of U1's typed numbers is ordinary for the role. */
    const struct alert_indicator *all = indicator_in(a, "bogus_legitimation");
    assert_true(all == NULL || all->score < ai->score);
    assert_null(alert_of("P0"));
    assert_null(alert_of("P5"));
    restart();

    invalid_number_world(false);
    assert_null(alert_of("U1"));
}

static void test_bogus_negative(void **state)
{
    (void)state;
    put_cases(OPEN_CASE("C-OK", "case") OPEN_CASE("C-NB", "case"), "C-OK,U1\nC-NB,U1\n",
              "C-OK,STRANGER\nC-NB,NEIGH\n");
    look(at(0, 10, 0), "U1", "person", "STRANGER", "C-OK");
    look(at(0, 11, 0), "U1", "vehicle", "NEIGH_CAR", "C-NB");
    go();
    assert_int_equal(sigs("bogus_legitimation"), 0);

    restart();
    put_cases(OPEN_CASE("C-OK", "case") OPEN_CASE("C-OTHER", "case"), "C-OK,U1\nC-OTHER,U1\n",
              "C-OK,STRANGER\n");
    look(at(0, 10, 0), "U1", "person", "STRANGER", "C-OTHER");
    go();
    assert_int_equal(sigs("bogus_legitimation"), 1);
    size_t n;
    alerts(&n);
    assert_int_equal(n, 0);
}

/* The number of an open case of the own unit that holds the record, typed by a colleague
 * the member list does not name (lists are never complete): explained, and no signal even
 * when it happens every day. The same number for a case of high sensitivity, and for a
 * relative who is in the unit's case, is still bogus. */
static void test_bogus_unlisted_own_unit(void **state)
{
    (void)state;
    put_cases(OPEN_CASE("C-OK", "case"), "C-OK,U1\n", "C-OK,CRIM_N\n");
    for (int d = 0; d < 20; d++)
        look(at(d, 10, 0), "U2", "person", "CRIM_N", "C-OK");
    go();
    assert_int_equal(sigs("bogus_legitimation"), 0);

    restart();
    put_cases("C-HI,case,2025-01-01,,UNIT-N,high\n" OPEN_CASE("C-FAM", "case"),
              "C-HI,U4\nC-FAM,U4\n", "C-HI,STRANGER\nC-FAM,SISTER\n");
    look(at(0, 10, 0), "U2", "person", "STRANGER", "C-HI");
    look(at(0, 11, 0), "U1", "person", "SISTER", "C-FAM");
    go();
    assert_int_equal(sigs("bogus_legitimation"), 2);
    assert_int_equal(sigs("relative_lookup"), 1);
}

/* A record the own case does not list, looked up under its number: held for a few days.
 * A fellow member looking it up under the same number within the hold makes it case work
 * and the first signal is dropped; a lookup by the user alone is signalled, by the day
 * closes once the hold is over, or at the end of the run. */
static uint64_t held_bogus_at_day3;

static void count_bogus_at_day3(struct engine *eng, size_t n)
{
    (void)eng;
    if (n == 2)
        held_bogus_at_day3 = sigs("bogus_legitimation");
}

static void test_bogus_own_case_held(void **state)
{
    (void)state;
    put_cases(OPEN_CASE("C-OK", "case"), "C-OK,U1\nC-OK,U2\n", "C-OK,CRIM_N\n");
    look(at(0, 10, 0), "U1", "person", "STRANGER", "C-OK");
    look(at(2, 10, 0), "U2", "person", "STRANGER", "C-OK"); /* the team works on it */
    go();
    assert_int_equal(sigs("bogus_legitimation"), 0);

    restart();
    put_cases(OPEN_CASE("C-OK", "case"), "C-OK,U1\nC-OK,U2\n", "C-OK,CRIM_N\n");
    look(at(0, 10, 0), "U1", "person", "STRANGER", "C-OK");
    look(at(3, 10, 0), "U4", "person", "CRIM_N", NULL);
    look(at(6, 10, 0), "U2", "person", "STRANGER", "C-OK"); /* after the hold */
    go_after = count_bogus_at_day3;
    go();
    go_after = NULL;
    assert_int_equal(held_bogus_at_day3, 0); /* still held on day 3 */
    assert_int_equal(sigs("bogus_legitimation"), 1);

    restart();
    put_cases(OPEN_CASE("C-OK", "case"), "C-OK,U1\n", "C-OK,CRIM_N\n");
    look(at(0, 10, 0), "U1", "person", "STRANGER", "C-OK"); /* judged at the end */
    go();
    assert_int_equal(sigs("bogus_legitimation"), 1);
}

/* The number of a case of high sensitivity that does not list the user, for a record in
 * it: bogus, unless the user writes to the case's file (a modify of the case record) within
 * the hold, which shows the list to be incomplete; a write days after the hold, or to
 * another case, does not clear the lookup. After the write the user's lookups under that
 * number are explained (EX_CASE_WRITER), except of a public figure. */
static void case_write(int64_t ts, const char *user, const char *c)
{
    add_event(ts, &(struct evspec){.user = user,
                                   .system = "Summ-IT",
                                   .action = "modify",
                                   .stype = "case",
                                   .subject = c,
                                   .legit = c});
}

static void test_bogus_unlisted_writer(void **state)
{
    (void)state;
#define HIGH_CASES "C-HI,case,2025-01-01,,UNIT-N,high\nC-HI2,case,2025-01-01,,UNIT-N,high\n"
    put_cases(HIGH_CASES, "C-HI,U4\nC-HI2,U4\n", "C-HI,CRIM_N\nC-HI,VIP\nC-HI2,CRIM_N\n");
    look(at(0, 9, 0), "U2", "person", "CRIM_N", "C-HI"); /* before the write: held */
    case_write(at(1, 10, 0), "U2", "C-HI");
    for (int d = 1; d < 10; d++)
        look(at(d, 11, 0), "U2", "person", "CRIM_N", "C-HI");
    go();
    assert_int_equal(sigs("bogus_legitimation"), 0);

    restart();
    put_cases(HIGH_CASES, "C-HI,U4\nC-HI2,U4\n", "C-HI,CRIM_N\nC-HI,VIP\nC-HI2,CRIM_N\n");
    look(at(0, 9, 0), "U2", "person", "CRIM_N", "C-HI");
    case_write(at(0, 10, 0), "U2", "C-HI2");              /* another case's file */
    case_write(at(6, 10, 0), "U2", "C-HI");               /* after the hold */
    look(at(7, 11, 0), "U2", "person", "VIP", "C-HI");    /* a public figure */
    look(at(7, 12, 0), "U2", "person", "CRIM_N", "C-HI"); /* explained by now */
    go();
    assert_int_equal(sigs("bogus_legitimation"), 2);
#undef HIGH_CASES
}

/* ---- alert level ----------------------------------------------------------------------- */

static double u1_score(void)
{
    const struct alert *a = alert_of("U1");
    assert_non_null(a);
    return a->score;
}

/* Twelve suspicious lookups on two days: all of relatives (one indicator, capped at its
 * weight 0.85), or half of relatives and half of colleagues (two independent indicators).
 * Two days only, so that no person is looked up on three distinct days (which other
 * indicators may count as fixation). */
static void test_alert_independent_beats_repetition(void **state)
{
    (void)state;
    const char *rel[] = {"PARTNER", "CHILD", "SISTER", "HOUSEMATE"};
    for (int k = 0; k < 12; k++)
        lookp(at(k / 6, 9 + k % 6, 0), "U1", rel[k % 4]);
    go();
    double one = u1_score();
    const struct alert *a = alert_of("U1");
    assert_int_equal(a->n_indicators, 1);
    assert_string_equal(a->indicators[0].name, "relative_lookup");
    assert_true(one <= 0.85 + 1e-9); /* the cap per indicator */

    restart();
    const char *mixed[] = {"PARTNER", "CHILD", "E2", "E4"};
    for (int k = 0; k < 12; k++)
        lookp(at(k / 6, 9 + k % 6, 0), "U1", mixed[k % 4]);
    go();
    double two = u1_score();
    a = alert_of("U1");
    assert_int_equal(a->n_indicators, 2);
    assert_true(alert_has(a, "relative_lookup"));
    assert_true(alert_has(a, "colleague_lookup"));
    assert_true(two > one);
    assert_true(two > 0.85);
}

/* Relatives and colleagues of U1, as in the test above, scored with `corroboration`:
 * returns the alert score and sets the two indicators' scores. */
static double two_indicator_score(double corroboration, double *relatives, double *colleagues)
{
    restart();
    const char *mixed[] = {"PARTNER", "CHILD", "E2", "E4"};
    for (int k = 0; k < 12; k++)
        lookp(at(k / 6, 9 + k % 6, 0), "U1", mixed[k % 4]);
    config()->corroboration = corroboration;
    go();
    const struct alert *a = alert_of("U1");
    assert_non_null(a);
    assert_int_equal(a->n_indicators, 2);
    *relatives = score_in(a, "relative_lookup");
    *colleagues = score_in(a, "colleague_lookup");
    return a->score;
}

/* The strongest indicator counts in full, a further one at `corroboration` of its score:
 * 1 is the product rule for independent evidence, 0 the strongest alone. */
static void test_alert_corroboration(void **state)
{
    (void)state;
    double r, c;
    double independent = two_indicator_score(1.0, &r, &c);
    assert_true(r > 0.3 && c > 0.3);
    assert_float_equal(independent, 1 - (1 - r) * (1 - c), 1e-9);
    double r0, c0;
    double strongest = two_indicator_score(0.0, &r0, &c0);
    assert_float_equal(strongest, r0 > c0 ? r0 : c0, 1e-9);
    double rd, cd;
    double discounted = two_indicator_score(0.8, &rd, &cd);
    double top = rd > cd ? rd : cd, other = rd > cd ? cd : rd;
    assert_float_equal(discounted, 1 - (1 - top) * (1 - 0.8 * other), 1e-9);
    assert_true(discounted < independent);
    assert_true(discounted > strongest);
}

/* U8 looks up the public figure alone on day 0 (and the shielded person too when
 * `shielded`), then with U7 and U9 within minutes on day 1: a curiosity wave, which the
 * config lets alert on its own. */
static void wave_after_lone_look(bool shielded)
{
    lookp(at(0, 15, 0), "U8", "VIP");
    if (shielded)
        lookp(at(0, 16, 0), "U8", "SHIELDED");
    lookp(at(1, 9, 0), "U7", "VIP");
    lookp(at(1, 9, 5), "U8", "VIP");
    lookp(at(1, 9, 10), "U9", "VIP");
    set_param("curiosity_wave", "peer_floor", 1);
    config()->alert_threshold = 0.3;
}

/* sensitive_subject and curiosity_wave see one thing, a public figure looked up: an alert
 * counts them as the stronger of the two, not as corroborating each other. With the
 * shielded person, U8's sensitive_subject stays above the other lookers' level (no
 * discount for a signal common in the role here). */
static void test_alert_family_counts_once(void **state)
{
    (void)state;
    wave_after_lone_look(true);
    set_param("sensitive_subject", "peer_floor", 1);
    go();
    const struct alert *a = alert_of("U8");
    assert_non_null(a);
    assert_int_equal(a->n_indicators, 2);
    double wave = score_in(a, "curiosity_wave"), sensitive = score_in(a, "sensitive_subject");
    assert_true(wave > 0.05 && sensitive > 0.05);
    assert_float_equal(a->score, wave > sensitive ? wave : sensitive, 1e-9);
}

/* An alert opened during the day, against the peers of the day before, takes its score
 * from the day close that confirms it: the score an analyst reads is the one the listed
 * indicators give. The wave opens U8's alert at once, when U8 alone has the
 * sensitive_subject signal; at the day close all three lookers have it, and it adds
 * nothing to U8's score any more. */
static void test_alert_early_takes_day_close_score(void **state)
{
    (void)state;
    wave_after_lone_look(false);
    config()->min_indicator = 1e-9;
    go();
    assert_true(engine_stats(R.eng)->alerts_opened_early >= 1);
    const struct alert *a = alert_of("U8");
    assert_non_null(a);
    double keep = 1;
    for (size_t i = 0; i < a->n_indicators; i++)
        keep *= 1 - (i == 0 ? 1.0 : config()->corroboration) * a->indicators[i].score;
    assert_float_equal(a->score, 1 - keep, 1e-9);
}

/* A mixed dataset: relatives, colleagues, a curiosity wave, criminals, bogus cases. U2
 * comes back to colleague E7 on two more days: colleague and criminal lookups on three
 * days are two weak indicators, which corroborate each other less than they add up to. */
static void mixed_events(void)
{
    put_cases(OPEN_CASE("C-OK", "case"), "C-OK,U4\n", "C-OK,STRANGER\n");
    for (int d = 0; d < 3; d++) {
        lookp(at(d, 10, 0), "U1", "PARTNER");
        lookp(at(d, 11, 0), "U1", "E2");
        lookp(at(d, 10, 30), "U2", "E7");
        lookp(at(d, 12, 0), "U2", "CRIM_Z");
        look(at(d, 13, 0), "U8", "person", "STRANGER", "C-NOPE");
        look(at(d, 14, 0), "U8", "person", "CRIM_N", "C-OK");
    }
    for (int d = 3; d < 5; d++)
        lookp(at(d, 10, 30), "U2", "E7");
    lookp(at(1, 9, 0), "U7", "VIP");
    lookp(at(1, 9, 5), "U8", "VIP");
    lookp(at(1, 9, 10), "U9", "VIP");
}

/* A normalised text of all alerts: id, user, score, indicators with their evidence. */
static void alerts_text(struct sbuf *out)
{
    size_t n;
    const struct alert *a = alerts(&n);
    for (size_t i = 0; i < n; i++) {
        sbuf_printf(out, "%s %s %.17g %s\n", a[i].id, a[i].user, a[i].score,
                    a[i].group ? a[i].group : "-");
        for (size_t k = 0; k < a[i].n_indicators; k++) {
            const struct alert_indicator *ai = &a[i].indicators[k];
            sbuf_printf(out, "  %s %.17g %s\n", ai->name, ai->score, ai->text_en);
            for (size_t j = 0; j < ai->n_events; j++)
                sbuf_printf(out, "    %s\n", ai->events[j].event_id);
        }
    }
}

static void test_alert_deterministic(void **state)
{
    (void)state;
    mixed_events();
    go();
    size_t n;
    alerts(&n);
    assert_true(n >= 3); /* enough alerts for the order to matter */
    struct sbuf first = {0}, second = {0};
    alerts_text(&first);
    run_end();
    go(); /* the same files again */
    alerts_text(&second);
    assert_non_null(first.buf);
    assert_non_null(second.buf);
    assert_string_equal(first.buf, second.buf);
    sbuf_free(&first);
    sbuf_free(&second);
}

/* Ten days of relatives, colleagues and neighbours looked up every day: one alert. */
static void test_alert_one_per_episode(void **state)
{
    (void)state;
    for (int d = 0; d < 10; d++) {
        lookp(at(d, 10, 0), "U1", "PARTNER");
        lookp(at(d, 11, 0), "U1", "E2");
        lookp(at(d, 12, 0), "U1", "NEIGH");
        lookp(at(d, 13, 0), "U1", d % 2 ? "CHILD" : "SISTER");
    }
    go();
    assert_true(sigs("relative_lookup") >= 20);
    size_t n;
    const struct alert *a = alerts(&n);
    assert_int_equal(n, 1);
    assert_string_equal(a[0].user, "U1");
    assert_string_equal(a[0].id, "A-000001");
    assert_true(alert_has(&a[0], "relative_lookup"));
    assert_true(alert_has(&a[0], "colleague_lookup"));
    assert_true(alert_has(&a[0], "neighbour_lookup"));
    assert_true(a[0].last_ms > a[0].first_ms + 8 * 86400000LL); /* the alert grew */
}

/* Five busy days of U1's that put U1 far over the threshold; U2's daily routine lookup
 * keeps the days closing until day 44. */
static void busy_days(void)
{
    for (int d = 0; d < 45; d++)
        lookp(at(d, 8, 0), "U2", "STRANGER");
    for (int d = 0; d < 5; d++) {
        lookp(at(d, 10, 0), "U1", "PARTNER");
        lookp(at(d, 11, 0), "U1", "E2");
        lookp(at(d, 12, 0), "U1", "NEIGH");
        lookp(at(d, 13, 0), "U1", d % 2 ? "CHILD" : "SISTER");
    }
}

/* The alert follows the evidence after it opened: a lookup five weeks after the busy days,
 * with the old signals decayed (today's score lower than the peak) but still over the
 * threshold, is cited in the same alert, which keeps its peak score. */
static void test_alert_follows_evidence(void **state)
{
    (void)state;
    busy_days();
    go();
    double peak = alert_of("U1")->score;
    restart();

    busy_days();
    lookp(at(40, 10, 0), "U1", "SISTER");
    go();
    assert_int_equal(alerts_of("U1"), 1);
    const struct alert *a = alert_of("U1");
    assert_float_equal(a->score, peak, 1e-12);
    assert_int_equal(a->last_ms, at(40, 10, 0));
    const struct alert_indicator *rel = listed_in(a, "relative_lookup");
    bool cited = false;
    for (size_t j = 0; j < rel->n_events; j++)
        cited |= rel->events[j].ts_ms == at(40, 10, 0);
    assert_true(cited);
}

/* The other side of episodes: after a quiet spell (the score fell below the threshold and
 * 30 days passed) a new crossing opens a second alert. U2's daily routine lookup keeps the
 * days closing. */
static void test_alert_new_episode_after_quiet(void **state)
{
    (void)state;
    char subj[64];
    for (int d = 0; d < 66; d++) {
        snprintf(subj, sizeof subj, "F-%d", d);
        lookp(at(d, 8, 0), "U2", subj);
    }
    lookp(at(0, 10, 0), "U1", "PARTNER");
    lookp(at(0, 11, 0), "U1", "E2");
    lookp(at(60, 10, 0), "U1", "PARTNER");
    lookp(at(60, 11, 0), "U1", "E2");
    go();
    assert_int_equal(alerts_of("U1"), 2);
    size_t n;
    alerts(&n);
    assert_int_equal(n, 2);
}

/* REGRESSION: a stretch of days without any event at all used to leave the episode open
 * (days were closed only when an event arrived), so the same two crossings 60 days apart
 * gave one alert. The quiet time must pass even when nobody looks anything up. */
static void test_alert_new_episode_after_silent_gap(void **state)
{
    (void)state;
    lookp(at(0, 10, 0), "U1", "PARTNER");
    lookp(at(0, 11, 0), "U1", "E2");
    lookp(at(60, 10, 0), "U1", "PARTNER");
    lookp(at(60, 11, 0), "U1", "E2");
    go();
    assert_int_equal(alerts_of("U1"), 2);
}

/* indicator_set(..., "enabled", 0): the indicator emits nothing and never appears. */
/* ---- signals across instances (docs/scale-out.md, the subject side) --------------------- */

/* A signal caught by the hook of the subject side, to be injected on the employee side
 * right after the event during which it was emitted. */
struct caught {
    struct event ev; /* resolved against the same reference files; id owned below */
    char *id;
    size_t after; /* events fed when it was emitted, that one included */
    int ind;
    float strength;
    uint32_t key, group;
    uint8_t note;
};
static struct caught *caught;
static size_t n_caught, cap_caught;

static void catch_signal(void *ctx, int ind, const struct event *ev, float strength, uint32_t key,
                         uint8_t note, uint32_t group)
{
    (void)ctx;
    caught = xgrow(caught, &cap_caught, n_caught + 1, sizeof *caught);
    struct caught *c = &caught[n_caught++];
    c->ev = *ev;
    c->id = xstrndup(ev->id, ev->id_len);
    c->ev.id = c->id;
    c->after = fed + 1; /* emitted while event number fed + 1 was fed */
    c->ind = ind;
    c->strength = strength;
    c->key = key;
    c->note = note;
    c->group = group;
}

static void start_subject_side(struct engine *eng)
{
    engine_set_signal_hook(eng, catch_signal, NULL);
}

/* End the run, keeping its events and the signal hook, and forget the caught signals: the
 * same events run again, under other settings. */
static void rerun_caught(void)
{
    run_end();
    free_caught();
}

static void start_employee_side(struct engine *eng)
{
    engine_set_remote(eng, indicator_find("curiosity_wave"));
}

static void inject_due(struct engine *eng, size_t n)
{
    for (size_t i = 0; i < n_caught; i++)
        if (caught[i].after == n)
            engine_inject_signal(eng, caught[i].ind, &caught[i].ev, caught[i].strength,
                                 caught[i].key, caught[i].note, caught[i].group);
}

static void free_caught(void)
{
    for (size_t i = 0; i < n_caught; i++)
        free(caught[i].id);
    free(caught);
    caught = NULL;
    n_caught = cap_caught = 0;
}

/* Per alert with a curiosity_wave indicator: user, group, the wave's score and evidence.
 * Not the alert's score, which is the highest the employee reached: an injected signal
 * rescores its employee at once, whereas locally only the looker whose event completed
 * the wave is rescored before the day's close (the earlier lookers wait for it). */
static void wave_alerts_text(struct sbuf *out)
{
    size_t n;
    const struct alert *a = alerts(&n);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < a[i].n_indicators; k++) {
            const struct alert_indicator *ai = &a[i].indicators[k];
            if (strcmp(ai->name, "curiosity_wave") != 0)
                continue;
            sbuf_printf(out, "%s %s %.3f:", a[i].user, a[i].group ? a[i].group : "-", ai->score);
            for (size_t j = 0; j < ai->n_events; j++)
                sbuf_printf(out, " %s", ai->events[j].event_id);
            sbuf_putc(out, '\n');
        }
}

/* So that the wave of mixed_events alone opens alerts: no peer discount for it (a third of
 * this small world joins the wave) and a lower threshold. */
static void wave_config(void)
{
    set_param("curiosity_wave", "peer_floor", 1);
    config()->alert_threshold = 0.3;
}

/* The subject side's hook takes the wave signals instead of storing them (no alerts
 * there); injected on an employee side whose curiosity_wave does not run, after the
 * event that raised them, they count exactly like the local ones: same signal count, the
 * same employees alerted with the same wave score, group and evidence. */
static void test_wave_injected_counts_like_local(void **state)
{
    (void)state;
    mixed_events();
    wave_config();
    go(); /* one instance: the wave is detected and stored locally */
    uint64_t local = sigs("curiosity_wave");
    assert_int_equal(local, 3);
    struct sbuf want = {0}, got = {0};
    wave_alerts_text(&want);
    assert_non_null(want.buf); /* the wave shows in alerts */
    run_end();

    go_start = start_subject_side;
    wave_config();
    for (size_t i = 0; i < indicator_count; i++) /* as `wachter run --role subjects` */
        if (strcmp(indicator_registry[i]->name, "curiosity_wave") != 0)
            set_param(indicator_registry[i]->name, "enabled", 0);
    go();
    assert_int_equal(n_caught, local);
    assert_int_equal(sigs("curiosity_wave"), local); /* counted, not stored */
    wave_alerts_text(&got);
    assert_null(got.buf); /* nothing stored, so no wave in any alert */
    for (size_t i = 0; i < n_caught; i++)
        assert_int_equal(caught[i].ind, indicator_find("curiosity_wave"));
    run_end();

    go_start = start_employee_side;
    go_after = inject_due;
    wave_config();
    go();
    assert_int_equal(sigs("curiosity_wave"), local);
    wave_alerts_text(&got);
    assert_non_null(got.buf);
    assert_string_equal(got.buf, want.buf);
    sbuf_free(&want);
    sbuf_free(&got);
    free_caught();
}

/* Without injection, an employee side never signals curiosity_wave itself. */
static void test_wave_remote_runs_nothing_locally(void **state)
{
    (void)state;
    mixed_events();
    go_start = start_employee_side;
    go();
    assert_int_equal(sigs("curiosity_wave"), 0);
    assert_true(sigs("relative_lookup") > 0); /* the others run as before */
}

/* ---- neighbour_lookup: shared attention (uses the signal hook above) --------------------- */

/* Strength of the first caught signal of indicator `name` on record `subject_id`, or -1. */
static float caught_strength(const char *name, const char *subject_id)
{
    int ind = indicator_find(name);
    for (size_t i = 0; i < n_caught; i++)
        if (caught[i].ind == ind &&
            caught[i].ev.subject == ref_find_subject(&R.ref, subject_id, strlen(subject_id)))
            return caught[i].strength;
    return -1;
}

/* The same for the signal on the event at `ts_ms` (a record looked up on several days). */
static float caught_strength_at(const char *name, int64_t ts_ms)
{
    int ind = indicator_find(name);
    for (size_t i = 0; i < n_caught; i++)
        if (caught[i].ind == ind && caught[i].ev.ts_ms == ts_ms)
            return caught[i].strength;
    return -1;
}

/* The caught signals of indicator `name` are exactly `n`, with these strengths and notes in
 * the order they came. */
static void assert_caught(const char *name, size_t n, const float *strength, const uint8_t *note)
{
    int ind = indicator_find(name);
    size_t k = 0;
    for (size_t i = 0; i < n_caught; i++)
        if (caught[i].ind == ind) {
            assert_true(k < n);
            assert_float_equal(caught[i].strength, strength[k], 1e-6);
            assert_int_equal(caught[i].note, note[k]);
            k++;
        }
    assert_int_equal(k, n);
}

/* Colleagues who look up the same household within three days of the employee's look
 * (an incident next door) make it shared police work: the look is held until those days
 * have passed and then weighs 1 / (1 + those colleagues). Colleagues who looked weeks
 * earlier do not count, nor does a household no one else looked at. */
static void neighbours_shared(void)
{
    lookp(at(0, 10, 0), "U1", "NEIGH");
    lookp(at(1, 9, 0), "U2", "NEIGH");
    look(at(3, 9, 0), "U7", "vehicle", "NEIGH_CAR", NULL);
    lookp(at(5, 9, 0), "U9", "NEIGH2");
    lookp(at(30, 10, 0), "U1", "NEIGH2");
    lookp(at(40, 10, 0), "U1", "PRIV"); /* closes the days of the look on day 30 */
}

static void test_neighbour_shared_attention(void **state)
{
    (void)state;
    go_start = start_subject_side;
    neighbours_shared();
    go();
    assert_int_equal(sigs("neighbour_lookup"), 2);
    assert_float_equal(caught_strength("neighbour_lookup", "NEIGH"), 1.0f / 3, 1e-6);
    assert_float_equal(caught_strength("neighbour_lookup", "NEIGH2"), 1.0f, 1e-6);
    /* Held: the day-0 look signalled only once event time passed its third day; the shared
     * look carries note 8 (shared), the other none. */
    assert_caught("neighbour_lookup", 2, (const float[]){1.0f / 3, 1.0f}, (const uint8_t[]){8, 0});
    int ind = indicator_find("neighbour_lookup");
    for (size_t i = 0; i < n_caught; i++)
        if (caught[i].ind == ind)
            assert_true(caught[i].after >= 4);
}

/* Run with a low alert threshold and check that `user`'s alert lists indicator `name` with
 * an explanation holding `en` and `nl`. */
static void assert_explained(const char *user, const char *name, const char *en, const char *nl)
{
    config()->alert_threshold = 0.05;
    go();
    const struct alert_indicator *ai = listed_in(alert_of(user), name);
    assert_non_null(strstr(ai->text_en, en));
    assert_non_null(strstr(ai->text_nl, nl));
}

/* The explanation counts the shared looks, in both languages. */
static void test_neighbour_shared_explained(void **state)
{
    (void)state;
    neighbours_shared();
    assert_explained("U1", "neighbour_lookup",
                     "0 under the number of an own investigation, 1 of a household colleagues "
                     "looked up too",
                     "1 van een huishouden dat collega's ook raadpleegden");
}

/* A look at a neighbour while off duty is made from home, not on the street: it counts
 * off_duty_factor (2) times, the car's half as well; on duty, and with the factor 1,
 * a look counts as it always did. (U1's roster: shifts on days 0 and 1, leave on day 2.) */
static void test_neighbour_off_duty_weighs_more(void **state)
{
    (void)state;
    go_start = start_subject_side;
    put_schedule(U1_ROSTER);
    lookp(at(0, 10, 0), "U1", "NEIGH");                     /* in the shift */
    look(at(1, 20, 0), "U1", "vehicle", "NEIGH_CAR", NULL); /* four hours after it */
    lookp(at(2, 10, 0), "U1", "NEIGH2");                    /* on leave */
    lookp(at(40, 10, 0), "U1", "PRIV");                     /* closes the held days */
    go();
    assert_int_equal(sigs("neighbour_lookup"), 3);
    assert_float_equal(caught_strength("neighbour_lookup", "NEIGH"), 1.0f, 1e-6);
    assert_float_equal(caught_strength("neighbour_lookup", "NEIGH_CAR"), 1.0f, 1e-6);
    assert_float_equal(caught_strength("neighbour_lookup", "NEIGH2"), 2.0f, 1e-6);

    rerun_caught();
    set_param("neighbour_lookup", "off_duty_factor", 1);
    go();
    assert_float_equal(caught_strength("neighbour_lookup", "NEIGH"), 1.0f, 1e-6);
    assert_float_equal(caught_strength("neighbour_lookup", "NEIGH_CAR"), 0.5f, 1e-6);
    assert_float_equal(caught_strength("neighbour_lookup", "NEIGH2"), 1.0f, 1e-6);
}

/* Well outside the shift a lookup weighs outside_shift_strength (0.6); one on a day that
 * comes back to a person looked up off duty on an earlier day weighs return_strength (2),
 * and with return_strength 1 as on leave. */
static void test_off_duty_coming_back_outside_shift(void **state)
{
    (void)state;
    go_start = start_subject_side;
    put_schedule(U1_ROSTER);
    lookp(at(0, 20, 0), "U1", "STRANGER");
    lookp(at(1, 20, 0), "U1", "STRANGER");
    lookp(at(1, 20, 5), "U1", "PRIV"); /* half the day's lookups come back */
    lookp(at(3, 10, 0), "U1", "E1");   /* closes day 1 */
    go();
    assert_float_equal(caught_strength_at("off_duty", at(0, 20, 0)), 0.6f, 1e-6);
    assert_float_equal(caught_strength_at("off_duty", at(1, 20, 0)), 2.0f, 1e-6);

    rerun_caught();
    set_param("off_duty", "return_strength", 1);
    go();
    assert_float_equal(caught_strength_at("off_duty", at(0, 20, 0)), 0.6f, 1e-6);
    assert_float_equal(caught_strength_at("off_duty", at(1, 20, 0)), 1.0f, 1e-6);
}

/* After a public figure's own record, the figure's car is a profile being drawn: U7 (of
 * another region) looks up VIP and two days later VIP_CAR, neither for a case; the car
 * signals as a look at the figure, weighed alike, and the alert says so. The look-alikes:
 * the car alone is a plate check (test_sensitive_negative_household_vehicle), and so is
 * the car nine days after the figure, or with profile_days 0. */
static void public_figure_then_car(void)
{
    set_param("curiosity_wave", "enabled", 0);
    config()->alert_threshold = 0.05;
    lookp(at(0, 10, 0), "U7", "VIP");
    look(at(2, 10, 0), "U7", "vehicle", "VIP_CAR", NULL);
    look(at(11, 10, 0), "U7", "vehicle", "VIP_CAR", NULL);
}

static void test_sensitive_profile_of_a_public_figure(void **state)
{
    (void)state;
    public_figure_then_car();
    go();
    assert_int_equal(sigs("sensitive_subject"), 2);
    const struct alert_indicator *ai = listed_in(alert_of("U7"), "sensitive_subject");
    assert_non_null(
        strstr(ai->text_en, "1 of the vehicle or address of a public figure looked up"));
    assert_non_null(strstr(ai->text_nl, "1 van voertuig of adres van een eerder geraadpleegd"));

    restart();
    go_start = start_subject_side; /* signals caught, not stored */
    public_figure_then_car();
    go();
    assert_float_equal(caught_strength_at("sensitive_subject", at(2, 10, 0)), 1.0f, 1e-6);
    assert_true(caught_strength_at("sensitive_subject", at(11, 10, 0)) < 0);

    restart();
    set_param("sensitive_subject", "profile_days", 0);
    public_figure_then_car();
    go();
    assert_int_equal(sigs("sensitive_subject"), 1);
}

/* A colleague in an incident around the days of the lookup (E2 in INC-E2, U2's unit's
 * call of day 2, 10:00-12:00; U1 not dispatched) weighs incident_strength (0.25) from
 * three days before it opened to three days after it closed, note 3; in full a week
 * later, and in full throughout with incident_strength 1. Day 0 of the tests is
 * 2025-02-03 (UTC 00:00 is 01:00 local). */
static void test_colleague_in_incident(void **state)
{
    (void)state;
    go_start = start_subject_side;
    put_cases("INC-E2,incident,2025-02-05T10:00:00+01:00,2025-02-05T12:00:00+01:00,UNIT-N,normal\n",
              "INC-E2,U2\n", "INC-E2,E2\n");
    lookp(at(2, 14, 0), "U1", "E2");
    look(at(4, 9, 0), "U1", "vehicle", "E2_CAR", NULL); /* the person is in it: so the car */
    lookp(at(12, 9, 0), "U4", "E2");
    go();
    assert_caught("colleague_lookup", 3, (const float[]){0.25f, 0.6f * 0.25f, 1.0f},
                  (const uint8_t[]){3, 3, 0});

    rerun_caught();
    set_param("colleague_lookup", "incident_strength", 1);
    go();
    assert_float_equal(caught_strength("colleague_lookup", "E2"), 1.0f, 1e-6);
}

/* A criminal in an incident around the days of the lookup (CRIM_Z in INC-Z, a call in Zuid
 * on day 2, 10:00-12:00, U7 dispatched; CRIM_N in INC-N on day 3) is looked up by officers
 * not dispatched to it: the lookup weighs incident_strength (0.25), note 6 plus the
 * region's, in criminal_network and criminal_local alike; CRIM_Z ten days later weighs in
 * full, and so does every lookup with incident_strength 1. */
static void test_criminal_in_incident(void **state)
{
    (void)state;
    go_start = start_subject_side;
    put_cases("INC-Z,incident,2025-02-05T10:00:00+01:00,2025-02-05T12:00:00+01:00,UNIT-Z,normal\n"
              "INC-N,incident,2025-02-06T10:00:00+01:00,2025-02-06T12:00:00+01:00,UNIT-N,normal\n",
              "INC-Z,U7\nINC-N,U4\n", "INC-Z,CRIM_Z\nINC-N,CRIM_N\n");
    lookp(at(2, 14, 0), "U1", "CRIM_Z");  /* other region, the afternoon of the call */
    lookp(at(12, 14, 0), "U1", "CRIM_Z"); /* a week after it closed */
    lookp(at(5, 9, 0), "U2", "CRIM_N");   /* own region, two days after its call */
    go();
    assert_caught("criminal_network", 2, (const float[]){0.25f, 1.0f}, (const uint8_t[]){6, 0});
    assert_caught("criminal_local", 1, (const float[]){0.25f}, (const uint8_t[]){7});

    rerun_caught();
    set_param("criminal_network", "incident_strength", 1);
    set_param("criminal_local", "incident_strength", 1);
    go();
    assert_caught("criminal_network", 2, (const float[]){1.0f, 1.0f}, (const uint8_t[]){6, 0});
    assert_caught("criminal_local", 1, (const float[]){1.0f}, (const uint8_t[]){7});
}

/* The explanation counts the lookups of a criminal in an incident, in both languages. */
static void test_criminal_in_incident_explained(void **state)
{
    (void)state;
    put_cases("INC-Z,incident,2025-02-05T10:00:00+01:00,2025-02-05T12:00:00+01:00,UNIT-Z,normal\n",
              "INC-Z,U7\n", "INC-Z,CRIM_Z\n");
    lookp(at(2, 14, 0), "U1", "CRIM_Z");
    lookp(at(12, 14, 0), "U1", "CRIM_Z");
    assert_explained("U1", "criminal_network",
                     ", 1 of a criminal in an incident of those days (both",
                     ", 1 van een crimineel in een incident van die dagen");
}

/* C-U1: an open investigation that lists U1 and holds STRANGER only, so a lookup under its
 * number of any other record is one "under the number of an own investigation". */
static void put_own_investigation(void)
{
    put_cases(OPEN_CASE("C-U1", "case"), "C-U1,U1\n", "C-U1,STRANGER\n");
}

/* A colleague looked up under the number of the employee's own open investigation that
 * does not list them (U1 on C-U1, which holds STRANGER) is registered work on the case:
 * it weighs own_case_strength (0.25), note 4. The look-alikes weigh in full: the same
 * number typed by U4, who does not work on the case, the colleague looked up without a
 * number (U7), and U1's lookup again with own_case_strength 1. */
static void test_colleague_under_own_investigation(void **state)
{
    (void)state;
    go_start = start_subject_side;
    put_own_investigation();
    look(at(1, 10, 0), "U1", "person", "E2", "C-U1");
    look(at(1, 11, 0), "U4", "person", "E2", "C-U1");
    lookp(at(1, 12, 0), "U7", "E2");
    go();
    assert_caught("colleague_lookup", 3, (const float[]){0.25f, 1.0f, 1.0f},
                  (const uint8_t[]){4, 0, 0});

    rerun_caught();
    set_param("colleague_lookup", "own_case_strength", 1);
    go();
    assert_float_equal(caught_strength_at("colleague_lookup", at(1, 10, 0)), 1.0f, 1e-6);
}

/* The household of test_fixation_positive, looked up once under the number of U1's own
 * investigation C-U1 (which holds STRANGER, not PRIV) before its days signal: registered
 * under the case, its signals weigh own_case_strength (0.25), notes NOTE_OWN_CASE on, and
 * say so. With own_case_strength 1 they weigh in full, noted alike. */
static void private_household_under_own_case(void)
{
    put_own_investigation();
    look(at(0, 10, 0), "U1", "person", "PRIV", "C-U1");
    look(at(7, 10, 0), "U1", "vehicle", "PRIV_CAR", NULL);
    look(at(14, 10, 0), "U1", "address", "PRIV_ADDR", NULL);
    lookp(at(21, 10, 0), "U1", "PRIV");
    look(at(28, 10, 0), "U1", "vehicle", "PRIV_CAR", NULL);
}

static void test_fixation_under_own_investigation(void **state)
{
    (void)state;
    go_start = start_subject_side;
    private_household_under_own_case();
    go();
    assert_caught("private_fixation", 2, (const float[]){0.8f * 0.25f, 0.25f},
                  (const uint8_t[]){6, 7});

    restart();
    go_start = NULL;
    private_household_under_own_case();
    config()->alert_threshold = 0.05;
    go();
    const struct alert_indicator *ai = listed_in(alert_of("U1"), "private_fixation");
    assert_non_null(strstr(ai->text_en, "2 of a household looked up under the number of an own"));
    assert_non_null(strstr(ai->text_nl, "2 van een huishouden geraadpleegd onder het nummer"));

    restart();
    free_caught();
    go_start = start_subject_side;
    set_param("private_fixation", "own_case_strength", 1);
    private_household_under_own_case();
    go();
    assert_caught("private_fixation", 2, (const float[]){0.8f, 1.0f}, (const uint8_t[]){6, 7});
}

/* A neighbour looked up under the number of U1's own investigation C-U1 (which holds
 * STRANGER, not NEIGH) is registered under the case: the look weighs own_case_strength
 * (0.25), note 4; NEIGH2 looked up without a number weighs in full, and so does NEIGH with
 * own_case_strength 1. */
static void test_neighbour_under_own_investigation(void **state)
{
    (void)state;
    go_start = start_subject_side;
    put_own_investigation();
    look(at(0, 10, 0), "U1", "person", "NEIGH", "C-U1");
    lookp(at(1, 10, 0), "U1", "NEIGH2");
    lookp(at(40, 10, 0), "U1", "PRIV"); /* closes the held days */
    go();
    assert_caught("neighbour_lookup", 2, (const float[]){0.25f, 1.0f}, (const uint8_t[]){4, 0});

    rerun_caught();
    set_param("neighbour_lookup", "own_case_strength", 1);
    go();
    assert_float_equal(caught_strength("neighbour_lookup", "NEIGH"), 1.0f, 1e-6);
}

/* A plate check on a colleague's car with the keeper's record after it (U1: E2_CAR, E2
 * two minutes later) is one plate check: the person record weighs as the car, 0.6. The
 * same person record looked up eleven minutes after the car (U4), or before it (U7), or
 * by someone who never looked at the car (U9), weighs in full. */
static void test_colleague_keeper_after_car(void **state)
{
    (void)state;
    go_start = start_subject_side;
    look(at(0, 10, 0), "U1", "vehicle", "E2_CAR", NULL);
    lookp(at(0, 10, 2), "U1", "E2");
    look(at(1, 10, 0), "U4", "vehicle", "E2_CAR", NULL);
    lookp(at(1, 10, 11), "U4", "E2");
    lookp(at(2, 10, 0), "U7", "E2");
    look(at(2, 10, 2), "U7", "vehicle", "E2_CAR", NULL);
    lookp(at(3, 10, 0), "U9", "E2");
    go();
    int ind = indicator_find("colleague_lookup");
    uint32_t person = ref_find_subject(&R.ref, "E2", 2);
    static const char *const users[] = {"U1", "U4", "U7", "U9"};
    static const float want[] = {0.6f, 1.0f, 1.0f, 1.0f};
    size_t seen = 0;
    for (size_t i = 0; i < n_caught; i++) {
        if (caught[i].ind != ind || caught[i].ev.subject != person)
            continue;
        for (size_t k = 0; k < 4; k++)
            if (caught[i].ev.user == ref_find_employee(&R.ref, users[k], 2)) {
                assert_float_equal(caught[i].strength, want[k], 1e-6);
                seen++;
            }
    }
    assert_int_equal(seen, 4);
}

/* Team-mates looking up the same colleague around the same days is the team's work: U4
 * and U5 (both team T4) look up E2 (team T2) on days 0 and 2, so each look weighs 1/2 and
 * carries note 5, held until its days have passed. Not discounted: a look by someone of another
 * team (U6 at E7 with U1 of T1), a team-mate's look 12 days earlier (U5 at E9 on day 8, U4 on day
 * 20), and team-mates looking up one of their own team (U4 and U6 at E5, U5's record). With
 * team_days 0 E2's looks weigh 1 and signal at once. */
static void colleagues_and_team_mates(void)
{
    lookp(at(0, 10, 0), "U4", "E2");
    lookp(at(2, 10, 0), "U5", "E2");
    lookp(at(8, 10, 0), "U5", "E9");
    lookp(at(10, 10, 0), "U6", "E7");
    lookp(at(10, 11, 0), "U1", "E7");
    lookp(at(20, 10, 0), "U4", "E9");
    lookp(at(30, 10, 0), "U4", "E5");
    lookp(at(30, 11, 0), "U6", "E5");
    lookp(at(40, 10, 0), "U1", "PRIV"); /* closes the held days */
}

static void test_colleague_team_mates_shared(void **state)
{
    (void)state;
    go_start = start_subject_side;
    colleagues_and_team_mates();
    go();
    assert_int_equal(sigs("colleague_lookup"), 8);
    const float want[] = {0.5f, 0.5f, 1, 1, 1, 1, 1, 1};
    const int64_t when[] = {at(0, 10, 0),  at(2, 10, 0),  at(8, 10, 0),  at(10, 10, 0),
                            at(10, 11, 0), at(20, 10, 0), at(30, 10, 0), at(30, 11, 0)};
    for (size_t i = 0; i < 8; i++)
        assert_float_equal(caught_strength_at("colleague_lookup", when[i]), want[i], 1e-6);
    int ind = indicator_find("colleague_lookup");
    /* Notes: 5 where team-mates looked too, 0 for a colleague of another team, 2 own team. */
    const uint8_t note[] = {5, 5, 0, 0, 0, 0, 2, 2};
    for (size_t i = 0; i < n_caught; i++)
        for (size_t k = 0; k < 8; k++)
            if (caught[i].ind == ind && caught[i].ev.ts_ms == when[k])
                assert_int_equal(caught[i].note, note[k]);
    for (size_t i = 0; i < n_caught; i++)
        if (caught[i].ind == ind && caught[i].ev.ts_ms == at(0, 10, 0))
            assert_int_equal(caught[i].after, 3); /* held until day 3 closed: event 3, day 8 */
        else if (caught[i].ind == ind && caught[i].ev.ts_ms == at(30, 10, 0))
            assert_int_equal(caught[i].after, 7); /* own team: signalled at once */

    rerun_caught();
    set_param("colleague_lookup", "team_days", 0);
    go();
    assert_float_equal(caught_strength_at("colleague_lookup", at(0, 10, 0)), 1.0f, 1e-6);
    assert_float_equal(caught_strength_at("colleague_lookup", at(2, 10, 0)), 1.0f, 1e-6);
    for (size_t i = 0; i < n_caught; i++)
        if (caught[i].ind == ind && caught[i].ev.ts_ms == at(0, 10, 0))
            assert_int_equal(caught[i].after, 1);
}

/* The explanation counts the lookups that team-mates shared, in both languages: U4's E2
 * (shared), E9 (not) and E5 (own team). */
static void test_colleague_team_mates_explained(void **state)
{
    (void)state;
    colleagues_and_team_mates();
    assert_explained("U4", "colleague_lookup",
                     "1 of the own team, 0 of a colleague in an incident, 0 under the number of "
                     "an own investigation that does not list them, 1 of a colleague team-mates "
                     "looked up",
                     "1 van een collega die teamgenoten ook raadpleegden");
}

/* Team names repeat across units: E10's team "T4" in UNIT-Z is not the team T4 of U4 and
 * U5 in UNIT-N. So E10 is a colleague outside their team (not note 2), and the two
 * team-mates' looks at E10 on days 0 and 1 weigh 1/2 each, note 5. */
static void test_colleague_team_name_in_other_unit(void **state)
{
    (void)state;
    go_start = start_subject_side;
    put_employees("U10,E10,UNIT-Z,T4,patrol,Kok,1000AA,5,2010-01-01,\n");
    lookp(at(0, 10, 0), "U4", "E10");
    lookp(at(1, 10, 0), "U5", "E10");
    lookp(at(40, 10, 0), "U1", "PRIV"); /* closes the held days */
    go();
    assert_caught("colleague_lookup", 2, (const float[]){0.5f, 0.5f}, (const uint8_t[]){5, 5});
}

/* A wave on a person who is in an incident (STRANGER, in INC-S of day 0, 08:00-10:00,
 * which lists only U5) signals at incident_strength: 0.6 x 0.25, note 3. The same five
 * lookers on a person in no incident (PRIV, a week later): 0.6, note 1. */
static void test_wave_person_in_incident(void **state)
{
    (void)state;
    go_start = start_subject_side;
    put_cases("INC-S,incident,2025-02-03T08:00:00+01:00,2025-02-03T10:00:00+01:00,UNIT-Z,"
              "normal\n",
              "INC-S,U5\n", "INC-S,STRANGER\n");
    const char *who[] = {"U1", "U3", "U7", "U8", "U9"};
    for (int i = 0; i < 5; i++) {
        lookp(at(0, 11 + i, 0), who[i], "STRANGER");
        lookp(at(7, 11 + i, 0), who[i], "PRIV");
    }
    go();
    assert_int_equal(sigs("curiosity_wave"), 10);
    int ind = indicator_find("curiosity_wave");
    uint32_t stranger = ref_find_subject(&R.ref, "STRANGER", 8);
    for (size_t i = 0; i < n_caught; i++) {
        if (caught[i].ind != ind)
            continue;
        bool incident = caught[i].ev.subject == stranger;
        assert_float_equal(caught[i].strength, incident ? 0.6f * 0.25f : 0.6f, 1e-6);
        assert_int_equal(caught[i].note, incident ? 3 : 1);
    }
}

/* Signals held for a few days are judged on their own days also when a stretch without
 * any events follows (every event of the force missing for weeks: a feed that stopped).
 * U1's neighbour looks on days 8-10 are held three days; then nothing happens until day
 * 60. The days right after day 10 are closed one by one, so the looks signal then, and
 * the alert opens within days, not at the end of the stretch with the signals decayed. */
static void test_held_over_silent_stretch(void **state)
{
    (void)state;
    for (int d = 0; d <= 10; d++)
        lookp(at(d, 8, 0), "U2", "STRANGER");
    for (int d = 8; d <= 10; d++) {
        lookp(at(d, 10, 0), "U1", "NEIGH");
        lookp(at(d, 11, 0), "U1", "NEIGH2");
        look(at(d, 12, 0), "U1", "address", "NEIGH_ADDR", NULL);
    }
    lookp(at(60, 10, 0), "U2", "STRANGER");
    go();
    const struct alert *a = alert_of("U1");
    assert_non_null(a);
    assert_true(alert_has(a, "neighbour_lookup"));
    assert_true(a->opened_ms < at(20, 0, 0));
}

/* Relatives (shared_weight 0.5): U7 and U8 look at the partner earlier on the day of U1's
 * look (the partner's own incident), so U1's look weighs 1 / (1 + 0.5 x 2). U7 looked at
 * the child three weeks before U1 does, U8 at the sister the day after U1: neither
 * counts. Unlike neighbour_lookup nothing is held: each signal comes with its own event.
 * (Of another unit: a unit-mate's look at U1's family would count as a chance hit, see
 * test_relative_chance.) With shared_weight 0 the partner weighs in full. */
static void test_relative_shared_attention(void **state)
{
    (void)state;
    go_start = start_subject_side;
    lookp(at(0, 8, 0), "U7", "PARTNER");
    lookp(at(0, 9, 0), "U8", "PARTNER");
    lookp(at(0, 10, 0), "U1", "PARTNER"); /* event 3 */
    lookp(at(9, 9, 0), "U7", "CHILD");
    lookp(at(30, 10, 0), "U1", "CHILD");  /* event 5 */
    lookp(at(30, 11, 0), "U1", "SISTER"); /* event 6 */
    lookp(at(31, 9, 0), "U8", "SISTER");
    go();
    assert_int_equal(sigs("relative_lookup"), 3);
    assert_float_equal(caught_strength("relative_lookup", "PARTNER"), 0.5f, 1e-6);
    assert_float_equal(caught_strength("relative_lookup", "CHILD"), 0.8f, 1e-6);
    assert_float_equal(caught_strength("relative_lookup", "SISTER"), 0.8f, 1e-6);
    int ind = indicator_find("relative_lookup");
    size_t want_after[] = {3, 5, 6}, k = 0;
    for (size_t i = 0; i < n_caught; i++)
        if (caught[i].ind == ind)
            assert_int_equal(caught[i].after, want_after[k++]);

    rerun_caught();
    set_param("relative_lookup", "shared_weight", 0);
    go();
    assert_float_equal(caught_strength("relative_lookup", "PARTNER"), 1.0f, 1e-6);
}

static void test_indicator_disabled(void **state)
{
    (void)state;
    lookp(at(0, 10, 0), "U1", "PARTNER");
    lookp(at(0, 11, 0), "U1", "CHILD");
    lookp(at(0, 12, 0), "U1", "SISTER");
    go();
    assert_int_equal(sigs("relative_lookup"), 3);
    assert_non_null(alert_of("U1"));

    run_end();
    set_param("relative_lookup", "enabled", 0);
    go();
    assert_int_equal(sigs("relative_lookup"), 0);
    assert_int_equal(all_sigs(), 0);
    size_t n;
    alerts(&n);
    assert_int_equal(n, 0);

    /* A disabled indicator with its own state (curiosity_wave) is not created at all. */
    restart();
    set_param("curiosity_wave", "enabled", 0);
    lookp(at(0, 9, 0), "U1", "VIP");
    lookp(at(0, 13, 0), "U2", "VIP");
    lookp(at(1, 8, 0), "U7", "VIP");
    go();
    assert_int_equal(sigs("curiosity_wave"), 0);
    assert_int_equal(sigs("sensitive_subject"), 3);
}

/* ---- coverage ---------------------------------------------------------------------------- */

/* The indicators this file has a positive and a negative case for. An indicator added to
 * the registry without cases here fails this test: add its cases, then its name. */
static const char *const covered[] = {
    "relative_lookup",     "neighbour_lookup", "colleague_lookup", "self_lookup",
    "sensitive_subject",   "curiosity_wave",   "criminal_network", "off_duty",
    "volume_breadth",      "bulk_export",      "rare_access",      "bogus_legitimation",
    "private_fixation",    "case_file_export", "borrowed_session", "practice_session",
    "invalid_case_number", "criminal_local",
};

static void test_every_indicator_covered(void **state)
{
    (void)state;
    size_t n_covered = sizeof covered / sizeof *covered;
    for (size_t i = 0; i < indicator_count; i++) {
        bool found = false;
        for (size_t k = 0; k < n_covered && !found; k++)
            found = strcmp(indicator_registry[i]->name, covered[k]) == 0;
        if (!found)
            fail_msg("indicator %s has no cases in test_indicators.c", indicator_registry[i]->name);
    }
    for (size_t k = 0; k < n_covered; k++)
        assert_true(indicator_find(covered[k]) >= 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_every_indicator_covered),
        T(test_relative_positive),
        T(test_relative_in_law),
        T(test_relative_ex_partners_partner),
        T(test_relative_shared_attention),
        T(test_held_over_silent_stretch),
        T(test_relative_negative_incident),
        T(test_relative_chance),
        T(test_relative_chance_moment),
        T(test_relative_chance_without_relations),
        T(test_borrowed_positive),
        T(test_borrowed_negative),
        T(test_borrowed_own_family_and_single),
        T(test_neighbour_positive),
        T(test_neighbour_negative_case),
        T(test_neighbour_shared_attention),
        T(test_neighbour_shared_explained),
        T(test_neighbour_off_duty_weighs_more),
        T(test_neighbour_under_own_investigation),
        T(test_neighbour_one_look_per_household_day),
        T(test_neighbour_colleague_counts),
        T(test_neighbour_alert_slow_returns),
        T(test_neighbour_negative_plate_check),
        T(test_colleague_positive),
        T(test_colleague_in_incident),
        T(test_colleague_keeper_after_car),
        T(test_colleague_team_mates_shared),
        T(test_colleague_team_mates_explained),
        T(test_colleague_team_name_in_other_unit),
        T(test_colleague_under_own_investigation),
        T(test_colleague_negative_integrity_case),
        T(test_colleague_integrity_case_unlisted),
        T(test_self_positive),
        T(test_self_negative_case),
        T(test_practice_positive),
        T(test_practice_negative),
        T(test_practice_negative_not_trainee),
        T(test_sensitive_positive),
        T(test_sensitive_negative_case_team),
        T(test_sensitive_negative_household_vehicle),
        T(test_sensitive_own_region_weighs_less),
        T(test_sensitive_profile_of_a_public_figure),
        T(test_wave_positive_vip),
        T(test_wave_positive_case_team_not_signalled),
        T(test_wave_positive_ordinary_person),
        T(test_wave_positive_remote_lookers),
        T(test_wave_negative_local_figure_usual_rate),
        T(test_wave_repeats_signalled),
        T(test_wave_negative_one_team),
        T(test_wave_negative_all_case_members),
        T(test_wave_case_team_unlisted_record),
        T(test_wave_negative_incident),
        T(test_wave_person_in_incident),
        T(test_wave_positive_news),
        T(test_wave_positive_news_where_figures_are_looked_up),
        T(test_wave_negative_news),
        T(test_sensitive_name_search_detour),
        T(test_sensitive_name_search_not_a_detour),
        T(test_criminal_positive),
        T(test_criminal_once_a_day),
        T(test_criminal_negative),
        T(test_criminal_weighed_by_system),
        T(test_criminal_system_share_needs_peers),
        T(test_criminal_local),
        T(test_criminal_in_incident),
        T(test_criminal_in_incident_explained),
        T(test_unknown_roles_are_own_peer_groups),
        T(test_small_role_judged_mildly),
        T(test_few_peers_raise_normal_level),
        T(test_colleague_judged_per_volume),
        T(test_off_duty_positive),
        T(test_off_duty_negative),
        T(test_off_duty_leave_days_alert),
        T(test_off_duty_negative_working_days),
        T(test_off_duty_coming_back),
        T(test_off_duty_same_day_revisit),
        T(test_off_duty_coming_back_outside_shift),
        T(test_off_duty_analyst_criminal_work),
        T(test_fixation_positive),
        T(test_fixation_negative),
        T(test_fixation_one_sharer_weighs_half),
        T(test_fixation_under_own_investigation),
        T(test_fixation_namesake_positive),
        T(test_fixation_namesake_negative),
        T(test_volume_positive),
        T(test_volume_negative_busy_night),
        T(test_volume_wildcards),
        T(test_export_positive),
        T(test_export_negative),
        T(test_export_one_by_one),
        T(test_export_role_without_days),
        T(test_export_first_days),
        T(test_export_explained),
        T(test_case_file_export_positive),
        T(test_case_file_export_negative),
        T(test_rare_positive),
        T(test_rare_negative),
        T(test_rare_alone_stays_under_threshold),
        T(test_bogus_positive),
        T(test_bogus_negative),
        T(test_invalid_case_number_stands_out),
        T(test_bogus_unlisted_own_unit),
        T(test_bogus_unlisted_writer),
        T(test_bogus_own_case_held),
        T(test_alert_independent_beats_repetition),
        T(test_alert_corroboration),
        T(test_alert_family_counts_once),
        T(test_alert_early_takes_day_close_score),
        T(test_alert_deterministic),
        T(test_alert_one_per_episode),
        T(test_alert_follows_evidence),
        T(test_alert_new_episode_after_quiet),
        T(test_alert_new_episode_after_silent_gap),
        T(test_indicator_disabled),
        T(test_wave_injected_counts_like_local),
        T(test_wave_remote_runs_nothing_locally),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
