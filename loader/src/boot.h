/* boot.h - stage 1's work on one candidate: check it, prepare its kernel and hand-off,
 * and load it for kexec.  Does not log: it returns why a candidate cannot boot as one
 * plain phrase, and the driver (main.c) decides what to say and what to try next. */
#pragma once

#include <stddef.h>

#include "cmdline.h"
#include "image.h"

#define BOOT_RUN_DIR "/run/hopboot"
#define BOOT_CARD_DIR BOOT_RUN_DIR "/card"
#define BOOT_IMAGE_DIR BOOT_RUN_DIR "/image"
#define BOOT_HANDOFF_FILE BOOT_RUN_DIR "/handoff.img"
#define BOOT_STAGE2 "/usr/lib/hopboot/hopboot-stage2"

struct boot_source {
    int dirfd;              /* the directory holding the images (the card's root) */
    const char *dir;        /* its path */
    const char *device;     /* the card's block device, for its driver modules */
    const char *card_spec;  /* how stage 2 finds the card again: "UUID=..." */
    const char *from;       /* "card" */
};

struct boot_loaded {
    enum kexec_method used;
    int syscall_error; /* why kexec_file_load was not used, when it was tried */
};

/* Verify IMAGE against its .sha1 (setting image->sha1 and image->verified), mount it
 * read-only, build the hand-off initramfs and load the image's kernel for kexec.  On
 * failure writes a phrase such as "checksum mismatch (...)" into REASON and returns
 * -errno, with the image unmounted again.  On success the image stays mounted. */
int boot_prepare(const struct config *config, const struct boot_source *source, struct image *image,
                 struct boot_loaded *ret, char *reason, size_t reason_size);

/* Undo what boot_prepare left mounted or written.  Safe to call at any time. */
void boot_release(void);
