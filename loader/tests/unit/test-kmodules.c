/* test-kmodules.c - module lookup and ordering from depmod's text indexes: a tree made
 * here with every case (dependencies, aliases, softdeps, built-ins, dashes, a cycle,
 * compressed files, missing files), and the real tree of Debian's kernel (KMODULES_REAL_ROOT,
 * build/kernel: the build always fetches it with images/fetch-kernel) checked against
 * modprobe --show-depends (kmod's own resolver).  No tree or no modprobe is a failure:
 * doc/design-notes.md cites this comparison. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "kmodules.h"
#include "tests.h"

static char tree[PATH_MAX];

static void put(const char *name, const char *text)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof(path), "%s/%s", tree, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void make_tree(void)
{
    snprintf(tree, sizeof(tree), "%s/hopboot-kmodules-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    CHECK(mkdtemp(tree) != NULL);
    put("modules.dep", "kernel/fs/ext4/ext4.ko: kernel/fs/jbd2/jbd2.ko kernel/lib/crc16.ko kernel/fs/mbcache.ko\n"
                       "kernel/fs/jbd2/jbd2.ko:\n"
                       "kernel/lib/crc16.ko:\n"
                       "kernel/fs/mbcache.ko:\n"
                       "kernel/crypto/crc32c_generic.ko:\n"
                       "kernel/drivers/ata/ata_piix.ko.xz: kernel/drivers/ata/libata.ko.xz\n"
                       "kernel/drivers/ata/libata.ko.xz: kernel/drivers/scsi/scsi_mod.ko.xz\n"
                       "kernel/drivers/scsi/scsi_mod.ko.xz:\n"
                       "kernel/drivers/scsi/sd_mod.ko: kernel/drivers/scsi/scsi_mod.ko.xz\n"
                       "kernel/drivers/virtio/virtio-pci.ko:\n"
                       "kernel/fs/cycle_a.ko: kernel/fs/cycle_b.ko\n"
                       "kernel/fs/cycle_b.ko: kernel/fs/cycle_a.ko\n");
    put("modules.alias", "# Aliases extracted from modules themselves.\n"
                         "alias pci:v00008086d00007010sv*sd*bc*sc*i* ata_piix\n"
                         "alias scsi:t-0x00* sd_mod\n"
                         "alias scsi:t-0x0e* sd_mod\n"
                         "alias fs-ext4 ext4\n"
                         "alias crc32c crc32c_generic\n"
                         "alias pci:v00001AF4d*sv*sd*bc*sc*i* virtio-pci\n");
    put("modules.softdep", "# Soft dependencies extracted from modules themselves.\n"
                           "softdep ext4 pre: crc32c post: nosuch_post\n"
                           "softdep crc16 gcm\n");
    put("modules.builtin", "kernel/fs/overlayfs/overlay.ko\n"
                           "kernel/drivers/block/loop.ko\n");
}

/* The paths of a resolution without the tree's prefix, joined by spaces. */
static void joined(char **paths, size_t n, char *out, size_t size)
{
    size_t used = 0, prefix = strlen(tree) + 1;
    out[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        CHECK(strncmp(paths[i], tree, prefix - 1) == 0 && paths[i][prefix - 1] == '/');
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? " " : "", paths[i] + prefix);
    }
}

static void check_resolves(const char *const *names, size_t n, const char *expected)
{
    _cleanup_strv_free_ char **paths = NULL;
    size_t count = 99;
    char got[4096];

    CHECK_EQ_INT(kmodules_resolve(tree, names, n, &paths, &count), 0);
    CHECK(paths != NULL);
    if (!paths)
        return;
    CHECK(paths[count] == NULL);
    joined(paths, count, got, sizeof(got));
    CHECK_STREQ(got, expected);
}

static void test_resolve(void)
{
    /* Softdep pre: first (through its alias), then each dependency, then the module. */
    const char *const ext4[] = { "ext4" };
    check_resolves(ext4, 1,
                   "kernel/crypto/crc32c_generic.ko kernel/fs/jbd2/jbd2.ko kernel/lib/crc16.ko kernel/fs/mbcache.ko "
                   "kernel/fs/ext4/ext4.ko");
    /* Modaliases as sysfs writes them; a module needed twice comes once. */
    const char *const card[] = { "pci:v00008086d00007010sv00001AF4sd00001100bc01sc01i80", "scsi:t-0x00", "sd_mod" };
    check_resolves(card, 3,
                   "kernel/drivers/scsi/scsi_mod.ko.xz kernel/drivers/ata/libata.ko.xz kernel/drivers/ata/ata_piix.ko.xz "
                   "kernel/drivers/scsi/sd_mod.ko");
    /* Built-in and unknown names load nothing and are no error. */
    const char *const nothing[] = { "overlay", "loop", "nosuch", "pci:v0000FFFFd0000FFFFsv0sd0bc0sc0i0" };
    check_resolves(nothing, 4, "");
    /* Dashes and underscores are the same in names, by name and by alias. */
    const char *const dash[] = { "virtio_pci" };
    check_resolves(dash, 1, "kernel/drivers/virtio/virtio-pci.ko");
    const char *const virtio[] = { "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00" };
    check_resolves(virtio, 1, "kernel/drivers/virtio/virtio-pci.ko");
    /* A dependency cycle ends. */
    const char *const cycle[] = { "cycle_a" };
    check_resolves(cycle, 1, "kernel/fs/cycle_b.ko kernel/fs/cycle_a.ko");
}

