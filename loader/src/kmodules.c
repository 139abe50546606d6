/* kmodules.c - see kmodules.h. */
#include "kmodules.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "modload.h"

/* One line of modules.dep ("kernel/fs/ext4/ext4.ko: kernel/fs/jbd2/jbd2.ko ...") and the
 * module it is about; and one "alias PATTERN MODULE" line of modules.alias. */
struct dep_entry {
    char name[64];
    const char *line;
};
struct alias_entry {
    const char *pattern, *module;
    size_t literal; /* the pattern's length up to its first wildcard */
};

/* A module tree's index files as text (what depmod writes beside the .bin indexes that
 * libkmod reads; the same facts): modules.dep, modules.alias, modules.softdep and
 * modules.builtin.  A missing file is empty.  tree_open splits the texts into lines in
 * place and indexes modules.dep, modules.alias and modules.builtin once, so that the
 * many lookups of a coldplug do not parse them again. */
struct tree {
    char dir[PATH_MAX];
    char *dep, *alias, *softdep, *builtin;
    struct dep_entry *deps, *builtins; /* builtins: the name only */
    size_t n_deps, n_builtins;
    struct alias_entry *aliases;
    size_t n_aliases;
};

#define INDEX_MAX_SIZE (64u << 20)
#define SOFTDEP_LINE_MAX 4096

static void tree_done(struct tree *t)
{
    free(t->dep);
    free(t->alias);
    free(t->softdep);
    free(t->builtin);
    free(t->deps);
    free(t->builtins);
    free(t->aliases);
}

static int tree_index(struct tree *t);

/* Returns 0, -ENOENT when DIR has no modules.dep (and REQUIRE_DEP), or another -errno. */
static int tree_open(struct tree *t, const char *dir, bool require_dep)
{
    static const char *const files[] = { "modules.dep", "modules.alias", "modules.softdep", "modules.builtin" };
    char **texts[] = { &t->dep, &t->alias, &t->softdep, &t->builtin };

    *t = (struct tree){ 0 };
    if (snprintf(t->dir, sizeof(t->dir), "%s", dir) >= (int)sizeof(t->dir))
        return -ENAMETOOLONG;
    _cleanup_close_ int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
        return -errno;
    for (size_t i = 0; i < ELEMENTSOF(files); i++) {
        int r = fileio_read_file(dirfd, files[i], INDEX_MAX_SIZE, texts[i], NULL);
        if (r == -ENOENT && (i > 0 || !require_dep))
            r = 0;
        if (r < 0) {
            tree_done(t);
            return r;
        }
    }
    int r = tree_index(t);
    if (r < 0)
        tree_done(t);
    return r;
}

/* The next line of *TEXT into LINE (at most SIZE - 1 bytes; longer lines are cut, which
 * no index of a real tree has); false at the end. */
static bool next_line(const char **text, char *line, size_t size)
{
    if (!*text || !**text)
        return false;
    size_t len = strcspn(*text, "\n");
    snprintf(line, size, "%.*s", (int)(len < size ? len : size - 1), *text);
    *text += len + ((*text)[len] == '\n');
    return true;
}

/* Module names compare with '-' and '_' the same, as the kernel and libkmod treat them. */
static void normalize(char *name)
{
    for (; *name; name++)
        if (*name == '-')
            *name = '_';
}

/* The module name of a path in the tree ("kernel/fs/fat/vfat.ko.xz" -> "vfat"). */
static void name_of_path(const char *path, char *name, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strcspn(base, ".");
    snprintf(name, size, "%.*s", (int)(len < size ? len : size - 1), base);
    normalize(name);
}

