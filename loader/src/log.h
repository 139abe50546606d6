/* log.h - one-line messages for the person at the console.
 *
 * On the appliance (log_setup with LOG_TARGET_CONSOLE) every line goes to each active
 * console (/sys/class/tty/console/active: VGA and serial alike) and a copy to /dev/kmsg;
 * on a workstation or in tests (LOG_TARGET_STDERR) to stderr.  Only the layer that decides
 * what happens next logs; library modules return -errno and stay silent. */
#pragma once

#include <stdbool.h>
#include <syslog.h>

enum log_target {
    LOG_TARGET_STDERR,
    LOG_TARGET_CONSOLE,
};

/* Set the program name printed before each line ("hopboot") and where lines go.
 * Safe to call again (e.g. once /dev is mounted); never fails: with no console, stderr. */
void log_setup(const char *ident, enum log_target target);

/* Lines with a priority numerically above LEVEL (syslog: LOG_ERR=3 .. LOG_DEBUG=7) are
 * not shown on the console.  Default LOG_INFO. */
void log_set_level(int level);
int log_get_level(void);

/* Print one line (a trailing newline is added). */
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An updating status line (progress, the menu's countdown): on each output that is a
 * terminal, TEXT (prefixed like a line) replaces the previous status line in place; the
 * next log line, or log_status(NULL), erases it first.  Nothing is shown below LOG_INFO
 * (with "quiet").  Returns whether a terminal shows it: when none does, the caller says
 * the same now and then in plain lines. */
bool log_status(const char *text);

#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
