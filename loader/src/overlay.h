/* overlay.h - hopboot.overlay=: fetch a machine's .tar.gz into RAM and check it against what
 * lies beside it on the server, as hopboot.verify= says: URL.sha1, URL.sha256, or
 * URL.minisig by a trusted key whose signed comment names this very URL (so another
 * machine's overlay, or any other signed file, is refused) and a serial not below the one
 * this machine took before (so an old signed overlay cannot be served again).  The checksum or signature
 * must be there: unlike Alpine's apkovl, an overlay with none is refused, since it lands
 * in the persistent keydisk as root.  Stage 2 unpacks it (untar.h).  Does not log. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "fetch.h"
#include "trust.h"

/* The largest overlay taken: it sits in RAM beside the image, and again in the hand-off. */
#define OVERLAY_MAX_SIZE (64ull << 20)

enum overlay_check {
    OVERLAY_SHA1_OK,   /* matches URL.sha1 */
    OVERLAY_SHA256_OK, /* hopboot.verify=sha256: matches URL.sha256 */
    OVERLAY_SIGNED_OK, /* hopboot.verify=signed: URL.minisig verified */
};

struct overlay_result {
    enum overlay_check check;
    uint64_t size;   /* bytes fetched */
    uint64_t serial; /* OVERLAY_SIGNED_OK: the signature's serial, for the next boot's floor */
};

/* Fetch URL (expanded) into the new file PATH under O (o->max_size caps it), then check it
 * as T->mode says (T's keys and overlay floor for signed; the signature is checked before
 * the overlay is fetched).  Returns 0 with *ret.  On
 * failure removes PATH and returns -errno with one phrase in REASON: "not found on the
 * server", "larger than 64 MiB", "checksum mismatch (file is ..., X.sha1 says ...)",
 * "no checksum file X.sha1",
 * "malformed checksum file X.sha1", "cannot fetch X.sha1 (...)", "not signed (no
 * X.minisig; hopboot.verify=signed)", "its bytes do not match the signature by key K", ... */
int overlay_fetch(const char *url, const struct fetch_options *o, const struct trust *t, const char *path,
                  struct overlay_result *ret, char *reason, size_t reason_size);
