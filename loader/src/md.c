/* md.c - see md.h. */
#include "md.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "process.h"

/* ROOT/sys/block/NAME/md/ATTR's first line into BUF; "" when it cannot be read. */
static void read_attr(const char *root, const char *name, const char *attr, char *buf, size_t size)
{
    char path[512];
    _cleanup_free_ char *text = NULL;

    buf[0] = '\0';
    if (snprintf(path, sizeof(path), "%s/sys/block/%s/md/%s", root, name, attr) >= (int)sizeof(path) ||
        fileio_read_file(AT_FDCWD, path, 256, &text, NULL) < 0)
        return;
    text[strcspn(text, "\n")] = '\0';
    snprintf(buf, size, "%s", text);
}

static unsigned attr_number(const char *root, const char *name, const char *attr)
{
    char text[32];
    read_attr(root, name, attr, text, sizeof(text));
    return (unsigned)strtoul(text, NULL, 10);
}

static int compare_arrays(const void *a, const void *b)
{
    return strverscmp(((const struct md_array *)a)->device, ((const struct md_array *)b)->device);
}

/* One md device from its sysfs directory; 0 when NAME is not an md device with md/. */
static int describe(const char *root, const char *name, struct md_array *ret)
{
    char state[32];
    struct md_array a = { 0 };

    read_attr(root, name, "array_state", state, sizeof(state));
    if (!*state)
        return 0;
    if (snprintf(a.device, sizeof(a.device), "/dev/%s", name) >= (int)sizeof(a.device))
        return 0;
    a.running = strcmp(state, "inactive") != 0 && strcmp(state, "clear") != 0;
    read_attr(root, name, "level", a.level, sizeof(a.level));
    a.disks = attr_number(root, name, "raid_disks");
    unsigned degraded = attr_number(root, name, "degraded");
    a.working = degraded <= a.disks ? a.disks - degraded : 0;
    *ret = a;
    return 1;
}

int md_list(const char *root, struct md_array **ret_arrays, size_t *ret_n)
{
    char path[512];
    _cleanup_free_ struct md_array *arrays = NULL;
    size_t n = 0;
    struct dirent *de;

    snprintf(path, sizeof(path), "%s/sys/block", root);
    _cleanup_closedir_ DIR *dir = opendir(path);
    while (dir && (de = readdir(dir))) {
        struct md_array a;
        if (strncmp(de->d_name, "md", 2) != 0 || describe(root, de->d_name, &a) <= 0)
            continue;
        struct md_array *grown = realloc(arrays, (n + 1) * sizeof(*arrays));
        if (!grown)
            return -ENOMEM;
        arrays = grown;
        arrays[n++] = a;
    }
    if (n > 1)
        qsort(arrays, n, sizeof(*arrays), compare_arrays);
    *ret_arrays = TAKE_PTR(arrays);
    *ret_n = n;
    return 0;
}

int md_assemble(const char *mdadm, const char *root, struct md_array **ret_arrays, size_t *ret_n)
{
    /* --readonly: the loader only reads, so the members' superblocks stay as they were
     * (no event count bumped, no degraded state recorded) until the OS assembles them. */
    char *const argv[] = { "mdadm", "--assemble", "--scan", "--run", "--readonly", NULL };
    char mdstat[512];

    if (snprintf(mdstat, sizeof(mdstat), "%s/proc/mdstat", root) >= (int)sizeof(mdstat))
        return -ENAMETOOLONG;
    if (access(mdstat, F_OK) < 0)
        return -ENODEV;

    int r = process_run(mdadm, argv, true);
    if (r < 0 && r != -ECHILD)
        return r;
    return md_list(root, ret_arrays, ret_n);
}
