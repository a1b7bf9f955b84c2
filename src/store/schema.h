/*
 * schema.h - every line of SQL the store runs: the migrations and the prepared statements,
 * of SQLite (store.c, work.c, access.c) and, in the last section, of PostgreSQL (pg.c).
 *
 * Private to store/ (included by the store's own .c files, through store_int.h). Keeping
 * all SQL in one header lets a reader check the schema and every query against it in one place, as
 * Fluent Bit's in_tail does; docs/store.md explains the tables.
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
    /* Version 2: the analyst's workbench. Daily activity for the detail chart; users and
     * their sessions; the alert history and dispositions; cases of the integrity process
     * with their history; four-eyes re-identification requests; scoped exceptions; the
     * hash-chained audit log of the monitors; indexes for the queue's filters. */
    "CREATE TABLE activity (\n"
    "    run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
    "    pseudonym   TEXT NOT NULL REFERENCES pseudonyms (pseudonym),\n"
    "    day         INTEGER NOT NULL,\n"
    "    accesses    INTEGER NOT NULL CHECK (accesses >= 0),\n"
    "    unexplained INTEGER NOT NULL CHECK (unexplained >= 0),\n"
    "    peer_median REAL NOT NULL,\n"
    "    PRIMARY KEY (run_id, pseudonym, day)\n"
    ") WITHOUT ROWID;\n"
    "ALTER TABLE alerts ADD COLUMN disposition TEXT;\n"
    "ALTER TABLE alerts ADD COLUMN status_changed TEXT;\n"
    "CREATE INDEX alerts_by_score ON alerts (score DESC);\n"
    "CREATE INDEX alerts_by_unit ON alerts (unit, score DESC);\n"
    "CREATE INDEX alerts_by_status_unit ON alerts (status, unit, score DESC);\n"
    "CREATE INDEX alert_indicators_by_name ON alert_indicators (name, alert_id);\n"
    /* The queue filtered by indicator, as one covering index: per indicator of an alert,
     * the alert's status, score, unit and first_ms. Triggers keep it in step with
     * alert_indicators (insert) and alerts (status change, delete). */
    "CREATE TABLE alert_filter (\n"
    "    name     TEXT NOT NULL,\n"
    "    status   TEXT NOT NULL,\n"
    "    score    REAL NOT NULL,\n"
    "    alert_id INTEGER NOT NULL,\n"
    "    unit     TEXT NOT NULL,\n"
    "    first_ms INTEGER NOT NULL,\n"
    "    PRIMARY KEY (name, status, score DESC, alert_id)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX alert_filter_by_alert ON alert_filter (alert_id);\n"
    "CREATE INDEX alert_filter_by_score ON alert_filter (name, score DESC, unit, first_ms);\n"
    "INSERT INTO alert_filter (name, status, score, alert_id, unit, first_ms)\n"
    "    SELECT i.name, a.status, a.score, a.id, a.unit, a.first_ms\n"
    "    FROM alert_indicators i JOIN alerts a ON a.id = i.alert_id WHERE true\n"
    "    ON CONFLICT DO NOTHING;\n"
    "CREATE TRIGGER alert_filter_add AFTER INSERT ON alert_indicators BEGIN\n"
    "    INSERT INTO alert_filter (name, status, score, alert_id, unit, first_ms)\n"
    "    SELECT NEW.name, a.status, a.score, a.id, a.unit, a.first_ms FROM alerts a\n"
    "    WHERE a.id = NEW.alert_id ON CONFLICT DO NOTHING;\n"
    "END;\n"
    "CREATE TRIGGER alert_filter_status AFTER UPDATE OF status ON alerts BEGIN\n"
    "    UPDATE alert_filter SET status = NEW.status WHERE alert_id = NEW.id;\n"
    "END;\n"
    "CREATE TRIGGER alert_filter_remove AFTER DELETE ON alerts BEGIN\n"
    "    DELETE FROM alert_filter WHERE alert_id = OLD.id;\n"
    "END;\n"
    "CREATE TABLE users (\n"
    "    id         INTEGER PRIMARY KEY,\n"
    "    name       TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),\n"
    "    role       TEXT NOT NULL CHECK (role IN\n"
    "               ('analyst', 'supervisor', 'vik', 'privacy', 'council', 'admin')),\n"
    "    unit       TEXT NOT NULL DEFAULT '',\n"
    "    team       TEXT NOT NULL DEFAULT '',\n"
    "    lang       TEXT NOT NULL DEFAULT 'nl',\n"
    "    pwhash     TEXT NOT NULL,\n"
    "    created    TEXT NOT NULL,\n"
    "    created_by TEXT NOT NULL,\n"
    "    CHECK (role <> 'supervisor' OR (unit <> '' AND team <> ''))\n"
    ");\n"
    "CREATE TABLE sessions (\n"
    "    id_hash    BLOB PRIMARY KEY,\n"
    "    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,\n"
    "    csrf       TEXT NOT NULL,\n"
    "    created_ms INTEGER NOT NULL,\n"
    "    last_ms    INTEGER NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX sessions_by_user ON sessions (user_id);\n"
    "CREATE TABLE alert_history (\n"
    "    id       INTEGER PRIMARY KEY,\n"
    "    alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,\n"
    "    ts       TEXT NOT NULL,\n"
    "    actor    TEXT NOT NULL,\n"
    "    action   TEXT NOT NULL,\n"
    "    note     TEXT NOT NULL DEFAULT ''\n"
    ");\n"
    "CREATE INDEX alert_history_by_alert ON alert_history (alert_id, id);\n"
    "CREATE TABLE cases (\n"
    "    id                  INTEGER PRIMARY KEY,\n"
    "    alert_id            INTEGER NOT NULL UNIQUE REFERENCES alerts (id) ON DELETE CASCADE,\n"
    "    pseudonym           TEXT NOT NULL REFERENCES pseudonyms (pseudonym),\n"
    "    state               TEXT NOT NULL,\n"
    "    supervisor_visible  INTEGER NOT NULL DEFAULT 0 CHECK (supervisor_visible IN (0, 1)),\n"
    "    checklist           TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(checklist)),\n"
    "    decided_by          TEXT,\n"
    "    vik_advice_followed INTEGER CHECK (vik_advice_followed IN (0, 1)),\n"
    "    deviation           TEXT,\n"
    "    misconduct          TEXT,\n"
    "    outcome             TEXT,\n"
    "    created             TEXT NOT NULL,\n"
    "    updated             TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX cases_by_pseudonym ON cases (pseudonym);\n"
    "CREATE INDEX cases_by_state ON cases (state);\n"
    "CREATE TABLE case_history (\n"
    "    id         INTEGER PRIMARY KEY,\n"
    "    case_id    INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,\n"
    "    ts         TEXT NOT NULL,\n"
    "    actor      TEXT NOT NULL,\n"
    "    from_state TEXT,\n"
    "    to_state   TEXT NOT NULL,\n"
    "    note       TEXT NOT NULL,\n"
    "    detail     TEXT CHECK (detail IS NULL OR json_valid(detail))\n"
    ");\n"
    "CREATE INDEX case_history_by_case ON case_history (case_id, id);\n"
    "CREATE TABLE reveal_requests (\n"
    "    id             INTEGER PRIMARY KEY,\n"
    "    pseudonym      TEXT NOT NULL REFERENCES pseudonyms (pseudonym),\n"
    "    reason         TEXT NOT NULL CHECK (reason <> ''),\n"
    "    requester_id   INTEGER NOT NULL REFERENCES users (id),\n"
    "    requester_role TEXT NOT NULL,\n"
    "    requested_ms   INTEGER NOT NULL,\n"
    "    approver_id    INTEGER REFERENCES users (id),\n"
    "    approver_role  TEXT,\n"
    "    approved_ms    INTEGER,\n"
    "    expires_ms     INTEGER NOT NULL,\n"
    "    CHECK (approver_id IS NULL OR\n"
    "           (approver_id <> requester_id AND approver_role <> requester_role))\n"
    ");\n"
    "CREATE INDEX reveal_requests_by_requester ON reveal_requests (requester_id);\n"
    "CREATE TABLE exceptions (\n"
    "    id         INTEGER PRIMARY KEY,\n"
    "    pseudonym  TEXT NOT NULL REFERENCES pseudonyms (pseudonym),\n"
    "    indicator  TEXT NOT NULL DEFAULT '',\n"
    "    subject    TEXT NOT NULL DEFAULT '',\n"
    "    reason     TEXT NOT NULL CHECK (reason <> ''),\n"
    "    expires    TEXT NOT NULL CHECK (date(expires) = expires),\n"
    "    created    TEXT NOT NULL,\n"
    "    created_by TEXT NOT NULL,\n"
    "    CHECK (indicator <> '' OR subject <> '')\n"
    ");\n"
    "CREATE INDEX exceptions_by_pseudonym ON exceptions (pseudonym, expires);\n"
    "CREATE TABLE audit_log (\n"
    "    seq       INTEGER PRIMARY KEY,\n"
    "    ts        TEXT NOT NULL,\n"
    "    actor     TEXT NOT NULL,\n"
    "    action    TEXT NOT NULL,\n"
    "    object    TEXT NOT NULL DEFAULT '',\n"
    "    detail    TEXT NOT NULL DEFAULT '',\n"
    "    prev_hash BLOB NOT NULL,\n"
    "    hash      BLOB NOT NULL\n"
    ");\n"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log\n"
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;\n"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log\n"
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;\n"
    "CREATE TABLE audit_head (\n"
    "    id   INTEGER PRIMARY KEY CHECK (id = 1),\n"
    "    seq  INTEGER NOT NULL,\n"
    "    hash BLOB NOT NULL\n"
    ");\n",
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
    /* Version 2: the workbench. */
    STMT_ACTIVITY_DELETE,
    STMT_ACTIVITY_INSERT,
    STMT_USER_INSERT,
    STMT_USER_BY_NAME,
    STMT_USERS_JSON,
    STMT_SESSION_INSERT,
    STMT_SESSION_GET,
    STMT_SESSION_TOUCH,
    STMT_SESSION_DELETE,
    STMT_SESSION_EXPIRE,
    STMT_PSEUDONYM_EXISTS,
    STMT_PSEUDONYM_SEALED,
    STMT_ALERT_BRIEF,
    STMT_ALERT_DETAIL,
    STMT_ALERT_ACTIVITY,
    STMT_ALERT_SET_STATUS,
    STMT_ALERT_HISTORY_INSERT,
    STMT_CASE_INSERT,
    STMT_CASE_GET,
    STMT_CASE_UPDATE,
    STMT_CASE_HISTORY_INSERT,
    STMT_CASES_JSON,
    STMT_CASE_JSON,
    STMT_REVEAL_REQUEST_INSERT,
    STMT_REVEAL_GET,
    STMT_REVEAL_APPROVE,
    STMT_REVEAL_LIST_JSON,
    STMT_REVEAL_LOG_WEB,
    STMT_EXCEPTION_INSERT,
    STMT_EXCEPTIONS_JSON,
    STMT_EXCEPTIONS_ALL,
    STMT_AUDIT_HEAD,
    STMT_AUDIT_INSERT,
    STMT_AUDIT_HEAD_PUT,
    STMT_AUDIT_SCAN,
    STMT_AUDIT_JSON,
    STMT_AUDIT_COUNT,
    STMT_TRENDS_ALERTS,
    STMT_TRENDS_PRECISION,
    STMT_TRENDS_OUTCOMES,
    STMT_COUNCIL_ALERTS,
    STMT_COUNCIL_OUTCOMES,
    STMT_COUNCIL_USE,
    /* The live service (`wachter run`): one open run, alerts upserted as they grow. */
    STMT_RUN_STATS,
    STMT_ALERT_WITHDRAW,
    STMT_ALERT_UPSERT,
    STMT_INDICATOR_UPSERT,
    STMT_EVIDENCE_UPSERT,
    STMT_INDICATORS_TRIM,
    STMT_EVIDENCE_TRIM,
    STMT_ALERT_FILTER_CLEAR,
    STMT_ALERT_FILTER_FILL,
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

    /* ---- version 2: the workbench ---- */
    /* ?1 run id, ?2 pseudonym */
    [STMT_ACTIVITY_DELETE] = "DELETE FROM activity WHERE run_id = ?1 AND pseudonym = ?2",
    /* ?1 run id, ?2 pseudonym, ?3 day, ?4 accesses, ?5 unexplained, ?6 peer median */
    [STMT_ACTIVITY_INSERT] =
        "INSERT INTO activity (run_id, pseudonym, day, accesses, unexplained, peer_median) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    /* ?1 name, ?2 role, ?3 unit, ?4 team, ?5 pwhash, ?6 created, ?7 created_by */
    [STMT_USER_INSERT] = "INSERT INTO users (name, role, unit, team, pwhash, created, created_by) "
                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [STMT_USER_BY_NAME] =
        "SELECT id, name, role, unit, team, lang, pwhash FROM users WHERE name = ?1",
    [STMT_USERS_JSON] =
        "SELECT json_object('id', id, 'name', name, 'role', role, 'unit', unit, 'team', team, "
        "'lang', lang, 'created', created, 'created_by', created_by) FROM users ORDER BY name",
    /* ?1 id hash, ?2 user id, ?3 csrf, ?4 now (ms) */
    [STMT_SESSION_INSERT] = "INSERT INTO sessions (id_hash, user_id, csrf, created_ms, last_ms) "
                            "VALUES (?1, ?2, ?3, ?4, ?4)",
    [STMT_SESSION_GET] =
        "SELECT u.id, u.name, u.role, u.unit, u.team, u.lang, s.csrf, s.created_ms, s.last_ms "
        "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?1",
    [STMT_SESSION_TOUCH] = "UPDATE sessions SET last_ms = ?2 WHERE id_hash = ?1",
    [STMT_SESSION_DELETE] = "DELETE FROM sessions WHERE id_hash = ?1",
    /* ?1 idle limit (last use before it), ?2 age limit (created before it) */
    [STMT_SESSION_EXPIRE] = "DELETE FROM sessions WHERE last_ms < ?1 OR created_ms < ?2",
    [STMT_PSEUDONYM_EXISTS] = "SELECT 1 FROM pseudonyms WHERE pseudonym = ?1",
    [STMT_PSEUDONYM_SEALED] = "SELECT sealed_user FROM pseudonyms WHERE pseudonym = ?1",
    /* Who may see an alert: its status, the employee's current unit and team (the
     * pseudonyms table; a supervisor sees their own people), and its case. */
    [STMT_ALERT_BRIEF] =
        "SELECT a.id, a.status, a.pseudonym, p.unit, p.team, a.run_id, c.id, "
        "c.supervisor_visible FROM alerts a JOIN pseudonyms p ON p.pseudonym = a.pseudonym "
        "LEFT JOIN cases c ON c.alert_id = a.id WHERE a.id = ?1",
    /* The detail of docs/api.md as one JSON text. json() keeps nested JSON as JSON. */
    [STMT_ALERT_DETAIL] =
        "SELECT json_object('id', a.id, 'ref', a.alert_ref, 'pseudonym', a.pseudonym, "
        "'score', a.score, 'first_ts', a.first_ts, 'last_ts', a.last_ts, 'status', a.status, "
        "'disposition', a.disposition, 'unit', a.unit, 'team', a.team, 'role', a.role, "
        "'group', a.group_id, 'run_id', a.run_id, "
        "'indicators', json((SELECT json_group_array(json_object('name', i.name, "
        "'score', i.score, 'text_en', i.text_en, 'text_nl', i.text_nl, "
        "'baseline_en', i.baseline_en, 'baseline_nl', i.baseline_nl, "
        "'events', json((SELECT json_group_array(json_object('event_id', e.event_id, "
        "'ts', e.ts, 'system', e.system, 'action', e.action, 'subject_type', e.subject_type, "
        "'subject', e.subject, 'legitimation', e.legitimation, 'note', e.note)) "
        "FROM (SELECT * FROM evidence WHERE indicator_id = i.id ORDER BY ordinal) e)))) "
        "FROM (SELECT * FROM alert_indicators WHERE alert_id = a.id ORDER BY ordinal) i)), "
        "'history', json((SELECT json_group_array(json_object('ts', h.ts, 'actor', h.actor, "
        "'action', h.action, 'note', h.note)) "
        "FROM (SELECT * FROM alert_history WHERE alert_id = a.id ORDER BY id) h)), "
        "'case_id', (SELECT id FROM cases WHERE alert_id = a.id)) "
        "FROM alerts a WHERE a.id = ?1",
    /* ?1 run id, ?2 pseudonym */
    [STMT_ALERT_ACTIVITY] =
        "SELECT json_object('days', json((SELECT json_group_array(json_object("
        "'date', date(day * 86400, 'unixepoch'), 'accesses', accesses, "
        "'unexplained', unexplained, 'peer_median', peer_median)) "
        "FROM (SELECT * FROM activity WHERE run_id = ?1 AND pseudonym = ?2 ORDER BY day))))",
    /* ?1 alert id, ?2 new status, ?3 disposition, ?4 now. Only a new alert changes. */
    [STMT_ALERT_SET_STATUS] = "UPDATE alerts SET status = ?2, disposition = ?3, "
                              "status_changed = ?4 WHERE id = ?1 AND status = 'new'",
    /* ?1 alert id, ?2 ts, ?3 actor, ?4 action, ?5 note */
    [STMT_ALERT_HISTORY_INSERT] =
        "INSERT INTO alert_history (alert_id, ts, actor, action, note) VALUES (?1, ?2, ?3, ?4, ?5)",
    /* ?1 alert id, ?2 pseudonym, ?3 state, ?4 supervisor_visible, ?5 now */
    [STMT_CASE_INSERT] = "INSERT INTO cases (alert_id, pseudonym, state, supervisor_visible, "
                         "created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    [STMT_CASE_GET] = "SELECT c.id, c.alert_id, c.state, c.pseudonym, p.unit, p.team, "
                      "c.supervisor_visible, c.checklist FROM cases c "
                      "JOIN pseudonyms p ON p.pseudonym = c.pseudonym WHERE c.id = ?1",
    /* ?1 id, ?2 expected state, ?3 new state, ?4 supervisor_visible (only ever raised),
     * ?5 checklist, ?6 decided_by, ?7 vik_advice_followed, ?8 deviation, ?9 misconduct,
     * ?10 outcome (NULL keeps the stored value), ?11 now. Changes nothing when the state
     * moved meanwhile. */
    [STMT_CASE_UPDATE] =
        "UPDATE cases SET state = ?3, supervisor_visible = max(supervisor_visible, ?4), "
        "checklist = coalesce(?5, checklist), decided_by = coalesce(?6, decided_by), "
        "vik_advice_followed = coalesce(?7, vik_advice_followed), "
        "deviation = coalesce(?8, deviation), misconduct = coalesce(?9, misconduct), "
        "outcome = coalesce(?10, outcome), updated = ?11 WHERE id = ?1 AND state = ?2",
    /* ?1 case id, ?2 ts, ?3 actor, ?4 from, ?5 to, ?6 note, ?7 detail JSON */
    [STMT_CASE_HISTORY_INSERT] =
        "INSERT INTO case_history (case_id, ts, actor, from_state, to_state, note, detail) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    /* ?1 unit, ?2 team (NULL: every case), ?3 limit, ?4 offset */
    [STMT_CASES_JSON] =
        "SELECT json_object('id', c.id, 'alert_id', c.alert_id, 'ref', a.alert_ref, "
        "'pseudonym', c.pseudonym, 'unit', p.unit, 'team', p.team, 'state', c.state, "
        "'created', c.created, 'updated', c.updated) FROM cases c "
        "JOIN alerts a ON a.id = c.alert_id JOIN pseudonyms p ON p.pseudonym = c.pseudonym "
        "WHERE ?1 IS NULL OR (c.supervisor_visible = 1 AND p.unit = ?1 AND p.team = ?2) "
        "ORDER BY c.updated DESC, c.id DESC LIMIT ?3 OFFSET ?4",
    [STMT_CASE_JSON] =
        "SELECT json_object('id', c.id, 'alert_id', c.alert_id, 'ref', a.alert_ref, "
        "'pseudonym', c.pseudonym, 'unit', p.unit, 'team', p.team, 'state', c.state, "
        "'created', c.created, 'updated', c.updated, 'checklist', json(c.checklist), "
        "'decision', json(CASE WHEN c.decided_by IS NULL THEN NULL ELSE json_object("
        "'decided_by', c.decided_by, 'vik_advice_followed', "
        "json(CASE c.vik_advice_followed WHEN 1 THEN 'true' ELSE 'false' END), "
        "'deviation', c.deviation) END), "
        "'outcome', json(CASE WHEN c.outcome IS NULL THEN NULL ELSE json_object("
        "'misconduct', c.misconduct, 'outcome', c.outcome) END), "
        "'history', json((SELECT json_group_array(json_object('ts', h.ts, 'actor', h.actor, "
        "'from', h.from_state, 'to', h.to_state, 'note', h.note, 'detail', json(h.detail))) "
        "FROM (SELECT * FROM case_history WHERE case_id = c.id ORDER BY id) h))) "
        "FROM cases c JOIN alerts a ON a.id = c.alert_id "
        "JOIN pseudonyms p ON p.pseudonym = c.pseudonym WHERE c.id = ?1",
    /* ?1 pseudonym, ?2 reason, ?3 requester id, ?4 requester role, ?5 now, ?6 expires */
    [STMT_REVEAL_REQUEST_INSERT] =
        "INSERT INTO reveal_requests (pseudonym, reason, requester_id, requester_role, "
        "requested_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [STMT_REVEAL_GET] =
        "SELECT id, pseudonym, reason, requester_id, requester_role, requested_ms, "
        "coalesce(approver_id, 0), coalesce(approver_role, ''), coalesce(approved_ms, 0), "
        "expires_ms FROM reveal_requests WHERE id = ?1",
    /* ?1 id, ?2 approver id, ?3 approver role, ?4 now, ?5 new expiry. Only a pending,
     * unexpired request changes; the table's CHECK refuses the requester and their role. */
    [STMT_REVEAL_APPROVE] =
        "UPDATE reveal_requests SET approver_id = ?2, approver_role = ?3, approved_ms = ?4, "
        "expires_ms = ?5 WHERE id = ?1 AND approver_id IS NULL AND expires_ms > ?4",
    /* ?1 now (ms) */
    [STMT_REVEAL_LIST_JSON] =
        "SELECT json_object('id', r.id, 'pseudonym', r.pseudonym, 'reason', r.reason, "
        "'requester', u.name, 'requester_role', r.requester_role, "
        "'requested', strftime('%Y-%m-%dT%H:%M:%fZ', r.requested_ms / 1000.0, 'unixepoch'), "
        "'approver', v.name, 'status', CASE WHEN r.expires_ms <= ?1 THEN 'expired' "
        "WHEN r.approver_id IS NULL THEN 'pending' ELSE 'approved' END, "
        "'expires', strftime('%Y-%m-%dT%H:%M:%fZ', r.expires_ms / 1000.0, 'unixepoch')) "
        "FROM reveal_requests r JOIN users u ON u.id = r.requester_id "
        "LEFT JOIN users v ON v.id = r.approver_id ORDER BY r.id DESC LIMIT 200",
    /* ?1 ts, ?2 actor, ?3 channel, ?4 reason: a reveal not tied to one run */
    [STMT_REVEAL_LOG_WEB] = "INSERT INTO reveal_log (ts, run_id, actor, channel, reason) "
                            "VALUES (?1, NULL, ?2, ?3, ?4)",
    /* ?1 pseudonym, ?2 indicator, ?3 subject, ?4 reason, ?5 expires, ?6 now, ?7 by */
    [STMT_EXCEPTION_INSERT] =
        "INSERT INTO exceptions (pseudonym, indicator, subject, reason, expires, created, "
        "created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    /* ?1 today (YYYY-MM-DD) */
    [STMT_EXCEPTIONS_JSON] =
        "SELECT json_object('id', id, 'pseudonym', pseudonym, 'indicator', indicator, "
        "'subject', subject, 'reason', reason, 'expires', expires, 'created', created, "
        "'created_by', created_by, 'active', json(CASE WHEN expires >= ?1 THEN 'true' "
        "ELSE 'false' END)) FROM exceptions ORDER BY id DESC",
    /* every exception, for the engine to suppress signals with */
    [STMT_EXCEPTIONS_ALL] = "SELECT pseudonym, indicator, subject, expires FROM exceptions "
                            "ORDER BY id",
    [STMT_AUDIT_HEAD] = "SELECT seq, hash FROM audit_head WHERE id = 1",
    /* ?1 seq, ?2 ts, ?3 actor, ?4 action, ?5 object, ?6 detail, ?7 prev_hash, ?8 hash */
    [STMT_AUDIT_INSERT] =
        "INSERT INTO audit_log (seq, ts, actor, action, object, detail, prev_hash, hash) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [STMT_AUDIT_HEAD_PUT] =
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2) "
        "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    [STMT_AUDIT_SCAN] = "SELECT seq, ts, actor, action, object, detail, prev_hash, hash "
                        "FROM audit_log ORDER BY seq",
    /* ?1 limit, ?2 offset, ?3 actor or NULL, ?4 action or NULL */
    [STMT_AUDIT_JSON] =
        "SELECT json_object('seq', seq, 'ts', ts, 'actor', actor, 'action', action, "
        "'object', object, 'detail', detail, 'hash', lower(hex(hash))) FROM audit_log "
        "WHERE (?3 IS NULL OR actor = ?3) AND (?4 IS NULL OR action = ?4) "
        "ORDER BY seq DESC LIMIT ?1 OFFSET ?2",
    [STMT_AUDIT_COUNT] = "SELECT count(*) FROM audit_log "
                         "WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2)",
    /* Trends: column names are the JSON field names and the CSV header. */
    [STMT_TRENDS_ALERTS] =
        "SELECT strftime('%Y-%m', a.first_ms / 1000, 'unixepoch') AS month, a.unit AS unit, "
        "i.name AS indicator, count(*) AS alerts, total(a.status = 'new') AS open, "
        "total(a.status = 'dismissed') AS dismissed, "
        "total(a.disposition = 'false_positive') AS false_positive, "
        "total(a.status = 'escalated') AS escalated FROM alerts a "
        "JOIN alert_indicators i ON i.alert_id = a.id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    [STMT_TRENDS_PRECISION] =
        "SELECT i.name AS indicator, count(*) AS alerts, "
        "total(a.status = 'escalated') AS escalated, "
        "total(a.disposition = 'false_positive') AS false_positive, "
        "total(c.misconduct IS NOT NULL AND c.misconduct <> 'geen_plichtsverzuim') "
        "AS confirmed, round(total(a.status = 'escalated') / nullif(total(a.status = "
        "'escalated') + total(a.disposition = 'false_positive'), 0), 3) AS precision "
        "FROM alert_indicators i JOIN alerts a ON a.id = i.alert_id "
        "LEFT JOIN cases c ON c.alert_id = a.id GROUP BY 1 ORDER BY 1",
    [STMT_TRENDS_OUTCOMES] =
        "SELECT substr(c.updated, 1, 7) AS month, p.unit AS unit, c.misconduct AS misconduct, "
        "c.outcome AS outcome, count(*) AS cases FROM cases c "
        "JOIN pseudonyms p ON p.pseudonym = c.pseudonym WHERE c.outcome IS NOT NULL "
        "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
    /* Works council: aggregates only; a count of 1..4 is NULL (suppressed). */
    [STMT_COUNCIL_ALERTS] =
        "SELECT month, unit, iif(alerts BETWEEN 1 AND 4, NULL, alerts) AS alerts, "
        "iif(dismissed BETWEEN 1 AND 4, NULL, dismissed) AS dismissed, "
        "iif(escalated BETWEEN 1 AND 4, NULL, escalated) AS escalated FROM ("
        "SELECT strftime('%Y-%m', first_ms / 1000, 'unixepoch') AS month, unit, "
        "count(*) AS alerts, sum(status = 'dismissed') AS dismissed, "
        "sum(status = 'escalated') AS escalated FROM alerts GROUP BY 1, 2) ORDER BY 1, 2",
    [STMT_COUNCIL_OUTCOMES] =
        "SELECT month, outcome, iif(cases BETWEEN 1 AND 4, NULL, cases) AS cases FROM ("
        "SELECT substr(updated, 1, 7) AS month, outcome, count(*) AS cases FROM cases "
        "WHERE outcome IS NOT NULL GROUP BY 1, 2) ORDER BY 1, 2",
    [STMT_COUNCIL_USE] = "SELECT month, action, iif(n BETWEEN 1 AND 4, NULL, n) AS count FROM ("
                         "SELECT substr(ts, 1, 7) AS month, action, count(*) AS n FROM audit_log "
                         "GROUP BY 1, 2) ORDER BY 1, 2",

    /* ---- the live service: upserting the alerts of one open run ---- */
    /* ?1 run id, ?2 stats_json, ?3 alert_count; changes nothing when the run does not
     * exist or has finished. */
    [STMT_RUN_STATS] = "UPDATE runs SET stats_json = ?2, alert_count = ?3 "
                       "WHERE id = ?1 AND finished IS NULL",
    /* ?1 run id, ?2 alert ref; only an alert no analyst has decided on changes */
    [STMT_ALERT_WITHDRAW] = "UPDATE alerts SET status = 'withdrawn' "
                            "WHERE run_id = ?1 AND alert_ref = ?2 AND status = 'new'",
    /* ?1..?11 as STMT_ALERT_INSERT. An alert already stored in the run keeps its id,
     * status, created time, history and case, and is updated only when it names the same
     * pseudonym; no row comes back otherwise. */
    [STMT_ALERT_UPSERT] =
        "INSERT INTO alerts (run_id, alert_ref, pseudonym, unit, team, role, group_id, score, "
        "first_ms, last_ms, created) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
        "ON CONFLICT (run_id, alert_ref) DO UPDATE SET unit = excluded.unit, "
        "team = excluded.team, role = excluded.role, group_id = excluded.group_id, "
        "score = excluded.score, first_ms = excluded.first_ms, last_ms = excluded.last_ms "
        "WHERE alerts.pseudonym = excluded.pseudonym RETURNING id",
    /* Children are rewritten in place by (parent, ordinal), so that an unchanged alert
     * keeps the same rows and ids: re-upserting it changes nothing. ?1..?8 as
     * STMT_INDICATOR_INSERT. */
    [STMT_INDICATOR_UPSERT] =
        "INSERT INTO alert_indicators (alert_id, ordinal, name, score, text_en, text_nl, "
        "baseline_en, baseline_nl) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
        "ON CONFLICT (alert_id, ordinal) DO UPDATE SET name = excluded.name, "
        "score = excluded.score, text_en = excluded.text_en, text_nl = excluded.text_nl, "
        "baseline_en = excluded.baseline_en, baseline_nl = excluded.baseline_nl RETURNING id",
    /* ?1..?10 as STMT_EVIDENCE_INSERT. */
    [STMT_EVIDENCE_UPSERT] =
        "INSERT INTO evidence (indicator_id, ordinal, event_id, ts_ms, system, action, "
        "subject_type, subject, legitimation, note) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
        "ON CONFLICT (indicator_id, ordinal) DO UPDATE SET event_id = excluded.event_id, "
        "ts_ms = excluded.ts_ms, system = excluded.system, action = excluded.action, "
        "subject_type = excluded.subject_type, subject = excluded.subject, "
        "legitimation = excluded.legitimation, note = excluded.note",
    /* ?1 alert id, ?2 number of indicators it has now (their evidence cascades) */
    [STMT_INDICATORS_TRIM] = "DELETE FROM alert_indicators WHERE alert_id = ?1 AND ordinal >= ?2",
    /* ?1 indicator id, ?2 number of evidence events it has now */
    [STMT_EVIDENCE_TRIM] = "DELETE FROM evidence WHERE indicator_id = ?1 AND ordinal >= ?2",
    /* ?1 alert id. alert_filter has no trigger for changed or deleted indicators, nor for
     * a changed score, unit or first_ms: the upsert rebuilds the alert's rows from its
     * current indicators (status from the alert, so a decided alert stays decided). */
    [STMT_ALERT_FILTER_CLEAR] = "DELETE FROM alert_filter WHERE alert_id = ?1",
    [STMT_ALERT_FILTER_FILL] =
        "INSERT INTO alert_filter (name, status, score, alert_id, unit, first_ms) "
        "SELECT i.name, a.status, a.score, a.id, a.unit, a.first_ms "
        "FROM alert_indicators i JOIN alerts a ON a.id = i.alert_id WHERE a.id = ?1 "
        "ON CONFLICT DO NOTHING",
};

