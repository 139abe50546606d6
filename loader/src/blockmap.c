/* blockmap.c - see blockmap.h. */
#include "blockmap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "mount.h"

/* How many bytes of each extent the check compares, and of how many extents at most. */
#define CHECK_BYTES 4096
#define CHECK_EXTENTS 64

int blockmap_add(struct blockmap *map, uint64_t logical, uint64_t physical, uint64_t length)
{
    struct blockmap_extent *last = map->n_extents ? &map->extents[map->n_extents - 1] : NULL;

    if (length == 0 || logical != (last ? last->logical + last->length : 0))
        return -EINVAL;
    if (last && last->physical + last->length == physical) {
        last->length += length;
        return 0;
    }
    struct blockmap_extent *grown = realloc(map->extents, (map->n_extents + 1) * sizeof(*grown));
    if (!grown)
        return -ENOMEM;
    map->extents = grown;
    map->extents[map->n_extents++] = (struct blockmap_extent){ logical, physical, length };
    return 0;
}

void blockmap_done(struct blockmap *map)
{
    free(map->extents);
    *map = (struct blockmap){ 0 };
}

/* The map must hold the file's bytes: a wrong map would write a keydisk over the FAT. */
static int check_map(int fd, int device_fd, const struct blockmap *map)
{
    static char from_file[CHECK_BYTES], from_device[CHECK_BYTES];
    size_t step = map->n_extents > CHECK_EXTENTS ? map->n_extents / CHECK_EXTENTS : 1;

    for (size_t i = 0; i < map->n_extents; i += step) {
        const struct blockmap_extent *e = &map->extents[i];
        size_t len = e->length < CHECK_BYTES ? (size_t)e->length : CHECK_BYTES;
        ssize_t a = pread(fd, from_file, len, (off_t)e->logical);
        ssize_t b = pread(device_fd, from_device, len, (off_t)e->physical);
        if (a < 0 || b < 0)
            return -errno;
        if ((size_t)a != len || (size_t)b != len || memcmp(from_file, from_device, len) != 0)
            return -EILSEQ;
    }
    return 0;
}

int blockmap_of_file(int fd, int device_fd, struct blockmap *ret)
{
    _cleanup_(blockmap_done) struct blockmap map = { 0 };
    struct statfs fs;
    struct stat st;
    int block_size;

    if (fstat(fd, &st) < 0 || fstatfs(fd, &fs) < 0 || ioctl(fd, FIGETBSZ, &block_size) < 0)
        return -errno;
    if (!S_ISREG(st.st_mode))
        return -EINVAL;
    if (st.st_size == 0 || block_size <= 0 || fs.f_bsize < block_size || fs.f_bsize % block_size != 0)
        return -ENODATA;
    /* One FIBMAP per allocation unit (vfat's f_bsize is its cluster size): the blocks of a
     * cluster are contiguous by definition, so asking for each would only cost time. */
    uint64_t unit = (uint64_t)fs.f_bsize, size = (uint64_t)st.st_size;
    for (uint64_t logical = 0; logical < size; logical += unit) {
        int block = (int)(logical / (uint64_t)block_size);
        if ((uint64_t)block * (uint64_t)block_size != logical)
            return -EFBIG; /* beyond what FIBMAP's int can name */
        if (ioctl(fd, FIBMAP, &block) < 0)
            return errno == EINVAL ? -ENOTTY : -errno;
        if (block == 0)
            return -ENODATA;
        uint64_t length = size - logical < unit ? size - logical : unit;
        int r = blockmap_add(&map, logical, (uint64_t)block * (uint64_t)block_size, length);
        if (r < 0)
            return r;
    }
    map.size = size;
    int r = check_map(fd, device_fd, &map);
    if (r < 0)
        return r;
    *ret = map;
    map = (struct blockmap){ 0 };
    return 0;
}

int blockmap_attach(const char *device, const struct blockmap *map, char *ret_path, size_t size)
{
    if (map->n_extents != 1)
        return -EXDEV;
    /* Not O_EXCL: the card's filesystem has the partition mounted (read-only). */
    _cleanup_close_ int device_fd = open(device, O_RDWR | O_CLOEXEC);
    if (device_fd < 0)
        return -errno;
    return mount_loop_attach(device_fd, map->extents[0].physical, map->size, false, ret_path, size);
}
