/* devices.h - block devices: list them, probe them with libblkid, and wait for one
 * named LABEL=, UUID= or /dev/... to appear.  Does not log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Probe DEVICE (a block device or image file) for a filesystem.  Each non-NULL ret_* gets
 * a malloc'd string or NULL when the filesystem has no such tag.  Returns 0 (also when
 * nothing was recognised: *ret_type NULL) or -errno when the device cannot be read. */
int devices_probe(const char *device, char **ret_type, char **ret_label, char **ret_uuid);

/* Every block device the kernel knows now, as "/dev/NAME", NULL-terminated (strv_free);
 * a sysfs name with '!' (etherd!e0.1) as the path with '/' (/dev/etherd/e0.1).
 * Returns 0 or -errno. */
int devices_list(char ***ret_devices, size_t *ret_n);

/* Whether DEVICE matches SPEC: "LABEL=x" / "UUID=x" (by probing) or "/dev/x" (by name). */
bool devices_match(const char *device, const char *spec);

/* The device that matches SPEC, looked for now.  Returns 0 and a malloc'd "/dev/NAME" in
 * *ret_device, -ENODEV when none matches, -EINVAL for a SPEC that is none of the three
 * forms, and -ENOTUNIQ when two devices match (a copied card, a stick with the same
 * label): never resolved by enumeration order, which is hash order in sysfs.  Then
 * *ret_device and *ret_other (when not NULL) name the first two matches. */
int devices_find(const char *spec, char **ret_device, char **ret_other);

/* Whether SPEC names a device (LABEL=, UUID=, /dev/) rather than a path. */
bool devices_is_spec(const char *spec);
