#!/usr/bin/env python3
"""hopboot.verify=sha256 over the network: every scheme checks each image against its
.sha256 or a SHA256SUMS index, and nothing weaker stands in for them.

The card says hopboot.verify=sha256 and holds Demo-1.0.0 with its .sha256; its line names
four network sources, then the card.  Each hostile source offers Demo-1.2.0 with a .sha1
(or SHA1SUMS) that matches, so only the SHA-256 check can refuse it:
  http://…/sha1only/ (nginx)  SHA1SUMS but no SHA256SUMS: "cannot fetch its SHA256SUMS
                              index (…)", the source is given up
  ftp://… (vsftpd)            .sha1 but no .sha256: "no checksum file Demo-1.2.0.img.sha256"
  tftp://… (tftpd-hpa)        a SHA256SUMS whose line for Demo-1.2.0 holds another image's
                              digest: "checksum mismatch (file is …, SHA256SUMS says …)"
  nfs://… (nfs-ganesha)       Demo-1.1.0 with its .sha256: boots "(sha256 ok, …)"
The card's image is never tried.
"""

import shutil
import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import qemuboot  # noqa: E402
from netboot import image, servers  # noqa: E402


def directory_of(ctx, name, versions, suffixes):
    """workdir/NAME holding the demo images VERSIONS, each with the files SUFFIXES."""
    directory = ctx.workdir / name
    directory.mkdir(mode=0o755)
    for version in versions:
        for suffix in ("", *suffixes):
            shutil.copyfile(ctx.artifact(f"demo/{image(version)}{suffix}"), directory / f"{image(version)}{suffix}")
    return directory


def readable(directory):
    for path in directory.iterdir():
        path.chmod(0o644)
    return directory


def main(ctx):
    www = ctx.workdir / "www"
    www.mkdir(mode=0o755)
    sha1only = directory_of(ctx, "www/sha1only", ["1.2.0"], [".sha1"])
    qemuboot.run_script("mkindex", sha1only, build=ctx.build, log=ctx.tool_log)
    (sha1only / "SHA256SUMS").unlink()
    readable(sha1only)
    ftp_dir = readable(directory_of(ctx, "ftp", ["1.2.0"], [".sha1"]))
    tftp_dir = directory_of(ctx, "tftp", ["1.2.0"], [".sha1"])
    qemuboot.run_script("mkindex", tftp_dir, build=ctx.build, log=ctx.tool_log)
    other = ctx.artifact(f"demo/{image('1.1.0')}.sha256").read_text().split()[0]
    (tftp_dir / "SHA256SUMS").write_text(f"{other}  {image('1.2.0')}\n")
    readable(tftp_dir)
    export = readable(directory_of(ctx, "export", ["1.1.0"], [".sha256"]))
    card_image = directory_of(ctx, "card", ["1.0.0"], [".sha1", ".sha256"]) / image("1.0.0")

    with servers.Nginx(www, ctx.workdir / "nginx") as http, \
            servers.Vsftpd(ftp_dir, ctx.workdir / "vsftpd") as ftp, \
            servers.Tftpd(tftp_dir, ctx.workdir / "tftpd") as tftp, \
            servers.Ganesha(export, ctx.workdir / "ganesha") as nfs:
        netboot.check(nfs.export_created(), f"ganesha exports {export} as {nfs.pseudo}")
        sources = ",".join([f"{http.url}sha1only/", ftp.url, tftp.url, nfs.url, "card"])
        card = ctx.make_card([card_image], append=f"demo.poweroff hopboot.verify=sha256 hopboot.src={sources}")
        with netboot.boot(ctx, card) as q:
            netboot.expect_network(q)
            q.expect(rf"hopboot: {netboot._v(http.url)}sha1only/: cannot fetch its SHA256SUMS index \(",
                     qemuboot.LOADER_TIMEOUT)
            netboot.expect_candidates_at(q, ftp.url, "1.2.0")
            qemuboot.expect_rejected(q, image("1.2.0"), r"no checksum file Demo-1\.2\.0\.img\.sha256")
            netboot.expect_candidates_at(q, tftp.url, "1.2.0")
            qemuboot.expect_rejected(q, image("1.2.0"),
                                     rf"checksum mismatch \(file is [0-9a-f]{{12}}\.\.\., SHA256SUMS says "
                                     rf"{other[:12]}\.\.\.\)")
            netboot.expect_candidates_at(q, nfs.url, "1.1.0")
            netboot.expect_net_boot(q, "1.1.0", f"{nfs.url}{image('1.1.0')}")
            q.assert_seen(rf"hopboot: booting Demo-1\.1\.0 from {netboot._v(nfs.url)}Demo-1\.1\.0\.img "
                          r"\(sha256 ok,")
            netboot.expect_card_not_tried(q)
            q.expect_not(r"hopboot: booting Demo-1\.2\.0 ")


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx", "vsftpd", "tftpd", "ganesha")))
