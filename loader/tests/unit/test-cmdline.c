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
    CHECK_STREQ(c.warnings[9], "hopboot.card=sda1: expected LABEL=NAME, UUID=UUID or /dev/NAME, using the vfat "
                                "partition holding syslinux.cfg");
    CHECK(c.card == NULL);
    CHECK_STREQ(c.keydisk, "kd.img");
    CHECK_STREQ(c.warnings[0], "hopboot.frobnicate=1: unknown key, ignored");
    CHECK_STREQ(c.warnings[1], "hopboot.wait=soon: expected seconds (0-3600), using 15");
    CHECK_STREQ(c.warnings[4], "hopboot.kexec=magic: expected auto, syscall or tools, using auto");
    CHECK_STREQ(c.warnings[5], "hopboot.name=a/b: a name cannot contain '/' or control characters, using Demo");
    CHECK_STREQ(c.warnings[7], "hopboot.card: missing value, using the vfat partition holding syslinux.cfg");
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
    CHECK_STREQ(c.warnings[0], "hopboot.ca=a\tb: not a usable file name, using /etc/my-ca.pem");
    CHECK(c.overlay == NULL);
    config_done(&c);

    /* hopboot.overlay= keeps its templates for stage 1 to expand; a bad one keeps the earlier URL. */
    CHECK_EQ_INT(cmdline_parse("hopboot.overlay=http://10.0.2.2:8080/overlays/${mac}.tar.gz "
                               "hopboot.overlay=tftp://10.0.2.2/${hostname}-${uuid}-${ip}.tar.gz "
                               "hopboot.overlay=ftp://10.0.2.2:99999/o.tar.gz",
                               "Demo", &c),
                 0);
    CHECK_STREQ(c.overlay, "tftp://10.0.2.2/${hostname}-${uuid}-${ip}.tar.gz");
    CHECK_EQ_INT(c.n_warnings, 1);
    CHECK_STREQ(c.warnings[0], "hopboot.overlay=ftp://10.0.2.2:99999/o.tar.gz: expected the http, https, ftp or "
                               "tftp URL of a file, using tftp://10.0.2.2/${hostname}-${uuid}-${ip}.tar.gz");
    CHECK_EQ_INT(c.n_os_args, 0);
    config_done(&c);
}

