/*
 * api_reveal.c - re-identification under four eyes.
 *
 * 1. An analyst or VIK user asks to reveal a pseudonym, with a reason (POST /api/reveal).
 *    The request expires after 24 hours unless approved.
 * 2. A second user approves it (POST /api/reveal/{id}/approve): a vik, privacy or admin
 *    user who is not the requester and does not have the requester's role (the schema's
 *    CHECK holds the same rule, so a bug here cannot break it). The approval lasts 24 h.
 * 3. The requester reads the employee number (GET /api/reveal/{id}) while the approval
 *    lasts: it is unsealed from pseudonyms.sealed_user with the key (privacy_unseal), and
 *    each read is written to reveal_log and the audit log.
 * Every step is audited (reveal.request, reveal.approve, reveal.view).
 */
#include "http/http_int.h"
#include "workflow/workflow.h"

#include <string.h>

#define REASON_MAX 500

static bool pseudonym_valid(const char *p)
{
    if (p == NULL || strlen(p) != PSEUDONYM_LEN - 1 || strncmp(p, "P-", 2) != 0)
        return false;
    for (const char *c = p + 2; *c != '\0'; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '2' && *c <= '7')))
            return false;
    return true;
}

static const char *reveal_status(const struct store_reveal *r, int64_t now_ms)
{
    if (r->expires_ms <= now_ms)
        return "expired";
    return r->approver_id != 0 ? "approved" : "pending";
}

static void utc(int64_t ms, char out[32])
{
    int64_t secs = ms / 1000, days = secs / 86400, sod = secs % 86400;
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, 32, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, (int)(sod / 3600),
             (int)(sod / 60 % 60), (int)(sod % 60));
}

void api_reveal_request(struct req *rq, struct resp *rs)
{
    bool bad = false;
    const char *pseudonym = body_str(rq, rs, "pseudonym", 32, &bad);
    const char *reason = body_str(rq, rs, "reason", REASON_MAX, &bad);
    if (bad)
        return;
    if (!pseudonym_valid(pseudonym)) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "pseudonym must look like P-xxxxxxxxxx");
        return;
    }
    if (reason == NULL || *reason == '\0') {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "a reason is required");
        return;
    }
    struct err e;
    bool found;
    if (store_pseudonym_exists(rq->srv->st, pseudonym, &found, &e) != 0) {
        resp_internal(rs, &e);
        return;
    }
    if (!found) {
        resp_error(rs, MHD_HTTP_NOT_FOUND, "no pseudonym %s", pseudonym);
        return;
    }
    int64_t id, expires = rq->now_ms + REVEAL_TTL_MS;
    if (tx_begin(rq, rs) != 0)
        return;
    char object[32];
    snprintf(object, sizeof object, "pseudonym:%s", pseudonym);
    if (store_reveal_request(rq->srv->st, pseudonym, reason, rq->sess.user.id, rq->sess.user.role,
                             rq->now_ms, expires, &id, &e) != 0 ||
        audit(rq, "reveal.request", object, reason, &e) != 0) {
        tx_abort(rq);
        resp_internal(rs, &e);
        return;
    }
    if (tx_commit(rq, rs) != 0)
        return;
    char when[32];
    utc(expires, when);
    sbuf_printf(&rs->body, "{\"id\":%lld,\"status\":\"pending\",\"expires\":\"%s\"}", (long long)id,
                when);
    resp_json(rs, MHD_HTTP_CREATED);
}

void api_reveal_list(struct req *rq, struct resp *rs)
{
    struct err e;
    if (store_reveal_list_json(rq->srv->st, rq->now_ms, &rs->body, &e) != 0) {
        resp_internal(rs, &e);
        return;
    }
    if (audit_read(rq, rs, "reveal.list", "", "") != 0)
        return;
    resp_json(rs, MHD_HTTP_OK);
}

static int load_reveal(struct req *rq, struct resp *rs, struct store_reveal *r)
{
    bool found;
    struct err e;
    if (store_reveal_get(rq->srv->st, rq->id, r, &found, &e) != 0) {
        resp_internal(rs, &e);
        return -1;
    }
    if (!found) {
        resp_error(rs, MHD_HTTP_NOT_FOUND, "no reveal request %lld", (long long)rq->id);
        return -1;
    }
    return 0;
}

