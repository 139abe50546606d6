#!/usr/bin/env python3
"""A keydisk that does not mount costs persistence, not the boot, and is left untouched.

Card: Demo-1.0.0 and Demo-1.1.0 with a kd.img of 2 MiB of random bytes.  Stage 2 says
the keydisk does not mount, 1.1.0 boots on an overlay with a tmpfs upper layer, and
afterwards kd.img on the card has exactly the bytes it had before.
"""

import os
import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def main(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    garbage = ctx.workdir / "garbage-kd.img"
    garbage.write_bytes(os.urandom(2 << 20))
    card = ctx.make_card(images.values(), keydisk=garbage)
    before = ctx.workdir / "kd-before.img"
    qemuboot.card_extract(card, "kd.img", before)
    with ctx.boot(card) as q:
        qemuboot.expect_demo_boot(q, "1.1.0")
        q.assert_seen(r"hopboot-stage2: keydisk kd\.img does not mount \(no filesystem recognised\), "
                      r"changes will not persist \(tmpfs overlay\)\s")
        q.assert_seen(r"hopboot-stage2: root is Demo-1\.1\.0\.img \+ tmpfs\s")
        qemuboot.expect_poweroff(q)
    after = ctx.workdir / "kd-after.img"
    qemuboot.card_extract(card, "kd.img", after)
    if qemuboot.sha1_of(after) != qemuboot.sha1_of(before):
        raise qemuboot.TestFailure("kd.img changed although it never mounted")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
