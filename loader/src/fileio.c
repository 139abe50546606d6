/* fileio.c - see fileio.h. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

int fileio_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int regular_or_errno(const struct stat *st)
{
    if (S_ISREG(st->st_mode))
        return 0;
    return S_ISDIR(st->st_mode) ? -EISDIR : -EBADFD;
}

int fileio_open_regular(int dirfd, const char *path)
{
    struct stat st;
    if (fstatat(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return -errno;
    int r = regular_or_errno(&st);
    if (r < 0)
        return r;
    int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
    if (fd < 0)
        return errno == ELOOP ? -EBADFD : -errno; /* turned into a link since fstatat */
    if (fstat(fd, &st) < 0 || (r = regular_or_errno(&st)) < 0) {
        r = r < 0 ? r : -errno;
        close(fd);
        return r;
    }
    return fd;
}

int fileio_read_file(int dirfd, const char *path, size_t max_size, char **ret_data, size_t *ret_len)
{
    _cleanup_close_ int fd = fileio_open_regular(dirfd, path);
    if (fd < 0)
        return fd;

    _cleanup_free_ char *buf = malloc(max_size + 1);
    if (!buf)
        return -ENOMEM;

    size_t len = 0;
    for (;;) {
        /* Read one byte past the limit so an oversized file is detected, not cut. */
        ssize_t n = read(fd, buf + len, max_size + 1 - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > max_size)
            return -EFBIG;
    }
    buf[len] = '\0';
    *ret_data = TAKE_PTR(buf);
    if (ret_len)
        *ret_len = len;
    return 0;
}

static int copy_read_write(int src_fd, int dst_fd, uint64_t len)
{
    _cleanup_free_ char *buf = malloc(256 * 1024);
    if (!buf)
        return -ENOMEM;

    while (len > 0) {
        size_t chunk = len < 256 * 1024 ? (size_t)len : 256 * 1024;
        ssize_t n = read(src_fd, buf, chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -EIO;
        int r = fileio_write_all(dst_fd, buf, (size_t)n);
        if (r < 0)
            return r;
        len -= (uint64_t)n;
    }
    return 0;
}

int fileio_copy(int src_fd, int dst_fd, uint64_t len)
{
    while (len > 0) {
        size_t chunk = len < (1u << 30) ? (size_t)len : (1u << 30);
        ssize_t n = copy_file_range(src_fd, NULL, dst_fd, NULL, chunk, 0);
        if (n < 0) {
            /* Different filesystems (vfat to tmpfs on old kernels), or no support at all. */
            if (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)
                return copy_read_write(src_fd, dst_fd, len);
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            return -EIO;
        len -= (uint64_t)n;
    }
    return 0;
}

int fileio_strv_push(char ***v, size_t *n, const char *s)
{
    _cleanup_free_ char *copy = strdup(s);
    if (!copy)
        return -ENOMEM;
    char **grown = realloc(*v, (*n + 2) * sizeof(char *));
    if (!grown)
        return -ENOMEM;
    grown[*n] = TAKE_PTR(copy);
    grown[*n + 1] = NULL;
    *v = grown;
    (*n)++;
    return 0;
}

int fileio_resolve_in_root(const char *root_dir, const char *relative, char *ret, size_t size)
{
    struct open_how how = {
        .flags = O_RDONLY | O_CLOEXEC,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    char link[64];

    _cleanup_close_ int root = open(root_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return -errno;
    _cleanup_close_ int fd = (int)syscall(SYS_openat2, root, relative, &how, sizeof(how));
    if (fd < 0)
        return -errno;
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, ret, size - 1);
    if (len < 0)
        return -errno;
    if ((size_t)len >= size - 1)
        return -ENAMETOOLONG;
    ret[len] = '\0';
    return 0;
}
