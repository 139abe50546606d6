#!/usr/bin/env python3
"""The boot menu, driven by keys typed on the serial console.

Card: Demo-1.0.0 and Demo-1.1.0, the loader's default hopboot.timeout (3 s); the demo
OS confirms each boot with hopboot-bless.  One card, five boots:
  boot 1  the menu lists both newest first, "unverified", source card, then the
          rescue shell and reboot, and counts down from 3 s; the down arrow stops the
          countdown and moves to Demo-1.0.0, Enter boots it once (on trial, as any
          unconfirmed image, so that the OS can confirm it: it does).
  boot 2  no key: the countdown runs out and the newest, Demo-1.1.0, boots as ever
          (trial boot 1 of 3): the choice of boot 1 changed no default.  Demo-1.0.0
          is "good" in the list now.
  boot 3  the key "2" boots Demo-1.0.0 at once; both are "good" now.
  boot 4  "3" opens the rescue shell, which works.
  boot 5  "4" reboots: QEMU (-no-reboot) exits, no image booted.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402

COUNTDOWN = r"hopboot: booting Demo-1\.1\.0\.img in 3 s \(any key: menu\)"
DOWN = "\x1b[B"


def expect_menu(q, verdict_new, verdict_old):
    q.expect(r"hopboot: boot menu:\n")
    q.expect(rf"hopboot:   1\) Demo-1\.1\.0\.img  {verdict_new}, card\n")
    q.expect(rf"hopboot:   2\) Demo-1\.0\.0\.img  {verdict_old}, card\n")
    q.expect(r"hopboot:   3\) rescue shell\n")
    q.expect(r"hopboot:   4\) reboot\n")
    q.expect(COUNTDOWN, qemuboot.LOADER_TIMEOUT)


def main(ctx):
    images = ctx.stage_demo("1.0.0", "1.1.0")
    card = ctx.make_card(images.values(), menu_timeout=None)

    with ctx.boot(card, log="boot1-arrow") as q:
        expect_menu(q, "unverified", "unverified")
        q.send_keys(DOWN)
        q.expect(r"hopboot: choose 1-4, or arrow keys and Enter: 1\) Demo-1\.1\.0\.img")
        q.send_keys(DOWN)
        q.expect(r"hopboot: choose 1-4, or arrow keys and Enter: 2\) Demo-1\.0\.0\.img")
        q.send_keys("\r")
        q.expect(r"hopboot: Demo-1\.0\.0\.img chosen in the boot menu, booting it once\n")
        q.expect(r"hopboot: Demo-1\.0\.0\.img: trial boot 1 of 3, until the OS confirms it")
        qemuboot.expect_demo_boot(q, "1.0.0")
        q.expect(r"hopboot-bless: Demo-1\.0\.0\.img confirmed", qemuboot.DEMO_TIMEOUT)
        qemuboot.expect_poweroff(q)

    with ctx.boot(card, log="boot2-no-key") as q:
        expect_menu(q, "unverified", "good")
        q.expect(r"hopboot: booting Demo-1\.1\.0\.img in 1 s")
        q.expect(r"hopboot: Demo-1\.1\.0\.img: trial boot 1 of 3, until the OS confirms it", 30)
        qemuboot.expect_demo_boot(q, "1.1.0")
        q.expect(r"hopboot-bless: Demo-1\.1\.0\.img confirmed", qemuboot.DEMO_TIMEOUT)
        qemuboot.expect_poweroff(q)
        q.expect_not(r"chosen in the boot menu")

    with ctx.boot(card, log="boot3-digit") as q:
        expect_menu(q, "good", "good")
        q.send_keys("2")
        q.expect(r"hopboot: Demo-1\.0\.0\.img chosen in the boot menu, booting it once\n")
        qemuboot.expect_demo_boot(q, "1.0.0")
        qemuboot.expect_poweroff(q)

    with ctx.boot(card, log="boot4-rescue") as q:
        expect_menu(q, "good", "good")
        q.send_keys("3")
        q.expect(r"hopboot: rescue shell chosen in the boot menu\n")
        q.expect(r"hopboot-rescue# ", 60)
        q.send("echo rescue-$((6*7))")
        q.expect(r"^rescue-42$", 60)
        q.expect_not(r"hopboot: booting Demo-[\d.]+ from")

    with ctx.boot(card, log="boot5-reboot") as q:
        expect_menu(q, "good", "good")
        q.send_keys("4")
        q.expect(r"hopboot: reboot chosen in the boot menu, rebooting\n")
        qemuboot.expect_clean_exit(q)
        q.expect_not(r"hopboot: booting Demo-[\d.]+ from")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
