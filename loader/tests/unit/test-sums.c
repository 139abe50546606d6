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

static int count_names(const char *name, size_t len, const uint8_t *digest, void *userdata)
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

    CHECK_EQ_INT(sums_parse_index(index, strlen(index), FILE_NAME, SUMS_SHA1_LEN, d), 0);
    sums_format_hex(d, hex);
    CHECK_STREQ(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK_EQ_INT(sums_parse_index(index, strlen(index), "Demo-2.0.0.img", SUMS_SHA1_LEN, d), -ENOENT);
    CHECK_EQ_INT(sums_index_foreach(index, strlen(index), SUMS_SHA1_LEN, count_names, &names), 0);
    CHECK_EQ_INT(names, 2);
    CHECK_EQ_INT(sums_parse_index("", 0, FILE_NAME, SUMS_SHA1_LEN, d), -ENOENT);

    /* One bad line spoils the index; a name listed twice is ambiguous. */
    static const char bad_line[] = HEX "  " FILE_NAME "\nnot a checksum\n";
    CHECK_EQ_INT(sums_parse_index(bad_line, strlen(bad_line), FILE_NAME, SUMS_SHA1_LEN, d), -EBADMSG);
    CHECK_EQ_INT(sums_index_foreach(bad_line, strlen(bad_line), SUMS_SHA1_LEN, count_names, &names), -EBADMSG);
    static const char twice[] = HEX "  " FILE_NAME "\n" HEX "  " FILE_NAME "\n";
    CHECK_EQ_INT(sums_parse_index(twice, strlen(twice), FILE_NAME, SUMS_SHA1_LEN, d), -EBADMSG);
    static const char control[] = HEX "  Demo\t1.img\n";
    CHECK_EQ_INT(sums_index_foreach(control, strlen(control), SUMS_SHA1_LEN, count_names, &names), -EBADMSG);

    /* SHA256SUMS: 64 hex digits a line; a SHA-1 line there is malformed, and the reverse. */
    static const char index256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  " FILE_NAME "\n";
    uint8_t d256[SUMS_SHA256_LEN];
    char hex256[2 * SUMS_SHA256_LEN + 1];
    CHECK_EQ_INT(sums_parse_index(index256, strlen(index256), FILE_NAME, SUMS_SHA256_LEN, d256), 0);
    sums_format_hex_n(d256, sizeof(d256), hex256);
    CHECK_STREQ(hex256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_EQ_INT(sums_parse_index(index, strlen(index), FILE_NAME, SUMS_SHA256_LEN, d256), -EBADMSG);
    CHECK_EQ_INT(sums_parse_index(index256, strlen(index256), FILE_NAME, SUMS_SHA1_LEN, d), -EBADMSG);
    CHECK_EQ_INT(sums_parse_index(index256, strlen(index256), FILE_NAME, 0, d), -EINVAL);
}

static void test_compare(void)
{
    uint8_t a[SUMS_SHA256_LEN] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab }, b[SUMS_SHA256_LEN] = { 0x89, 0xab, 0xcd };
    char reason[256] = "untouched";

    CHECK_EQ_INT(sums_compare(a, a, SUMS_SHA256_LEN, "X.img.sha256", reason, sizeof(reason)), 0);
    CHECK_STREQ(reason, "untouched");
    CHECK_EQ_INT(sums_compare(a, b, SUMS_SHA1_LEN, "X.img.sha1", reason, sizeof(reason)), -EBADMSG);
    CHECK_STREQ(reason, "checksum mismatch (file is 0123456789ab..., X.img.sha1 says 89abcd000000...)");
    CHECK_EQ_INT(sums_compare(a, b, 0, "X", reason, sizeof(reason)), -EINVAL);
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

/* The bad-sums matrix beyond test_malformed: each way a .sha1 on a card goes wrong. */
static void test_bad_sums(void)
{
    static const char *const bad[] = {
        "da39a3ee5e6b4b0d3255bfef95601890afd8070  " FILE_NAME "\n",      /* 39 digits */
        "da39a3ee5e6b4b0d3255bfef95601890afd8070g  " FILE_NAME "\n",     /* non-hex last digit */
        "da39a3ee5e6b4b0d3255bfef95601890afd8070\xc3\xa9  " FILE_NAME "\n", /* non-ASCII */
        " " HEX "  " FILE_NAME "\n",                                     /* leading space */
        "\xef\xbb\xbf" HEX "  " FILE_NAME "\n",                          /* UTF-8 BOM (Notepad) */
        HEX "  demo-1.1.0.img\n",                                        /* case of the name */
        HEX "  " FILE_NAME ".sha1\n",
        HEX "  Demo-1.1.0\n",
        HEX "  \n",                                                      /* no name */
        HEX "\n",
        HEX,
        HEX "  " FILE_NAME "\n" HEX "  Demo-1.0.0.img\n",                /* two entries, two files */
        HEX "  Demo-1.0.0.img\n" HEX "  " FILE_NAME "\n",
        "\n" HEX "  " FILE_NAME "\n",                                    /* empty first line */
        "   \n",
        "\r\n",
        HEX "  " FILE_NAME "\r\r\n",
    };
    uint8_t d[SUMS_SHA1_LEN];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = parse(bad[i], d);
        if (r != -EBADMSG)
            fprintf(stderr, "bad sums case %zu accepted\n", i);
        CHECK_EQ_INT(r, -EBADMSG);
    }
    /* A trailing NUL counted in the length is a second line's worth of junk. */
    static const char nul_end[] = HEX "  " FILE_NAME "\n";
    CHECK_EQ_INT(sums_parse_sha1_file(nul_end, sizeof(nul_end), FILE_NAME, d), -EBADMSG);

    /* Huge: a good line followed by 4 KiB of spaces, or one 8 KiB line, is not one line
     * for this file.  (The card never hands more than SUMS_MAX_FILE_SIZE bytes to the
     * parser: boot.c reads at most that and calls a larger file malformed.) */
    static char huge[8193];
    snprintf(huge, sizeof(huge), "%s  %s\n", HEX, FILE_NAME);
    memset(huge + strlen(huge), ' ', 4096);
    CHECK_EQ_INT(sums_parse_sha1_file(huge, strlen(huge), FILE_NAME, d), -EBADMSG);
    memset(huge, 'a', sizeof(huge) - 1);
    CHECK_EQ_INT(sums_parse_sha1_file(huge, sizeof(huge) - 1, FILE_NAME, d), -EBADMSG);
    /* Exactly the largest file accepted: one line, the name padded out... is another name. */
    CHECK(strlen(HEX "  " FILE_NAME "\n") < SUMS_MAX_FILE_SIZE);

    /* A 250-character image name (the longest whose .sha1 still fits vfat's 255) is fine. */
    char name[251], line[400];
    memset(name, '0', 250);
    memcpy(name, "Demo-", 5);
    strcpy(name + 250 - strlen("1.9.0.img"), "1.9.0.img");
    snprintf(line, sizeof(line), "%s  %s\n", HEX, name);
    CHECK_EQ_INT(sums_parse_sha1_file(line, strlen(line), name, d), 0);
    /* A name with spaces and non-ASCII, as sha1sum writes it (no escaping needed). */
    snprintf(line, sizeof(line), "%s  %s\n", HEX, "Demo-1.5.0 (copy) \xc3\xbc.img");
    CHECK_EQ_INT(sums_parse_sha1_file(line, strlen(line), "Demo-1.5.0 (copy) \xc3\xbc.img", d), 0);
}

int main(void)
{
    test_sha256();
    test_good();
    test_malformed();
    test_index();
    test_compare();
    test_bad_sums();
    return TEST_RESULT();
}
