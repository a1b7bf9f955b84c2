/*
 * store.c - the SQLite store: opening and migrating a database, and writing runs,
 * pseudonyms, alerts with their indicators and evidence, and the reveal log; and the
 * switch to the PostgreSQL backend (pg.c) for a postgresql:// URL, whose handle forwards
 * the write path of analyze and run there (see store_int.h for the workbench's side).
 *
 * A struct store is one SQLite connection plus the statements of schema.h, prepared once
 * at open (SQLITE_PREPARE_PERSISTENT) and used as bind -> step -> reset, so a statement
 * is never left holding a read or write lock between calls. A handle is used by one
 * thread at a time; give each thread its own.
 *
 * Opening, in order (every step fails with a message naming the file):
 *   1. Create the file with mode 0600 when it does not exist, so that the database and
 *      its -wal/-shm files (SQLite gives them the database's mode) are private to the
 *      account that runs wachter. The mode of an existing file is left alone.
 *   2. Refuse a file that is not SQLite, or is another application's database
 *      (application_id), or was written by a newer wachter (user_version above
 *      STORE_SCHEMA_VERSION) - before anything is written to it.
 *   3. Switch to WAL (persistent in the file) and apply the connection settings.
 *   4. Migrate: each pending migration runs with its version bump in one BEGIN IMMEDIATE
 *      transaction, and the version is re-read inside that transaction, so two processes
 *      opening a fresh database at once apply each migration exactly once.
 *   5. Prepare the statements.
 *
 * Writing alerts: store_alerts_put inserts a whole batch in one BEGIN IMMEDIATE
 * transaction (one commit, not one per row, for 100,000 alerts) and rolls it
 * back entirely on the first error, leaving the handle usable. Child rows find their
 * parent through sqlite3_last_insert_rowid, so no row is read back.
 *
 * Upserting alerts (the live service): store_alerts_upsert inserts a new alert as
 * store_alerts_put does; an alert already in the run is updated in place (UPSERT ...
 * RETURNING id) and its indicators and evidence are rewritten by ordinal, the surplus
 * deleted, so their ids stay and an unchanged alert leaves every row as it was. The
 * alert_filter rows of the alert are then rebuilt: its triggers only follow inserted
 * indicators and status changes, not replaced indicators or a new score.
 *
 * Error idiom (SQLite's own): `int rc = SQLITE_OK`, each bind only when rc is still OK,
 * then one step that reports the first failure with sqlite3_errmsg, written into the
 * caller's struct err once, at the failure, naming the database path.
 *
 * Memory: the handle owns its path copy, connection and statements. Text bound to a
 * statement is bound SQLITE_STATIC, i.e. borrowed from the caller until the statement is
 * reset, which happens before the function returns.
 */
#include "store/store.h"
#include "store/schema.h"
#include "store/store_int.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long a connection waits for another's lock before giving up. */
enum { BUSY_TIMEOUT_MS = 5000 };

_Static_assert(STORE_SCHEMA_VERSION >= 1, "at least one migration");
_Static_assert(sizeof store_stmt_sql / sizeof store_stmt_sql[0] == STMT_COUNT,
               "one SQL text per statement");

static int exec_sql(struct store *st, const char *sql, struct err *e, const char *what);
static int query_ints(struct store *st, const char *sql, int64_t *out, int n, struct err *e);
static int check_identity(struct store *st, struct err *e);
static int enable_wal(struct store *st, struct err *e);
static int migrate(struct store *st, struct err *e);
static int prepare_statements(struct store *st, struct err *e);
static int create_private_file(const char *path, struct err *e);
static struct store *open_postgres(const char *url, struct err *e);
static void bind_alert(sqlite3_stmt *s, int64_t run_id, const struct alert *a, const char *created,
                       int *rc);
static int put_alert(struct store *st, int64_t run_id, const struct alert *a, const char *created,
                     struct err *e);
static int upsert_alert(struct store *st, int64_t run_id, const struct alert *a,
                        const char *created, struct err *e);
