/* minisign.c - see minisign.h.  Written from the format description and experiments with
 * minisign 0.11; the cryptography is libcrypto's (Ed25519, BLAKE2b-512). */
#include "minisign.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "verify.h"

#define ALGORITHM_LEN 2
#define BLAKE2B_512_LEN 64
#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "
/* Read blocks of minisign_verify_fd, as verify.c's. */
/* First allocation for a legacy message; it doubles from there. */
#define LEGACY_INITIAL_SIZE (64 * 1024)

struct minisign_verifier {
    struct minisign_key key;
    enum minisign_algorithm algorithm;
    uint8_t signature[MINISIGN_SIGNATURE_LEN];
    EVP_MD_CTX *hash; /* MINISIGN_PREHASHED: BLAKE2b-512 of the file so far */
    uint8_t *message; /* MINISIGN_LEGACY: the file so far */
    size_t message_len, message_size;
    int error; /* sticky error of minisign_verifier_update */
    bool finished;
};

struct line {
    const char *text;
    size_t len;
};

static void evp_pkey_freep(EVP_PKEY **pkey)
{
    EVP_PKEY_free(*pkey);
}

static void evp_md_ctx_freep(EVP_MD_CTX **ctx)
{
    EVP_MD_CTX_free(*ctx);
}

static int base64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decode the LEN characters at S, which must be the canonical padded base64 of exactly
 * OUT_LEN bytes: right length, "=" exactly where padding belongs, unused bits zero, so
 * that each byte string has one encoding.  Returns 0 or -EBADMSG (OUT then undefined). */
static int base64_decode_exact(const char *s, size_t len, uint8_t *out, size_t out_len)
{
    if (len != (out_len + 2) / 3 * 4)
        return -EBADMSG;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        size_t bytes = out_len - o < 3 ? out_len - o : 3; /* bytes this group carries */
        uint32_t group = 0;
        for (size_t j = 0; j < 4; j++) {
            int v = 0;
            if (j > bytes) { /* a group of N bytes has N+1 characters, then padding */
                if (s[i + j] != '=')
                    return -EBADMSG;
            } else if ((v = base64_value(s[i + j])) < 0) {
                return -EBADMSG;
            }
            group = group << 6 | (uint32_t)v;
        }
        if ((bytes == 1 && (group & 0xffff) != 0) || (bytes == 2 && (group & 0xff) != 0))
            return -EBADMSG;
        for (size_t j = 0; j < bytes; j++)
            out[o++] = (uint8_t)(group >> (16 - 8 * j));
    }
    return 0;
}

/* Split TEXT into at most MAX lines, each ending with "\n" or "\r\n" (the last one may end
 * with nothing; a final newline does not start another line).  A NUL, a "\r" not
 * followed by "\n" and a line beyond MAX are refused with -EBADMSG. */
static int split_lines(const char *text, size_t len, struct line *lines, size_t max, size_t *ret_n)
{
    const char *p = text, *end = text + len;
    size_t n = 0;

    if (len > 0 && memchr(text, '\0', len))
        return -EBADMSG;
    while (p < end) {
        if (n == max)
            return -EBADMSG;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        if (nl && stop > p && stop[-1] == '\r')
            stop--;
        if (memchr(p, '\r', (size_t)(stop - p)))
            return -EBADMSG;
        lines[n++] = (struct line){ .text = p, .len = (size_t)(stop - p) };
        p = nl ? nl + 1 : end;
    }
    *ret_n = n;
    return 0;
}

static bool has_prefix(const struct line *l, const char *prefix)
{
    size_t n = strlen(prefix);
    return l->len >= n && memcmp(l->text, prefix, n) == 0;
}

int minisign_parse_public_key(const char *text, size_t len, struct minisign_key *ret_key)
{
    uint8_t raw[ALGORITHM_LEN + MINISIGN_KEY_ID_LEN + MINISIGN_PUBLIC_KEY_LEN];
    struct line lines[2];
    size_t n;

    if (len > MINISIGN_PUBLIC_KEY_FILE_MAX || split_lines(text, len, lines, ELEMENTSOF(lines), &n) < 0 || n == 0)
        return -EBADMSG;
    if (n == 2 && !has_prefix(&lines[0], UNTRUSTED_PREFIX))
        return -EBADMSG;
    if (base64_decode_exact(lines[n - 1].text, lines[n - 1].len, raw, sizeof(raw)) < 0)
        return -EBADMSG;
    if (memcmp(raw, "Ed", ALGORITHM_LEN) != 0)
        return -EBADMSG;
    memcpy(ret_key->id, raw + ALGORITHM_LEN, MINISIGN_KEY_ID_LEN);
    memcpy(ret_key->key, raw + ALGORITHM_LEN + MINISIGN_KEY_ID_LEN, MINISIGN_PUBLIC_KEY_LEN);
    return 0;
}

