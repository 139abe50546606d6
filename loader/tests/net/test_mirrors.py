#!/usr/bin/env python3
"""Sources are tried in order: a dead first mirror costs time, not the boot.

hopboot.src=http://10.0.2.2:DEAD/,ftp://10.0.2.2:PORT/ where nothing listens
on DEAD and vsftpd serves Demo-1.0.0 and Demo-1.1.0 (+ .sha1); the card
holds Demo-1.0.0 as a fallback.  The loader names the connection failure of
the first source, then lists the second and boots Demo-1.1.0 from its ftp
URL.  The card's images are never tried.
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
from netboot import image, servers  # noqa: E402


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0", index=False)
    with netboot.DeadPort() as dead, servers.Vsftpd(served, ctx.workdir / "vsftpd") as ftp:
        card = netboot.make_card(ctx, [dead.url, ftp.url], card_versions=("1.0.0",))
        with netboot.boot(ctx, card) as q:
            netboot.expect_network(q)
            netboot.expect_connection_refused(q, dead.url, dead.port)
            netboot.expect_candidates_at(q, ftp.url, "1.1.0", "1.0.0")
            netboot.expect_net_boot(q, "1.1.0", ftp.url + image("1.1.0"))
            netboot.expect_card_not_tried(q)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("vsftpd",)))
