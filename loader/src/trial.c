/* trial.c - see trial.h. */
#include "trial.h"

#include <stdio.h>
#include <string.h>

void trial_digest_id(const uint8_t sha1[20], char out[STATE_MAX_DIGEST + 1])
{
    int len = snprintf(out, STATE_MAX_DIGEST + 1, "sha1:");
    for (int i = 0; i < 20; i++)
        len += snprintf(out + len, (size_t)(STATE_MAX_DIGEST + 1 - len), "%02x", sha1[i]);
}

struct trial_decision trial_decide(const struct boot_state *state, const char *file, const char *digest,
                                   unsigned tries)
{
    struct trial_decision d = { .verdict = TRIAL_BOOT, .tries = tries };
    const struct state_record *rec = NULL;

    if (tries == 0)
        return d;
    for (size_t i = 0; i < state->n_records; i++)
        if (strcmp(state->records[i].file, file) == 0 && strcmp(state->records[i].digest, digest) == 0)
            rec = &state->records[i];
    if (rec && rec->status == STATE_GOOD)
        return d;
    if (rec && rec->status == STATE_BAD) {
        d.verdict = TRIAL_BAD;
        return d;
    }
    /* New (or replaced) image: a full set of attempts.  A record made under a larger
     * hopboot.tries= than today's is clamped to today's. */
    unsigned left = rec ? (rec->tries_left < tries ? rec->tries_left : tries) : tries;
    if (left == 0) {
        d.verdict = TRIAL_EXHAUSTED;
        d.attempt = tries;
        return d;
    }
    d.verdict = TRIAL_ATTEMPT;
    d.attempt = tries - left + 1;
    d.tries_left = left - 1;
    return d;
}
