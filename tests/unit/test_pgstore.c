/*
 * test_pgstore.c - the store's write path on PostgreSQL, and the same behaviour checks
 * on SQLite: every check below runs twice, as "sqlite_<name>" against a fresh database
 * file and as "pg_<name>" against a fresh PostgreSQL database, so the two backends are
 * held to one contract (store.h). Checks that only one backend has (the workbench's
 * refusal on PostgreSQL) run once.
 *
 * PostgreSQL comes from the environment: WACHTER_PG_URL is the URL of a database on a
 * server where that user may create databases (each check creates its own database,
 * wachter_t<pid>_<n>, next to it and drops it afterwards). Without WACHTER_PG_URL the
 * program fails, saying how to start one:
 *
 *     url=$(scripts/pg-test-server.sh start /tmp/wachter-pg 55432)
 *     WACHTER_PG_URL=$url build/rel/unit/test_pgstore
 *     scripts/pg-test-server.sh stop /tmp/wachter-pg
 *
 * The checks write through the store API and read back through a plain connection of
 * their own (sqlite3 or libpq), in SQL that both backends understand where possible.
 * SQL in this file is test scaffolding with constant text; the store itself binds every
 * value as a parameter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "store/store.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REAL_USER "U004211"
#define HOW_TO_RUN                                                                                 \
    "WACHTER_PG_URL is not set: run this test against a throwaway server, e.g.\n"                  \
    "    url=$(scripts/pg-test-server.sh start /tmp/wachter-pg 55432)\n"                           \
    "    WACHTER_PG_URL=$url build/rel/unit/test_pgstore\n"                                        \
    "    scripts/pg-test-server.sh stop /tmp/wachter-pg"

/* ---- fixtures: one fresh database per check ------------------------------------------- */

struct fx {
    bool pg;
    char target[512]; /* what store_open gets: a file path or a URL */
    char dir[64];     /* SQLite: the temporary directory */
    char dbname[64];  /* PostgreSQL: the check's database */
    sqlite3 *lite;    /* the plain connection, opened on first use */
    PGconn *conn;
};

static const char *pg_url; /* WACHTER_PG_URL */
static int pg_serial;

/* `url` with its database name replaced by `dbname`. */
static void url_with_db(const char *url, const char *dbname, char *out, size_t size)
{
    const char *auth = strstr(url, "://");
    auth = auth != NULL ? auth + 3 : url;
    size_t prefix = (size_t)(auth - url) + strcspn(auth, "/?");
    const char *query = strchr(url + prefix, '?');
    snprintf(out, size, "%.*s/%s%s", (int)prefix, url, dbname, query != NULL ? query : "");
}

/* Run constant SQL on the server's database WACHTER_PG_URL (to create or drop ours). */
static int admin_exec(const char *sql)
{
    PGconn *c = PQconnectdb(pg_url);
    int rc = -1;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexec(c, sql);
        rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
        if (rc != 0)
            print_error("%s: %s\n", sql, PQresultErrorMessage(r));
        PQclear(r);
    } else {
        print_error("%s: %s\n", pg_url, PQerrorMessage(c));
    }
    PQfinish(c);
    return rc;
}

static int setup_sqlite(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    if (tmpdir_make("pgstore") != 0) {
        free(f);
        return -1;
    }
    strcpy(f->dir, dir);
    snprintf(f->target, sizeof f->target, "%s/wachter.db", f->dir);
    *state = f;
    return 0;
}

static int setup_pg(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    f->pg = true;
    snprintf(f->dbname, sizeof f->dbname, "wachter_t%ld_%d", (long)getpid(), ++pg_serial);
    url_with_db(pg_url, f->dbname, f->target, sizeof f->target);
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", f->dbname);
    if (admin_exec(sql) != 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    int rc = 0;
    if (f->lite != NULL)
        sqlite3_close(f->lite);
    PQfinish(f->conn);
    if (f->pg) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", f->dbname);
        rc = admin_exec(sql);
    } else {
        rc = tmpdir_remove();
    }
    free(f);
    return rc;
}

/* ---- the plain connection ------------------------------------------------------------ */