static int step_id(struct store *st, enum store_stmt id, int rc, int64_t *out, bool *found,
                   struct err *e, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

int store_schema_version(void)
{
    return STORE_SCHEMA_VERSION;
}

struct store *store_open(const char *path, struct err *e)
{
    assert(path != NULL);
    if (pgs_is_url(path))
        return open_postgres(path, e);
    struct store *st = xcalloc(1, sizeof *st);
    st->path = xstrdup(path);

    bool in_memory = strcmp(path, ":memory:") == 0;
    if (!in_memory && create_private_file(path, e) != 0)
        goto failed;
    int rc = sqlite3_open_v2(
        path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        err_set(e, "%s: cannot open database: %s", path,
                st->db != NULL ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        goto failed;
    }
    sqlite3_extended_result_codes(st->db, 1);
    if (sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS) != SQLITE_OK) {
        st_fail(st, e, "cannot set busy timeout");
        goto failed;
    }
    if (check_identity(st, e) != 0)
        goto failed;
    if (!in_memory && enable_wal(st, e) != 0)
        goto failed;
    if (exec_sql(st, store_connection_pragmas, e, "cannot apply connection settings") != 0)
        goto failed;
    if (migrate(st, e) != 0 || prepare_statements(st, e) != 0)
        goto failed;
    st->ready = true;
    return st;

failed:
    store_close(st);
    return NULL;
}

/* A PostgreSQL handle: the backend, plus the empty in-memory SQLite connection on which
 * the workbench's functions fail cleanly (store_int.h). */
static struct store *open_postgres(const char *url, struct err *e)
{
    struct store *st = xcalloc(1, sizeof *st);
    st->path = pgs_display_name(url);
    if ((st->pg = pgs_open(url, st->path, e)) == NULL)
        goto failed;
    if (sqlite3_open_v2(":memory:", &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        err_set(e, "%s: cannot open an in-memory SQLite connection", st->path);
        goto failed;
    }
    st->ready = true;
    return st;

failed:
    store_close(st);
    return NULL;
}

void store_close(struct store *st)
{
    if (st == NULL)
        return;
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(st->stmt[i]); /* accepts NULL; returns the last step's error */
    for (int i = 0; i < STORE_QUEUE_VARIANTS; i++) {
        sqlite3_finalize(st->queue_page[i]);
        sqlite3_finalize(st->queue_count[i]);
    }
    if (st->db != NULL) {
        if (st->ready && st->pg == NULL &&
            sqlite3_exec(st->db, STORE_SQL_OPTIMIZE, NULL, NULL, NULL) != SQLITE_OK)
            log_error("%s: PRAGMA optimize failed: %s", st->path, sqlite3_errmsg(st->db));
        if (sqlite3_close(st->db) != SQLITE_OK)
            log_error("%s: cannot close database: %s", st->path, sqlite3_errmsg(st->db));
    }
    pgs_close(st->pg);
    free(st->path);
    free(st);
}

int store_run_begin(struct store *st, const char *dataset, int64_t *run_id, struct err *e)
{
    assert(st != NULL && st->ready && dataset != NULL && run_id != NULL);
    if (st->pg != NULL)
        return pgs_run_begin(st->pg, dataset, run_id, e);
    char started[UTC_TEXT_SIZE];
    st_now_text(started);
    sqlite3_stmt *s = st->stmt[STMT_RUN_BEGIN];
    int rc = SQLITE_OK;
    st_bind_text(s, 1, dataset, &rc);
    st_bind_text(s, 2, started, &rc);
    if (st_run(st, STMT_RUN_BEGIN, rc, e, "cannot start a run of %s", dataset) != 0)
        return -1;
    *run_id = sqlite3_last_insert_rowid(st->db);
    return 0;
}

/* store_run_finish (finish true) and store_run_stats: both change only an open run. */
static int run_update(struct store *st, int64_t run_id, const char *stats_json, int64_t n_alerts,
                      bool finish, struct err *e)
{
    assert(st != NULL && st->ready);
    if (st->pg != NULL)
        return pgs_run_update(st->pg, run_id, stats_json, n_alerts, finish, e);
    const char *what = finish ? "finish" : "record the statistics of";
    enum store_stmt id = finish ? STMT_RUN_FINISH : STMT_RUN_STATS;
    sqlite3_stmt *s = st->stmt[id];
    char finished[UTC_TEXT_SIZE];
    int rc = SQLITE_OK, param = 1;
    st_bind_int64(s, param++, run_id, &rc);
    if (finish) {
        st_now_text(finished);
        st_bind_text(s, param++, finished, &rc);
    }
    st_bind_text_or_null(s, param++, stats_json, &rc);
    st_bind_int64(s, param, n_alerts, &rc);
    if (st_run(st, id, rc, e, "cannot %s run %lld", what, (long long)run_id) != 0)
        return -1;
    if (sqlite3_changes(st->db) != 1)
        return err_set(e, "%s: cannot %s run %lld: no such run, or it has finished already",
                       st->path, what, (long long)run_id);
    return 0;
}

int store_run_finish(struct store *st, int64_t run_id, const char *stats_json, int64_t n_alerts,
                     struct err *e)
{
    return run_update(st, run_id, stats_json, n_alerts, true, e);
}

int store_alert_withdraw(struct store *st, int64_t run_id, const char *alert_ref, struct err *e)
{
    assert(st != NULL && st->ready && alert_ref != NULL);
    if (st->pg != NULL)
        return pgs_alert_withdraw(st->pg, run_id, alert_ref, e);
    sqlite3_stmt *s = st->stmt[STMT_ALERT_WITHDRAW];
    int rc = SQLITE_OK;
    st_bind_int64(s, 1, run_id, &rc);
    st_bind_text(s, 2, alert_ref, &rc);
    return st_run(st, STMT_ALERT_WITHDRAW, rc, e, "cannot withdraw alert %s of run %lld", alert_ref,
                  (long long)run_id);
}

int store_run_stats(struct store *st, int64_t run_id, const char *stats_json, int64_t n_alerts,
                    struct err *e)
{
    return run_update(st, run_id, stats_json, n_alerts, false, e);
}

int store_pseudonym_put(struct store *st, const char *pseudonym, const void *sealed,
                        size_t sealed_len, const char *unit, const char *team, const char *role,
                        struct err *e)
{
    assert(st != NULL && st->ready && pseudonym != NULL && sealed != NULL);
    if (st->pg != NULL)
        return pgs_pseudonym_put(st->pg, pseudonym, sealed, sealed_len, unit, team, role, e);
    char now[UTC_TEXT_SIZE];
    st_now_text(now);
    sqlite3_stmt *s = st->stmt[STMT_PSEUDONYM_PUT];
    int rc = SQLITE_OK;
    st_bind_text(s, 1, pseudonym, &rc);
    st_bind_blob(s, 2, sealed, sealed_len, &rc);
    st_bind_text(s, 3, unit, &rc);
    st_bind_text(s, 4, team, &rc);
    st_bind_text(s, 5, role, &rc);
    st_bind_text(s, 6, now, &rc);
    return st_run(st, STMT_PSEUDONYM_PUT, rc, e, "cannot store pseudonym %s", pseudonym);
}

/* store_alerts_put and store_alerts_upsert: the whole batch in one transaction. */
static int write_alerts(struct store *st, int64_t run_id, const struct alert *alerts, size_t n,
                        bool upsert, struct err *e)
{
    assert(st != NULL && st->ready && (alerts != NULL || n == 0));
    if (st->pg != NULL)
        return pgs_alerts_put(st->pg, run_id, alerts, n, upsert, e);
    char created[UTC_TEXT_SIZE];
    st_now_text(created);
    if (st_run(st, STMT_BEGIN, SQLITE_OK, e, "cannot begin %s %zu alerts",
               upsert ? "upserting" : "storing", n) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int rc = upsert ? upsert_alert(st, run_id, &alerts[i], created, e)
                        : put_alert(st, run_id, &alerts[i], created, e);
        if (rc != 0) {
            st_rollback(st);
            return -1;
        }
    }
    if (st_run(st, STMT_COMMIT, SQLITE_OK, e, "cannot commit %zu alerts of run %lld", n,
               (long long)run_id) != 0) {
        st_rollback(st);
        return -1;
    }
    return 0;
}

int store_alerts_put(struct store *st, int64_t run_id, const struct alert *alerts, size_t n,
                     struct err *e)
{
    return write_alerts(st, run_id, alerts, n, false, e);
}

int store_alerts_upsert(struct store *st, int64_t run_id, const struct alert *alerts, size_t n,
                        struct err *e)
{
    return write_alerts(st, run_id, alerts, n, true, e);
}

int store_reveal_log(struct store *st, int64_t run_id, const char *actor, const char *channel,
                     const char *reason, struct err *e)
{
    assert(st != NULL && st->ready);
    if (st->pg != NULL)
        return pgs_reveal_log(st->pg, run_id, actor, channel, reason, e);
    char ts[UTC_TEXT_SIZE];
    st_now_text(ts);
    sqlite3_stmt *s = st->stmt[STMT_REVEAL_INSERT];
    int rc = SQLITE_OK;
    st_bind_text(s, 1, ts, &rc);
    st_bind_int64(s, 2, run_id, &rc);
    st_bind_text(s, 3, actor, &rc);
    st_bind_text(s, 4, channel, &rc);
    st_bind_text(s, 5, reason, &rc);
    return st_run(st, STMT_REVEAL_INSERT, rc, e,
                  "cannot record the reveal for run %lld (actor, channel and reason are "
                  "all required)",
                  (long long)run_id);
}

int store_activity_put(struct store *st, int64_t run_id, const char *pseudonym,
                       const struct activity_day *days, size_t n, struct err *e)
{
    assert(st != NULL && st->ready && pseudonym != NULL && (days != NULL || n == 0));
    if (st->pg != NULL)
        return pgs_activity_put(st->pg, run_id, pseudonym, days, n, e);
    if (st_run(st, STMT_BEGIN, SQLITE_OK, e, "cannot begin storing activity of %s", pseudonym) != 0)
        return -1;
    sqlite3_stmt *s = st->stmt[STMT_ACTIVITY_DELETE];
    int rc = SQLITE_OK;
    st_bind_int64(s, 1, run_id, &rc);
    st_bind_text(s, 2, pseudonym, &rc);
    if (st_run(st, STMT_ACTIVITY_DELETE, rc, e, "cannot replace activity of %s", pseudonym) != 0)
        goto failed;
    for (size_t i = 0; i < n; i++) {
        s = st->stmt[STMT_ACTIVITY_INSERT];
        rc = SQLITE_OK;
        st_bind_int64(s, 1, run_id, &rc);
        st_bind_text(s, 2, pseudonym, &rc);
        st_bind_int64(s, 3, days[i].day, &rc);
        st_bind_int64(s, 4, days[i].accesses, &rc);
        st_bind_int64(s, 5, days[i].unexplained, &rc);
        st_bind_double(s, 6, days[i].peer_median, &rc);
        if (st_run(st, STMT_ACTIVITY_INSERT, rc, e,
                   "cannot store activity of %s on day %ld of run %lld", pseudonym,
                   (long)days[i].day, (long long)run_id) != 0)
            goto failed;
    }
    if (st_run(st, STMT_COMMIT, SQLITE_OK, e, "cannot commit activity of %s", pseudonym) != 0)
        goto failed;
    return 0;

failed:
    st_rollback(st);
    return -1;
}

/* The exceptions the engine applies: PostgreSQL here, SQLite in work.c (store_int.h). */
int store_begin(struct store *st, struct err *e)
{
    assert(st != NULL && st->ready);
    return st_run(st, STMT_BEGIN, SQLITE_OK, e, "cannot begin a transaction");
}

int store_commit(struct store *st, struct err *e)
{
    assert(st != NULL && st->ready);
    if (st_run(st, STMT_COMMIT, SQLITE_OK, e, "cannot commit") != 0) {
        st_rollback(st);
        return -1;
    }
    return 0;
}

void store_rollback(struct store *st)
{
    if (st != NULL && st->db != NULL)
        st_rollback(st);
}

/* Bind the parameters ?1..?11 of STMT_ALERT_INSERT (and STMT_ALERT_UPSERT). */
static void bind_alert(sqlite3_stmt *s, int64_t run_id, const struct alert *a, const char *created,
                       int *rc)
{
    st_bind_int64(s, 1, run_id, rc);
    st_bind_text(s, 2, a->id, rc);
    st_bind_text_or_null(s, 3, a->pseudonym, rc);
    st_bind_text(s, 4, a->unit, rc);
    st_bind_text(s, 5, a->team, rc);
    st_bind_text(s, 6, a->role, rc);
    st_bind_text_or_null(s, 7, a->group != NULL && *a->group != '\0' ? a->group : NULL, rc);
    st_bind_double(s, 8, a->score, rc);
    st_bind_int64(s, 9, a->first_ms, rc);
    st_bind_int64(s, 10, a->last_ms, rc);
    st_bind_text(s, 11, created, rc);
}

/* Bind the parameters ?3..?8 of STMT_INDICATOR_INSERT (and STMT_INDICATOR_UPSERT). */
static void bind_indicator(sqlite3_stmt *s, const struct alert_indicator *ind, int *rc)
{
    st_bind_text_or_null(s, 3, ind->name, rc);
    st_bind_double(s, 4, ind->score, rc);
    st_bind_text(s, 5, ind->text_en, rc);
    st_bind_text(s, 6, ind->text_nl, rc);
    st_bind_text(s, 7, ind->baseline_en, rc);
    st_bind_text(s, 8, ind->baseline_nl, rc);
}

/* Bind the parameters ?3..?10 of STMT_EVIDENCE_INSERT (and STMT_EVIDENCE_UPSERT). */
static void bind_evidence(sqlite3_stmt *s, const struct evidence *ev, int *rc)
{
    st_bind_text_or_null(s, 3, ev->event_id, rc);
    st_bind_int64(s, 4, ev->ts_ms, rc);
    st_bind_text(s, 5, ev->system, rc);
    st_bind_text(s, 6, ev->action, rc);
    st_bind_text(s, 7, ev->subject_type, rc);
    st_bind_text(s, 8, ev->subject, rc);
    st_bind_text(s, 9, ev->legitimation, rc);
    st_bind_text(s, 10, ev->note, rc);
}

/* Insert one alert with its indicators and evidence, inside the caller's transaction. */
static int put_alert(struct store *st, int64_t run_id, const struct alert *a, const char *created,
                     struct err *e)
{
    sqlite3_stmt *s = st->stmt[STMT_ALERT_INSERT];
    int rc = SQLITE_OK;
    bind_alert(s, run_id, a, created, &rc);
    if (st_run(st, STMT_ALERT_INSERT, rc, e, "cannot store alert %s of run %lld (pseudonym %s)",
               a->id, (long long)run_id, a->pseudonym ? a->pseudonym : "none") != 0)
        return -1;
    int64_t alert_rowid = sqlite3_last_insert_rowid(st->db);

    for (size_t i = 0; i < a->n_indicators; i++) {
        const struct alert_indicator *ind = &a->indicators[i];
        s = st->stmt[STMT_INDICATOR_INSERT];
        rc = SQLITE_OK;
        st_bind_int64(s, 1, alert_rowid, &rc);
        st_bind_int64(s, 2, (int64_t)i, &rc);
        bind_indicator(s, ind, &rc);
        if (st_run(st, STMT_INDICATOR_INSERT, rc, e, "cannot store indicator %s of alert %s",
                   ind->name ? ind->name : "(unnamed)", a->id) != 0)
            return -1;
        int64_t indicator_rowid = sqlite3_last_insert_rowid(st->db);

        for (size_t j = 0; j < ind->n_events; j++) {
            const struct evidence *ev = &ind->events[j];
            s = st->stmt[STMT_EVIDENCE_INSERT];
            rc = SQLITE_OK;
            st_bind_int64(s, 1, indicator_rowid, &rc);
            st_bind_int64(s, 2, (int64_t)j, &rc);
            bind_evidence(s, ev, &rc);
            if (st_run(st, STMT_EVIDENCE_INSERT, rc, e,
                       "cannot store evidence %s of indicator %s of alert %s",
                       ev->event_id ? ev->event_id : "(no event id)",
                       ind->name ? ind->name : "(unnamed)", a->id) != 0)
                return -1;
        }
    }
    return 0;
}

/* Insert alert `a`, or update the alert of the run with its id in place, with its
 * indicators and evidence rewritten by ordinal; inside the caller's transaction. */
static int upsert_alert(struct store *st, int64_t run_id, const struct alert *a,
                        const char *created, struct err *e)
{
    const char *pseudonym = a->pseudonym != NULL ? a->pseudonym : "none";
    int rc = SQLITE_OK;
    bind_alert(st->stmt[STMT_ALERT_UPSERT], run_id, a, created, &rc);
    int64_t alert_id;
    bool found;
    if (step_id(st, STMT_ALERT_UPSERT, rc, &alert_id, &found, e,
                "cannot store alert %s of run %lld (pseudonym %s)", a->id, (long long)run_id,
                pseudonym) != 0)
        return -1;
    if (!found)
        return err_set(e,
                       "%s: cannot store alert %s of run %lld (pseudonym %s): the run holds this "
                       "alert for another pseudonym",
                       st->path, a->id, (long long)run_id, pseudonym);

    for (size_t i = 0; i < a->n_indicators; i++) {
        const struct alert_indicator *ind = &a->indicators[i];
        const char *ind_name = ind->name != NULL ? ind->name : "(unnamed)";
        rc = SQLITE_OK;
        sqlite3_stmt *s = st->stmt[STMT_INDICATOR_UPSERT];
        st_bind_int64(s, 1, alert_id, &rc);
        st_bind_int64(s, 2, (int64_t)i, &rc);
        bind_indicator(s, ind, &rc);
        int64_t indicator_id;
        if (step_id(st, STMT_INDICATOR_UPSERT, rc, &indicator_id, &found, e,
                    "cannot store indicator %s of alert %s", ind_name, a->id) != 0)
            return -1;
        assert(found); /* the update has no WHERE: a row always comes back */

        for (size_t j = 0; j < ind->n_events; j++) {
            const struct evidence *ev = &ind->events[j];
            rc = SQLITE_OK;
            s = st->stmt[STMT_EVIDENCE_UPSERT];
            st_bind_int64(s, 1, indicator_id, &rc);
            st_bind_int64(s, 2, (int64_t)j, &rc);
            bind_evidence(s, ev, &rc);
            if (st_run(st, STMT_EVIDENCE_UPSERT, rc, e,
                       "cannot store evidence %s of indicator %s of alert %s",
                       ev->event_id ? ev->event_id : "(no event id)", ind_name, a->id) != 0)
                return -1;
        }
        rc = SQLITE_OK;
        st_bind_int64(st->stmt[STMT_EVIDENCE_TRIM], 1, indicator_id, &rc);
        st_bind_int64(st->stmt[STMT_EVIDENCE_TRIM], 2, (int64_t)ind->n_events, &rc);
        if (st_run(st, STMT_EVIDENCE_TRIM, rc, e,
                   "cannot replace the evidence of indicator %s of alert %s", ind_name, a->id) != 0)
            return -1;
    }
    rc = SQLITE_OK;
    st_bind_int64(st->stmt[STMT_INDICATORS_TRIM], 1, alert_id, &rc);
    st_bind_int64(st->stmt[STMT_INDICATORS_TRIM], 2, (int64_t)a->n_indicators, &rc);
    if (st_run(st, STMT_INDICATORS_TRIM, rc, e, "cannot replace the indicators of alert %s",
               a->id) != 0)
        return -1;

    rc = SQLITE_OK;
    st_bind_int64(st->stmt[STMT_ALERT_FILTER_CLEAR], 1, alert_id, &rc);
    if (st_run(st, STMT_ALERT_FILTER_CLEAR, rc, e, "cannot refresh the queue rows of alert %s",
               a->id) != 0)
        return -1;
    rc = SQLITE_OK;
    st_bind_int64(st->stmt[STMT_ALERT_FILTER_FILL], 1, alert_id, &rc);
    return st_run(st, STMT_ALERT_FILTER_FILL, rc, e, "cannot refresh the queue rows of alert %s",
                  a->id);
}

/* Step statement `id` (bound with result `rc`), whose RETURNING clause gives an id, and
 * reset it: *found tells whether a row came back, *out is its id. On failure fill `e`
 * with the formatted context and SQLite's message and return -1. */
static int step_id(struct store *st, enum store_stmt id, int rc, int64_t *out, bool *found,
                   struct err *e, const char *fmt, ...)
{
    sqlite3_stmt *s = st->stmt[id];
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (*found) {
        *out = sqlite3_column_int64(s, 0);
        rc = sqlite3_step(s); /* one row at most: this finishes the statement */
    }
    int result = 0;
    if (rc != SQLITE_DONE) {
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        result = st_fail(st, e, "%s", what);
    }
    (void)sqlite3_reset(s);
    return result;
}

/* ---- opening and migrating ----------------------------------------------------------- */

/* Create `path` empty with mode 0600 if it does not exist (SQLite treats an empty file as
 * a new database). An existing file is not touched. */
static int create_private_file(const char *path, struct err *e)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, "%s: cannot open or create database: %s", path, strerror(errno));
    if (close(fd) != 0)
        return err_set(e, "%s: cannot close database file: %s", path, strerror(errno));
    return 0;
}

