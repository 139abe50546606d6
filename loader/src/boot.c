/* boot.c - see boot.h. */
#include "boot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "bzimage.h"
#include "cleanup.h"
#include "reason.h"
#include "fileio.h"
#include "initramfs.h"
#include "kexec.h"
#include "kmodules.h"
#include "mount.h"
#include "sums.h"
#include "verify.h"

/* What stage 2 needs from the image's kernel besides the card's own drivers: loop and the
 * image filesystems, the keydisk's ext4, the overlay, and vfat to reach the card. */
static const char *const stage2_modules[] = {
    "loop", "squashfs", "erofs", "ext4", "overlay", "vfat", "nls_cp437", "nls_ascii", "nls_iso8859_1", "nls_utf8",
};


int boot_expected_digest(int dirfd, const char *file, const char *ext, size_t digest_len, uint8_t *ret, char *reason,
                         size_t size)
{
    _cleanup_free_ char *sums_file = NULL, *text = NULL;
    size_t len;

    if (asprintf(&sums_file, "%s.%s", file, ext) < 0)
        return reason_set(reason, size, -ENOMEM, "out of memory");
    int r = fileio_read_file(dirfd, sums_file, SUMS_MAX_FILE_SIZE, &text, &len);
    if (r == -ENOENT)
        return reason_set(reason, size, r, "no checksum file %s", sums_file);
    if (r == -EBADFD || r == -EISDIR)
        return reason_set(reason, size, r, "%s is not a regular file", sums_file);
    if (r == -EFBIG || (r >= 0 && sums_parse_file(text, len, image_base_name(file), digest_len, ret) < 0))
        return reason_set(reason, size, -EBADMSG, "malformed checksum file %s", sums_file);
    if (r < 0)
        return reason_set(reason, size, r, "cannot read %s (%s)", sums_file, strerror(-r));
    return 0;
}

int boot_expected_sha1(int dirfd, const char *file, uint8_t ret[SUMS_SHA1_LEN], char *reason, size_t size)
{
    return boot_expected_digest(dirfd, file, "sha1", SUMS_SHA1_LEN, ret, reason, size);
}

int boot_unreadable(int r, char *reason, size_t size)
{
    if (r == -EBADFD || r == -EISDIR)
        return reason_set(reason, size, r, "not a regular file (a symbolic link, directory, device node or FIFO)");
    return reason_set(reason, size, r, "cannot read the image (%s)", strerror(-r));
}

int boot_verify_card(const struct boot_source *src, struct image *image, const struct verify_pass *pass,
                     char *reason, size_t size)
{
    uint8_t expected[SUMS_SHA1_LEN], actual[SUMS_SHA1_LEN];
    char sums_file[512];

    int r = boot_expected_sha1(src->dirfd, image->file, expected, reason, size);
    if (r < 0)
        return r;
    r = verify_file(src->dirfd, image->file, pass, expected, actual);
    if (r < 0 && r != -EBADMSG)
        return boot_unreadable(r, reason, size);
    snprintf(sums_file, sizeof(sums_file), "%s.sha1", image->file);
    return image_accept_digest(image, actual, expected, sums_file, reason, size);
}

/* RELATIVE ("boot/vmlinuz") resolved inside the mounted image, as its own root would
 * (fileio_resolve_in_root), into RET (under BOOT_IMAGE_DIR).  Returns 0 or -errno. */
static int image_path(const char *relative, char *ret, size_t size)
{
    return fileio_resolve_in_root(BOOT_IMAGE_DIR, relative, ret, size);
}

/* The image's kernel into RET, or -ENOENT. */
static int find_kernel(char *ret, size_t size)
{
    static const char *const kernels[] = { "boot/vmlinuz", "boot/bzImage" };
    for (size_t i = 0; i < ELEMENTSOF(kernels); i++)
        if (image_path(kernels[i], ret, size) == 0)
            return 0;
    return -ENOENT;
}

static int no_modules(char ***ret_paths, size_t *ret_n)
{
    char **empty = calloc(1, sizeof(char *));
    if (!empty)
        return -ENOMEM;
    *ret_paths = empty;
    *ret_n = 0;
    return 0;
}

/* What stage 2 cannot do without, given the image's filesystem FSTYPE and whether there
 * is a card: after kexec there is no going back to another candidate, so an image whose
 * kernel lacks one of these is refused here.  Returns 0, or -ENOPKG naming it in REASON. */
