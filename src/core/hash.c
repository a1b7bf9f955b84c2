/*
 * hash.c - the string hash, the interning string map and the u64 map.
 *
 * Both maps use open addressing with linear probing and a power-of-two capacity kept at
 * most 70% full: one cache line usually answers a lookup, which matters because every
 * event does three or four of them. The string map keeps the 64-bit hash in each slot so
 * that most mismatches are rejected without touching the key. The u64 map deletes by
 * backward shift, so there are no tombstones and a map used as a sliding window does not
 * degrade over time. A table reserved for a known number of keys is faulted in at once
 * (mem_populate), as random inserts would touch all of its pages anyway.
 */
#include "core/core.h"

#include <stdlib.h>
#include <string.h>

static inline uint64_t mix(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}

uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = seed ^ (0x9e3779b97f4a7c15ULL * (n + 1));
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ mix(w)) * 0x9fb21c651e98df25ULL;
        s += 8;
        n -= 8;
    }
    uint64_t tail = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /* The 0..7 tail bytes as one little-endian word, from overlapping loads rather than a
     * memcpy of variable length (the same value memcpy gives on this byte order). */
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + n - 4, 4);
        tail = lo | (uint64_t)hi << (8 * (n - 4));
    } else if (n > 0) {
        tail = s[0] | (uint64_t)s[n / 2] << (8 * (n / 2)) | (uint64_t)s[n - 1] << (8 * (n - 1));
    }
#else
    memcpy(&tail, s, n);
#endif
    h = (h ^ mix(tail ^ n)) * 0x9fb21c651e98df25ULL;
    return mix(h);
}

/* ---- strmap ------------------------------------------------------------------------- */

struct strmap_slot {
    uint64_t hash; /* 0 = empty */
    const char *key;
    uint32_t len;
    uint32_t val;
    char head[16]; /* the key's first bytes, so short keys compare without a pointer chase */
};

uint64_t strmap_hash(const char *s, size_t n)
{
    uint64_t h = hash_bytes(s, n, 0);
    return h ? h : 1;
}

/* Equality of at most 16 bytes, inline: a library call costs more than the compare. */
static inline bool short_equal(const char *a, const char *b, size_t n)
{
    /* Two overlapping words cover every length from a word to twice a word. */
    if (n >= 8) {
        uint64_t a0, a1, b0, b1;
        memcpy(&a0, a, 8), memcpy(&a1, a + n - 8, 8);
        memcpy(&b0, b, 8), memcpy(&b1, b + n - 8, 8);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    if (n >= 4) {
        uint32_t a0, a1, b0, b1;
        memcpy(&a0, a, 4), memcpy(&a1, a + n - 4, 4);
        memcpy(&b0, b, 4), memcpy(&b1, b + n - 4, 4);
        return ((a0 ^ b0) | (a1 ^ b1)) == 0;
    }
    unsigned char diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ b[i]);
    return diff == 0;
}

static struct strmap_slot *strmap_find(const struct strmap *m, const char *s, size_t n, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct strmap_slot *sl = &m->slots[i];
        if (sl->hash == 0)
            return sl;
        if (sl->hash == h && sl->len == n) {
            size_t k = n < sizeof sl->head ? n : sizeof sl->head;
            if (short_equal(sl->head, s, k) &&
                (n <= sizeof sl->head || memcmp(sl->key + k, s + k, n - k) == 0))
                return sl;
        }
    }
}

int64_t strmap_get_h(const struct strmap *m, const char *s, size_t n, uint64_t h)
{
    if (m->cap == 0)
        return -1;
    struct strmap_slot *sl = strmap_find(m, s, n, h);
    return sl->hash ? (int64_t)sl->val : -1;
}

void strmap_prefetch(const struct strmap *m, uint64_t h)
{
    if (m->cap != 0) {
        /* A slot is not aligned to a cache line: its end may lie in the next one. */
        const char *sl = (const char *)&m->slots[h & (m->cap - 1)];
        __builtin_prefetch(sl);
        __builtin_prefetch(sl + sizeof(struct strmap_slot) - 1);
    }
}

int64_t strmap_get(const struct strmap *m, const char *s, size_t n)
{
    if (m->cap == 0)
        return -1;
    struct strmap_slot *sl = strmap_find(m, s, n, strmap_hash(s, n));
    return sl->hash ? (int64_t)sl->val : -1;
}

static void strmap_rehash(struct strmap *m, size_t ncap)
{
    struct strmap_slot *old = m->slots;
    size_t ocap = m->cap;
    m->slots = xcalloc(ncap, sizeof *m->slots);
    m->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i].hash == 0)
            continue;
        struct strmap_slot *sl = strmap_find(m, old[i].key, old[i].len, old[i].hash);
        *sl = old[i];
    }
    free(old);
}

