/*
 * work.c - the store's side of the analyst's workbench: the alert queue and detail,
 * dispositions, cases and their steps, exceptions and the statistics tables.
 *
 * Reads for the web API append JSON built by SQLite (json_object in schema.h) to the
 * caller's buffer; this file only strings rows together. The queue is the one query with
 * a variable shape: each combination of its filters has its own statement, composed from
 * the fragments in schema.h and prepared on first use (then kept for the handle's life),
 * so that every variant is planned with the index that suits it instead of one generic
 * "(?1 IS NULL OR ...)" query that no index serves.
 *
 * Writes here do not open transactions of their own (store_alert_decide and
 * store_case_step write two rows each): the web API opens one around each change and its
 * audit row (store_begin), which is the unit that must be atomic.
 */
#include "store/store_int.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static sqlite3_stmt *queue_stmt(struct store *st, int mask, bool count, struct err *e);
static void bind_queue(sqlite3_stmt *s, const struct store_queue_filter *f, int *rc);

int store_alert_queue(struct store *st, const struct store_queue_filter *f, struct sbuf *out,
                      struct err *e)
{
    assert(st != NULL && st->ready && f != NULL && out != NULL);
    int mask = (f->status != NULL ? 1 : 0) | (f->unit != NULL ? 2 : 0) |
               (f->indicator != NULL ? 4 : 0) | (f->has_from ? 8 : 0) | (f->has_to ? 16 : 0);
    sqlite3_stmt *cnt = queue_stmt(st, mask, true, e);
    sqlite3_stmt *page = cnt != NULL ? queue_stmt(st, mask, false, e) : NULL;
    if (page == NULL)
        return -1;

    int rc = SQLITE_OK;
    bind_queue(cnt, f, &rc);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(cnt);
    if (rc != SQLITE_ROW) {
        st_fail(st, e, "cannot count the alert queue");
        (void)sqlite3_reset(cnt);
        return -1;
    }
    sbuf_printf(out, "{\"total\":%lld,\"alerts\":[", (long long)sqlite3_column_int64(cnt, 0));
    (void)sqlite3_reset(cnt);

    rc = SQLITE_OK;
    bind_queue(page, f, &rc);
    int n = 0;
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(page);
        if (rc != SQLITE_ROW)
            break;
        if (n++ > 0)
            sbuf_putc(out, ',');
        sbuf_puts(out, (const char *)sqlite3_column_text(page, 0));
    }
    (void)sqlite3_reset(page);
    if (rc != SQLITE_DONE)
        return st_fail(st, e, "cannot read the alert queue");
    sbuf_puts(out, "]}");
    return 0;
}

/* The statement of filter combination `mask` (bit i: store_queue_filters[i] applies),
 * composed and prepared on first use. Memory: owned by the handle. */
static sqlite3_stmt *queue_stmt(struct store *st, int mask, bool count, struct err *e)
{
    assert(mask >= 0 && mask < STORE_QUEUE_VARIANTS);
    sqlite3_stmt **slot = count ? &st->queue_count[mask] : &st->queue_page[mask];
    if (*slot != NULL)
        return *slot;
    bool ind = (mask & 4) != 0;
    struct sbuf sql = {0};
    if (ind)
        sbuf_puts(&sql, count ? STORE_SQL_QUEUE_COUNT_IND : STORE_SQL_QUEUE_PAGE_IND);
    else
        sbuf_puts(&sql, count ? STORE_SQL_QUEUE_COUNT : STORE_SQL_QUEUE_PAGE);
    for (int i = 0; i < STORE_QUEUE_FILTERS; i++) {
        if (!(mask & (1 << i)))
            continue;
        /* "q." names the variant's alias: f (alert_filter) with an indicator, else a. */
        for (const char *p = store_queue_filters[i]; *p != '\0'; p++) {
            if (p[0] == 'q' && p[1] == '.')
                sbuf_putc(&sql, ind ? 'f' : 'a');
            else
                sbuf_putc(&sql, *p);
        }
    }
    if (!count)
        sbuf_puts(&sql, ind ? STORE_SQL_QUEUE_ORDER_IND : STORE_SQL_QUEUE_ORDER);
    if (sqlite3_prepare_v3(st->db, sql.buf, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) !=
        SQLITE_OK) {
        st_fail(st, e, "cannot prepare the alert queue (filters %d)", mask);
        *slot = NULL;
    }
    sbuf_free(&sql);
    return *slot;
}

