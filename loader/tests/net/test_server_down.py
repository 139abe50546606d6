#!/usr/bin/env python3
"""When the only network source cannot be reached, the card's images boot.

hopboot.src=http://10.0.2.2:PORT/ names a port on which nothing listens (it
is kept bound, so nothing else can take it, and connections to it are
refused); the card holds Demo-1.0.0.  The loader retries the connection
(1 + 2 + 4 s of backoff, so the failure line comes at least 6.5 s after
the network is up), names the failure in the SHA1SUMS index line, says
every network source failed and boots Demo-1.0.0 from the card.
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import qemuboot  # noqa: E402

BACKOFF = 1 + 2 + 4   # seconds the loader sleeps between its 4 connection attempts
SLACK = 0.5           # console latency the host may see between two lines


def main(ctx):
    with netboot.DeadPort() as dead:
        card = netboot.make_card(ctx, [dead.url], card_versions=("1.0.0",))
        with netboot.boot(ctx, card) as q:
            up = netboot.expect_network(q)
            refused = netboot.expect_connection_refused(q, dead.url, dead.port)
            waited = netboot.seconds_between(q, up, refused)
            netboot.check(waited >= BACKOFF - SLACK,
                          f"connection retried with backoff: failure line {waited:.1f} s after "
                          f"the network came up (at least {BACKOFF - SLACK} s)")
            netboot.expect_card_fallback(q)
            qemuboot.expect_candidates(q, "Demo-1.0.0.img")
            qemuboot.expect_demo_boot(q, "1.0.0")
            qemuboot.expect_poweroff(q)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__))
