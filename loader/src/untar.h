/* untar.h - unpack a gzip'd tar archive onto a directory with busybox tar, confined to
 * that directory.  busybox tar 1.35 strips leading "/" and "../" from member names, but
 * it follows symlinks that already exist under the directory (and hard link targets such
 * as "/x" or "../x") wherever they point; so tar runs chrooted into the directory, where
 * every absolute or ".." path ends inside it.  Used by stage 2 for hopboot.overlay=.
 * Does not log. */
#pragma once

#include <stddef.h>

/* Unpack TARBALL (gzip'd tar) into ROOT with the static busybox at BUSYBOX.  Both files
 * are opened before tar is chrooted into ROOT, so they may lie outside it.  On success
 * returns 0 and the number of members that are not directories in *ret_files.  On failure
 * returns -errno with one phrase in REASON: -ECHILD when tar exits non-zero or is killed
 * (REASON: tar's first error line, without "tar: "; what it unpacked before stays), else
 * the -errno of the step that could not be done ("cannot open BUSYBOX (...)"). */
int untar_gzip(const char *busybox, const char *tarball, const char *root, unsigned *ret_files, char *reason,
               size_t reason_size);