/* hopboot.aoe= and hopboot.md=: AoE interfaces and software RAID (both off by default). */
static void test_block_stack_keys(void)
{
    struct config c;
    CHECK_EQ_INT(cmdline_parse("", "Demo", &c), 0);
    CHECK(c.aoe == NULL);
    CHECK(!c.md_auto);
    config_done(&c);

    CHECK_EQ_INT(cmdline_parse("hopboot.aoe=eth0 hopboot.aoe=eth0,enp0s31f6xyzab hopboot.md=auto", "Demo", &c), 0);
    CHECK_EQ_INT(c.n_warnings, 0);
    CHECK_STREQ(c.aoe, "eth0,enp0s31f6xyzab");
    CHECK(c.md_auto);
    CHECK_EQ_INT(c.n_os_args, 0);
    config_done(&c);

    static const struct {
        const char *word, *warning;
    } bad[] = {
        { "hopboot.aoe=", "hopboot.aoe=: missing value, using no AoE" },
        { "hopboot.aoe=eth0,", "hopboot.aoe=eth0,: not a comma-separated list of interface names, using no AoE" },
        { "hopboot.aoe=,eth0", "hopboot.aoe=,eth0: not a comma-separated list of interface names, using no AoE" },
        { "hopboot.aoe=eth0,,eth1", "hopboot.aoe=eth0,,eth1: not a comma-separated list of interface names, using "
                                    "no AoE" },
        { "hopboot.aoe=eth0/1", "hopboot.aoe=eth0/1: not a comma-separated list of interface names, using no AoE" },
        { "hopboot.aoe=eth0:1", "hopboot.aoe=eth0:1: not a comma-separated list of interface names, using no AoE" },
        { "hopboot.aoe=averyveryverylongname", "hopboot.aoe=averyveryverylongname: not a comma-separated list of "
                                               "interface names, using no AoE" },
        { "hopboot.aoe=..", "hopboot.aoe=..: not a comma-separated list of interface names, using no AoE" },
        { "hopboot.md=yes", "hopboot.md=yes: expected auto or none, using none" },
        { "hopboot.md=AUTO", "hopboot.md=AUTO: expected auto or none, using none" },
        { "hopboot.md", "hopboot.md: missing value, using none" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ_INT(cmdline_parse(bad[i].word, "Demo", &c), 0);
        CHECK_EQ_INT(c.n_warnings, 1);
        if (c.n_warnings == 1)
            CHECK_STREQ(c.warnings[0], bad[i].warning);
        CHECK(c.aoe == NULL);
        CHECK(!c.md_auto);
        config_done(&c);
    }

    /* A bad value after a good one keeps the good one, and says so; none turns md off. */
    CHECK_EQ_INT(cmdline_parse("hopboot.aoe=eth1 hopboot.aoe=eth1/2 hopboot.md=auto hopboot.md=on", "Demo", &c), 0);
    CHECK_EQ_INT(c.n_warnings, 2);
    CHECK_STREQ(c.warnings[0], "hopboot.aoe=eth1/2: not a comma-separated list of interface names, using eth1");
    CHECK_STREQ(c.warnings[1], "hopboot.md=on: expected auto or none, using auto");
    CHECK_STREQ(c.aoe, "eth1");
    CHECK(c.md_auto);
    config_done(&c);
    CHECK_EQ_INT(cmdline_parse("hopboot.md=auto hopboot.md=none", "Demo", &c), 0);
    CHECK(!c.md_auto);
    config_done(&c);
}

/* The bad-input matrix: every hopboot.* key with a malformed value, each giving exactly one
 * warning that names the word and the value kept, in the order of the words.  The same
 * line is what tests/qemu/test_bad_cmdline.py puts on a card. */
static void test_every_key_malformed(void)
{
    static const struct {
        const char *word, *warning;
    } cases[] = {
        { "hopboot.name=a/b", "hopboot.name=a/b: a name cannot contain '/' or control characters, using Demo" },
        { "hopboot.name=", "hopboot.name=: missing value, using Demo" },
        { "hopboot.card=LABEL=", "hopboot.card=LABEL=: expected LABEL=NAME, UUID=UUID or /dev/NAME, using the vfat "
                                 "partition holding syslinux.cfg" },
        { "hopboot.card=/dev/", "hopboot.card=/dev/: expected LABEL=NAME, UUID=UUID or /dev/NAME, using the vfat "
                                "partition holding syslinux.cfg" },
        { "hopboot.keydisk=UUID=", "hopboot.keydisk=UUID=: expected a file on the card, LABEL=NAME, UUID=UUID, "
                                   "/dev/NAME or none, optionally followed by ,required, using kd.img" },
        { "hopboot.keydisk=none,required", "hopboot.keydisk=none,required: expected a file on the card, "
                                           "LABEL=NAME, UUID=UUID, /dev/NAME or none, optionally followed by "
                                           ",required, using kd.img" },
        { "hopboot.keydisk=,required", "hopboot.keydisk=,required: expected a file on the card, LABEL=NAME, "
                                       "UUID=UUID, /dev/NAME or none, optionally followed by ,required, using "
                                       "kd.img" },
        { "hopboot.keydisk=", "hopboot.keydisk=: missing value, using kd.img" },
        { "hopboot.src=", "hopboot.src=: missing value, using card" },
        { "hopboot.netdev=eth0/1", "hopboot.netdev=eth0/1: not an interface name, using the first interface with a "
                                   "link" },
        { "hopboot.netdev=averyveryverylongname",
          "hopboot.netdev=averyveryverylongname: not an interface name, using the first interface with a link" },
        { "hopboot.netdev=..", "hopboot.netdev=..: not an interface name, using the first interface with a link" },
        { "hopboot.netdev=eth0:1", "hopboot.netdev=eth0:1: not an interface name, using the first interface with a "
                                   "link" },
        { "hopboot.ca=", "hopboot.ca=: missing value, using no extra certificates" },
        { "hopboot.overlay=", "hopboot.overlay=: missing value, using no overlay" },
        { "hopboot.overlay=nfs://10.0.2.2/o.tar.gz",
          "hopboot.overlay=nfs://10.0.2.2/o.tar.gz: expected the http, https, ftp or tftp URL of a file, using no "
          "overlay" },
        { "hopboot.overlay=http://10.0.2.2/overlays/",
          "hopboot.overlay=http://10.0.2.2/overlays/: expected the http, https, ftp or tftp URL of a file, using no "
          "overlay" },
        { "hopboot.overlay=http://10.0.2.2/${serial}.tar.gz",
          "hopboot.overlay=http://10.0.2.2/${serial}.tar.gz: expected the http, https, ftp or tftp URL of a file, "
          "using no overlay" },
        { "hopboot.overlay=http://10.0.2.2/${mac.tar.gz",
          "hopboot.overlay=http://10.0.2.2/${mac.tar.gz: expected the http, https, ftp or tftp URL of a file, "
          "using no overlay" },
        { "hopboot.overlay=card", "hopboot.overlay=card: expected the http, https, ftp or tftp URL of a file, using "
                                  "no overlay" },
        { "hopboot.kexec=Tools", "hopboot.kexec=Tools: expected auto, syscall or tools, using auto" },
        { "hopboot.wait=+5", "hopboot.wait=+5: expected seconds (0-3600), using 15" },
        { "\"hopboot.wait= 5\"", "hopboot.wait= 5: expected seconds (0-3600), using 15" },
        { "hopboot.wait=3601", "hopboot.wait=3601: expected seconds (0-3600), using 15" },
        { "hopboot.wait=99999999999999999999", "hopboot.wait=99999999999999999999: expected seconds (0-3600), using 15" },
        { "hopboot.wait=0x10", "hopboot.wait=0x10: expected seconds (0-3600), using 15" },
        { "hopboot.wait", "hopboot.wait: missing value, using 15" },
        { "hopboot.tries=many", "hopboot.tries=many: expected a number of trial boots (0-100), using 3" },
        { "hopboot.tries=101", "hopboot.tries=101: expected a number of trial boots (0-100), using 3" },
        { "hopboot.timeout=601", "hopboot.timeout=601: expected seconds (0-600), using 3" },
        { "hopboot.timeout=-1", "hopboot.timeout=-1: expected seconds (0-600), using 3" },
        { "hopboot.timeout.fetch=86401",
          "hopboot.timeout.fetch=86401: expected seconds (0-86400; 0: no limit), using 1800" },
        { "hopboot.timeout.fetch=", "hopboot.timeout.fetch=: missing value, using 1800" },
        { "hopboot.timeout", "hopboot.timeout: missing value, using 3" },
        { "hopboot.verify=md5", "hopboot.verify=md5: expected sha1, sha256 or signed, using sha1" },
        { "hopboot.verify=", "hopboot.verify=: missing value, using sha1" },
        { "hopboot.loglevel=-1", "hopboot.loglevel=-1: expected a level 0-7, using 6" },
        { "hopboot.loglevel=8", "hopboot.loglevel=8: expected a level 0-7, using 6" },
        { "hopboot.rescue=yes", "hopboot.rescue=yes: hopboot.rescue takes no value, ignored" },
        { "hopboot.rescue=", "hopboot.rescue=: hopboot.rescue takes no value, ignored" },
        { "hopboot.Name=Other", "hopboot.Name=Other: unknown key, ignored" },
        { "hopboot.", "hopboot.: unknown key, ignored" },
        { "hopboot.=x", "hopboot.=x: unknown key, ignored" },
    };
    char line[4096] = "";
    struct config c;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        strcat(line, cases[i].word);
        strcat(line, " ");
    }
    strcat(line, "hopboot.booted=junk hopboot.from= demo.poweroff");
    CHECK_EQ_INT(cmdline_parse(line, "Demo", &c), 0);
    CHECK_EQ_INT(c.n_warnings, sizeof(cases) / sizeof(cases[0]));
    for (size_t i = 0; i < c.n_warnings && i < sizeof(cases) / sizeof(cases[0]); i++)
        CHECK_STREQ(c.warnings[i], cases[i].warning);
    /* Every default kept; no loader key reaches the OS. */
    CHECK_STREQ(c.name, "Demo");
    CHECK(c.card == NULL);
    CHECK_STREQ(c.keydisk, "kd.img");
    CHECK_STREQ(c.src, "card");
    CHECK(c.netdev == NULL && c.ca == NULL && c.overlay == NULL);
    CHECK(!c.rescue);
    CHECK_EQ_INT(c.kexec, KEXEC_METHOD_AUTO);
    CHECK_EQ_INT(c.wait_seconds, 15);
    CHECK_EQ_INT(c.tries, 3);
    CHECK_EQ_INT(c.menu_timeout, 3);
    CHECK_EQ_INT(c.fetch_timeout, CMDLINE_FETCH_TIMEOUT_DEFAULT);
    CHECK_EQ_INT(c.source_timeout, CMDLINE_SOURCE_TIMEOUT_DEFAULT);
    CHECK_EQ_INT(c.verify, VERIFY_SHA1);
    CHECK_EQ_INT(c.log_level, LOG_INFO);
    CHECK_EQ_INT(c.n_os_args, 1);
    CHECK_STREQ(c.os_args[0], "demo.poweroff");
    config_done(&c);

    /* hopboot.timeout.fetch= is its own key, apart from the menu's hopboot.timeout=. */
    CHECK_EQ_INT(cmdline_parse("hopboot.timeout.fetch=0 hopboot.timeout=7", "Demo", &c), 0);
    CHECK_EQ_INT(c.n_warnings, 0);
    CHECK_EQ_INT(c.fetch_timeout, 0);
    CHECK_EQ_INT(c.menu_timeout, 7);
    config_done(&c);
    CHECK_EQ_INT(cmdline_parse("hopboot.timeout.fetch=86400", "Demo", &c), 0);
    CHECK_EQ_INT(c.fetch_timeout, 86400);
    CHECK_EQ_INT(c.menu_timeout, 3);
    config_done(&c);
    /* hopboot.timeout.source=: the same range, its own key. */
    CHECK_EQ_INT(cmdline_parse("hopboot.timeout.source=20 hopboot.timeout.source=86401", "Demo", &c), 0);
    CHECK_EQ_INT(c.source_timeout, 20);
    CHECK_EQ_INT(c.fetch_timeout, CMDLINE_FETCH_TIMEOUT_DEFAULT);
    CHECK_EQ_INT(c.n_warnings, 1);
    CHECK_STREQ(c.warnings[0], "hopboot.timeout.source=86401: expected seconds (0-86400; 0: no limit), using 20");
    config_done(&c);

    /* A bad value after a good one keeps the good one, and says so. */
    CHECK_EQ_INT(cmdline_parse("hopboot.wait=3 hopboot.wait=x hopboot.kexec=tools hopboot.kexec=x hopboot.netdev=eth1 "
                               "hopboot.netdev=a/b hopboot.card=LABEL=C hopboot.card=x quiet hopboot.loglevel=x "
                               "hopboot.verify=signed hopboot.verify=sha-256",
                               "Demo", &c),
                 0);
    CHECK_EQ_INT(c.n_warnings, 6);
    CHECK_STREQ(c.warnings[0], "hopboot.wait=x: expected seconds (0-3600), using 3");
    CHECK_STREQ(c.warnings[1], "hopboot.kexec=x: expected auto, syscall or tools, using tools");
    CHECK_STREQ(c.warnings[2], "hopboot.netdev=a/b: not an interface name, using eth1");
    CHECK_STREQ(c.warnings[3], "hopboot.card=x: expected LABEL=NAME, UUID=UUID or /dev/NAME, using LABEL=C");
    CHECK_STREQ(c.warnings[4], "hopboot.loglevel=x: expected a level 0-7, using 4");
    /* A typo after a stricter policy keeps the stricter one, and says so. */
    CHECK_STREQ(c.warnings[5], "hopboot.verify=sha-256: expected sha1, sha256 or signed, using signed");
    CHECK_EQ_INT(c.verify, VERIFY_SIGNED);
    config_done(&c);

    /* The check can only be raised: a weaker word after a stronger one (appended to the
     * card's line, or typed at syslinux's prompt) is one warning and changes nothing; a
     * stronger one wins. */
    CHECK_EQ_INT(cmdline_parse("hopboot.verify=signed hopboot.verify=sha1 hopboot.verify=sha256", "Demo", &c), 0);
    CHECK_EQ_INT(c.verify, VERIFY_SIGNED);
    CHECK_EQ_INT(c.n_warnings, 2);
    CHECK_STREQ(c.warnings[0], "hopboot.verify=sha1: weaker than signed, which stays (the check can only be raised)");
    CHECK_STREQ(c.warnings[1], "hopboot.verify=sha256: weaker than signed, which stays (the check can only be raised)");
    config_done(&c);
    CHECK_EQ_INT(cmdline_parse("hopboot.verify=sha256 hopboot.verify=signed", "Demo", &c), 0);
    CHECK_EQ_INT(c.verify, VERIFY_SIGNED);
    CHECK_EQ_INT(c.n_warnings, 0);
    config_done(&c);

    /* Signed: the card's line does not choose the image's init (one warning); other OS
     * words stay.  Without signed, init= goes through. */
    CHECK_EQ_INT(cmdline_parse("init=/bin/sh quiet hopboot.verify=signed init=/x", "Demo", &c), 0);
    CHECK_EQ_INT(c.n_os_args, 1);
    CHECK_STREQ(c.os_args[0], "quiet");
    CHECK(c.os_args[1] == NULL);
    CHECK_EQ_INT(c.n_warnings, 2);
    CHECK_STREQ(c.warnings[0], "init=/bin/sh: ignored under hopboot.verify=signed (the card does not choose the image's init)");
    CHECK_STREQ(c.warnings[1], "init=/x: ignored under hopboot.verify=signed (the card does not choose the image's init)");
    config_done(&c);
    CHECK_EQ_INT(cmdline_parse("init=/bin/sh hopboot.verify=sha256", "Demo", &c), 0);
    CHECK_EQ_INT(c.n_os_args, 1);
    CHECK_STREQ(c.os_args[0], "init=/bin/sh");
    CHECK_EQ_INT(c.n_warnings, 0);
    config_done(&c);

    /* A build's minimum (-DHOPBOOT_MIN_VERIFY=signed) is where every line starts: no word
     * lowers it, the default included. */
    CHECK_EQ_INT(cmdline_parse_at_least("", "Demo", VERIFY_SIGNED, &c), 0);
    CHECK_EQ_INT(c.verify, VERIFY_SIGNED);
    config_done(&c);
    CHECK_EQ_INT(cmdline_parse_at_least("hopboot.verify=sha1", "Demo", VERIFY_SIGNED, &c), 0);
    CHECK_EQ_INT(c.verify, VERIFY_SIGNED);
    CHECK_EQ_INT(c.n_warnings, 1);
    CHECK_STREQ(c.warnings[0], "hopboot.verify=sha1: weaker than signed, which stays (the check can only be raised)");
    config_done(&c);
    CHECK_EQ_INT(cmdline_parse_at_least("hopboot.verify=signed", "Demo", VERIFY_SHA256, &c), 0);
    CHECK_EQ_INT(c.verify, VERIFY_SIGNED);
    CHECK_EQ_INT(c.n_warnings, 0);
    config_done(&c);

    /* The edges that are fine. */
    CHECK_EQ_INT(cmdline_parse("hopboot.wait=0 hopboot.wait=0003600 hopboot.loglevel=0 hopboot.netdev=enp0s31f6xyzab "
                               "hopboot.card=/dev/sda1 hopboot.keydisk=LABEL=KD \"hopboot.name=My OS\"",
                               "Demo", &c),
                 0);
    CHECK_EQ_INT(c.n_warnings, 0);
    CHECK_EQ_INT(c.wait_seconds, 3600);
    CHECK_EQ_INT(c.log_level, 0);
    CHECK_STREQ(c.netdev, "enp0s31f6xyzab");
    CHECK_STREQ(c.card, "/dev/sda1");
    CHECK_STREQ(c.keydisk, "LABEL=KD");
    CHECK_STREQ(c.name, "My OS");
    config_done(&c);

    /* A required keydisk keeps the suffix, which stage 2 reads back; "required" alone is kd.img. */
    char *place = NULL;
    CHECK_EQ_INT(cmdline_parse("hopboot.keydisk=required", "Demo", &c), 0);
    CHECK_EQ_INT(c.n_warnings, 0);
    CHECK_STREQ(c.keydisk, "kd.img,required");
    CHECK(cmdline_keydisk_required(c.keydisk, &place));
    CHECK_STREQ(place, "kd.img");
    free(place);
    config_done(&c);
    CHECK_EQ_INT(cmdline_parse("hopboot.keydisk=LABEL=KD,required", "Demo", &c), 0);
    CHECK_STREQ(c.keydisk, "LABEL=KD,required");
    CHECK(!cmdline_keydisk_required("LABEL=KD", &place));
    CHECK_STREQ(place, "LABEL=KD");
    free(place);
    CHECK(cmdline_keydisk_required(",required", &place)); /* the suffix alone names nothing... */
    CHECK_STREQ(place, "");                                /* ...which set_keydisk refuses */
    free(place);
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
    test_every_key_malformed();
    test_block_stack_keys();
    return TEST_RESULT();
}
