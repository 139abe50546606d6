/* fuzz-sums.c - sums_parse_sha1_file, sums_index_foreach, sums_parse_index and
 * sums_format_hex (sums.h) against a reference reading of the formats sums.h describes.
 *
 * Input: "FILE\nTEXT": TEXT (raw bytes, any length) is read both as the .sha1 file of FILE
 * and as an index in which FILE is looked up. */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "sums.h"

struct entry {
    const char *name;
    size_t name_len;
    uint8_t digest[SUMS_SHA1_LEN];
};

struct entries {
    struct entry *v;
    size_t n;
    size_t fail_at; /* the callback returns -E2BIG on this call (1-based); 0: never */
};

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A name sha1sum writes without escaping it: not empty, no control character, no backslash. */
static bool plain_name(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\')
            return false;
    return true;
}

/* One line without its ending, as sums.h describes it: "<40 hex>  NAME" or "<40 hex> *NAME". */
static bool reference_line(const char *line, size_t len, struct entry *ret)
{
    if (len < SUMS_SHA1_HEX_LEN + 2)
        return false;
    for (size_t i = 0; i < SUMS_SHA1_LEN; i++) {
        int hi = hex_digit(line[2 * i]), lo = hex_digit(line[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        ret->digest[i] = (uint8_t)(hi * 16 + lo);
    }
    if (line[40] != ' ' || (line[41] != ' ' && line[41] != '*'))
        return false;
    ret->name = line + 42;
    ret->name_len = len - 42;
    return plain_name(ret->name, ret->name_len);
}

/* The index's entries in order; false when a line is malformed (*ret then holds the lines
 * before it). */
static bool reference_index(const char *text, size_t len, struct entries *ret)
{
    const char *end = text + len;

    for (const char *p = text, *next; p < end; p = next) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t line_len = (size_t)((nl ? nl : end) - p);
        next = nl ? nl + 1 : end;
        if (line_len > 0 && p[line_len - 1] == '\r')
            line_len--;
        if (line_len == 0)
            continue;
        struct entry e;
        if (!reference_line(p, line_len, &e))
            return false;
        ret->v = realloc(ret->v, (ret->n + 1) * sizeof(*ret->v));
        if (!ret->v)
            abort();
        ret->v[ret->n++] = e;
    }
    return true;
}

static int collect(const char *name, size_t name_len, const uint8_t *digest, void *userdata)
{
    struct entries *got = userdata;
    struct entry e = { .name = name, .name_len = name_len };

    if (got->fail_at && got->n + 1 == got->fail_at)
        return -E2BIG;
    memcpy(e.digest, digest, SUMS_SHA1_LEN);
    got->v = realloc(got->v, (got->n + 1) * sizeof(*got->v));
    if (!got->v)
        abort();
    got->v[got->n++] = e;
    return 0;
}

static bool entry_equal(const struct entry *a, const struct entry *b)
{
    return a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0 &&
           memcmp(a->digest, b->digest, SUMS_SHA1_LEN) == 0;
}

/* A .sha1 file: one line for FILE, then an optional "\r" and an optional "\n". */
static int reference_sha1_file(const char *text, size_t len, const char *file, struct entry *ret)
{
    if (len > 0 && text[len - 1] == '\n')
        len--;
    if (len > 0 && text[len - 1] == '\r')
        len--;
    if (!reference_line(text, len, ret) || ret->name_len != strlen(file) || memcmp(ret->name, file, ret->name_len) != 0)
        return -EBADMSG;
    return 0;
}

static void check_sha1_file(const char *text, size_t len, const char *file)
{
    uint8_t digest[SUMS_SHA1_LEN], index_digest[SUMS_SHA1_LEN];
    struct entry want;
    int r = sums_parse_sha1_file(text, len, file, digest);

    FUZZ_ASSERT(r == reference_sha1_file(text, len, file, &want));
    if (r < 0)
        return;
    FUZZ_ASSERT(memcmp(digest, want.digest, SUMS_SHA1_LEN) == 0);
    /* a valid .sha1 file is also a one-line index listing FILE */
    FUZZ_ASSERT(sums_parse_index(text, len, file, SUMS_SHA1_LEN, index_digest) == 0);
    FUZZ_ASSERT(memcmp(digest, index_digest, SUMS_SHA1_LEN) == 0);

    /* sums_format_hex writes the digest back in lower case, and that parses again */
    char hex[SUMS_SHA1_HEX_LEN + 1], line[SUMS_SHA1_HEX_LEN + 2 + 4096];
    sums_format_hex(digest, hex);
    FUZZ_ASSERT(strlen(hex) == SUMS_SHA1_HEX_LEN);
    for (size_t i = 0; i < SUMS_SHA1_HEX_LEN; i++)
        FUZZ_ASSERT(hex[i] == (text[i] >= 'A' && text[i] <= 'F' ? text[i] - 'A' + 'a' : text[i]));
    int n = snprintf(line, sizeof(line), "%s  %s\n", hex, file);
    if (n > 0 && (size_t)n < sizeof(line)) {
        FUZZ_ASSERT(sums_parse_sha1_file(line, (size_t)n, file, index_digest) == 0);
        FUZZ_ASSERT(memcmp(digest, index_digest, SUMS_SHA1_LEN) == 0);
    }
}

static void check_index(const char *text, size_t len, const char *file)
{
    struct entries want = { 0 }, got = { 0 }, cut = { 0 };
    uint8_t digest[SUMS_SHA1_LEN];
    bool valid = reference_index(text, len, &want);

    int r = sums_index_foreach(text, len, SUMS_SHA1_LEN, collect, &got);
    FUZZ_ASSERT(r == (valid ? 0 : -EBADMSG));
    FUZZ_ASSERT(valid ? got.n == want.n : got.n <= want.n); /* FN may have seen earlier lines */
    for (size_t i = 0; i < got.n; i++)
        FUZZ_ASSERT(entry_equal(&got.v[i], &want.v[i]));

    /* FN's first error stops the walk and is returned */
    if (got.n > 0) {
        cut.fail_at = got.n / 2 + 1;
        FUZZ_ASSERT(sums_index_foreach(text, len, SUMS_SHA1_LEN, collect, &cut) == -E2BIG);
        FUZZ_ASSERT(cut.n == cut.fail_at - 1);
    }

    size_t matches = 0, match = 0, file_len = strlen(file);
    for (size_t i = 0; i < want.n; i++)
        if (want.v[i].name_len == file_len && memcmp(want.v[i].name, file, file_len) == 0) {
            matches++;
            match = i;
        }
    r = sums_parse_index(text, len, file, SUMS_SHA1_LEN, digest);
    if (!valid || matches > 1)
        FUZZ_ASSERT(r == -EBADMSG);
    else if (matches == 0)
        FUZZ_ASSERT(r == -ENOENT);
    else
        FUZZ_ASSERT(r == 0 && memcmp(digest, want.v[match].digest, SUMS_SHA1_LEN) == 0);
    free(want.v);
    free(got.v);
    free(cut.v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *file = fuzz_take_line(&data, &size);
    char *text = fuzz_memdup(data, size);

    check_sha1_file(text, size, file);
    check_index(text, size, file);
    free(text);
    free(file);
    return 0;
}
