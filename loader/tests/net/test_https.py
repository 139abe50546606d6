#!/usr/bin/env python3
"""hopboot boots over HTTPS, trusting a CA given on the card with hopboot.ca=.

nginx serves Demo-1.0.0 and Demo-1.1.0 (+ SHA1SUMS) over TLS with a
certificate for 10.0.2.2 from a throw-away test CA.  The card holds that
CA as ca.pem and says hopboot.src=https://10.0.2.2:PORT/ hopboot.ca=ca.pem;
it holds no image.  The loader verifies the server, lists SHA1SUMS and boots
Demo-1.1.0 from its https URL; nginx logged both GETs over TLS.
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
from netboot import image, servers  # noqa: E402


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0")
    with servers.Nginx(served, ctx.workdir / "nginx", tls=True) as https:
        netboot.check(https.url.startswith("https://10.0.2.2:"), f"server URL {https.url}")
        netboot.boot_newest_of_two(ctx, https.url, ca=https.ca_cert)
        for line in netboot.check_nginx_gets(https, "SHA1SUMS", 1, status=200) + \
                netboot.check_nginx_gets(https, image("1.1.0"), 1, status=200):
            netboot.check(" TLSv1." in line, f"over TLS: {line}")


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx", "openssl")))
