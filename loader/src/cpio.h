/* cpio.h - write "newc" cpio archives, the format the kernel unpacks as an initramfs.
 * Used for the hand-off initramfs stage 1 gives the image's kernel.  Does not log. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct cpio {
    int fd;             /* not owned */
    uint64_t offset;    /* bytes written so far, for the 4-byte alignment */
    uint32_t next_inode;
};

/* Start an archive on FD, which must be positioned where the archive begins. */
void cpio_init(struct cpio *c, int fd);

/* Each adder takes a relative PATH ("init", "hopboot/modules/00-loop.ko"; no leading '/',
 * no "..", at most 1023 bytes) and permission bits PERM.  All entries are owned by root,
 * mtime 0, so an archive depends only on its contents.  Return 0 or -errno (-EINVAL for a
 * bad path, -EFBIG for a file over 4 GiB - 1, the newc limit). */
int cpio_add_directory(struct cpio *c, const char *path, mode_t perm);
int cpio_add_data(struct cpio *c, const char *path, mode_t perm, const void *data, size_t len);
/* Copies the whole of SRC_FD (from offset 0). */
int cpio_add_file(struct cpio *c, const char *path, mode_t perm, int src_fd);
int cpio_add_symlink(struct cpio *c, const char *path, const char *target);
/* TYPE is S_IFCHR or S_IFBLK. */
int cpio_add_device(struct cpio *c, const char *path, mode_t type, mode_t perm, unsigned major, unsigned minor);

/* Write the TRAILER!!! entry and pad the archive to a multiple of 512 bytes.
 * Returns 0 or -errno. */
int cpio_finish(struct cpio *c);
