/*
 * schema.h - every line of SQL the store runs: the migrations and the prepared statements.
 *
 * Private to store/ (included by store.c only). Keeping all SQL in one header lets a
 * reader check the schema and every query against it in one place, as Fluent Bit's
 * in_tail does; docs/store.md explains the tables.
 *
 * Migrations are forward-only. store_migrations[i] takes a database from schema version
 * i to version i + 1; the version is PRAGMA user_version, and store.c applies each
 * migration together with its version bump in one BEGIN IMMEDIATE transaction, so a
 * database is always at exactly one known version. The rules:
 *   - Never edit or reorder a migration that has been released; append a new one.
 *   - A migration must not depend on data written by a later binary.
 *   - A database whose user_version is higher than the number of migrations below was
 *     written by a newer wachter and is refused, never "downgraded".
 * The schema version this binary knows is the number of entries of store_migrations.
 *
 * Conventions of the schema:
 *   - Instants of events (alerts' first and last event, evidence) are stored once, as UTC
 *     milliseconds (*_ms: what code computes, compares and sorts with). Their RFC 3339
 *     text in UTC with milliseconds, "2025-02-03T21:14:09.000Z" (*_ts), is a VIRTUAL
 *     generated column computed from the milliseconds when read, so the two can never
 *     disagree and the text costs no space. SQLite rounds the Julian day to whole
 *     milliseconds, so the text is exact. Bookkeeping instants (created, started, ...)
 *     are that same text, written by store.c; being fixed width, it sorts
 *     chronologically.
 *   - Text columns that an alert may leave empty are NOT NULL DEFAULT ''; NULL means
 *     "not applicable" (a finished time of a running run, an alert without a group).
 *   - Every child table has an index that starts with its foreign key, so that cascading
 *     deletes and "children of X" lookups never scan.
 *   - No column holds a real employee number: alerts name the pseudonym, and the
 *     pseudonyms table holds the number only sealed with the key (privacy/privacy.h).
 */
#ifndef WACHTER_STORE_SCHEMA_H
#define WACHTER_STORE_SCHEMA_H

/* "wach" in ASCII: PRAGMA application_id of every wachter database, so that a database of
 * another application is refused instead of migrated. */
#define STORE_APPLICATION_ID 0x77616368

