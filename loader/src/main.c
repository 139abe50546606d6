/* main.c - hopboot, stage 1: PID 1 of the loader kernel.
 *
 * The boot pipeline, top to bottom: early mounts, command line, mount the card, then each
 * source of hopboot.src= in order (the card's images here, network sources in
 * netsource.c), each trying its candidates newest first through pipeline.c, which says in
 * one line why a candidate cannot boot and kexecs the first that loads.  When nothing
 * boots, a rescue shell.  These three files alone decide between next image, rescue shell
 * and kexec; none of them exits while hopboot is PID 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aoe.h"
#include "boot.h"
#include "card.h"
#include "cleanup.h"
#include "cmdline.h"
#include "fileio.h"
#include "image.h"
#include "kmodules.h"
#include "log.h"
#include "md.h"
#include "mount.h"
#include "netsource.h"
#include "pipeline.h"
#include "progress.h"
#include "rescue.h"
#include "scan.h"
#include "select.h"
#include "state.h"
#include "status.h"
#include "trust.h"
#include "url.h"

#ifndef HOPBOOT_DEFAULT_NAME
#define HOPBOOT_DEFAULT_NAME "Demo"
#endif
#ifndef HOPBOOT_VERSION
#define HOPBOOT_VERSION "0"
#endif

/* stdin/stdout/stderr on the console: the kernel found no /dev/console in our initramfs
 * (it is built without root, so without device nodes) until devtmpfs was mounted. */