/* Bind the filters; a parameter the statement does not use is skipped. */
static void bind_queue(sqlite3_stmt *s, const struct store_queue_filter *f, int *rc)
{
    int n = sqlite3_bind_parameter_count(s);
    if (f->status != NULL)
        st_bind_text(s, 1, f->status, rc);
    if (f->unit != NULL)
        st_bind_text(s, 2, f->unit, rc);
    if (f->indicator != NULL)
        st_bind_text(s, 3, f->indicator, rc);
    if (f->has_from)
        st_bind_int64(s, 4, f->from_ms, rc);
    if (f->has_to)
        st_bind_int64(s, 5, f->to_ms, rc);
    if (n >= 7) {
        st_bind_int64(s, 6, f->limit, rc);
        st_bind_int64(s, 7, f->offset, rc);
    }
}

int store_alert_brief(struct store *st, int64_t id, struct store_alert_brief *b, bool *found,
                      struct err *e)
{
    assert(st != NULL && st->ready && b != NULL && found != NULL);
    sqlite3_stmt *s = st->stmt[STMT_ALERT_BRIEF];
    int rc = SQLITE_OK;
    st_bind_int64(s, 1, id, &rc);
    int result = st_row(st, STMT_ALERT_BRIEF, rc, found, e);
    if (result == 0 && *found) {
        memset(b, 0, sizeof *b);
        b->id = sqlite3_column_int64(s, 0);
        st_col_text(s, 1, b->status, sizeof b->status);
        st_col_text(s, 2, b->pseudonym, sizeof b->pseudonym);
        st_col_text(s, 3, b->unit, sizeof b->unit);
        st_col_text(s, 4, b->team, sizeof b->team);
        b->run_id = sqlite3_column_int64(s, 5);
        b->case_id = sqlite3_column_int64(s, 6);
        b->supervisor_visible = sqlite3_column_int(s, 7) != 0;
    }
    (void)sqlite3_reset(s);
    return result;
}

int store_alert_detail_json(struct store *st, int64_t id, struct sbuf *out, struct err *e)
{
    assert(st != NULL && st->ready && out != NULL);
    int rc = SQLITE_OK;
    st_bind_int64(st->stmt[STMT_ALERT_DETAIL], 1, id, &rc);
    return st_json_rows(st, STMT_ALERT_DETAIL, rc, out, e);
}

int store_alert_activity_json(struct store *st, int64_t run_id, const char *pseudonym,
                              struct sbuf *out, struct err *e)
{
    assert(st != NULL && st->ready && pseudonym != NULL && out != NULL);
    sqlite3_stmt *s = st->stmt[STMT_ALERT_ACTIVITY];
    int rc = SQLITE_OK;
    st_bind_int64(s, 1, run_id, &rc);
    st_bind_text(s, 2, pseudonym, &rc);
    return st_json_rows(st, STMT_ALERT_ACTIVITY, rc, out, e);
}

int store_alert_decide(struct store *st, int64_t id, const char *status, const char *disposition,
                       const char *actor, const char *note, bool *changed, struct err *e)
{
    assert(st != NULL && st->ready && status != NULL && actor != NULL && changed != NULL);
    char now[UTC_TEXT_SIZE];
    st_now_text(now);
    sqlite3_stmt *s = st->stmt[STMT_ALERT_SET_STATUS];
    int rc = SQLITE_OK;
    st_bind_int64(s, 1, id, &rc);
    st_bind_text(s, 2, status, &rc);
    st_bind_text_or_null(s, 3, disposition, &rc);
    st_bind_text(s, 4, now, &rc);
    if (st_run(st, STMT_ALERT_SET_STATUS, rc, e, "cannot change alert %lld", (long long)id) != 0)
        return -1;
    *changed = sqlite3_changes(st->db) == 1;
    if (!*changed)
        return 0;
    char action[64];
    snprintf(action, sizeof action, "%s%s%s", status, disposition != NULL ? ":" : "",
             disposition != NULL ? disposition : "");
    s = st->stmt[STMT_ALERT_HISTORY_INSERT];
    rc = SQLITE_OK;
    st_bind_int64(s, 1, id, &rc);
    st_bind_text(s, 2, now, &rc);
    st_bind_text(s, 3, actor, &rc);
    st_bind_text(s, 4, action, &rc);
    st_bind_text(s, 5, note, &rc);
    return st_run(st, STMT_ALERT_HISTORY_INSERT, rc, e, "cannot record the history of alert %lld",
                  (long long)id);
}

