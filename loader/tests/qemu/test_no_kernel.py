#!/usr/bin/env python3
"""hopboot skips an image that has no kernel in it.

Card: Demo-1.0.0, Demo-1.1.0 and Demo-1.2.0, a valid squashfs with a correct
.sha1 but no /boot/vmlinuz or /boot/bzImage.  The loader says "no kernel at
/boot/vmlinuz or /boot/bzImage" for 1.2.0, then boots 1.1.0.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def main(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    images["1.2.0"] = qemuboot.make_kernelless_image(ctx.image_path("1.2.0"), ctx.workdir)
    card = ctx.make_card(images.values())
    with ctx.boot(card) as q:
        qemuboot.expect_rejected(q, "Demo-1.2.0.img", r"no kernel at /boot/vmlinuz or /boot/bzImage",
                                 "Demo-1.1.0.img")
        qemuboot.expect_demo_boot(q, "1.1.0")
        qemuboot.expect_poweroff(q)
        q.expect_not(r"hopboot: booting Demo-1\.2\.0")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