/* Refuse files that are not wachter databases before writing anything to them: a file
 * that is not SQLite fails the first read here, another application's database has a
 * different application_id, and a newer wachter's database has a higher user_version. */
static int check_identity(struct store *st, struct err *e)
{
    int64_t identity[3];
    if (query_ints(st, STORE_SQL_IDENTITY, identity, 3, e) != 0)
        return -1;
    int64_t app_id = identity[0], version = identity[1], objects = identity[2];
    bool fresh = app_id == 0 && version == 0 && objects == 0;
    if (!fresh && app_id != STORE_APPLICATION_ID)
        return err_set(e, "%s: not a wachter database (application_id %lld)", st->path,
                       (long long)app_id);
    if (version > STORE_SCHEMA_VERSION)
        return err_set(e,
                       "%s: database has schema version %lld, newer than the %d this wachter "
                       "knows; use a newer wachter",
                       st->path, (long long)version, STORE_SCHEMA_VERSION);
    return 0;
}

/* Switching to WAL takes an exclusive lock and SQLite does not run the busy handler for
 * it, so when several processes open a fresh file at once all but one may get
 * SQLITE_BUSY. WAL is a property of the file: once one of them has switched it, the
 * switch is a no-op for the others. So a busy switch is retried, with pauses growing to
 * 100 ms, for as long as the busy timeout. */
