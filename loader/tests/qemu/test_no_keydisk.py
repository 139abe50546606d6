#!/usr/bin/env python3
"""Without kd.img the OS still boots, on a tmpfs overlay.

Card made with --no-keydisk: stage 2 warns that the keydisk kd.img is not
found and Demo-1.1.0 boots with an overlay root.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def main(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    card = ctx.make_card(images.values(), keydisk=False)
    if "KD.IMG" in (name.upper() for name in qemuboot.card_list(card)):
        raise qemuboot.TestFailure("mkcard --no-keydisk still wrote kd.img")
    with ctx.boot(card) as q:
        qemuboot.expect_demo_boot(q, "1.1.0")
        q.assert_seen(r"hopboot-stage2: keydisk kd\.img not found\b")
        qemuboot.expect_poweroff(q)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
