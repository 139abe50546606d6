#!/usr/bin/env python3
"""An image that failed its trial still boots when nothing else can.

Card: only Demo-1.0.0, built never to confirm its boot (it reboots instead),
hopboot.tries=1.
  boot 1  "Demo-1.0.0.img: trial boot 1 of 1"; the OS reboots unconfirmed.
  boot 2  "Demo-1.0.0.img: 1 trial boot ended without the OS confirming it
          (hopboot-bless), marked bad, no more images", then "no other image
          boots: trying Demo-1.0.0.img although it failed its trial boots",
          and it boots (no trial line), never the rescue shell: a box that runs
          beats one waiting at a console nobody sees.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def broken(root):
    (root / "etc" / "demo-broken").write_text("never confirms its boot\n")


def main(ctx):
    image = ctx.custom_demo("1.0.0", broken)
    card = ctx.make_card([image], append="hopboot.tries=1")
    with ctx.boot(card, log="boot1") as q:
        q.expect(r"hopboot: Demo-1\.0\.0\.img: trial boot 1 of 1,", qemuboot.LOADER_TIMEOUT)
        q.expect(r"HOPBOOT-DEMO broken", qemuboot.DEMO_TIMEOUT)
        qemuboot.expect_clean_exit(q)
    with ctx.boot(card, log="boot2") as q:
        qemuboot.expect_rejected(q, "Demo-1.0.0.img",
                                 r"1 trial boot ended without the OS confirming it \(hopboot-bless\), marked bad")
        q.expect(r"hopboot: no other image boots: trying Demo-1\.0\.0\.img although it failed its trial boots\s",
                 qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot: booting Demo-1\.0\.0 from card \(sha1 ok", qemuboot.LOADER_TIMEOUT)
        q.expect(r"HOPBOOT-DEMO broken", qemuboot.DEMO_TIMEOUT)
        qemuboot.expect_clean_exit(q)
        q.expect_not(r"hopboot: Demo-1\.0\.0\.img: trial boot")  # booted as a last resort, not counted
        q.expect_not(r"rescue shell")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
