/* netboot.h - images from a network source: which candidates a URL offers and their
 * checksums, and fetching one into RAM verified in the same pass.  Does not log.
 *
 * A URL names one image (its .sha1 is fetched from beside it) or a directory: FTP
 * directories are listed (each image's .sha1 beside it); HTTP(S) and TFTP directories,
 * which cannot be listed portably, are read through their SHA1SUMS index (images/mkindex).
 * NFS exports are mounted read-only with the kernel's NFSv4 client and read like the card;
 * their images are copied into RAM, hashed in the same pass. */
#pragma once

#include <stddef.h>

#include "fetch.h"
#include "image.h"
#include "trust.h"
#include "url.h"

#define NETBOOT_INDEX "SHA1SUMS"          /* the index sha1 and signed mode list names from */
#define NETBOOT_INDEX_SHA256 "SHA256SUMS" /* the index under hopboot.verify=sha256 */
#define NETBOOT_NFS_DIR "/run/hopboot/nfs"

struct netboot_source {
    char *dir_url;   /* "http://host:port/dir/" */
    char *index;     /* the index's text for an indexed directory, else NULL */
    const char *index_name; /* NETBOOT_INDEX or NETBOOT_INDEX_SHA256 */
    size_t index_len;
    int nfs_dirfd;   /* the mounted NFS directory, -1 for other schemes */
    struct fetch_options options;
    const struct trust *trust; /* how netboot_fetch checks its images */
};

/* The candidates URL U offers for NAME (unordered; see select.h), each with its url set,
 * to be checked under T (whose mode also picks the index of a server that cannot be
 * listed: SHA256SUMS under sha256, else SHA1SUMS).
 * CLIENT_IP is this machine's address (NFSv4 needs it).  Returns 0 and fills *ret (free
 * with netboot_done, which also unmounts NFS), *ret_images and *ret_n; or -errno with a
 * phrase in ERROR (the export does not mount, the index or listing could not be fetched
 * or is malformed). */
int netboot_list(const struct url *u, const char *name, const char *client_ip, const struct fetch_options *o,
                 const struct trust *t, struct netboot_source *ret, struct image **ret_images, size_t *ret_n, char *error,
                 size_t error_size);

/* Fetch the signature SIG_URL (SIG_FILE, "X.minisig", for the phrases) into *ret_text /
 * *ret_len (free()).  Returns 0, or -errno with "not signed (no X.minisig;
 * hopboot.verify=signed)", "malformed signature file X.minisig" or "cannot fetch
 * X.minisig (...)" in REASON.  Images and overlays both take their signature this way. */
int netboot_fetch_signature(const char *sig_url, const char *sig_file, const struct fetch_options *o,
                            char **ret_text, size_t *ret_len, char *reason, size_t size);

/* Fetch the checksum file SUMS_URL (SUMS_NAME, "X.sha1", for the phrases): one
 * sha1sum/sha256sum line naming FILE with a DIGEST_LEN-byte digest, into RET.  Returns 0,
 * or -errno with "no checksum file X.sha1", "malformed checksum file X.sha1" or "cannot
 * fetch X.sha1 (...)" in REASON.  Images and overlays both take their checksum this way. */
int netboot_fetch_digest(const char *sums_url, const char *sums_name, const char *file, size_t digest_len,
                         const struct fetch_options *o, uint8_t *ret, char *reason, size_t size);

/* Check and fetch IMAGE into a new file RAM_PATH under S->trust's mode.  sha1: its expected
 * digest (.sha1 or the index) first, then the image, hashed as it arrives, compared.
 * sha256 likewise with .sha256 or SHA256SUMS, hashed once more in RAM.  signed: its
 * .minisig from beside it, checked as trust_check_signature does (trusted key, this
 * file's name, not older than the floor) before the image is fetched, then the bytes in
 * RAM against it.  On success sets image->sha1 (of the bytes) and image->verified.  On
 * failure writes a phrase ("no checksum file X.sha1", "checksum mismatch (...)", "not
 * signed (...)", "not found on the server", ...) into REASON and returns -errno. */
int netboot_fetch(const struct netboot_source *s, struct image *image, const char *ram_path, char *reason,
                  size_t reason_size);

void netboot_done(struct netboot_source *s);
