/*
 * http.h - the analyst's workbench: `wachter serve` (the web application and its JSON API,
 * docs/api.md), and the administrative commands `wachter user` and `wachter audit`.
 *
 * The server is libmicrohttpd with one internal polling thread: every request runs on
 * that thread, one after the other, against one store handle, so no request sees another
 * half-done and the store needs no locks. The slowest request is a login (Argon2id,
 * about 0.1 s), which is also what makes guessing passwords slow.
 *
 * This header also exposes the small pieces of auth.c that are tested on their own: the
 * password hash and the login rate limiter.
 *
 * Memory: arguments are borrowed for the duration of the call.
 */
#ifndef WACHTER_HTTP_H
#define WACHTER_HTTP_H

#include "core/core.h"

#include <netinet/in.h>
#include <sodium.h>

/* `wachter serve [--db FILE] [--listen ADDR:PORT] [--web DIR] [--key FILE]`. Runs until
 * SIGINT or SIGTERM. Returns the process exit code. */
int serve_main(int argc, char **argv);

/* Parse an IPv4 "HOST:PORT" (port 0: any free port) into `sa`. Returns 0, or -1 when it is
 * not one. Shared by `serve` and the intake endpoints of `run`. */
int http_parse_listen(const char *s, struct sockaddr_in *sa);

/* `wachter user add NAME --role ROLE [--db FILE] [--unit U --team T]`, password on the
 * first line of stdin. Returns the process exit code. */
int user_main(int argc, char **argv);

/* `wachter audit verify [--db FILE]`: 0 when the chain is intact, 1 naming the first bad
 * entry, 2 on usage errors, 3 when the database cannot be read. */
int audit_main(int argc, char **argv);

/* ---- passwords ---- */

#define AUTH_PASSWORD_MIN 10   /* characters */
#define AUTH_PASSWORD_MAX 1024 /* bytes; longer is refused before hashing */
#define AUTH_HASH_SIZE crypto_pwhash_STRBYTES

/* Hash `password` with Argon2id (libsodium crypto_pwhash_str, interactive limits) into
 * `out`. Returns 0, or -1 with `e` filled (out of memory for the hash, or a password
 * outside AUTH_PASSWORD_MIN..AUTH_PASSWORD_MAX). */
int auth_hash_password(const char *password, char out[AUTH_HASH_SIZE], struct err *e);

/* Whether `password` matches `hash`. A NULL hash runs a verification against a dummy
 * hash, so that an unknown user name costs as much time as a wrong password, and
 * returns false. */
bool auth_verify_password(const char *hash, const char *password);

/* ---- login rate limiting ---- */

#define RL_MAX_FAILURES 5 /* failures within the window that block further tries */
#define RL_WINDOW_MS (5 * 60 * 1000)

/* A fixed-size table of recent login failures per key (a user name or a client address,
 * prefixed to keep the two apart). When full, the entry with the oldest last failure is
 * reused. Memory: owned by the caller; free with ratelimit_free (accepts NULL). */
struct ratelimit;
struct ratelimit *ratelimit_new(size_t slots);
void ratelimit_free(struct ratelimit *rl);
/* Whether `key` has RL_MAX_FAILURES failures in the window ending at now_ms. */
bool ratelimit_blocked(struct ratelimit *rl, const char *key, int64_t now_ms);
/* Record a failure of `key` at now_ms. */
void ratelimit_fail(struct ratelimit *rl, const char *key, int64_t now_ms);
/* Forget the failures of `key` (after a successful login). */
void ratelimit_clear(struct ratelimit *rl, const char *key);

#endif
