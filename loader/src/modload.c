/* modload.c - see modload.h. */
#include "modload.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

int modload_file(const char *path)
{
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}
