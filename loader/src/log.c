/* log.c - see log.h.
 *
 * Why the console is written directly rather than through the kernel: /dev/console is one
 * device (the last console=), while an appliance may have a VGA screen and a serial line,
 * and printk would prefix timestamps and rate-limit user space.  The /dev/kmsg copy is for
 * `dmesg` in the rescue shell; it is sent at debug priority so the kernel does not echo the
 * line to the console a second time. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

#define MAX_CONSOLES 4

static struct {
    const char *ident;
    int level;
    int console_fd[MAX_CONSOLES];
    int n_consoles;
    int kmsg_fd;
} log_state = { .ident = "hopboot", .level = LOG_INFO, .kmsg_fd = -1 };

static void close_all(void)
{
    for (int i = 0; i < log_state.n_consoles; i++)
        close(log_state.console_fd[i]);
    log_state.n_consoles = 0;
    if (log_state.kmsg_fd >= 0)
        close(log_state.kmsg_fd);
    log_state.kmsg_fd = -1;
}

static void open_console(const char *path)
{
    if (log_state.n_consoles == MAX_CONSOLES)
        return;
    /* O_NONBLOCK only so that open() does not wait for a serial carrier; writes block, so
     * a full tty buffer delays a line instead of dropping it. */
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return;
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    log_state.console_fd[log_state.n_consoles++] = fd;
}

static void open_active_consoles(void)
{
    _cleanup_free_ char *active = NULL;

    if (fileio_read_file(AT_FDCWD, "/sys/class/tty/console/active", 256, &active, NULL) >= 0) {
        char *save = NULL;
        for (char *name = strtok_r(active, " \n", &save); name; name = strtok_r(NULL, " \n", &save)) {
            char path[64];
            if (snprintf(path, sizeof(path), "/dev/%s", name) < (int)sizeof(path))
                open_console(path);
        }
    }
    if (log_state.n_consoles == 0)
        open_console("/dev/console");
}

void log_setup(const char *ident, enum log_target target)
{
    close_all();
    log_state.ident = ident;
    if (target == LOG_TARGET_STDERR)
        return;
    open_active_consoles();
    log_state.kmsg_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
}

void log_set_level(int level)
{
    log_state.level = level;
}

void log_msg(int priority, const char *fmt, ...)
{
    int saved_errno = errno;
    char line[1024];
    va_list ap;

    int prefix = snprintf(line, sizeof(line), "%s: ", log_state.ident);
    va_start(ap, fmt);
    int n = vsnprintf(line + prefix, sizeof(line) - (size_t)prefix - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)prefix + (size_t)n;
    if (len > sizeof(line) - 2)
        len = sizeof(line) - 2; /* cut overlong lines rather than lose them */
    line[len++] = '\n';
    line[len] = '\0';

    if (log_state.kmsg_fd >= 0)
        dprintf(log_state.kmsg_fd, "<%d>%s", LOG_USER | LOG_DEBUG, line);

    if (priority <= log_state.level) {
        if (log_state.n_consoles == 0)
            (void)fileio_write_all(STDERR_FILENO, line, len);
        for (int i = 0; i < log_state.n_consoles; i++)
            (void)fileio_write_all(log_state.console_fd[i], line, len);
    }
    errno = saved_errno;
}
