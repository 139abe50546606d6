/* rescue.h - the busybox rescue shell on the console, for when nothing can boot. */
#pragma once

#define RESCUE_SHELL "/bin/sh"

/* Run an interactive shell on the console, prompt "hopboot-rescue# ", and start a new one
 * whenever it exits, reaping every child meanwhile.  Never returns: this is PID 1. */
void rescue_shell(void) __attribute__((noreturn));
