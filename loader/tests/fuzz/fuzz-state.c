/* fuzz-state.c - state_parse (state.h), which reads a slot file from the card: whatever a
 * power cut or a stranger left there.  Properties: it accepts or gives -EBADMSG; what it
 * accepts formats back (state_format) into a slot that parses to the same state; and the
 * trial decisions on an accepted state stay within their documented ranges. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "state.h"
#include "trial.h"

static void check_same(const struct boot_state *a, const struct boot_state *b)
{
    FUZZ_ASSERT(a->seq == b->seq);
    FUZZ_ASSERT(strcmp(a->floor, b->floor) == 0);
    FUZZ_ASSERT(a->overlay_serial == b->overlay_serial);
    FUZZ_ASSERT(a->n_records == b->n_records);
    for (size_t i = 0; i < a->n_records; i++) {
        FUZZ_ASSERT(strcmp(a->records[i].file, b->records[i].file) == 0);
        FUZZ_ASSERT(strcmp(a->records[i].digest, b->records[i].digest) == 0);
        FUZZ_ASSERT(a->records[i].status == b->records[i].status);
        FUZZ_ASSERT(a->records[i].tries_left == b->records[i].tries_left);
    }
}

/* TEXT is not const: gcc 12 would take a zero-length input for uninitialised bytes read. */
static void check_text(char *text, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_memdup(data, size);
    check_text(text, size);
    /* Random bytes almost never carry a valid CRC: also give the body parser the input
     * closed with its own "end <crc>" line, as state_format would write it. */
    if (size > 0 && size < STATE_SLOT_SIZE - 16 && data[size - 1] == '\n') {
        char *closed = malloc(size + 16);
        if (!closed)
            abort();
        memcpy(closed, data, size);
        int n = snprintf(closed + size, 16, "end %08x\n", state_crc32(data, size));
        check_text(closed, size + (size_t)n);
        free(closed);
    }
    free(text);
    return 0;
}

static void check_text(char *text, size_t size)
{
    struct boot_state st, again;
    char slot[STATE_SLOT_SIZE];

    int r = state_parse(text, size, &st);
    FUZZ_ASSERT(r == 0 || r == -EBADMSG);
    if (r == 0) {
        FUZZ_ASSERT(st.n_records <= STATE_MAX_RECORDS);
        FUZZ_ASSERT(state_format(&st, slot) == 0);
        FUZZ_ASSERT(state_parse(slot, sizeof(slot), &again) == 0);
        check_same(&st, &again);
        for (size_t i = 0; i < st.n_records; i++) {
            const struct state_record *rec = &st.records[i];
            for (unsigned tries = 0; tries <= 4; tries++) {
                struct trial_decision d = trial_decide(&st, rec->file, rec->digest, tries);
                if (tries == 0)
                    FUZZ_ASSERT(d.verdict == TRIAL_BOOT);
                if (d.verdict == TRIAL_ATTEMPT)
                    FUZZ_ASSERT(d.attempt >= 1 && d.attempt <= tries && d.tries_left < tries &&
                                d.attempt + d.tries_left == tries);
                if (rec->status == STATE_GOOD)
                    FUZZ_ASSERT(d.verdict == TRIAL_BOOT);
                if (rec->status == STATE_BAD && tries > 0)
                    FUZZ_ASSERT(d.verdict == TRIAL_BAD);
            }
        }
    }
}
