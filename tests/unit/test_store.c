/*
 * test_store.c - unit tests of store/: schema and migrations, the alert round trip, batch
 * atomicity, the reveal log, and the privacy of what lands in the file.
 *
 * The tests write through the store API and read back with plain SQLite queries on a
 * second connection, so they check the schema as the web application will see it, not
 * the store's own view of it. Each test gets a fresh temporary directory.
 *
 * The live service's upsert is checked here together with what the workbench keeps
 * about an alert (status, history, case, the queue's filter rows); the behaviour it
 * shares with the PostgreSQL backend is checked on both in test_pgstore.c.
 *
 * test_bulk_insert_speed stores WACHTER_STORE_BENCH_ALERTS alerts (default 2,000) with 3
 * indicators and 5 evidence events each and prints the time it took; run it with
 * WACHTER_STORE_BENCH_ALERTS=100000 to measure the figure quoted in docs/store.md.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "store/store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define REAL_USER "U004211"
#define OTHER_USER "U009999"

struct fixture {
    char dir[64];
    char db[128];
};

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    if (tmpdir_make("store") != 0)
        return -1;
    strcpy(f->dir, dir);
    snprintf(f->db, sizeof f->db, "%s/wachter.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    free(f);
    return tmpdir_remove();
}

/* ---- helpers: a second, plain SQLite connection ------------------------------------- */

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* The first column of the first row as text, copied into `out`. */
static void raw_text(sqlite3 *db, const char *sql, char *out, size_t size)
{
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const char *t = (const char *)sqlite3_column_text(s, 0);
    snprintf(out, size, "%s", t != NULL ? t : "(null)");
    sqlite3_finalize(s);
}

static int64_t store_int(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    int64_t v = raw_int(db, sql);
    sqlite3_close(db);
    return v;
}

/* Open the fixture's store, failing the test with the store's message when it cannot. */
static struct store *open_store(const struct fixture *f)
{
    struct err e = {{0}};
    struct store *st = store_open(f->db, &e);
    if (st == NULL)
        fail_msg("%s", e.msg);
    return st;
}

/* ---- helpers: test alerts ------------------------------------------------------------ */

static const struct evidence evidence_a[] = {
    {"bv-88123", 1738617249000, "BlueView", "search_person", "person", "NL-P-771", "", "relative"},
    {"bv-90551", 1741730571250, "BlueView", "view_person", "person", "NL-P-772", "2025-CASE-1",
     "relative, same household"},
};
static const struct evidence evidence_b[] = {
    {"meos-17", 1740000000000, "MEOS", "plate_check", "vehicle", "XX-123-Y", "", "colleague's car"},
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

static void make_alerts(struct alert out[2])
{
    memset(out, 0, 2 * sizeof out[0]);
    strcpy(out[0].id, "A-000001");
    out[0].user = REAL_USER;
    out[0].pseudonym = "P-aaaaaaaaaa";
    out[0].unit = "Noord-Nederland";
    out[0].team = "Assen";
    out[0].role = "student";
    out[0].group = NULL;
    out[0].score = 0.97;
    out[0].first_ms = 1738617249000;
    out[0].last_ms = 1741730571250;
    out[0].indicators = indicators_a;
    out[0].n_indicators = 2;

    strcpy(out[1].id, "A-000002");
    out[1].user = OTHER_USER;
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

/* Store the pseudonyms of the test alerts; "sealed" here is just opaque bytes. */
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

/* ---- tests --------------------------------------------------------------------------- */

static void test_open_creates_schema(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_store(f);
    assert_true(store_schema_version() >= 1);

    sqlite3 *db = raw_open(f->db);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), store_schema_version());
    assert_int_equal(raw_int(db, "PRAGMA application_id"), 0x77616368);
    const char *tables[] = {"runs",     "pseudonyms", "alerts", "alert_indicators",
                            "evidence", "reveal_log"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        char sql[160];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '%s'",
                 tables[i]);
        assert_int_equal(raw_int(db, sql), 1);
    }
    assert_int_equal(raw_int(db, "SELECT count(*) FROM pragma_index_list('alerts')") >= 5, 1);
    sqlite3_close(db);

    /* The database file is private to its owner. */
    struct stat sb;
    assert_int_equal(stat(f->db, &sb), 0);
    assert_int_equal(sb.st_mode & 077, 0);
    store_close(st);
}

