/*
 * fuzz_syslog.c - libFuzzer harness for the syslog source's parsing: the framer over the
 * input as one TCP stream (in one read and split in two), and every frame it finds turned
 * into an event line (header skipping, JSON pass-through, the CEF parser and mapping).
 * Why: syslog arrives from any host on the network; framing counts and CEF escapes are
 * parsed by hand. The line made of a message must be one line: no newline in it.
 */
#include "sources/syslog.h"

#include <stdlib.h>
#include <string.h>

static void frames(const char *buf, size_t len, int eof)
{
    struct syslog_framer fr = {0};
    struct sbuf line = {0};
    size_t off = 0;
    while (off < len) {
        struct syslog_frame f;
        int rc = syslog_frame_next(&fr, buf + off, len - off, eof, &f);
        if (f.consumed > len - off)
            abort();
        if (rc == SYSLOG_FRAME_MSG || rc == SYSLOG_FRAME_TOO_LONG || rc == SYSLOG_FRAME_BAD) {
            if (f.msg < buf + off || f.msg + f.len > buf + len)
                abort(); /* a frame outside the buffer */
            sbuf_reset(&line);
            syslog_message_to_line(f.msg, f.len, &line);
            if (line.len > 0 && memchr(line.buf, '\n', line.len) != NULL)
                abort();
        }
        if (rc == SYSLOG_FRAME_BAD || f.consumed == 0)
            break;
        off += f.consumed;
    }
    sbuf_free(&line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Exact-size heap copies so that any read past the end is caught. */
    char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    frames(buf, size, 1);
    frames(buf, size / 2, 0);
    free(buf);
    return 0;
}
