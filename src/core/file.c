/*
 * file.c - whole-file read-only mapping and atomic file writes.
 *
 * Event files are mapped rather than read so that the parser works in place and event ids
 * can point into the mapping for the whole analysis instead of being copied. Empty files
 * cannot be mapped and are represented by a NULL view of size 0. Outputs are written to a
 * temporary file and renamed, so a crash never leaves a half-written result behind.
 */
#include "core/core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int file_map(const char *path, struct mapped_file *f, struct err *e)
{
    memset(f, 0, sizeof *f);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        return err_set(e, "%s: cannot stat: %s", path, strerror(saved));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return err_set(e, "%s: not a regular file", path);
    }
    if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int saved = errno;
            close(fd);
            return err_set(e, "%s: cannot map: %s", path, strerror(saved));
        }
        madvise(p, (size_t)st.st_size, MADV_SEQUENTIAL);
        f->data = p;
        f->size = (size_t)st.st_size;
        f->is_mapped = 1;
    }
    close(fd);
    if (f->data == NULL)
        f->data = ""; /* an empty file is an empty view, never a null pointer */
    return 0;
}

void file_unmap(struct mapped_file *f)
{
    if (f == NULL)
        return;
    if (f->is_mapped)
        munmap((void *)f->data, f->size);
    memset(f, 0, sizeof *f);
}

int file_write_atomic(const char *path, const char *data, size_t n, struct err *e)
{
    size_t plen = strlen(path);
    char *tmp = xmalloc(plen + 16);
    snprintf(tmp, plen + 16, "%s.tmp%ld", path, (long)getpid());
    FILE *fp = fopen(tmp, "wb");
    if (fp == NULL) {
        err_set(e, "%s: cannot write: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    int rc = (fwrite(data, 1, n, fp) == n) ? 0 : -1;
    if (fclose(fp) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        err_set(e, "%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}
