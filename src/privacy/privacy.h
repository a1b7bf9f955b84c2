/*
 * privacy.h - pseudonyms for employees, derived with a keyed hash (libsodium).
 *
 * A pseudonym is "P-" followed by 10 base32 characters of BLAKE2b(key, employee number):
 * stable across runs with the same key, unlinkable without it. The same key also seals
 * the employee number (XChaCha20-Poly1305 secretbox, a fresh nonce each time) so that a
 * re-identification, once approved, can be carried out from the store without keeping
 * the number in the clear. The key is 32 random bytes in a file created on first use with
 * mode 0600; an existing key file with wider permissions is refused.
 */
#ifndef WACHTER_PRIVACY_H
#define WACHTER_PRIVACY_H

#include "core/core.h"

#define PSEUDONYM_LEN 13 /* "P-" + 10 characters + NUL */

struct privacy;

/* Load the key at `key_path`, creating it (mode 0600) when it does not exist. Returns NULL
 * with `e` filled when the file cannot be read or created, or has the wrong size or mode.
 * Memory: free with privacy_close, which wipes the key. */
struct privacy *privacy_open(const char *key_path, struct err *e);
void privacy_close(struct privacy *p);

/* Write the pseudonym of `user` into `out`. */
void privacy_pseudonym(const struct privacy *p, const char *user, char out[PSEUDONYM_LEN]);

/* Seal `user` for storage. Returns the sealed length written to `out`, which must hold
 * privacy_sealed_size(strlen(user)) bytes. */
size_t privacy_sealed_size(size_t user_len);
size_t privacy_seal(const struct privacy *p, const char *user, unsigned char *out);

/* Open a sealed employee number into `out` (NUL-terminated, at most out_size bytes).
 * Returns 0, or -1 when the box was not made with this key or was altered. */
int privacy_unseal(const struct privacy *p, const unsigned char *sealed, size_t n, char *out,
                   size_t out_size);

#endif
