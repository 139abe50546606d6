/* state.h - the boot state on the card: which images booted well (confirmed by the OS),
 * which are on trial with how many boots left, which failed their trial.
 *
 * Power safety: the state lives in two slot files, hopboot/state.a and hopboot/state.b,
 * each exactly STATE_SLOT_SIZE bytes, each a text that ends in a CRC-32 over itself and
 * carries a sequence number.  A save rewrites the slot that does NOT hold the newest
 * valid state, in place (the file keeps its size and its clusters, so vfat changes no
 * allocation, only the data and the directory entry's time), then fsyncs it.  A power cut
 * during a save leaves that slot torn (bad CRC) and the other slot intact, so a load
 * always finds the last or the one-before-last complete state.  See doc/design-notes.md.
 *
 * The parsing and formatting are pure; state_load/state_save do the I/O.  Nothing logs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STATE_DIR "hopboot"
#define STATE_SLOT_SIZE 4096
#define STATE_MAX_RECORDS 32
#define STATE_MAX_FILE 200  /* longest image file name kept */
#define STATE_MAX_DIGEST 80 /* "sha256:" + 64 hex, with room */
#define STATE_MAX_TRIES 100

enum state_status {
    STATE_TRIAL, /* booted on trial, not confirmed yet; tries_left more boots allowed */
    STATE_GOOD,  /* the OS confirmed a good boot (hopboot-bless) */
    STATE_BAD,   /* ran out of trial boots unconfirmed */
};

struct state_record {
    char file[STATE_MAX_FILE + 1];     /* "Demo-1.1.0.img" */
    char digest[STATE_MAX_DIGEST + 1]; /* "sha1:<hex>": which bytes this record is about */
    enum state_status status;
    unsigned tries_left; /* STATE_TRIAL only */
};

struct boot_state {
    uint64_t seq;       /* bumped by every save */
    char floor[64];     /* version of the newest image ever confirmed ("" = none) */
    uint64_t overlay_serial; /* serial of the newest signed overlay taken (0 = none) */
    size_t n_records;
    struct state_record records[STATE_MAX_RECORDS];
};

/* CRC-32 (IEEE 802.3, as zlib's crc32) of LEN bytes at DATA. */
uint32_t state_crc32(const void *data, size_t len);

/* Parse one slot's bytes.  Returns 0, or -EBADMSG when the text is torn, has a bad CRC,
 * or is malformed in any way. */
int state_parse(const char *text, size_t len, struct boot_state *ret);

/* Format STATE into exactly STATE_SLOT_SIZE bytes at OUT (text, then NUL padding).
 * Returns 0, or -ENOSPC when it does not fit, -EINVAL for a record that cannot be
 * written (a file name with whitespace or control characters). */
int state_format(const struct boot_state *state, char out[STATE_SLOT_SIZE]);

/* The record for FILE, or NULL. */
struct state_record *state_find(struct boot_state *state, const char *file);

/* Set FILE's record to STATUS (and TRIES_LEFT) about DIGEST, adding it when there is none;
 * when full, the oldest record that is not on trial makes room.  Returns 0, -EINVAL for a
 * name or digest too long to keep, -ENOSPC when every record is on trial. */
int state_set(struct boot_state *state, const char *file, const char *digest, enum state_status status,
              unsigned tries_left);

/* Drop FILE's record.  Returns whether there was one. */
bool state_remove(struct boot_state *state, const char *file);

/* Name of STATUS: "trial", "good", "bad". */
const char *state_status_name(enum state_status status);

/* Load the newest valid slot from the STATE_DIR directory under CARD_DIRFD.  Returns 0;
 * -ENOENT when there is no slot at all (a card never written: an empty state in *ret);
 * -EBADMSG when slots exist but none is valid (also an empty state in *ret, with seq past
 * what a torn slot may claim); another -errno when a slot cannot be read. */
int state_load(int card_dirfd, struct boot_state *ret);

/* Save STATE (its seq bumped first) into the slot that does not hold the newest valid
 * state, creating STATE_DIR and the slot files when missing, and fsync it.  Returns 0 or
 * -errno. */
int state_save(int card_dirfd, struct boot_state *state);
