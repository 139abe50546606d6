/* card.h - find the boot card and mount it read-only.  Does not log. */
#pragma once

#include <stdbool.h>

#define CARD_FSCK "/sbin/fsck.fat"

/* Wait up to TIMEOUT_S seconds for the card and mount it read-only at MOUNTPOINT.  The card
 * (or a block source of hopboot.src=) is the device SPEC names (LABEL=, UUID=, /dev/) or,
 * with SPEC NULL, the vfat filesystem that holds /syslinux.cfg (never an AoE target or a
 * RAID array: those only by SPEC).  Each round first loads modules for devices that
 * appeared (USB and SD cards show up late).  On success *ret_device ("/dev/sda1") and
 * *ret_uuid (the filesystem UUID, may be NULL when it has none) are set.
 * Returns 0, -ENODEV when no card appeared in time, -EINVAL for a bad SPEC, -ENOTUNIQ
 * when two devices qualify (two cards with syslinux.cfg, two filesystems with SPEC's
 * label or UUID; *ret_device and *ret_other name them, nothing is mounted), or -errno of
 * mounting the device SPEC named. */
int card_mount(const char *spec, unsigned timeout_s, const char *mountpoint, char **ret_device, char **ret_uuid,
               char **ret_other);

/* Whether the FAT filesystem on DEVICE says it was not cleanly unmounted: Linux sets the
 * dirty flag in the boot sector's state byte while it has the filesystem mounted
 * read-write and clears it when it unmounts or remounts read-only.  Returns 1 dirty, 0
 * clean, -EMEDIUMTYPE when DEVICE holds no FAT boot sector, -errno. */
int card_is_dirty(const char *device);

/* Make sure the card's filesystem is clean before anything writes to it: unmount it from
 * MOUNTPOINT, run fsck.fat -a (repairing what a power cut left: the dirty flag, lost
 * clusters, a half-written file's length) on DEVICE, and mount it read-only again.
 * Returns 0 when it was clean, 1 when fsck.fat repaired it, -EUCLEAN when fsck.fat could
 * not, -errno when a step failed (the card may then be unmounted). */
int card_check(const char *device, const char *mountpoint);

/* Remount the card at MOUNTPOINT read-write (WRITABLE) or read-only.  Returns 0 or -errno. */
int card_set_writable(const char *mountpoint, bool writable);
