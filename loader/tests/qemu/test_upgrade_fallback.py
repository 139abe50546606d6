#!/usr/bin/env python3
"""Upgrade by copying an image onto the card, fall back by deleting it: from a
workstation and from the running OS, with the keydisk's data carried across.

One card, no demo.poweroff (the demo OS stays up with its shell), four boots:
  boot 1  only Demo-1.0.0 on the card: it boots; the OS writes a token to
          /etc/hopboot-token (the keydisk) and powers off.
  host    mcopy Demo-1.1.0.img + .sha1 onto the card.
  boot 2  candidates "Demo-1.1.0.img Demo-1.0.0.img"; Demo-1.1.0 boots and the
          token reads back: keydisk data survives the upgrade.  The OS copies
          Demo-1.2.0 (+ .sha1) from a second IDE disk (ext4 labelled UPGRADE) onto
          /media/card (remounted read-write), syncs, and reboots (reboot -f).
  boot 3  "Demo-1.2.0.img: trial boot 1 of 3"; Demo-1.2.0 boots and its OS confirms
          it with hopboot-bless.  The OS removes Demo-1.2.0.img and its .sha1 from
          /media/card (the running image) and powers off.
  host    mdel Demo-1.1.0.img + .sha1 from the card.
  boot 4  the only candidate is Demo-1.0.0.img, which boots; the token is still there.
The demo's own recipes (ci/demo --tour, label demo) go through the same from the
running OS once more, with the default three trial boots and a rollback.
"""

import re
import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402
from qemuboot import TestFailure, demo_shutdown, shell_run  # noqa: E402

PROMPT = "demo# "
TOKEN = "hopboot-token-5f3a9c"
NEW = ("Demo-1.1.0.img", "Demo-1.1.0.img.sha1")


def only_candidate(q, image):
    q.expect(rf"^hopboot: candidates: {re.escape(image)}$", qemuboot.LOADER_TIMEOUT)


def check_card(card, present, absent):
    names = {name.upper() for name in qemuboot.card_list(card)}
    wrong = [n for n in present if n.upper() not in names] + [n for n in absent if n.upper() in names]
    if wrong:
        raise TestFailure(f"card listing wrong about {wrong}: {sorted(names)}")


def main(ctx):
    ctx.card_bus = "ide"  # the card on IDE beside the second IDE disk, so that they are sda and sdb
    images = ctx.stage_demo("1.0.0", "1.1.0")
    upgrade = ctx.stage_demo("1.2.0")["1.2.0"]
    disk = qemuboot.make_ext4_disk(ctx.workdir / "upgrade.img", [upgrade, f"{upgrade}.sha1"], label="UPGRADE",
                                   log=ctx.tool_log)
    card = ctx.make_card([images["1.0.0"]], append="", size=128)

    with ctx.boot(card, log="boot1") as q:
        only_candidate(q, "Demo-1.0.0.img")
        qemuboot.expect_demo_boot(q, "1.0.0", poweroff=False)
        shell_run(q, f"echo {TOKEN} > /etc/hopboot-token; sync; cat /etc/hopboot-token", TOKEN, PROMPT)
        demo_shutdown(q)

    qemuboot.card_copy(card, images["1.1.0"], f"{images['1.1.0']}.sha1", log=ctx.tool_log)
    with ctx.boot(card, log="boot2", extra_args=qemuboot.ide_disk(disk)) as q:
        qemuboot.expect_candidates(q, "Demo-1.1.0.img", "Demo-1.0.0.img")
        qemuboot.expect_demo_boot(q, "1.1.0", poweroff=False)
        shell_run(q, "cat /etc/hopboot-token", TOKEN, PROMPT)
        shell_run(q, "mount -o ro $(findfs LABEL=UPGRADE) /mnt && mount -o remount,rw /media/card && "
                  "cp /mnt/Demo-1.2.0.img /mnt/Demo-1.2.0.img.sha1 /media/card/ && sync && echo copied-$((6*7))",
                  "copied-42", PROMPT)
        demo_shutdown(q, "reboot -f")

    check_card(card, ["Demo-1.2.0.img", "Demo-1.2.0.img.sha1"], [])
    with ctx.boot(card, log="boot3") as q:
        q.expect(r"hopboot: Demo-1\.2\.0\.img: trial boot 1 of 3, until the OS confirms it", qemuboot.LOADER_TIMEOUT)
        qemuboot.expect_demo_boot(q, "1.2.0", poweroff=False)
        q.expect(r"hopboot-bless: Demo-1\.2\.0\.img confirmed", qemuboot.DEMO_TIMEOUT)
        shell_run(q, "mount -o remount,rw /media/card && rm /media/card/Demo-1.2.0.img "
                  "/media/card/Demo-1.2.0.img.sha1 && sync && echo removed-$((6*7))", "removed-42", PROMPT)
        demo_shutdown(q)

    qemuboot.card_delete(card, *NEW, log=ctx.tool_log)
    check_card(card, ["Demo-1.0.0.img"], [*NEW, "Demo-1.2.0.img", "Demo-1.2.0.img.sha1"])
    with ctx.boot(card, log="boot4") as q:
        only_candidate(q, "Demo-1.0.0.img")
        qemuboot.expect_demo_boot(q, "1.0.0", poweroff=False)
        shell_run(q, "cat /etc/hopboot-token", TOKEN, PROMPT)
        demo_shutdown(q)

if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
