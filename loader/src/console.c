/* console.c - see console.h. */
#include "console.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

static int open_one(const char *path, int flags)
{
    int fd = open(path, flags | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 || (flags & O_NONBLOCK))
        return fd;
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

int console_open_active(int flags, int fds[CONSOLE_MAX])
{
    _cleanup_free_ char *active = NULL;
    int n = 0;

    if (fileio_read_file(AT_FDCWD, "/sys/class/tty/console/active", 256, &active, NULL) >= 0) {
        char *save = NULL;
        for (char *name = strtok_r(active, " \n", &save); name && n < CONSOLE_MAX; name = strtok_r(NULL, " \n", &save)) {
            char path[64];
            if (snprintf(path, sizeof(path), "/dev/%s", name) >= (int)sizeof(path))
                continue;
            int fd = open_one(path, flags);
            if (fd >= 0)
                fds[n++] = fd;
        }
    }
    if (n == 0) {
        int fd = open_one("/dev/console", flags);
        if (fd >= 0)
            fds[n++] = fd;
    }
    return n;
}

void console_close(int *fds, int n)
{
    for (int i = 0; i < n; i++)
        close(fds[i]);
}
