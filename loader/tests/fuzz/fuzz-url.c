/* fuzz-url.c - url_parse, url_split, url_parse_list and url_expand (url.h) against the
 * contract in their header:
 *  - url_parse accepts exactly "card" and SCHEME://HOST[:PORT]/PATH with a known scheme,
 *    a non-empty host, a port 1-65535 and only characters allowed in a URL, and its
 *    fields put back together give the text;
 *  - url_split cuts the path into a directory ending in '/' and the image's file name;
 *  - url_parse_list is url_parse of each comma-separated element;
 *  - url_expand agrees with a reference expansion of ${mac} ${ip} ${hostname} ${uuid}
 *    for three machines (all known, none known, some known), and what it makes is
 *    checked as a URL again.
 * Input: the text (cut at a NUL), used as a source, a source list and a template. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "fuzz.h"
#include "url.h"

static const struct {
    const char *prefix;
    enum url_scheme scheme;
    unsigned port;
} schemes[] = {
    { "http://", URL_HTTP, 80 }, { "https://", URL_HTTPS, 443 }, { "ftp://", URL_FTP, 21 },
    { "tftp://", URL_TFTP, 69 }, { "nfs://", URL_NFS, 2049 },
};

#define N_SCHEMES (sizeof(schemes) / sizeof(schemes[0]))

static bool allowed_char(unsigned char c)
{
    return c > 0x20 && c != 0x7f && !strchr("\"'\\<>", c);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* url.h's grammar, read independently of url.c. */
static bool reference_valid(const char *text)
{
    const char *rest = NULL;

    if (strcmp(text, "card") == 0)
        return true;
    for (size_t i = 0; i < N_SCHEMES; i++)
        if (strncmp(text, schemes[i].prefix, strlen(schemes[i].prefix)) == 0)
            rest = text + strlen(schemes[i].prefix);
    for (const char *p = text; *p; p++)
        if (!allowed_char((unsigned char)*p))
            return false;
    if (!rest || !strchr(rest, '/'))
        return false;
    size_t authority = strcspn(rest, "/"), host = strcspn(rest, ":/");
    if (host == 0 || memchr(rest, '@', authority) || memchr(rest, '[', authority))
        return false;
    if (host < authority) { /* ":PORT" */
        size_t digits = authority - host - 1;
        if (digits == 0 || digits > 5 || strspn(rest + host + 1, "0123456789") != digits)
            return false;
        unsigned long port = strtoul(rest + host + 1, NULL, 10);
        if (port == 0 || port > 65535)
            return false;
    }
    return !strpbrk(rest + authority, "?#"); /* no query or fragment: image paths only */
}

static void check_split(const struct url *u)
{
    char *dir = NULL, *file = NULL;
    const char *path = u->path ? u->path : "/";

    FUZZ_ASSERT(url_split(u, &dir, &file) == 0);
    FUZZ_ASSERT(dir && ends_with(dir, "/"));
    if (u->names_image) {
        FUZZ_ASSERT(file && !strchr(file, '/') && ends_with(file, ".img"));
        FUZZ_ASSERT(strlen(dir) + strlen(file) == strlen(path) && strncmp(path, dir, strlen(dir)) == 0 &&
                    strcmp(path + strlen(dir), file) == 0);
    } else {
        FUZZ_ASSERT(!file);
        FUZZ_ASSERT(strncmp(dir, path, strlen(path)) == 0 && strlen(dir) == strlen(path) + !ends_with(path, "/"));
    }
    free(dir);
    free(file);
}

/* The fields of a parsed U give back its text: PREFIX HOST [":" PORT] PATH. */
static void check_fields(const struct url *u, const char *text)
{
    FUZZ_ASSERT(u->text && strcmp(u->text, text) == 0);
    if (u->scheme == URL_CARD) {
        FUZZ_ASSERT(strcmp(text, "card") == 0 && !u->host && !u->path && u->port == 0 && !u->names_image);
        FUZZ_ASSERT(url_default_port(URL_CARD) == 0);
        return;
    }
    size_t i = 0;
    while (i < N_SCHEMES && schemes[i].scheme != u->scheme)
        i++;
    FUZZ_ASSERT(i < N_SCHEMES && strncmp(text, schemes[i].prefix, strlen(schemes[i].prefix)) == 0);
    FUZZ_ASSERT(url_default_port(u->scheme) == schemes[i].port);
    FUZZ_ASSERT(u->host && *u->host && !strpbrk(u->host, ":/@["));
    FUZZ_ASSERT(u->path && u->path[0] == '/' && !strpbrk(u->path, "?#"));
    FUZZ_ASSERT(u->port <= 65535);
    FUZZ_ASSERT(u->names_image == ends_with(u->path, ".img"));

    const char *p = text + strlen(schemes[i].prefix);
    FUZZ_ASSERT(strncmp(p, u->host, strlen(u->host)) == 0);
    p += strlen(u->host);
    if (*p == ':') {
        char *end;
        FUZZ_ASSERT(u->port > 0 && strtoul(p + 1, &end, 10) == u->port);
        p = end;
    } else
        FUZZ_ASSERT(u->port == 0);
    FUZZ_ASSERT(strcmp(p, u->path) == 0);
}

