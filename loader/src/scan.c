/* scan.c - see scan.h. */
#include "scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "version.h"

static const char image_suffix[] = ".img";

static int is_regular(int dirfd, const struct dirent *de)
{
    if (de->d_type == DT_REG)
        return 1;
    if (de->d_type != DT_UNKNOWN)
        return 0;
    struct stat st;
    return fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* LEN bytes at S as a malloc'd string with control characters shown as '?', so that a
 * name read from a directory cannot disturb the console line it is shown on. */
static char *printable_copy(const char *s, size_t len)
{
    char *copy = strndup(s, len);
    if (copy)
        for (char *p = copy; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                *p = '?';
    return copy;
}

/* Why the version text V (LEN bytes), which version_parse refused with R, is none. */
static int version_reason(const char *v, size_t len, int r, char **ret)
{
    _cleanup_free_ char *shown = printable_copy(v, len);
    size_t parts = 1;

    if (!shown)
        return -ENOMEM;
    for (size_t i = 0; i < len; i++)
        parts += v[i] == '.';
    if (len == 0)
        r = asprintf(ret, "no version between the name and \".img\"");
    else if (r == -ERANGE && parts > VERSION_MAX_PARTS)
        r = asprintf(ret, "version \"%s\" has more than %d parts", shown, VERSION_MAX_PARTS);
    else if (r == -ERANGE)
        r = asprintf(ret, "version \"%s\" has a part larger than %" PRIu32, shown, UINT32_MAX);
    else
        r = asprintf(ret, "version \"%s\" is not numbers separated by dots", shown);
    return r < 0 ? -ENOMEM : 0;
}

int scan_classify(const char *name, const char *file, bool regular, struct image *ret_image, char **ret_reason)
{
    size_t name_len = strlen(name), file_len = strlen(file), suffix_len = strlen(image_suffix);

    /* Named like an image for NAME at all?  "NAME-" then ".img", not overlapping. */
    if (name_len == 0 || file_len < name_len + 1 + suffix_len || strncmp(file, name, name_len) != 0 ||
        file[name_len] != '-' || strcmp(file + file_len - suffix_len, image_suffix) != 0)
        return -EINVAL;

    const char *v = file + name_len + 1;
    size_t v_len = file_len - suffix_len - name_len - 1;
    struct version version;
    int r = v_len == 0 ? -EINVAL : version_parse(v, v_len, &version);
    if (r < 0) {
        r = version_reason(v, v_len, r, ret_reason);
        return r < 0 ? r : 1;
    }
    if (!regular) {
        *ret_reason = strdup("not a regular file");
        return *ret_reason ? 1 : -ENOMEM;
    }
    r = image_from_file_name(name, file, ret_image);
    return r == -ENOMEM ? r : r < 0 ? -EINVAL : 0;
}

static int by_file(const void *a, const void *b)
{
    return strcmp(((const struct scan_ignored *)a)->file, ((const struct scan_ignored *)b)->file);
}

void scan_ignored_free_array(struct scan_ignored *ignored, size_t n)
{
    if (!ignored)
        return;
    for (size_t i = 0; i < n; i++) {
        free(ignored[i].file);
        free(ignored[i].reason);
    }
    free(ignored);
}

static int push_ignored(struct scan_ignored **ignored, size_t *n, const char *file, char *reason)
{
    _cleanup_free_ char *owned_reason = reason;
    _cleanup_free_ char *shown = printable_copy(file, strlen(file));
    if (!shown)
        return -ENOMEM;
    struct scan_ignored *grown = realloc(*ignored, (*n + 1) * sizeof(**ignored));
    if (!grown)
        return -ENOMEM;
    *ignored = grown;
    grown[(*n)++] = (struct scan_ignored){ .file = TAKE_PTR(shown), .reason = TAKE_PTR(owned_reason) };
    return 0;
}

/* "PREFIX" + S (PREFIX "" or "boot-images/"), malloc'd into *S in place of the old one. */
static int add_prefix(const char *prefix, char **s)
{
    if (!*prefix)
        return 0;
    char *joined;
    if (asprintf(&joined, "%s%s", prefix, *s) < 0)
        return -ENOMEM;
    free(*s);
    *s = joined;
    return 0;
}

/* Append the candidates (and, with IGNORED, the near misses) of the directory DIRFD, whose
 * path below the source's top is PREFIX, to the arrays. */
static int scan_one(int dirfd, const char *prefix, const char *name, struct image **images, size_t *n,
                    struct scan_ignored **ignored, size_t *n_ignored)
{
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
        char *reason = NULL;
        r = scan_classify(name, de->d_name, is_regular(dirfd, de), &image, &reason);
        if (r == 1) { /* named like one, but no candidate: keep why */
            if (!ignored)
                free(reason);
            else if ((r = push_ignored(ignored, n_ignored, de->d_name, reason)) < 0 ||
                     (r = add_prefix(prefix, &(*ignored)[*n_ignored - 1].file)) < 0)
                goto out;
            r = 0;
            errno = 0;
            continue;
        }
        if (r == -ENOMEM)
            goto out;
        if (r < 0) { /* not named like an image at all */
            r = 0;
            errno = 0;
            continue;
        }
        struct image *grown = realloc(*images, (*n + 1) * sizeof(**images));
        if (!grown || add_prefix(prefix, &image.file) < 0) {
            if (grown)
                *images = grown;
            image_done(&image);
            r = -ENOMEM;
            goto out;
        }
        *images = grown;
        (*images)[(*n)++] = image;
        errno = 0;
    }
    if (errno != 0)
        r = -errno;
out:
    closedir(dir);
    return r;
}

/* Take out of IMAGES the candidates from index TOP on (those in boot-images/) whose file
 * name is also a candidate's at the top: the boot state keys trial records by file name,
 * so two different images under one name would count each other's trial boots.  The top
 * one stays; with IGNORED, the other is kept there with why. */
static int drop_shadowed(struct image *images, size_t *n, size_t top, struct scan_ignored **ignored,
                         size_t *n_ignored)
{
    size_t kept = top;
    for (size_t i = top; i < *n; i++) {
        const char *base = image_base_name(images[i].file);
        bool shadowed = false;
        for (size_t j = 0; j < top && !shadowed; j++)
            shadowed = strcmp(images[j].file, base) == 0;
        if (!shadowed) {
            images[kept++] = images[i];
            continue;
        }
        char *reason = NULL;
        if (ignored && (asprintf(&reason, "%s is at the top too, and that one is used (one name, one trial record)",
                                 base) < 0 ||
                        push_ignored(ignored, n_ignored, images[i].file, reason) < 0)) {
            /* images[i] not yet freed: keep it, so that the caller frees every entry */
            for (size_t k = i; k < *n; k++)
                images[kept++] = images[k];
            *n = kept;
            return -ENOMEM;
        }
        image_done(&images[i]);
    }
    *n = kept;
    return 0;
}

int scan_directory_report(int dirfd, const char *name, struct image **ret_images, size_t *ret_n,
                          struct scan_ignored **ret_ignored, size_t *ret_n_ignored)
{
    struct image *images = NULL;
    struct scan_ignored *ignored = NULL;
    size_t n = 0, n_ignored = 0;
    struct scan_ignored **want_ignored = ret_ignored ? &ignored : NULL;

    int r = scan_one(dirfd, "", name, &images, &n, want_ignored, &n_ignored);
    size_t top = n;
    if (r >= 0) {
        /* altboot's folder: a missing one (or a file of that name) is no error. */
        _cleanup_close_ int sub = openat(dirfd, SCAN_SUBDIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sub >= 0)
            r = scan_one(sub, SCAN_SUBDIR "/", name, &images, &n, want_ignored, &n_ignored);
        else if (errno != ENOENT && errno != ENOTDIR)
            r = -errno;
    }
    if (r >= 0)
        r = drop_shadowed(images, &n, top, want_ignored, &n_ignored);
    if (r < 0) {
        image_free_array(images, n);
        scan_ignored_free_array(ignored, n_ignored);
        return r;
    }
    if (n_ignored > 1)
        qsort(ignored, n_ignored, sizeof(*ignored), by_file);
    *ret_images = images;
    *ret_n = n;
    if (ret_ignored) {
        *ret_ignored = ignored;
        *ret_n_ignored = n_ignored;
    }
    return 0;
}

int scan_directory(int dirfd, const char *name, struct image **ret_images, size_t *ret_n)
{
    return scan_directory_report(dirfd, name, ret_images, ret_n, NULL, NULL);
}
