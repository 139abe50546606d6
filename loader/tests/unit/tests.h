/* tests.h - the few macros the unit tests share: a failed CHECK prints where and what,
 * and the test's main returns the failure count (ctest: non-zero is a failure). */
#pragma once

#include <stdio.h>
#include <string.h>

static int test_failures;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);     \
            test_failures++;                                                             \
        }                                                                                \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                           \
    do {                                                                                             \
        long long a_ = (long long)(a), b_ = (long long)(b);                                          \
        if (a_ != b_) {                                                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, #a, \
                    #b, a_, b_);                                                                     \
            test_failures++;                                                                         \
        }                                                                                            \
    } while (0)

#define CHECK_STREQ(a, b)                                                                                  \
    do {                                                                                                   \
        const char *a_ = (a), *b_ = (b);                                                                   \
        if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", __FILE__, __LINE__, #a, #b, \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                               \
            test_failures++;                                                                               \
        }                                                                                                  \
    } while (0)

#define TEST_RESULT() (test_failures == 0 ? 0 : 1)
