#!/usr/bin/env python3
"""hopboot skips an image whose bytes do not match its .sha1.

Card: Demo-1.0.0 and Demo-1.1.0, where 1.1.0 has 4 KiB in its middle inverted
and keeps its original .sha1.  The loader says "checksum mismatch" for 1.1.0,
then boots 1.0.0.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def main(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    qemuboot.corrupt_middle(images["1.1.0"])
    card = ctx.make_card(images.values())
    with ctx.boot(card) as q:
        qemuboot.expect_rejected(q, "Demo-1.1.0.img", "checksum mismatch", "Demo-1.0.0.img")
        qemuboot.expect_demo_boot(q, "1.0.0")
        qemuboot.expect_poweroff(q)
        q.expect_not(r"hopboot: booting Demo-1\.1\.0")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
