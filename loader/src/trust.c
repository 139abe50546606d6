/* trust.c - see trust.h. */
#include "trust.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "reason.h"
#include "sums.h"
#include "verify.h"

/* The verify_pass that reports T's progress (and nothing else yet). */
static struct verify_pass progress_pass(const struct trust *t)
{
    return (struct verify_pass){ .dst_fd = -1, .progress = t->progress, .progress_userdata = t->progress_userdata };
}

static int check_sha256(const struct boot_source *src, struct image *image, const struct verify_pass *pass,
                        char *reason, size_t size)
{
    _cleanup_free_ char *sums_file = NULL;
    uint8_t expected[SUMS_SHA256_LEN], actual[SUMS_SHA256_LEN], sha1[SUMS_SHA1_LEN];

    int r = boot_expected_digest(src->dirfd, image->file, "sha256", SUMS_SHA256_LEN, expected, reason, size);
    if (r < 0)
        return r;
    _cleanup_close_ int fd = fileio_open_regular(src->dirfd, image->file);
    if (fd < 0)
        return boot_unreadable(fd, reason, size);
    if ((r = verify_stream(fd, pass, sha1, actual, NULL)) < 0)
        return reason_set(reason, size, r, "cannot read the image (%s)", strerror(-r));
    if (asprintf(&sums_file, "%s.sha256", image->file) < 0)
        return reason_set(reason, size, -ENOMEM, "out of memory");
    return image_accept_sha256(image, sha1, actual, expected, sums_file, reason, size);
}

static void verifier_freep(struct minisign_verifier **v)
{
    minisign_verifier_free(*v);
}

static int feed_verifier(void *userdata, const void *data, size_t len)
{
    return minisign_verifier_update(userdata, data, len);
}

/* The signed trusted comment must name this very file, and its version must not be older
 * than the floor. */
static int check_signed_name(const struct trust *t, const struct minisign_signature *sig, const struct image *image,
                             char *reason, size_t size)
{
    const char *name, *file = image_base_name(image->file);
    size_t name_len;
    struct image signed_image;

    int r = minisign_comment_file(sig->trusted_comment, sig->trusted_comment_len, &name, &name_len);
    if (r < 0)
        return reason_set(reason, size, -EBADMSG, "its signature names no file (no file: in the trusted comment)");
    if (name_len != strlen(file) || memcmp(name, file, name_len) != 0)
        return reason_set(reason, size, -EBADMSG, "its signature is for %.*s, not for this file", (int)name_len,
                          name);
    if (!t->has_floor)
        return 0;
    if (image_from_file_name(t->name, file, &signed_image) < 0)
        return reason_set(reason, size, -EBADMSG, "the signed file name has no version");
    r = version_compare(&signed_image.version, &t->floor);
    image_done(&signed_image);
    if (r < 0)
        return reason_set(reason, size, -EPERM,
                          "older than the newest version the OS confirmed (rollback protection)");
    return 0;
}

int trust_check_algorithm(const struct minisign_signature *sig, const char *sig_file, char *reason, size_t size)
{
    if (sig->algorithm == MINISIGN_LEGACY && !HOPBOOT_LEGACY_SIGNATURES)
        return reason_set(reason, size, -EPROTONOSUPPORT,
                          "%s is a legacy signature (minisign -l), which this loader refuses", sig_file);
    return 0;
}

/* Read the signature file SIG_FILE of SOURCE's directory: "not signed" and the other
 * phrases for a card or a block or NFS source.  On success *ret_text / *ret_len. */
int trust_read_signature(int dirfd, const char *sig_file, char **ret_text, size_t *ret_len, char *reason,
                         size_t size)
{
    int r = fileio_read_file(dirfd, sig_file, MINISIGN_SIGNATURE_FILE_MAX, ret_text, ret_len);
    if (r == -ENOENT)
        return reason_set(reason, size, r, "not signed (no %s; hopboot.verify=signed)", sig_file);
    if (r == -EBADFD || r == -EISDIR)
        return reason_set(reason, size, r, "%s is not a regular file", sig_file);
    if (r == -EFBIG)
        return reason_set(reason, size, -EBADMSG, "malformed signature file %s", sig_file);
    if (r < 0)
        return reason_set(reason, size, r, "cannot read %s (%s)", sig_file, strerror(-r));
    return 0;
}

/* TEXT (LEN bytes, SIG_FILE's contents) as a signature this build accepts, by a trusted
 * key, over an unaltered trusted comment; a verifier for the bytes in *ret_verifier. */
