/* main.c - hopboot, stage 1: PID 1 of the loader kernel.
 *
 * The boot pipeline, top to bottom: early mounts, command line, find and mount the card,
 * list its images newest first, and for each one check, prepare and kexec it; say in one
 * line why each candidate that cannot boot was passed over.  When nothing boots, a rescue
 * shell.  This file alone decides between next image, rescue shell and kexec; it never
 * exits while it is PID 1. */
#include <errno.h>
#include <stdbool.h>
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
#include "net.h"
#include "netboot.h"
#include "rescue.h"
#include "scan.h"
#include "select.h"
#include "url.h"

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

static void log_candidates(const char *what, const struct image *images, size_t n)
{
    char line[900];
    size_t len = 0;

    line[0] = '\0';
    for (size_t i = 0; i < n && len < sizeof(line); i++)
        len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", images[i].file);
    log_info("%s%s", what, line);
}

/* What the pipeline knows while it works through the sources. */
struct run {
    const struct config *config;
    struct timespec start;
    struct boot_source card;  /* dirfd -1 when no card is mounted */
    char *card_device, *card_spec;
    bool net_up;
    struct net_info net;
};

/* How a candidate becomes a verified local file: on the card it is checked in place, from
 * the network it is fetched into RAM and checked in the same pass. */
struct obtain {
    int (*fn)(void *ctx, struct image *image, char *path, size_t path_size, char *reason, size_t reason_size);
    void *ctx;
    bool in_ram;
};

/* Try each image in order; returns only when none could be loaded. */
static void boot_newest(struct run *run, const struct obtain *obtain, struct image *images, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct boot_loaded loaded;
        char reason[512], path[512];
        const char *from = images[i].url ? images[i].url : "card";

        int r = obtain->fn(obtain->ctx, &images[i], path, sizeof(path), reason, sizeof(reason));
        if (r >= 0)
            r = boot_load(run->config, &run->card, &images[i], path, obtain->in_ram, from, &loaded, reason,
                          sizeof(reason));
        if (r < 0) {
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
        log_info("booting %s from %s (sha1 ok, %.1f s)", images[i].label, from, seconds_since(&run->start));
        r = kexec_execute();
        log_error("kexec into %s failed (%s)", images[i].label, strerror(-r));
        boot_release();
        return;
    }
}

static int obtain_from_card(void *ctx, struct image *image, char *path, size_t path_size, char *reason,
                            size_t reason_size)
{
    const struct boot_source *card = ctx;
    snprintf(path, path_size, "%s/%s", card->dir, image->file);
    return boot_verify_card(card, image, reason, reason_size);
}

struct progress {
    const char *file;
    struct timespec start;
    double last;
};

/* One plain line every few seconds: the serial console of an appliance is often a log,
 * where an updating line would be noise. */
static void show_progress(void *userdata, uint64_t done, uint64_t total)
{
    struct progress *p = userdata;
    double elapsed = seconds_since(&p->start);
    if (elapsed - p->last < 5.0)
        return;
    p->last = elapsed;
    double rate = (double)done / elapsed / 1048576.0;
    if (total > 0 && rate > 0)
        log_info("%s: %.1f of %.1f MiB, %.1f MiB/s, %.0f s left", p->file, (double)done / 1048576.0,
                 (double)total / 1048576.0, rate, (double)(total - done) / 1048576.0 / rate);
    else
        log_info("%s: %.1f MiB, %.1f MiB/s", p->file, (double)done / 1048576.0, rate);
}

static void show_retry(void *userdata, uint64_t done, bool resuming, unsigned delay_s, const char *why)
{
    struct progress *p = userdata;
    log_warning("%s: transfer broke off after %.1f MiB (%s), %s in %u s", p->file, (double)done / 1048576.0, why,
                resuming ? "resuming" : "starting over", delay_s);
}

static int obtain_from_network(void *ctx, struct image *image, char *path, size_t path_size, char *reason,
                               size_t reason_size)
{
    struct netboot_source *source = ctx;
    struct progress progress = { .file = image->file };

    clock_gettime(CLOCK_MONOTONIC, &progress.start);
    source->options.progress = show_progress;
    source->options.retrying = show_retry;
    source->options.userdata = &progress;
    snprintf(path, path_size, BOOT_RUN_DIR "/fetched.img");
    (void)unlink(path); /* a previous candidate's bytes must not count twice against RAM */
    int r = netboot_fetch(source, image, path, reason, reason_size);
    source->options.progress = NULL;
    source->options.retrying = NULL;
    struct stat st;
    if (r >= 0 && stat(path, &st) == 0) {
        double seconds = seconds_since(&progress.start);
        log_info("%s: %.1f MiB fetched and verified in %.1f s (%.1f MiB/s)", image->file,
                 (double)st.st_size / 1048576.0, seconds, (double)st.st_size / 1048576.0 / (seconds > 0 ? seconds : 1));
    }
    return r;
}

