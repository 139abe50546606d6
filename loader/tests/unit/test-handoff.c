/* test-handoff.c - the hand-off file: round trip, and every malformed form refused. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "handoff.h"
#include "tests.h"

static const char good[] = "hopboot-handoff 1\n"
                           "label=Demo-1.1.0\n"
                           "image=Demo-1.1.0.img\n"
                           "card=UUID=1234-ABCD\n"
                           "keydisk=kd.img\n"
                           "sha1=da39a3ee5e6b4b0d3255bfef95601890afd80709\n"
                           "from=card\n"
                           "module=hopboot/modules/00-loop.ko\n"
                           "module=hopboot/modules/01-squashfs.ko\n";

static void test_round_trip(void)
{
    struct handoff h;
    char *text = NULL;

    CHECK_EQ_INT(handoff_parse(good, strlen(good), &h), 0);
    CHECK_STREQ(h.label, "Demo-1.1.0");
    CHECK_STREQ(h.card, "UUID=1234-ABCD");
    CHECK_EQ_INT(h.n_modules, 2);
    CHECK_STREQ(h.modules[1], "hopboot/modules/01-squashfs.ko");
    CHECK_EQ_INT(handoff_format(&h, &text), 0);
    CHECK_STREQ(text, good);
    free(text);
    handoff_done(&h);

    /* No modules at all is valid (a kernel with everything built in). */
    const char *no_modules = "hopboot-handoff 1\nlabel=a\nimage=a.img\ncard=/dev/sda1\nkeydisk=none\nsha1=x\nfrom=card\n";
    CHECK_EQ_INT(handoff_parse(no_modules, strlen(no_modules), &h), 0);
    CHECK_EQ_INT(h.n_modules, 0);
    CHECK(h.overlay == NULL);
    handoff_done(&h);

    /* The overlay line is optional, written after from=, read back anywhere. */
    const char *overlay = "hopboot-handoff 1\nlabel=a\nimage=a.img\ncard=none\nkeydisk=none\nsha1=x\nfrom=card\n"
                          "overlay=http://10.0.2.2/o/52:54:00:12:34:56.tar.gz\nmodule=m.ko\n";
    CHECK_EQ_INT(handoff_parse(overlay, strlen(overlay), &h), 0);
    CHECK_STREQ(h.overlay, "http://10.0.2.2/o/52:54:00:12:34:56.tar.gz");
    CHECK_EQ_INT(handoff_format(&h, &text), 0);
    CHECK_STREQ(text, overlay);
    free(text);
    handoff_done(&h);
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "",
        "hopboot-handoff 2\nlabel=a\n",
        "hopboot-handoff 1\n",                                                    /* fields missing */
        "hopboot-handoff 1\nlabel=a\nimage=a.img\ncard=c\nkeydisk=k\nsha1=x\n", /* from missing */
        "hopboot-handoff 1\nlabel=a\nlabel=b\nimage=a.img\ncard=c\nkeydisk=k\nsha1=x\nfrom=card\n", /* twice */
        "hopboot-handoff 1\nlabel=a\nimage=a.img\ncard=c\nkeydisk=k\nsha1=x\nfrom=card\ncolour=red\n",
        "hopboot-handoff 1\nlabel=a\nimage=a.img\ncard=c\nkeydisk=k\nsha1=x\nfrom=card\nnoequals\n",
        "hopboot-handoff 1\nlabel=\nimage=a.img\ncard=c\nkeydisk=k\nsha1=x\nfrom=card\n",          /* empty */
        "hopboot-handoff 1\nlabel=a\timage\nimage=a.img\ncard=c\nkeydisk=k\nsha1=x\nfrom=card\n", /* control */
        "hopboot-handoff 1\nlabel=a\nimage=a.img\ncard=c\nkeydisk=k\nsha1=x\nfrom=card",          /* cut */
        "hopboot-handoff 1\nlabel=a\nimage=a.img\ncard=c\nkeydisk=k\nsha1=x\nfrom=card\noverlay=u\noverlay=v\n",
        "hopboot-handoff 1\nlabel=a\nimage=a.img\ncard=c\nkeydisk=k\nsha1=x\nfrom=card\noverlay=\n",
        "hopboot-handoff 1\nlabel=a\nimage=a.img\ncard=c\nkeydisk=k\nsha1=x\noverlay=u\n", /* from missing */
    };
    struct handoff h;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = handoff_parse(bad[i], strlen(bad[i]), &h);
        if (r != -EBADMSG)
            fprintf(stderr, "case %zu: %d\n", i, r);
        CHECK_EQ_INT(r, -EBADMSG);
    }

    /* Too many modules. */
    size_t size = 200 + (HANDOFF_MAX_MODULES + 1) * 16;
    char *many = malloc(size);
    strcpy(many, "hopboot-handoff 1\nlabel=a\nimage=a.img\ncard=c\nkeydisk=k\nsha1=x\nfrom=card\n");
    for (int i = 0; i <= HANDOFF_MAX_MODULES; i++)
        strcat(many, "module=m.ko\n");
    CHECK_EQ_INT(handoff_parse(many, strlen(many), &h), -EBADMSG);
    free(many);

    /* A field that cannot be written is refused rather than written wrong. */
    struct handoff w = { .label = "a\nmodule=evil.ko", .image = "a.img", .card = "c", .keydisk = "k", .sha1 = "x", .from = "card" };
    char *text = NULL;
    CHECK_EQ_INT(handoff_format(&w, &text), -EINVAL);
    w.label = NULL;
    CHECK_EQ_INT(handoff_format(&w, &text), -EINVAL);
    w.label = "a";
    w.overlay = "";
    CHECK_EQ_INT(handoff_format(&w, &text), -EINVAL);
    w.overlay = "http://h/o.tar.gz\nmodule=evil.ko";
    CHECK_EQ_INT(handoff_format(&w, &text), -EINVAL);
    CHECK(text == NULL);
}

int main(void)
{
    test_round_trip();
    test_malformed();
    return TEST_RESULT();
}
