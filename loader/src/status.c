/* status.c - see status.h. */
#include "status.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot.h"
#include "cleanup.h"
#include "cmdline.h"
#include "fetch.h"
#include "fileio.h"
#include "image.h"
#include "log.h"
#include "minisign.h"
#include "netboot.h"
#include "progress.h"
#include "scan.h"
#include "select.h"
#include "state.h"
#include "trial.h"
#include "trust.h"
#include "url.h"
#include "version.h"

#ifndef HOPBOOT_DEFAULT_NAME
#define HOPBOOT_DEFAULT_NAME "Demo"
#endif

#define STATUS_NAME_MAX 64 /* the longest image name guess_name keeps, with its NUL */

const char *status_verdict_name(enum status_verdict v)
{
    static const char *const names[] = {
        [STATUS_GOOD] = "good",         [STATUS_TRIAL] = "trial",   [STATUS_NEW] = "new",
        [STATUS_VERIFIED] = "verified", [STATUS_FAILED] = "failed", [STATUS_REJECTED] = "rejected",
    };
    return names[v];
}

static bool bootable(enum status_verdict v)
{
    return v != STATUS_FAILED && v != STATUS_REJECTED;
}

static bool on_trial(enum status_verdict v)
{
    return v == STATUS_TRIAL || v == STATUS_NEW;
}

static long first_failed(const struct status_entry *e, size_t n, long except)
{
    for (size_t i = 0; i < n; i++)
        if (e[i].verdict == STATUS_FAILED && (long)i != except)
            return (long)i;
    return -1;
}

struct status_decision status_decide(const struct status_entry *e, size_t n)
{
    struct status_decision d = { .boot = -1, .fallback = -1 };

    for (size_t i = 0; i < n && d.boot < 0; i++)
        if (bootable(e[i].verdict))
            d.boot = (long)i;
    if (d.boot < 0) {
        /* Only failed ones: the last resort tries them newest first. */
        d.boot = first_failed(e, n, -1);
        d.last_resort = d.boot >= 0;
        for (size_t i = (size_t)d.boot + 1; d.boot >= 0 && i < n && d.fallback < 0; i++)
            if (e[i].verdict == STATUS_FAILED)
                d.fallback = (long)i;
        d.fallback_last_resort = d.fallback >= 0;
        return d;
    }
    for (size_t i = (size_t)d.boot + 1; i < n && d.fallback < 0; i++)
        if (bootable(e[i].verdict))
            d.fallback = (long)i;
    if (d.fallback < 0) {
        /* Nothing else boots: the last resort is the newest image that failed its trial
         * boots, which is this one itself once its own trial boots ran out. */
        d.fallback = on_trial(e[d.boot].verdict) ? first_failed(e, n, -1) : first_failed(e, n, d.boot);
        if (d.fallback < 0 && on_trial(e[d.boot].verdict))
            d.fallback = d.boot;
        d.fallback_last_resort = d.fallback >= 0;
    }
    return d;
}

/* The rest of LINE after a syslinux keyword KW (case-insensitive) and blanks, or NULL. */
static const char *keyword(const char *line, const char *kw)
{
    while (*line == ' ' || *line == '\t')
        line++;
    size_t len = strlen(kw);
    if (strncasecmp(line, kw, len) != 0 || (line[len] != ' ' && line[len] != '\t'))
        return NULL;
    line += len;
    while (*line == ' ' || *line == '\t')
        line++;
    return line;
}

