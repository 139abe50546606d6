#!/usr/bin/env python3
"""hopboot.verify=signed boots only images signed by a trusted key, from RAM.

A key pair is made at test time with the real minisign (minisign -G -W), and
the card's initramfs trusts its public key (images/mkcard --key).  Its APPEND line
ends in a weaker hopboot.verify=sha1, which only warns (the check can only be
raised), and init=/bin/sh, which is dropped with a warning (the demo's own init runs).  Card, newest first, each refused with its own line before Demo-1.1.0 boots:
  Demo-1.6.0  signed by the trusted key, but as a legacy signature (minisign -S -l)
                                          "Demo-1.6.0.img.minisig is a legacy signature"
  Demo-1.5.0  signed with another key     "signed with key ..., which this
                                           loader does not trust"
  Demo-1.4.0  Demo-1.0.0's bytes and signature under another name
                                          "its signature is for Demo-1.0.0.img"
  Demo-1.3.0  signed, then one byte changed "its bytes do not match the signature"
  Demo-1.2.0  a .sha1 but no signature    "not signed (no Demo-1.2.0.img.minisig"
  Demo-1.1.0  signed by plain `minisign -S` (its default trusted comment)
  Demo-1.0.0  signed by images/mkimg --sign
Boot 1: Demo-1.1.0 boots ("signature ok"), loop-mounted by stage 2 from the
RAM copy that was checked (bytes on the card are not read again), and the OS
confirms it (hopboot-bless), which makes 1.1.0 the rollback floor.
Boot 2, Demo-1.1.0 deleted from the card: the validly signed Demo-1.0.0 is
refused as older than the newest version the OS confirmed (rollback
protection), and with nothing left the loader starts the rescue shell, which
asks for the root password the card was made with (mkcard --rescue-password,
an 'openssl passwd -6' hash): a wrong one is refused, the right one gives the
shell.
Boot 3, another signed card made without a rescue password, with hopboot.rescue:
no shell at all, one line saying so, then a reboot.
On the host, minisign -V accepts the signatures mkimg made.
"""

import shutil
import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402

RESCUE_PASSWORD = "hopboot-rescue-test"


def keypair(ctx, name):
    pub, sec = ctx.workdir / f"{name}.pub", ctx.workdir / f"{name}.key"
    qemuboot.run_tool(["minisign", "-G", "-W", "-p", pub, "-s", sec], log=ctx.tool_log)
    return pub, sec


def sign(ctx, key, image, *options):
    qemuboot.run_tool(["minisign", "-S", *options, "-s", key, "-m", image], log=ctx.tool_log)


def copy_image(source, target, with_sha1=True):
    shutil.copyfile(source, target)
    if with_sha1:
        qemuboot.write_sha1(target)
    return target


