#!/usr/bin/env python3
"""An image whose kernel cannot build the union root is refused before kexec.

After kexec there is no way back to another candidate, so stage 1 checks that the
image's own kernel has what stage 2 needs (loop, overlay, the image's filesystem, vfat
for the card), built in or as a module.  Demo-1.2.0 is a demo root whose
/lib/modules lacks overlay.ko (depmod'ed again): the loader names the missing piece.
Demo-1.3.0's modules.dep makes overlay.ko the head of a chain of 1000 modules, each
needing the next (an image's modules.dep is untrusted input; walking it used to take
~24 KiB of PID 1's stack per module and crash the loader): it is refused with one line.
Demo-1.1.0 boots.
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


def deep_chain(root):
    dep = next((root / "lib" / "modules").iterdir()) / "modules.dep"
    lines = dep.read_text().splitlines()
    heads = [i for i, line in enumerate(lines) if line.startswith("kernel/fs/overlayfs/overlay.ko:")]
    if len(heads) != 1:
        raise qemuboot.TestFailure(f"expected one overlay.ko line in {dep}")
    lines[heads[0]] = "kernel/fs/overlayfs/overlay.ko: kernel/chain/m0.ko"
    lines += [f"kernel/chain/m{i}.ko: kernel/chain/m{i + 1}.ko" for i in range(999)] + ["kernel/chain/m999.ko:"]
    dep.write_text("\n".join(lines) + "\n")


def main(ctx):
    images = ctx.stage_demo("1.1.0")
    card = ctx.make_card([*images.values(), ctx.custom_demo("1.2.0", without_overlay),
                          ctx.custom_demo("1.3.0", deep_chain)])
    release = next((ctx.workdir / "rootfs-1.2.0" / "lib" / "modules").iterdir()).name
    with ctx.boot(card) as q:
        qemuboot.expect_rejected(q, "Demo-1.3.0.img", r"its modules\.dep chains more than 64 modules one after the other",
                                 "Demo-1.2.0.img")
        qemuboot.expect_rejected(q, "Demo-1.2.0.img",
                                 rf"its kernel has no overlay support \(not built in, not in /lib/modules/{qemuboot.re.escape(release)}",
                                 "Demo-1.1.0.img")
        qemuboot.expect_demo_boot(q, "1.1.0")
        qemuboot.expect_poweroff(q)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
