/*
 * alloc.c - allocation that aborts on out-of-memory, the error value, logging, the byte
 * buffer and the arena.
 *
 * Aborting in one place keeps every caller free of NULL checks after allocation; a
 * monitoring batch that cannot get memory cannot do anything useful anyway, and a clear
 * message beats a crash further on. Memory about to be written all over can be faulted
 * in with one system call (mem_populate): on virtual machines a fault per page costs
 * several times more. The arena hands out memory from blocks that grow from 64 KiB to
 * 8 MiB as it fills (larger requests get a block of their own) and frees everything at
 * once: reference data and interned strings live as long as the analysis does.
 */
#include "core/core.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Large blocks are backed by transparent huge pages where the kernel allows it: hash
 * tables and event buffers are touched at random, and on virtual machines every 4 KiB
 * page fault and TLB miss is expensive. A hint only; failure is harmless. */
static void *hint_huge(void *p, size_t n)
{
    enum { HUGE = 2u << 20 };
    if (p != NULL && n >= 2 * HUGE) {
        uintptr_t from = ((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1);
        uintptr_t to = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE - 1);
        if (to > from)
            madvise((void *)from, to - from, MADV_HUGEPAGE);
    }
    return p;
}

/* Only whole pages inside the block: the pages at its ends may hold other allocations,
 * which need no faulting in. Kernels before 5.14 refuse the advice, harmlessly. */
void mem_populate(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
    enum { PAGE = 4096 };
    uintptr_t from = ((uintptr_t)p + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
    uintptr_t to = ((uintptr_t)p + n) & ~(uintptr_t)(PAGE - 1);
    if (p != NULL && to > from)
        madvise((void *)from, to - from, MADV_POPULATE_WRITE);
#else
    (void)p, (void)n;
#endif
}

static void oom(size_t n)
{
    fprintf(stderr, "wachter: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(n);
    return hint_huge(p, n);
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL)
        oom(count * size);
    return hint_huge(p, count * size);
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(n);
    return hint_huge(q, n);
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void *xgrow(void *arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return arr;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            oom(SIZE_MAX);
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem)
        oom(SIZE_MAX);
    arr = xrealloc(arr, ncap * elem);
    *cap = ncap;
    return arr;
}

void *xgrow_zeroed(void *arr, size_t *cap, size_t need, size_t elem)
{
    size_t old = *cap;
    arr = xgrow(arr, cap, need, elem);
    memset((char *)arr + old * elem, 0, (*cap - old) * elem);
    return arr;
}

int err_set(struct err *e, const char *fmt, ...)
{
    if (e == NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return -1;
}

static void vlog(const char *fmt, va_list ap)
{
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    fprintf(stderr, "wachter: %s\n", line);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

void log_info(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(fmt, ap);
    va_end(ap);
}

/* ---- sbuf --------------------------------------------------------------------------- */

static void sbuf_reserve(struct sbuf *b, size_t extra)
{
    if (b->len + extra + 1 > b->cap)
        b->buf = xgrow(b->buf, &b->cap, b->len + extra + 1, 1);
}

void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
    sbuf_reserve(b, n);
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

void sbuf_puts(struct sbuf *b, const char *s)
{
    sbuf_add(b, s, strlen(s));
}

void sbuf_putc(struct sbuf *b, char c)
{
    sbuf_reserve(b, 1);
    b->buf[b->len++] = c;
    b->buf[b->len] = '\0';
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sbuf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence starting at s[0] (at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned min;
    unsigned cp;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2, min = 0x80, cp = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3, min = 0x800, cp = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4, min = 0x10000, cp = s[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

void sbuf_json_str(struct sbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    sbuf_reserve(b, n + 2);
    sbuf_putc(b, '"');
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && u[run] >= 0x20 && u[run] < 0x80 && u[run] != '"' && u[run] != '\\')
            run++;
        if (run > i) {
            sbuf_add(b, s + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = u[i];
        if (c >= 0x80) {
            size_t len = utf8_seq(u + i, n - i);
            if (len > 0) {
                sbuf_add(b, s + i, len);
                i += len;
            } else {
                /* Not UTF-8: keep the byte, as the code point of the same value, so the
                 * output stays valid JSON and the input can still be recognised. */
                char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                sbuf_add(b, e, 6);
                i++;
            }
            continue;
        }
        switch (c) {
        case '"':
            sbuf_add(b, "\\\"", 2);
            break;
        case '\\':
            sbuf_add(b, "\\\\", 2);
            break;
        case '\n':
            sbuf_add(b, "\\n", 2);
            break;
        case '\r':
            sbuf_add(b, "\\r", 2);
            break;
        case '\t':
            sbuf_add(b, "\\t", 2);
            break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sbuf_add(b, e, 6);
        }
        }
        i++;
    }
    sbuf_putc(b, '"');
}

void sbuf_reset(struct sbuf *b)
{
    b->len = 0;
    if (b->buf != NULL)
        b->buf[0] = '\0';
}

void sbuf_free(struct sbuf *b)
{
    if (b == NULL)
        return;
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
}

/* ---- arena -------------------------------------------------------------------------- */

struct arena_block {
    struct arena_block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
};

/* Blocks start at ARENA_BLOCK and double with each new one up to ARENA_MAX_BLOCK: a
 * small arena stays small, while one that holds millions of keys (the reference tables)
 * gets blocks large enough for huge pages (see hint_huge) and is faulted in 2 MiB, not
 * 4 KiB, at a time. */
enum { ARENA_BLOCK = 64 * 1024, ARENA_MAX_BLOCK = 8 * 1024 * 1024 };

void *arena_alloc(struct arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct arena_block *b = a->head;
    if (b == NULL || b->size - b->used < n) {
        size_t grown = b == NULL ? ARENA_BLOCK : b->size * 2;
        if (grown > ARENA_MAX_BLOCK)
            grown = ARENA_MAX_BLOCK;
        size_t size = n > grown / 4 ? n : grown;
        struct arena_block *nb = xmalloc(sizeof *nb + size);
        nb->used = 0;
        nb->size = size;
        if (size == n && b != NULL) {
            /* A large request gets its own block behind the current one, so the
             * current block's free space stays in use. */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void arena_free(struct arena *a)
{
    if (a == NULL)
        return;
    struct arena_block *b = a->head;
    while (b != NULL) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}
