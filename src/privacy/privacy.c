/*
 * privacy.c - the pseudonym key, keyed-hash pseudonyms and sealed employee numbers.
 *
 * All cryptography is libsodium's; this file only decides which primitive is used for
 * what and how the key is kept.
 *
 * The key file holds 32 random bytes (randombytes_buf). It is the one secret that links a
 * pseudonym to a person, so it is created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600
 * (fchmod'ed explicitly, whatever the umask), synced to disk together with its directory,
 * and an existing file is refused when it is a symlink, not a regular file, readable or
 * writable by group or others, or not exactly 32 bytes long. A missing parent directory
 * is an error naming the path: creating directories is the operator's decision.
 *
 * Key separation: the file holds a master key. Two subkeys are derived from it with
 * crypto_kdf_derive_from_key (BLAKE2b) under the context KDF_CONTEXT, one for the
 * pseudonyms and one for sealing, so that no key is used by two primitives. The master
 * key is wiped as soon as the subkeys exist. Changing KDF_CONTEXT or the subkey ids
 * changes every pseudonym and makes every sealed number unreadable: they are part of the
 * on-disk format and must never change.
 *
 *   pseudonym = "P-" + base32(BLAKE2b-128(key = pseudonym subkey, message = user))[0..10)
 *   sealed    = nonce (24 bytes, random) || crypto_secretbox_easy(user, nonce, seal subkey)
 *
 * Base32 is RFC 4648's alphabet in lower case ("abcdefghijklmnopqrstuvwxyz234567"), most
 * significant bits first and without padding, so that the upper-case "P-" prefix stands
 * out from the body and the body has no 0/1/8/9 to confuse with O/l/B/g. Ten characters
 * carry 50 bits: among 100,000 employees the chance that any two share a pseudonym is
 * about 4 in a million.
 *
 * The subkeys live in sodium_malloc'ed memory (guard pages, locked against swapping where
 * the system allows) that is read-only except while being filled or wiped. privacy_close
 * wipes it with sodium_memzero before freeing. A struct privacy is immutable after
 * privacy_open and may be shared by threads.
 */
#include "privacy/privacy.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FILE_BYTES 32
#define KDF_CONTEXT "wachterK" /* exactly crypto_kdf_CONTEXTBYTES characters */
#define SUBKEY_PSEUDONYM 1
#define SUBKEY_SEAL 2
#define PSEUDONYM_BODY_CHARS 10
#define PSEUDONYM_HASH_BYTES crypto_generichash_BYTES_MIN

_Static_assert(KEY_FILE_BYTES == crypto_kdf_KEYBYTES, "the key file holds one KDF master key");
_Static_assert(sizeof(KDF_CONTEXT) - 1 == crypto_kdf_CONTEXTBYTES, "KDF context is 8 bytes");
_Static_assert(crypto_secretbox_KEYBYTES >= crypto_kdf_BYTES_MIN &&
                   crypto_secretbox_KEYBYTES <= crypto_kdf_BYTES_MAX,
               "the seal subkey can be derived");
_Static_assert(crypto_generichash_KEYBYTES >= crypto_kdf_BYTES_MIN &&
                   crypto_generichash_KEYBYTES <= crypto_kdf_BYTES_MAX,
               "the pseudonym subkey can be derived");
_Static_assert(PSEUDONYM_LEN == 2 + PSEUDONYM_BODY_CHARS + 1, "\"P-\" + body + NUL");
_Static_assert(PSEUDONYM_HASH_BYTES * 8 >= PSEUDONYM_BODY_CHARS * 5, "enough hash bits");

/* The keys, in sodium_malloc'ed memory. */
struct privacy_keys {
    unsigned char pseudonym[crypto_generichash_KEYBYTES];
    unsigned char seal[crypto_secretbox_KEYBYTES];
};

struct privacy {
    struct privacy_keys *keys; /* sodium_malloc'ed, read-only after privacy_open */
};

static int read_key_file(const char *path, unsigned char master[KEY_FILE_BYTES], struct err *e);
static int create_key_file(const char *path, unsigned char master[KEY_FILE_BYTES], struct err *e);
static int sync_parent_dir(const char *path, struct err *e);

