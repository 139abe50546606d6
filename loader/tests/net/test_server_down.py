#!/usr/bin/env python3
"""When the network sources fail, the card's images boot: a dead server, and one that
sends images too slowly to finish within hopboot.timeout.fetch= (one download) and
hopboot.timeout.source= (everything from one source).

Sources, in this order, then the card (Demo-1.0.0):
  dead     http://10.0.2.2:PORT/ on a port where nothing listens (kept bound, so nothing
           else can take it, and connections to it are refused).  The loader retries the
           connection (1 + 2 + 4 s of backoff, so the failure line comes at least 6.5 s
           after the network is up) and names the failure in the SHA1SUMS index line.
  trickle  a server that sends Demo-1.2.0.img and Demo-1.1.0.img at 4 KiB/s: above
           libcurl's low-speed limit (1 KiB/s), so only the deadlines stop it.  With
           hopboot.timeout.fetch=12 the loader gives up 1.2.0 after 12 s with one line;
           with hopboot.timeout.source=20 it gives up 1.1.0 when the source's 20 s are
           over (about 8 s later), not after another 12.  It asks for each image once (a
           deadline is not retried), and the server never sent all of either.
Then the loader says every network source failed and boots Demo-1.0.0 from the card.
"""

import re
import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import qemuboot  # noqa: E402
from netboot import image, servers  # noqa: E402

BACKOFF = 1 + 2 + 4   # seconds the loader sleeps between its 4 connection attempts
SLACK = 0.5           # console latency the host may see between two lines
DEADLINE = 12         # hopboot.timeout.fetch=
SOURCE = 20           # hopboot.timeout.source=
TRICKLE = 4096        # bytes a second


def main(ctx):
    served = netboot.serve_demo(ctx, "1.1.0", "1.2.0")
    with netboot.DeadPort() as dead, \
            servers.FaultyHttp(served, ctx.workdir / "trickle-http", cuts=0, pattern="*.img",
                               trickle=TRICKLE) as trickle:
        card = netboot.make_card(ctx, [dead.url, trickle.url], card_versions=("1.0.0",),
                                 append=f"hopboot.timeout.fetch={DEADLINE} hopboot.timeout.source={SOURCE} "
                                        "demo.poweroff")
        with netboot.boot(ctx, card) as q:
            up = netboot.expect_network(q)
            refused = netboot.expect_connection_refused(q, dead.url, dead.port)
            waited = netboot.seconds_between(q, up, refused)
            netboot.check(waited >= BACKOFF - SLACK,
                          f"connection retried with backoff: failure line {waited:.1f} s after "
                          f"the network came up (at least {BACKOFF - SLACK} s)")
            listed = netboot.expect_candidates_at(q, trickle.url, "1.2.0", "1.1.0")
            late = qemuboot.expect_rejected(
                q, image("1.2.0"),
                rf"not done after {DEADLINE} s \(the limit for one download; hopboot\.timeout\.fetch=\)",
                image("1.1.0"))
            took = netboot.seconds_between(q, listed, late)
            netboot.check(DEADLINE - SLACK <= took < DEADLINE + 5,
                          f"the trickled download given up after {took:.1f} s (deadline {DEADLINE} s)")
            ended = qemuboot.expect_rejected(
                q, image("1.1.0"),
                rf"the time for this source ran out \({SOURCE} s in all; hopboot\.timeout\.source=\)")
            took = netboot.seconds_between(q, listed, ended)
            netboot.check(SOURCE - 2 <= took < SOURCE + 5,
                          f"the source given up {took:.1f} s after its listing (its deadline: {SOURCE} s "
                          f"after it started)")
            netboot.expect_card_fallback(q)
            qemuboot.expect_candidates(q, "Demo-1.0.0.img")
            qemuboot.expect_demo_boot(q, "1.0.0")
            qemuboot.expect_poweroff(q)
        for version in ("1.2.0", "1.1.0"):
            size = (served / image(version)).stat().st_size
            gets = [line for line in trickle.requests() if f"GET /{image(version)} " in line]
            sent = [int(re.search(r"sent=(\d+)", line).group(1)) for line in gets if "TRICKLED" in line]
            netboot.check(len(gets) == 1 and len(sent) == 1 and sent[0] < size,
                          f"{image(version)} asked for once, trickled and not sent in full "
                          f"({sent} of {size} bytes)", "\n".join(gets))


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__))