/* The alert queue of docs/api.md: the filters a request uses select the clauses, so the
 * store prepares (once per handle, on first use) one statement per combination of
 * filters, each of which the planner can serve from an index (alerts_queue,
 * alerts_by_unit, alerts_by_status_unit, alerts_by_first; with an indicator, the covering
 * primary key of alert_filter, so neither the count nor the page reads 25,000 alerts).
 * Parameters: ?1 status, ?2 unit, ?3 indicator, ?4 from (ms, inclusive), ?5 to (ms,
 * exclusive) on first_ms, ?6 limit, ?7 offset. Filter i of store_queue_filters applies
 * to alias "a" (alerts) and to alias "f" (alert_filter) alike, as its text names "q.",
 * which store.c replaces by the alias of the variant. */
#define STORE_SQL_QUEUE_ITEM                                                                       \
    "SELECT json_object('id', a.id, 'ref', a.alert_ref, 'pseudonym', a.pseudonym, "                \
    "'score', a.score, 'first_ts', a.first_ts, 'last_ts', a.last_ts, 'status', a.status, "         \
    "'unit', a.unit, 'role', a.role, 'group', a.group_id, "                                        \
    "'indicators', json((SELECT json_group_array(name) FROM (SELECT name FROM "                    \
    "alert_indicators WHERE alert_id = a.id ORDER BY ordinal))))"
