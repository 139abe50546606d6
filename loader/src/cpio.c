/* cpio.c - see cpio.h.  Format: "070701", thirteen 8-digit hex fields, the NUL-terminated
 * name, padding to 4 bytes, the data, padding to 4 bytes (see the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst). */
#include "cpio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

#define CPIO_MAX_PATH 1023

static const char zeros[512];

void cpio_init(struct cpio *c, int fd)
{
    *c = (struct cpio){ .fd = fd, .next_inode = 1 };
}

static int emit(struct cpio *c, const void *buf, size_t len)
{
    int r = fileio_write_all(c->fd, buf, len);
    if (r < 0)
        return r;
    c->offset += len;
    return 0;
}

static int pad(struct cpio *c, unsigned alignment)
{
    size_t rest = (size_t)(c->offset % alignment);
    return rest ? emit(c, zeros, alignment - rest) : 0;
}

/* Relative, no empty component ("a//b", "a/"), no "..": nothing that could land outside
 * the root the kernel unpacks into. */
static int valid_path(const char *path)
{
    size_t len = strlen(path);
    if (len == 0 || len > CPIO_MAX_PATH)
        return 0;
    for (const char *segment = path;; ) {
        const char *end = strchrnul(segment, '/');
        size_t seg_len = (size_t)(end - segment);
        if (seg_len == 0 || (seg_len == 2 && segment[0] == '.' && segment[1] == '.'))
            return 0;
        if (*end == '\0')
            return 1;
        segment = end + 1;
    }
}

static int header(struct cpio *c, const char *path, mode_t mode, uint64_t size, unsigned rmajor, unsigned rminor)
{
    char hdr[6 + 13 * 8 + 1];

    if (!valid_path(path))
        return -EINVAL;
    if (size > UINT32_MAX)
        return -EFBIG;
    size_t name_size = strlen(path) + 1;
    snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X",
             c->next_inode++, (unsigned)mode, 0u, 0u, S_ISDIR(mode) ? 2u : 1u, 0u, (unsigned)size,
             0u, 0u, rmajor, rminor, name_size, 0u);
    int r = emit(c, hdr, sizeof(hdr) - 1);
    if (r >= 0)
        r = emit(c, path, name_size);
    if (r >= 0)
        r = pad(c, 4);
    return r;
}

int cpio_add_directory(struct cpio *c, const char *path, mode_t perm)
{
    return header(c, path, S_IFDIR | (perm & 07777), 0, 0, 0);
}

int cpio_add_data(struct cpio *c, const char *path, mode_t perm, const void *data, size_t len)
{
    int r = header(c, path, S_IFREG | (perm & 07777), len, 0, 0);
    if (r >= 0)
        r = emit(c, data, len);
    return r < 0 ? r : pad(c, 4);
}

int cpio_add_file(struct cpio *c, const char *path, mode_t perm, int src_fd)
{
    struct stat st;

    if (fstat(src_fd, &st) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EINVAL;
    if (lseek(src_fd, 0, SEEK_SET) < 0)
        return -errno;
    int r = header(c, path, S_IFREG | (perm & 07777), (uint64_t)st.st_size, 0, 0);
    if (r < 0)
        return r;
    r = fileio_copy(src_fd, c->fd, (uint64_t)st.st_size);
    if (r < 0)
        return r;
    c->offset += (uint64_t)st.st_size;
    return pad(c, 4);
}

int cpio_add_symlink(struct cpio *c, const char *path, const char *target)
{
    size_t len = strlen(target);
    int r = header(c, path, S_IFLNK | 0777, len, 0, 0);
    if (r >= 0)
        r = emit(c, target, len);
    return r < 0 ? r : pad(c, 4);
}

int cpio_add_device(struct cpio *c, const char *path, mode_t type, mode_t perm, unsigned major, unsigned minor)
{
    if (type != S_IFCHR && type != S_IFBLK)
        return -EINVAL;
    return header(c, path, type | (perm & 07777), 0, major, minor);
}

int cpio_finish(struct cpio *c)
{
    int r = header(c, "TRAILER!!!", 0, 0, 0, 0);
    return r < 0 ? r : pad(c, 512);
}
