#!/usr/bin/env python3
"""hopboot skips an image whose .sha1 does not hold a checksum.

Card: Demo-1.0.0 and Demo-1.1.0, where Demo-1.1.0.img.sha1 says "not a
checksum".  The loader says "malformed checksum file" for 1.1.0, then boots
1.0.0.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def main(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    qemuboot.sha1_path(images["1.1.0"]).write_text("not a checksum\n")
    card = ctx.make_card(images.values())
    with ctx.boot(card) as q:
        qemuboot.expect_rejected(q, "Demo-1.1.0.img", "malformed checksum file", "Demo-1.0.0.img")
        qemuboot.expect_demo_boot(q, "1.0.0")
        qemuboot.expect_poweroff(q)
        q.expect_not(r"hopboot: booting Demo-1\.1\.0")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
