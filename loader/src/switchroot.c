/* switchroot.c - see switchroot.h. */
#include "switchroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

/* Delete everything below DIRFD that lives on device DEV, never crossing into a mount. */
static void delete_tree(int dirfd, dev_t dev)
{
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    _cleanup_closedir_ DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return;
    }
    struct dirent *de;
    while ((de = readdir(dir))) {
        struct stat st;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
            continue;
        if (S_ISDIR(st.st_mode)) {
            _cleanup_close_ int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0)
                delete_tree(sub, dev);
            (void)unlinkat(dirfd, de->d_name, AT_REMOVEDIR);
        } else
            (void)unlinkat(dirfd, de->d_name, 0);
    }
}

int switchroot(const char *new_root, const char *init, char *const argv[])
{
    static const char *const api_mounts[] = { "/dev", "/proc", "/sys", "/run" };
    char target[4096];
    struct stat root_st;

    for (size_t i = 0; i < ELEMENTSOF(api_mounts); i++) {
        snprintf(target, sizeof(target), "%s%s", new_root, api_mounts[i]);
        struct stat st;
        if (stat(target, &st) == 0 && S_ISDIR(st.st_mode) && mount(api_mounts[i], target, NULL, MS_MOVE, NULL) == 0)
            continue;
        (void)umount2(api_mounts[i], MNT_DETACH);
    }
    if (chdir(new_root) < 0)
        return -errno;
    _cleanup_close_ int old_root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (old_root >= 0 && fstat(old_root, &root_st) == 0)
        delete_tree(old_root, root_st.st_dev);
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
        return -errno;
    if (chroot(".") < 0 || chdir("/") < 0)
        return -errno;
    execv(init, argv);
    return -errno;
}
