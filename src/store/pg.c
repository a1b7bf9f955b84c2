/*
 * pg.c - the store's write path on PostgreSQL: what `wachter analyze` and `wachter run`
 * store (runs, pseudonyms, alerts with indicators and evidence, activity, the reveal
 * log) and read (exceptions), so that several instances can write into one database.
 *
 * A struct pgs is one libpq connection with the statements of schema.h prepared once
 * (PQprepare) and run with PQexecPrepared: values only ever travel as parameters, text
 * except the sealed numbers (binary BYTEA). One handle per thread, as with SQLite.
 *
 * Opening (pgs_open), in order, each step failing with a message naming the URL
 * without its password:
 *   1. Connect (PQconnectdbParams: the URL, with defaults it may override:
 *      connect_timeout 10 s, client_encoding UTF8, application_name wachter).
 *   2. In one transaction that first takes the advisory lock PG_SQL_MIGRATION_LOCK, so
 *      that instances starting at once queue up instead of racing: refuse a schema with
 *      tables but no wachter_schema (not ours), create wachter_schema in an empty one,
 *      refuse a version above PG_SCHEMA_VERSION (a newer wachter's), and apply each
 *      pending migration with its row in wachter_schema. Any failure rolls it all back.
 *   3. Prepare the statements.
 *
 * Writing a batch (alerts, activity): one transaction whose statements are sent in
 * libpq's pipeline mode, PGS_CHUNK at a time between sync points, so a batch of 100,000
 * alerts costs a few thousand round trips instead of two million. Children name their
 * parent by (run_id, alert_ref) and ordinal instead of a returned id, which is what
 * lets them be sent without waiting. Every queued statement keeps a label (which alert,
 * indicator or event it stores) so that the first failure is reported as SQLite's is:
 * naming the failing alert. After a failure nothing more is sent, the results in flight
 * are drained and the transaction is rolled back; the handle stays usable.
 *
 * Upserting (the live service): the alert is INSERT ... ON CONFLICT (run_id, alert_ref)
 * DO UPDATE, keeping its id, status and created; indicators and evidence are rewritten
 * in place by ordinal and the surplus deleted, so re-upserting an unchanged alert leaves
 * every row as it was.
 *
 * Memory: the handle owns its connection and its copy of the display name.
 */
#include "store/pg.h"
#include "store/schema.h"
#include "store/store_int.h"

#include <assert.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(PG_SCHEMA_VERSION == STORE_SCHEMA_VERSION,
               "every SQLite migration has a PostgreSQL counterpart (empty if need be)");
_Static_assert(sizeof pg_stmt_sql / sizeof pg_stmt_sql[0] == PG_STMT_COUNT,
               "one SQL text per PostgreSQL statement");

/* Statements in flight between two sync points of a pipelined batch. Their results
 * (a few dozen bytes each) must fit the socket buffers while the client is still
 * sending, or client and server would wait on each other. */
#define PGS_CHUNK 256
#define PGS_LABEL 160
/* The most parameters any statement of schema.h takes. */
#define PGS_MAX_PARAMS 12

struct pgs {
    PGconn *conn;
    char *name; /* the URL without the password, for messages */

    /* The batch being written: statements sent since the last sync, with their labels;
     * the first failure (in `e`) stops it. */
    struct err *e;
    bool failed;
    int queued;
    bool want_row[PGS_CHUNK];
    char label[PGS_CHUNK][PGS_LABEL];
};

/* The parameters of one statement in libpq's three arrays; numbers are formatted into
 * `num`, so the struct must not be copied once filled. */
struct params {
    int n;
    const char *val[PGS_MAX_PARAMS];
    int len[PGS_MAX_PARAMS];
    int fmt[PGS_MAX_PARAMS];
    char num[PGS_MAX_PARAMS][32];
};

