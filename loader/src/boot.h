/* boot.h - stage 1's work on one candidate: check it, prepare its kernel and hand-off,
 * and load it for kexec.  Does not log: it returns why a candidate cannot boot as one
 * plain phrase, and the driver (main.c) decides what to say and what to try next. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "image.h"

#define BOOT_RUN_DIR "/run/hopboot"
#define BOOT_CARD_DIR BOOT_RUN_DIR "/card"
#define BOOT_IMAGE_DIR BOOT_RUN_DIR "/image"
#define BOOT_HANDOFF_FILE BOOT_RUN_DIR "/handoff.img"
#define BOOT_STAGE2 "/usr/lib/hopboot/hopboot-stage2"
/* hopboot.overlay=: the fetched tarball, and the static busybox stage 2 unpacks it with. */
#define BOOT_OVERLAY_FILE BOOT_RUN_DIR "/overlay.tar.gz"
#define BOOT_BUSYBOX "/bin/busybox"
/* Debian's e2fsck-static, which the hand-off carries for stage 2 to check the keydisk. */
#define BOOT_E2FSCK "/sbin/e2fsck.static"

struct boot_source {
    int dirfd;              /* the card's root directory, -1 when there is no card */
    const char *dir;        /* its path */
    const char *device;     /* the card's block device, for its driver modules; NULL: none */
    const char *card_spec;  /* how stage 2 finds the card again: "UUID=...", or "none" */
};

struct boot_loaded {
    enum kexec_method used;
    int syscall_error; /* why kexec_file_load was not used, when it was tried */
};

/* Read and parse FILE.EXT ("sha1", "sha256"; sha1sum / sha256sum format, DIGEST_LEN
 * bytes) in DIRFD into RET.  On failure writes "no checksum file X.EXT", "malformed
 * checksum file X.EXT", "X.EXT is not a regular file" or "cannot read X.EXT (...)" into
 * REASON and returns -errno. */
int boot_expected_digest(int dirfd, const char *file, const char *ext, size_t digest_len, uint8_t *ret, char *reason,
                         size_t reason_size);

/* boot_expected_digest for FILE.sha1. */
int boot_expected_sha1(int dirfd, const char *file, uint8_t ret[IMAGE_SHA1_LEN], char *reason, size_t reason_size);

struct verify_pass;

/* Why an image file R (-errno from fileio_open_regular() or a read) cannot be checked, as
 * one phrase in REASON: "not a regular file (...)" for -EBADFD and -EISDIR, else "cannot
 * read the image (...)".  Returns R. */
int boot_unreadable(int r, char *reason, size_t reason_size);

/* Verify IMAGE on the card against its .sha1 (reading it with PASS, may be NULL: see
 * verify.h), setting image->sha1 and image->verified.  On failure writes a phrase such as "checksum mismatch (...)" into REASON and returns
 * -errno. */
int boot_verify_card(const struct boot_source *source, struct image *image, const struct verify_pass *pass,
                     char *reason, size_t reason_size);

/* Mount the verified image file PATH read-only, build the hand-off initramfs (carrying the
 * image itself when IN_RAM: it was fetched and exists nowhere else; with OVERLAY_URL, not
 * NULL, also BOOT_OVERLAY_FILE and BOOT_BUSYBOX for stage 2 to unpack it) and load the
 * image's kernel for kexec with hopboot.from=FROM.  On failure writes a phrase into REASON
 * and returns -errno, with the image unmounted again. */
int boot_load(const struct config *config, const struct boot_source *source, const struct image *image,
              const char *path, bool in_ram, const char *from, const char *overlay_url, struct boot_loaded *ret,
              char *reason, size_t reason_size);

/* Undo what boot_load left mounted or written.  Safe to call at any time. */
void boot_release(void);
