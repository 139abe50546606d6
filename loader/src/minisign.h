/* minisign.h - detached Ed25519 signatures in minisign's format, verified with libcrypto:
 * public keys, .minisig files, a streaming verifier the caller's read loop feeds, trusted
 * keys loaded from a directory, and the signed file name in the trusted comment.  Does
 * not log.
 *
 * Formats (all base64 is standard, padded, on one line):
 *   public key  "untrusted comment: <text>" line, then base64("Ed" || key id[8] || key[32])
 *   signature   "untrusted comment: <text>"
 *               base64(algorithm[2] || key id[8] || signature[64])
 *               "trusted comment: <text>"
 *               base64(global signature[64])
 * algorithm "ED" (minisign's default): the Ed25519 signature covers BLAKE2b-512 of the file;
 * "Ed" (legacy, `minisign -S -l`): it covers the file itself.  The global signature is
 * Ed25519 over (signature[64] || trusted comment text), with the same key.  minisign 0.11
 * writes the trusted comment "timestamp:<unix time>\tfile:<base name>\thashed" ("hashed"
 * only for "ED") unless -t gives another one. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define MINISIGN_KEY_ID_LEN 8
#define MINISIGN_PUBLIC_KEY_LEN 32
#define MINISIGN_SIGNATURE_LEN 64
/* Longest trusted comment accepted, in bytes without the NUL (minisign 0.11 writes at most
 * 4077). */
#define MINISIGN_TRUSTED_COMMENT_MAX 4096
/* Largest .minisig and .pub texts accepted; read them with at most this many bytes. */
#define MINISIGN_SIGNATURE_FILE_MAX 8192
#define MINISIGN_PUBLIC_KEY_FILE_MAX 4096
/* A legacy ("Ed") signature covers the whole file and libcrypto's Ed25519 needs all of it
 * at once, so the verifier keeps a copy: files larger than this fail with -EFBIG.  Sign
 * large files with minisign's default (prehashed) mode. */
#define MINISIGN_LEGACY_MAX_SIZE (16 * 1024 * 1024)

struct minisign_key {
    uint8_t id[MINISIGN_KEY_ID_LEN];
    uint8_t key[MINISIGN_PUBLIC_KEY_LEN];
};

enum minisign_algorithm {
    MINISIGN_LEGACY,    /* "Ed": signs the file */
    MINISIGN_PREHASHED, /* "ED": signs BLAKE2b-512 of the file */
};

struct minisign_signature {
    enum minisign_algorithm algorithm;
    uint8_t key_id[MINISIGN_KEY_ID_LEN];
    uint8_t signature[MINISIGN_SIGNATURE_LEN];
    /* The text after "trusted comment: ", NUL-terminated; not yet authentic after parsing
     * (minisign_verifier_new checks it). */
    char trusted_comment[MINISIGN_TRUSTED_COMMENT_MAX + 1];
    size_t trusted_comment_len;
    uint8_t global_signature[MINISIGN_SIGNATURE_LEN];
};

/* Parse the LEN bytes of TEXT as a public key: either a .pub file (an "untrusted comment: "
 * line, then the base64 line) or the base64 line alone (what `minisign -P` takes).  Each
 * line ends with "\n" or "\r\n", the last one optionally with nothing; nothing may follow
 * (no empty lines, no spaces around the base64).  The algorithm must be "Ed".  Returns 0
 * and fills *ret_key; -EBADMSG for anything else. */
int minisign_parse_public_key(const char *text, size_t len, struct minisign_key *ret_key);

/* Parse the LEN bytes (at most MINISIGN_SIGNATURE_FILE_MAX) of TEXT as a .minisig file:
 * exactly the four lines above, in order, each ending with "\n" or "\r\n" (CRLF is
 * tolerated because minisign tolerates it, and a card may pass through Windows), the last
 * optionally with nothing.  Base64 must be canonical.  The trusted comment may hold tabs
 * and any bytes from 0x20 up except 0x7f (so it is safe to print), at most
 * MINISIGN_TRUSTED_COMMENT_MAX of them.  No NUL or stray "\r" anywhere.  Returns 0 and
 * fills *ret_sig; -EBADMSG for anything else (also for an algorithm other than "Ed"/"ED"). */
