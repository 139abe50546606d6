#!/usr/bin/env python3
"""Without a network the loader says why in one line and boots the card's images.

Two boots of a card holding Demo-1.0.0 whose hopboot.src= points at an HTTP URL, with
hopboot.wait=3 to keep the bounded waits short:
  1. no network card at all: "network: no network interface";
  2. a network card on a segment where nobody answers DHCP (a QEMU socket backend
     with no peer): "network: no DHCP lease on eth0 within 3 s".
Each time the loader goes on with "every network source failed, trying the card's
images" and Demo-1.0.0 boots from the card.  A third boot, of a card with no images at
all, must end in the rescue shell, which answers.
"""

import socket
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "qemu"))
sys.dont_write_bytecode = True
import qemuboot  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def boot(ctx, card, log, extra_args, why):
    with qemuboot.Qemu(ctx.workdir / f"{log}.log", card=card, name=log, extra_args=extra_args,
                       hard_timeout=qemuboot.BOOT_HARD_TIMEOUT, give_up_on=qemuboot.GIVE_UP_ON) as q:
        q.expect(rf"hopboot: network: {why}\s", qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot: every network source failed, trying the card's images\s", qemuboot.LOADER_TIMEOUT)
        qemuboot.expect_demo_boot(q, "1.0.0")
        qemuboot.expect_poweroff(q)


def main(ctx):
    images = ctx.stage_demo("1.0.0")
    card = ctx.make_card(images.values(), append="demo.poweroff hopboot.wait=3 hopboot.src=http://10.0.2.2:9/")
    boot(ctx, card, "no-nic", (), r"no network interface")
    # A socket backend listening on loopback: the NIC has a link, but nothing is on the wire.
    nic = ("-netdev", f"socket,id=n0,listen=127.0.0.1:{free_port()}", "-device", "virtio-net-pci,netdev=n0")
    boot(ctx, card, "no-dhcp", nic, r"no DHCP lease on eth0 within 3 s")

    empty = ctx.make_card([], card="empty.img", append="hopboot.wait=3 hopboot.src=http://10.0.2.2:9/")
    with qemuboot.Qemu(ctx.workdir / "empty.log", card=empty, name="empty", hard_timeout=qemuboot.BOOT_HARD_TIMEOUT) as q:
        q.expect(r"hopboot: network: no network interface\s", qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot: every network source failed, trying the card's images\s", qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot: no Demo-X\.Y\.Z\.img image on the card\s", qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot: no bootable image from any source, starting rescue shell\s", qemuboot.LOADER_TIMEOUT)
        q.expect(r"hopboot-rescue# ", 60)
        q.send("echo rescue-$((6*7))")
        q.expect(r"^rescue-42$", 60)


if __name__ == "__main__":
    sys.exit(qemuboot.run(main, __doc__))
