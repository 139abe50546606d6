/* md.h - Linux software RAID for the loader: have mdadm assemble every array it finds
 * (degraded ones too) and say what the kernel made of them.  The caller loads md_mod and
 * the RAID personalities.  Does not log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define MD_MDADM "/sbin/mdadm"

struct md_array {
    char device[32]; /* "/dev/md127" */
    char level[16];  /* "raid1"; empty when the array is not running */
    bool running;    /* array_state is neither inactive nor clear (readonly is running) */
    unsigned disks;  /* raid_disks */
    unsigned working; /* disks - degraded */
};

/* Run MDADM --assemble --scan --run --readonly quietly (--run: start an array with
 * members missing, as long as it can run at all; --readonly: write nothing to the
 * members), then list the arrays under ROOT/sys/block ("" on the loader; fakes in the
 * unit tests).  mdadm's own exit status is not the answer: it fails when there was
 * nothing to do, and arrays the kernel already had count too.
 * Returns 0 and a malloc'd array of *ret_n (may be 0) in *ret_arrays; -ENODEV when the
 * kernel has no md driver (no ROOT/proc/mdstat); -ENOENT when there is no MDADM; other
 * -errno when it cannot be run; -ENOMEM. */
int md_assemble(const char *mdadm, const char *root, struct md_array **ret_arrays, size_t *ret_n);

/* The arrays under ROOT/sys/block now (md_assemble's listing). */
int md_list(const char *root, struct md_array **ret_arrays, size_t *ret_n);
