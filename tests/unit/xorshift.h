/*
 * xorshift.h - the small deterministic generator of the randomised unit tests
 * (xorshift64): the same sequence on every run and machine, so a failure reproduces.
 *
 * Header-only, as tmpdir.h, because each test program is linked on its own. Define
 * XORSHIFT_SEED (non-zero) before including it: each test file draws its own sequence.
 */
#ifndef WACHTER_TESTS_XORSHIFT_H
#define WACHTER_TESTS_XORSHIFT_H

#include <stdint.h>

static uint64_t rng_state = XORSHIFT_SEED;

/* The next number of the sequence. */
static inline uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

#endif
