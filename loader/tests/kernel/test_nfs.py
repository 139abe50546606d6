#!/usr/bin/env python3
"""The small loader kernel boots the newest image of an NFSv4 export.

nfs-ganesha on 127.0.0.1 exports Demo-1.0.0.img and Demo-1.1.0.img (+ .sha1); the
card (small loader kernel, lean initramfs, no image) says
hopboot.src=nfs://10.0.2.2:PORT/export/.  The console's first kernel is the small
one; its built-in NFS client mounts the export (nothing to load: the loader has no
modules), hopboot lists it newest first, verifies Demo-1.1.0.img and kexecs into its
kernel; the demo OS comes up from the image in RAM and powers off.
"""

import sys

sys.dont_write_bytecode = True
import smallkernel  # noqa: E402
from smallkernel import netboot  # noqa: E402
from netboot import image, servers  # noqa: E402


def main(ctx):
    release = smallkernel.use(ctx)
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0", index=False)
    with servers.Ganesha(served, ctx.workdir / "ganesha") as nfs:
        netboot.check(nfs.export_created(), f"ganesha exports {served} as {nfs.pseudo}")
        card = netboot.make_card(ctx, [nfs.url])
        with netboot.boot(ctx, card) as q:
            smallkernel.expect_loader_banner(q, release)
            netboot.expect_network(q)
            netboot.expect_candidates_at(q, nfs.url, "1.1.0", "1.0.0")
            netboot.expect_net_boot(q, "1.1.0", nfs.url + image("1.1.0"))


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("ganesha",)))
