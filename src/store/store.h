/*
 * store.h - persistence of runs, alerts, evidence, pseudonyms and the reveal log.
 *
 * SQLite in WAL mode with a versioned schema and forward-only migrations (see schema.h);
 * later the web application and the case workflow build on the same database. All SQL
 * text lives in schema.h; statements are prepared once per handle and used as
 * bind -> step -> reset. Alerts are written in batched transactions.
 *
 * Privacy: the store never holds a real employee number in the clear next to monitoring
 * data. Alerts carry the pseudonym; the pseudonyms table keeps, per pseudonym, the
 * employee number sealed with the pseudonym key (see privacy/privacy.h), so revealing
 * needs the key as well as the database.
 *
 * Errors: functions return 0 or -1 and fill `struct err` with a message that names the
 * database file. Memory: arguments are borrowed for the duration of the call.
 */
#ifndef WACHTER_STORE_H
#define WACHTER_STORE_H

#include "core/core.h"
#include "score/alert.h"

struct store;

/* Open (creating if needed, with mode 0600) the database at `path` and migrate it to the
 * current schema version. Fails, returning NULL with `e` naming the file, when the file
 * cannot be created or opened, is not an SQLite database, belongs to another application
 * (PRAGMA application_id), or has a schema version newer than store_schema_version().
 * A handle is used by one thread at a time. Memory: the caller owns the handle and frees
 * it with store_close; `path` is copied. */
struct store *store_open(const char *path, struct err *e);

/* Finalise the statements and close the connection. Accepts NULL and handles whose
 * opening failed part-way. Failures to close are logged, not returned. */
void store_close(struct store *st);

/* The schema version this binary migrates databases to. */
int store_schema_version(void);

/* Start a run of `analyze` over `dataset` (recorded as given), stamped with the current
 * time. Returns 0 and fills *run_id, or -1 with `e` filled. */
int store_run_begin(struct store *st, const char *dataset, int64_t *run_id, struct err *e);

/* Record the pseudonym of an employee, with the employee number sealed (see
 * privacy_seal), and the organisational facts that decide who may see the case. Inserting
 * an existing pseudonym updates its facts (unit, team, role) and keeps its first sealed
 * number. Every pseudonym an alert names must be put before the alert. NULL unit, team or
 * role are stored as "". Returns 0, or -1 with `e` filled (e.g. a pseudonym that does
 * not start with "P-"). Memory: `sealed` (sealed_len bytes) is copied. */
int store_pseudonym_put(struct store *st, const char *pseudonym, const void *sealed,
                        size_t sealed_len, const char *unit, const char *team, const char *role,
                        struct err *e);

/* Store `n` alerts of run `run_id` with their indicators and evidence, in one
 * transaction: either all of them are stored or, on any error (an alert id twice in one
 * run, an unknown run, a pseudonym not put with store_pseudonym_put, a NULL event id),
 * none is, and -1 is returned with `e` naming the database and the failing alert. The
 * alerts' real `user` field is not read or stored. Indicators and evidence keep their
 * array order (column `ordinal`). NULL text fields are stored as "" and an empty group
 * as NULL. Memory: everything is copied into the database; nothing is retained. */
int store_alerts_put(struct store *st, int64_t run_id, const struct alert *alerts, size_t n,
                     struct err *e);

/* Finish run `run_id`: record its end time, its statistics (JSON text, or NULL) and its
 * alert count. Returns -1 with `e` filled when the run does not exist, has finished
 * already, or `stats_json` is not valid JSON. */
int store_run_finish(struct store *st, int64_t run_id, const char *stats_json, int64_t n_alerts,
                     struct err *e);

/* Record that real employee numbers were revealed: by whom (the OS user for the CLI),
 * through which channel ("cli --reveal-ids"), why, and for which run. Actor, channel and
 * reason must be non-empty and the run must exist, else -1 with `e` filled. The log is
 * append-only: the schema refuses updates and deletes of its rows. */
int store_reveal_log(struct store *st, int64_t run_id, const char *actor, const char *channel,
                     const char *reason, struct err *e);

/* One day of an employee's activity, for the alert detail's chart: the employee's record
 * accesses and unexplained accesses that local day, and the median record accesses of
 * active peers of the same role that day. */
struct activity_day {
    int32_t day; /* local civil day number since 1970-01-01 */
    uint32_t accesses, unexplained;
    double peer_median;
};

/* Store the daily activity series of pseudonym `pseudonym` for run `run_id`, in one
 * transaction (replacing what the run stored for it before). */
int store_activity_put(struct store *st, int64_t run_id, const char *pseudonym,
                       const struct activity_day *days, size_t n, struct err *e);

#endif
