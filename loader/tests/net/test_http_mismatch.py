#!/usr/bin/env python3
"""An image whose bytes do not match SHA1SUMS is rejected; the next one boots.

nginx serves Demo-1.0.0.img and Demo-1.1.0.img with a SHA1SUMS written from
the good files; then 4 KiB in the middle of the served Demo-1.1.0.img are
inverted.  The loader fetches it, says "Demo-1.1.0.img: checksum mismatch
(file is ..., SHA1SUMS says ...), trying Demo-1.0.0.img" with the first
12 hex digits of both digests, and boots Demo-1.0.0 from its http URL.
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import qemuboot  # noqa: E402
from netboot import image, servers  # noqa: E402


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0")
    good = qemuboot.sha1_of(served / image("1.1.0"))
    qemuboot.corrupt_middle(served / image("1.1.0"))
    bad = qemuboot.sha1_of(served / image("1.1.0"))
    with servers.Nginx(served, ctx.workdir / "nginx") as http:
        card = netboot.make_card(ctx, [http.url])
        with netboot.boot(ctx, card) as q:
            netboot.expect_network(q)
            netboot.expect_candidates_at(q, http.url, "1.1.0", "1.0.0")
            qemuboot.expect_rejected(q, image("1.1.0"),
                                     rf"checksum mismatch \(file is {bad[:12]}\.\.\., "
                                     rf"SHA1SUMS says {good[:12]}", image("1.0.0"))
            netboot.expect_net_boot(q, "1.0.0", http.url + image("1.0.0"))
            q.expect_not(r"hopboot: booting Demo-1\.1\.0")


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