static void test_reopen_is_idempotent(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};
    struct store *st = open_store(f);
    int64_t run = 0;
    assert_int_equal(store_run_begin(st, "data/set1", &run, &e), 0);
    store_close(st);

    for (int i = 0; i < 3; i++) {
        st = open_store(f);
        store_close(st);
    }
    assert_int_equal(store_int(f->db, "PRAGMA user_version"), store_schema_version());
    assert_int_equal(store_int(f->db, "SELECT count(*) FROM runs"), 1);
    store_close(NULL);
}

static void test_newer_database_refused(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};
    struct store *st = open_store(f);
    store_close(st);

    sqlite3 *db = raw_open(f->db);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", store_schema_version() + 1);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    assert_null(store_open(f->db, &e));
    assert_non_null(strstr(e.msg, f->db));
    assert_non_null(strstr(e.msg, "newer"));
    /* Nothing was changed by the refused open. */
    assert_int_equal(store_int(f->db, "PRAGMA user_version"), store_schema_version() + 1);
}

static void test_foreign_files_refused(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};

    /* Another application's SQLite database. */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_null(store_open(f->db, &e));
    assert_non_null(strstr(e.msg, f->db));
    assert_non_null(strstr(e.msg, "not a wachter database"));

    /* A file that is not SQLite at all. */
    char text[160];
    snprintf(text, sizeof text, "%s/notes.txt", f->dir);
    FILE *fp = fopen(text, "w");
    assert_non_null(fp);
    fputs("this is not a database, just some text that is long enough to have a header\n", fp);
    fclose(fp);
    assert_null(store_open(text, &e));
    assert_non_null(strstr(e.msg, text));

    /* A path in a directory that does not exist. */
    snprintf(text, sizeof text, "%s/missing/wachter.db", f->dir);
    assert_null(store_open(text, &e));
    assert_non_null(strstr(e.msg, text));
}

static void test_wal_mode_on(void **state)
{
    struct fixture *f = *state;
    struct store *st = open_store(f);
    sqlite3 *db = raw_open(f->db);
    char mode[16];
    raw_text(db, "PRAGMA journal_mode", mode, sizeof mode);
    assert_string_equal(mode, "wal");
    sqlite3_close(db);
    store_close(st);
}

/* Every text or blob value of every table, as bytes, must not contain `needle`. */
static void assert_no_column_contains(sqlite3 *db, const char *needle)
{
    sqlite3_stmt *tables = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_schema WHERE type = 'table'",
                                        -1, &tables, NULL),
                     SQLITE_OK);
    int n_tables = 0;
    while (sqlite3_step(tables) == SQLITE_ROW) {
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", sqlite3_column_text(tables, 0));
        sqlite3_stmt *rows = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &rows, NULL), SQLITE_OK);
        while (sqlite3_step(rows) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(rows); c++) {
                const void *v = sqlite3_column_blob(rows, c);
                int n = sqlite3_column_bytes(rows, c);
                if (v != NULL && memmem(v, (size_t)n, needle, strlen(needle)) != NULL)
                    fail_msg("%s column %s holds the real employee number", sql,
                             sqlite3_column_name(rows, c));
            }
        }
        sqlite3_finalize(rows);
        n_tables++;
    }
    sqlite3_finalize(tables);
    assert_true(n_tables >= 6);
}

static void assert_file_lacks(const char *path, const char *needle)
{
    struct mapped_file m;
    struct err e = {{0}};
    if (file_map(path, &m, &e) != 0)
        return; /* the -wal file need not exist */
    assert_null(memmem(m.data, m.size, needle, strlen(needle)));
    file_unmap(&m);
}

