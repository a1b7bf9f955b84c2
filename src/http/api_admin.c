/*
 * api_admin.c - the endpoints around the monitoring rather than inside it: the audit log
 * (privacy officer), exceptions (analysts), trends and works-council figures, and users
 * (administrator).
 *
 * Exceptions are only stored and audited here; the engine does not read them yet (the
 * suppression of alerts they cover is to come; see docs/workflow.md). CSV exports are
 * audited (export.csv) because they take data out of the system; the council's figures
 * suppress every count from 1 to 4 in SQL (schema.h), so no small group can be singled
 * out.
 */
#include "http/http_int.h"
#include "indicators/indicator.h"
#include "workflow/workflow.h"

#include <string.h>
#include <time.h>

/* ---- audit log ------------------------------------------------------------------------ */

void api_audit(struct req *rq, struct resp *rs)
{
    int64_t limit, offset, verify;
    if (query_int(rq, rs, "limit", 1, 1000, 100, &limit) != 0 ||
        query_int(rq, rs, "offset", 0, 1000000000, 0, &offset) != 0 ||
        query_int(rq, rs, "verify", 0, 1, 0, &verify) != 0)
        return;
    const char *actor = query_arg(rq, "actor"), *action = query_arg(rq, "action");
    struct err e;
    if (audit_read(rq, rs, "audit.view", "", "") != 0)
        return;
    if (store_audit_json(rq->srv->st, actor, action, limit, offset, &rs->body, &e) != 0) {
        resp_internal(rs, &e);
        return;
    }
    if (verify) {
        struct store_audit_verdict v;
        if (store_audit_verify(rq->srv->st, &v, &e) != 0) {
            resp_internal(rs, &e);
            return;
        }
        rs->body.buf[--rs->body.len] = '\0'; /* reopen the object */
        sbuf_printf(&rs->body, ",\"chain\":{\"intact\":%s,\"rows\":%lld,\"first_bad\":",
                    v.intact ? "true" : "false", (long long)v.rows);
        if (v.intact)
            sbuf_puts(&rs->body, "null,\"reason\":null");
        else {
            sbuf_printf(&rs->body, "%lld,\"reason\":", (long long)v.first_bad);
            sbuf_json_str(&rs->body, v.reason, strlen(v.reason));
        }
        sbuf_puts(&rs->body, "}}");
    }
    resp_json(rs, MHD_HTTP_OK);
}

/* ---- exceptions ----------------------------------------------------------------------- */

static void today(char out[DATE_TEXT_SIZE], int32_t *day)
{
    *day = (int32_t)(time(NULL) / 86400);
    date_format(*day, out);
}

void api_exceptions(struct req *rq, struct resp *rs)
{
    char t[DATE_TEXT_SIZE];
    int32_t day;
    today(t, &day);
    struct err e;
    if (store_exceptions_json(rq->srv->st, t, &rs->body, &e) != 0) {
        resp_internal(rs, &e);
        return;
    }
    if (audit_read(rq, rs, "exceptions.view", "", "") != 0)
        return;
    resp_json(rs, MHD_HTTP_OK);
}