#define STORE_SQL_QUEUE_PAGE STORE_SQL_QUEUE_ITEM " FROM alerts a WHERE 1"
#define STORE_SQL_QUEUE_COUNT "SELECT count(*) FROM alerts a WHERE 1"
#define STORE_SQL_QUEUE_ORDER " ORDER BY a.score DESC, a.id LIMIT ?6 OFFSET ?7"
#define STORE_SQL_QUEUE_PAGE_IND                                                                   \
    STORE_SQL_QUEUE_ITEM " FROM alert_filter f JOIN alerts a ON a.id = f.alert_id "                \
                         "WHERE f.name = ?3"
#define STORE_SQL_QUEUE_COUNT_IND "SELECT count(*) FROM alert_filter f WHERE f.name = ?3"
#define STORE_SQL_QUEUE_ORDER_IND " ORDER BY f.score DESC, f.alert_id LIMIT ?6 OFFSET ?7"
static const char *const store_queue_filters[] = {
    " AND q.status = ?1",
    " AND q.unit = ?2",
    "", /* the indicator: the variant's FROM clause */
    " AND q.first_ms >= ?4",
    " AND q.first_ms < ?5",
};
#define STORE_QUEUE_FILTERS ((int)(sizeof store_queue_filters / sizeof store_queue_filters[0]))