static void test_alerts_round_trip(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};
    struct store *st = open_store(f);
    int64_t run = 0;
    assert_int_equal(store_run_begin(st, "datasets/small", &run, &e), 0);
    put_pseudonyms(st);
    struct alert alerts[2];
    make_alerts(alerts);
    assert_int_equal(store_alerts_put(st, run, alerts, 2, &e), 0);
    assert_int_equal(store_run_finish(st, run, "{\"lines\":10,\"alerts\":2}", 2, &e), 0);

    sqlite3 *db = raw_open(f->db);
    char sql[512], text[256];
    assert_int_equal(raw_int(db, "SELECT count(*) FROM alerts"), 2);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM alert_indicators"), 3);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM evidence"), 4);

    /* The first alert, field by field. */
    snprintf(sql, sizeof sql,
             "SELECT run_id = %lld AND pseudonym = 'P-aaaaaaaaaa' AND unit = 'Noord-Nederland' "
             "AND team = 'Assen' AND role = 'student' AND group_id IS NULL AND score = 0.97 "
             "AND first_ms = 1738617249000 AND last_ms = 1741730571250 AND status = 'new' "
             "AND created LIKE '____-__-__T__:__:__.___Z' FROM alerts WHERE alert_ref = "
             "'A-000001'",
             (long long)run);
    assert_int_equal(raw_int(db, sql), 1);
    raw_text(db, "SELECT first_ts || ' ' || last_ts FROM alerts WHERE alert_ref = 'A-000001'", text,
             sizeof text);
    assert_string_equal(text, "2025-02-03T21:14:09.000Z 2025-03-11T22:02:51.250Z");
    raw_text(db, "SELECT group_id FROM alerts WHERE alert_ref = 'A-000002'", text, sizeof text);
    assert_string_equal(text, "G-000001");

    /* Indicators in order, with both languages and baselines. */
    raw_text(db,
             "SELECT group_concat(i.name || '|' || i.score || '|' || i.text_nl || '|' || "
             "i.baseline_en, ';') FROM (SELECT i.* FROM alert_indicators i JOIN alerts a ON "
             "a.id = i.alert_id WHERE a.alert_ref = 'A-000001' ORDER BY i.ordinal) i",
             text, sizeof text);
    assert_string_equal(text, "relative_lookup|0.91|2 zoekvragen naar familie (zelfde "
                              "huishouden) zonder zaak|never before;off_hours|0.4|raadplegingen "
                              "'s nachts|");

    /* Evidence with every field. */
    raw_text(db,
             "SELECT group_concat(x, ';') FROM (SELECT ev.event_id || '|' || ev.ts_ms || '|' || "
             "ev.ts || '|' || ev.system || '|' || ev.action || '|' || ev.subject_type || '|' || "
             "ev.subject || '|' || ev.legitimation || '|' || ev.note AS x FROM evidence ev JOIN "
             "alert_indicators i ON i.id = ev.indicator_id WHERE i.name = 'relative_lookup' "
             "ORDER BY ev.ordinal)",
             text, sizeof text);
    assert_string_equal(text,
                        "bv-88123|1738617249000|2025-02-03T21:14:09.000Z|BlueView|search_person|"
                        "person|NL-P-771||relative;bv-90551|1741730571250|2025-03-11T22:02:51."
                        "250Z|BlueView|view_person|person|NL-P-772|2025-CASE-1|relative, same "
                        "household");

    /* The run, finished. */
    snprintf(sql, sizeof sql,
             "SELECT dataset = 'datasets/small' AND alert_count = 2 AND finished >= started AND "
             "stats_json ->> '$.lines' = 10 FROM runs WHERE id = %lld",
             (long long)run);
    assert_int_equal(raw_int(db, sql), 1);

    /* The real employee numbers are nowhere, neither in a column nor in the file. */
    assert_no_column_contains(db, REAL_USER);
    assert_no_column_contains(db, OTHER_USER);
    sqlite3_close(db);
    store_close(st);
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    assert_file_lacks(f->db, REAL_USER);
    assert_file_lacks(wal, REAL_USER);
}

