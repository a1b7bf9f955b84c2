/*
 * ingest.h - from event files to one validated, de-duplicated, time-ordered event stream.
 *
 * Pipeline: every .jsonl file in events/ is read and scanned line by line (scan.c, a
 * dedicated validating scanner for flat JSON objects); each file feeds a reorder buffer
 * that puts lines back in order when they are at most `reorder_ms` out of order; a k-way
 * merge over the files yields events in event-time order; a duplicate filter drops lines
 * whose `id` was already seen within `dedupe_window_ms` of event time. Malformed lines go
 * to the reject callback with file, line, reason and raw text, and never stop the run.
 *
 * References are resolved while scanning: user, subject and typed case number become
 * indexes into the reference tables (ref/ref.h), which intern unknown values on the fly.
 *
 * Memory: event ids point into the files, which stay mapped (or into the source's arena
 * when the id contained JSON escapes), and stay valid until ingest_close. The other texts
 * of an event from ingest_next may live in the event itself (see there).
 */
#ifndef WACHTER_INGEST_H
#define WACHTER_INGEST_H

#include "core/core.h"
#include "ref/ref.h"

#include <stdbool.h>
#include <stdint.h>

enum action {
    ACT_QUERY,
    ACT_VIEW,
    ACT_EXPORT,
    ACT_PRINT,
    ACT_MODIFY,
    ACT_LOGIN,
    ACT_LOGOUT,
    ACT_OTHER, /* an action name the spec does not list: kept, treated as a record action */
    ACT__COUNT
};

enum channel { CH_UNKNOWN, CH_DESKTOP, CH_MOBILE, CH_OTHER };

/* Why a line was set aside. The names (ingest_reason_name) appear in stats and rejects. */
enum reject_reason {
    REJ_INVALID_JSON,
    REJ_MISSING_FIELD,
    REJ_BAD_TIMESTAMP,
    REJ_WRONG_TYPE,
    REJ_BAD_VALUE,     /* a string field decodes to a NUL or exceeds INGEST_MAX_FIELD */
    REJ_LINE_TOO_LONG, /* longer than INGEST_MAX_LINE */
    REJ__COUNT
};

enum { INGEST_MAX_LINE = 64 * 1024, INGEST_MAX_FIELD = 4096 };

enum { INGEST_MAX_FILES = 65535 };

/* Text of a field as read: into the line, the event (inline_text), the mapped file, or
 * the ingest's arena when the JSON string held escapes. */
struct text {
    const char *p;
    uint32_t n;
};

/* One audit event. ingest_next_raw fills the texts; ingest_resolve turns them into
 * reference indexes (user, subject, legit, system). Resolution is separate so that
 * reading and parsing can run on another thread than detection, which owns the
 * (growing) reference tables. */
enum { EVENT_INLINE_TEXT = 64 };

struct event {
    struct text user_text, subject_text, case_text, system_text;
    uint64_t user_hash, subject_hash; /* strmap_hash of the texts, computed while reading */
    uint64_t case_hash;               /* the same for case_text; 0 without one */
    uint64_t terminal_hash;           /* strmap_hash of the terminal id; 0 without one */
    uint64_t id_hash;                 /* dedupe_hash of the id */
    uint8_t subject_type;             /* enum subject_type as given */
    int64_t ts_ms;                    /* UTC milliseconds */
    const char *id;      /* NUL-free, not NUL-terminated; see id_len; as the texts above */
    const char *id_kept; /* the same id, valid until ingest_close (in the mapped file) */
    uint32_t id_len;
    uint32_t user;     /* employee index (ref_employee) */
    uint32_t subject;  /* subject index, REF_NONE for login/logout */
    uint32_t legit;    /* case index of the typed case number, REF_NONE when none */
    uint32_t results;  /* records returned or exported, 0 when not given */
    uint16_t system;   /* system index (ref_system_name) */
    uint16_t file_no;  /* index of the source file, for tie-breaking */
    uint8_t action;    /* enum action */
    uint8_t channel;   /* enum channel */
    uint8_t wildcard;  /* the query text contains * or ? */
    uint8_t looked_up; /* ingest_lookup has run: user, subject, legit hold its results */
    uint32_t line_no;
    /* Where ingest_next_raw keeps short texts (see there). */
    char inline_text[EVENT_INLINE_TEXT];
};

