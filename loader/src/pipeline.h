/* pipeline.h - stage 1's decision layer, shared by the card (main.c) and the network
 * sources (netsource.c): the state of a boot, and the loop that tries candidates newest
 * first, says in one line why each one that cannot boot was passed over, and kexecs the
 * first that loads.  Unlike the modules below it, this layer logs: it decides. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "boot.h"
#include "cmdline.h"
#include "image.h"
#include "net.h"
#include "state.h"
#include "trust.h"

/* What the pipeline knows while it works through the sources. */
struct run {
    const struct config *config;
    struct timespec start;
    struct boot_source card;  /* dirfd -1 when no card is mounted */
    struct boot_source block; /* the block source being tried (hopboot.src=LABEL=...), dirfd -1: none */
    char *card_device, *card_spec;
    bool net_up;
    struct net_info net;
    /* Trial boots (trial.h), card images only: the state read from the card, and whether
     * the card passed fsck.fat so the state may be written back. */
    struct boot_state state;
    bool card_writable;
    struct trust trust; /* hopboot.verify= for the card's images */
    bool menu_offered;  /* the boot menu comes once, with the first source's candidates */
    /* hopboot.overlay=: fetched once, before the first hand-off (netsource_overlay). */
    bool overlay_tried;
    char *overlay_url; /* expanded; set while BOOT_OVERLAY_FILE holds the checked overlay */
};

/* How a candidate becomes a verified local file: on the card it is checked in place, from
 * the network it is fetched into RAM and checked in the same pass. */
struct obtain {
    int (*fn)(void *ctx, struct image *image, char *path, size_t path_size, char *reason, size_t reason_size);
    void *ctx;
    bool in_ram;
    bool trial; /* the images are the card's: count trial boots (hopboot.tries=) */
    const char *checked; /* how it was verified, for the booting line; NULL: "sha1 ok" */
    const char *source;  /* where the images are, for the boot menu: "card", a URL */
};

/* The largest image this machine can take into RAM (fetched, or checked in signed
 * mode) and still hand over: about a quarter of what is available.  0 when unknown. */
uint64_t pipeline_ram_limit(void);

/* Write the boot state back to the card: remount it read-write for just that long.
 * Returns 0, -EROFS when the card may not be written (none, or fsck.fat did not pass), or
 * -errno (the caller says what was not recorded). */
int pipeline_save_state(struct run *run);

/* Seconds since START (CLOCK_MONOTONIC). */
double pipeline_seconds_since(const struct timespec *start);

/* One line "WHAT A.img B.img ..." naming N candidates. */
void pipeline_log_candidates(const char *what, const struct image *images, size_t n);

/* Offer the boot menu (menu.h) for the N IMAGES, unless it was offered already, then try
 * them in order: OBTAIN each into a verified local file, load it, and kexec the first
 * that loads.  An image chosen in the menu is tried first, once, without trial counting;
 * the rescue shell and reboot entries do what they say.  With OBTAIN->trial, an image that failed its trial boots is
 * passed over, and booted only when no other image can be.  Returns only when none could
 * be (each said why), or when the kexec itself failed (said too). */
void pipeline_boot_newest(struct run *run, const struct obtain *obtain, struct image *images, size_t n);