/* Reading the state of a database at open. */
/* application_id, user_version and the number of schema objects, read in one statement
 * so that they come from one snapshot: read one by one, they could straddle another
 * process's first migration (no id yet, but tables) and refuse a good database. */
#define STORE_SQL_IDENTITY                                                                         \
    "SELECT (SELECT application_id FROM pragma_application_id), "                                  \
    "(SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_schema)"
#define STORE_SQL_USER_VERSION "PRAGMA user_version"
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

/* ==== PostgreSQL: the write path of analyze and run (pg.c) ===============================
 *
 * The same tables and columns as the SQLite schema's write path, in PostgreSQL types:
 * BIGSERIAL keys, BIGINT milliseconds, DOUBLE PRECISION scores, BYTEA sealed numbers,
 * JSONB statistics. The *_ts texts are STORED generated columns (PostgreSQL has no
 * virtual ones) computed by wachter_utc_text, the same text SQLite's strftime gives.
 * Bookkeeping instants stay the fixed-width UTC text store.c writes.
 *
 * pg_migrations[i] takes a database from version i to i + 1, like store_migrations[],
 * and the two lists have the same length (pg.c checks it at compile time), so that
 * store_schema_version() names the version of either backend. A SQLite migration that
 * concerns only the workbench has an empty PostgreSQL counterpart. The applied versions
 * are rows of wachter_schema, written by pg.c in the migration's own transaction. */

