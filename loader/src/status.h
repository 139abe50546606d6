/* status.h - `hopboot status [DIR|URL]` on a workstation: what the loader would do with a
 * card (mounted at DIR, or a copy of it) or a network source, worked out with the
 * loader's own code (scan, select, trust, trial, netboot): every image with its version,
 * size, verdict and reason, which one would boot and why, and what would happen next if
 * it failed.  Text for people, --json for scripts (schema in hopboot(8)).
 *
 * This is a command's top layer: it prints.  The decision logic is status_decide, pure,
 * over the verdicts the checks produced. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum status_verdict {
    STATUS_GOOD,     /* verified, and the OS confirmed it (hopboot-bless) */
    STATUS_TRIAL,    /* verified, on trial: some trial boots used, not confirmed yet */
    STATUS_NEW,      /* verified, never booted: its next boot is trial boot 1 */
    STATUS_VERIFIED, /* verified; no trial boots here (hopboot.tries=0, or a network source) */
    STATUS_FAILED,   /* verified, but it failed its trial boots: boots only as a last resort */
    STATUS_REJECTED, /* does not pass its checks: never boots */
};

/* "good", "trial", "new", "verified", "failed", "rejected". */
const char *status_verdict_name(enum status_verdict v);

struct status_entry {
    const char *file;
    enum status_verdict verdict;
    unsigned tries_left; /* STATUS_TRIAL/NEW: trial boots it has left */
};

struct status_decision {
    long boot;          /* index of the image that would boot, -1: none */
    bool last_resort;   /* it failed its trial boots, booted because nothing else would */
    long fallback;      /* what boots when that one fails for good, -1: none */
    bool fallback_last_resort;
};

/* Which of the N ENTRIES (newest first) the loader would boot, and which one after it
 * if it fails for good, by the pipeline's rules: the first that is not failed or
 * rejected; when there is none, the first failed one. */
struct status_decision status_decide(const struct status_entry *entries, size_t n);

/* The APPEND line of syslinux.cfg's DEFAULT label (its first APPEND when there is no
 * DEFAULT, or no such label), as a malloc'd string in *ret.  Returns 0, -ENOENT when
 * there is none, -ENOMEM. */
int status_syslinux_append(const char *cfg, char **ret);

/* The command: ARGV[0] is "status".  Returns the exit status: 0 an image would boot, 1
 * none would, 2 a usage error or a source that cannot be read. */
int status_main(int argc, char **argv);
