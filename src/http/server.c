/*
 * server.c - `wachter serve`: libmicrohttpd, the route table, static files and the
 * helpers the handlers share.
 *
 * Threading: MHD_USE_INTERNAL_POLLING_THREAD with no thread pool, so every callback runs
 * on MHD's one thread and the one store handle is never used by two threads at once.
 * The main thread only waits for SIGINT/SIGTERM (sigwait) and then stops the daemon.
 *
 * A request (see http_int.h for the order of checks): MHD calls the access handler once
 * with the headers, then once per chunk of body, then once more with no data. The first
 * call allocates the struct req and refuses a declared Content-Length above HTTP_BODY_MAX
 * before reading anything; chunks are appended only while the total stays under the cap
 * (else the body is dropped and the answer is 413). The last call dispatches.
 *
 * Routes are a table: method, path pattern ("{id}" matches one decimal id), the roles
 * allowed, flags and the handler. Role checks happen here for every route; handlers add
 * the per-object checks (a supervisor's own team, the requester of a reveal).
 *
 * Static files: GET/HEAD outside /api/ are served from --web. The decoded path may not
 * contain "..", backslashes or NUL, and the resolved real path must stay under the real
 * path of the web root (so symbolic links cannot lead out). Content types come from the
 * extension; responses carry an ETag (size and mtime) with Cache-Control: no-cache, so
 * the browser revalidates cheaply (304) and never runs stale code after an upgrade.
 */
#include "http/http_int.h"
#include "workflow/workflow.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum route_flags {
    ROUTE_PUBLIC = 1u << 0, /* no session needed (the login itself); no CSRF check */
    ROUTE_BODY = 1u << 1,   /* the request must carry a JSON object body */
};

struct route {
    const char *method;
    const char *pattern;
    unsigned roles;
    unsigned flags;
    http_handler fn;
};

#define R_ANY WF_ALL_ROLES
static const struct route routes[] = {
    {"POST", "/api/session", 0, ROUTE_PUBLIC | ROUTE_BODY, api_login},
    {"DELETE", "/api/session", R_ANY, 0, api_logout},
    {"GET", "/api/me", R_ANY, 0, api_me},
    {"GET", "/api/alerts", WF_ANALYST | WF_VIK, 0, api_alerts},
    {"GET", "/api/alerts/{id}", WF_ANALYST | WF_VIK | WF_SUPERVISOR, 0, api_alert},
    {"GET", "/api/alerts/{id}/activity", WF_ANALYST | WF_VIK | WF_SUPERVISOR, 0,
     api_alert_activity},
    {"POST", "/api/alerts/{id}/dismiss", WF_ANALYST, ROUTE_BODY, api_alert_dismiss},
    {"POST", "/api/alerts/{id}/escalate", WF_ANALYST, ROUTE_BODY, api_alert_escalate},
    {"GET", "/api/indicators", R_ANY, 0, api_indicators},
    {"GET", "/api/cases", WF_VIK | WF_SUPERVISOR, 0, api_cases},
    {"GET", "/api/cases/{id}", WF_VIK | WF_SUPERVISOR, 0, api_case},
    {"POST", "/api/cases/{id}/transition", WF_VIK | WF_SUPERVISOR, ROUTE_BODY, api_case_transition},
    {"POST", "/api/reveal", WF_ANALYST | WF_VIK, ROUTE_BODY, api_reveal_request},
    {"GET", "/api/reveal", WF_VIK | WF_PRIVACY | WF_ADMIN, 0, api_reveal_list},
    {"POST", "/api/reveal/{id}/approve", WF_VIK | WF_PRIVACY | WF_ADMIN, 0, api_reveal_approve},
    {"GET", "/api/reveal/{id}", WF_ANALYST | WF_VIK, 0, api_reveal_get},
    {"GET", "/api/audit", WF_PRIVACY, 0, api_audit},
    {"GET", "/api/exceptions", WF_ANALYST, 0, api_exceptions},
    {"POST", "/api/exceptions", WF_ANALYST, ROUTE_BODY, api_exception_add},
    {"GET", "/api/stats/trends", WF_ANALYST | WF_VIK | WF_ADMIN, 0, api_trends},
    {"GET", "/api/stats/council", WF_COUNCIL | WF_ADMIN, 0, api_council},
    {"GET", "/api/users", WF_ADMIN, 0, api_users},
    {"POST", "/api/users", WF_ADMIN, ROUTE_BODY, api_user_add},
};
#undef R_ANY

