/* fetch.c - see fetch.h. */
#include "fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

#define FETCH_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
/* 1468 = a 1500-byte Ethernet frame less IP, UDP and TFTP headers (RFC 2348). */
#define FETCH_TFTP_BLKSIZE 1468
/* libcurl's receive buffer for images: 512 KiB takes 30 times fewer recv() calls than the
 * 16 KiB default (bench/RESULTS.md, fetch). */
#define FETCH_BUFFER_SIZE (512 * 1024)

void fetch_default_options(struct fetch_options *ret)
{
    *ret = (struct fetch_options){
        .ca_file = FETCH_CA_FILE,
        .connect_timeout_s = 10,
        .low_speed_time_s = 30,
        .retries = 3,
    };
}

double fetch_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* o->deadline_s counted from the start of one fetch, and the source's own deadline. */
struct deadline {
    unsigned limit_s; /* 0: none */
    double start;
    double source_until; /* 0: none */
    unsigned source_limit_s;
};

static void deadline_start(struct deadline *d, const struct fetch_options *o, double start)
{
    *d = (struct deadline){ .limit_s = o->deadline_s, .start = start, .source_until = o->source_until,
                            .source_limit_s = o->source_limit_s };
}

/* When the deadline comes (fetch_now's clock), or 0 without one. */
static double deadline_end(const struct deadline *d)
{
    double end = d->limit_s ? d->start + d->limit_s : 0;
    if (d->source_until > 0 && (end == 0 || d->source_until < end))
        end = d->source_until;
    return end;
}

/* Seconds left, rounded up (so that a transfer given them ends at or after the deadline,
 * never just before it), 0 once the deadline has passed, or UINT_MAX without one. */
static unsigned deadline_left(const struct deadline *d)
{
    double end = deadline_end(d), now = fetch_now();
    if (end == 0)
        return UINT_MAX;
    if (now >= end)
        return 0;
    double left = end - now;
    unsigned whole = (unsigned)left;
    return whole + ((double)whole < left ? 1 : 0);
}

/* The per-attempt part: libcurl gives up when the deadline comes (CURLOPT_TIMEOUT). */
static void deadline_apply(const struct deadline *d, CURL *c)
{
    unsigned left = deadline_left(d);
    if (left != UINT_MAX)
        curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)left);
}

/* -ETIME and the phrase once the deadline has passed, naming the limit that ended it, else
 * R (a timeout before it is the server's). */
static int deadline_check(const struct deadline *d, int r, char *error, size_t error_size)
{
    if (r == 0 || deadline_left(d) > 0)
        return r;
    if (d->source_until > 0 && fetch_now() >= d->source_until &&
        (d->limit_s == 0 || d->source_until <= d->start + d->limit_s))
        snprintf(error, error_size, "the time for this source ran out (%u s in all; hopboot.timeout.source=)",
                 d->source_limit_s);
    else
        snprintf(error, error_size, "not done after %u s (the limit for one download; hopboot.timeout.fetch=)",
                 d->limit_s);
    return -ETIME;
}

/* -ETIME and the phrase when the deadline has passed already, else 0. */
static int deadline_passed(const struct deadline *d, char *error, size_t error_size)
{
    return deadline_left(d) > 0 ? 0 : deadline_check(d, -ETIME, error, error_size);
}

int fetch_time_check(const struct fetch_options *o, double started, char *error, size_t error_size)
{
    struct deadline d;
    deadline_start(&d, o, started);
    return deadline_passed(&d, error, error_size);
}

/* Whether another attempt after a pause of DELAY_S still starts before the deadline. */
static bool time_for_retry(const struct deadline *d, unsigned delay_s)
{
    return deadline_left(d) > delay_s;
}

static void curl_easy_cleanupp(CURL **c)
{
    if (*c)
        curl_easy_cleanup(*c);
}

static void evp_md_ctx_freep(EVP_MD_CTX **ctx)
{
    EVP_MD_CTX_free(*ctx);
}

static int to_errno(CURLcode code, long response)
{
    switch (code) {
    case CURLE_OK:
        return 0;
    case CURLE_REMOTE_FILE_NOT_FOUND:
    case CURLE_TFTP_NOTFOUND:
        return -ENOENT;
    case CURLE_HTTP_RETURNED_ERROR:
        return response == 404 || response == 410 ? -ENOENT : -EPROTO;
    case CURLE_OPERATION_TIMEDOUT:
        return -ETIMEDOUT;
    case CURLE_COULDNT_CONNECT:
        return -ECONNREFUSED;
    case CURLE_COULDNT_RESOLVE_HOST:
        return -EHOSTUNREACH;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        return -EKEYREJECTED;
    case CURLE_FILESIZE_EXCEEDED:
        return -EFBIG;
    case CURLE_PARTIAL_FILE:
        return -EBADMSG;
    case CURLE_UNSUPPORTED_PROTOCOL: /* also a redirect to a scheme not allowed */
        return -EPROTONOSUPPORT;
    default:
        return -EPROTO;
    }
}

