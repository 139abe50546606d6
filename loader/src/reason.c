/* reason.c - see reason.h. */
#include "reason.h"

#include <stdarg.h>
#include <stdio.h>

int reason_set(char *reason, size_t size, int error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, size, fmt, ap);
    va_end(ap);
    return error;
}
