/*
 * fuzz_ts.c - libFuzzer harness for ts_parse_rfc3339 (and date_parse): arbitrary bytes
 * must be parsed or refused without reading past `n`; an accepted timestamp must survive a
 * round trip through ts_format in UTC. Why: it runs once per event on untrusted text.
 */
#include "core/core.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tz *utc;
    if (utc == NULL) {
        struct err e;
        utc = tz_open("UTC", &e);
    }
    char *s = malloc(size ? size : 1);
    memcpy(s, data, size);
    int64_t ms;
    if (ts_parse_rfc3339(s, size, &ms) == 0 && ms > -62135596800000LL && ms < 253402300799000LL) {
        char out[32];
        size_t n = ts_format(utc, ms, out);
        int64_t back;
        if (ts_parse_rfc3339(out, n, &back) != 0 || back != ms - ((ms % 1000) + 1000) % 1000)
            abort();
    }
    int32_t day;
    date_parse(s, size, &day);
    free(s);
    return 0;
}
