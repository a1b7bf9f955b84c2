/*
 * audit.c - the chained hash of audit rows (see audit.h for the format).
 *
 * libsodium's crypto_generichash is BLAKE2b; the state is streamed field by field so that
 * no canonical copy of the row is built.
 */
#include "audit/audit.h"

#include <sodium.h>
#include <string.h>

_Static_assert(AUDIT_HASH_LEN >= crypto_generichash_BYTES_MIN &&
                   AUDIT_HASH_LEN <= crypto_generichash_BYTES_MAX,
               "BLAKE2b can produce the audit hash length");

static void put_text(crypto_generichash_state *h, const char *s)
{
    if (s == NULL)
        s = "";
    size_t n = strlen(s);
    unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                            (unsigned char)(n >> 8), (unsigned char)n};
    crypto_generichash_update(h, len, sizeof len);
    crypto_generichash_update(h, (const unsigned char *)s, n);
}

void audit_hash(const unsigned char prev[AUDIT_HASH_LEN], const struct audit_row *row,
                unsigned char out[AUDIT_HASH_LEN])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, AUDIT_HASH_LEN);
    crypto_generichash_update(&h, prev, AUDIT_HASH_LEN);
    unsigned char seq[8];
    uint64_t v = (uint64_t)row->seq;
    for (int i = 7; i >= 0; i--, v >>= 8)
        seq[i] = (unsigned char)v;
    crypto_generichash_update(&h, seq, sizeof seq);
    put_text(&h, row->ts);
    put_text(&h, row->actor);
    put_text(&h, row->action);
    put_text(&h, row->object);
    put_text(&h, row->detail);
    crypto_generichash_final(&h, out, AUDIT_HASH_LEN);
}

void audit_hex(const unsigned char h[AUDIT_HASH_LEN], char out[2 * AUDIT_HASH_LEN + 1])
{
    sodium_bin2hex(out, 2 * AUDIT_HASH_LEN + 1, h, AUDIT_HASH_LEN);
}
