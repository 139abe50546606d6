/* stage2.c - hopboot-stage2: PID 1 of the image's kernel, started from the hand-off
 * initramfs that stage 1 wrote.
 *
 * Mounts do not survive kexec, so the union root is built here: load the modules stage 1
 * chose, find the card again and mount it read-only, loop-mount the image read-only,
 * check the keydisk with e2fsck and mount it read-write through a block device over its
 * own sectors of the card (blockmap.h: the card's FAT is never written while the OS
 * runs), join them with overlayfs (a tmpfs upper layer when the keydisk cannot be used),
 * unpack the hopboot.overlay= tarball stage 1 fetched onto that union, show the card at
 * /media/card and the keydisk at /media/keydisk, leave the shutdown program at
 * /run/initramfs/shutdown (shutdown.h) and what happened in /run/hopboot/status, and
 * switch_root to the OS's init.  Run as /shutdown, the same program takes the mounts
 * down again at power-off.  Static: it must run under any image's kernel with nothing but
 * this initramfs. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blockmap.h"
#include "cleanup.h"
#include "cmdline.h"
#include "devices.h"
#include "fileio.h"
#include "handoff.h"
#include "log.h"
#include "modload.h"
#include "mount.h"
#include "process.h"
#include "shutdown.h"
#include "switchroot.h"
#include "untar.h"

#define CARD_WAIT_SECONDS 30
/* hopboot's own mounts live under /run/initramfs: /run moves into the OS's root, systemd
 * leaves mounts there alone until its shutdown hands them back to /run/initramfs/shutdown,
 * and any other init's "umount -a -r" still sees them. */
#define CARD_DIR SHUTDOWN_MOUNTS "/card"
#define LOWER_DIR SHUTDOWN_MOUNTS "/lower"
#define KEYDISK_DIR SHUTDOWN_MOUNTS "/keydisk"
#define ROOT_DIR "/hopboot/root"
#define CARD_VISIBLE "/media/card"
#define KEYDISK_VISIBLE "/media/keydisk"
#define E2FSCK "/" HANDOFF_E2FSCK_PATH
#define STATUS_FILE "/run/hopboot/status"

/* What became of the keydisk, for the log and /run/hopboot/status. */
struct keydisk_outcome {
    bool persistent;     /* the overlay's upper layer is the keydisk */
    const char *state;   /* "mounted", "repaired", "refused", "missing", "none" */
    const char *checked; /* "e2fsck", "not checked" */
    char reason[160];    /* why refused or missing */
    bool card_writable;  /* the fallback: kd.img in pieces, reached through vfat */
};

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

/* The device SPEC names, waiting for it to appear.  Two devices that match are refused
 * with one line (-ENOTUNIQ): a copy of the card must not become the card. */
