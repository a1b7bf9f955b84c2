/*
 * test_audit.c - the hash-chained audit log: the hash format of audit/, and the store's
 * append and verify. An intact chain verifies; altering one row (with the triggers
 * dropped, as an intruder with the file would) or deleting one, in the middle or at the
 * end, is found and the first bad entry is named.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "audit/audit.h"
#include "store/store.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fixture {
    char dir[64], db[128];
};

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    if (tmpdir_make("audit") != 0 || sodium_init() < 0)
        return -1;
    strcpy(f->dir, dir);
    snprintf(f->db, sizeof f->db, "%s/w.db", f->dir);
    struct err e;
    struct store *st = store_open(f->db, &e);
    if (st == NULL)
        return -1;
    for (int i = 1; i <= 10; i++) {
        char detail[32];
        snprintf(detail, sizeof detail, "detail %d", i);
        if (store_audit_append(st, "ana (analyst)", "alert.view", "alert:1", detail, &e) != 0)
            return -1;
    }
    store_close(st);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return tmpdir_remove();
}

static void sql(const char *db, const char *text)
{
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(h, text, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "%s\n", msg);
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
    sqlite3_close(h);
}

static void verify(const char *db, struct store_audit_verdict *v)
{
    struct err e;
    struct store *st = store_open(db, &e);
    assert_non_null(st);
    assert_int_equal(store_audit_verify(st, v, &e), 0);
    store_close(st);
}

static void test_hash_format(void **state)
{
    (void)state;
    unsigned char zero[AUDIT_HASH_LEN] = {0}, h1[AUDIT_HASH_LEN], h2[AUDIT_HASH_LEN];
    struct audit_row r = {1, "2025-01-01T00:00:00.000Z", "a", "b", "c", "d"};
    audit_hash(zero, &r, h1);
    audit_hash(zero, &r, h2);
    assert_memory_equal(h1, h2, AUDIT_HASH_LEN);
    /* Moving a byte between fields changes the hash (fields are length-prefixed). */
    struct audit_row r2 = {1, "2025-01-01T00:00:00.000Z", "ab", "", "c", "d"};
    audit_hash(zero, &r2, h2);
    assert_memory_not_equal(h1, h2, AUDIT_HASH_LEN);
    /* So do the seq and the previous hash. */
    r2 = r;
    r2.seq = 2;
    audit_hash(zero, &r2, h2);
    assert_memory_not_equal(h1, h2, AUDIT_HASH_LEN);
    audit_hash(h1, &r, h2);
    assert_memory_not_equal(h1, h2, AUDIT_HASH_LEN);
    char hex[2 * AUDIT_HASH_LEN + 1];
    audit_hex(h1, hex);
    assert_int_equal(strlen(hex), 64);
}

static void test_intact_chain_verifies(void **state)
{
    struct fixture *f = *state;
    struct store_audit_verdict v;
    verify(f->db, &v);
    assert_true(v.intact);
    assert_int_equal(v.rows, 10);
    assert_int_equal(strlen(v.head), 64);
}

static void test_triggers_refuse_changes(void **state)
{
    struct fixture *f = *state;
    sqlite3 *h;
    assert_int_equal(sqlite3_open(f->db, &h), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(h, "UPDATE audit_log SET detail = 'x'", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(h, "DELETE FROM audit_log", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

static void test_altered_row_named(void **state)
{
    struct fixture *f = *state;
    sql(f->db, "DROP TRIGGER audit_log_no_update;"
               "UPDATE audit_log SET actor = 'someone else' WHERE seq = 4");
    struct store_audit_verdict v;
    verify(f->db, &v);
    assert_false(v.intact);
    assert_int_equal(v.first_bad, 4);
    assert_non_null(strstr(v.reason, "altered"));
}

static void test_rehashed_row_named_by_its_successor(void **state)
{
    struct fixture *f = *state;
    /* An intruder who also rewrites the row's own hash breaks the link of the next. */
    sql(f->db, "DROP TRIGGER audit_log_no_update;"
               "UPDATE audit_log SET hash = randomblob(32) WHERE seq = 6");
    struct store_audit_verdict v;
    verify(f->db, &v);
    assert_false(v.intact);
    assert_int_equal(v.first_bad, 6);
}

static void test_deleted_row_named(void **state)
{
    struct fixture *f = *state;
    sql(f->db, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 3");
    struct store_audit_verdict v;
    verify(f->db, &v);
    assert_false(v.intact);
    assert_int_equal(v.first_bad, 3);
    assert_non_null(strstr(v.reason, "missing"));
}

static void test_deleted_last_row_named(void **state)
{
    struct fixture *f = *state;
    sql(f->db, "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 10");
    struct store_audit_verdict v;
    verify(f->db, &v);
    assert_false(v.intact);
    assert_int_equal(v.first_bad, 10);
}

static void test_append_after_verify_continues_chain(void **state)
{
    struct fixture *f = *state;
    struct err e;
    struct store *st = store_open(f->db, &e);
    assert_non_null(st);
    assert_int_equal(store_begin(st, &e), 0);
    assert_int_equal(store_audit_append(st, "x", "y", NULL, NULL, &e), 0);
    store_rollback(st); /* a rolled-back append leaves no trace */
    assert_int_equal(store_audit_append(st, "x", "y", NULL, NULL, &e), 0);
    struct store_audit_verdict v;
    assert_int_equal(store_audit_verify(st, &v, &e), 0);
    assert_true(v.intact);
    assert_int_equal(v.rows, 11);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_format),
        cmocka_unit_test_setup_teardown(test_intact_chain_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_triggers_refuse_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_altered_row_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rehashed_row_named_by_its_successor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_row_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deleted_last_row_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_after_verify_continues_chain, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