static void test_available(void)
{
    CHECK_EQ_INT(kmodules_available(tree, "ext4"), 1);
    CHECK_EQ_INT(kmodules_available(tree, "fs-ext4"), 1);
    CHECK_EQ_INT(kmodules_available(tree, "overlay"), 1); /* built in */
    CHECK_EQ_INT(kmodules_available(tree, "squashfs"), 0);
    CHECK_EQ_INT(kmodules_available(tree, "ex"), 0); /* no prefix matches */
    CHECK(kmodules_available("/nonexistent/hopboot-modules", "ext4") < 0);
}

static void test_missing_files(void)
{
    char path[PATH_MAX + 32];
    _cleanup_strv_free_ char **paths = NULL;
    size_t n;

    snprintf(path, sizeof(path), "%s/modules.dep", tree);
    CHECK(unlink(path) == 0);
    const char *const ext4[] = { "ext4" };
    CHECK_EQ_INT(kmodules_resolve(tree, ext4, 1, &paths, &n), -ENOENT);
    /* Without modules.dep, built-ins are still known and modules are not. */
    CHECK_EQ_INT(kmodules_available(tree, "loop"), 1);
    CHECK_EQ_INT(kmodules_available(tree, "ext4"), 0);
}

/* modules.dep holding one chain of LENGTH modules, m0 needing m1 needing m2 ...; resolve m0. */
static int resolve_chain(size_t length, char ***paths, size_t *n)
{
    _cleanup_free_ char *dep = malloc(length * 64);
    CHECK(dep != NULL);
    if (!dep)
        return -ENOMEM;
    char *p = dep;
    for (size_t i = 0; i < length; i++)
        p += i + 1 < length ? sprintf(p, "kernel/m%zu.ko: kernel/m%zu.ko\n", i, i + 1)
                            : sprintf(p, "kernel/m%zu.ko:\n", i);
    put("modules.dep", dep);
    const char *const first[] = { "m0" };
    return kmodules_resolve(tree, first, 1, paths, n);
}

/* An image's modules.dep is untrusted: a chain of 1000 modules fails with -ELOOP (it used
 * to take ~24 KiB of stack per level and crash PID 1); a chain at the limit resolves, the
 * last of the chain first. */
static void test_deep_chain(void)
{
    char path[PATH_MAX + 32];
    _cleanup_strv_free_ char **paths = NULL, **none = NULL;
    size_t n = 0;

    CHECK_EQ_INT(resolve_chain(KMODULES_MAX_DEPTH, &paths, &n), 0);
    CHECK_EQ_INT(n, KMODULES_MAX_DEPTH);
    snprintf(path, sizeof(path), "%s/kernel/m%d.ko", tree, KMODULES_MAX_DEPTH - 1);
    CHECK(n > 0 && strcmp(paths[0], path) == 0);
    CHECK_EQ_INT(resolve_chain(KMODULES_MAX_DEPTH + 1, &none, &n), -ELOOP);
    CHECK_EQ_INT(resolve_chain(1000, &none, &n), -ELOOP);
}

static void remove_tree(void)
{
    static const char *const files[] = { "modules.dep", "modules.alias", "modules.softdep", "modules.builtin" };
    char path[PATH_MAX + 32];
    for (size_t i = 0; i < ELEMENTSOF(files); i++) {
        snprintf(path, sizeof(path), "%s/%s", tree, files[i]);
        (void)unlink(path);
    }
    CHECK(rmdir(tree) == 0);
}

#ifndef KMODULES_REAL_ROOT
#error "KMODULES_REAL_ROOT (Debian's kernel tree, build/kernel) must be defined: see loader/tests/unit/CMakeLists.txt"
#endif

/* kmod's modprobe, where Debian puts it (kmod; /sbin and /usr/sbin are the same with usrmerge). */
static const char *find_modprobe(void)
{
    static const char *const candidates[] = { "/usr/sbin/modprobe", "/sbin/modprobe" };
    for (size_t i = 0; i < ELEMENTSOF(candidates); i++)
        if (access(candidates[i], X_OK) == 0)
            return candidates[i];
    return NULL;
}

/* modprobe's resolution of NAME in the tree ROOT/lib/modules/RELEASE: the full paths it
 * would insmod, appended to *paths (each once).  Returns 0, or -1 when modprobe cannot
 * resolve NAME (its own message is on stderr). */
