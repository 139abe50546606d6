#!/usr/bin/env python3
"""A broken upgrade is rolled back after its trial boots; --retry tries it again.

Card: Demo-1.0.0 (the demo OS confirms each boot with hopboot-bless), no
demo.poweroff (the test powers the demo off from its shell), hopboot.tries=2 (the
default 3 is what ci/demo --tour, in the demo label, goes through).
  boot 1   Demo-1.0.0 is new: "trial boot 1 of 2"; the OS blesses it.
Then the host copies the broken Demo-1.3.0 (+ .sha1; demo-rootfs --broken) onto the
card, as a user installing an upgrade would; its OS reboots without confirming.
  boots 2-3  "Demo-1.3.0.img: trial boot N of 2", each ending in a reboot.
  boot 4   "Demo-1.3.0.img: 2 trial boots ended without the OS confirming it
           (hopboot-bless), marked bad, trying Demo-1.0.0.img"; Demo-1.0.0
           boots with no trial (it was confirmed).
  boot 5   "Demo-1.3.0.img: failed its trial boots earlier (hopboot-bless
           --retry Demo-1.3.0.img tries it again), trying Demo-1.0.0.img";
           in the OS, hopboot-bless --status shows it bad, and
           hopboot-bless --retry Demo-1.3.0.img clears the mark.
  boot 6   Demo-1.3.0 is on trial again ("trial boot 1 of 2").
Both images keep their bytes on the card throughout: the loader only writes
its state files.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402
from qemuboot import TestFailure, shell_run  # noqa: E402

PROMPT = "demo# "


def poweroff(q):
    q.expect(PROMPT, qemuboot.DEMO_TIMEOUT)
    q.send("poweroff")
    qemuboot.expect_clean_exit(q)


def main(ctx):
    images = ctx.stage_demo("1.0.0")
    card = ctx.make_card(images.values(), append="hopboot.tries=2")
    target = f"{card}@@{qemuboot.PARTITION_OFFSET}"

    with ctx.boot(card, log="boot1") as q:
        q.expect(r"hopboot: Demo-1\.0\.0\.img: trial boot 1 of 2, until the OS confirms it with hopboot-bless\s",
                 qemuboot.LOADER_TIMEOUT)
        qemuboot.expect_demo_boot(q, "1.0.0", poweroff=False)
        q.expect(r"hopboot-bless: Demo-1\.0\.0\.img confirmed", qemuboot.DEMO_TIMEOUT)
        poweroff(q)

    upgrade = ctx.stage_demo("1.3.0")["1.3.0"]
    qemuboot.run_tool(["mcopy", "-i", target, upgrade, f"{upgrade}.sha1", "::/"], log=ctx.tool_log)
    digests = {name: qemuboot.sha1_of(qemuboot.card_extract(card, f"/{name}", ctx.workdir / f"before-{name}"))
               for name in ("Demo-1.0.0.img", "Demo-1.3.0.img")}

    for attempt in (1, 2):
        with ctx.boot(card, log=f"boot{attempt + 1}") as q:
            q.expect(rf"hopboot: Demo-1\.3\.0\.img: trial boot {attempt} of 2,", qemuboot.LOADER_TIMEOUT)
            q.expect(r"HOPBOOT-DEMO broken: rebooting without confirming this boot", qemuboot.DEMO_TIMEOUT)
            qemuboot.expect_clean_exit(q)   # -no-reboot: the guest's reboot ends QEMU

    with ctx.boot(card, log="boot4") as q:
        qemuboot.expect_rejected(q, "Demo-1.3.0.img",
                                 r"2 trial boots ended without the OS confirming it \(hopboot-bless\), marked bad",
                                 "Demo-1.0.0.img")
        qemuboot.expect_demo_boot(q, "1.0.0", poweroff=False)
        q.expect_not(r"hopboot: Demo-1\.0\.0\.img: trial boot")
        q.expect(r"hopboot-bless: Demo-1\.0\.0\.img is already confirmed", qemuboot.DEMO_TIMEOUT)
        poweroff(q)

    with ctx.boot(card, log="boot5") as q:
        qemuboot.expect_rejected(q, "Demo-1.3.0.img",
                                 r"failed its trial boots earlier \(hopboot-bless --retry Demo-1\.3\.0\.img "
                                 r"tries it again", "Demo-1.0.0.img")
        qemuboot.expect_demo_boot(q, "1.0.0", poweroff=False)
        shell_run(q, "hopboot-bless --status", r"Demo-1\.3\.0\.img: bad \(sha1:[0-9a-f]{40}\)", PROMPT)
        shell_run(q, "hopboot-bless --retry Demo-1.3.0.img",
                  r"hopboot-bless: Demo-1\.3\.0\.img gets a new trial at the next boot", PROMPT)
        poweroff(q)

    with ctx.boot(card, log="boot6") as q:
        q.expect(r"hopboot: Demo-1\.3\.0\.img: trial boot 1 of 2,", qemuboot.LOADER_TIMEOUT)
        q.expect(r"HOPBOOT-DEMO broken", qemuboot.DEMO_TIMEOUT)
        qemuboot.expect_clean_exit(q)

    for name, digest in digests.items():
        after = qemuboot.sha1_of(qemuboot.card_extract(card, f"/{name}", ctx.workdir / f"after-{name}"))
        if after != digest:
            raise TestFailure(f"{name} changed on the card (sha1 {after}, was {digest})")
    qemuboot.note("rolled back after 2 unconfirmed trial boots; --retry gave a new trial; images unchanged")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
