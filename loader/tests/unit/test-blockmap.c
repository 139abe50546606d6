/* test-blockmap.c - a file's extents: runs merge when they continue on the device, gaps
 * and empty runs are refused, and blockmap_of_file refuses what it cannot map (no regular
 * file, an empty file) without touching *ret.  The real mapping of kd.img on a vfat card
 * (FIBMAP, root only) is driven by the qemu tests that boot with a keydisk. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "blockmap.h"
#include "cleanup.h"
#include "tests.h"

static void test_add_merges_contiguous_runs(void)
{
    struct blockmap map = { 0 };

    CHECK_EQ_INT(blockmap_add(&map, 0, 8192, 4096), 0);
    CHECK_EQ_INT(blockmap_add(&map, 4096, 12288, 4096), 0); /* continues on the device */
    CHECK_EQ_INT(map.n_extents, 1);
    CHECK_EQ_INT(map.extents[0].length, 8192);
    CHECK_EQ_INT(blockmap_add(&map, 8192, 65536, 2048), 0); /* a jump: a second extent */
    CHECK_EQ_INT(map.n_extents, 2);
    CHECK_EQ_INT(map.extents[1].logical, 8192);
    CHECK_EQ_INT(map.extents[1].physical, 65536);
    CHECK_EQ_INT(blockmap_add(&map, 10240, 4096, 512), 0); /* backwards on the device */
    CHECK_EQ_INT(map.n_extents, 3);
    blockmap_done(&map);
    CHECK(map.extents == NULL && map.n_extents == 0);
}

static void test_add_refuses_gaps_and_empty_runs(void)
{
    struct blockmap map = { 0 };

    CHECK_EQ_INT(blockmap_add(&map, 4096, 0, 4096), -EINVAL); /* must start at 0 */
    CHECK_EQ_INT(blockmap_add(&map, 0, 0, 0), -EINVAL);
    CHECK_EQ_INT(blockmap_add(&map, 0, 0, 4096), 0);
    CHECK_EQ_INT(blockmap_add(&map, 8192, 8192, 4096), -EINVAL); /* a hole in the file */
    CHECK_EQ_INT(blockmap_add(&map, 2048, 2048, 4096), -EINVAL); /* overlaps */
    CHECK_EQ_INT(map.n_extents, 1);
    CHECK_EQ_INT(map.extents[0].length, 4096);
    blockmap_done(&map);
}

static void test_of_file_refuses_what_it_cannot_map(void)
{
    struct blockmap untouched = { .n_extents = 77 };
    char path[] = "/tmp/test-blockmap-XXXXXX";

    _cleanup_close_ int dir = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    CHECK(dir >= 0);
    CHECK_EQ_INT(blockmap_of_file(dir, dir, &untouched), -EINVAL); /* not a regular file */
    _cleanup_close_ int empty = mkstemp(path);
    CHECK(empty >= 0);
    unlink(path);
    CHECK_EQ_INT(blockmap_of_file(empty, empty, &untouched), -ENODATA);
    CHECK_EQ_INT(untouched.n_extents, 77);
    CHECK(untouched.extents == NULL);
}

int main(void)
{
    test_add_merges_contiguous_runs();
    test_add_refuses_gaps_and_empty_runs();
    test_of_file_refuses_what_it_cannot_map();
    return TEST_RESULT();
}