/* The largest image that can be fetched.  While it is handed over it exists four times:
 * the fetched file, its copy in the hand-off initramfs, and kexec_file_load's read buffer
 * and segment copy of that initramfs; the image's kernel is read twice by kexec too.
 * Keep 64 MiB for everything else and 64 MiB for that kernel.  (Measured: with 3 copies
 * assumed, a 224 MiB machine fetched an 11.6 MiB image and then ran out of memory.) */
static uint64_t max_image_size(void)
{
    _cleanup_free_ char *meminfo = NULL;
    unsigned long long available_kib = 0;

    if (fileio_read_file(AT_FDCWD, "/proc/meminfo", 65536, &meminfo, NULL) < 0)
        return 0;
    const char *line = strstr(meminfo, "MemAvailable:");
    if (!line || sscanf(line, "MemAvailable: %llu kB", &available_kib) != 1)
        return 0;
    uint64_t available = (uint64_t)available_kib * 1024, reserve = 128ull << 20;
    return available > reserve ? (available - reserve) / 4 : 1;
}

/* Mount the card when there is one, waiting at most WAIT_S seconds. */
static void mount_card(struct run *run, unsigned wait_s, bool required)
{
    _cleanup_free_ char *uuid = NULL;

    run->card = (struct boot_source){ .dirfd = -1, .dir = BOOT_CARD_DIR, .card_spec = "none" };
    int r = card_mount(run->config->card, wait_s, BOOT_CARD_DIR, &run->card_device, &uuid);
    if (r < 0) {
        if (required)
            log_error("no boot card found within %u s (%s%s)", wait_s,
                      run->config->card ? "looked for " : "looked for a vfat partition holding syslinux.cfg",
                      run->config->card ? run->config->card : "");
        return;
    }
    log_info("card %s mounted read-only", run->card_device);
    /* Stage 2 finds the card again by filesystem UUID: device names may differ under the
     * image's kernel. */
    if (asprintf(&run->card_spec, uuid ? "UUID=%s" : "%s", uuid ? uuid : run->card_device) < 0)
        return;
    run->card.dirfd = open(BOOT_CARD_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    run->card.device = run->card_device;
    run->card.card_spec = run->card_spec;
}

static void boot_from_card(struct run *run)
{
    struct image *images = NULL;
    size_t n = 0;

    if (run->card.dirfd < 0) {
        log_error("no card to boot from");
        return;
    }
    int r = scan_directory(run->card.dirfd, run->config->name, &images, &n);
    if (r < 0)
        log_error("cannot list the card (%s)", strerror(-r));
    else if (n == 0)
        log_error("no %s-X.Y.Z.img image on the card", run->config->name);
    else {
        select_order(images, n);
        log_candidates("candidates:", images, n);
        struct obtain obtain = { .fn = obtain_from_card, .ctx = &run->card, .in_ram = false };
        boot_newest(run, &obtain, images, n);
    }
    image_free_array(images, n);
}

static bool bring_up_network(struct run *run)
{
    struct net_static ip, *static_ip = NULL;
    char error[256];

    if (run->net_up)
        return true;
    if (run->config->ip) {
        if (net_parse_ip_param(run->config->ip, &ip) < 0)
            log_warning("ip=%s: not the kernel's ip= syntax, using DHCP", run->config->ip);
        else
            static_ip = &ip;
    }
    int r = net_up(run->config->netdev, static_ip, run->config->wait_seconds, &run->net, error, sizeof(error));
    if (r < 0) {
        log_error("network: %s", error);
        return false;
    }
    log_info("network: %s (%s) is %s", run->net.ifname, run->net.mac, run->net.ip);
    run->net_up = true;
    return true;
}
/* hopboot.ca= adds certificates to the initramfs bundle (libcurl takes one file): the two
 * are joined into BOOT_RUN_DIR/ca.pem.  A CA that cannot be read stops this source: going
 * on without it would only fail later with a less helpful line. */
static int trust_extra_ca(struct run *run, struct fetch_options *options)
{
    static const char joined[] = BOOT_RUN_DIR "/ca.pem";
    const char *ca = run->config->ca;
    char path[512];

    snprintf(path, sizeof(path), "%s%s%s", ca[0] == '/' ? "" : BOOT_CARD_DIR, ca[0] == '/' ? "" : "/", ca);
    _cleanup_close_ int extra = open(path, O_RDONLY | O_CLOEXEC);
    _cleanup_close_ int bundle = open(options->ca_file, O_RDONLY | O_CLOEXEC);
    _cleanup_close_ int out = open(joined, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    struct stat st;
    int r = extra < 0 || fstat(extra, &st) < 0 ? -errno : 0;
    if (r >= 0 && out < 0)
        r = -errno;
    if (r >= 0 && bundle >= 0) {
        struct stat bundle_st;
        r = fstat(bundle, &bundle_st) < 0 ? -errno : fileio_copy(bundle, out, (uint64_t)bundle_st.st_size);
    }
    if (r >= 0)
        r = fileio_copy(extra, out, (uint64_t)st.st_size);
    if (r < 0) {
        log_error("hopboot.ca=%s: cannot read %s (%s)", ca, path, strerror(-r));
        return r;
    }
    options->ca_file = joined;
    return 0;
}

/* Boot from one network source; returns when nothing there could be loaded. */
static void boot_from_url(struct run *run, const struct url *template)
{
    _cleanup_free_ char *text = NULL, *what = NULL;
    struct url_vars vars;
    struct url u;
    struct netboot_source source;
    struct fetch_options options;
    struct image *images = NULL;
    size_t n = 0;
    char error[256];

    if (!bring_up_network(run))
        return;
    vars = (struct url_vars){ run->net.mac, run->net.ip, run->net.hostname, run->net.uuid };
    int r = url_expand(template->text, &vars, &text);
    if (r < 0 || url_parse(text, &u) < 0) {
        log_error("%s: %s", template->text,
                  r == -ENODATA ? "uses a value this machine does not have" : "not a valid URL after expansion");
        return;
    }
    fetch_default_options(&options);
    options.max_size = max_image_size();
    if (run->config->ca && trust_extra_ca(run, &options) < 0)
        return;
    if ((r = netboot_list(&u, run->config->name, run->net.ip, &options, &source, &images, &n, error,
                          sizeof(error))) < 0)
        log_error("%s: %s", u.text, error);
    else {
        if (n == 0)
            log_error("%s: no %s-X.Y.Z.img image there", u.text, run->config->name);
        select_order(images, n);
        if (n > 0 && asprintf(&what, "candidates at %s:", u.text) >= 0)
            log_candidates(what, images, n);
        struct obtain obtain = { .fn = obtain_from_network, .ctx = &source, .in_ram = true };
        boot_newest(run, &obtain, images, n);
        image_free_array(images, n);
        netboot_done(&source);
    }
    url_done(&u);
}

/* Each source of hopboot.src= in order; after network sources only, the card too. */
static void boot_from_sources(struct run *run)
{
    struct url *sources = NULL;
    size_t n = 0;
    bool card_listed = false;

    if (url_parse_list(run->config->src, &sources, &n) < 0) {
        log_error("hopboot.src=%s: not a list of card and http, https, ftp, tftp or nfs URLs; using the card",
                  run->config->src);
        mount_card(run, run->config->wait_seconds, true);
        boot_from_card(run);
        return;
    }
    for (size_t i = 0; i < n; i++)
        card_listed |= sources[i].scheme == URL_CARD;
    /* A card only serves the keydisk when images come from the network: do not wait long. */
    mount_card(run, card_listed ? run->config->wait_seconds : 3, card_listed);
    for (size_t i = 0; i < n; i++) {
        if (sources[i].scheme == URL_CARD)
            boot_from_card(run);
        else
            boot_from_url(run, &sources[i]);
    }
    if (!card_listed && run->card.dirfd >= 0) {
        log_warning("every network source failed, trying the card's images");
        boot_from_card(run);
    }
    url_free_array(sources, n);
}

static int loader_main(void)
{
    struct config config;
    struct run run = { .config = &config };

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
    log_info("hopboot %s, looking for %s images", HOPBOOT_VERSION, config.name);

    if (config.rescue)
        log_info("rescue shell requested (hopboot.rescue)");
    else {
        boot_from_sources(&run);
        log_error("no bootable image %s, starting rescue shell",
                  strcmp(config.src, "card") == 0 ? "on the card" : "from any source");
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