static void raw_connect(struct fx *f)
{
    if (f->pg && f->conn == NULL) {
        f->conn = PQconnectdb(f->target);
        if (PQstatus(f->conn) != CONNECTION_OK)
            fail_msg("%s: %s", f->target, PQerrorMessage(f->conn));
    } else if (!f->pg && f->lite == NULL) {
        assert_int_equal(
            sqlite3_open_v2(f->target, &f->lite, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
            SQLITE_OK);
    }
}

/* Run SQL that returns no rows; true when it succeeded. */
static bool q_exec(struct fx *f, const char *sql)
{
    raw_connect(f);
    if (!f->pg)
        return sqlite3_exec(f->lite, sql, NULL, NULL, NULL) == SQLITE_OK;
    PGresult *r = PQexec(f->conn, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    return ok;
}

/* The first column of the first row as text ("(null)" for NULL); a boolean is "1"/"0". */
static void q_text(struct fx *f, const char *sql, char *out, size_t size)
{
    raw_connect(f);
    if (!f->pg) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(f->lite, sql, -1, &s, NULL) != SQLITE_OK)
            fail_msg("%s: %s", sql, sqlite3_errmsg(f->lite));
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        const char *t = (const char *)sqlite3_column_text(s, 0);
        snprintf(out, size, "%s", t != NULL ? t : "(null)");
        sqlite3_finalize(s);
        return;
    }
    PGresult *r = PQexec(f->conn, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    const char *t = PQgetisnull(r, 0, 0) ? "(null)" : PQgetvalue(r, 0, 0);
    if (PQftype(r, 0) == 16 /* BOOLOID */)
        t = strcmp(t, "t") == 0 ? "1" : "0";
    snprintf(out, size, "%s", t);
    PQclear(r);
}

static int64_t q_int(struct fx *f, const char *sql)
{
    char text[64];
    q_text(f, sql, text, sizeof text);
    return strtoll(text, NULL, 10);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append every row of every table to `out`, rows sorted, so that two dumps are equal
 * exactly when the databases hold the same rows. */
static void q_dump(struct fx *f, struct sbuf *out)
{
    raw_connect(f);
    if (f->pg) {
        PGresult *t = PQexec(f->conn, "SELECT tablename FROM pg_tables WHERE schemaname = "
                                      "current_schema() ORDER BY 1");
        assert_int_equal(PQresultStatus(t), PGRES_TUPLES_OK);
        for (int i = 0; i < PQntuples(t); i++) {
            char sql[256];
            snprintf(sql, sizeof sql,
                     "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') "
                     "FROM \"%s\" t",
                     PQgetvalue(t, i, 0));
            PGresult *r = PQexec(f->conn, sql);
            assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
            sbuf_printf(out, "== %s\n%s\n", PQgetvalue(t, i, 0), PQgetvalue(r, 0, 0));
            PQclear(r);
        }
        PQclear(t);
        return;
    }
    sqlite3_stmt *t = NULL;
    assert_int_equal(sqlite3_prepare_v2(f->lite,
                                        "SELECT name FROM sqlite_schema WHERE type = 'table' "
                                        "ORDER BY name",
                                        -1, &t, NULL),
                     SQLITE_OK);
    while (sqlite3_step(t) == SQLITE_ROW) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", sqlite3_column_text(t, 0));
        sqlite3_stmt *s = NULL;
        assert_int_equal(sqlite3_prepare_v2(f->lite, sql, -1, &s, NULL), SQLITE_OK);
        char **lines = NULL;
        size_t n = 0, cap = 0;
        while (sqlite3_step(s) == SQLITE_ROW) {
            struct sbuf line = {0};
            for (int c = 0; c < sqlite3_column_count(s); c++) {
                const unsigned char *v = sqlite3_column_blob(s, c);
                int len = sqlite3_column_bytes(s, c);
                sbuf_putc(&line, '|');
                for (int k = 0; v != NULL && k < len; k++)
                    sbuf_printf(&line, "%02x", v[k]);
            }
            lines = xgrow(lines, &cap, n + 1, sizeof *lines);
            lines[n++] = line.buf != NULL ? line.buf : xstrdup("");
        }
        sqlite3_finalize(s);
        if (n > 0)
            qsort(lines, n, sizeof *lines, cmp_str);
        sbuf_printf(out, "== %s\n", sqlite3_column_text(t, 0));
        for (size_t i = 0; i < n; i++) {
            sbuf_printf(out, "%s\n", lines[i]);
            free(lines[i]);
        }
        free(lines);
    }
    sqlite3_finalize(t);
}

/* The schema version as the database records it. */
static int64_t q_version(struct fx *f)
{
    return q_int(f, f->pg ? "SELECT max(version) FROM wachter_schema" : "PRAGMA user_version");
}

/* Open the fixture's store, failing the check with the store's message when it cannot. */
static struct store *open_store(const struct fx *f)
{
    struct err e = {{0}};
    struct store *st = store_open(f->target, &e);
    if (st == NULL)
        fail_msg("%s", e.msg);
    return st;
}

/* ---- test alerts --------------------------------------------------------------------- */

static const struct evidence evidence_a[] = {
    {"bv-88123", 1738617249000, "BlueView", "search_person", "person", "NL-P-771", "", "relative"},
    {"bv-90551", 1741730571250, "BlueView", "view_person", "person", "NL-P-772", "2025-CASE-1",
     "relative, same household"},
};
static const struct evidence evidence_b[] = {
    {"meos-17", 1740000000000, "MEOS", "plate_check", "vehicle", "XX-123-Y", "", "colleague's car"},
};
static const struct evidence evidence_c[] = {
    {"bv-99001", 1741800000000, "BlueView", "view_person", "person", "NL-P-773", "", "again"},
    {"bv-99002", 1741800060000, "BlueView", "view_person", "person", "NL-P-774", "", "again"},
    {"bv-99003", 1741800120000, "BlueView", "view_person", "person", "NL-P-775", "", "again"},
};

static const struct alert_indicator indicators_a[] = {
    {"relative_lookup", 0.91, "2 queries on relatives (same household) without a case",
     "2 zoekvragen naar familie (zelfde huishouden) zonder zaak", "never before", "nooit eerder",
     evidence_a, 2},
    {"off_hours", 0.4, "lookups at night", "raadplegingen 's nachts", "", "", evidence_a + 1, 1},
};
static const struct alert_indicator indicators_b[] = {
    {"colleague_lookup", 0.7, "a colleague's car", "auto van een collega", "", "", evidence_b, 1},
};
/* Alert A-000001 as it grows: new evidence for its first indicator, one indicator more. */
static const struct alert_indicator indicators_a_grown[] = {
    {"relative_lookup", 0.95, "5 queries on relatives without a case",
     "5 zoekvragen naar familie zonder zaak", "never before", "nooit eerder", evidence_c, 3},
    {"off_hours", 0.45, "lookups at night", "raadplegingen 's nachts", "", "", evidence_a, 2},
    {"colleague_lookup", 0.3, "a colleague's car", "auto van een collega", "", "", evidence_b, 1},
};
/* ... and as a later version with fewer indicators and events. */
static const struct alert_indicator indicators_a_shrunk[] = {
    {"curiosity_wave", 0.6, "part of a wave", "deel van een golf", "", "", evidence_b, 1},
};

static void make_alerts(struct alert out[2])
{
    memset(out, 0, 2 * sizeof out[0]);
    strcpy(out[0].id, "A-000001");
    out[0].user = REAL_USER;
    out[0].pseudonym = "P-aaaaaaaaaa";
    out[0].unit = "Noord-Nederland";
    out[0].team = "Assen";
    out[0].role = "student";
    out[0].score = 0.97;
    out[0].first_ms = 1738617249000;
    out[0].last_ms = 1741730571250;
    out[0].indicators = indicators_a;
    out[0].n_indicators = 2;

    strcpy(out[1].id, "A-000002");
    out[1].user = "U009999";
    out[1].pseudonym = "P-bbbbbbbbbb";
    out[1].unit = "Noord-Nederland";
    out[1].team = "Emmen";
    out[1].role = "agent";
    out[1].group = "G-000001";
    out[1].score = 0.5;
    out[1].first_ms = 1740000000000;
    out[1].last_ms = 1740000000000;
    out[1].indicators = indicators_b;
    out[1].n_indicators = 1;
}

static void put_pseudonyms(struct store *st)
{
    struct err e = {{0}};
    const unsigned char sealed[] = {0xde, 0xad, 0xbe, 0xef};
    assert_int_equal(store_pseudonym_put(st, "P-aaaaaaaaaa", sealed, sizeof sealed,
                                         "Noord-Nederland", "Assen", "student", &e),
                     0);
    assert_int_equal(store_pseudonym_put(st, "P-bbbbbbbbbb", sealed, sizeof sealed,
                                         "Noord-Nederland", "Emmen", "agent", &e),
                     0);
}

/* A store with a run and the two pseudonyms. */
static struct store *open_with_run(struct fx *f, int64_t *run)
{
    struct err e = {{0}};
    struct store *st = open_store(f);
    if (store_run_begin(st, "datasets/small", run, &e) != 0)
        fail_msg("%s", e.msg);
    put_pseudonyms(st);
    return st;
}

/* ---- checks for both backends ---------------------------------------------------------- */

static void test_migrates_empty_database(void **state)
{
    struct fx *f = *state;
    struct store *st = open_store(f);
    assert_int_equal(q_version(f), store_schema_version());
    if (f->pg)
        assert_int_equal(q_int(f, "SELECT count(*) FROM wachter_schema"), store_schema_version());
    const char *tables[] = {"runs",     "pseudonyms", "alerts",   "alert_indicators",
                            "evidence", "reveal_log", "activity", "exceptions"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[192];
        snprintf(sql, sizeof sql,
                 f->pg ? "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
                         "AND tablename = '%s'"
                       : "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '%s'",
                 tables[i]);
        if (q_int(f, sql) != 1)
            fail_msg("table %s is missing", tables[i]);
    }
    store_close(st);
}

static void test_reopen_does_not_migrate_again(void **state)
{
    struct fx *f = *state;
    struct err e = {{0}};
    struct store *st = open_store(f);
    int64_t run = 0;
    assert_int_equal(store_run_begin(st, "data/set1", &run, &e), 0);
    store_close(st);
    const char *sql = f->pg ? "SELECT string_agg(version || ' ' || applied, ',' ORDER BY version) "
                              "FROM wachter_schema"
                            : "PRAGMA user_version";
    char before[512], after[512];
    q_text(f, sql, before, sizeof before);
    for (int i = 0; i < 3; i++)
        store_close(open_store(f));
    q_text(f, sql, after, sizeof after);
    assert_string_equal(before, after);
    assert_int_equal(q_int(f, "SELECT count(*) FROM runs"), 1);
}

static void test_newer_schema_refused(void **state)
{
    struct fx *f = *state;
    struct err e = {{0}};
    store_close(open_store(f));
    char sql[128];
    snprintf(sql, sizeof sql,
             f->pg ? "INSERT INTO wachter_schema (version, applied) VALUES (%d, 'later')"
                   : "PRAGMA user_version = %d",
             store_schema_version() + 1);
    assert_true(q_exec(f, sql));

    assert_null(store_open(f->target, &e));
    assert_non_null(strstr(e.msg, f->target));
    assert_non_null(strstr(e.msg, "newer"));
    assert_null(strchr(e.msg, '\n'));
    assert_int_equal(q_version(f), store_schema_version() + 1);
}

static void test_foreign_database_refused(void **state)
{
    struct fx *f = *state;
    struct err e = {{0}};
    assert_true(q_exec(f, "CREATE TABLE runs (x INTEGER)"));
    assert_null(store_open(f->target, &e));
    assert_non_null(strstr(e.msg, f->target));
    assert_non_null(strstr(e.msg, "not a wachter database"));
}

static void test_run_begin_stats_finish(void **state)
{
    struct fx *f = *state;
    struct err e = {{0}};
    struct store *st = open_store(f);
    int64_t r1 = 0, r2 = 0;
    assert_int_equal(store_run_begin(st, "live", &r1, &e), 0);
    assert_int_equal(store_run_begin(st, "other", &r2, &e), 0);
    assert_true(r2 > r1);

    /* Statistics of an open run, replaced as it goes; the run stays open. */
    assert_int_equal(store_run_stats(st, r1, "{\"lines\":5}", 3, &e), 0);
    assert_int_equal(store_run_stats(st, r1, "{\"lines\":10}", 4, &e), 0);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM runs WHERE id = %lld AND finished IS NULL AND alert_count = 4 "
             "AND %s = 10",
             (long long)r1, f->pg ? "(stats_json ->> 'lines')::int" : "stats_json ->> '$.lines'");
    assert_int_equal(q_int(f, sql), 1);
    assert_int_equal(store_run_stats(st, r1, "{not json", 4, &e), -1);
    assert_non_null(strstr(e.msg, f->target));
    assert_int_equal(store_run_stats(st, r2 + 100, "{}", 0, &e), -1);
    assert_non_null(strstr(e.msg, "no such run"));

    /* Finishing: once, with valid JSON; no statistics after. */
    assert_int_equal(store_run_finish(st, r1, "{oops", 4, &e), -1);
    assert_int_equal(store_run_finish(st, r1, "{\"lines\":11}", 5, &e), 0);
    assert_int_equal(store_run_finish(st, r1, "{}", 5, &e), -1);
    assert_non_null(strstr(e.msg, "finished already"));
    assert_int_equal(store_run_stats(st, r1, "{}", 5, &e), -1);
    assert_non_null(strstr(e.msg, "finished already"));
    assert_int_equal(store_run_finish(st, r2, NULL, 0, &e), 0);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM runs WHERE id = %lld AND finished >= started AND "
             "alert_count = 5",
             (long long)r1);
    assert_int_equal(q_int(f, sql), 1);
    assert_int_equal(q_int(f, "SELECT count(*) FROM runs WHERE finished IS NOT NULL"), 2);
    store_close(st);
}

