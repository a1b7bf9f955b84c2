/*
 * csv.c - RFC 4180 reader that addresses columns by header name.
 *
 * The file is read through a window (read(2) into a buffer that stays in cache; mapping
 * it measured slower) record by record. An unquoted field is handed out where it stands
 * in the window; a quoted one is decoded into a reusable buffer, so a record costs no
 * allocation once the buffers have grown. A record that reaches the end of the window
 * is read again once more of the file is in it. Quoted fields
 * may hold commas, doubled quotes and line breaks; CRLF and LF both end a record; a UTF-8
 * byte-order mark before the header is skipped; blank lines are skipped. A field longer
 * than CSV_MAX_FIELD or a record with more than CSV_MAX_COLS fields is an error, so no
 * size taken from the input is allocated unchecked.
 */
#include "ref/ref.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fuzz build makes the window tiny, so that records cross its edge all the time. */
#ifndef CSV_WINDOW_BYTES
#define CSV_WINDOW_BYTES (256 * 1024)
#endif

enum {
    CSV_MAX_FIELD = 64 * 1024,
    CSV_MAX_COLS = 256,
    CSV_WINDOW = CSV_WINDOW_BYTES,
    /* The longest record that can be valid: every field at its cap, quoted, with every
     * character a doubled quote. */
    CSV_MAX_RECORD = CSV_MAX_COLS * (2 * CSV_MAX_FIELD + 3),
};

/* Read one record from [c->pos, c->end) into c->fld. Returns 1, 0 at end, -1 on error.
 * Sets c->ran_out when the window ended inside a quoted field (the caller decides whether
 * that is the end of the file). */
static int read_record(struct csv *c, struct err *e)
{
    /* Skip blank lines. */
    while (c->pos < c->end && (*c->pos == '\n' || *c->pos == '\r')) {
        if (*c->pos == '\n')
            c->line++;
        c->pos++;
    }
    if (c->pos >= c->end)
        return 0;
    uint64_t start_line = c->line;
    c->n_vals = 0;
    const char *p = c->pos;
    for (;;) {
        if (c->n_vals >= CSV_MAX_COLS)
            return err_set(e, "%s:%llu: more than %d fields", c->path,
                           (unsigned long long)start_line, CSV_MAX_COLS);
        if (c->n_vals == c->n_init) {
            c->vals = xgrow(c->vals, &c->cap_vals, c->n_init + 1, sizeof *c->vals);
            c->fld = xrealloc(c->fld, c->cap_vals * sizeof *c->fld);
            memset(&c->vals[c->n_init], 0, sizeof *c->vals);
            c->n_init++;
        }
        struct csv_field *f = &c->fld[c->n_vals];
        c->n_vals++;
        if (p < c->end && *p == '"') {
            /* Quoted: decoded into the field's own buffer. */
            struct sbuf *v = &c->vals[c->n_vals - 1];
            sbuf_reset(v);
            p++;
            for (;;) {
                const char *q = p;
                while (q < c->end && *q != '"') {
                    if (*q == '\n')
                        c->line++;
                    q++;
                }
                if (q >= c->end) {
                    c->ran_out = 1;
                    return err_set(e, "%s:%llu: unterminated quoted field", c->path,
                                   (unsigned long long)start_line);
                }
                if (v->len + (size_t)(q - p) > CSV_MAX_FIELD)
                    return err_set(e, "%s:%llu: field longer than %d bytes", c->path,
                                   (unsigned long long)start_line, CSV_MAX_FIELD);
                sbuf_add(v, p, (size_t)(q - p));
                p = q + 1;
                if (p < c->end && *p == '"') {
                    sbuf_putc(v, '"');
                    p++;
                    continue;
                }
                break;
            }
            if (p < c->end && *p != ',' && *p != '\n' && *p != '\r')
                return err_set(e, "%s:%llu: text after a closing quote", c->path,
                               (unsigned long long)start_line);
            f->p = v->buf != NULL ? v->buf : "";
            f->n = v->len;
        } else {
            /* Unquoted: the text as it stands in the window. */
            const char *q = p;
            while (q < c->end && *q != ',' && *q != '\n' && *q != '\r')
                q++;
            if ((size_t)(q - p) > CSV_MAX_FIELD)
                return err_set(e, "%s:%llu: field longer than %d bytes", c->path,
                               (unsigned long long)start_line, CSV_MAX_FIELD);
            f->p = p;
            f->n = (size_t)(q - p);
            p = q;
        }
        if (p < c->end && *p == ',') {
            p++;
            continue;
        }
        /* End of record. */
        if (p < c->end && *p == '\r')
            p++;
        if (p < c->end && *p == '\n') {
            p++;
            c->line++;
        }
        break;
    }
    c->pos = p;
    c->rec_line = start_line;
    return 1;
}

