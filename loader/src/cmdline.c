/* cmdline.c - see cmdline.h. */
#include "cmdline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "cleanup.h"
#include "devices.h"
#include "fileio.h"
#include "state.h"
#include "url.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Remove the quotes the kernel's next_arg() removes from a raw word: a leading one, one
 * opening the value after the first '=', and then the final one.  Inner quotes stay. */
static void unquote(char *word)
{
    size_t len = strlen(word);
    bool stripped = false;

    if (word[0] == '"') {
        memmove(word, word + 1, len--);
        stripped = true;
    }
    char *eq = strchr(word, '=');
    if (eq && eq[1] == '"') {
        memmove(eq + 1, eq + 2, len - (size_t)(eq + 1 - word));
        len--;
        stripped = true;
    }
    if (stripped && len > 0 && word[len - 1] == '"')
        word[len - 1] = '\0';
}

int cmdline_split(const char *text, char ***ret_words, size_t *ret_n)
{
    _cleanup_strv_free_ char **words = calloc(1, sizeof(char *));
    _cleanup_free_ char *word = malloc(strlen(text) + 1);
    size_t n = 0;
    if (!words || !word)
        return -ENOMEM;

    const char *p = text;
    for (;;) {
        while (is_space(*p))
            p++;
        if (!*p)
            break;
        size_t len = 0;
        bool quoted = false;
        for (; *p && (quoted || !is_space(*p)); p++) {
            if (*p == '"')
                quoted = !quoted;
            word[len++] = *p;
        }
        word[len] = '\0';
        unquote(word);
        if (*word && fileio_strv_push(&words, &n, word) < 0) /* the kernel ignores "" */
            return -ENOMEM;
    }
    *ret_words = TAKE_PTR(words);
    *ret_n = n;
    return 0;
}

static int warn(struct config *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int warn(struct config *c, const char *fmt, ...)
{
    _cleanup_free_ char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    int r = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (r < 0)
        return -ENOMEM;
    return fileio_strv_push(&c->warnings, &c->n_warnings, msg);
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static int set_string(char **field, const char *value)
{
    char *copy = strdup(value);
    if (!copy)
        return -ENOMEM;
    free(*field);
    *field = copy;
    return 0;
}

/* Digits only: strtoul alone would also take " 5", "+5" and "-1". */
static int parse_unsigned(const char *value, unsigned max, unsigned *ret)
{
    char *end;
    if (value[0] < '0' || value[0] > '9')
        return -EINVAL;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (errno || *end || v > max)
        return -EINVAL;
    *ret = (unsigned)v;
    return 0;
}

/* An image name: a file name prefix on the card. */
static bool usable_name(const char *value)
{
    return *value && printable(value) && !strchr(value, '/');
}

/* LABEL=x, UUID=x or /dev/x with a non-empty x: an empty one matches nothing, and waiting
 * for it would only end in "no boot card found". */
static bool usable_spec(const char *value)
{
    if (!devices_is_spec(value) || !printable(value))
        return false;
    return value[value[0] == 'L' ? 6 : 5] != '\0';
}

static bool usable_keydisk_place(const char *value)
{
    return *value && printable(value) && (!devices_is_spec(value) || usable_spec(value));
}

bool cmdline_keydisk_required(const char *keydisk, char **ret_place)
{
    size_t len = strlen(keydisk), suffix = strlen(CMDLINE_KEYDISK_REQUIRED);
    bool required = len >= suffix && strcmp(keydisk + len - suffix, CMDLINE_KEYDISK_REQUIRED) == 0;
    if (ret_place)
        *ret_place = strndup(keydisk, required ? len - suffix : len);
    return required;
}

/* hopboot.keydisk=: WHERE, WHERE,required or required (kd.img, required).  Sets *c's
 * keydisk (with the suffix kept).  Returns 0, -EINVAL for a bad value, -ENOMEM. */
static int set_keydisk(struct config *c, const char *value)
{
    _cleanup_free_ char *place = NULL, *whole = NULL;
    bool required = strcmp(value, "required") == 0;

    if (required)
        place = strdup("kd.img");
    else
        required = cmdline_keydisk_required(value, &place);
    if (!place)
        return -ENOMEM;
    if (!usable_keydisk_place(place) || (required && strcmp(place, "none") == 0))
        return -EINVAL;
    if (asprintf(&whole, "%s%s", place, required ? CMDLINE_KEYDISK_REQUIRED : "") < 0)
        return -ENOMEM;
    return set_string(&c->keydisk, whole);
}

/* What the kernel accepts as an interface name (dev_valid_name): 1 to 15 bytes, not "." or
 * "..", no '/', ':' or white space. */
static bool usable_netdev(const char *value)
{
    size_t len = strlen(value);
    return len >= 1 && len <= 15 && strcmp(value, ".") != 0 && strcmp(value, "..") != 0 && printable(value) &&
           !strpbrk(value, "/: \t\n\r\v\f");
}

/* hopboot.overlay=: one file on an http, https, ftp or tftp server.  Its ${...} must be
 * ones url_expand knows; they are expanded with stand-ins so the URL can be checked now
 * rather than after the network is up. */
static bool usable_overlay(const char *value)
{
    static const struct url_vars stand_ins = { "52:54:00:00:00:00", "10.0.0.1", "host",
                                               "00000000-0000-0000-0000-000000000000" };
    _cleanup_free_ char *expanded = NULL;
    struct url u;

    if (!*value || url_expand(value, &stand_ins, &expanded) < 0 || url_parse(expanded, &u) < 0)
        return false;
    bool usable = (u.scheme == URL_HTTP || u.scheme == URL_HTTPS || u.scheme == URL_FTP || u.scheme == URL_TFTP) &&
                  u.path[strlen(u.path) - 1] != '/';
    url_done(&u);
    return usable;
}

/* A comma-separated list of interface names, each usable_netdev, none empty. */
static bool usable_netdev_list(const char *value)
{
    _cleanup_free_ char *copy = strdup(value);
    if (!copy)
        return false;
    for (char *p = copy, *comma; p; p = comma ? comma + 1 : NULL) {
        comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (!usable_netdev(p))
            return false;
    }
    return true;
}

/* Warn that WORD's VALUE is not usable (WHY; "missing value" when it is empty) and which
 * value stays in effect: the default, or what an earlier word set. */
#define BAD_VALUE(why, fmt, ...) warn(c, "%s: %s, using " fmt, word, *value ? (why) : "missing value", __VA_ARGS__)

/* The index of VALUE among the N NAMES of an enum's values, or -1. */
static int choice(const char *const *names, size_t n, const char *value)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(value, names[i]) == 0)
            return (int)i;
    return -1;
}

