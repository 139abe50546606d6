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

/* The real device behind /dev/console (the last word of console/active), so the shell gets
 * a controlling terminal and job control; /dev/console itself cannot be one. */
static void console_path(char *path, size_t size)
{
    _cleanup_free_ char *active = NULL;

    snprintf(path, size, "/dev/console");
    if (fileio_read_file(AT_FDCWD, "/sys/class/tty/console/active", 256, &active, NULL) < 0)
        return;
    active[strcspn(active, "\n")] = '\0';
    const char *last = strrchr(active, ' ');
    last = last ? last + 1 : active;
    if (*last)
        snprintf(path, size, "/dev/%s", last);
}

static void run_shell_child(void)
{
    char tty[64];

    console_path(tty, sizeof(tty));
    setsid();
    int fd = open(tty, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        fd = open("/dev/console", O_RDWR | O_CLOEXEC);
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

void rescue_shell(void)
{
    for (;;) {
        pid_t shell = fork();
        if (shell == 0)
            run_shell_child();
        if (shell < 0) {
            log_error("cannot start the rescue shell (%s), retrying in 5 s", strerror(errno));
            sleep(5);
            continue;
        }
        /* PID 1 inherits every orphan: reap them all until the shell itself exits. */
        for (;;) {
            pid_t pid = waitpid(-1, NULL, 0);
            if (pid == shell || (pid < 0 && errno == ECHILD))
                break;
        }
        log_warning("rescue shell exited, starting a new one");
        sleep(1); /* a shell that cannot start must not spin */
    }
}
