/*
 * pg.h - the PostgreSQL backend of the store's write path (pg.c), private to src/store.
 *
 * store.c holds a `struct pgs` in place of an SQLite connection when store_open was given
 * a postgresql:// or postgres:// URL, and forwards to these functions the calls that
 * `wachter analyze` and `wachter run` make. Each function has the contract of its store_*
 * namesake in store.h; what differs is said here. Errors name the database by its URL
 * without the password (pgs_display_name).
 *
 * Memory: as in store.h, arguments are borrowed for the duration of the call.
 */
#ifndef WACHTER_STORE_PG_H
#define WACHTER_STORE_PG_H

#include "store/store.h"

#include <stdbool.h>

struct pgs;

/* Whether `path` is a PostgreSQL URL ("postgresql://..." or "postgres://..."). */
bool pgs_is_url(const char *path);

/* The URL as messages show it: the password in the user part and any password=
 * parameter removed ("postgresql://wachter:s3cret@db/wachter?password=x" becomes
 * "postgresql://wachter@db/wachter"). Memory: the caller frees the result. */
char *pgs_display_name(const char *url);

/* Connect to `url` (a libpq connection URI), migrate the database under the advisory
 * lock and prepare the statements. `name` (pgs_display_name of the URL) is copied for
 * messages. Returns the handle, or NULL with `e` filled: cannot connect, a schema that is
 * not wachter's (tables but no wachter_schema), a schema version newer than
 * store_schema_version(), a failed migration (rolled back). Memory: the caller frees the
 * handle with pgs_close. */
struct pgs *pgs_open(const char *url, const char *name, struct err *e);

/* Close the connection. Accepts NULL. */
void pgs_close(struct pgs *pg);

int pgs_run_begin(struct pgs *pg, const char *dataset, int64_t *run_id, struct err *e);
/* store_run_finish (finish true) and store_run_stats (finish false). */
int pgs_run_update(struct pgs *pg, int64_t run_id, const char *stats_json, int64_t n_alerts,
                   bool finish, struct err *e);
int pgs_alert_withdraw(struct pgs *pg, int64_t run_id, const char *alert_ref, struct err *e);
int pgs_pseudonym_put(struct pgs *pg, const char *pseudonym, const void *sealed, size_t sealed_len,
                      const char *unit, const char *team, const char *role, struct err *e);
/* store_alerts_put (upsert false) and store_alerts_upsert (upsert true). */
int pgs_alerts_put(struct pgs *pg, int64_t run_id, const struct alert *alerts, size_t n,
                   bool upsert, struct err *e);
int pgs_activity_put(struct pgs *pg, int64_t run_id, const char *pseudonym,
                     const struct activity_day *days, size_t n, struct err *e);
int pgs_reveal_log(struct pgs *pg, int64_t run_id, const char *actor, const char *channel,
                   const char *reason, struct err *e);
int pgs_exceptions_each(struct pgs *pg, store_exception_fn fn, void *ctx, struct err *e);

#endif