struct serve_opts {
    const char *db, *listen, *web, *key;
};

static void usage(FILE *out)
{
    fprintf(out, "usage: wachter serve [--db FILE] [--listen ADDR:PORT] [--web DIR] [--key FILE]\n"
                 "\n"
                 "Serves the analyst's workbench: the web application in --web (default ./web)\n"
                 "and the JSON API of docs/api.md, on --listen (default 127.0.0.1:8080; port 0\n"
                 "picks a free port, printed on stderr). --key is the pseudonym key (default:\n"
                 "wachter.key beside the database), needed to carry out approved reveals;\n"
                 "when it is missing, reveals are refused. Stops on SIGINT or SIGTERM.\n");
}

int64_t http_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- response helpers ----------------------------------------------------------------- */

void resp_error(struct resp *rs, unsigned status, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sbuf_reset(&rs->body);
    sbuf_puts(&rs->body, "{\"error\":");
    sbuf_json_str(&rs->body, msg, strlen(msg));
    sbuf_putc(&rs->body, '}');
    rs->status = status;
    rs->ctype = "application/json; charset=utf-8";
}

void resp_internal(struct resp *rs, const struct err *e)
{
    log_error("%s", e->msg);
    resp_error(rs, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error; see the server log");
}

void resp_json(struct resp *rs, unsigned status)
{
    rs->status = status;
    rs->ctype = "application/json; charset=utf-8";
}

const char *body_str(struct req *rq, struct resp *rs, const char *key, size_t max, bool *bad)
{
    const cJSON *v = rq->json != NULL ? cJSON_GetObjectItemCaseSensitive(rq->json, key) : NULL;
    if (v == NULL || cJSON_IsNull(v))
        return NULL;
    if (!cJSON_IsString(v) || v->valuestring == NULL) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "field \"%s\" must be a string", key);
        *bad = true;
        return NULL;
    }
    if (strlen(v->valuestring) > max) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "field \"%s\" is longer than %zu bytes", key, max);
        *bad = true;
        return NULL;
    }
    return v->valuestring;
}

const char *query_arg(struct req *rq, const char *key)
{
    const char *v = MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
    return v != NULL && *v != '\0' ? v : NULL;
}

int query_int(struct req *rq, struct resp *rs, const char *key, int64_t lo, int64_t hi, int64_t def,
              int64_t *out)
{
    const char *v = query_arg(rq, key);
    if (v == NULL) {
        *out = def;
        return 0;
    }
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno != 0 || *end != '\0' || end == v || n < lo || n > hi) {
        resp_error(rs, MHD_HTTP_BAD_REQUEST, "query argument %s must be an integer in %lld..%lld",
                   key, (long long)lo, (long long)hi);
        return -1;
    }
    *out = n;
    return 0;
}

int tx_begin(struct req *rq, struct resp *rs)
{
    struct err e;
    if (store_begin(rq->srv->st, &e) != 0) {
        resp_internal(rs, &e);
        return -1;
    }
    return 0;
}

int tx_commit(struct req *rq, struct resp *rs)
{
    struct err e;
    if (store_commit(rq->srv->st, &e) != 0) {
        resp_internal(rs, &e);
        return -1;
    }
    return 0;
}

void tx_abort(struct req *rq)
{
    store_rollback(rq->srv->st);
}

int audit(struct req *rq, const char *action, const char *object, const char *detail, struct err *e)
{
    char actor[128];
    if (rq->authed)
        snprintf(actor, sizeof actor, "%s (%s)", rq->sess.user.name, rq->sess.user.role);
    else
        snprintf(actor, sizeof actor, "anonymous");
    return store_audit_append(rq->srv->st, actor, action, object, detail, e);
}

