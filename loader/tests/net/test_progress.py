#!/usr/bin/env python3
"""A slow download shows its progress; with "quiet" it does not.

nginx serves Demo-1.0.0 and Demo-1.1.0 (about 12 MiB) at 3 MiB/s, so fetching takes
about 4 s.  Boot 1: the serial console (a terminal) gets the updating status line
"Demo-1.1.0.img: fetching NN% (X of Y MiB, R MiB/s, S s left)" more than once, with a
rising percentage, then the "fetched and verified" line, and the image boots.
Boot 2, the same with "quiet" on the command line: no progress, no information lines
at all, and the image still boots.
"""

import re
import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import qemuboot  # noqa: E402
from netboot import image, servers  # noqa: E402

PROGRESS = r"hopboot: Demo-1\.1\.0\.img: fetching (\d+)% \([\d.]+ of [\d.]+ MiB, [\d.]+ MiB/s, \d+ s left\)\n"


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0")
    with servers.Nginx(served, ctx.workdir / "nginx", limit_rate="3m") as http:
        card = netboot.make_card(ctx, [http.url])
        with netboot.boot(ctx, card, log="boot1-progress") as q:
            netboot.expect_network(q)
            percents = [int(q.expect(PROGRESS, qemuboot.LOADER_TIMEOUT).group(1)) for _ in range(2)]
            netboot.check(percents[0] < percents[1], "the percentage rises", str(percents))
            q.expect(r"hopboot: Demo-1\.1\.0\.img: [\d.]+ MiB fetched and verified in \d+\.\d s", 60)
            netboot.expect_net_boot(q, "1.1.0", http.url + image("1.1.0"))

        quiet = netboot.make_card(ctx, [http.url], card="quiet.img", append="demo.poweroff quiet")
        with netboot.boot(ctx, quiet, log="boot2-quiet") as q:
            q.expect(r"HOPBOOT-DEMO name=Demo version=1\.1\.0\s", qemuboot.LOADER_TIMEOUT + 60)
            qemuboot.expect_poweroff(q)
            q.expect_not(r"fetching \d+%")
            q.expect_not(r"hopboot: (network:|candidates|booting)")
            netboot.check(len(netboot.nginx_gets(http, image("1.1.0"))) == 2, "both boots fetched 1.1.0")


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
