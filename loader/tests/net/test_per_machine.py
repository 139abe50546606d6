#!/usr/bin/env python3
"""Per-machine images: ${mac} and ${ip} in hopboot.src=, with a static ip=.

The card gives the kernel's static syntax ip=10.0.2.50::10.0.2.2:255.255.255.0::eth0:off
(an address QEMU's DHCP would never hand out, so the line proves it was applied, not
leased) and hopboot.src=http://<nginx>/${mac}/${ip}/.  nginx serves Demo-1.1.0 only
under /52:54:00:12:34:56/10.0.2.50/ (this guest's MAC and address) and Demo-1.0.0 at
its root: 1.1.0 must boot from the expanded URL.
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
from netboot import image, servers  # noqa: E402

MAC = "52:54:00:12:34:56"
IP = "10.0.2.50"


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0")
    (served / MAC / IP).mkdir(parents=True)
    for directory in (served / MAC, served / MAC / IP):
        directory.chmod(0o755)
    netboot.serve_demo(ctx, "1.1.0", directory=f"served/{MAC}/{IP}")
    with servers.Nginx(served, ctx.workdir / "nginx") as nginx:
        card = netboot.make_card(ctx, [nginx.url + "${mac}/${ip}/"],
                                 append=f"demo.poweroff ip={IP}::10.0.2.2:255.255.255.0::eth0:off")
        expanded = f"{nginx.url}{MAC}/{IP}/"
        with netboot.boot(ctx, card) as q:
            q.expect(rf"hopboot: network: eth0 \({netboot._v(MAC)}\) is {netboot._v(IP)}\s",
                     netboot.qemuboot.LOADER_TIMEOUT)
            netboot.expect_candidates_at(q, expanded, "1.1.0")
            netboot.expect_net_boot(q, "1.1.0", expanded + image("1.1.0"))
        netboot.check_nginx_gets(nginx, f"{MAC}/{IP}/{image('1.1.0')}", 1, status=200)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
