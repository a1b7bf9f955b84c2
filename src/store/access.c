/*
 * access.c - the store's side of who may do what and what they did: users, sessions,
 * re-identification requests, the hash-chained audit log of the monitors.
 *
 * Sessions are stored under the BLAKE2b hash of their id, so a copy of the database
 * does not hand out live sessions. Passwords arrive here already hashed (Argon2id text,
 * made in http/auth.c).
 *
 * The audit log: store_audit_append reads the head (last seq and hash) from audit_head,
 * computes the next row's hash (audit/audit.h), inserts the row and moves the head, all
 * in one transaction (the caller's, or its own BEGIN IMMEDIATE), so two writers - the
 * server and the `wachter user` command - never fork the chain. Triggers refuse UPDATE and
 * DELETE of audit rows; the chain catches whoever drops the triggers first.
 * store_audit_verify recomputes every hash from the first row.
 */
#include "audit/audit.h"
#include "store/store_int.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

/* ---- users ---------------------------------------------------------------------------- */

int store_user_add(struct store *st, const char *name, const char *role, const char *unit,
                   const char *team, const char *pwhash, const char *created_by, struct err *e)
{
    assert(st != NULL && st->ready && name != NULL && role != NULL && pwhash != NULL);
    char now[UTC_TEXT_SIZE];
    st_now_text(now);
    sqlite3_stmt *s = st->stmt[STMT_USER_INSERT];
    int rc = SQLITE_OK;
    st_bind_text(s, 1, name, &rc);
    st_bind_text(s, 2, role, &rc);
    st_bind_text(s, 3, unit, &rc);
    st_bind_text(s, 4, team, &rc);
    st_bind_text(s, 5, pwhash, &rc);
    st_bind_text(s, 6, now, &rc);
    st_bind_text(s, 7, created_by, &rc);
    return st_run(st, STMT_USER_INSERT, rc, e,
                  "cannot add user %s (names are unique; supervisors need unit and team)", name);
}

static void read_user(sqlite3_stmt *s, int first, struct store_user *u)
{
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(s, first);
    st_col_text(s, first + 1, u->name, sizeof u->name);
    st_col_text(s, first + 2, u->role, sizeof u->role);
    st_col_text(s, first + 3, u->unit, sizeof u->unit);
    st_col_text(s, first + 4, u->team, sizeof u->team);
    st_col_text(s, first + 5, u->lang, sizeof u->lang);
}

int store_user_get(struct store *st, const char *name, struct store_user *u, char *pwhash,
                   size_t pwhash_size, bool *found, struct err *e)
{
    assert(st != NULL && st->ready && name != NULL && u != NULL && found != NULL);
    sqlite3_stmt *s = st->stmt[STMT_USER_BY_NAME];
    int rc = SQLITE_OK;
    st_bind_text(s, 1, name, &rc);
    int result = st_row(st, STMT_USER_BY_NAME, rc, found, e);
    if (result == 0 && *found) {
        read_user(s, 0, u);
        if (pwhash != NULL)
            st_col_text(s, 6, pwhash, pwhash_size);
    }
    (void)sqlite3_reset(s);
    return result;
}

int store_users_json(struct store *st, struct sbuf *out, struct err *e)
{
    assert(st != NULL && st->ready && out != NULL);
    sbuf_puts(out, "{\"users\":[");
    if (st_json_rows(st, STMT_USERS_JSON, SQLITE_OK, out, e) != 0)
        return -1;
    sbuf_puts(out, "]}");
    return 0;
}

/* ---- sessions ------------------------------------------------------------------------- */

int store_session_put(struct store *st, const unsigned char id_hash[32], int64_t user_id,
                      const char *csrf, int64_t now_ms, struct err *e)
{
    assert(st != NULL && st->ready && id_hash != NULL && csrf != NULL);
    sqlite3_stmt *s = st->stmt[STMT_SESSION_INSERT];
    int rc = SQLITE_OK;
    st_bind_blob(s, 1, id_hash, 32, &rc);
    st_bind_int64(s, 2, user_id, &rc);
    st_bind_text(s, 3, csrf, &rc);
    st_bind_int64(s, 4, now_ms, &rc);
    return st_run(st, STMT_SESSION_INSERT, rc, e, "cannot store a session");
}

