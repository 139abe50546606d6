#!/usr/bin/env python3
"""hopboot rejects images of the wrong length, each with one line, and boots the good one.

One card, 320 MiB so that its FAT32 has 4 KiB clusters as real cards do: the good
Demo-1.1.0 and, all newer, the first L bytes of it for each length L in 0, 1, 511, 512,
one cluster (read from the card's boot sector: 4096), one cluster + 1, and N-1, in two
kinds.  Each file is named Demo-2.KIND.L.img, so the line says which case it is:

  KIND 1, the original .sha1 (the digest of the whole image, as a copy that stopped short
  leaves it): "checksum mismatch (file is <sha1 of the L bytes>, ... says <sha1 of the
  image>)", both digests checked.  N is the file's size.

  KIND 2, a .sha1 that matches the L bytes (the cut happened before the checksum was made):
  the checksum passes, so the image must fail to mount.  A loop device has whole 512-byte
  sectors (a 513-byte file is a 512-byte device), and libblkid does not probe devices of
  1 KiB or less, so up to there: "does not mount (no filesystem recognised)".  Cut at N-1,
  the squashfs superblock says the filesystem is longer than the device and the kernel
  refuses it: "does not mount (Invalid argument)".  Here N is the squashfs's own size
  (superblock bytes_used), not the file's: mksquashfs pads the file to 4 KiB, and a file
  cut only inside that padding is a complete filesystem that rightly boots, so it is no
  bad input.

Newest first: kind 2 from the longest down, then kind 1 the same way, then Demo-1.1.0
boots.
"""

import sys

sys.dont_write_bytecode = True
import badinput  # noqa: E402
import qemuboot  # noqa: E402


def lengths(cluster, n):
    return sorted({0, 1, 511, 512, cluster, cluster + 1, n - 1}, reverse=True)


def main(ctx):
    good = ctx.stage_demo("1.1.0")["1.1.0"]
    data = good.read_bytes()
    original = badinput.sha1_hex(data)
    fs_size = badinput.squashfs_bytes_used(good)
    if fs_size >= len(data):
        raise qemuboot.TestFailure(f"{good.name}: squashfs fills the file ({fs_size} of {len(data)} bytes)")

    card = badinput.make_card(ctx, [good], room=2 * len(data) + 4 * badinput.MIB,  # the two N-1 copies
                              size_mb=badinput.LARGE_CLUSTER_CARD_MB)
    cluster = badinput.cluster_size(card)
    qemuboot.note(f"card cluster size {cluster} bytes; image {len(data)} bytes, squashfs {fs_size} bytes")

    out = badinput.staging(ctx)
    files, cases = [], []
    for kind, n in ((2, fs_size), (1, len(data))):
        for length in lengths(cluster, n):
            name = f"Demo-2.{kind}.{length}.img"
            cut = data[:length]
            digest = badinput.sha1_hex(cut)
            files.append(badinput.write_bytes(out / name, cut))
            files.append(badinput.write_bytes(out / f"{name}.sha1", badinput.sha1_line(
                digest if kind == 2 else original, name).encode()))
            if kind == 1:
                reason = (rf"checksum mismatch \(file is {digest[:12]}\.\.\., {qemuboot._v(name)}\.sha1 "
                          rf"says {original[:12]}\.\.\.\)")
            elif length // 512 * 512 <= 1024:
                reason = r"does not mount \(no filesystem recognised\)"
            else:
                reason = r"does not mount \(Invalid argument\)"
            cases.append((name, reason))
    badinput.card_add(card, files, log=ctx.tool_log)

    badinput.boot_past(ctx, card, cases, good, "1.1.0")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
