/* test-verify.c - streaming SHA-1: known digests, match, mismatch, empty, truncated,
 * missing file, and a file larger than one read block. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sums.h"
#include "tests.h"
#include "verify.h"

static char dir[] = "/tmp/test-verify-XXXXXX";

static void write_file(const char *name, const void *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, data, len) == (ssize_t)len);
    close(fd);
}

static void digest_of(int dirfd, const char *name, char hex[SUMS_SHA1_HEX_LEN + 1])
{
    uint8_t d[SUMS_SHA1_LEN];
    int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    CHECK_EQ_INT(verify_sha1_fd(fd, d), 0);
    close(fd);
    sums_format_hex(d, hex);
}

static void parse_hex(const char *hex, uint8_t d[SUMS_SHA1_LEN])
{
    char line[128];
    snprintf(line, sizeof(line), "%s  x", hex);
    CHECK_EQ_INT(sums_parse_sha1_file(line, strlen(line), "x", d), 0);
}

struct seen {
    unsigned calls;
    uint64_t done, total;
    bool monotonic;
};

static void record_progress(void *userdata, uint64_t done, uint64_t total)
{
    struct seen *s = userdata;
    s->monotonic = s->calls == 0 ? true : s->monotonic && done > s->done;
    s->calls++;
    s->done = done;
    s->total = total;
}

int main(void)
{
    char hex[SUMS_SHA1_HEX_LEN + 1];
    uint8_t expected[SUMS_SHA1_LEN];

    CHECK(mkdtemp(dir) != NULL);
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    write_file("empty", "", 0);
    digest_of(dirfd, "empty", hex);
    CHECK_STREQ(hex, "da39a3ee5e6b4b0d3255bfef95601890afd80709");

    write_file("abc", "abc", 3);
    digest_of(dirfd, "abc", hex);
    CHECK_STREQ(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");

    /* 3 MiB + 1 of 'a': spans several 1 MiB blocks; digest from `head -c | sha1sum`. */
    size_t big_len = 3 * 1024 * 1024 + 1;
    char *big = malloc(big_len);
    memset(big, 'a', big_len);
    write_file("big", big, big_len);
    digest_of(dirfd, "big", hex);
    CHECK_STREQ(hex, "b50a3128de1196b1382946d9a62cdff54a559632");

    parse_hex("a9993e364706816aba3e25717850c26c9cd0d89d", expected);
    uint8_t actual[SUMS_SHA1_LEN];
    CHECK_EQ_INT(verify_file(dirfd, "abc", NULL, expected, actual), 0);
    CHECK(memcmp(actual, expected, SUMS_SHA1_LEN) == 0);
    write_file("abd", "abd", 3);
    CHECK_EQ_INT(verify_file(dirfd, "abd", NULL, expected, actual), -EBADMSG); /* mismatch */
    sums_format_hex(actual, hex);
    CHECK_STREQ(hex, "cb4cc28df0fdbe0ecf9d9662e294b118092a5735");       /* sha1("abd") */
    write_file("ab", "ab", 2);
    CHECK_EQ_INT(verify_file(dirfd, "ab", NULL, expected, NULL), -EBADMSG);    /* truncated */
    CHECK_EQ_INT(verify_file(dirfd, "empty", NULL, expected, NULL), -EBADMSG);
    memset(actual, 0x5a, sizeof(actual));
    CHECK_EQ_INT(verify_file(dirfd, "missing", NULL, expected, actual), -ENOENT); /* missing file */
    CHECK_EQ_INT(actual[0], 0x5a);                                       /* not written */
    CHECK_EQ_INT(verify_file(dirfd, ".", NULL, expected, NULL), -EISDIR);      /* not a file */

    /* Copy while hashing: the copy is byte-identical and the digest the same; progress
     * is told each block, ending at the file's size. */
    int src = openat(dirfd, "big", O_RDONLY | O_CLOEXEC);
    int dst = openat(dirfd, "big-copy", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    uint8_t copied[SUMS_SHA1_LEN];
    uint64_t size = 0;
    struct seen seen = { 0 };
    struct verify_pass pass = { .dst_fd = dst, .progress = record_progress, .progress_userdata = &seen };
    CHECK_EQ_INT(verify_stream(src, &pass, copied, NULL, &size), 0);
    CHECK(seen.calls >= 1);
    CHECK_EQ_INT(seen.done, big_len);
    CHECK_EQ_INT(seen.total, big_len);
    CHECK(seen.monotonic);
    CHECK_EQ_INT(size, big_len);
    sums_format_hex(copied, hex);
    CHECK_STREQ(hex, "b50a3128de1196b1382946d9a62cdff54a559632");
    digest_of(dirfd, "big-copy", hex);
    CHECK_STREQ(hex, "b50a3128de1196b1382946d9a62cdff54a559632");
    close(src);
    close(dst);

    free(big);
    close(dirfd);
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
    return TEST_RESULT();
}