/* clang-format off */
static const char *const store_migrations[] = {
    /* Version 1: runs, pseudonyms, alerts with indicators and evidence, the reveal log. */
    "CREATE TABLE runs (\n"
    "    id          INTEGER PRIMARY KEY,\n"
    "    dataset     TEXT NOT NULL,\n"
    "    started     TEXT NOT NULL,\n"
    "    finished    TEXT,\n"
    "    stats_json  TEXT CHECK (stats_json IS NULL OR json_valid(stats_json)),\n"
    "    alert_count INTEGER CHECK (alert_count IS NULL OR alert_count >= 0)\n"
    ");\n"
    "CREATE TABLE pseudonyms (\n"
    "    pseudonym   TEXT PRIMARY KEY CHECK (pseudonym GLOB 'P-*'),\n"
    "    sealed_user BLOB NOT NULL,\n"
    "    unit        TEXT NOT NULL DEFAULT '',\n"
    "    team        TEXT NOT NULL DEFAULT '',\n"
    "    role        TEXT NOT NULL DEFAULT '',\n"
    "    first_seen  TEXT NOT NULL,\n"
    "    updated     TEXT NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX pseudonyms_by_team ON pseudonyms (unit, team);\n"
    "CREATE TABLE alerts (\n"
    "    id        INTEGER PRIMARY KEY,\n"
    "    run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
    "    alert_ref TEXT NOT NULL,\n"
    "    pseudonym TEXT NOT NULL REFERENCES pseudonyms (pseudonym),\n"
    "    unit      TEXT NOT NULL DEFAULT '',\n"
    "    team      TEXT NOT NULL DEFAULT '',\n"
    "    role      TEXT NOT NULL DEFAULT '',\n"
    "    group_id  TEXT,\n"
    "    score     REAL NOT NULL,\n"
    "    first_ms  INTEGER NOT NULL,\n"
    "    first_ts  TEXT GENERATED ALWAYS AS\n"
    "              (strftime('%Y-%m-%dT%H:%M:%fZ', first_ms / 1000.0, 'unixepoch')) VIRTUAL,\n"
    "    last_ms   INTEGER NOT NULL,\n"
    "    last_ts   TEXT GENERATED ALWAYS AS\n"
    "              (strftime('%Y-%m-%dT%H:%M:%fZ', last_ms / 1000.0, 'unixepoch')) VIRTUAL,\n"
    "    status    TEXT NOT NULL DEFAULT 'new',\n"
    "    created   TEXT NOT NULL,\n"
    "    UNIQUE (run_id, alert_ref),\n"
    "    CHECK (last_ms >= first_ms)\n"
    ");\n"
    "CREATE INDEX alerts_queue ON alerts (status, score DESC);\n"
    "CREATE INDEX alerts_by_run_score ON alerts (run_id, score DESC);\n"
    "CREATE INDEX alerts_by_pseudonym ON alerts (pseudonym, first_ms);\n"
    "CREATE INDEX alerts_by_first ON alerts (first_ms);\n"
    "CREATE INDEX alerts_by_group ON alerts (group_id) WHERE group_id IS NOT NULL;\n"
    "CREATE TABLE alert_indicators (\n"
    "    id          INTEGER PRIMARY KEY,\n"
    "    alert_id    INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,\n"
    "    ordinal     INTEGER NOT NULL,\n"
    "    name        TEXT NOT NULL,\n"
    "    score       REAL NOT NULL,\n"
    "    text_en     TEXT NOT NULL DEFAULT '',\n"
    "    text_nl     TEXT NOT NULL DEFAULT '',\n"
    "    baseline_en TEXT NOT NULL DEFAULT '',\n"
    "    baseline_nl TEXT NOT NULL DEFAULT '',\n"
    "    UNIQUE (alert_id, ordinal)\n"
    ");\n"
    "CREATE TABLE evidence (\n"
    "    indicator_id INTEGER NOT NULL REFERENCES alert_indicators (id) ON DELETE CASCADE,\n"
    "    ordinal      INTEGER NOT NULL,\n"
    "    event_id     TEXT NOT NULL,\n"
    "    ts_ms        INTEGER NOT NULL,\n"
    "    ts           TEXT GENERATED ALWAYS AS\n"
    "                 (strftime('%Y-%m-%dT%H:%M:%fZ', ts_ms / 1000.0, 'unixepoch')) VIRTUAL,\n"
    "    system       TEXT NOT NULL DEFAULT '',\n"
    "    action       TEXT NOT NULL DEFAULT '',\n"
    "    subject_type TEXT NOT NULL DEFAULT '',\n"
    "    subject      TEXT NOT NULL DEFAULT '',\n"
    "    legitimation TEXT NOT NULL DEFAULT '',\n"
    "    note         TEXT NOT NULL DEFAULT '',\n"
    "    PRIMARY KEY (indicator_id, ordinal)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE reveal_log (\n"
    "    id      INTEGER PRIMARY KEY,\n"
    "    ts      TEXT NOT NULL,\n"
    "    run_id  INTEGER REFERENCES runs (id),\n"
    "    actor   TEXT NOT NULL CHECK (actor <> ''),\n"
    "    channel TEXT NOT NULL CHECK (channel <> ''),\n"
    "    reason  TEXT NOT NULL CHECK (reason <> '')\n"
    ");\n"
    "CREATE INDEX reveal_log_by_run ON reveal_log (run_id);\n"
    "CREATE TRIGGER reveal_log_no_update BEFORE UPDATE ON reveal_log\n"
    "BEGIN SELECT RAISE(ABORT, 'reveal_log is append-only'); END;\n"
    "CREATE TRIGGER reveal_log_no_delete BEFORE DELETE ON reveal_log\n"
    "BEGIN SELECT RAISE(ABORT, 'reveal_log is append-only'); END;\n",
};
/* clang-format on */

#define STORE_SCHEMA_VERSION ((int)(sizeof store_migrations / sizeof store_migrations[0]))

/* Every write transaction takes the write lock at its start (IMMEDIATE), so that it waits
 * for another writer at BEGIN (busy_timeout) rather than failing half-way. */
