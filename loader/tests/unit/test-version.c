/* test-version.c - version parsing and numeric order. */
#include <errno.h>
#include <string.h>

#include "tests.h"
#include "version.h"

static struct version parse_ok(const char *s)
{
    struct version v = { 0 };
    int r = version_parse(s, strlen(s), &v);
    if (r != 0) {
        fprintf(stderr, "version_parse(\"%s\") = %d\n", s, r);
        test_failures++;
    }
    return v;
}

static int cmp(const char *a, const char *b)
{
    struct version va = parse_ok(a), vb = parse_ok(b);
    return version_compare(&va, &vb);
}

static void test_parse(void)
{
    struct version v = parse_ok("0.4.10");
    CHECK_EQ_INT(v.n_parts, 3);
    CHECK_EQ_INT(v.part[2], 10);
    v = parse_ok("007.01");
    CHECK_EQ_INT(v.n_parts, 2);
    CHECK_EQ_INT(v.part[0], 7);
    CHECK_EQ_INT(v.part[1], 1);
    v = parse_ok("4294967295");
    CHECK_EQ_INT(v.part[0], 4294967295u);
}

static void test_bad(void)
{
    static const char *const junk[] = { "", ".", "1.", ".1", "1..2", "a", "1.a", "1.2-rc1", "-1", "+1", " 1", "1 ", "1.2.3.img" };
    struct version v = { .n_parts = 42 };
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
        CHECK_EQ_INT(version_parse(junk[i], strlen(junk[i]), &v), -EINVAL);
    CHECK_EQ_INT(v.n_parts, 42); /* never written on failure */
    CHECK_EQ_INT(version_parse("4294967296", 10, &v), -ERANGE);
    CHECK_EQ_INT(version_parse("99999999999999999999999", 23, &v), -ERANGE);
    CHECK_EQ_INT(version_parse("1.2.3.4.5.6.7.8.9", 17, &v), -ERANGE);
    CHECK_EQ_INT(version_parse("1.2.3.4.5.6.7.8", 15, &v), 0);
    /* Only LEN bytes are looked at: no reading past it. */
    CHECK_EQ_INT(version_parse("1.2x", 3, &v), 0);
}

static void test_order(void)
{
    CHECK(cmp("0.4.9", "0.4.10") < 0);
    CHECK(cmp("0.4.10", "0.4.9") > 0);
    CHECK(cmp("1.10", "1.9") > 0);
    CHECK(cmp("2", "1.99.99") > 0);
    CHECK(cmp("1.0", "1.0.0") < 0); /* numerically equal: more components is newer */
    CHECK(cmp("1.0.0", "1.0") > 0);
    CHECK(cmp("1.01", "1.1") == 0); /* leading zeros do not count */
    CHECK(cmp("1.2.3", "1.2.3") == 0);
    CHECK(cmp("4294967295", "4294967294") > 0);
}

/* The bad-name matrix at the parser: spaces, non-ASCII digits, long runs of digits. */
static void test_bad_names(void)
{
    static const char *const junk[] = {
        "1.5.0 (copy)", "1.5.0 - Copy", "1 .2", "1. 2", "1.8.0\xc3\xbc", "\xef\xbc\x91.\xef\xbc\x92", "\xd9\xa1.2",
        "1.2\t", "1,2", "1_2", "1.2.", "0x10", "1e3", "\xc2\xb2",
    };
    struct version v = { .n_parts = 42 };
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
        int r = version_parse(junk[i], strlen(junk[i]), &v);
        if (r != -EINVAL)
            fprintf(stderr, "\"%s\": %d, expected -EINVAL\n", junk[i], r);
        CHECK_EQ_INT(r, -EINVAL);
    }
    CHECK_EQ_INT(v.n_parts, 42);
    /* An embedded NUL within LEN is not a digit. */
    CHECK_EQ_INT(version_parse("1.\0002", 4, &v), -EINVAL);

    /* 240 leading zeros are still the number 1: only values overflow, not lengths. */
    char zeros[260];
    memset(zeros, '0', 240);
    strcpy(zeros + 240, "1.2.0");
    v = parse_ok(zeros);
    CHECK_EQ_INT(v.n_parts, 3);
    CHECK_EQ_INT(v.part[0], 1);
    /* 246 nines overflow. */
    char nines[250];
    memset(nines, '9', 246);
    CHECK_EQ_INT(version_parse(nines, 246, &v), -ERANGE);
    /* Too many parts, however small, is -ERANGE; a ninth part that is no number is -EINVAL. */
    CHECK_EQ_INT(version_parse("0.0.0.0.0.0.0.0.0", 17, &v), -ERANGE);
    CHECK_EQ_INT(version_parse("1.1.1.1.1.1.1.1.x", 17, &v), -EINVAL);
}

int main(void)
{
    test_parse();
    test_bad();
    test_order();
    test_bad_names();
    return TEST_RESULT();
}
