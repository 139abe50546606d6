/* test-sums.c - parsing .sha1 files in sha1sum format. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
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

static int count_names(const char *name, size_t len, const uint8_t digest[SUMS_SHA1_LEN], void *userdata)
{
    (void)name, (void)len, (void)digest;
    (*(int *)userdata)++;
    return 0;
}

static void test_index(void)
{
    static const char index[] = HEX "  Demo-1.0.0.img\n"
                                "\n"
                                "A9993E364706816ABA3E25717850C26C9CD0D89D *" FILE_NAME "\r\n";
    uint8_t d[SUMS_SHA1_LEN];
    char hex[SUMS_SHA1_HEX_LEN + 1];
    int names = 0;

    CHECK_EQ_INT(sums_parse_index(index, strlen(index), FILE_NAME, d), 0);
    sums_format_hex(d, hex);
    CHECK_STREQ(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK_EQ_INT(sums_parse_index(index, strlen(index), "Demo-2.0.0.img", d), -ENOENT);
    CHECK_EQ_INT(sums_index_foreach(index, strlen(index), count_names, &names), 0);
    CHECK_EQ_INT(names, 2);
    CHECK_EQ_INT(sums_parse_index("", 0, FILE_NAME, d), -ENOENT);

    /* One bad line spoils the index; a name listed twice is ambiguous. */
    static const char bad_line[] = HEX "  " FILE_NAME "\nnot a checksum\n";
    CHECK_EQ_INT(sums_parse_index(bad_line, strlen(bad_line), FILE_NAME, d), -EBADMSG);
    CHECK_EQ_INT(sums_index_foreach(bad_line, strlen(bad_line), count_names, &names), -EBADMSG);
    static const char twice[] = HEX "  " FILE_NAME "\n" HEX "  " FILE_NAME "\n";
    CHECK_EQ_INT(sums_parse_index(twice, strlen(twice), FILE_NAME, d), -EBADMSG);
    static const char control[] = HEX "  Demo\t1.img\n";
    CHECK_EQ_INT(sums_index_foreach(control, strlen(control), count_names, &names), -EBADMSG);
}

/* .sha256 files: the same format with 64 hex digits. */
static void test_sha256(void)
{
    static const char hex[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    uint8_t d[SUMS_SHA256_LEN];
    char out[2 * SUMS_SHA256_LEN + 1];
    char text[160];

    snprintf(text, sizeof(text), "%s  %s\n", hex, FILE_NAME);
    CHECK_EQ_INT(sums_parse_file(text, strlen(text), FILE_NAME, SUMS_SHA256_LEN, d), 0);
    sums_format_hex_n(d, sizeof(d), out);
    CHECK_STREQ(out, hex);
    /* A sha1 line is not a sha256 line, nor the other way round. */
    CHECK_EQ_INT(sums_parse_file(HEX "  " FILE_NAME "\n", strlen(HEX "  " FILE_NAME "\n"), FILE_NAME, SUMS_SHA256_LEN, d),
                 -EBADMSG);
    CHECK_EQ_INT(parse(text, d), -EBADMSG);
    snprintf(text, sizeof(text), "%.63s  %s\n", hex, FILE_NAME); /* one digit short */
    CHECK_EQ_INT(sums_parse_file(text, strlen(text), FILE_NAME, SUMS_SHA256_LEN, d), -EBADMSG);
    CHECK_EQ_INT(sums_parse_file(text, strlen(text), FILE_NAME, 0, d), -EINVAL);
    CHECK_EQ_INT(sums_parse_file(text, strlen(text), FILE_NAME, SUMS_MAX_LEN + 1, d), -EINVAL);
}

int main(void)
{
    test_sha256();
    test_good();
    test_malformed();
    test_index();
    return TEST_RESULT();
}