static int enable_wal(struct store *st, struct err *e)
{
    sqlite3_stmt *s = NULL;
    int rc, waited = 0;
    for (int pause = 5;; pause = pause < 50 ? pause * 2 : 100) {
        rc = sqlite3_prepare_v2(st->db, STORE_SQL_JOURNAL_WAL, -1, &s, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(s);
        if (rc == SQLITE_ROW || (rc & 0xff) != SQLITE_BUSY || waited >= BUSY_TIMEOUT_MS)
            break;
        sqlite3_finalize(s);
        s = NULL;
        sqlite3_sleep(pause);
        waited += pause;
    }
    if (rc != SQLITE_ROW) {
        st_fail(st, e, "cannot switch to WAL mode");
        sqlite3_finalize(s);
        return -1;
    }
    const char *mode = (const char *)sqlite3_column_text(s, 0);
    bool wal = mode != NULL && strcmp(mode, "wal") == 0;
    if (!wal)
        err_set(e, "%s: cannot switch to WAL mode: journal mode stays %s", st->path,
                mode != NULL ? mode : "unknown");
    sqlite3_finalize(s);
    return wal ? 0 : -1;
}

static int migrate(struct store *st, struct err *e)
{
    for (;;) {
        /* Up to date is the common case: decide it without taking the write lock. */
        int64_t version;
        if (query_ints(st, STORE_SQL_USER_VERSION, &version, 1, e) != 0)
            return -1;
        if (version == STORE_SCHEMA_VERSION)
            return 0;
        if (exec_sql(st, STORE_SQL_BEGIN, e, "cannot begin migration") != 0)
            return -1;
        if (query_ints(st, STORE_SQL_USER_VERSION, &version, 1, e) != 0)
            goto failed;
        if (version > STORE_SCHEMA_VERSION) {
            err_set(e,
                    "%s: database has schema version %lld, newer than the %d this wachter "
                    "knows; use a newer wachter",
                    st->path, (long long)version, STORE_SCHEMA_VERSION);
            goto failed;
        }
        if (version == STORE_SCHEMA_VERSION)
            return exec_sql(st, STORE_SQL_COMMIT, e, "cannot end migration");

        char what[64], bump[128];
        snprintf(what, sizeof what, "cannot migrate to schema version %lld",
                 (long long)version + 1);
        snprintf(bump, sizeof bump, STORE_SQL_SET_VERSION_FMT, (int)version + 1,
                 STORE_APPLICATION_ID);
        if (exec_sql(st, store_migrations[version], e, what) != 0 ||
            exec_sql(st, bump, e, what) != 0 || exec_sql(st, STORE_SQL_COMMIT, e, what) != 0)
            goto failed;
    }

failed:
    st_rollback(st);
    return -1;
}

static int prepare_statements(struct store *st, struct err *e)
{
    for (int i = 0; i < STMT_COUNT; i++) {
        assert(store_stmt_sql[i] != NULL);
        if (sqlite3_prepare_v3(st->db, store_stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &st->stmt[i], NULL) != SQLITE_OK)
            return st_fail(st, e, "cannot prepare statement %d", i);
    }
    return 0;
}

/* ---- helpers ------------------------------------------------------------------------- */

/* Fill `e` with "<path>: <formatted text>: <SQLite's message>". Returns -1. */
int st_fail(struct store *st, struct err *e, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (st->pg != NULL)
        return err_set(e,
                       "%s: the workbench (serve, user, audit) needs an SQLite database; "
                       "PostgreSQL holds the alerts of analyze and run",
                       st->path);
    const char *hint = "";
    if (st->db != NULL && sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_FOREIGNKEY)
        hint = " (the run or the pseudonym it refers to is not in the database)";
    return err_set(e, "%s: %s: %s%s", st->path, what,
                   st->db != NULL ? sqlite3_errmsg(st->db) : "no connection", hint);
}

/* Run SQL text that returns no rows (one or more statements). */
static int exec_sql(struct store *st, const char *sql, struct err *e, const char *what)
{
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return st_fail(st, e, "%s", what);
    return 0;
}

/* Run a one-off query whose first row's first `n` columns are integers. */
static int query_ints(struct store *st, const char *sql, int64_t *out, int n, struct err *e)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        st_fail(st, e, "cannot read the database (%s)", sql);
        sqlite3_finalize(s);
        return -1;
    }
    for (int i = 0; i < n; i++)
        out[i] = sqlite3_column_int64(s, i);
    sqlite3_finalize(s);
    return 0;
}

