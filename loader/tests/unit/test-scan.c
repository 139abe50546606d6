/* test-scan.c - finding Name-X.Y.Z.img candidates in a directory and ordering them. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "scan.h"
#include "select.h"
#include "tests.h"

static char dir[] = "/tmp/test-scan-XXXXXX";

static void touch(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    CHECK(fd >= 0);
    close(fd);
}

static void test_name_matching(void)
{
    struct image img;
    CHECK_EQ_INT(image_from_file_name("Demo", "Demo-0.4.10.img", &img), 0);
    CHECK_STREQ(img.label, "Demo-0.4.10");
    CHECK_EQ_INT(img.version.part[2], 10);
    image_done(&img);
    static const char *const others[] = {
        "Demo.img", "Demo-.img", "Demo-1.img.sha1", "Demo-1.2.IMG", "demo-1.2.img", "Demo_1.2.img",
        "DemoX-1.2.img", "Demo-1.2-rc1.img", "Demo-1..2.img", "Demo-a.img", "XDemo-1.2.img", "Demo-1.2.img.bak",
    };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        CHECK(image_from_file_name("Demo", others[i], &img) < 0);
    CHECK(image_from_file_name("", "-1.img", &img) < 0);
    /* A name that itself looks like NAME-VERSION is matched literally. */
    CHECK_EQ_INT(image_from_file_name("Demo-1", "Demo-1-2.0.img", &img), 0);
    CHECK_STREQ(img.label, "Demo-1-2.0");
    image_done(&img);
}

static void test_directory(void)
{
    static const char *const files[] = {
        "Demo-0.4.9.img", "Demo-0.4.10.img", "Demo-0.4.9.img.sha1", "Demo-1.0.img", "Demo-1.0.0.img",
        "Other-9.9.img", "kd.img", "syslinux.cfg", "Demo-0.10.img",
    };
    char subdir[600];
    struct image *images = NULL;
    size_t n = 0;

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        touch(files[i]);
    snprintf(subdir, sizeof(subdir), "%s/Demo-9.9.9.img", dir); /* a directory is no candidate */
    CHECK(mkdir(subdir, 0755) == 0);

    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK_EQ_INT(scan_directory(dirfd, "Demo", &images, &n), 0);
    CHECK_EQ_INT(n, 5);
    select_order(images, n);
    const char *expected[] = { "Demo-1.0.0.img", "Demo-1.0.img", "Demo-0.10.img", "Demo-0.4.10.img", "Demo-0.4.9.img" };
    for (size_t i = 0; i < n && i < 5; i++)
        CHECK_STREQ(images[i].file, expected[i]);
    image_free_array(images, n);

    CHECK_EQ_INT(scan_directory(dirfd, "Nothing", &images, &n), 0);
    CHECK_EQ_INT(n, 0);
    image_free_array(images, n);
    close(dirfd);
}

static void test_missing_directory(void)
{
    struct image *images = (struct image *)0x1;
    size_t n = 77;
    CHECK(scan_directory(-1, "Demo", &images, &n) < 0);
    CHECK(images == (struct image *)0x1 && n == 77); /* untouched on failure */
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    test_name_matching();
    test_directory();
    test_missing_directory();
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
    return TEST_RESULT();
}
