/* select.c - see select.h. */
#include "select.h"

#include <stdlib.h>
#include <string.h>

static int newest_first(const void *a, const void *b)
{
    const struct image *x = a, *y = b;
    int r = version_compare(&y->version, &x->version);
    return r != 0 ? r : strcmp(x->file, y->file);
}

void select_order(struct image *images, size_t n)
{
    if (n > 1)
        qsort(images, n, sizeof(*images), newest_first);
}
