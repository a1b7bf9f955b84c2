/*
 * fuzz_csv.c - libFuzzer harness for the RFC 4180 reader: writes the input to a memfd and
 * reads it through csv_open/csv_next/csv_get like a reference file. Why: reference files
 * arrive from other systems; a quoting error must be an error message, never a crash.
 */
#include "ref/ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("fuzz_csv", 0);
        if (fd < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    struct csv c;
    struct err e;
    if (csv_open(&c, path, &e) != 0)
        return 0;
    csv_col(&c, "user");
    for (int rows = 0; rows < 100000; rows++) {
        int r = csv_next(&c, &e);
        if (r <= 0)
            break;
        for (int i = 0; i < (int)c.n_cols + 1; i++) {
            size_t n;
            const char *s = csv_get(&c, i, &n);
            if (n > 0 && (s[0] == 0x7f || s[n - 1] == 0x7f))
                continue; /* touch both ends of every field */
        }
    }
    csv_close(&c);
    return 0;
}
