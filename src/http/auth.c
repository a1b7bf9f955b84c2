/*
 * auth.c - passwords, the login rate limiter, sessions and CSRF tokens, and the session
 * endpoints (POST/DELETE /api/session, GET /api/me).
 *
 * Passwords: Argon2id through libsodium's crypto_pwhash_str with the interactive limits
 * (64 MiB, 2 passes); the hash text carries its own salt and parameters. A login for an
 * unknown user verifies against a dummy hash so that it costs the same time.
 *
 * Sessions: the cookie holds 32 random bytes (libsodium randombytes) as 64 hex digits;
 * the database holds only their BLAKE2b hash. The cookie is HttpOnly, SameSite=Strict,
 * Path=/. A session ends after 30 minutes without a successful request, after 12 hours
 * in any case, and at logout. Each session has its own CSRF token (32 random bytes, hex),
 * returned by login and /api/me and compared in constant time with X-CSRF-Token on every
 * state-changing request.
 *
 * Rate limiting: a failed login counts against the user name and against the client
 * address; 5 failures within 5 minutes on either key refuse further logins on that key
 * with 429 (without checking the password) until the oldest of them leaves the window.
 * A successful login clears the user name's failures (not the address's). The table is
 * in memory: a restart forgets it, which an attacker cannot cause from outside.
 */
#include "http/http_int.h"
#include "workflow/workflow.h"

#include <string.h>

/* ---- passwords ------------------------------------------------------------------------ */

int auth_hash_password(const char *password, char out[AUTH_HASH_SIZE], struct err *e)
{
    size_t n = strlen(password);
    if (n < AUTH_PASSWORD_MIN)
        return err_set(e, "the password must have at least %d characters", AUTH_PASSWORD_MIN);
    if (n > AUTH_PASSWORD_MAX)
        return err_set(e, "the password must have at most %d bytes", AUTH_PASSWORD_MAX);
    if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return err_set(e, "cannot hash the password (out of memory)");
    return 0;
}

