/* verify.h - streaming SHA-1 of an image through libcrypto EVP: the image is read once,
 * sequentially, in large blocks. Does not log. */
#pragma once

#include <stdint.h>

#include "sums.h"

/* Hash FD from its current offset to end of file into ret_digest.
 * Returns 0 or -errno (-EIO for a read error, -ENOMEM, -ENOTRECOVERABLE for libcrypto). */
int verify_sha1_fd(int fd, uint8_t ret_digest[SUMS_SHA1_LEN]);

/* Copy SRC_FD (from its current offset to its end) into DST_FD, hashing every byte in the
 * same pass, so an image read from a network filesystem into RAM is read once.
 * Returns 0 with ret_digest and *ret_size filled, or -errno. */
int verify_copy_sha1(int src_fd, int dst_fd, uint8_t ret_digest[SUMS_SHA1_LEN], uint64_t *ret_size);

/* Hash the file PATH (relative to DIRFD) and compare with EXPECTED.  Returns 0 when they
 * match, -EBADMSG when they differ, another -errno when the file cannot be read.
 * ret_actual (may be NULL) receives the file's digest whenever it was read to the end,
 * i.e. on a mismatch too, so the caller can show both. */
int verify_file(int dirfd, const char *path, const uint8_t expected[SUMS_SHA1_LEN], uint8_t ret_actual[SUMS_SHA1_LEN]);