static void check_parse(const char *text)
{
    struct url u = { 0 };
    int r = url_parse(text, &u);

    FUZZ_ASSERT(r == (reference_valid(text) ? 0 : -EINVAL));
    if (r < 0) {
        FUZZ_ASSERT(!u.text && !u.host && !u.path); /* *ret untouched on failure */
        return;
    }
    check_fields(&u, text);
    check_split(&u);
    url_done(&u);
    FUZZ_ASSERT(!u.text && !u.host && !u.path);
}

static void check_list(const char *text)
{
    struct url *urls = NULL;
    size_t n = 0, i = 0;
    int r = url_parse_list(text, &urls, &n), want = 0;

    /* each element in turn; the first that fails decides */
    for (const char *p = text;; i++) {
        size_t len = strcspn(p, ",");
        char *item = strndup(p, len);
        struct url u;
        if (!item)
            abort();
        want = url_parse(item, &u);
        if (want == 0) {
            if (r == 0) {
                FUZZ_ASSERT(i < n && strcmp(urls[i].text, u.text) == 0 && urls[i].scheme == u.scheme &&
                            urls[i].port == u.port && urls[i].names_image == u.names_image);
                FUZZ_ASSERT(!u.host ? !urls[i].host : strcmp(urls[i].host, u.host) == 0);
                FUZZ_ASSERT(!u.path ? !urls[i].path : strcmp(urls[i].path, u.path) == 0);
            }
            url_done(&u);
        }
        free(item);
        if (want < 0 || !p[len])
            break;
        p += len + 1;
    }
    FUZZ_ASSERT(r == want);
    if (r == 0)
        FUZZ_ASSERT(n == i + 1);
    else
        FUZZ_ASSERT(!urls && n == 0);
    url_free_array(urls, n);
}

/* ${NAME} expanded as url.h says; returns 0 and the text, or the first error met. */
static int reference_expand(const char *template, const struct url_vars *vars, char *out, size_t size)
{
    const char *names[] = { "mac", "ip", "hostname", "uuid" };
    const char *values[] = { vars->mac, vars->ip, vars->hostname, vars->uuid };
    size_t o = 0;

    for (const char *p = template; *p;) {
        const char *piece = p;
        size_t len = 1;
        if (p[0] == '$' && p[1] == '{') {
            const char *close = strchr(p + 2, '}');
            if (!close)
                return -EINVAL;
            size_t i = 0;
            while (i < 4 && !(strlen(names[i]) == (size_t)(close - p - 2) && strncmp(p + 2, names[i], strlen(names[i])) == 0))
                i++;
            if (i == 4)
                return -EINVAL;
            if (!values[i] || !*values[i])
                return -ENODATA;
            piece = values[i];
            len = strlen(values[i]);
            p = close + 1;
        } else
            p++;
        FUZZ_ASSERT(o + len < size);
        memcpy(out + o, piece, len);
        o += len;
    }
    out[o] = '\0';
    return 0;
}

static void check_expand(const char *text, const struct url_vars *vars)
{
    /* a value grows its ${...} at most 36 / 7 times ("${uuid}"): 10 times the text is enough */
    size_t size = 10 * strlen(text) + 1;
    char *want = malloc(size), *got = NULL;
    if (!want)
        abort();

    int r = url_expand(text, vars, &got), expected = reference_expand(text, vars, want, size);
    FUZZ_ASSERT(r == expected);
    FUZZ_ASSERT(r == 0 ? got && strcmp(got, want) == 0 : !got);
    if (r == 0)
        check_parse(got); /* a per-machine source is parsed after expansion */
    free(got);
    free(want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct url_vars known = {
        .mac = "52:54:00:12:34:56", .ip = "10.0.2.15", .hostname = "kiosk-7",
        .uuid = "4c4c4544-0042-3510-8052-b2c04f4e3732",
    };
    static const struct url_vars unknown = { 0 };
    static const struct url_vars some = { .mac = "52:54:00:12:34:56", .ip = "", .uuid = "0" };
    char *text = fuzz_strndup(data, size);

    check_parse(text);
    check_list(text);
    check_expand(text, &known);
    check_expand(text, &unknown);
    check_expand(text, &some);
    free(text);
    return 0;
}