static void test_pseudonym_put_and_update(void **state)
{
    struct fx *f = *state;
    struct err e = {{0}};
    struct store *st = open_store(f);
    const unsigned char s1[] = {1, 2, 0, 3}, s2[] = {9, 9, 9};
    assert_int_equal(store_pseudonym_put(st, "P-aaaaaaaaaa", s1, 4, "U1", "T1", "agent", &e), 0);
    assert_int_equal(store_pseudonym_put(st, "P-aaaaaaaaaa", s2, 3, "U1", "T2", "brigadier", &e),
                     0);
    assert_int_equal(store_pseudonym_put(st, "P-bbbbbbbbbb", s2, 3, NULL, NULL, NULL, &e), 0);
    assert_int_equal(q_int(f, "SELECT count(*) FROM pseudonyms"), 2);
    /* The facts follow the last put; the sealed number (with its NUL byte) stays. */
    assert_int_equal(q_int(f, f->pg ? "SELECT count(*) FROM pseudonyms WHERE team = 'T2' AND "
                                      "role = 'brigadier' AND encode(sealed_user, 'hex') = "
                                      "'01020003' AND updated >= first_seen"
                                    : "SELECT count(*) FROM pseudonyms WHERE team = 'T2' AND "
                                      "role = 'brigadier' AND hex(sealed_user) = '01020003' AND "
                                      "updated >= first_seen"),
                     1);
    assert_int_equal(q_int(f, "SELECT count(*) FROM pseudonyms WHERE pseudonym = 'P-bbbbbbbbbb' "
                              "AND unit = '' AND team = '' AND role = ''"),
                     1);
    assert_int_equal(store_pseudonym_put(st, "not-a-pseudonym", s1, 3, "", "", "", &e), -1);
    assert_non_null(strstr(e.msg, f->target));
    assert_non_null(strstr(e.msg, "not-a-pseudonym"));
    store_close(st);
}

