/* menu.h - the boot menu, as altboot had: before booting, hopboot lists the candidates
 * newest first with their verdict and source and counts down hopboot.timeout= seconds on
 * every console that is a terminal (VGA and serial).  Any key stops the countdown; then
 * number keys, or the arrow keys and Enter, choose an image to boot once, the rescue
 * shell, or a reboot.  Without a terminal there is no menu and no waiting.
 *
 * The key decoding and the menu's state machine are pure (menu_keys_feed, menu_step,
 * unit-tested); menu_run does the terminal I/O and shows its screen through log.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct menu_entry {
    const char *file;    /* "Demo-1.1.0.img", or an action: "install Demo-1.2.0 from FILE" */
    const char *verdict; /* "good", "on trial (1 of 3 boots used)", "failed", "unverified";
                          * NULL for an action, which shows its text alone */
    const char *source;  /* "card", "http://10.0.2.2:8080/" */
};

/* What menu_run returns besides the index of the entry chosen. */
enum {
    MENU_DEFAULT = -1, /* no choice: boot as usual */
    MENU_RESCUE = -2,  /* the rescue shell */
    MENU_REBOOT = -3,  /* reboot the machine */
};

/* If nobody presses a key for this long once the countdown stopped, boot as usual: a
 * key bumped by accident must not keep an appliance down for good. */
#define MENU_IDLE_SECONDS 300

/* Show the menu of N ENTRIES and count down TIMEOUT_S seconds.  Returns the index of the
 * entry chosen, or one of the MENU_* values: MENU_DEFAULT when the countdown ran out, no
 * console is a terminal, or the chosen menu sat idle for MENU_IDLE_SECONDS. */
int menu_run(const struct menu_entry *entries, size_t n, unsigned timeout_s);

/* The rescue menu, for when nothing could boot: N ACTIONS (such as installing an image
 * from a tarball), then the rescue shell and reboot, counting down TIMEOUT_S seconds to
 * the rescue shell.  Returns as menu_run, MENU_DEFAULT meaning the rescue shell. */
int menu_run_rescue(const struct menu_entry *actions, size_t n, unsigned timeout_s);

/* --- pure parts, for the tests --- */

enum menu_key {
    MENU_KEY_NONE,  /* byte consumed, no key yet (inside an escape sequence) */
    MENU_KEY_UP,
    MENU_KEY_DOWN,
    MENU_KEY_ENTER, /* CR or LF */
    MENU_KEY_DIGIT, /* '1'..'9' (the digit in *ret_digit) */
    MENU_KEY_OTHER, /* any other key: stops the countdown, nothing more */
};

/* Escape-sequence state of one terminal: ESC [ A and ESC O A are the up arrow (the
 * Linux console and VT100 application mode), B down; other sequences are one
 * MENU_KEY_OTHER. */
struct menu_keys {
    unsigned char seq[8];
    size_t len;
};

/* Feed one byte C read from a terminal; returns the key it completes. */
enum menu_key menu_keys_feed(struct menu_keys *k, unsigned char c, unsigned *ret_digit);

struct menu_state {
    size_t n_items;   /* the entries, then "rescue shell" and "reboot" */
    size_t selected;  /* 0-based, the highlighted item once interrupted */
    bool interrupted; /* a key stopped the countdown */
};

/* Apply KEY (with DIGIT for MENU_KEY_DIGIT) to S, whose items are N entries plus the
 * rescue shell and reboot.  Returns 1 when an item is chosen (its index in *ret_item:
 * an entry, n for the rescue shell, n + 1 for reboot), else 0. */
int menu_step(struct menu_state *s, enum menu_key key, unsigned digit, size_t *ret_item);
