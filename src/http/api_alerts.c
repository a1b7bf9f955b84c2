/*
 * api_alerts.c - the alert queue, an alert's detail and activity, the analyst's two
 * decisions on a new alert: dismiss (with a reason) or escalate (which opens a case), and
 * the catalogue of indicators that alerts are made of.
 *
 * Every read of an alert is audited (action alert.view / alert.activity / alerts.list);
 * every decision is stored together with its history row and audit row in one
 * transaction. A supervisor may read an alert only when its case was escalated to the
 * supervisor and the employee is in the supervisor's own unit and team.
 */
#include "http/http_int.h"
#include "indicators/indicator.h"
#include "workflow/workflow.h"

#include <string.h>

#define NOTE_MAX 4000

/* Parse "YYYY-MM-DD" (UTC midnight) or RFC 3339 into ms; false when neither. */
static bool parse_when(const char *s, bool end_of_day, int64_t *ms)
{
    int32_t day;
    if (strlen(s) == 10 && date_parse(s, 10, &day) == 0) {
        *ms = ((int64_t)day + (end_of_day ? 1 : 0)) * 86400000LL;
        return true;
    }
    return ts_parse_rfc3339(s, strlen(s), ms) == 0;
}

void api_alerts(struct req *rq, struct resp *rs)
{
    struct store_queue_filter f = {0};
    f.status = query_arg(rq, "status");
    f.unit = query_arg(rq, "unit");
    f.indicator = query_arg(rq, "indicator");
    const char *from = query_arg(rq, "from"), *to = query_arg(rq, "to");
    if (f.status != NULL && !wf_alert_status_valid(f.status)) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "status must be new, dismissed or escalated");
        return;
    }
    if (f.unit != NULL && strlen(f.unit) > 64) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "unit is too long");
        return;
    }
    if (f.indicator != NULL && indicator_find(f.indicator) < 0) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "unknown indicator %.64s", f.indicator);
        return;
    }
    if (from != NULL && !(f.has_from = parse_when(from, false, &f.from_ms))) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "from must be YYYY-MM-DD or an RFC 3339 time");
        return;
    }
    if (to != NULL && !(f.has_to = parse_when(to, true, &f.to_ms))) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "to must be YYYY-MM-DD or an RFC 3339 time");
        return;
    }
    if (query_int(rq, rs, "limit", 1, 500, 50, &f.limit) != 0 ||
        query_int(rq, rs, "offset", 0, 1000000000, 0, &f.offset) != 0)
        return;
    struct err e;
    if (store_alert_queue(rq->srv->st, &f, &rs->body, &e) != 0) {
        resp_internal(rs, &e);
        return;
    }
    char detail[256];
    snprintf(detail, sizeof detail,
             "status=%s unit=%.64s indicator=%s from=%.32s to=%.32s "
             "offset=%lld",
             f.status ? f.status : "", f.unit ? f.unit : "", f.indicator ? f.indicator : "",
             from ? from : "", to ? to : "", (long long)f.offset);
    if (audit_read(rq, rs, "alerts.list", "", detail) != 0)
        return;
    resp_json(rs, MHD_HTTP_OK);
}

/* The catalogue comes from the indicator registry, so that a new plug-in shows on every
 * screen with the titles docs/config.md gives it, without a list in the web application.
 * It says what the system looks for, nothing about anyone: no audit row. */
void api_indicators(struct req *rq, struct resp *rs)
{
    (void)rq;
    sbuf_reset(&rs->body);
    sbuf_puts(&rs->body, "{\"indicators\":[");
    for (size_t i = 0; i < indicator_count; i++) {
        const struct indicator *ind = indicator_registry[i];
        sbuf_puts(&rs->body, i ? ",{\"name\":" : "{\"name\":");
        sbuf_json_str(&rs->body, ind->name, strlen(ind->name));
        sbuf_puts(&rs->body, ",\"title_en\":");
        sbuf_json_str(&rs->body, ind->title_en, strlen(ind->title_en));
        sbuf_puts(&rs->body, ",\"title_nl\":");
        sbuf_json_str(&rs->body, ind->title_nl, strlen(ind->title_nl));
        sbuf_puts(&rs->body, ",\"help\":");
        sbuf_json_str(&rs->body, ind->help, strlen(ind->help));
        sbuf_putc(&rs->body, '}');
    }
    sbuf_puts(&rs->body, "]}");
    resp_json(rs, MHD_HTTP_OK);
}

/* Load the alert of the route and check that the session may read it. Returns 0, or -1
 * with the response set (404, 403, 500). */
static int load_readable(struct req *rq, struct resp *rs, struct store_alert_brief *b)
{
    bool found;
    struct err e;
    if (store_alert_brief(rq->srv->st, rq->id, b, &found, &e) != 0) {
        resp_internal(rs, &e);
        return -1;
    }
    if (!found) {
        resp_error(rs, MHD_HTTP_NOT_FOUND, "no alert %lld", (long long)rq->id);
        return -1;
    }
    if (rq->role == WF_SUPERVISOR &&
        !(b->case_id != 0 && b->supervisor_visible && strcmp(b->unit, rq->sess.user.unit) == 0 &&
          strcmp(b->team, rq->sess.user.team) == 0)) {
        resp_error(rs, MHD_HTTP_FORBIDDEN,
                   "supervisors see only alerts escalated to them about their own team");
        return -1;
    }
    return 0;
}