static void test_alerts_put_round_trip(void **state)
{
    struct fx *f = *state;
    struct err e = {{0}};
    int64_t run = 0;
    struct store *st = open_with_run(f, &run);
    struct alert alerts[2];
    make_alerts(alerts);
    assert_int_equal(store_alerts_put(st, run, alerts, 2, &e), 0);

    assert_int_equal(q_int(f, "SELECT count(*) FROM alerts"), 2);
    assert_int_equal(q_int(f, "SELECT count(*) FROM alert_indicators"), 3);
    assert_int_equal(q_int(f, "SELECT count(*) FROM evidence"), 4);
    char sql[512], text[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM alerts WHERE alert_ref = 'A-000001' AND run_id = %lld AND "
             "pseudonym = 'P-aaaaaaaaaa' AND unit = 'Noord-Nederland' AND team = 'Assen' AND "
             "role = 'student' AND group_id IS NULL AND score = 0.97 AND first_ms = "
             "1738617249000 AND last_ms = 1741730571250 AND status = 'new' AND created LIKE "
             "'____-__-__T__:__:__.___Z'",
             (long long)run);
    assert_int_equal(q_int(f, sql), 1);
    q_text(f, "SELECT first_ts || ' ' || last_ts FROM alerts WHERE alert_ref = 'A-000001'", text,
           sizeof text);
    assert_string_equal(text, "2025-02-03T21:14:09.000Z 2025-03-11T22:02:51.250Z");
    q_text(f, "SELECT group_id FROM alerts WHERE alert_ref = 'A-000002'", text, sizeof text);
    assert_string_equal(text, "G-000001");

    q_text(f,
           "SELECT i.name || '|' || i.text_nl || '|' || i.baseline_en FROM alert_indicators i "
           "JOIN alerts a ON a.id = i.alert_id WHERE a.alert_ref = 'A-000001' AND i.ordinal = 0",
           text, sizeof text);
    assert_string_equal(text, "relative_lookup|2 zoekvragen naar familie (zelfde huishouden) "
                              "zonder zaak|never before");
    assert_int_equal(q_int(f, "SELECT count(*) FROM alert_indicators WHERE name = 'off_hours' AND "
                              "ordinal = 1 AND score = 0.4 AND baseline_nl = ''"),
                     1);
    q_text(f,
           "SELECT ev.event_id || '|' || ev.ts_ms || '|' || ev.ts || '|' || ev.system || '|' || "
           "ev.action || '|' || ev.subject_type || '|' || ev.subject || '|' || ev.legitimation "
           "|| '|' || ev.note FROM evidence ev JOIN alert_indicators i ON i.id = "
           "ev.indicator_id WHERE i.name = 'relative_lookup' AND ev.ordinal = 1",
           text, sizeof text);
    assert_string_equal(text, "bv-90551|1741730571250|2025-03-11T22:02:51.250Z|BlueView|"
                              "view_person|person|NL-P-772|2025-CASE-1|relative, same household");

    /* No column of any table holds the real employee number. */
    struct sbuf dump = {0};
    q_dump(f, &dump);
    assert_null(strstr(dump.buf, REAL_USER));
    sbuf_free(&dump);
    store_close(st);
}

