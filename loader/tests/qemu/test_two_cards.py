#!/usr/bin/env python3
"""Two cards are never resolved by the order the kernel lists them in.

Two IDE disks made by images/mkcard, both FAT labelled HOPBOOT with a syslinux.cfg (a
copied card, or a second stick someone plugged in); the second holds Demo-1.0.0 and
its own keydisk.  The BIOS boots the first.
  boot 1  no hopboot.card=: "two boot cards, /dev/sda1 and /dev/sdb1, both hold
          syslinux.cfg: not guessing which (hopboot.card= names one)"; neither is
          used, so no image boots and the rescue shell starts.
  boot 2  hopboot.card=UUID=<the card's volume id> hopboot.src=LABEL=HOPBOOT,card: the
          card is the one named; the block source LABEL=HOPBOOT matches both disks:
          "LABEL=HOPBOOT: matches both /dev/sda1 and /dev/sdb1: not guessing which";
          then the card's own Demo-1.1.0 boots, and stage 2 finds the card again by its
          UUID (the two cards' volume ids differ).  The card is named by its volume id,
          not /dev/sda1: two disks on one IDE channel are probed asynchronously, and which
          becomes sda differs from boot to boot (it did in a CI run).
The second card's Demo-1.0.0 never boots.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402

MTOOLS_ENV = {"MTOOLS_SKIP_CHECK": "1"}


def name_card_by_uuid(ctx, card):
    """Replace the placeholder CARD_UUID in the card's syslinux.cfg by its volume id."""
    uuid = qemuboot.run_tool(["blkid", "-p", "-O", str(qemuboot.PARTITION_OFFSET), "-o", "value", "-s", "UUID",
                              card]).strip()
    target = f"{card}@@{qemuboot.PARTITION_OFFSET}"
    text = qemuboot.run_tool(["mtype", "-i", target, "::/syslinux.cfg"], env=MTOOLS_ENV)
    if "CARD_UUID" not in text or not uuid:
        raise qemuboot.TestFailure(f"cannot name the card by its volume id ({uuid!r})")
    cfg = ctx.workdir / "syslinux.cfg"
    cfg.write_text(text.replace("CARD_UUID", uuid))
    qemuboot.run_tool(["mcopy", "-o", "-i", target, cfg, "::/syslinux.cfg"], env=MTOOLS_ENV, log=ctx.tool_log)
    return uuid


def main(ctx):
    ctx.card_bus = "ide"  # the card on IDE beside the second IDE disk, so that they are sda and sdb
    images = ctx.stage_demo("1.0.0", "1.1.0")
    other = ctx.make_card([images["1.0.0"]], card="other.img", append="demo.poweroff")
    second = qemuboot.ide_disk(other)

    card = ctx.make_card([images["1.1.0"]], card="card.img", append="demo.poweroff")
    with ctx.boot(card, log="boot1-auto", extra_args=second, give_up_on=()) as q:
        q.expect(r"hopboot: two boot cards, /dev/sd[ab]1 and /dev/sd[ab]1, both hold syslinux\.cfg: not guessing "
                 r"which \(hopboot\.card= names one\)\n", qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot-rescue# ", qemuboot.LOADER_TIMEOUT)
        q.expect_not(r"hopboot: booting ")
        q.expect_not(r"hopboot: card /dev/\S+ mounted read-only")

    card = ctx.make_card([images["1.1.0"]], card="named.img",
                         append="hopboot.card=UUID=CARD_UUID hopboot.src=LABEL=HOPBOOT,card demo.poweroff")
    name_card_by_uuid(ctx, card)
    with ctx.boot(card, log="boot2-named", extra_args=second) as q:
        q.expect(r"hopboot: card /dev/sd[ab]1 mounted read-only\n", qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot: LABEL=HOPBOOT: matches both /dev/sd[ab]1 and /dev/sd[ab]1: not guessing which\n",
                 qemuboot.LOADER_TIMEOUT)
        qemuboot.expect_demo_boot(q, "1.1.0")
        q.assert_seen(r"hopboot-stage2: root is Demo-1\.1\.0\.img \+ keydisk kd\.img\b")
        qemuboot.expect_poweroff(q)
        q.expect_not(r"Demo-1\.0\.0")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
