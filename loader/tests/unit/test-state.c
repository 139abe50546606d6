/* test-state.c - the boot state's slot format, its two-slot save/load, and the trial
 * decisions made on it. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "state.h"
#include "tests.h"
#include "trial.h"

#define D1 "sha1:1111111111111111111111111111111111111111"
#define D2 "sha1:2222222222222222222222222222222222222222"

static void test_crc32(void)
{
    /* The standard check value of CRC-32/ISO-HDLC (zlib's crc32). */
    CHECK_EQ_INT(state_crc32("123456789", 9), 0xcbf43926u);
    CHECK_EQ_INT(state_crc32("", 0), 0);
}

static void test_round_trip(void)
{
    struct boot_state st = { .seq = 41 }, back;
    char slot[STATE_SLOT_SIZE];

    snprintf(st.floor, sizeof(st.floor), "1.0.0");
    st.overlay_serial = 1796000000;
    CHECK_EQ_INT(state_set(&st, "Demo-1.0.0.img", D1, STATE_GOOD, 0), 0);
    CHECK_EQ_INT(state_set(&st, "Demo-1.1.0.img", D2, STATE_TRIAL, 2), 0);
    CHECK_EQ_INT(state_set(&st, "Demo-1.2.0.img", D2, STATE_BAD, 0), 0);
    CHECK_EQ_INT(state_format(&st, slot), 0);
    CHECK(strstr(slot, "image Demo-1.1.0.img trial 2 " D2 "\n") != NULL);
    CHECK_EQ_INT(state_parse(slot, sizeof(slot), &back), 0);
    CHECK_EQ_INT(back.seq, 41);
    CHECK_STREQ(back.floor, "1.0.0");
    CHECK(strstr(slot, "\noverlay-serial 1796000000\n") != NULL);
    CHECK_EQ_INT(back.overlay_serial, 1796000000);
    CHECK_EQ_INT(back.n_records, 3);
    CHECK_EQ_INT(state_find(&back, "Demo-1.1.0.img")->tries_left, 2);
    CHECK_EQ_INT(state_find(&back, "Demo-1.2.0.img")->status, STATE_BAD);
    /* Without the padding, too. */
    CHECK_EQ_INT(state_parse(slot, strlen(slot), &back), 0);
}

static void test_torn_and_malformed(void)
{
    struct boot_state st = { .seq = 7 }, back;
    char slot[STATE_SLOT_SIZE], copy[STATE_SLOT_SIZE];

    CHECK_EQ_INT(state_set(&st, "Demo-1.0.0.img", D1, STATE_GOOD, 0), 0);
    CHECK_EQ_INT(state_format(&st, slot), 0);
    size_t len = strlen(slot);

    /* A slot cut anywhere, as a power cut in the middle of a write leaves it. */
    for (size_t cut = 0; cut < len; cut++) {
        memcpy(copy, slot, sizeof(copy));
        memset(copy + cut, 0, sizeof(copy) - cut);
        CHECK_EQ_INT(state_parse(copy, sizeof(copy), &back), -EBADMSG);
    }
    /* Every single bit flipped. */
    for (size_t i = 0; i < len * 8; i++) {
        memcpy(copy, slot, sizeof(copy));
        copy[i / 8] ^= (char)(1u << (i % 8));
        CHECK_EQ_INT(state_parse(copy, sizeof(copy), &back), -EBADMSG);
    }
    /* Well-formed CRC around a malformed body. */
    static const char *const bodies[] = {
        "hopboot-state 2\nseq 1\n",
        "hopboot-state 1\n",
        "hopboot-state 1\nseq 1\nseq 2\n",
        "hopboot-state 1\nseq -1\n",
        "hopboot-state 1\nseq 01\n",
        "hopboot-state 1\nseq 1\nimage Demo-1.0.0.img good\n",
        "hopboot-state 1\nseq 1\nimage Demo-1.0.0.img trial " D1 "\n",
        "hopboot-state 1\nseq 1\nimage Demo-1.0.0.img trial 101 " D1 "\n",
        "hopboot-state 1\nseq 1\nimage Demo-1.0.0.img fine " D1 "\n",
        "hopboot-state 1\nseq 1\nimage Demo-1.0.0.img good " D1 "\nimage Demo-1.0.0.img bad " D1 "\n",
        "hopboot-state 1\nseq 1\nimage  Demo-1.0.0.img good " D1 "\n",
        "hopboot-state 1\nseq 1\n\n",
        "hopboot-state 1\nseq 1\nwhat 1\n",
        "hopboot-state 1\nseq 1\noverlay-serial 0\n",
        "hopboot-state 1\nseq 1\noverlay-serial 07\n",
        "hopboot-state 1\nseq 1\noverlay-serial 9223372036854775808\n",
        "hopboot-state 1\nseq 1\noverlay-serial 5\noverlay-serial 6\n",
        "hopboot-state 1\nseq 1\noverlay-serial\n",
    };
    for (size_t i = 0; i < ELEMENTSOF(bodies); i++) {
        char text[512];
        snprintf(text, sizeof(text), "%send %08x\n", bodies[i], state_crc32(bodies[i], strlen(bodies[i])));
        CHECK_EQ_INT(state_parse(text, strlen(text), &back), -EBADMSG);
    }
    const char *ok = "hopboot-state 1\nseq 1\n";
    char text[512];
    snprintf(text, sizeof(text), "%send %08x\n", ok, state_crc32(ok, strlen(ok)));
    CHECK_EQ_INT(state_parse(text, strlen(text), &back), 0);
}