/* --- the scanner (scan.c) --- */

/* A field as found in the line. `esc` is set when the JSON string held escapes, in which
 * case the text must be decoded with scan_unescape before use. */
struct field {
    const char *p;
    uint32_t n;
    uint8_t present, esc, is_null;
};

enum ev_field {
    F_ID,
    F_TS,
    F_USER,
    F_SYSTEM,
    F_ACTION,
    F_SUBJECT_TYPE,
    F_SUBJECT,
    F_CASE,
    F_CHANNEL,
    F_TERMINAL,
    F_QUERY,
    F__STRINGS,
};

struct raw_event {
    struct field f[F__STRINGS];
    int64_t results;
    uint8_t has_results;
};

/* Scan one line (without its newline) as a JSON object and pick out the event fields.
 * Validates the whole line as JSON (RFC 8259), including unknown fields and nested values,
 * and checks the types of the known fields (strings; `results` a non-negative integer;
 * null accepted for optional fields and treated as absent). Does not check required
 * fields or timestamps: that is ingest's job. Returns 0, or -1 with *why set.
 * Memory: fields point into `line`. */
int scan_event(const char *line, size_t n, struct raw_event *out, enum reject_reason *why);

/* scan_event over the line that starts at `line` and ends at the first newline before
 * `end`, found while scanning (no separate search for the line end); *stop is where
 * scanning stopped, at or before that newline. Same result and memory as scan_event. */
int scan_line(const char *line, const char *end, struct raw_event *out, enum reject_reason *why,
              const char **stop);

/* Decode the JSON string body `f` (escapes included) into `out` (capacity `cap`).
 * Returns the decoded length, or -1 when it does not fit or holds a NUL character. */
int scan_unescape(const struct field *f, char *out, size_t cap);

const char *ingest_reason_name(enum reject_reason r);

/* --- one line at a time (ingest.c), for the files here and for live sources --- */

/* Where decoded texts live: texts that held JSON escapes are decoded into `strings`;
 * the rest point into the line itself. Zero-initialise; free with arena_free(&strings). */
struct line_parser {
    struct arena strings;
    char scratch[INGEST_MAX_FIELD * 4];
};

/* Parse and validate one event line (without its newline) into `ev` (unresolved, as
 * ingest_next_raw gives it; file_no and line_no are 0). Returns 0, or -1 with *why set.
 * Memory: ev's texts point into `line` or into lp->strings. */
int ingest_parse_line(struct line_parser *lp, const char *line, size_t n, struct event *ev,
                      enum reject_reason *why);

/* The duplicate filter: ids (as 64-bit hashes) remembered for `window_ms` of event time.
 * Zero-initialise, set window_ms; free with dedupe_free. */
struct dedupe {
    int64_t window_ms;
    /* The earliest event time among the ids that arrived in this and the last epoch of
     * DEDUPE_EPOCH arrivals (INT64_MAX: none); see dedupe_repeat. */
    int64_t low_now, low_last;
    uint32_t epoch_n; /* arrivals in this epoch */
    bool started;
    /* The remembered ids in order of arrival (a sweep keeps that order): hash and event
     * time of the first sighting. */
    struct dedupe_id {
        uint64_t hash;
        int64_t first_ms;
    } * ids;
    size_t count, ids_cap;
    /* Their index, see ingest.c: `cap` slots (a power of two), 0 or a fingerprint and a
     * position in `ids`. */
    uint64_t *slots;
    size_t cap;
    size_t sweep_at; /* remembered ids at which the forgotten ones are swept out */
};
/* The hash of an event id that the filter remembers (never 0). */
uint64_t dedupe_hash(const char *id, size_t n);
/* True when the id with dedupe_hash `h` was first seen at an event time within the
 * window of `ts_ms`; otherwise remembers it (at ts_ms). */
