/* netboot.c - see netboot.h. */
#include "netboot.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot.h"
#include "cleanup.h"
#include "fileio.h"
#include "reason.h"
#include "kmodules.h"
#include "mount.h"
#include "scan.h"
#include "sums.h"
#include "verify.h"

struct collect {
    const char *name;
    const char *dir_url;
    struct image *images;
    size_t n;
};

/* FILE is relative to the source's directory: "Demo-1.1.0.img" or, in altboot's folder,
 * "boot-images/Demo-1.1.0.img" (no other folder). */
static int add_candidate(struct collect *c, const char *file)
{
    struct image image;
    const char *base = image_base_name(file);

    if ((base != file && (size_t)(base - file) != strlen(SCAN_SUBDIR "/")) ||
        strncmp(file, SCAN_SUBDIR "/", (size_t)(base - file)) != 0)
        return 0; /* in another folder: not looked for there */
    if (image_from_file_name(c->name, base, &image) < 0)
        return 0; /* not ours: ignored, as on the card */
    if (base != file) {
        free(image.file);
        if (!(image.file = strdup(file))) {
            image_done(&image);
            return -ENOMEM;
        }
    }
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

static int add_index_entry(const char *name, size_t len, const uint8_t *digest, void *userdata)
{
    (void)digest; /* looked up again per candidate, when it is tried */
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

/* FTP servers list directories: altboot's folder too, when there is one (a server that
 * says there is none, or cannot list it, leaves the top's candidates). */
static int list_ftp_folder(struct netboot_source *s, struct collect *c)
{
    _cleanup_strv_free_ char **names = NULL;
    _cleanup_free_ char *url = NULL;
    char error[256];
    size_t n;
    int r = 0;

    if (asprintf(&url, "%s" SCAN_SUBDIR "/", s->dir_url) < 0)
        return -ENOMEM;
    if (fetch_list(url, &s->options, &names, &n, error, sizeof(error)) < 0)
        return 0;
    for (size_t i = 0; i < n && r >= 0; i++) {
        _cleanup_free_ char *file = NULL;
        if (strchr(names[i], '/'))
            continue;
        r = asprintf(&file, SCAN_SUBDIR "/%s", names[i]) < 0 ? -ENOMEM : add_candidate(c, file);
    }
    return r;
}

/* How long the digests in S's index and checksum files are. */
static size_t index_digest_len(const struct netboot_source *s)
{
    return s->trust->mode == VERIFY_SHA256 ? SUMS_SHA256_LEN : SUMS_SHA1_LEN;
}

static int list_directory(const struct url *u, struct netboot_source *s, struct collect *c, char *error, size_t size)
{
    _cleanup_strv_free_ char **names = NULL;
    _cleanup_free_ char *index_url = NULL;
    size_t n;
    int r;

    if (u->scheme == URL_FTP) {
        if ((r = fetch_list(s->dir_url, &s->options, &names, &n, error, size)) < 0) {
            char why[256];
            snprintf(why, sizeof(why), "%s", error);
            snprintf(error, size, "cannot list the directory (%s)", why);
            return r;
        }
        for (size_t i = 0; i < n && r >= 0; i++)
            r = add_candidate(c, names[i]);
        return r < 0 ? r : list_ftp_folder(s, c);
    }
    if (asprintf(&index_url, "%s%s", s->dir_url, s->index_name) < 0)
        return -ENOMEM;
    r = fetch_small(index_url, &s->options, 1024 * 1024, &s->index, &s->index_len, error, size);
    if (r < 0) {
        char why[256];
        snprintf(why, sizeof(why), "%s", error);
        snprintf(error, size, "cannot fetch its %s index (%s)", s->index_name, why);
        return r;
    }
    r = sums_index_foreach(s->index, s->index_len, index_digest_len(s), add_index_entry, c);
    if (r == -EBADMSG)
        snprintf(error, size, "its %s index is malformed", s->index_name);
    return r;
}

/* Mount the NFS directory DIR of U read-only at NETBOOT_NFS_DIR. */
static int mount_nfs(const struct url *u, const char *dir, const char *client_ip, char *error, size_t size)
{
    _cleanup_free_ char *source = NULL, *options = NULL;
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *found = NULL;
    char address[INET_ADDRSTRLEN];

    /* The kernel's NFS client takes an address, not a name: resolve it here.  soft: a
     * server that stops answering fails a read after timeo x retrans instead of holding
     * PID 1 forever (a hard mount's default). */
    int r = getaddrinfo(u->host, NULL, &hints, &found);
    if (r != 0) {
        snprintf(error, size, "cannot resolve %s (%s)", u->host, gai_strerror(r));
        return -EHOSTUNREACH;
    }
    inet_ntop(AF_INET, &((struct sockaddr_in *)found->ai_addr)->sin_addr, address, sizeof(address));
    freeaddrinfo(found);
    if (asprintf(&source, "%s:%s", address, dir) < 0 ||
        asprintf(&options, "vers=4.0,proto=tcp,soft,port=%u,addr=%s,clientaddr=%s,timeo=50,retrans=2",
                 u->port ? u->port : url_default_port(URL_NFS), address, client_ip) < 0)
        return -ENOMEM;
    const char *const modules[] = { "nfsv4" };
    (void)kmodules_load(modules, ELEMENTSOF(modules));
    if ((r = mount_mkdir_p(NETBOOT_NFS_DIR, 0755)) < 0 || mount(source, NETBOOT_NFS_DIR, "nfs4", MS_RDONLY | MOUNT_UNTRUSTED, options) < 0) {
        r = r < 0 ? r : -errno;
        snprintf(error, size, "the export %s does not mount (%s)", source, strerror(-r));
        return r;
    }
    return 0;
}

static int list_nfs(const struct url *u, const char *dir, const char *file, const char *client_ip,
                    struct netboot_source *s, struct collect *c, char *error, size_t size)
{
    struct image *images = NULL;
    size_t n = 0;

    int r = mount_nfs(u, dir, client_ip, error, size);
    if (r < 0)
        return r;
    s->nfs_dirfd = open(NETBOOT_NFS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (s->nfs_dirfd < 0)
        return -errno;
    if (file)
        return add_named(c, u, file);
    if ((r = scan_directory(s->nfs_dirfd, c->name, &images, &n)) < 0) {
        snprintf(error, size, "cannot list the export (%s)", strerror(-r));
        return r;
    }
    for (size_t i = 0; i < n && r >= 0; i++)
        r = add_candidate(c, images[i].file);
    image_free_array(images, n);
    return r;
}

int netboot_list(const struct url *u, const char *name, const char *client_ip, const struct fetch_options *o,
                 const struct trust *t, struct netboot_source *ret, struct image **ret_images, size_t *ret_n,
                 char *error, size_t error_size)
{
    struct netboot_source s = { .options = *o, .nfs_dirfd = -1, .trust = t,
                                .index_name = t->mode == VERIFY_SHA256 ? NETBOOT_INDEX_SHA256 : NETBOOT_INDEX };
    _cleanup_free_ char *dir = NULL, *file = NULL;
    int r = url_split(u, &dir, &file);

    if (r < 0)
        return r;
    /* The URL up to its path, then the directory part of the path. */
    size_t prefix = (size_t)(strstr(u->text, "://") - u->text) + 3 + strcspn(strstr(u->text, "://") + 3, "/");
    if (asprintf(&s.dir_url, "%.*s%s", (int)prefix, u->text, dir) < 0)
        return -ENOMEM;
    struct collect c = { .name = name, .dir_url = s.dir_url };
    if (u->scheme == URL_NFS)
        r = list_nfs(u, dir, file, client_ip, &s, &c, error, error_size);
    else
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


/* IMAGE's expected digest under S's mode (sha1 or sha256): from the index, the export's
 * checksum file or the one fetched from beside it.  Its name for the phrases is in SUMS_NAME. */
static int expected_digest(const struct netboot_source *s, const struct image *image, uint8_t *ret, char *sums_name,
                           size_t sums_name_size, char *reason, size_t size)
{
    _cleanup_free_ char *sums_url = NULL;
    const char *ext = s->trust->mode == VERIFY_SHA256 ? "sha256" : "sha1";
    size_t digest_len = index_digest_len(s);

    if (s->index) {
        snprintf(sums_name, sums_name_size, "%s", s->index_name);
        int r = sums_parse_index(s->index, s->index_len, image->file, digest_len, ret);
        return r < 0 ? reason_set(reason, size, r, "not listed once in %s", s->index_name) : 0;
    }
    snprintf(sums_name, sums_name_size, "%s.%s", image->file, ext);
    if (s->nfs_dirfd >= 0)
        return boot_expected_digest(s->nfs_dirfd, image->file, ext, digest_len, ret, reason, size);
    if (asprintf(&sums_url, "%s.%s", image->url, ext) < 0)
        return -ENOMEM;
    return netboot_fetch_digest(sums_url, sums_name, image_base_name(image->file), digest_len, &s->options, ret,
                                reason, size);
}

int netboot_fetch_digest(const char *sums_url, const char *sums_name, const char *file, size_t digest_len,
                         const struct fetch_options *o, uint8_t *ret, char *reason, size_t size)
{
    _cleanup_free_ char *text = NULL;
    char error[256];
    size_t len;

    int r = fetch_small(sums_url, o, SUMS_MAX_FILE_SIZE, &text, &len, error, sizeof(error));
    if (r == -ENOENT)
        return reason_set(reason, size, r, "no checksum file %s", sums_name);
    if (r == -EFBIG || (r >= 0 && sums_parse_file(text, len, file, digest_len, ret) < 0))
        return reason_set(reason, size, -EBADMSG, "malformed checksum file %s", sums_name);
    if (r < 0)
        return reason_set(reason, size, r, "cannot fetch %s (%s)", sums_name, error);
    return 0;
}

/* The image does not fit the RAM limit (o->max_size): -EFBIG and the phrase. */
static int too_large(const struct netboot_source *s, char *reason, size_t size)
{
    return reason_set(reason, size, -EFBIG, "too large for this machine's RAM (at most %llu MiB fit)",
                      (unsigned long long)(s->options.max_size >> 20));
}

/* An NFS copy under the fetches' deadlines: checked after every block. */
struct copy_clock {
    const struct fetch_options *o;
    double started;
    char error[256];
};

static int check_copy_time(void *userdata, const void *data, size_t len)
{
    struct copy_clock *clock = userdata;
    (void)data;
    (void)len;
    return fetch_time_check(clock->o, clock->started, clock->error, sizeof(clock->error));
}

/* Copy IMAGE from the export into FD, its SHA-1 into ACTUAL. */
static int copy_from_nfs(const struct netboot_source *s, struct image *image, int fd, uint8_t actual[SUMS_SHA1_LEN],
                         char *reason, size_t size)
{
    uint64_t bytes;

    struct stat st;
    _cleanup_close_ int src = fileio_open_regular(s->nfs_dirfd, image->file);
    if (src == -EBADFD || src == -EISDIR)
        return reason_set(reason, size, src, "not a regular file on the export (a symbolic link, directory, "
                                             "device node or FIFO)");
    if (src < 0)
        return reason_set(reason, size, src, "cannot open it on the export (%s)", strerror(-src));
    if (fstat(src, &st) < 0)
        return reason_set(reason, size, -errno, "cannot open it on the export (%s)", strerror(errno));
    if (s->options.max_size && (uint64_t)st.st_size > s->options.max_size)
        return too_large(s, reason, size);
    /* max_size also stops a file that grows on the server while it is copied, and the
     * fetch deadlines one that comes too slowly (the soft mount bounds each read). */
    struct copy_clock clock = { .o = &s->options, .started = fetch_now() };
    struct verify_pass pass = { .dst_fd = fd, .max_size = s->options.max_size, .observe = check_copy_time,
                                .userdata = &clock, .progress = s->options.progress,
                                .progress_userdata = s->options.userdata };
    int r = verify_stream(src, &pass, actual, NULL, &bytes);
    if (r == -EFBIG)
        return too_large(s, reason, size);
    if (r == -ETIME)
        return reason_set(reason, size, r, "%s", clock.error);
    if (r < 0)
        return reason_set(reason, size, r, "cannot copy it into RAM (%s)", strerror(-r));
    return 0;
}

/* IMAGE into FD (from the export, or fetched), its SHA-1 into ACTUAL. */
static int get_image(const struct netboot_source *s, struct image *image, int fd, uint8_t actual[SUMS_SHA1_LEN],
                     char *reason, size_t size)
{
    char error[256];
    uint64_t bytes;

    if (s->nfs_dirfd >= 0)
        return copy_from_nfs(s, image, fd, actual, reason, size);
    int r = fetch_image(image->url, fd, &s->options, actual, &bytes, error, sizeof(error));
    if (r == -EFBIG)
        return too_large(s, reason, size);
    if (r < 0)
        return reason_set(reason, size, r, "%s", error);
    return 0;
}

int netboot_fetch_signature(const char *sig_url, const char *sig_file, const struct fetch_options *o,
                            char **ret_text, size_t *ret_len, char *reason, size_t size)
{
    char error[256];

    int r = fetch_small(sig_url, o, MINISIGN_SIGNATURE_FILE_MAX, ret_text, ret_len, error, sizeof(error));
    if (r == -ENOENT)
        return reason_set(reason, size, r, "not signed (no %s; hopboot.verify=signed)", sig_file);
    if (r == -EFBIG)
        return reason_set(reason, size, -EBADMSG, "malformed signature file %s", sig_file);
    if (r < 0)
        return reason_set(reason, size, r, "cannot fetch %s (%s)", sig_file, error);
    return 0;
}

/* hopboot.verify=signed: IMAGE.minisig from beside it, checked before the image is fetched
 * (a wrong key, another file's or an older version's signature costs no download), then
 * the bytes in RAM, which are what boots. */
static int fetch_signed(const struct netboot_source *s, const struct trust *t, struct image *image, int fd,
                        char *reason, size_t size)
{
    _cleanup_free_ char *sig_file = NULL, *sig_url = NULL, *text = NULL;
    struct minisign_signature sig;
    uint8_t actual[SUMS_SHA1_LEN];
    size_t len;
    int r;

    if (asprintf(&sig_file, "%s.minisig", image->file) < 0 || asprintf(&sig_url, "%s.minisig", image->url) < 0)
        return reason_set(reason, size, -ENOMEM, "out of memory");
    if (s->nfs_dirfd >= 0)
        r = trust_read_signature(s->nfs_dirfd, sig_file, &text, &len, reason, size);
    else
        r = netboot_fetch_signature(sig_url, sig_file, &s->options, &text, &len, reason, size);
    if (r < 0 || (r = trust_check_signature(t, text, len, sig_file, image, &sig, reason, size)) < 0 ||
        (r = get_image(s, image, fd, actual, reason, size)) < 0 ||
        (r = trust_check_signed_fd(t, fd, &sig, reason, size)) < 0)
        return r;
    memcpy(image->sha1, actual, sizeof(actual));
    image->verified = true;
    return 0;
}

int netboot_fetch(const struct netboot_source *s, struct image *image, const char *ram_path, char *reason,
                  size_t size)
{
    const struct trust *t = s->trust;
    uint8_t expected[SUMS_SHA256_LEN], actual[SUMS_SHA1_LEN], sha256[SUMS_SHA256_LEN];
    char sums_name[512];

    _cleanup_close_ int fd = open(ram_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return reason_set(reason, size, -errno, "cannot store it in RAM (%s)", strerror(errno));
    if (t->mode == VERIFY_SIGNED)
        return fetch_signed(s, t, image, fd, reason, size);
    int r = expected_digest(s, image, expected, sums_name, sizeof(sums_name), reason, size);
    if (r < 0 || (r = get_image(s, image, fd, actual, reason, size)) < 0)
        return r;
    if (t->mode == VERIFY_SHA1)
        return image_accept_digest(image, actual, expected, sums_name, reason, size);
    /* The fetch hashed SHA-1 on the way; SHA-256 takes one more pass over the RAM copy. */
    if ((r = verify_from_start(fd, actual, sha256)) < 0)
        return reason_set(reason, size, r, "cannot read it back (%s)", strerror(-r));
    return image_accept_sha256(image, actual, sha256, expected, sums_name, reason, size);
}

void netboot_done(struct netboot_source *s)
{
    if (s->nfs_dirfd >= 0) {
        close(s->nfs_dirfd);
        (void)umount2(NETBOOT_NFS_DIR, MNT_DETACH);
    }
    free(s->dir_url);
    free(s->index);
    *s = (struct netboot_source){ 0 };
}
