/* modload.c - see modload.h. */
#include "modload.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/module.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

static int compressed(const char *path)
{
    static const char *const suffixes[] = { ".ko.xz", ".ko.zst", ".ko.gz" };
    size_t len = strlen(path);
    for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
        size_t n = strlen(suffixes[i]);
        if (len > n && strcmp(path + len - n, suffixes[i]) == 0)
            return 1;
    }
    return 0;
}

int modload_file(const char *path)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    /* Distributions compress modules; the kernel decompresses them itself (5.17+,
     * CONFIG_MODULE_DECOMPRESS) when asked to. */
    int flags = compressed(path) ? MODULE_INIT_COMPRESSED_FILE : 0;
    if (syscall(SYS_finit_module, fd, "", flags) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}
