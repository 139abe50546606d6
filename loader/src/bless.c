/* bless.c - hopboot-bless: the OS's side of trial boots (see trial.h).
 *
 * An image booted for the first time is on trial; the OS runs `hopboot-bless` once it
 * knows it works (its services came up), as systemd-bless-boot or RAUC's mark-good do.
 * Only the OS marks an image good, never the loader.  `--retry FILE` gives an image that
 * failed its trial boots a new set; `--status` shows the state.  The card is where stage 2
 * put it, /media/card, unless --card says otherwise.  Static: any image can ship it. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmdline.h"
#include "fileio.h"
#include "mount.h"
#include "state.h"
#include "version.h"

#define DEFAULT_CARD "/media/card"

static const char *prog = "hopboot-bless";

static int usage(FILE *out)
{
    fprintf(out,
            "Usage: %s [--card DIR] [--retry FILE | --status]\n\n"
            "Confirms that the image this system booted works, ending its trial: hopboot\n"
            "will not roll it back.  Run it once the system is up (e.g. at the end of boot).\n\n"
            "  --card DIR    where the boot card is mounted (default: " DEFAULT_CARD ")\n"
            "  --retry FILE  give FILE (e.g. Demo-1.1.0.img), which failed its trial boots,\n"
            "                a new trial at the next boot\n"
            "  --status      show what the card's boot state says about each image\n"
            "  -h, --help    show this help\n\n"
            "Exit status: 0 done (or nothing to do), 1 the state could not be read or written,\n"
            "2 usage.  See hopboot(8).\n",
            prog);
    return out == stdout ? 0 : 2;
}

/* hopboot.booted= and hopboot.from= from the running kernel's command line. */
static int booted_image(char **ret_label, char **ret_from)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_strv_free_ char **words = NULL;
    size_t n;

    int r = fileio_read_file(AT_FDCWD, "/proc/cmdline", 65536, &text, NULL);
    if (r < 0 || (r = cmdline_split(text, &words, &n)) < 0)
        return r;
    *ret_label = *ret_from = NULL;
    for (size_t i = 0; i < n; i++) {
        char **field = strncmp(words[i], "hopboot.booted=", 15) == 0 ? ret_label
                       : strncmp(words[i], "hopboot.from=", 13) == 0 ? ret_from
                                                                      : NULL;
        if (field) {
            free(*field);
            if (!(*field = strdup(strchr(words[i], '=') + 1)))
                return -ENOMEM;
        }
    }
    return 0;
}

/* Raise the state's floor (rollback protection) to LABEL's version when it is newer. */
static void raise_floor(struct boot_state *st, const char *label)
{
    struct version v, floor;
    const char *dash = strrchr(label, '-');

    if (!dash || version_parse(dash + 1, strlen(dash + 1), &v) < 0)
        return;
    if (st->floor[0] && version_parse(st->floor, strlen(st->floor), &floor) >= 0 && version_compare(&v, &floor) <= 0)
        return;
    snprintf(st->floor, sizeof(st->floor), "%s", dash + 1);
}

static int show_status(const struct boot_state *st)
{
    printf("state seq %llu, newest confirmed version %s\n", (unsigned long long)st->seq,
           st->floor[0] ? st->floor : "none");
    if (st->overlay_serial)
        printf("newest signed overlay taken: serial %llu\n", (unsigned long long)st->overlay_serial);
    for (size_t i = 0; i < st->n_records; i++) {
        const struct state_record *rec = &st->records[i];
        if (rec->status == STATE_TRIAL)
            printf("%s: on trial, %u boot%s left (%s)\n", rec->file, rec->tries_left,
                   rec->tries_left == 1 ? "" : "s", rec->digest);
        else
            printf("%s: %s (%s)\n", rec->file, state_status_name(rec->status), rec->digest);
    }
    return 0;
}

/* The card is mounted read-only while the OS runs (its FAT stays clean through a power
 * cut): read-write only for the write, then read-only again.  A card some other program
 * made writable stays so. */
