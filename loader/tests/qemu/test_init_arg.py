#!/usr/bin/env python3
"""init= on the card's APPEND line reaches the OS: stage 2 starts that program.

Card: a Demo-1.1.0 built in the test with an extra /sbin/otherinit (a busybox sh
script that takes the console, prints "OTHERINIT pid=<its pid>", "OTHERINIT
root=<fstype of />" and "OTHERINIT cmdline=<the kernel command line>", then powers
off), APPEND init=/sbin/otherinit.  Expected: Demo-1.1.0 boots from the card, stage 2
builds the usual root (image + keydisk), and /sbin/otherinit runs as PID 1 on the
overlay root with init=/sbin/otherinit on its command line; the demo's own
/sbin/init never runs (no HOPBOOT-DEMO line), and QEMU exits by the poweroff.
"""

import sys

sys.dont_write_bytecode = True
import qemuboot  # noqa: E402

OTHERINIT = """#!/bin/sh
PATH=/sbin:/bin:/usr/sbin:/usr/bin
[ -e /proc/self ] || mount -t proc proc /proc
grep -q '^[^ ]* /dev ' /proc/mounts || mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
root=$(awk '$2 == "/" { fs = $3 } END { print fs }' /proc/mounts)
echo "OTHERINIT pid=$$"
echo "OTHERINIT root=$root"
echo "OTHERINIT cmdline=$(cat /proc/cmdline)"
sync
poweroff -f
"""


def add_otherinit(root):
    script = root / "sbin" / "otherinit"
    script.write_text(OTHERINIT)
    script.chmod(0o755)


def main(ctx):
    image = ctx.custom_demo("1.1.0", add_otherinit)
    if "/sbin/otherinit" not in qemuboot.squashfs_list(image):
        raise qemuboot.TestFailure(f"{image.name} has no /sbin/otherinit")
    card = ctx.make_card([image], append="init=/sbin/otherinit")
    with ctx.boot(card, give_up_on=qemuboot.GIVE_UP_ON + (r"HOPBOOT-DEMO",)) as q:
        q.expect(r"^hopboot: booting Demo-1\.1\.0 from card\b", qemuboot.LOADER_TIMEOUT)
        q.expect(r"^hopboot-stage2: root is Demo-1\.1\.0\.img \+ keydisk kd\.img$", qemuboot.DEMO_TIMEOUT)
        q.expect(r"^OTHERINIT pid=1$", qemuboot.DEMO_TIMEOUT)
        q.expect(r"^OTHERINIT root=overlay$", qemuboot.DEMO_TIMEOUT)
        q.expect(r"^OTHERINIT cmdline=[^\n]*(?<!\S)init=/sbin/otherinit(?!\S)[^\n]*"
                 r"(?<!\S)hopboot\.booted=Demo-1\.1\.0(?!\S)", qemuboot.DEMO_TIMEOUT)
        qemuboot.expect_clean_exit(q)
        q.expect_not(r"HOPBOOT-DEMO")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
