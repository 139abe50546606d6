/* progress.h - how far a long transfer or hash has got, for the person at the console:
 * on a terminal one updating line ("Demo-1.1.0.img: verifying 45% (120.0 of 266.0 MiB,
 * 310.2 MiB/s, 1 s left)"), elsewhere the same as a plain line every few seconds.  Quiet
 * for the first second (small images say nothing) and with "quiet" (log.h levels).
 * progress_format is pure; the rest writes through log.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct progress {
    char what[192];        /* "Demo-1.1.0.img: verifying" */
    struct timespec start;
    double last_update;    /* seconds since start of the last line or status update */
    bool on_terminal;      /* the last update stands as a status line on a terminal */
};

/* Start measuring for FILE, doing VERB ("verifying", "fetching"). */
void progress_begin(struct progress *p, const char *file, const char *verb);

/* DONE of TOTAL bytes (TOTAL 0: unknown).  Cheap to call for every block. */
void progress_update(struct progress *p, uint64_t done, uint64_t total);

/* The work ended: erase the status line (the caller's next line says how it ended). */
void progress_end(struct progress *p);

/* A callback for fetch_options.progress and verify_pass.progress: USERDATA is a struct
 * progress. */
void progress_callback(void *userdata, uint64_t done, uint64_t total);

/* Write "WHAT 45% (120.0 of 266.0 MiB, 310.2 MiB/s, 1 s left)" into BUF, or "WHAT 12.0
 * MiB (3.1 MiB/s)" when TOTAL is 0, after ELAPSED seconds.  Returns BUF. */
char *progress_format(char *buf, size_t size, const char *what, uint64_t done, uint64_t total, double elapsed);
