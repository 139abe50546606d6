/* test-status.c - `hopboot status`'s pure parts: which image the loader would boot and
 * which after it (the pipeline's rules), and the APPEND line of syslinux.cfg's default
 * label. */
#include <errno.h>
#include <stdlib.h>

#include "status.h"
#include "trial.h"
#include "tests.h"

#define G STATUS_GOOD
#define T STATUS_TRIAL
#define N STATUS_NEW
#define V STATUS_VERIFIED
#define F STATUS_FAILED
#define R STATUS_REJECTED

static struct status_decision decide(const enum status_verdict *v, size_t n)
{
    struct status_entry e[8];
    for (size_t i = 0; i < n; i++)
        e[i] = (struct status_entry){ "x", v[i], 1 };
    return status_decide(e, n);
}

#define DECIDE(...)                                                                    \
    decide((const enum status_verdict[]){ __VA_ARGS__ },                                \
           sizeof((const enum status_verdict[]){ __VA_ARGS__ }) / sizeof(enum status_verdict))

static void check(struct status_decision d, long boot, int last_resort, long fallback, int fallback_last_resort)
{
    CHECK_EQ_INT(d.boot, boot);
    CHECK_EQ_INT(d.last_resort, last_resort);
    CHECK_EQ_INT(d.fallback, fallback);
    CHECK_EQ_INT(d.fallback_last_resort, fallback_last_resort);
}

static void test_decide(void)
{
    check(status_decide(NULL, 0), -1, 0, -1, 0);
    check(DECIDE(G, G), 0, 0, 1, 0);
    check(DECIDE(R, N, G), 1, 0, 2, 0);       /* rejected newest passed over */
    check(DECIDE(F, R, T), 2, 0, 0, 1);       /* trial runs out: the failed 0 is the last resort */
    check(DECIDE(N), 0, 0, 0, 1);             /* alone on trial: keeps booting as last resort */
    check(DECIDE(G), 0, 0, -1, 0);            /* confirmed, alone: the rescue shell after it */
    check(DECIDE(V, R), 0, 0, -1, 0);
    check(DECIDE(R, R), -1, 0, -1, 0);        /* nothing boots */
    check(DECIDE(R, F, F), 1, 1, 2, 1);       /* only failed ones: the newest of them */
    check(DECIDE(G, F), 0, 0, 1, 1);          /* a confirmed image that cannot load: the failed one */
    check(DECIDE(F), 0, 1, -1, 0);
}

static void test_append(void)
{
    char *a = NULL;

    CHECK_EQ_INT(status_syslinux_append("DEFAULT hopboot\nLABEL rescue\n  APPEND x hopboot.rescue\n"
                                        "LABEL hopboot\n  KERNEL bzImage\n  APPEND console=ttyS0 hopboot.name=Ast\n",
                                        &a),
                 0);
    CHECK_STREQ(a, "console=ttyS0 hopboot.name=Ast");
    free(a);
    a = NULL;
    /* Keywords in any case; CRLF; a DEFAULT naming no label: the first APPEND. */
    CHECK_EQ_INT(status_syslinux_append("default nope\r\nlabel a\r\n\tappend\tone two\r\n", &a), 0);
    CHECK_STREQ(a, "one two");
    free(a);
    a = NULL;
    /* "LABEL hopbootx" is not "LABEL hopboot". */
    CHECK_EQ_INT(status_syslinux_append("DEFAULT hop\nLABEL hopx\nAPPEND wrong\nLABEL hop\nAPPEND right\n", &a), 0);
    CHECK_STREQ(a, "right");
    free(a);
    a = NULL;
    CHECK_EQ_INT(status_syslinux_append("DEFAULT hop\nLABEL hop\nKERNEL bzImage\nAPPENDIX no\n", &a), -ENOENT);
    CHECK_EQ_INT(status_syslinux_append("", &a), -ENOENT);
    CHECK(a == NULL);
}

static void test_digest_id(void)
{
    uint8_t sha1[20];
    char id[STATE_MAX_DIGEST + 1];
    for (int i = 0; i < 20; i++)
        sha1[i] = (uint8_t)(i * 17);
    trial_digest_id(sha1, id);
    CHECK_STREQ(id, "sha1:00112233445566778899aabbccddeeff10213243");
}

int main(void)
{
    test_decide();
    test_append();
    test_digest_id();
    return TEST_RESULT();
}
