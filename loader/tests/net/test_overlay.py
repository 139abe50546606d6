#!/usr/bin/env python3
"""An overlay fetched over HTTP shows its file in the booted OS.

Card: Demo-1.1.0 (booted from the card: no network source) with
hopboot.overlay=http://<nginx>/overlays/${mac}.tar.gz.  nginx serves, under this
guest's MAC, a .tar.gz holding etc/hopboot-overlay-proof with a random token (and
etc/motd), plus its .sha1.  The loader brings the network up for the overlay alone,
fetches it once ("... KiB fetched, sha1 ok"), boots Demo-1.1.0 from the card, stage 2
says it unpacked 2 files onto the root; in the demo OS /etc/hopboot-overlay-proof
holds the token, and so does the upper layer on the keydisk
(/media/keydisk/upper/...).  After a clean poweroff the card's kd.img holds the token
and the image on the card is unchanged.  nginx saw one GET of the tarball and one of
its .sha1.
"""

import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import overlays  # noqa: E402
import qemuboot  # noqa: E402
from netboot import servers  # noqa: E402
from qemuboot import TestFailure  # noqa: E402


def main(ctx):
    token = overlays.new_token()
    served = ctx.workdir / "served"
    served.mkdir(mode=0o755)
    tarball = overlays.make_tarball(served / "overlays" / f"{netboot.GUEST_MAC}.tar.gz", token)
    overlays.write_sha1(tarball)
    with servers.Nginx(served, ctx.workdir / "nginx") as nginx:
        card = overlays.make_card(ctx, nginx.url + overlays.TEMPLATE)
        image_sha1 = qemuboot.sha1_of(qemuboot.card_extract(card, "/Demo-1.1.0.img", ctx.workdir / "before.img"))
        url = overlays.overlay_url(nginx)
        with netboot.boot(ctx, card) as q:
            netboot.expect_network(q)
            overlays.expect_fetched(q, url, "sha1 ok")
            qemuboot.expect_demo_boot(q, "1.1.0", poweroff=False)
            overlays.expect_unpacked(q, url, 2)
            q.assert_seen(r"hopboot-stage2: root is Demo-1\.1\.0\.img \+ keydisk kd\.img\b")
            overlays.expect_proof(q, token)
            overlays.poweroff(q)
            q.expect_not(r"hopboot: overlay [^\n]*booting without it")
            q.expect_not(r"hopboot-stage2: overlay [^\n]*does not unpack")
        netboot.check_nginx_gets(nginx, f"overlays/{netboot.GUEST_MAC}.tar.gz", 1, status=200,
                                 size=tarball.stat().st_size)
        netboot.check_nginx_gets(nginx, f"overlays/{netboot.GUEST_MAC}.tar.gz.sha1", 1, status=200)

    keydisk = qemuboot.card_extract(card, "/kd.img", ctx.workdir / "kd.img")
    netboot.check(token.encode() in keydisk.read_bytes(), f"the card's kd.img holds {token}")
    after = qemuboot.card_extract(card, "/Demo-1.1.0.img", ctx.workdir / "after.img")
    if qemuboot.sha1_of(after) != image_sha1:
        raise TestFailure("Demo-1.1.0.img changed on the card")


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
