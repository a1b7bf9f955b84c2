/*
 * fuzz_scan.c - libFuzzer harness for the event-line scanner: scan_event on arbitrary
 * bytes, then scan_unescape on every field it reports, into buffers of several sizes.
 * Why: scan.c parses untrusted audit lines by hand at millions of lines per second; any
 * out-of-bounds read or bad decode is a crash or a silent misread. ASan/UBSan catch both.
 */
#include "ingest/ingest.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy so that any read past the end is caught. */
    char *line = malloc(size ? size : 1);
    memcpy(line, data, size);
    struct raw_event ev;
    enum reject_reason why;
    if (scan_event(line, size, &ev, &why) == 0) {
        char out[256];
        for (int f = 0; f < F__STRINGS; f++) {
            if (!ev.f[f].present)
                continue;
            if (ev.f[f].p < line || ev.f[f].p + ev.f[f].n > line + size)
                abort(); /* a field outside the line */
            int n = scan_unescape(&ev.f[f], out, sizeof out);
            if (n > (int)sizeof out)
                abort();
            scan_unescape(&ev.f[f], out, 3);
        }
    } else if (why != REJ_INVALID_JSON && why != REJ_WRONG_TYPE) {
        abort();
    }
    free(line);
    return 0;
}
