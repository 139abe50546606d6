/* test-menu.c - the boot menu's pure parts: key decoding (digits, Enter, the arrow keys
 * in both VT100 modes, other escape sequences as one key) and the choices it leads to. */
#include <stddef.h>

#include "menu.h"
#include "tests.h"

/* Feed TEXT, return the keys it completes (as letters: U D E 1-9 O), NONE left out. */
static void keys_of(const char *text, char *out)
{
    struct menu_keys k = { 0 };
    size_t n = 0;
    for (const char *p = text; *p; p++) {
        unsigned digit = 0;
        switch (menu_keys_feed(&k, (unsigned char)*p, &digit)) {
        case MENU_KEY_NONE: break;
        case MENU_KEY_UP: out[n++] = 'U'; break;
        case MENU_KEY_DOWN: out[n++] = 'D'; break;
        case MENU_KEY_ENTER: out[n++] = 'E'; break;
        case MENU_KEY_DIGIT: out[n++] = (char)('0' + digit); break;
        case MENU_KEY_OTHER: out[n++] = 'O'; break;
        }
    }
    out[n] = '\0';
}

static void test_keys(void)
{
    char got[64];

    keys_of("1\r\n9", got);
    CHECK_STREQ(got, "1EE9");
    keys_of("\033[A\033[B\033OA\033OB", got);
    CHECK_STREQ(got, "UDUD");
    keys_of("0x ", got); /* '0' chooses nothing: just a key */
    CHECK_STREQ(got, "OOO");
    keys_of("\033[1;5A\033[C\033[6~2", got); /* ctrl-up is up; right, page down: other keys */
    CHECK_STREQ(got, "UOO2");
    keys_of("\033x3", got); /* ESC then a plain key: one other key, nothing lost after */
    CHECK_STREQ(got, "O3");
    keys_of("\033[99999999999A1", got); /* overlong parameters are swallowed, not digits */
    CHECK_STREQ(got, "U1");
}

static void test_steps(void)
{
    size_t item = 99;

    /* Two images + rescue + reboot. */
    struct menu_state s = { .n_items = 4 };
    CHECK_EQ_INT(menu_step(&s, MENU_KEY_NONE, 0, &item), 0);
    CHECK(!s.interrupted);
    CHECK_EQ_INT(menu_step(&s, MENU_KEY_DIGIT, 2, &item), 1); /* a digit chooses at once */
    CHECK_EQ_INT(item, 1);

    s = (struct menu_state){ .n_items = 4 };
    CHECK_EQ_INT(menu_step(&s, MENU_KEY_ENTER, 0, &item), 1); /* Enter in the countdown: the default now */
    CHECK_EQ_INT(item, 0);

    s = (struct menu_state){ .n_items = 4 };
    CHECK_EQ_INT(menu_step(&s, MENU_KEY_OTHER, 0, &item), 0); /* any key stops the countdown */
    CHECK(s.interrupted);
    CHECK_EQ_INT(s.selected, 0);
    CHECK_EQ_INT(menu_step(&s, MENU_KEY_UP, 0, &item), 0); /* already at the top */
    CHECK_EQ_INT(s.selected, 0);
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(menu_step(&s, MENU_KEY_DOWN, 0, &item), 0);
    CHECK_EQ_INT(s.selected, 3); /* stops at "reboot" */
    CHECK_EQ_INT(menu_step(&s, MENU_KEY_UP, 0, &item), 0);
    CHECK_EQ_INT(menu_step(&s, MENU_KEY_ENTER, 0, &item), 1);
    CHECK_EQ_INT(item, 2); /* the rescue shell */

    s = (struct menu_state){ .n_items = 4 };
    CHECK_EQ_INT(menu_step(&s, MENU_KEY_DOWN, 0, &item), 0); /* the first arrow only interrupts */
    CHECK(s.interrupted);
    CHECK_EQ_INT(s.selected, 0);
    CHECK_EQ_INT(menu_step(&s, MENU_KEY_DIGIT, 5, &item), 0); /* no item 5: nothing chosen */
    CHECK_EQ_INT(menu_step(&s, MENU_KEY_DIGIT, 4, &item), 1);
    CHECK_EQ_INT(item, 3);
}

int main(void)
{
    test_keys();
    test_steps();
    return TEST_RESULT();
}
