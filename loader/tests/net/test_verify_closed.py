#!/usr/bin/env python3
"""Network sources fail closed under hopboot.verify=sha256.

A network image is checked only against a .sha1 or SHA1SUMS from its own server (or, under
signed, its .minisig: net.signed), which proves nothing sha256 asks for.  nginx serves
Demo-1.1.0 (+ .sha1, SHA1SUMS); the card says hopboot.verify=sha256 hopboot.src=<nginx>,card
and holds Demo-1.0.0 with its .sha256: "URL: not used: network sources cannot check images
under hopboot.verify=sha256 yet (...)"; the network is not even brought up; Demo-1.0.0
boots from the card.  nginx answered no request at all: Demo-1.1.0, newer and served, was
never fetched.
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
             rf"hopboot\.verify={mode} yet \(only a \.sha1 from the same server, or a signature under "
             r"hopboot\.verify=signed\)\n", qemuboot.LOADER_TIMEOUT)


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
        with netboot.boot(ctx, card, log="sha256") as q:
            refused(q, http.url, "sha256")
            qemuboot.expect_candidates(q, "Demo-1.0.0.img")
            qemuboot.expect_demo_boot(q, "1.0.0")
            qemuboot.expect_poweroff(q)
            q.expect_not(r"hopboot: network: ")

        log = http.log.read_text() if http.log.exists() else ""
        netboot.check(not log.strip(), "nginx answered no request (no network source was used)",
                      f"--- {http.log} ---\n{log}")


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