void api_reveal_approve(struct req *rq, struct resp *rs)
{
    struct store_reveal r;
    if (load_reveal(rq, rs, &r) != 0)
        return;
    if (r.requester_id == rq->sess.user.id) {
        resp_error(rs, MHD_HTTP_FORBIDDEN, "four eyes: the requester cannot approve");
        return;
    }
    if (strcmp(r.requester_role, rq->sess.user.role) == 0) {
        resp_error(rs, MHD_HTTP_FORBIDDEN,
                   "four eyes: a user in another role than the requester (%s) must approve",
                   r.requester_role);
        return;
    }
    const char *status = reveal_status(&r, rq->now_ms);
    if (strcmp(status, "pending") != 0) {
        resp_error(rs, MHD_HTTP_CONFLICT, "reveal request %lld is %s", (long long)r.id, status);
        return;
    }
    int64_t expires = rq->now_ms + REVEAL_TTL_MS;
    if (tx_begin(rq, rs) != 0)
        return;
    struct err e;
    bool changed;
    char object[32], detail[64];
    snprintf(object, sizeof object, "pseudonym:%s", r.pseudonym);
    snprintf(detail, sizeof detail, "request:%lld", (long long)r.id);
    if (store_reveal_approve(rq->srv->st, r.id, rq->sess.user.id, rq->sess.user.role, rq->now_ms,
                             expires, &changed, &e) != 0 ||
        (changed && audit(rq, "reveal.approve", object, detail, &e) != 0)) {
        tx_abort(rq);
        resp_internal(rs, &e);
        return;
    }
    if (!changed) {
        tx_abort(rq);
        resp_error(rs, MHD_HTTP_CONFLICT, "reveal request %lld changed meanwhile", (long long)r.id);
        return;
    }
    if (tx_commit(rq, rs) != 0)
        return;
    char when[32];
    utc(expires, when);
    sbuf_printf(&rs->body, "{\"id\":%lld,\"status\":\"approved\",\"expires\":\"%s\"}",
                (long long)r.id, when);
    resp_json(rs, MHD_HTTP_OK);
}

void api_reveal_get(struct req *rq, struct resp *rs)
{
    struct store_reveal r;
    if (load_reveal(rq, rs, &r) != 0)
        return;
    if (r.requester_id != rq->sess.user.id) {
        resp_error(rs, MHD_HTTP_FORBIDDEN, "only the requester reads a reveal");
        return;
    }
    const char *status = reveal_status(&r, rq->now_ms);
    char when[32];
    utc(r.expires_ms, when);
    sbuf_printf(&rs->body, "{\"id\":%lld,\"pseudonym\":\"%s\",\"status\":\"%s\",\"expires\":\"%s\"",
                (long long)r.id, r.pseudonym, status, when);
    if (strcmp(status, "approved") != 0) {
        sbuf_putc(&rs->body, '}');
        resp_json(rs, MHD_HTTP_OK);
        return;
    }
    if (rq->srv->priv == NULL) {
        resp_error(rs, MHD_HTTP_SERVICE_UNAVAILABLE,
                   "the server has no pseudonym key; start it with --key");
        return;
    }
    unsigned char sealed[512];
    size_t n;
    bool found;
    struct err e;
    char user[128];
    if (store_pseudonym_sealed(rq->srv->st, r.pseudonym, sealed, sizeof sealed, &n, &found, &e) !=
        0) {
        resp_internal(rs, &e);
        return;
    }
    if (!found || privacy_unseal(rq->srv->priv, sealed, n, user, sizeof user) != 0) {
        log_error("reveal %lld: cannot unseal the number of %s with this key", (long long)r.id,
                  r.pseudonym);
        resp_error(rs, MHD_HTTP_INTERNAL_SERVER_ERROR,
                   "cannot unseal the employee number with this server's key");
        return;
    }
    char channel[64], object[32], detail[64];
    snprintf(channel, sizeof channel, "web four-eyes request %lld", (long long)r.id);
    snprintf(object, sizeof object, "pseudonym:%s", r.pseudonym);
    snprintf(detail, sizeof detail, "request:%lld", (long long)r.id);
    if (tx_begin(rq, rs) != 0)
        goto wipe;
    if (store_reveal_log_web(rq->srv->st, rq->sess.user.name, channel, r.reason, &e) != 0 ||
        audit(rq, "reveal.view", object, detail, &e) != 0) {
        tx_abort(rq);
        resp_internal(rs, &e);
        goto wipe;
    }
    if (tx_commit(rq, rs) != 0)
        goto wipe;
    sbuf_puts(&rs->body, ",\"user\":");
    sbuf_json_str(&rs->body, user, strlen(user));
    sbuf_putc(&rs->body, '}');
    resp_json(rs, MHD_HTTP_OK);

wipe:
    sodium_memzero(user, sizeof user);
}