int status_syslinux_append(const char *cfg, char **ret)
{
    _cleanup_free_ char *text = strdup(cfg);
    char default_label[128] = "", *first_append = NULL, *label_append = NULL;
    bool in_default = false;
    char *save = NULL;

    if (!text)
        return -ENOMEM;
    for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        const char *v;
        if ((v = keyword(line, "DEFAULT")) && !default_label[0])
            snprintf(default_label, sizeof(default_label), "%.*s", (int)strcspn(v, " \t"), v);
        else if ((v = keyword(line, "LABEL")))
            in_default = default_label[0] && strncmp(v, default_label, strlen(default_label)) == 0 &&
                         strspn(v + strlen(default_label), " \t") == strlen(v + strlen(default_label));
        else if ((v = keyword(line, "APPEND"))) {
            if (!first_append)
                first_append = (char *)v;
            if (in_default && !label_append)
                label_append = (char *)v;
        }
    }
    const char *found = label_append ? label_append : first_append;
    if (!found)
        return -ENOENT;
    return (*ret = strdup(found)) ? 0 : -ENOMEM;
}

/* --- checking the images --------------------------------------------------------- */

struct checked {
    struct image image;
    uint64_t size;
    enum status_verdict verdict;
    char reason[512];
    unsigned tries_left;
};

struct report {
    const char *source;
    bool network;
    struct config config;
    struct checked *images;
    size_t n;
    struct scan_ignored *ignored;
    size_t n_ignored;
};

/* What the boot state makes of the verified image C. */
static void judge_trial(const struct boot_state *state, unsigned tries, struct checked *c)
{
    char id[STATE_MAX_DIGEST + 1];
    trial_digest_id(c->image.sha1, id);
    struct trial_decision d = trial_decide(state, image_base_name(c->image.file), id, tries);
    const struct state_record *rec = state_find((struct boot_state *)state, image_base_name(c->image.file));
    bool same = rec && strcmp(rec->digest, id) == 0;

    switch (d.verdict) {
    case TRIAL_BOOT:
        c->verdict = tries > 0 ? STATUS_GOOD : STATUS_VERIFIED;
        if (tries > 0)
            snprintf(c->reason, sizeof(c->reason), "the OS confirmed it (hopboot-bless)");
        else
            snprintf(c->reason, sizeof(c->reason), "checks pass (trial boots off: hopboot.tries=0)");
        break;
    case TRIAL_ATTEMPT:
        c->verdict = same && rec->status == STATE_TRIAL ? STATUS_TRIAL : STATUS_NEW;
        c->tries_left = d.tries - d.attempt + 1;
        if (c->verdict == STATUS_TRIAL)
            snprintf(c->reason, sizeof(c->reason), "%u of %u trial boots used, not confirmed yet", d.attempt - 1,
                     d.tries);
        else
            snprintf(c->reason, sizeof(c->reason), "checks pass, never booted%s",
                     rec ? " (a different file had this name before)" : "");
        break;
    case TRIAL_EXHAUSTED:
        c->verdict = STATUS_FAILED;
        snprintf(c->reason, sizeof(c->reason),
                 "%u trial boots ended without the OS confirming it; the next boot marks it bad", d.attempt);
        break;
    case TRIAL_BAD:
        c->verdict = STATUS_FAILED;
        snprintf(c->reason, sizeof(c->reason), "failed its trial boots (hopboot-bless --retry %s tries it again)",
                 c->image.file);
        break;
    }
}

