/*
 * syslog.h - the syslog-over-TCP source of `wachter run`.
 *
 * Police systems and SIEM forwarders (rsyslog, syslog-ng, ArcSight connectors) speak
 * syslog over TCP. This source listens on one TCP address, cuts the byte stream of every
 * connection into messages, finds the MSG part of each message behind its RFC 5424 or
 * RFC 3164 header, turns MSG into one JSON event line and hands the lines to a
 * `struct line_sink` (live/live.h), which validates, journals and counts them.
 *
 * The pipeline per connection, each step a pure function exported here for testing:
 *
 *   bytes --syslog_frame_next--> messages --syslog_message_to_line--> event lines
 *                                               |
 *                                               +-- syslog_find_msg (header -> MSG)
 *                                               +-- syslog_cef_parse / syslog_cef_to_line
 *
 * MSG that is a JSON object passes through unchanged; ArcSight CEF is mapped to the event
 * fields (docs/sources-syslog.md has the table); anything else passes through as raw
 * text, so that the sink rejects it as invalid_json and it shows in the rejects output:
 * bad input never vanishes. Syslog has no acknowledgements, so backpressure is TCP's:
 * while the sink answers LINE_SINK_BUSY the server stops reading that connection.
 *
 * Limits (all sizes taken from the input are capped before anything is allocated):
 * a frame is at most SYSLOG_MAX_FRAME bytes, a connection buffers at most
 * SYSLOG_CONN_BUF bytes, at most SYSLOG_MAX_CONNS connections are open at once, and one
 * submission to the sink carries at most SYSLOG_BATCH_LINES lines.
 *
 * Memory: arguments are borrowed for the duration of the call unless a function says
 * otherwise.
 */
#ifndef WACHTER_SOURCES_SYSLOG_H
#define WACHTER_SOURCES_SYSLOG_H

#include "core/core.h"
#include "live/live.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    SYSLOG_MAX_FRAME = 64 * 1024,           /* largest message (octet count or LF frame) */
    SYSLOG_CONN_BUF = 2 * SYSLOG_MAX_FRAME, /* receive buffer of one connection */
    SYSLOG_MAX_CONNS = 256,                 /* open connections; more are closed at once */
    SYSLOG_BATCH_LINES = 4096,              /* lines per sink submission at most */
    SYSLOG_RETRY_BUSY_MS = 50,              /* wait after LINE_SINK_BUSY */
    SYSLOG_RETRY_ERROR_MS = 1000            /* wait after LINE_SINK_ERROR */
};

/* ---- framing (RFC 6587) --------------------------------------------------------------- */

/* What syslog_frame_next found at the start of the buffer. */
enum syslog_frame_rc {
    SYSLOG_FRAME_NEED = 0,     /* no complete frame yet: drop f->consumed bytes (separators
                                * or the skipped rest of an overlong frame), then read more */
    SYSLOG_FRAME_MSG = 1,      /* one message: f->msg, f->len (terminator and count removed) */
    SYSLOG_FRAME_TOO_LONG = 2, /* an LF frame longer than SYSLOG_MAX_FRAME: f->msg holds its
                                * first SYSLOG_MAX_FRAME + 1 bytes, to be reported as one bad
                                * line; the framer drops the rest up to the next LF or NUL */
    SYSLOG_FRAME_BAD = 3       /* a bad or too large octet count: f->msg holds the rest of the
                                * buffer (at most SYSLOG_MAX_FRAME + 1 bytes of it), to be
                                * reported as one bad line; the connection must be closed */
};

/* Framing state of one connection. Zero-initialise to start. */
struct syslog_framer {
    bool skipping; /* dropping the rest of a TOO_LONG frame up to its LF or NUL */
};

/* One result of syslog_frame_next. */
struct syslog_frame {
    const char *msg; /* points into the buffer passed in */
    size_t len;
    size_t consumed; /* bytes at the start of the buffer that this result used up */
};

/* Find the next frame at the start of `buf` (`len` bytes received and not yet consumed).
 * The kind is decided per frame: a frame that starts with a digit is octet-counted
 * ("<len> <msg>", len 1..SYSLOG_MAX_FRAME without leading zeros), any other is
 * non-transparent (ends at LF or NUL; a CR before the terminator is removed). LF, CR and
 * NUL bytes between frames, and LF frames that are blank, are skipped. `eof` says that
 * no more bytes will come: then an unterminated LF frame is a message and an incomplete
 * octet-counted frame is BAD. Returns an enum syslog_frame_rc and fills *f; the caller
 * uses f->msg and then drops f->consumed bytes from the buffer.
 * Memory: f->msg points into `buf`. */
enum syslog_frame_rc syslog_frame_next(struct syslog_framer *fr, const char *buf, size_t len,
                                       bool eof, struct syslog_frame *f);

/* ---- messages ------------------------------------------------------------------------- */