void api_exception_add(struct req *rq, struct resp *rs)
{
    bool bad = false;
    const char *pseudonym = body_str(rq, rs, "pseudonym", 32, &bad);
    const char *indicator = body_str(rq, rs, "indicator", 64, &bad);
    const char *subject = body_str(rq, rs, "subject", 200, &bad);
    const char *reason = body_str(rq, rs, "reason", 1000, &bad);
    const char *expires = body_str(rq, rs, "expires", 10, &bad);
    if (bad)
        return;
    if (indicator == NULL)
        indicator = "";
    if (subject == NULL)
        subject = "";
    if (pseudonym == NULL || reason == NULL || *reason == '\0' || expires == NULL) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "pseudonym, reason and expires are required");
        return;
    }
    if (*indicator == '\0' && *subject == '\0') {
        resp_error(rs, MHD_HTTP_BAD_REQUEST,
                   "an exception is scoped: give an indicator or a subject (or both)");
        return;
    }
    if (*indicator != '\0' && indicator_find(indicator) < 0) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "unknown indicator %s", indicator);
        return;
    }
    char t[DATE_TEXT_SIZE];
    int32_t now_day, exp_day;
    today(t, &now_day);
    int y;
    unsigned m, d;
    civil_from_days(now_day, &y, &m, &d);
    int64_t limit_day = days_from_civil(y + 1, m, (m == 2 && d == 29) ? 28 : d);
    if (strlen(expires) != 10 || date_parse(expires, 10, &exp_day) != 0 || exp_day <= now_day ||
        exp_day > limit_day) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST,
                   "expires must be a date (YYYY-MM-DD) after today and at most one year ahead");
        return;
    }
    struct err e;
    bool found;
    if (store_pseudonym_exists(rq->srv->st, pseudonym, &found, &e) != 0) {
        resp_internal(rs, &e);
        return;
    }
    if (!found) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "no pseudonym %.32s", pseudonym);
        return;
    }
    if (tx_begin(rq, rs) != 0)
        return;
    int64_t id;
    char object[48], detail[400];
    snprintf(object, sizeof object, "pseudonym:%s", pseudonym);
    snprintf(detail, sizeof detail, "indicator=%s subject=%s expires=%s", indicator, subject,
             expires);
    if (store_exception_add(rq->srv->st, pseudonym, indicator, subject, reason, expires,
                            rq->sess.user.name, &id, &e) != 0 ||
        audit(rq, "exception.add", object, detail, &e) != 0) {
        tx_abort(rq);
        resp_internal(rs, &e);
        return;
    }
    if (tx_commit(rq, rs) != 0)
        return;
    sbuf_printf(&rs->body, "{\"id\":%lld}", (long long)id);
    resp_json(rs, MHD_HTTP_CREATED);
}

/* ---- statistics ----------------------------------------------------------------------- */

struct named_table {
    const char *name;
    enum store_table t;
};

/* Answer with the JSON object of `tables`, or with the CSV of the one named by ?table=
 * (default the first) when ?format=csv; the export is audited. */
static void tables(struct req *rq, struct resp *rs, const char *what,
                   const struct named_table *tabs, size_t n, const char *prefix)
{
    const char *format = query_arg(rq, "format");
    struct err e;
    if (format != NULL && strcmp(format, "csv") == 0) {
        const char *name = query_arg(rq, "table");
        const struct named_table *t = name == NULL ? &tabs[0] : NULL;
        for (size_t i = 0; t == NULL && i < n; i++)
            if (strcmp(name, tabs[i].name) == 0)
                t = &tabs[i];
        if (t == NULL) {
            resp_error(rs, MHD_HTTP_BAD_REQUEST, "unknown table %.32s", name);
            return;
        }
        char object[64];
        snprintf(object, sizeof object, "%s:%s", what, t->name);
        if (store_table_csv(rq->srv->st, t->t, &rs->body, &e) != 0) {
            resp_internal(rs, &e);
            return;
        }
        if (audit_read(rq, rs, "export.csv", object, "") != 0)
            return;
        rs->status = MHD_HTTP_OK;
        rs->ctype = "text/csv; charset=utf-8";
        snprintf(rs->disposition, sizeof rs->disposition,
                 "attachment; filename=\"wachter-%s-%s.csv\"", what, t->name);
        return;
    }
    if (format != NULL && strcmp(format, "json") != 0) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "format must be json or csv");
        return;
    }
    sbuf_printf(&rs->body, "{%s", prefix);
    for (size_t i = 0; i < n; i++) {
        sbuf_printf(&rs->body, "%s\"%s\":", i > 0 || *prefix ? "," : "", tabs[i].name);
        if (store_table_json(rq->srv->st, tabs[i].t, &rs->body, &e) != 0) {
            resp_internal(rs, &e);
            return;
        }
    }
    sbuf_putc(&rs->body, '}');
    resp_json(rs, MHD_HTTP_OK);
}

