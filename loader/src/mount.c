/* mount.c - see mount.h. */
#include "mount.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "devices.h"

int mount_mkdir_p(const char *path, unsigned mode)
{
    _cleanup_free_ char *p = strdup(path);
    if (!p)
        return -ENOMEM;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            return -errno;
        *s = '/';
    }
    if (mkdir(p, mode) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

static int mount_one(const char *source, const char *target, const char *type, unsigned long flags, const char *data)
{
    int r = mount_mkdir_p(target, 0755);
    if (r < 0)
        return r;
    if (mount(source, target, type, flags, data) < 0 && errno != EBUSY)
        return -errno;
    return 0;
}

int mount_early(void)
{
    int r = 0, k;
    const unsigned long nosuid_nodev_noexec = MS_NOSUID | MS_NODEV | MS_NOEXEC;

    if ((k = mount_one("proc", "/proc", "proc", nosuid_nodev_noexec, NULL)) < 0 && r == 0)
        r = k;
    if ((k = mount_one("sysfs", "/sys", "sysfs", nosuid_nodev_noexec, NULL)) < 0 && r == 0)
        r = k;
    if ((k = mount_one("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755")) < 0 && r == 0)
        r = k;
    if ((k = mount_one("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755")) < 0 && r == 0)
        r = k;
    return r;
}

int mount_loop_attach(int file_fd, uint64_t offset, uint64_t size_limit, bool read_only, char *ret_path, size_t size)
{
    struct loop_config config = {
        .fd = (unsigned)file_fd,
        .info.lo_offset = offset,
        .info.lo_sizelimit = size_limit,
        .info.lo_flags = LO_FLAGS_AUTOCLEAR | (read_only ? LO_FLAGS_READ_ONLY : 0),
    };

    _cleanup_close_ int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
    if (control < 0)
        return -errno;
    /* Another process may take the device between GET_FREE and CONFIGURE: retry. */
    for (int attempt = 0; attempt < 16; attempt++) {
        int nr = ioctl(control, LOOP_CTL_GET_FREE);
        if (nr < 0)
            return -errno;
        snprintf(ret_path, size, "/dev/loop%d", nr);
        _cleanup_close_ int loop = open(ret_path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        if (loop < 0)
            return -errno;
        if (ioctl(loop, LOOP_CONFIGURE, &config) == 0)
            return TAKE_FD(loop);
        if (errno != EBUSY)
            return -errno;
    }
    return -EBUSY;
}

int mount_device(const char *device, const char *target, unsigned long flags, char **ret_fstype)
{
    _cleanup_free_ char *type = NULL;
    const char *data = NULL;

    int r = devices_probe(device, &type, NULL, NULL);
    if (r < 0)
        return r;
    if (!type)
        return -EMEDIUMTYPE;
    if ((flags & MS_RDONLY) && (strcmp(type, "ext3") == 0 || strcmp(type, "ext4") == 0))
        data = "noload";
    /* The ext4 driver serves ext2 and ext3 too, and is the one most kernels build in. */
    const char *driver = strncmp(type, "ext", 3) == 0 ? "ext4" : type;
    r = mount_mkdir_p(target, 0755);
    if (r < 0)
        return r;
    if (mount(device, target, driver, flags, data) < 0)
        return -errno;
    if (ret_fstype)
        *ret_fstype = TAKE_PTR(type);
    return 0;
}

int mount_image(const char *file, const char *target, bool read_only, char **ret_fstype)
{
    char loop_path[32];

    _cleanup_close_ int file_fd = open(file, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (file_fd < 0)
        return -errno;
    /* Hold the loop fd until the mount took its own reference; closing it then lets
     * autoclear detach the device when the filesystem is unmounted (or never mounted). */
    _cleanup_close_ int loop_fd = mount_loop_attach(file_fd, 0, 0, read_only, loop_path, sizeof(loop_path));
    if (loop_fd < 0)
        return loop_fd;
    return mount_device(loop_path, target, read_only ? MS_RDONLY : 0, ret_fstype);
}

int mount_overlay(const char *lower, const char *upper, const char *work, const char *target)
{
    _cleanup_free_ char *options = NULL;

    if (asprintf(&options, "lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work) < 0)
        return -ENOMEM;
    int r = mount_mkdir_p(target, 0755);
    if (r < 0)
        return r;
    if (mount("overlay", target, "overlay", 0, options) < 0)
        return -errno;
    return 0;
}
