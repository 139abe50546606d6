#!/usr/bin/env python3
"""hopboot.keydisk= elsewhere than kd.img: none, another path on the card, LABEL=.

One card holding Demo-1.1.0, the fresh kd.img mkcard makes, and a second keydisk
(images/mkkeydisk) at keys/box1.kd; no demo.poweroff (the demo's shell is used).
The APPEND line is edited between the scenarios, as a user edits syslinux.cfg.
  none    hopboot.keydisk=none: stage 2 says "no keydisk (hopboot.keydisk=none) ..."
          and "root is Demo-1.1.0.img + tmpfs"; nothing is mounted at
          /media/keydisk; a file the OS writes does not reach the card: kd.img and
          keys/box1.kd keep their bytes.
  path    hopboot.keydisk=keys/box1.kd: "root is ... + keydisk keys/box1.kd"; a
          token written in one boot reads back in the next, and it is in
          keys/box1.kd on the card, not in kd.img.
  LABEL   hopboot.keydisk=LABEL=KDSTICK, an ext4 keydisk labelled KDSTICK on a
          second IDE disk: "root is ... + keydisk LABEL=KDSTICK"; a token written in
          one boot reads back in the next (and the path scenario's token is not
          there); the token is on that disk, not in the card's keydisks.
"""

import re
import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402
from qemuboot import TestFailure, demo_shutdown, shell_run  # noqa: E402

PROMPT = "demo# "


def set_keydisk(ctx, card, old, new):
    cfg = qemuboot.card_extract(card, "/syslinux.cfg", ctx.workdir / "syslinux.cfg")
    text, n = re.subn(rf"hopboot\.keydisk={re.escape(old)}(?=\s)", f"hopboot.keydisk={new}", cfg.read_text())
    if n == 0:
        raise TestFailure(f"syslinux.cfg has no hopboot.keydisk={old}:\n{text}")
    cfg.write_text(text)
    qemuboot.card_copy(card, cfg, log=ctx.tool_log)


def boot_pair(ctx, card, keydisk, token, extra_args=(), absent=None):
    """Boot 1 writes TOKEN on a root with KEYDISK; boot 2 reads it back."""
    for n in (1, 2):
        with ctx.boot(card, log=f"{keydisk.replace('/', '_')}-{n}", extra_args=extra_args) as q:
            qemuboot.expect_demo_boot(q, "1.1.0", poweroff=False)
            q.assert_seen(rf"^hopboot-stage2: root is Demo-1\.1\.0\.img \+ keydisk {re.escape(keydisk)}$")
            if n == 1:
                if absent:
                    shell_run(q, f"cat /etc/{absent} 2>/dev/null || echo no-{absent}", f"no-{absent}", PROMPT)
                shell_run(q, f"echo {token} > /etc/{token}; sync; echo written-$((6*7))", "written-42", PROMPT)
            else:
                shell_run(q, f"cat /etc/{token}", token, PROMPT)
            demo_shutdown(q)


def holds(path, token):
    return token.encode() in path.read_bytes()


def main(ctx):
    ctx.card_bus = "ide"  # the card on IDE beside the second IDE disk, so that they are sda and sdb
    images = ctx.stage_demo("1.1.0")
    box = ctx.workdir / "box1.kd"
    stick = ctx.workdir / "kdstick.img"
    qemuboot.run_script("mkkeydisk", "-o", box, "--size", "16", build=ctx.build, log=ctx.tool_log)
    qemuboot.run_script("mkkeydisk", "-o", stick, "--size", "16", "--label", "KDSTICK", build=ctx.build,
                        log=ctx.tool_log)
    card = ctx.make_card(images.values(), append="hopboot.keydisk=none")
    qemuboot.card_copy(card, box, folder="keys", log=ctx.tool_log)

    def kd(name):
        return qemuboot.card_extract(card, f"/{name}", ctx.workdir / name.replace("/", "_"))

    before = {name: qemuboot.sha1_of(kd(name)) for name in ("kd.img", "keys/box1.kd")}

    with ctx.boot(card, log="none") as q:
        qemuboot.expect_demo_boot(q, "1.1.0", poweroff=False)
        q.assert_seen(r"^hopboot-stage2: no keydisk \(hopboot\.keydisk=none\), changes will not persist "
                      r"\(tmpfs overlay\)$")
        q.assert_seen(r"^hopboot-stage2: root is Demo-1\.1\.0\.img \+ tmpfs$")
        shell_run(q, "grep -c ' /media/keydisk ' /proc/mounts", "0", PROMPT)
        shell_run(q, "echo token-none > /etc/token-none; sync; echo written-$((6*7))", "written-42", PROMPT)
        demo_shutdown(q)
    for name, digest in before.items():
        if qemuboot.sha1_of(kd(name)) != digest:
            raise TestFailure(f"{name} changed on the card although hopboot.keydisk=none")

    set_keydisk(ctx, card, "none", "keys/box1.kd")
    boot_pair(ctx, card, "keys/box1.kd", "token-path", absent="token-none")
    if not holds(kd("keys/box1.kd"), "token-path") or holds(kd("kd.img"), "token-path"):
        raise TestFailure("token-path is not in keys/box1.kd alone")

    set_keydisk(ctx, card, "keys/box1.kd", "LABEL=KDSTICK")
    boot_pair(ctx, card, "LABEL=KDSTICK", "token-label", qemuboot.ide_disk(stick), absent="token-path")
    if not holds(stick, "token-label") or any(holds(kd(name), "token-label") for name in before):
        raise TestFailure("token-label is not on the KDSTICK disk alone")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
