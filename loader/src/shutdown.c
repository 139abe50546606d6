/* shutdown.c - see shutdown.h. */
#include "shutdown.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "mount.h"

#define MAX_MOUNTS 256
#define MAX_PASSES 8
#define SENDSIGS_OMIT "/run/sendsigs.omit.d"

static int copy_self(const char *target)
{
    struct stat st;

    _cleanup_close_ int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    if (in < 0 || fstat(in, &st) < 0)
        return -errno;
    _cleanup_close_ int out = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    if (out < 0)
        return -errno;
    return fileio_copy(in, out, (uint64_t)st.st_size);
}

/* The keeper: holds KEYDISK_DIR busy until SIGTERM (see shutdown.h). */
static int start_keeper(const char *keydisk_dir)
{
    /* Opened here, before the fork: the reference must exist before stage 2 goes on to move
     * /run into the OS's root, after which the path is gone from the keeper's root. */
    _cleanup_close_ int dir = open(keydisk_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return -errno;
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        (void)setsid();
        (void)prctl(PR_SET_NAME, SHUTDOWN_KEEPER_NAME, 0, 0, 0);
        if (fchdir(dir) < 0)
            _exit(1);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        for (int fd = 0; fd < 3 && null >= 0; fd++)
            (void)dup2(null, fd);
        for (int fd = 3; fd < 1024; fd++)
            (void)close(fd);
        sigset_t all;
        sigemptyset(&all);
        (void)sigprocmask(SIG_SETMASK, &all, NULL);
        (void)signal(SIGTERM, SIG_DFL);
        for (;;)
            pause();
    }
    char path[64], text[24];
    int len = snprintf(text, sizeof(text), "%d\n", (int)pid);
    snprintf(path, sizeof(path), SENDSIGS_OMIT "/" SHUTDOWN_KEEPER_NAME);
    if (mount_mkdir_p(SENDSIGS_OMIT, 0755) < 0)
        return 0; /* only Debian's sysvinit reads it */
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0)
        (void)fileio_write_all(fd, text, (size_t)len);
    return 0;
}

int shutdown_install(const char *keydisk_dir)
{
    static const char *const dirs[] = { "dev", "proc", "sys", "run", "oldroot" };
    char path[64];

    for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
        snprintf(path, sizeof(path), SHUTDOWN_DIR "/%s", dirs[i]);
        int r = mount_mkdir_p(path, 0755);
        if (r < 0)
            return r;
    }
    int r = copy_self(SHUTDOWN_PROGRAM);
    if (r >= 0 && keydisk_dir)
        r = start_keeper(keydisk_dir);
    return r;
}

bool shutdown_is_invoked(const char *argv0)
{
    const char *base = argv0 ? strrchr(argv0, '/') : NULL;
    return base && strcmp(base + 1, "shutdown") == 0;
}

/* mountinfo's octal escapes (\040 for a space) decoded in place. */
static void unescape(char *s)
{
    char *out = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else
            *out++ = *s;
    }
    *out = '\0';
}

/* The exitrd's own API filesystems stay: it needs /proc to read mountinfo and /dev for the
 * console. */