void api_alert(struct req *rq, struct resp *rs)
{
    struct store_alert_brief b;
    struct err e;
    if (load_readable(rq, rs, &b) != 0)
        return;
    if (store_alert_detail_json(rq->srv->st, b.id, &rs->body, &e) != 0) {
        resp_internal(rs, &e);
        return;
    }
    char object[32];
    snprintf(object, sizeof object, "alert:%lld", (long long)b.id);
    if (audit_read(rq, rs, "alert.view", object, b.pseudonym) != 0)
        return;
    resp_json(rs, MHD_HTTP_OK);
}

void api_alert_activity(struct req *rq, struct resp *rs)
{
    struct store_alert_brief b;
    struct err e;
    if (load_readable(rq, rs, &b) != 0)
        return;
    if (store_alert_activity_json(rq->srv->st, b.run_id, b.pseudonym, &rs->body, &e) != 0) {
        resp_internal(rs, &e);
        return;
    }
    char object[32];
    snprintf(object, sizeof object, "alert:%lld", (long long)b.id);
    if (audit_read(rq, rs, "alert.activity", object, b.pseudonym) != 0)
        return;
    resp_json(rs, MHD_HTTP_OK);
}

/* Load a new alert for a decision: 404 when missing, 409 when decided already. */
static int load_new(struct req *rq, struct resp *rs, struct store_alert_brief *b)
{
    bool found;
    struct err e;
    if (store_alert_brief(rq->srv->st, rq->id, b, &found, &e) != 0) {
        resp_internal(rs, &e);
        return -1;
    }
    if (!found) {
        resp_error(rs, MHD_HTTP_NOT_FOUND, "no alert %lld", (long long)rq->id);
        return -1;
    }
    if (strcmp(b->status, WF_ALERT_NEW) != 0) {
        resp_error(rs, MHD_HTTP_CONFLICT,
                   "alert %lld is %s already; only a new alert can be "
                   "dismissed or escalated",
                   (long long)rq->id, b->status);
        return -1;
    }
    return 0;
}

void api_alert_dismiss(struct req *rq, struct resp *rs)
{
    bool bad = false;
    const char *reason = body_str(rq, rs, "reason", 32, &bad);
    const char *note = body_str(rq, rs, "note", NOTE_MAX, &bad);
    if (bad)
        return;
    if (!wf_dismiss_reason_valid(reason)) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST,
                   "reason must be explained, false_positive or duplicate");
        return;
    }
    struct store_alert_brief b;
    if (load_new(rq, rs, &b) != 0 || tx_begin(rq, rs) != 0)
        return;
    struct err e;
    bool changed;
    char object[32];
    snprintf(object, sizeof object, "alert:%lld", (long long)b.id);
    if (store_alert_decide(rq->srv->st, b.id, WF_ALERT_DISMISSED, reason, rq->sess.user.name,
                           note != NULL ? note : "", &changed, &e) != 0 ||
        (changed && audit(rq, "alert.dismiss", object, reason, &e) != 0)) {
        tx_abort(rq);
        resp_internal(rs, &e);
        return;
    }
    if (!changed) {
        tx_abort(rq);
        resp_error(rs, MHD_HTTP_CONFLICT, "alert %lld was decided meanwhile", (long long)b.id);
        return;
    }
    if (tx_commit(rq, rs) != 0)
        return;
    sbuf_printf(&rs->body, "{\"id\":%lld,\"status\":\"dismissed\",\"reason\":\"%s\"}",
                (long long)b.id, reason);
    resp_json(rs, MHD_HTTP_OK);
}

void api_alert_escalate(struct req *rq, struct resp *rs)
{
    bool bad = false;
    const char *to = body_str(rq, rs, "to", 32, &bad);
    const char *note = body_str(rq, rs, "note", NOTE_MAX, &bad);
    if (bad)
        return;
    int state = wf_escalation_state(to);
    if (state < 0) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "to must be supervisor or triage");
        return;
    }
    struct store_alert_brief b;
    if (load_new(rq, rs, &b) != 0 || tx_begin(rq, rs) != 0)
        return;
    struct err e;
    bool changed;
    int64_t case_id = 0;
    char object[32], detail[64];
    snprintf(object, sizeof object, "alert:%lld", (long long)b.id);
    const char *who = rq->sess.user.name;
    if (store_alert_decide(rq->srv->st, b.id, WF_ALERT_ESCALATED, to, who, note != NULL ? note : "",
                           &changed, &e) != 0)
        goto failed;
    if (!changed) {
        tx_abort(rq);
        resp_error(rs, MHD_HTTP_CONFLICT, "alert %lld was decided meanwhile", (long long)b.id);
        return;
    }
    if (store_case_create(rq->srv->st, b.id, b.pseudonym, wf_state_name((enum wf_state)state),
                          state == WF_SUPERVISOR_CONVERSATION, who, note != NULL ? note : "",
                          &case_id, &e) != 0)
        goto failed;
    snprintf(detail, sizeof detail, "case:%lld to %s", (long long)case_id, to);
    if (audit(rq, "alert.escalate", object, detail, &e) != 0)
        goto failed;
    if (tx_commit(rq, rs) != 0)
        return;
    sbuf_printf(&rs->body, "{\"id\":%lld,\"status\":\"escalated\",\"case_id\":%lld}",
                (long long)b.id, (long long)case_id);
    resp_json(rs, MHD_HTTP_OK);
    return;

failed:
    tx_abort(rq);
    resp_internal(rs, &e);
}
