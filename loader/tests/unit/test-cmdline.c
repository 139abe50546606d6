/* test-cmdline.c - kernel command line splitting, hopboot.* keys, OS arguments. */
#include <stdlib.h>
#include <syslog.h>

#include "cleanup.h"
#include "cmdline.h"
#include "tests.h"

static void test_split(void)
{
    char **w = NULL;
    size_t n = 0;

    CHECK_EQ_INT(cmdline_split("  a  b=\"c d\"\t\"e f\" g\n", &w, &n), 0);
    CHECK_EQ_INT(n, 4);
    CHECK_STREQ(w[0], "a");
    CHECK_STREQ(w[1], "b=c d");
    CHECK_STREQ(w[2], "e f");
    CHECK_STREQ(w[3], "g");
    CHECK(w[4] == NULL);
    strv_free(w);

    CHECK_EQ_INT(cmdline_split("", &w, &n), 0);
    CHECK_EQ_INT(n, 0);
    CHECK(w[0] == NULL);
    strv_free(w);

    CHECK_EQ_INT(cmdline_split("x=\"unterminated rest", &w, &n), 0); /* runs to the end */
    CHECK_EQ_INT(n, 1);
    CHECK_STREQ(w[0], "x=unterminated rest");
    strv_free(w);

    /* As the kernel: inner quotes stay, empty words vanish, \v and \f separate. */
    CHECK_EQ_INT(cmdline_split("a=b\"c d\"e x \"\" y\vz\fq", &w, &n), 0);
    CHECK_EQ_INT(n, 5);
    CHECK_STREQ(w[0], "a=b\"c d\"e");
    CHECK_STREQ(w[1], "x");
    CHECK_STREQ(w[2], "y");
    CHECK_STREQ(w[3], "z");
    CHECK_STREQ(w[4], "q");
    strv_free(w);

    /* join is split's inverse for every word the kernel can hand us. */
    char *joined = NULL;
    char *words[] = { "plain", "k=v w", "two words", "LABEL=MY CARD" };
    CHECK_EQ_INT(cmdline_join(words, 4, &joined), 0);
    CHECK_STREQ(joined, "plain k=\"v w\" \"two words\" LABEL=\"MY CARD\"");
    CHECK_EQ_INT(cmdline_split(joined, &w, &n), 0);
    CHECK_EQ_INT(n, 4);
    for (size_t i = 0; i < n && i < 4; i++)
        CHECK_STREQ(w[i], words[i]);
    strv_free(w);
    free(joined);
}

static void test_defaults(void)
{
    struct config c;
    CHECK_EQ_INT(cmdline_parse("", "Demo", &c), 0);
    CHECK_STREQ(c.name, "Demo");
    CHECK_STREQ(c.keydisk, "kd.img");
    CHECK(c.card == NULL);
    CHECK(!c.rescue);
    CHECK_EQ_INT(c.log_level, LOG_INFO);
    CHECK_EQ_INT(c.wait_seconds, 15);
    CHECK_EQ_INT(c.kexec, KEXEC_METHOD_AUTO);
    CHECK_EQ_INT(c.n_os_args, 0);
    CHECK_EQ_INT(c.n_warnings, 0);
    config_done(&c);
}

static void test_keys(void)
{
    struct config c;
    CHECK_EQ_INT(cmdline_parse("BOOT_IMAGE=bzImage initrd=initrd.img console=ttyS0,115200 hopboot.name=AstLinux "
                               "\"hopboot.card=LABEL=MY CARD\" hopboot.keydisk=none hopboot.rescue hopboot.wait=3 "
                               "hopboot.kexec=tools hopboot.loglevel=7 quiet rdinit=/bin/sh init=/sbin/myinit "
                               "hopboot.booted=Old-1.0 opt=\"a b\"",
                               "Demo", &c),
                 0);
    CHECK_STREQ(c.name, "AstLinux");
    CHECK_STREQ(c.card, "LABEL=MY CARD");
    CHECK_STREQ(c.keydisk, "none");
    CHECK(c.rescue);
    CHECK_EQ_INT(c.wait_seconds, 3);
    CHECK_EQ_INT(c.kexec, KEXEC_METHOD_TOOLS);
    CHECK_EQ_INT(c.log_level, LOG_DEBUG); /* explicit loglevel wins over quiet */
    /* syslinux's words and rdinit= are dropped; hopboot.* keys are not passed on. */
    CHECK_EQ_INT(c.n_os_args, 4);
    CHECK_STREQ(c.os_args[0], "console=ttyS0,115200");
    CHECK_STREQ(c.os_args[1], "quiet");
    CHECK_STREQ(c.os_args[2], "init=/sbin/myinit");
    CHECK_STREQ(c.os_args[3], "opt=a b");
    CHECK_EQ_INT(c.n_warnings, 0);

    char *joined = NULL;
    CHECK_EQ_INT(cmdline_join(c.os_args, c.n_os_args, &joined), 0);
    CHECK_STREQ(joined, "console=ttyS0,115200 quiet init=/sbin/myinit opt=\"a b\"");
    free(joined);
    config_done(&c);

    CHECK_EQ_INT(cmdline_parse("quiet", "Demo", &c), 0);
    CHECK_EQ_INT(c.log_level, LOG_WARNING);
    config_done(&c);
}

