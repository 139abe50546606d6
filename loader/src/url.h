/* url.h - where images come from: the hopboot.src= list ("card", a block device
 * LABEL=x, UUID=x or /dev/x, http://, https://, ftp://, tftp://, nfs://host[:port]/path), and the ${mac}, ${ip}, ${hostname}, ${uuid}
 * templates that make per-machine URLs.  Pure: no I/O, no logging. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum url_scheme {
    URL_CARD,
    URL_BLOCK, /* a block device: LABEL=x, UUID=x or /dev/x */
    URL_HTTP,
    URL_HTTPS,
    URL_FTP,
    URL_TFTP,
    URL_NFS,
};

struct url {
    enum url_scheme scheme;
    char *text;      /* the whole URL as given ("card" for the card, "LABEL=x" for a device) */
    char *host;      /* NULL for the card and block devices */
    unsigned port;   /* 0: the scheme's default */
    char *path;      /* "/images/" or "/images/Demo-1.1.0.img"; starts with '/' */
    bool names_image; /* the path names one image (ends in ".img"), else a directory */
};

/* Parse one source.  Returns 0 and fills *ret (free with url_done); -EINVAL for an
 * unknown scheme, an empty host, a bad port, a missing path, or characters that are not
 * allowed in a URL (whitespace, control characters, quotes, backslash). */
int url_parse(const char *text, struct url *ret);

/* Parse a comma-separated hopboot.src= list ("http://a/,http://b/,card").  Returns 0 and
 * an array (*ret_urls, *ret_n; free with url_free_array), or the first error of url_parse
 * (-EINVAL also for an empty list or an empty element). */
int url_parse_list(const char *text, struct url **ret_urls, size_t *ret_n);

/* The directory part of U's path, with a trailing '/', and the image's file name when U
 * names one (else *ret_file is NULL).  Returns 0 or -ENOMEM. */
int url_split(const struct url *u, char **ret_dir, char **ret_file);

/* The default port of a scheme (80, 443, 21, 69, 2049; 0 for the card). */
unsigned url_default_port(enum url_scheme scheme);

struct url_vars {
    const char *mac;      /* "52:54:00:12:34:56" */
    const char *ip;       /* "10.0.2.15" */
    const char *hostname;
    const char *uuid;     /* the machine's DMI product UUID */
};

/* Replace ${mac}, ${ip}, ${hostname} and ${uuid} in TEMPLATE.  Returns 0 and a malloc'd
 * string in *ret; -EINVAL for an unknown or unterminated ${...}; -ENODATA when a variable
 * is used whose value is unknown (NULL or empty) on this machine. */
int url_expand(const char *template, const struct url_vars *vars, char **ret);

void url_done(struct url *u);
void url_free_array(struct url *urls, size_t n);