int audit_read(struct req *rq, struct resp *rs, const char *action, const char *object,
               const char *detail)
{
    struct err e;
    if (audit(rq, action, object, detail, &e) != 0) {
        resp_internal(rs, &e);
        return -1;
    }
    return 0;
}

/* ---- routing -------------------------------------------------------------------------- */

/* Match `path` against `pattern`; "{id}" takes a positive decimal of up to 15 digits. */
static bool match(const char *pattern, const char *path, int64_t *id)
{
    while (*pattern != '\0') {
        if (strncmp(pattern, "{id}", 4) == 0) {
            const char *p = path;
            int64_t v = 0;
            while (*p >= '0' && *p <= '9' && p - path < 15)
                v = v * 10 + (*p++ - '0');
            if (p == path || v <= 0 || (*p != '\0' && *p != '/'))
                return false;
            *id = v;
            path = p;
            pattern += 4;
            continue;
        }
        if (*pattern++ != *path++)
            return false;
    }
    return *path == '\0';
}

static void dispatch_api(struct req *rq, struct resp *rs)
{
    const struct route *r = NULL;
    bool path_known = false;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        int64_t id = 0;
        if (!match(routes[i].pattern, rq->path, &id))
            continue;
        path_known = true;
        if (strcmp(routes[i].method, rq->method) == 0) {
            r = &routes[i];
            rq->id = id;
            break;
        }
    }
    if (r == NULL) {
        if (path_known)
            resp_error(rs, MHD_HTTP_METHOD_NOT_ALLOWED, "method %s not allowed on %s", rq->method,
                       rq->path);
        else
            resp_error(rs, MHD_HTTP_NOT_FOUND, "no such API endpoint: %s", rq->path);
        return;
    }
    if (rq->too_large) {
        resp_error(rs, MHD_HTTP_CONTENT_TOO_LARGE, "request body larger than %d bytes",
                   HTTP_BODY_MAX);
        return;
    }
    if (!(r->flags & ROUTE_PUBLIC)) {
        if (auth_session(rq, rs) != 1)
            return;
        if ((r->roles & rq->role) == 0) {
            resp_error(rs, MHD_HTTP_FORBIDDEN, "role %s may not use %s %s", rq->sess.user.role,
                       r->method, r->pattern);
            return;
        }
        if (strcmp(rq->method, "GET") != 0 && !auth_csrf_ok(rq)) {
            resp_error(rs, MHD_HTTP_FORBIDDEN, "missing or wrong X-CSRF-Token header");
            return;
        }
    }
    if (r->flags & ROUTE_BODY) {
        rq->json = cJSON_ParseWithLength(rq->body.buf != NULL ? rq->body.buf : "", rq->body.len);
        if (rq->json == NULL || !cJSON_IsObject(rq->json)) {
            resp_error(rs, MHD_HTTP_BAD_REQUEST, "the request body must be a JSON object");
            return;
        }
    }
    r->fn(rq, rs);
    if (rq->authed && rs->status < 400) {
        struct err e;
        if (store_session_touch(rq->srv->st, rq->sid_hash, rq->now_ms, &e) != 0)
            log_error("%s", e.msg);
    }
}

/* ---- static files --------------------------------------------------------------------- */

static const char *content_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".map", "application/json; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    if (dot != NULL && strchr(dot, '/') == NULL)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

static void add_common_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; frame-ancestors 'none'; form-action 'self'");
}