static bool keep_mounted(const char *path)
{
    static const char *const keep[] = { "/proc", "/sys", "/dev" };
    if (strcmp(path, "/") == 0)
        return true;
    for (size_t i = 0; i < ELEMENTSOF(keep); i++) {
        size_t n = strlen(keep[i]);
        if (strncmp(path, keep[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
            return true;
    }
    return false;
}

/* The mount points of /proc/self/mountinfo, in mount order (children after parents). */
static int read_mounts(char ***ret, size_t *ret_n)
{
    _cleanup_free_ char *text = NULL;
    _cleanup_strv_free_ char **points = NULL;
    size_t n = 0;

    int r = fileio_read_file(AT_FDCWD, "/proc/self/mountinfo", 1 << 20, &text, NULL);
    if (r < 0)
        return r;
    for (char *line = strtok(text, "\n"); line && n < MAX_MOUNTS; line = strtok(NULL, "\n")) {
        char *field = line;
        for (int i = 0; i < 4 && field; i++)
            field = strchr(field, ' ') ? strchr(field, ' ') + 1 : NULL;
        if (!field)
            continue;
        char *end = strchr(field, ' ');
        if (end)
            *end = '\0';
        unescape(field);
        if ((r = fileio_strv_push(&points, &n, field)) < 0)
            return r;
    }
    *ret = TAKE_PTR(points);
    *ret_n = n;
    return 0;
}

/* One pass, deepest first.  Returns how many stayed mounted; *changed when any came off. */
static size_t unmount_pass(bool *changed)
{
    _cleanup_strv_free_ char **points = NULL;
    size_t n = 0, left = 0;

    if (read_mounts(&points, &n) < 0)
        return 0;
    for (size_t i = n; i-- > 0;) {
        if (keep_mounted(points[i]))
            continue;
        if (umount2(points[i], 0) == 0)
            *changed = true;
        else if (errno != EINVAL && errno != ENOENT) /* gone with its parent already */
            left++;
    }
    return left;
}

/* What will not come off in order (the overlay at /oldroot holds the image, whose loop
 * device holds the card's mount, which sits below /oldroot/run on the overlay: a cycle)
 * is made read-only first (synced, journals closed), then detached outermost first: the
 * detached tree is released as a whole, overlay, image, loop devices, card.  Their mount
 * points go into NAMES (SIZE bytes), for the log. */
static void detach_rest(char *names, size_t size)
{
    _cleanup_strv_free_ char **points = NULL;
    size_t n = 0, used = 0;

    names[0] = '\0';
    if (read_mounts(&points, &n) < 0)
        return;
    for (size_t i = n; i-- > 0;) {
        if (keep_mounted(points[i]))
            continue;
        (void)mount(NULL, points[i], NULL, MS_REMOUNT | MS_RDONLY, NULL);
        int k = snprintf(names + used, size - used, "%s%s", used ? " " : "", points[i]);
        if (k > 0 && (size_t)k < size - used)
            used += (size_t)k;
    }
    for (size_t i = 0; i < n; i++)
        if (!keep_mounted(points[i]))
            (void)umount2(points[i], MNT_DETACH); /* EINVAL: gone with its parent */
}

static int reboot_command(const char *verb)
{
    return strcmp(verb, "reboot") == 0  ? RB_AUTOBOOT
           : strcmp(verb, "halt") == 0  ? RB_HALT_SYSTEM
           : strcmp(verb, "kexec") == 0 ? (int)LINUX_REBOOT_CMD_KEXEC
                                        : RB_POWER_OFF;
}

int shutdown_main(int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : "poweroff";
    size_t left = 0;

    log_setup("hopboot-shutdown", getpid() == 1 ? LOG_TARGET_CONSOLE : LOG_TARGET_STDERR);
    if (getpid() != 1) {
        log_error("runs only as PID 1, as the shutdown program systemd starts in /run/initramfs");
        return 2;
    }
    sync();
    for (int pass = 0; pass < MAX_PASSES; pass++) {
        bool changed = false;
        left = unmount_pass(&changed);
        if (left == 0 || !changed)
            break;
    }
    if (left > 0) {
        char names[256];
        detach_rest(names, sizeof(names));
        log_info("the root, the keydisk, the image and the card are unmounted (busy, so made read-only and "
                 "detached: %s); %s",
                 names, verb);
    } else
        log_info("the root, the keydisk, the image and the card are unmounted; %s", verb);
    sync();
    (void)reboot(reboot_command(verb));
    /* kexec without a loaded kernel, or a halt that returned: reboot rather than hang. */
    (void)reboot(RB_AUTOBOOT);
    for (;;)
        pause();
}