/* clang-format off */
static const char *const pg_migrations[] = {
    /* Version 1: runs, pseudonyms, alerts with indicators and evidence, the reveal log. */
    "CREATE FUNCTION wachter_utc_text(ms BIGINT) RETURNS TEXT\n"
    "    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$\n"
    "    SELECT to_char(TIMESTAMP '1970-01-01' + ms * INTERVAL '1 millisecond',\n"
    "                   'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') $$;\n"
    "CREATE TABLE runs (\n"
    "    id          BIGSERIAL PRIMARY KEY,\n"
    "    dataset     TEXT NOT NULL,\n"
    "    started     TEXT NOT NULL,\n"
    "    finished    TEXT,\n"
    "    stats_json  JSONB,\n"
    "    alert_count BIGINT CHECK (alert_count IS NULL OR alert_count >= 0)\n"
    ");\n"
    "CREATE TABLE pseudonyms (\n"
    "    pseudonym   TEXT PRIMARY KEY CHECK (pseudonym LIKE 'P-%'),\n"
    "    sealed_user BYTEA NOT NULL,\n"
    "    unit        TEXT NOT NULL DEFAULT '',\n"
    "    team        TEXT NOT NULL DEFAULT '',\n"
    "    role        TEXT NOT NULL DEFAULT '',\n"
    "    first_seen  TEXT NOT NULL,\n"
    "    updated     TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX pseudonyms_by_team ON pseudonyms (unit, team);\n"
    "CREATE TABLE alerts (\n"
    "    id        BIGSERIAL PRIMARY KEY,\n"
    "    run_id    BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
    "    alert_ref TEXT NOT NULL,\n"
    "    pseudonym TEXT NOT NULL REFERENCES pseudonyms (pseudonym),\n"
    "    unit      TEXT NOT NULL DEFAULT '',\n"
    "    team      TEXT NOT NULL DEFAULT '',\n"
    "    role      TEXT NOT NULL DEFAULT '',\n"
    "    group_id  TEXT,\n"
    "    score     DOUBLE PRECISION NOT NULL,\n"
    "    first_ms  BIGINT NOT NULL,\n"
    "    first_ts  TEXT GENERATED ALWAYS AS (wachter_utc_text(first_ms)) STORED,\n"
    "    last_ms   BIGINT NOT NULL,\n"
    "    last_ts   TEXT GENERATED ALWAYS AS (wachter_utc_text(last_ms)) STORED,\n"
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
    "    id          BIGSERIAL PRIMARY KEY,\n"
    "    alert_id    BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,\n"
    "    ordinal     INTEGER NOT NULL,\n"
    "    name        TEXT NOT NULL,\n"
    "    score       DOUBLE PRECISION NOT NULL,\n"
    "    text_en     TEXT NOT NULL DEFAULT '',\n"
    "    text_nl     TEXT NOT NULL DEFAULT '',\n"
    "    baseline_en TEXT NOT NULL DEFAULT '',\n"
    "    baseline_nl TEXT NOT NULL DEFAULT '',\n"
    "    UNIQUE (alert_id, ordinal)\n"
    ");\n"
    "CREATE TABLE evidence (\n"
    "    indicator_id BIGINT NOT NULL REFERENCES alert_indicators (id) ON DELETE CASCADE,\n"
    "    ordinal      INTEGER NOT NULL,\n"
    "    event_id     TEXT NOT NULL,\n"
    "    ts_ms        BIGINT NOT NULL,\n"
    "    ts           TEXT GENERATED ALWAYS AS (wachter_utc_text(ts_ms)) STORED,\n"
    "    system       TEXT NOT NULL DEFAULT '',\n"
    "    action       TEXT NOT NULL DEFAULT '',\n"
    "    subject_type TEXT NOT NULL DEFAULT '',\n"
    "    subject      TEXT NOT NULL DEFAULT '',\n"
    "    legitimation TEXT NOT NULL DEFAULT '',\n"
    "    note         TEXT NOT NULL DEFAULT '',\n"
    "    PRIMARY KEY (indicator_id, ordinal)\n"
    ");\n"
    "CREATE TABLE reveal_log (\n"
    "    id      BIGSERIAL PRIMARY KEY,\n"
    "    ts      TEXT NOT NULL,\n"
    "    run_id  BIGINT REFERENCES runs (id),\n"
    "    actor   TEXT NOT NULL CHECK (actor <> ''),\n"
    "    channel TEXT NOT NULL CHECK (channel <> ''),\n"
    "    reason  TEXT NOT NULL CHECK (reason <> '')\n"
    ");\n"
    "CREATE INDEX reveal_log_by_run ON reveal_log (run_id);\n"
    "CREATE FUNCTION wachter_append_only() RETURNS trigger LANGUAGE plpgsql AS $$\n"
    "    BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;\n"
    "CREATE TRIGGER reveal_log_no_change BEFORE UPDATE OR DELETE ON reveal_log\n"
    "    FOR EACH ROW EXECUTE FUNCTION wachter_append_only();\n"
    "CREATE TRIGGER reveal_log_no_truncate BEFORE TRUNCATE ON reveal_log\n"
    "    FOR EACH STATEMENT EXECUTE FUNCTION wachter_append_only();\n",
    /* Version 2: of the workbench's tables, those analyze and run write or read - the
     * daily activity for the detail chart and the exceptions the engine applies. */
    "CREATE TABLE activity (\n"
    "    run_id      BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,\n"
    "    pseudonym   TEXT NOT NULL REFERENCES pseudonyms (pseudonym),\n"
    "    day         INTEGER NOT NULL,\n"
    "    accesses    BIGINT NOT NULL CHECK (accesses >= 0),\n"
    "    unexplained BIGINT NOT NULL CHECK (unexplained >= 0),\n"
    "    peer_median DOUBLE PRECISION NOT NULL,\n"
    "    PRIMARY KEY (run_id, pseudonym, day)\n"
    ");\n"
    "CREATE TABLE exceptions (\n"
    "    id         BIGSERIAL PRIMARY KEY,\n"
    "    pseudonym  TEXT NOT NULL REFERENCES pseudonyms (pseudonym),\n"
    "    indicator  TEXT NOT NULL DEFAULT '',\n"
    "    subject    TEXT NOT NULL DEFAULT '',\n"
    "    reason     TEXT NOT NULL CHECK (reason <> ''),\n"
    "    expires    TEXT NOT NULL CHECK (expires ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'\n"
    "                                    AND to_char(expires::date, 'YYYY-MM-DD') = expires),\n"
    "    created    TEXT NOT NULL,\n"
    "    created_by TEXT NOT NULL,\n"
    "    CHECK (indicator <> '' OR subject <> '')\n"
    ");\n"
    "CREATE INDEX exceptions_by_pseudonym ON exceptions (pseudonym, expires);\n",
};
/* clang-format on */

