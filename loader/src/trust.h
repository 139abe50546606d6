/* trust.h - hopboot.verify=: whether a candidate on the card holds the bytes its maker
 * made.  sha1 and sha256 compare with NAME.img.sha1 / .sha256 (corruption only: whoever
 * can write the image can write its checksum); signed checks NAME.img.minisig, a detached
 * Ed25519 signature in minisign's format, against the public keys built into the
 * initramfs, and refuses an image older than the newest one the OS confirmed (rollback
 * protection, from the file name the signature's trusted comment carries).
 *
 * In signed mode the image is copied into RAM in the same pass that checks it, and the
 * RAM copy is what boots (stage 2 gets it inside the hand-off): bytes changed on the card
 * after the check never reach the OS.  Does not log. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot.h"
#include "cmdline.h"
#include "image.h"
#include "minisign.h"
#include "version.h"

#define TRUST_KEYS_DIR "/etc/hopboot/keys"

struct trust {
    enum verify_mode mode;
    struct minisign_key *keys; /* signed: the trusted keys */
    size_t n_keys;
    bool has_floor;            /* signed: refuse versions older than FLOOR */
    struct version floor;
    const char *name;          /* hopboot.name=, to read the version of a signed file name */
    uint64_t overlay_floor;    /* signed: refuse overlays whose serial is below this */
    /* Told how far a check has got (may be NULL), e.g. progress_callback. */
    void (*progress)(void *userdata, uint64_t done, uint64_t total);
    void *progress_userdata;
};

/* Check IMAGE in SOURCE's directory under T, copying it in the same pass into a new file
 * RAM_PATH (NULL: no copy) of at most MAX_SIZE bytes (0: no limit): signed mode and block
 * sources check the copy they boot, never the card's file a second time.  On success
 * image->sha1 (the identity the boot state uses) and image->verified are set.  On failure
 * RAM_PATH is removed, one phrase is written into REASON ("no signature file X.minisig",
 * "checksum mismatch (...)", "too large for this machine's RAM ...") and -errno returned. */
int trust_check_card(const struct trust *t, const struct boot_source *source, struct image *image,
                     const char *ram_path, uint64_t max_size, char *reason, size_t size);

/* Whether this build accepts SIG's algorithm: minisign's default (prehashed) always,
 * legacy ("Ed", minisign -S -l) only when built with -DHOPBOOT_LEGACY_SIGNATURES=ON.
 * Returns 0, or -EPROTONOSUPPORT with one phrase naming SIG_FILE in REASON. */
int trust_check_algorithm(const struct minisign_signature *sig, const char *sig_file, char *reason, size_t size);

/* Signed mode for a source that is no directory of the loader's (a network server): TEXT
 * (LEN bytes, the contents of SIG_FILE, "X.img.minisig") must be a signature this build
 * accepts, by a trusted key, whose trusted comment names IMAGE's file and whose version
 * is not older than the floor.  On success *ret_sig is the signature, for
 * trust_check_signed_fd once the bytes are there.  Returns 0 or -errno with a phrase in
 * REASON, worded as for the card. */
int trust_check_signature(const struct trust *t, const char *text, size_t len, const char *sig_file,
                          const struct image *image, struct minisign_signature *ret_sig, char *reason, size_t size);

/* Signed mode for hopboot.overlay=: TEXT (LEN bytes, SIG_FILE's contents) must be a
 * signature this build accepts, by a trusted key, whose trusted comment names URL (the
 * overlay's URL after ${...} expansion) in a "url:" field and carries "serial:N" with N
 * not below t->overlay_floor (replay protection; images/signoverlay writes both).  On
 * success *ret_sig (for trust_check_signed_fd) and *ret_serial.  Returns 0 or -errno with
 * a phrase in REASON. */
int trust_check_overlay_signature(const struct trust *t, const char *text, size_t len, const char *sig_file,
                                  const char *url, struct minisign_signature *ret_sig, uint64_t *ret_serial,
                                  char *reason, size_t size);

/* Whether FD's bytes, from its start, are the ones SIG signs.  Returns 0 or -errno with a
 * phrase in REASON ("its bytes do not match the signature by key ..."). */
int trust_check_signed_fd(const struct trust *t, int fd, const struct minisign_signature *sig, char *reason,
                          size_t size);

/* Read SIG_FILE (relative to DIRFD, a regular file only) into *ret_text / *ret_len (free()),
 * or -errno with "not signed (no X.minisig; hopboot.verify=signed)" and the like in
 * REASON. */
int trust_read_signature(int dirfd, const char *sig_file, char **ret_text, size_t *ret_len, char *reason,
                         size_t size);

/* How a candidate that passed T's check was checked, for the booting line: "sha1 ok",
 * "sha256 ok" or "signature ok". */
const char *trust_checked(const struct trust *t);

/* Rollback protection: refuse versions older than FLOOR, the newest version the OS
 * confirmed (the boot state's floor; "" or one that does not parse: no floor). */
void trust_set_floor(struct trust *t, const char *floor);

/* Release the keys. */
void trust_done(struct trust *t);
