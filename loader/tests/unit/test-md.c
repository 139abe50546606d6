/* test-md.c - software RAID assembly against a fake root: stand-in mdadm programs and a
 * fake /sys/block with the attributes the kernel's md driver shows. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "md.h"
#include "tests.h"

static char root[64];

static void write_file(const char *path, const char *text)
{
    char full[512], *slash;
    snprintf(full, sizeof(full), "%s/%s", root, path);
    for (slash = strchr(full + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        (void)mkdir(full, 0755);
        *slash = '/';
    }
    FILE *f = fopen(full, "we");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* An md device as sysfs shows it. */
static void add_array(const char *name, const char *state, const char *level, const char *disks,
                      const char *degraded)
{
    char path[128];
    const char *attrs[][2] = {
        { "array_state", state }, { "level", level }, { "raid_disks", disks }, { "degraded", degraded }
    };
    for (size_t i = 0; i < ELEMENTSOF(attrs); i++) {
        snprintf(path, sizeof(path), "sys/block/%s/md/%s", name, attrs[i][0]);
        write_file(path, attrs[i][1]);
    }
}

int main(void)
{
    struct md_array *arrays = NULL;
    size_t n = 99;

    snprintf(root, sizeof(root), "/tmp/test-md-XXXXXX");
    if (!mkdtemp(root))
        return 1;

    /* No md driver: mdadm is not even run. */
    CHECK_EQ_INT(md_assemble("/bin/true", root, &arrays, &n), -ENODEV);
    CHECK_EQ_INT(n, 99);
    write_file("proc/mdstat", "Personalities : [raid1]\nunused devices: <none>\n");
    write_file("sys/block/sda/size", "8192\n");

    /* No mdadm. */
    CHECK_EQ_INT(md_assemble("/nonexistent/mdadm", root, &arrays, &n), -ENOENT);
    CHECK_EQ_INT(n, 99);

    /* mdadm ran, nothing found (it exits 1 then, which is no error of ours). */
    CHECK_EQ_INT(md_assemble("/bin/false", root, &arrays, &n), 0);
    CHECK_EQ_INT(n, 0);
    free(arrays);
    CHECK_EQ_INT(md_assemble("/bin/true", root, &arrays, &n), 0);
    CHECK_EQ_INT(n, 0);
    free(arrays);

    /* A degraded mirror, a whole stripe set, and one mdadm could not start. */
    add_array("md127", "inactive\n", "\n", "0\n", "0\n");
    add_array("md0", "clean\n", "raid1\n", "2\n", "1\n");
    add_array("md10", "active\n", "raid0\n", "3\n", "0\n");
    write_file("sys/block/md5/size", "0\n"); /* an md node with no array: no md/ */
    CHECK_EQ_INT(md_assemble("/bin/false", root, &arrays, &n), 0);
    CHECK_EQ_INT(n, 3);
    if (n == 3) {
        CHECK_STREQ(arrays[0].device, "/dev/md0");
        CHECK_STREQ(arrays[0].level, "raid1");
        CHECK(arrays[0].running);
        CHECK_EQ_INT(arrays[0].disks, 2);
        CHECK_EQ_INT(arrays[0].working, 1);
        CHECK_STREQ(arrays[1].device, "/dev/md10");
        CHECK_STREQ(arrays[1].level, "raid0");
        CHECK(arrays[1].running);
        CHECK_EQ_INT(arrays[1].working, 3);
        CHECK_STREQ(arrays[2].device, "/dev/md127");
        CHECK(!arrays[2].running);
        CHECK_STREQ(arrays[2].level, "");
    }
    free(arrays);

    /* A degraded count beyond the disks (a racing read) does not wrap around. */
    add_array("md0", "clean\n", "raid1\n", "2\n", "7\n");
    CHECK_EQ_INT(md_list(root, &arrays, &n), 0);
    CHECK(n >= 1 && arrays[0].working == 0);
    free(arrays);

    char cleanup[256];
    snprintf(cleanup, sizeof(cleanup), "rm -rf %s", root);
    CHECK_EQ_INT(system(cleanup), 0);
    return TEST_RESULT();
}