/* Each line of TEXT, ended in place; calls ADD with it until ADD fails. */
static int for_each_line(char *text, int (*add)(struct tree *t, char *line), struct tree *t)
{
    for (char *line = text, *end; line && *line; line = end) {
        end = strchr(line, '\n');
        if (end)
            *end++ = '\0';
        int r = add(t, line);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Appends a zeroed element to *ARRAY of *N elements of SIZE bytes; NULL when out of memory. */
static void *grow(void *array_p, size_t *n, size_t size)
{
    void **array = array_p;
    void *bigger = reallocarray(*array, *n + 1, size);
    if (!bigger)
        return NULL;
    *array = bigger;
    void *element = (char *)bigger + *n * size;
    memset(element, 0, size);
    (*n)++;
    return element;
}

static int add_dep(struct tree *t, char *line)
{
    const char *colon = strchr(line, ':');
    if (!colon)
        return 0;
    struct dep_entry *e = grow(&t->deps, &t->n_deps, sizeof(*e));
    if (!e)
        return -ENOMEM;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%.*s", (int)(colon - line), line);
    name_of_path(path, e->name, sizeof(e->name));
    e->line = line;
    return 0;
}

static int add_builtin(struct tree *t, char *line)
{
    if (!*line)
        return 0;
    struct dep_entry *e = grow(&t->builtins, &t->n_builtins, sizeof(*e));
    if (!e)
        return -ENOMEM;
    name_of_path(line, e->name, sizeof(e->name));
    e->line = line;
    return 0;
}

static int add_alias(struct tree *t, char *line)
{
    char *save = NULL, *word = strtok_r(line, " \t", &save);
    if (!word || strcmp(word, "alias") != 0)
        return 0;
    char *pattern = strtok_r(NULL, " \t", &save), *module = strtok_r(NULL, " \t", &save);
    if (!pattern || !module)
        return 0;
    struct alias_entry *e = grow(&t->aliases, &t->n_aliases, sizeof(*e));
    if (!e)
        return -ENOMEM;
    normalize(module);
    *e = (struct alias_entry){ .pattern = pattern, .module = module, .literal = strcspn(pattern, "*?[") };
    return 0;
}

static int tree_index(struct tree *t)
{
    int r = for_each_line(t->dep, add_dep, t);
    if (r >= 0)
        r = for_each_line(t->builtin, add_builtin, t);
    if (r >= 0)
        r = for_each_line(t->alias, add_alias, t);
    return r;
}

/* The modules.dep line of module NAME, or NULL. */
static const char *find_dep(const struct tree *t, const char *name)
{
    for (size_t i = 0; i < t->n_deps; i++)
        if (strcmp(t->deps[i].name, name) == 0)
            return t->deps[i].line;
    return NULL;
}

static bool is_builtin(const struct tree *t, const char *name)
{
    for (size_t i = 0; i < t->n_builtins; i++)
        if (strcmp(t->builtins[i].name, name) == 0)
            return true;
    return false;
}

/* The names NAME_OR_ALIAS stands for, appended to *names, as modprobe looks it up: a
 * module of modules.dep by name; else every module whose modules.alias pattern matches
 * it (fnmatch, as udev's modaliases are written); else a built-in module by name.
 * Returns 1 when found (built in: *builtin set, nothing appended), 0, or -ENOMEM. */
static int lookup(const struct tree *t, const char *name_or_alias, char ***names, size_t *n, bool *builtin)
{
    char normal[512];
    bool found = false;

    *builtin = false;
    snprintf(normal, sizeof(normal), "%s", name_or_alias);
    normalize(normal);
    if (find_dep(t, normal))
        return fileio_strv_push(names, n, normal) < 0 ? -ENOMEM : 1;

    for (size_t i = 0; i < t->n_aliases; i++) {
        const struct alias_entry *a = &t->aliases[i];
        /* Cheap test first: the pattern's literal start must match. */
        if (strncmp(a->pattern, name_or_alias, a->literal) != 0 || fnmatch(a->pattern, name_or_alias, 0) != 0)
            continue;
        if (fileio_strv_push(names, n, a->module) < 0)
            return -ENOMEM;
        found = true;
    }
    if (found)
        return 1;
    if (is_builtin(t, normal)) {
        *builtin = true;
        return 1;
    }
    return 0;
}

struct resolution {
    const struct tree *tree;
    char **seen; /* module names visited, to include each once and stop cycles */
    size_t n_seen;
    char **paths;
    size_t n_paths;
    unsigned depth; /* modules being visited, one inside the other */
};

static bool seen_before(struct resolution *res, const char *name)
{
    for (size_t i = 0; i < res->n_seen; i++)
        if (strcmp(res->seen[i], name) == 0)
            return true;
    return false;
}

static int visit(struct resolution *res, const char *name);

/* Every module NAME_OR_ALIAS stands for, with what it needs; unknown ones are skipped. */
static int visit_lookup(struct resolution *res, const char *name_or_alias)
{
    _cleanup_strv_free_ char **names = NULL;
    size_t n = 0;
    bool builtin;

    int r = lookup(res->tree, name_or_alias, &names, &n, &builtin);
    for (size_t i = 0; r >= 0 && i < n; i++)
        r = visit(res, names[i]);
    return r < 0 ? r : 0;
}

/* The "pre:" modules of NAME in modules.softdep, visited in order. */
static int visit_softdeps(struct resolution *res, const char *name)
{
    _cleanup_free_ char *line = malloc(SOFTDEP_LINE_MAX);
    int r = 0;

    if (!line)
        return -ENOMEM;
    for (const char *text = res->tree->softdep; r >= 0 && next_line(&text, line, SOFTDEP_LINE_MAX);) {
        char *save = NULL, *word = strtok_r(line, " \t", &save);
        if (!word || strcmp(word, "softdep") != 0 || !(word = strtok_r(NULL, " \t", &save)))
            continue;
        normalize(word);
        if (strcmp(word, name) != 0)
            continue;
        bool pre = false;
        while (r >= 0 && (word = strtok_r(NULL, " \t", &save))) {
            if (strcmp(word, "pre:") == 0 || strcmp(word, "post:") == 0)
                pre = strcmp(word, "pre:") == 0;
            else if (pre)
                r = visit_lookup(res, word);
        }
    }
    return r;
}

/* Depth first, appending a module after everything it needs: a valid load order.  The
 * walk is bounded (KMODULES_MAX_DEPTH) and a frame holds no buffer: an image's
 * modules.dep is untrusted input, and a chain hundreds of modules deep must fail this
 * image (-ELOOP), not overflow PID 1's stack. */
static int visit_depth(struct resolution *res, const char *name)
{
    if (seen_before(res, name))
        return 0;
    if (fileio_strv_push(&res->seen, &res->n_seen, name) < 0)
        return -ENOMEM;
    int r = visit_softdeps(res, name);
    const char *dep_line = r < 0 ? NULL : find_dep(res->tree, name);
    if (!dep_line)
        return r; /* built in, or not in this tree */
    _cleanup_free_ char *line = strdup(dep_line); /* strtok_r below cuts it up */
    if (!line)
        return -ENOMEM;

    char *colon = strchr(line, ':'), *save = NULL, module[256];
    *colon = '\0';
    for (char *dep = strtok_r(colon + 1, " \t", &save); dep && r >= 0; dep = strtok_r(NULL, " \t", &save)) {
        name_of_path(dep, module, sizeof(module));
        r = visit(res, module);
    }
    if (r < 0)
        return r;
    _cleanup_free_ char *path = NULL;
    if (asprintf(&path, "%s/%s", res->tree->dir, line) < 0)
        return -ENOMEM;
    return fileio_strv_push(&res->paths, &res->n_paths, path) < 0 ? -ENOMEM : 0;
}

static int visit(struct resolution *res, const char *name)
{
    if (res->depth >= KMODULES_MAX_DEPTH)
        return -ELOOP;
    res->depth++;
    int r = visit_depth(res, name);
    res->depth--;
    return r;
}

/* NAMES (N of them) resolved in the tree into *RES's paths, in load order. */
static int resolve(const struct tree *t, const char *const *names, size_t n, struct resolution *res)
{
    int r = 0;

    *res = (struct resolution){ .tree = t };
    for (size_t i = 0; r >= 0 && i < n; i++)
        r = visit_lookup(res, names[i]);
    strv_free(res->seen);
    res->seen = NULL;
    if (r < 0) {
        strv_free(res->paths);
        res->paths = NULL;
    }
    return r;
}

/* Whether module NAME is in the running kernel (loaded, or built in with a sysfs entry). */
static bool loaded(const char *path)
{
    char name[256], sys[300];
    name_of_path(path, name, sizeof(name));
    snprintf(sys, sizeof(sys), "/sys/module/%s", name);
    return access(sys, F_OK) == 0;
}

/* Insert every module ALIAS stands for, with what it needs; returns how many were newly
 * inserted. */
static int load_alias(const struct tree *t, const char *alias)
{
    struct resolution res;
    int loaded_now = 0;

    if (resolve(t, &alias, 1, &res) < 0)
        return 0;
    for (size_t i = 0; i < res.n_paths; i++)
        if (!loaded(res.paths[i]) && modload_file(res.paths[i]) == 0)
            loaded_now++;
    strv_free(res.paths);
    return loaded_now;
}

/* Walk sysfs below DIRFD (not following links) loading each modalias. */
static int coldplug(const struct tree *t, int dirfd, int depth)
{
    _cleanup_free_ char *alias = NULL;
    int loaded_now = 0;

    if (fileio_read_file(dirfd, "modalias", 4096, &alias, NULL) >= 0) {
        alias[strcspn(alias, "\n")] = '\0';
        if (*alias)
            loaded_now += load_alias(t, alias);
    }
    if (depth > 32)
        return loaded_now;

    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return loaded_now;
    _cleanup_closedir_ DIR *dir = fdopendir(fd);
    if (!dir) {
        close(fd);
        return loaded_now;
    }
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (de->d_type != DT_DIR || de->d_name[0] == '.')
            continue;
        _cleanup_close_ int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0)
            loaded_now += coldplug(t, sub, depth + 1);
    }
    return loaded_now;
}

