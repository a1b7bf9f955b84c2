/*
 * test_privacy.c - unit tests of privacy/: the key file, pseudonyms and sealed numbers.
 *
 * Each test works in its own fresh temporary directory (created by the setup, removed
 * with everything in it by the teardown), so tests do not see each other's key files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "privacy/privacy.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fixture {
    char dir[64];
    char key[128];
};

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    if (tmpdir_make("privacy") != 0)
        return -1;
    strcpy(f->dir, dir);
    snprintf(f->key, sizeof f->key, "%s/pseudonym.key", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    free(f);
    return tmpdir_remove();
}

static void write_mode_file(const char *path, const void *data, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

static void test_key_created_private_with_32_bytes(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};
    struct privacy *p = privacy_open(f->key, &e);
    assert_non_null(p);
    struct stat sb;
    assert_int_equal(stat(f->key, &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    assert_int_equal(sb.st_mode & 07777, 0600);
    assert_int_equal(sb.st_size, 32);
    privacy_close(p);
}

static void test_reopen_gives_same_pseudonyms(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};
    char a[PSEUDONYM_LEN], b[PSEUDONYM_LEN], c[PSEUDONYM_LEN];
    struct privacy *p = privacy_open(f->key, &e);
    assert_non_null(p);
    privacy_pseudonym(p, "U004211", a);
    privacy_pseudonym(p, "U004212", c);
    privacy_close(p);
    assert_string_not_equal(a, c);

    p = privacy_open(f->key, &e);
    assert_non_null(p);
    privacy_pseudonym(p, "U004211", b);
    privacy_close(p);
    assert_string_equal(a, b);
}

static void test_different_key_different_pseudonym(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};
    char other[160], a[PSEUDONYM_LEN], b[PSEUDONYM_LEN];
    snprintf(other, sizeof other, "%s/other.key", f->dir);
    struct privacy *p = privacy_open(f->key, &e), *q = privacy_open(other, &e);
    assert_non_null(p);
    assert_non_null(q);
    privacy_pseudonym(p, "U004211", a);
    privacy_pseudonym(q, "U004211", b);
    assert_string_not_equal(a, b);
    privacy_close(p);
    privacy_close(q);
}

static void test_pseudonym_format(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};
    struct privacy *p = privacy_open(f->key, &e);
    assert_non_null(p);
    const char *users[] = {"U004211", "", "U1", "a much longer employee number 1234567890"};
    for (size_t i = 0; i < sizeof users / sizeof users[0]; i++) {
        char out[PSEUDONYM_LEN];
        memset(out, 'X', sizeof out);
        privacy_pseudonym(p, users[i], out);
        assert_int_equal(strlen(out), PSEUDONYM_LEN - 1);
        assert_memory_equal(out, "P-", 2);
        for (int j = 2; j < PSEUDONYM_LEN - 1; j++)
            assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz234567", out[j]));
        assert_null(strstr(out, users[i][0] != '\0' ? users[i] : "\x01"));
    }
    privacy_close(p);
}

static void test_known_key_gives_known_pseudonym(void **state)
{
    /* Pins the derivation (KDF context, subkey id, BLAKE2b length, base32 bit order): if
     * this value changes, every stored pseudonym would silently change with it. The
     * expected value was computed independently of libsodium, with Python's hashlib:
     *   sub = blake2b(b"", digest_size=32, key=bytes(range(32)),
     *                 salt=(1).to_bytes(8, "little") + bytes(8), person=b"wachterK" + bytes(8))
     *   "P-" + b32encode(blake2b(b"U004211", digest_size=16, key=sub)).lower()[:10] */
    struct fixture *f = *state;
    unsigned char key[32];
    for (int i = 0; i < 32; i++)
        key[i] = (unsigned char)i;
    write_mode_file(f->key, key, sizeof key, 0600);
    struct err e = {{0}};
    struct privacy *p = privacy_open(f->key, &e);
    assert_non_null(p);
    char out[PSEUDONYM_LEN];
    privacy_pseudonym(p, "U004211", out);
    privacy_close(p);
    assert_string_equal(out, "P-3e5lbymlps");
}

