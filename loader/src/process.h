/* process.h - run a helper program (kexec-tools, busybox applets) and wait for it. */
#pragma once

#include <stdbool.h>

/* Run PATH with ARGV (NULL-terminated, ARGV[0] being the name it sees) and wait for it.
 * With QUIET its stdout and stderr go to /dev/null (the caller reports the outcome in one
 * line); otherwise they are ours.  Returns 0 when it exits 0, -ECHILD when it exits
 * otherwise or is killed, -errno when it cannot be started. */
int process_run(const char *path, char *const argv[], bool quiet);

/* As process_run, but returns the exit status (0-255) of a program that exited, -ECHILD
 * when it was killed, -errno when it cannot be started. */
int process_run_status(const char *path, char *const argv[], bool quiet);

/* As process_run_status, but with the program's stdout and stderr on OUT_FD and ENVP
 * (NULL-terminated) as its environment. */
int process_run_status_to(const char *path, char *const argv[], char *const envp[], int out_fd);
