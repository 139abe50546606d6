#!/usr/bin/env python3
"""The small loader kernel boots the newest image from the card.

Card: the small loader kernel and its lean initramfs (made by kernel.build) as
bzImage and initrd.img, Demo-1.0.0 and Demo-1.1.0 (with .sha1), a keydisk,
APPEND demo.poweroff.  The console's first kernel is the small one; with every
driver built in and no /lib/modules, hopboot still finds the card on IDE
(ata_piix), checks it with fsck.fat, lists both images newest first, verifies
and kexecs into Demo-1.1.0's own (Debian) kernel; stage 2 builds the overlay
root and the demo OS comes up and powers off.
"""

import sys

sys.dont_write_bytecode = True
import smallkernel  # noqa: E402
from smallkernel import qemuboot  # noqa: E402


def main(ctx):
    release = smallkernel.use(ctx)
    images = ctx.stage_demo("1.0.0", "1.1.0")
    card = ctx.make_card(images.values())
    with ctx.boot(card) as q:
        smallkernel.expect_loader_banner(q, release)
        qemuboot.expect_candidates(q, "Demo-1.1.0.img", "Demo-1.0.0.img")
        qemuboot.expect_demo_boot(q, "1.1.0")
        q.assert_seen(r"hopboot-stage2: root is Demo-1\.1\.0\.img \+ keydisk kd\.img\s")
        qemuboot.expect_poweroff(q)
        q.expect_not(r"HOPBOOT-DEMO name=Demo version=1\.0\.0")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
