/* image.c - see image.h. */
#include "image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "sums.h"

const char *image_base_name(const char *file)
{
    const char *slash = strrchr(file, '/');
    return slash ? slash + 1 : file;
}

int image_from_file_name(const char *name, const char *file, struct image *ret)
{
    static const char suffix[] = ".img";
    size_t name_len = strlen(name), file_len = strlen(file), suffix_len = strlen(suffix);

    if (name_len == 0 || file_len <= name_len + 1 + suffix_len)
        return -EINVAL;
    if (strncmp(file, name, name_len) != 0 || file[name_len] != '-')
        return -EINVAL;
    if (strcmp(file + file_len - suffix_len, suffix) != 0)
        return -EINVAL;

    struct version version;
    const char *v = file + name_len + 1;
    if (version_parse(v, file_len - suffix_len - name_len - 1, &version) < 0)
        return -EINVAL;

    _cleanup_free_ char *file_copy = strdup(file);
    _cleanup_free_ char *label = strndup(file, file_len - suffix_len);
    if (!file_copy || !label)
        return -ENOMEM;

    *ret = (struct image){
        .file = TAKE_PTR(file_copy),
        .label = TAKE_PTR(label),
        .version = version,
    };
    return 0;
}

/* Accept IMAGE as SHA1 when ACTUAL equals EXPECTED (DIGEST_LEN bytes). */
static int accept(struct image *image, const uint8_t sha1[IMAGE_SHA1_LEN], const uint8_t *actual,
                  const uint8_t *expected, size_t digest_len, const char *sums_name, char *reason, size_t reason_size)
{
    int r = sums_compare(actual, expected, digest_len, sums_name, reason, reason_size);
    if (r < 0)
        return r;
    memcpy(image->sha1, sha1, IMAGE_SHA1_LEN);
    image->verified = true;
    return 0;
}

int image_accept_digest(struct image *image, const uint8_t actual[IMAGE_SHA1_LEN],
                        const uint8_t expected[IMAGE_SHA1_LEN], const char *sums_name, char *reason,
                        size_t reason_size)
{
    return accept(image, actual, actual, expected, IMAGE_SHA1_LEN, sums_name, reason, reason_size);
}

int image_accept_sha256(struct image *image, const uint8_t sha1[IMAGE_SHA1_LEN], const uint8_t actual[SUMS_SHA256_LEN],
                        const uint8_t expected[SUMS_SHA256_LEN], const char *sums_name, char *reason,
                        size_t reason_size)
{
    return accept(image, sha1, actual, expected, SUMS_SHA256_LEN, sums_name, reason, reason_size);
}

void image_done(struct image *image)
{
    free(image->file);
    free(image->label);
    free(image->url);
    image->file = image->label = image->url = NULL;
}

void image_free_array(struct image *images, size_t n)
{
    if (!images)
        return;
    for (size_t i = 0; i < n; i++)
        image_done(&images[i]);
    free(images);
}
