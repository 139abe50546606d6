/* console.h - the consoles a person may be looking at: every device in
 * /sys/class/tty/console/active (VGA and serial alike), since /dev/console is only the
 * last console= of the command line.  Used by log.c for output and by menu.c for keys.
 * Does not log. */
#pragma once

#include <stdbool.h>

#define CONSOLE_MAX 4

/* Open each active console (falling back to /dev/console) with open(2) FLAGS plus
 * O_NOCTTY | O_CLOEXEC, at most CONSOLE_MAX, into FDS.  O_NONBLOCK is used for the
 * open only, so that a serial line without carrier does not hang it, and cleared after
 * unless FLAGS has it.  Returns how many were opened (0: none). */
int console_open_active(int flags, int fds[CONSOLE_MAX]);

/* Close N descriptors of FDS. */
void console_close(int *fds, int n);
