/* fetch.h - network transfers with libcurl (http, https, ftp, tftp): small files into
 * memory, images streamed into a file and hashed in the same pass (the image is read
 * once).  Does not log: failures come back as -errno plus one phrase for the caller.
 *
 * Errors: -ENOENT (404, FTP 550, TFTP file not found), -ETIMEDOUT, -ECONNREFUSED,
 * -EHOSTUNREACH, -EKEYREJECTED (server certificate not trusted), -EFBIG (larger than
 * allowed), -EBADMSG (short or overlong body), -ETIME (past o->deadline_s or o->source_until, not retried),
 * -EPROTO (anything else). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sums.h"

struct fetch_options {
    const char *ca_file;        /* CA bundle for https; NULL: libcurl's default */
    unsigned connect_timeout_s; /* per attempt */
    unsigned low_speed_time_s;  /* give up an attempt slower than 1 KiB/s for this long */
    unsigned retries;           /* further attempts after a failed one, with backoff */
    uint64_t max_size;          /* refuse images larger than this (0: no limit) */
    /* One fetch, every attempt and the pauses between them, ends after this many seconds
     * (0: no deadline): the low-speed limit alone lets a server that sends just over
     * 1 KiB/s hold a transfer for days. */
    unsigned deadline_s;
    /* The source's deadline (hopboot.timeout.source=): no fetch of this source goes on past
     * this fetch_now() time (0: none), so a server cannot hold the boot for deadline_s
     * once per candidate; source_limit_s is its length, for the phrase. */
    double source_until;
    unsigned source_limit_s;
    /* Called about once a second while an image downloads (may be NULL). */
    void (*progress)(void *userdata, uint64_t done, uint64_t total);
    /* Called before an image download is tried again (may be NULL): DONE bytes arrived,
     * RESUMING whether the next attempt continues from there, after DELAY_S seconds, WHY
     * the last attempt failed. */
    void (*retrying)(void *userdata, uint64_t done, bool resuming, unsigned delay_s, const char *why);
    void *userdata;
};

/* The defaults: the initramfs CA bundle, 10 s connect, 30 s low speed for images (10 s
 * for an index, a .sha1 or a listing), 3 retries with 1, 2, 4 s backoff, no deadline (the
 * loader sets hopboot.timeout.fetch=). */
void fetch_default_options(struct fetch_options *ret);

/* Seconds on CLOCK_MONOTONIC, the clock of source_until. */
double fetch_now(void);

/* For a transfer that is not libcurl's (a copy from an NFS export) started at STARTED
 * (fetch_now()): -ETIME with the phrase a fetch would give once o->deadline_s or the
 * source's deadline has passed ("not done after N s (the limit for one download;
 * hopboot.timeout.fetch=)", "the time for this source ran out (N s in all;
 * hopboot.timeout.source=)"), else 0. */
int fetch_time_check(const struct fetch_options *o, double started, char *error, size_t error_size);

/* Fetch URL into memory, at most MAX bytes (-EFBIG beyond).  On success *ret_data
 * (NUL-terminated, free()) and *ret_len.  Returns 0 or -errno with a phrase in ERROR. */
int fetch_small(const char *url, const struct fetch_options *o, size_t max, char **ret_data, size_t *ret_len,
                char *error, size_t error_size);

/* Fetch URL into FD (a new, empty file), hashing every byte into ret_digest as it is
 * written.  A dropped HTTP or FTP connection resumes where it stopped; other failures
 * start over; at most o->retries more attempts.  The body must have the length the server
 * announced.  On success *ret_size is the file's size.  Returns 0 or -errno with a phrase
 * in ERROR; FD's contents are then undefined. */
int fetch_image(const char *url, int fd, const struct fetch_options *o, uint8_t ret_digest[SUMS_SHA1_LEN],
                uint64_t *ret_size, char *error, size_t error_size);

/* The file names in the FTP directory URL (which ends in '/'), NULL-terminated
 * (strv_free).  Returns 0 or -errno with a phrase in ERROR. */
int fetch_list(const char *url, const struct fetch_options *o, char ***ret_names, size_t *ret_n, char *error,
               size_t error_size);