static int trusted_signature(const struct trust *t, const char *text, size_t len, const char *sig_file,
                             struct minisign_signature *sig, struct minisign_verifier **ret_verifier, char *reason,
                             size_t size)
{
    char key_id[2 * MINISIGN_KEY_ID_LEN + 1];

    if (minisign_parse_signature(text, len, sig) < 0)
        return reason_set(reason, size, -EBADMSG, "malformed signature file %s", sig_file);
    int r = trust_check_algorithm(sig, sig_file, reason, size);
    if (r < 0)
        return r;
    r = minisign_verifier_new(sig, t->keys, t->n_keys, ret_verifier);
    minisign_format_key_id(sig->key_id, key_id);
    if (r == -ENOKEY)
        return reason_set(reason, size, r, "signed with key %s, which this loader does not trust", key_id);
    if (r == -EKEYREJECTED)
        return reason_set(reason, size, r, "the trusted comment of %s was altered (bad global signature)", sig_file);
    if (r < 0)
        return reason_set(reason, size, r, "cannot check %s (%s)", sig_file, strerror(-r));
    return 0;
}

/* trusted_signature, for IMAGE. */
static int signature_verifier(const struct trust *t, const char *text, size_t len, const char *sig_file,
                              const struct image *image, struct minisign_signature *sig,
                              struct minisign_verifier **ret_verifier, char *reason, size_t size)
{
    int r = trusted_signature(t, text, len, sig_file, sig, ret_verifier, reason, size);
    return r < 0 ? r : check_signed_name(t, sig, image, reason, size);
}

/* A serial as the trusted comment carries it: decimal digits, no leading zero, < 2^63. */
static bool parse_serial(const char *s, size_t len, uint64_t *ret)
{
    uint64_t v = 0;

    if (len == 0 || len > 18 || (s[0] == '0' && len > 1))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *ret = v;
    return true;
}

/* An overlay's trusted comment: url: names URL exactly, serial: is not below the floor. */
static int check_overlay_comment(const struct trust *t, const struct minisign_signature *sig, const char *url,
                                 uint64_t *ret_serial, char *reason, size_t size)
{
    const char *value;
    size_t len;
    uint64_t serial;

    int r = minisign_comment_field(sig->trusted_comment, sig->trusted_comment_len, "url", &value, &len);
    if (r < 0)
        return reason_set(reason, size, -EBADMSG,
                          "its signature names no URL (no url: in the trusted comment; images/signoverlay)");
    if (len != strlen(url) || memcmp(value, url, len) != 0)
        return reason_set(reason, size, -EBADMSG, "its signature is for %.*s, not for this URL", (int)len, value);
    r = minisign_comment_field(sig->trusted_comment, sig->trusted_comment_len, "serial", &value, &len);
    if (r < 0 || !parse_serial(value, len, &serial))
        return reason_set(reason, size, -EBADMSG,
                          "its signature carries no serial (no serial: in the trusted comment; images/signoverlay)");
    if (serial < t->overlay_floor)
        return reason_set(reason, size, -EPERM,
                          "its serial %llu is older than serial %llu, which this machine took before "
                          "(replay protection)", (unsigned long long)serial, (unsigned long long)t->overlay_floor);
    *ret_serial = serial;
    return 0;
}

int trust_check_overlay_signature(const struct trust *t, const char *text, size_t len, const char *sig_file,
                                  const char *url, struct minisign_signature *ret_sig, uint64_t *ret_serial,
                                  char *reason, size_t size)
{
    _cleanup_(verifier_freep) struct minisign_verifier *verifier = NULL;
    int r = trusted_signature(t, text, len, sig_file, ret_sig, &verifier, reason, size);
    return r < 0 ? r : check_overlay_comment(t, ret_sig, url, ret_serial, reason, size);
}

/* How a verifier's end went, as one phrase. */
static int signed_bytes_result(int r, const struct minisign_signature *sig, char *reason, size_t size)
{
    char key_id[2 * MINISIGN_KEY_ID_LEN + 1];

    minisign_format_key_id(sig->key_id, key_id);
    if (r == -EFBIG)
        return reason_set(reason, size, r, "it grew while being read, or its legacy (non-prehashed) signature "
                                           "covers more than %d MiB", MINISIGN_LEGACY_MAX_SIZE >> 20);
    if (r == -EKEYREJECTED)
        return reason_set(reason, size, r, "its bytes do not match the signature by key %s", key_id);
    if (r < 0)
        return reason_set(reason, size, r, "cannot copy it into RAM (%s)", strerror(-r));
    return 0;
}

int trust_check_signature(const struct trust *t, const char *text, size_t len, const char *sig_file,
                          const struct image *image, struct minisign_signature *ret_sig, char *reason, size_t size)
{
    _cleanup_(verifier_freep) struct minisign_verifier *verifier = NULL;
    return signature_verifier(t, text, len, sig_file, image, ret_sig, &verifier, reason, size);
}

