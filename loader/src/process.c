/* process.c - see process.h. */
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Start PATH with ACTIONS and ENVP and wait for it: its exit status, -ECHILD when it was
 * killed, -errno when it cannot be started.  Destroys ACTIONS. */
static int spawn_and_wait(const char *path, posix_spawn_file_actions_t *actions, char *const argv[],
                          char *const envp[])
{
    pid_t pid;
    int status;

    int r = posix_spawn(&pid, path, actions, NULL, argv, envp);
    posix_spawn_file_actions_destroy(actions);
    if (r != 0)
        return -r;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -ECHILD;
}

int process_run_status(const char *path, char *const argv[], bool quiet)
{
    posix_spawn_file_actions_t actions;

    if (posix_spawn_file_actions_init(&actions) != 0)
        return -ENOMEM;
    if (quiet) {
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    }
    return spawn_and_wait(path, &actions, argv, environ);
}

int process_run(const char *path, char *const argv[], bool quiet)
{
    int r = process_run_status(path, argv, quiet);
    return r == 0 ? 0 : r > 0 ? -ECHILD : r;
}

int process_run_status_to(const char *path, char *const argv[], char *const envp[], int out_fd)
{
    posix_spawn_file_actions_t actions;

    if (posix_spawn_file_actions_init(&actions) != 0)
        return -ENOMEM;
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out_fd, STDERR_FILENO);
    return spawn_and_wait(path, &actions, argv, envp);
}