static void test_failed_batch_rolls_back(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};
    struct store *st = open_store(f);
    int64_t run = 0;
    assert_int_equal(store_run_begin(st, "datasets/small", &run, &e), 0);
    put_pseudonyms(st);
    struct alert alerts[2];
    make_alerts(alerts);

    /* A committed batch stays; the failing batch below leaves no trace. */
    assert_int_equal(store_alerts_put(st, run, alerts, 1, &e), 0);

    struct alert dup[3];
    make_alerts(dup);
    dup[2] = dup[0];
    strcpy(dup[0].id, "A-000010");
    strcpy(dup[1].id, "A-000011");
    strcpy(dup[2].id, "A-000010"); /* the same id twice in one run */
    assert_int_equal(store_alerts_put(st, run, dup, 3, &e), -1);
    assert_non_null(strstr(e.msg, f->db));
    assert_non_null(strstr(e.msg, "A-000010"));
    assert_non_null(strstr(e.msg, "UNIQUE"));
    assert_int_equal(store_int(f->db, "SELECT count(*) FROM alerts"), 1);
    assert_int_equal(store_int(f->db, "SELECT count(*) FROM alert_indicators"), 2);
    assert_int_equal(store_int(f->db, "SELECT count(*) FROM evidence"), 3);

    /* An alert whose pseudonym was never stored breaks the batch too. */
    struct alert orphan[2];
    make_alerts(orphan);
    strcpy(orphan[0].id, "A-000020");
    strcpy(orphan[1].id, "A-000021");
    orphan[1].pseudonym = "P-cccccccccc";
    assert_int_equal(store_alerts_put(st, run, orphan, 2, &e), -1);
    assert_non_null(strstr(e.msg, "FOREIGN KEY"));
    assert_int_equal(store_int(f->db, "SELECT count(*) FROM alerts"), 1);

    /* So does an unknown run. */
    assert_int_equal(store_alerts_put(st, run + 100, alerts + 1, 1, &e), -1);
    assert_int_equal(store_int(f->db, "SELECT count(*) FROM alerts"), 1);

    /* The handle is still usable after the failures. */
    assert_int_equal(store_alerts_put(st, run, alerts + 1, 1, &e), 0);
    assert_int_equal(store_int(f->db, "SELECT count(*) FROM alerts"), 2);
    assert_int_equal(store_alerts_put(st, run, alerts, 0, &e), 0);
    store_close(st);
}

static void test_runs_and_pseudonyms(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};
    struct store *st = open_store(f);
    int64_t r1 = 0, r2 = 0;
    assert_int_equal(store_run_begin(st, "a", &r1, &e), 0);
    assert_int_equal(store_run_begin(st, "b", &r2, &e), 0);
    assert_true(r2 > r1);
    assert_int_equal(store_int(f->db, "SELECT count(*) FROM runs WHERE finished IS NULL"), 2);

    /* Statistics must be JSON; a run finishes once. */
    assert_int_equal(store_run_finish(st, r1, "{not json", 0, &e), -1);
    assert_non_null(strstr(e.msg, f->db));
    assert_int_equal(store_run_finish(st, r1, "{}", 0, &e), 0);
    assert_int_equal(store_run_finish(st, r1, "{}", 0, &e), -1);
    assert_non_null(strstr(e.msg, "finished already"));
    assert_int_equal(store_run_finish(st, r2 + 5, "{}", 0, &e), -1);

    /* A pseudonym is stored once; putting it again updates its facts, keeps the seal. */
    const unsigned char s1[] = {1, 2, 3}, s2[] = {9, 9, 9};
    assert_int_equal(store_pseudonym_put(st, "P-aaaaaaaaaa", s1, 3, "U1", "T1", "agent", &e), 0);
    assert_int_equal(store_pseudonym_put(st, "P-aaaaaaaaaa", s2, 3, "U1", "T2", "brigadier", &e),
                     0);
    sqlite3 *db = raw_open(f->db);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM pseudonyms"), 1);
    assert_int_equal(raw_int(db, "SELECT team = 'T2' AND role = 'brigadier' AND sealed_user = "
                                 "x'010203' AND updated >= first_seen FROM pseudonyms"),
                     1);
    sqlite3_close(db);
    assert_int_equal(store_pseudonym_put(st, "not-a-pseudonym", s1, 3, "", "", "", &e), -1);
    store_close(st);
}

