/* kmodules.c - see kmodules.h. */
#include "kmodules.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libkmod.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

static void kmod_ctx_unrefp(struct kmod_ctx **ctx)
{
    if (*ctx)
        kmod_unref(*ctx);
}

static void kmod_list_freep(struct kmod_list **list)
{
    if (*list)
        kmod_module_unref_list(*list);
}

/* Insert every module matching ALIAS; returns how many were newly inserted. */
static int load_alias(struct kmod_ctx *ctx, const char *alias)
{
    _cleanup_(kmod_list_freep) struct kmod_list *list = NULL;
    struct kmod_list *it;
    int loaded = 0;

    if (kmod_module_new_from_lookup(ctx, alias, &list) < 0 || !list)
        return 0;
    kmod_list_foreach(it, list) {
        struct kmod_module *mod = kmod_module_get_module(it);
        int state = kmod_module_get_initstate(mod);
        if (state != KMOD_MODULE_LIVE && state != KMOD_MODULE_BUILTIN && state != KMOD_MODULE_COMING &&
            kmod_module_probe_insert_module(mod, KMOD_PROBE_IGNORE_LOADED, NULL, NULL, NULL, NULL) == 0)
            loaded++;
        kmod_module_unref(mod);
    }
    return loaded;
}

/* Walk sysfs below DIRFD (not following links) loading each modalias. */
static int coldplug(struct kmod_ctx *ctx, int dirfd, int depth)
{
    _cleanup_free_ char *alias = NULL;
    int loaded = 0;

    if (fileio_read_file(dirfd, "modalias", 4096, &alias, NULL) >= 0) {
        alias[strcspn(alias, "\n")] = '\0';
        if (*alias)
            loaded += load_alias(ctx, alias);
    }
    if (depth > 32)
        return loaded;

    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return loaded;
    _cleanup_closedir_ DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return loaded;
    }
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        _cleanup_close_ int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0)
            loaded += coldplug(ctx, sub, depth + 1);
    }
    return loaded;
}

