/* fuzz-cmdline.c - cmdline_split, cmdline_join and cmdline_parse (cmdline.h) against the
 * contract in their header:
 *  - split agrees with a reference split written the way the kernel's next_arg() reads
 *    (the header's description of it), and never returns an empty word;
 *  - split(join(words)) == words, for the words split returns (what boot.c re-joins for
 *    the OS) and for quote-free words taken one per line of the input;
 *  - parse passes exactly the non-hopboot words, less BOOT_IMAGE=/initrd=/rdinit=, on to
 *    the OS, keeps every field in its documented range, and turns each bad hopboot.* key
 *    into exactly one warning.
 * Input: the command line (cut at a NUL). */
#include <errno.h>
#include <stdbool.h>
#include <syslog.h>

#include "cleanup.h"
#include "cmdline.h"
#include "devices.h"
#include "fuzz.h"
#include "state.h"
#include "url.h"

#define DEFAULT_NAME "Demo"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The kernel's next_arg() shape: a leading quote is skipped and opens a quoted stretch,
 * every later quote toggles, unquoted whitespace ends the word; then the value's opening
 * quote (after the first '=') goes, and the final quote goes when either quote went.
 * Differs from the kernel only where cmdline.h says otherwise: ASCII whitespace, and the
 * first '=' even at the word's start. */
static char *reference_next_word(const char **text)
{
    const char *p = *text;
    while (is_space(*p))
        p++;
    if (!*p) {
        *text = p;
        return NULL;
    }
    bool quoted = *p == '"', in_quote = quoted;
    const char *start = p + quoted;
    size_t i = 0;
    for (; start[i] && (in_quote || !is_space(start[i])); i++)
        if (start[i] == '"')
            in_quote = !in_quote;
    *text = start + i;

    char *word = strndup(start, i);
    if (!word)
        abort();
    char *eq = strchr(word, '=');
    size_t len = i;
    if (eq && eq[1] == '"') {
        memmove(eq + 1, eq + 2, strlen(eq + 2) + 1);
        len--;
        quoted = true;
    }
    if (quoted && len > 0 && word[len - 1] == '"')
        word[len - 1] = '\0';
    return word;
}

/* Split TEXT, check it against the reference and return the words (strv_free). */
static char **check_split(const char *text, size_t *ret_n)
{
    char **words = NULL;
    size_t n = 0, i = 0;

    FUZZ_ASSERT(cmdline_split(text, &words, &n) == 0);
    FUZZ_ASSERT(words && !words[n]);
    for (const char *p = text;;) {
        char *want = reference_next_word(&p);
        if (!want)
            break;
        if (*want) { /* the kernel ignores "" */
            FUZZ_ASSERT(i < n && strcmp(words[i], want) == 0);
            i++;
        }
        free(want);
    }
    FUZZ_ASSERT(i == n);
    *ret_n = n;
    return words;
}

static void check_join(char *const *words, size_t n)
{
    _cleanup_free_ char *joined = NULL;
    _cleanup_strv_free_ char **again = NULL;
    size_t n_again = 0;

    int r = cmdline_join(words, n, &joined);
    if (r == -EINVAL) {
        /* Allowed only when some word alone has no form that reads back (cmdline.h). */
        bool unjoinable = false;
        for (size_t i = 0; i < n && !unjoinable; i++) {
            _cleanup_free_ char *alone = NULL;
            unjoinable = cmdline_join(&words[i], 1, &alone) == -EINVAL;
        }
        FUZZ_ASSERT(unjoinable);
        return;
    }
    FUZZ_ASSERT(r == 0);
    FUZZ_ASSERT(cmdline_split(joined, &again, &n_again) == 0);
    for (size_t i = 0; i < n || i < n_again; i++)
        if (i >= n || i >= n_again || strcmp(again[i], words[i]) != 0) {
            /* say which word did not survive: the fix is in cmdline_join */
            fprintf(stderr, "%s:%d: property broken: split(join(words)) == words: word %zu [%s] joined as [%s] "
                    "reads back as [%s]\n", __FILE__, __LINE__, i, i < n ? words[i] : "", joined,
                    i < n_again ? again[i] : "");
            abort();
        }
}

/* Non-empty, quote-free lines of TEXT as words: join must quote any whitespace in them. */
static void check_join_lines(const char *text)
{
    _cleanup_strv_free_ char **words = calloc(1, sizeof(char *));
    size_t n = 0;

    if (!words)
        abort();
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");
        if (len > 0 && !memchr(p, '"', len)) {
            char **grown = realloc(words, (n + 2) * sizeof(char *));
            if (!grown || !(grown[n] = strndup(p, len)))
                abort();
            grown[++n] = NULL;
            words = grown;
        }
        p += len + (p[len] == '\n');
    }
    check_join(words, n);
}

