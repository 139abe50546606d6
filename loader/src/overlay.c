/* overlay.c - see overlay.h. */
#include "overlay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "minisign.h"
#include "reason.h"
#include "sums.h"
#include "verify.h"

/* URL.sha1 (URL.sha256 under hopboot.verify=sha256) must be there and match ACTUAL, the
 * DIGEST_LEN-byte digest of what arrived.  No checksum file is a refusal: an overlay lands
 * in the persistent keydisk as root, so it fails closed like everything else. */
static int check_sums(const char *url, const char *file, enum verify_mode mode, const uint8_t *actual,
                      const struct fetch_options *o, char *reason, size_t size)
{
    _cleanup_free_ char *sums_url = NULL, *text = NULL;
    const char *ext = mode == VERIFY_SHA256 ? "sha256" : "sha1";
    size_t digest_len = mode == VERIFY_SHA256 ? SUMS_SHA256_LEN : SUMS_SHA1_LEN, len;
    uint8_t expected[SUMS_SHA256_LEN];
    char error[256], actual_hex[2 * SUMS_SHA256_LEN + 1], expected_hex[2 * SUMS_SHA256_LEN + 1];

    if (asprintf(&sums_url, "%s.%s", url, ext) < 0)
        return -ENOMEM;
    int r = fetch_small(sums_url, o, SUMS_MAX_FILE_SIZE, &text, &len, error, sizeof(error));
    if (r == -ENOENT)
        return reason_set(reason, size, r, "no checksum file %s.%s beside it (hopboot.verify=%s)", file, ext,
                          cmdline_verify_name(mode));
    if (r == -EFBIG || (r >= 0 && sums_parse_file(text, len, file, digest_len, expected) < 0))
        return reason_set(reason, size, -EBADMSG, "malformed checksum file %s.%s", file, ext);
    if (r < 0)
        return reason_set(reason, size, r, "cannot fetch %s.%s (%s)", file, ext, error);
    if (memcmp(actual, expected, digest_len) != 0) {
        sums_format_hex_n(actual, digest_len, actual_hex);
        sums_format_hex_n(expected, digest_len, expected_hex);
        return reason_set(reason, size, -EBADMSG, "checksum mismatch (file is %.12s..., %s.%s says %.12s...)",
                          actual_hex, file, ext, expected_hex);
    }
    return 0;
}

static int fetch_signature(const char *url, const char *file, const struct fetch_options *o,
                           struct minisign_signature *ret, char *reason, size_t size)
{
    _cleanup_free_ char *sig_url = NULL, *text = NULL;
    char error[256];
    size_t len;

    if (asprintf(&sig_url, "%s.minisig", url) < 0)
        return -ENOMEM;
    int r = fetch_small(sig_url, o, MINISIGN_SIGNATURE_FILE_MAX, &text, &len, error, sizeof(error));
    if (r == -ENOENT)
        return reason_set(reason, size, r, "not signed (no %s.minisig; hopboot.verify=signed)", file);
    if (r == -EFBIG || (r >= 0 && minisign_parse_signature(text, len, ret) < 0))
        return reason_set(reason, size, -EBADMSG, "malformed signature file %s.minisig", file);
    if (r < 0)
        return reason_set(reason, size, r, "cannot fetch %s.minisig (%s)", file, error);
    return 0;
}