static int modprobe_paths(const char *modprobe, const char *root, const char *release, const char *name,
                          char ***paths, size_t *n)
{
    char command[PATH_MAX * 2], line[PATH_MAX + 64];
    snprintf(command, sizeof(command), "%s --show-depends --ignore-install -d '%s' -S '%s' '%s'", modprobe, root,
             release, name);
    FILE *p = popen(command, "r");
    if (!p)
        return -1;
    while (fgets(line, sizeof(line), p)) {
        char path[PATH_MAX];
        if (sscanf(line, "insmod %4095s", path) != 1)
            continue;
        bool seen = false;
        for (size_t i = 0; i < *n; i++)
            seen = seen || strcmp((*paths)[i], path) == 0;
        if (!seen && fileio_strv_push(paths, n, path) < 0)
            break;
    }
    int status = pclose(p);
    if (status != 0) {
        fprintf(stderr, "test-kmodules: `%s` failed (%s %d)\n", command,
                WIFEXITED(status) ? "exit status" : "wait status", WIFEXITED(status) ? WEXITSTATUS(status) : status);
        return -1;
    }
    return 0;
}

static bool contains(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

/* The release of the tree at ROOT: its version file (images/fetch-kernel writes it),
 * which must name a directory ROOT/lib/modules/RELEASE with a modules.dep. */
static int real_release(const char *root, char *release, size_t size)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/version", root);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(release, (int)size, f)) {
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    release[strcspn(release, "\n")] = '\0';
    snprintf(path, sizeof(path), "%s/lib/modules/%s/modules.dep", root, release);
    return release[0] && access(path, R_OK) == 0 ? 0 : -1;
}

/* The real tree of Debian's kernel (the build fetches it), against kmod's modprobe. */
static void test_against_modprobe(void)
{
    const char *root = KMODULES_REAL_ROOT, *modprobe = find_modprobe();
    char release[256] = "", dir[PATH_MAX + 300];

    if (real_release(root, release, sizeof(release)) < 0) {
        fprintf(stderr, "FAIL: no kernel tree in %s (a version file naming lib/modules/RELEASE with its "
                        "modules.dep): the build fetches it with images/fetch-kernel\n", root);
        test_failures++;
        return;
    }
    if (!modprobe) {
        fprintf(stderr, "FAIL: no modprobe in /usr/sbin or /sbin (install the Debian package kmod): the "
                        "resolver cannot be compared with it\n");
        test_failures++;
        return;
    }
    snprintf(dir, sizeof(dir), "%s/lib/modules/%s", root, release);
    /* What stage 2 asks for, and the drivers of a QEMU IDE and virtio card. */
    static const char *const names[] = {
        "loop", "squashfs", "erofs", "ext4", "overlay", "vfat", "nls_cp437", "nls_ascii", "nls_iso8859_1",
        "nls_utf8", "ata_piix", "sd_mod", "virtio_blk", "virtio_pci", "isofs", "nfsv4", "aoe", "raid1",
        "pci:v00008086d00007010sv00001AF4sd00001100bc01sc01i80", "scsi:t-0x00",
    };
    size_t checked = 0;
    for (size_t k = 0; k < ELEMENTSOF(names); k++) {
        _cleanup_strv_free_ char **ours = NULL, **theirs = NULL;
        size_t n_ours = 0, n_theirs = 0;
        CHECK_EQ_INT(kmodules_resolve(dir, &names[k], 1, &ours, &n_ours), 0);
        CHECK_EQ_INT(modprobe_paths(modprobe, root, release, names[k], &theirs, &n_theirs), 0);
        if (n_ours != n_theirs) {
            fprintf(stderr, "%s: we load %zu module files, modprobe %zu\n", names[k], n_ours, n_theirs);
            test_failures++;
        }
        for (size_t i = 0; i < n_theirs; i++)
            if (!contains(ours, n_ours, theirs[i])) {
                fprintf(stderr, "%s: modprobe loads %s, we do not\n", names[k], theirs[i]);
                test_failures++;
            }
        /* Our order is a load order: the module itself last. */
        if (n_ours > 0 && n_theirs > 0 && strcmp(ours[n_ours - 1], theirs[n_theirs - 1]) != 0) {
            fprintf(stderr, "%s: we load %s last, modprobe %s\n", names[k], ours[n_ours - 1], theirs[n_theirs - 1]);
            test_failures++;
        }
        checked += n_theirs;
    }
    printf("test-kmodules: %zu module files of %s compared with %s --show-depends\n", checked, release, modprobe);
    CHECK(checked > 10);
}

int main(void)
{
    make_tree();
    test_resolve();
    test_available();
    test_missing_files();
    test_deep_chain();
    remove_tree();
    test_against_modprobe();
    return TEST_RESULT();
}
