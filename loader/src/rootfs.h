/* rootfs.h - root file system tarballs on the card (NAME-X.Y.Z-rootfs.tar.gz), which the
 * rescue menu offers to install as NAME-X.Y.Z.img through images/rootfs-to-image, the
 * same script images/mkimg --from-tar runs on a workstation.  Does not log. */
#pragma once

#include <stddef.h>

#define ROOTFS_INSTALLER "/usr/lib/hopboot/rootfs-to-image"
/* Where rootfs_find looks besides the card's top directory. */
#define ROOTFS_SUBDIR "boot-images"
/* What a tarball's name ends in (after "-", "_" or "."). */
#define ROOTFS_SUFFIX "rootfs.tar.gz"

/* What FILE (a name, no directory) is:
 *   0        NAME-X.Y.Z-rootfs.tar.gz (or _rootfs, .rootfs) for NAME: *ret_label is the
 *            malloc'd "NAME-X.Y.Z" (the version as version.h parses it);
 *   1        it ends in "rootfs.tar.gz" but is not that for NAME: no version, or
 *            another OS's name;
 *   -EINVAL  no root file system tarball at all;
 *   -ENOMEM. */
int rootfs_classify(const char *name, const char *file, char **ret_label);

/* Every regular file in DIRFD and in its ROOTFS_SUBDIR whose name ends in ROOTFS_SUFFIX,
 * as paths relative to DIRFD ("X-rootfs.tar.gz", "boot-images/X-rootfs.tar.gz"), sorted,
 * in *ret_paths (NULL-terminated, free with strv_free) and *ret_n.  Returns 0 or -errno
 * of reading DIRFD (a missing ROOTFS_SUBDIR is no error). */
int rootfs_find(int dirfd, char ***ret_paths, size_t *ret_n);

/* Run INSTALLER ("/usr/lib/hopboot/rootfs-to-image") to make OUTDIR/NAME-VERSION.img
 * from the tarball TARBALL (a full path), unpacking in TMPDIR.  LINE receives the last
 * line the installer printed: "installed NAME-VERSION.img from FILE (sha1 HEX)" on
 * success, else its error without the "rootfs-to-image: error: " prefix ("" when it
 * printed nothing).  Returns 0, -ECHILD when the installer failed or was killed, -errno
 * when it could not be run. */
int rootfs_install(const char *installer, const char *tarball, const char *name, const char *version,
                   const char *outdir, const char *tmpdir, char *line, size_t line_size);