bool auth_verify_password(const char *hash, const char *password)
{
    static char dummy[AUTH_HASH_SIZE];
    size_t n = strlen(password);
    if (n > AUTH_PASSWORD_MAX)
        return false;
    if (hash == NULL) {
        if (dummy[0] == '\0' &&
            crypto_pwhash_str(dummy, "dummy password", 14, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
            return false;
        /* The result is always false; the call is there for its cost. */
        volatile int r = crypto_pwhash_str_verify(dummy, password, n);
        (void)r;
        return false;
    }
    return crypto_pwhash_str_verify(hash, password, n) == 0;
}

/* ---- rate limiter --------------------------------------------------------------------- */

struct rl_slot {
    char key[96];
    int64_t fails[RL_MAX_FAILURES]; /* ring of the last failure times, 0 = empty */
    unsigned next;
    int64_t last;
};

struct ratelimit {
    struct rl_slot *slots;
    size_t n;
};

struct ratelimit *ratelimit_new(size_t slots)
{
    struct ratelimit *rl = xcalloc(1, sizeof *rl);
    rl->n = slots > 0 ? slots : 1;
    rl->slots = xcalloc(rl->n, sizeof *rl->slots);
    return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
    if (rl == NULL)
        return;
    free(rl->slots);
    free(rl);
}

static struct rl_slot *rl_find(struct ratelimit *rl, const char *key, bool create)
{
    struct rl_slot *oldest = &rl->slots[0];
    for (size_t i = 0; i < rl->n; i++) {
        struct rl_slot *s = &rl->slots[i];
        if (s->key[0] != '\0' && strncmp(s->key, key, sizeof s->key - 1) == 0)
            return s;
        if (s->last < oldest->last)
            oldest = s;
    }
    if (!create)
        return NULL;
    memset(oldest, 0, sizeof *oldest);
    snprintf(oldest->key, sizeof oldest->key, "%s", key);
    return oldest;
}

bool ratelimit_blocked(struct ratelimit *rl, const char *key, int64_t now_ms)
{
    struct rl_slot *s = rl_find(rl, key, false);
    if (s == NULL)
        return false;
    int recent = 0;
    for (int i = 0; i < RL_MAX_FAILURES; i++)
        if (s->fails[i] != 0 && now_ms - s->fails[i] < RL_WINDOW_MS)
            recent++;
    return recent >= RL_MAX_FAILURES;
}

void ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now_ms)
{
    struct rl_slot *s = rl_find(rl, key, true);
    s->fails[s->next] = now_ms;
    s->next = (s->next + 1) % RL_MAX_FAILURES;
    s->last = now_ms;
}

void ratelimit_clear(struct ratelimit *rl, const char *key)
{
    struct rl_slot *s = rl_find(rl, key, false);
    if (s != NULL)
        memset(s, 0, sizeof *s);
}

/* ---- sessions ------------------------------------------------------------------------- */

static void hash_sid(const unsigned char sid[32], unsigned char out[32])
{
    crypto_generichash(out, 32, sid, 32, NULL, 0);
}

int auth_session(struct req *rq, struct resp *rs)
{
    const char *cookie = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
    unsigned char sid[32];
    size_t bin_len = 0;
    if (cookie == NULL || strlen(cookie) != 64 ||
        sodium_hex2bin(sid, sizeof sid, cookie, 64, NULL, &bin_len, NULL) != 0 || bin_len != 32) {
        resp_error(rs, MHD_HTTP_UNAUTHORIZED, "not logged in");
        return 0;
    }
    hash_sid(sid, rq->sid_hash);
    sodium_memzero(sid, sizeof sid);
    bool found;
    struct err e;
    if (store_session_get(rq->srv->st, rq->sid_hash, &rq->sess, &found, &e) != 0) {
        resp_internal(rs, &e);
        return -1;
    }
    if (!found) {
        resp_error(rs, MHD_HTTP_UNAUTHORIZED, "not logged in (or the session ended)");
        return 0;
    }
    if (rq->now_ms - rq->sess.last_ms > SESSION_IDLE_MS ||
        rq->now_ms - rq->sess.created_ms > SESSION_MAX_MS) {
        if (store_session_delete(rq->srv->st, rq->sid_hash, &e) != 0)
            log_error("%s", e.msg);
        resp_error(rs, MHD_HTTP_UNAUTHORIZED, "the session expired; log in again");
        return 0;
    }
    rq->role = wf_role_parse(rq->sess.user.role);
    rq->authed = true;
    return 1;
}

bool auth_csrf_ok(struct req *rq)
{
    const char *tok = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "X-CSRF-Token");
    size_t n = strlen(rq->sess.csrf);
    return tok != NULL && n > 0 && strlen(tok) == n && sodium_memcmp(tok, rq->sess.csrf, n) == 0;
}

/* The object of login and /api/me. */
static void me_json(struct resp *rs, const struct store_user *u, const char *csrf)
{
    sbuf_reset(&rs->body);
    sbuf_puts(&rs->body, "{\"user\":");
    sbuf_json_str(&rs->body, u->name, strlen(u->name));
    sbuf_puts(&rs->body, ",\"role\":");
    sbuf_json_str(&rs->body, u->role, strlen(u->role));
    sbuf_puts(&rs->body, ",\"csrf\":");
    sbuf_json_str(&rs->body, csrf, strlen(csrf));
    sbuf_puts(&rs->body, ",\"lang\":");
    sbuf_json_str(&rs->body, u->lang, strlen(u->lang));
    sbuf_putc(&rs->body, '}');
    resp_json(rs, MHD_HTTP_OK);
}

