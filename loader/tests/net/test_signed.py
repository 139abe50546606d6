#!/usr/bin/env python3
"""hopboot.verify=signed over the network: every scheme checks each image's .minisig, and a
hostile server cannot make the machine boot anything but a signed, current image.

A key pair is made with the real minisign; the card trusts its public key (mkcard --key)
and holds Demo-1.1.0 signed by it.
  boot 1  the card alone: Demo-1.1.0 boots ("signature ok") and the OS confirms it, which
          makes 1.1.0 the rollback floor.
Then the card's line gets hopboot.src= six network sources, in this order, and the card:
  http://…/full/   (nginx), https://…/ (nginx with TLS, hopboot.ca=), ftp://…/ (vsftpd),
  tftp://…/ (tftpd-hpa), nfs://…/export/ (nfs-ganesha) and http://…/good/ (nginx).
All but the last serve the hostile set, each image with a .sha1 that matches (so only the
signature can refuse it), newest first:
  Demo-1.5.0  signed by another key        "signed with key …, which this loader does not trust"
  Demo-1.4.0  Demo-1.0.0's signature        "its signature is for Demo-1.0.0.img, not for this file"
  Demo-1.3.0  signed, then one byte changed "its bytes do not match the signature by key …"
              (full/ and the NFS export only: the one refusal that needs the download)
  Demo-1.2.1  no .minisig                   "not signed (no Demo-1.2.1.img.minisig; …)"
  Demo-1.0.0  signed, older than the floor  "older than the newest version the OS confirmed"
  boot 2  every hostile source refuses all of its images with those lines, without a
          download but for Demo-1.3.0; then good/'s Demo-1.2.0, signed, boots from http
          with "signature ok", and the card is never tried.
"""

import shutil
import sys

sys.dont_write_bytecode = True
import netboot  # noqa: E402
import qemuboot  # noqa: E402
from netboot import image, servers  # noqa: E402

MTOOLS_ENV = {"MTOOLS_SKIP_CHECK": "1"}


def keypair(ctx, name):
    pub, sec = ctx.workdir / f"{name}.pub", ctx.workdir / f"{name}.key"
    qemuboot.run_tool(["minisign", "-G", "-W", "-p", pub, "-s", sec], log=ctx.tool_log)
    return pub, sec


def sign(ctx, key, path):
    qemuboot.run_tool(["minisign", "-S", "-s", key, "-m", path], log=ctx.tool_log)


def place(source, directory, name):
    """SOURCE's bytes as DIRECTORY/NAME with a matching .sha1."""
    target = directory / name
    shutil.copyfile(source, target)
    qemuboot.write_sha1(target)
    return target


def hostile_set(ctx, directory, staged, trusted, other, *, corrupt):
    directory.mkdir(mode=0o755, parents=True)
    sign(ctx, other, place(staged["1.1.0"], directory, image("1.5.0")))
    older = place(staged["1.0.0"], directory, image("1.0.0"))
    sign(ctx, trusted, older)
    renamed = place(staged["1.0.0"], directory, image("1.4.0"))
    shutil.copyfile(f"{older}.minisig", f"{renamed}.minisig")
    if corrupt:
        changed = place(staged["1.1.0"], directory, image("1.3.0"))
        sign(ctx, trusted, changed)
        qemuboot.corrupt_middle(changed, count=1)
    place(staged["1.1.0"], directory, image("1.2.1"))
    qemuboot.run_script("mkindex", directory, build=ctx.build, log=ctx.tool_log)
    for path in directory.iterdir():
        path.chmod(0o644)
    return directory


def add_to_append(ctx, card, words):
    """Append WORDS to the hopboot label's APPEND line of the card's syslinux.cfg."""
    target = f"{card}@@{qemuboot.PARTITION_OFFSET}"
    text = qemuboot.run_tool(["mtype", "-i", target, "::/syslinux.cfg"], env=MTOOLS_ENV)
    lines, done = [], False
    for line in text.splitlines():
        if not done and line.strip().startswith("APPEND ") and "hopboot.rescue" not in line:
            line, done = f"{line} {words}", True
        lines.append(line)
    if not done:
        raise qemuboot.TestFailure("the card's syslinux.cfg has no APPEND line to change")
    cfg = ctx.workdir / "syslinux.cfg"
    cfg.write_text("\n".join(lines) + "\n")
    qemuboot.run_tool(["mcopy", "-o", "-i", target, cfg, "::/syslinux.cfg"], env=MTOOLS_ENV, log=ctx.tool_log)


