/* rescue.c - see rescue.h. */
#include "rescue.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "log.h"

#define MAX_SHELLS 4

/* The real devices behind the console (console/active: "tty0 ttyS0"), so that a person at
 * the screen and one on the serial line both get a shell, each with a controlling
 * terminal and job control (/dev/console itself cannot be one). */
static size_t console_paths(char paths[MAX_SHELLS][64])
{
    _cleanup_free_ char *active = NULL;
    size_t n = 0;

    if (fileio_read_file(AT_FDCWD, "/sys/class/tty/console/active", 256, &active, NULL) >= 0) {
        char *save = NULL;
        for (char *name = strtok_r(active, " \n", &save); name && n < MAX_SHELLS; name = strtok_r(NULL, " \n", &save)) {
            if (snprintf(paths[n], sizeof(paths[n]), "/dev/%s", name) >= (int)sizeof(paths[n]))
                continue;
            /* Only consoles that open: no second shell fighting over the same line. */
            int fd = open(paths[n], O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
            if (fd >= 0) {
                close(fd);
                n++;
            }
        }
    }
    if (n == 0)
        snprintf(paths[n++], sizeof(paths[0]), "/dev/console");
    return n;
}

static void run_shell_child(const char *tty)
{
    setsid();
    int fd = open(tty, O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        (void)ioctl(fd, TIOCSCTTY, 1);
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
    }
    setenv("PS1", "hopboot-rescue# ", 1);
    setenv("PATH", "/bin:/sbin:/usr/bin:/usr/sbin", 1);
    setenv("HOME", "/", 1);
    execl(RESCUE_SHELL, "sh", "-i", (char *)NULL);
    _exit(127);
}

static pid_t start_shell(const char *tty)
{
    pid_t pid = fork();
    if (pid == 0)
        run_shell_child(tty);
    if (pid < 0)
        log_error("cannot start a rescue shell on %s (%s)", tty, strerror(errno));
    return pid;
}

void rescue_shell(void)
{
    char ttys[MAX_SHELLS][64];
    pid_t shells[MAX_SHELLS];
    size_t n = console_paths(ttys);

    for (size_t i = 0; i < n; i++)
        shells[i] = start_shell(ttys[i]);
    /* PID 1 inherits every orphan: reap them all, and give a console whose shell ended a
     * new one (after a pause, so a shell that cannot start does not spin). */
    for (;;) {
        pid_t pid = waitpid(-1, NULL, 0);
        if (pid < 0 && errno == ECHILD)
            sleep(1);
        for (size_t i = 0; i < n; i++)
            if (shells[i] < 0 || pid == shells[i]) {
                if (pid == shells[i])
                    log_warning("rescue shell on %s exited, starting a new one", ttys[i]);
                sleep(1);
                shells[i] = start_shell(ttys[i]);
            }
    }
}
