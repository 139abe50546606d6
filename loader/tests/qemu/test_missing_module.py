#!/usr/bin/env python3
"""An image whose kernel cannot build the union root is refused before kexec.

After kexec there is no way back to another candidate, so stage 1 checks that the
image's own kernel has what stage 2 needs (loop, overlay, the image's filesystem, vfat
for the card), built in or as a module.  Demo-1.2.0 is a demo root whose
/lib/modules lacks overlay.ko (depmod'ed again): the loader names the missing piece
and boots Demo-1.1.0 instead.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def without_overlay(root):
    modules = next((root / "lib" / "modules").iterdir())
    overlay = list(modules.rglob("overlay.ko*"))
    if len(overlay) != 1:
        raise qemuboot.TestFailure(f"expected one overlay module in the demo root, found {overlay}")
    overlay[0].unlink()
    qemuboot.run_tool(["depmod", "-b", root, modules.name])


def main(ctx):
    images = ctx.stage_demo("1.1.0")
    card = ctx.make_card([*images.values(), ctx.custom_demo("1.2.0", without_overlay)])
    release = next((ctx.workdir / "rootfs-1.2.0" / "lib" / "modules").iterdir()).name
    with ctx.boot(card) as q:
        qemuboot.expect_rejected(q, "Demo-1.2.0.img",
                                 rf"its kernel has no overlay support \(not built in, not in /lib/modules/{qemuboot.re.escape(release)}",
                                 "Demo-1.1.0.img")
        qemuboot.expect_demo_boot(q, "1.1.0")
        qemuboot.expect_poweroff(q)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