int store_case_create(struct store *st, int64_t alert_id, const char *pseudonym, const char *state,
                      bool supervisor_visible, const char *actor, const char *note,
                      int64_t *case_id, struct err *e)
{
    assert(st != NULL && st->ready && pseudonym != NULL && state != NULL && case_id != NULL);
    char now[UTC_TEXT_SIZE];
    st_now_text(now);
    sqlite3_stmt *s = st->stmt[STMT_CASE_INSERT];
    int rc = SQLITE_OK;
    st_bind_int64(s, 1, alert_id, &rc);
    st_bind_text(s, 2, pseudonym, &rc);
    st_bind_text(s, 3, state, &rc);
    st_bind_int64(s, 4, supervisor_visible ? 1 : 0, &rc);
    st_bind_text(s, 5, now, &rc);
    if (st_run(st, STMT_CASE_INSERT, rc, e, "cannot create the case of alert %lld",
               (long long)alert_id) != 0)
        return -1;
    *case_id = sqlite3_last_insert_rowid(st->db);
    s = st->stmt[STMT_CASE_HISTORY_INSERT];
    rc = SQLITE_OK;
    st_bind_int64(s, 1, *case_id, &rc);
    st_bind_text(s, 2, now, &rc);
    st_bind_text(s, 3, actor, &rc);
    st_bind_text_or_null(s, 4, NULL, &rc);
    st_bind_text(s, 5, state, &rc);
    st_bind_text(s, 6, note, &rc);
    st_bind_text_or_null(s, 7, NULL, &rc);
    return st_run(st, STMT_CASE_HISTORY_INSERT, rc, e, "cannot record the history of case %lld",
                  (long long)*case_id);
}

int store_case_get(struct store *st, int64_t id, struct store_case *c, bool *found, struct err *e)
{
    assert(st != NULL && st->ready && c != NULL && found != NULL);
    memset(c, 0, sizeof *c);
    sqlite3_stmt *s = st->stmt[STMT_CASE_GET];
    int rc = SQLITE_OK;
    st_bind_int64(s, 1, id, &rc);
    int result = st_row(st, STMT_CASE_GET, rc, found, e);
    if (result == 0 && *found) {
        c->id = sqlite3_column_int64(s, 0);
        c->alert_id = sqlite3_column_int64(s, 1);
        st_col_text(s, 2, c->state, sizeof c->state);
        st_col_text(s, 3, c->pseudonym, sizeof c->pseudonym);
        st_col_text(s, 4, c->unit, sizeof c->unit);
        st_col_text(s, 5, c->team, sizeof c->team);
        c->supervisor_visible = sqlite3_column_int(s, 6) != 0;
        const char *cl = (const char *)sqlite3_column_text(s, 7);
        c->checklist = xstrdup(cl != NULL ? cl : "{}");
    }
    (void)sqlite3_reset(s);
    return result;
}

void store_case_clear(struct store_case *c)
{
    if (c == NULL)
        return;
    free(c->checklist);
    c->checklist = NULL;
}

int store_case_step(struct store *st, const struct store_case_step *cs, bool *changed,
                    struct err *e)
{
    assert(st != NULL && st->ready && cs != NULL && cs->from != NULL && cs->to != NULL);
    char now[UTC_TEXT_SIZE];
    st_now_text(now);
    sqlite3_stmt *s = st->stmt[STMT_CASE_UPDATE];
    int rc = SQLITE_OK;
    st_bind_int64(s, 1, cs->id, &rc);
    st_bind_text(s, 2, cs->from, &rc);
    st_bind_text(s, 3, cs->to, &rc);
    st_bind_int64(s, 4, cs->supervisor_visible ? 1 : 0, &rc);
    st_bind_text_or_null(s, 5, cs->checklist, &rc);
    st_bind_text_or_null(s, 6, cs->decided_by, &rc);
    if (cs->vik_advice_followed >= 0)
        st_bind_int64(s, 7, cs->vik_advice_followed, &rc);
    else if (rc == SQLITE_OK)
        rc = sqlite3_bind_null(s, 7);
    st_bind_text_or_null(s, 8, cs->deviation, &rc);
    st_bind_text_or_null(s, 9, cs->misconduct, &rc);
    st_bind_text_or_null(s, 10, cs->outcome, &rc);
    st_bind_text(s, 11, now, &rc);
    if (st_run(st, STMT_CASE_UPDATE, rc, e, "cannot move case %lld to %s", (long long)cs->id,
               cs->to) != 0)
        return -1;
    *changed = sqlite3_changes(st->db) == 1;
    if (!*changed)
        return 0;
    s = st->stmt[STMT_CASE_HISTORY_INSERT];
    rc = SQLITE_OK;
    st_bind_int64(s, 1, cs->id, &rc);
    st_bind_text(s, 2, now, &rc);
    st_bind_text(s, 3, cs->actor, &rc);
    st_bind_text(s, 4, cs->from, &rc);
    st_bind_text(s, 5, cs->to, &rc);
    st_bind_text(s, 6, cs->note, &rc);
    st_bind_text_or_null(s, 7, cs->detail, &rc);
    return st_run(st, STMT_CASE_HISTORY_INSERT, rc, e, "cannot record the history of case %lld",
                  (long long)cs->id);
}

