/* untar.c - see untar.h. */
#include "untar.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "reason.h"

/* What tar says while it works: the member names on stdout (-v), errors on stderr. */
struct tar_output {
    unsigned files;    /* lines on stdout not ending in '/' */
    char last_out;     /* the last byte read from stdout */
    char error[256];   /* the first complete line on stderr: later ones follow from it */
    char partial[256]; /* the stderr line being read */
    size_t partial_len;
};

static void take_stdout(struct tar_output *o, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n' && o->last_out != '/' && o->last_out != '\n')
            o->files++;
        o->last_out = data[i];
    }
}

static void take_stderr(struct tar_output *o, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] != '\n') {
            /* A member name in the line must not drive the console. */
            bool control = (unsigned char)data[i] < 0x20 || data[i] == 0x7f;
            if (o->partial_len + 1 < sizeof(o->partial))
                o->partial[o->partial_len++] = control ? '?' : data[i];
            continue;
        }
        o->partial[o->partial_len] = '\0';
        if (o->partial_len > 0 && !o->error[0])
            memcpy(o->error, o->partial, o->partial_len + 1);
        o->partial_len = 0;
    }
}

/* Read FDS[0] (stdout) and FDS[1] (stderr) of tar until both end. */
static void read_output(int fds[2], struct tar_output *o)
{
    struct pollfd p[2] = { { .fd = fds[0], .events = POLLIN }, { .fd = fds[1], .events = POLLIN } };
    char buf[4096];

    while (p[0].fd >= 0 || p[1].fd >= 0) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            ssize_t n = read(p[i].fd, buf, sizeof(buf));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                p[i].fd = -1;
            else if (i == 0)
                take_stdout(o, buf, (size_t)n);
            else
                take_stderr(o, buf, (size_t)n);
        }
    }
}

/* The child: the tarball on stdin, the pipes' ends on stdout and stderr, chrooted into
 * ROOT, then busybox tar.  Only async-signal-safe calls: PID 1 may have threads' locks. */
static void run_tar(int exe, int in, int out, int err, const char *root)
{
    static char *const argv[] = { "tar", "-xvzf", "-", NULL };
    static char *const envp[] = { NULL };

    if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
        _exit(126);
    if (chroot(root) < 0 || chdir("/") < 0) {
        static const char msg[] = "tar: cannot enter the root directory\n";
        (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
        _exit(126);
    }
    fexecve(exe, argv, envp);
    static const char msg[] = "tar: busybox does not run\n";
    (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
    _exit(127);
}

static void close_pair(int fds[2])
{
    if (fds[0] >= 0)
        close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
}

static int spawn_and_wait(int exe, int in, const char *root, struct tar_output *o, int *ret_status)
{
    int out[2] = { -1, -1 }, err[2] = { -1, -1 };

    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
        int r = -errno;
        close_pair(out);
        return r;
    }
    pid_t pid = fork();
    if (pid == 0)
        run_tar(exe, in, out[1], err[1], root);
    int r = pid < 0 ? -errno : 0;
    close(out[1]);
    close(err[1]);
    if (r >= 0) {
        int read_fds[2] = { out[0], err[0] };
        read_output(read_fds, o);
        while (waitpid(pid, ret_status, 0) < 0)
            if (errno != EINTR) {
                r = -errno;
                break;
            }
    }
    close(out[0]);
    close(err[0]);
    return r;
}

int untar_gzip(const char *busybox, const char *tarball, const char *root, unsigned *ret_files, char *reason,
               size_t size)
{
    struct tar_output o = { .last_out = '\n' };
    int status;

    _cleanup_close_ int exe = open(busybox, O_RDONLY | O_CLOEXEC);
    if (exe < 0)
        return reason_set(reason, size, -errno, "cannot open %s (%s)", busybox, strerror(errno));
    _cleanup_close_ int in = open(tarball, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return reason_set(reason, size, -errno, "cannot open %s (%s)", tarball, strerror(errno));
    int r = spawn_and_wait(exe, in, root, &o, &status);
    if (r < 0)
        return reason_set(reason, size, r, "cannot run busybox tar (%s)", strerror(-r));
    if (WIFSIGNALED(status))
        return reason_set(reason, size, -ECHILD, "tar was killed by signal %d", WTERMSIG(status));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        const char *why = o.error[0] ? o.error : "tar failed without saying why";
        return reason_set(reason, size, -ECHILD, "%s", strncmp(why, "tar: ", 5) == 0 ? why + 5 : why);
    }
    *ret_files = o.files;
    return 0;
}
