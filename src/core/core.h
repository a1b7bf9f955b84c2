/*
 * core.h - the dependency-free foundation every other module builds on.
 *
 * What lives here and why:
 *   - Allocation that aborts on out-of-memory (x*alloc), so no caller ever checks for NULL
 *     after allocating; the abort happens in one place with one message (as Redis' zmalloc).
 *   - One error idiom: functions return 0 on success and -1 on failure, and where the failure
 *     must reach a user they fill a `struct err` with one line of text that names the file
 *     and the problem. The message is written once, where the failure is detected.
 *   - A growable byte buffer (struct sbuf), an arena for many small immutable strings, and
 *     an open-addressing string map that interns its keys in its own arena.
 *   - A 64-bit string hash, a u64 -> u64 map, RFC 3339 timestamp parsing and the
 *     conversion of UTC instants into local time of a configured zone (with DST).
 *
 * Ownership rule for the whole module: pointers passed in are borrowed for the duration of
 * the call; anything a function returns that points into a structure stays owned by that
 * structure and lives until it is freed. Every *_free accepts NULL.
 */
#ifndef WACHTER_CORE_H
#define WACHTER_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- allocation --------------------------------------------------------------------- */

/* Allocate or die. Each aborts the process with a message when memory runs out.
 * Memory: the caller owns the result and frees it with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grow an array to hold at least `need` elements of `elem` bytes, doubling its capacity.
 * Aborts when the byte count would overflow. Memory: returns the (possibly moved) array,
 * which the caller owns; *cap is updated. */
void *xgrow(void *arr, size_t *cap, size_t need, size_t elem);
/* xgrow for an array indexed by an id, all *cap elements of which are in use: the
 * elements it adds are zeroed. */
void *xgrow_zeroed(void *arr, size_t *cap, size_t need, size_t elem);

/* Fault in the whole pages of [p, p + n) in one system call, for memory that is about to
 * be written all over: on virtual machines a fault per page costs several times more.
 * A hint only; failure is harmless and the contents do not change. */
void mem_populate(void *p, size_t n);

/* ---- errors ------------------------------------------------------------------------- */

/* An error that reaches a user: one line, naming the file and the problem. */
struct err {
    char msg[512];
};

/* Format a message into `e` (printf-style). Accepts e == NULL (then it does nothing).
 * Always returns -1 so that `return err_set(e, ...)` reads as the failure path. */
