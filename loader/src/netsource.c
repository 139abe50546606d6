/* netsource.c - see netsource.h. */
#include "netsource.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fetch.h"
#include "fileio.h"
#include "log.h"
#include "netboot.h"
#include "overlay.h"
#include "progress.h"
#include "reason.h"
#include "select.h"

struct transfer {
    const char *file;
    struct progress progress;
};

static void show_progress(void *userdata, uint64_t done, uint64_t total)
{
    struct transfer *t = userdata;
    progress_update(&t->progress, done, total);
}

static void show_retry(void *userdata, uint64_t done, bool resuming, unsigned delay_s, const char *why)
{
    struct transfer *t = userdata;
    progress_end(&t->progress);
    log_warning("%s: transfer broke off after %.1f MiB (%s), %s in %u s", t->file, (double)done / 1048576.0, why,
                resuming ? "resuming" : "starting over", delay_s);
}

static int obtain_from_network(void *ctx, struct image *image, char *path, size_t path_size, char *reason,
                               size_t reason_size)
{
    struct netboot_source *source = ctx;
    struct transfer transfer = { .file = image->file };

    progress_begin(&transfer.progress, image->file, "fetching");
    source->options.progress = show_progress;
    source->options.retrying = show_retry;
    source->options.userdata = &transfer;
    snprintf(path, path_size, BOOT_RUN_DIR "/fetched.img");
    (void)unlink(path); /* a previous candidate's bytes must not count twice against RAM */
    int r = netboot_fetch(source, image, path, reason, reason_size);
    source->options.progress = NULL;
    source->options.retrying = NULL;
    progress_end(&transfer.progress);
    struct stat st;
    if (r >= 0 && stat(path, &st) == 0) {
        double seconds = pipeline_seconds_since(&transfer.progress.start);
        log_info("%s: %.1f MiB fetched and verified in %.1f s (%.1f MiB/s)", image->file,
                 (double)st.st_size / 1048576.0, seconds, (double)st.st_size / 1048576.0 / (seconds > 0 ? seconds : 1));
    }
    return r;
}

/* Bring the network up once per boot.  Returns 0, or -errno with the cause in ERROR for
 * the caller's line. */
static int network_up(struct run *run, char *error, size_t size)
{
    struct net_static ip, *static_ip = NULL;

    if (run->net_up)
        return 0;
    if (run->config->ip) {
        if (net_parse_ip_param(run->config->ip, &ip) < 0)
            log_warning("ip=%s: not the kernel's ip= syntax, using DHCP", run->config->ip);
        else
            static_ip = &ip;
    }
    int r = net_up(run->config->netdev, static_ip, run->config->wait_seconds, &run->net, error, size);
    if (r < 0)
        return r;
    log_info("network: %s (%s) is %s", run->net.ifname, run->net.mac, run->net.ip);
    run->net_up = true;
    return 0;
}

static bool bring_up_network(struct run *run)
{
    char error[256];

    if (network_up(run, error, sizeof(error)) < 0) {
        log_error("network: %s", error);
        return false;
    }
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

void netsource_boot(struct run *run, const struct url *template)
{
    _cleanup_free_ char *text = NULL, *what = NULL;
    struct url_vars vars;
    struct url u;
    struct netboot_source source;
    struct fetch_options options;
    struct image *images = NULL;
    size_t n = 0;
    char error[256] = "";

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
    options.max_size = pipeline_ram_limit();
    options.deadline_s = run->config->fetch_timeout;
    options.source_limit_s = run->config->source_timeout;
    if (options.source_limit_s)
        options.source_until = fetch_now() + options.source_limit_s;
    if (run->config->ca && trust_extra_ca(run, &options) < 0)
        return;
    if ((r = netboot_list(&u, run->config->name, run->net.ip, &options, &run->trust, &source, &images, &n, error,
                          sizeof(error))) < 0)
        log_error("%s: %s", u.text, error[0] ? error : strerror(-r));
    else {
        if (n == 0)
            log_error("%s: no %s-X.Y.Z.img image there", u.text, run->config->name);
        select_order(images, n);
        if (n > 0 && asprintf(&what, "candidates at %s:", u.text) >= 0)
            pipeline_log_candidates(what, images, n);
        struct obtain obtain = { .fn = obtain_from_network, .ctx = &source, .in_ram = true, .source = u.text,
                                 .checked = trust_checked(&run->trust) };
        pipeline_boot_newest(run, &obtain, images, n);
        image_free_array(images, n);
        netboot_done(&source);
    }
    url_done(&u);
}

/* Expand and fetch hopboot.overlay= into BOOT_OVERLAY_FILE.  Returns 0 with the expanded
 * URL in *ret_url (also on failure, once expanded, for the line), or -errno with REASON. */
static int fetch_overlay(struct run *run, char **ret_url, struct overlay_result *ret, char *reason, size_t size)
{
    struct fetch_options options;
    char error[256];

    int r = network_up(run, error, sizeof(error));
    if (r < 0)
        return reason_set(reason, size, r, "no network (%s)", error);
    struct url_vars vars = { run->net.mac, run->net.ip, run->net.hostname, run->net.uuid };
    r = url_expand(run->config->overlay, &vars, ret_url);
    if (r < 0)
        return reason_set(reason, size, r, "%s", r == -ENODATA ? "uses a value this machine does not have"
                                                               : "not a valid URL after expansion");
    fetch_default_options(&options);
    options.deadline_s = run->config->fetch_timeout;
    uint64_t ram = pipeline_ram_limit();
    options.max_size = ram && ram < OVERLAY_MAX_SIZE ? ram : OVERLAY_MAX_SIZE;
    if (run->config->ca && trust_extra_ca(run, &options) < 0)
        return reason_set(reason, size, -EINVAL, "hopboot.ca=%s cannot be used", run->config->ca);
    return overlay_fetch(*ret_url, &options, &run->trust, BOOT_OVERLAY_FILE, ret, reason, size);
}

const char *netsource_overlay(struct run *run)
{
    static const char *const checked[] = {
        [OVERLAY_SHA1_OK] = "sha1 ok",
        [OVERLAY_SHA256_OK] = "sha256 ok",
    };
    _cleanup_free_ char *url = NULL;
    struct overlay_result result;
    char reason[512];

    if (!run->config->overlay || run->overlay_tried)
        return run->overlay_url;
    run->overlay_tried = true;
    int r = fetch_overlay(run, &url, &result, reason, sizeof(reason));
    if (r < 0) {
        log_warning("overlay %s: %s, booting without it", url ? url : run->config->overlay, reason);
        return NULL;
    }
    if (result.check == OVERLAY_SIGNED_OK)
        log_info("overlay %s: %.1f KiB fetched, signature ok (serial %llu)", url, (double)result.size / 1024.0,
                 (unsigned long long)result.serial);
    else
        log_info("overlay %s: %.1f KiB fetched, %s", url, (double)result.size / 1024.0, checked[result.check]);
    if (result.check == OVERLAY_SIGNED_OK && result.serial > run->state.overlay_serial) {
        /* The floor for the next boots: an older signed overlay cannot be served again. */
        uint64_t before = run->state.overlay_serial;
        run->state.overlay_serial = result.serial;
        r = pipeline_save_state(run);
        if (r < 0 && r != -EROFS) {
            run->state.overlay_serial = before;
            log_warning("overlay %s: cannot record its serial on the card (%s); older overlays stay accepted",
                        url, strerror(-r));
        }
    }
    run->overlay_url = TAKE_PTR(url);
    return run->overlay_url;
}
