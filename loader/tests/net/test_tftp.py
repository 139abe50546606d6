#!/usr/bin/env python3
"""hopboot boots the newest image of a TFTP directory, found through SHA1SUMS.

tftpd-hpa serves Demo-1.0.0.img and Demo-1.1.0.img and the SHA1SUMS index
written by images/mkindex (TFTP cannot list a directory).  The card holds no
image and says hopboot.src=tftp://10.0.2.2:PORT/.  The loader lists both
images newest first and boots Demo-1.1.0 from its tftp URL.
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
from netboot import servers  # noqa: E402


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0", sha1_files=False)
    with servers.Tftpd(served, ctx.workdir / "tftpd") as tftp:
        netboot.boot_newest_of_two(ctx, tftp.url)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("tftpd",)))
