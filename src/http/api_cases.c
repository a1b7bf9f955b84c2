/*
 * api_cases.c - cases of the integrity process: the list, one case, and a step of its
 * state machine (workflow/workflow.h, docs/workflow.md).
 *
 * A step is judged in this order, and only then written: the target state must exist
 * (400) and a note is required (400: every step says why); the case must exist (404) and
 * be visible to the user (403); the table must hold the step (409) for this role (403);
 * what the step needs must be there and valid (400): the complete triage checklist, the
 * decision of the bevoegd gezag, the uniform registration. The case row is updated only
 * if it is still in the state that was judged, with a history row and an audit row, in
 * one transaction.
 */
#include "http/http_int.h"
#include "workflow/workflow.h"

#include <string.h>

#define NOTE_MAX 4000
#define CHECKLIST_ITEM_MAX 4000

static bool case_visible(const struct req *rq, const struct store_case *c)
{
    if (rq->role != WF_SUPERVISOR)
        return true;
    return c->supervisor_visible && strcmp(c->unit, rq->sess.user.unit) == 0 &&
           strcmp(c->team, rq->sess.user.team) == 0;
}

void api_cases(struct req *rq, struct resp *rs)
{
    int64_t limit, offset;
    if (query_int(rq, rs, "limit", 1, 500, 100, &limit) != 0 ||
        query_int(rq, rs, "offset", 0, 1000000000, 0, &offset) != 0)
        return;
    bool sup = rq->role == WF_SUPERVISOR;
    struct err e;
    if (store_cases_json(rq->srv->st, sup ? rq->sess.user.unit : NULL,
                         sup ? rq->sess.user.team : NULL, limit, offset, &rs->body, &e) != 0) {
        resp_internal(rs, &e);
        return;
    }
    if (audit_read(rq, rs, "cases.list", "", "") != 0)
        return;
    resp_json(rs, MHD_HTTP_OK);
}

/* Load the case of the route, visible to the session. 0, or -1 with the response set. */
static int load_case(struct req *rq, struct resp *rs, struct store_case *c)
{
    bool found;
    struct err e;
    if (store_case_get(rq->srv->st, rq->id, c, &found, &e) != 0) {
        resp_internal(rs, &e);
        return -1;
    }
    if (!found) {
        resp_error(rs, MHD_HTTP_NOT_FOUND, "no case %lld", (long long)rq->id);
        return -1;
    }
    if (!case_visible(rq, c)) {
        store_case_clear(c);
        resp_error(rs, MHD_HTTP_FORBIDDEN,
                   "supervisors see only cases escalated to them about their own team");
        return -1;
    }
    return 0;
}

/* Append the case JSON with "next": the states this user may move it to. */
static int case_json(struct req *rq, struct resp *rs, const struct store_case *c)
{
    struct err e;
    sbuf_reset(&rs->body);
    if (store_case_json_open(rq->srv->st, c->id, &rs->body, &e) != 0) {
        resp_internal(rs, &e);
        return -1;
    }
    int from = wf_state_parse(c->state);
    sbuf_puts(&rs->body, ",\"next\":[");
    int n = 0;
    for (size_t i = 0; from >= 0 && i < wf_transition_count; i++)
        if (wf_transitions[i].from == (enum wf_state)from && (wf_transitions[i].roles & rq->role))
            sbuf_printf(&rs->body, "%s\"%s\"", n++ ? "," : "", wf_state_name(wf_transitions[i].to));
    sbuf_puts(&rs->body, "]}");
    resp_json(rs, MHD_HTTP_OK);
    return 0;
}

void api_case(struct req *rq, struct resp *rs)
{
    struct store_case c;
    if (load_case(rq, rs, &c) != 0)
        return;
    char object[32];
    snprintf(object, sizeof object, "case:%lld", (long long)c.id);
    if (case_json(rq, rs, &c) == 0)
        (void)audit_read(rq, rs, "case.view", object, c.pseudonym);
    store_case_clear(&c);
}

/* Merge the request's "checklist" object into the stored one (`stored`, JSON text).
 * Returns the merged JSON text (caller frees with cJSON_free), or NULL with 400 set. */
static char *merge_checklist(struct resp *rs, const cJSON *given, const char *stored)
{
    if (!cJSON_IsObject(given)) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "checklist must be an object");
        return NULL;
    }
    cJSON *merged = cJSON_Parse(stored);
    if (merged == NULL || !cJSON_IsObject(merged)) {
        cJSON_Delete(merged);
        merged = cJSON_CreateObject();
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, given)
    {
        if (wf_checklist_index(item->string) < 0) {
            resp_error(rs, MHD_HTTP_BAD_REQUEST, "unknown checklist item \"%.64s\"", item->string);
            cJSON_Delete(merged);
            return NULL;
        }
        if (!cJSON_IsString(item) || strlen(item->valuestring) > CHECKLIST_ITEM_MAX) {
            resp_error(rs, MHD_HTTP_BAD_REQUEST,
                       "checklist item \"%s\" must be a string of at "
                       "most %d bytes",
                       item->string, CHECKLIST_ITEM_MAX);
            cJSON_Delete(merged);
            return NULL;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(merged, item->string);
        cJSON_AddStringToObject(merged, item->string, item->valuestring);
    }
    char *text = cJSON_PrintUnformatted(merged);
    cJSON_Delete(merged);
    return text;
}

