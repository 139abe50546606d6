/* test-progress.c - the progress line's wording (percent, amounts, rate and time left,
 * and the form for a transfer of unknown length), and where it goes: nothing in the
 * first second, then a plain line every 5 s where stderr is a file, and an updating
 * status line (CR, text, erase to end of line) where it is a terminal (a pty here). */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "progress.h"
#include "tests.h"

static void test_format(void)
{
    char buf[256];
    const uint64_t mib = 1048576;

    CHECK_STREQ(progress_format(buf, sizeof(buf), "Demo-1.1.0.img: verifying", 120 * mib, 266 * mib, 2.0),
                "Demo-1.1.0.img: verifying 45% (120.0 of 266.0 MiB, 60.0 MiB/s, 2 s left)");
    CHECK_STREQ(progress_format(buf, sizeof(buf), "x: fetching", 12 * mib + mib / 2, 0, 4.0),
                "x: fetching 12.5 MiB (3.1 MiB/s)");
    CHECK_STREQ(progress_format(buf, sizeof(buf), "x: fetching", 10 * mib, 10 * mib, 1.0),
                "x: fetching 100% (10.0 of 10.0 MiB, 10.0 MiB/s, 0 s left)");
    /* More than announced (a server that lied) or nothing yet: no percent, no division by 0. */
    CHECK_STREQ(progress_format(buf, sizeof(buf), "x: fetching", 11 * mib, 10 * mib, 1.0),
                "x: fetching 11.0 MiB (11.0 MiB/s)");
    CHECK_STREQ(progress_format(buf, sizeof(buf), "x: fetching", 0, 10 * mib, 0.0), "x: fetching 0.0 MiB (0.0 MiB/s)");
    /* Cut, never overrun. */
    CHECK_STREQ(progress_format(buf, 8, "x: fetching", 0, 0, 1.0), "x: fetc");
}

/* What was written to FD since offset 0 (a file) or is waiting on it (a pty master).  A pty
 * hands writes to its master side from a kernel work queue, so one read() may see only part
 * of them: read until nothing more arrives for 200 ms. */
static char *drain(int fd, bool is_file)
{
    static char buf[4096];
    size_t len = 0;

    if (is_file) {
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        len = n > 0 ? (size_t)n : 0;
    } else {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        while (len < sizeof(buf) - 1 && poll(&pfd, 1, 200) == 1) {
            ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
            if (n <= 0)
                break;
            len += (size_t)n;
        }
    }
    buf[len] = '\0';
    return buf;
}

/* Run one progress through stderr = OUT: updates at once, after 1.1 s, and right after. */
static void run_progress(int out)
{
    struct progress p;
    int saved = dup(STDERR_FILENO);

    dup2(out, STDERR_FILENO);
    log_setup("t", LOG_TARGET_STDERR);
    progress_begin(&p, "x.img", "verifying");
    progress_update(&p, 1, 4); /* within the first second: nothing */
    usleep(1100 * 1000);
    progress_update(&p, 2, 4);
    progress_update(&p, 3, 4); /* at once after: too soon for either form */
    progress_end(&p);
    dup2(saved, STDERR_FILENO);
    close(saved);
}

static void test_outputs(void)
{
    /* A file: one plain line, no control characters. */
    char path[] = "/tmp/test-progress-XXXXXX";
    int file = mkstemp(path);
    CHECK(file >= 0);
    unlink(path);
    run_progress(file);
    const char *text = drain(file, true);
    CHECK(strncmp(text, "t: x.img: verifying 50% (0.0 of 0.0 MiB, ", 41) == 0);
    CHECK(strchr(text, '\n') == text + strlen(text) - 1); /* exactly one line */
    CHECK(strchr(text, '\r') == NULL && strchr(text, '\033') == NULL);
    close(file);

    /* A terminal: the status line, then erased at the end. */
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    CHECK(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
    int tty = open(ptsname(master), O_RDWR | O_NOCTTY);
    CHECK(tty >= 0);
    run_progress(tty);
    text = drain(master, false);
    CHECK(strncmp(text, "\r\033[Kt: x.img: verifying 50% (", 29) == 0);
    CHECK(strstr(text, "\n") == NULL); /* never a line of its own */
    size_t len = strlen(text);
    CHECK(len > 4 && strcmp(text + len - 4, "\r\033[K") == 0);
    close(tty);
    close(master);
}

int main(void)
{
    test_format();
    test_outputs();
    return TEST_RESULT();
}