#define PG_SCHEMA_VERSION ((int)(sizeof pg_migrations / sizeof pg_migrations[0]))

/* Opening. Every migration check runs inside one transaction that first takes the
 * advisory lock PG_MIGRATION_LOCK ($1: STORE_APPLICATION_ID), so instances starting at
 * once migrate one after another and each migration is applied exactly once. */
#define PG_SQL_BEGIN "BEGIN"
#define PG_SQL_COMMIT "COMMIT"
#define PG_SQL_ROLLBACK "ROLLBACK"
#define PG_SQL_MIGRATION_LOCK "SELECT pg_advisory_xact_lock($1)"
/* Whether the current schema holds wachter_schema, and how many tables it holds. */
#define PG_SQL_IDENTITY                                                                            \
    "SELECT count(*) FILTER (WHERE tablename = 'wachter_schema'), count(*) "                       \
    "FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
#define PG_SQL_SCHEMA_CREATE                                                                       \
    "CREATE TABLE wachter_schema (\n"                                                              \
    "    version INTEGER PRIMARY KEY CHECK (version > 0),\n"                                       \
    "    applied TEXT NOT NULL\n"                                                                  \
    ")"
#define PG_SQL_SCHEMA_VERSION "SELECT coalesce(max(version), 0) FROM wachter_schema"
/* $1 version, $2 now */
#define PG_SQL_SCHEMA_RECORD "INSERT INTO wachter_schema (version, applied) VALUES ($1, $2)"