#define STORE_SQL_BEGIN "BEGIN IMMEDIATE"
#define STORE_SQL_COMMIT "COMMIT"
#define STORE_SQL_ROLLBACK "ROLLBACK"

/* The statements a handle prepares once at open and reuses as bind -> step -> reset. */
enum store_stmt {
    STMT_BEGIN,
    STMT_COMMIT,
    STMT_ROLLBACK,
    STMT_RUN_BEGIN,
    STMT_RUN_FINISH,
    STMT_PSEUDONYM_PUT,
    STMT_ALERT_INSERT,
    STMT_INDICATOR_INSERT,
    STMT_EVIDENCE_INSERT,
    STMT_REVEAL_INSERT,
    STMT_COUNT
};

static const char *const store_stmt_sql[STMT_COUNT] = {
    [STMT_BEGIN] = STORE_SQL_BEGIN,
    [STMT_COMMIT] = STORE_SQL_COMMIT,
    [STMT_ROLLBACK] = STORE_SQL_ROLLBACK,
    /* ?1 dataset, ?2 started */
    [STMT_RUN_BEGIN] = "INSERT INTO runs (dataset, started) VALUES (?1, ?2)",
    /* ?1 run id, ?2 finished, ?3 stats_json, ?4 alert_count; changes nothing when the run
     * does not exist or has finished already. */
    [STMT_RUN_FINISH] = "UPDATE runs SET finished = ?2, stats_json = ?3, alert_count = ?4 "
                        "WHERE id = ?1 AND finished IS NULL",
    /* ?1 pseudonym, ?2 sealed_user, ?3 unit, ?4 team, ?5 role, ?6 now. The sealed number
     * of an existing pseudonym is kept: it opens to the same employee number. */
    [STMT_PSEUDONYM_PUT] =
        "INSERT INTO pseudonyms (pseudonym, sealed_user, unit, team, role, first_seen, updated) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
        "ON CONFLICT (pseudonym) DO UPDATE SET unit = excluded.unit, team = excluded.team, "
        "role = excluded.role, updated = excluded.updated",
    [STMT_ALERT_INSERT] =
        "INSERT INTO alerts (run_id, alert_ref, pseudonym, unit, team, role, group_id, score, "
        "first_ms, last_ms, created) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [STMT_INDICATOR_INSERT] =
        "INSERT INTO alert_indicators (alert_id, ordinal, name, score, text_en, text_nl, "
        "baseline_en, baseline_nl) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [STMT_EVIDENCE_INSERT] =
        "INSERT INTO evidence (indicator_id, ordinal, event_id, ts_ms, system, action, "
        "subject_type, subject, legitimation, note) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    /* ?1 ts, ?2 run_id, ?3 actor, ?4 channel, ?5 reason */
    [STMT_REVEAL_INSERT] =
        "INSERT INTO reveal_log (ts, run_id, actor, channel, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
};

/* Reading the state of a database at open. */
#define STORE_SQL_APPLICATION_ID "PRAGMA application_id"
#define STORE_SQL_USER_VERSION "PRAGMA user_version"
#define STORE_SQL_COUNT_OBJECTS "SELECT count(*) FROM sqlite_schema"
#define STORE_SQL_JOURNAL_WAL "PRAGMA journal_mode = WAL"
/* Ends every migration, inside its transaction; PRAGMAs cannot take bound parameters, so
 * this is a printf format of (new version, application id). */
#define STORE_SQL_SET_VERSION_FMT "PRAGMA user_version = %d; PRAGMA application_id = %d;"
/* Run at close: lets SQLite refresh the statistics its query planner uses. */
#define STORE_SQL_OPTIMIZE "PRAGMA optimize"

/* Per-connection settings applied at open, before migrating. journal_mode=WAL persists in
 * the file; the rest hold for the connection. secure_delete overwrites deleted rows so
 * that data removed under the retention rules cannot be recovered from the file. */
static const char *const store_connection_pragmas = "PRAGMA foreign_keys = ON;\n"
                                                    "PRAGMA synchronous = NORMAL;\n"
                                                    "PRAGMA secure_delete = ON;\n"
                                                    "PRAGMA cache_size = -32768;\n"
                                                    "PRAGMA journal_size_limit = 67108864;\n";

#endif
