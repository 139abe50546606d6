/* rescue.c - see rescue.h. */
#include "rescue.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot.h"
#include "card.h"
#include "cleanup.h"
#include "fileio.h"
#include "log.h"
#include "menu.h"
#include "pipeline.h"
#include "rootfs.h"

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

/* Whether RESCUE_PASSWD gives root a password hash ("root:$id$...:..."). */
static bool password_set(void)
{
    _cleanup_free_ char *text = NULL;

    if (fileio_read_file(AT_FDCWD, RESCUE_PASSWD, 65536, &text, NULL) < 0)
        return false;
    for (char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
        if (strncmp(line, "root:$", 6) == 0)
            return strcspn(line + 5, ":\n") > 3;
    return false;
}

static void run_shell_child(const char *tty, bool password)
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
    if (password) {
        setenv("SUSHELL", RESCUE_SHELL, 1);
        execl(RESCUE_SULOGIN, "sulogin", (char *)NULL);
        _exit(127); /* never a shell without the password */
    }
    execl(RESCUE_SHELL, "sh", "-i", (char *)NULL);
    _exit(127);
}

static pid_t start_shell(const char *tty, bool password)
{
    pid_t pid = fork();
    if (pid == 0)
        run_shell_child(tty, password);
    if (pid < 0)
        log_error("cannot start a rescue shell on %s (%s)", tty, strerror(errno));
    return pid;
}

/* Signed mode without a password: no shell; reap orphans, then reboot (and should the
 * kernel refuse, wait on: PID 1 never returns). */
static void __attribute__((noreturn)) locked_out(void)
{
    log_error("rescue shell: off under hopboot.verify=signed, no password is set (images/mkcard "
              "--rescue-password); rebooting in %d s", RESCUE_LOCKED_REBOOT_S);
    for (int i = 0; i < RESCUE_LOCKED_REBOOT_S; i++) {
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        sleep(1);
    }
    sync();
    if (reboot(RB_AUTOBOOT) < 0)
        log_error("cannot reboot (%s)", strerror(errno));
    for (;;) {
        if (waitpid(-1, NULL, 0) < 0)
            sleep(60);
    }
}

void rescue_shell(bool signed_mode)
{
    char ttys[MAX_SHELLS][64];
    pid_t shells[MAX_SHELLS];
    bool password = password_set();

    if (!password && signed_mode)
        locked_out();
    if (password)
        log_info("rescue shell: the root password set with images/mkcard --rescue-password is asked for first");
    size_t n = console_paths(ttys);
    for (size_t i = 0; i < n; i++)
        shells[i] = start_shell(ttys[i], password);
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
                shells[i] = start_shell(ttys[i], password);
            }
    }
}

/* "A, B, C" into BUF: the names of N PATHS. */
static void join_paths(char *const *paths, size_t n, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        int len = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", paths[i]);
        if (len < 0)
            break;
        used += (size_t)len;
    }
}

/* The card, freshly checked by fsck.fat, mounted read-write.  Returns 0 or logs why not. */
static int open_card_for_writing(struct run *run, const char *image)
{
    /* card_check unmounts the card: nothing of ours may hold it open meanwhile. */
    if (run->card.dirfd >= 0)
        close(run->card.dirfd);
    int r = card_check(run->card_device, BOOT_CARD_DIR);
    run->card.dirfd = open(BOOT_CARD_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r == 1)
        log_warning("card %s was not cleanly unmounted: fsck.fat repaired it", run->card_device);
    if (r < 0) {
        log_error("cannot install %s: card %s %s, not writing to it", image, run->card_device,
                  r == -EUCLEAN ? "has a filesystem fsck.fat cannot repair" : "cannot be checked");
        return r;
    }
    if (run->card.dirfd < 0 || (r = card_set_writable(BOOT_CARD_DIR, true)) < 0) {
        log_error("cannot install %s: cannot remount the card read-write (%s)", image,
                  strerror(run->card.dirfd < 0 ? errno : -r));
        return -EIO;
    }
    return 0;
}

