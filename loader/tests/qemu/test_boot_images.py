#!/usr/bin/env python3
"""altboot's boot-images/ folder on the card.

Card: Demo-1.0.0 at the top, Demo-1.1.0 (+ .sha1) in boot-images/, a keydisk.
hopboot lists both, newest first (the one in the folder named with it), counts
a trial boot for boot-images/Demo-1.1.0.img and boots it in place: stage 2
loop-mounts it from /media/card/boot-images/ (not from RAM), and hopboot-bless
in the demo OS confirms it under its file name, as for an image at the top.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def main(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    card = ctx.make_card([images["1.0.0"]])
    target = f"{card}@@{qemuboot.PARTITION_OFFSET}"
    qemuboot.run_tool(["mmd", "-i", target, "::boot-images"], log=ctx.tool_log)
    qemuboot.run_tool(["mcopy", "-i", target, images["1.1.0"], f"{images['1.1.0']}.sha1", "::boot-images/"],
                      log=ctx.tool_log)
    with ctx.boot(card) as q:
        qemuboot.expect_candidates(q, "boot-images/Demo-1.1.0.img", "Demo-1.0.0.img")
        q.expect(r"hopboot: boot-images/Demo-1\.1\.0\.img: trial boot 1 of 3, until the OS confirms it")
        qemuboot.expect_demo_boot(q, "1.1.0")
        q.assert_seen(r"hopboot-stage2: root is boot-images/Demo-1\.1\.0\.img \+ keydisk kd\.img\s")
        q.expect(r"hopboot-bless: Demo-1\.1\.0\.img confirmed")
        q.expect(r"HOPBOOT-DEMO blessed")
        qemuboot.expect_poweroff(q)
    # Confirmed under its name: the next boot is no trial.
    with ctx.boot(card, log="boot2") as q:
        qemuboot.expect_candidates(q, "boot-images/Demo-1.1.0.img", "Demo-1.0.0.img")
        qemuboot.expect_demo_boot(q, "1.1.0")
        q.expect_not(r"trial boot")
        qemuboot.expect_poweroff(q)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
