/* switchroot.h - leave the initramfs for the real root, as busybox switch_root does. */
#pragma once

/* Move /dev, /proc, /sys and /run into NEW_ROOT (where it has those directories), delete
 * the initramfs' files to give their RAM back, make NEW_ROOT the root and exec INIT with
 * ARGV.  Returns only on failure, with -errno; by then the initramfs may be half-deleted,
 * so the caller can only report and reboot. */
int switchroot(const char *new_root, const char *init, char *const argv[]);
