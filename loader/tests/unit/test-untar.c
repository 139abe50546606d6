/* test-untar.c - busybox tar confined to the directory it unpacks into: the members land
 * there and are counted, a symlink already there that points outside does not lead tar
 * out, and a file that is no gzip'd tar, or a missing busybox, gives one phrase.  Needs the static busybox (Debian's
 * busybox-static) and chroot: as root (CI), or as a user in a user namespace of its own.
 * Without either the confinement cannot be checked, and the test fails saying so. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process.h"
#include "tests.h"
#include "untar.h"

static char base[] = "/tmp/test-untar-XXXXXX";
static const char *busybox;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Map our user to root in a new user namespace, so chroot works without privileges. */
static int become_root(void)
{
    char map[64];
    unsigned uid = (unsigned)getuid(), gid = (unsigned)getgid();

    if (geteuid() == 0)
        return 0;
    if (unshare(CLONE_NEWUSER) < 0)
        return -errno;
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof(map), "0 %u 1", uid);
    write_file("/proc/self/uid_map", map);
    snprintf(map, sizeof(map), "0 %u 1", gid);
    write_file("/proc/self/gid_map", map);
    return geteuid() == 0 ? 0 : -EPERM;
}

/* busybox tar -czf OUT -C DIR . (the tarball the tests unpack). */
static void make_tarball(const char *out, const char *dir)
{
    char *const argv[] = { "tar", "-czf", (char *)out, "-C", (char *)dir, ".", NULL };
    CHECK_EQ_INT(process_run(busybox, argv, false), 0);
}

static void path(char *buf, const char *relative)
{
    snprintf(buf, PATH_MAX, "%s/%s", base, relative);
}

static void test_unpacks_and_counts(void)
{
    char src[PATH_MAX], p[PATH_MAX], tarball[PATH_MAX], root[PATH_MAX], reason[256] = "";
    unsigned files = 0;

    path(src, "src");
    mkdir(src, 0755);
    path(p, "src/etc");
    mkdir(p, 0755);
    path(p, "src/etc/hopboot-overlay-proof");
    write_file(p, "proof\n");
    path(p, "src/etc/motd");
    write_file(p, "hello\n");
    path(p, "src/link");
    CHECK_EQ_INT(symlink("/etc/motd", p), 0);
    path(tarball, "good.tar.gz");
    make_tarball(tarball, src);
    path(root, "root");
    mkdir(root, 0755);

    CHECK_EQ_INT(untar_gzip(busybox, tarball, root, &files, reason, sizeof(reason)), 0);
    CHECK_EQ_INT(files, 3); /* two files and a symlink; ./ and etc/ are directories */
    path(p, "root/etc/hopboot-overlay-proof");
    CHECK_EQ_INT(access(p, F_OK), 0);
    char target[64] = "";
    path(p, "root/link");
    CHECK(readlink(p, target, sizeof(target) - 1) > 0);
    CHECK_STREQ(target, "/etc/motd");
}

/* A symlink in the root pointing outside (as a keydisk could hold from an earlier
 * overlay), then a member through it: unconfined, busybox tar writes outside. */
static void test_confined(void)
{
    char src[PATH_MAX], p[PATH_MAX], outside[PATH_MAX], tarball[PATH_MAX], root[PATH_MAX], reason[256] = "";
    unsigned files = 0;

    path(outside, "outside");
    mkdir(outside, 0755);
    path(p, "outside/victim");
    write_file(p, "victim\n");
    path(root, "hostile-root");
    mkdir(root, 0755);
    path(p, "hostile-root/escape");
    CHECK_EQ_INT(symlink(outside, p), 0);
    path(src, "hostile-src");
    mkdir(src, 0755);
    path(p, "hostile-src/escape");
    mkdir(p, 0755);
    path(p, "hostile-src/escape/planted");
    write_file(p, "planted\n");
    path(tarball, "hostile.tar.gz");
    make_tarball(tarball, src);

    int r = untar_gzip(busybox, tarball, root, &files, reason, sizeof(reason));
    CHECK(r == 0 || r == -ECHILD);
    path(p, "outside/planted");
    CHECK_EQ_INT(access(p, F_OK), -1);
    /* Wherever it went, it is inside the root. */
    char inside[PATH_MAX * 2 + 16];
    snprintf(inside, sizeof(inside), "%s%s/planted", root, outside);
    CHECK(r == -ECHILD || access(inside, F_OK) == 0);
}

static void test_bad_input(void)
{
    char p[PATH_MAX], root[PATH_MAX], reason[256] = "";
    unsigned files = 7;

    path(root, "root-bad");
    mkdir(root, 0755);
    path(p, "not-a-tarball");
    write_file(p, "this is no gzip\n");
    CHECK_EQ_INT(untar_gzip(busybox, p, root, &files, reason, sizeof(reason)), -ECHILD);
    CHECK(strstr(reason, "gzip") != NULL || strstr(reason, "magic") != NULL);
    CHECK(strncmp(reason, "tar: ", 5) != 0);
    CHECK_EQ_INT(files, 7); /* untouched on failure */
    fprintf(stderr, "not a tarball: %s\n", reason);

    path(p, "missing.tar.gz");
    CHECK_EQ_INT(untar_gzip(busybox, p, root, &files, reason, sizeof(reason)), -ENOENT);
    CHECK(strstr(reason, "missing.tar.gz") != NULL);
    CHECK_EQ_INT(untar_gzip("/nonexistent/busybox", p, root, &files, reason, sizeof(reason)), -ENOENT);
    CHECK_STREQ(reason, "cannot open /nonexistent/busybox (No such file or directory)");
}

int main(void)
{
    static const char *const candidates[] = { "/bin/busybox", "/usr/bin/busybox" };
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]) && !busybox; i++)
        if (access(candidates[i], X_OK) == 0)
            busybox = candidates[i];
    if (!busybox) {
        fprintf(stderr, "FAIL: no busybox (install the Debian package busybox-static)\n");
        return 1;
    }
    int r = become_root();
    if (r < 0) {
        fprintf(stderr, "FAIL: cannot run the confinement check: chroot needs root or a user namespace of "
                        "our own (%s)\n", strerror(-r));
        return 1;
    }
    if (!mkdtemp(base)) {
        fprintf(stderr, "FAIL: cannot make %s (%s)\n", base, strerror(errno));
        return 1;
    }
    test_unpacks_and_counts();
    test_confined();
    test_bad_input();
    char *const rm[] = { "rm", "-rf", base, NULL };
    (void)process_run(busybox, rm, false);
    return TEST_RESULT();
}
