/* test-fileio.c - bounded whole-file reads (the .sha1 limit rests on them), copies. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "tests.h"

static char dir[] = "/tmp/test-fileio-XXXXXX";

static void write_size(const char *name, size_t size)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char *buf = malloc(size + 1);
    memset(buf, 'x', size);
    CHECK(write(fd, buf, size) == (ssize_t)size);
    free(buf);
    close(fd);
}

int main(void)
{
    char *data = NULL;
    size_t len = 0;

    CHECK(mkdtemp(dir) != NULL);
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    write_size("limit", 4096);
    write_size("over", 4097);
    write_size("empty", 0);

    CHECK_EQ_INT(fileio_read_file(dirfd, "limit", 4096, &data, &len), 0);
    CHECK_EQ_INT(len, 4096);
    CHECK_EQ_INT(data[4096], '\0');
    free(data);
    data = (char *)"untouched";
    CHECK_EQ_INT(fileio_read_file(dirfd, "over", 4096, &data, &len), -EFBIG);
    CHECK_EQ_INT(fileio_read_file(dirfd, "missing", 4096, &data, &len), -ENOENT);
    CHECK_STREQ(data, "untouched");
    CHECK_EQ_INT(fileio_read_file(dirfd, "empty", 4096, &data, NULL), 0);
    CHECK_STREQ(data, "");
    free(data);

    /* Only regular files: a FIFO named like a checksum file fails at once instead of
     * blocking the reader (nobody ever writes to it); a device node and a directory too. */
    CHECK_EQ_INT(mkfifoat(dirfd, "fifo.sha1", 0644), 0);
    CHECK_EQ_INT(mkdirat(dirfd, "dir.sha1", 0755), 0);
    data = (char *)"untouched";
    CHECK_EQ_INT(fileio_read_file(dirfd, "fifo.sha1", 4096, &data, &len), -EBADFD);
    CHECK_EQ_INT(fileio_read_file(AT_FDCWD, "/dev/null", 4096, &data, &len), -EBADFD);
    CHECK_EQ_INT(fileio_read_file(dirfd, "dir.sha1", 4096, &data, &len), -EISDIR);
    CHECK_STREQ(data, "untouched");
    /* A symbolic link is never followed, to a regular file neither (it could lead out of
     * the source, or to a disk); through the same calls an image is opened with. */
    CHECK_EQ_INT(symlinkat("empty", dirfd, "link.sha1"), 0);
    CHECK_EQ_INT(fileio_read_file(dirfd, "link.sha1", 4096, &data, &len), -EBADFD);
    CHECK_EQ_INT(fileio_open_regular(dirfd, "link.sha1"), -EBADFD);
    CHECK_EQ_INT(fileio_open_regular(dirfd, "fifo.sha1"), -EBADFD);
    CHECK_EQ_INT(fileio_open_regular(dirfd, "dir.sha1"), -EISDIR);
    CHECK_EQ_INT(fileio_open_regular(dirfd, "missing"), -ENOENT);
    int regular = fileio_open_regular(dirfd, "empty");
    CHECK(regular >= 0);
    CHECK(fcntl(regular, F_GETFD) & FD_CLOEXEC);
    close(regular);
    CHECK_EQ_INT(unlinkat(dirfd, "link.sha1", 0), 0);
    /* /proc and /sys files are regular: the loader's own reads still work. */
    CHECK_EQ_INT(fileio_read_file(AT_FDCWD, "/proc/self/stat", 4096, &data, &len), 0);
    CHECK(len > 0);
    free(data);
    CHECK_EQ_INT(unlinkat(dirfd, "fifo.sha1", 0), 0);
    CHECK_EQ_INT(unlinkat(dirfd, "dir.sha1", AT_REMOVEDIR), 0);

    /* Copy: exact length, and a source shorter than asked is an error. */
    int src = openat(dirfd, "limit", O_RDONLY | O_CLOEXEC);
    int dst = openat(dirfd, "copy", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    CHECK_EQ_INT(fileio_copy(src, dst, 1000), 0);
    CHECK_EQ_INT(lseek(dst, 0, SEEK_END), 1000);
    CHECK_EQ_INT(fileio_copy(src, dst, 4000), -EIO); /* only 3096 bytes left */
    close(src);
    close(dst);

    char **v = NULL;
    size_t n = 0;
    CHECK_EQ_INT(fileio_strv_push(&v, &n, "a"), 0);
    CHECK_EQ_INT(fileio_strv_push(&v, &n, "b"), 0);
    CHECK(n == 2 && strcmp(v[1], "b") == 0 && v[2] == NULL);
    free(v[0]);
    free(v[1]);
    free(v);

    close(dirfd);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
    return TEST_RESULT();
}
