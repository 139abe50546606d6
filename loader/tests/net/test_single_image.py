#!/usr/bin/env python3
"""A source URL that names one image boots that image, not the newest on the server.

nginx serves Demo-1.0.0.img and Demo-1.1.0.img with their .sha1 files; the
card holds no image and says
hopboot.src=http://10.0.2.2:PORT/Demo-1.0.0.img.  The loader's only
candidate is Demo-1.0.0.img, checked against Demo-1.0.0.img.sha1 fetched
from beside it (there is no SHA1SUMS), and Demo-1.0.0 boots although 1.1.0
is newer.
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
from netboot import image, servers  # noqa: E402


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0", index=False)
    with servers.Nginx(served, ctx.workdir / "nginx") as http:
        url = http.url + image("1.0.0")
        card = netboot.make_card(ctx, [url])
        with netboot.boot(ctx, card) as q:
            netboot.expect_network(q)
            netboot.expect_candidates_at(q, url, "1.0.0")
            netboot.expect_net_boot(q, "1.0.0", url)
            q.expect_not(r"Demo-1\.1\.0")
        netboot.check_nginx_gets(http, f"{image('1.0.0')}.sha1", 1, status=200)
        netboot.check_nginx_gets(http, image("1.0.0"), 1, status=200)
        netboot.check_nginx_gets(http, "SHA1SUMS", 0)
        netboot.check_nginx_gets(http, image("1.1.0"), 0)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
