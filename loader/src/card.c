/* card.c - see card.h. */
#include "card.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "devices.h"
#include "kmodules.h"
#include "mount.h"
#include "process.h"

#define CARD_POLL_MS 200

/* Filesystems the loader's kernel needs before any card can be read.  Devices announce
 * their drivers through modalias; filesystems do not.  vfat also needs the code page and
 * the kernel's default iocharset (Debian: ascii). */
static const char *const card_filesystems[] = {
    "vfat", "nls_cp437", "nls_ascii", "nls_iso8859_1", "nls_utf8", "loop", "squashfs", "erofs", "ext4", "isofs",
};

/* Whether DEVICE is a vfat filesystem with /syslinux.cfg: mounted read-only at
 * MOUNTPOINT when it is (0), else left unmounted (-ENODEV). */
static int try_card(const char *device, const char *mountpoint)
{
    _cleanup_free_ char *type = NULL;
    char path[4096];

    if (devices_probe(device, &type, NULL, NULL) < 0 || !type || strcmp(type, "vfat") != 0)
        return -ENODEV;
    if (mount_device(device, mountpoint, MS_RDONLY | MOUNT_UNTRUSTED, NULL) < 0)
        return -ENODEV;
    snprintf(path, sizeof(path), "%s/syslinux.cfg", mountpoint);
    if (access(path, F_OK) == 0)
        return 0;
    umount(mountpoint);
    return -ENODEV;
}

/* AoE targets and software RAID are network or assembled storage: the card is local. */
static bool may_be_card(const char *device)
{
    return strncmp(device, "/dev/etherd/", 12) != 0 && strncmp(device, "/dev/md", 7) != 0;
}

/* Auto-detection: the one vfat filesystem with /syslinux.cfg, mounted at MOUNTPOINT.  A
 * second one is checked at a probe mount beside it; two are -ENOTUNIQ (*ret_device and
 * *ret_other name them, nothing stays mounted): which one booted cannot be told, and the
 * order of /sys/class/block is no answer. */
static int find_card(const char *mountpoint, char **ret_device, char **ret_other)
{
    _cleanup_strv_free_ char **devices = NULL;
    _cleanup_free_ char *probe = NULL;
    size_t n;
    ssize_t found = -1;

    int r = devices_list(&devices, &n);
    if (r < 0)
        return r;
    if (asprintf(&probe, "%s.probe", mountpoint) < 0)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (!may_be_card(devices[i]))
            continue;
        if (found < 0) {
            if (try_card(devices[i], mountpoint) == 0)
                found = (ssize_t)i;
            continue;
        }
        (void)mount_mkdir_p(probe, 0700);
        if (try_card(devices[i], probe) < 0)
            continue;
        umount(probe);
        umount(mountpoint);
        if (!(*ret_device = strdup(devices[found])) || !(*ret_other = strdup(devices[i])))
            return -ENOMEM;
        return -ENOTUNIQ;
    }
    if (found < 0)
        return -ENODEV;
    *ret_device = strdup(devices[found]);
    return *ret_device ? 0 : -ENOMEM;
}

static int find_once(const char *spec, const char *mountpoint, char **ret_device, char **ret_other)
{
    if (!spec)
        return find_card(mountpoint, ret_device, ret_other);
    int r = devices_find(spec, ret_device, ret_other);
    if (r < 0)
        return r;
    r = mount_device(*ret_device, mountpoint, MS_RDONLY | MOUNT_UNTRUSTED, NULL);
    if (r < 0) {
        free(*ret_device);
        *ret_device = NULL;
    }
    return r;
}

int card_mount(const char *spec, unsigned timeout_s, const char *mountpoint, char **ret_device, char **ret_uuid,
               char **ret_other)
{
    struct timespec start, now;
    _cleanup_free_ char *device = NULL, *uuid = NULL, *other = NULL;

    if (spec && !devices_is_spec(spec))
        return -EINVAL;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        (void)kmodules_load(card_filesystems, ELEMENTSOF(card_filesystems));
        int r = find_once(spec, mountpoint, &device, &other);
        if (r == 0)
            break;
        if (r == -ENOTUNIQ) {
            *ret_device = TAKE_PTR(device);
            *ret_other = TAKE_PTR(other);
            return r;
        }
        if (r != -ENODEV)
            return r;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= (time_t)timeout_s)
            return -ENODEV;
        usleep(CARD_POLL_MS * 1000);
    }
    int r = devices_probe(device, NULL, NULL, &uuid);
    if (r < 0) {
        umount(mountpoint);
        return r;
    }
    *ret_device = TAKE_PTR(device);
    *ret_uuid = TAKE_PTR(uuid);
    return 0;
}

int card_is_dirty(const char *device)
{
    uint8_t sector[512];

    _cleanup_close_ int fd = open(device, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = pread(fd, sector, sizeof(sector), 0);
    if (n < 0)
        return -errno;
    if (n != (ssize_t)sizeof(sector) || sector[510] != 0x55 || sector[511] != 0xAA)
        return -EMEDIUMTYPE;
    /* FAT32 has no 16-bit FAT size (BPB_FATSz16 == 0) and keeps its state byte further on. */
    bool fat32 = sector[0x16] == 0 && sector[0x17] == 0;
    return (sector[fat32 ? 0x41 : 0x25] & 0x01) ? 1 : 0;
}

int card_check(const char *device, const char *mountpoint)
{
    char *argv[] = { "fsck.fat", "-a", "-w", (char *)device, NULL };

    /* fsck must not run under a mounted filesystem: the kernel would keep its own view
     * of the FAT.  The card is mounted read-only and nothing else holds it yet. */
    if (umount(mountpoint) < 0)
        return -errno;
    int status = process_run_status(CARD_FSCK, argv, true);
    int r = mount_device(device, mountpoint, MS_RDONLY | MOUNT_UNTRUSTED, NULL);
    if (r < 0)
        return r;
    if (status < 0)
        return status;
    /* 0: clean; 1: errors found and repaired (-a); anything else: not checked/repaired. */
    return status == 0 ? 0 : status == 1 ? 1 : -EUCLEAN;
}

int card_set_writable(const char *mountpoint, bool writable)
{
    unsigned long flags = MS_REMOUNT | MOUNT_UNTRUSTED | (writable ? 0 : MS_RDONLY);
    return mount(NULL, mountpoint, NULL, flags, NULL) < 0 ? -errno : 0;
}
