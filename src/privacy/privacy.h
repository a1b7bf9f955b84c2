/*
 * privacy.h - pseudonyms for employees, derived with a keyed hash (libsodium).
 *
 * A pseudonym is "P-" followed by 10 base32 characters (RFC 4648 alphabet, lower case:
 * a-z and 2-7) of BLAKE2b(key, employee number): stable across runs with the same key,
 * unlinkable without it. The same key also seals
 * the employee number (crypto_secretbox: XSalsa20-Poly1305, a fresh nonce each time) so that a
 * re-identification, once approved, can be carried out from the store without keeping
 * the number in the clear. The key is 32 random bytes in a file created on first use with
 * mode 0600; an existing key file with wider permissions is refused. (Precisely: the
 * file holds a master key from which one subkey for pseudonyms and one for sealing are
 * derived with crypto_kdf, so no key serves two primitives; see privacy.c.)
 *
 * A struct privacy is immutable once opened and may be shared by threads. Memory: all
 * pointer arguments are borrowed for the duration of the call.
 */
#ifndef WACHTER_PRIVACY_H
#define WACHTER_PRIVACY_H

#include "core/core.h"

#define PSEUDONYM_LEN 13 /* "P-" + 10 characters + NUL */

struct privacy;

/* Load the key at `key_path`, creating it (mode 0600, 32 random bytes) when it does not
 * exist; a missing parent directory is an error, not created. Returns NULL with `e`
 * naming the file when it cannot be read or created, is a symbolic link or not a regular
 * file, is not exactly 32 bytes, or is accessible by group or others.
 * Memory: free with privacy_close, which wipes the key. */
struct privacy *privacy_open(const char *key_path, struct err *e);

/* Wipe the keys (sodium_memzero) and free the handle. Accepts NULL. */
void privacy_close(struct privacy *p);

/* Write the pseudonym of `user` (NUL-terminated) into `out`, e.g. "P-3e5lbymlps". */
void privacy_pseudonym(const struct privacy *p, const char *user, char out[PSEUDONYM_LEN]);

/* Seal `user` for storage: a fresh random nonce followed by the authenticated ciphertext,
 * so sealing the same number twice gives different bytes. Returns the sealed length
 * written to `out`, which must hold privacy_sealed_size(strlen(user)) bytes (40 more
 * than the number). */
size_t privacy_sealed_size(size_t user_len);
size_t privacy_seal(const struct privacy *p, const char *user, unsigned char *out);

/* Open a sealed employee number into `out` (NUL-terminated, at most out_size bytes).
 * Returns 0, or -1 when the box was not made with this key, was altered or truncated, or
 * does not fit in `out`; on -1, `out` holds the empty string (when out_size > 0). */
int privacy_unseal(const struct privacy *p, const unsigned char *sealed, size_t n, char *out,
                   size_t out_size);

#endif