/* Options every transfer shares. */
static CURL *new_handle(const char *url, const struct fetch_options *o, char *curl_error)
{
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_error);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)o->connect_timeout_s);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)o->low_speed_time_s);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,ftp,tftp");
    /* A redirect never leaves TLS: an https URL that answers with http:// (a downgrade by
     * whoever is on the path) fails instead of being followed. */
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, strncmp(url, "https://", 8) == 0 ? "https" : "http,https,ftp");
    curl_easy_setopt(c, CURLOPT_TFTP_BLKSIZE, (long)FETCH_TFTP_BLKSIZE);
    /* Certificates are always verified; there is no insecure mode. */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (o->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
    return c;
}

static int finish(CURL *c, CURLcode code, const char *curl_error, char *error, size_t error_size)
{
    long response = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response);
    int r = to_errno(code, response);
    if (r == -ENOENT)
        snprintf(error, error_size, "not found on the server");
    else if (code == CURLE_HTTP_RETURNED_ERROR)
        snprintf(error, error_size, "the server answered HTTP %ld", response);
    else if (r < 0)
        snprintf(error, error_size, "%s", *curl_error ? curl_error : curl_easy_strerror(code));
    return r;
}

/* Not found, an untrusted certificate and a refused redirect stay so however often we ask
 * (u-root's rule: TFTP does not retry file-not-found). */
static bool worth_retrying(int r)
{
    return r != -ENOENT && r != -EKEYREJECTED && r != -EFBIG && r != -EPROTONOSUPPORT && r != -ETIME;
}

struct memory {
    char *data;
    size_t len, max;
    bool too_big;
};

static size_t write_memory(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct memory *m = userdata;
    size_t n = size * nmemb;
    if (m->len + n > m->max) {
        m->too_big = true;
        return 0;
    }
    memcpy(m->data + m->len, ptr, n);
    m->len += n;
    return n;
}

/* An index, a .sha1 or a listing: small, so a server that stops answering is given up
 * sooner than during an image download. */
#define FETCH_SMALL_LOW_SPEED_S 10

/* Fetch URL into M (a listing with LIST), with the retries of o->retries. */
static int fetch_memory(const char *url, const struct fetch_options *o, bool list, struct memory *m, char *error,
                        size_t error_size)
{
    char curl_error[CURL_ERROR_SIZE] = "";
    struct deadline deadline;
    int r = -EPROTO;

    deadline_start(&deadline, o, fetch_now());
    if ((r = deadline_passed(&deadline, error, error_size)) < 0)
        return r; /* the source's time ran out before this fetch */
    for (unsigned attempt = 0; attempt <= o->retries; attempt++) {
        _cleanup_(curl_easy_cleanupp) CURL *c = new_handle(url, o, curl_error);
        if (!c)
            return -ENOMEM;
        m->len = 0;
        deadline_apply(&deadline, c);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)FETCH_SMALL_LOW_SPEED_S);
        curl_easy_setopt(c, CURLOPT_DIRLISTONLY, list ? 1L : 0L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_memory);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, m);
        r = finish(c, curl_easy_perform(c), curl_error, error, error_size);
        if (m->too_big) {
            snprintf(error, error_size, "larger than %zu bytes", m->max);
            return -EFBIG;
        }
        r = deadline_check(&deadline, r, error, error_size);
        if (r == 0 || !worth_retrying(r))
            break;
        if (attempt < o->retries) {
            if (!time_for_retry(&deadline, 1u << attempt))
                break;
            sleep(1u << attempt);
        }
    }
    if (r >= 0)
        m->data[m->len] = '\0';
    return r;
}

int fetch_small(const char *url, const struct fetch_options *o, size_t max, char **ret_data, size_t *ret_len,
                char *error, size_t error_size)
{
    _cleanup_free_ char *data = malloc(max + 1);
    struct memory m = { .data = data, .max = max };

    if (!data)
        return -ENOMEM;
    int r = fetch_memory(url, o, false, &m, error, error_size);
    if (r < 0)
        return r;
    *ret_data = TAKE_PTR(data);
    *ret_len = m.len;
    return 0;
}

/* --- storing an image ---------------------------------------------------------------
 *
 * libcurl hands the body over in pieces of at most 16 KiB.  The transfer thread only
 * copies them into one of two chunks; a worker thread writes each full chunk to the file
 * and hashes it while the other one fills, so that receiving overlaps with storing and
 * hashing (bench/RESULTS.md, fetch).  Still one pass: each byte is hashed from the chunk
 * it is written from, never read back. */