static void setup_console(void)
{
    int fd = open("/dev/console", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return;
    for (int i = 0; i < 3; i++)
        dup2(fd, i); /* dup2 clears O_CLOEXEC on the copies */
    if (fd > 2)
        close(fd);
}

static void read_config(struct config *config)
{
    _cleanup_free_ char *text = NULL;

    if (fileio_read_file(AT_FDCWD, "/proc/cmdline", 65536, &text, NULL) < 0)
        log_warning("cannot read /proc/cmdline, using defaults");
    if (cmdline_parse(text ? text : "", HOPBOOT_DEFAULT_NAME, config) < 0) {
        log_error("out of memory parsing the command line, using defaults");
        if (cmdline_parse("", HOPBOOT_DEFAULT_NAME, config) < 0)
            rescue_shell(HOPBOOT_MIN_VERIFY == VERIFY_SIGNED);
    }
    log_set_level(config->log_level);
    for (size_t i = 0; i < config->n_warnings; i++)
        log_warning("%s", config->warnings[i]);
}

#define CARD_RAM_IMAGE BOOT_RUN_DIR "/card-image.img"

static int obtain_from_card(void *ctx, struct image *image, char *path, size_t path_size, char *reason,
                            size_t reason_size)
{
    struct run *run = ctx;
    bool in_ram = run->trust.mode == VERIFY_SIGNED;
    struct progress progress;

    if (in_ram)
        snprintf(path, path_size, "%s", CARD_RAM_IMAGE);
    else
        snprintf(path, path_size, "%s/%s", run->card.dir, image->file);
    progress_begin(&progress, image->file, "verifying");
    run->trust.progress = progress_callback;
    run->trust.progress_userdata = &progress;
    int r = trust_check_card(&run->trust, &run->card, image, in_ram ? CARD_RAM_IMAGE : NULL,
                             in_ram ? pipeline_ram_limit() : 0, reason, reason_size);
    run->trust.progress = NULL;
    progress_end(&progress);
    return r;
}

/* hopboot.verify=signed: the keys built into the initramfs. */
static void load_trusted_keys(struct run *run)
{
    int r = minisign_load_keys(AT_FDCWD, TRUST_KEYS_DIR, &run->trust.keys, &run->trust.n_keys);
    if (r < 0)
        log_error("hopboot.verify=signed: cannot load the trusted keys in " TRUST_KEYS_DIR " (%s)",
                  r == -EBADMSG ? "a file there is not a minisign public key" : strerror(-r));
    else if (run->trust.n_keys == 0)
        log_error("hopboot.verify=signed: no trusted keys in " TRUST_KEYS_DIR ", so no image can boot");
    else
        log_info("hopboot.verify=signed: %zu trusted key%s", run->trust.n_keys, run->trust.n_keys == 1 ? "" : "s");
}

/* Trial boots write to the card: make sure first that its filesystem is clean.  The OS
 * keeps the card read-only, so a clean dirty flag means nothing is left half-written and
 * fsck.fat is skipped (on the 64 MiB demo card it costs no measurable time under TCG;
 * it reads the whole FAT and directory tree, so it grows with the card).  A card a power cut left dirty is
 * repaired; one fsck.fat cannot repair still boots, read-only. */
static void check_card(struct run *run)
{
    if (card_is_dirty(run->card_device) == 0) {
        run->card_writable = true;
        return;
    }
    int r = card_check(run->card_device, BOOT_CARD_DIR);
    if (r == 1)
        log_warning("card %s was not cleanly unmounted: fsck.fat repaired it", run->card_device);
    else if (r == -EUCLEAN)
        log_warning("card %s: fsck.fat cannot repair its filesystem; not writing to it (no trial boot counting)",
                    run->card_device);
    else if (r == -ENOENT)
        log_warning("card %s: no fsck.fat in the initramfs; not writing to it (no trial boot counting)",
                    run->card_device);
    else if (r < 0)
        log_warning("card %s: cannot check its filesystem (%s); not writing to it (no trial boot counting)",
                    run->card_device, strerror(-r));
    run->card_writable = r >= 0;
}

static void load_state(struct run *run)
{
    int r = state_load(run->card.dirfd, &run->state);
    trust_set_floor(&run->trust, run->state.floor);
    run->trust.overlay_floor = run->state.overlay_serial;
    if (r == -EBADMSG)
        log_warning("the boot state on the card (" STATE_DIR "/state.a, state.b) is damaged in both copies, "
                    "starting afresh: every image is on trial again");
    else if (r < 0 && r != -ENOENT)
        log_warning("cannot read the boot state on the card (%s), starting afresh", strerror(-r));
}

/* Mount the card when there is one, waiting at most WAIT_S seconds. */
static void mount_card(struct run *run, unsigned wait_s, bool required)
{
    _cleanup_free_ char *uuid = NULL, *other = NULL;

    run->card = (struct boot_source){ .dirfd = -1, .dir = BOOT_CARD_DIR, .card_spec = "none" };
    int r = card_mount(run->config->card, wait_s, BOOT_CARD_DIR, &run->card_device, &uuid, &other);
    if (r == -ENOTUNIQ) {
        /* Refused even when not required: a second card may be an impostor with its own
         * state, keydisk and CA file. */
        if (run->config->card)
            log_error("hopboot.card=%s matches both %s and %s: not guessing which is the card", run->config->card,
                      run->card_device, other);
        else
            log_error("two boot cards, %s and %s, both hold syslinux.cfg: not guessing which (hopboot.card= names "
                      "one)",
                      run->card_device, other);
        free(run->card_device);
        run->card_device = NULL;
        return;
    }
    if (r < 0) {
        if (required && r == -ENODEV)
            log_error("no boot card found within %u s (%s%s)", wait_s,
                      run->config->card ? "looked for " : "looked for a vfat partition holding syslinux.cfg",
                      run->config->card ? run->config->card : "");
        else if (required && run->config->card)
            log_error("cannot mount the boot card %s (%s)", run->config->card, strerror(-r));
        else if (required)
            log_error("cannot look for the boot card (%s)", strerror(-r));
        return;
    }
    log_info("card %s mounted read-only", run->card_device);
    if (run->config->tries > 0)
        check_card(run);
    /* Stage 2 finds the card again by filesystem UUID: device names may differ under the
     * image's kernel. */
    if (asprintf(&run->card_spec, uuid ? "UUID=%s" : "%s", uuid ? uuid : run->card_device) < 0)
        return;
    run->card.dirfd = open(BOOT_CARD_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    run->card.device = run->card_device;
    run->card.card_spec = run->card_spec;
    if (run->card.dirfd >= 0)
        load_state(run);
}

static void boot_from_card(struct run *run)
{
    struct image *images = NULL;
    struct scan_ignored *ignored = NULL;
    size_t n = 0, n_ignored = 0;

    if (run->card.dirfd < 0) {
        log_error("no card to boot from");
        return;
    }
    int r = scan_directory_report(run->card.dirfd, run->config->name, &images, &n, &ignored, &n_ignored);
    for (size_t i = 0; r >= 0 && i < n_ignored; i++)
        log_warning("%s: %s, ignored", ignored[i].file, ignored[i].reason);
    scan_ignored_free_array(ignored, n_ignored);
    if (r < 0)
        log_error("cannot list the card (%s)", strerror(-r));
    else if (n == 0)
        log_error("no %s-X.Y.Z.img image on the card", run->config->name);
    else {
        select_order(images, n);
        pipeline_log_candidates("candidates:", images, n);
        struct obtain obtain = {
            .fn = obtain_from_card,
            .ctx = run,
            .in_ram = run->trust.mode == VERIFY_SIGNED,
            .trial = true,
            .checked = trust_checked(&run->trust),
            .source = "card",
        };
        pipeline_boot_newest(run, &obtain, images, n);
    }
    image_free_array(images, n);
}

#define BLOCK_SOURCE_DIR BOOT_RUN_DIR "/source"
#define BLOCK_RAM_IMAGE BOOT_RUN_DIR "/source-image.img"

/* A block source's image is verified into RAM in one pass: stage 2 then needs neither
 * the device nor a driver for it (USB, SD, AoE, md) in the image's kernel, and the
 * device may go away once the OS runs. */
static int obtain_from_block(void *ctx, struct image *image, char *path, size_t path_size, char *reason,
                             size_t reason_size)
{
    struct run *run = ctx;
    struct progress progress;

    snprintf(path, path_size, "%s", BLOCK_RAM_IMAGE);
    progress_begin(&progress, image->file, "verifying");
    run->trust.progress = progress_callback;
    run->trust.progress_userdata = &progress;
    int r = trust_check_card(&run->trust, &run->block, image, BLOCK_RAM_IMAGE, pipeline_ram_limit(), reason,
                             reason_size);
    run->trust.progress = NULL;
    progress_end(&progress);
    return r;
}

/* hopboot.src=LABEL=x, UUID=x or /dev/x: wait for the device, mount it read-only (any
 * filesystem the kernel knows), and try its images like the card's, in RAM and without
 * trial counting (the boot state lives on the card). */
static void boot_from_block(struct run *run, const char *spec)
{
    _cleanup_free_ char *device = NULL, *uuid = NULL, *other = NULL;
    struct image *images = NULL;
    struct scan_ignored *ignored = NULL;
    size_t n = 0, n_ignored = 0;

    (void)mount_mkdir_p(BLOCK_SOURCE_DIR, 0700);
    int r = card_mount(spec, run->config->wait_seconds, BLOCK_SOURCE_DIR, &device, &uuid, &other);
    if (r == -ENOTUNIQ) {
        log_error("%s: matches both %s and %s: not guessing which", spec, device, other);
        return;
    }
    if (r == -ENODEV) {
        log_error("%s: no such device appeared within %u s", spec, run->config->wait_seconds);
        return;
    }
    if (r < 0) {
        log_error("%s: does not mount (%s)", spec,
                  r == -EMEDIUMTYPE ? "no filesystem recognised" : strerror(-r));
        return;
    }
    log_info("%s: %s mounted read-only", spec, device);
    run->block = (struct boot_source){
        .dirfd = open(BLOCK_SOURCE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC),
        .dir = BLOCK_SOURCE_DIR,
        .device = device,
        .card_spec = "none",
    };
    r = run->block.dirfd < 0 ? -errno
                             : scan_directory_report(run->block.dirfd, run->config->name, &images, &n, &ignored,
                                                     &n_ignored);
    for (size_t i = 0; r >= 0 && i < n_ignored; i++)
        log_warning("%s: %s, ignored", ignored[i].file, ignored[i].reason);
    scan_ignored_free_array(ignored, n_ignored);
    if (r < 0)
        log_error("%s: cannot list %s (%s)", spec, device, strerror(-r));
    else if (n == 0)
        log_error("%s: no %s-X.Y.Z.img image on %s", spec, run->config->name, device);
    else {
        for (size_t i = 0; i < n; i++)
            if (!(images[i].url = strdup(spec))) {
                log_error("%s: out of memory", spec);
                goto out;
            }
        struct obtain obtain = {
            .fn = obtain_from_block,
            .ctx = run,
            .in_ram = true,
            .checked = trust_checked(&run->trust),
            .source = spec,
        };
        select_order(images, n);
        pipeline_log_candidates("candidates:", images, n);
        pipeline_boot_newest(run, &obtain, images, n);
    }
out:
    image_free_array(images, n);
    if (run->block.dirfd >= 0)
        close(run->block.dirfd);
    run->block = (struct boot_source){ .dirfd = -1 };
    (void)umount2(BLOCK_SOURCE_DIR, MNT_DETACH);
}

/* Each source of hopboot.src= in order; after network sources only, the card too. */
static void boot_from_sources(struct run *run)
{
    struct url *sources = NULL;
    size_t n = 0;
    bool card_listed = false, block_listed = false;

    if (url_parse_list(run->config->src, &sources, &n) < 0) {
        log_error("hopboot.src=%s: not a list of card, LABEL=, UUID=, /dev/ and http, https, ftp, tftp or nfs URLs; "
                  "using the card",
                  run->config->src);
        mount_card(run, run->config->wait_seconds, true);
        boot_from_card(run);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        card_listed |= sources[i].scheme == URL_CARD;
        block_listed |= sources[i].scheme == URL_BLOCK;
    }
    /* A card only serves the keydisk when images come from elsewhere: do not wait long. */
    mount_card(run, card_listed ? run->config->wait_seconds : 3, card_listed);
    for (size_t i = 0; i < n; i++) {
        if (sources[i].scheme == URL_CARD)
            boot_from_card(run);
        else if (sources[i].scheme == URL_BLOCK)
            boot_from_block(run, sources[i].text);
        else
            netsource_boot(run, &sources[i]);
    }
    if (!card_listed && run->card.dirfd >= 0) {
        if (block_listed)
            log_warning("no source of hopboot.src= booted, trying the card's images");
        else
            log_warning("every network source failed, trying the card's images");
        boot_from_card(run);
    }
    url_free_array(sources, n);
}

/* The N words of WORDS joined by SEPARATOR into BUF (cut short when it does not fit). */
static const char *join(char *const *words, size_t n, const char *separator, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < size; i++) {
        int w = snprintf(buf + len, size - len, "%s%s", i ? separator : "", words[i]);
        len += w > 0 ? (size_t)w : 0;
    }
    return buf;
}

/* hopboot.aoe=: discovery on the named interfaces, bounded by hopboot.wait=. */
static void start_aoe(const struct config *config)
{
    static const char *const modules[] = { "aoe" };
    struct aoe_found found;
    char targets[512], ifaces[256];

    (void)kmodules_load(modules, ELEMENTSOF(modules));
    int r = aoe_discover("", config->aoe, config->wait_seconds * 1000, 1000, &found);
    if (r == -ENOENT) {
        log_error("hopboot.aoe=%s: the loader kernel has no AoE driver (aoe)", config->aoe);
        return;
    }
    if (r < 0) {
        log_error("hopboot.aoe=%s: AoE discovery failed (%s)", config->aoe, strerror(-r));
        return;
    }
    for (size_t i = 0; i < found.n_missing; i++)
        log_error("hopboot.aoe=%s: no such interface", found.missing[i]);
    join(found.used, found.n_used, ",", ifaces, sizeof(ifaces));
    if (found.n_used > 0 && found.n_targets == 0)
        log_error("AoE: no target answered on %s within %u s", ifaces, config->wait_seconds);
    else if (found.n_used > 0)
        log_info("AoE: %s found on %s (%.1f s)", join(found.targets, found.n_targets, " ", targets, sizeof(targets)),
                 ifaces, found.seconds);
    aoe_found_done(&found);
}

/* hopboot.md=auto: every array mdadm can start, degraded ones too. */
static void start_md(void)
{
    static const char *const modules[] = { "md_mod", "raid0", "raid1", "raid10" };
    _cleanup_free_ struct md_array *arrays = NULL;
    size_t n = 0;

    (void)kmodules_load(modules, ELEMENTSOF(modules));
    int r = md_assemble(MD_MDADM, "", &arrays, &n);
    if (r == -ENODEV)
        log_error("hopboot.md=auto: the loader kernel has no md driver (md_mod)");
    else if (r == -ENOENT)
        log_error("hopboot.md=auto: no " MD_MDADM " in the initramfs");
    else if (r < 0)
        log_error("hopboot.md=auto: cannot run " MD_MDADM " (%s)", strerror(-r));
    else if (n == 0)
        log_warning("hopboot.md=auto: mdadm found no array");
    for (size_t i = 0; i < n; i++) {
        const struct md_array *a = &arrays[i];
        if (!a->running)
            log_error("md: %s found but not started: too few of its disks are here", a->device);
        else if (a->working < a->disks)
            log_warning("md: %s assembled (%s, degraded: %u of %u disks)", a->device, a->level, a->working, a->disks);
        else
            log_info("md: %s assembled (%s, %u disks)", a->device, a->level, a->disks);
    }
}

/* Block devices that need bringing up before any source is looked at: AoE targets, then
 * the software RAID arrays that may be built from them. */
static void start_block_devices(const struct config *config)
{
    if (config->aoe)
        start_aoe(config);
    if (config->md_auto)
        start_md();
}

static int loader_main(void)
{
    struct config config;
    struct run run = { .config = &config, .block = { .dirfd = -1 } };

    clock_gettime(CLOCK_MONOTONIC, &run.start);
    /* The kernel starts init without PATH; the helpers we run (udhcpc's script) need one. */
    setenv("PATH", "/sbin:/bin:/usr/sbin:/usr/bin", 0);
    int r = mount_early();
    setup_console();
    log_setup("hopboot", LOG_TARGET_CONSOLE);
    if (r < 0)
        log_warning("early mounts incomplete (%s)", strerror(-r));
    (void)mount_mkdir_p(BOOT_RUN_DIR, 0700);
    read_config(&config);
    run.trust = (struct trust){ .mode = config.verify, .name = config.name };
    if (config.verify == VERIFY_SIGNED)
        load_trusted_keys(&run);
    log_info("hopboot %s, looking for %s images", HOPBOOT_VERSION, config.name);
    start_block_devices(&config);

    if (config.rescue)
        log_info("rescue shell requested (hopboot.rescue)");
    else {
        boot_from_sources(&run);
        /* A root file system tarball on the card may become the image that boots. */
        if (rescue_offer_install(&run))
            boot_from_card(&run);
        log_error("no bootable image %s, starting rescue shell",
                  strcmp(config.src, "card") == 0 ? "on the card" : "from any source");
    }
    bool signed_mode = config.verify == VERIFY_SIGNED;
    trust_done(&run.trust);
    config_done(&config);
    rescue_shell(signed_mode);
}

static int usage(FILE *out)
{
    fprintf(out, "Usage: hopboot [--help|--version]\n"
                 "       hopboot status [--json] [options] [DIR|URL]\n\n"
                 "hopboot is a boot loader: it runs as PID 1 (/init) of the loader initramfs,\n"
                 "finds the newest verified NAME-X.Y.Z.img on the boot card and kexecs it.\n"
                 "'hopboot status' shows, on a workstation, what it would do with a card or a\n"
                 "network source (hopboot status --help).  See hopboot(8).\n");
    return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (getpid() == 1)
        return loader_main();

    log_setup("hopboot", LOG_TARGET_STDERR);
    if (argc >= 2 && strcmp(argv[1], "status") == 0)
        return status_main(argc - 1, argv + 1);
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("hopboot %s\n", HOPBOOT_VERSION);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--help") == 0)
        return usage(stdout);
    return usage(stderr);
}