static int wait_for_device(const char *spec, char **ret_device)
{
    for (int tenth = 0; tenth < CARD_WAIT_SECONDS * 10; tenth++) {
        _cleanup_free_ char *other = NULL;
        int r = devices_find(spec, ret_device, &other);
        if (r == -ENOTUNIQ) {
            log_error("%s matches both %s and %s: not guessing which", spec, *ret_device, other);
            free(*ret_device);
            *ret_device = NULL;
        }
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

/* Whether the ext2/3/4 filesystem on DEVICE was left open: its journal needs a replay
 * (needs_recovery) or its state is not "clean".  e2fsck -p replays a journal and exits 0,
 * so its status alone does not tell. */
static bool keydisk_was_left_open(const char *device)
{
    uint8_t super[1024];

    _cleanup_close_ int fd = open(device, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || pread(fd, super, sizeof(super), 1024) != (ssize_t)sizeof(super))
        return false;
    unsigned state = super[0x3A] | (unsigned)super[0x3B] << 8;
    uint32_t incompat = super[0x60] | (uint32_t)super[0x61] << 8 | (uint32_t)super[0x62] << 16 |
                        (uint32_t)super[0x63] << 24;
    return (incompat & 0x0004) != 0 || (state & 0x0001) == 0; /* RECOVER; VALID_FS */
}

/* e2fsck -p DEVICE: 0 clean, 1 repaired, -EUCLEAN when it left errors (the keydisk is then
 * not used, and not touched again), -ENOENT without e2fsck in the hand-off. */
static int check_keydisk(const char *device)
{
    char *argv[] = { "e2fsck", "-p", (char *)device, NULL };

    if (access(E2FSCK, X_OK) < 0)
        return -ENOENT;
    bool was_open = keydisk_was_left_open(device);
    int status = process_run_status(E2FSCK, argv, true);
    if (status < 0)
        return status;
    /* e2fsck: 0 clean, 1 errors corrected, 2 corrected (reboot advised for a mounted root,
     * not us); 4 and up: left uncorrected, or e2fsck itself failed. */
    return status > 2 ? -EUCLEAN : status > 0 || was_open ? 1 : 0;
}

/* The keydisk file on the card as a block device over its own sectors (blockmap.h), so the
 * card stays read-only.  Returns the open device fd (hold it until mounted) or -errno
 * (-EXDEV: the file is in pieces). */
static int map_keydisk_file(const char *path, const char *card_device, char *ret_device, size_t size)
{
    _cleanup_(blockmap_done) struct blockmap map = { 0 };

    _cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    _cleanup_close_ int card_fd = open(card_device, O_RDONLY | O_CLOEXEC);
    if (card_fd < 0)
        return -errno;
    int r = blockmap_of_file(fd, card_fd, &map);
    if (r < 0)
        return r;
    return blockmap_attach(card_device, &map, ret_device, size);
}

/* kd.img in pieces (or a filesystem that cannot say where its blocks are): reach it
 * through vfat as hopboot always did, which needs the card read-write while the OS runs. */
static int open_keydisk_through_card(const char *path, struct keydisk_outcome *out, char *ret_device, size_t size)
{
    int r = mount(NULL, CARD_DIR, NULL, MS_REMOUNT | MS_NOATIME | MOUNT_UNTRUSTED, NULL) < 0 ? -errno : 0;
    if (r < 0)
        return r;
    out->card_writable = true;
    _cleanup_close_ int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    return mount_loop_attach(fd, 0, 0, false, ret_device, size);
}

/* Find the keydisk KEYDISK (a path on the card or a device spec) and its block device, into
 * RET_DEVICE.  *RET_HOLD gets an fd to hold until the keydisk is mounted (-1: none needed).
 * Returns 0 or -errno. */
static int find_keydisk(const char *keydisk, const char *card_device, struct keydisk_outcome *out, char *ret_device,
                        size_t size, int *ret_hold)
{
    _cleanup_free_ char *device = NULL, *path = NULL;

    *ret_hold = -1;
    if (devices_is_spec(keydisk)) {
        int r = wait_for_device(keydisk, &device);
        if (r < 0)
            return r;
        snprintf(ret_device, size, "%s", device);
        return 0;
    }
    if (!card_device)
        return -ENOENT;
    if (asprintf(&path, CARD_DIR "/%s", keydisk) < 0)
        return -ENOMEM;
    if (access(path, F_OK) < 0)
        return -errno;
    int fd = map_keydisk_file(path, card_device, ret_device, size);
    if (fd == -EXDEV || fd == -ENOTTY) {
        log_warning("keydisk %s is not in one piece on the card: reaching it through the card, which stays "
                    "writable while the OS runs",
                    keydisk);
        fd = open_keydisk_through_card(path, out, ret_device, size);
    }
    if (fd < 0)
        return fd;
    *ret_hold = fd;
    return 0;
}

/* Check and mount the keydisk at KEYDISK_DIR with upper/ and work/ in it.  Fills OUT.
 * Returns 0 or -errno (-EMEDIUMTYPE: no filesystem, -EPROTOTYPE: not ext2/3/4, -EUCLEAN:
 * e2fsck could not repair it). */
static int attach_keydisk(const char *keydisk, const char *card_device, struct keydisk_outcome *out)
{
    _cleanup_close_ int hold = -1;
    char device[64];

    int r = find_keydisk(keydisk, card_device, out, device, sizeof(device), &hold);
    if (r < 0)
        return r;
    r = check_keydisk_type(device);
    if (r < 0)
        return r;
    r = check_keydisk(device);
    out->checked = r == -ENOENT ? "not checked (no e2fsck in the hand-off)" : "e2fsck";
    if (r < 0 && r != -ENOENT)
        return r;
    out->state = r == 1 ? "repaired" : "mounted";
    if (r == 1)
        log_warning("keydisk %s was not cleanly unmounted: e2fsck repaired it", keydisk);
    if ((r = mount_device(device, KEYDISK_DIR, MS_NOATIME, NULL)) < 0)
        return r;
    if ((r = mount_mkdir_p(KEYDISK_DIR "/upper", 0755)) < 0 || (r = mount_mkdir_p(KEYDISK_DIR "/work", 0755)) < 0) {
        umount2(KEYDISK_DIR, MNT_DETACH);
        return r;
    }
    return 0;
}

static void mount_tmpfs_upper(void)
{
    (void)mount_mkdir_p(KEYDISK_DIR, 0755);
    (void)mount("tmpfs", KEYDISK_DIR, "tmpfs", 0, "mode=0755");
    (void)mount_mkdir_p(KEYDISK_DIR "/upper", 0755);
    (void)mount_mkdir_p(KEYDISK_DIR "/work", 0755);
}

/* Why the keydisk cannot be used, in words, into BUF. */
static void keydisk_error(int r, char *buf, size_t size)
{
    if (r == -EMEDIUMTYPE)
        snprintf(buf, size, "no filesystem recognised");
    else if (r == -EPROTOTYPE)
        snprintf(buf, size, "not an ext2/ext3/ext4 filesystem");
    else if (r == -EUCLEAN)
        snprintf(buf, size, "e2fsck cannot repair it");
    else if (r == -EILSEQ)
        snprintf(buf, size, "its blocks on the card could not be mapped");
    else
        snprintf(buf, size, "%s", strerror(-r));
}

/* The overlay's upper layer: the keydisk, or a tmpfs after one line saying why not.  The
 * keydisk file itself is never touched when it cannot be used. */
static void mount_upper(const char *keydisk, const char *card_device, struct keydisk_outcome *out)
{
    out->checked = "not checked";
    if (strcmp(keydisk, "none") == 0) {
        out->state = "none";
        log_info("no keydisk (hopboot.keydisk=none), changes will not persist (tmpfs overlay)");
    } else {
        int r = attach_keydisk(keydisk, card_device, out);
        if (r >= 0) {
            out->persistent = true;
            return;
        }
        keydisk_error(r, out->reason, sizeof(out->reason));
        const char *why = out->reason;
        if (r == -ENOENT || r == -ENODEV) {
            out->state = "missing";
            log_warning("keydisk %s not found, changes will not persist (tmpfs overlay)", keydisk);
        } else {
            out->state = "refused";
            log_warning("keydisk %s does not mount (%s), changes will not persist (tmpfs overlay)", keydisk, why);
        }
    }
    mount_tmpfs_upper();
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

/* Mount the card read-only at CARD_DIR.  Returns its device (malloc'd), or NULL when it is
 * not there; without it a fetched image still boots (no keydisk), an image on the card
 * does not. */
static char *mount_card(const struct handoff *h, bool image_in_ram)
{
    _cleanup_free_ char *card = NULL;
    int r;

    if (strcmp(h->card, "none") == 0)
        return NULL;
    if ((r = wait_for_device(h->card, &card)) < 0 ||
        (r = mount_device(card, CARD_DIR, MS_RDONLY | MS_NOATIME | MOUNT_UNTRUSTED, NULL)) < 0) {
        if (!image_in_ram)
            fail(h->label, "the card %s %s", h->card,
                 r == -ENODEV ? "did not appear" : r == -ENOTUNIQ ? "is not one device" : "does not mount");
        log_warning("the card %s %s, so no keydisk", h->card,
                    r == -ENODEV ? "did not appear" : r == -ENOTUNIQ ? "is not one device" : "does not mount");
        return NULL;
    }
    return TAKE_PTR(card);
}

/* hopboot.overlay=: the tarball stage 1 fetched goes onto the root, so into its upper
 * layer (the keydisk or the tmpfs).  Done before the card is shown in the root, with tar
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

/* Show hopboot's mount SOURCE at PATH in the OS, a bind mount of its own: the OS may
 * unmount it (systemd does at shutdown) while SOURCE stays for /run/initramfs/shutdown.
 * Returns 0 or -errno. */
static int show_in_root(const char *source, const char *path)
{
    char target[256];

    snprintf(target, sizeof(target), ROOT_DIR "%s", path);
    int r = mount_mkdir_p(target, 0755);
    if (r < 0)
        return r;
    return mount(source, target, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
}

/* /run/hopboot/status: what booted and what became of the keydisk, for the OS to read
 * (an appliance's UI can warn that changes will not persist). */
static void write_status(const struct handoff *h, const struct keydisk_outcome *k)
{
    _cleanup_free_ char *text = NULL;

    int n = asprintf(&text,
                     "image=%s\nfile=%s\nfrom=%s\nsha1=%s\nkeydisk=%s\nkeydisk_state=%s\nkeydisk_check=%s\n"
                     "keydisk_reason=%s\nupper=%s\ncard=%s\n",
                     h->label, h->image, h->from, h->sha1, h->keydisk, k->state, k->checked, k->reason,
                     k->persistent ? "keydisk" : "tmpfs", k->card_writable ? "read-write" : "read-only");
    if (n < 0 || mount_mkdir_p("/run/hopboot", 0755) < 0)
        return;
    _cleanup_close_ int fd = open(STATUS_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || fileio_write_all(fd, text, (size_t)n) < 0)
        log_warning("cannot write " STATUS_FILE " (%s)", strerror(errno));
}

/* Whether INIT (a path in the OS's root at ROOT_DIR) is systemd, following its symlinks
 * inside that root (Debian: /sbin/init -> /lib/systemd/systemd). */
static bool init_is_systemd(const char *init)
{
    char path[PATH_MAX];

    if (fileio_resolve_in_root(ROOT_DIR, init, path, sizeof(path)) < 0)
        return false;
    const char *base = strrchr(path, '/');
    return strcmp(base ? base + 1 : path, "systemd") == 0;
}

/* hopboot.keydisk=WHERE,required: the OS must not run without its keydisk.  A shell on the
 * console (busybox, which stage 1 put in the hand-off for this) to look and repair with;
 * leaving it reboots. */
static void keydisk_rescue(const struct handoff *h, const char *place, const struct keydisk_outcome *k)
    __attribute__((noreturn));
static void keydisk_rescue(const struct handoff *h, const char *place, const struct keydisk_outcome *k)
{
    char *argv[] = { "sh", NULL };
    const char *why = k->reason[0] ? k->reason : k->state;

    log_error("keydisk %s is required (hopboot.keydisk=%s) and cannot be used (%s): starting a rescue shell, "
              "leaving it reboots",
              place, h->keydisk, why);
    int r = process_run_status("/" HANDOFF_BUSYBOX_PATH, argv, false);
    if (r < 0)
        fail(h->label, "the required keydisk %s cannot be used, and there is no rescue shell (%s)", place,
             strerror(-r));
    sync();
    reboot(RB_AUTOBOOT);
    for (;;)
        pause();
}

static void build_root(const struct handoff *h, const char *init)
{
    _cleanup_free_ char *image = NULL, *card = NULL, *place = NULL;
    struct keydisk_outcome keydisk = { .state = "none", .checked = "not checked" };
    bool in_ram = h->image[0] == '/';
    bool required = cmdline_keydisk_required(h->keydisk, &place);

    card = mount_card(h, in_ram);
    if (!place || asprintf(&image, "%s%s", in_ram ? "" : CARD_DIR "/", h->image) < 0)
        fail(h->label, "%s", "out of memory");
    int r = mount_image(image, LOWER_DIR, true, NULL);
    if (r < 0)
        fail(h->label, "the image does not mount (%s)", strerror(-r));
    if (card || devices_is_spec(place))
        mount_upper(place, card, &keydisk);
    else {
        log_info("no card, so no keydisk: changes will not persist (tmpfs overlay)");
        keydisk.state = "missing";
        snprintf(keydisk.reason, sizeof(keydisk.reason), "no card");
        mount_tmpfs_upper();
    }
    r = mount_overlay(LOWER_DIR, KEYDISK_DIR "/upper", KEYDISK_DIR "/work", ROOT_DIR);
    if (r < 0 && keydisk.persistent) {
        /* The keydisk mounted but overlayfs will not use it (e.g. an ext2 without
         * d_type): losing persistence beats a machine that reboots forever. */
        log_warning("keydisk %s cannot be the overlay's upper layer (%s), changes will not persist (tmpfs overlay)",
                    place, strerror(-r));
        (void)umount2(KEYDISK_DIR, MNT_DETACH);
        mount_tmpfs_upper();
        keydisk.persistent = false;
        keydisk.state = "refused";
        snprintf(keydisk.reason, sizeof(keydisk.reason), "%s", strerror(-r));
        r = mount_overlay(LOWER_DIR, KEYDISK_DIR "/upper", KEYDISK_DIR "/work", ROOT_DIR);
    }
    if (r < 0)
        fail(h->label, "the overlay root does not mount (%s)", strerror(-r));
    if (required && !keydisk.persistent)
        keydisk_rescue(h, place, &keydisk);
    if (h->overlay)
        unpack_overlay(h);
    /* The card stays reachable from the OS, e.g. to copy an upgrade onto it (after
     * mount -o remount,rw), and the keydisk, to see what the OS changed. */
    if (card && (r = show_in_root(CARD_DIR, CARD_VISIBLE)) < 0)
        log_warning("the card is not visible at " CARD_VISIBLE " in the OS (%s)", strerror(-r));
    if (keydisk.persistent && (r = show_in_root(KEYDISK_DIR, KEYDISK_VISIBLE)) < 0)
        log_warning("the keydisk is not visible at " KEYDISK_VISIBLE " in the OS (%s)", strerror(-r));
    write_status(h, &keydisk);
    /* systemd hands its shutdown to /run/initramfs/shutdown; any other init gets the keeper
     * on the keydisk's visible mount, which its umount -a -r (and Debian's umountfs, which
     * spares the mounts listed before /) then finds busy and remounts read-only. */
    bool keeper = keydisk.persistent && !init_is_systemd(init);
    r = shutdown_install(keeper ? ROOT_DIR KEYDISK_VISIBLE : NULL);
    if (r < 0)
        log_warning("cannot leave the shutdown program at " SHUTDOWN_PROGRAM " (%s): the OS's shutdown may leave "
                    "the keydisk and the card unclean",
                    strerror(-r));
    const char *what = in_ram ? h->label : h->image;
    const char *where = in_ram ? " (in RAM)" : "";
    if (keydisk.persistent)
        log_info("root is %s%s + keydisk %s", what, where, place);
    else
        log_info("root is %s%s + tmpfs", what, where);
}

int main(int argc, char **argv)
{
    _cleanup_free_ char *text = NULL;
    struct handoff h;
    size_t len;

    (void)mount_early();
    if (shutdown_is_invoked(argv[0]))
        return shutdown_main(argc, argv);
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
    const char *init = init_path();
    build_root(&h, init);
    argv[0] = (char *)init;
    r = switchroot(ROOT_DIR, init, argv);
    fail(h.label, "cannot start the OS's init (%s)", strerror(-r));
}