/* Install LABEL.img from the card's TARBALL.  Returns 1 when installed. */
static int install(struct run *run, const char *tarball, const char *label)
{
    char image[256], path[512], line[512];
    const char *name = run->config->name, *version = label + strlen(name) + 1;

    snprintf(image, sizeof(image), "%s.img", label);
    snprintf(path, sizeof(path), "%s/%s", BOOT_CARD_DIR, tarball);
    if (open_card_for_writing(run, image) < 0)
        return 0;
    log_info("installing %s from %s", image, tarball);
    int r = rootfs_install(ROOTFS_INSTALLER, path, name, version, BOOT_CARD_DIR, BOOT_RUN_DIR, line, sizeof(line));
    int ro = card_set_writable(BOOT_CARD_DIR, false);
    const char *sha1 = strstr(line, "(sha1 ");
    sha1 = sha1 ? sha1 + strlen("(sha1 ") : "";
    if (r == 0)
        log_info("installed %s from %s (sha1 %.40s)", image, tarball, sha1);
    else if (r == -ECHILD)
        log_error("cannot install %s from %s: %s", image, tarball, line[0] ? line : "the installer failed");
    else
        log_error("cannot install %s from %s: cannot run " ROOTFS_INSTALLER " (%s)", image, tarball, strerror(-r));
    if (ro < 0)
        log_warning("cannot remount the card read-only (%s)", strerror(-ro));
    return r == 0;
}

/* The one tarball to offer, as *ret_label; 0 when there is none to offer (said why). */
static int pick_tarball(struct run *run, char *const *paths, size_t n, char **ret_label)
{
    char list[1024], image[256];

    if (n > 1) {
        join_paths(paths, n, list, sizeof(list));
        const char *count = n == 2 ? "two" : n == 3 ? "three" : "several";
        log_warning("%s root file system tarballs on the card (%s): keep one to install", count, list);
        return 0;
    }
    const char *slash = strrchr(paths[0], '/');
    int r = rootfs_classify(run->config->name, slash ? slash + 1 : paths[0], ret_label);
    if (r == 1)
        log_warning("%s: not named %s-X.Y.Z-rootfs.tar.gz (hopboot.name=%s), not offered for install", paths[0],
                    run->config->name, run->config->name);
    if (r != 0)
        return 0;
    snprintf(image, sizeof(image), "%s.img", *ret_label);
    if (faccessat(run->card.dirfd, image, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
        log_info("%s: %s is on the card already, not offered for install", paths[0], image);
        return 0;
    }
    if (access(ROOTFS_INSTALLER, X_OK) < 0) {
        log_warning("%s: this initramfs has no installer (" ROOTFS_INSTALLER "), not offered for install", paths[0]);
        return 0;
    }
    return 1;
}

int rescue_offer_install(struct run *run)
{
    _cleanup_strv_free_ char **paths = NULL;
    _cleanup_free_ char *label = NULL;
    char action[768];
    size_t n = 0;

    if (run->card.dirfd < 0)
        return 0;
    int r = rootfs_find(run->card.dirfd, &paths, &n);
    if (r < 0)
        log_warning("cannot look for root file system tarballs on the card (%s)", strerror(-r));
    if (r < 0 || n == 0 || !pick_tarball(run, paths, n, &label))
        return 0;
    snprintf(action, sizeof(action), "install %s from %s", label, paths[0]);
    struct menu_entry entry = { .file = action };
    int choice = menu_run_rescue(&entry, 1, run->config->menu_timeout);
    if (choice == MENU_REBOOT) {
        log_info("reboot chosen in the rescue menu, rebooting");
        sync();
        reboot(RB_AUTOBOOT);
        log_error("cannot reboot (%s), starting the rescue shell", strerror(errno));
    }
    if (choice != 0)
        return 0;
    log_info("%s chosen in the rescue menu", action);
    return install(run, paths[0], label);
}