/* The statements a PostgreSQL handle prepares once at open (PQprepare).
 *
 * A batch of alerts is sent in pipeline mode, without waiting for any answer, so a child
 * cannot be given its parent's id by the client. Nor does it look its parent up: the
 * statement that stores an alert (or indicator) sets the transaction-local setting
 * wachter.alert_id (wachter.indicator_id) to the id it stored, through set_config over
 * its RETURNING clause, and the statements of its children, which the server runs next,
 * read it with current_setting. A lookup by (run_id, alert_ref) would cost more, and in
 * a transaction that inserts thousands of alerts into a table whose statistics still say
 * "empty", the planner serves it from alerts_by_run_score, scanning the whole run for
 * each event. The upsert of an alert returns no row (sets nothing) when the run holds
 * the alert for another pseudonym; pg.c then fails and rolls back the batch. */
enum pg_stmt {
    PG_RUN_BEGIN,
    PG_RUN_FINISH,
    PG_RUN_STATS,
    PG_ALERT_WITHDRAW,
    PG_PSEUDONYM_PUT,
    PG_ALERT_INSERT,
    PG_ALERT_UPSERT,
    PG_INDICATOR_PUT,
    PG_EVIDENCE_PUT,
    PG_INDICATORS_TRIM,
    PG_EVIDENCE_TRIM,
    PG_REVEAL_INSERT,
    PG_ACTIVITY_DELETE,
    PG_ACTIVITY_INSERT,
    PG_EXCEPTIONS_ALL,
    PG_STMT_COUNT
};