int store_session_get(struct store *st, const unsigned char id_hash[32], struct store_session *ss,
                      bool *found, struct err *e)
{
    assert(st != NULL && st->ready && id_hash != NULL && ss != NULL && found != NULL);
    sqlite3_stmt *s = st->stmt[STMT_SESSION_GET];
    int rc = SQLITE_OK;
    st_bind_blob(s, 1, id_hash, 32, &rc);
    int result = st_row(st, STMT_SESSION_GET, rc, found, e);
    if (result == 0 && *found) {
        read_user(s, 0, &ss->user);
        st_col_text(s, 6, ss->csrf, sizeof ss->csrf);
        ss->created_ms = sqlite3_column_int64(s, 7);
        ss->last_ms = sqlite3_column_int64(s, 8);
    }
    (void)sqlite3_reset(s);
    return result;
}

int store_session_touch(struct store *st, const unsigned char id_hash[32], int64_t now_ms,
                        struct err *e)
{
    sqlite3_stmt *s = st->stmt[STMT_SESSION_TOUCH];
    int rc = SQLITE_OK;
    st_bind_blob(s, 1, id_hash, 32, &rc);
    st_bind_int64(s, 2, now_ms, &rc);
    return st_run(st, STMT_SESSION_TOUCH, rc, e, "cannot record the use of a session");
}

int store_session_delete(struct store *st, const unsigned char id_hash[32], struct err *e)
{
    sqlite3_stmt *s = st->stmt[STMT_SESSION_DELETE];
    int rc = SQLITE_OK;
    st_bind_blob(s, 1, id_hash, 32, &rc);
    return st_run(st, STMT_SESSION_DELETE, rc, e, "cannot delete a session");
}

int store_sessions_expire(struct store *st, int64_t idle_before_ms, int64_t created_before_ms,
                          struct err *e)
{
    sqlite3_stmt *s = st->stmt[STMT_SESSION_EXPIRE];
    int rc = SQLITE_OK;
    st_bind_int64(s, 1, idle_before_ms, &rc);
    st_bind_int64(s, 2, created_before_ms, &rc);
    return st_run(st, STMT_SESSION_EXPIRE, rc, e, "cannot expire sessions");
}

/* ---- pseudonyms and re-identification ------------------------------------------------- */

int store_pseudonym_exists(struct store *st, const char *pseudonym, bool *found, struct err *e)
{
    sqlite3_stmt *s = st->stmt[STMT_PSEUDONYM_EXISTS];
    int rc = SQLITE_OK;
    st_bind_text(s, 1, pseudonym, &rc);
    int result = st_row(st, STMT_PSEUDONYM_EXISTS, rc, found, e);
    (void)sqlite3_reset(s);
    return result;
}

int store_pseudonym_sealed(struct store *st, const char *pseudonym, unsigned char *buf, size_t cap,
                           size_t *n, bool *found, struct err *e)
{
    sqlite3_stmt *s = st->stmt[STMT_PSEUDONYM_SEALED];
    int rc = SQLITE_OK;
    st_bind_text(s, 1, pseudonym, &rc);
    int result = st_row(st, STMT_PSEUDONYM_SEALED, rc, found, e);
    if (result == 0 && *found) {
        size_t len = (size_t)sqlite3_column_bytes(s, 0);
        if (len > cap)
            result = err_set(e, "%s: sealed number of %s is too long (%zu bytes)", st->path,
                             pseudonym, len);
        else if (len > 0)
            memcpy(buf, sqlite3_column_blob(s, 0), len);
        *n = len;
    }
    (void)sqlite3_reset(s);
    return result;
}

