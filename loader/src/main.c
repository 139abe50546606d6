/* main.c - hopboot, stage 1: PID 1 of the loader kernel.
 *
 * The boot pipeline, top to bottom: early mounts, command line, find and mount the card,
 * list its images newest first, and for each one check, prepare and kexec it; say in one
 * line why each candidate that cannot boot was passed over.  When nothing boots, a rescue
 * shell.  This file alone decides between next image, rescue shell and kexec; it never
 * exits while it is PID 1. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "boot.h"
#include "card.h"
#include "cleanup.h"
#include "cmdline.h"
#include "fileio.h"
#include "image.h"
#include "kexec.h"
#include "log.h"
#include "mount.h"
#include "rescue.h"
#include "scan.h"
#include "select.h"

#ifndef HOPBOOT_DEFAULT_NAME
#define HOPBOOT_DEFAULT_NAME "Demo"
#endif
#ifndef HOPBOOT_VERSION
#define HOPBOOT_VERSION "0"
#endif

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

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
            rescue_shell();
    }
    log_set_level(config->log_level);
    for (size_t i = 0; i < config->n_warnings; i++)
        log_warning("%s", config->warnings[i]);
}

static void log_candidates(const struct image *images, size_t n)
{
    char line[900];
    size_t len = 0;

    line[0] = '\0';
    for (size_t i = 0; i < n && len < sizeof(line); i++)
        len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", images[i].file);
    log_info("candidates:%s", line);
}

/* Try each image in order; returns only when none could be loaded. */
static void boot_newest(const struct config *config, const struct boot_source *src, struct image *images, size_t n,
                        const struct timespec *start)
{
    for (size_t i = 0; i < n; i++) {
        struct boot_loaded loaded;
        char reason[512];

        if (boot_prepare(config, src, &images[i], &loaded, reason, sizeof(reason)) < 0) {
            if (i + 1 < n)
                log_warning("%s: %s, trying %s", images[i].file, reason, images[i + 1].file);
            else
                log_warning("%s: %s, no more images", images[i].file, reason);
            continue;
        }
        if (loaded.used == KEXEC_METHOD_TOOLS && loaded.syscall_error)
            log_warning("kexec_file_load refused %s (%s), loaded it with kexec-tools instead", images[i].file,
                        strerror(-loaded.syscall_error));
        else if (loaded.used == KEXEC_METHOD_TOOLS)
            log_info("loaded %s with kexec-tools (hopboot.kexec=tools)", images[i].file);
        log_info("booting %s from %s (sha1 ok, %.1f s)", images[i].label, src->from, seconds_since(start));
        int r = kexec_execute();
        log_error("kexec into %s failed (%s)", images[i].label, strerror(-r));
        boot_release();
        return;
    }
}

static void boot_from_card(const struct config *config, const struct timespec *start)
{
    _cleanup_free_ char *device = NULL, *uuid = NULL, *spec = NULL;
    struct image *images = NULL;
    size_t n = 0;

    int r = card_mount(config->card, config->wait_seconds, BOOT_CARD_DIR, &device, &uuid);
    if (r < 0) {
        log_error("no boot card found within %u s (%s%s)", config->wait_seconds,
                  config->card ? "looked for " : "looked for a vfat partition holding syslinux.cfg",
                  config->card ? config->card : "");
        return;
    }
    log_info("card %s mounted read-only", device);
    /* Stage 2 finds the card again by filesystem UUID: device names may differ under the
     * image's kernel. */
    if (asprintf(&spec, uuid ? "UUID=%s" : "%s", uuid ? uuid : device) < 0)
        return;
    _cleanup_close_ int dirfd = open(BOOT_CARD_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0 || (r = scan_directory(dirfd, config->name, &images, &n)) < 0) {
        log_error("cannot list the card (%s)", strerror(dirfd < 0 ? errno : -r));
        return;
    }
    if (n == 0)
        log_error("no %s-X.Y.Z.img image on the card", config->name);
    else {
        select_order(images, n);
        log_candidates(images, n);
        struct boot_source src = {
            .dirfd = dirfd, .dir = BOOT_CARD_DIR, .device = device, .card_spec = spec, .from = "card",
        };
        boot_newest(config, &src, images, n, start);
    }
    image_free_array(images, n);
}

static int loader_main(void)
{
    struct timespec start;
    struct config config;

    clock_gettime(CLOCK_MONOTONIC, &start);
    int r = mount_early();
    setup_console();
    log_setup("hopboot", LOG_TARGET_CONSOLE);
    if (r < 0)
        log_warning("early mounts incomplete (%s)", strerror(-r));
    (void)mount_mkdir_p(BOOT_RUN_DIR, 0700);
    read_config(&config);
    log_info("hopboot %s, looking for %s images", HOPBOOT_VERSION, config.name);

    if (config.rescue)
        log_info("rescue shell requested (hopboot.rescue)");
    else {
        boot_from_card(&config, &start);
        log_error("no bootable image on the card, starting rescue shell");
    }
    config_done(&config);
    rescue_shell();
}

static int usage(FILE *out)
{
    fprintf(out, "Usage: hopboot [--help|--version]\n\n"
                 "hopboot is a boot loader: it runs as PID 1 (/init) of the loader initramfs,\n"
                 "finds the newest verified NAME-X.Y.Z.img on the boot card and kexecs it.\n"
                 "See hopboot(8).\n");
    return out == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
    if (getpid() == 1)
        return loader_main();

    log_setup("hopboot", LOG_TARGET_STDERR);
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("hopboot %s\n", HOPBOOT_VERSION);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--help") == 0)
        return usage(stdout);
    return usage(stderr);
}
