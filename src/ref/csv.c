/*
 * csv.c - RFC 4180 reader that addresses columns by header name.
 *
 * The file is mapped and read record by record; fields are decoded into reusable
 * buffers, so a record costs no allocation once the buffers have grown. Quoted fields
 * may hold commas, doubled quotes and line breaks; CRLF and LF both end a record; a UTF-8
 * byte-order mark before the header is skipped; blank lines are skipped. A field longer
 * than CSV_MAX_FIELD or a record with more than CSV_MAX_COLS fields is an error, so no
 * size taken from the input is allocated unchecked.
 */
#include "ref/ref.h"

#include <stdlib.h>
#include <string.h>

enum { CSV_MAX_FIELD = 64 * 1024, CSV_MAX_COLS = 256 };

/* Read one record into c->vals. Returns 1, 0 at end, -1 on error. */
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
            memset(&c->vals[c->n_init], 0, sizeof *c->vals);
            c->n_init++;
        }
        struct sbuf *v = &c->vals[c->n_vals];
        sbuf_reset(v);
        c->n_vals++;
        if (p < c->end && *p == '"') {
            p++;
            for (;;) {
                const char *q = p;
                while (q < c->end && *q != '"') {
                    if (*q == '\n')
                        c->line++;
                    q++;
                }
                if (q >= c->end)
                    return err_set(e, "%s:%llu: unterminated quoted field", c->path,
                                   (unsigned long long)start_line);
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
        } else {
            const char *q = p;
            while (q < c->end && *q != ',' && *q != '\n' && *q != '\r')
                q++;
            if ((size_t)(q - p) > CSV_MAX_FIELD)
                return err_set(e, "%s:%llu: field longer than %d bytes", c->path,
                               (unsigned long long)start_line, CSV_MAX_FIELD);
            sbuf_add(v, p, (size_t)(q - p));
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

int csv_open(struct csv *c, const char *path, struct err *e)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    if (file_map(path, &c->file, e) != 0)
        return -1;
    c->pos = c->file.data;
    c->end = c->file.data + c->file.size;
    c->line = 1;
    if (c->end - c->pos >= 3 && memcmp(c->pos, "\xEF\xBB\xBF", 3) == 0)
        c->pos += 3;
    int rc = read_record(c, e);
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
        const char *s = c->vals[i].buf ? c->vals[i].buf : "";
        size_t n = c->vals[i].len;
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

int csv_next(struct csv *c, struct err *e)
{
    return read_record(c, e);
}

const char *csv_get(const struct csv *c, int i, size_t *len)
{
    if (i < 0 || (size_t)i >= c->n_vals || c->vals[i].buf == NULL) {
        if (len)
            *len = 0;
        return "";
    }
    if (len)
        *len = c->vals[i].len;
    return c->vals[i].buf;
}

void csv_close(struct csv *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->n_init; i++)
        sbuf_free(&c->vals[i]);
    free(c->vals);
    for (size_t i = 0; i < c->n_cols; i++)
        free(c->cols[i]);
    free(c->cols);
    file_unmap(&c->file);
    memset(c, 0, sizeof *c);
}