/* Step prepared statement `id` whose parameters were bound with result `rc`, then reset
 * it. On failure fill `e` with the formatted context and SQLite's message. */
int st_run(struct store *st, enum store_stmt id, int rc, struct err *e, const char *fmt, ...)
{
    sqlite3_stmt *s = st->stmt[id];
    if (rc == SQLITE_OK)
        rc = s != NULL ? sqlite3_step(s) : SQLITE_MISUSE;
    int result = 0;
    if (rc != SQLITE_DONE) {
        char what[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        result = st_fail(st, e, "%s", what);
    }
    /* After a failed step, reset returns that same error again; it is reported above. */
    (void)sqlite3_reset(s);
    return result;
}

/* Roll back the open transaction, if SQLite has not done so itself (it does after some
 * errors, e.g. SQLITE_FULL). A failed rollback is logged; the caller's error stands. */
void st_rollback(struct store *st)
{
    if (sqlite3_get_autocommit(st->db))
        return;
    sqlite3_stmt *s = st->stmt[STMT_ROLLBACK];
    int rc =
        s != NULL ? sqlite3_step(s) : sqlite3_exec(st->db, STORE_SQL_ROLLBACK, NULL, NULL, NULL);
    if (rc != SQLITE_DONE && rc != SQLITE_OK)
        log_error("%s: cannot roll back: %s", st->path, sqlite3_errmsg(st->db));
    if (s != NULL)
        (void)sqlite3_reset(s);
}

void st_bind_text(sqlite3_stmt *s, int i, const char *v, int *rc)
{
    if (*rc == SQLITE_OK && s == NULL)
        *rc = SQLITE_MISUSE; /* a PostgreSQL handle prepares none */
    if (*rc == SQLITE_OK)
        *rc = sqlite3_bind_text(s, i, v != NULL ? v : "", -1, SQLITE_STATIC);
}

void st_bind_text_or_null(sqlite3_stmt *s, int i, const char *v, int *rc)
{
    if (*rc == SQLITE_OK && s == NULL)
        *rc = SQLITE_MISUSE; /* a PostgreSQL handle prepares none */
    if (*rc == SQLITE_OK)
        *rc = v != NULL ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
}

void st_bind_int64(sqlite3_stmt *s, int i, int64_t v, int *rc)
{
    if (*rc == SQLITE_OK && s == NULL)
        *rc = SQLITE_MISUSE; /* a PostgreSQL handle prepares none */
    if (*rc == SQLITE_OK)
        *rc = sqlite3_bind_int64(s, i, v);
}

void st_bind_double(sqlite3_stmt *s, int i, double v, int *rc)
{
    if (*rc == SQLITE_OK && s == NULL)
        *rc = SQLITE_MISUSE; /* a PostgreSQL handle prepares none */
    if (*rc == SQLITE_OK)
        *rc = sqlite3_bind_double(s, i, v);
}

void st_bind_blob(sqlite3_stmt *s, int i, const void *v, size_t n, int *rc)
{
    if (*rc == SQLITE_OK && s == NULL)
        *rc = SQLITE_MISUSE; /* a PostgreSQL handle prepares none */
    if (*rc == SQLITE_OK)
        *rc = sqlite3_bind_blob64(s, i, v, n, SQLITE_STATIC);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Format `ms` (UTC milliseconds) as "YYYY-MM-DDTHH:MM:SS.sssZ". */
void st_utc_text(int64_t ms, char out[UTC_TEXT_SIZE])
{
    int64_t secs = floor_div(ms, 1000), days = floor_div(secs, 86400);
    int64_t sod = secs - days * 86400;
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, UTC_TEXT_SIZE, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, m, d, (int)(sod / 3600),
             (int)(sod / 60 % 60), (int)(sod % 60), (int)(ms - secs * 1000));
}

void st_now_text(char out[UTC_TEXT_SIZE])
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
        ts.tv_sec = time(NULL);
        ts.tv_nsec = 0;
    }
    st_utc_text((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, out);
}