static void test_wide_mode_refused(void **state)
{
    struct fixture *f = *state;
    unsigned char key[32] = {1};
    const mode_t modes[] = {0640, 0604, 0660, 0644, 0610};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        write_mode_file(f->key, key, sizeof key, modes[i]);
        struct err e = {{0}};
        assert_null(privacy_open(f->key, &e));
        assert_non_null(strstr(e.msg, f->key));
        assert_non_null(strstr(e.msg, "group or others"));
    }
    /* Owner-only but stricter than 0600 is fine. */
    write_mode_file(f->key, key, sizeof key, 0400);
    struct err e = {{0}};
    struct privacy *p = privacy_open(f->key, &e);
    assert_non_null(p);
    privacy_close(p);
}

static void test_wrong_size_refused(void **state)
{
    struct fixture *f = *state;
    unsigned char key[33] = {1};
    const size_t sizes[] = {0, 31, 33};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        write_mode_file(f->key, key, sizes[i], 0600);
        struct err e = {{0}};
        assert_null(privacy_open(f->key, &e));
        assert_non_null(strstr(e.msg, f->key));
        assert_non_null(strstr(e.msg, "bytes"));
    }
}

static void test_missing_directory_and_symlink_refused(void **state)
{
    struct fixture *f = *state;
    char path[200];
    snprintf(path, sizeof path, "%s/no-such-dir/pseudonym.key", f->dir);
    struct err e = {{0}};
    assert_null(privacy_open(path, &e));
    assert_non_null(strstr(e.msg, path));

    struct privacy *p = privacy_open(f->key, &e);
    assert_non_null(p);
    privacy_close(p);
    snprintf(path, sizeof path, "%s/link.key", f->dir);
    assert_int_equal(symlink(f->key, path), 0);
    assert_null(privacy_open(path, &e));
    assert_non_null(strstr(e.msg, path));
}

static void test_seal_unseal_round_trip(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};
    struct privacy *p = privacy_open(f->key, &e);
    assert_non_null(p);
    const char *user = "U004211";
    size_t need = privacy_sealed_size(strlen(user));
    unsigned char box1[128], box2[128];
    assert_true(need <= sizeof box1);
    assert_int_equal(privacy_seal(p, user, box1), need);
    assert_int_equal(privacy_seal(p, user, box2), need);
    /* A fresh nonce each time: two seals of the same number differ. */
    assert_memory_not_equal(box1, box2, need);
    assert_null(memmem(box1, need, user, strlen(user)));

    char out[32];
    assert_int_equal(privacy_unseal(p, box1, need, out, sizeof out), 0);
    assert_string_equal(out, user);
    assert_int_equal(privacy_unseal(p, box2, need, out, sizeof out), 0);
    assert_string_equal(out, user);
    /* Too small an output buffer (no room for the NUL) is refused. */
    assert_int_equal(privacy_unseal(p, box1, need, out, strlen(user)), -1);

    /* The empty number round-trips too. */
    unsigned char empty[64];
    size_t n = privacy_seal(p, "", empty);
    assert_int_equal(privacy_unseal(p, empty, n, out, sizeof out), 0);
    assert_string_equal(out, "");
    privacy_close(p);
}

static void test_tampered_or_foreign_box_refused(void **state)
{
    struct fixture *f = *state;
    struct err e = {{0}};
    char other[160];
    snprintf(other, sizeof other, "%s/other.key", f->dir);
    struct privacy *p = privacy_open(f->key, &e), *q = privacy_open(other, &e);
    assert_non_null(p);
    assert_non_null(q);
    unsigned char box[128];
    size_t n = privacy_seal(p, "U004211", box);
    char out[32];
    for (size_t i = 0; i < n; i++) {
        box[i] ^= 0x01;
        assert_int_equal(privacy_unseal(p, box, n, out, sizeof out), -1);
        assert_string_equal(out, "");
        box[i] ^= 0x01;
    }
    assert_int_equal(privacy_unseal(p, box, n - 1, out, sizeof out), -1);
    assert_int_equal(privacy_unseal(p, box, 3, out, sizeof out), -1);
    assert_int_equal(privacy_unseal(q, box, n, out, sizeof out), -1);
    assert_int_equal(privacy_unseal(p, box, n, out, sizeof out), 0);
    privacy_close(p);
    privacy_close(q);
    privacy_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_key_created_private_with_32_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_gives_same_pseudonyms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_different_key_different_pseudonym, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pseudonym_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_known_key_gives_known_pseudonym, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wide_mode_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_size_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_directory_and_symlink_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_seal_unseal_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_or_foreign_box_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