/* Tabs and printable bytes only: the comment is shown on the console. */
static bool comment_is_printable(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

int minisign_parse_signature(const char *text, size_t len, struct minisign_signature *ret_sig)
{
    uint8_t raw[ALGORITHM_LEN + MINISIGN_KEY_ID_LEN + MINISIGN_SIGNATURE_LEN];
    struct minisign_signature sig = { 0 };
    struct line lines[4];
    size_t n;

    if (len > MINISIGN_SIGNATURE_FILE_MAX || split_lines(text, len, lines, ELEMENTSOF(lines), &n) < 0 || n != 4)
        return -EBADMSG;
    if (!has_prefix(&lines[0], UNTRUSTED_PREFIX) || !has_prefix(&lines[2], TRUSTED_PREFIX))
        return -EBADMSG;

    if (base64_decode_exact(lines[1].text, lines[1].len, raw, sizeof(raw)) < 0)
        return -EBADMSG;
    if (memcmp(raw, "ED", ALGORITHM_LEN) == 0)
        sig.algorithm = MINISIGN_PREHASHED;
    else if (memcmp(raw, "Ed", ALGORITHM_LEN) == 0)
        sig.algorithm = MINISIGN_LEGACY;
    else
        return -EBADMSG;
    memcpy(sig.key_id, raw + ALGORITHM_LEN, MINISIGN_KEY_ID_LEN);
    memcpy(sig.signature, raw + ALGORITHM_LEN + MINISIGN_KEY_ID_LEN, MINISIGN_SIGNATURE_LEN);

    const char *comment = lines[2].text + strlen(TRUSTED_PREFIX);
    size_t comment_len = lines[2].len - strlen(TRUSTED_PREFIX);
    if (comment_len > MINISIGN_TRUSTED_COMMENT_MAX || !comment_is_printable(comment, comment_len))
        return -EBADMSG;
    memcpy(sig.trusted_comment, comment, comment_len);
    sig.trusted_comment[comment_len] = '\0';
    sig.trusted_comment_len = comment_len;

    if (base64_decode_exact(lines[3].text, lines[3].len, sig.global_signature, MINISIGN_SIGNATURE_LEN) < 0)
        return -EBADMSG;
    *ret_sig = sig;
    return 0;
}

int minisign_comment_field(const char *comment, size_t len, const char *key, const char **ret_value,
                           size_t *ret_value_len)
{
    /* minisign separates its fields with tabs; a hand-written -t comment may use spaces. */
    char separator = len > 0 && memchr(comment, '\t', len) ? '\t' : ' ';
    const char *end = comment + len, *value = NULL;
    size_t key_len = strlen(key), value_len = 0;

    for (const char *field = comment;;) {
        const char *stop = len > 0 ? memchr(field, separator, (size_t)(end - field)) : NULL;
        if (!stop)
            stop = end;
        if ((size_t)(stop - field) > key_len && memcmp(field, key, key_len) == 0 && field[key_len] == ':') {
            if (value) /* two values: which one was meant? */
                return -EBADMSG;
            value = field + key_len + 1;
            value_len = (size_t)(stop - value);
        }
        if (stop == end)
            break;
        field = stop + 1;
    }
    if (!value)
        return -ENOENT;
    if (value_len == 0)
        return -EBADMSG;
    for (size_t i = 0; i < value_len; i++)
        if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
            return -EBADMSG;
    *ret_value = value;
    *ret_value_len = value_len;
    return 0;
}

int minisign_comment_file(const char *comment, size_t len, const char **ret_name, size_t *ret_name_len)
{
    return minisign_comment_field(comment, len, "file", ret_name, ret_name_len);
}

void minisign_format_key_id(const uint8_t key_id[MINISIGN_KEY_ID_LEN], char out[2 * MINISIGN_KEY_ID_LEN + 1])
{
    static const char hex[] = "0123456789ABCDEF";

    /* minisign prints the id as a little-endian 64-bit number: last byte first. */
    for (size_t i = 0; i < MINISIGN_KEY_ID_LEN; i++) {
        uint8_t b = key_id[MINISIGN_KEY_ID_LEN - 1 - i];
        out[2 * i] = hex[b >> 4];
        out[2 * i + 1] = hex[b & 0xf];
    }
    out[2 * MINISIGN_KEY_ID_LEN] = '\0';
}

/* Ed25519 (libcrypto, one-shot: EVP has no streaming Ed25519) of LEN bytes at MESSAGE.
 * Returns 0, -EKEYREJECTED for a wrong signature, -ENOMEM or -ENOTRECOVERABLE. */
static int ed25519_verify(const uint8_t key[MINISIGN_PUBLIC_KEY_LEN], const uint8_t signature[MINISIGN_SIGNATURE_LEN],
                          const void *message, size_t len)
{
    static const uint8_t empty[1];

    _cleanup_(evp_pkey_freep) EVP_PKEY *pkey =
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key, MINISIGN_PUBLIC_KEY_LEN);
    _cleanup_(evp_md_ctx_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!pkey || !ctx) { /* both only fail to allocate: the key is any 32 bytes */
        ERR_clear_error();
        return -ENOMEM;
    }
    if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1) {
        ERR_clear_error();
        return -ENOTRECOVERABLE;
    }
    /* 1 is a good signature; 0 a bad one, and a negative value also rejects the
     * signature (malformed point or scalar): either way it does not verify. */
    int r = EVP_DigestVerify(ctx, signature, MINISIGN_SIGNATURE_LEN, message ? message : empty, len);
    ERR_clear_error();
    return r == 1 ? 0 : -EKEYREJECTED;
}