static int save(int dirfd, struct boot_state *st, const char *card)
{
    struct statvfs vfs;
    bool was_read_only = fstatvfs(dirfd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY);

    if (was_read_only && mount(NULL, card, NULL, MS_REMOUNT | MS_NOATIME | MOUNT_UNTRUSTED, NULL) < 0) {
        fprintf(stderr, "%s: cannot make the card at %s writable (%s)\n", prog, card, strerror(errno));
        return -errno;
    }
    int r = state_save(dirfd, st);
    if (r < 0)
        fprintf(stderr, "%s: cannot write the boot state in %s/" STATE_DIR " (%s)\n", prog, card, strerror(-r));
    if (was_read_only && mount(NULL, card, NULL, MS_REMOUNT | MS_RDONLY | MS_NOATIME | MOUNT_UNTRUSTED, NULL) < 0)
        fprintf(stderr, "%s: the card at %s stays writable (%s)\n", prog, card, strerror(errno));
    return r;
}

static int bless(int dirfd, struct boot_state *st, const char *card)
{
    _cleanup_free_ char *label = NULL, *from = NULL, *file = NULL;

    int r = booted_image(&label, &from);
    if (r < 0) {
        fprintf(stderr, "%s: cannot read /proc/cmdline (%s)\n", prog, strerror(-r));
        return 1;
    }
    if (!label) {
        fprintf(stderr, "%s: this system was not booted by hopboot (no hopboot.booted=)\n", prog);
        return 1;
    }
    if (!from) {
        printf("%s: %s does not say where it came from (no hopboot.from=): nothing to confirm\n", prog, label);
        return 0;
    }
    if (strcmp(from, "card") != 0) {
        printf("%s: %s came from %s, not from the card: nothing to confirm\n", prog, label, from);
        return 0;
    }
    if (asprintf(&file, "%s.img", label) < 0)
        return 1;
    struct state_record *rec = state_find(st, file);
    if (!rec) {
        printf("%s: %s is not on trial (hopboot.tries=0?): nothing to confirm\n", prog, file);
        return 0;
    }
    if (rec->status == STATE_GOOD) {
        printf("%s: %s is already confirmed\n", prog, file);
        return 0;
    }
    rec->status = STATE_GOOD;
    rec->tries_left = 0;
    raise_floor(st, label);
    if (save(dirfd, st, card) < 0)
        return 1;
    printf("%s: %s confirmed: it boots from now on without trial\n", prog, file);
    return 0;
}

static int retry(int dirfd, struct boot_state *st, const char *card, const char *path)
{
    /* Records are kept by file name: "boot-images/Demo-1.1.0.img" is "Demo-1.1.0.img". */
    const char *slash = strrchr(path, '/'), *file = slash ? slash + 1 : path;
    struct state_record *rec = state_find(st, file);
    if (!rec || rec->status != STATE_BAD) {
        printf("%s: %s is not marked bad: nothing to retry\n", prog, file);
        return 0;
    }
    state_remove(st, file);
    if (save(dirfd, st, card) < 0)
        return 1;
    printf("%s: %s gets a new trial at the next boot\n", prog, file);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        { "card", required_argument, NULL, 'c' },
        { "retry", required_argument, NULL, 'r' },
        { "status", no_argument, NULL, 's' },
        { "help", no_argument, NULL, 'h' },
        {},
    };
    const char *card = DEFAULT_CARD, *retry_file = NULL;
    bool status = false;
    struct boot_state st;
    int c;

    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'c':
            card = optarg;
            break;
        case 'r':
            retry_file = optarg;
            break;
        case 's':
            status = true;
            break;
        case 'h':
            return usage(stdout);
        default:
            return usage(stderr);
        }
    }
    if (optind != argc || (status && retry_file))
        return usage(stderr);

    _cleanup_close_ int dirfd = open(card, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        fprintf(stderr, "%s: no boot card at %s (%s)\n", prog, card, strerror(errno));
        return 1;
    }
    int r = state_load(dirfd, &st);
    if (r == -ENOENT && !retry_file && !status) {
        printf("%s: no boot state on the card (hopboot.tries=0?): nothing to confirm\n", prog);
        return 0;
    }
    if (r < 0 && r != -ENOENT) {
        fprintf(stderr, "%s: the boot state in %s/" STATE_DIR " is unreadable (%s)\n", prog, card,
                r == -EBADMSG ? "damaged" : strerror(-r));
        return 1;
    }
    if (status)
        return show_status(&st);
    if (retry_file)
        return retry(dirfd, &st, card, retry_file);
    return bless(dirfd, &st, card);
}
