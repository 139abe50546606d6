/* version.h - the X.Y.Z in Name-X.Y.Z.img: parsing and numeric ordering. Pure. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define VERSION_MAX_PARTS 8

struct version {
    unsigned n_parts;
    uint32_t part[VERSION_MAX_PARTS];
};

/* Parse LEN bytes at S as digits separated by single dots ("0.4.10").  Leading zeros are
 * allowed and ignored ("0.04" is 0.4).  Returns 0 and fills *ret; -EINVAL for anything
 * else (empty, empty component, sign, letters, trailing dot); -ERANGE when a component
 * exceeds 2^32-1 or there are more than VERSION_MAX_PARTS components. */
int version_parse(const char *s, size_t len, struct version *ret);

/* Numeric order, component by component, missing components counting as 0, so 0.4.10 is
 * newer than 0.4.9.  When that ties ("1.0" vs "1.0.0") the one with more components is
 * newer, so the order is total.  Returns <0, 0 or >0 like strcmp. */
int version_compare(const struct version *a, const struct version *b);