static int pgs_fail(struct pgs *pg, struct err *e, const PGresult *r, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void one_line(char *s);
static char *scrub(const char *msg, const char *url);
static void notice(void *arg, const PGresult *r);
static int migrate(struct pgs *pg, struct err *e);
static int prepare_statements(struct pgs *pg, struct err *e);
static void rollback(struct pgs *pg);
static PGresult *run(struct pgs *pg, enum pg_stmt id, const struct params *p);
static int batch_begin(struct pgs *pg, struct err *e, const char *what);
static void batch_send(struct pgs *pg, enum pg_stmt id, const struct params *p, bool want_row,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void batch_sync(struct pgs *pg);
static int batch_end(struct pgs *pg);
static void send_alert(struct pgs *pg, int64_t run_id, const struct alert *a, const char *created,
                       bool upsert);

/* ---- parameters ---------------------------------------------------------------------- */

static void p_add(struct params *p, const char *v, int len, int fmt)
{
    assert(p->n < PGS_MAX_PARAMS);
    p->val[p->n] = v;
    p->len[p->n] = len;
    p->fmt[p->n] = fmt;
    p->n++;
}

/* Text; NULL is stored as "" (as st_bind_text does). */
static void p_text(struct params *p, const char *v)
{
    p_add(p, v != NULL ? v : "", 0, 0);
}

/* Text; NULL stays SQL NULL. */
static void p_text_or_null(struct params *p, const char *v)
{
    p_add(p, v, 0, 0);
}

static void p_int(struct params *p, int64_t v)
{
    assert(p->n < PGS_MAX_PARAMS);
    snprintf(p->num[p->n], sizeof p->num[p->n], "%" PRId64, v);
    p_add(p, p->num[p->n], 0, 0);
}

/* 17 significant digits: the text reads back as the same double. */
static void p_double(struct params *p, double v)
{
    assert(p->n < PGS_MAX_PARAMS);
    snprintf(p->num[p->n], sizeof p->num[p->n], "%.17g", v);
    p_add(p, p->num[p->n], 0, 0);
}

/* Bytes, sent in binary format (BYTEA). */
static void p_blob(struct params *p, const void *v, size_t n)
{
    assert(n <= INT32_MAX);
    p_add(p, v, (int)n, 1);
}

/* ---- naming the database ------------------------------------------------------------- */

bool pgs_is_url(const char *path)
{
    return strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0;
}

char *pgs_display_name(const char *url)
{
    const char *rest = strstr(url, "://");
    if (rest == NULL)
        return xstrdup(url);
    rest += 3;
    struct sbuf b = {0};
    sbuf_add(&b, url, (size_t)(rest - url));

    /* Authority: [user[:password]@]host[:port][,host...]; the last '@' ends the user
     * part (a literal '@' in a password must be percent-encoded, but be safe). */
    size_t auth = strcspn(rest, "/?");
    const char *at = NULL;
    for (size_t i = 0; i < auth; i++)
        if (rest[i] == '@')
            at = rest + i;
    if (at != NULL) {
        size_t user = strcspn(rest, ":@");
        if (user > (size_t)(at - rest))
            user = (size_t)(at - rest);
        sbuf_add(&b, rest, user);
        sbuf_add(&b, at, (size_t)(rest + auth - at));
    } else {
        sbuf_add(&b, rest, auth);
    }

    /* Path as is; query parameters except password=. */
    rest += auth;
    size_t path = strcspn(rest, "?");
    sbuf_add(&b, rest, path);
    rest += path;
    if (*rest == '?') {
        rest++;
        bool first = true;
        while (*rest != '\0') {
            size_t n = strcspn(rest, "&");
            if (!(n >= 9 && strncmp(rest, "password=", 9) == 0) && n > 0) {
                sbuf_putc(&b, first ? '?' : '&');
                sbuf_add(&b, rest, n);
                first = false;
            }
            rest += n;
            if (*rest == '&')
                rest++;
        }
    }
    return b.buf != NULL ? b.buf : xstrdup("");
}

/* ---- opening and closing ------------------------------------------------------------- */

struct pgs *pgs_open(const char *url, const char *name, struct err *e)
{
    assert(url != NULL && name != NULL);
    struct pgs *pg = xcalloc(1, sizeof *pg);
    pg->name = xstrdup(name);

    /* Keywords before "dbname" are defaults: the URL's own parameters override them. */
    const char *const keys[] = {"connect_timeout", "client_encoding", "fallback_application_name",
                                "dbname", NULL};
    const char *const vals[] = {"10", "UTF8", "wachter", url, NULL};
    pg->conn = PQconnectdbParams(keys, vals, 1);
    if (pg->conn == NULL) {
        err_set(e, "%s: cannot connect: out of memory", name);
        goto failed;
    }
    if (PQstatus(pg->conn) != CONNECTION_OK) {
        /* libpq quotes a malformed URL whole in some messages: hide its secrets. */
        char *why = scrub(PQerrorMessage(pg->conn), url);
        one_line(why);
        err_set(e, "%s: cannot connect: %s", name, why);
        free(why);
        goto failed;
    }
    PQsetNoticeReceiver(pg->conn, notice, pg);
    if (migrate(pg, e) != 0 || prepare_statements(pg, e) != 0)
        goto failed;
    return pg;

failed:
    pgs_close(pg);
    return NULL;
}

void pgs_close(struct pgs *pg)
{
    if (pg == NULL)
        return;
    PQfinish(pg->conn); /* accepts NULL */
    free(pg->name);
    free(pg);
}

/* Run constant SQL (no values) that returns no rows or rows nobody reads. */
static int simple(struct pgs *pg, const char *sql, struct err *e, const char *what)
{
    PGresult *r = PQexec(pg->conn, sql);
    ExecStatusType s = PQresultStatus(r);
    int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY
                 ? 0
                 : pgs_fail(pg, e, r, "%s", what);
    PQclear(r);
    return rc;
}

/* Run a one-row query of constant SQL with parameters `p` (NULL: none) and read its
 * first `n` columns as integers into out[0..n-1]. */
static int query_ints(struct pgs *pg, const char *sql, const struct params *p, int64_t *out, int n,
                      struct err *e, const char *what)
{
    PGresult *r = PQexecParams(pg->conn, sql, p != NULL ? p->n : 0, NULL, p != NULL ? p->val : NULL,
                               p != NULL ? p->len : NULL, p != NULL ? p->fmt : NULL, 0);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1 || PQnfields(r) < n)
        rc = pgs_fail(pg, e, r, "%s", what);
    else
        for (int i = 0; i < n; i++)
            out[i] = strtoll(PQgetvalue(r, 0, i), NULL, 10);
    PQclear(r);
    return rc;
}

static int migrate(struct pgs *pg, struct err *e)
{
    if (simple(pg, PG_SQL_BEGIN, e, "cannot begin migration") != 0)
        return -1;
    struct params lock = {0};
    p_int(&lock, STORE_APPLICATION_ID);
    int64_t identity[2], version;
    if (query_ints(pg, PG_SQL_MIGRATION_LOCK, &lock, NULL, 0, e,
                   "cannot take the migration lock") != 0 ||
        query_ints(pg, PG_SQL_IDENTITY, NULL, identity, 2, e, "cannot read the schema") != 0)
        goto failed;
    int64_t has_schema = identity[0], tables = identity[1];
    if (has_schema == 0 && tables > 0) {
        err_set(e,
                "%s: not a wachter database: its schema holds %lld tables but no "
                "wachter_schema",
                pg->name, (long long)tables);
        goto failed;
    }
    if (has_schema == 0 &&
        simple(pg, PG_SQL_SCHEMA_CREATE, e, "cannot create the table wachter_schema") != 0)
        goto failed;
    if (query_ints(pg, PG_SQL_SCHEMA_VERSION, NULL, &version, 1, e,
                   "cannot read the schema version") != 0)
        goto failed;
    if (version > PG_SCHEMA_VERSION) {
        err_set(e,
                "%s: database has schema version %lld, newer than the %d this wachter knows; "
                "use a newer wachter",
                pg->name, (long long)version, PG_SCHEMA_VERSION);
        goto failed;
    }
    for (int64_t v = version; v < PG_SCHEMA_VERSION; v++) {
        char what[64], now[UTC_TEXT_SIZE];
        snprintf(what, sizeof what, "cannot migrate to schema version %lld", (long long)v + 1);
        st_now_text(now);
        struct params rec = {0};
        p_int(&rec, v + 1);
        p_text(&rec, now);
        if (simple(pg, pg_migrations[v], e, what) != 0)
            goto failed;
        PGresult *r =
            PQexecParams(pg->conn, PG_SQL_SCHEMA_RECORD, rec.n, NULL, rec.val, rec.len, rec.fmt, 0);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            pgs_fail(pg, e, r, "%s", what);
        PQclear(r);
        if (!ok)
            goto failed;
    }
    return simple(pg, PG_SQL_COMMIT, e, "cannot commit the migration");

failed:
    rollback(pg);
    return -1;
}

static void stmt_name(enum pg_stmt id, char out[32])
{
    snprintf(out, 32, "wachter_%d", (int)id);
}

static int prepare_statements(struct pgs *pg, struct err *e)
{
    for (int i = 0; i < PG_STMT_COUNT; i++) {
        char name[32];
        stmt_name((enum pg_stmt)i, name);
        PGresult *r = PQprepare(pg->conn, name, pg_stmt_sql[i], 0, NULL);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            pgs_fail(pg, e, r, "cannot prepare statement %d", i);
        PQclear(r);
        if (!ok)
            return -1;
    }
    return 0;
}

/* ---- single statements --------------------------------------------------------------- */

static PGresult *run(struct pgs *pg, enum pg_stmt id, const struct params *p)
{
    char name[32];
    stmt_name(id, name);
    return PQexecPrepared(pg->conn, name, p->n, p->val, p->len, p->fmt, 0);
}

/* Run a statement that returns no rows; *changed (may be NULL) gets its row count. */
static int run_command(struct pgs *pg, enum pg_stmt id, const struct params *p, int64_t *changed,
                       struct err *e, const char *what)
{
    PGresult *r = run(pg, id, p);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        rc = pgs_fail(pg, e, r, "%s", what);
    else if (changed != NULL)
        *changed = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return rc;
}

int pgs_run_begin(struct pgs *pg, const char *dataset, int64_t *run_id, struct err *e)
{
    char started[UTC_TEXT_SIZE];
    st_now_text(started);
    struct params p = {0};
    p_text(&p, dataset);
    p_text(&p, started);
    PGresult *r = run(pg, PG_RUN_BEGIN, &p);
    int rc = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        rc = pgs_fail(pg, e, r, "cannot start a run of %s", dataset);
    else
        *run_id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return rc;
}

int pgs_run_update(struct pgs *pg, int64_t run_id, const char *stats_json, int64_t n_alerts,
                   bool finish, struct err *e)
{
    char now[UTC_TEXT_SIZE], what[96];
    st_now_text(now);
    snprintf(what, sizeof what, "cannot %s run %lld",
             finish ? "finish" : "record the statistics of", (long long)run_id);
    struct params p = {0};
    p_int(&p, run_id);
    if (finish)
        p_text(&p, now);
    p_text_or_null(&p, stats_json);
    p_int(&p, n_alerts);
    int64_t changed = 0;
    if (run_command(pg, finish ? PG_RUN_FINISH : PG_RUN_STATS, &p, &changed, e, what) != 0)
        return -1;
    if (changed != 1)
        return err_set(e, "%s: %s: no such run, or it has finished already", pg->name, what);
    return 0;
}

int pgs_alert_withdraw(struct pgs *pg, int64_t run_id, const char *alert_ref, struct err *e)
{
    struct params p = {0};
    p_int(&p, run_id);
    p_text(&p, alert_ref);
    char what[96];
    snprintf(what, sizeof what, "cannot withdraw alert %.40s of run %lld", alert_ref,
             (long long)run_id);
    return run_command(pg, PG_ALERT_WITHDRAW, &p, NULL, e, what);
}

int pgs_pseudonym_put(struct pgs *pg, const char *pseudonym, const void *sealed, size_t sealed_len,
                      const char *unit, const char *team, const char *role, struct err *e)
{
    char now[UTC_TEXT_SIZE];
    st_now_text(now);
    struct params p = {0};
    p_text(&p, pseudonym);
    p_blob(&p, sealed, sealed_len);
    p_text(&p, unit);
    p_text(&p, team);
    p_text(&p, role);
    p_text(&p, now);
    char what[96];
    snprintf(what, sizeof what, "cannot store pseudonym %s", pseudonym);
    return run_command(pg, PG_PSEUDONYM_PUT, &p, NULL, e, what);
}

int pgs_reveal_log(struct pgs *pg, int64_t run_id, const char *actor, const char *channel,
                   const char *reason, struct err *e)
{
    char ts[UTC_TEXT_SIZE], what[160];
    st_now_text(ts);
    struct params p = {0};
    p_text(&p, ts);
    p_int(&p, run_id);
    p_text(&p, actor);
    p_text(&p, channel);
    p_text(&p, reason);
    snprintf(what, sizeof what,
             "cannot record the reveal for run %lld (actor, channel and reason are all required)",
             (long long)run_id);
    return run_command(pg, PG_REVEAL_INSERT, &p, NULL, e, what);
}

int pgs_exceptions_each(struct pgs *pg, store_exception_fn fn, void *ctx, struct err *e)
{
    struct params p = {0};
    PGresult *r = run(pg, PG_EXCEPTIONS_ALL, &p);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        pgs_fail(pg, e, r, "cannot read the exceptions");
        PQclear(r);
        return -1;
    }
    for (int i = 0; i < PQntuples(r); i++)
        fn(ctx, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
    PQclear(r);
    return 0;
}

/* ---- batches: one transaction, pipelined ---------------------------------------------- */

int pgs_alerts_put(struct pgs *pg, int64_t run_id, const struct alert *alerts, size_t n,
                   bool upsert, struct err *e)
{
    char created[UTC_TEXT_SIZE], what[64];
    st_now_text(created);
    snprintf(what, sizeof what, "cannot begin storing %zu alerts", n);
    if (batch_begin(pg, e, what) != 0)
        return -1;
    for (size_t i = 0; i < n && !pg->failed; i++)
        send_alert(pg, run_id, &alerts[i], created, upsert);
    return batch_end(pg);
}

/* Queue the statements that store (or upsert) alert `a` with its children, in the order
 * the settings wachter.alert_id and wachter.indicator_id need (schema.h). */
static void send_alert(struct pgs *pg, int64_t run_id, const struct alert *a, const char *created,
                       bool upsert)
{
    struct params p = {0};
    p_int(&p, run_id);
    p_text(&p, a->id);
    p_text_or_null(&p, a->pseudonym);
    p_text(&p, a->unit);
    p_text(&p, a->team);
    p_text(&p, a->role);
    p_text_or_null(&p, a->group != NULL && *a->group != '\0' ? a->group : NULL);
    p_double(&p, a->score);
    p_int(&p, a->first_ms);
    p_int(&p, a->last_ms);
    p_text(&p, created);
    batch_send(pg, upsert ? PG_ALERT_UPSERT : PG_ALERT_INSERT, &p, true,
               "cannot store alert %s of run %lld (pseudonym %s)", a->id, (long long)run_id,
               a->pseudonym != NULL ? a->pseudonym : "none");

    for (size_t i = 0; i < a->n_indicators; i++) {
        const struct alert_indicator *ind = &a->indicators[i];
        const char *ind_name = ind->name != NULL ? ind->name : "(unnamed)";
        p = (struct params){0};
        p_int(&p, (int64_t)i);
        p_text_or_null(&p, ind->name);
        p_double(&p, ind->score);
        p_text(&p, ind->text_en);
        p_text(&p, ind->text_nl);
        p_text(&p, ind->baseline_en);
        p_text(&p, ind->baseline_nl);
        batch_send(pg, PG_INDICATOR_PUT, &p, true, "cannot store indicator %s of alert %s",
                   ind_name, a->id);

        for (size_t j = 0; j < ind->n_events; j++) {
            const struct evidence *ev = &ind->events[j];
            p = (struct params){0};
            p_int(&p, (int64_t)j);
            p_text_or_null(&p, ev->event_id);
            p_int(&p, ev->ts_ms);
            p_text(&p, ev->system);
            p_text(&p, ev->action);
            p_text(&p, ev->subject_type);
            p_text(&p, ev->subject);
            p_text(&p, ev->legitimation);
            p_text(&p, ev->note);
            batch_send(pg, PG_EVIDENCE_PUT, &p, false,
                       "cannot store evidence %s of indicator %s of alert %s",
                       ev->event_id != NULL ? ev->event_id : "(no event id)", ind_name, a->id);
        }
        if (upsert) {
            p = (struct params){0};
            p_int(&p, (int64_t)ind->n_events);
            batch_send(pg, PG_EVIDENCE_TRIM, &p, false,
                       "cannot replace the evidence of indicator %s of alert %s", ind_name, a->id);
        }
    }
    if (upsert) {
        p = (struct params){0};
        p_int(&p, (int64_t)a->n_indicators);
        batch_send(pg, PG_INDICATORS_TRIM, &p, false, "cannot replace the indicators of alert %s",
                   a->id);
    }
}

int pgs_activity_put(struct pgs *pg, int64_t run_id, const char *pseudonym,
                     const struct activity_day *days, size_t n, struct err *e)
{
    char what[96];
    snprintf(what, sizeof what, "cannot begin storing activity of %s", pseudonym);
    if (batch_begin(pg, e, what) != 0)
        return -1;
    struct params p = {0};
    p_int(&p, run_id);
    p_text(&p, pseudonym);
    batch_send(pg, PG_ACTIVITY_DELETE, &p, false, "cannot replace activity of %s", pseudonym);
    for (size_t i = 0; i < n && !pg->failed; i++) {
        p = (struct params){0};
        p_int(&p, run_id);
        p_text(&p, pseudonym);
        p_int(&p, days[i].day);
        p_int(&p, days[i].accesses);
        p_int(&p, days[i].unexplained);
        p_double(&p, days[i].peer_median);
        batch_send(pg, PG_ACTIVITY_INSERT, &p, false,
                   "cannot store activity of %s on day %ld of run %lld", pseudonym,
                   (long)days[i].day, (long long)run_id);
    }
    return batch_end(pg);
}

/* Open the batch's transaction and enter pipeline mode. */
static int batch_begin(struct pgs *pg, struct err *e, const char *what)
{
    pg->e = e;
    pg->failed = false;
    pg->queued = 0;
    if (simple(pg, PG_SQL_BEGIN, e, what) != 0)
        return -1;
    if (PQenterPipelineMode(pg->conn) != 1) {
        pgs_fail(pg, e, NULL, "%s: cannot enter pipeline mode", what);
        rollback(pg);
        return -1;
    }
    return 0;
}

/* Queue statement `id` with parameters `p`, labelled for the message should it fail.
 * `want_row`: it must return exactly one row (it stores a parent). Does nothing once
 * the batch has failed. */
static void batch_send(struct pgs *pg, enum pg_stmt id, const struct params *p, bool want_row,
                       const char *fmt, ...)
{
    if (!pg->failed && pg->queued == PGS_CHUNK)
        batch_sync(pg);
    if (pg->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pg->label[pg->queued], PGS_LABEL, fmt, ap);
    va_end(ap);
    pg->want_row[pg->queued] = want_row;
    char name[32];
    stmt_name(id, name);
    if (PQsendQueryPrepared(pg->conn, name, p->n, p->val, p->len, p->fmt, 0) != 1) {
        pgs_fail(pg, pg->e, NULL, "%s", pg->label[pg->queued]);
        pg->failed = true;
        return;
    }
    pg->queued++;
}

/* Send a sync point and read the result of every statement in flight, recording the
 * first failure. */
static void batch_sync(struct pgs *pg)
{
    if (pg->queued == 0)
        return;
    int queued = pg->queued;
    pg->queued = 0;
    if (PQpipelineSync(pg->conn) != 1) {
        if (!pg->failed)
            pgs_fail(pg, pg->e, NULL, "cannot send a batch");
        pg->failed = true;
        return;
    }
    for (int i = 0; i < queued; i++) {
        PGresult *r = PQgetResult(pg->conn);
        if (r == NULL) { /* the connection broke: there is nothing more to read */
            if (!pg->failed)
                pgs_fail(pg, pg->e, NULL, "%s", pg->label[i]);
            pg->failed = true;
            return;
        }
        ExecStatusType s = PQresultStatus(r);
        if (!pg->failed && s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
            pgs_fail(pg, pg->e, r, "%s", pg->label[i]);
            pg->failed = true;
        } else if (!pg->failed && pg->want_row[i] && PQntuples(r) != 1) {
            /* Only the upsert of an alert can come back empty (schema.h). */
            err_set(pg->e, "%s: %s: the run holds this alert for another pseudonym", pg->name,
                    pg->label[i]);
            pg->failed = true;
        }
        PQclear(r);
        /* Each statement's results end with a NULL. */
        while ((r = PQgetResult(pg->conn)) != NULL)
            PQclear(r);
    }
    PGresult *r = PQgetResult(pg->conn);
    if (PQresultStatus(r) != PGRES_PIPELINE_SYNC && !pg->failed) {
        pgs_fail(pg, pg->e, r, "cannot end a batch");
        pg->failed = true;
    }
    PQclear(r);
}

/* Read what is in flight, leave pipeline mode and commit, or roll back after a failure.
 * Returns 0, or -1 with the batch's struct err filled. */
static int batch_end(struct pgs *pg)
{
    batch_sync(pg);
    if (PQexitPipelineMode(pg->conn) != 1 && !pg->failed) {
        pgs_fail(pg, pg->e, NULL, "cannot leave pipeline mode");
        pg->failed = true;
    }
    if (!pg->failed && PQtransactionStatus(pg->conn) != PQTRANS_INTRANS) {
        pgs_fail(pg, pg->e, NULL, "the batch's transaction failed");
        pg->failed = true;
    }
    if (pg->failed) {
        rollback(pg);
        return -1;
    }
    if (simple(pg, PG_SQL_COMMIT, pg->e, "cannot commit") != 0) {
        rollback(pg);
        return -1;
    }
    return 0;
}

/* Roll back the open transaction, if any; a failure is logged, the caller's error
 * stands. */
static void rollback(struct pgs *pg)
{
    PGTransactionStatusType t = PQtransactionStatus(pg->conn);
    if (t != PQTRANS_INTRANS && t != PQTRANS_INERROR)
        return;
    PGresult *r = PQexec(pg->conn, PG_SQL_ROLLBACK);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(pg->conn));
        one_line(msg);
        log_error("%s: cannot roll back: %s", pg->name, msg);
    }
    PQclear(r);
}