int store_reveal_request(struct store *st, const char *pseudonym, const char *reason,
                         int64_t requester_id, const char *requester_role, int64_t now_ms,
                         int64_t expires_ms, int64_t *id, struct err *e)
{
    assert(st != NULL && st->ready && id != NULL);
    sqlite3_stmt *s = st->stmt[STMT_REVEAL_REQUEST_INSERT];
    int rc = SQLITE_OK;
    st_bind_text(s, 1, pseudonym, &rc);
    st_bind_text(s, 2, reason, &rc);
    st_bind_int64(s, 3, requester_id, &rc);
    st_bind_text(s, 4, requester_role, &rc);
    st_bind_int64(s, 5, now_ms, &rc);
    st_bind_int64(s, 6, expires_ms, &rc);
    if (st_run(st, STMT_REVEAL_REQUEST_INSERT, rc, e, "cannot store the request to reveal %s",
               pseudonym) != 0)
        return -1;
    *id = sqlite3_last_insert_rowid(st->db);
    return 0;
}

int store_reveal_get(struct store *st, int64_t id, struct store_reveal *r, bool *found,
                     struct err *e)
{
    assert(st != NULL && st->ready && r != NULL && found != NULL);
    sqlite3_stmt *s = st->stmt[STMT_REVEAL_GET];
    int rc = SQLITE_OK;
    st_bind_int64(s, 1, id, &rc);
    int result = st_row(st, STMT_REVEAL_GET, rc, found, e);
    if (result == 0 && *found) {
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(s, 0);
        st_col_text(s, 1, r->pseudonym, sizeof r->pseudonym);
        st_col_text(s, 2, r->reason, sizeof r->reason);
        r->requester_id = sqlite3_column_int64(s, 3);
        st_col_text(s, 4, r->requester_role, sizeof r->requester_role);
        r->requested_ms = sqlite3_column_int64(s, 5);
        r->approver_id = sqlite3_column_int64(s, 6);
        st_col_text(s, 7, r->approver_role, sizeof r->approver_role);
        r->approved_ms = sqlite3_column_int64(s, 8);
        r->expires_ms = sqlite3_column_int64(s, 9);
    }
    (void)sqlite3_reset(s);
    return result;
}

int store_reveal_approve(struct store *st, int64_t id, int64_t approver_id,
                         const char *approver_role, int64_t now_ms, int64_t expires_ms,
                         bool *changed, struct err *e)
{
    sqlite3_stmt *s = st->stmt[STMT_REVEAL_APPROVE];
    int rc = SQLITE_OK;
    st_bind_int64(s, 1, id, &rc);
    st_bind_int64(s, 2, approver_id, &rc);
    st_bind_text(s, 3, approver_role, &rc);
    st_bind_int64(s, 4, now_ms, &rc);
    st_bind_int64(s, 5, expires_ms, &rc);
    if (st_run(st, STMT_REVEAL_APPROVE, rc, e, "cannot approve reveal request %lld",
               (long long)id) != 0)
        return -1;
    *changed = sqlite3_changes(st->db) == 1;
    return 0;
}

int store_reveal_list_json(struct store *st, int64_t now_ms, struct sbuf *out, struct err *e)
{
    int rc = SQLITE_OK;
    st_bind_int64(st->stmt[STMT_REVEAL_LIST_JSON], 1, now_ms, &rc);
    sbuf_puts(out, "{\"requests\":[");
    if (st_json_rows(st, STMT_REVEAL_LIST_JSON, rc, out, e) != 0)
        return -1;
    sbuf_puts(out, "]}");
    return 0;
}

int store_reveal_log_web(struct store *st, const char *actor, const char *channel,
                         const char *reason, struct err *e)
{
    char ts[UTC_TEXT_SIZE];
    st_now_text(ts);
    sqlite3_stmt *s = st->stmt[STMT_REVEAL_LOG_WEB];
    int rc = SQLITE_OK;
    st_bind_text(s, 1, ts, &rc);
    st_bind_text(s, 2, actor, &rc);
    st_bind_text(s, 3, channel, &rc);
    st_bind_text(s, 4, reason, &rc);
    return st_run(st, STMT_REVEAL_LOG_WEB, rc, e, "cannot record the reveal");
}

