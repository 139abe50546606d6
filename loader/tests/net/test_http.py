#!/usr/bin/env python3
"""hopboot boots the newest image of an HTTP directory, reading each file once.

nginx serves Demo-1.0.0.img and Demo-1.1.0.img (+ .sha1) and the SHA1SUMS
index written by images/mkindex; the card holds no image and says
hopboot.src=http://10.0.2.2:PORT/.  The loader lists the directory from
SHA1SUMS, newest first, fetches and verifies Demo-1.1.0.img and boots it; the
demo OS sees hopboot.from=<that image's URL>.  nginx's access log shows one
GET of SHA1SUMS and one full GET of Demo-1.1.0.img (fetched and checked in
one pass), no GET of Demo-1.0.0.img and none of a .sha1 (the index has the
digests).
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
from netboot import image, servers  # noqa: E402


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0")
    size = (served / image("1.1.0")).stat().st_size
    with servers.Nginx(served, ctx.workdir / "nginx") as http:
        netboot.boot_newest_of_two(ctx, http.url)
        netboot.check_nginx_gets(http, "SHA1SUMS", 1, status=200)
        netboot.check_nginx_gets(http, image("1.1.0"), 1, status=200, size=size)
        netboot.check_nginx_gets(http, image("1.0.0"), 0)
        sha1_gets = [line for line in http.log.read_text().splitlines() if '.sha1 ' in line]
        netboot.check(not sha1_gets, "no .sha1 fetched over HTTP", "\n".join(sha1_gets))


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
