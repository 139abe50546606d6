#!/usr/bin/env python3
"""The small loader kernel boots an image from an AoE disk (AoE built in, mdadm in the lean initramfs).

vblade serves an ext4 disk labelled AOEIMAGES holding Demo-1.1.0 as target e0.1 on
a tap interface in a network namespace of the test's own (loader/tests/qemu/aoenet.py).
The card carries the small loader kernel and its lean initramfs, Demo-1.0.0, and says
hopboot.aoe=eth0 hopboot.md=auto hopboot.src=LABEL=AOEIMAGES.  With no modules at
all, the loader finds e0.1 through the built-in aoe driver, runs the lean initramfs's
mdadm (no array: one warning), mounts /dev/etherd/e0.1 read-only and boots Demo-1.1.0
from it.
"""

import sys

sys.dont_write_bytecode = True
import smallkernel  # noqa: E402
from smallkernel import qemuboot  # noqa: E402
import aoenet  # noqa: E402


def main(ctx):
    aoenet.check_host()
    release = smallkernel.use(ctx)
    images = ctx.stage_demo("1.0.0", "1.1.0")
    new = images["1.1.0"]
    disk = aoenet.make_ext4(ctx, "aoe-disk", "AOEIMAGES", [new, new.with_name(new.name + ".sha1")])
    card = ctx.make_card([images["1.0.0"]],
                         append="hopboot.aoe=eth0 hopboot.md=auto hopboot.src=LABEL=AOEIMAGES demo.poweroff")
    with aoenet.Namespace(ctx) as ns:
        ns.serve(0, 1, disk)
        with ns.boot(card) as q:
            smallkernel.expect_loader_banner(q, release)
            q.expect(r"hopboot: AoE: e0\.1 found on eth0 \(\d+\.\d s\)\s", qemuboot.LOADER_TIMEOUT)
            q.expect(r"hopboot: hopboot\.md=auto: mdadm found no array\s")
            q.expect(r"hopboot: LABEL=AOEIMAGES: /dev/etherd/e0\.1 mounted read-only\s")
            qemuboot.expect_demo_boot(q, "1.1.0", source="LABEL=AOEIMAGES")
            qemuboot.expect_poweroff(q)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