def expect_hostile(q, url, corrupt):
    versions = ["1.5.0", "1.4.0", *(["1.3.0"] if corrupt else []), "1.2.1", "1.0.0"]
    netboot.expect_candidates_at(q, url, *versions)
    reasons = {
        "1.5.0": r"signed with key [0-9A-F]{16}, which this loader does not trust",
        "1.4.0": r"its signature is for Demo-1\.0\.0\.img, not for this file",
        "1.3.0": r"its bytes do not match the signature by key [0-9A-F]{16}",
        "1.2.1": r"not signed \(no Demo-1\.2\.1\.img\.minisig; hopboot\.verify=signed\)",
        "1.0.0": r"older than the newest version the OS confirmed \(rollback protection\)",
    }
    for i, version in enumerate(versions):
        following = image(versions[i + 1]) if i + 1 < len(versions) else None
        qemuboot.expect_rejected(q, image(version), reasons[version], following)


def main(ctx):
    pub, trusted = keypair(ctx, "trusted")
    _, other = keypair(ctx, "other")
    staged = ctx.stage_demo("1.0.0", "1.1.0", "1.2.0")
    sign(ctx, trusted, staged["1.1.0"])

    card = ctx.make_card([staged["1.1.0"]], keys=[pub], append="demo.poweroff hopboot.verify=signed")
    with netboot.boot(ctx, card, log="boot1-card") as q:
        qemuboot.expect_demo_boot(q, "1.1.0")
        q.assert_seen(r"hopboot: booting Demo-1\.1\.0 from card \(signature ok,")
        q.expect(r"hopboot-bless: Demo-1\.1\.0\.img confirmed", qemuboot.DEMO_TIMEOUT)
        qemuboot.expect_poweroff(q)

    root = ctx.workdir / "www"
    hostile_set(ctx, root / "full", staged, trusted, other, corrupt=True)
    hostile = hostile_set(ctx, ctx.workdir / "hostile", staged, trusted, other, corrupt=False)
    good = root / "good"
    good.mkdir(mode=0o755)
    sign(ctx, trusted, place(staged["1.2.0"], good, image("1.2.0")))
    qemuboot.run_script("mkindex", good, build=ctx.build, log=ctx.tool_log)
    for path in good.iterdir():
        path.chmod(0o644)
    nfs_root = hostile_set(ctx, ctx.workdir / "export", staged, trusted, other, corrupt=True)

    with servers.Nginx(root, ctx.workdir / "nginx") as http, \
            servers.Nginx(hostile, ctx.workdir / "nginx-tls", tls=True) as https, \
            servers.Vsftpd(hostile, ctx.workdir / "vsftpd") as ftp, \
            servers.Tftpd(hostile, ctx.workdir / "tftpd") as tftp, \
            servers.Ganesha(nfs_root, ctx.workdir / "ganesha") as nfs:
        netboot.check(nfs.export_created(), f"ganesha exports {nfs_root} as {nfs.pseudo}")
        hostile_urls = [(f"{http.url}full/", True), (https.url, False), (ftp.url, False), (tftp.url, False),
                        (nfs.url, True)]
        good_url = f"{http.url}good/"
        sources = ",".join([*(url for url, _ in hostile_urls), good_url, "card"])
        add_to_append(ctx, card, f"hopboot.src={sources} hopboot.ca=ca.pem")
        qemuboot.run_tool(["mcopy", "-i", f"{card}@@{qemuboot.PARTITION_OFFSET}", https.ca_cert, "::/ca.pem"],
                          env=MTOOLS_ENV, log=ctx.tool_log)
        with netboot.boot(ctx, card, log="boot2-network") as q:
            netboot.expect_network(q)
            for url, corrupt in hostile_urls:
                expect_hostile(q, url, corrupt)
            netboot.expect_candidates_at(q, good_url, "1.2.0")
            netboot.expect_net_boot(q, "1.2.0", f"{good_url}{image('1.2.0')}")
            q.assert_seen(rf"hopboot: booting Demo-1\.2\.0 from {netboot._v(good_url)}Demo-1\.2\.0\.img "
                          r"\(signature ok,")
            netboot.expect_card_not_tried(q)
            for version in ("1.5.0", "1.4.0", "1.3.0", "1.2.1", "1.0.0"):
                q.expect_not(rf"hopboot: booting Demo-{netboot._v(version)} ")
        # Only the changed Demo-1.3.0 was downloaded from the hostile nginx directory: every
        # other refusal came from its signature alone.
        fetched = [version for version in ("1.5.0", "1.4.0", "1.3.0", "1.2.1", "1.0.0")
                   if netboot.nginx_gets(http, f"full/{image(version)}")]
        netboot.check(fetched == ["1.3.0"], "of full/'s images only the changed Demo-1.3.0 was fetched",
                      f"fetched: {fetched}")


if __name__ == "__main__":
    sys.exit(netboot.run(main, __doc__, daemons=("nginx", "vsftpd", "tftpd", "ganesha", "openssl")))