struct privacy *privacy_open(const char *key_path, struct err *e)
{
    assert(key_path != NULL);
    if (sodium_init() < 0)
        return err_set(e, "%s: cannot initialise libsodium", key_path), NULL;

    unsigned char master[KEY_FILE_BYTES];
    int rc = read_key_file(key_path, master, e);
    if (rc == 1) {
        rc = create_key_file(key_path, master, e);
        if (rc == 1) /* another process created it between our two attempts */
            rc = read_key_file(key_path, master, e);
    }
    if (rc != 0) {
        sodium_memzero(master, sizeof master);
        return NULL;
    }

    struct privacy_keys *keys = sodium_malloc(sizeof *keys);
    if (keys == NULL) {
        sodium_memzero(master, sizeof master);
        return err_set(e, "%s: cannot allocate protected memory for the key", key_path), NULL;
    }
    rc = crypto_kdf_derive_from_key(keys->pseudonym, sizeof keys->pseudonym, SUBKEY_PSEUDONYM,
                                    KDF_CONTEXT, master);
    if (rc == 0)
        rc = crypto_kdf_derive_from_key(keys->seal, sizeof keys->seal, SUBKEY_SEAL, KDF_CONTEXT,
                                        master);
    sodium_memzero(master, sizeof master);
    if (rc != 0) {
        sodium_free(keys); /* sodium_free wipes before releasing */
        return err_set(e, "%s: cannot derive keys", key_path), NULL;
    }
    if (sodium_mprotect_readonly(keys) != 0) {
        sodium_free(keys);
        return err_set(e, "%s: cannot protect the key in memory", key_path), NULL;
    }

    struct privacy *p = xcalloc(1, sizeof *p);
    p->keys = keys;
    return p;
}

void privacy_close(struct privacy *p)
{
    if (p == NULL)
        return;
    if (p->keys != NULL) {
        if (sodium_mprotect_readwrite(p->keys) == 0)
            sodium_memzero(p->keys, sizeof *p->keys);
        sodium_free(p->keys); /* wipes again, whatever the protection was */
    }
    free(p);
}

void privacy_pseudonym(const struct privacy *p, const char *user, char out[PSEUDONYM_LEN])
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    assert(p != NULL && user != NULL);

    unsigned char h[PSEUDONYM_HASH_BYTES];
    /* crypto_generichash fails only for out-of-range lengths, which the asserts exclude. */
    int rc = crypto_generichash(h, sizeof h, (const unsigned char *)user, strlen(user),
                                p->keys->pseudonym, sizeof p->keys->pseudonym);
    assert(rc == 0);
    (void)rc;

    out[0] = 'P';
    out[1] = '-';
    for (int i = 0; i < PSEUDONYM_BODY_CHARS; i++) {
        /* Character i takes bits [5i, 5i+5) of the hash, most significant bit first. */
        int bit = i * 5, byte = bit / 8, shift = bit % 8;
        unsigned v = ((unsigned)h[byte] << 8) | (byte + 1 < (int)sizeof h ? h[byte + 1] : 0);
        out[2 + i] = alphabet[(v >> (11 - shift)) & 31];
    }
    out[PSEUDONYM_LEN - 1] = '\0';
    sodium_memzero(h, sizeof h);
}

size_t privacy_sealed_size(size_t user_len)
{
    return crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + user_len;
}

size_t privacy_seal(const struct privacy *p, const char *user, unsigned char *out)
{
    assert(p != NULL && user != NULL && out != NULL);
    size_t n = strlen(user);
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    int rc = crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, (const unsigned char *)user,
                                   n, out, p->keys->seal);
    assert(rc == 0); /* fails only for messages larger than crypto_secretbox_MESSAGEBYTES_MAX */
    (void)rc;
    return privacy_sealed_size(n);
}

