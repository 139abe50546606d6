/* aoe.c - see aoe.h. */
#include "aoe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"
#include "net.h"

#define POLL_MS 100
#define REDISCOVER_MS 1000

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether ROOT/DIR/NAME exists. */
static bool exists_below(const char *root, const char *dir, const char *name)
{
    char path[512];
    if (snprintf(path, sizeof(path), "%s/%s/%s", root, dir, name) >= (int)sizeof(path))
        return false;
    return access(path, F_OK) == 0;
}

/* Split the comma list IFACES into the interfaces that exist within DEADLINE and those
 * that do not. */
static int find_interfaces(const char *root, const char *ifaces, long long deadline, struct aoe_found *found)
{
    _cleanup_free_ char *copy = strdup(ifaces);
    _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
    size_t n = 0;
    char *save = NULL;

    if (!copy || !names)
        return -ENOMEM;
    for (char *name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save))
        if (fileio_strv_push(&names, &n, name) < 0)
            return -ENOMEM;
    /* Network drivers may still be probing: give each interface until the deadline. */
    for (;;) {
        size_t present = 0;
        for (size_t i = 0; i < n; i++)
            present += exists_below(root, "sys/class/net", names[i]);
        if (present == n || now_ms() >= deadline)
            break;
        usleep(POLL_MS * 1000);
    }
    for (size_t i = 0; i < n; i++) {
        bool present = exists_below(root, "sys/class/net", names[i]);
        if (fileio_strv_push(present ? &found->used : &found->missing, present ? &found->n_used : &found->n_missing,
                             names[i]) < 0)
            return -ENOMEM;
    }
    return 0;
}

static int write_driver_file(const char *root, const char *file, const char *text)
{
    char path[512];
    if (snprintf(path, sizeof(path), "%s/dev/etherd/%s", root, file) >= (int)sizeof(path))
        return -ENAMETOOLONG;
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    return fileio_write_all(fd, text, strlen(text));
}

/* The interfaces, space-separated, as the driver's interfaces file wants them. */
static int name_interfaces(const char *root, char *const *used, size_t n)
{
    char list[1024] = "";
    size_t len = 0;

    for (size_t i = 0; i < n; i++) {
        int w = snprintf(list + len, sizeof(list) - len, "%s%s", i ? " " : "", used[i]);
        if (w < 0 || (size_t)w >= sizeof(list) - len)
            return -E2BIG;
        len += (size_t)w;
    }
    return write_driver_file(root, "interfaces", list);
}

static int compare_names(const void *a, const void *b)
{
    return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* The targets visible now: a sysfs disk etherd!eX.Y whose node /dev/etherd/eX.Y exists. */
static int list_targets(const char *root, char ***ret, size_t *ret_n)
{
    char path[512];
    _cleanup_strv_free_ char **targets = calloc(1, sizeof(char *));
    size_t n = 0;
    struct dirent *de;

    if (!targets)
        return -ENOMEM;
    snprintf(path, sizeof(path), "%s/sys/block", root);
    _cleanup_closedir_ DIR *dir = opendir(path);
    while (dir && (de = readdir(dir))) {
        const char *target = de->d_name + strlen("etherd!");
        if (strncmp(de->d_name, "etherd!", strlen("etherd!")) != 0 || !*target ||
            !exists_below(root, "dev/etherd", target))
            continue;
        if (fileio_strv_push(&targets, &n, target) < 0)
            return -ENOMEM;
    }
    qsort(targets, n, sizeof(char *), compare_names);
    *ret = TAKE_PTR(targets);
    *ret_n = n;
    return 0;
}

/* Poll for targets until DEADLINE: discovery repeated each second until one shows up,
 * then once more, then until SETTLE_MS pass with no new one. */
static int wait_for_targets(const char *root, long long start, long long deadline, unsigned settle_ms,
                            struct aoe_found *found)
{
    long long last_discover = start, last_new = -1;
    bool asked_again = false;

    for (;;) {
        char **targets;
        size_t n;
        int r = list_targets(root, &targets, &n);
        if (r < 0)
            return r;
        long long now = now_ms();
        if (n > found->n_targets) {
            last_new = now;
            found->seconds = (double)(now - start) / 1000.0;
        }
        strv_free(found->targets);
        found->targets = targets;
        found->n_targets = n;
        if (now >= deadline || (last_new >= 0 && now - last_new >= (long long)settle_ms))
            return 0;
        if ((last_new < 0 && now - last_discover >= REDISCOVER_MS) || (last_new >= 0 && !asked_again)) {
            r = write_driver_file(root, "discover", "\n");
            if (r < 0)
                return r;
            last_discover = now;
            asked_again = last_new >= 0;
        }
        usleep(POLL_MS * 1000);
    }
}

int aoe_discover(const char *root, const char *ifaces, unsigned timeout_ms, unsigned settle_ms,
                 struct aoe_found *ret)
{
    struct aoe_found found = { 0 };
    unsigned interface_ms = timeout_ms < AOE_INTERFACE_WAIT_MS ? timeout_ms : AOE_INTERFACE_WAIT_MS;

    if (!exists_below(root, "dev/etherd", "discover"))
        return -ENOENT;
    int r = find_interfaces(root, ifaces, now_ms() + interface_ms, &found);
    if (r >= 0 && found.n_used > 0) {
        /* From here: a missing interface must not eat the targets' time.  The driver may
         * find targets on its own as soon as a link is up. */
        long long start = now_ms(), deadline = start + timeout_ms;
        for (size_t i = 0; i < found.n_used; i++)
            (void)net_link_up(found.used[i]); /* a link that stays down: no target answers */
        r = name_interfaces(root, found.used, found.n_used);
        if (r >= 0)
            r = write_driver_file(root, "discover", "\n");
        if (r >= 0)
            r = wait_for_targets(root, start, deadline, settle_ms, &found);
    }
    if (r < 0) {
        aoe_found_done(&found);
        return r;
    }
    *ret = found;
    return 0;
}

void aoe_found_done(struct aoe_found *found)
{
    strv_free(found->targets);
    strv_free(found->missing);
    strv_free(found->used);
    *found = (struct aoe_found){ 0 };
}
