#!/usr/bin/env python3
"""An image listed in SHA1SUMS but missing on the server is skipped; the next one boots.

nginx serves Demo-1.0.0.img and a SHA1SUMS (images/mkindex) that also lists
Demo-1.1.0.img, which is not on the server.  The loader lists both, gets 404
for Demo-1.1.0.img, says "Demo-1.1.0.img: not found on the server, trying
Demo-1.0.0.img" and boots Demo-1.0.0 from its http URL.  A 404 is asked
once: nginx saw a single GET of Demo-1.1.0.img.
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import qemuboot  # noqa: E402
from netboot import image, servers  # noqa: E402


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0")
    for name in (image("1.1.0"), f"{image('1.1.0')}.sha1"):
        (served / name).unlink()
    netboot.check(image("1.1.0") in (served / "SHA1SUMS").read_text(),
                  f"SHA1SUMS lists {image('1.1.0')}, which the server does not have")
    with servers.Nginx(served, ctx.workdir / "nginx") as http:
        card = netboot.make_card(ctx, [http.url])
        with netboot.boot(ctx, card) as q:
            netboot.expect_network(q)
            netboot.expect_candidates_at(q, http.url, "1.1.0", "1.0.0")
            qemuboot.expect_rejected(q, image("1.1.0"), r"not found on the server", image("1.0.0"))
            netboot.expect_net_boot(q, "1.0.0", http.url + image("1.0.0"))
            q.expect_not(r"hopboot: booting Demo-1\.1\.0")
        netboot.check_nginx_gets(http, image("1.1.0"), 1, status=404)
        netboot.check_nginx_gets(http, image("1.0.0"), 1, status=200)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
