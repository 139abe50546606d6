/* fuzz-handoff.c - handoff_parse and handoff_format (handoff.h) against the format their
 * header describes:
 *  - the input read as a hand-off file: handoff_parse accepts it exactly when a reference
 *    reading does ("hopboot-handoff 1", then KEY=VALUE lines each ending in a newline,
 *    every scalar key once, overlay at most once, known keys only, no control characters, at most
 *    HANDOFF_MAX_MODULES modules), fills the same fields, and handoff_format writes it back
 *    so that it parses to the same struct;
 *  - the input's lines used as the fields of a struct handoff: handoff_format refuses
 *    exactly the empty fields and those with control characters, and what it writes
 *    parses back to the same struct. */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "handoff.h"

#define MAGIC "hopboot-handoff 1\n"
#define N_SCALARS 6

static const char *const scalar_keys[N_SCALARS] = { "label", "image", "card", "keydisk", "sha1", "from" };

static char **scalar(struct handoff *h, size_t i)
{
    char **fields[N_SCALARS] = { &h->label, &h->image, &h->card, &h->keydisk, &h->sha1, &h->from };
    return fields[i];
}

static bool printable(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

static bool value_is(const char *value, const char *s, size_t len)
{
    return value && strlen(value) == len && memcmp(value, s, len) == 0;
}

/* Whether handoff.h's format accepts TEXT; checks GOT's fields on the way when it does. */
static bool reference_valid(const char *text, size_t len, struct handoff *got)
{
    size_t seen[N_SCALARS] = { 0 }, modules = 0, overlays = 0;

    if (len < strlen(MAGIC) || memcmp(text, MAGIC, strlen(MAGIC)) != 0)
        return false;
    for (const char *p = text + strlen(MAGIC), *end = text + len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return false; /* a cut last line */
        size_t line_len = (size_t)(nl - p);
        const char *eq = memchr(p, '=', line_len);
        if (!eq || !printable(p, line_len) || eq + 1 == nl)
            return false;
        size_t key_len = (size_t)(eq - p), value_len = (size_t)(nl - eq - 1);
        bool known = false;
        if (key_len == 6 && memcmp(p, "module", 6) == 0) {
            if (++modules > HANDOFF_MAX_MODULES)
                return false;
            if (got->label) /* parsed: module N is this line's value */
                FUZZ_ASSERT(modules <= got->n_modules && value_is(got->modules[modules - 1], eq + 1, value_len));
            known = true;
        }
        if (key_len == 7 && memcmp(p, "overlay", 7) == 0) {
            if (++overlays > 1)
                return false;
            if (got->label)
                FUZZ_ASSERT(value_is(got->overlay, eq + 1, value_len));
            known = true;
        }
        for (size_t i = 0; i < N_SCALARS; i++)
            if (strlen(scalar_keys[i]) == key_len && memcmp(p, scalar_keys[i], key_len) == 0) {
                if (seen[i]++)
                    return false;
                if (got->label)
                    FUZZ_ASSERT(value_is(*scalar(got, i), eq + 1, value_len));
                known = true;
            }
        if (!known)
            return false;
        p = nl + 1;
    }
    for (size_t i = 0; i < N_SCALARS; i++)
        if (!seen[i])
            return false;
    if (got->label)
        FUZZ_ASSERT(got->n_modules == modules && (overlays == 1) == (got->overlay != NULL));
    return true;
}

static void check_equal(struct handoff *a, struct handoff *b)
{
    for (size_t i = 0; i < N_SCALARS; i++)
        FUZZ_ASSERT(*scalar(a, i) && *scalar(b, i) && strcmp(*scalar(a, i), *scalar(b, i)) == 0);
    FUZZ_ASSERT(!a->overlay == !b->overlay && (!a->overlay || strcmp(a->overlay, b->overlay) == 0));
    FUZZ_ASSERT(a->n_modules == b->n_modules);
    for (size_t i = 0; i < a->n_modules; i++)
        FUZZ_ASSERT(strcmp(a->modules[i], b->modules[i]) == 0);
    FUZZ_ASSERT(a->n_modules == 0 || (!a->modules[a->n_modules] && !b->modules[b->n_modules]));
}

/* H was accepted by handoff_format's contract: its text parses back to H. */
static void check_round_trip(struct handoff *h, size_t expected_len)
{
    struct handoff again = { 0 };
    char *text = NULL;

    FUZZ_ASSERT(handoff_format(h, &text) == 0 && text);
    if (expected_len)
        FUZZ_ASSERT(strlen(text) == expected_len); /* the same lines, in the writer's order */
    FUZZ_ASSERT(handoff_parse(text, strlen(text), &again) == 0);
    check_equal(h, &again);
    handoff_done(&again);
    free(text);
}

static void check_parse(const uint8_t *data, size_t size)
{
    char *text = fuzz_memdup(data, size);
    struct handoff h = { 0 };

    int r = handoff_parse(text, size, &h);
    FUZZ_ASSERT(r == 0 || r == -EBADMSG);
    FUZZ_ASSERT(r == 0 ? h.label != NULL : !h.label); /* *ret untouched on failure */
    FUZZ_ASSERT((r == 0) == reference_valid(text, size, &h));
    if (r == 0) {
        check_round_trip(&h, size);
        handoff_done(&h);
        FUZZ_ASSERT(!h.label && !h.overlay && !h.modules && h.n_modules == 0);
    }
    free(text);
}

static void check_format(const uint8_t *data, size_t size)
{
    char *lines[N_SCALARS + HANDOFF_MAX_MODULES + 1] = { 0 };
    size_t n = 0;
    bool writable = true;

    /* more modules than the reader takes is the writer caller's limit: stay within it */
    while (n < N_SCALARS + HANDOFF_MAX_MODULES && (size > 0 || n < N_SCALARS)) {
        lines[n] = fuzz_take_line(&data, &size);
        writable = writable && printable(lines[n], strlen(lines[n]));
        n++;
    }
    struct handoff h = {
        .label = lines[0], .image = lines[1], .card = lines[2], .keydisk = lines[3], .sha1 = lines[4],
        .from = lines[5], .modules = lines + N_SCALARS, .n_modules = n - N_SCALARS,
    };
    char *text = NULL;
    int r = handoff_format(&h, &text);
    FUZZ_ASSERT(r == (writable ? 0 : -EINVAL));
    free(text);
    if (r == 0)
        check_round_trip(&h, 0);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_parse(data, size);
    check_format(data, size);
    return 0;
}