/* hopboot.verify=signed: URL.minisig by a trusted key, its signed comment naming FILE. */
static int check_signed(const char *url, const char *file, int fd, const struct trust *t,
                        const struct fetch_options *o, char *reason, size_t size)
{
    struct minisign_signature sig;
    _cleanup_(minisign_verifier_freep) struct minisign_verifier *verifier = NULL;
    char key_id[2 * MINISIGN_KEY_ID_LEN + 1];
    const char *name;
    size_t name_len;

    int r = fetch_signature(url, file, o, &sig, reason, size);
    if (r < 0)
        return r;
    _cleanup_free_ char *sig_file = NULL;
    if (asprintf(&sig_file, "%s.minisig", file) < 0)
        return reason_set(reason, size, -ENOMEM, "out of memory");
    if ((r = trust_check_algorithm(&sig, sig_file, reason, size)) < 0)
        return r;
    minisign_format_key_id(sig.key_id, key_id);
    r = minisign_verifier_new(&sig, t->keys, t->n_keys, &verifier);
    if (r == -ENOKEY)
        return reason_set(reason, size, r, "signed with key %s, which this loader does not trust", key_id);
    if (r == -EKEYREJECTED)
        return reason_set(reason, size, r, "the trusted comment of %s.minisig was altered", file);
    if (r < 0)
        return reason_set(reason, size, r, "cannot check %s.minisig (%s)", file, strerror(-r));
    if (minisign_comment_file(sig.trusted_comment, sig.trusted_comment_len, &name, &name_len) < 0)
        return reason_set(reason, size, -EBADMSG, "its signature names no file (no file: in the trusted comment)");
    if (name_len != strlen(file) || memcmp(name, file, name_len) != 0)
        return reason_set(reason, size, -EBADMSG, "its signature is for %.*s, not for this file", (int)name_len, name);
    if (lseek(fd, 0, SEEK_SET) < 0)
        return reason_set(reason, size, -errno, "cannot read it back (%s)", strerror(errno));
    r = minisign_verify_fd(fd, &sig, t->keys, t->n_keys);
    if (r == -EKEYREJECTED)
        return reason_set(reason, size, r, "its bytes do not match the signature by key %s", key_id);
    if (r < 0)
        return reason_set(reason, size, r, "cannot check its signature (%s)", strerror(-r));
    return 0;
}

static int fetch_and_check(const char *url, const char *file, int fd, const struct fetch_options *o,
                           const struct trust *t, enum overlay_check *ret_check, uint64_t *ret_size, char *reason,
                           size_t size)
{
    uint8_t sha1[SUMS_SHA1_LEN], sha256[SUMS_SHA256_LEN];
    char error[256];
    uint64_t bytes;

    int r = fetch_image(url, fd, o, sha1, &bytes, error, sizeof(error));
    if (r == -EFBIG)
        return reason_set(reason, size, r, "larger than %llu MiB", (unsigned long long)(o->max_size >> 20));
    if (r < 0)
        return reason_set(reason, size, r, "%s", error);
    if (t->mode == VERIFY_SIGNED) {
        r = check_signed(url, file, fd, t, o, reason, size);
        *ret_check = OVERLAY_SIGNED_OK;
    } else if (t->mode == VERIFY_SHA256) {
        /* The fetch hashed SHA-1 on the way; SHA-256 takes one more pass over the RAM copy. */
        if (lseek(fd, 0, SEEK_SET) < 0 || (r = verify_stream(fd, NULL, sha1, sha256, NULL)) < 0)
            return reason_set(reason, size, r < 0 ? r : -errno, "cannot read it back (%s)",
                              strerror(r < 0 ? -r : errno));
        r = check_sums(url, file, t->mode, sha256, o, reason, size);
        *ret_check = OVERLAY_SHA256_OK;
    } else {
        r = check_sums(url, file, t->mode, sha1, o, reason, size);
        *ret_check = OVERLAY_SHA1_OK;
    }
    if (r >= 0)
        *ret_size = bytes;
    return r;
}

int overlay_fetch(const char *url, const struct fetch_options *o, const struct trust *t, const char *path,
                  enum overlay_check *ret_check, uint64_t *ret_size, char *reason, size_t size)
{
    const char *slash = strrchr(url, '/');
    const char *file = slash ? slash + 1 : url;
    enum overlay_check check;
    uint64_t bytes;

    (void)unlink(path);
    _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return reason_set(reason, size, -errno, "cannot store it in RAM (%s)", strerror(errno));
    int r = fetch_and_check(url, file, fd, o, t, &check, &bytes, reason, size);
    if (r < 0) {
        (void)unlink(path);
        return r;
    }
    *ret_check = check;
    *ret_size = bytes;
    return 0;
}
