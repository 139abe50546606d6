/* menu.c - see menu.h.
 *
 * Why the screen is plain lines plus one updating status line, not a full-screen menu:
 * the same output goes to a VGA console and to serial lines that are often logged, and
 * a list printed once reads well on both; only the countdown and the highlighted choice
 * change, and they change in the status line (log_status), which a terminal overwrites
 * in place. */
#include "menu.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "log.h"

enum menu_key menu_keys_feed(struct menu_keys *k, unsigned char c, unsigned *ret_digit)
{
    if (k->len > 0) {
        k->seq[k->len++] = c;
        if (k->len == 2 && (c == '[' || c == 'O'))
            return MENU_KEY_NONE;
        /* ESC [ 1 ; 5 A and the like: parameters until a final byte; overlong ones are
         * swallowed, not read as digits. */
        if (k->len > 2 && ((c >= '0' && c <= '9') || c == ';')) {
            if (k->len == sizeof(k->seq))
                k->len--;
            return MENU_KEY_NONE;
        }
        bool csi = k->len >= 3 && (k->seq[1] == '[' || k->seq[1] == 'O');
        k->len = 0;
        if (csi && c == 'A')
            return MENU_KEY_UP;
        if (csi && c == 'B')
            return MENU_KEY_DOWN;
        return MENU_KEY_OTHER;
    }
    if (c == 0x1b) {
        k->seq[k->len++] = c;
        return MENU_KEY_NONE;
    }
    if (c == '\r' || c == '\n')
        return MENU_KEY_ENTER;
    if (c >= '1' && c <= '9') {
        *ret_digit = (unsigned)(c - '0');
        return MENU_KEY_DIGIT;
    }
    return MENU_KEY_OTHER;
}

int menu_step(struct menu_state *s, enum menu_key key, unsigned digit, size_t *ret_item)
{
    switch (key) {
    case MENU_KEY_NONE:
        return 0;
    case MENU_KEY_DIGIT:
        if (digit >= 1 && digit <= s->n_items) {
            *ret_item = digit - 1;
            return 1;
        }
        s->interrupted = true;
        return 0;
    case MENU_KEY_ENTER:
        /* During the countdown Enter means "boot the default now". */
        *ret_item = s->selected;
        return 1;
    case MENU_KEY_UP:
        if (s->interrupted && s->selected > 0)
            s->selected--;
        s->interrupted = true;
        return 0;
    case MENU_KEY_DOWN:
        if (s->interrupted && s->selected + 1 < s->n_items)
            s->selected++;
        s->interrupted = true;
        return 0;
    case MENU_KEY_OTHER:
        s->interrupted = true;
        return 0;
    }
    return 0;
}

struct terminal {
    int fd;
    struct termios saved;
    struct menu_keys keys;
};

/* Keys one at a time, unechoed; output processing stays on so that log lines keep their
 * carriage returns. */
static int make_raw(struct terminal *t)
{
    struct termios raw;

    if (tcgetattr(t->fd, &t->saved) < 0)
        return -errno;
    raw = t->saved;
    raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | IEXTEN | ISIG);
    raw.c_iflag &= ~(tcflag_t)(ICRNL | INLCR | IGNCR | IXON);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    return tcsetattr(t->fd, TCSANOW, &raw) < 0 ? -errno : 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *item_name(const struct menu_entry *entries, size_t n, size_t item)
{
    return item < n ? entries[item].file : item == n ? "rescue shell" : "reboot";
}

static void show_list(const struct menu_entry *entries, size_t n, bool rescue)
{
    int width = 0;
    for (size_t i = 0; i < n; i++) {
        int len = (int)strlen(entries[i].file);
        width = len > width ? len : width;
    }
    log_info(rescue ? "rescue menu:" : "boot menu:");
    for (size_t i = 0; i < n; i++) {
        if (entries[i].verdict)
            log_info("%3zu) %-*s  %s, %s", i + 1, width, entries[i].file, entries[i].verdict, entries[i].source);
        else
            log_info("%3zu) %s", i + 1, entries[i].file);
    }
    log_info("%3zu) rescue shell", n + 1);
    log_info("%3zu) reboot", n + 2);
}

/* Read what TERM has; returns 1 with *ret_item when that chose an item. */
static int read_keys(struct terminal *term, struct menu_state *s, size_t *ret_item)
{
    unsigned char buf[64];
    ssize_t len = read(term->fd, buf, sizeof(buf));

    for (ssize_t i = 0; i < len; i++) {
        unsigned digit = 0;
        enum menu_key key = menu_keys_feed(&term->keys, buf[i], &digit);
        if (menu_step(s, key, digit, ret_item) > 0)
            return 1;
    }
    return 0;
}

