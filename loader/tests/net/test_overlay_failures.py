#!/usr/bin/env python3
"""An overlay that cannot be had is one warning line, never a failed boot.

Card: Demo-1.1.0 with hopboot.overlay=http://<nginx>/overlays/${mac}.tar.gz; nginx
serves a different directory for each of three boots of the same card:
  1. nothing there (404): "overlay URL: not found on the server, booting without it";
     Demo-1.1.0 boots, stage 2 says nothing about an overlay.
  2. a good tarball whose .sha1 holds another digest: "overlay URL: checksum mismatch
     (file is <12 hex>..., NAME.sha1 says <12 hex>...), booting without it"; the OS
     boots without /etc/hopboot-overlay-proof.
  3. a file that is no .tar.gz, with a matching .sha256, and hopboot.verify=sha256 on
     the card: stage 1 checks it against URL.sha256 ("... KiB fetched, sha256 ok"),
     stage 2 says "overlay URL does not unpack (invalid magic), booting without the
     rest of it", and the OS boots.
  4. a good tarball with no checksum file at all: refused, since an overlay lands in
     the persistent keydisk as root ("no checksum file NAME.sha1"); nginx saw one GET of NAME.sha1 (404) and the OS boots
     without the file.
"""

import hashlib
import shutil
import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import overlays  # noqa: E402
import qemuboot  # noqa: E402
from netboot import servers  # noqa: E402

NO_OVERLAY_LINE = r"hopboot-stage2: overlay "


def serve(ctx, name):
    """An empty served directory for one boot, with its overlays/ subdirectory."""
    served = ctx.workdir / name
    (served / "overlays").mkdir(mode=0o755, parents=True)
    served.chmod(0o755)
    return served


def boot_without(ctx, card, log, nginx_url, refusal):
    """Boot the card: stage 1 refuses the overlay (REFUSAL regex) and the OS still boots
    without its file."""
    url = f"{nginx_url}overlays/{netboot.GUEST_MAC}.tar.gz"
    with netboot.boot(ctx, card, log=log) as q:
        netboot.expect_network(q)
        overlays.expect_refused(q, url, refusal)
        qemuboot.expect_demo_boot(q, "1.1.0", poweroff=False)
        q.expect_not(NO_OVERLAY_LINE)
        overlays.expect_no_proof(q)
        overlays.poweroff(q)


def main(ctx):
    name = f"{netboot.GUEST_MAC}.tar.gz"

    # 1. 404
    with servers.Nginx(serve(ctx, "served-404"), ctx.workdir / "nginx-404") as nginx:
        card = overlays.make_card(ctx, nginx.url + overlays.TEMPLATE, card="card-404.img")
        boot_without(ctx, card, "boot-404", nginx.url, r"not found on the server")

    # 2. checksum mismatch
    served = serve(ctx, "served-mismatch")
    tarball = overlays.make_tarball(served / "overlays" / name, overlays.new_token())
    wrong = "0123456789abcdef0123456789abcdef01234567"
    overlays.write_sha1(tarball, digest=wrong)
    actual = qemuboot.sha1_of(tarball)
    with servers.Nginx(served, ctx.workdir / "nginx-mismatch") as nginx:
        card = overlays.make_card(ctx, nginx.url + overlays.TEMPLATE, card="card-mismatch.img")
        boot_without(ctx, card, "boot-mismatch", nginx.url,
                     rf"checksum mismatch \(file is {actual[:12]}\.\.\., {qemuboot._v(name)}\.sha1 says "
                     rf"{wrong[:12]}\.\.\.\)")

    # 3. not a tarball, checked against its .sha256 (hopboot.verify=sha256): stage 2's warning
    served = serve(ctx, "served-garbage")
    garbage = served / "overlays" / name
    garbage.write_text("this is not a gzip'd tar archive\n" * 40)
    garbage.chmod(0o644)
    sha256 = garbage.with_name(name + ".sha256")
    sha256.write_text(f"{hashlib.sha256(garbage.read_bytes()).hexdigest()}  {name}\n")
    sha256.chmod(0o644)
    image = ctx.stage_demo("1.1.0")["1.1.0"]
    shutil.copyfile(ctx.artifact("demo/Demo-1.1.0.img.sha256"), f"{image}.sha256")
    with servers.Nginx(served, ctx.workdir / "nginx-garbage") as nginx:
        card = ctx.make_card([image], card="card-garbage.img",
                             append=f"hopboot.overlay={nginx.url}{overlays.TEMPLATE} hopboot.verify=sha256")
        url = overlays.overlay_url(nginx)
        with netboot.boot(ctx, card, log="boot-garbage") as q:
            netboot.expect_network(q)
            overlays.expect_fetched(q, url, "sha256 ok")
            qemuboot.expect_demo_boot(q, "1.1.0", poweroff=False)
            q.assert_seen(rf"hopboot-stage2: overlay {qemuboot._v(url)} does not unpack \(invalid magic\), "
                          r"booting without the rest of it\n")
            q.assert_seen(r"hopboot-stage2: root is Demo-1\.1\.0\.img \+ keydisk kd\.img\b")
            overlays.expect_no_proof(q)
            overlays.poweroff(q)
        netboot.check_nginx_gets(nginx, f"overlays/{name}.sha1", 0)

    # 4. no checksum file: refused (fails closed)
    served = serve(ctx, "served-nosums")
    overlays.make_tarball(served / "overlays" / name, overlays.new_token())
    with servers.Nginx(served, ctx.workdir / "nginx-nosums") as nginx:
        card = overlays.make_card(ctx, nginx.url + overlays.TEMPLATE, card="card-nosums.img")
        boot_without(ctx, card, "boot-nosums", nginx.url,
                     rf"no checksum file {qemuboot._v(name)}\.sha1")
        netboot.check_nginx_gets(nginx, f"overlays/{name}.sha1", 1, status=404)


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx",)))
