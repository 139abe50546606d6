/* replay.c - main() for a fuzz harness built without libFuzzer (gcc, normal builds): feeds
 * each file named on the command line, or each file of a directory named there, to
 * LLVMFuzzerTestOneInput once.  ctest runs it over loader/tests/fuzz/corpus/<name>/, so
 * every committed seed and regression input is replayed in every test run.  A broken
 * property aborts inside the harness, so each input runs in a child of its own: the test
 * fails naming every input that broke something, not only the first.
 *
 * Usage: fuzz-replay-<name> FILE|DIRECTORY... */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

/* Read all of PATH into a buffer of exactly its size (so ASan sees reads past the end). */
static int read_input(const char *path, uint8_t **ret, size_t *ret_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || st.st_size < 0) {
        int r = -errno;
        close(fd);
        return r;
    }
    size_t size = (size_t)st.st_size, done = 0;
    uint8_t *data = malloc(size ? size : 1);
    if (!data) {
        close(fd);
        return -ENOMEM;
    }
    while (done < size) {
        ssize_t n = read(fd, data + done, size - done);
        if (n <= 0) {
            int r = n < 0 ? -errno : -EIO; /* the file shrank under us */
            free(data);
            close(fd);
            return r;
        }
        done += (size_t)n;
    }
    close(fd);
    *ret = data;
    *ret_size = size;
    return 0;
}

struct tally {
    size_t inputs, broken;
};

/* Run the harness on PATH in a child.  Returns -errno when PATH cannot be replayed at
 * all; a broken property (or a sanitizer report, leaks included) only counts in *t. */
static int replay_file(const char *path, struct tally *t)
{
    uint8_t *data = NULL;
    size_t size = 0;
    int r = read_input(path, &data, &size), status;
    if (r < 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(-r));
        return r;
    }
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, size);
    fflush(NULL); /* the child must not write the parent's buffers again */
    pid_t pid = fork();
    if (pid < 0) {
        r = -errno;
        free(data);
        return r;
    }
    if (pid == 0) {
        LLVMFuzzerTestOneInput(data, size);
        free(data);
        exit(0); /* exit, not _exit: LeakSanitizer checks at exit */
    }
    free(data);
    if (waitpid(pid, &status, 0) < 0)
        return -errno;
    t->inputs++;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "replay: FAILED: %s\n", path);
        t->broken++;
    }
    return 0;
}

static int skip_dot(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* Every file of DIR in name order, so a failure names the same input each time. */
static int replay_directory(const char *dir, struct tally *t)
{
    struct dirent **entries;
    int n = scandir(dir, &entries, skip_dot, alphasort), r = 0;
    if (n < 0) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -errno;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        int len = snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
        if (r == 0 && (len < 0 || (size_t)len >= sizeof(path))) {
            fprintf(stderr, "replay: %s/%s: name too long\n", dir, entries[i]->d_name);
            r = -ENAMETOOLONG;
        }
        if (r == 0)
            r = replay_file(path, t);
        free(entries[i]);
    }
    free(entries);
    return r;
}

int main(int argc, char **argv)
{
    struct tally t = { 0 };
    struct stat st;

    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE|DIRECTORY...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        if ((S_ISDIR(st.st_mode) ? replay_directory(argv[i], &t) : replay_file(argv[i], &t)) < 0)
            return 1;
    }
    if (t.inputs == 0) { /* an empty corpus would pass while testing nothing */
        fprintf(stderr, "replay: no inputs: every harness needs seeds in its corpus directory\n");
        return 1;
    }
    if (t.broken > 0) {
        printf("replay: %zu of %zu inputs broke a property or a sanitizer check (see above)\n", t.broken, t.inputs);
        return 1;
    }
    printf("replay: %zu inputs, all properties held\n", t.inputs);
    return 0;
}