static int check_card(struct report *rep, const struct trust *base_trust, bool quiet_progress)
{
    _cleanup_close_ int dirfd = open(rep->source, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct image *images = NULL;
    struct boot_state state;

    if (dirfd < 0) {
        log_error("%s: cannot open the directory (%s)", rep->source, strerror(errno));
        return -errno;
    }
    int r = scan_directory_report(dirfd, rep->config.name, &images, &rep->n, &rep->ignored, &rep->n_ignored);
    if (r < 0) {
        log_error("%s: cannot list it (%s)", rep->source, strerror(-r));
        return r;
    }
    select_order(images, rep->n);
    r = state_load(dirfd, &state);
    if (r == -EBADMSG)
        log_warning("%s: the boot state (" STATE_DIR "/state.a, state.b) is damaged in both copies: the loader "
                    "would start afresh",
                    rep->source);
    else if (r < 0 && r != -ENOENT)
        log_warning("%s: cannot read the boot state (%s)", rep->source, strerror(-r));

    struct trust trust = *base_trust;
    trust_set_floor(&trust, state.floor);
    struct boot_source src = { .dirfd = dirfd, .dir = rep->source, .card_spec = "none" };
    rep->images = calloc(rep->n ? rep->n : 1, sizeof(*rep->images));
    if (!rep->images) {
        image_free_array(images, rep->n);
        rep->n = 0;
        return -ENOMEM;
    }
    for (size_t i = 0; i < rep->n; i++) {
        struct checked *c = &rep->images[i];
        struct stat st;
        struct progress progress;

        c->image = images[i];
        c->size = fstatat(dirfd, c->image.file, &st, 0) == 0 ? (uint64_t)st.st_size : 0;
        progress_begin(&progress, c->image.file, "verifying");
        trust.progress = quiet_progress ? NULL : progress_callback;
        trust.progress_userdata = &progress;
        r = trust_check_card(&trust, &src, &c->image, NULL, 0, c->reason, sizeof(c->reason));
        progress_end(&progress);
        if (r < 0)
            c->verdict = STATUS_REJECTED;
        else
            judge_trial(&state, rep->config.tries, c);
    }
    free(images); /* the images moved into rep->images */
    return 0;
}

static int check_network(struct report *rep, const struct trust *trust, bool quiet_progress)
{
    struct url u;
    struct netboot_source source;
    struct fetch_options options;
    struct image *images = NULL;
    char error[256] = "", dir[] = "/tmp/hopboot-status-XXXXXX", path[sizeof(dir) + 16];

    if (strstr(rep->source, "${")) {
        log_error("%s: expand the ${...} templates first: only the loader knows their values", rep->source);
        return -EINVAL;
    }
    if (url_parse(rep->source, &u) < 0 || u.scheme == URL_CARD || u.scheme == URL_BLOCK) {
        log_error("%s: not an http, https, ftp or tftp URL", rep->source);
        return -EINVAL;
    }
    if (u.scheme == URL_NFS) {
        url_done(&u);
        log_error("%s: nfs sources are mounted by the loader only; check the export as a directory", rep->source);
        return -EINVAL;
    }
    fetch_default_options(&options);
    options.ca_file = NULL; /* the workstation's own CA bundle */
    options.retries = 0;
    int r = netboot_list(&u, rep->config.name, NULL, &options, trust, &source, &images, &rep->n, error,
                         sizeof(error));
    url_done(&u);
    if (r < 0) {
        log_error("%s: %s", rep->source, error[0] ? error : strerror(-r));
        return r;
    }
    select_order(images, rep->n);
    rep->images = calloc(rep->n ? rep->n : 1, sizeof(*rep->images));
    if (!rep->images || !mkdtemp(dir)) {
        r = -errno;
        image_free_array(images, rep->n);
        rep->n = 0;
        netboot_done(&source);
        return r;
    }
    snprintf(path, sizeof(path), "%s/image", dir);
    for (size_t i = 0; i < rep->n; i++) {
        struct checked *c = &rep->images[i];
        struct progress progress;
        struct stat st;

        c->image = images[i];
        progress_begin(&progress, c->image.file, "fetching");
        source.options.progress = quiet_progress ? NULL : progress_callback;
        source.options.userdata = &progress;
        r = netboot_fetch(&source, &c->image, path, c->reason, sizeof(c->reason));
        progress_end(&progress);
        c->size = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
        (void)unlink(path);
        if (r < 0)
            c->verdict = STATUS_REJECTED;
        else {
            c->verdict = STATUS_VERIFIED;
            snprintf(c->reason, sizeof(c->reason), "fetched, checks pass (no trial boots for network images)");
        }
    }
    (void)rmdir(dir);
    free(images);
    netboot_done(&source);
    return 0;
}

/* --- output ---------------------------------------------------------------------- */

static const char *version_of(const struct report *rep, const struct image *image)
{
    return image->label + strlen(rep->config.name) + 1;
}

/* WHY the decision D, and what NEXT, as sentences. */
static void explain(const struct report *rep, const struct status_entry *e, const struct status_decision *d,
                    char *why, size_t why_size, char *next, size_t next_size)
{
    char nothing[128], then[256];

    if (rep->network)
        snprintf(nothing, sizeof(nothing), "the loader goes on to its next source, then the card");
    else
        snprintf(nothing, sizeof(nothing), "the loader starts the rescue shell");

    if (d->boot < 0) {
        snprintf(why, why_size, "no image can boot: %s", rep->n ? "every one is rejected" : "there is none");
        snprintf(next, next_size, "%s", nothing);
        return;
    }
    const struct status_entry *b = &e[d->boot];
    if (d->last_resort)
        snprintf(why, why_size, "no other image can boot, so it boots although it failed its trial boots");
    else if (on_trial(b->verdict))
        snprintf(why, why_size, "the newest image that passes its checks; it boots on trial (trial boot %u of %u) "
                                "until the OS confirms it with hopboot-bless",
                 rep->config.tries - b->tries_left + 1, rep->config.tries);
    else
        snprintf(why, why_size, "the newest image that passes its checks%s",
                 b->verdict == STATUS_GOOD ? ", confirmed good by the OS" : "");
    if (d->boot > 0 && strlen(why) + 64 < why_size)
        snprintf(why + strlen(why), why_size - strlen(why), "; %ld newer image%s cannot boot", d->boot,
                 d->boot == 1 ? "" : "s");

    if (d->fallback < 0)
        snprintf(then, sizeof(then), "%s", nothing);
    else if (d->fallback_last_resort && d->fallback == d->boot)
        snprintf(then, sizeof(then), "%s keeps booting as the last resort, since nothing else can",
                 e[d->fallback].file);
    else
        snprintf(then, sizeof(then), "%s boots%s", e[d->fallback].file,
                 d->fallback_last_resort ? " as the last resort, although it failed its trial boots" : "");
    if (!d->last_resort && on_trial(b->verdict))
        snprintf(next, next_size, "if the OS does not confirm it within %u more boot%s, it is marked failed and %s",
                 b->tries_left, b->tries_left == 1 ? "" : "s", then);
    else
        snprintf(next, next_size, "if it cannot be loaded, %s", then);
}

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void print_json(FILE *out, const struct report *rep, const struct status_decision *d, const char *why,
                       const char *next)
{
    fprintf(out, "{\"source\": ");
    json_string(out, rep->source);
    fprintf(out, ", \"name\": ");
    json_string(out, rep->config.name);
    fprintf(out, ", \"verify\": \"%s\", \"tries\": %u,\n \"images\": [", cmdline_verify_name(rep->config.verify),
            rep->network ? 0 : rep->config.tries);
    for (size_t i = 0; i < rep->n; i++) {
        const struct checked *c = &rep->images[i];
        fprintf(out, "%s\n  {\"file\": ", i ? "," : "");
        json_string(out, c->image.file);
        fprintf(out, ", \"version\": ");
        json_string(out, version_of(rep, &c->image));
        fprintf(out, ", \"size\": %llu, \"verdict\": \"%s\", \"reason\": ", (unsigned long long)c->size,
                status_verdict_name(c->verdict));
        json_string(out, c->reason);
        fprintf(out, ", \"tries_left\": %u}", on_trial(c->verdict) ? c->tries_left : 0);
    }
    fprintf(out, "],\n \"ignored\": [");
    for (size_t i = 0; i < rep->n_ignored; i++) {
        fprintf(out, "%s\n  {\"file\": ", i ? "," : "");
        json_string(out, rep->ignored[i].file);
        fprintf(out, ", \"reason\": ");
        json_string(out, rep->ignored[i].reason);
        fputc('}', out);
    }
    fprintf(out, "],\n \"boot\": ");
    if (d->boot >= 0)
        json_string(out, rep->images[d->boot].image.file);
    else
        fprintf(out, "null");
    fprintf(out, ", \"last_resort\": %s, \"why\": ", d->last_resort ? "true" : "false");
    json_string(out, why);
    fprintf(out, ", \"next\": ");
    json_string(out, next);
    fprintf(out, "}\n");
}

static void print_text(FILE *out, const struct report *rep, const struct status_decision *d, const char *why,
                       const char *next)
{
    int width = 5;

    for (size_t i = 0; i < rep->n; i++)
        if ((int)strlen(rep->images[i].image.file) > width)
            width = (int)strlen(rep->images[i].image.file);
    if (rep->network)
        fprintf(out, "%s: %s images, checked against their %s\n\n", rep->source, rep->config.name,
                rep->config.verify == VERIFY_SIGNED ? "signatures" : "SHA-1");
    else
        fprintf(out, "%s: %s images, hopboot.verify=%s, hopboot.tries=%u\n\n", rep->source, rep->config.name,
                cmdline_verify_name(rep->config.verify), rep->config.tries);
    if (rep->n == 0)
        fprintf(out, "no %s-X.Y.Z.img image\n", rep->config.name);
    else
        fprintf(out, "%-*s  %-10s %10s  %-8s  %s\n", width, "IMAGE", "VERSION", "SIZE", "VERDICT", "REASON");
    for (size_t i = 0; i < rep->n; i++) {
        const struct checked *c = &rep->images[i];
        fprintf(out, "%-*s  %-10s %6.1f MiB  %-8s  %s\n", width, c->image.file, version_of(rep, &c->image),
                (double)c->size / 1048576.0, status_verdict_name(c->verdict), c->reason);
    }
    for (size_t i = 0; i < rep->n_ignored; i++)
        fprintf(out, "%s%s: ignored, %s\n", i == 0 ? "\n" : "", rep->ignored[i].file, rep->ignored[i].reason);
    fprintf(out, "\n");
    if (d->boot >= 0)
        fprintf(out, "would boot: %s: %s\n", rep->images[d->boot].image.file, why);
    else
        fprintf(out, "would boot: nothing: %s\n", why);
    fprintf(out, "next: %s\n", next);
}

/* --- the command ----------------------------------------------------------------- */

static int usage(FILE *out)
{
    fprintf(out,
            "Usage: hopboot status [--json] [--name NAME] [--verify sha1|sha256|signed] [--keys DIR]\n"
            "                      [--tries N] [--quiet] [DIR|URL]\n\n"
            "Shows what the loader would do with the boot card mounted at DIR (default: the\n"
            "current directory) or with the network source URL: every image with its version,\n"
            "size, verdict (good, trial, new, verified, failed, rejected) and reason, which one\n"
            "would boot and why, and what happens next if it fails.  Every image is read in\n"
            "full and checked, as the loader would; nothing is written.\n\n"
            "  --json          one JSON object (see hopboot(8))\n"
            "  --name NAME     image name (default: hopboot.name= in DIR/syslinux.cfg, else %s)\n"
            "  --verify MODE   as hopboot.verify= (default: DIR/syslinux.cfg's, else sha1)\n"
            "  --keys DIR      trusted minisign public keys for --verify signed\n"
            "  --tries N       as hopboot.tries= (default: DIR/syslinux.cfg's, else 3)\n"
            "  --quiet         no progress while images are checked\n"
            "  -h, --help      show this help\n\n"
            "Exit status: 0 an image would boot, 1 none would, 2 usage or unreadable source.\n",
            HOPBOOT_DEFAULT_NAME);
    return out == stdout ? 0 : 2;
}

/* hopboot.* keys from DIR/syslinux.cfg's APPEND line, when there is one, into CONFIG. */
/* The card's settings from DIR/syslinux.cfg; *ret_found says whether there was one. */
static int read_card_config(const char *dir, struct config *config, bool *ret_found)
{
    _cleanup_free_ char *path = NULL, *text = NULL, *append = NULL;

    if (asprintf(&path, "%s/syslinux.cfg", dir) < 0)
        return -ENOMEM;
    int r = fileio_read_file(AT_FDCWD, path, 65536, &text, NULL);
    *ret_found = r != -ENOENT;
    if (r >= 0)
        r = status_syslinux_append(text, &append);
    if (r == -ENOMEM)
        return r;
    r = cmdline_parse(append ? append : "", HOPBOOT_DEFAULT_NAME, config);
    for (size_t i = 0; r >= 0 && i < config->n_warnings; i++)
        log_warning("%s: %s", path, config->warnings[i]);
    return r;
}

/* Add the NAME of FILE ("NAME-X.Y.Z.img") to NAMES (N of them, at most MAX) unless it is
 * there or FILE is not such a name. */
static void add_name_of(const char *file, char names[][STATUS_NAME_MAX], size_t *n, size_t max)
{
    size_t len = strlen(file);
    struct version v;

    if (len < 5 || strcmp(file + len - 4, ".img") != 0)
        return;
    const char *dash = memrchr(file, '-', len - 4);
    if (!dash || dash == file || (size_t)(dash - file) >= STATUS_NAME_MAX ||
        version_parse(dash + 1, (size_t)(file + len - 4 - dash - 1), &v) < 0)
        return;
    for (size_t i = 0; i < *n; i++)
        if (strlen(names[i]) == (size_t)(dash - file) && memcmp(names[i], file, (size_t)(dash - file)) == 0)
            return;
    if (*n < max)
        snprintf(names[(*n)++], STATUS_NAME_MAX, "%.*s", (int)(dash - file), file);
}

/* A folder without syslinux.cfg (a download directory, a copy of a card's images) names
 * no image name: take the one its NAME-X.Y.Z.img files (there and in boot-images/) share.
 * Returns 0 with *ret_name (NULL: no such file, keep the default), or -ENOTUNIQ after
 * saying which names it saw. */
static int guess_name(const char *dir, char **ret_name)
{
    static const char *const folders[] = { "", "/" SCAN_SUBDIR };
    char names[8][STATUS_NAME_MAX];
    size_t n = 0;

    *ret_name = NULL;
    for (size_t f = 0; f < ELEMENTSOF(folders); f++) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s%s", dir, folders[f]) < 0)
            return -ENOMEM;
        DIR *d = opendir(path);
        if (!d)
            continue;
        for (struct dirent *e; (e = readdir(d));)
            add_name_of(e->d_name, names, &n, ELEMENTSOF(names));
        closedir(d);
    }
    if (n > 1) {
        char list[8 * (STATUS_NAME_MAX + 2)] = "";
        for (size_t i = 0; i < n; i++)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", names[i]);
        log_error("%s: no syslinux.cfg names the image, and its images have several names (%s): choose one "
                  "with --name",
                  dir, list);
        return -ENOTUNIQ;
    }
    if (n == 1 && !(*ret_name = strdup(names[0])))
        return -ENOMEM;
    return 0;
}

