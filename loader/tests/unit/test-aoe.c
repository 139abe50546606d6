/* test-aoe.c - AoE discovery against a fake root: interfaces, the driver's files and
 * targets made by the test (a child process adds one late, as a slow answer would). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aoe.h"
#include "cleanup.h"
#include "fileio.h"
#include "tests.h"

static char root[64];

/* ROOT/PATH as an empty file or directory (parents made); names of interfaces that
 * exist nowhere else, since aoe_discover sets the real ones up. */
static void make(const char *path, bool dir)
{
    char full[512], *slash;
    snprintf(full, sizeof(full), "%s/%s", root, path);
    for (slash = strchr(full + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        (void)mkdir(full, 0755);
        *slash = '/';
    }
    if (dir)
        CHECK(mkdir(full, 0755) == 0 || errno == EEXIST);
    else {
        int fd = open(full, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        CHECK(fd >= 0);
        close(fd);
    }
}

static void add_target(const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), "sys/block/etherd!%s", name);
    make(path, true);
    snprintf(path, sizeof(path), "dev/etherd/%s", name);
    make(path, false);
}

static void remove_targets(void)
{
    char command[256];
    snprintf(command, sizeof(command), "rm -rf %s/sys/block/etherd* %s/dev/etherd/e*", root, root);
    CHECK_EQ_INT(system(command), 0);
}

static char *read_back(const char *path)
{
    char full[512];
    char *text = NULL;
    snprintf(full, sizeof(full), "%s/%s", root, path);
    CHECK(fileio_read_file(AT_FDCWD, full, 4096, &text, NULL) >= 0);
    return text;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void test_no_driver(void)
{
    struct aoe_found found = { .n_used = 99 };
    CHECK_EQ_INT(aoe_discover(root, "hbfake0", 200, 100, &found), -ENOENT);
    CHECK_EQ_INT(found.n_used, 99); /* untouched */
}

static void test_targets_found(void)
{
    struct aoe_found found;
    make("dev/etherd/discover", false);
    make("dev/etherd/interfaces", false);
    make("sys/class/net/hbfake0", true);
    make("sys/class/net/hbfake1", true);
    add_target("e0.10");
    add_target("e0.2");
    add_target("e0.1");
    make("sys/block/etherd!e1.1", true); /* no node (yet): not usable */
    make("sys/block/sda", true);

    CHECK_EQ_INT(aoe_discover(root, "hbfake0,hbnone9,hbfake1", 5000, 200, &found), 0);
    CHECK_EQ_INT(found.n_targets, 3);
    if (found.n_targets == 3) {
        CHECK_STREQ(found.targets[0], "e0.1");
        CHECK_STREQ(found.targets[1], "e0.2");
        CHECK_STREQ(found.targets[2], "e0.10");
    }
    CHECK_EQ_INT(found.n_used, 2);
    CHECK_EQ_INT(found.n_missing, 1);
    if (found.n_missing == 1)
        CHECK_STREQ(found.missing[0], "hbnone9");
    CHECK(found.seconds < 1.0);
    _cleanup_free_ char *interfaces = read_back("dev/etherd/interfaces");
    _cleanup_free_ char *discover = read_back("dev/etherd/discover");
    CHECK_STREQ(interfaces, "hbfake0 hbfake1");
    CHECK_STREQ(discover, "\n");
    aoe_found_done(&found);
}

/* Nothing answers: the bound holds, and the missing interface does not eat into it. */
static void test_nobody_answers(void)
{
    struct aoe_found found;
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_EQ_INT(aoe_discover(root, "hbfake2", 400, 100, &found), 0);
    double took = seconds_since(&start);
    CHECK_EQ_INT(found.n_targets, 0);
    CHECK_EQ_INT(found.n_used, 0);
    CHECK_EQ_INT(found.n_missing, 1);
    CHECK(took >= 0.4 && took < 2.0); /* the interface's wait, bounded by the timeout */
    aoe_found_done(&found);

    remove_targets();
    make("sys/class/net/hbfake2", true);
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_EQ_INT(aoe_discover(root, "hbfake2", 700, 100, &found), 0);
    took = seconds_since(&start);
    CHECK(took >= 0.7 && took < 2.0);
    CHECK_EQ_INT(found.n_used, 1);
    CHECK_EQ_INT(found.n_targets, 0);
    aoe_found_done(&found);
}

/* A target that answers after 0.3 s is waited for; discovery ends SETTLE_MS after it. */
static void test_late_target(void)
{
    struct aoe_found found;
    struct timespec start;

    remove_targets();
    pid_t child = fork();
    if (child == 0) {
        usleep(300 * 1000);
        add_target("e7.3");
        _exit(0);
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    CHECK_EQ_INT(aoe_discover(root, "hbfake0", 5000, 300, &found), 0);
    double took = seconds_since(&start);
    waitpid(child, NULL, 0);
    CHECK_EQ_INT(found.n_targets, 1);
    if (found.n_targets == 1)
        CHECK_STREQ(found.targets[0], "e7.3");
    CHECK(found.seconds >= 0.3 && found.seconds < 2.0);
    CHECK(took >= 0.6 && took < 3.0);
    aoe_found_done(&found);
}

int main(void)
{
    snprintf(root, sizeof(root), "/tmp/test-aoe-XXXXXX");
    if (!mkdtemp(root))
        return 1;
    test_no_driver();
    test_targets_found();
    test_nobody_answers();
    test_late_target();
    char cleanup[256];
    snprintf(cleanup, sizeof(cleanup), "rm -rf %s", root);
    CHECK_EQ_INT(system(cleanup), 0);
    return TEST_RESULT();
}
