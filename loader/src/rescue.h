/* rescue.h - the busybox rescue shell on the console, for when nothing can boot. */
#pragma once

#define RESCUE_SHELL "/bin/sh"

/* Run an interactive shell, prompt "hopboot-rescue# ", on each active console (VGA and
 * serial), start a new one whenever one exits, and reap every child meanwhile.  Never
 * returns: this is PID 1. */
void rescue_shell(void) __attribute__((noreturn));
