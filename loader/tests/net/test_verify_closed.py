#!/usr/bin/env python3
"""Network sources fail closed under hopboot.verify=sha256 and signed.

A network image is checked only against a .sha1 or SHA1SUMS from its own server, which
proves nothing a stronger mode asks for.  nginx serves Demo-1.1.0 (+ .sha1, SHA1SUMS);
each card says hopboot.src=<nginx>,card and holds Demo-1.0.0.
  boot 1  hopboot.verify=sha256, Demo-1.0.0 with its .sha256: "URL: not used: network
          sources cannot check images under hopboot.verify=sha256 yet (only a .sha1
          from the same server)"; the network is not even brought up; Demo-1.0.0
          boots from the card.
  boot 2  hopboot.verify=signed, a key made with minisign, Demo-1.0.0 signed by it: the
          same line for signed; Demo-1.0.0 boots from the card with "signature ok".
nginx answered no request at all: Demo-1.1.0, newer and served, was never fetched.
"""

import re
import shutil
import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import qemuboot  # noqa: E402
from netboot import servers  # noqa: E402


def refused(q, url, mode):
    q.expect(rf"hopboot: {re.escape(url)}: not used: network sources cannot check images under "
             rf"hopboot\.verify={mode} yet \(only a \.sha1 from the same server\)\n", qemuboot.LOADER_TIMEOUT)


def card_image(ctx, folder):
    """Demo-1.0.0 with its .sha1 and .sha256, in workdir/FOLDER."""
    directory = ctx.workdir / folder
    directory.mkdir()
    for suffix in ("", ".sha1", ".sha256"):
        shutil.copyfile(ctx.artifact(f"demo/Demo-1.0.0.img{suffix}"), directory / f"Demo-1.0.0.img{suffix}")
    return directory / "Demo-1.0.0.img"


def main(ctx):
    served = netboot.serve_demo(ctx, "1.1.0")
    with servers.Nginx(served, ctx.workdir / "nginx") as http:
        source = f"hopboot.src={http.url},card"

        card = ctx.make_card([card_image(ctx, "sha256")], card="sha256.img",
                             append=f"demo.poweroff hopboot.verify=sha256 {source}")
        with netboot.boot(ctx, card, log="boot1-sha256") as q:
            refused(q, http.url, "sha256")
            qemuboot.expect_candidates(q, "Demo-1.0.0.img")
            qemuboot.expect_demo_boot(q, "1.0.0")
            qemuboot.expect_poweroff(q)
            q.expect_not(r"hopboot: network: ")

        pub, sec = ctx.workdir / "trusted.pub", ctx.workdir / "trusted.key"
        qemuboot.run_tool(["minisign", "-G", "-W", "-p", pub, "-s", sec], log=ctx.tool_log)
        signed = card_image(ctx, "signed")
        qemuboot.run_tool(["minisign", "-S", "-s", sec, "-m", signed], log=ctx.tool_log)
        card = ctx.make_card([signed], card="signed.img", keys=[pub],
                             append=f"demo.poweroff hopboot.verify=signed {source}")
        with netboot.boot(ctx, card, log="boot2-signed") as q:
            q.expect(r"hopboot: hopboot\.verify=signed: 1 trusted key\s", qemuboot.LOADER_TIMEOUT)
            refused(q, http.url, "signed")
            qemuboot.expect_candidates(q, "Demo-1.0.0.img")
            qemuboot.expect_demo_boot(q, "1.0.0")
            q.assert_seen(r"hopboot: booting Demo-1\.0\.0 from card \(signature ok,")
            qemuboot.expect_poweroff(q)
            q.expect_not(r"hopboot: network: ")

        log = http.log.read_text() if http.log.exists() else ""
        netboot.check(not log.strip(), "nginx answered no request (no network source was used)",
                      f"--- {http.log} ---\n{log}")


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
