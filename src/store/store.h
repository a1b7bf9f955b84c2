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

/* Open (creating if needed) the database at `path` and migrate it to the current schema
 * version. Returns NULL with `e` filled on failure. Memory: free with store_close. */
struct store *store_open(const char *path, struct err *e);
void store_close(struct store *st);

/* The schema version this binary migrates databases to. */
int store_schema_version(void);

/* Start a run of `analyze` over `dataset`. Fills *run_id. */
int store_run_begin(struct store *st, const char *dataset, int64_t *run_id, struct err *e);

/* Record the pseudonym of an employee, with the employee number sealed (see
 * privacy_seal), and the organisational facts that decide who may see the case. Inserting
 * an existing pseudonym updates its facts. */
int store_pseudonym_put(struct store *st, const char *pseudonym, const void *sealed,
                        size_t sealed_len, const char *unit, const char *team,
                        const char *role, struct err *e);

/* Store `n` alerts of run `run_id` with their indicators and evidence, in one
 * transaction. The alerts' real `user` field is not stored. */
int store_alerts_put(struct store *st, int64_t run_id, const struct alert *alerts, size_t n,
                     struct err *e);

/* Finish run `run_id`: record its statistics (a JSON object as text) and alert count. */
int store_run_finish(struct store *st, int64_t run_id, const char *stats_json,
                     int64_t n_alerts, struct err *e);

/* Record that real employee numbers were revealed: by whom (the OS user for the CLI),
 * through which channel ("cli --reveal-ids"), why, and for which run. */
int store_reveal_log(struct store *st, int64_t run_id, const char *actor, const char *channel,
                     const char *reason, struct err *e);

#endif
