/* card.h - find the boot card and mount it read-only.  Does not log. */
#pragma once

/* Wait up to TIMEOUT_S seconds for the card and mount it read-only at MOUNTPOINT.  The card
 * is the device SPEC names (LABEL=, UUID=, /dev/) or, with SPEC NULL, the first vfat
 * filesystem that holds /syslinux.cfg.  Each round first loads modules for devices that
 * appeared (USB and SD cards show up late).  On success *ret_device ("/dev/sda1") and
 * *ret_uuid (the filesystem UUID, may be NULL when it has none) are set.
 * Returns 0, -ENODEV when no card appeared in time, -EINVAL for a bad SPEC, or -errno of
 * mounting the device SPEC named. */
int card_mount(const char *spec, unsigned timeout_s, const char *mountpoint, char **ret_device, char **ret_uuid);
