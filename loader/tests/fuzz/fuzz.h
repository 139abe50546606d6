/* fuzz.h - what the libFuzzer harnesses (fuzz-<module>.c) share: the entry point libFuzzer
 * (or replay.c) calls, and FUZZ_ASSERT for the properties a header promises.  A broken
 * property must abort() so that libFuzzer saves the input and the replay test fails. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                 \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

/* -1, 0 or 1: version_compare and friends only promise the sign. */
static inline int fuzz_sign(int v)
{
    return (v > 0) - (v < 0);
}

/* DATA as a malloc'd C string, cut at its first NUL (the parsers take C strings).
 * Allocation failure aborts: a harness has no better answer. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = size ? strndup((const char *)data, size) : strdup("");
    if (!s)
        abort();
    return s;
}

/* The SIZE bytes at DATA in a malloc'd buffer of exactly SIZE bytes (never NULL), so
 * that ASan catches a parser reading past the length it was given. */
static inline char *fuzz_memdup(const uint8_t *data, size_t size)
{
    char *copy = malloc(size);
    if (!copy && !size)
        copy = malloc(1); /* a malloc(0) that returns NULL */
    if (!copy)
        abort();
    if (size)
        memcpy(copy, data, size);
    return copy;
}

/* The next '\n'-terminated piece of *DATA (the whole rest when there is no '\n') as a
 * malloc'd C string; advances *DATA and *SIZE past it.  Lets one input carry several
 * strings (a name and a file, two versions...) the way the seed files read. */
static inline char *fuzz_take_line(const uint8_t **data, size_t *size)
{
    const uint8_t *nl = *size ? memchr(*data, '\n', *size) : NULL;
    size_t len = nl ? (size_t)(nl - *data) : *size;
    char *line = fuzz_strndup(*data, len);
    *data += len + (nl ? 1 : 0);
    *size -= len + (nl ? 1 : 0);
    return line;
}
