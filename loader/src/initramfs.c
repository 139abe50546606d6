/* initramfs.c - see initramfs.h. */
#include "initramfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "cpio.h"
#include "fileio.h"

static int add_path_file(struct cpio *c, const char *archive_path, mode_t perm, const char *source)
{
    _cleanup_close_ int fd = open(source, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    return cpio_add_file(c, archive_path, perm, fd);
}

/* The image's initrd goes first, padded to 4 bytes as the kernel expects between archives. */
static int add_image_initrd(int out_fd, const char *image_initrd)
{
    struct stat st;
    static const char zeros[4];

    _cleanup_close_ int fd = open(image_initrd, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0)
        return -errno;
    int r = fileio_copy(fd, out_fd, (uint64_t)st.st_size);
    if (r < 0 || st.st_size % 4 == 0)
        return r;
    return fileio_write_all(out_fd, zeros, 4 - (size_t)(st.st_size % 4));
}

static int add_modules(struct cpio *c, char *const *paths, size_t n, char ***names, size_t *n_names)
{
    int r = cpio_add_directory(c, HANDOFF_MODULE_DIR, 0755);

    for (size_t i = 0; r >= 0 && i < n; i++) {
        _cleanup_free_ char *archive_path = NULL;
        const char *base = strrchr(paths[i], '/');
        if (asprintf(&archive_path, HANDOFF_MODULE_DIR "/%02zu-%s", i, base ? base + 1 : paths[i]) < 0)
            return -ENOMEM;
        r = add_path_file(c, archive_path, 0644, paths[i]);
        if (r >= 0)
            r = fileio_strv_push(names, n_names, archive_path);
    }
    return r;
}

static int write_archive(int fd, const char *stage2, const struct handoff *h, const char *ram_image,
                         const struct initramfs_extras *extras, char *const *module_paths, size_t n_modules)
{
    struct cpio c;
    struct handoff with_modules = *h;
    _cleanup_strv_free_ char **names = NULL;
    _cleanup_free_ char *text = NULL;

    with_modules.modules = NULL;
    with_modules.n_modules = 0;
    cpio_init(&c, fd);
    int r = cpio_add_directory(&c, "dev", 0755);
    if (r >= 0) /* so the kernel can give /init a console before devtmpfs is mounted */
        r = cpio_add_device(&c, "dev/console", S_IFCHR, 0600, 5, 1);
    if (r >= 0)
        r = add_path_file(&c, "init", 0755, stage2);
    if (r >= 0)
        r = cpio_add_directory(&c, "hopboot", 0755);
    if (r >= 0 && ram_image)
        r = add_path_file(&c, HANDOFF_IMAGE_PATH, 0444, ram_image);
    if (r >= 0 && extras->tarball)
        r = add_path_file(&c, HANDOFF_OVERLAY_PATH, 0400, extras->tarball);
    if (r >= 0 && extras->busybox)
        r = add_path_file(&c, HANDOFF_BUSYBOX_PATH, 0755, extras->busybox);
    if (r >= 0 && extras->e2fsck)
        r = add_path_file(&c, HANDOFF_E2FSCK_PATH, 0755, extras->e2fsck);
    if (r >= 0)
        r = add_modules(&c, module_paths, n_modules, &with_modules.modules, &with_modules.n_modules);
    names = with_modules.modules;
    if (r >= 0)
        r = handoff_format(&with_modules, &text);
    if (r >= 0)
        r = cpio_add_data(&c, HANDOFF_PATH, 0644, text, strlen(text));
    return r < 0 ? r : cpio_finish(&c);
}

int initramfs_write(const char *out_path, const char *image_initrd, const char *stage2, const struct handoff *h,
                    const char *ram_image, const struct initramfs_extras *extras, char *const *module_paths,
                    size_t n_modules)
{
    _cleanup_close_ int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    if (image_initrd) {
        int r = add_image_initrd(fd, image_initrd);
        if (r < 0)
            return r;
    }
    return write_archive(fd, stage2, h, ram_image, extras, module_paths, n_modules);
}
