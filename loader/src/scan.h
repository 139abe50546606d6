/* scan.h - list the candidate images in a directory. Does not log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "image.h"

/* A directory entry named like an image for NAME ("NAME-" ... ".img") that is nevertheless
 * no candidate, and why: the caller says so in one line instead of passing over it in
 * silence (a "Demo-1.5.0 (copy).img" would otherwise just never boot). */
struct scan_ignored {
    char *file;   /* its name, control characters shown as '?' */
    char *reason; /* one phrase: "version \"1.5.0 (copy)\" is not numbers separated by dots" */
};

/* altboot's folder of images: every source is scanned at its top and in here. */
#define SCAN_SUBDIR "boot-images"

/* Collect every regular file named NAME-X.Y.Z.img in DIRFD and in its SCAN_SUBDIR (those
 * with image->file "boot-images/NAME-X.Y.Z.img"); other names are ignored.  A missing
 * SCAN_SUBDIR is no error.  The array is unordered (see select.h).  On success *ret_images (free with
 * image_free_array) and *ret_n are set; zero candidates is a success with n == 0.
 * Returns 0 or -errno. */
int scan_directory(int dirfd, const char *name, struct image **ret_images, size_t *ret_n);

/* scan_directory(), and also every entry that starts with "NAME-" and ends in ".img" but
 * is no candidate (see scan_classify), sorted by name, in *ret_ignored (free with
 * scan_ignored_free_array) and *ret_n_ignored.  Nothing is set on failure. */
int scan_directory_report(int dirfd, const char *name, struct image **ret_images, size_t *ret_n,
                          struct scan_ignored **ret_ignored, size_t *ret_n_ignored);

/* What FILE (REGULAR: a regular file) is to a scan for NAME:
 *   0        a candidate: *ret_image is filled (image_done it);
 *   1        named "NAME-...img" but no candidate: *ret_reason is a malloc'd phrase saying
 *            why (the version is empty, not numbers separated by dots, has more than
 *            VERSION_MAX_PARTS parts or a part above 4294967295; not a regular file);
 *   -EINVAL  not named like an image for NAME at all (kd.img, Demo-1.0.img.sha1, Other-1.img);
 *   -ENOMEM. */
int scan_classify(const char *name, const char *file, bool regular, struct image *ret_image, char **ret_reason);

/* Free N entries and the array.  IGNORED may be NULL. */
void scan_ignored_free_array(struct scan_ignored *ignored, size_t n);