/* ---- messages ------------------------------------------------------------------------ */

/* Fill `e` with "<name>: <formatted text>: <PostgreSQL's message>" on one line: the
 * result's primary message and detail when there is a result, else the connection's
 * message. Returns -1. */
static int pgs_fail(struct pgs *pg, struct err *e, const PGresult *r, const char *fmt, ...)
{
    char what[256], why[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const char *primary = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (primary == NULL && r != NULL && *PQresultErrorMessage(r) != '\0')
        primary = PQresultErrorMessage(r);
    if (primary == NULL)
        primary = pg->conn != NULL ? PQerrorMessage(pg->conn) : "no connection";
    if (*primary == '\0')
        primary = r != NULL ? PQresStatus(PQresultStatus(r)) : "unknown error";
    snprintf(why, sizeof why, "%s%s%s%s%s", primary, detail != NULL ? " (" : "",
             detail != NULL ? detail : "", detail != NULL ? ")" : "",
             state != NULL && strcmp(state, "23503") == 0
                 ? " (the run or the pseudonym it refers to is not in the database)"
                 : "");
    one_line(why);
    return err_set(e, "%s: %s: %s", pg->name, what, why);
}

/* Turn libpq's multi-line messages into one line: line breaks and tabs become single
 * spaces, and trailing space goes. */
static void one_line(char *s)
{
    char *w = s;
    bool space = false;
    for (const char *r = s; *r != '\0'; r++) {
        if (*r == '\n' || *r == '\r' || *r == '\t' || *r == ' ') {
            space = w != s;
            continue;
        }
        if (space)
            *w++ = ' ';
        space = false;
        *w++ = *r;
    }
    *w = '\0';
}

/* Append each password that `url` holds (in its user part, and as password=
 * parameters) to `out`, NUL-separated, and return how many there are. */
static int url_secrets(const char *url, struct sbuf *out)
{
    int n = 0;
    const char *rest = strstr(url, "://");
    rest = rest != NULL ? rest + 3 : url;
    size_t auth = strcspn(rest, "/?");
    const char *at = NULL;
    for (size_t i = 0; i < auth; i++)
        if (rest[i] == '@')
            at = rest + i;
    const char *colon = at != NULL ? memchr(rest, ':', (size_t)(at - rest)) : NULL;
    if (colon != NULL && at - colon > 1) {
        sbuf_add(out, colon + 1, (size_t)(at - colon - 1));
        sbuf_add(out, "", 1);
        n++;
    }
    for (const char *q = strchr(rest, '?'); q != NULL; q = strchr(q + 1, '&')) {
        if (strncmp(q + 1, "password=", 9) == 0 && strcspn(q + 10, "&") > 0) {
            sbuf_add(out, q + 10, strcspn(q + 10, "&"));
            sbuf_add(out, "", 1);
            n++;
        }
    }
    return n;
}

/* A copy of `msg` with every password of `url` replaced by "***". Memory: the caller
 * frees the result. */
static char *scrub(const char *msg, const char *url)
{
    struct sbuf secrets = {0};
    int n = url_secrets(url, &secrets);
    char *text = xstrdup(msg);
    const char *secret = secrets.buf;
    for (int i = 0; i < n; i++, secret += strlen(secret) + 1) {
        struct sbuf b = {0};
        size_t len = strlen(secret);
        const char *p = text, *hit;
        while ((hit = strstr(p, secret)) != NULL) {
            sbuf_add(&b, p, (size_t)(hit - p));
            sbuf_puts(&b, "***");
            p = hit + len;
        }
        sbuf_puts(&b, p);
        free(text);
        text = b.buf != NULL ? b.buf : xstrdup("");
    }
    sbuf_free(&secrets);
    return text;
}

/* Warnings from the server reach the log; notices (e.g. "already exists, skipping") do
 * not. */
static void notice(void *arg, const PGresult *r)
{
    const struct pgs *pg = arg;
    const char *severity = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    if (severity != NULL && strcmp(severity, "WARNING") == 0 && msg != NULL)
        log_error("%s: %s", pg->name, msg);
}
