/* netboot.c - see netboot.h. */
#include "netboot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "sums.h"

struct collect {
    const char *name;
    const char *dir_url;
    struct image *images;
    size_t n;
};

static int add_candidate(struct collect *c, const char *file)
{
    struct image image;

    if (image_from_file_name(c->name, file, &image) < 0)
        return 0; /* not ours: ignored, as on the card */
    struct image *grown = realloc(c->images, (c->n + 1) * sizeof(*grown));
    if (!grown || asprintf(&image.url, "%s%s", c->dir_url, file) < 0) {
        if (grown)
            c->images = grown;
        image_done(&image);
        return -ENOMEM;
    }
    c->images = grown;
    c->images[c->n++] = image;
    return 0;
}

static int add_index_entry(const char *name, size_t len, void *userdata)
{
    _cleanup_free_ char *file = strndup(name, len);
    return file ? add_candidate(userdata, file) : -ENOMEM;
}

/* One image named by the URL itself: booted even when its name does not match. */
static int add_named(struct collect *c, const struct url *u, const char *file)
{
    if (add_candidate(c, file) < 0)
        return -ENOMEM;
    if (c->n > 0)
        return 0;
    struct image image = { .file = strdup(file), .label = strndup(file, strlen(file) - 4), .url = strdup(u->text) };
    struct image *grown = realloc(c->images, sizeof(*grown));
    if (!image.file || !image.label || !image.url || !grown) {
        image_done(&image);
        free(grown);
        return -ENOMEM;
    }
    c->images = grown;
    c->images[c->n++] = image;
    return 0;
}

static int list_directory(const struct url *u, struct netboot_source *s, struct collect *c, char *error, size_t size)
{
    _cleanup_strv_free_ char **names = NULL;
    _cleanup_free_ char *index_url = NULL;
    size_t n;
    int r;

    if (u->scheme == URL_FTP) {
        if ((r = fetch_list(s->dir_url, &s->options, &names, &n, error, size)) < 0)
            return r;
        for (size_t i = 0; i < n && r >= 0; i++)
            r = add_candidate(c, names[i]);
        return r;
    }
    if (asprintf(&index_url, "%s" NETBOOT_INDEX, s->dir_url) < 0)
        return -ENOMEM;
    r = fetch_small(index_url, &s->options, 1024 * 1024, &s->index, &s->index_len, error, size);
    if (r < 0) {
        char why[256];
        snprintf(why, sizeof(why), "%s", error);
        snprintf(error, size, "cannot fetch its " NETBOOT_INDEX " index (%s)", why);
        return r;
    }
    r = sums_index_foreach(s->index, s->index_len, add_index_entry, c);
    if (r == -EBADMSG)
        snprintf(error, size, "its " NETBOOT_INDEX " index is malformed");
    return r;
}

int netboot_list(const struct url *u, const char *name, const struct fetch_options *o, struct netboot_source *ret,
                 struct image **ret_images, size_t *ret_n, char *error, size_t error_size)
{
    struct netboot_source s = { .options = *o };
    _cleanup_free_ char *dir = NULL, *file = NULL;
    int r = url_split(u, &dir, &file);

    if (r < 0)
        return r;
    /* The URL up to its path, then the directory part of the path. */
    size_t prefix = (size_t)(strstr(u->text, "://") - u->text) + 3 + strcspn(strstr(u->text, "://") + 3, "/");
    if (asprintf(&s.dir_url, "%.*s%s", (int)prefix, u->text, dir) < 0)
        return -ENOMEM;
    struct collect c = { .name = name, .dir_url = s.dir_url };
    r = file ? add_named(&c, u, file) : list_directory(u, &s, &c, error, error_size);
    if (r < 0) {
        image_free_array(c.images, c.n);
        netboot_done(&s);
        return r;
    }
    *ret = s;
    *ret_images = c.images;
    *ret_n = c.n;
    return 0;
}

static int fail(char *reason, size_t size, int error, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(char *reason, size_t size, int error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, size, fmt, ap);
    va_end(ap);
    return error;
}

static int expected_digest(const struct netboot_source *s, const struct image *image, uint8_t ret[SUMS_SHA1_LEN],
                           char *reason, size_t size)
{
    _cleanup_free_ char *sums_url = NULL, *text = NULL;
    char error[256];
    size_t len;

    if (s->index) {
        int r = sums_parse_index(s->index, s->index_len, image->file, ret);
        return r < 0 ? fail(reason, size, r, "not listed once in " NETBOOT_INDEX) : 0;
    }
    if (asprintf(&sums_url, "%s.sha1", image->url) < 0)
        return -ENOMEM;
    int r = fetch_small(sums_url, &s->options, SUMS_MAX_FILE_SIZE, &text, &len, error, sizeof(error));
    if (r == -ENOENT)
        return fail(reason, size, r, "no checksum file %s.sha1", image->file);
    if (r == -EFBIG || (r >= 0 && sums_parse_sha1_file(text, len, image->file, ret) < 0))
        return fail(reason, size, -EBADMSG, "malformed checksum file %s.sha1", image->file);
    if (r < 0)
        return fail(reason, size, r, "cannot fetch %s.sha1 (%s)", image->file, error);
    return 0;
}

int netboot_fetch(const struct netboot_source *s, struct image *image, const char *ram_path, char *reason,
                  size_t size)
{
    uint8_t expected[SUMS_SHA1_LEN], actual[SUMS_SHA1_LEN];
    char expected_hex[SUMS_SHA1_HEX_LEN + 1], actual_hex[SUMS_SHA1_HEX_LEN + 1], error[256];
    uint64_t bytes;

    int r = expected_digest(s, image, expected, reason, size);
    if (r < 0)
        return r;
    _cleanup_close_ int fd = open(ram_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(reason, size, -errno, "cannot store it in RAM (%s)", strerror(errno));
    r = fetch_image(image->url, fd, &s->options, actual, &bytes, error, sizeof(error));
    if (r < 0)
        return fail(reason, size, r, "%s", error);
    if (memcmp(actual, expected, SUMS_SHA1_LEN) != 0) {
        sums_format_hex(expected, expected_hex);
        sums_format_hex(actual, actual_hex);
        return fail(reason, size, -EBADMSG, "checksum mismatch (file is %.12s..., %s says %.12s...)", actual_hex,
                    s->index ? NETBOOT_INDEX : "its .sha1", expected_hex);
    }
    memcpy(image->sha1, actual, SUMS_SHA1_LEN);
    image->verified = true;
    return 0;
}

void netboot_done(struct netboot_source *s)
{
    free(s->dir_url);
    free(s->index);
    *s = (struct netboot_source){ 0 };
}