static int set_option(char **dst, const char *value)
{
    free(*dst);
    return (*dst = strdup(value)) ? 0 : -ENOMEM;
}

int status_main(int argc, char **argv)
{
    static const struct option options[] = {
        { "json", no_argument, NULL, 'j' },         { "name", required_argument, NULL, 'n' },
        { "verify", required_argument, NULL, 'v' }, { "keys", required_argument, NULL, 'k' },
        { "tries", required_argument, NULL, 't' },  { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },         { 0 },
    };
    const char *name = NULL, *verify = NULL, *keys_dir = NULL, *tries = NULL;
    bool json = false, quiet = false;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'n': name = optarg; break;
        case 'v': verify = optarg; break;
        case 'k': keys_dir = optarg; break;
        case 't': tries = optarg; break;
        case 'q': quiet = true; break;
        case 'h': return usage(stdout);
        default: return usage(stderr);
        }
    }
    if (argc - optind > 1)
        return usage(stderr);

    struct report rep = { .source = optind < argc ? argv[optind] : "." };
    rep.network = strstr(rep.source, "://") != NULL;
    bool has_cfg = false;
    int r = rep.network ? cmdline_parse("", HOPBOOT_DEFAULT_NAME, &rep.config)
                        : read_card_config(rep.source, &rep.config, &has_cfg);
    if (r < 0) {
        log_error("out of memory");
        return 2;
    }
    if (!rep.network && !has_cfg && !name) {
        _cleanup_free_ char *guessed = NULL;
        r = guess_name(rep.source, &guessed);
        if (r == -ENOMEM)
            log_error("out of memory");
        if (r >= 0 && guessed)
            r = set_option(&rep.config.name, guessed);
        if (r < 0) {
            config_done(&rep.config);
            return 2;
        }
    }
    /* Options as kernel words, so that they are checked exactly like the loader's keys. */
    char word[512];
    const char *const overrides[][2] = { { "name", name }, { "verify", verify }, { "tries", tries } };
    for (size_t i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++) {
        struct config one;
        if (!overrides[i][1])
            continue;
        snprintf(word, sizeof(word), "hopboot.%s=%s", overrides[i][0], overrides[i][1]);
        if (cmdline_parse(word, HOPBOOT_DEFAULT_NAME, &one) < 0) {
            config_done(&rep.config);
            return 2;
        }
        bool bad = one.n_warnings > 0;
        if (bad)
            log_error("--%s=%s: %s", overrides[i][0], overrides[i][1], strchr(one.warnings[0], ' ') + 1);
        else if (i == 0)
            r = set_option(&rep.config.name, one.name);
        else if (i == 1)
            rep.config.verify = one.verify;
        else
            rep.config.tries = one.tries;
        config_done(&one);
        if (bad || r < 0) {
            config_done(&rep.config);
            return 2;
        }
    }

    struct trust trust = { .mode = rep.config.verify, .name = rep.config.name };
    if (trust.mode == VERIFY_SIGNED) {
        if (!keys_dir) {
            log_error("--verify signed needs --keys DIR, the trusted public keys");
            config_done(&rep.config);
            return 2;
        }
        r = minisign_load_keys(AT_FDCWD, keys_dir, &trust.keys, &trust.n_keys);
        if (r < 0 || trust.n_keys == 0) {
            log_error("%s: %s", keys_dir,
                      r == -EBADMSG ? "a file there is not a minisign public key"
                      : r < 0       ? strerror(-r)
                                    : "no public keys there");
            trust_done(&trust);
            config_done(&rep.config);
            return 2;
        }
    }

    r = rep.network ? check_network(&rep, &trust, quiet) : check_card(&rep, &trust, quiet);
    int status = 2;
    if (r >= 0) {
        _cleanup_free_ struct status_entry *entries = calloc(rep.n ? rep.n : 1, sizeof(*entries));
        char why[512], next[512];
        if (entries) {
            for (size_t i = 0; i < rep.n; i++)
                entries[i] = (struct status_entry){ rep.images[i].image.file, rep.images[i].verdict,
                                                    rep.images[i].tries_left };
            struct status_decision d = status_decide(entries, rep.n);
            explain(&rep, entries, &d, why, sizeof(why), next, sizeof(next));
            if (json)
                print_json(stdout, &rep, &d, why, next);
            else
                print_text(stdout, &rep, &d, why, next);
            status = d.boot >= 0 ? 0 : 1;
        }
    }
    for (size_t i = 0; i < rep.n; i++)
        image_done(&rep.images[i].image);
    free(rep.images);
    scan_ignored_free_array(rep.ignored, rep.n_ignored);
    trust_done(&trust);
    config_done(&rep.config);
    return fflush(stdout) == 0 ? status : 2;
}
