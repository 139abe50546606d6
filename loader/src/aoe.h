/* aoe.h - ATA over Ethernet for the loader: bring the interfaces' links up (no IP
 * address: AoE is plain Ethernet), name them to the kernel's aoe driver, ask for discovery
 * and wait, bounded, until the targets that answer have appeared as block devices
 * (/dev/etherd/eX.Y).  The caller loads the driver.  Does not log. */
#pragma once

#include <stddef.h>

/* How long an interface named in the list may take to appear: drivers are loaded by then,
 * so a missing one is most likely a typo and must not hold the boot for long. */
#define AOE_INTERFACE_WAIT_MS 3000

struct aoe_found {
    char **targets;   /* "e0.1", sorted, NULL-terminated (strv_free); none: nobody answered */
    size_t n_targets;
    char **missing;   /* interfaces of the list that did not exist within the bound */
    size_t n_missing;
    char **used;      /* the interfaces discovery ran on */
    size_t n_used;
    double seconds;   /* from setting the links up to the last target's appearance */
};

/* Paths below ROOT ("" on the loader; a directory of fakes in the unit tests):
 * /sys/class/net/IFACE to find an interface, /dev/etherd/{interfaces,discover} to talk to
 * the driver, /sys/block/etherd!eX.Y plus the node /dev/etherd/eX.Y to see a target.
 *
 * Wait up to AOE_INTERFACE_WAIT_MS (at most TIMEOUT_MS) for the interfaces of IFACES
 * (comma-separated) to exist, set the existing ones up (net_link_up; that one acts on the
 * running system's interfaces whatever ROOT is), give them to the driver, and ask for
 * discovery, again each second while no target has appeared (a link may come late).  Once
 * one has, ask once more and wait until SETTLE_MS pass without a new one, so that a RAID
 * does not start with a member missing only because its answer was slower; all within
 * TIMEOUT_MS from setting the links up.
 * Returns 0 with *ret filled (free with aoe_found_done), also when no interface
 * exists (n_used 0) or no target answered (n_targets 0); -ENOENT when the driver is not
 * loaded (no ROOT/dev/etherd/discover); -ENOMEM; other -errno from writing to the driver. */
int aoe_discover(const char *root, const char *ifaces, unsigned timeout_ms, unsigned settle_ms,
                 struct aoe_found *ret);

void aoe_found_done(struct aoe_found *found);
