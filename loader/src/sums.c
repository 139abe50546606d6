/* sums.c - see sums.h. */
#include "sums.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parse one line (no line ending) "<2*DIGEST_LEN hex>  NAME" / "... *NAME" into its digest
 * and the NAME it covers (pointing into LINE).  Returns 0 or -EBADMSG. */
static int parse_line(const char *line, size_t len, size_t digest_len, uint8_t *ret_digest, const char **ret_name,
                      size_t *ret_name_len)
{
    uint8_t digest[SUMS_MAX_LEN];
    size_t hex_len = 2 * digest_len;

    if (len < hex_len + 3)
        return -EBADMSG;
    for (size_t i = 0; i < digest_len; i++) {
        int hi = hex_value(line[2 * i]), lo = hex_value(line[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -EBADMSG;
        digest[i] = (uint8_t)(hi << 4 | lo);
    }
    const char *sep = line + hex_len;
    if (sep[0] != ' ' || (sep[1] != ' ' && sep[1] != '*'))
        return -EBADMSG;
    /* No control characters in a name: sha1sum escapes them with a leading backslash,
     * a form this parser does not accept either. */
    for (const char *p = sep + 2; p < line + len; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
            return -EBADMSG;
    memcpy(ret_digest, digest, digest_len);
    *ret_name = sep + 2;
    *ret_name_len = len - hex_len - 2;
    return 0;
}

/* Length of the line at P (up to END) without its "\n" or "\r\n"; *next is the next line. */
static size_t line_length(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl ? nl : end;
    *next = nl ? nl + 1 : end;
    if (stop > p && stop[-1] == '\r')
        stop--;
    return (size_t)(stop - p);
}

int sums_parse_file(const char *text, size_t len, const char *file, size_t digest_len, uint8_t *ret_digest)
{
    uint8_t digest[SUMS_MAX_LEN];
    const char *name, *next;
    size_t name_len;

    if (digest_len == 0 || digest_len > SUMS_MAX_LEN)
        return -EINVAL;
    size_t line_len = line_length(text, text + len, &next);
    if (next != text + len) /* exactly one line */
        return -EBADMSG;
    if (parse_line(text, line_len, digest_len, digest, &name, &name_len) < 0)
        return -EBADMSG;
    if (name_len != strlen(file) || memcmp(name, file, name_len) != 0)
        return -EBADMSG;
    memcpy(ret_digest, digest, digest_len);
    return 0;
}

int sums_parse_sha1_file(const char *text, size_t len, const char *file, uint8_t ret_digest[SUMS_SHA1_LEN])
{
    return sums_parse_file(text, len, file, SUMS_SHA1_LEN, ret_digest);
}

int sums_index_foreach(const char *text, size_t len, size_t digest_len,
                       int (*fn)(const char *name, size_t name_len, const uint8_t *digest, void *userdata),
                       void *userdata)
{
    const char *end = text + len, *next;
    uint8_t digest[SUMS_MAX_LEN];
    const char *name;
    size_t name_len;

    if (digest_len == 0 || digest_len > SUMS_MAX_LEN)
        return -EINVAL;
    for (const char *p = text; p < end; p = next) {
        size_t line_len = line_length(p, end, &next);
        if (line_len == 0)
            continue;
        if (parse_line(p, line_len, digest_len, digest, &name, &name_len) < 0)
            return -EBADMSG;
        int r = fn(name, name_len, digest, userdata);
        if (r < 0)
            return r;
    }
    return 0;
}

struct lookup {
    const char *file;
    size_t digest_len;
    size_t matches;
    uint8_t digest[SUMS_MAX_LEN];
};

static int match_file(const char *name, size_t name_len, const uint8_t *digest, void *userdata)
{
    struct lookup *l = userdata;
    if (name_len == strlen(l->file) && memcmp(name, l->file, name_len) == 0) {
        memcpy(l->digest, digest, l->digest_len);
        l->matches++;
    }
    return 0;
}

int sums_parse_index(const char *text, size_t len, const char *file, size_t digest_len, uint8_t *ret_digest)
{
    struct lookup l = { .file = file, .digest_len = digest_len };

    int r = sums_index_foreach(text, len, digest_len, match_file, &l);
    if (r < 0)
        return r;
    if (l.matches > 1)
        return -EBADMSG;
    if (l.matches == 0)
        return -ENOENT;
    memcpy(ret_digest, l.digest, digest_len);
    return 0;
}

void sums_format_hex(const uint8_t digest[SUMS_SHA1_LEN], char out[SUMS_SHA1_HEX_LEN + 1])
{
    sums_format_hex_n(digest, SUMS_SHA1_LEN, out);
}

void sums_format_hex_n(const uint8_t *digest, size_t digest_len, char *out)
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < digest_len; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0xf];
    }
    out[2 * digest_len] = '\0';
}

int sums_compare(const uint8_t *actual, const uint8_t *expected, size_t digest_len, const char *sums_name,
                 char *reason, size_t reason_size)
{
    char actual_hex[2 * SUMS_MAX_LEN + 1], expected_hex[2 * SUMS_MAX_LEN + 1];

    if (digest_len == 0 || digest_len > SUMS_MAX_LEN)
        return -EINVAL;
    if (memcmp(actual, expected, digest_len) == 0)
        return 0;
    sums_format_hex_n(actual, digest_len, actual_hex);
    sums_format_hex_n(expected, digest_len, expected_hex);
    snprintf(reason, reason_size, "checksum mismatch (file is %.12s..., %s says %.12s...)", actual_hex, sums_name,
             expected_hex);
    return -EBADMSG;
}