int kmodules_load(const char *const *names, size_t n)
{
    struct utsname uts;
    char dir[PATH_MAX];
    struct tree t;

    if (uname(&uts) < 0)
        return -errno;
    snprintf(dir, sizeof(dir), "/lib/modules/%s", uts.release);
    int r = tree_open(&t, dir, true);
    if (r == -ENOENT)
        return 0; /* no modules: a kernel with everything built in */
    if (r < 0)
        return r;

    int loaded_now = 0;
    _cleanup_close_ int devices = open("/sys/devices", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (devices >= 0)
        loaded_now += coldplug(&t, devices, 0);
    for (size_t i = 0; i < n; i++)
        loaded_now += load_alias(&t, names[i]);
    tree_done(&t);
    return loaded_now;
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

int kmodules_available(const char *modules_dir, const char *name)
{
    _cleanup_strv_free_ char **names = NULL;
    size_t n = 0;
    bool builtin;
    struct tree t;

    int r = tree_open(&t, modules_dir, false);
    if (r < 0)
        return r;
    r = lookup(&t, name, &names, &n, &builtin);
    tree_done(&t);
    return r;
}

int kmodules_resolve(const char *modules_dir, const char *const *names, size_t n, char ***ret_paths, size_t *ret_n)
{
    struct resolution res;
    struct tree t;

    int r = tree_open(&t, modules_dir, true);
    if (r < 0)
        return r;
    r = resolve(&t, names, n, &res);
    tree_done(&t);
    if (r < 0)
        return r;
    if (!res.paths && !(res.paths = calloc(1, sizeof(char *))))
        return -ENOMEM;
    *ret_paths = res.paths;
    *ret_n = res.n_paths;
    return 0;
}
