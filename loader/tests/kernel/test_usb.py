#!/usr/bin/env python3
"""The small loader kernel boots an image from a USB stick named by its label.

A vfat "USB stick" labelled USBIMAGES (QEMU usb-storage on an xHCI controller)
holds Demo-1.1.0 (+ .sha1) in boot-images/; the card holds Demo-1.0.0 and
says hopboot.src=LABEL=USBIMAGES,card.  The loader (small kernel: xhci and
usb-storage built in) waits for the stick, which appears seconds after boot,
mounts it read-only, verifies the image into RAM and boots it; the image's
own kernel (Debian's cloud kernel, which has no USB storage driver) roots it
from RAM with the card's keydisk.  The stick's bytes are unchanged.
"""

import shutil
import sys

sys.dont_write_bytecode = True
import smallkernel  # noqa: E402
from smallkernel import qemuboot  # noqa: E402


def make_stick(ctx, files):
    stick = ctx.workdir / "usb.img"
    with open(stick, "wb") as f:
        f.truncate(64 << 20)
    qemuboot.run_tool(["mkfs.vfat", "-n", "USBIMAGES", stick], log=ctx.tool_log)
    env = {"MTOOLS_SKIP_CHECK": "1"}
    qemuboot.run_tool(["mmd", "-i", stick, "::boot-images"], env=env, log=ctx.tool_log)
    qemuboot.run_tool(["mcopy", "-i", stick, *files, "::boot-images/"], env=env, log=ctx.tool_log)
    return stick


def main(ctx):
    release = smallkernel.use(ctx)
    images = ctx.stage_demo("1.0.0", "1.1.0")
    new = images["1.1.0"]
    stick = make_stick(ctx, [new, new.with_name(new.name + ".sha1")])
    before = qemuboot.sha1_of(stick)
    card = ctx.make_card([images["1.0.0"]], append="hopboot.src=LABEL=USBIMAGES,card demo.poweroff")
    usb = ["-device", "qemu-xhci,id=xhci", "-drive", f"if=none,id=stick,format=raw,file={stick}",
           "-device", "usb-storage,bus=xhci.0,drive=stick"]
    with ctx.boot(card, extra_args=usb) as q:
        smallkernel.expect_loader_banner(q, release)
        q.expect(r"hopboot: LABEL=USBIMAGES: /dev/sd[a-z]1? mounted read-only\s")
        qemuboot.expect_candidates(q, "boot-images/Demo-1.1.0.img")
        qemuboot.expect_demo_boot(q, "1.1.0", source="LABEL=USBIMAGES")
        q.assert_seen(r"hopboot-stage2: root is Demo-1\.1\.0 \(in RAM\) \+ keydisk kd\.img\s")
        qemuboot.expect_poweroff(q)
    if qemuboot.sha1_of(stick) != before:
        raise qemuboot.TestFailure("the USB stick changed: hopboot must only read it")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