int err_set(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "wachter: <msg>" to stderr. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- byte buffer -------------------------------------------------------------------- */

/* A growable, always NUL-terminated byte buffer. Zero-initialise to start empty. */
struct sbuf {
    char *buf;
    size_t len, cap;
};

void sbuf_add(struct sbuf *b, const char *s, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_putc(struct sbuf *b, char c);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append `s` as a JSON string literal, quotes included, escaping as RFC 8259 requires. */
void sbuf_json_str(struct sbuf *b, const char *s, size_t n);
void sbuf_reset(struct sbuf *b);
void sbuf_free(struct sbuf *b);

/* ---- arena -------------------------------------------------------------------------- */

/* Bump allocator for many small objects freed all at once. Zero-initialise to start. */
struct arena {
    struct arena_block *head;
};

/* Memory: the result belongs to the arena and is freed by arena_free. */
void *arena_alloc(struct arena *a, size_t n);
/* Copy n bytes and add a NUL. Memory: owned by the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
void arena_free(struct arena *a);

/* ---- hashing and maps --------------------------------------------------------------- */

/* A fast 64-bit hash of n bytes (word-at-a-time, good avalanche); not cryptographic. */
uint64_t hash_bytes(const void *p, size_t n, uint64_t seed);

/* String -> uint32 value map. Keys are copied into the map's own arena, so the map also
 * interns strings: strmap_key returns the stable copy. Zero-initialise to start empty. */
struct strmap {
    struct strmap_slot *slots;
    size_t cap, count;
    struct arena keys;
};

/* Look up `s`. Returns the value, or -1 when absent. */
int64_t strmap_get(const struct strmap *m, const char *s, size_t n);
/* The hash strmap uses for `s`, so that it can be computed ahead (on another thread). */
uint64_t strmap_hash(const char *s, size_t n);
/* strmap_get with the key's strmap_hash already known. */
int64_t strmap_get_h(const struct strmap *m, const char *s, size_t n, uint64_t h);
/* Ask the CPU to fetch the slot where a key with hash `h` starts its probe. */
void strmap_prefetch(const struct strmap *m, uint64_t h);
/* Make room for `n` keys in all, so that loading a known number does not rehash. The
 * table's pages are faulted in at once (mem_populate): keys land all over it. */
void strmap_reserve(struct strmap *m, size_t n);
/* Insert or overwrite. Memory: returns the map's own NUL-terminated copy of the key. */
const char *strmap_put(struct strmap *m, const char *s, size_t n, uint32_t val);
/* strmap_put with the key's strmap_hash already known. */
const char *strmap_put_h(struct strmap *m, const char *s, size_t n, uint64_t h, uint32_t val);
void strmap_free(struct strmap *m);

/* uint64 key -> uint64 value map with deletion (backward-shift, no tombstones). Key 0 is
 * reserved; callers map a zero hash to 1. Zero-initialise to start empty. */
struct u64map_slot {
    uint64_t key, val; /* side by side: a lookup touches one cache line */
};
struct u64map {
    struct u64map_slot *slots;
    size_t cap, count;
};

/* Returns a pointer to the value slot of `key`, or NULL when absent. The pointer is valid
 * until the next insertion or deletion. */
uint64_t *u64map_get(const struct u64map *m, uint64_t key);
/* Ask the CPU to fetch the slot where `key`'s probe starts. */
void u64map_prefetch(const struct u64map *m, uint64_t key);
/* Make room for `n` keys in all; the table's pages are faulted in at once (mem_populate). */
void u64map_reserve(struct u64map *m, size_t n);
/* Insert or overwrite. Returns true when the key was new. */
bool u64map_put(struct u64map *m, uint64_t key, uint64_t val);
/* Insert `key` only when absent (an existing value is left alone). Returns true when it
 * was inserted, in one probe sequence. */
bool u64map_add(struct u64map *m, uint64_t key, uint64_t val);
/* Remove `key` if present. Returns true when it was present. */
bool u64map_del(struct u64map *m, uint64_t key);
/* Remove every key, keeping the capacity. */
void u64map_clear(struct u64map *m);
void u64map_free(struct u64map *m);

/* ---- time --------------------------------------------------------------------------- */

/* Parse an RFC 3339 timestamp with an explicit offset or Z ("2025-03-30T01:59:59+01:00",
 * fractional seconds allowed) into milliseconds since the Unix epoch (UTC). Returns 0, or
 * -1 when the text is not such a timestamp or names an impossible date or time. */
int ts_parse_rfc3339(const char *s, size_t n, int64_t *out_ms);

/* Parse "YYYY-MM-DD" into the day number since 1970-01-01 (a civil date, no zone). */
int date_parse(const char *s, size_t n, int32_t *out_day);
/* Format day number `day` as "YYYY-MM-DD" into `out` (DATE_TEXT_SIZE bytes). */
enum { DATE_TEXT_SIZE = 16 };
void date_format(int32_t day, char out[DATE_TEXT_SIZE]);

/* Days since 1970-01-01 of a civil date, and back. */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);

/* A time zone, resolved through the system's zoneinfo, with a per-hour offset cache so
 * that the conversion of millions of instants costs a table lookup each. Not thread-safe:
 * give each thread its own. */
struct tz;

/* Open zone `name` (e.g. "Europe/Amsterdam"). Returns NULL and fills `e` when the zone is
 * unknown to the system. Memory: the caller owns the result; free with tz_free. */
struct tz *tz_open(const char *name, struct err *e);
void tz_free(struct tz *tz);
/* UTC offset in seconds that zone `tz` has at instant `utc_ms`. */
int32_t tz_offset(struct tz *tz, int64_t utc_ms);

/* Local calendar facts of an instant in a zone. */
struct local_time {
    int32_t day;    /* local civil day number since 1970-01-01 */
    int32_t minute; /* minute of the local day, 0..1439 */
    int32_t wday;   /* 0 = Sunday .. 6 = Saturday */
    int32_t offset; /* UTC offset in seconds */
};
void tz_local(struct tz *tz, int64_t utc_ms, struct local_time *out);

/* Format instant `utc_ms` as RFC 3339 in zone `tz` with its offset, seconds precision,
 * e.g. "2025-03-30T03:00:00+02:00". `out` must hold 32 bytes. Returns the length. */
size_t ts_format(struct tz *tz, int64_t utc_ms, char out[32]);

/* ---- files -------------------------------------------------------------------------- */

/* A read-only view of a whole file. */
struct mapped_file {
    const char *data;
    size_t size;
    int is_mapped; /* 1 when mmap'ed, 0 when read into a heap buffer (or empty) */
};

/* Map file `path` read-only. Returns 0, or -1 with `e` naming the file and the reason.
 * Memory: release with file_unmap. */
int file_map(const char *path, struct mapped_file *f, struct err *e);
void file_unmap(struct mapped_file *f);

/* Write `n` bytes to `path` atomically (temp file + rename). Returns 0 or -1 with `e`. */
int file_write_atomic(const char *path, const char *data, size_t n, struct err *e);

#endif