/* ---- the audit log -------------------------------------------------------------------- */

/* Read the head of the chain: the last seq (0 when empty) and its hash (zeros). */
static int audit_head(struct store *st, int64_t *seq, unsigned char hash[AUDIT_HASH_LEN],
                      struct err *e)
{
    sqlite3_stmt *s = st->stmt[STMT_AUDIT_HEAD];
    bool found;
    *seq = 0;
    memset(hash, 0, AUDIT_HASH_LEN);
    int result = st_row(st, STMT_AUDIT_HEAD, SQLITE_OK, &found, e);
    if (result == 0 && found) {
        *seq = sqlite3_column_int64(s, 0);
        if (sqlite3_column_bytes(s, 1) == AUDIT_HASH_LEN)
            memcpy(hash, sqlite3_column_blob(s, 1), AUDIT_HASH_LEN);
        else
            result = err_set(e, "%s: the audit head is damaged", st->path);
    }
    (void)sqlite3_reset(s);
    return result;
}

int store_audit_append(struct store *st, const char *actor, const char *action, const char *object,
                       const char *detail, struct err *e)
{
    assert(st != NULL && st->ready && actor != NULL && action != NULL);
    bool own = sqlite3_get_autocommit(st->db) != 0;
    if (own && store_begin(st, e) != 0)
        return -1;
    char ts[UTC_TEXT_SIZE];
    st_now_text(ts);
    int64_t seq;
    unsigned char prev[AUDIT_HASH_LEN], hash[AUDIT_HASH_LEN];
    if (audit_head(st, &seq, prev, e) != 0)
        goto failed;
    struct audit_row row = {seq + 1, ts, actor, action, object ? object : "", detail ? detail : ""};
    audit_hash(prev, &row, hash);

    sqlite3_stmt *s = st->stmt[STMT_AUDIT_INSERT];
    int rc = SQLITE_OK;
    st_bind_int64(s, 1, row.seq, &rc);
    st_bind_text(s, 2, row.ts, &rc);
    st_bind_text(s, 3, row.actor, &rc);
    st_bind_text(s, 4, row.action, &rc);
    st_bind_text(s, 5, row.object, &rc);
    st_bind_text(s, 6, row.detail, &rc);
    st_bind_blob(s, 7, prev, AUDIT_HASH_LEN, &rc);
    st_bind_blob(s, 8, hash, AUDIT_HASH_LEN, &rc);
    if (st_run(st, STMT_AUDIT_INSERT, rc, e, "cannot append to the audit log (%s)", action) != 0)
        goto failed;
    s = st->stmt[STMT_AUDIT_HEAD_PUT];
    rc = SQLITE_OK;
    st_bind_int64(s, 1, row.seq, &rc);
    st_bind_blob(s, 2, hash, AUDIT_HASH_LEN, &rc);
    if (st_run(st, STMT_AUDIT_HEAD_PUT, rc, e, "cannot move the audit head") != 0)
        goto failed;
    if (own && store_commit(st, e) != 0)
        return -1;
    return 0;

failed:
    if (own)
        st_rollback(st);
    return -1;
}

static int verdict_bad(struct store_audit_verdict *v, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int verdict_bad(struct store_audit_verdict *v, int64_t seq, const char *fmt, ...)
{
    v->intact = false;
    v->first_bad = seq;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->reason, sizeof v->reason, fmt, ap);
    va_end(ap);
    return 0;
}

