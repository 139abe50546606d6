/* test-sums.c - parsing .sha1 files in sha1sum format. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "sums.h"
#include "tests.h"

#define HEX "da39a3ee5e6b4b0d3255bfef95601890afd80709"
#define FILE_NAME "Demo-1.1.0.img"

static int parse(const char *text, uint8_t digest[SUMS_SHA1_LEN])
{
    return sums_parse_sha1_file(text, strlen(text), FILE_NAME, digest);
}

static void test_good(void)
{
    uint8_t d[SUMS_SHA1_LEN];
    char hex[SUMS_SHA1_HEX_LEN + 1];

    CHECK_EQ_INT(parse(HEX "  " FILE_NAME "\n", d), 0);
    sums_format_hex(d, hex);
    CHECK_STREQ(hex, HEX);
    CHECK_EQ_INT(parse(HEX "  " FILE_NAME, d), 0);              /* no final newline */
    CHECK_EQ_INT(parse(HEX "  " FILE_NAME "\r\n", d), 0);       /* CRLF */
    CHECK_EQ_INT(parse(HEX " *" FILE_NAME "\n", d), 0);         /* binary marker */
    CHECK_EQ_INT(parse("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709  " FILE_NAME "\n", d), 0);
    sums_format_hex(d, hex);
    CHECK_STREQ(hex, HEX); /* upper case in, lower case out */
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "",
        "\n",
        "da39a3ee  " FILE_NAME "\n",                                     /* short */
        "da39a3ee5e6b4b0d3255bfef95601890afd807090  " FILE_NAME "\n",    /* long */
        "zz39a3ee5e6b4b0d3255bfef95601890afd80709  " FILE_NAME "\n",     /* not hex */
        HEX " " FILE_NAME "\n",                                          /* one space */
        HEX "\t" FILE_NAME "\n",
        HEX "  Demo-1.0.0.img\n",                                        /* another file */
        HEX "  ./" FILE_NAME "\n",
        HEX "  " FILE_NAME "\n" HEX "  " FILE_NAME "\n",                 /* two entries */
        HEX "  " FILE_NAME "\n\n",
        HEX "  " FILE_NAME " \n",
        "SHA1 (" FILE_NAME ") = " HEX "\n",                              /* BSD style */
        "\\" HEX "  " FILE_NAME "\n",                                    /* escaped name */
        "not a checksum\n",
    };
    uint8_t d[SUMS_SHA1_LEN], untouched[SUMS_SHA1_LEN];

    memset(d, 0xa5, sizeof(d));
    memcpy(untouched, d, sizeof(d));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = parse(bad[i], d);
        if (r != -EBADMSG)
            fprintf(stderr, "case %zu accepted\n", i);
        CHECK_EQ_INT(r, -EBADMSG);
    }
    CHECK(memcmp(d, untouched, sizeof(d)) == 0);

    /* An embedded NUL inside the length is not the file name. */
    const char nul[] = HEX "  Demo-1.1.0\0img\n";
    CHECK_EQ_INT(sums_parse_sha1_file(nul, sizeof(nul) - 1, FILE_NAME, d), -EBADMSG);
}

int main(void)
{
    test_good();
    test_malformed();
    return TEST_RESULT();
}