static void test_failed_put_rolls_back(void **state)
{
    struct fx *f = *state;
    struct err e = {{0}};
    int64_t run = 0;
    struct store *st = open_with_run(f, &run);
    struct alert alerts[2];
    make_alerts(alerts);
    assert_int_equal(store_alerts_put(st, run, alerts, 1, &e), 0);

    /* The same alert id twice in one batch: nothing of the batch stays. */
    struct alert dup[3];
    make_alerts(dup);
    dup[2] = dup[0];
    strcpy(dup[0].id, "A-000010");
    strcpy(dup[1].id, "A-000011");
    strcpy(dup[2].id, "A-000010");
    assert_int_equal(store_alerts_put(st, run, dup, 3, &e), -1);
    assert_non_null(strstr(e.msg, f->target));
    assert_non_null(strstr(e.msg, "A-000010"));
    assert_null(strchr(e.msg, '\n'));
    assert_int_equal(q_int(f, "SELECT count(*) FROM alerts"), 1);
    assert_int_equal(q_int(f, "SELECT count(*) FROM alert_indicators"), 2);
    assert_int_equal(q_int(f, "SELECT count(*) FROM evidence"), 3);

    /* An unknown pseudonym, an unknown run, a missing event id. */
    struct alert bad[2];
    make_alerts(bad);
    strcpy(bad[0].id, "A-000020");
    strcpy(bad[1].id, "A-000021");
    bad[1].pseudonym = "P-cccccccccc";
    assert_int_equal(store_alerts_put(st, run, bad, 2, &e), -1);
    assert_non_null(strstr(e.msg, "A-000021"));
    assert_non_null(strstr(e.msg, "not in the database"));
    assert_int_equal(store_alerts_put(st, run + 100, alerts + 1, 1, &e), -1);
    struct evidence no_id = evidence_b[0];
    no_id.event_id = NULL;
    struct alert_indicator ind = indicators_b[0];
    ind.events = &no_id;
    make_alerts(bad);
    strcpy(bad[1].id, "A-000030");
    bad[1].indicators = &ind;
    assert_int_equal(store_alerts_put(st, run, bad + 1, 1, &e), -1);
    assert_non_null(strstr(e.msg, "A-000030"));
    assert_int_equal(q_int(f, "SELECT count(*) FROM alerts"), 1);
    assert_int_equal(q_int(f, "SELECT count(*) FROM evidence"), 3);

    /* A large batch that fails at its end leaves nothing either (several pipeline
     * chunks on PostgreSQL). */
    enum { N = 400 };
    struct alert *many = xcalloc(N, sizeof *many);
    for (int i = 0; i < N; i++) {
        struct alert two[2];
        make_alerts(two);
        many[i] = two[0];
        snprintf(many[i].id, sizeof many[i].id, "A-1%05d", i);
    }
    strcpy(many[N - 1].id, many[0].id);
    assert_int_equal(store_alerts_put(st, run, many, N, &e), -1);
    assert_non_null(strstr(e.msg, many[0].id));
    assert_int_equal(q_int(f, "SELECT count(*) FROM alerts"), 1);
    strcpy(many[N - 1].id, "A-199999");
    assert_int_equal(store_alerts_put(st, run, many, N, &e), 0);
    assert_int_equal(q_int(f, "SELECT count(*) FROM alerts"), N + 1);
    assert_int_equal(q_int(f, "SELECT count(*) FROM evidence"), 3 + 3 * N);
    free(many);

    /* The handle is still usable. */
    assert_int_equal(store_alerts_put(st, run, alerts + 1, 1, &e), 0);
    assert_int_equal(store_alerts_put(st, run, alerts, 0, &e), 0);
    assert_int_equal(q_int(f, "SELECT count(*) FROM alerts"), N + 2);
    store_close(st);
}