static bool printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

/* LABEL=x, UUID=x or /dev/x with something for x. */
static bool usable_spec(const char *value)
{
    size_t prefix = strncmp(value, "LABEL=", 6) == 0 ? 6 : 5;
    return devices_is_spec(value) && printable(value) && value[prefix] != '\0';
}

static bool digits(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

/* What cmdline.h says the fields end up as; a field is "exact" while every value given
 * for it is plainly valid or plainly invalid (digits-only numbers: strtoul's leniency
 * towards " +5" is not part of the contract, so it is not checked either way). */
struct expected {
    const char *name, *src, *ip, *overlay;
    int log_level;
    unsigned wait_seconds, tries;
    enum kexec_method kexec;
    enum verify_mode verify;
    bool rescue, exact_wait, exact_level, exact_tries;
    size_t warnings, os_args;
};

static bool number(const char *value, unsigned max, unsigned *ret, bool *exact)
{
    if (!digits(value)) {
        *exact = false;
        return false;
    }
    size_t skip = strspn(value, "0"); /* any number of leading zeros */
    const char *v = value + skip;
    if (strlen(v) > 10)
        return false;
    unsigned long long x = strtoull(v, NULL, 10);
    if (x > max)
        return false;
    *ret = (unsigned)x;
    return true;
}

/* hopboot.overlay=: one file (no trailing '/') on an http, https, ftp or tftp server, its
 * ${...} among those url.h knows, which are filled with stand-ins before url_parse. */
static bool overlay_url(const char *value)
{
    static const char *const schemes[] = { "http://", "https://", "ftp://", "tftp://" };
    static const char *const names[] = { "${mac}", "${ip}", "${hostname}", "${uuid}" };
    char *expanded = malloc(strlen(value) + 1);
    size_t len = 0;
    bool scheme = false, ok = true;
    struct url u;

    FUZZ_ASSERT(expanded);
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        scheme |= strncmp(value, schemes[i], strlen(schemes[i])) == 0;
    for (const char *p = value; ok && *p;) {
        size_t known = 0;
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !known; i++)
            if (strncmp(p, names[i], strlen(names[i])) == 0)
                known = strlen(names[i]);
        if (known) {
            expanded[len++] = 'x'; /* a stand-in value: any URL-safe text */
            p += known;
        } else if (p[0] == '$' && p[1] == '{')
            ok = false; /* unknown or unterminated */
        else
            expanded[len++] = *p++;
    }
    expanded[len] = '\0';
    ok = ok && scheme && len > 0 && expanded[len - 1] != '/' && url_parse(expanded, &u) == 0;
    if (ok)
        url_done(&u);
    free(expanded);
    return ok;
}

static void expect_hopboot_key(struct expected *e, const char *word)
{
    const char *key = word + 8, *eq = strchr(key, '=');
    size_t key_len = eq ? (size_t)(eq - key) : strlen(key);
    const char *value = eq ? eq + 1 : NULL;
    unsigned x;
    bool ok = true;

#define IS(k) (key_len == strlen(k) && strncmp(key, k, key_len) == 0)
    if (IS("booted") || IS("from"))
        ok = true; /* a previous hopboot's words for its OS, whatever their value: never read */
    else if (IS("rescue") && !value)
        e->rescue = true;
    else if (!value || !*value)
        ok = false;
    else if (IS("name")) {
        ok = !strchr(value, '/') && printable(value);
        if (ok)
            e->name = value;
    }
    else if (IS("card"))
        ok = usable_spec(value);
    else if (IS("keydisk"))
        ok = printable(value) && (!devices_is_spec(value) || usable_spec(value));
    else if (IS("ca"))
        ok = printable(value);
    else if (IS("overlay")) {
        if ((ok = overlay_url(value)))
            e->overlay = value;
    } else if (IS("netdev"))
        ok = strlen(value) <= 15 && strcmp(value, ".") != 0 && strcmp(value, "..") != 0 && printable(value) &&
             !strpbrk(value, "/: ");
    else if (IS("src")) {
        ok = printable(value); /* a URL list with control characters is not one */
        if (ok)
            e->src = value;
    }
    else if (IS("kexec")) {
        if (strcmp(value, "auto") == 0)
            e->kexec = KEXEC_METHOD_AUTO;
        else if (strcmp(value, "syscall") == 0)
            e->kexec = KEXEC_METHOD_SYSCALL;
        else if (strcmp(value, "tools") == 0)
            e->kexec = KEXEC_METHOD_TOOLS;
        else
            ok = false;
    } else if (IS("verify")) {
        int v = strcmp(value, "sha1") == 0     ? VERIFY_SHA1
                : strcmp(value, "sha256") == 0 ? VERIFY_SHA256
                : strcmp(value, "signed") == 0 ? VERIFY_SIGNED
                                               : -1;
        /* Unknown, or weaker than the mode in effect (it can only be raised): a warning. */
        if (v >= (int)e->verify)
            e->verify = (enum verify_mode)v;
        else
            ok = false;
    } else if (IS("tries")) {
        if ((ok = number(value, STATE_MAX_TRIES, &x, &e->exact_tries)))
            e->tries = x;
    } else if (IS("wait")) {
        if ((ok = number(value, 3600, &x, &e->exact_wait)))
            e->wait_seconds = x;
    } else if (IS("loglevel")) {
        if ((ok = number(value, LOG_DEBUG, &x, &e->exact_level)))
            e->log_level = (int)x;
    } else
        ok = false;
#undef IS
    e->warnings += !ok;
}