bool dedupe_repeat(struct dedupe *d, uint64_t h, int64_t ts_ms);
void dedupe_free(struct dedupe *d);
const char *ingest_action_name(enum action a);

/* --- the stream (ingest.c) --- */

struct ingest_stats {
    uint64_t lines, events, duplicates, malformed, late;
    uint64_t by_reason[REJ__COUNT];
};

/* Called once per malformed line. `file` is the path relative to the dataset ("events/x.jsonl"),
 * `raw` the line as read (not NUL-terminated). Must not retain the pointers. */
typedef void (*reject_fn)(void *ctx, const char *file, uint64_t line, enum reject_reason why,
                          const char *raw, size_t raw_len);

struct ingest_config {
    int64_t reorder_ms;       /* per-file disorder put right; default 15 minutes */
    int64_t dedupe_window_ms; /* ids remembered this long in event time; default 24 hours */
};

struct ingest;

/* Open every *.jsonl file in DATASET/events (sorted by name). Returns NULL with `e` naming
 * the directory or file when the directory cannot be read or a file cannot be opened.
 * Memory: `ref` is borrowed and must outlive the ingest; free with ingest_close. */
struct ingest *ingest_open(const char *dataset, const struct ingest_config *cfg, struct ref *ref,
                           reject_fn on_reject, void *reject_ctx, struct err *e);

/* The next event in event-time order, resolved against the reference data. Returns 1
 * with *ev filled, or 0 at the end. Memory: ev->id_kept stays valid until ingest_close.
 * The texts (id, user, subject, case, system) may point into *ev itself (inline_text), so
 * that reading them does not touch the file: they are valid only in *ev, not in a copy. */
int ingest_next(struct ingest *in, struct event *ev);

/* The same without resolving: only the texts, timestamps and the other plain fields are
 * set. Touches no reference data, so it may run on its own thread. Memory as for
 * ingest_next: resolve *ev where it was written. */
int ingest_next_raw(struct ingest *in, struct event *ev);

/* ingest_next_raw followed by ingest_lookup against `ref` (as loaded; NULL: none yet), with
 * the table slots of each event prefetched a few events before its lookup. Like both, it
 * may run on another thread than the owner of `ref`, once ref_load has returned. */
int ingest_next_looked_up(struct ingest *in, struct event *ev, const struct ref *ref);

/* Resolve the texts of `ev` into indexes of `ref`, interning unknown values. Must run on
 * the thread that owns `ref`. After ingest_lookup only what it did not find is left. */
void ingest_resolve(struct ref *ref, struct event *ev);
/* The part of resolving that reads only the tables as loaded (ref_loaded_*): it may run
 * on another thread than the owner of `ref`, once ref_load has returned. Values the
 * tables lack are left to ingest_resolve. */
void ingest_lookup(const struct ref *ref, struct event *ev);
/* Start fetching what resolving `ev` (or, once looked up, detecting it) reads first, a few
 * events ahead. */
void ingest_prefetch(const struct ref *ref, const struct event *ev);
/* The second step, once ingest_prefetch has brought in the record: the list of persons
 * behind a vehicle or address that explaining it will walk. */
void ingest_prefetch_behind(const struct ref *ref, const struct event *ev);
/* The third step: the records of those persons. */
void ingest_prefetch_residents(const struct ref *ref, const struct event *ev);

const struct ingest_stats *ingest_stats(const struct ingest *in);
/* Number of event files found. */
size_t ingest_file_count(const struct ingest *in);
void ingest_close(struct ingest *in);

void ingest_config_defaults(struct ingest_config *cfg);

#endif
