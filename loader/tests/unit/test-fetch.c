/* test-fetch.c - the deadlines of fetch.h as a transfer that is not libcurl's sees them
 * (fetch_time_check, for NFS copies).  The transfers themselves are driven against real
 * servers by the net tests (net.server_down: both deadlines). */
#include <errno.h>
#include <string.h>

#include "fetch.h"
#include "tests.h"

static void test_time_check(void)
{
    struct fetch_options o;
    char error[256] = "";
    double now = fetch_now();

    fetch_default_options(&o);
    CHECK_EQ_INT(fetch_time_check(&o, now - 1e6, error, sizeof(error)), 0); /* no deadline at all */

    o.deadline_s = 5;
    CHECK_EQ_INT(fetch_time_check(&o, now, error, sizeof(error)), 0);
    CHECK_EQ_INT(fetch_time_check(&o, now - 6, error, sizeof(error)), -ETIME);
    CHECK_STREQ(error, "not done after 5 s (the limit for one download; hopboot.timeout.fetch=)");

    /* The source's deadline ends a transfer that has time of its own left. */
    o.deadline_s = 1800;
    o.source_until = now - 0.5;
    o.source_limit_s = 20;
    CHECK_EQ_INT(fetch_time_check(&o, now - 1, error, sizeof(error)), -ETIME);
    CHECK_STREQ(error, "the time for this source ran out (20 s in all; hopboot.timeout.source=)");

    /* Whichever ends first is named. */
    o.deadline_s = 5;
    o.source_until = now - 0.5;
    CHECK_EQ_INT(fetch_time_check(&o, now - 10, error, sizeof(error)), -ETIME);
    CHECK_STREQ(error, "not done after 5 s (the limit for one download; hopboot.timeout.fetch=)");
    o.source_until = now + 60;
    CHECK_EQ_INT(fetch_time_check(&o, now - 1, error, sizeof(error)), 0);
}

int main(void)
{
    test_time_check();
    return TEST_RESULT();
}
