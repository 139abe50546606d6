#!/usr/bin/env python3
"""AoE: an image on an ATA-over-Ethernet disk, named by label (hopboot.aoe=, block sources).

1. vblade serves an ext4 disk labelled AOEIMAGES holding Demo-1.1.0 as target e0.1
   on a tap interface in a network namespace the test makes (aoenet.py).  The card
   holds Demo-1.0.0 and says hopboot.aoe=eth0 hopboot.src=LABEL=AOEIMAGES.  hopboot
   brings eth0 up, finds "AoE: e0.1 found on eth0", mounts /dev/etherd/e0.1 read-only
   and boots Demo-1.1.0 from LABEL=AOEIMAGES.  The disk's bytes are unchanged.
2. Failure paths, one boot, no vblade: the NIC is a QEMU socket backend with no peer
   (nothing is on the wire), and the card says hopboot.aoe=eth0,eth9 hopboot.md=auto
   hopboot.wait=3 hopboot.src=LABEL=AOEIMAGES.  hopboot says
   "hopboot.aoe=eth9: no such interface", "AoE: no target answered on eth0 within 3 s",
   "hopboot.md=auto: mdadm found no array", that LABEL=AOEIMAGES never appeared, and
   boots the card's Demo-1.0.0 as the last resort.
"""

import socket
import sys

sys.dont_write_bytecode = True
import aoenet  # noqa: E402
import qemuboot  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(ctx):
    aoenet.check_host()
    images = ctx.stage_demo("1.0.0", "1.1.0")
    new = images["1.1.0"]
    disk = aoenet.make_ext4(ctx, "aoe-disk", "AOEIMAGES", [new, new.with_name(new.name + ".sha1")])
    before = qemuboot.sha1_of(disk)
    card = ctx.make_card([images["1.0.0"]], append="hopboot.aoe=eth0 hopboot.src=LABEL=AOEIMAGES demo.poweroff")
    with aoenet.Namespace(ctx) as ns:
        ns.serve(0, 1, disk)
        with ns.boot(card) as q:
            q.expect(r"hopboot: AoE: e0\.1 found on eth0 \(\d+\.\d s\)\s", qemuboot.LOADER_TIMEOUT)
            q.expect(r"hopboot: LABEL=AOEIMAGES: /dev/etherd/e0\.1 mounted read-only\s")
            qemuboot.expect_candidates(q, "Demo-1.1.0.img")
            qemuboot.expect_demo_boot(q, "1.1.0", source="LABEL=AOEIMAGES")
            qemuboot.expect_poweroff(q)
            q.expect_not(r"hopboot\.md=")  # md is off unless asked for
    if qemuboot.sha1_of(disk) != before:
        raise qemuboot.TestFailure("the AoE disk changed: hopboot must only read it")

    card2 = ctx.make_card([images["1.0.0"]], card="card2.img",
                          append="hopboot.aoe=eth0,eth9 hopboot.md=auto hopboot.wait=3 "
                                 "hopboot.src=LABEL=AOEIMAGES demo.poweroff")
    nic = ("-netdev", f"socket,id=n0,listen=127.0.0.1:{free_port()}", "-device", "virtio-net-pci,netdev=n0")
    with ctx.boot(card2, log="no-target", extra_args=nic) as q:
        q.expect(r"hopboot: hopboot\.aoe=eth9: no such interface\s", qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot: AoE: no target answered on eth0 within 3 s\s")
        q.expect(r"hopboot: hopboot\.md=auto: mdadm found no array\s")
        q.expect(r"hopboot: LABEL=AOEIMAGES: no such device appeared within 3 s\s")
        q.expect(r"hopboot: no source of hopboot\.src= booted, trying the card's images\s")
        qemuboot.expect_demo_boot(q, "1.0.0")
        qemuboot.expect_poweroff(q)
        q.expect_not(r"hopboot: AoE: .* found on")


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
