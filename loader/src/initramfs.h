/* initramfs.h - write the hand-off initramfs that stage 1 gives the image's kernel:
 * the image's own /boot/initrd.img if it has one, then a newc archive holding stage 2 as
 * /init, the hand-off file and the modules stage 2 loads.  The kernel unpacks concatenated
 * archives in order, so ours comes last and its /init wins.  Does not log. */
#pragma once

#include <stddef.h>

#include "handoff.h"

/* The files stage 2 may need beside itself, each NULL when not there: hopboot.overlay='s
 * tarball and the static busybox that unpacks it, and the static e2fsck for the keydisk. */
struct initramfs_extras {
    const char *tarball;
    const char *busybox;
    const char *e2fsck;
};

/* Write the hand-off initramfs to OUT_PATH (created, truncated).  IMAGE_INITRD may be NULL.
 * STAGE2 is the stage-2 binary.  RAM_IMAGE (may be NULL) is copied in as
 * HANDOFF_IMAGE_PATH; EXTRAS' files as HANDOFF_OVERLAY_PATH, HANDOFF_BUSYBOX_PATH and
 * HANDOFF_E2FSCK_PATH.  MODULE_PATHS (N_MODULES, load order) are copied in as
 * hopboot/modules/NN-name.ko and listed in the hand-off file made from H (whose own
 * modules field is ignored).  Returns 0 or -errno. */
int initramfs_write(const char *out_path, const char *image_initrd, const char *stage2, const struct handoff *h,
                    const char *ram_image, const struct initramfs_extras *extras, char *const *module_paths,
                    size_t n_modules);
