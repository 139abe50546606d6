/* mount.h - the mounts both stages make: the early API filesystems, images through
 * read-only loop devices, and the overlay union.  Does not log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mount.h>

/* Flags for a source somebody else wrote (the card, a block source, an NFS export): no
 * device node, set-id bit or program on it takes effect, in the loader or (the card, as
 * stage 2 and hopboot-bless mount it) in the OS.  A remount resets them, so it must name
 * them again. */
#define MOUNT_UNTRUSTED (MS_NODEV | MS_NOSUID | MS_NOEXEC)

/* Mount proc, sysfs, devtmpfs and a tmpfs on /run (already mounted is fine).
 * Returns 0 or the first -errno. */
int mount_early(void);

/* Bind FILE_FD (a file or a block device) to a free loop device, from byte OFFSET and at
 * most SIZE_LIMIT bytes (0: to the end), read-only when READ_ONLY, with autoclear: the
 * device goes away with its last user.  Writes the device path into RET_PATH (SIZE bytes).
 * Returns the open loop fd (close it once a user holds the device) or -errno. */
int mount_loop_attach(int file_fd, uint64_t offset, uint64_t size_limit, bool read_only, char *ret_path, size_t size);

/* Attach FILE to a free loop device (read-only when READ_ONLY: the kernel then refuses
 * every write, including a journal replay) with autoclear, so the device goes away with
 * the last unmount.  Mount it at TARGET with the filesystem type libblkid finds (FSTYPE
 * NULL) or FSTYPE.  ext2/3/4 read-only mounts use "noload" so no journal is replayed.
 * On success *ret_fstype (may be NULL) gets the type.  Returns 0, -EMEDIUMTYPE when no
 * filesystem is recognised, or -errno of the failing step. */
int mount_image(const char *file, const char *target, bool read_only, char **ret_fstype);

/* Mount the block device or file DEVICE at TARGET, type probed by libblkid, with FLAGS
 * (MS_RDONLY etc.).  Returns 0 or -errno (-EMEDIUMTYPE when no type is recognised). */
int mount_device(const char *device, const char *target, unsigned long flags, char **ret_fstype);

/* Mount an overlay of LOWER (read-only) and UPPER/WORK (same filesystem) at TARGET.
 * Returns 0 or -errno. */
int mount_overlay(const char *lower, const char *upper, const char *work, const char *target);

/* mkdir -p PATH with MODE.  Returns 0 or -errno. */
int mount_mkdir_p(const char *path, unsigned mode);
