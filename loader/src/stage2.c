/* stage2.c - hopboot-stage2: PID 1 of the image's kernel, started from the hand-off
 * initramfs that stage 1 wrote.
 *
 * Mounts do not survive kexec, so the union root is built here: load the modules stage 1
 * chose, find the card again, loop-mount the image read-only and the keydisk read-write,
 * join them with overlayfs (a tmpfs upper layer when the keydisk is missing), unpack the
 * hopboot.overlay= tarball stage 1 fetched onto that union, show the
 * card at /media/card and the keydisk at /media/keydisk, and switch_root to the OS's init.  Static: it must run under any
 * image's kernel with nothing but this initramfs. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmdline.h"
#include "devices.h"
#include "fileio.h"
#include "handoff.h"
#include "log.h"
#include "modload.h"
#include "mount.h"
#include "switchroot.h"
#include "untar.h"

#define CARD_WAIT_SECONDS 30
#define CARD_DIR "/media/card"
#define LOWER_DIR "/hopboot/lower"
#define KEYDISK_DIR "/hopboot/keydisk"
#define ROOT_DIR "/hopboot/root"
#define KEYDISK_VISIBLE "/media/keydisk"

/* Nothing else can be tried from here: the loader is gone.  Say why, then reboot so the
 * machine does not hang at an empty console. */
