#!/usr/bin/env python3
"""Software RAID1 of two AoE targets (hopboot.aoe=, hopboot.md=auto, block sources).

Preparation: an ext4 filesystem labelled AOEIMAGES holding boot-images/Demo-1.1.0 is
copied to the start of two member files slightly larger; a short QEMU boot of the
loader (hopboot.rescue) writes md superblocks (metadata 1.0, at the end, so the
filesystem stays at offset 0) with mdadm --create --assume-clean: the members are
identical, so no resync is owed.  The host's kernel needs no md driver for this.

1. vblade serves both members as e0.1 and e0.2 in a network namespace of the test's
   own (aoenet.py); the card (Demo-1.0.0) says hopboot.aoe=eth0 hopboot.md=auto
   hopboot.src=LABEL=AOEIMAGES.  Both targets are found before mdadm runs, the array
   starts whole ("raid1, 2 disks"), LABEL= finds the array, not a member, and
   Demo-1.1.0 boots from LABEL=AOEIMAGES.
2. Only e0.1 is served: the array starts degraded ("degraded: 1 of 2 disks") and
   Demo-1.1.0 still boots from it.
Neither boot changes a byte of either member (the loader assembles read-only).
"""

import shutil
import sys

sys.dont_write_bytecode = True
import aoenet  # noqa: E402
import qemuboot  # noqa: E402

MEMBER_SIZE = 42 << 20  # the 40 MiB filesystem plus room for the md superblock at the end
PREP_TIMEOUT = 150


def make_members(ctx, fs):
    members = []
    for name in ("member1.img", "member2.img"):
        member = ctx.workdir / name
        shutil.copyfile(fs, member)
        with open(member, "r+b") as handle:
            handle.truncate(MEMBER_SIZE)
        members.append(member)
    kernel, initrd = ctx.artifact("kernel/vmlinuz"), ctx.artifact("initrd.img")
    disks = [arg for m in members for arg in ("-drive", f"file={m},format=raw,if=virtio")]
    with qemuboot.Qemu(ctx.workdir / "prep.log", kernel=kernel, initrd=initrd, name="prep",
                       append="console=ttyS0 hopboot.rescue hopboot.md=auto", extra_args=disks,
                       hard_timeout=PREP_TIMEOUT + 30) as q:
        qemuboot.shell_run(q, "mdadm --create /dev/md0 --level=1 --raid-devices=2 --metadata=1.0 --assume-clean "
                              "--run /dev/vda /dev/vdb >/dev/null 2>&1; echo create=$?", r"create=0",
                           "hopboot-rescue# ", PREP_TIMEOUT)
        qemuboot.shell_run(q, "mdadm --stop /dev/md0 >/dev/null 2>&1; sync; echo stop=$?", r"stop=0",
                           "hopboot-rescue# ", 60)
        q.send("poweroff -f")
        if q.wait_exit(60) != 0:
            q.fail("the preparation boot did not power off")
    for member in members:
        kind = qemuboot.run_tool(["blkid", "-p", "-o", "value", "-s", "TYPE", member]).strip()
        if kind != "linux_raid_member":
            raise qemuboot.TestFailure(f"{member.name}: blkid says {kind!r}, expected linux_raid_member")
    qemuboot.note("members written: RAID1, metadata 1.0")
    return members


def boot_array(ctx, ns, card, log, state):
    with ns.boot(card, log=log) as q:
        q.expect(r"hopboot: AoE: e0\.\d", qemuboot.LOADER_TIMEOUT)
        md = q.expect(rf"hopboot: md: (/dev/md\d+) assembled \(raid1, {state}\)\s").group(1)
        q.expect(rf"hopboot: LABEL=AOEIMAGES: {md} mounted read-only\s")
        qemuboot.expect_candidates(q, "boot-images/Demo-1.1.0.img")
        qemuboot.expect_demo_boot(q, "1.1.0", source="LABEL=AOEIMAGES")
        qemuboot.expect_poweroff(q)


def main(ctx):
    aoenet.check_host()
    images = ctx.stage_demo("1.0.0", "1.1.0")
    new = images["1.1.0"]
    fs = aoenet.make_ext4(ctx, "aoe-fs", "AOEIMAGES", [new, new.with_name(new.name + ".sha1")],
                          folder="boot-images")
    members = make_members(ctx, fs)
    before = [qemuboot.sha1_of(m) for m in members]
    card = ctx.make_card([images["1.0.0"]],
                         append="hopboot.aoe=eth0 hopboot.md=auto hopboot.src=LABEL=AOEIMAGES demo.poweroff")
    with aoenet.Namespace(ctx) as ns:
        ns.serve(0, 1, members[0])
        ns.serve(0, 2, members[1])
        boot_array(ctx, ns, card, "whole", "2 disks")
        ns.stop_all()
        ns.serve(0, 1, members[0])
        boot_array(ctx, ns, card, "degraded", "degraded: 1 of 2 disks")
    if [qemuboot.sha1_of(m) for m in members] != before:
        raise qemuboot.TestFailure("a RAID member changed: hopboot must only read it")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
