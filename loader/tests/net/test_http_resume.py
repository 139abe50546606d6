#!/usr/bin/env python3
"""A download cut in the middle is resumed where it stopped, not restarted.

A small HTTP server (servers.FaultyHttp) serves Demo-1.0.0, Demo-1.1.0 and
SHA1SUMS; the first GET of Demo-1.1.0.img gets the headers of the whole
file but only its first MiB, then the connection is closed.  The loader
retries with "Range: bytes=1048576-", gets the rest (206), checks the
whole file against SHA1SUMS and boots Demo-1.1.0 from its http URL.  The
server's request log shows exactly two GETs of the image: the cut one and
the resumed one, none from byte 0 again.

--cuts 0 serves the image whole (for checking that the test notices a
missing resume).
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
from netboot import image, qemuboot, servers  # noqa: E402

CUT_AFTER = 1 << 20


def add_arguments(parser):
    parser.add_argument("--cuts", type=int, default=1,
                        help="how many GETs of the image the server cuts (default 1)")


def main(ctx):
    served = netboot.serve_demo(ctx, "1.0.0", "1.1.0")
    size = (served / image("1.1.0")).stat().st_size
    with servers.FaultyHttp(served, ctx.workdir / "faulty-http", cut_after=CUT_AFTER,
                            pattern=image("1.1.0"), cuts=ctx.args.cuts) as http:
        card = netboot.make_card(ctx, [http.url])
        with netboot.boot(ctx, card) as q:
            netboot.expect_network(q)
            netboot.expect_candidates_at(q, http.url, "1.1.0", "1.0.0")
            netboot.expect_net_boot(q, "1.1.0", http.url + image("1.1.0"))
            # The operator is told, in one line, that the transfer broke off and resumed.
            q.assert_seen(rf"hopboot: {qemuboot.re.escape(image('1.1.0'))}: transfer broke off after 1\.0 MiB "
                          r"\([^\n]+\), resuming in 1 s\n")
        requests = http.requests()
    log = f"--- {http.log} ---\n" + "\n".join(requests)
    gets = [line for line in requests if f" GET /{image('1.1.0')} " in line]
    netboot.check(len(gets) == 2, f"two GETs of {image('1.1.0')} (saw {len(gets)})", log)
    netboot.check(gets[0].endswith(f'range="-" 200 bytes=0-{size - 1}/{size} sent={CUT_AFTER} CUT')
                  if gets else False,
                  f"the first GET was cut after {CUT_AFTER} bytes", log)
    netboot.check(len(gets) > 1 and gets[1].endswith(
                      f'range="bytes={CUT_AFTER}-" 206 bytes={CUT_AFTER}-{size - 1}/{size} '
                      f'sent={size - CUT_AFTER}'),
                  f"then resumed with Range: bytes={CUT_AFTER}- and the rest sent in full", log)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, add_arguments=add_arguments))
