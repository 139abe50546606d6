#!/usr/bin/env python3
"""hopboot boots the newest image of an NFSv4 export.

nfs-ganesha exports a directory holding Demo-1.0.0.img and Demo-1.1.0.img,
each with its .sha1 beside it (an export is listed, no SHA1SUMS), read-only
at /export.  The card holds no image and says
hopboot.src=nfs://10.0.2.2:PORT/export/.  The loader mounts the export, lists
both images newest first, copies Demo-1.1.0 into RAM while checking it and
boots it from its nfs URL.
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
from netboot import servers  # noqa: E402


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0", index=False)
    with servers.Ganesha(served, ctx.workdir / "ganesha") as nfs:
        netboot.check(nfs.export_created(), f"ganesha exports {served} as {nfs.pseudo}")
        netboot.boot_newest_of_two(ctx, nfs.url)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("ganesha",)))
