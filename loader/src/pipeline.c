/* pipeline.c - see pipeline.h. */
#include "pipeline.h"

#include <stdio.h>
#include <string.h>

#include "kexec.h"
#include "log.h"

double pipeline_seconds_since(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

void pipeline_log_candidates(const char *what, const struct image *images, size_t n)
{
    char line[900];
    size_t len = 0;

    line[0] = '\0';
    for (size_t i = 0; i < n && len < sizeof(line); i++)
        len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", images[i].file);
    log_info("%s%s", what, line);
}

void pipeline_boot_newest(struct run *run, const struct obtain *obtain, struct image *images, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct boot_loaded loaded;
        char reason[512], path[512];
        const char *from = images[i].url ? images[i].url : "card";

        int r = obtain->fn(obtain->ctx, &images[i], path, sizeof(path), reason, sizeof(reason));
        if (r >= 0)
            r = boot_load(run->config, &run->card, &images[i], path, obtain->in_ram, from, &loaded, reason,
                          sizeof(reason));
        if (r < 0) {
            if (i + 1 < n)
                log_warning("%s: %s, trying %s", images[i].file, reason, images[i + 1].file);
            else
                log_warning("%s: %s, no more images", images[i].file, reason);
            continue;
        }
        if (loaded.used == KEXEC_METHOD_TOOLS && loaded.syscall_error)
            log_warning("kexec_file_load refused %s (%s), loaded it with kexec-tools instead", images[i].file,
                        strerror(-loaded.syscall_error));
        else if (loaded.used == KEXEC_METHOD_TOOLS)
            log_info("loaded %s with kexec-tools (hopboot.kexec=tools)", images[i].file);
        log_info("booting %s from %s (sha1 ok, %.1f s)", images[i].label, from, pipeline_seconds_since(&run->start));
        r = kexec_execute();
        log_error("kexec into %s failed (%s)", images[i].label, strerror(-r));
        boot_release();
        return;
    }
}