int store_cases_json(struct store *st, const char *unit, const char *team, int64_t limit,
                     int64_t offset, struct sbuf *out, struct err *e)
{
    assert(st != NULL && st->ready && out != NULL);
    sqlite3_stmt *s = st->stmt[STMT_CASES_JSON];
    int rc = SQLITE_OK;
    st_bind_text_or_null(s, 1, unit, &rc);
    st_bind_text_or_null(s, 2, team, &rc);
    st_bind_int64(s, 3, limit, &rc);
    st_bind_int64(s, 4, offset, &rc);
    sbuf_puts(out, "{\"cases\":[");
    if (st_json_rows(st, STMT_CASES_JSON, rc, out, e) != 0)
        return -1;
    sbuf_puts(out, "]}");
    return 0;
}

int store_case_json_open(struct store *st, int64_t id, struct sbuf *out, struct err *e)
{
    assert(st != NULL && st->ready && out != NULL);
    size_t start = out->len;
    int rc = SQLITE_OK;
    st_bind_int64(st->stmt[STMT_CASE_JSON], 1, id, &rc);
    if (st_json_rows(st, STMT_CASE_JSON, rc, out, e) != 0)
        return -1;
    if (out->len == start || out->buf[out->len - 1] != '}')
        return err_set(e, "%s: case %lld not found", st->path, (long long)id);
    out->buf[--out->len] = '\0';
    return 0;
}

int store_exception_add(struct store *st, const char *pseudonym, const char *indicator,
                        const char *subject, const char *reason, const char *expires,
                        const char *created_by, int64_t *id, struct err *e)
{
    assert(st != NULL && st->ready && id != NULL);
    char now[UTC_TEXT_SIZE];
    st_now_text(now);
    sqlite3_stmt *s = st->stmt[STMT_EXCEPTION_INSERT];
    int rc = SQLITE_OK;
    st_bind_text(s, 1, pseudonym, &rc);
    st_bind_text(s, 2, indicator, &rc);
    st_bind_text(s, 3, subject, &rc);
    st_bind_text(s, 4, reason, &rc);
    st_bind_text(s, 5, expires, &rc);
    st_bind_text(s, 6, now, &rc);
    st_bind_text(s, 7, created_by, &rc);
    if (st_run(st, STMT_EXCEPTION_INSERT, rc, e, "cannot store the exception for %s",
               pseudonym != NULL ? pseudonym : "") != 0)
        return -1;
    *id = sqlite3_last_insert_rowid(st->db);
    return 0;
}

int store_exceptions_json(struct store *st, const char *today, struct sbuf *out, struct err *e)
{
    assert(st != NULL && st->ready && today != NULL && out != NULL);
    int rc = SQLITE_OK;
    st_bind_text(st->stmt[STMT_EXCEPTIONS_JSON], 1, today, &rc);
    sbuf_puts(out, "{\"exceptions\":[");
    if (st_json_rows(st, STMT_EXCEPTIONS_JSON, rc, out, e) != 0)
        return -1;
    sbuf_puts(out, "]}");
    return 0;
}