/* The global signature covers the file's signature followed by the trusted comment. */
static int verify_global_signature(const struct minisign_key *key, const struct minisign_signature *sig)
{
    uint8_t message[MINISIGN_SIGNATURE_LEN + MINISIGN_TRUSTED_COMMENT_MAX];

    memcpy(message, sig->signature, MINISIGN_SIGNATURE_LEN);
    memcpy(message + MINISIGN_SIGNATURE_LEN, sig->trusted_comment, sig->trusted_comment_len);
    return ed25519_verify(key->key, sig->global_signature, message, MINISIGN_SIGNATURE_LEN + sig->trusted_comment_len);
}

static const struct minisign_key *find_key(const struct minisign_key *keys, size_t n_keys,
                                           const uint8_t id[MINISIGN_KEY_ID_LEN])
{
    for (size_t i = 0; i < n_keys; i++)
        if (memcmp(keys[i].id, id, MINISIGN_KEY_ID_LEN) == 0)
            return &keys[i];
    return NULL;
}

int minisign_verifier_new(const struct minisign_signature *sig, const struct minisign_key *keys, size_t n_keys,
                          struct minisign_verifier **ret)
{
    if (sig->trusted_comment_len > MINISIGN_TRUSTED_COMMENT_MAX ||
        (sig->algorithm != MINISIGN_LEGACY && sig->algorithm != MINISIGN_PREHASHED))
        return -EBADMSG; /* not a struct minisign_parse_signature filled */
    const struct minisign_key *key = find_key(keys, n_keys, sig->key_id);
    if (!key)
        return -ENOKEY;
    /* Before the file is read: a forged comment is refused without reading 500 MB. */
    int r = verify_global_signature(key, sig);
    if (r < 0)
        return r;

    _cleanup_(minisign_verifier_freep) struct minisign_verifier *v = calloc(1, sizeof(*v));
    if (!v)
        return -ENOMEM;
    v->key = *key;
    v->algorithm = sig->algorithm;
    memcpy(v->signature, sig->signature, MINISIGN_SIGNATURE_LEN);
    if (v->algorithm == MINISIGN_PREHASHED) {
        v->hash = EVP_MD_CTX_new();
        if (!v->hash)
            return -ENOMEM;
        if (EVP_DigestInit_ex(v->hash, EVP_blake2b512(), NULL) != 1) {
            ERR_clear_error();
            return -ENOTRECOVERABLE;
        }
    }
    *ret = TAKE_PTR(v);
    return 0;
}

/* Keep a copy of the legacy message, growing geometrically up to the limit. */
static int append_message(struct minisign_verifier *v, const void *data, size_t len)
{
    if (len > MINISIGN_LEGACY_MAX_SIZE - v->message_len)
        return -EFBIG;
    if (v->message_len + len > v->message_size) {
        size_t size = v->message_size ? v->message_size : LEGACY_INITIAL_SIZE;
        while (size < v->message_len + len)
            size *= 2;
        if (size > MINISIGN_LEGACY_MAX_SIZE)
            size = MINISIGN_LEGACY_MAX_SIZE;
        uint8_t *grown = realloc(v->message, size);
        if (!grown)
            return -ENOMEM;
        v->message = grown;
        v->message_size = size;
    }
    memcpy(v->message + v->message_len, data, len);
    v->message_len += len;
    return 0;
}