/* Serve a file under the web root; returns the MHD result of queueing the response. */
static enum MHD_Result serve_static(struct req *rq)
{
    struct resp rs = {0};
    const char *path = rq->path;
    char full[PATH_MAX], real[PATH_MAX];
    int fd = -1;
    struct stat sb;
    if (rq->srv->web_root == NULL) {
        resp_error(&rs, MHD_HTTP_NOT_FOUND, "no web directory");
        goto error;
    }
    if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0) {
        resp_error(&rs, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed");
        goto error;
    }
    if (path[0] != '/' || strstr(path, "..") != NULL || strchr(path, '\\') != NULL ||
        strlen(path) > 512) {
        resp_error(&rs, MHD_HTTP_NOT_FOUND, "not found");
        goto error;
    }
    snprintf(full, sizeof full, "%s%s%s", rq->srv->web_root, path,
             path[strlen(path) - 1] == '/' ? "index.html" : "");
    if (realpath(full, real) == NULL ||
        strncmp(real, rq->srv->web_root, strlen(rq->srv->web_root)) != 0 ||
        (real[strlen(rq->srv->web_root)] != '/' && real[strlen(rq->srv->web_root)] != '\0') ||
        (fd = open(real, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &sb) != 0 ||
        !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        resp_error(&rs, MHD_HTTP_NOT_FOUND, "not found");
        goto error;
    }
    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)sb.st_size,
             (unsigned long long)sb.st_mtime);
    const char *inm = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "If-None-Match");
    struct MHD_Response *r;
    unsigned status = MHD_HTTP_OK;
    if (inm != NULL && strcmp(inm, etag) == 0) {
        close(fd);
        r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        status = MHD_HTTP_NOT_MODIFIED;
    } else {
        r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd); /* takes the fd */
    }
    if (r == NULL) {
        if (status == MHD_HTTP_OK)
            close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", content_type(real));
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MHD_add_response_header(r, "ETag", etag);
    add_common_headers(r);
    enum MHD_Result ret = MHD_queue_response(rq->conn, status, r);
    MHD_destroy_response(r);
    return ret;

error:;
    struct MHD_Response *er =
        MHD_create_response_from_buffer(rs.body.len, rs.body.buf, MHD_RESPMEM_MUST_COPY);
    sbuf_free(&rs.body);
    if (er == NULL)
        return MHD_NO;
    MHD_add_response_header(er, "Content-Type", rs.ctype);
    add_common_headers(er);
    enum MHD_Result ret2 = MHD_queue_response(rq->conn, rs.status, er);
    MHD_destroy_response(er);
    return ret2;
}

/* ---- MHD callbacks -------------------------------------------------------------------- */

static void client_address(struct MHD_Connection *conn, char out[64])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, 64, "unknown");
    if (ci == NULL || ci->client_addr == NULL)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, 64);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, 64);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct http_server *srv = cls;
    struct req *rq = *con_cls;
    if (rq == NULL) {
        rq = xcalloc(1, sizeof *rq);
        rq->srv = srv;
        rq->conn = conn;
        rq->method = method;
        rq->path = url;
        client_address(conn, rq->client);
        *con_cls = rq;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl != NULL && strtoull(cl, NULL, 10) > HTTP_BODY_MAX) {
            /* Refuse before reading the body; MHD closes the connection afterwards. */
            static const char msg[] = "{\"error\":\"request body too large\"}";
            struct MHD_Response *r = MHD_create_response_from_buffer(sizeof msg - 1, (void *)msg,
                                                                     MHD_RESPMEM_PERSISTENT);
            if (r == NULL)
                return MHD_NO;
            MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
            enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_CONTENT_TOO_LARGE, r);
            MHD_destroy_response(r);
            return ret;
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!rq->too_large && rq->body.len + *upload_data_size <= HTTP_BODY_MAX)
            sbuf_add(&rq->body, upload_data, *upload_data_size);
        else {
            rq->too_large = true;
            sbuf_free(&rq->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }

    rq->now_ms = http_now_ms();
    if (strncmp(url, "/api/", 5) != 0 && strcmp(url, "/api") != 0)
        return serve_static(rq);

    struct resp rs = {0};
    rs.status = MHD_HTTP_OK;
    rs.ctype = "application/json; charset=utf-8";
    dispatch_api(rq, &rs);
    if (rs.body.len == 0 && rs.status != MHD_HTTP_NO_CONTENT)
        sbuf_puts(&rs.body, "{}");
    struct MHD_Response *r = MHD_create_response_from_buffer(
        rs.body.len, rs.body.buf != NULL ? rs.body.buf : "", MHD_RESPMEM_MUST_COPY);
    sbuf_free(&rs.body);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", rs.ctype);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (rs.cookie[0] != '\0')
        MHD_add_response_header(r, "Set-Cookie", rs.cookie);
    if (rs.disposition[0] != '\0')
        MHD_add_response_header(r, "Content-Disposition", rs.disposition);
    add_common_headers(r);
    enum MHD_Result ret = MHD_queue_response(conn, rs.status, r);
    MHD_destroy_response(r);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    struct req *rq = *con_cls;
    if (rq == NULL)
        return;
    sbuf_free(&rq->body);
    cJSON_Delete(rq->json);
    sodium_memzero(rq, sizeof *rq);
    free(rq);
    *con_cls = NULL;
}

