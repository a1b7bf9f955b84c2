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
 * PostgreSQL: store_open of a postgresql:// URL gives a handle on which the write path of
 * `analyze` and `run` works as on SQLite - the functions up to store_activity_put below,
 * store_alerts_upsert, store_run_stats and store_exceptions_each - so that several
 * instances can store into one database. Every other function (the workbench's) returns
 * -1 there with "<url>: the workbench ... needs an SQLite database; ..." (docs/store.md).
 *
 * Errors: functions return 0 or -1 and fill `struct err` with a message that names the
 * database file (or URL, without its password). Memory: arguments are borrowed for the
 * duration of the call.
 */
#ifndef WACHTER_STORE_H
#define WACHTER_STORE_H

#include "core/core.h"
#include "score/alert.h"

struct store;

/* Room for a pseudonym ("P-" + 10 characters) and its NUL, with slack. */
#define PSEUDONYM_TEXT_SIZE 16

/* Open (creating if needed, with mode 0600) the database at `path` and migrate it to the
 * current schema version. Fails, returning NULL with `e` naming the file, when the file
 * cannot be created or opened, is not an SQLite database, belongs to another application
 * (PRAGMA application_id), or has a schema version newer than store_schema_version().
 * A `path` that starts with "postgresql://" or "postgres://" is a libpq connection URI
 * ("postgresql://user@host:5432/wachter?sslmode=require"): the handle then stores into
 * that PostgreSQL database, migrated under an advisory lock; it fails likewise when the
 * server cannot be reached, the schema holds tables but is not wachter's, or is newer.
 * A handle is used by one thread at a time. Memory: the caller owns the handle and frees
 * it with store_close; `path` is copied (a URL without its password). */
struct store *store_open(const char *path, struct err *e);

/* Finalise the statements and close the connection. Accepts NULL and handles whose
 * opening failed part-way. Failures to close are logged, not returned. */
void store_close(struct store *st);

/* The schema version this binary migrates databases to, SQLite and PostgreSQL alike
 * (their migration lists have the same length). */
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

/* The live service (`wachter run`) keeps one run open for its lifetime and stores each
 * alert as it opens and grows. Store `n` alerts of run `run_id` in one transaction, as
 * store_alerts_put does, except that an alert whose id the run holds already is updated
 * in place: it keeps its row id, status, created time, workflow history and case; its
 * score, first_ms, last_ms, group, unit, team and role are replaced, and so are its
 * indicators and evidence (the queue's filter rows follow). Upserting the same alerts
 * again leaves the database unchanged, so a journal can be replayed after a crash. An
 * alert id that the run holds for another pseudonym fails the batch, as any error does
 * (nothing is stored, -1, `e` naming the alert). Within one batch, a later alert with
 * the same id wins. Memory: nothing is retained. */
int store_alerts_upsert(struct store *st, int64_t run_id, const struct alert *alerts, size_t n,
                        struct err *e);

/* Record the statistics (JSON text, or NULL) and alert count of run `run_id` while it is
 * still open; it stays open (finished stays NULL). Returns -1 with `e` filled when the
 * run does not exist, has finished, or `stats_json` is not valid JSON. */
/* Mark alert `alert_ref` of run `run_id` as withdrawn: the live service opened it during a
 * day and the day's close did not confirm it. Only an alert still "new" changes (an
 * analyst's decision stands); an unknown alert changes nothing. Returns 0, or -1 with `e`
 * filled on a database error. */
int store_alert_withdraw(struct store *st, int64_t run_id, const char *alert_ref, struct err *e);

int store_run_stats(struct store *st, int64_t run_id, const char *stats_json, int64_t n_alerts,
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

/* ==== The analyst's workbench (schema version 2) ==========================================
 *
 * What follows serves `wachter serve` (src/http/) and the `user` and `audit` commands.
 * Read functions for the web API append JSON to a struct sbuf: the JSON is built by
 * SQLite's json_object() in the statements of schema.h, so the field names of
 * docs/api.md are written in one place, next to the columns they come from. Functions
 * that change several rows do so in one transaction only when the caller opened one with
 * store_begin; the web API wraps each change and its audit row in one transaction, so a
 * change is never stored without its audit entry (and a refused one leaves nothing).
 * Instants in *_ms arguments are UTC milliseconds. */

/* Transactions: BEGIN IMMEDIATE / COMMIT / ROLLBACK. store_rollback accepts a handle
 * without an open transaction (then it does nothing). */
int store_begin(struct store *st, struct err *e);
int store_commit(struct store *st, struct err *e);
void store_rollback(struct store *st);

/* ---- users and sessions ---- */

struct store_user {
    int64_t id;
    char name[65];
    char role[16];
    char unit[64], team[64];
    char lang[8];
};

/* Add user `name` with `role` (one of the six roles), unit and team (required for
 * supervisors; NULL is "") and the password hash `pwhash` (crypto_pwhash_str text).
 * `created_by` names who added it. Returns 0, or -1 with `e` filled (a name taken
 * already, an unknown role, a supervisor without unit and team). */
int store_user_add(struct store *st, const char *name, const char *role, const char *unit,
                   const char *team, const char *pwhash, const char *created_by, struct err *e);

/* Look up user `name`. Returns 0 with *found set, and when found fills *u and copies the
 * password hash into `pwhash` (pwhash_size bytes; truncated hashes never verify), or -1. */
int store_user_get(struct store *st, const char *name, struct store_user *u, char *pwhash,
                   size_t pwhash_size, bool *found, struct err *e);

/* Append {"users":[...]} (no password hashes) to `out`. */
int store_users_json(struct store *st, struct sbuf *out, struct err *e);

/* A session as the server sees it: the user and the CSRF token. */
struct store_session {
    struct store_user user;
    char csrf[80];
    int64_t created_ms, last_ms;
};

/* Store a session under the hash of its id (`id_hash`, 32 bytes; the id itself is never
 * stored), for user `user_id`, with CSRF token `csrf`, created and last used at now_ms. */
int store_session_put(struct store *st, const unsigned char id_hash[32], int64_t user_id,
                      const char *csrf, int64_t now_ms, struct err *e);
/* Find the session stored under `id_hash`. Returns 0 with *found set (and *s filled when
 * found), or -1. */
int store_session_get(struct store *st, const unsigned char id_hash[32], struct store_session *s,
                      bool *found, struct err *e);
/* Record a use of the session at now_ms. */
int store_session_touch(struct store *st, const unsigned char id_hash[32], int64_t now_ms,
                        struct err *e);
/* Delete the session (logout, expiry). Deleting an unknown session succeeds. */
int store_session_delete(struct store *st, const unsigned char id_hash[32], struct err *e);
/* Delete every session last used before idle_before_ms or created before created_before_ms. */
int store_sessions_expire(struct store *st, int64_t idle_before_ms, int64_t created_before_ms,
                          struct err *e);

/* ---- alerts ---- */

/* Filters of the queue; NULL text and has_* false mean "any". */
struct store_queue_filter {
    const char *status, *unit, *indicator;
    bool has_from, has_to;
    int64_t from_ms, to_ms; /* on first_ms: from inclusive, to exclusive */
    int64_t limit, offset;  /* limit 1..1000, offset >= 0 */
};

/* Append {"total":N,"alerts":[...]} (docs/api.md), highest score first. */
int store_alert_queue(struct store *st, const struct store_queue_filter *f, struct sbuf *out,
                      struct err *e);

/* What the server needs to decide who may see and change an alert. */
struct store_alert_brief {
    int64_t id, run_id;
    char status[16];
    char pseudonym[PSEUDONYM_TEXT_SIZE];
    char unit[64], team[64]; /* the employee's current unit and team */
    int64_t case_id;         /* 0: no case */
    bool supervisor_visible; /* the case was escalated to the supervisor */
};

/* Read alert `id`. Returns 0 with *found set (and *b filled when found), or -1. */
int store_alert_brief(struct store *st, int64_t id, struct store_alert_brief *b, bool *found,
                      struct err *e);
/* Append the detail JSON of alert `id` (docs/api.md). The alert must exist. */
int store_alert_detail_json(struct store *st, int64_t id, struct sbuf *out, struct err *e);
/* Append {"days":[...]} of the pseudonym's activity in the alert's run. */
int store_alert_activity_json(struct store *st, int64_t run_id, const char *pseudonym,
                              struct sbuf *out, struct err *e);

/* Move a "new" alert to `status` with `disposition` (the dismiss reason, or NULL) and
 * record the step in its history (actor, action, note). *changed is false, and nothing
 * is written, when the alert is no longer new. */
int store_alert_decide(struct store *st, int64_t id, const char *status, const char *disposition,
                       const char *actor, const char *note, bool *changed, struct err *e);

/* ---- cases ---- */

/* Create the case of alert `alert_id` (about `pseudonym`) in `state`, visible to the
 * supervisor when supervisor_visible, with its first history row. Fills *case_id. */
int store_case_create(struct store *st, int64_t alert_id, const char *pseudonym, const char *state,
                      bool supervisor_visible, const char *actor, const char *note,
                      int64_t *case_id, struct err *e);

struct store_case {
    int64_t id, alert_id;
    char state[32];
    char pseudonym[PSEUDONYM_TEXT_SIZE];
    char unit[64], team[64];
    bool supervisor_visible;
    char *checklist; /* JSON object text; Memory: owned by the struct, see store_case_clear */
};

/* Read case `id`. Returns 0 with *found set (and *c filled when found), or -1. */
int store_case_get(struct store *st, int64_t id, struct store_case *c, bool *found, struct err *e);
/* Free what store_case_get allocated in *c. Accepts a cleared struct. */
void store_case_clear(struct store_case *c);

/* A step of a case; NULL fields keep what is stored. */
struct store_case_step {
    int64_t id;
    const char *from, *to;
    bool supervisor_visible; /* set the flag (it is never cleared) */
    const char *checklist;   /* JSON object text */
    const char *decided_by;
    int vik_advice_followed; /* -1 keep, 0 no, 1 yes */
    const char *deviation, *misconduct, *outcome;
    const char *actor, *note;
    const char *detail; /* JSON text for the history row, or NULL */
};
/* Take the step: update the case only if it is still in `from`, and add a history row.
 * *changed is false, and nothing is written, when the case moved meanwhile. */
int store_case_step(struct store *st, const struct store_case_step *s, bool *changed,
                    struct err *e);
/* Append {"cases":[...]}: every case, or (unit and team not NULL) only the cases escalated
 * to the supervisor of that unit and team. */
int store_cases_json(struct store *st, const char *unit, const char *team, int64_t limit,
                     int64_t offset, struct sbuf *out, struct err *e);
/* Append the JSON object of case `id` (which must exist) without its closing brace, so
 * that the caller can add fields and close it. */
int store_case_json_open(struct store *st, int64_t id, struct sbuf *out, struct err *e);

/* ---- pseudonyms and re-identification ---- */

/* Whether `pseudonym` is in the store. */
int store_pseudonym_exists(struct store *st, const char *pseudonym, bool *found, struct err *e);
/* Copy the sealed employee number of `pseudonym` into `buf` (cap bytes). Returns 0 with
 * *found and *n set, or -1 (also when it does not fit). */
int store_pseudonym_sealed(struct store *st, const char *pseudonym, unsigned char *buf, size_t cap,
                           size_t *n, bool *found, struct err *e);

struct store_reveal {
    int64_t id;
    char pseudonym[PSEUDONYM_TEXT_SIZE];
    char reason[512];
    int64_t requester_id;
    char requester_role[16];
    int64_t requested_ms;
    int64_t approver_id; /* 0 while pending */
    char approver_role[16];
    int64_t approved_ms, expires_ms;
};

/* Store a request to reveal `pseudonym`, expiring at expires_ms unless approved. */
int store_reveal_request(struct store *st, const char *pseudonym, const char *reason,
                         int64_t requester_id, const char *requester_role, int64_t now_ms,
                         int64_t expires_ms, int64_t *id, struct err *e);
int store_reveal_get(struct store *st, int64_t id, struct store_reveal *r, bool *found,
                     struct err *e);
/* Approve a pending, unexpired request; the approval expires at expires_ms. *changed is
 * false when the request was not pending (or expired). The schema refuses an approver
 * who is the requester or has the requester's role (-1). */
int store_reveal_approve(struct store *st, int64_t id, int64_t approver_id,
                         const char *approver_role, int64_t now_ms, int64_t expires_ms,
                         bool *changed, struct err *e);
/* Append {"requests":[...]} with their status at now_ms. */
int store_reveal_list_json(struct store *st, int64_t now_ms, struct sbuf *out, struct err *e);
/* Record a reveal that is not tied to one run (the web's four-eyes procedure) in
 * reveal_log. */
int store_reveal_log_web(struct store *st, const char *actor, const char *channel,
                         const char *reason, struct err *e);

/* ---- exceptions ---- */

/* Store an exception for `pseudonym` and `indicator` or `subject` (either may be "" but
 * not both), with a reason and an expiry date "YYYY-MM-DD". Fills *id. */
int store_exception_add(struct store *st, const char *pseudonym, const char *indicator,
                        const char *subject, const char *reason, const char *expires,
                        const char *created_by, int64_t *id, struct err *e);
/* Call `fn` for every stored exception (indicator and subject "" when not scoped by them;
 * expires "YYYY-MM-DD"). Memory: the strings are valid during the call only. */
typedef void (*store_exception_fn)(void *ctx, const char *pseudonym, const char *indicator,
                                   const char *subject, const char *expires);
int store_exceptions_each(struct store *st, store_exception_fn fn, void *ctx, struct err *e);

/* Append {"exceptions":[...]}; "active" compares the expiry with `today` (YYYY-MM-DD). */
int store_exceptions_json(struct store *st, const char *today, struct sbuf *out, struct err *e);

/* ---- the audit log of the monitors (hash chain: audit/audit.h) ---- */

/* Append one row, chained to the last. Inside the caller's transaction when one is open,
 * else in its own. NULL object or detail are "". */
int store_audit_append(struct store *st, const char *actor, const char *action, const char *object,
                       const char *detail, struct err *e);

/* The verdict of store_audit_verify. */
struct store_audit_verdict {
    bool intact;
    int64_t rows;
    int64_t first_bad; /* seq of the first altered or missing row; 0 when intact */
    char reason[160];  /* what is wrong with it */
    char head[65];     /* hex hash of the last row, to anchor elsewhere */
};
/* Recompute the chain from the first row and compare every hash, link, seq and the
 * recorded head. Returns 0 with *v filled (intact or not), or -1 when it cannot read. */
int store_audit_verify(struct store *st, struct store_audit_verdict *v, struct err *e);
/* Append {"total":N,"entries":[...]} newest first; actor/action NULL: any. */
int store_audit_json(struct store *st, const char *actor, const char *action, int64_t limit,
                     int64_t offset, struct sbuf *out, struct err *e);

/* ---- statistics ---- */

enum store_table {
    STORE_TRENDS_ALERTS,    /* per month, unit, indicator: alerts and dispositions */
    STORE_TRENDS_PRECISION, /* per indicator: escalated vs false positives */
    STORE_TRENDS_OUTCOMES,  /* per month, unit: registered misconduct and outcome */
    STORE_COUNCIL_ALERTS,   /* per month, unit: counts, 1..4 suppressed */
    STORE_COUNCIL_OUTCOMES, /* per month: outcomes, 1..4 suppressed */
    STORE_COUNCIL_USE,      /* per month: actions of the monitors, 1..4 suppressed */
};
/* Append the rows of table `t` as a JSON array of objects (column name -> value). */
int store_table_json(struct store *st, enum store_table t, struct sbuf *out, struct err *e);
/* Append the rows of table `t` as CSV (RFC 4180, header line first). */
int store_table_csv(struct store *st, enum store_table t, struct sbuf *out, struct err *e);

#endif
