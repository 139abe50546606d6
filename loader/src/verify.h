/* verify.h - streaming SHA-1 of an image through libcrypto EVP: the image is read once,
 * sequentially, in large blocks. Does not log. */
#pragma once

#include <stdint.h>

#include <stddef.h>

#include "sums.h"

/* What else one pass over an image does with its bytes besides hashing them. */
struct verify_pass {
    int dst_fd;        /* >= 0: copy every byte there (into RAM) */
    uint64_t max_size; /* > 0: fail with -EFBIG past this many bytes */
    int (*observe)(void *userdata, const void *data, size_t len); /* e.g. a signature check */
    void *userdata;
    /* Told after each block how many bytes are done of the file's size (0 when FD is no
     * regular file), e.g. progress_callback. */
    void (*progress)(void *userdata, uint64_t done, uint64_t total);
    void *progress_userdata;
};

/* Read FD from its current offset to its end once, in large blocks: SHA-1 into ret_sha1,
 * SHA-256 into ret_sha256 when not NULL, and PASS (may be NULL) for the rest.  Returns 0
 * with *ret_size (may be NULL) set, or -errno: -EIO etc. for a read error, -EFBIG, the
 * first negative value of PASS->observe, -ENOMEM, -ENOTRECOVERABLE for libcrypto. */
int verify_stream(int fd, const struct verify_pass *pass, uint8_t ret_sha1[SUMS_SHA1_LEN],
                  uint8_t ret_sha256[SUMS_SHA256_LEN], uint64_t *ret_size);

/* Hash FD from its current offset to end of file into ret_digest.
 * Returns 0 or -errno (-EIO for a read error, -ENOMEM, -ENOTRECOVERABLE for libcrypto). */
int verify_sha1_fd(int fd, uint8_t ret_digest[SUMS_SHA1_LEN]);

/* Hash FD from its start (a copy in RAM, read again): SHA-1 into ret_sha1, SHA-256 into
 * ret_sha256 (may be NULL).  Returns 0 or -errno as verify_stream. */
int verify_from_start(int fd, uint8_t ret_sha1[SUMS_SHA1_LEN], uint8_t ret_sha256[SUMS_SHA256_LEN]);

/* Hash the file PATH (relative to DIRFD), with PASS (may be NULL) as in verify_stream,
 * and compare with EXPECTED.  Returns 0 when they
 * match, -EBADMSG when they differ, another -errno when the file cannot be read.
 * ret_actual (may be NULL) receives the file's digest whenever it was read to the end,
 * i.e. on a mismatch too, so the caller can show both. */
int verify_file(int dirfd, const char *path, const struct verify_pass *pass, const uint8_t expected[SUMS_SHA1_LEN],
                uint8_t ret_actual[SUMS_SHA1_LEN]);