/* Count down, then wait for a choice once interrupted.  Returns 1 with *ret_item when an
 * item was chosen, 0 for "go on as usual" (boot; in the rescue menu, the rescue shell). */
static int interact(struct terminal *terms, int n_terms, const struct menu_entry *entries, size_t n,
                    unsigned timeout_s, bool rescue, size_t *ret_item)
{
    struct menu_state s = { .n_items = n + 2 };
    double deadline = now_seconds() + timeout_s, idle_deadline = 0;
    struct pollfd pfds[CONSOLE_MAX];
    char line[256];

    for (;;) {
        double now = now_seconds(), until = s.interrupted ? idle_deadline : deadline;
        if (now >= until) {
            if (s.interrupted && rescue)
                log_info("no choice in the rescue menu for %d s, starting the rescue shell", MENU_IDLE_SECONDS);
            else if (s.interrupted)
                log_info("no choice in the boot menu for %d s, booting as usual", MENU_IDLE_SECONDS);
            return 0;
        }
        if (!s.interrupted) {
            unsigned left = (unsigned)(deadline - now + 0.999);
            if (rescue)
                snprintf(line, sizeof(line), "starting the rescue shell in %u s (any key: menu)", left);
            else
                snprintf(line, sizeof(line), "booting %s in %u s (any key: menu)", entries[0].file, left);
            until = deadline - (left - 1); /* the next whole second */
        } else
            snprintf(line, sizeof(line), "choose 1-%zu, or arrow keys and Enter: %zu) %s", s.n_items, s.selected + 1,
                     item_name(entries, n, s.selected));
        (void)log_status(line);

        for (int i = 0; i < n_terms; i++)
            pfds[i] = (struct pollfd){ .fd = terms[i].fd, .events = POLLIN };
        int timeout_ms = (int)((until - now) * 1000.0) + 1;
        int r = poll(pfds, (nfds_t)n_terms, timeout_ms);
        if (r < 0 && errno != EINTR)
            return 0;
        bool was_interrupted = s.interrupted;
        for (int i = 0; r > 0 && i < n_terms; i++) {
            if (!(pfds[i].revents & POLLIN))
                continue;
            if (read_keys(&terms[i], &s, ret_item) > 0) {
                (void)log_status(NULL);
                return 1;
            }
        }
        if (s.interrupted && !was_interrupted && log_get_level() < LOG_INFO) {
            /* "quiet" hid the list; whoever pressed a key wants to see it. */
            log_set_level(LOG_INFO);
            show_list(entries, n, rescue);
        }
        if (s.interrupted && (!was_interrupted || r > 0))
            idle_deadline = now_seconds() + MENU_IDLE_SECONDS;
    }
}

static int run_menu(const struct menu_entry *entries, size_t n, unsigned timeout_s, bool rescue)
{
    struct terminal terms[CONSOLE_MAX];
    int fds[CONSOLE_MAX], n_terms = 0;
    size_t item;

    if (n == 0 || timeout_s == 0)
        return MENU_DEFAULT;
    int n_fds = console_open_active(O_RDWR | O_NONBLOCK, fds);
    for (int i = 0; i < n_fds; i++) {
        terms[n_terms] = (struct terminal){ .fd = fds[i] };
        if (isatty(fds[i]) && make_raw(&terms[n_terms]) >= 0)
            n_terms++;
        else
            close(fds[i]);
    }
    if (n_terms == 0)
        return MENU_DEFAULT; /* nobody can press a key: no waiting */

    int level = log_get_level();
    show_list(entries, n, rescue);
    int chosen = interact(terms, n_terms, entries, n, timeout_s, rescue, &item);
    (void)log_status(NULL);
    log_set_level(level);
    for (int i = 0; i < n_terms; i++) {
        (void)tcsetattr(terms[i].fd, TCSANOW, &terms[i].saved);
        close(terms[i].fd);
    }
    if (!chosen)
        return MENU_DEFAULT;
    return item < n ? (int)item : item == n ? MENU_RESCUE : MENU_REBOOT;
}

int menu_run(const struct menu_entry *entries, size_t n, unsigned timeout_s)
{
    return run_menu(entries, n, timeout_s, false);
}

int menu_run_rescue(const struct menu_entry *actions, size_t n, unsigned timeout_s)
{
    return run_menu(actions, n, timeout_s, true);
}