static const char *const pg_stmt_sql[PG_STMT_COUNT] = {
    /* $1 dataset, $2 started */
    [PG_RUN_BEGIN] = "INSERT INTO runs (dataset, started) VALUES ($1, $2) RETURNING id",
    /* $1 run id, $2 finished, $3 stats JSON, $4 alert count; only an open run changes */
    [PG_RUN_FINISH] = "UPDATE runs SET finished = $2, stats_json = $3, alert_count = $4 "
                      "WHERE id = $1 AND finished IS NULL",
    /* $1 run id, $2 stats JSON, $3 alert count; only an open run changes */
    [PG_RUN_STATS] = "UPDATE runs SET stats_json = $2, alert_count = $3 "
                     "WHERE id = $1 AND finished IS NULL",
    /* $1 run id, $2 alert ref; only an alert no analyst has decided on changes */
    [PG_ALERT_WITHDRAW] = "UPDATE alerts SET status = 'withdrawn' "
                          "WHERE run_id = $1 AND alert_ref = $2 AND status = 'new'",
    /* $1 pseudonym, $2 sealed (binary), $3 unit, $4 team, $5 role, $6 now */
    [PG_PSEUDONYM_PUT] =
        "INSERT INTO pseudonyms (pseudonym, sealed_user, unit, team, role, first_seen, updated) "
        "VALUES ($1, $2, $3, $4, $5, $6, $6) "
        "ON CONFLICT (pseudonym) DO UPDATE SET unit = excluded.unit, team = excluded.team, "
        "role = excluded.role, updated = excluded.updated",
    /* $1 run id, $2 alert ref, $3 pseudonym, $4 unit, $5 team, $6 role, $7 group or NULL,
     * $8 score, $9 first_ms, $10 last_ms, $11 created. Sets wachter.alert_id. */
    [PG_ALERT_INSERT] =
        "WITH a AS (INSERT INTO alerts (run_id, alert_ref, pseudonym, unit, team, role, "
        "group_id, score, first_ms, last_ms, created) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id) "
        "SELECT set_config('wachter.alert_id', id::text, true) FROM a",
    /* As PG_ALERT_INSERT; an alert already in the run keeps id, status and created, and
     * is updated only when it names the same pseudonym (else no row comes back). */
    [PG_ALERT_UPSERT] =
        "WITH a AS (INSERT INTO alerts (run_id, alert_ref, pseudonym, unit, team, role, "
        "group_id, score, first_ms, last_ms, created) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
        "ON CONFLICT (run_id, alert_ref) DO UPDATE SET unit = excluded.unit, "
        "team = excluded.team, role = excluded.role, group_id = excluded.group_id, "
        "score = excluded.score, first_ms = excluded.first_ms, last_ms = excluded.last_ms "
        "WHERE alerts.pseudonym = excluded.pseudonym RETURNING id) "
        "SELECT set_config('wachter.alert_id', id::text, true) FROM a",
    /* Of alert wachter.alert_id: $1 ordinal, $2 name, $3 score, $4 text_en, $5 text_nl,
     * $6 baseline_en, $7 baseline_nl. Rewritten in place (ids stay); sets
     * wachter.indicator_id. */
    [PG_INDICATOR_PUT] =
        "WITH i AS (INSERT INTO alert_indicators (alert_id, ordinal, name, score, text_en, "
        "text_nl, baseline_en, baseline_nl) "
        "VALUES (current_setting('wachter.alert_id')::bigint, $1, $2, $3, $4, $5, $6, $7) "
        "ON CONFLICT (alert_id, ordinal) DO UPDATE SET name = excluded.name, "
        "score = excluded.score, text_en = excluded.text_en, text_nl = excluded.text_nl, "
        "baseline_en = excluded.baseline_en, baseline_nl = excluded.baseline_nl RETURNING id) "
        "SELECT set_config('wachter.indicator_id', id::text, true) FROM i",
    /* Of indicator wachter.indicator_id: $1 ordinal, $2 event id, $3 ts_ms, $4 system,
     * $5 action, $6 subject_type, $7 subject, $8 legitimation, $9 note */
    [PG_EVIDENCE_PUT] =
        "INSERT INTO evidence (indicator_id, ordinal, event_id, ts_ms, system, action, "
        "subject_type, subject, legitimation, note) "
        "VALUES (current_setting('wachter.indicator_id')::bigint, $1, $2, $3, $4, $5, $6, $7, "
        "$8, $9) "
        "ON CONFLICT (indicator_id, ordinal) DO UPDATE SET event_id = excluded.event_id, "
        "ts_ms = excluded.ts_ms, system = excluded.system, action = excluded.action, "
        "subject_type = excluded.subject_type, subject = excluded.subject, "
        "legitimation = excluded.legitimation, note = excluded.note",
    /* $1 number of indicators alert wachter.alert_id has now (their evidence cascades) */
    [PG_INDICATORS_TRIM] = "DELETE FROM alert_indicators "
                           "WHERE alert_id = current_setting('wachter.alert_id')::bigint "
                           "AND ordinal >= $1",
    /* $1 number of events indicator wachter.indicator_id has now */
    [PG_EVIDENCE_TRIM] = "DELETE FROM evidence "
                         "WHERE indicator_id = current_setting('wachter.indicator_id')::bigint "
                         "AND ordinal >= $1",
    /* $1 ts, $2 run id, $3 actor, $4 channel, $5 reason */
    [PG_REVEAL_INSERT] =
        "INSERT INTO reveal_log (ts, run_id, actor, channel, reason) VALUES ($1, $2, $3, $4, $5)",
    /* $1 run id, $2 pseudonym */
    [PG_ACTIVITY_DELETE] = "DELETE FROM activity WHERE run_id = $1 AND pseudonym = $2",
    /* $1 run id, $2 pseudonym, $3 day, $4 accesses, $5 unexplained, $6 peer median */
    [PG_ACTIVITY_INSERT] =
        "INSERT INTO activity (run_id, pseudonym, day, accesses, unexplained, peer_median) "
        "VALUES ($1, $2, $3, $4, $5, $6)",
    [PG_EXCEPTIONS_ALL] = "SELECT pseudonym, indicator, subject, expires FROM exceptions "
                          "ORDER BY id",
};

#endif
