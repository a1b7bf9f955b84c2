/*
 * http_ingest.c - the HTTP side of `wachter run`: event intake, health and metrics.
 *
 *   POST /ingest                    NDJSON (one event per line) or a JSON array of events
 *   POST /services/collector/event  Splunk HEC: concatenated {"event": ...} objects,
 *   POST /services/collector        "Authorization: Splunk TOKEN"; the event is an
 *                                   object (our event) or a string (an event line)
 *   GET  /services/collector/health HEC health, as Splunk answers it
 *   GET  /healthz                   200 once the journal is replayed, else 503
 *   GET  /metrics                   Prometheus text
 *
 * An answer of 200 means every line of the body is durable and counted: events,
 * duplicates and rejects (with their reasons) are in the JSON answer and in /metrics.
 * 503 with Retry-After means nothing was taken: the engine is behind (backpressure).
 * Lines are never dropped silently: an array element or HEC object that is not an event
 * is passed on as its JSON text and rejected with a reason, like any malformed line.
 *
 * Threads: one per connection (libmicrohttpd), because a submission waits for the
 * journal's fdatasync; concurrent submissions share one fdatasync (group commit).
 * Bodies are capped at BODY_MAX (413 beyond). cJSON splits arrays and HEC streams; the
 * event lines themselves are validated by the same scanner as analyze.
 */
#include "http/http.h"
#include "live/live_int.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

enum { BODY_MAX = 32 << 20 };

struct ingest_http {
    struct MHD_Daemon *d;
    struct live *lv;
    char *hec_token;
};

struct request {
    struct sbuf body;
    int too_large;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             const char *body, size_t len, int retry_after)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (retry_after)
        MHD_add_response_header(r, "Retry-After", "1");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, const char *json,
                                  int retry_after)
{
    return reply(c, status, "application/json", json, strlen(json), retry_after);
}

/* Append `item` as one event line: a string is the line itself, anything else its JSON. */
static void add_item_line(struct sbuf *lines, const cJSON *item)
{
    if (cJSON_IsString(item)) {
        const char *s = item->valuestring;
        for (; *s; s++)
            sbuf_putc(lines, *s == '\n' || *s == '\r' ? ' ' : *s);
    } else {
        char *text = cJSON_PrintUnformatted(item);
        if (text != NULL)
            sbuf_puts(lines, text);
        free(text);
    }
    sbuf_putc(lines, '\n');
}

/* The rest of a body that cannot be split, as one line (rejected as invalid JSON). */
static void add_raw_line(struct sbuf *lines, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sbuf_putc(lines, p[i] == '\n' || p[i] == '\r' ? ' ' : p[i]);
    sbuf_putc(lines, '\n');
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* A JSON array of events becomes event lines; a body that is not an array is NDJSON. */
static const char *ingest_lines(const struct sbuf *body, struct sbuf *lines)
{
    const char *p = skip_ws(body->buf, body->buf + body->len);
    if (p == body->buf + body->len || *p != '[')
        return body->buf;
    cJSON *arr = cJSON_ParseWithLength(body->buf, body->len);
    if (arr == NULL || !cJSON_IsArray(arr)) {
        add_raw_line(lines, body->buf, body->len);
    } else {
        const cJSON *item;
        cJSON_ArrayForEach(item, arr) add_item_line(lines, item);
    }
    cJSON_Delete(arr);
    return lines->buf ? lines->buf : "";
}

/* Splunk HEC: a stream of JSON objects, each with the event under "event". */
static void hec_lines(const struct sbuf *body, struct sbuf *lines)
{
    const char *p = body->buf, *end = body->buf + body->len;
    while ((p = skip_ws(p, end)) < end) {
        const char *next = NULL;
        cJSON *obj = cJSON_ParseWithLengthOpts(p, (size_t)(end - p), &next, 0);
        if (obj == NULL || next == NULL || next <= p) {
            add_raw_line(lines, p, (size_t)(end - p));
            cJSON_Delete(obj);
            return;
        }
        const cJSON *ev =
            cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, "event") : NULL;
        add_item_line(lines, ev != NULL ? ev : obj);
        cJSON_Delete(obj);
        p = next;
    }
}

static enum MHD_Result submit(struct ingest_http *h, struct MHD_Connection *c, const char *source,
                              const char *lines, size_t len, int hec)
{
    struct line_receipt r;
    struct err e = {{0}};
    int rc = live_submit(h->lv, source, lines, len, &r, &e);
    if (rc == LINE_SINK_BUSY)
        return reply_json(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                          hec ? "{\"text\":\"Server is busy\",\"code\":9}"
                              : "{\"error\":\"busy: the engine is behind, retry\"}",
                          1);
    if (rc != LINE_SINK_OK) {
        log_error("run: %s", e.msg);
        return reply_json(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
                          hec ? "{\"text\":\"Internal server error\",\"code\":8}"
                              : "{\"error\":\"the journal cannot be written\"}",
                          0);
    }
    char out[256];
    if (hec)
        snprintf(out, sizeof out,
                 "{\"text\":\"Success\",\"code\":0,\"events\":%llu,"
                 "\"duplicates\":%llu,\"rejected\":%llu}",
                 (unsigned long long)r.events, (unsigned long long)r.duplicates,
                 (unsigned long long)r.rejected);
    else
        snprintf(out, sizeof out,
                 "{\"lines\":%llu,\"events\":%llu,\"duplicates\":%llu,"
                 "\"rejected\":%llu}",
                 (unsigned long long)r.lines, (unsigned long long)r.events,
                 (unsigned long long)r.duplicates, (unsigned long long)r.rejected);
    return reply_json(c, MHD_HTTP_OK, out, 0);
}

