#!/usr/bin/env python3
"""hopboot boots the newest image on the card.

Card: Demo-1.0.0 and Demo-1.1.0 (both with .sha1), APPEND demo.poweroff.
The loader lists both newest first and boots 1.1.0; the demo OS sees name and
version 1.1.0, hopboot.booted/hopboot.from, an overlay root, the image's
/boot/cmdline and the OS arguments from syslinux.cfg, and no other hopboot.*
key; then it powers off and QEMU exits by itself.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def main(ctx):
    ctx.card_bus = "ide"  # the card on IDE (ata_piix, a module of Debian's kernel), as a CompactFlash card
    images = ctx.stage_demo("1.0.0", "1.1.0")
    card = ctx.make_card(images.values())
    with ctx.boot(card) as q:
        qemuboot.expect_candidates(q, "Demo-1.1.0.img", "Demo-1.0.0.img")
        qemuboot.expect_demo_boot(q, "1.1.0")
        qemuboot.expect_poweroff(q)
        q.expect_not(r"HOPBOOT-DEMO name=Demo version=1\.0\.0")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