void api_login(struct req *rq, struct resp *rs)
{
    bool bad = false;
    const char *name = body_str(rq, rs, "user", 64, &bad);
    const char *password = body_str(rq, rs, "password", AUTH_PASSWORD_MAX, &bad);
    if (bad)
        return;
    if (name == NULL || password == NULL || *name == '\0') {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "fields \"user\" and \"password\" are required");
        return;
    }
    char user_key[96], addr_key[96];
    snprintf(user_key, sizeof user_key, "u:%s", name);
    snprintf(addr_key, sizeof addr_key, "a:%s", rq->client);
    if (ratelimit_blocked(rq->srv->rl, user_key, rq->now_ms) ||
        ratelimit_blocked(rq->srv->rl, addr_key, rq->now_ms)) {
        resp_error(rs, MHD_HTTP_TOO_MANY_REQUESTS,
                   "too many failed logins; try again in a few minutes");
        return;
    }
    struct store_user u;
    char pwhash[AUTH_HASH_SIZE + 1];
    bool found;
    struct err e;
    if (store_user_get(rq->srv->st, name, &u, pwhash, sizeof pwhash, &found, &e) != 0) {
        resp_internal(rs, &e);
        return;
    }
    if (!auth_verify_password(found ? pwhash : NULL, password)) {
        sodium_memzero(pwhash, sizeof pwhash);
        ratelimit_fail(rq->srv->rl, user_key, rq->now_ms);
        ratelimit_fail(rq->srv->rl, addr_key, rq->now_ms);
        log_info("failed login for %s from %s", name, rq->client);
        resp_error(rs, MHD_HTTP_UNAUTHORIZED, "wrong user name or password");
        return;
    }
    sodium_memzero(pwhash, sizeof pwhash);
    ratelimit_clear(rq->srv->rl, user_key);

    unsigned char sid[32], csrf_raw[32];
    char cookie_hex[65], csrf[65];
    randombytes_buf(sid, sizeof sid);
    randombytes_buf(csrf_raw, sizeof csrf_raw);
    sodium_bin2hex(cookie_hex, sizeof cookie_hex, sid, sizeof sid);
    sodium_bin2hex(csrf, sizeof csrf, csrf_raw, sizeof csrf_raw);
    hash_sid(sid, rq->sid_hash);
    sodium_memzero(sid, sizeof sid);

    if (tx_begin(rq, rs) != 0)
        return;
    rq->sess.user = u;
    rq->authed = true;
    if (store_sessions_expire(rq->srv->st, rq->now_ms - SESSION_IDLE_MS,
                              rq->now_ms - SESSION_MAX_MS, &e) != 0 ||
        store_session_put(rq->srv->st, rq->sid_hash, u.id, csrf, rq->now_ms, &e) != 0 ||
        audit(rq, "session.login", "", rq->client, &e) != 0) {
        tx_abort(rq);
        rq->authed = false;
        resp_internal(rs, &e);
        return;
    }
    rq->authed = false; /* no session touch: it was just created */
    if (tx_commit(rq, rs) != 0)
        return;
    snprintf(rs->cookie, sizeof rs->cookie, "%s=%s; HttpOnly; SameSite=Strict; Path=/",
             SESSION_COOKIE, cookie_hex);
    sodium_memzero(cookie_hex, sizeof cookie_hex);
    me_json(rs, &u, csrf);
}

void api_logout(struct req *rq, struct resp *rs)
{
    struct err e;
    if (tx_begin(rq, rs) != 0)
        return;
    if (store_session_delete(rq->srv->st, rq->sid_hash, &e) != 0 ||
        audit(rq, "session.logout", "", rq->client, &e) != 0) {
        tx_abort(rq);
        resp_internal(rs, &e);
        return;
    }
    if (tx_commit(rq, rs) != 0)
        return;
    rq->authed = false;
    snprintf(rs->cookie, sizeof rs->cookie, "%s=; Max-Age=0; HttpOnly; SameSite=Strict; Path=/",
             SESSION_COOKIE);
    sbuf_puts(&rs->body, "{\"ok\":true}");
    resp_json(rs, MHD_HTTP_OK);
}

void api_me(struct req *rq, struct resp *rs)
{
    me_json(rs, &rq->sess.user, rq->sess.csrf);
}
