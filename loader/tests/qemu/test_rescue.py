#!/usr/bin/env python3
"""With no bootable image hopboot opens a rescue shell instead of panicking.

Card: Demo-1.0.0 and Demo-1.1.0, both corrupted (original .sha1 kept).  The
loader rejects both, says it starts a rescue shell, and the shell at
"hopboot-rescue# " evaluates what is typed.  No demo OS ever runs.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def main(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    for image in images.values():
        qemuboot.corrupt_middle(image)
    card = ctx.make_card(images.values())
    give_up_on = (r"Kernel panic", r"hopboot: no boot card found", r"HOPBOOT-DEMO")
    with ctx.boot(card, give_up_on=give_up_on) as q:
        qemuboot.expect_rejected(q, "Demo-1.1.0.img", "checksum mismatch", "Demo-1.0.0.img")
        qemuboot.expect_rejected(q, "Demo-1.0.0.img", "checksum mismatch")
        qemuboot.expect_rescue(q)
        q.expect_not(r"HOPBOOT-DEMO")
        q.expect_not(r"hopboot: booting ")
        q.expect_not(r"Kernel panic")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
