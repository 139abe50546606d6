/* test-scan.c - finding Name-X.Y.Z.img candidates in a directory and ordering them. */
#include <errno.h>
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

/* DIR/TOP with a boot-images/ folder, and the empty files FILES (paths below TOP) in them;
 * returns TOP's descriptor. */
static int make_source(const char *top, const char *const *files, size_t n)
{
    char path[700];

    snprintf(path, sizeof(path), "%s/%s", dir, top);
    CHECK(mkdir(path, 0755) == 0);
    snprintf(path, sizeof(path), "%s/%s/boot-images", dir, top);
    CHECK(mkdir(path, 0755) == 0);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", top, files[i]);
        touch(path);
    }
    snprintf(path, sizeof(path), "%s/%s", dir, top);
    return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
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

/* The bad-name matrix: names that start with "Demo-" and end in ".img" but are no
 * candidate get a reason; names not meant for Demo get none; odd but valid names are
 * candidates. */
static void test_classify(void)
{
    static const struct {
        const char *file, *reason;
    } ignored[] = {
        { "Demo-.img", "no version between the name and \".img\"" },
        { "Demo-1.5.0 (copy).img", "version \"1.5.0 (copy)\" is not numbers separated by dots" },
        { "Demo-1.5.0 - Copy.img", "version \"1.5.0 - Copy\" is not numbers separated by dots" },
        { "Demo- 1.2.img", "version \" 1.2\" is not numbers separated by dots" },
        { "Demo-1.8.0\xc3\xbc.img", "version \"1.8.0\xc3\xbc\" is not numbers separated by dots" },
        { "Demo-\xef\xbc\x91.\xef\xbc\x92.img", "version \"\xef\xbc\x91.\xef\xbc\x92\" is not numbers separated by dots" },
        { "Demo-1.2.img.img", "version \"1.2.img\" is not numbers separated by dots" },
        { "Demo-1.2-rc1.img", "version \"1.2-rc1\" is not numbers separated by dots" },
        { "Demo-1..2.img", "version \"1..2\" is not numbers separated by dots" },
        { "Demo-v1.2.img", "version \"v1.2\" is not numbers separated by dots" },
        { "Demo-1.2\t.img", "version \"1.2?\" is not numbers separated by dots" },
        { "Demo-1.2.3.4.5.6.7.8.9.img", "version \"1.2.3.4.5.6.7.8.9\" has more than 8 parts" },
        { "Demo-4294967296.img", "version \"4294967296\" has a part larger than 4294967295" },
        { "Demo-1.99999999999999999999.img", "version \"1.99999999999999999999\" has a part larger than 4294967295" },
        { "Demo--1.img", "version \"-1\" is not numbers separated by dots" },
    };
    static const char *const silent[] = {
        "Demo.img", "Demo-1.img.sha1", "Demo-1.2.IMG", "demo-1.2.img", "Demo_1.2.img", "Demo 1.2.img", "DemoX-1.2.img",
        "XDemo-1.2.img", "D\xc3\xa9mo-1.2.img", "kd.img", "syslinux.cfg", "Demo-", "Demo-img", ".", "..",
    };
    struct image img;
    char *reason;

    for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
        reason = NULL;
        int r = scan_classify("Demo", ignored[i].file, true, &img, &reason);
        if (r != 1)
            fprintf(stderr, "%s: %d, expected 1\n", ignored[i].file, r);
        CHECK_EQ_INT(r, 1);
        CHECK_STREQ(reason, ignored[i].reason);
        free(reason);
    }
    for (size_t i = 0; i < sizeof(silent) / sizeof(silent[0]); i++) {
        reason = NULL;
        int r = scan_classify("Demo", silent[i], true, &img, &reason);
        if (r != -EINVAL)
            fprintf(stderr, "%s: %d, expected -EINVAL\n", silent[i], r);
        CHECK_EQ_INT(r, -EINVAL);
        CHECK(reason == NULL);
    }

    /* A valid name that is not a regular file (a directory, a device) is no candidate. */
    reason = NULL;
    CHECK_EQ_INT(scan_classify("Demo", "Demo-9.9.9.img", false, &img, &reason), 1);
    CHECK_STREQ(reason, "not a regular file");
    free(reason);

    /* Long but valid: vfat's 255 characters, leading zeros included, is version 2.0.0. */
    char longname[256];
    memset(longname, '0', sizeof(longname));
    memcpy(longname, "Demo-", 5);
    memcpy(longname + 255 - strlen("2.0.0.img"), "2.0.0.img", strlen("2.0.0.img") + 1);
    CHECK_EQ_INT(strlen(longname), 255);
    CHECK_EQ_INT(scan_classify("Demo", longname, true, &img, &reason), 0);
    CHECK_EQ_INT(img.version.n_parts, 3);
    CHECK_EQ_INT(img.version.part[0], 2);
    CHECK_STREQ(img.file, longname);
    image_done(&img);
    /* 8 parts is the most; 4294967295 the largest part. */
    CHECK_EQ_INT(scan_classify("Demo", "Demo-1.2.3.4.5.6.7.8.img", true, &img, &reason), 0);
    image_done(&img);
    CHECK_EQ_INT(scan_classify("Demo", "Demo-4294967295.img", true, &img, &reason), 0);
    image_done(&img);
    /* Long and too many parts, near the 255 limit. */
    char parts[256] = "Demo-";
    while (strlen(parts) + 2 + 5 <= 255)
        strcat(parts, "1.");
    strcat(parts, "1.img");
    CHECK_EQ_INT(scan_classify("Demo", parts, true, &img, &reason), 1);
    CHECK(strstr(reason, "has more than 8 parts") != NULL);
    free(reason);
}

