#!/usr/bin/env python3
"""hopboot refuses an HTTPS server whose certificate its CAs do not vouch for.

nginx serves Demo-1.0.0 and Demo-1.1.0 (+ SHA1SUMS) over TLS with a
certificate from a second, unrelated CA (servers.Nginx(untrusted=True));
the card trusts only the test CA (.ca_cert, as ca.pem with hopboot.ca=) and
holds Demo-1.0.0.  The SHA1SUMS fetch is refused with a line naming the
certificate problem, asked once (a certificate failure is not retried), the
loader says every network source failed and boots the card's Demo-1.0.0.
No HTTP request reached nginx.
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import qemuboot  # noqa: E402
from netboot import servers  # noqa: E402


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0")
    with servers.Nginx(served, ctx.workdir / "nginx", untrusted=True) as https:
        card = netboot.make_card(ctx, [https.url], ca=https.ca_cert, card_versions=("1.0.0",))
        with netboot.boot(ctx, card) as q:
            netboot.expect_network(q)
            q.expect(rf"hopboot: {netboot._v(https.url)}: cannot fetch its SHA1SUMS index "
                     r"\(SSL certificate problem: [^\n]+\)\n", qemuboot.LOADER_TIMEOUT)
            netboot.expect_card_fallback(q)
            qemuboot.expect_candidates(q, "Demo-1.0.0.img")
            qemuboot.expect_demo_boot(q, "1.0.0")
            qemuboot.expect_poweroff(q)
            q.expect_not(r"hopboot: candidates at ")
        log = https.log.read_text() if https.log.exists() else ""
        netboot.check(log.strip() == "", "no HTTP request reached nginx", log)
        errors = https.error_log.read_text()
        handshakes = [line for line in errors.splitlines() if "SSL_do_handshake() failed" in line]
        netboot.check(len(handshakes) == 1,
                      f"one TLS handshake refused by the client, not retried (saw {len(handshakes)})",
                      errors)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx", "openssl")))
