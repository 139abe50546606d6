/* handoff.h - what stage 1 tells stage 2 across kexec.
 *
 * Mounts do not survive kexec, so stage 1 writes a small text file into the hand-off
 * initramfs naming the card, the image and its digest, the keydisk and the kernel modules
 * to load in order; stage 2 (PID 1 of the image's kernel) reads it back.  Format: the line
 * "hopboot-handoff 1", then KEY=VALUE lines.  Pure: no I/O, no logging. */
#pragma once

#include <stddef.h>

#define HANDOFF_PATH "hopboot/handoff"
#define HANDOFF_MODULE_DIR "hopboot/modules"
/* A fetched image travels inside the hand-off initramfs, here. */
#define HANDOFF_IMAGE_PATH "hopboot/image.img"
/* hopboot.overlay=: the fetched tarball, and the static busybox whose tar unpacks it. */
#define HANDOFF_OVERLAY_PATH "hopboot/overlay.tar.gz"
#define HANDOFF_BUSYBOX_PATH "hopboot/busybox"
/* The static e2fsck that checks the keydisk before stage 2 mounts it, when stage 1 has one. */
#define HANDOFF_E2FSCK_PATH "hopboot/e2fsck"
#define HANDOFF_MAX_SIZE 65536
#define HANDOFF_MAX_MODULES 128

struct handoff {
    char *label;   /* "Demo-1.1.0" */
    char *image;   /* relative to the card's root ("Demo-1.1.0.img"), or absolute in the
                    * hand-off initramfs ("/hopboot/image.img") for a fetched image */
    char *card;    /* how to find the card again: "UUID=1234-ABCD", or "none" */
    char *keydisk; /* as hopboot.keydisk=: a path on the card, LABEL=, UUID= or "none" */
    char *sha1;    /* 40 hex digits of the verified image */
    char *from;    /* "card" or the image's URL */
    char *overlay; /* the overlay's URL, when HANDOFF_OVERLAY_PATH is there to unpack; else NULL */
    char **modules; /* NULL-terminated: paths inside the hand-off initramfs, in load order */
    size_t n_modules;
};

/* Render H as text.  Every string (overlay may be NULL: no line) must be non-empty and free
 * of control characters.
 * Returns 0 and a malloc'd NUL-terminated string in *ret,
 * -EINVAL for a field that cannot be written, -ENOMEM. */
int handoff_format(const struct handoff *h, char **ret);

/* Parse LEN bytes of TEXT.  Every key but modules and overlay is required exactly once
 * (overlay at most once); unknown keys,
 * a wrong first line, control characters or more than HANDOFF_MAX_MODULES modules are
 * -EBADMSG.  On success fills *ret (free with handoff_done). */
int handoff_parse(const char *text, size_t len, struct handoff *ret);

/* Free what H owns and reset it to zeroes. */
void handoff_done(struct handoff *h);
