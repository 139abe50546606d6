/* test-progress.c - the progress line's wording: percent, amounts, rate and time left,
 * and the form for a transfer of unknown length. */
#include <stdint.h>

#include "progress.h"
#include "tests.h"

int main(void)
{
    char buf[256];
    const uint64_t mib = 1048576;

    CHECK_STREQ(progress_format(buf, sizeof(buf), "Demo-1.1.0.img: verifying", 120 * mib, 266 * mib, 2.0),
                "Demo-1.1.0.img: verifying 45% (120.0 of 266.0 MiB, 60.0 MiB/s, 2 s left)");
    CHECK_STREQ(progress_format(buf, sizeof(buf), "x: fetching", 12 * mib + mib / 2, 0, 4.0),
                "x: fetching 12.5 MiB (3.1 MiB/s)");
    CHECK_STREQ(progress_format(buf, sizeof(buf), "x: fetching", 10 * mib, 10 * mib, 1.0),
                "x: fetching 100% (10.0 of 10.0 MiB, 10.0 MiB/s, 0 s left)");
    /* More than announced (a server that lied) or nothing yet: no percent, no division by 0. */
    CHECK_STREQ(progress_format(buf, sizeof(buf), "x: fetching", 11 * mib, 10 * mib, 1.0),
                "x: fetching 11.0 MiB (11.0 MiB/s)");
    CHECK_STREQ(progress_format(buf, sizeof(buf), "x: fetching", 0, 10 * mib, 0.0), "x: fetching 0.0 MiB (0.0 MiB/s)");
    /* Cut, never overrun. */
    CHECK_STREQ(progress_format(buf, 8, "x: fetching", 0, 0, 1.0), "x: fetc");
    return TEST_RESULT();
}