/* Find MSG in one syslog message `frame` of `n` bytes: after "<PRI>VERSION TIMESTAMP HOST
 * APP PROCID MSGID SD" (RFC 5424; a UTF-8 BOM before MSG is removed) or leniently after
 * "<PRI>Mmm dd hh:mm:ss host tag:" (RFC 3164, any of the parts may be missing). A frame
 * without a valid <PRI> is all MSG. Nothing else of the header is used.
 * Memory: *msg points into `frame`. */
void syslog_find_msg(const char *frame, size_t n, const char **msg, size_t *msg_len);

/* Turn one syslog message (a whole frame, header included) into one event line and append
 * it to `out` without a newline. MSG (whitespace-trimmed) that starts with '{' is appended
 * as it is, except that CR and LF become TAB (whitespace between JSON tokens, still a
 * control character inside a string, so validity is unchanged). MSG that is ArcSight CEF
 * (possibly behind a short prefix such as a host name) becomes a JSON line mapped as
 * docs/sources-syslog.md says. Anything else, or CEF that does not parse, is appended raw
 * with CR, LF and NUL turned into spaces; when MSG is empty the whole frame is. Returns 0,
 * or 1 when the text was appended raw. A blank frame appends nothing (and returns 1).
 * Memory: `out` is the caller's and grows as needed. */
int syslog_message_to_line(const char *msg, size_t n, struct sbuf *out);

/* ---- ArcSight CEF --------------------------------------------------------------------- */

/* The seven header fields of "CEF:Version|Vendor|Product|DevVersion|SigID|Name|Severity|". */
enum syslog_cef_hdr {
    CEF_VERSION,
    CEF_VENDOR,
    CEF_PRODUCT,
    CEF_DEV_VERSION,
    CEF_SIGNATURE_ID,
    CEF_NAME,
    CEF_SEVERITY,
    CEF__HDR
};

/* A span of text in struct syslog_cef's store. */
struct syslog_cef_str {
    size_t off, len;
};

struct syslog_cef_pair {
    struct syslog_cef_str key, val;
};

/* A parsed CEF message: header fields and extension pairs, unescaped, in the order they
 * came. Every text is NUL-terminated in `store`. Zero-initialise before the first parse. */
struct syslog_cef {
    struct syslog_cef_str hdr[CEF__HDR];
    struct syslog_cef_pair *ext;
    size_t n_ext, cap_ext;
    struct sbuf store;
};

/* Parse `s` (`n` bytes starting with "CEF:") into `c`, replacing what `c` held. Header
 * escapes \| and \\ are undone (another backslash stays as it is); extension values run
 * up to the next " key=" (key: letters, digits, '_', '.', '-', '[', ']'), lose trailing
 * spaces, and have \= \\ \n \r undone. Pairs without a key are skipped. Returns 0, or -1
 * when `s` is not CEF (no "CEF:", fewer than seven '|'-separated header fields, or a
 * version that is not a number).
 * Memory: `c` owns its texts; release with syslog_cef_free (and reuse freely before). */
int syslog_cef_parse(const char *s, size_t n, struct syslog_cef *c);

/* Header field `h` of `c`. Memory: points into `c`, valid until the next parse or free. */
const char *syslog_cef_header(const struct syslog_cef *c, enum syslog_cef_hdr h, size_t *len);

/* The value of the first extension pair with key `key` (case-sensitive, as CEF keys are),
 * or NULL when there is none. Memory: points into `c`, valid until the next parse or free. */
const char *syslog_cef_get(const struct syslog_cef *c, const char *key, size_t *len);

/* Append the event line that `c` maps to (one JSON object, no newline) to `out`. Fields
 * without a source are left out, so the sink rejects such a line as missing_field; a
 * value of the wrong kind is written as a string, so the sink rejects it as wrong_type or
 * bad_timestamp. */
void syslog_cef_to_line(const struct syslog_cef *c, struct sbuf *out);

void syslog_cef_free(struct syslog_cef *c);

/* ---- the server ----------------------------------------------------------------------- */

struct syslog_server;

/* Listen on `addr` ("HOST:PORT"; "[v6]:PORT"; an empty HOST or "*" listens on every
 * address; port 0 picks a free port) and start the server thread, which hands every line
 * to `sink` with source "syslog". Returns NULL with `e` filled when the address is bad or
 * cannot be listened on.
 * Memory: `*sink` is copied; sink->ctx must outlive the server. The caller owns the
 * result and stops it with syslog_server_stop. */
struct syslog_server *syslog_server_start(const char *addr, const struct line_sink *sink,
                                          struct err *e);

/* Stop the server (from any thread but its own): stop accepting and reading, submit once
 * more what complete messages are buffered (logging what the sink does not take), close
 * every connection, join the thread and free everything. Accepts NULL. */
void syslog_server_stop(struct syslog_server *s);

/* Messages taken by the sink so far (bad frames reported as lines included). */
uint64_t syslog_server_messages(const struct syslog_server *s);

/* The TCP port the server listens on (useful after asking for port 0). */
int syslog_server_port(const struct syslog_server *s);

#endif