int minisign_verifier_update(struct minisign_verifier *v, const void *data, size_t len)
{
    if (v->finished)
        return -EINVAL;
    if (v->error < 0 || len == 0)
        return v->error;
    if (v->algorithm == MINISIGN_PREHASHED) {
        if (EVP_DigestUpdate(v->hash, data, len) != 1) {
            ERR_clear_error();
            v->error = -ENOTRECOVERABLE;
        }
    } else {
        v->error = append_message(v, data, len);
    }
    return v->error;
}

int minisign_verifier_final(struct minisign_verifier *v)
{
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;

    if (v->finished)
        return -EINVAL;
    v->finished = true;
    if (v->error < 0)
        return v->error;
    if (v->algorithm == MINISIGN_LEGACY) {
        int r = ed25519_verify(v->key.key, v->signature, v->message, v->message_len);
        free(TAKE_PTR(v->message)); /* the copy may be large; not needed any more */
        return r;
    }
    if (EVP_DigestFinal_ex(v->hash, digest, &digest_len) != 1 || digest_len != BLAKE2B_512_LEN) {
        ERR_clear_error();
        return -ENOTRECOVERABLE;
    }
    return ed25519_verify(v->key.key, v->signature, digest, digest_len);
}

void minisign_verifier_free(struct minisign_verifier *v)
{
    if (!v)
        return;
    EVP_MD_CTX_free(v->hash);
    free(v->message);
    free(v);
}

static int feed(void *userdata, const void *data, size_t len)
{
    return minisign_verifier_update(userdata, data, len);
}

int minisign_verify_fd(int fd, const struct minisign_signature *sig, const struct minisign_key *keys, size_t n_keys)
{
    _cleanup_(minisign_verifier_freep) struct minisign_verifier *v = NULL;
    uint8_t sha1[SUMS_SHA1_LEN];

    int r = minisign_verifier_new(sig, keys, n_keys, &v);
    if (r < 0)
        return r;
    /* The loader's one read loop (verify.c); its SHA-1 is not needed here. */
    struct verify_pass pass = { .dst_fd = -1, .observe = feed, .userdata = v };
    r = verify_stream(fd, &pass, sha1, NULL, NULL);
    if (r < 0)
        return r;
    return minisign_verifier_final(v);
}

static bool is_key_file_name(const char *name)
{
    size_t len = strlen(name);
    return name[0] != '.' && len > strlen(".pub") && strcmp(name + len - strlen(".pub"), ".pub") == 0;
}

static int read_key_file(int dirfd, const char *name, struct minisign_key *ret_key)
{
    _cleanup_free_ char *text = NULL;
    size_t len;

    int r = fileio_read_file(dirfd, name, MINISIGN_PUBLIC_KEY_FILE_MAX, &text, &len);
    if (r == -EFBIG)
        return -EBADMSG; /* far too large for a key */
    if (r < 0)
        return r;
    return minisign_parse_public_key(text, len, ret_key);
}

/* Append KEY to the array *KEYS of *N keys unless its id is already there. */
static int add_key(struct minisign_key **keys, size_t *n, const struct minisign_key *key)
{
    if (find_key(*keys, *n, key->id))
        return -ENOTUNIQ;
    struct minisign_key *grown = realloc(*keys, (*n + 1) * sizeof(**keys));
    if (!grown)
        return -ENOMEM;
    grown[(*n)++] = *key;
    *keys = grown;
    return 0;
}

int minisign_load_keys(int dirfd, const char *path, struct minisign_key **ret_keys, size_t *ret_n_keys)
{
    _cleanup_free_ struct minisign_key *keys = NULL;
    size_t n = 0;

    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    _cleanup_closedir_ DIR *dir = fdopendir(fd);
    if (!dir)
        return -errno;
    int dir_fd = TAKE_FD(fd); /* the DIR owns it now */

    for (;;) {
        errno = 0;
        struct dirent *entry = readdir(dir);
        if (!entry) {
            if (errno != 0)
                return -errno;
            break;
        }
        if (!is_key_file_name(entry->d_name))
            continue;
        struct minisign_key key;
        int r = read_key_file(dir_fd, entry->d_name, &key);
        if (r < 0)
            return r;
        r = add_key(&keys, &n, &key);
        if (r < 0)
            return r;
    }
    *ret_keys = TAKE_PTR(keys);
    *ret_n_keys = n;
    return 0;
}
