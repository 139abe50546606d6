/* verify.c - see verify.h. */
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

/* 1 MiB blocks: large enough that syscalls vanish from the profile, small enough for a
 * loader with little RAM. */
#define VERIFY_BLOCK_SIZE (1024 * 1024)

static void evp_md_ctx_freep(EVP_MD_CTX **ctx)
{
    EVP_MD_CTX_free(*ctx);
}

static int digest_final(EVP_MD_CTX *ctx, uint8_t *out, unsigned expected_len)
{
    unsigned int len = 0;
    uint8_t digest[EVP_MAX_MD_SIZE];

    if (EVP_DigestFinal_ex(ctx, digest, &len) != 1 || len != expected_len)
        return -ENOTRECOVERABLE;
    memcpy(out, digest, len);
    return 0;
}

int verify_stream(int fd, const struct verify_pass *pass, uint8_t ret_sha1[SUMS_SHA1_LEN],
                  uint8_t ret_sha256[SUMS_SHA256_LEN], uint64_t *ret_size)
{
    _cleanup_(evp_md_ctx_freep) EVP_MD_CTX *sha1 = EVP_MD_CTX_new();
    _cleanup_(evp_md_ctx_freep) EVP_MD_CTX *sha256 = ret_sha256 ? EVP_MD_CTX_new() : NULL;
    _cleanup_free_ uint8_t *buf = malloc(VERIFY_BLOCK_SIZE);
    int dst_fd = pass ? pass->dst_fd : -1;
    if (!sha1 || !buf || (ret_sha256 && !sha256))
        return -ENOMEM;
    if (EVP_DigestInit_ex(sha1, EVP_sha1(), NULL) != 1 ||
        (sha256 && EVP_DigestInit_ex(sha256, EVP_sha256(), NULL) != 1))
        return -ENOTRECOVERABLE;

    uint64_t size = 0, total = 0;
    struct stat st;
    if (pass && pass->progress && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        total = (uint64_t)st.st_size;
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    for (;;) {
        ssize_t n = read(fd, buf, VERIFY_BLOCK_SIZE);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;
        if (EVP_DigestUpdate(sha1, buf, (size_t)n) != 1 || (sha256 && EVP_DigestUpdate(sha256, buf, (size_t)n) != 1))
            return -ENOTRECOVERABLE;
        if (pass && pass->observe) {
            int r = pass->observe(pass->userdata, buf, (size_t)n);
            if (r < 0)
                return r;
        }
        if (dst_fd >= 0) {
            int r = fileio_write_all(dst_fd, buf, (size_t)n);
            if (r < 0)
                return r;
        }
        size += (uint64_t)n;
        if (pass && pass->max_size && size > pass->max_size)
            return -EFBIG;
        if (pass && pass->progress)
            pass->progress(pass->progress_userdata, size, total);
    }
    int r = digest_final(sha1, ret_sha1, SUMS_SHA1_LEN);
    if (r >= 0 && sha256)
        r = digest_final(sha256, ret_sha256, SUMS_SHA256_LEN);
    if (r >= 0 && ret_size)
        *ret_size = size;
    return r;
}

int verify_sha1_fd(int fd, uint8_t ret_digest[SUMS_SHA1_LEN])
{
    return verify_stream(fd, NULL, ret_digest, NULL, NULL);
}

int verify_from_start(int fd, uint8_t ret_sha1[SUMS_SHA1_LEN], uint8_t ret_sha256[SUMS_SHA256_LEN])
{
    if (lseek(fd, 0, SEEK_SET) < 0)
        return -errno;
    return verify_stream(fd, NULL, ret_sha1, ret_sha256, NULL);
}

int verify_file(int dirfd, const char *path, const struct verify_pass *pass, const uint8_t expected[SUMS_SHA1_LEN],
                uint8_t ret_actual[SUMS_SHA1_LEN])
{
    uint8_t actual[SUMS_SHA1_LEN];

    _cleanup_close_ int fd = fileio_open_regular(dirfd, path);
    if (fd < 0)
        return fd;
    int r = verify_stream(fd, pass, actual, NULL, NULL);
    if (r < 0)
        return r;
    if (ret_actual)
        memcpy(ret_actual, actual, SUMS_SHA1_LEN);
    return memcmp(actual, expected, SUMS_SHA1_LEN) == 0 ? 0 : -EBADMSG;
}
