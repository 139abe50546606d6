#!/usr/bin/env python3
"""A stock Debian 12 without systemd (sysvinit-core) boots, persists and shuts down clean.

Deb-1.0.0 is an mmdebstrap --variant=minbase root (sysvinit-core, udev, kmod,
linux-image-cloud-amd64) packed by images/mkimg, with nothing of hopboot's in it but
hopboot-bless and the test hook, started by a "once" line after rc 2 in /etc/inittab
(distro.py says how it is built and cached).  Card: Deb-1.0.0 and a fresh keydisk;
the same card boots twice.

Each boot: the card is mounted read-only at /media/card; the hook's counter in the
keydisk counts the boots (1, then 2: the keydisk keeps its data across a shutdown);
/etc/shadow is root:shadow 640 and /usr/sbin/unix_chkpwd root:shadow 2755 (mkimg kept
the packages' owners and modes); hopboot-bless confirms Deb-1.0.0.img (boot 1; boot 2:
already confirmed); /run/hopboot/status exists; the hook runs sysvinit's `poweroff`
(shutdown through rc 0, not poweroff -f) and QEMU exits by itself.  The console has
no FAILED or [FAIL] line and shows neither a card hopboot had to repair ("was not
cleanly unmounted", "fsck.fat repaired") nor an ext4 journal recovery of the keydisk
("recovery complete", "orphan").  On the host after each boot: fsck.fat -n finds the
card's FAT clean (no dirty bit), kd.img is a clean ext4 (no needs_recovery).

Every check is made and reported; the test fails at the end naming each one that did
not hold.
"""

import sys

sys.dont_write_bytecode = True
import distro  # noqa: E402
from distro import qemuboot  # noqa: E402


def main(ctx):
    images = distro.images(ctx, "sysvinit", "1.0.0")
    card = distro.make_card(ctx, [images["1.0.0"]])
    checks = distro.Checks()

    with ctx.boot(card, log="boot1", hard_timeout=distro.BOOT_HARD_TIMEOUT) as q:
        distro.expect_boot(q, checks, "1.0.0", init="sysvinit", counter=1, candidates=["Deb-1.0.0.img"], trial=1)
    distro.check_card(ctx, card, checks, "boot1")

    with ctx.boot(card, log="boot2", hard_timeout=distro.BOOT_HARD_TIMEOUT) as q:
        distro.expect_boot(q, checks, "1.0.0", init="sysvinit", counter=2, candidates=["Deb-1.0.0.img"])
    distro.check_card(ctx, card, checks, "boot2")
    checks.finish()


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
