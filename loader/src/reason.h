/* reason.h - the one phrase a stage-1 step returns with its error ("checksum mismatch
 * (...)"), for the driver to put into the line it prints. */
#pragma once

#include <stddef.h>

/* Write the printf-style phrase into REASON (SIZE bytes) and return ERROR, so a failing
 * step can say `return reason_set(reason, size, -ENOENT, "no kernel at %s", path);`. */
int reason_set(char *reason, size_t size, int error, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