int store_audit_verify(struct store *st, struct store_audit_verdict *v, struct err *e)
{
    assert(st != NULL && st->ready && v != NULL);
    memset(v, 0, sizeof *v);
    v->intact = true;
    int64_t head_seq;
    unsigned char head_hash[AUDIT_HASH_LEN], prev[AUDIT_HASH_LEN], hash[AUDIT_HASH_LEN];
    if (audit_head(st, &head_seq, head_hash, e) != 0)
        return -1;
    memset(prev, 0, sizeof prev);
    int64_t expect = 1;
    sqlite3_stmt *s = st->stmt[STMT_AUDIT_SCAN];
    int rc;
    while (v->intact && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct audit_row row = {
            sqlite3_column_int64(s, 0),
            (const char *)sqlite3_column_text(s, 1),
            (const char *)sqlite3_column_text(s, 2),
            (const char *)sqlite3_column_text(s, 3),
            (const char *)sqlite3_column_text(s, 4),
            (const char *)sqlite3_column_text(s, 5),
        };
        const void *stored_prev = sqlite3_column_blob(s, 6);
        bool prev_ok = sqlite3_column_bytes(s, 6) == AUDIT_HASH_LEN &&
                       memcmp(stored_prev, prev, AUDIT_HASH_LEN) == 0;
        const void *stored = sqlite3_column_blob(s, 7);
        bool stored_ok = sqlite3_column_bytes(s, 7) == AUDIT_HASH_LEN;
        audit_hash(prev, &row, hash);
        if (row.seq != expect)
            verdict_bad(v, expect, "entry %" PRId64 " is missing (next is %" PRId64 ")", expect,
                        row.seq);
        else if (!prev_ok)
            verdict_bad(v, row.seq, "entry %" PRId64 " does not link to the entry before it",
                        row.seq);
        else if (!stored_ok || memcmp(stored, hash, AUDIT_HASH_LEN) != 0)
            verdict_bad(v, row.seq, "entry %" PRId64 " was altered (its hash does not match)",
                        row.seq);
        memcpy(prev, hash, AUDIT_HASH_LEN);
        v->rows++;
        expect++;
    }
    if (v->intact && rc != SQLITE_DONE) {
        (void)sqlite3_reset(s);
        return st_fail(st, e, "cannot read the audit log");
    }
    (void)sqlite3_reset(s);
    if (!v->intact)
        return 0;
    if (head_seq != expect - 1)
        return verdict_bad(v, expect - 1 < head_seq ? expect : head_seq,
                           "the log ends at entry %" PRId64 " but the head records entry %" PRId64
                           " (entries removed at the end)",
                           expect - 1, head_seq);
    if (head_seq > 0 && memcmp(head_hash, prev, AUDIT_HASH_LEN) != 0)
        return verdict_bad(v, head_seq, "entry %" PRId64 " does not match the recorded head",
                           head_seq);
    audit_hex(prev, v->head);
    return 0;
}

int store_audit_json(struct store *st, const char *actor, const char *action, int64_t limit,
                     int64_t offset, struct sbuf *out, struct err *e)
{
    assert(st != NULL && st->ready && out != NULL);
    sqlite3_stmt *s = st->stmt[STMT_AUDIT_COUNT];
    int rc = SQLITE_OK;
    bool found;
    st_bind_text_or_null(s, 1, actor, &rc);
    st_bind_text_or_null(s, 2, action, &rc);
    if (st_row(st, STMT_AUDIT_COUNT, rc, &found, e) != 0) {
        (void)sqlite3_reset(s);
        return -1;
    }
    sbuf_printf(out, "{\"total\":%lld,\"entries\":[", (long long)sqlite3_column_int64(s, 0));
    (void)sqlite3_reset(s);
    s = st->stmt[STMT_AUDIT_JSON];
    rc = SQLITE_OK;
    st_bind_int64(s, 1, limit, &rc);
    st_bind_int64(s, 2, offset, &rc);
    st_bind_text_or_null(s, 3, actor, &rc);
    st_bind_text_or_null(s, 4, action, &rc);
    if (st_json_rows(st, STMT_AUDIT_JSON, rc, out, e) != 0)
        return -1;
    sbuf_puts(out, "]}");
    return 0;
}
