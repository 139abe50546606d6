/* bzimage.c - see bzimage.h and the kernel's Documentation/arch/x86/boot.rst. */
#include "bzimage.h"

#include <errno.h>
#include <string.h>

#define SETUP_HEADER_MAGIC_OFFSET 0x202 /* "HdrS" */
#define SETUP_PROTOCOL_OFFSET 0x206     /* u16 boot protocol version */
#define SETUP_KERNEL_VERSION_OFFSET 0x20e /* u16: string offset - 0x200 */

static unsigned le16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

int bzimage_parse_release(const uint8_t *buf, size_t len, char *ret, size_t size)
{
    if (len < SETUP_KERNEL_VERSION_OFFSET + 2 || memcmp(buf + SETUP_HEADER_MAGIC_OFFSET, "HdrS", 4) != 0)
        return -ENOEXEC;
    if (le16(buf + SETUP_PROTOCOL_OFFSET) < 0x200)
        return -ENOEXEC;
    unsigned pointer = le16(buf + SETUP_KERNEL_VERSION_OFFSET);
    if (pointer == 0)
        return -ENOEXEC;

    size_t start = (size_t)pointer + 0x200, end = start;
    while (end < len && buf[end] != '\0' && buf[end] != ' ')
        end++;
    if (end >= len || end == start)
        return -ENOEXEC;
    /* The release names a directory under /lib/modules: nothing that could leave it. */
    if (buf[start] == '.')
        return -ENOEXEC;
    for (size_t i = start; i < end; i++)
        if (buf[i] == '/' || buf[i] < 0x21 || buf[i] > 0x7e)
            return -ENOEXEC;
    if (end - start + 1 > size)
        return -ENAMETOOLONG;
    memcpy(ret, buf + start, end - start);
    ret[end - start] = '\0';
    return 0;
}