static int parse_kexec(struct config *c, const char *word, const char *value)
{
    static const char *const names[] = {
        [KEXEC_METHOD_AUTO] = "auto",
        [KEXEC_METHOD_SYSCALL] = "syscall",
        [KEXEC_METHOD_TOOLS] = "tools",
    };
    int i = choice(names, ELEMENTSOF(names), value);
    if (i >= 0) {
        c->kexec = (enum kexec_method)i;
        return 0;
    }
    return BAD_VALUE("expected auto, syscall or tools", "%s", names[c->kexec]);
}

static const char *const verify_names[] = {
    [VERIFY_SHA1] = "sha1",
    [VERIFY_SHA256] = "sha256",
    [VERIFY_SIGNED] = "signed",
};

const char *cmdline_verify_name(enum verify_mode mode)
{
    return verify_names[mode];
}

static int parse_verify(struct config *c, const char *word, const char *value)
{
    int i = choice(verify_names, ELEMENTSOF(verify_names), value);
    /* The modes are ordered weakest first.  A word can raise the check, never lower it:
     * not below the build's minimum, not below an earlier word (a second word appended to
     * the card's line, or typed at syslinux's prompt, must not weaken the card's policy). */
    if (i >= 0 && (enum verify_mode)i < c->verify)
        return warn(c, "%s: weaker than %s, which stays (the check can only be raised)", word,
                    verify_names[c->verify]);
    if (i >= 0) {
        c->verify = (enum verify_mode)i;
        return 0;
    }
    /* Like every other key: warn and keep the value in effect.  The line says it plainly,
     * since a typo in a stricter policy means a weaker check. */
    return BAD_VALUE("expected sha1, sha256 or signed", "%s", verify_names[c->verify]);
}

/* One hopboot.KEY[=VALUE] word.  KEY points past "hopboot.".  Every problem is one warning
 * naming the word; a bad or missing value keeps the value in effect and says which. */