static void test_upsert_insert_update_idempotent(void **state)
{
    struct fx *f = *state;
    struct err e = {{0}};
    int64_t run = 0;
    struct store *st = open_with_run(f, &run);
    struct alert alerts[2];
    make_alerts(alerts);

    /* New alerts are inserted as store_alerts_put does. */
    assert_int_equal(store_alerts_upsert(st, run, alerts, 2, &e), 0);
    assert_int_equal(q_int(f, "SELECT count(*) FROM alerts"), 2);
    assert_int_equal(q_int(f, "SELECT count(*) FROM alert_indicators"), 3);
    assert_int_equal(q_int(f, "SELECT count(*) FROM evidence"), 4);
    int64_t id = q_int(f, "SELECT id FROM alerts WHERE alert_ref = 'A-000001'");
    char created[64], sql[512];
    q_text(f, "SELECT created FROM alerts WHERE alert_ref = 'A-000001'", created, sizeof created);
    /* An analyst has looked at it meanwhile. */
    assert_true(q_exec(f, "UPDATE alerts SET status = 'dismissed' WHERE alert_ref = 'A-000001'"));

    /* The alert grows: new score, time span, facts, indicators and evidence. */
    alerts[0].score = 0.99;
    alerts[0].last_ms = 1741800120000;
    alerts[0].team = "Emmen";
    alerts[0].role = "agent";
    alerts[0].group = "G-000002";
    alerts[0].indicators = indicators_a_grown;
    alerts[0].n_indicators = 3;
    assert_int_equal(store_alerts_upsert(st, run, alerts, 1, &e), 0);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM alerts WHERE alert_ref = 'A-000001' AND id = %lld AND "
             "status = 'dismissed' AND created = '%s' AND score = 0.99 AND last_ms = "
             "1741800120000 AND last_ts = '2025-03-12T17:22:00.000Z' AND team = 'Emmen' AND "
             "role = 'agent' AND group_id = 'G-000002' AND pseudonym = 'P-aaaaaaaaaa'",
             (long long)id, created);
    assert_int_equal(q_int(f, sql), 1);
    assert_int_equal(q_int(f, "SELECT count(*) FROM alerts"), 2);
    assert_int_equal(q_int(f, "SELECT count(*) FROM alert_indicators"), 4);
    assert_int_equal(q_int(f, "SELECT count(*) FROM evidence"), 3 + 2 + 1 + 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM alert_indicators WHERE alert_id = %lld AND ((ordinal = 0 AND "
             "name = 'relative_lookup' AND score = 0.95 AND text_en = '5 queries on relatives "
             "without a case') OR (ordinal = 1 AND name = 'off_hours') OR (ordinal = 2 AND name "
             "= 'colleague_lookup'))",
             (long long)id);
    assert_int_equal(q_int(f, sql), 3);
    q_text(f,
           "SELECT ev.event_id || '|' || ev.ts FROM evidence ev JOIN alert_indicators i ON i.id "
           "= ev.indicator_id JOIN alerts a ON a.id = i.alert_id WHERE a.alert_ref = 'A-000001' "
           "AND i.ordinal = 0 AND ev.ordinal = 2",
           sql, sizeof sql);
    assert_string_equal(sql, "bv-99003|2025-03-12T17:22:00.000Z");

    /* Upserting the same alerts again changes nothing at all. */
    struct sbuf before = {0}, after = {0};
    q_dump(f, &before);
    assert_int_equal(store_alerts_upsert(st, run, alerts, 2, &e), 0);
    assert_int_equal(store_alerts_upsert(st, run, alerts, 2, &e), 0);
    q_dump(f, &after);
    assert_string_equal(before.buf, after.buf);

    /* Shrinking: the surplus indicators and events go. */
    alerts[0].indicators = indicators_a_shrunk;
    alerts[0].n_indicators = 1;
    assert_int_equal(store_alerts_upsert(st, run, alerts, 1, &e), 0);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM alert_indicators WHERE alert_id = %lld AND name = "
             "'curiosity_wave'",
             (long long)id);
    assert_int_equal(q_int(f, sql), 1);
    assert_int_equal(q_int(f, "SELECT count(*) FROM alert_indicators"), 2);
    assert_int_equal(q_int(f, "SELECT count(*) FROM evidence"), 2);

    /* A batch with an error leaves the earlier alerts of the batch as they were: here
     * A-000002 would be updated, but A-000001 is held for another pseudonym. */
    sbuf_reset(&before);
    sbuf_reset(&after);
    q_dump(f, &before);
    struct alert changed[2];
    make_alerts(changed);
    changed[1].score = 0.1;
    changed[0] = alerts[0];
    changed[0].pseudonym = "P-bbbbbbbbbb";
    struct alert order[2] = {changed[1], changed[0]};
    assert_int_equal(store_alerts_upsert(st, run, order, 2, &e), -1);
    assert_non_null(strstr(e.msg, f->target));
    assert_non_null(strstr(e.msg, "A-000001"));
    assert_non_null(strstr(e.msg, "another pseudonym"));
    q_dump(f, &after);
    assert_string_equal(before.buf, after.buf);
    sbuf_free(&before);
    sbuf_free(&after);

    /* The same alert id in another run is another alert. */
    int64_t run2 = 0;
    assert_int_equal(store_run_begin(st, "second", &run2, &e), 0);
    assert_int_equal(store_alerts_upsert(st, run2, alerts, 2, &e), 0);
    assert_int_equal(q_int(f, "SELECT count(*) FROM alerts"), 4);
    store_close(st);
}

static void test_activity_replaced(void **state)
{
    struct fx *f = *state;
    struct err e = {{0}};
    int64_t run = 0;
    struct store *st = open_with_run(f, &run);
    const struct activity_day days[] = {{20100, 10, 1, 7.5}, {20101, 0, 0, 8}, {20102, 3, 2, 0.5}};
    assert_int_equal(store_activity_put(st, run, "P-aaaaaaaaaa", days, 3, &e), 0);
    assert_int_equal(store_activity_put(st, run, "P-bbbbbbbbbb", days, 1, &e), 0);
    assert_int_equal(q_int(f, "SELECT count(*) FROM activity"), 4);
    /* Putting a pseudonym's series again replaces it. */
    assert_int_equal(store_activity_put(st, run, "P-aaaaaaaaaa", days + 1, 2, &e), 0);
    assert_int_equal(q_int(f, "SELECT count(*) FROM activity WHERE pseudonym = 'P-aaaaaaaaaa'"), 2);
    assert_int_equal(q_int(f, "SELECT count(*) FROM activity WHERE pseudonym = 'P-aaaaaaaaaa' "
                              "AND day = 20102 AND accesses = 3 AND unexplained = 2 AND "
                              "peer_median = 0.5"),
                     1);
    /* A failure (a day twice) keeps what was there. */
    const struct activity_day twice[] = {{20200, 1, 1, 1}, {20200, 2, 2, 2}};
    assert_int_equal(store_activity_put(st, run, "P-aaaaaaaaaa", twice, 2, &e), -1);
    assert_non_null(strstr(e.msg, "P-aaaaaaaaaa"));
    assert_non_null(strstr(e.msg, f->target));
    assert_int_equal(q_int(f, "SELECT count(*) FROM activity WHERE pseudonym = 'P-aaaaaaaaaa'"), 2);
    assert_int_equal(store_activity_put(st, run, "P-aaaaaaaaaa", NULL, 0, &e), 0);
    assert_int_equal(q_int(f, "SELECT count(*) FROM activity"), 1);
    store_close(st);
}

