/* test-rootfs.c - root file system tarballs: their names, finding them on a card, and
 * running an installer (a stand-in script here; the real one runs in the scripts and
 * qemu tests). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "rootfs.h"
#include "tests.h"

static char dir[] = "/tmp/test-rootfs-XXXXXX";

static void write_file(const char *name, const char *text, mode_t mode)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    CHECK(fd >= 0);
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
}

static void check_label(const char *file, const char *label)
{
    char *got = NULL;
    CHECK_EQ_INT(rootfs_classify("Demo", file, &got), 0);
    CHECK_STREQ(got, label);
    free(got);
}

static void test_classify(void)
{
    char *label = NULL;
    check_label("Demo-1.2.0-rootfs.tar.gz", "Demo-1.2.0");
    check_label("Demo-1.2.0_rootfs.tar.gz", "Demo-1.2.0");
    check_label("Demo-7.rootfs.tar.gz", "Demo-7");
    /* Tarballs, but not installable for Demo: no version, another OS, bad version. */
    static const char *const not_for_demo[] = {
        "Demo-rootfs.tar.gz", "rootfs.tar.gz", "Demo-1.2.0rootfs.tar.gz", "Other-1.2.0-rootfs.tar.gz",
        "Demo-1.2.x-rootfs.tar.gz", "Demo-1..2-rootfs.tar.gz", "demo-1.2-rootfs.tar.gz", "Demo-1.2+rootfs.tar.gz",
    };
    for (size_t i = 0; i < sizeof(not_for_demo) / sizeof(not_for_demo[0]); i++)
        CHECK_EQ_INT(rootfs_classify("Demo", not_for_demo[i], &label), 1);
    /* No tarballs at all. */
    static const char *const others[] = { "Demo-1.2.0.img", "Demo-1.2.0-rootfs.tar", "Demo-1.2.0-rootfs.tgz", "" };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        CHECK_EQ_INT(rootfs_classify("Demo", others[i], &label), -EINVAL);
    CHECK(label == NULL);
}

static void test_find(void)
{
    char sub[600], path[600];
    char **paths = NULL;
    size_t n = 99;

    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(fd >= 0);
    CHECK_EQ_INT(rootfs_find(fd, &paths, &n), 0); /* no boot-images/ is no error */
    CHECK_EQ_INT(n, 0);
    CHECK(paths && paths[0] == NULL);
    strv_free(paths);

    write_file("B-1-rootfs.tar.gz", "", 0644);
    write_file("Demo-1.0.0.img", "", 0644);
    snprintf(sub, sizeof(sub), "%s/" ROOTFS_SUBDIR, dir);
    CHECK(mkdir(sub, 0755) == 0);
    write_file(ROOTFS_SUBDIR "/A-2-rootfs.tar.gz", "", 0644);
    snprintf(path, sizeof(path), "%s/C-rootfs.tar.gz", dir); /* a directory is no tarball */
    CHECK(mkdir(path, 0755) == 0);
    CHECK_EQ_INT(rootfs_find(fd, &paths, &n), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_STREQ(paths[0], "B-1-rootfs.tar.gz");
    CHECK_STREQ(paths[1], ROOTFS_SUBDIR "/A-2-rootfs.tar.gz");
    CHECK(paths[2] == NULL);
    strv_free(paths);
    close(fd);
    CHECK_EQ_INT(rootfs_find(-1, &paths, &n), -EBADF);
}

static void test_install(void)
{
    char installer[600], line[256];

    snprintf(installer, sizeof(installer), "%s/installer", dir);
    /* Success: the last line; the arguments and TMPDIR arrive as given. */
    write_file("installer", "#!/bin/sh\necho noise\n"
                            "[ \"$*\" = '--name Demo --version 1.2.0 -o /out -- /card/T.tar.gz' ] || exit 3\n"
                            "[ \"$TMPDIR\" = /tmpdir ] || exit 4\n"
                            "echo 'installed Demo-1.2.0.img from T.tar.gz (sha1 ab)'\n",
               0755);
    CHECK_EQ_INT(rootfs_install(installer, "/card/T.tar.gz", "Demo", "1.2.0", "/out", "/tmpdir", line, sizeof(line)),
                 0);
    CHECK_STREQ(line, "installed Demo-1.2.0.img from T.tar.gz (sha1 ab)");
    /* Failure: its error line without the prefix, from stderr. */
    write_file("installer", "#!/bin/sh\necho start\necho 'rootfs-to-image: error: T.tar.gz holds no kernel' >&2\n"
                            "exit 1\n",
               0755);
    CHECK_EQ_INT(rootfs_install(installer, "/T.tar.gz", "Demo", "1", "/", "/", line, sizeof(line)), -ECHILD);
    CHECK_STREQ(line, "T.tar.gz holds no kernel");
    /* Killed, silent. */
    write_file("installer", "#!/bin/sh\nkill -9 $$\n", 0755);
    CHECK_EQ_INT(rootfs_install(installer, "/T.tar.gz", "Demo", "1", "/", "/", line, sizeof(line)), -ECHILD);
    CHECK_STREQ(line, "");
    /* Missing. */
    CHECK_EQ_INT(rootfs_install("/nonexistent/installer", "/T.tar.gz", "Demo", "1", "/", "/", line, sizeof(line)),
                 -ENOENT);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_classify();
    test_find();
    test_install();
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return TEST_RESULT();
}
