#!/usr/bin/env python3
"""hopboot boots over HTTPS, trusting a CA given on the card with hopboot.ca=.

nginx serves Demo-1.0.0 and Demo-1.1.0 (+ SHA1SUMS) over TLS with a
certificate for 10.0.2.2 from a throw-away test CA.  The card holds that
CA as ca.pem and says hopboot.src=https://10.0.2.2:PORT/ hopboot.ca=ca.pem;
it holds no image.  The loader verifies the server, lists SHA1SUMS and boots
Demo-1.1.0 from its https URL; nginx logged both GETs over TLS.
Then a second TLS server answers everything with a redirect to the plain HTTP one
(an on-path attacker's downgrade): the loader refuses to follow an https URL to http
("cannot fetch its SHA1SUMS index (...http...)"), the plain server sees no request,
and the card's Demo-1.0.0 boots.
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
from netboot import image, qemuboot, servers  # noqa: E402


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0")
    with servers.Nginx(served, ctx.workdir / "nginx", tls=True) as https:
        netboot.check(https.url.startswith("https://10.0.2.2:"), f"server URL {https.url}")
        netboot.boot_newest_of_two(ctx, https.url, ca=https.ca_cert)
        for line in netboot.check_nginx_gets(https, "SHA1SUMS", 1, status=200) + \
                netboot.check_nginx_gets(https, image("1.1.0"), 1, status=200):
            netboot.check(" TLSv1." in line, f"over TLS: {line}")

    with servers.Nginx(served, ctx.workdir / "plain") as plain, \
            servers.Nginx(served, ctx.workdir / "redirect", tls=True, redirect_to=plain.url.rstrip("/")) as https:
        card = netboot.make_card(ctx, [https.url], ca=https.ca_cert, card_versions=("1.0.0",), card="downgrade.img")
        with netboot.boot(ctx, card, log="downgrade") as q:
            netboot.expect_network(q)
            q.expect(rf"hopboot: {qemuboot._v(https.url)}: cannot fetch its SHA1SUMS index \([^\n]*http[^\n]*\)\n",
                     qemuboot.LOADER_TIMEOUT)
            netboot.expect_card_fallback(q)
            qemuboot.expect_demo_boot(q, "1.0.0")
            qemuboot.expect_poweroff(q)
        netboot.check_nginx_gets(https, "SHA1SUMS", 1)
        netboot.check_nginx_gets(plain, "SHA1SUMS", 0)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx", "openssl")))
