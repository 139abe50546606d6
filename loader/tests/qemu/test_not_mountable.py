#!/usr/bin/env python3
"""hopboot skips an image that is not a filesystem.

Card: Demo-1.0.0, Demo-1.1.0 and Demo-1.2.0, 4 MiB of random bytes with a
correct .sha1.  The loader says "does not mount" for 1.2.0, then boots 1.1.0.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def main(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    images["1.2.0"] = qemuboot.make_random_image(ctx.image_path("1.2.0"))
    card = ctx.make_card(images.values())
    with ctx.boot(card) as q:
        qemuboot.expect_rejected(q, "Demo-1.2.0.img", "does not mount", "Demo-1.1.0.img")
        qemuboot.expect_demo_boot(q, "1.1.0")
        qemuboot.expect_poweroff(q)
        q.expect_not(r"hopboot: booting Demo-1\.2\.0")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