static void test_reveal_log(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};
    struct store *st = open_store(f);
    int64_t run = 0;
    assert_int_equal(store_run_begin(st, "datasets/small", &run, &e), 0);
    assert_int_equal(
        store_reveal_log(st, run, "alice", "cli --reveal-ids", "golden test comparison", &e), 0);
    assert_int_equal(store_reveal_log(st, run, "bob", "cli --reveal-ids", "audit", &e), 0);
    /* A reveal needs an actor, a channel and a reason, and a run that exists. */
    assert_int_equal(store_reveal_log(st, run, "carol", "cli --reveal-ids", "", &e), -1);
    assert_non_null(strstr(e.msg, f->db));
    assert_int_equal(store_reveal_log(st, run, "", "cli", "why", &e), -1);
    assert_int_equal(store_reveal_log(st, run + 9, "dave", "cli", "why", &e), -1);

    sqlite3 *db = raw_open(f->db);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM reveal_log WHERE run_id = %lld AND channel = "
             "'cli --reveal-ids' AND ts LIKE '____-__-__T__:__:__.___Z'",
             (long long)run);
    assert_int_equal(raw_int(db, sql), 2);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM reveal_log WHERE actor = 'alice' AND "
                                 "reason = 'golden test comparison'"),
                     1);
    /* The log is append-only, even for a plain SQLite client. */
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM reveal_log", NULL, NULL, NULL), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "UPDATE reveal_log SET reason = 'x'", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM reveal_log"), 2);
    sqlite3_close(db);
    store_close(st);
}

/* ---- the live service: upsert and run statistics -------------------------------------- */

static const struct evidence evidence_c[] = {
    {"bv-99001", 1741800000000, "BlueView", "view_person", "person", "NL-P-773", "", "again"},
    {"bv-99002", 1741800060000, "BlueView", "view_person", "person", "NL-P-774", "", "again"},
    {"bv-99003", 1741800120000, "BlueView", "view_person", "person", "NL-P-775", "", "again"},
};
/* Alert A-000001 grown: more evidence for its first indicator, off_hours replaced. */
static const struct alert_indicator indicators_a_grown[] = {
    {"relative_lookup", 0.95, "5 queries on relatives without a case",
     "5 zoekvragen naar familie zonder zaak", "never before", "nooit eerder", evidence_c, 3},
    {"colleague_lookup", 0.3, "a colleague's car", "auto van een collega", "", "", evidence_b, 1},
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every row of every table, rows sorted, as text: equal dumps mean equal databases. */
static char *dump(const char *path)
{
    sqlite3 *db = raw_open(path);
    struct sbuf out = {0};
    sqlite3_stmt *t = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT name FROM sqlite_schema WHERE type = 'table' "
                                        "ORDER BY name",
                                        -1, &t, NULL),
                     SQLITE_OK);
    while (sqlite3_step(t) == SQLITE_ROW) {
        char sql[160];
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", sqlite3_column_text(t, 0));
        sqlite3_stmt *s = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
        char **lines = NULL;
        size_t n = 0, cap = 0;
        while (sqlite3_step(s) == SQLITE_ROW) {
            struct sbuf line = {0};
            for (int c = 0; c < sqlite3_column_count(s); c++) {
                const unsigned char *v = sqlite3_column_blob(s, c);
                sbuf_putc(&line, '|');
                for (int k = 0; v != NULL && k < sqlite3_column_bytes(s, c); k++)
                    sbuf_printf(&line, "%02x", v[k]);
            }
            lines = xgrow(lines, &cap, n + 1, sizeof *lines);
            lines[n++] = line.buf != NULL ? line.buf : xstrdup("");
        }
        sqlite3_finalize(s);
        if (n > 0)
            qsort(lines, n, sizeof *lines, cmp_str);
        sbuf_printf(&out, "== %s\n", sqlite3_column_text(t, 0));
        for (size_t i = 0; i < n; i++) {
            sbuf_printf(&out, "%s\n", lines[i]);
            free(lines[i]);
        }
        free(lines);
    }
    sqlite3_finalize(t);
    sqlite3_close(db);
    return out.buf;
}

