/* pipeline.c - see pipeline.h. */
#include "pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "card.h"
#include "cleanup.h"
#include "fileio.h"
#include "kexec.h"
#include "log.h"
#include "menu.h"
#include "netsource.h"
#include "rescue.h"
#include "trial.h"

double pipeline_seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

void pipeline_log_candidates(const char *what, const struct image *images, size_t n)
{
    char line[900];
    size_t len = 0, shown = 0;

    line[0] = '\0';
    /* Whole names only; a card with very many images gets a count instead of the rest. */
    for (; shown < n && len + 1 + strlen(images[shown].file) + 32 < sizeof(line); shown++)
        len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", images[shown].file);
    if (shown < n)
        snprintf(line + len, sizeof(line) - len, " ... (%zu in all)", n);
    log_info("%s%s", what, line);
}

/* While it is handed over it exists four times:
 * the fetched file, its copy in the hand-off initramfs, and kexec_file_load's read buffer
 * and segment copy of that initramfs; the image's kernel is read twice by kexec too.
 * Keep 64 MiB for everything else and 64 MiB for that kernel.  (Measured: with 3 copies
 * assumed, a 224 MiB machine fetched an 11.6 MiB image and then ran out of memory.) */
uint64_t pipeline_ram_limit(void)
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

int pipeline_save_state(struct run *run)
{
    if (!run->card_writable)
        return -EROFS;
    int r = card_set_writable(run->card.dir, true);
    if (r < 0)
        return r;
    r = state_save(run->card.dirfd, &run->state);
    sync();
    int r2 = card_set_writable(run->card.dir, false);
    return r < 0 ? r : r2;
}

/* What the boot state says about the verified IMAGE, and the write it needs before the
 * kexec.  Returns 0 to go on (*ret_attempt set when on trial), or -EAGAIN with REASON
 * when the image failed its trial boots. */
static int consult_trial(struct run *run, const struct image *image, struct trial_decision *ret, char *reason,
                         size_t size)
{
    char id[STATE_MAX_DIGEST + 1];

    trial_digest_id(image->sha1, id);
    *ret = trial_decide(&run->state, image_base_name(image->file), id, run->config->tries);
    switch (ret->verdict) {
    case TRIAL_BOOT:
    case TRIAL_ATTEMPT:
        return 0;
    case TRIAL_BAD:
        snprintf(reason, size, "failed its trial boots earlier (hopboot-bless --retry %s tries it again)",
                 image->file);
        return -EAGAIN;
    case TRIAL_EXHAUSTED:
        break;
    }
    int r = state_set(&run->state, image_base_name(image->file), id, STATE_BAD, 0);
    if (r >= 0)
        r = pipeline_save_state(run);
    snprintf(reason, size, "%u trial boot%s ended without the OS confirming it (hopboot-bless), %s", ret->attempt,
             ret->attempt == 1 ? "" : "s", r >= 0 ? "marked bad" : "could not mark it bad on the card");
    return -EAGAIN;
}

/* Record a trial attempt on the card before booting it.  A card that cannot be written
 * still boots: counting is lost, said in one line, but the machine comes up. */
static void record_attempt(struct run *run, const struct image *image, const struct trial_decision *d)
{
    char id[STATE_MAX_DIGEST + 1];

    log_info("%s: trial boot %u of %u, until the OS confirms it with hopboot-bless", image->file, d->attempt,
             d->tries);
    trial_digest_id(image->sha1, id);
    int r = state_set(&run->state, image_base_name(image->file), id, STATE_TRIAL, d->tries_left);
    if (r >= 0)
        r = pipeline_save_state(run);
    if (r < 0)
        log_warning("%s: cannot record the trial boot on the card (%s), booting it uncounted", image->file,
                    strerror(-r));
}

/* Load IMAGE (already obtained at PATH) and kexec it.  Returns only on failure, with
 * REASON set when loading failed, or after saying that the kexec failed (-ECANCELED). */
static int load_and_boot(struct run *run, const struct obtain *obtain, struct image *image, const char *path,
                         const struct trial_decision *trial, char *reason, size_t size)
{
    struct boot_loaded loaded;
    const char *from = image->url ? image->url : "card";

    const char *overlay = netsource_overlay(run);
    int r = boot_load(run->config, &run->card, image, path, obtain->in_ram, from, overlay, &loaded, reason, size);
    if (r < 0)
        return r;
    if (loaded.used == KEXEC_METHOD_TOOLS && loaded.syscall_error)
        log_warning("kexec_file_load refused %s (%s), loaded it with kexec-tools instead", image->file,
                    strerror(-loaded.syscall_error));
    else if (loaded.used == KEXEC_METHOD_TOOLS)
        log_info("loaded %s with kexec-tools (hopboot.kexec=tools)", image->file);
    if (trial && trial->verdict == TRIAL_ATTEMPT)
        record_attempt(run, image, trial);
    log_info("booting %s from %s (%s, %.1f s)", image->label, from, obtain->checked ? obtain->checked : "sha1 ok",
             pipeline_seconds_since(&run->start));
    r = kexec_execute();
    log_error("kexec into %s failed (%s)", image->label, strerror(-r));
    boot_release();
    return -ECANCELED;
}

/* The boot menu shows at most this many images: one key each. */
#define MENU_MAX_IMAGES 9