static int parse_hopboot_key(struct config *c, const char *word, const char *key)
{
    const char *eq = strchr(key, '=');
    size_t key_len = eq ? (size_t)(eq - key) : strlen(key);
    const char *value = eq ? eq + 1 : "";
    unsigned number;

#define IS(k) (key_len == strlen(k) && strncmp(key, k, key_len) == 0)
    if (IS("rescue")) {
        if (eq)
            return warn(c, "%s: hopboot.rescue takes no value, ignored", word);
        c->rescue = true;
    } else if (IS("name"))
        return usable_name(value) ? set_string(&c->name, value)
                                  : BAD_VALUE("a name cannot contain '/' or control characters", "%s", c->name);
    else if (IS("card"))
        return usable_spec(value) ? set_string(&c->card, value)
                                  : BAD_VALUE("expected LABEL=NAME, UUID=UUID or /dev/NAME", "%s",
                                              c->card ? c->card : "the vfat partition holding syslinux.cfg");
    else if (IS("keydisk")) {
        int r = set_keydisk(c, value);
        return r != -EINVAL ? r
                            : BAD_VALUE("expected a file on the card, LABEL=NAME, UUID=UUID, /dev/NAME or none, "
                                        "optionally followed by ,required",
                                        "%s", c->keydisk);
    } else if (IS("src"))
        return *value && printable(value) ? set_string(&c->src, value)
                                          : BAD_VALUE("not a list of sources", "%s", c->src);
    else if (IS("netdev"))
        return usable_netdev(value) ? set_string(&c->netdev, value)
                                    : BAD_VALUE("not an interface name", "%s",
                                                c->netdev ? c->netdev : "the first interface with a link");
    else if (IS("aoe"))
        return usable_netdev_list(value) ? set_string(&c->aoe, value)
                                         : BAD_VALUE("not a comma-separated list of interface names", "%s",
                                                     c->aoe ? c->aoe : "no AoE");
    else if (IS("md")) {
        if (strcmp(value, "auto") != 0 && strcmp(value, "none") != 0)
            return BAD_VALUE("expected auto or none", "%s", c->md_auto ? "auto" : "none");
        c->md_auto = strcmp(value, "auto") == 0;
    } else if (IS("ca"))
        return *value && printable(value) ? set_string(&c->ca, value)
                                          : BAD_VALUE("not a usable file name", "%s",
                                                      c->ca ? c->ca : "no extra certificates");
    else if (IS("overlay"))
        return usable_overlay(value) ? set_string(&c->overlay, value)
                                     : BAD_VALUE("expected the http, https, ftp or tftp URL of a file", "%s",
                                                 c->overlay ? c->overlay : "no overlay");
    else if (IS("kexec"))
        return parse_kexec(c, word, value);
    else if (IS("wait")) {
        if (parse_unsigned(value, 3600, &number) < 0)
            return BAD_VALUE("expected seconds (0-3600)", "%u", c->wait_seconds);
        c->wait_seconds = number;
    } else if (IS("timeout")) {
        if (parse_unsigned(value, 600, &number) < 0)
            return BAD_VALUE("expected seconds (0-600)", "%u", c->menu_timeout);
        c->menu_timeout = number;
    } else if (IS("timeout.fetch")) {
        if (parse_unsigned(value, 86400, &number) < 0)
            return BAD_VALUE("expected seconds (0-86400; 0: no limit)", "%u", c->fetch_timeout);
        c->fetch_timeout = number;
    } else if (IS("timeout.source")) {
        if (parse_unsigned(value, 86400, &number) < 0)
            return BAD_VALUE("expected seconds (0-86400; 0: no limit)", "%u", c->source_timeout);
        c->source_timeout = number;
    } else if (IS("tries")) {
        if (parse_unsigned(value, STATE_MAX_TRIES, &number) < 0) {
            char why[64];
            snprintf(why, sizeof(why), "expected a number of trial boots (0-%d)", STATE_MAX_TRIES);
            return BAD_VALUE(why, "%u", c->tries);
        }
        c->tries = number;
    } else if (IS("verify"))
        return parse_verify(c, word, value);
    else if (IS("loglevel")) {
        if (parse_unsigned(value, LOG_DEBUG, &number) < 0)
            return BAD_VALUE("expected a level 0-7", "%d", c->log_level);
        c->log_level = (int)number;
    } else if (IS("booted") || IS("from"))
        return 0; /* set by a previous hopboot for its OS; never ours to read */
    else
        return warn(c, "%s: unknown key, ignored", word);
#undef IS
    return 0;
}

static bool dropped_for_os(const char *word)
{
    return strncmp(word, "BOOT_IMAGE=", 11) == 0 || strncmp(word, "initrd=", 7) == 0 ||
           strncmp(word, "rdinit=", 7) == 0;
}

/* Under hopboot.verify=signed the card's line must not pick what runs as PID 1 of the
 * signed image: an init= from it is dropped, with one warning.  The image's own
 * /boot/cmdline, which the signature covers, may still set one. */
static int drop_card_init(struct config *c)
{
    size_t kept = 0;
    int r = 0;

    if (!c->os_args)
        return 0;
    for (size_t i = 0; i < c->n_os_args; i++) {
        if (strncmp(c->os_args[i], "init=", 5) != 0) {
            c->os_args[kept++] = c->os_args[i];
            continue;
        }
        if (r >= 0)
            r = warn(c, "%s: ignored under hopboot.verify=signed (the card does not choose the image's init)",
                     c->os_args[i]);
        free(c->os_args[i]);
    }
    c->os_args[kept] = NULL;
    c->n_os_args = kept;
    return r;
}