int kmodules_load(const char *const *names, size_t n)
{
    _cleanup_(kmod_ctx_unrefp) struct kmod_ctx *ctx = kmod_new(NULL, NULL);
    if (!ctx)
        return -ENOMEM;
    kmod_set_log_priority(ctx, 0); /* libkmod must not print to our console */

    int loaded = 0;
    _cleanup_close_ int devices = open("/sys/devices", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (devices >= 0)
        loaded += coldplug(ctx, devices, 0);
    for (size_t i = 0; i < n; i++)
        loaded += load_alias(ctx, names[i]);
    return loaded;
}

/* The modalias of the device at sysfs path DEVICE when a driver is bound to it: what names
 * its driver in a kernel without module support, which has no driver/module links.  The
 * image's modules.alias resolves it, as udev would.  Appended to *names; 0 or -errno. */
static int push_bound_modalias(const char *device, char ***names, size_t *n)
{
    char path[PATH_MAX + 32];
    _cleanup_free_ char *alias = NULL;

    snprintf(path, sizeof(path), "%s/driver", device);
    if (access(path, F_OK) < 0)
        return 0;
    snprintf(path, sizeof(path), "%s/modalias", device);
    if (fileio_read_file(AT_FDCWD, path, 4096, &alias, NULL) < 0)
        return 0;
    alias[strcspn(alias, "\n")] = '\0';
    return *alias ? fileio_strv_push(names, n, alias) : 0;
}

int kmodules_for_device(const char *device, char ***names, size_t *n)
{
    char path[PATH_MAX], resolved[PATH_MAX];
    const char *base = strrchr(device, '/');

    base = base ? base + 1 : device;
    /* A partition's "device" link is on its disk: /sys/class/block/sda1/.. is sda. */
    snprintf(path, sizeof(path), "/sys/class/block/%s/partition", base);
    bool partition = access(path, F_OK) == 0;
    snprintf(path, sizeof(path), "/sys/class/block/%s%s", base, partition ? "/.." : "");
    if (!realpath(path, resolved))
        return -errno;

    /* Climb from the block device to /sys/devices, collecting each driver's module. */
    for (char *end; (end = strrchr(resolved, '/')) && end > resolved + strlen("/sys/devices"); *end = '\0') {
        char link[PATH_MAX + 32], target[PATH_MAX];
        snprintf(link, sizeof(link), "%s/driver/module", resolved);
        ssize_t len = readlink(link, target, sizeof(target) - 1);
        int r;
        if (len > 0) {
            target[len] = '\0';
            const char *module = strrchr(target, '/');
            r = fileio_strv_push(names, n, module ? module + 1 : target);
        } else {
            r = push_bound_modalias(resolved, names, n);
        }
        if (r < 0)
            return r;
    }
    return 0;
}

struct resolution {
    char **seen; /* module names visited, to include each once and stop cycles */
    size_t n_seen;
    char **paths;
    size_t n_paths;
};

static bool seen_before(struct resolution *res, const char *name)
{
    for (size_t i = 0; i < res->n_seen; i++)
        if (strcmp(res->seen[i], name) == 0)
            return true;
    return false;
}

static int visit(struct resolution *res, struct kmod_module *mod);

static int visit_list(struct resolution *res, struct kmod_list *list)
{
    struct kmod_list *it;
    int r = 0;

    kmod_list_foreach(it, list) {
        struct kmod_module *dep = kmod_module_get_module(it);
        if (r >= 0)
            r = visit(res, dep);
        kmod_module_unref(dep);
    }
    return r;
}

/* Depth first, appending a module after everything it needs: a valid load order. */
static int visit(struct resolution *res, struct kmod_module *mod)
{
    const char *name = kmod_module_get_name(mod);
    _cleanup_(kmod_list_freep) struct kmod_list *pre = NULL, *post = NULL, *deps = NULL;

    if (seen_before(res, name))
        return 0;
    int r = fileio_strv_push(&res->seen, &res->n_seen, name);
    if (r < 0)
        return r;

    if (kmod_module_get_softdeps(mod, &pre, &post) == 0 && (r = visit_list(res, pre)) < 0)
        return r;
    deps = kmod_module_get_dependencies(mod);
    if ((r = visit_list(res, deps)) < 0)
        return r;

    const char *path = kmod_module_get_path(mod); /* NULL: built into the kernel */
    return path ? fileio_strv_push(&res->paths, &res->n_paths, path) : 0;
}

int kmodules_available(const char *modules_dir, const char *name)
{
    _cleanup_(kmod_ctx_unrefp) struct kmod_ctx *ctx = kmod_new(modules_dir, NULL);
    _cleanup_(kmod_list_freep) struct kmod_list *list = NULL;

    if (!ctx)
        return -ENOMEM;
    kmod_set_log_priority(ctx, 0);
    /* The lookup covers aliases, modules.dep and modules.builtin alike. */
    if (kmod_module_new_from_lookup(ctx, name, &list) < 0)
        return -EIO;
    return list != NULL;
}

int kmodules_resolve(const char *modules_dir, const char *const *names, size_t n, char ***ret_paths, size_t *ret_n)
{
    char dep_file[PATH_MAX];
    struct resolution res = { 0 };
    int r = 0;

    snprintf(dep_file, sizeof(dep_file), "%s/modules.dep", modules_dir);
    if (access(dep_file, R_OK) < 0)
        return -errno;
    _cleanup_(kmod_ctx_unrefp) struct kmod_ctx *ctx = kmod_new(modules_dir, NULL);
    if (!ctx)
        return -ENOMEM;
    kmod_set_log_priority(ctx, 0);

    for (size_t i = 0; r >= 0 && i < n; i++) {
        _cleanup_(kmod_list_freep) struct kmod_list *list = NULL;
        if (kmod_module_new_from_lookup(ctx, names[i], &list) < 0)
            continue; /* unknown here: the image's kernel may not need it */
        r = visit_list(&res, list);
    }
    strv_free(res.seen);
    if (r < 0) {
        strv_free(res.paths);
        return r;
    }
    if (!res.paths && !(res.paths = calloc(1, sizeof(char *))))
        return -ENOMEM;
    *ret_paths = res.paths;
    *ret_n = res.n_paths;
    return 0;
}
