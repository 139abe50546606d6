#!/usr/bin/env python3
"""hopboot boots the newest image of an FTP directory, found by listing it.

vsftpd (anonymous, read-only) serves Demo-1.0.0.img and Demo-1.1.0.img,
each with its .sha1 beside it, and no SHA1SUMS: an FTP directory is listed.
The card holds no image and says hopboot.src=ftp://10.0.2.2:PORT/.  The
loader lists both images newest first, fetches Demo-1.1.0.img.sha1 and the
image, and boots Demo-1.1.0 from its ftp URL; vsftpd's log shows the
listing and one download of the image.
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
from netboot import image, servers  # noqa: E402


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0", index=False)
    with servers.Vsftpd(served, ctx.workdir / "vsftpd") as ftp:
        netboot.boot_newest_of_two(ctx, ftp.url)
        log = ftp.log.read_text()
        netboot.check('"NLST"' in log, "vsftpd listed the directory (NLST)", log)
        for name in (f"{image('1.1.0')}.sha1", image("1.1.0")):
            retrieved = [line for line in log.splitlines() if f'"RETR {name}"' in line]
            netboot.check(len(retrieved) == 1, f"vsftpd sent {name} once (saw {len(retrieved)})", log)
        netboot.check(f'"RETR {image("1.0.0")}' not in log, f"{image('1.0.0')} not fetched", log)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("vsftpd",)))
