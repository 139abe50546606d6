#!/usr/bin/env python3
"""A keydisk that cannot serve costs persistence, not the boot, and is left untouched.

Two cards with Demo-1.0.0 and Demo-1.1.0: one whose kd.img is 2 MiB of random bytes, one
whose kd.img is a FAT filesystem (it would mount, but overlayfs cannot use it and stage 2
must not write to it).  Each time stage 2 says why the keydisk is not used, 1.1.0 boots
on an overlay with a tmpfs upper layer, and kd.img keeps exactly the bytes it had.
With hopboot.keydisk=required the random keydisk stops the boot instead: stage 2 says why
and starts a working shell, the OS never starts, leaving the shell reboots, and kd.img
is still untouched.
"""

import os
import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def boot_with_keydisk(ctx, images, keydisk, why):
    card = ctx.make_card(images.values(), card=f"card-{keydisk.stem}.img", keydisk=keydisk)
    before = ctx.workdir / f"{keydisk.stem}-before"
    qemuboot.card_extract(card, "kd.img", before)
    with ctx.boot(card, log=keydisk.stem) as q:
        qemuboot.expect_demo_boot(q, "1.1.0")
        q.assert_seen(rf"hopboot-stage2: keydisk kd\.img does not mount \({why}\), "
                      r"changes will not persist \(tmpfs overlay\)\s")
        q.assert_seen(r"hopboot-stage2: root is Demo-1\.1\.0\.img \+ tmpfs\s")
        qemuboot.expect_poweroff(q)
    after = ctx.workdir / f"{keydisk.stem}-after"
    qemuboot.card_extract(card, "kd.img", after)
    if qemuboot.sha1_of(after) != qemuboot.sha1_of(before):
        raise qemuboot.TestFailure(f"kd.img ({keydisk.stem}) changed although it was not used")


def required_keydisk(ctx, images, keydisk):
    card = ctx.make_card(images.values(), card="card-required.img", keydisk=keydisk,
                         append="hopboot.keydisk=required demo.poweroff")
    before = qemuboot.sha1_of(qemuboot.card_extract(card, "kd.img", ctx.workdir / "required-before"))
    with ctx.boot(card, log="required") as q:
        q.expect(r"hopboot: booting Demo-1\.1\.0 from card")
        q.expect(r"hopboot-stage2: keydisk kd\.img is required \(hopboot\.keydisk=kd\.img,required\) and cannot "
                 r"be used \(no filesystem recognised\): starting a rescue shell, leaving it reboots\s")
        q.expect(r"# ", 60)
        q.send("echo keydisk-rescue-$((6*7))")
        q.expect(r"^keydisk-rescue-42$", 60)
        q.send("exit")
        q.wait_exit()
        q.expect_not(r"HOPBOOT-DEMO name=")
    after = qemuboot.sha1_of(qemuboot.card_extract(card, "kd.img", ctx.workdir / "required-after"))
    if after != before:
        raise qemuboot.TestFailure("kd.img changed although the rescue shell only looked")


def main(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    garbage = ctx.workdir / "garbage.img"
    garbage.write_bytes(os.urandom(2 << 20))
    boot_with_keydisk(ctx, images, garbage, "no filesystem recognised")
    required_keydisk(ctx, images, garbage)
    fat = ctx.workdir / "fat.img"
    qemuboot.run_tool(["mkfs.vfat", "-C", str(fat), "4096"], log=ctx.tool_log)
    boot_with_keydisk(ctx, images, fat, "not an ext2/ext3/ext4 filesystem")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
