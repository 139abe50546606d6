/* scan.c - see scan.h. */
#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>


static int is_regular(int dirfd, const struct dirent *de)
{
    if (de->d_type == DT_REG)
        return 1;
    if (de->d_type != DT_UNKNOWN)
        return 0;
    struct stat st;
    return fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

int scan_directory(int dirfd, const char *name, struct image **ret_images, size_t *ret_n)
{
    struct image *images = NULL;
    size_t n = 0;
    int r = 0;

    /* fdopendir takes over the descriptor, so give it its own. */
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    DIR *dir = fdopendir(fd);
    if (!dir) {
        r = -errno;
        close(fd);
        return r;
    }

    struct dirent *de;
    errno = 0;
    while ((de = readdir(dir))) {
        struct image image;
        r = is_regular(dirfd, de) ? image_from_file_name(name, de->d_name, &image) : -EINVAL;
        if (r == -ENOMEM)
            goto out;
        if (r < 0) { /* not a candidate */
            r = 0;
            errno = 0;
            continue;
        }
        struct image *grown = realloc(images, (n + 1) * sizeof(*images));
        if (!grown) {
            image_done(&image);
            r = -ENOMEM;
            goto out;
        }
        images = grown;
        images[n++] = image;
        errno = 0;
    }
    if (errno != 0) {
        r = -errno;
        goto out;
    }
    *ret_images = images;
    *ret_n = n;
    images = NULL;
out:
    image_free_array(images, n);
    closedir(dir);
    return r;
}