int privacy_unseal(const struct privacy *p, const unsigned char *sealed, size_t n, char *out,
                   size_t out_size)
{
    assert(p != NULL && sealed != NULL && out != NULL);
    if (out_size > 0)
        out[0] = '\0';
    if (n < privacy_sealed_size(0))
        return -1;
    size_t plain_len = n - privacy_sealed_size(0);
    if (plain_len >= out_size)
        return -1;
    if (crypto_secretbox_open_easy((unsigned char *)out, sealed + crypto_secretbox_NONCEBYTES,
                                   n - crypto_secretbox_NONCEBYTES, sealed, p->keys->seal) != 0) {
        sodium_memzero(out, out_size);
        return -1;
    }
    out[plain_len] = '\0';
    return 0;
}

/* Read the master key from an existing key file. Returns 0, 1 when the file does not
 * exist, or -1 with `e` filled. */
static int read_key_file(const char *path, unsigned char master[KEY_FILE_BYTES], struct err *e)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 1;
        if (errno == ELOOP)
            return err_set(e, "%s: key file is a symbolic link; refusing it", path);
        return err_set(e, "%s: cannot open key file: %s", path, strerror(errno));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int saved = errno;
        close(fd);
        return err_set(e, "%s: cannot stat key file: %s", path, strerror(saved));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        return err_set(e, "%s: key file is not a regular file", path);
    }
    if ((sb.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        close(fd);
        return err_set(e,
                       "%s: key file is accessible by group or others (mode %04o); "
                       "it must be 0600 (chmod 600)",
                       path, (unsigned)(sb.st_mode & 07777));
    }
    if (sb.st_size != KEY_FILE_BYTES) {
        close(fd);
        return err_set(e, "%s: key file has %lld bytes; a key file has exactly %d", path,
                       (long long)sb.st_size, KEY_FILE_BYTES);
    }
    size_t got = 0;
    while (got < KEY_FILE_BYTES) {
        ssize_t r = read(fd, master + got, KEY_FILE_BYTES - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int saved = r < 0 ? errno : 0;
            close(fd);
            sodium_memzero(master, KEY_FILE_BYTES);
            return err_set(e, "%s: cannot read key file: %s", path,
                           saved != 0 ? strerror(saved) : "file shrank while reading");
        }
        got += (size_t)r;
    }
    close(fd);
    return 0;
}

/* Create a new key file with a fresh random master key. Returns 0, 1 when the file
 * appeared meanwhile (O_EXCL lost the race), or -1 with `e` filled; on failure no
 * partial file is left behind. */
static int create_key_file(const char *path, unsigned char master[KEY_FILE_BYTES], struct err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST)
            return 1;
        return err_set(e, "%s: cannot create key file: %s", path, strerror(errno));
    }
    randombytes_buf(master, KEY_FILE_BYTES);
    const char *failed = NULL;
    int saved = 0;
    if (fchmod(fd, 0600) != 0) {
        failed = "cannot set mode 0600 on key file";
        saved = errno;
    }
    size_t put = 0;
    while (failed == NULL && put < KEY_FILE_BYTES) {
        ssize_t w = write(fd, master + put, KEY_FILE_BYTES - put);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            failed = "cannot write key file";
            saved = w < 0 ? errno : EIO;
        } else {
            put += (size_t)w;
        }
    }
    if (failed == NULL && fsync(fd) != 0) {
        failed = "cannot sync key file";
        saved = errno;
    }
    if (close(fd) != 0 && failed == NULL) {
        failed = "cannot close key file";
        saved = errno;
    }
    if (failed != NULL) {
        sodium_memzero(master, KEY_FILE_BYTES);
        if (unlink(path) != 0)
            log_error("%s: cannot remove incomplete key file: %s", path, strerror(errno));
        return err_set(e, "%s: %s: %s", path, failed, strerror(saved));
    }
    if (sync_parent_dir(path, e) != 0) {
        sodium_memzero(master, KEY_FILE_BYTES);
        return -1;
    }
    return 0;
}

/* fsync the directory holding `path`, so that a new key file survives a crash. */
static int sync_parent_dir(const char *path, struct err *e)
{
    char *copy = xstrdup(path);
    const char *dir = dirname(copy);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = 0;
    /* Some file systems cannot sync a directory (EINVAL); the file itself is synced. */
    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL))
        rc = err_set(e, "%s: cannot sync directory %s of key file: %s", path, dir, strerror(errno));
    if (fd >= 0)
        close(fd);
    free(copy);
    return rc;
}