/* ---- serve_main ----------------------------------------------------------------------- */

int http_parse_listen(const char *s, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    if (colon == NULL || (size_t)(colon - s) >= sizeof host)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || end == colon + 1 || port < 0 || port > 65535)
        return -1;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static char *default_key_path(const char *db)
{
    const char *slash = strrchr(db, '/');
    size_t dir = slash ? (size_t)(slash - db) + 1 : 0;
    char *p = xmalloc(dir + 16);
    memcpy(p, db, dir);
    strcpy(p + dir, "wachter.key");
    return p;
}

static int parse_opts(int argc, char **argv, struct serve_opts *o)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},  {"listen", required_argument, NULL, 'l'},
        {"web", required_argument, NULL, 'w'}, {"key", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    o->db = "wachter.db";
    o->listen = "127.0.0.1:8080";
    o->web = "web";
    o->key = NULL;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->db = optarg;
            break;
        case 'l':
            o->listen = optarg;
            break;
        case 'w':
            o->web = optarg;
            break;
        case 'k':
            o->key = optarg;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }
    return 0;
}

int serve_main(int argc, char **argv)
{
    struct serve_opts o;
    int rc = parse_opts(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    struct sockaddr_in sa;
    if (http_parse_listen(o.listen, &sa) != 0) {
        log_error("--listen %s: expected IPv4-ADDRESS:PORT, e.g. 127.0.0.1:8080", o.listen);
        return 2;
    }
    if (sa.sin_addr.s_addr != htonl(INADDR_LOOPBACK))
        log_info("listening on %s, beyond this machine: put a TLS proxy in front", o.listen);
    if (sodium_init() < 0) {
        log_error("cannot initialise libsodium");
        return 1;
    }

    struct http_server srv = {0};
    struct err e;
    int status = 1;
    struct MHD_Daemon *d = NULL;
    char *key_path = o.key != NULL ? xstrdup(o.key) : default_key_path(o.db);
    if ((srv.st = store_open(o.db, &e)) == NULL) {
        log_error("%s", e.msg);
        goto done;
    }
    if (access(key_path, F_OK) != 0) {
        log_info("%s: no pseudonym key; approved reveals cannot be carried out", key_path);
    } else if ((srv.priv = privacy_open(key_path, &e)) == NULL) {
        log_error("%s", e.msg);
        goto done;
    }
    srv.web_root = realpath(o.web, NULL);
    if (srv.web_root == NULL)
        log_info("%s: no web directory (%s); serving the API only", o.web, strerror(errno));
    srv.rl = ratelimit_new(4096);

    /* Block the stop signals before MHD starts its thread (which inherits the mask), so
     * that only sigwait below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, &srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        &srv, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)256, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024), MHD_OPTION_END);
    if (d == NULL) {
        log_error("cannot listen on %s", o.listen);
        goto done;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
    log_info("listening on http://%s:%u/ (database %s)", host, di != NULL ? di->port : 0, o.db);

    int sig;
    sigwait(&stop, &sig);
    log_info("stopping on signal %d", sig);
    status = 0;

done:
    if (d != NULL)
        MHD_stop_daemon(d);
    ratelimit_free(srv.rl);
    free(srv.web_root);
    privacy_close(srv.priv);
    store_close(srv.st);
    free(key_path);
    return status;
}
