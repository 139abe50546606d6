/* version.c - see version.h. */
#include "version.h"

#include <errno.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int version_parse(const char *s, size_t len, struct version *ret)
{
    struct version v = { 0 };
    size_t i = 0;

    for (;;) {
        if (i >= len || !is_digit(s[i]))
            return -EINVAL;
        if (v.n_parts == VERSION_MAX_PARTS)
            return -ERANGE;

        uint64_t value = 0;
        for (; i < len && is_digit(s[i]); i++) {
            value = value * 10 + (uint64_t)(s[i] - '0');
            if (value > UINT32_MAX)
                return -ERANGE;
        }
        v.part[v.n_parts++] = (uint32_t)value;

        if (i == len)
            break;
        if (s[i] != '.')
            return -EINVAL;
        i++; /* a dot must be followed by digits: checked at the top of the loop */
    }
    *ret = v;
    return 0;
}

int version_compare(const struct version *a, const struct version *b)
{
    unsigned n = a->n_parts > b->n_parts ? a->n_parts : b->n_parts;

    for (unsigned i = 0; i < n; i++) {
        uint32_t pa = i < a->n_parts ? a->part[i] : 0;
        uint32_t pb = i < b->n_parts ? b->part[i] : 0;
        if (pa != pb)
            return pa < pb ? -1 : 1;
    }
    return (a->n_parts > b->n_parts) - (a->n_parts < b->n_parts);
}
