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
#include "netboot.h"
#include "reason.h"
#include "sums.h"
#include "verify.h"

/* URL.sha1 (URL.sha256 under hopboot.verify=sha256) must be there and match ACTUAL, the
 * DIGEST_LEN-byte digest of what arrived.  No checksum file is a refusal: an overlay lands
 * in the persistent keydisk as root, so it fails closed like everything else. */
static int check_sums(const char *url, const char *file, enum verify_mode mode, const uint8_t *actual,
                      const struct fetch_options *o, char *reason, size_t size)
{
    _cleanup_free_ char *sums_url = NULL, *sums_name = NULL;
    const char *ext = mode == VERIFY_SHA256 ? "sha256" : "sha1";
    size_t digest_len = mode == VERIFY_SHA256 ? SUMS_SHA256_LEN : SUMS_SHA1_LEN;
    uint8_t expected[SUMS_SHA256_LEN];

    if (asprintf(&sums_url, "%s.%s", url, ext) < 0 || asprintf(&sums_name, "%s.%s", file, ext) < 0)
        return reason_set(reason, size, -ENOMEM, "out of memory");
    int r = netboot_fetch_digest(sums_url, sums_name, file, digest_len, o, expected, reason, size);
    return r < 0 ? r : sums_compare(actual, expected, digest_len, sums_name, reason, size);
}

/* The overlay at URL into FD, its SHA-1 into SHA1 (may be NULL), its size into *ret_size. */
static int fetch_into(const char *url, int fd, const struct fetch_options *o, uint8_t sha1[SUMS_SHA1_LEN],
                      uint64_t *ret_size, char *reason, size_t size)
{
    uint8_t digest[SUMS_SHA1_LEN];
    char error[256];

    int r = fetch_image(url, fd, o, sha1 ? sha1 : digest, ret_size, error, sizeof(error));
    if (r == -EFBIG)
        return reason_set(reason, size, r, "larger than %llu MiB", (unsigned long long)(o->max_size >> 20));
    if (r < 0)
        return reason_set(reason, size, r, "%s", error);
    return 0;
}

/* hopboot.verify=signed: URL.minisig by a trusted key, naming URL with a serial not below
 * the floor, checked before the overlay is fetched; then the bytes in RAM against it. */
static int fetch_signed(const char *url, const char *file, int fd, const struct trust *t,
                        const struct fetch_options *o, uint64_t *ret_serial, uint64_t *ret_size, char *reason,
                        size_t size)
{
    _cleanup_free_ char *sig_file = NULL, *sig_url = NULL, *text = NULL;
    struct minisign_signature sig;
    size_t len;

    if (asprintf(&sig_file, "%s.minisig", file) < 0 || asprintf(&sig_url, "%s.minisig", url) < 0)
        return reason_set(reason, size, -ENOMEM, "out of memory");
    int r = netboot_fetch_signature(sig_url, sig_file, o, &text, &len, reason, size);
    if (r < 0 || (r = trust_check_overlay_signature(t, text, len, sig_file, url, &sig, ret_serial, reason, size)) < 0 ||
        (r = fetch_into(url, fd, o, NULL, ret_size, reason, size)) < 0)
        return r;
    return trust_check_signed_fd(t, fd, &sig, reason, size);
}

static int fetch_and_check(const char *url, const char *file, int fd, const struct fetch_options *o,
                           const struct trust *t, struct overlay_result *ret, char *reason, size_t size)
{
    uint8_t sha1[SUMS_SHA1_LEN], sha256[SUMS_SHA256_LEN];
    int r;

    if (t->mode == VERIFY_SIGNED) {
        ret->check = OVERLAY_SIGNED_OK;
        return fetch_signed(url, file, fd, t, o, &ret->serial, &ret->size, reason, size);
    }
    if ((r = fetch_into(url, fd, o, sha1, &ret->size, reason, size)) < 0)
        return r;
    if (t->mode == VERIFY_SHA256) {
        /* The fetch hashed SHA-1 on the way; SHA-256 takes one more pass over the RAM copy. */
        if ((r = verify_from_start(fd, sha1, sha256)) < 0)
            return reason_set(reason, size, r, "cannot read it back (%s)", strerror(-r));
        ret->check = OVERLAY_SHA256_OK;
        return check_sums(url, file, t->mode, sha256, o, reason, size);
    }
    ret->check = OVERLAY_SHA1_OK;
    return check_sums(url, file, t->mode, sha1, o, reason, size);
}

int overlay_fetch(const char *url, const struct fetch_options *o, const struct trust *t, const char *path,
                  struct overlay_result *ret, char *reason, size_t size)
{
    const char *slash = strrchr(url, '/');
    const char *file = slash ? slash + 1 : url;
    struct overlay_result result = { 0 };

    (void)unlink(path);
    _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return reason_set(reason, size, -errno, "cannot store it in RAM (%s)", strerror(errno));
    int r = fetch_and_check(url, file, fd, o, t, &result, reason, size);
    if (r < 0) {
        (void)unlink(path);
        return r;
    }
    *ret = result;
    return 0;
}
