/* blockmap.h - reach a file's bytes on the block device under its filesystem, without
 * going through that filesystem.
 *
 * The keydisk kd.img lives on the vfat card.  A loop device over the file would keep the
 * card mounted read-write (and its FAT dirty) for as long as the OS runs; instead stage 2
 * maps the file's clusters once, with the card mounted read-only, and builds a block
 * device over those sectors of the partition.  Writes then land in the file's own
 * clusters and nothing else: the FAT, the directories and the dirty bit are never
 * touched.  Does not log. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* One run of the file: LENGTH bytes at LOGICAL in the file are at PHYSICAL on the device. */
struct blockmap_extent {
    uint64_t logical;
    uint64_t physical;
    uint64_t length;
};

struct blockmap {
    struct blockmap_extent *extents;
    size_t n_extents;
    uint64_t size; /* the file's size in bytes */
};

/* Append a run to MAP, merged into the last extent when it continues it on both sides.
 * Runs must come in file order.  Returns 0, -EINVAL for a run that does not start where
 * the last one ended or is empty, -ENOMEM. */
int blockmap_add(struct blockmap *map, uint64_t logical, uint64_t physical, uint64_t length);

/* Map the regular file open as FD (FIBMAP, one call per filesystem allocation unit: a
 * cluster on vfat) and check the map: a sample of each extent read from DEVICE_FD must
 * equal the file's bytes.  On success fills *ret (free with blockmap_done).  Returns 0,
 * -EPERM without CAP_SYS_RAWIO, -ENOTTY when the filesystem cannot map blocks, -ENODATA
 * for a hole or an empty file, -EILSEQ when the device does not hold the mapped bytes,
 * -errno otherwise. */
int blockmap_of_file(int fd, int device_fd, struct blockmap *ret);

/* Give the mapped bytes of MAP on DEVICE a block device of their own, read-write: a loop
 * device with offset and size limit over DEVICE when MAP is one extent, with autoclear:
 * it goes away with its last user, so hold the returned fd until e.g. a mount uses it.
 * Writes the device path into RET_PATH (SIZE bytes).  Returns the open device fd,
 * -EXDEV when MAP has more than one extent, -errno otherwise. */
int blockmap_attach(const char *device, const struct blockmap *map, char *ret_path, size_t size);

/* Free what MAP owns and reset it to zeroes. */
void blockmap_done(struct blockmap *map);
