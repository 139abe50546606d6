/* test-bzimage.c - the kernel release from a bzImage setup header. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "bzimage.h"
#include "tests.h"

static uint8_t buf[4096];

static void make_header(const char *version_string, unsigned protocol)
{
    memset(buf, 0, sizeof(buf));
    memcpy(buf + 0x202, "HdrS", 4);
    buf[0x206] = protocol & 0xff;
    buf[0x207] = protocol >> 8;
    unsigned pointer = 0x400; /* the string sits at pointer + 0x200 */
    buf[0x20e] = pointer & 0xff;
    buf[0x20f] = pointer >> 8;
    memcpy(buf + 0x600, version_string, strlen(version_string) + 1);
}

int main(void)
{
    char release[64];

    make_header("6.1.0-56-cloud-amd64 (debian-kernel@lists.debian.org) #1 SMP", 0x20f);
    CHECK_EQ_INT(bzimage_parse_release(buf, sizeof(buf), release, sizeof(release)), 0);
    CHECK_STREQ(release, "6.1.0-56-cloud-amd64");

    char small[8];
    CHECK_EQ_INT(bzimage_parse_release(buf, sizeof(buf), small, sizeof(small)), -ENAMETOOLONG);
    CHECK_EQ_INT(bzimage_parse_release(buf, 0x600, release, sizeof(release)), -ENOEXEC); /* string cut off */
    CHECK_EQ_INT(bzimage_parse_release(buf, 0x100, release, sizeof(release)), -ENOEXEC); /* header cut off */

    /* Not a plain release: it would name a directory outside /lib/modules. */
    static const char *const escapes[] = { "../../x (b@h) #1", "6.1/../../x", ".hidden", "6.1\x01x", "6.1\xc3\xa9" };
    for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
        make_header(escapes[i], 0x20f);
        CHECK_EQ_INT(bzimage_parse_release(buf, sizeof(buf), release, sizeof(release)), -ENOEXEC);
    }

    make_header("6.1.0", 0x1ff);
    CHECK_EQ_INT(bzimage_parse_release(buf, sizeof(buf), release, sizeof(release)), -ENOEXEC); /* old protocol */
    make_header("", 0x20f);
    CHECK_EQ_INT(bzimage_parse_release(buf, sizeof(buf), release, sizeof(release)), -ENOEXEC); /* empty */
    make_header("6.1.0", 0x20f);
    buf[0x202] = 'X';
    CHECK_EQ_INT(bzimage_parse_release(buf, sizeof(buf), release, sizeof(release)), -ENOEXEC); /* no magic */
    memset(buf, 0xff, sizeof(buf));
    CHECK_EQ_INT(bzimage_parse_release(buf, sizeof(buf), release, sizeof(release)), -ENOEXEC);
    return TEST_RESULT();
}