static void test_directory_report(void)
{
    static const char *const files[] = {
        "Demo-2.0.0.img", "Demo-1.5.0 (copy).img", "Demo-1.2.3.4.5.6.7.8.9.img", "Demo-4294967296.img",
        "Demo-1.8.0\xc3\xbc.img", "Demo 1.7.0.img", "Demo-2.0.0.img.sha1", "Demo-.img",
    };
    char path[700];
    struct image *images = NULL;
    struct scan_ignored *ignored = NULL;
    size_t n = 0, n_ignored = 0;

    snprintf(path, sizeof(path), "%s/report", dir);
    CHECK(mkdir(path, 0755) == 0);
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char name[300];
        snprintf(name, sizeof(name), "report/%s", files[i]);
        touch(name);
    }
    snprintf(path, sizeof(path), "%s/report/Demo-3.0.0.img", dir);
    CHECK(mkdir(path, 0755) == 0);
    snprintf(path, sizeof(path), "%s/report", dir);
    int dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    CHECK_EQ_INT(scan_directory_report(dirfd, "Demo", &images, &n, &ignored, &n_ignored), 0);
    CHECK_EQ_INT(n, 1);
    CHECK_STREQ(images[0].file, "Demo-2.0.0.img");
    /* Sorted by name (bytes), whatever order the directory has. */
    static const char *const expected[][2] = {
        { "Demo-.img", "no version between the name and \".img\"" },
        { "Demo-1.2.3.4.5.6.7.8.9.img", "version \"1.2.3.4.5.6.7.8.9\" has more than 8 parts" },
        { "Demo-1.5.0 (copy).img", "version \"1.5.0 (copy)\" is not numbers separated by dots" },
        { "Demo-1.8.0\xc3\xbc.img", "version \"1.8.0\xc3\xbc\" is not numbers separated by dots" },
        { "Demo-3.0.0.img", "not a regular file" },
        { "Demo-4294967296.img", "version \"4294967296\" has a part larger than 4294967295" },
    };
    CHECK_EQ_INT(n_ignored, 6);
    for (size_t i = 0; i < n_ignored && i < 6; i++) {
        CHECK_STREQ(ignored[i].file, expected[i][0]);
        CHECK_STREQ(ignored[i].reason, expected[i][1]);
    }
    image_free_array(images, n);
    scan_ignored_free_array(ignored, n_ignored);

    /* scan_directory is the same scan without the report. */
    CHECK_EQ_INT(scan_directory(dirfd, "Demo", &images, &n), 0);
    CHECK_EQ_INT(n, 1);
    image_free_array(images, n);

    /* Only ignored names: no candidate, still a success. */
    ignored = NULL;
    CHECK_EQ_INT(scan_directory_report(dirfd, "Demo 1", &images, &n, &ignored, &n_ignored), 0);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(n_ignored, 0);
    image_free_array(images, n);
    scan_ignored_free_array(ignored, n_ignored);
    close(dirfd);
}

/* One name at the top and in boot-images/: the boot state keys trial records by name, so
 * only the top one is a candidate and the other is reported; other names in the folder
 * stay candidates. */