static void test_bad_values(void)
{
    struct config c;
    CHECK_EQ_INT(cmdline_parse("hopboot.frobnicate=1 hopboot.wait=soon hopboot.wait=-1 hopboot.loglevel=9 "
                               "hopboot.kexec=magic hopboot.name=a/b hopboot.name= hopboot.card hopboot.rescue=yes "
                               "hopboot.card=sda1 hopboot.keydisk=\"a\tb\"",
                               "Demo", &c),
                 0);
    CHECK_EQ_INT(c.n_warnings, 11);
    CHECK_STREQ(c.warnings[9], "hopboot.card=sda1: expected LABEL=, UUID= or /dev/, ignored");
    CHECK(c.card == NULL);
    CHECK_STREQ(c.keydisk, "kd.img");
    CHECK_STREQ(c.warnings[0], "hopboot.frobnicate=1: unknown key, ignored");
    CHECK_STREQ(c.warnings[1], "hopboot.wait=soon: expected seconds (0-3600), ignored");
    CHECK_STREQ(c.warnings[4], "hopboot.kexec=magic: expected auto, syscall or tools; using auto");
    CHECK_STREQ(c.warnings[5], "hopboot.name=a/b: a name cannot contain '/', ignored");
    CHECK_STREQ(c.warnings[7], "hopboot.card: unknown key or missing value, ignored");
    /* Bad values keep the defaults. */
    CHECK_STREQ(c.name, "Demo");
    CHECK_EQ_INT(c.wait_seconds, 15);
    CHECK_EQ_INT(c.log_level, LOG_INFO);
    CHECK_EQ_INT(c.kexec, KEXEC_METHOD_AUTO);
    CHECK(!c.rescue);
    CHECK_EQ_INT(c.n_os_args, 0);
    config_done(&c);
}

static void test_network_keys(void)
{
    struct config c;
    CHECK_EQ_INT(cmdline_parse("", "Demo", &c), 0);
    CHECK_STREQ(c.src, "card");
    CHECK(c.netdev == NULL && c.ca == NULL && c.ip == NULL);
    config_done(&c);

    CHECK_EQ_INT(cmdline_parse("hopboot.src=http://10.0.2.2/,card hopboot.netdev=eth1 hopboot.ca=/etc/my-ca.pem "
                               "ip=10.0.2.15::10.0.2.2:255.255.255.0::eth1:off hopboot.ca=\"a\tb\"",
                               "Demo", &c),
                 0);
    CHECK_STREQ(c.src, "http://10.0.2.2/,card");
    CHECK_STREQ(c.netdev, "eth1");
    CHECK_STREQ(c.ca, "/etc/my-ca.pem");
    CHECK_STREQ(c.ip, "10.0.2.15::10.0.2.2:255.255.255.0::eth1:off");
    CHECK_EQ_INT(c.n_os_args, 1); /* ip= is the OS's too */
    CHECK_EQ_INT(c.n_warnings, 1);
    CHECK_STREQ(c.warnings[0], "hopboot.ca=a\tb: not a usable name, ignored");
    config_done(&c);
}

/* Words the kernel's splitting produces that a naive key="value" join got wrong (found
 * by fuzz-cmdline; loader/tests/fuzz/corpus/cmdline/join-*). */
static void test_join_hard_words(void)
{
    static const char *const cases[][2] = {
        { "a b=c", "\"a b=c\"" },          /* whitespace before the '=' */
        { "opt=b\"c d\"e", "opt=b\"c d\"e" }, /* inner quotes already protect the space */
        { "\"x", "\"\"x" },                 /* a leading quote the kernel would strip */
        { "a=\"b", "a=\"\"b" },             /* the same for a value */
    };
    for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
        char *word = (char *)cases[i][0], *joined = NULL, **w = NULL;
        size_t n = 0;
        CHECK_EQ_INT(cmdline_join(&word, 1, &joined), 0);
        CHECK_STREQ(joined, cases[i][1]);
        CHECK_EQ_INT(cmdline_split(joined, &w, &n), 0);
        CHECK_EQ_INT(n, 1);
        CHECK_STREQ(n == 1 ? w[0] : NULL, cases[i][0]);
        strv_free(w);
        free(joined);
    }
    /* A lone inner quote would open a quoted run that swallows the next word: a leading
     * quote closes it again, and the kernel strips only that one. */
    char *open_quote[] = { "a\"b", "next" }, *joined = NULL, **w = NULL;
    size_t n = 0;
    CHECK_EQ_INT(cmdline_join(open_quote, 2, &joined), 0);
    CHECK_STREQ(joined, "\"a\"b next");
    CHECK_EQ_INT(cmdline_split(joined, &w, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_STREQ(n == 2 ? w[0] : NULL, "a\"b");
    strv_free(w);
    free(joined);
}

int main(void)
{
    test_join_hard_words();
    test_split();
    test_network_keys();
    test_defaults();
    test_keys();
    test_bad_values();
    return TEST_RESULT();
}
