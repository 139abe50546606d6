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

static int parse_unsigned(const char *value, unsigned max, unsigned *ret)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (errno || end == value || *end || value[0] == '-' || v > max)
        return -EINVAL;
    *ret = (unsigned)v;
    return 0;
}

static int parse_kexec(struct config *c, const char *value)
{
    static const char *const names[] = {
        [KEXEC_METHOD_AUTO] = "auto",
        [KEXEC_METHOD_SYSCALL] = "syscall",
        [KEXEC_METHOD_TOOLS] = "tools",
    };
    for (size_t i = 0; i < ELEMENTSOF(names); i++)
        if (strcmp(value, names[i]) == 0) {
            c->kexec = (enum kexec_method)i;
            return 0;
        }
    return warn(c, "hopboot.kexec=%s: expected auto, syscall or tools; using auto", value);
}

static int parse_verify(struct config *c, const char *value)
{
    static const char *const names[] = {
        [VERIFY_SHA1] = "sha1",
        [VERIFY_SHA256] = "sha256",
        [VERIFY_SIGNED] = "signed",
    };
    for (size_t i = 0; i < ELEMENTSOF(names); i++)
        if (strcmp(value, names[i]) == 0) {
            c->verify = (enum verify_mode)i;
            return 0;
        }
    /* Like every other key: warn and keep the default.  The line says it plainly, since a
     * typo in a stricter policy means a weaker check. */
    return warn(c, "hopboot.verify=%s: expected sha1, sha256 or signed; using sha1", value);
}

/* One hopboot.KEY[=VALUE] word.  KEY points past "hopboot.". */
static int parse_hopboot_key(struct config *c, const char *word, const char *key)
{
    const char *eq = strchr(key, '=');
    size_t key_len = eq ? (size_t)(eq - key) : strlen(key);
    const char *value = eq ? eq + 1 : NULL;
    unsigned number;

#define IS(k) (key_len == strlen(k) && strncmp(key, k, key_len) == 0)
    if (IS("rescue") && !value)
        c->rescue = true;
    else if (!value || !*value)
        return warn(c, "%s: unknown key or missing value, ignored", word);
    else if (IS("name"))
        return strchr(value, '/') ? warn(c, "%s: a name cannot contain '/', ignored", word)
                                  : set_string(&c->name, value);
    else if (IS("card"))
        return devices_is_spec(value) ? set_string(&c->card, value)
                                      : warn(c, "%s: expected LABEL=, UUID= or /dev/, ignored", word);
    else if (IS("keydisk"))
        return printable(value) ? set_string(&c->keydisk, value) : warn(c, "%s: not a usable name, ignored", word);
    else if (IS("src"))
        return set_string(&c->src, value);
    else if (IS("netdev"))
        return set_string(&c->netdev, value);
    else if (IS("ca"))
        return printable(value) ? set_string(&c->ca, value) : warn(c, "%s: not a usable name, ignored", word);
    else if (IS("kexec"))
        return parse_kexec(c, value);
    else if (IS("wait")) {
        if (parse_unsigned(value, 3600, &number) < 0)
            return warn(c, "%s: expected seconds (0-3600), ignored", word);
        c->wait_seconds = number;
    } else if (IS("tries")) {
        if (parse_unsigned(value, STATE_MAX_TRIES, &number) < 0)
            return warn(c, "%s: expected a number of trial boots (0-%d), using %u", word, STATE_MAX_TRIES,
                        c->tries);
        c->tries = number;
    } else if (IS("verify"))
        return parse_verify(c, value);
    else if (IS("loglevel")) {
        if (parse_unsigned(value, LOG_DEBUG, &number) < 0)
            return warn(c, "%s: expected a level 0-7, ignored", word);
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

int cmdline_parse(const char *text, const char *default_name, struct config *ret)
{
    _cleanup_strv_free_ char **words = NULL;
    size_t n = 0;
    struct config c = {
        .log_level = LOG_INFO,
        .wait_seconds = 15,
        .kexec = KEXEC_METHOD_AUTO,
        .tries = 3,
        .verify = VERIFY_SHA1,
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
    strv_free(c->os_args);
    strv_free(c->warnings);
    *c = (struct config){ 0 };
}
