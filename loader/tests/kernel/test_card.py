#!/usr/bin/env python3
"""The small loader kernel boots the newest image from the card, after checking the card
with fsck.fat.

Card: the small loader kernel and its lean initramfs (made by kernel.build) as
bzImage and initrd.img, Demo-1.0.0 and Demo-1.1.0 (with .sha1), a keydisk,
APPEND demo.poweroff, and its vfat partition marked dirty on the host, as a power
cut leaves it (`fsck.fat -n` on the host finds that).  The console's first kernel
is the small one; with every driver built in and no /lib/modules, hopboot still
finds the card on IDE (ata_piix), checks it with the lean initramfs's fsck.fat
("fsck.fat repaired it"), so the card is writable and Demo-1.1.0's first trial boot
is counted ("trial boot 1 of 3"), lists both images newest first, verifies and
kexecs into Demo-1.1.0's own (Debian) kernel; stage 2 builds the overlay root and
the demo OS comes up and powers off.  Afterwards `fsck.fat -n` on the host finds
the card's filesystem sound (a dirty flag aside, which is no damage: an OS that had
the card read-write until power-off leaves it, doc/design-notes.md).
"""

import subprocess
import sys

sys.dont_write_bytecode = True
import smallkernel  # noqa: E402
from smallkernel import check, qemuboot  # noqa: E402

FAT32_STATE = 0x41      # the FAT32 boot sector's state byte; bit 0 is Linux's dirty flag


def partition_copy(ctx, card, name):
    """The card's vfat partition (from qemuboot.PARTITION_OFFSET on) as workdir/NAME."""
    out = ctx.workdir / name
    with open(card, "rb") as source, open(out, "wb") as target:
        source.seek(qemuboot.PARTITION_OFFSET)
        while chunk := source.read(1 << 20):
            if chunk.count(0) == len(chunk):
                target.seek(len(chunk), 1)      # sparse: most of the card is empty
            else:
                target.write(chunk)
        target.truncate()
    return out


def set_dirty(path, offset, dirty):
    with open(path, "r+b") as handle:
        handle.seek(offset + FAT32_STATE)
        state = handle.read(1)[0]
        handle.seek(offset + FAT32_STATE)
        handle.write(bytes([state | 1 if dirty else state & ~1]))


def fsck_check(path):
    """`fsck.fat -n` (check, change nothing) on PATH: (status, output)."""
    result = subprocess.run(["fsck.fat", "-n", path], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    qemuboot.note(f"fsck.fat -n {path.name}: status {result.returncode}\n{result.stdout.rstrip()}")
    return result.returncode, result.stdout


def main(ctx):
    release = smallkernel.use(ctx)
    images = ctx.stage_demo("1.0.0", "1.1.0")
    card = ctx.make_card(images.values())
    status, output = fsck_check(partition_copy(ctx, card, "fresh.img"))
    check(status == 0, "fsck.fat -n finds the fresh card sound", output)
    set_dirty(card, qemuboot.PARTITION_OFFSET, True)
    status, output = fsck_check(partition_copy(ctx, card, "dirty.img"))
    check(status == 1 and "Dirty bit is set" in output, "fsck.fat -n finds the card dirty, as a power cut leaves it",
          output)
    with ctx.boot(card) as q:
        smallkernel.expect_loader_banner(q, release)
        q.expect(r"hopboot: card /dev/\S+ was not cleanly unmounted: fsck\.fat repaired it\n", qemuboot.LOADER_TIMEOUT)
        qemuboot.expect_candidates(q, "Demo-1.1.0.img", "Demo-1.0.0.img")
        q.expect(r"hopboot: Demo-1\.1\.0\.img: trial boot 1 of 3,", qemuboot.LOADER_TIMEOUT)
        qemuboot.expect_demo_boot(q, "1.1.0")
        q.assert_seen(r"hopboot-stage2: root is Demo-1\.1\.0\.img \+ keydisk kd\.img\s")
        qemuboot.expect_poweroff(q)
        q.expect_not(r"HOPBOOT-DEMO name=Demo version=1\.0\.0")
        q.expect_not(r"hopboot: card \S+: (fsck\.fat cannot repair|no fsck\.fat|cannot check)")
    after = partition_copy(ctx, card, "after.img")
    set_dirty(after, 0, False)
    status, output = fsck_check(after)
    check(status == 0, "after the boot, fsck.fat -n finds the card's filesystem sound (dirty flag aside)", output)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