/* The power-of-two capacity that holds n keys at most 70% full. */
static size_t cap_for(size_t n, size_t min)
{
    size_t cap = min;
    while (cap * 7 < n * 10)
        cap *= 2;
    return cap;
}

void strmap_reserve(struct strmap *m, size_t n)
{
    size_t cap = cap_for(n, 64);
    if (cap > m->cap) {
        strmap_rehash(m, cap);
        mem_populate(m->slots, cap * sizeof *m->slots);
    }
}

const char *strmap_put(struct strmap *m, const char *s, size_t n, uint32_t val)
{
    return strmap_put_h(m, s, n, strmap_hash(s, n), val);
}

const char *strmap_put_h(struct strmap *m, const char *s, size_t n, uint64_t h, uint32_t val)
{
    if ((m->count + 1) * 10 > m->cap * 7)
        strmap_rehash(m, m->cap ? m->cap * 2 : 64);
    struct strmap_slot *sl = strmap_find(m, s, n, h);
    if (sl->hash == 0) {
        sl->hash = h;
        sl->key = arena_strndup(&m->keys, s, n);
        sl->len = (uint32_t)n;
        memcpy(sl->head, s, n < sizeof sl->head ? n : sizeof sl->head);
        m->count++;
    }
    sl->val = val;
    return sl->key;
}

void strmap_free(struct strmap *m)
{
    if (m == NULL)
        return;
    free(m->slots);
    arena_free(&m->keys);
    memset(m, 0, sizeof *m);
}

/* ---- u64map ------------------------------------------------------------------------- */

static size_t u64_slot(const struct u64map *m, uint64_t key)
{
    size_t mask = m->cap - 1;
    size_t i = mix(key) & mask;
    while (m->slots[i].key != 0 && m->slots[i].key != key)
        i = (i + 1) & mask;
    return i;
}

uint64_t *u64map_get(const struct u64map *m, uint64_t key)
{
    if (m->cap == 0)
        return NULL;
    size_t i = u64_slot(m, key);
    return m->slots[i].key ? &m->slots[i].val : NULL;
}

void u64map_prefetch(const struct u64map *m, uint64_t key)
{
    if (m->cap != 0)
        __builtin_prefetch(&m->slots[mix(key) & (m->cap - 1)]);
}

static void u64map_rehash(struct u64map *m, size_t ncap)
{
    struct u64map_slot *old = m->slots;
    size_t ocap = m->cap;
    m->slots = xcalloc(ncap, sizeof *m->slots);
    m->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].key != 0)
            m->slots[u64_slot(m, old[i].key)] = old[i];
    free(old);
}

void u64map_reserve(struct u64map *m, size_t n)
{
    size_t cap = cap_for(n, 1024);
    if (cap > m->cap) {
        u64map_rehash(m, cap);
        mem_populate(m->slots, cap * sizeof *m->slots);
    }
}

bool u64map_put(struct u64map *m, uint64_t key, uint64_t val)
{
    if ((m->count + 1) * 10 > m->cap * 7)
        u64map_rehash(m, m->cap ? m->cap * 2 : 1024);
    size_t i = u64_slot(m, key);
    bool fresh = m->slots[i].key == 0;
    m->slots[i] = (struct u64map_slot){key, val};
    m->count += fresh;
    return fresh;
}

bool u64map_add(struct u64map *m, uint64_t key, uint64_t val)
{
    if ((m->count + 1) * 10 > m->cap * 7)
        u64map_rehash(m, m->cap ? m->cap * 2 : 1024);
    size_t i = u64_slot(m, key);
    if (m->slots[i].key != 0)
        return false;
    m->slots[i] = (struct u64map_slot){key, val};
    m->count++;
    return true;
}

bool u64map_del(struct u64map *m, uint64_t key)
{
    if (m->cap == 0)
        return false;
    size_t mask = m->cap - 1;
    size_t i = u64_slot(m, key);
    if (m->slots[i].key == 0)
        return false;
    /* Backward-shift deletion: move later members of the probe run into the hole when
     * their home slot does not lie cyclically between the hole and themselves. */
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (m->slots[j].key == 0)
            break;
        size_t home = mix(m->slots[j].key) & mask;
        bool between = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (between)
            continue;
        m->slots[i] = m->slots[j];
        i = j;
    }
    m->slots[i] = (struct u64map_slot){0, 0};
    m->count--;
    return true;
}

void u64map_clear(struct u64map *m)
{
    if (m->count == 0)
        return;
    memset(m->slots, 0, m->cap * sizeof *m->slots);
    m->count = 0;
}

void u64map_free(struct u64map *m)
{
    if (m == NULL)
        return;
    free(m->slots);
    memset(m, 0, sizeof *m);
}