/* How the boot state sees IMAGE before it is checked, for the menu. */
static void menu_verdict(const struct run *run, const struct obtain *obtain, const struct image *image, char *buf,
                         size_t size)
{
    const struct state_record *rec =
        obtain->trial ? state_find((struct boot_state *)&run->state, image_base_name(image->file)) : NULL;

    if (!rec)
        snprintf(buf, size, "unverified");
    else if (rec->status == STATE_GOOD)
        snprintf(buf, size, "good");
    else if (rec->status == STATE_BAD)
        snprintf(buf, size, "failed");
    else
        snprintf(buf, size, "on trial (%u of %u boots used)",
                 run->config->tries > rec->tries_left ? run->config->tries - rec->tries_left : 0, run->config->tries);
}

/* Offer the menu; returns the image chosen (an index), or MENU_DEFAULT.  The rescue
 * shell and reboot entries do not return. */
static int offer_menu(struct run *run, const struct obtain *obtain, const struct image *images, size_t n)
{
    struct menu_entry entries[MENU_MAX_IMAGES];
    char verdicts[MENU_MAX_IMAGES][64];
    size_t shown = n < MENU_MAX_IMAGES ? n : MENU_MAX_IMAGES;

    for (size_t i = 0; i < shown; i++) {
        menu_verdict(run, obtain, &images[i], verdicts[i], sizeof(verdicts[i]));
        entries[i] = (struct menu_entry){ images[i].file, verdicts[i], obtain->source ? obtain->source : "card" };
    }
    int choice = menu_run(entries, shown, run->config->menu_timeout);
    if (choice == MENU_RESCUE) {
        log_info("rescue shell chosen in the boot menu");
        rescue_shell(run->config->verify == VERIFY_SIGNED);
    }
    if (choice == MENU_REBOOT) {
        log_info("reboot chosen in the boot menu, rebooting");
        sync();
        reboot(RB_AUTOBOOT);
        log_error("cannot reboot (%s), booting as usual", strerror(errno));
        return MENU_DEFAULT;
    }
    if (choice >= 0)
        log_info("%s chosen in the boot menu, booting it once", images[choice].file);
    return choice;
}

/* Boot the image the menu chose, once.  An unconfirmed image is on trial as ever, so the
 * OS can confirm it; one that failed its trial boots is taken as chosen, uncounted.
 * Returns only when it cannot boot (said why). */
static int boot_chosen(struct run *run, const struct obtain *obtain, struct image *image)
{
    struct trial_decision trial = { .verdict = TRIAL_BOOT };
    char reason[512], path[512], id[STATE_MAX_DIGEST + 1];

    int r = obtain->fn(obtain->ctx, image, path, sizeof(path), reason, sizeof(reason));
    if (r >= 0 && obtain->trial) {
        trial_digest_id(image->sha1, id);
        trial = trial_decide(&run->state, image_base_name(image->file), id, run->config->tries);
        if (trial.verdict != TRIAL_ATTEMPT)
            trial.verdict = TRIAL_BOOT;
    }
    if (r >= 0)
        r = load_and_boot(run, obtain, image, path, &trial, reason, sizeof(reason));
    if (r != -ECANCELED)
        log_warning("%s: %s, going on as usual", image->file, reason);
    return r;
}

static void log_passed_over(const struct image *images, size_t n, size_t i, const char *reason)
{
    if (i + 1 < n)
        log_warning("%s: %s, trying %s", images[i].file, reason, images[i + 1].file);
    else
        log_warning("%s: %s, no more images", images[i].file, reason);
}

void pipeline_boot_newest(struct run *run, const struct obtain *obtain, struct image *images, size_t n)
{
    _cleanup_free_ bool *failed_trial = calloc(n ? n : 1, sizeof(bool));
    size_t n_failed_trial = 0;
    int chosen = MENU_DEFAULT;

    if (!run->menu_offered && n > 0) {
        run->menu_offered = true;
        chosen = offer_menu(run, obtain, images, n);
        if (chosen >= 0 && boot_chosen(run, obtain, &images[chosen]) == -ECANCELED)
            return;
    }
    for (size_t i = 0; i < n; i++) {
        struct trial_decision trial = { .verdict = TRIAL_BOOT };
        char reason[512], path[512];

        if ((int)i == chosen)
            continue; /* said why it cannot boot just now */
        int r = obtain->fn(obtain->ctx, &images[i], path, sizeof(path), reason, sizeof(reason));
        if (r >= 0 && obtain->trial)
            r = consult_trial(run, &images[i], &trial, reason, sizeof(reason));
        if (r == -EAGAIN && failed_trial) {
            failed_trial[i] = true;
            n_failed_trial++;
        }
        if (r >= 0)
            r = load_and_boot(run, obtain, &images[i], path, &trial, reason, sizeof(reason));
        if (r == -ECANCELED)
            return;
        log_passed_over(images, n, i, reason);
    }

    /* Nothing else boots: a machine that runs an image that failed its trial beats a
     * rescue shell nobody sees (systemd-boot, too, boots entries out of tries last). */
    for (size_t i = 0; i < n && n_failed_trial; i++) {
        char reason[512], path[512];

        if (!failed_trial[i])
            continue;
        log_warning("no other image boots: trying %s although it failed its trial boots", images[i].file);
        int r = obtain->fn(obtain->ctx, &images[i], path, sizeof(path), reason, sizeof(reason));
        if (r >= 0)
            r = load_and_boot(run, obtain, &images[i], path, NULL, reason, sizeof(reason));
        if (r == -ECANCELED)
            return;
        log_warning("%s: %s", images[i].file, reason);
    }
}