static void test_reveal_log_append_only(void **state)
{
    struct fx *f = *state;
    struct err e = {{0}};
    struct store *st = open_store(f);
    int64_t run = 0;
    assert_int_equal(store_run_begin(st, "datasets/small", &run, &e), 0);
    assert_int_equal(store_reveal_log(st, run, "alice", "cli --reveal-ids", "comparison", &e), 0);
    assert_int_equal(store_reveal_log(st, run, "bob", "cli --reveal-ids", "audit", &e), 0);
    assert_int_equal(store_reveal_log(st, run, "carol", "cli --reveal-ids", "", &e), -1);
    assert_non_null(strstr(e.msg, f->target));
    assert_int_equal(store_reveal_log(st, run, NULL, "cli", "why", &e), -1);
    assert_int_equal(store_reveal_log(st, run + 9, "dave", "cli", "why", &e), -1);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM reveal_log WHERE run_id = %lld AND channel = "
             "'cli --reveal-ids' AND ts LIKE '____-__-__T__:__:__.___Z'",
             (long long)run);
    assert_int_equal(q_int(f, sql), 2);
    assert_false(q_exec(f, "DELETE FROM reveal_log"));
    assert_false(q_exec(f, "UPDATE reveal_log SET reason = 'x'"));
    assert_int_equal(q_int(f, "SELECT count(*) FROM reveal_log"), 2);
    store_close(st);
}

struct seen {
    int n;
    char text[4][128];
};

static void collect(void *ctx, const char *pseudonym, const char *indicator, const char *subject,
                    const char *expires)
{
    struct seen *s = ctx;
    if (s->n < 4)
        snprintf(s->text[s->n], sizeof s->text[0], "%s|%s|%s|%s", pseudonym, indicator, subject,
                 expires);
    s->n++;
}

static void test_exceptions_each(void **state)
{
    struct fx *f = *state;
    struct err e = {{0}};
    int64_t run = 0;
    struct store *st = open_with_run(f, &run);
    struct seen seen = {0};
    assert_int_equal(store_exceptions_each(st, collect, &seen, &e), 0);
    assert_int_equal(seen.n, 0);
    assert_true(q_exec(f, "INSERT INTO exceptions (pseudonym, indicator, subject, reason, expires, "
                          "created, created_by) VALUES ('P-bbbbbbbbbb', 'relative_lookup', '', "
                          "'works at the registry', '2026-01-31', 'now', 'alice')"));
    assert_true(q_exec(f, "INSERT INTO exceptions (pseudonym, indicator, subject, reason, expires, "
                          "created, created_by) VALUES ('P-aaaaaaaaaa', '', 'NL-P-771', "
                          "'own case', '2025-12-01', 'now', 'alice')"));
    /* PostgreSQL's schema refuses an impossible expiry date. (SQLite's CHECK
     * (date(expires) = expires) does not: date() of garbage is NULL, and a NULL CHECK
     * passes.) */
    if (f->pg)
        assert_false(q_exec(f, "INSERT INTO exceptions (pseudonym, indicator, subject, reason, "
                               "expires, created, created_by) VALUES ('P-aaaaaaaaaa', 'x', '', "
                               "'bad date', '2025-02-30', 'now', 'alice')"));
    assert_int_equal(store_exceptions_each(st, collect, &seen, &e), 0);
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.text[0], "P-bbbbbbbbbb|relative_lookup||2026-01-31");
    assert_string_equal(seen.text[1], "P-aaaaaaaaaa||NL-P-771|2025-12-01");
    store_close(st);
}

/* Instances starting at once on a fresh database migrate it once; each writes its own
 * run, the same pseudonyms and the same alert ids, without conflict. */
enum { WRITERS = 4 };
struct writer {
    const char *target;
    pthread_barrier_t *start;
    int rc;
    struct err e;
};

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    pthread_barrier_wait(w->start);
    w->rc = -1;
    struct store *st = store_open(w->target, &w->e);
    if (st == NULL)
        return NULL;
    int64_t run = 0;
    struct alert alerts[2];
    make_alerts(alerts);
    const unsigned char sealed[] = {7};
    if (store_run_begin(st, "concurrent", &run, &w->e) == 0 &&
        store_pseudonym_put(st, "P-aaaaaaaaaa", sealed, 1, "N", "A", "agent", &w->e) == 0 &&
        store_pseudonym_put(st, "P-bbbbbbbbbb", sealed, 1, "N", "E", "agent", &w->e) == 0 &&
        store_alerts_upsert(st, run, alerts, 2, &w->e) == 0 &&
        store_alerts_upsert(st, run, alerts, 2, &w->e) == 0 &&
        store_run_finish(st, run, "{}", 2, &w->e) == 0)
        w->rc = 0;
    store_close(st);
    return NULL;
}

static void test_concurrent_instances(void **state)
{
    struct fx *f = *state;
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, WRITERS);
    struct writer w[WRITERS];
    pthread_t t[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (struct writer){f->target, &start, -1, {{0}}};
        assert_int_equal(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < WRITERS; i++)
        if (w[i].rc != 0)
            fail_msg("writer %d: %s", i, w[i].e.msg);
    assert_int_equal(q_version(f), store_schema_version());
    if (f->pg)
        assert_int_equal(q_int(f, "SELECT count(*) FROM wachter_schema"), store_schema_version());
    assert_int_equal(q_int(f, "SELECT count(*) FROM runs WHERE finished IS NOT NULL"), WRITERS);
    assert_int_equal(q_int(f, "SELECT count(*) FROM alerts"), 2 * WRITERS);
    assert_int_equal(q_int(f, "SELECT count(*) FROM evidence"), 4 * WRITERS);
    assert_int_equal(q_int(f, "SELECT count(*) FROM pseudonyms"), 2);
}

/* ---- PostgreSQL only ----------------------------------------------------------------- */

