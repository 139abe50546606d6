/* rootfs.c - see rootfs.h.
 *
 * The tarball's name is read here only to show and check what the installer will make;
 * the installer is told NAME and VERSION explicitly, so that what the menu offered is
 * exactly what it writes. */
#include "rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "image.h"
#include "process.h"

int rootfs_classify(const char *name, const char *file, char **ret_label)
{
    size_t file_len = strlen(file), suffix_len = strlen(ROOTFS_SUFFIX);
    struct image image;

    if (file_len < suffix_len || strcmp(file + file_len - suffix_len, ROOTFS_SUFFIX) != 0)
        return -EINVAL;
    if (file_len < suffix_len + 1 || !strchr("-_.", file[file_len - suffix_len - 1]))
        return 1;
    /* NAME-X.Y.Z is what image_from_file_name accepts once ".img" follows it. */
    _cleanup_free_ char *as_image = NULL;
    if (asprintf(&as_image, "%.*s.img", (int)(file_len - suffix_len - 1), file) < 0)
        return -ENOMEM;
    int r = image_from_file_name(name, as_image, &image);
    if (r == -ENOMEM)
        return r;
    if (r < 0)
        return 1;
    *ret_label = TAKE_PTR(image.label);
    image_done(&image);
    return 0;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append DIR's tarballs (PREFIX before each name) to *paths. */
static int find_in(int dirfd, const char *prefix, char ***paths, size_t *n)
{
    int fd = openat(dirfd, prefix[0] ? prefix : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    _cleanup_closedir_ DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return -errno;
    }
    size_t suffix_len = strlen(ROOTFS_SUFFIX);
    for (struct dirent *entry; (errno = 0, entry = readdir(dir));) {
        size_t len = strlen(entry->d_name);
        struct stat st;
        if (len < suffix_len || strcmp(entry->d_name + len - suffix_len, ROOTFS_SUFFIX) != 0)
            continue;
        if (fstatat(fd, entry->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
            continue;
        char **grown = realloc(*paths, (*n + 2) * sizeof(char *));
        if (!grown)
            return -ENOMEM;
        *paths = grown;
        if (asprintf(&grown[*n], "%s%s%s", prefix, prefix[0] ? "/" : "", entry->d_name) < 0)
            return -ENOMEM;
        grown[++*n] = NULL;
    }
    return errno > 0 ? -errno : 0;
}

int rootfs_find(int dirfd, char ***ret_paths, size_t *ret_n)
{
    _cleanup_strv_free_ char **paths = calloc(1, sizeof(char *));
    size_t n = 0;

    if (!paths)
        return -ENOMEM;
    int r = find_in(dirfd, "", &paths, &n);
    if (r < 0)
        return r;
    r = find_in(dirfd, ROOTFS_SUBDIR, &paths, &n);
    if (r < 0 && r != -ENOENT && r != -ENOTDIR)
        return r;
    qsort(paths, n, sizeof(char *), compare_strings);
    *ret_paths = TAKE_PTR(paths);
    *ret_n = n;
    return 0;
}

/* The last non-empty line of the LEN bytes at TEXT into LINE, without the installer's
 * error prefix. */
static void last_line(const char *text, size_t len, char *line, size_t line_size)
{
    static const char prefix[] = "rootfs-to-image: error: ";

    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    size_t start = len;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    if (len - start >= strlen(prefix) && strncmp(text + start, prefix, strlen(prefix)) == 0)
        start += strlen(prefix);
    snprintf(line, line_size, "%.*s", (int)(len - start), text + start);
}

int rootfs_install(const char *installer, const char *tarball, const char *name, const char *version,
                   const char *outdir, const char *tmpdir, char *line, size_t line_size)
{
    char *argv[] = { "rootfs-to-image", "--name", (char *)name, "--version", (char *)version, "-o", (char *)outdir,
                     "--", (char *)tarball, NULL };
    _cleanup_free_ char *tmp_env = NULL;
    char buf[4096];

    if (asprintf(&tmp_env, "TMPDIR=%s", tmpdir) < 0)
        return -ENOMEM;
    char *envp[] = { "PATH=/usr/bin:/usr/sbin:/bin:/sbin", tmp_env, NULL };
    _cleanup_close_ int fd = memfd_create("rootfs-to-image", MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    int status = process_run_status_to(installer, argv, envp, fd);
    if (status < 0 && status != -ECHILD)
        return status;
    /* Its last line says what happened; a long output keeps only its last 4 KiB. */
    off_t size = lseek(fd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof(buf) ? size - (off_t)sizeof(buf) : 0;
    ssize_t got = pread(fd, buf, sizeof(buf), from);
    last_line(buf, got > 0 ? (size_t)got : 0, line, line_size);
    return status == 0 ? 0 : -ECHILD;
}
