/* trial.h - trial boots and automatic rollback: what the boot state (state.h) says about
 * one verified candidate.  Pure; the pipeline acts on the verdict and logs.
 *
 * An image the OS never confirmed boots on trial: each boot uses one of hopboot.tries=
 * attempts, counted on the card before the kexec.  The OS confirms a good boot with
 * hopboot-bless.  When the attempts are used up unconfirmed, the image is marked bad and
 * the next candidate (the previous good image) boots; a bad image boots again only when
 * nothing else can (as systemd-boot treats entries with no tries left), or after
 * `hopboot-bless --retry FILE`.  Records are tied to the image's digest: a different file
 * under the same name is a new image. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "state.h"

enum trial_verdict {
    TRIAL_BOOT,      /* boot it, no write: confirmed good, or trials off */
    TRIAL_ATTEMPT,   /* boot it on trial: record attempt / tries first */
    TRIAL_EXHAUSTED, /* its last attempt went unconfirmed: mark it bad, try the next */
    TRIAL_BAD,       /* marked bad before: try the next */
};

struct trial_decision {
    enum trial_verdict verdict;
    unsigned attempt;    /* TRIAL_ATTEMPT: 1..tries; TRIAL_EXHAUSTED: how many were used */
    unsigned tries;      /* the attempts an image gets */
    unsigned tries_left; /* TRIAL_ATTEMPT: what to record before booting */
};

/* "sha1:<hex>" of an image whose SHA-1 is SHA1: which bytes a record is about. */
void trial_digest_id(const uint8_t sha1[20], char out[STATE_MAX_DIGEST + 1]);

/* Decide for FILE with DIGEST ("sha1:<hex>") under STATE, TRIES attempts per image
 * (0: trial boots are off and every verified image just boots). */
struct trial_decision trial_decide(const struct boot_state *state, const char *file, const char *digest,
                                   unsigned tries);