int st_json_rows(struct store *st, enum store_stmt id, int rc, struct sbuf *out, struct err *e)
{
    sqlite3_stmt *s = st->stmt[id];
    if (s == NULL && rc == SQLITE_OK)
        rc = SQLITE_MISUSE;
    int n = 0;
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW)
            break;
        const char *json = (const char *)sqlite3_column_text(s, 0);
        if (n++ > 0)
            sbuf_putc(out, ',');
        sbuf_puts(out, json != NULL ? json : "null");
    }
    int result = rc == SQLITE_DONE ? 0 : st_fail(st, e, "cannot read (statement %d)", (int)id);
    (void)sqlite3_reset(s);
    return result;
}

int st_row(struct store *st, enum store_stmt id, int rc, bool *found, struct err *e)
{
    sqlite3_stmt *s = st->stmt[id];
    *found = false;
    if (rc == SQLITE_OK)
        rc = s != NULL ? sqlite3_step(s) : SQLITE_MISUSE;
    if (rc == SQLITE_ROW) {
        *found = true;
        return 0;
    }
    if (rc == SQLITE_DONE)
        return 0;
    return st_fail(st, e, "cannot read (statement %d)", (int)id);
}

void st_col_text(sqlite3_stmt *s, int col, char *out, size_t size)
{
    const char *t = (const char *)sqlite3_column_text(s, col);
    snprintf(out, size, "%s", t != NULL ? t : "");
}