static int hec_authorised(const struct ingest_http *h, struct MHD_Connection *c, int *missing)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    *missing = auth == NULL;
    if (auth == NULL || h->hec_token == NULL)
        return 0;
    if (strncmp(auth, "Splunk ", 7) != 0)
        return 0;
    return strcmp(auth + 7, h->hec_token) == 0;
}

static bool is_hec_path(const char *url)
{
    return strcmp(url, "/services/collector/event") == 0 ||
           strcmp(url, "/services/collector") == 0 ||
           strcmp(url, "/services/collector/event/1.0") == 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    struct ingest_http *h = cls;
    bool post = strcmp(method, "POST") == 0;
    if (*con_cls == NULL) {
        struct request *rq = xcalloc(1, sizeof *rq);
        *con_cls = rq;
        return MHD_YES;
    }
    struct request *rq = *con_cls;
    if (*upload_size > 0) {
        if (!rq->too_large && rq->body.len + *upload_size <= BODY_MAX)
            sbuf_add(&rq->body, upload, *upload_size);
        else
            rq->too_large = 1;
        *upload_size = 0;
        return MHD_YES;
    }

    if (strcmp(method, "GET") == 0 && strcmp(url, "/healthz") == 0) {
        int ready = live_ready(h->lv);
        const char *msg = ready ? "ok\n" : "starting: replaying the journal\n";
        return reply(c, ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", msg,
                     strlen(msg), !ready);
    }
    if (strcmp(method, "GET") == 0 && strcmp(url, "/metrics") == 0) {
        struct sbuf out = {0};
        live_metrics(h->lv, &out);
        enum MHD_Result r = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4", out.buf, out.len, 0);
        sbuf_free(&out);
        return r;
    }
    if (strcmp(method, "GET") == 0 && strcmp(url, "/services/collector/health") == 0)
        return h->hec_token != NULL
                   ? reply_json(c, MHD_HTTP_OK, "{\"text\":\"HEC is healthy\",\"code\":17}", 0)
                   : reply_json(c, MHD_HTTP_NOT_FOUND, "{\"text\":\"HEC is off\",\"code\":7}", 0);

    bool ingest = strcmp(url, "/ingest") == 0, hec = is_hec_path(url);
    if (!ingest && !hec)
        return reply_json(c, MHD_HTTP_NOT_FOUND, "{\"error\":\"not found\"}", 0);
    if (!post)
        return reply_json(c, MHD_HTTP_METHOD_NOT_ALLOWED, "{\"error\":\"use POST\"}", 0);
    if (hec) {
        int missing;
        if (h->hec_token == NULL)
            return reply_json(c, MHD_HTTP_NOT_FOUND, "{\"text\":\"HEC is off\",\"code\":7}", 0);
        if (!hec_authorised(h, c, &missing))
            return reply_json(c, missing ? MHD_HTTP_UNAUTHORIZED : MHD_HTTP_FORBIDDEN,
                              missing ? "{\"text\":\"Token is required\",\"code\":2}"
                                      : "{\"text\":\"Invalid token\",\"code\":4}",
                              0);
    }
    if (!live_ready(h->lv))
        return reply_json(c, MHD_HTTP_SERVICE_UNAVAILABLE, "{\"error\":\"starting\"}", 1);
    if (rq->too_large)
        return reply_json(c, MHD_HTTP_CONTENT_TOO_LARGE,
                          hec ? "{\"text\":\"Request too large\",\"code\":27}"
                              : "{\"error\":\"body larger than 32 MiB\"}",
                          0);
    if (rq->body.len == 0)
        return reply_json(c, MHD_HTTP_BAD_REQUEST,
                          hec ? "{\"text\":\"No data\",\"code\":5}" : "{\"error\":\"empty body\"}",
                          0);
    struct sbuf lines = {0};
    enum MHD_Result r;
    if (hec) {
        hec_lines(&rq->body, &lines);
        r = submit(h, c, "hec", lines.buf ? lines.buf : "", lines.len, 1);
    } else {
        const char *text = ingest_lines(&rq->body, &lines);
        size_t len = text == rq->body.buf ? rq->body.len : lines.len;
        r = submit(h, c, "http", text, len, 0);
    }
    sbuf_free(&lines);
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    struct request *rq = *con_cls;
    if (rq != NULL) {
        sbuf_free(&rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

struct ingest_http *ingest_http_start(const char *addr, const char *hec_token, struct live *lv,
                                      struct err *e)
{
    struct sockaddr_in sa;
    if (http_parse_listen(addr, &sa) != 0) {
        err_set(e, "--http %s: expected an IPv4 HOST:PORT", addr);
        return NULL;
    }
    struct ingest_http *h = xcalloc(1, sizeof *h);
    h->lv = lv;
    h->hec_token = hec_token ? xstrdup(hec_token) : NULL;
    h->d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG, 0,
        NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)512, MHD_OPTION_END);
    if (h->d == NULL) {
        err_set(e, "--http %s: cannot listen", addr);
        free(h->hec_token);
        free(h);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
    log_info("run: listening on http://%s:%u/ (POST /ingest%s)", host, di ? di->port : 0,
             hec_token ? ", Splunk HEC /services/collector/event" : "");
    return h;
}

void ingest_http_stop(struct ingest_http *h)
{
    if (h == NULL)
        return;
    MHD_stop_daemon(h->d);
    free(h->hec_token);
    free(h);
}