static int check_needed(const char *modules_dir, const char *fstype, bool card, char *reason, size_t size)
{
    const char *fs_module = strncmp(fstype, "ext", 3) == 0 ? "ext4" : fstype;
    const char *const needed[] = { "loop", "overlay", fs_module, card ? "vfat" : NULL };

    for (size_t i = 0; i < ELEMENTSOF(needed); i++)
        if (needed[i] && kmodules_available(modules_dir, needed[i]) == 0)
            return reason_set(reason, size, -ENOPKG, "its kernel has no %s support (not built in, not in %s)",
                              needed[i], modules_dir + strlen(BOOT_IMAGE_DIR));
    return 0;
}

/* The modules stage 2 must load, resolved in the image's tree for KERNEL's release.  An
 * image without modules (a kernel with everything built in) gets an empty list; one
 * whose modules lack what stage 2 needs is refused with REASON. */
static int resolve_modules(const char *kernel, const char *device, const char *fstype, char ***ret_paths,
                           size_t *ret_n, char *reason, size_t size)
{
    _cleanup_free_ uint8_t *head = malloc(BZIMAGE_PROBE_SIZE);
    _cleanup_strv_free_ char **names = NULL;
    size_t n_names = 0, len = 0;
    char release[256], modules_dir[512];

    if (!head)
        return -ENOMEM;
    _cleanup_close_ int fd = open(kernel, O_RDONLY | O_CLOEXEC);
    ssize_t got = fd >= 0 ? read(fd, head, BZIMAGE_PROBE_SIZE) : -1;
    len = got > 0 ? (size_t)got : 0;
    if (bzimage_parse_release(head, len, release, sizeof(release)) < 0)
        return no_modules(ret_paths, ret_n);
    snprintf(modules_dir, sizeof(modules_dir), BOOT_IMAGE_DIR "/lib/modules/%s", release);
    if (access(modules_dir, F_OK) < 0)
        return no_modules(ret_paths, ret_n);
    int r = check_needed(modules_dir, fstype, device != NULL, reason, size);
    if (r < 0)
        return r;

    for (size_t i = 0; i < ELEMENTSOF(stage2_modules); i++)
        if (fileio_strv_push(&names, &n_names, stage2_modules[i]) < 0)
            return -ENOMEM;
    if (device) /* diskless: no card, so no card driver for stage 2 */
        (void)kmodules_for_device(device, &names, &n_names);
    r = kmodules_resolve(modules_dir, (const char *const *)names, n_names, ret_paths, ret_n);
    if (r == -ELOOP)
        return reason_set(reason, size, r, "its modules.dep chains more than %d modules one after the other",
                          KMODULES_MAX_DEPTH);
    return r < 0 ? reason_set(reason, size, r, "cannot resolve its kernel modules (%s)", strerror(-r)) : 0;
}

/* The image's kernel command line: its /boot/cmdline, then the OS arguments from
 * syslinux.cfg (later words win in the kernel, so the card can override the image), then
 * what tells the OS how it was booted. */
static int build_cmdline(const struct config *config, const struct image *image, const char *from_source, char **ret)
{
    _cleanup_free_ char *image_args = NULL, *booted = NULL, *from = NULL;
    _cleanup_strv_free_ char **words = NULL;
    size_t n = 0;

    char path[PATH_MAX];
    if (image_path("boot/cmdline", path, sizeof(path)) == 0)
        (void)fileio_read_file(AT_FDCWD, path, 4096, &image_args, NULL);
    int r = cmdline_split(image_args ? image_args : "", &words, &n);
    for (size_t i = 0; r >= 0 && i < config->n_os_args; i++)
        r = fileio_strv_push(&words, &n, config->os_args[i]);
    if (r < 0 || asprintf(&booted, "hopboot.booted=%s", image->label) < 0 ||
        asprintf(&from, "hopboot.from=%s", from_source) < 0 || fileio_strv_push(&words, &n, booted) < 0 ||
        fileio_strv_push(&words, &n, from) < 0)
        return -ENOMEM;
    r = cmdline_join(words, n, ret);
    if (r != -EINVAL)
        return r;
    /* A word no command line can carry unchanged (the kernel's quoting has gaps) is left
     * out rather than passed on altered; the image still boots. */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *alone = NULL;
        if (cmdline_join(&words[i], 1, &alone) == -EINVAL)
            free(words[i]);
        else
            words[kept++] = words[i];
    }
    words[kept] = NULL;
    return cmdline_join(words, kept, ret);
}