void api_trends(struct req *rq, struct resp *rs)
{
    static const struct named_table t[] = {
        {"alerts", STORE_TRENDS_ALERTS},
        {"precision", STORE_TRENDS_PRECISION},
        {"outcomes", STORE_TRENDS_OUTCOMES},
    };
    tables(rq, rs, "trends", t, sizeof t / sizeof t[0], "");
}

void api_council(struct req *rq, struct resp *rs)
{
    static const struct named_table t[] = {
        {"alerts", STORE_COUNCIL_ALERTS},
        {"outcomes", STORE_COUNCIL_OUTCOMES},
        {"use", STORE_COUNCIL_USE},
    };
    tables(rq, rs, "council", t, sizeof t / sizeof t[0], "\"suppressed_below\":5");
}

/* ---- users ---------------------------------------------------------------------------- */

void api_users(struct req *rq, struct resp *rs)
{
    struct err e;
    if (store_users_json(rq->srv->st, &rs->body, &e) != 0) {
        resp_internal(rs, &e);
        return;
    }
    if (audit_read(rq, rs, "users.view", "", "") != 0)
        return;
    resp_json(rs, MHD_HTTP_OK);
}

bool http_user_name_valid(const char *name)
{
    size_t n = name != NULL ? strlen(name) : 0;
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

void api_user_add(struct req *rq, struct resp *rs)
{
    bool bad = false;
    const char *name = body_str(rq, rs, "name", 64, &bad);
    const char *role = body_str(rq, rs, "role", 16, &bad);
    const char *password = body_str(rq, rs, "password", AUTH_PASSWORD_MAX, &bad);
    const char *unit = body_str(rq, rs, "unit", 63, &bad);
    const char *team = body_str(rq, rs, "team", 63, &bad);
    if (bad)
        return;
    if (!http_user_name_valid(name)) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "name must be 1..64 of A-Z a-z 0-9 . _ -");
        return;
    }
    if (wf_role_parse(role) == 0) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST,
                   "role must be analyst, supervisor, vik, privacy, council or admin");
        return;
    }
    if (strcmp(role, "supervisor") == 0 &&
        (unit == NULL || *unit == '\0' || team == NULL || *team == '\0')) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "a supervisor needs unit and team");
        return;
    }
    if (password == NULL || strlen(password) < AUTH_PASSWORD_MIN) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "password must have at least %d characters",
                   AUTH_PASSWORD_MIN);
        return;
    }
    struct store_user u;
    bool found;
    struct err e;
    if (store_user_get(rq->srv->st, name, &u, NULL, 0, &found, &e) != 0) {
        resp_internal(rs, &e);
        return;
    }
    if (found) {
        resp_error(rs, MHD_HTTP_CONFLICT, "user %s exists already", name);
        return;
    }
    char hash[AUTH_HASH_SIZE];
    if (auth_hash_password(password, hash, &e) != 0) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "%s", e.msg);
        return;
    }
    if (tx_begin(rq, rs) != 0)
        return;
    char object[80], detail[160];
    snprintf(object, sizeof object, "user:%s", name);
    snprintf(detail, sizeof detail, "role=%s unit=%s team=%s", role, unit ? unit : "",
             team ? team : "");
    if (store_user_add(rq->srv->st, name, role, unit, team, hash, rq->sess.user.name, &e) != 0 ||
        audit(rq, "user.add", object, detail, &e) != 0) {
        tx_abort(rq);
        resp_internal(rs, &e);
        return;
    }
    if (tx_commit(rq, rs) != 0)
        return;
    sbuf_puts(&rs->body, "{\"name\":");
    sbuf_json_str(&rs->body, name, strlen(name));
    sbuf_printf(&rs->body, ",\"role\":\"%s\"}", role);
    resp_json(rs, MHD_HTTP_CREATED);
}