static void fail(const char *label, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void fail(const char *label, const char *fmt, ...)
{
    char what[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    log_error("cannot boot %s: %s; rebooting in 10 s", label, what);
    sleep(10);
    sync();
    reboot(RB_AUTOBOOT);
    for (;;)
        pause();
}

static void load_modules(const struct handoff *h)
{
    for (size_t i = 0; i < h->n_modules; i++) {
        char path[600];
        snprintf(path, sizeof(path), "/%s", h->modules[i]);
        int r = modload_file(path);
        /* ENODEV: the module is not for this machine (crc32c-intel without SSE4.2 beside
         * crc32c_generic): normal when an alias matches several modules. */
        if (r == -ENODEV)
            log_debug("module %s has no device here", h->modules[i]);
        else if (r < 0)
            log_warning("module %s does not load (%s)", h->modules[i], strerror(-r));
    }
}

static int wait_for_device(const char *spec, char **ret_device)
{
    for (int tenth = 0; tenth < CARD_WAIT_SECONDS * 10; tenth++) {
        int r = devices_find(spec, ret_device);
        if (r != -ENODEV)
            return r;
        usleep(100 * 1000);
    }
    return -ENODEV;
}

/* Only ext2/3/4 serve as a keydisk: overlayfs refuses most other upper layers (vfat),
 * and a filesystem we would only write to and then give up on must not be touched. */
static int check_keydisk_type(const char *file_or_device)
{
    _cleanup_free_ char *type = NULL;
    int r = devices_probe(file_or_device, &type, NULL, NULL);
    if (r < 0)
        return r;
    if (!type)
        return -EMEDIUMTYPE;
    return strcmp(type, "ext2") == 0 || strcmp(type, "ext3") == 0 || strcmp(type, "ext4") == 0 ? 0 : -EPROTOTYPE;
}

/* Mount the keydisk KEYDISK (a path on the card or a device spec) read-write at
 * KEYDISK_DIR with upper/ and work/ in it.  Returns 0 or -errno (-EMEDIUMTYPE: no
 * filesystem, -EPROTOTYPE: not ext2/3/4). */
static int attach_keydisk(const char *keydisk)
{
    _cleanup_free_ char *device = NULL, *path = NULL;
    int r;

    if (devices_is_spec(keydisk)) {
        r = wait_for_device(keydisk, &device);
        if (r >= 0 && (r = check_keydisk_type(device)) >= 0)
            r = mount_device(device, KEYDISK_DIR, MS_NOATIME, NULL);
    } else if (asprintf(&path, CARD_DIR "/%s", keydisk) < 0)
        r = -ENOMEM;
    else if (access(path, F_OK) < 0)
        r = -errno;
    else if ((r = check_keydisk_type(path)) >= 0)
        r = mount_image(path, KEYDISK_DIR, false, NULL);
    if (r < 0)
        return r;
    if ((r = mount_mkdir_p(KEYDISK_DIR "/upper", 0755)) < 0 || (r = mount_mkdir_p(KEYDISK_DIR "/work", 0755)) < 0) {
        umount2(KEYDISK_DIR, MNT_DETACH);
        return r;
    }
    return 0;
}

static void mount_tmpfs_upper(void);

/* The overlay's upper layer: the keydisk, or a tmpfs after one line saying why not.  The
 * keydisk file itself is never touched when it cannot be used.  Returns whether the
 * keydisk is in use. */
static bool mount_upper(const char *keydisk)
{
    if (strcmp(keydisk, "none") == 0)
        log_info("no keydisk (hopboot.keydisk=none), changes will not persist (tmpfs overlay)");
    else {
        int r = attach_keydisk(keydisk);
        if (r >= 0)
            return true;
        if (r == -ENOENT || r == -ENODEV)
            log_warning("keydisk %s not found, changes will not persist (tmpfs overlay)", keydisk);
        else
            log_warning("keydisk %s does not mount (%s), changes will not persist (tmpfs overlay)", keydisk,
                        r == -EMEDIUMTYPE   ? "no filesystem recognised"
                        : r == -EPROTOTYPE ? "not an ext2/ext3/ext4 filesystem"
                                           : strerror(-r));
    }
    mount_tmpfs_upper();
    return false;
}

static void mount_tmpfs_upper(void)
{
    (void)mount_mkdir_p(KEYDISK_DIR, 0755);
    (void)mount("tmpfs", KEYDISK_DIR, "tmpfs", 0, "mode=0755");
    (void)mount_mkdir_p(KEYDISK_DIR "/upper", 0755);
    (void)mount_mkdir_p(KEYDISK_DIR "/work", 0755);
}

static const char *init_path(void)
{
    static char init[256] = "/sbin/init";
    _cleanup_free_ char *text = NULL;
    _cleanup_strv_free_ char **words = NULL;
    size_t n;

    /* init= on the command line is the OS's choice: honour it as the kernel would. */
    if (fileio_read_file(AT_FDCWD, "/proc/cmdline", 65536, &text, NULL) < 0 || cmdline_split(text, &words, &n) < 0)
        return init;
    for (size_t i = 0; i < n; i++)
        if (strncmp(words[i], "init=", 5) == 0 && words[i][5] == '/')
            snprintf(init, sizeof(init), "%s", words[i] + 5);
    return init;
}

/* Mount the card read-write at CARD_DIR.  Returns whether it is there; without it a
 * fetched image still boots (no keydisk), an image on the card does not. */
static bool mount_card(const struct handoff *h, bool image_in_ram)
{
    _cleanup_free_ char *card = NULL;
    int r;

    if (strcmp(h->card, "none") == 0)
        return false;
    if ((r = wait_for_device(h->card, &card)) < 0 || (r = mount_device(card, CARD_DIR, MS_NOATIME, NULL)) < 0) {
        if (!image_in_ram)
            fail(h->label, "the card %s %s", h->card, r == -ENODEV ? "did not appear" : "does not mount");
        log_warning("the card %s %s, so no keydisk", h->card, r == -ENODEV ? "did not appear" : "does not mount");
        return false;
    }
    return true;
}

/* hopboot.overlay=: the tarball stage 1 fetched goes onto the root, so into its upper
 * layer (the keydisk or the tmpfs).  Done before the card is moved into the root, with tar
 * chrooted there (untar.h), so no member reaches the card or the initramfs.  A tarball
 * that does not unpack is a warning: the OS boots with what did. */
static void unpack_overlay(const struct handoff *h)
{
    char reason[300];
    unsigned files = 0;

    int r = untar_gzip("/" HANDOFF_BUSYBOX_PATH, "/" HANDOFF_OVERLAY_PATH, ROOT_DIR, &files, reason, sizeof(reason));
    if (r < 0)
        log_warning("overlay %s does not unpack (%s), booting without the rest of it", h->overlay, reason);
    else
        log_info("overlay %s unpacked onto the root (%u file%s)", h->overlay, files, files == 1 ? "" : "s");
}

static void build_root(const struct handoff *h)
{
    _cleanup_free_ char *image = NULL;
    bool in_ram = h->image[0] == '/';

    bool have_card = mount_card(h, in_ram);
    if (asprintf(&image, "%s%s", in_ram ? "" : CARD_DIR "/", h->image) < 0)
        fail(h->label, "%s", "out of memory");
    int r = mount_image(image, LOWER_DIR, true, NULL);
    if (r < 0)
        fail(h->label, "the image does not mount (%s)", strerror(-r));
    bool persistent;
    if (have_card || devices_is_spec(h->keydisk))
        persistent = mount_upper(h->keydisk);
    else {
        log_info("no card, so no keydisk: changes will not persist (tmpfs overlay)");
        mount_tmpfs_upper();
        persistent = false;
    }
    r = mount_overlay(LOWER_DIR, KEYDISK_DIR "/upper", KEYDISK_DIR "/work", ROOT_DIR);
    if (r < 0 && persistent) {
        /* The keydisk mounted but overlayfs will not use it (e.g. an ext2 without
         * d_type): losing persistence beats a machine that reboots forever. */
        log_warning("keydisk %s cannot be the overlay's upper layer (%s), changes will not persist (tmpfs overlay)",
                    h->keydisk, strerror(-r));
        (void)umount2(KEYDISK_DIR, MNT_DETACH);
        mount_tmpfs_upper();
        persistent = false;
        r = mount_overlay(LOWER_DIR, KEYDISK_DIR "/upper", KEYDISK_DIR "/work", ROOT_DIR);
    }
    if (r < 0)
        fail(h->label, "the overlay root does not mount (%s)", strerror(-r));
    if (h->overlay)
        unpack_overlay(h);
    /* The card stays reachable from the OS, e.g. to copy an upgrade onto it. */
    if (have_card) {
        r = mount_mkdir_p(ROOT_DIR CARD_DIR, 0755);
        if (r < 0 || mount(CARD_DIR, ROOT_DIR CARD_DIR, NULL, MS_MOVE, NULL) < 0)
            log_warning("the card is not visible at %s in the OS (%s)", CARD_DIR, strerror(r < 0 ? -r : errno));
    }
    /* The keydisk too, so that the OS's shutdown (umount -a -r, systemd-shutdown) finds it
     * and remounts it read-only: synced, journal checkpointed, left clean.  Hidden in the
     * discarded initramfs, nothing could. */
    if (persistent) {
        r = mount_mkdir_p(ROOT_DIR KEYDISK_VISIBLE, 0755);
        if (r < 0 || mount(KEYDISK_DIR, ROOT_DIR KEYDISK_VISIBLE, NULL, MS_MOVE, NULL) < 0)
            log_warning("the keydisk is not visible at %s in the OS (%s): it cannot be unmounted cleanly",
                        KEYDISK_VISIBLE, strerror(r < 0 ? -r : errno));
    }
    const char *what = in_ram ? h->label : h->image;
    const char *where = in_ram ? " (in RAM)" : "";
    if (persistent)
        log_info("root is %s%s + keydisk %s", what, where, h->keydisk);
    else
        log_info("root is %s%s + tmpfs", what, where);
}

int main(int argc, char **argv)
{
    _cleanup_free_ char *text = NULL;
    struct handoff h;
    size_t len;

    (void)argc;
    (void)mount_early();
    log_setup("hopboot-stage2", getpid() == 1 ? LOG_TARGET_CONSOLE : LOG_TARGET_STDERR);
    if (getpid() != 1) {
        log_error("runs only as PID 1 of the hand-off initramfs that hopboot writes");
        return 2;
    }
    int r = fileio_read_file(AT_FDCWD, "/" HANDOFF_PATH, HANDOFF_MAX_SIZE, &text, &len);
    if (r >= 0)
        r = handoff_parse(text, len, &h);
    if (r < 0)
        fail("the image", "the hand-off file /" HANDOFF_PATH " is unreadable (%s)", strerror(-r));

    load_modules(&h);
    build_root(&h);
    const char *init = init_path();
    argv[0] = (char *)init;
    r = switchroot(ROOT_DIR, init, argv);
    fail(h.label, "cannot start the OS's init (%s)", strerror(-r));
}
