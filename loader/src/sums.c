/* sums.c - see sums.h. */
#include "sums.h"

#include <errno.h>
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

int sums_parse_sha1_file(const char *text, size_t len, const char *file, uint8_t ret_digest[SUMS_SHA1_LEN])
{
    uint8_t digest[SUMS_SHA1_LEN];
    size_t file_len = strlen(file);

    /* Strip exactly one line ending: "\n" or "\r\n". */
    if (len > 0 && text[len - 1] == '\n')
        len--;
    if (len > 0 && text[len - 1] == '\r')
        len--;

    if (len != SUMS_SHA1_HEX_LEN + 2 + file_len)
        return -EBADMSG;
    for (size_t i = 0; i < SUMS_SHA1_LEN; i++) {
        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -EBADMSG;
        digest[i] = (uint8_t)(hi << 4 | lo);
    }
    const char *sep = text + SUMS_SHA1_HEX_LEN;
    if (sep[0] != ' ' || (sep[1] != ' ' && sep[1] != '*'))
        return -EBADMSG;
    /* memcmp over the exact length also rejects embedded NULs and newlines. */
    if (memcmp(sep + 2, file, file_len) != 0)
        return -EBADMSG;

    memcpy(ret_digest, digest, sizeof(digest));
    return 0;
}

void sums_format_hex(const uint8_t digest[SUMS_SHA1_LEN], char out[SUMS_SHA1_HEX_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < SUMS_SHA1_LEN; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0xf];
    }
    out[SUMS_SHA1_HEX_LEN] = '\0';
}