/* Move the unread rest of the window to its start and read more of the file behind it.
 * A record longer than the window grows it, up to the longest record that can be valid. */
static int window_fill(struct csv *c, struct err *e)
{
    size_t keep = (size_t)(c->end - c->pos);
    if (keep == c->cap) {
        if (c->cap >= CSV_MAX_RECORD)
            return err_set(e, "%s:%llu: record longer than %d bytes", c->path,
                           (unsigned long long)c->line, CSV_MAX_RECORD);
        c->cap = c->cap * 2 > CSV_MAX_RECORD ? CSV_MAX_RECORD : c->cap * 2;
        char *nb = xmalloc(c->cap);
        memcpy(nb, c->pos, keep);
        free(c->buf);
        c->buf = nb;
    } else {
        memmove(c->buf, c->pos, keep);
    }
    size_t len = keep;
    while (len < c->cap) {
        ssize_t r = read(c->fd, c->buf + len, c->cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return err_set(e, "%s: cannot read: %s", c->path, strerror(errno));
        if (r == 0) {
            c->at_eof = 1;
            break;
        }
        len += (size_t)r;
    }
    c->pos = c->buf;
    c->end = c->buf + len;
    return 0;
}

int csv_next(struct csv *c, struct err *e)
{
    for (;;) {
        const char *start = c->pos;
        uint64_t line = c->line;
        c->ran_out = 0;
        int rc = read_record(c, e);
        /* A record that reaches the end of the window may go on in the file. */
        if (c->at_eof || !(rc == 0 || c->ran_out || (rc == 1 && c->pos == c->end)))
            return rc;
        c->pos = start;
        c->line = line;
        if (window_fill(c, e) != 0)
            return -1;
    }
}

int csv_open(struct csv *c, const char *path, struct err *e)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (c->fd < 0)
        return err_set(e, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(c->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        err_set(e, "%s: not a regular file", path);
        csv_close(c);
        return -1;
    }
    c->cap = CSV_WINDOW;
    c->buf = xmalloc(c->cap);
    c->pos = c->end = c->buf;
    c->line = 1;
    if (window_fill(c, e) != 0) {
        csv_close(c);
        return -1;
    }
    if (c->end - c->pos >= 3 && memcmp(c->pos, "\xEF\xBB\xBF", 3) == 0)
        c->pos += 3;
    int rc = csv_next(c, e);
    if (rc <= 0) {
        if (rc == 0)
            err_set(e, "%s: empty file, expected a header line", path);
        csv_close(c); /* a failed open leaves nothing to release */
        return -1;
    }
    c->n_cols = c->n_vals;
    c->cols = xcalloc(c->n_cols, sizeof *c->cols);
    for (size_t i = 0; i < c->n_cols; i++) {
        /* Header names are compared trimmed of surrounding blanks. */
        const char *s = c->fld[i].p;
        size_t n = c->fld[i].n;
        while (n > 0 && (*s == ' ' || *s == '\t'))
            s++, n--;
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        c->cols[i] = xstrndup(s, n);
    }
    return 0;
}

int csv_col(const struct csv *c, const char *name)
{
    for (size_t i = 0; i < c->n_cols; i++)
        if (strcmp(c->cols[i], name) == 0)
            return (int)i;
    return -1;
}

int csv_require(const struct csv *c, const char *const *names, int *idx, size_t n, struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        idx[i] = csv_col(c, names[i]);
        if (idx[i] < 0)
            return err_set(e, "%s: required column '%s' is missing from the header", c->path,
                           names[i]);
    }
    return 0;
}

const char *csv_get(const struct csv *c, int i, size_t *len)
{
    if (i < 0 || (size_t)i >= c->n_vals) {
        if (len)
            *len = 0;
        return "";
    }
    if (len)
        *len = c->fld[i].n;
    return c->fld[i].p;
}

void csv_close(struct csv *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n_init; i++)
        sbuf_free(&c->vals[i]);
    free(c->vals);
    free(c->fld);
    for (size_t i = 0; i < c->n_cols; i++)
        free(c->cols[i]);
    free(c->cols);
    free(c->buf);
    if (c->fd >= 0)
        close(c->fd);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}
