/* cmdline.h - the kernel command line: hopboot.* keys for the loader, everything else for
 * the OS.  Pure: problems are returned as warning strings for the caller to print. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum kexec_method {
    KEXEC_METHOD_AUTO,    /* kexec_file_load, kexec-tools when the syscall is missing or refused */
    KEXEC_METHOD_SYSCALL, /* kexec_file_load only */
    KEXEC_METHOD_TOOLS,   /* kexec-tools only */
};

/* Weakest first: hopboot.verify= words can only move up this list. */
enum verify_mode {
    VERIFY_SHA1,   /* NAME.img.sha1: detects corruption (the mission's cards) */
    VERIFY_SHA256, /* NAME.img.sha256: the same, with a hash that has no practical collisions */
    VERIFY_SIGNED, /* NAME.img.minisig by a key built into the initramfs: authenticity */
};

/* The weakest check this build accepts (cmake -DHOPBOOT_MIN_VERIFY=sha1|sha256|signed):
 * every command line starts from it. */
#ifndef HOPBOOT_MIN_VERIFY
#define HOPBOOT_MIN_VERIFY VERIFY_SHA1
#endif

/* hopboot.keydisk=WHERE,required ("required" alone: kd.img): a keydisk that cannot be used
 * stops the boot in stage 2 with a rescue shell instead of running the OS on a tmpfs.  The
 * config and the hand-off keep the suffix on the keydisk's value. */
#define CMDLINE_KEYDISK_REQUIRED ",required"

/* hopboot.timeout.fetch= when not given: half an hour for one image (1 GiB at 600 KiB/s),
 * so a server that trickles just above the low-speed limit cannot hold the boot for days. */
#define CMDLINE_FETCH_TIMEOUT_DEFAULT 1800

/* hopboot.timeout.source= when not given: an hour for everything one network source does
 * (its listing, checksums and every candidate it offers), so a server that trickles
 * cannot take the fetch limit once per candidate. */
#define CMDLINE_SOURCE_TIMEOUT_DEFAULT 3600

/* Whether KEYDISK (a config's or hand-off's keydisk value) ends in CMDLINE_KEYDISK_REQUIRED.
 * With RET_PLACE, *ret_place gets the value without it (malloc'd; NULL when out of memory). */
bool cmdline_keydisk_required(const char *keydisk, char **ret_place);

struct config {
    char *name;            /* hopboot.name=  image name prefix */
    char *card;            /* hopboot.card=  LABEL=x, UUID=x or /dev/x; NULL: the vfat with syslinux.cfg */
    char *keydisk;         /* hopboot.keydisk= path on the card, LABEL=, UUID= or "none", with
                            * CMDLINE_KEYDISK_REQUIRED at the end when it must be used */
    char *src;             /* hopboot.src= comma-separated sources: "card" and URLs; default "card" */
    char *netdev;          /* hopboot.netdev= interface for network sources; NULL: the first with a link */
    char *ca;              /* hopboot.ca= more CA certificates for https: a path on the card, or
                            * absolute in the initramfs; added to the initramfs bundle */
    char *ip;              /* ip= (the kernel's syntax, also passed on to the OS); NULL: DHCP */
    char *overlay;         /* hopboot.overlay= URL (${mac} etc. not yet expanded) of a .tar.gz that
                            * stage 2 unpacks onto the root; NULL: none */
    char *aoe;             /* hopboot.aoe= comma-separated interfaces for AoE discovery; NULL: no AoE */
    bool md_auto;          /* hopboot.md=auto: assemble software RAID with mdadm; none (default): not */
    bool rescue;           /* hopboot.rescue  straight to the rescue shell */
    int log_level;         /* syslog level; "quiet" lowers it to LOG_WARNING, hopboot.loglevel= sets it */
    unsigned wait_seconds; /* hopboot.wait=  how long to wait for the card to appear */
    enum kexec_method kexec; /* hopboot.kexec=auto|syscall|tools */
    unsigned tries;          /* hopboot.tries=  trial boots of an unconfirmed image; 0: off */
    unsigned menu_timeout;   /* hopboot.timeout=  seconds the boot menu counts down; 0: no menu */
    unsigned fetch_timeout;  /* hopboot.timeout.fetch=  seconds one network download may take in
                              * all, retries included; 0: no limit */
    unsigned source_timeout; /* hopboot.timeout.source=  seconds one network source may take in
                              * all; 0: no limit */
    enum verify_mode verify; /* hopboot.verify=sha1|sha256|signed */
    char **os_args;        /* NULL-terminated: words passed on to the OS kernel */
    size_t n_os_args;
    char **warnings;       /* NULL-terminated: one sentence per unknown key or bad value */
    size_t n_warnings;
};

/* Split TEXT into words the way the kernel's next_arg() does: whitespace outside double
 * quotes separates; a quote opening the word or its value (after the first '=') and the
 * word's final quote are removed ("a=\"b c\"" is the word a=b c), inner quotes stay
 * (a=b"c d"e stays as it is).  Empty words are dropped; an unterminated quote runs to the end.
 * On success *ret_words is a NULL-terminated array (strv_free) of *ret_n words.
 * Returns 0 or -ENOMEM. */
int cmdline_split(const char *text, char ***ret_words, size_t *ret_n);

/* Parse a kernel command line into *ret, starting from the defaults (DEFAULT_NAME, card
 * auto, keydisk kd.img, source card, level info, 15 s wait, kexec auto, 3 trial boots,
 * sha1, a 3 s menu).  syslinux's own BOOT_IMAGE= and
 * initrd= and the initramfs-only rdinit= are dropped; other words go to os_args.
 * Unknown hopboot.* keys and bad or missing values become one warning each, naming the
 * word and, for a bad value, the value kept instead: the default, or what an earlier word
 * set ("hopboot.wait=soon: expected seconds (0-3600), using 15").  hopboot.verify= can
 * only raise the check: a weaker mode than the one in effect (the build's minimum,
 * HOPBOOT_MIN_VERIFY, or an earlier word) is a warning and changes nothing.  Under
 * hopboot.verify=signed an init= word is dropped from os_args with a warning.
 * Returns 0 or -ENOMEM; free with config_done(). */
int cmdline_parse(const char *text, const char *default_name, struct config *ret);

/* cmdline_parse() with MINIMUM as the check to start from instead of the build's. */
int cmdline_parse_at_least(const char *text, const char *default_name, enum verify_mode minimum, struct config *ret);

/* Join N words into one command line that cmdline_split reads back as the same words:
 * words with whitespace become key="value" or "word", a leading quote is kept by doubling
 * it.  Returns 0 and a malloc'd string in *ret, -ENOMEM, or -EINVAL when a word has no
 * form that the kernel's splitting reads back unchanged (none is known; the fuzzer checks
 * that -EINVAL comes only with such a word). */
int cmdline_join(char *const *words, size_t n, char **ret);

/* The hopboot.verify= word for MODE: "sha1", "sha256", "signed". */
const char *cmdline_verify_name(enum verify_mode mode);

/* Free what CONFIG owns and reset it to zeroes. */
void config_done(struct config *config);
