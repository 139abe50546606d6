/* scan.h - list the candidate images in a directory. Does not log. */
#pragma once

#include <stddef.h>

#include "image.h"

/* Collect every regular file in DIRFD named NAME-X.Y.Z.img; other names are ignored.
 * The array is unordered (see select.h).  On success *ret_images (free with
 * image_free_array) and *ret_n are set; zero candidates is a success with n == 0.
 * Returns 0 or -errno. */
int scan_directory(int dirfd, const char *name, struct image **ret_images, size_t *ret_n);