int trust_check_signed_fd(const struct trust *t, int fd, const struct minisign_signature *sig, char *reason,
                          size_t size)
{
    if (lseek(fd, 0, SEEK_SET) < 0)
        return reason_set(reason, size, -errno, "cannot read it back (%s)", strerror(errno));
    return signed_bytes_result(minisign_verify_fd(fd, sig, t->keys, t->n_keys), sig, reason, size);
}

static int check_signed(const struct trust *t, const struct boot_source *src, struct image *image,
                        const struct verify_pass *copy, char *reason, size_t size)
{
    _cleanup_free_ char *sig_file = NULL, *text = NULL;
    _cleanup_(verifier_freep) struct minisign_verifier *verifier = NULL;
    struct minisign_signature sig;
    uint8_t sha1[SUMS_SHA1_LEN];
    size_t len;

    if (asprintf(&sig_file, "%s.minisig", image->file) < 0)
        return reason_set(reason, size, -ENOMEM, "out of memory");
    int r = trust_read_signature(src->dirfd, sig_file, &text, &len, reason, size);
    if (r < 0 || (r = signature_verifier(t, text, len, sig_file, image, &sig, &verifier, reason, size)) < 0)
        return r;

    /* One pass: the card's bytes (into RAM when COPY says so) through the verifier and SHA-1. */
    _cleanup_close_ int src_fd = fileio_open_regular(src->dirfd, image->file);
    if (src_fd < 0)
        return boot_unreadable(src_fd, reason, size);
    struct verify_pass pass = *copy;
    pass.observe = feed_verifier;
    pass.userdata = verifier;
    r = verify_stream(src_fd, &pass, sha1, NULL, NULL);
    if (r >= 0)
        r = minisign_verifier_final(verifier);
    if ((r = signed_bytes_result(r, &sig, reason, size)) < 0)
        return r;
    memcpy(image->sha1, sha1, sizeof(sha1));
    image->verified = true;
    return 0;
}

/* With RAM_PATH: make sure IMAGE fits in MAX_SIZE (0: any size) and create RAM_PATH
 * afresh for the copy into *RET_FD; without, *RET_FD is -1. */
static int open_ram_copy(const struct boot_source *src, const struct image *image, const char *ram_path,
                         uint64_t max_size, int *ret_fd, char *reason, size_t size)
{
    struct stat st;

    *ret_fd = -1;
    if (!ram_path)
        return 0;
    if (fstatat(src->dirfd, image->file, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return boot_unreadable(-errno, reason, size);
    if (!S_ISREG(st.st_mode))
        return boot_unreadable(S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD, reason, size);
    if (max_size && (uint64_t)st.st_size > max_size)
        return reason_set(reason, size, -EFBIG, "too large for this machine's RAM (at most %llu MiB fit)",
                          (unsigned long long)(max_size >> 20));
    (void)unlink(ram_path);
    *ret_fd = open(ram_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (*ret_fd < 0)
        return reason_set(reason, size, -errno, "cannot store it in RAM (%s)", strerror(errno));
    return 0;
}

int trust_check_card(const struct trust *t, const struct boot_source *src, struct image *image,
                     const char *ram_path, uint64_t max_size, char *reason, size_t size)
{
    _cleanup_close_ int dst_fd = -1;
    int r = open_ram_copy(src, image, ram_path, max_size, &dst_fd, reason, size);
    if (r < 0)
        return r;
    struct verify_pass pass = progress_pass(t);
    pass.dst_fd = dst_fd;
    pass.max_size = ram_path ? max_size : 0;
    switch (t->mode) {
    case VERIFY_SHA256:
        r = check_sha256(src, image, &pass, reason, size);
        break;
    case VERIFY_SIGNED:
        r = check_signed(t, src, image, &pass, reason, size);
        break;
    case VERIFY_SHA1:
        r = boot_verify_card(src, image, &pass, reason, size);
        break;
    }
    if (r < 0 && ram_path)
        (void)unlink(ram_path);
    return r;
}

const char *trust_checked(const struct trust *t)
{
    switch (t->mode) {
    case VERIFY_SHA256:
        return "sha256 ok";
    case VERIFY_SIGNED:
        return "signature ok";
    case VERIFY_SHA1:
        break;
    }
    return "sha1 ok";
}

void trust_set_floor(struct trust *t, const char *floor)
{
    t->has_floor = floor[0] && version_parse(floor, strlen(floor), &t->floor) >= 0;
}

void trust_done(struct trust *t)
{
    free(t->keys);
    *t = (struct trust){ 0 };
}