int minisign_parse_signature(const char *text, size_t len, struct minisign_signature *ret_sig);

/* Find the value of the field KEY ("file", "url", "serial") in the trusted comment (LEN
 * bytes at COMMENT): the field starts with KEY and ':'.  Fields are separated by tabs, as
 * minisign writes them, so a value may contain spaces; a comment without any tab
 * (hand-written with -t) is split at spaces instead.  Returns 0 with *ret_value pointing
 * into COMMENT and *ret_value_len > 0; -ENOENT when there is no such field; -EBADMSG when
 * there are several, the value is empty or it holds a control character. */
int minisign_comment_field(const char *comment, size_t len, const char *key, const char **ret_value,
                           size_t *ret_value_len);

/* minisign_comment_field for "file", the signed file's base name minisign -S writes. */
int minisign_comment_file(const char *comment, size_t len, const char **ret_name, size_t *ret_name_len);

/* Write KEY_ID as minisign shows it (16 upper-case hex digits, little-endian) and a NUL. */
void minisign_format_key_id(const uint8_t key_id[MINISIGN_KEY_ID_LEN], char out[2 * MINISIGN_KEY_ID_LEN + 1]);

/* Streaming verification of one file against one signature. */
struct minisign_verifier;

/* Start verifying a file against SIG with the first of the N_KEYS trusted KEYS whose id is
 * SIG's key id, and check at once the global signature over SIG's trusted comment, so the
 * caller may rely on the comment (minisign_comment_file) before it reads the file.
 * Returns 0 and *ret (free with minisign_verifier_free); -ENOKEY when no trusted key has
 * that id; -EKEYREJECTED when the trusted comment or the global signature was altered;
 * -EBADMSG when SIG holds what minisign_parse_signature never fills in (comment length,
 * algorithm); -ENOMEM; -ENOTRECOVERABLE when libcrypto fails. */
int minisign_verifier_new(const struct minisign_signature *sig, const struct minisign_key *keys, size_t n_keys,
                          struct minisign_verifier **ret);

/* Feed the next LEN bytes of the file.  Returns 0 or -errno (-ENOMEM, -ENOTRECOVERABLE,
 * -EFBIG for a legacy signature over more than MINISIGN_LEGACY_MAX_SIZE bytes); an error
 * sticks: later calls and minisign_verifier_final return it again. */
int minisign_verifier_update(struct minisign_verifier *v, const void *data, size_t len);

/* Check the signature over everything fed.  Returns 0 when the file is the one signed;
 * -EKEYREJECTED when it is not (altered, truncated, another file); the sticky error of
 * minisign_verifier_update; -EINVAL when called twice. */
int minisign_verifier_final(struct minisign_verifier *v);

/* Free V (NULL is fine). */
void minisign_verifier_free(struct minisign_verifier *v);

static inline void minisign_verifier_freep(struct minisign_verifier **v)
{
    minisign_verifier_free(*v);
}

/* Verify FD from its current offset to its end against SIG with the trusted KEYS, reading
 * it in large blocks: minisign_verifier_new, _update and _final in one call, with their
 * return values (-EKEYREJECTED for a forged comment and for a wrong file alike; use the
 * verifier to tell them apart), or -errno for a read error. */
int minisign_verify_fd(int fd, const struct minisign_signature *sig, const struct minisign_key *keys, size_t n_keys);

/* Load every "*.pub" file (not starting with ".") in the directory PATH (relative to
 * DIRFD, or AT_FDCWD) as a public key, in directory order.  An empty directory gives
 * zero keys and *ret_keys NULL.  Returns 0 with *ret_keys (free()) and *ret_n_keys;
 * -EBADMSG when a file is not a public key (or larger than MINISIGN_PUBLIC_KEY_FILE_MAX);
 * -ENOTUNIQ when two files hold the same key id (the choice of key would be ambiguous);
 * another -errno when the directory or a file cannot be read. */
int minisign_load_keys(int dirfd, const char *path, struct minisign_key **ret_keys, size_t *ret_n_keys);
