/*
 * store_int.h - what the store's source files share and nobody else sees: the handle and
 * the helpers of the error idiom. Included by the .c files of src/store only.
 *
 * Two backends: a handle is an SQLite database (st->pg == NULL) or a PostgreSQL one
 * (st->pg != NULL, see pg.h). PostgreSQL serves the write path of analyze and run, which
 * store.c forwards to pg.c. The workbench's functions (work.c, access.c) are SQLite
 * only and need no test of the backend: on a PostgreSQL handle st->db is an empty
 * in-memory SQLite connection and no statement is prepared, so each of them fails at its
 * first bind or step, and st_fail then reports that the workbench needs SQLite. Hence
 * st->db is never NULL on a ready handle, and the st_* helpers accept a NULL statement.
 *
 * Error idiom (SQLite's own): `int rc = SQLITE_OK`, each st_bind_* only while rc is still
 * OK, then one st_run (or a step loop) that writes the first failure into the caller's
 * struct err once, naming the database path. Text is bound SQLITE_STATIC: borrowed until
 * the statement is reset, which every function does before it returns.
 */
#ifndef WACHTER_STORE_INT_H
#define WACHTER_STORE_INT_H

#include "store/pg.h"
#include "store/schema.h"
#include "store/store.h"

#include <sqlite3.h>

/* RFC 3339 UTC text with milliseconds, "2025-02-03T21:14:09.000Z", always 24 characters
 * for years 0000..9999. */
#define UTC_TEXT_SIZE 32

/* One prepared queue statement per combination of filters (schema.h). */
#define STORE_QUEUE_VARIANTS (1 << STORE_QUEUE_FILTERS)

struct store {
    char *path;     /* as given to store_open (a URL without its password), for messages */
    sqlite3 *db;    /* NULL when the open failed before SQLite */
    struct pgs *pg; /* the PostgreSQL backend, or NULL */
    sqlite3_stmt *stmt[STMT_COUNT];                 /* NULL until prepared */
    sqlite3_stmt *queue_page[STORE_QUEUE_VARIANTS]; /* prepared on first use */
    sqlite3_stmt *queue_count[STORE_QUEUE_VARIANTS];
    bool ready; /* fully opened and migrated */
};

/* Fill `e` with "<path>: <formatted text>: <SQLite's message>", or on a PostgreSQL
 * handle with "<path>: the workbench ... needs an SQLite database; ...". Returns -1. */
int st_fail(struct store *st, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Step statement `id` (bound with result `rc`) to SQLITE_DONE, then reset it; on failure
 * fill `e` with the formatted context and SQLite's message and return -1. */
int st_run(struct store *st, enum store_stmt id, int rc, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Roll back the open transaction, if any; a failure is logged. */
void st_rollback(struct store *st);
void st_bind_text(sqlite3_stmt *s, int i, const char *v, int *rc);
void st_bind_text_or_null(sqlite3_stmt *s, int i, const char *v, int *rc);
void st_bind_int64(sqlite3_stmt *s, int i, int64_t v, int *rc);
void st_bind_double(sqlite3_stmt *s, int i, double v, int *rc);
void st_bind_blob(sqlite3_stmt *s, int i, const void *v, size_t n, int *rc);
/* Format `ms` (UTC milliseconds) as "YYYY-MM-DDTHH:MM:SS.sssZ"; and the current time. */
void st_utc_text(int64_t ms, char out[UTC_TEXT_SIZE]);
void st_now_text(char out[UTC_TEXT_SIZE]);
/* Step statement `id` (bound with result `rc`) and append column 0 of every row, which is
 * JSON text, to `out`, separated by commas; then reset it. Returns 0 or -1 with `e`. */
int st_json_rows(struct store *st, enum store_stmt id, int rc, struct sbuf *out, struct err *e);
/* Step statement `id` (bound with result `rc`) expecting at most one row; *found tells
 * whether there was one. The statement is left ON that row for the caller to read its
 * columns, and must be reset by the caller (sqlite3_reset) in every case. */
int st_row(struct store *st, enum store_stmt id, int rc, bool *found, struct err *e);
/* Copy text column `col` of the current row of `s` into `out` (size bytes, truncating). */
void st_col_text(sqlite3_stmt *s, int col, char *out, size_t size);

#endif
