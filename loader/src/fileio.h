/* fileio.h - small I/O helpers shared by every stage: whole writes, bounded whole-file
 * reads, fd-to-fd copies and string-array growth. Pure: they never log. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Write all LEN bytes of BUF to FD, retrying on EINTR and short writes.
 * Returns 0 or -errno. */
int fileio_write_all(int fd, const void *buf, size_t len);

/* Open PATH (relative to DIRFD, or AT_FDCWD) for reading only if it is a regular file and
 * not a symbolic link.  PATH may lie on a card, a USB stick or an export somebody else
 * wrote, where a FIFO or a device node under a checksum file's or an image's name would
 * block the reader (PID 1) forever or read a disk, and a symbolic link would lead out of
 * the source: it is looked at without following a link (AT_SYMLINK_NOFOLLOW), opened
 * O_NOFOLLOW | O_NONBLOCK, and looked at again through the descriptor (so a file swapped
 * in between is caught too).  Returns the descriptor (O_CLOEXEC), or -EISDIR for a
 * directory, -EBADFD for anything else that is no regular file (a link, FIFO, socket or
 * device node), another -errno when it cannot be opened. */
int fileio_open_regular(int dirfd, const char *path);

/* Read the whole file PATH (relative to DIRFD, or AT_FDCWD) into a NUL-terminated buffer.
 * Files larger than MAX_SIZE bytes fail with -EFBIG.  Only a regular file is read, as
 * fileio_open_regular() opens it (-EISDIR, -EBADFD).  On success *ret_data (owned by the
 * caller, free()) and *ret_len (without the NUL; may be NULL) are set.  Returns 0 or
 * -errno. */
int fileio_read_file(int dirfd, const char *path, size_t max_size, char **ret_data, size_t *ret_len);

/* Copy LEN bytes from the current offset of SRC_FD to DST_FD (copy_file_range, falling
 * back to read/write across filesystems).  A source shorter than LEN fails with -EIO.
 * Returns 0 or -errno. */
int fileio_copy(int src_fd, int dst_fd, uint64_t len);

/* Append a copy of S to the NULL-terminated array *V of *N strings.  Returns 0 or -ENOMEM;
 * on failure *V is unchanged. */
int fileio_strv_push(char ***v, size_t *n, const char *s);

/* Resolve RELATIVE ("boot/vmlinuz") inside the tree at ROOT_DIR, symlinks included, as that
 * tree's own root would (openat2 RESOLVE_IN_ROOT): an absolute link such as /sbin/init ->
 * /lib/systemd/systemd must not reach outside it.  Writes the real path (starting with
 * ROOT_DIR) into RET (SIZE bytes).  Returns 0 or -errno (-ENAMETOOLONG when RET is short). */
int fileio_resolve_in_root(const char *root_dir, const char *relative, char *ret, size_t size);
