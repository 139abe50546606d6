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
#include "console.h"
#include "fileio.h"

static struct {
    const char *ident;
    int level;
    int console_fd[CONSOLE_MAX];
    bool console_tty[CONSOLE_MAX];
    int n_consoles;
    int kmsg_fd;
    bool status_shown; /* a status line stands on the terminals, to erase before a line */
} log_state = { .ident = "hopboot", .level = LOG_INFO, .kmsg_fd = -1 };

static void close_all(void)
{
    console_close(log_state.console_fd, log_state.n_consoles);
    log_state.n_consoles = 0;
    if (log_state.kmsg_fd >= 0)
        close(log_state.kmsg_fd);
    log_state.kmsg_fd = -1;
}

void log_setup(const char *ident, enum log_target target)
{
    close_all();
    log_state.ident = ident;
    if (target == LOG_TARGET_STDERR)
        return;
    /* Writes block, so a full tty buffer delays a line instead of dropping it. */
    log_state.n_consoles = console_open_active(O_WRONLY, log_state.console_fd);
    for (int i = 0; i < log_state.n_consoles; i++)
        log_state.console_tty[i] = isatty(log_state.console_fd[i]);
    log_state.kmsg_fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
}

void log_set_level(int level)
{
    log_state.level = level;
}

int log_get_level(void)
{
    return log_state.level;
}

/* Write LEN bytes of S to every terminal among the outputs; returns how many. */
static int write_terminals(const char *s, size_t len)
{
    int n = 0;
    if (log_state.n_consoles == 0 && isatty(STDERR_FILENO)) {
        (void)fileio_write_all(STDERR_FILENO, s, len);
        n++;
    }
    for (int i = 0; i < log_state.n_consoles; i++)
        if (log_state.console_tty[i]) {
            (void)fileio_write_all(log_state.console_fd[i], s, len);
            n++;
        }
    return n;
}

/* Carriage return, then "erase to the end of the line" (VT100, understood by the
 * Linux console and every serial terminal program). */
#define ERASE_LINE "\r\033[K"

static void erase_status(void)
{
    if (log_state.status_shown)
        (void)write_terminals(ERASE_LINE, sizeof(ERASE_LINE) - 1);
    log_state.status_shown = false;
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
        erase_status();
        if (log_state.n_consoles == 0)
            (void)fileio_write_all(STDERR_FILENO, line, len);
        for (int i = 0; i < log_state.n_consoles; i++)
            (void)fileio_write_all(log_state.console_fd[i], line, len);
    }
    errno = saved_errno;
}

bool log_status(const char *text)
{
    int saved_errno = errno;
    char line[256];

    if (!text || log_state.level < LOG_INFO) {
        erase_status();
        errno = saved_errno;
        return false;
    }
    int n = snprintf(line, sizeof(line), ERASE_LINE "%s: %s", log_state.ident, text);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    bool shown = write_terminals(line, len) > 0;
    log_state.status_shown = shown;
    errno = saved_errno;
    return shown;
}
