/* state.c - see state.h. */
#include "state.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

static const char *const slot_names[2] = { STATE_DIR "/state.a", STATE_DIR "/state.b" };

uint32_t state_crc32(const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t crc = 0xffffffffu;

    /* Bitwise: a slot is 4 KiB, read a few times per boot; no table needed. */
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

const char *state_status_name(enum state_status status)
{
    switch (status) {
    case STATE_TRIAL:
        return "trial";
    case STATE_GOOD:
        return "good";
    case STATE_BAD:
        return "bad";
    }
    return "?";
}

/* A word we write and read back: printable ASCII without spaces, 1..MAX bytes. */
static bool word_ok(const char *s, size_t len, size_t max)
{
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return false;
    return true;
}

static bool parse_uint(const char *s, uint64_t max, uint64_t *ret)
{
    uint64_t v = 0;

    if (!*s || (s[0] == '0' && s[1]))
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *ret = v;
    return true;
}

/* Split LINE (NUL-terminated, no newline) at single spaces into at most MAX words. */
static size_t split_words(char *line, char **words, size_t max)
{
    size_t n = 0;

    for (char *p = line; n < max;) {
        words[n++] = p;
        p = strchr(p, ' ');
        if (!p)
            break;
        *p++ = '\0';
    }
    return n;
}

static int parse_record(char **w, size_t n, struct boot_state *st)
{
    uint64_t tries = 0;
    enum state_status status;

    /* image FILE STATUS [TRIES] DIGEST */
    if (n < 4 || n > 5 || !word_ok(w[1], strlen(w[1]), STATE_MAX_FILE) ||
        !word_ok(w[n - 1], strlen(w[n - 1]), STATE_MAX_DIGEST) || st->n_records == STATE_MAX_RECORDS)
        return -EBADMSG;
    if (strcmp(w[2], "trial") == 0 && n == 5 && parse_uint(w[3], STATE_MAX_TRIES, &tries))
        status = STATE_TRIAL;
    else if (strcmp(w[2], "good") == 0 && n == 4)
        status = STATE_GOOD;
    else if (strcmp(w[2], "bad") == 0 && n == 4)
        status = STATE_BAD;
    else
        return -EBADMSG;
    if (state_find(st, w[1]))
        return -EBADMSG;
    struct state_record *rec = &st->records[st->n_records++];
    snprintf(rec->file, sizeof(rec->file), "%s", w[1]);
    snprintf(rec->digest, sizeof(rec->digest), "%s", w[n - 1]);
    rec->status = status;
    rec->tries_left = (unsigned)tries;
    return 0;
}

int state_parse(const char *text, size_t len, struct boot_state *ret)
{
    static const char end_tag[] = "\nend ";
    struct boot_state st = { 0 };
    char buf[STATE_SLOT_SIZE + 1];
    uint64_t crc;

    /* The text runs up to the first NUL (padding) or the end. */
    size_t text_len = strnlen(text, len < STATE_SLOT_SIZE ? len : STATE_SLOT_SIZE);
    memcpy(buf, text, text_len);
    buf[text_len] = '\0';

    /* "...\nend <8 hex>\n" closes the text; the CRC covers everything before "end".  The
     * text leaves room for at least one NUL, as state_format writes it. */
    if (text_len >= STATE_SLOT_SIZE || text_len < sizeof(end_tag) + 9 || buf[text_len - 1] != '\n')
        return -EBADMSG;
    char *end = buf + text_len - 1 - 8 - (sizeof(end_tag) - 1);
    if (memcmp(end, end_tag, sizeof(end_tag) - 1) != 0)
        return -EBADMSG;
    char hex[9];
    memcpy(hex, end + sizeof(end_tag) - 1, 8);
    hex[8] = '\0';
    for (int i = 0; i < 8; i++)
        if (!isxdigit((unsigned char)hex[i]) || isupper((unsigned char)hex[i]))
            return -EBADMSG;
    crc = strtoull(hex, NULL, 16);
    if (state_crc32(buf, (size_t)(end + 1 - buf)) != (uint32_t)crc)
        return -EBADMSG;
    end[1] = '\0';

    bool have_seq = false;
    size_t line_no = 0;
    for (char *line = buf, *next; *line; line = next, line_no++) {
        char *nl = strchr(line, '\n');
        char *w[6];
        size_t n;

        *nl = '\0';
        next = nl + 1;
        if (line_no == 0) {
            if (strcmp(line, "hopboot-state 1") != 0)
                return -EBADMSG;
            continue;
        }
        n = split_words(line, w, ELEMENTSOF(w));
        if (strcmp(w[0], "seq") == 0 && n == 2 && !have_seq) {
            if (!parse_uint(w[1], UINT64_MAX, &st.seq))
                return -EBADMSG;
            have_seq = true;
        } else if (strcmp(w[0], "floor") == 0 && n == 2 && !st.floor[0]) {
            if (!word_ok(w[1], strlen(w[1]), sizeof(st.floor) - 1))
                return -EBADMSG;
            snprintf(st.floor, sizeof(st.floor), "%s", w[1]);
        } else if (strcmp(w[0], "overlay-serial") == 0 && n == 2 && !st.overlay_serial) {
            if (!parse_uint(w[1], INT64_MAX, &st.overlay_serial) || st.overlay_serial == 0)
                return -EBADMSG;
        } else if (strcmp(w[0], "image") == 0) {
            if (parse_record(w, n, &st) < 0)
                return -EBADMSG;
        } else
            return -EBADMSG;
    }
    if (!have_seq)
        return -EBADMSG;
    *ret = st;
    return 0;
}

int state_format(const struct boot_state *st, char out[STATE_SLOT_SIZE])
{
    size_t len = 0;
    int n;

    memset(out, 0, STATE_SLOT_SIZE);
#define APPEND(...)                                                                  \
    do {                                                                             \
        n = snprintf(out + len, STATE_SLOT_SIZE - len, __VA_ARGS__);                 \
        if (n < 0 || (size_t)n >= STATE_SLOT_SIZE - len) {                           \
            memset(out, 0, STATE_SLOT_SIZE);                                         \
            return -ENOSPC;                                                          \
        }                                                                            \
        len += (size_t)n;                                                            \
    } while (0)

    APPEND("hopboot-state 1\nseq %" PRIu64 "\n", st->seq);
    if (st->floor[0]) {
        if (!word_ok(st->floor, strlen(st->floor), sizeof(st->floor) - 1))
            return -EINVAL;
        APPEND("floor %s\n", st->floor);
    }
    if (st->overlay_serial)
        APPEND("overlay-serial %" PRIu64 "\n", st->overlay_serial);
    for (size_t i = 0; i < st->n_records; i++) {
        const struct state_record *rec = &st->records[i];
        if (!word_ok(rec->file, strlen(rec->file), STATE_MAX_FILE) ||
            !word_ok(rec->digest, strlen(rec->digest), STATE_MAX_DIGEST) || rec->tries_left > STATE_MAX_TRIES) {
            memset(out, 0, STATE_SLOT_SIZE);
            return -EINVAL;
        }
        if (rec->status == STATE_TRIAL)
            APPEND("image %s trial %u %s\n", rec->file, rec->tries_left, rec->digest);
        else
            APPEND("image %s %s %s\n", rec->file, state_status_name(rec->status), rec->digest);
    }
    /* The CRC covers the text up to and including the newline before "end". */
    uint32_t crc = state_crc32(out, len);
    APPEND("end %08" PRIx32 "\n", crc);
#undef APPEND
    return 0;
}

struct state_record *state_find(struct boot_state *st, const char *file)
{
    for (size_t i = 0; i < st->n_records; i++)
        if (strcmp(st->records[i].file, file) == 0)
            return &st->records[i];
    return NULL;
}

bool state_remove(struct boot_state *st, const char *file)
{
    struct state_record *rec = state_find(st, file);
    if (!rec)
        return false;
    size_t i = (size_t)(rec - st->records);
    memmove(rec, rec + 1, (st->n_records - i - 1) * sizeof(*rec));
    st->n_records--;
    return true;
}

int state_set(struct boot_state *st, const char *file, const char *digest, enum state_status status,
              unsigned tries_left)
{
    if (!word_ok(file, strlen(file), STATE_MAX_FILE) || !word_ok(digest, strlen(digest), STATE_MAX_DIGEST) ||
        tries_left > STATE_MAX_TRIES)
        return -EINVAL;
    struct state_record *rec = state_find(st, file);
    if (!rec) {
        if (st->n_records == STATE_MAX_RECORDS) {
            /* Records are kept in the order they were added: drop the oldest settled one. */
            size_t i;
            for (i = 0; i < st->n_records && st->records[i].status == STATE_TRIAL; i++)
                ;
            if (i == st->n_records)
                return -ENOSPC;
            state_remove(st, st->records[i].file);
        }
        rec = &st->records[st->n_records++];
    }
    snprintf(rec->file, sizeof(rec->file), "%s", file);
    snprintf(rec->digest, sizeof(rec->digest), "%s", digest);
    rec->status = status;
    rec->tries_left = status == STATE_TRIAL ? tries_left : 0;
    return 0;
}

/* Read slot I: 0 and *ret filled when valid; -ENOENT when missing; -EBADMSG when torn. */
static int load_slot(int card_dirfd, int i, struct boot_state *ret)
{
    _cleanup_free_ char *text = NULL;
    size_t len;

    int r = fileio_read_file(card_dirfd, slot_names[i], STATE_SLOT_SIZE, &text, &len);
    if (r == -EFBIG)
        return -EBADMSG;
    if (r < 0)
        return r;
    return state_parse(text, len, ret);
}

int state_load(int card_dirfd, struct boot_state *ret)
{
    struct boot_state slot[2];
    int r[2];

    for (int i = 0; i < 2; i++) {
        r[i] = load_slot(card_dirfd, i, &slot[i]);
        if (r[i] < 0 && r[i] != -ENOENT && r[i] != -EBADMSG)
            return r[i];
    }
    if (r[0] >= 0 || r[1] >= 0) {
        *ret = r[1] < 0 || (r[0] >= 0 && slot[0].seq > slot[1].seq) ? slot[0] : slot[1];
        return 0;
    }
    *ret = (struct boot_state){ 0 };
    return r[0] == -ENOENT && r[1] == -ENOENT ? -ENOENT : -EBADMSG;
}

int state_save(int card_dirfd, struct boot_state *st)
{
    struct boot_state slot[2];
    char buf[STATE_SLOT_SIZE];
    int r[2], target;

    if (mkdirat(card_dirfd, STATE_DIR, 0755) < 0 && errno != EEXIST)
        return -errno;
    for (int i = 0; i < 2; i++) {
        r[i] = load_slot(card_dirfd, i, &slot[i]);
        if (r[i] < 0 && r[i] != -ENOENT && r[i] != -EBADMSG)
            return r[i];
    }
    /* Overwrite the slot that is not the newest valid one. */
    if (r[0] < 0)
        target = 0;
    else if (r[1] < 0)
        target = 1;
    else
        target = slot[0].seq > slot[1].seq ? 1 : 0;
    uint64_t newest = 0;
    for (int i = 0; i < 2; i++)
        if (r[i] >= 0 && slot[i].seq > newest)
            newest = slot[i].seq;
    st->seq = (st->seq > newest ? st->seq : newest) + 1;
    int ret = state_format(st, buf);
    if (ret < 0)
        return ret;

    /* In place, without O_TRUNC: the file keeps its size and its clusters. */
    _cleanup_close_ int fd = openat(card_dirfd, slot_names[target], O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return -errno;
    if ((ret = fileio_write_all(fd, buf, sizeof(buf))) < 0)
        return ret;
    if (ftruncate(fd, STATE_SLOT_SIZE) < 0 || fsync(fd) < 0)
        return -errno;
    _cleanup_close_ int dfd = openat(card_dirfd, STATE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0)
        (void)fsync(dfd); /* a new slot's directory entry; vfat syncs it with the file anyway */
    return 0;
}
