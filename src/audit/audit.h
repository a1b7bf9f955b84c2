/*
 * audit.h - the format of the hash-chained audit log of the monitors themselves.
 *
 * Every view of an alert, case or employee, every export, every re-identification step
 * and every settings, exception or user change is one row: seq, ts, actor, action,
 * object, detail. Each row carries the hash of the row before it (prev_hash; 32 zero
 * bytes for the first row) and its own hash:
 *
 *     hash = BLAKE2b-256(prev_hash || canonical(row))
 *
 * canonical(row) is the 8-byte big-endian seq followed by each text field (ts, actor,
 * action, object, detail, in that order) as a 4-byte big-endian length and its bytes,
 * so no two different rows encode alike. Altering a row changes its hash, which no
 * longer matches the stored one or the next row's prev_hash; deleting a row leaves a gap
 * in seq and a prev_hash that does not match. The store keeps the rows (store.h:
 * store_audit_append, store_audit_verify); this module only defines the hash, so that it
 * can be tested and re-implemented elsewhere (docs/security.md).
 *
 * Memory: arguments are borrowed for the duration of the call.
 */
#ifndef WACHTER_AUDIT_H
#define WACHTER_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#define AUDIT_HASH_LEN 32

/* One row of the log, as hashed. NULL text fields hash as "". */
struct audit_row {
    int64_t seq;
    const char *ts, *actor, *action, *object, *detail;
};

/* Compute the hash of `row` chained to `prev` (AUDIT_HASH_LEN bytes) into `out`. */
void audit_hash(const unsigned char prev[AUDIT_HASH_LEN], const struct audit_row *row,
                unsigned char out[AUDIT_HASH_LEN]);

/* Write the lower-case hex of a hash into `out` (2 * AUDIT_HASH_LEN + 1 bytes). */
void audit_hex(const unsigned char h[AUDIT_HASH_LEN], char out[2 * AUDIT_HASH_LEN + 1]);

#endif