def main(ctx):
    pub, sec = keypair(ctx, "trusted")
    _, other = keypair(ctx, "other")
    staged = ctx.stage_demo("1.1.0")
    images = ctx.workdir / "images"

    qemuboot.run_script("mkimg", "--rootfs", ctx.artifact("demo/rootfs-1.0.0"), "--name", "Demo", "--version",
                        "1.0.0", "-o", images, "--sign", sec, build=ctx.build, log=ctx.tool_log)
    v100 = images / "Demo-1.0.0.img"
    qemuboot.run_tool(["minisign", "-V", "-p", pub, "-m", v100], log=ctx.tool_log)
    v110 = staged["1.1.0"]
    sign(ctx, sec, v110)
    v120 = copy_image(v110, images / "Demo-1.2.0.img")
    v130 = copy_image(v110, images / "Demo-1.3.0.img")
    sign(ctx, sec, v130)
    qemuboot.corrupt_middle(v130, count=1)
    v140 = copy_image(v100, images / "Demo-1.4.0.img")
    shutil.copyfile(f"{v100}.minisig", f"{v140}.minisig")
    v150 = copy_image(v110, images / "Demo-1.5.0.img")
    sign(ctx, other, v150)
    v160 = copy_image(v110, images / "Demo-1.6.0.img")
    sign(ctx, sec, v160, "-l")

    # A weaker word after the policy (as if appended to the card's line) changes nothing.
    # An init= from the card is dropped under signed (the demo's own init runs).
    password_hash = qemuboot.run_tool(["openssl", "passwd", "-6", "-salt", "hopbootsalt", RESCUE_PASSWORD]).strip()
    card = ctx.make_card([v100, v110, v120, v130, v140, v150, v160],
                         append="hopboot.verify=signed demo.poweroff hopboot.verify=sha1 init=/bin/sh", keys=[pub],
                         rescue_password=password_hash)

    with ctx.boot(card, log="boot1") as q:
        q.expect(r"hopboot: hopboot\.verify=sha1: weaker than signed, which stays \(the check can only be raised\)\s",
                 qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot: init=/bin/sh: ignored under hopboot\.verify=signed \(the card does not choose the "
                 r"image's init\)\s", qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot: hopboot\.verify=signed: 1 trusted key\s", qemuboot.LOADER_TIMEOUT)
        qemuboot.expect_rejected(q, "Demo-1.6.0.img", r"Demo-1\.6\.0\.img\.minisig is a legacy signature \(minisign -l\), "
                                 r"which this loader refuses", "Demo-1.5.0.img")
        qemuboot.expect_rejected(q, "Demo-1.5.0.img", r"signed with key [0-9A-F]{16}, which this loader does not trust",
                                 "Demo-1.4.0.img")
        qemuboot.expect_rejected(q, "Demo-1.4.0.img", r"its signature is for Demo-1\.0\.0\.img, not for this file",
                                 "Demo-1.3.0.img")
        qemuboot.expect_rejected(q, "Demo-1.3.0.img", r"its bytes do not match the signature by key [0-9A-F]{16}",
                                 "Demo-1.2.0.img")
        qemuboot.expect_rejected(q, "Demo-1.2.0.img", r"not signed \(no Demo-1\.2\.0\.img\.minisig",
                                 "Demo-1.1.0.img")
        words = qemuboot.expect_demo_boot(q, "1.1.0")
        if any(word.startswith("init=") for word in words):
            q.fail(f"the card's init= reached the signed image's kernel: {' '.join(words)}")
        q.assert_seen(r"hopboot: booting Demo-1\.1\.0 from card \(signature ok,")
        q.assert_seen(r"hopboot-stage2: root is Demo-1\.1\.0 \(in RAM\) \+ keydisk kd\.img")
        q.expect(r"hopboot-bless: Demo-1\.1\.0\.img confirmed", qemuboot.DEMO_TIMEOUT)
        qemuboot.expect_poweroff(q)

    qemuboot.run_tool(["mdel", "-i", f"{card}@@{qemuboot.PARTITION_OFFSET}", "::Demo-1.1.0.img"],
                      log=ctx.tool_log)
    with ctx.boot(card, log="boot2") as q:
        qemuboot.expect_rejected(q, "Demo-1.0.0.img",
                                 r"older than the newest version the OS confirmed \(rollback protection",
                                 None)
        q.expect(r"hopboot: no bootable image on the card, starting rescue shell", qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot: rescue shell: the root password set with images/mkcard --rescue-password is asked "
                 r"for first\s", qemuboot.LOADER_TIMEOUT)
        q.expect(r"Give root password for system maintenance", qemuboot.LOADER_TIMEOUT)
        q.send("not-the-password")
        q.expect(r"Login incorrect", qemuboot.LOADER_TIMEOUT)
        q.expect(r"Give root password for system maintenance", qemuboot.LOADER_TIMEOUT)
        q.send(RESCUE_PASSWORD)
        q.expect(r"hopboot-rescue# ", qemuboot.LOADER_TIMEOUT)
        q.send("echo shell-$((6*7))")
        q.expect(r"shell-42", qemuboot.LOADER_TIMEOUT)
        q.expect_not(r"hopboot: booting ")

    locked = ctx.make_card([v100], card="no-password.img", keys=[pub],
                           append="hopboot.verify=signed hopboot.rescue demo.poweroff")
    with ctx.boot(locked, log="boot3") as q:
        q.expect(r"hopboot: rescue shell: off under hopboot\.verify=signed, no password is set \(images/mkcard "
                 r"--rescue-password\); rebooting in \d+ s\s", qemuboot.LOADER_TIMEOUT)
        q.expect_not(r"hopboot-rescue# ")
        q.expect_not(r"Give root password")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