#define FETCH_CHUNK_SIZE (512 * 1024)

struct store {
    int fd;
    EVP_MD_CTX *ctx;
    uint8_t *chunk[2];
    unsigned filling;       /* the chunk the transfer thread fills */
    size_t fill;            /* bytes in it */
    pthread_t worker;
    bool started;
    pthread_mutex_t lock;   /* guards what follows */
    pthread_cond_t cond;
    const uint8_t *pending; /* the chunk handed to the worker; NULL while it is idle */
    size_t pending_len;
    bool stop;
    int error;              /* the worker's first failure */
};

static void *store_worker(void *userdata)
{
    struct store *s = userdata;

    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->pending && !s->stop)
            pthread_cond_wait(&s->cond, &s->lock);
        if (!s->pending)
            break;
        int r = s->error;
        pthread_mutex_unlock(&s->lock);
        if (r >= 0)
            r = fileio_write_all(s->fd, s->pending, s->pending_len);
        if (r >= 0 && EVP_DigestUpdate(s->ctx, s->pending, s->pending_len) != 1)
            r = -ENOTRECOVERABLE;
        pthread_mutex_lock(&s->lock);
        s->error = r < 0 ? r : s->error;
        s->pending = NULL;
        pthread_cond_broadcast(&s->cond);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static int store_start(struct store *s, int fd, EVP_MD_CTX *ctx)
{
    sigset_t all, old;

    *s = (struct store){ .fd = fd, .ctx = ctx, .chunk[0] = malloc(2 * FETCH_CHUNK_SIZE) };
    if (!s->chunk[0])
        return -ENOMEM;
    s->chunk[1] = s->chunk[0] + FETCH_CHUNK_SIZE;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    /* Signals stay with the transfer thread (PID 1 handles some). */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int r = pthread_create(&s->worker, NULL, store_worker, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    s->started = r == 0;
    if (r != 0) {
        pthread_cond_destroy(&s->cond);
        pthread_mutex_destroy(&s->lock);
    }
    return -r;
}

/* Hand the filling chunk to the worker once it is idle; returns its error, if any. */
static int store_hand_over(struct store *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->pending)
        pthread_cond_wait(&s->cond, &s->lock);
    int r = s->error;
    if (r >= 0 && s->fill > 0) {
        s->pending = s->chunk[s->filling];
        s->pending_len = s->fill;
        pthread_cond_broadcast(&s->cond);
        s->filling ^= 1;
        s->fill = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return r;
}

static int store_add(struct store *s, const char *data, size_t n)
{
    while (n > 0) {
        size_t k = n < FETCH_CHUNK_SIZE - s->fill ? n : FETCH_CHUNK_SIZE - s->fill;
        memcpy(s->chunk[s->filling] + s->fill, data, k);
        s->fill += k, data += k, n -= k;
        int r = s->fill == FETCH_CHUNK_SIZE ? store_hand_over(s) : 0;
        if (r < 0)
            return r;
    }
    return 0;
}

/* Everything added so far is in the file and hashed: 0, or the first error. */
static int store_flush(struct store *s)
{
    int r = store_hand_over(s);
    if (r < 0)
        return r;
    return store_hand_over(s); /* waits for the worker to finish the last chunk */
}

static void store_stop(struct store *s)
{
    if (s->started) {
        pthread_mutex_lock(&s->lock);
        s->stop = true;
        pthread_cond_broadcast(&s->cond);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->worker, NULL);
        pthread_cond_destroy(&s->cond);
        pthread_mutex_destroy(&s->lock);
    }
    free(s->chunk[0]);
    s->chunk[0] = NULL;
    s->started = false;
}

struct download {
    int fd;
    EVP_MD_CTX *ctx;
    struct store store;
    uint64_t written;    /* bytes received, over all attempts (in the file after store_flush) */
    uint64_t attempt_start;
    int write_error;
    const struct fetch_options *o;
    time_t last_progress;
};

static void download_donep(struct download *d)
{
    store_stop(&d->store);
}

static size_t write_file(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct download *d = userdata;
    size_t n = size * nmemb;
    /* CURLOPT_MAXFILESIZE stops only an answer that announces its size: a chunked one (or
     * an FTP server that hides it) is counted here, against the same limit. */
    if (d->o->max_size && d->written + n > d->o->max_size) {
        d->write_error = -EFBIG;
        return 0;
    }
    int r = store_add(&d->store, ptr, n);
    if (r < 0) {
        d->write_error = r;
        return 0;
    }
    d->written += n;
    return n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    struct download *d = userdata;
    time_t now = time(NULL);
    (void)dlnow, (void)ultotal, (void)ulnow;
    if (d->o->progress && now != d->last_progress) {
        d->last_progress = now;
        d->o->progress(d->o->userdata, d->written, dltotal > 0 ? d->attempt_start + (uint64_t)dltotal : 0);
    }
    return 0;
}

