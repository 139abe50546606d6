/* kexec.c - see kexec.h. */
#include "kexec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "process.h"

static int load_syscall(const char *kernel, const char *initrd, const char *cmdline)
{
    _cleanup_close_ int kernel_fd = open(kernel, O_RDONLY | O_CLOEXEC);
    if (kernel_fd < 0)
        return -errno;
    _cleanup_close_ int initrd_fd = open(initrd, O_RDONLY | O_CLOEXEC);
    if (initrd_fd < 0)
        return -errno;
    if (syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, strlen(cmdline) + 1, cmdline, 0UL) < 0)
        return -errno;
    return 0;
}

static int load_tools(const char *kernel, const char *initrd, const char *cmdline)
{
    _cleanup_free_ char *initrd_arg = NULL, *cmdline_arg = NULL;

    if (asprintf(&initrd_arg, "--initrd=%s", initrd) < 0 || asprintf(&cmdline_arg, "--command-line=%s", cmdline) < 0)
        return -ENOMEM;
    /* -c: the classic kexec_load syscall, the one path that does not depend on the
     * in-kernel file loader that just failed. */
    char *argv[] = { "kexec", "-l", "-c", initrd_arg, cmdline_arg, (char *)kernel, NULL };
    return process_run(KEXEC_TOOLS_PATH, argv, false); /* its own errors are worth seeing */
}

/* Fall back only when the in-kernel loader cannot do the job: it is not built (ENOSYS), or
 * it does not take this kernel's format (ENOEXEC: e.g. a bzImage that is not relocatable;
 * EOPNOTSUPP).  A refusal by policy (EPERM, EACCES, EKEYREJECTED: lockdown, a kexec
 * signature or IMA policy) is final: kexec_load would be a way around that policy. */
static int worth_falling_back(int error)
{
    return error == -ENOSYS || error == -ENOEXEC || error == -EOPNOTSUPP;
}

int kexec_load_with(const struct kexec_backend *backend, const char *kernel, const char *initrd, const char *cmdline,
                    enum kexec_method method, struct kexec_result *ret)
{
    struct kexec_result result = { .used = KEXEC_METHOD_SYSCALL };

    if (method != KEXEC_METHOD_TOOLS) {
        int r = backend->file_load(kernel, initrd, cmdline);
        if (r == 0) {
            *ret = result;
            return 0;
        }
        if (method == KEXEC_METHOD_SYSCALL || !worth_falling_back(r))
            return r;
        result.syscall_error = r;
    }
    result.used = KEXEC_METHOD_TOOLS;
    int r = backend->tools_load(kernel, initrd, cmdline);
    if (r < 0)
        return r;
    *ret = result;
    return 0;
}

int kexec_load(const char *kernel, const char *initrd, const char *cmdline, enum kexec_method method,
               struct kexec_result *ret)
{
    static const struct kexec_backend system = { .file_load = load_syscall, .tools_load = load_tools };
    return kexec_load_with(&system, kernel, initrd, cmdline, method, ret);
}

int kexec_execute(void)
{
    sync();
    if (reboot(LINUX_REBOOT_CMD_KEXEC) < 0)
        return -errno;
    return -EIO; /* not reached: the new kernel is running */
}