int store_exceptions_each(struct store *st, store_exception_fn fn, void *ctx, struct err *e)
{
    assert(st != NULL && st->ready && fn != NULL);
    if (st->pg != NULL)
        return pgs_exceptions_each(st->pg, fn, ctx, e);
    sqlite3_stmt *s = st->stmt[STMT_EXCEPTIONS_ALL];
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(s, 0), (const char *)sqlite3_column_text(s, 1),
           (const char *)sqlite3_column_text(s, 2), (const char *)sqlite3_column_text(s, 3));
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return err_set(e, "%s: cannot read the exceptions: %s", st->path, sqlite3_errmsg(st->db));
    return 0;
}

/* ---- statistics: generic rows as JSON objects or CSV --------------------------------- */

static enum store_stmt table_stmt(enum store_table t)
{
    switch (t) {
    case STORE_TRENDS_ALERTS:
        return STMT_TRENDS_ALERTS;
    case STORE_TRENDS_PRECISION:
        return STMT_TRENDS_PRECISION;
    case STORE_TRENDS_OUTCOMES:
        return STMT_TRENDS_OUTCOMES;
    case STORE_COUNCIL_ALERTS:
        return STMT_COUNCIL_ALERTS;
    case STORE_COUNCIL_OUTCOMES:
        return STMT_COUNCIL_OUTCOMES;
    case STORE_COUNCIL_USE:
        return STMT_COUNCIL_USE;
    }
    return STMT_TRENDS_ALERTS;
}

/* Append one value: JSON (numbers, strings, null) or a CSV field (quoted when needed). */
static void put_value(sqlite3_stmt *s, int col, bool csv, struct sbuf *out)
{
    switch (sqlite3_column_type(s, col)) {
    case SQLITE_NULL:
        sbuf_puts(out, csv ? "" : "null");
        break;
    case SQLITE_INTEGER:
        sbuf_printf(out, "%lld", (long long)sqlite3_column_int64(s, col));
        break;
    case SQLITE_FLOAT: {
        double v = sqlite3_column_double(s, col);
        if (v == (double)(int64_t)v)
            sbuf_printf(out, "%lld", (long long)v);
        else
            sbuf_printf(out, "%.6g", v);
        break;
    }
    default: {
        const char *t = (const char *)sqlite3_column_text(s, col);
        size_t n = (size_t)sqlite3_column_bytes(s, col);
        if (!csv) {
            sbuf_json_str(out, t, n);
        } else if (strpbrk(t, ",\"\r\n") == NULL && (n == 0 || strchr("=+-@", t[0]) == NULL)) {
            sbuf_add(out, t, n);
        } else {
            /* Quote, double the quotes, and defuse spreadsheet formulas with a '. */
            sbuf_putc(out, '"');
            if (n > 0 && strchr("=+-@", t[0]) != NULL)
                sbuf_putc(out, '\'');
            for (size_t i = 0; i < n; i++) {
                if (t[i] == '"')
                    sbuf_putc(out, '"');
                sbuf_putc(out, t[i]);
            }
            sbuf_putc(out, '"');
        }
    }
    }
}

static int table_out(struct store *st, enum store_table t, bool csv, struct sbuf *out,
                     struct err *e)
{
    assert(st != NULL && st->ready && out != NULL);
    enum store_stmt id = table_stmt(t);
    sqlite3_stmt *s = st->stmt[id];
    int cols = sqlite3_column_count(s);
    if (csv) {
        for (int c = 0; c < cols; c++)
            sbuf_printf(out, "%s%s", c > 0 ? "," : "", sqlite3_column_name(s, c));
        sbuf_puts(out, "\r\n");
    } else {
        sbuf_putc(out, '[');
    }
    int rc, n = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (!csv)
            sbuf_puts(out, n > 0 ? ",{" : "{");
        for (int c = 0; c < cols; c++) {
            if (csv) {
                if (c > 0)
                    sbuf_putc(out, ',');
            } else {
                const char *name = sqlite3_column_name(s, c);
                sbuf_printf(out, "%s\"%s\":", c > 0 ? "," : "", name);
            }
            put_value(s, c, csv, out);
        }
        sbuf_puts(out, csv ? "\r\n" : "}");
        n++;
    }
    (void)sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return st_fail(st, e, "cannot read statistics table %d", (int)t);
    if (!csv)
        sbuf_putc(out, ']');
    return 0;
}

int store_table_json(struct store *st, enum store_table t, struct sbuf *out, struct err *e)
{
    return table_out(st, t, false, out, e);
}

int store_table_csv(struct store *st, enum store_table t, struct sbuf *out, struct err *e)
{
    return table_out(st, t, true, out, e);
}
