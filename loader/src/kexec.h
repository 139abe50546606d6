/* kexec.h - load the image's kernel, then jump to it.
 *
 * Loading is separate from executing (as in u-root's pkg/boot): a failed load leaves the
 * running system untouched, so the caller can try the next image.  Does not log. */
#pragma once

#include "cmdline.h"

#define KEXEC_TOOLS_PATH "/sbin/kexec"

struct kexec_result {
    enum kexec_method used;  /* KEXEC_METHOD_SYSCALL or KEXEC_METHOD_TOOLS */
    int syscall_error;       /* -errno of kexec_file_load when it was tried and failed, else 0 */
};

/* Load KERNEL with INITRD and CMDLINE for the next kexec.  METHOD auto tries
 * kexec_file_load(2) and, when the kernel lacks it or does not take the file's format
 * (ENOSYS, ENOEXEC, EOPNOTSUPP), runs kexec-tools' `kexec -l -c` instead; a refusal by
 * policy (EPERM, EACCES, EKEYREJECTED) is returned, never worked around.
 * Returns 0 and fills *ret, or -errno of the last method tried (-ECHILD: kexec-tools
 * exited non-zero). */
int kexec_load(const char *kernel, const char *initrd, const char *cmdline, enum kexec_method method,
               struct kexec_result *ret);

/* The two ways to load, as functions returning 0 or -errno: a seam so the fallback
 * decision can be tested without a kernel to kexec. */
struct kexec_backend {
    int (*file_load)(const char *kernel, const char *initrd, const char *cmdline);
    int (*tools_load)(const char *kernel, const char *initrd, const char *cmdline);
};

/* kexec_load() with BACKEND instead of the real syscall and kexec-tools. */
int kexec_load_with(const struct kexec_backend *backend, const char *kernel, const char *initrd, const char *cmdline,
                    enum kexec_method method, struct kexec_result *ret);

/* Sync filesystems and jump into the loaded kernel.  Returns only on failure, with -errno. */
int kexec_execute(void);
