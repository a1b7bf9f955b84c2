/*
 * test_http.c - the pieces of http/auth.c that stand alone: Argon2id password hashing
 * and verification, and the login rate limiter (5 failures in 5 minutes per key).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http/http.h"

#include <string.h>

static void test_password_hash_verifies(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    char h1[AUTH_HASH_SIZE], h2[AUTH_HASH_SIZE];
    struct err e;
    assert_int_equal(auth_hash_password("correct horse battery", h1, &e), 0);
    assert_int_equal(strncmp(h1, "$argon2id$", 10), 0);
    assert_true(auth_verify_password(h1, "correct horse battery"));
    assert_false(auth_verify_password(h1, "correct horse batterY"));
    assert_false(auth_verify_password(h1, ""));
    /* A fresh salt each time. */
    assert_int_equal(auth_hash_password("correct horse battery", h2, &e), 0);
    assert_string_not_equal(h1, h2);
    /* An unknown user: the dummy verification fails. */
    assert_false(auth_verify_password(NULL, "correct horse battery"));
}

static void test_password_length_limits(void **state)
{
    (void)state;
    char h[AUTH_HASH_SIZE];
    struct err e;
    assert_int_equal(auth_hash_password("short", h, &e), -1);
    assert_non_null(strstr(e.msg, "at least"));
    static char long_pw[AUTH_PASSWORD_MAX + 2];
    memset(long_pw, 'x', AUTH_PASSWORD_MAX + 1);
    assert_int_equal(auth_hash_password(long_pw, h, &e), -1);
    assert_false(auth_verify_password(NULL, long_pw));
}

static void test_rate_limit_blocks_after_five(void **state)
{
    (void)state;
    struct ratelimit *rl = ratelimit_new(16);
    int64_t t = 1000000;
    for (int i = 0; i < RL_MAX_FAILURES; i++) {
        assert_false(ratelimit_blocked(rl, "u:ana", t + i));
        ratelimit_fail(rl, "u:ana", t + i);
    }
    assert_true(ratelimit_blocked(rl, "u:ana", t + 10));
    assert_false(ratelimit_blocked(rl, "u:bob", t + 10));
    /* The window slides: when the oldest failure is 5 minutes old, one try is allowed. */
    assert_false(ratelimit_blocked(rl, "u:ana", t + RL_WINDOW_MS));
    ratelimit_fail(rl, "u:ana", t + RL_WINDOW_MS);
    assert_true(ratelimit_blocked(rl, "u:ana", t + RL_WINDOW_MS));
    ratelimit_clear(rl, "u:ana");
    assert_false(ratelimit_blocked(rl, "u:ana", t + RL_WINDOW_MS));
    ratelimit_free(rl);
    ratelimit_free(NULL);
}

static void test_rate_limit_table_full(void **state)
{
    (void)state;
    struct ratelimit *rl = ratelimit_new(4);
    for (int i = 0; i < RL_MAX_FAILURES; i++)
        ratelimit_fail(rl, "a:10.0.0.1", 100 + i);
    /* Other keys fill the table; the blocked key is the most recent, so it stays. */
    char key[32];
    for (int k = 0; k < 3; k++) {
        snprintf(key, sizeof key, "u:user%d", k);
        ratelimit_fail(rl, key, 50);
    }
    assert_true(ratelimit_blocked(rl, "a:10.0.0.1", 200));
    ratelimit_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_hash_verifies),
        cmocka_unit_test(test_password_length_limits),
        cmocka_unit_test(test_rate_limit_blocks_after_five),
        cmocka_unit_test(test_rate_limit_table_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