/* The queue's total for a filter. */
static int64_t queue_total(struct store *st, const char *status, const char *unit,
                           const char *indicator)
{
    struct store_queue_filter qf = {
        .status = status, .unit = unit, .indicator = indicator, .limit = 100};
    struct sbuf out = {0};
    struct err e = {{0}};
    if (store_alert_queue(st, &qf, &out, &e) != 0)
        fail_msg("%s", e.msg);
    long long total = -1;
    assert_int_equal(sscanf(out.buf, "{\"total\":%lld", &total), 1);
    sbuf_free(&out);
    return total;
}

static void test_upsert_keeps_workflow(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};
    struct store *st = open_store(f);
    int64_t run = 0;
    assert_int_equal(store_run_begin(st, "live", &run, &e), 0);
    put_pseudonyms(st);
    struct alert alerts[2];
    make_alerts(alerts);
    assert_int_equal(store_alerts_upsert(st, run, alerts, 2, &e), 0);
    assert_int_equal(store_int(f->db, "SELECT count(*) FROM alert_filter"), 3);
    assert_int_equal(queue_total(st, "new", NULL, "off_hours"), 1);

    /* The analyst dismisses A-000001 and opens a case on it. */
    int64_t id = store_int(f->db, "SELECT id FROM alerts WHERE alert_ref = 'A-000001'");
    bool changed = false;
    assert_int_equal(
        store_alert_decide(st, id, "dismissed", "false_positive", "alice", "known", &changed, &e),
        0);
    assert_true(changed);
    int64_t case_id = 0;
    assert_int_equal(
        store_case_create(st, id, "P-aaaaaaaaaa", "triage", false, "alice", "look", &case_id, &e),
        0);
    sqlite3 *db = raw_open(f->db);
    char created[64], sql[512];
    raw_text(db, "SELECT created FROM alerts WHERE alert_ref = 'A-000001'", created,
             sizeof created);

    /* The alert grows: it keeps its id, status, disposition, history and case. */
    alerts[0].score = 0.99;
    alerts[0].unit = "Oost-Nederland";
    alerts[0].last_ms = 1741800120000;
    alerts[0].indicators = indicators_a_grown;
    alerts[0].n_indicators = 2;
    assert_int_equal(store_alerts_upsert(st, run, alerts, 1, &e), 0);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM alerts WHERE id = %lld AND alert_ref = 'A-000001' AND status "
             "= 'dismissed' AND disposition = 'false_positive' AND created = '%s' AND score = "
             "0.99 AND unit = 'Oost-Nederland' AND last_ts = '2025-03-12T17:22:00.000Z'",
             (long long)id, created);
    assert_int_equal(raw_int(db, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM alert_history WHERE alert_id = %lld",
             (long long)id);
    assert_int_equal(raw_int(db, sql), 1);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM cases WHERE id = %lld AND alert_id = %lld",
             (long long)case_id, (long long)id);
    assert_int_equal(raw_int(db, sql), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM alert_indicators"), 3);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM evidence"), 3 + 1 + 1);

    /* The queue's filter rows follow the new indicators, score and unit, keeping the
     * status: off_hours is gone, colleague_lookup came. */
    snprintf(sql, sizeof sql,
             "SELECT group_concat(name || '/' || status || '/' || score || '/' || unit, ',') "
             "FROM (SELECT * FROM alert_filter WHERE alert_id = %lld ORDER BY name)",
             (long long)id);
    char text[256];
    raw_text(db, sql, text, sizeof text);
    assert_string_equal(text, "colleague_lookup/dismissed/0.99/Oost-Nederland,"
                              "relative_lookup/dismissed/0.99/Oost-Nederland");
    assert_int_equal(raw_int(db, "SELECT count(*) FROM alert_filter"), 3);
    sqlite3_close(db);
    assert_int_equal(queue_total(st, NULL, NULL, "off_hours"), 0);
    assert_int_equal(queue_total(st, "dismissed", NULL, "colleague_lookup"), 1);
    assert_int_equal(queue_total(st, "new", NULL, "colleague_lookup"), 1);
    assert_int_equal(queue_total(st, NULL, "Oost-Nederland", "relative_lookup"), 1);
    assert_int_equal(queue_total(st, NULL, "Oost-Nederland", NULL), 1);

    /* Upserting the same alerts again (a journal replayed) changes nothing at all. */
    char *before = dump(f->db);
    assert_int_equal(store_alerts_upsert(st, run, alerts, 2, &e), 0);
    char *after = dump(f->db);
    assert_string_equal(before, after);
    free(after);

    /* An alert id the run holds for another pseudonym fails the batch. */
    struct alert other = alerts[0];
    other.pseudonym = "P-bbbbbbbbbb";
    assert_int_equal(store_alerts_upsert(st, run, &other, 1, &e), -1);
    assert_non_null(strstr(e.msg, f->db));
    assert_non_null(strstr(e.msg, "another pseudonym"));
    after = dump(f->db);
    assert_string_equal(before, after);
    free(after);
    free(before);

    /* The day close withdraws an early alert: the new one leaves the queue of new alerts,
     * the one an analyst decided on keeps the decision, an unknown id changes nothing. */
    assert_int_equal(queue_total(st, "new", NULL, NULL), 1);
    assert_int_equal(store_alert_withdraw(st, run, "A-000002", &e), 0);
    assert_int_equal(store_alert_withdraw(st, run, "A-000001", &e), 0);
    assert_int_equal(store_alert_withdraw(st, run, "A-999999", &e), 0);
    assert_int_equal(queue_total(st, "new", NULL, NULL), 0);
    assert_int_equal(queue_total(st, "withdrawn", NULL, NULL), 1);
    assert_int_equal(queue_total(st, "dismissed", NULL, NULL), 1);
    assert_int_equal(store_int(f->db, "SELECT count(*) FROM alert_filter WHERE status = "
                                      "'withdrawn'"),
                     store_int(f->db, "SELECT count(*) FROM alert_indicators i JOIN alerts a ON "
                                      "a.id = i.alert_id WHERE a.alert_ref = 'A-000002'"));
    store_close(st);
}

