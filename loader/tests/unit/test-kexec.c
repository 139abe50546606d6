/* test-kexec.c - when hopboot falls back from kexec_file_load to kexec-tools, and when it
 * must not.  The real paths are exercised by the QEMU tests; here a fake backend drives
 * every errno the decision looks at. */
#include <errno.h>

#include "kexec.h"
#include "tests.h"

static int file_result, tools_result, file_calls, tools_calls;

static int fake_file_load(const char *kernel, const char *initrd, const char *cmdline)
{
    (void)kernel, (void)initrd, (void)cmdline;
    file_calls++;
    return file_result;
}

static int fake_tools_load(const char *kernel, const char *initrd, const char *cmdline)
{
    (void)kernel, (void)initrd, (void)cmdline;
    tools_calls++;
    return tools_result;
}

static const struct kexec_backend fake = { .file_load = fake_file_load, .tools_load = fake_tools_load };

static int run(enum kexec_method method, int file, int tools, struct kexec_result *ret)
{
    file_result = file;
    tools_result = tools;
    file_calls = tools_calls = 0;
    return kexec_load_with(&fake, "k", "i", "c", method, ret);
}

int main(void)
{
    struct kexec_result r;

    /* The syscall works: kexec-tools is never run. */
    CHECK_EQ_INT(run(KEXEC_METHOD_AUTO, 0, 0, &r), 0);
    CHECK_EQ_INT(r.used, KEXEC_METHOD_SYSCALL);
    CHECK_EQ_INT(r.syscall_error, 0);
    CHECK_EQ_INT(tools_calls, 0);

    /* Missing, or this kernel's format not supported: fall back, and remember why for the
     * console line. */
    static const int unsupported[] = { -ENOSYS, -ENOEXEC, -EOPNOTSUPP };
    for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
        CHECK_EQ_INT(run(KEXEC_METHOD_AUTO, unsupported[i], 0, &r), 0);
        CHECK_EQ_INT(r.used, KEXEC_METHOD_TOOLS);
        CHECK_EQ_INT(r.syscall_error, unsupported[i]);
        CHECK_EQ_INT(file_calls, 1);
        CHECK_EQ_INT(tools_calls, 1);
    }

    /* Refused by policy (lockdown, a signature or IMA policy): final, never around it. */
    static const int refusals[] = { -EPERM, -EACCES, -EKEYREJECTED };
    for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
        CHECK_EQ_INT(run(KEXEC_METHOD_AUTO, refusals[i], 0, &r), refusals[i]);
        CHECK_EQ_INT(file_calls, 1);
        CHECK_EQ_INT(tools_calls, 0);
    }

    /* Other failures (a bad initrd, no memory) would fail the same way in kexec-tools:
     * report them instead of hiding them behind a second attempt. */
    r.used = 42;
    CHECK_EQ_INT(run(KEXEC_METHOD_AUTO, -EINVAL, 0, &r), -EINVAL);
    CHECK_EQ_INT(run(KEXEC_METHOD_AUTO, -ENOMEM, 0, &r), -ENOMEM);
    CHECK_EQ_INT(tools_calls, 0);
    CHECK_EQ_INT(r.used, 42); /* not written on failure */

    /* Both fail: the kexec-tools error is the one returned. */
    CHECK_EQ_INT(run(KEXEC_METHOD_AUTO, -ENOSYS, -ECHILD, &r), -ECHILD);

    /* Forced methods use only themselves. */
    CHECK_EQ_INT(run(KEXEC_METHOD_SYSCALL, -EPERM, 0, &r), -EPERM);
    CHECK_EQ_INT(tools_calls, 0);
    CHECK_EQ_INT(run(KEXEC_METHOD_TOOLS, 0, 0, &r), 0);
    CHECK_EQ_INT(file_calls, 0);
    CHECK_EQ_INT(r.used, KEXEC_METHOD_TOOLS);
    CHECK_EQ_INT(r.syscall_error, 0);
    return TEST_RESULT();
}