static void test_shadowed(void)
{
    static const char *const files[] = {
        "Demo-1.1.0.img", "boot-images/Demo-1.1.0.img", "boot-images/Demo-1.2.0.img",
    };
    struct image *images = NULL;
    struct scan_ignored *ignored = NULL;
    size_t n = 0, n_ignored = 0;
    int dirfd = make_source("shadow", files, sizeof(files) / sizeof(files[0]));

    CHECK_EQ_INT(scan_directory_report(dirfd, "Demo", &images, &n, &ignored, &n_ignored), 0);
    CHECK_EQ_INT(n, 2);
    CHECK_STREQ(images[0].file, "Demo-1.1.0.img");
    CHECK_STREQ(images[1].file, "boot-images/Demo-1.2.0.img");
    CHECK_EQ_INT(n_ignored, 1);
    if (n_ignored == 1) {
        CHECK_STREQ(ignored[0].file, "boot-images/Demo-1.1.0.img");
        CHECK_STREQ(ignored[0].reason,
                    "Demo-1.1.0.img is at the top too, and that one is used (one name, one trial record)");
    }
    image_free_array(images, n);
    scan_ignored_free_array(ignored, n_ignored);

    /* Without the report the same candidates. */
    CHECK_EQ_INT(scan_directory(dirfd, "Demo", &images, &n), 0);
    CHECK_EQ_INT(n, 2);
    image_free_array(images, n);
    close(dirfd);
}

static void test_many(void)
{
    char path[700];
    struct image *images = NULL;
    struct scan_ignored *ignored = NULL;
    size_t n = 0, n_ignored = 0;

    snprintf(path, sizeof(path), "%s/many", dir);
    CHECK(mkdir(path, 0755) == 0);
    for (int i = 0; i < 1000; i++) {
        char name[64];
        snprintf(name, sizeof(name), "many/Demo-2.%d.img", i);
        touch(name);
        snprintf(name, sizeof(name), "many/Demo-2.%d.img.sha1", i);
        touch(name);
    }
    touch("many/Demo-2.x.img");
    int dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK_EQ_INT(scan_directory_report(dirfd, "Demo", &images, &n, &ignored, &n_ignored), 0);
    CHECK_EQ_INT(n, 1000);
    CHECK_EQ_INT(n_ignored, 1);
    select_order(images, n);
    CHECK_STREQ(images[0].file, "Demo-2.999.img");
    CHECK_STREQ(images[999].file, "Demo-2.0.img");
    image_free_array(images, n);
    scan_ignored_free_array(ignored, n_ignored);
    close(dirfd);
}

/* altboot's boot-images/ folder: scanned besides the top, its files named with the
 * folder; a file named boot-images, or no folder at all, is no error. */
static void test_boot_images(void)
{
    static const char *const files[] = {
        "Demo-1.0.0.img", "boot-images/Demo-1.2.0.img", "boot-images/Demo-1.2.0.img.sha1",
        "boot-images/Demo-x.img", "boot-images/Other-9.img",
    };
    char path[700];
    struct image *images = NULL;
    struct scan_ignored *ignored = NULL;
    size_t n = 0, n_ignored = 0;
    int dirfd = make_source("folder", files, sizeof(files) / sizeof(files[0]));
    CHECK_EQ_INT(scan_directory_report(dirfd, "Demo", &images, &n, &ignored, &n_ignored), 0);
    CHECK_EQ_INT(n, 2);
    select_order(images, n);
    CHECK_STREQ(images[0].file, "boot-images/Demo-1.2.0.img");
    CHECK_STREQ(images[0].label, "Demo-1.2.0");
    CHECK_STREQ(image_base_name(images[0].file), "Demo-1.2.0.img");
    CHECK_STREQ(images[1].file, "Demo-1.0.0.img");
    CHECK_STREQ(image_base_name(images[1].file), "Demo-1.0.0.img");
    CHECK_EQ_INT(n_ignored, 1);
    CHECK_STREQ(ignored[0].file, "boot-images/Demo-x.img");
    image_free_array(images, n);
    scan_ignored_free_array(ignored, n_ignored);
    close(dirfd);

    snprintf(path, sizeof(path), "%s/notfolder", dir);
    CHECK(mkdir(path, 0755) == 0);
    touch("notfolder/boot-images");
    touch("notfolder/Demo-1.0.0.img");
    dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK_EQ_INT(scan_directory(dirfd, "Demo", &images, &n), 0);
    CHECK_EQ_INT(n, 1);
    image_free_array(images, n);
    close(dirfd);
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    test_name_matching();
    test_directory();
    test_missing_directory();
    test_classify();
    test_directory_report();
    test_shadowed();
    test_many();
    test_boot_images();
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
    return TEST_RESULT();
}