/* The workbench's functions refuse a PostgreSQL store with one clear line. */
static void test_pg_workbench_refused(void **state)
{
    struct fx *f = *state;
    struct store *st = open_store(f);
    struct err e = {{0}};
    struct sbuf out = {0};
    bool found = false, changed = false;
    int64_t id = 0;
    struct store_user u;
    struct store_queue_filter qf = {.status = "new", .indicator = "off_hours", .limit = 10};
    struct store_audit_verdict v;
    unsigned char hash[32] = {0};

#define REFUSED(call)                                                                              \
    do {                                                                                           \
        memset(&e, 0, sizeof e);                                                                   \
        assert_int_equal((call), -1);                                                              \
        assert_non_null(strstr(e.msg, f->target));                                                 \
        assert_non_null(strstr(e.msg, "needs an SQLite database"));                                \
    } while (0)
    REFUSED(store_begin(st, &e));
    REFUSED(store_user_add(st, "bob", "analyst", NULL, NULL, "hash", "admin", &e));
    REFUSED(store_user_get(st, "bob", &u, NULL, 0, &found, &e));
    REFUSED(store_users_json(st, &out, &e));
    REFUSED(store_session_put(st, hash, 1, "csrf", 0, &e));
    REFUSED(store_alert_queue(st, &qf, &out, &e));
    REFUSED(store_alert_brief(st, 1, &(struct store_alert_brief){0}, &found, &e));
    REFUSED(store_alert_decide(st, 1, "dismissed", NULL, "bob", "", &changed, &e));
    REFUSED(store_exception_add(st, "P-aaaaaaaaaa", "x", "", "why", "2026-01-01", "bob", &id, &e));
    REFUSED(store_exceptions_json(st, "2025-01-01", &out, &e));
    REFUSED(store_audit_append(st, "bob", "login", NULL, NULL, &e));
    REFUSED(store_audit_verify(st, &v, &e));
    REFUSED(store_table_json(st, STORE_TRENDS_ALERTS, &out, &e));
    REFUSED(store_table_csv(st, STORE_COUNCIL_USE, &out, &e));
    REFUSED(store_reveal_log_web(st, "bob", "web", "why", &e));
#undef REFUSED
    store_rollback(st);
    sbuf_free(&out);

    /* The write path still works on the same handle. */
    int64_t run = 0;
    assert_int_equal(store_run_begin(st, "after", &run, &e), 0);
    store_close(st);
}

/* Messages never show the password of the URL; "postgres://" works as well. */
static void test_pg_url_forms(void **state)
{
    struct fx *f = *state;
    struct err e = {{0}};
    char url[600];
    /* postgres://USER:s3cret@HOST... (the test server trusts 127.0.0.1, so the password
     * is ignored), with a password= parameter as well. */
    const char *auth = strstr(f->target, "://") + 3;
    size_t user = strcspn(auth, ":@/");
    if (auth[user] != '@')
        skip(); /* no user part to put a password in */
    snprintf(url, sizeof url, "postgres://%.*s:s3cret%s%spassword=t0psecret", (int)user, auth,
             auth + user, strchr(auth, '?') != NULL ? "&" : "?");
    struct store *st = store_open(url, &e);
    if (st == NULL)
        fail_msg("%s", e.msg);
    assert_int_equal(store_run_finish(st, 12345, "{}", 0, &e), -1);
    assert_null(strstr(e.msg, "s3cret"));
    assert_null(strstr(e.msg, "t0psecret"));
    assert_non_null(strstr(e.msg, "postgres://"));
    assert_non_null(strstr(e.msg, f->dbname));
    store_close(st);

    /* A server that is not there: one line, no password. */
    assert_null(
        store_open("postgresql://wachter:s3cret@127.0.0.1:1/wachter?connect_timeout=2", &e));
    assert_non_null(strstr(e.msg, "postgresql://wachter@127.0.0.1:1/wachter?connect_timeout=2"));
    assert_non_null(strstr(e.msg, "cannot connect"));
    assert_null(strstr(e.msg, "s3cret"));
    assert_null(strchr(e.msg, '\n'));
}

/* ---- main ----------------------------------------------------------------------------- */

static void test_pg_url_set(void **state)
{
    (void)state;
    fail_msg(HOW_TO_RUN);
}

#define BOTH(fn, name)                                                                             \
    {"sqlite_" name, fn, setup_sqlite, teardown, NULL},                                            \
    {                                                                                              \
        "pg_" name, fn, setup_pg, teardown, NULL                                                   \
    }
#define PG_ONLY(fn, name)                                                                          \
    {                                                                                              \
        "pg_" name, fn, setup_pg, teardown, NULL                                                   \
    }

int main(void)
{
    pg_url = getenv("WACHTER_PG_URL");
    const struct CMUnitTest tests[] = {
        BOTH(test_migrates_empty_database, "migrates_empty_database"),
        BOTH(test_reopen_does_not_migrate_again, "reopen_does_not_migrate_again"),
        BOTH(test_newer_schema_refused, "newer_schema_refused"),
        BOTH(test_foreign_database_refused, "foreign_database_refused"),
        BOTH(test_run_begin_stats_finish, "run_begin_stats_finish"),
        BOTH(test_pseudonym_put_and_update, "pseudonym_put_and_update"),
        BOTH(test_alerts_put_round_trip, "alerts_put_round_trip"),
        BOTH(test_failed_put_rolls_back, "failed_put_rolls_back"),
        BOTH(test_upsert_insert_update_idempotent, "upsert_insert_update_idempotent"),
        BOTH(test_activity_replaced, "activity_replaced"),
        BOTH(test_reveal_log_append_only, "reveal_log_append_only"),
        BOTH(test_exceptions_each, "exceptions_each"),
        BOTH(test_concurrent_instances, "concurrent_instances"),
        PG_ONLY(test_pg_workbench_refused, "workbench_refused"),
        PG_ONLY(test_pg_url_forms, "url_forms"),
    };
    if (pg_url == NULL || *pg_url == '\0') {
        /* Without a server: the SQLite half, and one failure that says what to do. */
        print_error("%s\n", HOW_TO_RUN);
        struct CMUnitTest lite[sizeof tests / sizeof tests[0] + 1];
        size_t n = 0;
        for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++)
            if (tests[i].setup_func == setup_sqlite)
                lite[n++] = tests[i];
        lite[n++] = (struct CMUnitTest){"pg_url_set", test_pg_url_set, NULL, NULL, NULL};
        return _cmocka_run_group_tests("test_pgstore", lite, n, NULL, NULL);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
