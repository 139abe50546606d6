#!/usr/bin/env python3
"""The small loader kernel boots the newest image of an HTTP directory.

nginx on 127.0.0.1 serves Demo-1.0.0.img and Demo-1.1.0.img with SHA1SUMS; the
card (small loader kernel, lean initramfs, no image) says
hopboot.src=http://10.0.2.2:PORT/.  QEMU's user network reaches the guest through
the NIC model given by --nic (default virtio-net-pci; e1000 for Intel's PRO/1000,
the common NIC that Debian's cloud kernel lacks).  The console's first kernel is
the small one; its built-in driver brings up eth0, udhcpc (AF_PACKET) leases
10.0.2.15, hopboot lists the directory newest first, fetches and verifies
Demo-1.1.0.img in one GET and kexecs into its kernel; the demo OS comes up from
the image in RAM and powers off.
"""

import sys

sys.dont_write_bytecode = True
import smallkernel  # noqa: E402
from smallkernel import netboot, qemuboot  # noqa: E402
from netboot import image, servers  # noqa: E402

# What each NIC's driver says when it binds, on the loader kernel's console.
DRIVER_LINES = {
    "virtio-net-pci": None,     # virtio_net prints nothing of its own
    "e1000": r"e1000 \S+ eth0: Intel\(R\) PRO/1000 Network Connection",
}


def add_arguments(parser):
    parser.add_argument("--nic", choices=sorted(DRIVER_LINES), default="virtio-net-pci",
                        help="QEMU NIC model of the guest (default: virtio-net-pci)")


def main(ctx):
    nic = ctx.args.nic
    release = smallkernel.use(ctx)
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0")
    size = (served / image("1.1.0")).stat().st_size
    with servers.Nginx(served, ctx.workdir / "nginx") as http:
        card = netboot.make_card(ctx, [http.url])
        with smallkernel.boot(ctx, card, nic=nic) as q:
            smallkernel.expect_loader_banner(q, release)
            if DRIVER_LINES[nic]:
                q.expect(DRIVER_LINES[nic], qemuboot.LOADER_TIMEOUT)
            netboot.expect_network(q)
            netboot.expect_candidates_at(q, http.url, "1.1.0", "1.0.0")
            netboot.expect_net_boot(q, "1.1.0", http.url + image("1.1.0"))
        netboot.check_nginx_gets(http, image("1.1.0"), 1, status=200, size=size)
        netboot.check_nginx_gets(http, image("1.0.0"), 0)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",), add_arguments=add_arguments))
