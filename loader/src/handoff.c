/* handoff.c - see handoff.h. */
#include "handoff.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fileio.h"

#define HANDOFF_MAGIC "hopboot-handoff 1"

static bool printable(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* The scalar fields, in the order they are written. */
static char **field(struct handoff *h, size_t i, const char **ret_key)
{
    static const char *const keys[] = { "label", "image", "card", "keydisk", "sha1", "from" };
    char **fields[] = { &h->label, &h->image, &h->card, &h->keydisk, &h->sha1, &h->from };

    if (i >= ELEMENTSOF(keys))
        return NULL;
    *ret_key = keys[i];
    return fields[i];
}

int handoff_format(const struct handoff *h, char **ret)
{
    _cleanup_free_ char *text = NULL;
    size_t size = 0;
    _cleanup_fclose_ FILE *f = open_memstream(&text, &size);
    struct handoff *mutable = (struct handoff *)h; /* field() is shared with the parser */
    const char *key;
    char **value;

    if (!f)
        return -ENOMEM;
    fputs(HANDOFF_MAGIC "\n", f);
    for (size_t i = 0; (value = field(mutable, i, &key)); i++) {
        if (!*value || !printable(*value, strlen(*value)))
            return -EINVAL;
        fprintf(f, "%s=%s\n", key, *value);
    }
    if (h->overlay) {
        if (!printable(h->overlay, strlen(h->overlay)))
            return -EINVAL;
        fprintf(f, "overlay=%s\n", h->overlay);
    }
    for (size_t i = 0; i < h->n_modules; i++) {
        if (!printable(h->modules[i], strlen(h->modules[i])))
            return -EINVAL;
        fprintf(f, "module=%s\n", h->modules[i]);
    }
    if (fclose(TAKE_PTR(f)) != 0)
        return -ENOMEM;
    *ret = TAKE_PTR(text);
    return 0;
}

static int parse_line(struct handoff *h, const char *line, size_t len)
{
    const char *eq = memchr(line, '=', len);
    const char *key;
    char **value;

    if (!eq || !printable(line, len))
        return -EBADMSG;
    size_t key_len = (size_t)(eq - line), value_len = len - key_len - 1;
    if (value_len == 0)
        return -EBADMSG;

    if (key_len == 6 && strncmp(line, "module", 6) == 0) {
        if (h->n_modules == HANDOFF_MAX_MODULES)
            return -EBADMSG;
        _cleanup_free_ char *m = strndup(eq + 1, value_len);
        return m ? fileio_strv_push(&h->modules, &h->n_modules, m) : -ENOMEM;
    }
    if (key_len == 7 && strncmp(line, "overlay", 7) == 0) {
        if (h->overlay)
            return -EBADMSG; /* given twice */
        h->overlay = strndup(eq + 1, value_len);
        return h->overlay ? 0 : -ENOMEM;
    }
    for (size_t i = 0; (value = field(h, i, &key)); i++) {
        if (strlen(key) != key_len || strncmp(line, key, key_len) != 0)
            continue;
        if (*value)
            return -EBADMSG; /* given twice */
        *value = strndup(eq + 1, value_len);
        return *value ? 0 : -ENOMEM;
    }
    return -EBADMSG;
}

static int parse_lines(struct handoff *h, const char *text, size_t len)
{
    size_t magic_len = strlen(HANDOFF_MAGIC);
    const char *key;
    char **value;

    if (len < magic_len + 1 || memcmp(text, HANDOFF_MAGIC "\n", magic_len + 1) != 0)
        return -EBADMSG;
    const char *p = text + magic_len + 1, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return -EBADMSG; /* every line ends in a newline: a cut file is not valid */
        int r = parse_line(h, p, (size_t)(nl - p));
        if (r < 0)
            return r;
        p = nl + 1;
    }
    for (size_t i = 0; (value = field(h, i, &key)); i++)
        if (!*value)
            return -EBADMSG;
    return 0;
}

int handoff_parse(const char *text, size_t len, struct handoff *ret)
{
    struct handoff h = { 0 };
    int r = parse_lines(&h, text, len);
    if (r < 0) {
        handoff_done(&h);
        return r;
    }
    *ret = h;
    return 0;
}

void handoff_done(struct handoff *h)
{
    const char *key;
    char **value;

    for (size_t i = 0; (value = field(h, i, &key)); i++)
        free(*value);
    free(h->overlay);
    strv_free(h->modules);
    *h = (struct handoff){ 0 };
}