static void check_parse(char **words, size_t n, const char *text)
{
    struct expected e = { .name = DEFAULT_NAME, .src = "card", .log_level = LOG_INFO, .wait_seconds = 15,
                          .tries = 3, .kexec = KEXEC_METHOD_AUTO, .verify = VERIFY_SHA1,
                          .exact_wait = true, .exact_level = true, .exact_tries = true };
    struct config c;

    FUZZ_ASSERT(cmdline_parse(text, DEFAULT_NAME, &c) == 0);
    /* The verify mode the whole line ends with decides whether init= words stay. */
    struct expected keys_only = e;
    for (size_t i = 0; i < n; i++)
        if (strncmp(words[i], "hopboot.", 8) == 0)
            expect_hopboot_key(&keys_only, words[i]);
    for (size_t i = 0; i < n; i++) {
        const char *w = words[i];
        if (strncmp(w, "hopboot.", 8) == 0) {
            expect_hopboot_key(&e, w);
            continue;
        }
        if (strncmp(w, "BOOT_IMAGE=", 11) == 0 || strncmp(w, "initrd=", 7) == 0 || strncmp(w, "rdinit=", 7) == 0)
            continue;
        if (keys_only.verify == VERIFY_SIGNED && strncmp(w, "init=", 5) == 0) {
            e.warnings++; /* the card does not choose a signed image's init */
            continue;
        }
        FUZZ_ASSERT(e.os_args < c.n_os_args && strcmp(c.os_args[e.os_args], w) == 0);
        e.os_args++;
        if (strcmp(w, "quiet") == 0 && e.log_level == LOG_INFO)
            e.log_level = LOG_WARNING; /* quiet lowers an info level only */
        if (strncmp(w, "ip=", 3) == 0)
            e.ip = w + 3;
    }
    FUZZ_ASSERT(c.n_os_args == e.os_args && (c.n_os_args == 0 || !c.os_args[c.n_os_args]));
    FUZZ_ASSERT(c.name && strcmp(c.name, e.name) == 0 && !strchr(c.name, '/'));
    FUZZ_ASSERT(c.src && strcmp(c.src, e.src) == 0);
    FUZZ_ASSERT(c.keydisk && printable(c.keydisk));
    FUZZ_ASSERT(!c.card || devices_is_spec(c.card));
    FUZZ_ASSERT(!c.ca || printable(c.ca));
    FUZZ_ASSERT(e.overlay ? c.overlay && strcmp(c.overlay, e.overlay) == 0 : !c.overlay);
    FUZZ_ASSERT(e.ip ? c.ip && strcmp(c.ip, e.ip) == 0 : !c.ip);
    FUZZ_ASSERT(c.rescue == e.rescue && c.kexec == e.kexec && c.verify == e.verify);
    FUZZ_ASSERT(c.log_level >= 0 && c.log_level <= LOG_DEBUG && c.wait_seconds <= 3600);
    FUZZ_ASSERT(c.tries <= STATE_MAX_TRIES);
    if (e.exact_level)
        FUZZ_ASSERT(c.log_level == e.log_level);
    if (e.exact_wait)
        FUZZ_ASSERT(c.wait_seconds == e.wait_seconds);
    if (e.exact_tries)
        FUZZ_ASSERT(c.tries == e.tries);
    if (e.exact_wait && e.exact_level && e.exact_tries)
        FUZZ_ASSERT(c.n_warnings == e.warnings);
    FUZZ_ASSERT(c.n_warnings == 0 || !c.warnings[c.n_warnings]);
    for (size_t i = 0; i < c.n_warnings; i++)
        FUZZ_ASSERT(c.warnings[i] && *c.warnings[i]);
    config_done(&c);
    FUZZ_ASSERT(!c.name && !c.os_args && !c.warnings && c.n_os_args == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    size_t n;
    char **words = check_split(text, &n);

    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(*words[i]);
    check_join(words, n);
    check_join_lines(text);
    check_parse(words, n, text);
    strv_free(words);
    free(text);
    return 0;
}
