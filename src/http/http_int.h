/*
 * http_int.h - what the files of src/http share: the server context, one request and its
 * response, the route table's handler type and the helpers every handler uses.
 *
 * A request passes through server.c in a fixed order, and each step can refuse it
 * without anything having been written: route (404/405) -> size cap (413) -> session
 * (401) -> role (403) -> CSRF token on state changes (403) -> JSON body (400) -> the
 * handler, which checks the object (404), the per-object rights (403) and the state
 * machine (409) before it opens the one transaction that holds its change together with
 * its audit row. So "a refused request changes nothing" holds by construction.
 *
 * Memory: a struct req and its struct resp live for one request; server.c frees them.
 */
#ifndef WACHTER_HTTP_INT_H
#define WACHTER_HTTP_INT_H

#include "http/http.h"
#include "privacy/privacy.h"
#include "store/store.h"

#include <cjson/cJSON.h>
#include <microhttpd.h>

#define HTTP_BODY_MAX (64 * 1024)           /* request bodies above this are refused (413) */
#define SESSION_IDLE_MS (30 * 60 * 1000)    /* idle timeout */
#define SESSION_MAX_MS (12 * 3600 * 1000LL) /* absolute lifetime */
#define REVEAL_TTL_MS (24 * 3600 * 1000LL)  /* a request, and an approval, last 24 hours */
#define SESSION_COOKIE "wachter_session"

/* The server: shared by every request; used by the one MHD thread only. */
struct http_server {
    struct store *st;
    struct privacy *priv; /* NULL when the key file is missing: reveals are refused */
    char *web_root;       /* realpath of --web, or NULL when it does not exist */
    struct ratelimit *rl;
};

struct req {
    struct http_server *srv;
    struct MHD_Connection *conn;
    const char *method, *path;
    char client[64];
    struct sbuf body;
    bool too_large;
    int64_t id;  /* the {id} segment of the route, when it has one */
    cJSON *json; /* the parsed body of a POST, or NULL */
    bool authed;
    struct store_session sess;
    unsigned role; /* enum wf_role bit of the session's user */
    unsigned char sid_hash[32];
    int64_t now_ms;
};

struct resp {
    unsigned status;
    struct sbuf body;
    const char *ctype;
    char cookie[192];      /* Set-Cookie value, or "" */
    char disposition[128]; /* Content-Disposition value, or "" */
};

typedef void (*http_handler)(struct req *rq, struct resp *rs);

/* Set an error response {"error": message}. */
void resp_error(struct resp *rs, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Log a store failure and answer 500 without details. */
void resp_internal(struct resp *rs, const struct err *e);
/* Mark the body (already filled) as JSON with `status`. */
void resp_json(struct resp *rs, unsigned status);

/* The string field `key` of the request body: NULL when absent; sets a 400 response and
 * *bad when present but not a string or longer than `max` bytes. */
const char *body_str(struct req *rq, struct resp *rs, const char *key, size_t max, bool *bad);
/* The query argument `key`, or NULL. */
const char *query_arg(struct req *rq, const char *key);
/* Parse a query integer in [lo, hi]; absent gives `def`. Sets 400 and returns -1 when bad. */
int query_int(struct req *rq, struct resp *rs, const char *key, int64_t lo, int64_t hi, int64_t def,
              int64_t *out);

/* The transaction of a change: begin and commit answer 500 themselves when they fail
 * (returning -1); tx_abort rolls back. */
int tx_begin(struct req *rq, struct resp *rs);
int tx_commit(struct req *rq, struct resp *rs);
void tx_abort(struct req *rq);
/* Append an audit row by the session's user (actor "name (role)"). */
int audit(struct req *rq, const char *action, const char *object, const char *detail,
          struct err *e);
/* Audit a read in its own transaction; on failure answers 500 and returns -1. */
int audit_read(struct req *rq, struct resp *rs, const char *action, const char *object,
               const char *detail);

/* Handlers, one per route (server.c holds the table). */
void api_login(struct req *rq, struct resp *rs);
void api_logout(struct req *rq, struct resp *rs);
void api_me(struct req *rq, struct resp *rs);
void api_alerts(struct req *rq, struct resp *rs);
void api_alert(struct req *rq, struct resp *rs);
void api_alert_activity(struct req *rq, struct resp *rs);
void api_alert_dismiss(struct req *rq, struct resp *rs);
void api_alert_escalate(struct req *rq, struct resp *rs);
void api_indicators(struct req *rq, struct resp *rs);
void api_cases(struct req *rq, struct resp *rs);
void api_case(struct req *rq, struct resp *rs);
void api_case_transition(struct req *rq, struct resp *rs);
void api_reveal_request(struct req *rq, struct resp *rs);
void api_reveal_list(struct req *rq, struct resp *rs);
void api_reveal_approve(struct req *rq, struct resp *rs);
void api_reveal_get(struct req *rq, struct resp *rs);
void api_audit(struct req *rq, struct resp *rs);
void api_exceptions(struct req *rq, struct resp *rs);
void api_exception_add(struct req *rq, struct resp *rs);
void api_trends(struct req *rq, struct resp *rs);
void api_council(struct req *rq, struct resp *rs);
void api_users(struct req *rq, struct resp *rs);
void api_user_add(struct req *rq, struct resp *rs);

/* auth.c: find the session of the request's cookie. Returns 1 and fills rq->sess when
 * there is a live one; 0 (with a 401 response) when there is none or it expired; -1 with
 * a 500 response on store failure. */
int auth_session(struct req *rq, struct resp *rs);
/* Whether the X-CSRF-Token header matches the session's token (constant time). */
bool auth_csrf_ok(struct req *rq);

/* Whether `name` is a valid user name: 1..64 of A-Z a-z 0-9 . _ - */
bool http_user_name_valid(const char *name);

/* The current time in UTC milliseconds. */
int64_t http_now_ms(void);

#endif
