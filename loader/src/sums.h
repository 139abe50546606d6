/* sums.h - checksum files in sha1sum format ("<40 hex>  Name-X.Y.Z.img"). Pure. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SUMS_SHA1_LEN 20
#define SUMS_SHA1_HEX_LEN 40
#define SUMS_SHA256_LEN 32
#define SUMS_MAX_LEN 64 /* the longest digest parsed (SHA-512 size) */
/* A .sha1 file is one line; anything larger is not one. */
#define SUMS_MAX_FILE_SIZE 4096

/* Parse the LEN bytes of TEXT as the .sha1 file of FILE: exactly one line holding 40 hex
 * digits (either case), then two spaces or " *" (sha1sum's binary marker), then exactly
 * FILE, then an optional "\r" and an optional "\n".  Returns 0 and fills ret_digest;
 * -EBADMSG for anything else (empty, short or non-hex digest, another file name, several
 * lines, BSD "SHA1 (f) = x" style, escaped names). */
int sums_parse_sha1_file(const char *text, size_t len, const char *file, uint8_t ret_digest[SUMS_SHA1_LEN]);

/* Look FILE up in an index of many sha1sum lines (SHA1SUMS, as `sha1sum *.img` or
 * images/mkindex write it) or, with DIGEST_LEN SUMS_SHA256_LEN, sha256sum lines
 * (SHA256SUMS): each line "<2*DIGEST_LEN hex>  NAME" or "<hex> *NAME", "\r\n" or "\n"
 * endings, empty lines allowed.  Returns 0 and fills the DIGEST_LEN bytes of ret_digest
 * when FILE is listed exactly once; -ENOENT when it is not listed; -EBADMSG when any line
 * is malformed or FILE is listed twice (an index that cannot be trusted as a whole is not
 * used at all); -EINVAL for a DIGEST_LEN of 0 or above SUMS_MAX_LEN. */
int sums_parse_index(const char *text, size_t len, const char *file, size_t digest_len, uint8_t *ret_digest);

/* Call FN(name, name_len, digest, userdata) for each file an index (as for
 * sums_parse_index, DIGEST_LEN bytes per digest) lists.  Returns 0, -EBADMSG for a
 * malformed index (FN may have been called for earlier lines), -EINVAL for a bad
 * DIGEST_LEN, or the first negative value FN returns. */
int sums_index_foreach(const char *text, size_t len, size_t digest_len,
                       int (*fn)(const char *name, size_t name_len, const uint8_t *digest, void *userdata),
                       void *userdata);

/* Write DIGEST as 40 lower-case hex digits and a NUL into OUT. */
void sums_format_hex(const uint8_t digest[SUMS_SHA1_LEN], char out[SUMS_SHA1_HEX_LEN + 1]);

/* As sums_parse_sha1_file, for a digest of DIGEST_LEN bytes (2*DIGEST_LEN hex digits):
 * SUMS_SHA256_LEN for a .sha256 file in sha256sum format.  -EINVAL for a DIGEST_LEN of 0
 * or above SUMS_MAX_LEN. */
int sums_parse_file(const char *text, size_t len, const char *file, size_t digest_len, uint8_t *ret_digest);

/* Write the DIGEST_LEN bytes of DIGEST as lower-case hex and a NUL into OUT
 * (2*DIGEST_LEN+1 bytes). */
void sums_format_hex_n(const uint8_t *digest, size_t digest_len, char *out);

/* Whether ACTUAL and EXPECTED (DIGEST_LEN bytes) are the same digest: 0, or -EBADMSG with
 * "checksum mismatch (file is 0123456789ab..., SUMS_NAME says 89abcdef0123...)" in
 * REASON (-EINVAL for a bad DIGEST_LEN). */
int sums_compare(const uint8_t *actual, const uint8_t *expected, size_t digest_len, const char *sums_name,
                 char *reason, size_t reason_size);
