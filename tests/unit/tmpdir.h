/*
 * tmpdir.h - the temporary directory that dataset-writing unit tests work in.
 *
 * Header-only on purpose: each tests/unit/test_*.c is linked as a program of its own, so
 * there is no test library to put this in. Include it after cmocka.h (write_file asserts
 * with cmocka). One directory per test program, in `dir`, made in setup and removed
 * (with everything in it) in teardown.
 */
#ifndef WACHTER_TESTS_TMPDIR_H
#define WACHTER_TESTS_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[64];

/* Make a fresh directory /tmp/wachter-test-NAME-<random> into `dir`. Returns 0 or -1. */
static inline int tmpdir_make(const char *name)
{
    /* mkdtemp replaces the last six characters, which must all be 'X'. */
    int n = snprintf(dir, sizeof dir, "/tmp/wachter-test-%.32s-", name);
    memset(dir + n, 'X', 6);
    dir[n + 6] = '\0';
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static inline int tmpdir_rm_entry(const char *path, const struct stat *sb, int flag,
                                  struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Remove `dir` and everything in it. Returns 0 or -1. */
static inline int tmpdir_remove(void)
{
    return nftw(dir, tmpdir_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Write `content` to `dir`/`name` (the file is created or replaced); fails the test when
 * it cannot. */
static inline void write_file(const char *name, const char *content)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(content, 1, strlen(content), f), strlen(content));
    fclose(f);
}

#endif
