/* url.c - see url.h. */
#include "url.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

static const struct {
    const char *prefix;
    enum url_scheme scheme;
    unsigned port;
} schemes[] = {
    { "http://", URL_HTTP, 80 }, { "https://", URL_HTTPS, 443 }, { "ftp://", URL_FTP, 21 },
    { "tftp://", URL_TFTP, 69 }, { "nfs://", URL_NFS, 2049 },
};

unsigned url_default_port(enum url_scheme scheme)
{
    for (size_t i = 0; i < ELEMENTSOF(schemes); i++)
        if (schemes[i].scheme == scheme)
            return schemes[i].port;
    return 0;
}

static bool allowed(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '"' || *s == '\'' || *s == '\\' || *s == '<' ||
            *s == '>')
            return false;
    return true;
}

static int parse_port(const char *s, size_t len, unsigned *ret)
{
    unsigned port = 0;
    if (len == 0 || len > 5)
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        port = port * 10 + (unsigned)(s[i] - '0');
    }
    if (port == 0 || port > 65535)
        return -EINVAL;
    *ret = port;
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* LABEL=x, UUID=x or /dev/x with a non-empty x of printable characters; a /dev/ path
 * without "..". */
static bool is_block_spec(const char *text)
{
    static const char *const prefixes[] = { "LABEL=", "UUID=", "/dev/" };
    for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
        size_t len = strlen(prefixes[i]);
        if (strncmp(text, prefixes[i], len) != 0)
            continue;
        if (!text[len] || (i == 2 && strstr(text, "..")))
            return false;
        for (const char *p = text + len; *p; p++)
            if ((unsigned char)*p <= 0x20 || *p == 0x7f)
                return false;
        return true;
    }
    return false;
}

int url_parse(const char *text, struct url *ret)
{
    struct url u = { 0 };
    const char *rest = NULL;

    if (strcmp(text, "card") == 0 || is_block_spec(text)) {
        u.scheme = strcmp(text, "card") == 0 ? URL_CARD : URL_BLOCK;
        u.text = strdup(text);
        if (!u.text)
            return -ENOMEM;
        *ret = u;
        return 0;
    }
    for (size_t i = 0; i < ELEMENTSOF(schemes) && !rest; i++)
        if (strncmp(text, schemes[i].prefix, strlen(schemes[i].prefix)) == 0) {
            u.scheme = schemes[i].scheme;
            rest = text + strlen(schemes[i].prefix);
        }
    if (!rest || !allowed(text))
        return -EINVAL;

    const char *slash = strchr(rest, '/');
    if (!slash)
        return -EINVAL;
    /* No user:password@ and no IPv6 literals: neither has a use on a boot card yet. */
    const char *colon = memchr(rest, ':', (size_t)(slash - rest));
    const char *host_end = colon ? colon : slash;
    if (host_end == rest || memchr(rest, '@', (size_t)(slash - rest)) || memchr(rest, '[', (size_t)(slash - rest)))
        return -EINVAL;
    if (colon && parse_port(colon + 1, (size_t)(slash - colon - 1), &u.port) < 0)
        return -EINVAL;
    if (strchr(slash, '?') || strchr(slash, '#'))
        return -EINVAL;

    u.text = strdup(text);
    u.host = strndup(rest, (size_t)(host_end - rest));
    u.path = strdup(slash);
    if (!u.text || !u.host || !u.path) {
        url_done(&u);
        return -ENOMEM;
    }
    u.names_image = ends_with(u.path, ".img");
    *ret = u;
    return 0;
}

int url_parse_list(const char *text, struct url **ret_urls, size_t *ret_n)
{
    _cleanup_free_ char *copy = strdup(text);
    struct url *urls = NULL;
    size_t n = 0;
    int r = 0;

    if (!copy)
        return -ENOMEM;
    for (char *item = copy, *next; item; item = next) {
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        struct url *grown = realloc(urls, (n + 1) * sizeof(*urls));
        if (!grown) {
            r = -ENOMEM;
            break;
        }
        urls = grown;
        if ((r = url_parse(item, &urls[n])) < 0)
            break;
        n++;
    }
    if (r == 0 && n == 0)
        r = -EINVAL;
    if (r < 0) {
        url_free_array(urls, n);
        return r;
    }
    *ret_urls = urls;
    *ret_n = n;
    return 0;
}

int url_split(const struct url *u, char **ret_dir, char **ret_file)
{
    _cleanup_free_ char *dir = NULL, *file = NULL;
    const char *path = u->path ? u->path : "/";

    if (u->names_image) {
        const char *base = strrchr(path, '/') + 1;
        dir = strndup(path, (size_t)(base - path));
        file = strdup(base);
        if (!dir || !file)
            return -ENOMEM;
    } else if (asprintf(&dir, "%s%s", path, ends_with(path, "/") ? "" : "/") < 0)
        return -ENOMEM;
    *ret_dir = TAKE_PTR(dir);
    *ret_file = TAKE_PTR(file);
    return 0;
}

static const char *variable(const struct url_vars *vars, const char *name, size_t len, int *error)
{
    const struct {
        const char *name;
        const char *value;
    } table[] = { { "mac", vars->mac }, { "ip", vars->ip }, { "hostname", vars->hostname }, { "uuid", vars->uuid } };

    for (size_t i = 0; i < ELEMENTSOF(table); i++)
        if (strlen(table[i].name) == len && strncmp(name, table[i].name, len) == 0) {
            if (!table[i].value || !*table[i].value)
                *error = -ENODATA;
            return table[i].value;
        }
    *error = -EINVAL;
    return NULL;
}

int url_expand(const char *template, const struct url_vars *vars, char **ret)
{
    _cleanup_free_ char *out = NULL;
    size_t size = 0;
    _cleanup_fclose_ FILE *f = open_memstream(&out, &size);

    if (!f)
        return -ENOMEM;
    for (const char *p = template; *p;) {
        if (p[0] != '$' || p[1] != '{') {
            fputc(*p++, f);
            continue;
        }
        const char *close = strchr(p + 2, '}');
        if (!close)
            return -EINVAL;
        int error = 0;
        const char *value = variable(vars, p + 2, (size_t)(close - p - 2), &error);
        if (error < 0)
            return error;
        fputs(value, f);
        p = close + 1;
    }
    if (fclose(TAKE_PTR(f)) != 0)
        return -ENOMEM;
    *ret = TAKE_PTR(out);
    return 0;
}

void url_done(struct url *u)
{
    free(u->text);
    free(u->host);
    free(u->path);
    *u = (struct url){ 0 };
}

void url_free_array(struct url *urls, size_t n)
{
    if (!urls)
        return;
    for (size_t i = 0; i < n; i++)
        url_done(&urls[i]);
    free(urls);
}