static void test_run_stats(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};
    struct store *st = open_store(f);
    int64_t run = 0;
    assert_int_equal(store_run_begin(st, "live", &run, &e), 0);
    assert_int_equal(store_run_stats(st, run, "{\"lines\":7}", 2, &e), 0);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT finished IS NULL AND alert_count = 2 AND stats_json ->> '$.lines' = 7 "
             "FROM runs WHERE id = %lld",
             (long long)run);
    assert_int_equal(store_int(f->db, sql), 1);
    assert_int_equal(store_run_stats(st, run, "{nope", 2, &e), -1);
    assert_non_null(strstr(e.msg, f->db));
    assert_int_equal(store_run_stats(st, run + 1, "{}", 2, &e), -1);
    assert_non_null(strstr(e.msg, "no such run"));
    assert_int_equal(store_run_finish(st, run, "{}", 3, &e), 0);
    assert_int_equal(store_run_stats(st, run, "{}", 4, &e), -1);
    assert_non_null(strstr(e.msg, "finished already"));
    store_close(st);
}

/* A PostgreSQL URL is recognised; messages name it without the password, on one line. */
static void test_postgres_url_refused_cleanly(void **state)
{
    (void)state;
    struct err e = {{0}};
    assert_null(store_open("postgresql://wachter:s3cret@127.0.0.1:1/wachter?password=x9y8&"
                           "connect_timeout=2",
                           &e));
    assert_non_null(strstr(e.msg, "postgresql://wachter@127.0.0.1:1/wachter?connect_timeout=2: "
                                  "cannot connect"));
    assert_null(strstr(e.msg, "s3cret"));
    assert_null(strstr(e.msg, "x9y8"));
    assert_null(strchr(e.msg, '\n'));
    assert_null(store_open("postgres://127.0.0.1:1/wachter", &e));
    assert_non_null(strstr(e.msg, "postgres://127.0.0.1:1/wachter: cannot connect"));
    /* libpq quotes a malformed URL whole; its password is hidden there too. */
    assert_null(store_open("postgresql://wachter:s3 cret@127.0.0.1:1/wachter", &e));
    assert_non_null(strstr(e.msg, "cannot connect"));
    assert_null(strstr(e.msg, "s3 cret"));
    assert_null(store_open("postgresql://wachter@127.0.0.1:1/wachter?password=x%zz", &e));
    assert_null(strstr(e.msg, "x%zz"));
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_bulk_insert_speed(void **state)
{
    struct fixture *f = *state;
    const char *env = getenv("WACHTER_STORE_BENCH_ALERTS");
    size_t n = env != NULL ? (size_t)strtoull(env, NULL, 10) : 2000;
    assert_true(n < 10000000); /* ids are A-000001 .. A-9999999 */
    enum { IND = 3, EV = 5, N_PSEUDONYMS = 5000 };

    struct err e = {{0}};
    struct store *st = open_store(f);
    int64_t run = 0;
    assert_int_equal(store_run_begin(st, "bench", &run, &e), 0);

    char(*pseudonyms)[16] = xcalloc(N_PSEUDONYMS, sizeof *pseudonyms);
    const unsigned char sealed[47] = {0};
    for (int i = 0; i < N_PSEUDONYMS; i++) {
        snprintf(pseudonyms[i], 16, "P-%010d", i);
        assert_int_equal(store_pseudonym_put(st, pseudonyms[i], sealed, sizeof sealed, "unit",
                                             "team", "agent", &e),
                         0);
    }

    /* Evidence with distinct event ids; indicators and alerts share the evidence arrays. */
    struct evidence *ev = xcalloc(n * IND * EV, sizeof *ev);
    struct alert_indicator *ind = xcalloc(n * IND, sizeof *ind);
    struct alert *alerts = xcalloc(n, sizeof *alerts);
    char(*ids)[24] = xcalloc(n * IND * EV, sizeof *ids);
    for (size_t i = 0; i < n * IND * EV; i++) {
        snprintf(ids[i], sizeof ids[i], "bv-%zu", i);
        ev[i] = (struct evidence){ids[i],     1738617249000 + (int64_t)i * 1000,
                                  "BlueView", "search_person",
                                  "person",   "NL-P-771",
                                  "",         "lookup of a relative"};
    }
    for (size_t i = 0; i < n * IND; i++)
        ind[i] = (struct alert_indicator){"relative_lookup",
                                          0.5,
                                          "2 queries on relatives without a case",
                                          "2 zoekvragen naar familie zonder zaak",
                                          "no such lookups in 90 days",
                                          "geen zulke raadplegingen in 90 dagen",
                                          ev + i * EV,
                                          EV};
    for (size_t i = 0; i < n; i++) {
        snprintf(alerts[i].id, sizeof alerts[i].id, "A-%06u", (unsigned)(i + 1) % 10000000u);
        alerts[i].user = REAL_USER;
        alerts[i].pseudonym = pseudonyms[i % N_PSEUDONYMS];
        alerts[i].unit = "unit";
        alerts[i].team = "team";
        alerts[i].role = "agent";
        alerts[i].score = (double)(i % 1000) / 1000.0;
        alerts[i].first_ms = 1738617249000;
        alerts[i].last_ms = 1738617249000 + 3600000;
        alerts[i].indicators = ind + i * IND;
        alerts[i].n_indicators = IND;
    }

    double t0 = now_seconds();
    assert_int_equal(store_alerts_put(st, run, alerts, n, &e), 0);
    double t1 = now_seconds();
    store_close(st);
    double t2 = now_seconds();
    print_message("stored %zu alerts (%zu indicators, %zu evidence rows) in %.3f s; "
                  "close (checkpoint) %.3f s\n",
                  n, n * IND, n * IND * EV, t1 - t0, t2 - t1);
    assert_int_equal(store_int(f->db, "SELECT count(*) FROM alerts"), (int64_t)n);
    assert_int_equal(store_int(f->db, "SELECT count(*) FROM evidence"), (int64_t)(n * IND * EV));
    free(ids);
    free(alerts);
    free(ind);
    free(ev);
    free(pseudonyms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_is_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_database_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_files_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_mode_on, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alerts_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_batch_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runs_and_pseudonyms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reveal_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upsert_keeps_workflow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_stats, setup, teardown),
        cmocka_unit_test(test_postgres_url_refused_cleanly),
        cmocka_unit_test_setup_teardown(test_bulk_insert_speed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
