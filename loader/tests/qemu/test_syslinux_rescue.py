#!/usr/bin/env python3
"""The syslinux label `rescue`, chosen at syslinux's boot prompt, opens the rescue shell.

syslinux.cfg says PROMPT 0, so syslinux 6 boots DEFAULT at once unless the BIOS
keyboard flags show right Shift, Ctrl, Alt, Caps Lock or Scroll Lock (it masks 0x5d:
the left Shift does not count); keys on the serial console alone never bring the
prompt up (tried: keys sent from power-on, the default label boots).  So the test
does what a user at the box does: holds the right Shift key of the machine's PS/2
keyboard from power-on (QEMU starts paused and runs once QMP is connected; QMP
input-send-event: its make code every 20 ms, as a held key repeats) and types "rescue" + Enter on the serial console once syslinux has set
the port up (its banner).  The characters wait in the UART until the prompt reads
them, so the prompt's 1 s TIMEOUT does not race the test.
Card: Demo-1.1.0, demo.poweroff.  Expected, in order: syslinux's "boot: " prompt
(not its "Loading bzImage" of the default label), the loader kernel's command line
with hopboot.rescue, "hopboot: rescue shell requested (hopboot.rescue)", and a shell
at "hopboot-rescue# " that evaluates what is typed; no image boots.
"""

import re
import sys
import time

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402

BANNER = re.compile(r"^SYSLINUX \S+ .*Copyright", re.MULTILINE)
PROMPT = re.compile(r"^boot: ", re.MULTILINE)     # not "smpboot: " of the kernel


def hold_until(q, qmp, pattern):
    """Repeat the right Shift's make code until PATTERN is on the console."""
    while not pattern.search(q.output):
        if re.search(r"^Loading bzImage", q.output, re.MULTILINE):
            q.fail(f"syslinux booted its default label before /{pattern.pattern}/ appeared")
        if not q.running:
            q.fail(f"QEMU stopped before /{pattern.pattern}/ appeared")
        qmp.key("shift_r", True)
        time.sleep(0.02)


def main(ctx):
    card = ctx.make_card(ctx.stage_demo("1.1.0").values())
    sock = ctx.workdir / "qmp.sock"
    give_up_on = qemuboot.GIVE_UP_ON + (r"HOPBOOT-DEMO", r"hopboot: booting ")
    # QEMU starts paused (-S) and runs once QMP is connected, so the right Shift goes down
    # while the BIOS is still starting, however long the connection takes on a loaded
    # machine (a fresh-clone run saw syslinux boot its default label before the first key
    # arrived).  A paused machine takes no input events, hence cont first.
    with ctx.boot(card, give_up_on=give_up_on, extra_args=[*qemuboot.qmp_args(sock), "-S"]) as q:
        qmp = qemuboot.Qmp(sock)
        qmp.command("cont")
        hold_until(q, qmp, BANNER)
        q.send("rescue")
        hold_until(q, qmp, PROMPT)
        qmp.key("shift_r", False)
        q.expect(PROMPT, 60)
        q.expect(r"^\[[ \d.]+\] Command line: BOOT_IMAGE=bzImage [^\n]*\bhopboot\.rescue\b", qemuboot.LOADER_TIMEOUT)
        q.expect(r"^hopboot: rescue shell requested \(hopboot\.rescue\)$", qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot-rescue# ", 60)
        q.send("echo rescue-$((6*7))")
        q.expect(r"^rescue-42$", 60)
        q.expect_not(r"hopboot: booting |HOPBOOT-DEMO")
        qmp.close()


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
