#!/usr/bin/env python3
"""Block-device sources: hopboot.src=LABEL=..., /dev/... on ext4 and iso9660.

1. An ext4 disk labelled IMAGES (virtio) holds Demo-1.1.0 in boot-images/; the
   card holds Demo-1.0.0 and says hopboot.src=LABEL=IMAGES.  hopboot waits for
   the disk, mounts it read-only, verifies the image into RAM and boots it
   "from LABEL=IMAGES"; stage 2 roots it in RAM with the card's keydisk.  No
   trial boot is counted (the state is the card's).
2. Failure paths, one boot: hopboot.src=LABEL=NOSUCH,LABEL=IMAGES with the
   disk's image damaged, a newer Demo-1.2.0 there whose .sha1 is a FIFO
   (nobody ever writes to it: read as a file, it would block PID 1 forever),
   and a newest Demo-1.4.0, a good image whose .sha1 is a symbolic link to a
   right checksum file elsewhere on the disk (followed, it would boot: links
   are never followed on a source).  One line for the device that never
   appears, "...sha1 is not a regular file" for 1.4.0 and 1.2.0 at once, the
   checksum line for the damaged image, then the card's images as the last
   resort: Demo-1.0.0 boots from the card.  The disk's bytes are unchanged.
3. An ISO 9660 CD-ROM named by device (hopboot.src=/dev/sr0) with Demo-1.1.0
   at its top boots it.
"""

import os
import shutil
import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def make_ext4(ctx, name, label, files, folder="", fifos=(), links=()):
    """An ext4 disk image labelled LABEL holding FILES in FOLDER, FIFOs there by the
    names in FIFOS, and symbolic links there: (name, target) pairs in LINKS."""
    root = ctx.workdir / f"{name}.d"
    (root / folder).mkdir(parents=True)
    for f in files:
        shutil.copyfile(f, root / folder / f.name)
    for fifo in fifos:
        os.mkfifo(root / folder / fifo)
    for link, target in links:
        os.symlink(target, root / folder / link)
    disk = ctx.workdir / f"{name}.img"
    qemuboot.run_tool(["mke2fs", "-q", "-F", "-t", "ext4", "-L", label, "-d", root, disk, "64M"],
                      log=ctx.tool_log)
    return disk


def virtio_disk(path):
    return ["-drive", f"file={path},format=raw,if=virtio"]


def main(ctx):
    for tool in ("mke2fs", "xorriso"):
        if shutil.which(tool) is None:
            raise qemuboot.TestFailure(f"{tool} is not installed (ci/deps installs it)")
    images = ctx.stage_demo("1.0.0", "1.1.0")
    new = images["1.1.0"]
    new_sha1 = new.with_name(new.name + ".sha1")

    disk = make_ext4(ctx, "disk", "IMAGES", [new, new_sha1], folder="boot-images")
    card = ctx.make_card([images["1.0.0"]], append="hopboot.src=LABEL=IMAGES demo.poweroff")
    with ctx.boot(card, extra_args=virtio_disk(disk)) as q:
        q.expect(r"hopboot: LABEL=IMAGES: /dev/vda mounted read-only\s")
        qemuboot.expect_candidates(q, "boot-images/Demo-1.1.0.img")
        qemuboot.expect_demo_boot(q, "1.1.0", source="LABEL=IMAGES")
        q.assert_seen(r"hopboot-stage2: root is Demo-1\.1\.0 \(in RAM\) \+ keydisk kd\.img\s")
        q.expect_not(r"trial boot")
        qemuboot.expect_poweroff(q)

    damaged = ctx.workdir / "damaged" / new.name
    damaged.parent.mkdir()
    shutil.copyfile(new, damaged)
    shutil.copyfile(new_sha1, damaged.with_name(new_sha1.name))
    qemuboot.corrupt_middle(damaged)
    fifo_image = ctx.workdir / "damaged" / "Demo-1.2.0.img"
    qemuboot.make_random_image(fifo_image, size=4096)
    linked_image = ctx.workdir / "damaged" / "Demo-1.4.0.img"
    shutil.copyfile(new, linked_image)
    linked_sums = ctx.workdir / "damaged" / "sums-1.4.0"
    linked_sums.write_text(f"{qemuboot.sha1_of(new)}  Demo-1.4.0.img\n")
    bad_disk = make_ext4(ctx, "bad-disk", "IMAGES",
                         [damaged, damaged.with_name(new_sha1.name), fifo_image, linked_image, linked_sums],
                         folder="boot-images", fifos=["Demo-1.2.0.img.sha1"],
                         links=[("Demo-1.4.0.img.sha1", "sums-1.4.0")])
    before = qemuboot.sha1_of(bad_disk)
    card2 = ctx.make_card([images["1.0.0"]], card="card2.img",
                          append="hopboot.src=LABEL=NOSUCH,LABEL=IMAGES hopboot.wait=3 demo.poweroff")
    with ctx.boot(card2, log="failures", extra_args=virtio_disk(bad_disk)) as q:
        q.expect(r"hopboot: LABEL=NOSUCH: no such device appeared within 3 s\s")
        q.expect(r"hopboot: LABEL=IMAGES: /dev/vda mounted read-only\s")
        qemuboot.expect_rejected(q, "boot-images/Demo-1.4.0.img",
                                 r"boot-images/Demo-1\.4\.0\.img\.sha1 is not a regular file", "boot-images/Demo-1.2.0.img")
        qemuboot.expect_rejected(q, "boot-images/Demo-1.2.0.img",
                                 r"boot-images/Demo-1\.2\.0\.img\.sha1 is not a regular file", "boot-images/Demo-1.1.0.img")
        qemuboot.expect_rejected(q, "boot-images/Demo-1.1.0.img", "checksum mismatch")
        q.expect(r"hopboot: no source of hopboot\.src= booted, trying the card's images\s")
        qemuboot.expect_demo_boot(q, "1.0.0")
        qemuboot.expect_poweroff(q)
    if qemuboot.sha1_of(bad_disk) != before:
        raise qemuboot.TestFailure("the block source's disk changed: hopboot must only read it")

    iso_root = ctx.workdir / "iso.d"
    iso_root.mkdir()
    for f in (new, new_sha1):
        shutil.copyfile(f, iso_root / f.name)
    iso = ctx.workdir / "images.iso"
    qemuboot.run_tool(["xorriso", "-as", "mkisofs", "-quiet", "-R", "-J", "-V", "ISOIMAGES", "-o", iso, iso_root],
                      log=ctx.tool_log)
    card3 = ctx.make_card([images["1.0.0"]], card="card3.img", append="hopboot.src=/dev/sr0 demo.poweroff")
    cdrom = ["-drive", f"file={iso},format=raw,if=ide,index=2,media=cdrom"]
    with ctx.boot(card3, log="iso", extra_args=cdrom) as q:
        q.expect(r"hopboot: /dev/sr0: /dev/sr0 mounted read-only\s")
        qemuboot.expect_candidates(q, "Demo-1.1.0.img")
        qemuboot.expect_demo_boot(q, "1.1.0", source="/dev/sr0")
        qemuboot.expect_poweroff(q)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