static void test_set_limits(void)
{
    struct boot_state st = { 0 };
    char file[64];

    CHECK_EQ_INT(state_set(&st, "a b.img", D1, STATE_GOOD, 0), -EINVAL);
    CHECK_EQ_INT(state_set(&st, "Demo-1.img", "", STATE_GOOD, 0), -EINVAL);
    /* Full: the oldest settled record makes room; records on trial are never dropped. */
    for (int i = 0; i < STATE_MAX_RECORDS; i++) {
        snprintf(file, sizeof(file), "Demo-%d.img", i);
        CHECK_EQ_INT(state_set(&st, file, D1, i == 0 ? STATE_TRIAL : STATE_GOOD, 1), 0);
    }
    CHECK_EQ_INT(state_set(&st, "Demo-99.img", D1, STATE_BAD, 0), 0);
    CHECK(state_find(&st, "Demo-0.img") != NULL);
    CHECK(state_find(&st, "Demo-1.img") == NULL);
    CHECK_EQ_INT(st.n_records, STATE_MAX_RECORDS);
    char slot[STATE_SLOT_SIZE];
    CHECK_EQ_INT(state_format(&st, slot), 0); /* a full state fits in a slot */
}

static int make_card(char *dir)
{
    strcpy(dir, "/tmp/test-state-XXXXXX");
    CHECK(mkdtemp(dir) != NULL);
    return open(dir, O_RDONLY | O_DIRECTORY);
}

