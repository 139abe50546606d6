#!/usr/bin/env python3
"""A syslinux.cfg whose APPEND line has every hopboot.* key malformed: one warning line per
word, naming it and the value used instead, and the newest good image still boots.

Card: Demo-1.0.0 and Demo-1.1.0; after mkcard's own hopboot.name=Demo the APPEND line
carries the words of BAD_WORDS below.  Each gives exactly the warning next to it, in
order, before "looking for Demo images"; hopboot.src is checked when the sources are
used, so its line (from main.c) comes after that.  Then every default is seen at work:
the name Demo, the card found by looking for syslinux.cfg, no rescue shell, 3 trial boots
("trial boot 1 of 3"), Demo-1.1.0 checked by sha1 and booted at log level 6 (the
"booting" line is informational) with kexec_file_load (no kexec-tools line), the keydisk
kd.img in stage 2, and no hopboot.* word reaching the OS.
"""

import re
import sys

sys.dont_write_bytecode = True
import badinput  # noqa: E402
import qemuboot  # noqa: E402

CARD_AUTO = "the vfat partition holding syslinux.cfg"
BAD_WORDS = [
    ("hopboot.name=a/b", "hopboot.name=a/b: a name cannot contain '/' or control characters, using Demo"),
    ("hopboot.card=LABEL=", f"hopboot.card=LABEL=: expected LABEL=NAME, UUID=UUID or /dev/NAME, using {CARD_AUTO}"),
    ("hopboot.card=sda1", f"hopboot.card=sda1: expected LABEL=NAME, UUID=UUID or /dev/NAME, using {CARD_AUTO}"),
    ("hopboot.keydisk=UUID=", "hopboot.keydisk=UUID=: expected a file on the card, LABEL=NAME, UUID=UUID, "
                              "/dev/NAME or none, optionally followed by ,required, using kd.img"),
    ("hopboot.src=gopher://10.0.2.2/", None),     # checked by main.c, see SRC_LINE
    ("hopboot.netdev=eth0/1", "hopboot.netdev=eth0/1: not an interface name, using the first interface with a link"),
    ("hopboot.ca=", "hopboot.ca=: missing value, using no extra certificates"),
    ("hopboot.overlay=nfs://10.0.2.2/o.tar.gz", "hopboot.overlay=nfs://10.0.2.2/o.tar.gz: expected the http, https, "
                                                "ftp or tftp URL of a file, using no overlay"),
    ("hopboot.kexec=magic", "hopboot.kexec=magic: expected auto, syscall or tools, using auto"),
    ("hopboot.wait=soon", "hopboot.wait=soon: expected seconds (0-3600), using 15"),
    ("hopboot.wait=-1", "hopboot.wait=-1: expected seconds (0-3600), using 15"),
    ("hopboot.tries=many", "hopboot.tries=many: expected a number of trial boots (0-100), using 3"),
    ("hopboot.verify=md5", "hopboot.verify=md5: expected sha1, sha256 or signed, using sha1"),
    ("hopboot.loglevel=9", "hopboot.loglevel=9: expected a level 0-7, using 6"),
    ("hopboot.rescue=yes", "hopboot.rescue=yes: hopboot.rescue takes no value, ignored"),
    ("hopboot.frobnicate=1", "hopboot.frobnicate=1: unknown key, ignored"),
]
SRC_LINE = ("hopboot.src=gopher://10.0.2.2/: not a list of card, LABEL=, UUID=, /dev/ "
            "and http, https, ftp, tftp or nfs URLs; using the card")


def main(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    append = " ".join(["demo.poweroff", *(word for word, _ in BAD_WORDS)])
    card = ctx.make_card(images.values(), append=append)
    with ctx.boot(card) as q:
        qemuboot.expect_demo_boot(q, "1.1.0")
        qemuboot.expect_poweroff(q)
        q.assert_seen(r"Kernel command line: .*hopboot\.frobnicate=1")  # the whole APPEND line arrived
        badinput.check_lines(q, [
            *(rf"^hopboot: {re.escape(warning)}$" for _, warning in BAD_WORDS if warning),
            r"^hopboot: hopboot \S+, looking for Demo images$",
            rf"^hopboot: {re.escape(SRC_LINE)}$",
            r"^hopboot: card /dev/sda1 mounted read-only$",
            r"^hopboot: candidates: Demo-1\.1\.0\.img Demo-1\.0\.0\.img$",
            r"^hopboot: Demo-1\.1\.0\.img: trial boot 1 of 3\b",
            r"^hopboot: booting Demo-1\.1\.0 from card \(sha1 ok",
            r"^hopboot-stage2: root is Demo-1\.1\.0\.img \+ keydisk kd\.img$"])
        q.expect_not(r"kexec-tools")
        q.expect_not(r"rescue shell")
        # One line per bad word, no more: every hopboot: line that names a hopboot.* word.
        # (hopboot.src's comes last: it is checked when the sources are used.)
        named = re.findall(r"^hopboot: (hopboot\.\S*?): ", badinput.without_kernel_lines(q.output), re.MULTILINE)
        expected = [word for word, warning in BAD_WORDS if warning]
        expected += [word for word, warning in BAD_WORDS if not warning]
        if named != expected:
            q.fail(f"warning lines name {named}, expected one each for {expected}")

if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
