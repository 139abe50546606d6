/* test-cpio.c - the newc writer: GNU cpio lists what we wrote with the exact names, modes,
 * sizes and link targets; bad paths are refused; the archive is 512-byte aligned. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cpio.h"
#include "tests.h"

static char dir[] = "/tmp/test-cpio-XXXXXX";

static void test_bad_paths(struct cpio *c)
{
    char long_path[1100];
    memset(long_path, 'a', sizeof(long_path) - 1);
    long_path[sizeof(long_path) - 1] = '\0';

    CHECK_EQ_INT(cpio_add_data(c, "", 0644, "x", 1), -EINVAL);
    CHECK_EQ_INT(cpio_add_data(c, "/abs", 0644, "x", 1), -EINVAL);
    CHECK_EQ_INT(cpio_add_data(c, "a/../b", 0644, "x", 1), -EINVAL);
    CHECK_EQ_INT(cpio_add_data(c, "a//b", 0644, "x", 1), -EINVAL);
    CHECK_EQ_INT(cpio_add_data(c, "a/", 0644, "x", 1), -EINVAL);
    CHECK_EQ_INT(cpio_add_data(c, long_path, 0644, "x", 1), -EINVAL);
    CHECK_EQ_INT(cpio_add_device(c, "dev/x", S_IFREG, 0600, 1, 1), -EINVAL);
}

static void write_archive(const char *path)
{
    struct cpio c;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK(fd >= 0);
    cpio_init(&c, fd);

    char src_path[256];
    snprintf(src_path, sizeof(src_path), "%s/src", dir);
    int src = open(src_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK(write(src, "hello file\n", 11) == 11); /* the offset is at the end: cpio_add_file rewinds */

    CHECK_EQ_INT(cpio_add_directory(&c, "dir", 0750), 0);
    CHECK_EQ_INT(cpio_add_data(&c, "dir/data.txt", 0600, "abc", 3), 0);
    CHECK_EQ_INT(cpio_add_file(&c, "init", 0755, src), 0);
    CHECK_EQ_INT(cpio_add_symlink(&c, "dir/link", "../init"), 0);
    CHECK_EQ_INT(cpio_add_device(&c, "console", S_IFCHR, 0600, 5, 1), 0);
    CHECK_EQ_INT(cpio_add_data(&c, "name with space", 0644, "", 0), 0);
    test_bad_paths(&c); /* refused entries leave nothing behind */
    CHECK_EQ_INT(cpio_finish(&c), 0);
    CHECK_EQ_INT(c.offset % 512, 0);
    CHECK_EQ_INT(lseek(fd, 0, SEEK_END), (off_t)c.offset);
    close(src);
    close(fd);
}

static void check_listing(const char *archive)
{
    char cmd[512], all[4096];
    snprintf(cmd, sizeof(cmd), "TZ=UTC LC_ALL=C cpio -itv --quiet < %s 2>&1", archive);
    FILE *p = popen(cmd, "r");
    CHECK(p != NULL);
    size_t len = p ? fread(all, 1, sizeof(all) - 1, p) : 0;
    all[len] = '\0';
    CHECK_EQ_INT(pclose(p), 0);
    CHECK_STREQ(all, "drwxr-x---   2 root     root            0 Jan  1  1970 dir\n"
                     "-rw-------   1 root     root            3 Jan  1  1970 dir/data.txt\n"
                     "-rwxr-xr-x   1 root     root           11 Jan  1  1970 init\n"
                     "lrwxrwxrwx   1 root     root            7 Jan  1  1970 dir/link -> ../init\n"
                     "crw-------   1 root     root       5,   1 Jan  1  1970 console\n"
                     "-rw-r--r--   1 root     root            0 Jan  1  1970 name with space\n");

    /* The contents, byte for byte. */
    snprintf(cmd, sizeof(cmd), "cpio -i --quiet --to-stdout init dir/data.txt < %s", archive);
    p = popen(cmd, "r");
    len = p ? fread(all, 1, sizeof(all) - 1, p) : 0;
    all[len] = '\0';
    CHECK_EQ_INT(pclose(p), 0);
    CHECK_STREQ(all, "abchello file\n");
}

int main(void)
{
    char archive[256];

    CHECK(mkdtemp(dir) != NULL);
    snprintf(archive, sizeof(archive), "%s/test.cpio", dir);
    write_archive(archive);
    check_listing(archive);
    snprintf(archive, sizeof(archive), "rm -rf %s", dir);
    CHECK_EQ_INT(system(archive), 0);
    return TEST_RESULT();
}
