/* image.h - the one struct that travels through the pipeline: a candidate OS image,
 * from the moment it is found until it boots or is rejected. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sums.h"
#include "version.h"

#define IMAGE_SHA1_LEN 20

struct image {
    char *file;                      /* file name in its source directory: "Demo-1.1.0.img" */
    char *label;                     /* the file name without ".img": "Demo-1.1.0" */
    struct version version;
    char *url;                       /* where it is fetched from; NULL on the card */
    uint8_t sha1[IMAGE_SHA1_LEN];    /* valid once verified is true */
    bool verified;
};

/* Fill *ret for FILE if it is named NAME-X.Y.Z.img (NAME exactly, version per version.h).
 * Returns 0, -EINVAL when the name does not match, -ENOMEM. */
int image_from_file_name(const char *name, const char *file, struct image *ret);

/* The file name of FILE without the folder it is in: "Demo-1.2.0.img" for
 * "boot-images/Demo-1.2.0.img".  Checksum and signature files name the image this way,
 * and the boot state keeps trial records under it (hopboot-bless knows only the name). */
const char *image_base_name(const char *file);

/* Accept ACTUAL as IMAGE's digest when it equals EXPECTED (setting image->sha1 and
 * image->verified) and return 0; else write "checksum mismatch (file is ..., SUMS_NAME
 * says ...)" into REASON and return -EBADMSG. */
int image_accept_digest(struct image *image, const uint8_t actual[IMAGE_SHA1_LEN],
                        const uint8_t expected[IMAGE_SHA1_LEN], const char *sums_name, char *reason,
                        size_t reason_size);

/* hopboot.verify=sha256: as image_accept_digest for the SHA-256 digests ACTUAL and
 * EXPECTED; image->sha1 (the identity the boot state keeps) is set to SHA1. */
int image_accept_sha256(struct image *image, const uint8_t sha1[IMAGE_SHA1_LEN], const uint8_t actual[SUMS_SHA256_LEN],
                        const uint8_t expected[SUMS_SHA256_LEN], const char *sums_name, char *reason,
                        size_t reason_size);

/* Release what an image owns (not the struct itself). */
void image_done(struct image *image);

/* image_done() each of N images, then free the array.  IMAGES may be NULL. */
void image_free_array(struct image *images, size_t n);