static int write_handoff(const struct config *config, const struct boot_source *src, const struct image *image,
                         const char *ram_image, const char *from, const char *overlay_url, const char *kernel,
                         const char *fstype, char *reason, size_t size)
{
    _cleanup_strv_free_ char **modules = NULL;
    size_t n_modules = 0;
    char sha1_hex[SUMS_SHA1_HEX_LEN + 1];
    char image_initrd[PATH_MAX];
    bool has_initrd = image_path("boot/initrd.img", image_initrd, sizeof(image_initrd)) == 0;

    int r = resolve_modules(kernel, src->device, fstype, &modules, &n_modules, reason, size);
    if (r < 0)
        return r;
    sums_format_hex(image->sha1, sha1_hex);
    struct handoff h = {
        .label = image->label,
        .image = ram_image ? "/" HANDOFF_IMAGE_PATH : image->file,
        .card = (char *)src->card_spec,
        .keydisk = config->keydisk,
        .sha1 = sha1_hex,
        .from = (char *)from,
        .overlay = (char *)overlay_url,
    };
    /* busybox: tar for the overlay, and the shell stage 2 starts when a required keydisk
     * cannot be used. */
    bool needs_busybox = overlay_url || cmdline_keydisk_required(config->keydisk, NULL);
    struct initramfs_extras extras = {
        .tarball = overlay_url ? BOOT_OVERLAY_FILE : NULL,
        .busybox = needs_busybox ? BOOT_BUSYBOX : NULL,
        .e2fsck = access(BOOT_E2FSCK, X_OK) == 0 ? BOOT_E2FSCK : NULL,
    };
    r = initramfs_write(BOOT_HANDOFF_FILE, has_initrd ? image_initrd : NULL, BOOT_STAGE2, &h, ram_image, &extras,
                        modules, n_modules);
    if (r < 0)
        return reason_set(reason, size, r, "cannot write the hand-off initramfs (%s)", strerror(-r));
    return 0;
}

static int prepare_mounted(const struct config *config, const struct boot_source *src, const struct image *image,
                           const char *ram_image, const char *from, const char *overlay_url, const char *fstype,
                           struct boot_loaded *ret, char *reason, size_t size)
{
    _cleanup_free_ char *cmdline = NULL;
    struct kexec_result result;

    char kernel[PATH_MAX];
    if (find_kernel(kernel, sizeof(kernel)) < 0)
        return reason_set(reason, size, -ENOENT, "no kernel at /boot/vmlinuz or /boot/bzImage");
    int r = write_handoff(config, src, image, ram_image, from, overlay_url, kernel, fstype, reason, size);
    if (r < 0)
        return r;
    r = build_cmdline(config, image, from, &cmdline);
    if (r < 0)
        return reason_set(reason, size, r, "cannot build its command line (%s)", strerror(-r));
    r = kexec_load(kernel, BOOT_HANDOFF_FILE, cmdline, config->kexec, &result);
    if (r < 0)
        return reason_set(reason, size, r, "its kernel does not load for kexec (%s)",
                    r == -ECHILD ? "kexec-tools failed" : strerror(-r));
    *ret = (struct boot_loaded){ .used = result.used, .syscall_error = result.syscall_error };
    return 0;
}

int boot_load(const struct config *config, const struct boot_source *src, const struct image *image, const char *path,
              bool in_ram, const char *from, const char *overlay_url, struct boot_loaded *ret, char *reason,
              size_t size)
{
    _cleanup_free_ char *fstype = NULL;
    int r = mount_image(path, BOOT_IMAGE_DIR, true, &fstype);
    if (r < 0)
        return reason_set(reason, size, r, "does not mount (%s)",
                    r == -EMEDIUMTYPE ? "no filesystem recognised" : strerror(-r));
    r = prepare_mounted(config, src, image, in_ram ? path : NULL, from, overlay_url, fstype, ret, reason, size);
    if (r < 0)
        boot_release();
    return r;
}

void boot_release(void)
{
    (void)umount2(BOOT_IMAGE_DIR, MNT_DETACH);
    (void)unlink(BOOT_HANDOFF_FILE);
}