int cmdline_parse(const char *text, const char *default_name, struct config *ret)
{
    return cmdline_parse_at_least(text, default_name, HOPBOOT_MIN_VERIFY, ret);
}

int cmdline_parse_at_least(const char *text, const char *default_name, enum verify_mode minimum, struct config *ret)
{
    _cleanup_strv_free_ char **words = NULL;
    size_t n = 0;
    struct config c = {
        .log_level = LOG_INFO,
        .wait_seconds = 15,
        .kexec = KEXEC_METHOD_AUTO,
        .tries = 3,
        .menu_timeout = 3,
        .fetch_timeout = CMDLINE_FETCH_TIMEOUT_DEFAULT,
        .source_timeout = CMDLINE_SOURCE_TIMEOUT_DEFAULT,
        .verify = minimum,
    };
    int r = cmdline_split(text, &words, &n);
    if (r < 0)
        return r;

    if (!(c.name = strdup(default_name)) || !(c.keydisk = strdup("kd.img")) || !(c.src = strdup("card")))
        r = -ENOMEM;
    for (size_t i = 0; r >= 0 && i < n; i++) {
        const char *w = words[i];
        if (strncmp(w, "hopboot.", 8) == 0)
            r = parse_hopboot_key(&c, w, w + 8);
        else if (!dropped_for_os(w)) {
            if (strcmp(w, "quiet") == 0 && c.log_level == LOG_INFO)
                c.log_level = LOG_WARNING;
            if (strncmp(w, "ip=", 3) == 0)
                r = set_string(&c.ip, w + 3);
            if (r < 0)
                break;
            r = fileio_strv_push(&c.os_args, &c.n_os_args, w);
        }
    }
    if (r >= 0 && c.verify == VERIFY_SIGNED)
        r = drop_card_init(&c);
    if (r < 0) {
        config_done(&c);
        return r;
    }
    *ret = c;
    return 0;
}

/* Whether TEXT splits back into exactly the one word WORD, also with another word after
 * it (an open quote would swallow that one). */
static bool reads_back_as(const char *text, const char *word)
{
    _cleanup_strv_free_ char **again = NULL;
    _cleanup_free_ char *followed = NULL;
    size_t n;

    if (asprintf(&followed, "%s x", text) < 0)
        return false;
    return cmdline_split(followed, &again, &n) >= 0 && n == 2 && strcmp(again[0], word) == 0 &&
           strcmp(again[1], "x") == 0;
}

/* Write into OUT (room for strlen(W) + 4 bytes) a form of the word W that cmdline_split
 * reads back as W.  The kernel's rules leave no single form that works for every word, so
 * the candidates are tried in order: as it is; key="value" (the form the kernel documents
 * for values with spaces); "word"; and a quote pair prepended to the word or its value,
 * which keeps a leading quote the kernel would strip.  Returns 0 or -EINVAL. */
static int join_word(const char *w, char *out)
{
    const char *eq = strchr(w, '=');
    int key_len = eq ? (int)(eq - w + 1) : 0;

    if (sprintf(out, "%s", w) >= 0 && reads_back_as(out, w))
        return 0;
    if (eq && sprintf(out, "%.*s\"%s\"", key_len, w, eq + 1) >= 0 && reads_back_as(out, w))
        return 0;
    if (sprintf(out, "\"%s\"", w) >= 0 && reads_back_as(out, w))
        return 0;
    if (sprintf(out, "\"%s", w) >= 0 && reads_back_as(out, w))
        return 0;
    if (eq && sprintf(out, "%.*s\"%s", key_len, w, eq + 1) >= 0 && reads_back_as(out, w))
        return 0;
    return -EINVAL;
}

int cmdline_join(char *const *words, size_t n, char **ret)
{
    size_t size = 1;
    for (size_t i = 0; i < n; i++)
        size += strlen(words[i]) + 4; /* separator and at most three quotes */

    _cleanup_free_ char *out = malloc(size);
    if (!out)
        return -ENOMEM;
    char *p = out;
    *p = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ' ';
        if (join_word(words[i], p) < 0)
            return -EINVAL;
        p += strlen(p);
    }
    *ret = TAKE_PTR(out);
    return 0;
}

void config_done(struct config *c)
{
    free(c->name);
    free(c->card);
    free(c->keydisk);
    free(c->src);
    free(c->netdev);
    free(c->ca);
    free(c->ip);
    free(c->overlay);
    free(c->aoe);
    strv_free(c->os_args);
    strv_free(c->warnings);
    *c = (struct config){ 0 };
}
