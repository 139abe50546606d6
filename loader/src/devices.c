/* devices.c - see devices.h. */
#include "devices.h"

#include <blkid/blkid.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "cleanup.h"
#include "fileio.h"

static void blkid_probe_freep(blkid_probe *p)
{
    if (*p)
        blkid_free_probe(*p);
}

static int take_value(blkid_probe probe, const char *tag, char **ret)
{
    const char *value = NULL;

    if (!ret)
        return 0;
    *ret = NULL;
    if (blkid_probe_lookup_value(probe, tag, &value, NULL) == 0 && value) {
        *ret = strdup(value);
        if (!*ret)
            return -ENOMEM;
    }
    return 0;
}

int devices_probe(const char *device, char **ret_type, char **ret_label, char **ret_uuid)
{
    _cleanup_(blkid_probe_freep) blkid_probe probe = blkid_new_probe_from_filename(device);
    _cleanup_free_ char *type = NULL, *label = NULL, *uuid = NULL;

    if (!probe)
        return errno > 0 ? -errno : -EIO;
    blkid_probe_enable_superblocks(probe, 1);
    blkid_probe_set_superblocks_flags(probe, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID);
    /* A partition table is not a filesystem: only look for superblocks. */
    blkid_probe_enable_partitions(probe, 0);
    /* 1: nothing found; -2: ambiguous signatures, which we will not guess between. */
    int r = blkid_do_safeprobe(probe);
    if (r == -1)
        return -EIO;
    if (r == 0 && (take_value(probe, "TYPE", &type) < 0 || take_value(probe, "LABEL", &label) < 0 ||
                   take_value(probe, "UUID", &uuid) < 0))
        return -ENOMEM;

    if (ret_type)
        *ret_type = TAKE_PTR(type);
    if (ret_label)
        *ret_label = TAKE_PTR(label);
    if (ret_uuid)
        *ret_uuid = TAKE_PTR(uuid);
    return 0;
}

int devices_list(char ***ret_devices, size_t *ret_n)
{
    _cleanup_closedir_ DIR *dir = opendir("/sys/class/block");
    _cleanup_strv_free_ char **devices = calloc(1, sizeof(char *));
    size_t n = 0;
    struct dirent *de;

    if (!dir)
        return -errno;
    if (!devices)
        return -ENOMEM;
    while ((de = readdir(dir))) {
        char path[300];
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/dev/%s", de->d_name);
        /* sysfs spells a '/' in a device name as '!': etherd!e0.1 is /dev/etherd/e0.1. */
        for (char *bang = strchr(path, '!'); bang; bang = strchr(bang, '!'))
            *bang = '/';
        if (fileio_strv_push(&devices, &n, path) < 0)
            return -ENOMEM;
    }
    *ret_devices = TAKE_PTR(devices);
    *ret_n = n;
    return 0;
}

bool devices_is_spec(const char *spec)
{
    return strncmp(spec, "LABEL=", 6) == 0 || strncmp(spec, "UUID=", 5) == 0 || strncmp(spec, "/dev/", 5) == 0;
}

bool devices_match(const char *device, const char *spec)
{
    _cleanup_free_ char *label = NULL, *uuid = NULL;

    if (strncmp(spec, "/dev/", 5) == 0)
        return strcmp(device, spec) == 0;
    if (devices_probe(device, NULL, &label, &uuid) < 0)
        return false;
    if (strncmp(spec, "LABEL=", 6) == 0)
        return label && strcmp(label, spec + 6) == 0;
    if (strncmp(spec, "UUID=", 5) == 0)
        return uuid && strcasecmp(uuid, spec + 5) == 0;
    return false;
}

int devices_find(const char *spec, char **ret_device, char **ret_other)
{
    _cleanup_strv_free_ char **devices = NULL;
    size_t n;
    ssize_t first = -1;

    if (!devices_is_spec(spec))
        return -EINVAL;
    int r = devices_list(&devices, &n);
    if (r < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        if (!devices_match(devices[i], spec))
            continue;
        if (first >= 0) {
            if (!(*ret_device = strdup(devices[first])))
                return -ENOMEM;
            if (ret_other && !(*ret_other = strdup(devices[i])))
                return -ENOMEM;
            return -ENOTUNIQ;
        }
        first = (ssize_t)i;
    }
    if (first < 0)
        return -ENODEV;
    *ret_device = strdup(devices[first]);
    return *ret_device ? 0 : -ENOMEM;
}
