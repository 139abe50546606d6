/* progress.c - see progress.h. */
#include "progress.h"

#include <stdio.h>

#include "log.h"

#define QUIET_SECONDS 1.0    /* nothing for work that ends sooner */
#define TERMINAL_SECONDS 0.5 /* a status line updates at most this often */
#define PLAIN_SECONDS 5.0    /* a plain line, where there is no terminal */

static double since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

void progress_begin(struct progress *p, const char *file, const char *verb)
{
    *p = (struct progress){ 0 };
    snprintf(p->what, sizeof(p->what), "%s: %s", file, verb);
    clock_gettime(CLOCK_MONOTONIC, &p->start);
}

char *progress_format(char *buf, size_t size, const char *what, uint64_t done, uint64_t total, double elapsed)
{
    const double mib = 1048576.0;
    double rate = elapsed > 0 ? (double)done / mib / elapsed : 0;

    if (total > 0 && done <= total && rate > 0)
        snprintf(buf, size, "%s %u%% (%.1f of %.1f MiB, %.1f MiB/s, %.0f s left)", what,
                 (unsigned)((double)done * 100.0 / (double)total), (double)done / mib, (double)total / mib, rate,
                 (double)(total - done) / mib / rate);
    else
        snprintf(buf, size, "%s %.1f MiB (%.1f MiB/s)", what, (double)done / mib, rate);
    return buf;
}

void progress_update(struct progress *p, uint64_t done, uint64_t total)
{
    double elapsed = since(&p->start);
    char line[320];

    if (elapsed < QUIET_SECONDS ||
        (p->last_update > 0 && elapsed - p->last_update < (p->on_terminal ? TERMINAL_SECONDS : PLAIN_SECONDS)))
        return;
    p->last_update = elapsed;
    progress_format(line, sizeof(line), p->what, done, total, elapsed);
    p->on_terminal = log_status(line);
    if (!p->on_terminal)
        log_info("%s", line);
}

void progress_end(struct progress *p)
{
    if (p->on_terminal)
        (void)log_status(NULL);
    p->on_terminal = false;
}

void progress_callback(void *userdata, uint64_t done, uint64_t total)
{
    progress_update(userdata, done, total);
}
