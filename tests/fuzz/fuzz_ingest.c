/*
 * fuzz_ingest.c - libFuzzer harness for the event stream: the input, split at each 0xFF
 * byte into up to three event files, is read through ingest_open/ingest_next as a dataset
 * (with empty reference data, so every value is interned). Why: event files arrive from
 * other systems; the read window, the reorder pool, the merge and the duplicate filter
 * must never crash or read freed memory on any input. tests/fuzz/run.sh builds the
 * sources with tiny read windows, so lines cross the window's edge all the time.
 */
#include "ingest/ingest.h"
#include "ref/ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static void write_part(int i, const uint8_t *p, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/events/f%d.jsonl", dir, i);
    FILE *fp = fopen(path, "wb");
    if (fp == NULL || (n > 0 && fwrite(p, 1, n, fp) != n) || fclose(fp) != 0)
        abort();
}

static void on_reject(void *ctx, const char *file, uint64_t line, enum reject_reason why,
                      const char *raw, size_t raw_len)
{
    (void)file, (void)line, (void)why;
    size_t *sum = ctx;
    if (raw_len > 0) /* touch both ends of the raw text */
        *sum += (unsigned char)raw[0] + (unsigned char)raw[raw_len - 1];
}

/* Remove the dataset directory when the fuzzer exits (it ends with exit()). */
static void remove_dir(void)
{
    char path[128];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/events/f%d.jsonl", dir, i);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/events", dir);
    rmdir(path);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (dir[0] == '\0') {
        /* mkdtemp replaces the last six characters, which must all be 'X'. */
        int n = snprintf(dir, sizeof dir, "/tmp/wachter-fuzz-ingest-");
        memset(dir + n, 'X', 6);
        dir[n + 6] = '\0';
        char events[96];
        if (mkdtemp(dir) == NULL)
            abort();
        snprintf(events, sizeof events, "%s/events", dir);
        if (mkdir(events, 0700) != 0)
            abort();
        atexit(remove_dir);
    }
    size_t start = 0;
    int part = 0;
    for (size_t i = 0; i <= size && part < 3; i++) {
        if (i == size || data[i] == 0xFF) {
            write_part(part++, data + start, i - start);
            start = i + 1;
        }
    }
    while (part < 3) /* files of an earlier input */
        write_part(part++, data, 0);

    struct ref ref;
    memset(&ref, 0, sizeof ref);
    struct ingest_config cfg;
    ingest_config_defaults(&cfg);
    cfg.reorder_ms = 60 * 1000;
    struct err e;
    size_t sum = 0;
    struct ingest *in = ingest_open(dir, &cfg, &ref, on_reject, &sum, &e);
    if (in == NULL)
        abort();
    struct event ev;
    while (ingest_next(in, &ev) == 1) {
        const struct text *t[] = {&ev.user_text, &ev.subject_text, &ev.case_text, &ev.system_text};
        for (size_t k = 0; k < 4; k++)
            if (t[k]->p != NULL && t[k]->n > 0)
                sum += (unsigned char)t[k]->p[0] + (unsigned char)t[k]->p[t[k]->n - 1];
        sum += (unsigned char)ev.id[0] + (unsigned char)ev.id_kept[ev.id_len - 1];
    }
    const struct ingest_stats *st = ingest_stats(in);
    if (st->lines != st->events + st->duplicates + st->malformed)
        abort(); /* every line is counted once, whatever it holds */
    ingest_close(in);
    ref_free(&ref);
    return sum == 1 ? 1 : 0; /* keep `sum` alive; libFuzzer ignores the value */
}
