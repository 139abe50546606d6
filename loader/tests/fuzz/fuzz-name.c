/* fuzz-name.c - image_from_file_name (image.h), version_parse and version_compare
 * (version.h) against the contracts their headers state.
 *
 * Input: "NAME\nFILE\nVERSION\nVERSION...": FILE is matched against NAME, every later line
 * is parsed as a version, and every pair and triple of the versions that parse (FILE's
 * included) is checked for a total order. */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "image.h"
#include "version.h"

#define MAX_VERSIONS 12 /* triples are checked: keep the cube small */

/* What version.h promises, written out independently: *ret_syntax says whether S is
 * digits separated by single dots; returns the expected version_parse result. */
static int reference_parse(const char *s, size_t len, struct version *ret, bool *ret_syntax)
{
    struct version v = { 0 };
    bool syntax = len > 0, range = true;
    size_t runs = 0;

    for (size_t i = 0; i < len;) {
        if (s[i] < '0' || s[i] > '9') {
            /* only a dot between two digits belongs to the syntax */
            if (s[i] != '.' || i == 0 || i + 1 == len || s[i + 1] < '0' || s[i + 1] > '9')
                syntax = false;
            i++;
            continue;
        }
        uint64_t value = 0;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            if (value <= UINT32_MAX) /* saturate: leading zeros may make runs of any length */
                value = value * 10 + (uint64_t)(s[i] - '0');
        if (value > UINT32_MAX)
            range = false;
        if (runs < VERSION_MAX_PARTS)
            v.part[runs] = (uint32_t)value;
        runs++;
    }
    if (runs > VERSION_MAX_PARTS)
        range = false;
    *ret_syntax = syntax;
    if (!range)
        return -ERANGE;
    if (!syntax)
        return -EINVAL;
    v.n_parts = (unsigned)runs;
    *ret = v;
    return 0;
}

static bool version_equal(const struct version *a, const struct version *b)
{
    if (a->n_parts != b->n_parts)
        return false;
    for (unsigned i = 0; i < a->n_parts; i++)
        if (a->part[i] != b->part[i])
            return false;
    return true;
}

/* The order version.h describes: numeric, missing components are 0, then more components win. */
static int reference_compare(const struct version *a, const struct version *b)
{
    for (unsigned i = 0; i < VERSION_MAX_PARTS; i++) {
        uint32_t pa = i < a->n_parts ? a->part[i] : 0, pb = i < b->n_parts ? b->part[i] : 0;
        if (pa != pb)
            return pa < pb ? -1 : 1;
    }
    return (a->n_parts > b->n_parts) - (a->n_parts < b->n_parts);
}

static void check_parse(const char *s, size_t len, struct version *versions, size_t *n)
{
    struct version got = { 0 }, want = { 0 };
    bool syntax;
    int r = version_parse(s, len, &got);
    int expected = reference_parse(s, len, &want, &syntax);

    FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ERANGE);
    if (syntax || expected == -EINVAL)
        FUZZ_ASSERT(r == expected); /* no range problem: the syntax decides, and vice versa */
    else
        FUZZ_ASSERT(r < 0); /* bad syntax and a range problem: either error will do */
    if (r == 0) {
        FUZZ_ASSERT(got.n_parts >= 1 && got.n_parts <= VERSION_MAX_PARTS);
        FUZZ_ASSERT(version_equal(&got, &want));
        if (*n < MAX_VERSIONS)
            versions[(*n)++] = got;
    }
}

/* image_from_file_name accepts exactly NAME "-" VERSION ".img". */
static void check_image(const char *name, const char *file, struct version *versions, size_t *n)
{
    size_t name_len = strlen(name), file_len = strlen(file);
    struct image image = { 0 };
    struct version want = { 0 };
    bool shape = name_len > 0 && file_len > name_len + 1 + 4 && strncmp(file, name, name_len) == 0 &&
                 file[name_len] == '-' && strcmp(file + file_len - 4, ".img") == 0;
    bool syntax;
    bool valid = shape && reference_parse(file + name_len + 1, file_len - name_len - 5, &want, &syntax) == 0;

    int r = image_from_file_name(name, file, &image);
    FUZZ_ASSERT(r == (valid ? 0 : -EINVAL));
    if (r < 0)
        return;
    FUZZ_ASSERT(image.file && strcmp(image.file, file) == 0);
    FUZZ_ASSERT(image.label && strlen(image.label) == file_len - 4 && strncmp(image.label, file, file_len - 4) == 0);
    FUZZ_ASSERT(version_equal(&image.version, &want));
    FUZZ_ASSERT(!image.url && !image.verified);
    versions[(*n)++] = image.version;
    image_done(&image);
    FUZZ_ASSERT(!image.file && !image.label && !image.url);
}

/* Antisymmetric, total (0 only for equal versions), transitive, and the documented order. */
static void check_order(const struct version *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int ij = fuzz_sign(version_compare(&v[i], &v[j]));
            FUZZ_ASSERT(ij == -fuzz_sign(version_compare(&v[j], &v[i])));
            FUZZ_ASSERT((ij == 0) == version_equal(&v[i], &v[j]));
            FUZZ_ASSERT(ij == reference_compare(&v[i], &v[j]));
            for (size_t k = 0; k < n; k++) {
                int jk = fuzz_sign(version_compare(&v[j], &v[k]));
                int ik = fuzz_sign(version_compare(&v[i], &v[k]));
                if (ij <= 0 && jk <= 0)
                    FUZZ_ASSERT(ik <= 0 && (ik < 0 || (ij == 0 && jk == 0)));
            }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct version versions[MAX_VERSIONS];
    size_t n = 0;
    char *name = fuzz_take_line(&data, &size);
    char *file = fuzz_take_line(&data, &size);

    check_image(name, file, versions, &n);
    while (size > 0) {
        /* the raw bytes, NULs included: version_parse takes a length, not a C string */
        const uint8_t *nl = memchr(data, '\n', size);
        size_t len = nl ? (size_t)(nl - data) : size;
        char *line = fuzz_memdup(data, len);
        check_parse(line, len, versions, &n);
        free(line);
        data += len + (nl ? 1 : 0);
        size -= len + (nl ? 1 : 0);
    }
    check_order(versions, n);
    free(name);
    free(file);
    return 0;
}