/* The first checklist item missing or empty in `json`, or NULL when all are there. */
static const char *checklist_missing(const char *json)
{
    cJSON *o = cJSON_Parse(json);
    const char *missing = NULL;
    for (int i = 0; i < WF_CHECKLIST_ITEMS && missing == NULL; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, wf_checklist_keys[i]);
        if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
            missing = wf_checklist_keys[i];
    }
    cJSON_Delete(o);
    return missing;
}

void api_case_transition(struct req *rq, struct resp *rs)
{
    bool bad = false;
    const char *to_name = body_str(rq, rs, "to", 64, &bad);
    const char *note = body_str(rq, rs, "note", NOTE_MAX, &bad);
    const char *decided_by = body_str(rq, rs, "decided_by", 200, &bad);
    const char *deviation = body_str(rq, rs, "deviation", NOTE_MAX, &bad);
    const char *misconduct = body_str(rq, rs, "misconduct", 64, &bad);
    const char *outcome = body_str(rq, rs, "outcome", 64, &bad);
    if (bad)
        return;
    int to = wf_state_parse(to_name);
    if (to < 0) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "to must name a case state (docs/workflow.md)");
        return;
    }
    if (note == NULL || *note == '\0') {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "note is required: every step records why");
        return;
    }
    const cJSON *followed = cJSON_GetObjectItemCaseSensitive(rq->json, "vik_advice_followed");
    if (followed != NULL && !cJSON_IsBool(followed)) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "vik_advice_followed must be true or false");
        return;
    }
    const cJSON *checklist = cJSON_GetObjectItemCaseSensitive(rq->json, "checklist");

    struct store_case c;
    if (load_case(rq, rs, &c) != 0)
        return;
    char *merged = NULL;
    int from = wf_state_parse(c.state);
    const struct wf_transition *t;
    enum wf_verdict v =
        from < 0 ? WF_ILLEGAL : wf_check((enum wf_state)from, (enum wf_state)to, rq->role, &t);
    if (v == WF_ILLEGAL) {
        resp_error(rs, MHD_HTTP_CONFLICT, "a case in state %s cannot move to %s", c.state, to_name);
        goto done;
    }
    if (v == WF_FORBIDDEN) {
        resp_error(rs, MHD_HTTP_FORBIDDEN, "role %s may not move a case from %s to %s",
                   rq->sess.user.role, c.state, to_name);
        goto done;
    }
    if (checklist != NULL && !cJSON_IsNull(checklist)) {
        if (from != WF_TRIAGE) {
            resp_error(rs, MHD_HTTP_BAD_REQUEST, "the checklist belongs to the triage step");
            goto done;
        }
        if ((merged = merge_checklist(rs, checklist, c.checklist)) == NULL)
            goto done;
    }
    if (t->needs & WF_NEEDS_CHECKLIST) {
        const char *missing = checklist_missing(merged != NULL ? merged : c.checklist);
        if (missing != NULL) {
            resp_error(rs, MHD_HTTP_BAD_REQUEST, "the triage checklist is incomplete: %s", missing);
            goto done;
        }
    }
    int vik_followed = -1;
    if (t->needs & WF_NEEDS_DECISION) {
        if (decided_by == NULL || *decided_by == '\0' || followed == NULL) {
            resp_error(rs, MHD_HTTP_BAD_REQUEST,
                       "a decision needs decided_by (the bevoegd gezag) and vik_advice_followed");
            goto done;
        }
        vik_followed = cJSON_IsTrue(followed) ? 1 : 0;
        if (!vik_followed && (deviation == NULL || *deviation == '\0')) {
            resp_error(rs, MHD_HTTP_BAD_REQUEST,
                       "deviation is required when the VIK advice is not followed");
            goto done;
        }
    } else {
        decided_by = deviation = NULL;
    }
    if (t->needs & WF_NEEDS_OUTCOME) {
        if (!wf_in_list(wf_misconduct_kinds, misconduct) || !wf_in_list(wf_outcomes, outcome)) {
            resp_error(rs, MHD_HTTP_BAD_REQUEST,
                       "registration needs misconduct and outcome "
                       "from the lists of docs/workflow.md");
            goto done;
        }
    } else {
        misconduct = outcome = NULL;
    }

    struct store_case_step step = {
        .id = c.id,
        .from = c.state,
        .to = wf_state_name((enum wf_state)to),
        .supervisor_visible = wf_state_for_supervisor((enum wf_state)to),
        .checklist = merged,
        .decided_by = decided_by,
        .vik_advice_followed = vik_followed,
        .deviation = deviation,
        .misconduct = misconduct,
        .outcome = outcome,
        .actor = rq->sess.user.name,
        .note = note,
        .detail = merged,
    };
    if (tx_begin(rq, rs) != 0)
        goto done;
    struct err e;
    bool changed;
    char object[32], detail[96];
    snprintf(object, sizeof object, "case:%lld", (long long)c.id);
    snprintf(detail, sizeof detail, "%s -> %s", c.state, step.to);
    if (store_case_step(rq->srv->st, &step, &changed, &e) != 0 ||
        (changed && audit(rq, "case.transition", object, detail, &e) != 0)) {
        tx_abort(rq);
        resp_internal(rs, &e);
        goto done;
    }
    if (!changed) {
        tx_abort(rq);
        resp_error(rs, MHD_HTTP_CONFLICT, "case %lld moved meanwhile", (long long)c.id);
        goto done;
    }
    if (tx_commit(rq, rs) != 0)
        goto done;
    snprintf(c.state, sizeof c.state, "%s", step.to);
    (void)case_json(rq, rs, &c);

done:
    cJSON_free(merged);
    store_case_clear(&c);
}