static bool resumable(const char *url)
{
    return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0 || strncmp(url, "ftp://", 6) == 0;
}

/* Throw away what an attempt wrote: the next one starts from byte 0. */
static int restart(struct download *d)
{
    if (ftruncate(d->fd, 0) < 0 || lseek(d->fd, 0, SEEK_SET) < 0)
        return -errno;
    d->written = 0;
    return EVP_DigestInit_ex(d->ctx, EVP_sha1(), NULL) == 1 ? 0 : -ENOTRECOVERABLE;
}

static int attempt_download(const char *url, struct download *d, const struct deadline *deadline, char *error,
                            size_t error_size)
{
    char curl_error[CURL_ERROR_SIZE] = "";
    _cleanup_(curl_easy_cleanupp) CURL *c = new_handle(url, d->o, curl_error);
    if (!c)
        return -ENOMEM;
    deadline_apply(deadline, c);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_file);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, d);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, d);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, (long)FETCH_BUFFER_SIZE);
    if (d->o->max_size) /* the RAM limit is for images; small files have their own */
        curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)d->o->max_size);
    d->attempt_start = d->written;
    if (d->written > 0)
        curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)d->written);
    d->write_error = 0;
    CURLcode code = curl_easy_perform(c);
    int r = store_flush(&d->store);
    if (r < 0 && d->write_error == 0)
        d->write_error = r;
    if (d->write_error < 0) {
        snprintf(error, error_size, "cannot store it in RAM (%s)", strerror(-d->write_error));
        return d->write_error;
    }
    return deadline_check(deadline, finish(c, code, curl_error, error, error_size), error, error_size);
}

int fetch_image(const char *url, int fd, const struct fetch_options *o, uint8_t ret_digest[SUMS_SHA1_LEN],
                uint64_t *ret_size, char *error, size_t error_size)
{
    _cleanup_(evp_md_ctx_freep) EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    _cleanup_(download_donep) struct download d = { .fd = fd, .ctx = ctx, .o = o };
    uint8_t digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    struct deadline deadline;
    int r = -EPROTO;

    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) != 1)
        return -ENOMEM;
    deadline_start(&deadline, o, fetch_now());
    if ((r = deadline_passed(&deadline, error, error_size)) < 0)
        return r; /* the source's time ran out before this fetch */
    if ((r = store_start(&d.store, fd, ctx)) < 0)
        return r;
    for (unsigned attempt = 0; attempt <= o->retries; attempt++) {
        /* A dropped HTTP/FTP transfer continues where it stopped; anything else, and a
         * resume the server refused, starts over. */
        if (d.written > 0 && (!resumable(url) || r == -EPROTO) && (r = restart(&d)) < 0)
            return r;
        r = attempt_download(url, &d, &deadline, error, error_size);
        if (r == 0 || !worth_retrying(r) || d.write_error < 0)
            break;
        if (attempt < o->retries) {
            if (!time_for_retry(&deadline, 1u << attempt))
                break; /* the last error stands */
            if (o->retrying) /* resumed only when the scheme can and the server did not refuse */
                o->retrying(o->userdata, d.written, resumable(url) && r != -EPROTO, 1u << attempt, error);
            sleep(1u << attempt);
        }
    }
    if (r < 0)
        return r;
    if (EVP_DigestFinal_ex(ctx, digest, &digest_len) != 1 || digest_len != SUMS_SHA1_LEN)
        return -ENOTRECOVERABLE;
    memcpy(ret_digest, digest, SUMS_SHA1_LEN);
    *ret_size = d.written;
    return 0;
}

int fetch_list(const char *url, const struct fetch_options *o, char ***ret_names, size_t *ret_n, char *error,
               size_t error_size)
{
    _cleanup_free_ char *data = malloc(1024 * 1024 + 1);
    struct memory m = { .data = data, .max = 1024 * 1024 };
    _cleanup_strv_free_ char **names = calloc(1, sizeof(char *));
    size_t n = 0;

    if (!data || !names)
        return -ENOMEM;
    int r = fetch_memory(url, o, true, &m, error, error_size);
    if (r < 0)
        return r;
    char *save = NULL;
    for (char *line = strtok_r(data, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
        const char *base = strrchr(line, '/'); /* some servers answer NLST with paths */
        if (fileio_strv_push(&names, &n, base ? base + 1 : line) < 0)
            return -ENOMEM;
    }
    *ret_names = TAKE_PTR(names);
    *ret_n = n;
    return 0;
}
