#!/usr/bin/env python3
"""A stock Debian 12 with systemd boots, persists, upgrades and shuts down clean.

Deb-1.0.0 and Deb-1.1.0 are mmdebstrap --variant=minbase roots (systemd-sysv, udev,
kmod, linux-image-cloud-amd64) packed by images/mkimg, with nothing of hopboot's in
them but hopboot-bless and the test hook (distro.py says how they are built and
cached).  Card: Deb-1.0.0 and a fresh keydisk.

Boot 1: systemd reaches "running"; the card is mounted read-only at /media/card; the
hook's counter in the keydisk is 1; /etc/shadow is root:shadow 640 and
/usr/sbin/unix_chkpwd root:shadow 2755 (mkimg kept the packages' owners and modes);
hopboot-bless confirms Deb-1.0.0.img; /run/hopboot/status exists; the hook runs
`systemctl poweroff`, systemd hands over to stage 2's /run/initramfs/shutdown, which
says it unmounted everything, and QEMU exits by itself.  The console has no FAILED
line, no "Failed to finalize" of systemd-shutdown, no dirty card or keydisk.  On the host:
fsck.fat -n finds the card's FAT clean (no dirty bit), kd.img is a clean ext4 (no
needs_recovery).

Upgrade: Deb-1.1.0.img and its .sha1 are copied onto the card from the host (mtools).

Boot 2: the loader lists Deb-1.1.0 before Deb-1.0.0 and boots 1.1.0 on trial; the
counter is 2 (the keydisk's data survived the upgrade); everything of boot 1 holds
again, and the console shows neither a card hopboot had to repair ("was not cleanly
unmounted", "fsck.fat repaired") nor an ext4 journal recovery of the keydisk
("recovery complete", "orphan"); the same host-side checks after the poweroff.

Every check is made and reported; the test fails at the end naming each one that did
not hold.
"""

import sys

sys.dont_write_bytecode = True
import distro  # noqa: E402
from distro import qemuboot  # noqa: E402


def main(ctx):
    images = distro.images(ctx, "systemd", "1.0.0", "1.1.0")
    upgrade = images["1.1.0"]
    card = distro.make_card(ctx, [images["1.0.0"]], room_for=[upgrade])
    checks = distro.Checks()

    with ctx.boot(card, log="boot1", hard_timeout=distro.BOOT_HARD_TIMEOUT) as q:
        distro.expect_boot(q, checks, "1.0.0", init="systemd", counter=1, candidates=["Deb-1.0.0.img"], trial=1)
    distro.check_card(ctx, card, checks, "boot1")

    qemuboot.card_copy(card, upgrade, qemuboot.sha1_path(upgrade), log=ctx.tool_log)

    with ctx.boot(card, log="boot2", hard_timeout=distro.BOOT_HARD_TIMEOUT) as q:
        distro.expect_boot(q, checks, "1.1.0", init="systemd", counter=2,
                           candidates=["Deb-1.1.0.img", "Deb-1.0.0.img"], trial=1)
    distro.check_card(ctx, card, checks, "boot2")
    checks.finish()


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
