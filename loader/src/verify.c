/* verify.c - see verify.h. */
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
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

/* Hash FD to its end; with DST_FD >= 0 also write every block there. */
static int hash_stream(int fd, int dst_fd, uint8_t ret_digest[SUMS_SHA1_LEN], uint64_t *ret_size)
{
    _cleanup_(evp_md_ctx_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    _cleanup_free_ uint8_t *buf = malloc(VERIFY_BLOCK_SIZE);
    if (!ctx || !buf)
        return -ENOMEM;
    if (EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1)
        return -ENOTRECOVERABLE;

    uint64_t size = 0;
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
        if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
            return -ENOTRECOVERABLE;
        if (dst_fd >= 0) {
            int r = fileio_write_all(dst_fd, buf, (size_t)n);
            if (r < 0)
                return r;
        }
        size += (uint64_t)n;
    }

    unsigned int digest_len = 0;
    uint8_t digest[EVP_MAX_MD_SIZE];
    if (EVP_DigestFinal_ex(ctx, digest, &digest_len) != 1 || digest_len != SUMS_SHA1_LEN)
        return -ENOTRECOVERABLE;
    memcpy(ret_digest, digest, SUMS_SHA1_LEN);
    if (ret_size)
        *ret_size = size;
    return 0;
}

int verify_sha1_fd(int fd, uint8_t ret_digest[SUMS_SHA1_LEN])
{
    return hash_stream(fd, -1, ret_digest, NULL);
}

int verify_copy_sha1(int src_fd, int dst_fd, uint8_t ret_digest[SUMS_SHA1_LEN], uint64_t *ret_size)
{
    return hash_stream(src_fd, dst_fd, ret_digest, ret_size);
}

int verify_file(int dirfd, const char *path, const uint8_t expected[SUMS_SHA1_LEN], uint8_t ret_actual[SUMS_SHA1_LEN])
{
    uint8_t actual[SUMS_SHA1_LEN];

    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return -errno;
    int r = verify_sha1_fd(fd, actual);
    if (r < 0)
        return r;
    if (ret_actual)
        memcpy(ret_actual, actual, SUMS_SHA1_LEN);
    return memcmp(actual, expected, SUMS_SHA1_LEN) == 0 ? 0 : -EBADMSG;
}