static void test_two_slots(void)
{
    char dir[64], path[128];
    struct boot_state st = { 0 }, back;
    int fd = make_card(dir);

    CHECK_EQ_INT(state_load(fd, &back), -ENOENT);
    CHECK_EQ_INT(back.n_records, 0);
    CHECK_EQ_INT(state_set(&st, "Demo-1.0.0.img", D1, STATE_TRIAL, 2), 0);
    CHECK_EQ_INT(state_save(fd, &st), 0); /* seq 1 -> state.a */
    CHECK_EQ_INT(state_set(&st, "Demo-1.0.0.img", D1, STATE_TRIAL, 1), 0);
    CHECK_EQ_INT(state_save(fd, &st), 0); /* seq 2 -> state.b */
    CHECK_EQ_INT(state_load(fd, &back), 0);
    CHECK_EQ_INT(back.seq, 2);
    CHECK_EQ_INT(state_find(&back, "Demo-1.0.0.img")->tries_left, 1);

    struct stat s;
    snprintf(path, sizeof(path), "%s/" STATE_DIR "/state.a", dir);
    CHECK_EQ_INT(stat(path, &s), 0);
    CHECK_EQ_INT(s.st_size, STATE_SLOT_SIZE);

    /* Tear the newest slot (b): the one before it is what loads, and the next save
     * overwrites the torn one, not the good one. */
    snprintf(path, sizeof(path), "%s/" STATE_DIR "/state.b", dir);
    int b = open(path, O_WRONLY);
    CHECK(b >= 0);
    CHECK_EQ_INT(pwrite(b, "xx", 2, 30), 2);
    close(b);
    CHECK_EQ_INT(state_load(fd, &back), 0);
    CHECK_EQ_INT(back.seq, 1);
    CHECK_EQ_INT(state_find(&back, "Demo-1.0.0.img")->tries_left, 2);
    CHECK_EQ_INT(state_set(&back, "Demo-1.0.0.img", D1, STATE_GOOD, 0), 0);
    CHECK_EQ_INT(state_save(fd, &back), 0);
    CHECK_EQ_INT(back.seq, 2);
    CHECK_EQ_INT(state_load(fd, &st), 0);
    CHECK_EQ_INT(st.seq, 2);
    CHECK_EQ_INT(state_find(&st, "Demo-1.0.0.img")->status, STATE_GOOD);

    /* Both torn: -EBADMSG and an empty state. */
    snprintf(path, sizeof(path), "%s/" STATE_DIR "/state.a", dir);
    b = open(path, O_WRONLY);
    CHECK_EQ_INT(pwrite(b, "xx", 2, 30), 2);
    close(b);
    snprintf(path, sizeof(path), "%s/" STATE_DIR "/state.b", dir);
    b = open(path, O_WRONLY);
    CHECK_EQ_INT(pwrite(b, "xx", 2, 30), 2);
    close(b);
    CHECK_EQ_INT(state_load(fd, &back), -EBADMSG);
    CHECK_EQ_INT(back.n_records, 0);
    CHECK_EQ_INT(state_save(fd, &back), 0);
    CHECK_EQ_INT(state_load(fd, &st), 0);

    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
    close(fd);
}

static void test_trial(void)
{
    struct boot_state st = { 0 };
    struct trial_decision d;

    /* Off: every image just boots. */
    d = trial_decide(&st, "Demo-1.1.0.img", D1, 0);
    CHECK_EQ_INT(d.verdict, TRIAL_BOOT);
    /* New: attempt 1 of 3, recording 2 left. */
    d = trial_decide(&st, "Demo-1.1.0.img", D1, 3);
    CHECK_EQ_INT(d.verdict, TRIAL_ATTEMPT);
    CHECK_EQ_INT(d.attempt, 1);
    CHECK_EQ_INT(d.tries_left, 2);
    state_set(&st, "Demo-1.1.0.img", D1, STATE_TRIAL, 2);
    d = trial_decide(&st, "Demo-1.1.0.img", D1, 3);
    CHECK_EQ_INT(d.attempt, 2);
    CHECK_EQ_INT(d.tries_left, 1);
    state_set(&st, "Demo-1.1.0.img", D1, STATE_TRIAL, 0);
    d = trial_decide(&st, "Demo-1.1.0.img", D1, 3);
    CHECK_EQ_INT(d.verdict, TRIAL_EXHAUSTED);
    CHECK_EQ_INT(d.attempt, 3);
    /* Other bytes under the same name: a new image, a new trial. */
    d = trial_decide(&st, "Demo-1.1.0.img", D2, 3);
    CHECK_EQ_INT(d.verdict, TRIAL_ATTEMPT);
    CHECK_EQ_INT(d.attempt, 1);
    /* Fewer tries than recorded: clamped. */
    state_set(&st, "Demo-1.1.0.img", D1, STATE_TRIAL, 5);
    d = trial_decide(&st, "Demo-1.1.0.img", D1, 2);
    CHECK_EQ_INT(d.attempt, 1);
    CHECK_EQ_INT(d.tries_left, 1);
    state_set(&st, "Demo-1.1.0.img", D1, STATE_BAD, 0);
    CHECK_EQ_INT(trial_decide(&st, "Demo-1.1.0.img", D1, 3).verdict, TRIAL_BAD);
    state_set(&st, "Demo-1.1.0.img", D1, STATE_GOOD, 0);
    CHECK_EQ_INT(trial_decide(&st, "Demo-1.1.0.img", D1, 3).verdict, TRIAL_BOOT);
}

int main(void)
{
    test_crc32();
    test_round_trip();
    test_torn_and_malformed();
    test_set_limits();
    test_two_slots();
    test_trial();
    return TEST_RESULT();
}
