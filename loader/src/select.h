/* select.h - the order in which candidates are tried. Pure. */
#pragma once

#include <stddef.h>

#include "image.h"

/* Sort N images newest first by version (version.h); equal versions are ordered by file
 * name so the result never depends on directory order. */
void select_order(struct image *images, size_t n);
